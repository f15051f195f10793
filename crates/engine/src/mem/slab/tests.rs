//! SLUB tests. Expected values are worked out from the 6.12 source by hand (comments).

use super::*;
use crate::event::NullSink;
use crate::gfp::{AllocFlags, MigrateType, ZoneType};
use crate::mem::{MachineConfig, ZoneId};

fn machine(nr_cpus: u32) -> Machine {
    let mut cfg = MachineConfig::preset("x86_64-64M").unwrap();
    cfg.nr_cpus = nr_cpus;
    Machine::new(cfg).unwrap()
}

/// The slow path's part, reduced to "take pages from DMA32": first attempt, else fallback.
fn grow(m: &mut Machine, cache: u32, gfp: Gfp) -> Pfn {
    let plan = m.slab.allocate_slab_plan(cache, gfp).unwrap();
    let z = ZoneId {
        node: 0,
        zone: ZoneType::Dma32,
    };
    let mt = if plan.first.gfp.contains(Gfp::RECLAIMABLE) {
        MigrateType::Reclaimable
    } else {
        MigrateType::Unmovable
    };
    let (pfn, order) = match m.rmqueue(
        z,
        plan.first.order,
        mt,
        AllocFlags::WMARK_LOW,
        &mut NullSink,
    ) {
        Some(p) => (p, plan.first.order),
        None => (
            m.rmqueue(
                z,
                plan.fallback.order,
                mt,
                AllocFlags::WMARK_MIN,
                &mut NullSink,
            )
            .unwrap(),
            plan.fallback.order,
        ),
    };
    m.slab_add_slab(cache, pfn, order, &mut NullSink).unwrap();
    pfn
}

fn alloc(m: &mut Machine, cache: u32) -> ObjRef {
    if let Some(o) = m.slab.try_alloc_object(cache).unwrap() {
        return o;
    }
    grow(m, cache, Gfp::KERNEL);
    m.slab.try_alloc_object(cache).unwrap().unwrap()
}

#[test]
fn kmalloc_index_size_classes() {
    let cases = [
        (1, 3),
        (8, 3),
        (9, 4),
        (16, 4),
        (17, 5),
        (32, 5),
        (33, 6),
        (64, 6),
        (65, 1),
        (96, 1),
        (97, 7),
        (128, 7),
        (129, 2),
        (192, 2),
        (193, 8),
        (256, 8),
        (257, 9),
        (512, 9),
        (700, 10),
        (1024, 10),
        (1025, 11),
        (4096, 12),
        (8192, 13),
    ];
    for (size, idx) in cases {
        assert_eq!(kmalloc_index(size), Some(idx), "size {size}");
    }
    assert_eq!(kmalloc_index(0), None);
    assert_eq!(kmalloc_index(8193), None);
}

#[test]
fn kmalloc_cache_names_and_types() {
    let m = machine(2);
    let name = |size: u64, gfp: Gfp| match m.slab.kmalloc_target(size, gfp) {
        KmallocTarget::Cache { cache } => m.slab.cache(cache).unwrap().name().to_string(),
        other => format!("{other:?}"),
    };
    assert_eq!(name(96, Gfp::KERNEL), "kmalloc-96");
    assert_eq!(name(150, Gfp::KERNEL), "kmalloc-192");
    assert_eq!(name(700, Gfp::NOFS), "kmalloc-1k");
    assert_eq!(name(8192, Gfp::KERNEL), "kmalloc-8k");
    assert_eq!(name(40, Gfp::KERNEL | Gfp::RECLAIMABLE), "kmalloc-rcl-64");
    assert_eq!(name(40, Gfp::KERNEL_ACCOUNT), "kmalloc-cg-64");
    // __GFP_DMA beats __GFP_RECLAIMABLE beats __GFP_ACCOUNT.
    assert_eq!(
        name(40, Gfp::KERNEL | Gfp::DMA | Gfp::RECLAIMABLE | Gfp::ACCOUNT),
        "dma-kmalloc-64"
    );
    assert_eq!(
        name(40, Gfp::KERNEL_ACCOUNT | Gfp::RECLAIMABLE),
        "kmalloc-rcl-64"
    );
    assert_eq!(
        m.slab.kmalloc_target(0, Gfp::KERNEL),
        KmallocTarget::ZeroSizePtr
    );
    assert_eq!(m.slab.caches().len(), 52);
    let rcl = m.slab.cache_by_name("kmalloc-rcl-1k").unwrap();
    assert_eq!(rcl.allocflags(), Gfp::COMP | Gfp::RECLAIMABLE);
    let dma = m.slab.cache_by_name("dma-kmalloc-1k").unwrap();
    assert_eq!(dma.allocflags(), Gfp::COMP | Gfp::DMA);
}

