//! Rules derived from a gfp mask (6.12): zone, zonelist order, migratetype, blocking,
//! compaction, `ALLOC_*` flags, and what the mask allows overall (§1.2, §2.2–§2.4,
//! §5.2, §5.3).

use serde::Serialize;

use super::{AllocFlags, Gfp, MigrateType, ZoneType};
use crate::context::ExecContext;
use crate::task::{Task, TaskFlags};

/// Which optional zones the kernel was built with (CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32,
/// CONFIG_HIGHMEM). A zone that is configured may still be empty on a machine.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct ZoneConfig {
    pub dma: bool,
    pub dma32: bool,
    pub highmem: bool,
}

impl ZoneConfig {
    /// x86-64: DMA and DMA32, no HIGHMEM.
    pub const X86_64: ZoneConfig = ZoneConfig {
        dma: true,
        dma32: true,
        highmem: false,
    };
    /// i386 with CONFIG_HIGHMEM: DMA and HIGHMEM, no DMA32.
    pub const I386: ZoneConfig = ZoneConfig {
        dma: true,
        dma32: false,
        highmem: true,
    };
}

impl Default for ZoneConfig {
    fn default() -> Self {
        ZoneConfig::X86_64
    }
}

/// An illegal zone-modifier combination: `gfp_zone()` hits `VM_BUG_ON(GFP_ZONE_BAD)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("illegal zone modifier combination `{combination}` (gfp_zone(): GFP_ZONE_BAD, VM_BUG_ON)")]
pub struct ZoneError {
    /// The zone bits (`gfp & GFP_ZONEMASK`).
    pub bits: u32,
    /// e.g. `__GFP_DMA|__GFP_HIGHMEM`.
    pub combination: String,
}

/// `gfp_zone()` (include/linux/gfp.h, 6.12, §2.2) on an x86-64 build: the highest zone
/// the allocation may use.
///
/// # Errors
/// [`ZoneError`] for the combinations in `GFP_ZONE_BAD` (DMA with HIGHMEM or DMA32,
/// DMA32 with HIGHMEM, ± MOVABLE). Without CONFIG_DEBUG_VM the kernel would silently use
/// table entry 0 (the lowest zone); the model refuses instead.
pub fn gfp_zone(gfp: Gfp) -> Result<ZoneType, ZoneError> {
    gfp_zone_for(gfp, ZoneConfig::X86_64)
}

/// [`gfp_zone`] for a given zone configuration (`OPT_ZONE_*` fall back to NORMAL).
///
/// # Errors
/// See [`gfp_zone`].
pub fn gfp_zone_for(gfp: Gfp, config: ZoneConfig) -> Result<ZoneType, ZoneError> {
    let bits = gfp.0 & Gfp::ZONEMASK.0;
    let dma = bits & Gfp::DMA.0 != 0;
    let highmem = bits & Gfp::HIGHMEM.0 != 0;
    let dma32 = bits & Gfp::DMA32.0 != 0;
    let movable = bits & Gfp::MOVABLE.0 != 0;
    if u8::from(dma) + u8::from(highmem) + u8::from(dma32) > 1 {
        let combination = super::flags::set_bits(Gfp(bits))
            .filter_map(|(_, info)| info.map(|i| i.name))
            .collect::<Vec<_>>()
            .join("|");
        return Err(ZoneError { bits, combination });
    }
    let opt = |configured: bool, zone: ZoneType| {
        if configured { zone } else { ZoneType::Normal }
    };
    Ok(if dma {
        opt(config.dma, ZoneType::Dma)
    } else if dma32 {
        opt(config.dma32, ZoneType::Dma32)
    } else if highmem && movable {
        ZoneType::Movable
    } else if highmem {
        opt(config.highmem, ZoneType::HighMem)
    } else {
        ZoneType::Normal
    })
}

/// The zones an allocation with highest zone `highest` walks on one node, in order
/// (`build_zonerefs_node()` lists populated zones high → low; zones above
/// `highest_zoneidx` are skipped; §2.3).
#[must_use]
pub fn zonelist_order(highest: ZoneType, populated: &[ZoneType]) -> Vec<ZoneType> {
    let mut zones: Vec<ZoneType> = populated
        .iter()
        .copied()
        .filter(|z| *z <= highest)
        .collect();
    crate::sort::sort_by_u64_key(&mut zones, |z| *z as u64);
    zones.dedup();
    zones.reverse();
    zones
}

