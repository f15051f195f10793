//! Recursive-descent parser: tokens → unchecked [`Scenario`].
//!
//! Recovery: a syntax error inside a statement skips to the next `;` or `}` at that
//! nesting level; at top level it skips to the end of the item. So one run reports
//! several errors. Recursion is bounded by [`MAX_DEPTH`]: deeper input is an error,
//! never a stack overflow. Names are left [`Res::Unresolved`]; `check.rs` resolves them.

use crate::scenario::ast::{
    AssignOp, Attached, Attr, BaseType, BinaryOp, Block, Call, Callee, Comment, Declarator,
    DeviceDecl, Expr, ExprKind, Function, Global, Ident, IncDecOp, LockDecl, LockKind, NameRef,
    Param, Res, Scenario, SizeofArg, Span, Stmt, StmtKind, TaskDecl, TaskKind, Type, UnaryOp,
};
use crate::scenario::diag::{Diagnostic, LineIndex};
use crate::scenario::header::{Header, looks_like_header, parse_header};
use crate::scenario::lexer::{Tok, Token, lex};

/// Deepest nesting of statements plus expressions accepted.
pub const MAX_DEPTH: u32 = 100;
/// Parsing stops after this many errors.
pub const MAX_ERRORS: usize = 100;

/// Words that start a type (also what the highlighter colours as a type).
pub(crate) const TYPE_WORDS: &[&str] = &[
    "void",
    "bool",
    "_Bool",
    "char",
    "short",
    "int",
    "long",
    "signed",
    "unsigned",
    "size_t",
    "ssize_t",
    "loff_t",
    "pgoff_t",
    "gfp_t",
    "slab_flags_t",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "struct",
    "const",
    "volatile",
];

/// Storage classes and function attributes accepted and ignored before a declaration.
const QUALIFIERS: &[&str] = &[
    "static",
    "inline",
    "extern",
    "noinline",
    "__always_inline",
    "__init",
    "__exit",
    "__cold",
    "__maybe_unused",
];

const LOCK_WORDS: &[(&str, LockKind)] = &[
    ("DEFINE_SPINLOCK", LockKind::Spinlock),
    ("DEFINE_MUTEX", LockKind::Mutex),
    ("DECLARE_RWSEM", LockKind::RwSem),
];

/// Parses a file into an unchecked scenario plus the syntax and header diagnostics.
pub fn parse_file(file: &str, src: &str) -> (Scenario, Vec<Diagnostic>) {
    let index = LineIndex::new(src);
    let lexed = lex(src, &index);
    let mut diags = Vec::new();
    let mut header = Header::default();
    let mut first_comment = 0;
    if let (Some(c), Some((off, body))) = (lexed.comments.first(), lexed.comment_bodies.first()) {
        let before_code = lexed
            .tokens
            .first()
            .is_none_or(|t| t.span.offset > c.span.offset);
        if c.block && before_code && looks_like_header(body) {
            header = parse_header(file, src, &index, c.span, *off, body, &mut diags);
            first_comment = 1;
        }
    }
    let mut p = Parser {
        file,
        toks: &lexed.tokens,
        pos: 0,
        diags,
        comments: &lexed.comments,
        cpos: first_comment,
        depth: 0,
        aborted: false,
        next_id: 0,
        scenario: Scenario {
            file_name: file.to_string(),
            source: src.to_string(),
            header,
            globals: Vec::new(),
            locks: Vec::new(),
            devices: Vec::new(),
            functions: Vec::new(),
            tasks: Vec::new(),
            comments: Vec::new(),
        },
    };
    p.file_items();
    let Parser {
        mut scenario,
        diags,
        ..
    } = p;
    scenario.comments = lexed.comments;
    (scenario, diags)
}

/// Signals that an error was reported and the caller should recover.
struct Bail;

type PResult<T> = Result<T, Bail>;

struct Parser<'a> {
    file: &'a str,
    toks: &'a [Token],
    pos: usize,
    diags: Vec<Diagnostic>,
    comments: &'a [Comment],
    cpos: usize,
    depth: u32,
    /// Set after the depth or error limit: everything else unwinds silently.
    aborted: bool,
    next_id: u32,
    scenario: Scenario,
}

impl<'a> Parser<'a> {
    // ---- token helpers ---------------------------------------------------------------

