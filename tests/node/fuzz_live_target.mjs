// Live fuzzing of a black box: `resync fuzz --mode live --target-cmd CMD --time-budget 40s`
// against the embedded server started as an external command with a planted bug
// (drop-every-10th-plain: every 10th plain message is silently not stored). The command must
// find the failure, end within its budget (shrinking and the replay included) plus a stated
// slack, say what it cut short, label the target `external`, and write a reproducer that
// fails again under `resync run FILE --target-cmd CMD`.
//
// The profile is narrowed to sends only (no faults, client actions or kills): the planted
// bug is then the only way to fail, so the test judges the fuzzer, not the timing races a
// fault can hit on a busy CI machine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resync = process.env.RESYNC_BIN;
const budgetSeconds = 40;
// Past the budget: a run abandoned at the deadline is torn down (clients closed, the server
// SIGKILLed) and the reproducer and summary are written.
const slackSeconds = 5;

describe('resync fuzz --mode live against a black box', { timeout: 150000 }, () => {
  it('finds the planted bug within its budget and writes a reproducer that fails when replayed', () => {
    const work = mkdtempSync(join(tmpdir(), 'resync-fuzz-live-'));
    try {
      const found = join(work, 'found');
      const target = `exec '${resync}' serve --host 127.0.0.1 --port "$PORT" --db "$RESYNC_RUN_DIR/chat.db" --planted-bug drop-every-10th-plain`;
      const started = Date.now();
      const fuzz = spawnSync(resync, ['fuzz', '--mode', 'live', '--target-cmd', target, '--time-budget', `${budgetSeconds}s`,
        '--out', found, '--clients-max', '2', '--faults-max', '0', '--client-actions-max', '0', '--server-kills-max', '0', '--storage-faults-max', '0'],
      { cwd: work, encoding: 'utf8', timeout: (budgetSeconds + 60) * 1000 });
      const seconds = (Date.now() - started) / 1000;
      const out = `${fuzz.stdout}\n--- stderr ---\n${fuzz.stderr}`;
      assert.equal(fuzz.status, 1, `a failure must be found\n${out}`);
      assert.ok(seconds <= budgetSeconds + slackSeconds, `took ${seconds} s for a ${budgetSeconds} s budget\n${out}`);

      assert.match(fuzz.stdout, /acknowledges: yes/, 'the probe ran first');
      assert.match(fuzz.stdout, /delivery external/);
      assert.doesNotMatch(fuzz.stdout, /delivery strict/);
      assert.match(fuzz.stdout, /FAILURE at run \d+/);
      assert.match(fuzz.stdout, /lost/, 'the planted bug loses plain messages');
      // Either shrinking finished or the summary says what the budget cut.
      assert.match(fuzz.stdout, /^(shrinking: complete|cut short: shrinking stopped after \d+ candidate runs .*not minimal)/m, out);
      assert.match(fuzz.stdout, /^time: [\d.]+ s of a 40\.0 s budget: probe [\d.]+ s, generation [\d.]+ s, shrinking [\d.]+ s, replay [\d.]+ s$/m);
      // The command replayed the file itself, within the budget.
      assert.match(fuzz.stdout, /^replay: failed again on try [123] of 3 tries/m, out);
      // Progress: stderr is not a terminal here, so plain lines, with the stage.
      assert.match(fuzz.stderr, /resync fuzz: \d+ runs?, \d+ failures?, [\d.]+ s of 40\.0 s, (generating|shrinking: step \d+, candidate \d+ of \d+, try \d of 3|replaying the reproducer)/);

      const reproducer = fuzz.stdout.match(/^reproducer: (\S+\.json)$/m)[1];
      const scenario = JSON.parse(readFileSync(resolve(work, reproducer), 'utf8'));
      assert.deepEqual(Object.keys(scenario.server), ['external'], 'no embedded-only settings for an external target');
      assert.equal(scenario.server.external.command, target);
      const history = readFileSync(resolve(work, reproducer.replace(/\.json$/, '.history.jsonl')), 'utf8').split('\n')[0];
      assert.equal(JSON.parse(history).delivery, 'external');

      // The printed replay command, as a user would run it (a live race gets up to 3 tries,
      // as the fuzzer's own replay does).
      const replay = fuzz.stdout.match(/^replay \(live\): resync run (\S+) --seed (\d+) --target-cmd/m);
      assert.ok(replay, out);
      assert.doesNotMatch(fuzz.stdout, /^replay \(sim\)/m, 'an external target replays live only');
      let caught = null;
      const tries = [];
      for (let attempt = 0; attempt < 3 && !caught; attempt++) {
        const run = spawnSync(resync, ['run', replay[1], '--seed', replay[2], '--target-cmd', target],
          { cwd: work, encoding: 'utf8', timeout: 60000 });
        tries.push(`${run.stdout}\n${run.stderr}`);
        if (run.status === 1) caught = run;
      }
      assert.ok(caught, `the reproducer passed ${tries.length} replays:\n${tries.join('\n')}`);
      assert.match(caught.stdout, /invalid \(expected valid\) FAIL/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('a short budget ends on time and says what it cut', () => {
    const work = mkdtempSync(join(tmpdir(), 'resync-fuzz-live-short-'));
    try {
      const target = `exec '${resync}' serve --host 127.0.0.1 --port "$PORT" --db "$RESYNC_RUN_DIR/chat.db"`;
      const shortBudgetSeconds = 6;
      const started = Date.now();
      // The default profile: faults, reloads and kills make runs of several seconds, so the
      // deadline meets a run under way (abandoned) or keeps the next one from starting.
      const fuzz = spawnSync(resync, ['fuzz', '--mode', 'live', '--target-cmd', target, '--time-budget', `${shortBudgetSeconds}s`,
        '--out', join(work, 'found')], { cwd: work, encoding: 'utf8', timeout: 60000 });
      const seconds = (Date.now() - started) / 1000;
      const out = `${fuzz.stdout}\n--- stderr ---\n${fuzz.stderr}`;
      assert.ok(fuzz.status === 0 || fuzz.status === 1, out);
      assert.ok(seconds <= shortBudgetSeconds + slackSeconds, `took ${seconds} s for a ${shortBudgetSeconds} s budget\n${out}`);
      assert.match(fuzz.stdout, /^time: [\d.]+ s of a 6\.0 s budget/m, out);
      // Nothing ends a 6 s campaign but the budget, and the summary says so.
      assert.match(fuzz.stdout, /^(cut short|abandoned): /m, out);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