/// `gfp_migratetype()` (include/linux/gfp.h, 6.12, §2.4): `(gfp & GFP_MOVABLE_MASK) >>
/// GFP_MOVABLE_SHIFT`. Both bits set gives 3, MIGRATE_HIGHATOMIC, after a
/// `VM_WARN_ON` (see [`gfp_migratetype_warns`]).
#[must_use]
pub fn gfp_migratetype(gfp: Gfp) -> MigrateType {
    match (gfp.contains(Gfp::MOVABLE), gfp.contains(Gfp::RECLAIMABLE)) {
        (false, false) => MigrateType::Unmovable,
        (true, false) => MigrateType::Movable,
        (false, true) => MigrateType::Reclaimable,
        (true, true) => MigrateType::HighAtomic,
    }
}

/// True if `gfp_migratetype()` would hit its `VM_WARN_ON` (both mobility bits set).
#[must_use]
pub fn gfp_migratetype_warns(gfp: Gfp) -> bool {
    gfp.contains(Gfp::MOVABLE_MASK)
}

/// `gfpflags_allow_blocking()` (include/linux/gfp.h): `__GFP_DIRECT_RECLAIM` is set.
#[must_use]
pub fn gfpflags_allow_blocking(gfp: Gfp) -> bool {
    gfp.contains(Gfp::DIRECT_RECLAIM)
}

/// `gfp_compaction_allowed()` (include/linux/gfp.h, CONFIG_COMPACTION=y): `__GFP_IO`.
#[must_use]
pub fn gfp_compaction_allowed(gfp: Gfp) -> bool {
    gfp.contains(Gfp::IO)
}

/// `gfp_to_alloc_flags(gfp, order)` (mm/page_alloc.c, 6.12, §5.2), with CONFIG_CMA=y.
/// `rt_task` is `rt_or_dl_task(current)`, `in_task` is `in_task()`.
#[must_use]
pub fn gfp_to_alloc_flags(gfp: Gfp, order: u32, rt_task: bool, in_task: bool) -> AllocFlags {
    let mut flags = AllocFlags::WMARK_MIN | AllocFlags::CPUSET;
    // __GFP_HIGH == ALLOC_MIN_RESERVE and __GFP_KSWAPD_RECLAIM == ALLOC_KSWAPD (BUILD_BUG_ON).
    flags |= AllocFlags(gfp.0 & (Gfp::HIGH.0 | Gfp::KSWAPD_RECLAIM.0));
    if !gfp.contains(Gfp::DIRECT_RECLAIM) {
        if !gfp.contains(Gfp::NOMEMALLOC) {
            flags |= AllocFlags::NON_BLOCK;
            if order > 0 && flags.contains(AllocFlags::MIN_RESERVE) {
                flags |= AllocFlags::HIGHATOMIC;
            }
        }
        if flags.contains(AllocFlags::MIN_RESERVE) {
            flags = AllocFlags(flags.0 & !AllocFlags::CPUSET.0);
        }
    } else if rt_task && in_task {
        flags |= AllocFlags::MIN_RESERVE;
    }
    gfp_to_alloc_flags_cma(gfp, flags)
}

/// `gfp_to_alloc_flags_cma()` (mm/page_alloc.c:3402-3410, 6.12, CONFIG_CMA=y): movable
/// requests may use CMA pageblocks.
#[must_use]
pub fn gfp_to_alloc_flags_cma(gfp: Gfp, mut flags: AllocFlags) -> AllocFlags {
    if gfp_migratetype(gfp) == MigrateType::Movable {
        flags |= AllocFlags::CMA;
    }
    flags
}

/// `__gfp_pfmemalloc_flags()` (mm/page_alloc.c, 6.12, §5.3): full reserve access.
#[must_use]
pub fn gfp_pfmemalloc_flags(gfp: Gfp, task: &Task, ctx: &ExecContext) -> AllocFlags {
    pfmemalloc_flags(
        gfp,
        task.flags,
        task.oom_victim,
        ctx.in_serving_softirq(),
        ctx.in_interrupt(),
    )
}

