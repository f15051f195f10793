//! Direct compaction (mm/compaction.c, mm/page_alloc.c; Linux 6.12; §5.7):
//! `__alloc_pages_direct_compact` → `try_to_compact_pages` → `compact_zone_order`, with
//! `compaction_suitable`, the fragmentation index, deferral, and real page migration:
//! movable pages of one aligned block move to free pages elsewhere so the block can merge.

use crate::event::EventSink;
use crate::gfp::{AllocFlags, Gfp, MigrateType, ZoneType};
use crate::mem::{PageState, Pfn, Wmark, ZoneId};

use super::entry::Current;
use super::event::{AllocEvent, Attempt, CompactPriority, CompactResult};
use super::kernel::{Kernel, LruList, emit};
use super::rules::{self, EXTFRAG_THRESHOLD};
use super::slowpath::{Ac, Got};

/// ALLOC_CMA: what `__compaction_suitable` passes (no CMA areas in this model).
const ALLOC_CMA: AllocFlags = AllocFlags(0x80);

impl Kernel {
    /// `__compaction_suitable()` with `free` as the free-page count.
    fn compaction_suitable_free(
        &self,
        zid: ZoneId,
        order: u32,
        highest: ZoneType,
        free: u64,
    ) -> bool {
        let Some(z) = self.mem.zone(zid) else {
            return false;
        };
        let mark = if rules::costly(order) {
            z.low_wmark_pages()
        } else {
            z.min_wmark_pages()
        } + rules::compact_gap(order);
        z.watermark_check_with_free(0, mark, highest, ALLOC_CMA, free as i64)
            .ok()
    }

    /// `fragmentation_index(zone, order)` (mm/vmstat.c).
    fn fragmentation_index(&self, zid: ZoneId, order: u32) -> i32 {
        let Some(z) = self.mem.zone(zid) else {
            return 0;
        };
        let (mut free_pages, mut total, mut suitable) = (0u64, 0u64, 0u64);
        for o in 0..=crate::mem::MAX_PAGE_ORDER {
            let n = z.nr_free_blocks(o);
            free_pages += n << o;
            total += n;
            if o >= order {
                suitable += n << (o - order);
            }
        }
        rules::fragmentation_index(order, free_pages, total, suitable)
    }

    /// `compaction_suitable()`: the order-0 watermark plus the gap, and for costly orders
    /// the fragmentation index (lack of memory ⇒ not suitable).
    pub(crate) fn compaction_suitable(&self, zid: ZoneId, order: u32, highest: ZoneType) -> bool {
        self.compaction_suitable_why(zid, order, highest).0
    }

    fn compaction_suitable_why(
        &self,
        zid: ZoneId,
        order: u32,
        highest: ZoneType,
    ) -> (bool, CompactResult, String) {
        let free = self
            .mem
            .zone(zid)
            .map_or(0, crate::mem::Zone::nr_free_pages);
        if !self.compaction_suitable_free(zid, order, highest, free) {
            return (
                false,
                CompactResult::Skipped,
                format!(
                    "{free} free pages are below the {} watermark + compact_gap({order}) = {} migration targets: reclaim first",
                    if rules::costly(order) { "low" } else { "min" },
                    rules::compact_gap(order)
                ),
            );
        }
        if rules::costly(order) {
            let idx = self.fragmentation_index(zid, order);
            if (0..=EXTFRAG_THRESHOLD).contains(&idx) {
                // compaction_suitable() (mm/compaction.c:2440-2442, 6.12) records
                // COMPACT_NOT_SUITABLE_ZONE only for trace_mm_compaction_suitable and
                // returns false; compaction_suit_allocation_order() then returns
                // COMPACT_SKIPPED (:2502-2503), which is what compact_zone_order() sees.
                return (
                    false,
                    CompactResult::Skipped,
                    format!(
                        "fragmentation index {idx} ≤ extfrag_threshold {EXTFRAG_THRESHOLD}: failure is due to lack of memory, not fragmentation (traced as COMPACT_NOT_SUITABLE_ZONE)"
                    ),
                );
            }
        }
        (true, CompactResult::Skipped, String::new())
    }

