//! The key outcome of every built-in scenario, observed through the Run API the
//! way a user sees it (log entries and their fields), plus pipeline checks with
//! small scenarios for outcomes the library shows only under heavier pressure.

mod common;

use gfpscope_engine::scenario::Run;

const GFP_FS: u32 = 0x80;
const GFP_DIRECT_RECLAIM: u32 = 0x400;
const GFP_KSWAPD_RECLAIM: u32 = 0x800;
const GFP_NOFAIL: u32 = 0x8000;

/// One allocation as the log reports it.
#[derive(Debug)]
#[allow(dead_code)] // step and line make failure messages readable
struct Alloc {
    step: u64,
    task: String,
    function: String,
    line: u32,
    api: String,
    requested: u32,
    effective: u32,
}

struct Outcome {
    run: Run,
}

impl Outcome {
    fn of(name: &str) -> Outcome {
        let run = common::run_builtin(name);
        assert!(run.finished(), "{name} did not finish");
        Outcome { run }
    }

    fn src(src: &str) -> Outcome {
        let mut run = Run::new("t.c", src).unwrap_or_else(|d| panic!("{}", d[0].render(src)));
        run.run_to_end();
        Outcome { run }
    }

    fn field(&self, i: usize, k: &str) -> String {
        self.run.log_fields()[i].get(k).cloned().unwrap_or_default()
    }

    fn allocs(&self) -> Vec<Alloc> {
        let hex = |s: String| u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
        self.run
            .log()
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == "alloc" && e.task != "<background>")
            .map(|(i, e)| Alloc {
                step: e.step,
                task: e.task.clone(),
                function: e.function.clone().unwrap_or_default(),
                line: e.line.unwrap_or(0),
                api: self.field(i, "api"),
                requested: hex(self.field(i, "requested_gfp")),
                effective: hex(self.field(i, "effective_gfp")),
            })
            .collect()
    }

    fn alloc_in(&self, function: &str) -> Alloc {
        self.allocs()
            .into_iter()
            .find(|a| a.function == function)
            .unwrap_or_else(|| panic!("no allocation in {function}: {:?}", self.allocs()))
    }

    /// (index, entry) of every log entry of `kind` outside the background tasks.
    fn entries(&self, kind: &str) -> Vec<(usize, &gfpscope_engine::view::LogEntry)> {
        self.run
            .log()
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == kind && e.task != "<background>")
            .collect()
    }

    fn ret(&self, task: &str) -> Option<String> {
        self.run
            .log()
            .iter()
            .enumerate()
            .find(|(_, e)| e.kind == "task_exit" && e.task == task)
            .map(|(i, _)| self.field(i, "ret"))
    }
}

#[test]
fn xfs_create_nofs_scope_strips_gfp_fs_deep_in_the_call_chain() {
    let o = Outcome::of("xfs_create");
    let inode = o.alloc_in("xfs_inode_alloc");
    assert_eq!(
        inode.requested, 0x8cc0,
        "GFP_KERNEL | __GFP_NOFAIL as written"
    );
    assert_eq!(
        inode.effective, 0x8c40,
        "GFP_NOFS | __GFP_NOFAIL after current_gfp_context()"
    );
    // The transaction itself is allocated before the scope opens.
    assert_eq!(o.alloc_in("xfs_create").effective & GFP_FS, GFP_FS);
    assert!(o.entries("bug").is_empty());
    assert_eq!(o.entries("scope_save").len(), 1);
    assert_eq!(o.entries("scope_restore").len(), 1);
}

#[test]
fn xfs_create_without_the_scope_is_an_fs_reclaim_recursion() {
    let o = Outcome::of("xfs_create_noscope");
    let inode = o.alloc_in("xfs_inode_alloc");
    assert_eq!(inode.effective, 0x8cc0);
    let bugs = o.entries("bug");
    assert!(!bugs.is_empty(), "no lockdep report");
    let (i, bug) = bugs[0];
    assert_eq!(o.field(i, "bug"), "fs_reclaim_recursion");
    assert_eq!(bug.function.as_deref(), Some("xfs_inode_alloc"));
    assert!(bug.text.contains("circular locking"), "{}", bug.text);
}

#[test]
fn xfs_transaction_roll_loses_nofs_on_6_1() {
    let o = Outcome::of("xfs_trans_roll_6_1");
    assert_eq!(
        o.entries("scope_lost").len(),
        1,
        "the restore(0) clears the outer scope"
    );
    // The buffer allocated after the roll runs with __GFP_FS again.
    let buf = o.allocs().into_iter().find(|a| a.api == "kmalloc").unwrap();
    assert_eq!(buf.function, "xfs_inactive");
    assert_eq!(buf.effective & GFP_FS, GFP_FS, "{buf:?}");
}

