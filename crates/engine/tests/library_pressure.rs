//! What the built-in scenarios show *under pressure*: each starts with free memory at
//! the min watermark (`free: min` in its header) or at its default, and the slow-path
//! lesson it teaches must actually happen in the run — in the scenario's own task, not
//! only in kswapd or a background task. (The flag arithmetic of every built-in is
//! checked in `library_outcomes.rs`.)

mod common;

use gfpscope_engine::scenario::Run;
use gfpscope_engine::view::LogEntry;

struct Outcome {
    run: Run,
}

impl Outcome {
    fn of(name: &str) -> Outcome {
        let run = common::run_builtin(name);
        Outcome { run }
    }

    fn field(&self, i: usize, k: &str) -> String {
        self.run.log_fields()[i].get(k).cloned().unwrap_or_default()
    }

    /// (index, entry) of every entry of `kind` logged by `task` (a scenario task).
    fn by(&self, task: &str, kind: &str) -> Vec<(usize, &LogEntry)> {
        self.run
            .log()
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == kind && e.task == task)
            .collect()
    }

    /// Entries of `kind` from `task` inside `function`.
    fn in_fn(&self, task: &str, function: &str, kind: &str) -> Vec<(usize, &LogEntry)> {
        self.by(task, kind)
            .into_iter()
            .filter(|(_, e)| e.function.as_deref() == Some(function))
            .collect()
    }

    /// `reclaim_skip` entries of `task` naming `what_prefix` and `missing`.
    fn skips(&self, task: &str, what_prefix: &str, missing: &str) -> Vec<(usize, &LogEntry)> {
        self.by(task, "reclaim_skip")
            .into_iter()
            .filter(|(i, _)| {
                self.field(*i, "what").starts_with(what_prefix)
                    && self.field(*i, "missing_flag").starts_with(missing)
            })
            .collect()
    }

    fn direct_reclaim_gfp(&self, task: &str, function: &str) -> Vec<u32> {
        self.in_fn(task, function, "direct_reclaim")
            .iter()
            .map(|(i, _)| {
                u32::from_str_radix(self.field(*i, "gfp").trim_start_matches("0x"), 16)
                    .expect("hex gfp")
            })
            .collect()
    }

    fn count(&self, kind: &str) -> usize {
        self.run.log().iter().filter(|e| e.kind == kind).count()
    }
}

const GFP_IO: u32 = 0x40;
const GFP_FS: u32 = 0x80;

#[test]
fn xfs_create_reclaims_with_gfp_nofs_and_skips_the_superblock_shrinker() {
    let o = Outcome::of("xfs_create");
    assert!(o.run.finished());
    // Inside the scope the slab grows: the preferred order fails (no reclaim), then the
    // minimum order with the caller's flags.
    let adjusts = o.in_fn("touch", "xfs_inode_alloc", "gfp_adjust");
    assert!(
        adjusts
            .iter()
            .any(|(_, e)| e.text.contains("minimum order with the caller's flags")),
        "{adjusts:?}"
    );
    // Direct reclaim by the task itself, as GFP_NOFS.
    let gfps = o.direct_reclaim_gfp("touch", "xfs_inode_alloc");
    assert!(!gfps.is_empty(), "no direct reclaim inside the NOFS scope");
    assert!(gfps.iter().all(|g| g & GFP_FS == 0 && g & GFP_IO == GFP_IO));
    // The lesson: super_cache_scan returns SHRINK_STOP for lack of __GFP_FS.
    let skips = o.skips("touch", "super_cache_scan", "__GFP_FS");
    assert!(!skips.is_empty());
    assert!(
        skips
            .iter()
            .all(|(_, e)| e.function.as_deref() == Some("xfs_inode_alloc"))
    );
    assert!(
        o.in_fn("touch", "xfs_inode_alloc", "shrink_slab")
            .iter()
            .any(|(_, e)| e.text.contains("SHRINK_STOP"))
    );
    // Before the scope (the transaction) the same shrinker runs.
    let before = o.in_fn("touch", "xfs_create", "shrink_slab");
    assert!(
        before
            .iter()
            .any(|(_, e)| e.text.contains("super_cache_scan") && e.text.contains("freed=")),
        "{before:?}"
    );
    assert_eq!(o.count("oom_kill"), 0, "GFP_NOFS never OOM-kills");
    assert_eq!(o.count("bug"), 0);
}

