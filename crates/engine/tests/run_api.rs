//! The Run API: determinism, time travel, stepping commands, scheduler policy and
//! run-time errors. (Key outcomes of the built-in scenarios: `library_outcomes.rs`.)

use std::sync::OnceLock;

use gfpscope_engine::scenario::{PageCodesUpdate, Run, RunOptions, library};
use gfpscope_engine::view::StepView;
use proptest::prelude::*;

fn run(src: &str) -> Run {
    match Run::new("t.c", src) {
        Ok(r) => r,
        Err(d) => panic!("{}", d.iter().map(|d| d.render(src)).collect::<String>()),
    }
}

/// The whole log with its fields, as bytes.
fn log_bytes(r: &Run) -> String {
    let mut s = String::new();
    for (e, f) in r.log().iter().zip(r.log_fields()) {
        s.push_str(&serde_json::to_string(e).unwrap());
        s.push_str(&serde_json::to_string(f).unwrap());
        s.push('\n');
    }
    s
}

fn kinds(r: &Run) -> Vec<String> {
    r.log().iter().map(|e| e.kind.clone()).collect()
}

/// A pressure scenario long enough for time travel: two tasks allocating in
/// loops against background load, one interrupt handler, scopes and locks.
const PRESSURE: &str = r"/*
 * title: time travel workout
 * machine: x86_64-64M
 * zones: DMA 1M, DMA32 7M
 * pressure: page_cache 50% (dirty 10%), anon 40%, slab_reclaimable 5%
 * background: anon_hog 16K/step
 * swap: 8M
 * seed: 3
 */
DEFINE_MUTEX(big);
DEFINE_SPINLOCK(q);

int churn(gfp_t gfp, int n)
{
	int i;
	for (i = 0; i < n; i++) {
		void *p = kmalloc(2048, gfp);
		if (!p)
			return -ENOMEM;
		kfree(p);
	}
	return 0;
}

SYSCALL(writer)
{
	int round;
	for (round = 0; round < 12; round++) {
		unsigned int nofs = memalloc_nofs_save();
		mutex_lock(&big);
		churn(GFP_KERNEL, 4);
		struct page *pg = alloc_pages(GFP_KERNEL, 2);
		if (pg)
			__free_pages(pg, 2);
		mutex_unlock(&big);
		memalloc_nofs_restore(nofs);
	}
	return 0;
}

KTHREAD(scanner)
{
	int round;
	for (round = 0; round < 10; round++) {
		mutex_lock(&big);
		churn(GFP_KERNEL, 2);
		mutex_unlock(&big);
		cond_resched();
	}
	return 0;
}

IRQ_HANDLER(nic_irq) __start(5)
{
	unsigned long flags;
	spin_lock_irqsave(&q, flags);
	void *p = kmalloc(256, GFP_ATOMIC);
	kfree(p);
	spin_unlock_irqrestore(&q, flags);
	return 0;
}
";

#[test]
fn same_scenario_and_seed_give_a_byte_identical_log() {
    // Three built-ins with an interrupt handler, a workqueue, two processes and
    // compaction (every built-in is also run by library_outcomes.rs).
    for name in ["usbnet_rx", "gfp_nofs_just_in_case", "thp_fault"] {
        let e = library::get(name).unwrap();
        let mut a = Run::with_seed(&e.file_name(), e.source, 7).unwrap();
        let mut b = Run::with_seed(&e.file_name(), e.source, 7).unwrap();
        a.run_to_end();
        b.run_to_end();
        assert!(a.finished(), "{} did not finish", e.name);
        assert_eq!(log_bytes(&a), log_bytes(&b), "{}", e.name);
        assert_eq!(a.known_steps(), b.known_steps());
    }
    let mut a = run(PRESSURE);
    let mut b = run(PRESSURE);
    a.run_to_end();
    b.run_to_end();
    assert!(
        a.known_steps() > 200,
        "workout too short: {}",
        a.known_steps()
    );
    assert_eq!(log_bytes(&a), log_bytes(&b));
    assert_eq!(a.history(), b.history());
}

