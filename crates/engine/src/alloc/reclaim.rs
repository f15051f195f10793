//! Reclaim (mm/vmscan.c, mm/shrinker.c, fs/super.c; Linux 6.12; §6): direct reclaim
//! (`__perform_reclaim` → `try_to_free_pages` → `do_try_to_free_pages` →
//! `shrink_node`), `throttle_direct_reclaim`, the LRU scan (`shrink_active_list`,
//! `shrink_inactive_list`, `shrink_folio_list`), slab shrinkers (`do_shrink_slab`,
//! `super_cache_scan`) and kswapd (`wakeup_kswapd` is in the slow path; `balance_pgdat`
//! here, one priority round per scheduler step).

use crate::event::EventSink;
use crate::gfp::{AllocFlags, Gfp, ZoneType};
use crate::mem::{PageState, Pfn, ZoneId};
use crate::task::TaskFlags;

use super::entry::Current;
use super::event::{AllocEvent, Attempt, ReclaimStats};
use super::kernel::{Kernel, LruList, PG_RECLAIM, PG_REFERENCED, emit, normalize_lock};
use super::rules::{self, DEF_PRIORITY, SWAP_CLUSTER_MAX, ScanBalance};
use super::slowpath::{Ac, Got};

/// `struct scan_control`, plus the skip counters this model reports.
#[derive(Clone, Debug)]
pub(crate) struct ScanControl {
    pub(crate) gfp: Gfp,
    pub(crate) order: u32,
    pub(crate) reclaim_idx: ZoneType,
    pub(crate) nr_to_reclaim: u64,
    pub(crate) priority: u32,
    pub(crate) may_writepage: bool,
    pub(crate) may_swap: bool,
    /// `current_is_kswapd()`.
    pub(crate) kswapd: bool,
    pub(crate) compaction_ready: bool,
    pub(crate) nr_scanned: u64,
    pub(crate) nr_reclaimed: u64,
    pub(crate) stats: ReclaimStats,
    pub(crate) skip_noio: u64,
    /// Swap-cache anon pages kept because `may_enter_fs()` fails without `__GFP_IO`.
    pub(crate) skip_noio_swapcache: u64,
    pub(crate) skip_noswap: u64,
    pub(crate) skip_no_swap_space_lists: bool,
    pub(crate) skip_dirty_direct: u64,
    pub(crate) skip_dirty_kswapd: u64,
    pub(crate) skip_fs_shrinker: u64,
    pub(crate) skip_nowrite: u64,
    /// Dirty file pages kswapd would have written but whose mapping has no `writepage`.
    pub(crate) skip_no_writepage: u64,
    /// `sc->nr.unqueued_dirty` and `sc->nr.file_taken` of the current `shrink_node` pass
    /// (reset at its start, mm/vmscan.c:5982, 6.12).
    pub(crate) nr_unqueued_dirty: u64,
    pub(crate) nr_file_taken: u64,
    /// `sc->may_deactivate` (DEACTIVATE_ANON, DEACTIVATE_FILE) of the current pass.
    pub(crate) may_deactivate: [bool; 2],
    /// `sc->force_deactivate`: both lists may be deactivated (do_try_to_free_pages'
    /// retry).
    pub(crate) force_deactivate: bool,
    /// `sc->skipped_deactivate`: an active list was not aged for lack of may_deactivate.
    pub(crate) skipped_deactivate: bool,
    /// `sc->cache_trim_mode` of the current pass, `sc->no_cache_trim_mode`,
    /// `sc->cache_trim_mode_failed`.
    pub(crate) cache_trim_mode: bool,
    pub(crate) no_cache_trim_mode: bool,
    pub(crate) cache_trim_mode_failed: bool,
    /// Some pass left the anon LRU alone because of cache_trim_mode.
    pub(crate) skip_cache_trim: bool,
    /// Some pass left the anon LRU alone because `!sc->may_swap` (boosted kswapd).
    pub(crate) skip_may_swap: bool,
}

impl ScanControl {
    pub(crate) fn new(
        gfp: Gfp,
        order: u32,
        reclaim_idx: ZoneType,
        nr_to_reclaim: u64,
        kswapd: bool,
        laptop: bool,
    ) -> Self {
        Self {
            gfp,
            order,
            reclaim_idx,
            nr_to_reclaim,
            priority: DEF_PRIORITY,
            may_writepage: !laptop,
            may_swap: true,
            kswapd,
            compaction_ready: false,
            nr_scanned: 0,
            nr_reclaimed: 0,
            stats: ReclaimStats::default(),
            skip_noio: 0,
            skip_noio_swapcache: 0,
            skip_noswap: 0,
            skip_no_swap_space_lists: false,
            skip_dirty_direct: 0,
            skip_dirty_kswapd: 0,
            skip_fs_shrinker: 0,
            skip_nowrite: 0,
            skip_no_writepage: 0,
            nr_unqueued_dirty: 0,
            nr_file_taken: 0,
            may_deactivate: [false; 2],
            force_deactivate: false,
            skipped_deactivate: false,
            cache_trim_mode: false,
            no_cache_trim_mode: false,
            cache_trim_mode_failed: false,
            skip_cache_trim: false,
            skip_may_swap: false,
        }
    }
}

/// Fate of one isolated folio in `shrink_folio_list`.
enum Fate {
    Freed,
    Activate,
    Keep,
}

/// What one kswapd step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KswapdStep {
    /// Pages reclaimed in this round.
    pub reclaimed: u64,
    /// The node meets its high watermark.
    pub balanced: bool,
    /// kswapd went back to sleep.
    pub sleeping: bool,
}

