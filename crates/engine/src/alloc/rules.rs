//! Pure decision rules of the allocation slow path and reclaim (Linux 6.12), each over a
//! small inputs struct so that every rule is unit-testable on its own. The stateful code
//! in this module's siblings gathers the inputs from the machine and calls these.

use crate::gfp::{Gfp, ZoneType};

use super::event::{CompactPriority, CompactResult};

/// `PAGE_ALLOC_COSTLY_ORDER` (include/linux/mmzone.h).
pub const PAGE_ALLOC_COSTLY_ORDER: u32 = 3;
/// `MAX_RECLAIM_RETRIES` (mm/internal.h), §5.1.
pub const MAX_RECLAIM_RETRIES: u32 = 16;
/// `MAX_COMPACT_RETRIES` (mm/page_alloc.c), §5.1.
pub const MAX_COMPACT_RETRIES: u32 = 16;
/// `SWAP_CLUSTER_MAX` (include/linux/swap.h).
pub const SWAP_CLUSTER_MAX: u64 = 32;
/// `DEF_PRIORITY` (mm/vmscan.c).
pub const DEF_PRIORITY: u32 = 12;
/// `SHRINK_BATCH` (mm/shrinker.c).
pub const SHRINK_BATCH: u64 = 128;
/// `DEFAULT_SEEKS` (include/linux/shrinker.h).
pub const DEFAULT_SEEKS: u64 = 2;
/// `COMPACT_MAX_DEFER_SHIFT` (mm/compaction.c).
pub const COMPACT_MAX_DEFER_SHIFT: u32 = 6;
/// `sysctl_extfrag_threshold` default (mm/compaction.c).
pub const EXTFRAG_THRESHOLD: i32 = 500;
/// `OOM_SCORE_ADJ_MIN` (include/uapi/linux/oom.h).
pub const OOM_SCORE_ADJ_MIN: i32 = -1000;

/// `compact_gap()` (mm/internal.h): free pages compaction needs as migration targets.
#[must_use]
pub const fn compact_gap(order: u32) -> u64 {
    2u64 << order
}

/// Whether `order` is costly (`order > PAGE_ALLOC_COSTLY_ORDER`).
#[must_use]
pub const fn costly(order: u32) -> bool {
    order > PAGE_ALLOC_COSTLY_ORDER
}

/// `gfp_compaction_allowed()` (include/linux/gfp.h, CONFIG_COMPACTION=y): needs `__GFP_IO`.
#[must_use]
pub const fn gfp_compaction_allowed(gfp: Gfp) -> bool {
    gfp.contains(Gfp::IO)
}

/// `kmalloc_gfp_adjust()` (mm/util.c, 6.12): the mask kvmalloc's contiguous attempt uses.
#[must_use]
pub fn kmalloc_gfp_adjust(flags: Gfp, size: u64) -> Gfp {
    let mut f = flags;
    if size > 4096 {
        f |= Gfp::NOWARN;
        if !f.contains(Gfp::RETRY_MAYFAIL) {
            f |= Gfp::NORETRY;
        }
        f = f.without(Gfp::NOFAIL);
    }
    f
}

/// The 6.12 `__GFP_NOFAIL` sanity checks at the top of `__alloc_pages_slowpath()`
/// (commit 903edea6 "mm: warn about illegal __GFP_NOFAIL usage in a more appropriate
/// location and manner"): each returned pair is (condition, explanation).
#[must_use]
pub fn nofail_warnings(
    gfp: Gfp,
    order: u32,
    pf_memalloc: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut w = Vec::new();
    if !gfp.contains(Gfp::NOFAIL) {
        return w;
    }
    if order > 1 {
        w.push((
            "order > 1",
            "__GFP_NOFAIL callers must not allocate greater than order-1 page units",
        ));
    }
    if !gfp.contains(Gfp::DIRECT_RECLAIM) {
        w.push((
            "!can_direct_reclaim",
            "__GFP_NOFAIL without __GFP_DIRECT_RECLAIM is not supported and may lock up",
        ));
    }
    if pf_memalloc {
        w.push((
            "current->flags & PF_MEMALLOC",
            "PF_MEMALLOC cannot reclaim anything and can only loop waiting for somebody else",
        ));
    }
    w
}

