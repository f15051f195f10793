//! The built-in scenario library: kernel call chains from `shared/reference/scenarios.md`.
//!
//! Each file's settings header carries its title, its teaching point (`teaches:`) and its
//! source citation (`source:`); [`Entry`] reads them from there so the list and the files
//! cannot drift apart.

use crate::scenario::diag::LineIndex;
use crate::scenario::header::{Header, looks_like_header, parse_header};
use crate::scenario::lexer::lex;

/// One built-in scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Short name, also the file name without `.c` (`gfpscope run NAME`).
    pub name: &'static str,
    /// Section of `shared/reference/scenarios.md` it models.
    pub reference: &'static str,
    /// The scenario source.
    pub source: &'static str,
}

/// The scenario the app opens first: short, and shows a `memalloc_nofs_save()` scope
/// changing an allocation deep in a call chain.
pub const DEFAULT: &str = "xfs_create";

macro_rules! entry {
    ($name:literal, $reference:literal) => {
        Entry {
            name: $name,
            reference: $reference,
            source: include_str!(concat!("library/", $name, ".c")),
        }
    };
}

/// Every built-in scenario, the default first, then in reference order.
pub static LIBRARY: &[Entry] = &[
    entry!("xfs_create", "§2"),
    entry!("open_baseline", "§1"),
    entry!("xfs_create_noscope", "§2"),
    entry!("xfs_trans_roll_6_12", "§3"),
    entry!("xfs_trans_roll_6_1", "§3"),
    entry!("ext4_jbd2", "§4"),
    entry!("runtime_pm_resume", "§5"),
    entry!("usb_storage_reset", "§6"),
    entry!("usbnet_rx", "§7"),
    entry!("usbnet_rx_sleep_in_atomic", "§7"),
    entry!("virtio_net_refill", "§8"),
    entry!("nfs_rpciod", "§9"),
    entry!("loop_worker", "§10"),
    entry!("direct_reclaim_zswap", "§11"),
    entry!("xfs_nofail_in_reclaim", "§12"),
    entry!("thp_fault", "§13"),
    entry!("kvmalloc_fallback", "§14"),
    entry!("gfp_nofs_just_in_case", "§4, §16"),
];

/// Looks a built-in up by name (with or without a trailing `.c`).
#[must_use]
pub fn get(name: &str) -> Option<&'static Entry> {
    let name = name.strip_suffix(".c").unwrap_or(name);
    LIBRARY.iter().find(|e| e.name == name)
}

/// The default scenario.
#[must_use]
pub fn default_entry() -> &'static Entry {
    get(DEFAULT).unwrap_or(&LIBRARY[0])
}

impl Entry {
    /// The file name used in diagnostics and traces, e.g. `xfs_create.c`.
    #[must_use]
    pub fn file_name(&self) -> String {
        format!("{}.c", self.name)
    }

    /// The parsed settings header (defaults if the file has none).
    #[must_use]
    pub fn header(&self) -> Header {
        let index = LineIndex::new(self.source);
        let lexed = lex(self.source, &index);
        match (lexed.comments.first(), lexed.comment_bodies.first()) {
            (Some(c), Some((off, body))) if c.block && looks_like_header(body) => {
                let mut ignored = Vec::new();
                parse_header(
                    &self.file_name(),
                    self.source,
                    &index,
                    c.span,
                    *off,
                    body,
                    &mut ignored,
                )
            }
            _ => Header::default(),
        }
    }

    /// `title:` from the header.
    #[must_use]
    pub fn title(&self) -> String {
        self.header().title.unwrap_or_else(|| self.name.to_string())
    }

    /// `teaches:` from the header: the teaching point, one sentence.
    #[must_use]
    pub fn teaches(&self) -> String {
        self.header().teaches.unwrap_or_default()
    }

    /// `source:` from the header: files, kernel version, commits and threads.
    #[must_use]
    pub fn citation(&self) -> String {
        self.header().source.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Severity, parse_with_warnings};

    #[test]
    fn every_scenario_parses_and_checks_cleanly() {
        for e in LIBRARY {
            let (s, diags) = parse_with_warnings(&e.file_name(), e.source);
            let text: String = diags.iter().map(|d| d.render(e.source)).collect();
            assert!(diags.is_empty(), "{}:\n{text}", e.name);
            assert!(!s.tasks.is_empty(), "{}", e.name);
            assert!(diags.iter().all(|d| d.severity != Severity::Error));
        }
    }

