//! The allocation under the cursor: requested mask → `current_gfp_context()` → effective
//! mask, bit by bit. Bits the task context removed are struck out and labelled with the
//! PF flag that removed them (both from the engine's `AllocView`).

use std::rc::Rc;

use gfpscope_engine::view::{AllocView, GfpBitView};
use yew::prelude::*;

use crate::components::gfp_bits::{bit_title, group_class};

#[derive(Properties, PartialEq)]
pub struct AllocProps {
    /// The allocation this step made, if any.
    pub alloc: Option<Rc<AllocView>>,
    /// The most recent allocation before this step, when this step made none.
    #[prop_or_default]
    pub previous: Option<(u64, Rc<AllocView>)>,
}

/// Union of requested and effective bits, in the engine's order, without duplicates,
/// plus every bit of the engine's "reclaim" group (set or not): whether an allocation
/// may do IO, enter the filesystem or reclaim directly is the point of the panel.
fn columns(a: &AllocView) -> Vec<&GfpBitView> {
    let mut cols: Vec<&GfpBitView> = Vec::new();
    for bit in a.requested.bits.iter().chain(a.effective.bits.iter()) {
        let shown =
            bit.set || bit.group == "reclaim" || a.removed.iter().any(|r| r.bit == bit.name);
        if shown && !cols.iter().any(|c| c.name == bit.name) {
            cols.push(bit);
        }
    }
    cols
}

/// The engine's `%#x(%pGg)` text with line-break opportunities after each `|` and `(`.
fn breakable(text: &str) -> Html {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['|', '(']) {
        let (head, tail) = rest.split_at(i + 1);
        parts.push(head);
        rest = tail;
    }
    parts.push(rest);
    parts
        .into_iter()
        .map(|p| html! { <>{ p }<wbr /></> })
        .collect::<Html>()
}

fn is_set(bits: &[GfpBitView], name: &str) -> bool {
    bits.iter().any(|b| b.name == name && b.set)
}

#[component]
pub fn AllocPanel(props: &AllocProps) -> Html {
    // The bit whose meaning is shown under the table (hover, focus or tap).
    let focused = use_state(|| None::<String>);
    let (alloc, stale_step) = match (&props.alloc, &props.previous) {
        (Some(a), _) => (Some(a.as_ref()), None),
        (None, Some((step, a))) => (Some(a.as_ref()), Some(*step)),
        (None, None) => (None, None),
    };
    let Some(a) = alloc else {
        return html! {
            <div class="panel alloc-panel">
                <div class="panel-head"><h2>{ "Allocation" }</h2></div>
                <p class="empty-note">{ "No allocation yet. Step to a kmalloc(), kmem_cache_alloc() or alloc_pages() call to see its gfp mask pass through current_gfp_context()." }</p>
            </div>
        };
    };
    let cols = columns(a);
    let size = a.size.map_or(String::new(), |s| format!("size {s}, "));
    html! {
        <div class={classes!("panel", "alloc-panel", stale_step.map(|_| "stale"))}>
            <div class="panel-head">
                <h2>{ "Allocation" }</h2>
                <span class="where">
                    <code>{ format!("{}()", a.api) }</code>
                    { format!(" in {}() line {} · {size}order {}", a.function, a.line, a.order) }
                </span>
                if let Some(step) = stale_step {
                    <span class="badge">{ format!("from step {step}") }</span>
                }
            </div>
            <p class="via-note" title="current_gfp_context() applies the task's PF_MEMALLOC_* scope flags to the mask">
                { "requested mask → " }<code>{ "current_gfp_context()" }</code>{ " → effective mask" }
            </p>
            <table class="bit-table">
                <colgroup><col class="c-bit" /><col /><col /></colgroup>
                <thead>
                    <tr>
                        <th class="bitcol">{ "gfp bit" }</th>
                        <th class="mask" data-testid="requested-mask">
                            <span class="cap">{ "requested" }</span>
                            <span class="pgg" title={format!("{:#x}", a.requested.mask)}>{ breakable(&a.requested.text) }</span>
                        </th>
                        <th class="mask" data-testid="effective-mask">
                            <span class="cap">{ "effective" }</span>
                            <span class="pgg" title={format!("{:#x}", a.effective.mask)}>{ breakable(&a.effective.text) }</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    { for cols.iter().map(|b| {
                        let req = is_set(&a.requested.bits, &b.name);
                        let eff = is_set(&a.effective.bits, &b.name);
                        let removed = a.removed.iter().find(|r| r.bit == b.name);
                        let changed = req != eff;
                        let pick = {
                                let focused = focused.clone();
                                let name = b.name.clone();
                                move || focused.set(Some(name.clone()))
                        };
                        let (p1, p2, p3) = (pick.clone(), pick.clone(), pick);
                        html! {
                            <tr class={classes!("bit-row", changed.then_some("changed"))} data-bit={b.name.clone()}>
                                <td class="bitcol">
                                    <span class={classes!("bit", group_class(&b.group), if req || eff || removed.is_some() { "set" } else { "unset" }, (focused.as_deref() == Some(b.name.as_str())).then_some("focused"))}
                                        title={bit_title(b)} tabindex="0" role="button"
                                        onmouseenter={Callback::from(move |_| p1())}
                                        onfocus={Callback::from(move |_| p2())}
                                        onclick={Callback::from(move |_| p3())}>
                                        { b.name.clone() }
                                    </span>
                                </td>
                                <td class={classes!("req", if req { "on" } else { "off" })}>{ if req { "1" } else { "0" } }</td>
                                <td class={classes!("eff", if eff { "on" } else { "off" }, removed.map(|_| "removed"))}
                                    title={removed.map(|r| format!("Removed by {}: {}", r.by, r.why))}>
                                    if let Some(r) = removed {
                                        <s>{ "1" }</s>{ " → 0 " }
                                        <span class="pf">{ "cleared by " }<br />{ r.by.clone() }</span>
                                    } else {
                                        { if eff { "1" } else { "0" } }
                                    }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            <div class="bit-info" aria-live="polite">
                { match focused.as_deref().and_then(|n| cols.iter().find(|b| b.name == n)) {
                    Some(b) => {
                        let removed = a.removed.iter().find(|r| r.bit == b.name);
                        html! {
                            <>
                                <code class="name">{ format!("{} = {:#x}", b.name, b.value) }</code>
                                <span class="group">{ format!(" ({} modifier) ", b.group) }</span>
                                <span class="meaning">{ b.meaning.clone() }</span>
                                if let Some(r) = removed {
                                    <div class="why">{ format!("Cleared here by {}: {}", r.by, r.why) }</div>
                                }
                            </>
                        }
                    }
                    None => html! { <span class="hint">{ "Point at, tap or tab to a bit to read what it means." }</span> },
                } }
            </div>
            <div class={classes!("result", if a.succeeded { "ok" } else { "fail" })}>
                { "result: " }<code>{ a.result.clone() }</code>
            </div>
        </div>
    }
}
