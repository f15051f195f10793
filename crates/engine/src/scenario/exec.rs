//! Executing one statement of one task: the op loop and the builtins that are
//! not allocations (scopes, locks, atomic context, scheduling, devices, printk).
//!
//! Allocation and free builtins go to [`crate::scenario::sys::Sys`], which owns
//! the kernel model.

use crate::scenario::run::Fields;
use std::fmt::Write as _;

use crate::context::{ContextEvent, IRQ_FLAGS_DISABLED, IRQ_FLAGS_ENABLED};
use crate::scenario::ast::{self, TaskKind};
use crate::scenario::builtins::{Builtin, Family};
use crate::scenario::compile::{Op, Program};
use crate::scenario::interp::{
    self, Cont, Emitted, Flow, Frame, FrameCall, Here, Interp, MAX_FRAMES, MAX_OPS_PER_STEP,
    RunState, StepEnd, StepOut, TaskState,
};
use crate::scenario::sys::Sys;
use crate::scenario::value::Value;
use crate::task::{CallSite, ScopeApi, TaskFlags};

/// Static per-run data the op loop needs.
pub struct Cx<'a> {
    pub prog: &'a Program,
    pub scen: &'a ast::Scenario,
}

/// Push a log entry located at task `t`'s current statement.
pub fn emit(out: &mut StepOut, here: &Here, kind: &str, text: impl Into<String>, fields: Fields) {
    out.entries.push(Emitted {
        kind: kind.to_string(),
        text: text.into(),
        task: here.task.clone(),
        function: here.function.clone(),
        line: here.line,
        fields,
    });
}

fn no_fields() -> Fields {
    Fields::default()
}

/// Stop task `t` with a verdict (logged as `task_stopped`).
pub fn stop_task(interp: &mut Interp, cx: &Cx<'_>, t: usize, verdict: &str, out: &mut StepOut) {
    let here = interp.here(cx.prog, t);
    if let Some(ts) = interp.tasks.get_mut(t) {
        ts.state = RunState::Stopped;
        ts.verdict = Some(verdict.to_string());
    }
    let mut f = no_fields();
    f.insert("verdict".into(), verdict.to_string());
    emit(
        out,
        &here,
        "task_stopped",
        format!("{}: {verdict}", here.task),
        f,
    );
}

