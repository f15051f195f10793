//! [`AllocEvent`]: one event per decision of the allocation path (issue 5).
//!
//! Every variant carries the inputs that decided it (masks, ALLOC_* flags, watermark and
//! free counts, retry counters, priorities) and names the Linux 6.12 function it models, so
//! that front ends draw decisions without re-deriving any rule. Multi-line kernel reports
//! (OOM report, lockdep splat, `warn_alloc`) are kept line by line in `report`; `text()`
//! is their first line.

use serde::{Serialize, Serializer};

use crate::gfp::{AllocFlags, Gfp};
use crate::view::{DecisionView, Stage};

/// Serialises a gfp mask as the hex string `gfpscope run --json` promises (`"0xcc0"`).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with takes &T
pub(crate) fn ser_gfp<S: Serializer>(g: &Gfp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{:#x}", g.0))
}

/// Serialises ALLOC_* flags as a hex string.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with takes &T
pub(crate) fn ser_alloc_flags<S: Serializer>(f: &AllocFlags, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{:#x}", f.0))
}

/// Which `get_page_from_freelist()` call of the allocation path this was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attempt {
    /// `__alloc_pages_noprof()`: first attempt at ALLOC_WMARK_LOW.
    Fast,
    /// Slow path, right after `gfp_to_alloc_flags()` (WMARK_MIN ± reserves).
    Slowpath,
    /// Slow path `retry:` label, possibly with reserve flags.
    Retry,
    /// After direct reclaim (`__alloc_pages_direct_reclaim`).
    AfterReclaim,
    /// After draining pcp lists and unreserving highatomic blocks.
    AfterDrain,
    /// After direct compaction (`__alloc_pages_direct_compact`).
    AfterCompaction,
    /// `__alloc_pages_may_oom()` last-chance attempt at ALLOC_WMARK_HIGH.
    OomLastChance,
    /// `__alloc_pages_cpuset_fallback()` for `__GFP_NOFAIL`.
    NofailFallback,
}

impl Attempt {
    /// Short label used in text and decision views.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Attempt::Fast => "fast path",
            Attempt::Slowpath => "slow path first attempt",
            Attempt::Retry => "retry",
            Attempt::AfterReclaim => "after direct reclaim",
            Attempt::AfterDrain => "after drain_all_pages",
            Attempt::AfterCompaction => "after direct compaction",
            Attempt::OomLastChance => "OOM last chance (high watermark)",
            Attempt::NofailFallback => "__GFP_NOFAIL fallback",
        }
    }
}

/// The watermark check of one zone during a zonelist walk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneCheck {
    /// Kernel zone name ("Normal").
    pub zone: &'static str,
    /// Free pages in the zone.
    pub free: u64,
    /// Watermark compared against (pages, boost included), 0 with ALLOC_NO_WATERMARKS.
    pub mark: u64,
    /// `lowmem_reserve[highest_zoneidx]` of this zone.
    pub reserve: u64,
    /// Whether `zone_watermark_fast()` passed (or was skipped by ALLOC_NO_WATERMARKS).
    pub ok: bool,
}

/// Compaction outcome, the classes `__alloc_pages_direct_compact` distinguishes (§5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompactResult {
    /// `COMPACT_NOT_SUITABLE_ZONE`: fragmentation index says "lack of memory". In 6.12
    /// only `trace_mm_compaction_suitable` sees it; `compact_zone_order()` returns
    /// `COMPACT_SKIPPED` then (mm/compaction.c:2502-2503), so the engine never emits it.
    NotSuitableZone,
    /// `COMPACT_SKIPPED`: not enough free order-0 pages (reclaim first), or not allowed.
    Skipped,
    /// `COMPACT_DEFERRED`: recently failed at this order.
    Deferred,
    /// `COMPACT_COMPLETE`: scanned the whole zone, no block assembled (failed).
    Complete,
    /// `COMPACT_SUCCESS`: a free block of the order now exists.
    Success,
}

impl CompactResult {
    /// Kernel enum name.
    #[must_use]
    pub const fn kernel_name(self) -> &'static str {
        match self {
            CompactResult::NotSuitableZone => "COMPACT_NOT_SUITABLE_ZONE",
            CompactResult::Skipped => "COMPACT_SKIPPED",
            CompactResult::Deferred => "COMPACT_DEFERRED",
            CompactResult::Complete => "COMPACT_COMPLETE",
            CompactResult::Success => "COMPACT_SUCCESS",
        }
    }
}

