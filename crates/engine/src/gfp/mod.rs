//! GFP masks (issue 3). Internally every mask uses the Linux 6.12 bit layout
//! (`include/linux/gfp_types.h`, enum `___GFP_*_BIT`, built with CONFIG_LOCKDEP so that
//! `__GFP_NOLOCKDEP` has a bit); older layouts exist only to decode and print logs.

use serde::{Deserialize, Serialize};

pub mod expr;
pub mod flags;
pub mod format;
pub mod layout;
pub mod rules;
pub mod view;

pub use format::{format_pgg, show_gfp_flags};
pub use layout::{Era, Layout};
pub use rules::{
    gfp_compaction_allowed, gfp_migratetype, gfp_pfmemalloc_flags, gfp_to_alloc_flags, gfp_zone,
    gfpflags_allow_blocking, zonelist_order,
};
pub use view::gfp_view;

/// A gfp mask in the Linux 6.12 layout.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Gfp(pub u32);

impl Gfp {
    pub const DMA: Gfp = Gfp(0x1);
    pub const HIGHMEM: Gfp = Gfp(0x2);
    pub const DMA32: Gfp = Gfp(0x4);
    pub const MOVABLE: Gfp = Gfp(0x8);
    pub const RECLAIMABLE: Gfp = Gfp(0x10);
    pub const HIGH: Gfp = Gfp(0x20);
    pub const IO: Gfp = Gfp(0x40);
    pub const FS: Gfp = Gfp(0x80);
    pub const ZERO: Gfp = Gfp(0x100);
    pub const DIRECT_RECLAIM: Gfp = Gfp(0x400);
    pub const KSWAPD_RECLAIM: Gfp = Gfp(0x800);
    pub const WRITE: Gfp = Gfp(0x1000);
    pub const NOWARN: Gfp = Gfp(0x2000);
    pub const RETRY_MAYFAIL: Gfp = Gfp(0x4000);
    pub const NOFAIL: Gfp = Gfp(0x8000);
    pub const NORETRY: Gfp = Gfp(0x10000);
    pub const MEMALLOC: Gfp = Gfp(0x20000);
    pub const COMP: Gfp = Gfp(0x40000);
    pub const NOMEMALLOC: Gfp = Gfp(0x80000);
    pub const HARDWALL: Gfp = Gfp(0x100000);
    pub const THISNODE: Gfp = Gfp(0x200000);
    pub const ACCOUNT: Gfp = Gfp(0x400000);
    pub const ZEROTAGS: Gfp = Gfp(0x800000);
    /// `__GFP_NOLOCKDEP`: bit 24 on a CONFIG_LOCKDEP build without KASAN_HW_TAGS.
    pub const NOLOCKDEP: Gfp = Gfp(0x1000000);
    /// `__GFP_NO_OBJ_EXT`: the next enum bit (25) on a CONFIG_LOCKDEP +
    /// CONFIG_SLAB_OBJ_EXT build (§1.1).
    pub const NO_OBJ_EXT: Gfp = Gfp(0x2000000);
    /// `GFP_ZONEMASK` (gfp_types.h): the bits `gfp_zone()` looks at.
    pub const ZONEMASK: Gfp = Gfp(Self::DMA.0 | Self::HIGHMEM.0 | Self::DMA32.0 | Self::MOVABLE.0);
    /// `GFP_MOVABLE_MASK` (gfp.h): the bits `gfp_migratetype()` looks at.
    pub const MOVABLE_MASK: Gfp = Gfp(Self::RECLAIMABLE.0 | Self::MOVABLE.0);
    /// Every bit the 6.12 layout (this model's build) defines.
    pub const ALL_DEFINED: Gfp = Gfp(0x3ff_fdff);