impl Kernel {
    /// `__alloc_pages_direct_reclaim()`: `__perform_reclaim()` (fs_reclaim +
    /// PF_MEMALLOC around `try_to_free_pages`) then a freelist retry; on failure
    /// `unreserve_highatomic_pageblock(false)` + `drain_all_pages()` and one more try.
    pub(crate) fn direct_reclaim(
        &mut self,
        cur: &mut Current<'_>,
        ac: &Ac,
        alloc_flags: AllocFlags,
        sink: &mut dyn EventSink,
    ) -> (Option<Got>, u64) {
        self.stat.allocstall += 1;
        cur.kstack.push("__alloc_pages_direct_reclaim");
        let fs = rules::need_reclaim(ac.gfp, false) && ac.gfp.contains(Gfp::FS);
        emit(
            sink,
            AllocEvent::DirectReclaim {
                order: ac.order,
                gfp: ac.gfp,
                nr_to_reclaim: SWAP_CLUSTER_MAX,
                fs_reclaim: fs,
            },
        );
        // memalloc_noreclaim_save()
        let had = cur.task.flags.contains(TaskFlags::PF_MEMALLOC);
        cur.task.flags = cur.task.flags.union(TaskFlags::PF_MEMALLOC);
        let progress = self.try_to_free_pages(cur, ac, sink);
        if !had {
            cur.task.flags = cur.task.flags.without(TaskFlags::PF_MEMALLOC);
        }
        cur.kstack.retain(|f| *f != "__alloc_pages_direct_reclaim");
        if self.stopped() || progress == 0 {
            return (None, progress);
        }
        if let Some(g) =
            self.get_page_from_freelist(ac, ac.gfp, alloc_flags, Attempt::AfterReclaim, sink)
        {
            return (Some(g), progress);
        }
        self.unreserve_highatomic(ac, false, sink);
        // drain_all_pages(NULL): no per-cpu lists are modelled, so nothing moves.
        let g = self.get_page_from_freelist(ac, ac.gfp, alloc_flags, Attempt::AfterDrain, sink);
        (g, progress)
    }

    /// `try_to_free_pages()`: throttle, then `do_try_to_free_pages()` at priorities
    /// 12 → 0 until SWAP_CLUSTER_MAX pages are reclaimed.
    fn try_to_free_pages(
        &mut self,
        cur: &mut Current<'_>,
        ac: &Ac,
        sink: &mut dyn EventSink,
    ) -> u64 {
        let gfp = cur.task.current_gfp_context(ac.gfp).effective;
        if self.throttle_direct_reclaim(cur, gfp, ac, sink) {
            return 1;
        }
        let mut sc = ScanControl::new(
            gfp,
            ac.order,
            ac.highest,
            SWAP_CLUSTER_MAX,
            false,
            self.cfg.laptop_mode,
        );
        // do_try_to_free_pages() (mm/vmscan.c:6279-6381, 6.12).
        let mut memcg_full_walk = false;
        loop {
            loop {
                self.shrink_zones(&mut sc, ac, Some(&mut *cur), sink);
                if self.stopped() {
                    return 0;
                }
                if sc.nr_reclaimed >= sc.nr_to_reclaim || sc.compaction_ready {
                    break;
                }
                if sc.priority < DEF_PRIORITY - 2 {
                    sc.may_writepage = true;
                }
                if sc.priority == 0 {
                    break;
                }
                sc.priority -= 1;
            }
            if sc.nr_reclaimed > 0 || sc.compaction_ready {
                break;
            }
            // Nothing reclaimed: 6.12 walks the priorities again, first with
            // memcg_full_walk (:6348-6352; with only the root cgroup the walk is the same),
            // then, if an active list was left unaged, with force_deactivate
            // (:6363-6368). The memcg_low_skipped retry (:6371-6377) needs memory.low
            // protection, which is not modelled.
            let retry = if !memcg_full_walk {
                memcg_full_walk = true;
                "do_try_to_free_pages (nothing reclaimed; retry: memcg_full_walk)"
            } else if sc.skipped_deactivate {
                sc.force_deactivate = true;
                sc.skipped_deactivate = false;
                "do_try_to_free_pages (nothing reclaimed, an active list was not aged; retry: force_deactivate)"
            } else {
                break;
            };
            sc.stats.reclaimed = sc.nr_reclaimed;
            emit(
                sink,
                AllocEvent::ReclaimResult {
                    function: retry,
                    priority: sc.priority,
                    stats: sc.stats,
                    progress: false,
                },
            );
            sc.priority = DEF_PRIORITY;
            self.stat.allocstall += 1;
        }
        self.stat.pgscan_direct += sc.stats.scanned;
        self.stat.pgsteal_direct += sc.nr_reclaimed;
        self.report_skips(&sc, "shrink_folio_list", sink);
        sc.stats.reclaimed = sc.nr_reclaimed;
        emit(
            sink,
            AllocEvent::ReclaimResult {
                function: "try_to_free_pages",
                priority: sc.priority,
                stats: sc.stats,
                progress: sc.nr_reclaimed > 0 || sc.compaction_ready,
            },
        );
        if sc.nr_reclaimed > 0 {
            sc.nr_reclaimed
        } else {
            u64::from(sc.compaction_ready)
        }
    }

    /// The "opportunity not taken" events of one reclaim pass, aggregated.
    #[allow(clippy::unused_self)]
    fn report_skips(&self, sc: &ScanControl, function: &'static str, sink: &mut dyn EventSink) {
        let mut skip = |what, missing_flag, count| {
            emit(
                sink,
                AllocEvent::ReclaimSkip {
                    function,
                    what,
                    missing_flag,
                    count,
                },
            );
        };
        if sc.skip_noio > 0 {
            skip("swap out anon page (add_to_swap)", "__GFP_IO", sc.skip_noio);
        }
        if sc.skip_noio_swapcache > 0 {
            skip(
                "write a swap-cache anon page (pageout → swap_writepage)",
                "__GFP_IO (may_enter_fs)",
                sc.skip_noio_swapcache,
            );
        }
        if sc.skip_may_swap {
            skip(
                "scanning the anon LRU (get_scan_count: SCAN_FILE)",
                "!sc->may_swap (boosted kswapd reclaim neither swaps nor writes)",
                0,
            );
        }
        if sc.skip_cache_trim {
            skip(
                "scanning the anon LRU (get_scan_count: SCAN_FILE)",
                "cache_trim_mode: inactive file >> priority > 0 and the file LRU needs no deactivation",
                0,
            );
        }
        if sc.skip_no_swap_space_lists {
            skip(
                "scanning the anon LRU (get_scan_count: SCAN_FILE)",
                "no free swap space (can_reclaim_anon_pages)",
                0,
            );
        }
        if sc.skip_noswap > 0 {
            skip(
                "swap out anon page (add_to_swap)",
                "swap is full",
                sc.skip_noswap,
            );
        }
        if sc.skip_dirty_direct > 0 {
            skip(
                "pageout dirty file page (left to the flusher, marked PG_reclaim)",
                "only kswapd writes file pages",
                sc.skip_dirty_direct,
            );
        }
        if sc.skip_dirty_kswapd > 0 {
            skip(
                "pageout dirty file page by kswapd",
                "page not yet PG_reclaim or node not PGDAT_DIRTY",
                sc.skip_dirty_kswapd,
            );
        }
        if sc.skip_no_writepage > 0 {
            skip(
                "pageout dirty file page by kswapd (PAGE_ACTIVATE, left to the flusher)",
                "mapping->a_ops->writepage (ext4/XFS/btrfs have none in 6.12)",
                sc.skip_no_writepage,
            );
        }
        if sc.skip_nowrite > 0 {
            skip(
                "writing a dirty page",
                "!sc->may_writepage (laptop_mode)",
                sc.skip_nowrite,
            );
        }
        if sc.skip_fs_shrinker > 0 {
            emit(
                sink,
                AllocEvent::ReclaimSkip {
                    function: "super_cache_scan",
                    what: "super_cache_scan (dentry/inode shrinker)",
                    missing_flag: "__GFP_FS",
                    count: sc.skip_fs_shrinker,
                },
            );
        }
    }

