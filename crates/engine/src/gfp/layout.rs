//! GFP bit layouts and name tables of every kernel era (§1.4, §1.5), so that a mask
//! pasted from any log decodes and prints exactly as that kernel printed it.
//!
//! Values are for an x86-64 build with CONFIG_LOCKDEP (so `__GFP_NOLOCKDEP` has a bit)
//! and without CONFIG_KASAN_HW_TAGS; 6.10+ also has CONFIG_SLAB_OBJ_EXT. Sources, per
//! boundary:
//! - ≤4.3: include/linux/gfp.h with `___GFP_WAIT`; names from
//!   include/trace/events/gfpflags.h (`"GFP_HIGH"`… without underscores, `"GFP_NOWAIT"`
//!   for 0). printk had no `%pGg`: logs show bare hex (`mode:0x204010`).
//! - 4.4: `__GFP_WAIT` split into `__GFP_DIRECT_RECLAIM|__GFP_KSWAPD_RECLAIM`,
//!   `__GFP_ATOMIC` added (Mel Gorman); gfpflags.h still printed `GFP_`-style names.
//! - 4.5: `%pGg` and include/trace/events/mmflags.h (`__GFP_*` names, `"none"` for 0),
//!   `__GFP_ACCOUNT`/`GFP_KERNEL_ACCOUNT`.
//! - 4.8: `GFP_TRANSHUGE_LIGHT`; 4.11: `__GFP_OTHER_NODE` removed and the bits above it
//!   moved down; 4.12: `__GFP_NOLOCKDEP`; 4.13: `__GFP_REPEAT` → `__GFP_RETRY_MAYFAIL`;
//!   4.14: `GFP_TEMPORARY` removed; 4.15: `__GFP_COLD` and `__GFP_NOTRACK` removed
//!   *without* renumbering (a 4.16-rc5 log still prints GFP_KERNEL as `0x14000c0`).
//! - 4.18: "mm: save two stranding bit in gfp_mask" (Shakeel Butt, posted 2018-05-16,
//!   merged for 4.18) renumbers: GFP_KERNEL becomes `0x6000c0` (a 4.19 log confirms).
//! - 5.1: "mm: shuffle GFP_* flags" (Alexey Dobriyan): GFP_KERNEL becomes `0xcc0`.
//! - 5.14 ◐: `__GFP_ZEROTAGS` (0x800000) and `__GFP_SKIP_KASAN_POISON` (0x1000000,
//!   part of GFP_HIGHUSER_MOVABLE: a 5.15 log prints `0x1100cca(GFP_HIGHUSER_MOVABLE)`).
//! - 5.18: the KASAN bits exist only with CONFIG_KASAN_HW_TAGS (0 here).
//! - 6.3: `__GFP_ATOMIC` removed (bit 9 unused since). 6.8: GFP_NOWAIT gains
//!   `__GFP_NOWARN`. 6.10: bits become an enum (`__GFP_NOLOCKDEP` = bit 24 here).
//! - 6.15: "tracing: gfp: Remove duplication of recording GFP flags" (trace-v6.15 pull):
//!   single-bit names are printed in bit order (`GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP`
//!   in a 6.16 log, `…|__GFP_COMP|__GFP_ZERO` before).

use serde::Serialize;

use super::Gfp;
use super::flags::FlagGroup;
use crate::version::KernelVersion;

/// A `(major, minor)` release.
type Release = (u16, u16);

/// Every single-bit flag any supported kernel had.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
pub enum FlagId {
    Dma,
    Highmem,
    Dma32,
    Movable,
    Reclaimable,
    High,
    Io,
    Fs,
    Zero,
    Atomic,
    DirectReclaim,
    KswapdReclaim,
    Write,
    Nowarn,
    RetryMayfail,
    Nofail,
    Noretry,
    Memalloc,
    Comp,
    Nomemalloc,
    Hardwall,
    Thisnode,
    Account,
    Zerotags,
    Nolockdep,
    NoObjExt,
    Wait,
    Cold,
    Notrack,
    NoKswapd,
    OtherNode,
    Kmemcg,
    Noaccount,
    SkipKasanPoison,
}

/// How a historical flag relates to the 6.12 layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub enum Canon {
    /// The same meaning as this 6.12 bit (`__GFP_WAIT` counts as `__GFP_DIRECT_RECLAIM`).
    Bit(Gfp),
    /// Set means this 6.12 bit is *clear* (`__GFP_NO_KSWAPD` vs `__GFP_KSWAPD_RECLAIM`).
    Inverse(Gfp),
    /// No 6.12 equivalent (`__GFP_COLD`, `__GFP_ATOMIC`, …).
    Legacy,
}

impl FlagId {
    /// Every flag, canonical ones in 6.12 bit order first.
    pub const ALL: [FlagId; 34] = [
        FlagId::Dma,
        FlagId::Highmem,
        FlagId::Dma32,
        FlagId::Movable,
        FlagId::Reclaimable,
        FlagId::High,
        FlagId::Io,
        FlagId::Fs,
        FlagId::Zero,
        FlagId::Atomic,
        FlagId::DirectReclaim,
        FlagId::KswapdReclaim,
        FlagId::Write,
        FlagId::Nowarn,
        FlagId::RetryMayfail,
        FlagId::Nofail,
        FlagId::Noretry,
        FlagId::Memalloc,
        FlagId::Comp,
        FlagId::Nomemalloc,
        FlagId::Hardwall,
        FlagId::Thisnode,
        FlagId::Account,
        FlagId::Zerotags,
        FlagId::Nolockdep,
        FlagId::NoObjExt,
        FlagId::Wait,
        FlagId::Cold,
        FlagId::Notrack,
        FlagId::NoKswapd,
        FlagId::OtherNode,
        FlagId::Kmemcg,
        FlagId::Noaccount,
        FlagId::SkipKasanPoison,
    ];

