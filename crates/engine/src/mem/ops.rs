//! Buddy operations summed for front ends: whole split chains (`expand()` from the order
//! taken off a free list down to the order requested) and whole merge chains
//! (`__free_one_page()` from the freed order up to the block that went onto a free list),
//! rebuilt from the [`MemEvent`]s that describe each half and each merge.
//!
//! The events arrive in the order the buddy code emits them: `Take` (or `BlockClaimed`)
//! right before the `Split`s of one `expand()`, whose halves share one base pfn and go down
//! one order at a time; `Merge`s of one `__free_one_page()` go up one order at a time, each
//! starting where the previous combined block was, and end with its `Free`.

use super::{MemEvent, ZoneId, mt_index};
use crate::gfp::MigrateType;
use crate::view::{BuddyOpKind, BuddyOpView};

/// One split or merge chain (or several identical ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuddyOp {
    pub zone: ZoneId,
    pub kind: BuddyOpKind,
    pub migratetype: MigrateType,
    pub source_migratetype: MigrateType,
    pub from_order: u8,
    pub to_order: u8,
    pub count: u32,
}

impl BuddyOp {
    fn same_as(&self, o: &BuddyOp) -> bool {
        BuddyOp { count: 0, ..*self } == BuddyOp { count: 0, ..*o }
    }

    /// The view of this operation, attributed to `task`.
    #[must_use]
    pub fn view(&self, task: &str) -> BuddyOpView {
        let mt = self.migratetype.kernel_name();
        let (from, to) = (self.from_order, self.to_order);
        let mut view = BuddyOpView {
            task: task.to_string(),
            node: u32::from(self.zone.node),
            zone: self.zone.zone.kernel_name().to_string(),
            kind: self.kind,
            migratetype: mt_index(self.migratetype) as u8,
            source_migratetype: mt_index(self.source_migratetype) as u8,
            from_order: from,
            to_order: to,
            count: self.count,
            text: String::new(),
        };
        let chain = view.chain();
        view.text = match self.kind {
            BuddyOpKind::Split => {
                let source = if self.source_migratetype == self.migratetype {
                    String::new()
                } else {
                    format!(
                        " taken from free_list[{}]",
                        self.source_migratetype.kernel_name()
                    )
                };
                format!(
                    "expand(): an order-{from} block{source} split {from} → {chain}; one half of \
                     each split went onto free_list[{mt}] of its order, the last order-{to} half \
                     is the allocation"
                )
            }
            BuddyOpKind::Merge => format!(
                "__free_one_page(): the freed order-{from} block merged with its free buddies, \
                 {chain} → {to}, into an order-{to} block on free_list[{mt}]"
            ),
        };
        view
    }
}

/// A chain still growing: the operation so far and where the next event must continue.
#[derive(Clone, Copy, Debug)]
struct Open {
    op: BuddyOp,
    /// Split: base pfn of the block being split; merge: pfn of the combined block.
    pfn: u64,
}

/// Sums the split and merge chains of a sequence of [`MemEvent`]s.
#[derive(Clone, Debug, Default)]
pub struct BuddyTally {
    ops: Vec<BuddyOp>,
    open: Option<Open>,
    /// The block the last `Take`/`BlockClaimed` took and its free list.
    taken: Option<(ZoneId, u64, MigrateType)>,
}

impl BuddyTally {
    /// Feeds one event.
    pub fn record(&mut self, e: &MemEvent) {
        match *e {
            MemEvent::Split {
                zone,
                pfn,
                order,
                migratetype,
            } => {
                let base = pfn.wrapping_sub(1 << order);
                if let Some(o) = &mut self.open
                    && o.op.kind == BuddyOpKind::Split
                    && o.op.zone == zone
                    && o.op.migratetype == migratetype
                    && o.pfn == base
                    && o.op.to_order == order + 1
                {
                    o.op.to_order = order;
                    return;
                }
                self.close();
                let source = match self.taken.take() {
                    Some((z, p, mt)) if z == zone && p == base => mt,
                    _ => migratetype,
                };
                self.open = Some(Open {
                    op: BuddyOp {
                        zone,
                        kind: BuddyOpKind::Split,
                        migratetype,
                        source_migratetype: source,
                        from_order: order + 1,
                        to_order: order,
                        count: 1,
                    },
                    pfn: base,
                });
            }
            MemEvent::Merge {
                zone,
                pfn,
                combined_pfn,
                order,
                migratetype,
                ..
            } => {
                if let Some(o) = &mut self.open
                    && o.op.kind == BuddyOpKind::Merge
                    && o.op.zone == zone
                    && o.op.migratetype == migratetype
                    && o.pfn == pfn
                    && o.op.to_order + 1 == order
                {
                    o.op.to_order = order;
                    o.pfn = combined_pfn;
                    return;
                }
                self.close();
                self.open = Some(Open {
                    op: BuddyOp {
                        zone,
                        kind: BuddyOpKind::Merge,
                        migratetype,
                        source_migratetype: migratetype,
                        from_order: order.saturating_sub(1),
                        to_order: order,
                        count: 1,
                    },
                    pfn: combined_pfn,
                });
            }
            MemEvent::Take {
                zone,
                pfn,
                migratetype,
                ..
            } => {
                self.close();
                self.taken = Some((zone, pfn, migratetype));
            }
            MemEvent::BlockClaimed {
                zone,
                block_pfn,
                from,
                ..
            } => {
                self.close();
                self.taken = Some((zone, block_pfn, from));
            }
            _ => {
                self.close();
                self.taken = None;
            }
        }
    }

