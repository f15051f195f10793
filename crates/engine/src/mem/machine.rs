//! `Machine`: nodes and zones built from a [`MachineConfig`], boot-time freeing of
//! memory into the buddy allocator, and the watermark / lowmem_reserve setup of
//! mm/page_alloc.c 6.12 (§4.1, §4.2, §4.4).

use super::config::{MachineConfig, MinFreeKbytes};
use super::page::{Link, PageFrame, kind};
use super::slab::Slub;
use super::zone::Zone;
use super::{
    Arch, MAX_PAGE_ORDER, MIGRATE_PCPTYPES, MemError, PAGE_SHIFT, PAGEBLOCK_NR_PAGES,
    PAGEBLOCK_ORDER, PageState, Pfn, SWAP_CLUSTER_MAX, Wmark, ZoneId, buddy::mult_frac,
};
use crate::event::{EventSink, NullSink};
use crate::gfp::{AllocFlags, MigrateType, ZoneType};
use crate::view::{ZoneView, page_code};

/// In debug builds every mutation of a zone with at most this many frames re-checks all
/// invariants of that zone (bigger zones are checked by tests and proptests explicitly).
/// Kept at 8 MiB: the check is O(zone) per buddy operation, and at 128 MiB a 64 MiB
/// scenario under pressure (tens of thousands of buddy operations in setup and reclaim)
/// took minutes in debug builds instead of under a second; the mem unit tests' machines
/// (≤ 2048 pages) are still checked after every operation.
#[cfg_attr(not(debug_assertions), allow(dead_code))]
pub(crate) const DEBUG_FULL_CHECK_MAX_PAGES: usize = 1 << 11;

/// `pg_data_t`: one NUMA node.
#[derive(Clone, Debug)]
pub struct Node {
    pub(crate) id: u16,
    /// `node_zones[]`, kernel zone index order, populated or not (no ZONE_DEVICE entry).
    pub(crate) zones: Vec<Zone>,
}

impl Node {
    #[must_use]
    pub const fn id(&self) -> u16 {
        self.id
    }
    /// `node_zones[]` in kernel index order.
    #[must_use]
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }
    /// First populated zone (`is_zone_first_populated`).
    #[must_use]
    pub fn first_populated(&self) -> Option<&Zone> {
        self.zones.iter().find(|z| z.is_populated())
    }
}

/// The simulated machine: nodes → zones → page frames, plus the SLUB caches.
#[derive(Clone, Debug)]
pub struct Machine {
    config: MachineConfig,
    nodes: Vec<Node>,
    min_free_kbytes: u64,
    user_min_free_kbytes: Option<u64>,
    /// SLUB caches (§8). Slab pages live in the zones as [`PageState::Slab`].
    pub slab: Slub,
}

impl Machine {
    /// Builds and boots a machine: memmap init (every pageblock MIGRATE_MOVABLE), memblock
    /// freeing into the buddy lists, then `init_per_zone_wmark_min()` and, with THP,
    /// `set_recommended_min_free_kbytes()`.
    ///
    /// # Errors
    /// [`MemError::BadConfig`] if the configuration does not validate.
    pub fn new(config: MachineConfig) -> Result<Machine, MemError> {
        config.validate()?;
        let arch = config.arch;
        let max_nr_zones = arch.max_nr_zones();
        let mut nodes = Vec::with_capacity(config.nodes.len());
        for (n, node_cfg) in config.nodes.iter().enumerate() {
            let node_id = n as u16;
            let mut zones = Vec::new();
            for (kidx, &zt) in arch.zone_types().iter().enumerate() {
                let id = ZoneId {
                    node: node_id,
                    zone: zt,
                };
                let mut zone = Zone::empty(id, kidx, max_nr_zones);
                zone.watermark_boost_factor = config.watermark_boost_factor;
                if let Some(zc) = node_cfg.zones.iter().find(|z| z.zone == zt) {
                    boot_zone(&mut zone, zc);
                }
                zones.push(zone);
            }
            nodes.push(Node { id: node_id, zones });
        }
        let slab = Slub::new(config.nr_cpus, arch);
        let mut m = Machine {
            config,
            nodes,
            min_free_kbytes: 1024,
            user_min_free_kbytes: None,
            slab,
        };
        m.init_per_zone_wmark_min();
        if let MinFreeKbytes::Kbytes(k) = m.config.min_free_kbytes {
            m.set_min_free_kbytes(k);
        }
        Ok(m)
    }