/// [`gfp_pfmemalloc_flags`] on plain values.
#[must_use]
pub fn pfmemalloc_flags(
    gfp: Gfp,
    pflags: TaskFlags,
    oom_victim: bool,
    in_serving_softirq: bool,
    in_interrupt: bool,
) -> AllocFlags {
    let memalloc = pflags.contains(TaskFlags::PF_MEMALLOC);
    if gfp.contains(Gfp::NOMEMALLOC) {
        AllocFlags(0)
    } else if gfp.contains(Gfp::MEMALLOC)
        || (in_serving_softirq && memalloc)
        || (!in_interrupt && memalloc)
    {
        AllocFlags::NO_WATERMARKS
    } else if !in_interrupt && oom_victim {
        AllocFlags::OOM
    } else {
        AllocFlags(0)
    }
}

/// Names of the set `ALLOC_*` flags (`ALLOC_WMARK_MIN` when the watermark bits are 0).
#[must_use]
pub fn alloc_flag_names(flags: AllocFlags) -> Vec<&'static str> {
    let mut out = vec![match flags.wmark() {
        0 => "ALLOC_WMARK_MIN",
        1 => "ALLOC_WMARK_LOW",
        2 => "ALLOC_WMARK_HIGH",
        _ => "ALLOC_WMARK_3",
    }];
    for (f, name) in [
        (AllocFlags::NO_WATERMARKS, "ALLOC_NO_WATERMARKS"),
        (AllocFlags::OOM, "ALLOC_OOM"),
        (AllocFlags::NON_BLOCK, "ALLOC_NON_BLOCK"),
        (AllocFlags::MIN_RESERVE, "ALLOC_MIN_RESERVE"),
        (AllocFlags::CPUSET, "ALLOC_CPUSET"),
        (AllocFlags::CMA, "ALLOC_CMA"),
        (AllocFlags::NOFRAGMENT, "ALLOC_NOFRAGMENT"),
        (AllocFlags::HIGHATOMIC, "ALLOC_HIGHATOMIC"),
        (AllocFlags::KSWAPD, "ALLOC_KSWAPD"),
    ] {
        if flags.contains(f) {
            out.push(name);
        }
    }
    out
}

/// What a mask lets the allocator do, as `explain` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// `gfpflags_allow_blocking()`.
    pub may_sleep: bool,
    /// Wakes kswapd (`__GFP_KSWAPD_RECLAIM`).
    pub wakes_kswapd: bool,
    /// Reclaim may start I/O (`__GFP_IO`).
    pub may_start_io: bool,
    /// Reclaim may call into the filesystem (`__GFP_FS`).
    pub may_enter_fs: bool,
    /// `gfp_compaction_allowed()` and blocking: direct compaction can run.
    pub may_compact: bool,
    /// The `ALLOC_*` flags `gfp_to_alloc_flags()` gives an order-0 request from a
    /// normal task.
    pub alloc_flags: AllocFlags,
    /// Any `ALLOC_RESERVES` bit, or `__GFP_MEMALLOC`.
    pub may_use_reserves: bool,
    /// Highest zone, or the zone error.
    pub zone: Result<ZoneType, ZoneError>,
    /// Zones walked on x86-64 with DMA, DMA32, Normal and Movable populated.
    pub zones: Vec<ZoneType>,
    pub migratetype: MigrateType,
    /// Whether `__alloc_pages_may_oom()` / `out_of_memory()` can kill for an order-0
    /// request: needs direct reclaim, no `__GFP_NORETRY`/`__GFP_RETRY_MAYFAIL`/
    /// `__GFP_THISNODE`, not a lowmem-only zone, and `__GFP_FS` (out_of_memory()
    /// returns without killing for !`__GFP_FS` outside memcg OOM, even with NOFAIL).
    pub oom_killer: bool,
    /// Why [`Capabilities::oom_killer`] is false, if it is.
    pub oom_reason: Option<&'static str>,
}

