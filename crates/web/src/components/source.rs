//! The scenario source: highlighted (by the engine's own lexer), with line numbers, the
//! current line marked, diagnostics shown inline at their line and column, and edited
//! in place (a transparent textarea over the highlighted text).

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::session::{Diagnostic, TokenClass, highlight};

#[derive(Properties, PartialEq)]
pub struct SourceProps {
    pub text: AttrValue,
    pub current_line: Option<u32>,
    pub diagnostics: Rc<[Diagnostic]>,
    pub edited: bool,
    pub teaches: Option<AttrValue>,
    #[prop_or_default]
    pub citation: Option<AttrValue>,
    pub on_edit: Callback<String>,
    pub on_revert: Callback<()>,
}

/// CSS class of a token class.
fn class_of(class: TokenClass) -> &'static str {
    match class {
        TokenClass::Keyword => "tk-kw",
        TokenClass::Type => "tk-ty",
        TokenClass::Builtin => "tk-fn",
        TokenClass::GfpFlag => "tk-gfp",
        TokenClass::Constant => "tk-mac",
        TokenClass::Declaration => "tk-decl",
        TokenClass::Annotation => "tk-ann",
        TokenClass::Number => "tk-num",
        TokenClass::String => "tk-str",
        TokenClass::Comment => "tk-com",
        TokenClass::Ident => "tk-id",
        TokenClass::Punct => "tk-p",
        TokenClass::Error => "tk-err",
    }
}

/// One piece of a line: text and an optional token class.
#[derive(PartialEq)]
struct Piece {
    text: String,
    class: Option<&'static str>,
}

/// Splits the source into lines of classed pieces. Tokens that span lines (block
/// comments) are cut at each newline. Text not covered by a token is unclassed.
fn highlight_lines(src: &str) -> Vec<Vec<Piece>> {
    let tokens = highlight(src);
    let mut lines: Vec<Vec<Piece>> = vec![Vec::new()];
    let push = |text: &str, class: Option<&'static str>, lines: &mut Vec<Vec<Piece>>| {
        for (i, part) in text.split('\n').enumerate() {
            if i > 0 {
                lines.push(Vec::new());
            }
            if !part.is_empty()
                && let Some(line) = lines.last_mut()
            {
                line.push(Piece {
                    text: part.trim_end_matches('\r').to_string(),
                    class,
                });
            }
        }
    };
    let mut at = 0usize;
    for (span, class) in tokens {
        let start = span.offset as usize;
        let end = start + span.len as usize;
        if start < at || end > src.len() {
            continue;
        }
        if let Some(gap) = src.get(at..start) {
            push(gap, None, &mut lines);
        }
        if let Some(tok) = src.get(start..end) {
            push(tok, Some(class_of(class)), &mut lines);
        }
        at = end;
    }
    if let Some(rest) = src.get(at..) {
        push(rest, None, &mut lines);
    }
    // A trailing newline does not start a visible extra line.
    if src.ends_with('\n') && lines.len() > 1 && lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    lines
}

/// The on-screen column (0-based, tabs expanded to 8) of 1-based character column `col`.
fn visual_col(pieces: &[Piece], col: u32) -> usize {
    let mut v = 0usize;
    let chars = pieces.iter().flat_map(|p| p.text.chars());
    for c in chars.take(col.saturating_sub(1) as usize) {
        v = if c == '\t' { (v / 8 + 1) * 8 } else { v + 1 };
    }
    v
}

#[derive(Properties, PartialEq)]
struct LineProps {
    n: u32,
    pieces: Rc<Vec<Piece>>,
    current: bool,
    /// Diagnostics on this line only.
    diags: Rc<[Diagnostic]>,
}

/// One source line. A component so that a step re-renders only the lines whose
/// current mark or diagnostics changed.
#[component]
fn SourceLine(props: &LineProps) -> Html {
    let pieces = &props.pieces;
    html! {
        <div class={classes!("line", props.current.then_some("current-line"), (!props.diags.is_empty()).then_some("has-error"))}
            data-line={props.n.to_string()}>
            { for pieces.iter().map(|p| match p.class {
                Some(c) => html! { <span class={c}>{ p.text.clone() }</span> },
                None => html! { { p.text.clone() } },
            }) }
            { for props.diags.iter().map(|d| {
                let vcol = visual_col(pieces, d.col);
                html! {
                    <span class="diag-caret" aria-hidden="true"
                        style={format!("left:calc(0.5rem + {vcol}ch);width:1ch")}></span>
                }
            }) }
            { for props.diags.iter().map(|d| html! {
                <span class="diag-inline" data-col={d.col.to_string()}>
                    { format!("  ◀ {}:{}: {}", d.line, d.col, d.message) }
                </span>
            }) }
        </div>
    }
}

/// Scrolls the code vertically so that the current line is in view, only when it is out
/// of view (scrollIntoView would also scroll sideways under the sticky gutter).
fn scroll_to_current_line(scroll_ref: &NodeRef) {
    let Some(scroller) = scroll_ref.cast::<web_sys::Element>() else {
        return;
    };
    let Some(line) = scroller
        .query_selector(".current-line")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let top = f64::from(line.get_bounding_client_rect().top() as i32)
        - scroller.get_bounding_client_rect().top();
    let height = f64::from(scroller.client_height());
    let line_h = f64::from(line.offset_height());
    if top < 0.0 || top + line_h > height {
        let target = f64::from(scroller.scroll_top()) + top - height / 3.0;
        scroller.set_scroll_top(target.max(0.0) as i32);
    }
}

