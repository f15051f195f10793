//! Printing a gfp mask exactly as the kernel does (§1.4).
//!
//! `%pGg` is `format_flags()` in lib/vsprintf.c and tracepoints use
//! `trace_print_flags_seq()` in kernel/trace/trace_output.c (6.12); both walk the same
//! name table in order: an entry whose *whole* mask is set is printed and its bits are
//! removed; the walk stops when no bits remain; leftover bits are printed as one hex
//! number. An entry whose mask is 0 matches whenever bits remain (the kernel does that
//! too). The table comes from [`Layout`].

use super::layout::Layout;
use crate::version::KernelVersion;

/// The flag names joined with `|`, exactly as `format_flags()` /
/// `trace_print_flags_seq()` produce them; empty for 0.
#[must_use]
pub fn flag_names(raw: u32, layout: &Layout) -> String {
    let mut flags = raw;
    let mut parts: Vec<String> = Vec::new();
    for (mask, name) in &layout.names {
        if flags == 0 {
            break;
        }
        if flags & mask != *mask {
            continue;
        }
        parts.push((*name).to_owned());
        flags &= !mask;
    }
    if flags != 0 {
        parts.push(format!("{flags:#x}"));
    }
    parts.join("|")
}

/// `%#x(%pGg)` as the kernel of `layout` printed it, e.g. `0xcc0(GFP_KERNEL)`,
/// `0x0()`. Before 4.5 printk had no `%pGg` and logs show only the hex
/// (`mode:0x204010`), so this returns just `%#x`.
#[must_use]
pub fn format_pgg_raw(raw: u32, layout: &Layout) -> String {
    if layout.has_pgg {
        format!("{raw:#x}({})", flag_names(raw, layout))
    } else {
        format!("{raw:#x}")
    }
}

/// [`format_pgg_raw`] for a raw mask of `version`.
#[must_use]
pub fn format_pgg(raw: u32, version: KernelVersion) -> String {
    format_pgg_raw(raw, &Layout::new(version))
}

/// `show_gfp_flags()` of include/trace/events/mmflags.h (gfpflags.h before 4.5): the
/// names, or `none` for 0 (`GFP_NOWAIT` before 4.5).
#[must_use]
pub fn show_gfp_flags(raw: u32, version: KernelVersion) -> String {
    let layout = Layout::new(version);
    show_gfp_flags_raw(raw, &layout)
}

/// [`show_gfp_flags`] with a prepared layout.
#[must_use]
pub fn show_gfp_flags_raw(raw: u32, layout: &Layout) -> String {
    if raw == 0 {
        layout.zero_trace.to_owned()
    } else {
        flag_names(raw, layout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KernelVersion {
        KernelVersion::parse(s).unwrap()
    }

    #[test]
    fn reference_examples_old_and_new_printer() {
        // §1.4 table.
        let old = v("6.12");
        let new = v("6.16");
        assert_eq!(
            format_pgg(0x40dc0, old),
            "0x40dc0(GFP_KERNEL|__GFP_COMP|__GFP_ZERO)"
        );
        assert_eq!(
            format_pgg(0x40dc0, new),
            "0x40dc0(GFP_KERNEL|__GFP_ZERO|__GFP_COMP)"
        );
        for ver in [old, new] {
            assert_eq!(format_pgg(0x2820, ver), "0x2820(GFP_ATOMIC|__GFP_NOWARN)");
            assert_eq!(format_pgg(0xcc1, ver), "0xcc1(GFP_KERNEL|GFP_DMA)");
            assert_eq!(format_pgg(0x100cc0, ver), "0x100cc0(GFP_USER)");
            assert_eq!(format_pgg(0xc00, ver), "0xc00(GFP_NOIO)");
            assert_eq!(format_pgg(0x400, ver), "0x400(__GFP_DIRECT_RECLAIM)");
            assert_eq!(format_pgg(0x800, ver), "0x800(__GFP_KSWAPD_RECLAIM)");
            assert_eq!(format_pgg(0x1c20ca, ver), "0x1c20ca(GFP_TRANSHUGE_LIGHT)");
            assert_eq!(format_pgg(0x8c40, ver), "0x8c40(GFP_NOFS|__GFP_NOFAIL)");
        }
        assert_eq!(format_pgg(0x800, v("6.6")), "0x800(GFP_NOWAIT)");
    }

    #[test]
    fn empty_and_unknown_bits() {
        assert_eq!(format_pgg(0, v("6.12")), "0x0()");
        assert_eq!(show_gfp_flags(0, v("6.12")), "none");
        assert_eq!(show_gfp_flags(0, v("3.10")), "GFP_NOWAIT");
        // Bit 9 is unused since 6.3.
        assert_eq!(format_pgg(0x200, v("6.12")), "0x200(0x200)");
        assert_eq!(format_pgg(0xe00, v("6.12")), "0xe00(GFP_NOIO|0x200)");
        assert_eq!(
            format_pgg(0x80000000 | 0xcc0, v("6.12")),
            "0x80000cc0(GFP_KERNEL|0x80000000)"
        );
        // __GFP_NOLOCKDEP has no name before 6.15.
        assert_eq!(
            format_pgg(0x1000cc0, v("6.12")),
            "0x1000cc0(GFP_KERNEL|0x1000000)"
        );
        assert_eq!(
            format_pgg(0x1000cc0, v("6.15")),
            "0x1000cc0(GFP_KERNEL|__GFP_NOLOCKDEP)"
        );
    }

    #[test]
    fn no_pgg_before_4_5() {
        assert_eq!(format_pgg(0x24000c2, v("4.4.114+")), "0x24000c2");
        assert_eq!(
            show_gfp_flags(0x82d2, v("3.10")),
            "GFP_KERNEL|GFP_NOWARN|GFP_ZERO|0x2"
        );
    }
}