    /// The kernel name in release `r` (`__GFP_REPEAT` before 4.13).
    #[must_use]
    pub fn name_in(self, r: Release) -> &'static str {
        match self {
            FlagId::RetryMayfail if r < (4, 13) => "__GFP_REPEAT",
            _ => self.name(),
        }
    }

    /// The kernel name (current spelling).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            FlagId::Dma => "__GFP_DMA",
            FlagId::Highmem => "__GFP_HIGHMEM",
            FlagId::Dma32 => "__GFP_DMA32",
            FlagId::Movable => "__GFP_MOVABLE",
            FlagId::Reclaimable => "__GFP_RECLAIMABLE",
            FlagId::High => "__GFP_HIGH",
            FlagId::Io => "__GFP_IO",
            FlagId::Fs => "__GFP_FS",
            FlagId::Zero => "__GFP_ZERO",
            FlagId::Atomic => "__GFP_ATOMIC",
            FlagId::DirectReclaim => "__GFP_DIRECT_RECLAIM",
            FlagId::KswapdReclaim => "__GFP_KSWAPD_RECLAIM",
            FlagId::Write => "__GFP_WRITE",
            FlagId::Nowarn => "__GFP_NOWARN",
            FlagId::RetryMayfail => "__GFP_RETRY_MAYFAIL",
            FlagId::Nofail => "__GFP_NOFAIL",
            FlagId::Noretry => "__GFP_NORETRY",
            FlagId::Memalloc => "__GFP_MEMALLOC",
            FlagId::Comp => "__GFP_COMP",
            FlagId::Nomemalloc => "__GFP_NOMEMALLOC",
            FlagId::Hardwall => "__GFP_HARDWALL",
            FlagId::Thisnode => "__GFP_THISNODE",
            FlagId::Account => "__GFP_ACCOUNT",
            FlagId::Zerotags => "__GFP_ZEROTAGS",
            FlagId::Nolockdep => "__GFP_NOLOCKDEP",
            FlagId::NoObjExt => "__GFP_NO_OBJ_EXT",
            FlagId::Wait => "__GFP_WAIT",
            FlagId::Cold => "__GFP_COLD",
            FlagId::Notrack => "__GFP_NOTRACK",
            FlagId::NoKswapd => "__GFP_NO_KSWAPD",
            FlagId::OtherNode => "__GFP_OTHER_NODE",
            FlagId::Kmemcg => "__GFP_KMEMCG",
            FlagId::Noaccount => "__GFP_NOACCOUNT",
            FlagId::SkipKasanPoison => "__GFP_SKIP_KASAN_POISON",
        }
    }

    /// The 6.12 equivalent.
    #[must_use]
    pub const fn canonical(self) -> Canon {
        match self {
            FlagId::Dma => Canon::Bit(Gfp::DMA),
            FlagId::Highmem => Canon::Bit(Gfp::HIGHMEM),
            FlagId::Dma32 => Canon::Bit(Gfp::DMA32),
            FlagId::Movable => Canon::Bit(Gfp::MOVABLE),
            FlagId::Reclaimable => Canon::Bit(Gfp::RECLAIMABLE),
            FlagId::High => Canon::Bit(Gfp::HIGH),
            FlagId::Io => Canon::Bit(Gfp::IO),
            FlagId::Fs => Canon::Bit(Gfp::FS),
            FlagId::Zero => Canon::Bit(Gfp::ZERO),
            FlagId::DirectReclaim | FlagId::Wait => Canon::Bit(Gfp::DIRECT_RECLAIM),
            FlagId::KswapdReclaim => Canon::Bit(Gfp::KSWAPD_RECLAIM),
            FlagId::NoKswapd => Canon::Inverse(Gfp::KSWAPD_RECLAIM),
            FlagId::Write => Canon::Bit(Gfp::WRITE),
            FlagId::Nowarn => Canon::Bit(Gfp::NOWARN),
            FlagId::RetryMayfail => Canon::Bit(Gfp::RETRY_MAYFAIL),
            FlagId::Nofail => Canon::Bit(Gfp::NOFAIL),
            FlagId::Noretry => Canon::Bit(Gfp::NORETRY),
            FlagId::Memalloc => Canon::Bit(Gfp::MEMALLOC),
            FlagId::Comp => Canon::Bit(Gfp::COMP),
            FlagId::Nomemalloc => Canon::Bit(Gfp::NOMEMALLOC),
            FlagId::Hardwall => Canon::Bit(Gfp::HARDWALL),
            FlagId::Thisnode => Canon::Bit(Gfp::THISNODE),
            FlagId::Account => Canon::Bit(Gfp::ACCOUNT),
            FlagId::Zerotags => Canon::Bit(Gfp::ZEROTAGS),
            FlagId::Nolockdep => Canon::Bit(Gfp::NOLOCKDEP),
            FlagId::NoObjExt => Canon::Bit(Gfp::NO_OBJ_EXT),
            FlagId::Atomic
            | FlagId::Cold
            | FlagId::Notrack
            | FlagId::OtherNode
            | FlagId::Kmemcg
            | FlagId::Noaccount
            | FlagId::SkipKasanPoison => Canon::Legacy,
        }
    }

    /// Group and meaning: from the 6.12 table for current flags, written here for
    /// historical ones.
    #[must_use]
    pub fn describe(self) -> (FlagGroup, &'static str) {
        if let Canon::Bit(bit) = self.canonical()
            && self != FlagId::Wait
            && let Some(info) = super::flags::flag_info(bit)
        {
            return (info.group, info.meaning);
        }
        match self {
            FlagId::Wait => (
                FlagGroup::Reclaim,
                "Until 4.3: the caller can sleep and reclaim (split in 4.4 into __GFP_DIRECT_RECLAIM and __GFP_KSWAPD_RECLAIM).",
            ),
            FlagId::NoKswapd => (
                FlagGroup::Reclaim,
                "Until 4.3: do not wake kswapd (the inverse of today's __GFP_KSWAPD_RECLAIM).",
            ),
            FlagId::Atomic => (
                FlagGroup::Watermark,
                "4.4-6.2: the caller cannot reclaim or sleep and is high priority: ALLOC_HARDER (more reserves, highatomic blocks), cpusets ignored. Removed in 6.3.",
            ),
            FlagId::Cold => (
                FlagGroup::Action,
                "Until 4.14: a cache-cold page is wanted (taken from the tail of the per-cpu list).",
            ),
            FlagId::Notrack => (
                FlagGroup::Action,
                "Until 4.14: do not track the allocation with kmemcheck.",
            ),
            FlagId::OtherNode => (
                FlagGroup::Mobility,
                "Until 4.10: allocation on behalf of another node (NUMA statistics only).",
            ),
            FlagId::Kmemcg => (
                FlagGroup::Mobility,
                "3.8-3.14: the allocation comes from a memcg-accounted resource.",
            ),
            FlagId::Noaccount => (
                FlagGroup::Mobility,
                "4.1-4.4: do not account the allocation to kmemcg (replaced by opt-in __GFP_ACCOUNT).",
            ),
            FlagId::SkipKasanPoison => (
                FlagGroup::Action,
                "5.14-5.17 (unconditional bit): KASAN skips poisoning the page on free; part of GFP_HIGHUSER_MOVABLE.",
            ),
            _ => (FlagGroup::Action, "No description."),
        }
    }

    /// The raw value of this flag in release `r`, or 0 if the flag does not exist there
    /// (or is configured out).
    #[must_use]
    pub fn value_in(self, r: Release) -> u32 {
        let ge = |ma: u16, mi: u16| r >= (ma, mi);
        let shuffled = ge(5, 1);
        match self {
            FlagId::Dma => 0x1,
            FlagId::Highmem => 0x2,
            FlagId::Dma32 => 0x4,
            FlagId::Movable => 0x8,
            FlagId::Reclaimable => {
                if ge(4, 4) {
                    0x10
                } else {
                    0x80000
                }
            }
            FlagId::High => 0x20,
            FlagId::Io => 0x40,
            FlagId::Fs => 0x80,
            FlagId::Wait => u32::from(!ge(4, 4)) * 0x10,
            FlagId::Cold => u32::from(!ge(4, 15)) * 0x100,
            FlagId::Zero => {
                if shuffled {
                    0x100
                } else {
                    0x8000
                }
            }
            FlagId::Atomic => {
                if !ge(4, 4) || ge(6, 3) {
                    0
                } else if shuffled {
                    0x200
                } else {
                    0x80000
                }
            }
            FlagId::DirectReclaim => {
                if !ge(4, 4) {
                    0
                } else if !ge(4, 18) {
                    0x400000
                } else if !shuffled {
                    0x200000
                } else {
                    0x400
                }
            }
            FlagId::KswapdReclaim => {
                if !ge(4, 4) {
                    0
                } else if !ge(4, 11) {
                    0x2000000
                } else if !ge(4, 18) {
                    0x1000000
                } else if !shuffled {
                    0x400000
                } else {
                    0x800
                }
            }
            FlagId::Write => {
                if !ge(3, 2) {
                    0
                } else if !ge(4, 11) {
                    0x1000000
                } else if !ge(4, 18) {
                    0x800000
                } else if !shuffled {
                    0x100
                } else {
                    0x1000
                }
            }
            FlagId::Nowarn => pick(shuffled, 0x2000, 0x200),
            FlagId::RetryMayfail => pick(shuffled, 0x4000, 0x400),
            FlagId::Nofail => pick(shuffled, 0x8000, 0x800),
            FlagId::Noretry => pick(shuffled, 0x10000, 0x1000),
            FlagId::Memalloc => {
                if shuffled {
                    0x20000
                } else if ge(3, 6) {
                    0x2000
                } else {
                    0
                }
            }
            FlagId::Comp => pick(shuffled, 0x40000, 0x4000),
            FlagId::Nomemalloc => pick(shuffled, 0x80000, 0x10000),
            FlagId::Hardwall => pick(shuffled, 0x100000, 0x20000),
            FlagId::Thisnode => pick(shuffled, 0x200000, 0x40000),
            FlagId::Account => {
                if shuffled {
                    0x400000
                } else if ge(4, 5) {
                    0x100000
                } else {
                    0
                }
            }
            FlagId::Kmemcg => u32::from(ge(3, 8) && !ge(3, 15)) * 0x100000,
            FlagId::Noaccount => u32::from(ge(4, 1) && !ge(4, 5)) * 0x100000,
            // 0 without CONFIG_KMEMCHECK before 3.10 ◐ (the trace table then prints
            // "GFP_NOTRACK" for any leftover bits, as the kernel's loop does).
            FlagId::Notrack => u32::from(ge(3, 10) && !ge(4, 15)) * 0x200000,
            FlagId::NoKswapd => u32::from(!ge(4, 4)) * 0x400000,
            FlagId::OtherNode => u32::from(!ge(4, 11)) * 0x800000,
            FlagId::Zerotags => u32::from(ge(5, 14)) * 0x800000,
            FlagId::SkipKasanPoison => u32::from(ge(5, 14) && !ge(5, 18)) * 0x1000000,
            FlagId::Nolockdep => {
                if !ge(4, 12) {
                    0
                } else if !ge(4, 18) {
                    0x2000000
                } else if !ge(5, 14) {
                    0x800000
                } else if !ge(5, 18) {
                    0x2000000
                } else if !ge(6, 3) {
                    0x8000000
                } else if !ge(6, 10) {
                    0x4000000
                } else {
                    0x1000000
                }
            }
            FlagId::NoObjExt => u32::from(ge(6, 10)) * 0x2000000,
        }
    }

    /// True if the flag exists (as a name) in release `r`, even if configured to 0.
    fn exists_in(self, r: Release) -> bool {
        match self {
            FlagId::Notrack => r < (4, 15),
            _ => self.value_in(r) != 0,
        }
    }
}

