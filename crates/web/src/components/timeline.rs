//! The timeline: a scrubber over the whole run with markers for notable events, and
//! breakpoints on event kinds ("run until the next direct reclaim").

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

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let brk = use_state(|| 1usize); // direct reclaim
    let end = props.known.max(props.step).max(1);
    let pct = |s: u64| s as f64 / end as f64 * 100.0;
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
    // Collapse markers that would overlap (same pixel column at ~1000 px) into one.
    let mut shown: Vec<Marker> = Vec::new();
    for m in props.markers.iter() {
        let bucket = |s: u64| (pct(s) * 10.0) as u64;
        if !shown
            .iter()
            .rev()
            .take(8)
            .any(|x| x.kind == m.kind && bucket(x.step) == bucket(m.step))
        {
            shown.push(*m);
        }
    }
    html! {
        <div class="timeline" data-testid="timeline">
            <div class="track-wrap">
                <div class="markers" aria-hidden="true">
                    { for shown.iter().map(|m| {
                        let label = MARKER_KINDS.get(m.kind).map_or("", |(_, l)| *l);
                        let on_cmd = props.on_cmd.clone();
                        let step = m.step;
                        html! {
                            <button class={classes!("marker", format!("mk{}", m.kind))} style={format!("left:{:.3}%", pct(m.step))}
                                title={format!("step {}: {label}", m.step)}
                                onclick={Callback::from(move |_| on_cmd.emit(Cmd::Seek(step)))}></button>
                        }
                    }) }
                </div>
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
