// Animations of a step forward (issue 7 items 2 and 4), in real headless Chromium:
// the flag chips of a gfp argument fly from the caller into the new frame, and a buddy
// split plays in the free-list table with a label naming its orders. Jumps (step back,
// seek) and steps that call nothing must not animate; reduced motion moves nothing.
// Mid-animation screenshots (animations paused) land in tests/e2e/artifacts/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, appTest, byTestId, stepNumber, waitForStepChange } from '../lib/harness.mjs';

/** Click Step (or Step back) and wait for the counter to move. */
async function click(page, id) {
  const before = await byTestId(page, 'step-counter').innerText();
  await byTestId(page, id).click();
  await waitForStepChange(page, before);
}

/** Every animation with this id: its target, keyframe transforms and state. */
function animations(page, id) {
  return page.evaluate((id) => {
    return document
      .getAnimations()
      .filter((a) => a.id === id)
      .map((a) => {
        const t = a.effect.target;
        const frame = t.closest('li.frame');
        return {
          playState: a.playState,
          text: t.textContent,
          cls: t.className,
          frameFn: frame?.querySelector('.fn')?.textContent ?? null,
          cell: t.closest('td') ? [t.closest('td').dataset.order, t.closest('td').dataset.mt] : null,
          transforms: a.effect.getKeyframes().map((k) => k.transform ?? null),
        };
      });
  }, id);
}

/**
 * Count getBoundingClientRect() calls on elements inside `selector` (layout reads of that
 * panel); returns a function that reads and resets the count.
 */
async function countLayoutReads(page, selector) {
  await page.evaluate((selector) => {
    const original = Element.prototype.getBoundingClientRect;
    window.__reads = 0;
    Element.prototype.getBoundingClientRect = function () {
      if (this.closest(selector)) window.__reads += 1;
      return original.call(this);
    };
  }, selector);
  return () => page.evaluate(() => { const n = window.__reads; window.__reads = 0; return n; });
}

/** Finish every running animation (so that the next check starts from a quiet page). */
const finishAll = (page) => page.evaluate(() => document.getAnimations().forEach((a) => a.finish()));

/** Pause every animation at `ms` from its start (a frame of the animation to look at). */
const pauseAt = (page, ms) =>
  page.evaluate((ms) => document.getAnimations().forEach((a) => { a.pause(); a.currentTime = ms; }), ms);

