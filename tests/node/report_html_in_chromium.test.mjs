// The HTML report in a real headless Chromium (Debian's `chromium`, driven by npm
// playwright-core): a failing scenario, run by the real `resync run --mode sim --report`,
// whose messages carry an XSS payload. The page must open without console errors, show
// the timeline and the anomaly table, respond to hover and zoom, and run none of the
// payload, with its Content-Security-Policy and (to test the escaping on its own) without.
// A screenshot is kept as a test artifact. Skipped, with the reason, when Chromium is absent.
//
// Environment: RESYNC_BIN (set by ctest), RESYNC_REPORT_ARTIFACTS (where the screenshot goes;
// default: next to the build's resync binary), CHROMIUM (default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { missingFile } from './lib/required_tool.mjs';

const RESYNC_BIN = process.env.RESYNC_BIN;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.RESYNC_REPORT_ARTIFACTS ??
  path.join(path.dirname(RESYNC_BIN ?? '.'), '..', 'reports', 'html', 'artifacts');
const chromiumMissing = missingFile('chromium', 'chromium', CHROMIUM);

const XSS_PREFIX = '<img src=x onerror="window.__xss=1;alert(1)">';

// The tutorial server's catch-up race (preloaded rows, fresh pages connecting while the
// sender posts) and a link reset on bob: duplicated and reordered, expected valid, so it fails.
const failingScenario = {
  name: 'report-xss-catch-up-race',
  description: 'Fails on purpose: a tutorial-mode server races catch-up with live messages whose text is an XSS payload.',
  server: { delivery: 'tutorial', preload_messages: 2000 },
  clients: [
    { name: 'sender', policy: 'tutorial' },
    { name: 'fresh', count: 2, policy: 'tutorial', connect_at_start: false },
    { name: 'bob', policy: 'dedupe', reconnection: { delay_ms: 200, delay_max_ms: 1000 } },
  ],
  timeline: [
    { at_ms: 100, send: { clients: 'sender', count: 80, interval_ms: 5, content_prefix: XSS_PREFIX } },
    { at_ms: 150, connect: 'fresh-1' },
    { at_ms: 200, fault: { name: 'bob-link', toxic: { type: 'reset_peer', attributes: { timeout: 0 }, target: { tag: 'bob' } } } },
    { at_ms: 260, connect: 'fresh-2' },
    { at_ms: 500, heal: 'bob-link' },
    { at_ms: 900, wait: {} },
  ],
  expect: { verdict: 'valid' },
};

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let workDirectory;
let reportPath;

