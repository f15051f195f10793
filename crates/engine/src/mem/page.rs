//! Per-page-frame state: 4 bytes of state plus 8 bytes of free-list links per frame.
//!
//! A frame is either part of a free buddy block (the head carries order and migratetype,
//! like `PageBuddy` + `page_private`; the other pages are plain tails), part of an
//! allocated block (the head carries the block order; every page carries its use), or
//! outside the buddy allocator (reserved, hole).

use serde::{Deserialize, Serialize};

use crate::gfp::MigrateType;
use crate::view::page_code;

/// "No link" in the intrusive free lists.
pub(crate) const NIL: u32 = u32::MAX;
/// `order` byte of an allocated page that is not the head of its block.
pub(crate) const TAIL: u8 = 0xff;

/// Internal kind codes (one byte).
pub(crate) mod kind {
    pub(crate) const FREE_HEAD: u8 = 0;
    pub(crate) const FREE_TAIL: u8 = 1;
    pub(crate) const HOLE: u8 = 2;
    pub(crate) const RESERVED: u8 = 3;
    pub(crate) const KERNEL: u8 = 10;
    pub(crate) const SLAB: u8 = 11;
    pub(crate) const PAGECACHE_CLEAN: u8 = 12;
    pub(crate) const PAGECACHE_DIRTY: u8 = 13;
    pub(crate) const WRITEBACK: u8 = 14;
    pub(crate) const ANON: u8 = 15;
    pub(crate) const ANON_SWAPCACHE: u8 = 16;
    /// Number of slots in per-kind counters.
    pub(crate) const N: usize = 17;

    pub(crate) const fn is_allocated(k: u8) -> bool {
        k >= KERNEL
    }
}

/// One page frame's state (4 bytes, so that marking a block's pages is a narrow fill).
/// `order` is the block order on heads (free or allocated) and [`TAIL`] on allocated tails;
/// `tag` is the migratetype of a free head, the call-site id of a kernel allocation or the
/// cache id of a slab page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageFrame {
    pub(crate) kind: u8,
    pub(crate) order: u8,
    pub(crate) tag: u16,
}

impl PageFrame {
    pub(crate) const HOLE: PageFrame = PageFrame {
        kind: kind::HOLE,
        order: 0,
        tag: 0,
    };
}

/// Free-list links of a frame (zone-local indices), meaningful on free-block heads only.
/// On an allocated head `prev` instead records whether the block is homogeneous.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Link {
    pub(crate) next: u32,
    pub(crate) prev: u32,
}

impl Link {
    pub(crate) const NIL: Link = Link {
        next: NIL,
        prev: NIL,
    };
}

/// What a page frame is used for (§3 of issue 4). Returned by
/// [`super::Machine::page_state`]; the allocated variants can be changed with
/// [`super::Machine::set_state`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PageState {
    /// In a free buddy block of `order` on `free_list[migratetype]` (reported for every
    /// page of the block, not only its head).
    Free {
        order: u8,
        migratetype: MigrateType,
    },
    /// A kernel allocation (`alloc_pages`, large kmalloc, page tables...) made at call
    /// site `site` (an id the caller interns; 0 = unknown).
    Kernel {
        site: u16,
    },
    /// Backing a SLUB slab of cache `cache`.
    Slab {
        cache: u16,
    },
    PageCacheClean,
    PageCacheDirty,
    Writeback,
    Anon,
    /// Anonymous page that is also in the swap cache.
    AnonSwapCache,
    /// Present but not managed by the buddy allocator (kernel image, memmap, firmware).
    Reserved,
    /// No memory behind this pfn.
    Hole,
}

impl PageState {
    /// Encodes an allocated state as (kind, tag); `None` for states only the allocator sets.
    pub(crate) const fn encode_allocated(self) -> Option<(u8, u16)> {
        Some(match self {
            PageState::Kernel { site } => (kind::KERNEL, site),
            PageState::Slab { cache } => (kind::SLAB, cache),
            PageState::PageCacheClean => (kind::PAGECACHE_CLEAN, 0),
            PageState::PageCacheDirty => (kind::PAGECACHE_DIRTY, 0),
            PageState::Writeback => (kind::WRITEBACK, 0),
            PageState::Anon => (kind::ANON, 0),
            PageState::AnonSwapCache => (kind::ANON_SWAPCACHE, 0),
            PageState::Free { .. } | PageState::Reserved | PageState::Hole => return None,
        })
    }

    /// Decodes a non-free frame.
    pub(crate) const fn decode_used(k: u8, tag: u16) -> PageState {
        match k {
            kind::KERNEL => PageState::Kernel { site: tag },
            kind::SLAB => PageState::Slab { cache: tag },
            kind::PAGECACHE_CLEAN => PageState::PageCacheClean,
            kind::PAGECACHE_DIRTY => PageState::PageCacheDirty,
            kind::WRITEBACK => PageState::Writeback,
            kind::ANON => PageState::Anon,
            kind::ANON_SWAPCACHE => PageState::AnonSwapCache,
            kind::RESERVED => PageState::Reserved,
            _ => PageState::Hole,
        }
    }

    /// The memory-map byte ([`crate::view::page_code`]) for this state.
    #[must_use]
    pub const fn page_code(self) -> u8 {
        match self {
            PageState::Free { migratetype, .. } => free_code(migratetype),
            PageState::Kernel { .. } => page_code::KERNEL,
            PageState::Slab { .. } => page_code::SLAB,
            PageState::PageCacheClean => page_code::PAGECACHE_CLEAN,
            PageState::PageCacheDirty => page_code::PAGECACHE_DIRTY,
            PageState::Writeback => page_code::WRITEBACK,
            PageState::Anon => page_code::ANON,
            PageState::AnonSwapCache => page_code::ANON_SWAPCACHE,
            PageState::Reserved => page_code::RESERVED,
            PageState::Hole => page_code::HOLE,
        }
    }
}

/// Memory-map code of a free page on `free_list[mt]`.
pub(crate) const fn free_code(mt: MigrateType) -> u8 {
    match mt {
        MigrateType::Unmovable => page_code::FREE_UNMOVABLE,
        MigrateType::Movable => page_code::FREE_MOVABLE,
        MigrateType::Reclaimable => page_code::FREE_RECLAIMABLE,
        MigrateType::HighAtomic => page_code::FREE_HIGHATOMIC,
    }
}

/// Memory-map code of a used (non-free) frame kind.
pub(crate) const fn used_code(k: u8) -> u8 {
    PageState::decode_used(k, 0).page_code()
}
