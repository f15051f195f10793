// The timeline spans the whole run (issue 7 item 6): after a scenario loads, the rest of
// the run is computed in the background, so the scrubber's range and markers cover the
// whole run before the user presses Run, while the current step stays where it is and
// stepping keeps working. Times are printed and written to artifacts/timeline.json,
// never asserted (the machine is shared).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appTest, ARTIFACTS, byTestId, shot, stepNumber, waitForStepChange } from '../lib/harness.mjs';

/** The timeline's state as the page shows it. */
function timeline(page) {
  return page.evaluate(() => {
    const tl = document.querySelector('[data-testid="timeline"]');
    return {
      known: Number(tl.dataset.known),
      endKnown: tl.dataset.endKnown === 'true',
      computing: tl.dataset.computing === 'true',
      max: Number(tl.querySelector('input[type=range]').max),
      value: Number(tl.querySelector('input[type=range]').value),
      status: document.querySelector('[data-testid="timeline-status"]').innerText,
      markers: [...tl.querySelectorAll('.markers .marker')].map((m) => ({
        step: Number(m.dataset.step),
        kind: [...m.classList].find((c) => /^mk\d$/.test(c)),
      })),
    };
  });
}

const waitForWholeRun = (page, timeout = 60_000) =>
  page.waitForSelector('[data-testid="timeline"][data-end-known="true"]', { timeout });

/** Click Step and wait for the counter to move; returns click-to-paint milliseconds. */
async function timedStep(page) {
  return page.evaluate(async () => {
    const counter = () => document.querySelector('[data-testid="step-counter"] .num').innerText;
    const before = counter();
    const t0 = performance.now();
    document.querySelector('[data-testid="btn-step"]').click();
    while (counter() === before) {
      if (performance.now() - t0 > 10_000) throw new Error('the step counter did not move');
      await new Promise((r) => setTimeout(r, 0));
    }
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  });
}

const results = {};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function save() {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'timeline.json'), JSON.stringify(results, null, 2) + '\n');
}

appTest('the timeline shows the whole run and its late markers before Run is pressed', async ({ page }) => {
  // virtio_net_refill runs 3,801 steps; its direct reclaims (the deferred GFP_KERNEL
  // refills, library_outcomes.rs) all come after step 1,000.
  await waitForWholeRun(page);
  const tl = await timeline(page);
  assert.equal(await stepNumber(page), 0, 'computing ahead moved the current step');
  assert.equal(tl.value, 0);
  assert.ok(!tl.computing);
  assert.equal(tl.max, tl.known, 'the scrubber ends at the last known step');
  assert.ok(tl.max > 3000, `the run is longer than ${tl.max} steps`);
  assert.match(tl.status, new RegExp(`whole run: ${tl.max.toLocaleString('en-US')} steps`));
  const reclaim = tl.markers.filter((m) => m.kind === 'mk1');
  assert.ok(reclaim.length >= 1, `direct reclaim markers: ${JSON.stringify(reclaim)}`);
  assert.ok(reclaim.every((m) => m.step > 1000), `direct reclaim markers at ${JSON.stringify(reclaim)}`);
  assert.match(await byTestId(page, 'step-counter').innerText(), new RegExp(`/ ${tl.max}\\b`));
  await shot(page, 'timeline--whole-run-at-step-0');

  // Clicking the marker jumps there; the event log and decision panel show the reclaim.
  await page.locator(`.markers .marker.mk1[data-step="${reclaim[0].step}"]`).click();
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="step-counter"] .num')?.innerText === String(n),
    reclaim[0].step,
  );
  assert.match(await byTestId(page, 'event-log').innerText(), /direct_reclaim/);
  assert.match(await byTestId(page, 'decision-panel').innerText(), /reclaim/i);
  assert.equal((await timeline(page)).value, reclaim[0].step);

  // The scrubber's end is the run's end: Run to end lands exactly there.
  const before = await byTestId(page, 'step-counter').innerText();
  await byTestId(page, 'btn-run').click();
  await waitForStepChange(page, before);
  assert.equal(await stepNumber(page), tl.max);
  assert.match(await byTestId(page, 'step-counter').innerText(), /end/);
  // Breakpoints still work over the known run: from the start to the direct reclaim.
  await byTestId(page, 'btn-reset').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="step-counter"] .num')?.innerText === '0');
  await byTestId(page, 'timeline').locator('select').selectOption({ label: 'direct reclaim' });
  await byTestId(page, 'btn-run-until').click();
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="step-counter"] .num')?.innerText === String(n),
    reclaim[0].step,
  );
}, { query: '?scenario=virtio_net_refill' });

