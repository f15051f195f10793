// Regenerate docs/screenshot.png, the picture in the README (run.mjs --readme-screenshot,
// or scripts/screenshot-readme). It opens the app under the sub-path, takes a few steps so
// the panels show something, and fails on any console error like the tests do.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { byTestId, launchBrowser, recordReadyTime, waitForReady, waitForStepChange, watchProblems } from './browser.mjs';

/** How many times to press Step before the shot ($README_STEPS overrides). */
const STEPS = Number(process.env.README_STEPS ?? 6);

export async function takeReadmeScreenshot(out) {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.addInitScript(recordReadyTime);
    const problems = watchProblems(page);
    await page.goto(process.env.E2E_BASE_URL, { waitUntil: 'load' });
    await waitForReady(page);
    const step = byTestId(page, 'btn-step');
    if ((await step.count()) > 0) {
      for (let i = 0; i < STEPS; i++) {
        const before = await byTestId(page, 'step-counter').innerText();
        if (await step.isDisabled()) break;
        await step.click();
        await waitForStepChange(page, before);
      }
    }
    await page.waitForTimeout(200);
    if (problems.length > 0) throw new Error(`the page reported problems:\n  ${problems.join('\n  ')}`);
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    return out;
  } finally {
    await browser.close();
  }
}
