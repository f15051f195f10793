//! Background pressure: the initial page cache (clean and dirty), anonymous memory and
//! reclaimable slab a machine starts with, and background tasks (a page-cache writer, an
//! anonymous-memory hog, a slab-heavy task) that keep allocating — all reproducible from
//! a seed.

use serde::{Deserialize, Serialize};

use crate::context::{ContextKind, ExecContext};
use crate::event::{Event, EventSink};
use crate::gfp::{AllocFlags, Gfp, MigrateType, ZoneType};
use crate::mem::slab::SlabFlags;
use crate::mem::{PageState, Pfn, Wmark, ZoneId};
use crate::task::{CallSite, Task};

use super::entry::Current;
use super::event::{AllocEvent, Attempt};
use super::glue;
use super::kernel::{Kernel, LruList, PG_REFERENCED, emit};
use super::slowpath::PageOutcome;

/// What a background task does each step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackgroundKind {
    /// Writes files: allocates page-cache pages (`GFP_HIGHUSER_MOVABLE`) and dirties them.
    PageCacheWriter,
    /// Faults in anonymous memory (`GFP_HIGHUSER_MOVABLE`) and touches some of it.
    AnonHog,
    /// Creates dentries (`kmem_cache_alloc(dentry_cache, GFP_KERNEL)`), left unused on the LRU.
    SlabHeavy,
}

impl BackgroundKind {
    const fn comm(self) -> &'static str {
        match self {
            BackgroundKind::PageCacheWriter => "dd",
            BackgroundKind::AnonHog => "anon-hog",
            BackgroundKind::SlabHeavy => "find",
        }
    }
}

/// One background task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackgroundSpec {
    pub kind: BackgroundKind,
    /// Pages (or objects for SlabHeavy) per step.
    pub per_step: u64,
}

/// Where each zone's free memory stands once the initial pressure is set up: the setup
/// allocations stop taking pages from a zone when its free pages reach this target (plus
/// the zone's `lowmem_reserve` for the setup allocation's highest zone, which those
/// allocations cannot dip into either — `__zone_watermark_ok()`, Linux 6.12).
///
/// The fill only reaches the target when the pressure amounts add up to enough memory.
/// Consequences in `__alloc_pages_slowpath()` (6.12, kernel-mm.md §5) for an order-0
/// `GFP_KERNEL` allocation:
/// - `High` (default): free is just above high (boost included): the fast path succeeds.
/// - `Low`: free == low: the fast path (`ALLOC_WMARK_LOW`) fails, kswapd is woken, the
///   `ALLOC_WMARK_MIN` retry succeeds.
/// - `Min`: free == min: the min retry fails too (`free <= min` fails the check), so the
///   caller enters direct reclaim itself.
/// - `BelowMin`: free == min/2: only reserve users (`GFP_ATOMIC`: `ALLOC_MIN_RESERVE |
///   ALLOC_NON_BLOCK` go down to 3/8 of min, `ALLOC_NO_WATERMARKS`) still succeed.
/// - `Pages(n)` / `Percent(p)`: each zone keeps `n` pages / `p`% of its managed pages.
///
/// `Low`, `Min` and `BelowMin` use the zone's `_watermark[]` without `watermark_boost`
/// (a boost raised by the setup's own fallback steals only makes the checks stricter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "at", content = "value", rename_all = "snake_case")]
pub enum FreeTarget {
    #[default]
    High,
    Low,
    Min,
    BelowMin,
    Pages(u64),
    Percent(u32),
}

impl FreeTarget {
    /// Free pages a zone keeps after setup, before its `lowmem_reserve` is added: the
    /// setup takes a page only while `free - (1 << order) >= floor`.
    fn floor(self, z: &crate::mem::Zone) -> u64 {
        match self {
            // One above high: the historical setup (fast path at low always succeeds).
            FreeTarget::High => z.high_wmark_pages() + 1,
            // The zone's own watermarks, without the `watermark_boost` the setup's
            // fallback steals may add on the way (the boost is transient).
            FreeTarget::Low => z.watermark_raw(Wmark::Low),
            FreeTarget::Min => z.watermark_raw(Wmark::Min),
            FreeTarget::BelowMin => z.watermark_raw(Wmark::Min) / 2,
            FreeTarget::Pages(n) => n,
            FreeTarget::Percent(p) => z.managed_pages() * u64::from(p.min(100)) / 100,
        }
    }
}

