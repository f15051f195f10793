//! Unit tests for the machine, zones, watermarks and buddy allocator. Expected numbers are
//! worked out by hand from the 6.12 formulas in the comments, not read back from the code.

use super::*;
use crate::event::{Event, NullSink};
use crate::gfp::{AllocFlags, MigrateType, ZoneType};

fn zid(zone: ZoneType) -> ZoneId {
    ZoneId { node: 0, zone }
}

/// One zone of `pages` pages from pfn 0 (all pageblocks Movable after boot).
fn tiny(zone: ZoneType, pages: u64) -> Machine {
    let cfg = MachineConfig::with_zone_pages("tiny", Arch::X86_64, &[(zone, pages)]).unwrap();
    Machine::new(cfg).unwrap()
}

fn mem_events(evs: &[Event]) -> Vec<MemEvent> {
    evs.iter()
        .filter_map(|e| {
            if let Event::Mem(m) = e {
                Some(*m)
            } else {
                None
            }
        })
        .collect()
}

/// (order, pfns of free_list[mt]) for every non-empty list of that migratetype.
fn lists(m: &Machine, zone: ZoneType, mt: MigrateType) -> Vec<(u32, Vec<u64>)> {
    let z = m.zone(zid(zone)).unwrap();
    (0..=MAX_PAGE_ORDER)
        .filter_map(|o| {
            let l = z.free_list(o, mt);
            (!l.is_empty()).then(|| (o, l.into_iter().map(|p| p.0).collect()))
        })
        .collect()
}

#[test]
fn every_preset_boots_and_holds_invariants() {
    for name in PRESETS {
        let m = Machine::from_preset(name).unwrap();
        m.check_invariants().unwrap();
        assert!(m.nr_free_pages() > 0, "{name}");
        assert_eq!(
            m.nr_free_pages(),
            m.totalram_pages(),
            "{name}: all managed pages free at boot"
        );
    }
}

#[test]
fn unknown_preset_is_a_clear_error() {
    let e = Machine::from_preset("vax-1M").unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("vax-1M") && text.contains("x86_64-64M"),
        "{text}"
    );
}

#[test]
fn teaching_machine_zone_sizes_watermarks_and_protection() {
    let m = Machine::from_preset("x86_64-64M").unwrap();
    let dma = m.zone(zid(ZoneType::Dma)).unwrap();
    let dma32 = m.zone(zid(ZoneType::Dma32)).unwrap();
    assert_eq!(
        (
            dma.spanned_pages(),
            dma.present_pages(),
            dma.managed_pages()
        ),
        (4095, 3998, 3840)
    );
    assert_eq!(
        (
            dma32.spanned_pages(),
            dma32.present_pages(),
            dma32.managed_pages()
        ),
        (12288, 12288, 9472)
    );
    // calculate_min_free_kbytes: int_sqrt((3840 + 9472) * 4 * 16) = 923 → pages_min 230,
    // highs DMA 66+2*16 = 98, DMA32 163+2*40 = 243. Then THP: 512*2*2 + 512*2*9 = 11264 capped
    // at nr_free_buffer_pages/20 = ((3840-98)+(9472-243))/20 = 648 pages = 2592 kB > 923.
    assert_eq!(m.min_free_kbytes(), 2592);
    // DMA: tmp = 648*3840/13312 = 186; delta = max(186>>2, 3840*10/10000) = 46.
    assert_eq!(
        (
            dma.min_wmark_pages(),
            dma.low_wmark_pages(),
            dma.high_wmark_pages()
        ),
        (186, 232, 278)
    );
    // DMA32: tmp = 648*9472/13312 = 461; delta = max(115, 9) = 115.
    assert_eq!(
        (
            dma32.min_wmark_pages(),
            dma32.low_wmark_pages(),
            dma32.high_wmark_pages()
        ),
        (461, 576, 691)
    );
    assert_eq!(dma32.watermark_raw(Wmark::Promo), 806);
    // lowmem_reserve: DMA ratio 256 → 9472/256 = 37 for every higher zone incl. Device.
    assert_eq!(dma.lowmem_reserve(), &[0, 37, 37, 37, 37]);
    assert_eq!(dma32.lowmem_reserve(), &[0, 0, 0, 0, 0]);
    assert_eq!(dma.lowmem_reserve_for(ZoneType::Normal), 37);
    // Empty Movable zone: min = clamp(0/1024, 32, 128) = 32, delta 0.
    let movable = m.zone(zid(ZoneType::Movable)).unwrap();
    assert_eq!(
        (movable.min_wmark_pages(), movable.high_wmark_pages()),
        (32, 32)
    );
}