    pub const RECLAIM: Gfp = Gfp(Self::DIRECT_RECLAIM.0 | Self::KSWAPD_RECLAIM.0);
    pub const ATOMIC: Gfp = Gfp(Self::HIGH.0 | Self::KSWAPD_RECLAIM.0);
    pub const KERNEL: Gfp = Gfp(Self::RECLAIM.0 | Self::IO.0 | Self::FS.0);
    pub const KERNEL_ACCOUNT: Gfp = Gfp(Self::KERNEL.0 | Self::ACCOUNT.0);
    pub const NOWAIT: Gfp = Gfp(Self::KSWAPD_RECLAIM.0 | Self::NOWARN.0);
    pub const NOIO: Gfp = Gfp(Self::RECLAIM.0);
    pub const NOFS: Gfp = Gfp(Self::RECLAIM.0 | Self::IO.0);
    pub const USER: Gfp = Gfp(Self::KERNEL.0 | Self::HARDWALL.0);
    pub const HIGHUSER: Gfp = Gfp(Self::USER.0 | Self::HIGHMEM.0);
    pub const HIGHUSER_MOVABLE: Gfp = Gfp(Self::HIGHUSER.0 | Self::MOVABLE.0);
    pub const TRANSHUGE_LIGHT: Gfp = Gfp((Self::HIGHUSER_MOVABLE.0
        | Self::COMP.0
        | Self::NOMEMALLOC.0
        | Self::NOWARN.0)
        & !Self::RECLAIM.0);
    pub const TRANSHUGE: Gfp = Gfp(Self::TRANSHUGE_LIGHT.0 | Self::DIRECT_RECLAIM.0);

    /// `GFP_RECLAIM_MASK` (mm/internal.h, 6.12): the bits slab and memcg pass through when
    /// they allocate pages on the caller's behalf.
    pub const RECLAIM_MASK: Gfp = Gfp(Self::RECLAIM.0
        | Self::HIGH.0
        | Self::IO.0
        | Self::FS.0
        | Self::NOWARN.0
        | Self::RETRY_MAYFAIL.0
        | Self::NOFAIL.0
        | Self::NORETRY.0
        | Self::MEMALLOC.0
        | Self::NOMEMALLOC.0
        | Self::NOLOCKDEP.0);
    /// `GFP_CONSTRAINT_MASK` (mm/internal.h, 6.12).
    pub const CONSTRAINT_MASK: Gfp = Gfp(Self::HARDWALL.0 | Self::THISNODE.0);

    #[must_use]
    pub const fn contains(self, other: Gfp) -> bool {
        self.0 & other.0 == other.0
    }
    #[must_use]
    pub const fn intersects(self, other: Gfp) -> bool {
        self.0 & other.0 != 0
    }
    #[must_use]
    pub const fn union(self, other: Gfp) -> Gfp {
        Gfp(self.0 | other.0)
    }
    #[must_use]
    pub const fn without(self, other: Gfp) -> Gfp {
        Gfp(self.0 & !other.0)
    }
}

impl std::ops::BitOr for Gfp {
    type Output = Gfp;
    fn bitor(self, rhs: Gfp) -> Gfp {
        Gfp(self.0 | rhs.0)
    }
}
impl std::ops::BitAnd for Gfp {
    type Output = Gfp;
    fn bitand(self, rhs: Gfp) -> Gfp {
        Gfp(self.0 & rhs.0)
    }
}
impl std::ops::Not for Gfp {
    type Output = Gfp;
    fn not(self) -> Gfp {
        Gfp(!self.0)
    }
}
impl std::ops::BitOrAssign for Gfp {
    fn bitor_assign(&mut self, rhs: Gfp) {
        self.0 |= rhs.0;
    }
}
impl std::ops::BitAndAssign for Gfp {
    fn bitand_assign(&mut self, rhs: Gfp) {
        self.0 &= rhs.0;
    }
}
impl std::fmt::Debug for Gfp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gfp({:#x})", self.0)
    }
}

/// `enum zone_type` (include/linux/mmzone.h, 6.12). Discriminants are this model's
/// zone indices on a machine where every zone is configured; a machine without a
/// zone simply has no such zone populated.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum ZoneType {
    Dma = 0,
    Dma32 = 1,
    Normal = 2,
    HighMem = 3,
    Movable = 4,
}

