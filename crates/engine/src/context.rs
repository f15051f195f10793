//! Execution context: where code runs (process, softirq, hardirq, workqueue, kthread)
//! and the atomic sections it is inside (spinlocks, irqs off, preemption off, RCU),
//! with `preempt_count()` split exactly like include/linux/preempt.h (6.12) and the
//! `__might_resched()` splat of kernel/sched/core.c (6.12) (§9.2).
//!
//! Misuse (sleeping in atomic context, unlocking a lock not held, count underflow) is
//! reported as a [`ContextEvent`]; nothing here panics or returns `Err`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::gfp::Gfp;
use crate::task::{CallSite, Task};

/// `PREEMPT_OFFSET` (include/linux/preempt.h): preempt_count bits 0-7.
pub const PREEMPT_OFFSET: u32 = 1 << 0;
/// `SOFTIRQ_OFFSET`: bits 8-15; odd multiples mean "serving a softirq".
pub const SOFTIRQ_OFFSET: u32 = 1 << 8;
/// `SOFTIRQ_DISABLE_OFFSET` = 2 * SOFTIRQ_OFFSET (local_bh_disable).
pub const SOFTIRQ_DISABLE_OFFSET: u32 = 2 * SOFTIRQ_OFFSET;
/// `HARDIRQ_OFFSET`: bits 16-19.
pub const HARDIRQ_OFFSET: u32 = 1 << 16;
/// `NMI_OFFSET`: bits 20-23.
pub const NMI_OFFSET: u32 = 1 << 20;
/// `PREEMPT_MASK`.
pub const PREEMPT_MASK: u32 = 0xff;
/// `SOFTIRQ_MASK`.
pub const SOFTIRQ_MASK: u32 = 0xff00;
/// `HARDIRQ_MASK`.
pub const HARDIRQ_MASK: u32 = 0xf_0000;
/// `NMI_MASK`.
pub const NMI_MASK: u32 = 0xf0_0000;
/// `SOFTIRQ_LOCK_OFFSET` = SOFTIRQ_DISABLE_OFFSET + PREEMPT_LOCK_OFFSET (spin_lock_bh),
/// with CONFIG_PREEMPT_COUNT.
pub const SOFTIRQ_LOCK_OFFSET: u32 = SOFTIRQ_DISABLE_OFFSET + PREEMPT_OFFSET;
/// `MIGHT_RESCHED_RCU_SHIFT` (include/linux/sched.h).
pub const MIGHT_RESCHED_RCU_SHIFT: u32 = 8;
/// `MIGHT_RESCHED_PREEMPT_MASK`.
pub const MIGHT_RESCHED_PREEMPT_MASK: u32 = (1 << MIGHT_RESCHED_RCU_SHIFT) - 1;

/// x86-64 EFLAGS as `local_irq_save()` typically returns them with IRQs on (IF = 0x200).
pub const IRQ_FLAGS_ENABLED: u64 = 0x246;
/// The same with IRQs off.
pub const IRQ_FLAGS_DISABLED: u64 = 0x46;
const X86_EFLAGS_IF: u64 = 0x200;

/// `might_alloc()`'s `might_sleep_if()` in include/linux/sched/mm.h (6.12): the
/// file:line a splat names when a blocking allocation comes via kmalloc/alloc_pages.
pub const MIGHT_ALLOC_SITE: (&str, u32) = ("include/linux/sched/mm.h", 321);
/// `mutex_lock()`'s `might_sleep()` (kernel/locking/mutex.c, 6.12).
pub const MUTEX_LOCK_SITE: (&str, u32) = ("kernel/locking/mutex.c", 283);
/// `down_read()`'s `might_sleep()` (kernel/locking/rwsem.c, 6.12).
pub const DOWN_READ_SITE: (&str, u32) = ("kernel/locking/rwsem.c", 1523);
/// `down_write()`'s `might_sleep()` (kernel/locking/rwsem.c, 6.12).
pub const DOWN_WRITE_SITE: (&str, u32) = ("kernel/locking/rwsem.c", 1576);

/// What kind of code a simulated task is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextKind {
    /// A user task making a system call.
    #[default]
    Process,
    /// A softirq handler (NET_RX, tasklets, timers): preempt_count has SOFTIRQ_OFFSET.
    Softirq,
    /// A hard interrupt handler: HARDIRQ_OFFSET, IRQs disabled.
    Hardirq,
    /// A workqueue worker (kworker, PF_WQ_WORKER): process context.
    Workqueue,
    /// A kernel thread (PF_KTHREAD): process context.
    Kthread,
}

impl ContextKind {
    /// The name [`crate::view::TaskView::context`] uses.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ContextKind::Process => "process",
            ContextKind::Softirq => "softirq",
            ContextKind::Hardirq => "hardirq",
            ContextKind::Workqueue => "workqueue",
            ContextKind::Kthread => "kthread",
        }
    }
}

/// The kind of a held lock (how it was taken).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockKind {
    /// `spin_lock()`: preempt_disable.
    Spin,
    /// `spin_lock_bh()`: local_bh_disable + preempt_disable.
    SpinBh,
    /// `spin_lock_irq()`: local_irq_disable + preempt_disable.
    SpinIrq,
    /// `spin_lock_irqsave()`: local_irq_save + preempt_disable.
    SpinIrqsave,
    /// `read_lock()` (rwlock_t).
    ReadLock,
    /// `write_lock()` (rwlock_t).
    WriteLock,
    /// `mutex_lock()`: sleeps.
    Mutex,
    /// `down_read()`: sleeps.
    RwsemRead,
    /// `down_write()`: sleeps.
    RwsemWrite,
    /// `rcu_read_lock()`: lockdep lists it as a held lock.
    RcuRead,
}

