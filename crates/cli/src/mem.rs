//! `gfpscope mem show|presets`: a preset machine's /proc views as the 6.12 kernel prints
//! them. Bad input exits with status 2 and one line naming the bad token.

use gfpscope_engine::mem::procfs::ProcView;
use gfpscope_engine::mem::{Machine, MachineConfig, MinFreeKbytes, PRESETS};

const USAGE: &str =
    "usage: gfpscope mem show [--preset NAME] [--view buddyinfo|zoneinfo|pagetypeinfo|slabinfo|all]
                         [--nr-cpus N] [--min-free-kbytes N] [--watermark-scale-factor N] [--no-thp]
       gfpscope mem presets";

/// A usage or input error: one line, exit status 2.
struct Fail(String);

/// `gfpscope mem ARGS`; returns the exit status.
pub fn main(args: &[String]) -> i32 {
    let result = match args.first().map(String::as_str) {
        Some("show") => show(args.get(1..).unwrap_or_default()),
        Some("presets") if args.len() == 1 => Ok(PRESETS.join("\n") + "\n"),
        Some("-h" | "--help" | "help") => Ok(format!("{USAGE}\n")),
        Some(other) => Err(Fail(format!(
            "unknown `mem` command `{other}` (expected show or presets)"
        ))),
        None => Err(Fail(USAGE.to_string())),
    };
    match result {
        Ok(text) => {
            print!("{text}");
            0
        }
        Err(Fail(msg)) => {
            eprintln!("gfpscope mem: {msg}");
            2
        }
    }
}

fn parse_num(flag: &str, value: &str) -> Result<u64, Fail> {
    value
        .parse::<u64>()
        .map_err(|_| Fail(format!("option `{flag}` needs a number, got `{value}`")))
}

fn show(args: &[String]) -> Result<String, Fail> {
    let mut preset = "x86_64-64M".to_string();
    let mut views: Vec<ProcView> = ProcView::ALL.to_vec();
    let mut nr_cpus = None;
    let mut min_free = None;
    let mut scale = None;
    let mut thp = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        if flag == "--no-thp" {
            thp = Some(false);
            continue;
        }
        if !flag.starts_with('-') {
            return Err(Fail(format!("unexpected argument `{flag}`")));
        }
        let known = [
            "--preset",
            "--view",
            "--nr-cpus",
            "--min-free-kbytes",
            "--watermark-scale-factor",
        ];
        if !known.contains(&flag) {
            return Err(Fail(format!("unknown option `{flag}`")));
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| Fail(format!("option `{flag}` needs a value")))?,
        };
        match flag {
            "--preset" => preset = value,
            "--view" => {
                views = if value == "all" {
                    ProcView::ALL.to_vec()
                } else {
                    vec![ProcView::parse(&value).ok_or_else(|| {
                        Fail(format!(
                            "unknown view `{value}` (expected buddyinfo, zoneinfo, pagetypeinfo, slabinfo or all)"
                        ))
                    })?]
                };
            }
            "--nr-cpus" => nr_cpus = Some(parse_num(flag, &value)?),
            "--min-free-kbytes" => min_free = Some(parse_num(flag, &value)?),
            _ => scale = Some(parse_num(flag, &value)?),
        }
    }
    let mut cfg = MachineConfig::preset(&preset).map_err(|e| Fail(e.to_string()))?;
    if let Some(n) = nr_cpus {
        cfg.nr_cpus = u32::try_from(n).unwrap_or(u32::MAX);
    }
    if let Some(k) = min_free {
        cfg.min_free_kbytes = MinFreeKbytes::Kbytes(k);
    }
    if let Some(s) = scale {
        cfg.watermark_scale_factor = u32::try_from(s).unwrap_or(u32::MAX);
    }
    if let Some(t) = thp {
        cfg.thp = t;
    }
    let machine = Machine::new(cfg).map_err(|e| Fail(e.to_string()))?;
    let mut out = String::new();
    let several = views.len() > 1;
    for (i, v) in views.iter().enumerate() {
        if several {
            if i > 0 {
                out.push('\n');
            }
            out.push_str("==> /proc/");
            out.push_str(v.name());
            out.push_str(" <==\n");
        }
        out.push_str(&v.render(&machine));
    }
    Ok(out)
}
