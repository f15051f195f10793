//! Scenarios: kernel-style C files describing tasks that allocate memory (issue 6).
//!
//! Front end (this file, `lexer`, `parser`, `header`, `check`, `diag`, `builtins`):
//! [`parse`] turns source text into a checked, name-resolved [`ast::Scenario`], or a list
//! of located [`diag::Diagnostic`]s. Nothing here panics on any input.

pub mod ast;
pub mod builtins;
pub mod check;
// Interpreter, scheduler, time travel (helper scenario-interp).
pub mod compile;
pub mod diag;
pub mod exec;
pub mod header;
pub mod highlight;
pub mod interp;
pub mod lexer;
pub mod library;
pub mod names;
pub mod parser;

pub mod run;
pub mod sched;
pub mod snapshot;
pub mod sys;
pub mod value;

pub use ast::{Scenario, Span};
pub use diag::{Diagnostic, Severity};
pub use highlight::{TokenClass, highlight};
pub use run::{HistoryPoint, PageCodesUpdate, Run, RunOptions, ZonePoint};

/// Parses and checks a scenario file.
///
/// # Errors
/// Every error found (syntax, header, semantic), each located, in source order.
/// Warnings alone do not make it fail; use [`parse_with_warnings`] to see them.
pub fn parse(file_name: &str, src: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let (scenario, diags) = parse_with_warnings(file_name, src);
    if diags.iter().any(|d| d.severity == Severity::Error) {
        let mut errs: Vec<Diagnostic> = diags
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        crate::sort::sort_by_u64_key(&mut errs, |d| u64::from(d.span.offset));
        Err(errs)
    } else {
        Ok(scenario)
    }
}

/// Parses and checks, returning the (possibly partial) scenario and all diagnostics
/// (errors and warnings) sorted by position.
pub fn parse_with_warnings(file_name: &str, src: &str) -> (Scenario, Vec<Diagnostic>) {
    let (mut scenario, mut diags) = parser::parse_file(file_name, src);
    check::check(&mut scenario, &mut diags);
    crate::sort::sort_by_u64_key(&mut diags, Diagnostic::position_key);
    (scenario, diags)
}

#[cfg(test)]
mod fuzz_tests;