/// Execute one statement of task `t` (its first op is the statement's marker,
/// or the op a blocked task retries).
#[allow(clippy::many_single_char_names)] // t = task, as everywhere in this module
pub fn run_statement(
    interp: &mut Interp,
    sys: &mut Sys,
    cx: &Cx<'_>,
    t: usize,
    out: &mut StepOut,
) -> StepEnd {
    // A step executes exactly one statement: it stops at the next statement
    // marker once it has executed one, or at the first marker if it started in
    // the middle of a statement (a blocked task retrying its lock). A fresh
    // frame may start with declarations that have no marker of their own.
    let mut seen_stmt = false;
    let started_mid = interp
        .tasks
        .get(t)
        .and_then(|ts| ts.frames.last())
        .is_some_and(|f| {
            f.pc != 0
                && !matches!(
                    cx.prog.code(f.func).ops.get(f.pc as usize),
                    Some(Op::Stmt { .. })
                )
        });
    let mut budget = MAX_OPS_PER_STEP;
    loop {
        let Some(ts) = interp.tasks.get_mut(t) else {
            return StepEnd::Stopped;
        };
        if ts.state != RunState::Runnable {
            return match ts.state {
                RunState::Finished => StepEnd::Finished,
                RunState::Blocked { .. } => StepEnd::Blocked,
                _ => StepEnd::Stopped,
            };
        }
        let Some(frame) = ts.frames.last_mut() else {
            return finish_task(interp, cx, t, None, None, out);
        };
        let code = cx.prog.code(frame.func);
        let Some(&op) = code.ops.get(frame.pc as usize) else {
            // Fell off the end (cannot happen: every function ends in Return).
            let r = pop_frame(interp, cx, t, Value::Void, out);
            if let Some(end) = r {
                return end;
            }
            continue;
        };
        if let Op::Stmt { line, .. } = op {
            // The frame now shows the statement it executes (or will execute next).
            frame.line = line;
            if seen_stmt || started_mid {
                return StepEnd::AtStatement;
            }
            seen_stmt = true;
        }
        budget -= 1;
        if budget == 0 {
            stop_task(
                interp,
                cx,
                t,
                "run-time error: one statement executed too many operations",
                out,
            );
            return StepEnd::Stopped;
        }
        frame.pc += 1;
        let slot_base = frame.slot_base as usize;
        match op {
            Op::Stmt { .. } => {}
            Op::Push(v) => ts.stack.push(v),
            Op::Load(s) => {
                let idx = slot_base + s as usize;
                let v = ts.slots.get(idx).copied().unwrap_or(Value::Uninit);
                if v == Value::Uninit {
                    let name = code
                        .slots
                        .get(s as usize)
                        .map_or_else(String::new, |sl| sl.name.clone());
                    let here = interp.here(cx.prog, t);
                    emit(
                        out,
                        &here,
                        "warning",
                        format!("`{name}` is used uninitialized"),
                        no_fields(),
                    );
                    if let Some(ts) = interp.tasks.get_mut(t) {
                        ts.stack.push(Value::Int(0));
                    }
                } else {
                    ts.stack.push(v);
                }
            }
            Op::Store(s) => {
                let v = ts.stack.last().copied().unwrap_or(Value::Uninit);
                let idx = slot_base + s as usize;
                if let Some(slot) = ts.slots.get_mut(idx) {
                    *slot = v;
                }
                if let Some(l) = ts.live.get_mut(idx) {
                    *l = true;
                }
            }
            Op::LoadGlobal(g) => {
                let v = interp
                    .globals
                    .get(g as usize)
                    .copied()
                    .unwrap_or(Value::Uninit);
                ts.stack
                    .push(if v == Value::Uninit { Value::Int(0) } else { v });
            }
            Op::StoreGlobal(g) => {
                let v = ts.stack.last().copied().unwrap_or(Value::Uninit);
                if let Some(slot) = interp.globals.get_mut(g as usize) {
                    *slot = v;
                }
            }
            Op::Decl(s) => {
                let idx = slot_base + s as usize;
                if let Some(slot) = ts.slots.get_mut(idx) {
                    *slot = Value::Uninit;
                }
                if let Some(l) = ts.live.get_mut(idx) {
                    *l = true;
                }
            }
            Op::Kill(from, to) => {
                for s in from..to {
                    if let Some(l) = ts.live.get_mut(slot_base + s as usize) {
                        *l = false;
                    }
                }
            }
            Op::Unary(u) => {
                let a = ts.stack.pop().unwrap_or(Value::Uninit);
                match interp::unary(u, a) {
                    Ok(v) => ts.stack.push(v),
                    Err(msg) => return runtime_error(interp, cx, t, &msg, out),
                }
            }
            Op::Binary(b) => {
                let rhs = ts.stack.pop().unwrap_or(Value::Uninit);
                let lhs = ts.stack.pop().unwrap_or(Value::Uninit);
                match interp::binary(b, lhs, rhs) {
                    Ok(v) => ts.stack.push(v),
                    Err(msg) => return runtime_error(interp, cx, t, &msg, out),
                }
            }
            Op::Truthy => {
                let a = ts.stack.pop().unwrap_or(Value::Uninit);
                ts.stack.push(Value::Int(i64::from(a.truthy())));
            }
            Op::Coerce(kind) => {
                if let Some(top) = ts.stack.last_mut() {
                    *top = kind.coerce(*top);
                }
            }
            Op::Dup => {
                let v = ts.stack.last().copied().unwrap_or(Value::Uninit);
                ts.stack.push(v);
            }
            Op::Pop => {
                ts.stack.pop();
            }
            Op::Jump(to) => {
                if let Some(f) = ts.frames.last_mut() {
                    f.pc = to;
                }
            }
            Op::JumpIfFalse(to) | Op::JumpIfTrue(to) => {
                let v = ts.stack.pop().unwrap_or(Value::Uninit);
                let jump = if matches!(op, Op::JumpIfFalse(_)) {
                    !v.truthy()
                } else {
                    v.truthy()
                };
                if jump && let Some(f) = ts.frames.last_mut() {
                    f.pc = to;
                }
            }
            Op::Call { func, argc, site } => {
                if ts.frames.len() >= MAX_FRAMES {
                    return runtime_error(
                        interp,
                        cx,
                        t,
                        &format!(
                            "stack overflow: more than {MAX_FRAMES} nested calls (runaway recursion?)"
                        ),
                        out,
                    );
                }
                let n = argc as usize;
                let at = ts.stack.len().saturating_sub(n);
                let args: Vec<Value> = ts.stack.split_off(at);
                let call = FrameCall {
                    site,
                    step: interp.step + 1,
                };
                push_frame(ts, cx.prog, func, &args, None, Some(call));
            }
            Op::Builtin {
                builtin,
                argc,
                site,
            } => {
                let n = argc as usize;
                let at = ts.stack.len().saturating_sub(n);
                let args: Vec<Value> = ts
                    .stack
                    .get(at..)
                    .map(<[Value]>::to_vec)
                    .unwrap_or_default();
                let flow = builtin_call(interp, sys, cx, t, builtin, &args, site, out);
                let Some(ts) = interp.tasks.get_mut(t) else {
                    return StepEnd::Stopped;
                };
                match flow {
                    Flow::Done(v) | Flow::Yield(v) | Flow::DoneOut(v, _) => {
                        ts.stack.truncate(at);
                        ts.stack.push(v);
                        if let Flow::DoneOut(_, w) = flow
                            && let Some(out_target) =
                                cx.prog.sites.get(site as usize).and_then(|s| s.out)
                        {
                            interp::store_target(ts, &mut interp.globals, cx.prog, out_target, w);
                        }
                        if matches!(flow, Flow::Yield(_)) {
                            interp.sched.yield_requested = true;
                        }
                    }
                    // The builtin rewound itself (and maybe pushed a callback frame):
                    // leave its arguments on the stack and keep executing.
                    Flow::Again => {}
                    Flow::Block { lock } => {
                        // Retry the same op when woken: rewind the pc, keep the args.
                        if let Some(f) = ts.frames.last_mut() {
                            f.pc = f.pc.saturating_sub(1);
                        }
                        ts.state = RunState::Blocked { lock };
                        return StepEnd::Blocked;
                    }
                    Flow::Stop => return StepEnd::Stopped,
                }
            }
            Op::Return { has_value } => {
                let v = if has_value {
                    ts.stack.pop().unwrap_or(Value::Void)
                } else {
                    Value::Void
                };
                if let Some(end) = pop_frame(interp, cx, t, v, out) {
                    return end;
                }
            }
            Op::Fault { fault, .. } => {
                let msg = cx
                    .prog
                    .faults
                    .get(fault as usize)
                    .cloned()
                    .unwrap_or_else(|| "unknown fault".into());
                return runtime_error(interp, cx, t, &msg, out);
            }
        }
    }
}

