//! `gfpscope scenarios`: the built-in scenario library, one `NAME  TITLE` line each.

use gfpscope_engine::scenario::library;

const USAGE: &str = "usage: gfpscope scenarios [--long]
  lists the built-in scenarios: name and title, one per line (the default first);
  --long adds each one's teaching point, source and reference section";

/// Entry point; returns the exit status.
pub fn main(args: &[String]) -> i32 {
    let mut long = false;
    for a in args {
        match a.as_str() {
            "--long" | "-l" => long = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            other => {
                eprintln!("gfpscope scenarios: unexpected argument `{other}`\n{USAGE}");
                return 2;
            }
        }
    }
    let width = library::LIBRARY
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    for e in library::LIBRARY {
        println!("{:width$}  {}", e.name, e.title);
        if long {
            println!("{:width$}  teaches: {}", "", e.teaches());
            println!("{:width$}  source:  {}", "", e.citation());
            println!(
                "{:width$}  models:  reference/scenarios.md {}",
                "", e.reference
            );
        }
    }
    0
}