/// Inputs of `should_reclaim_retry()` (mm/page_alloc.c, 6.12).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReclaimRetryInput {
    pub order: u32,
    pub did_some_progress: bool,
    pub no_progress_loops: u32,
    /// Per eligible zone: would `__zone_watermark_ok(min, free + reclaimable)` pass?
    pub zone_would_pass: Vec<bool>,
}

/// Output of [`should_reclaim_retry`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReclaimRetryDecision {
    pub retry: bool,
    pub no_progress_loops: u32,
    /// True when the retry count ran out (before looking at zones).
    pub exhausted: bool,
}

/// `should_reclaim_retry()` without the highatomic unreserve fallback (the caller applies
/// it when this returns false). Costly orders always count as no progress.
#[must_use]
pub fn should_reclaim_retry(inp: &ReclaimRetryInput) -> ReclaimRetryDecision {
    let loops = if inp.did_some_progress && inp.order <= PAGE_ALLOC_COSTLY_ORDER {
        0
    } else {
        inp.no_progress_loops + 1
    };
    if loops > MAX_RECLAIM_RETRIES {
        return ReclaimRetryDecision {
            retry: false,
            no_progress_loops: loops,
            exhausted: true,
        };
    }
    ReclaimRetryDecision {
        retry: inp.zone_would_pass.iter().any(|&ok| ok),
        no_progress_loops: loops,
        exhausted: false,
    }
}

/// Inputs of `should_compact_retry()` (mm/page_alloc.c, CONFIG_COMPACTION, 6.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompactRetryInput {
    pub order: u32,
    pub result: CompactResult,
    pub priority: CompactPriority,
    pub retries: u32,
    /// `compaction_zonelist_suitable()`: used only for COMPACT_SKIPPED.
    pub zonelist_suitable: bool,
}

/// Output of [`should_compact_retry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompactRetryDecision {
    pub retry: bool,
    pub priority: CompactPriority,
    pub retries: u32,
    pub why: &'static str,
}

/// `should_compact_retry()`.
#[must_use]
pub fn should_compact_retry(inp: &CompactRetryInput) -> CompactRetryDecision {
    let mut out = CompactRetryDecision {
        retry: false,
        priority: inp.priority,
        retries: inp.retries,
        why: "order 0 never retries compaction",
    };
    if inp.order == 0 {
        return out;
    }
    if inp.result == CompactResult::Skipped {
        out.retry = inp.zonelist_suitable;
        out.why = if inp.zonelist_suitable {
            "COMPACT_SKIPPED but reclaim can make a zone suitable (compaction_zonelist_suitable)"
        } else {
            "COMPACT_SKIPPED and no zone would become suitable"
        };
        return out;
    }
    if inp.result == CompactResult::Success {
        let max = if costly(inp.order) {
            MAX_COMPACT_RETRIES / 4
        } else {
            MAX_COMPACT_RETRIES
        };
        out.retries = inp.retries + 1;
        if out.retries <= max {
            out.retry = true;
            out.why = "COMPACT_SUCCESS but the allocation raced; retry (costly orders: 16/4 times)";
            return out;
        }
    }
    let min = if costly(inp.order) {
        CompactPriority::SyncLight
    } else {
        CompactPriority::SyncFull
    };
    if inp.priority > min {
        out.priority = match inp.priority {
            CompactPriority::Async => CompactPriority::SyncLight,
            _ => CompactPriority::SyncFull,
        };
        out.retries = 0;
        out.retry = true;
        out.why = "compaction failed: retry at a more aggressive priority";
    } else {
        out.why = "compaction failed at the most aggressive allowed priority";
    }
    out
}

/// Why `__alloc_pages_may_oom()` or `out_of_memory()` does not kill (§5.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OomGate {
    pub reason: &'static str,
    pub condition: &'static str,
    /// True when the caller is told "progress" (retry) instead of failing.
    pub progress: bool,
    pub function: &'static str,
}

