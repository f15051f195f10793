//! SLUB (§8), modelled on Linux 6.12 mm/slub.c, mm/slab_common.c, include/linux/slab.h.
//!
//! What is modelled: the kmalloc size classes and cache types, named caches with their
//! size/alignment/order (`calculate_sizes`, `calculate_order`, `set_min_partial`), slabs with
//! per-slab free lists, one CPU's active slab, the node partial list, the discard rule for
//! empty slabs, `kmem_cache_shrink`, and the exact gfp `allocate_slab` passes to the page
//! allocator. Not modelled: per-CPU partial lists, cache merging (as with `slab_nomerge`),
//! freelist randomisation, debugging and KASAN padding, `CONFIG_RANDOM_KMALLOC_CACHES`.
//!
//! **Architecture invariant:** slab growth never calls the page allocator from here. It is
//! two-phase: [`Slub::try_alloc_object`] fails → [`Slub::allocate_slab_plan`] gives the
//! (order, gfp) attempts → the slow path (`alloc/`) allocates pages →
//! [`Machine::slab_add_slab`] adds them.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::event::MemEvent;
use super::{
    Arch, Machine, MemError, PAGE_ALLOC_COSTLY_ORDER, PAGE_SIZE, PageState, Pfn, get_order,
};
use crate::event::{Event, EventSink};
use crate::gfp::Gfp;
use crate::small_map::U64Map;
use crate::view::SlabCacheView;

/// `KMALLOC_SHIFT_LOW` on x86 (`ARCH_KMALLOC_MINALIGN` = 8).
pub const KMALLOC_SHIFT_LOW: u32 = 3;
/// `KMALLOC_SHIFT_HIGH` = PAGE_SHIFT + 1.
pub const KMALLOC_SHIFT_HIGH: u32 = 13;
/// `KMALLOC_MAX_CACHE_SIZE`: the largest slab-backed kmalloc (8 KiB).
pub const KMALLOC_MAX_CACHE_SIZE: u64 = 1 << KMALLOC_SHIFT_HIGH;
/// `KMALLOC_MAX_SIZE` = 1 << (MAX_PAGE_ORDER + PAGE_SHIFT) (4 MiB).
pub const KMALLOC_MAX_SIZE: u64 = 1 << 22;
/// `ZERO_SIZE_PTR`.
pub const ZERO_SIZE_PTR: u64 = 16;
/// `MAX_OBJS_PER_PAGE` (slab.objects is u15).
pub const MAX_OBJS_PER_PAGE: u32 = 32767;
/// `MIN_PARTIAL` / `MAX_PARTIAL` (mm/slub.c).
pub const MIN_PARTIAL: u32 = 5;
pub const MAX_PARTIAL: u32 = 10;
/// `cache_line_size()` on x86.
pub const CACHE_LINE_SIZE: u32 = 64;

/// `__GFP_BITS_MASK` for the 6.12 layout this model uses (bits 0..=24, incl. NOLOCKDEP).
pub const GFP_BITS_MASK: Gfp = Gfp((1 << 25) - 1);
/// `GFP_SLAB_BUG_MASK` = __GFP_DMA32 | __GFP_HIGHMEM | ~__GFP_BITS_MASK.
pub const GFP_SLAB_BUG_MASK: Gfp = Gfp(Gfp::DMA32.0 | Gfp::HIGHMEM.0 | !GFP_BITS_MASK.0);

/// `slab_flags_t` bits this model understands. The values are model-internal (the
/// kernel's depend on config); the names are the kernel's.
#[derive(Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlabFlags(pub u32);

impl SlabFlags {
    pub const KMALLOC: SlabFlags = SlabFlags(1 << 3);
    pub const HWCACHE_ALIGN: SlabFlags = SlabFlags(1 << 4);
    pub const CACHE_DMA: SlabFlags = SlabFlags(1 << 5);
    pub const CACHE_DMA32: SlabFlags = SlabFlags(1 << 6);
    pub const PANIC: SlabFlags = SlabFlags(1 << 8);
    pub const TYPESAFE_BY_RCU: SlabFlags = SlabFlags(1 << 9);
    pub const NO_MERGE: SlabFlags = SlabFlags(1 << 12);
    pub const ACCOUNT: SlabFlags = SlabFlags(1 << 14);
    pub const RECLAIM_ACCOUNT: SlabFlags = SlabFlags(1 << 17);

    const NAMES: [(SlabFlags, &'static str); 9] = [
        (Self::KMALLOC, "SLAB_KMALLOC"),
        (Self::HWCACHE_ALIGN, "SLAB_HWCACHE_ALIGN"),
        (Self::CACHE_DMA, "SLAB_CACHE_DMA"),
        (Self::CACHE_DMA32, "SLAB_CACHE_DMA32"),
        (Self::PANIC, "SLAB_PANIC"),
        (Self::TYPESAFE_BY_RCU, "SLAB_TYPESAFE_BY_RCU"),
        (Self::NO_MERGE, "SLAB_NO_MERGE"),
        (Self::ACCOUNT, "SLAB_ACCOUNT"),
        (Self::RECLAIM_ACCOUNT, "SLAB_RECLAIM_ACCOUNT"),
    ];

    #[must_use]
    pub const fn contains(self, other: SlabFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Parses `SLAB_A|SLAB_B` (or `0`).
    ///
    /// # Errors
    /// [`MemError::BadCache`] naming an unknown flag.
    pub fn parse(text: &str) -> Result<SlabFlags, MemError> {
        let mut out = SlabFlags(0);
        for tok in text
            .split('|')
            .map(str::trim)
            .filter(|t| !t.is_empty() && *t != "0")
        {
            let Some((f, _)) = Self::NAMES.iter().find(|(_, n)| *n == tok) else {
                return Err(MemError::BadCache(format!("unknown slab flag `{tok}`")));
            };
            out = out | *f;
        }
        Ok(out)
    }
}

impl std::ops::BitOr for SlabFlags {
    type Output = SlabFlags;
    fn bitor(self, rhs: SlabFlags) -> SlabFlags {
        SlabFlags(self.0 | rhs.0)
    }
}

impl std::fmt::Debug for SlabFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = Self::NAMES
            .iter()
            .filter(|(fl, _)| self.contains(*fl))
            .map(|(_, n)| *n)
            .collect();
        if names.is_empty() {
            write!(f, "0")
        } else {
            write!(f, "{}", names.join("|"))
        }
    }
}