fn runtime_error(
    interp: &mut Interp,
    cx: &Cx<'_>,
    t: usize,
    msg: &str,
    out: &mut StepOut,
) -> StepEnd {
    let here = interp.here(cx.prog, t);
    let text = format!(
        "{}:{}: run-time error: {msg}",
        cx.scen.file_name,
        here.line.unwrap_or(0)
    );
    emit(out, &here, "error", text, no_fields());
    stop_task(interp, cx, t, &format!("run-time error: {msg}"), out);
    StepEnd::Stopped
}

/// Push a frame for `func` with `args` (coerced to the parameter types).
pub fn push_frame(
    ts: &mut TaskState,
    prog: &Program,
    func: u32,
    args: &[Value],
    cont: Option<Cont>,
    call: Option<FrameCall>,
) {
    let code = prog.code(func);
    let slot_base = ts.slots.len() as u32;
    ts.slots
        .resize(ts.slots.len() + code.slots.len(), Value::Uninit);
    ts.live.resize(ts.slots.len(), false);
    for (i, info) in code.slots.iter().enumerate().take(code.n_params as usize) {
        let v = args.get(i).copied().unwrap_or(Value::Uninit);
        let idx = slot_base as usize + i;
        if let Some(s) = ts.slots.get_mut(idx) {
            *s = info.kind.coerce(v);
        }
        if let Some(l) = ts.live.get_mut(idx) {
            *l = true;
        }
    }
    ts.frames.push(Frame {
        func,
        pc: 0,
        slot_base,
        stack_base: ts.stack.len() as u32,
        line: interp::first_line(prog, func),
        cont,
        call,
    });
}

/// Pop the innermost frame returning `v`. Returns `Some(end)` if the step ends
/// (the task finished), `None` to continue executing the caller.
fn pop_frame(
    interp: &mut Interp,
    cx: &Cx<'_>,
    t: usize,
    v: Value,
    out: &mut StepOut,
) -> Option<StepEnd> {
    let returning_from = interp.here(cx.prog, t);
    let ts = interp.tasks.get_mut(t)?;
    let frame = ts.frames.pop()?;
    let returns_void = cx.prog.code(frame.func).returns_void;
    let v = if returns_void { Value::Void } else { v };
    ts.stack.truncate(frame.stack_base as usize);
    ts.slots.truncate(frame.slot_base as usize);
    ts.live.truncate(frame.slot_base as usize);
    if ts.frames.is_empty() {
        return Some(finish_task(
            interp,
            cx,
            t,
            v.as_int(),
            Some(returning_from),
            out,
        ));
    }
    // A builtin-pushed callback frame: run its continuation (the builtin that
    // pushed it was rewound and runs again next).
    if let Some(cont) = frame.cont {
        continue_after(interp, cx, t, cont, out);
        return None;
    }
    if let Some(ts) = interp.tasks.get_mut(t) {
        ts.stack.push(v);
    }
    None
}

fn continue_after(interp: &mut Interp, cx: &Cx<'_>, t: usize, cont: Cont, out: &mut StepOut) {
    match cont {
        Cont::RpmResume { dev, cookie } => {
            let here = interp.here(cx.prog, t);
            let semantics = interp.semantics;
            if let Some(c) = cookie
                && let Some(ts) = interp.tasks.get_mut(t)
            {
                let site = CallSite::new(
                    here.function.clone().unwrap_or_default(),
                    here.line.unwrap_or(0),
                );
                let evs = ts.task.scope_restore(semantics, ScopeApi::Noio, c, &site);
                for e in evs {
                    log_scope_event(out, &here, &e, "rpm_callback");
                }
            }
            if let Some(d) = interp.devices.get_mut(dev as usize) {
                d.resuming = false;
                d.suspended = false;
                let name = d.name.clone();
                let mut f = no_fields();
                f.insert("device".into(), name.clone());
                emit(
                    out,
                    &here,
                    "rpm_resumed",
                    format!("rpm_resume: {name} is active (RPM_ACTIVE)"),
                    f,
                );
            }
        }
    }
}

/// The task returned from its entry function.
fn finish_task(
    interp: &mut Interp,
    cx: &Cx<'_>,
    t: usize,
    ret: Option<i64>,
    at: Option<Here>,
    out: &mut StepOut,
) -> StepEnd {
    let here = at.unwrap_or_else(|| interp.here(cx.prog, t));
    let Some(ts) = interp.tasks.get_mut(t) else {
        return StepEnd::Finished;
    };
    ts.ret = ret;
    let mut events = Vec::new();
    for e in ts.task.finish_scopes() {
        events.push((interp::scope_event_kind(&e), e.to_string()));
    }
    if let Some(e) = ts.ctx.check_clean() {
        events.push((interp::context_event_kind(&e), e.to_string()));
    }
    let name = ts.name.clone();
    let again = ts.pending > 0;
    for (kind, text) in events {
        emit(out, &here, kind, text, no_fields());
    }
    let mut f = no_fields();
    if let Some(r) = ret {
        f.insert("ret".into(), r.to_string());
    }
    let is_init = interp.tasks.get(t).is_some_and(|x| x.decl == usize::MAX);
    if !is_init {
        emit(
            out,
            &here,
            "task_exit",
            match ret {
                Some(r) => format!("{name} returned {r}"),
                None => format!("{name} returned"),
            },
            f,
        );
    }
    let entry = cx
        .prog
        .task_entry(interp.tasks.get(t).map_or(0, |x| x.decl));
    let is_irq = interp.tasks.get(t).is_some_and(TaskState::is_interrupt);
    if is_irq {
        leave_interrupt(interp, cx, t, out);
    }
    let Some(ts) = interp.tasks.get_mut(t) else {
        return StepEnd::Finished;
    };
    if again && ts.decl != usize::MAX {
        ts.pending -= 1;
        interp::enter_entry(ts, cx.prog, entry);
        ts.state = RunState::Runnable;
        if is_irq {
            interp.sched.arm_interrupt(t);
        }
    } else {
        ts.state = RunState::Finished;
    }
    StepEnd::Finished
}

