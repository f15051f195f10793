//! The interpreter's side of the kernel model: building the simulated kernel
//! from a scenario header, the allocation/free builtins (which call the entry
//! points of `crate::alloc::Kernel`), kswapd's task steps and the background
//! work that runs after every step. Kernel events become log entries, slow-path
//! decisions and the step's allocation view here; no kernel rule is applied.

use crate::alloc::event::CompactResult;
use crate::alloc::{AllocEvent, AllocResult, Current, Kernel};
use crate::event::{Event, EventSink};
use crate::gfp::Gfp;
use crate::mem::BuddyTally;
use crate::scenario::ast;
use crate::scenario::builtins::Builtin;
use crate::scenario::diag::Diagnostic;
use crate::scenario::exec::{Cx, emit, stop_task};
use crate::scenario::interp::{Flow, Here, Interp, RunState, StepOut};
use crate::scenario::run::Fields;
use crate::scenario::value::{Object, Value};
use crate::small_map::U64Map;
use crate::task::CallSite;
use crate::version::KernelVersion;

/// The kernel model plus what the interpreter needs to talk to it.
#[derive(Clone, Debug)]
pub struct Sys {
    pub kernel: Kernel,
    /// Kernel version whose printing rules apply to masks shown in views.
    pub version: KernelVersion,
}

/// `%pGg` names of a 6.12 mask (the text inside the parentheses of `%#x(%pGg)`).
#[must_use]
pub fn gfp_names(g: Gfp) -> String {
    crate::gfp::format::flag_names(
        g.0,
        &crate::gfp::layout::Layout::new(KernelVersion::default()),
    )
}

/// `%#x(%pGg)` of a 6.12 mask.
#[must_use]
pub fn gfp_text(g: Gfp) -> String {
    crate::gfp::format::format_pgg(g.0, KernelVersion::default())
}

/// Collects the allocator's events during one call; buddy-level events are only
/// summed into split and merge chains for the step's view (the memory map and zone
/// views show their effect).
#[derive(Default)]
pub struct Collect {
    pub events: Vec<AllocEvent>,
    /// `None` while setting up (the initial fill is not a step's work).
    pub buddy: Option<BuddyTally>,
}

impl Collect {
    /// A sink that also sums buddy operations.
    fn with_buddy() -> Collect {
        Collect {
            events: Vec::new(),
            buddy: Some(BuddyTally::default()),
        }
    }

    /// Adds the buddy operations seen, done by `task`, to the step's.
    fn buddy_into(&mut self, task: &str, out: &mut StepOut) {
        if let Some(t) = self.buddy.take() {
            for op in t.finish() {
                crate::mem::add_op(&mut out.buddy_ops, task, &op);
            }
        }
    }
}

impl EventSink for Collect {
    fn emit(&mut self, event: Event) {
        match event {
            Event::Alloc(e) => self.events.push(e),
            Event::Mem(e) => {
                if let Some(t) = &mut self.buddy {
                    t.record(&e);
                }
            }
            _ => {}
        }
    }
}

/// The log line of an allocator event: its text, or for a multi-line report whose
/// first line is a rule of `=` (lockdep), the first line that says something.
#[must_use]
pub fn event_text(e: &AllocEvent) -> String {
    let t = e.text();
    let is_rule = |l: &str| l.trim().chars().all(|c| c == '=' || c == '-');
    if is_rule(&t)
        && let Some(l) = e.report().iter().find(|l| !is_rule(l))
    {
        return l.trim().to_string();
    }
    t
}