/// `enum kmalloc_cache_type` (no random copies, no NO_OBJ_EXT): NORMAL, RECLAIM, DMA, CGROUP.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub enum KmallocType {
    Normal = 0,
    Reclaim = 1,
    Dma = 2,
    Cgroup = 3,
}

impl KmallocType {
    pub const ALL: [KmallocType; 4] = [
        KmallocType::Normal,
        KmallocType::Reclaim,
        KmallocType::Dma,
        KmallocType::Cgroup,
    ];
    /// Cache name prefix (`INIT_KMALLOC_INFO`).
    #[must_use]
    pub const fn prefix(self) -> &'static str {
        match self {
            KmallocType::Normal => "kmalloc-",
            KmallocType::Reclaim => "kmalloc-rcl-",
            KmallocType::Dma => "dma-kmalloc-",
            KmallocType::Cgroup => "kmalloc-cg-",
        }
    }
}

/// `kmalloc_type(flags, caller)` (include/linux/slab.h 6.12; CONFIG_ZONE_DMA and
/// CONFIG_MEMCG on): priorities __GFP_DMA, then __GFP_RECLAIMABLE, then __GFP_ACCOUNT (§8.3).
#[must_use]
pub const fn kmalloc_type(gfp: Gfp) -> KmallocType {
    let not_normal = Gfp::RECLAIMABLE.0 | Gfp::DMA.0 | Gfp::ACCOUNT.0;
    if gfp.0 & not_normal == 0 {
        return KmallocType::Normal;
    }
    if gfp.0 & Gfp::DMA.0 != 0 {
        return KmallocType::Dma;
    }
    if gfp.0 & Gfp::RECLAIMABLE.0 != 0 {
        KmallocType::Reclaim
    } else {
        KmallocType::Cgroup
    }
}

/// `kmalloc_size_index[]` (mm/slab_common.c): sizes 1..=192 by (size-1)/8.
const KMALLOC_SIZE_INDEX: [u8; 24] = [
    3, 4, 5, 5, 6, 6, 6, 6, 1, 1, 1, 1, 7, 7, 7, 7, 2, 2, 2, 2, 2, 2, 2, 2,
];

/// `kmalloc_index(size)` / the runtime `kmalloc_slab` index: `None` for 0 or sizes above
/// KMALLOC_MAX_CACHE_SIZE. Index 1 = kmalloc-96, 2 = kmalloc-192, n ≥ 3 = 2^n bytes (§8.2).
#[must_use]
pub fn kmalloc_index(size: u64) -> Option<u32> {
    if size == 0 || size > KMALLOC_MAX_CACHE_SIZE {
        return None;
    }
    if size <= 192 {
        return Some(u32::from(KMALLOC_SIZE_INDEX[((size - 1) / 8) as usize]));
    }
    // fls(size - 1)
    Some(64 - (size - 1).leading_zeros())
}

/// Object size of kmalloc index `i` (`kmalloc_info[i].size`).
#[must_use]
pub const fn kmalloc_index_size(i: u32) -> u32 {
    match i {
        1 => 96,
        2 => 192,
        _ => 1 << i,
    }
}

/// Short size in cache names: 8..512, then 1k, 2k, 4k, 8k.
fn short_size(size: u32) -> String {
    if size >= 1024 {
        format!("{}k", size / 1024)
    } else {
        size.to_string()
    }
}

/// Where a `kmalloc(size, gfp)` goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KmallocTarget {
    /// `kmalloc(0)` returns ZERO_SIZE_PTR without allocating.
    ZeroSizePtr,
    /// A kmalloc cache.
    Cache { cache: u32 },
    /// Above KMALLOC_MAX_CACHE_SIZE: `__kmalloc_large_node` → `alloc_pages(gfp | __GFP_COMP,
    /// get_order(size))`, after `kmalloc_fix_flags` if gfp had GFP_SLAB_BUG_MASK bits. An
    /// order above MAX_PAGE_ORDER (size > KMALLOC_MAX_SIZE) makes the page allocator WARN
    /// and fail.
    Large { order: u32, gfp: Gfp },
}

/// `kmalloc_fix_flags()`: the bad bits and the fixed mask, when `gfp` has GFP_SLAB_BUG_MASK
/// bits (the kernel prints "Unexpected gfp: %#x (%pGg). Fixing up to gfp: %#x (%pGg). Fix
/// your code!" and dumps the stack).
#[must_use]
pub const fn kmalloc_fix_flags(gfp: Gfp) -> Option<(Gfp, Gfp)> {
    let invalid = gfp.0 & GFP_SLAB_BUG_MASK.0;
    if invalid == 0 {
        None
    } else {
        Some((Gfp(invalid), Gfp(gfp.0 & !GFP_SLAB_BUG_MASK.0)))
    }
}

/// One page-allocator attempt of `allocate_slab`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct SlabAttempt {
    pub order: u32,
    pub gfp: Gfp,
    /// Objects a slab of this order holds.
    pub objects: u32,
}

/// The two attempts `allocate_slab()` makes (6.12 mm/slub.c, §8.6): first the preferred
/// order `s->oo` with `(flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL` (and, if the
/// caller may direct-reclaim and oo > min, `| __GFP_NOMEMALLOC` and `& ~__GFP_RECLAIM`),
/// then the minimum order `s->min` with the filtered caller flags.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct SlabPlan {
    pub cache: u32,
    pub first: SlabAttempt,
    pub fallback: SlabAttempt,
    /// `kmalloc_fix_flags` in `new_slab`: (bad bits, fixed mask) if the caller's gfp had any.
    pub fixed_flags: Option<(Gfp, Gfp)>,
}

/// A reference to one slab object: cache id, slab head pfn, object index in the slab.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct ObjRef {
    pub cache: u32,
    pub slab_pfn: u64,
    pub index: u32,
}

/// Per-object bits.
const OBJ_ALLOCATED: u8 = 1;
const OBJ_RECLAIMABLE: u8 = 2;

/// One slab (a compound page of `order`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Slab {
    order: u32,
    objects: u32,
    inuse: u32,
    /// Free object indices; the last entry is the freelist head (LIFO, like SLUB).
    free: Vec<u32>,
    obj: Vec<u8>,
    on_partial: bool,
}

