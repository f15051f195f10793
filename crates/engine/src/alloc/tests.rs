//! One named test per rule of the reference tables (§5.9, §6.2, scenarios primer), plus
//! golden event traces of small deterministic runs.

use crate::context::{ContextKind, ExecContext};
use crate::event::{Event, NullSink};
use crate::gfp::{AllocFlags, Gfp, MigrateType, ZoneType};
use crate::mem::{Machine, PageState, Pfn, Wmark, ZoneId};
use crate::task::{CallSite, Task, TaskFlags};

use super::event::{AllocEvent, BugKind, CompactResult};
use super::*;

// ---- harness -------------------------------------------------------------------------

/// A small x86-64 machine: a 16 MiB DMA zone and a DMA32 zone just above the size where
/// the memory model's debug builds re-check every invariant after each buddy operation.
fn machine() -> Machine {
    let cfg = crate::mem::MachineConfig::with_zone_pages(
        "test-148M",
        crate::mem::Arch::X86_64,
        &[(ZoneType::Dma, 4096), (ZoneType::Dma32, 33_792)],
    )
    .expect("config");
    Machine::new(cfg).expect("machine")
}

fn kernel(swap_pages: u64) -> Kernel {
    Kernel::new(
        machine(),
        KernelConfig {
            swap_pages,
            ..KernelConfig::default()
        },
    )
}

/// Runs `f` as task `comm` (pid 100) in process context; returns its result and events.
fn run(
    k: &mut Kernel,
    task: &mut Task,
    ctx: &mut ExecContext,
    f: impl FnOnce(&mut Kernel, &mut Current<'_>, &mut Vec<Event>) -> AllocResult,
) -> (AllocResult, Vec<AllocEvent>) {
    let mut sink: Vec<Event> = Vec::new();
    let mut cur = Current::new(task, ctx, CallSite::new("test_fn", 7));
    let r = f(k, &mut cur, &mut sink);
    let evs = sink
        .into_iter()
        .filter_map(|e| match e {
            Event::Alloc(a) => Some(a),
            _ => None,
        })
        .collect();
    (r, evs)
}

fn proc_ctx() -> ExecContext {
    ExecContext::new(ContextKind::Process)
}

fn kinds(evs: &[AllocEvent]) -> Vec<&'static str> {
    evs.iter().map(AllocEvent::kind).collect()
}

fn count(evs: &[AllocEvent], kind: &str) -> usize {
    evs.iter().filter(|e| e.kind() == kind).count()
}

fn zones(k: &Kernel) -> Vec<ZoneId> {
    k.machine()
        .populated_zones()
        .map(crate::mem::Zone::id)
        .collect()
}

/// Takes free pages as unreclaimable kernel pages until each zone has `free(zone)` left.
fn drain(k: &mut Kernel, free: impl Fn(&crate::mem::Zone) -> u64) {
    for zid in zones(k) {
        loop {
            let z = k.machine().zone(zid).expect("zone");
            let target = free(z);
            let have = z.nr_free_pages();
            if have <= target {
                break;
            }
            // Largest block that does not overshoot.
            let mut order = 10u32;
            while order > 0 && (1u64 << order) > have - target {
                order -= 1;
            }
            let mut got = None;
            for o in (0..=order).rev() {
                for mt in MigrateType::ALL {
                    if let Some(p) = k.machine_mut().rmqueue(
                        zid,
                        o,
                        mt,
                        AllocFlags::NO_WATERMARKS,
                        &mut NullSink,
                    ) {
                        got = Some(p);
                        break;
                    }
                }
                if got.is_some() {
                    break;
                }
            }
            if got.is_none() {
                break;
            }
        }
    }
}

/// Takes every free page as an order-0 kernel page, then frees every other one: plenty of
/// free memory, no free block above order 0.
fn fragment(k: &mut Kernel) {
    take_all_then_free(k, 0, |pfn| pfn.is_multiple_of(2));
}

/// One order-0 page taken from zone `zid`'s movable free lists, ignoring watermarks.
fn movable_page(k: &mut Kernel, zid: ZoneId) -> Pfn {
    k.machine_mut()
        .rmqueue(
            zid,
            0,
            MigrateType::Movable,
            AllocFlags::NO_WATERMARKS,
            &mut NullSink,
        )
        .expect("page")
}

/// Takes every free page as order-`order` kernel blocks, then frees the blocks whose
/// first pfn satisfies `free`.
fn take_all_then_free(k: &mut Kernel, order: u32, free: impl Fn(u64) -> bool) {
    let mut taken = Vec::new();
    for zid in zones(k) {
        while let Some(p) = k.machine_mut().rmqueue(
            zid,
            order,
            MigrateType::Unmovable,
            AllocFlags::NO_WATERMARKS,
            &mut NullSink,
        ) {
            taken.push(p);
        }
    }
    for p in taken {
        if free(p.0) {
            k.machine_mut()
                .free_pages(p, order, &mut NullSink)
                .expect("free");
        }
    }
}

/// A machine with no free memory above `min/2` and nothing reclaimable: only a big
/// anonymous hog (no swap) the OOM killer can take.
fn oom_ready(swap: u64) -> (Kernel, u32) {
    let mut k = kernel(swap);
    k.add_process(4242, "hog", 0, false);
    let total = k.machine().totalram_pages();
    k.give_anon_pages(4242, total, &mut NullSink);
    // Half the min watermark without the boost the drain's fallbacks add (kswapd takes a
    // boost back when its run ends, balance_pgdat in mm/vmscan.c:7050-7063).
    drain(&mut k, |z| (z.min_wmark_pages() - z.watermark_boost()) / 2);
    (k, 4242)
}

fn nofs_task() -> Task {
    Task::new(100, "worker")
}

// ---- the fast path ---------------------------------------------------------------------

#[test]
fn fast_path_gfp_kernel_succeeds_at_low_watermark_without_slow_path() {
    let mut k = kernel(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.addr.is_some());
    assert_eq!(kinds(&evs), ["alloc", "freelist", "alloc_ok"]);
    let AllocEvent::Freelist { alloc_flags, .. } = &evs[1] else {
        panic!()
    };
    assert_eq!(alloc_flags.wmark(), AllocFlags::WMARK_LOW.0);
    assert!(
        !alloc_flags.intersects(AllocFlags::RESERVES),
        "no reserves in the fast path"
    );
}

#[test]
fn scope_nofs_turns_gfp_kernel_into_gfp_nofs() {
    let mut k = kernel(0);
    let mut t = Task::with_flags(100, "xfs", TaskFlags::PF_MEMALLOC_NOFS);
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert_eq!(r.effective_gfp, Gfp::NOFS);
    let AllocEvent::Alloc { effective_gfp, .. } = &evs[0] else {
        panic!()
    };
    assert_eq!(*effective_gfp, Gfp::NOFS);
}

// ---- §5.9 behaviour matrix ---------------------------------------------------------------

#[test]
fn gfp_nofs_under_pressure_never_invokes_oom_killer_and_keeps_retrying() {
    let (mut k, hog) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::NOFS, 0, s)
    });
    assert_eq!(count(&evs, "oom_kill"), 0, "GFP_NOFS never kills");
    assert!(!k.processes().iter().any(|p| p.pid == hog && p.killed));
    assert!(evs.iter().any(|e| matches!(e, AllocEvent::OomSkip { progress: true, reason, .. } if reason.contains("!__GFP_FS"))));
    assert!(
        count(&evs, "oom_skip") >= 2,
        "loops through the OOM step more than once"
    );
    assert!(count(&evs, "direct_reclaim") >= 2, "and back into reclaim");
    assert_eq!(count(&evs, "alloc_fail"), 0, "it does not fail either");
    assert!(r.addr.is_none());
    assert!(
        r.stopped
            .as_deref()
            .is_some_and(|v| v.starts_with("livelock"))
    );
}

#[test]
fn gfp_kernel_under_pressure_invokes_oom_killer_and_succeeds() {
    let (mut k, hog) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.addr.is_some());
    assert_eq!(r.killed, [hog]);
    let kill = evs
        .iter()
        .find(|e| e.kind() == "oom_kill")
        .expect("oom_kill");
    assert!(
        kill.text()
            .starts_with("Out of memory: Killed process 4242 (hog)")
    );
    assert_eq!(
        kill.report()[0],
        "worker invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0"
    );
    // Nothing is reclaimable (anon without swap): should_reclaim_retry() sees no zone
    // that could pass min and goes to the OOM step at once.
    assert!(
        evs.iter()
            .any(|e| matches!(e, AllocEvent::ReclaimRetry { retry: false, .. }))
    );
}

#[test]
fn gfp_noio_never_compacts_and_never_swaps() {
    let mut k = kernel(8192);
    k.add_process(4242, "hog", 0, false);
    let total = k.machine().totalram_pages();
    k.give_anon_pages(4242, total, &mut NullSink);
    drain(&mut k, |z| z.min_wmark_pages() / 2);
    let mut t = Task::with_flags(100, "usb-storage", TaskFlags::PF_MEMALLOC_NOIO);
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 2, s)
    });
    assert_eq!(r.effective_gfp, Gfp::NOIO);
    assert!(
        evs.iter().all(|e| !matches!(e, AllocEvent::ReclaimResult { function: "try_to_free_pages", stats, .. } if stats.anon_swapped > 0)),
        "direct reclaim without __GFP_IO swaps nothing (kswapd, with GFP_KERNEL, may)"
    );
    assert!(evs.iter().any(|e| matches!(e, AllocEvent::ReclaimSkip { what, missing_flag: "__GFP_IO", .. } if what.starts_with("swap out anon"))));
    assert!(evs.iter().any(|e| matches!(e, AllocEvent::ReclaimSkip { what, missing_flag, .. } if what.contains("compaction") && missing_flag.contains("__GFP_IO"))));
    assert!(!evs.iter().any(
        |e| matches!(e, AllocEvent::Compaction { result, .. } if *result != CompactResult::Skipped)
    ));
    assert_eq!(count(&evs, "oom_kill"), 0);
}

