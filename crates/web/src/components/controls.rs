//! The top bar: scenario picker, stepping buttons, play/pause with speed, step counter,
//! theme, presentation zoom and help.

use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::app::SPEEDS;
use crate::session::{Cmd, ScenarioItem, Snapshot};
use crate::url::Theme;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub library: Rc<[ScenarioItem]>,
    pub scenario: AttrValue,
    pub snapshot: Option<Rc<Snapshot>>,
    /// The furthest step computed, and whether it is the run's last one.
    pub known: u64,
    pub end_known: bool,
    pub playing: bool,
    pub speed: u32,
    pub theme: Theme,
    pub present: bool,
    pub on_cmd: Callback<Cmd>,
    pub on_play: Callback<bool>,
    pub on_speed: Callback<u32>,
    pub on_select: Callback<AttrValue>,
    pub on_theme: Callback<()>,
    pub on_present: Callback<()>,
    pub on_help: Callback<()>,
}

#[derive(Properties, PartialEq)]
struct PickerProps {
    library: Rc<[ScenarioItem]>,
    scenario: AttrValue,
    on_select: Callback<AttrValue>,
}

/// The scenario picker: its own component, so that a step (which re-renders the
/// stepping buttons and the counter) does not rebuild its options.
#[component]
fn ScenarioPicker(props: &PickerProps) -> Html {
    let on_select = {
        let cb = props.on_select.clone();
        Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            cb.emit(AttrValue::from(sel.value()));
        })
    };
    let title = props
        .library
        .iter()
        .find(|s| s.name == props.scenario.as_str())
        .map(|s| s.title.clone());
    html! {
        <label class="picker">
            <span class="sr-only">{ "Scenario" }</span>
            <select data-testid="scenario-picker" onchange={on_select}
                title={title.unwrap_or_else(|| AttrValue::from("Choose a built-in scenario"))}>
                { for props.library.iter().map(|s| html! {
                    <option value={s.name} selected={s.name == props.scenario.as_str()}>
                        { format!("{} — {}", s.name, s.title) }
                    </option>
                }) }
            </select>
        </label>
    }
}

#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let cmd = |c: Cmd| {
        let on_cmd = props.on_cmd.clone();
        Callback::from(move |_: MouseEvent| on_cmd.emit(c.clone()))
    };
    let on_speed = {
        let cb = props.on_speed.clone();
        Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(v) = sel.value().parse::<u32>() {
                cb.emit(v);
            }
        })
    };
    let on_play = {
        let cb = props.on_play.clone();
        let playing = props.playing;
        Callback::from(move |_: MouseEvent| cb.emit(!playing))
    };
    let emit = |cb: &Callback<()>| {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let (step, finished) = props
        .snapshot
        .as_ref()
        .map_or((0, false), |s| (s.step, s.finished));
    let disabled = props.snapshot.is_none();
    let at_start = disabled || step == 0;
    let known = props.known.max(step);
    let total = if props.end_known {
        format!(" / {known}")
    } else if known > step {
        format!(" / {known}…")
    } else {
        String::new()
    };

    html! {
        <header class="topbar">
            <div class="brand" title="gfpscope: watch Linux memory allocation decide">
                <span class="logo">{ "gfp" }</span><span class="logo2">{ "scope" }</span>
            </div>
            <ScenarioPicker library={props.library.clone()} scenario={props.scenario.clone()}
                on_select={props.on_select.clone()} />
            <div class="buttons" role="toolbar" aria-label="Stepping">
                <button class="btn" data-testid="btn-reset" onclick={cmd(Cmd::Reset)}
                    disabled={at_start} title="Reset to step 0 (r)">{ "↺ Reset" }</button>
                <button class="btn" data-testid="btn-step-back" onclick={cmd(Cmd::StepBack)}
                    disabled={at_start} title="Step back (← or k)">{ "◀ Back" }</button>
                <button class="btn primary" data-testid="btn-step" onclick={cmd(Cmd::Step)}
                    disabled={disabled || finished} title="Step into (→ or j)">{ "Step ▶" }</button>
                <button class="btn" data-testid="btn-step-over" onclick={cmd(Cmd::StepOver)}
                    disabled={disabled || finished} title="Step over a call (n)">{ "Over ⤼" }</button>
                <button class="btn" data-testid="btn-step-out" onclick={cmd(Cmd::StepOut)}
                    disabled={disabled || finished} title="Step out of this function (o)">{ "Out ⤴" }</button>
                <button class="btn" data-testid="btn-run" onclick={cmd(Cmd::RunToEnd)}
                    disabled={disabled || finished} title="Run to the end (e)">{ "Run ▶▶" }</button>
                <button class={classes!("btn", props.playing.then_some("active"))}
                    data-testid="btn-play" onclick={on_play} disabled={disabled}
                    aria-pressed={props.playing.to_string()}
                    title="Play / pause (Space)">
                    { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
                </button>
                <label class="speed" title="Playback speed, steps per second">
                    <span class="sr-only">{ "Speed" }</span>
                    <select onchange={on_speed} aria-label="Playback speed">
                        { for SPEEDS.iter().map(|&v| html! {
                            <option value={v.to_string()} selected={v == props.speed}>
                                { format!("{v}/s") }
                            </option>
                        }) }
                    </select>
                </label>
            </div>
            <div class="step-counter" data-testid="step-counter" aria-live="polite">
                <span class="label">{ "step " }</span>
                <span class="num">{ step }</span>
                <span class="total">{ total }</span>
                if finished { <span class="done">{ " · end" }</span> }
            </div>
            <div class="view-buttons">
                <button class="btn small" onclick={emit(&props.on_theme)}
                    title="Light / dark theme (t)" aria-label="Toggle theme">
                    { if props.theme == Theme::Dark { "Light" } else { "Dark" } }
                </button>
                <button class={classes!("btn", "small", props.present.then_some("active"))}
                    onclick={emit(&props.on_present)} title="Presentation zoom for projectors (p)"
                    aria-pressed={props.present.to_string()}>{ "Zoom" }</button>
                <button class="btn small" onclick={emit(&props.on_help)}
                    title="Keyboard shortcuts (?)" aria-label="Help">{ "?" }</button>
            </div>
        </header>
    }
}
