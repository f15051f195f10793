// The visualiser's user-facing flows (issue 7 item 10), in real headless Chromium:
// picking a scenario, a NOFS scope visibly clearing __GFP_FS, reclaim under pressure
// skipping the filesystem shrinker, exact step-back, keyboard stepping, and inline
// diagnostics for a bad edit. Screenshots of each end state land in tests/e2e/artifacts/.
import assert from 'node:assert/strict';
import { appTest, byTestId, currentLine, shot, stepNumber, waitForStepChange } from '../lib/harness.mjs';

/** Click Step and wait for the counter to move. */
async function step(page) {
  const before = await byTestId(page, 'step-counter').innerText();
  await byTestId(page, 'btn-step').click();
  await waitForStepChange(page, before);
}

/** Wait until the step counter's first number is `n`. */
async function waitForStep(page, n) {
  await page.waitForFunction(
    (want) => {
      const m = document.querySelector('[data-testid="step-counter"]')?.innerText.match(/\d+/);
      return m && Number(m[0]) === want;
    },
    n,
    { timeout: 10_000 },
  );
}

/** Everything a user reads for the current step, for exact comparisons. */
function viewState(page) {
  return page.evaluate(() => {
    const html = (id) => document.querySelector(`[data-testid="${id}"]`)?.outerHTML ?? null;
    const cur = document.querySelector('[data-testid="source"] .current-line');
    const map = document.querySelector('[data-testid="memory-map"]');
    return {
      // The counter's step number (its "/ N" total grows as the run is explored).
      counter: document.querySelector('[data-testid="step-counter"] .num')?.innerText ?? null,
      currentLine: cur ? cur.getAttribute('data-line') : null,
      callStack: html('call-stack'),
      task: html('task-flags'),
      requested: html('requested-mask'),
      effective: html('effective-mask'),
      decisions: html('decision-panel'),
      log: document.querySelector('[data-testid="event-log"]')?.innerText ?? null,
      memoryMap: map ? map.toDataURL() : null,
    };
  });
}

appTest('picking a built-in scenario shows its source from step 0', async ({ page }) => {
  const picker = byTestId(page, 'scenario-picker');
  const names = await picker.locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(names.length >= 12, `expected the built-in library in the picker, got ${names}`);
  assert.ok(names.includes('usbnet_rx'), `usbnet_rx missing from ${names}`);
  await step(page);
  await picker.selectOption('usbnet_rx');
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="source"]')?.innerText.includes('usb_giveback_urb_bh'),
  );
  assert.equal(await stepNumber(page), 0);
  assert.notEqual(await currentLine(page), null, 'no current line after picking a scenario');
  await step(page);
  assert.equal(await stepNumber(page), 1);
});

appTest('a memalloc_nofs_save() scope clears __GFP_FS from the effective mask', async ({ page }) => {
  // The default scenario is xfs_create: a GFP_KERNEL allocation before the scope,
  // then memalloc_nofs_save(), then the inode allocation four calls deeper.
  const fsRow = '[data-testid="effective-mask"]';
  let sawPlainKernel = false;
  for (let i = 0; i < 30; i++) {
    await step(page);
    const state = await page.evaluate(() => {
      const eff = document.querySelector('[data-testid="effective-mask"]');
      const req = document.querySelector('[data-testid="requested-mask"]');
      const row = document.querySelector('.alloc-panel:not(.stale) tr[data-bit="__GFP_FS"]');
      return {
        fresh: !!document.querySelector('.alloc-panel:not(.stale)'),
        eff: eff?.innerText ?? '',
        req: req?.innerText ?? '',
        removed: row?.querySelector('td.eff.removed')?.innerText ?? null,
      };
    });
    if (!state.fresh) continue;
    if (state.removed === null) {
      // An allocation outside the scope keeps __GFP_FS.
      if (/GFP_KERNEL/.test(state.eff)) sawPlainKernel = true;
      continue;
    }
    assert.ok(sawPlainKernel, 'the allocation before the scope should have kept GFP_KERNEL');
    assert.match(state.req, /GFP_KERNEL/, 'requested mask');
    assert.match(state.eff, /GFP_NOFS/, 'effective mask');
    assert.doesNotMatch(state.eff, /__GFP_FS\b/, 'effective mask still names __GFP_FS');
    assert.match(state.removed, /PF_MEMALLOC_NOFS/, 'the removed bit names the PF flag');
    const flags = await byTestId(page, 'task-flags').locator('.pf.set').allInnerTexts();
    assert.ok(flags.includes('PF_MEMALLOC_NOFS'), `task flags: ${flags}`);
    assert.ok(await page.locator(fsRow).isVisible());
    await shot(page, 'ui--nofs-scope-effective-mask');
    return;
  }
  assert.fail('no allocation inside the NOFS scope within 30 steps');
});

