//! The deterministic scheduler: which task runs the next step.
//!
//! Policy (one simulated CPU; every random choice from the run's seeded
//! [`SplitMix64`], so the same scenario and seed give the same schedule):
//!
//! 1. **Interrupt handlers run nested.** A `IRQ_HANDLER`, `SOFTIRQ` or `NAPI_POLL`
//!    task that is runnable is *pending*. It fires at a statement boundary of
//!    whatever runs on the CPU, after a seeded delay of 0–3 steps drawn when it
//!    became pending, and only when the interrupted code allows it:
//!    a hardirq needs interrupts enabled (`!irqs_disabled()`); a softirq needs
//!    interrupts enabled and no softirq context (`!in_softirq()`, so
//!    `spin_lock_bh()`/`local_bh_disable()` hold it off) and no hardirq. Once
//!    fired, the handler runs to completion on top of the interrupted task
//!    (handlers do not nest in each other), then the interrupted task resumes.
//!    When nothing else can run the CPU is idle and a pending interrupt fires at once.
//! 2. **Process-level tasks** (`SYSCALL`, `KTHREAD`, `WORKQUEUE`) share the CPU
//!    round-robin in declaration order. The running task keeps the CPU for a
//!    seeded time slice of 4–12 statements; when the slice ends it is preempted
//!    only if it is preemptible (`preempt_count() == 0` and interrupts on) and
//!    another task is runnable. It also gives up the CPU when it blocks on a
//!    sleeping lock another task holds, calls `schedule()`, `msleep()` or
//!    `cond_resched()` (only if another task is runnable), or finishes.
//! 3. **Starting and waking.** `__start(N)` tasks become runnable at step N; if
//!    nothing is runnable before that, the scheduler skips ahead. `__idle`
//!    tasks become runnable when triggered (`queue_work()`, `wake_up_process()`,
//!    `napi_schedule()`, `raise_softirq()`, `generic_handle_irq()`); a trigger
//!    that arrives while the task runs makes it run again afterwards.
//! 4. **Deadlock.** When every unfinished task is blocked on a lock, the run
//!    stops them with a deadlock verdict naming the locks and their owners.

use crate::rng::SplitMix64;
use crate::scenario::interp::{RunState, TaskState};

/// Shortest and longest time slice, in statements.
pub const SLICE: (u64, u64) = (4, 12);
/// Largest delay before a pending interrupt fires, in statements.
pub const IRQ_DELAY_MAX: u64 = 3;

/// Scheduler state (part of every snapshot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sched {
    pub rng: SplitMix64,
    /// The process-level task owning the CPU.
    pub current: Option<usize>,
    /// Interrupt handlers running, outermost first (at most one of each kind in practice).
    pub irq_stack: Vec<usize>,
    /// Statements left in the current slice.
    pub slice_left: u64,
    /// Per task: statements until a pending interrupt may fire.
    pub irq_delay: Vec<u64>,
    /// The running task asked to yield.
    pub yield_requested: bool,
}

/// The scheduler's decision for the next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// Run one statement of this task.
    Run(usize),
    /// Interrupt the CPU with this handler, then run its first statement.
    Fire(usize),
    /// Nothing can ever run again.
    AllDone,
    /// Every unfinished task is blocked.
    Deadlock,
}

impl Sched {
    /// A scheduler for `n` tasks.
    #[must_use]
    pub fn new(rng: SplitMix64, n: usize) -> Sched {
        Sched {
            rng,
            current: None,
            irq_stack: Vec::new(),
            slice_left: 0,
            irq_delay: vec![0; n],
            yield_requested: false,
        }
    }

    /// Draw the delay of an interrupt that just became pending.
    pub fn arm_interrupt(&mut self, t: usize) {
        let d = self.rng.range_inclusive(0, IRQ_DELAY_MAX);
        if let Some(slot) = self.irq_delay.get_mut(t) {
            *slot = d;
        }
    }

    /// The task whose context decides whether interrupts may fire now.
    #[must_use]
    pub fn on_cpu(&self) -> Option<usize> {
        self.irq_stack.last().copied().or(self.current)
    }