#[test]
fn the_seed_changes_the_schedule_but_not_the_program() {
    let order = |seed| {
        let mut r = Run::with_seed("t.c", PRESSURE, seed).unwrap();
        let mut tasks = Vec::new();
        while r.step() {
            tasks.push(r.executed().map(|e| e.0).unwrap_or_default());
        }
        assert!(r.finished());
        tasks
    };
    let schedules: Vec<Vec<String>> = (0..6).map(order).collect();
    assert!(
        schedules.windows(2).any(|w| w[0] != w[1]),
        "six seeds gave one schedule"
    );
    // Whatever the interleaving, every task ran all its statements to the end.
    for seed in 0..6 {
        let mut r = Run::with_seed("t.c", PRESSURE, seed).unwrap();
        r.run_to_end();
        let exits = r.log().iter().filter(|e| e.kind == "task_exit").count();
        assert_eq!(exits, 3, "seed {seed}: {:?}", kinds(&r));
    }
}

fn straight(src: &str, opts: RunOptions) -> (Run, Vec<StepView>) {
    let mut r = Run::with_options("t.c", src, 3, opts).unwrap();
    let mut views = vec![r.view()];
    while r.step() {
        views.push(r.view());
    }
    (r, views)
}

#[test]
fn seeking_anywhere_reproduces_the_straight_run() {
    let opts = RunOptions {
        keyframe_interval: 16,
        ..RunOptions::default()
    };
    let (mut r, views) = straight(PRESSURE, opts);
    let n = views.len() as u64 - 1;
    let log = log_bytes(&r);
    for target in [
        0,
        n,
        1,
        n / 2,
        n / 2 + 1,
        n / 2 - 1,
        17,
        16,
        15,
        3,
        n - 1,
        0,
    ] {
        r.seek(target);
        assert_eq!(r.current_step(), target);
        assert_eq!(r.view(), views[target as usize], "step {target}");
    }
    // Stepping back one at a time from the end.
    r.seek(n);
    for s in (0..n).rev().take(40) {
        r.step_back();
        assert_eq!(r.view(), views[s as usize], "back to {s}");
    }
    // Time travel never rewrites the log.
    assert_eq!(log_bytes(&r), log);
    assert_eq!(r.known_steps(), n);
}

/// Every view of a straight run of [`PRESSURE`] (computed once).
fn straight_views() -> &'static [StepView] {
    static VIEWS: OnceLock<Vec<StepView>> = OnceLock::new();
    VIEWS.get_or_init(|| straight(PRESSURE, RunOptions::default()).1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// The keyframe spacing is arbitrary: whatever it is, any sequence of jumps
    /// shows exactly what the straight run showed at that step.
    #[test]
    fn random_jumps_equal_a_straight_run(
        targets in proptest::collection::vec(0u64..2000, 1..10),
        interval in 1u64..64,
    ) {
        let opts = RunOptions { keyframe_interval: interval, ..RunOptions::default() };
        let views = straight_views();
        let n = views.len() as u64 - 1;
        // A fresh run explores the steps in jump order (going forward past the
        // known end executes new steps), then jumps around.
        let mut r = Run::with_options("t.c", PRESSURE, 3, opts).unwrap();
        for t in targets {
            let t = t % (n + 1);
            r.seek(t);
            prop_assert_eq!(r.current_step(), t);
            prop_assert_eq!(&r.view(), &views[t as usize]);
        }
    }
}

/// The straight run of [`PRESSURE`] with keyframes every 16 steps: its views and log.
fn straight16() -> &'static (Vec<StepView>, String, u64) {
    static RUN: OnceLock<(Vec<StepView>, String, u64)> = OnceLock::new();
    RUN.get_or_init(|| {
        let (r, views) = straight(PRESSURE, interval16());
        (views, log_bytes(&r), r.known_steps())
    })
}

fn interval16() -> RunOptions {
    RunOptions {
        keyframe_interval: 16,
        ..RunOptions::default()
    }
}

