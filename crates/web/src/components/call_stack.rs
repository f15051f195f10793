//! Call stacks, one per task, outermost frame first, with each frame's parameters and
//! locals. A parameter that received an argument names it (`← mem_flags`).
//!
//! When a step forward calls a function (a frame whose `FrameView::call` is this step
//! appears), the chips of each gfp parameter fly from where the caller showed the value
//! (its variable, when the argument was a plain variable, else the caller frame's line)
//! into the new frame: a FLIP animation, measured once with `getBoundingClientRect` after
//! the render and played with the Web Animations API, chip after chip. Steps that push no
//! frame read no layout; jumps (back, seek) and reduced motion do not move anything.

use std::rc::Rc;

use gfpscope_engine::view::{FrameView, StepView, TaskView, ValueView, VarView};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::anim::{self, Keyframe, Timing};
use crate::components::gfp_bits::GfpText;

#[derive(Properties, PartialEq)]
pub struct CallStackProps {
    pub view: Rc<StepView>,
    /// The view is one step forward from the previous one: a call it made animates.
    #[prop_or_default]
    pub stepped: bool,
}

/// `Animation.id` of a chip travelling into a new frame.
pub const TRAVEL_ID: &str = "gfp-travel";
/// How long one chip flies, and how much later each next chip leaves, in ms.
const TRAVEL_MS: f64 = 800.0;
const STAGGER_MS: f64 = 120.0;
/// `Animation.id` of the highlight on a frame that a call pushed.
pub const PUSH_ID: &str = "frame-push";

/// A frame pushed during the step of the view: (pid, depth).
pub fn pushed_frames(view: &StepView) -> Vec<(u32, usize)> {
    view.tasks
        .iter()
        .flat_map(|t| {
            t.frames
                .iter()
                .enumerate()
                .filter(|(d, f)| *d > 0 && f.call.is_some_and(|c| c.step == view.step))
                .map(move |(d, _)| (t.pid, d))
        })
        .collect()
}

/// A gfp parameter of a frame pushed during the step, and where its value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Travel {
    pub pid: u32,
    /// Depth of the new frame; its caller is at `depth - 1`.
    pub depth: usize,
    /// The parameter's index in the new frame's `vars`.
    pub var: usize,
    /// The caller's variable (index in its `vars`) the argument read, if it was one.
    pub from_var: Option<usize>,
}

/// Every gfp parameter that travels into a frame pushed during the step of the view.
pub fn travels(view: &StepView) -> Vec<Travel> {
    let mut out = Vec::new();
    for (pid, depth) in pushed_frames(view) {
        let Some(task) = view.tasks.iter().find(|t| t.pid == pid) else {
            continue;
        };
        let Some(frame) = task.frames.get(depth) else {
            continue;
        };
        let caller = depth.checked_sub(1).and_then(|d| task.frames.get(d));
        for (i, v) in frame.vars.iter().enumerate() {
            let (ValueView::Gfp { .. }, Some(arg)) = (&v.value, &v.arg) else {
                continue;
            };
            // Only a caller variable that is on screen and holds a gfp value is a source.
            let from_var = arg.caller_var.filter(|&k| {
                caller
                    .and_then(|c| c.vars.get(k))
                    .is_some_and(|cv| matches!(cv.value, ValueView::Gfp { .. }))
            });
            out.push(Travel {
                pid,
                depth,
                var: i,
                from_var,
            });
        }
    }
    out
}

fn value(v: &VarView) -> Html {
    match &v.value {
        ValueView::Uninit => html! { <span class="val uninit">{ "(uninitialised)" }</span> },
        ValueView::Int { value } => html! { <code class="val int">{ value }</code> },
        ValueView::Gfp { mask, text } => html! {
            <GfpText mask={*mask} text={AttrValue::from(text.clone())} class={classes!("val", "gfp")} />
        },
        ValueView::Ptr { addr, desc } => html! {
            <span class="val ptr"><code>{ format!("{addr:#x}") }</code>{ " " }<span class="desc">{ desc.clone() }</span></span>
        },
        ValueView::Null => html! { <code class="val null">{ "NULL" }</code> },
    }
}

