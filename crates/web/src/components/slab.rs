//! Slab caches with their full, partial and empty slabs.

use std::rc::Rc;

use gfpscope_engine::view::SlabCacheView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SlabProps {
    pub caches: Rc<[SlabCacheView]>,
}

#[component]
pub fn SlabPanel(props: &SlabProps) -> Html {
    let caches = &props.caches;
    html! {
        <div class="panel slab-panel">
            <div class="panel-head"><h2>{ "Slab caches" }</h2></div>
            if caches.is_empty() {
                <p class="empty-note">{ "No slab caches in this scenario." }</p>
            } else {
                <table class="slab">
                    <thead><tr>
                        <th>{ "cache" }</th><th>{ "obj" }</th><th>{ "active / total" }</th>
                        <th>{ "slabs: full · partial · empty" }</th>
                    </tr></thead>
                    <tbody>
                        { for caches.iter().map(|c| {
                            let slabs = (c.full_slabs + c.partial_slabs + c.empty_slabs).max(1) as f64;
                            let w = |n: u64| format!("width:{}%", crate::decimal::fixed(n as f64 / slabs * 100.0, 1));
                            html! {
                                <tr key={c.name.clone()}>
                                    <td><code>{ c.name.clone() }</code>
                                        if c.reclaimable { <span class="tag" title="SLAB_RECLAIM_ACCOUNT: counted as reclaimable">{ "reclaimable" }</span> }
                                    </td>
                                    <td title={format!("{} objects per slab, order {}", c.objects_per_slab, c.order)}>{ format!("{} B", c.object_size) }</td>
                                    <td>{ format!("{} / {}", c.active_objects, c.total_objects) }</td>
                                    <td>
                                        <div class="slabbar" title={format!("{} full, {} partial, {} empty", c.full_slabs, c.partial_slabs, c.empty_slabs)}>
                                            <span class="full" style={w(c.full_slabs)}></span>
                                            <span class="partial" style={w(c.partial_slabs)}></span>
                                            <span class="empty" style={w(c.empty_slabs)}></span>
                                        </div>
                                        <span class="counts">{ format!("{} · {} · {}", c.full_slabs, c.partial_slabs, c.empty_slabs) }</span>
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
        </div>
    }
}