    fn close(&mut self) {
        let Some(o) = self.open.take() else { return };
        if let Some(same) = self.ops.iter_mut().find(|x| x.same_as(&o.op)) {
            same.count += o.op.count;
        } else {
            self.ops.push(o.op);
        }
    }

    /// The operations seen, identical ones summed, in the order they first happened.
    #[must_use]
    pub fn finish(mut self) -> Vec<BuddyOp> {
        self.close();
        self.ops
    }
}

/// Adds `op` (done by `task`) to `ops`, summing it into an identical one.
pub fn add_op(ops: &mut Vec<BuddyOpView>, task: &str, op: &BuddyOp) {
    let v = op.view(task);
    if let Some(same) = ops.iter_mut().find(|x| {
        x.task == v.task
            && x.node == v.node
            && x.zone == v.zone
            && x.kind == v.kind
            && x.migratetype == v.migratetype
            && x.source_migratetype == v.source_migratetype
            && x.from_order == v.from_order
            && x.to_order == v.to_order
    }) {
        same.count += v.count;
    } else {
        ops.push(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gfp::ZoneType;

    const Z: ZoneId = ZoneId {
        node: 0,
        zone: ZoneType::Normal,
    };

    fn split(pfn: u64, order: u8) -> MemEvent {
        MemEvent::Split {
            zone: Z,
            pfn,
            order,
            migratetype: MigrateType::Movable,
        }
    }

    fn merge(pfn: u64, order: u8) -> MemEvent {
        let size = 1u64 << (order - 1);
        let buddy_pfn = pfn ^ size;
        MemEvent::Merge {
            zone: Z,
            pfn,
            buddy_pfn,
            combined_pfn: pfn & buddy_pfn,
            order,
            migratetype: MigrateType::Movable,
        }
    }

    #[test]
    fn one_expand_is_one_split_chain_and_two_identical_ones_are_summed() {
        let mut t = BuddyTally::default();
        // Order-3 block at 0x100 split to order 0: halves at 0x104/2, 0x102/1, 0x101/0.
        for e in [split(0x104, 2), split(0x102, 1), split(0x101, 0)] {
            t.record(&e);
        }
        // Another order-3 block at 0x200, same chain.
        for e in [split(0x204, 2), split(0x202, 1), split(0x201, 0)] {
            t.record(&e);
        }
        let ops = t.finish();
        assert_eq!(ops.len(), 1);
        let op = ops[0];
        assert_eq!(
            (op.kind, op.from_order, op.to_order, op.count),
            (BuddyOpKind::Split, 3, 0, 2)
        );
        let v = op.view("writer");
        assert!(v.text.contains("split 3 → 2+2 → 1+1 → 0+0"), "{}", v.text);
    }

    #[test]
    fn back_to_back_splits_of_different_blocks_stay_apart() {
        let mut t = BuddyTally::default();
        // The block at 0x100 split from order 3 to 1 (halves 0x104/2, 0x102/1), then the
        // block at 0x300 from order 1 to 0 (half 0x301/0): the orders would chain, the
        // base pfns do not.
        for e in [split(0x104, 2), split(0x102, 1), split(0x301, 0)] {
            t.record(&e);
        }
        let ops = t.finish();
        let chains: Vec<(u8, u8)> = ops.iter().map(|o| (o.from_order, o.to_order)).collect();
        assert_eq!(chains, vec![(3, 1), (1, 0)]);
    }

    #[test]
    fn a_merge_chain_ends_at_the_free_and_knows_the_taken_list() {
        let mut t = BuddyTally::default();
        // Free order-0 page 0x101: merges with 0x100 (→ order 1 at 0x100), then with 0x102
        // (→ order 2 at 0x100), then goes onto the list.
        t.record(&merge(0x101, 1));
        t.record(&merge(0x100, 2));
        t.record(&MemEvent::Free {
            zone: Z,
            pfn: 0x100,
            order: 2,
            migratetype: MigrateType::Movable,
            to_tail: false,
        });
        // A fallback: taken from the Unmovable list, halves onto Movable.
        t.record(&MemEvent::Take {
            zone: Z,
            pfn: 0x400,
            order: 0,
            from_order: 1,
            migratetype: MigrateType::Unmovable,
        });
        t.record(&split(0x401, 0));
        let ops = t.finish();
        assert_eq!(ops.len(), 2);
        assert_eq!(
            (ops[0].kind, ops[0].from_order, ops[0].to_order),
            (BuddyOpKind::Merge, 0, 2)
        );
        assert!(
            ops[0]
                .view("t")
                .text
                .contains("0+0 → 1+1 → 2, into an order-2 block"),
            "{}",
            ops[0].view("t").text
        );
        assert_eq!(ops[1].source_migratetype, MigrateType::Unmovable);
        assert_eq!(ops[1].migratetype, MigrateType::Movable);
    }

    #[test]
    fn add_op_sums_per_task() {
        let op = BuddyOp {
            zone: Z,
            kind: BuddyOpKind::Split,
            migratetype: MigrateType::Movable,
            source_migratetype: MigrateType::Movable,
            from_order: 2,
            to_order: 0,
            count: 3,
        };
        let mut ops = Vec::new();
        add_op(&mut ops, "a", &op);
        add_op(&mut ops, "a", &op);
        add_op(&mut ops, "<background>", &op);
        let counts: Vec<(&str, u32)> = ops.iter().map(|o| (o.task.as_str(), o.count)).collect();
        assert_eq!(counts, vec![("a", 6), ("<background>", 3)]);
    }
}
