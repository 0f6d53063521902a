// `resync fuzz --report DIR` writes the campaign page: runs, seed, and for a finding the
// reproducer's path, its steps and the commands that replay it, followed by the finding's
// history drawn like any scenario. A tutorial-mode server is the campaign's target: its
// catch-up races live broadcasts, and seed 7 finds that within 2000 runs, so a finding is
// required (exit 1). A campaign that stops finding it is a broken fuzzer, not a pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const RESYNC_BIN = process.env.RESYNC_BIN;
let workDirectory;
let run;
let page;

before(() => {
  assert.ok(RESYNC_BIN, 'RESYNC_BIN must point at the resync binary (ctest sets it)');
  workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'resync-report-fuzz-'));
  run = spawnSync(RESYNC_BIN, ['fuzz', '--mode', 'sim', '--delivery', 'tutorial', '--seed', '7', '--runs', '2000',
    '--no-progress', '--out', path.join(workDirectory, 'found'), '--report', path.join(workDirectory, 'report')],
  { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const pagePath = path.join(workDirectory, 'report', 'index.html');
  page = fs.existsSync(pagePath) ? fs.readFileSync(pagePath, 'utf8') : '';
});

after(() => {
  if (workDirectory) fs.rmSync(workDirectory, { recursive: true, force: true });
});

test('the campaign finds the tutorial server\'s race (exit 1) and writes the page', () => {
  assert.equal(run.status, 1, `the campaign must find a failure in tutorial mode\nexit ${run.status}\n${run.stdout.slice(-2000)}\n${run.stderr}`);
  assert.match(run.stdout, /campaign report: .*index\.html/);
  assert.match(page, /<section id="campaign"/);
  assert.match(page, /<dt>seed<\/dt><dd><code>7<\/code><\/dd>/);
  assert.match(page, /<dt>delivery<\/dt><dd>tutorial<\/dd>/);
  assert.match(page, /resync fuzz --mode sim --seed 7 --runs \d+ --delivery tutorial/);
});

test('the finding prints its replay commands and its history records them', () => {
  assert.equal(run.status, 1, 'no finding');
  const reproducer = run.stdout.match(/reproducer: (\S+\.json)/)[1];
  assert.doesNotMatch(run.stdout, /records no replay command/);
  const sim = run.stdout.match(/^replay \(sim\): +(.+)$/m);
  const live = run.stdout.match(/^replay \(live\): +(.+)$/m);
  assert.ok(sim && live, `replay lines on stdout\n${run.stdout.slice(-2000)}`);
  assert.ok(sim[1].startsWith(`resync run ${reproducer} --mode sim --seed `), sim[1]);
  // The checker's text for the finding (printed above the reproducer line) names both too.
  assert.ok(run.stdout.includes(`  replay (sim): ${sim[1]}`), 'the verdict text shows the sim replay');
  const historyPath = run.stdout.match(/^history: (\S+\.history\.jsonl)$/m)[1];
  const runStarted = JSON.parse(fs.readFileSync(historyPath, 'utf8').split('\n')[0]);
  assert.equal(runStarted.type, 'run_started');
  assert.deepEqual(runStarted.replay, { sim: sim[1], live: live[1] });
  assert.equal(runStarted.file, reproducer);
  // `resync check` on the history file shows the same commands.
  const check = spawnSync(RESYNC_BIN, ['check', historyPath], { encoding: 'utf8' });
  assert.equal(check.status, 1, check.stderr);
  assert.ok(check.stdout.includes(`replay (sim): ${sim[1]}`), check.stdout.slice(-2000));
});

test('a finding shows the reproducer, its steps, the replay commands and its history', () => {
  assert.equal(run.status, 1, 'no finding to show');
  assert.doesNotMatch(page, /No failure found/);
  const found = run.stdout.match(/reproducer: (\S+\.json)/);
  assert.ok(found, `no "reproducer:" line on stdout\n${run.stdout.slice(-2000)}`);
  const reproducer = found[1];
  assert.ok(page.includes(`<code>${reproducer}</code>`), 'the reproducer path');
  const steps = JSON.parse(fs.readFileSync(reproducer, 'utf8')).timeline.length;
  assert.equal((page.match(/<ol class="steps" id="reproducer-steps">(.*?)<\/ol>/s)[1].match(/<li>/g) ?? []).length, steps);
  assert.ok(page.includes(`resync run ${reproducer} --mode sim --seed`), 'the simulator replay command');
  assert.equal((page.match(/<tr class="scenario-row status-failed"/g) ?? []).length, 1, 'the finding as a failed scenario');
  const data = JSON.parse(page.match(/<script type="application\/json" id="scenario-data-0" class="scenario-data">(.*?)<\/script>/s)[1]);
  assert.equal(data.reproducer.path, reproducer);
  assert.equal(data.reproducer.steps.length, steps);
  assert.ok(data.anomalies.total > 0);
});