const fn pick(cond: bool, a: u32, b: u32) -> u32 {
    if cond { a } else { b }
}

/// The bit-layout eras of §1.5, with the boundaries corrected from logs and patches.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
pub enum Era {
    /// ≤4.3: `__GFP_WAIT`, no `%pGg`.
    UpTo4_3,
    /// 4.4–4.10: direct/kswapd reclaim split, `__GFP_ATOMIC`, `__GFP_OTHER_NODE`.
    V4_4To4_10,
    /// 4.11–4.17: `__GFP_OTHER_NODE` gone (GFP_KERNEL 0x14000c0); COLD/NOTRACK removed
    /// in 4.15 without renumbering.
    V4_11To4_17,
    /// 4.18–5.0: renumbered (GFP_KERNEL 0x6000c0).
    V4_18To5_0,
    /// 5.1–6.2: shuffled (GFP_KERNEL 0xcc0), `__GFP_ATOMIC` = 0x200.
    V5_1To6_2,
    /// 6.3–6.7: no `__GFP_ATOMIC`.
    V6_3To6_7,
    /// 6.8+: GFP_NOWAIT includes `__GFP_NOWARN` (name table in bit order from 6.15).
    V6_8Plus,
}

impl Era {
    /// All eras, oldest first.
    pub const ALL: [Era; 7] = [
        Era::UpTo4_3,
        Era::V4_4To4_10,
        Era::V4_11To4_17,
        Era::V4_18To5_0,
        Era::V5_1To6_2,
        Era::V6_3To6_7,
        Era::V6_8Plus,
    ];