    #[test]
    fn every_scenario_states_title_teaching_point_and_source() {
        for e in LIBRARY {
            let h = e.header();
            let title = h.title.unwrap_or_default();
            assert!(
                !title.is_empty() && title.len() <= 100,
                "{}: title `{title}`",
                e.name
            );
            let teaches = h.teaches.unwrap_or_default();
            assert!(teaches.len() > 40, "{}: teaches", e.name);
            // One sentence: no full stop followed by a new sentence.
            assert!(
                !teaches.contains(". ") && !teaches.ends_with('.'),
                "{}: teaches should be one sentence without a final stop",
                e.name
            );
            let source = h.source.unwrap_or_default();
            assert!(
                source.contains("reference/scenarios.md §"),
                "{}: cites the reference",
                e.name
            );
            assert!(
                source.contains('/') || source.contains("commit"),
                "{}: names a file or commit",
                e.name
            );
            assert!(
                h.pressure.page_cache.is_some(),
                "{}: under pressure",
                e.name
            );
            assert!(
                h.entries.iter().any(|x| x.key == "kernel"),
                "{}: kernel",
                e.name
            );
            assert!(
                h.entries.iter().any(|x| x.key == "seed"),
                "{}: seed",
                e.name
            );
        }
    }

    #[test]
    fn names_are_unique_and_the_default_exists() {
        let mut names: Vec<&str> = LIBRARY.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), LIBRARY.len());
        assert_eq!(default_entry().name, DEFAULT);
        assert_eq!(LIBRARY[0].name, DEFAULT);
        assert_eq!(get("xfs_create.c").map(|e| e.name), Some("xfs_create"));
        assert!(LIBRARY.len() >= 14);
    }

    /// Lines outside the header comment.
    fn body(src: &str) -> Vec<&str> {
        let end = src.find("*/").map_or(0, |i| i + 2);
        src[end..].lines().collect()
    }

    #[test]
    fn restore_semantics_variants_differ_only_in_the_header() {
        let (a, b) = (
            get("xfs_trans_roll_6_12").unwrap(),
            get("xfs_trans_roll_6_1").unwrap(),
        );
        let (ba, bb) = (body(a.source), body(b.source));
        let differing: Vec<_> = ba.iter().zip(&bb).filter(|(x, y)| x != y).collect();
        // Only the comment explaining what the inner save returns differs.
        assert_eq!(differing.len(), 1, "{differing:#?}");
        assert_eq!((a.header().kernel.major, a.header().kernel.minor), (6, 12));
        assert_eq!((b.header().kernel.major, b.header().kernel.minor), (6, 1));
    }

    #[test]
    fn the_hazard_variant_is_the_default_minus_its_scope() {
        let with = body(get("xfs_create").unwrap().source).join("\n");
        let without = body(get("xfs_create_noscope").unwrap().source).join("\n");
        assert!(with.contains("memalloc_nofs_save()"));
        assert!(!without.contains("= memalloc_nofs_save()"));
        assert!(!without.contains("memalloc_nofs_restore("));
        assert!(without.contains("mutex_lock(&xfs_ilock)"));
    }

    const DOC: &str = include_str!("../../../../docs/scenario-language.md");

    /// The fenced blocks of `docs/scenario-language.md` with the given info string.
    fn doc_blocks(lang: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur: Option<String> = None;
        for line in DOC.lines() {
            match &mut cur {
                None if line == format!("```{lang}") => cur = Some(String::new()),
                Some(_) if line == "```" => out.extend(cur.take()),
                Some(block) => {
                    block.push_str(line);
                    block.push('\n');
                }
                None => {}
            }
        }
        out
    }

    #[test]
    fn docs_cover_every_builtin_and_header_key() {
        for b in crate::scenario::builtins::BUILTINS {
            assert!(
                DOC.contains(&format!("`{}", b.name)),
                "docs miss builtin {}",
                b.name
            );
        }
        for k in crate::scenario::header::KEYS {
            assert!(
                DOC.contains(&format!("| `{k}` |")),
                "docs miss header key {k}"
            );
        }
        for e in LIBRARY {
            assert!(
                DOC.contains(&format!("| `{}` |", e.name)),
                "docs miss scenario {}",
                e.name
            );
        }
    }

    #[test]
    fn doc_examples_check_as_the_docs_say() {
        let blocks = doc_blocks("c");
        assert!(blocks.len() >= 5);
        let mut bad = 0;
        for (i, src) in blocks.iter().enumerate() {
            let (_, diags) = parse_with_warnings("my_driver.c", src);
            if src.contains("kernal:") {
                bad += 1;
                // The text block that follows in the docs, minus the CLI's summary line.
                let shown = doc_blocks("text")
                    .into_iter()
                    .find(|t| t.starts_with("my_driver.c:3:4:"))
                    .expect("the diagnostics example");
                let mut expected = String::new();
                for l in shown.lines().filter(|l| !l.ends_with(" errors")) {
                    expected.push_str(l);
                    expected.push('\n');
                }
                assert_eq!(crate::scenario::diag::render_all(&diags, src), expected);
            } else if src.contains("SYSCALL")
                || src.contains("WORKQUEUE")
                || src.contains("SOFTIRQ")
            {
                let text: String = diags.iter().map(|d| d.render(src)).collect();
                assert!(diags.is_empty(), "doc example {i}:\n{text}");
            }
        }
        assert_eq!(bad, 1);
    }
}