/// Initial memory use and background load, as percentages of managed memory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PressureConfig {
    pub seed: u64,
    /// Page cache, % of managed pages.
    pub page_cache_pct: u32,
    /// Dirty share of the page cache, %.
    pub dirty_pct: u32,
    /// Anonymous memory, % of managed pages (spread over a few processes).
    pub anon_pct: u32,
    /// Reclaimable slab (dentries and inodes owned by the filesystem shrinker), %.
    pub slab_reclaimable_pct: u32,
    pub background: Vec<BackgroundSpec>,
    /// Where free memory stands after the initial fill (default: just above high).
    #[serde(default)]
    pub free: FreeTarget,
}

/// A running background task.
#[derive(Clone, Debug)]
pub(crate) struct BackgroundTask {
    pub(crate) spec: BackgroundSpec,
    pub(crate) task: Task,
    pub(crate) ctx: ExecContext,
    pub(crate) proc_idx: usize,
}

/// Drops the per-page noise of background allocations (successful fast-path walks and,
/// unless `mem` is set, buddy events) while passing every decision through.
struct Quiet<'a> {
    inner: &'a mut dyn EventSink,
    /// Pass `MemEvent`s through (a step's background work; not the initial fill).
    mem: bool,
}

impl EventSink for Quiet<'_> {
    fn enabled(&self) -> bool {
        self.inner.enabled()
    }
    fn emit(&mut self, event: Event) {
        match &event {
            Event::Mem(_) if self.mem => self.inner.emit(event),
            Event::Mem(_)
            | Event::Alloc(AllocEvent::Freelist {
                attempt: Attempt::Fast,
                ..
            }) => {}
            _ => self.inner.emit(event),
        }
    }
}

impl Kernel {
    /// Takes one order-0 page for setup without reclaim: from the highest eligible zone
    /// that stays at or above its setup floor ([`FreeTarget`]).
    fn setup_page(
        &mut self,
        state: PageState,
        mt: MigrateType,
        sink: &mut dyn EventSink,
    ) -> Option<u64> {
        let highest = glue::gfp_zone(Gfp::HIGHUSER_MOVABLE, &self.mem);
        for zid in glue::zonelist(&self.mem, 0, highest) {
            let Some(z) = self.mem.zone(zid) else {
                continue;
            };
            if z.nr_free_pages() <= self.setup_free.floor(z) + z.lowmem_reserve_for(highest) {
                continue;
            }
            if let Some(pfn) = self.mem.rmqueue(zid, 0, mt, AllocFlags::WMARK_LOW, sink) {
                let _ = self.mem.set_block_state(pfn, 0, state);
                return Some(pfn.0);
            }
        }
        None
    }

