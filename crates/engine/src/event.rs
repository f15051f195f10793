//! Typed events: the engine's only output channel.
//!
//! Each subsystem defines its own event enum next to the code that emits it;
//! [`Event`] wraps them. Emitting goes through an [`EventSink`]: the hot paths
//! (buddy split/merge) build events on the stack and a [`NullSink`] drops them
//! without any heap allocation.

use serde::Serialize;

/// Everything the engine can report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Event {
    /// Placeholder until subsystems add their own variants.
    Note { text: String },
    /// Buddy allocator, pageblock, watermark-boost and slab events (`mem`, issue 4).
    Mem(crate::mem::MemEvent),
    /// Allocation-path decisions: slow path, reclaim, compaction, OOM, hazards (`alloc`, issue 5).
    Alloc(crate::alloc::AllocEvent),
    /// `memalloc_*_save/restore` and scope misuse (`task`, issue 3).
    Scope(crate::task::ScopeEvent),
    /// Sleeping in atomic context, lock misuse (`context`, issue 3).
    Context(crate::context::ContextEvent),
}

/// Where events go. Implementations must be cheap when nobody listens.
pub trait EventSink {
    /// Whether anyone listens; emitters may skip building expensive events when false.
    fn enabled(&self) -> bool {
        true
    }
    fn emit(&mut self, event: Event);
}

/// Drops every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl EventSink for NullSink {
    fn enabled(&self) -> bool {
        false
    }
    fn emit(&mut self, _event: Event) {}
}

impl EventSink for Vec<Event> {
    fn emit(&mut self, event: Event) {
        self.push(event);
    }
}