/// `struct kmem_cache`.
#[derive(Clone, Debug)]
pub struct KmemCache {
    id: u32,
    name: String,
    object_size: u32,
    size: u32,
    align: u32,
    flags: SlabFlags,
    oo_order: u32,
    oo_objects: u32,
    min_order: u32,
    min_objects: u32,
    allocflags: Gfp,
    min_partial: u32,
    /// A reclaimable cache's owner (e.g. "ext4 superblock"), whose shrinker frees its objects.
    shrinker_owner: Option<String>,
    slabs: U64Map<Slab>,
    /// Node partial list (head first).
    partial: VecDeque<u64>,
    /// The active slab of the (single modelled) CPU.
    cpu_slab: Option<u64>,
    /// Reclaimable objects, oldest first (may hold stale entries; checked when popped).
    lru: VecDeque<ObjRef>,
    nr_reclaimable: u64,
    /// Sums over `slabs`, kept up to date by every change to a slab, so that the per-step
    /// views and counters do not walk thousands of slabs (checked by `check_invariants`).
    totals: SlabTotals,
}

/// Sums over a cache's slabs (`count_partial()`-style totals the kernel would compute by
/// walking its lists; here maintained incrementally).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct SlabTotals {
    objects: u64,
    inuse: u64,
    pages: u64,
    full: u64,
    empty: u64,
}

impl SlabTotals {
    /// Recomputed from scratch (for the invariant check).
    fn of(slabs: &U64Map<Slab>) -> SlabTotals {
        let mut t = SlabTotals::default();
        for s in slabs.values() {
            t.add_slab(s);
        }
        t
    }

    fn add_slab(&mut self, s: &Slab) {
        self.objects += u64::from(s.objects);
        self.inuse += u64::from(s.inuse);
        self.pages += 1 << s.order;
        self.count_state(s.inuse, s.objects, 1);
    }

    fn remove_slab(&mut self, s: &Slab) {
        self.objects -= u64::from(s.objects);
        self.inuse -= u64::from(s.inuse);
        self.pages -= 1 << s.order;
        self.count_state(s.inuse, s.objects, -1);
    }

    /// A slab's `inuse` changed from `before` to `after`.
    fn inuse_changed(&mut self, before: u32, after: u32, objects: u32) {
        self.inuse = self.inuse + u64::from(after) - u64::from(before);
        self.count_state(before, objects, -1);
        self.count_state(after, objects, 1);
    }

    fn count_state(&mut self, inuse: u32, objects: u32, d: i64) {
        let slot = if inuse == 0 {
            &mut self.empty
        } else if inuse == objects {
            &mut self.full
        } else {
            return;
        };
        *slot = slot.wrapping_add_signed(d);
    }
}

impl KmemCache {
    #[must_use]
    pub const fn id(&self) -> u32 {
        self.id
    }
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `s->object_size`.
    #[must_use]
    pub const fn object_size(&self) -> u32 {
        self.object_size
    }
    /// `s->size` (object plus alignment/free pointer).
    #[must_use]
    pub const fn size(&self) -> u32 {
        self.size
    }
    #[must_use]
    pub const fn align(&self) -> u32 {
        self.align
    }
    #[must_use]
    pub const fn flags(&self) -> SlabFlags {
        self.flags
    }
    /// `oo_order(s->oo)`.
    #[must_use]
    pub const fn order(&self) -> u32 {
        self.oo_order
    }
    /// `oo_objects(s->oo)`.
    #[must_use]
    pub const fn objects_per_slab(&self) -> u32 {
        self.oo_objects
    }
    /// `oo_order(s->min)`.
    #[must_use]
    pub const fn min_order(&self) -> u32 {
        self.min_order
    }
    /// `s->allocflags`.
    #[must_use]
    pub const fn allocflags(&self) -> Gfp {
        self.allocflags
    }
    /// `s->min_partial`.
    #[must_use]
    pub const fn min_partial(&self) -> u32 {
        self.min_partial
    }
    /// SLAB_RECLAIM_ACCOUNT.
    #[must_use]
    pub const fn is_reclaimable(&self) -> bool {
        self.flags.contains(SlabFlags::RECLAIM_ACCOUNT)
    }
    #[must_use]
    pub fn shrinker_owner(&self) -> Option<&str> {
        self.shrinker_owner.as_deref()
    }
    /// Number of slabs.
    #[must_use]
    pub fn nr_slabs(&self) -> u64 {
        self.slabs.len() as u64
    }
    /// Total objects in all slabs.
    #[must_use]
    pub fn nr_objects(&self) -> u64 {
        self.totals.objects
    }
    /// Allocated objects.
    #[must_use]
    pub fn nr_active_objects(&self) -> u64 {
        self.totals.inuse
    }
    /// Pages held by this cache's slabs.
    #[must_use]
    pub fn nr_pages(&self) -> u64 {
        self.totals.pages
    }
    /// Length of the node partial list.
    #[must_use]
    pub fn nr_partial(&self) -> usize {
        self.partial.len()
    }
    /// Allocated objects the shrinker may free.
    #[must_use]
    pub const fn nr_reclaimable_objects(&self) -> u64 {
        self.nr_reclaimable
    }
    /// (full, partial, empty) slab counts by occupancy.
    #[must_use]
    pub fn slab_counts(&self) -> (u64, u64, u64) {
        let t = &self.totals;
        (t.full, self.nr_slabs() - t.full - t.empty, t.empty)
    }
    /// The UI's picture of this cache.
    #[must_use]
    pub fn view(&self) -> SlabCacheView {
        let (full, partial, empty) = self.slab_counts();
        SlabCacheView {
            name: self.name.clone(),
            object_size: self.object_size,
            objects_per_slab: self.oo_objects,
            order: self.oo_order,
            active_objects: self.nr_active_objects(),
            total_objects: self.nr_objects(),
            full_slabs: full,
            partial_slabs: partial,
            empty_slabs: empty,
            reclaimable: self.is_reclaimable(),
        }
    }
}

/// Optional `struct kmem_cache_args` fields.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct KmemCacheArgs {
    /// Requested alignment (0 = none).
    pub align: u32,
    /// The cache has a constructor (moves the free pointer out of the object).
    pub ctor: bool,
}

/// What `/proc/slabinfo`'s `get_slabinfo()` reports for a cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlabInfo {
    pub name: String,
    pub active_objs: u64,
    pub num_objs: u64,
    pub objsize: u32,
    pub objperslab: u32,
    pub pagesperslab: u32,
    pub active_slabs: u64,
    pub num_slabs: u64,
}