    /// `throttle_direct_reclaim()`: returns true only for a fatal signal (never here).
    /// A throttled reclaimer waits for kswapd; the model runs kswapd rounds meanwhile.
    fn throttle_direct_reclaim(
        &mut self,
        cur: &mut Current<'_>,
        gfp: Gfp,
        ac: &Ac,
        sink: &mut dyn EventSink,
    ) -> bool {
        if cur.task.flags.contains(TaskFlags::PF_KTHREAD) {
            return false;
        }
        let Some(&first) = ac.zonelist.iter().find(|z| z.zone <= ZoneType::Normal) else {
            return false;
        };
        let node = first.node;
        let allowed = |k: &Kernel| -> (bool, u64, u64) {
            let failures = k.kswapd.get(usize::from(node)).map_or(0, |s| s.failures);
            let mut reserve = 0;
            let mut free = 0;
            if let Some(n) = k.mem.node(node) {
                for z in n.zones() {
                    if z.zone_type() > ZoneType::Normal || z.managed_pages() == 0 {
                        continue;
                    }
                    if k.zone_reclaimable_pages(z.id()) == 0 {
                        continue;
                    }
                    reserve += z.min_wmark_pages();
                    free += z.nr_free_pages();
                }
            }
            (
                rules::allow_direct_reclaim(failures, free, reserve),
                free,
                reserve,
            )
        };
        let (ok, free, reserve) = allowed(self);
        if ok {
            return false;
        }
        self.stat.pgscan_direct_throttle += 1;
        // kswapd must be awake if processes are being throttled.
        if let Some(k) = self.kswapd.get_mut(usize::from(node))
            && k.sleeping
        {
            k.sleeping = false;
            k.woken = true;
            if k.highest.is_none_or(|h| h > ZoneType::Normal) {
                k.highest = Some(ZoneType::Normal);
            }
        }
        let (wait, max_rounds) = if gfp.contains(Gfp::FS) {
            ("killable, until kswapd restores the pfmemalloc reserve", 64)
        } else {
            (
                "at most HZ, interruptible (!__GFP_FS: kswapd may need a lock this task holds)",
                4,
            )
        };
        let mut rounds = 0u32;
        while rounds < max_rounds && !allowed(self).0 && self.kswapd_pending(node) {
            self.run_kswapd(node, sink);
            rounds += 1;
        }
        emit(
            sink,
            AllocEvent::Throttle {
                gfp,
                free,
                reserve,
                wait,
                kswapd_rounds: rounds,
            },
        );
        false
    }

    /// `shrink_zones()`: each eligible zone; costly orders skip zones where compaction
    /// is ready; one `shrink_node()` per node.
    fn shrink_zones(
        &mut self,
        sc: &mut ScanControl,
        ac: &Ac,
        mut cur: Option<&mut Current<'_>>,
        sink: &mut dyn EventSink,
    ) {
        let mut last_node = None;
        for &zid in &ac.zonelist {
            if zid.zone > sc.reclaim_idx {
                continue;
            }
            if rules::costly(sc.order) && self.compaction_ready(zid, sc) {
                if !sc.compaction_ready {
                    emit(
                        sink,
                        AllocEvent::ReclaimSkip {
                            function: "shrink_zones",
                            what: "reclaim for a costly order",
                            missing_flag: "compaction_ready(): enough free memory to compact instead",
                            count: 0,
                        },
                    );
                }
                sc.compaction_ready = true;
                continue;
            }
            if last_node == Some(zid.node) {
                continue;
            }
            last_node = Some(zid.node);
            self.shrink_node(zid.node, sc, cur.as_deref_mut(), sink);
            if self.stopped() {
                return;
            }
        }
    }

    /// `compaction_ready()` (mm/vmscan.c, 6.12).
    fn compaction_ready(&self, zid: ZoneId, sc: &ScanControl) -> bool {
        if !rules::gfp_compaction_allowed(sc.gfp) {
            return false;
        }
        let Some(z) = self.mem.zone(zid) else {
            return false;
        };
        if z.zone_watermark_ok(sc.order, z.min_wmark_pages(), sc.reclaim_idx, AllocFlags(0)) {
            return true;
        }
        if !self.compaction_suitable(zid, sc.order, sc.reclaim_idx) {
            return false;
        }
        let mark = z.high_wmark_pages() + rules::compact_gap(sc.order);
        z.zone_watermark_ok(0, mark, sc.reclaim_idx, AllocFlags(0))
    }

    /// LRU pages of `node` in zones ≤ `idx`, per list.
    fn eligible_lru(&self, node: u16, idx: ZoneType) -> [u64; 4] {
        let mut t = [0u64; 4];
        for (zid, c) in self.lru_count.iter() {
            if zid.node == node && zid.zone <= idx {
                for (a, b) in t.iter_mut().zip(c) {
                    *a += b;
                }
            }
        }
        t
    }

