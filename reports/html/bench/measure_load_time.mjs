// Opens an HTML report in headless Chromium and prints how long it takes to be usable:
// from navigation start until the report's script has drawn the summary and opened the
// first failure (the `resync-report-ready` performance mark), plus the load event and the
// wall time of the whole navigation. Several runs; the first is a cold start.
//
//   node measure_load_time.mjs REPORT.html [RUNS]
// playwright-core comes from tests/node/node_modules (npm ci there); Chromium is Debian's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../../tests/node/package.json'));
const { chromium } = require('playwright-core');

const report = path.resolve(process.argv[2] ?? 'report.html');
const runs = Number(process.argv[3] ?? 5);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resync-report-bench-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1500, height: 1000 },
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  const results = [];
  for (let run = 1; run <= runs; run++) {
    const started = Date.now();
    await page.goto('file://' + report, { waitUntil: 'load', timeout: 60000 });
    await page.waitForSelector('html[data-report-ready="true"]', { timeout: 60000 });
    const wall = Date.now() - started;
    const timing = await page.evaluate(() => {
      const ready = performance.getEntriesByName('resync-report-ready')[0];
      const scriptStart = performance.getEntriesByName('resync-report-script-start')[0];
      const navigation = performance.getEntriesByType('navigation')[0];
      return { ready: ready.startTime, scriptStart: scriptStart.startTime, load: navigation.loadEventEnd };
    });
    results.push({ run, ...timing, wall });
    console.log(`run ${run}${run === 1 ? ' (cold)' : ''}: ready ${timing.ready.toFixed(0)} ms after navigation start ` +
      `(script started at ${timing.scriptStart.toFixed(0)} ms), load event ${timing.load.toFixed(0)} ms, wall ${wall} ms`);
  }
  const sorted = results.map((result) => result.ready).sort((a, b) => a - b);
  console.log(`report: ${report} (${fs.statSync(report).size} bytes)`);
  console.log(`ready: median ${sorted[Math.floor((sorted.length - 1) / 2)].toFixed(0)} ms, worst ${sorted[sorted.length - 1].toFixed(0)} ms over ${runs} runs`);
  if (problems.length) {
    console.log('page errors:\n  ' + problems.join('\n  '));
    process.exitCode = 1;
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