fn frame(task: &TaskView, depth: usize, f: &FrameView, innermost: bool) -> Html {
    // Keyed by task, depth, function and the step of the call: a call creates a new
    // element, stepping inside a frame keeps it.
    let called_at = f.call.map_or(0, |c| c.step);
    let key = format!("{}:{}:{}:{called_at}", task.pid, depth, f.function);
    let call_line = f.call.map(|c| c.line);
    html! {
        <li key={key} class={classes!("frame", innermost.then_some("innermost"))} data-depth={depth.to_string()}>
            <div class="frame-head">
                <code class="fn">{ format!("{}()", f.function) }</code>
                <span class="line-no">{ format!("line {}", f.line) }</span>
            </div>
            if !f.vars.is_empty() {
                <table class="vars">
                    { for f.vars.iter().enumerate().map(|(i, v)| html! {
                        <tr class={classes!(v.is_param.then_some("param"))} data-var={i.to_string()}>
                            <td class="ty">{ v.ty.clone() }</td>
                            <td class="name">{ v.name.clone() }</td>
                            <td>
                                { value(v) }
                                if let Some(arg) = &v.arg {
                                    <span class="arg-from" title={format!(
                                        "argument as written at the call on line {}",
                                        call_line.unwrap_or(0)
                                    )}>{ format!("← {}", arg.text) }</span>
                                }
                            </td>
                        </tr>
                    }) }
                </table>
            }
        </li>
    }
}

