//! Lowering of a checked [`ast::Scenario`] into step code for the interpreter.
//!
//! Each function becomes a flat list of [`Op`]s for a small stack machine. An
//! [`Op::Stmt`] marks the start of a source statement: the interpreter executes
//! ops until it reaches the next `Stmt` marker, which is what makes "one
//! statement per step" exact even when a statement calls a scenario function
//! (the callee's first marker ends the step) or returns into the middle of the
//! caller's expression (the caller finishes its statement in the same step).
//!
//! Loops put a marker at their head, so every iteration costs at least one step
//! and a runaway loop always reaches the step limit instead of hanging one step.
//!
//! Lowering never fails: the checker has resolved every name; anything it left
//! unresolved is lowered to an [`Op::Fault`] that reports a located run-time
//! error when (and only if) it is reached.

use crate::scenario::ast::{
    self, AssignOp, BaseType, BinaryOp, Callee, ExprKind, IncDecOp, Res, SizeofArg, StmtKind, Type,
    UnaryOp,
};
use crate::scenario::builtins::{ArgKind, Builtin};
use crate::scenario::value::Value;

/// Index of a function in [`Program::funcs`].
pub type FuncId = u32;

/// The compiled scenario: immutable, shared by every snapshot of a run.
#[derive(Clone, Debug)]
pub struct Program {
    /// `Scenario::functions` first (same indices), then one entry per task.
    pub funcs: Vec<Code>,
    /// Number of ordinary functions; task `i`'s entry is `funcs[n_functions + i]`.
    pub n_functions: usize,
    /// Global initialisers, run once before step 0.
    pub global_init: Code,
    /// Globals: name, type, kind.
    pub globals: Vec<SlotInfo>,
    /// String literals.
    pub strings: Vec<String>,
    /// Per call op: callee name, location, out-variable.
    pub sites: Vec<SiteInfo>,
    /// Run-time faults the lowering found (message per [`Op::Fault`]).
    pub faults: Vec<String>,
}

impl Program {
    /// The entry function of task `task`.
    #[must_use]
    pub fn task_entry(&self, task: usize) -> FuncId {
        self.n_functions
            .checked_add(task)
            .and_then(|i| FuncId::try_from(i).ok())
            .unwrap_or(FuncId::MAX)
    }

    /// Code of function `id` (the global initialiser for an out-of-range id).
    #[must_use]
    pub fn code(&self, id: FuncId) -> &Code {
        self.funcs.get(id as usize).unwrap_or(&self.global_init)
    }
}

/// One function's step code.
#[derive(Clone, Debug)]
pub struct Code {
    pub name: String,
    pub ops: Vec<Op>,
    /// Parameters first, then locals in declaration order.
    pub slots: Vec<SlotInfo>,
    pub n_params: u32,
    pub returns_void: bool,
    /// Line of the function's name (where a call trace points).
    pub line: u32,
}

/// A variable as the frame view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInfo {
    pub name: String,
    /// C type as written.
    pub ty: String,
    pub is_param: bool,
    pub kind: SlotKind,
}

/// How a stored value is converted to the variable's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotKind {
    /// `gfp_t`.
    Gfp,
    /// An integer of `bits` width.
    Int { bits: u8, signed: bool },
    /// `bool`.
    Bool,
    /// Any pointer.
    Ptr,
    /// `void` or an opaque struct by value (never stored).
    Other,
}

impl SlotKind {
    /// The kind for a declared type.
    #[must_use]
    pub fn of(ty: &Type) -> SlotKind {
        if ty.pointer > 0 {
            return SlotKind::Ptr;
        }
        let (bits, signed) = match ty.base {
            BaseType::GfpT => return SlotKind::Gfp,
            BaseType::Bool => return SlotKind::Bool,
            BaseType::Void | BaseType::Struct(_) => return SlotKind::Other,
            BaseType::Char => (8, true),
            BaseType::U8 => (8, false),
            BaseType::U16 => (16, false),
            BaseType::Int | BaseType::S32 => (32, true),
            BaseType::UnsignedInt | BaseType::U32 | BaseType::SlabFlagsT => (32, false),
            BaseType::Long | BaseType::LongLong | BaseType::S64 => (64, true),
            BaseType::UnsignedLong
            | BaseType::UnsignedLongLong
            | BaseType::SizeT
            | BaseType::U64 => (64, false),
        };
        SlotKind::Int { bits, signed }
    }

