//! The slow-path flow diagram (`__alloc_pages_slowpath`) with the path taken lit, and the
//! ordered list of decisions with their conditions, kernel functions and details.
//!
//! The diagram's boxes are the engine's [`Stage`]s; which are lit, and every label on
//! them, come from the step's [`DecisionView`]s.

use std::rc::Rc;

use gfpscope_engine::view::{DecisionView, Stage};

use crate::session::Detail;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DecisionProps {
    /// The current step.
    pub step: u64,
    /// This step's (or the latest earlier step's) decisions and reclaim details.
    #[prop_or_default]
    pub detail: Option<(u64, Rc<Detail>)>,
}

/// Boxes of the main column, top to bottom, with their titles.
const FLOW: &[(Stage, &str)] = &[
    (Stage::FastPath, "Fast path"),
    (Stage::KswapdWake, "Wake kswapd"),
    (Stage::Reserves, "Reserves"),
    (Stage::Compaction, "Compaction"),
    (Stage::DirectReclaim, "Direct reclaim"),
    (Stage::Retry, "Retry?"),
    (Stage::Oom, "OOM killer"),
    (Stage::Nopage, "No page"),
];

/// Boxes of the side column.
const SIDE: &[(Stage, &str, usize)] = &[
    (Stage::Success, "Page allocated", 0),
    (Stage::Fail, "Allocation fails (NULL)", 7),
    (Stage::Hazard, "Hazard / BUG", 4),
];

pub fn stage_name(stage: Stage) -> &'static str {
    FLOW.iter()
        .map(|(s, n)| (*s, *n))
        .chain(SIDE.iter().map(|(s, n, _)| (*s, *n)))
        .find(|(s, _)| *s == stage)
        .map_or("?", |(_, n)| n)
}

/// How a stage appears: lit (ran), skipped (decided against), or not reached.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lit {
    Taken,
    Skipped,
    Unvisited,
}

fn status(decisions: &[DecisionView], stage: Stage) -> (Lit, Option<&DecisionView>, usize) {
    let of: Vec<&DecisionView> = decisions.iter().filter(|d| d.stage == stage).collect();
    let taken = of.iter().rev().find(|d| d.taken).copied();
    match (taken, of.last()) {
        (Some(d), _) => (Lit::Taken, Some(d), of.len()),
        (None, Some(d)) => (Lit::Skipped, Some(*d), of.len()),
        (None, None) => (Lit::Unvisited, None, 0),
    }
}

// Whole SVG units: integers print without float formatting code in the bundle.
const BOX_W: i32 = 250;
const BOX_H: i32 = 38;
const GAP: i32 = 14;
const SIDE_X: i32 = 290;
const SIDE_W: i32 = 160;

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn node(
    x: i32,
    y: i32,
    w: i32,
    title: &str,
    lit: Lit,
    d: Option<&DecisionView>,
    count: usize,
) -> Html {
    let class = match lit {
        Lit::Taken => "node taken",
        Lit::Skipped => "node skipped",
        Lit::Unvisited => "node unvisited",
    };
    let chars = (w * 10 / 66) as usize;
    let tip = d.map_or_else(
        || format!("{title}: not reached in this step"),
        |d| {
            format!(
                "{title} — {}\ncondition: {}\n{}",
                d.function, d.condition, d.detail
            )
        },
    );
    let times = if count > 1 {
        format!("  ×{count}")
    } else {
        String::new()
    };
    html! {
        <g class={class}>
            <title>{ tip }</title>
            <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height={BOX_H.to_string()} rx="6" />
            <text x={(x + 8).to_string()} y={(y + 15).to_string()} class="t1">
                { format!("{title}{times}") }
                if let Some(d) = d {
                    <tspan class="fn">{ format!("  {}", clip(&d.function, chars.saturating_sub(title.len() + 4))) }</tspan>
                }
            </text>
            if let Some(d) = d {
                <text x={(x + 8).to_string()} y={(y + 30).to_string()} class="t2">
                    { clip(&d.condition, chars) }
                </text>
            }
        </g>
    }
}

