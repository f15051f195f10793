//! Every `__GFP_*` bit and composite of Linux 6.12 as data: name, value, group and
//! meaning (include/linux/gfp_types.h, 6.12; §1.1–§1.3), plus the flags older kernels
//! had (§1.5) so that their logs can be explained.

use serde::Serialize;

use super::Gfp;

/// The section of include/linux/gfp_types.h a flag is documented in.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagGroup {
    /// Physical address zone modifiers.
    Zone,
    /// Page mobility and placement hints.
    Mobility,
    /// Watermark modifiers: access to emergency reserves.
    Watermark,
    /// Reclaim modifiers.
    Reclaim,
    /// Action modifiers.
    Action,
}

impl FlagGroup {
    /// The lowercase name used in [`crate::view::GfpBitView::group`].
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            FlagGroup::Zone => "zone",
            FlagGroup::Mobility => "mobility",
            FlagGroup::Watermark => "watermark",
            FlagGroup::Reclaim => "reclaim",
            FlagGroup::Action => "action",
        }
    }
}

/// One `__GFP_*` bit of the 6.12 layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FlagInfo {
    /// Kernel name, e.g. `__GFP_FS`.
    pub name: &'static str,
    /// The bit in the 6.12 layout.
    pub value: Gfp,
    pub group: FlagGroup,
    /// What the allocator does with it (one or two sentences).
    pub meaning: &'static str,
}

