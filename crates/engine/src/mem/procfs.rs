//! `/proc/buddyinfo`, `/proc/pagetypeinfo`, `/proc/zoneinfo` (mm/vmstat.c, 6.12) and
//! `/proc/slabinfo` (mm/slab_common.c + `get_slabinfo` in mm/slub.c, 6.12), printed byte for
//! byte in the kernel's layout from the model's state (§7.6, §10.3).
//!
//! Config-dependent rows follow a Debian 6.12 build, which this model assumes:
//! x86-64 has CONFIG_CMA, CONFIG_MEMORY_ISOLATION, CONFIG_ZSMALLOC, CONFIG_UNACCEPTED_MEMORY,
//! CONFIG_NUMA, CONFIG_IOMMU_SUPPORT, CONFIG_SWAP, CONFIG_NUMA_BALANCING; i386 has
//! MEMORY_ISOLATION, ZSMALLOC, IOMMU_SUPPORT and SWAP only.
//!
//! Counters the model does not track (NUMA hit/miss, workingset, vmscan writes...) print 0.
//! Per-cpu pagesets are not modelled: `count` is 0 and `high` is the `high_min` that
//! `zone_set_pageset_high_and_batch` computes (pcp auto-tuning is not modelled).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Arch, Machine, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, PageState, Wmark, Zone, ZoneId};
use super::{NR_MIGRATETYPES, NR_PAGE_ORDERS, mt_from_index};

/// The `/proc` files this module prints.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProcView {
    Buddyinfo,
    Pagetypeinfo,
    Zoneinfo,
    Slabinfo,
}

impl ProcView {
    pub const ALL: [ProcView; 4] = [
        ProcView::Buddyinfo,
        ProcView::Pagetypeinfo,
        ProcView::Zoneinfo,
        ProcView::Slabinfo,
    ];

    /// File name under /proc.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ProcView::Buddyinfo => "buddyinfo",
            ProcView::Pagetypeinfo => "pagetypeinfo",
            ProcView::Zoneinfo => "zoneinfo",
            ProcView::Slabinfo => "slabinfo",
        }
    }

    /// Parses a view name (`buddyinfo`, `zoneinfo`, `pagetypeinfo`, `slabinfo`).
    #[must_use]
    pub fn parse(name: &str) -> Option<ProcView> {
        Self::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Prints this view of `machine`.
    #[must_use]
    pub fn render(self, machine: &Machine) -> String {
        match self {
            ProcView::Buddyinfo => buddyinfo(machine),
            ProcView::Pagetypeinfo => pagetypeinfo(machine),
            ProcView::Zoneinfo => zoneinfo(machine),
            ProcView::Slabinfo => slabinfo(machine),
        }
    }
}

/// LRU list sizes of one zone (the reclaim code owns active/inactive; without it the
/// model counts every anon and file page as inactive).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LruCounts {
    pub inactive_anon: u64,
    pub active_anon: u64,
    pub inactive_file: u64,
    pub active_file: u64,
    pub unevictable: u64,
}

/// State owned by other subsystems that `/proc/zoneinfo` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcExtras {
    /// LRU sizes per zone, overriding the page-state derived defaults.
    pub lru: BTreeMap<ZoneId, LruCounts>,
    /// `pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES`, per node.
    pub node_unreclaimable: Vec<bool>,
}

/// `migratetype_names[]` rows printed for this config (MIGRATE_TYPES).
fn migratetype_names(arch: Arch) -> &'static [&'static str] {
    match arch {
        Arch::X86_64 => &[
            "Unmovable",
            "Movable",
            "Reclaimable",
            "HighAtomic",
            "CMA",
            "Isolate",
        ],
        Arch::I386 => &[
            "Unmovable",
            "Movable",
            "Reclaimable",
            "HighAtomic",
            "Isolate",
        ],
    }
}

/// `/proc/buddyinfo` (`frag_show_print`).
#[must_use]
pub fn buddyinfo(m: &Machine) -> String {
    let mut out = String::new();
    for node in m.nodes() {
        for z in node.zones().iter().filter(|z| z.is_populated()) {
            let _ = write!(out, "Node {}, zone {:>8} ", node.id(), z.name());
            for order in 0..NR_PAGE_ORDERS as u32 {
                let _ = write!(out, "{:6} ", z.nr_free_blocks(order));
            }
            out.push('\n');
        }
    }
    out
}

