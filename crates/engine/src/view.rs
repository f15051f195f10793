//! The view contract between the engine and any front end (web UI, CLI trace).
//!
//! A front end draws *only* what is in these types (plus engine functions it calls
//! directly, such as the gfp tables). It never re-implements a kernel rule: every
//! string that explains a decision is produced by the engine.
//!
//! Producer: `scenario::Run` (issue 6). Consumer: `gfpscope-web` (issue 7), `gfpscope run`.
//! Large per-page data (the memory map) is *not* here; it is borrowed from the run
//! as a compact byte slice so that a step never clones 262,144 entries.

use serde::{Deserialize, Serialize};

/// Everything a front end shows for one step of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepView {
    /// Steps executed so far (0 = before the first statement).
    pub step: u64,
    /// True when every task has finished or stopped.
    pub finished: bool,
    /// Index into `tasks` of the task that ran the last step.
    pub current_task: Option<usize>,
    /// Source line (1-based) of the statement the current task will execute next.
    pub next_line: Option<u32>,
    pub tasks: Vec<TaskView>,
    /// The allocation made by the last step, if it made one (the innermost if several).
    pub alloc: Option<AllocView>,
    /// Slow-path / reclaim decisions taken during the last step, in kernel order.
    pub decisions: Vec<DecisionView>,
    /// Log entries emitted by the last step.
    pub events: Vec<LogEntry>,
    pub zones: Vec<ZoneView>,
    pub slab_caches: Vec<SlabCacheView>,
    /// Buddy splits and merges of the last step, identical ones summed, in the order
    /// they first happened (scenario tasks, kswapd and background users alike).
    pub buddy_ops: Vec<BuddyOpView>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskView {
    pub pid: u32,
    pub comm: String,
    /// "process", "softirq", "hardirq", "workqueue", "kthread".
    pub context: String,
    /// Raw `task_struct->flags` bits relevant to allocation.
    pub flags: u32,
    /// Names of set PF_* bits, e.g. `["PF_MEMALLOC_NOFS"]`.
    pub flag_names: Vec<String>,
    /// Live scope cookies: variable holding it, the API that produced it, the bits it holds.
    pub cookies: Vec<CookieView>,
    pub atomic: AtomicView,
    /// Outermost first.
    pub frames: Vec<FrameView>,
    /// "runnable", "running", "finished", "stopped: <verdict>".
    pub state: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CookieView {
    pub var: String,
    pub api: String,
    pub bits: u32,
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AtomicView {
    pub in_atomic: bool,
    pub irqs_disabled: bool,
    pub preempt_count: u32,
    pub rcu_depth: u32,
    /// Held locks, in acquisition order, e.g. "spin_lock(&dev->rxq.lock)".
    pub locks: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameView {
    pub function: String,
    /// Line of the statement executing (or about to execute) in this frame.
    pub line: u32,
    pub vars: Vec<VarView>,
    /// The call that pushed this frame, when scenario code called it; `None` for a
    /// task's entry function and for callbacks the kernel model calls (runtime-PM
    /// resume).
    pub call: Option<CallView>,
}

/// Where and when a frame was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    /// The step that executed the call: the frame first appears in the view of this step.
    pub step: u64,
    /// Line of the call in the caller's frame (the frame just outside this one).
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VarView {
    pub name: String,
    /// C type as written, e.g. "gfp_t", "void *".
    pub ty: String,
    pub is_param: bool,
    pub value: ValueView,
    /// For a parameter of a frame that scenario code called: the argument that gave
    /// it its value.
    pub arg: Option<ArgView>,
}

/// The argument a parameter received, as the call site in the caller wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgView {
    /// The argument expression as written, e.g. `gfp` or `GFP_ATOMIC | __GFP_NOWARN`.
    pub text: String,
    /// When the argument is a plain read of one of the caller's variables: that
    /// variable's index in the caller frame's `vars`.
    pub caller_var: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValueView {
    Uninit,
    Int {
        value: i64,
    },
    /// A gfp_t value: raw mask and `%pGg` text for the run's kernel version.
    Gfp {
        mask: u32,
        text: String,
    },
    Ptr {
        addr: u64,
        desc: String,
    },
    Null,
}

/// Bit-level picture of one gfp mask.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GfpView {
    pub mask: u32,
    /// Exactly as the kernel prints `%#x(%pGg)`.
    pub text: String,
    pub bits: Vec<GfpBitView>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GfpBitView {
    pub name: String,
    pub value: u32,
    /// "zone", "mobility", "watermark", "reclaim", "action".
    pub group: String,
    pub meaning: String,
    pub set: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AllocView {
    /// "kmalloc", "kmem_cache_alloc", "alloc_pages", ...
    pub api: String,
    pub line: u32,
    pub function: String,
    pub size: Option<u64>,
    pub order: u32,
    pub requested: GfpView,
    pub effective: GfpView,
    /// Bits `current_gfp_context()` removed and the PF flag that removed each.
    pub removed: Vec<RemovedBit>,
    /// "ok: pfn 0x1234" / "NULL".
    pub result: String,
    pub succeeded: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RemovedBit {
    pub bit: String,
    pub by: String,
    pub why: String,
}

/// Stages of `__alloc_pages_slowpath` the decision diagram draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    FastPath,
    KswapdWake,
    Reserves,
    Compaction,
    DirectReclaim,
    Retry,
    Oom,
    Nopage,
    Fail,
    Success,
    Hazard,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionView {
    pub stage: Stage,
    /// True when this branch was taken / the action ran; false when skipped.
    pub taken: bool,
    /// Kernel function modelled, e.g. "__alloc_pages_may_oom".
    pub function: String,
    /// The deciding condition, e.g. "!(gfp & __GFP_FS)".
    pub condition: String,
    /// One human sentence with the numbers that decided it.
    pub detail: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub step: u64,
    /// snake_case kind, the same as `gfpscope run --json` (`alloc`, `reclaim_skip`, `bug`, ...).
    pub kind: String,
    pub task: String,
    pub function: Option<String>,
    pub line: Option<u32>,
    /// One line of text; kernel-format messages are verbatim.
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ZoneView {
    pub node: u32,
    /// Kernel name: "DMA", "DMA32", "Normal", "HighMem", "Movable".
    pub name: String,
    pub start_pfn: u64,
    pub spanned: u64,
    pub managed: u64,
    pub free: u64,
    pub min: u64,
    pub low: u64,
    pub high: u64,
    pub lowmem_reserve: Vec<u64>,
    /// free_blocks[order][migratetype] = number of free blocks (not pages);
    /// migratetype index: 0 Unmovable, 1 Movable, 2 Reclaimable, 3 HighAtomic.
    pub free_blocks: Vec<[u64; 4]>,
}

/// What a buddy operation did to a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuddyOpKind {
    /// `expand()`: a free block of `from_order` was split in halves down to `to_order`;
    /// at each order one half went onto a free list, and the last half is the allocation.
    Split,
    /// `__free_one_page()`: a freed block of `from_order` merged with its free buddy at
    /// each order up to an order-`to_order` block on a free list.
    Merge,
}

/// Buddy splits or merges of one step that were identical (same task, zone, kind,
/// free lists and orders), summed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuddyOpView {
    /// Who did it, as in [`LogEntry::task`] (`<background>` for background users).
    pub task: String,
    pub node: u32,
    /// Kernel zone name, as in [`ZoneView::name`].
    pub zone: String,
    pub kind: BuddyOpKind,
    /// Free list (migratetype index, as in [`ZoneView::free_blocks`]) that received the
    /// split-off halves or the merged block.
    pub migratetype: u8,
    /// Split: the free list the block was taken from (differs from `migratetype` when a
    /// fallback claimed the block); merge: the same as `migratetype`.
    pub source_migratetype: u8,
    pub from_order: u8,
    pub to_order: u8,
    /// How many times it happened in the step.
    pub count: u32,
    /// One sentence saying what happened, with the kernel function.
    pub text: String,
}

impl BuddyOpView {
    /// The blocks order by order: a split (`expand()`) halves the block once per order
    /// down to the requested one, "4+4 → 3+3" for order 5 to 3; a merge
    /// (`__free_one_page()`) joins one pair of buddies per order, "0+0 → 1+1" for order 0
    /// to 2.
    #[must_use]
    pub fn chain(&self) -> String {
        let (from, to) = (self.from_order, self.to_order);
        let pairs: Vec<String> = match self.kind {
            BuddyOpKind::Split => (to..from).rev().map(|o| format!("{o}+{o}")).collect(),
            BuddyOpKind::Merge => (from..to).map(|o| format!("{o}+{o}")).collect(),
        };
        pairs.join(" → ")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SlabCacheView {
    pub name: String,
    pub object_size: u32,
    pub objects_per_slab: u32,
    pub order: u32,
    pub active_objects: u64,
    pub total_objects: u64,
    pub full_slabs: u64,
    pub partial_slabs: u64,
    pub empty_slabs: u64,
    pub reclaimable: bool,
}

/// Compact per-page state codes for the memory map (one byte per page frame).
pub mod page_code {
    pub const FREE_UNMOVABLE: u8 = 0;
    pub const FREE_MOVABLE: u8 = 1;
    pub const FREE_RECLAIMABLE: u8 = 2;
    pub const FREE_HIGHATOMIC: u8 = 3;
    pub const KERNEL: u8 = 4;
    pub const SLAB: u8 = 5;
    pub const PAGECACHE_CLEAN: u8 = 6;
    pub const PAGECACHE_DIRTY: u8 = 7;
    pub const WRITEBACK: u8 = 8;
    pub const ANON: u8 = 9;
    pub const ANON_SWAPCACHE: u8 = 10;
    pub const RESERVED: u8 = 11;
    pub const HOLE: u8 = 12;
}