impl LockKind {
    /// True for locks that may sleep while acquiring.
    #[must_use]
    pub const fn sleeps(self) -> bool {
        matches!(
            self,
            LockKind::Mutex | LockKind::RwsemRead | LockKind::RwsemWrite
        )
    }
    /// The lock function's kernel name.
    #[must_use]
    pub const fn lock_fn(self) -> &'static str {
        match self {
            LockKind::Spin => "spin_lock",
            LockKind::SpinBh => "spin_lock_bh",
            LockKind::SpinIrq => "spin_lock_irq",
            LockKind::SpinIrqsave => "spin_lock_irqsave",
            LockKind::ReadLock => "read_lock",
            LockKind::WriteLock => "write_lock",
            LockKind::Mutex => "mutex_lock",
            LockKind::RwsemRead => "down_read",
            LockKind::RwsemWrite => "down_write",
            LockKind::RcuRead => "rcu_read_lock",
        }
    }
    /// The unlock function's kernel name.
    #[must_use]
    pub const fn unlock_fn(self) -> &'static str {
        match self {
            LockKind::Spin => "spin_unlock",
            LockKind::SpinBh => "spin_unlock_bh",
            LockKind::SpinIrq => "spin_unlock_irq",
            LockKind::SpinIrqsave => "spin_unlock_irqrestore",
            LockKind::ReadLock => "read_unlock",
            LockKind::WriteLock => "write_unlock",
            LockKind::Mutex => "mutex_unlock",
            LockKind::RwsemRead => "up_read",
            LockKind::RwsemWrite => "up_write",
            LockKind::RcuRead => "rcu_read_unlock",
        }
    }
    /// Lockdep's `{outer:inner}` wait type (include/linux/lockdep_types.h:
    /// LD_WAIT_CONFIG=2 for spinlock_t, LD_WAIT_SLEEP=3 for sleeping locks; RCU 1:2).
    const fn wait_types(self) -> (u8, u8) {
        match self {
            LockKind::Mutex | LockKind::RwsemRead | LockKind::RwsemWrite => (3, 3),
            LockKind::RcuRead => (1, 2),
            _ => (2, 2),
        }
    }
}

/// A lock (or RCU read section) currently held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldLock {
    /// The lock expression as written, e.g. `&dev->rxq.lock`.
    pub name: String,
    pub kind: LockKind,
    pub site: CallSite,
}

impl fmt::Display for HeldLock {
    /// `spin_lock(&dev->rxq.lock)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == LockKind::RcuRead {
            f.write_str("rcu_read_lock()")
        } else {
            write!(f, "{}({})", self.kind.lock_fn(), self.name)
        }
    }
}

/// Kernel configuration options that change what the context checks print.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ContextConfig {
    /// CONFIG_PREEMPT_RCU: rcu_read_lock counts `rcu_preempt_depth()` instead of
    /// disabling preemption, and the splat prints "RCU nest depth".
    pub preempt_rcu: bool,
    /// CONFIG_DEBUG_PREEMPT: "Preemption disabled at:".
    pub debug_preempt: bool,
    /// CONFIG_LOCKDEP: held locks are listed.
    pub lockdep: bool,
}

impl Default for ContextConfig {
    /// A debug kernel (the kind that prints the splat at all): PREEMPT_RCU,
    /// DEBUG_PREEMPT and LOCKDEP on.
    fn default() -> Self {
        ContextConfig {
            preempt_rcu: true,
            debug_preempt: true,
            lockdep: true,
        }
    }
}

/// The execution state of one simulated CPU/task pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecContext {
    pub kind: ContextKind,
    /// The full `preempt_count()` word (preempt | softirq | hardirq | nmi fields).
    pub preempt_count: u32,
    /// `irqs_disabled()`.
    pub irqs_disabled: bool,
    /// `rcu_preempt_depth()` (CONFIG_PREEMPT_RCU).
    pub rcu_depth: u32,
    /// `current->non_block_count`.
    pub non_block: u32,
    /// Held locks in acquisition order.
    pub locks: Vec<HeldLock>,
    /// Where preemption was last disabled from a preemptible state
    /// (`get_preempt_disable_ip`).
    pub preempt_disabled_at: Option<CallSite>,
    pub config: ContextConfig,
}

impl Default for ExecContext {
    fn default() -> Self {
        ExecContext::new(ContextKind::Process)
    }
}

/// Something the execution context noticed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ContextEvent {
    /// `__might_resched()` fired: the full splat.
    SleepInAtomic(BugReport),
    /// An unlock of a lock this context does not hold (lockdep: "WARNING: bad unlock
    /// balance detected!").
    UnlockNotHeld {
        name: String,
        kind: LockKind,
        site: CallSite,
    },
    /// A non-recursive lock taken twice by the same context: a self-deadlock (lockdep:
    /// "WARNING: possible recursive locking detected"). The model does not block.
    RecursiveLock {
        name: String,
        kind: LockKind,
        site: CallSite,
        first: CallSite,
    },
    /// A lock released with the wrong unlock variant (e.g. `spin_unlock` for a lock
    /// taken with `spin_lock_irqsave`): IRQ or BH state is left wrong.
    MismatchedUnlock {
        name: String,
        taken: LockKind,
        released: LockKind,
        site: CallSite,
    },
    /// `preempt_enable()` with the preempt field already 0 (DEBUG_PREEMPT warns).
    PreemptCountUnderflow { site: CallSite },
    /// `rcu_read_unlock()` outside a read-side section.
    RcuUnderflow { site: CallSite },
    /// `local_bh_enable()` with no BH disable outstanding.
    BhUnderflow { site: CallSite },
    /// A task or handler finished while still atomic or holding locks.
    LeftAtomic {
        preempt_count: u32,
        irqs_disabled: bool,
        locks: Vec<String>,
    },
}