#[test]
fn xfs_transaction_roll_keeps_nofs_on_6_12() {
    let o = Outcome::of("xfs_trans_roll_6_12");
    assert!(o.entries("scope_lost").is_empty());
    let buf = o.allocs().into_iter().find(|a| a.api == "kmalloc").unwrap();
    assert_eq!(buf.effective & GFP_FS, 0, "{buf:?}");
    assert_eq!(buf.requested & GFP_FS, GFP_FS);
}

#[test]
fn ext4_jbd2_explicit_nofs_adds_nothing_inside_the_scopes() {
    let o = Outcome::of("ext4_jbd2");
    for a in o.allocs() {
        assert_eq!(a.effective & GFP_FS, 0, "inside the NOFS scopes: {a:?}");
    }
    // The explicit GFP_NOFS call sites are left unchanged by the scope: redundant.
    let extent = o.alloc_in("ext4_find_extent");
    assert_eq!(extent.requested, extent.effective);
    // jbd2 makes its own transaction allocation __GFP_NOFAIL.
    assert_eq!(
        o.alloc_in("start_this_handle").requested & GFP_NOFAIL,
        GFP_NOFAIL
    );
    assert_eq!(o.entries("scope_save").len(), 2);
}

#[test]
fn runtime_pm_resume_callbacks_run_in_a_noio_scope() {
    let o = Outcome::of("runtime_pm_resume");
    let resumes: Vec<String> = o
        .entries("rpm_resume")
        .iter()
        .map(|(_, e)| e.text.clone())
        .collect();
    assert_eq!(resumes.len(), 2, "{resumes:?}");
    assert!(
        resumes[0].contains("usb_dev"),
        "the parent resumes first: {resumes:?}"
    );
    assert!(resumes[1].contains("usb_disk"), "{resumes:?}");
    // GFP_KERNEL inside the resume callback becomes GFP_NOIO.
    let status = o.alloc_in("usb_get_status");
    assert_eq!((status.requested, status.effective), (0xcc0, 0xc00));
    assert!(o.entries("submit_bio").len() == 1);
    assert!(o.entries("bug").is_empty());
}

#[test]
fn usb_storage_reset_noio_scope_covers_the_whole_reset() {
    let o = Outcome::of("usb_storage_reset");
    let post = o.alloc_in("rebind_probe");
    assert_eq!(post.requested, 0xdc0);
    assert_eq!(
        post.effective, 0xd00,
        "GFP_KERNEL|__GFP_ZERO loses IO and FS"
    );
    let hub = o.alloc_in("hub_port_init");
    assert_eq!(
        (hub.requested, hub.effective),
        (0xc00, 0xc00),
        "belt and braces GFP_NOIO"
    );
}

#[test]
fn usbnet_rx_passes_gfp_atomic_down_to_the_host_controller() {
    let o = Outcome::of("usbnet_rx");
    assert!(o.entries("bug").is_empty());
    let allocs = o.allocs();
    assert!(allocs.len() >= 6);
    for a in &allocs {
        assert_eq!(a.task, "usb_giveback_urb_bh");
        assert_eq!(
            a.effective & GFP_DIRECT_RECLAIM,
            0,
            "never sleeps in softirq: {a:?}"
        );
    }
    assert!(allocs.iter().any(|a| a.function == "xhci_urb_enqueue"));
    assert!(o.entries("irq_enter")[0].1.text.starts_with("softirq"));
}

#[test]
fn usbnet_rx_with_gfp_kernel_sleeps_in_atomic_context() {
    let o = Outcome::of("usbnet_rx_sleep_in_atomic");
    let bugs = o.entries("bug");
    assert!(!bugs.is_empty());
    let (i, bug) = bugs[0];
    assert_eq!(o.field(i, "bug"), "sleep_in_atomic");
    assert_eq!(
        bug.text,
        "BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321"
    );
    assert_eq!(bug.function.as_deref(), Some("rx_submit"));
    assert!(
        o.field(i, "report").contains("in_atomic(): 1"),
        "{}",
        o.field(i, "report")
    );
}