    /// Sets up the initial pressure and the background tasks. Deterministic for a seed.
    pub fn apply_pressure(&mut self, cfg: &PressureConfig, sink: &mut dyn EventSink) {
        self.set_seed(cfg.seed);
        self.setup_free = cfg.free;
        let mut quiet = Quiet {
            inner: sink,
            mem: false,
        };
        let sink: &mut dyn EventSink = &mut quiet;
        let managed = self.mem.totalram_pages();
        let pct = |p: u32| managed * u64::from(p.min(100)) / 100;
        // Slab first: dentries and inodes, owned by the filesystem's superblock shrinker.
        let slab_pages = pct(cfg.slab_reclaimable_pct);
        if slab_pages > 0 {
            self.setup_fs_slab(slab_pages, sink);
        }
        // Anonymous memory of a few long-running processes.
        let anon = pct(cfg.anon_pct);
        if anon > 0 {
            let shares = [60u64, 30, 10];
            let names = ["java", "postgres", "sshd"];
            for (k, (share, name)) in shares.iter().zip(names).enumerate() {
                let idx = self.add_process(1000 + k as u32, name, 0, false);
                let n = anon * share / 100;
                let mut got = 0;
                for _ in 0..n {
                    let Some(pfn) = self.setup_page(PageState::Anon, MigrateType::Movable, sink)
                    else {
                        break;
                    };
                    let active = self.rng.below(4) == 0;
                    self.lru_add(
                        pfn,
                        if active {
                            LruList::ActiveAnon
                        } else {
                            LruList::InactiveAnon
                        },
                    );
                    let referenced = self.rng.below(5) == 0;
                    if let Some(m) = self.meta_mut(pfn) {
                        m.owner = (idx + 1) as u16;
                        if referenced {
                            m.flags |= PG_REFERENCED;
                        }
                    }
                    got += 1;
                }
                if let Some(p) = self.procs.get_mut(idx) {
                    p.rss_anon += got;
                    p.total_vm += got + got / 4;
                }
            }
        }
        // Page cache, part of it dirty.
        let cache = pct(cfg.page_cache_pct);
        let dirty = cache * u64::from(cfg.dirty_pct.min(100)) / 100;
        for i in 0..cache {
            let state = if i < dirty {
                PageState::PageCacheDirty
            } else {
                PageState::PageCacheClean
            };
            let Some(pfn) = self.setup_page(state, MigrateType::Movable, sink) else {
                break;
            };
            let active = self.rng.below(3) == 0;
            self.lru_add(
                pfn,
                if active {
                    LruList::ActiveFile
                } else {
                    LruList::InactiveFile
                },
            );
            let referenced = self.rng.below(5) == 0;
            if referenced && let Some(m) = self.meta_mut(pfn) {
                m.flags |= PG_REFERENCED;
            }
        }
        for spec in &cfg.background {
            let pid = 2000 + self.background.len() as u32;
            let comm = spec.kind.comm();
            let proc_idx = self.add_process(pid, comm, 0, false);
            self.background.push(BackgroundTask {
                spec: *spec,
                task: Task::new(pid, comm),
                ctx: ExecContext::new(ContextKind::Process),
                proc_idx,
            });
        }
    }

    /// The dentry and inode caches (created if missing), filled to about `pages` pages of
    /// unused, reclaimable objects, and the filesystem shrinker that owns them.
    fn setup_fs_slab(&mut self, pages: u64, sink: &mut dyn EventSink) {
        let dentry = self.fs_cache("dentry", 192);
        let inode = self.fs_cache("inode_cache", 608);
        let (Some(dentry), Some(inode)) = (dentry, inode) else {
            return;
        };
        self.dentry_cache = Some(dentry);
        self.inode_cache = Some(inode);
        let mut used = 0u64;
        let mut turn = 0u32;
        while used < pages {
            let cache = if turn.is_multiple_of(2) {
                dentry
            } else {
                inode
            };
            turn += 1;
            let Ok(plan) = self.mem.slab.allocate_slab_plan(cache, Gfp::KERNEL) else {
                break;
            };
            let order = plan.fallback.order;
            let mut got = None;
            let highest = glue::gfp_zone(Gfp::KERNEL, &self.mem);
            for zid in glue::zonelist(&self.mem, 0, highest) {
                let Some(z) = self.mem.zone(zid) else {
                    continue;
                };
                if z.nr_free_pages()
                    < self.setup_free.floor(z) + z.lowmem_reserve_for(highest) + (1 << order)
                {
                    continue;
                }
                if let Some(pfn) = self.mem.rmqueue(
                    zid,
                    order,
                    MigrateType::Reclaimable,
                    AllocFlags::WMARK_LOW,
                    sink,
                ) {
                    got = Some(pfn);
                    break;
                }
            }
            let Some(pfn) = got else {
                break;
            };
            if self.mem.slab_add_slab(cache, pfn, order, sink).is_err() {
                break;
            }
            used += 1 << order;
            while let Ok(Some(obj)) = self.mem.slab.try_alloc_object(cache) {
                let _ = self.mem.slab.mark_reclaimable(obj);
            }
        }
        if !self.shrinkers.iter().any(|s| s.superblock) {
            self.register_fs_shrinker("ext4", &[dentry, inode]);
        }
    }

