//! Entry points: `alloc_pages`, `__get_free_pages`, `vmalloc`, `kvmalloc` and the frees,
//! each applying `current_gfp_context()`, `might_alloc()` (lockdep fs_reclaim +
//! `might_sleep_if`) and the hazard checks before the page allocator (§3.3, §9).

use crate::context::ExecContext;
use crate::event::EventSink;
use crate::gfp::Gfp;
use crate::mem::{MAX_PAGE_ORDER, PAGE_SIZE, PageState, Pfn};
use crate::task::{CallSite, ScopeApi, Task, TaskFlags, current_gfp_context};

use super::event::{AllocEvent, BugKind};
use super::kernel::{Allocation, Kernel, PAGE_OFFSET, emit, normalize_lock};
use super::report;
use super::rules;
use super::slowpath::PageOutcome;

/// The task calling an entry point, its execution context and where it called from.
#[derive(Debug)]
pub struct Current<'a> {
    pub task: &'a mut Task,
    pub ctx: &'a mut ExecContext,
    pub site: CallSite,
    /// The scenario call chain, innermost first (used in stack dumps).
    pub frames: Vec<String>,
    /// Kernel frames entered by this call, outermost first (bookkeeping).
    pub(crate) kstack: Vec<&'static str>,
    /// Set when the task cannot continue.
    pub(crate) stopped: Option<String>,
}

impl<'a> Current<'a> {
    /// A caller: `task` running in `ctx`, calling from `site`.
    pub fn new(task: &'a mut Task, ctx: &'a mut ExecContext, site: CallSite) -> Current<'a> {
        let frames = vec![site.function.clone()];
        Current {
            task,
            ctx,
            site,
            frames,
            kstack: Vec::new(),
            stopped: None,
        }
    }

    /// Sets the scenario call chain (innermost first).
    #[must_use]
    pub fn with_frames(mut self, frames: Vec<String>) -> Current<'a> {
        self.frames = frames;
        self
    }

    /// Kernel frames innermost first, then the scenario frames.
    pub(crate) fn trace(&self) -> Vec<String> {
        let mut t: Vec<String> = self.kstack.iter().rev().map(|s| (*s).to_string()).collect();
        t.extend(self.frames.iter().cloned());
        t
    }
}

/// What an entry point returns. Failure is `addr == None` plus events, never an `Err`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllocResult {
    /// The address handed out (`NULL` = `None`).
    pub addr: Option<u64>,
    /// The mask as the caller passed it.
    pub requested_gfp: Gfp,
    /// After `current_gfp_context()`.
    pub effective_gfp: Gfp,
    /// Set when the task cannot continue (would loop forever or deadlock): the
    /// interpreter marks it stopped with this verdict.
    pub stopped: Option<String>,
    /// Pids the OOM killer killed during this call (the interpreter stops those tasks).
    pub killed: Vec<u32>,
}

impl Kernel {
    pub(crate) fn stopped(&self) -> bool {
        self.stop_flag
    }

    /// Emits a verdict and marks the current call as unable to continue.
    pub(crate) fn stop_task(
        &mut self,
        cur: &mut Current<'_>,
        verdict: &'static str,
        text: String,
        cycle: Vec<String>,
        sink: &mut dyn EventSink,
    ) {
        self.stop_flag = true;
        cur.stopped = Some(format!("{verdict}: {text}"));
        emit(
            sink,
            AllocEvent::TaskStopped {
                verdict,
                text,
                cycle,
            },
        );
    }

    pub(crate) fn begin_call(&mut self) {
        self.stop_flag = false;
    }

