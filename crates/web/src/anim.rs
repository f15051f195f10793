//! Web Animations API helpers: `element.animate(keyframes, options)` and the user's
//! `prefers-reduced-motion` setting.
//!
//! web-sys exposes `Element::animate` only behind `--cfg=web_sys_unstable_apis`, so the
//! one method is bound here. Panels call it from effects after a render, never during
//! one; nothing here reads layout.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    /// An element seen through its `Animatable` mixin.
    type Animatable;

    /// `Element.animate(keyframes, options)`; returns the `Animation`.
    #[wasm_bindgen(method, js_name = animate, catch)]
    fn animate_raw(
        this: &Animatable,
        keyframes: &Array,
        options: &Object,
    ) -> Result<JsValue, JsValue>;
}

/// One keyframe: an optional offset (0..=1) and CSS properties in camelCase
/// (`transform`, `opacity`, `boxShadow`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keyframe {
    pub offset: Option<f64>,
    pub props: Vec<(&'static str, String)>,
}

impl Keyframe {
    /// A keyframe with these properties.
    pub fn new(props: &[(&'static str, &str)]) -> Keyframe {
        Keyframe {
            offset: None,
            props: props.iter().map(|(k, v)| (*k, (*v).to_string())).collect(),
        }
    }

    /// The same keyframe at `offset`.
    #[must_use]
    pub fn at(mut self, offset: f64) -> Keyframe {
        self.offset = Some(offset);
        self
    }

    /// Adds a property.
    #[must_use]
    pub fn with(mut self, key: &'static str, value: impl Into<String>) -> Keyframe {
        self.props.push((key, value.into()));
        self
    }
}

/// Timing of one animation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    pub duration_ms: f64,
    pub delay_ms: f64,
    pub easing: &'static str,
    /// `Animation.id`, so that tests and devtools can find it.
    pub id: &'static str,
}

/// Starts an animation on `el`. Keyframes apply during the delay (`fill: backwards`), so a
/// staggered element waits where its first keyframe puts it. Failures (an old browser) are
/// ignored: an animation is decoration, never a reason to interrupt the user.
pub fn animate(el: &web_sys::Element, frames: &[Keyframe], t: Timing) {
    let keyframes = Array::new();
    for f in frames {
        let o = Object::new();
        if let Some(off) = f.offset {
            Reflect::set(&o, &"offset".into(), &JsValue::from_f64(off)).ok();
        }
        for (k, v) in &f.props {
            Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v)).ok();
        }
        keyframes.push(&o);
    }
    let options = Object::new();
    let set = |k: &str, v: JsValue| {
        Reflect::set(&options, &JsValue::from_str(k), &v).ok();
    };
    set("duration", JsValue::from_f64(t.duration_ms));
    set("delay", JsValue::from_f64(t.delay_ms));
    set("easing", JsValue::from_str(t.easing));
    set("fill", JsValue::from_str("backwards"));
    set("id", JsValue::from_str(t.id));
    el.unchecked_ref::<Animatable>()
        .animate_raw(&keyframes, &options)
        .ok();
}

/// Whether the user asked for reduced motion (`prefers-reduced-motion: reduce`).
pub fn reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// Removes every element matching `selector` under `root` (leftover animation ghosts).
pub fn remove_all(root: &web_sys::Element, selector: &str) {
    let Ok(list) = root.query_selector_all(selector) else {
        return;
    };
    for i in 0..list.length() {
        if let Some(n) = list.item(i)
            && let Some(parent) = n.parent_node()
        {
            parent.remove_child(&n).ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn animate_starts_a_web_animation_with_the_given_keyframes_and_id() {
        let doc = gloo::utils::document();
        let el = doc.create_element("div").unwrap();
        el.set_class_name("anim-test");
        doc.body().unwrap().append_child(&el).unwrap();
        animate(
            &el,
            &[
                Keyframe::new(&[("transform", "translate(10px, 20px)")]),
                Keyframe::new(&[("transform", "none")]).at(1.0),
            ],
            Timing {
                duration_ms: 500.0,
                delay_ms: 40.0,
                easing: "ease-out",
                id: "unit-test",
            },
        );
        let get = |o: &JsValue, k: &str| Reflect::get(o, &k.into()).unwrap();
        let anims: Array = get(&el, "getAnimations")
            .dyn_into::<js_sys::Function>()
            .unwrap()
            .call0(&el)
            .unwrap()
            .into();
        assert_eq!(anims.length(), 1);
        let a = anims.get(0);
        assert_eq!(get(&a, "id").as_string().as_deref(), Some("unit-test"));
        let effect = get(&a, "effect");
        let frames: Array = get(&effect, "getKeyframes")
            .dyn_into::<js_sys::Function>()
            .unwrap()
            .call0(&effect)
            .unwrap()
            .into();
        assert_eq!(frames.length(), 2);
        assert_eq!(
            get(&frames.get(0), "transform").as_string().as_deref(),
            Some("translate(10px, 20px)")
        );
        remove_all(&doc.body().unwrap(), ".anim-test");
        assert!(doc.query_selector(".anim-test").unwrap().is_none());
    }
}