    fn fs_cache(&mut self, name: &str, size: u32) -> Option<u32> {
        if let Some(c) = self.mem.slab.cache_by_name(name) {
            return Some(c.id());
        }
        self.mem
            .slab
            .kmem_cache_create(name, size, SlabFlags::RECLAIM_ACCOUNT)
            .ok()
    }

    /// Background tasks, as (pid, comm) in order; run one with [`Kernel::run_background`].
    #[must_use]
    pub fn background_tasks(&self) -> Vec<(u32, String)> {
        self.background
            .iter()
            .map(|b| (b.task.pid, b.task.comm.clone()))
            .collect()
    }

    /// One step of background task `i`. Returns false when the task no longer runs
    /// (unknown index, or OOM-killed).
    pub fn run_background(&mut self, i: usize, sink: &mut dyn EventSink) -> bool {
        let Some(bg) = self.background.get(i).cloned() else {
            return false;
        };
        if self.procs.get(bg.proc_idx).is_some_and(|p| p.killed) {
            return false;
        }
        let mut task = bg.task.clone();
        let mut ctx = bg.ctx.clone();
        let mut quiet = Quiet {
            inner: sink,
            mem: true,
        };
        let sink: &mut dyn EventSink = &mut quiet;
        let (action, done) = match bg.spec.kind {
            BackgroundKind::PageCacheWriter => {
                let mut n = 0;
                for _ in 0..bg.spec.per_step {
                    let site = CallSite::new("filemap_alloc_folio", 0);
                    let mut cur = Current::new(&mut task, &mut ctx, site);
                    self.begin_call();
                    match self.alloc_pages_core(&mut cur, Gfp::HIGHUSER_MOVABLE, 0, sink) {
                        PageOutcome::Page(g) => {
                            let _ =
                                self.mem
                                    .set_block_state(Pfn(g.pfn), 0, PageState::PageCacheDirty);
                            self.lru_add(g.pfn, LruList::InactiveFile);
                            n += 1;
                        }
                        PageOutcome::Fail | PageOutcome::Stopped => break,
                    }
                }
                ("wrote and dirtied page-cache pages", n)
            }
            BackgroundKind::AnonHog => {
                let mut n = 0;
                for _ in 0..bg.spec.per_step {
                    let site = CallSite::new("do_anonymous_page", 0);
                    let mut cur = Current::new(&mut task, &mut ctx, site);
                    self.begin_call();
                    match self.alloc_pages_core(&mut cur, Gfp::HIGHUSER_MOVABLE, 0, sink) {
                        PageOutcome::Page(g) => {
                            let _ = self.mem.set_block_state(Pfn(g.pfn), 0, PageState::Anon);
                            self.lru_add(g.pfn, LruList::InactiveAnon);
                            if let Some(m) = self.meta_mut(g.pfn) {
                                m.owner = (bg.proc_idx + 1) as u16;
                            }
                            if let Some(p) = self.procs.get_mut(bg.proc_idx) {
                                p.rss_anon += 1;
                                p.total_vm += 1;
                            }
                            n += 1;
                        }
                        PageOutcome::Fail | PageOutcome::Stopped => break,
                    }
                }
                self.touch_owned(bg.proc_idx, bg.spec.per_step);
                ("faulted in anonymous pages", n)
            }
            BackgroundKind::SlabHeavy => {
                let mut n = 0;
                if let Some(cache) = self.dentry_cache.or_else(|| self.fs_cache("dentry", 192)) {
                    self.dentry_cache = Some(cache);
                    for _ in 0..bg.spec.per_step {
                        let site = CallSite::new("__d_alloc", 0);
                        let mut cur = Current::new(&mut task, &mut ctx, site);
                        let r = self.kmem_cache_alloc_quiet(&mut cur, cache, sink);
                        let Some(addr) = r else {
                            break;
                        };
                        if let Some(obj) = self.mem.slab.obj_at_addr(addr) {
                            let _ = self.mem.slab.mark_reclaimable(obj);
                        }
                        self.allocations.remove(&addr);
                        n += 1;
                    }
                    if !self.shrinkers.iter().any(|s| s.superblock) {
                        let inode = self
                            .inode_cache
                            .or_else(|| self.fs_cache("inode_cache", 608));
                        let mut caches = vec![cache];
                        caches.extend(inode);
                        self.register_fs_shrinker("ext4", &caches);
                    }
                }
                ("allocated dentries (left unused on the dentry LRU)", n)
            }
        };
        self.stop_flag = false;
        if let Some(b) = self.background.get_mut(i) {
            b.task = task;
        }
        emit(
            sink,
            AllocEvent::Background {
                task: bg.task.comm.clone(),
                action,
                pages: done,
            },
        );
        true
    }