/// An interrupt handler fires on top of the task on the CPU: `irq_enter()` /
/// softirq entry, with `current` being the interrupted task.
pub fn enter_interrupt(interp: &mut Interp, cx: &Cx<'_>, t: usize, out: &mut StepOut) {
    let interrupted = interp
        .sched
        .irq_stack
        .iter()
        .rev()
        .nth(1)
        .copied()
        .or(interp.sched.current)
        .filter(|&c| c != t);
    let (pid, comm, flags) = interrupted
        .and_then(|c| interp.tasks.get(c))
        .map_or((0, "swapper/0".to_string(), TaskFlags::PF_KTHREAD), |c| {
            (c.task.pid, c.task.comm.clone(), c.task.flags)
        });
    let decl_flags = cx
        .scen
        .tasks
        .get(interp.tasks.get(t).map_or(0, |x| x.decl))
        .map_or(0, |d| d.flags);
    let here = interp.here(cx.prog, t);
    let Some(ts) = interp.tasks.get_mut(t) else {
        return;
    };
    ts.interrupted = interrupted;
    ts.task.pid = pid;
    ts.task.comm.clone_from(&comm);
    ts.task.flags = TaskFlags(flags.0 | decl_flags);
    ts.ctx = crate::context::ExecContext::new(interp::context_kind(ts.kind));
    let what = match ts.kind {
        TaskKind::IrqHandler => "hardirq: irq_enter()",
        TaskKind::NapiPoll => "softirq: net_rx_action() polls",
        _ => "softirq: handle_softirqs() runs",
    };
    let mut f = no_fields();
    f.insert("handler".into(), ts.name.clone());
    emit(
        out,
        &here,
        "irq_enter",
        format!(
            "{what} {} on top of {comm}[{pid}] (current = {comm})",
            ts.name
        ),
        f,
    );
}

fn leave_interrupt(interp: &mut Interp, cx: &Cx<'_>, t: usize, out: &mut StepOut) {
    let here = interp.here(cx.prog, t);
    if let Some(pos) = interp.sched.irq_stack.iter().rposition(|&x| x == t) {
        interp.sched.irq_stack.remove(pos);
    }
    let kind = interp.tasks.get(t).map(|x| x.kind);
    emit(
        out,
        &here,
        "irq_exit",
        match kind {
            Some(TaskKind::IrqHandler) => "hardirq: irq_exit()".to_string(),
            _ => "softirq: done".to_string(),
        },
        no_fields(),
    );
}

/// Log a scope event from `crate::task`.
pub fn log_scope_event(out: &mut StepOut, here: &Here, e: &crate::task::ScopeEvent, _by: &str) {
    let mut f = no_fields();
    match e {
        crate::task::ScopeEvent::Save {
            cookie,
            before,
            after,
            api,
            ..
        } => {
            f.insert("api".into(), api.save_name().into());
            f.insert("cookie".into(), format!("{cookie:#x}"));
            f.insert("flags_before".into(), format!("{:#x}", before.0));
            f.insert("flags_after".into(), format!("{:#x}", after.0));
        }
        crate::task::ScopeEvent::Restore {
            cookie,
            before,
            after,
            api,
            ..
        } => {
            f.insert("api".into(), api.restore_name().into());
            f.insert("cookie".into(), format!("{cookie:#x}"));
            f.insert("flags_before".into(), format!("{:#x}", before.0));
            f.insert("flags_after".into(), format!("{:#x}", after.0));
        }
        crate::task::ScopeEvent::OuterScopeCleared { bits, .. } => {
            f.insert("lost".into(), bits.to_string());
        }
        _ => {}
    }
    emit(out, here, interp::scope_event_kind(e), e.to_string(), f);
}

/// Log a context event from `crate::context`.
pub fn log_context_event(out: &mut StepOut, here: &Here, e: &ContextEvent) {
    let mut f = no_fields();
    let text = match e {
        ContextEvent::SleepInAtomic(bug) => {
            f.insert("bug".into(), "sleep_in_atomic".into());
            f.insert("report".into(), bug.text());
            bug.headline()
        }
        other => other.to_string(),
    };
    emit(out, here, interp::context_event_kind(e), text, f);
}

fn lock_name(cx: &Cx<'_>, v: Value) -> (u32, String) {
    match v {
        Value::Lock(i) => (
            i,
            cx.scen
                .locks
                .get(i as usize)
                .map_or_else(|| format!("lock{i}"), |l| format!("&{}", l.name.name)),
        ),
        _ => (u32::MAX, "&?".into()),
    }
}

