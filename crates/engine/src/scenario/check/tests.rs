//! Tests for `check.rs`.
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
