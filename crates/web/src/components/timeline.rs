//! The timeline: a scrubber over the whole run with markers for notable events, and
//! breakpoints on event kinds ("run until the next direct reclaim").
//!
//! The run is computed ahead in the background (`app.rs`), so the scrubber's range and
//! markers grow until the whole run is known; the status next to the track says so, or
//! that the run continues beyond what the background computed.

use std::collections::BTreeSet;
use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::session::{BREAK_ONLY_KINDS, Cmd, Extent, MARKER_KINDS, Marker};

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub step: u64,
    /// The current step is the run's last.
    pub finished: bool,
    pub extent: Rc<Extent>,
    pub on_cmd: Callback<Cmd>,
    pub notice: Option<AttrValue>,
}

#[derive(Properties, PartialEq)]
struct MarkersProps {
    markers: Rc<[Marker]>,
    bucket: u64,
    on_cmd: Callback<Cmd>,
}

/// Width in steps of the slots markers are collapsed into: at least 1/1000 of the run,
/// rounded up to a power of two so that it changes rarely while the run grows.
fn bucket(end: u64) -> u64 {
    end.div_ceil(1000).max(1).next_power_of_two()
}

/// Markers of one kind in the same [`bucket`] are drawn once.
fn collapse(markers: &[Marker], bucket: u64) -> Vec<Marker> {
    let mut seen = BTreeSet::new();
    markers
        .iter()
        .filter(|m| seen.insert((m.kind, m.step / bucket.max(1))))
        .copied()
        .collect()
}

/// `n` with thousands separators ("40,000").
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The marker row; its own component so that it re-renders only when the markers or
/// their bucket change, not on every step nor whenever the run grows: a marker's
/// position is `var(--s) / var(--end)` with `--end` set on the track.
#[component]
fn Markers(props: &MarkersProps) -> Html {
    let shown = use_memo((props.markers.clone(), props.bucket), |(m, bucket)| {
        collapse(m, *bucket)
    });
    html! {
        <div class="markers" aria-hidden="true">
            { for shown.iter().map(|m| {
                let label = MARKER_KINDS.get(m.kind).map_or("", |(_, l)| *l);
                let on_cmd = props.on_cmd.clone();
                let step = m.step;
                html! {
                    <button class={classes!("marker", format!("mk{}", m.kind))}
                        style={format!("--s:{step}")} data-step={step.to_string()}
                        title={format!("step {step}: {label}")} tabindex="-1"
                        onclick={Callback::from(move |_| on_cmd.emit(Cmd::Seek(step)))}></button>
                }
            }) }
        </div>
    }
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let brk = use_state(|| 1usize); // direct reclaim
    let extent = &props.extent;
    let end = extent.known.max(props.step).max(1);
    let capped = !extent.end_known && !extent.computing;
    let steps = |n: u64| format!("{} step{}", thousands(n), if n == 1 { "" } else { "s" });
    let status = if extent.computing {
        format!("computing the rest of the run… {}", steps(extent.known))
    } else if capped {
        format!(
            "the run goes on after step {}, where computing ahead stops; Run ▶▶ computes the rest",
            thousands(extent.known)
        )
    } else {
        format!("whole run: {}", steps(extent.known))
    };
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
        <div class="timeline" data-testid="timeline" data-known={extent.known.to_string()}
            data-end-known={extent.end_known.to_string()} data-computing={extent.computing.to_string()}>
            <div class="track-wrap" style={format!("--end:{end}")}>
                <div class="track">
                    <Markers markers={extent.markers.clone()} bucket={bucket(end)} on_cmd={props.on_cmd.clone()} />
                    <input type="range" class="scrubber" min="0" max={end.to_string()} value={props.step.to_string()}
                        aria-label="Step" {oninput} />
                </div>
                if !extent.end_known {
                    <span class={classes!("unknown-tail", extent.computing.then_some("computing"))}
                        title="The run continues beyond the last step computed"></span>
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
            <div class="timeline-foot">
                <ul class="marker-legend">
                    { for MARKER_KINDS.iter().enumerate().map(|(i, (_, l))| html! {
                        <li><span class={classes!("marker", "static", format!("mk{i}"))}></span>{ *l }</li>
                    }) }
                </ul>
                <span class={classes!("run-status", extent.computing.then_some("computing"), capped.then_some("capped"))}
                    data-testid="timeline-status">{ status }</span>
            </div>
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
        let shown = collapse(&markers, bucket(100_000));
        assert_eq!(shown, vec![m(10, 0), m(11, 1), m(500, 0), m(99_999, 0)]);
    }

    #[wasm_bindgen_test]
    fn the_marker_bucket_is_a_thousandth_of_the_run_and_changes_only_at_powers_of_two() {
        assert_eq!(bucket(0), 1);
        assert_eq!(bucket(4_508), 8);
        for end in [1, 999, 1_000, 5_000, 100_000, 1_000_000, 123_456_789] {
            let b = bucket(end);
            assert!(b >= end.div_ceil(1000) && b.is_power_of_two(), "{end}: {b}");
            assert!(b / 2 < end.div_ceil(1000).max(1), "{end}: {b} is too wide");
        }
        let changes = (1..=200_000u64)
            .step_by(97)
            .map(bucket)
            .collect::<BTreeSet<_>>()
            .len();
        assert!(
            changes <= 9,
            "{changes} different buckets while a run grew to 200,000 steps"
        );
    }

    #[wasm_bindgen_test]
    fn step_counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(4_508), "4,508");
        assert_eq!(thousands(200_000), "200,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