#[test]
fn virtio_net_refill_tries_order_3_without_direct_reclaim() {
    let o = Outcome::of("virtio_net_refill");
    let frag = o.alloc_in("skb_page_frag_refill");
    assert_eq!(frag.api, "alloc_pages");
    assert_eq!(frag.effective & GFP_DIRECT_RECLAIM, 0);
    assert_eq!(
        frag.effective & GFP_KSWAPD_RECLAIM,
        GFP_KSWAPD_RECLAIM,
        "may wake kswapd"
    );
    let i = o
        .run
        .log()
        .iter()
        .position(|e| e.kind == "alloc" && e.function.as_deref() == Some("skb_page_frag_refill"))
        .unwrap();
    assert_eq!(o.field(i, "order"), "3");
    assert!(o.entries("bug").is_empty());
}

#[test]
fn virtio_net_refill_defers_a_failed_atomic_refill_to_gfp_kernel_reclaim() {
    let o = Outcome::of("virtio_net_refill");
    let log = o.run.log();
    // The NAPI poll's order-0 GFP_ATOMIC fallback fails (below 3/8 of min).
    let fail = (0..log.len())
        .find(|&i| {
            log[i].kind == "alloc_fail"
                && log[i].task == "virtnet_poll"
                && log[i].function.as_deref() == Some("skb_page_frag_refill")
                && o.field(i, "order") == "0"
        })
        .expect("no failed order-0 atomic refill in virtnet_poll");
    assert_eq!(
        o.field(fail, "gfp"),
        "0x820",
        "GFP_ATOMIC as the driver wrote it"
    );
    assert!(log[fail].text.contains("page allocation failure: order:0"));
    // virtnet_receive defers to refill_work ...
    let wake = log
        .iter()
        .position(|e| e.kind == "wakeup" && e.text.starts_with("schedule_work(refill_work)"))
        .expect("refill_work never scheduled");
    assert!(fail < wake);
    assert_eq!(log[wake].function.as_deref(), Some("virtnet_receive"));
    // ... which refills with GFP_KERNEL and reclaims directly, in its own task.
    let reclaim = log
        .iter()
        .position(|e| e.kind == "direct_reclaim" && e.task == "refill_work")
        .expect("refill_work did not reclaim");
    assert!(wake < reclaim);
    assert_eq!(o.field(reclaim, "gfp"), "0xcc0", "GFP_KERNEL");
    assert!(
        log[..wake].iter().all(|e| e.kind != "direct_reclaim"),
        "the softirq never reclaims"
    );
    assert_eq!(
        o.ret("refill_work").as_deref(),
        Some("0"),
        "refill_work filled the ring"
    );
}

#[test]
fn nfs_rpciod_scope_turns_gfp_kernel_into_nofs() {
    let o = Outcome::of("nfs_rpciod");
    let rpc = o.alloc_in("rpc_malloc");
    assert_eq!(rpc.task, "rpciod");
    assert_eq!(rpc.requested & GFP_FS, GFP_FS);
    assert_eq!(rpc.effective, rpc.requested & !GFP_FS);
}

#[test]
fn loop_worker_makes_the_backing_filesystem_noio() {
    let o = Outcome::of("loop_worker");
    let reads: Vec<Alloc> = o
        .allocs()
        .into_iter()
        .filter(|a| a.function == "xfs_file_read_iter")
        .collect();
    assert!(!reads.is_empty());
    for a in reads {
        assert_eq!((a.requested, a.effective), (0xcc0, 0xc00), "{a:?}");
    }
    let (i, _) = o.entries("scope_save")[0];
    assert_eq!(o.field(i, "api"), "memalloc_flags_save");
}

#[test]
fn direct_reclaim_allocates_under_pf_memalloc_without_recursing() {
    let o = Outcome::of("direct_reclaim_zswap");
    let (i, _) = o.entries("scope_save")[0];
    assert_eq!(o.field(i, "api"), "memalloc_noreclaim_save");
    assert_eq!(o.field(i, "cookie"), "0x800", "PF_MEMALLOC");
    assert!(o.allocs().iter().any(|a| a.function == "zswap_store"));
    // Nobody running inside reclaim enters direct reclaim again.
    assert!(
        o.entries("direct_reclaim").is_empty(),
        "{:?}",
        o.entries("direct_reclaim")
    );
    assert!(o.entries("alloc_fail").is_empty());
}