/// `enum compact_priority` (include/linux/compaction.h, 6.12). Lower is more aggressive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompactPriority {
    /// `COMPACT_PRIO_SYNC_FULL` = `MIN_COMPACT_PRIORITY`.
    SyncFull = 0,
    /// `COMPACT_PRIO_SYNC_LIGHT` = `DEF_COMPACT_PRIORITY` = `MIN_COMPACT_COSTLY_PRIORITY`.
    SyncLight = 1,
    /// `COMPACT_PRIO_ASYNC` = `INIT_COMPACT_PRIORITY`.
    Async = 2,
}

impl CompactPriority {
    /// Kernel enum name.
    #[must_use]
    pub const fn kernel_name(self) -> &'static str {
        match self {
            CompactPriority::SyncFull => "COMPACT_PRIO_SYNC_FULL",
            CompactPriority::SyncLight => "COMPACT_PRIO_SYNC_LIGHT",
            CompactPriority::Async => "COMPACT_PRIO_ASYNC",
        }
    }
}

/// What one reclaim pass did, by page type (`shrink_folio_list` outcomes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReclaimStats {
    /// Pages taken off the inactive lists and looked at.
    pub scanned: u64,
    /// Pages freed in total (LRU + slab).
    pub reclaimed: u64,
    /// Clean page-cache pages dropped.
    pub file_clean: u64,
    /// Anonymous pages written to swap and freed.
    pub anon_swapped: u64,
    /// Dirty file pages written by kswapd's `pageout()`.
    pub file_written: u64,
    /// Dirty file pages marked PG_reclaim and activated (left to the flusher).
    pub dirty_activated: u64,
    /// Pages under writeback skipped.
    pub writeback_skipped: u64,
    /// Referenced pages moved back to the active list.
    pub activated: u64,
    /// Active pages deactivated to refill the inactive lists.
    pub deactivated: u64,
    /// Pages freed by slab shrinkers.
    pub slab_pages: u64,
    /// Objects freed by slab shrinkers.
    pub slab_objects: u64,
}

/// Bug classes this module reports (`bug` events).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BugKind {
    /// `BUG: sleeping function called from invalid context`.
    SleepInAtomic,
    /// lockdep: fs_reclaim ↔ a lock filesystem reclaim takes.
    FsReclaimRecursion,
    /// Reclaim would issue I/O to a runtime-suspended device this task is resuming.
    NoioResumeDeadlock,
    /// `Kernel panic - not syncing: System is deadlocked on memory`.
    OomPanic,
}

impl BugKind {
    /// snake_case name (also the serde name).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            BugKind::SleepInAtomic => "sleep_in_atomic",
            BugKind::FsReclaimRecursion => "fs_reclaim_recursion",
            BugKind::NoioResumeDeadlock => "noio_resume_deadlock",
            BugKind::OomPanic => "oom_panic",
        }
    }
}