    /// [`Machine::new`] on [`MachineConfig::preset`].
    ///
    /// # Errors
    /// [`MemError::UnknownPreset`] for an unknown name.
    pub fn from_preset(name: &str) -> Result<Machine, MemError> {
        Machine::new(MachineConfig::preset(name)?)
    }

    // ---- getters -------------------------------------------------------------------

    #[must_use]
    pub fn config(&self) -> &MachineConfig {
        &self.config
    }
    #[must_use]
    pub fn arch(&self) -> Arch {
        self.config.arch
    }
    #[must_use]
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    #[must_use]
    pub fn node(&self, id: u16) -> Option<&Node> {
        self.nodes.get(usize::from(id))
    }
    /// Every zone of every node (`for_each_zone`), populated or not.
    pub fn zones(&self) -> impl Iterator<Item = &Zone> + '_ {
        self.nodes.iter().flat_map(|n| n.zones.iter())
    }
    /// Every populated zone (`for_each_populated_zone`).
    pub fn populated_zones(&self) -> impl Iterator<Item = &Zone> + '_ {
        self.zones().filter(|z| z.is_populated())
    }
    #[must_use]
    pub fn zone(&self, id: ZoneId) -> Option<&Zone> {
        self.node(id.node)?
            .zones
            .iter()
            .find(|z| z.id.zone == id.zone)
    }
    #[must_use]
    pub fn zone_mut(&mut self, id: ZoneId) -> Option<&mut Zone> {
        self.nodes
            .get_mut(usize::from(id.node))?
            .zones
            .iter_mut()
            .find(|z| z.id.zone == id.zone)
    }
    /// `page_zone(pfn_to_page(pfn))`.
    #[must_use]
    pub fn zone_of_pfn(&self, pfn: Pfn) -> Option<ZoneId> {
        self.zones().find(|z| z.spans_pfn(pfn)).map(Zone::id)
    }
    fn zone_of_pfn_mut(&mut self, pfn: Pfn) -> Result<&mut Zone, MemError> {
        self.nodes
            .iter_mut()
            .flat_map(|n| n.zones.iter_mut())
            .find(|z| z.spans_pfn(pfn))
            .ok_or(MemError::NoSuchPfn { pfn })
    }
    /// One past the highest spanned pfn (length of [`Machine::page_codes`]).
    #[must_use]
    pub fn max_pfn(&self) -> u64 {
        self.zones().map(Zone::end_pfn).max().unwrap_or(0)
    }
    /// `vm.min_free_kbytes` in effect.
    #[must_use]
    pub const fn min_free_kbytes(&self) -> u64 {
        self.min_free_kbytes
    }
    /// Sum of NR_FREE_PAGES over all zones.
    #[must_use]
    pub fn nr_free_pages(&self) -> u64 {
        self.zones().map(Zone::nr_free_pages).sum()
    }
    /// `totalram_pages()`: managed pages of all zones.
    #[must_use]
    pub fn totalram_pages(&self) -> u64 {
        self.zones().map(Zone::managed_pages).sum()
    }

    /// Spanned page frames of all zones (frames the model stores).
    #[must_use]
    pub fn spanned_pages(&self) -> u64 {
        self.zones().map(Zone::spanned_pages).sum()
    }

    /// Heap bytes held by the per-page and per-pageblock arrays of all zones (the part of
    /// the model that grows with memory size; slab bookkeeping is extra and per slab).
    #[must_use]
    pub fn page_array_bytes(&self) -> u64 {
        self.zones()
            .map(|z| {
                (z.pages.capacity() * std::mem::size_of::<PageFrame>()
                    + z.links.capacity() * std::mem::size_of::<Link>()
                    + z.pageblock_mt.capacity() * std::mem::size_of::<MigrateType>())
                    as u64
            })
            .sum()
    }

    // ---- buddy entry points --------------------------------------------------------

    /// [`Zone::rmqueue`] on `zone` (`rmqueue_buddy`); `None` also for an unknown zone.
    pub fn rmqueue<S: EventSink + ?Sized>(
        &mut self,
        zone: ZoneId,
        order: u32,
        migratetype: MigrateType,
        alloc_flags: AllocFlags,
        sink: &mut S,
    ) -> Option<Pfn> {
        self.zone_mut(zone)?
            .rmqueue(order, migratetype, alloc_flags, sink)
    }

    /// `__free_pages(page, order)` for an allocated block: see [`Zone::free_pages`].
    ///
    /// # Errors
    /// Bad input (unknown pfn, not an allocated block of that order); nothing changes.
    pub fn free_pages<S: EventSink + ?Sized>(
        &mut self,
        pfn: Pfn,
        order: u32,
        sink: &mut S,
    ) -> Result<(), MemError> {
        self.zone_of_pfn_mut(pfn)?.free_pages(pfn, order, sink)
    }

    /// What page frame `pfn` is used for ([`PageState::Hole`] outside every zone).
    #[must_use]
    pub fn page_state(&self, pfn: Pfn) -> PageState {
        self.zone_of_pfn(pfn)
            .and_then(|id| self.zone(id))
            .map_or(PageState::Hole, |z| z.page_state(pfn))
    }

    /// Changes the use of one allocated page (reclaim: dirty → writeback → clean, anon →
    /// swap cache ...).
    ///
    /// # Errors
    /// The page is not allocated, or `state` is one only the allocator sets.
    pub fn set_state(&mut self, pfn: Pfn, state: PageState) -> Result<(), MemError> {
        self.zone_of_pfn_mut(pfn)?.set_state(pfn, state)
    }

    /// Sets the use of every page of the allocated block headed at `pfn`.
    ///
    /// # Errors
    /// `pfn` is not the head of an allocated order-`order` block, or `state` is not allocated.
    pub fn set_block_state(
        &mut self,
        pfn: Pfn,
        order: u32,
        state: PageState,
    ) -> Result<(), MemError> {
        self.zone_of_pfn_mut(pfn)?
            .set_block_state(pfn, order, state)
    }

    /// The allocated block containing `pfn`: (head, order).
    #[must_use]
    pub fn allocated_block(&self, pfn: Pfn) -> Option<(Pfn, u32)> {
        self.zone(self.zone_of_pfn(pfn)?)?.allocated_block(pfn)
    }

    // ---- views ---------------------------------------------------------------------

    /// One [`crate::view::page_code`] byte per pfn in `0..max_pfn()`.
    #[must_use]
    pub fn page_codes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.page_codes_into(&mut out);
        out
    }

    /// [`Machine::page_codes`] into a reused buffer (cleared first).
    pub fn page_codes_into(&self, out: &mut Vec<u8>) {
        out.clear();
        let max = self.max_pfn() as usize;
        out.reserve(max);
        let mut zones: Vec<&Zone> = self.zones().filter(|z| z.spanned_pages() > 0).collect();
        crate::sort::sort_by_u64_key(&mut zones, |z| z.start_pfn());
        for z in zones {
            let start = z.start_pfn() as usize;
            if out.len() < start {
                out.resize(start, page_code::HOLE);
            }
            z.page_codes_into(out);
        }
        out.resize(max, page_code::HOLE);
    }

    /// [`Machine::page_codes_into`], after which [`Machine::page_codes_refresh`] can keep
    /// `out` up to date by recomputing only the pages changed since.
    pub fn page_codes_sync(&mut self, out: &mut Vec<u8>) {
        self.page_codes_into(out);
        for n in &mut self.nodes {
            for z in &mut n.zones {
                z.clear_codes_dirty();
            }
        }
    }

    /// Brings `codes` — this machine's page codes as of the last
    /// [`Machine::page_codes_sync`] or refresh — up to date, recomputing only the
    /// 1024-page chunks whose pages changed since, and appends to `changed` the pfn
    /// ranges whose codes differ (ascending). Front ends redraw those ranges only.
    pub fn page_codes_refresh(
        &mut self,
        codes: &mut [u8],
        changed: &mut Vec<std::ops::Range<u64>>,
    ) {
        let mut zones: Vec<&mut Zone> = self
            .nodes
            .iter_mut()
            .flat_map(|n| n.zones.iter_mut())
            .filter(|z| z.spanned_pages() > 0)
            .collect();
        crate::sort::sort_by_u64_key(&mut zones, |z| z.start_pfn());
        for z in zones {
            let start = z.start_pfn() as usize;
            if let Some(slice) = codes.get_mut(start..start + z.pages.len()) {
                z.refresh_page_codes(slice, changed);
            }
        }
    }

    /// The UI's picture of zone `id`.
    #[must_use]
    pub fn zone_view(&self, id: ZoneId) -> Option<ZoneView> {
        self.zone(id).map(Zone::view)
    }

    /// Views of every populated zone, node by node, in kernel zone order.
    #[must_use]
    pub fn zone_views(&self) -> Vec<ZoneView> {
        self.populated_zones().map(Zone::view).collect()
    }

    // ---- sysctls and watermark setup -----------------------------------------------

    /// `vm.min_free_kbytes` write (`min_free_kbytes_sysctl_handler`): becomes the user
    /// value and the watermarks are recomputed.
    pub fn set_min_free_kbytes(&mut self, kbytes: u64) {
        self.min_free_kbytes = kbytes;
        self.user_min_free_kbytes = Some(kbytes);
        self.setup_per_zone_wmarks();
    }

    /// `vm.watermark_scale_factor` write (clamped to the sysctl's 1..=3000).
    pub fn set_watermark_scale_factor(&mut self, factor: u32) {
        self.config.watermark_scale_factor = factor.clamp(1, 3000);
        self.setup_per_zone_wmarks();
    }

    /// `vm.lowmem_reserve_ratio` write, indexed by [`ZoneType`] discriminant.
    pub fn set_lowmem_reserve_ratio(&mut self, ratio: [u32; 5]) {
        self.config.lowmem_reserve_ratio = ratio;
        self.setup_per_zone_lowmem_reserve();
    }

    /// `nr_free_buffer_pages()`: over zones ≤ gfp_zone(GFP_USER) = ZONE_NORMAL of every
    /// node, managed pages above the high watermark.
    #[must_use]
    pub fn nr_free_buffer_pages(&self) -> u64 {
        self.zones()
            .filter(|z| z.zone_type() <= ZoneType::Normal)
            .map(|z| z.managed_pages().saturating_sub(z.high_wmark_pages()))
            .sum()
    }

    /// `totalreserve_pages` (`calculate_totalreserve_pages`).
    #[must_use]
    pub fn totalreserve_pages(&self) -> u64 {
        self.zones()
            .map(|z| {
                let max = z.lowmem_reserve[z.kernel_idx..]
                    .iter()
                    .copied()
                    .max()
                    .unwrap_or(0);
                (max + z.high_wmark_pages()).min(z.managed_pages())
            })
            .sum()
    }

    /// `init_per_zone_wmark_min()` then, with THP, khugepaged's
    /// `set_recommended_min_free_kbytes()`.
    fn init_per_zone_wmark_min(&mut self) {
        self.calculate_min_free_kbytes();
        self.setup_per_zone_wmarks();
        self.setup_per_zone_lowmem_reserve();
        if self.config.thp {
            self.set_recommended_min_free_kbytes();
        }
    }

    /// `calculate_min_free_kbytes()`: int_sqrt(lowmem_kbytes × 16) clamped to [128, 262144].
    fn calculate_min_free_kbytes(&mut self) {
        let lowmem_kbytes = self.nr_free_buffer_pages() * ((1 << PAGE_SHIFT) >> 10);
        let new = int_sqrt(lowmem_kbytes * 16);
        if self.user_min_free_kbytes.is_none_or(|u| new > u) {
            self.min_free_kbytes = new.clamp(128, 262_144);
        }
    }

    /// `set_recommended_min_free_kbytes()` (mm/khugepaged.c, 6.12).
    fn set_recommended_min_free_kbytes(&mut self) {
        let nr_zones = self
            .populated_zones()
            .filter(|z| z.zone_type() <= ZoneType::Normal)
            .count() as u64;
        let pcp = MIGRATE_PCPTYPES as u64;
        let mut recommended = PAGEBLOCK_NR_PAGES * nr_zones * 2;
        recommended += PAGEBLOCK_NR_PAGES * nr_zones * pcp * pcp;
        recommended = recommended.min(self.nr_free_buffer_pages() / 20);
        recommended <<= PAGE_SHIFT - 10;
        if recommended > self.min_free_kbytes {
            self.min_free_kbytes = recommended;
        }
        self.setup_per_zone_wmarks();
    }

    /// `__setup_per_zone_wmarks()` (6.12, §4.2).
    fn setup_per_zone_wmarks(&mut self) {
        let pages_min = self.min_free_kbytes >> (PAGE_SHIFT - 10);
        let lowmem_pages: u64 = self
            .zones()
            .filter(|z| !matches!(z.zone_type(), ZoneType::HighMem | ZoneType::Movable))
            .map(Zone::managed_pages)
            .sum();
        let scale = u64::from(self.config.watermark_scale_factor);
        for zone in self.nodes.iter_mut().flat_map(|n| n.zones.iter_mut()) {
            let managed = zone.managed;
            let tmp = if lowmem_pages == 0 {
                0
            } else {
                // u128: pages_min × managed can exceed u64 on absurd configs.
                (u128::from(pages_min) * u128::from(managed) / u128::from(lowmem_pages)) as u64
            };
            if matches!(zone.zone_type(), ZoneType::HighMem | ZoneType::Movable) {
                // __GFP_HIGH and PF_MEMALLOC allocations usually don't need highmem and
                // movable zones pages, so cap pages_min to a small value here.
                zone.watermark[Wmark::Min as usize] = (managed / 1024).clamp(SWAP_CLUSTER_MAX, 128);
            } else {
                zone.watermark[Wmark::Min as usize] = tmp;
            }
            let delta = (tmp >> 2).max(mult_frac(managed, scale, 10000));
            zone.watermark_boost = 0;
            zone.watermark[Wmark::Low as usize] = zone.watermark[Wmark::Min as usize] + delta;
            zone.watermark[Wmark::High as usize] = zone.watermark[Wmark::Low as usize] + delta;
            zone.watermark[Wmark::Promo as usize] = zone.watermark[Wmark::High as usize] + delta;
        }
    }

    /// `setup_per_zone_lowmem_reserve()` (6.12, §4.4).
    fn setup_per_zone_lowmem_reserve(&mut self) {
        let arch = self.config.arch;
        let max_nr_zones = arch.max_nr_zones();
        let types = arch.zone_types();
        let ratios = self.config.lowmem_reserve_ratio;
        for node in &mut self.nodes {
            // managed pages by kernel index, ZONE_DEVICE (if any) = 0.
            let managed: Vec<u64> = (0..max_nr_zones)
                .map(|k| node.zones.get(k).map_or(0, Zone::managed_pages))
                .collect();
            for (i, zone) in node.zones.iter_mut().enumerate() {
                zone.lowmem_reserve = vec![0; max_nr_zones];
                if i + 1 >= max_nr_zones {
                    continue;
                }
                let ratio = u64::from(ratios[types[i] as usize]);
                let clear = ratio == 0 || zone.managed == 0;
                let mut sum = 0u64;
                for (j, upper_managed) in managed.iter().enumerate().skip(i + 1) {
                    sum += upper_managed;
                    zone.lowmem_reserve[j] = if clear { 0 } else { sum / ratio };
                }
            }
            for zone in &mut node.zones {
                let mut by_type = [0u64; 5];
                for t in ZoneType::ALL {
                    // Unconfigured types take the nearest lower configured zone's column.
                    let k = types.iter().rposition(|&c| c <= t).unwrap_or(0);
                    by_type[t as usize] = zone.lowmem_reserve[k];
                }
                zone.lowmem_reserve_by_type = by_type;
            }
        }
    }

    // ---- invariants ----------------------------------------------------------------

    /// Checks every structural invariant of every zone and of the slab caches: free blocks
    /// aligned and inside their zone, no two mergeable free buddies, per-order counts equal
    /// list lengths, NR_FREE_PAGES and per-state counters match the frames, free +
    /// allocated = managed, every frame in exactly one place, slab counts consistent with
    /// the slab pages.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut prev_end = 0u64;
        let mut zones: Vec<&Zone> = self.zones().filter(|z| z.spanned_pages() > 0).collect();
        crate::sort::sort_by_u64_key(&mut zones, |z| z.start_pfn());
        for z in zones {
            if z.start_pfn() < prev_end {
                return Err(format!("{} overlaps the previous zone", z.id()));
            }
            prev_end = z.end_pfn();
            z.check_invariants()?;
        }
        self.slab.check_invariants(self)
    }
}

