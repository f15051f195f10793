//! The scenario interpreter: tasks, frames, one statement per step.
//!
//! [`Interp`] holds everything that changes while a scenario runs *except* the
//! kernel model (which lives in `alloc::Kernel`): the tasks with their call
//! stacks, `task_struct` (`crate::task::Task`) and execution context
//! (`crate::context::ExecContext`), globals, the provenance table of pointers,
//! lock ownership, and the scheduler with its seeded PRNG. It is `Clone`, and a
//! clone is a complete snapshot for time travel.
//!
//! The interpreter applies no kernel rule itself. Scope save/restore is
//! `Task::scope_save/scope_restore`, atomic context and the sleeping-in-atomic
//! splat are `ExecContext`, and every allocation and free goes to the kernel
//! model (`scenario::sys`).

use crate::context::{ContextEvent, ContextKind, ExecContext, IRQ_FLAGS_ENABLED};
use crate::rng::SplitMix64;
use crate::scenario::ast::{self, BinaryOp, TaskKind, UnaryOp};
use crate::scenario::builtins::Builtin;
use crate::scenario::compile::{FuncId, Op, Program, SlotKind, Target};
use crate::scenario::sched;
use crate::scenario::value::{Object, Value};
use crate::task::{CallSite, ScopeApi, ScopeEvent, ScopeSemantics, Task, TaskFlags};

/// Deepest call stack a task may build before it is stopped (runaway recursion).
pub const MAX_FRAMES: usize = 256;
/// Ops one statement may execute (a statement is straight-line code plus calls;
/// this only guards against a bug in lowering).
pub const MAX_OPS_PER_STEP: u32 = 100_000;
/// Default step limit when the header sets none.
pub const DEFAULT_STEP_LIMIT: u64 = 200_000;

/// One activation of a scenario function.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub func: FuncId,
    /// Next op to execute.
    pub pc: u32,
    /// First slot of this frame in the task's `slots`.
    pub slot_base: u32,
    /// Operand stack height when the frame was entered.
    pub stack_base: u32,
    /// Line of the statement executing (or about to execute).
    pub line: u32,
    /// Set on a frame a builtin pushed (a device resume callback).
    pub cont: Option<Cont>,
    /// Set on a frame scenario code called: where and when.
    pub call: Option<FrameCall>,
}

/// The call that pushed a frame: a call site of the caller and the step that ran it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameCall {
    /// Index into `Program::sites`.
    pub site: u32,
    /// Number of the step that executed the call (the `StepView::step` after it).
    pub step: u64,
}

/// A continuation attached to a frame pushed by a builtin (a device's runtime
/// resume callback): what to do when it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cont {
    /// `rpm_callback()` finished: restore the NOIO scope (if one was opened) and
    /// mark the device active.
    RpmResume { dev: u32, cookie: Option<u32> },
}

/// Run-time device state (runtime PM).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceState {
    pub name: String,
    pub suspended: bool,
    /// Its resume callback is running.
    pub resuming: bool,
    pub memalloc_noio: bool,
    pub backing_store: bool,
    pub usage: u32,
    pub parent: Option<u32>,
    pub resume: Option<u32>,
}

impl DeviceState {
    /// Devices of a scenario in their initial state.
    #[must_use]
    pub fn from_scenario(s: &ast::Scenario) -> Vec<DeviceState> {
        s.devices
            .iter()
            .map(|d| DeviceState {
                name: d.name.name.clone(),
                suspended: d.runtime_suspended,
                resuming: false,
                memalloc_noio: d.memalloc_noio,
                backing_store: d.backing_store,
                usage: 0,
                parent: d.parent.as_ref().map(|(_, i)| *i as u32),
                resume: d.resume.as_ref().map(|(_, i)| *i as u32),
            })
            .collect()
    }
}

/// Where a task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// `__start(N)`: becomes runnable at scheduler step N.
    NotStarted,
    /// `__idle`: waits for `queue_work()`, `wake_up_process()`, `napi_schedule()`,
    /// `raise_softirq()` or `generic_handle_irq()`.
    Idle,
    Runnable,
    /// Waiting for a sleeping lock (index into the scenario's locks).
    Blocked {
        lock: u32,
    },
    Finished,
    /// Stopped by a verdict (deadlock, endless loop, step limit, run-time error).
    Stopped,
}

