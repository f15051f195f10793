//! TEMPORARY development stand-in for `gfpscope_engine::scenario::Run`, used only until
//! the real interpreter lands (issue 6). It replays a fixed, hand-written walk through
//! one scenario so the panels can be laid out and looked at. It decides nothing: every
//! string below is canned. Delete this file when `session.rs` switches to the engine.
#![allow(dead_code, clippy::pedantic)]

use gfpscope_engine::view::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub offset: u32,
    pub len: u32,
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenClass {
    Keyword,
    Type,
    Ident,
    Function,
    Number,
    String,
    Comment,
    Macro,
    Punct,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
    pub help: Option<String>,
}

pub struct LibraryEntry {
    pub name: &'static str,
    pub title: &'static str,
    pub teaches: &'static str,
    pub source: &'static str,
}

pub const DEFAULT_SCENARIO: &str = "xfs_create";

pub fn library() -> &'static [LibraryEntry] {
    &[LibraryEntry {
        name: "xfs_create",
        title: "XFS create: a NOFS scope around the transaction",
        teaches: "allocations inside the scope lose __GFP_FS, so reclaim cannot re-enter XFS",
        source: SRC,
    }]
}

const SRC: &str = "/*
 * title:    XFS create: a NOFS scope around the transaction
 * teaches:  allocations inside the scope lose __GFP_FS
 * kernel:   6.12
 * machine:  x86_64-64M
 */

struct kmem_cache *xfs_inode_cache = kmem_cache_create(\"xfs_inode\", 1024, SLAB_RECLAIM_ACCOUNT);
DEFINE_MUTEX(xfs_ilock) __taken_by_fs_reclaim;

SYSCALL(touch)
{
\treturn xfs_create();
}

int xfs_create(void)
{
\tunsigned int nofs = memalloc_nofs_save();
\tmutex_lock(&xfs_ilock);
\tstruct xfs_inode *ip = xfs_inode_alloc(GFP_KERNEL | __GFP_NOFAIL);
\tmutex_unlock(&xfs_ilock);
\tmemalloc_nofs_restore(nofs);
\treturn ip ? 0 : -ENOMEM;
}

struct xfs_inode *xfs_inode_alloc(gfp_t gfp)
{
\treturn kmem_cache_alloc(xfs_inode_cache, gfp);
}
";

/// A naive C-ish highlighter standing in for `scenario::highlight`.
pub fn highlight(src: &str) -> Vec<(Span, TokenClass)> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    while i < b.len() {
        let start = i;
        let (sl, sc) = (line, col);
        let c = b[i];
        let class;
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(b.len());
            class = Some(TokenClass::Comment);
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            i = (i + 1).min(b.len());
            class = Some(TokenClass::String);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let w = &src[start..i];
            class = Some(match w {
                "return" | "if" | "else" | "struct" | "unsigned" | "int" | "void" => {
                    TokenClass::Keyword
                }
                "gfp_t" => TokenClass::Type,
                _ if w.starts_with("GFP_")
                    || w.starts_with("__GFP")
                    || w.chars().all(|c| c.is_ascii_uppercase() || c == '_') =>
                {
                    TokenClass::Macro
                }
                _ if b.get(i) == Some(&b'(') => TokenClass::Function,
                _ => TokenClass::Ident,
            });
        } else if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            class = Some(TokenClass::Number);
        } else {
            i += 1;
            class = if c.is_ascii_punctuation() {
                Some(TokenClass::Punct)
            } else {
                None
            };
        }
        for &ch in &b[start..i] {
            if ch == b'\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        if let Some(class) = class {
            out.push((
                Span {
                    offset: start as u32,
                    len: (i - start) as u32,
                    line: sl,
                    col: sc,
                },
                class,
            ));
        }
    }
    out
}