#[test]
fn large_kmalloc_goes_to_the_page_allocator_with_comp() {
    let m = machine(2);
    assert_eq!(
        m.slab.kmalloc_target(8193, Gfp::KERNEL),
        KmallocTarget::Large {
            order: 2,
            gfp: Gfp::KERNEL | Gfp::COMP
        }
    );
    assert_eq!(
        m.slab.kmalloc_target(4 << 20, Gfp::KERNEL),
        KmallocTarget::Large {
            order: 10,
            gfp: Gfp::KERNEL | Gfp::COMP
        }
    );
    assert_eq!(
        m.slab.kmalloc_target((4 << 20) + 1, Gfp::KERNEL),
        KmallocTarget::Large {
            order: 11,
            gfp: Gfp::KERNEL | Gfp::COMP
        }
    );
    // GFP_SLAB_BUG_MASK bits are fixed (kmalloc_fix_flags) before __GFP_COMP is added.
    assert_eq!(
        m.slab.kmalloc_target(20000, Gfp::KERNEL | Gfp::HIGHMEM),
        KmallocTarget::Large {
            order: 3,
            gfp: Gfp::KERNEL | Gfp::COMP
        }
    );
    assert_eq!(
        kmalloc_fix_flags(Gfp::KERNEL | Gfp::DMA32),
        Some((Gfp::DMA32, Gfp::KERNEL))
    );
    assert_eq!(kmalloc_fix_flags(Gfp::KERNEL), None);
}

#[test]
fn calculate_order_matches_reference_table() {
    // (size, cpus, order, objects) from §8.5 and min_objects = 4 * (fls(cpus) + 1).
    let cases = [
        (8, 4, 0, 512),
        (96, 4, 0, 42),
        (128, 4, 0, 32),
        (192, 4, 0, 21),
        (256, 4, 0, 16),
        (512, 4, 1, 16),
        (1024, 4, 2, 16),
        (2048, 4, 3, 16),
        (4096, 4, 3, 8),
        (8192, 4, 3, 4),
        (192, 8, 0, 21),
        (256, 8, 1, 32),
        (512, 8, 2, 32),
        (1024, 8, 3, 32),
        (192, 64, 1, 42),
        (256, 64, 1, 32),
        (1024, 64, 3, 32),
    ];
    for (size, cpus, order, objects) in cases {
        let got = calculate_order(size, cpus);
        assert_eq!(
            (got, order_objects(got, size)),
            (order, objects),
            "size {size} cpus {cpus}"
        );
    }
}

#[test]
fn slab_gfp_worked_example_kmalloc_700_nofs_on_8_cpus() {
    let m = machine(8);
    let KmallocTarget::Cache { cache } = m.slab.kmalloc_target(700, Gfp::NOFS) else {
        panic!("not a cache");
    };
    let c = m.slab.cache(cache).unwrap();
    assert_eq!(
        (c.name(), c.order(), c.min_order(), c.min_partial()),
        ("kmalloc-1k", 3, 0, 5)
    );
    let plan = m.slab.allocate_slab_plan(cache, Gfp::NOFS).unwrap();
    assert_eq!(
        plan.first,
        SlabAttempt {
            order: 3,
            gfp: Gfp(0xd2040),
            objects: 32
        }
    );
    assert_eq!(
        plan.fallback,
        SlabAttempt {
            order: 0,
            gfp: Gfp(0x40c40),
            objects: 4
        }
    );
}