    /// `compaction_zonelist_suitable()`: would reclaiming help compaction in some zone?
    pub(crate) fn compaction_zonelist_suitable(&self, ac: &Ac) -> bool {
        ac.zonelist.iter().any(|&zid| {
            let free = self
                .mem
                .zone(zid)
                .map_or(0, crate::mem::Zone::nr_free_pages);
            let available = self.zone_reclaimable_pages(zid) / u64::from(ac.order.max(1)) + free;
            self.compaction_suitable_free(zid, ac.order, ac.highest, available)
        })
    }

    /// `__alloc_pages_direct_compact()`: run compaction (under PF_MEMALLOC) and try the
    /// freelists. Returns the page (if any) and the compaction result.
    pub(crate) fn direct_compact(
        &mut self,
        cur: &mut Current<'_>,
        ac: &Ac,
        alloc_flags: AllocFlags,
        prio: CompactPriority,
        sink: &mut dyn EventSink,
    ) -> (Option<Got>, CompactResult) {
        if ac.order == 0 {
            return (None, CompactResult::Skipped);
        }
        if !rules::gfp_compaction_allowed(ac.gfp) {
            emit(
                sink,
                AllocEvent::Compaction {
                    function: "try_to_compact_pages",
                    order: ac.order,
                    priority: prio,
                    result: CompactResult::Skipped,
                    zone: None,
                    migrated: 0,
                    why: "gfp_compaction_allowed() is false: no __GFP_IO".to_string(),
                },
            );
            return (None, CompactResult::Skipped);
        }
        cur.kstack.push("__alloc_pages_direct_compact");
        let mut rc = CompactResult::Skipped;
        for &zid in &ac.zonelist {
            let defer = self.compact_defer.get_or_default(zid);
            if prio > CompactPriority::SyncFull && defer.deferred(ac.order) {
                rc = rc.max(CompactResult::Deferred);
                emit(
                    sink,
                    AllocEvent::Compaction {
                        function: "try_to_compact_pages",
                        order: ac.order,
                        priority: prio,
                        result: CompactResult::Deferred,
                        zone: Some(zid.zone.kernel_name()),
                        migrated: 0,
                        why: format!(
                            "compaction_deferred(): failed recently at order ≥ {}, skipped {} of {} attempts",
                            defer.order_failed,
                            defer.considered,
                            1u32 << defer.defer_shift
                        ),
                    },
                );
                continue;
            }
            let (status, migrated, why) = self.compact_zone_order(zid, ac, alloc_flags, prio, sink);
            rc = rc.max(status);
            emit(
                sink,
                AllocEvent::Compaction {
                    function: "compact_zone_order",
                    order: ac.order,
                    priority: prio,
                    result: status,
                    zone: Some(zid.zone.kernel_name()),
                    migrated,
                    why,
                },
            );
            let defer = self.compact_defer.get_or_default(zid);
            if status == CompactResult::Success {
                defer.reset(ac.order, false);
                break;
            }
            if prio != CompactPriority::Async && status == CompactResult::Complete {
                defer.defer(ac.order);
            }
        }
        cur.kstack.retain(|f| *f != "__alloc_pages_direct_compact");
        if rc == CompactResult::Skipped {
            return (None, rc);
        }
        self.stat.compactstall += 1;
        let page =
            self.get_page_from_freelist(ac, ac.gfp, alloc_flags, Attempt::AfterCompaction, sink);
        if let Some(g) = page {
            self.compact_defer
                .get_or_default(g.zone)
                .reset(ac.order, true);
            self.stat.compactsuccess += 1;
        } else {
            self.stat.compactfail += 1;
        }
        (page, rc)
    }

