//! A 1,000,000-step pressure run completes: reports steps/s, peak memory (VmHWM
//! from /proc/self/status), keyframes and log size. Then measures 10,000 steps
//! from a fresh run with criterion.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use gfpscope_engine::scenario::Run;

const LONG: &str = include_str!("long_pressure.c");

/// `VmHWM` / `VmRSS` of this process in KiB (0 where /proc is absent).
fn proc_status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn million(c: &mut Criterion) {
    let before = proc_status_kib("VmRSS:");
    let mut run = Run::new("long_pressure.c", LONG).expect("benchmark scenario parses");
    let t = Instant::now();
    run.run_to_end();
    let secs = t.elapsed().as_secs_f64();
    let steps = run.known_steps();
    let (n, interval) = run.keyframe_stats();
    eprintln!(
        "run_pressure: {steps} steps in {secs:.1} s = {:.0} steps/s; finished: {}; peak RSS {} MiB (RSS before {} MiB); {n} keyframes every {interval} steps (~{} KiB each); log {} entries; history {} points",
        steps as f64 / secs,
        run.finished(),
        proc_status_kib("VmHWM:") / 1024,
        before / 1024,
        run.snapshot_bytes() / 1024,
        run.log().len(),
        run.history().len(),
    );
    assert!(
        steps >= 1_000_000 || run.finished(),
        "the run stopped early at {steps}"
    );
    let t = Instant::now();
    run.seek(steps / 2);
    eprintln!(
        "run_pressure: seek to step {} of the 1M run: {:.1} ms",
        steps / 2,
        t.elapsed().as_secs_f64() * 1e3
    );
    drop(run);

    let mut g = c.benchmark_group("pressure");
    g.sample_size(10);
    g.bench_function("10k steps from a fresh run", |b| {
        b.iter(|| {
            let mut run = Run::new("long_pressure.c", LONG).unwrap();
            run.seek(10_000);
            black_box(run.current_step())
        });
    });
    g.finish();
}

criterion_group!(benches, million);
criterion_main!(benches);