/// Every `__GFP_*` bit of Linux 6.12 in bit order, for a CONFIG_LOCKDEP +
/// CONFIG_SLAB_OBJ_EXT build without CONFIG_KASAN_HW_TAGS (§1.1): `__GFP_NOLOCKDEP` is
/// bit 24 and `__GFP_NO_OBJ_EXT` bit 25; `__GFP_SKIP_ZERO`/`__GFP_SKIP_KASAN` are 0.
pub const FLAGS: [FlagInfo; 25] = [
    FlagInfo {
        name: "__GFP_DMA",
        value: Gfp::DMA,
        group: FlagGroup::Zone,
        meaning: "Highest allowed zone is ZONE_DMA (x86: below 16 MiB); falls back to NORMAL when ZONE_DMA is not configured.",
    },
    FlagInfo {
        name: "__GFP_HIGHMEM",
        value: Gfp::HIGHMEM,
        group: FlagGroup::Zone,
        meaning: "Highest allowed zone is ZONE_HIGHMEM (ZONE_NORMAL on 64-bit, where there is no highmem); with __GFP_MOVABLE it allows ZONE_MOVABLE.",
    },
    FlagInfo {
        name: "__GFP_DMA32",
        value: Gfp::DMA32,
        group: FlagGroup::Zone,
        meaning: "Highest allowed zone is ZONE_DMA32 (below 4 GiB).",
    },
    FlagInfo {
        name: "__GFP_MOVABLE",
        value: Gfp::MOVABLE,
        group: FlagGroup::Zone,
        meaning: "The page can be migrated by compaction or reclaimed (also a mobility hint): migratetype MOVABLE, CMA allowed; together with __GFP_HIGHMEM it allows ZONE_MOVABLE.",
    },
    FlagInfo {
        name: "__GFP_RECLAIMABLE",
        value: Gfp::RECLAIMABLE,
        group: FlagGroup::Mobility,
        meaning: "Slab pages freeable by shrinkers (SLAB_RECLAIM_ACCOUNT caches): migratetype RECLAIMABLE.",
    },
    FlagInfo {
        name: "__GFP_HIGH",
        value: Gfp::HIGH,
        group: FlagGroup::Watermark,
        meaning: "High priority: may dip below the min watermark (ALLOC_MIN_RESERVE, half of min).",
    },
    FlagInfo {
        name: "__GFP_IO",
        value: Gfp::IO,
        group: FlagGroup::Reclaim,
        meaning: "Reclaim may start physical I/O (swap out anonymous pages); compaction requires it.",
    },
    FlagInfo {
        name: "__GFP_FS",
        value: Gfp::FS,
        group: FlagGroup::Reclaim,
        meaning: "Reclaim may call down into the filesystem (fs shrinkers, fs locks); the global OOM killer requires it.",
    },
    FlagInfo {
        name: "__GFP_ZERO",
        value: Gfp::ZERO,
        group: FlagGroup::Action,
        meaning: "Return a zeroed page.",
    },
    FlagInfo {
        name: "__GFP_DIRECT_RECLAIM",
        value: Gfp::DIRECT_RECLAIM,
        group: FlagGroup::Reclaim,
        meaning: "The caller may sleep and enter direct reclaim and compaction (gfpflags_allow_blocking() tests only this bit).",
    },
    FlagInfo {
        name: "__GFP_KSWAPD_RECLAIM",
        value: Gfp::KSWAPD_RECLAIM,
        group: FlagGroup::Reclaim,
        meaning: "Wake kswapd when the low watermark is reached, so it reclaims until the high watermark (ALLOC_KSWAPD).",
    },
    FlagInfo {
        name: "__GFP_WRITE",
        value: Gfp::WRITE,
        group: FlagGroup::Mobility,
        meaning: "The caller will dirty the page: spread such pages so per-node dirty limits hold.",
    },
    FlagInfo {
        name: "__GFP_NOWARN",
        value: Gfp::NOWARN,
        group: FlagGroup::Action,
        meaning: "Suppress the allocation failure report (warn_alloc, SLUB's out-of-memory message).",
    },
    FlagInfo {
        name: "__GFP_RETRY_MAYFAIL",
        value: Gfp::RETRY_MAYFAIL,
        group: FlagGroup::Reclaim,
        meaning: "Retry reclaim hard while there is progress, but never invoke the OOM killer; may fail.",
    },
    FlagInfo {
        name: "__GFP_NOFAIL",
        value: Gfp::NOFAIL,
        group: FlagGroup::Reclaim,
        meaning: "Never fail: retry forever. Must be used with __GFP_DIRECT_RECLAIM; order > 1 is not supported.",
    },
    FlagInfo {
        name: "__GFP_NORETRY",
        value: Gfp::NORETRY,
        group: FlagGroup::Reclaim,
        meaning: "Try only lightweight direct reclaim and compaction once, then fail; never invoke the OOM killer.",
    },
    FlagInfo {
        name: "__GFP_MEMALLOC",
        value: Gfp::MEMALLOC,
        group: FlagGroup::Watermark,
        meaning: "Access all memory reserves (ALLOC_NO_WATERMARKS); only for callers that free memory shortly.",
    },
    FlagInfo {
        name: "__GFP_COMP",
        value: Gfp::COMP,
        group: FlagGroup::Action,
        meaning: "Build a compound page (head and tail page metadata).",
    },
    FlagInfo {
        name: "__GFP_NOMEMALLOC",
        value: Gfp::NOMEMALLOC,
        group: FlagGroup::Watermark,
        meaning: "Forbid access to emergency reserves; takes precedence over __GFP_MEMALLOC and PF_MEMALLOC.",
    },
    FlagInfo {
        name: "__GFP_HARDWALL",
        value: Gfp::HARDWALL,
        group: FlagGroup::Mobility,
        meaning: "Enforce the cpuset memory allocation policy.",
    },
    FlagInfo {
        name: "__GFP_THISNODE",
        value: Gfp::THISNODE,
        group: FlagGroup::Mobility,
        meaning: "Only the requested node: no fallback to other nodes, no OOM kill.",
    },
    FlagInfo {
        name: "__GFP_ACCOUNT",
        value: Gfp::ACCOUNT,
        group: FlagGroup::Mobility,
        meaning: "Charge the allocation to the current memory cgroup (kmemcg).",
    },
    FlagInfo {
        name: "__GFP_ZEROTAGS",
        value: Gfp::ZEROTAGS,
        group: FlagGroup::Action,
        meaning: "When the memory is zeroed, zero its memory tags too (arm64 MTE).",
    },
    FlagInfo {
        name: "__GFP_NOLOCKDEP",
        value: Gfp::NOLOCKDEP,
        group: FlagGroup::Action,
        meaning: "Skip the lockdep fs_reclaim annotation for this allocation (false positives only); CONFIG_LOCKDEP only.",
    },
    FlagInfo {
        name: "__GFP_NO_OBJ_EXT",
        value: Gfp::NO_OBJ_EXT,
        group: FlagGroup::Mobility,
        meaning: "Slab allocation without an object-extension vector (prevents recursion); CONFIG_SLAB_OBJ_EXT only.",
    },
];

