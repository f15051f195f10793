//! The page allocator: `get_page_from_freelist()` and `__alloc_pages_slowpath()` in
//! Linux 6.12 order (mm/page_alloc.c; §5.4–§5.10), with kswapd wakeups.

use crate::event::EventSink;
use crate::gfp::{AllocFlags, Gfp, MigrateType, ZoneType};
use crate::mem::{Pfn, Wmark, ZoneId};
use crate::task::TaskFlags;

use super::entry::Current;
use super::event::{AllocEvent, Attempt, CompactPriority, CompactResult, ZoneCheck};
use super::glue;
use super::kernel::{Kernel, emit};
use super::report;
use super::rules::{self, ReclaimRetryInput};

/// The allocation context (`struct alloc_context`).
#[derive(Clone, Debug)]
pub(crate) struct Ac {
    pub(crate) gfp: Gfp,
    pub(crate) order: u32,
    pub(crate) highest: ZoneType,
    pub(crate) zonelist: Vec<ZoneId>,
    pub(crate) migratetype: MigrateType,
}

/// A page the allocator handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Got {
    pub(crate) pfn: u64,
    pub(crate) zone: ZoneId,
    pub(crate) pfmemalloc: bool,
}

/// How a page allocation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PageOutcome {
    Page(Got),
    /// Failed: `warn_alloc` is the caller's to print (it knows the message).
    Fail,
    /// The task cannot continue (verdict already emitted).
    Stopped,
}

/// Why the slow path went to `nopage:`.
struct Nopage {
    reason: String,
    condition: &'static str,
}

impl Kernel {
    /// Builds the allocation context for an effective mask (`prepare_alloc_pages`).
    pub(crate) fn make_ac(&self, gfp: Gfp, order: u32) -> Ac {
        let highest = glue::gfp_zone(gfp, &self.mem);
        Ac {
            gfp,
            order,
            highest,
            zonelist: glue::zonelist(&self.mem, 0, highest),
            migratetype: glue::gfp_migratetype(gfp),
        }
    }

    /// `get_page_from_freelist()`: walk the zonelist, check each zone's watermark
    /// (`zone_watermark_fast`), take a page with `rmqueue`. ALLOC_NOFRAGMENT is dropped
    /// and the walk repeated when every zone failed with it.
    pub(crate) fn get_page_from_freelist(
        &mut self,
        ac: &Ac,
        gfp: Gfp,
        alloc_flags: AllocFlags,
        attempt: Attempt,
        sink: &mut dyn EventSink,
    ) -> Option<Got> {
        let mut flags = alloc_flags;
        loop {
            let no_fallback = flags.contains(AllocFlags::NOFRAGMENT);
            let mut checks = Vec::with_capacity(ac.zonelist.len());
            for &zid in &ac.zonelist {
                let Some(zone) = self.mem.zone(zid) else {
                    continue;
                };
                let mark = if flags.contains(AllocFlags::NO_WATERMARKS) {
                    zone.min_wmark_pages()
                } else {
                    zone.wmark_pages(Wmark::from_alloc_flags(flags))
                };
                let check = zone.watermark_fast_check(ac.order, mark, ac.highest, flags);
                let passes = check.ok();
                checks.push(ZoneCheck {
                    zone: zid.zone.kernel_name(),
                    free: zone.nr_free_pages(),
                    mark,
                    reserve: zone.lowmem_reserve_for(ac.highest),
                    ok: passes,
                });
                if !passes && !flags.contains(AllocFlags::NO_WATERMARKS) {
                    continue;
                }
                let Some(pfn) = self.mem.rmqueue(zid, ac.order, ac.migratetype, flags, sink) else {
                    if let Some(c) = checks.last_mut() {
                        c.ok = false;
                    }
                    continue;
                };
                if flags.contains(AllocFlags::HIGHATOMIC)
                    && let Some(z) = self.mem.zone_mut(zid)
                {
                    z.reserve_highatomic_pageblock(pfn, ac.order, sink);
                }
                // rmqueue(): ZONE_BOOSTED_WATERMARK → wakeup_kswapd(zone, 0, 0, zone_idx).
                let boosted = flags.contains(AllocFlags::KSWAPD)
                    && self
                        .mem
                        .zone_mut(zid)
                        .is_some_and(crate::mem::Zone::test_and_clear_boosted);
                if sink.enabled() {
                    emit(
                        sink,
                        AllocEvent::Freelist {
                            attempt,
                            order: ac.order,
                            gfp,
                            alloc_flags: flags,
                            zones: checks,
                            zone: Some(zid.zone.kernel_name()),
                            pfn: Some(pfn.0),
                        },
                    );
                }
                if boosted {
                    self.wakeup_kswapd(zid.node, Gfp(0), 0, zid.zone, true, sink);
                }
                return Some(Got {
                    pfn: pfn.0,
                    zone: zid,
                    pfmemalloc: flags.contains(AllocFlags::NO_WATERMARKS),
                });
            }
            if no_fallback {
                flags = AllocFlags(flags.0 & !AllocFlags::NOFRAGMENT.0);
                continue;
            }
            if sink.enabled() {
                emit(
                    sink,
                    AllocEvent::Freelist {
                        attempt,
                        order: ac.order,
                        gfp,
                        alloc_flags: flags,
                        zones: checks,
                        zone: None,
                        pfn: None,
                    },
                );
            }
            return None;
        }
    }