/// Structured fields of an allocator event for `gfpscope run --json`.
#[must_use]
pub fn event_fields(e: &AllocEvent) -> Fields {
    let mut f = Fields::default();
    let hex = |g: &Gfp| format!("{:#x}", g.0);
    match e {
        AllocEvent::Alloc {
            api,
            size,
            order,
            requested_gfp,
            effective_gfp,
            cache,
            ..
        } => {
            f.insert("api".into(), (*api).to_string());
            f.insert("requested_gfp".into(), hex(requested_gfp));
            f.insert("effective_gfp".into(), hex(effective_gfp));
            f.insert("order".into(), order.to_string());
            if let Some(s) = size {
                f.insert("size".into(), s.to_string());
            }
            if let Some(c) = cache {
                f.insert("cache".into(), c.clone());
            }
        }
        AllocEvent::AllocOk {
            api,
            order,
            zone,
            pfn,
            addr,
            ..
        } => {
            f.insert("api".into(), (*api).to_string());
            f.insert("order".into(), order.to_string());
            f.insert("zone".into(), (*zone).to_string());
            f.insert("pfn".into(), format!("{pfn:#x}"));
            f.insert("addr".into(), format!("{addr:#x}"));
        }
        AllocEvent::AllocFail {
            api, order, gfp, ..
        } => {
            f.insert("api".into(), (*api).to_string());
            f.insert("order".into(), order.to_string());
            f.insert("gfp".into(), hex(gfp));
        }
        AllocEvent::ReclaimSkip {
            function,
            what,
            missing_flag,
            count,
        } => {
            f.insert("function".into(), (*function).to_string());
            f.insert("what".into(), (*what).to_string());
            f.insert("missing_flag".into(), (*missing_flag).to_string());
            f.insert("count".into(), count.to_string());
        }
        AllocEvent::OomSkip {
            reason, condition, ..
        } => {
            f.insert("reason".into(), reason.clone());
            f.insert("condition".into(), (*condition).to_string());
        }
        AllocEvent::OomKill {
            victim_pid,
            victim_comm,
            freed_pages,
            ..
        } => {
            f.insert("victim_pid".into(), victim_pid.to_string());
            f.insert("victim_comm".into(), victim_comm.clone());
            f.insert("freed_pages".into(), freed_pages.to_string());
        }
        AllocEvent::Bug { bug, .. } => {
            f.insert("bug".into(), bug.name().to_string());
        }
        AllocEvent::TaskStopped { verdict, .. } => {
            f.insert("verdict".into(), (*verdict).to_string());
        }
        AllocEvent::DirectReclaim { order, gfp, .. } => {
            f.insert("order".into(), order.to_string());
            f.insert("gfp".into(), hex(gfp));
        }
        AllocEvent::KswapdWake { order, woken, .. } => {
            f.insert("order".into(), order.to_string());
            f.insert("woken".into(), woken.to_string());
        }
        AllocEvent::Compaction { order, result, .. } => {
            f.insert("order".into(), order.to_string());
            // The variant name in lower case, as `--json` has always printed it.
            let name = match result {
                CompactResult::NotSuitableZone => "notsuitablezone",
                CompactResult::Skipped => "skipped",
                CompactResult::Deferred => "deferred",
                CompactResult::Complete => "complete",
                CompactResult::Success => "success",
            };
            f.insert("result".into(), name.into());
        }
        _ => {}
    }
    let report = e.report();
    if report.len() > 1 {
        f.insert("report".into(), report.join("\n"));
    }
    f
}

