// The e2e test harness: one headless Chromium per test file, one fresh page per test.
//
// `appTest(name, fn, options)` opens the app, waits for `window.__gfpscope_ready === true`,
// runs `fn({ page, t })`, and then fails the test if the page logged a console error,
// threw an uncaught exception, crashed, or got an HTTP error for any request. It saves a
// screenshot of every page it checks to tests/e2e/artifacts/<file>--<test>.png, and of a
// failing page to <file>--<test>.FAILED.png.
//
// The server is started by run.mjs, which passes its URLs in the environment.
import { test, after } from 'node:test';
import { basename } from 'node:path';
import { launchBrowser, recordReadyTime, shot, slug, waitForReady, watchProblems } from './browser.mjs';

export * from './browser.mjs';

/** The app served under a sub-path (the default for tests). Ends with "/". */
export const BASE_URL = process.env.E2E_BASE_URL;
/** The same app served at the server root. Ends with "/". */
export const ROOT_URL = process.env.E2E_ROOT_URL;
/** The dist/ directory being served. */
export const DIST_DIR = process.env.E2E_DIST;

let browserPromise;
/** The file's shared browser, launched on first use (fresh profile, headless). */
export function browser() {
  browserPromise ??= launchBrowser();
  return browserPromise;
}
after(async () => {
  if (browserPromise) await (await browserPromise).close();
});

/**
 * Register one browser test.
 *
 * fn({ page, t, problems }) drives the page; assert with node:assert. Options:
 *   url       page to open (default: the app under the sub-path, BASE_URL)
 *   query     appended to the url, e.g. "?scenario=xfs"
 *   viewport  { width, height } (default 1440x900)
 *   ready     wait for window.__gfpscope_ready (default true)
 *   timeout   per-test timeout in ms (default 120 000)
 *   allow     array of RegExp: console errors matching one of them are tolerated (use sparingly,
 *             e.g. for a test that feeds the app bad input on purpose)
 */
export function appTest(name, fn, options = {}) {
  const {
    url = BASE_URL,
    query = '',
    viewport = { width: 1440, height: 900 },
    ready = true,
    timeout = 120_000,
    allow = [],
  } = options;
  const fileSlug = basename(process.argv[1] ?? 'test', '.test.mjs');
  test(name, { timeout }, async (t) => {
    if (!url) throw new Error('E2E_BASE_URL is not set: run the tests through `node tests/e2e/run.mjs`');
    const name = `${fileSlug}--${slug(t.name)}`;
    const context = await (await browser()).newContext({ viewport });
    const page = await context.newPage();
    await page.addInitScript(recordReadyTime);
    const problems = watchProblems(page);
    let failed = true;
    try {
      await page.goto(url + query, { waitUntil: 'load' });
      if (ready) await waitForReady(page);
      await fn({ page, t, problems });
      // Give late errors (e.g. from a render scheduled by the last action) a moment to surface.
      await page.waitForTimeout(50);
      const real = problems.filter((p) => !allow.some((re) => re.test(p)));
      if (real.length > 0) throw new Error(`the page reported problems:\n  ${real.join('\n  ')}`);
      failed = false;
    } catch (err) {
      if (problems.length > 0 && !String(err.message).includes('the page reported problems')) {
        err.message += `\nproblems reported by the page:\n  ${problems.join('\n  ')}`;
      }
      throw err;
    } finally {
      const path = await shot(page, failed ? `${name}.FAILED` : name).catch(() => null);
      if (failed && path) t.diagnostic(`screenshot of the failing page: ${path}`);
      await context.close();
    }
  });
}
