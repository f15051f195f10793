//! The buddy allocator proper: free lists, `expand`, `__rmqueue_smallest`,
//! `__rmqueue_claim`/`try_to_steal_block`, `__rmqueue_steal`, `rmqueue_buddy`,
//! `__free_one_page`, highatomic reserves and `boost_watermark`.
//!
//! Modelled on mm/page_alloc.c of Linux 6.12 (SUBLEVEL 117, where the fallback path is
//! `__rmqueue_claim` + `__rmqueue_steal` with `try_to_steal_block` and
//! `find_suitable_fallback`; the earlier 6.12 releases spelled the same rules
//! `__rmqueue_fallback` + `steal_suitable_fallback`). §7.2–§7.4, §4.3, §4.7.
//!
//! Per-cpu page lists are not modelled yet: every order goes through `rmqueue_buddy`.
//! A pcp layer would sit in front of [`Zone::rmqueue`] and call it in batches.

use super::event::MemEvent;
use super::page::{Link, NIL, PageFrame, TAIL, kind};
use super::zone::Zone;
use super::{
    MAX_PAGE_ORDER, MIGRATE_PCPTYPES, MemError, NR_PAGE_ORDERS, PAGEBLOCK_NR_PAGES,
    PAGEBLOCK_ORDER, Pfn, migratetype_is_mergeable, mt_from_index, mt_index,
};
use crate::event::{Event, EventSink};
use crate::gfp::{AllocFlags, MigrateType};

/// `fallbacks[]` (mm/page_alloc.c 6.12): the order other lists are tried in (§7.2).
const FALLBACKS: [[MigrateType; MIGRATE_PCPTYPES - 1]; MIGRATE_PCPTYPES] = [
    [MigrateType::Reclaimable, MigrateType::Movable],
    [MigrateType::Reclaimable, MigrateType::Unmovable],
    [MigrateType::Unmovable, MigrateType::Movable],
];

/// `prev` of an allocated head: every page of the block has the head's kind and tag.
pub(crate) const HOMOGENEOUS: u32 = NIL;
/// `prev` of an allocated head after `set_state` changed a single page of the block.
pub(crate) const MIXED: u32 = 1;
/// An allocated tail page as `rmqueue` hands it out.
const ALLOC_TAIL: PageFrame = PageFrame {
    kind: kind::KERNEL,
    order: TAIL,
    tag: 0,
};
/// A page inside a free block that is not its head.
const FREE_TAIL_FRAME: PageFrame = PageFrame {
    kind: kind::FREE_TAIL,
    order: 0,
    tag: 0,
};

/// `page_group_by_mobility_disabled`: off on every modelled machine (each has far more
/// than pageblock_nr_pages × MIGRATE_TYPES pages above the high watermarks).
const PAGE_GROUP_BY_MOBILITY_DISABLED: bool = false;

#[inline]
fn emit<S: EventSink + ?Sized>(sink: &mut S, ev: MemEvent) {
    sink.emit(Event::Mem(ev));
}

impl Zone {
    // ---- intrusive free lists ------------------------------------------------------

    #[inline]
    fn list_add(&mut self, idx: u32, order: u32, mt: MigrateType, tail: bool) {
        let list = &mut self.free_area[order as usize][mt_index(mt)];
        let (head, last) = (list.head, list.tail);
        list.len += 1;
        if head == NIL {
            list.head = idx;
            list.tail = idx;
            self.links[idx as usize] = Link::NIL;
        } else if tail {
            list.tail = idx;
            self.links[last as usize].next = idx;
            self.links[idx as usize] = Link {
                next: NIL,
                prev: last,
            };
        } else {
            list.head = idx;
            self.links[head as usize].prev = idx;
            self.links[idx as usize] = Link {
                next: head,
                prev: NIL,
            };
        }
    }

    #[inline]
    fn list_del(&mut self, idx: u32, order: u32, mt: MigrateType) {
        let Link { next, prev } = self.links[idx as usize];
        let list = &mut self.free_area[order as usize][mt_index(mt)];
        list.len -= 1;
        if prev == NIL {
            list.head = next;
        } else {
            self.links[prev as usize].next = next;
        }
        if next == NIL {
            list.tail = prev;
        } else {
            self.links[next as usize].prev = prev;
        }
        self.links[idx as usize] = Link::NIL;
    }

    /// `account_freepages()`.
    #[inline]
    fn account_freepages(&mut self, nr: i64, mt: MigrateType) {
        self.nr_free_pages = self.nr_free_pages.wrapping_add_signed(nr);
        if mt == MigrateType::HighAtomic {
            self.nr_free_highatomic = self.nr_free_highatomic.wrapping_add_signed(nr);
        }
    }

    /// `__add_to_free_list()` + `set_buddy_order()`.
    #[inline]
    fn add_to_free_list(&mut self, idx: u32, order: u32, mt: MigrateType, tail: bool) {
        let f = &mut self.pages[idx as usize];
        f.kind = kind::FREE_HEAD;
        f.order = order as u8;
        f.tag = mt_index(mt) as u16;
        self.touch_codes(idx as usize, 1 << order);
        self.list_add(idx, order, mt, tail);
    }

