//! Structural invariants of a zone, as code (issue 4 §6).

use super::page::{NIL, TAIL, kind};
use super::zone::Zone;
use super::{
    MAX_PAGE_ORDER, NR_MIGRATETYPES, NR_PAGE_ORDERS, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER,
    mt_from_index,
};
use crate::gfp::MigrateType;

impl Zone {
    /// Checks this zone; see [`super::Machine::check_invariants`].
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        let id = self.id;
        let err = |s: String| Err(format!("{id}: {s}"));
        if self.pages.len() as u64 != self.spanned {
            return err(format!(
                "{} frames for spanned {}",
                self.pages.len(),
                self.spanned
            ));
        }

        // 1. Walk the frames: every frame is in exactly one place.
        let mut counts = [0u64; kind::N];
        let mut free_pages = 0u64;
        let mut free_highatomic = 0u64;
        let mut heads = [[0u64; NR_MIGRATETYPES]; NR_PAGE_ORDERS];
        let mut holes = 0u64;
        let mut i = 0usize;
        while i < self.pages.len() {
            let f = self.pages[i];
            let pfn = self.pfn_of(i as u32);
            match f.kind {
                kind::FREE_HEAD => {
                    let order = u32::from(f.order);
                    if order > MAX_PAGE_ORDER {
                        return err(format!("free block at {pfn:#x} has order {order}"));
                    }
                    if pfn & ((1 << order) - 1) != 0 {
                        return err(format!("free block {pfn:#x} not aligned to order {order}"));
                    }
                    let n = 1usize << order;
                    if i + n > self.pages.len() {
                        return err(format!(
                            "free block {pfn:#x} order {order} runs past the zone"
                        ));
                    }
                    if let Some(j) = (i + 1..i + n).find(|&j| self.pages[j].kind != kind::FREE_TAIL)
                    {
                        return err(format!(
                            "page {:#x} inside free block {pfn:#x}/{order} is not a free tail (kind {})",
                            self.pfn_of(j as u32),
                            self.pages[j].kind
                        ));
                    }
                    let mt_i = usize::from(f.tag);
                    if mt_i >= NR_MIGRATETYPES {
                        return err(format!("free block {pfn:#x} on list {mt_i}"));
                    }
                    let mt = mt_from_index(mt_i);
                    heads[order as usize][mt_i] += 1;
                    free_pages += n as u64;
                    if mt == MigrateType::HighAtomic {
                        free_highatomic += n as u64;
                    }
                    // The list a block is on matches its pageblock(s).
                    let mut b = pfn & !(PAGEBLOCK_NR_PAGES - 1);
                    while b < pfn + n as u64 {
                        let p = b.max(pfn);
                        if let Some(bmt) = self.pageblock_migratetype(super::Pfn(p))
                            && bmt != mt
                        {
                            return err(format!(
                                "free block {pfn:#x}/{order} on the {} list but its pageblock at {b:#x} is {}",
                                mt.kernel_name(),
                                bmt.kernel_name()
                            ));
                        }
                        b += PAGEBLOCK_NR_PAGES;
                    }
                    // 2. No two free buddies of the same order below pageblock_order (within a
                    // pageblock nothing ever blocks a merge). At pageblock_order and above a
                    // HIGHATOMIC (non-mergeable) neighbour blocks the merge, and when
                    // `unreserve_highatomic_pageblock` later retypes it the kernel does not
                    // re-merge, so unmerged buddies can legitimately remain there.
                    if order < PAGEBLOCK_ORDER {
                        let buddy = pfn ^ (1 << order);
                        if self.spans_pfn(super::Pfn(buddy)) {
                            let bf = self.pages[(buddy - self.start_pfn) as usize];
                            if bf.kind == kind::FREE_HEAD && u32::from(bf.order) == order {
                                return err(format!(
                                    "free buddies {pfn:#x} and {buddy:#x} both free at order {order}"
                                ));
                            }
                        }
                    }
                    i += n;
                }
                kind::FREE_TAIL => {
                    return err(format!("free tail page {pfn:#x} outside any free block"));
                }
                kind::HOLE => {
                    holes += 1;
                    i += 1;
                }
                kind::RESERVED => {
                    counts[usize::from(kind::RESERVED)] += 1;
                    i += 1;
                }
                k if kind::is_allocated(k) => {
                    if f.order == TAIL {
                        return err(format!("allocated tail page {pfn:#x} without a head"));
                    }
                    let order = u32::from(f.order);
                    if order > MAX_PAGE_ORDER || pfn & ((1 << order) - 1) != 0 {
                        return err(format!("allocated block {pfn:#x} bad order {order}"));
                    }
                    let n = 1usize << order;
                    if i + n > self.pages.len() {
                        return err(format!("allocated block {pfn:#x} runs past the zone"));
                    }
                    let homogeneous = self.links[i].prev == super::buddy::HOMOGENEOUS;
                    for j in i..i + n {
                        let t = self.pages[j];
                        if homogeneous && (t.kind != f.kind || t.tag != f.tag) {
                            return err(format!(
                                "block {pfn:#x}/{order} is marked homogeneous but page {:#x} differs",
                                self.pfn_of(j as u32)
                            ));
                        }
                        if !kind::is_allocated(t.kind) || (j > i && t.order != TAIL) {
                            return err(format!(
                                "page {:#x} in allocated block {pfn:#x}/{order} is not an allocated tail",
                                self.pfn_of(j as u32)
                            ));
                        }
                        counts[usize::from(t.kind)] += 1;
                    }
                    i += n;
                }
                k => return err(format!("page {pfn:#x} has unknown kind {k}")),
            }
        }