/// A real x86-64 VM's /proc/zoneinfo (8 GiB, 2 CPUs, THP madvise; read on this project's
/// build machine): min_free_kbytes 67584 = (512*3*2 + 512*3*9) pages, and these exact
/// watermarks and protection arrays.
#[test]
fn reproduces_a_real_machines_zoneinfo_numbers() {
    let mut cfg = MachineConfig::preset("x86_64-64M").unwrap();
    cfg.nodes[0].zones = vec![
        ZoneConfig {
            zone: ZoneType::Dma,
            start_pfn: 1,
            spanned: 4095,
            holes: vec![PfnRange::new(0x9f, 0x100)],
            reserved: vec![PfnRange::new(0x1, 0x9f)],
        },
        ZoneConfig {
            zone: ZoneType::Dma32,
            start_pfn: 4096,
            spanned: 1_044_480,
            holes: vec![PfnRange::new(4096 + 782_336, 4096 + 1_044_480)],
            reserved: vec![PfnRange::new(4096, 4096 + (782_336 - 772_918))],
        },
        ZoneConfig {
            zone: ZoneType::Normal,
            start_pfn: 1_048_576,
            spanned: 5_505_024,
            holes: vec![],
            reserved: vec![PfnRange::new(1_048_576 + 1_966_080, 1_048_576 + 5_505_024)],
        },
    ];
    let m = Machine::new(cfg).unwrap();
    assert_eq!(m.min_free_kbytes(), 67584);
    let wm = |zt| {
        let z = m.zone(zid(zt)).unwrap();
        (
            z.managed_pages(),
            z.min_wmark_pages(),
            z.low_wmark_pages(),
            z.high_wmark_pages(),
            z.watermark_raw(Wmark::Promo),
        )
    };
    assert_eq!(wm(ZoneType::Dma), (3840, 23, 28, 33, 38));
    assert_eq!(wm(ZoneType::Dma32), (772_918, 4761, 5951, 7141, 8331));
    assert_eq!(wm(ZoneType::Normal).1, 12111);
    assert_eq!(
        (wm(ZoneType::Normal).2, wm(ZoneType::Normal).3),
        (15138, 18165)
    );
    assert_eq!(wm(ZoneType::Movable), (0, 32, 32, 32, 32));
    assert_eq!(
        m.zone(zid(ZoneType::Dma)).unwrap().lowmem_reserve(),
        &[0, 3019, 10699, 10699, 10699]
    );
    assert_eq!(
        m.zone(zid(ZoneType::Dma32)).unwrap().lowmem_reserve(),
        &[0, 0, 7680, 7680, 7680]
    );
}

#[test]
fn without_thp_the_sqrt_rule_decides() {
    let mut cfg = MachineConfig::preset("x86_64-64M").unwrap();
    cfg.thp = false;
    let m = Machine::new(cfg).unwrap();
    assert_eq!(m.min_free_kbytes(), 923);
    let dma32 = m.zone(zid(ZoneType::Dma32)).unwrap();
    // tmp = 230*9472/13312 = 163; delta = max(40, 9) = 40.
    assert_eq!(
        (
            dma32.min_wmark_pages(),
            dma32.low_wmark_pages(),
            dma32.high_wmark_pages()
        ),
        (163, 203, 243)
    );
}

#[test]
fn min_free_kbytes_clamps_at_128() {
    // 1024 pages: int_sqrt(1024*4*16) = 256 kB; 64 pages: int_sqrt(4096) = 64 → 128.
    let m = tiny(ZoneType::Normal, 64);
    assert_eq!(m.min_free_kbytes(), 128);
    let m = tiny(ZoneType::Normal, 1024);
    assert_eq!(m.min_free_kbytes(), 256);
}

#[test]
fn i386_highmem_watermarks_and_protection() {
    let m = Machine::from_preset("i386-highmem").unwrap();
    let high = m.zone(zid(ZoneType::HighMem)).unwrap();
    // HighMem managed 0x80000-0x377fe = 296962: min = clamp(296962/1024=289, 32, 128) = 128.
    assert_eq!(high.managed_pages(), 296_962);
    assert_eq!(high.min_wmark_pages(), 128);
    let normal = m.zone(zid(ZoneType::Normal)).unwrap();
    // Normal: spanned 0x367fe = 223230, reserved 2048 + 4096 → managed 217086.
    assert_eq!(normal.managed_pages(), 217_086);
    // protection of Normal: ratio 32 → HighMem 296962/32 = 9280, Movable 9280; 4 zones, no Device.
    assert_eq!(normal.lowmem_reserve(), &[0, 0, 9280, 9280]);
    // DMA: ratio 256 → (217086)/256 = 847, (217086+296962)/256 = 2008.
    let dma = m.zone(zid(ZoneType::Dma)).unwrap();
    assert_eq!(dma.lowmem_reserve(), &[0, 847, 2008, 2008]);
}