    /// `__del_page_from_free_list()`: the head becomes a plain free tail page until the
    /// caller decides what it is.
    #[inline]
    fn del_from_free_list(&mut self, idx: u32, order: u32, mt: MigrateType) {
        self.list_del(idx, order, mt);
        self.pages[idx as usize].kind = kind::FREE_TAIL;
        self.touch_codes(idx as usize, 1 << order);
    }

    /// Migratetype of the list a free head is on.
    #[inline]
    fn head_mt(&self, idx: u32) -> MigrateType {
        mt_from_index(usize::from(self.pages[idx as usize].tag))
    }

    #[inline]
    fn block_mt(&self, pfn: u64) -> MigrateType {
        self.pageblock_mt[self.block_index(pfn)]
    }

    #[inline]
    fn set_block_mt(&mut self, pfn: u64, mt: MigrateType) {
        let i = self.block_index(pfn);
        self.pageblock_mt[i] = mt;
    }

    /// `change_pageblock_range()`.
    fn change_pageblock_range(&mut self, pfn: u64, start_order: u32, mt: MigrateType) {
        let nr = 1u64 << (start_order - PAGEBLOCK_ORDER);
        for b in 0..nr {
            let p = pfn + b * PAGEBLOCK_NR_PAGES;
            if self.spans_pfn(Pfn(p)) {
                self.set_block_mt(p, mt);
            }
        }
    }

    // ---- allocation ----------------------------------------------------------------

    /// `expand()`: split the 2^high block at `idx` down to 2^low, putting each upper half
    /// on `free_list[mt]` (head). Returns the pages added back.
    fn expand<S: EventSink + ?Sized>(
        &mut self,
        idx: u32,
        low: u32,
        mut high: u32,
        mt: MigrateType,
        sink: &mut S,
    ) -> u64 {
        let mut size = 1u32 << high;
        let mut nr_added = 0u64;
        while high > low {
            high -= 1;
            size >>= 1;
            let half = idx + size;
            self.add_to_free_list(half, high, mt, false);
            nr_added += u64::from(size);
            emit(
                sink,
                MemEvent::Split {
                    zone: self.id,
                    pfn: self.pfn_of(half),
                    order: high as u8,
                    migratetype: mt,
                },
            );
        }
        nr_added
    }

    /// `page_del_and_expand()`.
    fn page_del_and_expand<S: EventSink + ?Sized>(
        &mut self,
        idx: u32,
        low: u32,
        high: u32,
        mt: MigrateType,
        sink: &mut S,
    ) {
        let nr_pages = 1i64 << high;
        self.del_from_free_list(idx, high, mt);
        let added = self.expand(idx, low, high, mt, sink);
        self.account_freepages(-(nr_pages - added as i64), mt);
    }

    /// `__rmqueue_smallest()`: first block on `free_list[mt]` of order ≥ `order`.
    fn rmqueue_smallest<S: EventSink + ?Sized>(
        &mut self,
        order: u32,
        mt: MigrateType,
        sink: &mut S,
    ) -> Option<u32> {
        for current in order..=MAX_PAGE_ORDER {
            let idx = self.free_area[current as usize][mt_index(mt)].head;
            if idx == NIL {
                continue;
            }
            emit(
                sink,
                MemEvent::Take {
                    zone: self.id,
                    pfn: self.pfn_of(idx),
                    order: order as u8,
                    from_order: current as u8,
                    migratetype: mt,
                },
            );
            self.page_del_and_expand(idx, order, current, mt, sink);
            return Some(idx);
        }
        None
    }

    /// `can_steal_fallback()`.
    const fn can_steal_fallback(order: u32, start_mt: MigrateType) -> bool {
        if order >= PAGEBLOCK_ORDER {
            return true;
        }
        order >= PAGEBLOCK_ORDER / 2
            || matches!(start_mt, MigrateType::Reclaimable | MigrateType::Unmovable)
            || PAGE_GROUP_BY_MOBILITY_DISABLED
    }

    /// `find_suitable_fallback(area, order, migratetype, only_stealable=false, &can_steal)`.
    fn find_suitable_fallback(&self, order: u32, mt: MigrateType) -> Option<(MigrateType, bool)> {
        let lists = &self.free_area[order as usize];
        if lists.iter().all(|l| l.len == 0) {
            return None;
        }
        let row = FALLBACKS.get(mt_index(mt))?;
        for &fallback in row {
            if lists[mt_index(fallback)].len == 0 {
                continue;
            }
            return Some((fallback, Self::can_steal_fallback(order, mt)));
        }
        None
    }

    /// `boost_watermark()`: returns (new boost, max boost) when it boosted.
    fn boost_watermark(&mut self) -> Option<(u64, u64)> {
        let factor = u64::from(self.watermark_boost_factor);
        if factor == 0 {
            return None;
        }
        // Don't bother in zones that are unlikely to produce results.
        if PAGEBLOCK_NR_PAGES * 4 > self.managed {
            return None;
        }
        let high = self.watermark[super::Wmark::High as usize];
        let mut max_boost = mult_frac(high, factor, 10000);
        if max_boost == 0 {
            return None;
        }
        max_boost = max_boost.max(PAGEBLOCK_NR_PAGES);
        self.watermark_boost = (self.watermark_boost + PAGEBLOCK_NR_PAGES).min(max_boost);
        Some((self.watermark_boost, max_boost))
    }

