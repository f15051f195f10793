//! Calls of modelled kernel functions: arity and argument kinds.

use super::{
    ArgKind, Builtin, Checker, Expr, ExprKind, K, LockArg, LockKind, Res, RestoreSite, Span,
    UnaryOp, plural, ret_kind,
};

impl Checker<'_> {
    pub(super) fn builtin_call(
        &mut self,
        b: Builtin,
        args: &mut [Expr],
        name_span: Span,
        span: Span,
    ) -> K {
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
    pub(super) fn builtin_arg(&mut self, b: Builtin, i: usize, arg: &mut Expr, kind: ArgKind) {
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
    pub(super) fn addr_arg(&mut self, arg: &mut Expr, what: &str, fname: &str) -> K {
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

    pub(super) fn lock_arg(&mut self, b: Builtin, arg: &mut Expr, want: LockArg) {
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
