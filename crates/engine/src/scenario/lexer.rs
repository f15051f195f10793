//! Tokens of the scenario language (a subset of C's).
//!
//! The lexer never fails: bad characters become [`Tok::Error`] tokens (reported by the
//! parser), an unterminated comment or string runs to the end of input.

use crate::scenario::ast::{Comment, Span};
use crate::scenario::diag::LineIndex;

/// A token kind. Identifiers include keywords; the parser decides by text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    /// Integer literal; `None` when it does not fit in i64.
    Int(Option<i64>),
    Str(String),
    /// A character literal `'a'` (value).
    Char(i64),
    Punct(&'static str),
    /// An unexpected character or malformed literal, with a message.
    Error(String),
    Eof,
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
    /// A newline (or start of file) precedes this token.
    pub line_start: bool,
}

/// Output of [`lex`]: tokens (ending with `Eof`) and comments, both in source order.
#[derive(Clone, Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub comments: Vec<Comment>,
    /// For each comment: byte offset and text of its body (between the delimiters),
    /// before trimming (the header parser needs exact offsets).
    pub comment_bodies: Vec<(u32, String)>,
}

const PUNCTS: &[&str] = &[
    "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+=",
    "-=", "*=", "/=", "%=", "&=", "|=", "^=", "(", ")", "{", "}", "[", "]", ";", ",", "=", "+",
    "-", "*", "/", "%", "&", "|", "^", "~", "!", "<", ">", "?", ":", ".", "#",
];

/// Tokenizes `src`.
#[must_use]
pub fn lex(src: &str, index: &LineIndex) -> Lexed {
    let bytes = src.as_bytes();
    let mut out = Lexed::default();
    let mut i = 0usize;
    let mut line_start = true;
    let span = |start: usize, end: usize| index.span(src, start as u32, (end - start) as u32);
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' {
            line_start = true;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // Comments.
        if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            let body_start = i + 2;
            let end = src[body_start..]
                .find("*/")
                .map_or(bytes.len(), |p| body_start + p + 2);
            let body_end = if end >= body_start + 2 && src.get(end - 2..end) == Some("*/") {
                end - 2
            } else {
                end
            };
            let body = &src[body_start..body_end];
            out.comments.push(Comment {
                span: span(start, end),
                text: clean_block_comment(body),
                block: true,
            });
            out.comment_bodies
                .push((body_start as u32, body.to_string()));
            i = end;
            continue;
        }
        if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            let end = src[i..].find('\n').map_or(bytes.len(), |p| i + p);
            let body = &src[i + 2..end];
            out.comments.push(Comment {
                span: span(start, end),
                text: body.trim().to_string(),
                block: false,
            });
            out.comment_bodies.push(((i + 2) as u32, body.to_string()));
            i = end;
            continue;
        }
        let tok;
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            tok = Tok::Ident(src[start..i].to_string());
        } else if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            tok = lex_number(&src[start..i]);
        } else if c == b'"' {
            i += 1;
            let mut s = String::new();
            let mut closed = false;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    b'\n' => break,
                    b'\\' if i + 1 < bytes.len() => {
                        let ch = src[i + 1..].chars().next().unwrap_or('\\');
                        s.push(unescape(ch));
                        i += 1 + ch.len_utf8();
                    }
                    _ => {
                        let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
                        s.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            tok = if closed {
                Tok::Str(s)
            } else {
                Tok::Error("unterminated string literal".to_string())
            };
        } else if c == b'\'' {
            i += 1;
            let mut val = None;
            if i < bytes.len() && bytes[i] == b'\\' && i + 1 < bytes.len() {
                let ch = src[i + 1..].chars().next().unwrap_or('\\');
                val = Some(unescape(ch) as i64);
                i += 1 + ch.len_utf8();
            } else if i < bytes.len() && bytes[i] != b'\'' && bytes[i] != b'\n' {
                let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
                val = Some(ch as i64);
                i += ch.len_utf8();
            }
            if i < bytes.len() && bytes[i] == b'\'' && val.is_some() {
                i += 1;
                tok = Tok::Char(val.unwrap_or(0));
            } else {
                tok = Tok::Error("malformed character literal".to_string());
            }
        } else if let Some(p) = PUNCTS.iter().find(|p| src[i..].starts_with(**p)) {
            i += p.len();
            tok = Tok::Punct(p);
        } else {
            let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
            i += ch.len_utf8().max(1);
            tok = Tok::Error(format!("unexpected character `{}`", ch.escape_debug()));
        }
        out.tokens.push(Token {
            tok,
            span: span(start, i),
            line_start,
        });
        line_start = false;
    }
    let end = bytes.len();
    out.tokens.push(Token {
        tok: Tok::Eof,
        span: span(end, end),
        line_start: true,
    });
    out
}

fn unescape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        other => other,
    }
}

fn lex_number(text: &str) -> Tok {
    let lower = text.to_ascii_lowercase();
    let body = lower.trim_end_matches(['u', 'l']);
    let parsed = if let Some(h) = body.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(b) = body.strip_prefix("0b") {
        u64::from_str_radix(b, 2).ok()
    } else if body.len() > 1 && body.starts_with('0') {
        u64::from_str_radix(&body[1..], 8).ok()
    } else {
        body.parse::<u64>().ok()
    };
    match parsed {
        Some(v) => Tok::Int(i64::try_from(v).ok()),
        None if body.chars().all(|c| c.is_ascii_hexdigit() || c == 'x') => Tok::Int(None),
        None => Tok::Error(format!("malformed number `{text}`")),
    }
}

/// `/* a\n * b */` → `a\nb`: strips the leading `*` column and blank edge lines.
fn clean_block_comment(body: &str) -> String {
    let lines: Vec<&str> = body
        .lines()
        .map(|l| {
            let t = l.trim();
            t.strip_prefix('*').map_or(t, str::trim)
        })
        .collect();
    let first = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(first, |p| p + 1);
    lines.get(first..last).unwrap_or(&[]).join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex(src, &LineIndex::new(src))
            .tokens
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn basic_tokens() {
        assert_eq!(
            toks("x |= ~__GFP_FS; // c\n0x10UL"),
            vec![
                Tok::Ident("x".into()),
                Tok::Punct("|="),
                Tok::Punct("~"),
                Tok::Ident("__GFP_FS".into()),
                Tok::Punct(";"),
                Tok::Int(Some(16)),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn comments_kept_with_spans() {
        let src = "a; /* one\n * two */\n// three\n";
        let l = lex(src, &LineIndex::new(src));
        assert_eq!(l.comments.len(), 2);
        assert_eq!(l.comments[0].text, "one\ntwo");
        assert_eq!(l.comments[1].text, "three");
        assert_eq!(l.comments[1].span.line, 3);
    }

    #[test]
    fn bad_input_is_tokens_not_panics() {
        let t = toks("@ \"abc\n 99999999999999999999999 'x");
        assert!(matches!(t[0], Tok::Error(_)));
        assert!(matches!(t[1], Tok::Error(_)));
        assert_eq!(t[2], Tok::Int(None));
        assert!(matches!(t[3], Tok::Error(_)));
    }
}
