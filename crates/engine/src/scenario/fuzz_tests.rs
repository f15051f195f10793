//! No input may panic the lexer, parser, checker or highlighter (issue 6).

use proptest::prelude::*;

use crate::scenario::{diag, highlight, parse_with_warnings};

/// Parses, checks, highlights and renders every diagnostic; asserts basic sanity.
fn exercise(src: &str) {
    let (_, diags) = parse_with_warnings("fuzz.c", src);
    for d in &diags {
        assert!(d.line >= 1 && d.col >= 1, "{d:?}");
        assert!(d.span.end() as usize <= src.len(), "{d:?}");
        let text = d.render(src);
        assert!(text.starts_with(&format!("fuzz.c:{}:{}: ", d.line, d.col)));
    }
    let _ = diag::render_all(&diags, src);
    let h = highlight(src);
    for (span, _) in &h {
        assert!(span.end() as usize <= src.len());
    }
}

const VOCAB: &[&str] = &[
    "SYSCALL",
    "KTHREAD",
    "IRQ_HANDLER",
    "NAPI_POLL",
    "WORKQUEUE",
    "SOFTIRQ",
    "DEFINE_MUTEX",
    "DEFINE_SPINLOCK",
    "DEFINE_DEVICE",
    "__flags",
    "__pid",
    "__idle",
    "__taken_by_fs_reclaim",
    "__parent",
    "__resume",
    "int",
    "void",
    "unsigned",
    "long",
    "gfp_t",
    "struct",
    "kmem_cache",
    "page",
    "*",
    "&",
    "|",
    "~",
    "!",
    "(",
    ")",
    "{",
    "}",
    ";",
    ",",
    "=",
    "|=",
    "++",
    "--",
    "if",
    "else",
    "for",
    "while",
    "do",
    "return",
    "break",
    "continue",
    "sizeof",
    "NULL",
    "0",
    "1",
    "4096",
    "0x10",
    "\"s\"",
    "-",
    "+",
    "<",
    "<=",
    "==",
    "?",
    ":",
    "GFP_KERNEL",
    "GFP_NOFS",
    "__GFP_NOFAIL",
    "GFP_KERNL",
    "PF_MEMALLOC",
    "ENOMEM",
    "kmalloc",
    "kfree",
    "kmem_cache_create",
    "kmem_cache_alloc",
    "memalloc_nofs_save",
    "memalloc_nofs_restore",
    "spin_lock",
    "mutex_lock",
    "queue_work",
    "pm_runtime_get_sync",
    "x",
    "y",
    "f",
    "t",
    "m",
    "/* c */",
    "// c\n",
    "\n",
    "#include <x>\n",
    "#define X\n",
    "'a'",
    "->",
    ".",
    "[",
    "]",
    "/*",
    "\"",
    "@",
    "é",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCAB), 0..200).prop_map(|v| v.join(" "))
}

/// A valid scenario, to mutate.
const BASE: &str = r#"/*
 * title: base
 * pressure: page_cache 50%, anon 20%
 */
struct kmem_cache *c = kmem_cache_create("c", 128, SLAB_RECLAIM_ACCOUNT);
DEFINE_MUTEX(m) __taken_by_fs_reclaim;
DEFINE_SPINLOCK(s);

int alloc_one(gfp_t gfp)
{
	void *p = kmem_cache_alloc(c, gfp);
	unsigned long flags;
	if (!p)
		return -ENOMEM;
	spin_lock_irqsave(&s, flags);
	spin_unlock_irqrestore(&s, flags);
	kmem_cache_free(c, p);
	return 0;
}

SYSCALL(t) __pid(10)
{
	int i;
	unsigned int nofs = memalloc_nofs_save();
	mutex_lock(&m);
	for (i = 0; i < 3; i++)
		alloc_one(GFP_KERNEL | __GFP_NOFAIL);
	mutex_unlock(&m);
	memalloc_nofs_restore(nofs);
	return 0;
}
"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_text_never_panics(s in "\\PC{0,400}") {
        exercise(&s);
    }

    #[test]
    fn token_soup_never_panics(s in token_soup()) {
        exercise(&s);
    }

    #[test]
    fn mutated_scenario_never_panics(
        cut in 0usize..BASE.len(),
        len in 0usize..40,
        insert in prop::sample::select(VOCAB),
    ) {
        let mut s = String::new();
        let cut = (0..=cut).rev().find(|i| BASE.is_char_boundary(*i)).unwrap_or(0);
        let end = (cut + len).min(BASE.len());
        let end = (end..=BASE.len()).find(|i| BASE.is_char_boundary(*i)).unwrap_or(BASE.len());
        s.push_str(&BASE[..cut]);
        s.push_str(insert);
        s.push_str(&BASE[end..]);
        exercise(&s);
    }
}

#[test]
fn base_is_valid() {
    let (_, d) = parse_with_warnings("base.c", BASE);
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn deep_nesting_through_the_checker() {
    for (open, close) in [
        ("(", ")"),
        ("{ ", "} "),
        ("if (1) { ", "} "),
        ("-", ""),
        ("!~", ""),
    ] {
        let mut src = String::from("SYSCALL(t) { int x = 0; ");
        let inner = if open.starts_with('(') || open.starts_with('-') || open.starts_with('!') {
            format!("x = {}1{};", open.repeat(10_000), close.repeat(10_000))
        } else {
            format!("{}x++;{}", open.repeat(10_000), close.repeat(10_000))
        };
        src.push_str(&inner);
        src.push_str(" return 0; }");
        let (_, d) = parse_with_warnings("deep.c", &src);
        assert!(
            d.iter().any(|d| d.message.contains("nesting too deep")),
            "{open}: {d:#?}"
        );
    }
}

#[test]
fn long_flat_input_is_fine() {
    // Long but shallow: many statements and a long `|` chain do not count as depth.
    let mut body = String::new();
    for _ in 0..2000 {
        body.push_str("kfree(kmalloc(8, GFP_KERNEL));\n");
    }
    let chain = vec!["__GFP_ZERO"; 500].join(" | ");
    let src = format!("SYSCALL(t) {{\n{body}kmalloc(8, GFP_KERNEL | {chain});\nreturn 0;\n}}\n");
    let (_, d) = parse_with_warnings("flat.c", &src);
    assert!(d.is_empty(), "{:?}", d.first());
}
