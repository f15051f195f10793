//! The settings header: `key: value` lines in the file's leading `/* ... */` comment.
//!
//! ```text
//! /*
//!  * title:    XFS create: a NOFS scope around the transaction
//!  * teaches:  allocations inside the scope lose __GFP_FS
//!  * kernel:   6.12
//!  * machine:  x86_64-64M
//!  * pressure: page_cache 60% (dirty 20%), anon 20%, slab_reclaimable 10%
//!  * seed:     1
//!  */
//! ```
//!
//! A line indented further than `key:` continues the previous value. Values are typed and
//! validated here; a bad value is a located error.

use serde::{Deserialize, Serialize};

pub use crate::alloc::FreeTarget;
use crate::scenario::ast::Span;
use crate::scenario::diag::{Diagnostic, LineIndex, did_you_mean};
use crate::version::KernelVersion;

/// Every header key, in documentation order.
pub const KEYS: &[&str] = &[
    "title",
    "description",
    "teaches",
    "source",
    "kernel",
    "machine",
    "zones",
    "pressure",
    "free",
    "background",
    "swap",
    "seed",
    "step_limit",
    "cpus",
];

/// The default machine preset name.
pub const DEFAULT_MACHINE: &str = "x86_64-64M";
/// The default kernel version.
pub const DEFAULT_KERNEL: &str = "6.12";

/// Parsed header settings. Absent keys keep their defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The header comment's span, if the file has a header.
    pub span: Option<Span>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// The teaching point, one sentence.
    pub teaches: Option<String>,
    /// Where the scenario comes from (files, version, commit, thread).
    pub source: Option<String>,
    /// Kernel version whose semantics apply (default 6.12), parsed by
    /// [`KernelVersion::parse`] (so `6.1.192` and `5.15.0-91-generic` work).
    pub kernel: KernelVersion,
    /// The kernel version as written (default `6.12`).
    pub kernel_text: String,
    /// Machine preset name (default `x86_64-64M`); `zones` overrides its zone sizes.
    pub machine: String,
    /// `zones: DMA 16M, DMA32 48M` (empty: the preset's layout).
    pub zones: Vec<ZoneSize>,
    pub pressure: Pressure,
    /// `free: high | low | min | below_min | N pages | SIZE | N%`: where each zone's free
    /// memory stands once the pressure is set up (default `high`).
    pub free: FreeTarget,
    pub background: Vec<Background>,
    /// Swap size in bytes (default 0: no swap).
    pub swap_bytes: u64,
    /// Seed for every random choice (default 0).
    pub seed: u64,
    /// Overrides the interpreter's step limit.
    pub step_limit: Option<u64>,
    /// Number of CPUs (default 1).
    pub cpus: u32,
    /// Every `key: value` as written, with the value's span, in source order.
    pub entries: Vec<HeaderEntry>,
}

impl Default for Header {
    fn default() -> Header {
        Header {
            span: None,
            title: None,
            description: None,
            teaches: None,
            source: None,
            kernel: KernelVersion::V6_12,
            kernel_text: DEFAULT_KERNEL.to_string(),
            machine: DEFAULT_MACHINE.to_string(),
            zones: Vec::new(),
            pressure: Pressure::default(),
            free: FreeTarget::High,
            background: Vec::new(),
            swap_bytes: 0,
            seed: 0,
            step_limit: None,
            cpus: 1,
            entries: Vec::new(),
        }
    }
}

/// One raw header line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderEntry {
    pub key: String,
    pub value: String,
    pub key_span: Span,
    pub value_span: Span,
}

/// A zone size override.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneSize {
    /// Kernel name: `DMA`, `DMA32`, `Normal`, `HighMem`, `Movable`.
    pub zone: String,
    pub bytes: u64,
    pub span: Span,
}

/// An amount of memory: a share of the machine's memory, bytes, or pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum Amount {
    /// Percent of the machine's managed memory (0..=100).
    Percent(u32),
    Bytes(u64),
    Pages(u64),
}

impl Amount {
    /// The amount in 4 KiB pages for a machine with `managed_pages`.
    #[must_use]
    pub fn pages(self, managed_pages: u64) -> u64 {
        match self {
            Amount::Percent(p) => managed_pages.saturating_mul(u64::from(p)) / 100,
            Amount::Bytes(b) => b / 4096,
            Amount::Pages(p) => p,
        }
    }
}

