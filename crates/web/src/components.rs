//! One component per file; each takes cheap props and lays out what the engine reports.

pub mod alloc_panel;
pub mod buddy;
pub mod call_stack;
pub mod controls;
pub mod decision;
pub mod event_log;
pub mod gfp_bits;
pub mod help;
pub mod memory_map;
pub mod plots;
pub mod slab;
pub mod source;
pub mod task_panel;
pub mod timeline;
