//! Recursive-descent parser (under construction).

use crate::scenario::ast::Scenario;
use crate::scenario::diag::{Diagnostic, LineIndex};
use crate::scenario::header::{Header, looks_like_header, parse_header};
use crate::scenario::lexer::{Tok, lex};

/// Parses a file into an (unchecked) scenario plus diagnostics.
pub fn parse_file(file: &str, src: &str) -> (Scenario, Vec<Diagnostic>) {
    let index = LineIndex::new(src);
    let lexed = lex(src, &index);
    let mut diags = Vec::new();
    let mut header = Header::default();
    if let (Some(c), Some((off, body))) = (lexed.comments.first(), lexed.comment_bodies.first()) {
        let before_code = lexed
            .tokens
            .first()
            .is_none_or(|t| t.span.offset > c.span.offset);
        if c.block && before_code && looks_like_header(body) {
            header = parse_header(file, src, &index, c.span, *off, body, &mut diags);
        }
    }
    if let Some(t) = lexed.tokens.first().filter(|t| t.tok != Tok::Eof) {
        diags.push(Diagnostic::error(
            file,
            t.span,
            "the parser is not finished yet",
        ));
    }
    let scenario = Scenario {
        file_name: file.to_string(),
        source: src.to_string(),
        header,
        globals: Vec::new(),
        locks: Vec::new(),
        devices: Vec::new(),
        functions: Vec::new(),
        tasks: Vec::new(),
        comments: lexed.comments,
    };
    (scenario, diags)
}