    /// Decide who runs the next step at scheduler step `step`. May change task
    /// states (start delayed tasks).
    pub fn pick(&mut self, tasks: &mut [TaskState], step: u64) -> Pick {
        // 3. Start tasks whose time has come.
        for (i, t) in tasks.iter_mut().enumerate() {
            if t.state == RunState::NotStarted && t.start_at <= step {
                t.state = RunState::Runnable;
                if t.is_interrupt() {
                    let d = self.rng.range_inclusive(0, IRQ_DELAY_MAX);
                    if let Some(slot) = self.irq_delay.get_mut(i) {
                        *slot = d;
                    }
                }
            }
        }
        // 1. A handler already running keeps the CPU until it returns.
        while let Some(&top) = self.irq_stack.last() {
            match tasks.get(top).map(|t| t.state) {
                Some(RunState::Runnable) => return Pick::Run(top),
                _ => {
                    self.irq_stack.pop();
                }
            }
        }
        let process_runnable: Vec<usize> = tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.is_interrupt() && t.state == RunState::Runnable)
            .map(|(i, _)| i)
            .collect();
        let cpu_idle = process_runnable.is_empty();
        // The process-level task on the CPU (chosen now if the CPU had none), so
        // that an interrupt sees the context it really interrupts.
        if !cpu_idle && !self.current.is_some_and(|c| process_runnable.contains(&c)) {
            self.switch_to_next(&process_runnable);
        }
        // 1. Pending interrupts.
        let on_cpu_ctx = self
            .current
            .filter(|c| process_runnable.contains(c))
            .and_then(|c| tasks.get(c))
            .map(|t| (t.ctx.irqs_disabled, t.ctx.in_softirq(), t.ctx.in_hardirq()));
        for (i, t) in tasks.iter().enumerate() {
            if !t.is_interrupt() || t.state != RunState::Runnable {
                continue;
            }
            let hard = crate::scenario::interp::is_hardirq(t.kind);
            let allowed = match on_cpu_ctx {
                None => true,
                Some((irqs_off, in_softirq, in_hardirq)) => {
                    !irqs_off && (hard || (!in_softirq && !in_hardirq))
                }
            };
            let delay = self.irq_delay.get(i).copied().unwrap_or(0);
            if allowed && (delay == 0 || cpu_idle) {
                self.irq_stack.push(i);
                return Pick::Fire(i);
            }
        }
        // Time passes for pending interrupts only while something else runs.
        if !cpu_idle {
            for (i, t) in tasks.iter().enumerate() {
                if t.is_interrupt()
                    && t.state == RunState::Runnable
                    && let Some(d) = self.irq_delay.get_mut(i)
                {
                    *d = d.saturating_sub(1);
                }
            }
        }
        // 2. Process-level round robin.
        if cpu_idle {
            // 3. Skip ahead to the next delayed start, if any.
            let next = tasks
                .iter()
                .enumerate()
                .filter(|(_, t)| t.state == RunState::NotStarted)
                .min_by_key(|(i, t)| (t.start_at, *i))
                .map(|(i, _)| i);
            if let Some(i) = next {
                if let Some(t) = tasks.get_mut(i) {
                    t.state = RunState::Runnable;
                }
                return self.pick(tasks, step.max(tasks.get(i).map_or(step, |t| t.start_at)));
            }
            if tasks
                .iter()
                .any(|t| matches!(t.state, RunState::Blocked { .. }))
            {
                return Pick::Deadlock;
            }
            return Pick::AllDone;
        }
        if let Some(c) = self.current
            && process_runnable.contains(&c)
        {
            let preemptible = tasks
                .get(c)
                .is_some_and(|t| t.ctx.preempt_count == 0 && !t.ctx.irqs_disabled);
            let others = process_runnable.len() > 1;
            let keep = !others || !preemptible || (self.slice_left > 0 && !self.yield_requested);
            if keep {
                self.slice_left = self.slice_left.saturating_sub(1);
                self.yield_requested = false;
                return Pick::Run(c);
            }
        }
        self.switch_to_next(&process_runnable);
        Pick::Run(self.current.unwrap_or(0))
    }

    /// Round robin: the next runnable task after the current one, in declaration
    /// order, with a fresh seeded time slice.
    fn switch_to_next(&mut self, process_runnable: &[usize]) {
        let after = self.current.map_or(0, |c| c + 1);
        let next = process_runnable
            .iter()
            .copied()
            .find(|&i| i >= after && Some(i) != self.current)
            .or_else(|| {
                process_runnable
                    .iter()
                    .copied()
                    .find(|&i| Some(i) != self.current)
            })
            .or(self.current.filter(|c| process_runnable.contains(c)))
            .unwrap_or(process_runnable.first().copied().unwrap_or(0));
        self.current = Some(next);
        self.slice_left = self.rng.range_inclusive(SLICE.0, SLICE.1);
        self.yield_requested = false;
    }
}
