//! `gfpscope`: the native command-line front end.
//!
//! `main` only dispatches: each subcommand lives in its own module with a
//! `pub fn main(args: &[String]) -> i32` that receives the arguments after the
//! subcommand name and returns the exit status (0 ok, 2 bad usage or input).
//! To add a subcommand: add `mod name;`, one arm in `dispatch`, and one line in `USAGE`.

mod check;
mod gfp;
mod mem;
mod run;
mod scenarios;

const USAGE: &str = "usage: gfpscope <command> [args...]

commands:
  gfp decode|encode|effective|explain   GFP masks as a given kernel prints them
  mem show [--preset NAME] [--view buddyinfo|zoneinfo|pagetypeinfo|slabinfo]
                                        a preset machine's /proc views (6.12 layout)
  run FILE|NAME [--json] [--seed N] [--until STEP]
                                        run a scenario and print its trace
  scenarios [--long]                    list the built-in scenarios (name and title)
  check FILE|NAME...                    validate scenario files; exit 1 with diagnostics";

/// Run the subcommand named by `args[0]`; returns the exit status.
fn dispatch(args: &[String]) -> i32 {
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("gfp") => gfp::main(rest),
        Some("mem") => mem::main(rest),
        Some("run") => run::main(rest),
        Some("scenarios") => scenarios::main(rest),
        Some("check") => check::main(rest),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            0
        }
        Some(other) => {
            eprintln!("gfpscope: unknown command `{other}` (run `gfpscope help`)");
            2
        }
        None => {
            eprintln!("{USAGE}");
            2
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(dispatch(&args));
}
