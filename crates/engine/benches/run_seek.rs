//! Time travel: seek to any step of a 100,000-step pressure run (target < 50 ms).
//!
//! Prints, once: how long the 100,000 steps took to execute, the keyframe count and
//! spacing, and the size of one snapshot. Then measures random seeks (keyframe
//! restore + replay) and single steps back.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use gfpscope_engine::scenario::Run;

const LONG: &str = include_str!("long_pressure.c");
const STEPS: u64 = 100_000;

fn long_run() -> Run {
    let mut run = Run::new("long_pressure.c", LONG).expect("benchmark scenario parses");
    let t = Instant::now();
    run.seek(STEPS);
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(
        run.current_step(),
        STEPS,
        "the workload must last {STEPS} steps"
    );
    let (n, interval) = run.keyframe_stats();
    eprintln!(
        "run_seek: executed {STEPS} steps in {secs:.2} s ({:.0} steps/s); {n} keyframes every {interval} steps, ~{} KiB each; log {} entries",
        STEPS as f64 / secs,
        run.snapshot_bytes() / 1024,
        run.log().len()
    );
    run
}

fn seek(c: &mut Criterion) {
    let mut run = long_run();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut worst = 0f64;
    c.bench_function("seek: random step of a 100k-step run", |b| {
        b.iter(|| {
            // xorshift: deterministic, spread over the whole run.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let t = Instant::now();
            run.seek(x % (STEPS + 1));
            let v = black_box(run.view());
            worst = worst.max(t.elapsed().as_secs_f64());
            v.step
        });
    });
    eprintln!(
        "run_seek: slowest random seek + view: {:.2} ms",
        worst * 1e3
    );
    run.seek(STEPS);
    c.bench_function("seek: step back from the end", |b| {
        b.iter(|| {
            if run.current_step() < 2 {
                run.seek(STEPS);
            }
            run.step_back();
            black_box(run.current_step())
        });
    });
    c.bench_function("view: one StepView at step 100k", |b| {
        b.iter(|| black_box(run.view()));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = seek
}
criterion_main!(benches);
