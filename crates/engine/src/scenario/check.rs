//! Semantic checks and name resolution.
//!
//! Fills every [`Res`] and [`Callee`], assigns variable slots, reads the declaration
//! annotations (`__taken_by_fs_reclaim`, `__flags(...)`, ...) into typed fields, and
//! reports: undefined names and functions (with "did you mean"), wrong arity, argument
//! kinds (a size where a gfp mask is expected and vice versa), locks and devices passed
//! without `&` or of the wrong kind, restores of variables that do not hold a cookie,
//! loops that can never end, bad annotations.

use crate::scenario::ast::{
    BaseType, Callee, DeviceDecl, Expr, ExprKind, Function, LockKind, Res, Scenario, SizeofArg,
    Span, Stmt, StmtKind, TaskDecl, TaskKind, Type, UnaryOp,
};
use crate::scenario::builtins::{ArgKind, Builtin, LockArg, Ret};
use crate::scenario::diag::{Diagnostic, did_you_mean};
use crate::scenario::names;

/// `TASK_COMM_LEN` (include/linux/sched.h) minus the terminating NUL.
const MAX_COMM: usize = 15;

/// What an expression evaluates to, as far as the checker can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum K {
    Int,
    /// An integer literal (or constant expression of literals).
    Lit(i64),
    Gfp,
    Ptr,
    Null,
    Cache,
    Str,
    Lock(LockKind),
    Device,
    Task,
    TaskFlags,
    SlabFlags,
    Void,
    /// Already reported, or not knowable: accept silently.
    Unknown,
}

impl K {
    fn describe(self) -> &'static str {
        match self {
            K::Int | K::Lit(_) => "an integer",
            K::Gfp => "a gfp mask",
            K::Ptr => "a pointer",
            K::Null => "NULL",
            K::Cache => "a struct kmem_cache *",
            K::Str => "a string",
            K::Lock(_) => "a lock",
            K::Device => "a device",
            K::Task => "a task",
            K::TaskFlags => "PF_* task flags",
            K::SlabFlags => "SLAB_* flags",
            K::Void => "nothing (void)",
            K::Unknown => "a value",
        }
    }
}

fn type_kind(ty: &Type) -> K {
    if ty.pointer > 0 {
        if ty.pointer == 1 && ty.base == BaseType::Struct("kmem_cache".to_string()) {
            K::Cache
        } else {
            K::Ptr
        }
    } else {
        match ty.base {
            BaseType::GfpT => K::Gfp,
            BaseType::Void => K::Void,
            BaseType::SlabFlagsT => K::SlabFlags,
            BaseType::Struct(_) => K::Unknown,
            _ => K::Int,
        }
    }
}

/// Signature of a scenario function (or task entry) for call checking.
struct Sig {
    name: String,
    params: Vec<Type>,
    ret: Type,
}

/// Where a cookie flows, for the restore check.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Holder {
    /// The return value of a function (index as in `Local`).
    Return(usize),
    /// (function index, slot); task entries are numbered after the functions.
    Local(usize, u32),
    Global(usize),
}

struct RestoreSite {
    holder: Holder,
    span: Span,
    name: String,
    api: Builtin,
}