    /// Marks a few random pages of a process referenced (it keeps using its memory).
    fn touch_owned(&mut self, proc_idx: usize, n: u64) {
        let owner = (proc_idx + 1) as u16;
        let max = self.meta.len() as u64;
        for _ in 0..n * 4 {
            let pfn = self.rng.below(max);
            if let Some(m) = self.meta_mut(pfn)
                && m.owner == owner
            {
                m.flags |= PG_REFERENCED;
            }
        }
    }

    /// A `kmem_cache_alloc(cache, GFP_KERNEL)` for background tasks, without the
    /// per-object `alloc` events.
    fn kmem_cache_alloc_quiet(
        &mut self,
        cur: &mut Current<'_>,
        cache: u32,
        sink: &mut dyn EventSink,
    ) -> Option<u64> {
        let mut filter = DropAllocOk { inner: sink };
        let r = self.kmem_cache_alloc(cur, cache, Gfp::KERNEL, &mut filter);
        r.addr
    }

    /// Allocates `n` order-0 anonymous pages for process `pid` directly (scenario setup:
    /// a task's resident memory for OOM badness). Returns pages obtained.
    pub fn give_anon_pages(&mut self, pid: u32, n: u64, sink: &mut dyn EventSink) -> u64 {
        let Some(idx) = self.procs.iter().position(|p| p.pid == pid) else {
            return 0;
        };
        let mut got = 0;
        for _ in 0..n {
            let Some(pfn) = self.setup_page(PageState::Anon, MigrateType::Movable, sink) else {
                break;
            };
            self.lru_add(pfn, LruList::ActiveAnon);
            if let Some(m) = self.meta_mut(pfn) {
                m.owner = (idx + 1) as u16;
            }
            got += 1;
        }
        if let Some(p) = self.procs.get_mut(idx) {
            p.rss_anon += got;
            p.total_vm += got;
        }
        got
    }

    /// Zone of a pfn (for views).
    #[must_use]
    pub fn zone_of(&self, pfn: u64) -> Option<ZoneId> {
        self.zone_id_of(pfn)
    }

    /// The highest zone `gfp` may use on this machine (`gfp_zone`).
    #[must_use]
    pub fn gfp_zone(&self, gfp: Gfp) -> ZoneType {
        glue::gfp_zone(gfp, &self.mem)
    }
}

/// Drops the `alloc`/`alloc_ok` events of background slab allocations.
struct DropAllocOk<'a> {
    inner: &'a mut dyn EventSink,
}

impl EventSink for DropAllocOk<'_> {
    fn enabled(&self) -> bool {
        self.inner.enabled()
    }
    fn emit(&mut self, event: Event) {
        match &event {
            Event::Alloc(AllocEvent::Alloc { .. } | AllocEvent::AllocOk { .. }) => {}
            _ => self.inner.emit(event),
        }
    }
}