fn diagram(decisions: &[DecisionView]) -> Html {
    let height = FLOW.len() as i32 * (BOX_H + GAP) + 4;
    let y_of = |i: usize| 2 + i as i32 * (BOX_H + GAP);
    let arrows = (1..FLOW.len()).map(|i| {
        let (a, _) = FLOW[i - 1];
        let (b, _) = FLOW[i];
        let lit = status(decisions, a).0 != Lit::Unvisited && status(decisions, b).0 != Lit::Unvisited;
        let x = 2 + BOX_W / 2;
        html! {
            <line class={classes!("edge", lit.then_some("lit"))} x1={x.to_string()} y1={(y_of(i - 1) + BOX_H).to_string()}
                x2={x.to_string()} y2={(y_of(i) - 2).to_string()} marker-end="url(#arrow)" />
        }
    });
    let side_edges = SIDE.iter().map(|(stage, _, row)| {
        let lit = status(decisions, *stage).0 == Lit::Taken;
        let y = y_of(*row) + BOX_H / 2;
        html! {
            <line class={classes!("edge", lit.then_some("lit"))} x1={(2 + BOX_W).to_string()} y1={y.to_string()}
                x2={(SIDE_X - 2).to_string()} y2={y.to_string()} marker-end="url(#arrow)" />
        }
    });
    // Retry loops back to the fast path (get_page_from_freelist is tried again).
    let retry_lit = status(decisions, Stage::Retry).0 == Lit::Taken;
    let retry_path = format!(
        "M 2 {} h -0 M 2 {} C -30 {} -30 {} 2 {}",
        y_of(5) + BOX_H / 2,
        y_of(5) + BOX_H / 2,
        y_of(5),
        y_of(0) + BOX_H,
        y_of(0) + BOX_H / 2
    );
    html! {
        <svg class="flow" viewBox={format!("-34 0 {} {height}", SIDE_X + SIDE_W + 40)}
            role="img" aria-label="Allocator slow path: lit boxes ran, dashed boxes were skipped">
            <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
                </marker>
            </defs>
            { for arrows }
            { for side_edges }
            <path class={classes!("edge", "retry", retry_lit.then_some("lit"))} d={retry_path} marker-end="url(#arrow)" fill="none" />
            { for FLOW.iter().enumerate().map(|(i, (stage, title))| {
                let (lit, d, n) = status(decisions, *stage);
                node(2, y_of(i), BOX_W, title, lit, d, n)
            }) }
            { for SIDE.iter().map(|(stage, title, row)| {
                let (lit, d, n) = status(decisions, *stage);
                node(SIDE_X, y_of(*row), SIDE_W, title, lit, d, n)
            }) }
        </svg>
    }
}

#[component]
pub fn DecisionPanel(props: &DecisionProps) -> Html {
    let step = props.step;
    let Some((at, detail)) = &props.detail else {
        return html! {
            <div class="panel decision-panel" data-testid="decision-panel">
                <div class="panel-head"><h2>{ "Allocator decisions" }</h2></div>
                <p class="empty-note">{ "No allocator decision yet. When a step allocates, the slow path it takes (fast path, kswapd, reclaim, compaction, OOM) lights up here, with what reclaim did and skipped." }</p>
            </div>
        };
    };
    let stale = *at != step;
    let decisions: &[DecisionView] = &detail.decisions;
    html! {
        <div class={classes!("panel", "decision-panel", stale.then_some("stale"))} data-testid="decision-panel">
            <div class="panel-head">
                <h2>{ "Allocator decisions" }</h2>
                if stale {
                    <span class="badge">{ format!("from step {at}") }</span>
                }
            </div>
            <div class="decision-body">
                if !decisions.is_empty() {
                    { diagram(decisions) }
                    <ol class="decisions">
                        { for decisions.iter().map(|d| html! {
                            <li class={classes!("decision", if d.taken { "taken" } else { "skipped" })}>
                                <div class="d-head">
                                    <span class="stage">{ stage_name(d.stage) }</span>
                                    <span class="verdict">{ if d.taken { "ran" } else { "skipped" } }</span>
                                    <code class="fn">{ d.function.clone() }</code>
                                </div>
                                <code class="cond">{ d.condition.clone() }</code>
                                <div class="detail">{ d.detail.clone() }</div>
                            </li>
                        }) }
                    </ol>
                }
                if !detail.reclaim.is_empty() || detail.background > 0 {
                    <div class="reclaim-details">
                        <h3>{ "Reclaim details" }</h3>
                        <ul>
                            { for detail.reclaim.iter().map(|e| html! {
                                <li class={classes!("rd", format!("k-{}", e.kind))} title={format!("step {} · task {}", e.step, e.task)}>
                                    <span class="kind">{ e.kind.clone() }</span>
                                    <span class="text">{ e.text.clone() }</span>
                                </li>
                            }) }
                        </ul>
                        if detail.background > 0 {
                            <p class="bg-note">{ format!("+ {} reclaim event(s) of background memory users in this step (see the event log).", detail.background) }</p>
                        }
                    </div>
                }
            </div>
        </div>
    }
}