    /// `pgdat_balanced()`: any eligible zone meets its high watermark for `order`.
    pub(crate) fn pgdat_balanced(&self, node: u16, order: u32, highest: ZoneType) -> bool {
        let Some(nd) = self.mem.node(node) else {
            return true;
        };
        let mut any = false;
        for z in nd.zones() {
            if z.zone_type() > highest || z.managed_pages() == 0 {
                continue;
            }
            any = true;
            if z.zone_watermark_ok(order, z.high_wmark_pages(), highest, AllocFlags(0)) {
                return true;
            }
        }
        !any
    }

    /// `wakeup_kswapd(zone, gfp, order, highest_zoneidx)` (mm/vmscan.c, 6.12).
    pub(crate) fn wakeup_kswapd(
        &mut self,
        node: u16,
        gfp: Gfp,
        order: u32,
        highest: ZoneType,
        report_quiet: bool,
        sink: &mut dyn EventSink,
    ) {
        let balanced = self.pgdat_balanced(node, order, highest);
        let boosted = self.mem.node(node).is_some_and(|n| {
            n.zones()
                .iter()
                .any(|z| z.zone_type() <= highest && z.watermark_boost() > 0)
        });
        let Some(k) = self.kswapd.get_mut(usize::from(node)) else {
            return;
        };
        if k.highest.is_none_or(|h| h < highest) {
            k.highest = Some(highest);
        }
        if k.order < order {
            k.order = order;
        }
        let hname = highest.kernel_name();
        let ev = |woken: bool, why: String| AllocEvent::KswapdWake {
            node: u32::from(node),
            order,
            highest_zone: hname,
            gfp,
            woken,
            why,
        };
        if !k.sleeping {
            if report_quiet && sink.enabled() {
                emit(
                    sink,
                    ev(
                        false,
                        "kswapd is already running (not on kswapd_wait)".into(),
                    ),
                );
            }
            return;
        }
        if k.failures >= rules::MAX_RECLAIM_RETRIES || (balanced && !boosted) {
            if report_quiet && sink.enabled() {
                let why = if k.failures >= rules::MAX_RECLAIM_RETRIES {
                    format!(
                        "hopeless node: kswapd_failures {} ≥ MAX_RECLAIM_RETRIES",
                        k.failures
                    )
                } else {
                    "node already balanced (a zone meets its high watermark)".to_string()
                };
                let why = if gfp.contains(Gfp::DIRECT_RECLAIM) {
                    why
                } else {
                    format!("{why}; wakeup_kcompactd instead")
                };
                emit(sink, ev(false, why));
            }
            return;
        }
        k.sleeping = false;
        k.woken = true;
        self.stat.kswapd_wakeups += 1;
        if sink.enabled() {
            emit(sink, ev(true, String::new()));
        }
    }

    /// `wake_all_kswapds()`: once per node of the zonelist.
    fn wake_all_kswapds(&mut self, ac: &Ac, verbose: bool, sink: &mut dyn EventSink) {
        let mut last = None;
        for zid in ac.zonelist.clone() {
            if last != Some(zid.node) {
                self.wakeup_kswapd(zid.node, ac.gfp, ac.order, ac.highest, verbose, sink);
                last = Some(zid.node);
            }
        }
    }

