//! The OOM step (mm/page_alloc.c `__alloc_pages_may_oom`, mm/oom_kill.c
//! `out_of_memory`, `select_bad_process`, `oom_badness`, `oom_kill_process`,
//! `__oom_kill_process`, the OOM reaper; Linux 6.12; §5.8, §6.8), and the `show_mem`
//! snapshot the kernel-format reports print.

use crate::event::EventSink;
use crate::gfp::{AllocFlags, Gfp, MigrateType};
use crate::mem::{PageState, Pfn};
use crate::task::TaskFlags;

use super::entry::Current;
use super::event::{AllocEvent, Attempt, BugKind};
use super::kernel::{Kernel, LruList, emit};
use super::report::{self, MemSnap, OomReport, TaskRow, ZoneSnap};
use super::rules;
use super::slowpath::{Ac, Got};

impl Kernel {
    /// `__alloc_pages_may_oom()`: returns (page, did_some_progress, progress-without-kill).
    pub(crate) fn may_oom(
        &mut self,
        cur: &mut Current<'_>,
        ac: &Ac,
        sink: &mut dyn EventSink,
    ) -> (Option<Got>, bool, bool) {
        cur.kstack.push("__alloc_pages_may_oom");
        let out = self.may_oom_inner(cur, ac, sink);
        cur.kstack.retain(|f| *f != "__alloc_pages_may_oom");
        out
    }

    fn may_oom_inner(
        &mut self,
        cur: &mut Current<'_>,
        ac: &Ac,
        sink: &mut dyn EventSink,
    ) -> (Option<Got>, bool, bool) {
        let gfp = ac.gfp;
        // Last chance at the high watermark, to catch a parallel OOM kill.
        let last_gfp = (gfp | Gfp::HARDWALL).without(Gfp::DIRECT_RECLAIM);
        let last_flags = AllocFlags(AllocFlags::WMARK_HIGH.0 | AllocFlags::CPUSET.0);
        if let Some(g) =
            self.get_page_from_freelist(ac, last_gfp, last_flags, Attempt::OomLastChance, sink)
        {
            return (Some(g), false, false);
        }
        let dumpcore = cur.task.flags.contains(TaskFlags::PF_DUMPCORE);
        let gate = rules::oom_gate(gfp, ac.order, ac.highest, dumpcore);
        if let Some(g) = gate
            && g.function == "__alloc_pages_may_oom"
        {
            emit(
                sink,
                AllocEvent::OomSkip {
                    function: g.function,
                    reason: g.reason.to_string(),
                    condition: g.condition,
                    progress: false,
                },
            );
            return (None, false, false);
        }
        // out_of_memory(): a dying current task becomes the victim and gets reserves.
        let current_dying = cur.task.oom_victim
            || cur.task.flags.contains(TaskFlags::PF_EXITING)
            || self.procs.iter().any(|p| p.pid == cur.task.pid && p.killed);
        if current_dying {
            cur.task.oom_victim = true;
            emit(
                sink,
                AllocEvent::OomSkip {
                    function: "out_of_memory",
                    reason: "current is already dying (task_will_free_mem): it becomes the victim and may use ALLOC_OOM reserves".to_string(),
                    condition: "task_will_free_mem(current)",
                    progress: true,
                },
            );
            return (self.nofail_no_watermarks(ac, sink), true, false);
        }
        if let Some(g) = gate {
            emit(
                sink,
                AllocEvent::OomSkip {
                    function: g.function,
                    reason: g.reason.to_string(),
                    condition: g.condition,
                    progress: g.progress,
                },
            );
            return (self.nofail_no_watermarks(ac, sink), true, true);
        }
        let killed = self.out_of_memory_kill(cur, ac, sink);
        if self.stopped() {
            return (None, false, false);
        }
        if !killed && !gfp.contains(Gfp::NOFAIL) {
            return (None, false, false);
        }
        // WARN_ON_ONCE_GFP (mm/page_alloc.c:3725, 6.12): once per boot, not with
        // __GFP_NOWARN.
        if !killed && !gfp.contains(Gfp::NOWARN) && self.warn_once("gfp_mask & __GFP_NOFAIL") {
            emit(
                sink,
                AllocEvent::Warning {
                    function: "__alloc_pages_may_oom",
                    condition: "WARN_ON_ONCE_GFP(gfp_mask & __GFP_NOFAIL)",
                    text: report::warn_on_once(
                        cur.task.pid,
                        "__alloc_pages_may_oom",
                        report::MAY_OOM_NOFAIL_WARN_LINE,
                        "gfp_mask & __GFP_NOFAIL",
                    ),
                },
            );
        }
        (self.nofail_no_watermarks(ac, sink), true, false)
    }