/// A simulated task (or interrupt handler) and its interpreter state.
#[derive(Clone, Debug)]
pub struct TaskState {
    /// Index into `Scenario::tasks` (`usize::MAX` for the global initialiser).
    pub decl: usize,
    /// Declared name (`SYSCALL(touch)` → `touch`).
    pub name: String,
    pub kind: TaskKind,
    /// `current`: pid, comm, `task_struct->flags`, open scopes.
    pub task: Task,
    /// preempt_count, irqs, locks held, RCU.
    pub ctx: ExecContext,
    pub frames: Vec<Frame>,
    pub slots: Vec<Value>,
    /// Whether each slot is in scope (declared and not yet out of its block).
    pub live: Vec<bool>,
    pub stack: Vec<Value>,
    pub state: RunState,
    /// Why it stopped ("deadlock: ...").
    pub verdict: Option<String>,
    pub start_at: u64,
    /// Triggers received while already running (re-run the entry afterwards).
    pub pending: u32,
    /// Return value of the entry function, once finished.
    pub ret: Option<i64>,
    /// For nested interrupt handlers: the task they interrupted.
    pub interrupted: Option<usize>,
    /// `irq_enter()` state to give back on exit.
    pub irq_was_disabled: bool,
    /// `Some(node)` for the kernel's own kswapd thread of that node (no scenario code).
    pub kswapd: Option<u16>,
}

impl TaskState {
    /// Whether the entry function has executed anything since it was (re)entered: still
    /// at the first statement of the entry frame means "queued, not started".
    #[must_use]
    pub fn has_started(&self) -> bool {
        !(self.frames.len() == 1 && self.frames.first().is_some_and(|f| f.pc == 0))
    }

    /// Innermost frame.
    #[must_use]
    pub fn top(&self) -> Option<&Frame> {
        self.frames.last()
    }

    /// Whether the handler runs nested on another task's stack (hardirq, softirq).
    #[must_use]
    pub fn is_interrupt(&self) -> bool {
        matches!(
            self.kind,
            TaskKind::IrqHandler | TaskKind::Softirq | TaskKind::NapiPoll
        )
    }

    /// "runnable", "running", "finished", "stopped: <verdict>", ...
    #[must_use]
    pub fn state_text(&self, running: bool) -> String {
        match self.state {
            RunState::NotStarted => format!("not started (starts at step {})", self.start_at),
            RunState::Idle if self.kswapd.is_some() => "sleeping (kswapd_wait)".into(),
            RunState::Idle => "idle (waiting to be triggered)".into(),
            RunState::Runnable if self.kswapd.is_some() && running => {
                "running: balance_pgdat()".into()
            }
            RunState::Runnable if self.kswapd.is_some() => "woken: balance_pgdat() pending".into(),
            RunState::Runnable if running => "running".into(),
            RunState::Runnable => "runnable".into(),
            RunState::Blocked { .. } => "blocked".into(),
            RunState::Finished => "finished".into(),
            RunState::Stopped => {
                format!("stopped: {}", self.verdict.as_deref().unwrap_or("stopped"))
            }
        }
    }
}

/// Who holds a sleeping lock or spinlock, for contention and deadlock detection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockState {
    pub owner: Option<usize>,
    pub readers: u32,
}

/// What happened during one step, besides kernel events: the raw material for
/// the log and the view. Filled by the interpreter and by `sys`.
#[derive(Clone, Debug, Default)]
pub struct StepOut {
    /// (kind, text, extra fields) in emission order; the run adds step, task and location.
    pub entries: Vec<Emitted>,
    /// Slow-path decisions in kernel order.
    pub decisions: Vec<crate::view::DecisionView>,
    /// The innermost allocation of the step.
    pub alloc: Option<crate::view::AllocView>,
    /// Sub-steps the allocator needed (decisions + freelist walks) during the step.
    pub latency: u32,
    pub reclaimed: u64,
    pub scanned: u64,
    /// Buddy splits and merges, summed per task.
    pub buddy_ops: Vec<crate::view::BuddyOpView>,
}

/// One log entry before the run stamps it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Emitted {
    pub kind: String,
    pub text: String,
    pub task: String,
    pub function: Option<String>,
    pub line: Option<u32>,
    pub fields: crate::scenario::run::Fields,
}

/// Why a builtin could not complete this step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Completed; push the value (unless `Void`).
    Done(Value),
    /// Completed with a return value and a value for the call's out-variable
    /// (`flags` of `spin_lock_irqsave(&l, flags)`).
    DoneOut(Value, Value),
    /// The builtin rewound the pc to run again (after a callback frame it pushed,
    /// or for the next device on a resume chain); its arguments stay on the stack.
    Again,
    /// The task must wait (contended sleeping lock); retry the op later.
    Block { lock: u32 },
    /// Completed; the task yields the CPU after this step.
    Yield(Value),
    /// The task cannot go on (the verdict was logged).
    Stop,
}