    /// `shrink_node()` → `shrink_lruvec()` (get_scan_count, the list scans) and
    /// `shrink_slab()`.
    pub(crate) fn shrink_node(
        &mut self,
        node: u16,
        sc: &mut ScanControl,
        mut cur: Option<&mut Current<'_>>,
        sink: &mut dyn EventSink,
    ) {
        let before = sc.nr_reclaimed;
        sc.nr_unqueued_dirty = 0;
        sc.nr_file_taken = 0;
        let sizes = self.eligible_lru(node, sc.reclaim_idx);
        let anon = sizes[LruList::InactiveAnon as usize] + sizes[LruList::ActiveAnon as usize];
        let file_is_tiny = self.prepare_scan_control(node, sc);
        let swap_free = self.swap_free();
        let balance = rules::scan_balance(
            sc.may_swap,
            swap_free,
            sc.priority,
            self.cfg.swappiness,
            file_is_tiny,
            sc.cache_trim_mode,
        );
        if balance == ScanBalance::File && anon > 0 {
            if !sc.may_swap {
                sc.skip_may_swap = true;
            } else if swap_free > 0 {
                sc.skip_cache_trim = true;
            } else {
                sc.skip_no_swap_space_lists = true;
            }
        }
        let sw = u64::from(self.cfg.swappiness.min(200));
        let mut nr = [0u64; 4];
        for l in LruList::ALL {
            let size = sizes[l as usize];
            let scan = size >> sc.priority;
            nr[l as usize] = match (balance, l.is_file()) {
                (ScanBalance::File, false) | (ScanBalance::Anon, true) => 0,
                (ScanBalance::Fract, false) => scan * sw / 200,
                (ScanBalance::Fract, true) => scan * (200 - sw) / 200,
                _ => scan,
            };
        }
        let node_idx = usize::from(node);
        let targets = nr;
        while nr[LruList::InactiveAnon as usize] > 0
            || nr[LruList::ActiveFile as usize] > 0
            || nr[LruList::InactiveFile as usize] > 0
        {
            for l in LruList::ALL {
                let n = nr[l as usize].min(SWAP_CLUSTER_MAX);
                if n == 0 {
                    continue;
                }
                nr[l as usize] -= n;
                match l {
                    LruList::ActiveAnon | LruList::ActiveFile => {
                        // shrink_list() (mm/vmscan.c:2209-2217, 6.12).
                        if sc.may_deactivate[usize::from(l.is_file())] {
                            self.shrink_active_list(node_idx, l, n, sc);
                        } else {
                            sc.skipped_deactivate = true;
                        }
                    }
                    LruList::InactiveAnon | LruList::InactiveFile => {
                        self.shrink_inactive_list(node_idx, l, n, sc, cur.as_deref_mut(), sink);
                        if self.stopped() {
                            return;
                        }
                    }
                }
            }
            if !proportional_reclaim_done(&mut nr, &targets, sc, sc.nr_reclaimed - before) {
                break;
            }
        }
        // Age the anon list even when not scanning it (can_age_anon_pages).
        if swap_free > 0 && self.inactive_is_low(node, LruList::InactiveAnon) {
            self.shrink_active_list(node_idx, LruList::ActiveAnon, SWAP_CLUSTER_MAX, sc);
        }
        self.shrink_slab(sc, cur, sink);
        // shrink_node() (mm/vmscan.c:6024-6026, 6.12), once per pass: "Allow kswapd to
        // start writing pages during reclaim" when every file page taken was dirty and
        // not queued for writeback (also when no file page was taken: 0 == 0).
        if sc.kswapd
            && sc.nr_unqueued_dirty == sc.nr_file_taken
            && let Some(k) = self.kswapd.get_mut(node_idx)
        {
            k.pgdat_dirty = true;
        }
        if sc.nr_reclaimed > before {
            if let Some(k) = self.kswapd.get_mut(node_idx) {
                k.failures = 0;
            }
        } else if sc.cache_trim_mode {
            // mm/vmscan.c:6076-6079 (6.12).
            sc.cache_trim_mode_failed = true;
        }
    }

    /// The part of `prepare_scan_control()` (mm/vmscan.c:2277-2382, 6.12) this model
    /// has: `may_deactivate` from `inactive_is_low()` of the node's lists (no refaults
    /// are modelled, so only the ratio decides) unless `force_deactivate`;
    /// `cache_trim_mode` when `NR_INACTIVE_FILE >> priority` is non-zero and the file
    /// lists need no deactivation; and returns `file_is_tiny`: the node's file pages plus
    /// its free pages are at most the sum of its zones' high watermarks, the anon lists
    /// need no deactivation and `NR_INACTIVE_ANON >> priority` is non-zero.
    fn prepare_scan_control(&self, node: u16, sc: &mut ScanControl) -> bool {
        sc.may_deactivate = if sc.force_deactivate {
            [true, true]
        } else {
            [
                self.inactive_is_low(node, LruList::InactiveAnon),
                self.inactive_is_low(node, LruList::InactiveFile),
            ]
        };
        let lru = self.eligible_lru(node, ZoneType::Movable);
        let inactive_file = lru[LruList::InactiveFile as usize];
        sc.cache_trim_mode =
            inactive_file >> sc.priority > 0 && !sc.may_deactivate[1] && !sc.no_cache_trim_mode;
        let file = inactive_file + lru[LruList::ActiveFile as usize];
        let (free, high): (u64, u64) = self.mem.node(node).map_or((0, 0), |n| {
            n.zones()
                .iter()
                .filter(|z| z.managed_pages() > 0)
                .fold((0, 0), |(f, h), z| {
                    (f + z.nr_free_pages(), h + z.high_wmark_pages())
                })
        });
        file + free <= high
            && !sc.may_deactivate[0]
            && lru[LruList::InactiveAnon as usize] >> sc.priority > 0
    }

    /// `inactive_is_low()` (mm/vmscan.c:2251-2268, 6.12): inactive × ratio < active,
    /// ratio = int_sqrt(10 × GiB) or 1, over the node's whole lruvec (all zones).
    fn inactive_is_low(&self, node: u16, inactive: LruList) -> bool {
        let s = self.eligible_lru(node, ZoneType::Movable);
        let ina = s[inactive as usize];
        let act = s[inactive.active() as usize];
        let gb = (ina + act) >> 18;
        let ratio = if gb > 0 { int_sqrt(10 * gb) } else { 1 };
        ina * ratio < act
    }

    /// `shrink_active_list()`: deactivate `n` pages from the active tail (referenced bits
    /// are cleared: the page must be referenced again to be promoted).
    fn shrink_active_list(&mut self, node: usize, list: LruList, n: u64, sc: &mut ScanControl) {
        for _ in 0..n {
            let Some(pfn) = self.lru_pop_tail(node, list) else {
                break;
            };
            if let Some(m) = self.meta_mut(pfn) {
                m.flags &= !PG_REFERENCED;
            }
            self.lru_add(pfn, list.inactive());
            sc.stats.deactivated += 1;
        }
    }