    /// `compact_zone_order()` → `compact_zone()` for one zone.
    fn compact_zone_order(
        &mut self,
        zid: ZoneId,
        ac: &Ac,
        alloc_flags: AllocFlags,
        prio: CompactPriority,
        sink: &mut dyn EventSink,
    ) -> (CompactResult, u64, String) {
        let Some(z) = self.mem.zone(zid) else {
            return (CompactResult::Skipped, 0, "no such zone".into());
        };
        // compaction_suit_allocation_order(): the allocation can already succeed.
        let mark = z.wmark_pages(Wmark::from_alloc_flags(alloc_flags));
        if z.zone_watermark_ok(ac.order, mark, ac.highest, alloc_flags) {
            return (
                CompactResult::Success,
                0,
                "an order-sized free block already exists above the watermark".into(),
            );
        }
        let (ok, res, why) = self.compaction_suitable_why(zid, ac.order, ac.highest);
        if !ok {
            return (res, 0, why);
        }
        match self.migrate_for_block(zid, ac.order, ac.gfp, ac.migratetype, prio, sink) {
            Ok(migrated) => (
                CompactResult::Success,
                migrated,
                format!(
                    "migrated {migrated} movable page(s) out of an aligned order-{} block",
                    ac.order
                ),
            ),
            Err(why) => (CompactResult::Complete, 0, why),
        }
    }