/// All slab caches of a machine (SLUB).
#[derive(Clone, Debug)]
pub struct Slub {
    nr_cpus: u32,
    arch: Arch,
    caches: Vec<KmemCache>,
    /// `kmalloc_caches[type][index]` → cache id.
    kmalloc: [[Option<u32>; KMALLOC_SHIFT_HIGH as usize + 1]; 4],
}

impl Slub {
    /// Creates the kmalloc caches like `create_kmalloc_caches()`: for each type NORMAL,
    /// RECLAIM, DMA, CGROUP: kmalloc-96, kmalloc-192, then 8 … 8k.
    pub(crate) fn new(nr_cpus: u32, arch: Arch) -> Slub {
        let mut s = Slub {
            nr_cpus: nr_cpus.max(1),
            arch,
            caches: Vec::new(),
            kmalloc: [[None; KMALLOC_SHIFT_HIGH as usize + 1]; 4],
        };
        for ty in KmallocType::ALL {
            let mut flags = SlabFlags::KMALLOC;
            match ty {
                KmallocType::Reclaim => flags = flags | SlabFlags::RECLAIM_ACCOUNT,
                KmallocType::Cgroup => flags = flags | SlabFlags::ACCOUNT,
                KmallocType::Dma => flags = flags | SlabFlags::CACHE_DMA,
                KmallocType::Normal => flags = flags | SlabFlags::NO_MERGE,
            }
            let indices = [1, 2]
                .into_iter()
                .chain(KMALLOC_SHIFT_LOW..=KMALLOC_SHIFT_HIGH);
            for idx in indices {
                let size = kmalloc_index_size(idx);
                let name = format!("{}{}", ty.prefix(), short_size(size));
                // create_boot_cache(): align = max(ARCH_KMALLOC_MINALIGN, 1 << (ffs(size) - 1)).
                let align = 8u32.max(1 << size.trailing_zeros());
                let id = s.create(name, size, flags, KmemCacheArgs { align, ctor: false });
                s.kmalloc[ty as usize][idx as usize] = Some(id);
            }
        }
        s
    }

    /// `num_present_cpus()` used by `calculate_order`.
    #[must_use]
    pub const fn nr_cpus(&self) -> u32 {
        self.nr_cpus
    }

    /// The architecture.
    #[must_use]
    pub const fn arch(&self) -> Arch {
        self.arch
    }

    /// Every cache, in creation order.
    #[must_use]
    pub fn caches(&self) -> &[KmemCache] {
        &self.caches
    }

    /// Cache by id.
    #[must_use]
    pub fn cache(&self, id: u32) -> Option<&KmemCache> {
        self.caches.get(id as usize)
    }

    /// Cache by name.
    #[must_use]
    pub fn cache_by_name(&self, name: &str) -> Option<&KmemCache> {
        self.caches.iter().find(|c| c.name == name)
    }

    fn cache_mut(&mut self, id: u32) -> Result<&mut KmemCache, MemError> {
        self.caches
            .get_mut(id as usize)
            .ok_or(MemError::NoSuchCache { id })
    }

    /// `kmalloc_caches[type][index]`.
    #[must_use]
    pub fn kmalloc_cache(&self, ty: KmallocType, index: u32) -> Option<u32> {
        self.kmalloc
            .get(ty as usize)?
            .get(index as usize)
            .copied()
            .flatten()
    }

    /// Where `kmalloc(size, gfp)` goes (`__do_kmalloc_node` / `kmalloc_slab` /
    /// `__kmalloc_large_node`, §8.2–§8.4).
    #[must_use]
    pub fn kmalloc_target(&self, size: u64, gfp: Gfp) -> KmallocTarget {
        if size == 0 {
            return KmallocTarget::ZeroSizePtr;
        }
        if size > KMALLOC_MAX_CACHE_SIZE {
            let fixed = kmalloc_fix_flags(gfp).map_or(gfp, |(_, f)| f);
            return KmallocTarget::Large {
                order: get_order(size),
                gfp: fixed | Gfp::COMP,
            };
        }
        let idx = kmalloc_index(size).unwrap_or(KMALLOC_SHIFT_LOW);
        let cache = self
            .kmalloc_cache(kmalloc_type(gfp), idx)
            .or_else(|| self.kmalloc_cache(KmallocType::Normal, idx))
            .unwrap_or(0);
        KmallocTarget::Cache { cache }
    }

    /// `kmem_cache_create(name, size, 0, flags, NULL)`.
    ///
    /// # Errors
    /// [`MemError::BadCache`] for an empty or duplicate name, a size of 0 or above
    /// KMALLOC_MAX_SIZE, or too many caches.
    pub fn kmem_cache_create(
        &mut self,
        name: &str,
        size: u32,
        flags: SlabFlags,
    ) -> Result<u32, MemError> {
        self.kmem_cache_create_args(name, size, flags, KmemCacheArgs::default())
    }

    /// `kmem_cache_create()` with an alignment and/or constructor.
    ///
    /// # Errors
    /// As [`Slub::kmem_cache_create`].
    pub fn kmem_cache_create_args(
        &mut self,
        name: &str,
        size: u32,
        flags: SlabFlags,
        args: KmemCacheArgs,
    ) -> Result<u32, MemError> {
        if name.is_empty() || self.cache_by_name(name).is_some() {
            return Err(MemError::BadCache(format!(
                "cache name `{name}` empty or already used"
            )));
        }
        if size == 0 || u64::from(size) > KMALLOC_MAX_SIZE {
            return Err(MemError::BadCache(format!(
                "object size {size} for `{name}`"
            )));
        }
        if args.align > 4096 || (args.align != 0 && !args.align.is_power_of_two()) {
            return Err(MemError::BadCache(format!(
                "alignment {} for `{name}`",
                args.align
            )));
        }
        if self.caches.len() >= usize::from(u16::MAX) {
            return Err(MemError::BadCache("too many caches".into()));
        }
        Ok(self.create(name.to_string(), size, flags, args))
    }

    /// Names the shrinker that owns a reclaimable cache (e.g. a filesystem superblock).
    ///
    /// # Errors
    /// Unknown cache id.
    pub fn set_shrinker_owner(&mut self, cache: u32, owner: &str) -> Result<(), MemError> {
        self.cache_mut(cache)?.shrinker_owner = Some(owner.to_string());
        Ok(())
    }

