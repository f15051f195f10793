//! gfpscope-web: the Yew front end. It renders engine views and events; it never
//! re-implements a kernel rule.

mod app;
mod components;
mod dom;
mod keys;
mod paint;
mod session;
mod url;

fn main() {
    dom::install_panic_hook();
    yew::Renderer::<app::App>::new().render();
}