/// Initial memory use (`pressure:`). Dirty page cache is part of `page_cache`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pressure {
    pub page_cache: Option<Amount>,
    pub dirty: Option<Amount>,
    pub anon: Option<Amount>,
    pub slab_reclaimable: Option<Amount>,
    pub slab_unreclaimable: Option<Amount>,
}

/// A background task that keeps using memory (`background:`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Background {
    pub kind: BackgroundKind,
    /// Bytes per scheduler step.
    pub bytes_per_step: u64,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackgroundKind {
    /// `reader`: reads files, adding clean page cache.
    Reader,
    /// `dirtier`: writes files, adding dirty page cache.
    Dirtier,
    /// `anon_hog`: touches anonymous memory.
    AnonHog,
    /// `slab_hog`: grows a reclaimable slab cache (dentries, inodes).
    SlabHog,
}

impl BackgroundKind {
    pub const NAMES: &'static [&'static str] = &["reader", "dirtier", "anon_hog", "slab_hog"];

    #[must_use]
    pub fn from_name(s: &str) -> Option<BackgroundKind> {
        Some(match s {
            "reader" => BackgroundKind::Reader,
            "dirtier" => BackgroundKind::Dirtier,
            "anon_hog" => BackgroundKind::AnonHog,
            "slab_hog" => BackgroundKind::SlabHog,
            _ => return None,
        })
    }

    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            BackgroundKind::Reader => "reader",
            BackgroundKind::Dirtier => "dirtier",
            BackgroundKind::AnonHog => "anon_hog",
            BackgroundKind::SlabHog => "slab_hog",
        }
    }
}

const ZONE_NAMES: &[&str] = &["DMA", "DMA32", "Normal", "HighMem", "Movable"];
const PRESSURE_KINDS: &[&str] = &[
    "page_cache",
    "dirty",
    "anon",
    "slab_reclaimable",
    "slab_unreclaimable",
];

/// One `key: value` line with its continuation lines merged.
struct Raw {
    key: String,
    key_off: usize,
    value: String,
    value_off: usize,
    value_len: usize,
}

/// Is this comment text (between `/*` and `*/`) a settings header? Yes when some line,
/// after the optional leading `*`, starts with `word:`.
#[must_use]
pub fn looks_like_header(body: &str) -> bool {
    body.lines().any(|l| split_key(strip_star(l).1).is_some())
}