/// One decision or observable action of the allocation path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AllocEvent {
    /// An allocation API was called (kind `alloc`).
    Alloc {
        api: &'static str,
        function: String,
        line: u32,
        size: Option<u64>,
        order: u32,
        #[serde(serialize_with = "ser_gfp")]
        requested_gfp: Gfp,
        /// After `current_gfp_context()`.
        #[serde(serialize_with = "ser_gfp")]
        effective_gfp: Gfp,
        /// Slab cache, for slab allocations.
        cache: Option<String>,
    },
    /// A layer rewrote the mask (kmalloc_gfp_adjust, allocate_slab, large kmalloc, vmalloc).
    GfpAdjust {
        function: &'static str,
        #[serde(serialize_with = "ser_gfp")]
        from: Gfp,
        #[serde(serialize_with = "ser_gfp")]
        to: Gfp,
        why: String,
    },
    /// One `get_page_from_freelist()` zonelist walk.
    Freelist {
        attempt: Attempt,
        order: u32,
        #[serde(serialize_with = "ser_gfp")]
        gfp: Gfp,
        #[serde(serialize_with = "ser_alloc_flags")]
        alloc_flags: AllocFlags,
        zones: Vec<ZoneCheck>,
        /// Zone and pfn of the page taken, if any.
        zone: Option<&'static str>,
        pfn: Option<u64>,
    },
    /// `gfp_to_alloc_flags()` at the start of the slow path.
    AllocFlags {
        order: u32,
        #[serde(serialize_with = "ser_gfp")]
        gfp: Gfp,
        #[serde(serialize_with = "ser_alloc_flags")]
        alloc_flags: AllocFlags,
        why: String,
    },
    /// `wake_all_kswapds()` → `wakeup_kswapd()`.
    KswapdWake {
        node: u32,
        order: u32,
        highest_zone: &'static str,
        #[serde(serialize_with = "ser_gfp")]
        gfp: Gfp,
        woken: bool,
        why: String,
    },
    /// `__gfp_pfmemalloc_flags()` decided about full-reserve access at `retry:`.
    Reserves {
        #[serde(serialize_with = "ser_alloc_flags")]
        reserve_flags: AllocFlags,
        granted: bool,
        why: String,
    },
    /// An opportunity not taken: what was skipped and the missing flag/condition.
    ReclaimSkip {
        function: &'static str,
        what: &'static str,
        missing_flag: &'static str,
        /// Pages or objects this applied to in the pass (0 when not countable).
        count: u64,
    },
    /// Direct reclaim begins (`__perform_reclaim` → `try_to_free_pages`).
    DirectReclaim {
        order: u32,
        /// `sc.gfp_mask` = `current_gfp_context(gfp)`.
        #[serde(serialize_with = "ser_gfp")]
        gfp: Gfp,
        nr_to_reclaim: u64,
        /// Whether lockdep's fs_reclaim map is acquired (`__GFP_FS`).
        fs_reclaim: bool,
    },
    /// A reclaim pass ended (direct reclaim or one kswapd round).
    ReclaimResult {
        function: &'static str,
        /// Lowest priority reached (DEF_PRIORITY = 12 … 0).
        priority: u32,
        stats: ReclaimStats,
        progress: bool,
    },
    /// `throttle_direct_reclaim()` throttled this reclaimer.
    Throttle {
        #[serde(serialize_with = "ser_gfp")]
        gfp: Gfp,
        free: u64,
        /// Σ min watermarks of zones ≤ NORMAL (`pfmemalloc_reserve`).
        reserve: u64,
        /// "HZ, interruptible (!__GFP_FS)" or "killable, until kswapd catches up".
        wait: &'static str,
        /// kswapd rounds run while waiting.
        kswapd_rounds: u32,
    },
    /// `do_shrink_slab()` for one shrinker.
    ShrinkSlab {
        shrinker: String,
        #[serde(serialize_with = "ser_gfp")]
        gfp: Gfp,
        priority: u32,
        freeable: u64,
        delta: u64,
        total_scan: u64,
        freed: u64,
        deferred_before: u64,
        deferred_after: u64,
        /// `Some(reason)` when `scan_objects` returned SHRINK_STOP.
        stopped: Option<&'static str>,
    },
    /// Direct compaction ran or was refused.
    Compaction {
        function: &'static str,
        order: u32,
        priority: CompactPriority,
        result: CompactResult,
        zone: Option<&'static str>,
        /// Movable pages migrated.
        migrated: u64,
        why: String,
    },
    /// `should_reclaim_retry()`.
    ReclaimRetry {
        order: u32,
        did_progress: bool,
        no_progress_loops: u32,
        retry: bool,
        why: String,
    },
    /// `should_compact_retry()`.
    CompactRetry {
        order: u32,
        result: CompactResult,
        priority: CompactPriority,
        retries: u32,
        retry: bool,
        why: String,
    },
    /// The OOM killer was not used, and why.
    OomSkip {
        function: &'static str,
        reason: String,
        /// The deciding condition in kernel terms.
        condition: &'static str,
        /// Whether the caller is told "progress" (so it loops) — the !__GFP_FS case.
        progress: bool,
    },
    /// The OOM killer killed a process (report = the kernel's full report).
    OomKill {
        victim_pid: u32,
        victim_comm: String,
        points: i64,
        freed_pages: u64,
        report: Vec<String>,
    },
    /// The slow path reached `nopage:`.
    Nopage {
        reason: String,
        condition: &'static str,
    },
    /// The allocation succeeded.
    AllocOk {
        api: &'static str,
        order: u32,
        zone: &'static str,
        pfn: u64,
        addr: u64,
        /// `page->pfmemalloc`: taken with ALLOC_NO_WATERMARKS.
        pfmemalloc: bool,
    },
    /// The allocation failed; `report` is `warn_alloc()` output (empty when suppressed).
    AllocFail {
        api: &'static str,
        order: u32,
        #[serde(serialize_with = "ser_gfp")]
        gfp: Gfp,
        suppressed: Option<&'static str>,
        report: Vec<String>,
    },
    /// A kernel `WARN_ON_ONCE` fired (e.g. the 6.12 `__GFP_NOFAIL` checks).
    Warning {
        function: &'static str,
        condition: &'static str,
        text: String,
    },
    /// A kernel BUG/lockdep/panic report.
    Bug { bug: BugKind, report: Vec<String> },
    /// A hazard the context flags exist to prevent, noticed before it bites.
    Hazard { hazard: &'static str, text: String },
    /// The task cannot continue: it would loop forever or deadlock.
    TaskStopped {
        verdict: &'static str,
        text: String,
        /// The would-be cycle, one edge per entry.
        cycle: Vec<String>,
    },
    /// One kswapd `balance_pgdat()` round.
    Kswapd {
        node: u32,
        order: u32,
        priority: u32,
        reclaimed: u64,
        balanced: bool,
        failures: u32,
        sleeping: bool,
    },
    /// Memory was freed.
    Free {
        api: &'static str,
        addr: u64,
        order: u32,
        pages: u64,
    },
    /// SLUB's `slab_out_of_memory()` report.
    SlubOom { report: Vec<String> },
    /// A scope entered or left by the allocator itself (vmalloc page tables).
    ScopeSave {
        api: &'static str,
        by: &'static str,
        flags: u32,
    },
    /// The matching restore.
    ScopeRestore {
        api: &'static str,
        by: &'static str,
        flags: u32,
    },
    /// A background task acted.
    Background {
        task: String,
        action: &'static str,
        pages: u64,
    },
    /// Flusher/writeback progress.
    Writeback { started: u64, completed: u64 },
}