    /// The era a version belongs to.
    #[must_use]
    pub fn of(version: KernelVersion) -> Era {
        let r = version.effective_release();
        if r < (4, 4) {
            Era::UpTo4_3
        } else if r < (4, 11) {
            Era::V4_4To4_10
        } else if r < (4, 18) {
            Era::V4_11To4_17
        } else if r < (5, 1) {
            Era::V4_18To5_0
        } else if r < (6, 3) {
            Era::V5_1To6_2
        } else if r < (6, 8) {
            Era::V6_3To6_7
        } else {
            Era::V6_8Plus
        }
    }

    /// Human label, e.g. `4.18–5.0`.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Era::UpTo4_3 => "≤4.3",
            Era::V4_4To4_10 => "4.4–4.10",
            Era::V4_11To4_17 => "4.11–4.17",
            Era::V4_18To5_0 => "4.18–5.0",
            Era::V5_1To6_2 => "5.1–6.2",
            Era::V6_3To6_7 => "6.3–6.7",
            Era::V6_8Plus => "6.8+",
        }
    }

    /// A release inside the era (its last one, or 6.12 for the newest).
    #[must_use]
    pub const fn representative(self) -> KernelVersion {
        match self {
            Era::UpTo4_3 => KernelVersion::new(4, 3),
            Era::V4_4To4_10 => KernelVersion::new(4, 10),
            Era::V4_11To4_17 => KernelVersion::new(4, 14),
            Era::V4_18To5_0 => KernelVersion::new(4, 19),
            Era::V5_1To6_2 => KernelVersion::new(6, 1),
            Era::V6_3To6_7 => KernelVersion::new(6, 6),
            Era::V6_8Plus => KernelVersion::V6_12,
        }
    }
}

/// The bits, composites and printing table of one kernel release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Layout {
    pub version: KernelVersion,
    pub era: Era,
    /// Flags present in this release with their raw values (0 = configured out).
    pub flags: Vec<(FlagId, u32)>,
    /// Composites present in this release, in gfp.h definition order.
    pub composites: Vec<(&'static str, u32)>,
    /// The printing table, in kernel order (`%pGg` from 4.5, tracepoints always).
    pub names: Vec<(u32, &'static str)>,
    /// What `show_gfp_flags()` prints for 0 (`"none"`, or `"GFP_NOWAIT"` before 4.5).
    pub zero_trace: &'static str,
    /// Whether printk knows `%pGg` (4.5+); before, logs carry bare hex.
    pub has_pgg: bool,
}

/// A raw mask translated into the 6.12 layout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decoded {
    /// The 6.12 meaning of the bits that still exist.
    pub gfp: Gfp,
    /// Flags of this release with no 6.12 equivalent that were set.
    pub legacy: Vec<FlagId>,
    /// Raw bits this release does not define.
    pub unknown: u32,
}

impl Layout {
    /// The layout of `version`.
    #[must_use]
    pub fn new(version: KernelVersion) -> Layout {
        let r = version.effective_release();
        let flags: Vec<(FlagId, u32)> = FlagId::ALL
            .iter()
            .filter(|f| f.exists_in(r))
            .map(|f| (*f, f.value_in(r)))
            .collect();
        let composites = composites(r);
        let names = name_table(r, &composites);
        Layout {
            version,
            era: Era::of(version),
            flags,
            composites,
            names,
            zero_trace: if r < (4, 5) { "GFP_NOWAIT" } else { "none" },
            has_pgg: r >= (4, 5),
        }
    }

    /// The 6.12 baseline layout.
    #[must_use]
    pub fn v6_12() -> Layout {
        Layout::new(KernelVersion::V6_12)
    }

    /// Raw value of `flag` here (0 if absent).
    #[must_use]
    pub fn value(&self, flag: FlagId) -> u32 {
        self.flags
            .iter()
            .find(|(f, _)| *f == flag)
            .map_or(0, |(_, v)| *v)
    }

    /// Every raw bit some flag of this release uses.
    #[must_use]
    pub fn known_bits(&self) -> u32 {
        self.flags.iter().fold(0, |acc, (_, v)| acc | v)
    }

    /// Resolve a name as this release spells it: a composite (`GFP_KERNEL`), a flag
    /// (`__GFP_COLD`), or a printing-table name (`GFP_HIGH` in 3.x traces).
    #[must_use]
    pub fn lookup(&self, name: &str) -> Option<u32> {
        let r = self.version.effective_release();
        if let Some((_, v)) = self.composites.iter().find(|(n, _)| *n == name) {
            return Some(*v);
        }
        if let Some((_, v)) = self.flags.iter().find(|(f, _)| f.name_in(r) == name) {
            return Some(*v);
        }
        self.names.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
    }

