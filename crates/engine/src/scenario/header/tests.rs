//! Tests for `header.rs`.
use super::*;

fn parse(body: &str) -> (Header, Vec<Diagnostic>) {
    let src = format!("/*{body}*/\n");
    let idx = LineIndex::new(&src);
    let span = idx.span(&src, 0, src.len() as u32 - 1);
    let mut d = Vec::new();
    let h = parse_header("t.c", &src, &idx, span, 2, body, &mut d);
    (h, d)
}

#[test]
fn full_header() {
    let (h, d) = parse(
        "\n * title:    XFS create\n *           with a scope\n * kernel:   6.1.192\n * machine:  x86_64-1G\n * pressure: page_cache 60% (dirty 20%), anon 20%, slab_reclaimable 10%\n * background: dirtier 64K/step, anon_hog 4 pages/step\n * swap: 64M\n * seed: 7\n * zones: DMA 16M, Normal 4096 pages\n ",
    );
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(h.title.as_deref(), Some("XFS create with a scope"));
    assert_eq!(
        (h.kernel.major, h.kernel.minor, h.kernel.patch),
        (6, 1, 192)
    );
    assert_eq!(h.machine, "x86_64-1G");
    assert_eq!(h.pressure.page_cache, Some(Amount::Percent(60)));
    assert_eq!(h.pressure.dirty, Some(Amount::Percent(20)));
    assert_eq!(h.pressure.slab_reclaimable, Some(Amount::Percent(10)));
    assert_eq!(h.background.len(), 2);
    assert_eq!(h.background[0].kind, BackgroundKind::Dirtier);
    assert_eq!(h.background[1].bytes_per_step, 4 * 4096);
    assert_eq!(h.swap_bytes, 64 << 20);
    assert_eq!(h.seed, 7);
    assert_eq!(h.zones[1].bytes, 4096 * 4096);
}

#[test]
fn bad_values_are_located() {
    let (_, d) = parse("\n * kernel: six\n * seeed: 3\n * pressure: anon 90%, page_cache 20%\n");
    assert_eq!(d.len(), 3, "{d:?}");
    assert!(d[0].message.contains("bad kernel version `six`"));
    assert_eq!((d[0].line, d[0].col), (2, 12));
    assert!(d[1].message.contains("unknown header key `seeed`"));
    assert_eq!(d[1].help.as_deref(), Some("did you mean `seed`?"));
    assert!(d[2].message.contains("110%"));
}

#[test]
fn kernel_version_uses_the_log_parser() {
    let (h, d) = parse("\n * kernel: 5.15.0-91-generic\n");
    assert!(d.is_empty(), "{d:?}");
    assert_eq!((h.kernel.major, h.kernel.minor), (5, 15));
    assert_eq!(h.kernel_text, "5.15.0-91-generic");
    for bad in ["6", "6.x", "60.1"] {
        let (_, d) = parse(&format!("\n * kernel: {bad}\n"));
        assert_eq!(d.len(), 1, "{bad}: {d:?}");
    }
}

#[test]
fn free_target_names_and_amounts() {
    let cases = [
        ("high", FreeTarget::High),
        ("low", FreeTarget::Low),
        ("min", FreeTarget::Min),
        ("below_min", FreeTarget::BelowMin),
        ("128 pages", FreeTarget::Pages(128)),
        ("2M", FreeTarget::Pages(512)),
        ("3%", FreeTarget::Percent(3)),
    ];
    for (text, want) in cases {
        let (h, d) = parse(&format!("\n * free: {text}\n"));
        assert!(d.is_empty(), "{text}: {d:?}");
        assert_eq!(h.free, want, "{text}");
    }
    let (h, _) = parse("\n * title: t\n");
    assert_eq!(h.free, FreeTarget::High, "default");
    let (h, d) = parse("\n * free: lowest\n");
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains("bad free target `lowest`"), "{d:?}");
    assert_eq!(h.free, FreeTarget::High);
}