/// Everything `explain` reports about a 6.12 mask.
#[must_use]
pub fn capabilities(gfp: Gfp) -> Capabilities {
    let zone = gfp_zone(gfp);
    let populated = [
        ZoneType::Dma,
        ZoneType::Dma32,
        ZoneType::Normal,
        ZoneType::Movable,
    ];
    let zones = zone
        .as_ref()
        .map_or_else(|_| Vec::new(), |z| zonelist_order(*z, &populated));
    let alloc_flags = gfp_to_alloc_flags(gfp, 0, false, true);
    let oom_reason = oom_block_reason(gfp, zone.as_ref().ok().copied());
    Capabilities {
        may_sleep: gfpflags_allow_blocking(gfp),
        wakes_kswapd: gfp.contains(Gfp::KSWAPD_RECLAIM),
        may_start_io: gfp.contains(Gfp::IO),
        may_enter_fs: gfp.contains(Gfp::FS),
        may_compact: gfpflags_allow_blocking(gfp) && gfp_compaction_allowed(gfp),
        may_use_reserves: alloc_flags.intersects(AllocFlags::RESERVES)
            || (gfp.contains(Gfp::MEMALLOC) && !gfp.contains(Gfp::NOMEMALLOC)),
        alloc_flags,
        zone,
        zones,
        migratetype: gfp_migratetype(gfp),
        oom_killer: oom_reason.is_none(),
        oom_reason,
    }
}

