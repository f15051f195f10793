//! Chips for the bits of a gfp mask. Meanings and groups come from the engine's tables.

use gfpscope_engine::view::GfpBitView;
use yew::prelude::*;

/// CSS class for a bit group ("zone", "mobility", "watermark", "reclaim", "action").
pub fn group_class(group: &str) -> &'static str {
    match group {
        "zone" => "g-zone",
        "mobility" => "g-mob",
        "watermark" => "g-wm",
        "reclaim" => "g-rec",
        "action" => "g-act",
        _ => "g-other",
    }
}

/// Hover text for one bit.
pub fn bit_title(bit: &GfpBitView) -> String {
    format!(
        "{} = {:#x} ({} modifier)\n{}",
        bit.name, bit.value, bit.group, bit.meaning
    )
}

/// Splits the engine's `%pGg` text into its parts ("GFP_KERNEL|__GFP_NOFAIL" → two
/// chips). Purely typographic: the text itself is the engine's.
pub fn text_parts(text: &str) -> Vec<&str> {
    text.split('|')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct GfpTextProps {
    pub mask: u32,
    pub text: AttrValue,
    #[prop_or_default]
    pub class: Classes,
}

/// A gfp value as the kernel prints it, `0x... (A|B)`, each part as a chip.
#[component]
pub fn GfpText(props: &GfpTextProps) -> Html {
    html! {
        <span class={classes!("gfp-text", props.class.clone())} title={format!("{:#x}", props.mask)}>
            if !props.text.starts_with("0x") {
                <code class="hex">{ format!("{:#x}", props.mask) }</code>
            }
            { for text_parts(&props.text).into_iter().map(|p| html! {
                <span class="chip">{ p.to_string() }</span>
            }) }
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn text_parts_split_on_bars() {
        assert_eq!(
            text_parts("GFP_KERNEL|__GFP_NOFAIL"),
            vec!["GFP_KERNEL", "__GFP_NOFAIL"]
        );
        assert!(text_parts("").is_empty());
    }
}
