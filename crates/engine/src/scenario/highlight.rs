//! Syntax classes for the UI's source view, straight from the lexer (the UI never re-lexes).

use serde::{Deserialize, Serialize};

use crate::scenario::ast::{Span, TaskKind};
use crate::scenario::builtins::Builtin;
use crate::scenario::diag::LineIndex;
use crate::scenario::lexer::{Tok, lex};
use crate::scenario::names;
use crate::scenario::parser::TYPE_WORDS as TYPES;

/// What a piece of source text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenClass {
    /// `if`, `return`, `for`, ...
    Keyword,
    /// `int`, `gfp_t`, `struct`, `unsigned`, ...
    Type,
    /// A modelled kernel function (`kmalloc`, `memalloc_nofs_save`, ...).
    Builtin,
    /// A GFP name (`GFP_KERNEL`, `__GFP_NOFAIL`).
    GfpFlag,
    /// Another predefined constant: `PF_*`, `SLAB_*`, errno, `PAGE_SIZE`, `NULL`, `true`.
    Constant,
    /// A declaration keyword: `SYSCALL`, `KTHREAD`, `DEFINE_MUTEX`, `DEFINE_DEVICE`, ...
    Declaration,
    /// An annotation: `__flags`, `__taken_by_fs_reclaim`, ...
    Annotation,
    Number,
    String,
    Comment,
    Ident,
    Punct,
    /// Text the lexer could not make sense of.
    Error,
}

const KEYWORDS: &[&str] = &[
    "if",
    "else",
    "while",
    "do",
    "for",
    "return",
    "break",
    "continue",
    "sizeof",
    "goto",
    "switch",
    "case",
    "default",
    "static",
    "inline",
    "extern",
    "noinline",
    "__always_inline",
];

/// Classifies every token and comment of `src`, in source order. Never fails; the spans
/// cover everything but whitespace.
#[must_use]
pub fn highlight(src: &str) -> Vec<(Span, TokenClass)> {
    let index = LineIndex::new(src);
    let lexed = lex(src, &index);
    let mut out = Vec::with_capacity(lexed.tokens.len() + lexed.comments.len());
    let mut comments = lexed.comments.iter().peekable();
    for t in &lexed.tokens {
        while let Some(c) = comments.next_if(|c| c.span.offset < t.span.offset) {
            out.push((c.span, TokenClass::Comment));
        }
        let class = match &t.tok {
            Tok::Eof => continue,
            Tok::Ident(w) => classify_word(w),
            Tok::Int(_) | Tok::Char(_) => TokenClass::Number,
            Tok::Str(_) => TokenClass::String,
            Tok::Punct(_) => TokenClass::Punct,
            Tok::Error(_) => TokenClass::Error,
        };
        out.push((t.span, class));
    }
    for c in comments {
        out.push((c.span, TokenClass::Comment));
    }
    out
}

fn classify_word(w: &str) -> TokenClass {
    if KEYWORDS.contains(&w) {
        TokenClass::Keyword
    } else if TYPES.contains(&w) {
        TokenClass::Type
    } else if names::gfp_by_name(w).is_some() {
        TokenClass::GfpFlag
    } else if Builtin::from_name(w).is_some() {
        TokenClass::Builtin
    } else if names::is_predefined(w) || matches!(w, "NULL" | "true" | "false") {
        TokenClass::Constant
    } else if TaskKind::from_keyword(w).is_some()
        || matches!(
            w,
            "DEFINE_MUTEX" | "DEFINE_SPINLOCK" | "DECLARE_RWSEM" | "DEFINE_DEVICE"
        )
    {
        TokenClass::Declaration
    } else if w.starts_with("__") {
        TokenClass::Annotation
    } else {
        TokenClass::Ident
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_in_order() {
        let src = "/* h */\nSYSCALL(t) __pid(1)\n{\n\tvoid *p = kmalloc(64, GFP_KERNEL | __GFP_ZERO); // c\n\tif (!p) return -ENOMEM;\n}\n";
        let h = highlight(src);
        let get = |text: &str| h.iter().find(|(s, _)| s.text(src) == text).map(|(_, c)| *c);
        assert_eq!(get("/* h */"), Some(TokenClass::Comment));
        assert_eq!(get("SYSCALL"), Some(TokenClass::Declaration));
        assert_eq!(get("__pid"), Some(TokenClass::Annotation));
        assert_eq!(get("void"), Some(TokenClass::Type));
        assert_eq!(get("kmalloc"), Some(TokenClass::Builtin));
        assert_eq!(get("GFP_KERNEL"), Some(TokenClass::GfpFlag));
        assert_eq!(get("__GFP_ZERO"), Some(TokenClass::GfpFlag));
        assert_eq!(get("64"), Some(TokenClass::Number));
        assert_eq!(get("// c"), Some(TokenClass::Comment));
        assert_eq!(get("if"), Some(TokenClass::Keyword));
        assert_eq!(get("ENOMEM"), Some(TokenClass::Constant));
        assert_eq!(get("p"), Some(TokenClass::Ident));
        assert!(h.windows(2).all(|w| w[0].0.offset < w[1].0.offset));
    }
}
