//! `gfpscope run FILE|NAME [--json] [--seed N] [--until STEP]`: run a scenario and
//! print its trace.
//!
//! The readable trace shows every step: the task, the function and line, the
//! source statement, and the events the step produced. With `--json` it prints
//! one JSON object per log entry instead, with at least `step`, `kind`, `task`,
//! `function`, `line` and `text`, plus the entry's structured fields
//! (`requested_gfp`/`effective_gfp` as hex strings, `what`/`missing_flag` for
//! `reclaim_skip`, `reason` for `oom_skip`, `bug` for `bug`, ...).
//!
//! Exit status: 0 after a run (simulated failures are events, not errors);
//! 1 with diagnostics for a scenario that does not parse or check; 2 for bad
//! command-line usage.

use std::fmt::Write as _;
use std::io::Write as _;

use gfpscope_engine::scenario::Run;

const USAGE: &str = "usage: gfpscope run FILE|NAME [--json] [--seed N] [--until STEP]";

/// Parsed command line of `gfpscope run`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Opts {
    target: String,
    json: bool,
    seed: Option<u64>,
    until: Option<u64>,
}

#[allow(clippy::many_single_char_names)]
fn parse_args(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => o.json = true,
            "--seed" | "--until" => {
                let Some(v) = it.next() else {
                    return Err(format!("{a} needs a number"));
                };
                let n = parse_u64(v).ok_or_else(|| format!("{a}: `{v}` is not a number"))?;
                if a == "--seed" {
                    o.seed = Some(n);
                } else {
                    o.until = Some(n);
                }
            }
            s if s.starts_with("--seed=") || s.starts_with("--until=") => {
                let (k, v) = s.split_once('=').unwrap_or((s, ""));
                let n = parse_u64(v).ok_or_else(|| format!("{k}: `{v}` is not a number"))?;
                if k == "--seed" {
                    o.seed = Some(n);
                } else {
                    o.until = Some(n);
                }
            }
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option `{s}`")),
            s => {
                if !o.target.is_empty() {
                    return Err(format!("unexpected argument `{s}`"));
                }
                o.target = s.to_string();
            }
        }
    }
    if o.target.is_empty() {
        return Err("missing FILE or NAME".into());
    }
    Ok(o)
}

fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else {
        s.parse().ok()
    }
}

/// Loads the scenario text: a file if one exists at `target`, else a built-in by name.
fn load(target: &str) -> Result<(String, String), String> {
    let path = std::path::Path::new(target);
    if path.is_file() {
        return std::fs::read_to_string(path)
            .map(|src| (target.to_string(), src))
            .map_err(|e| format!("cannot read {target}: {e}"));
    }
    if let Some(e) = gfpscope_engine::scenario::library::get(target) {
        return Ok((e.file_name(), e.source.to_string()));
    }
    Err(format!(
        "no such file or built-in scenario: `{target}` (list the built-ins with `gfpscope scenarios`)"
    ))
}

/// Entry point: returns the process exit status.
#[must_use]
pub fn main(args: &[String]) -> i32 {
    let opts = match parse_args(args) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("gfpscope run: {msg}");
            }
            eprintln!("{USAGE}");
            return 2;
        }
    };
    let (file, src) = match load(&opts.target) {
        Ok(x) => x,
        Err(msg) => {
            eprintln!("gfpscope run: {msg}");
            return 2;
        }
    };
    let run = match opts.seed {
        Some(seed) => Run::with_seed(&file, &src, seed),
        None => Run::new(&file, &src),
    };
    let mut run = match run {
        Ok(r) => r,
        Err(diags) => {
            for d in &diags {
                eprintln!("{}", d.render(&src));
            }
            eprintln!(
                "{}: {} error{}",
                file,
                diags.len(),
                if diags.len() == 1 { "" } else { "s" }
            );
            return 1;
        }
    };
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let text = if opts.json {
        match opts.until {
            Some(u) => run.seek(u),
            None => run.run_to_end(),
        }
        json_trace(&run)
    } else {
        readable_trace(&mut run, opts.until)
    };
    if w.write_all(text.as_bytes())
        .and_then(|()| w.flush())
        .is_err()
    {
        // A closed pipe (`| head`) is not an error worth a message.
        return 0;
    }
    0
}