before(() => {
  if (chromiumMissing) return;
  assert.ok(RESYNC_BIN, 'RESYNC_BIN must point at the resync binary (ctest sets it)');
  workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'resync-report-chromium-'));
  const scenarioPath = path.join(workDirectory, 'report-xss-catch-up-race.json');
  fs.writeFileSync(scenarioPath, JSON.stringify(failingScenario, null, 2));
  const reportDirectory = path.join(workDirectory, 'report');
  const run = spawnSync(RESYNC_BIN, ['run', scenarioPath, '--mode', 'sim', '--report', reportDirectory], { encoding: 'utf8' });
  assert.equal(run.status, 1, `the scenario must fail (exit 1):\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /invalid \(expected valid\) FAIL/);
  reportPath = path.join(reportDirectory, 'index.html');
  assert.ok(fs.existsSync(reportPath), `resync run --report wrote no ${reportPath}`);
});

after(() => {
  if (workDirectory) fs.rmSync(workDirectory, { recursive: true, force: true });
});

// Opens the report in a fresh browser profile and collects everything that went wrong.
async function openReport({ bypassCSP, hash = '' }) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resync-chromium-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    bypassCSP,
    viewport: { width: 1500, height: 1100 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  const dialogs = [];
  const requests = [];
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss().catch(() => {}); });
  page.on('request', (request) => { if (!request.url().startsWith('file://')) requests.push(request.url()); });
  await page.goto('file://' + reportPath + hash, { waitUntil: 'load' });
  await page.waitForSelector('html[data-report-ready="true"]', { timeout: 30000 });
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { page, problems, dialogs, requests, close };
}

test('a failing scenario report opens in Chromium: timeline, anomalies, no errors, payload inert', { skip: chromiumMissing }, async () => {
  const browser = await openReport({ bypassCSP: false });
  try {
    const { page } = browser;
    // Nothing opens by itself; the row carries the description and the root anomaly.
    const index = await page.evaluate(() => ({
      expanded: document.querySelectorAll('tr.scenario-row[aria-expanded="true"]').length,
      description: document.querySelector('#row-0 .description')?.textContent,
      rootLink: document.querySelector('#row-0 a.root-link')?.getAttribute('href'),
      rootText: document.querySelector('#row-0 a.root-link')?.textContent,
      worst: document.querySelector('#row-0 td.worst-client')?.textContent,
    }));
    assert.equal(index.expanded, 0, 'no scenario opens by itself');
    assert.equal(index.description, failingScenario.description);
    assert.match(index.rootLink ?? '', /^#report-xss-catch-up-race\/[a-z0-9-]+\/\d+$/);
    assert.match(index.rootText ?? '', / at \d+ ms /);
    assert.ok(index.worst, 'the worst client is named');
    await page.click('#row-0 .scenario-name');
    await page.waitForSelector('#timeline-0 svg.plot');
    const facts = await page.evaluate(() => ({
      rows: document.querySelectorAll('#summary-table tr.scenario-row').length,
      firstStatus: document.querySelector('#row-0').getAttribute('data-status'),
      expanded: document.querySelector('#row-0').getAttribute('aria-expanded'),
      lanes: Number(document.querySelector('#timeline-0 svg.plot')?.getAttribute('data-lanes')),
      laneLabels: [...document.querySelectorAll('#timeline-0 .lane-label .lane-name')].map((label) => label.textContent),
      anomalyRows: document.querySelectorAll('#anomaly-table-0 tr.anomaly-row').length,
      anomalyKinds: [...new Set([...document.querySelectorAll('#anomaly-table-0 tr.anomaly-row')].map((row) => row.getAttribute('data-kind')))],
      faultBars: document.querySelectorAll('#timeline-0 .fault-bar').length,
      catchUps: document.querySelectorAll('#timeline-0 .catch-up').length,
      clientRows: document.querySelectorAll('#clients-table-0 tr.client-row').length,
      divergence: document.querySelector('.comparison tr.first-divergence') !== null,
      replay: [...document.querySelectorAll('#scenario-0 .command-text')].map((node) => node.textContent),
      images: document.querySelectorAll('img').length,
      payloadShownAsText: [...document.querySelectorAll('.comparison td.content')].some((cell) => cell.textContent.startsWith('<img src=x onerror=')),
      xss: window.__xss,
    }));
    assert.equal(facts.rows, 1);
    assert.equal(facts.firstStatus, 'failed');
    assert.equal(facts.expanded, 'true', 'a click opens the scenario');
    assert.equal(facts.lanes, 2 + 4, 'server, proxy and one lane per client');
    assert.deepEqual(facts.laneLabels, ['server', 'proxy (faults)', 'sender', 'fresh-1', 'fresh-2', 'bob']);
    assert.ok(facts.anomalyRows > 0, 'anomaly table has rows');
    assert.ok(facts.anomalyKinds.includes('reordered') || facts.anomalyKinds.includes('duplicated'), facts.anomalyKinds.join());
    assert.equal(facts.faultBars, 1, 'the bob-link fault is drawn');
    assert.ok(facts.catchUps >= 2, 'the fresh pages\u2019 catch-ups are drawn');
    assert.equal(facts.clientRows, 4);
    assert.ok(facts.divergence, 'the first divergence is highlighted');
    assert.ok(facts.replay.some((command) => command.includes('--mode sim')), facts.replay.join('\n'));
    assert.equal(facts.images, 0, 'the payload did not become an <img>');
    assert.ok(facts.payloadShownAsText, 'the payload is shown as text');
    assert.equal(facts.xss, undefined, 'the payload did not run');

    // Hover shows details; the wheel zooms (viewBox); "fit" shows the whole run again.
    const plot = page.locator('#timeline-0 svg.plot');
    const box = await plot.boundingBox();
    const bobLane = 2 + 3;
    const laneTop = await page.evaluate((index) => {
      const labels = document.querySelectorAll('#timeline-0 .lane-label');
      return labels[index + 1].getBoundingClientRect().top;  // +1: the time axis row
    }, bobLane);
    await page.mouse.move(box.x + box.width * 0.3, laneTop + 12);
    await page.waitForSelector('#tooltip:not([hidden])');
    const tooltip = await page.locator('#tooltip').textContent();
    assert.match(tooltip, /^bob @ /, tooltip);
    const viewBefore = await plot.getAttribute('viewBox');
    await page.mouse.wheel(0, -600);
    await page.waitForFunction((before) => document.querySelector('#timeline-0 svg.plot').getAttribute('viewBox') !== before, viewBefore);
    const [, , zoomedWidth] = (await plot.getAttribute('viewBox')).split(' ').map(Number);
    const [, , fullWidth] = viewBefore.split(' ').map(Number);
    assert.ok(zoomedWidth < fullWidth, `zoomed in: ${zoomedWidth} < ${fullWidth}`);
    await page.click('#timeline-0 button[aria-label="Show the whole run"]');
    assert.equal(await plot.getAttribute('viewBox'), viewBefore);
    await page.mouse.move(0, 0);

    // The verdict filter hides what does not match.
    await page.click('.filters button[data-filter="valid"]');
    assert.equal(await page.locator('#row-0').isHidden(), true);
    await page.click('.filters button[data-filter="all"]');
    assert.equal(await page.locator('#row-0').isVisible(), true);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = path.join(ARTIFACTS, 'report-failing-scenario.png');
    await page.screenshot({ path: screenshot, fullPage: false });
    await page.locator('#detail-row-0').screenshot({ path: path.join(ARTIFACTS, 'report-failing-scenario-details.png') });
    fs.copyFileSync(reportPath, path.join(ARTIFACTS, 'report-failing-scenario.html'));
    console.log(`screenshots and report in ${ARTIFACTS}`);
    assert.ok(fs.statSync(screenshot).size > 10000);

    assert.deepEqual(browser.problems, [], 'no console errors (a Content-Security-Policy violation is one)');
    assert.deepEqual(browser.dialogs, [], 'no dialog opened');
    assert.deepEqual(browser.requests, [], 'no network request');
  } finally {
    await browser.close();
  }
});

test('a deep link opens its scenario, client and time on load and on hashchange', { skip: chromiumMissing }, async () => {
  const browser = await openReport({ bypassCSP: false, hash: '#report-xss-catch-up-race/bob/400' });
  try {
    const { page } = browser;
    await page.waitForFunction(() => (document.querySelector('#timeline-0 svg.plot')?.getAttribute('viewBox') ?? '').length > 0);
    const facts = await page.evaluate(() => {
      const bob = document.querySelector('#clients-table-0 tr.client-row[data-client="bob"]');
      const [x0, , width] = document.querySelector('#timeline-0 svg.plot').getAttribute('viewBox').split(' ').map(Number);
      return { expanded: document.querySelector('#row-0').getAttribute('aria-expanded'), bobOpen: bob?.getAttribute('aria-expanded'), x0, width };
    });
    assert.equal(facts.expanded, 'true');
    assert.equal(facts.bobOpen, 'true', 'the linked client\u2019s details are open');
    assert.ok(facts.x0 <= 400 && 400 <= facts.x0 + facts.width, `the timeline shows 400 ms: ${facts.x0} + ${facts.width}`);
    await page.evaluate(() => { window.location.hash = '#report-xss-catch-up-race/fresh-1/700'; });
    await page.waitForFunction(() => document.querySelector('#clients-table-0 tr.client-row[data-client="fresh-1"]')?.getAttribute('aria-expanded') === 'true');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test('search filters rows; headers sort by keyboard with aria-sort', { skip: chromiumMissing }, async () => {
  const browser = await openReport({ bypassCSP: false });
  try {
    const { page } = browser;
    await page.fill('#scenario-search', 'tutorial-mode server races');
    assert.equal(await page.locator('#row-0').isVisible(), true, 'the description matches');
    await page.fill('#scenario-search', 'no-such-scenario-text');
    assert.equal(await page.locator('#row-0').isHidden(), true);
    await page.fill('#scenario-search', '');
    assert.equal(await page.locator('#row-0').isVisible(), true);
    await page.focus('#summary-table thead th:nth-child(2) button.sort');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('#summary-table thead th:nth-child(2)', 'aria-sort'), 'ascending');
    await page.keyboard.press(' ');
    assert.equal(await page.getAttribute('#summary-table thead th:nth-child(2)', 'aria-sort'), 'descending');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test('escaping alone keeps the payload inert (Content-Security-Policy bypassed)', { skip: chromiumMissing }, async () => {
  const browser = await openReport({ bypassCSP: true });
  try {
    const { page } = browser;
    // Open the scenario and every client's details, so every rendered message is on the page.
    await page.click('#row-0 .scenario-name');
    await page.waitForSelector('#clients-table-0');
    await page.evaluate(() => {
      document.querySelectorAll('#clients-table-0 tr.client-row:not(.open)').forEach((row) => row.click());
    });
    await page.waitForTimeout(200);
    const facts = await page.evaluate(() => ({
      xss: window.__xss,
      images: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script:not([type="application/json"])').length,
      payloadCells: [...document.querySelectorAll('td.content')].filter((cell) => cell.textContent.includes('onerror=')).length,
    }));
    assert.equal(facts.xss, undefined);
    assert.equal(facts.images, 0);
    assert.equal(facts.scripts, 2, 'only the report\u2019s own two scripts (flow_diagram.js, report_script.js)');
    assert.ok(facts.payloadCells > 0, 'the payload is on the page, as text');
    assert.deepEqual(browser.dialogs, []);
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});
