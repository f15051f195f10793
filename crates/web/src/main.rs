//! gfpscope-web: the Yew front end.
use yew::prelude::*;

#[component]
fn App() -> Html {
    html! { <main><h1>{ "gfpscope" }</h1></main> }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