pub struct Run {
    file: String,
    src: String,
    step: u64,
    log: Vec<LogEntry>,
    pages: Vec<u8>,
    history: Vec<HistoryPoint>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryPoint {
    pub step: u64,
    pub zones: Vec<ZoneLevel>,
    pub scanned: u64,
    pub reclaimed: u64,
    pub alloc_latency: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZoneLevel {
    pub free: u64,
    pub min: u64,
    pub low: u64,
    pub high: u64,
}

/// Lines of the script: (line, frames as (function, line)).
const SCRIPT: &[(u32, &[(&str, u32)])] = &[
    (13, &[("touch", 13)]),
    (18, &[("touch", 13), ("xfs_create", 18)]),
    (19, &[("touch", 13), ("xfs_create", 19)]),
    (20, &[("touch", 13), ("xfs_create", 20)]),
    (
        28,
        &[("touch", 13), ("xfs_create", 20), ("xfs_inode_alloc", 28)],
    ),
    (20, &[("touch", 13), ("xfs_create", 20)]),
    (21, &[("touch", 13), ("xfs_create", 21)]),
    (22, &[("touch", 13), ("xfs_create", 22)]),
    (23, &[("touch", 13), ("xfs_create", 23)]),
    (13, &[("touch", 13)]),
];

fn gfp_view(mask: u32) -> GfpView {
    let names = [
        ("__GFP_IO", 0x40, "reclaim", "can start physical IO"),
        (
            "__GFP_FS",
            0x80,
            "reclaim",
            "can call down to the low-level FS",
        ),
        (
            "__GFP_DIRECT_RECLAIM",
            0x400,
            "reclaim",
            "caller may enter direct reclaim",
        ),
        (
            "__GFP_KSWAPD_RECLAIM",
            0x800,
            "reclaim",
            "caller wants kswapd woken at low watermark",
        ),
        (
            "__GFP_NOFAIL",
            0x8000,
            "action",
            "the VM must retry indefinitely",
        ),
    ];
    GfpView {
        mask,
        text: String::from("(canned)"),
        bits: names
            .iter()
            .map(|&(n, v, g, m)| GfpBitView {
                name: n.into(),
                value: v,
                group: g.into(),
                meaning: m.into(),
                set: mask & v != 0,
            })
            .collect(),
    }
}

impl Run {
    pub fn new(file: &str, src: &str) -> Result<Run, Vec<Diagnostic>> {
        if let Some((n, l)) = src.lines().enumerate().find(|(_, l)| l.contains("@@")) {
            let col = l.find("@@").unwrap_or(0) as u32 + 1;
            return Err(vec![Diagnostic {
                file: file.into(),
                line: n as u32 + 1,
                col,
                message: "expected expression, found `@`".into(),
                help: None,
            }]);
        }
        let mut pages = vec![page_code::FREE_MOVABLE; 16384];
        for (i, p) in pages.iter_mut().enumerate() {
            *p = match i % 97 {
                0..=20 => page_code::KERNEL,
                21..=40 => page_code::PAGECACHE_CLEAN,
                41..=50 => page_code::PAGECACHE_DIRTY,
                51..=70 => page_code::ANON,
                71..=75 => page_code::SLAB,
                _ => page_code::FREE_MOVABLE,
            };
        }
        Ok(Run {
            file: file.into(),
            src: src.into(),
            step: 0,
            log: Vec::new(),
            pages,
            history: Vec::new(),
        })
    }
    pub fn step(&mut self) -> bool {
        if self.step as usize >= SCRIPT.len() {
            return false;
        }
        self.step += 1;
        let kinds = [
            "stmt",
            "scope_save",
            "lock",
            "call",
            "alloc",
            "return",
            "unlock",
            "scope_restore",
            "return",
            "exit",
        ];
        self.log.push(LogEntry {
            step: self.step,
            kind: kinds[(self.step as usize - 1) % kinds.len()].into(),
            task: "touch".into(),
            function: Some("xfs_create".into()),
            line: Some(SCRIPT[self.step as usize - 1].0),
            text: format!("canned event for step {}", self.step),
        });
        if self.step == 5 {
            self.log.push(LogEntry {
                step: 5,
                kind: "direct_reclaim".into(),
                task: "touch".into(),
                function: None,
                line: None,
                text: "direct reclaim".into(),
            });
            for i in 0..2000 {
                self.pages[4096 + i * 3] = page_code::SLAB;
            }
        }
        self.history.push(HistoryPoint {
            step: self.step,
            zones: vec![
                ZoneLevel {
                    free: 3000,
                    min: 30,
                    low: 37,
                    high: 45,
                },
                ZoneLevel {
                    free: 900 - self.step * 60,
                    min: 100,
                    low: 125,
                    high: 150,
                },
            ],
            scanned: if self.step == 5 { 64 } else { 0 },
            reclaimed: if self.step == 5 { 32 } else { 0 },
            alloc_latency: (self.step == 5).then_some(7),
        });
        true
    }
    pub fn step_over(&mut self) -> bool {
        self.step()
    }
    pub fn step_out(&mut self) -> bool {
        self.step()
    }
    pub fn step_back(&mut self) -> bool {
        self.seek(self.step.saturating_sub(1));
        true
    }
    pub fn run_to_end(&mut self) {
        while self.step() {}
    }
    pub fn run_until(&mut self, mut f: impl FnMut(&LogEntry) -> bool) -> bool {
        loop {
            let before = self.log.len();
            if !self.step() {
                return false;
            }
            if self.log[before..].iter().any(&mut f) {
                return true;
            }
        }
    }
    pub fn seek(&mut self, step: u64) {
        let mut fresh = Run::new(&self.file, &self.src).unwrap_or_else(|_| unreachable!());
        while fresh.step < step && fresh.step() {}
        *self = fresh;
    }
    pub fn current_step(&self) -> u64 {
        self.step
    }
    pub fn known_steps(&self) -> u64 {
        self.step.max(self.log.last().map_or(0, |e| e.step))
    }
    pub fn page_codes(&self) -> &[u8] {
        &self.pages
    }
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }
    pub fn history(&self) -> &[HistoryPoint] {
        &self.history
    }
    pub fn source(&self) -> &str {
        &self.src
    }
    pub fn file_name(&self) -> &str {
        &self.file
    }
    pub fn view(&self) -> StepView {
        let s = self.step as usize;
        let (line, frames) = if s < SCRIPT.len() {
            SCRIPT[s]
        } else {
            (0, &[][..])
        };
        let nofs = (2..8).contains(&s);
        let frames: Vec<FrameView> = frames
            .iter()
            .map(|&(f, l)| FrameView {
                function: f.into(),
                line: l,
                vars: match f {
                    "xfs_create" => vec![VarView {
                        name: "nofs".into(),
                        ty: "unsigned int".into(),
                        is_param: false,
                        value: if s >= 2 {
                            ValueView::Int { value: 0 }
                        } else {
                            ValueView::Uninit
                        },
                    }],
                    "xfs_inode_alloc" => vec![VarView {
                        name: "gfp".into(),
                        ty: "gfp_t".into(),
                        is_param: true,
                        value: ValueView::Gfp {
                            mask: 0x8cc0,
                            text: "GFP_KERNEL|__GFP_NOFAIL".into(),
                        },
                    }],
                    _ => vec![],
                },
            })
            .collect();
        let alloc = (s == 5).then(|| AllocView {
            api: "kmem_cache_alloc".into(),
            line: 28,
            function: "xfs_inode_alloc".into(),
            size: Some(1024),
            order: 0,
            requested: gfp_view(0x8cc0),
            effective: gfp_view(0x8c40),
            removed: vec![RemovedBit {
                bit: "__GFP_FS".into(),
                by: "PF_MEMALLOC_NOFS".into(),
                why: "memalloc_nofs_save() at line 18".into(),
            }],
            result: "ok: object 0xffff888004a3c000".into(),
            succeeded: true,
        });
        let decisions = if s == 5 {
            vec![
                DecisionView {
                    stage: Stage::FastPath,
                    taken: false,
                    function: "get_page_from_freelist".into(),
                    condition: "free <= low".into(),
                    detail: "canned".into(),
                },
                DecisionView {
                    stage: Stage::KswapdWake,
                    taken: true,
                    function: "wake_all_kswapds".into(),
                    condition: "gfp & __GFP_KSWAPD_RECLAIM".into(),
                    detail: "canned".into(),
                },
                DecisionView {
                    stage: Stage::DirectReclaim,
                    taken: true,
                    function: "__alloc_pages_direct_reclaim".into(),
                    condition: "gfp & __GFP_DIRECT_RECLAIM".into(),
                    detail: "canned: super_cache_scan skipped: no __GFP_FS".into(),
                },
                DecisionView {
                    stage: Stage::Success,
                    taken: true,
                    function: "get_page_from_freelist".into(),
                    condition: "free > min".into(),
                    detail: "canned".into(),
                },
            ]
        } else {
            vec![]
        };
        StepView {
            step: self.step,
            finished: s >= SCRIPT.len(),
            current_task: Some(0),
            next_line: (line > 0).then_some(line),
            tasks: vec![TaskView {
                pid: 1234,
                comm: "touch".into(),
                context: "process".into(),
                flags: if nofs { 0x40000 } else { 0 },
                flag_names: if nofs {
                    vec!["PF_MEMALLOC_NOFS".into()]
                } else {
                    vec![]
                },
                cookies: if nofs {
                    vec![CookieView {
                        var: "nofs".into(),
                        api: "memalloc_nofs_save".into(),
                        bits: 0,
                        text: "0 (scope was not active)".into(),
                    }]
                } else {
                    vec![]
                },
                atomic: AtomicView {
                    locks: if (3..7).contains(&s) {
                        vec!["mutex_lock(&xfs_ilock)".into()]
                    } else {
                        vec![]
                    },
                    ..Default::default()
                },
                frames,
                state: "running".into(),
            }],
            alloc,
            decisions,
            events: self
                .log
                .iter()
                .filter(|e| e.step == self.step)
                .cloned()
                .collect(),
            zones: vec![
                ZoneView {
                    node: 0,
                    name: "DMA".into(),
                    start_pfn: 0,
                    spanned: 4096,
                    managed: 3977,
                    free: 3000,
                    min: 30,
                    low: 37,
                    high: 45,
                    lowmem_reserve: vec![],
                    free_blocks: vec![[1, 2, 0, 0]; 11],
                },
                ZoneView {
                    node: 0,
                    name: "DMA32".into(),
                    start_pfn: 4096,
                    spanned: 12288,
                    managed: 12000,
                    free: 900 - self.step * 60,
                    min: 100,
                    low: 125,
                    high: 150,
                    lowmem_reserve: vec![],
                    free_blocks: (0..11)
                        .map(|o| [o as u64, 3 + self.step % 3, 1, 0])
                        .collect(),
                },
            ],
            slab_caches: vec![SlabCacheView {
                name: "xfs_inode".into(),
                object_size: 1024,
                objects_per_slab: 32,
                order: 3,
                active_objects: 40 + self.step,
                total_objects: 64,
                full_slabs: 1,
                partial_slabs: 1,
                empty_slabs: 0,
                reclaimable: true,
            }],
        }
    }
}
