//! Events emitted by the memory model. All variants are `Copy`: emitting one builds it on
//! the stack, and a [`crate::event::NullSink`] drops it without touching the heap.

use serde::Serialize;

use super::ZoneId;
use crate::gfp::MigrateType;

/// What the buddy allocator, pageblock bookkeeping and SLUB did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MemEvent {
    /// `__rmqueue_smallest`/`__rmqueue_steal` took a free block off `free_list[migratetype]`
    /// of `from_order` to serve an order-`order` request (`trace_mm_page_alloc_zone_locked`).
    Take {
        zone: ZoneId,
        pfn: u64,
        order: u8,
        from_order: u8,
        migratetype: MigrateType,
    },
    /// `expand()`: the upper half (`pfn`, `order`) of a split block went onto
    /// `free_list[migratetype]` of that order (§7.4).
    Split {
        zone: ZoneId,
        pfn: u64,
        order: u8,
        migratetype: MigrateType,
    },
    /// `__free_one_page`: the block at `pfn` merged with its free buddy `buddy_pfn`
    /// (both of order `order - 1`) into the order-`order` block at `combined_pfn`.
    Merge {
        zone: ZoneId,
        pfn: u64,
        buddy_pfn: u64,
        combined_pfn: u64,
        order: u8,
        migratetype: MigrateType,
    },
    /// A freed block (after merging) was placed on `free_list[migratetype]`; `to_tail` as
    /// decided by FPI_TO_TAIL / `buddy_merge_likely`.
    Free {
        zone: ZoneId,
        pfn: u64,
        order: u8,
        migratetype: MigrateType,
        to_tail: bool,
    },
    /// An allocation was served from another migratetype's list (`mm_page_alloc_extfrag`
    /// tracepoint: `change_ownership` = the pageblock now has the requested type).
    Fallback {
        zone: ZoneId,
        pfn: u64,
        alloc_order: u8,
        fallback_order: u8,
        alloc_migratetype: MigrateType,
        fallback_migratetype: MigrateType,
        change_ownership: bool,
        /// True for `__rmqueue_claim` (whole block claimed), false for `__rmqueue_steal`.
        claimed: bool,
    },
    /// `try_to_steal_block` moved a pageblock (or, for orders ≥ pageblock_order, a range of
    /// pageblocks) to `to`: `free_pages`/`alike_pages` are the counts it judged by.
    BlockClaimed {
        zone: ZoneId,
        block_pfn: u64,
        nr_blocks: u32,
        from: MigrateType,
        to: MigrateType,
        free_pages: u32,
        alike_pages: u32,
    },
    /// `try_to_steal_block` looked at a pageblock and left it alone: fewer than half its
    /// pages were free or compatible (or it straddles the zone boundary).
    BlockClaimRejected {
        zone: ZoneId,
        block_pfn: u64,
        block_type: MigrateType,
        want: MigrateType,
        free_pages: u32,
        alike_pages: u32,
        straddles_zone: bool,
    },
    /// `boost_watermark()` raised the zone's `watermark_boost`.
    WatermarkBoost {
        zone: ZoneId,
        boost: u64,
        max_boost: u64,
        /// ZONE_BOOSTED_WATERMARK set (the allocation had ALLOC_KSWAPD): kswapd must be woken.
        wake_kswapd: bool,
    },
    /// `reserve_highatomic_pageblock`: a pageblock became MIGRATE_HIGHATOMIC.
    HighAtomicReserved {
        zone: ZoneId,
        block_pfn: u64,
        nr_reserved: u64,
    },
    /// `unreserve_highatomic_pageblock`: a highatomic pageblock went back to `to`.
    HighAtomicUnreserved {
        zone: ZoneId,
        block_pfn: u64,
        to: MigrateType,
        nr_reserved: u64,
        force: bool,
    },
    /// SLUB: a new slab of `order` at `pfn` was added to cache `cache`.
    SlabAdded {
        cache: u32,
        pfn: u64,
        order: u8,
        objects: u32,
    },
    /// SLUB: an empty slab was discarded (`discard_slab`) and its pages go back to the buddy.
    SlabDiscarded { cache: u32, pfn: u64, order: u8 },
}