/// Execute a builtin for task `t`.
#[allow(clippy::too_many_arguments)]
fn builtin_call(
    interp: &mut Interp,
    sys: &mut Sys,
    cx: &Cx<'_>,
    t: usize,
    b: Builtin,
    args: &[Value],
    site_idx: u32,
    out: &mut StepOut,
) -> Flow {
    let here = interp.here(cx.prog, t);
    let site = interp::site_of(cx.prog, &here, site_idx);
    let trace = interp.call_trace(cx.prog, t);
    let arg = |i: usize| args.get(i).copied().unwrap_or(Value::Uninit);
    let semantics = interp.semantics;
    match b.info().family {
        Family::Alloc | Family::Free => {
            return sys.mm_builtin(interp, cx, t, b, args, site_idx, out);
        }
        Family::Scope => {
            let Some(ts) = interp.tasks.get_mut(t) else {
                return Flow::Stop;
            };
            let flags_arg = arg(0).as_int().unwrap_or(0) as u32;
            let Some(api) = interp::scope_api_of(b, flags_arg) else {
                return Flow::Done(Value::Void);
            };
            let is_save = matches!(
                b,
                Builtin::NofsSave
                    | Builtin::NoioSave
                    | Builtin::NoreclaimSave
                    | Builtin::PinSave
                    | Builtin::FlagsSave
            );
            if is_save {
                let (cookie, ev) = ts.task.scope_save(semantics, api, &site);
                log_scope_event(out, &here, &ev, "");
                return Flow::Done(Value::Cookie { bits: cookie, api });
            }
            let cookie_v = arg(0);
            let cookie = cookie_v.as_int().unwrap_or(0) as u32;
            let evs = if let ScopeApi::Flags(_) = api {
                ts.task.memalloc_flags_restore(semantics, cookie, &site)
            } else {
                ts.task.scope_restore(semantics, api, cookie, &site)
            };
            for e in &evs {
                log_scope_event(out, &here, e, "");
            }
            return Flow::Done(Value::Void);
        }
        Family::Lock => return lock_builtin(interp, cx, t, b, args, &site, &trace, out),
        Family::Atomic => {
            let Some(ts) = interp.tasks.get_mut(t) else {
                return Flow::Stop;
            };
            let mut evs: Vec<ContextEvent> = Vec::new();
            let mut outv = None;
            match b {
                Builtin::LocalIrqDisable => ts.ctx.local_irq_disable(),
                Builtin::LocalIrqEnable => ts.ctx.local_irq_enable(),
                Builtin::LocalIrqSave => {
                    outv = Some(Value::Int(ts.ctx.local_irq_save() as i64));
                }
                Builtin::LocalIrqRestore => {
                    let fl = arg(0).as_int().unwrap_or(IRQ_FLAGS_ENABLED as i64) as u64;
                    ts.ctx.local_irq_restore(fl);
                }
                Builtin::LocalBhDisable => ts.ctx.local_bh_disable(&site),
                Builtin::LocalBhEnable => evs = ts.ctx.local_bh_enable(&site),
                Builtin::PreemptDisable => ts.ctx.preempt_disable(&site),
                Builtin::PreemptEnable => evs = ts.ctx.preempt_enable(&site),
                Builtin::RcuReadLock => ts.ctx.rcu_read_lock(&site),
                Builtin::RcuReadUnlock => evs = ts.ctx.rcu_read_unlock(&site),
                Builtin::MightSleep => {
                    let (file, line) = (cx.scen.file_name.clone(), here.line.unwrap_or(0));
                    if let Some(bug) = ts.ctx.might_sleep(&ts.task, &file, line, &trace) {
                        evs.push(ContextEvent::SleepInAtomic(bug));
                    }
                }
                Builtin::MightAlloc => {
                    let g = arg(0).as_gfp().unwrap_or_default();
                    let g = ts.task.current_gfp_context(g).effective;
                    if let Some(bug) = ts.ctx.might_alloc(&ts.task, g, &trace) {
                        evs.push(ContextEvent::SleepInAtomic(bug));
                    }
                }
                _ => {}
            }
            for e in &evs {
                log_context_event(out, &here, e);
            }
            if let Some(v) = outv {
                return Flow::DoneOut(Value::Void, v);
            }
            return Flow::Done(Value::Void);
        }
        Family::Device => return device_builtin(interp, cx, t, b, args, out),
        Family::Sched => return sched_builtin(interp, cx, t, b, args, &trace, out),
        Family::Misc => {}
    }
    // printk and WARN_ON.
    match b {
        Builtin::PrInfo | Builtin::PrWarn => {
            let fmt = match arg(0) {
                Value::Str(i) => cx.prog.strings.get(i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            };
            let text = printk(&fmt, args.get(1..).unwrap_or(&[]), cx);
            let kind = if b == Builtin::PrWarn {
                "pr_warn"
            } else {
                "pr_info"
            };
            emit(out, &here, kind, text.trim_end().to_string(), no_fields());
            Flow::Done(Value::Void)
        }
        // `current_gfp_context()` is the task module's rule; the scenario only reads it.
        Builtin::CurrentGfpContext => {
            let g = arg(0).as_gfp().unwrap_or_default();
            let eff = interp
                .tasks
                .get(t)
                .map_or(g, |x| x.task.current_gfp_context(g).effective);
            Flow::Done(Value::Gfp(eff))
        }
        Builtin::CurrentFlags => Flow::Done(Value::Int(
            interp.tasks.get(t).map_or(0, |x| i64::from(x.task.flags.0)),
        )),
        Builtin::WarnOn | Builtin::WarnOnOnce => {
            let c = arg(0).truthy();
            if c {
                let pid = interp.tasks.get(t).map_or(0, |x| x.task.pid);
                let text = format!(
                    "WARNING: CPU: 0 PID: {pid} at {}:{} {}",
                    cx.scen.file_name,
                    here.line.unwrap_or(0),
                    here.function.clone().unwrap_or_default()
                );
                emit(out, &here, "warning", text, no_fields());
            }
            Flow::Done(Value::Int(i64::from(c)))
        }
        _ => Flow::Done(Value::Void),
    }
}

/// `printk` formatting of the common conversions (`%d %i %u %x %lx %lu %zu %s %p
/// %pGg %%`).
fn printk(fmt: &str, args: &[Value], cx: &Cx<'_>) -> String {
    let mut outs = String::new();
    let mut it = fmt.chars().peekable();
    let mut ai = 0usize;
    while let Some(c) = it.next() {
        if c != '%' {
            outs.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&n) = it.peek() {
            spec.push(n);
            it.next();
            if n.is_ascii_alphabetic() && n != 'l' && n != 'z' && n != 'h' {
                break;
            }
            if n == '%' {
                break;
            }
        }
        if spec == "%" {
            outs.push('%');
            continue;
        }
        let v = args.get(ai).copied().unwrap_or(Value::Uninit);
        ai += 1;
        let conv = spec.chars().last().unwrap_or('d');
        if conv == 'p' && it.peek() == Some(&'G') {
            it.next();
            if it.peek() == Some(&'g') {
                it.next();
            }
            let g = v.as_gfp().unwrap_or_default();
            outs.push_str(&crate::scenario::sys::gfp_names(g));
            continue;
        }
        match (conv, v) {
            ('s', Value::Str(i)) => {
                outs.push_str(cx.prog.strings.get(i as usize).map_or("", String::as_str));
            }
            ('x' | 'X', _) => {
                let _ = write!(outs, "{:x}", v.as_int().unwrap_or(0));
            }
            ('p', _) => {
                let _ = write!(outs, "{:016x}", v.as_int().unwrap_or(0));
            }
            ('u', _) => {
                let _ = write!(outs, "{}", v.as_int().unwrap_or(0) as u64);
            }
            _ => {
                let _ = write!(outs, "{}", v.as_int().unwrap_or(0));
            }
        }
    }
    outs
}

#[allow(clippy::too_many_arguments)]
fn lock_builtin(
    interp: &mut Interp,
    cx: &Cx<'_>,
    t: usize,
    b: Builtin,
    args: &[Value],
    site: &CallSite,
    trace: &[String],
    out: &mut StepOut,
) -> Flow {
    let here = interp.here(cx.prog, t);
    let (li, name) = lock_name(cx, args.first().copied().unwrap_or(Value::Uninit));
    let acquire = matches!(
        b,
        Builtin::SpinLock
            | Builtin::SpinLockIrq
            | Builtin::SpinLockBh
            | Builtin::SpinLockIrqsave
            | Builtin::MutexLock
            | Builtin::DownRead
            | Builtin::DownWrite
    );
    let sleeping = matches!(
        b,
        Builtin::MutexLock | Builtin::DownRead | Builtin::DownWrite
    );
    // Contention: another task owns the lock.
    if acquire
        && let Some(ls) = interp.locks.get(li as usize)
        && let Some(owner) = ls.owner
        && owner != t
        && !(b == Builtin::DownRead && ls.readers > 0)
    {
        let owner_name = interp
            .tasks
            .get(owner)
            .map_or_else(String::new, |o| o.name.clone());
        let me_irq = interp.tasks.get(t).is_some_and(TaskState::is_interrupt);
        if sleeping && !me_irq {
            let mut f = no_fields();
            f.insert("lock".into(), name.clone());
            f.insert("owner".into(), owner_name.clone());
            emit(
                out,
                &here,
                "lock_wait",
                format!("{}({name}) waits: held by {owner_name}", b.name()),
                f,
            );
            return Flow::Block { lock: li };
        }
        // A spinlock (or a sleeping lock from interrupt context) held by the
        // task this CPU interrupted, or by a task that cannot run while we
        // spin: on one CPU this never ends.
        let verdict = format!(
            "deadlock: {}({name}) spins forever: the lock is held by {owner_name}, which cannot run on this CPU until we return",
            b.name()
        );
        stop_task(interp, cx, t, &verdict, out);
        return Flow::Stop;
    }
    let Some(ts) = interp.tasks.get_mut(t) else {
        return Flow::Stop;
    };
    let mut outv = None;
    let lname = name.clone();
    let evs: Vec<ContextEvent> = match b {
        Builtin::SpinLock => ts.ctx.spin_lock(&lname, site),
        Builtin::SpinUnlock => ts.ctx.spin_unlock(&lname, site),
        Builtin::SpinLockIrq => ts.ctx.spin_lock_irq(&lname, site),
        Builtin::SpinUnlockIrq => ts.ctx.spin_unlock_irq(&lname, site),
        Builtin::SpinLockBh => ts.ctx.spin_lock_bh(&lname, site),
        Builtin::SpinUnlockBh => ts.ctx.spin_unlock_bh(&lname, site),
        Builtin::SpinLockIrqsave => {
            let (fl, evs) = ts.ctx.spin_lock_irqsave(&lname, site);
            outv = Some(Value::Int(fl as i64));
            evs
        }
        Builtin::SpinUnlockIrqrestore => {
            let fl = args
                .get(1)
                .and_then(|v| v.as_int())
                .unwrap_or(IRQ_FLAGS_DISABLED as i64) as u64;
            ts.ctx.spin_unlock_irqrestore(&lname, fl, site)
        }
        Builtin::MutexLock => ts.ctx.mutex_lock(&ts.task.clone(), &lname, site, trace),
        Builtin::MutexUnlock => ts.ctx.mutex_unlock(&lname, site),
        Builtin::DownRead => ts.ctx.down_read(&ts.task.clone(), &lname, site, trace),
        Builtin::UpRead => ts.ctx.up_read(&lname, site),
        Builtin::DownWrite => ts.ctx.down_write(&ts.task.clone(), &lname, site, trace),
        Builtin::UpWrite => ts.ctx.up_write(&lname, site),
        _ => Vec::new(),
    };
    for e in &evs {
        log_context_event(out, &here, e);
    }
    // Ownership bookkeeping (for contention between tasks).
    if let Some(ls) = interp.locks.get_mut(li as usize) {
        if acquire {
            if b == Builtin::DownRead {
                ls.readers += 1;
            } else {
                ls.owner = Some(t);
            }
        } else if matches!(b, Builtin::UpRead) {
            ls.readers = ls.readers.saturating_sub(1);
        } else if ls.owner == Some(t) {
            ls.owner = None;
        }
    }
    // Releasing wakes the waiters.
    if !acquire {
        for other in &mut interp.tasks {
            if other.state == (RunState::Blocked { lock: li }) {
                other.state = RunState::Runnable;
            }
        }
    }
    if let Some(v) = outv {
        return Flow::DoneOut(Value::Void, v);
    }
    Flow::Done(Value::Void)
}

fn sched_builtin(
    interp: &mut Interp,
    cx: &Cx<'_>,
    t: usize,
    b: Builtin,
    args: &[Value],
    trace: &[String],
    out: &mut StepOut,
) -> Flow {
    let here = interp.here(cx.prog, t);
    match b {
        Builtin::QueueWork
        | Builtin::ScheduleWork
        | Builtin::WakeUpProcess
        | Builtin::NapiSchedule
        | Builtin::RaiseSoftirq
        | Builtin::GenericHandleIrq => {
            let Some(Value::TaskRef(target)) = args.first().copied() else {
                return Flow::Done(Value::Int(0));
            };
            let target = target as usize;
            let entry = cx.prog.task_entry(target);
            let mut queued = false;
            let mut is_irq = false;
            if let Some(o) = interp.tasks.get_mut(target) {
                is_irq = o.is_interrupt();
                match o.state {
                    RunState::Idle | RunState::Finished => {
                        interp::enter_entry(o, cx.prog, entry);
                        o.state = RunState::Runnable;
                        queued = true;
                    }
                    // queue_work_on() (kernel/workqueue.c, 6.12): a work item whose
                    // WORK_STRUCT_PENDING bit is set is not queued again (returns false).
                    // The bit is set from queueing until the worker starts the function,
                    // so a work item that is queued but has not started yet, or that is
                    // running and already re-queued once, stays as it is.
                    RunState::Runnable | RunState::Blocked { .. }
                        if matches!(b, Builtin::QueueWork | Builtin::ScheduleWork)
                            && (o.pending > 0 || !o.has_started()) => {}
                    RunState::Runnable | RunState::Blocked { .. } if target != t => {
                        o.pending += 1;
                        queued = true;
                    }
                    RunState::Runnable if target == t => {
                        o.pending += 1;
                        queued = true;
                    }
                    _ => {}
                }
            }
            if is_irq && queued {
                interp.sched.arm_interrupt(target);
            }
            let tname = interp
                .tasks
                .get(target)
                .map_or_else(String::new, |o| o.name.clone());
            let mut f = no_fields();
            f.insert("target".into(), tname.clone());
            emit(
                out,
                &here,
                "wakeup",
                format!("{}({tname}): {tname} is runnable", b.name()),
                f,
            );
            Flow::Done(Value::Int(i64::from(queued)))
        }
        Builtin::CondResched | Builtin::Schedule | Builtin::Msleep => {
            let Some(ts) = interp.tasks.get_mut(t) else {
                return Flow::Stop;
            };
            let file = cx.scen.file_name.clone();
            if let Some(bug) = ts
                .ctx
                .might_sleep(&ts.task, &file, here.line.unwrap_or(0), trace)
            {
                log_context_event(out, &here, &ContextEvent::SleepInAtomic(bug));
            }
            Flow::Yield(if b == Builtin::CondResched {
                Value::Int(0)
            } else {
                Value::Void
            })
        }
        _ => Flow::Done(Value::Void),
    }
}

fn device_builtin(
    interp: &mut Interp,
    cx: &Cx<'_>,
    t: usize,
    b: Builtin,
    args: &[Value],
    out: &mut StepOut,
) -> Flow {
    let here = interp.here(cx.prog, t);
    let Some(Value::Device(d)) = args.first().copied() else {
        return Flow::Done(Value::Int(-22));
    };
    match b {
        Builtin::PmRuntimeSetMemallocNoio => {
            let enable = args.get(1).is_some_and(|v| v.truthy());
            // drivers/base/power/runtime.c pm_runtime_set_memalloc_noio(): set on
            // the device and every ancestor; clearing stops at an ancestor that
            // still has a child needing it.
            let mut cur = Some(d);
            while let Some(i) = cur {
                let needed_by_child = !enable
                    && i != d
                    && interp
                        .devices
                        .iter()
                        .any(|c| c.parent == Some(i) && c.memalloc_noio);
                if needed_by_child {
                    break;
                }
                let Some(dev) = interp.devices.get_mut(i as usize) else {
                    break;
                };
                dev.memalloc_noio = enable;
                cur = dev.parent;
            }
            let name = interp
                .devices
                .get(d as usize)
                .map_or_else(String::new, |x| x.name.clone());
            emit(
                out,
                &here,
                "rpm_memalloc_noio",
                format!("pm_runtime_set_memalloc_noio({name}, {})", u8::from(enable)),
                no_fields(),
            );
            Flow::Done(Value::Void)
        }
        Builtin::PmRuntimePut => {
            let mut f = no_fields();
            let Some(dev) = interp.devices.get_mut(d as usize) else {
                return Flow::Done(Value::Int(-22));
            };
            dev.usage = dev.usage.saturating_sub(1);
            if dev.usage == 0 {
                dev.suspended = true;
            }
            f.insert("device".into(), dev.name.clone());
            let text = format!(
                "pm_runtime_put({}): usage {}{}",
                dev.name,
                dev.usage,
                if dev.suspended {
                    ", suspended (RPM_SUSPENDED)"
                } else {
                    ""
                }
            );
            emit(out, &here, "rpm_put", text, f);
            Flow::Done(Value::Int(0))
        }
        Builtin::PmRuntimeGetSync | Builtin::PmRuntimeResume | Builtin::SubmitIo => {
            // rpm_resume(): parents first. Find the outermost suspended device on
            // the chain from `d` to the root.
            let mut chain = Vec::new();
            let mut cur = Some(d);
            while let Some(i) = cur {
                if chain.contains(&i) {
                    break;
                }
                chain.push(i);
                cur = interp.devices.get(i as usize).and_then(|x| x.parent);
            }
            let next = chain.iter().rev().copied().find(|&i| {
                interp
                    .devices
                    .get(i as usize)
                    .is_some_and(|x| x.suspended && !x.resuming)
            });
            if let Some(i) = next {
                return start_resume(interp, cx, t, i, out);
            }
            if matches!(b, Builtin::PmRuntimeGetSync)
                && let Some(dev) = interp.devices.get_mut(d as usize)
            {
                dev.usage += 1;
            }
            if b == Builtin::SubmitIo {
                let name = interp
                    .devices
                    .get(d as usize)
                    .map_or_else(String::new, |x| x.name.clone());
                let mut f = no_fields();
                f.insert("device".into(), name.clone());
                emit(
                    out,
                    &here,
                    "submit_bio",
                    format!("submit_bio: I/O to {name}"),
                    f,
                );
            }
            Flow::Done(Value::Int(0))
        }
        _ => Flow::Done(Value::Void),
    }
}

/// Begin resuming device `i`: `rpm_callback()` wraps the resume callback in
/// `memalloc_noio_save()` when `power.memalloc_noio` is set
/// (drivers/base/power/runtime.c, 6.12). The builtin op is rewound so it runs
/// again (for the next device on the chain) when the callback returns.
fn start_resume(interp: &mut Interp, cx: &Cx<'_>, t: usize, i: u32, out: &mut StepOut) -> Flow {
    let here = interp.here(cx.prog, t);
    let semantics = interp.semantics;
    let Some(dev) = interp.devices.get(i as usize).cloned() else {
        return Flow::Done(Value::Int(-22));
    };
    let mut f = no_fields();
    f.insert("device".into(), dev.name.clone());
    emit(
        out,
        &here,
        "rpm_resume",
        format!(
            "rpm_resume: resuming {}{}",
            dev.name,
            if dev.memalloc_noio {
                " (power.memalloc_noio: callback runs in a NOIO scope)"
            } else {
                ""
            }
        ),
        f,
    );
    let Some(resume) = dev.resume else {
        if let Some(d) = interp.devices.get_mut(i as usize) {
            d.suspended = false;
        }
        // Run the builtin again for the rest of the chain.
        rewind(interp, t);
        return Flow::Again;
    };
    let Some(ts) = interp.tasks.get_mut(t) else {
        return Flow::Stop;
    };
    let cookie = if dev.memalloc_noio {
        let site = CallSite::new("rpm_callback", here.line.unwrap_or(0));
        let (c, ev) = ts.task.scope_save(semantics, ScopeApi::Noio, &site);
        log_scope_event(out, &here, &ev, "rpm_callback");
        Some(c)
    } else {
        None
    };
    if let Some(d) = interp.devices.get_mut(i as usize) {
        d.resuming = true;
    }
    let Some(ts) = interp.tasks.get_mut(t) else {
        return Flow::Stop;
    };
    if ts.frames.len() >= MAX_FRAMES {
        stop_task(
            interp,
            cx,
            t,
            "run-time error: device resume nested too deeply",
            out,
        );
        return Flow::Stop;
    }
    // Rewind the builtin so it re-runs after the callback, and keep its args.
    if let Some(f) = ts.frames.last_mut() {
        f.pc = f.pc.saturating_sub(1);
    }
    push_frame(
        ts,
        cx.prog,
        resume,
        &[],
        Some(Cont::RpmResume { dev: i, cookie }),
        None,
    );
    Flow::Again
}

fn rewind(interp: &mut Interp, t: usize) {
    if let Some(ts) = interp.tasks.get_mut(t)
        && let Some(f) = ts.frames.last_mut()
    {
        f.pc = f.pc.saturating_sub(1);
    }
}