/// One JSON object per log entry.
#[must_use]
pub fn json_trace(run: &Run) -> String {
    let mut out = String::new();
    for (i, e) in run.log().iter().enumerate() {
        let mut m = serde_json::Map::new();
        m.insert("step".into(), e.step.into());
        m.insert("kind".into(), e.kind.clone().into());
        m.insert("task".into(), e.task.clone().into());
        m.insert(
            "function".into(),
            e.function
                .clone()
                .map_or(serde_json::Value::Null, serde_json::Value::from),
        );
        m.insert(
            "line".into(),
            e.line
                .map_or(serde_json::Value::Null, serde_json::Value::from),
        );
        m.insert("text".into(), e.text.clone().into());
        if let Some(fields) = run.log_fields().get(i) {
            for (k, v) in fields {
                if !m.contains_key(k) {
                    m.insert(k.to_string(), v.clone().into());
                }
            }
        }
        let _ = writeln!(out, "{}", serde_json::Value::Object(m));
    }
    out
}

/// The readable trace: one block per step.
fn readable_trace(run: &mut Run, until: Option<u64>) -> String {
    let mut out = String::new();
    let src_lines: Vec<String> = run.source().lines().map(str::to_string).collect();
    let (a, b) = run.log_range(0);
    if b > a {
        let _ = writeln!(out, "step 0 (boot)");
        for e in run.log().get(a..b).unwrap_or(&[]) {
            let _ = writeln!(out, "    {:<14} {}", e.kind, e.text);
        }
    }
    loop {
        if until.is_some_and(|u| run.current_step() >= u) {
            break;
        }
        // What will run: the statement of the task about to step.
        if !run.step() {
            break;
        }
        let step = run.current_step();
        let (task, func, line) = run.executed().unwrap_or_default();
        let _ = write!(out, "step {step:<5} {task:<16}");
        if let (Some(func), Some(line)) = (func, line) {
            let stmt = src_lines
                .get((line as usize).saturating_sub(1))
                .map_or("", |s| s.trim());
            let _ = write!(out, " {func}:{line}  {stmt}");
        } else if let Some(func) = run.executed().and_then(|e| e.1) {
            let _ = write!(out, " {func}()");
        }
        let _ = writeln!(out);
        for e in run.events() {
            let who = if e.task == task {
                String::new()
            } else {
                format!("[{}] ", e.task)
            };
            for (i, l) in e.text.lines().enumerate() {
                let kind = if i == 0 { e.kind.as_str() } else { "" };
                let _ = writeln!(out, "    {kind:<14} {who}{l}");
            }
        }
    }
    let v = run.view();
    let _ = writeln!(
        out,
        "-- {} after {} steps",
        if v.finished { "finished" } else { "stopped" },
        v.step
    );
    for t in &v.tasks {
        let _ = writeln!(out, "   {} [{}] {}: {}", t.comm, t.pid, t.context, t.state);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_string()).collect()
    }

    #[test]
    fn options_parse_in_any_order() {
        let o = parse_args(&args(&["--seed", "7", "x.c", "--json", "--until=12"])).unwrap();
        assert_eq!(
            o,
            Opts {
                target: "x.c".into(),
                json: true,
                seed: Some(7),
                until: Some(12)
            }
        );
        assert_eq!(
            parse_args(&args(&["--seed", "0x10", "a"])).unwrap().seed,
            Some(16)
        );
    }

    #[test]
    fn bad_usage_is_an_error_message() {
        assert!(parse_args(&args(&[])).is_err());
        assert!(parse_args(&args(&["a", "b"])).is_err());
        assert!(parse_args(&args(&["a", "--seed"])).is_err());
        assert!(parse_args(&args(&["a", "--seed", "x"])).is_err());
        assert!(parse_args(&args(&["a", "--bogus"])).is_err());
    }
}