/// The interpreter state (everything but the kernel model).
#[derive(Clone, Debug)]
pub struct Interp {
    pub tasks: Vec<TaskState>,
    pub globals: Vec<Value>,
    /// Live objects by address (see [`Object`]).
    pub objects: crate::small_map::U64Map<Object>,
    pub locks: Vec<LockState>,
    pub devices: Vec<DeviceState>,
    pub sched: sched::Sched,
    pub semantics: ScopeSemantics,
    pub step: u64,
    pub step_limit: u64,
    pub finished: bool,
    /// Set when the step limit stopped the run.
    pub limit_hit: bool,
}

/// Where an op is: for located messages.
#[derive(Clone, Debug, Default)]
pub struct Here {
    pub task: String,
    pub function: Option<String>,
    pub line: Option<u32>,
}

impl Interp {
    /// Builds the tasks of a scenario (not yet run).
    #[must_use]
    pub fn new(s: &ast::Scenario, prog: &Program, semantics: ScopeSemantics, seed: u64) -> Interp {
        let mut tasks = Vec::new();
        let mut next_pid = 100u32;
        for (i, t) in s.tasks.iter().enumerate() {
            let pid = t.pid.unwrap_or_else(|| {
                next_pid += 1;
                next_pid
            });
            let comm = t.comm.clone().unwrap_or_else(|| default_comm(t));
            let mut flags = TaskFlags(t.flags);
            match t.kind {
                TaskKind::Kthread => flags |= TaskFlags::PF_KTHREAD,
                TaskKind::Workqueue => flags |= TaskFlags::PF_KTHREAD | TaskFlags::PF_WQ_WORKER,
                _ => {}
            }
            let start_at = t.start.unwrap_or(0);
            let state = if t.idle {
                RunState::Idle
            } else if start_at > 0 {
                RunState::NotStarted
            } else {
                RunState::Runnable
            };
            let mut ts = TaskState {
                decl: i,
                name: t.name.name.clone(),
                kind: t.kind,
                task: Task::with_flags(pid, comm, flags),
                ctx: ExecContext::new(context_kind(t.kind)),
                frames: Vec::new(),
                slots: Vec::new(),
                live: Vec::new(),
                stack: Vec::new(),
                state,
                verdict: None,
                start_at,
                pending: 0,
                ret: None,
                interrupted: None,
                irq_was_disabled: false,
                kswapd: None,
            };
            if state != RunState::Idle {
                enter_entry(&mut ts, prog, prog.task_entry(i));
            }
            tasks.push(ts);
        }
        let step_limit = s.header.step_limit.unwrap_or(DEFAULT_STEP_LIMIT);
        let mut sched = sched::Sched::new(SplitMix64::new(seed), tasks.len());
        // Interrupts pending from the start fire after a seeded delay too.
        for (i, t) in tasks.iter().enumerate() {
            if t.is_interrupt() && t.state == RunState::Runnable {
                sched.arm_interrupt(i);
            }
        }
        Interp {
            globals: vec![Value::Uninit; prog.globals.len()],
            objects: crate::small_map::U64Map::new(),
            locks: vec![LockState::default(); s.locks.len()],
            devices: DeviceState::from_scenario(s),
            sched,
            tasks,
            semantics,
            step: 0,
            step_limit,
            finished: false,
            limit_hit: false,
        }
    }

    /// Adds kswapd (`kswapd0`, ...) for each node as a kernel thread the scheduler
    /// runs while the allocator has woken it (PF_MEMALLOC | PF_KSWAPD | PF_KTHREAD).
    pub fn add_kswapd(&mut self, nodes: usize) {
        // A pid no scenario task uses (kswapd0 is an early kernel thread).
        let mut pid = 90u32;
        for node in 0..nodes {
            while self.tasks.iter().any(|t| t.task.pid == pid) {
                pid += 1;
            }
            let flags = TaskFlags::PF_MEMALLOC | TaskFlags::PF_KSWAPD | TaskFlags::PF_KTHREAD;
            self.tasks.push(TaskState {
                decl: usize::MAX,
                name: format!("kswapd{node}"),
                kind: TaskKind::Kthread,
                task: Task::with_flags(pid, format!("kswapd{node}"), flags),
                ctx: ExecContext::new(ContextKind::Kthread),
                frames: Vec::new(),
                slots: Vec::new(),
                live: Vec::new(),
                stack: Vec::new(),
                state: RunState::Idle,
                verdict: None,
                start_at: 0,
                pending: 0,
                ret: None,
                interrupted: None,
                irq_was_disabled: false,
                kswapd: Some(node as u16),
            });
            self.sched.irq_delay.push(0);
        }
    }

