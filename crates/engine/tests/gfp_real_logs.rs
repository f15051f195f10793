//! Every gfp mask in `tests/data/kernel` (real kernel logs, a copy of the team's shared samples) must print exactly as the kernel
//! printed it, for the kernel version the log names.

use std::path::PathBuf;

use gfpscope_engine::gfp::expr::parse_expr;
use gfpscope_engine::gfp::format::{format_pgg, show_gfp_flags};
use gfpscope_engine::gfp::{Era, Layout};
use gfpscope_engine::version::KernelVersion;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/kernel")
}

fn read(rel: &str) -> String {
    let path = data_dir().join(rel);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("test data {} missing: {e}", path.display()))
}

/// The version named by a log's `# kernel:` header or a TSV cell, if it names one.
fn version_of(cell: &str) -> Option<KernelVersion> {
    KernelVersion::parse(cell.trim()).ok()
}

#[test]
fn gfp_masks_tsv_prints_exactly() {
    let tsv = read("gfp_masks.tsv");
    let mut checked = 0;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [ver, hex, text, ..] = cols.as_slice() else {
            panic!("bad row {line}")
        };
        let raw = u32::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap();
        match version_of(ver) {
            Some(v) => {
                let want = if text.is_empty() {
                    (*hex).to_owned()
                } else {
                    format!("{hex}({text})")
                };
                assert_eq!(format_pgg(raw, v), want, "{ver}");
                checked += 1;
            }
            None if !text.is_empty() => {
                // Version unknown: some era's printer must produce the logged text.
                let any = Era::ALL
                    .iter()
                    .any(|e| format_pgg(raw, e.representative()) == format!("{hex}({text})"));
                assert!(any, "no era prints {hex} as {text}");
                checked += 1;
            }
            None => {}
        }
    }
    assert!(checked >= 35, "only {checked} rows checked");
}

#[test]
fn report_headers_print_exactly() {
    let mut checked = 0;
    for entry in std::fs::read_dir(data_dir().join("reports")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let version = text
            .lines()
            .find_map(|l| l.strip_prefix("# kernel: "))
            .and_then(|v| version_of(v.split(' ').next().unwrap_or("")))
            .unwrap_or_else(|| panic!("{} has no kernel version", path.display()));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            for key in ["gfp_mask=", "mode:"] {
                let Some(at) = line.find(&format!("{key}0x")) else {
                    continue;
                };
                let rest = &line[at + key.len()..];
                // The printed mask: hex, then `(names)` when the kernel had %pGg.
                let end = rest
                    .find(|c: char| c == ',' || c.is_whitespace())
                    .unwrap_or(rest.len());
                let printed = &rest[..end];
                let hex_end = printed.find('(').unwrap_or(printed.len());
                let raw = u32::from_str_radix(&printed[2..hex_end], 16).unwrap();
                assert_eq!(format_pgg(raw, version), printed, "{}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 5, "only {checked} report lines checked");
}

/// The kernel each ftrace sample came from (from its `# kernel:` note).
fn ftrace_version(file: &str) -> KernelVersion {
    let v = match &file[..2] {
        "01" => "3.10", // Android, GFP_KMEMCG era (3.8-3.14)
        "02" => "5.10", // Android 2023 (4.5+ printer; any such version prints the same)
        "04" => "6.13",
        "05" => "2.6.33",
        "07" => "5.4",
        _ => "6.12", // 06 (a 6.12 stable backport) and anything new
    };
    KernelVersion::parse(v).unwrap()
}

#[test]
fn ftrace_gfp_flags_round_trip() {
    let mut checked = 0;
    for entry in std::fs::read_dir(data_dir().join("ftrace")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let version = ftrace_version(&name);
        let layout = Layout::new(version);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut named = Vec::new();
        let mut raws = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let Some(at) = line.find("gfp_flags=") else {
                continue;
            };
            let value = line[at + 10..].split_whitespace().next().unwrap();
            if let Some(hex) = value.strip_prefix("0x") {
                raws.push(u32::from_str_radix(hex, 16).unwrap());
            } else {
                // Parse the names back with that kernel's names, print again.
                let raw =
                    parse_expr(value, &layout).unwrap_or_else(|e| panic!("{name}: {value}: {e}"));
                assert_eq!(show_gfp_flags(raw, version), value, "{name}");
                named.push((value.to_owned(), raw));
                checked += 1;
            }
        }
        // Files that show the same events both ways: raw value prints as the names.
        if !raws.is_empty() && !named.is_empty() {
            for (raw, (names, _)) in raws.iter().zip(&named) {
                assert_eq!(&show_gfp_flags(*raw, version), names, "{name}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} ftrace values checked");
}