    /// Convert `v` for storing in a variable of this kind (C's implicit conversion).
    /// Provenance-carrying values (cookies, pointers) survive integer variables.
    #[must_use]
    pub fn coerce(self, v: Value) -> Value {
        match (self, v) {
            (_, Value::Uninit | Value::Void) => v,
            (SlotKind::Gfp, _) => v.as_gfp().map_or(v, Value::Gfp),
            (SlotKind::Bool, _) => Value::Int(i64::from(v.truthy())),
            (SlotKind::Int { bits, signed }, Value::Int(x)) => {
                Value::Int(truncate(x, bits, signed))
            }
            (SlotKind::Int { bits, signed }, Value::Gfp(g)) => {
                Value::Int(truncate(i64::from(g.0), bits, signed))
            }
            (SlotKind::Ptr, Value::Int(0)) => Value::Null,
            _ => v,
        }
    }
}

/// Wraps `x` to a C integer of `bits` width.
#[must_use]
pub fn truncate(x: i64, bits: u8, signed: bool) -> i64 {
    if bits >= 64 {
        return x;
    }
    let mask = (1u64 << bits) - 1;
    let u = (x as u64) & mask;
    if signed && u & (1u64 << (bits - 1)) != 0 {
        (u | !mask) as i64
    } else {
        u as i64
    }
}

/// Where an out-argument (`flags` of `spin_lock_irqsave(&l, flags)`) is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Local(u32),
    Global(u32),
}

/// A call site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteInfo {
    /// Callee name as written.
    pub name: String,
    pub line: u32,
    pub col: u32,
    /// Out-variable for builtins with an [`ArgKind::OutVar`] argument.
    pub out: Option<Target>,
    /// Text of each argument as written (for messages such as the lock name).
    pub arg_text: Vec<String>,
    /// For a call of a scenario function: per argument, the caller's local slot when
    /// the argument is a plain read of that local (`f(gfp)`), else `None`; empty for
    /// builtins.
    pub arg_locals: Vec<Option<u32>>,
}

/// One instruction of the step machine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// A statement starts here: a step ends *before* executing this (unless it is
    /// the step's first op).
    Stmt {
        line: u32,
        col: u32,
    },
    Push(Value),
    Load(u32),
    /// Store top of stack into a local (value stays on the stack).
    Store(u32),
    LoadGlobal(u32),
    StoreGlobal(u32),
    /// A local comes into scope (set to uninitialised).
    Decl(u32),
    /// Locals `from..to` go out of scope.
    Kill(u32, u32),
    Unary(UnaryOp),
    Binary(BinaryOp),
    /// Replace top with `Int(0|1)`.
    Truthy,
    Coerce(SlotKind),
    Dup,
    Pop,
    Jump(u32),
    JumpIfFalse(u32),
    JumpIfTrue(u32),
    /// Call a scenario function with `argc` arguments on the stack.
    Call {
        func: FuncId,
        argc: u32,
        site: u32,
    },
    /// Call a modelled kernel function.
    Builtin {
        builtin: Builtin,
        argc: u32,
        site: u32,
    },
    Return {
        has_value: bool,
    },
    /// A run-time error (index into [`Program::faults`]) at a location.
    Fault {
        fault: u32,
        line: u32,
    },
}

/// Lowers a checked scenario.
#[must_use]
pub fn compile(s: &ast::Scenario) -> Program {
    let mut p = Program {
        funcs: Vec::new(),
        n_functions: s.functions.len(),
        global_init: Code {
            name: "<init>".into(),
            ops: Vec::new(),
            slots: Vec::new(),
            n_params: 0,
            returns_void: true,
            line: 1,
        },
        globals: s
            .globals
            .iter()
            .map(|g| SlotInfo {
                name: g.name.name.clone(),
                ty: g.ty.display(),
                is_param: false,
                kind: SlotKind::of(&g.ty),
            })
            .collect(),
        strings: Vec::new(),
        sites: Vec::new(),
        faults: Vec::new(),
    };
    let lines = LineStarts::new(&s.source);
    for f in &s.functions {
        let code = FnLower::lower(&mut p, s, &lines, f);
        p.funcs.push(code);
    }
    for t in &s.tasks {
        let code = FnLower::lower(&mut p, s, &lines, &t.entry);
        p.funcs.push(code);
    }
    // Global initialisers, in source order, without statement markers.
    let mut init = FnLower::new(&mut p, s, "<init>", Vec::new());
    for (i, g) in s.globals.iter().enumerate() {
        if let Some(e) = &g.init {
            init.expr(e);
            init.emit(Op::Coerce(SlotKind::of(&g.ty)));
            init.emit(Op::StoreGlobal(i as u32));
            init.emit(Op::Pop);
        }
    }
    init.emit(Op::Return { has_value: false });
    let ops = std::mem::take(&mut init.ops);
    p.global_init.ops = ops;
    p
}