/// A named combination of bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CompositeInfo {
    pub name: &'static str,
    /// Value in the 6.12 layout.
    pub value: Gfp,
    /// The definition as written in gfp_types.h.
    pub definition: &'static str,
    pub meaning: &'static str,
}

/// The composites of include/linux/gfp_types.h (6.12), in definition order, plus
/// `__GFP_RECLAIM` and the helper masks of gfp.h.
pub const COMPOSITES: [CompositeInfo; 16] = [
    CompositeInfo {
        name: "__GFP_RECLAIM",
        value: Gfp::RECLAIM,
        definition: "__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM",
        meaning: "Shorthand to allow or forbid both direct and kswapd reclaim.",
    },
    CompositeInfo {
        name: "GFP_ATOMIC",
        value: Gfp::ATOMIC,
        definition: "__GFP_HIGH | __GFP_KSWAPD_RECLAIM",
        meaning: "Cannot sleep and needs the allocation to succeed: may use part of the reserves.",
    },
    CompositeInfo {
        name: "GFP_KERNEL",
        value: Gfp::KERNEL,
        definition: "__GFP_RECLAIM | __GFP_IO | __GFP_FS",
        meaning: "Typical kernel-internal allocation: may sleep, reclaim, start I/O and enter the filesystem.",
    },
    CompositeInfo {
        name: "GFP_KERNEL_ACCOUNT",
        value: Gfp::KERNEL_ACCOUNT,
        definition: "GFP_KERNEL | __GFP_ACCOUNT",
        meaning: "GFP_KERNEL charged to kmemcg: for allocations userspace can trigger.",
    },
    CompositeInfo {
        name: "GFP_NOWAIT",
        value: Gfp::NOWAIT,
        definition: "__GFP_KSWAPD_RECLAIM | __GFP_NOWARN",
        meaning: "Must not sleep and must not use reserves; expected to fail under pressure.",
    },
    CompositeInfo {
        name: "GFP_NOIO",
        value: Gfp::NOIO,
        definition: "__GFP_RECLAIM",
        meaning: "May reclaim clean pages but start no I/O (legacy: prefer memalloc_noio_save()).",
    },
    CompositeInfo {
        name: "GFP_NOFS",
        value: Gfp::NOFS,
        definition: "__GFP_RECLAIM | __GFP_IO",
        meaning: "May reclaim and start I/O but not enter the filesystem (legacy: prefer memalloc_nofs_save()).",
    },
    CompositeInfo {
        name: "GFP_USER",
        value: Gfp::USER,
        definition: "__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL",
        meaning: "Userspace-visible kernel allocation, bounded by the cpuset.",
    },
    CompositeInfo {
        name: "GFP_DMA",
        value: Gfp::DMA,
        definition: "__GFP_DMA",
        meaning: "Lowest zone only (historical; avoid).",
    },
    CompositeInfo {
        name: "GFP_DMA32",
        value: Gfp::DMA32,
        definition: "__GFP_DMA32",
        meaning: "32-bit addressable memory.",
    },
    CompositeInfo {
        name: "GFP_HIGHUSER",
        value: Gfp::HIGHUSER,
        definition: "GFP_USER | __GFP_HIGHMEM",
        meaning: "Userspace pages that may come from highmem but cannot move.",
    },
    CompositeInfo {
        name: "GFP_HIGHUSER_MOVABLE",
        value: Gfp::HIGHUSER_MOVABLE,
        definition: "GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN",
        meaning: "Userspace pages that reclaim or migration can move (LRU pages); may use ZONE_MOVABLE.",
    },
    CompositeInfo {
        name: "GFP_TRANSHUGE_LIGHT",
        value: Gfp::TRANSHUGE_LIGHT,
        definition: "(GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM",
        meaning: "THP allocation that neither reclaims nor wakes kswapd (page-fault default).",
    },
    CompositeInfo {
        name: "GFP_TRANSHUGE",
        value: Gfp::TRANSHUGE,
        definition: "GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM",
        meaning: "THP allocation that may direct-reclaim and compact (khugepaged).",
    },
    CompositeInfo {
        name: "GFP_ZONEMASK",
        value: Gfp::ZONEMASK,
        definition: "__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE",
        meaning: "The four bits gfp_zone() looks at.",
    },
    CompositeInfo {
        name: "GFP_MOVABLE_MASK",
        value: Gfp::MOVABLE_MASK,
        definition: "__GFP_RECLAIMABLE | __GFP_MOVABLE",
        meaning: "The two bits gfp_migratetype() looks at.",
    },
];

