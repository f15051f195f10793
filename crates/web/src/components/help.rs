//! The `?` overlay listing every keyboard shortcut (from the one table in `keys.rs`).

use yew::prelude::*;

use crate::keys::SHORTCUTS;

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub open: bool,
    pub on_close: Callback<bool>,
}

#[component]
pub fn HelpOverlay(props: &HelpProps) -> Html {
    if !props.open {
        return html! {};
    }
    let close = {
        let cb = props.on_close.clone();
        Callback::from(move |_: MouseEvent| cb.emit(false))
    };
    let stop = Callback::from(|e: MouseEvent| e.stop_propagation());
    html! {
        <div class="overlay" onclick={close.clone()}>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title"
                data-testid="help-overlay" onclick={stop}>
                <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
                <table class="shortcuts">
                    { for SHORTCUTS.iter().map(|s| html! {
                        <tr><td><kbd>{ s.keys }</kbd></td><td>{ s.what }</td></tr>
                    }) }
                </table>
                <h3>{ "Reading the page" }</h3>
                <ul class="help-notes">
                    <li>{ "The highlighted source line is the statement that runs next." }</li>
                    <li>{ "Allocation: the mask the code asked for, then what current_gfp_context() left of it. Struck-out bits were removed by the task flag named under them. Hover any bit for its meaning." }</li>
                    <li>{ "Decisions: the allocator slow path taken by the last step; lit boxes ran, dashed boxes were skipped, each with the condition and kernel function that decided it." }</li>
                    <li>{ "Timeline: click anywhere to jump; markers show kswapd wakes, direct reclaim, OOM, failures and bugs. Event log entries jump to their step." }</li>
                </ul>
                <button class="btn" onclick={close}>{ "Close (Esc)" }</button>
            </div>
        </div>
    }
}