    /// "Help non-failing allocations by giving them access to memory reserves":
    /// `__alloc_pages_cpuset_fallback(ALLOC_NO_WATERMARKS)` for `__GFP_NOFAIL`.
    fn nofail_no_watermarks(&mut self, ac: &Ac, sink: &mut dyn EventSink) -> Option<Got> {
        if !ac.gfp.contains(Gfp::NOFAIL) {
            return None;
        }
        self.get_page_from_freelist(
            ac,
            ac.gfp,
            AllocFlags(AllocFlags::NO_WATERMARKS.0 | AllocFlags::CPUSET.0),
            Attempt::NofailFallback,
            sink,
        )
    }

    /// `select_bad_process()` + `oom_kill_process()`; true when a victim was killed.
    fn out_of_memory_kill(
        &mut self,
        cur: &mut Current<'_>,
        ac: &Ac,
        sink: &mut dyn EventSink,
    ) -> bool {
        let totalpages = self.mem.totalram_pages() + self.cfg.swap_pages;
        let mut chosen: Option<(usize, i64)> = None;
        for (i, p) in self.procs.iter().enumerate() {
            if p.killed {
                continue;
            }
            let Some(points) = rules::oom_badness(
                p.rss_anon + p.rss_file,
                p.swapents,
                p.pgtables_bytes(),
                p.oom_score_adj,
                totalpages,
                p.unkillable,
            ) else {
                continue;
            };
            // oom_evaluate_task(): `points < chosen_points` is skipped, so ties go to the later task.
            if chosen.is_none_or(|(_, c)| points >= c) {
                chosen = Some((i, points));
            }
        }
        let rows: Vec<TaskRow> = self
            .procs
            .iter()
            .filter(|p| !p.unkillable && !p.killed)
            .map(|p| TaskRow {
                pid: p.pid,
                uid: p.uid,
                tgid: p.pid,
                total_vm: p.total_vm,
                rss_anon: p.rss_anon,
                rss_file: p.rss_file,
                rss_shmem: 0,
                pgtables_bytes: p.pgtables_bytes(),
                swapents: p.swapents,
                oom_score_adj: p.oom_score_adj,
                comm: p.comm.clone(),
            })
            .collect();
        let victim_row = chosen.and_then(|(i, _)| {
            let pid = self.procs.get(i)?.pid;
            rows.iter().position(|r| r.pid == pid)
        });
        let stack = [
            "dump_header",
            "oom_kill_process",
            "out_of_memory",
            "__alloc_pages_may_oom",
            "__alloc_pages_slowpath",
            "__alloc_pages_noprof",
        ];
        let callers: Vec<String> = cur
            .kstack
            .iter()
            .rev()
            .filter(|f| {
                !matches!(
                    **f,
                    "__alloc_pages_may_oom" | "__alloc_pages_slowpath" | "__alloc_pages_noprof"
                )
            })
            .map(|s| (*s).to_string())
            .chain(cur.frames.iter().cloned())
            .collect();
        let adj = self
            .procs
            .iter()
            .find(|p| p.pid == cur.task.pid)
            .map_or(i32::from(cur.task.oom_score_adj), |p| p.oom_score_adj);
        let gfp_text = super::gfp_text(ac.gfp);
        let snap = self.mem_snap();
        let mut lines = report::oom_report(&OomReport {
            comm: &cur.task.comm,
            pid: cur.task.pid,
            gfp_text: &gfp_text,
            gfp_zone: ac.highest,
            order: ac.order,
            oom_score_adj: adj,
            stack: &stack,
            callers: &callers,
            mem: &snap,
            tasks: &rows,
            victim: victim_row,
        });
        let Some((vi, points)) = chosen else {
            emit(
                sink,
                AllocEvent::Bug {
                    bug: BugKind::OomPanic,
                    report: lines,
                },
            );
            self.stop_task(
                cur,
                "panic",
                "Out of memory and no killable processes: Kernel panic - not syncing: System is deadlocked on memory".to_string(),
                vec![
                    "reclaim freed nothing and every process is unkillable".to_string(),
                    "out_of_memory() finds no victim → panic()".to_string(),
                ],
                sink,
            );
            return false;
        };
        let freed = self.reap_process(vi, sink);
        let (vpid, vcomm) = self
            .procs
            .get(vi)
            .map_or((0, String::new()), |p| (p.pid, p.comm.clone()));
        lines.push(format!(
            "oom_reaper: reaped process {vpid} ({vcomm}), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"
        ));
        self.stat.oom_kill += 1;
        self.killed_now.push(vpid);
        if vpid == cur.task.pid {
            cur.task.oom_victim = true;
        }
        emit(
            sink,
            AllocEvent::OomKill {
                victim_pid: vpid,
                victim_comm: vcomm,
                points,
                freed_pages: freed,
                report: lines,
            },
        );
        true
    }

