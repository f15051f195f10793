// What one step costs the browser, read from a Chrome trace (never asserted: printed and
// written to the artefacts by the perf specs).
//
// For each click on Step it reports two numbers:
//
// - `work_ms`: main-thread CPU time from the click until the first frame after it is painted:
//   the click handler, the engine step, Yew's re-render and effects, style, layout, paint and
//   the commit to the compositor. It is the sum of the renderer main thread's top-level tasks
//   in that window, in thread time (the trace's `tdur`), so another process on a busy CI
//   machine does not inflate it. This is "one step including re-render" of issue 7 item 9:
//   the cost that has to fit into one 16.7 ms frame for stepping and playback to stay at
//   60 frames per second.
// - `latency_ms`: wall-clock time from the click until that painted frame ended. It also
//   contains the wait for the next vsync (0 to 16.7 ms, depending on when in the frame the
//   click happened), so it is higher than `work_ms` even when nothing is slow.
const CATEGORIES = ['devtools.timeline', 'blink.user_timing', 'toplevel'];

/** The median of a list of numbers (null for an empty list). */
export const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Rounded to 0.1 (null stays null). */
export const round = (x) => (x == null ? null : Math.round(x * 10) / 10);

/** Median, min, max and count of a list of milliseconds, rounded to 0.1 ms. */
export function summary(xs) {
  return { median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), samples: xs.length };
}

/**
 * Clicks `[data-testid=btn-step]` `n` times (resetting when the run ends), `gapMs` apart so
 * that each click starts from an idle page, and measures each click from a Chrome trace.
 * Returns `{ work_ms: [...], latency_ms: [...], breakdown_ms: { FunctionCall, Layout, ... } }`
 * (breakdown: medians of the main thread's script, style, layout and paint time per step).
 */
export async function measureSteps(page, n, gapMs = 150) {
  const browser = page.context().browser();
  await browser.startTracing(page, { categories: CATEGORIES });
  let trace;
  try {
    await page.evaluate(
      async ({ n, gapMs }) => {
        const q = (id) => document.querySelector(`[data-testid="${id}"]`);
        for (let i = 0; i < n; i++) {
          if (q('btn-step').disabled) {
            q('btn-reset').click();
            await new Promise((r) => setTimeout(r, gapMs));
          }
          await new Promise((r) => setTimeout(r, gapMs));
          performance.mark(`gfpscope-step-${i}`);
          q('btn-step').click();
        }
        await new Promise((r) => setTimeout(r, gapMs));
        performance.mark(`gfpscope-step-${n}`);
      },
      { n, gapMs },
    );
  } finally {
    trace = JSON.parse((await browser.stopTracing()).toString());
  }
  return costs(trace.traceEvents ?? trace, n);
}

const KINDS = ['FunctionCall', 'UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'Commit'];

function costs(events, n) {
  const names = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const marks = new Map();
  for (const e of events) {
    const m = /^gfpscope-step-(\d+)$/.exec(e.name ?? '');
    if (m && !marks.has(Number(m[1]))) marks.set(Number(m[1]), e.ts);
  }
  // The page's renderer is the one whose main thread saw our marks.
  const markEvent = events.find((e) => /^gfpscope-step-/.test(e.name ?? ''));
  const main = names.find((t) => t.pid === markEvent?.pid) ?? names[0];
  if (!main) return { work_ms: [], latency_ms: [], breakdown_ms: {}, note: 'no renderer main thread in the trace' };
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X');
  const tasks = onMain.filter((e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask');
  const work = [];
  const latency = [];
  const parts = Object.fromEntries(KINDS.map((k) => [k, []]));
  for (let i = 0; i < n; i++) {
    const start = marks.get(i);
    const stop = marks.get(i + 1);
    if (start == null || stop == null) continue;
    // The first paint after the click ends the step's first frame.
    const paint = onMain.filter((e) => e.name === 'Paint' && e.ts >= start && e.ts < stop).sort((a, b) => a.ts - b.ts)[0];
    if (!paint) continue;
    const inWindow = tasks.filter((t) => t.ts + t.dur >= start && t.ts <= paint.ts);
    if (inWindow.length === 0) continue;
    const end = Math.max(...inWindow.map((t) => t.ts + t.dur));
    work.push(inWindow.reduce((sum, t) => sum + (t.tdur ?? t.dur), 0) / 1000);
    latency.push((end - start) / 1000);
    for (const k of KINDS) {
      parts[k].push(
        onMain.filter((e) => e.name === k && e.ts >= start && e.ts < end).reduce((sum, e) => sum + (e.tdur ?? e.dur), 0) / 1000,
      );
    }
  }
  const breakdown = Object.fromEntries(KINDS.map((k) => [k, round(median(parts[k]))]));
  return { work_ms: work, latency_ms: latency, breakdown_ms: breakdown };
}
