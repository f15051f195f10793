//! Call stacks, one per task, outermost frame first, with each frame's parameters and
//! locals. A frame that appears (a call) plays a short animation on its gfp parameters:
//! the mask slides down from the caller into the new frame.

use std::rc::Rc;

use gfpscope_engine::view::{FrameView, StepView, TaskView, ValueView, VarView};
use yew::prelude::*;

use crate::components::gfp_bits::GfpText;

#[derive(Properties, PartialEq)]
pub struct CallStackProps {
    pub view: Rc<StepView>,
}

fn value(v: &VarView) -> Html {
    match &v.value {
        ValueView::Uninit => html! { <span class="val uninit">{ "(uninitialised)" }</span> },
        ValueView::Int { value } => html! { <code class="val int">{ value }</code> },
        ValueView::Gfp { mask, text } => html! {
            <GfpText mask={*mask} text={AttrValue::from(text.clone())} class={classes!("val", "gfp", v.is_param.then_some("travel"))} />
        },
        ValueView::Ptr { addr, desc } => html! {
            <span class="val ptr"><code>{ format!("{addr:#x}") }</code>{ " " }<span class="desc">{ desc.clone() }</span></span>
        },
        ValueView::Null => html! { <code class="val null">{ "NULL" }</code> },
    }
}

fn frame(task: &TaskView, depth: usize, f: &FrameView, innermost: bool) -> Html {
    // Keyed by task, depth and function: a call creates a new element (animation plays),
    // stepping inside a frame keeps it.
    let key = format!("{}:{}:{}", task.pid, depth, f.function);
    html! {
        <li key={key} class={classes!("frame", innermost.then_some("innermost"))}>
            <div class="frame-head">
                <code class="fn">{ format!("{}()", f.function) }</code>
                <span class="line-no">{ format!("line {}", f.line) }</span>
            </div>
            if !f.vars.is_empty() {
                <table class="vars">
                    { for f.vars.iter().map(|v| html! {
                        <tr class={classes!(v.is_param.then_some("param"))}>
                            <td class="ty">{ v.ty.clone() }</td>
                            <td class="name">{ v.name.clone() }</td>
                            <td>{ value(v) }</td>
                        </tr>
                    }) }
                </table>
            }
        </li>
    }
}

#[component]
pub fn CallStack(props: &CallStackProps) -> Html {
    let view = &props.view;
    html! {
        <div class="panel call-stack" data-testid="call-stack">
            <div class="panel-head"><h2>{ "Call stack" }</h2></div>
            { for view.tasks.iter().enumerate().map(|(i, t)| {
                let current = view.current_task == Some(i);
                html! {
                    <div class={classes!("task-stack", current.then_some("current"))} key={t.pid.to_string()}>
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