/// The gates of `__alloc_pages_may_oom()` and `out_of_memory()` in kernel order, for an
/// allocation that reached the OOM step. `None` means the OOM killer selects a victim.
#[must_use]
pub fn oom_gate(
    gfp: Gfp,
    order: u32,
    highest_zone: ZoneType,
    pf_dumpcore: bool,
) -> Option<OomGate> {
    let may_oom = |reason, condition| {
        Some(OomGate {
            reason,
            condition,
            progress: false,
            function: "__alloc_pages_may_oom",
        })
    };
    if pf_dumpcore {
        return may_oom(
            "coredumps can quickly deplete all memory reserves",
            "current->flags & PF_DUMPCORE",
        );
    }
    if costly(order) {
        return may_oom(
            "the OOM killer will not help higher order allocs",
            "order > PAGE_ALLOC_COSTLY_ORDER",
        );
    }
    if gfp.contains(Gfp::RETRY_MAYFAIL) {
        return may_oom(
            "__GFP_RETRY_MAYFAIL: the caller has a fallback, fail instead",
            "gfp & __GFP_RETRY_MAYFAIL",
        );
    }
    if gfp.contains(Gfp::THISNODE) {
        return may_oom(
            "__GFP_THISNODE: the OOM killer may not free memory on a specific node",
            "gfp & __GFP_THISNODE",
        );
    }
    if highest_zone < ZoneType::Normal {
        return may_oom(
            "lowmem allocation: the OOM killer does not needlessly kill tasks for lowmem",
            "ac->highest_zoneidx < ZONE_NORMAL",
        );
    }
    if !gfp.contains(Gfp::FS) {
        return Some(OomGate {
            reason: "!__GFP_FS: out_of_memory() reports progress without killing",
            condition: "!(oc->gfp_mask & __GFP_FS) && !is_memcg_oom(oc)",
            progress: true,
            function: "out_of_memory",
        });
    }
    None
}

/// `oom_badness()` (mm/oom_kill.c, 6.12): `None` is LONG_MIN (never chosen).
#[must_use]
pub fn oom_badness(
    rss: u64,
    swapents: u64,
    pgtables_bytes: u64,
    oom_score_adj: i32,
    totalpages: u64,
    unkillable: bool,
) -> Option<i64> {
    if unkillable || oom_score_adj == OOM_SCORE_ADJ_MIN {
        return None;
    }
    let points = rss as i64 + swapents as i64 + (pgtables_bytes / 4096) as i64;
    // `adj *= totalpages / 1000;` — integer division first, as in the kernel.
    let adj = i64::from(oom_score_adj) * (totalpages / 1000) as i64;
    Some(points + adj)
}

/// `allow_direct_reclaim()` (mm/vmscan.c): free pages of zones ≤ NORMAL against half the
/// sum of their min watermarks.
#[must_use]
pub fn allow_direct_reclaim(kswapd_failures: u32, free: u64, pfmemalloc_reserve: u64) -> bool {
    kswapd_failures >= MAX_RECLAIM_RETRIES
        || pfmemalloc_reserve == 0
        || free > pfmemalloc_reserve / 2
}

/// `do_shrink_slab()` work computation (mm/shrinker.c, 6.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShrinkPlan {
    pub delta: u64,
    pub total_scan: u64,
}

/// The scan target of `do_shrink_slab()` for a shrinker with `freeable` objects,
/// `nr_deferred` carried-over work, at `priority`.
#[must_use]
pub fn shrink_plan(freeable: u64, nr_deferred: u64, priority: u32, seeks: u64) -> ShrinkPlan {
    let delta = ((freeable >> priority) * 4)
        .checked_div(seeks)
        .unwrap_or(freeable / 2);
    let total_scan = ((nr_deferred >> priority) + delta).min(2 * freeable);
    ShrinkPlan { delta, total_scan }
}