    /// `shrink_inactive_list()`: isolate up to `n` pages of eligible zones from the tail
    /// and run `shrink_folio_list` on each.
    fn shrink_inactive_list(
        &mut self,
        node: usize,
        list: LruList,
        n: u64,
        sc: &mut ScanControl,
        mut cur: Option<&mut Current<'_>>,
        sink: &mut dyn EventSink,
    ) {
        let mut isolated = Vec::new();
        let mut skipped = Vec::new();
        // Simplified: isolate_lru_folios() (mm/vmscan.c:1672-1762, 6.12) skips pages of
        // ineligible zones without limit; here at most 4 × the batch are looked at.
        let mut budget = n * 4;
        while (isolated.len() as u64) < n && budget > 0 {
            budget -= 1;
            let Some(pfn) = self.lru_pop_tail(node, list) else {
                break;
            };
            if self
                .zone_id_of(pfn)
                .is_some_and(|z| z.zone > sc.reclaim_idx)
            {
                skipped.push(pfn);
                continue;
            }
            isolated.push(pfn);
        }
        for pfn in skipped {
            self.lru_add(pfn, list);
        }
        let mut unqueued_dirty = 0u64;
        let mut file_taken = 0u64;
        for pfn in isolated {
            if list.is_file() {
                file_taken += 1;
                if self.mem.page_state(Pfn(pfn)) == PageState::PageCacheDirty {
                    unqueued_dirty += 1;
                }
            }
            match self.shrink_folio(pfn, list, sc, cur.as_deref_mut(), sink) {
                Fate::Freed => {
                    sc.nr_reclaimed += 1;
                }
                Fate::Activate => {
                    sc.stats.activated += 1;
                    self.lru_add(pfn, list.active());
                }
                Fate::Keep => {
                    self.lru_add(pfn, list);
                }
            }
            if self.stopped() {
                return;
            }
        }
        sc.nr_unqueued_dirty += unqueued_dirty;
        sc.nr_file_taken += file_taken;
        // shrink_inactive_list() (mm/vmscan.c:2011-2012, 6.12), per batch:
        // wakeup_flusher_threads(WB_REASON_VMSCAN) when every page taken is unqueued dirty.
        if file_taken > 0 && unqueued_dirty == file_taken {
            self.flusher_woken = true;
        }
    }

    /// `shrink_folio_list()` for one order-0 folio (§6.3), 6.12 decision order.
    fn shrink_folio(
        &mut self,
        pfn: u64,
        list: LruList,
        sc: &mut ScanControl,
        cur: Option<&mut Current<'_>>,
        sink: &mut dyn EventSink,
    ) -> Fate {
        sc.stats.scanned += 1;
        sc.nr_scanned += 1;
        let state = self.mem.page_state(Pfn(pfn));
        let meta = self.meta_of(pfn);
        let node = self.zone_id_of(pfn).map_or(0, |z| usize::from(z.node));
        if state == PageState::Writeback {
            let pgdat_wb = self.kswapd.get(node).is_some_and(|k| k.pgdat_writeback);
            if !(sc.kswapd && meta.flags & PG_RECLAIM != 0 && pgdat_wb)
                && let Some(m) = self.meta_mut(pfn)
            {
                m.flags |= PG_RECLAIM;
            }
            sc.stats.writeback_skipped += 1;
            return Fate::Activate;
        }
        if meta.flags & PG_REFERENCED != 0 {
            // folio_check_references(): referenced since the last scan → activate.
            if let Some(m) = self.meta_mut(pfn) {
                m.flags &= !PG_REFERENCED;
            }
            return Fate::Activate;
        }
        match state {
            PageState::Anon | PageState::AnonSwapCache => {
                if state == PageState::Anon {
                    if !sc.gfp.contains(Gfp::IO) {
                        sc.skip_noio += 1;
                        return Fate::Keep;
                    }
                    if self.swap_free() == 0 {
                        sc.skip_noswap += 1;
                        return Fate::Activate;
                    }
                    if let Some(c) = cur
                        && self.swap_device_deadlock(c, sink)
                    {
                        return Fate::Keep;
                    }
                    // add_to_swap(): a swap slot; the folio is now in the swap cache.
                    self.swap_used += 1;
                    let _ = self.mem.set_state(Pfn(pfn), PageState::AnonSwapCache);
                }
                // try_to_unmap(): the owner's PTE now holds a swap entry.
                let owner = meta.owner;
                if owner > 0
                    && let Some(p) = self.procs.get_mut(usize::from(owner - 1))
                {
                    p.rss_anon = p.rss_anon.saturating_sub(1);
                    p.swapents += 1;
                }
                if let Some(m) = self.meta_mut(pfn) {
                    m.owner = 0;
                }
                // shrink_folio_list() (mm/vmscan.c:1378-1381, 6.12): a dirty folio is
                // written only if may_enter_fs(), which for swap cache needs __GFP_IO
                // (mm/vmscan.c:1030-1044); a swap-cache page added by an earlier pass
                // is kept by a GFP_NOIO reclaimer. The swap device completes
                // synchronously (zram-like).
                if !rules::may_enter_fs(sc.gfp, true, false) {
                    sc.skip_noio_swapcache += 1;
                    return Fate::Keep;
                }
                if !sc.may_writepage {
                    sc.skip_nowrite += 1;
                    return Fate::Keep;
                }
                self.stat.pswpout += 1;
                sc.stats.anon_swapped += 1;
                self.lru_del(pfn);
                let _ = self.mem.free_pages(Pfn(pfn), 0, sink);
                Fate::Freed
            }
            PageState::PageCacheDirty => {
                let pgdat_dirty = self.kswapd.get(node).is_some_and(|k| k.pgdat_dirty);
                if !sc.kswapd || meta.flags & PG_RECLAIM == 0 || !pgdat_dirty {
                    if let Some(m) = self.meta_mut(pfn) {
                        m.flags |= PG_RECLAIM;
                    }
                    if sc.kswapd {
                        sc.skip_dirty_kswapd += 1;
                    } else {
                        sc.skip_dirty_direct += 1;
                    }
                    sc.stats.dirty_activated += 1;
                    return Fate::Activate;
                }
                if !rules::may_enter_fs(sc.gfp, false, false) || !sc.may_writepage {
                    sc.skip_nowrite += 1;
                    return Fate::Keep;
                }
                // pageout() (mm/vmscan.c:673-674, 6.12): "if (mapping->a_ops->writepage ==
                // NULL) return PAGE_ACTIVATE;" — ext4, XFS and btrfs.
                if !self.cfg.fs_writepage {
                    sc.skip_no_writepage += 1;
                    sc.stats.dirty_activated += 1;
                    return Fate::Activate;
                }
                // pageout(): writeback starts; the folio stays PG_reclaim on the list.
                let _ = self.mem.set_state(Pfn(pfn), PageState::Writeback);
                self.writeback.push(pfn as u32);
                sc.stats.file_written += 1;
                Fate::Keep
            }
            PageState::PageCacheClean => {
                let _ = list;
                sc.stats.file_clean += 1;
                self.release_page(pfn, sink);
                Fate::Freed
            }
            _ => Fate::Keep,
        }
    }