#[test]
fn extending_ahead_keeps_the_current_step_and_equals_stepping_there() {
    let (views, log, n) = straight16();
    let mut b = Run::with_options("t.c", PRESSURE, 3, interval16()).unwrap();
    b.run_to_end();
    let mut a = Run::with_options("t.c", PRESSURE, 3, interval16()).unwrap();
    a.seek(5);
    let mut chunks = 0;
    loop {
        let before = a.known_steps();
        let got = a.extend(7);
        assert_eq!(a.known_steps(), before + got);
        assert!(got <= 7);
        assert_eq!(a.current_step(), 5, "extend moved the cursor");
        if got == 0 {
            break;
        }
        chunks += 1;
        assert_eq!(
            a.end_known(),
            a.known_steps() == *n,
            "after {chunks} chunks"
        );
    }
    assert!(chunks > 20, "the run was computed in {chunks} chunks");
    assert!(a.end_known());
    assert_eq!(a.known_steps(), *n);
    assert_eq!(&log_bytes(&a), log);
    assert_eq!(a.history(), b.history());
    assert_eq!(a.view(), views[5]);
    assert!(!a.finished(), "the current step is not the end");
    for t in [*n, 0, n / 2, 17, n - 1, 6] {
        a.seek(t);
        assert_eq!(a.view(), views[t as usize], "step {t}");
    }
    a.seek(3);
    a.run_to_end();
    assert_eq!(a.current_step(), *n);
    assert_eq!(a.view(), views[*n as usize]);
    assert!(a.finished());
    assert_eq!(a.extend(100), 0);
    assert_eq!(
        &log_bytes(&a),
        log,
        "time travel after extend rewrote the log"
    );
}

#[test]
fn extending_stops_at_the_step_limit() {
    let src = "/*\n * title: spin\n * step_limit: 500\n */\nSYSCALL(spin)\n{\n\tint i = 0;\n\twhile (i < 10)\n\t\ti = i * 1;\n\treturn i;\n}\n";
    let mut r = run(src);
    assert!(!r.end_known());
    assert_eq!(r.extend(10_000), 500);
    assert!(r.end_known());
    assert_eq!(r.current_step(), 0);
    assert!(r.log().iter().any(|e| e.kind == "step_limit"));
    r.run_to_end();
    assert_eq!(r.current_step(), 500);
}

#[test]
fn run_until_finds_known_steps_in_the_log_like_a_run_that_steps() {
    let (views, _, _) = straight16();
    let mut ahead = Run::with_options("t.c", PRESSURE, 3, interval16()).unwrap();
    while ahead.extend(64) > 0 {}
    let mut fresh = Run::with_options("t.c", PRESSURE, 3, interval16()).unwrap();
    let mut hits = 0;
    for kind in [
        "alloc",
        "direct_reclaim",
        "kswapd_wake",
        "scope_restore",
        "alloc",
    ] {
        let hit = ahead.run_until(|e| e.kind == kind);
        assert_eq!(hit, fresh.run_until(|e| e.kind == kind), "{kind}");
        hits += usize::from(hit);
        assert_eq!(ahead.current_step(), fresh.current_step(), "{kind}");
        assert_eq!(ahead.view(), views[ahead.current_step() as usize], "{kind}");
    }
    assert_eq!(hits, 5, "every breakpoint kind occurs in the workout");
    assert!(!ahead.run_until(|e| e.kind == "no_such_kind"));
    assert!(ahead.finished());
    assert_eq!(ahead.current_step(), ahead.known_steps());
}

