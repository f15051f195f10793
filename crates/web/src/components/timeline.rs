//! The timeline: a scrubber over the whole run with markers for notable events, and
//! breakpoints on event kinds ("run until the next direct reclaim").

use std::collections::BTreeSet;
use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::session::{BREAK_ONLY_KINDS, Cmd, MARKER_KINDS, Marker};

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub step: u64,
    pub known: u64,
    pub finished: bool,
    pub markers: Rc<[Marker]>,
    pub on_cmd: Callback<Cmd>,
    pub notice: Option<AttrValue>,
}

#[derive(Properties, PartialEq)]
struct MarkersProps {
    markers: Rc<[Marker]>,
    end: u64,
    on_cmd: Callback<Cmd>,
}

/// Markers of one kind closer than 1/1000 of the run are drawn once.
fn collapse(markers: &[Marker], end: u64) -> Vec<Marker> {
    let mut seen = BTreeSet::new();
    markers
        .iter()
        .filter(|m| seen.insert((m.kind, m.step * 1000 / end.max(1))))
        .copied()
        .collect()
}

/// The marker row; its own component so that it re-renders only when the markers or
/// the run's known length change, not on every step.
#[component]
fn Markers(props: &MarkersProps) -> Html {
    let shown = use_memo((props.markers.clone(), props.end), |(m, end)| {
        collapse(m, *end)
    });
    let end = props.end.max(1);
    html! {
        <div class="markers" aria-hidden="true">
            { for shown.iter().map(|m| {
                let label = MARKER_KINDS.get(m.kind).map_or("", |(_, l)| *l);
                let on_cmd = props.on_cmd.clone();
                let step = m.step;
                html! {
                    <button class={classes!("marker", format!("mk{}", m.kind))}
                        style={format!("left:{}%", crate::decimal::fixed(m.step as f64 / end as f64 * 100.0, 3))}
                        title={format!("step {}: {label}", m.step)} tabindex="-1"
                        onclick={Callback::from(move |_| on_cmd.emit(Cmd::Seek(step)))}></button>
                }
            }) }
        </div>
    }
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let brk = use_state(|| 1usize); // direct reclaim
    let end = props.known.max(props.step).max(1);
    let oninput = {
        let cb = props.on_cmd.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(n) = input.value().parse::<u64>() {
                cb.emit(Cmd::Seek(n));
            }
        })
    };
    let kinds: Vec<(&'static str, &'static str)> = MARKER_KINDS
        .iter()
        .chain(BREAK_ONLY_KINDS)
        .copied()
        .collect();
    let on_kind = {
        let brk = brk.clone();
        Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = sel.value().parse::<usize>() {
                brk.set(i);
            }
        })
    };
    let run_until = {
        let cb = props.on_cmd.clone();
        let kind = kinds.get(*brk).map(|(k, _)| *k);
        Callback::from(move |_: MouseEvent| {
            if let Some(k) = kind {
                cb.emit(Cmd::RunUntil(k));
            }
        })
    };
    html! {
        <div class="timeline" data-testid="timeline">
            <div class="track-wrap">
                <Markers markers={props.markers.clone()} end={end} on_cmd={props.on_cmd.clone()} />
                <input type="range" class="scrubber" min="0" max={end.to_string()} value={props.step.to_string()}
                    aria-label="Step" {oninput} />
                if !props.finished {
                    <span class="unknown-tail" title="The run's end is not known until it has been run">{ "…" }</span>
                }
            </div>
            <div class="breakpoints">
                <label>
                    <span>{ "Run until next " }</span>
                    <select onchange={on_kind} aria-label="Breakpoint event kind">
                        { for kinds.iter().enumerate().map(|(i, (_, label))| html! {
                            <option value={i.to_string()} selected={i == *brk}>{ *label }</option>
                        }) }
                    </select>
                </label>
                <button class="btn small" data-testid="btn-run-until" onclick={run_until}
                    disabled={props.finished}>{ "Go ▶" }</button>
                if let Some(n) = &props.notice {
                    <span class="notice" role="status">{ n.clone() }</span>
                }
            </div>
            <ul class="marker-legend">
                { for MARKER_KINDS.iter().enumerate().map(|(i, (_, l))| html! {
                    <li><span class={classes!("marker", "static", format!("mk{i}"))}></span>{ *l }</li>
                }) }
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn close_markers_of_one_kind_collapse_but_other_kinds_stay() {
        let m = |step, kind| Marker { step, kind };
        let markers = [m(10, 0), m(11, 0), m(11, 1), m(500, 0), m(99_999, 0)];
        let shown = collapse(&markers, 100_000);
        assert_eq!(shown, vec![m(10, 0), m(11, 1), m(500, 0), m(99_999, 0)]);
    }
}
