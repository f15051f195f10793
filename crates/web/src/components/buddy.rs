//! Buddy free lists: free blocks per order and migratetype for one zone. A count that
//! changed since the previous step flashes (up: a merge or free; down: a split or
//! allocation) so that splits and merges are visible while stepping.

use std::collections::BTreeMap;
use std::rc::Rc;

use gfpscope_engine::view::ZoneView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BuddyProps {
    pub zones: Rc<[ZoneView]>,
}

const MIGRATETYPES: [&str; 4] = ["Unmovable", "Movable", "Reclaimable", "HighAtomic"];

#[component]
pub fn BuddyPanel(props: &BuddyProps) -> Html {
    let zones = &props.zones;
    let default_zone = zones.len().saturating_sub(1);
    let selected = use_state(|| None::<usize>);
    let zone_idx = selected.unwrap_or(default_zone).min(default_zone);
    // Previous counts per zone name, to flash what changed.
    let previous = use_mut_ref(BTreeMap::<String, Vec<[u64; 4]>>::new);
    let prev_blocks = previous.borrow().clone();
    {
        let previous = previous.clone();
        let zones: Vec<(String, Vec<[u64; 4]>)> = zones
            .iter()
            .map(|z| (z.name.clone(), z.free_blocks.clone()))
            .collect();
        use_effect_with(props.zones.clone(), move |_| {
            let mut p = previous.borrow_mut();
            p.clear();
            p.extend(zones);
        });
    }
    let Some(zone) = zones.get(zone_idx) else {
        return html! {};
    };
    let prev = prev_blocks.get(&zone.name);
    let max = zone
        .free_blocks
        .iter()
        .flat_map(|r| r.iter())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    html! {
        <div class="panel buddy-panel">
            <div class="panel-head">
                <h2>{ "Buddy free lists" }</h2>
                <div class="tabs" role="tablist">
                    { for zones.iter().enumerate().map(|(i, z)| {
                        let selected = selected.clone();
                        html! {
                            <button role="tab" class={classes!("tab", (i == zone_idx).then_some("active"))}
                                aria-selected={(i == zone_idx).to_string()}
                                onclick={Callback::from(move |_| selected.set(Some(i)))}>{ z.name.clone() }</button>
                        }
                    }) }
                </div>
            </div>
            <table class="buddy">
                <thead><tr>
                    <th>{ "order" }</th>
                    { for MIGRATETYPES.iter().map(|m| html! { <th>{ *m }</th> }) }
                    <th title="free pages in blocks of this order">{ "pages" }</th>
                </tr></thead>
                <tbody>
                    { for zone.free_blocks.iter().enumerate().map(|(order, row)| {
                        let pages: u64 = row.iter().sum::<u64>() << order;
                        html! {
                            <tr>
                                <th>{ order }</th>
                                { for row.iter().enumerate().map(|(mt, &n)| {
                                    let before = prev.and_then(|p| p.get(order)).map(|r| r[mt]);
                                    let change = match before {
                                        Some(b) if n > b => Some("up"),
                                        Some(b) if n < b => Some("down"),
                                        _ => None,
                                    };
                                    let w = n as f64 / max as f64 * 100.0;
                                    html! {
                                        <td key={format!("{}-{order}-{mt}-{n}", zone.name)} class={classes!("cell", format!("mt{mt}"), change)}>
                                            <span class="bar" style={format!("width:{}%", crate::decimal::fixed(w, 1))}></span>
                                            <span class="n">{ n }</span>
                                        </td>
                                    }
                                }) }
                                <td class="pages">{ pages }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}