    /// Every name [`Layout::lookup`] accepts, for suggestions.
    #[must_use]
    pub fn all_names(&self) -> Vec<&'static str> {
        let r = self.version.effective_release();
        let mut out: Vec<&'static str> = self.composites.iter().map(|(n, _)| *n).collect();
        out.extend(self.flags.iter().map(|(f, _)| f.name_in(r)));
        for (_, n) in &self.names {
            if !out.contains(n) {
                out.push(n);
            }
        }
        out
    }

    /// Translate a raw mask of this release into the 6.12 layout.
    #[must_use]
    pub fn to_canonical(&self, raw: u32) -> Decoded {
        let mut gfp = Gfp(0);
        let mut legacy = Vec::new();
        for (flag, value) in &self.flags {
            match flag.canonical() {
                Canon::Inverse(bit) => {
                    if *value != 0 && raw & value == 0 {
                        gfp |= bit;
                    }
                }
                Canon::Bit(bit) => {
                    if *value != 0 && raw & value == *value {
                        gfp |= bit;
                    }
                }
                Canon::Legacy => {
                    if *value != 0 && raw & value == *value {
                        legacy.push(*flag);
                    }
                }
            }
        }
        Decoded {
            gfp,
            legacy,
            unknown: raw & !self.known_bits(),
        }
    }

    /// Translate 6.12 bits (plus legacy flags and unknown raw bits) into this release.
    /// Returns the raw mask and the 6.12 bits this release cannot express.
    #[must_use]
    pub fn from_canonical(&self, decoded: &Decoded) -> (u32, Gfp) {
        let mut raw = decoded.unknown;
        let mut expressed = Gfp(0);
        for (flag, value) in &self.flags {
            match flag.canonical() {
                Canon::Inverse(bit) => {
                    expressed |= bit;
                    if *value != 0 && !decoded.gfp.contains(bit) {
                        raw |= value;
                    }
                }
                Canon::Bit(bit) => {
                    if *value != 0 {
                        expressed |= bit;
                        if decoded.gfp.contains(bit) {
                            raw |= value;
                        }
                    }
                }
                Canon::Legacy => {
                    if decoded.legacy.contains(flag) {
                        raw |= value;
                    }
                }
            }
        }
        (raw, decoded.gfp.without(expressed))
    }

    /// Shorthand: a 6.12 mask in this release's raw layout (inexpressible bits dropped).
    #[must_use]
    pub fn encode(&self, gfp: Gfp) -> u32 {
        self.from_canonical(&Decoded {
            gfp,
            legacy: Vec::new(),
            unknown: 0,
        })
        .0
    }
}

/// The releases (first, last) in which a flag name existed, for error messages.
#[must_use]
pub fn name_history(name: &str) -> Option<(KernelVersion, Option<KernelVersion>)> {
    const PROBES: [Release; 26] = [
        (3, 0),
        (3, 2),
        (3, 6),
        (3, 8),
        (3, 10),
        (3, 15),
        (4, 1),
        (4, 4),
        (4, 5),
        (4, 8),
        (4, 11),
        (4, 12),
        (4, 13),
        (4, 14),
        (4, 15),
        (4, 18),
        (5, 1),
        (5, 14),
        (5, 18),
        (6, 3),
        (6, 8),
        (6, 10),
        (6, 12),
        (6, 15),
        (6, 16),
        (99, 0),
    ];
    let mut first = None;
    let mut last = None;
    for r in PROBES {
        let layout = Layout::new(KernelVersion::new(r.0, r.1));
        if layout.lookup(name).is_some() {
            if first.is_none() {
                first = Some(KernelVersion::new(r.0, r.1));
            }
            last = None;
        } else if first.is_some() && last.is_none() {
            last = Some(KernelVersion::new(r.0, r.1));
        }
    }
    first.map(|f| (f, last))
}

fn composites(r: Release) -> Vec<(&'static str, u32)> {
    let v = |f: FlagId| f.value_in(r);
    let modern = r >= (4, 4);
    let reclaim = v(FlagId::DirectReclaim) | v(FlagId::KswapdReclaim);
    let kernel = if modern {
        reclaim | v(FlagId::Io) | v(FlagId::Fs)
    } else {
        v(FlagId::Wait) | v(FlagId::Io) | v(FlagId::Fs)
    };
    let atomic = if modern {
        v(FlagId::High) | v(FlagId::Atomic) | v(FlagId::KswapdReclaim)
    } else {
        v(FlagId::High)
    };
    let nowait = if !modern {
        0
    } else if r < (6, 8) {
        v(FlagId::KswapdReclaim)
    } else {
        v(FlagId::KswapdReclaim) | v(FlagId::Nowarn)
    };
    let noio = if modern { reclaim } else { v(FlagId::Wait) };
    let nofs = noio | v(FlagId::Io);
    let user = kernel | v(FlagId::Hardwall);
    let highuser = user | v(FlagId::Highmem);
    let highuser_movable = highuser | v(FlagId::Movable) | v(FlagId::SkipKasanPoison);
    let light =
        (highuser_movable | v(FlagId::Comp) | v(FlagId::Nomemalloc) | v(FlagId::Nowarn)) & !reclaim;
    let transhuge = if !modern {
        highuser_movable
            | v(FlagId::Comp)
            | v(FlagId::Nomemalloc)
            | v(FlagId::Noretry)
            | v(FlagId::Nowarn)
            | v(FlagId::NoKswapd)
    } else if r < (4, 8) {
        (highuser_movable
            | v(FlagId::Comp)
            | v(FlagId::Nomemalloc)
            | v(FlagId::Noretry)
            | v(FlagId::Nowarn))
            & !v(FlagId::KswapdReclaim)
    } else {
        light | v(FlagId::DirectReclaim)
    };

    let mut out = Vec::new();
    if modern {
        out.push(("__GFP_RECLAIM", reclaim));
    }
    out.push(("GFP_ATOMIC", atomic));
    out.push(("GFP_KERNEL", kernel));
    if r >= (4, 5) {
        out.push(("GFP_KERNEL_ACCOUNT", kernel | v(FlagId::Account)));
    }
    out.push(("GFP_NOWAIT", nowait));
    out.push(("GFP_NOIO", noio));
    out.push(("GFP_NOFS", nofs));
    if r < (4, 14) {
        out.push(("GFP_TEMPORARY", kernel | v(FlagId::Reclaimable)));
    }
    if !modern {
        out.push(("GFP_IOFS", v(FlagId::Io) | v(FlagId::Fs)));
    }
    out.push(("GFP_USER", user));
    out.push(("GFP_DMA", v(FlagId::Dma)));
    out.push(("GFP_DMA32", v(FlagId::Dma32)));
    out.push(("GFP_HIGHUSER", highuser));
    out.push(("GFP_HIGHUSER_MOVABLE", highuser_movable));
    if r >= (4, 8) {
        out.push(("GFP_TRANSHUGE_LIGHT", light));
    }
    out.push(("GFP_TRANSHUGE", transhuge));
    out.push((
        "GFP_ZONEMASK",
        v(FlagId::Dma) | v(FlagId::Highmem) | v(FlagId::Dma32) | v(FlagId::Movable),
    ));
    out.push((
        "GFP_MOVABLE_MASK",
        v(FlagId::Reclaimable) | v(FlagId::Movable),
    ));
    out
}

