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

/// Splits the engine's `%#x(%pGg)` text into the hex and the names inside the
/// parentheses (`0xa20(GFP_ATOMIC|__GFP_NOWARN)` → `0xa20`, `GFP_ATOMIC|__GFP_NOWARN`);
/// text of another shape is all names. Purely typographic.
pub fn split_pgg(text: &str) -> (Option<&str>, &str) {
    let text = text.trim();
    if let Some(open) = text.find('(')
        && text.starts_with("0x")
        && text.ends_with(')')
    {
        let hex = text.get(..open).unwrap_or(text);
        let names = text.get(open + 1..text.len() - 1).unwrap_or("");
        return (Some(hex), names);
    }
    (None, text)
}

#[derive(Properties, PartialEq)]
pub struct GfpTextProps {
    pub mask: u32,
    pub text: AttrValue,
    #[prop_or_default]
    pub class: Classes,
}

/// A gfp value as the kernel prints it, `0x...(A|B)`: the hex, then each name as a chip.
#[component]
pub fn GfpText(props: &GfpTextProps) -> Html {
    let (hex, names) = split_pgg(&props.text);
    let hex = hex.map_or_else(|| format!("{:#x}", props.mask), str::to_string);
    html! {
        <span class={classes!("gfp-text", props.class.clone())} title={props.text.to_string()}>
            <code class="hex">{ hex }</code>
            { for text_parts(names).into_iter().map(|p| html! {
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

    #[wasm_bindgen_test]
    fn pgg_text_splits_into_hex_and_names() {
        assert_eq!(
            split_pgg("0xa20(GFP_ATOMIC|__GFP_NOWARN)"),
            (Some("0xa20"), "GFP_ATOMIC|__GFP_NOWARN")
        );
        assert_eq!(split_pgg("0x0()"), (Some("0x0"), ""));
        assert_eq!(split_pgg("GFP_KERNEL"), (None, "GFP_KERNEL"));
        assert_eq!(split_pgg("0x(oops"), (None, "0x(oops"));
    }
}