impl ZoneType {
    pub const ALL: [ZoneType; 5] = [
        ZoneType::Dma,
        ZoneType::Dma32,
        ZoneType::Normal,
        ZoneType::HighMem,
        ZoneType::Movable,
    ];
    /// The name the kernel prints (`zone_names[]` in mm/page_alloc.c).
    #[must_use]
    pub const fn kernel_name(self) -> &'static str {
        match self {
            ZoneType::Dma => "DMA",
            ZoneType::Dma32 => "DMA32",
            ZoneType::Normal => "Normal",
            ZoneType::HighMem => "HighMem",
            ZoneType::Movable => "Movable",
        }
    }
}

/// `enum migratetype` (include/linux/mmzone.h, 6.12; without CMA and ISOLATE lists).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum MigrateType {
    Unmovable = 0,
    Movable = 1,
    Reclaimable = 2,
    HighAtomic = 3,
}

impl MigrateType {
    pub const ALL: [MigrateType; 4] = [
        MigrateType::Unmovable,
        MigrateType::Movable,
        MigrateType::Reclaimable,
        MigrateType::HighAtomic,
    ];
    /// `migratetype_names[]` (mm/page_alloc.c).
    #[must_use]
    pub const fn kernel_name(self) -> &'static str {
        match self {
            MigrateType::Unmovable => "Unmovable",
            MigrateType::Movable => "Movable",
            MigrateType::Reclaimable => "Reclaimable",
            MigrateType::HighAtomic => "HighAtomic",
        }
    }
    /// Letter used by `show_migration_types()` in show_mem (U M E H).
    #[must_use]
    pub const fn letter(self) -> char {
        match self {
            MigrateType::Unmovable => 'U',
            MigrateType::Movable => 'M',
            MigrateType::Reclaimable => 'E',
            MigrateType::HighAtomic => 'H',
        }
    }
}

/// `ALLOC_*` flags (mm/internal.h, 6.12 names and values, §5.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct AllocFlags(pub u32);

impl AllocFlags {
    pub const WMARK_MIN: AllocFlags = AllocFlags(0x00);
    pub const WMARK_LOW: AllocFlags = AllocFlags(0x01);
    pub const WMARK_HIGH: AllocFlags = AllocFlags(0x02);
    pub const NO_WATERMARKS: AllocFlags = AllocFlags(0x04);
    pub const WMARK_MASK: AllocFlags = AllocFlags(0x04 - 1);
    pub const OOM: AllocFlags = AllocFlags(0x08);
    pub const NON_BLOCK: AllocFlags = AllocFlags(0x10);
    pub const MIN_RESERVE: AllocFlags = AllocFlags(0x20);
    pub const CPUSET: AllocFlags = AllocFlags(0x40);
    pub const CMA: AllocFlags = AllocFlags(0x80);
    pub const NOFRAGMENT: AllocFlags = AllocFlags(0x100);
    pub const HIGHATOMIC: AllocFlags = AllocFlags(0x200);
    pub const KSWAPD: AllocFlags = AllocFlags(0x800);
    pub const RESERVES: AllocFlags =
        AllocFlags(Self::NON_BLOCK.0 | Self::MIN_RESERVE.0 | Self::HIGHATOMIC.0 | Self::OOM.0);

    #[must_use]
    pub const fn contains(self, other: AllocFlags) -> bool {
        self.0 & other.0 == other.0
    }
    #[must_use]
    pub const fn intersects(self, other: AllocFlags) -> bool {
        self.0 & other.0 != 0
    }
    /// The watermark index selected by the low bits (`alloc_flags & ALLOC_WMARK_MASK`).
    #[must_use]
    pub const fn wmark(self) -> u32 {
        self.0 & Self::WMARK_MASK.0
    }
}

impl std::ops::BitOr for AllocFlags {
    type Output = AllocFlags;
    fn bitor(self, rhs: AllocFlags) -> AllocFlags {
        AllocFlags(self.0 | rhs.0)
    }
}
impl std::ops::BitOrAssign for AllocFlags {
    fn bitor_assign(&mut self, rhs: AllocFlags) {
        self.0 |= rhs.0;
    }
}
impl std::fmt::Debug for AllocFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AllocFlags({:#x})", self.0)
    }
}