/// `/proc/pagetypeinfo` (`pagetypeinfo_show`; no PAGE_OWNER mixed-block section).
#[must_use]
pub fn pagetypeinfo(m: &Machine) -> String {
    let names = migratetype_names(m.arch());
    let mut out = String::new();
    for node in m.nodes() {
        if node.first_populated().is_none() {
            continue;
        }
        let _ = writeln!(out, "Page block order: {PAGEBLOCK_ORDER}");
        let _ = writeln!(out, "Pages per block:  {PAGEBLOCK_NR_PAGES}");
        out.push('\n');
        let _ = write!(out, "{:<43} ", "Free pages count per migrate type at order");
        for order in 0..NR_PAGE_ORDERS {
            let _ = write!(out, "{order:6} ");
        }
        out.push('\n');
        for z in node.zones().iter().filter(|z| z.is_populated()) {
            for (mt_i, name) in names.iter().enumerate() {
                let _ = write!(
                    out,
                    "Node {:4}, zone {:>8}, type {:>12} ",
                    node.id(),
                    z.name(),
                    name
                );
                for order in 0..NR_PAGE_ORDERS as u32 {
                    let count = if mt_i < NR_MIGRATETYPES {
                        z.nr_free_blocks_mt(order, mt_from_index(mt_i))
                    } else {
                        0
                    };
                    // The kernel stops counting at 100000 and prints ">100000".
                    if count >= 100_000 {
                        let _ = write!(out, ">{:6} ", 100_000);
                    } else {
                        let _ = write!(out, "{count:6} ");
                    }
                }
                out.push('\n');
            }
        }
        let _ = write!(out, "\n{:<23}", "Number of blocks type ");
        for name in names {
            let _ = write!(out, "{name:>12} ");
        }
        out.push('\n');
        for z in node.zones().iter().filter(|z| z.is_populated()) {
            let counts = z.pageblock_counts();
            let _ = write!(out, "Node {}, zone {:>8} ", node.id(), z.name());
            for mt_i in 0..names.len() {
                let _ = write!(out, "{:12} ", counts.get(mt_i).copied().unwrap_or(0));
            }
            out.push('\n');
        }
    }
    out
}

/// `zone_batchsize()` (6.12): ~0.1 % of the zone or 1 MiB, /4, clamped to 2^n − 1.
#[must_use]
pub fn zone_batchsize(managed: u64) -> u64 {
    let mut batch = (managed >> 10).min((1 << 20) / super::PAGE_SIZE);
    batch /= 4;
    if batch < 1 {
        batch = 1;
    }
    let x = batch + batch / 2;
    // rounddown_pow_of_two(x) - 1, then zone_set_pageset_high_and_batch's max(1, batch).
    ((1u64 << x.ilog2()) - 1).max(1)
}

/// `zone_highsize(zone, batch, cpu_online = 0, high_fraction = 0)` (6.12): the low watermark
/// split across the node's CPUs, at least 4 × batch.
#[must_use]
pub fn zone_highsize(low_wmark: u64, batch: u64, nr_cpus: u32) -> u64 {
    let split = u64::from(nr_cpus.max(1));
    (low_wmark / split).max(batch << 2)
}

/// `calculate_normal_threshold()` (mm/vmstat.c 6.12).
#[must_use]
pub fn calculate_normal_threshold(managed: u64, nr_cpus: u32) -> u32 {
    let fls = |x: u64| 64 - x.leading_zeros();
    let mem = managed >> (27 - super::PAGE_SHIFT);
    let threshold = 2 * fls(u64::from(nr_cpus)) * (1 + fls(mem));
    threshold.min(125)
}

fn default_lru(z: &Zone) -> LruCounts {
    LruCounts {
        inactive_anon: z.nr_pages_in_state(PageState::Anon)
            + z.nr_pages_in_state(PageState::AnonSwapCache),
        active_anon: 0,
        inactive_file: z.nr_pages_in_state(PageState::PageCacheClean)
            + z.nr_pages_in_state(PageState::PageCacheDirty)
            + z.nr_pages_in_state(PageState::Writeback),
        active_file: 0,
        unevictable: 0,
    }
}