    fn tok(&self) -> &'a Token {
        let last = self.toks.len().saturating_sub(1);
        &self.toks[self.pos.min(last)]
    }

    fn peek(&self, n: usize) -> &'a Token {
        let last = self.toks.len().saturating_sub(1);
        &self.toks[(self.pos + n).min(last)]
    }

    fn at_eof(&self) -> bool {
        self.tok().tok == Tok::Eof
    }

    fn bump(&mut self) -> &'a Token {
        let t = self.tok();
        if !self.at_eof() {
            self.pos += 1;
        }
        t
    }

    fn prev_span(&self) -> Span {
        if self.pos == 0 {
            self.tok().span
        } else {
            self.toks[(self.pos - 1).min(self.toks.len().saturating_sub(1))].span
        }
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(&self.tok().tok, Tok::Punct(q) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(&self.tok().tok, Tok::Ident(s) if s == w)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn word(&self) -> Option<&'a str> {
        match &self.tok().tok {
            Tok::Ident(s) => Some(s.as_str()),
            _ => None,
        }
    }

    fn describe(t: &Token) -> String {
        match &t.tok {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(Some(v)) => format!("`{v}`"),
            Tok::Int(None) => "a number".to_string(),
            Tok::Str(_) => "a string".to_string(),
            Tok::Char(_) => "a character literal".to_string(),
            Tok::Punct(p) => format!("`{p}`"),
            Tok::Error(m) => m.clone(),
            Tok::Eof => "end of file".to_string(),
        }
    }

    fn error_at(&mut self, span: Span, msg: impl Into<String>) {
        if self.aborted {
            return;
        }
        self.diags.push(Diagnostic::error(self.file, span, msg));
        if self.diags.len() >= MAX_ERRORS {
            self.abort(span, "too many errors; giving up");
        }
    }

    fn error_help(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        if self.aborted {
            return;
        }
        self.diags
            .push(Diagnostic::error(self.file, span, msg).with_help(help));
    }

    fn abort(&mut self, span: Span, msg: &str) {
        if !self.aborted {
            self.diags.push(Diagnostic::error(self.file, span, msg));
        }
        self.aborted = true;
        self.pos = self.toks.len().saturating_sub(1);
    }

    /// Reports "expected X, found Y" at the current token (lexer errors report their own text).
    fn expected(&mut self, what: &str) -> Bail {
        let t = self.tok();
        if let Tok::Error(m) = &t.tok {
            let m = m.clone();
            self.error_at(t.span, m);
        } else {
            let found = Self::describe(t);
            self.error_at(t.span, format!("expected {what}, found {found}"));
        }
        Bail
    }

    fn expect_punct(&mut self, p: &str) -> PResult<Span> {
        if self.is_punct(p) {
            Ok(self.bump().span)
        } else {
            Err(self.expected(&format!("`{p}`")))
        }
    }

    fn expect_ident(&mut self, what: &str) -> PResult<Ident> {
        match &self.tok().tok {
            Tok::Ident(s) if !is_reserved(s) => {
                let t = self.bump();
                Ok(Ident {
                    name: s.clone(),
                    span: t.span,
                })
            }
            _ => Err(self.expected(what)),
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let span = self.tok().span;
            self.abort(
                span,
                &format!(
                    "nesting too deep (more than {MAX_DEPTH} levels of statements and expressions)"
                ),
            );
            return Err(Bail);
        }
        if self.aborted {
            return Err(Bail);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ---- comments ------------------------------------------------------------------

    /// Comments between the previous token and the current one.
    fn leading_comments(&mut self) -> Vec<Comment> {
        let prev_end = if self.pos == 0 {
            0
        } else {
            self.prev_span().end()
        };
        let cur = self.tok().span.offset;
        let mut out = Vec::new();
        while let Some(c) = self.comments.get(self.cpos) {
            if c.span.offset >= cur {
                break;
            }
            if c.span.offset >= prev_end {
                out.push(c.clone());
            }
            self.cpos += 1;
        }
        out
    }

    /// A comment starting on `line` after the previous token and before the current one.
    fn trailing_comment(&mut self, line: u32) -> Option<Comment> {
        let prev_end = self.prev_span().end();
        let cur = self.tok().span.offset;
        while let Some(c) = self.comments.get(self.cpos) {
            if c.span.offset < prev_end {
                self.cpos += 1;
                continue;
            }
            if c.span.offset < cur && c.span.line == line {
                self.cpos += 1;
                return Some(c.clone());
            }
            return None;
        }
        None
    }

    // ---- recovery --------------------------------------------------------------------

    /// Skips to just after the next `;` at this nesting level, or to (not past) a `}`
    /// that closes the enclosing block.
    fn recover_stmt(&mut self) {
        let mut depth = 0i32;
        let start = self.pos;
        while !self.at_eof() {
            if self.is_punct("{") || self.is_punct("(") {
                depth += 1;
            } else if self.is_punct(")") {
                depth -= 1;
            } else if self.is_punct("}") {
                if depth <= 0 {
                    if self.pos == start {
                        // Nothing consumed yet: let the block loop see the brace.
                    }
                    return;
                }
                depth -= 1;
                if depth == 0 {
                    self.bump();
                    return;
                }
            } else if self.is_punct(";") && depth <= 0 {
                self.bump();
                return;
            }
            self.bump();
        }
    }

    /// Skips the rest of a top-level item: to after a `;` at depth 0 or a `}` closing depth 1.
    fn recover_item(&mut self) {
        let mut depth = 0i32;
        let start = self.pos;
        while !self.at_eof() {
            if self.is_punct("{") {
                depth += 1;
            } else if self.is_punct("}") {
                depth -= 1;
                if depth <= 0 {
                    self.bump();
                    return;
                }
            } else if self.is_punct(";") && depth <= 0 {
                self.bump();
                return;
            } else if depth <= 0 && self.pos > start && self.tok().line_start && self.starts_item()
            {
                return;
            }
            self.bump();
        }
    }

    fn starts_item(&self) -> bool {
        match self.word() {
            Some(w) => {
                TaskKind::from_keyword(w).is_some()
                    || LOCK_WORDS.iter().any(|(k, _)| *k == w)
                    || w == "DEFINE_DEVICE"
                    || TYPE_WORDS.contains(&w)
                    || QUALIFIERS.contains(&w)
            }
            None => false,
        }
    }

    // ---- items -----------------------------------------------------------------------

    fn file_items(&mut self) {
        while !self.at_eof() && !self.aborted {
            let before = self.pos;
            let comments = Attached {
                leading: self.leading_comments(),
                trailing: None,
            };
            if self.item(comments).is_err() {
                self.recover_item();
            }
            if self.pos == before {
                // Always make progress.
                self.bump();
            }
        }
    }

    fn item(&mut self, mut comments: Attached) -> PResult<()> {
        let t = self.tok();
        if self.eat_punct(";") {
            return Ok(());
        }
        if self.is_punct("#") {
            self.preprocessor_line();
            return Ok(());
        }
        let Some(w) = self.word() else {
            return Err(self.expected(
                "a declaration (a function, a task such as `SYSCALL(name)`, a lock or a global)",
            ));
        };
        if let Some(kind) = TaskKind::from_keyword(w) {
            return self.task(kind, comments);
        }
        if let Some((_, kind)) = LOCK_WORDS.iter().find(|(k, _)| *k == w) {
            self.bump();
            let name = self.paren_name("a lock name")?;
            let attrs = self.attrs()?;
            self.expect_punct(";")?;
            comments.trailing = self.trailing_comment(self.prev_span().line);
            self.scenario.locks.push(LockDecl {
                kind: *kind,
                name,
                taken_by_fs_reclaim: false,
                taken_by_reclaim: false,
                attrs,
                span: t.span.to(self.prev_span()),
                comments,
            });
            return Ok(());
        }
        if w == "DEFINE_DEVICE" {
            self.bump();
            let name = self.paren_name("a device name")?;
            let attrs = self.attrs()?;
            self.expect_punct(";")?;
            comments.trailing = self.trailing_comment(self.prev_span().line);
            self.scenario.devices.push(DeviceDecl {
                name,
                runtime_suspended: false,
                memalloc_noio: false,
                backing_store: false,
                parent: None,
                resume: None,
                attrs,
                span: t.span.to(self.prev_span()),
                comments,
            });
            return Ok(());
        }
        if w == "typedef" || w == "enum" || w == "union" {
            let s = self.tok().span;
            self.error_at(s, format!("`{w}` is not supported in scenarios"));
            return Err(Bail);
        }
        // A function or a global: qualifiers, type, name.
        let mut qualifiers = Vec::new();
        while let Some(q) = self.word().filter(|w| QUALIFIERS.contains(w)) {
            let s = self.bump().span;
            qualifiers.push(Ident {
                name: q.to_string(),
                span: s,
            });
        }
        if !self.starts_type() {
            let found = Self::describe(self.tok());
            let s = self.tok().span;
            if matches!(self.tok().tok, Tok::Ident(_))
                && matches!(self.peek(1).tok, Tok::Punct("("))
            {
                self.error_help(
                    s,
                    format!("expected a declaration, found {found}"),
                    "statements belong inside a function or a task body such as `SYSCALL(name) { ... }`",
                );
            } else {
                self.error_at(s, format!("expected a declaration, found {found}"));
            }
            return Err(Bail);
        }
        let ty = self.parse_type()?;
        let ty = self.pointer_stars(ty);
        let name = self.expect_ident("a name")?;
        if self.is_punct("(") {
            return self.function(qualifiers, ty, name, comments);
        }
        // Global variable.
        let init = if self.eat_punct("=") {
            Some(self.expr()?)
        } else {
            None
        };
        if self.is_punct(",") {
            let s = self.tok().span;
            self.error_at(s, "declare one global per line");
            return Err(Bail);
        }
        self.expect_punct(";")?;
        comments.trailing = self.trailing_comment(self.prev_span().line);
        let span = ty.span.to(self.prev_span());
        self.scenario.globals.push(Global {
            ty,
            name,
            init,
            span,
            comments,
        });
        Ok(())
    }

    /// `#include ...` lines are ignored; other directives are errors.
    fn preprocessor_line(&mut self) {
        let hash = self.bump().span;
        let line = hash.line;
        let directive = self.word().unwrap_or("").to_string();
        while !self.at_eof() && self.tok().span.line == line {
            self.bump();
        }
        if directive != "include" {
            self.error_help(
                hash,
                format!("preprocessor directive `#{directive}` is not supported"),
                "only `#include` lines are accepted (and ignored); write constants out",
            );
        }
    }

    fn paren_name(&mut self, what: &str) -> PResult<Ident> {
        self.expect_punct("(")?;
        let name = self.expect_ident(what)?;
        self.expect_punct(")")?;
        Ok(name)
    }

    /// `__word` or `__word(args)` annotations.
    fn attrs(&mut self) -> PResult<Vec<Attr>> {
        let mut out = Vec::new();
        while let Some(w) = self.word().filter(|w| w.starts_with("__")) {
            let start = self.bump().span;
            let name = Ident {
                name: w.to_string(),
                span: start,
            };
            let args = if self.eat_punct("(") {
                let mut args = Vec::new();
                if !self.is_punct(")") {
                    loop {
                        args.push(self.assign_expr()?);
                        if !self.eat_punct(",") {
                            break;
                        }
                    }
                }
                self.expect_punct(")")?;
                Some(args)
            } else {
                None
            };
            out.push(Attr {
                name,
                args,
                span: start.to(self.prev_span()),
            });
        }
        Ok(out)
    }

    fn task(&mut self, kind: TaskKind, mut comments: Attached) -> PResult<()> {
        let kw = self.bump().span;
        let name = self.paren_name("a task name")?;
        let attrs = self.attrs()?;
        if !self.is_punct("{") {
            return Err(self.expected(&format!(
                "`{{` to start the body of {}({})",
                kind.keyword(),
                name.name
            )));
        }
        let open_line = self.tok().span.line;
        self.bump();
        if comments.trailing.is_none() {
            comments.trailing = self.trailing_comment(open_line);
        }
        let body = self.block_rest(self.prev_span())?;
        let span = kw.to(self.prev_span());
        let entry = Function {
            name: name.clone(),
            ret: Type {
                base: BaseType::Int,
                pointer: 0,
                span: kw,
            },
            params: Vec::new(),
            body,
            slots: Vec::new(),
            qualifiers: Vec::new(),
            span,
            comments: Attached::default(),
        };
        self.scenario.tasks.push(TaskDecl {
            kind,
            name,
            flags: 0,
            flag_names: Vec::new(),
            pid: None,
            comm: None,
            cpu: None,
            start: None,
            idle: false,
            attrs,
            entry,
            span,
            comments,
        });
        Ok(())
    }

    fn function(
        &mut self,
        qualifiers: Vec<Ident>,
        ret: Type,
        name: Ident,
        mut comments: Attached,
    ) -> PResult<()> {
        self.expect_punct("(")?;
        let mut params = Vec::new();
        let void_only = self.is_word("void") && matches!(self.peek(1).tok, Tok::Punct(")"));
        if void_only {
            self.bump();
        } else if !self.is_punct(")") {
            loop {
                if !self.starts_type() {
                    return Err(self.expected("a parameter type"));
                }
                let ty = self.parse_type()?;
                let ty = self.pointer_stars(ty);
                let pname = if let Some(Tok::Ident(s)) = Some(&self.tok().tok)
                    && !is_reserved(s)
                {
                    let t = self.bump();
                    Ident {
                        name: s.clone(),
                        span: t.span,
                    }
                } else {
                    // Unnamed parameter: only valid in a prototype.
                    Ident {
                        name: String::new(),
                        span: ty.span,
                    }
                };
                params.push(Param { ty, name: pname });
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        self.expect_punct(")")?;
        // Attributes after the parameter list are accepted and ignored.
        let _ = self.attrs()?;
        if self.eat_punct(";") {
            // A prototype: nothing to record (definitions may come in any order).
            return Ok(());
        }
        if !self.is_punct("{") {
            return Err(self.expected("`{` to start the function body (or `;` for a prototype)"));
        }
        for p in &params {
            if p.name.name.is_empty() {
                let s = p.ty.span;
                self.error_at(s, "parameter needs a name in a function definition");
            }
        }
        let open_line = self.tok().span.line;
        self.bump();
        if comments.trailing.is_none() {
            comments.trailing = self.trailing_comment(open_line);
        }
        let body = self.block_rest(self.prev_span())?;
        let span = qualifiers
            .first()
            .map_or(ret.span, |q| q.span)
            .to(self.prev_span());
        self.scenario.functions.push(Function {
            name,
            ret,
            params,
            body,
            slots: Vec::new(),
            qualifiers,
            span,
            comments,
        });
        Ok(())
    }

    // ---- types -----------------------------------------------------------------------

    fn starts_type(&self) -> bool {
        self.word().is_some_and(|w| TYPE_WORDS.contains(&w))
    }

    /// Parses a base type (no `*`).
    fn parse_type(&mut self) -> PResult<Type> {
        let start = self.tok().span;
        let mut words: Vec<&str> = Vec::new();
        let mut struct_name = None;
        while let Some(w) = self.word() {
            if w == "const" || w == "volatile" {
                self.bump();
                continue;
            }
            if w == "struct" {
                if !words.is_empty() || struct_name.is_some() {
                    break;
                }
                self.bump();
                let n = self.expect_ident("a struct name")?;
                struct_name = Some(n.name);
                continue;
            }
            if !TYPE_WORDS.contains(&w) || struct_name.is_some() {
                break;
            }
            // `size_t`, `gfp_t`, ... stand alone.
            let single = !matches!(w, "signed" | "unsigned" | "short" | "long" | "int" | "char");
            if single && !words.is_empty() {
                break;
            }
            words.push(w);
            self.bump();
            if single {
                break;
            }
        }
        let span = start.to(self.prev_span());
        let base = if let Some(n) = struct_name {
            BaseType::Struct(n)
        } else if let Some(b) = base_type(&words) {
            b
        } else {
            self.error_at(span, format!("unknown type `{}`", words.join(" ")));
            return Err(Bail);
        };
        Ok(Type {
            base,
            pointer: 0,
            span,
        })
    }

    fn pointer_stars(&mut self, mut ty: Type) -> Type {
        while self.is_punct("*") {
            self.bump();
            ty.pointer = ty.pointer.saturating_add(1);
            while self.is_word("const") {
                self.bump();
            }
        }
        ty.span = ty.span.to(self.prev_span());
        ty
    }

    // ---- statements --------------------------------------------------------------------

    /// Parses statements up to and including the `}` (the `{` is already consumed).
    fn block_rest(&mut self, open: Span) -> PResult<Block> {
        let mut stmts = Vec::new();
        loop {
            if self.aborted {
                return Err(Bail);
            }
            if self.is_punct("}") {
                let trailing_comments = self.leading_comments();
                let close = self.bump().span;
                return Ok(Block {
                    stmts,
                    span: open.to(close),
                    trailing_comments,
                });
            }
            if self.at_eof() {
                self.error_at(open, "unclosed `{`");
                return Err(Bail);
            }
            let before = self.pos;
            if let Ok(s) = self.stmt() {
                stmts.push(s);
            } else {
                self.recover_stmt();
                if self.pos == before && !self.is_punct("}") {
                    self.bump();
                }
            }
        }
    }

    fn new_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        self.enter()?;
        let r = self.stmt_inner();
        self.leave();
        r
    }

    fn stmt_inner(&mut self) -> PResult<Stmt> {
        let leading = self.leading_comments();
        let start = self.tok().span;
        let id = self.new_id();
        let kind = self.stmt_kind()?;
        let span = start.to(self.prev_span());
        // A trailing comment sits on the statement's last line (for `if (x) {` blocks,
        // the comment after `{` was already taken by the inner statement list).
        let trailing = self.trailing_comment(self.prev_span().line);
        Ok(Stmt {
            id,
            kind,
            span,
            comments: Attached { leading, trailing },
        })
    }

    fn stmt_kind(&mut self) -> PResult<StmtKind> {
        if self.is_punct("{") {
            let open = self.bump().span;
            return Ok(StmtKind::Block(self.block_rest(open)?));
        }
        if self.eat_punct(";") {
            return Ok(StmtKind::Empty);
        }
        if let Some(w) = self.word() {
            match w {
                "if" => {
                    self.bump();
                    self.expect_punct("(")?;
                    let cond = self.expr()?;
                    self.expect_punct(")")?;
                    let then = Box::new(self.stmt()?);
                    let els = if self.is_word("else") {
                        self.bump();
                        Some(Box::new(self.stmt()?))
                    } else {
                        None
                    };
                    return Ok(StmtKind::If { cond, then, els });
                }
                "while" => {
                    self.bump();
                    self.expect_punct("(")?;
                    let cond = self.expr()?;
                    self.expect_punct(")")?;
                    let body = Box::new(self.stmt()?);
                    return Ok(StmtKind::While { cond, body });
                }
                "do" => {
                    self.bump();
                    let body = Box::new(self.stmt()?);
                    if !self.is_word("while") {
                        return Err(self.expected("`while` after the `do` body"));
                    }
                    self.bump();
                    self.expect_punct("(")?;
                    let cond = self.expr()?;
                    self.expect_punct(")")?;
                    self.expect_semi_after_expr()?;
                    return Ok(StmtKind::DoWhile { body, cond });
                }
                "for" => return self.for_stmt(),
                "return" => {
                    self.bump();
                    let value = if self.is_punct(";") {
                        None
                    } else {
                        Some(self.expr()?)
                    };
                    self.expect_semi_after_expr()?;
                    return Ok(StmtKind::Return(value));
                }
                "break" | "continue" => {
                    self.bump();
                    self.expect_semi_after_expr()?;
                    return Ok(if w == "break" {
                        StmtKind::Break
                    } else {
                        StmtKind::Continue
                    });
                }
                "else" => {
                    let s = self.tok().span;
                    self.error_at(s, "`else` without a matching `if`");
                    return Err(Bail);
                }
                "goto" | "switch" | "case" | "default" | "asm" => {
                    let s = self.tok().span;
                    self.error_help(
                        s,
                        format!("`{w}` is not supported in scenarios"),
                        "use `if`/`else` and `return` instead",
                    );
                    return Err(Bail);
                }
                _ => {}
            }
            if self.starts_type() || QUALIFIERS.contains(&w) {
                return self.decl_stmt();
            }
        }
        let e = self.expr()?;
        self.expect_semi_after_expr()?;
        Ok(StmtKind::Expr(e))
    }

    fn expect_semi_after_expr(&mut self) -> PResult<()> {
        if self.is_punct(";") {
            self.bump();
            return Ok(());
        }
        // Point at the end of the previous token: "expected `;`" is about the gap.
        let prev = self.prev_span();
        let found = Self::describe(self.tok());
        let at = Span {
            offset: prev.end(),
            len: 0,
            line: prev.line,
            col: prev.col + prev.len,
        };
        if self.tok().span.line == prev.line {
            let s = self.tok().span;
            self.error_at(s, format!("expected `;`, found {found}"));
            Err(Bail)
        } else {
            // The statement ended at the line break: report and carry on as if the
            // `;` were there, so the next line is still parsed and checked.
            self.error_at(at, "expected `;` at the end of the statement");
            Ok(())
        }
    }

    fn decl_stmt(&mut self) -> PResult<StmtKind> {
        while self.word().is_some_and(|w| QUALIFIERS.contains(&w)) {
            self.bump();
        }
        let base = self.parse_type()?;
        let mut decls = Vec::new();
        loop {
            let ty = self.pointer_stars(base.clone());
            let name = self.expect_ident("a variable name")?;
            if self.is_punct("[") {
                let s = self.tok().span;
                self.error_at(s, "arrays are not supported in scenarios");
                return Err(Bail);
            }
            let init = if self.eat_punct("=") {
                Some(self.assign_expr()?)
            } else {
                None
            };
            decls.push(Declarator {
                ty,
                name,
                init,
                slot: 0,
            });
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_semi_after_expr()?;
        Ok(StmtKind::Decl(decls))
    }

    fn for_stmt(&mut self) -> PResult<StmtKind> {
        let kw = self.bump().span;
        self.expect_punct("(")?;
        let init = if self.eat_punct(";") {
            None
        } else {
            let id = self.new_id();
            let start = self.tok().span;
            let kind = if self.starts_type() {
                self.decl_stmt()?
            } else {
                let e = self.expr()?;
                self.expect_punct(";")?;
                StmtKind::Expr(e)
            };
            Some(Box::new(Stmt {
                id,
                kind,
                span: start.to(self.prev_span()),
                comments: Attached::default(),
            }))
        };
        let cond = if self.is_punct(";") {
            None
        } else {
            Some(self.expr()?)
        };
        self.expect_punct(";")?;
        let step = if self.is_punct(")") {
            None
        } else {
            Some(self.expr()?)
        };
        self.expect_punct(")")?;
        let _ = kw;
        let body = Box::new(self.stmt()?);
        Ok(StmtKind::For {
            init,
            cond,
            step,
            body,
        })
    }

    // ---- expressions -------------------------------------------------------------------

    /// Full expression (comma operator not supported).
    fn expr(&mut self) -> PResult<Expr> {
        self.assign_expr()
    }

    fn assign_expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.assign_inner();
        self.leave();
        r
    }

    fn assign_inner(&mut self) -> PResult<Expr> {
        let lhs = self.ternary()?;
        let op = match &self.tok().tok {
            Tok::Punct(p) => match *p {
                "=" => Some(AssignOp::Set),
                "+=" => Some(AssignOp::Compound(BinaryOp::Add)),
                "-=" => Some(AssignOp::Compound(BinaryOp::Sub)),
                "*=" => Some(AssignOp::Compound(BinaryOp::Mul)),
                "/=" => Some(AssignOp::Compound(BinaryOp::Div)),
                "%=" => Some(AssignOp::Compound(BinaryOp::Rem)),
                "&=" => Some(AssignOp::Compound(BinaryOp::BitAnd)),
                "|=" => Some(AssignOp::Compound(BinaryOp::BitOr)),
                "^=" => Some(AssignOp::Compound(BinaryOp::BitXor)),
                "<<=" => Some(AssignOp::Compound(BinaryOp::Shl)),
                ">>=" => Some(AssignOp::Compound(BinaryOp::Shr)),
                _ => None,
            },
            _ => None,
        };
        let Some(op) = op else { return Ok(lhs) };
        self.bump();
        if !matches!(lhs.kind, ExprKind::Name(_)) {
            self.error_at(lhs.span, "only a variable can be assigned to");
            return Err(Bail);
        }
        let value = self.assign_expr()?;
        let span = lhs.span.to(value.span);
        Ok(Expr {
            kind: ExprKind::Assign {
                op,
                target: Box::new(lhs),
                value: Box::new(value),
            },
            span,
        })
    }

    fn ternary(&mut self) -> PResult<Expr> {
        let cond = self.binary(0)?;
        if !self.eat_punct("?") {
            return Ok(cond);
        }
        let then = self.assign_expr()?;
        self.expect_punct(":")?;
        let els = self.assign_expr()?;
        let span = cond.span.to(els.span);
        Ok(Expr {
            kind: ExprKind::Ternary {
                cond: Box::new(cond),
                then: Box::new(then),
                els: Box::new(els),
            },
            span,
        })
    }

    /// Precedence climbing over the binary operators; `min` is the lowest level accepted.
    fn binary(&mut self, min: u8) -> PResult<Expr> {
        self.enter()?;
        let r = self.binary_inner(min);
        self.leave();
        r
    }

    fn binary_inner(&mut self, min: u8) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        while let Some((op, prec)) = self.binop() {
            if prec < min {
                break;
            }
            self.bump();
            let rhs = self.binary(prec + 1)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            };
        }
        Ok(lhs)
    }

    fn binop(&self) -> Option<(BinaryOp, u8)> {
        let Tok::Punct(p) = &self.tok().tok else {
            return None;
        };
        Some(match *p {
            "||" => (BinaryOp::LogOr, 0),
            "&&" => (BinaryOp::LogAnd, 1),
            "|" => (BinaryOp::BitOr, 2),
            "^" => (BinaryOp::BitXor, 3),
            "&" => (BinaryOp::BitAnd, 4),
            "==" => (BinaryOp::Eq, 5),
            "!=" => (BinaryOp::Ne, 5),
            "<" => (BinaryOp::Lt, 6),
            "<=" => (BinaryOp::Le, 6),
            ">" => (BinaryOp::Gt, 6),
            ">=" => (BinaryOp::Ge, 6),
            "<<" => (BinaryOp::Shl, 7),
            ">>" => (BinaryOp::Shr, 7),
            "+" => (BinaryOp::Add, 8),
            "-" => (BinaryOp::Sub, 8),
            "*" => (BinaryOp::Mul, 9),
            "/" => (BinaryOp::Div, 9),
            "%" => (BinaryOp::Rem, 9),
            _ => return None,
        })
    }

    fn unary(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.unary_inner();
        self.leave();
        r
    }

    fn unary_inner(&mut self) -> PResult<Expr> {
        let start = self.tok().span;
        let op = match &self.tok().tok {
            Tok::Punct(p) => match *p {
                "-" => Some(UnaryOp::Neg),
                "+" => Some(UnaryOp::Plus),
                "!" => Some(UnaryOp::Not),
                "~" => Some(UnaryOp::BitNot),
                "&" => Some(UnaryOp::AddrOf),
                "*" => Some(UnaryOp::Deref),
                "++" | "--" => {
                    let inc = *p == "++";
                    self.bump();
                    let target = self.unary()?;
                    self.check_lvalue(&target)?;
                    let span = start.to(target.span);
                    return Ok(Expr {
                        kind: ExprKind::IncDec {
                            op: if inc {
                                IncDecOp::PreInc
                            } else {
                                IncDecOp::PreDec
                            },
                            target: Box::new(target),
                        },
                        span,
                    });
                }
                "(" if self.peek_is_type(1) => {
                    self.bump();
                    let ty = self.parse_type()?;
                    let ty = self.pointer_stars(ty);
                    self.expect_punct(")")?;
                    let expr = self.unary()?;
                    let span = start.to(expr.span);
                    return Ok(Expr {
                        kind: ExprKind::Cast {
                            ty,
                            expr: Box::new(expr),
                        },
                        span,
                    });
                }
                _ => None,
            },
            Tok::Ident(w) if w == "sizeof" => {
                self.bump();
                let arg = if self.is_punct("(") && self.peek_is_type(1) {
                    self.bump();
                    let ty = self.parse_type()?;
                    let ty = self.pointer_stars(ty);
                    self.expect_punct(")")?;
                    SizeofArg::Type(ty)
                } else {
                    SizeofArg::Expr(self.unary()?)
                };
                return Ok(Expr {
                    kind: ExprKind::Sizeof(Box::new(arg)),
                    span: start.to(self.prev_span()),
                });
            }
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let operand = self.unary()?;
            let span = start.to(operand.span);
            return Ok(Expr {
                kind: ExprKind::Unary {
                    op,
                    operand: Box::new(operand),
                },
                span,
            });
        }
        self.postfix()
    }

    fn peek_is_type(&self, n: usize) -> bool {
        matches!(&self.peek(n).tok, Tok::Ident(w) if TYPE_WORDS.contains(&w.as_str()))
    }

    fn check_lvalue(&mut self, e: &Expr) -> PResult<()> {
        if matches!(e.kind, ExprKind::Name(_)) {
            Ok(())
        } else {
            self.error_at(e.span, "only a variable can be incremented or decremented");
            Err(Bail)
        }
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        loop {
            if self.is_punct("++") || self.is_punct("--") {
                let inc = self.is_punct("++");
                self.check_lvalue(&e)?;
                let end = self.bump().span;
                let span = e.span.to(end);
                e = Expr {
                    kind: ExprKind::IncDec {
                        op: if inc {
                            IncDecOp::PostInc
                        } else {
                            IncDecOp::PostDec
                        },
                        target: Box::new(e),
                    },
                    span,
                };
            } else if self.is_punct("->") || self.is_punct(".") {
                let s = self.tok().span;
                self.error_help(
                    s,
                    "struct members are not modelled in scenarios",
                    "declare what you need by name, e.g. `DEFINE_SPINLOCK(rxq_lock);` and `spin_lock(&rxq_lock);`",
                );
                return Err(Bail);
            } else if self.is_punct("[") {
                let s = self.tok().span;
                self.error_at(s, "arrays are not supported in scenarios");
                return Err(Bail);
            } else if self.is_punct("(") {
                let s = self.tok().span;
                self.error_at(s, "only a function name can be called");
                return Err(Bail);
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.tok();
        match &t.tok {
            Tok::Int(Some(v)) | Tok::Char(v) => {
                self.bump();
                Ok(Expr {
                    kind: ExprKind::Int(*v),
                    span: t.span,
                })
            }
            Tok::Int(None) => {
                self.error_at(t.span, "integer literal too large (the limit is 2^63 - 1)");
                self.bump();
                Err(Bail)
            }
            Tok::Str(s) => {
                self.bump();
                let mut s = s.clone();
                let mut span = t.span;
                // Adjacent string literals concatenate, as in C.
                while let Tok::Str(more) = &self.tok().tok {
                    s.push_str(more);
                    span = span.to(self.bump().span);
                }
                Ok(Expr {
                    kind: ExprKind::Str(s),
                    span,
                })
            }
            Tok::Punct("(") => {
                self.bump();
                let inner = self.expr()?;
                let close = self.expect_punct(")")?;
                Ok(Expr {
                    kind: inner.kind,
                    span: t.span.to(close),
                })
            }
            Tok::Ident(w) => {
                let kind = match w.as_str() {
                    "NULL" => Some(ExprKind::Null),
                    "true" => Some(ExprKind::Bool(true)),
                    "false" => Some(ExprKind::Bool(false)),
                    _ => None,
                };
                if let Some(kind) = kind {
                    self.bump();
                    return Ok(Expr { kind, span: t.span });
                }
                if is_reserved(w) {
                    return Err(self.expected("an expression"));
                }
                if w == "current" && matches!(self.peek(1).tok, Tok::Punct("->")) {
                    return self.current_member();
                }
                self.bump();
                let ident = Ident {
                    name: w.clone(),
                    span: t.span,
                };
                if self.is_punct("(") {
                    self.bump();
                    let mut args = Vec::new();
                    if !self.is_punct(")") {
                        loop {
                            args.push(self.assign_expr()?);
                            if !self.eat_punct(",") {
                                break;
                            }
                        }
                    }
                    let close = self.expect_punct(")")?;
                    return Ok(Expr {
                        kind: ExprKind::Call(Call {
                            name: ident,
                            args,
                            callee: Callee::Unresolved,
                        }),
                        span: t.span.to(close),
                    });
                }
                Ok(Expr {
                    kind: ExprKind::Name(NameRef {
                        ident,
                        res: Res::Unresolved,
                    }),
                    span: t.span,
                })
            }
            _ => Err(self.expected("an expression")),
        }
    }
}

impl Parser<'_> {
    /// `current->flags`: read-only access to the running task's PF_* flags, represented
    /// as a call to the `current->flags` builtin.
    fn current_member(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        self.bump(); // `->`
        if !self.is_word("flags") {
            let s = self.tok().span;
            self.error_help(
                s,
                "only `current->flags` is modelled",
                "other task_struct fields are not part of the model",
            );
            return Err(Bail);
        }
        let end = self.bump().span;
        let span = start.to(end);
        if matches!(&self.tok().tok, Tok::Punct(p) if p.ends_with('=') && !matches!(*p, "==" | "<=" | ">=" | "!="))
        {
            let s = self.tok().span;
            self.error_help(
                s,
                "`current->flags` is read-only in scenarios",
                "set and clear PF_MEMALLOC* bits with memalloc_flags_save()/memalloc_flags_restore()",
            );
            return Err(Bail);
        }
        Ok(Expr {
            kind: ExprKind::Call(Call {
                name: Ident {
                    name: "current->flags".to_string(),
                    span,
                },
                args: Vec::new(),
                callee: Callee::Unresolved,
            }),
            span,
        })
    }
}

/// Keywords that cannot be names.
fn is_reserved(w: &str) -> bool {
    matches!(
        w,
        "if" | "else"
            | "while"
            | "do"
            | "for"
            | "return"
            | "break"
            | "continue"
            | "goto"
            | "switch"
            | "case"
            | "default"
            | "sizeof"
            | "typedef"
            | "enum"
            | "union"
    ) || TYPE_WORDS.contains(&w)
        || QUALIFIERS.contains(&w)
}

fn base_type(words: &[&str]) -> Option<BaseType> {
    let mut sorted: Vec<&str> = words.iter().copied().filter(|w| *w != "signed").collect();
    if sorted.is_empty() && !words.is_empty() {
        return Some(BaseType::Int);
    }
    // No spelling below has more than four words; four words sort by insertion (the
    // standard sort would add its own instance for `&str` to the wasm for this one use).
    if sorted.len() > 4 {
        return None;
    }
    for i in 1..sorted.len() {
        let mut j = i;
        while j > 0 && sorted[j - 1] > sorted[j] {
            sorted.swap(j - 1, j);
            j -= 1;
        }
    }
    Some(match sorted.as_slice() {
        ["void"] => BaseType::Void,
        ["bool" | "_Bool"] => BaseType::Bool,
        ["char"] | ["char", "unsigned"] => BaseType::Char,
        ["int" | "short"] | ["int", "short"] => BaseType::Int,
        ["unsigned"] | ["int" | "short", "unsigned"] => BaseType::UnsignedInt,
        ["long" | "ssize_t"] | ["int", "long"] => BaseType::Long,
        ["long", "unsigned"] | ["int", "long", "unsigned"] | ["pgoff_t"] => BaseType::UnsignedLong,
        ["long", "long"] | ["int", "long", "long"] | ["loff_t"] => BaseType::LongLong,
        ["long", "long", "unsigned"] | ["int", "long", "long", "unsigned"] => {
            BaseType::UnsignedLongLong
        }
        ["size_t"] => BaseType::SizeT,
        ["gfp_t"] => BaseType::GfpT,
        ["slab_flags_t"] => BaseType::SlabFlagsT,
        ["u8" | "s8"] => BaseType::U8,
        ["u16" | "s16"] => BaseType::U16,
        ["u32"] => BaseType::U32,
        ["u64"] => BaseType::U64,
        ["s32"] => BaseType::S32,
        ["s64"] => BaseType::S64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
