//! Golden files for the /proc views, plus layout checks against real kernel output in
//! `tests/data/kernel/procfs/` (column positions must match, values may differ).

use super::*;
use crate::event::NullSink;
use crate::gfp::{AllocFlags, Gfp, MigrateType, ZoneType};
use crate::mem::slab::SlabFlags;
use crate::mem::{Pfn, ZoneId};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/kernel/procfs/"
);

/// Byte-exact golden files in `src/mem/procfs/golden/` (trailing spaces matter in /proc
/// output, so no snapshot normalisation). Regenerate with `GFPSCOPE_BLESS=1`.
fn check_golden(name: &str, actual: &str) {
    let path = format!(
        "{}/src/mem/procfs/golden/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("GFPSCOPE_BLESS").is_some() {
        std::fs::create_dir_all(format!(
            "{}/src/mem/procfs/golden",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run with GFPSCOPE_BLESS=1 to create it)"));
    if expected != actual {
        let (n, (e, a)) = expected
            .split_inclusive('\n')
            .zip(actual.split_inclusive('\n'))
            .enumerate()
            .find(|(_, (e, a))| e != a)
            .unwrap_or((0, ("<length differs>", "<length differs>")));
        panic!(
            "{name}: differs from {path} at line {}:\nexpected: {e:?}\nactual:   {a:?}",
            n + 1
        );
    }
}

/// A real kernel's output (the samples are in the repository: a missing one fails the
/// test rather than skipping the comparison).
fn sample(name: &str) -> String {
    let path = format!("{DATA}{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Byte offsets where each whitespace-separated token ends: equal for two lines printed
/// with the same right-aligned `printf` widths.
fn token_ends(line: &str) -> Vec<usize> {
    let mut ends = Vec::new();
    let b = line.as_bytes();
    for i in 0..b.len() {
        if b[i] != b' ' && (i + 1 == b.len() || b[i + 1] == b' ') {
            ends.push(i + 1);
        }
    }
    ends
}

/// A machine after a fixed, deterministic workload touching every page state.
fn busy_machine(preset: &str) -> Machine {
    let mut m = Machine::from_preset(preset).unwrap();
    let zone = m.zones().filter(|z| z.is_populated()).last().unwrap().id();
    let take = |m: &mut Machine, order: u32, mt: MigrateType, state: PageState, n: usize| {
        for _ in 0..n {
            let p = m
                .rmqueue(zone, order, mt, AllocFlags::WMARK_LOW, &mut NullSink)
                .unwrap();
            m.set_block_state(p, order, state).unwrap();
        }
    };
    take(
        &mut m,
        0,
        MigrateType::Unmovable,
        PageState::Kernel { site: 1 },
        50,
    );
    take(
        &mut m,
        3,
        MigrateType::Unmovable,
        PageState::Kernel { site: 2 },
        2,
    );
    take(
        &mut m,
        0,
        MigrateType::Movable,
        PageState::PageCacheClean,
        75,
    );
    take(
        &mut m,
        0,
        MigrateType::Movable,
        PageState::PageCacheDirty,
        20,
    );
    take(&mut m, 0, MigrateType::Movable, PageState::Writeback, 5);
    take(&mut m, 0, MigrateType::Movable, PageState::Anon, 70);
    take(
        &mut m,
        0,
        MigrateType::Movable,
        PageState::AnonSwapCache,
        10,
    );
    take(
        &mut m,
        1,
        MigrateType::Reclaimable,
        PageState::Kernel { site: 3 },
        3,
    );
    // Slab: 40 kmalloc-256 objects and 30 reclaimable dentries.
    let k256 = m.slab.cache_by_name("kmalloc-256").unwrap().id();
    let dentry = m
        .slab
        .kmem_cache_create(
            "dentry",
            192,
            SlabFlags::RECLAIM_ACCOUNT | SlabFlags::HWCACHE_ALIGN,
        )
        .unwrap();
    for (cache, n) in [(k256, 40), (dentry, 30)] {
        for _ in 0..n {
            let o = if let Some(o) = m.slab.try_alloc_object(cache).unwrap() {
                o
            } else {
                let plan = m.slab.allocate_slab_plan(cache, Gfp::KERNEL).unwrap();
                let mt = if plan.first.gfp.contains(Gfp::RECLAIMABLE) {
                    MigrateType::Reclaimable
                } else {
                    MigrateType::Unmovable
                };
                let p = m
                    .rmqueue(
                        zone,
                        plan.first.order,
                        mt,
                        AllocFlags::WMARK_LOW,
                        &mut NullSink,
                    )
                    .unwrap();
                m.slab_add_slab(cache, p, plan.first.order, &mut NullSink)
                    .unwrap();
                m.slab.try_alloc_object(cache).unwrap().unwrap()
            };
            if cache == dentry {
                m.slab.mark_reclaimable(o).unwrap();
            }
        }
    }
    // Free a few kernel pages back so the lists are not all pristine.
    for pfn in m
        .zone(zone)
        .unwrap()
        .allocated_blocks()
        .filter(|b| b.2 == PageState::Kernel { site: 1 })
        .map(|b| b.0)
        .step_by(3)
        .collect::<Vec<Pfn>>()
    {
        m.free_pages(pfn, 0, &mut NullSink).unwrap();
    }
    m.check_invariants().unwrap();
    m
}

#[test]
fn golden_views_teaching_machine_fresh() {
    let m = Machine::from_preset("x86_64-64M").unwrap();
    for v in ProcView::ALL {
        check_golden(&format!("x86_64-64M-fresh-{}", v.name()), &v.render(&m));
    }
}

#[test]
fn golden_views_teaching_machine_busy() {
    let m = busy_machine("x86_64-64M");
    for v in [
        ProcView::Buddyinfo,
        ProcView::Pagetypeinfo,
        ProcView::Zoneinfo,
    ] {
        check_golden(&format!("x86_64-64M-busy-{}", v.name()), &v.render(&m));
    }
    // slabinfo: only the caches the workload touched (the other 50 are all zeros).
    let text = slabinfo(&m);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("      0      0 "))
        .collect();
    check_golden("x86_64-64M-busy-slabinfo", &(lines.join("\n") + "\n"));
}

#[test]
fn golden_views_i386_highmem() {
    let m = busy_machine("i386-highmem");
    for v in [
        ProcView::Buddyinfo,
        ProcView::Pagetypeinfo,
        ProcView::Zoneinfo,
    ] {
        check_golden(&format!("i386-highmem-busy-{}", v.name()), &v.render(&m));
    }
}

#[test]
fn buddyinfo_counts_and_layout_match_a_real_machine() {
    let m = busy_machine("x86_64-4G");
    let ours = buddyinfo(&m);
    let lines: Vec<&str> = ours.lines().collect();
    assert_eq!(lines.len(), 3);
    // Column k is free_area[k].nr_free.
    let dma32 = m
        .zone(ZoneId {
            node: 0,
            zone: ZoneType::Dma32,
        })
        .unwrap();
    let cols: Vec<u64> = lines[1]
        .split_whitespace()
        .skip(4)
        .map(|t| t.parse().unwrap())
        .collect();
    assert_eq!(
        cols,
        (0..11).map(|o| dma32.nr_free_blocks(o)).collect::<Vec<_>>()
    );
    let real = sample("buddyinfo-03-sungju-x86_64.txt");
    let real: Vec<&str> = real.lines().filter(|l| l.starts_with("Node")).collect();
    assert_eq!(real.len(), 3);
    for (r, o) in real.iter().zip(&lines) {
        // The sample keeps the kernel's trailing space.
        assert!(r.ends_with(' ') && o.ends_with(' '));
        assert_eq!(token_ends(r), token_ends(o), "\nreal: {r}\nours: {o}");
    }
}

#[test]
fn pagetypeinfo_layout_matches_a_real_machine() {
    let m = busy_machine("x86_64-4G");
    let ours = pagetypeinfo(&m);
    let real = sample("pagetypeinfo-02-lkml-huizhu-x86_64-8G-two-snapshots.txt");
    let real: Vec<&str> = real
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .take_while(|l| !l.starts_with("# ----"))
        .collect();
    let ours: Vec<&str> = ours.lines().collect();
    assert_eq!(real.len(), ours.len(), "line count");
    // The mail archive stripped the kernel's trailing spaces.
    for (r, o) in real.iter().zip(ours.iter().map(|l| l.trim_end())) {
        if r.starts_with("Node") {
            assert_eq!(token_ends(r), token_ends(o), "\nreal: {r}\nours: {o}");
            // Same zone and type labels in the same order.
            let labels = |l: &str| {
                l.split_whitespace()
                    .skip(2)
                    .take_while(|t| t.parse::<u64>().is_err())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            assert_eq!(labels(r), labels(o));
        } else {
            assert_eq!(*r, o);
        }
    }
}

#[test]
fn pagetypeinfo_counts_blocks_per_type() {
    let m = busy_machine("x86_64-64M");
    let text = pagetypeinfo(&m);
    let dma32 = m
        .zone(ZoneId {
            node: 0,
            zone: ZoneType::Dma32,
        })
        .unwrap();
    let counts = dma32.pageblock_counts();
    // DMA32 spans 0x1000..0x4000 = 24 pageblocks.
    assert_eq!(counts.iter().sum::<u64>(), 24);
    let row = text
        .lines()
        .find(|l| l.starts_with("Node 0, zone    DMA32 "))
        .unwrap();
    let got: Vec<u64> = row
        .split_whitespace()
        .skip(4)
        .map(|t| t.parse().unwrap())
        .collect();
    assert_eq!(got, vec![counts[0], counts[1], counts[2], counts[3], 0, 0]);
}

#[test]
fn zoneinfo_labels_match_real_output() {
    let m = Machine::from_preset("x86_64-64M").unwrap();
    let ours = zoneinfo(&m);
    // 4.2-era sample: one space of mail space-stuffing on indented lines.
    let real = sample("zoneinfo-01-linux-mm-marsh-4.2.0-rc7-x86_64.txt");
    let real: Vec<String> = real
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.strip_prefix(' ').unwrap_or(l).to_string())
        .collect();
    let label = |l: &str| l.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
    for want in [
        "Node 0, zone      DMA",
        "  pages free     ",
        "        min      ",
        "        low      ",
        "        high     ",
        "        spanned  ",
        "        present  ",
        "        managed  ",
        "  pagesets",
        "    cpu: ",
        "              count: ",
        "              high:  ",
        "              batch: ",
        "  vm stats threshold: ",
    ] {
        assert!(
            real.iter().any(|l| label(l) == want),
            "sample lacks {want:?}"
        );
        assert!(
            ours.lines().any(|l| label(l) == want),
            "ours lacks {want:?}"
        );
    }
    assert!(
        real.iter()
            .any(|l| l.starts_with("        protection: (0, 2966, 7692, 7692)"))
    );
    assert!(ours.contains("\n        protection: (0, 37, 37, 37, 37)\n"));
    // 6.12 fields that 4.2 lacked.
    for want in [
        "        boost    0",
        "        promo    ",
        "  node_unreclaimable:  0",
        "  start_pfn:           1",
    ] {
        assert!(ours.contains(want), "{want}");
    }
    // Every zone of the node, populated or not, in kernel order, then Device.
    let zones: Vec<&str> = ours.lines().filter(|l| l.starts_with("Node ")).collect();
    assert_eq!(
        zones,
        [
            "Node 0, zone      DMA",
            "Node 0, zone    DMA32",
            "Node 0, zone   Normal",
            "Node 0, zone  Movable",
            "Node 0, zone   Device"
        ]
    );
}

#[test]
fn zoneinfo_pageset_numbers_follow_the_kernel_formulas() {
    // Checked against a real 2-CPU VM: DMA32 managed 772918, low 5951 → batch 63,
    // high_min 2975, threshold 24; DMA managed 3840, low 28 → batch 1, high 14, threshold 4.
    assert_eq!(zone_batchsize(772_918), 63);
    assert_eq!(zone_highsize(5951, 63, 2), 2975);
    assert_eq!(calculate_normal_threshold(772_918, 2), 24);
    assert_eq!(zone_batchsize(3840), 1);
    assert_eq!(zone_highsize(28, 1, 2), 14);
    assert_eq!(calculate_normal_threshold(3840, 2), 4);
}

#[test]
fn zoneinfo_derives_lru_and_node_stats_from_page_states() {
    let m = busy_machine("x86_64-64M");
    let text = zoneinfo(&m);
    assert!(text.contains("\n      nr_inactive_anon 80\n"), "{text}");
    assert!(text.contains("\n      nr_inactive_file 100\n"));
    assert!(text.contains("\n      nr_dirty     20\n"));
    assert!(text.contains("\n      nr_writeback 5\n"));
    assert!(text.contains("\n      nr_swapcached 10\n"));
    assert!(text.contains("\n      nr_file_pages 110\n"));
    assert!(text.contains("\n      nr_zone_write_pending 25\n"));
    // dentry: 30 objects, 21 per order-0 slab → 2 pages; kmalloc-256 on 2 CPUs: order 0, 16
    // objects → 3 pages.
    assert!(text.contains("\n      nr_slab_reclaimable 2\n"));
    assert!(text.contains("\n      nr_slab_unreclaimable 3\n"));
    let extras = ProcExtras {
        node_unreclaimable: vec![true],
        ..ProcExtras::default()
    };
    assert!(zoneinfo_with(&m, &extras).contains("  node_unreclaimable:  1\n"));
}

#[test]
fn slabinfo_layout_matches_a_real_machine() {
    let m = busy_machine("x86_64-64M");
    let ours = slabinfo(&m);
    let real = sample("slabinfo-01-sungju-head-and-slabtop-rhel6.txt");
    let real: Vec<&str> = real
        .lines()
        .filter(|l| !l.starts_with('#') || l.starts_with("# name"))
        .collect();
    let header_idx = real
        .iter()
        .position(|l| l.starts_with("slabinfo - version"))
        .unwrap();
    let ours_lines: Vec<&str> = ours.lines().collect();
    assert_eq!(ours_lines[0], real[header_idx]);
    assert_eq!(ours_lines[1], real[header_idx + 1]);
    let real_row = real[header_idx + 2]; // nfsd_drc ...
    let our_row = ours_lines
        .iter()
        .find(|l| l.starts_with("dentry "))
        .unwrap();
    assert_eq!(
        token_ends(real_row)[1..],
        token_ends(our_row)[1..],
        "\nreal: {real_row}\nours: {our_row}"
    );
    // SLUB's count_partial_free_approx() only counts free objects on the node partial list,
    // so the 12 free objects of the CPU slab show as active: 42, not 30.
    assert_eq!(
        *our_row,
        "dentry                42     42    192   21    1 : tunables    0    0    0 : slabdata      2      2      0"
    );
}

#[test]
fn view_names_parse() {
    for v in ProcView::ALL {
        assert_eq!(ProcView::parse(v.name()), Some(v));
    }
    assert_eq!(ProcView::parse("meminfo"), None);
}
