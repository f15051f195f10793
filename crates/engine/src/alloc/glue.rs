//! Thin adapters over the gfp rules owned by `crate::gfp` (issue 3), in one place so the
//! allocation path reads like the kernel: `gfp_zone`, the zonelist, `gfp_migratetype`,
//! `gfp_to_alloc_flags`, `__gfp_pfmemalloc_flags` (Linux 6.12, §2.2–§2.4, §5.2–§5.3).

use crate::context::ExecContext;
use crate::gfp::{AllocFlags, Gfp, MigrateType, ZoneType};
use crate::mem::{Machine, ZoneId};
use crate::task::{Task, TaskFlags};

/// `gfp_zone()` for this machine's zone configuration (`crate::gfp::rules`). An illegal
/// combination (GFP_ZONE_BAD, a VM_BUG_ON in the kernel) is treated as NORMAL here; the
/// gfp module reports it.
#[must_use]
pub fn gfp_zone(gfp: Gfp, machine: &Machine) -> ZoneType {
    let has = |t: ZoneType| machine.zones().any(|z| z.zone_type() == t);
    let config = crate::gfp::rules::ZoneConfig {
        dma: has(ZoneType::Dma),
        dma32: has(ZoneType::Dma32),
        highmem: has(ZoneType::HighMem),
    };
    crate::gfp::rules::gfp_zone_for(gfp, config).unwrap_or(ZoneType::Normal)
}

/// `gfp_migratetype()` (`crate::gfp::rules`).
#[must_use]
pub fn gfp_migratetype(gfp: Gfp) -> MigrateType {
    crate::gfp::rules::gfp_migratetype(gfp)
}

/// `node_zonelist(nid, gfp)` restricted to `highest`: populated zones of the node (one
/// node is modelled per zonelist walk), highest zone first, then other nodes.
#[must_use]
pub fn zonelist(machine: &Machine, node: u16, highest: ZoneType) -> Vec<ZoneId> {
    let mut out = Vec::new();
    let mut nodes: Vec<u16> = machine.nodes().iter().map(crate::mem::Node::id).collect();
    crate::sort::sort_by_u64_key(&mut nodes, |&n| (u64::from(n != node) << 16) | u64::from(n));
    for n in nodes {
        if let Some(nd) = machine.node(n) {
            let mut zs: Vec<ZoneId> = nd
                .zones()
                .iter()
                .filter(|z| z.is_populated() && z.managed_pages() > 0 && z.zone_type() <= highest)
                .map(crate::mem::Zone::id)
                .collect();
            crate::sort::sort_by_u64_key(&mut zs, |id| u64::MAX - id.zone as u64);
            out.extend(zs);
        }
    }
    out
}

/// `gfp_to_alloc_flags(gfp, order)` (mm/page_alloc.c, 6.12, §5.2), without CMA (no CMA
/// areas modelled) and with the RT/DL rule decided by `task.rt && in_task()`.
#[must_use]
pub fn gfp_to_alloc_flags(
    gfp: Gfp,
    order: u32,
    task: &Task,
    ctx: &ExecContext,
) -> (AllocFlags, String) {
    let flags = crate::gfp::rules::gfp_to_alloc_flags(gfp, order, task.rt, ctx.in_task());
    let mut why = Vec::new();
    if gfp.contains(Gfp::HIGH) {
        why.push("__GFP_HIGH → ALLOC_MIN_RESERVE");
    }
    if !gfp.contains(Gfp::DIRECT_RECLAIM) {
        if gfp.contains(Gfp::NOMEMALLOC) {
            why.push("cannot block but __GFP_NOMEMALLOC: no ALLOC_NON_BLOCK");
        } else {
            why.push("!__GFP_DIRECT_RECLAIM → ALLOC_NON_BLOCK");
        }
        if flags.contains(AllocFlags::HIGHATOMIC) {
            why.push("order > 0 with MIN_RESERVE → ALLOC_HIGHATOMIC");
        }
        if gfp.contains(Gfp::HIGH) {
            why.push("non-blocking __GFP_HIGH ignores cpusets");
        }
    } else if flags.contains(AllocFlags::MIN_RESERVE) && !gfp.contains(Gfp::HIGH) {
        why.push("RT/DL task in task context → ALLOC_MIN_RESERVE");
    }
    if flags.contains(AllocFlags::CMA) {
        why.push("movable → ALLOC_CMA");
    }
    if why.is_empty() {
        why.push("may block: min watermark, no reserves");
    }
    (flags, why.join("; "))
}

/// `__gfp_pfmemalloc_flags(gfp)` (§5.3, `crate::gfp::rules`): the reserve flags and why.
#[must_use]
pub fn gfp_pfmemalloc_flags(
    gfp: Gfp,
    task: &Task,
    ctx: &ExecContext,
) -> (AllocFlags, &'static str) {
    let flags = crate::gfp::rules::gfp_pfmemalloc_flags(gfp, task, ctx);
    (flags, pfmemalloc_why(gfp, task, ctx))
}

fn pfmemalloc_why(gfp: Gfp, task: &Task, ctx: &ExecContext) -> &'static str {
    let memalloc = task.flags.contains(TaskFlags::PF_MEMALLOC);
    if gfp.contains(Gfp::NOMEMALLOC) {
        return "__GFP_NOMEMALLOC forbids reserves";
    }
    if gfp.contains(Gfp::MEMALLOC) {
        return "__GFP_MEMALLOC";
    }
    if ctx.in_serving_softirq() && memalloc {
        return "softirq served while a PF_MEMALLOC task runs";
    }
    if !ctx.in_interrupt() {
        if memalloc {
            return "PF_MEMALLOC in task context";
        }
        if task.oom_victim {
            return "current is an OOM victim (oom_reserves_allowed)";
        }
    } else if memalloc {
        return "PF_MEMALLOC does not apply in interrupt context";
    }
    "no reserve access"
}

/// `alloc_flags_nofragment()` (6.12): ALLOC_KSWAPD from the mask, plus ALLOC_NOFRAGMENT
/// when the preferred zone is NORMAL and its node has a populated DMA32 zone.
#[must_use]
pub fn alloc_flags_nofragment(
    machine: &Machine,
    preferred: Option<ZoneId>,
    gfp: Gfp,
) -> AllocFlags {
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