#[test]
fn thp_fault_compacts_for_order_9_then_falls_back_to_small_pages() {
    let o = Outcome::of("thp_fault");
    let compactions = o.entries("compaction");
    assert!(!compactions.is_empty());
    assert!(compactions.iter().all(|(i, _)| o.field(*i, "order") == "9"));
    let fails = o.entries("alloc_fail");
    assert!(
        fails.iter().any(|(i, _)| o.field(*i, "gfp") == "0x1c24ca"),
        "GFP_TRANSHUGE fails"
    );
    let thp = o.alloc_in("vma_alloc_folio");
    assert_eq!(
        thp.effective & GFP_KSWAPD_RECLAIM,
        0,
        "THP masks do not wake kswapd"
    );
    // The fallback: order-0 GFP_HIGHUSER_MOVABLE pages.
    let small = o.alloc_in("do_huge_pmd_anonymous_page");
    assert_eq!(small.requested, 0x100cca);
    assert_eq!(o.ret("page_fault").as_deref(), Some("0"));
}

#[test]
fn kvmalloc_makes_its_contiguous_attempt_fail_fast() {
    let o = Outcome::of("kvmalloc_fallback");
    let adjusts: Vec<String> = o
        .entries("gfp_adjust")
        .iter()
        .map(|(_, e)| e.text.clone())
        .collect();
    assert!(
        adjusts.iter().any(|t| t.starts_with("kmalloc_gfp_adjust")
            && t.contains("0xdc0(GFP_KERNEL|__GFP_ZERO) → 0x12dc0(GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_ZERO)")),
        "{adjusts:?}"
    );
    let a = o.alloc_in("getxattr");
    assert_eq!(a.api, "kvmalloc");
    // Under this pressure the contiguous attempt fails quietly and vmalloc takes over
    // in the same statement.
    let fail = o
        .entries("alloc_fail")
        .into_iter()
        .find(|(_, e)| e.function.as_deref() == Some("getxattr"))
        .expect("the kmalloc attempt fails");
    let fallback = o
        .allocs()
        .into_iter()
        .find(|x| x.api == "vmalloc" && x.function == "getxattr")
        .expect("vmalloc fallback");
    assert_eq!(fallback.step, fail.1.step);
}

#[test]
fn open_baseline_gfp_kernel_is_never_changed() {
    let o = Outcome::of("open_baseline");
    let allocs = o.allocs();
    assert!(allocs.len() >= 24 * 3);
    assert!(allocs.iter().all(|a| a.requested == a.effective));
    assert_eq!(o.ret("openat").as_deref(), Some("0"));
}

#[test]
fn gfp_nofs_just_in_case_constrains_even_unlocked_call_sites() {
    let o = Outcome::of("gfp_nofs_just_in_case");
    let old: Vec<Alloc> = o
        .allocs()
        .into_iter()
        .filter(|a| a.task == "ls_old")
        .collect();
    let scoped: Vec<Alloc> = o
        .allocs()
        .into_iter()
        .filter(|a| a.task == "ls_scoped")
        .collect();
    assert!(old.iter().all(|a| a.effective & GFP_FS == 0), "{old:?}");
    // The scoped version keeps __GFP_FS where no lock is held ...
    assert!(
        scoped
            .iter()
            .filter(|a| a.function == "myfs_iget")
            .any(|a| a.effective & GFP_FS == GFP_FS)
    );
    // ... and loses it only inside its scope.
    assert!(
        scoped
            .iter()
            .any(|a| a.requested & GFP_FS == GFP_FS && a.effective & GFP_FS == 0)
    );
    // Under pressure the "just in case" GFP_NOFS costs the superblock shrinker.
    let skipped = o.entries("reclaim_skip").into_iter().any(|(i, e)| {
        e.task == "ls_old"
            && o.field(i, "missing_flag") == "__GFP_FS"
            && o.field(i, "what").starts_with("super_cache_scan")
    });
    assert!(skipped, "superblock shrinker not skipped for ls_old");
    assert!(
        o.entries("shrink_slab")
            .iter()
            .any(|(_, e)| e.task == "ls_scoped" && !e.text.contains("SHRINK_STOP")),
        "the scoped version's GFP_KERNEL reclaim runs the shrinker"
    );
}

#[test]
fn xfs_nofail_in_reclaim_allocates_nofail_from_a_pf_memalloc_task() {
    let o = Outcome::of("xfs_nofail_in_reclaim");
    let a = o.alloc_in("xfs_vn_sync_lazytime");
    assert_eq!(a.requested & GFP_NOFAIL, GFP_NOFAIL);
    // The scenario's own kswapd-like task (not the model's kswapd0) ran it.
    let v = o.run.view();
    let t = v.tasks.iter().find(|t| t.state == "finished");
    assert!(
        t.is_some_and(|t| t.flag_names.iter().any(|f| f == "PF_MEMALLOC")),
        "{:?}",
        v.tasks
    );
    let pids: Vec<u32> = v.tasks.iter().map(|t| t.pid).collect();
    assert!(
        pids.windows(2).all(|w| w[0] != w[1]),
        "pids must be unique: {pids:?}"
    );
}