/// Plays the calls of a step forward: highlights each new frame and flies its gfp chips
/// in from the caller. Reads layout once (all rectangles before any animation starts),
/// and only when the step pushed a frame.
fn play_calls(root: &web_sys::Element, view: &StepView) {
    let pushed = pushed_frames(view);
    if pushed.is_empty() {
        return;
    }
    let reduced = anim::reduced_motion();
    let frame_sel = |pid: u32, depth: usize| {
        format!(r#".task-stack[data-pid="{pid}"] li.frame[data-depth="{depth}"]"#)
    };
    for &(pid, depth) in &pushed {
        if let Ok(Some(li)) = root.query_selector(&frame_sel(pid, depth)) {
            anim::animate(
                &li,
                &[
                    Keyframe::new(&[("boxShadow", "0 0 0 2px #e69f00")]),
                    Keyframe::new(&[("boxShadow", "0 0 0 0 rgba(230, 159, 0, 0)")]),
                ],
                Timing {
                    duration_ms: 900.0,
                    delay_ms: 0.0,
                    easing: "ease-out",
                    id: PUSH_ID,
                },
            );
        }
    }
    // Pair every destination chip with its source element, then measure them all.
    let mut flights: Vec<(web_sys::Element, web_sys::Element)> = Vec::new();
    for t in travels(view) {
        let new_frame = frame_sel(t.pid, t.depth);
        let caller = frame_sel(t.pid, t.depth.saturating_sub(1));
        let Ok(dests) =
            root.query_selector_all(&format!(r#"{new_frame} tr[data-var="{}"] .chip"#, t.var))
        else {
            continue;
        };
        let source_chips: Vec<web_sys::Element> = t
            .from_var
            .and_then(|k| {
                root.query_selector_all(&format!(r#"{caller} tr[data-var="{k}"] .chip"#))
                    .ok()
            })
            .map(|l| elements(&l))
            .unwrap_or_default();
        let fallback = root
            .query_selector(&format!("{caller} .frame-head .line-no"))
            .ok()
            .flatten();
        let mut used = vec![false; source_chips.len()];
        for dest in elements(&dests) {
            let text = dest.text_content().unwrap_or_default();
            let twin = source_chips.iter().enumerate().position(|(j, s)| {
                !used.get(j).copied().unwrap_or(true)
                    && s.text_content().unwrap_or_default() == text
            });
            let src = match twin {
                Some(j) => {
                    if let Some(u) = used.get_mut(j) {
                        *u = true;
                    }
                    source_chips.get(j).cloned()
                }
                None => source_chips.first().cloned().or_else(|| fallback.clone()),
            };
            if let Some(src) = src {
                flights.push((dest, src));
            }
        }
    }
    if flights.is_empty() {
        return;
    }
    // The one layout read of this step: every rectangle, before anything moves.
    let rects: Vec<(f64, f64)> = flights
        .iter()
        .map(|(dest, src)| {
            let d = dest.get_bounding_client_rect();
            let s = src.get_bounding_client_rect();
            (s.left() - d.left(), s.top() - d.top())
        })
        .collect();
    for (n, ((dest, _), (dx, dy))) in flights.iter().zip(rects).enumerate() {
        let ring = "0 0 0 3px #e69f00";
        let frames = if reduced {
            vec![
                Keyframe::new(&[("boxShadow", ring)]),
                Keyframe::new(&[("boxShadow", "0 0 0 0 rgba(230, 159, 0, 0)")]),
            ]
        } else {
            vec![
                Keyframe::new(&[("boxShadow", ring)]).with(
                    "transform",
                    format!(
                        "translate({}px, {}px)",
                        crate::decimal::fixed(dx, 1),
                        crate::decimal::fixed(dy, 1)
                    ),
                ),
                Keyframe::new(&[("boxShadow", ring), ("transform", "none")]).at(0.8),
                Keyframe::new(&[
                    ("boxShadow", "0 0 0 0 rgba(230, 159, 0, 0)"),
                    ("transform", "none"),
                ]),
            ]
        };
        anim::animate(
            dest,
            &frames,
            Timing {
                duration_ms: if reduced { 900.0 } else { TRAVEL_MS },
                delay_ms: if reduced { 0.0 } else { STAGGER_MS * n as f64 },
                easing: "cubic-bezier(0.45, 0, 0.25, 1)",
                id: TRAVEL_ID,
            },
        );
    }
}

fn elements(list: &web_sys::NodeList) -> Vec<web_sys::Element> {
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .collect()
}

#[component]
pub fn CallStack(props: &CallStackProps) -> Html {
    let view = &props.view;
    let root = use_node_ref();
    {
        let root = root.clone();
        let view = Rc::clone(view);
        use_effect_with((view.step, props.stepped), move |&(_, stepped)| {
            if stepped && let Some(el) = root.cast::<web_sys::Element>() {
                play_calls(&el, &view);
            }
        });
    }
    html! {
        <div class="panel call-stack" data-testid="call-stack" ref={root}>
            <div class="panel-head"><h2>{ "Call stack" }</h2></div>
            { for view.tasks.iter().enumerate().map(|(i, t)| {
                let current = view.current_task == Some(i);
                html! {
                    <div class={classes!("task-stack", current.then_some("current"))} key={t.pid.to_string()} data-pid={t.pid.to_string()}>
                        <div class="task-title">
                            <span class="comm">{ t.comm.clone() }</span>
                            <span class="pid">{ format!("pid {}", t.pid) }</span>
                            <span class={classes!("ctx", format!("ctx-{}", t.context))}>{ t.context.clone() }</span>
                            <span class="state">{ t.state.clone() }</span>
                        </div>
                        if t.frames.is_empty() {
                            <p class="empty-note">{ "no frames" }</p>
                        } else {
                            <ol class="frames">
                                { for t.frames.iter().enumerate().map(|(d, f)| frame(t, d, f, d + 1 == t.frames.len())) }
                            </ol>
                        }
                    </div>
                }
            }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gfpscope_engine::view::{ArgView, CallView};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn gfp(name: &str, text: &str, arg: Option<(&str, Option<usize>)>) -> VarView {
        VarView {
            name: name.into(),
            ty: "gfp_t".into(),
            is_param: arg.is_some(),
            value: ValueView::Gfp {
                mask: 0xa20,
                text: text.into(),
            },
            arg: arg.map(|(t, k)| ArgView {
                text: t.into(),
                caller_var: k,
            }),
        }
    }

    fn int(name: &str) -> VarView {
        VarView {
            name: name.into(),
            ty: "int".into(),
            is_param: false,
            value: ValueView::Int { value: 1 },
            arg: None,
        }
    }

    /// `outer` → `mid(GFP_ATOMIC)` at step 3 → `leaf(n, flags)` at step `leaf_at`.
    fn view(step: u64, leaf_at: u64) -> StepView {
        let frames = vec![
            FrameView {
                function: "outer".into(),
                line: 20,
                vars: vec![int("n")],
                call: None,
            },
            FrameView {
                function: "mid".into(),
                line: 14,
                vars: vec![
                    int("i"),
                    gfp("flags", "0xa20(GFP_ATOMIC)", Some(("GFP_ATOMIC", None))),
                ],
                call: Some(CallView { step: 3, line: 20 }),
            },
            FrameView {
                function: "leaf".into(),
                line: 6,
                vars: vec![
                    int("n"),
                    gfp("mem_flags", "0xa20(GFP_ATOMIC)", Some(("flags", Some(1)))),
                    gfp("other", "0xa20(GFP_ATOMIC)", Some(("flags | 0", Some(0)))),
                ],
                call: Some(CallView {
                    step: leaf_at,
                    line: 14,
                }),
            },
        ];
        StepView {
            step,
            tasks: vec![TaskView {
                pid: 7,
                frames,
                ..TaskView::default()
            }],
            ..StepView::default()
        }
    }

    #[wasm_bindgen_test]
    fn only_the_frame_called_in_this_step_travels() {
        let v = view(5, 5);
        assert_eq!(pushed_frames(&v), vec![(7, 2)]);
        assert_eq!(
            travels(&v),
            vec![
                Travel {
                    pid: 7,
                    depth: 2,
                    var: 1,
                    from_var: Some(1)
                },
                // A caller variable that is not a gfp value is no source.
                Travel {
                    pid: 7,
                    depth: 2,
                    var: 2,
                    from_var: None
                },
            ]
        );
        // One step later the frame is old: nothing travels.
        assert!(travels(&view(6, 5)).is_empty());
        // At the step of the first call, `mid` travels from the caller's line.
        let mut at3 = view(3, 5);
        at3.tasks[0].frames.pop();
        assert_eq!(pushed_frames(&at3), vec![(7, 1)]);
        assert_eq!(
            travels(&at3).first().map(|t| (t.var, t.from_var)),
            Some((1, None))
        );
    }
}