#[test]
fn xfs_create_noscope_enters_fs_reclaim_under_the_inode_lock_and_deadlocks() {
    let o = Outcome::of("xfs_create_noscope");
    let gfps = o.direct_reclaim_gfp("touch", "xfs_inode_alloc");
    assert!(
        gfps.iter().any(|g| g & GFP_FS == GFP_FS),
        "GFP_KERNEL direct reclaim: {gfps:?}"
    );
    let stops = o.by("touch", "task_stopped");
    assert!(
        stops
            .iter()
            .any(|(_, e)| e.text.contains("deadlock") && e.text.contains("xfs_ilock")),
        "{stops:?}"
    );
}

#[test]
fn open_baseline_runs_the_superblock_shrinker_for_gfp_kernel() {
    let o = Outcome::of("open_baseline");
    assert!(o.run.finished());
    let gfps: Vec<u32> = o
        .by("openat", "direct_reclaim")
        .iter()
        .map(|(i, _)| u32::from_str_radix(o.field(*i, "gfp").trim_start_matches("0x"), 16).unwrap())
        .collect();
    assert!(!gfps.is_empty(), "openat never reclaimed");
    assert!(gfps.iter().all(|g| g & GFP_FS == GFP_FS));
    let ran = o.by("openat", "shrink_slab");
    assert!(
        ran.iter().any(
            |(_, e)| e.text.starts_with("do_shrink_slab super_cache_scan")
                && !e.text.contains("SHRINK_STOP")
        ),
        "{ran:?}"
    );
    assert!(o.skips("openat", "super_cache_scan", "__GFP_FS").is_empty());
}

/// Direct reclaim of a NOIO task: no swap-out (needs __GFP_IO) and no superblock
/// shrinker (needs __GFP_FS).
fn assert_noio_reclaim(name: &str, task: &str) {
    let o = Outcome::of(name);
    assert!(o.run.finished(), "{name}");
    let gfps: Vec<u32> = o
        .by(task, "direct_reclaim")
        .iter()
        .map(|(i, _)| u32::from_str_radix(o.field(*i, "gfp").trim_start_matches("0x"), 16).unwrap())
        .collect();
    assert!(!gfps.is_empty(), "{name}: {task} never reclaimed");
    assert!(
        gfps.iter().any(|g| g & (GFP_IO | GFP_FS) == 0),
        "{name}: {gfps:x?}"
    );
    assert!(
        !o.skips(task, "swap out anon page", "__GFP_IO").is_empty(),
        "{name}: swap-out not skipped"
    );
    assert!(
        !o.skips(task, "super_cache_scan", "__GFP_FS").is_empty(),
        "{name}: superblock shrinker not skipped"
    );
    assert_eq!(o.count("oom_kill"), 0, "{name}");
}

#[test]
fn runtime_pm_resume_reclaims_without_swap_or_fs() {
    assert_noio_reclaim("runtime_pm_resume", "read");
}

#[test]
fn usb_storage_reset_reclaims_without_swap_or_fs() {
    assert_noio_reclaim("usb_storage_reset", "scsi_eh_0");
}

#[test]
fn loop_worker_reclaims_without_swap_or_fs() {
    assert_noio_reclaim("loop_worker", "loop_workfn");
}

#[test]
fn gfp_nofs_just_in_case_loses_the_shrinker_only_in_the_old_style() {
    let o = Outcome::of("gfp_nofs_just_in_case");
    // The old style reclaims as GFP_NOFS on a path that holds no lock ...
    assert!(
        !o.skips("ls_old", "super_cache_scan", "__GFP_FS")
            .iter()
            .filter(|(_, e)| e.function.as_deref() == Some("myfs_iget_old"))
            .collect::<Vec<_>>()
            .is_empty()
    );
    // ... the scoped style reclaims there with GFP_KERNEL and the shrinker runs.
    assert!(
        o.skips("ls_scoped", "super_cache_scan", "__GFP_FS")
            .is_empty()
    );
    assert!(
        o.in_fn("ls_scoped", "myfs_iget", "shrink_slab")
            .iter()
            .any(|(_, e)| e.text.contains("super_cache_scan") && !e.text.contains("SHRINK_STOP"))
    );
}