    /// `prep_move_freepages_block()`: the pageblock of `pfn` if the zone spans all of it,
    /// with its free and movable (LRU) page counts.
    fn prep_move_freepages_block(&self, pfn: u64) -> Result<(u64, u32, u32), ()> {
        let start = pfn & !(PAGEBLOCK_NR_PAGES - 1);
        let end = start + PAGEBLOCK_NR_PAGES;
        if !self.spans_pfn(Pfn(start)) || !self.spans_pfn(Pfn(end - 1)) {
            return Err(());
        }
        let (mut free, mut movable) = (0u32, 0u32);
        let mut p = start;
        while p < end {
            let f = self.pages[self.idx(p) as usize];
            if f.kind == kind::FREE_HEAD {
                let nr = 1u32 << f.order;
                free += nr;
                p += u64::from(nr);
                continue;
            }
            // PageLRU(page) || __PageMovable(page): page cache and anonymous pages.
            if matches!(
                f.kind,
                kind::PAGECACHE_CLEAN
                    | kind::PAGECACHE_DIRTY
                    | kind::WRITEBACK
                    | kind::ANON
                    | kind::ANON_SWAPCACHE
            ) {
                movable += 1;
            }
            p += 1;
        }
        Ok((start, free, movable))
    }

    /// `__move_freepages_block()`: move every free block of the pageblock to `new_mt`'s
    /// list (tail) and set the pageblock type. Returns pages moved.
    fn move_freepages_block_at(&mut self, start: u64, new_mt: MigrateType) -> u64 {
        let end = start + PAGEBLOCK_NR_PAGES;
        let mut moved = 0u64;
        let mut p = start;
        while p < end {
            let idx = self.idx(p);
            let f = self.pages[idx as usize];
            if f.kind != kind::FREE_HEAD {
                p += 1;
                continue;
            }
            let order = u32::from(f.order);
            let old = self.head_mt(idx);
            // move_to_free_list(): list_move_tail + account both types.
            self.list_del(idx, order, old);
            self.pages[idx as usize].tag = mt_index(new_mt) as u16;
            self.touch_codes(idx as usize, 1 << order);
            self.list_add(idx, order, new_mt, true);
            let nr = 1i64 << order;
            self.account_freepages(-nr, old);
            self.account_freepages(nr, new_mt);
            p += 1 << order;
            moved += 1 << order;
        }
        self.set_block_mt(start, new_mt);
        moved
    }

    /// `try_to_steal_block()`.
    fn try_to_steal_block<S: EventSink + ?Sized>(
        &mut self,
        idx: u32,
        current_order: u32,
        order: u32,
        start_type: MigrateType,
        alloc_flags: AllocFlags,
        sink: &mut S,
    ) -> Option<u32> {
        let pfn = self.pfn_of(idx);
        let block_type = self.block_mt(pfn);
        // This can happen due to races and we want to prevent broken highatomic accounting.
        if block_type == MigrateType::HighAtomic {
            return None;
        }
        let list_mt = self.head_mt(idx);
        // Take ownership for orders >= pageblock_order.
        if current_order >= PAGEBLOCK_ORDER {
            self.del_from_free_list(idx, current_order, list_mt);
            self.account_freepages(-(1i64 << current_order), list_mt);
            self.change_pageblock_range(pfn, current_order, start_type);
            emit(
                sink,
                MemEvent::BlockClaimed {
                    zone: self.id,
                    block_pfn: pfn,
                    nr_blocks: 1 << (current_order - PAGEBLOCK_ORDER),
                    from: block_type,
                    to: start_type,
                    free_pages: 1 << current_order,
                    alike_pages: 0,
                },
            );
            let added = self.expand(idx, order, current_order, start_type, sink);
            self.account_freepages(added as i64, start_type);
            return Some(idx);
        }

        // Boost watermarks to increase reclaim pressure to reduce the likelihood of
        // future fallbacks.
        if let Some((boost, max_boost)) = self.boost_watermark() {
            let wake = alloc_flags.contains(AllocFlags::KSWAPD);
            if wake {
                self.boosted_flag = true;
            }
            emit(
                sink,
                MemEvent::WatermarkBoost {
                    zone: self.id,
                    boost,
                    max_boost,
                    wake_kswapd: wake,
                },
            );
        }

        let Ok((start_pfn, free_pages, movable_pages)) = self.prep_move_freepages_block(pfn) else {
            emit(
                sink,
                MemEvent::BlockClaimRejected {
                    zone: self.id,
                    block_pfn: pfn & !(PAGEBLOCK_NR_PAGES - 1),
                    block_type,
                    want: start_type,
                    free_pages: 0,
                    alike_pages: 0,
                    straddles_zone: true,
                },
            );
            return None;
        };

        // Determine how many pages are compatible with our allocation.
        let alike_pages = if start_type == MigrateType::Movable {
            movable_pages
        } else if block_type == MigrateType::Movable {
            PAGEBLOCK_NR_PAGES as u32 - (free_pages + movable_pages)
        } else {
            0
        };
        if free_pages + alike_pages >= (1 << (PAGEBLOCK_ORDER - 1))
            || PAGE_GROUP_BY_MOBILITY_DISABLED
        {
            self.move_freepages_block_at(start_pfn, start_type);
            emit(
                sink,
                MemEvent::BlockClaimed {
                    zone: self.id,
                    block_pfn: start_pfn,
                    nr_blocks: 1,
                    from: block_type,
                    to: start_type,
                    free_pages,
                    alike_pages,
                },
            );
            return self.rmqueue_smallest(order, start_type, sink);
        }
        emit(
            sink,
            MemEvent::BlockClaimRejected {
                zone: self.id,
                block_pfn: start_pfn,
                block_type,
                want: start_type,
                free_pages,
                alike_pages,
                straddles_zone: false,
            },
        );
        None
    }

