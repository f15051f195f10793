//! Diagnostics: `FILE:LINE:COL: error: MESSAGE`, the source line, and a caret line.

use serde::{Deserialize, Serialize};

use crate::scenario::ast::Span;

/// How bad a diagnostic is. Only errors make [`crate::scenario::parse`] fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One located message about a scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub col: u32,
    pub message: String,
    pub severity: Severity,
    /// The exact region (byte offset and length) the caret line underlines.
    pub span: Span,
    /// An extra line printed after the caret (`help: did you mean ...`).
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    #[must_use]
    pub fn error(file: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            line: span.line,
            col: span.col,
            message: message.into(),
            severity: Severity::Error,
            span,
            help: None,
        }
    }

    /// A warning at `span`.
    #[must_use]
    pub fn warning(file: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, span, message)
        }
    }

    /// Adds a `help:` line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The first line only: `FILE:LINE:COL: error: MESSAGE`.
    #[must_use]
    pub fn headline(&self) -> String {
        format!(
            "{}:{}:{}: {}: {}",
            self.file,
            self.line,
            self.col,
            self.severity.label(),
            self.message
        )
    }

    /// The full text: headline, the source line, a caret line under the span, and the
    /// help line if any. Ends with a newline. Tabs in the source are kept in the caret
    /// line's indentation so the caret lines up in a terminal.
    #[must_use]
    pub fn render(&self, source: &str) -> String {
        let mut out = self.headline();
        out.push('\n');
        let line_idx = self.line.saturating_sub(1) as usize;
        if let Some(text) = source.lines().nth(line_idx) {
            let text = text.strip_suffix('\r').unwrap_or(text);
            let gutter = format!("{:>5} | ", self.line);
            out.push_str(&gutter);
            out.push_str(text);
            out.push('\n');
            out.push_str(&" ".repeat(gutter.len().saturating_sub(2)));
            out.push_str("| ");
            let col0 = self.col.saturating_sub(1) as usize;
            for c in text.chars().take(col0) {
                out.push(if c == '\t' { '\t' } else { ' ' });
            }
            // Underline the span's characters, clipped to this line, at least one caret.
            let line_chars = text.chars().count();
            let span_chars = source
                .get(self.span.offset as usize..self.span.end() as usize)
                .map_or(1, |s| s.lines().next().unwrap_or("").chars().count());
            let width = span_chars.min(line_chars.saturating_sub(col0)).max(1);
            out.push('^');
            out.push_str(&"~".repeat(width - 1));
            out.push('\n');
        }
        if let Some(help) = &self.help {
            out.push_str("      = help: ");
            out.push_str(help);
            out.push('\n');
        }
        out
    }
}

/// Renders every diagnostic, sorted by position, separated by nothing (each ends in a newline).
#[must_use]
pub fn render_all(diags: &[Diagnostic], source: &str) -> String {
    let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
    crate::sort::sort_by_u64_key(&mut sorted, |d| d.position_key());
    sorted.iter().map(|d| d.render(source)).collect()
}

impl Diagnostic {
    /// Sort key: source position, then severity (errors before warnings at one offset).
    pub(crate) fn position_key(&self) -> u64 {
        (u64::from(self.span.offset) << 8) | self.severity as u64
    }
}

/// Maps byte offsets to 1-based line and character column.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    #[must_use]
    pub fn new(src: &str) -> LineIndex {
        let mut starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i as u32 + 1);
            }
        }
        LineIndex { starts }
    }

    /// A span for `len` bytes at byte `offset` of `src`.
    #[must_use]
    pub fn span(&self, src: &str, offset: u32, len: u32) -> Span {
        let line0 = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line0).copied().unwrap_or(0);
        let col = src
            .get(start as usize..offset as usize)
            .map_or(offset - start, |s| s.chars().count() as u32)
            + 1;
        Span {
            offset,
            len,
            line: line0 as u32 + 1,
            col,
        }
    }
}

/// The closest candidate to `word` by edit distance (case-insensitive), if close enough
/// to be a plausible typo.
#[must_use]
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    let limit = (w.len() / 3).clamp(1, 4);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&w, &c.to_ascii_lowercase());
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over bytes (names are ASCII), capped for long inputs.
fn edit_distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_has_headline_source_and_caret() {
        let src = "int f(void)\n{\n\tkmalloc(8, GFP_KERNL);\n}\n";
        let idx = LineIndex::new(src);
        let off = src.find("GFP_KERNL").unwrap() as u32;
        let d = Diagnostic::error("a.c", idx.span(src, off, 9), "unknown GFP flag `GFP_KERNL`")
            .with_help("did you mean `GFP_KERNEL`?");
        let text = d.render(src);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "a.c:3:13: error: unknown GFP flag `GFP_KERNL`");
        assert_eq!(lines[1], "    3 | \tkmalloc(8, GFP_KERNL);");
        assert_eq!(lines[2], "      | \t           ^~~~~~~~~");
        assert_eq!(lines[3], "      = help: did you mean `GFP_KERNEL`?");
    }

    #[test]
    fn line_index_counts_characters() {
        let src = "/* é */ x\ny";
        let idx = LineIndex::new(src);
        let x = src.find('x').unwrap() as u32;
        assert_eq!(idx.span(src, x, 1).col, 9);
        let y = src.find('y').unwrap() as u32;
        let s = idx.span(src, y, 1);
        assert_eq!((s.line, s.col), (2, 1));
    }

    #[test]
    fn suggestions() {
        let names = ["GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC"];
        assert_eq!(did_you_mean("GFP_KERNL", names), Some("GFP_KERNEL"));
        assert_eq!(did_you_mean("gfp_nofs", names), Some("GFP_NOFS"));
        assert_eq!(did_you_mean("XYZZY_PLUGH", names), None);
    }
}
