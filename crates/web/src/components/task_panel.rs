//! `task_struct` flags, saved scope cookies and the execution context of every task.

use std::rc::Rc;

use gfpscope_engine::task::TaskFlags;
use gfpscope_engine::view::{StepView, TaskView};
use yew::prelude::*;

#[derive(Properties)]
pub struct TaskProps {
    pub view: Rc<StepView>,
}

/// Equal when everything this panel shows is: most steps change a task's frames but not
/// its flags, cookies or context, and then the panel is not re-rendered.
impl PartialEq for TaskProps {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.view, &other.view);
        Rc::ptr_eq(a, b)
            || (a.current_task == b.current_task
                && a.tasks.len() == b.tasks.len()
                && a.tasks.iter().zip(&b.tasks).all(|(x, y)| {
                    x.pid == y.pid
                        && x.comm == y.comm
                        && x.state == y.state
                        && x.context == y.context
                        && x.flags == y.flags
                        && x.cookies == y.cookies
                        && x.atomic == y.atomic
                }))
    }
}

/// PF bits shown even when clear, because they change how allocations behave.
const ALWAYS_SHOWN: &[&str] = &[
    "PF_MEMALLOC",
    "PF_MEMALLOC_NOFS",
    "PF_MEMALLOC_NOIO",
    "PF_MEMALLOC_PIN",
    "PF_KSWAPD",
];

fn flags(t: &TaskView) -> Html {
    let named = TaskFlags::NAMED;
    html! {
        <div class="pf-flags" role="list" aria-label="task_struct->flags">
            { for named.iter().filter(|(f, name)| {
                ALWAYS_SHOWN.contains(name) || t.flags & f.0 != 0
            }).map(|(f, name)| {
                let set = t.flags & f.0 != 0;
                html! {
                    <span role="listitem" class={classes!("pf", if set { "set" } else { "unset" })}
                        title={format!("{name} = {:#010x} ({})", f.0, if set { "set" } else { "clear" })}>
                        { *name }
                    </span>
                }
            }) }
            <code class="hex" title="task_struct->flags (allocation-relevant bits)">{ format!("{:#010x}", t.flags) }</code>
        </div>
    }
}

fn atomic(t: &TaskView) -> Html {
    let a = &t.atomic;
    let may_sleep = !a.in_atomic && !a.irqs_disabled;
    html! {
        <div class="exec-ctx">
            <span class={classes!("ctx", format!("ctx-{}", t.context))}>{ t.context.clone() }</span>
            <span class={classes!("pill", if may_sleep { "ok" } else { "warn" })}>
                { if a.in_atomic { "atomic" } else { "not atomic" } }
            </span>
            if a.irqs_disabled { <span class="pill warn">{ "irqs off" }</span> }
            <span class="pill" title="preempt_count()">{ format!("preempt_count {}", a.preempt_count) }</span>
            if a.rcu_depth > 0 { <span class="pill warn">{ format!("rcu_read_lock ×{}", a.rcu_depth) }</span> }
            <div class="locks">
                <span class="label">{ "locks held: " }</span>
                if a.locks.is_empty() {
                    <span class="none">{ "none" }</span>
                } else {
                    { for a.locks.iter().map(|l| html! { <code class="lock">{ l.clone() }</code> }) }
                }
            </div>
        </div>
    }
}

#[component]
pub fn TaskPanel(props: &TaskProps) -> Html {
    let view = &props.view;
    html! {
        <div class="panel task-panel" data-testid="task-flags">
            <div class="panel-head"><h2>{ "Task context" }</h2></div>
            { for view.tasks.iter().enumerate().map(|(i, t)| html! {
                <div class={classes!("task", (view.current_task == Some(i)).then_some("current"))} key={t.pid.to_string()}>
                    <div class="task-title">
                        <span class="comm">{ t.comm.clone() }</span>
                        <span class="pid">{ format!("pid {}", t.pid) }</span>
                        <span class="state">{ t.state.clone() }</span>
                    </div>
                    { flags(t) }
                    if !t.cookies.is_empty() {
                        <div class="cookies">
                            <span class="label">{ "saved scope cookies:" }</span>
                            { for t.cookies.iter().map(|c| html! {
                                <span class="cookie" title={c.text.clone()}>
                                    <code>{ format!("{} = {}()", c.var, c.api) }</code>
                                    <span class="cookie-text">{ c.text.clone() }</span>
                                </span>
                            }) }
                        </div>
                    }
                    { atomic(t) }
                </div>
            }) }
        </div>
    }
}