/// Byte offset → line number.
struct LineStarts(Vec<u32>);

impl LineStarts {
    fn new(src: &str) -> Self {
        let mut v = vec![0u32];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                v.push(i as u32 + 1);
            }
        }
        Self(v)
    }
    /// 1-based (line, col) of a byte offset (col counted in bytes, good enough for
    /// the closing brace markers this is used for).
    fn pos(&self, offset: u32) -> (u32, u32) {
        let idx = self.0.partition_point(|&s| s <= offset).max(1);
        let start = self.0.get(idx - 1).copied().unwrap_or(0);
        (idx as u32, offset.saturating_sub(start) + 1)
    }
}

struct LoopCtx {
    continue_to: Vec<usize>,
    break_to: Vec<usize>,
    /// First slot declared inside the loop body (killed on break/continue).
    first_slot: u32,
}

struct FnLower<'a> {
    p: &'a mut Program,
    s: &'a ast::Scenario,
    ops: Vec<Op>,
    slots: Vec<SlotInfo>,
    loops: Vec<LoopCtx>,
    /// Slots declared so far (to compute block kill ranges).
    next_slot_seen: u32,
}

impl<'a> FnLower<'a> {
    fn new(p: &'a mut Program, s: &'a ast::Scenario, _name: &str, slots: Vec<SlotInfo>) -> Self {
        Self {
            p,
            s,
            ops: Vec::new(),
            slots,
            loops: Vec::new(),
            next_slot_seen: 0,
        }
    }

    fn lower(
        p: &'a mut Program,
        s: &'a ast::Scenario,
        lines: &'a LineStarts,
        f: &ast::Function,
    ) -> Code {
        let slots: Vec<SlotInfo> = f
            .slots
            .iter()
            .map(|sl| SlotInfo {
                name: sl.name.clone(),
                ty: sl.ty.display(),
                is_param: sl.is_param,
                kind: SlotKind::of(&sl.ty),
            })
            .collect();
        let mut l = FnLower::new(p, s, &f.name.name, slots);
        l.next_slot_seen = f.params.len() as u32;
        l.block(&f.body);
        // The closing brace: a last step before returning to the caller.
        let (line, col) = lines.pos(f.body.span.end().saturating_sub(1));
        l.emit(Op::Stmt { line, col });
        l.emit(Op::Return { has_value: false });
        Code {
            name: f.name.name.clone(),
            ops: l.ops,
            slots: l.slots,
            n_params: f.params.len() as u32,
            returns_void: f.ret.is_void(),
            line: f.name.span.line,
        }
    }

    fn emit(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.ops.len() - 1
    }

    fn here(&self) -> u32 {
        self.ops.len() as u32
    }

    fn patch(&mut self, at: usize, target: u32) {
        if let Some(Op::Jump(t) | Op::JumpIfFalse(t) | Op::JumpIfTrue(t)) = self.ops.get_mut(at) {
            *t = target;
        }
    }

    fn marker(&mut self, span: ast::Span) {
        self.emit(Op::Stmt {
            line: span.line,
            col: span.col,
        });
    }

    fn fault(&mut self, msg: String, line: u32) {
        let fault = self.p.faults.len() as u32;
        self.p.faults.push(msg);
        self.emit(Op::Fault { fault, line });
    }

    fn block(&mut self, b: &ast::Block) {
        let first = self.next_slot_seen;
        for st in &b.stmts {
            self.stmt(st, true);
        }
        let last = self.next_slot_seen;
        if last > first {
            self.emit(Op::Kill(first, last));
        }
    }

