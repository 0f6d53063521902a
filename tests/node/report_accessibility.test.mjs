// An axe-style check of the HTML report in headless Chromium (no axe package: the rules are
// written out here): on a report of real failing histories (`resync run --mode sim --report`
// on copies of the shipped scenarios that expect invalid, here expecting valid), with one
// scenario and its worst client open, at 760 px wide:
// - every interactive element (links, buttons, inputs, [tabindex], role=button) can take
//   focus and has an accessible name;
// - Tab reaches client rows, lane labels, time links and toolbar buttons, and focus shows
//   (an outline under :focus-visible);
// - every <svg> has a role and a label (or is aria-hidden);
// - every <th> has a scope;
// - the page is no wider than the viewport (document.documentElement.scrollWidth <= 760).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { missingFile } from './lib/required_tool.mjs';

const RESYNC_BIN = process.env.RESYNC_BIN;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const chromiumMissing = missingFile('chromium', 'chromium', CHROMIUM);
const SCENARIOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');
// Small scenarios that expect invalid: flipped to expect valid, each fails with a root anomaly.
const FAILING = ['page-reload-keeping-offset', 'plain-sends-dropped-by-server', 'tutorial-server-recovery-replay-cut'];
const WIDTH = 760;

let workDirectory;
let reportPath;

before(() => {
  if (chromiumMissing) return;
  assert.ok(RESYNC_BIN, 'RESYNC_BIN must point at the resync binary (ctest sets it)');
  workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'resync-report-a11y-'));
  const files = FAILING.map((name) => {
    const scenario = JSON.parse(fs.readFileSync(path.join(SCENARIOS, name + '.json'), 'utf8'));
    scenario.expect = { verdict: 'valid' };
    const file = path.join(workDirectory, name + '.json');
    fs.writeFileSync(file, JSON.stringify(scenario));
    return file;
  });
  const report = path.join(workDirectory, 'report');
  const run = spawnSync(RESYNC_BIN, ['run', ...files, '--mode', 'sim', '--report', report], { encoding: 'utf8' });
  assert.equal(run.status, 1, `the flipped scenarios must fail:\n${run.stdout}\n${run.stderr}`);
  reportPath = path.join(report, 'index.html');
});

after(() => {
  if (workDirectory) fs.rmSync(workDirectory, { recursive: true, force: true });
});

test('the report is keyboard reachable, named, labelled and fits 760 px', { skip: chromiumMissing }, async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto('file://' + reportPath);
    await page.waitForSelector('html[data-report-ready="true"]');
    // Open the first scenario from the keyboard: Tab to its row, Enter.
    await page.focus('#row-0');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#timeline-0 svg.plot');
    await page.waitForTimeout(300);

    const audit = await page.evaluate(() => {
      const interactive = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex], [role="button"]')]
        .filter((node) => node.getClientRects().length > 0 && !node.closest('[hidden]'));
      const name = (node) => (node.getAttribute('aria-label') || node.getAttribute('title') || node.textContent ||
        (node.labels && node.labels[0] && node.labels[0].textContent) || node.getAttribute('placeholder') || '').trim();
      const unnamed = interactive.filter((node) => !name(node)).map((node) => node.outerHTML.slice(0, 120));
      const unfocusable = interactive.filter((node) => node.tabIndex < 0).map((node) => node.outerHTML.slice(0, 120));
      const svgs = [...document.querySelectorAll('svg')].filter((svg) => svg.getAttribute('aria-hidden') !== 'true');
      const unlabelledSvgs = svgs.filter((svg) => !svg.getAttribute('role') || !(svg.getAttribute('aria-label') || svg.getAttribute('aria-labelledby')))
        .map((svg) => svg.getAttribute('class'));
      const headersWithoutScope = [...document.querySelectorAll('th')].filter((th) => !th.getAttribute('scope')).map((th) => th.textContent);
      return {
        interactive: interactive.length, unnamed, unfocusable, svgs: svgs.length, unlabelledSvgs, headersWithoutScope,
        scrollWidth: document.documentElement.scrollWidth,
        kinds: {
          clientRows: document.querySelectorAll('#clients-table-0 tr.client-row[tabindex="0"]').length,
          laneLabels: document.querySelectorAll('#timeline-0 .lane-label[role="button"][tabindex="0"]').length,
          timeLinks: document.querySelectorAll('#scenario-0 button.time-link').length,
          toolbarButtons: document.querySelectorAll('#timeline-0 .timeline-toolbar button').length,
        },
      };
    });
    assert.ok(audit.interactive > 10, `interactive elements found: ${audit.interactive}`);
    assert.deepEqual(audit.unnamed, [], 'every interactive element has a name');
    assert.deepEqual(audit.unfocusable, [], 'every interactive element takes focus');
    assert.ok(audit.svgs > 0);
    assert.deepEqual(audit.unlabelledSvgs, [], 'every svg has a role and a label');
    assert.deepEqual(audit.headersWithoutScope, [], 'every th has a scope');
    assert.ok(audit.scrollWidth <= WIDTH, `document ${audit.scrollWidth} px wide at a ${WIDTH} px viewport`);
    for (const [kind, count] of Object.entries(audit.kinds)) assert.ok(count > 0, `${kind} are keyboard reachable`);

    // Tab moves focus through the page and the focused element shows an outline.
    const seen = new Set();
    const withoutOutline = [];
    for (let step = 0; step < 60; step++) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const node = document.activeElement;
        if (node === document.body) return { key: 'body', visible: true, outline: true };  // Tab left the page's last element
        const style = getComputedStyle(node);
        return { key: node.className + '|' + node.textContent.slice(0, 30), visible: node.matches(':focus-visible'),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
      });
      seen.add(focus.key);
      if (!focus.visible || !focus.outline) withoutOutline.push(focus.key);
    }
    assert.ok(seen.size > 20, `Tab reached ${seen.size} different elements`);
    assert.deepEqual(withoutOutline, [], 'every focused element shows a visible outline');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