/// `next_deferred` of `do_shrink_slab()`: new work not done, capped at 2 × freeable.
#[must_use]
pub fn next_deferred(nr_deferred: u64, delta: u64, scanned: u64, freeable: u64) -> u64 {
    (nr_deferred + delta)
        .saturating_sub(scanned)
        .min(2 * freeable)
}

/// `__fragmentation_index()` (mm/vmstat.c): −1000 when a suitable block exists, else
/// 0 (lack of memory) … 1000 (fragmentation).
#[must_use]
pub fn fragmentation_index(
    order: u32,
    free_pages: u64,
    free_blocks_total: u64,
    free_blocks_suitable: u64,
) -> i32 {
    if free_blocks_total == 0 {
        return 0;
    }
    if free_blocks_suitable > 0 {
        return -1000;
    }
    let requested = 1u64 << order;
    1000 - ((1000 + free_pages * 1000 / requested) / free_blocks_total) as i32
}

/// Per-zone compaction deferral state (`compact_considered`, `compact_defer_shift`,
/// `compact_order_failed` in struct zone; mm/compaction.c).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompactDefer {
    pub considered: u32,
    pub defer_shift: u32,
    pub order_failed: u32,
}

impl CompactDefer {
    /// `compaction_deferred()`: true when compaction should be skipped this time.
    pub fn deferred(&mut self, order: u32) -> bool {
        let limit = 1u32 << self.defer_shift;
        if order < self.order_failed {
            return false;
        }
        self.considered += 1;
        if self.considered >= limit {
            self.considered = limit;
            return false;
        }
        true
    }

    /// `defer_compaction()`.
    pub fn defer(&mut self, order: u32) {
        self.considered = 0;
        self.defer_shift = (self.defer_shift + 1).min(COMPACT_MAX_DEFER_SHIFT);
        if order < self.order_failed {
            self.order_failed = order;
        }
    }

    /// `compaction_defer_reset()`.
    pub fn reset(&mut self, order: u32, alloc_success: bool) {
        if alloc_success {
            self.considered = 0;
            self.defer_shift = 0;
        }
        if order >= self.order_failed {
            self.order_failed = order + 1;
        }
    }
}

/// `get_scan_count()` balance (mm/vmscan.c, 6.12), reduced to the cases this model has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanBalance {
    /// Only file LRUs (no swap, or `may_swap` off).
    File,
    /// Priority 0 with swappiness: scan both equally.
    Equal,
    /// File LRU tiny relative to the high watermark: anon only.
    Anon,
    /// Proportional to swappiness (anon 60 : file 140 by default).
    Fract,
}

/// Decide the anon/file balance (`get_scan_count()`, mm/vmscan.c:2402-2446, 6.12):
/// no swap → SCAN_FILE; priority 0 → SCAN_EQUAL; `file_is_tiny` → SCAN_ANON;
/// `cache_trim_mode` → SCAN_FILE; else SCAN_FRACT.
#[must_use]
pub fn scan_balance(
    may_swap: bool,
    swap_free: u64,
    priority: u32,
    swappiness: u32,
    file_is_tiny: bool,
    cache_trim_mode: bool,
) -> ScanBalance {
    if !may_swap || swap_free == 0 {
        ScanBalance::File
    } else if priority == 0 && swappiness > 0 {
        ScanBalance::Equal
    } else if file_is_tiny {
        ScanBalance::Anon
    } else if cache_trim_mode {
        ScanBalance::File
    } else {
        ScanBalance::Fract
    }
}

/// `may_enter_fs()` (mm/vmscan.c, 6.12).
#[must_use]
pub const fn may_enter_fs(gfp: Gfp, swapcache: bool, swap_fs_ops: bool) -> bool {
    if gfp.contains(Gfp::FS) {
        return true;
    }
    if !swapcache || !gfp.contains(Gfp::IO) {
        return false;
    }
    !swap_fs_ops
}