    fn stmt(&mut self, st: &ast::Stmt, with_marker: bool) {
        match &st.kind {
            StmtKind::Block(b) => self.block(b),
            StmtKind::Decl(decls) => {
                // `int i;` does nothing a debugger would stop on: no marker, its
                // variables come into scope with the next statement.
                if with_marker && decls.iter().any(|d| d.init.is_some()) {
                    self.marker(st.span);
                }
                for d in decls {
                    self.emit(Op::Decl(d.slot));
                    self.next_slot_seen = self.next_slot_seen.max(d.slot + 1);
                    if let Some(init) = &d.init {
                        self.expr(init);
                        self.emit(Op::Coerce(SlotKind::of(&d.ty)));
                        self.emit(Op::Store(d.slot));
                        self.emit(Op::Pop);
                    }
                }
            }
            StmtKind::Expr(e) => {
                if with_marker {
                    self.marker(st.span);
                }
                self.expr(e);
                self.emit(Op::Pop);
            }
            StmtKind::Empty => {
                if with_marker {
                    self.marker(st.span);
                }
            }
            StmtKind::If { cond, then, els } => {
                self.marker(st.span);
                self.expr(cond);
                let jf = self.emit(Op::JumpIfFalse(0));
                self.stmt(then, true);
                if let Some(els) = els {
                    let j = self.emit(Op::Jump(0));
                    let here = self.here();
                    self.patch(jf, here);
                    self.stmt(els, true);
                    let end = self.here();
                    self.patch(j, end);
                } else {
                    let here = self.here();
                    self.patch(jf, here);
                }
            }
            StmtKind::While { cond, body } => {
                let head = self.here();
                self.marker(cond.span);
                self.expr(cond);
                let jf = self.emit(Op::JumpIfFalse(0));
                self.loop_body(body, head);
                self.emit(Op::Jump(head));
                let end = self.here();
                self.patch(jf, end);
                self.close_loop(end);
            }
            StmtKind::DoWhile { body, cond } => {
                let top = self.here();
                self.loops.push(LoopCtx {
                    continue_to: Vec::new(),
                    break_to: Vec::new(),
                    first_slot: self.next_slot_seen,
                });
                self.stmt(body, true);
                let cond_at = self.here();
                self.marker(cond.span);
                self.expr(cond);
                self.emit(Op::JumpIfTrue(top));
                let end = self.here();
                if let Some(ctx) = self.loops.pop() {
                    for c in ctx.continue_to {
                        self.patch(c, cond_at);
                    }
                    for b in ctx.break_to {
                        self.patch(b, end);
                    }
                }
            }
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                // for (init; cond; step) body
                //   Stmt; init; Jump cond
                // step_at: Stmt; step; Pop
                // cond_at: cond; JumpIfFalse end; body; Jump step_at
                let for_first_slot = self.next_slot_seen;
                self.marker(st.span);
                if let Some(init) = init {
                    self.stmt(init, false);
                }
                let jcond = self.emit(Op::Jump(0));
                let step_at = self.here();
                self.marker(st.span);
                if let Some(e) = step {
                    self.expr(e);
                    self.emit(Op::Pop);
                }
                let cond_at = self.here();
                self.patch(jcond, cond_at);
                let jf = match cond {
                    Some(c) => {
                        self.expr(c);
                        Some(self.emit(Op::JumpIfFalse(0)))
                    }
                    None => None,
                };
                self.loop_body(body, step_at);
                self.emit(Op::Jump(step_at));
                let end = self.here();
                if let Some(jf) = jf {
                    self.patch(jf, end);
                }
                self.close_loop(end);
                let last = self.next_slot_seen;
                if last > for_first_slot {
                    self.emit(Op::Kill(for_first_slot, last));
                }
            }
            StmtKind::Return(e) => {
                self.marker(st.span);
                match e {
                    Some(e) => {
                        self.expr(e);
                        self.emit(Op::Return { has_value: true });
                    }
                    None => {
                        self.emit(Op::Return { has_value: false });
                    }
                }
            }
            StmtKind::Break | StmtKind::Continue => {
                self.marker(st.span);
                let is_break = matches!(st.kind, StmtKind::Break);
                let first = self.loops.last().map(|l| l.first_slot);
                match first {
                    Some(first) => {
                        let last = self.next_slot_seen;
                        if last > first {
                            self.emit(Op::Kill(first, last));
                        }
                        let j = self.emit(Op::Jump(0));
                        if let Some(ctx) = self.loops.last_mut() {
                            if is_break {
                                ctx.break_to.push(j);
                            } else {
                                ctx.continue_to.push(j);
                            }
                        }
                    }
                    None => self.fault(
                        format!(
                            "`{}` outside a loop",
                            if is_break { "break" } else { "continue" }
                        ),
                        st.span.line,
                    ),
                }
            }
        }
    }

    fn loop_body(&mut self, body: &ast::Stmt, continue_target: u32) {
        self.loops.push(LoopCtx {
            continue_to: Vec::new(),
            break_to: Vec::new(),
            first_slot: self.next_slot_seen,
        });
        self.stmt(body, true);
        if let Some(ctx) = self.loops.last_mut() {
            let cs = std::mem::take(&mut ctx.continue_to);
            for c in cs {
                self.patch(c, continue_target);
            }
        }
    }

    fn close_loop(&mut self, end: u32) {
        if let Some(ctx) = self.loops.pop() {
            for b in ctx.break_to {
                self.patch(b, end);
            }
            for c in ctx.continue_to {
                self.patch(c, end);
            }
        }
    }

    fn string(&mut self, s: &str) -> u32 {
        if let Some(i) = self.p.strings.iter().position(|x| x == s) {
            return i as u32;
        }
        self.p.strings.push(s.to_string());
        (self.p.strings.len() - 1) as u32
    }

    fn name_value(&mut self, n: &ast::NameRef, line: u32) {
        match n.res {
            Res::Local(slot) => {
                self.emit(Op::Load(slot));
            }
            Res::Global(g) => {
                self.emit(Op::LoadGlobal(g as u32));
            }
            Res::Lock(i) => {
                self.emit(Op::Push(Value::Lock(i as u32)));
            }
            Res::Device(i) => {
                self.emit(Op::Push(Value::Device(i as u32)));
            }
            Res::Task(i) => {
                self.emit(Op::Push(Value::TaskRef(i as u32)));
            }
            Res::Gfp(g) => {
                self.emit(Op::Push(Value::Gfp(g)));
            }
            Res::Errno(v) | Res::Const(v) => {
                self.emit(Op::Push(Value::Int(v)));
            }
            Res::TaskFlag(v) | Res::SlabFlag(v) => {
                self.emit(Op::Push(Value::Int(i64::from(v))));
            }
            Res::Unresolved => self.fault(format!("unknown name `{}`", n.ident.name), line),
        }
    }

    fn store_to(&mut self, target: &ast::Expr) {
        match &target.kind {
            ExprKind::Name(n) => match n.res {
                Res::Local(slot) => {
                    let kind = self
                        .slots
                        .get(slot as usize)
                        .map_or(SlotKind::Other, |s| s.kind);
                    self.emit(Op::Coerce(kind));
                    self.emit(Op::Store(slot));
                }
                Res::Global(g) => {
                    let kind = self.p.globals.get(g).map_or(SlotKind::Other, |s| s.kind);
                    self.emit(Op::Coerce(kind));
                    self.emit(Op::StoreGlobal(g as u32));
                }
                _ => self.fault(
                    format!("cannot assign to `{}`", n.ident.name),
                    target.span.line,
                ),
            },
            _ => self.fault(
                "the left side of an assignment must be a variable".into(),
                target.span.line,
            ),
        }
    }

    fn expr(&mut self, e: &ast::Expr) {
        let line = e.span.line;
        match &e.kind {
            ExprKind::Int(v) => {
                self.emit(Op::Push(Value::Int(*v)));
            }
            ExprKind::Bool(b) => {
                self.emit(Op::Push(Value::Int(i64::from(*b))));
            }
            ExprKind::Null => {
                self.emit(Op::Push(Value::Null));
            }
            ExprKind::Str(s) => {
                let i = self.string(s);
                self.emit(Op::Push(Value::Str(i)));
            }
            ExprKind::Name(n) => self.name_value(n, line),
            ExprKind::Unary { op, operand } => match op {
                UnaryOp::AddrOf => match &operand.kind {
                    // `&lock`, `&dev`, `&var`: the handle itself (no memory model).
                    ExprKind::Name(n) => self.name_value(n, line),
                    _ => {
                        self.expr(operand);
                    }
                },
                UnaryOp::Plus => self.expr(operand),
                _ => {
                    self.expr(operand);
                    self.emit(Op::Unary(*op));
                }
            },
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinaryOp::LogAnd => {
                    self.expr(lhs);
                    let jf = self.emit(Op::JumpIfFalse(0));
                    self.expr(rhs);
                    self.emit(Op::Truthy);
                    let j = self.emit(Op::Jump(0));
                    let f = self.here();
                    self.patch(jf, f);
                    self.emit(Op::Push(Value::Int(0)));
                    let end = self.here();
                    self.patch(j, end);
                }
                BinaryOp::LogOr => {
                    self.expr(lhs);
                    let jt = self.emit(Op::JumpIfTrue(0));
                    self.expr(rhs);
                    self.emit(Op::Truthy);
                    let j = self.emit(Op::Jump(0));
                    let t = self.here();
                    self.patch(jt, t);
                    self.emit(Op::Push(Value::Int(1)));
                    let end = self.here();
                    self.patch(j, end);
                }
                _ => {
                    self.expr(lhs);
                    self.expr(rhs);
                    self.emit(Op::Binary(*op));
                }
            },
            ExprKind::Assign { op, target, value } => {
                match op {
                    AssignOp::Set => self.expr(value),
                    AssignOp::Compound(bop) => {
                        self.expr(target);
                        self.expr(value);
                        self.emit(Op::Binary(*bop));
                    }
                }
                self.store_to(target);
            }
            ExprKind::IncDec { op, target } => {
                let delta = match op {
                    IncDecOp::PreInc | IncDecOp::PostInc => 1,
                    IncDecOp::PreDec | IncDecOp::PostDec => -1,
                };
                self.expr(target);
                if matches!(op, IncDecOp::PostInc | IncDecOp::PostDec) {
                    self.emit(Op::Dup);
                }
                self.emit(Op::Push(Value::Int(delta)));
                self.emit(Op::Binary(BinaryOp::Add));
                self.store_to(target);
                if matches!(op, IncDecOp::PostInc | IncDecOp::PostDec) {
                    self.emit(Op::Pop);
                }
            }
            ExprKind::Ternary { cond, then, els } => {
                self.expr(cond);
                let jf = self.emit(Op::JumpIfFalse(0));
                self.expr(then);
                let j = self.emit(Op::Jump(0));
                let f = self.here();
                self.patch(jf, f);
                self.expr(els);
                let end = self.here();
                self.patch(j, end);
            }
            ExprKind::Cast { ty, expr } => {
                self.expr(expr);
                if ty.is_void() {
                    self.emit(Op::Pop);
                    self.emit(Op::Push(Value::Void));
                } else {
                    self.emit(Op::Coerce(SlotKind::of(ty)));
                }
            }
            ExprKind::Sizeof(arg) => {
                let size = match &**arg {
                    SizeofArg::Type(t) => sizeof_type(t),
                    SizeofArg::Expr(x) => match &x.kind {
                        ExprKind::Name(ast::NameRef {
                            res: Res::Local(slot),
                            ..
                        }) => self
                            .slots
                            .get(*slot as usize)
                            .map_or(8, |s| sizeof_kind(s.kind)),
                        _ => 8,
                    },
                };
                self.emit(Op::Push(Value::Int(size)));
            }
            ExprKind::Call(call) => self.call(call, e.span),
        }
    }

    fn call(&mut self, call: &ast::Call, span: ast::Span) {
        let arg_text: Vec<String> = call
            .args
            .iter()
            .map(|a| a.span.text(&self.s.source).to_string())
            .collect();
        match call.callee {
            Callee::Function(fi) => {
                for a in &call.args {
                    self.expr(a);
                }
                let arg_locals = call
                    .args
                    .iter()
                    .map(|a| match &a.kind {
                        ExprKind::Name(ast::NameRef {
                            res: Res::Local(slot),
                            ..
                        }) => Some(*slot),
                        _ => None,
                    })
                    .collect();
                let site = self.site(&call.name.name, span, None, arg_text);
                if let Some(s) = self.p.sites.last_mut() {
                    s.arg_locals = arg_locals;
                }
                self.emit(Op::Call {
                    func: fi as FuncId,
                    argc: call.args.len() as u32,
                    site,
                });
            }
            Callee::Builtin(b) => {
                // Pick the signature matching the arity (the checker enforced one).
                let sig: &[ArgKind] = b
                    .info()
                    .args
                    .iter()
                    .find(|sig| sig.len() == call.args.len())
                    .copied()
                    .unwrap_or(&[]);
                let mut out = None;
                let mut argc = 0;
                for (i, a) in call.args.iter().enumerate() {
                    if sig.get(i) == Some(&ArgKind::OutVar) {
                        out = match &a.kind {
                            ExprKind::Name(n) => match n.res {
                                Res::Local(s) => Some(Target::Local(s)),
                                Res::Global(g) => Some(Target::Global(g as u32)),
                                _ => None,
                            },
                            ExprKind::Unary {
                                op: UnaryOp::AddrOf,
                                operand,
                            } => match &operand.kind {
                                ExprKind::Name(n) => match n.res {
                                    Res::Local(s) => Some(Target::Local(s)),
                                    Res::Global(g) => Some(Target::Global(g as u32)),
                                    _ => None,
                                },
                                _ => None,
                            },
                            _ => None,
                        };
                        continue;
                    }
                    self.expr(a);
                    argc += 1;
                }
                let site = self.site(&call.name.name, span, out, arg_text);
                self.emit(Op::Builtin {
                    builtin: b,
                    argc,
                    site,
                });
            }
            Callee::Unresolved => {
                self.fault(
                    format!("call to unknown function `{}`", call.name.name),
                    span.line,
                );
                self.emit(Op::Push(Value::Int(0)));
            }
        }
    }

    fn site(
        &mut self,
        name: &str,
        span: ast::Span,
        out: Option<Target>,
        arg_text: Vec<String>,
    ) -> u32 {
        self.p.sites.push(SiteInfo {
            name: name.to_string(),
            line: span.line,
            col: span.col,
            out,
            arg_text,
            arg_locals: Vec::new(),
        });
        (self.p.sites.len() - 1) as u32
    }
}