#[test]
fn gfp_kernel_swaps_anon_when_swap_exists() {
    let mut k = kernel(8192);
    k.add_process(4242, "hog", 0, false);
    let total = k.machine().totalram_pages();
    k.give_anon_pages(4242, total, &mut NullSink);
    drain(&mut k, |z| z.min_wmark_pages() / 2);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.addr.is_some());
    assert!(k.vmstat().pswpout > 0);
    assert_eq!(count(&evs, "oom_kill"), 0, "swap made progress");
    let hog = k.processes().iter().find(|p| p.pid == 4242).unwrap();
    assert_eq!(hog.swapents, k.swap_usage().0);
}

/// §4.6: GFP_ATOMIC may go to (min − min/2) − ¼ of that, and no lower.
#[test]
fn gfp_atomic_goes_below_min_but_not_below_its_reserve_fraction() {
    let mut k = kernel(0);
    // Empty every zone but the highest, and leave that one between ⅜·min and min.
    let top = *zones(&k).last().unwrap();
    let min = k.machine().zone(top).unwrap().min_wmark_pages();
    let reserve = min - min / 2;
    let atomic_floor = reserve - reserve / 4;
    drain(&mut k, |z| if z.id() == top { atomic_floor + 2 } else { 0 });
    let mut t = Task::new(0, "swapper/0");
    let mut c = ExecContext::new(ContextKind::Softirq);
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::ATOMIC, 0, s)
    });
    assert!(
        r.addr.is_some(),
        "below min but above the atomic reserve: {:#?}",
        kinds(&evs)
    );
    assert!(k.machine().zone(top).unwrap().nr_free_pages() < min);
    // Now at atomic_floor + 1 free: free - 0 <= floor → one more page still passes? The
    // check is `free <= min` → fail, so at exactly floor + 1 the next allocation passes
    // once more and then fails at floor.
    let _ = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::ATOMIC, 0, s)
    });
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::ATOMIC, 0, s)
    });
    assert!(r.addr.is_none(), "not below ⅜·min");
    assert_eq!(k.machine().zone(top).unwrap().nr_free_pages(), atomic_floor);
    assert_eq!(
        count(&evs, "direct_reclaim"),
        0,
        "GFP_ATOMIC never reclaims"
    );
    assert!(count(&evs, "kswapd_wake") > 0);
    let fail = evs.iter().find(|e| e.kind() == "alloc_fail").unwrap();
    assert_eq!(
        fail.text(),
        "swapper/0: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0"
    );
}

#[test]
fn pf_memalloc_never_reenters_direct_reclaim() {
    let mut k = kernel(0);
    drain(&mut k, |_| 0);
    let mut t = Task::with_flags(100, "kswapd0", TaskFlags::PF_MEMALLOC);
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.addr.is_none());
    assert_eq!(count(&evs, "direct_reclaim"), 0);
    assert!(
        evs.iter()
            .any(|e| matches!(e, AllocEvent::Reserves { granted: true, .. }))
    );
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::ReclaimSkip {
            missing_flag: "current->flags & PF_MEMALLOC",
            ..
        }
    )));
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::Nopage {
            condition: "current->flags & PF_MEMALLOC",
            ..
        }
    )));
}

/// 6.12 mm/page_alloc.c:4455-4457: `alloc_flags = gfp_to_alloc_flags_cma(gfp_mask,
/// reserve_flags) | (alloc_flags & ALLOC_KSWAPD)`: a movable request granted the
/// reserves keeps ALLOC_CMA.
#[test]
fn reserve_flags_keep_alloc_cma_for_movable_requests() {
    let mut k = kernel(0);
    drain(&mut k, |_| 1);
    let mut t = Task::with_flags(100, "kswapd0", TaskFlags::PF_MEMALLOC);
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::HIGHUSER_MOVABLE, 0, s)
    });
    let retry = evs
        .iter()
        .find_map(|e| match e {
            AllocEvent::Freelist {
                attempt: super::event::Attempt::Retry,
                alloc_flags,
                ..
            } => Some(*alloc_flags),
            _ => None,
        })
        .expect("retry attempt");
    assert!(retry.contains(AllocFlags::NO_WATERMARKS), "{retry:?}");
    assert!(retry.contains(AllocFlags::CMA), "{retry:?}");
}

#[test]
fn pf_memalloc_uses_all_reserves() {
    let mut k = kernel(0);
    drain(&mut k, |_| 1);
    let mut t = Task::with_flags(100, "kswapd0", TaskFlags::PF_MEMALLOC);
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.addr.is_some());
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::AllocOk {
            pfmemalloc: true,
            ..
        }
    )));
}

#[test]
fn gfp_noretry_fails_after_one_pass() {
    let (mut k, _) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::NORETRY, 0, s)
    });
    assert!(r.addr.is_none());
    assert_eq!(count(&evs, "direct_reclaim"), 1);
    assert_eq!(count(&evs, "reclaim_retry"), 0);
    assert_eq!(count(&evs, "oom_kill"), 0);
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::Nopage {
            condition: "gfp & __GFP_NORETRY",
            ..
        }
    )));
}

#[test]
fn gfp_nofail_never_fails() {
    // With an OOM victim available: the OOM killer makes room.
    let (mut k, _) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::NOFAIL, 0, s)
    });
    assert!(r.addr.is_some());
    assert_eq!(count(&evs, "alloc_fail"), 0);
    // GFP_NOFS|__GFP_NOFAIL with nothing to reclaim and the reserves gone: it stalls, it
    // does not fail. (With reserves left, out_of_memory()'s "progress" hands NOFAIL the
    // ALLOC_NO_WATERMARKS fallback.)
    let (mut k, _) = oom_ready(0);
    drain(&mut k, |_| 0);
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::NOFS | Gfp::NOFAIL, 0, s)
    });
    assert!(r.addr.is_none());
    assert_eq!(count(&evs, "alloc_fail"), 0);
    assert!(r.stopped.is_some());
}

#[test]
fn gfp_nofail_warnings_follow_6_12() {
    let mut k = kernel(0);
    let mut t = Task::with_flags(100, "xfsaild", TaskFlags::PF_MEMALLOC);
    let mut c = proc_ctx();
    drain(&mut k, crate::mem::Zone::low_wmark_pages);
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::NOFAIL, 2, s)
    });
    let conds: Vec<&str> = evs
        .iter()
        .filter_map(|e| match e {
            AllocEvent::Warning { condition, .. } => Some(*condition),
            _ => None,
        })
        .collect();
    assert_eq!(conds, ["order > 1", "current->flags & PF_MEMALLOC"]);
}

/// 6.12 mm/page_alloc.c:4309-4320: the `__GFP_NOFAIL` checks are `WARN_ON_ONCE`, each with
/// its own `__warned`: a second offending allocation prints only the check not yet fired.
#[test]
fn gfp_nofail_warnings_fire_once_per_boot() {
    let mut k = kernel(0);
    let mut t = Task::with_flags(100, "xfsaild", TaskFlags::PF_MEMALLOC);
    let mut c = proc_ctx();
    drain(&mut k, crate::mem::Zone::low_wmark_pages);
    let warnings = |k: &mut Kernel, t: &mut Task, c: &mut ExecContext, gfp: Gfp, order| {
        let (_, evs) = run(k, t, c, |k, cur, s| k.alloc_pages(cur, gfp, order, s));
        evs.iter()
            .filter_map(|e| match e {
                AllocEvent::Warning { condition, .. } => Some(*condition),
                _ => None,
            })
            .collect::<Vec<&str>>()
    };
    let first = warnings(&mut k, &mut t, &mut c, Gfp::KERNEL | Gfp::NOFAIL, 2);
    assert_eq!(first, ["order > 1", "current->flags & PF_MEMALLOC"]);
    let again = warnings(&mut k, &mut t, &mut c, Gfp::KERNEL | Gfp::NOFAIL, 2);
    assert!(again.is_empty(), "{again:?}");
    let atomic = warnings(&mut k, &mut t, &mut c, Gfp::ATOMIC | Gfp::NOFAIL, 0);
    assert_eq!(atomic, ["!can_direct_reclaim"]);
}

#[test]
fn costly_order_gfp_kernel_does_not_oom() {
    let (mut k, _) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 4, s)
    });
    assert!(r.addr.is_none());
    assert_eq!(count(&evs, "oom_kill"), 0);
    assert_eq!(count(&evs, "direct_reclaim"), 1, "one pass, no retries");
    assert!(evs.iter().any(|e| matches!(e, AllocEvent::Nopage { condition, .. } if condition.starts_with("costly_order"))));
}

#[test]
fn gfp_dma_does_not_oom() {
    let (mut k, _) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::DMA, 0, s)
    });
    assert!(r.addr.is_none());
    assert_eq!(count(&evs, "oom_kill"), 0);
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::OomSkip {
            condition: "ac->highest_zoneidx < ZONE_NORMAL",
            ..
        }
    )));
}

#[test]
fn retry_mayfail_and_thisnode_do_not_oom() {
    for extra in [Gfp::RETRY_MAYFAIL, Gfp::THISNODE] {
        let (mut k, _) = oom_ready(0);
        let mut t = nofs_task();
        let mut c = proc_ctx();
        let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
            k.alloc_pages(cur, Gfp::KERNEL | extra, 0, s)
        });
        assert!(r.addr.is_none());
        assert_eq!(count(&evs, "oom_kill"), 0);
        assert_eq!(count(&evs, "oom_skip"), 1);
    }
}

#[test]
fn gfp_atomic_and_nowait_never_reclaim_and_wake_kswapd() {
    let (mut k, _) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::NOWAIT, 0, s)
    });
    assert_eq!(count(&evs, "direct_reclaim"), 0);
    assert!(
        evs.iter()
            .any(|e| matches!(e, AllocEvent::KswapdWake { woken: true, .. }))
    );
    let fail = evs.iter().find(|e| e.kind() == "alloc_fail").unwrap();
    assert!(
        fail.report().is_empty(),
        "GFP_NOWAIT has __GFP_NOWARN since 6.8"
    );
    assert!(k.kswapd_pending(0));
}

