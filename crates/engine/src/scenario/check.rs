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
    device_cycles(&file, &s.devices, c.diags);
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
    task_sanity(&file, &s.tasks, c.diags);
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

    // ---- declarations ---------------------------------------------------------------

    fn duplicate_names(&mut self, s: &Scenario) {
        let mut seen: Vec<(&str, &str, Span)> = Vec::new();
        let all = s
            .functions
            .iter()
            .map(|f| (f.name.name.as_str(), "function", f.name.span))
            .chain(
                s.tasks
                    .iter()
                    .map(|t| (t.name.name.as_str(), "task", t.name.span)),
            )
            .chain(
                s.globals
                    .iter()
                    .map(|g| (g.name.name.as_str(), "global", g.name.span)),
            )
            .chain(
                s.locks
                    .iter()
                    .map(|l| (l.name.name.as_str(), "lock", l.name.span)),
            )
            .chain(
                s.devices
                    .iter()
                    .map(|d| (d.name.name.as_str(), "device", d.name.span)),
            );
        for (name, what, span) in all {
            if let Some((_, prev_what, prev)) = seen.iter().find(|(n, _, _)| *n == name) {
                let msg = format!(
                    "`{name}` is already declared as a {prev_what} at line {}",
                    prev.line
                );
                let _ = what;
                self.err(span, msg);
            } else if names::is_predefined(name) || Builtin::from_name(name).is_some() {
                self.err(
                    span,
                    format!("`{name}` is a predefined kernel name; pick another name"),
                );
            } else {
                seen.push((name, what, span));
            }
        }
    }

    fn global(&mut self, g: &mut crate::scenario::ast::Global) {
        let Some(init) = &mut g.init else { return };
        self.scopes.clear();
        self.slots.clear();
        if let ExprKind::Call(call) = &init.kind
            && Builtin::from_name(&call.name.name) == Some(Builtin::KmemCacheCreate)
            && type_kind(&g.ty) != K::Cache
        {
            let t = g.ty.display();
            self.err(
                g.ty.span,
                format!("kmem_cache_create() returns `struct kmem_cache *`, not `{t}`"),
            );
        }
        let ok_init = match &init.kind {
            ExprKind::Call(call) => {
                Builtin::from_name(&call.name.name) == Some(Builtin::KmemCacheCreate)
            }
            _ => true,
        };
        if !ok_init {
            let span = init.span;
            self.err_help(
                span,
                "a global can only be initialised with a constant or kmem_cache_create()",
                "allocate inside a function or task body",
            );
            return;
        }
        let k = self.expr(init);
        self.assign_compat(&g.ty, k, init.span);
    }

    fn lock_attrs(&mut self, l: &mut crate::scenario::ast::LockDecl) {
        for a in &l.attrs {
            let name = a.name.name.as_str();
            match name {
                "__taken_by_fs_reclaim" => l.taken_by_fs_reclaim = true,
                "__taken_by_reclaim" => l.taken_by_reclaim = true,
                _ => {
                    self.unknown_attr(
                        a.name.span,
                        name,
                        &["__taken_by_fs_reclaim", "__taken_by_reclaim"],
                        "lock",
                    );
                    continue;
                }
            }
            if a.args.is_some() {
                self.err(a.span, format!("`{name}` takes no arguments"));
            }
        }
    }

    fn unknown_attr(&mut self, span: Span, name: &str, known: &[&str], what: &str) {
        let help = match did_you_mean(name, known.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("{what} annotations: {}", known.join(", ")),
        };
        self.err_help(span, format!("unknown {what} annotation `{name}`"), help);
    }

    fn device_attrs(&mut self, d: &mut DeviceDecl, fns: &[(String, usize)]) {
        const KNOWN: &[&str] = &[
            "__runtime_suspended",
            "__memalloc_noio",
            "__backing_store",
            "__parent",
            "__resume",
        ];
        for a in &d.attrs {
            let name = a.name.name.as_str();
            let one_name_arg = |a: &crate::scenario::ast::Attr| -> Option<(String, Span)> {
                match a.args.as_deref() {
                    Some(
                        [
                            Expr {
                                kind: ExprKind::Name(n),
                                span,
                            },
                        ],
                    ) => Some((n.ident.name.clone(), *span)),
                    _ => None,
                }
            };
            match name {
                "__runtime_suspended" | "__memalloc_noio" | "__backing_store" => {
                    if a.args.is_some() {
                        self.err(a.span, format!("`{name}` takes no arguments"));
                    }
                    match name {
                        "__runtime_suspended" => d.runtime_suspended = true,
                        "__memalloc_noio" => d.memalloc_noio = true,
                        _ => d.backing_store = true,
                    }
                }
                "__parent" => match one_name_arg(a) {
                    Some((n, span)) => match self.devices.iter().position(|x| *x == n) {
                        Some(i) => {
                            d.parent = Some((crate::scenario::ast::Ident { name: n, span }, i));
                        }
                        None => self.unknown_name_in(span, &n, "device", &self.devices.clone()),
                    },
                    None => self.err(a.span, "`__parent` takes one device name: `__parent(hub)`"),
                },
                "__resume" => match one_name_arg(a) {
                    Some((n, span)) => {
                        if let Some(i) = fns.iter().position(|(x, _)| *x == n) {
                            if fns[i].1 != 0 {
                                self.err(
                                    span,
                                    format!("resume callback `{n}` must take no parameters"),
                                );
                            }
                            d.resume = Some((crate::scenario::ast::Ident { name: n, span }, i));
                        } else {
                            let names: Vec<String> = fns.iter().map(|(n, _)| n.clone()).collect();
                            self.unknown_name_in(span, &n, "function", &names);
                        }
                    }
                    None => self.err(
                        a.span,
                        "`__resume` takes one function name: `__resume(usb_runtime_resume)`",
                    ),
                },
                _ => self.unknown_attr(a.name.span, name, KNOWN, "device"),
            }
        }
        if d.memalloc_noio && !d.runtime_suspended && d.resume.is_none() {
            // Fine: the flag matters once something suspends it. Nothing to report.
        }
    }

    fn unknown_name_in(&mut self, span: Span, name: &str, what: &str, candidates: &[String]) {
        let mut d = Diagnostic::error(self.file, span, format!("no {what} named `{name}`"));
        if let Some(s) = did_you_mean(name, candidates.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
    }

    fn task_attrs(&mut self, t: &mut TaskDecl) {
        const KNOWN: &[&str] = &["__flags", "__pid", "__comm", "__cpu", "__start", "__idle"];
        let attrs = t.attrs.clone();
        for a in &attrs {
            let name = a.name.name.as_str();
            if !KNOWN.contains(&name) {
                self.unknown_attr(a.name.span, name, KNOWN, "task");
                continue;
            }
            if name == "__idle" {
                if a.args.is_some() {
                    self.err(a.span, "`__idle` takes no arguments");
                }
                t.idle = true;
                continue;
            }
            let Some([arg]) = a.args.as_deref() else {
                self.err(
                    a.span,
                    format!("`{name}` takes one argument, e.g. {}", attr_example(name)),
                );
                continue;
            };
            match name {
                "__flags" => {
                    let mut names_used = Vec::new();
                    if let Some(v) = self.flag_expr(arg, &mut names_used) {
                        t.flags |= v;
                        t.flag_names.extend(names_used);
                    }
                }
                "__comm" => match &arg.kind {
                    ExprKind::Str(s) if s.len() <= MAX_COMM && !s.is_empty() => {
                        t.comm = Some(s.clone());
                    }
                    ExprKind::Str(s) => self.err(
                        arg.span,
                        format!(
                            "comm `{s}` must be 1 to {MAX_COMM} characters (TASK_COMM_LEN is 16)"
                        ),
                    ),
                    _ => self.err(
                        arg.span,
                        "`__comm` takes a string, e.g. `__comm(\"kswapd0\")`",
                    ),
                },
                _ => match const_int(arg) {
                    Some(v) if v >= 0 => match name {
                        "__pid" if (1..=4_194_304).contains(&v) => t.pid = Some(v as u32),
                        "__pid" => self.err(arg.span, "pid must be 1 to 4194304 (PID_MAX_LIMIT)"),
                        "__cpu" if v < 64 => t.cpu = Some(v as u32),
                        "__cpu" => self.err(arg.span, "cpu must be 0 to 63"),
                        _ => t.start = Some(v as u64),
                    },
                    _ => self.err(
                        arg.span,
                        format!("`{name}` takes a non-negative integer constant"),
                    ),
                },
            }
        }
        if t.idle && t.start.is_some() {
            self.err(
                t.name.span,
                "a task cannot be both `__idle` (started by queue_work() etc.) and `__start(N)`",
            );
        }
    }

    /// Evaluates `PF_A | PF_B` (names, integer literals, `|`).
    fn flag_expr(
        &mut self,
        e: &Expr,
        names_used: &mut Vec<crate::scenario::ast::Ident>,
    ) -> Option<u32> {
        match &e.kind {
            ExprKind::Name(n) => {
                if let Some(v) = names::task_flag_by_name(&n.ident.name) {
                    names_used.push(n.ident.clone());
                    Some(v)
                } else {
                    let mut d = Diagnostic::error(
                        self.file,
                        e.span,
                        format!("unknown task flag `{}`", n.ident.name),
                    );
                    if let Some(s) = did_you_mean(&n.ident.name, names::task_flag_names()) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.diags.push(d);
                    None
                }
            }
            ExprKind::Int(v) => u32::try_from(*v).ok(),
            ExprKind::Binary {
                op: crate::scenario::ast::BinaryOp::BitOr,
                lhs,
                rhs,
            } => {
                let a = self.flag_expr(lhs, names_used);
                let b = self.flag_expr(rhs, names_used);
                Some(a? | b?)
            }
            _ => {
                self.err(e.span, "task flags are written `PF_A | PF_B`");
                None
            }
        }
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

    fn builtin_call(&mut self, b: Builtin, args: &mut [Expr], name_span: Span, span: Span) -> K {
        let info = b.info();
        let sig = info.args.iter().find(|s| s.len() == args.len()).copied();
        let Some(sig) = sig else {
            let mut counts: Vec<usize> = info.args.iter().map(|s| s.len()).collect();
            counts.dedup();
            let expected = match counts.as_slice() {
                [n] => format!("{n} argument{}", plural(*n)),
                many => format!(
                    "{} arguments",
                    many.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            };
            self.err(
                name_span,
                format!(
                    "{}() takes {expected}, but {} {} given",
                    info.name,
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
            );
            for a in args.iter_mut() {
                self.expr(a);
            }
            return ret_kind(info.ret);
        };
        for (i, (arg, kind)) in args.iter_mut().zip(sig.iter()).enumerate() {
            self.builtin_arg(b, i, arg, *kind);
        }
        let _ = span;
        ret_kind(info.ret)
    }

    #[allow(clippy::many_single_char_names)]
    fn builtin_arg(&mut self, b: Builtin, i: usize, arg: &mut Expr, kind: ArgKind) {
        let fname = b.name();
        let pos = i + 1;
        match kind {
            ArgKind::Lock(want) => self.lock_arg(b, arg, want),
            ArgKind::Device => {
                let k = self.addr_arg(arg, "device", fname);
                if !matches!(k, K::Device | K::Unknown) {
                    let d = k.describe();
                    self.err(
                        arg.span,
                        format!("{fname}() needs `&device` (a DEFINE_DEVICE), not {d}"),
                    );
                }
            }
            ArgKind::Task => {
                let inner = match &mut arg.kind {
                    ExprKind::Unary {
                        op: UnaryOp::AddrOf,
                        operand,
                    } => operand,
                    _ => arg,
                };
                let k = self.expr(inner);
                if !matches!(k, K::Task | K::Unknown) {
                    let d = k.describe();
                    self.err(
                        inner.span,
                        format!("{fname}() needs the name of a declared task, not {d}"),
                    );
                }
            }
            ArgKind::OutVar => {
                let k = self.expr(arg);
                let is_var = matches!(&arg.kind, ExprKind::Name(n) if matches!(n.res, Res::Local(_) | Res::Global(_) | Res::Unresolved));
                if !is_var {
                    self.err_help(
                        arg.span,
                        format!("argument {pos} of {fname}() must be a variable (it receives the saved irq state)"),
                        "declare `unsigned long flags;` and pass `flags`",
                    );
                } else if k == K::Gfp {
                    self.err(arg.span, "the irq flags variable must be an integer (`unsigned long flags`), not gfp_t");
                }
            }
            ArgKind::Cookie => {
                let k = self.expr(arg);
                match (&arg.kind, self.holder_of(arg)) {
                    (ExprKind::Name(n), Some(h)) => self.restores.push(RestoreSite {
                        holder: h,
                        span: arg.span,
                        name: n.ident.name.clone(),
                        api: b,
                    }),
                    (ExprKind::Name(n), None) if n.res == Res::Unresolved => {}
                    _ => self.err_help(
                        arg.span,
                        format!("{fname}() must be given the variable that holds the cookie from the matching save"),
                        "e.g. `unsigned int nofs = memalloc_nofs_save(); ... memalloc_nofs_restore(nofs);`",
                    ),
                }
                let _ = k;
            }
            ArgKind::Str => {
                let k = self.expr(arg);
                if k != K::Str {
                    self.err(
                        arg.span,
                        format!("argument {pos} of {fname}() must be a string literal"),
                    );
                }
            }
            ArgKind::Any => {
                self.expr(arg);
            }
            ArgKind::Int => {
                let k = self.expr(arg);
                let what = arg_role(b, i);
                match k {
                    K::Gfp => self.err_help(
                        arg.span,
                        format!("argument {pos} of {fname}() is {what}, but this is a gfp mask"),
                        format!("check the argument order: {}", signature(b)),
                    ),
                    K::Str
                    | K::Lock(_)
                    | K::Device
                    | K::Task
                    | K::Void
                    | K::Cache
                    | K::TaskFlags
                    | K::SlabFlags => {
                        let d = k.describe();
                        self.err_help(
                            arg.span,
                            format!("argument {pos} of {fname}() is {what}, not {d}"),
                            signature(b),
                        );
                    }
                    K::Lit(v) if v < 0 && what.contains("order") => {
                        self.err(arg.span, "an order cannot be negative");
                    }
                    _ => {}
                }
            }
            ArgKind::Gfp => {
                let k = self.expr(arg);
                match k {
                    K::Gfp | K::Unknown | K::Int | K::Lit(0) => {}
                    _ => {
                        let d = k.describe();
                        self.err_help(
                            arg.span,
                            format!("argument {pos} of {fname}() is the gfp mask, but this is {d}"),
                            format!("check the argument order: {}", signature(b)),
                        );
                    }
                }
            }
            ArgKind::Ptr => {
                let k = self.expr(arg);
                if matches!(
                    k,
                    K::Gfp
                        | K::Str
                        | K::Lock(_)
                        | K::Device
                        | K::Task
                        | K::Void
                        | K::TaskFlags
                        | K::SlabFlags
                ) {
                    let d = k.describe();
                    self.err(
                        arg.span,
                        format!("argument {pos} of {fname}() is a pointer, not {d}"),
                    );
                }
            }
            ArgKind::Cache => {
                let k = self.expr(arg);
                if !matches!(k, K::Cache | K::Unknown) {
                    let d = k.describe();
                    self.err_help(
                        arg.span,
                        format!("argument {pos} of {fname}() must be a `struct kmem_cache *`, not {d}"),
                        "create one globally: `struct kmem_cache *c = kmem_cache_create(\"name\", size, 0);`",
                    );
                }
            }
            ArgKind::SlabFlags => {
                let k = self.expr(arg);
                if !matches!(k, K::SlabFlags | K::Lit(_) | K::Int | K::Unknown) {
                    let d = k.describe();
                    self.err(
                        arg.span,
                        format!("argument {pos} of {fname}() takes SLAB_* flags, not {d}"),
                    );
                }
            }
            ArgKind::TaskFlags => {
                let k = self.expr(arg);
                if !matches!(k, K::TaskFlags | K::Lit(_) | K::Int | K::Unknown) {
                    let d = k.describe();
                    self.err(
                        arg.span,
                        format!("argument {pos} of {fname}() takes PF_* flags, not {d}"),
                    );
                }
            }
        }
    }

    /// Checks `&name` and returns the kind of `name`.
    fn addr_arg(&mut self, arg: &mut Expr, what: &str, fname: &str) -> K {
        let span = arg.span;
        if let ExprKind::Unary {
            op: UnaryOp::AddrOf,
            operand,
        } = &mut arg.kind
        {
            self.expr(operand)
        } else {
            let k = self.expr(arg);
            if matches!(k, K::Lock(_) | K::Device) {
                let text = match &arg.kind {
                    ExprKind::Name(n) => n.ident.name.clone(),
                    _ => what.to_string(),
                };
                self.err_help(
                    span,
                    format!("{fname}() takes the {what}'s address"),
                    format!("write `&{text}`"),
                );
                return K::Unknown;
            }
            k
        }
    }

    fn lock_arg(&mut self, b: Builtin, arg: &mut Expr, want: LockArg) {
        let fname = b.name();
        let k = self.addr_arg(arg, "lock", fname);
        let want_kind = match want {
            LockArg::Spinlock => LockKind::Spinlock,
            LockArg::Mutex => LockKind::Mutex,
            LockArg::RwSem => LockKind::RwSem,
        };
        match k {
            K::Lock(have) if have == want_kind => {}
            K::Lock(have) => {
                let decl = |k: LockKind| match k {
                    LockKind::Spinlock => "a spinlock (DEFINE_SPINLOCK)",
                    LockKind::Mutex => "a mutex (DEFINE_MUTEX)",
                    LockKind::RwSem => "an rw_semaphore (DECLARE_RWSEM)",
                };
                self.err(
                    arg.span,
                    format!(
                        "{fname}() needs {}, but this is {}",
                        decl(want_kind),
                        decl(have)
                    ),
                );
            }
            K::Unknown => {}
            other => {
                let d = other.describe();
                self.err(
                    arg.span,
                    format!("{fname}() needs `&lock` of a declared lock, not {d}"),
                );
            }
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

/// What integer argument `i` of `b` means, for messages.
fn arg_role(b: Builtin, i: usize) -> &'static str {
    use Builtin as B;
    match (b, i) {
        (
            B::AllocPages | B::FolioAlloc | B::GetFreePages | B::FreePagesStruct | B::FreePagesAddr,
            1,
        ) => "the order",
        (B::Kcalloc | B::KmallocArray | B::Kvcalloc, 0) => "the element count",
        (
            B::Kmalloc
            | B::Kzalloc
            | B::Kvmalloc
            | B::Kvzalloc
            | B::Vmalloc
            | B::Vzalloc
            | B::VmallocGfp,
            0,
        )
        | (B::Kcalloc | B::KmallocArray | B::Kvcalloc | B::KmemCacheCreate, 1) => "the size",
        _ => "an integer",
    }
}

/// `kmalloc(size, gfp)`-style signature text.
fn signature(b: Builtin) -> String {
    let info = b.info();
    let sig = info.args.first().copied().unwrap_or(&[]);
    let parts: Vec<String> = sig
        .iter()
        .enumerate()
        .map(|(i, k)| match k {
            ArgKind::Int => arg_role(b, i)
                .trim_start_matches("the ")
                .trim_start_matches("an ")
                .replace(' ', "_"),
            ArgKind::Gfp => "gfp".to_string(),
            ArgKind::Ptr => "ptr".to_string(),
            ArgKind::Cache => "cache".to_string(),
            ArgKind::Str => "\"name\"".to_string(),
            ArgKind::Lock(_) => "&lock".to_string(),
            ArgKind::Device => "&dev".to_string(),
            ArgKind::Task => "task".to_string(),
            ArgKind::OutVar => "flags".to_string(),
            ArgKind::Cookie => "cookie".to_string(),
            ArgKind::SlabFlags => "SLAB_flags".to_string(),
            ArgKind::TaskFlags => "PF_flags".to_string(),
            ArgKind::Any => "...".to_string(),
        })
        .collect();
    format!("{}({})", info.name, parts.join(", "))
}

fn attr_example(name: &str) -> &'static str {
    match name {
        "__flags" => "`__flags(PF_MEMALLOC | PF_KSWAPD)`",
        "__pid" => "`__pid(42)`",
        "__comm" => "`__comm(\"kswapd0\")`",
        "__cpu" => "`__cpu(0)`",
        _ => "`__start(10)`",
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

/// A device's `__parent` chain must not loop.
fn device_cycles(file: &str, devices: &[DeviceDecl], diags: &mut Vec<Diagnostic>) {
    for (i, d) in devices.iter().enumerate() {
        let mut cur = d.parent.as_ref().map(|(_, p)| *p);
        let mut steps = 0;
        while let Some(p) = cur {
            if p == i {
                diags.push(Diagnostic::error(
                    file,
                    d.name.span,
                    format!(
                        "device `{}` is its own ancestor (`__parent` loop)",
                        d.name.name
                    ),
                ));
                break;
            }
            steps += 1;
            if steps > devices.len() {
                break;
            }
            cur = devices
                .get(p)
                .and_then(|x| x.parent.as_ref().map(|(_, q)| *q));
        }
    }
}

/// Task-level checks: unique pids, flags that contradict the context.
fn task_sanity(file: &str, tasks: &[TaskDecl], diags: &mut Vec<Diagnostic>) {
    for (i, t) in tasks.iter().enumerate() {
        if let Some(pid) = t.pid
            && let Some(other) = tasks[..i].iter().find(|o| o.pid == Some(pid))
        {
            diags.push(Diagnostic::error(
                file,
                t.name.span,
                format!("pid {pid} is already used by task `{}`", other.name.name),
            ));
        }
        if matches!(
            t.kind,
            TaskKind::IrqHandler | TaskKind::Softirq | TaskKind::NapiPoll
        ) && t.flags != 0
        {
            diags.push(Diagnostic::warning(
                file,
                t.name.span,
                format!(
                    "{}: interrupt handlers run on whatever task they interrupt; `__flags` here sets that task's flags",
                    t.kind.keyword()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::ast::{Callee, ExprKind, Res, StmtKind};
    use crate::scenario::{Diagnostic, Severity, parse, parse_with_warnings};

    const XFS: &str = r#"/*
 * title:    XFS create: a NOFS scope around the transaction
 * kernel:   6.12
 */
struct kmem_cache *xfs_trans_cache = kmem_cache_create("xfs_trans", 256, 0);
struct kmem_cache *xfs_inode_cache = kmem_cache_create("xfs_inode", 1024, SLAB_RECLAIM_ACCOUNT);
DEFINE_MUTEX(xfs_ilock) __taken_by_fs_reclaim;

SYSCALL(touch) __pid(100) __comm("touch")
{
	return xfs_create();
}

int xfs_create(void)
{
	struct xfs_trans *tp = kmem_cache_zalloc(xfs_trans_cache, GFP_KERNEL | __GFP_NOFAIL);
	unsigned int nofs = memalloc_nofs_save();	/* xfs_trans_set_context() */

	mutex_lock(&xfs_ilock);
	struct xfs_inode *ip = xfs_inode_alloc(GFP_KERNEL | __GFP_NOFAIL);
	mutex_unlock(&xfs_ilock);

	memalloc_nofs_restore(nofs);
	return ip ? 0 : -ENOMEM;
}

struct xfs_inode *xfs_inode_alloc(gfp_t gfp)
{
	return kmem_cache_alloc(xfs_inode_cache, gfp);
}
"#;

    fn errors(src: &str) -> Vec<Diagnostic> {
        match parse("t.c", src) {
            Ok(_) => Vec::new(),
            Err(d) => d,
        }
    }

    fn one_error(src: &str) -> Diagnostic {
        let d = errors(src);
        assert_eq!(d.len(), 1, "{d:#?}");
        d.into_iter().next().unwrap()
    }

    fn wrap(body: &str) -> String {
        format!("DEFINE_MUTEX(m);\nDEFINE_SPINLOCK(s);\nSYSCALL(t)\n{{\n{body}\n\treturn 0;\n}}\n")
    }

    #[test]
    fn sketch_scenario_resolves() {
        let s = parse("xfs.c", XFS).unwrap();
        assert_eq!(s.tasks[0].pid, Some(100));
        assert_eq!(s.tasks[0].comm.as_deref(), Some("touch"));
        assert!(s.locks[0].taken_by_fs_reclaim);
        let create = &s.functions[0];
        assert_eq!(create.slots.len(), 3); // tp, nofs, ip
        let StmtKind::Return(Some(e)) = &s.tasks[0].entry.body.stmts[0].kind else {
            panic!()
        };
        let ExprKind::Call(c) = &e.kind else { panic!() };
        assert_eq!(c.callee, Callee::Function(0));
        // `gfp` in xfs_inode_alloc is slot 0 (the parameter).
        let StmtKind::Return(Some(e)) = &s.functions[1].body.stmts[0].kind else {
            panic!()
        };
        let ExprKind::Call(c) = &e.kind else { panic!() };
        let ExprKind::Name(n) = &c.args[1].kind else {
            panic!()
        };
        assert_eq!(n.res, Res::Local(0));
    }

    #[test]
    fn unknown_gfp_flag_suggests() {
        let d = one_error(&wrap("\tvoid *p = kmalloc(64, GFP_KERNL);"));
        assert_eq!(d.message, "unknown GFP flag `GFP_KERNL`");
        assert_eq!(d.help.as_deref(), Some("did you mean `GFP_KERNEL`?"));
        assert_eq!((d.line, d.col), (5, 24));
    }

    #[test]
    fn undefined_function_and_arity() {
        let d = errors(&wrap("\tfoo(1);\n\tkmalloc(8);\n\tkfree();"));
        let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "call to undefined function `foo`",
                "kmalloc() takes 2 arguments, but 1 was given",
                "kfree() takes 1 argument, but 0 were given",
            ]
        );
    }

    #[test]
    fn swapped_kmalloc_arguments() {
        let d = errors(&wrap("\tvoid *p = kmalloc(GFP_KERNEL, 64);"));
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(
            d[0].message
                .contains("argument 1 of kmalloc() is the size, but this is a gfp mask")
        );
        assert!(
            d[1].message
                .contains("argument 2 of kmalloc() is the gfp mask")
        );
    }

    #[test]
    fn restore_needs_a_cookie() {
        let d = one_error(&wrap("\tunsigned int x = 3;\n\tmemalloc_nofs_restore(x);"));
        assert!(
            d.message.contains("`x` does not hold a cookie"),
            "{}",
            d.message
        );
        // Through a parameter is fine.
        let ok = "SYSCALL(t) { unsigned int c = memalloc_noio_save(); finish(c); return 0; }\nvoid finish(unsigned int cookie) { memalloc_noio_restore(cookie); }\n";
        assert!(errors(ok).is_empty(), "{:#?}", errors(ok));
        // Mismatched API is a warning.
        let src = wrap("\tunsigned int c = memalloc_noio_save();\n\tmemalloc_nofs_restore(c);");
        let (_, d) = parse_with_warnings("t.c", &src);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
    }

    #[test]
    fn locks_need_address_and_kind() {
        let d = errors(&wrap(
            "\tspin_lock(&m);\n\tmutex_lock(m);\n\tspin_lock(&nope);",
        ));
        let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "spin_lock() needs a spinlock (DEFINE_SPINLOCK), but this is a mutex (DEFINE_MUTEX)",
                "mutex_lock() takes the lock's address",
                "undeclared name `nope`",
            ]
        );
    }

    #[test]
    fn endless_loops_are_rejected() {
        let d = one_error(&wrap("\twhile (1) { kmalloc(8, GFP_KERNEL); }"));
        assert!(d.message.contains("can never end"));
        assert!(errors(&wrap("\tfor (;;) { if (kmalloc(8, GFP_KERNEL)) break; }")).is_empty());
        assert!(
            errors(&wrap(
                "\tint i;\n\tfor (i = 0; i < 4; i++) kmalloc(8, GFP_KERNEL);"
            ))
            .is_empty()
        );
    }

    #[test]
    fn task_annotations() {
        let s = parse(
            "t.c",
            "KTHREAD(kswapd_like) __flags(PF_MEMALLOC | PF_KSWAPD) __pid(7) __start(3) { return 0; }\nWORKQUEUE(w) __idle { return 0; }\nSYSCALL(x) { queue_work(w); return 0; }\n",
        )
        .unwrap();
        assert_eq!(s.tasks[0].flags, 0x800 | 0x20000);
        assert_eq!(s.tasks[0].start, Some(3));
        assert!(s.tasks[1].idle);
        let d = errors("KTHREAD(k) __flags(PF_MEMALOC) __bogus { return 0; }\n");
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `PF_MEMALLOC`?"));
    }

    #[test]
    fn devices() {
        let s = parse(
            "t.c",
            "DEFINE_DEVICE(hub);\nDEFINE_DEVICE(disk) __runtime_suspended __memalloc_noio __backing_store __parent(hub) __resume(disk_resume);\nint disk_resume(void) { kmalloc(2, GFP_KERNEL); return 0; }\nSYSCALL(x) { pm_runtime_get_sync(&disk); return 0; }\n",
        )
        .unwrap();
        let d = &s.devices[1];
        assert!(d.runtime_suspended && d.memalloc_noio && d.backing_store);
        assert_eq!(d.parent.as_ref().map(|p| p.1), Some(0));
        assert_eq!(d.resume.as_ref().map(|r| r.1), Some(0));
    }

    #[test]
    fn cookie_moves_between_variables() {
        // xfs_trans_switch_context(): the new transaction takes the old one's cookie.
        let src = wrap(
            "\tunsigned int tp_pflags = memalloc_nofs_save();\n\tunsigned int ntp_pflags = tp_pflags;\n\ttp_pflags = 0;\n\tmemalloc_nofs_restore(tp_pflags);\n\tmemalloc_nofs_restore(ntp_pflags);",
        );
        assert!(errors(&src).is_empty(), "{:#?}", errors(&src));
    }

    #[test]
    fn cookie_travels_through_return_values() {
        let src = "unsigned int set_ctx(void) { return memalloc_nofs_save(); }\nunsigned int pass(void) { unsigned int c = set_ctx(); return c; }\nSYSCALL(t) { unsigned int c = pass(); memalloc_nofs_restore(c); return 0; }\n";
        assert!(errors(src).is_empty(), "{:#?}", errors(src));
    }

    #[test]
    fn current_flags_and_gfp_context() {
        let s = parse(
            "t.c",
            "gfp_t nfs_io_gfp_mask(void)\n{\n\tgfp_t ret = current_gfp_context(GFP_KERNEL);\n\tif ((current->flags & PF_WQ_WORKER) && ret == GFP_KERNEL)\n\t\tret |= __GFP_NORETRY | __GFP_NOWARN;\n\treturn ret;\n}\nWORKQUEUE(w) { kmalloc(8, nfs_io_gfp_mask()); return 0; }\n",
        )
        .unwrap();
        let StmtKind::If { cond, .. } = &s.functions[0].body.stmts[1].kind else {
            panic!()
        };
        let ExprKind::Binary { lhs, .. } = &cond.kind else {
            panic!()
        };
        let ExprKind::Binary { lhs: cur, .. } = &lhs.kind else {
            panic!()
        };
        let ExprKind::Call(c) = &cur.kind else {
            panic!()
        };
        assert_eq!(
            c.callee,
            Callee::Builtin(crate::scenario::builtins::Builtin::CurrentFlags)
        );
        let d = one_error(&wrap("\tcurrent->flags |= PF_MEMALLOC_NOIO;"));
        assert!(d.message.contains("read-only"));
    }

    #[test]
    fn no_task_is_an_error() {
        let d = one_error("int f(void) { return 0; }\n");
        assert!(d.message.contains("no task"));
    }

    #[test]
    fn several_semantic_errors_in_one_run() {
        let src = wrap("\tkmalloc(8, GFP_KERNL);\n\tfoo();\n\tspin_lock(&m);\n\tint x = y;");
        assert_eq!(errors(&src).len(), 4);
    }

    fn assert_resolved_expr(e: &crate::scenario::ast::Expr, what: &str) {
        use crate::scenario::ast::SizeofArg;
        match &e.kind {
            ExprKind::Name(n) => assert_ne!(n.res, Res::Unresolved, "{what}: {}", n.ident.name),
            ExprKind::Call(c) => {
                assert_ne!(c.callee, Callee::Unresolved, "{what}: {}", c.name.name);
                c.args.iter().for_each(|a| assert_resolved_expr(a, what));
            }
            ExprKind::Unary { operand, .. } => assert_resolved_expr(operand, what),
            ExprKind::Binary { lhs, rhs, .. } => {
                assert_resolved_expr(lhs, what);
                assert_resolved_expr(rhs, what);
            }
            ExprKind::Assign { target, value, .. } => {
                assert_resolved_expr(target, what);
                assert_resolved_expr(value, what);
            }
            ExprKind::IncDec { target, .. } => assert_resolved_expr(target, what),
            ExprKind::Ternary { cond, then, els } => {
                for x in [cond, then, els] {
                    assert_resolved_expr(x, what);
                }
            }
            ExprKind::Cast { expr, .. } => assert_resolved_expr(expr, what),
            ExprKind::Sizeof(arg) => {
                if let SizeofArg::Expr(x) = &**arg {
                    assert_resolved_expr(x, what);
                }
            }
            ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Null | ExprKind::Bool(_) => {}
        }
    }

    fn assert_resolved_stmt(st: &crate::scenario::ast::Stmt, what: &str) {
        match &st.kind {
            StmtKind::Decl(ds) => ds
                .iter()
                .filter_map(|d| d.init.as_ref())
                .for_each(|e| assert_resolved_expr(e, what)),
            StmtKind::Expr(e) | StmtKind::Return(Some(e)) => assert_resolved_expr(e, what),
            StmtKind::If { cond, then, els } => {
                assert_resolved_expr(cond, what);
                assert_resolved_stmt(then, what);
                if let Some(e) = els {
                    assert_resolved_stmt(e, what);
                }
            }
            StmtKind::While { cond, body } | StmtKind::DoWhile { body, cond } => {
                assert_resolved_expr(cond, what);
                assert_resolved_stmt(body, what);
            }
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                if let Some(i) = init {
                    assert_resolved_stmt(i, what);
                }
                cond.iter()
                    .chain(step.iter())
                    .for_each(|e| assert_resolved_expr(e, what));
                assert_resolved_stmt(body, what);
            }
            StmtKind::Block(b) => b.stmts.iter().for_each(|s| assert_resolved_stmt(s, what)),
            StmtKind::Return(None) | StmtKind::Break | StmtKind::Continue | StmtKind::Empty => {}
        }
    }

    /// The ARCHITECTURE.md invariant: a checked scenario has no unresolved name or call.
    #[test]
    fn checked_library_scenarios_are_fully_resolved() {
        for e in crate::scenario::library::LIBRARY {
            let s = parse(&e.file_name(), e.source).unwrap();
            let bodies = s.functions.iter().chain(s.tasks.iter().map(|t| &t.entry));
            for f in bodies {
                f.body
                    .stmts
                    .iter()
                    .for_each(|st| assert_resolved_stmt(st, e.name));
            }
            s.globals
                .iter()
                .filter_map(|g| g.init.as_ref())
                .for_each(|x| assert_resolved_expr(x, e.name));
        }
    }
}