impl ExecContext {
    /// A fresh context of `kind`: process-like kinds start preemptible with IRQs on;
    /// `Softirq` starts serving a softirq (`SOFTIRQ_OFFSET`, as in `handle_softirqs`);
    /// `Hardirq` starts inside `irq_enter` with IRQs off.
    #[must_use]
    pub fn new(kind: ContextKind) -> ExecContext {
        let (preempt_count, irqs_disabled) = match kind {
            ContextKind::Softirq => (SOFTIRQ_OFFSET, false),
            ContextKind::Hardirq => (HARDIRQ_OFFSET, true),
            _ => (0, false),
        };
        ExecContext {
            kind,
            preempt_count,
            irqs_disabled,
            rcu_depth: 0,
            non_block: 0,
            locks: Vec::new(),
            preempt_disabled_at: None,
            config: ContextConfig::default(),
        }
    }

    /// `in_atomic()`: `preempt_count() != 0`.
    #[must_use]
    pub const fn in_atomic(&self) -> bool {
        self.preempt_count != 0
    }
    /// `in_interrupt()` (= `irq_count()`): NMI, hardirq or softirq (serving or BH-disabled).
    #[must_use]
    pub const fn in_interrupt(&self) -> bool {
        self.preempt_count & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK) != 0
    }
    /// `in_task()`: not NMI, not hardirq, not serving a softirq.
    #[must_use]
    pub const fn in_task(&self) -> bool {
        self.preempt_count & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET) == 0
    }
    /// `in_hardirq()`.
    #[must_use]
    pub const fn in_hardirq(&self) -> bool {
        self.preempt_count & HARDIRQ_MASK != 0
    }
    /// `in_serving_softirq()`.
    #[must_use]
    pub const fn in_serving_softirq(&self) -> bool {
        self.preempt_count & SOFTIRQ_OFFSET != 0
    }
    /// `in_softirq()`: serving or BH disabled.
    #[must_use]
    pub const fn in_softirq(&self) -> bool {
        self.preempt_count & SOFTIRQ_MASK != 0
    }
    /// `in_nmi()`.
    #[must_use]
    pub const fn in_nmi(&self) -> bool {
        self.preempt_count & NMI_MASK != 0
    }
    /// The preempt field alone (`preempt_count() & PREEMPT_MASK`).
    #[must_use]
    pub const fn preempt_depth(&self) -> u32 {
        self.preempt_count & PREEMPT_MASK
    }

    fn preempt_add(&mut self, val: u32, site: &CallSite) {
        if self.preempt_count == 0 {
            self.preempt_disabled_at = Some(site.clone());
        }
        self.preempt_count = self.preempt_count.wrapping_add(val);
    }

    fn preempt_sub(&mut self, val: u32, site: &CallSite, events: &mut Vec<ContextEvent>) {
        let field_ok = match val {
            PREEMPT_OFFSET => self.preempt_depth() >= 1,
            SOFTIRQ_DISABLE_OFFSET => self.preempt_count & SOFTIRQ_MASK >= SOFTIRQ_DISABLE_OFFSET,
            _ => self.preempt_count >= val,
        };
        if !field_ok {
            events.push(if val == SOFTIRQ_DISABLE_OFFSET {
                ContextEvent::BhUnderflow { site: site.clone() }
            } else {
                ContextEvent::PreemptCountUnderflow { site: site.clone() }
            });
            return;
        }
        self.preempt_count -= val;
        if self.preempt_count == 0 {
            self.preempt_disabled_at = None;
        }
    }

    /// `preempt_disable()`.
    pub fn preempt_disable(&mut self, site: &CallSite) {
        self.preempt_add(PREEMPT_OFFSET, site);
    }
    /// `preempt_enable()`.
    pub fn preempt_enable(&mut self, site: &CallSite) -> Vec<ContextEvent> {
        let mut events = Vec::new();
        self.preempt_sub(PREEMPT_OFFSET, site, &mut events);
        events
    }
    /// `local_irq_disable()`.
    pub fn local_irq_disable(&mut self) {
        self.irqs_disabled = true;
    }
    /// `local_irq_enable()`.
    pub fn local_irq_enable(&mut self) {
        self.irqs_disabled = false;
    }
    /// `local_irq_save(flags)`: returns the flags word.
    pub fn local_irq_save(&mut self) -> u64 {
        let flags = if self.irqs_disabled {
            IRQ_FLAGS_DISABLED
        } else {
            IRQ_FLAGS_ENABLED
        };
        self.irqs_disabled = true;
        flags
    }
    /// `local_irq_restore(flags)`.
    pub fn local_irq_restore(&mut self, flags: u64) {
        self.irqs_disabled = flags & X86_EFLAGS_IF == 0;
    }
    /// `local_bh_disable()`.
    pub fn local_bh_disable(&mut self, site: &CallSite) {
        self.preempt_add(SOFTIRQ_DISABLE_OFFSET, site);
    }
    /// `local_bh_enable()`.
    pub fn local_bh_enable(&mut self, site: &CallSite) -> Vec<ContextEvent> {
        let mut events = Vec::new();
        self.preempt_sub(SOFTIRQ_DISABLE_OFFSET, site, &mut events);
        events
    }
    /// `rcu_read_lock()`: with PREEMPT_RCU bumps the RCU nest depth, otherwise disables
    /// preemption; lockdep lists it as a held lock either way.
    pub fn rcu_read_lock(&mut self, site: &CallSite) {
        if self.config.preempt_rcu {
            self.rcu_depth += 1;
        } else {
            self.preempt_add(PREEMPT_OFFSET, site);
        }
        self.locks.push(HeldLock {
            name: "rcu_read_lock".to_owned(),
            kind: LockKind::RcuRead,
            site: site.clone(),
        });
    }
    /// `rcu_read_unlock()`.
    pub fn rcu_read_unlock(&mut self, site: &CallSite) -> Vec<ContextEvent> {
        let mut events = Vec::new();
        let Some(i) = self.locks.iter().rposition(|l| l.kind == LockKind::RcuRead) else {
            events.push(ContextEvent::RcuUnderflow { site: site.clone() });
            return events;
        };
        self.locks.remove(i);
        if self.config.preempt_rcu {
            self.rcu_depth = self.rcu_depth.saturating_sub(1);
        } else {
            self.preempt_sub(PREEMPT_OFFSET, site, &mut events);
        }
        events
    }

    fn acquire(&mut self, name: &str, kind: LockKind, site: &CallSite) -> Vec<ContextEvent> {
        let mut events = Vec::new();
        // read_lock may recurse on rwlock_t; everything else self-deadlocks.
        if let Some(held) = self
            .locks
            .iter()
            .find(|l| l.name == name && l.kind != LockKind::RcuRead)
        {
            let recursive_read = kind == LockKind::ReadLock && held.kind == LockKind::ReadLock;
            let rwsem_read = kind == LockKind::RwsemRead && held.kind == LockKind::RwsemRead;
            if !recursive_read && !rwsem_read {
                events.push(ContextEvent::RecursiveLock {
                    name: name.to_owned(),
                    kind,
                    site: site.clone(),
                    first: held.site.clone(),
                });
            }
        }
        self.locks.push(HeldLock {
            name: name.to_owned(),
            kind,
            site: site.clone(),
        });
        events
    }

    fn release(
        &mut self,
        name: &str,
        kind: LockKind,
        site: &CallSite,
    ) -> Result<LockKind, Box<ContextEvent>> {
        let Some(i) = self
            .locks
            .iter()
            .rposition(|l| l.name == name && l.kind != LockKind::RcuRead)
        else {
            return Err(Box::new(ContextEvent::UnlockNotHeld {
                name: name.to_owned(),
                kind,
                site: site.clone(),
            }));
        };
        let held = self.locks.remove(i);
        Ok(held.kind)
    }

    fn spin_acquire(&mut self, name: &str, kind: LockKind, site: &CallSite) -> Vec<ContextEvent> {
        match kind {
            LockKind::SpinBh => self.preempt_add(SOFTIRQ_LOCK_OFFSET, site),
            LockKind::SpinIrq | LockKind::SpinIrqsave => {
                self.irqs_disabled = true;
                self.preempt_add(PREEMPT_OFFSET, site);
            }
            _ => self.preempt_add(PREEMPT_OFFSET, site),
        }
        self.acquire(name, kind, site)
    }

    fn spin_release(&mut self, name: &str, kind: LockKind, site: &CallSite) -> Vec<ContextEvent> {
        let mut events = Vec::new();
        match self.release(name, kind, site) {
            Err(e) => {
                events.push(*e);
                return events;
            }
            Ok(taken) if !same_lock_family(taken, kind) => {
                events.push(ContextEvent::MismatchedUnlock {
                    name: name.to_owned(),
                    taken,
                    released: kind,
                    site: site.clone(),
                });
            }
            Ok(_) => {}
        }
        match kind {
            LockKind::SpinBh => {
                self.preempt_sub(PREEMPT_OFFSET, site, &mut events);
                self.preempt_sub(SOFTIRQ_DISABLE_OFFSET, site, &mut events);
            }
            LockKind::SpinIrq => {
                self.preempt_sub(PREEMPT_OFFSET, site, &mut events);
                self.irqs_disabled = false;
            }
            _ => self.preempt_sub(PREEMPT_OFFSET, site, &mut events),
        }
        events
    }

    /// `spin_lock(lock)`.
    pub fn spin_lock(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_acquire(name, LockKind::Spin, site)
    }
    /// `spin_unlock(lock)`.
    pub fn spin_unlock(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_release(name, LockKind::Spin, site)
    }
    /// `spin_lock_bh(lock)`.
    pub fn spin_lock_bh(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_acquire(name, LockKind::SpinBh, site)
    }
    /// `spin_unlock_bh(lock)`.
    pub fn spin_unlock_bh(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_release(name, LockKind::SpinBh, site)
    }
    /// `spin_lock_irq(lock)`.
    pub fn spin_lock_irq(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_acquire(name, LockKind::SpinIrq, site)
    }
    /// `spin_unlock_irq(lock)`.
    pub fn spin_unlock_irq(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_release(name, LockKind::SpinIrq, site)
    }
    /// `spin_lock_irqsave(lock, flags)`: returns the saved flags word.
    pub fn spin_lock_irqsave(&mut self, name: &str, site: &CallSite) -> (u64, Vec<ContextEvent>) {
        let flags = if self.irqs_disabled {
            IRQ_FLAGS_DISABLED
        } else {
            IRQ_FLAGS_ENABLED
        };
        let events = self.spin_acquire(name, LockKind::SpinIrqsave, site);
        (flags, events)
    }
    /// `spin_unlock_irqrestore(lock, flags)`.
    pub fn spin_unlock_irqrestore(
        &mut self,
        name: &str,
        flags: u64,
        site: &CallSite,
    ) -> Vec<ContextEvent> {
        let events = self.spin_release(name, LockKind::SpinIrqsave, site);
        self.local_irq_restore(flags);
        events
    }
    /// `read_lock(lock)` on an rwlock_t.
    pub fn read_lock(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_acquire(name, LockKind::ReadLock, site)
    }
    /// `read_unlock(lock)`.
    pub fn read_unlock(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_release(name, LockKind::ReadLock, site)
    }
    /// `write_lock(lock)` on an rwlock_t.
    pub fn write_lock(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_acquire(name, LockKind::WriteLock, site)
    }
    /// `write_unlock(lock)`.
    pub fn write_unlock(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.spin_release(name, LockKind::WriteLock, site)
    }

    /// A sleeping lock: `might_sleep()` at the lock's own site, then acquire.
    fn sleeping_acquire(
        &mut self,
        task: &Task,
        name: &str,
        kind: LockKind,
        site: &CallSite,
        at: (&str, u32),
        call_trace: &[String],
    ) -> Vec<ContextEvent> {
        let mut events = Vec::new();
        let mut trace = Vec::with_capacity(call_trace.len() + 1);
        trace.push(kind.lock_fn().to_owned());
        trace.extend(call_trace.iter().cloned());
        if let Some(bug) = self.might_sleep(task, at.0, at.1, &trace) {
            events.push(ContextEvent::SleepInAtomic(bug));
        }
        events.extend(self.acquire(name, kind, site));
        events
    }

    /// `mutex_lock(lock)`: `might_sleep()` at kernel/locking/mutex.c:283, then acquire.
    /// `call_trace` is the caller's chain, innermost first.
    pub fn mutex_lock(
        &mut self,
        task: &Task,
        name: &str,
        site: &CallSite,
        call_trace: &[String],
    ) -> Vec<ContextEvent> {
        self.sleeping_acquire(
            task,
            name,
            LockKind::Mutex,
            site,
            MUTEX_LOCK_SITE,
            call_trace,
        )
    }
    /// `mutex_unlock(lock)`.
    pub fn mutex_unlock(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.sleeping_release(name, LockKind::Mutex, site)
    }
    /// `down_read(sem)`.
    pub fn down_read(
        &mut self,
        task: &Task,
        name: &str,
        site: &CallSite,
        call_trace: &[String],
    ) -> Vec<ContextEvent> {
        self.sleeping_acquire(
            task,
            name,
            LockKind::RwsemRead,
            site,
            DOWN_READ_SITE,
            call_trace,
        )
    }
    /// `up_read(sem)`.
    pub fn up_read(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.sleeping_release(name, LockKind::RwsemRead, site)
    }
    /// `down_write(sem)`.
    pub fn down_write(
        &mut self,
        task: &Task,
        name: &str,
        site: &CallSite,
        call_trace: &[String],
    ) -> Vec<ContextEvent> {
        self.sleeping_acquire(
            task,
            name,
            LockKind::RwsemWrite,
            site,
            DOWN_WRITE_SITE,
            call_trace,
        )
    }
    /// `up_write(sem)`.
    pub fn up_write(&mut self, name: &str, site: &CallSite) -> Vec<ContextEvent> {
        self.sleeping_release(name, LockKind::RwsemWrite, site)
    }

    fn sleeping_release(
        &mut self,
        name: &str,
        kind: LockKind,
        site: &CallSite,
    ) -> Vec<ContextEvent> {
        match self.release(name, kind, site) {
            Err(e) => vec![*e],
            Ok(taken) if !same_lock_family(taken, kind) => vec![ContextEvent::MismatchedUnlock {
                name: name.to_owned(),
                taken,
                released: kind,
                site: site.clone(),
            }],
            Ok(_) => Vec::new(),
        }
    }

    /// `irq_enter()`: a hard interrupt arrives on this CPU (HARDIRQ_OFFSET, IRQs off).
    /// Returns the IRQ state to hand to [`ExecContext::irq_exit`].
    pub fn irq_enter(&mut self, site: &CallSite) -> bool {
        let was_disabled = self.irqs_disabled;
        self.preempt_add(HARDIRQ_OFFSET, site);
        self.irqs_disabled = true;
        was_disabled
    }
    /// `irq_exit()`.
    pub fn irq_exit(&mut self, was_disabled: bool, site: &CallSite) -> Vec<ContextEvent> {
        let mut events = Vec::new();
        self.preempt_sub(HARDIRQ_OFFSET, site, &mut events);
        self.irqs_disabled = was_disabled;
        events
    }
    /// Start serving a softirq (`handle_softirqs`: `__local_bh_disable_ip(SOFTIRQ_OFFSET)`).
    pub fn softirq_enter(&mut self, site: &CallSite) {
        self.preempt_add(SOFTIRQ_OFFSET, site);
    }
    /// Finish serving a softirq.
    pub fn softirq_exit(&mut self, site: &CallSite) -> Vec<ContextEvent> {
        let mut events = Vec::new();
        self.preempt_sub(SOFTIRQ_OFFSET, site, &mut events);
        events
    }

    /// `__might_sleep(file, line)` → `__might_resched(file, line, 0)` (kernel/sched/core.c,
    /// 6.12): returns the splat if `preempt_count() + (rcu_preempt_depth() << 8) != 0`,
    /// IRQs are disabled, or `non_block_count` is non-zero. The kernel ratelimits this to
    /// once per HZ and stays silent during boot; the model reports every occurrence and
    /// leaves ratelimiting to the caller. `call_trace` is innermost first.
    #[must_use]
    pub fn might_sleep(
        &self,
        task: &Task,
        file: &str,
        line: u32,
        call_trace: &[String],
    ) -> Option<BugReport> {
        self.might_resched(task, file, line, 0, call_trace)
    }

    /// `__might_resched(file, line, offsets)` (kernel/sched/core.c, 6.12) for callers
    /// such as `cond_resched_lock()` that expect a non-zero count.
    #[must_use]
    pub fn might_resched(
        &self,
        task: &Task,
        file: &str,
        line: u32,
        offsets: u32,
        call_trace: &[String],
    ) -> Option<BugReport> {
        let rcu = if self.config.preempt_rcu {
            self.rcu_depth
        } else {
            0
        };
        let nested = self
            .preempt_count
            .wrapping_add(rcu << MIGHT_RESCHED_RCU_SHIFT);
        if nested == offsets && !self.irqs_disabled && self.non_block == 0 {
            return None;
        }
        let expected = offsets & MIGHT_RESCHED_PREEMPT_MASK;
        Some(BugReport {
            file: file.to_owned(),
            line,
            in_atomic: self.in_atomic(),
            irqs_disabled: self.irqs_disabled,
            non_block: self.non_block,
            pid: task.pid,
            comm: task_comm(&task.comm).to_owned(),
            preempt_count: self.preempt_count,
            expected,
            rcu_depth: if self.config.preempt_rcu {
                Some((self.rcu_depth, offsets >> MIGHT_RESCHED_RCU_SHIFT))
            } else {
                None
            },
            held_locks: if self.config.lockdep {
                Some(self.locks.clone())
            } else {
                None
            },
            preempt_disabled_at: if self.config.debug_preempt && self.preempt_count != expected {
                self.preempt_disabled_at.clone()
            } else {
                None
            },
            call_trace: call_trace.to_vec(),
        })
    }

    /// `might_alloc(gfp)` (include/linux/sched/mm.h, 6.12): `might_sleep_if(
    /// gfpflags_allow_blocking(gfp))`. `gfp` is the caller's mask (the lockdep
    /// fs_reclaim half is not modelled here).
    #[must_use]
    pub fn might_alloc(&self, task: &Task, gfp: Gfp, call_trace: &[String]) -> Option<BugReport> {
        if !gfp.contains(Gfp::DIRECT_RECLAIM) {
            return None;
        }
        self.might_sleep(task, MIGHT_ALLOC_SITE.0, MIGHT_ALLOC_SITE.1, call_trace)
    }

    /// Held locks as the UI lists them (`spin_lock(&dev->lock)`), acquisition order.
    #[must_use]
    pub fn lock_names(&self) -> Vec<String> {
        self.locks.iter().map(ToString::to_string).collect()
    }

    /// Report a context left atomic when its task/handler finishes. The base count of
    /// the context kind (softirq/hardirq) is not a leak.
    #[must_use]
    pub fn check_clean(&self) -> Option<ContextEvent> {
        let base = ExecContext::new(self.kind);
        if self.preempt_count == base.preempt_count
            && self.irqs_disabled == base.irqs_disabled
            && self.locks.is_empty()
        {
            return None;
        }
        Some(ContextEvent::LeftAtomic {
            preempt_count: self.preempt_count,
            irqs_disabled: self.irqs_disabled,
            locks: self.lock_names(),
        })
    }
}