// usbnet_rx: at step 7 usb_submit_urb(urb, GFP_ATOMIC) is on top; step 8 calls
// xhci_urb_enqueue(urb, mem_flags), so its mem_flags comes from the caller's variable.
appTest('a gfp argument travels chip by chip into the called frame, and only on a step forward', async ({ page }) => {
  assert.equal(await stepNumber(page), 7);
  assert.deepEqual(await animations(page, 'gfp-travel'), [], 'opening at step 7 (a jump) animated');
  const reads = await countLayoutReads(page, '[data-testid="call-stack"]');

  await click(page, 'btn-step');
  const flights = await animations(page, 'gfp-travel');
  // One rectangle per travelling chip and one per source, read together (one layout).
  assert.equal(await reads(), 2 * flights.length, 'layout reads of the call stack for one call');
  assert.ok(flights.length >= 1, 'no chip travelled into xhci_urb_enqueue()');
  for (const f of flights) {
    assert.equal(f.frameFn, 'xhci_urb_enqueue()', `a chip of ${f.frameFn} travelled`);
    assert.match(f.cls, /\bchip\b/);
    assert.match(f.transforms[0], /^translate\(/, `first keyframe ${f.transforms[0]}`);
    assert.equal(f.transforms.at(-1), 'none');
  }
  assert.ok(flights.some((f) => /GFP_ATOMIC/.test(f.text)), JSON.stringify(flights));
  // The parameter names the argument it came from.
  const param = page.locator('[data-testid="call-stack"] li.frame:last-child tr.param', { hasText: 'mem_flags' });
  assert.match(await param.innerText(), /← mem_flags/);

  // At the start the chip sits on the caller's mem_flags chip; half-way it is between;
  // at the end it is in its own row.
  const where = (ms) =>
    page.evaluate((ms) => {
      const a = document.getAnimations().find((x) => x.id === 'gfp-travel');
      a.pause();
      a.currentTime = ms;
      const r = a.effect.target.getBoundingClientRect();
      return { x: r.left, y: r.top };
    }, ms);
  const source = await page.evaluate(() => {
    const frames = document.querySelectorAll('[data-testid="call-stack"] li.frame');
    const caller = frames[frames.length - 2];
    const row = [...caller.querySelectorAll('tr')].find((tr) => tr.querySelector('.name')?.textContent === 'mem_flags');
    const r = row.querySelector('.chip').getBoundingClientRect();
    return { x: r.left, y: r.top };
  });
  const start = await where(0);
  const mid = await where(150);
  // A frame to look at (before the end: a finished animation is no longer listed).
  await pauseAt(page, 330);
  await page.locator('[data-testid="call-stack"]').screenshot({ path: join(ARTIFACTS, 'anim--chips-in-flight.png') });
  const end = await where(100_000);
  assert.ok(Math.abs(start.x - source.x) < 2 && Math.abs(start.y - source.y) < 2,
    `the chip starts at ${JSON.stringify(start)}, the caller's chip is at ${JSON.stringify(source)}`);
  assert.ok(Math.abs(end.y - start.y) > 10, `the chip did not move: ${JSON.stringify({ start, end })}`);
  assert.ok(Math.abs(mid.y - end.y) > 1 && Math.abs(mid.y - start.y) > 1, `not in flight at 150 ms: ${JSON.stringify({ start, mid, end })}`);
  await finishAll(page);

  // A step inside the frame calls nothing: no flight, and no layout read.
  await reads();
  await click(page, 'btn-step');
  assert.equal(await stepNumber(page), 9);
  assert.deepEqual(await animations(page, 'gfp-travel'), []);
  assert.equal(await reads(), 0, 'a step without a call read the call stack\'s layout');
  // Back to 8 (where the call happened) and back to 7: jumps never animate.
  await click(page, 'btn-step-back');
  assert.deepEqual(await animations(page, 'gfp-travel'), [], 'step back into the call animated');
  await click(page, 'btn-step-back');
  assert.equal(await stepNumber(page), 7);
  assert.deepEqual(await animations(page, 'gfp-travel'), []);
  // Forward again: it plays again.
  await click(page, 'btn-step');
  assert.ok((await animations(page, 'gfp-travel')).length >= 1, 'the call did not animate the second time');
}, { query: '?scenario=usbnet_rx&step=7' });

appTest('with reduced motion the chips only glow in place', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await click(page, 'btn-step');
  const flights = await animations(page, 'gfp-travel');
  assert.ok(flights.length >= 1, 'no highlight on the new parameter');
  for (const f of flights) assert.ok(f.transforms.every((t) => t === null || t === 'none'), JSON.stringify(f));
  await click(page, 'btn-step');
  const ghosts = await animations(page, 'buddy-op');
  for (const g of ghosts) assert.ok(g.transforms.every((t) => t === null), JSON.stringify(g));
  assert.equal(await page.locator('.buddy-ghost').count(), 0, 'reduced motion drew moving ghosts');
}, { query: '?scenario=usbnet_rx&step=7' });

