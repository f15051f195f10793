//! GFP masks (issue 3). Internally every mask uses the Linux 6.12 bit layout
//! (`include/linux/gfp_types.h`, enum `___GFP_*_BIT`, built with CONFIG_LOCKDEP so that
//! `__GFP_NOLOCKDEP` has a bit); older layouts exist only to decode and print logs.

use serde::{Deserialize, Serialize};

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
    pub const TRANSHUGE_LIGHT: Gfp = Gfp(
        (Self::HIGHUSER_MOVABLE.0 | Self::COMP.0 | Self::NOMEMALLOC.0 | Self::NOWARN.0)
            & !Self::RECLAIM.0,
    );
    pub const TRANSHUGE: Gfp = Gfp(Self::TRANSHUGE_LIGHT.0 | Self::DIRECT_RECLAIM.0);

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