// A writer allocating inside a NOFS scope on a machine whose memory is mostly page
// cache, anonymous memory and reclaimable slab (dentries and inodes): its direct
// reclaim runs with GFP_NOFS, so the superblock shrinker must stop.
const PRESSURE_SCENARIO = `/*
 * title:      NOFS allocations under memory pressure
 * teaches:    with __GFP_FS cleared by the scope, reclaim skips the filesystem shrinker
 * kernel:     6.12
 * machine:    x86_64-64M
 * pressure:   page_cache 30% (dirty 5%), anon 30%, slab_reclaimable 33%
 * background: anon_hog 64K/step
 * swap:       16M
 * seed:       1
 */

SYSCALL(writer) __comm("writer")
{
	unsigned int nofs = memalloc_nofs_save();
	int i;

	for (i = 0; i < 400; i++) {
		struct page *p = alloc_pages(GFP_KERNEL, 2);
	}
	memalloc_nofs_restore(nofs);
	return 0;
}
`;

appTest('under pressure, reclaim skips the filesystem shrinker for lack of __GFP_FS', async ({ page }) => {
  await byTestId(page, 'editor').fill(PRESSURE_SCENARIO);
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="call-stack"]')?.innerText.includes('writer'),
  );
  assert.equal(await stepNumber(page), 0);
  const timeline = byTestId(page, 'timeline');
  await timeline.locator('select').selectOption({ label: 'reclaim skipped' });
  let found = null;
  for (let i = 0; i < 20 && found === null; i++) {
    const before = await byTestId(page, 'step-counter').innerText();
    await timeline.getByRole('button', { name: /Go/ }).click();
    await waitForStepChange(page, before);
    const text = await byTestId(page, 'decision-panel').innerText();
    if (/super_cache_scan/.test(text) && /__GFP_FS/.test(text)) found = text;
  }
  assert.ok(found, 'the decision panel never showed super_cache_scan skipped for lack of __GFP_FS');
  assert.match(found, /reclaim_skip/);
  // The allocation that reclaimed is the NOFS one.
  assert.match(await byTestId(page, 'effective-mask').innerText(), /GFP_NOFS/);
  await shot(page, 'ui--fs-shrinker-skipped');
});

appTest('step back restores the earlier view exactly', async ({ page }) => {
  for (let i = 0; i < 8; i++) await step(page);
  const at8 = await viewState(page);
  await step(page);
  const at9 = await viewState(page);
  assert.notDeepEqual(at9, at8, 'stepping forward changed nothing');
  await byTestId(page, 'btn-step-back').click();
  await waitForStep(page, 8);
  const back = await viewState(page);
  for (const key of Object.keys(at8)) assert.deepEqual(back[key], at8[key], `${key} differs after step back`);
});

appTest('keyboard: arrows and j/k step, space plays, ? shows the shortcuts', async ({ page }) => {
  await page.locator('body').click({ position: { x: 5, y: 300 } }).catch(() => {});
  await page.keyboard.press('ArrowRight');
  await waitForStep(page, 1);
  await page.keyboard.press('j');
  await waitForStep(page, 2);
  await page.keyboard.press('ArrowRight');
  await waitForStep(page, 3);
  await page.keyboard.press('ArrowLeft');
  await waitForStep(page, 2);
  await page.keyboard.press('k');
  await waitForStep(page, 1);
  await page.keyboard.press('?');
  await byTestId(page, 'help-overlay').waitFor({ state: 'visible' });
  assert.match(await byTestId(page, 'help-overlay').innerText(), /Step back/);
  await page.keyboard.press('Escape');
  await byTestId(page, 'help-overlay').waitFor({ state: 'detached' });
  // Space plays: the counter moves on its own; Space again pauses.
  const before = await byTestId(page, 'step-counter').innerText();
  await page.keyboard.press(' ');
  await waitForStepChange(page, before);
  await page.keyboard.press(' ');
  const paused = await stepNumber(page);
  await page.waitForTimeout(600);
  assert.equal(await stepNumber(page), paused, 'still playing after the second Space');
  // Typing in the editor never steps.
  await byTestId(page, 'editor').focus();
  await page.keyboard.press('j');
  assert.equal(await stepNumber(page), paused);
});