/// Parses the header comment. `body_offset` is the byte offset of `body` (the text between
/// `/*` and `*/`) in `src`. Errors are pushed to `diags`; the header keeps defaults for bad values.
pub fn parse_header(
    file: &str,
    src: &str,
    index: &LineIndex,
    comment_span: Span,
    body_offset: u32,
    body: &str,
    diags: &mut Vec<Diagnostic>,
) -> Header {
    let mut h = Header {
        span: Some(comment_span),
        ..Header::default()
    };
    let span_of = |off: usize, len: usize| index.span(src, body_offset + off as u32, len as u32);

    // Collect (key, key_off, value pieces) with continuation lines merged.
    let mut raws: Vec<Raw> = Vec::new();
    let mut line_off = 0usize;
    for line in body.split('\n') {
        let this_off = line_off;
        line_off += line.len() + 1;
        let (star_skip, rest) = strip_star(line);
        let rest_trim = rest.trim_end_matches(['\r', ' ', '\t']);
        if rest_trim.trim().is_empty() {
            continue;
        }
        let rest_off = this_off + star_skip;
        if let Some((key, value_rel)) = split_key(rest_trim) {
            let value = rest_trim[value_rel..].trim();
            let lead = rest_trim[value_rel..].len() - rest_trim[value_rel..].trim_start().len();
            raws.push(Raw {
                key: key.to_string(),
                key_off: rest_off,
                value: value.to_string(),
                value_off: rest_off + value_rel + lead,
                value_len: value.len(),
            });
        } else if rest.starts_with([' ', '\t']) && !raws.is_empty() {
            if let Some(last) = raws.last_mut() {
                let piece = rest_trim.trim();
                if !last.value.is_empty() {
                    last.value.push(' ');
                }
                last.value.push_str(piece);
            }
        } else {
            let t = rest_trim.trim();
            let lead = rest.len() - rest.trim_start().len();
            diags.push(
                Diagnostic::error(
                    file,
                    span_of(rest_off + lead, t.len().max(1)),
                    "expected `key: value` in the settings header",
                )
                .with_help(format!(
                    "indent a line to continue the previous value; keys are: {}",
                    KEYS.join(", ")
                )),
            );
        }
    }

    let mut seen: Vec<String> = Vec::new();
    for raw in raws {
        let key_span = span_of(raw.key_off, raw.key.len());
        let value_span = span_of(raw.value_off, raw.value_len.max(1));
        if !KEYS.contains(&raw.key.as_str()) {
            let mut d =
                Diagnostic::error(file, key_span, format!("unknown header key `{}`", raw.key));
            if let Some(s) = did_you_mean(&raw.key, KEYS.iter().copied()) {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else {
                d = d.with_help(format!("known keys: {}", KEYS.join(", ")));
            }
            diags.push(d);
            continue;
        }
        if seen.contains(&raw.key) {
            diags.push(Diagnostic::error(
                file,
                key_span,
                format!("header key `{}` given twice", raw.key),
            ));
            continue;
        }
        seen.push(raw.key.clone());
        h.entries.push(HeaderEntry {
            key: raw.key.clone(),
            value: raw.value.clone(),
            key_span,
            value_span,
        });
        let v = raw.value.as_str();
        let err = |msg: String| Diagnostic::error(file, value_span, msg);
        if v.is_empty() {
            diags.push(err(format!("header key `{}` has no value", raw.key)));
            continue;
        }
        match raw.key.as_str() {
            "title" => h.title = Some(v.to_string()),
            "description" => h.description = Some(v.to_string()),
            "teaches" => h.teaches = Some(v.to_string()),
            "source" => h.source = Some(v.to_string()),
            "kernel" => match KernelVersion::parse(v) {
                Ok(k) if (2..=7).contains(&k.major) => {
                    h.kernel = k;
                    h.kernel_text = v.to_string();
                }
                Ok(_) => diags.push(err(format!(
                    "kernel version `{v}` out of range: expected 2.x to 7.x, e.g. `6.12` or `6.1.192`"
                ))),
                Err(e) => diags.push(err(format!(
                    "bad kernel version `{v}` ({}): expected MAJOR.MINOR[.PATCH], e.g. `6.12` or `6.1.192`",
                    e.reason
                ))),
            },
            "machine" => {
                if v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                    h.machine = v.to_string();
                } else {
                    diags.push(err(format!(
                        "bad machine preset name `{v}`: expected a preset name such as `{DEFAULT_MACHINE}`"
                    )));
                }
            }
            "zones" => {
                for (item, off) in split_list(v) {
                    let sp = span_of(raw.value_off + off, item.len().max(1));
                    let mut words = item.split_whitespace();
                    let (Some(name), Some(size)) = (words.next(), words.next()) else {
                        diags.push(Diagnostic::error(
                            file,
                            sp,
                            format!("bad zone entry `{item}`: expected `ZONE SIZE`, e.g. `DMA32 48M`"),
                        ));
                        continue;
                    };
                    let size_rest: Vec<&str> = std::iter::once(size).chain(words).collect();
                    let Some(zone) = ZONE_NAMES.iter().find(|z| z.eq_ignore_ascii_case(name)) else {
                        let mut d = Diagnostic::error(file, sp, format!("unknown zone `{name}`"));
                        if let Some(s) = did_you_mean(name, ZONE_NAMES.iter().copied()) {
                            d = d.with_help(format!("did you mean `{s}`?"));
                        }
                        diags.push(d);
                        continue;
                    };
                    match parse_size_or_pages(&size_rest.join(" ")) {
                        Some(bytes) => h.zones.push(ZoneSize {
                            zone: (*zone).to_string(),
                            bytes,
                            span: sp,
                        }),
                        None => diags.push(Diagnostic::error(
                            file,
                            sp,
                            format!("bad size in `{item}`: expected e.g. `48M`, `1G`, `4096 pages`"),
                        )),
                    }
                }
            }
            "pressure" => {
                h.pressure = parse_pressure(v, |off, len| span_of(raw.value_off + off, len), file, diags);
            }
            "free" => match parse_free(v) {
                Some(f) => h.free = f,
                None => diags.push(err(format!(
                    "bad free target `{v}`: expected `high`, `low`, `min`, `below_min`, `N pages`, a size such as `2M`, or `N%` of each zone"
                ))),
            },
            "background" if v != "none" => {
                for (item, off) in split_list(v) {
                    let sp = span_of(raw.value_off + off, item.len().max(1));
                    match parse_background(item) {
                        Ok((kind, bytes)) => h.background.push(Background {
                            kind,
                            bytes_per_step: bytes,
                            span: sp,
                        }),
                        Err(msg) => diags.push(Diagnostic::error(file, sp, msg)),
                    }
                }
            }
            "swap" => {
                if v == "none" || v == "0" {
                    h.swap_bytes = 0;
                } else {
                    match parse_size_or_pages(v) {
                        Some(b) => h.swap_bytes = b,
                        None => diags.push(err(format!(
                            "bad swap size `{v}`: expected `none` or a size such as `64M`"
                        ))),
                    }
                }
            }
            "seed" => match parse_u64(v) {
                Some(n) => h.seed = n,
                None => diags.push(err(format!("bad seed `{v}`: expected an unsigned integer"))),
            },
            "step_limit" => match parse_u64(v) {
                Some(n) if n > 0 => h.step_limit = Some(n),
                _ => diags.push(err(format!("bad step_limit `{v}`: expected a positive integer"))),
            },
            "cpus" => match parse_u64(v) {
                Some(n) if (1..=64).contains(&n) => h.cpus = n as u32,
                _ => diags.push(err(format!("bad cpus `{v}`: expected 1 to 64"))),
            },
            _ => {}
        }
    }
    h
}

