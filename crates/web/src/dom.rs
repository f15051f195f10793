//! Small browser helpers: the panic banner, localStorage, the URL, the ready flag.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Installs a panic hook that logs to the console *and* puts a visible banner on the
/// page, so that a bug never leaves a blank or silently frozen page.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_panic_banner(&info.to_string());
    }));
}

fn show_panic_banner(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    let Ok(banner) = doc.create_element("div") else {
        return;
    };
    banner.set_class_name("error-banner panic-banner");
    banner.set_attribute("role", "alert").ok();
    banner.set_attribute("data-testid", "error-banner").ok();
    banner.set_text_content(Some(&format!(
        "gfpscope hit an internal error and stopped updating. Reload the page to continue \
         (your edits are saved). Details: {message}"
    )));
    body.prepend_with_node_1(&banner).ok();
}

/// `window.location.search`, or "" outside a browser.
pub fn query_string() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Reads a localStorage value (None when storage is unavailable).
pub fn load(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

/// Writes a localStorage value; failures (quota, private mode) are ignored on purpose:
/// persistence is a convenience, never a reason to interrupt the user.
pub fn save(key: &str, value: &str) {
    if let Some(s) = storage() {
        s.set_item(key, value).ok();
    }
}

/// Removes a localStorage value.
pub fn forget(key: &str) {
    if let Some(s) = storage() {
        s.remove_item(key).ok();
    }
}

/// Sets `window.__gfpscope_ready = true` for the end-to-end tests.
pub fn mark_ready() {
    if let Some(w) = web_sys::window() {
        js_sys::Reflect::set(&w, &JsValue::from_str("__gfpscope_ready"), &JsValue::TRUE).ok();
    }
}

/// Fetches a text file by URL (relative URLs resolve against the page, so `dist/` works
/// under any sub-path). `Err` carries a one-line reason: the network error or HTTP status.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| js_error(&e))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "the fetch did not return a Response".to_string())?;
    if !response.ok() {
        return Err(format!(
            "HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let text = JsFuture::from(response.text().map_err(|e| js_error(&e))?)
        .await
        .map_err(|e| js_error(&e))?;
    text.as_string()
        .ok_or_else(|| "the response is not text".to_string())
}

/// The message of a JS exception (`TypeError: Failed to fetch`, ...).
fn js_error(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "network error".to_string())
}

/// Puts the scenario picker back on `name` (after a choice that could not be loaded, the
/// `<select>` would otherwise keep showing it: its props did not change).
pub fn show_picked(name: &str) {
    if let Some(select) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("select[data-testid=scenario-picker]")
                .ok()
                .flatten()
        })
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
    {
        select.set_value(name);
    }
}

/// Whether the user's system prefers a dark colour scheme.
pub fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Milliseconds from `performance.now()`.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Records how long a piece of work took in `window.__gfpscope_timing[name]` (the
/// last value), for the e2e performance measurements and for anyone profiling.
pub fn record_timing(name: &str, ms: f64) {
    let Some(w) = web_sys::window() else { return };
    let key = JsValue::from_str("__gfpscope_timing");
    let table = js_sys::Reflect::get(&w, &key)
        .ok()
        .filter(JsValue::is_object)
        .unwrap_or_else(|| {
            let t: JsValue = js_sys::Object::new().into();
            js_sys::Reflect::set(&w, &key, &t).ok();
            t
        });
    js_sys::Reflect::set(&table, &JsValue::from_str(name), &JsValue::from_f64(ms)).ok();
}

/// A `<canvas>` attached to the page, for the unit tests that draw on one.
#[cfg(test)]
pub fn test_canvas() -> web_sys::HtmlCanvasElement {
    use wasm_bindgen::JsCast;
    let doc = gloo::utils::document();
    let c: web_sys::HtmlCanvasElement = doc
        .create_element("canvas")
        .expect("create a canvas")
        .dyn_into()
        .expect("a canvas");
    doc.body().expect("body").append_child(&c).expect("attach");
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_panic_banner_is_visible_and_names_the_message() {
        show_panic_banner("index out of bounds: the len is 3 but the index is 7");
        let doc = gloo::utils::document();
        let banner = doc
            .query_selector("[data-testid=error-banner].panic-banner")
            .ok()
            .flatten()
            .expect("a banner");
        let text = banner.text_content().unwrap_or_default();
        assert!(text.contains("index out of bounds"), "{text}");
        assert!(text.contains("Reload"), "{text}");
        assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
        banner.remove();
    }

    #[wasm_bindgen_test]
    fn storage_round_trips_and_forgets() {
        save("gfpscope.test", "int x;");
        assert_eq!(load("gfpscope.test").as_deref(), Some("int x;"));
        forget("gfpscope.test");
        assert_eq!(load("gfpscope.test"), None);
    }
}