fn same_lock_family(a: LockKind, b: LockKind) -> bool {
    a == b
}

/// `current->comm` is at most TASK_COMM_LEN-1 = 15 bytes.
fn task_comm(comm: &str) -> &str {
    match comm.char_indices().nth(15) {
        Some((i, _)) => &comm[..i],
        None => comm,
    }
}

/// The "sleeping function called from invalid context" splat (§9.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BugReport {
    pub file: String,
    pub line: u32,
    pub in_atomic: bool,
    pub irqs_disabled: bool,
    pub non_block: u32,
    pub pid: u32,
    pub comm: String,
    pub preempt_count: u32,
    pub expected: u32,
    /// `(rcu_preempt_depth(), expected)` with CONFIG_PREEMPT_RCU.
    pub rcu_depth: Option<(u32, u32)>,
    /// Held locks with CONFIG_LOCKDEP.
    pub held_locks: Option<Vec<HeldLock>>,
    /// Where preemption was disabled (CONFIG_DEBUG_PREEMPT, count ≠ expected).
    pub preempt_disabled_at: Option<CallSite>,
    /// Callers, innermost first.
    pub call_trace: Vec<String>,
}

impl BugReport {
    /// The first line, verbatim.
    #[must_use]
    pub fn headline(&self) -> String {
        format!(
            "BUG: sleeping function called from invalid context at {}:{}",
            self.file, self.line
        )
    }