/// Why an order-0 request with `gfp` cannot trigger the OOM killer
/// (`__alloc_pages_slowpath` → `__alloc_pages_may_oom` → `out_of_memory`, 6.12, §5.8).
fn oom_block_reason(gfp: Gfp, zone: Option<ZoneType>) -> Option<&'static str> {
    if !gfp.contains(Gfp::DIRECT_RECLAIM) {
        Some("no __GFP_DIRECT_RECLAIM: the slow path gives up before __alloc_pages_may_oom()")
    } else if gfp.contains(Gfp::NORETRY) {
        Some("__GFP_NORETRY: the slow path fails instead of invoking the OOM killer")
    } else if gfp.contains(Gfp::RETRY_MAYFAIL) {
        Some("__GFP_RETRY_MAYFAIL: __alloc_pages_may_oom() does not kill for it")
    } else if gfp.contains(Gfp::THISNODE) {
        Some("__GFP_THISNODE: __alloc_pages_may_oom() does not kill for node-bound requests")
    } else if zone.is_some_and(|z| z < ZoneType::Normal) {
        Some("lowmem-only request (highest zone below NORMAL): the OOM killer cannot help")
    } else if !gfp.contains(Gfp::FS) {
        Some("no __GFP_FS: out_of_memory() returns without killing (outside memcg OOM)")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gfp_zone_table() {
        // §2.2.
        let z = |g: u32| gfp_zone(Gfp(g));
        assert_eq!(z(0), Ok(ZoneType::Normal));
        assert_eq!(z(0x1), Ok(ZoneType::Dma));
        assert_eq!(z(0x2), Ok(ZoneType::Normal)); // no HIGHMEM on x86-64
        assert_eq!(z(0x4), Ok(ZoneType::Dma32));
        assert_eq!(z(0x8), Ok(ZoneType::Normal));
        assert_eq!(z(0x9), Ok(ZoneType::Dma));
        assert_eq!(z(0xa), Ok(ZoneType::Movable));
        assert_eq!(z(0xc), Ok(ZoneType::Dma32));
        for bad in [0x3, 0x5, 0x6, 0x7, 0xb, 0xd, 0xe, 0xf] {
            assert!(z(bad).is_err(), "{bad:#x}");
        }
        assert_eq!(z(0x3).unwrap_err().combination, "__GFP_DMA|__GFP_HIGHMEM");
        assert_eq!(
            gfp_zone_for(Gfp::HIGHUSER, ZoneConfig::I386),
            Ok(ZoneType::HighMem)
        );
        assert_eq!(
            gfp_zone_for(Gfp::DMA32, ZoneConfig::I386),
            Ok(ZoneType::Normal)
        );
    }

    #[test]
    fn zonelists_on_x86_64() {
        let present = [
            ZoneType::Dma,
            ZoneType::Dma32,
            ZoneType::Normal,
            ZoneType::Movable,
        ];
        assert_eq!(
            zonelist_order(ZoneType::Normal, &present),
            [ZoneType::Normal, ZoneType::Dma32, ZoneType::Dma]
        );
        assert_eq!(
            zonelist_order(ZoneType::Movable, &present),
            [
                ZoneType::Movable,
                ZoneType::Normal,
                ZoneType::Dma32,
                ZoneType::Dma
            ]
        );
        assert_eq!(zonelist_order(ZoneType::Dma, &present), [ZoneType::Dma]);
        assert!(zonelist_order(ZoneType::Dma, &[ZoneType::Normal]).is_empty());
    }

    #[test]
    fn alloc_flags_like_page_alloc_c() {
        let names =
            |g: Gfp, order: u32, rt: bool| alloc_flag_names(gfp_to_alloc_flags(g, order, rt, true));
        assert_eq!(
            names(Gfp::KERNEL, 0, false),
            ["ALLOC_WMARK_MIN", "ALLOC_CPUSET", "ALLOC_KSWAPD"]
        );
        assert_eq!(
            names(Gfp::ATOMIC, 0, false),
            [
                "ALLOC_WMARK_MIN",
                "ALLOC_NON_BLOCK",
                "ALLOC_MIN_RESERVE",
                "ALLOC_KSWAPD"
            ]
        );
        assert_eq!(
            names(Gfp::ATOMIC, 2, false),
            [
                "ALLOC_WMARK_MIN",
                "ALLOC_NON_BLOCK",
                "ALLOC_MIN_RESERVE",
                "ALLOC_HIGHATOMIC",
                "ALLOC_KSWAPD"
            ]
        );
        assert_eq!(
            names(Gfp::NOWAIT, 0, false),
            [
                "ALLOC_WMARK_MIN",
                "ALLOC_NON_BLOCK",
                "ALLOC_CPUSET",
                "ALLOC_KSWAPD"
            ]
        );
        assert_eq!(
            names(Gfp::KERNEL, 0, true),
            [
                "ALLOC_WMARK_MIN",
                "ALLOC_MIN_RESERVE",
                "ALLOC_CPUSET",
                "ALLOC_KSWAPD"
            ]
        );
        // rt task outside task context gets nothing extra.
        assert!(!gfp_to_alloc_flags(Gfp::KERNEL, 0, true, false).contains(AllocFlags::MIN_RESERVE));
        assert!(
            gfp_to_alloc_flags(Gfp::HIGHUSER_MOVABLE, 0, false, true).contains(AllocFlags::CMA)
        );
        // NOMEMALLOC blocks NON_BLOCK.
        assert!(
            !gfp_to_alloc_flags(Gfp::TRANSHUGE_LIGHT, 9, false, true)
                .contains(AllocFlags::NON_BLOCK)
        );
    }

    #[test]
    fn pfmemalloc_order_of_checks() {
        let pf = TaskFlags::PF_MEMALLOC;
        assert_eq!(
            pfmemalloc_flags(Gfp::KERNEL, pf, false, false, false),
            AllocFlags::NO_WATERMARKS
        );
        assert_eq!(
            pfmemalloc_flags(Gfp::KERNEL | Gfp::NOMEMALLOC, pf, false, false, false),
            AllocFlags(0)
        );
        assert_eq!(
            pfmemalloc_flags(Gfp::ATOMIC, pf, false, true, true),
            AllocFlags::NO_WATERMARKS
        );
        assert_eq!(
            pfmemalloc_flags(Gfp::ATOMIC, pf, false, false, true),
            AllocFlags(0)
        );
        assert_eq!(
            pfmemalloc_flags(Gfp::KERNEL, TaskFlags::NONE, true, false, false),
            AllocFlags::OOM
        );
        assert_eq!(
            pfmemalloc_flags(
                Gfp::ATOMIC | Gfp::MEMALLOC,
                TaskFlags::NONE,
                false,
                false,
                true
            ),
            AllocFlags::NO_WATERMARKS
        );
    }

    #[test]
    fn capabilities_of_common_masks() {
        let k = capabilities(Gfp::KERNEL);
        assert!(k.may_sleep && k.may_enter_fs && k.may_start_io && k.oom_killer);
        assert!(!k.may_use_reserves);
        let nofs = capabilities(Gfp::NOFS);
        assert!(!nofs.oom_killer);
        assert!(nofs.oom_reason.unwrap().contains("__GFP_FS"));
        let a = capabilities(Gfp::ATOMIC);
        assert!(!a.may_sleep && a.may_use_reserves && !a.oom_killer);
        assert!(!capabilities(Gfp::NOIO).may_compact);
        assert!(capabilities(Gfp(0x3)).zone.is_err());
        assert_eq!(gfp_migratetype(Gfp::HIGHUSER_MOVABLE), MigrateType::Movable);
        assert_eq!(gfp_migratetype(Gfp::MOVABLE_MASK), MigrateType::HighAtomic);
        assert!(gfp_migratetype_warns(Gfp::MOVABLE_MASK));
    }
}