    /// `do_kmem_cache_create` → `calculate_alignment`, `calculate_sizes`, `set_min_partial`.
    fn create(
        &mut self,
        name: String,
        object_size: u32,
        flags: SlabFlags,
        args: KmemCacheArgs,
    ) -> u32 {
        let align = calculate_alignment(flags, args.align, object_size);
        // calculate_sizes(): word-align, free pointer outside the object for
        // TYPESAFE_BY_RCU or a constructor, then align.
        let mut size = object_size.next_multiple_of(8);
        if flags.contains(SlabFlags::TYPESAFE_BY_RCU) || args.ctor {
            size += 8;
        }
        size = size.next_multiple_of(align);
        let order = calculate_order(size, self.nr_cpus);
        let mut allocflags = Gfp::COMP;
        if flags.contains(SlabFlags::CACHE_DMA) {
            allocflags |= Gfp::DMA;
        }
        if flags.contains(SlabFlags::CACHE_DMA32) {
            allocflags |= Gfp::DMA32;
        }
        if flags.contains(SlabFlags::RECLAIM_ACCOUNT) {
            allocflags |= Gfp::RECLAIMABLE;
        }
        let min_order = get_order(u64::from(size));
        let min_partial = (size.ilog2() / 2).clamp(MIN_PARTIAL, MAX_PARTIAL);
        let id = self.caches.len() as u32;
        self.caches.push(KmemCache {
            id,
            name,
            object_size,
            size,
            align,
            flags,
            oo_order: order,
            oo_objects: order_objects(order, size),
            min_order,
            min_objects: order_objects(min_order, size),
            allocflags,
            min_partial,
            shrinker_owner: None,
            slabs: U64Map::new(),
            partial: VecDeque::new(),
            cpu_slab: None,
            lru: VecDeque::new(),
            nr_reclaimable: 0,
            totals: SlabTotals::default(),
        });
        id
    }

    /// The gfps `new_slab()`/`allocate_slab()` would pass to the page allocator for a
    /// caller's `gfp` (6.12 mm/slub.c, §8.6).
    ///
    /// # Errors
    /// Unknown cache id.
    pub fn allocate_slab_plan(&self, cache: u32, caller_gfp: Gfp) -> Result<SlabPlan, MemError> {
        let c = self
            .cache(cache)
            .ok_or(MemError::NoSuchCache { id: cache })?;
        let fixed_flags = kmalloc_fix_flags(caller_gfp);
        let mut flags = fixed_flags.map_or(caller_gfp, |(_, f)| f);
        // new_slab(): flags & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK).
        flags &= Gfp::RECLAIM_MASK | Gfp::CONSTRAINT_MASK;
        // allocate_slab(): flags &= gfp_allowed_mask (all bits after boot); flags |= s->allocflags.
        flags |= c.allocflags;
        let mut first = flags
            .union(Gfp::NOWARN)
            .union(Gfp::NORETRY)
            .without(Gfp::NOFAIL);
        if first.contains(Gfp::DIRECT_RECLAIM) && c.oo_order > c.min_order {
            first = first.union(Gfp::NOMEMALLOC).without(Gfp::RECLAIM);
        }
        Ok(SlabPlan {
            cache,
            first: SlabAttempt {
                order: c.oo_order,
                gfp: first,
                objects: c.oo_objects,
            },
            fallback: SlabAttempt {
                order: c.min_order,
                gfp: flags,
                objects: c.min_objects,
            },
            fixed_flags,
        })
    }

    /// Takes a free object from the CPU slab or the node partial list; `None` means the
    /// cache must grow (see [`Slub::allocate_slab_plan`]).
    ///
    /// # Errors
    /// Unknown cache id.
    pub fn try_alloc_object(&mut self, cache: u32) -> Result<Option<ObjRef>, MemError> {
        let c = self.cache_mut(cache)?;
        let cpu_has_free = c
            .cpu_slab
            .and_then(|p| c.slabs.get(&p))
            .is_some_and(|s| !s.free.is_empty());
        if !cpu_has_free {
            // The full CPU slab is left off every list; take the first partial slab.
            c.cpu_slab = None;
            let Some(pfn) = c.partial.pop_front() else {
                return Ok(None);
            };
            if let Some(s) = c.slabs.get_mut(&pfn) {
                s.on_partial = false;
            }
            c.cpu_slab = Some(pfn);
        }
        let Some(pfn) = c.cpu_slab else {
            return Ok(None);
        };
        let Some(slab) = c.slabs.get_mut(&pfn) else {
            return Ok(None);
        };
        let Some(index) = slab.free.pop() else {
            return Ok(None);
        };
        slab.inuse += 1;
        slab.obj[index as usize] = OBJ_ALLOCATED;
        c.totals
            .inuse_changed(slab.inuse - 1, slab.inuse, slab.objects);
        Ok(Some(ObjRef {
            cache,
            slab_pfn: pfn,
            index,
        }))
    }

    /// Marks an allocated object as reclaimable by its cache's shrinker (e.g. an unused
    /// dentry or inode).
    ///
    /// # Errors
    /// The object is not allocated.
    pub fn mark_reclaimable(&mut self, obj: ObjRef) -> Result<(), MemError> {
        let c = self.cache_mut(obj.cache)?;
        let slab = c
            .slabs
            .get_mut(&obj.slab_pfn)
            .ok_or(MemError::BadObject { obj })?;
        let bits = slab
            .obj
            .get_mut(obj.index as usize)
            .ok_or(MemError::BadObject { obj })?;
        if *bits & OBJ_ALLOCATED == 0 {
            return Err(MemError::BadObject { obj });
        }
        if *bits & OBJ_RECLAIMABLE == 0 {
            *bits |= OBJ_RECLAIMABLE;
            c.nr_reclaimable += 1;
            c.lru.push_back(obj);
        }
        // Drop stale LRU entries (objects freed directly) once they dominate.
        if c.lru.len() as u64 > 2 * c.nr_reclaimable + 1024 {
            let slabs = &c.slabs;
            c.lru.retain(|o| {
                slabs
                    .get(&o.slab_pfn)
                    .and_then(|s| s.obj.get(o.index as usize))
                    .is_some_and(|&b| b == OBJ_ALLOCATED | OBJ_RECLAIMABLE)
            });
        }
        Ok(())
    }

    /// The kernel virtual address of an object (`slab_address + index * size`, in the
    /// direct map: `PAGE_OFFSET` 0xffff888000000000 on x86-64, 0xc0000000 on i386).
    #[must_use]
    pub fn obj_addr(&self, obj: ObjRef) -> Option<u64> {
        let c = self.cache(obj.cache)?;
        let s = c.slabs.get(&obj.slab_pfn)?;
        (obj.index < s.objects).then(|| {
            page_offset(self.arch)
                + obj.slab_pfn * PAGE_SIZE
                + u64::from(obj.index) * u64::from(c.size)
        })
    }