/// `node_stat_item` names (6.12 `vmstat_text`), in order, for this config.
fn node_stat_names(arch: Arch) -> Vec<&'static str> {
    let mut v = vec![
        "nr_inactive_anon",
        "nr_active_anon",
        "nr_inactive_file",
        "nr_active_file",
        "nr_unevictable",
        "nr_slab_reclaimable",
        "nr_slab_unreclaimable",
        "nr_isolated_anon",
        "nr_isolated_file",
        "workingset_nodes",
        "workingset_refault_anon",
        "workingset_refault_file",
        "workingset_activate_anon",
        "workingset_activate_file",
        "workingset_restore_anon",
        "workingset_restore_file",
        "workingset_nodereclaim",
        "nr_anon_pages",
        "nr_mapped",
        "nr_file_pages",
        "nr_dirty",
        "nr_writeback",
        "nr_writeback_temp",
        "nr_shmem",
        "nr_shmem_hugepages",
        "nr_shmem_pmdmapped",
        "nr_file_hugepages",
        "nr_file_pmdmapped",
        "nr_anon_transparent_hugepages",
        "nr_vmscan_write",
        "nr_vmscan_immediate_reclaim",
        "nr_dirtied",
        "nr_written",
        "nr_throttled_written",
        "nr_kernel_misc_reclaimable",
        "nr_foll_pin_acquired",
        "nr_foll_pin_released",
        "nr_kernel_stack",
        "nr_page_table_pages",
        "nr_sec_page_table_pages",
        "nr_iommu_pages",
        "nr_swapcached",
    ];
    if arch == Arch::X86_64 {
        v.extend(["pgpromote_success", "pgpromote_candidate"]);
    }
    v.extend(["pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged"]);
    v
}

/// `zone_stat_item` (+ `numa_stat_item`) names for this config.
fn zone_stat_names(arch: Arch) -> Vec<&'static str> {
    let mut v = vec![
        "nr_free_pages",
        "nr_zone_inactive_anon",
        "nr_zone_active_anon",
        "nr_zone_inactive_file",
        "nr_zone_active_file",
        "nr_zone_unevictable",
        "nr_zone_write_pending",
        "nr_mlock",
        "nr_bounce",
        "nr_zspages",
        "nr_free_cma",
    ];
    if arch == Arch::X86_64 {
        v.extend([
            "nr_unaccepted",
            "numa_hit",
            "numa_miss",
            "numa_foreign",
            "numa_interleave",
            "numa_local",
            "numa_other",
        ]);
    }
    v
}

/// `/proc/zoneinfo` with page-state derived LRU sizes and no unreclaimable node.
#[must_use]
pub fn zoneinfo(m: &Machine) -> String {
    zoneinfo_with(m, &ProcExtras::default())
}

/// `/proc/zoneinfo` (`zoneinfo_show_print`, 6.12): every zone of every node, populated or
/// not (including the empty Device zone with CONFIG_ZONE_DEVICE).
#[must_use]
pub fn zoneinfo_with(m: &Machine, extras: &ProcExtras) -> String {
    let arch = m.arch();
    let nr_cpus = m.config().nr_cpus;
    let mut out = String::new();
    for node in m.nodes() {
        let lru = |z: &Zone| {
            extras
                .lru
                .get(&z.id())
                .copied()
                .unwrap_or_else(|| default_lru(z))
        };
        let first_populated = node.first_populated().map(Zone::id);
        for z in node.zones() {
            let _ = write!(out, "Node {}, zone {:>8}", node.id(), z.name());
            if Some(z.id()) == first_populated {
                out.push_str("\n  per-node stats");
                let stats = node_stats(m, node.id(), &lru, arch);
                for (name, value) in node_stat_names(arch).into_iter().zip(stats) {
                    let _ = write!(out, "\n      {name:<12} {value}");
                }
            }
            let _ = write!(
                out,
                "\n  pages free     {}\n        boost    {}\n        min      {}\n        low      {}\n        high     {}\n        promo    {}\n        spanned  {}\n        present  {}\n        managed  {}\n        cma      {}",
                z.nr_free_pages(),
                z.watermark_boost(),
                z.min_wmark_pages(),
                z.low_wmark_pages(),
                z.high_wmark_pages(),
                z.wmark_pages(Wmark::Promo),
                z.spanned_pages(),
                z.present_pages(),
                z.managed_pages(),
                0
            );
            print_protection(&mut out, z.lowmem_reserve());
            if !z.is_populated() {
                out.push('\n');
                continue;
            }
            let l = lru(z);
            let write_pending = z.nr_pages_in_state(PageState::PageCacheDirty)
                + z.nr_pages_in_state(PageState::Writeback);
            let values = [
                z.nr_free_pages(),
                l.inactive_anon,
                l.active_anon,
                l.inactive_file,
                l.active_file,
                l.unevictable,
                write_pending,
            ];
            for (i, name) in zone_stat_names(arch).into_iter().enumerate() {
                let _ = write!(
                    out,
                    "\n      {name:<12} {}",
                    values.get(i).copied().unwrap_or(0)
                );
            }
            out.push_str("\n  pagesets");
            let batch = zone_batchsize(z.managed_pages());
            let high = zone_highsize(z.low_wmark_pages(), batch, nr_cpus);
            let threshold = calculate_normal_threshold(z.managed_pages(), nr_cpus);
            for cpu in 0..nr_cpus {
                let _ = write!(
                    out,
                    "\n    cpu: {cpu}\n              count: {}\n              high:  {high}\n              batch: {batch}\n  vm stats threshold: {threshold}",
                    0
                );
            }
            let unreclaimable = extras
                .node_unreclaimable
                .get(usize::from(node.id()))
                .copied()
                .unwrap_or(false);
            let _ = write!(
                out,
                "\n  node_unreclaimable:  {}\n  start_pfn:           {}\n",
                u32::from(unreclaimable),
                z.start_pfn()
            );
        }
        if arch.has_zone_device() {
            // ZONE_DEVICE: never populated; its watermarks and protection are all 0.
            let _ = write!(
                out,
                "Node {}, zone {:>8}\n  pages free     0\n        boost    0\n        min      0\n        low      0\n        high     0\n        promo    0\n        spanned  0\n        present  0\n        managed  0\n        cma      0",
                node.id(),
                "Device"
            );
            print_protection(&mut out, &vec![0; arch.max_nr_zones()]);
            out.push('\n');
        }
    }
    out
}