// The ~100,000-step pressure scenario of ui-perf.test.mjs.
const LONG = `/*
 * title:      perf: x86_64-64M, 33333 iterations under pressure
 * kernel:     6.12
 * machine:    x86_64-64M
 * pressure:   page_cache 60% (dirty 10%), anon 28%, slab_reclaimable 6%
 * background: anon_hog 16K/step
 * swap:       16M
 * seed:       1
 */

SYSCALL(writer) __comm("writer")
{
\tint i;

\tfor (i = 0; i < 33333; i++) {
\t\tvoid *p = kmalloc(256, GFP_KERNEL);
\t\tkfree(p);
\t}
\treturn 0;
}
`;

appTest('stepping works while a 100,000-step run is computed in the background', async ({ page }) => {
  await byTestId(page, 'editor').fill(LONG);
  await page.waitForSelector('[data-testid="timeline"][data-computing="true"]');
  const t0 = Date.now();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="timeline"]').dataset.known) > 1000);
  await shot(page, 'timeline--computing');
  const during = [];
  const seen = [];
  for (let i = 0; i < 12; i++) {
    during.push(await timedStep(page));
    const tl = await timeline(page);
    seen.push(tl);
    assert.equal(await stepNumber(page), i + 1);
    assert.equal(tl.value, i + 1, 'the scrubber follows the current step');
  }
  assert.ok(seen.at(-1).computing, 'the background finished before the steps were taken; nothing was tested');
  // The range grows while the current step stays put, with a visible "computing" status.
  await page.waitForFunction(
    (k) => Number(document.querySelector('[data-testid="timeline"]').dataset.known) > k,
    seen.at(-1).known,
  );
  const mid = await timeline(page);
  assert.match(mid.status, /computing/);
  assert.equal(mid.max, mid.known);
  await page.locator('.unknown-tail.computing').waitFor();

  await waitForWholeRun(page, 120_000);
  const background_ms = Date.now() - t0;
  const done = await timeline(page);
  assert.equal(await stepNumber(page), 12, 'the background computation moved the current step');
  assert.ok(done.known >= 90_000, `the long run has only ${done.known} steps`);
  assert.equal(done.max, done.known);
  assert.equal(await page.locator('.unknown-tail').count(), 0, 'the tail is gone once the end is known');
  await shot(page, 'timeline--computed');
  // Now that nothing runs in the background, the same steps for comparison.
  const after = [];
  for (let i = 0; i < 12; i++) after.push(await timedStep(page));
  assert.equal(await stepNumber(page), 24);
  const timing = await page.evaluate(() => window.__gfpscope_timing ?? {});
  results.long_run = {
    steps: done.known,
    background_ms,
    longest_slice_ms: Math.round(timing.background_slice_max * 10) / 10,
    slices: timing.background_slices,
    slices_over_8ms: timing.background_slices_overran,
    step_while_computing_ms: { median: Math.round(median(during)), max: Math.round(Math.max(...during)) },
    step_after_ms: { median: Math.round(median(after)), max: Math.round(Math.max(...after)) },
  };
  save();
  console.log(`timeline (measured, not asserted): ${JSON.stringify(results.long_run)}`);
});

appTest('a bad edit keeps the computed run; a good edit or another scenario starts over', async ({ page }) => {
  await waitForWholeRun(page);
  const first = await timeline(page);
  assert.equal(first.known, 3801);
  // A parse error: diagnostics, and the timeline keeps the last good run.
  const editor = byTestId(page, 'editor');
  const good = await editor.inputValue();
  await editor.fill(good.replace('virtnet_receive();', 'virtnet_receive(;'));
  await page.waitForSelector('[data-testid="source"] .line.has-error');
  const kept = await timeline(page);
  assert.deepEqual(kept, first);
  // An edit that parses: a new run, computed from the start again (a shorter refill loop).
  const shorter = good.replace(/i < 256/g, 'i < 8');
  assert.notEqual(shorter, good, 'virtio_net_refill no longer has its 256-buffer refill loop');
  await editor.fill(shorter);
  await page.waitForFunction(
    (k) => {
      const tl = document.querySelector('[data-testid="timeline"]');
      return tl.dataset.endKnown === 'true' && Number(tl.dataset.known) !== k;
    },
    first.known,
    { timeout: 60_000 },
  );
  const edited = await timeline(page);
  assert.ok(edited.known < first.known, `the shorter loop ran ${edited.known} steps`);
  assert.equal(edited.max, edited.known);
  // Another scenario: its own run and markers replace the old ones.
  await byTestId(page, 'scenario-picker').selectOption('xfs_create');
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="source"]')?.innerText.includes('xfs_create'),
  );
  await waitForWholeRun(page);
  const other = await timeline(page);
  assert.ok(other.known < 100, `xfs_create ran ${other.known} steps`);
  assert.ok(other.markers.every((m) => m.step <= other.known), JSON.stringify(other.markers));
  assert.equal(await stepNumber(page), 0);
}, { query: '?scenario=virtio_net_refill' });