    /// The log lines in kernel order. Lines 1-4 are verbatim `__might_resched()`
    /// output. Lockdep's held-lock lines omit the lock address and usage letters
    /// (`{....}`), which a simulation cannot know; "Preemption disabled at:" and the
    /// call trace show symbols without addresses/offsets.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            self.headline(),
            format!(
                "in_atomic(): {}, irqs_disabled(): {}, non_block: {}, pid: {}, name: {}",
                u8::from(self.in_atomic),
                u8::from(self.irqs_disabled),
                self.non_block,
                self.pid,
                self.comm
            ),
            format!(
                "preempt_count: {:x}, expected: {:x}",
                self.preempt_count, self.expected
            ),
        ];
        if let Some((depth, expected)) = self.rcu_depth {
            out.push(format!("RCU nest depth: {depth}, expected: {expected}"));
        }
        if let Some(locks) = &self.held_locks {
            if locks.is_empty() {
                out.push(format!("no locks held by {}/{}.", self.comm, self.pid));
            } else {
                out.push(format!(
                    "{} lock{} held by {}/{}:",
                    locks.len(),
                    if locks.len() == 1 { "" } else { "s" },
                    self.comm,
                    self.pid
                ));
                for (i, lock) in locks.iter().enumerate() {
                    let (outer, inner) = lock.kind.wait_types();
                    out.push(format!(
                        " #{i}: ({}){{....}}-{{{outer}:{inner}}}, at: {}",
                        lock.name, lock.site.function
                    ));
                }
            }
        }
        if let Some(site) = &self.preempt_disabled_at {
            out.push("Preemption disabled at:".to_owned());
            out.push(format!("[<0000000000000000>] {}", site.function));
        }
        out.push(format!(
            "CPU: 0 UID: 0 PID: {} Comm: {} Not tainted 6.12.117 #1",
            self.pid, self.comm
        ));
        out.push("Call Trace:".to_owned());
        out.push(" <TASK>".to_owned());
        out.push(" dump_stack_lvl".to_owned());
        out.push(" __might_resched".to_owned());
        for frame in &self.call_trace {
            out.push(format!(" {frame}"));
        }
        out.push(" </TASK>".to_owned());
        out
    }

    /// All lines joined with `\n`.
    #[must_use]
    pub fn text(&self) -> String {
        self.lines().join("\n")
    }
}