#[derive(Clone, Debug)]
enum Op {
    Extend(u64),
    Step,
    StepBack,
    Seek(u64),
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The user steps, steps back and jumps while the run is extended in chunks: the
    /// view is always the straight run's, and the finished log is byte-identical.
    #[test]
    fn extending_while_the_user_moves_equals_a_straight_run(
        ops in proptest::collection::vec(prop_oneof![
            (1u64..40).prop_map(Op::Extend),
            Just(Op::Step),
            Just(Op::StepBack),
            (0u64..1000).prop_map(Op::Seek),
        ], 1..40),
    ) {
        let (views, log, n) = straight16();
        let mut r = Run::with_options("t.c", PRESSURE, 3, interval16()).unwrap();
        // The memory map's buffer, kept up to date incrementally along the way.
        let mut codes = Vec::new();
        for op in ops {
            let cur = r.current_step();
            match op {
                Op::Extend(k) => {
                    r.extend(k);
                    prop_assert_eq!(r.current_step(), cur);
                }
                Op::Step => {
                    r.step();
                }
                Op::StepBack => r.step_back(),
                Op::Seek(t) => r.seek(t % (n + 1)),
            }
            prop_assert!(r.known_steps() >= r.current_step());
            prop_assert_eq!(&r.view(), &views[r.current_step() as usize]);
            let before = codes.clone();
            let update = r.page_codes_update(&mut codes);
            prop_assert_eq!(&codes, &r.page_codes());
            if let PageCodesUpdate::Ranges(ranges) = update {
                // Every page whose code changed is in a reported range.
                for (pfn, (a, b)) in before.iter().zip(&codes).enumerate() {
                    let pfn = pfn as u64;
                    prop_assert!(a == b || ranges.iter().any(|r| r.contains(&pfn)), "pfn {:#x} changed unreported", pfn);
                }
                prop_assert!(ranges.windows(2).all(|w| w[0].end <= w[1].start));
            }
        }
        while r.extend(50) > 0 {}
        prop_assert!(r.end_known());
        prop_assert_eq!(&log_bytes(&r), log);
    }
}

#[test]
fn seeking_past_the_end_stops_at_the_end() {
    let mut r = run(PRESSURE);
    r.seek(u64::MAX / 2);
    assert!(r.finished());
    let end = r.current_step();
    assert_eq!(end, r.known_steps());
    r.seek(0);
    assert_eq!(r.current_step(), 0);
    assert!(!r.view().finished);
}

const CALLS: &str = r"/*
 * title: calls
 */
int leaf(gfp_t gfp)
{
	void *p = kmalloc(64, gfp);
	kfree(p);
	return 1;
}

int middle(gfp_t gfp)
{
	int r = leaf(gfp | __GFP_ZERO);
	return r + 1;
}

SYSCALL(caller)
{
	int a = middle(GFP_KERNEL);
	int b = a * 2;
	return b;
}
";

fn top(v: &StepView) -> (String, u32, usize) {
    let t = &v.tasks[0];
    let f = t.frames.last().unwrap();
    (f.function.clone(), f.line, t.frames.len())
}

#[test]
fn step_step_over_and_step_out_follow_the_call_stack() {
    let mut r = run(CALLS);
    assert_eq!(top(&r.view()), ("caller".into(), 19, 1));
    r.step(); // into middle
    assert_eq!(top(&r.view()), ("middle".into(), 13, 2));
    // The parameter arrived as a mask.
    let v = r.view();
    let gfp = &v.tasks[0].frames[1].vars[0];
    assert_eq!(gfp.name, "gfp");
    assert!(matches!(
        gfp.value,
        gfpscope_engine::view::ValueView::Gfp { mask: 0xcc0, .. }
    ));
    r.step_over(); // over leaf: back in middle at the return
    assert_eq!(top(&r.view()), ("middle".into(), 14, 2));
    r.step(); // return r + 1: back in caller at the next statement
    assert_eq!(top(&r.view()), ("caller".into(), 20, 1));
    let mut r = run(CALLS);
    r.step();
    r.step(); // into leaf
    assert_eq!(top(&r.view()), ("leaf".into(), 6, 3));
    r.step_out(); // leaf returns, middle finishes its statement
    assert_eq!(top(&r.view()), ("middle".into(), 14, 2));
    r.step_out();
    assert_eq!(top(&r.view()), ("caller".into(), 20, 1));
    r.run_to_end();
    assert_eq!(r.log().last().unwrap().text, "caller returned 4");
}

/// A gfp value passed down a call chain: by expression, then by plain variable.
const PASS_DOWN: &str = r"/*
 * title: pass down
 */
int leaf(int n, gfp_t mem_flags)
{
	void *p = kmalloc(n, mem_flags);
	kfree(p);
	return 0;
}