    /// `virt_to_slab()` + `obj_to_index()`: the object a direct-map address falls in, if it
    /// is inside a slab of some cache (allocated or not).
    #[must_use]
    pub fn obj_at_addr(&self, addr: u64) -> Option<ObjRef> {
        let base = page_offset(self.arch);
        let off = addr.checked_sub(base)?;
        let pfn = off / PAGE_SIZE;
        for c in &self.caches {
            // The slab containing pfn starts at or below it.
            if let Some((spfn, s)) = c.slabs.last_in(..=pfn)
                && pfn < spfn + (1 << s.order)
            {
                let index = ((off - spfn * PAGE_SIZE) / u64::from(c.size)) as u32;
                return (index < s.objects).then_some(ObjRef {
                    cache: c.id,
                    slab_pfn: spfn,
                    index,
                });
            }
        }
        None
    }

    /// Whether `obj` is currently allocated.
    #[must_use]
    pub fn is_allocated(&self, obj: ObjRef) -> bool {
        self.cache(obj.cache)
            .and_then(|c| c.slabs.get(&obj.slab_pfn))
            .and_then(|s| s.obj.get(obj.index as usize))
            .is_some_and(|&b| b & OBJ_ALLOCATED != 0)
    }

    /// Frees an object; returns the slab to discard (pfn, order) when the slab became empty
    /// and the partial list already holds `min_partial` slabs (`__slab_free`).
    fn free_object_inner(&mut self, obj: ObjRef) -> Result<Option<(u64, u32)>, MemError> {
        let c = self.cache_mut(obj.cache)?;
        let min_partial = c.min_partial as usize;
        let is_cpu = c.cpu_slab == Some(obj.slab_pfn);
        let nr_partial = c.partial.len();
        let slab = c
            .slabs
            .get_mut(&obj.slab_pfn)
            .ok_or(MemError::BadObject { obj })?;
        let bits = slab
            .obj
            .get_mut(obj.index as usize)
            .ok_or(MemError::BadObject { obj })?;
        if *bits & OBJ_ALLOCATED == 0 {
            return Err(MemError::BadObject { obj });
        }
        if *bits & OBJ_RECLAIMABLE != 0 {
            c.nr_reclaimable -= 1;
        }
        *bits = 0;
        let was_full = slab.inuse == slab.objects;
        slab.inuse -= 1;
        slab.free.push(obj.index);
        c.totals
            .inuse_changed(slab.inuse + 1, slab.inuse, slab.objects);
        if is_cpu {
            return Ok(None);
        }
        if slab.inuse == 0 && nr_partial >= min_partial {
            let order = slab.order;
            if slab.on_partial {
                c.partial.retain(|&p| p != obj.slab_pfn);
            }
            if let Some(gone) = c.slabs.remove(&obj.slab_pfn) {
                c.totals.remove_slab(&gone);
            }
            return Ok(Some((obj.slab_pfn, order)));
        }
        if was_full && !slab.on_partial {
            // add_partial(n, slab, DEACTIVATE_TO_TAIL).
            slab.on_partial = true;
            c.partial.push_back(obj.slab_pfn);
        }
        Ok(None)
    }

    /// `get_slabinfo()` for each cache, in `/proc/slabinfo` order (`slab_caches` is built
    /// with `list_add`, so the newest cache comes first).
    #[must_use]
    pub fn slabinfo(&self) -> Vec<SlabInfo> {
        self.caches
            .iter()
            .rev()
            .map(|c| {
                // count_partial_free_approx(): free objects on node partial slabs only; the
                // CPU slab's free objects count as active, as in SLUB.
                let free: u64 = c
                    .partial
                    .iter()
                    .filter_map(|p| c.slabs.get(p))
                    .map(|s| u64::from(s.objects - s.inuse))
                    .sum();
                let nr_objs = c.nr_objects();
                SlabInfo {
                    name: c.name.clone(),
                    active_objs: nr_objs - free,
                    num_objs: nr_objs,
                    objsize: c.size,
                    objperslab: c.oo_objects,
                    pagesperslab: 1 << c.oo_order,
                    active_slabs: c.nr_slabs(),
                    num_slabs: c.nr_slabs(),
                }
            })
            .collect()
    }

    /// Views of caches that have slabs (plus every reclaimable or named cache), for the UI.
    #[must_use]
    pub fn views(&self) -> Vec<SlabCacheView> {
        self.caches
            .iter()
            .filter(|c| !c.slabs.is_empty() || !c.flags.contains(SlabFlags::KMALLOC))
            .map(KmemCache::view)
            .collect()
    }

    /// The lines `slab_out_of_memory()` prints (6.12) when both slab attempts failed and the
    /// caller did not pass `__GFP_NOWARN`. `gfp_text` is `%pGg` of `gfp`.
    ///
    /// # Errors
    /// Unknown cache id.
    pub fn slab_out_of_memory_lines(
        &self,
        cache: u32,
        gfp: Gfp,
        gfp_text: &str,
        cpu: u32,
        nid: i32,
    ) -> Result<Vec<String>, MemError> {
        let c = self
            .cache(cache)
            .ok_or(MemError::NoSuchCache { id: cache })?;
        let free: u64 = c
            .partial
            .iter()
            .filter_map(|p| c.slabs.get(p))
            .map(|s| u64::from(s.objects - s.inuse))
            .sum();
        Ok(vec![
            format!(
                "SLUB: Unable to allocate memory on CPU {cpu} (of node 0) on node {nid}, gfp={:#x}({gfp_text})",
                gfp.0
            ),
            format!(
                "  cache: {}, object size: {}, buffer size: {}, default order: {}, min order: {}",
                c.name, c.object_size, c.size, c.oo_order, c.min_order
            ),
            format!(
                "  node 0: slabs: {}, objs: {}, free: {free}",
                c.nr_slabs(),
                c.nr_objects()
            ),
        ])
    }