    /// `__rmqueue_claim()`: largest fallback block first, claiming its pageblock.
    fn rmqueue_claim<S: EventSink + ?Sized>(
        &mut self,
        order: u32,
        start_mt: MigrateType,
        alloc_flags: AllocFlags,
        sink: &mut S,
    ) -> Option<u32> {
        // Do not steal pages from freelists belonging to other pageblocks (orders <
        // pageblock_order) with ALLOC_NOFRAGMENT.
        let min_order = if order < PAGEBLOCK_ORDER && alloc_flags.contains(AllocFlags::NOFRAGMENT) {
            PAGEBLOCK_ORDER
        } else {
            order
        };
        for current in (min_order..=MAX_PAGE_ORDER).rev() {
            let Some((fallback_mt, can_steal)) = self.find_suitable_fallback(current, start_mt)
            else {
                continue;
            };
            if !can_steal {
                break;
            }
            let idx = self.free_area[current as usize][mt_index(fallback_mt)].head;
            if let Some(page) =
                self.try_to_steal_block(idx, current, order, start_mt, alloc_flags, sink)
            {
                let pfn = self.pfn_of(page);
                emit(
                    sink,
                    MemEvent::Fallback {
                        zone: self.id,
                        pfn,
                        alloc_order: order as u8,
                        fallback_order: current as u8,
                        alloc_migratetype: start_mt,
                        fallback_migratetype: fallback_mt,
                        change_ownership: self.block_mt(pfn) == start_mt,
                        claimed: true,
                    },
                );
                return Some(page);
            }
        }
        None
    }

    /// `__rmqueue_steal()`: smallest fallback block, pageblock type unchanged.
    fn rmqueue_steal<S: EventSink + ?Sized>(
        &mut self,
        order: u32,
        start_mt: MigrateType,
        sink: &mut S,
    ) -> Option<u32> {
        for current in order..=MAX_PAGE_ORDER {
            let Some((fallback_mt, _)) = self.find_suitable_fallback(current, start_mt) else {
                continue;
            };
            let idx = self.free_area[current as usize][mt_index(fallback_mt)].head;
            emit(
                sink,
                MemEvent::Take {
                    zone: self.id,
                    pfn: self.pfn_of(idx),
                    order: order as u8,
                    from_order: current as u8,
                    migratetype: fallback_mt,
                },
            );
            self.page_del_and_expand(idx, order, current, fallback_mt, sink);
            let pfn = self.pfn_of(idx);
            emit(
                sink,
                MemEvent::Fallback {
                    zone: self.id,
                    pfn,
                    alloc_order: order as u8,
                    fallback_order: current as u8,
                    alloc_migratetype: start_mt,
                    fallback_migratetype: fallback_mt,
                    change_ownership: self.block_mt(pfn) == start_mt,
                    claimed: false,
                },
            );
            return Some(idx);
        }
        None
    }

    /// `__rmqueue()` (no CMA): smallest, then claim, then steal unless ALLOC_NOFRAGMENT.
    fn rmqueue_inner<S: EventSink + ?Sized>(
        &mut self,
        order: u32,
        mt: MigrateType,
        alloc_flags: AllocFlags,
        sink: &mut S,
    ) -> Option<u32> {
        if let Some(p) = self.rmqueue_smallest(order, mt, sink) {
            return Some(p);
        }
        if mt == MigrateType::HighAtomic {
            // HIGHATOMIC has no fallbacks (fallbacks[] covers the PCP types only).
            return None;
        }
        if let Some(p) = self.rmqueue_claim(order, mt, alloc_flags, sink) {
            return Some(p);
        }
        if !alloc_flags.contains(AllocFlags::NOFRAGMENT) {
            return self.rmqueue_steal(order, mt, sink);
        }
        None
    }