int middle(gfp_t gfp)
{
	int size = 64;
	return leaf(size * 2, gfp);
}

SYSCALL(caller)
{
	return middle(GFP_NOFS | __GFP_NOWARN);
}
";

#[test]
fn a_called_frame_says_which_argument_fed_each_parameter() {
    use gfpscope_engine::view::{ArgView, CallView};
    let mut r = run(PASS_DOWN);
    let v = r.view();
    let entry = &v.tasks[0].frames[0];
    assert_eq!(
        entry.call, None,
        "an entry function is not called by scenario code"
    );
    r.step(); // caller → middle(GFP_NOFS | __GFP_NOWARN)
    let v = r.view();
    let middle = &v.tasks[0].frames[1];
    assert_eq!(middle.call, Some(CallView { step: 1, line: 19 }));
    assert_eq!(
        middle.vars[0].arg,
        Some(ArgView {
            text: "GFP_NOFS | __GFP_NOWARN".into(),
            caller_var: None
        })
    );
    r.step(); // int size = 64;
    r.step(); // middle → leaf(size * 2, gfp)
    let v = r.view();
    let frames = &v.tasks[0].frames;
    let leaf = &frames[2];
    assert_eq!(leaf.function, "leaf");
    assert_eq!(leaf.call, Some(CallView { step: 3, line: 14 }));
    // The local `size` is not a parameter: it never carries an argument.
    assert!(frames[1].vars.iter().all(|x| x.is_param == x.arg.is_some()));
    let n = &leaf.vars[0];
    assert_eq!(
        n.arg.as_ref().map(|a| (a.text.as_str(), a.caller_var)),
        Some(("size * 2", None))
    );
    let flags = leaf.vars[1]
        .arg
        .as_ref()
        .expect("mem_flags came from an argument");
    assert_eq!(flags.text, "gfp");
    let from = &frames[1].vars[flags.caller_var.expect("a plain variable of the caller")];
    assert_eq!(from.name, "gfp");
    assert_eq!(
        from.value, leaf.vars[1].value,
        "the caller's value is the parameter's"
    );
    // The frame keeps the step of its call while it runs, and a step back shows it again.
    r.step();
    assert_eq!(
        r.view().tasks[0].frames[2].call,
        Some(CallView { step: 3, line: 14 })
    );
    r.step_back();
    assert_eq!(r.view(), v);
}

#[test]
fn buddy_splits_and_merges_of_a_step_are_in_its_view_after_any_jump() {
    use gfpscope_engine::view::BuddyOpKind;
    let views = straight_views();
    let with_ops: Vec<usize> = (0..views.len())
        .filter(|&i| !views[i].buddy_ops.is_empty())
        .collect();
    let all = || views.iter().flat_map(|v| &v.buddy_ops);
    assert!(
        all().any(|o| o.kind == BuddyOpKind::Split
            && o.task == "writer"
            && o.from_order > o.to_order),
        "the writer's alloc_pages(GFP_KERNEL, 2) splits a larger block"
    );
    assert!(all().any(|o| o.kind == BuddyOpKind::Merge && o.to_order > o.from_order));
    assert!(
        all().any(|o| o.task == "<background>"),
        "the anon hog allocates every step"
    );
    assert!(
        with_ops.len() < views.len(),
        "steps without buddy work have no operations"
    );
    for v in views {
        for o in &v.buddy_ops {
            assert!(o.count >= 1 && o.to_order <= 10 && o.from_order <= 10);
            assert!(v.zones.iter().any(|z| z.name == o.zone), "{o:?}");
        }
    }
    // Jumping backwards to each of them (keyframes every 8 steps, so most are replays)
    // shows exactly that step's operations, and so does one step back.
    let opts = RunOptions {
        keyframe_interval: 8,
        ..RunOptions::default()
    };
    let mut r = Run::with_options("t.c", PRESSURE, 3, opts).unwrap();
    r.run_to_end();
    for &i in with_ops.iter().rev() {
        r.seek(i as u64);
        assert_eq!(r.view().buddy_ops, views[i].buddy_ops, "seek to {i}");
        r.seek(i as u64 + 1);
        r.step_back();
        assert_eq!(r.view().buddy_ops, views[i].buddy_ops, "step back to {i}");
    }
}

