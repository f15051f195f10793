//! Helpers shared by the CLI's integration tests.

use std::process::{Command, Output};

/// Runs the `gfpscope` binary with `args`, as a user would.
pub fn gfpscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gfpscope"))
        .args(args)
        .output()
        .expect("run gfpscope")
}

/// Writes `text` to a file called `name` in a per-process temporary folder whose name
/// starts with `prefix`, and returns its path.
pub fn write_tmp(prefix: &str, name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