    /// `rmqueue_buddy()` (6.12 mm/page_alloc.c): ALLOC_HIGHATOMIC requests try the
    /// HIGHATOMIC list first; then `__rmqueue`; if that fails, ALLOC_OOM or ALLOC_NON_BLOCK
    /// requests may take from the HIGHATOMIC list (§4.7, §7.3).
    ///
    /// The pages come back as [`super::PageState::Kernel`] with site 0; the caller sets
    /// their real use with [`Zone::set_block_state`] / [`super::Machine::set_block_state`].
    /// `None` means the zone had no suitable free block: no watermark is checked here.
    /// After a successful ALLOC_KSWAPD allocation, check [`Zone::test_and_clear_boosted`]
    /// (rmqueue's ZONE_BOOSTED_WATERMARK → `wakeup_kswapd`).
    pub fn rmqueue<S: EventSink + ?Sized>(
        &mut self,
        order: u32,
        migratetype: MigrateType,
        alloc_flags: AllocFlags,
        sink: &mut S,
    ) -> Option<Pfn> {
        if order > MAX_PAGE_ORDER || self.managed == 0 {
            return None;
        }
        let mut page = None;
        if alloc_flags.contains(AllocFlags::HIGHATOMIC) {
            page = self.rmqueue_smallest(order, MigrateType::HighAtomic, sink);
        }
        if page.is_none() {
            page = self.rmqueue_inner(order, migratetype, alloc_flags, sink);
            if page.is_none()
                && alloc_flags.intersects(AllocFlags(AllocFlags::OOM.0 | AllocFlags::NON_BLOCK.0))
            {
                page = self.rmqueue_smallest(order, MigrateType::HighAtomic, sink);
            }
        }
        let idx = page?;
        self.mark_allocated(idx, order);
        self.debug_check();
        Some(Pfn(self.pfn_of(idx)))
    }

    fn mark_allocated(&mut self, idx: u32, order: u32) {
        let n = 1usize << order;
        let start = idx as usize;
        // prep_new_page() touches every page of the block; here one fill of whole frames.
        self.pages[start..start + n].fill(ALLOC_TAIL);
        self.pages[start].order = order as u8;
        self.touch_codes(start, n);
        self.links[start].prev = HOMOGENEOUS;
        self.nr_by_kind[usize::from(kind::KERNEL)] += n as u64;
    }

    // ---- freeing -------------------------------------------------------------------

    /// `__free_pages_ok()` → `free_one_page()` → `split_large_buddy()` →
    /// `__free_one_page()` for an allocated block (§7.4). Blocks above pageblock_order are
    /// freed pageblock by pageblock, each to its own pageblock's list, then merge.
    ///
    /// # Errors
    /// Bad input only: `pfn` not the head of an allocated order-`order` block of this zone
    /// (a double free or a wrong order); nothing is changed then.
    pub fn free_pages<S: EventSink + ?Sized>(
        &mut self,
        pfn: Pfn,
        order: u32,
        sink: &mut S,
    ) -> Result<(), MemError> {
        self.check_alloc_head(pfn, order)?;
        self.free_pages_unchecked(pfn.0, order, false, sink);
        self.debug_check();
        Ok(())
    }

    pub(crate) fn check_alloc_head(&self, pfn: Pfn, order: u32) -> Result<(), MemError> {
        if order > MAX_PAGE_ORDER {
            return Err(MemError::BadOrder { order });
        }
        if pfn.0 & ((1 << order) - 1) != 0 {
            return Err(MemError::Misaligned { pfn, order });
        }
        if !self.spans_pfn(pfn) {
            return Err(MemError::NoSuchPfn { pfn });
        }
        let f = self.pages[self.idx(pfn.0) as usize];
        if !kind::is_allocated(f.kind) || f.order != order as u8 {
            let found = match f.kind {
                kind::FREE_HEAD | kind::FREE_TAIL => "it is free".to_string(),
                kind::HOLE => "it is a hole".to_string(),
                kind::RESERVED => "it is reserved".to_string(),
                _ if f.order == TAIL => "it is a tail page".to_string(),
                _ => format!("it heads an order-{} block", f.order),
            };
            return Err(MemError::NotAllocated { pfn, order, found });
        }
        Ok(())
    }

    /// Frees without validating (the block must be allocated, or fresh at boot).
    pub(crate) fn free_pages_unchecked<S: EventSink + ?Sized>(
        &mut self,
        pfn: u64,
        order: u32,
        to_tail: bool,
        sink: &mut S,
    ) {
        let start = self.idx(pfn) as usize;
        let n = 1usize << order;
        let head = self.pages[start];
        if kind::is_allocated(head.kind) {
            if self.links[start].prev == HOMOGENEOUS {
                self.nr_by_kind[usize::from(head.kind)] -= n as u64;
            } else {
                for f in &self.pages[start..start + n] {
                    self.nr_by_kind[usize::from(f.kind)] -= 1;
                }
            }
        }
        self.pages[start..start + n].fill(FREE_TAIL_FRAME);
        self.touch_codes(start, n);
        // split_large_buddy(): at most pageblock_order at a time, each with the migratetype
        // of its own pageblock.
        let chunk_order = order.min(PAGEBLOCK_ORDER);
        let end = pfn + (1u64 << order);
        let mut p = pfn;
        while p < end {
            let mt = self.block_mt(p);
            self.free_one_page(p, chunk_order, mt, to_tail, sink);
            p += 1 << chunk_order;
        }
    }