fn parse_pressure(
    v: &str,
    span_of: impl Fn(usize, usize) -> Span,
    file: &str,
    diags: &mut Vec<Diagnostic>,
) -> Pressure {
    let mut p = Pressure::default();
    if v == "none" {
        return p;
    }
    // `page_cache 60% (dirty 20%)`: turn the parenthesised part into its own item.
    let flat: String = v
        .chars()
        .map(|c| if c == '(' || c == ')' { ',' } else { c })
        .collect();
    for (item, off) in split_list(&flat) {
        let sp = span_of(off, item.len().max(1));
        let mut words = item.split_whitespace();
        let (Some(kind), Some(first)) = (words.next(), words.next()) else {
            diags.push(Diagnostic::error(
                file,
                sp,
                format!("bad pressure entry `{item}`: expected `KIND AMOUNT`, e.g. `anon 20%`"),
            ));
            continue;
        };
        let amount_text: Vec<&str> = std::iter::once(first).chain(words).collect();
        let amount_text = amount_text.join(" ");
        let Some(amount) = parse_amount(&amount_text) else {
            diags.push(Diagnostic::error(
                file,
                sp,
                format!("bad amount `{amount_text}`: expected a percentage (`20%`), a size (`16M`) or `N pages`"),
            ));
            continue;
        };
        let slot = match kind {
            "page_cache" => &mut p.page_cache,
            "dirty" => &mut p.dirty,
            "anon" => &mut p.anon,
            "slab_reclaimable" => &mut p.slab_reclaimable,
            "slab_unreclaimable" => &mut p.slab_unreclaimable,
            _ => {
                let mut d = Diagnostic::error(file, sp, format!("unknown pressure kind `{kind}`"));
                d = match did_you_mean(kind, PRESSURE_KINDS.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!("known kinds: {}", PRESSURE_KINDS.join(", "))),
                };
                diags.push(d);
                continue;
            }
        };
        if slot.is_some() {
            diags.push(Diagnostic::error(
                file,
                sp,
                format!("pressure kind `{kind}` given twice"),
            ));
            continue;
        }
        *slot = Some(amount);
    }
    // Percentages must fit in the machine (dirty is part of page_cache).
    let pct = |a: Option<Amount>| match a {
        Some(Amount::Percent(x)) => x,
        _ => 0,
    };
    let total =
        pct(p.page_cache) + pct(p.anon) + pct(p.slab_reclaimable) + pct(p.slab_unreclaimable);
    if total > 100 {
        diags.push(Diagnostic::error(
            file,
            span_of(0, v.len().max(1)),
            format!(
                "pressure adds up to {total}% of memory (page_cache + anon + slab_*); at most 100%"
            ),
        ));
    }
    if let (Some(Amount::Percent(d)), Some(Amount::Percent(c))) = (p.dirty, p.page_cache)
        && d > c
    {
        diags.push(Diagnostic::error(
            file,
            span_of(0, v.len().max(1)),
            format!("dirty ({d}%) is part of page_cache ({c}%) and cannot exceed it"),
        ));
    }
    if p.dirty.is_some() && p.page_cache.is_none() {
        diags.push(Diagnostic::error(
            file,
            span_of(0, v.len().max(1)),
            "dirty is part of page_cache: give page_cache too",
        ));
    }
    p
}

