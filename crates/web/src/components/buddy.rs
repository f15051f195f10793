//! Buddy free lists: free blocks per order and migratetype for one zone, and the splits
//! and merges of the step (`StepView::buddy_ops`) as labels and animations.
//!
//! After a step forward, each split of the selected zone plays as a block leaving its
//! order's cell and pairs of halves landing one order lower at a time, down to the
//! allocation, which leaves the table; each merge plays as the freed block and its buddy
//! joining one order higher until the merged block lands. Ghost elements are placed in
//! the table cells and moved by multiples of their own size (`translate(0, -100%)` is one
//! row up; rows are of equal height), so the animation reads no layout at all. Jumps do not animate, reduced
//! motion only highlights the cells, and a count that changed flashes (▲/▼) after a step.

use std::collections::BTreeMap;
use std::rc::Rc;

use gfpscope_engine::view::{BuddyOpKind, BuddyOpView, ZoneView};
use yew::prelude::*;

use crate::anim::{self, Keyframe, Timing};
use crate::session::BACKGROUND_TASK;

#[derive(Properties, PartialEq)]
pub struct BuddyProps {
    pub zones: Rc<[ZoneView]>,
    /// Splits and merges of this step, every zone.
    #[prop_or_default]
    pub ops: Rc<[BuddyOpView]>,
    pub step: u64,
    /// The step was one step forward: its operations animate and changed counts flash.
    #[prop_or_default]
    pub stepped: bool,
}

const MIGRATETYPES: [&str; 4] = ["Unmovable", "Movable", "Reclaimable", "HighAtomic"];
/// Operations animated per step at most (background users can do dozens).
pub const MAX_ANIMATED: usize = 3;
/// A scenario task's operations listed one per line at most; the rest are folded.
pub const MAX_LISTED: usize = 4;
/// `Animation.id` of the split and merge ghosts.
pub const GHOST_ID: &str = "buddy-op";
/// One hop of a ghost from one order to the next, in ms.
const HOP_MS: f64 = 420.0;

fn mt_name(i: u8) -> &'static str {
    MIGRATETYPES.get(usize::from(i)).copied().unwrap_or("?")
}

/// A short label for an operation: "split order 3 → 2+2 → 1+1 → 0+0" or
/// "merge 0+0 → 1+1 → order 2" (typography over the engine's orders; the engine's
/// sentence is the tooltip).
pub fn op_label(op: &BuddyOpView) -> String {
    match op.kind {
        BuddyOpKind::Split => format!("split order {} → {}", op.from_order, op.chain()),
        BuddyOpKind::Merge => format!("merge {} → order {}", op.chain(), op.to_order),
    }
}

/// The operations of zone `zone` in the order they are listed and animated: the
/// scenario's tasks' before background users', and within each the splits (an
/// allocation's) before the merges, otherwise in the engine's order.
pub fn ordered<'a>(ops: &'a [BuddyOpView], zone: &ZoneView) -> Vec<&'a BuddyOpView> {
    let mut here: Vec<&BuddyOpView> = ops
        .iter()
        .filter(|o| o.zone == zone.name && o.node == zone.node)
        .collect();
    here.sort_by_key(|o| (o.task == BACKGROUND_TASK, o.kind != BuddyOpKind::Split));
    here
}

/// The operations of zone `zone` that animate: the first [`MAX_ANIMATED`] of [`ordered`].
pub fn animated_ops<'a>(ops: &'a [BuddyOpView], zone: &ZoneView) -> Vec<&'a BuddyOpView> {
    ordered(ops, zone).into_iter().take(MAX_ANIMATED).collect()
}

