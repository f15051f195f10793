#!/usr/bin/env node
// Run the end-to-end browser tests against a built dist/ (see tests/e2e/README.md).
//
//   node tests/e2e/run.mjs [--dist DIR] [SPEC_FILE...]   run specs/*.test.mjs (or the files given)
//   node tests/e2e/run.mjs --readme-screenshot [--dist DIR]   regenerate docs/screenshot.png
//
// Serves DIR (default: dist/ at the repository root) on a loopback port, at "/" and under a
// sub-path, then runs the spec files with Node's test runner, one headless Chromium per file.
// Ends with "e2e: N passed, N failed"; exits non-zero when a test failed or none ran.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib/server.mjs';

const E2E_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(E2E_DIR, '..', '..');
const ARTIFACTS = join(E2E_DIR, 'artifacts');

function fail(message, hint) {
  console.error(`error: ${message}`);
  if (hint) console.error(`       ${hint}`);
  process.exit(1);
}

const args = process.argv.slice(2);
let dist = join(ROOT, 'dist');
let readme = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--dist') dist = resolve(args[++i] ?? fail('--dist needs a directory'));
  else if (args[i] === '--readme-screenshot') readme = true;
  else if (args[i].startsWith('-')) fail(`unknown option ${args[i]}`, 'usage: run.mjs [--dist DIR] [--readme-screenshot] [SPEC_FILE...]');
  else files.push(resolve(args[i]));
}
if (!existsSync(join(dist, 'index.html'))) {
  fail(`${join(dist, 'index.html')} does not exist`, 'build the site first: scripts/build');
}
try {
  await import('playwright-core');
} catch {
  fail('playwright-core is not installed', 'run scripts/bootstrap (it runs npm ci in tests/e2e)');
}

const server = await startServer(dist);
process.env.E2E_BASE_URL = server.subUrl;
process.env.E2E_ROOT_URL = server.rootUrl;
process.env.E2E_DIST = dist;
process.env.E2E_ARTIFACTS = ARTIFACTS;
console.log(`e2e: serving ${dist} at ${server.rootUrl} and ${server.subUrl}`);

if (readme) {
  const { takeReadmeScreenshot } = await import('./lib/readme-screenshot.mjs');
  try {
    const out = await takeReadmeScreenshot(join(ROOT, 'docs', 'screenshot.png'));
    console.log(`e2e: wrote ${out}`);
  } catch (err) {
    console.error(`error: README screenshot failed: ${err.message}`);
    process.exitCode = 1;
  } finally {
    await server.close();
  }
  process.exit();
}

rmSync(ARTIFACTS, { recursive: true, force: true });
mkdirSync(ARTIFACTS, { recursive: true });
if (files.length === 0) {
  const specs = join(E2E_DIR, 'specs');
  // Alphabetical, except that perf runs last (its numbers are only printed, never asserted).
  const names = readdirSync(specs).filter((f) => f.endsWith('.test.mjs'));
  const key = (f) => (f.startsWith('perf') ? `~${f}` : f);
  names.sort((a, b) => key(a).localeCompare(key(b)));
  for (const f of names) files.push(join(specs, f));
}

let passed = 0;
let failed = 0;
const stream = run({ files, concurrency: 1, timeout: 15 * 60_000 });
stream.on('test:pass', (data) => {
  if (data.details?.type !== 'suite' && !data.skip && !data.todo) passed += 1;
});
stream.on('test:fail', (data) => {
  if (data.details?.type !== 'suite') failed += 1;
});
await new Promise((resolveDone, reject) => {
  const out = stream.compose(spec).pipe(process.stdout, { end: false });
  out.on('error', reject);
  stream.on('end', resolveDone);
  stream.on('error', reject);
});
await server.close();

const perfFile = join(ARTIFACTS, 'perf.json');
if (existsSync(perfFile)) {
  const p = JSON.parse(readFileSync(perfFile, 'utf8'));
  const kib = (n) => (n == null ? 'n/a' : `${(n / 1024).toFixed(1)} KiB`);
  const ms = (n) => (n == null ? 'n/a' : `${n} ms`);
  console.log('\ne2e perf (measured, not asserted; tests/e2e/artifacts/perf.json):');
  console.log(`  load to interactive     ${ms(p.load_to_interactive_ms)}`);
  console.log(`  one step + re-render    ${p.step_work_ms ? `${p.step_work_ms.median} ms median main-thread work of ${p.step_work_ms.samples} (Chrome trace: click to painted frame, thread time)` : 'n/a'}`);
  console.log(`  step, click to paint    ${p.step_latency_ms ? `${p.step_latency_ms.median} ms median (trace), ${p.step_ms?.median} ms median (click to rAF+timeout); both include the wait for the next vsync` : 'n/a'}`);
  console.log(`  run to end              ${ms(p.run_to_end_ms)}`);
  console.log(`  scrub to step           ${ms(p.scrub_to_step_ms)}`);
  console.log(`  bundle (wasm+js+css)    ${kib(p.bundle_bytes?.raw)} raw, ${kib(p.bundle_bytes?.gzip)} gzip`);
  for (const note of p.notes ?? []) console.log(`  note: ${note}`);
}
console.log(`e2e: screenshots in ${ARTIFACTS}`);
if (passed + failed === 0) {
  console.log('e2e: no test ran');
  failed = 1;
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
