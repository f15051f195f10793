//! Thin adapters over the gfp rules owned by `crate::gfp` (issue 3), in one place so the
//! allocation path reads like the kernel: `gfp_zone`, the zonelist, `gfp_migratetype`,
//! `gfp_to_alloc_flags`, `__gfp_pfmemalloc_flags` (Linux 6.12, §2.2–§2.4, §5.2–§5.3).

use crate::context::ExecContext;
use crate::gfp::{AllocFlags, Gfp, MigrateType, ZoneType};
use crate::mem::{Machine, ZoneId};
use crate::task::{Task, TaskFlags};

/// `gfp_zone()` for this machine: the highest zone the request may use. A zone type the
/// machine does not configure falls back to NORMAL (the `OPT_ZONE_*` rules).
#[must_use]
pub fn gfp_zone(gfp: Gfp, machine: &Machine) -> ZoneType {
    let has = |t: ZoneType| machine.zones().any(|z| z.zone_type() == t);
    let bits = gfp.0 & 0xf;
    let movable = bits & Gfp::MOVABLE.0 != 0;
    let z = match bits & !Gfp::MOVABLE.0 {
        0 => ZoneType::Normal,
        b if b == Gfp::DMA.0 => ZoneType::Dma,
        b if b == Gfp::DMA32.0 => ZoneType::Dma32,
        b if b == Gfp::HIGHMEM.0 => {
            if movable {
                ZoneType::Movable
            } else {
                ZoneType::HighMem
            }
        }
        // Illegal combinations (GFP_ZONE_BAD): VM_BUG_ON in debug kernels; the model
        // treats them as NORMAL and the gfp module reports them.
        _ => ZoneType::Normal,
    };
    if has(z) {
        z
    } else if z == ZoneType::Movable && has(ZoneType::HighMem) {
        ZoneType::HighMem
    } else {
        ZoneType::Normal
    }
}

/// `gfp_migratetype()`.
#[must_use]
pub const fn gfp_migratetype(gfp: Gfp) -> MigrateType {
    match (gfp.0 & 0x18) >> 3 {
        1 => MigrateType::Movable,
        2 => MigrateType::Reclaimable,
        _ => MigrateType::Unmovable,
    }
}

/// `node_zonelist(nid, gfp)` restricted to `highest`: populated zones of the node (one
/// node is modelled per zonelist walk), highest zone first, then other nodes.
#[must_use]
pub fn zonelist(machine: &Machine, node: u16, highest: ZoneType) -> Vec<ZoneId> {
    let mut out = Vec::new();
    let mut nodes: Vec<u16> = machine.nodes().iter().map(crate::mem::Node::id).collect();
    nodes.sort_by_key(|&n| (n != node, n));
    for n in nodes {
        if let Some(nd) = machine.node(n) {
            let mut zs: Vec<ZoneId> = nd
                .zones()
                .iter()
                .filter(|z| z.is_populated() && z.managed_pages() > 0 && z.zone_type() <= highest)
                .map(crate::mem::Zone::id)
                .collect();
            zs.sort_by_key(|id| std::cmp::Reverse(id.zone));
            out.extend(zs);
        }
    }
    out
}

/// `gfp_to_alloc_flags(gfp, order)` (mm/page_alloc.c, 6.12, §5.2), without CMA (no CMA
/// areas modelled) and with the RT/DL rule decided by `task.rt && in_task()`.
#[must_use]
pub fn gfp_to_alloc_flags(gfp: Gfp, order: u32, task: &Task, ctx: &ExecContext) -> (AllocFlags, String) {
    let mut f = AllocFlags(AllocFlags::WMARK_MIN.0 | AllocFlags::CPUSET.0);
    f.0 |= gfp.0 & (Gfp::HIGH.0 | Gfp::KSWAPD_RECLAIM.0);
    let mut why = Vec::new();
    if gfp.contains(Gfp::HIGH) {
        why.push("__GFP_HIGH → ALLOC_MIN_RESERVE");
    }
    if !gfp.contains(Gfp::DIRECT_RECLAIM) {
        if gfp.contains(Gfp::NOMEMALLOC) {
            why.push("cannot block but __GFP_NOMEMALLOC: no ALLOC_NON_BLOCK");
        } else {
            f.0 |= AllocFlags::NON_BLOCK.0;
            why.push("!__GFP_DIRECT_RECLAIM → ALLOC_NON_BLOCK");
            if order > 0 && f.contains(AllocFlags::MIN_RESERVE) {
                f.0 |= AllocFlags::HIGHATOMIC.0;
                why.push("order > 0 with MIN_RESERVE → ALLOC_HIGHATOMIC");
            }
        }
        if f.contains(AllocFlags::MIN_RESERVE) {
            f.0 &= !AllocFlags::CPUSET.0;
            why.push("non-blocking __GFP_HIGH ignores cpusets");
        }
    } else if task.rt && ctx.in_task() {
        f.0 |= AllocFlags::MIN_RESERVE.0;
        why.push("RT/DL task in task context → ALLOC_MIN_RESERVE");
    }
    if why.is_empty() {
        why.push("may block: min watermark, no reserves");
    }
    (f, why.join("; "))
}

/// `__gfp_pfmemalloc_flags(gfp)` (§5.3): the reserve flags and why.
#[must_use]
pub fn gfp_pfmemalloc_flags(gfp: Gfp, task: &Task, ctx: &ExecContext) -> (AllocFlags, &'static str) {
    let memalloc = task.flags.contains(TaskFlags::PF_MEMALLOC);
    if gfp.contains(Gfp::NOMEMALLOC) {
        return (AllocFlags(0), "__GFP_NOMEMALLOC forbids reserves");
    }
    if gfp.contains(Gfp::MEMALLOC) {
        return (AllocFlags::NO_WATERMARKS, "__GFP_MEMALLOC");
    }
    if ctx.in_serving_softirq() && memalloc {
        return (
            AllocFlags::NO_WATERMARKS,
            "softirq served while a PF_MEMALLOC task runs",
        );
    }
    if !ctx.in_interrupt() {
        if memalloc {
            return (AllocFlags::NO_WATERMARKS, "PF_MEMALLOC in task context");
        }
        if task.oom_victim {
            return (AllocFlags::OOM, "current is an OOM victim (oom_reserves_allowed)");
        }
    } else if memalloc {
        return (AllocFlags(0), "PF_MEMALLOC does not apply in interrupt context");
    }
    (AllocFlags(0), "no reserve access")
}

/// `alloc_flags_nofragment()` (6.12): ALLOC_KSWAPD from the mask, plus ALLOC_NOFRAGMENT
/// when the preferred zone is NORMAL and its node has a populated DMA32 zone.
#[must_use]
pub fn alloc_flags_nofragment(machine: &Machine, preferred: Option<ZoneId>, gfp: Gfp) -> AllocFlags {
    let mut f = AllocFlags(gfp.0 & Gfp::KSWAPD_RECLAIM.0);
    if let Some(p) = preferred
        && p.zone == ZoneType::Normal
        && machine
            .zone(ZoneId {
                node: p.node,
                zone: ZoneType::Dma32,
            })
            .is_some_and(|z| z.is_populated() && z.managed_pages() > 0)
    {
        f.0 |= AllocFlags::NOFRAGMENT.0;
    }
    f
}