/// Runs every check on a parsed scenario, resolving names in place.
pub fn check(s: &mut Scenario, diags: &mut Vec<Diagnostic>) {
    let file = s.file_name.clone();
    let mut c = Checker {
        file: &file,
        diags,
        sigs: Vec::new(),
        globals: s
            .globals
            .iter()
            .map(|g| (g.name.name.clone(), g.ty.clone()))
            .collect(),
        locks: s
            .locks
            .iter()
            .map(|l| (l.name.name.clone(), l.kind))
            .collect(),
        devices: s.devices.iter().map(|d| d.name.name.clone()).collect(),
        tasks: s.tasks.iter().map(|t| t.name.name.clone()).collect(),
        n_functions: s.functions.len(),
        cur_fn: 0,
        scopes: Vec::new(),
        slots: Vec::new(),
        ret: None,
        saves: Vec::new(),
        flows: Vec::new(),
        restores: Vec::new(),
    };
    c.sigs = s
        .functions
        .iter()
        .map(|f| Sig {
            name: f.name.name.clone(),
            params: f.params.iter().map(|p| p.ty.clone()).collect(),
            ret: f.ret.clone(),
        })
        .collect();

    c.duplicate_names(s);
    for g in &mut s.globals {
        c.global(g);
    }
    for l in &mut s.locks {
        c.lock_attrs(l);
    }
    let fn_names: Vec<(String, usize)> = s
        .functions
        .iter()
        .map(|f| (f.name.name.clone(), f.params.len()))
        .collect();
    for d in &mut s.devices {
        c.device_attrs(d, &fn_names);
    }
    decls::device_cycles(&file, &s.devices, c.diags);
    for (i, f) in s.functions.iter_mut().enumerate() {
        c.cur_fn = i;
        c.function(f);
    }
    let n = s.functions.len();
    for (i, t) in s.tasks.iter_mut().enumerate() {
        c.cur_fn = n + i;
        c.task_attrs(t);
        c.function(&mut t.entry);
    }
    c.cookie_restores();
    decls::task_sanity(&file, &s.tasks, c.diags);
    if s.tasks.is_empty() && !s.source.trim().is_empty() {
        let span = Span {
            offset: 0,
            len: 1,
            line: 1,
            col: 1,
        };
        c.diags.push(
            Diagnostic::error(&file, span, "the scenario declares no task, so nothing would run")
                .with_help("add one, e.g. `SYSCALL(open) { ... }`, `KTHREAD(name) { ... }` or `IRQ_HANDLER(name) { ... }`"),
        );
    }
}

struct Checker<'a> {
    file: &'a str,
    diags: &'a mut Vec<Diagnostic>,
    sigs: Vec<Sig>,
    globals: Vec<(String, Type)>,
    locks: Vec<(String, LockKind)>,
    devices: Vec<String>,
    tasks: Vec<String>,
    n_functions: usize,
    /// Index of the function being checked (tasks after functions).
    cur_fn: usize,
    /// Block scopes: name → slot.
    scopes: Vec<Vec<(String, u32)>>,
    /// Slot types of the current function.
    slots: Vec<Type>,
    /// Return type of the current function.
    ret: Option<Type>,
    /// Variables assigned from a `*_save()` call, with the API.
    saves: Vec<(Holder, Builtin)>,
    /// Cookie-carrying call arguments: caller holder → (callee function, parameter slot).
    flows: Vec<(Holder, Holder)>,
    restores: Vec<RestoreSite>,
}

