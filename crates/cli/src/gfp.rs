//! `gfpscope gfp decode|encode|effective|explain`: GFP masks as a given kernel prints
//! them. Bad input exits with status 2 and one line naming the bad token.

use gfpscope_engine::gfp::expr::{parse_expr, parse_mask};
use gfpscope_engine::gfp::format::{format_pgg_raw, show_gfp_flags_raw};
use gfpscope_engine::gfp::layout::Layout;
use gfpscope_engine::gfp::rules::gfp_zone;
use gfpscope_engine::gfp::view::explain;
use gfpscope_engine::task::{TaskFlags, current_gfp_context};
use gfpscope_engine::version::KernelVersion;

const USAGE: &str = "usage: gfpscope gfp decode MASK [--kernel VERSION]
       gfpscope gfp encode EXPR [--kernel VERSION]
       gfpscope gfp effective EXPR --task PF_FLAG[,PF_FLAG...] [--kernel VERSION]
       gfpscope gfp explain EXPR [--kernel VERSION]";

/// Parsed command line of one `gfp` subcommand.
struct Args {
    positional: Vec<String>,
    kernel: KernelVersion,
    task: Option<TaskFlags>,
}

/// A usage or input error: one line, exit status 2.
struct Fail(String);

fn parse_args(args: &[String], allow_task: bool) -> Result<Args, Fail> {
    let mut positional = Vec::new();
    let mut kernel = KernelVersion::V6_12;
    let mut task = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        match flag {
            "--kernel" | "-k" | "--task" | "-t" => {
                let value = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .cloned()
                        .ok_or_else(|| Fail(format!("option `{flag}` needs a value")))?,
                };
                if matches!(flag, "--kernel" | "-k") {
                    kernel = KernelVersion::parse(&value).map_err(|e| Fail(e.to_string()))?;
                } else if allow_task {
                    task = Some(TaskFlags::parse_list(&value).map_err(|e| Fail(e.to_string()))?);
                } else {
                    return Err(Fail(format!(
                        "option `{flag}` is only valid for `effective`"
                    )));
                }
            }
            f if f.starts_with("--") => return Err(Fail(format!("unknown option `{f}`"))),
            _ => positional.push(arg.clone()),
        }
    }
    Ok(Args {
        positional,
        kernel,
        task,
    })
}

/// The single EXPR/MASK argument; several words are joined (`GFP_KERNEL | __GFP_ZERO`
/// unquoted).
fn one_arg(args: &Args, what: &str) -> Result<String, Fail> {
    if args.positional.is_empty() {
        return Err(Fail(format!(
            "missing {what} (run `gfpscope gfp help` for usage)"
        )));
    }
    Ok(args.positional.join(" "))
}

/// Reject masks `gfp_zone()` would BUG on.
fn check_zone(raw: u32, layout: &Layout) -> Result<(), Fail> {
    let canonical = layout.to_canonical(raw).gfp;
    gfp_zone(canonical)
        .map(|_| ())
        .map_err(|e| Fail(e.to_string()))
}

fn run(args: &[String]) -> Result<Vec<String>, Fail> {
    let Some(cmd) = args.first() else {
        return Err(Fail(
            "missing subcommand: decode, encode, effective or explain".to_owned(),
        ));
    };
    let rest = args.get(1..).unwrap_or_default();
    match cmd.as_str() {
        "decode" => {
            let a = parse_args(rest, false)?;
            let raw = parse_mask(&one_arg(&a, "MASK")?).map_err(|e| Fail(e.to_string()))?;
            let layout = Layout::new(a.kernel);
            check_zone(raw, &layout)?;
            let mut out = vec![format_pgg_raw(raw, &layout)];
            if !layout.has_pgg {
                out.push(format!("tracepoint: {}", show_gfp_flags_raw(raw, &layout)));
            }
            Ok(out)
        }
        "encode" => {
            let a = parse_args(rest, false)?;
            let layout = Layout::new(a.kernel);
            let raw =
                parse_expr(&one_arg(&a, "EXPR")?, &layout).map_err(|e| Fail(e.to_string()))?;
            check_zone(raw, &layout)?;
            let mut out = vec![format_pgg_raw(raw, &layout)];
            if !layout.has_pgg {
                out.push(format!("tracepoint: {}", show_gfp_flags_raw(raw, &layout)));
            }
            Ok(out)
        }
        "effective" => {
            let a = parse_args(rest, true)?;
            let layout = Layout::new(a.kernel);
            let raw =
                parse_expr(&one_arg(&a, "EXPR")?, &layout).map_err(|e| Fail(e.to_string()))?;
            check_zone(raw, &layout)?;
            let Some(task) = a.task else {
                return Err(Fail("missing --task PF_FLAG[,PF_FLAG...]".to_owned()));
            };
            let mut decoded = layout.to_canonical(raw);
            let result = current_gfp_context(decoded.gfp, task);
            decoded.gfp = result.effective;
            let (effective_raw, _) = layout.from_canonical(&decoded);
            let mut out = vec![format_pgg_raw(effective_raw, &layout)];
            for r in &result.removed {
                let name = gfpscope_engine::gfp::flags::flag_info(r.bit)
                    .map_or_else(|| format!("{:#x}", r.bit.0), |i| i.name.to_owned());
                out.push(format!("removed {name} by {}: {}", r.by, r.why));
            }
            Ok(out)
        }
        "explain" => {
            let a = parse_args(rest, false)?;
            let layout = Layout::new(a.kernel);
            let raw =
                parse_expr(&one_arg(&a, "EXPR")?, &layout).map_err(|e| Fail(e.to_string()))?;
            check_zone(raw, &layout)?;
            Ok(explain(raw, a.kernel).lines())
        }
        "-h" | "--help" | "help" => Ok(USAGE.lines().map(str::to_owned).collect()),
        other => Err(Fail(format!(
            "unknown gfp subcommand `{other}` (expected decode, encode, effective or explain)"
        ))),
    }
}

/// Entry point for `gfpscope gfp ARGS...`; returns the exit status.
pub fn main(args: &[String]) -> i32 {
    match run(args) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            0
        }
        Err(Fail(message)) => {
            eprintln!("gfpscope gfp: {message}");
            2
        }
    }
}