    /// Pids the OOM killer killed since the last entry-point return or `take_killed`
    /// (background tasks and kswapd steps can trigger kills too): the interpreter stops
    /// those tasks.
    pub fn take_killed(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.killed_now)
    }

    /// Whether the process `pid` was OOM-killed.
    #[must_use]
    pub fn is_killed(&self, pid: u32) -> bool {
        self.procs.iter().any(|p| p.pid == pid && p.killed)
    }

    pub(crate) fn finish(
        &mut self,
        cur: &mut Current<'_>,
        requested: Gfp,
        effective: Gfp,
        addr: Option<u64>,
    ) -> AllocResult {
        self.stop_flag = false;
        AllocResult {
            addr,
            requested_gfp: requested,
            effective_gfp: effective,
            stopped: cur.stopped.take(),
            killed: std::mem::take(&mut self.killed_now),
        }
    }

    /// `might_alloc(gfp)` = `fs_reclaim_acquire/release(gfp)` + `might_sleep_if(blocking)`
    /// (include/linux/sched/mm.h, 6.12) plus this model's runtime-PM hazard check.
    pub(crate) fn might_alloc(
        &mut self,
        cur: &mut Current<'_>,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) {
        // fs_reclaim_acquire(): __need_reclaim && (current_gfp_context(gfp) & __GFP_FS).
        let pf_memalloc = cur.task.flags.contains(TaskFlags::PF_MEMALLOC);
        if rules::need_reclaim(gfp, pf_memalloc) && gfp.contains(Gfp::FS) {
            let held: Vec<(String, bool, String)> = cur
                .ctx
                .locks
                .iter()
                .filter(|l| self.fs_reclaim_locks.contains_key(&normalize_lock(&l.name)))
                .map(|l| (l.name.clone(), l.kind.sleeps(), l.site.function.clone()))
                .collect();
            for (name, sleeping, at) in held {
                // lockdep reports the first problem and then turns itself off
                // (debug_locks_off_graph_unlock): one report per run.
                if !self.lockdep_reported.is_empty() {
                    break;
                }
                self.lockdep_reported.insert(normalize_lock(&name), ());
                let lock = report::LockdepLock {
                    name: name.clone(),
                    sleeping,
                    at,
                };
                let all: Vec<report::LockdepLock> = cur
                    .ctx
                    .locks
                    .iter()
                    .map(|l| report::LockdepLock {
                        name: l.name.clone(),
                        sleeping: l.kind.sleeps(),
                        at: l.site.function.clone(),
                    })
                    .collect();
                let mut alloc_stack = vec!["fs_reclaim_acquire".to_string()];
                alloc_stack.extend(cur.trace());
                let reclaim_stack: Vec<String> = [
                    "mutex_lock_nested",
                    "super_cache_scan",
                    "do_shrink_slab",
                    "shrink_slab",
                    "shrink_node",
                    "balance_pgdat",
                    "kswapd",
                    "kthread",
                    "ret_from_fork",
                ]
                .iter()
                .map(|s| (*s).to_string())
                .collect();
                let lines = report::lockdep_fs_reclaim(
                    &cur.task.comm,
                    cur.task.pid,
                    &lock,
                    &all,
                    &alloc_stack,
                    &reclaim_stack,
                );
                emit(
                    sink,
                    AllocEvent::Bug {
                        bug: BugKind::FsReclaimRecursion,
                        report: lines,
                    },
                );
            }
        }
        // might_sleep_if(gfpflags_allow_blocking(gfp)).
        let trace = cur.trace();
        if let Some(bug) = cur.ctx.might_alloc(cur.task, gfp, &trace) {
            emit(
                sink,
                AllocEvent::Bug {
                    bug: BugKind::SleepInAtomic,
                    report: bug.lines(),
                },
            );
        }
        // Runtime PM: may this allocation issue I/O to a suspended device this task resumes?
        if gfp.contains(Gfp::IO) && gfp.contains(Gfp::DIRECT_RECLAIM) {
            let pid = cur.task.pid;
            let hazards: Vec<String> = self
                .resuming
                .iter()
                .filter(|(p, _)| *p == pid)
                .filter_map(|(_, d)| self.devices.get(*d))
                .filter(|d| d.suspended && (d.backs_swap || d.backs_fs))
                .map(|d| d.name.clone())
                .collect();
            for dev in hazards {
                emit(
                    sink,
                    AllocEvent::Hazard {
                        hazard: "noio_resume",
                        text: format!(
                            "{}/{} resumes runtime-suspended {dev} and allocates with __GFP_IO ({}): reclaim may swap out or write back to {dev}, which waits for this very resume (memalloc_noio_save() exists for this)",
                            cur.task.comm,
                            pid,
                            super::gfp_text(gfp)
                        ),
                    },
                );
            }
        }
    }

    /// Applies the scope and emits the `alloc` event.
    #[allow(clippy::too_many_arguments, clippy::unused_self)]
    pub(crate) fn enter(
        &mut self,
        cur: &mut Current<'_>,
        api: &'static str,
        gfp: Gfp,
        size: Option<u64>,
        order: u32,
        cache: Option<String>,
        sink: &mut dyn EventSink,
    ) -> Gfp {
        let eff = current_gfp_context(gfp, cur.task.flags).effective;
        emit(
            sink,
            AllocEvent::Alloc {
                api,
                function: cur.site.function.clone(),
                line: cur.site.line,
                size,
                order,
                requested_gfp: gfp,
                effective_gfp: eff,
                cache,
            },
        );
        eff
    }

    /// Runs the page allocator for an already-entered call and prints `warn_alloc` on
    /// failure. Returns the page (head pfn).
    pub(crate) fn pages_for(
        &mut self,
        cur: &mut Current<'_>,
        api: &'static str,
        gfp: Gfp,
        order: u32,
        sink: &mut dyn EventSink,
    ) -> Option<(u64, bool)> {
        if order > MAX_PAGE_ORDER {
            self.order_too_large(cur, api, gfp, order, sink);
            return None;
        }
        cur.kstack.push("__alloc_pages_noprof");
        let out = self.alloc_pages_core(cur, gfp, order, sink);
        cur.kstack
            .retain(|f| *f != "__alloc_pages_noprof" && *f != "__alloc_pages_slowpath");
        match out {
            PageOutcome::Page(g) => {
                emit(
                    sink,
                    AllocEvent::AllocOk {
                        api,
                        order,
                        zone: g.zone.zone.kernel_name(),
                        pfn: g.pfn,
                        addr: PAGE_OFFSET + g.pfn * PAGE_SIZE,
                        pfmemalloc: g.pfmemalloc,
                    },
                );
                Some((g.pfn, g.pfmemalloc))
            }
            PageOutcome::Fail => {
                self.fail_event(cur, api, gfp, order, None, sink);
                None
            }
            PageOutcome::Stopped => None,
        }
    }

    /// `if (WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)) return NULL;` at the top of
    /// `__alloc_pages_noprof()` (mm/page_alloc.c:4832, 6.12; the macro is in
    /// mm/internal.h:51-60): one WARNING per boot unless `__GFP_NOWARN`, and NULL before
    /// the slow path, so no `warn_alloc()` report.
    fn order_too_large(
        &mut self,
        cur: &Current<'_>,
        api: &'static str,
        gfp: Gfp,
        order: u32,
        sink: &mut dyn EventSink,
    ) {
        // WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp) (mm/page_alloc.c:4832, 6.12).
        if !gfp.contains(Gfp::NOWARN) && self.warn_once("order > MAX_PAGE_ORDER") {
            emit(
                sink,
                AllocEvent::Warning {
                    function: "__alloc_pages_noprof",
                    condition: "order > MAX_PAGE_ORDER",
                    text: format!(
                        "{} — order {order} > MAX_PAGE_ORDER {MAX_PAGE_ORDER}",
                        report::warn_on_once(
                            cur.task.pid,
                            "__alloc_pages_noprof",
                            report::ORDER_TOO_LARGE_WARN_LINE,
                            "order > MAX_PAGE_ORDER",
                        )
                    ),
                },
            );
        }
        self.stat.alloc_fail += 1;
        emit(
            sink,
            AllocEvent::AllocFail {
                api,
                order,
                gfp,
                suppressed: Some(
                    "order > MAX_PAGE_ORDER: __alloc_pages_noprof() returns NULL before the slow path, without warn_alloc()",
                ),
                report: Vec::new(),
            },
        );
    }

    /// Emits `alloc_fail` with `warn_alloc()`'s report unless suppressed.
    pub(crate) fn fail_event(
        &mut self,
        cur: &Current<'_>,
        api: &'static str,
        gfp: Gfp,
        order: u32,
        message: Option<String>,
        sink: &mut dyn EventSink,
    ) {
        self.stat.alloc_fail += 1;
        let has_dma = self
            .mem
            .zones()
            .any(|z| z.zone_type() == crate::gfp::ZoneType::Dma && z.managed_pages() > 0);
        let suppressed = rules::warn_alloc_suppressed(gfp, has_dma);
        let report = if suppressed.is_some() || !sink.enabled() {
            Vec::new()
        } else {
            let msg = message.unwrap_or_else(|| format!("page allocation failure: order:{order}"));
            let mut stack: Vec<&str> = vec!["warn_alloc"];
            stack.extend(["__alloc_pages_slowpath", "__alloc_pages_noprof"]);
            let callers = {
                let mut c: Vec<String> = cur
                    .kstack
                    .iter()
                    .rev()
                    .filter(|f| **f != "__alloc_pages_slowpath" && **f != "__alloc_pages_noprof")
                    .map(|s| (*s).to_string())
                    .collect();
                c.extend(cur.frames.iter().cloned());
                c
            };
            let highest = super::glue::gfp_zone(gfp, &self.mem);
            report::warn_alloc(
                &cur.task.comm,
                cur.task.pid,
                &msg,
                &super::gfp_text(gfp),
                &stack,
                &callers,
                &self.mem_snap(),
                highest,
            )
        };
        emit(
            sink,
            AllocEvent::AllocFail {
                api,
                order,
                gfp,
                suppressed,
                report,
            },
        );
    }

    /// `alloc_pages(gfp, order)`: a block of 2^order pages.
    pub fn alloc_pages(
        &mut self,
        cur: &mut Current<'_>,
        gfp: Gfp,
        order: u32,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        self.alloc_pages_api(cur, "alloc_pages", gfp, order, sink)
    }

    fn alloc_pages_api(
        &mut self,
        cur: &mut Current<'_>,
        api: &'static str,
        gfp: Gfp,
        order: u32,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        self.begin_call();
        let eff = self.enter(cur, api, gfp, None, order, None, sink);
        cur.kstack.push("alloc_pages_noprof");
        self.might_alloc(cur, eff, sink);
        let got = self.pages_for(cur, api, eff, order, sink);
        cur.kstack.clear();
        let addr = got.map(|(pfn, _)| {
            let site = self.site_id(&cur.site.function, cur.site.line);
            self.set_kernel_page(pfn, order, site);
            let addr = PAGE_OFFSET + pfn * PAGE_SIZE;
            self.allocations.insert(
                addr,
                Allocation::Pages {
                    pfn,
                    order,
                    kmalloc: false,
                },
            );
            addr
        });
        self.finish(cur, gfp, eff, addr)
    }

    /// `__get_free_pages(gfp, order)`: `alloc_pages` minus `__GFP_HIGHMEM`, returning
    /// the direct-map address.
    pub fn get_free_pages(
        &mut self,
        cur: &mut Current<'_>,
        gfp: Gfp,
        order: u32,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        self.alloc_pages_api(
            cur,
            "__get_free_pages",
            gfp.without(Gfp::HIGHMEM),
            order,
            sink,
        )
    }

    /// `__free_pages(page, order)` / `free_pages(addr, order)`. Returns false for an
    /// address that is not a live `alloc_pages` block (reported as a `warning` event).
    pub fn free_pages(&mut self, addr: u64, sink: &mut dyn EventSink) -> bool {
        if let Some(&Allocation::Pages { pfn, order, .. }) = self.allocations.get(&addr) {
            self.allocations.remove(&addr);
            let _ = self.mem.free_pages(Pfn(pfn), order, sink);
            emit(
                sink,
                AllocEvent::Free {
                    api: "__free_pages",
                    addr,
                    order,
                    pages: 1 << order,
                },
            );
            true
        } else {
            self.bad_free("__free_pages", addr, sink);
            false
        }
    }

    #[allow(clippy::unused_self)]
    pub(crate) fn bad_free(&mut self, api: &'static str, addr: u64, sink: &mut dyn EventSink) {
        emit(
            sink,
            AllocEvent::Warning {
                function: api,
                condition: "freeing an address that is not allocated",
                text: format!(
                    "{api}({addr:#x}): not a live allocation (double free or bad pointer)"
                ),
            },
        );
    }

    /// `vmalloc(size)` with `gfp` (`__vmalloc_node_range` → `__vmalloc_area_node`,
    /// mm/vmalloc.c 6.12): order-0 pages with `gfp | __GFP_HIGHMEM | __GFP_NOWARN`, then
    /// the page tables under a NOFS/NOIO scope when the mask lacks FS/IO.
    pub fn vmalloc(
        &mut self,
        cur: &mut Current<'_>,
        size: u64,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        self.begin_call();
        let eff = self.enter(cur, "vmalloc", gfp, Some(size), 0, None, sink);
        let addr = self.vmalloc_inner(cur, size, gfp, sink);
        self.finish(cur, gfp, eff, addr)
    }

    pub(crate) fn vmalloc_inner(
        &mut self,
        cur: &mut Current<'_>,
        size: u64,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> Option<u64> {
        cur.kstack.clear();
        cur.kstack.push("__vmalloc_node_range_noprof");
        let eff = current_gfp_context(gfp, cur.task.flags).effective;
        self.might_alloc(cur, eff, sink);
        if size == 0 {
            return None;
        }
        let nr = size.div_ceil(PAGE_SIZE);
        if nr > self.mem.totalram_pages() {
            self.fail_event(
                cur,
                "vmalloc",
                gfp,
                0,
                Some(format!("vmalloc error: size {size}, exceeds total pages")),
                sink,
            );
            return None;
        }
        cur.kstack.push("__vmalloc_area_node");
        // __vmalloc_area_node() (mm/vmalloc.c:3699-3700, 6.12) adds __GFP_HIGHMEM to its
        // gfp_mask, which its warn_alloc() calls print (:3757, :3785); only the page
        // allocations get the extra __GFP_NOWARN (:3730). A caller's own __GFP_NOWARN
        // therefore silences vmalloc's reports too.
        let mut warn_gfp = gfp;
        if !gfp.intersects(Gfp(Gfp::DMA.0 | Gfp::DMA32.0)) {
            warn_gfp |= Gfp::HIGHMEM;
        }
        let page_gfp = warn_gfp | Gfp::NOWARN;
        emit(
            sink,
            AllocEvent::GfpAdjust {
                function: "__vmalloc_area_node",
                from: gfp,
                to: page_gfp,
                why: format!("{nr} order-0 pages: may come from highmem, vmalloc warns itself"),
            },
        );
        let site = self.site_id(&cur.site.function, cur.site.line);
        let mut pages = Vec::new();
        cur.kstack.push("vm_area_alloc_pages");
        for _ in 0..nr {
            let eff_page = current_gfp_context(page_gfp, cur.task.flags).effective;
            match self.pages_for(cur, "vmalloc", eff_page, 0, sink) {
                Some((pfn, _)) => {
                    self.set_kernel_page(pfn, 0, site);
                    pages.push(pfn);
                }
                None => break,
            }
            if cur.stopped.is_some() {
                break;
            }
        }
        cur.kstack.retain(|f| *f != "vm_area_alloc_pages");
        if pages.len() as u64 != nr {
            for &p in &pages {
                let _ = self.mem.free_pages(Pfn(p), 0, sink);
            }
            if cur.stopped.is_none() {
                self.fail_event(
                    cur,
                    "vmalloc",
                    warn_gfp,
                    0,
                    Some(format!(
                        "vmalloc error: size {}, failed to allocate pages",
                        pages.len() as u64 * PAGE_SIZE
                    )),
                    sink,
                );
            }
            return None;
        }
        // "page tables allocations ignore external gfp mask, enforce it by the scope API"
        let scope = match gfp.0 & (Gfp::FS.0 | Gfp::IO.0) {
            x if x == Gfp::IO.0 => Some(ScopeApi::Nofs),
            0 => Some(ScopeApi::Noio),
            _ => None,
        };
        let mut cookie = None;
        if let Some(api) = scope {
            let (c, _) = cur
                .task
                .scope_save(self.cfg.scope_semantics, api, &cur.site);
            cookie = Some((api, c));
            emit(
                sink,
                AllocEvent::ScopeSave {
                    api: api.save_name(),
                    by: "__vmalloc_area_node",
                    flags: c,
                },
            );
        }
        // vmap_pages_range → __pte_alloc: GFP_PGTABLE_KERNEL = GFP_KERNEL | __GFP_ZERO.
        cur.kstack.push("__pte_alloc_kernel");
        let pt_gfp = Gfp::KERNEL | Gfp::ZERO;
        let pt_eff = current_gfp_context(pt_gfp, cur.task.flags).effective;
        emit(
            sink,
            AllocEvent::GfpAdjust {
                function: "__pte_alloc_kernel",
                from: pt_gfp,
                to: pt_eff,
                why: "page-table allocation: GFP_PGTABLE_KERNEL, narrowed by the task's scope"
                    .to_string(),
            },
        );
        self.might_alloc(cur, pt_eff, sink);
        let pt = self.pages_for(cur, "vmalloc", pt_eff, 0, sink);
        cur.kstack.retain(|f| *f != "__pte_alloc_kernel");
        if let Some((api, c)) = cookie {
            let _ = cur
                .task
                .scope_restore(self.cfg.scope_semantics, api, c, &cur.site);
            emit(
                sink,
                AllocEvent::ScopeRestore {
                    api: api.restore_name(),
                    by: "__vmalloc_area_node",
                    flags: c,
                },
            );
        }
        let Some((pt_pfn, _)) = pt else {
            for &p in &pages {
                let _ = self.mem.free_pages(Pfn(p), 0, sink);
            }
            if cur.stopped.is_none() {
                self.fail_event(
                    cur,
                    "vmalloc",
                    warn_gfp,
                    0,
                    Some(format!(
                        "vmalloc error: size {}, failed to map pages",
                        nr * PAGE_SIZE
                    )),
                    sink,
                );
            }
            return None;
        };
        let _ = self
            .mem
            .set_block_state(Pfn(pt_pfn), 0, PageState::Kernel { site });
        pages.push(pt_pfn);
        let addr = self.next_vmalloc;
        self.next_vmalloc += (nr + 1) * PAGE_SIZE;
        emit(
            sink,
            AllocEvent::AllocOk {
                api: "vmalloc",
                order: 0,
                zone: "vmalloc",
                pfn: pages.first().copied().unwrap_or(0),
                addr,
                pfmemalloc: false,
            },
        );
        self.allocations.insert(addr, Allocation::Vmalloc { pages });
        Some(addr)
    }

    /// `vfree(addr)`.
    pub fn vfree(&mut self, addr: u64, sink: &mut dyn EventSink) -> bool {
        if let Some(Allocation::Vmalloc { pages }) = self.allocations.get(&addr) {
            let pages = pages.clone();
            self.allocations.remove(&addr);
            for &p in &pages {
                let _ = self.mem.free_pages(Pfn(p), 0, sink);
            }
            emit(
                sink,
                AllocEvent::Free {
                    api: "vfree",
                    addr,
                    order: 0,
                    pages: pages.len() as u64,
                },
            );
            true
        } else {
            self.bad_free("vfree", addr, sink);
            false
        }
    }
}
