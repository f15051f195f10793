//! The allocation path under pressure (issue 5): entry points, the fast path and
//! `__alloc_pages_slowpath` in Linux 6.12 order, reclaim with LRU lists, shrinkers and
//! kswapd, compaction, the OOM killer, and the hazards the context flags exist to prevent.
//!
//! See [`event::AllocEvent`] for what comes out, [`rules`] for the pure decision rules and
//! [`report`] for the kernel-format printers.

mod background;
mod compact;
mod entry;
pub mod event;
mod glue;
mod kernel;
mod kmalloc;
mod oom;
mod reclaim;
pub mod report;

pub mod rules;
mod slowpath;

pub use crate::rng::SplitMix64;
pub use background::{BackgroundKind, BackgroundSpec, FreeTarget, PressureConfig};
pub use entry::{AllocResult, Current};
pub use event::AllocEvent;
pub use kernel::{
    Device, Kernel, KernelConfig, PAGE_OFFSET, Process, VMALLOC_END, VMALLOC_START, VmStat,
    ZERO_SIZE_PTR, is_vmalloc_addr,
};
pub use reclaim::KswapdStep;

use crate::gfp::{AllocFlags, Gfp};

fn layout() -> &'static crate::gfp::Layout {
    static LAYOUT: std::sync::OnceLock<crate::gfp::Layout> = std::sync::OnceLock::new();
    LAYOUT.get_or_init(crate::gfp::Layout::v6_12)
}

/// `%#x(%pGg)` text of a mask for the 6.12 printer (`crate::gfp::format`).
#[must_use]
pub fn gfp_text(g: Gfp) -> String {
    crate::gfp::format::format_pgg_raw(g.0, layout())
}

/// The `%pGg` names of a mask (inside the parentheses), as `show_gfp_flags` prints them.
#[must_use]
pub fn gfp_names(g: Gfp) -> String {
    crate::gfp::format::show_gfp_flags_raw(g.0, layout())
}

/// `ALLOC_*` names of a flags word, watermark first (`ALLOC_WMARK_MIN|ALLOC_CPUSET`).
#[must_use]
pub fn alloc_flags_text(f: AllocFlags) -> String {
    const NAMED: [(AllocFlags, &str); 9] = [
        (AllocFlags::OOM, "ALLOC_OOM"),
        (AllocFlags::NON_BLOCK, "ALLOC_NON_BLOCK"),
        (AllocFlags::MIN_RESERVE, "ALLOC_MIN_RESERVE"),
        (AllocFlags::CPUSET, "ALLOC_CPUSET"),
        (AllocFlags::CMA, "ALLOC_CMA"),
        (AllocFlags::NOFRAGMENT, "ALLOC_NOFRAGMENT"),
        (AllocFlags::HIGHATOMIC, "ALLOC_HIGHATOMIC"),
        (AllocFlags(0x400), "ALLOC_TRYLOCK"),
        (AllocFlags::KSWAPD, "ALLOC_KSWAPD"),
    ];
    let mut parts: Vec<&str> = Vec::new();
    if f.contains(AllocFlags::NO_WATERMARKS) {
        parts.push("ALLOC_NO_WATERMARKS");
    } else {
        parts.push(match f.wmark() {
            0 => "ALLOC_WMARK_MIN",
            1 => "ALLOC_WMARK_LOW",
            _ => "ALLOC_WMARK_HIGH",
        });
    }
    for (flag, name) in NAMED {
        if f.contains(flag) {
            parts.push(name);
        }
    }
    parts.join("|")
}

#[cfg(test)]
mod tests;
