//! Physical memory (issue 4): machine, nodes, zones, watermarks, the buddy allocator,
//! pageblocks, per-page state, SLUB caches and the kernel-format `/proc` views.
//!
//! Modelled on Linux 6.12 (the source unpacked in `linux-source-6.12/`, SUBLEVEL 117).
//! Section numbers such as "§4.5" refer to `shared/reference/kernel-mm.md`.
//!
//! Layout of the model:
//! - [`Machine`] owns [`Node`]s, each node owns its [`Zone`]s in kernel zone-index order
//!   (populated or not, as `/proc/zoneinfo` lists them), and the [`slab::Slub`] caches.
//! - A [`Zone`] owns the page frames it spans. Free lists are intrusive doubly linked
//!   lists threaded through those frames by index (no per-page heap nodes), so a 4 GiB
//!   machine (1,048,576 frames) is one `Vec` of 12-byte frames.
//! - Every split, merge, fallback, claim, steal and reserve change is a [`MemEvent`]
//!   (`Copy`, built on the stack) sent to an [`crate::event::EventSink`].
//!
//! **Architecture invariant:** nothing here calls into `alloc/` (the slow path). Slab
//! growth is two-phase: [`slab::Slub::allocate_slab_plan`] says which order and gfp the
//! slow path must request, and [`Machine::slab_add_slab`] takes the pages it got.

#![allow(clippy::many_single_char_names)] // kernel-style i, j, n, p, f, z in tight loops

mod buddy;
mod config;
mod event;
mod invariants;
mod machine;
mod ops;
mod page;
pub mod procfs;
pub mod slab;
mod zone;

pub use config::{Arch, MachineConfig, MinFreeKbytes, NodeConfig, PRESETS, PfnRange, ZoneConfig};
pub use event::MemEvent;
pub use machine::{Machine, Node};
pub use ops::{BuddyOp, BuddyTally, add_op};
pub use page::PageState;
pub use zone::{FreeBlock, WatermarkCheck, WatermarkFailure, Zone};

use serde::{Deserialize, Serialize};

use crate::gfp::{MigrateType, ZoneType};

/// `MAX_PAGE_ORDER` (include/linux/mmzone.h, 6.12): largest buddy order, inclusive (§7.1).
pub const MAX_PAGE_ORDER: u32 = 10;
/// `NR_PAGE_ORDERS` = MAX_PAGE_ORDER + 1: number of `free_area[]` entries (§7.1).
pub const NR_PAGE_ORDERS: usize = MAX_PAGE_ORDER as usize + 1;
/// `pageblock_order` on x86 with HugeTLB: min(HUGETLB_PAGE_ORDER, MAX_PAGE_ORDER) = 9 (§7.1).
pub const PAGEBLOCK_ORDER: u32 = 9;
/// `pageblock_nr_pages` = 1 << pageblock_order = 512.
pub const PAGEBLOCK_NR_PAGES: u64 = 1 << PAGEBLOCK_ORDER;
/// `PAGE_SHIFT` (4 KiB pages on every modelled architecture).
pub const PAGE_SHIFT: u32 = 12;
/// `PAGE_SIZE` in bytes.
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// `PAGE_ALLOC_COSTLY_ORDER` (include/linux/mmzone.h).
pub const PAGE_ALLOC_COSTLY_ORDER: u32 = 3;
/// `SWAP_CLUSTER_MAX` (include/linux/swap.h).
pub const SWAP_CLUSTER_MAX: u64 = 32;
/// `MIGRATE_PCPTYPES`: the three mobility types that have fallbacks (§7.2).
pub const MIGRATE_PCPTYPES: usize = 3;
/// Number of free lists per order in this model (UNMOVABLE, MOVABLE, RECLAIMABLE, HIGHATOMIC;
/// no CMA or ISOLATE lists).
pub const NR_MIGRATETYPES: usize = 4;

/// A page frame number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pfn(pub u64);

impl std::fmt::Debug for Pfn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pfn({:#x})", self.0)
    }
}

impl std::fmt::Display for Pfn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// Identifies one zone of one node.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct ZoneId {
    pub node: u16,
    pub zone: ZoneType,
}

impl std::fmt::Display for ZoneId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Node {} {}", self.node, self.zone.kernel_name())
    }
}

/// Watermark index (`enum zone_watermarks`, include/linux/mmzone.h).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Wmark {
    Min = 0,
    Low = 1,
    High = 2,
    Promo = 3,
}

impl Wmark {
    /// The watermark selected by `alloc_flags & ALLOC_WMARK_MASK` (values 0..=2).
    #[must_use]
    pub const fn from_alloc_flags(flags: crate::gfp::AllocFlags) -> Wmark {
        match flags.wmark() {
            0 => Wmark::Min,
            1 => Wmark::Low,
            _ => Wmark::High,
        }
    }
}

/// Bad input to a memory operation (never a simulated failure: those are events or `None`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MemError {
    #[error("unknown machine preset `{name}` (known: {known})")]
    UnknownPreset { name: String, known: String },
    #[error("invalid machine configuration: {0}")]
    BadConfig(String),
    #[error("pfn {pfn} is not in any zone of this machine")]
    NoSuchPfn { pfn: Pfn },
    #[error("zone {zone} does not exist on this machine")]
    NoSuchZone { zone: ZoneId },
    #[error("order {order} exceeds MAX_PAGE_ORDER {max}", max = MAX_PAGE_ORDER)]
    BadOrder { order: u32 },
    #[error("pfn {pfn} is not aligned to order {order}")]
    Misaligned { pfn: Pfn, order: u32 },
    #[error("pfn {pfn} is not the head of an allocated order-{order} block ({found})")]
    NotAllocated { pfn: Pfn, order: u32, found: String },
    #[error("page state {state:?} cannot be set by set_state (use free_pages / rmqueue)")]
    BadState { state: PageState },
    #[error("unknown slab cache id {id}")]
    NoSuchCache { id: u32 },
    #[error("bad slab cache request: {0}")]
    BadCache(String),
    #[error("object {obj:?} is not an allocated object of its cache")]
    BadObject { obj: slab::ObjRef },
}

/// Helper for the `mt as usize` indices used in free lists.
pub(crate) const fn mt_index(mt: MigrateType) -> usize {
    mt as usize
}

/// Inverse of [`mt_index`].
pub(crate) const fn mt_from_index(i: usize) -> MigrateType {
    match i {
        0 => MigrateType::Unmovable,
        1 => MigrateType::Movable,
        2 => MigrateType::Reclaimable,
        _ => MigrateType::HighAtomic,
    }
}

/// `migratetype_is_mergeable()` (include/linux/mmzone.h): `mt < MIGRATE_PCPTYPES`.
pub(crate) const fn migratetype_is_mergeable(mt: MigrateType) -> bool {
    (mt as usize) < MIGRATE_PCPTYPES
}

/// `get_order(size)` (include/asm-generic/getorder.h): smallest order whose block holds `size` bytes.
#[must_use]
pub fn get_order(size: u64) -> u32 {
    if size <= PAGE_SIZE {
        return 0;
    }
    let pages = (size - 1) >> PAGE_SHIFT;
    64 - pages.leading_zeros()
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