    /// Slab invariants against the machine's pages: every slab's pages are allocated as
    /// [`PageState::Slab`] of its cache, object counts add up, list membership matches
    /// occupancy, and no slab page exists without a slab.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_invariants(&self, machine: &Machine) -> Result<(), String> {
        let mut slab_pages_by_cache = vec![0u64; self.caches.len()];
        for c in &self.caches {
            let mut reclaimable = 0u64;
            for (pfn, s) in c.slabs.iter() {
                let name = &c.name;
                if machine.allocated_block(Pfn(pfn)) != Some((Pfn(pfn), s.order)) {
                    return Err(format!(
                        "{name}: slab {pfn:#x} is not an allocated order-{} block",
                        s.order
                    ));
                }
                for p in pfn..pfn + (1 << s.order) {
                    if machine.page_state(Pfn(p)) != (PageState::Slab { cache: c.id as u16 }) {
                        return Err(format!(
                            "{name}: page {p:#x} of slab {pfn:#x} is {:?}",
                            machine.page_state(Pfn(p))
                        ));
                    }
                }
                let allocated = s.obj.iter().filter(|&&b| b & OBJ_ALLOCATED != 0).count() as u32;
                if s.obj.len() as u32 != s.objects
                    || allocated != s.inuse
                    || s.free.len() as u32 + s.inuse != s.objects
                {
                    return Err(format!(
                        "{name}: slab {pfn:#x} objects {} inuse {} allocated {allocated} free {}",
                        s.objects,
                        s.inuse,
                        s.free.len()
                    ));
                }
                if s.free.iter().any(|&i| {
                    s.obj
                        .get(i as usize)
                        .is_none_or(|&b| b & OBJ_ALLOCATED != 0)
                }) {
                    return Err(format!(
                        "{name}: slab {pfn:#x} has an allocated object on its freelist"
                    ));
                }
                reclaimable += s.obj.iter().filter(|&&b| b & OBJ_RECLAIMABLE != 0).count() as u64;
                let listed = c.partial.contains(&pfn);
                if listed != s.on_partial {
                    return Err(format!(
                        "{name}: slab {pfn:#x} on_partial flag disagrees with the list"
                    ));
                }
                if c.cpu_slab == Some(pfn) && listed {
                    return Err(format!(
                        "{name}: CPU slab {pfn:#x} is also on the partial list"
                    ));
                }
                if listed && s.inuse == s.objects {
                    return Err(format!("{name}: full slab {pfn:#x} on the partial list"));
                }
                if c.cpu_slab != Some(pfn) && !listed && s.inuse != s.objects {
                    return Err(format!("{name}: non-full slab {pfn:#x} on no list"));
                }
                slab_pages_by_cache[c.id as usize] += 1 << s.order;
            }
            if reclaimable != c.nr_reclaimable {
                return Err(format!(
                    "{}: {reclaimable} reclaimable objects, counter {}",
                    c.name, c.nr_reclaimable
                ));
            }
            if c.totals != SlabTotals::of(&c.slabs) {
                return Err(format!(
                    "{}: slab totals {:?}, recounted {:?}",
                    c.name,
                    c.totals,
                    SlabTotals::of(&c.slabs)
                ));
            }
            if c.partial.len() != c.slabs.values().filter(|s| s.on_partial).count() {
                return Err(format!(
                    "{}: partial list has duplicates or strangers",
                    c.name
                ));
            }
            if let Some(p) = c.cpu_slab
                && !c.slabs.contains_key(&p)
            {
                return Err(format!("{}: CPU slab {p:#x} does not exist", c.name));
            }
        }
        let mut seen = vec![0u64; self.caches.len()];
        for z in machine.zones() {
            for (_, order, state) in z.allocated_blocks() {
                if let PageState::Slab { cache } = state {
                    let Some(n) = seen.get_mut(usize::from(cache)) else {
                        return Err(format!("slab page of unknown cache {cache}"));
                    };
                    *n += 1 << order;
                }
            }
        }
        if seen != slab_pages_by_cache {
            return Err("slab pages in the memory map do not match the caches' slabs".to_string());
        }
        Ok(())
    }
}

/// `PAGE_OFFSET`: start of the direct map.
#[must_use]
pub const fn page_offset(arch: Arch) -> u64 {
    match arch {
        Arch::X86_64 => 0xffff_8880_0000_0000,
        Arch::I386 => 0xc000_0000,
    }
}

/// `order_objects()`.
const fn order_objects(order: u32, size: u32) -> u32 {
    ((PAGE_SIZE as u32) << order) / size
}

/// `calculate_alignment()` (mm/slab_common.c 6.12).
fn calculate_alignment(flags: SlabFlags, align: u32, size: u32) -> u32 {
    let mut align = align;
    if flags.contains(SlabFlags::HWCACHE_ALIGN) {
        let mut ralign = CACHE_LINE_SIZE;
        while size <= ralign / 2 {
            ralign /= 2;
        }
        align = align.max(ralign);
    }
    // arch_slab_minalign() = __alignof__(unsigned long long) = 8 on x86.
    align = align.max(8);
    align.next_multiple_of(8)
}

/// `calc_slab_order()` (6.12).
fn calc_slab_order(size: u32, min_order: u32, max_order: u32, fract_leftover: u32) -> u32 {
    let mut order = min_order;
    while order <= max_order {
        let slab_size = (PAGE_SIZE as u32) << order;
        if slab_size % size <= slab_size / fract_leftover {
            break;
        }
        order += 1;
    }
    order
}

/// `calculate_order(size)` (6.12 mm/slub.c) with slub_min_order 0, slub_max_order
/// PAGE_ALLOC_COSTLY_ORDER (3), slub_min_objects 0 → 4 × (fls(nr_cpus) + 1) (§8.5).
#[must_use]
pub fn calculate_order(size: u32, nr_cpus: u32) -> u32 {
    let max_order = PAGE_ALLOC_COSTLY_ORDER;
    // num_present_cpus() ≤ 1 falls back to nr_cpu_ids; the model has no separate value.
    let nr_cpus = nr_cpus.max(1);
    let fls = 32 - nr_cpus.leading_zeros();
    let mut min_objects = 4 * (fls + 1);
    let max_objects = order_objects(max_order, size).max(1);
    min_objects = min_objects.min(max_objects);
    let min_order = get_order(u64::from(min_objects) * u64::from(size));
    if order_objects(min_order, size) > MAX_OBJS_PER_PAGE {
        return get_order(u64::from(size) * u64::from(MAX_OBJS_PER_PAGE)) - 1;
    }
    let mut fraction = 16;
    while fraction > 1 {
        let order = calc_slab_order(size, min_order, max_order, fraction);
        if order <= max_order {
            return order;
        }
        fraction /= 2;
    }
    get_order(u64::from(size))
}