fn gfp_str(g: Gfp) -> String {
    super::gfp_text(g)
}

fn opt_fmt(v: Option<u64>) -> String {
    v.map_or_else(String::new, |s| format!(" size={s}"))
}

impl AllocEvent {
    /// The snake_case kind (same as the serde tag and `gfpscope run --json`).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            AllocEvent::Alloc { .. } => "alloc",
            AllocEvent::GfpAdjust { .. } => "gfp_adjust",
            AllocEvent::Freelist { .. } => "freelist",
            AllocEvent::AllocFlags { .. } => "alloc_flags",
            AllocEvent::KswapdWake { .. } => "kswapd_wake",
            AllocEvent::Reserves { .. } => "reserves",
            AllocEvent::ReclaimSkip { .. } => "reclaim_skip",
            AllocEvent::DirectReclaim { .. } => "direct_reclaim",
            AllocEvent::ReclaimResult { .. } => "reclaim_result",
            AllocEvent::Throttle { .. } => "throttle",
            AllocEvent::ShrinkSlab { .. } => "shrink_slab",
            AllocEvent::Compaction { .. } => "compaction",
            AllocEvent::ReclaimRetry { .. } => "reclaim_retry",
            AllocEvent::CompactRetry { .. } => "compact_retry",
            AllocEvent::OomSkip { .. } => "oom_skip",
            AllocEvent::OomKill { .. } => "oom_kill",
            AllocEvent::Nopage { .. } => "nopage",
            AllocEvent::AllocOk { .. } => "alloc_ok",
            AllocEvent::AllocFail { .. } => "alloc_fail",
            AllocEvent::Warning { .. } => "warning",
            AllocEvent::Bug { .. } => "bug",
            AllocEvent::Hazard { .. } => "hazard",
            AllocEvent::TaskStopped { .. } => "task_stopped",
            AllocEvent::Kswapd { .. } => "kswapd",
            AllocEvent::Free { .. } => "free",
            AllocEvent::SlubOom { .. } => "slub_oom",
            AllocEvent::ScopeSave { .. } => "scope_save",
            AllocEvent::ScopeRestore { .. } => "scope_restore",
            AllocEvent::Background { .. } => "background",
            AllocEvent::Writeback { .. } => "writeback",
        }
    }

    /// The kernel function this event models.
    #[must_use]
    pub fn function(&self) -> &'static str {
        match self {
            AllocEvent::Alloc { api, .. }
            | AllocEvent::AllocOk { api, .. }
            | AllocEvent::Free { api, .. } => api,
            AllocEvent::GfpAdjust { function, .. }
            | AllocEvent::ReclaimSkip { function, .. }
            | AllocEvent::ReclaimResult { function, .. }
            | AllocEvent::Compaction { function, .. }
            | AllocEvent::OomSkip { function, .. }
            | AllocEvent::Warning { function, .. } => function,
            AllocEvent::Freelist { .. } => "get_page_from_freelist",
            AllocEvent::AllocFlags { .. } => "gfp_to_alloc_flags",
            AllocEvent::KswapdWake { .. } => "wakeup_kswapd",
            AllocEvent::Reserves { .. } => "__gfp_pfmemalloc_flags",
            AllocEvent::DirectReclaim { .. } => "__perform_reclaim",
            AllocEvent::Throttle { .. } => "throttle_direct_reclaim",
            AllocEvent::ShrinkSlab { .. } => "do_shrink_slab",
            AllocEvent::ReclaimRetry { .. } => "should_reclaim_retry",
            AllocEvent::CompactRetry { .. } => "should_compact_retry",
            AllocEvent::OomKill { .. } => "out_of_memory",
            AllocEvent::Nopage { .. } | AllocEvent::TaskStopped { .. } => "__alloc_pages_slowpath",
            AllocEvent::AllocFail { .. } => "warn_alloc",
            AllocEvent::Bug { bug, .. } => match bug {
                BugKind::SleepInAtomic => "__might_resched",
                BugKind::FsReclaimRecursion => "fs_reclaim_acquire",
                BugKind::NoioResumeDeadlock => "shrink_folio_list",
                BugKind::OomPanic => "out_of_memory",
            },
            AllocEvent::Hazard { .. } => "might_alloc",
            AllocEvent::Kswapd { .. } => "balance_pgdat",
            AllocEvent::SlubOom { .. } => "slab_out_of_memory",
            AllocEvent::ScopeSave { .. } | AllocEvent::ScopeRestore { .. } => "__vmalloc_area_node",
            AllocEvent::Background { .. } => "background",
            AllocEvent::Writeback { .. } => "wb_workfn",
        }
    }

    /// The multi-line kernel report this event carries, if any.
    #[must_use]
    pub fn report(&self) -> &[String] {
        match self {
            AllocEvent::OomKill { report, .. }
            | AllocEvent::AllocFail { report, .. }
            | AllocEvent::Bug { report, .. }
            | AllocEvent::SlubOom { report } => report,
            _ => &[],
        }
    }

    /// One line of text; kernel-format messages verbatim.
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            AllocEvent::Alloc {
                api,
                size,
                order,
                requested_gfp,
                effective_gfp,
                cache,
                ..
            } => {
                let cache = cache
                    .as_ref()
                    .map_or_else(String::new, |c| format!(" cache={c}"));
                let eff = if requested_gfp == effective_gfp {
                    String::new()
                } else {
                    format!(" → effective {}", gfp_str(*effective_gfp))
                };
                format!(
                    "{api}({}){}{cache} order={order}{eff}",
                    gfp_str(*requested_gfp),
                    opt_fmt(*size)
                )
            }
            AllocEvent::GfpAdjust {
                function,
                from,
                to,
                why,
            } => format!("{function}: {} → {} ({why})", gfp_str(*from), gfp_str(*to)),
            AllocEvent::Freelist {
                attempt,
                order,
                alloc_flags,
                zones,
                zone,
                pfn,
                ..
            } => {
                let checks: Vec<String> = zones
                    .iter()
                    .map(|z| {
                        if alloc_flags.contains(AllocFlags::NO_WATERMARKS) {
                            format!("{} free={} (no watermarks)", z.zone, z.free)
                        } else {
                            format!(
                                "{} free={} mark={}+{} {}",
                                z.zone,
                                z.free,
                                z.mark,
                                z.reserve,
                                if z.ok { "ok" } else { "fail" }
                            )
                        }
                    })
                    .collect();
                let res = match (zone, pfn) {
                    (Some(z), Some(p)) => format!("page pfn {p:#x} from {z}"),
                    _ => "no page".to_string(),
                };
                format!(
                    "get_page_from_freelist [{}] order={order} alloc_flags={}: {} → {res}",
                    attempt.label(),
                    super::alloc_flags_text(*alloc_flags),
                    checks.join(", ")
                )
            }
            AllocEvent::AllocFlags {
                order,
                gfp,
                alloc_flags,
                why,
            } => format!(
                "gfp_to_alloc_flags({}, order={order}) = {} ({why})",
                gfp_str(*gfp),
                super::alloc_flags_text(*alloc_flags)
            ),
            AllocEvent::KswapdWake {
                node,
                order,
                highest_zone,
                gfp,
                woken,
                why,
            } => {
                if *woken {
                    format!(
                        "mm_vmscan_wakeup_kswapd: nid={node} order={order} gfp_flags={} (highest zone {highest_zone})",
                        super::gfp_names(*gfp)
                    )
                } else {
                    format!("wakeup_kswapd: kswapd{node} not woken: {why}")
                }
            }
            AllocEvent::Reserves {
                reserve_flags,
                granted,
                why,
            } => {
                if *granted {
                    format!(
                        "__gfp_pfmemalloc_flags = {}: {why}",
                        super::alloc_flags_text(*reserve_flags)
                    )
                } else {
                    format!("__gfp_pfmemalloc_flags = 0: {why}")
                }
            }
            AllocEvent::ReclaimSkip {
                function,
                what,
                missing_flag,
                count,
            } => {
                let n = if *count > 0 {
                    format!(" ({count})")
                } else {
                    String::new()
                };
                format!("{function}: skipped {what}{n}: {missing_flag}")
            }
            AllocEvent::DirectReclaim {
                order,
                gfp,
                nr_to_reclaim,
                fs_reclaim,
            } => format!(
                "mm_vmscan_direct_reclaim_begin: order={order} gfp_flags={} (nr_to_reclaim={nr_to_reclaim}, PF_MEMALLOC set{})",
                super::gfp_names(*gfp),
                if *fs_reclaim { ", fs_reclaim held" } else { "" }
            ),
            AllocEvent::ReclaimResult {
                function,
                priority,
                stats,
                ..
            } => format!(
                "{function}: nr_reclaimed={} (scanned {}, clean cache {}, swapped {}, written {}, dirty→flusher {}, writeback {}, slab {} pages / {} objects) at priority {priority}",
                stats.reclaimed,
                stats.scanned,
                stats.file_clean,
                stats.anon_swapped,
                stats.file_written,
                stats.dirty_activated,
                stats.writeback_skipped,
                stats.slab_pages,
                stats.slab_objects
            ),
            AllocEvent::Throttle {
                free,
                reserve,
                wait,
                kswapd_rounds,
                ..
            } => format!(
                "throttle_direct_reclaim: free {free} ≤ pfmemalloc_reserve/2 ({}); waiting {wait}; kswapd ran {kswapd_rounds} round(s)",
                reserve / 2
            ),
            AllocEvent::ShrinkSlab {
                shrinker,
                freeable,
                total_scan,
                freed,
                deferred_after,
                stopped,
                ..
            } => match stopped {
                Some(why) => format!(
                    "do_shrink_slab {shrinker}: SHRINK_STOP ({why}); freeable={freeable}, nr_deferred now {deferred_after}"
                ),
                None => format!(
                    "do_shrink_slab {shrinker}: freeable={freeable} total_scan={total_scan} freed={freed} nr_deferred={deferred_after}"
                ),
            },
            AllocEvent::Compaction {
                function,
                order,
                priority,
                result,
                zone,
                migrated,
                why,
            } => format!(
                "{function}: order={order} {} → {}{}{} ({why})",
                priority.kernel_name(),
                result.kernel_name(),
                zone.map_or_else(String::new, |z| format!(" in {z}")),
                if *migrated > 0 {
                    format!(", migrated {migrated} pages")
                } else {
                    String::new()
                }
            ),
            AllocEvent::ReclaimRetry {
                no_progress_loops,
                retry,
                why,
                ..
            } => format!(
                "should_reclaim_retry: {} (no_progress_loops={no_progress_loops}; {why})",
                if *retry { "retry" } else { "give up" }
            ),
            AllocEvent::CompactRetry {
                result,
                priority,
                retries,
                retry,
                why,
                ..
            } => format!(
                "should_compact_retry: {} (last {}, {}, compaction_retries={retries}; {why})",
                if *retry { "retry" } else { "no" },
                result.kernel_name(),
                priority.kernel_name()
            ),
            AllocEvent::OomSkip {
                function, reason, ..
            } => format!("{function}: OOM killer not invoked: {reason}"),
            AllocEvent::OomKill { report, .. } => report
                .iter()
                .find(|l| l.starts_with("Out of memory"))
                .cloned()
                .unwrap_or_default(),
            AllocEvent::Nopage { reason, .. } => {
                format!("__alloc_pages_slowpath: nopage: {reason}")
            }
            AllocEvent::AllocOk {
                api,
                order,
                zone,
                pfn,
                addr,
                pfmemalloc,
            } => format!(
                "{api}: ok, order={order} pfn {pfn:#x} ({zone}) = {addr:#x}{}",
                if *pfmemalloc { " [pfmemalloc]" } else { "" }
            ),
            AllocEvent::AllocFail {
                api,
                order,
                gfp,
                suppressed,
                report,
            } => match (report.first(), suppressed) {
                (Some(first), _) => first.clone(),
                (None, Some(why)) => format!(
                    "{api}: order:{order} allocation failed, mode:{} (no warning: {why})",
                    gfp_str(*gfp)
                ),
                (None, None) => format!("{api}: order:{order} allocation failed"),
            },
            AllocEvent::Warning { text, .. } | AllocEvent::Hazard { text, .. } => text.clone(),
            // The report's headline: lockdep's starts with a rule of '=' characters.
            AllocEvent::Bug { report, .. } | AllocEvent::SlubOom { report } => report
                .iter()
                .find(|l| l.chars().any(char::is_alphanumeric))
                .cloned()
                .unwrap_or_default(),
            AllocEvent::TaskStopped { verdict, text, .. } => {
                format!("task stopped ({verdict}): {text}")
            }
            AllocEvent::Kswapd {
                node,
                order,
                priority,
                reclaimed,
                balanced,
                failures,
                sleeping,
            } => format!(
                "kswapd{node}: balance_pgdat order={order} priority={priority} reclaimed {reclaimed}; {}{}",
                if *balanced {
                    "node balanced (high watermark met)"
                } else {
                    "not balanced"
                },
                if *sleeping {
                    format!(", kswapd sleeps (kswapd_failures={failures})")
                } else {
                    String::new()
                }
            ),
            AllocEvent::Free {
                api,
                addr,
                order,
                pages,
            } => format!("{api}({addr:#x}): order={order}, {pages} page(s) back"),
            AllocEvent::ScopeSave { api, by, flags } => {
                format!(
                    "{by}: {api}() = {flags:#x} (page-table allocations obey the caller's gfp through a scope)"
                )
            }
            AllocEvent::ScopeRestore { api, by, flags } => format!("{by}: {api}({flags:#x})"),
            AllocEvent::Background {
                task,
                action,
                pages,
            } => format!("{task}: {action} ({pages} pages)"),
            AllocEvent::Writeback { started, completed } => format!(
                "flusher: writeback started on {started} dirty page(s), {completed} completed"
            ),
        }
    }

    /// The decision-diagram entry for this event, if it is a slow-path decision.
    #[must_use]
    pub fn decision(&self) -> Option<DecisionView> {
        let d = |stage: Stage, taken: bool, function: &str, condition: &str, detail: String| {
            Some(DecisionView {
                stage,
                taken,
                function: function.to_string(),
                condition: condition.to_string(),
                detail,
            })
        };
        match self {
            AllocEvent::Freelist {
                attempt,
                zone,
                alloc_flags,
                ..
            } => {
                let stage = match attempt {
                    Attempt::Fast => Stage::FastPath,
                    Attempt::AfterReclaim | Attempt::AfterDrain => Stage::DirectReclaim,
                    Attempt::AfterCompaction => Stage::Compaction,
                    Attempt::OomLastChance => Stage::Oom,
                    Attempt::Slowpath | Attempt::Retry | Attempt::NofailFallback => {
                        if alloc_flags.intersects(AllocFlags::RESERVES)
                            || alloc_flags.contains(AllocFlags::NO_WATERMARKS)
                        {
                            Stage::Reserves
                        } else {
                            Stage::Retry
                        }
                    }
                };
                let cond = match alloc_flags.wmark() {
                    _ if alloc_flags.contains(AllocFlags::NO_WATERMARKS) => {
                        "ALLOC_NO_WATERMARKS: no watermark check"
                    }
                    0 => "free > min watermark (+ reserves) + lowmem_reserve",
                    1 => "free > low watermark + lowmem_reserve",
                    _ => "free > high watermark + lowmem_reserve",
                };
                d(
                    stage,
                    zone.is_some(),
                    "get_page_from_freelist",
                    cond,
                    self.text(),
                )
            }
            // Lit only when gfp_to_alloc_flags() actually granted reserve access.
            AllocEvent::AllocFlags { alloc_flags, .. } => d(
                Stage::Reserves,
                alloc_flags.intersects(AllocFlags::RESERVES),
                "gfp_to_alloc_flags",
                "__GFP_HIGH (or an RT task that can reclaim) → ALLOC_MIN_RESERVE; !__GFP_DIRECT_RECLAIM && !__GFP_NOMEMALLOC → ALLOC_NON_BLOCK",
                self.text(),
            ),
            AllocEvent::KswapdWake { woken, .. } => d(
                Stage::KswapdWake,
                *woken,
                "wakeup_kswapd",
                "gfp & __GFP_KSWAPD_RECLAIM, node not balanced",
                self.text(),
            ),
            AllocEvent::Reserves { granted, .. } => d(
                Stage::Reserves,
                *granted,
                "__gfp_pfmemalloc_flags",
                "__GFP_MEMALLOC, or PF_MEMALLOC in task context or while serving a softirq → ALLOC_NO_WATERMARKS; OOM victim → ALLOC_OOM; never with __GFP_NOMEMALLOC",
                self.text(),
            ),
            AllocEvent::ReclaimSkip {
                function,
                missing_flag,
                what,
                ..
            } => {
                let stage = if what.contains("compaction") {
                    Stage::Compaction
                } else if what.contains("direct reclaim") {
                    Stage::DirectReclaim
                } else if what.contains("kswapd") {
                    Stage::KswapdWake
                } else {
                    Stage::DirectReclaim
                };
                d(stage, false, function, missing_flag, self.text())
            }
            AllocEvent::DirectReclaim { .. } => d(
                Stage::DirectReclaim,
                true,
                "__alloc_pages_direct_reclaim",
                "gfp & __GFP_DIRECT_RECLAIM && !(current->flags & PF_MEMALLOC)",
                self.text(),
            ),
            AllocEvent::ReclaimResult {
                progress, function, ..
            } => d(
                Stage::DirectReclaim,
                *progress,
                function,
                "nr_reclaimed > 0",
                self.text(),
            ),
            AllocEvent::Throttle { .. } => d(
                Stage::DirectReclaim,
                true,
                "throttle_direct_reclaim",
                "free ≤ ½ Σ min watermarks (allow_direct_reclaim)",
                self.text(),
            ),
            AllocEvent::ShrinkSlab { stopped, .. } => d(
                Stage::DirectReclaim,
                stopped.is_none(),
                "do_shrink_slab",
                if stopped.is_some() {
                    "scan_objects returned SHRINK_STOP"
                } else {
                    "freeable > 0"
                },
                self.text(),
            ),
            AllocEvent::Compaction {
                result, function, ..
            } => d(
                Stage::Compaction,
                !matches!(result, CompactResult::Skipped | CompactResult::Deferred),
                function,
                "order > 0 && gfp_compaction_allowed(gfp) (__GFP_IO)",
                self.text(),
            ),
            AllocEvent::ReclaimRetry { retry, .. } => d(
                Stage::Retry,
                *retry,
                "should_reclaim_retry",
                "no_progress_loops ≤ MAX_RECLAIM_RETRIES && a zone would pass min with all reclaimable pages",
                self.text(),
            ),
            AllocEvent::CompactRetry { retry, .. } => d(
                Stage::Retry,
                *retry,
                "should_compact_retry",
                "SKIPPED: retry if reclaim can help; SUCCESS: retries ≤ MAX_COMPACT_RETRIES (¼ if order > 3); else raise the priority if possible",
                self.text(),
            ),
            AllocEvent::OomSkip {
                function,
                condition,
                ..
            } => d(Stage::Oom, false, function, condition, self.text()),
            AllocEvent::OomKill { .. } => d(
                Stage::Oom,
                true,
                "out_of_memory",
                "order ≤ 3, __GFP_FS, !__GFP_RETRY_MAYFAIL, !__GFP_THISNODE, highest zone ≥ NORMAL",
                self.text(),
            ),
            AllocEvent::Nopage { condition, .. } => d(
                Stage::Nopage,
                true,
                "__alloc_pages_slowpath",
                condition,
                self.text(),
            ),
            AllocEvent::AllocOk { .. } => d(
                Stage::Success,
                true,
                "__alloc_pages_noprof",
                "a zone passed its watermark",
                self.text(),
            ),
            AllocEvent::AllocFail { .. } => d(
                Stage::Fail,
                true,
                "warn_alloc",
                "!(gfp & __GFP_NOWARN) prints the warning",
                self.text(),
            ),
            AllocEvent::Warning {
                function,
                condition,
                ..
            } => d(Stage::Hazard, true, function, condition, self.text()),
            AllocEvent::Bug { .. } | AllocEvent::Hazard { .. } => d(
                Stage::Hazard,
                true,
                self.function(),
                "context check",
                self.text(),
            ),
            AllocEvent::TaskStopped { .. } => d(
                Stage::Fail,
                true,
                "__alloc_pages_slowpath",
                "the kernel would never return from this call",
                self.text(),
            ),
            _ => None,
        }
    }
}
