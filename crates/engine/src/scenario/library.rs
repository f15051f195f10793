//! The built-in scenario library: kernel call chains from `shared/reference/scenarios.md`.
//!
//! Each file's settings header carries its title, its teaching point (`teaches:`) and its
//! source citation (`source:`); [`Entry`] reads them from there so the list and the files
//! cannot drift apart. Only the title is repeated in [`LIBRARY`] (tested), so that a front
//! end built without the texts can still list them.
//!
//! The texts are compiled in with the default feature `embedded-library` (the CLI and the
//! tests use it). The web app turns it off to keep its bundle small: it embeds only
//! [`DEFAULT_SOURCE`] and fetches `library/NAME.c`, which trunk copies into `dist/`.

#[cfg(feature = "embedded-library")]
use crate::scenario::diag::LineIndex;
#[cfg(feature = "embedded-library")]
use crate::scenario::header::{Header, looks_like_header, parse_header};
#[cfg(feature = "embedded-library")]
use crate::scenario::lexer::lex;

/// One built-in scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Short name, also the file name without `.c` (`gfpscope run NAME`).
    pub name: &'static str,
    /// Section of `shared/reference/scenarios.md` it models.
    pub reference: &'static str,
    /// `title:` of the file's header, kept here so that a front end can list the library
    /// without the texts (a test checks that it equals the header's).
    pub title: &'static str,
    /// The scenario source (feature `embedded-library`, on by default). Without the
    /// feature only the default's text is in the binary ([`DEFAULT_SOURCE`]); a front end
    /// gets the others as files (the web app fetches `library/NAME.c`).
    #[cfg(feature = "embedded-library")]
    pub source: &'static str,
}

/// The default's name, usable where a literal is needed.
macro_rules! default_name {
    () => {
        "xfs_create"
    };
}

/// The scenario the app opens first: short, and shows a `memalloc_nofs_save()` scope
/// changing an allocation deep in a call chain.
pub const DEFAULT: &str = default_name!();

/// The default scenario's text, embedded with or without the `embedded-library` feature
/// so that a front end can show its first screen without fetching anything.
pub static DEFAULT_SOURCE: &str = include_str!(concat!("library/", default_name!(), ".c"));

#[cfg(feature = "embedded-library")]
macro_rules! entry {
    ($name:literal, $reference:literal, $title:literal) => {
        Entry {
            name: $name,
            reference: $reference,
            title: $title,
            source: include_str!(concat!("library/", $name, ".c")),
        }
    };
}

#[cfg(not(feature = "embedded-library"))]
macro_rules! entry {
    ($name:literal, $reference:literal, $title:literal) => {
        Entry {
            name: $name,
            reference: $reference,
            title: $title,
        }
    };
}

/// Every built-in scenario, the default first, then in reference order.
pub static LIBRARY: &[Entry] = &[
    entry!(
        "xfs_create",
        "§2",
        "XFS create: one NOFS scope reaches an allocation four calls deeper"
    ),
    entry!("open_baseline", "§1", "open(2): the GFP_KERNEL baseline"),
    entry!(
        "xfs_create_noscope",
        "§2",
        "fs_reclaim recursion: the same XFS create without its NOFS scope"
    ),
    entry!(
        "xfs_trans_roll_6_12",
        "§3",
        "XFS transaction roll inside the inodegc worker (6.12 restore semantics)"
    ),
    entry!(
        "xfs_trans_roll_6_1",
        "§3",
        "XFS transaction roll inside the inodegc worker (6.1 restore semantics: NOFS lost)"
    ),
    entry!(
        "ext4_jbd2",
        "§4",
        "ext4 writeback: a lock-tied scope, the jbd2 handle scope, and a redundant GFP_NOFS"
    ),
    entry!(
        "runtime_pm_resume",
        "§5",
        "Runtime-PM resume of a USB disk: the memalloc_noio device flag"
    ),
    entry!(
        "usb_storage_reset",
        "§6",
        "usb-storage error handling resets the device inside a NOIO scope"
    ),
    entry!(
        "usbnet_rx",
        "§7",
        "usbnet: one gfp argument travels from a completion handler to the host controller"
    ),
    entry!(
        "usbnet_rx_sleep_in_atomic",
        "§7",
        "usbnet: GFP_KERNEL in a completion handler (sleeping in atomic context)"
    ),
    entry!(
        "virtio_net_refill",
        "§8",
        "virtio-net NAPI refill: GFP_ATOMIC now, GFP_KERNEL later from a work item"
    ),
    entry!(
        "nfs_rpciod",
        "§9",
        "NFS writeback over SUNRPC: rpciod runs in a NOFS scope and asks for fail-fast memory"
    ),
    entry!(
        "loop_worker",
        "§10",
        "loop: a block driver that calls into a filesystem marks its worker NOIO"
    ),
    entry!(
        "direct_reclaim_zswap",
        "§11",
        "Reclaim allocates too: PF_MEMALLOC in direct reclaim and kswapd (swap-out through zswap)"
    ),
    entry!(
        "xfs_nofail_in_reclaim",
        "§12",
        "A must-succeed XFS transaction reached from inside reclaim (__GFP_NOFAIL under PF_MEMALLOC)"
    ),
    entry!(
        "thp_fault",
        "§13",
        "THP page fault: an order-9 allocation that lives or dies by compaction"
    ),
    entry!(
        "kvmalloc_fallback",
        "§14",
        "kvmalloc: a fail-fast kmalloc first, then vmalloc (which turns NOFS into a scope)"
    ),
    entry!(
        "gfp_nofs_just_in_case",
        "§4, §16",
        "\"GFP_NOFS just in case\" against the scoped version of the same code"
    ),
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

    /// The text if this build has it: every entry with the `embedded-library` feature,
    /// otherwise only the default.
    #[must_use]
    pub fn embedded_source(&self) -> Option<&'static str> {
        #[cfg(feature = "embedded-library")]
        {
            Some(self.source)
        }
        #[cfg(not(feature = "embedded-library"))]
        {
            (self.name == DEFAULT).then_some(DEFAULT_SOURCE)
        }
    }
}

#[cfg(feature = "embedded-library")]
impl Entry {
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

#[cfg(all(test, feature = "embedded-library"))]
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
    fn listed_titles_are_the_headers_titles() {
        for e in LIBRARY {
            assert_eq!(Some(e.title), e.header().title.as_deref(), "{}", e.name);
        }
    }

    #[test]
    fn the_default_text_is_embedded_on_its_own() {
        assert_eq!(DEFAULT_SOURCE, default_entry().source);
        for e in LIBRARY {
            assert_eq!(e.embedded_source(), Some(e.source), "{}", e.name);
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
