//! `gfpscope scenarios` and `gfpscope check`, run as a user would.

mod common;

use common::gfpscope;

fn write_tmp(name: &str, text: &str) -> std::path::PathBuf {
    common::write_tmp("gfpscope-cli-test", name, text)
}

#[test]
fn scenarios_lists_name_and_title_default_first() {
    let out = gfpscope(&["scenarios"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 14, "{text}");
    assert!(lines[0].starts_with("xfs_create "), "{}", lines[0]);
    assert!(lines[0].contains("NOFS scope"), "{}", lines[0]);
    for name in [
        "open_baseline",
        "xfs_trans_roll_6_1 ",
        "usbnet_rx ",
        "thp_fault",
        "kvmalloc_fallback",
    ] {
        assert!(lines.iter().any(|l| l.starts_with(name)), "missing {name}");
    }
    // Name, two or more spaces, title.
    assert!(lines.iter().all(|l| {
        l.split_once("  ")
            .is_some_and(|(_, t)| !t.trim().is_empty())
    }));
}

#[test]
fn scenarios_long_shows_teaching_point_and_source() {
    let out = gfpscope(&["scenarios", "--long"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("teaches: xfs_trans_alloc() opens a memalloc_nofs_save() scope"));
    assert!(text.contains("source:  fs/xfs/xfs_trans.c"));
}

#[test]
fn check_accepts_every_builtin_by_name() {
    let out = gfpscope(&["check", "xfs_create", "usbnet_rx", "runtime_pm_resume"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.contains("xfs_create.c: ok"));
}

#[test]
fn check_good_file_exits_0() {
    let path = write_tmp(
        "good.c",
        "/*\n * title: good\n */\nSYSCALL(t)\n{\n\tvoid *p = kmalloc(64, GFP_KERNEL);\n\tkfree(p);\n\treturn 0;\n}\n",
    );
    let out = gfpscope(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_bad_file_prints_every_diagnostic_and_exits_1() {
    let path = write_tmp(
        "bad.c",
        "/*\n * title: bad\n * seed: x\n */\nSYSCALL(t)\n{\n\tvoid *p = kmalloc(64, GFP_KERNL);\n\tfoo();\n\treturn 0;\n}\n",
    );
    let p = path.to_str().unwrap();
    let out = gfpscope(&["check", p]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        format!("{p}:3:10: error: bad seed `x`: expected an unsigned integer")
    );
    assert!(err.contains(&format!("{p}:7:24: error: unknown GFP flag `GFP_KERNL`")));
    assert!(err.contains("    7 | \tvoid *p = kmalloc(64, GFP_KERNL);"));
    assert!(err.contains("      | \t                      ^~~~~~~~~"));
    assert!(err.contains("help: did you mean `GFP_KERNEL`?"));
    assert!(err.contains(&format!("{p}:8:2: error: call to undefined function `foo`")));
    assert!(err.contains("3 errors"));
}

#[test]
fn check_missing_file_exits_2() {
    let out = gfpscope(&["check", "/nonexistent/scenario.c"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
