// The built-in scenario library in the browser. Only the default scenario's text is compiled
// into the wasm; the others are fetched from dist/library/NAME.c when picked (issue 7 item 9,
// bundle size). Every built-in must still load from the picker and from ?scenario=NAME, and a
// failed fetch must show an error and keep the scenario that is on screen.
import assert from 'node:assert/strict';
import { appTest, byTestId, currentLine, stepNumber, waitForStepChange } from '../lib/harness.mjs';

const DEFAULT = 'xfs_create';

/** Click Step and wait for the counter to move. */
async function step(page) {
  const before = await byTestId(page, 'step-counter').innerText();
  await byTestId(page, 'btn-step').click();
  await waitForStepChange(page, before);
}

/** The picker's options as { name, title } (labels are "name — title"). */
function options(page) {
  return byTestId(page, 'scenario-picker')
    .locator('option')
    .evaluateAll((os) => os.map((o) => ({ name: o.value, title: o.textContent.split(' — ').slice(1).join(' — ') })));
}

/** Wait until the source pane shows the header line `title: TITLE`. */
async function waitForTitle(page, title, timeout = 10_000) {
  await page.waitForFunction(
    (t) => new RegExp(`title:\\s+${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(
      document.querySelector('[data-testid="source"]')?.innerText ?? '',
    ),
    title,
    { timeout },
  );
}

appTest('every built-in scenario in the picker loads its own text at step 0', async ({ page }) => {
  const all = await options(page);
  assert.ok(all.length >= 14, `expected the built-in library in the picker, got ${all.map((o) => o.name)}`);
  assert.equal(all[0].name, DEFAULT);
  const fetched = [];
  page.on('request', (r) => {
    const m = r.url().match(/library\/(\w+)\.c$/);
    if (m) fetched.push(m[1]);
  });
  await waitForTitle(page, all[0].title);
  // Picking in reverse ends on a non-default scenario and revisits none.
  for (const { name, title } of all.slice(1).reverse().concat(all[0])) {
    await byTestId(page, 'scenario-picker').selectOption(name);
    await waitForTitle(page, title);
    assert.equal(await stepNumber(page), 0, name);
    assert.notEqual(await currentLine(page), null, `${name}: no current line`);
    assert.equal(await byTestId(page, 'error-banner').count(), 0, `${name}: error banner`);
    assert.equal(await page.locator('[data-testid="source"] .line.has-error').count(), 0, `${name}: diagnostics`);
  }
  // The default is compiled in; each other scenario is fetched once, when first picked.
  assert.deepEqual(fetched.sort(), all.slice(1).map((o) => o.name).sort());
  await step(page);
  assert.equal(await stepNumber(page), 1);
});

appTest('?scenario=NAME&step=N opens a fetched built-in at that step', async ({ page }) => {
  const thp = (await options(page)).find((o) => o.name === 'thp_fault');
  assert.ok(thp, 'thp_fault is in the picker');
  await waitForTitle(page, thp.title);
  assert.equal(await stepNumber(page), 3);
  assert.equal(await byTestId(page, 'scenario-picker').inputValue(), 'thp_fault');
  assert.equal(await byTestId(page, 'error-banner').count(), 0);
  await step(page);
  assert.equal(await stepNumber(page), 4);
}, { query: '?scenario=thp_fault&step=3' });

for (const [how, handler, allow] of [
  ['the request fails', (route) => route.abort(), /usbnet_rx\.c/],
  ['the server answers 404', (route) => route.fulfill({ status: 404, body: 'not here' }), /usbnet_rx\.c/],
]) {
  appTest(`when ${how}, picking a built-in shows an error and keeps the current scenario`, async ({ page }) => {
    await page.route('**/library/usbnet_rx.c', handler);
    const all = await options(page);
    const title = all.find((o) => o.name === DEFAULT).title;
    await step(page);
    await step(page);
    await byTestId(page, 'scenario-picker').selectOption('usbnet_rx');
    const banner = byTestId(page, 'error-banner');
    await banner.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await banner.innerText();
    assert.match(text, /usbnet_rx/);
    assert.match(text, /still showing xfs_create/);
    // The run on screen is untouched and still works; the picker names what is shown.
    await waitForTitle(page, title);
    assert.equal(await stepNumber(page), 2);
    assert.equal(await byTestId(page, 'scenario-picker').inputValue(), DEFAULT);
    await step(page);
    assert.equal(await stepNumber(page), 3);
  }, { allow: [allow] });
}

appTest('when the fetch fails but the user has an edit of that scenario saved, the edit opens', async ({ page }) => {
  await page.route('**/library/usbnet_rx.c', (route) => route.abort());
  // The user's own version of usbnet_rx, saved by an earlier visit (any valid text will do).
  const mine = (await byTestId(page, 'editor').inputValue()) + '\n/* my usbnet_rx notes */\n';
  await page.evaluate((text) => localStorage.setItem('gfpscope.edit.usbnet_rx', text), mine);
  await byTestId(page, 'scenario-picker').selectOption('usbnet_rx');
  const banner = byTestId(page, 'error-banner');
  await banner.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await banner.innerText(), /usbnet_rx[\s\S]*opened your edited version/);
  await page.waitForFunction((t) => document.querySelector('[data-testid="editor"]').value === t, mine);
  assert.equal(await byTestId(page, 'scenario-picker').inputValue(), 'usbnet_rx');
  assert.equal(await stepNumber(page), 0);
  await step(page);
  assert.equal(await stepNumber(page), 1);
  // Revert has no built-in text to go back to: it says so and keeps the edit.
  await page.getByRole('button', { name: 'Revert' }).click();
  await page.waitForFunction(() => /nothing to revert to/.test(document.querySelector('[data-testid="error-banner"]')?.innerText ?? ''));
  assert.equal(await byTestId(page, 'editor').inputValue(), mine);
  assert.equal(await page.evaluate(() => localStorage.getItem('gfpscope.edit.usbnet_rx')), mine);
}, { allow: [/usbnet_rx\.c/] });
