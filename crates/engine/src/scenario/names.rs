//! Predefined names a scenario can use: GFP flags, `PF_*` task flags, `SLAB_*` cache flags,
//! errno values and a few kernel constants.
//!
//! GFP and PF names come from the flags module (`crate::gfp::flags`,
//! `crate::task::TaskFlags::NAMED`); this file only looks them up.

use crate::gfp::{Gfp, flags};
use crate::task::TaskFlags;

/// The value of a GFP name (`GFP_KERNEL`, `__GFP_NOFAIL`), from the flags module's
/// 6.12 table (`gfp::flags::FLAGS` and `COMPOSITES`).
#[must_use]
pub fn gfp_by_name(name: &str) -> Option<Gfp> {
    flags::lookup_6_12(name)
}

/// Every GFP name a scenario may use: each `__GFP_*` bit, then each composite.
pub fn gfp_names() -> impl Iterator<Item = &'static str> {
    flags::FLAGS
        .iter()
        .map(|f| f.name)
        .chain(flags::COMPOSITES.iter().map(|c| c.name))
}

/// The value of a `PF_*` task flag name.
#[must_use]
pub fn task_flag_by_name(name: &str) -> Option<u32> {
    TaskFlags::NAMED
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(f, _)| f.0)
}

/// Every `PF_*` name.
pub fn task_flag_names() -> impl Iterator<Item = &'static str> {
    TaskFlags::NAMED.iter().map(|(_, n)| *n)
}

/// `SLAB_*` flags (include/linux/slab.h, 6.12, enum `_slab_flag_bits`), bit numbers for a
/// configuration with CONFIG_MEMCG and CONFIG_KFENCE on, CONFIG_DEBUG_OBJECTS,
/// CONFIG_FAILSLAB, CONFIG_KASAN_GENERIC and CONFIG_SLUB_TINY off.
const SLAB_FLAGS: &[(&str, u32)] = &[
    ("SLAB_CONSISTENCY_CHECKS", 1 << 0),
    ("SLAB_RED_ZONE", 1 << 1),
    ("SLAB_POISON", 1 << 2),
    ("SLAB_KMALLOC", 1 << 3),
    ("SLAB_HWCACHE_ALIGN", 1 << 4),
    ("SLAB_CACHE_DMA", 1 << 5),
    ("SLAB_CACHE_DMA32", 1 << 6),
    ("SLAB_STORE_USER", 1 << 7),
    ("SLAB_PANIC", 1 << 8),
    ("SLAB_TYPESAFE_BY_RCU", 1 << 9),
    ("SLAB_TRACE", 1 << 10),
    ("SLAB_NOLEAKTRACE", 1 << 11),
    ("SLAB_NO_MERGE", 1 << 12),
    ("SLAB_ACCOUNT", 1 << 13),
    ("SLAB_NO_USER_FLAGS", 1 << 14),
    ("SLAB_SKIP_KFENCE", 1 << 15),
    ("SLAB_RECLAIM_ACCOUNT", 1 << 16),
];

/// `SLAB_RECLAIM_ACCOUNT`: objects are reclaimable (counted as SReclaimable, allocated
/// from MIGRATE_RECLAIMABLE pageblocks via `__GFP_RECLAIMABLE`).
pub const SLAB_RECLAIM_ACCOUNT: u32 = 1 << 16;
/// `SLAB_ACCOUNT`: objects are charged to the allocating task's memcg (`__GFP_ACCOUNT`).
pub const SLAB_ACCOUNT: u32 = 1 << 13;

/// The value of a `SLAB_*` name.
#[must_use]
pub fn slab_flag_by_name(name: &str) -> Option<u32> {
    SLAB_FLAGS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Every `SLAB_*` name.
pub fn slab_flag_names() -> impl Iterator<Item = &'static str> {
    SLAB_FLAGS.iter().map(|(n, _)| *n)
}

