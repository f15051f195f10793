//! `gfpscope mem ...` end to end: output text and exit status of the built binary.

use std::process::Command;

/// Run `gfpscope mem ARGS`; returns (status, stdout, stderr).
fn mem(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gfpscope"))
        .arg("mem")
        .args(args)
        .output()
        .expect("run gfpscope");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bad(args: &[&str], token: &str) {
    let (code, stdout, stderr) = mem(args);
    assert_eq!(code, 2, "{args:?}: {stdout}");
    assert!(stdout.is_empty(), "{args:?}: {stdout}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(token), "{args:?}: {stderr}");
}

#[test]
fn buddyinfo_of_the_teaching_machine() {
    let (code, stdout, stderr) = mem(&["show", "--view", "buddyinfo"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    // A fresh 6.x x86-64 DMA zone: 3840 managed pages as 1×256 + 1×512 + 3×1024.
    assert_eq!(
        lines[0],
        "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 "
    );
    assert!(lines[1].starts_with("Node 0, zone    DMA32 "));
    assert_eq!(lines.len(), 2);
}

#[test]
fn zoneinfo_of_the_1g_preset_and_sysctl_overrides() {
    let (code, stdout, _) = mem(&["show", "--preset=x86_64-1G", "--view", "zoneinfo"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("Node 0, zone      DMA\n  per-node stats\n"));
    assert!(stdout.contains("\n        managed  247808\n"));
    // min_free_kbytes=1024 → pages_min 256, DMA32 share 256*247808/251648 = 252.
    let (code, stdout, _) = mem(&[
        "show",
        "--preset",
        "x86_64-1G",
        "--view",
        "zoneinfo",
        "--min-free-kbytes",
        "1024",
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\n        min      252\n"), "{stdout}");
}

#[test]
fn all_views_by_default_with_headers() {
    let (code, stdout, _) = mem(&["show", "--preset", "i386-highmem"]);
    assert_eq!(code, 0);
    for v in ["buddyinfo", "pagetypeinfo", "zoneinfo", "slabinfo"] {
        assert!(stdout.contains(&format!("==> /proc/{v} <==\n")), "{v}");
    }
    assert!(stdout.contains("Node 0, zone  HighMem "));
    assert!(stdout.contains("slabinfo - version: 2.1\n"));
}

#[test]
fn presets_are_listed() {
    let (code, stdout, _) = mem(&["presets"]);
    assert_eq!(code, 0);
    assert!(stdout.lines().any(|l| l == "x86_64-64M"));
    assert!(stdout.lines().any(|l| l == "i386-highmem"));
}

#[test]
fn bad_input_is_one_line_and_status_2() {
    bad(&["show", "--preset", "vax"], "vax");
    bad(&["show", "--view", "meminfo"], "meminfo");
    bad(&["show", "--nr-cpus", "many"], "many");
    bad(&["show", "--bogus"], "--bogus");
    bad(&["show", "--preset"], "--preset");
    bad(&["frobnicate"], "frobnicate");
}