#[test]
fn split_then_merge_exact_sequence() {
    let mut m = tiny(ZoneType::Normal, 1024);
    let z = zid(ZoneType::Normal);
    let mv = MigrateType::Movable;
    assert_eq!(lists(&m, ZoneType::Normal, mv), vec![(10, vec![0])]);

    let mut ev = Vec::new();
    let a = m.rmqueue(z, 0, mv, AllocFlags::WMARK_LOW, &mut ev).unwrap();
    assert_eq!(a, Pfn(0));
    let evs = mem_events(&ev);
    assert!(matches!(
        evs[0],
        MemEvent::Take {
            pfn: 0,
            order: 0,
            from_order: 10,
            ..
        }
    ));
    // expand(): upper halves 512/9, 256/8, ..., 1/0.
    let splits: Vec<(u64, u8)> = evs[1..]
        .iter()
        .map(|e| match *e {
            MemEvent::Split { pfn, order, .. } => (pfn, order),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        splits,
        (0..10)
            .rev()
            .map(|o| (1u64 << o, o as u8))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        lists(&m, ZoneType::Normal, mv),
        (0..10).map(|o| (o, vec![1u64 << o])).collect::<Vec<_>>()
    );

    let b = m
        .rmqueue(z, 0, mv, AllocFlags::WMARK_LOW, &mut NullSink)
        .unwrap();
    assert_eq!(b, Pfn(1));
    let c = m
        .rmqueue(z, 1, mv, AllocFlags::WMARK_LOW, &mut NullSink)
        .unwrap();
    assert_eq!(c, Pfn(2));
    assert_eq!(m.zone(z).unwrap().nr_free_pages(), 1020);

    // Free pfn 0: buddy 1 is allocated → no merge.
    let mut ev = Vec::new();
    m.free_pages(Pfn(0), 0, &mut ev).unwrap();
    assert_eq!(
        mem_events(&ev),
        vec![MemEvent::Free {
            zone: z,
            pfn: 0,
            order: 0,
            migratetype: mv,
            to_tail: false
        }]
    );
    // Free pfn 2/1: buddy 0/1 is not free at order 1 → stays.
    m.free_pages(Pfn(2), 1, &mut NullSink).unwrap();
    assert_eq!(lists(&m, ZoneType::Normal, mv)[0], (0, vec![0]));
    assert_eq!(lists(&m, ZoneType::Normal, mv)[1], (1, vec![2]));
    // Free pfn 1: merges 0+1 → 0/1, with 2 → 0/2, 4 → 0/3, ... up to 0/10.
    let mut ev = Vec::new();
    m.free_pages(Pfn(1), 0, &mut ev).unwrap();
    let merges: Vec<(u64, u64, u8)> = mem_events(&ev)
        .iter()
        .filter_map(|e| match *e {
            MemEvent::Merge {
                pfn,
                buddy_pfn,
                order,
                ..
            } => Some((pfn, buddy_pfn, order)),
            _ => None,
        })
        .collect();
    let mut want = vec![(1, 0, 1)];
    want.extend((1..10).map(|o| (0u64, 1u64 << o, (o + 1) as u8)));
    assert_eq!(merges, want);
    assert_eq!(lists(&m, ZoneType::Normal, mv), vec![(10, vec![0])]);
    m.check_invariants().unwrap();
}

#[test]
fn freeing_next_to_a_free_higher_buddy_goes_to_the_tail() {
    // buddy_merge_likely(): free pfn 2 (order 0) while 3 is allocated and 0/1 is free:
    // the combined block 2/1's buddy 0/1 is free, so the page goes to the list tail.
    let mut m = tiny(ZoneType::Normal, 1024);
    let z = zid(ZoneType::Normal);
    let mv = MigrateType::Movable;
    let pages: Vec<Pfn> = (0..4)
        .map(|_| {
            m.rmqueue(z, 0, mv, AllocFlags::WMARK_LOW, &mut NullSink)
                .unwrap()
        })
        .collect();
    assert_eq!(pages, vec![Pfn(0), Pfn(1), Pfn(2), Pfn(3)]);
    let mut ev = Vec::new();
    m.free_pages(Pfn(0), 0, &mut NullSink).unwrap();
    m.free_pages(Pfn(1), 0, &mut NullSink).unwrap(); // 0/1 now free
    m.free_pages(Pfn(2), 0, &mut ev).unwrap();
    assert_eq!(
        mem_events(&ev),
        vec![MemEvent::Free {
            zone: z,
            pfn: 2,
            order: 0,
            migratetype: mv,
            to_tail: true
        }]
    );
}

#[test]
fn unmovable_request_claims_a_movable_max_order_block() {
    let mut m = tiny(ZoneType::Normal, 2048);
    let z = zid(ZoneType::Normal);
    let mut ev = Vec::new();
    let p = m
        .rmqueue(z, 0, MigrateType::Unmovable, AllocFlags::WMARK_LOW, &mut ev)
        .unwrap();
    // __rmqueue_claim: largest order first → order-10 block at 0 (list head), taken over
    // whole: both pageblocks become Unmovable, then expand() on the Unmovable lists.
    assert_eq!(p, Pfn(0));
    let evs = mem_events(&ev);
    assert!(matches!(
        evs[0],
        MemEvent::BlockClaimed {
            block_pfn: 0,
            nr_blocks: 2,
            from: MigrateType::Movable,
            to: MigrateType::Unmovable,
            ..
        }
    ));
    assert!(matches!(
        evs.last().unwrap(),
        MemEvent::Fallback {
            pfn: 0,
            alloc_order: 0,
            fallback_order: 10,
            change_ownership: true,
            claimed: true,
            ..
        }
    ));
    let zone = m.zone(z).unwrap();
    assert_eq!(
        zone.pageblock_migratetype(Pfn(0)),
        Some(MigrateType::Unmovable)
    );
    assert_eq!(
        zone.pageblock_migratetype(Pfn(600)),
        Some(MigrateType::Unmovable)
    );
    assert_eq!(
        zone.pageblock_migratetype(Pfn(1024)),
        Some(MigrateType::Movable)
    );
    assert_eq!(zone.pageblock_counts(), [2, 2, 0, 0]);
    assert_eq!(
        lists(&m, ZoneType::Normal, MigrateType::Movable),
        vec![(10, vec![1024])]
    );
    m.check_invariants().unwrap();
}

#[test]
fn movable_small_request_steals_without_claiming() {
    // Make the only free memory small Unmovable blocks, then ask for a Movable page: order 3 < 4
    // and Movable → can_steal_fallback is false → __rmqueue_claim breaks, __rmqueue_steal
    // takes the smallest Unmovable block, and the pageblock stays Unmovable.
    let mut m = tiny(ZoneType::Normal, 1024);
    let z = zid(ZoneType::Normal);
    let first = m
        .rmqueue(
            z,
            0,
            MigrateType::Unmovable,
            AllocFlags::WMARK_LOW,
            &mut NullSink,
        )
        .unwrap();
    assert_eq!(first, Pfn(0));
    // Take the Unmovable order 9..4 halves, leaving 1/0, 2/1, 4/2, 8/3 free (all < order 4).
    for o in (4..=9).rev() {
        let p = m
            .rmqueue(
                z,
                o,
                MigrateType::Unmovable,
                AllocFlags::WMARK_LOW,
                &mut NullSink,
            )
            .unwrap();
        assert_eq!(p, Pfn(1 << o));
    }
    let mut ev = Vec::new();
    let p = m
        .rmqueue(z, 0, MigrateType::Movable, AllocFlags::WMARK_LOW, &mut ev)
        .unwrap();
    assert_eq!(p, Pfn(1));
    let evs = mem_events(&ev);
    assert!(evs.iter().any(|e| matches!(
        e,
        MemEvent::Fallback {
            claimed: false,
            change_ownership: false,
            ..
        }
    )));
    assert_eq!(
        m.zone(z).unwrap().pageblock_migratetype(Pfn(0)),
        Some(MigrateType::Unmovable)
    );
    // With ALLOC_NOFRAGMENT there is no steal: the request fails.
    let none = m.rmqueue(
        z,
        0,
        MigrateType::Movable,
        AllocFlags(AllocFlags::NOFRAGMENT.0),
        &mut NullSink,
    );
    assert_eq!(none, None);
    m.check_invariants().unwrap();
}

#[test]
fn watermark_reserve_reductions() {
    let m = Machine::from_preset("x86_64-64M").unwrap();
    let z = m.zone(zid(ZoneType::Dma32)).unwrap();
    let min = z.min_wmark_pages(); // 461
    let c = z.watermark_check(0, min, ZoneType::Normal, AllocFlags::WMARK_MIN);
    assert_eq!(c.min, 461);
    let atomic = AllocFlags(AllocFlags::MIN_RESERVE.0 | AllocFlags::NON_BLOCK.0);
    // 461 - 230 = 231; 231 - 57 = 174 (§4.6: ≈ 3/8 min).
    assert_eq!(z.watermark_check(0, min, ZoneType::Normal, atomic).min, 174);
    // ALLOC_OOM: 461 - 230 = 231.
    assert_eq!(
        z.watermark_check(0, min, ZoneType::Normal, AllocFlags::OOM)
            .min,
        231
    );
    // NON_BLOCK alone (GFP_NOWAIT): no reduction.
    assert_eq!(
        z.watermark_check(0, min, ZoneType::Normal, AllocFlags::NON_BLOCK)
            .min,
        461
    );
    // Unusable: 2^order - 1.
    assert_eq!(
        z.watermark_check(3, min, ZoneType::Normal, AllocFlags::WMARK_MIN)
            .unusable_free,
        7
    );
}

#[test]
fn watermark_fails_at_equality_and_uses_lowmem_reserve() {
    let mut m = tiny(ZoneType::Normal, 1024);
    let z = zid(ZoneType::Normal);
    // Drain to exactly 100 free pages.
    let mut held = Vec::new();
    while m.zone(z).unwrap().nr_free_pages() > 100 {
        held.push(
            m.rmqueue(
                z,
                0,
                MigrateType::Movable,
                AllocFlags::WMARK_LOW,
                &mut NullSink,
            )
            .unwrap(),
        );
    }
    let zone = m.zone(z).unwrap();
    assert!(zone.zone_watermark_ok(0, 98, ZoneType::Normal, AllocFlags::WMARK_MIN));
    // free (100) <= min (99) + 0 is false → ok; at mark 100 → fail (less-or-equal).
    assert!(zone.zone_watermark_ok(0, 99, ZoneType::Normal, AllocFlags::WMARK_MIN));
    let c = zone.watermark_check(0, 100, ZoneType::Normal, AllocFlags::WMARK_MIN);
    assert_eq!(c.failure, Some(WatermarkFailure::BelowWatermark));
    assert!(c.explain().contains("fail"));
    // Order 2: unusable 3 → 97 vs 90 ok while an order ≥ 2 block exists.
    assert!(zone.zone_watermark_ok(2, 90, ZoneType::Normal, AllocFlags::WMARK_MIN));
}

#[test]
fn free_rejects_double_free_and_wrong_order() {
    let mut m = tiny(ZoneType::Normal, 1024);
    let z = zid(ZoneType::Normal);
    let p = m
        .rmqueue(
            z,
            2,
            MigrateType::Movable,
            AllocFlags::WMARK_LOW,
            &mut NullSink,
        )
        .unwrap();
    assert!(matches!(
        m.free_pages(p, 1, &mut NullSink),
        Err(MemError::NotAllocated { .. })
    ));
    assert!(matches!(
        m.free_pages(Pfn(p.0 + 1), 0, &mut NullSink),
        Err(MemError::NotAllocated { .. })
    ));
    m.free_pages(p, 2, &mut NullSink).unwrap();
    assert!(matches!(
        m.free_pages(p, 2, &mut NullSink),
        Err(MemError::NotAllocated { .. })
    ));
    assert!(matches!(
        m.free_pages(Pfn(1 << 30), 0, &mut NullSink),
        Err(MemError::NoSuchPfn { .. })
    ));
    m.check_invariants().unwrap();
}

#[test]
fn page_states_codes_and_views() {
    let mut m = Machine::from_preset("x86_64-64M").unwrap();
    let z = zid(ZoneType::Dma32);
    let p = m
        .rmqueue(
            z,
            1,
            MigrateType::Movable,
            AllocFlags::WMARK_LOW,
            &mut NullSink,
        )
        .unwrap();
    m.set_block_state(p, 1, PageState::PageCacheDirty).unwrap();
    m.set_state(Pfn(p.0 + 1), PageState::Writeback).unwrap();
    assert_eq!(m.page_state(p), PageState::PageCacheDirty);
    assert_eq!(m.page_state(Pfn(p.0 + 1)), PageState::Writeback);
    assert_eq!(m.allocated_block(Pfn(p.0 + 1)), Some((p, 1)));
    assert!(matches!(
        m.set_state(p, PageState::Reserved),
        Err(MemError::BadState { .. })
    ));
    assert_eq!(m.page_state(Pfn(0)), PageState::Hole);
    assert_eq!(m.page_state(Pfn(0xa0)), PageState::Hole);
    assert_eq!(m.page_state(Pfn(0x5)), PageState::Reserved);
    assert!(matches!(
        m.page_state(Pfn(0x3000)),
        PageState::Free {
            migratetype: MigrateType::Movable,
            ..
        }
    ));

    let codes = m.page_codes();
    assert_eq!(codes.len(), 0x4000);
    assert_eq!(codes[0], crate::view::page_code::HOLE);
    assert_eq!(codes[p.0 as usize], crate::view::page_code::PAGECACHE_DIRTY);
    assert_eq!(codes[p.0 as usize + 1], crate::view::page_code::WRITEBACK);
    assert_eq!(codes[0x3000], crate::view::page_code::FREE_MOVABLE);
    let free_codes = codes
        .iter()
        .filter(|&&c| c <= crate::view::page_code::FREE_HIGHATOMIC)
        .count() as u64;
    assert_eq!(free_codes, m.nr_free_pages());

    let views = m.zone_views();
    assert_eq!(
        views.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        vec!["DMA", "DMA32"]
    );
    let v = &views[1];
    assert_eq!(v.free, m.zone(z).unwrap().nr_free_pages());
    let pages_in_blocks: u64 = v
        .free_blocks
        .iter()
        .enumerate()
        .map(|(o, row)| row.iter().sum::<u64>() << o)
        .sum();
    assert_eq!(pages_in_blocks, v.free);
    m.check_invariants().unwrap();
}

#[test]
fn highatomic_reserve_and_unreserve() {
    // 1% of 1G's DMA32 (247808) = 2478 ≥ 512 → up to ALIGN(2478, 512) = 2560 reserved.
    let mut m = Machine::from_preset("x86_64-1G").unwrap();
    let z = zid(ZoneType::Dma32);
    let flags =
        AllocFlags(AllocFlags::MIN_RESERVE.0 | AllocFlags::NON_BLOCK.0 | AllocFlags::HIGHATOMIC.0);
    let p = m
        .rmqueue(z, 2, MigrateType::Unmovable, flags, &mut NullSink)
        .unwrap();
    let mut ev = Vec::new();
    m.zone_mut(z)
        .unwrap()
        .reserve_highatomic_pageblock(p, 2, &mut ev);
    let zone = m.zone(z).unwrap();
    assert_eq!(zone.nr_reserved_highatomic(), 512);
    assert_eq!(zone.pageblock_migratetype(p), Some(MigrateType::HighAtomic));
    assert_eq!(zone.nr_free_highatomic(), 512 - 4);
    // Without ALLOC_RESERVES the free highatomic pages are unusable.
    let c = zone.watermark_check(0, 0, ZoneType::Normal, AllocFlags::WMARK_MIN);
    assert_eq!(c.unusable_free, 508);
    // An ALLOC_HIGHATOMIC request takes from the reserve first.
    let q = m
        .rmqueue(z, 1, MigrateType::Unmovable, flags, &mut NullSink)
        .unwrap();
    assert_eq!(q.0 & !511, p.0 & !511);
    // Unreserve without force keeps the last pageblock; with force it goes.
    let zone = m.zone_mut(z).unwrap();
    assert!(!zone.unreserve_highatomic_pageblock(false, MigrateType::Unmovable, &mut NullSink));
    assert!(zone.unreserve_highatomic_pageblock(true, MigrateType::Unmovable, &mut NullSink));
    assert_eq!(zone.nr_reserved_highatomic(), 0);
    assert_eq!(zone.nr_free_highatomic(), 0);
    m.check_invariants().unwrap();
}

#[test]
fn events_serialize_with_source_and_kind_tags() {
    let e = Event::Mem(MemEvent::Split {
        zone: zid(ZoneType::Normal),
        pfn: 4,
        order: 2,
        migratetype: MigrateType::Movable,
    });
    let s = serde_json::to_string(&e).unwrap();
    assert!(
        s.contains("\"source\":\"mem\"") && s.contains("\"kind\":\"split\""),
        "{s}"
    );
}
