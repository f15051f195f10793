//! gfpscope-engine: a deterministic, sans-IO model of how Linux (baseline 6.12 LTS)
//! allocates memory and how the calling context constrains it.
//!
//! Commands go in, typed [`event::Event`]s come out. Nothing here reads a clock,
//! draws ambient randomness, or iterates a `HashMap` into an output. Simulated
//! failure (an allocation failure, an OOM kill, a `BUG:` splat) is an event, never an `Err`.
//!
//! Every kernel rule names the function and version it models; section numbers such as
//! "§5.5" refer to `shared/reference/kernel-mm.md`.

pub mod alloc;
pub mod context;
pub mod event;
pub mod gfp;
pub mod mem;
pub mod rng;
pub mod scenario;
mod small_map;
mod sort;
pub mod task;
pub mod version;
pub mod view;