impl Sys {
    /// Builds the kernel for a scenario's header: machine, swap, pressure,
    /// background load, locks that filesystem reclaim takes, devices.
    ///
    /// # Errors
    /// A located diagnostic for a header value the kernel model rejects
    /// (unknown machine preset, impossible zone sizes).
    pub fn build(s: &ast::Scenario, seed: u64, out: &mut StepOut) -> Result<Sys, Vec<Diagnostic>> {
        let h = &s.header;
        let span_of = |key: &str| {
            h.entries
                .iter()
                .find(|e| e.key == key)
                .map(|e| e.value_span)
                .or(h.span)
                .unwrap_or_default()
        };
        let cfg = crate::mem::MachineConfig::preset(&h.machine).map_err(|e| {
            vec![Diagnostic::error(
                &s.file_name,
                span_of("machine"),
                format!("{e}"),
            )]
        })?;
        let cfg = if h.zones.is_empty() {
            cfg
        } else {
            let mut zones = Vec::new();
            for z in &h.zones {
                let Some(zt) = crate::gfp::ZoneType::ALL
                    .iter()
                    .copied()
                    .find(|t| t.kernel_name() == z.zone)
                else {
                    return Err(vec![Diagnostic::error(
                        &s.file_name,
                        z.span,
                        format!("unknown zone `{}`", z.zone),
                    )]);
                };
                zones.push((zt, z.bytes / 4096));
            }
            crate::mem::MachineConfig::with_zone_pages(&h.machine, cfg.arch, &zones).map_err(
                |e| {
                    vec![Diagnostic::error(
                        &s.file_name,
                        span_of("zones"),
                        format!("{e}"),
                    )]
                },
            )?
        };
        // `cpus:` sets the machine's CPU count (num_present_cpus() for SLUB's
        // calculate_order(), the per-cpu lists); without it the preset's count stays.
        let mut cfg = cfg;
        if h.entries.iter().any(|e| e.key == "cpus") {
            cfg.nr_cpus = h.cpus;
        }
        let machine = crate::mem::Machine::new(cfg).map_err(|e| {
            vec![Diagnostic::error(
                &s.file_name,
                span_of("machine"),
                format!("{e}"),
            )]
        })?;
        let kcfg = crate::alloc::KernelConfig {
            swap_pages: h.swap_bytes / 4096,
            ..crate::alloc::KernelConfig::default()
        };
        let mut kernel = Kernel::new(machine, kcfg);
        kernel.set_seed(seed);
        for l in &s.locks {
            if l.taken_by_fs_reclaim {
                kernel.declare_fs_reclaim_lock(&l.name.name);
            }
        }
        for d in &s.devices {
            kernel.add_device(crate::alloc::Device {
                name: d.name.name.clone(),
                suspended: d.runtime_suspended,
                backs_swap: d.backing_store,
                backs_fs: d.backing_store,
                memalloc_noio: d.memalloc_noio,
            });
        }
        let managed: u64 = kernel
            .machine()
            .populated_zones()
            .map(crate::mem::Zone::managed_pages)
            .sum();
        let pct = |a: Option<crate::scenario::header::Amount>| -> u32 {
            a.map_or(0, |a| {
                let pages = a.pages(managed);
                pages
                    .saturating_mul(100)
                    .checked_div(managed)
                    .map_or(0, |p| p.min(100) as u32)
            })
        };
        let p = &h.pressure;
        let page_cache_pct = pct(p.page_cache);
        // `dirty` is written as a share of memory; the kernel model wants the dirty
        // share *of the page cache*.
        let dirty_pct = (pct(p.dirty) * 100)
            .checked_div(page_cache_pct)
            .map_or(0, |d| d.min(100));
        let background = h
            .background
            .iter()
            .map(|b| crate::alloc::BackgroundSpec {
                kind: match b.kind {
                    crate::scenario::header::BackgroundKind::Reader
                    | crate::scenario::header::BackgroundKind::Dirtier => {
                        crate::alloc::BackgroundKind::PageCacheWriter
                    }
                    crate::scenario::header::BackgroundKind::AnonHog => {
                        crate::alloc::BackgroundKind::AnonHog
                    }
                    crate::scenario::header::BackgroundKind::SlabHog => {
                        crate::alloc::BackgroundKind::SlabHeavy
                    }
                },
                per_step: (b.bytes_per_step / 4096).max(1),
            })
            .collect::<Vec<_>>();
        let pressure = crate::alloc::PressureConfig {
            seed,
            page_cache_pct,
            dirty_pct,
            anon_pct: pct(p.anon),
            slab_reclaimable_pct: pct(p.slab_reclaimable),
            background,
            free: h.free,
        };
        let mut sink = Collect::default();
        kernel.apply_pressure(&pressure, &mut sink);
        let here = Here {
            task: "<boot>".into(),
            function: None,
            line: None,
        };
        for e in &sink.events {
            emit(out, &here, e.kind(), event_text(e), event_fields(e));
        }
        Ok(Sys {
            kernel,
            version: h.kernel,
        })
    }

    /// Slab caches as the UI lists them.
    #[must_use]
    pub fn slab_views(&self) -> Vec<crate::view::SlabCacheView> {
        self.kernel.machine().slab.views()
    }

    /// Time passes after every step: writeback completes, the flusher writes,
    /// and each background task does one step of work.
    pub fn tick(&mut self, out: &mut StepOut) {
        let mut sink = Collect::with_buddy();
        self.kernel.tick(&mut sink);
        for i in 0..self.kernel.background_tasks().len() {
            self.kernel.run_background(i, &mut sink);
        }
        let here = Here {
            task: "<background>".into(),
            function: None,
            line: None,
        };
        // Background tasks allocate every step: keep only what a reader of the
        // scenario's trace cares about (reclaim, OOM, failures, bugs), and keep
        // their decisions out of the step's decision panel.
        for e in &sink.events {
            let notable = match e {
                AllocEvent::KswapdWake { woken, .. } => *woken,
                AllocEvent::DirectReclaim { .. }
                | AllocEvent::ReclaimSkip { .. }
                | AllocEvent::ReclaimResult { .. }
                | AllocEvent::ShrinkSlab { .. }
                | AllocEvent::Compaction { .. }
                | AllocEvent::OomSkip { .. }
                | AllocEvent::OomKill { .. }
                | AllocEvent::Nopage { .. }
                | AllocEvent::AllocFail { .. }
                | AllocEvent::Warning { .. }
                | AllocEvent::Bug { .. }
                | AllocEvent::Hazard { .. }
                | AllocEvent::TaskStopped { .. }
                | AllocEvent::Throttle { .. }
                | AllocEvent::Kswapd { .. }
                | AllocEvent::SlubOom { .. } => true,
                _ => false,
            };
            if let AllocEvent::ReclaimResult { stats, .. } = e {
                out.reclaimed += stats.reclaimed;
                out.scanned += stats.scanned;
            }
            if notable {
                emit(out, &here, e.kind(), event_text(e), event_fields(e));
            }
        }
        sink.buddy_into(&here.task, out);
    }

