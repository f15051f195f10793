//! Declarations: duplicate names, globals, and the annotations of locks, devices and tasks.

use super::{
    Builtin, Checker, DeviceDecl, Diagnostic, Expr, ExprKind, K, MAX_COMM, Scenario, Span,
    TaskDecl, TaskKind, const_int, did_you_mean, names, type_kind,
};

impl Checker<'_> {
    pub(super) fn duplicate_names(&mut self, s: &Scenario) {
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

    pub(super) fn global(&mut self, g: &mut crate::scenario::ast::Global) {
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

    pub(super) fn lock_attrs(&mut self, l: &mut crate::scenario::ast::LockDecl) {
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

    pub(super) fn unknown_attr(&mut self, span: Span, name: &str, known: &[&str], what: &str) {
        let help = match did_you_mean(name, known.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("{what} annotations: {}", known.join(", ")),
        };
        self.err_help(span, format!("unknown {what} annotation `{name}`"), help);
    }

    pub(super) fn device_attrs(&mut self, d: &mut DeviceDecl, fns: &[(String, usize)]) {
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

    pub(super) fn unknown_name_in(
        &mut self,
        span: Span,
        name: &str,
        what: &str,
        candidates: &[String],
    ) {
        let mut d = Diagnostic::error(self.file, span, format!("no {what} named `{name}`"));
        if let Some(s) = did_you_mean(name, candidates.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
    }

    pub(super) fn task_attrs(&mut self, t: &mut TaskDecl) {
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
    pub(super) fn flag_expr(
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

/// A device's `__parent` chain must not loop.
pub(super) fn device_cycles(file: &str, devices: &[DeviceDecl], diags: &mut Vec<Diagnostic>) {
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
pub(super) fn task_sanity(file: &str, tasks: &[TaskDecl], diags: &mut Vec<Diagnostic>) {
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