    /// Swap-out would write to a runtime-suspended device this task is resuming: the
    /// I/O waits for the resume, the resume waits for this allocation.
    fn swap_device_deadlock(&mut self, cur: &mut Current<'_>, sink: &mut dyn EventSink) -> bool {
        let pid = cur.task.pid;
        let Some(dev) = self
            .resuming
            .iter()
            .filter(|(p, _)| *p == pid)
            .filter_map(|(_, d)| self.devices.get(*d))
            .find(|d| d.suspended && d.backs_swap)
            .map(|d| d.name.clone())
        else {
            return false;
        };
        let report = vec![
            format!(
                "{}/{pid}: reclaim in rpm_resume() of {dev} swaps out an anonymous page: swap_writepage() → submit_bio() to {dev}",
                cur.task.comm
            ),
            format!(
                "blk_queue_enter() waits for {dev} to finish runtime resume (pm_request_resume)"
            ),
            format!("{dev}'s resume callback waits for this allocation: deadlock"),
        ];
        emit(
            sink,
            AllocEvent::Bug {
                bug: super::event::BugKind::NoioResumeDeadlock,
                report: report.clone(),
            },
        );
        self.stop_task(
            cur,
            "deadlock",
            format!(
                "allocation with __GFP_IO during runtime resume of {dev} would write swap to {dev} itself (no memalloc_noio scope)"
            ),
            report,
            sink,
        );
        true
    }

    /// `shrink_slab()` → `do_shrink_slab()` for every registered shrinker.
    fn shrink_slab(
        &mut self,
        sc: &mut ScanControl,
        mut cur: Option<&mut Current<'_>>,
        sink: &mut dyn EventSink,
    ) {
        for i in 0..self.shrinkers.len() {
            let Some(sh) = self.shrinkers.get(i) else {
                continue;
            };
            let freeable: u64 = sh
                .caches
                .iter()
                .filter_map(|&c| self.mem.slab.cache(c))
                .map(crate::mem::slab::KmemCache::nr_reclaimable_objects)
                .sum();
            if freeable == 0 {
                continue; // SHRINK_EMPTY
            }
            let superblock = sh.superblock;
            let name = sh.name.clone();
            let nr = sh.nr_deferred;
            let plan = rules::shrink_plan(freeable, nr, sc.priority, sh.seeks);
            let mut total_scan = plan.total_scan;
            let mut scanned = 0u64;
            let mut freed = 0u64;
            let mut stopped = None;
            let mut pages_freed = 0u64;
            while total_scan >= rules::SHRINK_BATCH || total_scan >= freeable {
                if total_scan == 0 {
                    break;
                }
                let nr_to_scan = total_scan.min(rules::SHRINK_BATCH);
                if superblock && !sc.gfp.contains(Gfp::FS) {
                    // super_cache_scan(): "Deadlock avoidance. We may hold various FS
                    // locks, and we don't want to recurse into the FS that called us".
                    stopped = Some("!(sc->gfp_mask & __GFP_FS)");
                    sc.skip_fs_shrinker += nr_to_scan;
                    break;
                }
                if superblock
                    && let Some(c) = cur.as_deref_mut()
                    && self.fs_lock_deadlock(c, sink)
                {
                    return;
                }
                let (objs, pages) = self.shrinker_free(i, nr_to_scan, sink);
                freed += objs;
                pages_freed += pages;
                self.stat.slabs_scanned += nr_to_scan;
                total_scan -= nr_to_scan;
                scanned += nr_to_scan;
            }
            let next = rules::next_deferred(nr, plan.delta, scanned, freeable);
            if let Some(sh) = self.shrinkers.get_mut(i) {
                sh.nr_deferred = next;
            }
            sc.nr_reclaimed += pages_freed;
            sc.stats.slab_pages += pages_freed;
            sc.stats.slab_objects += freed;
            if scanned > 0 || stopped.is_some() {
                emit(
                    sink,
                    AllocEvent::ShrinkSlab {
                        shrinker: name,
                        gfp: sc.gfp,
                        priority: sc.priority,
                        freeable,
                        delta: plan.delta,
                        total_scan: plan.total_scan,
                        freed,
                        deferred_before: nr,
                        deferred_after: next,
                        stopped,
                    },
                );
            }
        }
    }

    /// Filesystem reclaim would take a lock this very task holds: the real deadlock
    /// behind lockdep's fs_reclaim report.
    fn fs_lock_deadlock(&mut self, cur: &mut Current<'_>, sink: &mut dyn EventSink) -> bool {
        let Some(lock) = cur
            .ctx
            .locks
            .iter()
            .find(|l| self.fs_reclaim_locks.contains_key(&normalize_lock(&l.name)))
            .map(|l| l.name.clone())
        else {
            return false;
        };
        let cycle = vec![
            format!(
                "{}/{} holds {lock} and allocates with __GFP_FS",
                cur.task.comm, cur.task.pid
            ),
            "direct reclaim → shrink_slab → super_cache_scan → prune_icache_sb → the filesystem's inode reclaim".to_string(),
            format!("the filesystem's reclaim path takes {lock}: held by this task → waits forever"),
        ];
        self.stop_task(
            cur,
            "deadlock",
            format!(
                "filesystem reclaim re-entered from an allocation made under {lock} needs {lock}"
            ),
            cycle,
            sink,
        );
        true
    }