/// `free:` — a watermark name, or an amount each zone keeps free.
fn parse_free(v: &str) -> Option<FreeTarget> {
    Some(match v {
        "high" => FreeTarget::High,
        "low" => FreeTarget::Low,
        "min" => FreeTarget::Min,
        "below_min" => FreeTarget::BelowMin,
        _ => match parse_amount(v)? {
            Amount::Percent(p) => FreeTarget::Percent(p),
            Amount::Pages(p) => FreeTarget::Pages(p),
            Amount::Bytes(b) => FreeTarget::Pages(b / 4096),
        },
    })
}

fn parse_background(item: &str) -> Result<(BackgroundKind, u64), String> {
    let mut words = item.splitn(2, char::is_whitespace);
    let kind_s = words.next().unwrap_or("");
    let rate = words.next().unwrap_or("").trim();
    let Some(kind) = BackgroundKind::from_name(kind_s) else {
        let hint = did_you_mean(kind_s, BackgroundKind::NAMES.iter().copied())
            .map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
        return Err(format!(
            "unknown background task `{kind_s}`{hint}: expected one of {}",
            BackgroundKind::NAMES.join(", ")
        ));
    };
    let rate = rate.strip_suffix("/step").unwrap_or(rate).trim();
    match parse_size_or_pages(rate) {
        Some(b) if b > 0 => Ok((kind, b)),
        _ => Err(format!(
            "bad rate `{rate}` for `{kind_s}`: expected a size per step, e.g. `64K/step` or `16 pages/step`"
        )),
    }
}

/// `20%`, `16M`, `4096 pages`.
fn parse_amount(s: &str) -> Option<Amount> {
    let s = s.trim();
    if let Some(p) = s.strip_suffix('%') {
        let n: u32 = p.trim().parse().ok()?;
        return (n <= 100).then_some(Amount::Percent(n));
    }
    if let Some(p) = s.strip_suffix("pages").or_else(|| s.strip_suffix("page")) {
        return parse_u64(p.trim()).map(Amount::Pages);
    }
    parse_size(s).map(Amount::Bytes)
}

fn parse_size_or_pages(s: &str) -> Option<u64> {
    match parse_amount(s)? {
        Amount::Percent(_) => None,
        Amount::Bytes(b) => Some(b),
        Amount::Pages(p) => p.checked_mul(4096),
    }
}

/// `16M`, `1G`, `512K`, `64MiB`, `0`. A unit is required except for 0.
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    let unit = s[digits.len()..].trim();
    let mult: u64 = match unit {
        "" if n == 0 => 1,
        "K" | "KB" | "KiB" | "k" | "kB" => 1 << 10,
        "M" | "MB" | "MiB" => 1 << 20,
        "G" | "GB" | "GiB" => 1 << 30,
        "T" | "TB" | "TiB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mult)
}

fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else {
        s.parse().ok()
    }
}

/// Splits `a, b, c` into trimmed items with their byte offsets in `s`.
fn split_list(s: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in s.split(',') {
        let lead = piece.len() - piece.trim_start().len();
        let t = piece.trim();
        if !t.is_empty() {
            out.push((t, start + lead));
        }
        start += piece.len() + 1;
    }
    out
}

/// Strips leading blanks and one `*` (and one following space): returns (bytes skipped, rest).
fn strip_star(line: &str) -> (usize, &str) {
    let trimmed = line.trim_start_matches([' ', '\t']);
    let mut skip = line.len() - trimmed.len();
    let mut rest = trimmed;
    if let Some(r) = rest.strip_prefix('*') {
        skip += 1;
        rest = r;
        if let Some(r2) = rest.strip_prefix(' ') {
            skip += 1;
            rest = r2;
        }
    } else {
        // A header line without a leading `*`: the key starts at the first non-blank.
    }
    (skip, rest)
}

/// `key: value` at the start of `rest` (no leading blank): returns (key, offset of the value).
fn split_key(rest: &str) -> Option<(&str, usize)> {
    let colon = rest.find(':')?;
    let key = &rest[..colon];
    (!key.is_empty()
        && key.len() <= 32
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
    .then_some((key, colon + 1))
}

#[cfg(test)]
mod tests;