fn print_protection(out: &mut String, reserve: &[u64]) {
    out.push_str("\n        protection: (");
    for (i, r) in reserve.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{r}");
    }
    out.push(')');
}

/// Node counters in `node_stat_names` order.
fn node_stats(m: &Machine, node: u16, lru: &dyn Fn(&Zone) -> LruCounts, arch: Arch) -> Vec<u64> {
    let zones: Vec<&Zone> = m
        .node(node)
        .map(|n| n.zones().iter().collect())
        .unwrap_or_default();
    let sum = |f: &dyn Fn(&Zone) -> u64| zones.iter().map(|z| f(z)).sum::<u64>();
    let st = |s: PageState| sum(&|z: &Zone| z.nr_pages_in_state(s));
    let (mut slab_rcl, mut slab_unrcl) = (0u64, 0u64);
    for z in &zones {
        for (_, order, state) in z.allocated_blocks() {
            if let PageState::Slab { cache } = state {
                let pages = 1u64 << order;
                if m.slab
                    .cache(u32::from(cache))
                    .is_some_and(super::slab::KmemCache::is_reclaimable)
                {
                    slab_rcl += pages;
                } else {
                    slab_unrcl += pages;
                }
            }
        }
    }
    let swapcache = st(PageState::AnonSwapCache);
    let anon = st(PageState::Anon) + swapcache;
    let file =
        st(PageState::PageCacheClean) + st(PageState::PageCacheDirty) + st(PageState::Writeback);
    let mut by_name: BTreeMap<&str, u64> = BTreeMap::new();
    by_name.insert("nr_inactive_anon", sum(&|z: &Zone| lru(z).inactive_anon));
    by_name.insert("nr_active_anon", sum(&|z: &Zone| lru(z).active_anon));
    by_name.insert("nr_inactive_file", sum(&|z: &Zone| lru(z).inactive_file));
    by_name.insert("nr_active_file", sum(&|z: &Zone| lru(z).active_file));
    by_name.insert("nr_unevictable", sum(&|z: &Zone| lru(z).unevictable));
    by_name.insert("nr_slab_reclaimable", slab_rcl);
    by_name.insert("nr_slab_unreclaimable", slab_unrcl);
    by_name.insert("nr_anon_pages", anon);
    // NR_FILE_PAGES counts swap cache pages too.
    by_name.insert("nr_file_pages", file + swapcache);
    by_name.insert("nr_dirty", st(PageState::PageCacheDirty));
    by_name.insert("nr_writeback", st(PageState::Writeback));
    by_name.insert("nr_swapcached", swapcache);
    node_stat_names(arch)
        .into_iter()
        .map(|n| by_name.get(n).copied().unwrap_or(0))
        .collect()
}

/// `/proc/slabinfo` (`print_slabinfo_header` + `cache_show`, version 2.1; SLUB has no
/// tunables, so they print as 0).
#[must_use]
pub fn slabinfo(m: &Machine) -> String {
    let mut out = String::from("slabinfo - version: 2.1\n");
    out.push_str(
        "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>",
    );
    out.push_str(" : tunables <limit> <batchcount> <sharedfactor>");
    out.push_str(" : slabdata <active_slabs> <num_slabs> <sharedavail>");
    out.push('\n');
    for s in m.slab.slabinfo() {
        let _ = writeln!(
            out,
            "{:<17} {:6} {:6} {:6} {:4} {:4} : tunables {:4} {:4} {:4} : slabdata {:6} {:6} {:6}",
            s.name,
            s.active_objs,
            s.num_objs,
            s.objsize,
            s.objperslab,
            s.pagesperslab,
            0,
            0,
            0,
            s.active_slabs,
            s.num_slabs,
            0
        );
    }
    out
}

#[cfg(test)]
mod tests;