/// `int_sqrt()` (lib/math/int_sqrt.c): floor of the square root.
#[must_use]
pub(crate) fn int_sqrt(x: u64) -> u64 {
    if x < 2 {
        return x;
    }
    let mut r = (x as f64).sqrt() as u64;
    while r * r > x {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= x {
        r += 1;
    }
    r
}

/// memmap init + memblock freeing for one zone.
fn boot_zone(zone: &mut Zone, zc: &super::ZoneConfig) {
    zone.start_pfn = zc.start_pfn;
    zone.spanned = zc.spanned;
    let n = zc.spanned as usize;
    zone.pages = vec![
        PageFrame {
            kind: kind::FREE_TAIL,
            ..PageFrame::HOLE
        };
        n
    ];
    zone.links = vec![Link::NIL; n];
    for r in &zc.holes {
        for f in &mut zone.pages[(r.start - zc.start_pfn) as usize..(r.end - zc.start_pfn) as usize]
        {
            f.kind = kind::HOLE;
        }
    }
    for r in &zc.reserved {
        for f in &mut zone.pages[(r.start - zc.start_pfn) as usize..(r.end - zc.start_pfn) as usize]
        {
            if f.kind != kind::HOLE {
                f.kind = kind::RESERVED;
            }
        }
    }
    let holes = zone.pages.iter().filter(|f| f.kind == kind::HOLE).count() as u64;
    let reserved = zone
        .pages
        .iter()
        .filter(|f| f.kind == kind::RESERVED)
        .count() as u64;
    zone.present = zone.spanned - holes;
    zone.managed = zone.present - reserved;
    zone.nr_by_kind[usize::from(kind::RESERVED)] = reserved;
    if n > 0 {
        // memmap_init_range(): every pageblock starts MIGRATE_MOVABLE.
        let first = zc.start_pfn >> PAGEBLOCK_ORDER;
        let last = (zc.end_pfn() - 1) >> PAGEBLOCK_ORDER;
        zone.pageblock_mt = vec![MigrateType::Movable; (last - first + 1) as usize];
    }
    // memblock_free_all() → __free_pages_memory(): each free range in the largest chunks
    // alignment allows, through __free_pages_core() (FPI_TO_TAIL).
    let mut i = 0usize;
    while i < n {
        if zone.pages[i].kind != kind::FREE_TAIL {
            i += 1;
            continue;
        }
        let run_start = i;
        while i < n && zone.pages[i].kind == kind::FREE_TAIL {
            i += 1;
        }
        let (mut start, end) = (zc.start_pfn + run_start as u64, zc.start_pfn + i as u64);
        while start < end {
            let mut order = if start == 0 {
                MAX_PAGE_ORDER
            } else {
                start.trailing_zeros().min(MAX_PAGE_ORDER)
            };
            while start + (1u64 << order) > end {
                order -= 1;
            }
            zone.free_pages_unchecked(start, order, true, &mut NullSink);
            start += 1 << order;
        }
    }
}