/// Meaning of a 6.12 bit, or `None` for bits 6.12 does not define (bit 9, ≥ 26).
#[must_use]
pub fn flag_info(bit: Gfp) -> Option<&'static FlagInfo> {
    FLAGS.iter().find(|f| f.value == bit)
}

/// A 6.12 single flag or composite by kernel name.
#[must_use]
pub fn lookup_6_12(name: &str) -> Option<Gfp> {
    FLAGS
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.value)
        .or_else(|| COMPOSITES.iter().find(|c| c.name == name).map(|c| c.value))
}

/// The set bits of `gfp`, lowest first, each with its 6.12 info if it has one.
pub fn set_bits(gfp: Gfp) -> impl Iterator<Item = (Gfp, Option<&'static FlagInfo>)> {
    (0..32)
        .map(|i| Gfp(1 << i))
        .filter(move |b| gfp.intersects(*b))
        .map(|b| (b, flag_info(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_single_distinct_bits_in_order() {
        let mut prev = 0u32;
        for f in FLAGS {
            assert_eq!(f.value.0.count_ones(), 1, "{}", f.name);
            assert!(f.value.0 > prev, "{} out of bit order", f.name);
            prev = f.value.0;
        }
    }

    #[test]
    fn composites_match_reference_hex_for_6_8_plus() {
        // §1.3 column "≥6.8".
        let want = [
            ("GFP_ATOMIC", 0x820),
            ("GFP_KERNEL", 0xcc0),
            ("GFP_KERNEL_ACCOUNT", 0x400cc0),
            ("GFP_NOWAIT", 0x2800),
            ("GFP_NOIO", 0xc00),
            ("GFP_NOFS", 0xc40),
            ("GFP_USER", 0x100cc0),
            ("GFP_DMA", 0x1),
            ("GFP_DMA32", 0x4),
            ("GFP_HIGHUSER", 0x100cc2),
            ("GFP_HIGHUSER_MOVABLE", 0x100cca),
            ("GFP_TRANSHUGE_LIGHT", 0x1c20ca),
            ("GFP_TRANSHUGE", 0x1c24ca),
            ("__GFP_RECLAIM", 0xc00),
        ];
        for (name, hex) in want {
            assert_eq!(lookup_6_12(name), Some(Gfp(hex)), "{name}");
        }
    }

    #[test]
    fn bit_9_is_unused_in_6_12() {
        assert!(flag_info(Gfp(0x200)).is_none());
        let bits: Vec<_> = set_bits(Gfp(0x201))
            .map(|(b, i)| (b.0, i.is_some()))
            .collect();
        assert_eq!(bits, [(0x1, true), (0x200, false)]);
    }
}
