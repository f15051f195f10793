//! Slab entry points: `kmem_cache_alloc` / `kmem_cache_zalloc`, `kmalloc` / `kzalloc` /
//! `kcalloc`, `kvmalloc`, and `kfree` / `kmem_cache_free` / `kvfree` (mm/slub.c,
//! mm/slab_common.c, mm/util.c; Linux 6.12; §8). The SLUB model (caches, slabs, the gfp
//! `allocate_slab` uses) is `crate::mem::slab`; this file drives its two-phase growth
//! through the page allocator's slow path.

use crate::event::EventSink;
use crate::gfp::Gfp;
use crate::mem::slab::KmallocTarget;
use crate::mem::{PAGE_SIZE, Pfn};
use crate::task::current_gfp_context;

use super::entry::{AllocResult, Current};
use super::event::AllocEvent;
use super::kernel::{Allocation, Kernel, Shrinker, ZERO_SIZE_PTR, emit};
use super::rules;

impl Kernel {
    fn page_addr(&self, pfn: u64) -> u64 {
        crate::mem::slab::page_offset(self.mem.arch()) + pfn * PAGE_SIZE
    }

    /// `slab_alloc_node()`: the per-cpu/partial fast path, else `new_slab()` →
    /// `allocate_slab()`: the preferred order with `__GFP_NOWARN | __GFP_NORETRY` (and
    /// no reclaim when a smaller order exists), then the minimum order with the
    /// caller's flags (§8.6). Returns the object address.
    fn slab_alloc(
        &mut self,
        cur: &mut Current<'_>,
        api: &'static str,
        cache: u32,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> Option<u64> {
        let eff = current_gfp_context(gfp, cur.task.flags).effective;
        // slab_pre_alloc_hook(): might_alloc() on every slab allocation, hit or miss.
        cur.kstack.push("slab_pre_alloc_hook");
        self.might_alloc(cur, eff, sink);
        cur.kstack.retain(|f| *f != "slab_pre_alloc_hook");
        let obj = match self.mem.slab.try_alloc_object(cache) {
            Ok(Some(o)) => Some(o),
            Ok(None) => self.grow_slab(cur, cache, gfp, sink),
            Err(_) => None,
        };
        let obj = obj?;
        let addr = self.mem.slab.obj_addr(obj).unwrap_or(0);
        emit(
            sink,
            AllocEvent::AllocOk {
                api,
                order: 0,
                zone: self
                    .zone_id_of(obj.slab_pfn)
                    .map_or("?", |z| z.zone.kernel_name()),
                pfn: obj.slab_pfn,
                addr,
                pfmemalloc: false,
            },
        );
        self.allocations.insert(
            addr,
            Allocation::Object {
                cache,
                slab_pfn: obj.slab_pfn,
                index: obj.index,
            },
        );
        Some(addr)
    }

    /// `___slab_alloc` → `new_slab` → `allocate_slab` with the two attempts.
    fn grow_slab(
        &mut self,
        cur: &mut Current<'_>,
        cache: u32,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> Option<crate::mem::slab::ObjRef> {
        let plan = self.mem.slab.allocate_slab_plan(cache, gfp).ok()?;
        if let Some((bad, fixed)) = plan.fixed_flags {
            kmalloc_fix_flags_warning(bad, fixed, sink);
        }
        cur.kstack
            .extend(["___slab_alloc", "new_slab", "allocate_slab"]);
        let mut attempts = vec![(
            plan.first,
            if plan.first.gfp.contains(Gfp::DIRECT_RECLAIM) {
                "preferred order with __GFP_NOWARN|__GFP_NORETRY, no __GFP_NOFAIL (reclaim kept: no smaller order)"
            } else {
                "preferred order with __GFP_NOWARN|__GFP_NORETRY|__GFP_NOMEMALLOC, no reclaim, no __GFP_NOFAIL"
            },
        )];
        if plan.fallback.order != plan.first.order || plan.fallback.gfp != plan.first.gfp {
            attempts.push((
                plan.fallback,
                "minimum order with the caller's flags (ORDER_FALLBACK)",
            ));
        }
        let mut got = None;
        for (att, why) in attempts {
            emit(
                sink,
                AllocEvent::GfpAdjust {
                    function: "allocate_slab",
                    from: gfp,
                    to: att.gfp,
                    why: format!("order {} for {} objects: {why}", att.order, att.objects),
                },
            );
            let eff = current_gfp_context(att.gfp, cur.task.flags).effective;
            if let Some((pfn, _)) = self.pages_for(cur, "allocate_slab", eff, att.order, sink) {
                got = Some((pfn, att.order));
                break;
            }
            if cur.stopped.is_some() {
                break;
            }
        }
        cur.kstack
            .retain(|f| !matches!(*f, "___slab_alloc" | "new_slab" | "allocate_slab"));
        let Some((pfn, order)) = got else {
            if cur.stopped.is_none() && !gfp.contains(Gfp::NOWARN) {
                let text = super::gfp_names(gfp);
                if let Ok(report) = self
                    .mem
                    .slab
                    .slab_out_of_memory_lines(cache, gfp, &text, 0, -1)
                {
                    emit(sink, AllocEvent::SlubOom { report });
                }
            }
            return None;
        };
        self.mem.slab_add_slab(cache, Pfn(pfn), order, sink).ok()?;
        self.mem.slab.try_alloc_object(cache).ok().flatten()
    }

    fn cache_name(&self, cache: u32) -> Option<String> {
        self.mem.slab.cache(cache).map(|c| c.name().to_string())
    }

    /// `kmem_cache_alloc(cache, gfp)`.
    pub fn kmem_cache_alloc(
        &mut self,
        cur: &mut Current<'_>,
        cache: u32,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        self.slab_entry(cur, "kmem_cache_alloc", cache, gfp, sink)
    }

    /// `kmem_cache_zalloc(cache, gfp)` = `kmem_cache_alloc(cache, gfp | __GFP_ZERO)`.
    pub fn kmem_cache_zalloc(
        &mut self,
        cur: &mut Current<'_>,
        cache: u32,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        self.slab_entry(cur, "kmem_cache_zalloc", cache, gfp | Gfp::ZERO, sink)
    }

    fn slab_entry(
        &mut self,
        cur: &mut Current<'_>,
        api: &'static str,
        cache: u32,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        self.begin_call();
        let size = self
            .mem
            .slab
            .cache(cache)
            .map(|c| u64::from(c.object_size()));
        let eff = self.enter(cur, api, gfp, size, 0, self.cache_name(cache), sink);
        cur.kstack.clear();
        cur.kstack.push(match api {
            "kmem_cache_zalloc" | "kmem_cache_alloc" => "kmem_cache_alloc_noprof",
            _ => "__kmalloc_noprof",
        });
        let addr = if self.mem.slab.cache(cache).is_some() {
            self.slab_alloc(cur, api, cache, gfp, sink)
        } else {
            None
        };
        if addr.is_none() && cur.stopped.is_none() {
            emit(
                sink,
                AllocEvent::AllocFail {
                    api,
                    order: 0,
                    gfp: eff,
                    suppressed: Some("slab allocation failed (reported by SLUB/warn_alloc above)"),
                    report: Vec::new(),
                },
            );
        }
        cur.kstack.clear();
        self.finish(cur, gfp, eff, addr)
    }

    /// `kmalloc(size, gfp)`: a kmalloc cache by size and type, or `__kmalloc_large_node`
    /// (order `get_order(size)` with `__GFP_COMP`) above KMALLOC_MAX_CACHE_SIZE.
    pub fn kmalloc(
        &mut self,
        cur: &mut Current<'_>,
        size: u64,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        self.kmalloc_api(cur, "kmalloc", size, gfp, sink)
    }

    /// `kzalloc(size, gfp)` = `kmalloc(size, gfp | __GFP_ZERO)`.
    pub fn kzalloc(
        &mut self,
        cur: &mut Current<'_>,
        size: u64,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        self.kmalloc_api(cur, "kzalloc", size, gfp | Gfp::ZERO, sink)
    }

    /// `kcalloc(n, size, gfp)`: `kmalloc_array(n, size, gfp | __GFP_ZERO)`, NULL on
    /// multiplication overflow.
    pub fn kcalloc(
        &mut self,
        cur: &mut Current<'_>,
        n: u64,
        size: u64,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        if let Some(bytes) = n.checked_mul(size) {
            self.kmalloc_api(cur, "kcalloc", bytes, gfp | Gfp::ZERO, sink)
        } else {
            let eff = current_gfp_context(gfp, cur.task.flags).effective;
            emit(
                sink,
                AllocEvent::AllocFail {
                    api: "kcalloc",
                    order: 0,
                    gfp: eff,
                    suppressed: Some(
                        "n * size overflows (check_mul_overflow): NULL without allocating",
                    ),
                    report: Vec::new(),
                },
            );
            AllocResult {
                addr: None,
                requested_gfp: gfp,
                effective_gfp: eff,
                ..AllocResult::default()
            }
        }
    }

    fn kmalloc_api(
        &mut self,
        cur: &mut Current<'_>,
        api: &'static str,
        size: u64,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        match self.mem.slab.kmalloc_target(size, gfp) {
            KmallocTarget::ZeroSizePtr => {
                self.begin_call();
                let eff = self.enter(cur, api, gfp, Some(size), 0, None, sink);
                emit(
                    sink,
                    AllocEvent::AllocOk {
                        api,
                        order: 0,
                        zone: "none",
                        pfn: 0,
                        addr: ZERO_SIZE_PTR,
                        pfmemalloc: false,
                    },
                );
                self.finish(cur, gfp, eff, Some(ZERO_SIZE_PTR))
            }
            KmallocTarget::Cache { cache } => {
                self.begin_call();
                let eff = self.enter(cur, api, gfp, Some(size), 0, self.cache_name(cache), sink);
                cur.kstack.clear();
                cur.kstack.push("__kmalloc_noprof");
                let addr = self.slab_alloc(cur, api, cache, gfp, sink);
                if addr.is_none() && cur.stopped.is_none() {
                    emit(
                        sink,
                        AllocEvent::AllocFail {
                            api,
                            order: 0,
                            gfp: eff,
                            suppressed: Some(
                                "slab allocation failed (reported by SLUB/warn_alloc above)",
                            ),
                            report: Vec::new(),
                        },
                    );
                }
                cur.kstack.clear();
                self.finish(cur, gfp, eff, addr)
            }
            KmallocTarget::Large { order, gfp: large } => {
                self.begin_call();
                let eff = self.enter(cur, api, gfp, Some(size), order, None, sink);
                // ___kmalloc_large_node() (mm/slub.c:4302-4303, 6.12) fixes the flags
                // before alloc_pages(), printing as new_slab() does.
                if let Some((bad, fixed)) = crate::mem::slab::kmalloc_fix_flags(gfp) {
                    kmalloc_fix_flags_warning(bad, fixed, sink);
                }
                cur.kstack.clear();
                cur.kstack
                    .extend(["__kmalloc_noprof", "__kmalloc_large_node_noprof"]);
                emit(
                    sink,
                    AllocEvent::GfpAdjust {
                        function: "__kmalloc_large_node",
                        from: gfp,
                        to: large,
                        why: format!(
                            "{size} bytes > KMALLOC_MAX_CACHE_SIZE: order-{order} pages with __GFP_COMP from the page allocator"
                        ),
                    },
                );
                let large_eff = current_gfp_context(large, cur.task.flags).effective;
                self.might_alloc(cur, large_eff, sink);
                let got = self.pages_for(cur, api, large_eff, order, sink);
                cur.kstack.clear();
                let addr = got.map(|(pfn, _)| {
                    let site = self.site_id(&cur.site.function, cur.site.line);
                    self.set_kernel_page(pfn, order, site);
                    let addr = self.page_addr(pfn);
                    self.allocations.insert(
                        addr,
                        Allocation::Pages {
                            pfn,
                            order,
                            kmalloc: true,
                        },
                    );
                    addr
                });
                self.finish(cur, gfp, eff, addr)
            }
        }
    }

    /// `kvmalloc(size, gfp)` (mm/util.c, 6.12): `kmalloc` with `kmalloc_gfp_adjust()`
    /// (`__GFP_NORETRY|__GFP_NOWARN`, no `__GFP_NOFAIL` above a page), then — for
    /// blocking masks above a page — `__vmalloc_node_range` with the caller's mask.
    pub fn kvmalloc(
        &mut self,
        cur: &mut Current<'_>,
        size: u64,
        gfp: Gfp,
        sink: &mut dyn EventSink,
    ) -> AllocResult {
        let adjusted = rules::kmalloc_gfp_adjust(gfp, size);
        if adjusted != gfp {
            emit(
                sink,
                AllocEvent::GfpAdjust {
                    function: "kmalloc_gfp_adjust",
                    from: gfp,
                    to: adjusted,
                    why: "kvmalloc's contiguous attempt must not be disruptive: no OOM killer, no warning; nofail is the vmalloc fallback's job".to_string(),
                },
            );
        }
        let first = self.kmalloc_api(cur, "kvmalloc", size, adjusted, sink);
        if first.addr.is_some() || first.stopped.is_some() || size <= PAGE_SIZE {
            return AllocResult {
                requested_gfp: gfp,
                ..first
            };
        }
        let mut killed = first.killed;
        if !gfp.contains(Gfp::DIRECT_RECLAIM) {
            emit(
                sink,
                AllocEvent::ReclaimSkip {
                    function: "__kvmalloc_node_noprof",
                    what: "vmalloc fallback",
                    missing_flag: "__GFP_DIRECT_RECLAIM (non-sleeping allocations are not supported by vmalloc)",
                    count: 0,
                },
            );
            return AllocResult {
                addr: None,
                requested_gfp: gfp,
                effective_gfp: first.effective_gfp,
                stopped: None,
                killed,
            };
        }
        let mut r = self.vmalloc(cur, size, gfp, sink);
        killed.append(&mut r.killed);
        r.killed = killed;
        r
    }

    /// `kfree(addr)`: slab objects and large kmalloc pages; NULL and ZERO_SIZE_PTR are
    /// no-ops. Returns false for an address that is not live (a `warning` event).
    pub fn kfree(&mut self, addr: u64, sink: &mut dyn EventSink) -> bool {
        if addr == 0 || addr == ZERO_SIZE_PTR {
            return true;
        }
        match self.allocations.get(&addr).cloned() {
            Some(Allocation::Object {
                cache,
                slab_pfn,
                index,
            }) => {
                self.allocations.remove(&addr);
                let obj = crate::mem::slab::ObjRef {
                    cache,
                    slab_pfn,
                    index,
                };
                let pages = self.mem.slab_free_object(obj, sink).unwrap_or(0);
                emit(
                    sink,
                    AllocEvent::Free {
                        api: "kfree",
                        addr,
                        order: 0,
                        pages,
                    },
                );
                true
            }
            Some(Allocation::Pages {
                pfn,
                order,
                kmalloc: true,
            }) => {
                self.allocations.remove(&addr);
                let _ = self.mem.free_pages(Pfn(pfn), order, sink);
                emit(
                    sink,
                    AllocEvent::Free {
                        api: "kfree",
                        addr,
                        order,
                        pages: 1 << order,
                    },
                );
                true
            }
            _ => {
                self.bad_free("kfree", addr, sink);
                false
            }
        }
    }

    /// `kmem_cache_free(cache, addr)`.
    pub fn kmem_cache_free(&mut self, cache: u32, addr: u64, sink: &mut dyn EventSink) -> bool {
        match self.allocations.get(&addr) {
            Some(Allocation::Object { cache: c, .. }) if *c == cache => self.kfree(addr, sink),
            _ => {
                self.bad_free("kmem_cache_free", addr, sink);
                false
            }
        }
    }

    /// `kvfree(addr)`: `vfree` for vmalloc addresses, else `kfree`.
    pub fn kvfree(&mut self, addr: u64, sink: &mut dyn EventSink) -> bool {
        if matches!(
            self.allocations.get(&addr),
            Some(Allocation::Vmalloc { .. })
        ) {
            self.vfree(addr, sink)
        } else {
            self.kfree(addr, sink)
        }
    }

    /// Registers a filesystem superblock shrinker (`super_cache_scan`) owning the
    /// reclaimable caches `caches` (e.g. dentry, inode).
    pub fn register_fs_shrinker(&mut self, fs: &str, caches: &[u32]) {
        for &c in caches {
            let _ = self
                .mem
                .slab
                .set_shrinker_owner(c, &format!("{fs} superblock"));
        }
        self.shrinkers.push(Shrinker {
            name: format!("super_cache_scan ({fs})"),
            superblock: true,
            caches: caches.to_vec(),
            nr_deferred: 0,
            seeks: rules::DEFAULT_SEEKS,
        });
    }

    /// `scan_objects` of shrinker `i` for `nr` objects, split over its caches in
    /// proportion to their reclaimable objects (as `super_cache_scan` splits between the
    /// dentry and inode LRUs). Returns (objects, pages) freed.
    pub(crate) fn shrinker_free(
        &mut self,
        i: usize,
        nr: u64,
        sink: &mut dyn EventSink,
    ) -> (u64, u64) {
        let Some(sh) = self.shrinkers.get(i) else {
            return (0, 0);
        };
        let caches = sh.caches.clone();
        let counts: Vec<u64> = caches
            .iter()
            .map(|&c| {
                self.mem
                    .slab
                    .cache(c)
                    .map_or(0, crate::mem::slab::KmemCache::nr_reclaimable_objects)
            })
            .collect();
        let total: u64 = counts.iter().sum::<u64>() + 1;
        let (mut objs, mut pages) = (0, 0);
        for (&c, &n) in caches.iter().zip(&counts) {
            let share = nr * n / total + 1;
            if let Ok(r) = self.mem.slab_reclaim_objects(c, share.min(n), sink) {
                objs += r.freed_objects;
                pages += r.freed_pages;
            }
        }
        (objs, pages)
    }
}

/// `kmalloc_fix_flags()` (mm/slab_common.c:1060-1070, 6.12): `pr_warn("Unexpected gfp: %#x
/// (%pGg). Fixing up to gfp: %#x (%pGg). Fix your code!\n", invalid_mask, &invalid_mask,
/// flags, &flags)`, then `dump_stack()` (the stack is not printed here: the event log and
/// call stack show the caller).
fn kmalloc_fix_flags_warning(bad: Gfp, fixed: Gfp, sink: &mut dyn EventSink) {
    let names = |g: Gfp| crate::gfp::format::flag_names(g.0, super::layout());
    emit(
        sink,
        AllocEvent::Warning {
            function: "kmalloc_fix_flags",
            condition: "flags & GFP_SLAB_BUG_MASK",
            text: format!(
                "Unexpected gfp: {:#x} ({}). Fixing up to gfp: {:#x} ({}). Fix your code!",
                bad.0,
                names(bad),
                fixed.0,
                names(fixed)
            ),
        },
    );
}
