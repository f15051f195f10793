//! The event log up to the current step; clicking an entry jumps to its step.

use std::rc::Rc;

use gfpscope_engine::view::LogEntry;
use yew::prelude::*;

use crate::session::Cmd;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub entries: Rc<[Rc<LogEntry>]>,
    pub total: usize,
    /// Whether background memory users' entries are listed.
    pub background: bool,
    pub on_background: Callback<bool>,
    pub step: u64,
    pub on_cmd: Callback<Cmd>,
}

#[derive(Properties)]
struct EntryProps {
    entry: Rc<LogEntry>,
    now: bool,
    on_cmd: Callback<Cmd>,
}

/// A row's entry is the session's shared `Rc` of it: the same row has the same `Rc`, so
/// comparing pointers is enough (and spares a string comparison per row per step).
impl PartialEq for EntryProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.entry, &other.entry)
            && self.now == other.now
            && self.on_cmd == other.on_cmd
    }
}

/// One log row; a component so that stepping re-renders only rows that changed.
#[component]
fn Entry(props: &EntryProps) -> Html {
    let e = &props.entry;
    let on_cmd = props.on_cmd.clone();
    let step = e.step;
    let loc = match (&e.function, e.line) {
        (Some(f), Some(l)) => format!("{f}:{l}"),
        (Some(f), None) => f.clone(),
        (None, Some(l)) => format!("line {l}"),
        (None, None) => String::new(),
    };
    html! {
        <li class={classes!("entry", format!("k-{}", e.kind), props.now.then_some("now"))}>
            <button class="jump" title={format!("Jump to step {}", e.step)}
                onclick={Callback::from(move |_| on_cmd.emit(Cmd::Seek(step)))}>
                <span class="s">{ e.step }</span>
                <span class="kind">{ e.kind.clone() }</span>
                <span class="who">{ format!("{}  {loc}", e.task) }</span>
                <span class="text">{ e.text.clone() }</span>
            </button>
        </li>
    }
}

/// The "… N more events" line above the rows.
fn more(hidden: usize) -> Html {
    if hidden == 0 {
        return Html::default();
    }
    html! {
        <li class="more">{ format!("… {hidden} more events not listed (earlier ones, or background users)") }</li>
    }
}

#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let list_ref = use_node_ref();
    // The pending scroll to the newest row (dropping it cancels it).
    let scroll = use_mut_ref(|| None::<gloo::render::AnimationFrame>);
    {
        let list_ref = list_ref.clone();
        use_effect_with(props.entries.len() + props.step as usize, move |_| {
            // At the next frame, after all effects: reading `scrollHeight` in the middle
            // of them would lay the page out twice per step.
            let frame = gloo::render::request_animation_frame(move |_| {
                if let Some(el) = list_ref.cast::<web_sys::Element>() {
                    el.set_scroll_top(el.scroll_height());
                }
            });
            *scroll.borrow_mut() = Some(frame);
        });
    }
    let hidden = props.total.saturating_sub(props.entries.len());
    let toggle = {
        let cb = props.on_background.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            cb.emit(input.checked());
        })
    };
    // The rows are one fully keyed list of their own (a `{ for }` beside an `if` in the
    // same element makes Yew diff the children by position and rebuild every row when
    // the list grows).
    let entries: Html = props
        .entries
        .iter()
        .map(|e| {
            // Keyed by the entry's own allocation: the session shares one `Rc` per log
            // entry for as long as the run lives, so an entry keeps its element while the
            // window moves.
            html! {
                <Entry key={Rc::as_ptr(e) as usize} entry={Rc::clone(e)}
                    now={e.step == props.step} on_cmd={props.on_cmd.clone()} />
            }
        })
        .collect();
    html! {
        <div class="panel event-log" data-testid="event-log">
            <div class="panel-head">
                <h2>{ "Event log" }</h2>
                <span class="where">{ format!("{} events up to step {}", props.total, props.step) }</span>
                <label class="toggle" title="Background memory users (the header's background: tasks) allocate and reclaim every step">
                    <input type="checkbox" checked={props.background} onchange={toggle} />
                    { " background users" }
                </label>
            </div>
            <ol class="log" ref={list_ref}>
                { more(hidden) }
                { entries }
            </ol>
        </div>
    }
}