/// Result of a shrinker pass over one cache.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct SlabReclaim {
    pub freed_objects: u64,
    pub freed_pages: u64,
}

impl Machine {
    /// Adds the pages the slow path got for `plan`'s cache as a new slab and makes it the
    /// CPU slab (`allocate_slab` after `alloc_slab_page` succeeded). `pfn`/`order` must be
    /// an allocated block; its pages become [`PageState::Slab`].
    ///
    /// # Errors
    /// Unknown cache, or `pfn` is not an allocated order-`order` block.
    pub fn slab_add_slab<S: EventSink + ?Sized>(
        &mut self,
        cache: u32,
        pfn: Pfn,
        order: u32,
        sink: &mut S,
    ) -> Result<(), MemError> {
        let c = self
            .slab
            .cache(cache)
            .ok_or(MemError::NoSuchCache { id: cache })?;
        let size = c.size;
        let objects = order_objects(order, size);
        if objects == 0 {
            return Err(MemError::BadCache(format!(
                "an order-{order} slab holds no {size}-byte object of `{}`",
                c.name
            )));
        }
        self.set_block_state(
            pfn,
            order,
            PageState::Slab {
                cache: cache as u16,
            },
        )?;
        let c = self.slab.cache_mut(cache)?;
        let slab = Slab {
            order,
            objects,
            inuse: 0,
            free: (0..objects).rev().collect(),
            obj: vec![0; objects as usize],
            on_partial: false,
        };
        c.totals.add_slab(&slab);
        if let Some(old) = c.slabs.insert(pfn.0, slab) {
            c.totals.remove_slab(&old);
        }
        // The previous CPU slab (full, or we would not be growing) leaves the CPU; a non-full
        // one goes back to the partial list (deactivate_slab).
        if let Some(old) = c.cpu_slab.replace(pfn.0)
            && let Some(s) = c.slabs.get_mut(&old)
            && s.inuse < s.objects
            && !s.on_partial
        {
            s.on_partial = true;
            c.partial.push_front(old);
        }
        sink.emit(Event::Mem(MemEvent::SlabAdded {
            cache,
            pfn: pfn.0,
            order: order as u8,
            objects,
        }));
        self.debug_check_slab();
        Ok(())
    }

    /// In debug builds, re-checks the slab invariants after a slab operation on machines
    /// small enough for it to be cheap.
    fn debug_check_slab(&self) {
        #[cfg(debug_assertions)]
        if self.spanned_pages() <= super::machine::DEBUG_FULL_CHECK_MAX_PAGES as u64
            && let Err(e) = self.slab.check_invariants(self)
        {
            panic!("slab invariant broken: {e}");
        }
    }

    /// `kmem_cache_free` / `kfree` of a slab object: frees the object and, if its slab is
    /// discarded (`discard_slab` → `__free_slab`), returns the pages to the buddy allocator.
    /// Returns the pages freed to the buddy allocator (0 or the slab's size).
    ///
    /// # Errors
    /// The object is not allocated (double free) or does not exist.
    pub fn slab_free_object<S: EventSink + ?Sized>(
        &mut self,
        obj: ObjRef,
        sink: &mut S,
    ) -> Result<u64, MemError> {
        let freed = match self.slab.free_object_inner(obj)? {
            Some((pfn, order)) => self.discard_slab(obj.cache, pfn, order, sink)?,
            None => 0,
        };
        self.debug_check_slab();
        Ok(freed)
    }

    fn discard_slab<S: EventSink + ?Sized>(
        &mut self,
        cache: u32,
        pfn: u64,
        order: u32,
        sink: &mut S,
    ) -> Result<u64, MemError> {
        sink.emit(Event::Mem(MemEvent::SlabDiscarded {
            cache,
            pfn,
            order: order as u8,
        }));
        self.set_block_state(Pfn(pfn), order, PageState::Kernel { site: 0 })?;
        self.free_pages(Pfn(pfn), order, sink)?;
        Ok(1 << order)
    }

    /// `kmem_cache_shrink()`: discards every empty slab of the cache (including an empty
    /// CPU slab, which `flush_all` deactivates first). Returns pages freed.
    ///
    /// # Errors
    /// Unknown cache id.
    pub fn slab_shrink<S: EventSink + ?Sized>(
        &mut self,
        cache: u32,
        sink: &mut S,
    ) -> Result<u64, MemError> {
        let c = self.slab.cache_mut(cache)?;
        let empty: Vec<(u64, u32)> = c
            .slabs
            .iter()
            .filter(|(_, s)| s.inuse == 0)
            .map(|(p, s)| (p, s.order))
            .collect();
        for &(p, _) in &empty {
            if let Some(gone) = c.slabs.remove(&p) {
                c.totals.remove_slab(&gone);
            }
        }
        c.partial.retain(|p| c.slabs.contains_key(p));
        if c.cpu_slab.is_some_and(|p| !c.slabs.contains_key(&p)) {
            c.cpu_slab = None;
        }
        let mut freed = 0;
        for (p, o) in empty {
            freed += self.discard_slab(cache, p, o, sink)?;
        }
        self.debug_check_slab();
        Ok(freed)
    }

    /// A shrinker's `scan_objects` for a reclaimable cache: frees up to `nr_to_scan`
    /// reclaimable objects, oldest first, discarding slabs that empty out (under the usual
    /// `min_partial` rule). The shrinker policy (`do_shrink_slab`) is the caller's.
    ///
    /// # Errors
    /// Unknown cache id.
    pub fn slab_reclaim_objects<S: EventSink + ?Sized>(
        &mut self,
        cache: u32,
        nr_to_scan: u64,
        sink: &mut S,
    ) -> Result<SlabReclaim, MemError> {
        let mut out = SlabReclaim::default();
        while out.freed_objects < nr_to_scan {
            let c = self.slab.cache_mut(cache)?;
            let Some(obj) = c.lru.pop_front() else {
                break;
            };
            let live = c
                .slabs
                .get(&obj.slab_pfn)
                .and_then(|s| s.obj.get(obj.index as usize))
                .is_some_and(|&b| b == OBJ_ALLOCATED | OBJ_RECLAIMABLE);
            if !live {
                continue;
            }
            out.freed_pages += self.slab_free_object(obj, sink)?;
            out.freed_objects += 1;
        }
        Ok(out)
    }

    /// Views of the slab caches for the UI.
    #[must_use]
    pub fn slab_views(&self) -> Vec<SlabCacheView> {
        self.slab.views()
    }
}

#[cfg(test)]
mod tests;