    /// SIGKILL + the OOM reaper: the victim's anonymous pages are unmapped and freed,
    /// its swap entries released. Returns pages freed.
    fn reap_process(&mut self, idx: usize, sink: &mut dyn EventSink) -> u64 {
        let owner = (idx + 1) as u16;
        let pfns: Vec<u64> = self
            .meta
            .iter()
            .enumerate()
            .filter(|(_, m)| m.owner == owner)
            .map(|(pfn, _)| pfn as u64)
            .collect();
        let mut freed = 0;
        for pfn in pfns {
            if matches!(
                self.mem.page_state(Pfn(pfn)),
                PageState::Anon | PageState::AnonSwapCache
            ) {
                self.release_page(pfn, sink);
                freed += 1;
            } else if let Some(m) = self.meta_mut(pfn) {
                m.owner = 0;
            }
        }
        if let Some(p) = self.procs.get_mut(idx) {
            self.swap_used = self.swap_used.saturating_sub(p.swapents);
            p.swapents = 0;
            p.rss_anon = 0;
            p.rss_file = 0;
            p.total_vm = 0;
            p.killed = true;
        }
        freed
    }

    /// What `__show_mem()` prints, from the machine and the LRU counters.
    #[must_use]
    pub fn mem_snap(&self) -> MemSnap {
        let mut snap = MemSnap {
            node: 0,
            ..MemSnap::default()
        };
        let mut dirty = 0;
        let mut writeback = 0;
        let mut clean = 0;
        for z in self.mem.populated_zones() {
            let lru = self.lru_pages(z.id());
            let zd = z.nr_pages_in_state(PageState::PageCacheDirty);
            let zw = z.nr_pages_in_state(PageState::Writeback);
            dirty += zd;
            writeback += zw;
            clean += z.nr_pages_in_state(PageState::PageCacheClean);
            let mut nr_free = Vec::new();
            let mut types = Vec::new();
            for o in 0..=crate::mem::MAX_PAGE_ORDER {
                nr_free.push(z.nr_free_blocks(o));
                let mut t = 0u8;
                for mt in MigrateType::ALL {
                    if !z.free_list_empty(o, mt) {
                        t |= 1 << (mt as u8);
                    }
                }
                types.push(t);
            }
            snap.zones.push(ZoneSnap {
                zone: Some(z.zone_type()),
                name: z.name(),
                free: z.nr_free_pages(),
                boost: z.watermark_boost(),
                min: z.min_wmark_pages(),
                low: z.low_wmark_pages(),
                high: z.high_wmark_pages(),
                reserved_highatomic: z.nr_reserved_highatomic(),
                active_anon: lru[LruList::ActiveAnon as usize],
                inactive_anon: lru[LruList::InactiveAnon as usize],
                active_file: lru[LruList::ActiveFile as usize],
                inactive_file: lru[LruList::InactiveFile as usize],
                writepending: zd + zw,
                present: z.present_pages(),
                managed: z.managed_pages(),
                lowmem_reserve: z.lowmem_reserve().to_vec(),
                nr_free,
                types,
            });
        }
        snap.dirty = dirty;
        snap.writeback = writeback;
        for c in self.mem.slab.caches() {
            if c.is_reclaimable() {
                snap.slab_reclaimable += c.nr_pages();
            } else {
                snap.slab_unreclaimable += c.nr_pages();
            }
        }
        let live: Vec<_> = self.procs.iter().filter(|p| !p.killed).collect();
        snap.pagetables = live.iter().map(|p| p.pgtables_bytes() / 4096).sum();
        snap.kernel_stack_kb = 16 * (live.len() as u64 + 2);
        snap.all_unreclaimable = self
            .kswapd
            .first()
            .is_some_and(|k| k.failures >= rules::MAX_RECLAIM_RETRIES);
        snap.pagecache = dirty + writeback + clean;
        snap.swapcache = 0;
        snap.total_swap = self.cfg.swap_pages;
        snap.free_swap = self.swap_free();
        snap
    }

    /// `__show_mem()` lines for zones up to NORMAL-or-above (what SysRq-m would print).
    #[must_use]
    pub fn show_mem(&self) -> Vec<String> {
        report::show_mem(&self.mem_snap(), crate::gfp::ZoneType::Movable)
    }
}
