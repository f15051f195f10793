//! `struct zone`: span, managed pages, watermarks, lowmem_reserve, free lists and
//! pageblock migratetypes, plus the watermark checks of mm/page_alloc.c (6.12).

use serde::Serialize;

use super::page::{Link, NIL, PageFrame, TAIL, kind};
use super::{
    MAX_PAGE_ORDER, MIGRATE_PCPTYPES, NR_MIGRATETYPES, NR_PAGE_ORDERS, PAGEBLOCK_NR_PAGES,
    PAGEBLOCK_ORDER, PageState, Pfn, Wmark, ZoneId, mt_from_index, mt_index,
};
use crate::gfp::{AllocFlags, MigrateType, ZoneType};
use crate::view::ZoneView;

/// One free list: head index and length (blocks).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FreeList {
    pub(crate) head: u32,
    pub(crate) tail: u32,
    pub(crate) len: u64,
}

impl FreeList {
    const EMPTY: FreeList = FreeList {
        head: NIL,
        tail: NIL,
        len: 0,
    };
}

/// A free buddy block.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct FreeBlock {
    pub pfn: Pfn,
    pub order: u32,
    pub migratetype: MigrateType,
}

/// Why `__zone_watermark_ok` said no.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WatermarkFailure {
    /// `free_pages <= min + lowmem_reserve[highest_zoneidx]`.
    BelowWatermark,
    /// The order-0 level was fine but no free block of order ≥ `order` is on a list the
    /// request may use.
    NoSuitableBlock,
}

/// The numbers `__zone_watermark_ok` (6.12 mm/page_alloc.c) decided with (§4.5).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct WatermarkCheck {
    pub zone: ZoneId,
    pub order: u32,
    /// The mark passed in (already including `watermark_boost` when the caller used
    /// `wmark_pages()`).
    pub mark: u64,
    /// `NR_FREE_PAGES`.
    pub free_pages: i64,
    /// `__zone_watermark_unusable_free`: (2^order − 1) + free highatomic pages unless the
    /// flags include ALLOC_RESERVES.
    pub unusable_free: i64,
    /// `mark` after the ALLOC_MIN_RESERVE / ALLOC_NON_BLOCK / ALLOC_OOM reductions.
    pub min: i64,
    /// `lowmem_reserve[highest_zoneidx]`.
    pub lowmem_reserve: u64,
    pub highest_zoneidx: ZoneType,
    pub alloc_flags: AllocFlags,
    /// `None` when the check passed.
    pub failure: Option<WatermarkFailure>,
}

impl WatermarkCheck {
    /// True when the watermark check passed.
    #[must_use]
    pub const fn ok(&self) -> bool {
        self.failure.is_none()
    }

    /// Usable free pages compared against `min + lowmem_reserve`.
    #[must_use]
    pub const fn usable_free(&self) -> i64 {
        self.free_pages - self.unusable_free
    }

    /// One sentence with the deciding numbers, e.g. for a slow-path decision.
    #[must_use]
    pub fn explain(&self) -> String {
        let need = self.min + self.lowmem_reserve as i64;
        let base = format!(
            "{}: order {} free {} - unusable {} = {} vs min {} (mark {}) + lowmem_reserve[{}] {} = {}",
            self.zone,
            self.order,
            self.free_pages,
            self.unusable_free,
            self.usable_free(),
            self.min,
            self.mark,
            self.highest_zoneidx.kernel_name(),
            self.lowmem_reserve,
            need
        );
        match self.failure {
            None => format!("{base}: ok"),
            Some(WatermarkFailure::BelowWatermark) => format!("{base}: fail (free <= min)"),
            Some(WatermarkFailure::NoSuitableBlock) => {
                format!("{base}: fail (no free block of order >= {})", self.order)
            }
        }
    }
}

