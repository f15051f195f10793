//! Helpers shared by the engine's integration tests.

use gfpscope_engine::scenario::{Run, library};

/// The built-in scenario `name`, run to its end (a parse error panics with its rendering).
pub fn run_builtin(name: &str) -> Run {
    let e = library::get(name).unwrap_or_else(|| panic!("no built-in {name}"));
    let mut run = Run::new(&e.file_name(), e.source)
        .unwrap_or_else(|d| panic!("{name}: {}", d[0].render(e.source)));
    run.run_to_end();
    run
}
