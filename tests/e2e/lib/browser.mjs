// Browser helpers shared by the e2e tests (harness.mjs) and the README screenshot.
// Nothing here imports node:test, so plain scripts can use it.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const E2E_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? join(E2E_DIR, 'artifacts');

/** Flags for Debian's Chromium as root on a machine without a general network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const READY_TIMEOUT_MS = 30_000;

/** `page.locator('[data-testid="ID"]')`. */
export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/**
 * The step number shown by `[data-testid=step-counter]`: the first integer in its text
 * (so "Step 3 / 120" reads as 3).
 */
export async function stepNumber(page) {
  const text = await byTestId(page, 'step-counter').innerText();
  const m = text.match(/\d+/);
  if (!m) throw new Error(`step-counter shows no number: ${JSON.stringify(text)}`);
  return Number(m[0]);
}

/**
 * The line marked as current in `[data-testid=source]` (the element with class
 * `current-line`): its position among its siblings and its text, or null when none is marked.
 */
export function currentLine(page) {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid="source"] .current-line');
    if (!el) return null;
    return { index: Array.prototype.indexOf.call(el.parentElement.children, el), text: el.textContent };
  });
}

/** Wait until the step counter no longer shows `previous` (the text before an action). */
export async function waitForStepChange(page, previous, timeout = 10_000) {
  await page.waitForFunction(
    (prev) => document.querySelector('[data-testid="step-counter"]')?.innerText !== prev,
    previous,
    { timeout },
  );
}

/** Save a screenshot of `page` to the artifacts folder as NAME.png; returns its path. */
export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Wait for the app to say it is mounted and has rendered its default scenario. */
export async function waitForReady(page, timeout = READY_TIMEOUT_MS) {
  try {
    await page.waitForFunction(() => window.__gfpscope_ready === true, null, { timeout });
  } catch (err) {
    throw new Error(
      `the app did not set window.__gfpscope_ready = true within ${timeout / 1000} s (${err.message.split('\n')[0]})`,
    );
  }
}

/** Records the moment the app sets `window.__gfpscope_ready = true` as `window.__gfpscope_ready_at`. */
export function recordReadyTime() {
  let value;
  Object.defineProperty(window, '__gfpscope_ready', {
    configurable: true,
    get: () => value,
    set: (v) => {
      value = v;
      if (v === true && window.__gfpscope_ready_at === undefined) {
        window.__gfpscope_ready_at = performance.now();
      }
    },
  });
}

export function slug(text) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
}

/** Attach listeners that collect everything that must fail a test. */
export function watchProblems(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    const where = loc?.url ? ` (${loc.url}:${loc.lineNumber})` : '';
    problems.push(`console error: ${msg.text()}${where}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.stack || err.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  return problems;
}

/** Launch headless Debian Chromium (or $CHROMIUM) with a fresh profile. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}