/// One ghost: a block (or pair of halves) shown in cell (`order`, `mt`) that moves by
/// (`dx`, `dy`) cells, starting `delay` ms after the step.
#[derive(Clone, Debug, PartialEq)]
pub struct Ghost {
    pub order: u8,
    pub mt: u8,
    /// Colour of the blocks (the free list they belong to).
    pub colour_mt: u8,
    pub labels: Vec<String>,
    pub dx: i32,
    pub dy: i32,
    pub delay: f64,
    pub kind: GhostKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GhostKind {
    /// A block leaving its list (it pulses and fades where it is).
    Leave,
    /// Halves or buddies moving one order (and maybe column) to the next cell.
    Hop,
    /// Two buddies joining: they move and close up into one block.
    Join,
    /// The allocated half leaving the table to the right.
    Allocate,
    /// The merged block landing on its list.
    Land,
}

/// The ghosts that draw `op`, starting after `start` ms. Orders grow downwards (row
/// `order` of the table), so a split moves up and a merge moves down.
pub fn ghosts(op: &BuddyOpView, start: f64) -> Vec<Ghost> {
    let (from, to) = (op.from_order, op.to_order);
    let m = op.migratetype;
    let mut out = Vec::new();
    match op.kind {
        BuddyOpKind::Split if from > to => {
            let s = op.source_migratetype;
            out.push(Ghost {
                order: from,
                mt: s,
                colour_mt: s,
                labels: vec![from.to_string()],
                dx: 0,
                dy: 0,
                delay: start,
                kind: GhostKind::Leave,
            });
            // The halves go to list `m` (another column than the block's after a
            // fallback claimed it): they start in that column, so ghosts move only
            // vertically (the columns need not be of equal width).
            for (h, o) in (to..from).rev().enumerate() {
                out.push(Ghost {
                    order: o + 1,
                    mt: m,
                    colour_mt: m,
                    labels: vec![o.to_string(), o.to_string()],
                    dx: 0,
                    dy: -1,
                    delay: start + HOP_MS * (h as f64 + 0.5),
                    kind: GhostKind::Hop,
                });
            }
            out.push(Ghost {
                order: to,
                mt: m,
                colour_mt: m,
                labels: vec![format!("{to} → allocated")],
                dx: 2,
                dy: 0,
                delay: start + HOP_MS * (f64::from(from - to) + 0.5),
                kind: GhostKind::Allocate,
            });
        }
        BuddyOpKind::Merge if to > from => {
            for (h, o) in (from..to).enumerate() {
                out.push(Ghost {
                    order: o,
                    mt: m,
                    colour_mt: m,
                    labels: vec![o.to_string(), o.to_string()],
                    dx: 0,
                    dy: 1,
                    delay: start + HOP_MS * h as f64,
                    kind: GhostKind::Join,
                });
            }
            out.push(Ghost {
                order: to,
                mt: m,
                colour_mt: m,
                labels: vec![to.to_string()],
                dx: 0,
                dy: 0,
                delay: start + HOP_MS * f64::from(to - from),
                kind: GhostKind::Land,
            });
        }
        _ => {}
    }
    out
}

fn cell_selector(order: u8, mt: u8) -> String {
    format!(r#"table.buddy td.cell[data-order="{order}"][data-mt="{mt}"] > .cellbox"#)
}

/// Plays the operations of a step forward in the table under `root`.
fn play_ops(root: &web_sys::Element, ops: &[&BuddyOpView]) {
    anim::remove_all(root, ".buddy-ghost");
    if ops.is_empty() {
        return;
    }
    let doc = gloo::utils::document();
    let fade = "0 0 0 0 rgba(230, 159, 0, 0)";
    if anim::reduced_motion() {
        // No movement: the cells the operations touched glow once.
        for op in ops {
            let (lo, hi) = (
                op.from_order.min(op.to_order),
                op.from_order.max(op.to_order),
            );
            for o in lo..=hi {
                if let Ok(Some(td)) = root.query_selector(&cell_selector(o, op.migratetype)) {
                    anim::animate(
                        &td,
                        &[
                            Keyframe::new(&[("boxShadow", "inset 0 0 0 2px #e69f00")]),
                            Keyframe::new(&[("boxShadow", fade)]),
                        ],
                        Timing {
                            duration_ms: 1200.0,
                            delay_ms: 0.0,
                            easing: "ease-out",
                            id: GHOST_ID,
                        },
                    );
                }
            }
        }
        return;
    }
    for (i, op) in ops.iter().enumerate() {
        for g in ghosts(op, 260.0 * i as f64) {
            let Ok(Some(td)) = root.query_selector(&cell_selector(g.order, g.mt)) else {
                continue;
            };
            let Ok(el) = doc.create_element("div") else {
                continue;
            };
            el.set_class_name(&format!(
                "buddy-ghost mt{} {}",
                g.colour_mt,
                ghost_class(g.kind)
            ));
            for l in &g.labels {
                if let Ok(pill) = doc.create_element("span") {
                    pill.set_class_name("pill");
                    pill.set_text_content(Some(l));
                    el.append_child(&pill).ok();
                }
            }
            td.append_child(&el).ok();
            let end = format!("translate({}%, {}%)", g.dx * 100, g.dy * 100);
            let frames = match g.kind {
                GhostKind::Leave => vec![
                    Keyframe::new(&[("opacity", "0"), ("transform", "scale(1)")]),
                    Keyframe::new(&[("opacity", "1"), ("transform", "scale(1.15)")]).at(0.3),
                    Keyframe::new(&[("opacity", "0"), ("transform", "scale(0.9)")]),
                ],
                GhostKind::Land => vec![
                    Keyframe::new(&[("opacity", "0"), ("transform", "scale(1.4)")]),
                    Keyframe::new(&[("opacity", "1"), ("transform", "scale(1)")]).at(0.35),
                    Keyframe::new(&[("opacity", "0"), ("transform", "scale(1)")]),
                ],
                GhostKind::Hop | GhostKind::Join | GhostKind::Allocate => vec![
                    Keyframe::new(&[("opacity", "0"), ("transform", "translate(0%, 0%)")]),
                    Keyframe::new(&[("opacity", "1"), ("transform", "translate(0%, 0%)")]).at(0.12),
                    Keyframe::new(&[("opacity", "1")])
                        .with("transform", end.clone())
                        .at(0.75),
                    Keyframe::new(&[("opacity", "0")]).with("transform", end),
                ],
            };
            anim::animate(
                &el,
                &frames,
                Timing {
                    duration_ms: HOP_MS * 1.7,
                    delay_ms: g.delay,
                    easing: "ease-in-out",
                    id: GHOST_ID,
                },
            );
        }
    }
}

fn ghost_class(kind: GhostKind) -> &'static str {
    match kind {
        GhostKind::Leave => "leave",
        GhostKind::Hop => "hop",
        GhostKind::Join => "join",
        GhostKind::Allocate => "allocate",
        GhostKind::Land => "land",
    }
}

/// "3 splits (5 blocks), 2 merges (40 blocks)" for operations of one kind set.
fn summary(ops: &[&BuddyOpView]) -> String {
    let part = |kind: BuddyOpKind, word: &str| {
        let of: Vec<&&BuddyOpView> = ops.iter().filter(|o| o.kind == kind).collect();
        let blocks: u32 = of.iter().map(|o| o.count).sum();
        (!of.is_empty()).then(|| {
            format!(
                "{} {word}{} ({blocks} block{})",
                of.len(),
                if of.len() == 1 { "" } else { "s" },
                if blocks == 1 { "" } else { "s" }
            )
        })
    };
    [
        part(BuddyOpKind::Split, "split"),
        part(BuddyOpKind::Merge, "merge"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}

fn op_item(op: &BuddyOpView) -> Html {
    let kind = match op.kind {
        BuddyOpKind::Split => "split",
        BuddyOpKind::Merge => "merge",
    };
    let list = if op.kind == BuddyOpKind::Split && op.source_migratetype != op.migratetype {
        format!(
            "{} → {}",
            mt_name(op.source_migratetype),
            mt_name(op.migratetype)
        )
    } else {
        mt_name(op.migratetype).to_string()
    };
    html! {
        <li class={classes!("op", kind, format!("mt{}", op.migratetype))} title={op.text.clone()}>
            <span class="op-label">{ op_label(op) }</span>
            <span class="op-mt">{ list }</span>
            if op.count > 1 {
                <span class="op-count">{ format!("×{}", op.count) }</span>
            }
            <span class="op-task">{ op.task.clone() }</span>
        </li>
    }
}

/// `class` of a free-list cell, by migratetype index.
const CELL_CLASS: [&str; 4] = ["cell mt0", "cell mt1", "cell mt2", "cell mt3"];
/// Orders and migratetype indices as attribute text.
const DIGITS: [&str; 11] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

#[component]
pub fn BuddyPanel(props: &BuddyProps) -> Html {
    let zones = &props.zones;
    let default_zone = zones.len().saturating_sub(1);
    let selected = use_state(|| None::<usize>);
    let zone_idx = selected.unwrap_or(default_zone).min(default_zone);
    let root = use_node_ref();
    // Previous counts per zone name, to flash what changed.
    let previous = use_mut_ref(BTreeMap::<String, Vec<[u64; 4]>>::new);
    let prev_blocks = previous.borrow().clone();
    {
        let previous = previous.clone();
        let zones: Vec<(String, Vec<[u64; 4]>)> = zones
            .iter()
            .map(|z| (z.name.clone(), z.free_blocks.clone()))
            .collect();
        use_effect_with(props.zones.clone(), move |_| {
            let mut p = previous.borrow_mut();
            p.clear();
            p.extend(zones);
        });
    }
    {
        let root = root.clone();
        let ops = Rc::clone(&props.ops);
        let zone = zones.get(zone_idx).cloned();
        use_effect_with((props.step, props.stepped), move |&(_, stepped)| {
            if let Some(el) = root.cast::<web_sys::Element>() {
                if stepped && let Some(zone) = &zone {
                    play_ops(&el, &animated_ops(&ops, zone));
                } else {
                    anim::remove_all(&el, ".buddy-ghost");
                }
            }
        });
    }
    let Some(zone) = zones.get(zone_idx) else {
        return html! {};
    };
    let prev = props.stepped.then(|| prev_blocks.get(&zone.name)).flatten();
    let max = zone
        .free_blocks
        .iter()
        .flat_map(|r| r.iter())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let in_zone = |z: &ZoneView| {
        props
            .ops
            .iter()
            .filter(|o| o.zone == z.name && o.node == z.node)
            .collect::<Vec<_>>()
    };
    let here = ordered(&props.ops, zone);
    let (own, background): (Vec<&BuddyOpView>, Vec<&BuddyOpView>) =
        here.iter().partition(|o| o.task != BACKGROUND_TASK);
    // Folding one line away would save nothing.
    let listed = if own.len() > MAX_LISTED {
        MAX_LISTED - 1
    } else {
        own.len()
    };
    let elsewhere: usize = zones
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != zone_idx)
        .map(|(_, z)| in_zone(z).len())
        .sum();
    html! {
        <div class="panel buddy-panel" ref={root}>
            <div class="panel-head">
                <h2>{ "Buddy free lists" }</h2>
                <div class="tabs" role="tablist">
                    { for zones.iter().enumerate().map(|(i, z)| {
                        let selected = selected.clone();
                        let n = in_zone(z).len();
                        html! {
                            <button role="tab" class={classes!("tab", (i == zone_idx).then_some("active"))}
                                aria-selected={(i == zone_idx).to_string()}
                                title={(n > 0).then(|| format!("{n} kinds of split or merge in {} this step", z.name))}
                                onclick={Callback::from(move |_| selected.set(Some(i)))}>
                                { z.name.clone() }
                                if n > 0 {
                                    <span class="op-badge">{ n }</span>
                                }
                            </button>
                        }
                    }) }
                </div>
            </div>
            <table class="buddy">
                <thead><tr>
                    <th>{ "order" }</th>
                    { for MIGRATETYPES.iter().map(|m| html! { <th>{ *m }</th> }) }
                    <th title="free pages in blocks of this order">{ "pages" }</th>
                </tr></thead>
                <tbody>
                    { for zone.free_blocks.iter().enumerate().map(|(order, row)| {
                        let pages: u64 = row.iter().sum::<u64>() << order;
                        html! {
                            <tr>
                                <th>{ order }</th>
                                { for row.iter().enumerate().map(|(mt, &n)| {
                                    let before = prev.and_then(|p| p.get(order)).map(|r| r[mt]);
                                    let change = match before {
                                        Some(b) if n > b => Some("up"),
                                        Some(b) if n < b => Some("down"),
                                        _ => None,
                                    };
                                    let w = n as f64 / max as f64 * 100.0;
                                    // The cell keeps its element from step to step; everything
                                    // that changes sits in a size-contained box, so a step never
                                    // re-lays the table (see `.cellbox` in style.css). The flash
                                    // restarts on every change because its animation name
                                    // alternates with the step's parity.
                                    let even = props.step.is_multiple_of(2);
                                    let cellbox = match (change, even) {
                                        (None, _) => "cellbox",
                                        (Some("up"), true) => "cellbox up even",
                                        (Some("up"), false) => "cellbox up odd",
                                        (Some(_), true) => "cellbox down even",
                                        (Some(_), false) => "cellbox down odd",
                                    };
                                    // Static class and data strings: 44 cells re-render on
                                    // every step, and `classes!` builds a hash set each time.
                                    html! {
                                        <td key={format!("{}-{order}-{mt}", zone.name)}
                                            class={CELL_CLASS.get(mt).copied().unwrap_or("cell")}
                                            data-order={DIGITS.get(order).copied().unwrap_or_default()}
                                            data-mt={DIGITS.get(mt).copied().unwrap_or_default()}>
                                            <div class={cellbox}>
                                                <span class="bar" style={format!("width:{}%", crate::decimal::fixed(w, 1))}></span>
                                                <span class="n">{ n }</span>
                                            </div>
                                        </td>
                                    }
                                }) }
                                <td class="pages">{ pages }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            <div class="buddy-ops" data-testid="buddy-ops" data-zone={zone.name.clone()}>
                <h3>{ format!("Splits and merges in {} at step {}", zone.name, props.step) }</h3>
                if here.is_empty() {
                    <p class="empty-note">
                        { "none in this zone" }
                        if elsewhere > 0 {
                            { format!(" ({elsewhere} in other zones: see the tabs)") }
                        }
                    </p>
                } else {
                    if !own.is_empty() {
                        <ul class="ops">{ for own.iter().take(listed).map(|o| op_item(o)) }</ul>
                    }
                    if own.len() > listed {
                        <details class="ops-more">
                            <summary>{ format!("and {} more: {}", own.len() - listed, summary(own.get(listed..).unwrap_or(&[]))) }</summary>
                            <ul class="ops">{ for own.iter().skip(listed).map(|o| op_item(o)) }</ul>
                        </details>
                    }
                    if !background.is_empty() {
                        <details class="ops-background">
                            <summary>{ format!("background users: {}", summary(&background)) }</summary>
                            <ul class="ops">{ for background.iter().map(|o| op_item(o)) }</ul>
                        </details>
                    }
                }
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn op(kind: BuddyOpKind, from: u8, to: u8, task: &str, zone: &str) -> BuddyOpView {
        BuddyOpView {
            task: task.into(),
            node: 0,
            zone: zone.into(),
            kind,
            migratetype: 1,
            source_migratetype: 1,
            from_order: from,
            to_order: to,
            count: 1,
            text: String::new(),
        }
    }

    #[wasm_bindgen_test]
    fn labels_spell_out_every_order() {
        assert_eq!(
            op_label(&op(BuddyOpKind::Split, 3, 0, "t", "DMA32")),
            "split order 3 → 2+2 → 1+1 → 0+0"
        );
        assert_eq!(
            op_label(&op(BuddyOpKind::Merge, 0, 2, "t", "DMA32")),
            "merge 0+0 → 1+1 → order 2"
        );
    }

    #[wasm_bindgen_test]
    fn a_split_leaves_its_cell_hops_up_one_order_at_a_time_and_allocates() {
        let g = ghosts(&op(BuddyOpKind::Split, 3, 1, "t", "DMA32"), 0.0);
        let kinds: Vec<(GhostKind, u8, i32)> = g.iter().map(|g| (g.kind, g.order, g.dy)).collect();
        assert_eq!(
            kinds,
            vec![
                (GhostKind::Leave, 3, 0),
                (GhostKind::Hop, 3, -1),
                (GhostKind::Hop, 2, -1),
                (GhostKind::Allocate, 1, 0),
            ]
        );
        assert_eq!(g[1].labels, vec!["2", "2"]);
        assert!(
            g.windows(2).all(|w| w[0].delay < w[1].delay),
            "one after the other"
        );
        // A fallback: the block leaves another list's column, the halves go up in theirs.
        let mut steal = op(BuddyOpKind::Split, 2, 1, "t", "DMA32");
        steal.source_migratetype = 0;
        let g = ghosts(&steal, 0.0);
        assert_eq!((g[0].mt, g[1].mt, g[1].dx), (0, 1, 0));
    }

    #[wasm_bindgen_test]
    fn a_merge_joins_downwards_and_lands() {
        let g = ghosts(&op(BuddyOpKind::Merge, 0, 2, "t", "DMA32"), 100.0);
        let kinds: Vec<(GhostKind, u8, i32)> = g.iter().map(|g| (g.kind, g.order, g.dy)).collect();
        assert_eq!(
            kinds,
            vec![
                (GhostKind::Join, 0, 1),
                (GhostKind::Join, 1, 1),
                (GhostKind::Land, 2, 0),
            ]
        );
        assert!((g[0].delay - 100.0).abs() < f64::EPSILON);
    }

    #[wasm_bindgen_test]
    fn the_scenario_s_own_operations_and_splits_come_first() {
        let zone = ZoneView {
            name: "DMA32".into(),
            ..ZoneView::default()
        };
        let ops: Vec<BuddyOpView> = vec![
            op(BuddyOpKind::Merge, 0, 1, BACKGROUND_TASK, "DMA32"),
            op(BuddyOpKind::Merge, 0, 2, BACKGROUND_TASK, "DMA32"),
            op(BuddyOpKind::Split, 2, 0, "writer", "DMA"),
            op(BuddyOpKind::Merge, 0, 3, BACKGROUND_TASK, "DMA32"),
            op(BuddyOpKind::Merge, 0, 4, "writer", "DMA32"),
            op(BuddyOpKind::Split, 3, 0, "writer", "DMA32"),
        ];
        let picked: Vec<(&str, u8)> = animated_ops(&ops, &zone)
            .iter()
            .map(|o| (o.task.as_str(), o.to_order))
            .collect();
        assert_eq!(
            picked,
            vec![("writer", 0), ("writer", 4), (BACKGROUND_TASK, 1)]
        );
        assert_eq!(ordered(&ops, &zone).len(), 5, "DMA's split is not DMA32's");
    }
}
