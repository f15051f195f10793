// Performance numbers, measured and printed but never asserted (speed targets live in
// criterion benches; a timed test would be flaky on a shared 2-core machine).
// Writes tests/e2e/artifacts/perf.json. Fails only like every other e2e test: on a console
// error or an uncaught exception while it drives the app.
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { appTest, ARTIFACTS, browser, DIST_DIR } from '../lib/harness.mjs';
import { measureSteps, median, round, summary } from '../lib/frame-cost.mjs';

const STEPS = 50;

/** Raw and gzip (level 9) byte counts of dist/'s wasm, js and css files. */
function bundleSize(dist) {
  const out = { files: {}, raw: 0, gzip: 0 };
  for (const f of readdirSync(dist)) {
    if (!/\.(wasm|js|css)$/.test(f) || !statSync(join(dist, f)).isFile()) continue;
    const bytes = readFileSync(join(dist, f));
    const entry = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    out.files[f] = entry;
    out.raw += entry.raw;
    out.gzip += entry.gzip;
  }
  return out;
}


// Runs in the page: shared helpers, installed once as window.__perf.
function installPerfHelpers() {
  const q = (id) => document.querySelector(`[data-testid="${id}"]`);
  const counterText = () => q('step-counter')?.innerText ?? '';
  // Resolves once the frame after the current one has started, i.e. after style, layout and
  // paint of the DOM changes made so far.
  const afterPaint = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  // Resolves true when the counter text differs from `prev`, false after `timeout` ms.
  const counterChange = (prev, timeout) =>
    new Promise((resolve) => {
      if (counterText() !== prev) return resolve(true);
      const obs = new MutationObserver(() => {
        if (counterText() !== prev) finish(true);
      });
      const timer = setTimeout(() => finish(false), timeout);
      function finish(v) {
        obs.disconnect();
        clearTimeout(timer);
        resolve(v);
      }
      obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
  // Resolves with the time of the last DOM mutation once none happened for `quiet` ms.
  const settle = (quiet, max) =>
    new Promise((resolve) => {
      let last = performance.now();
      const start = last;
      const obs = new MutationObserver(() => (last = performance.now()));
      obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      const tick = () => {
        const now = performance.now();
        if (now - last >= quiet || now - start >= max) {
          obs.disconnect();
          resolve(last);
        } else setTimeout(tick, 20);
      };
      setTimeout(tick, 20);
    });
  window.__perf = { q, counterText, afterPaint, counterChange, settle };
}

appTest('performance: load, step, run to end, scrub, bundle size (printed, not asserted)', async ({ page }) => {
  const perf = { notes: [] };
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { dom_content_loaded: n?.domContentLoadedEventEnd ?? null, load: n?.loadEventEnd ?? null };
  });
  perf.load_to_interactive_ms = round(await page.evaluate(() => window.__gfpscope_ready_at ?? performance.now()));
  perf.navigation_ms = { dom_content_loaded: round(nav.dom_content_loaded), load: round(nav.load) };
  await page.evaluate(installPerfHelpers);
  // The rest of the run is computed in idle time after load (timeline.test.mjs); wait for
  // it to finish so that the step times below measure a step and its re-render only.
  await page.waitForSelector('[data-testid="timeline"][data-computing="false"]', { timeout: 60_000 });

  // One Step, click to painted re-render, STEPS times (Reset when the scenario ends).
  const step = await page.evaluate(async (n) => {
    const { q, counterText, afterPaint, counterChange } = window.__perf;
    if (!q('btn-step') || !q('step-counter')) return { error: 'btn-step or step-counter is missing' };
    const times = [];
    let resets = 0;
    const reset = async () => {
      resets += 1;
      const before = counterText();
      q('btn-reset')?.click();
      await counterChange(before, 2000);
    };
    for (let tries = 0; times.length < n && tries < 3 * n; tries++) {
      if (q('btn-step').disabled) {
        await reset();
        continue;
      }
      const prev = counterText();
      const t0 = performance.now();
      q('btn-step').click();
      if (!(await counterChange(prev, 2000))) {
        await reset();
        continue;
      }
      await afterPaint();
      times.push(performance.now() - t0);
    }
    return { times, resets };
  }, STEPS);
  if (step.error) {
    perf.notes.push(`step: ${step.error}`);
    perf.step_ms = null;
  } else {
    perf.step_ms = {
      median: round(median(step.times)),
      min: round(Math.min(...step.times)),
      max: round(Math.max(...step.times)),
      samples: step.times.length,
      resets: step.resets,
    };
    if (step.times.length < STEPS) perf.notes.push(`step: only ${step.times.length} of ${STEPS} steps measured`);
  }

  // The same steps read from a Chrome trace: main-thread work per step (thread time, from
  // the click to the first painted frame) and click-to-painted-frame latency.
  const cost = await measureSteps(page, STEPS);
  perf.step_work_ms = cost.work_ms.length ? summary(cost.work_ms) : null;
  perf.step_latency_ms = cost.latency_ms.length ? summary(cost.latency_ms) : null;
  perf.step_breakdown_ms = cost.breakdown_ms;
  if (cost.note) perf.notes.push(`step trace: ${cost.note}`);

  // Run to end: from the click on Run to the last DOM change (no change for 500 ms).
  const run = await page.evaluate(async () => {
    const { q, counterText, settle } = window.__perf;
    if (!q('btn-run')) return { error: 'btn-run is missing' };
    if (q('btn-reset')) {
      const before = counterText();
      q('btn-reset').click();
      await window.__perf.counterChange(before, 2000);
    }
    const from = counterText();
    const t0 = performance.now();
    q('btn-run').click();
    const last = await settle(500, 60_000);
    return { ms: last - t0, from, to: counterText() };
  });
  if (run.error) {
    perf.notes.push(`run: ${run.error}`);
    perf.run_to_end_ms = null;
  } else {
    perf.run_to_end_ms = round(run.ms);
    perf.run_to_end_steps = { from: run.from, to: run.to };
  }

  // Scrub: move the timeline to its middle (an <input type=range>) and wait for the new step.
  const scrub = await page.evaluate(async () => {
    const { q, counterText, afterPaint, counterChange } = window.__perf;
    const tl = q('timeline');
    if (!tl) return { error: 'timeline is missing' };
    const input = tl.matches('input[type=range]') ? tl : tl.querySelector('input[type=range]');
    if (!input) return { error: 'timeline has no <input type=range> to drive' };
    const max = Number(input.max || 100);
    const min = Number(input.min || 0);
    const target = Math.floor((min + max) / 2);
    if (String(target) === input.value) return { error: `timeline is already at ${target}` };
    const prev = counterText();
    const t0 = performance.now();
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    setter.call(input, String(target));
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    if (!(await counterChange(prev, 10_000))) return { error: 'the step counter did not change after scrubbing' };
    await afterPaint();
    return { ms: performance.now() - t0, target, shown: counterText() };
  });
  if (scrub.error) {
    perf.notes.push(`scrub: ${scrub.error}`);
    perf.scrub_to_step_ms = null;
  } else {
    perf.scrub_to_step_ms = round(scrub.ms);
    perf.scrub_target = scrub.target;
  }

  perf.bundle_bytes = DIST_DIR ? bundleSize(DIST_DIR) : null;
  perf.chromium = (await browser()).version();
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'perf.json'), JSON.stringify(perf, null, 2) + '\n');
});