        // 3. Free lists: lengths, links, membership.
        for (order, lists) in self.free_area.iter().enumerate() {
            for (mt_i, list) in lists.iter().enumerate() {
                let mut n = 0u64;
                let mut prev = NIL;
                let mut cur = list.head;
                while cur != NIL {
                    let Some(f) = self.pages.get(cur as usize) else {
                        return err(format!("free list {order}/{mt_i} links to index {cur}"));
                    };
                    if f.kind != kind::FREE_HEAD
                        || usize::from(f.order) != order
                        || usize::from(f.tag) != mt_i
                    {
                        return err(format!(
                            "free list {order}/{mt_i} holds {:#x} (kind {}, order {}, list {})",
                            self.pfn_of(cur),
                            f.kind,
                            f.order,
                            f.tag
                        ));
                    }
                    if self.links[cur as usize].prev != prev {
                        return err(format!(
                            "free list {order}/{mt_i}: bad prev link at {:#x}",
                            self.pfn_of(cur)
                        ));
                    }
                    n += 1;
                    if n > list.len {
                        return err(format!(
                            "free list {order}/{mt_i} longer than its count {}",
                            list.len
                        ));
                    }
                    prev = cur;
                    cur = self.links[cur as usize].next;
                }
                if list.tail != prev {
                    return err(format!("free list {order}/{mt_i}: tail pointer is stale"));
                }
                if n != list.len {
                    return err(format!(
                        "free list {order}/{mt_i}: count {} but {n} entries",
                        list.len
                    ));
                }
                if n != heads[order][mt_i] {
                    return err(format!(
                        "free list {order}/{mt_i}: {n} entries but {} free heads of that order/type",
                        heads[order][mt_i]
                    ));
                }
            }
        }

        // 4. Counters.
        if free_pages != self.nr_free_pages {
            return err(format!(
                "NR_FREE_PAGES {} but free blocks hold {free_pages}",
                self.nr_free_pages
            ));
        }
        if free_highatomic != self.nr_free_highatomic {
            return err(format!(
                "nr_free_highatomic {} but highatomic lists hold {free_highatomic}",
                self.nr_free_highatomic
            ));
        }
        if counts != self.nr_by_kind {
            return err(format!(
                "per-state counters {:?} but frames say {counts:?}",
                self.nr_by_kind
            ));
        }
        if holes != self.spanned - self.present {
            return err(format!(
                "{holes} holes but spanned - present = {}",
                self.spanned - self.present
            ));
        }
        let allocated = self.nr_allocated();
        if free_pages + allocated != self.managed {
            return err(format!(
                "free {free_pages} + allocated {allocated} != managed {}",
                self.managed
            ));
        }
        if self.present - counts[usize::from(kind::RESERVED)] != self.managed {
            return err("present - reserved != managed".to_string());
        }
        Ok(())
    }
}