/// One entry of a kernel's flag-printing table: a composite (printed when all its bits are
/// set), a flag under the name the table prints, or `__GFP_REPEAT`/`__GFP_RETRY_MAYFAIL`.
/// The tables are data, not code: a `vec!` of calls costs more wasm than these arrays.
#[derive(Clone, Copy)]
enum Printed {
    C(&'static str),
    F(FlagId, &'static str),
    Repeat,
}

use Printed::{C, F, Repeat};

/// include/trace/events/gfpflags.h, 3.x.
const PRINTED_3: &[Printed] = &[
    C("GFP_TRANSHUGE"),
    C("GFP_HIGHUSER_MOVABLE"),
    C("GFP_HIGHUSER"),
    C("GFP_USER"),
    C("GFP_TEMPORARY"),
    C("GFP_KERNEL"),
    C("GFP_NOFS"),
    C("GFP_ATOMIC"),
    C("GFP_NOIO"),
    F(FlagId::High, "GFP_HIGH"),
    F(FlagId::Wait, "GFP_WAIT"),
    F(FlagId::Io, "GFP_IO"),
    F(FlagId::Cold, "GFP_COLD"),
    F(FlagId::Nowarn, "GFP_NOWARN"),
    F(FlagId::RetryMayfail, "GFP_REPEAT"),
    F(FlagId::Nofail, "GFP_NOFAIL"),
    F(FlagId::Noretry, "GFP_NORETRY"),
    F(FlagId::Comp, "GFP_COMP"),
    F(FlagId::Zero, "GFP_ZERO"),
    F(FlagId::Nomemalloc, "GFP_NOMEMALLOC"),
    F(FlagId::Memalloc, "GFP_MEMALLOC"),
    F(FlagId::Hardwall, "GFP_HARDWALL"),
    F(FlagId::Thisnode, "GFP_THISNODE"),
    F(FlagId::Reclaimable, "GFP_RECLAIMABLE"),
    F(FlagId::Kmemcg, "GFP_KMEMCG"),
    F(FlagId::Movable, "GFP_MOVABLE"),
    F(FlagId::Notrack, "GFP_NOTRACK"),
    F(FlagId::NoKswapd, "GFP_NO_KSWAPD"),
    F(FlagId::OtherNode, "GFP_OTHER_NODE"),
];

/// 4.4's gfpflags.h: new bits, old spelling.
const PRINTED_4_4: &[Printed] = &[
    C("GFP_TRANSHUGE"),
    C("GFP_HIGHUSER_MOVABLE"),
    C("GFP_HIGHUSER"),
    C("GFP_USER"),
    C("GFP_TEMPORARY"),
    C("GFP_KERNEL"),
    C("GFP_NOFS"),
    C("GFP_ATOMIC"),
    C("GFP_NOIO"),
    F(FlagId::High, "GFP_HIGH"),
    F(FlagId::Atomic, "GFP_ATOMIC"),
    F(FlagId::Io, "GFP_IO"),
    F(FlagId::Cold, "GFP_COLD"),
    F(FlagId::Nowarn, "GFP_NOWARN"),
    F(FlagId::RetryMayfail, "GFP_REPEAT"),
    F(FlagId::Nofail, "GFP_NOFAIL"),
    F(FlagId::Noretry, "GFP_NORETRY"),
    F(FlagId::Comp, "GFP_COMP"),
    F(FlagId::Zero, "GFP_ZERO"),
    F(FlagId::Nomemalloc, "GFP_NOMEMALLOC"),
    F(FlagId::Memalloc, "GFP_MEMALLOC"),
    F(FlagId::Hardwall, "GFP_HARDWALL"),
    F(FlagId::Thisnode, "GFP_THISNODE"),
    F(FlagId::Reclaimable, "GFP_RECLAIMABLE"),
    F(FlagId::Movable, "GFP_MOVABLE"),
    F(FlagId::Notrack, "GFP_NOTRACK"),
    F(FlagId::DirectReclaim, "GFP_DIRECT_RECLAIM"),
    F(FlagId::KswapdReclaim, "GFP_KSWAPD_RECLAIM"),
    F(FlagId::OtherNode, "GFP_OTHER_NODE"),
];

/// include/trace/events/mmflags.h __def_gfpflag_names, 4.5 – 6.14.
const PRINTED_4_5: &[Printed] = &[
    C("GFP_TRANSHUGE"),
    C("GFP_TRANSHUGE_LIGHT"),
    C("GFP_HIGHUSER_MOVABLE"),
    C("GFP_HIGHUSER"),
    C("GFP_USER"),
    C("GFP_TEMPORARY"),
    C("GFP_KERNEL_ACCOUNT"),
    C("GFP_KERNEL"),
    C("GFP_NOFS"),
    C("GFP_ATOMIC"),
    C("GFP_NOIO"),
    C("GFP_NOWAIT"),
    C("GFP_DMA"),
    F(FlagId::Highmem, "__GFP_HIGHMEM"),
    C("GFP_DMA32"),
    F(FlagId::High, "__GFP_HIGH"),
    F(FlagId::Atomic, "__GFP_ATOMIC"),
    F(FlagId::Io, "__GFP_IO"),
    F(FlagId::Fs, "__GFP_FS"),
    F(FlagId::Cold, "__GFP_COLD"),
    F(FlagId::Nowarn, "__GFP_NOWARN"),
    Repeat,
    F(FlagId::Nofail, "__GFP_NOFAIL"),
    F(FlagId::Noretry, "__GFP_NORETRY"),
    F(FlagId::Comp, "__GFP_COMP"),
    F(FlagId::Zero, "__GFP_ZERO"),
    F(FlagId::Nomemalloc, "__GFP_NOMEMALLOC"),
    F(FlagId::Memalloc, "__GFP_MEMALLOC"),
    F(FlagId::Hardwall, "__GFP_HARDWALL"),
    F(FlagId::Thisnode, "__GFP_THISNODE"),
    F(FlagId::Reclaimable, "__GFP_RECLAIMABLE"),
    F(FlagId::Movable, "__GFP_MOVABLE"),
    F(FlagId::Account, "__GFP_ACCOUNT"),
    F(FlagId::Notrack, "__GFP_NOTRACK"),
    F(FlagId::Write, "__GFP_WRITE"),
    C("__GFP_RECLAIM"),
    F(FlagId::DirectReclaim, "__GFP_DIRECT_RECLAIM"),
    F(FlagId::KswapdReclaim, "__GFP_KSWAPD_RECLAIM"),
    F(FlagId::OtherNode, "__GFP_OTHER_NODE"),
    F(FlagId::Zerotags, "__GFP_ZEROTAGS"),
    F(FlagId::SkipKasanPoison, "__GFP_SKIP_KASAN_POISON"),
];

/// 6.15+: composites, then TRACE_GFP_FLAGS in bit order.
const PRINTED_6_15: &[Printed] = &[
    C("GFP_TRANSHUGE"),
    C("GFP_TRANSHUGE_LIGHT"),
    C("GFP_HIGHUSER_MOVABLE"),
    C("GFP_HIGHUSER"),
    C("GFP_USER"),
    C("GFP_KERNEL_ACCOUNT"),
    C("GFP_KERNEL"),
    C("GFP_NOFS"),
    C("GFP_ATOMIC"),
    C("GFP_NOIO"),
    C("GFP_NOWAIT"),
    C("GFP_DMA"),
    C("GFP_DMA32"),
    C("__GFP_RECLAIM"),
    F(FlagId::Dma, FlagId::Dma.name()),
    F(FlagId::Highmem, FlagId::Highmem.name()),
    F(FlagId::Dma32, FlagId::Dma32.name()),
    F(FlagId::Movable, FlagId::Movable.name()),
    F(FlagId::Reclaimable, FlagId::Reclaimable.name()),
    F(FlagId::High, FlagId::High.name()),
    F(FlagId::Io, FlagId::Io.name()),
    F(FlagId::Fs, FlagId::Fs.name()),
    F(FlagId::Zero, FlagId::Zero.name()),
    F(FlagId::DirectReclaim, FlagId::DirectReclaim.name()),
    F(FlagId::KswapdReclaim, FlagId::KswapdReclaim.name()),
    F(FlagId::Write, FlagId::Write.name()),
    F(FlagId::Nowarn, FlagId::Nowarn.name()),
    F(FlagId::RetryMayfail, FlagId::RetryMayfail.name()),
    F(FlagId::Nofail, FlagId::Nofail.name()),
    F(FlagId::Noretry, FlagId::Noretry.name()),
    F(FlagId::Memalloc, FlagId::Memalloc.name()),
    F(FlagId::Comp, FlagId::Comp.name()),
    F(FlagId::Nomemalloc, FlagId::Nomemalloc.name()),
    F(FlagId::Hardwall, FlagId::Hardwall.name()),
    F(FlagId::Thisnode, FlagId::Thisnode.name()),
    F(FlagId::Account, FlagId::Account.name()),
    F(FlagId::Zerotags, FlagId::Zerotags.name()),
    F(FlagId::Nolockdep, FlagId::Nolockdep.name()),
    F(FlagId::NoObjExt, FlagId::NoObjExt.name()),
];

fn name_table(r: Release, composites: &[(&'static str, u32)]) -> Vec<(u32, &'static str)> {
    let repeat = if r < (4, 13) {
        "__GFP_REPEAT"
    } else {
        "__GFP_RETRY_MAYFAIL"
    };
    let table = if r < (4, 4) {
        PRINTED_3
    } else if r < (4, 5) {
        PRINTED_4_4
    } else if r < (6, 15) {
        PRINTED_4_5
    } else {
        PRINTED_6_15
    };
    table
        .iter()
        .filter_map(|e| match *e {
            C(name) => composites
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, name)),
            F(f, shown) => f.exists_in(r).then(|| (f.value_in(r), shown)),
            Repeat => {
                let f = FlagId::RetryMayfail;
                f.exists_in(r).then(|| (f.value_in(r), repeat))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(s: &str) -> Layout {
        Layout::new(KernelVersion::parse(s).unwrap())
    }

    /// §1.3, columns ≤4.3 … ≥6.8, with the corrected 4.11–4.17 / 4.18–5.0 boundary.
    #[test]
    fn composites_in_every_era() {
        #[rustfmt::skip]
        let table: [(&str, [u32; 7]); 13] = [
            //                         ≤4.3      4.4-4.10   4.11-4.17  4.18-5.0   5.1-6.2   6.3-6.7   6.8+
            ("GFP_ATOMIC",           [0x20,     0x2080020, 0x1080020, 0x480020,  0xa20,    0x820,    0x820]),
            ("GFP_KERNEL",           [0xd0,     0x24000c0, 0x14000c0, 0x6000c0,  0xcc0,    0xcc0,    0xcc0]),
            ("GFP_NOWAIT",           [0x0,      0x2000000, 0x1000000, 0x400000,  0x800,    0x800,    0x2800]),
            ("GFP_NOIO",             [0x10,     0x2400000, 0x1400000, 0x600000,  0xc00,    0xc00,    0xc00]),
            ("GFP_NOFS",             [0x50,     0x2400040, 0x1400040, 0x600040,  0xc40,    0xc40,    0xc40]),
            ("GFP_USER",             [0x200d0,  0x24200c0, 0x14200c0, 0x6200c0,  0x100cc0, 0x100cc0, 0x100cc0]),
            ("GFP_DMA",              [0x1,      0x1,       0x1,       0x1,       0x1,      0x1,      0x1]),
            ("GFP_DMA32",            [0x4,      0x4,       0x4,       0x4,       0x4,      0x4,      0x4]),
            ("GFP_HIGHUSER",         [0x200d2,  0x24200c2, 0x14200c2, 0x6200c2,  0x100cc2, 0x100cc2, 0x100cc2]),
            ("GFP_HIGHUSER_MOVABLE", [0x200da,  0x24200ca, 0x14200ca, 0x6200ca,  0x100cca, 0x100cca, 0x100cca]),
            ("GFP_TRANSHUGE",        [0x4352da, 0x4342ca,  0x4342ca,  0x2342ca,  0x1c24ca, 0x1c24ca, 0x1c24ca]),
            ("__GFP_RECLAIM",        [u32::MAX, 0x2400000, 0x1400000, 0x600000,  0xc00,    0xc00,    0xc00]),
            ("GFP_TRANSHUGE_LIGHT",  [u32::MAX, 0x342ca,   0x342ca,   0x342ca,   0x1c20ca, 0x1c20ca, 0x1c20ca]),
        ];
        for (name, values) in table {
            for (era, want) in Era::ALL.iter().zip(values) {
                let l = Layout::new(era.representative());
                let got = l.lookup(name);
                if want == u32::MAX {
                    assert_eq!(got, None, "{name} should not exist in {}", era.label());
                } else {
                    assert_eq!(got, Some(want), "{name} in {}", era.label());
                }
            }
        }
        // GFP_KERNEL_ACCOUNT from 4.5; GFP_TEMPORARY until 4.13.
        assert_eq!(layout("4.9").lookup("GFP_KERNEL_ACCOUNT"), Some(0x25000c0));
        assert_eq!(layout("4.19").lookup("GFP_KERNEL_ACCOUNT"), Some(0x7000c0));
        assert_eq!(layout("4.4").lookup("GFP_KERNEL_ACCOUNT"), None);
        assert_eq!(layout("4.9").lookup("GFP_TEMPORARY"), Some(0x24000d0));
        assert_eq!(layout("3.10").lookup("GFP_TEMPORARY"), Some(0x800d0));
        assert_eq!(layout("4.14").lookup("GFP_TEMPORARY"), None);
        // 4.4–4.7 GFP_TRANSHUGE still had __GFP_NORETRY and no LIGHT variant.
        assert_eq!(layout("4.6").lookup("GFP_TRANSHUGE"), Some(0x4352ca));
        assert_eq!(layout("4.6").lookup("GFP_TRANSHUGE_LIGHT"), None);
        // 5.14–5.17 GFP_HIGHUSER_MOVABLE carried __GFP_SKIP_KASAN_POISON.
        assert_eq!(
            layout("5.15").lookup("GFP_HIGHUSER_MOVABLE"),
            Some(0x1100cca)
        );
        assert_eq!(
            layout("5.18").lookup("GFP_HIGHUSER_MOVABLE"),
            Some(0x100cca)
        );
    }

    #[test]
    fn v6_12_layout_equals_shared_constants() {
        let l = Layout::v6_12();
        for info in super::super::flags::FLAGS {
            assert_eq!(l.lookup(info.name), Some(info.value.0), "{}", info.name);
        }
        for c in super::super::flags::COMPOSITES {
            assert_eq!(l.lookup(c.name), Some(c.value.0), "{}", c.name);
        }
        assert_eq!(l.known_bits(), Gfp::ALL_DEFINED.0);
    }

    #[test]
    fn renamed_and_removed_flags() {
        assert_eq!(layout("4.12").lookup("__GFP_REPEAT"), Some(0x400));
        assert_eq!(layout("4.12").lookup("__GFP_RETRY_MAYFAIL"), None);
        assert_eq!(layout("4.13").lookup("__GFP_RETRY_MAYFAIL"), Some(0x400));
        assert_eq!(layout("4.14").lookup("__GFP_COLD"), Some(0x100));
        assert_eq!(layout("4.15").lookup("__GFP_COLD"), None);
        assert_eq!(layout("3.13").lookup("__GFP_WAIT"), Some(0x10));
        assert_eq!(layout("3.13").lookup("GFP_WAIT"), Some(0x10));
        assert_eq!(layout("6.2").lookup("__GFP_ATOMIC"), Some(0x200));
        assert_eq!(layout("6.3").lookup("__GFP_ATOMIC"), None);
        let (first, gone) = name_history("__GFP_ATOMIC").unwrap();
        assert_eq!(
            (first, gone),
            (KernelVersion::new(4, 4), Some(KernelVersion::new(6, 3)))
        );
    }

    #[test]
    fn canonical_translation_of_old_masks() {
        // 4.9 GFP_ATOMIC|__GFP_COLD|__GFP_COMP (a real log).
        let d = layout("4.9").to_canonical(0x2084120);
        assert_eq!(d.gfp, Gfp::HIGH | Gfp::KSWAPD_RECLAIM | Gfp::COMP);
        assert_eq!(d.legacy, [FlagId::Atomic, FlagId::Cold]);
        assert_eq!(d.unknown, 0);
        // ≤4.3 GFP_KERNEL: __GFP_WAIT = direct reclaim, and kswapd is woken unless
        // __GFP_NO_KSWAPD.
        let d = layout("3.13").to_canonical(0xd0);
        assert_eq!(d.gfp, Gfp::KERNEL);
        assert_eq!(layout("3.13").encode(Gfp::KERNEL), 0xd0);
        assert_eq!(
            layout("3.13").encode(Gfp::TRANSHUGE_LIGHT) & 0x400000,
            0x400000
        );
        // 6.12 → 4.19 round trip.
        assert_eq!(layout("4.19").encode(Gfp::KERNEL), 0x6000c0);
        // Unknown bits survive.
        let d = layout("6.12").to_canonical(0x200 | 0xcc0);
        assert_eq!((d.gfp, d.unknown), (Gfp::KERNEL, 0x200));
        assert_eq!(layout("6.12").from_canonical(&d).0, 0xec0);
    }

    #[test]
    fn era_boundaries() {
        assert_eq!(
            Era::of(KernelVersion::parse("4.16.0-rc5+").unwrap()),
            Era::V4_11To4_17
        );
        assert_eq!(
            Era::of(KernelVersion::parse("4.19.0-rc2+").unwrap()),
            Era::V4_18To5_0
        );
        assert_eq!(
            Era::of(KernelVersion::parse("4.10.0-rc6-next-20170201").unwrap()),
            Era::V4_11To4_17
        );
        assert_eq!(Era::of(KernelVersion::new(6, 2)), Era::V5_1To6_2);
        assert_eq!(Era::of(KernelVersion::new(6, 8)), Era::V6_8Plus);
    }
}