#[component]
pub fn SourcePane(props: &SourceProps) -> Html {
    let lines = use_memo(props.text.clone(), |text| {
        highlight_lines(text)
            .into_iter()
            .map(Rc::new)
            .collect::<Vec<_>>()
    });
    let scroll_ref = use_node_ref();
    // The pending scroll check (dropping it cancels it).
    let scroll_check = use_mut_ref(|| None::<gloo::render::AnimationFrame>);
    {
        let scroll_ref = scroll_ref.clone();
        use_effect_with(props.current_line, move |_| {
            // Checked at the start of the next frame, after every component's effects
            // have written to the DOM: reading the layout here, in the middle of the
            // effects, would lay the page out twice per step.
            let frame = gloo::render::request_animation_frame(move |_| {
                scroll_to_current_line(&scroll_ref);
            });
            *scroll_check.borrow_mut() = Some(frame);
        });
    }
    let oninput = {
        let cb = props.on_edit.clone();
        Callback::from(move |e: InputEvent| {
            let ta: HtmlTextAreaElement = e.target_unchecked_into();
            cb.emit(ta.value());
        })
    };
    let revert = {
        let cb = props.on_revert.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let n_lines = lines.len().max(1);
    let widest = props
        .text
        .lines()
        .map(|l| {
            l.chars()
                .map(|c| if c == '\t' { 8 } else { 1 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    let diags_on = |line: u32| props.diagnostics.iter().filter(move |d| d.line == line);

    html! {
        <div class="panel source-panel">
            <div class="panel-head">
                <h2>{ "Scenario source" }</h2>
                if props.edited {
                    <span class="badge">{ "edited (saved in this browser)" }</span>
                    <button class="btn small" onclick={revert} title="Discard your edits and reload the built-in text">{ "Revert" }</button>
                }
            </div>
            if let Some(t) = &props.teaches {
                <details class="teaches">
                    <summary title="What this scenario teaches (click for its source)">{ t.clone() }</summary>
                    if let Some(c) = &props.citation {
                        <p class="cite">{ "Source: " }{ c.clone() }</p>
                    }
                </details>
            }
            <div class="code-scroll" ref={scroll_ref}>
                <div class="code-grid">
                    <div class="gutter" aria-hidden="true">
                        { for (1..=n_lines as u32).map(|n| {
                            let err = diags_on(n).next().is_some();
                            // A static class per line: the gutter re-renders on every step.
                            let class = match (props.current_line == Some(n), err) {
                                (false, false) => "ln",
                                (true, false) => "ln cur",
                                (false, true) => "ln err",
                                (true, true) => "ln cur err",
                            };
                            html! {
                                <div {class}>
                                    { if props.current_line == Some(n) { "▶" } else { "" } }{ n }
                                </div>
                            }
                        }) }
                    </div>
                    <div class="code-layers">
                        <pre class="code-hl" data-testid="source">
                            { for lines.iter().enumerate().map(|(i, pieces)| {
                                let n = i as u32 + 1;
                                let diags: Rc<[Diagnostic]> = diags_on(n).cloned().collect();
                                html! {
                                    <SourceLine key={n} n={n} pieces={Rc::clone(pieces)}
                                        current={props.current_line == Some(n)} diags={diags} />
                                }
                            }) }
                        </pre>
                        <textarea class="code-input" data-testid="editor"
                            aria-label="Scenario source (editable)"
                            spellcheck="false" autocomplete="off" wrap="off"
                            rows={n_lines.to_string()} cols={(widest + 2).to_string()}
                            value={props.text.clone()} {oninput} />
                    </div>
                </div>
            </div>
            <div class={classes!("diagnostics", props.diagnostics.is_empty().then_some("empty"))}
                data-testid="diagnostics" role="status">
                if props.diagnostics.is_empty() {
                    { "No problems. Edit the source above: it is re-checked as you type." }
                } else {
                    <p class="diag-note">{ "The run on screen is the last version without errors." }</p>
                    <ul>
                        { for props.diagnostics.iter().map(|d| html! {
                            <li class="diag">
                                <span class="loc">{ format!("{}:{}:{}", d.file, d.line, d.col) }</span>
                                { " error: " }{ d.message.clone() }
                                if let Some(h) = &d.help { <div class="help">{ format!("help: {h}") }</div> }
                            </li>
                        }) }
                    </ul>
                }
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn text(lines: &[Vec<Piece>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.iter().map(|p| p.text.as_str()).collect())
            .collect()
    }

    #[wasm_bindgen_test]
    fn lines_keep_every_character_and_split_block_comments() {
        let src = "/* a\n b */ int x;\n\nvoid f(void)\n";
        let lines = highlight_lines(src);
        assert_eq!(
            text(&lines),
            vec!["/* a", " b */ int x;", "", "void f(void)"]
        );
        assert!(lines[0].iter().all(|p| p.class == Some("tk-com")));
    }

    #[wasm_bindgen_test]
    fn visual_column_expands_tabs() {
        let lines = highlight_lines("\tx = 1;");
        assert_eq!(visual_col(&lines[0], 1), 0);
        assert_eq!(visual_col(&lines[0], 2), 8);
        assert_eq!(visual_col(&lines[0], 4), 10);
    }
}