/// One zone of one node.
#[derive(Clone, Debug)]
pub struct Zone {
    pub(crate) id: ZoneId,
    pub(crate) kernel_idx: usize,
    pub(crate) start_pfn: u64,
    pub(crate) spanned: u64,
    pub(crate) present: u64,
    pub(crate) managed: u64,
    /// `_watermark[WMARK_MIN..=WMARK_PROMO]`.
    pub(crate) watermark: [u64; 4],
    pub(crate) watermark_boost: u64,
    /// `lowmem_reserve[]` in kernel index order (`MAX_NR_ZONES` entries).
    pub(crate) lowmem_reserve: Vec<u64>,
    /// The same, indexed by [`ZoneType`] discriminant (unconfigured types copy the
    /// nearest lower configured one).
    pub(crate) lowmem_reserve_by_type: [u64; 5],
    /// `NR_FREE_PAGES`.
    pub(crate) nr_free_pages: u64,
    /// `zone->nr_free_highatomic` (free pages on HIGHATOMIC lists, 6.12).
    pub(crate) nr_free_highatomic: u64,
    /// `zone->nr_reserved_highatomic`.
    pub(crate) nr_reserved_highatomic: u64,
    /// `free_area[order].free_list[mt]`.
    pub(crate) free_area: [[FreeList; NR_MIGRATETYPES]; NR_PAGE_ORDERS],
    /// Frames of `[start_pfn, start_pfn + spanned)`.
    pub(crate) pages: Vec<PageFrame>,
    /// Free-list links, parallel to `pages`.
    pub(crate) links: Vec<Link>,
    /// Migratetype of each pageblock overlapping the zone, from `start_pfn & !511`.
    pub(crate) pageblock_mt: Vec<MigrateType>,
    /// ZONE_BOOSTED_WATERMARK.
    pub(crate) boosted_flag: bool,
    /// `vm.watermark_boost_factor` (copied from the machine config).
    pub(crate) watermark_boost_factor: u32,
    /// Pages per internal kind (free pages counted in `nr_free_pages`).
    pub(crate) nr_by_kind: [u64; kind::N],
    /// One bit per [`CODE_CHUNK_PAGES`]-page chunk (from `start_pfn` rounded down) whose
    /// memory-map codes may have changed since [`Zone::refresh_page_codes`] last ran.
    /// Not kernel state: it lets a front end redraw a 262,144-page map per step by
    /// recomputing only what the step touched.
    pub(crate) codes_dirty: Vec<u64>,
}

/// Pages per dirty-tracking chunk of the memory-map codes: the largest buddy block, so
/// that no free block crosses a chunk boundary and a chunk's codes can be recomputed alone.
pub(crate) const CODE_CHUNK_PAGES: u64 = 1 << crate::mem::MAX_PAGE_ORDER;

impl Zone {
    pub(crate) fn empty(id: ZoneId, kernel_idx: usize, max_nr_zones: usize) -> Zone {
        Zone {
            id,
            kernel_idx,
            start_pfn: 0,
            spanned: 0,
            present: 0,
            managed: 0,
            watermark: [0; 4],
            watermark_boost: 0,
            lowmem_reserve: vec![0; max_nr_zones],
            lowmem_reserve_by_type: [0; 5],
            nr_free_pages: 0,
            nr_free_highatomic: 0,
            nr_reserved_highatomic: 0,
            free_area: [[FreeList::EMPTY; NR_MIGRATETYPES]; NR_PAGE_ORDERS],
            pages: Vec::new(),
            links: Vec::new(),
            pageblock_mt: Vec::new(),
            boosted_flag: false,
            watermark_boost_factor: 15000,
            nr_by_kind: [0; kind::N],
            codes_dirty: Vec::new(),
        }
    }

    // ---- getters -------------------------------------------------------------------

