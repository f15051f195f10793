//! `gfpscope gfp ...` end to end: output text and exit status of the built binary.

use std::process::Command;

/// Run `gfpscope gfp ARGS`; returns (status, stdout, stderr).
fn gfp(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gfpscope"))
        .arg("gfp")
        .args(args)
        .output()
        .expect("run gfpscope");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Assert success with exactly these stdout lines.
fn ok(args: &[&str], want: &[&str]) {
    let (code, stdout, stderr) = gfp(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), want, "{args:?}");
}

/// Assert exit status 2 and a one-line message containing `token`.
fn bad(args: &[&str], token: &str) {
    let (code, stdout, stderr) = gfp(args);
    assert_eq!(code, 2, "{args:?}: {stdout}");
    assert!(stdout.is_empty(), "{args:?}: {stdout}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(token), "{args:?}: {stderr}");
}

#[test]
fn decode_as_the_kernel_printed_it() {
    ok(
        &["decode", "0x6000c0", "--kernel", "4.19"],
        &["0x6000c0(GFP_KERNEL)"],
    );
    ok(&["decode", "0xcc0"], &["0xcc0(GFP_KERNEL)"]);
    ok(
        &["decode", "0x14000c0", "--kernel", "4.16.0-rc5+"],
        &["0x14000c0(GFP_KERNEL)"],
    );
    ok(
        &["decode", "0x1100cca", "--kernel=5.15.0-1041-azure"],
        &["0x1100cca(GFP_HIGHUSER_MOVABLE)"],
    );
    ok(
        &["decode", "0x140dca", "--kernel", "6.16"],
        &["0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP)"],
    );
    ok(&["decode", "0"], &["0x0()"]);
    ok(
        &["decode", "0x24000c2", "--kernel", "4.4.114+"],
        &["0x24000c2", "tracepoint: GFP_KERNEL|0x2"],
    );
}

#[test]
fn encode_expressions() {
    ok(
        &["encode", "GFP_KERNEL | __GFP_ZERO"],
        &["0xdc0(GFP_KERNEL|__GFP_ZERO)"],
    );
    ok(
        &["encode", "(GFP_NOFS | __GFP_NOFAIL) & ~__GFP_NOWARN"],
        &["0x8c40(GFP_NOFS|__GFP_NOFAIL)"],
    );
    ok(
        &["encode", "GFP_KERNEL", "--kernel", "4.19"],
        &["0x6000c0(GFP_KERNEL)"],
    );
    // Unquoted words are joined.
    ok(
        &["encode", "GFP_ATOMIC", "|", "__GFP_NOWARN"],
        &["0x2820(GFP_ATOMIC|__GFP_NOWARN)"],
    );
}

#[test]
fn effective_applies_current_gfp_context() {
    let (code, stdout, _) = gfp(&["effective", "GFP_KERNEL", "--task", "PF_MEMALLOC_NOFS"]);
    assert_eq!(code, 0);
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines[0], "0xc40(GFP_NOFS)");
    assert!(lines[1].starts_with("removed __GFP_FS by PF_MEMALLOC_NOFS: "));
    let (_, stdout, _) = gfp(&[
        "effective",
        "GFP_HIGHUSER_MOVABLE",
        "--task",
        "PF_MEMALLOC_NOIO,PF_MEMALLOC_PIN",
    ]);
    assert_eq!(
        stdout.lines().next(),
        Some("0x100c02(GFP_NOIO|__GFP_HIGHMEM|__GFP_HARDWALL)")
    );
    assert_eq!(stdout.lines().count(), 4);
    ok(
        &["effective", "GFP_ATOMIC", "--task", "PF_MEMALLOC_NOFS"],
        &["0x820(GFP_ATOMIC)"],
    );
}

#[test]
fn explain_reports_bits_and_consequences() {
    let (code, stdout, _) = gfp(&["explain", "GFP_NOFS"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("0xc40(GFP_NOFS) (Linux 6.12)\n"));
    assert!(stdout.contains("__GFP_IO"));
    assert!(stdout.contains("may sleep:           yes"));
    assert!(stdout.contains("may enter the fs:    no"));
    assert!(stdout.contains("zones (x86-64):      Normal -> DMA32 -> DMA"));
    assert!(stdout.contains("OOM killer:          not invoked: no __GFP_FS"));
    let (_, stdout, _) = gfp(&["explain", "GFP_HIGHUSER_MOVABLE"]);
    assert!(stdout.contains("Movable -> Normal -> DMA32 -> DMA"));
    assert!(stdout.contains("migratetype:         Movable"));
}

#[test]
fn bad_input_exits_2_naming_the_token() {
    bad(&["decode", "0xzz"], "0xzz");
    bad(&["decode", "0xcc0", "--kernel", "banana"], "banana");
    bad(&["encode", "GFP_KERNEL | __GFP_NOWRN"], "__GFP_NOWRN");
    bad(&["encode", "GFP_KERNEL | __GFP_COLD"], "__GFP_COLD");
    bad(
        &["encode", "GFP_DMA | __GFP_HIGHMEM"],
        "__GFP_DMA|__GFP_HIGHMEM",
    );
    bad(
        &["effective", "GFP_KERNEL", "--task", "PF_BOGUS"],
        "PF_BOGUS",
    );
    bad(&["effective", "GFP_KERNEL"], "--task");
    bad(&["explain", "(GFP_KERNEL"], "column 12");
    bad(&["frobnicate"], "frobnicate");
    bad(&["decode"], "MASK");
    bad(&["encode", "GFP_KERNEL", "--bogus"], "--bogus");
}