#[test]
fn transhuge_light_does_not_wake_kswapd() {
    let (mut k, _) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::TRANSHUGE_LIGHT, 9, s)
    });
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::ReclaimSkip {
            missing_flag: "__GFP_KSWAPD_RECLAIM",
            ..
        }
    )));
    assert_eq!(count(&evs, "kswapd_wake"), 0);
}

// ---- §6.2 what reclaim may do -----------------------------------------------------------

fn slab_pressure() -> Kernel {
    let mut k = kernel(0);
    k.apply_pressure(
        &PressureConfig {
            seed: 1,
            slab_reclaimable_pct: 40,
            ..PressureConfig::default()
        },
        &mut NullSink,
    );
    drain(&mut k, |z| z.min_wmark_pages() / 2);
    k
}

#[test]
fn superblock_shrinker_runs_for_gfp_kernel() {
    let mut k = slab_pressure();
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.addr.is_some());
    assert!(
        evs.iter().any(
            |e| matches!(e, AllocEvent::ShrinkSlab { stopped: None, freed, .. } if *freed > 0)
        )
    );
}

#[test]
fn superblock_shrinker_is_skipped_for_gfp_nofs() {
    let mut k = slab_pressure();
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::NOFS, 0, s)
    });
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::ShrinkSlab {
            stopped: Some(_),
            ..
        }
    )));
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::ReclaimSkip {
            what: "super_cache_scan (dentry/inode shrinker)",
            missing_flag: "__GFP_FS",
            ..
        }
    )));
    // kswapd (GFP_KERNEL) may still shrink the caches; the NOFS reclaimer itself never does.
    assert!(!evs.iter().any(
        |e| matches!(e, AllocEvent::ShrinkSlab { stopped: None, freed, gfp, .. } if *freed > 0 && *gfp == Gfp::NOFS)
    ));
}

#[test]
fn nofs_shrinker_work_is_deferred_to_later_callers() {
    let mut k = slab_pressure();
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::NOFS, 0, s)
    });
    let deferred = evs
        .iter()
        .filter_map(|e| match e {
            AllocEvent::ShrinkSlab { deferred_after, .. } => Some(*deferred_after),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    assert!(deferred > 0, "nr_deferred grows while GFP_NOFS cannot scan");
}

#[test]
fn direct_reclaim_never_writes_dirty_file_pages() {
    let mut k = kernel(0);
    k.apply_pressure(
        &PressureConfig {
            seed: 3,
            page_cache_pct: 90,
            dirty_pct: 100,
            ..PressureConfig::default()
        },
        &mut NullSink,
    );
    drain(&mut k, |z| z.min_wmark_pages() / 2);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::NORETRY, 0, s)
    });
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::ReclaimSkip {
            missing_flag: "only kswapd writes file pages",
            ..
        }
    )));
    assert!(
        evs.iter().all(
            |e| !matches!(e, AllocEvent::ReclaimResult { stats, .. } if stats.file_written > 0)
        )
    );
}

#[test]
fn clean_page_cache_is_dropped_by_any_reclaimer() {
    for gfp in [Gfp::KERNEL, Gfp::NOFS, Gfp::NOIO] {
        let mut k = kernel(0);
        k.apply_pressure(
            &PressureConfig {
                seed: 3,
                page_cache_pct: 80,
                ..PressureConfig::default()
            },
            &mut NullSink,
        );
        drain(&mut k, |z| z.min_wmark_pages() / 2);
        let mut t = nofs_task();
        let mut c = proc_ctx();
        let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
            k.alloc_pages(cur, gfp, 0, s)
        });
        assert!(r.addr.is_some(), "{gfp:?}");
        assert!(
            evs.iter().any(
                |e| matches!(e, AllocEvent::ReclaimResult { stats, .. } if stats.file_clean > 0)
            )
        );
    }
}

#[test]
fn kswapd_reclaims_to_the_high_watermark_and_sleeps() {
    let mut k = kernel(0);
    k.apply_pressure(
        &PressureConfig {
            seed: 9,
            page_cache_pct: 90,
            ..PressureConfig::default()
        },
        &mut NullSink,
    );
    drain(&mut k, crate::mem::Zone::min_wmark_pages);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let _ = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::ATOMIC, 0, s)
    });
    assert!(k.kswapd_pending(0));
    let mut steps = 0;
    let mut sink: Vec<Event> = Vec::new();
    while k.kswapd_pending(0) && steps < 100 {
        k.run_kswapd(0, &mut sink);
        steps += 1;
    }
    assert!(!k.kswapd_pending(0));
    assert!(
        k.pgdat_balanced(0, 0, ZoneType::Movable),
        "a zone meets its high watermark"
    );
    assert!(sink.iter().any(|e| matches!(
        e,
        Event::Alloc(AllocEvent::Kswapd {
            sleeping: true,
            balanced: true,
            ..
        })
    )));
}

/// Every page an order-0 page: even pfns unreclaimable kernel pages, odd pfns clean page
/// cache on the inactive file list; then page cache freed (oldest first) until each zone
/// has `free` pages. Reclaim frees only order-0 pages whose buddies stay in use.
fn interleaved_page_cache(k: &mut Kernel, free: impl Fn(&crate::mem::Zone) -> u64) {
    let mut cache = Vec::new();
    for zid in zones(k) {
        while let Some(p) = k.machine_mut().rmqueue(
            zid,
            0,
            MigrateType::Movable,
            AllocFlags::NO_WATERMARKS,
            &mut NullSink,
        ) {
            if p.0 % 2 == 1 {
                cache.push(p.0);
            }
        }
    }
    cache.sort_unstable();
    for &p in &cache {
        k.machine_mut()
            .set_state(Pfn(p), PageState::PageCacheClean)
            .expect("page cache");
        k.lru_add(p, super::kernel::LruList::InactiveFile);
    }
    for p in cache {
        let zid = k.zone_of(p).expect("zone");
        let z = k.machine().zone(zid).expect("zone");
        if z.nr_free_pages() < free(z) {
            k.release_page(p, &mut NullSink);
        }
    }
}

/// 6.12 mm/vmscan.c:6813-6814 `kswapd_shrink_node()`: "If twice the allocation size has
/// been reclaimed then recheck watermarks only at order-0"; balance_pgdat() returns the
/// order it stopped at. A node that cannot be balanced at order 3 (no page can merge) is
/// balanced at order 0 and kswapd sleeps instead of scanning down to priority 1.
#[test]
fn kswapd_drops_to_order_0_after_compact_gap_pages() {
    let mut k = kernel(0);
    interleaved_page_cache(&mut k, crate::mem::Zone::min_wmark_pages);
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let _ = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::ATOMIC | Gfp::NOWARN, 3, s)
    });
    assert!(k.kswapd_pending(0), "order-3 wakeup");
    let mut sink: Vec<Event> = Vec::new();
    let mut steps = 0;
    while k.kswapd_pending(0) && steps < 100 {
        k.run_kswapd(0, &mut sink);
        steps += 1;
    }
    let rounds: Vec<(u32, u32, bool, bool)> = sink
        .iter()
        .filter_map(|e| match e {
            Event::Alloc(AllocEvent::Kswapd {
                order,
                priority,
                balanced,
                sleeping,
                ..
            }) => Some((*order, *priority, *balanced, *sleeping)),
            _ => None,
        })
        .collect();
    assert_eq!(rounds.first().map(|r| r.0), Some(3), "{rounds:?}");
    let last = *rounds.last().expect("rounds");
    assert_eq!((last.0, last.2, last.3), (0, true, true), "{rounds:?}");
    assert!(
        !k.pgdat_balanced(0, 3, ZoneType::Movable),
        "still no order-3 block"
    );
    assert!(last.1 > 1, "stopped long before priority 1: {rounds:?}");
    assert_eq!(k.kswapd[0].failures, 0);
}

/// 6.12 mm/vmscan.c:673-674 `pageout()`: `if (mapping->a_ops->writepage == NULL) return
/// PAGE_ACTIVATE;` — ext4, XFS and btrfs have no `writepage` in 6.12
/// (fs/ext4/inode.c, fs/xfs/xfs_aops.c, fs/btrfs/inode.c), so kswapd never writes their
/// dirty pages; the flusher (`wakeup_flusher_threads(WB_REASON_VMSCAN)`) cleans them.
#[test]
fn kswapd_leaves_dirty_pages_of_a_filesystem_without_writepage_to_the_flusher() {
    let mut k = dirty_machine(30);
    assert!(!k.config().fs_writepage, "the 6.12 default: ext4/XFS/btrfs");
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let mut sink: Vec<Event> = Vec::new();
    for _ in 0..12 {
        let _ = run(&mut k, &mut t, &mut c, |k, cur, s| {
            k.alloc_pages(cur, Gfp::ATOMIC, 0, s)
        });
        let mut steps = 0;
        while k.kswapd_pending(0) && steps < 100 {
            k.run_kswapd(0, &mut sink);
            steps += 1;
        }
    }
    let evs: Vec<&AllocEvent> = sink
        .iter()
        .filter_map(|e| match e {
            Event::Alloc(a) => Some(a),
            _ => None,
        })
        .collect();
    let written: u64 = evs
        .iter()
        .filter_map(|e| match e {
            AllocEvent::ReclaimResult { stats, .. } => Some(stats.file_written),
            _ => None,
        })
        .sum();
    assert_eq!(written, 0, "kswapd's pageout() never writes");
    let activated: u64 = evs
        .iter()
        .filter_map(|e| match e {
            AllocEvent::ReclaimSkip {
                missing_flag,
                count,
                ..
            } if missing_flag.starts_with("mapping->a_ops->writepage") => Some(*count),
            _ => None,
        })
        .sum();
    assert!(
        activated > 0,
        "PAGE_ACTIVATE for tagged pages on a PGDAT_DIRTY node"
    );
    let mut sink: Vec<Event> = Vec::new();
    k.tick(&mut sink);
    assert!(
        sink.iter().any(
            |e| matches!(e, Event::Alloc(AllocEvent::Writeback { started, .. }) if *started > 0)
        ),
        "the flusher writes them"
    );
}