    /// Location of task `t`'s innermost frame.
    #[must_use]
    pub fn here(&self, prog: &Program, t: usize) -> Here {
        let Some(ts) = self.tasks.get(t) else {
            return Here {
                task: "<init>".into(),
                ..Here::default()
            };
        };
        if ts.kswapd.is_some() {
            return Here {
                task: ts.name.clone(),
                function: Some("balance_pgdat".into()),
                line: None,
            };
        }
        Here {
            task: ts.name.clone(),
            function: ts.top().map(|f| prog.code(f.func).name.clone()),
            line: ts.top().map(|f| f.line),
        }
    }

    /// Call trace of task `t`, innermost first (for BUG splats).
    #[must_use]
    pub fn call_trace(&self, prog: &Program, t: usize) -> Vec<String> {
        self.tasks.get(t).map_or_else(Vec::new, |ts| {
            ts.frames
                .iter()
                .rev()
                .map(|f| prog.code(f.func).name.clone())
                .collect()
        })
    }
}

/// `comm` when the scenario does not set one: what `ps` would show for such a task.
fn default_comm(t: &ast::TaskDecl) -> String {
    match t.kind {
        TaskKind::Workqueue => "kworker/0:1".into(),
        _ => t.name.name.chars().take(15).collect(),
    }
}

/// The execution-context kind of a task declaration.
#[must_use]
pub fn context_kind(k: TaskKind) -> ContextKind {
    match k {
        TaskKind::Syscall => ContextKind::Process,
        TaskKind::IrqHandler => ContextKind::Hardirq,
        TaskKind::Softirq | TaskKind::NapiPoll => ContextKind::Softirq,
        TaskKind::Workqueue => ContextKind::Workqueue,
        TaskKind::Kthread => ContextKind::Kthread,
    }
}

/// Push the entry frame of a task (fresh slots and stack).
pub fn enter_entry(ts: &mut TaskState, prog: &Program, entry: FuncId) {
    ts.frames.clear();
    ts.slots.clear();
    ts.live.clear();
    ts.stack.clear();
    let code = prog.code(entry);
    ts.slots.resize(code.slots.len(), Value::Uninit);
    ts.live.resize(code.slots.len(), false);
    ts.frames.push(Frame {
        func: entry,
        pc: 0,
        slot_base: 0,
        stack_base: 0,
        line: first_line(prog, entry),
        cont: None,
        call: None,
    });
}

/// Line of the first statement of a function (its name's line if it has none).
#[must_use]
pub fn first_line(prog: &Program, f: FuncId) -> u32 {
    let code = prog.code(f);
    code.ops
        .iter()
        .find_map(|op| match op {
            Op::Stmt { line, .. } => Some(*line),
            _ => None,
        })
        .unwrap_or(code.line)
}

/// The result of executing a task for one statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepEnd {
    /// Stopped at the next statement.
    AtStatement,
    /// The task returned from its entry function.
    Finished,
    /// Blocked on a lock (retry the same op later).
    Blocked,
    /// Asked to yield the CPU.
    Yielded,
    /// Stopped by a verdict.
    Stopped,
}