    /// The fast path then the slow path for one page allocation with the effective mask
    /// (`__alloc_pages_noprof` after `prepare_alloc_pages`).
    pub(crate) fn alloc_pages_core(
        &mut self,
        cur: &mut Current<'_>,
        gfp: Gfp,
        order: u32,
        sink: &mut dyn EventSink,
    ) -> PageOutcome {
        let ac = self.make_ac(gfp, order);
        if ac.zonelist.is_empty() {
            emit(
                sink,
                AllocEvent::Nopage {
                    reason: format!(
                        "no populated zone at or below {} for this mask",
                        ac.highest.kernel_name()
                    ),
                    condition: "!zonelist_zone(ac->preferred_zoneref)",
                },
            );
            return PageOutcome::Fail;
        }
        let flags = AllocFlags(
            AllocFlags::WMARK_LOW.0
                | glue::alloc_flags_nofragment(&self.mem, ac.zonelist.first().copied(), gfp).0,
        );
        if let Some(g) = self.get_page_from_freelist(&ac, gfp, flags, Attempt::Fast, sink) {
            return PageOutcome::Page(g);
        }
        self.slowpath(cur, &ac, sink)
    }

    /// `__alloc_pages_slowpath()` (mm/page_alloc.c, 6.12), step by step (§5.5).
    #[allow(clippy::too_many_lines)]
    fn slowpath(
        &mut self,
        cur: &mut Current<'_>,
        ac: &Ac,
        sink: &mut dyn EventSink,
    ) -> PageOutcome {
        let gfp = ac.gfp;
        let order = ac.order;
        let can_direct_reclaim = gfp.contains(Gfp::DIRECT_RECLAIM);
        let can_compact = rules::gfp_compaction_allowed(gfp);
        let nofail = gfp.contains(Gfp::NOFAIL);
        let costly = rules::costly(order);
        cur.kstack.push("__alloc_pages_slowpath");

        // 6.12 (commit 903edea6): __GFP_NOFAIL sanity checks at the top.
        let pf_memalloc = cur.task.flags.contains(TaskFlags::PF_MEMALLOC);
        for (cond, expl) in rules::nofail_warnings(gfp, order, pf_memalloc) {
            // WARN_ON_ONCE (mm/page_alloc.c:4309-4320, 6.12): once per boot.
            if !self.warn_once(cond) {
                continue;
            }
            emit(
                sink,
                AllocEvent::Warning {
                    function: "__alloc_pages_slowpath",
                    condition: cond,
                    text: format!(
                        "{} — {expl}",
                        report::warn_on_once(
                            cur.task.pid,
                            "__alloc_pages_slowpath",
                            report::slowpath_nofail_warn_line(cond),
                            cond,
                        )
                    ),
                },
            );
        }

        // restart:
        let mut no_progress_loops = 0u32;
        let mut compaction_retries = 0u32;
        let mut compact_result = CompactResult::Skipped;
        let mut compact_priority = CompactPriority::SyncLight;
        let (mut alloc_flags, why) = glue::gfp_to_alloc_flags(gfp, order, cur.task, cur.ctx);
        emit(
            sink,
            AllocEvent::AllocFlags {
                order,
                gfp,
                alloc_flags,
                why,
            },
        );
        if alloc_flags.contains(AllocFlags::KSWAPD) {
            self.wake_all_kswapds(ac, true, sink);
        } else if sink.enabled() {
            emit(
                sink,
                AllocEvent::ReclaimSkip {
                    function: "__alloc_pages_slowpath",
                    what: "waking kswapd (wake_all_kswapds)",
                    missing_flag: "__GFP_KSWAPD_RECLAIM",
                    count: 0,
                },
            );
        }
        if let Some(g) = self.get_page_from_freelist(ac, gfp, alloc_flags, Attempt::Slowpath, sink)
        {
            return self.got(cur, g);
        }

        let (pfmem, _) = glue::gfp_pfmemalloc_flags(gfp, cur.task, cur.ctx);
        let initial_compact_applies =
            costly || (order > 0 && ac.migratetype != MigrateType::Movable);
        let mut early: Option<Nopage> = None;
        if can_direct_reclaim && initial_compact_applies && pfmem.0 == 0 {
            if can_compact {
                let (page, res) =
                    self.direct_compact(cur, ac, alloc_flags, CompactPriority::Async, sink);
                compact_result = res;
                if let Some(g) = page {
                    return self.got(cur, g);
                }
                if costly && gfp.contains(Gfp::NORETRY) {
                    if matches!(res, CompactResult::Skipped | CompactResult::Deferred) {
                        early = Some(Nopage {
                            reason: format!(
                                "costly order {order} with __GFP_NORETRY and compaction {}: fail rather than reclaim",
                                res.kernel_name()
                            ),
                            condition: "costly_order && (gfp & __GFP_NORETRY) && compact_result is SKIPPED/DEFERRED",
                        });
                    } else if gfp.contains(Gfp::THISNODE) {
                        early = Some(Nopage {
                            reason: "costly __GFP_NORETRY|__GFP_THISNODE (THP local-node attempt): compact only, never reclaim".to_string(),
                            condition: "costly_order && (gfp & __GFP_NORETRY) && (gfp & __GFP_THISNODE)",
                        });
                    } else {
                        compact_priority = CompactPriority::Async;
                    }
                }
            } else {
                emit(
                    sink,
                    AllocEvent::ReclaimSkip {
                        function: "__alloc_pages_slowpath",
                        what: "direct compaction before reclaim (costly or unmovable high order)",
                        missing_flag: "__GFP_IO (gfp_compaction_allowed)",
                        count: 0,
                    },
                );
            }
        }

        let mut loops = 0u32;
        let mut oom_progress_rounds = 0u32;
        let mut nofail_rounds = 0u32;
        let mut first = true;
        'retry: loop {
            let np: Nopage = 'body: {
                if let Some(e) = early.take() {
                    break 'body e;
                }
                loops += 1;
                if loops > self.cfg.max_slowpath_loops {
                    return self.stall(
                        cur,
                        ac,
                        "the slow path kept retrying without ever succeeding or failing",
                        vec![
                            "retry: reclaim/compaction make no lasting progress".to_string(),
                            "should_reclaim_retry()/the OOM step keep returning \"retry\""
                                .to_string(),
                            "goto retry".to_string(),
                        ],
                        sink,
                    );
                }
                if !first {
                    // Time passes while the task loops: kswapd, the flusher and I/O run.
                    self.background_pass(sink);
                }
                // retry:
                if alloc_flags.contains(AllocFlags::KSWAPD) {
                    self.wake_all_kswapds(ac, false, sink);
                }
                let (reserve, rwhy) = glue::gfp_pfmemalloc_flags(gfp, cur.task, cur.ctx);
                if reserve.0 != 0 {
                    // mm/page_alloc.c:4455-4457 (6.12): the reserve flags keep ALLOC_CMA
                    // for movable requests, and ALLOC_KSWAPD.
                    alloc_flags = AllocFlags(
                        crate::gfp::rules::gfp_to_alloc_flags_cma(gfp, reserve).0
                            | (alloc_flags.0 & AllocFlags::KSWAPD.0),
                    );
                    if first {
                        emit(
                            sink,
                            AllocEvent::Reserves {
                                reserve_flags: reserve,
                                granted: true,
                                why: rwhy.to_string(),
                            },
                        );
                    }
                } else if first && (pf_memalloc || gfp.contains(Gfp::MEMALLOC)) {
                    emit(
                        sink,
                        AllocEvent::Reserves {
                            reserve_flags: reserve,
                            granted: false,
                            why: rwhy.to_string(),
                        },
                    );
                }
                first = false;
                if let Some(g) =
                    self.get_page_from_freelist(ac, gfp, alloc_flags, Attempt::Retry, sink)
                {
                    return self.got(cur, g);
                }
                if !can_direct_reclaim {
                    emit(
                        sink,
                        AllocEvent::ReclaimSkip {
                            function: "__alloc_pages_slowpath",
                            what: "direct reclaim and compaction",
                            missing_flag: "__GFP_DIRECT_RECLAIM",
                            count: 0,
                        },
                    );
                    break 'body Nopage {
                        reason: "caller is not willing to reclaim (no __GFP_DIRECT_RECLAIM)"
                            .to_string(),
                        condition: "!can_direct_reclaim",
                    };
                }
                if cur.task.flags.contains(TaskFlags::PF_MEMALLOC) {
                    emit(
                        sink,
                        AllocEvent::ReclaimSkip {
                            function: "__alloc_pages_slowpath",
                            what: "direct reclaim (avoid recursion of direct reclaim)",
                            missing_flag: "current->flags & PF_MEMALLOC",
                            count: 0,
                        },
                    );
                    break 'body Nopage {
                        reason: "PF_MEMALLOC: reclaim never recurses into reclaim".to_string(),
                        condition: "current->flags & PF_MEMALLOC",
                    };
                }
                let (page, progress) = self.direct_reclaim(cur, ac, alloc_flags, sink);
                if self.stopped() {
                    return PageOutcome::Stopped;
                }
                if let Some(g) = page {
                    return self.got(cur, g);
                }
                if order > 0 && !can_compact {
                    emit(
                        sink,
                        AllocEvent::ReclaimSkip {
                            function: "__alloc_pages_direct_compact",
                            what: "direct compaction",
                            missing_flag: "__GFP_IO (gfp_compaction_allowed)",
                            count: 0,
                        },
                    );
                } else if order > 0 {
                    let (page, res) =
                        self.direct_compact(cur, ac, alloc_flags, compact_priority, sink);
                    compact_result = res;
                    if let Some(g) = page {
                        return self.got(cur, g);
                    }
                }
                if gfp.contains(Gfp::NORETRY) {
                    break 'body Nopage {
                        reason: "__GFP_NORETRY: one reclaim/compaction pass, no retry".to_string(),
                        condition: "gfp & __GFP_NORETRY",
                    };
                }
                if costly && (!can_compact || !gfp.contains(Gfp::RETRY_MAYFAIL)) {
                    break 'body Nopage {
                        reason: format!(
                            "costly order {order} is not retried without __GFP_RETRY_MAYFAIL{}",
                            if can_compact { "" } else { " and compaction" }
                        ),
                        condition: "costly_order && (!can_compact || !(gfp & __GFP_RETRY_MAYFAIL))",
                    };
                }
                // should_reclaim_retry
                let zone_would_pass: Vec<bool> = ac
                    .zonelist
                    .iter()
                    .filter_map(|&zid| {
                        let z = self.mem.zone(zid)?;
                        let avail = self.zone_reclaimable_pages(zid) + z.nr_free_pages();
                        Some(
                            z.watermark_check_with_free(
                                order,
                                z.min_wmark_pages(),
                                ac.highest,
                                alloc_flags,
                                avail as i64,
                            )
                            .ok(),
                        )
                    })
                    .collect();
                let d = rules::should_reclaim_retry(&ReclaimRetryInput {
                    order,
                    did_some_progress: progress > 0,
                    no_progress_loops,
                    zone_would_pass: zone_would_pass.clone(),
                });
                no_progress_loops = d.no_progress_loops;
                let mut retry = d.retry;
                let mut why = if d.exhausted {
                    format!(
                        "no progress for more than MAX_RECLAIM_RETRIES ({}) loops",
                        rules::MAX_RECLAIM_RETRIES
                    )
                } else if d.retry {
                    "a zone would pass the min watermark if all reclaimable pages were freed"
                        .to_string()
                } else {
                    "no zone would pass min even with every reclaimable page freed".to_string()
                };
                if !retry && self.unreserve_highatomic(ac, true, sink) {
                    retry = true;
                    why.push_str("; unreserved a highatomic pageblock, retry");
                }
                emit(
                    sink,
                    AllocEvent::ReclaimRetry {
                        order,
                        did_progress: progress > 0,
                        no_progress_loops,
                        retry,
                        why,
                    },
                );
                if retry {
                    continue 'retry;
                }
                if progress > 0 && can_compact && order > 0 {
                    let suitable = self.compaction_zonelist_suitable(ac);
                    let cd = rules::should_compact_retry(&rules::CompactRetryInput {
                        order,
                        result: compact_result,
                        priority: compact_priority,
                        retries: compaction_retries,
                        zonelist_suitable: suitable,
                    });
                    compaction_retries = cd.retries;
                    compact_priority = cd.priority;
                    emit(
                        sink,
                        AllocEvent::CompactRetry {
                            order,
                            result: compact_result,
                            priority: compact_priority,
                            retries: compaction_retries,
                            retry: cd.retry,
                            why: cd.why.to_string(),
                        },
                    );
                    if cd.retry {
                        continue 'retry;
                    }
                }
                // __alloc_pages_may_oom
                let (page, oom_progress, no_kill) = self.may_oom(cur, ac, sink);
                if self.stopped() {
                    return PageOutcome::Stopped;
                }
                if let Some(g) = page {
                    return self.got(cur, g);
                }
                if cur.task.oom_victim
                    && (alloc_flags.contains(AllocFlags::OOM) || gfp.contains(Gfp::NOMEMALLOC))
                {
                    break 'body Nopage {
                        reason: "current is an OOM victim: do not loop on reserves".to_string(),
                        condition: "tsk_is_oom_victim(current) && (alloc_flags & ALLOC_OOM || gfp & __GFP_NOMEMALLOC)",
                    };
                }
                if oom_progress {
                    no_progress_loops = 0;
                    if no_kill {
                        oom_progress_rounds += 1;
                        if oom_progress_rounds >= 2 && !nofail {
                            return self.stall(
                                cur,
                                ac,
                                "out_of_memory() reports progress without killing (no __GFP_FS), so the allocation retries forever waiting for others to free memory",
                                vec![
                                    format!(
                                        "should_reclaim_retry() gives up after {} loops without progress",
                                        rules::MAX_RECLAIM_RETRIES
                                    ),
                                    "__alloc_pages_may_oom() → out_of_memory(): !__GFP_FS → return true (no kill)".to_string(),
                                    "did_some_progress → no_progress_loops = 0 → goto retry".to_string(),
                                ],
                                sink,
                            );
                        }
                    }
                    continue 'retry;
                }
                break 'body Nopage {
                    reason: "reclaim, compaction and the OOM step made no progress".to_string(),
                    condition: "!did_some_progress",
                };
            };
            emit(
                sink,
                AllocEvent::Nopage {
                    reason: np.reason,
                    condition: np.condition,
                },
            );
            if nofail {
                if !can_direct_reclaim {
                    // "we disregard these unreasonable nofail requests and still return NULL"
                    break;
                }
                if let Some(g) = self.get_page_from_freelist(
                    ac,
                    gfp,
                    AllocFlags(AllocFlags::MIN_RESERVE.0 | AllocFlags::CPUSET.0),
                    Attempt::NofailFallback,
                    sink,
                ) {
                    return self.got(cur, g);
                }
                nofail_rounds += 1;
                if nofail_rounds >= 3 {
                    return self.stall(
                        cur,
                        ac,
                        "__GFP_NOFAIL never returns NULL: it loops in the slow path until somebody else frees memory",
                        vec![
                            "nopage: __GFP_NOFAIL → __alloc_pages_cpuset_fallback(ALLOC_MIN_RESERVE) fails".to_string(),
                            "cond_resched(); goto retry".to_string(),
                            "nothing reclaimable is left and nobody frees memory".to_string(),
                        ],
                        sink,
                    );
                }
                continue;
            }
            break;
        }
        PageOutcome::Fail
    }

    /// Accounting for a successful slow-path allocation.
    #[allow(clippy::unused_self)]
    fn got(&mut self, cur: &mut Current<'_>, g: Got) -> PageOutcome {
        cur.kstack.retain(|f| *f != "__alloc_pages_slowpath");
        PageOutcome::Page(g)
    }

    /// Emits the "would loop forever" verdict and stops the task.
    fn stall(
        &mut self,
        cur: &mut Current<'_>,
        ac: &Ac,
        text: &str,
        cycle: Vec<String>,
        sink: &mut dyn EventSink,
    ) -> PageOutcome {
        let verdict = "livelock";
        let text = format!(
            "{}/{} stalls in __alloc_pages_slowpath (order:{}, mode:{}): {text}",
            cur.task.comm,
            cur.task.pid,
            ac.order,
            super::gfp_text(ac.gfp)
        );
        self.stop_task(cur, verdict, text, cycle, sink);
        PageOutcome::Stopped
    }

    /// One zone after another: `unreserve_highatomic_pageblock(ac, force)`.
    pub(crate) fn unreserve_highatomic(
        &mut self,
        ac: &Ac,
        force: bool,
        sink: &mut dyn EventSink,
    ) -> bool {
        for &zid in &ac.zonelist {
            if let Some(z) = self.mem.zone_mut(zid)
                && z.unreserve_highatomic_pageblock(force, ac.migratetype, sink)
            {
                return true;
            }
        }
        false
    }

    /// Marks `pfn`'s block as used by the caller.
    pub(crate) fn set_kernel_page(&mut self, pfn: u64, order: u32, site: u16) {
        let _ = self
            .mem
            .set_block_state(Pfn(pfn), order, crate::mem::PageState::Kernel { site });
    }
}