fn dirty_machine(cache_pct: u32) -> Kernel {
    let mut k = kernel(0);
    k.apply_pressure(
        &PressureConfig {
            seed: 5,
            page_cache_pct: cache_pct,
            dirty_pct: 100,
            ..PressureConfig::default()
        },
        &mut NullSink,
    );
    drain(&mut k, crate::mem::Zone::min_wmark_pages);
    k
}

#[test]
fn reclaim_of_dirty_pages_wakes_the_flusher() {
    let mut k = dirty_machine(90);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let _ = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::NORETRY, 0, s)
    });
    let mut sink: Vec<Event> = Vec::new();
    k.tick(&mut sink);
    assert!(
        sink.iter().any(
            |e| matches!(e, Event::Alloc(AllocEvent::Writeback { started, .. }) if *started > 0)
        ),
        "wakeup_flusher_threads(WB_REASON_VMSCAN) → writeback starts"
    );
    k.tick(&mut sink);
    assert!(
        sink.iter().any(
            |e| matches!(e, Event::Alloc(AllocEvent::Writeback { completed, .. }) if *completed > 0)
        ),
        "and completes: the pages are clean and reclaimable"
    );
}

#[test]
fn kswapd_writes_dirty_pages_once_the_node_is_flagged_dirty() {
    let mut k = dirty_machine(30);
    // A filesystem with ->writepage (f2fs in 6.12).
    k.cfg.fs_writepage = true;
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let mut sink: Vec<Event> = Vec::new();
    for _ in 0..12 {
        let _ = run(&mut k, &mut t, &mut c, |k, cur, s| {
            k.alloc_pages(cur, Gfp::ATOMIC, 0, s)
        });
        let mut steps = 0;
        while k.kswapd_pending(0) && steps < 100 {
            k.run_kswapd(0, &mut sink);
            steps += 1;
        }
    }
    let tagged: u64 = sink
        .iter()
        .filter_map(|e| match e {
            Event::Alloc(AllocEvent::ReclaimSkip {
                missing_flag,
                count,
                ..
            }) if missing_flag.starts_with("page not yet") => Some(*count),
            _ => None,
        })
        .sum();
    assert!(tagged > 0, "the first pass only tags PG_reclaim");
    let written: u64 = sink
        .iter()
        .filter_map(|e| match e {
            Event::Alloc(AllocEvent::ReclaimResult { stats, .. }) => Some(stats.file_written),
            _ => None,
        })
        .sum();
    assert!(
        written > 0,
        "kswapd's pageout() wrote tagged pages on a PGDAT_DIRTY node"
    );
}

/// kswapd's shrink_node() pass over an inactive file list whose tail holds `dirty` dirty
/// pages followed by `clean` clean ones; returns PGDAT_DIRTY afterwards.
fn kswapd_pass_sets_pgdat_dirty(dirty: u64, clean: u64) -> bool {
    let mut k = kernel(0);
    let zid = zones(&k)[1];
    for i in 0..dirty + clean {
        let p = movable_page(&mut k, zid);
        let state = if i < dirty {
            PageState::PageCacheDirty
        } else {
            PageState::PageCacheClean
        };
        k.machine_mut().set_state(p, state).expect("state");
        k.lru_add(p.0, super::kernel::LruList::InactiveFile);
    }
    let mut sc =
        super::reclaim::ScanControl::new(Gfp::KERNEL, 0, ZoneType::Movable, u64::MAX, true, false);
    sc.priority = 0;
    k.shrink_node(0, &mut sc, None, &mut NullSink);
    assert_eq!(sc.nr_file_taken, dirty + clean);
    k.kswapd[0].pgdat_dirty
}

/// 6.12 mm/vmscan.c:6024-6026: shrink_node() sets PGDAT_DIRTY once per pass when
/// `sc->nr.unqueued_dirty == sc->nr.file_taken`, summed over the pass's batches
/// (mm/vmscan.c:2028-2033), not after any one all-dirty batch of 32.
#[test]
fn pgdat_dirty_is_decided_per_shrink_node_pass() {
    assert!(
        !kswapd_pass_sets_pgdat_dirty(32, 64),
        "one all-dirty batch, then clean pages: not flagged"
    );
    assert!(
        kswapd_pass_sets_pgdat_dirty(96, 0),
        "every file page taken was dirty"
    );
}

/// A direct reclaimer's shrink_node() pass at priority 0 over 64 swap-cache anon pages
/// (added to swap by an earlier pass that could not write them); returns pages reclaimed.
fn reclaim_swap_cache_pages(gfp: Gfp) -> u64 {
    let mut k = kernel(1024);
    let zid = zones(&k)[1];
    for _ in 0..64 {
        let p = movable_page(&mut k, zid);
        k.machine_mut()
            .set_state(p, PageState::AnonSwapCache)
            .expect("state");
        k.lru_add(p.0, super::kernel::LruList::InactiveAnon);
    }
    let mut sc =
        super::reclaim::ScanControl::new(gfp, 0, ZoneType::Movable, u64::MAX, false, false);
    sc.priority = 0;
    k.shrink_node(0, &mut sc, None, &mut NullSink);
    sc.nr_reclaimed
}

/// 6.12 mm/vmscan.c:1378-1379: a dirty folio is written only `if (may_enter_fs(folio,
/// sc->gfp_mask))`, and may_enter_fs() (mm/vmscan.c:1030-1044) refuses swap cache
/// without __GFP_IO: GFP_NOIO reclaim keeps swap-cache anon pages, GFP_NOFS writes them.
#[test]
fn noio_reclaim_does_not_write_swap_cache_pages() {
    assert_eq!(reclaim_swap_cache_pages(Gfp::NOIO), 0);
    assert_eq!(reclaim_swap_cache_pages(Gfp::NOFS), 64);
}

/// Puts `n` pages of `zone` (index in [`zones`]) in `state` on `list`.
fn lru_pages(k: &mut Kernel, zone: usize, n: u64, state: PageState, list: super::kernel::LruList) {
    let zid = zones(k)[zone];
    for _ in 0..n {
        let p = movable_page(k, zid);
        k.machine_mut().set_state(p, state).expect("state");
        k.lru_add(p.0, list);
    }
}

/// 6.12 mm/vmscan.c:2336-2341 (prepare_scan_control) and :2442-2446 (get_scan_count):
/// with `NR_INACTIVE_FILE >> priority` non-zero and no need to deactivate file pages,
/// cache_trim_mode scans only the file LRU; once inactive file is low against active
/// (`inactive_is_low`, mm/vmscan.c:2251-2268), DEACTIVATE_FILE ends it.
#[test]
fn cache_trim_mode_leaves_anon_alone_while_inactive_file_is_plentiful() {
    use super::kernel::LruList;
    let scan = |inactive_file: u64, active_file: u64| {
        let mut k = kernel(4096);
        lru_pages(&mut k, 1, 2048, PageState::Anon, LruList::InactiveAnon);
        lru_pages(
            &mut k,
            1,
            inactive_file,
            PageState::PageCacheClean,
            LruList::InactiveFile,
        );
        lru_pages(
            &mut k,
            1,
            active_file,
            PageState::PageCacheClean,
            LruList::ActiveFile,
        );
        let mut sc = super::reclaim::ScanControl::new(
            Gfp::KERNEL,
            0,
            ZoneType::Movable,
            1 << 20,
            false,
            false,
        );
        sc.priority = 6;
        let mut sink: Vec<Event> = Vec::new();
        k.shrink_node(0, &mut sc, None, &mut sink);
        (
            sc.cache_trim_mode,
            sc.stats.anon_swapped,
            sc.skip_cache_trim,
        )
    };
    assert_eq!(scan(2048, 1024), (true, 0, true), "SCAN_FILE");
    let (trim, swapped, _) = scan(512, 1024);
    assert!(!trim && swapped > 0, "SCAN_FRACT swaps anon: {swapped}");
}

/// 6.12 mm/vmscan.c:7034-7042 (balance_pgdat): "Restart only if it went through the
/// priority loop all the way, but cache_trim_mode didn't work", with no_cache_trim_mode.
/// kswapd balancing the DMA zone, whose only reclaimable pages are anonymous, while the
/// node's inactive file pages (which cache_trim_mode counts) are all in DMA32.
#[test]
fn kswapd_restarts_without_cache_trim_mode_when_it_reclaimed_nothing() {
    use super::kernel::LruList;
    let mut k = kernel(4096);
    lru_pages(
        &mut k,
        1,
        8192,
        PageState::PageCacheClean,
        LruList::InactiveFile,
    );
    lru_pages(&mut k, 0, 2048, PageState::Anon, LruList::InactiveAnon);
    let dma = zones(&k)[0];
    drain(&mut k, |z| {
        if z.id() == dma {
            z.min_wmark_pages()
        } else {
            z.nr_free_pages()
        }
    });
    let mut sink: Vec<Event> = Vec::new();
    k.wakeup_kswapd(0, Gfp::KERNEL, 0, ZoneType::Dma, false, &mut sink);
    assert!(k.kswapd_pending(0));
    let mut steps = 0;
    while k.kswapd_pending(0) && steps < 100 {
        k.run_kswapd(0, &mut sink);
        steps += 1;
    }
    let priorities: Vec<u32> = sink
        .iter()
        .filter_map(|e| match e {
            Event::Alloc(AllocEvent::ReclaimResult { priority, .. }) => Some(*priority),
            _ => None,
        })
        .collect();
    assert_eq!(
        &priorities[..13],
        &[12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 12],
        "{priorities:?}"
    );
    assert!(
        k.vmstat().pswpout > 0,
        "the restarted loop swaps: {priorities:?}"
    );
    assert_eq!(k.kswapd[0].failures, 0);
}

