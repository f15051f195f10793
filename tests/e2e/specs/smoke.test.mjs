// First end-to-end checks: the built site loads (under a sub-path and at the root) without
// console errors, the default scenario's source is visible, and Step changes what is shown.
import assert from 'node:assert/strict';
import { appTest, byTestId, currentLine, ROOT_URL, stepNumber, waitForStepChange } from '../lib/harness.mjs';

appTest('loads under a sub-path with no console errors', async ({ page }) => {
  assert.ok(page.url().includes('/sub/path/'), `expected a sub-path URL, got ${page.url()}`);
  assert.equal(await page.evaluate(() => window.__gfpscope_ready), true);
});

appTest('loads at the server root too', async ({ page }) => {
  assert.equal(await page.evaluate(() => window.__gfpscope_ready), true);
}, { url: ROOT_URL });

appTest('shows the default scenario source with a current line', async ({ page }) => {
  const source = byTestId(page, 'source');
  await source.waitFor({ state: 'visible' });
  const text = (await source.innerText()).trim();
  assert.ok(text.split('\n').length >= 3, `the source view shows too little:\n${text}`);
  assert.notEqual(await currentLine(page), null, 'no line in the source view has class current-line');
});

appTest('Step advances the step counter and moves the current line', async ({ page }) => {
  const step = byTestId(page, 'btn-step');
  const lines = [await currentLine(page)];
  const first = await stepNumber(page);
  const clicks = 5;
  for (let i = 1; i <= clicks; i++) {
    const before = await byTestId(page, 'step-counter').innerText();
    await step.click();
    await waitForStepChange(page, before);
    assert.equal(await stepNumber(page), first + i, `after ${i} Step click(s)`);
    const line = await currentLine(page);
    assert.notEqual(line, null, `no current line after ${i} Step click(s)`);
    lines.push(line);
  }
  const moved = lines.some((l) => l.index !== lines[0].index);
  assert.ok(moved, `the current line never moved in ${clicks} steps: ${JSON.stringify(lines)}`);
});
