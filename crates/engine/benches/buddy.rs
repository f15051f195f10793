//! Buddy allocator benchmarks (issue 4 §7).
//!
//! 1. One random alloc/free workload (orders mostly 0–3, some up to 10), replayed on this
//!    model's [`Zone`] (events to a `NullSink`) and on `buddy_system_allocator`'s
//!    `FrameAllocator`, in the same run. Both are timed by criterion, then a direct
//!    comparison prints both means and the ratio (theirs / ours: ≥ 1.0 means ours is at
//!    least as fast).
//! 2. Building and booting a 4 GiB machine (1,048,576 page frames), with the bytes per page
//!    its page arrays take.
//!
//! Run: `cargo bench -p gfpscope-engine --bench buddy`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use buddy_system_allocator::FrameAllocator;
use criterion::{BatchSize, Criterion};
use gfpscope_engine::event::NullSink;
use gfpscope_engine::gfp::{AllocFlags, MigrateType, ZoneType};
use gfpscope_engine::mem::{Arch, Machine, MachineConfig, Pfn, Zone, ZoneId};

/// Pages in the benchmark zone (1 GiB).
const ZONE_PAGES: u64 = 1 << 18;
/// Operations per workload run.
const OPS: usize = 200_000;
/// Live allocations are kept under this many pages so that neither allocator runs dry.
const LIVE_CAP_PAGES: u64 = ZONE_PAGES / 2;

#[derive(Clone, Copy)]
enum Op {
    Alloc(u32),
    /// Free the live block at `index % live.len()`.
    Free(usize),
}

/// splitmix64: a seeded, deterministic generator (no ambient randomness).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Order mix: 0 (50 %), 1 (20 %), 2 (12 %), 3 (10 %), 4..=10 (8 %).
fn pick_order(r: u64) -> u32 {
    match r % 100 {
        0..=49 => 0,
        50..=69 => 1,
        70..=81 => 2,
        82..=91 => 3,
        x => 4 + (x % 7) as u32,
    }
}

/// The workload, generated once so both allocators see identical requests.
fn workload(seed: u64) -> Vec<Op> {
    let mut rng = SplitMix(seed);
    let mut live_pages = 0u64;
    let mut live: Vec<u32> = Vec::new();
    let mut ops = Vec::with_capacity(OPS);
    for _ in 0..OPS {
        let r = rng.next();
        let alloc = live.is_empty() || (r % 100 < 55 && live_pages < LIVE_CAP_PAGES);
        if alloc {
            let order = pick_order(rng.next());
            live_pages += 1 << order;
            live.push(order);
            ops.push(Op::Alloc(order));
        } else {
            let i = (rng.next() % live.len() as u64) as usize;
            live_pages -= 1 << live.swap_remove(i);
            ops.push(Op::Free(i));
        }
    }
    ops
}

fn bench_zone() -> Zone {
    let cfg =
        MachineConfig::with_zone_pages("bench", Arch::X86_64, &[(ZoneType::Normal, ZONE_PAGES)])
            .expect("bench config");
    let m = Machine::new(cfg).expect("bench machine");
    m.zone(ZoneId {
        node: 0,
        zone: ZoneType::Normal,
    })
    .expect("zone")
    .clone()
}

/// Replays `ops` on our zone; returns the number of successful allocations.
fn run_ours(zone: &mut Zone, ops: &[Op]) -> usize {
    let mut live: Vec<(Pfn, u32)> = Vec::with_capacity(OPS);
    let mut ok = 0;
    for op in ops {
        match *op {
            Op::Alloc(order) => {
                if let Some(p) = zone.rmqueue(
                    order,
                    MigrateType::Movable,
                    AllocFlags::WMARK_LOW,
                    &mut NullSink,
                ) {
                    live.push((p, order));
                    ok += 1;
                }
            }
            Op::Free(i) => {
                if !live.is_empty() {
                    let (p, o) = live.swap_remove(i % live.len());
                    zone.free_pages(p, o, &mut NullSink).expect("free");
                }
            }
        }
    }
    ok
}