/// 6.12 mm/vmscan.c:6348-6368 `do_try_to_free_pages()`: after a priority walk that
/// reclaimed nothing it walks again (memcg_full_walk), and if an active list was left
/// unaged for lack of may_deactivate (`shrink_list`, :2209-2217) once more with
/// force_deactivate. Here a GFP_DMA request's only eligible pages are on the DMA zone's
/// active file list, while the node's inactive file list (in DMA32) is not low.
#[test]
fn direct_reclaim_retries_with_force_deactivate() {
    use super::kernel::LruList;
    let mut k = kernel(0);
    lru_pages(
        &mut k,
        1,
        2048,
        PageState::PageCacheClean,
        LruList::InactiveFile,
    );
    lru_pages(
        &mut k,
        0,
        1024,
        PageState::PageCacheClean,
        LruList::ActiveFile,
    );
    let dma = zones(&k)[0];
    drain(
        &mut k,
        |z| if z.id() == dma { 0 } else { z.nr_free_pages() },
    );
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::DMA | Gfp::NORETRY, 0, s)
    });
    let results: Vec<(&str, bool)> = evs
        .iter()
        .filter_map(|e| match e {
            AllocEvent::ReclaimResult {
                function, progress, ..
            } => Some((*function, *progress)),
            _ => None,
        })
        .collect();
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results[0].0.contains("memcg_full_walk"), "{results:?}");
    assert!(results[1].0.contains("force_deactivate"), "{results:?}");
    assert_eq!(
        results[2],
        ("try_to_free_pages", true),
        "the third walk reclaims"
    );
}

/// 6.12 mm/vmscan.c:6943-6968 and :7050-7063 (balance_pgdat): a boosted kswapd on a
/// balanced node still reclaims, but neither swaps nor writes (`may_swap` and
/// `may_writepage` off while `nr_boost_reclaim`), and every run takes the boost it
/// recorded at its start off the zone, balanced or not.
#[test]
fn boosted_kswapd_reclaims_without_swap_and_always_returns_the_boost() {
    use super::kernel::LruList;
    let boost_dma32 = |k: &mut Kernel, b: u64| {
        let id = zones(k)[1];
        k.machine_mut().zone_mut(id).expect("zone").watermark_boost = b;
    };
    let mut k = kernel(4096);
    lru_pages(&mut k, 1, 2048, PageState::Anon, LruList::InactiveAnon);
    lru_pages(
        &mut k,
        1,
        16384,
        PageState::PageCacheClean,
        LruList::InactiveFile,
    );
    boost_dma32(&mut k, 64);
    assert!(
        k.pgdat_balanced(0, 0, ZoneType::Movable),
        "balanced even with the boost"
    );
    let mut sink: Vec<Event> = Vec::new();
    k.wakeup_kswapd(0, Gfp::KERNEL, 0, ZoneType::Movable, false, &mut sink);
    let mut steps = 0;
    while k.kswapd_pending(0) && steps < 100 {
        k.run_kswapd(0, &mut sink);
        steps += 1;
    }
    let st = k.vmstat();
    assert!(st.pgsteal_kswapd >= 64, "boosted reclaim: {st:?}");
    assert_eq!(st.pswpout, 0, "no swap while boosted");
    assert_eq!(
        k.machine()
            .zone(zones(&k)[1])
            .expect("zone")
            .watermark_boost(),
        0
    );

    // Unbalanced and nothing reclaimable: the run fails, and still returns the boost.
    let mut k = kernel(0);
    boost_dma32(&mut k, 64);
    drain(&mut k, crate::mem::Zone::min_wmark_pages);
    k.wakeup_kswapd(0, Gfp::KERNEL, 0, ZoneType::Movable, false, &mut sink);
    let mut steps = 0;
    while k.kswapd_pending(0) && steps < 100 {
        k.run_kswapd(0, &mut sink);
        steps += 1;
    }
    assert_eq!(k.kswapd[0].failures, 1);
    assert_eq!(
        k.machine()
            .zone(zones(&k)[1])
            .expect("zone")
            .watermark_boost(),
        0
    );
}

/// 6.12 mm/vmscan.c:5733-5805 (`shrink_lruvec`): direct reclaim at DEF_PRIORITY scans
/// its whole target even past nr_to_reclaim (proportional_reclaim); otherwise, past the
/// goal, it stops when one side (anon or file) is done, or stops the smaller side and
/// cuts the other to the share of its target the smaller one had left.
#[test]
fn shrink_lruvec_stops_proportionally_after_nr_to_reclaim() {
    use super::reclaim::{ScanControl, proportional_reclaim_done};
    let mut direct = ScanControl::new(Gfp::KERNEL, 0, ZoneType::Movable, 32, false, false);
    let targets = [100, 20, 300, 60];
    let mut nr = [50, 10, 150, 30];
    assert!(proportional_reclaim_done(&mut nr, &targets, &direct, 40));
    assert_eq!(nr, [50, 10, 150, 30], "DEF_PRIORITY: keep scanning");
    direct.priority = 6;
    assert!(
        proportional_reclaim_done(&mut nr, &targets, &direct, 10),
        "goal not met"
    );
    assert!(proportional_reclaim_done(&mut nr, &targets, &direct, 40));
    // anon has 60 of 121 left (49%): stop anon; file keeps 51% of each target minus what
    // it scanned: 153 - 150 and 30 - 30.
    assert_eq!(nr, [0, 0, 3, 0]);
    let mut nr = [80, 16, 150, 30];
    assert!(proportional_reclaim_done(&mut nr, &targets, &direct, 40));
    // anon: 96 of 121 left = 79%: file keeps 21% of each target minus what it scanned.
    assert_eq!(nr, [0, 0, 0, 0]);
    let mut nr = [10, 2, 280, 56];
    assert!(proportional_reclaim_done(&mut nr, &targets, &direct, 40));
    // file is the larger side: anon stops; 12 of 121 anon left = 9%, file 91% of target.
    assert_eq!(nr, [0, 0, 273 - 20, 54 - 4]);
    let mut nr = [0, 0, 280, 56];
    assert!(
        !proportional_reclaim_done(&mut nr, &targets, &direct, 40),
        "anon done"
    );
    let kswapd = ScanControl::new(Gfp::KERNEL, 0, ZoneType::Movable, 32, true, false);
    let mut nr = [0, 0, 280, 56];
    assert!(
        !proportional_reclaim_done(&mut nr, &targets, &kswapd, 40),
        "kswapd too"
    );
}

#[test]
fn nofs_direct_reclaimer_is_throttled_for_at_most_hz() {
    let (mut k, _) = oom_ready(8192);
    drain(&mut k, |_| 0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::NOFS | Gfp::NORETRY, 0, s)
    });
    let th = evs
        .iter()
        .find(|e| e.kind() == "throttle")
        .expect("throttle");
    assert!(th.text().contains("at most HZ"));
}

// ---- compaction ------------------------------------------------------------------------

#[test]
fn compaction_migrates_movable_pages_to_build_a_block() {
    let mut k = kernel(0);
    k.add_process(4242, "hog", 0, false);
    // Fill with anonymous pages, then free every other one: plenty free, nothing contiguous.
    let total = k.machine().totalram_pages();
    k.give_anon_pages(4242, total, &mut NullSink);
    drain(&mut k, |_| 0);
    let pfns: Vec<u64> = (0..k.machine().max_pfn())
        .filter(|&p| k.machine().page_state(Pfn(p)) == PageState::Anon)
        .collect();
    for (i, p) in pfns.iter().enumerate() {
        if i % 2 == 0 {
            k.release_page(*p, &mut NullSink);
        }
    }
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 3, s)
    });
    assert!(r.addr.is_some(), "{:#?}", kinds(&evs));
    assert!(evs.iter().any(|e| matches!(e, AllocEvent::Compaction { result: CompactResult::Success, migrated, .. } if *migrated > 0)));
    // Unmovable order-3: compaction is tried before reclaim (the async attempt finds no
    // UNMOVABLE pageblock to scan; see async_compaction_scans_pageblocks_of_the_request_migratetype).
    let k = kinds(&evs);
    let first = |kind| k.iter().position(|x| *x == kind).unwrap_or(usize::MAX);
    assert!(
        first("compaction") < first("direct_reclaim"),
        "unmovable order-3: compaction first: {k:?}"
    );
}

/// Every page taken as an order-0 page of `mt` (so pageblocks are claimed for `mt`), made
/// an anonymous LRU page, then every other page freed: half free, nothing contiguous, and
/// no free page outside `mt` pageblocks.
fn fragmented_anon_in(k: &mut Kernel, mt: MigrateType) {
    fragmented_in(k, mt, PageState::Anon);
}

/// [`fragmented_anon_in`] with pages in `state`.
fn fragmented_in(k: &mut Kernel, mt: MigrateType, state: PageState) {
    let mut taken = Vec::new();
    for zid in zones(k) {
        while let Some(p) =
            k.machine_mut()
                .rmqueue(zid, 0, mt, AllocFlags::NO_WATERMARKS, &mut NullSink)
        {
            taken.push(p.0);
        }
    }
    for &p in &taken {
        k.machine_mut().set_state(Pfn(p), state).expect("anon");
        k.lru_add(p, super::kernel::LruList::ActiveAnon);
    }
    for p in taken {
        if p % 2 == 0 {
            k.release_page(p, &mut NullSink);
        }
    }
}