#[test]
fn run_until_stops_on_the_first_matching_event() {
    let mut r = run(CALLS);
    assert!(r.run_until(|e| e.kind == "alloc"));
    assert_eq!(r.view().alloc.as_ref().unwrap().api, "kmalloc");
    let alloc = r.view().alloc.unwrap();
    assert_eq!(alloc.requested.mask, 0xdc0);
    assert_eq!(alloc.function, "leaf");
    assert_eq!(alloc.line, 6);
    assert!(!r.run_until(|e| e.kind == "oom_kill"));
    assert!(r.finished());
}

#[test]
fn a_runaway_loop_stops_at_the_step_limit_with_a_located_error() {
    let src = "/*\n * title: spin\n * step_limit: 500\n */\nSYSCALL(spin)\n{\n\tint i = 0;\n\twhile (i < 10)\n\t\ti = i * 1;\n\treturn i;\n}\n";
    let mut r = run(src);
    r.run_to_end();
    assert!(r.finished());
    assert_eq!(r.known_steps(), 500);
    let e = r.log().iter().find(|e| e.kind == "step_limit").unwrap();
    assert!(e.text.starts_with("t.c:"), "{}", e.text);
    assert!(e.text.contains("step limit of 500 steps"), "{}", e.text);
    assert!(matches!(e.line, Some(8 | 9)), "{e:?}");
    assert!(r.view().tasks[0].state.starts_with("stopped: step limit"));
    // An empty loop body cannot hide inside one step either.
    let src = "/*\n * title: spin\n * step_limit: 300\n */\nSYSCALL(spin)\n{\n\tint i = 0;\n\tfor (; i < 1; ) {\n\t}\n\treturn 0;\n}\n";
    let mut r = run(src);
    r.run_to_end();
    assert_eq!(r.known_steps(), 300);
}

#[test]
fn run_time_errors_stop_the_task_with_a_located_message() {
    let src = "/*\n * title: div\n */\nint f(int d)\n{\n\treturn 10 / d;\n}\nSYSCALL(t)\n{\n\treturn f(0);\n}\n";
    let mut r = run(src);
    r.run_to_end();
    let e = r.log().iter().find(|e| e.kind == "error").unwrap();
    assert_eq!(e.text, "t.c:6: run-time error: division by zero");
    assert_eq!(e.function.as_deref(), Some("f"));
    assert!(r.view().tasks[0].state.contains("division by zero"));

    let src = "/*\n * title: rec\n */\nint f(int n)\n{\n\treturn f(n + 1);\n}\nSYSCALL(t)\n{\n\treturn f(0);\n}\n";
    let mut r = run(src);
    r.run_to_end();
    assert!(r.finished());
    assert!(
        r.log()
            .iter()
            .any(|e| e.kind == "error" && e.text.contains("stack overflow")),
        "{:?}",
        kinds(&r)
    );
}

#[test]
fn two_tasks_taking_two_mutexes_in_opposite_order_deadlock() {
    let src = r"/*
 * title: abba
 */
DEFINE_MUTEX(a);
DEFINE_MUTEX(b);
SYSCALL(one)
{
	mutex_lock(&a);
	schedule();
	mutex_lock(&b);
	mutex_unlock(&b);
	mutex_unlock(&a);
	return 0;
}
SYSCALL(two)
{
	mutex_lock(&b);
	schedule();
	mutex_lock(&a);
	mutex_unlock(&a);
	mutex_unlock(&b);
	return 0;
}
";
    let mut r = run(src);
    r.run_to_end();
    assert!(r.finished());
    let stopped: Vec<_> = r
        .log()
        .iter()
        .filter(|e| e.kind == "task_stopped")
        .map(|e| e.text.clone())
        .collect();
    assert_eq!(stopped.len(), 2, "{stopped:?}");
    assert!(
        stopped.iter().all(|s| s.contains("deadlock")),
        "{stopped:?}"
    );
    assert!(r.log().iter().any(|e| e.kind == "lock_wait"));
}

