//! Parsing gfp masks: hex as printed in logs, and C expressions such as
//! `(GFP_NOFS | __GFP_NOFAIL) & ~__GFP_NOWARN`, with names resolved in the chosen
//! kernel's layout. Errors name the bad token and its 1-based column.

use std::fmt;

use super::layout::{Layout, name_history};

/// Bad input: what was wrong, the offending token, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ExprError {
    /// What is wrong, e.g. "unknown flag".
    pub message: String,
    /// The offending token verbatim (empty at end of input).
    pub token: String,
    /// 1-based character column of the token.
    pub column: usize,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.token.is_empty() {
            write!(f, "{} at column {}", self.message, self.column)
        } else {
            write!(
                f,
                "{} `{}` at column {}",
                self.message, self.token, self.column
            )
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Num(u32),
    Or,
    And,
    Xor,
    Not,
    LParen,
    RParen,
    End,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    text: String,
    column: usize,
}

fn lex(input: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = match c {
            '|' => Some(Tok::Or),
            '&' => Some(Tok::And),
            '^' => Some(Tok::Xor),
            '~' => Some(Tok::Not),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            _ => None,
        };
        if let Some(tok) = single {
            out.push(Token {
                tok,
                text: c.to_string(),
                column,
            });
            i += 1;
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let tok = if c.is_ascii_digit() {
                Tok::Num(parse_number(&text).ok_or_else(|| ExprError {
                    message: "malformed number".to_owned(),
                    token: text.clone(),
                    column,
                })?)
            } else {
                Tok::Ident(text.clone())
            };
            out.push(Token { tok, text, column });
            continue;
        }
        return Err(ExprError {
            message: "unexpected character".to_owned(),
            token: c.to_string(),
            column,
        });
    }
    out.push(Token {
        tok: Tok::End,
        text: String::new(),
        column: chars.len() + 1,
    });
    Ok(out)
}

/// A C integer literal: `0x…` hex, `0…` octal, decimal; an optional `u`/`U`/`ul`
/// suffix as in gfp.h (`0x400u`).
fn parse_number(text: &str) -> Option<u32> {
    let t = text.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()
    } else if t.len() > 1 && t.starts_with('0') {
        u32::from_str_radix(&t[1..], 8).ok()
    } else {
        t.parse::<u32>().ok()
    }
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    layout: &'a Layout,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        // `lex` always ends with `End`, and `pos` never moves past it.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::End {
            self.pos += 1;
        }
        t
    }
    fn or(&mut self) -> Result<u32, ExprError> {
        let mut v = self.xor()?;
        while self.peek().tok == Tok::Or {
            self.bump();
            v |= self.xor()?;
        }
        Ok(v)
    }
    fn xor(&mut self) -> Result<u32, ExprError> {
        let mut v = self.and()?;
        while self.peek().tok == Tok::Xor {
            self.bump();
            v ^= self.and()?;
        }
        Ok(v)
    }
    fn and(&mut self) -> Result<u32, ExprError> {
        let mut v = self.unary()?;
        while self.peek().tok == Tok::And {
            self.bump();
            v &= self.unary()?;
        }
        Ok(v)
    }
    fn unary(&mut self) -> Result<u32, ExprError> {
        let t = self.bump();
        match t.tok {
            Tok::Not => Ok(!self.unary()?),
            Tok::LParen => {
                let v = self.or()?;
                let close = self.bump();
                if close.tok == Tok::RParen {
                    Ok(v)
                } else {
                    Err(ExprError {
                        message: "expected `)`, found".to_owned(),
                        token: close.text,
                        column: close.column,
                    })
                }
            }
            Tok::Num(n) => Ok(n),
            Tok::Ident(name) => self.resolve(&name, t.column),
            Tok::End => Err(ExprError {
                message: "expression ends early: expected a flag name or number".to_owned(),
                token: String::new(),
                column: t.column,
            }),
            Tok::Or | Tok::And | Tok::Xor | Tok::RParen => Err(ExprError {
                message: "expected a flag name or number, found".to_owned(),
                token: t.text,
                column: t.column,
            }),
        }
    }
    fn resolve(&self, name: &str, column: usize) -> Result<u32, ExprError> {
        if let Some(v) = self.layout.lookup(name) {
            return Ok(v);
        }
        let version = self.layout.version;
        let message = match name_history(name) {
            Some((first, Some(gone))) => {
                format!("flag not in Linux {version} (it exists from {first} until before {gone}):")
            }
            Some((first, None)) => {
                format!("flag not in Linux {version} (it exists from {first}):")
            }
            None => match suggest(name, &self.layout.all_names()) {
                Some(s) => format!("unknown flag (did you mean {s}?):"),
                None => "unknown flag".to_owned(),
            },
        };
        Err(ExprError {
            message,
            token: name.to_owned(),
            column,
        })
    }
}