/// Like [`fragmented_in`] in the odd pageblocks (claimed for `mt`); the even pageblocks
/// stay MOVABLE and hold unmovable kernel pages with every other page free: the
/// migration targets `suitable_migration_target()` accepts.
fn fragmented_in_with_targets(k: &mut Kernel, mt: MigrateType, state: PageState) {
    use crate::mem::PAGEBLOCK_ORDER;
    let odd = |p: u64| (p >> PAGEBLOCK_ORDER) % 2 == 1;
    for zid in zones(k) {
        let mut all = Vec::new();
        while let Some(p) = k.machine_mut().rmqueue(
            zid,
            0,
            MigrateType::Movable,
            AllocFlags::NO_WATERMARKS,
            &mut NullSink,
        ) {
            all.push(p.0);
        }
        let (lru, kernel): (Vec<u64>, Vec<u64>) = all.into_iter().partition(|&p| odd(p));
        for &p in &lru {
            k.machine_mut()
                .free_pages(Pfn(p), 0, &mut NullSink)
                .expect("free");
        }
        let mut taken = Vec::new();
        for _ in 0..lru.len() {
            let Some(p) =
                k.machine_mut()
                    .rmqueue(zid, 0, mt, AllocFlags::NO_WATERMARKS, &mut NullSink)
            else {
                break;
            };
            taken.push(p.0);
        }
        for &p in &taken {
            k.machine_mut().set_state(Pfn(p), state).expect("state");
            k.lru_add(p, super::kernel::LruList::ActiveAnon);
        }
        for p in taken {
            if p % 2 == 0 {
                k.release_page(p, &mut NullSink);
            }
        }
        for p in kernel {
            if p % 2 == 0 {
                k.machine_mut()
                    .free_pages(Pfn(p), 0, &mut NullSink)
                    .expect("free");
            }
        }
    }
}

fn first_async_compaction(evs: &[AllocEvent]) -> Option<(CompactResult, u64, String)> {
    evs.iter().find_map(|e| match e {
        AllocEvent::Compaction {
            function: "compact_zone_order",
            priority: super::event::CompactPriority::Async,
            result,
            migrated,
            why,
            ..
        } => Some((*result, *migrated, why.clone())),
        _ => None,
    })
}

/// 6.12 mm/compaction.c:1395-1411 `suitable_migration_source()`: async direct compaction
/// for a non-movable request scans pageblocks of the request's own migratetype
/// (`block_mt == cc->migratetype`), and a MOVABLE request only movable pageblocks.
#[test]
fn async_compaction_scans_pageblocks_of_the_request_migratetype() {
    // GFP_KERNEL (UNMOVABLE) order-3 with movable pages in UNMOVABLE pageblocks: async
    // compaction may migrate them.
    let mut k = kernel(0);
    fragmented_in_with_targets(&mut k, MigrateType::Unmovable, PageState::Anon);
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 3, s)
    });
    assert!(r.addr.is_some(), "{:#?}", kinds(&evs));
    let (res, migrated, why) = first_async_compaction(&evs).expect("async compaction");
    assert_eq!(res, CompactResult::Success, "{why}");
    assert!(migrated > 0);

    // The same request with the movable pages in MOVABLE pageblocks: async mode skips
    // them (block_mt != cc->migratetype); only sync compaction may use them.
    let mut k = kernel(0);
    fragmented_in_with_targets(&mut k, MigrateType::Movable, PageState::Anon);
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 3, s)
    });
    assert!(r.addr.is_some(), "{:#?}", kinds(&evs));
    let (res, _, why) = first_async_compaction(&evs).expect("async compaction");
    assert_eq!(res, CompactResult::Complete, "{why}");
    assert!(why.contains("Unmovable"), "{why}");
    assert!(evs.iter().any(|e| matches!(e, AllocEvent::Compaction { priority, result: CompactResult::Success, .. } if *priority != super::event::CompactPriority::Async)));

    // A MOVABLE costly request: async mode scans MOVABLE pageblocks only.
    let mut k = kernel(0);
    fragmented_anon_in(&mut k, MigrateType::Unmovable);
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::HIGHUSER_MOVABLE, 4, s)
    });
    let (res, _, why) = first_async_compaction(&evs).expect("async compaction");
    assert_eq!(res, CompactResult::Complete, "{why}");
    assert!(why.contains("MOVABLE pageblock"), "{why}");
}

/// 6.12 mm/compaction.c:1127-1128 `if (!(cc->gfp_mask & __GFP_FS) && mapping) goto
/// isolate_fail_put;` with mm/util.c:852-853 (`folio_mapping()` of a swap-cache folio is
/// its swap address space): GFP_NOFS compaction does not migrate swap-cache anon pages.
#[test]
fn nofs_compaction_does_not_migrate_swap_cache_pages() {
    let migrated = |state: PageState, gfp: Gfp| -> u64 {
        let mut k = kernel(0);
        fragmented_in_with_targets(&mut k, MigrateType::Unmovable, state);
        let (mut t, mut c) = (nofs_task(), proc_ctx());
        let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
            k.alloc_pages(cur, gfp | Gfp::NORETRY, 3, s)
        });
        evs.iter()
            .map(|e| match e {
                AllocEvent::Compaction { migrated, .. } => *migrated,
                _ => 0,
            })
            .sum()
    };
    assert_eq!(migrated(PageState::AnonSwapCache, Gfp::NOFS), 0);
    assert!(migrated(PageState::AnonSwapCache, Gfp::KERNEL) > 0);
    assert!(migrated(PageState::Anon, Gfp::NOFS) > 0);
}

/// 6.12 mm/compaction.c:1414-1440 `suitable_migration_target()`: compaction's free
/// scanner takes migration targets only from MOVABLE (or CMA) pageblocks; it never claims
/// or steals another pageblock as an allocation's fallback would.
#[test]
fn compaction_targets_come_only_from_movable_pageblocks() {
    let mut k = kernel(0);
    // Movable pages in UNMOVABLE pageblocks, every other page free: the only free pages
    // are in UNMOVABLE pageblocks too.
    fragmented_anon_in(&mut k, MigrateType::Unmovable);
    let blocks_before = k
        .machine()
        .zone(zones(&k)[1])
        .expect("zone")
        .pageblock_counts();
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::NORETRY, 3, s)
    });
    let whys: Vec<&str> = evs
        .iter()
        .filter_map(|e| match e {
            AllocEvent::Compaction {
                function: "compact_zone_order",
                why,
                ..
            } => Some(why.as_str()),
            _ => None,
        })
        .collect();
    assert!(!whys.is_empty());
    assert!(
        whys.iter()
            .all(|w| w.starts_with("not enough free migration targets")),
        "{whys:?}"
    );
    assert_eq!(
        k.machine()
            .zone(zones(&k)[1])
            .expect("zone")
            .pageblock_counts(),
        blocks_before,
        "no pageblock changed type"
    );
}

/// 6.12 mm/compaction.c:2436-2442 and :2502-2503: when the fragmentation index says the
/// failure is lack of memory, `compaction_suitable()` only traces
/// COMPACT_NOT_SUITABLE_ZONE; `compaction_suit_allocation_order()` returns COMPACT_SKIPPED.
#[test]
fn low_fragmentation_index_skips_compaction() {
    let mut k = kernel(0);
    // Every page in order-3 blocks, then every other block freed: half of memory free,
    // all of it in order-3 blocks whose buddies are in use (index ≈ 500 at order 4).
    take_all_then_free(&mut k, 3, |pfn| pfn.is_multiple_of(16));
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::NORETRY, 4, s)
    });
    let frag: Vec<CompactResult> = evs
        .iter()
        .filter_map(|e| match e {
            AllocEvent::Compaction { result, why, .. } if why.contains("fragmentation index") => {
                Some(*result)
            }
            _ => None,
        })
        .collect();
    assert!(!frag.is_empty(), "{:#?}", kinds(&evs));
    assert!(
        frag.iter().all(|r| *r == CompactResult::Skipped),
        "{frag:?}"
    );
}

// ---- entry checks -----------------------------------------------------------------------

/// 6.12 mm/page_alloc.c:4832 `if (WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)) return
/// NULL;` (macro at mm/internal.h:51-60): one WARNING at that line per boot, none with
/// __GFP_NOWARN, and no warn_alloc() report since the slow path is never entered.
#[test]
fn order_above_max_page_order_warns_once_without_warn_alloc() {
    let mut k = kernel(0);
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::NOWARN, 11, s)
    });
    assert!(r.addr.is_none());
    assert_eq!(count(&evs, "warning"), 0, "__GFP_NOWARN: no WARNING");
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 11, s)
    });
    assert!(r.addr.is_none());
    let warn = evs.iter().find(|e| e.kind() == "warning").expect("WARNING");
    assert!(
        warn.text()
            .starts_with("WARNING: CPU: 0 PID: 100 at mm/page_alloc.c:4832 __alloc_pages_noprof"),
        "{}",
        warn.text()
    );
    let fail = evs.iter().find(|e| e.kind() == "alloc_fail").expect("fail");
    assert!(
        fail.report().is_empty(),
        "no warn_alloc: {:?}",
        fail.report()
    );
    assert!(!kinds(&evs).contains(&"direct_reclaim"));
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 8 << 20, Gfp::KERNEL, s)
    });
    assert_eq!(count(&evs, "warning"), 0, "WARN_ON_ONCE: once per boot");
    assert_eq!(count(&evs, "alloc_fail"), 1);
}

/// 6.12 mm/slub.c:4302-4303 (`___kmalloc_large_node`) and mm/slub.c:2697-2698
/// (`new_slab`) call `kmalloc_fix_flags()`, whose mm/slab_common.c:1065 format is
/// "Unexpected gfp: %#x (%pGg). Fixing up to gfp: %#x (%pGg). Fix your code!".
#[test]
fn kmalloc_fix_flags_warns_on_the_large_path_in_the_kernel_format() {
    let want =
        "Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!";
    let mut k = kernel(0);
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 16384, Gfp::KERNEL | Gfp::HIGHMEM, s)
    });
    assert!(r.addr.is_some());
    let warnings: Vec<String> = evs
        .iter()
        .filter(|e| e.kind() == "warning")
        .map(AllocEvent::text)
        .collect();
    assert_eq!(warnings, [want]);
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 64, Gfp::KERNEL | Gfp::HIGHMEM, s)
    });
    assert!(r.addr.is_some());
    let warnings: Vec<String> = evs
        .iter()
        .filter(|e| e.kind() == "warning")
        .map(AllocEvent::text)
        .collect();
    assert_eq!(warnings, [want], "new_slab() path");
}