#[test]
fn kvmalloc_falls_back_to_vmalloc_when_the_contiguous_attempt_fails() {
    let o = Outcome::of("kvmalloc_fallback");
    let fails = o.in_fn("getxattr", "getxattr", "alloc_fail");
    assert!(
        fails.iter().any(|(i, _)| o.field(*i, "api") == "kvmalloc"),
        "{fails:?}"
    );
    let allocs = o.in_fn("getxattr", "getxattr", "alloc");
    let v = allocs
        .iter()
        .position(|(i, _)| o.field(*i, "api") == "vmalloc")
        .expect("vmalloc fallback");
    let k = allocs
        .iter()
        .position(|(i, _)| o.field(*i, "api") == "kvmalloc")
        .expect("kvmalloc attempt");
    assert!(k < v, "the kmalloc attempt comes first");
    assert_eq!(o.count("bug"), 0);
}

#[test]
fn direct_reclaim_zswap_allocates_from_the_reserves_under_pf_memalloc() {
    let o = Outcome::of("direct_reclaim_zswap");
    let reserves = o.run.log().iter().filter(|e| e.kind == "reserves").count();
    assert!(reserves > 0, "PF_MEMALLOC never needed the reserves");
    assert!(
        o.run
            .log()
            .iter()
            .all(|e| e.kind != "direct_reclaim" || e.task == "<background>")
    );
}

#[test]
fn nofs_scopes_of_ext4_and_xfs_rolls_skip_the_superblock_shrinker() {
    for (name, task) in [
        ("ext4_jbd2", "wb_workfn"),
        ("xfs_trans_roll_6_1", "xfs_inodegc_worker"),
        ("xfs_trans_roll_6_12", "xfs_inodegc_worker"),
    ] {
        let o = Outcome::of(name);
        assert!(
            !o.skips(task, "super_cache_scan", "__GFP_FS").is_empty(),
            "{name}: {task} reclaimed without skipping the superblock shrinker"
        );
        assert_eq!(o.count("oom_kill"), 0, "{name}");
    }
}

// ---- pipeline check: the built-in NOIO chains allocate order 0 only ------------------

/// An order-2 `GFP_KERNEL` request from a worker at the min watermark, inside a NOIO
/// scope or not (`SCOPE_SAVE`/`SCOPE_RESTORE` are replaced).
const HIGH_ORDER: &str = r"/*
 * title: order-2 GFP_KERNEL at the min watermark
 * machine: x86_64-64M
 * pressure: page_cache 10% (dirty 2%), anon 80%, slab_reclaimable 10%
 * free: min
 * swap: 16M
 * seed: 1
 */
WORKQUEUE(worker)
{
	unsigned int noio = SCOPE_SAVE;
	int i;

	for (i = 0; i < 4; i++) {
		struct page *p = alloc_pages(GFP_KERNEL, 2);
		if (!p)
			break;
	}
	SCOPE_RESTORE;
	return 0;
}
";

fn high_order(noio: bool) -> Outcome {
    let src = if noio {
        HIGH_ORDER
            .replace("SCOPE_SAVE", "memalloc_noio_save()")
            .replace("SCOPE_RESTORE", "memalloc_noio_restore(noio)")
    } else {
        HIGH_ORDER
            .replace("SCOPE_SAVE", "0")
            .replace("SCOPE_RESTORE", "noio = 0")
    };
    let mut run = Run::new("t.c", &src).unwrap_or_else(|d| panic!("{}", d[0].render(&src)));
    run.run_to_end();
    assert!(run.finished());
    Outcome { run }
}

#[test]
fn noio_scope_skips_compaction_and_swap_for_a_high_order_request() {
    let o = high_order(true);
    assert!(!o.by("worker", "direct_reclaim").is_empty());
    assert!(
        !o.skips("worker", "direct compaction", "__GFP_IO")
            .is_empty()
    );
    assert!(
        !o.skips("worker", "swap out anon page", "__GFP_IO")
            .is_empty()
    );
    assert!(o.by("worker", "compaction").is_empty(), "compaction ran");
    // Without the scope the same request compacts and may swap.
    let o = high_order(false);
    assert!(!o.by("worker", "compaction").is_empty());
    assert!(
        o.skips("worker", "direct compaction", "__GFP_IO")
            .is_empty()
    );
    assert!(
        o.skips("worker", "swap out anon page", "__GFP_IO")
            .is_empty()
    );
}