    /// The migrate and free scanners reduced to their effect: choose the aligned block of
    /// `order` that needs the fewest migrations (only free or movable LRU pages; async
    /// mode only in pageblocks [`suitable_migration_source`] accepts; without `__GFP_FS`
    /// only anonymous pages outside the swap cache, as `isolate_migratepages_block`
    /// allows in GFP_NOFS context),
    /// move its pages to free pages outside it, and let the block merge.
    ///
    /// Simplified: no pageblock skip bits (`isolation_suitable`, `update_pageblock_skip`)
    /// and no scanner positions; every aligned block is a candidate each time.
    fn migrate_for_block(
        &mut self,
        zid: ZoneId,
        order: u32,
        gfp: Gfp,
        request_mt: MigrateType,
        prio: CompactPriority,
        sink: &mut dyn EventSink,
    ) -> Result<u64, String> {
        let Some(z) = self.mem.zone(zid) else {
            return Err("no such zone".into());
        };
        let (start, end) = (z.start_pfn(), z.end_pfn());
        let size = 1u64 << order;
        let mut best: Option<(u64, u64)> = None;
        let mut fs_blocked = false;
        let mut b = start.next_multiple_of(size);
        while b + size <= end {
            if !suitable_migration_source(prio, request_mt, z.pageblock_migratetype(Pfn(b))) {
                b += size;
                continue;
            }
            let mut used = 0u64;
            let mut ok = true;
            for p in b..b + size {
                match self.mem.page_state(Pfn(p)) {
                    PageState::Free { .. } => {}
                    PageState::Anon | PageState::AnonSwapCache | PageState::PageCacheClean
                        if self.meta_of(p).lru != 0 =>
                    {
                        // isolate_migratepages_block() (mm/compaction.c:1123-1128, 6.12):
                        // without __GFP_FS only folios with no folio_mapping() migrate,
                        // and a swap-cache folio has one (mm/util.c:852-853).
                        if !gfp.contains(Gfp::FS) && self.mem.page_state(Pfn(p)) != PageState::Anon
                        {
                            fs_blocked = true;
                            ok = false;
                            break;
                        }
                        used += 1;
                    }
                    PageState::PageCacheDirty if self.meta_of(p).lru != 0 => {
                        if !gfp.contains(Gfp::FS) {
                            fs_blocked = true;
                            ok = false;
                            break;
                        }
                        used += 1;
                    }
                    _ => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok && used > 0 && best.is_none_or(|(_, u)| used < u) {
                best = Some((b, used));
            }
            b += size;
        }
        if fs_blocked {
            emit(
                sink,
                AllocEvent::ReclaimSkip {
                    function: "isolate_migratepages_block",
                    what: "migrating page-cache pages",
                    missing_flag: "__GFP_FS (only anonymous pages outside the swap cache migrate in GFP_NOFS context)",
                    count: 0,
                },
            );
        }
        let Some((block, used)) = best else {
            return Err(format!(
                "no aligned order-{order} block holds only free and movable pages{}",
                if prio == CompactPriority::Async {
                    if request_mt == MigrateType::Movable {
                        " in a MOVABLE pageblock (async mode)".to_string()
                    } else {
                        format!(
                            " in a pageblock of the request's migratetype {} (async mode)",
                            request_mt.kernel_name()
                        )
                    }
                } else {
                    String::new()
                }
            ));
        };
        // isolate_freepages(): free pages outside the block become migration targets.
        let mut targets = Vec::new();
        let mut held = Vec::new();
        let budget = self
            .mem
            .zone(zid)
            .map_or(0, crate::mem::Zone::nr_free_pages);
        for _ in 0..budget {
            if targets.len() as u64 >= used {
                break;
            }
            let Some(z) = self.mem.zone(zid) else {
                break;
            };
            // suitable_migration_target() (mm/compaction.c:1414-1440, 6.12): only free
            // pages in MOVABLE (or CMA) pageblocks, and no buddy block of the requested
            // order or larger. The smallest MOVABLE block is what rmqueue() takes next.
            let Some(o) = (0..order).find(|&o| !z.free_list_empty(o, MigrateType::Movable)) else {
                break;
            };
            // __isolate_free_page() (mm/page_alloc.c:2902-2904): an order-0 check against
            // _watermark[WMARK_MIN] + 2^order, as if the block were being allocated (the
            // zone's own lowmem reserve, like highest_zoneidx 0, is 0).
            let mark = z.min_wmark_pages() - z.watermark_boost() + (1u64 << o);
            if !z.zone_watermark_ok(0, mark, z.zone_type(), ALLOC_CMA) {
                break;
            }
            let Some(t) = self.mem.rmqueue(
                zid,
                0,
                MigrateType::Movable,
                AllocFlags::NO_WATERMARKS,
                sink,
            ) else {
                break;
            };
            if (block..block + size).contains(&t.0) {
                held.push(t.0);
            } else {
                targets.push(t.0);
            }
        }
        if (targets.len() as u64) < used {
            for p in targets.into_iter().chain(held) {
                let _ = self.mem.free_pages(Pfn(p), 0, sink);
            }
            return Err(format!(
                "not enough free migration targets outside the block ({used} needed)"
            ));
        }
        let mut migrated = 0u64;
        let mut ti = targets.into_iter();
        for p in block..block + size {
            let state = self.mem.page_state(Pfn(p));
            if matches!(state, PageState::Free { .. }) {
                continue;
            }
            let Some(t) = ti.next() else {
                break;
            };
            let meta = self.meta_of(p);
            let _ = self.mem.set_block_state(Pfn(t), 0, state);
            let list = self.lru_del(p);
            if let Some(m) = self.meta_mut(t) {
                m.flags = meta.flags;
                m.owner = meta.owner;
            }
            if let Some(l) = list {
                self.lru_add(t, l);
            } else {
                self.lru_add(t, LruList::InactiveFile);
            }
            if let Some(m) = self.meta_mut(p) {
                m.owner = 0;
                m.flags = 0;
            }
            let _ = self.mem.free_pages(Pfn(p), 0, sink);
            migrated += 1;
        }
        for p in ti.chain(held) {
            let _ = self.mem.free_pages(Pfn(p), 0, sink);
        }
        Ok(migrated)
    }
}

/// `suitable_migration_source()` (mm/compaction.c:1395-1411, 6.12), for direct
/// compaction: any pageblock outside async mode; in async mode a MOVABLE request scans
/// only movable pageblocks (`is_migrate_movable`: MOVABLE or CMA, and there is no CMA
/// here) and any other request only pageblocks of its own migratetype.
/// (`pageblock_skip_persistent` concerns pageblock-order compound pages: none here.)
fn suitable_migration_source(
    prio: CompactPriority,
    request_mt: MigrateType,
    block_mt: Option<MigrateType>,
) -> bool {
    if prio != CompactPriority::Async {
        return true;
    }
    block_mt == Some(request_mt)
}