const IRQ_LOCK: &str = r"/*
 * title: irq vs lock
 */
DEFINE_SPINLOCK(q);
SYSCALL(proc)
{
	spin_lock(&q);
	int a = 1;
	int b = 2;
	int c = 3;
	int d = 4;
	int e = 5;
	spin_unlock(&q);
	return a + b + c + d + e;
}
IRQ_HANDLER(irq)
{
	spin_lock(&q);
	spin_unlock(&q);
	return 0;
}
";

#[test]
fn an_interrupt_spinning_on_a_lock_the_interrupted_task_holds_deadlocks() {
    // With plain spin_lock, the interrupt may arrive inside the critical section.
    let mut hit = false;
    for seed in 0..12 {
        let mut r = Run::with_seed("t.c", IRQ_LOCK, seed).unwrap();
        r.run_to_end();
        let dead = r
            .log()
            .iter()
            .any(|e| e.kind == "task_stopped" && e.task == "irq" && e.text.contains("deadlock"));
        hit |= dead;
    }
    assert!(hit, "no seed let the interrupt hit the critical section");
    // spin_lock_irqsave keeps it out: no seed deadlocks.
    let safe = IRQ_LOCK
        .replace(
            "spin_lock(&q);\n\tint a",
            "unsigned long fl;\n\tspin_lock_irqsave(&q, fl);\n\tint a",
        )
        .replace(
            "spin_unlock(&q);\n\treturn a",
            "spin_unlock_irqrestore(&q, fl);\n\treturn a",
        );
    assert!(safe.contains("irqsave"));
    for seed in 0..12 {
        let mut r = Run::with_seed("t.c", &safe, seed).unwrap();
        r.run_to_end();
        assert!(
            !r.log().iter().any(|e| e.kind == "task_stopped"),
            "seed {seed}: {:?}",
            kinds(&r)
        );
        let exits = r.log().iter().filter(|e| e.kind == "task_exit").count();
        assert_eq!(exits, 2, "seed {seed}");
    }
}

#[test]
fn interrupt_handlers_run_as_the_interrupted_task() {
    let src = r#"/*
 * title: irq current
 */
SYSCALL(cat) __pid(4242) __comm("cat")
{
	int a = 1;
	int b = 2;
	int c = 3;
	int d = 4;
	int e = 5;
	return a + b + c + d + e;
}
IRQ_HANDLER(irq)
{
	void *p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	return 0;
}
"#;
    let mut r = run(src);
    r.run_to_end();
    let bug = r
        .log()
        .iter()
        .find(|e| e.kind == "bug")
        .expect("sleeping allocation in hardirq");
    assert!(
        bug.text
            .starts_with("BUG: sleeping function called from invalid context"),
        "{}",
        bug.text
    );
    let report = r.log_fields()[r.log().iter().position(|e| e.kind == "bug").unwrap()]
        .get("report")
        .cloned()
        .unwrap_or_default();
    assert!(
        report.contains("in_atomic(): 1, irqs_disabled(): 1") && report.contains("name: cat"),
        "{report}"
    );
}

#[test]
fn scope_cookies_are_shown_with_the_variable_holding_them() {
    let src = r"/*
 * title: cookie
 */
SYSCALL(t)
{
	unsigned int noio = memalloc_noio_save();
	void *p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	memalloc_noio_restore(noio);
	return 0;
}
";
    let mut r = run(src);
    r.step();
    let v = r.view();
    let t = &v.tasks[0];
    assert_eq!(t.flag_names, vec!["PF_MEMALLOC_NOIO".to_string()]);
    assert_eq!(t.cookies.len(), 1);
    assert_eq!(t.cookies[0].var, "noio");
    assert_eq!(t.cookies[0].api, "memalloc_noio_save");
    r.step();
    let a = r.view().alloc.unwrap();
    assert_eq!(a.requested.mask, 0xcc0);
    assert_eq!(a.effective.mask, 0xc00);
    assert_eq!(a.removed.len(), 2, "{:?}", a.removed);
    assert!(a.removed.iter().all(|b| b.by == "PF_MEMALLOC_NOIO"));
    r.run_to_end();
    assert!(r.view().tasks[0].cookies.is_empty());
    assert_eq!(r.view().tasks[0].flags & 0x80000, 0);
}

