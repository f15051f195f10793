//! `gfpscope check FILE...`: parse and check scenario files; print every diagnostic.

use gfpscope_engine::scenario::{Severity, diag, library, parse_with_warnings};

const USAGE: &str = "usage: gfpscope check FILE|NAME...
  validates scenario files (or built-ins by name); prints every diagnostic as
  FILE:LINE:COL: error: MESSAGE with the source line and a caret;
  exit status 0 if there are no errors, 1 if there are, 2 if a file cannot be read";

/// Entry point; returns the exit status.
pub fn main(args: &[String]) -> i32 {
    if args.is_empty() {
        eprintln!("{USAGE}");
        return 2;
    }
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return 0;
    }
    let mut status = 0;
    for path in args {
        let (name, src) = match std::fs::read_to_string(path) {
            Ok(src) => (path.clone(), src),
            Err(err) => match library::get(path) {
                Some(e) if !std::path::Path::new(path).exists() => {
                    (e.file_name(), e.source.to_string())
                }
                _ => {
                    eprintln!("gfpscope check: cannot read `{path}`: {err}");
                    status = 2;
                    continue;
                }
            },
        };
        let (_, diags) = parse_with_warnings(&name, &src);
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = diags.len() - errors;
        eprint!("{}", diag::render_all(&diags, &src));
        if errors > 0 {
            eprintln!(
                "{name}: {errors} error{}{}",
                if errors == 1 { "" } else { "s" },
                if warnings > 0 {
                    format!(
                        ", {warnings} warning{}",
                        if warnings == 1 { "" } else { "s" }
                    )
                } else {
                    String::new()
                }
            );
            if status == 0 {
                status = 1;
            }
        } else {
            println!(
                "{name}: ok{}",
                if warnings > 0 {
                    format!(
                        " ({warnings} warning{})",
                        if warnings == 1 { "" } else { "s" }
                    )
                } else {
                    String::new()
                }
            );
        }
    }
    status
}