    /// `balance_pgdat()` for one priority round (the scheduler calls this as kswapd's
    /// task step while [`Kernel::kswapd_pending`] is true). kswapd runs with
    /// PF_MEMALLOC | PF_KSWAPD and `sc.gfp_mask = GFP_KERNEL`, reclaiming until a zone
    /// meets its high watermark.
    pub fn run_kswapd(&mut self, node: u16, sink: &mut dyn EventSink) -> KswapdStep {
        let idx = usize::from(node);
        let Some(k) = self.kswapd.get(idx).cloned() else {
            return KswapdStep {
                reclaimed: 0,
                balanced: true,
                sleeping: true,
            };
        };
        if !(k.woken || k.priority > 0) {
            return KswapdStep {
                reclaimed: 0,
                balanced: true,
                sleeping: true,
            };
        }
        let highest = k.highest.unwrap_or(ZoneType::Movable);
        // kswapd() (mm/vmscan.c:7239-7242, 6.12) reads pgdat->kswapd_order and resets it
        // to 0 before balance_pgdat(); within the run, sc.order is the run's own.
        let order = if k.priority == 0 { k.order } else { k.sc_order };
        let mut priority = if k.priority == 0 {
            DEF_PRIORITY
        } else {
            k.priority
        };
        // balance_pgdat() (mm/vmscan.c:6892-6901, 6.12): the run's reclaim boost and each
        // zone's boost at its start.
        let zone_boosts: Vec<(ZoneId, u64)> = if k.priority == 0 {
            self.mem.node(node).map_or_else(Vec::new, |n| {
                n.zones()
                    .iter()
                    .filter(|z| z.zone_type() <= highest && z.managed_pages() > 0)
                    .map(|z| (z.id(), z.watermark_boost()))
                    .filter(|&(_, b)| b > 0)
                    .collect()
            })
        } else {
            k.zone_boosts.clone()
        };
        let mut boost = if k.priority == 0 {
            zone_boosts.iter().map(|&(_, b)| b).sum()
        } else {
            k.boost_reclaim
        };
        // "If the pgdat is imbalanced then ignore boosting and preserve the watermarks
        // for a later time and restart" (mm/vmscan.c:6943-6947).
        let balanced_before = self.pgdat_balanced(node, order, highest);
        if !balanced_before && boost > 0 {
            boost = 0;
            priority = DEF_PRIORITY;
        }
        if let Some(k) = self.kswapd.get_mut(idx) {
            k.woken = false;
            if k.priority == 0 {
                k.run_reclaimed = 0;
                k.sc_order = k.order;
                k.order = 0;
                k.no_cache_trim_mode = false;
                k.cache_trim_mode_failed = false;
                k.zone_boosts = zone_boosts;
            }
            k.boost_reclaim = boost;
            k.priority = priority;
        }
        // "If boosting is not active then only reclaim if there are no eligible zones"
        // (:6954-6955): goto out.
        if boost == 0 && balanced_before {
            return self.kswapd_finish(node, 0, true, true, sink);
        }
        let nr_to_reclaim: u64 = self.mem.node(node).map_or(0, |n| {
            n.zones()
                .iter()
                .filter(|z| z.zone_type() <= highest && z.managed_pages() > 0)
                .map(|z| z.high_wmark_pages().max(SWAP_CLUSTER_MAX))
                .sum()
        });
        let mut sc = ScanControl::new(
            Gfp::KERNEL,
            order,
            highest,
            nr_to_reclaim,
            true,
            self.cfg.laptop_mode,
        );
        sc.priority = priority;
        // "Do not writeback or swap pages for boosted reclaim" (mm/vmscan.c:6967-6968).
        sc.may_writepage = !self.cfg.laptop_mode && boost == 0;
        sc.may_swap = boost == 0;
        if priority < DEF_PRIORITY - 2 {
            sc.may_writepage = true;
        }
        sc.no_cache_trim_mode = self.kswapd.get(idx).is_some_and(|k| k.no_cache_trim_mode);
        self.shrink_node(node, &mut sc, None, sink);
        self.report_skips(&sc, "shrink_folio_list", sink);
        sc.stats.reclaimed = sc.nr_reclaimed;
        emit(
            sink,
            AllocEvent::ReclaimResult {
                function: "balance_pgdat",
                priority,
                stats: sc.stats,
                progress: sc.nr_reclaimed > 0,
            },
        );
        self.stat.pgscan_kswapd += sc.stats.scanned;
        self.stat.pgsteal_kswapd += sc.nr_reclaimed;
        let reclaimed = sc.nr_reclaimed;
        let run_before = self.kswapd.get(idx).map_or(0, |k| k.run_reclaimed);
        let (raise_priority, next_order) = rules::kswapd_shrink_node_end(
            order,
            sc.nr_scanned,
            reclaimed,
            run_before,
            nr_to_reclaim,
        );
        // "Limit the priority of boosting to avoid reclaim writeback" (:6958-6959).
        let raise_priority = raise_priority && !(boost > 0 && priority == DEF_PRIORITY - 2);
        let balanced = self.pgdat_balanced(node, next_order, highest);
        let boost_left = boost - boost.min(reclaimed);
        // "If reclaim made no progress for a boost, stop reclaim" (:7020-7028).
        let boost_stuck = boost_left > 0 && reclaimed == 0;
        if let Some(k) = self.kswapd.get_mut(idx) {
            k.run_reclaimed += reclaimed;
            k.sc_order = next_order;
            k.boost_reclaim = boost_left;
            k.cache_trim_mode_failed |= sc.cache_trim_mode_failed;
            if raise_priority || reclaimed == 0 {
                k.priority = k.priority.saturating_sub(1);
            }
            // balance_pgdat() (mm/vmscan.c:7034-7042, 6.12): "Restart only if it went
            // through the priority loop all the way, but cache_trim_mode didn't work."
            if !balanced
                && k.priority < 1
                && k.run_reclaimed == 0
                && !k.no_cache_trim_mode
                && k.cache_trim_mode_failed
            {
                k.no_cache_trim_mode = true;
                k.priority = DEF_PRIORITY;
            }
        }
        // The next round's "goto out" when balanced without boost, or the loop's end.
        if balanced && boost_left == 0 {
            return self.kswapd_finish(node, reclaimed, true, true, sink);
        }
        if boost_stuck || self.kswapd.get(idx).is_none_or(|k| k.priority < 1) {
            return self.kswapd_finish(node, reclaimed, balanced, false, sink);
        }
        let failures = self.kswapd.get(idx).map_or(0, |k| k.failures);
        emit(
            sink,
            AllocEvent::Kswapd {
                node: u32::from(node),
                order,
                priority,
                reclaimed,
                balanced,
                failures,
                sleeping: false,
            },
        );
        KswapdStep {
            reclaimed,
            balanced,
            sleeping: false,
        }
    }

    /// The end of `balance_pgdat()`: `via_out` when it jumped to `out` (balanced), else
    /// the priority loop ended and a run that reclaimed nothing counts a failure.
    fn kswapd_finish(
        &mut self,
        node: u16,
        reclaimed: u64,
        balanced: bool,
        via_out: bool,
        sink: &mut dyn EventSink,
    ) -> KswapdStep {
        let idx = usize::from(node);
        let Some(k) = self.kswapd.get_mut(idx) else {
            return KswapdStep {
                reclaimed,
                balanced,
                sleeping: true,
            };
        };
        if k.run_reclaimed == 0 && !via_out {
            k.failures += 1;
        }
        // The order balance_pgdat() stopped reclaiming at (its return value).
        let (order, priority, failures) = (k.sc_order, k.priority, k.failures);
        k.priority = 0;
        k.sleeping = true;
        k.woken = false;
        k.sc_order = 0;
        k.highest = None;
        if balanced {
            // clear_pgdat_congested(): the node is balanced again.
            k.pgdat_dirty = false;
            k.pgdat_writeback = false;
        }
        // "If reclaim was boosted, account for the reclaim done in this pass"
        // (mm/vmscan.c:7050-7063, 6.12): every run, balanced or not, takes the boosts it
        // recorded at its start off the zones (boosts added since then stay).
        let zone_boosts = std::mem::take(&mut k.zone_boosts);
        k.boost_reclaim = 0;
        for (id, b) in zone_boosts {
            if let Some(z) = self.mem.zone_mut(id) {
                z.watermark_boost -= z.watermark_boost.min(b);
            }
        }
        emit(
            sink,
            AllocEvent::Kswapd {
                node: u32::from(node),
                order,
                priority,
                reclaimed,
                balanced,
                failures,
                sleeping: true,
            },
        );
        KswapdStep {
            reclaimed,
            balanced,
            sleeping: true,
        }
    }