    #[must_use]
    pub const fn id(&self) -> ZoneId {
        self.id
    }
    #[must_use]
    pub const fn zone_type(&self) -> ZoneType {
        self.id.zone
    }
    /// `zone->name`.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.id.zone.kernel_name()
    }
    /// Kernel zone index (`zone_idx()`) in this machine's config.
    #[must_use]
    pub const fn kernel_idx(&self) -> usize {
        self.kernel_idx
    }
    #[must_use]
    pub const fn start_pfn(&self) -> u64 {
        self.start_pfn
    }
    /// `zone_end_pfn()`.
    #[must_use]
    pub const fn end_pfn(&self) -> u64 {
        self.start_pfn + self.spanned
    }
    #[must_use]
    pub const fn spanned_pages(&self) -> u64 {
        self.spanned
    }
    #[must_use]
    pub const fn present_pages(&self) -> u64 {
        self.present
    }
    /// `zone_managed_pages()`.
    #[must_use]
    pub const fn managed_pages(&self) -> u64 {
        self.managed
    }
    /// `populated_zone()`: has present pages.
    #[must_use]
    pub const fn is_populated(&self) -> bool {
        self.present > 0
    }
    /// `zone_spans_pfn()`.
    #[must_use]
    pub const fn spans_pfn(&self, pfn: Pfn) -> bool {
        self.start_pfn <= pfn.0 && pfn.0 < self.start_pfn + self.spanned
    }
    /// `zone_page_state(zone, NR_FREE_PAGES)`.
    #[must_use]
    pub const fn nr_free_pages(&self) -> u64 {
        self.nr_free_pages
    }
    /// `zone->nr_free_highatomic`.
    #[must_use]
    pub const fn nr_free_highatomic(&self) -> u64 {
        self.nr_free_highatomic
    }
    /// `zone->nr_reserved_highatomic`.
    #[must_use]
    pub const fn nr_reserved_highatomic(&self) -> u64 {
        self.nr_reserved_highatomic
    }
    /// `zone->_watermark[w]` without boost.
    #[must_use]
    pub const fn watermark_raw(&self, w: Wmark) -> u64 {
        self.watermark[w as usize]
    }
    /// `wmark_pages(z, w)` = `_watermark[w] + watermark_boost` (what the allocator compares).
    #[must_use]
    pub const fn wmark_pages(&self, w: Wmark) -> u64 {
        self.watermark[w as usize] + self.watermark_boost
    }
    /// `min_wmark_pages()`.
    #[must_use]
    pub const fn min_wmark_pages(&self) -> u64 {
        self.wmark_pages(Wmark::Min)
    }
    /// `low_wmark_pages()`.
    #[must_use]
    pub const fn low_wmark_pages(&self) -> u64 {
        self.wmark_pages(Wmark::Low)
    }
    /// `high_wmark_pages()`.
    #[must_use]
    pub const fn high_wmark_pages(&self) -> u64 {
        self.wmark_pages(Wmark::High)
    }
    /// `zone->watermark_boost`.
    #[must_use]
    pub const fn watermark_boost(&self) -> u64 {
        self.watermark_boost
    }
    /// `lowmem_reserve[]` in kernel index order, as `/proc/zoneinfo` prints it.
    #[must_use]
    pub fn lowmem_reserve(&self) -> &[u64] {
        &self.lowmem_reserve
    }
    /// `lowmem_reserve[highest_zoneidx]`.
    #[must_use]
    pub const fn lowmem_reserve_for(&self, highest_zoneidx: ZoneType) -> u64 {
        self.lowmem_reserve_by_type[highest_zoneidx as usize]
    }
    /// `free_area[order].nr_free` (blocks on every list of that order).
    #[must_use]
    pub fn nr_free_blocks(&self, order: u32) -> u64 {
        self.free_area
            .get(order as usize)
            .map_or(0, |lists| lists.iter().map(|l| l.len).sum())
    }
    /// Blocks on `free_area[order].free_list[mt]`.
    #[must_use]
    pub fn nr_free_blocks_mt(&self, order: u32, mt: MigrateType) -> u64 {
        self.free_area
            .get(order as usize)
            .map_or(0, |lists| lists[mt_index(mt)].len)
    }
    /// `free_area_empty(area, mt)`.
    #[must_use]
    pub fn free_list_empty(&self, order: u32, mt: MigrateType) -> bool {
        self.nr_free_blocks_mt(order, mt) == 0
    }
    /// The blocks on `free_area[order].free_list[mt]`, head first (the order the kernel
    /// takes them in).
    #[must_use]
    pub fn free_list(&self, order: u32, mt: MigrateType) -> Vec<Pfn> {
        let mut out = Vec::new();
        let Some(lists) = self.free_area.get(order as usize) else {
            return out;
        };
        let mut i = lists[mt_index(mt)].head;
        while i != NIL {
            out.push(Pfn(self.start_pfn + u64::from(i)));
            i = self.links[i as usize].next;
        }
        out
    }
    /// Every free block of the zone, by ascending pfn.
    #[must_use]
    pub fn free_blocks(&self) -> Vec<FreeBlock> {
        let mut out = Vec::new();
        let mut i = 0usize;
        while i < self.pages.len() {
            let f = self.pages[i];
            if f.kind == kind::FREE_HEAD {
                out.push(FreeBlock {
                    pfn: Pfn(self.start_pfn + i as u64),
                    order: u32::from(f.order),
                    migratetype: mt_from_index(usize::from(f.tag)),
                });
                i += 1 << f.order;
            } else {
                i += 1;
            }
        }
        out
    }
    /// `get_pfnblock_migratetype()`; `None` outside the zone.
    #[must_use]
    pub fn pageblock_migratetype(&self, pfn: Pfn) -> Option<MigrateType> {
        if !self.spans_pfn(pfn) {
            return None;
        }
        self.pageblock_mt.get(self.block_index(pfn.0)).copied()
    }
    /// Number of pageblocks per migratetype (`/proc/pagetypeinfo` "Number of blocks type"),
    /// counting blocks whose first pfn the zone spans, like `pagetypeinfo_showblockcount_print`.
    #[must_use]
    pub fn pageblock_counts(&self) -> [u64; NR_MIGRATETYPES] {
        let mut counts = [0u64; NR_MIGRATETYPES];
        if self.spanned == 0 {
            return counts;
        }
        let mut pfn = self.start_pfn;
        let end = self.end_pfn();
        while pfn < end {
            // pagetypeinfo_showblockcount_print walks pfn from start_pfn in steps of
            // pageblock_nr_pages, skipping invalid pfns and pages of other zones.
            let idx = (pfn - self.start_pfn) as usize;
            if self.pages[idx].kind != kind::HOLE
                && let Some(mt) = self.pageblock_migratetype(Pfn(pfn))
            {
                counts[mt_index(mt)] += 1;
            }
            pfn += PAGEBLOCK_NR_PAGES;
        }
        counts
    }

    /// Pages per memory-map state in this zone (free pages grouped by list).
    #[must_use]
    pub fn nr_pages_in_state(&self, state: PageState) -> u64 {
        match state {
            PageState::Free { .. } => self.nr_free_pages,
            PageState::Reserved => self.nr_by_kind[usize::from(kind::RESERVED)],
            PageState::Hole => self.spanned - self.present,
            other => other
                .encode_allocated()
                .map_or(0, |(k, _)| self.nr_by_kind[usize::from(k)]),
        }
    }

    /// Pages handed out by the buddy allocator and not yet freed (`managed - free`).
    #[must_use]
    pub fn nr_allocated(&self) -> u64 {
        (kind::KERNEL..kind::N as u8)
            .map(|k| self.nr_by_kind[usize::from(k)])
            .sum()
    }

    /// Tests and clears ZONE_BOOSTED_WATERMARK, as `rmqueue()` does after an allocation with
    /// ALLOC_KSWAPD; `true` means the caller must `wakeup_kswapd(zone, 0, 0, zone_idx)`.
    pub fn test_and_clear_boosted(&mut self) -> bool {
        std::mem::take(&mut self.boosted_flag)
    }

    /// kswapd resets the boost when it finishes boosted reclaim (`balance_pgdat`).
    pub fn clear_watermark_boost(&mut self) {
        self.watermark_boost = 0;
    }

    // ---- watermark checks (mm/page_alloc.c, 6.12) -----------------------------------

    /// `__zone_watermark_unusable_free()`.
    fn unusable_free(&self, order: u32, alloc_flags: AllocFlags) -> i64 {
        let mut unusable = (1i64 << order) - 1;
        if !alloc_flags.intersects(AllocFlags::RESERVES) {
            unusable += self.nr_free_highatomic as i64;
        }
        // No CMA in this model: NR_FREE_CMA_PAGES is always 0.
        unusable
    }

    /// `__zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages)`
    /// with the numbers that decided it (6.12 mm/page_alloc.c, §4.5).
    #[must_use]
    pub fn watermark_check_with_free(
        &self,
        order: u32,
        mark: u64,
        highest_zoneidx: ZoneType,
        alloc_flags: AllocFlags,
        free_pages: i64,
    ) -> WatermarkCheck {
        let unusable_free = self.unusable_free(order.min(MAX_PAGE_ORDER + 1), alloc_flags);
        let mut min = mark as i64;
        if alloc_flags.intersects(AllocFlags::RESERVES) {
            // __GFP_HIGH allows access to 50% of the min reserve as well as OOM.
            if alloc_flags.contains(AllocFlags::MIN_RESERVE) {
                min -= min / 2;
                // Non-blocking allocations (e.g. GFP_ATOMIC) can access more reserves.
                if alloc_flags.contains(AllocFlags::NON_BLOCK) {
                    min -= min / 4;
                }
            }
            // OOM victims can try even harder than the normal reserve users.
            if alloc_flags.contains(AllocFlags::OOM) {
                min -= min / 2;
            }
        }
        let lowmem_reserve = self.lowmem_reserve_for(highest_zoneidx);
        let mut check = WatermarkCheck {
            zone: self.id,
            order,
            mark,
            free_pages,
            unusable_free,
            min,
            lowmem_reserve,
            highest_zoneidx,
            alloc_flags,
            failure: None,
        };
        if free_pages - unusable_free <= min + lowmem_reserve as i64 {
            check.failure = Some(WatermarkFailure::BelowWatermark);
            return check;
        }
        if order == 0 {
            return check;
        }
        let highatomic_ok =
            alloc_flags.intersects(AllocFlags(AllocFlags::HIGHATOMIC.0 | AllocFlags::OOM.0));
        for o in (order as usize)..NR_PAGE_ORDERS {
            let lists = &self.free_area[o];
            if lists.iter().all(|l| l.len == 0) {
                continue;
            }
            if lists[..MIGRATE_PCPTYPES].iter().any(|l| l.len != 0) {
                return check;
            }
            if highatomic_ok && lists[mt_index(MigrateType::HighAtomic)].len != 0 {
                return check;
            }
        }
        check.failure = Some(WatermarkFailure::NoSuitableBlock);
        check
    }

    /// `zone_watermark_ok()`: `__zone_watermark_ok` with NR_FREE_PAGES, returning the numbers.
    #[must_use]
    pub fn watermark_check(
        &self,
        order: u32,
        mark: u64,
        highest_zoneidx: ZoneType,
        alloc_flags: AllocFlags,
    ) -> WatermarkCheck {
        self.watermark_check_with_free(
            order,
            mark,
            highest_zoneidx,
            alloc_flags,
            self.nr_free_pages as i64,
        )
    }

    /// `zone_watermark_ok()` (6.12).
    #[must_use]
    pub fn zone_watermark_ok(
        &self,
        order: u32,
        mark: u64,
        highest_zoneidx: ZoneType,
        alloc_flags: AllocFlags,
    ) -> bool {
        self.watermark_check(order, mark, highest_zoneidx, alloc_flags)
            .ok()
    }

    /// `zone_watermark_fast()` (6.12), returning the check that decided it: the order-0 quick
    /// test (`usable_free > mark + lowmem_reserve`), then `__zone_watermark_ok`, then for an
    /// order-0 ALLOC_MIN_RESERVE request at WMARK_MIN in a boosted zone a re-check against
    /// the unboosted min watermark.
    #[must_use]
    pub fn watermark_fast_check(
        &self,
        order: u32,
        mark: u64,
        highest_zoneidx: ZoneType,
        alloc_flags: AllocFlags,
    ) -> WatermarkCheck {
        let free_pages = self.nr_free_pages as i64;
        if order == 0 {
            let reserved = self.unusable_free(0, alloc_flags);
            let usable_free = free_pages - reserved.min(free_pages);
            let lowmem_reserve = self.lowmem_reserve_for(highest_zoneidx);
            if usable_free > (mark + lowmem_reserve) as i64 {
                return WatermarkCheck {
                    zone: self.id,
                    order,
                    mark,
                    free_pages,
                    unusable_free: reserved.min(free_pages),
                    min: mark as i64,
                    lowmem_reserve,
                    highest_zoneidx,
                    alloc_flags,
                    failure: None,
                };
            }
        }
        let check =
            self.watermark_check_with_free(order, mark, highest_zoneidx, alloc_flags, free_pages);
        if check.ok() {
            return check;
        }
        if order == 0
            && alloc_flags.contains(AllocFlags::MIN_RESERVE)
            && self.watermark_boost != 0
            && alloc_flags.wmark() == Wmark::Min as u32
        {
            return self.watermark_check_with_free(
                order,
                self.watermark[Wmark::Min as usize],
                highest_zoneidx,
                alloc_flags,
                free_pages,
            );
        }
        check
    }

    /// `zone_watermark_fast()` (6.12).
    #[must_use]
    pub fn zone_watermark_fast(
        &self,
        order: u32,
        mark: u64,
        highest_zoneidx: ZoneType,
        alloc_flags: AllocFlags,
    ) -> bool {
        self.watermark_fast_check(order, mark, highest_zoneidx, alloc_flags)
            .ok()
    }

    // ---- views ---------------------------------------------------------------------

    /// The UI's picture of this zone.
    #[must_use]
    pub fn view(&self) -> ZoneView {
        ZoneView {
            node: u32::from(self.id.node),
            name: self.name().to_string(),
            start_pfn: self.start_pfn,
            spanned: self.spanned,
            managed: self.managed,
            free: self.nr_free_pages,
            min: self.min_wmark_pages(),
            low: self.low_wmark_pages(),
            high: self.high_wmark_pages(),
            lowmem_reserve: self.lowmem_reserve.clone(),
            free_blocks: self
                .free_area
                .iter()
                .map(|lists| {
                    let mut row = [0u64; 4];
                    for (slot, l) in row.iter_mut().zip(lists) {
                        *slot = l.len;
                    }
                    row
                })
                .collect(),
        }
    }

    // ---- internal helpers used by buddy.rs and machine.rs ---------------------------

    pub(crate) const fn block_index(&self, pfn: u64) -> usize {
        ((pfn >> PAGEBLOCK_ORDER) - (self.start_pfn >> PAGEBLOCK_ORDER)) as usize
    }

    pub(crate) const fn idx(&self, pfn: u64) -> u32 {
        (pfn - self.start_pfn) as u32
    }

    pub(crate) const fn pfn_of(&self, idx: u32) -> u64 {
        self.start_pfn + idx as u64
    }

    /// The head of the allocated block containing `pfn` (walking back over tails).
    pub(crate) fn alloc_head(&self, pfn: u64) -> Option<(u64, u32)> {
        let f = self.pages.get(self.idx(pfn) as usize)?;
        if !kind::is_allocated(f.kind) {
            return None;
        }
        for o in 0..=MAX_PAGE_ORDER {
            let head_pfn = pfn & !((1u64 << o) - 1);
            if head_pfn < self.start_pfn {
                return None;
            }
            let h = self.pages[(head_pfn - self.start_pfn) as usize];
            if h.order != TAIL && kind::is_allocated(h.kind) {
                return (u32::from(h.order) >= o).then_some((head_pfn, u32::from(h.order)));
            }
        }
        None
    }

    /// The free block containing `pfn`.
    pub(crate) fn free_block_containing(&self, pfn: u64) -> Option<FreeBlock> {
        let f = self.pages.get(self.idx(pfn) as usize)?;
        if f.kind != kind::FREE_HEAD && f.kind != kind::FREE_TAIL {
            return None;
        }
        for o in 0..=MAX_PAGE_ORDER {
            // Heads are aligned in pfn space, not zone-index space.
            let head_pfn = pfn & !((1u64 << o) - 1);
            if head_pfn < self.start_pfn {
                return None;
            }
            let h = self.pages[(head_pfn - self.start_pfn) as usize];
            if h.kind == kind::FREE_HEAD && u32::from(h.order) >= o {
                return Some(FreeBlock {
                    pfn: Pfn(head_pfn),
                    order: u32::from(h.order),
                    migratetype: mt_from_index(usize::from(h.tag)),
                });
            }
        }
        None
    }
}