    /// `page_is_buddy()` for the buddy at `buddy_pfn` of `order`.
    #[inline]
    fn is_free_buddy(&self, buddy_pfn: u64, order: u32) -> bool {
        if !self.spans_pfn(Pfn(buddy_pfn)) {
            return false;
        }
        let f = self.pages[(buddy_pfn - self.start_pfn) as usize];
        f.kind == kind::FREE_HEAD && u32::from(f.order) == order
    }

    /// `__free_one_page()`.
    fn free_one_page<S: EventSink + ?Sized>(
        &mut self,
        mut pfn: u64,
        mut order: u32,
        mt: MigrateType,
        fpi_to_tail: bool,
        sink: &mut S,
    ) {
        self.account_freepages(1 << order, mt);
        let mut buddy_pfn = 0u64;
        while order < MAX_PAGE_ORDER {
            buddy_pfn = pfn ^ (1 << order);
            if !self.is_free_buddy(buddy_pfn, order) {
                break;
            }
            let bidx = self.idx(buddy_pfn);
            let mut buddy_mt = mt;
            if order >= PAGEBLOCK_ORDER {
                // Prevent merges between pageblocks without fallbacks and normal ones.
                buddy_mt = self.block_mt(buddy_pfn);
                if mt != buddy_mt
                    && (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt))
                {
                    break;
                }
            }
            // The buddy is on the list of its own head (== buddy_mt in the kernel).
            let list_mt = self.head_mt(bidx);
            self.del_from_free_list(bidx, order, list_mt);
            if buddy_mt != mt {
                // Match buddy type so that a later expand() puts sub-blocks on the right lists.
                self.change_pageblock_range(buddy_pfn, order, mt);
            }
            let combined = buddy_pfn & pfn;
            emit(
                sink,
                MemEvent::Merge {
                    zone: self.id,
                    pfn,
                    buddy_pfn,
                    combined_pfn: combined,
                    order: (order + 1) as u8,
                    migratetype: mt,
                },
            );
            pfn = combined;
            order += 1;
        }
        let to_tail = fpi_to_tail || self.buddy_merge_likely(pfn, buddy_pfn, order);
        let idx = self.idx(pfn);
        self.add_to_free_list(idx, order, mt, to_tail);
        emit(
            sink,
            MemEvent::Free {
                zone: self.id,
                pfn,
                order: order as u8,
                migratetype: mt,
                to_tail,
            },
        );
    }

    /// `buddy_merge_likely()`.
    fn buddy_merge_likely(&self, pfn: u64, buddy_pfn: u64, order: u32) -> bool {
        if order >= MAX_PAGE_ORDER - 1 {
            return false;
        }
        let higher = buddy_pfn & pfn;
        self.is_free_buddy(higher ^ (1 << (order + 1)), order + 1)
    }

    // ---- highatomic reserves (§4.7) --------------------------------------------------

    /// `reserve_highatomic_pageblock(page, order, zone)`: called after a successful
    /// ALLOC_HIGHATOMIC allocation at `pfn`.
    pub fn reserve_highatomic_pageblock<S: EventSink + ?Sized>(
        &mut self,
        pfn: Pfn,
        order: u32,
        sink: &mut S,
    ) {
        if !self.spans_pfn(pfn) || order > MAX_PAGE_ORDER {
            return;
        }
        // Minimum is 1 pageblock, maximum roughly 1% of the zone; none if 1% < a pageblock.
        if self.managed / 100 < PAGEBLOCK_NR_PAGES {
            return;
        }
        let max_managed = (self.managed / 100).div_ceil(PAGEBLOCK_NR_PAGES) * PAGEBLOCK_NR_PAGES;
        if self.nr_reserved_highatomic >= max_managed {
            return;
        }
        let mt = self.block_mt(pfn.0);
        if !migratetype_is_mergeable(mt) {
            return;
        }
        let block_pfn = if order < PAGEBLOCK_ORDER {
            let Ok((start, _, _)) = self.prep_move_freepages_block(pfn.0) else {
                return;
            };
            self.move_freepages_block_at(start, MigrateType::HighAtomic);
            self.nr_reserved_highatomic += PAGEBLOCK_NR_PAGES;
            start
        } else {
            self.change_pageblock_range(pfn.0, order, MigrateType::HighAtomic);
            self.nr_reserved_highatomic += 1 << order;
            pfn.0
        };
        emit(
            sink,
            MemEvent::HighAtomicReserved {
                zone: self.id,
                block_pfn,
                nr_reserved: self.nr_reserved_highatomic,
            },
        );
        self.debug_check();
    }

    /// One zone's part of `unreserve_highatomic_pageblock(ac, force)`: convert the first
    /// highatomic pageblock found (lowest order first) to `migratetype`. The kernel walks
    /// the zonelist and stops at the first zone that returns true; so must the caller.
    pub fn unreserve_highatomic_pageblock<S: EventSink + ?Sized>(
        &mut self,
        force: bool,
        migratetype: MigrateType,
        sink: &mut S,
    ) -> bool {
        // Preserve at least one pageblock unless memory pressure is really high.
        if !force && self.nr_reserved_highatomic <= PAGEBLOCK_NR_PAGES {
            return false;
        }
        for order in 0..NR_PAGE_ORDERS as u32 {
            let idx = self.free_area[order as usize][mt_index(MigrateType::HighAtomic)].head;
            if idx == NIL {
                continue;
            }
            let pfn = self.pfn_of(idx);
            let mt = self.block_mt(pfn);
            if mt == MigrateType::HighAtomic {
                let size = PAGEBLOCK_NR_PAGES
                    .max(1 << order)
                    .min(self.nr_reserved_highatomic);
                self.nr_reserved_highatomic -= size;
            }
            let moved = if order < PAGEBLOCK_ORDER {
                match self.prep_move_freepages_block(pfn) {
                    Ok((start, _, _)) => self.move_freepages_block_at(start, migratetype),
                    Err(()) => 0,
                }
            } else {
                let old = self.head_mt(idx);
                self.list_del(idx, order, old);
                self.pages[idx as usize].tag = mt_index(migratetype) as u16;
                self.touch_codes(idx as usize, 1 << order);
                self.list_add(idx, order, migratetype, true);
                self.account_freepages(-(1i64 << order), old);
                self.account_freepages(1i64 << order, migratetype);
                self.change_pageblock_range(pfn, order, migratetype);
                1
            };
            if moved > 0 {
                emit(
                    sink,
                    MemEvent::HighAtomicUnreserved {
                        zone: self.id,
                        block_pfn: pfn & !(PAGEBLOCK_NR_PAGES - 1),
                        to: migratetype,
                        nr_reserved: self.nr_reserved_highatomic,
                        force,
                    },
                );
                self.debug_check();
                return true;
            }
        }
        false
    }

    // ---- page state ------------------------------------------------------------------

    /// Sets the use of every page of the allocated block headed at `pfn` (order as
    /// allocated), e.g. to [`super::PageState::Slab`] or [`super::PageState::Anon`].
    ///
    /// # Errors
    /// `pfn` is not the head of an allocated order-`order` block, or `state` is not an
    /// allocated state.
    pub fn set_block_state(
        &mut self,
        pfn: Pfn,
        order: u32,
        state: super::PageState,
    ) -> Result<(), MemError> {
        self.check_alloc_head(pfn, order)?;
        let Some((k, tag)) = state.encode_allocated() else {
            return Err(MemError::BadState { state });
        };
        let start = self.idx(pfn.0) as usize;
        self.touch_codes(start, 1 << order);
        for f in &mut self.pages[start..start + (1usize << order)] {
            self.nr_by_kind[usize::from(f.kind)] -= 1;
            self.nr_by_kind[usize::from(k)] += 1;
            f.kind = k;
            f.tag = tag;
        }
        self.links[start].prev = HOMOGENEOUS;
        Ok(())
    }

    /// Sets the use of one allocated page (any page of an allocated block).
    ///
    /// # Errors
    /// The page is not allocated, or `state` is not an allocated state.
    pub fn set_state(&mut self, pfn: Pfn, state: super::PageState) -> Result<(), MemError> {
        let Some((k, tag)) = state.encode_allocated() else {
            return Err(MemError::BadState { state });
        };
        if !self.spans_pfn(pfn) {
            return Err(MemError::NoSuchPfn { pfn });
        }
        let i = self.idx(pfn.0) as usize;
        self.touch_codes(i, 1);
        let f = &mut self.pages[i];
        if !kind::is_allocated(f.kind) {
            return Err(MemError::NotAllocated {
                pfn,
                order: 0,
                found: format!("{:?}", super::PageState::decode_used(f.kind, f.tag)),
            });
        }
        let changed = f.kind != k || f.tag != tag;
        self.nr_by_kind[usize::from(f.kind)] -= 1;
        self.nr_by_kind[usize::from(k)] += 1;
        f.kind = k;
        f.tag = tag;
        if changed && let Some((head, _)) = self.alloc_head(pfn.0) {
            let i = self.idx(head) as usize;
            self.links[i].prev = MIXED;
        }
        Ok(())
    }

    /// Page state of `pfn` (must be spanned by the zone).
    #[must_use]
    pub fn page_state(&self, pfn: Pfn) -> super::PageState {
        if !self.spans_pfn(pfn) {
            return super::PageState::Hole;
        }
        let f = self.pages[self.idx(pfn.0) as usize];
        match f.kind {
            kind::FREE_HEAD | kind::FREE_TAIL => match self.free_block_containing(pfn.0) {
                Some(b) => super::PageState::Free {
                    order: b.order as u8,
                    migratetype: b.migratetype,
                },
                None => super::PageState::Hole,
            },
            k => super::PageState::decode_used(k, f.tag),
        }
    }

    /// The allocated block containing `pfn`: (head pfn, order).
    #[must_use]
    pub fn allocated_block(&self, pfn: Pfn) -> Option<(Pfn, u32)> {
        if !self.spans_pfn(pfn) {
            return None;
        }
        self.alloc_head(pfn.0).map(|(p, o)| (Pfn(p), o))
    }

    /// The free block containing `pfn`.
    #[must_use]
    pub fn free_block_at(&self, pfn: Pfn) -> Option<super::FreeBlock> {
        if !self.spans_pfn(pfn) {
            return None;
        }
        self.free_block_containing(pfn.0)
    }

    /// Every allocated block (head pfn, order, state of its head page), by ascending pfn.
    pub fn allocated_blocks(&self) -> impl Iterator<Item = (Pfn, u32, super::PageState)> + '_ {
        let mut i = 0usize;
        std::iter::from_fn(move || {
            while i < self.pages.len() {
                let f = self.pages[i];
                if kind::is_allocated(f.kind) && f.order != TAIL {
                    let pfn = self.pfn_of(i as u32);
                    i += 1usize << f.order;
                    return Some((
                        Pfn(pfn),
                        u32::from(f.order),
                        super::PageState::decode_used(f.kind, f.tag),
                    ));
                }
                i += 1;
            }
            None
        })
    }

    /// Memory-map codes for this zone's span, appended to `out`.
    pub fn page_codes_into(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + self.pages.len(), 0);
        self.codes_of(0..self.pages.len(), &mut out[start..]);
    }

    /// Writes the codes of pages `range` (zone indices, starting at a free block's head or
    /// an allocated page) into `out` (as long as the range).
    fn codes_of(&self, range: std::ops::Range<usize>, out: &mut [u8]) {
        let mut i = range.start;
        while i < range.end {
            let f = self.pages[i];
            let at = i - range.start;
            if f.kind == kind::FREE_HEAD {
                let n = (1usize << f.order).min(range.end - i);
                let code = super::page::free_code(mt_from_index(usize::from(f.tag)));
                out[at..at + n].fill(code);
                i += n;
            } else {
                out[at] = super::page::used_code(f.kind);
                i += 1;
            }
        }
    }

    /// Marks the memory-map codes of pages `idx..idx + n` (zone indices) as possibly
    /// changed (see [`Zone::codes_dirty`]).
    #[inline]
    pub(crate) fn touch_codes(&mut self, idx: usize, n: usize) {
        if n == 0 || self.codes_dirty.is_empty() {
            return;
        }
        let base = (self.start_pfn % super::zone::CODE_CHUNK_PAGES) as usize;
        let chunk = super::zone::CODE_CHUNK_PAGES as usize;
        for c in (base + idx) / chunk..=(base + idx + n - 1) / chunk {
            if let Some(w) = self.codes_dirty.get_mut(c / 64) {
                *w |= 1 << (c % 64);
            }
        }
    }

    /// Rewrites in `codes` (this zone's slice of a machine's page codes, which held them
    /// as of the previous refresh) the chunks touched since then, clears the marks and
    /// appends to `changed` the pfn ranges whose codes really differ.
    pub(crate) fn refresh_page_codes(
        &mut self,
        codes: &mut [u8],
        changed: &mut Vec<std::ops::Range<u64>>,
    ) {
        let chunk = super::zone::CODE_CHUNK_PAGES as usize;
        let base = (self.start_pfn % super::zone::CODE_CHUNK_PAGES) as usize;
        let mut fresh = [0u8; super::zone::CODE_CHUNK_PAGES as usize];
        for w in 0..self.codes_dirty.len() {
            let mut bits = std::mem::take(&mut self.codes_dirty[w]);
            while bits != 0 {
                let c = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let from = (c * chunk).saturating_sub(base);
                let to = ((c + 1) * chunk - base).min(self.pages.len());
                if from >= to {
                    continue;
                }
                let fresh = &mut fresh[..to - from];
                self.codes_of(from..to, fresh);
                let old = &mut codes[from..to];
                // The first and last page that differ bound the changed range.
                let first = old.iter().zip(fresh.iter()).position(|(a, b)| a != b);
                if let Some(first) = first {
                    let last = old.iter().zip(fresh.iter()).rposition(|(a, b)| a != b);
                    let last = last.unwrap_or(first);
                    let lo = self.start_pfn + (from + first) as u64;
                    let hi = self.start_pfn + (from + last) as u64 + 1;
                    match changed.last_mut() {
                        Some(r) if r.end == lo => r.end = hi,
                        _ => changed.push(lo..hi),
                    }
                    old.copy_from_slice(fresh);
                }
            }
        }
    }

    /// Marks every chunk clean (the caller has just computed all codes).
    pub(crate) fn clear_codes_dirty(&mut self) {
        let chunk = super::zone::CODE_CHUNK_PAGES as usize;
        let base = (self.start_pfn % super::zone::CODE_CHUNK_PAGES) as usize;
        let chunks = (base + self.pages.len()).div_ceil(chunk);
        self.codes_dirty.clear();
        self.codes_dirty.resize(chunks.div_ceil(64), 0);
    }

    #[inline]
    fn debug_check(&self) {
        #[cfg(debug_assertions)]
        if self.pages.len() <= super::machine::DEBUG_FULL_CHECK_MAX_PAGES
            && let Err(e) = self.check_invariants()
        {
            panic!("mem invariant broken: {e}");
        }
    }
}

/// `mult_frac(x, n, d)` (include/linux/math.h).
pub(crate) const fn mult_frac(x: u64, n: u64, d: u64) -> u64 {
    let q = x / d;
    let r = x % d;
    q * n + r * n / d
}