    /// Time passes by one step for kernel threads: writeback I/O completes and the
    /// flusher starts writeback of dirty pages when woken or above the background
    /// threshold. (kswapd is its own task step: [`Kernel::run_kswapd`].)
    pub fn tick(&mut self, sink: &mut dyn EventSink) {
        self.step += 1;
        let done = std::mem::take(&mut self.writeback);
        let completed = done.len() as u64;
        for pfn in done {
            let pfn = u64::from(pfn);
            if self.mem.page_state(Pfn(pfn)) != PageState::Writeback {
                continue;
            }
            let _ = self.mem.set_state(Pfn(pfn), PageState::PageCacheClean);
            // folio_end_writeback(): a PG_reclaim folio is rotated to the inactive tail.
            if self.meta_of(pfn).flags & PG_RECLAIM != 0 {
                if let Some(m) = self.meta_mut(pfn) {
                    m.flags &= !PG_RECLAIM;
                }
                if let Some(l) = LruList::from_code(self.meta_of(pfn).lru) {
                    if l.active() == l {
                        self.lru_move(pfn, l.inactive());
                    }
                    self.lru_rotate_to_tail(pfn);
                }
            }
        }
        let dirty = self.count_dirty();
        let mut started = 0u64;
        // vm.dirty_background_ratio = 10 (% of memory) unless configured in pages.
        let background = if self.cfg.dirty_background_pages == u64::MAX {
            self.mem.totalram_pages() / 10
        } else {
            self.cfg.dirty_background_pages
        };
        if self.flusher_woken || dirty > background {
            self.flusher_woken = false;
            started = self.flusher_write(self.cfg.flusher_batch);
        }
        if (started > 0 || completed > 0) && sink.enabled() {
            emit(sink, AllocEvent::Writeback { started, completed });
        }
    }

    fn count_dirty(&self) -> u64 {
        self.mem
            .zones()
            .map(|z| z.nr_pages_in_state(PageState::PageCacheDirty))
            .sum()
    }

    /// The flusher (`wb_workfn`): start writeback of up to `n` dirty pages, oldest first.
    fn flusher_write(&mut self, n: u64) -> u64 {
        let mut started = 0u64;
        // Disjoint field borrows: the lists are read while pages change state.
        let (lru, meta, mem, writeback) =
            (&self.lru, &self.meta, &mut self.mem, &mut self.writeback);
        for node in lru {
            for list in [LruList::InactiveFile, LruList::ActiveFile] {
                for &(pfn, stamp) in &node.lists[list as usize] {
                    if started >= n {
                        return started;
                    }
                    let live = meta
                        .get(pfn as usize)
                        .is_some_and(|m| m.lru == list.code() && m.stamp == stamp);
                    if live && mem.page_state(Pfn(u64::from(pfn))) == PageState::PageCacheDirty {
                        let _ = mem.set_state(Pfn(u64::from(pfn)), PageState::Writeback);
                        writeback.push(pfn);
                        started += 1;
                    }
                }
            }
        }
        started
    }

    /// While an allocating task loops: one tick, and kswapd rounds on every node.
    ///
    /// Simplified: this stands in for every wait of 6.12 reclaim — `reclaim_throttle()`
    /// (VMSCAN_THROTTLE_NOPROGRESS/WRITEBACK/ISOLATED/CONGESTED, mm/vmscan.c:527-594),
    /// `cond_resched()` and the slow path's `schedule_timeout` — none of which is modelled
    /// (one CPU, no clock).
    pub(crate) fn background_pass(&mut self, sink: &mut dyn EventSink) {
        self.tick(sink);
        for node in 0..self.kswapd.len() {
            let mut rounds = 0;
            while self.kswapd_pending(node as u16) && rounds < DEF_PRIORITY {
                self.run_kswapd(node as u16, sink);
                rounds += 1;
            }
        }
    }
}

/// The end of each `shrink_lruvec()` round (mm/vmscan.c:5733-5805, 6.12): keep scanning
/// until `nr_to_reclaim` pages came off this lruvec, and always for direct reclaim at
/// DEF_PRIORITY (proportional_reclaim); past the goal, stop if the file or the anon
/// side has nothing left to scan, else stop the smaller side and cut the other to the
/// share of its target the smaller one had left. Returns false to stop the loop.
pub(crate) fn proportional_reclaim_done(
    nr: &mut [u64; 4],
    targets: &[u64; 4],
    sc: &ScanControl,
    lru_reclaimed: u64,
) -> bool {
    let proportional_reclaim = !sc.kswapd && sc.priority == DEF_PRIORITY;
    if lru_reclaimed < sc.nr_to_reclaim || proportional_reclaim {
        return true;
    }
    let (ia, aa, ifl, af) = (
        LruList::InactiveAnon as usize,
        LruList::ActiveAnon as usize,
        LruList::InactiveFile as usize,
        LruList::ActiveFile as usize,
    );
    let nr_file = nr[ifl] + nr[af];
    let nr_anon = nr[ia] + nr[aa];
    if nr_file == 0 || nr_anon == 0 {
        return false;
    }
    let (stop, other, percentage) = if nr_file > nr_anon {
        (
            (ia, aa),
            (ifl, af),
            nr_anon * 100 / (targets[ia] + targets[aa] + 1),
        )
    } else {
        (
            (ifl, af),
            (ia, aa),
            nr_file * 100 / (targets[ifl] + targets[af] + 1),
        )
    };
    nr[stop.0] = 0;
    nr[stop.1] = 0;
    for l in [other.0, other.1] {
        let scanned = targets[l] - nr[l];
        nr[l] = targets[l] * (100 - percentage) / 100;
        nr[l] -= nr[l].min(scanned);
    }
    true
}

fn int_sqrt(x: u64) -> u64 {
    let mut r = 0u64;
    while (r + 1) * (r + 1) <= x {
        r += 1;
    }
    r
}