/// 6.12 mm/vmalloc.c:3699-3700 and :3755-3758: `__vmalloc_area_node()` adds __GFP_HIGHMEM
/// to gfp_mask and reports with `warn_alloc(gfp_mask, ...)`, so the caller's __GFP_NOWARN
/// silences it and the printed mode shows __GFP_HIGHMEM.
#[test]
fn vmalloc_failure_report_keeps_the_callers_nowarn() {
    let mut k = kernel(0);
    drain(&mut k, |_| 0);
    let (mut t, mut c) = (nofs_task(), proc_ctx());
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.vmalloc(cur, 8 * 4096, Gfp::NOWAIT, s)
    });
    assert!(r.addr.is_none());
    let fails: Vec<&AllocEvent> = evs.iter().filter(|e| e.kind() == "alloc_fail").collect();
    assert!(!fails.is_empty());
    for fail in fails {
        assert!(fail.report().is_empty(), "{:?}", fail.report());
    }
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.vmalloc(cur, 8 * 4096, Gfp::NOWAIT.without(Gfp::NOWARN), s)
    });
    assert!(r.addr.is_none());
    let report = evs
        .iter()
        .find(|e| e.kind() == "alloc_fail" && !e.report().is_empty())
        .expect("vmalloc's warn_alloc");
    assert!(
        report
            .text()
            .contains("vmalloc error: size 0, failed to allocate pages")
            && report.text().contains("__GFP_HIGHMEM"),
        "{}",
        report.text()
    );
}

// ---- OOM ---------------------------------------------------------------------------------

#[test]
fn oom_badness_picks_the_biggest_and_respects_oom_score_adj() {
    let mut k = kernel(0);
    k.add_process(10, "small", 0, false);
    k.add_process(11, "big-but-protected", -1000, false);
    k.add_process(12, "medium", 0, false);
    let total = k.machine().totalram_pages();
    k.give_anon_pages(11, total / 2, &mut NullSink);
    k.give_anon_pages(12, total / 4, &mut NullSink);
    k.give_anon_pages(10, total / 8, &mut NullSink);
    drain(&mut k, |z| z.min_wmark_pages() / 2);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert_eq!(r.killed, [12]);
    let kill = evs.iter().find(|e| e.kind() == "oom_kill").unwrap();
    let rep = kill.report();
    assert!(
        rep.iter()
            .any(|l| l == "Tasks state (memory values in pages):")
    );
    assert!(rep.iter().any(|l| l.ends_with(" big-but-protected")));
    assert!(rep.iter().any(|l| l.starts_with("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=medium,pid=12,uid=0")));
    assert!(rep.iter().any(|l| l.starts_with("Node 0 DMA32 free:")));
    assert!(rep.iter().any(|l| l.starts_with("lowmem_reserve[]:")));
}

#[test]
fn oom_with_nothing_killable_panics_and_stops() {
    let mut k = kernel(0);
    drain(&mut k, |_| 0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.stopped.as_deref().is_some_and(|s| s.starts_with("panic")));
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::Bug {
            bug: BugKind::OomPanic,
            ..
        }
    )));
}

// ---- hazards -----------------------------------------------------------------------------

#[test]
fn sleeping_allocation_in_atomic_context_reports_bug_and_continues() {
    let mut k = kernel(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let _ = c.spin_lock("&dev->lock", &CallSite::new("rx", 3));
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 64, Gfp::KERNEL, s)
    });
    assert!(r.addr.is_some(), "the run continues");
    let bug = evs.iter().find(|e| e.kind() == "bug").unwrap();
    assert!(
        bug.text()
            .starts_with("BUG: sleeping function called from invalid context at")
    );
    // GFP_ATOMIC under the same lock is fine.
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 64, Gfp::ATOMIC, s)
    });
    assert_eq!(count(&evs, "bug"), 0);
}

#[test]
fn fs_reclaim_recursion_is_reported_by_lockdep_and_avoided_by_a_nofs_scope() {
    let mut k = kernel(0);
    k.declare_fs_reclaim_lock("xfs_ilock");
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let _ = c.mutex_lock(&t, "&xfs_ilock", &CallSite::new("xfs_create", 12), &[]);
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 512, Gfp::KERNEL, s)
    });
    let bug = evs
        .iter()
        .find(|e| {
            matches!(
                e,
                AllocEvent::Bug {
                    bug: BugKind::FsReclaimRecursion,
                    ..
                }
            )
        })
        .expect("lockdep");
    assert_eq!(
        bug.report()[1],
        "WARNING: possible circular locking dependency detected"
    );
    // lockdep turns itself off after its first report.
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 512, Gfp::KERNEL, s)
    });
    assert_eq!(count(&evs, "bug"), 0);
    let mut k = kernel(0);
    k.declare_fs_reclaim_lock("xfs_ilock");
    let mut t2 = Task::with_flags(100, "worker", TaskFlags::PF_MEMALLOC_NOFS);
    let (_, evs) = run(&mut k, &mut t2, &mut c, |k, cur, s| {
        k.kmalloc(cur, 512, Gfp::KERNEL, s)
    });
    assert_eq!(count(&evs, "bug"), 0);
}

#[test]
fn fs_reclaim_recursion_under_pressure_is_a_deadlock_verdict() {
    let mut k = slab_pressure();
    k.declare_fs_reclaim_lock("xfs_ilock");
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let _ = c.mutex_lock(&t, "&xfs_ilock", &CallSite::new("xfs_create", 12), &[]);
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(
        r.stopped
            .as_deref()
            .is_some_and(|s| s.starts_with("deadlock")),
        "{:?}",
        kinds(&evs)
    );
    let stop = evs.iter().find(|e| e.kind() == "task_stopped").unwrap();
    let AllocEvent::TaskStopped { cycle, .. } = stop else {
        panic!()
    };
    assert_eq!(cycle.len(), 3);
}

#[test]
fn io_during_runtime_resume_deadlocks_without_memalloc_noio() {
    let setup = || {
        let mut k = kernel(8192);
        k.add_process(4242, "hog", 0, false);
        let total = k.machine().totalram_pages();
        k.give_anon_pages(4242, total, &mut NullSink);
        drain(&mut k, |z| z.min_wmark_pages() / 2);
        let dev = k.add_device(Device {
            name: "sda".into(),
            suspended: true,
            backs_swap: true,
            backs_fs: false,
            memalloc_noio: true,
        });
        (k, dev)
    };
    let (mut k, dev) = setup();
    let mut t = Task::new(55, "kworker/0:1");
    let mut c = proc_ctx();
    let needs_noio = k.rpm_resume_begin(55, dev);
    assert!(needs_noio);
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 64, Gfp::KERNEL, s)
    });
    assert!(evs.iter().any(|e| e.kind() == "hazard"));
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::Bug {
            bug: BugKind::NoioResumeDeadlock,
            ..
        }
    )));
    assert!(r.stopped.is_some());
    // With the NOIO scope rpm_callback opens, no I/O is attempted: no hazard, no deadlock.
    let (mut k, dev) = setup();
    k.rpm_resume_begin(55, dev);
    let mut t = Task::with_flags(55, "kworker/0:1", TaskFlags::PF_MEMALLOC_NOIO);
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 64, Gfp::KERNEL, s)
    });
    assert_eq!(count(&evs, "hazard"), 0);
    assert!(r.stopped.is_none());
}

// ---- entry points --------------------------------------------------------------------------

#[test]
fn kvmalloc_tries_noretry_kmalloc_then_vmalloc_with_a_scope() {
    let mut k = kernel(0);
    fragment(&mut k);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kvmalloc(cur, 65536, Gfp::NOFS, s)
    });
    let adjust = evs
        .iter()
        .find(|e| {
            matches!(
                e,
                AllocEvent::GfpAdjust {
                    function: "kmalloc_gfp_adjust",
                    ..
                }
            )
        })
        .unwrap();
    let AllocEvent::GfpAdjust { to, .. } = adjust else {
        panic!()
    };
    assert_eq!(*to, Gfp::NOFS | Gfp::NOWARN | Gfp::NORETRY);
    assert!(r.addr.is_some_and(is_vmalloc_addr), "{:?}", kinds(&evs));
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::ScopeSave {
            api: "memalloc_nofs_save",
            ..
        }
    )));
    let pt = evs
        .iter()
        .find(|e| {
            matches!(
                e,
                AllocEvent::GfpAdjust {
                    function: "__pte_alloc_kernel",
                    ..
                }
            )
        })
        .unwrap();
    let AllocEvent::GfpAdjust { to, .. } = pt else {
        panic!()
    };
    assert_eq!(
        *to,
        Gfp::NOFS | Gfp::ZERO,
        "page tables obey NOFS through the scope"
    );
    assert!(
        !t.flags.contains(TaskFlags::PF_MEMALLOC_NOFS),
        "scope restored"
    );
}

#[test]
fn slab_growth_uses_allocate_slab_masks() {
    let mut k = kernel(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 700, Gfp::NOFS, s)
    });
    assert!(r.addr.is_some());
    let first = evs
        .iter()
        .find(|e| {
            matches!(
                e,
                AllocEvent::GfpAdjust {
                    function: "allocate_slab",
                    ..
                }
            )
        })
        .unwrap();
    let AllocEvent::GfpAdjust { to, .. } = first else {
        panic!()
    };
    assert!(to.contains(Gfp::NOWARN | Gfp::NORETRY));
    assert!(!to.contains(Gfp::NOFAIL));
    // A second kmalloc of the same class is a slab hit: no page allocation.
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 700, Gfp::NOFS, s)
    });
    assert_eq!(count(&evs, "freelist"), 0);
}

#[test]
fn frees_return_memory_and_bad_frees_warn() {
    let mut k = kernel(0);
    let before = k.machine().nr_free_pages();
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (pages, _) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 2, s)
    });
    let (area, _) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.vmalloc(cur, 3 * 4096, Gfp::KERNEL, s)
    });
    let (big, _) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 20000, Gfp::KERNEL, s)
    });
    let mut sink: Vec<Event> = Vec::new();
    assert!(k.free_pages(pages.addr.unwrap(), &mut sink));
    assert!(k.vfree(area.addr.unwrap(), &mut sink));
    assert!(k.kvfree(big.addr.unwrap(), &mut sink));
    assert_eq!(k.machine().nr_free_pages(), before);
    assert!(!k.kfree(0xdead_beef, &mut sink));
    assert!(k.kfree(0, &mut sink), "kfree(NULL) is a no-op");
}