appTest('an invalid edit shows a diagnostic on the right line and keeps the text', async ({ page }) => {
  const editor = byTestId(page, 'editor');
  const original = await editor.inputValue();
  const lines = original.split('\n');
  const idx = lines.findIndex((l) => l.includes('error = xfs_icreate();'));
  assert.ok(idx >= 0, 'xfs_create no longer has "error = xfs_icreate();"');
  lines[idx] = lines[idx].replace('xfs_icreate()', 'xfs_icreate(');
  const broken = lines.join('\n');
  await editor.fill(broken);
  const lineNo = idx + 1;
  await page.waitForSelector('[data-testid="source"] .line.has-error', { timeout: 10_000 });
  const marked = await page.locator('[data-testid="source"] .line.has-error').evaluateAll((ls) =>
    ls.map((l) => Number(l.getAttribute('data-line'))),
  );
  assert.deepEqual(marked, [lineNo], 'the error is marked on the edited line');
  const diags = await byTestId(page, 'diagnostics').innerText();
  assert.match(diags, new RegExp(`xfs_create\\.c:${lineNo}:\\d+`), diags);
  assert.equal(await editor.inputValue(), broken, 'the user text was replaced');
  await shot(page, 'ui--diagnostic-inline');
  // The edit survives a reload (localStorage) and still shows the diagnostic.
  await page.reload({ waitUntil: 'load' });
  await page.waitForFunction(() => window.__gfpscope_ready === true);
  assert.equal(await byTestId(page, 'editor').inputValue(), broken, 'the edit was lost on reload');
  await page.waitForSelector('[data-testid="source"] .line.has-error');
  // Fixing it clears the diagnostics.
  await byTestId(page, 'editor').fill(original);
  await page.waitForSelector('[data-testid="source"] .line.has-error', { state: 'detached' });
});

appTest('bad URL parameters show a clear error banner', async ({ page }) => {
  const banner = byTestId(page, 'error-banner');
  await banner.waitFor({ state: 'visible' });
  const text = await banner.innerText();
  assert.match(text, /step="abc"/);
  assert.match(text, /nosuch/);
  // The page still works.
  await step(page);
}, { query: '?scenario=nosuch&step=abc' });

appTest('dark theme and 1280x720 keep every panel on screen', async ({ page }) => {
  for (let i = 0; i < 8; i++) await step(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 1280x720`);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(19, 21, 24)');
  await shot(page, 'ui--dark-1280x720');
}, { query: '?theme=dark', viewport: { width: 1280, height: 720 } });

appTest('the memory map, repainted row by row on each step, equals a full repaint', async ({ page }) => {
  // A pressure scenario whose background user allocates every step, so pages change
  // all over the map; each step repaints only the rows that changed.
  await byTestId(page, 'scenario-picker').selectOption('virtio_net_refill');
  await page.waitForFunction(() => document.querySelector('[data-testid="editor"]')?.value.includes('virtio'));
  for (let i = 0; i < 25; i++) await step(page);
  const pixels = () =>
    page.evaluate(() => {
      const c = document.querySelector('[data-testid="memory-map"]');
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let h = 0;
      for (let i = 0; i < data.length; i++) h = (Math.imul(h, 31) + data[i]) | 0;
      return { w: c.width, h: c.height, hash: h };
    });
  const incremental = await pixels();
  // Switching the theme and back repaints the whole map from the same page codes.
  await page.keyboard.press('t');
  await page.keyboard.press('t');
  await page.waitForTimeout(100);
  const full = await pixels();
  assert.deepEqual(incremental, full);
  assert.ok(incremental.w > 0 && incremental.h > 0);
});
