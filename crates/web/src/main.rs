//! gfpscope-web: the Yew front end. It renders engine views and events; it never
//! re-implements a kernel rule.

mod anim;
mod app;
mod background;
mod canvas_backend;
mod components;
mod decimal;
mod dom;
mod keys;
mod paint;
mod session;
mod url;

// The web crate's unit tests run in headless Chromium (wasm-bindgen-test-runner).
#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn main() {
    dom::install_panic_hook();
    yew::Renderer::<app::App>::new().render();
}
