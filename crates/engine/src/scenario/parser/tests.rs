//! Tests for `parser.rs`.
use super::*;

fn parse_ok(src: &str) -> Scenario {
    let (s, d) = parse_file("t.c", src);
    assert!(d.is_empty(), "{d:#?}");
    s
}

#[test]
fn function_and_task() {
    let s = parse_ok(
        "int f(gfp_t gfp, unsigned int n)\n{\n\tvoid *p = kmalloc(n * 8, gfp | __GFP_ZERO); /* t */\n\tif (!p)\n\t\treturn -ENOMEM;\n\treturn 0;\n}\nSYSCALL(open) __pid(100)\n{\n\treturn f(GFP_KERNEL & ~__GFP_FS, 4);\n}\n",
    );
    assert_eq!(s.functions.len(), 1);
    let f = &s.functions[0];
    assert_eq!(f.params.len(), 2);
    assert_eq!(f.params[1].ty.display(), "unsigned int");
    assert_eq!(f.body.stmts.len(), 3);
    assert_eq!(
        f.body.stmts[0].comments.trailing.as_ref().unwrap().text,
        "t"
    );
    assert_eq!(s.tasks.len(), 1);
    assert_eq!(s.tasks[0].kind, TaskKind::Syscall);
    assert_eq!(s.tasks[0].attrs[0].name.name, "__pid");
}

#[test]
fn declarations() {
    let s = parse_ok(
        "struct kmem_cache *c = kmem_cache_create(\"x\", 64, SLAB_RECLAIM_ACCOUNT);\nDEFINE_MUTEX(m) __taken_by_fs_reclaim;\nDEFINE_DEVICE(d) __runtime_suspended __memalloc_noio;\nstatic int g(void);\n",
    );
    assert_eq!(s.globals.len(), 1);
    assert_eq!(s.globals[0].ty.display(), "struct kmem_cache *");
    assert_eq!(s.locks.len(), 1);
    assert_eq!(s.locks[0].attrs.len(), 1);
    assert_eq!(s.devices[0].attrs.len(), 2);
}

#[test]
fn precedence() {
    let s =
        parse_ok("int f(void) { return (GFP_NOFS | __GFP_NOFAIL) & ~__GFP_NOWARN == 1 + 2 * 3; }");
    let StmtKind::Return(Some(e)) = &s.functions[0].body.stmts[0].kind else {
        panic!()
    };
    // `&` binds looser than `==`: (A) & (~B == 1 + 2*3)
    let ExprKind::Binary { op, rhs, .. } = &e.kind else {
        panic!()
    };
    assert_eq!(*op, BinaryOp::BitAnd);
    assert!(matches!(
        rhs.kind,
        ExprKind::Binary {
            op: BinaryOp::Eq,
            ..
        }
    ));
}

#[test]
fn several_errors_with_recovery() {
    let (_, d) = parse_file(
        "t.c",
        "int f(void)\n{\n\tint x = ;\n\tkmalloc(8 GFP_KERNEL);\n\treturn 0;\n}\nint g(void) { return 1 }\nSYSCALL(s) { f(); }\n",
    );
    let lines: Vec<u32> = d.iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![3, 4, 7], "{d:#?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut src = String::from("int f(void) { return ");
    src.push_str(&"(".repeat(5000));
    src.push('1');
    src.push_str(&")".repeat(5000));
    src.push_str("; }");
    let (_, d) = parse_file("t.c", &src);
    assert!(d.iter().any(|d| d.message.contains("nesting too deep")));
    let mut src = String::from("int f(void) ");
    src.push_str(&"{ if (1) ".repeat(3000));
    let (_, d) = parse_file("t.c", &src);
    assert!(d.iter().any(|d| d.message.contains("nesting too deep")));
}

#[test]
fn base_type_words_in_any_order() {
    let words = ["unsigned", "long", "long", "int"];
    // Every permutation of the four words is the same type.
    let mut seen = 0;
    for a in 0..4 {
        for b in 0..4 {
            for c in 0..4 {
                for d in 0..4 {
                    let idx = [a, b, c, d];
                    if (0..4).all(|i| idx.contains(&i)) {
                        let w: Vec<&str> = idx.iter().map(|&i| words[i]).collect();
                        assert_eq!(base_type(&w), Some(BaseType::UnsignedLongLong), "{w:?}");
                        seen += 1;
                    }
                }
            }
        }
    }
    assert_eq!(seen, 24);
    assert_eq!(base_type(&["signed", "char"]), Some(BaseType::Char));
    assert_eq!(base_type(&["long", "int", "signed"]), Some(BaseType::Long));
    assert_eq!(base_type(&["signed"]), Some(BaseType::Int));
    assert_eq!(
        base_type(&["long", "unsigned", "long", "int", "long"]),
        None
    );
    assert_eq!(base_type(&["int", "char"]), None);
}