// usbnet_rx step 4: rx_submit's kmalloc(1536, GFP_ATOMIC) grows the kmalloc-2k cache by an
// order-3 slab, split from an order-5 Unmovable block of DMA32, while the background
// anon hog splits blocks of DMA.
appTest('a buddy split plays in the free-list table of its zone, labelled with its orders', async ({ page }) => {
  assert.equal(await stepNumber(page), 3);
  const reads = await countLayoutReads(page, '.buddy-panel');
  await click(page, 'btn-step');
  assert.equal(await reads(), 0, 'the buddy animation read layout');
  const panel = page.locator('.buddy-panel');
  const ops = byTestId(page, 'buddy-ops');
  assert.equal(await ops.getAttribute('data-zone'), 'DMA32');
  const own = await ops.locator('ul.ops > li.op.split').first().innerText();
  assert.match(own, /split order 5 → 4\+4 → 3\+3/);
  assert.match(own, /Unmovable/);
  assert.match(own, /usb_giveback_urb_bh/);
  assert.match(await ops.locator('li.op.split').first().getAttribute('title'), /expand\(\)/);
  const ghosts = await animations(page, 'buddy-op');
  assert.ok(ghosts.length >= 4, `expected leave, two hops and the allocation, got ${JSON.stringify(ghosts)}`);
  const at = (cls) => ghosts.filter((g) => g.cls.includes(cls)).map((g) => g.cell.join('/'));
  assert.deepEqual(at('leave'), ['5/0'], 'the order-5 Unmovable block leaves its cell');
  assert.deepEqual(at('hop'), ['5/0', '4/0'], 'halves land one order lower at a time');
  assert.deepEqual(at('allocate'), ['3/0']);
  const hop = ghosts.find((g) => g.cls.includes('hop'));
  assert.ok(hop.transforms.includes('translate(0%, -100%)'), JSON.stringify(hop));
  // The DMA tab says something happened there too (the background user).
  assert.match(await panel.locator('.tab', { hasText: 'DMA' }).first().innerText(), /DMA\s*\d/);

  // The ghosts really move: a hop is higher half-way than at its start.
  const y = (ms) =>
    page.evaluate((ms) => {
      const a = document.getAnimations().find((x) => x.id === 'buddy-op' && x.effect.target.classList.contains('hop'));
      a.pause();
      a.currentTime = a.effect.getTiming().delay + ms;
      return a.effect.target.getBoundingClientRect().top;
    }, ms);
  const y0 = await y(60);
  const y1 = await y(450);
  assert.ok(y1 < y0 - 5, `the split halves did not move up a row: ${y0} → ${y1}`);
  await panel.scrollIntoViewIfNeeded();
  await pauseAt(page, 700);
  await panel.screenshot({ path: join(ARTIFACTS, 'anim--buddy-split-in-flight.png') });
  await finishAll(page);

  // A step back shows step 3's operations and plays nothing.
  await click(page, 'btn-step-back');
  assert.equal(await stepNumber(page), 3);
  assert.equal(await page.locator('.buddy-ghost').count(), 0, 'step back left ghosts');
  assert.deepEqual(await animations(page, 'buddy-op'), []);
  assert.doesNotMatch(await ops.innerText(), /split order 5/);
}, { query: '?scenario=usbnet_rx&step=3' });

appTest('background merges are summarised and animate in their zone', async ({ page }) => {
  // usbnet_rx step 9: the background hog's pages are reclaimed in DMA32 (hundreds of
  // merges), while xhci_urb_enqueue's kzalloc splits in DMA.
  assert.equal(await stepNumber(page), 8);
  await click(page, 'btn-step');
  const ops = byTestId(page, 'buddy-ops');
  const summary = await ops.locator('details.ops-background summary').innerText();
  assert.match(summary, /background users: \d+ merges \(\d+ blocks\)/);
  const ghosts = await animations(page, 'buddy-op');
  assert.ok(ghosts.some((g) => g.cls.includes('join')), 'no merge joined');
  assert.ok(ghosts.length <= 3 * 12, 'too many ghosts for one step');
  await page.locator('.buddy-panel').scrollIntoViewIfNeeded();
  await pauseAt(page, 350);
  await page.locator('.buddy-panel').screenshot({ path: join(ARTIFACTS, 'anim--buddy-merges.png') });
  await finishAll(page);
  // The DMA tab shows the scenario's own split there.
  await page.locator('.buddy-panel .tab').first().click();
  assert.equal(await ops.getAttribute('data-zone'), 'DMA');
  assert.match(await ops.locator('ul.ops > li.op.split').first().innerText(), /split order 2 → 1\+1 → 0\+0/);
}, { query: '?scenario=usbnet_rx&step=8' });