#[test]
fn xfs_nofail_in_reclaim_warns_then_lives_on_the_reserves() {
    let o = Outcome::of("xfs_nofail_in_reclaim");
    let log = o.run.log();
    let pos = |pred: &dyn Fn(&gfpscope_engine::view::LogEntry) -> bool| {
        log.iter()
            .position(|e| e.task == "kswapd_like" && pred(e))
            .unwrap_or_else(|| panic!("{:#?}", o.entries("gfp_adjust")))
    };
    // allocate_slab(): the preferred order fails without __GFP_NOFAIL ...
    let first = pos(&|e| e.kind == "alloc_fail" && e.text.contains("__GFP_NOMEMALLOC"));
    // ... and the minimum order carries the caller's __GFP_NOFAIL to the page allocator.
    let fallback = pos(&|e| {
        e.kind == "gfp_adjust"
            && e.text.contains("ORDER_FALLBACK")
            && e.text
                .split('→')
                .nth(1)
                .is_some_and(|after| after.contains("__GFP_NOFAIL"))
    });
    // 6.12 __alloc_pages_slowpath: WARN_ON_ONCE(current->flags & PF_MEMALLOC) for __GFP_NOFAIL.
    let warn = pos(&|e| e.kind == "warning" && e.text.contains("(current->flags & PF_MEMALLOC)"));
    assert!(
        log[warn]
            .text
            .starts_with("WARNING: CPU: 0 PID: 90 at mm/page_alloc.c:4320 __alloc_pages_slowpath"),
        "{}",
        log[warn].text
    );
    // PF_MEMALLOC then takes the reserves (ALLOC_NO_WATERMARKS) and the page is pfmemalloc.
    let reserves = pos(&|e| e.kind == "reserves" && e.text.contains("ALLOC_NO_WATERMARKS"));
    let ok = pos(&|e| e.kind == "alloc_ok" && e.text.contains("[pfmemalloc]"));
    assert!(first < fallback && fallback < warn && warn < reserves && reserves < ok);
    assert_eq!(
        o.entries("warning").len(),
        1,
        "only the PF_MEMALLOC check fires (order 0, GFP_KERNEL may reclaim)"
    );
}

// ---- pipeline checks: outcomes that need more pressure than the built-ins -------

/// GFP_NOFS direct reclaim under pressure: the superblock shrinker stops for lack
/// of __GFP_FS, and the same request with GFP_KERNEL lets it run.
const SB_SHRINKER: &str = r"/*
 * title: superblock shrinker and GFP_NOFS
 * machine: x86_64-64M
 * zones: DMA 1M, DMA32 7M
 * pressure: page_cache 30% (dirty 5%), anon 30%, slab_reclaimable 35%
 * seed: 2
 */
SYSCALL(writer)
{
	int i;
	for (i = 0; i < 300; i++) {
		struct page *p = alloc_pages(GFP_MASK, 2);
		if (!p)
			return -ENOMEM;
	}
	return 0;
}
";

/// (superblock shrinker skips for lack of __GFP_FS, shrinkers run) in the writer's
/// own direct reclaim.
fn shrinker_runs(mask: &str) -> (usize, usize) {
    let o = Outcome::src(&SB_SHRINKER.replace("GFP_MASK", mask));
    let skips = o
        .entries("reclaim_skip")
        .iter()
        .filter(|(i, e)| {
            e.task == "writer"
                && o.field(*i, "missing_flag") == "__GFP_FS"
                && o.field(*i, "what").starts_with("super_cache_scan")
        })
        .count();
    let shrinks = o
        .entries("shrink_slab")
        .iter()
        .filter(|(_, e)| e.task == "writer")
        .count();
    assert!(
        !o.entries("direct_reclaim").is_empty(),
        "no direct reclaim with {mask}"
    );
    (skips, shrinks)
}

#[test]
fn superblock_shrinker_is_skipped_for_gfp_nofs_direct_reclaim() {
    let (nofs_skips, _) = shrinker_runs("GFP_NOFS");
    assert!(
        nofs_skips > 0,
        "superblock shrinker not reported skipped for GFP_NOFS"
    );
    let (kernel_skips, kernel_shrinks) = shrinker_runs("GFP_KERNEL");
    assert_eq!(kernel_skips, 0);
    assert!(kernel_shrinks > 0);
}
