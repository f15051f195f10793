//! `queue_work_on()` semantics (kernel/workqueue.c, 6.12): queueing a work item whose
//! WORK_STRUCT_PENDING bit is still set returns false and does not run it twice.

use gfpscope_engine::scenario::Run;

const SRC: &str = r"/*
 * title:   schedule_work twice before the worker starts
 * kernel:  6.12
 * machine: x86_64-64M
 * seed:    1
 */

WORKQUEUE(refill) __idle
{
	void *p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	return 0;
}

SYSCALL(poke)
{
	int first = schedule_work(refill);
	int second = schedule_work(refill);
	return first * 10 + second;
}
";

#[test]
fn a_pending_work_item_is_not_queued_again() {
    let mut run = Run::new("wq.c", SRC).expect("scenario parses");
    run.run_to_end();
    let exits: Vec<&str> = run
        .log()
        .iter()
        .filter(|e| e.kind == "task_exit")
        .map(|e| e.text.as_str())
        .collect();
    assert!(
        exits.contains(&"poke returned 10"),
        "first schedule_work() queues (1), second finds PENDING set (0): {exits:?}"
    );
    let refill_runs = exits
        .iter()
        .filter(|t| t.starts_with("refill returned"))
        .count();
    assert_eq!(refill_runs, 1, "the work item runs once: {exits:?}");
}
