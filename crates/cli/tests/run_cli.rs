//! `gfpscope run`, run as a user would.

use std::process::Output;

mod common;

use common::gfpscope;

fn write_tmp(name: &str, text: &str) -> std::path::PathBuf {
    common::write_tmp("gfpscope-run-test", name, text)
}

fn json_lines(out: &Output) -> Vec<serde_json::Map<String, serde_json::Value>> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| match serde_json::from_str(l) {
            Ok(serde_json::Value::Object(m)) => m,
            other => panic!("not a JSON object: {l} ({other:?})"),
        })
        .collect()
}

fn str_field<'a>(m: &'a serde_json::Map<String, serde_json::Value>, k: &str) -> &'a str {
    m.get(k).and_then(serde_json::Value::as_str).unwrap_or("")
}

#[test]
fn json_trace_has_the_promised_fields_and_kinds() {
    let lines = json_lines(&gfpscope(&["run", "xfs_create", "--json"]));
    assert!(!lines.is_empty());
    for m in &lines {
        for k in ["step", "kind", "task", "function", "line", "text"] {
            assert!(m.contains_key(k), "missing {k}: {m:?}");
        }
        assert!(m["step"].is_u64());
        let kind = str_field(m, "kind");
        assert!(
            !kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "kind not snake_case: {kind}"
        );
    }
    let allocs: Vec<_> = lines
        .iter()
        .filter(|m| str_field(m, "kind") == "alloc")
        .collect();
    assert_eq!(allocs.len(), 3);
    for a in &allocs {
        for k in ["requested_gfp", "effective_gfp"] {
            let v = str_field(a, k);
            assert!(
                v.starts_with("0x") && u32::from_str_radix(&v[2..], 16).is_ok(),
                "{k}={v}"
            );
        }
    }
    let inode = allocs
        .iter()
        .find(|a| str_field(a, "function") == "xfs_inode_alloc")
        .unwrap();
    assert_eq!(str_field(inode, "requested_gfp"), "0x8cc0");
    assert_eq!(str_field(inode, "effective_gfp"), "0x8c40");
    assert!(inode["line"].is_u64());
    let kinds: Vec<&str> = lines.iter().map(|m| str_field(m, "kind")).collect();
    for k in ["scope_save", "scope_restore", "alloc_ok", "task_exit"] {
        assert!(kinds.contains(&k), "no {k} in {kinds:?}");
    }
    // Steps never go backwards.
    let steps: Vec<u64> = lines.iter().map(|m| m["step"].as_u64().unwrap()).collect();
    assert!(steps.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn bugs_and_skips_carry_their_reason_fields() {
    let lines = json_lines(&gfpscope(&["run", "usbnet_rx_sleep_in_atomic", "--json"]));
    let bug = lines
        .iter()
        .find(|m| str_field(m, "kind") == "bug")
        .expect("a bug line");
    assert_eq!(str_field(bug, "bug"), "sleep_in_atomic");
    assert_eq!(str_field(bug, "function"), "rx_submit");
    let lines = json_lines(&gfpscope(&["run", "thp_fault", "--json"]));
    let skip = lines
        .iter()
        .find(|m| str_field(m, "kind") == "reclaim_skip")
        .expect("a reclaim_skip line");
    assert!(!str_field(skip, "what").is_empty());
    assert!(!str_field(skip, "missing_flag").is_empty());
    assert!(lines.iter().any(|m| str_field(m, "kind") == "compaction"));
}

#[test]
fn same_seed_same_trace_and_until_stops_early() {
    let a = gfpscope(&["run", "usbnet_rx", "--json", "--seed", "5"]);
    let b = gfpscope(&["run", "usbnet_rx", "--json", "--seed=5"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let lines = json_lines(&gfpscope(&["run", "usbnet_rx", "--json", "--until", "10"]));
    assert!(lines.iter().all(|m| m["step"].as_u64().unwrap() <= 10));
    let text = String::from_utf8(gfpscope(&["run", "xfs_create", "--until", "5"]).stdout).unwrap();
    assert!(text.contains("-- stopped after 5 steps"), "{text}");
}

#[test]
fn readable_trace_shows_each_statement_and_its_events() {
    let out = gfpscope(&["run", "xfs_create"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("step ") && l.contains("memalloc_nofs_save()")),
        "{text}"
    );
    assert!(text.contains("scope_save"));
    assert!(text.contains("0x8c40(GFP_NOFS|__GFP_NOFAIL)"), "{text}");
    assert!(
        text.trim_end()
            .lines()
            .any(|l| l.starts_with("-- finished after "))
    );
}

#[test]
fn a_file_runs_and_bad_input_is_a_diagnostic_not_a_panic() {
    let good = write_tmp(
        "good.c",
        "/*\n * title: t\n */\nSYSCALL(t)\n{\n\tvoid *p = kmalloc(64, GFP_KERNEL);\n\tkfree(p);\n\treturn 0;\n}\n",
    );
    let lines = json_lines(&gfpscope(&["run", good.to_str().unwrap(), "--json"]));
    assert!(lines.iter().any(|m| str_field(m, "kind") == "alloc"));

    let bad = write_tmp(
        "bad.c",
        "SYSCALL(t)\n{\n\treturn kmalloc(64, GFP_KERNAL);\n}\n",
    );
    let out = gfpscope(&["run", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.c:3:"), "{err}");
    assert!(err.contains("error:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let out = gfpscope(&["run", "no_such_scenario"]);
    assert_eq!(out.status.code(), Some(2));
    let out = gfpscope(&["run", "xfs_create", "--seed", "banana"]);
    assert_eq!(out.status.code(), Some(2));
    let out = gfpscope(&["run"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_runaway_loop_ends_with_a_located_step_limit() {
    let f = write_tmp(
        "spin.c",
        "/*\n * title: spin\n * step_limit: 200\n */\nSYSCALL(t)\n{\n\tint i = 0;\n\twhile (i < 5)\n\t\ti = i * 1;\n\treturn 0;\n}\n",
    );
    let lines = json_lines(&gfpscope(&["run", f.to_str().unwrap(), "--json"]));
    let last = lines
        .iter()
        .find(|m| str_field(m, "kind") == "step_limit")
        .unwrap();
    assert_eq!(last["step"].as_u64(), Some(200));
    assert!(str_field(last, "text").contains("spin.c:"), "{last:?}");
}