    /// One `balance_pgdat()` round of kswapd on `node`. Returns whether kswapd
    /// went back to sleep.
    pub fn kswapd_step(&mut self, node: u16, here: &Here, out: &mut StepOut) -> bool {
        let mut sink = Collect::with_buddy();
        let r = self.kernel.run_kswapd(node, &mut sink);
        out.reclaimed += r.reclaimed;
        Self::absorb(&sink.events, here, out);
        sink.buddy_into(&here.task, out);
        r.sleeping
    }

    /// Turns allocator events into log entries, decisions and reclaim counters.
    fn absorb(events: &[AllocEvent], here: &Here, out: &mut StepOut) {
        for e in events {
            if let Some(d) = e.decision() {
                out.decisions.push(d);
                out.latency += 1;
            }
            if let AllocEvent::ReclaimResult { stats, .. } = e {
                out.reclaimed += stats.reclaimed;
                out.scanned += stats.scanned;
            }
            // Zonelist walks are decisions only; a background task's routine
            // progress line would repeat every step (its decisions still show).
            if matches!(
                e,
                AllocEvent::Freelist { .. } | AllocEvent::Background { .. }
            ) {
                continue;
            }
            emit(out, here, e.kind(), event_text(e), event_fields(e));
        }
    }

    /// Allocation and free builtins: call the kernel's entry point as task `t`.
    #[allow(clippy::too_many_arguments)]
    pub fn mm_builtin(
        &mut self,
        interp: &mut Interp,
        cx: &Cx<'_>,
        t: usize,
        b: Builtin,
        args: &[Value],
        _site: u32,
        out: &mut StepOut,
    ) -> Flow {
        let here: Here = interp.here(cx.prog, t);
        let trace = interp.call_trace(cx.prog, t);
        let int = |i: usize| args.get(i).and_then(|v| v.as_int()).unwrap_or(0);
        let gfp_at = |i: usize| args.get(i).and_then(|v| v.as_gfp()).unwrap_or_default();
        let addr_at = |i: usize| args.get(i).and_then(|v| v.as_int()).unwrap_or(0) as u64;
        let cache_at = |objects: &U64Map<Object>, i: usize| match args.get(i) {
            Some(Value::Ptr { addr }) => objects
                .get(addr)
                .filter(|o| o.api == "kmem_cache_create")
                .map(|o| o.kernel_ref as u32),
            _ => None,
        };
        let mut sink = Collect::with_buddy();
        // Frees and cache management do not need the calling task.
        let free_result = match b {
            Builtin::Kfree => Some(self.kernel.kfree(addr_at(0), &mut sink)),
            Builtin::Vfree => Some(self.kernel.vfree(addr_at(0), &mut sink)),
            Builtin::Kvfree => Some(self.kernel.kvfree(addr_at(0), &mut sink)),
            Builtin::KmemCacheFree => {
                let cache = cache_at(&interp.objects, 0).unwrap_or(u32::MAX);
                Some(self.kernel.kmem_cache_free(cache, addr_at(1), &mut sink))
            }
            Builtin::FreePagesStruct
            | Builtin::FreePageStruct
            | Builtin::FreePagesAddr
            | Builtin::FreePageAddr
            | Builtin::FolioPut => {
                let a = addr_at(0);
                if a == 0 {
                    Some(true)
                } else {
                    Some(self.kernel.free_pages(a, &mut sink))
                }
            }
            Builtin::KmemCacheDestroy => Some(true),
            _ => None,
        };
        if let Some(ok) = free_result {
            let freed = match b {
                Builtin::KmemCacheFree => addr_at(1),
                _ => addr_at(0),
            };
            if ok && b != Builtin::KmemCacheDestroy {
                interp.objects.remove(&freed);
            }
            Self::absorb(&sink.events, &here, out);
            sink.buddy_into(&here.task, out);
            return Flow::Done(Value::Void);
        }
        if b == Builtin::KmemCacheCreate {
            let name = match args.first() {
                Some(Value::Str(i)) => cx
                    .prog
                    .strings
                    .get(*i as usize)
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let size = int(1).clamp(0, i64::from(u32::MAX)) as u32;
            let flags = if args.len() >= 5 { int(3) } else { int(2) } as u32;
            // The kernel's own caches (dentry, inode_cache, ... created by the pressure
            // setup and owned by the filesystem shrinker) already exist: a scenario
            // that creates one by name gets that cache, the way SLUB's
            // __kmem_cache_alias() hands back a compatible existing cache.
            let existing = self
                .kernel
                .machine()
                .slab
                .cache_by_name(&name)
                .map(|c| (c.id(), c.object_size()));
            let created = match existing {
                Some((id, _)) => Ok(id),
                None => self.kernel.machine_mut().slab.kmem_cache_create(
                    &name,
                    size,
                    crate::mem::slab::SlabFlags(flags),
                ),
            };
            let verb = if existing.is_some() {
                "existing cache reused"
            } else {
                "cache created"
            };
            return match created {
                Ok(id) => {
                    let addr = 0xffff_8880_0100_0000 + u64::from(id) * 0x100;
                    interp.objects.insert(
                        addr,
                        Object {
                            api: "kmem_cache_create",
                            desc: format!("kmem_cache \"{name}\" ({size} bytes)"),
                            kernel_ref: u64::from(id),
                        },
                    );
                    let mut f = Fields::default();
                    f.insert("cache".into(), name.clone());
                    emit(
                        out,
                        &here,
                        "cache_create",
                        format!("kmem_cache_create(\"{name}\", {size}): {verb}"),
                        f,
                    );
                    Flow::Done(Value::Ptr { addr })
                }
                Err(e) => {
                    emit(
                        out,
                        &here,
                        "warning",
                        format!("kmem_cache_create(\"{name}\", {size}) failed: {e}"),
                        Fields::default(),
                    );
                    Flow::Done(Value::Null)
                }
            };
        }
        let cache = cache_at(&interp.objects, 0);
        let Some(ts) = interp.tasks.get_mut(t) else {
            return Flow::Stop;
        };
        let site = CallSite::new(
            here.function.clone().unwrap_or_default(),
            here.line.unwrap_or(0),
        );
        let requested_for_view;
        let (res, api): (AllocResult, &'static str) = {
            let mut cur = Current::new(&mut ts.task, &mut ts.ctx, site).with_frames(trace);
            let k = &mut self.kernel;
            match b {
                Builtin::Kmalloc => {
                    requested_for_view = gfp_at(1);
                    (
                        k.kmalloc(&mut cur, int(0) as u64, gfp_at(1), &mut sink),
                        "kmalloc",
                    )
                }
                Builtin::Kzalloc => {
                    requested_for_view = gfp_at(1);
                    (
                        k.kzalloc(&mut cur, int(0) as u64, gfp_at(1), &mut sink),
                        "kzalloc",
                    )
                }
                Builtin::Kcalloc => {
                    requested_for_view = gfp_at(2);
                    (
                        k.kcalloc(&mut cur, int(0) as u64, int(1) as u64, gfp_at(2), &mut sink),
                        "kcalloc",
                    )
                }
                Builtin::KmallocArray => {
                    requested_for_view = gfp_at(2);
                    match (int(0) as u64).checked_mul(int(1) as u64) {
                        Some(n) => (
                            k.kmalloc(&mut cur, n, gfp_at(2), &mut sink),
                            "kmalloc_array",
                        ),
                        None => (AllocResult::default(), "kmalloc_array"),
                    }
                }
                Builtin::KmemCacheAlloc | Builtin::KmemCacheZalloc => {
                    requested_for_view = gfp_at(1);
                    let c = cache.unwrap_or(u32::MAX);
                    if b == Builtin::KmemCacheAlloc {
                        (
                            k.kmem_cache_alloc(&mut cur, c, gfp_at(1), &mut sink),
                            "kmem_cache_alloc",
                        )
                    } else {
                        (
                            k.kmem_cache_zalloc(&mut cur, c, gfp_at(1), &mut sink),
                            "kmem_cache_zalloc",
                        )
                    }
                }
                Builtin::AllocPages => {
                    requested_for_view = gfp_at(0);
                    (
                        k.alloc_pages(&mut cur, gfp_at(0), int(1).clamp(0, 64) as u32, &mut sink),
                        "alloc_pages",
                    )
                }
                Builtin::AllocPage => {
                    requested_for_view = gfp_at(0);
                    (
                        k.alloc_pages(&mut cur, gfp_at(0), 0, &mut sink),
                        "alloc_page",
                    )
                }
                Builtin::FolioAlloc => {
                    requested_for_view = gfp_at(0) | Gfp::COMP;
                    (
                        k.alloc_pages(
                            &mut cur,
                            gfp_at(0) | Gfp::COMP,
                            int(1).clamp(0, 64) as u32,
                            &mut sink,
                        ),
                        "folio_alloc",
                    )
                }
                Builtin::GetFreePages => {
                    requested_for_view = gfp_at(0);
                    (
                        k.get_free_pages(
                            &mut cur,
                            gfp_at(0),
                            int(1).clamp(0, 64) as u32,
                            &mut sink,
                        ),
                        "__get_free_pages",
                    )
                }
                Builtin::GetFreePage => {
                    requested_for_view = gfp_at(0);
                    (
                        k.get_free_pages(&mut cur, gfp_at(0), 0, &mut sink),
                        "__get_free_page",
                    )
                }
                Builtin::GetZeroedPage => {
                    requested_for_view = gfp_at(0) | Gfp::ZERO;
                    (
                        k.get_free_pages(&mut cur, gfp_at(0) | Gfp::ZERO, 0, &mut sink),
                        "get_zeroed_page",
                    )
                }
                Builtin::Vmalloc => {
                    requested_for_view = Gfp::KERNEL;
                    (
                        k.vmalloc(&mut cur, int(0) as u64, Gfp::KERNEL, &mut sink),
                        "vmalloc",
                    )
                }
                Builtin::Vzalloc => {
                    requested_for_view = Gfp::KERNEL | Gfp::ZERO;
                    (
                        k.vmalloc(&mut cur, int(0) as u64, Gfp::KERNEL | Gfp::ZERO, &mut sink),
                        "vzalloc",
                    )
                }
                Builtin::VmallocGfp => {
                    requested_for_view = gfp_at(1);
                    (
                        k.vmalloc(&mut cur, int(0) as u64, gfp_at(1), &mut sink),
                        "__vmalloc",
                    )
                }
                Builtin::Kvmalloc => {
                    requested_for_view = gfp_at(1);
                    (
                        k.kvmalloc(&mut cur, int(0) as u64, gfp_at(1), &mut sink),
                        "kvmalloc",
                    )
                }
                Builtin::Kvzalloc => {
                    requested_for_view = gfp_at(1) | Gfp::ZERO;
                    (
                        k.kvmalloc(&mut cur, int(0) as u64, gfp_at(1) | Gfp::ZERO, &mut sink),
                        "kvzalloc",
                    )
                }
                Builtin::Kvcalloc => {
                    requested_for_view = gfp_at(2) | Gfp::ZERO;
                    match (int(0) as u64).checked_mul(int(1) as u64) {
                        Some(n) => (
                            k.kvmalloc(&mut cur, n, gfp_at(2) | Gfp::ZERO, &mut sink),
                            "kvcalloc",
                        ),
                        None => (AllocResult::default(), "kvcalloc"),
                    }
                }
                _ => {
                    requested_for_view = Gfp::default();
                    (AllocResult::default(), "unknown")
                }
            }
        };
        Self::absorb(&sink.events, &here, out);
        sink.buddy_into(&here.task, out);
        out.alloc = Some(self.alloc_view(
            interp,
            t,
            &here,
            api,
            requested_for_view,
            &res,
            &sink.events,
        ));
        // OOM victims among the scenario's tasks die.
        for pid in &res.killed {
            for i in 0..interp.tasks.len() {
                if interp.tasks.get(i).is_some_and(|x| {
                    x.task.pid == *pid
                        && !x.is_interrupt()
                        && !matches!(x.state, RunState::Finished | RunState::Stopped)
                }) {
                    stop_task(interp, cx, i, "killed by the OOM killer (SIGKILL)", out);
                }
            }
        }
        if let Some(verdict) = res.stopped {
            stop_task(interp, cx, t, &verdict, out);
            return Flow::Stop;
        }
        if interp
            .tasks
            .get(t)
            .is_some_and(|x| x.state == RunState::Stopped)
        {
            return Flow::Stop;
        }
        match res.addr {
            Some(addr) => {
                let desc = describe_alloc(api, &sink.events, addr, &here);
                interp.objects.insert(
                    addr,
                    Object {
                        api,
                        desc,
                        kernel_ref: 0,
                    },
                );
                Flow::Done(Value::Ptr { addr })
            }
            None => Flow::Done(
                if matches!(
                    b,
                    Builtin::GetFreePages | Builtin::GetFreePage | Builtin::GetZeroedPage
                ) {
                    Value::Int(0)
                } else {
                    Value::Null
                },
            ),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn alloc_view(
        &self,
        interp: &Interp,
        t: usize,
        here: &Here,
        api: &str,
        requested: Gfp,
        res: &AllocResult,
        events: &[AllocEvent],
    ) -> crate::view::AllocView {
        let (size, order) = events
            .iter()
            .find_map(|e| match e {
                AllocEvent::Alloc { size, order, .. } => Some((*size, *order)),
                _ => None,
            })
            .unwrap_or((None, 0));
        let requested = if res.requested_gfp == Gfp::default() {
            requested
        } else {
            res.requested_gfp
        };
        let ctx = interp
            .tasks
            .get(t)
            .map(|x| x.task.current_gfp_context(requested));
        let effective = ctx.as_ref().map_or(res.effective_gfp, |c| c.effective);
        let removed = ctx
            .as_ref()
            .map(crate::gfp::view::removed_bits)
            .unwrap_or_default();
        let ok = events.iter().rev().find_map(|e| match e {
            AllocEvent::AllocOk { pfn, zone, .. } => Some(format!("ok: pfn {pfn:#x} ({zone})")),
            _ => None,
        });
        crate::view::AllocView {
            api: api.to_string(),
            line: here.line.unwrap_or(0),
            function: here.function.clone().unwrap_or_default(),
            size,
            order,
            requested: crate::gfp::view::gfp_view(requested, self.version),
            effective: crate::gfp::view::gfp_view(effective, self.version),
            removed,
            result: match res.addr {
                Some(a) => ok.unwrap_or_else(|| format!("ok: {a:#x}")),
                None => "NULL".to_string(),
            },
            succeeded: res.addr.is_some(),
        }
    }
}

/// "kmalloc-64 object (xfs_create:12)", "order-9 pages at pfn 0x1200 (...)".
fn describe_alloc(api: &str, events: &[AllocEvent], addr: u64, here: &Here) -> String {
    let at = format!(
        "{}:{}",
        here.function.clone().unwrap_or_default(),
        here.line.unwrap_or(0)
    );
    let cache = events.iter().find_map(|e| match e {
        AllocEvent::Alloc { cache: Some(c), .. } => Some(c.clone()),
        _ => None,
    });
    if let Some(c) = cache {
        return format!("{c} object from {api}() at {at}");
    }
    if addr >= crate::alloc::VMALLOC_START {
        return format!("vmalloc area from {api}() at {at}");
    }
    let page = events.iter().rev().find_map(|e| match e {
        AllocEvent::AllocOk { order, pfn, .. } => Some((*order, *pfn)),
        _ => None,
    });
    match page {
        Some((order, pfn)) => format!("order-{order} block at pfn {pfn:#x} from {api}() at {at}"),
        None => format!("{api}() at {at}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc::event::CompactPriority;

    #[test]
    fn compaction_result_field_is_the_lower_case_variant_name() {
        for result in [
            CompactResult::NotSuitableZone,
            CompactResult::Skipped,
            CompactResult::Deferred,
            CompactResult::Complete,
            CompactResult::Success,
        ] {
            let e = AllocEvent::Compaction {
                function: "__alloc_pages_direct_compact",
                order: 3,
                priority: CompactPriority::SyncFull,
                result,
                zone: None,
                migrated: 0,
                why: String::new(),
            };
            let f = event_fields(&e);
            assert_eq!(
                f.get("result"),
                Some(&format!("{result:?}").to_lowercase()),
                "{result:?}"
            );
        }
    }
}