/// `sizeof(TYPE)` on x86-64: scalars by the LP64 model, pointers 8, and every
/// `struct` 256 bytes (the interpreter has no struct layouts; write the size
/// explicitly when the kmalloc size class matters).
#[must_use]
pub fn sizeof_type(t: &Type) -> i64 {
    if t.pointer > 0 {
        return 8;
    }
    match t.base {
        BaseType::Struct(_) => 256,
        BaseType::Void => 1,
        _ => sizeof_kind(SlotKind::of(t)),
    }
}

fn sizeof_kind(k: SlotKind) -> i64 {
    match k {
        SlotKind::Gfp => 4,
        SlotKind::Int { bits, .. } => i64::from(bits / 8),
        SlotKind::Bool => 1,
        SlotKind::Ptr | SlotKind::Other => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gfp::Gfp;

    #[test]
    fn truncation_wraps_like_c() {
        assert_eq!(truncate(-1, 32, false), 0xffff_ffff);
        assert_eq!(truncate(0x1_0000_0005, 32, true), 5);
        assert_eq!(truncate(0xffff_ffff, 32, true), -1);
        assert_eq!(truncate(300, 8, false), 44);
        assert_eq!(truncate(-5, 64, true), -5);
    }

    #[test]
    fn coercion_keeps_provenance_and_converts_masks() {
        let k = SlotKind::Int {
            bits: 32,
            signed: false,
        };
        assert_eq!(k.coerce(Value::Gfp(Gfp::KERNEL)), Value::Int(0xcc0));
        assert_eq!(
            SlotKind::Gfp.coerce(Value::Int(0xc40)),
            Value::Gfp(Gfp::NOFS)
        );
        assert_eq!(SlotKind::Ptr.coerce(Value::Int(0)), Value::Null);
        assert_eq!(SlotKind::Bool.coerce(Value::Int(7)), Value::Int(1));
    }
}