/// The closest known name, if reasonably close (edit distance ≤ 3).
fn suggest(name: &str, names: &[&'static str]) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    names
        .iter()
        .map(|n| (levenshtein(&upper, n), *n))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, n)| n)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Evaluate a C expression over gfp names of `layout` (`|`, `&`, `^`, `~`,
/// parentheses, C integer literals). Returns the raw mask of that kernel.
///
/// # Errors
/// [`ExprError`] naming the bad token and its column: unknown or out-of-era names,
/// malformed numbers, unbalanced parentheses, trailing input.
pub fn parse_expr(input: &str, layout: &Layout) -> Result<u32, ExprError> {
    let toks = lex(input)?;
    let mut p = Parser {
        toks,
        pos: 0,
        layout,
    };
    let v = p.or()?;
    let rest = p.bump();
    if rest.tok != Tok::End {
        return Err(ExprError {
            message: "unexpected".to_owned(),
            token: rest.text,
            column: rest.column,
        });
    }
    Ok(v)
}

/// A mask as printed in a log: hex with or without `0x` (`0xcc0`, `cc0`), optionally
/// followed by the `(...)` decoding the kernel printed, which is ignored.
///
/// # Errors
/// [`ExprError`] naming the malformed token.
pub fn parse_mask(input: &str) -> Result<u32, ExprError> {
    let trimmed = input.trim();
    let lead = input.len() - input.trim_start().len();
    let hex_part = trimmed.split('(').next().unwrap_or("").trim_end();
    let digits = hex_part
        .strip_prefix("0x")
        .or_else(|| hex_part.strip_prefix("0X"))
        .unwrap_or(hex_part);
    let err = |message: &str| ExprError {
        message: message.to_owned(),
        token: hex_part.to_owned(),
        column: lead + 1,
    };
    if digits.is_empty() {
        return Err(err("expected a hex mask such as 0xcc0, found"));
    }
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(err("malformed hex mask"));
    }
    u32::from_str_radix(digits, 16).map_err(|_| err("hex mask does not fit in 32 bits"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::KernelVersion;

    fn eval(s: &str) -> Result<u32, ExprError> {
        parse_expr(s, &Layout::v6_12())
    }

    #[test]
    fn evaluates_c_expressions() {
        assert_eq!(eval("GFP_KERNEL | __GFP_ZERO"), Ok(0xdc0));
        assert_eq!(
            eval("(GFP_NOFS | __GFP_NOFAIL) & ~__GFP_NOWARN"),
            Ok(0x8c40)
        );
        assert_eq!(eval("GFP_KERNEL & ~__GFP_FS"), Ok(0xc40));
        assert_eq!(eval("0xcc0|0x100"), Ok(0xdc0));
        assert_eq!(eval("0x400u ^ 0x400"), Ok(0));
        assert_eq!(eval("  GFP_ATOMIC  "), Ok(0x820));
        let l = Layout::new(KernelVersion::new(4, 19));
        assert_eq!(parse_expr("GFP_KERNEL|__GFP_COMP", &l), Ok(0x6040c0));
    }

    #[test]
    fn errors_name_token_and_column() {
        let e = eval("GFP_KERNEL | __GFP_BOGUS").unwrap_err();
        assert_eq!((e.token.as_str(), e.column), ("__GFP_BOGUS", 14));
        let e = eval("GFP_KERNEL | __GFP_NOWRN").unwrap_err();
        assert!(e.message.contains("did you mean __GFP_NOWARN"), "{e}");
        let e = eval("GFP_KERNEL | __GFP_COLD").unwrap_err();
        assert!(e.message.contains("until before 4.15"), "{e}");
        let e = eval("(GFP_KERNEL").unwrap_err();
        assert_eq!(e.column, 12);
        let e = eval("GFP_KERNEL |").unwrap_err();
        assert!(e.message.contains("ends early"));
        let e = eval("GFP_KERNEL $ 1").unwrap_err();
        assert_eq!((e.token.as_str(), e.column), ("$", 12));
        let e = eval("0xZZ").unwrap_err();
        assert_eq!(e.token, "0xZZ");
        let e = eval("GFP_KERNEL GFP_NOFS").unwrap_err();
        assert_eq!((e.token.as_str(), e.column), ("GFP_NOFS", 12));
        let e = eval("0x1ffffffff").unwrap_err();
        assert_eq!(e.message, "malformed number");
    }

    #[test]
    fn masks_from_logs() {
        assert_eq!(parse_mask("0x6000c0"), Ok(0x6000c0));
        assert_eq!(parse_mask("cc0"), Ok(0xcc0));
        assert_eq!(parse_mask("0xcc0(GFP_KERNEL)"), Ok(0xcc0));
        let e = parse_mask("0xgg").unwrap_err();
        assert_eq!(e.token, "0xgg");
        assert!(parse_mask("").is_err());
        assert!(parse_mask("0x123456789").is_err());
    }
}