#[test]
fn slab_gfp_for_atomic_and_same_order_caches() {
    let m = machine(2);
    // GFP_ATOMIC (0x820) cannot direct-reclaim: no NOMEMALLOC, kswapd bit kept.
    let c = m.slab.cache_by_name("kmalloc-1k").unwrap().id();
    let plan = m.slab.allocate_slab_plan(c, Gfp::ATOMIC).unwrap();
    assert_eq!(plan.first.gfp, Gfp(0x820 | 0x40000 | 0x2000 | 0x10000));
    assert_eq!(plan.fallback.gfp, Gfp(0x40820));
    // kmalloc-64 has oo order 0 == min order 0: first attempt keeps reclaim.
    let c = m.slab.cache_by_name("kmalloc-64").unwrap().id();
    let plan = m
        .slab
        .allocate_slab_plan(c, Gfp::KERNEL | Gfp::NOFAIL | Gfp::ZERO)
        .unwrap();
    assert_eq!(plan.first.gfp, Gfp(0xcc0 | 0x40000 | 0x2000 | 0x10000));
    // Fallback keeps NOFAIL but drops __GFP_ZERO (not in the reclaim/constraint masks).
    assert_eq!(plan.fallback.gfp, Gfp(0xcc0 | 0x8000 | 0x40000));
}

#[test]
fn named_cache_sizes() {
    let mut m = machine(2);
    // SLAB_HWCACHE_ALIGN: 24-byte objects: ralign 64 → 32 (24 <= 32) → size 32.
    let id = m
        .slab
        .kmem_cache_create("tiny_hw", 24, SlabFlags::HWCACHE_ALIGN)
        .unwrap();
    assert_eq!(m.slab.cache(id).unwrap().size(), 32);
    // A constructor moves the free pointer after the object: 24 + 8 = 32.
    let id = m
        .slab
        .kmem_cache_create_args(
            "ctor",
            24,
            SlabFlags(0),
            KmemCacheArgs {
                align: 0,
                ctor: true,
            },
        )
        .unwrap();
    assert_eq!(m.slab.cache(id).unwrap().size(), 32);
    let id = m.slab.kmem_cache_create("odd", 13, SlabFlags(0)).unwrap();
    assert_eq!(m.slab.cache(id).unwrap().size(), 16);
    assert!(m.slab.kmem_cache_create("odd", 13, SlabFlags(0)).is_err());
    assert!(m.slab.kmem_cache_create("zero", 0, SlabFlags(0)).is_err());
    assert_eq!(
        SlabFlags::parse("SLAB_RECLAIM_ACCOUNT|SLAB_ACCOUNT").unwrap(),
        SlabFlags::RECLAIM_ACCOUNT | SlabFlags::ACCOUNT
    );
    assert!(SlabFlags::parse("SLAB_BOGUS").is_err());
}

#[test]
fn slab_lifecycle_full_partial_empty_discard() {
    let mut m = machine(2);
    let cache = m.slab.cache_by_name("kmalloc-256").unwrap().id(); // order 0, 16 objects
    assert_eq!(m.slab.try_alloc_object(cache).unwrap(), None);
    let objs: Vec<ObjRef> = (0..16 * 8).map(|_| alloc(&mut m, cache)).collect();
    m.check_invariants().unwrap();
    let c = m.slab.cache(cache).unwrap();
    assert_eq!((c.nr_slabs(), c.nr_active_objects()), (8, 128));
    assert_eq!(c.slab_counts(), (8, 0, 0));
    // Objects of one slab come out in index order 0, 1, 2...
    assert_eq!(objs[1].index, 1);
    assert_eq!(objs[1].slab_pfn, objs[0].slab_pfn);

    // Empty the first 7 slabs (not the CPU slab): min_partial for size 256 is
    // max(5, min(10, ilog2(256)/2 = 4)) = 5. A slab that empties while nr_partial (itself
    // included) >= 5 is discarded: slabs 1-4 stay as empty partial slabs, 5-7 are freed.
    let mut freed_pages = 0;
    for o in &objs[..16 * 7] {
        freed_pages += m.slab_free_object(*o, &mut NullSink).unwrap();
    }
    assert_eq!(freed_pages, 3);
    let c = m.slab.cache(cache).unwrap();
    assert_eq!(c.min_partial(), 5);
    assert_eq!(c.nr_slabs(), 5);
    assert_eq!(c.slab_counts(), (1, 0, 4));
    assert_eq!(c.nr_partial(), 4);
    m.check_invariants().unwrap();

    // Double free is bad input.
    assert!(matches!(
        m.slab_free_object(objs[0], &mut NullSink),
        Err(MemError::BadObject { .. })
    ));

    // kmem_cache_shrink releases the 4 empty slabs.
    let free_before = m.nr_free_pages();
    assert_eq!(m.slab_shrink(cache, &mut NullSink).unwrap(), 4);
    assert_eq!(m.nr_free_pages(), free_before + 4);
    m.check_invariants().unwrap();

    // A partial slab serves the next allocation before growing.
    m.slab_free_object(objs[16 * 7 + 3], &mut NullSink).unwrap();
    let again = m.slab.try_alloc_object(cache).unwrap().unwrap();
    assert_eq!(again, objs[16 * 7 + 3]);
}