impl fmt::Display for BugReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl fmt::Display for ContextEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextEvent::SleepInAtomic(bug) => f.write_str(&bug.headline()),
            ContextEvent::UnlockNotHeld { name, kind, site } => write!(
                f,
                "WARNING: bad unlock balance detected! {}({name}) at {site}, but it is not held",
                kind.unlock_fn()
            ),
            ContextEvent::RecursiveLock {
                name,
                kind,
                site,
                first,
            } => write!(
                f,
                "WARNING: possible recursive locking detected: {}({name}) at {site}, already taken at {first}: this CPU deadlocks",
                kind.lock_fn()
            ),
            ContextEvent::MismatchedUnlock {
                name,
                taken,
                released,
                site,
            } => write!(
                f,
                "{}({name}) at {site} releases a lock taken with {}()",
                released.unlock_fn(),
                taken.lock_fn()
            ),
            ContextEvent::PreemptCountUnderflow { site } => {
                write!(f, "preempt_count underflow at {site}")
            }
            ContextEvent::RcuUnderflow { site } => {
                write!(f, "rcu_read_unlock() at {site} without rcu_read_lock()")
            }
            ContextEvent::BhUnderflow { site } => {
                write!(f, "local_bh_enable() at {site} without local_bh_disable()")
            }
            ContextEvent::LeftAtomic {
                preempt_count,
                irqs_disabled,
                locks,
            } => write!(
                f,
                "context finished atomic: preempt_count {preempt_count:#x}, irqs_disabled {}, locks held: [{}]",
                u8::from(*irqs_disabled),
                locks.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(f: &str, line: u32) -> CallSite {
        CallSite::new(f, line)
    }

    #[test]
    fn process_context_may_sleep() {
        let ctx = ExecContext::new(ContextKind::Process);
        let task = Task::new(1, "cat");
        assert!(ctx.in_task() && !ctx.in_atomic() && !ctx.in_interrupt());
        assert!(ctx.might_alloc(&task, Gfp::KERNEL, &[]).is_none());
    }

    #[test]
    fn gfp_kernel_under_spinlock_prints_kernel_splat() {
        let mut ctx = ExecContext::new(ContextKind::Workqueue);
        let task = Task::new(812, "kworker/2:1");
        assert!(ctx.spin_lock("&dev->lock", &site("dev_rx", 10)).is_empty());
        assert!(ctx.in_atomic());
        // GFP_ATOMIC never calls might_sleep.
        assert!(ctx.might_alloc(&task, Gfp::ATOMIC, &[]).is_none());
        let bug = ctx
            .might_alloc(
                &task,
                Gfp::KERNEL,
                &["kmalloc".to_owned(), "dev_rx".to_owned()],
            )
            .unwrap();
        let lines = bug.lines();
        assert_eq!(
            lines[0],
            "BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321"
        );
        assert_eq!(
            lines[1],
            "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 812, name: kworker/2:1"
        );
        assert_eq!(lines[2], "preempt_count: 1, expected: 0");
        assert_eq!(lines[3], "RCU nest depth: 0, expected: 0");
        assert_eq!(lines[4], "1 lock held by kworker/2:1/812:");
        assert!(lines[5].starts_with(" #0: (&dev->lock)"));
        assert_eq!(lines[6], "Preemption disabled at:");
        assert!(lines.iter().any(|l| l == " dev_rx"));
        assert!(
            ctx.spin_unlock("&dev->lock", &site("dev_rx", 12))
                .is_empty()
        );
        assert_eq!(ctx.preempt_count, 0);
        assert!(ctx.might_alloc(&task, Gfp::KERNEL, &[]).is_none());
    }

    #[test]
    fn irqsave_restores_previous_state() {
        let mut ctx = ExecContext::new(ContextKind::Process);
        let (flags, _) = ctx.spin_lock_irqsave("&q->lock", &site("f", 1));
        assert_eq!(flags, IRQ_FLAGS_ENABLED);
        assert!(ctx.irqs_disabled && ctx.in_atomic());
        let (inner, _) = ctx.spin_lock_irqsave("&r->lock", &site("f", 2));
        assert_eq!(inner, IRQ_FLAGS_DISABLED);
        ctx.spin_unlock_irqrestore("&r->lock", inner, &site("f", 3));
        assert!(ctx.irqs_disabled);
        ctx.spin_unlock_irqrestore("&q->lock", flags, &site("f", 4));
        assert!(!ctx.irqs_disabled && !ctx.in_atomic());
        assert!(ctx.check_clean().is_none());
    }

    #[test]
    fn irqs_disabled_alone_is_invalid_for_sleep() {
        let mut ctx = ExecContext::new(ContextKind::Process);
        let task = Task::new(5, "t");
        ctx.local_irq_disable();
        let bug = ctx.might_sleep(&task, "mm/slub.c", 1, &[]).unwrap();
        assert_eq!(
            bug.lines()[1],
            "in_atomic(): 0, irqs_disabled(): 1, non_block: 0, pid: 5, name: t"
        );
        assert_eq!(bug.lines()[2], "preempt_count: 0, expected: 0");
        assert!(bug.preempt_disabled_at.is_none());
    }

    #[test]
    fn rcu_read_lock_counts_depth_with_preempt_rcu() {
        let mut ctx = ExecContext::new(ContextKind::Process);
        let task = Task::new(5, "t");
        ctx.rcu_read_lock(&site("f", 1));
        assert!(!ctx.in_atomic());
        let bug = ctx.might_sleep(&task, "x.c", 9, &[]).unwrap();
        assert_eq!(bug.lines()[3], "RCU nest depth: 1, expected: 0");
        assert!(ctx.rcu_read_unlock(&site("f", 2)).is_empty());
        let ev = ctx.rcu_read_unlock(&site("f", 3));
        assert!(matches!(ev[0], ContextEvent::RcuUnderflow { .. }));

        ctx.config.preempt_rcu = false;
        ctx.rcu_read_lock(&site("f", 4));
        assert!(ctx.in_atomic());
        let bug = ctx.might_sleep(&task, "x.c", 9, &[]).unwrap();
        assert!(!bug.lines().iter().any(|l| l.starts_with("RCU nest")));
    }

    #[test]
    fn softirq_and_hardirq_predicates() {
        let soft = ExecContext::new(ContextKind::Softirq);
        assert!(soft.in_interrupt() && soft.in_softirq() && !soft.in_task());
        assert!(soft.in_serving_softirq());
        let hard = ExecContext::new(ContextKind::Hardirq);
        assert!(hard.in_hardirq() && hard.irqs_disabled && !hard.in_task());
        assert_eq!(hard.preempt_count, 0x10000);
        let mut bh = ExecContext::new(ContextKind::Process);
        bh.spin_lock_bh("&sk->lock", &site("f", 1));
        assert_eq!(bh.preempt_count, 0x201);
        assert!(bh.in_interrupt() && bh.in_task());
        assert!(bh.spin_unlock_bh("&sk->lock", &site("f", 2)).is_empty());
        assert_eq!(bh.preempt_count, 0);
    }

    #[test]
    fn misuse_is_reported_not_panicked() {
        let mut ctx = ExecContext::new(ContextKind::Process);
        let task = Task::new(1, "t");
        let ev = ctx.spin_unlock("&nope", &site("f", 1));
        assert!(matches!(ev[0], ContextEvent::UnlockNotHeld { .. }));
        assert_eq!(ctx.preempt_count, 0);
        let ev = ctx.preempt_enable(&site("f", 2));
        assert!(matches!(ev[0], ContextEvent::PreemptCountUnderflow { .. }));
        ctx.spin_lock("&a", &site("f", 3));
        let ev = ctx.spin_lock("&a", &site("f", 4));
        assert!(matches!(ev[0], ContextEvent::RecursiveLock { .. }));
        let ev = ctx.mutex_lock(&task, "&m", &site("f", 5), &["f".to_owned()]);
        let ContextEvent::SleepInAtomic(bug) = &ev[0] else {
            panic!("{ev:?}")
        };
        assert_eq!(
            bug.headline(),
            "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:283"
        );
        assert_eq!(bug.preempt_count, 2);
        assert!(ctx.check_clean().is_some());
    }

    #[test]
    fn long_comm_is_truncated_like_task_comm_len() {
        let mut ctx = ExecContext::new(ContextKind::Process);
        ctx.preempt_disable(&site("f", 1));
        let task = Task::new(1, "a_very_long_command_name");
        let bug = ctx.might_sleep(&task, "x.c", 1, &[]).unwrap();
        assert_eq!(bug.comm, "a_very_long_com");
    }
}