#[test]
fn json_fields_carry_masks_as_hex_strings() {
    let mut r = run(CALLS);
    r.run_to_end();
    let i = r.log().iter().position(|e| e.kind == "alloc").unwrap();
    let f = &r.log_fields()[i];
    assert_eq!(f.get("requested_gfp").map(String::as_str), Some("0xdc0"));
    assert_eq!(f.get("effective_gfp").map(String::as_str), Some("0xdc0"));
    assert_eq!(r.log()[i].function.as_deref(), Some("leaf"));
    assert_eq!(r.log()[i].line, Some(6));
}

#[test]
#[allow(clippy::many_single_char_names)]
fn the_view_is_consistent_with_the_history_and_page_codes() {
    let mut r = run(PRESSURE);
    for _ in 0..50 {
        r.step();
    }
    let v = r.view();
    assert_eq!(v.step, 50);
    let h = r.history().last().unwrap();
    assert_eq!(h.step, 50);
    let populated: Vec<_> = v.zones.iter().filter(|z| z.managed > 0).collect();
    assert_eq!(h.zones.len(), populated.len());
    for (p, z) in h.zones.iter().zip(&populated) {
        assert_eq!(p.free, z.free);
        assert_eq!((p.min, p.low, p.high), (z.min, z.low, z.high));
    }
    let codes = r.page_codes();
    assert!(
        codes.len() as u64
            >= v.zones
                .iter()
                .map(|z| z.start_pfn + z.spanned)
                .max()
                .unwrap_or(0)
    );
    // Per-step entries are the slice of the whole log for that step.
    let (a, b) = r.log_range(50);
    assert_eq!(&r.log()[a..b], v.events.as_slice());
    assert!(v.events.iter().all(|e| e.step == 50));
}

#[test]
fn bad_scenarios_are_diagnostics_not_panics() {
    let Err(d) = Run::new("bad.c", "SYSCALL(x) { return y; }") else {
        panic!("accepted a scenario using an unknown name")
    };
    assert!(
        d[0].render("SYSCALL(x) { return y; }")
            .starts_with("bad.c:1:")
    );
    let Err(d) = Run::new(
        "bad.c",
        "/*\n * title: t\n * machine: pdp11\n */\nSYSCALL(x) { return 0; }\n",
    ) else {
        panic!("accepted an unknown machine")
    };
    assert_eq!(d[0].line, 3);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Mutated built-ins (lines dropped, duplicated or swapped) either fail to
    /// check with diagnostics or run, step back and seek without panicking.
    #[test]
    fn mutated_scenarios_never_panic_the_interpreter(
        which in 0usize..64,
        edits in proptest::collection::vec((0u8..3, 0usize..400, 0usize..400), 1..6),
        seed in 0u64..4,
        jumps in proptest::collection::vec(0u64..3000, 0..4),
    ) {
        let entry = &library::LIBRARY[which % library::LIBRARY.len()];
        let mut lines: Vec<&str> = entry.source.lines().collect();
        for (op, a, b) in edits {
            if lines.len() < 2 {
                break;
            }
            let (a, b) = (a % lines.len(), b % lines.len());
            match op {
                0 => {
                    lines.remove(a);
                }
                1 => {
                    let l = lines[a];
                    lines.insert(b, l);
                }
                _ => lines.swap(a, b),
            }
        }
        let src = lines.join("\n");
        if let Ok(mut r) = Run::with_seed("m.c", &src, seed) {
            for _ in 0..3000 {
                if !r.step() {
                    break;
                }
            }
            let _ = r.view();
            r.step_back();
            for j in jumps {
                r.seek(j);
                let _ = r.view();
            }
        }
    }
}