// ---- determinism and goldens --------------------------------------------------------------

fn pressure_run(seed: u64) -> Vec<String> {
    let mut k = kernel(2048);
    k.apply_pressure(
        &PressureConfig {
            seed,
            page_cache_pct: 40,
            dirty_pct: 25,
            anon_pct: 30,
            slab_reclaimable_pct: 10,
            background: vec![
                BackgroundSpec {
                    kind: BackgroundKind::AnonHog,
                    per_step: 48,
                },
                BackgroundSpec {
                    kind: BackgroundKind::PageCacheWriter,
                    per_step: 16,
                },
            ],
            ..PressureConfig::default()
        },
        &mut NullSink,
    );
    let mut sink: Vec<Event> = Vec::new();
    for _ in 0..120 {
        k.run_background(0, &mut sink);
        k.run_background(1, &mut sink);
        k.tick(&mut sink);
        if k.kswapd_pending(0) {
            k.run_kswapd(0, &mut sink);
        }
    }
    sink.iter()
        .filter_map(|e| match e {
            Event::Alloc(a) => Some(format!("{}: {}", a.kind(), a.text())),
            _ => None,
        })
        .collect()
}

#[test]
fn same_seed_same_trace() {
    let a = pressure_run(7);
    assert!(
        a.iter().any(|l| l.starts_with("kswapd")),
        "pressure builds up"
    );
    assert_eq!(a, pressure_run(7));
}

#[test]
fn kernel_clone_is_a_keyframe() {
    let mut k = kernel(0);
    k.apply_pressure(
        &PressureConfig {
            seed: 2,
            page_cache_pct: 50,
            background: vec![BackgroundSpec {
                kind: BackgroundKind::AnonHog,
                per_step: 32,
            }],
            ..PressureConfig::default()
        },
        &mut NullSink,
    );
    let snap = k.clone();
    let mut a: Vec<Event> = Vec::new();
    for _ in 0..50 {
        k.run_background(0, &mut a);
    }
    let mut k2 = snap;
    let mut b: Vec<Event> = Vec::new();
    for _ in 0..50 {
        k2.run_background(0, &mut b);
    }
    assert_eq!(a, b);
}

fn golden(evs: &[AllocEvent]) -> String {
    let mut out = String::new();
    for e in evs {
        out.push_str(e.kind());
        out.push_str(": ");
        out.push_str(&e.text());
        out.push('\n');
    }
    out
}

#[test]
fn golden_gfp_atomic_failure() {
    let mut k = kernel(0);
    drain(&mut k, |_| 0);
    let mut t = Task::new(0, "swapper/0");
    let mut c = ExecContext::new(ContextKind::Softirq);
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::ATOMIC, 0, s)
    });
    insta::assert_snapshot!(golden(&evs));
}

#[test]
fn golden_nofs_noretry_under_slab_pressure() {
    let mut k = slab_pressure();
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::NOFS | Gfp::NORETRY, 0, s)
    });
    insta::assert_snapshot!(golden(&evs));
}

#[test]
fn golden_oom_report() {
    let (mut k, _) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    let kill = evs.iter().find(|e| e.kind() == "oom_kill").unwrap();
    insta::assert_snapshot!(kill.report().join("\n"));
}

#[test]
fn events_serialise_with_hex_masks_and_snake_case_kinds() {
    let mut k = kernel(0);
    let mut t = Task::with_flags(100, "xfs", TaskFlags::PF_MEMALLOC_NOFS);
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.kmalloc(cur, 64, Gfp::KERNEL, s)
    });
    let json = serde_json::to_value(Event::Alloc(evs[0].clone())).unwrap();
    assert_eq!(json["source"], "alloc");
    assert_eq!(json["kind"], "alloc");
    assert_eq!(json["requested_gfp"], "0xcc0");
    assert_eq!(json["effective_gfp"], "0xc40");
    for e in &evs {
        let v = serde_json::to_value(Event::Alloc(e.clone())).unwrap();
        assert_eq!(v["kind"], e.kind());
    }
}

#[test]
fn decisions_name_their_kernel_function() {
    let (mut k, _) = oom_ready(0);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (_, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    let ds: Vec<_> = evs.iter().filter_map(AllocEvent::decision).collect();
    assert!(
        ds.iter()
            .any(|d| d.stage == crate::view::Stage::FastPath && !d.taken)
    );
    assert!(
        ds.iter()
            .any(|d| d.stage == crate::view::Stage::DirectReclaim
                && d.function == "__alloc_pages_direct_reclaim")
    );
    assert!(
        ds.iter().any(|d| d.stage == crate::view::Stage::Oom
            && d.taken
            && d.function == "out_of_memory")
    );
    assert!(ds.iter().any(|d| d.stage == crate::view::Stage::Success));
    assert!(
        ds.iter()
            .all(|d| !d.function.is_empty() && !d.detail.is_empty())
    );
}

#[test]
fn kswapd_task_has_pf_memalloc_and_pf_kswapd() {
    let k = kernel(0);
    let t = k.kswapd_task(0);
    assert_eq!(t.comm, "kswapd0");
    assert!(
        t.flags
            .contains(TaskFlags::PF_MEMALLOC | TaskFlags::PF_KSWAPD)
    );
}

#[test]
fn nomemalloc_denies_pf_memalloc_reserves() {
    let mut k = kernel(0);
    drain(&mut k, |_| 1);
    let mut t = Task::with_flags(100, "kswapd0", TaskFlags::PF_MEMALLOC);
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL | Gfp::NOMEMALLOC, 0, s)
    });
    assert!(r.addr.is_none());
    assert!(evs.iter().any(|e| matches!(e, AllocEvent::Reserves { granted: false, why, .. } if why.contains("__GFP_NOMEMALLOC"))));
}

#[test]
fn gfp_memalloc_grants_no_watermarks_outside_pf_memalloc() {
    let mut k = kernel(0);
    drain(&mut k, |_| 1);
    let mut t = nofs_task();
    let mut c = proc_ctx();
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::ATOMIC | Gfp::MEMALLOC, 0, s)
    });
    assert!(r.addr.is_some());
    assert!(evs.iter().any(|e| matches!(
        e,
        AllocEvent::AllocOk {
            pfmemalloc: true,
            ..
        }
    )));
}

// ---- where the initial pressure leaves free memory (PressureConfig::free) -----------------

fn filled(free: FreeTarget) -> Kernel {
    let mut k = kernel(0);
    k.apply_pressure(
        &PressureConfig {
            seed: 3,
            page_cache_pct: 60,
            dirty_pct: 10,
            anon_pct: 30,
            slab_reclaimable_pct: 10,
            free,
            ..PressureConfig::default()
        },
        &mut NullSink,
    );
    k
}

#[test]
fn setup_fills_each_zone_down_to_the_free_target() {
    type Mark = fn(&crate::mem::Zone) -> u64;
    let marks: [(FreeTarget, Mark); 4] = [
        (FreeTarget::High, |z| z.high_wmark_pages() + 1),
        (FreeTarget::Low, |z| z.watermark_raw(Wmark::Low)),
        (FreeTarget::Min, |z| z.watermark_raw(Wmark::Min)),
        (FreeTarget::BelowMin, |z| z.watermark_raw(Wmark::Min) / 2),
    ];
    for (target, mark) in marks {
        let k = filled(target);
        let highest = k.gfp_zone(Gfp::HIGHUSER_MOVABLE);
        for z in k.machine().populated_zones() {
            assert_eq!(
                z.nr_free_pages(),
                mark(z) + z.lowmem_reserve_for(highest),
                "{target:?} in {}",
                z.name()
            );
        }
    }
}

#[test]
fn free_at_min_sends_gfp_kernel_into_direct_reclaim_at_low_only_kswapd() {
    let mut c = proc_ctx();
    // At min: fast path fails, kswapd is woken, the min retry fails: direct reclaim.
    let mut k = filled(FreeTarget::Min);
    let mut t = Task::new(100, "t");
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.addr.is_some());
    assert!(count(&evs, "kswapd_wake") >= 1, "{:?}", kinds(&evs));
    assert!(count(&evs, "direct_reclaim") >= 1, "{:?}", kinds(&evs));
    // At low: kswapd is woken and the ALLOC_WMARK_MIN retry succeeds without reclaim.
    let mut k = filled(FreeTarget::Low);
    let mut t = Task::new(100, "t");
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.addr.is_some());
    assert!(count(&evs, "kswapd_wake") >= 1, "{:?}", kinds(&evs));
    assert_eq!(count(&evs, "direct_reclaim"), 0, "{:?}", kinds(&evs));
    // Default: the fast path succeeds (no slow path: no gfp_to_alloc_flags).
    let mut k = filled(FreeTarget::High);
    let mut t = Task::new(100, "t");
    let (r, evs) = run(&mut k, &mut t, &mut c, |k, cur, s| {
        k.alloc_pages(cur, Gfp::KERNEL, 0, s)
    });
    assert!(r.addr.is_some());
    assert_eq!(count(&evs, "alloc_flags"), 0, "{:?}", kinds(&evs));
    assert_eq!(count(&evs, "direct_reclaim"), 0, "{:?}", kinds(&evs));
}

/// A report's one-line text, and so the decision panel's detail, is its headline, not the
/// rule of '=' that opens lockdep's reports (kernel/locking/lockdep.c,
/// print_circular_bug_header(), 6.12).
#[test]
fn a_report_is_summarised_by_its_headline() {
    let ev = AllocEvent::Bug {
        bug: BugKind::FsReclaimRecursion,
        report: vec![
            String::new(),
            "=".repeat(54),
            "WARNING: possible circular locking dependency detected".into(),
            "6.12.117 #1 Not tainted".into(),
        ],
    };
    assert_eq!(
        ev.text(),
        "WARNING: possible circular locking dependency detected"
    );
    assert_eq!(ev.decision().map(|d| d.detail), Some(ev.text()));
}