// Several flags passed down by a plain variable: each chip leaves from its twin in the
// caller, one after the other.
const PASS_DOWN = `/*
 * title: pass down
 */
int leaf(gfp_t mem_flags)
{
	void *p = kmalloc(64, mem_flags);

	kfree(p);
	return 0;
}

SYSCALL(caller)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_ZERO;

	return leaf(gfp);
}
`;

appTest('several flags leave their twins in the caller one after the other', async ({ page }) => {
  await byTestId(page, 'editor').fill(PASS_DOWN);
  await page.waitForFunction(() => document.querySelector('[data-testid="call-stack"]')?.innerText.includes('caller()'));
  await click(page, 'btn-step'); // gfp = ...
  assert.deepEqual(await animations(page, 'gfp-travel'), [], 'an assignment is not a call');
  await click(page, 'btn-step'); // leaf(gfp)
  const flights = await page.evaluate(() => {
    const frames = document.querySelectorAll('[data-testid="call-stack"] li.frame');
    const caller = frames[frames.length - 2];
    const twins = Object.fromEntries([...caller.querySelectorAll('.chip')].map((c) => {
      const r = c.getBoundingClientRect();
      return [c.textContent, { x: r.left, y: r.top }];
    }));
    return document.getAnimations().filter((a) => a.id === 'gfp-travel').map((a) => {
      a.pause();
      a.currentTime = 0;
      const r = a.effect.target.getBoundingClientRect();
      return { text: a.effect.target.textContent, delay: a.effect.getTiming().delay, at: { x: r.left, y: r.top }, twin: twins[a.effect.target.textContent] };
    });
  });
  assert.deepEqual(flights.map((f) => f.text), ['GFP_KERNEL', '__GFP_NOWARN', '__GFP_ZERO']);
  for (const f of flights) {
    assert.ok(f.twin, `no twin for ${f.text} in the caller`);
    assert.ok(Math.abs(f.at.x - f.twin.x) < 2 && Math.abs(f.at.y - f.twin.y) < 2, JSON.stringify(f));
  }
  const delays = flights.map((f) => f.delay);
  assert.ok(delays[0] < delays[1] && delays[1] < delays[2], `not staggered: ${delays}`);
  await pauseAt(page, 420);
  await byTestId(page, 'call-stack').screenshot({ path: join(ARTIFACTS, 'anim--three-chips-staggered.png') });
});

// xfs_create step 8: the task's kmem_cache_alloc() splits an order-2 block after its own
// direct reclaim freed pages (nine kinds of merge in DMA32): the list shows the split and
// two merges and folds the rest; three of them animate.
appTest('many operations of one step stay readable: three listed, the rest folded', async ({ page }) => {
  assert.equal(await stepNumber(page), 7);
  await click(page, 'btn-step');
  const ops = byTestId(page, 'buddy-ops');
  assert.equal(await ops.getAttribute('data-zone'), 'DMA32');
  const shown = await ops.locator(':scope > ul.ops > li.op').count();
  const folded = await ops.locator('details.ops-more li.op').count();
  assert.equal(shown, 3, 'listed one per line');
  assert.ok(folded >= 2, `only ${folded} folded`);
  assert.match(await ops.locator('details.ops-more summary').innerText(), new RegExp(`and ${folded} more: .*merge`));
  // The allocation's split comes first, then the merges of its reclaim.
  const first = await ops.locator(':scope > ul.ops > li.op').first().innerText();
  assert.match(first, /split order 2 → 1\+1 → 0\+0/);
  assert.match(first, /touch/);
  assert.ok((await animations(page, 'buddy-op')).some((g) => g.cls.includes('leave')), 'the split did not play');
  const ghosts = await animations(page, 'buddy-op');
  assert.ok(ghosts.length > 0 && ghosts.length <= 3 * 12, `${ghosts.length} ghosts`);
  await page.locator('.buddy-panel').scrollIntoViewIfNeeded();
  await pauseAt(page, 500);
  await page.locator('.buddy-panel').screenshot({ path: join(ARTIFACTS, 'anim--buddy-many-merges.png') });
}, { query: '?step=7' });