#[test]
fn reclaimable_cache_shrinker_frees_oldest_first() {
    let mut m = machine(2);
    let dentry = m
        .slab
        .kmem_cache_create(
            "dentry",
            192,
            SlabFlags::RECLAIM_ACCOUNT | SlabFlags::HWCACHE_ALIGN,
        )
        .unwrap();
    m.slab.set_shrinker_owner(dentry, "ext4 sb").unwrap();
    let c = m.slab.cache(dentry).unwrap();
    assert_eq!((c.size(), c.order(), c.objects_per_slab()), (192, 0, 21));
    let plan = m.slab.allocate_slab_plan(dentry, Gfp::KERNEL).unwrap();
    assert!(plan.first.gfp.contains(Gfp::RECLAIMABLE));
    let objs: Vec<ObjRef> = (0..42).map(|_| alloc(&mut m, dentry)).collect();
    for o in &objs[..30] {
        m.slab.mark_reclaimable(*o).unwrap();
    }
    assert_eq!(m.slab.cache(dentry).unwrap().nr_reclaimable_objects(), 30);
    // Free one marked object directly: it leaves the reclaimable count.
    m.slab_free_object(objs[0], &mut NullSink).unwrap();
    let r = m.slab_reclaim_objects(dentry, 10, &mut NullSink).unwrap();
    assert_eq!(r.freed_objects, 10);
    assert!(!m.slab.is_allocated(objs[1]) && !m.slab.is_allocated(objs[10]));
    assert!(m.slab.is_allocated(objs[11]));
    let r = m.slab_reclaim_objects(dentry, 100, &mut NullSink).unwrap();
    assert_eq!(r.freed_objects, 19);
    assert_eq!(m.slab.cache(dentry).unwrap().nr_reclaimable_objects(), 0);
    m.check_invariants().unwrap();
}

#[test]
fn object_addresses_round_trip() {
    let mut m = machine(2);
    let cache = m.slab.cache_by_name("kmalloc-96").unwrap().id();
    let o = alloc(&mut m, cache);
    let o2 = alloc(&mut m, cache);
    let a = m.slab.obj_addr(o2).unwrap();
    assert_eq!(a, page_offset(Arch::X86_64) + o.slab_pfn * 4096 + 96);
    assert_eq!(m.slab.obj_at_addr(a), Some(o2));
    assert_eq!(m.slab.obj_at_addr(a + 95), Some(o2));
    assert_eq!(m.slab.obj_at_addr(0x1234), None);
}

#[test]
fn slabinfo_lists_newest_cache_first() {
    let mut m = machine(2);
    m.slab
        .kmem_cache_create("newest", 100, SlabFlags(0))
        .unwrap();
    let info = m.slab.slabinfo();
    assert_eq!(info[0].name, "newest");
    assert_eq!(info[1].name, "kmalloc-cg-8k");
    assert_eq!(info.last().unwrap().name, "kmalloc-96");
    assert_eq!(info[0].objsize, 104);
}