/// Why `warn_alloc()` prints nothing, if it doesn't (ratelimit not modelled: the
/// simulated clock is steps, and a teaching run wants every failure shown).
#[must_use]
pub fn warn_alloc_suppressed(gfp: Gfp, has_managed_dma: bool) -> Option<&'static str> {
    if gfp.contains(Gfp::NOWARN) {
        Some("__GFP_NOWARN")
    } else if gfp.contains(Gfp::DMA) && !has_managed_dma {
        Some("__GFP_DMA without a managed DMA zone")
    } else {
        None
    }
}

/// `__need_reclaim()` (mm/page_alloc.c): would this allocation enter reclaim as far as
/// lockdep's fs_reclaim annotation is concerned?
#[must_use]
pub const fn need_reclaim(gfp: Gfp, pf_memalloc: bool) -> bool {
    gfp.contains(Gfp::DIRECT_RECLAIM) && !pf_memalloc && !gfp.contains(Gfp::NOLOCKDEP)
}

/// The end of `kswapd_shrink_node()` (mm/vmscan.c:6813-6817, 6.12) and its use in
/// `balance_pgdat()` (:6996-6997): `order` drops to 0 once the run's `sc.nr_reclaimed`
/// (`run_before` + this round's `reclaimed`) reaches `compact_gap(order)`, and the
/// priority is not raised when `max(nr_scanned, reclaimed) >= nr_to_reclaim`.
/// Returns (raise_priority, next sc.order).
#[must_use]
pub fn kswapd_shrink_node_end(
    order: u32,
    nr_scanned: u64,
    reclaimed: u64,
    run_before: u64,
    nr_to_reclaim: u64,
) -> (bool, u32) {
    let next_order = if order > 0 && run_before + reclaimed >= compact_gap(order) {
        0
    } else {
        order
    };
    (nr_scanned.max(reclaimed) < nr_to_reclaim, next_order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reclaim_retry_resets_on_progress_for_small_orders() {
        let d = should_reclaim_retry(&ReclaimRetryInput {
            order: 0,
            did_some_progress: true,
            no_progress_loops: 9,
            zone_would_pass: vec![true],
        });
        assert_eq!(d.no_progress_loops, 0);
        assert!(d.retry);
    }

    #[test]
    fn reclaim_retry_costly_order_always_counts_no_progress() {
        let d = should_reclaim_retry(&ReclaimRetryInput {
            order: 4,
            did_some_progress: true,
            no_progress_loops: 3,
            zone_would_pass: vec![true],
        });
        assert_eq!(d.no_progress_loops, 4);
    }

    #[test]
    fn reclaim_retry_gives_up_after_max_reclaim_retries() {
        let d = should_reclaim_retry(&ReclaimRetryInput {
            order: 0,
            did_some_progress: false,
            no_progress_loops: MAX_RECLAIM_RETRIES,
            zone_would_pass: vec![true],
        });
        assert!(!d.retry);
        assert!(d.exhausted);
        let d = should_reclaim_retry(&ReclaimRetryInput {
            order: 0,
            did_some_progress: false,
            no_progress_loops: MAX_RECLAIM_RETRIES - 1,
            zone_would_pass: vec![false, true],
        });
        assert!(d.retry);
    }

    #[test]
    fn reclaim_retry_stops_when_no_zone_could_pass() {
        let d = should_reclaim_retry(&ReclaimRetryInput {
            order: 0,
            did_some_progress: true,
            no_progress_loops: 0,
            zone_would_pass: vec![false, false],
        });
        assert!(!d.retry);
        assert!(!d.exhausted);
    }

    #[test]
    fn compact_retry_success_costly_limited_to_four() {
        let mut inp = CompactRetryInput {
            order: 9,
            result: CompactResult::Success,
            priority: CompactPriority::SyncLight,
            retries: 0,
            zonelist_suitable: false,
        };
        let mut n = 0;
        loop {
            let d = should_compact_retry(&inp);
            if !d.retry {
                break;
            }
            n += 1;
            inp.retries = d.retries;
            inp.priority = d.priority;
        }
        assert_eq!(n, 4);
    }

    #[test]
    fn compact_retry_raises_priority_until_floor() {
        let inp = CompactRetryInput {
            order: 2,
            result: CompactResult::Complete,
            priority: CompactPriority::SyncLight,
            retries: 3,
            zonelist_suitable: false,
        };
        let d = should_compact_retry(&inp);
        assert!(d.retry);
        assert_eq!(d.priority, CompactPriority::SyncFull);
        assert_eq!(d.retries, 0);
        let d2 = should_compact_retry(&CompactRetryInput {
            priority: d.priority,
            ..inp
        });
        assert!(!d2.retry);
        // Costly orders stop at SYNC_LIGHT.
        let d3 = should_compact_retry(&CompactRetryInput { order: 5, ..inp });
        assert!(!d3.retry);
    }

    #[test]
    fn compact_retry_order_zero_never() {
        let d = should_compact_retry(&CompactRetryInput {
            order: 0,
            result: CompactResult::Success,
            priority: CompactPriority::Async,
            retries: 0,
            zonelist_suitable: true,
        });
        assert!(!d.retry);
    }

    #[test]
    fn oom_gates_in_kernel_order() {
        let n = ZoneType::Normal;
        assert!(oom_gate(Gfp::KERNEL, 0, n, false).is_none());
        let g = oom_gate(Gfp::NOFS, 0, n, false).unwrap();
        assert!(g.progress, "NOFS reports progress so the caller loops");
        assert_eq!(g.function, "out_of_memory");
        let g = oom_gate(Gfp::KERNEL, 4, n, false).unwrap();
        assert!(!g.progress);
        assert_eq!(g.condition, "order > PAGE_ALLOC_COSTLY_ORDER");
        assert_eq!(
            oom_gate(Gfp::KERNEL | Gfp::RETRY_MAYFAIL, 0, n, false)
                .unwrap()
                .condition,
            "gfp & __GFP_RETRY_MAYFAIL"
        );
        assert_eq!(
            oom_gate(Gfp::KERNEL | Gfp::THISNODE, 0, n, false)
                .unwrap()
                .condition,
            "gfp & __GFP_THISNODE"
        );
        assert_eq!(
            oom_gate(Gfp::KERNEL | Gfp::DMA, 0, ZoneType::Dma, false)
                .unwrap()
                .condition,
            "ac->highest_zoneidx < ZONE_NORMAL"
        );
        // Costly beats !__GFP_FS: a costly NOFS request fails instead of looping.
        assert!(!oom_gate(Gfp::NOFS, 4, n, false).unwrap().progress);
    }

    #[test]
    fn badness_adds_adj_in_totalpages_thousandths() {
        assert_eq!(oom_badness(1000, 10, 8192, 0, 100_000, false), Some(1012));
        assert_eq!(
            oom_badness(1000, 0, 0, 500, 100_000, false),
            Some(1000 + 500 * 100)
        );
        assert_eq!(oom_badness(1000, 0, 0, -1000, 100_000, false), None);
        assert_eq!(oom_badness(1000, 0, 0, 0, 100_000, true), None);
    }

    #[test]
    fn kvmalloc_adjust_adds_noretry_nowarn_and_drops_nofail_above_a_page() {
        assert_eq!(kmalloc_gfp_adjust(Gfp::KERNEL, 4096), Gfp::KERNEL);
        assert_eq!(
            kmalloc_gfp_adjust(Gfp::KERNEL | Gfp::NOFAIL, 65536),
            Gfp::KERNEL | Gfp::NOWARN | Gfp::NORETRY
        );
        assert_eq!(
            kmalloc_gfp_adjust(Gfp::KERNEL | Gfp::RETRY_MAYFAIL, 65536),
            Gfp::KERNEL | Gfp::RETRY_MAYFAIL | Gfp::NOWARN
        );
    }

    #[test]
    fn nofail_warnings_match_6_12_slowpath_checks() {
        assert!(nofail_warnings(Gfp::KERNEL, 0, true).is_empty());
        let w = nofail_warnings(Gfp::NOFS | Gfp::NOFAIL, 0, false);
        assert!(w.is_empty());
        let w = nofail_warnings(Gfp::ATOMIC | Gfp::NOFAIL, 2, true);
        let conds: Vec<_> = w.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            conds,
            [
                "order > 1",
                "!can_direct_reclaim",
                "current->flags & PF_MEMALLOC"
            ]
        );
    }

    #[test]
    fn shrink_plan_follows_do_shrink_slab() {
        // 4096 objects at priority 12: (4096 >> 12) * 4 / 2 = 2.
        assert_eq!(
            shrink_plan(4096, 0, 12, DEFAULT_SEEKS),
            ShrinkPlan {
                delta: 2,
                total_scan: 2
            }
        );
        // Deferred work adds deferred >> priority; capped at 2 × freeable.
        assert_eq!(shrink_plan(100, 1 << 20, 0, DEFAULT_SEEKS).total_scan, 200);
        assert_eq!(next_deferred(10, 50, 0, 1000), 60);
        assert_eq!(next_deferred(10, 50, 100, 1000), 0);
    }

    #[test]
    fn fragmentation_index_extremes() {
        assert_eq!(fragmentation_index(4, 100, 10, 1), -1000);
        assert_eq!(fragmentation_index(4, 0, 0, 0), 0);
        // 64 single free pages for an order-4 request: heavily fragmented.
        assert!(fragmentation_index(4, 64, 64, 0) > 900);
        // 8 free pages in 1 block for order 4: lack of memory.
        assert!(fragmentation_index(4, 8, 1, 0) <= EXTFRAG_THRESHOLD);
    }

    #[test]
    fn compaction_deferral_backs_off_exponentially() {
        let mut d = CompactDefer::default();
        d.reset(2, false);
        assert_eq!(d.order_failed, 3);
        d.defer(3);
        assert_eq!(d.defer_shift, 1);
        assert!(d.deferred(3)); // considered 1 < 2
        assert!(!d.deferred(3)); // considered 2 >= 2
        assert!(!d.deferred(2)); // below order_failed: never deferred
        for _ in 0..10 {
            d.defer(3);
        }
        assert_eq!(d.defer_shift, COMPACT_MAX_DEFER_SHIFT);
    }

    #[test]
    fn may_enter_fs_rules() {
        assert!(may_enter_fs(Gfp::KERNEL, false, false));
        assert!(!may_enter_fs(Gfp::NOFS, false, false));
        assert!(may_enter_fs(Gfp::NOFS, true, false));
        assert!(!may_enter_fs(Gfp::NOFS, true, true));
        assert!(!may_enter_fs(Gfp::NOIO, true, false));
    }

    #[test]
    fn direct_reclaim_throttle_threshold() {
        assert!(allow_direct_reclaim(0, 51, 100));
        assert!(!allow_direct_reclaim(0, 50, 100));
        assert!(allow_direct_reclaim(16, 0, 100));
        assert!(allow_direct_reclaim(0, 0, 0));
    }

    #[test]
    fn scan_balance_cases() {
        assert_eq!(
            scan_balance(true, 0, 5, 60, false, false),
            ScanBalance::File
        );
        assert_eq!(
            scan_balance(true, 10, 0, 60, false, true),
            ScanBalance::Equal
        );
        assert_eq!(scan_balance(true, 10, 3, 60, true, true), ScanBalance::Anon);
        assert_eq!(
            scan_balance(true, 10, 3, 60, false, false),
            ScanBalance::Fract
        );
        // mm/vmscan.c:2442-2446 (6.12): "If there is enough inactive page cache, we do
        // not reclaim anything from the anonymous working right now."
        assert_eq!(
            scan_balance(true, 10, 3, 60, false, true),
            ScanBalance::File
        );
    }

    #[test]
    fn need_reclaim_for_lockdep() {
        assert!(need_reclaim(Gfp::KERNEL, false));
        assert!(!need_reclaim(Gfp::KERNEL, true));
        assert!(!need_reclaim(Gfp::ATOMIC, false));
        assert!(!need_reclaim(Gfp::KERNEL | Gfp::NOLOCKDEP, false));
    }
}