/// Binary operator on two values (C semantics on i64; masks stay masks under `| & ^`).
/// `Err` carries a run-time error message (division by zero).
#[allow(clippy::many_single_char_names)] // C operands: a op b, as integers x op y
pub fn binary(op: BinaryOp, a: Value, b: Value) -> Result<Value, String> {
    use BinaryOp as B;
    if matches!(op, B::BitOr | B::BitAnd | B::BitXor)
        && (matches!(a, Value::Gfp(_)) || matches!(b, Value::Gfp(_)))
    {
        let (Some(x), Some(y)) = (a.as_gfp(), b.as_gfp()) else {
            return Err(format!("`{}` on a value that is not a number", op.symbol()));
        };
        return Ok(Value::Gfp(crate::gfp::Gfp(match op {
            B::BitOr => x.0 | y.0,
            B::BitAnd => x.0 & y.0,
            _ => x.0 ^ y.0,
        })));
    }
    if matches!(op, B::Eq | B::Ne) {
        // Handles compare by identity; everything else as integers.
        let eq = match (a.as_int(), b.as_int()) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        };
        return Ok(Value::Int(i64::from(if op == B::Eq { eq } else { !eq })));
    }
    let (Some(x), Some(y)) = (a.as_int(), b.as_int()) else {
        return Err(format!(
            "`{}` on a value that is not a number ({} and {})",
            op.symbol(),
            describe(a),
            describe(b)
        ));
    };
    let r = match op {
        B::Mul => x.wrapping_mul(y),
        B::Div | B::Rem if y == 0 => return Err("division by zero".into()),
        B::Div => x.wrapping_div(y),
        B::Rem => x.wrapping_rem(y),
        B::Add => x.wrapping_add(y),
        B::Sub => x.wrapping_sub(y),
        B::Shl => x.wrapping_shl((y & 63) as u32),
        B::Shr => x.wrapping_shr((y & 63) as u32),
        B::Lt => i64::from(x < y),
        B::Le => i64::from(x <= y),
        B::Gt => i64::from(x > y),
        B::Ge => i64::from(x >= y),
        B::BitAnd => x & y,
        B::BitXor => x ^ y,
        B::BitOr => x | y,
        B::LogAnd => i64::from(x != 0 && y != 0),
        B::LogOr => i64::from(x != 0 || y != 0),
        B::Eq | B::Ne => 0,
    };
    // Pointer arithmetic keeps provenance (`p + 1`).
    if let (Value::Ptr { .. }, B::Add | B::Sub) = (a, op) {
        return Ok(Value::Ptr { addr: r as u64 });
    }
    Ok(Value::Int(r))
}

/// Unary operator.
pub fn unary(op: UnaryOp, a: Value) -> Result<Value, String> {
    match op {
        UnaryOp::Not => Ok(Value::Int(i64::from(!a.truthy()))),
        UnaryOp::BitNot => match a {
            Value::Gfp(g) => Ok(Value::Gfp(crate::gfp::Gfp(!g.0))),
            _ => a
                .as_int()
                .map(|x| Value::Int(!x))
                .ok_or_else(|| format!("`~` on {}", describe(a))),
        },
        UnaryOp::Neg => a
            .as_int()
            .map(|x| Value::Int(x.wrapping_neg()))
            .ok_or_else(|| format!("`-` on {}", describe(a))),
        UnaryOp::Plus | UnaryOp::AddrOf => Ok(a),
        UnaryOp::Deref => {
            Err("`*p` reads memory contents, which the interpreter does not model".into())
        }
    }
}

/// A short description of a value for messages.
#[must_use]
pub fn describe(v: Value) -> &'static str {
    match v {
        Value::Uninit => "an uninitialised variable",
        Value::Void => "a void result",
        Value::Int(_) => "an integer",
        Value::Gfp(_) => "a gfp_t",
        Value::Ptr { .. } => "a pointer",
        Value::Null => "NULL",
        Value::Cookie { .. } => "a scope cookie",
        Value::Lock(_) => "a lock",
        Value::Device(_) => "a device",
        Value::TaskRef(_) => "a task",
        Value::Str(_) => "a string",
    }
}

/// The context kind an interrupt-like task enters with.
#[must_use]
pub const fn is_hardirq(k: TaskKind) -> bool {
    matches!(k, TaskKind::IrqHandler)
}

/// Convert a scope event to a log entry kind and text.
#[must_use]
pub fn scope_event_kind(e: &ScopeEvent) -> &'static str {
    match e {
        ScopeEvent::Save { .. } => "scope_save",
        ScopeEvent::Restore { .. } => "scope_restore",
        ScopeEvent::UnbalancedRestore { .. } => "scope_unbalanced",
        ScopeEvent::OutOfOrderRestore { .. } => "scope_out_of_order",
        ScopeEvent::CookieMismatch { .. } => "scope_cookie_mismatch",
        ScopeEvent::OuterScopeCleared { .. } => "scope_lost",
        ScopeEvent::LeakedScope { .. } => "scope_leaked",
    }
}