/// errno values (include/uapi/asm-generic/errno-base.h and errno.h). Use as `-ENOMEM`.
const ERRNOS: &[(&str, i64)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("EBADF", 9),
    ("EAGAIN", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("ENODEV", 19),
    ("EINVAL", 22),
    ("ENOSPC", 28),
    ("EPIPE", 32),
    ("ERANGE", 34),
    ("EDEADLK", 35),
    ("ENOSYS", 38),
    ("ENODATA", 61),
    ("ETIME", 62),
    ("EPROTO", 71),
    ("EOVERFLOW", 75),
    ("EOPNOTSUPP", 95),
    ("ENOBUFS", 105),
    ("ESHUTDOWN", 108),
    ("ETIMEDOUT", 110),
    ("ECONNRESET", 104),
    ("EINPROGRESS", 115),
];

/// The value of an errno name.
#[must_use]
pub fn errno_by_name(name: &str) -> Option<i64> {
    ERRNOS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Every errno name.
pub fn errno_names() -> impl Iterator<Item = &'static str> {
    ERRNOS.iter().map(|(n, _)| *n)
}

/// Other integer constants (x86-64, 4 KiB pages, 6.12).
const CONSTS: &[(&str, i64)] = &[
    ("PAGE_SHIFT", 12),
    ("PAGE_SIZE", 4096),
    // include/linux/mmzone.h: MAX_PAGE_ORDER (CONFIG_ARCH_FORCE_MAX_ORDER unset) = 10.
    ("MAX_PAGE_ORDER", 10),
    ("PAGE_ALLOC_COSTLY_ORDER", 3),
    // HPAGE_PMD_SHIFT - PAGE_SHIFT on x86-64.
    ("HPAGE_PMD_ORDER", 9),
    ("HPAGE_PMD_NR", 512),
    // include/linux/slab.h (SLUB): KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1.
    ("KMALLOC_MAX_CACHE_SIZE", 8192),
    ("INT_MAX", i32::MAX as i64),
    ("UINT_MAX", u32::MAX as i64),
    ("LONG_MAX", i64::MAX),
    ("SIZE_MAX", i64::MAX),
    ("ULONG_MAX", i64::MAX),
    ("NUMA_NO_NODE", -1),
];

/// The value of another named constant.
#[must_use]
pub fn const_by_name(name: &str) -> Option<i64> {
    CONSTS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Every other constant name.
pub fn const_names() -> impl Iterator<Item = &'static str> {
    CONSTS.iter().map(|(n, _)| *n)
}

/// Is `name` any predefined name?
#[must_use]
pub fn is_predefined(name: &str) -> bool {
    gfp_by_name(name).is_some()
        || task_flag_by_name(name).is_some()
        || slab_flag_by_name(name).is_some()
        || errno_by_name(name).is_some()
        || const_by_name(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composites_match_the_kernel() {
        // include/linux/gfp_types.h (6.12): GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS.
        assert_eq!(gfp_by_name("GFP_KERNEL"), Some(Gfp(0xcc0)));
        assert_eq!(gfp_by_name("GFP_NOFS"), Some(Gfp(0xc40)));
        assert_eq!(gfp_by_name("GFP_NOIO"), Some(Gfp(0xc00)));
        assert_eq!(gfp_by_name("GFP_ATOMIC"), Some(Gfp(0x820)));
        assert_eq!(gfp_by_name("GFP_KERNL"), None);
        assert_eq!(gfp_by_name("__GFP_NOFAIL"), Some(Gfp::NOFAIL));
        assert!(gfp_names().any(|n| n == "GFP_TRANSHUGE_LIGHT"));
        assert!(gfp_names().any(|n| n == "__GFP_NOLOCKDEP"));
        assert_eq!(task_flag_by_name("PF_MEMALLOC_NOFS"), Some(0x40000));
        assert_eq!(errno_by_name("ENOMEM"), Some(12));
    }
}