impl Checker<'_> {
    fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(self.file, span, msg));
    }

    fn err_help(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(self.file, span, msg).with_help(help));
    }

    fn warn(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::warning(self.file, span, msg));
    }

    // ---- functions ----------------------------------------------------------------------

    fn function(&mut self, f: &mut Function) {
        self.scopes = vec![Vec::new()];
        self.slots.clear();
        f.slots.clear();
        for p in &f.params {
            if p.name.name.is_empty() {
                continue;
            }
            if p.ty.is_void() {
                self.err(p.ty.span, "a parameter cannot have type `void`");
            }
            self.declare(&p.name, &p.ty, true, &mut f.slots);
        }
        self.ret = Some(f.ret.clone());
        self.block_stmts(&mut f.body.stmts, &mut f.slots);
        self.ret = None;
    }

    fn declare(
        &mut self,
        name: &crate::scenario::ast::Ident,
        ty: &Type,
        is_param: bool,
        slots: &mut Vec<crate::scenario::ast::Slot>,
    ) -> u32 {
        if names::is_predefined(&name.name) || Builtin::from_name(&name.name).is_some() {
            self.err(
                name.span,
                format!(
                    "`{}` is a predefined kernel name; pick another name",
                    name.name
                ),
            );
        } else if self
            .scopes
            .last()
            .is_some_and(|s| s.iter().any(|(n, _)| *n == name.name))
        {
            self.err(
                name.span,
                format!("`{}` is already declared in this scope", name.name),
            );
        }
        let slot = slots.len() as u32;
        slots.push(crate::scenario::ast::Slot {
            name: name.name.clone(),
            ty: ty.clone(),
            is_param,
            span: name.span,
        });
        self.slots.push(ty.clone());
        if let Some(s) = self.scopes.last_mut() {
            s.push((name.name.clone(), slot));
        }
        slot
    }

    fn block_stmts(&mut self, stmts: &mut [Stmt], slots: &mut Vec<crate::scenario::ast::Slot>) {
        self.scopes.push(Vec::new());
        for s in stmts {
            self.stmt(s, slots);
        }
        self.scopes.pop();
    }

    fn stmt(&mut self, st: &mut Stmt, slots: &mut Vec<crate::scenario::ast::Slot>) {
        let span = st.span;
        match &mut st.kind {
            StmtKind::Decl(decls) => {
                for d in decls {
                    if d.ty.is_void() {
                        self.err(d.ty.span, "a variable cannot have type `void`");
                    }
                    // The initialiser sees the outer names, then the variable exists.
                    if let Some(init) = &mut d.init {
                        let k = self.expr(init);
                        self.assign_compat(&d.ty, k, init.span);
                    }
                    d.slot = self.declare(&d.name, &d.ty, false, slots);
                    let me = Holder::Local(self.cur_fn, d.slot);
                    if let Some(init) = &d.init {
                        if let Some(api) = save_call(init) {
                            self.saves.push((me, api));
                        } else if let Some(from) = self.holder_of(init) {
                            // `unsigned int ntp_pflags = tp_pflags;`: the cookie moves.
                            self.flows.push((from, me));
                        }
                    }
                }
            }
            StmtKind::Expr(e) => {
                if let ExprKind::Call(call) = &e.kind
                    && let Some(b) = Builtin::from_name(&call.name.name)
                    && b.info().ret == Ret::Cookie
                {
                    self.warn(
                        e.span,
                        format!(
                            "the cookie from {}() is discarded, so the scope can never be restored",
                            b.name()
                        ),
                    );
                }
                self.expr(e);
            }
            StmtKind::If { cond, then, els } => {
                self.cond(cond);
                self.scoped_stmt(then, slots);
                if let Some(e) = els {
                    self.scoped_stmt(e, slots);
                }
            }
            StmtKind::While { cond, body } => {
                self.cond(cond);
                self.endless(Some(&*cond), body, span);
                self.scoped_stmt(body, slots);
            }
            StmtKind::DoWhile { body, cond } => {
                self.scoped_stmt(body, slots);
                self.cond(cond);
                self.endless(Some(&*cond), body, span);
            }
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                self.scopes.push(Vec::new());
                if let Some(i) = init {
                    self.stmt(i, slots);
                }
                if let Some(c) = cond {
                    self.cond(c);
                }
                if let Some(s) = step {
                    self.expr(s);
                }
                self.endless(cond.as_ref(), body, span);
                self.scoped_stmt(body, slots);
                self.scopes.pop();
            }
            StmtKind::Return(value) => {
                let ret = self.ret.clone();
                match (value, ret) {
                    (Some(v), Some(rt)) => {
                        let k = self.expr(v);
                        let me = Holder::Return(self.cur_fn);
                        if let Some(api) = save_call(v) {
                            self.saves.push((me, api));
                        } else if let Some(from) = self.holder_of(v) {
                            self.flows.push((from, me));
                        }
                        if rt.is_void() {
                            self.err(
                                v.span,
                                "this function returns void; it cannot return a value",
                            );
                        } else {
                            self.assign_compat(&rt, k, v.span);
                        }
                    }
                    (None, Some(rt)) if !rt.is_void() => {
                        let t = rt.display();
                        self.err(span, format!("this function returns `{t}`: return a value"));
                    }
                    _ => {}
                }
            }
            StmtKind::Block(b) => self.block_stmts(&mut b.stmts, slots),
            StmtKind::Break | StmtKind::Continue | StmtKind::Empty => {}
        }
    }

    fn scoped_stmt(&mut self, st: &mut Stmt, slots: &mut Vec<crate::scenario::ast::Slot>) {
        self.scopes.push(Vec::new());
        self.stmt(st, slots);
        self.scopes.pop();
    }

    fn cond(&mut self, e: &mut Expr) {
        let k = self.expr(e);
        if matches!(k, K::Void | K::Str | K::Lock(_) | K::Device | K::Task) {
            let d = k.describe();
            self.err(
                e.span,
                format!("a condition must be a number or pointer, not {d}"),
            );
        }
    }

    /// Loops must be bounded: a constant-true condition needs a `break` or `return` inside.
    fn endless(&mut self, cond: Option<&Expr>, body: &Stmt, span: Span) {
        let always = match cond {
            None => true,
            Some(c) => const_int(c).is_some_and(|v| v != 0),
        };
        if always && !exits(body, true) {
            self.err_help(
                span,
                "this loop can never end: loops must be bounded",
                "give it a condition that becomes false, or a `break`/`return` inside (the run also stops at the step limit)",
            );
        }
    }

    // ---- expressions -------------------------------------------------------------------

    fn lookup_local(&self, name: &str) -> Option<u32> {
        self.scopes.iter().rev().find_map(|s| {
            s.iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, slot)| *slot)
        })
    }

    fn resolve(&mut self, name: &str, span: Span) -> (Res, K) {
        if let Some(slot) = self.lookup_local(name) {
            let k = self.slots.get(slot as usize).map_or(K::Unknown, type_kind);
            return (Res::Local(slot), k);
        }
        if let Some(i) = self.globals.iter().position(|(n, _)| n == name) {
            return (Res::Global(i), type_kind(&self.globals[i].1));
        }
        if let Some(i) = self.locks.iter().position(|(n, _)| n == name) {
            return (Res::Lock(i), K::Lock(self.locks[i].1));
        }
        if let Some(i) = self.devices.iter().position(|n| n == name) {
            return (Res::Device(i), K::Device);
        }
        if let Some(i) = self.tasks.iter().position(|n| n == name) {
            return (Res::Task(i), K::Task);
        }
        if let Some(g) = names::gfp_by_name(name) {
            return (Res::Gfp(g), K::Gfp);
        }
        if let Some(v) = names::task_flag_by_name(name) {
            return (Res::TaskFlag(v), K::TaskFlags);
        }
        if let Some(v) = names::slab_flag_by_name(name) {
            return (Res::SlabFlag(v), K::SlabFlags);
        }
        if let Some(v) = names::errno_by_name(name) {
            return (Res::Errno(v), K::Lit(v));
        }
        if let Some(v) = names::const_by_name(name) {
            return (Res::Const(v), K::Lit(v));
        }
        self.unknown_name(name, span);
        (Res::Unresolved, K::Unknown)
    }

    fn unknown_name(&mut self, name: &str, span: Span) {
        let (msg, cands): (String, Vec<String>) =
            if name.starts_with("GFP_") || name.starts_with("__GFP_") {
                (
                    format!("unknown GFP flag `{name}`"),
                    names::gfp_names().map(str::to_string).collect(),
                )
            } else if name.starts_with("PF_") {
                (
                    format!("unknown task flag `{name}`"),
                    names::task_flag_names().map(str::to_string).collect(),
                )
            } else if name.starts_with("SLAB_") {
                (
                    format!("unknown slab flag `{name}`"),
                    names::slab_flag_names().map(str::to_string).collect(),
                )
            } else {
                let mut c: Vec<String> = self
                    .scopes
                    .iter()
                    .flatten()
                    .map(|(n, _)| n.clone())
                    .collect();
                c.extend(self.globals.iter().map(|(n, _)| n.clone()));
                c.extend(self.locks.iter().map(|(n, _)| n.clone()));
                c.extend(self.devices.iter().cloned());
                c.extend(self.tasks.iter().cloned());
                c.extend(names::gfp_names().map(str::to_string));
                c.extend(names::errno_names().map(str::to_string));
                c.extend(names::const_names().map(str::to_string));
                (format!("undeclared name `{name}`"), c)
            };
        let mut d = Diagnostic::error(self.file, span, msg);
        if let Some(s) = did_you_mean(name, cands.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
    }

    #[allow(clippy::many_single_char_names)]
    fn expr(&mut self, e: &mut Expr) -> K {
        use crate::scenario::ast::BinaryOp as B;
        let span = e.span;
        match &mut e.kind {
            ExprKind::Int(v) => K::Lit(*v),
            ExprKind::Str(_) => K::Str,
            ExprKind::Null => K::Null,
            ExprKind::Bool(b) => K::Lit(i64::from(*b)),
            ExprKind::Name(n) => {
                let (res, k) = self.resolve(&n.ident.name, n.ident.span);
                n.res = res;
                k
            }
            ExprKind::Unary { op, operand } => {
                match op {
                    UnaryOp::AddrOf => {
                        // `&lock`, `&device`, `&task`: the object itself.
                        let k = self.expr(operand);
                        if matches!(k, K::Lock(_) | K::Device | K::Task | K::Unknown) {
                            return k;
                        }
                        self.err_help(
                            span,
                            "`&` is only supported on locks and devices",
                            "pointers to variables are not modelled; pass the value",
                        );
                        return K::Unknown;
                    }
                    UnaryOp::Deref => {
                        self.expr(operand);
                        self.err(span, "dereferencing a pointer is not modelled in scenarios");
                        return K::Unknown;
                    }
                    _ => {}
                }
                let k = self.expr(operand);
                self.value_use(k, operand.span);
                match op {
                    UnaryOp::Not => K::Int,
                    UnaryOp::BitNot if k == K::Gfp => K::Gfp,
                    UnaryOp::Neg => match k {
                        K::Lit(v) => K::Lit(v.wrapping_neg()),
                        _ => K::Int,
                    },
                    _ => match k {
                        K::Gfp => K::Gfp,
                        K::Lit(_) | K::Int => K::Int,
                        other => other,
                    },
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                self.value_use(a, lhs.span);
                self.value_use(b, rhs.span);
                match op {
                    B::BitOr | B::BitAnd | B::BitXor if a == K::Gfp || b == K::Gfp => K::Gfp,
                    B::BitOr | B::BitAnd if a == K::TaskFlags || b == K::TaskFlags => K::TaskFlags,
                    B::BitOr | B::BitAnd if a == K::SlabFlags || b == K::SlabFlags => K::SlabFlags,
                    _ => match (const_int(lhs), const_int(rhs)) {
                        (Some(x), Some(y)) => fold_binary(*op, x, y).map_or(K::Int, K::Lit),
                        _ => K::Int,
                    },
                }
            }
            ExprKind::Assign {
                op: _,
                target,
                value,
            } => {
                let tk = self.expr(target);
                let vk = self.expr(value);
                let res = match &target.kind {
                    ExprKind::Name(n) => n.res.clone(),
                    _ => Res::Unresolved,
                };
                let target_ty = match &res {
                    Res::Local(s) => self.slots.get(*s as usize).cloned(),
                    Res::Global(g) => self.globals.get(*g).map(|(_, t)| t.clone()),
                    Res::Unresolved => None,
                    _ => {
                        self.err(target.span, "only a variable can be assigned to");
                        None
                    }
                };
                if let Some(ty) = target_ty {
                    self.assign_compat(&ty, vk, value.span);
                }
                let me = match res {
                    Res::Local(s) => Some(Holder::Local(self.cur_fn, s)),
                    Res::Global(g) => Some(Holder::Global(g)),
                    _ => None,
                };
                if let Some(me) = me {
                    if let Some(api) = save_call(value) {
                        self.saves.push((me, api));
                    } else if let Some(from) = self.holder_of(value) {
                        self.flows.push((from, me));
                    }
                }
                tk
            }
            ExprKind::IncDec { target, .. } => {
                let k = self.expr(target);
                if let ExprKind::Name(n) = &target.kind
                    && !matches!(n.res, Res::Local(_) | Res::Global(_) | Res::Unresolved)
                {
                    self.err(
                        target.span,
                        "only a variable can be incremented or decremented",
                    );
                }
                k
            }
            ExprKind::Call(_) => self.call(e),
            ExprKind::Ternary { cond, then, els } => {
                self.cond(cond);
                let a = self.expr(then);
                let b = self.expr(els);
                if a == K::Gfp || b == K::Gfp {
                    K::Gfp
                } else if matches!(a, K::Ptr | K::Cache) {
                    a
                } else {
                    b
                }
            }
            ExprKind::Cast { ty, expr } => {
                self.expr(expr);
                type_kind(ty)
            }
            ExprKind::Sizeof(arg) => {
                if let SizeofArg::Expr(x) = &mut **arg {
                    self.expr(x);
                }
                K::Int
            }
        }
    }

    /// A lock/device/task/string used as a plain value is an error.
    fn value_use(&mut self, k: K, span: Span) {
        match k {
            K::Lock(_) | K::Device => self.err_help(
                span,
                "a lock or device cannot be used as a value",
                "pass its address to a builtin, e.g. `spin_lock(&name)`",
            ),
            K::Task => self.err(span, "a task cannot be used as a value"),
            K::Str => self.err(
                span,
                "strings are only allowed as arguments (kmem_cache_create, pr_info, __comm)",
            ),
            K::Void => self.err(span, "this call returns nothing (void)"),
            _ => {}
        }
    }

    /// Can a value of kind `k` be stored in `ty`? Reports swapped kinds.
    fn assign_compat(&mut self, ty: &Type, k: K, span: Span) {
        let want = type_kind(ty);
        let t = ty.display();
        let bad = match (want, k) {
            (_, K::Unknown) | (K::Unknown, _) => false,
            (_, K::Void) => {
                self.err(span, "this call returns nothing (void)");
                return;
            }
            (K::Gfp, K::Lit(v)) => v != 0,
            (_, K::Str | K::Lock(_) | K::Device | K::Task)
            | (K::Gfp, K::Ptr | K::Cache | K::Null)
            | (K::Ptr | K::Cache, K::Gfp) => true,
            (K::Int, K::Gfp) => {
                self.warn(
                    span,
                    format!("a gfp mask stored in `{t}`; declare the variable as `gfp_t`"),
                );
                false
            }
            _ => false,
        };
        if bad {
            let d = k.describe();
            self.err(span, format!("cannot store {d} in `{t}`"));
        }
    }

    fn call(&mut self, e: &mut Expr) -> K {
        let span = e.span;
        let ExprKind::Call(call) = &mut e.kind else {
            return K::Unknown;
        };
        let name = call.name.name.clone();
        // Scenario functions shadow nothing: builtins and functions have distinct names
        // (declaring a function with a builtin's name is an error).
        if let Some(fi) = self.sigs.iter().position(|s| s.name == name) {
            call.callee = Callee::Function(fi);
            let params = self.sigs[fi].params.clone();
            let ret = self.sigs[fi].ret.clone();
            if params.len() != call.args.len() {
                self.err(
                    call.name.span,
                    format!(
                        "`{name}` takes {} argument{}, but {} {} given",
                        params.len(),
                        plural(params.len()),
                        call.args.len(),
                        if call.args.len() == 1 { "was" } else { "were" }
                    ),
                );
            }
            for (i, arg) in call.args.iter_mut().enumerate() {
                let k = self.expr(arg);
                if let Some(pt) = params.get(i) {
                    self.assign_compat(pt, k, arg.span);
                    // Cookie flow: a variable passed to a parameter.
                    if let Some(h) = self.holder_of(arg) {
                        self.flows.push((h, Holder::Local(fi, i as u32)));
                    }
                }
            }
            return type_kind(&ret);
        }
        if let Some(b) = Builtin::from_name(&name) {
            call.callee = Callee::Builtin(b);
            return self.builtin_call(b, &mut call.args, call.name.span, span);
        }
        if self.tasks.contains(&name) {
            self.err_help(
                call.name.span,
                format!("`{name}` is a task, not a function"),
                "tasks are run by the scheduler; an `__idle` task is started with queue_work(), wake_up_process(), napi_schedule() or generic_handle_irq()",
            );
        } else {
            let mut d = Diagnostic::error(
                self.file,
                call.name.span,
                format!("call to undefined function `{name}`"),
            );
            let cands: Vec<&str> = self
                .sigs
                .iter()
                .map(|s| s.name.as_str())
                .chain(crate::scenario::builtins::BUILTINS.iter().map(|b| b.name))
                .collect();
            if let Some(s) = did_you_mean(&name, cands) {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else {
                d = d.with_help("define it in the scenario, or see docs/scenario-language.md for the modelled kernel functions");
            }
            self.diags.push(d);
        }
        for a in &mut call.args {
            self.expr(a);
        }
        K::Unknown
    }

    fn holder_of(&self, e: &Expr) -> Option<Holder> {
        match &e.kind {
            ExprKind::Call(c) => match c.callee {
                Callee::Function(fi) => Some(Holder::Return(fi)),
                _ => None,
            },
            ExprKind::Name(n) => match n.res {
                Res::Local(s) => Some(Holder::Local(self.cur_fn, s)),
                Res::Global(g) => Some(Holder::Global(g)),
                _ => None,
            },
            _ => None,
        }
    }

    // ---- cookies ---------------------------------------------------------------------------

    /// Every restore must be given a variable that holds a cookie: assigned from a save
    /// in the same function, or a parameter some caller passes a cookie to.
    fn cookie_restores(&mut self) {
        let mut cookie: Vec<(Holder, Builtin)> = self.saves.clone();
        // Propagate through parameters until nothing changes (bounded by the flow count).
        for _ in 0..=self.flows.len() {
            let mut changed = false;
            for (from, to) in &self.flows {
                if let Some(api) = cookie.iter().find(|(h, _)| h == from).map(|(_, a)| *a)
                    && !cookie.iter().any(|(h, _)| h == to)
                {
                    cookie.push((*to, api));
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let restores = std::mem::take(&mut self.restores);
        for r in &restores {
            let apis: Vec<Builtin> = cookie
                .iter()
                .filter(|(h, _)| *h == r.holder)
                .map(|(_, a)| *a)
                .collect();
            if apis.is_empty() {
                self.err_help(
                    r.span,
                    format!(
                        "`{}` does not hold a cookie: it is never assigned from a memalloc_*_save() call",
                        r.name
                    ),
                    format!(
                        "{}() must be given the value returned by the matching {}()",
                        r.api.name(),
                        save_for(r.api).name()
                    ),
                );
            } else if r.api != Builtin::FlagsRestore
                && !apis.contains(&save_for(r.api))
                && !apis.contains(&Builtin::FlagsSave)
            {
                let got = apis.first().map_or("?", |a| a.name());
                self.warn(
                    r.span,
                    format!(
                        "`{}` holds the cookie from {got}(), but is restored with {}()",
                        r.name,
                        r.api.name()
                    ),
                );
            }
        }
        let _ = self.n_functions;
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn ret_kind(r: Ret) -> K {
    match r {
        Ret::Void => K::Void,
        Ret::Gfp => K::Gfp,
        Ret::Int | Ret::Addr | Ret::Cookie => K::Int,
        Ret::Ptr | Ret::Page => K::Ptr,
        Ret::Cache => K::Cache,
    }
}

/// If `e` is a call to a `memalloc_*_save()`, which one.
fn save_call(e: &Expr) -> Option<Builtin> {
    match &e.kind {
        ExprKind::Call(c) => {
            let b = Builtin::from_name(&c.name.name)?;
            (b.info().ret == Ret::Cookie).then_some(b)
        }
        _ => None,
    }
}

/// The save matching a restore.
fn save_for(restore: Builtin) -> Builtin {
    match restore {
        Builtin::NofsRestore => Builtin::NofsSave,
        Builtin::NoioRestore => Builtin::NoioSave,
        Builtin::NoreclaimRestore => Builtin::NoreclaimSave,
        Builtin::PinRestore => Builtin::PinSave,
        _ => Builtin::FlagsSave,
    }
}

/// Constant value of an integer expression made of literals, named constants and operators.
fn const_int(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Int(v) => Some(*v),
        ExprKind::Bool(b) => Some(i64::from(*b)),
        ExprKind::Name(n) => match n.res {
            Res::Errno(v) | Res::Const(v) => Some(v),
            Res::Unresolved => {
                names::errno_by_name(&n.ident.name).or_else(|| names::const_by_name(&n.ident.name))
            }
            _ => None,
        },
        ExprKind::Unary { op, operand } => {
            let v = const_int(operand)?;
            match op {
                UnaryOp::Neg => Some(v.wrapping_neg()),
                UnaryOp::Plus => Some(v),
                UnaryOp::Not => Some(i64::from(v == 0)),
                UnaryOp::BitNot => Some(!v),
                _ => None,
            }
        }
        ExprKind::Binary { op, lhs, rhs } => fold_binary(*op, const_int(lhs)?, const_int(rhs)?),
        _ => None,
    }
}

/// `a op b` on constants (`None` on division by zero or a bad shift).
fn fold_binary(op: crate::scenario::ast::BinaryOp, a: i64, b: i64) -> Option<i64> {
    use crate::scenario::ast::BinaryOp as B;
    Some(match op {
        B::Mul => a.wrapping_mul(b),
        B::Div => a.checked_div(b)?,
        B::Rem => a.checked_rem(b)?,
        B::Add => a.wrapping_add(b),
        B::Sub => a.wrapping_sub(b),
        B::Shl => a.checked_shl(u32::try_from(b).ok()?)?,
        B::Shr => a.checked_shr(u32::try_from(b).ok()?)?,
        B::Lt => i64::from(a < b),
        B::Le => i64::from(a <= b),
        B::Gt => i64::from(a > b),
        B::Ge => i64::from(a >= b),
        B::Eq => i64::from(a == b),
        B::Ne => i64::from(a != b),
        B::BitAnd => a & b,
        B::BitXor => a ^ b,
        B::BitOr => a | b,
        B::LogAnd => i64::from(a != 0 && b != 0),
        B::LogOr => i64::from(a != 0 || b != 0),
    })
}

/// Does `st` contain a `return`, or (when `top`, i.e. not inside a nested loop) a `break`?
fn exits(st: &Stmt, top: bool) -> bool {
    match &st.kind {
        StmtKind::Return(_) => true,
        StmtKind::Break => top,
        StmtKind::If { then, els, .. } => {
            exits(then, top) || els.as_ref().is_some_and(|e| exits(e, top))
        }
        StmtKind::Block(b) => b.stmts.iter().any(|s| exits(s, top)),
        StmtKind::While { body, .. }
        | StmtKind::DoWhile { body, .. }
        | StmtKind::For { body, .. } => exits(body, false),
        _ => false,
    }
}

mod calls;
mod decls;

#[cfg(test)]
mod tests;