/// Log kind of a context event.
#[must_use]
pub fn context_event_kind(e: &ContextEvent) -> &'static str {
    match e {
        ContextEvent::SleepInAtomic(_) => "bug",
        ContextEvent::UnlockNotHeld { .. } => "bad_unlock",
        ContextEvent::RecursiveLock { .. } => "recursive_lock",
        ContextEvent::MismatchedUnlock { .. } => "mismatched_unlock",
        ContextEvent::PreemptCountUnderflow { .. }
        | ContextEvent::RcuUnderflow { .. }
        | ContextEvent::BhUnderflow { .. } => "count_underflow",
        ContextEvent::LeftAtomic { .. } => "left_atomic",
    }
}

/// The scope API a save builtin uses.
#[must_use]
pub fn scope_api_of(b: Builtin, flags_arg: u32) -> Option<ScopeApi> {
    Some(match b {
        Builtin::NofsSave | Builtin::NofsRestore => ScopeApi::Nofs,
        Builtin::NoioSave | Builtin::NoioRestore => ScopeApi::Noio,
        Builtin::NoreclaimSave | Builtin::NoreclaimRestore => ScopeApi::Noreclaim,
        Builtin::PinSave | Builtin::PinRestore => ScopeApi::Pin,
        Builtin::FlagsSave | Builtin::FlagsRestore => ScopeApi::Flags(TaskFlags(flags_arg)),
        _ => return None,
    })
}

/// Store `v` into an out-variable of task `ts` (or a global).
pub fn store_target(
    ts: &mut TaskState,
    globals: &mut [Value],
    prog: &Program,
    t: Target,
    v: Value,
) {
    match t {
        Target::Local(slot) => {
            let Some(frame) = ts.frames.last() else {
                return;
            };
            let kind = prog
                .code(frame.func)
                .slots
                .get(slot as usize)
                .map_or(SlotKind::Other, |s| s.kind);
            let idx = (frame.slot_base + slot) as usize;
            if let Some(s) = ts.slots.get_mut(idx) {
                *s = kind.coerce(v);
            }
            if let Some(l) = ts.live.get_mut(idx) {
                *l = true;
            }
        }
        Target::Global(g) => {
            let kind = prog
                .globals
                .get(g as usize)
                .map_or(SlotKind::Other, |s| s.kind);
            if let Some(s) = globals.get_mut(g as usize) {
                *s = kind.coerce(v);
            }
        }
    }
}

/// `local_irq_save()` flags word value for "irqs were enabled".
pub const IRQS_ON_FLAGS: i64 = IRQ_FLAGS_ENABLED as i64;

/// The site of a call op.
#[must_use]
pub fn site_of(prog: &Program, here: &Here, site: u32) -> CallSite {
    let line = prog
        .sites
        .get(site as usize)
        .map_or(here.line.unwrap_or(0), |s| s.line);
    CallSite::new(here.function.clone().unwrap_or_default(), line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gfp::Gfp;

    #[test]
    fn masks_stay_masks_under_bitwise_operators() {
        let v = binary(
            BinaryOp::BitOr,
            Value::Gfp(Gfp::KERNEL),
            Value::Gfp(Gfp::ZERO),
        )
        .unwrap();
        assert_eq!(v, Value::Gfp(Gfp(0xdc0)));
        let v = binary(
            BinaryOp::BitAnd,
            Value::Gfp(Gfp::NOFS | Gfp::NOFAIL),
            unary(UnaryOp::BitNot, Value::Gfp(Gfp::NOWARN)).unwrap(),
        )
        .unwrap();
        assert_eq!(v, Value::Gfp(Gfp(0xc40 | 0x8000)));
        assert_eq!(
            binary(BinaryOp::Add, Value::Int(2), Value::Int(3)).unwrap(),
            Value::Int(5)
        );
    }

    #[test]
    fn division_by_zero_and_handles_are_errors_not_panics() {
        assert!(binary(BinaryOp::Div, Value::Int(1), Value::Int(0)).is_err());
        assert!(binary(BinaryOp::Rem, Value::Int(1), Value::Int(0)).is_err());
        assert!(binary(BinaryOp::Add, Value::Lock(0), Value::Int(0)).is_err());
        assert!(binary(BinaryOp::Div, Value::Int(i64::MIN), Value::Int(-1)).is_ok());
        assert!(unary(UnaryOp::Deref, Value::Null).is_err());
    }

    #[test]
    fn null_compares_equal_to_zero_and_failed_allocations() {
        assert_eq!(
            binary(BinaryOp::Eq, Value::Null, Value::Int(0)).unwrap(),
            Value::Int(1)
        );
        assert_eq!(
            binary(BinaryOp::Ne, Value::Lock(1), Value::Lock(2)).unwrap(),
            Value::Int(1)
        );
    }
}