/// Replays `ops` on `buddy_system_allocator::FrameAllocator` (orders 0..=10).
fn run_theirs(fa: &mut FrameAllocator<11>, ops: &[Op]) -> usize {
    let mut live: Vec<(usize, usize)> = Vec::with_capacity(OPS);
    let mut ok = 0;
    for op in ops {
        match *op {
            Op::Alloc(order) => {
                let count = 1usize << order;
                if let Some(p) = fa.alloc(count) {
                    live.push((p, count));
                    ok += 1;
                }
            }
            Op::Free(i) => {
                if !live.is_empty() {
                    let (p, c) = live.swap_remove(i % live.len());
                    fa.dealloc(p, c);
                }
            }
        }
    }
    ok
}

fn fresh_theirs() -> FrameAllocator<11> {
    let mut fa = FrameAllocator::<11>::new();
    fa.add_frame(0, ZONE_PAGES as usize);
    fa
}

fn mean_of<F: FnMut() -> Duration>(runs: u32, mut f: F) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..runs {
        total += f();
    }
    total / runs
}

fn main() {
    let ops = workload(0x6f70_7363_6f70_6521);
    let zone0 = bench_zone();
    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(8))
        .configure_from_args();

    let mut g = c.benchmark_group("alloc_free_workload_200k_ops");
    g.bench_function("gfpscope_zone", |b| {
        b.iter_batched_ref(
            || zone0.clone(),
            |z| black_box(run_ours(z, &ops)),
            BatchSize::LargeInput,
        );
    });
    g.bench_function("buddy_system_allocator_FrameAllocator", |b| {
        b.iter_batched_ref(
            fresh_theirs,
            |fa| black_box(run_theirs(fa, &ops)),
            BatchSize::LargeInput,
        );
    });
    g.finish();

    let flat4g = MachineConfig::with_zone_pages(
        "4G",
        Arch::X86_64,
        &[(ZoneType::Dma, 4096), (ZoneType::Dma32, (1 << 20) - 4096)],
    )
    .expect("4G config");
    c.bench_function("build_machine_4GiB_1048576_pages", |b| {
        b.iter_batched(
            || flat4g.clone(),
            |cfg| black_box(Machine::new(cfg).expect("4G")),
            BatchSize::SmallInput,
        );
    });
    c.final_summary();

    // Direct comparison in the same process, same workload.
    let ours_ok = run_ours(&mut zone0.clone(), &ops);
    let theirs_ok = run_theirs(&mut fresh_theirs(), &ops);
    let runs = 10;
    let ours = mean_of(runs, || {
        let mut z = zone0.clone();
        let t = Instant::now();
        black_box(run_ours(&mut z, &ops));
        t.elapsed()
    });
    let theirs = mean_of(runs, || {
        let mut fa = fresh_theirs();
        let t = Instant::now();
        black_box(run_theirs(&mut fa, &ops));
        t.elapsed()
    });
    let m = Machine::new(flat4g).expect("4G");
    let build = mean_of(5, || {
        let cfg = MachineConfig::with_zone_pages(
            "4G",
            Arch::X86_64,
            &[(ZoneType::Dma, 4096), (ZoneType::Dma32, (1 << 20) - 4096)],
        )
        .expect("4G config");
        let t = Instant::now();
        black_box(Machine::new(cfg).expect("4G"));
        t.elapsed()
    });
    println!();
    println!("== buddy comparison: {OPS} ops, {ZONE_PAGES}-page zone, events to NullSink ==");
    println!(
        "gfpscope Zone::rmqueue/free_pages : {:>10.3} ms ({ours_ok} allocations served)",
        ours.as_secs_f64() * 1e3
    );
    println!(
        "buddy_system_allocator FrameAlloc : {:>10.3} ms ({theirs_ok} allocations served)",
        theirs.as_secs_f64() * 1e3
    );
    println!(
        "ratio theirs/ours                 : {:>10.2} (>= 1.0: ours at least as fast)",
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
    println!(
        "4 GiB machine: {} frames, build+boot {:.2} ms, page arrays {} bytes = {:.2} bytes/page",
        m.spanned_pages(),
        build.as_secs_f64() * 1e3,
        m.page_array_bytes(),
        m.page_array_bytes() as f64 / m.spanned_pages() as f64
    );
}
