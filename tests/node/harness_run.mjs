// End-to-end checks of the harness (`resync run`, `resync fuzz`) driving the real binary:
// a valid scenario passes against the strict server, the same race against the tutorial
// server is reported invalid with the right anomalies, an external server started by
// --target-cmd works, a server that never starts ends `unknown` (exit 2) with its own error
// output, and a fuzz reproducer replays as invalid in sim and in live mode.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resync = process.env.RESYNC_BIN;
const scenarios = join(root, 'scenarios');

function run(args, timeoutMs = 120000) {
  const result = spawnSync(resync, args, { cwd: root, encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}

describe('resync run and resync fuzz end to end', { timeout: 300000 }, () => {
  it('a valid scenario passes against the strict server (live), JUnit written', () => {
    const work = mkdtempSync(join(tmpdir(), 'resync-harness-'));
    try {
      const junit = join(work, 'junit.xml');
      const { code, out } = run(['run', join(scenarios, 'baseline-no-faults.json'), '--junit', junit]);
      assert.equal(code, 0, out);
      assert.match(out, /baseline-no-faults: valid \(expected valid\) PASS/);
      assert.match(readFileSync(junit, 'utf8'), /<testcase [^>]*name="baseline-no-faults"/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('the catch-up race is valid on the strict server and invalid (duplicated, reordered) on the tutorial one', () => {
    const strict = run(['run', join(scenarios, 'strict-server-catch-up-race.json')]);
    assert.equal(strict.code, 0, strict.out);
    const tutorial = run(['run', join(scenarios, 'tutorial-server-catch-up-race.json')]);
    assert.equal(tutorial.code, 0, `the scenario expects invalid and must be caught\n${tutorial.out}`);
    assert.match(tutorial.out, /tutorial-server-catch-up-race: invalid \(expected invalid with duplicated, reordered\) PASS/);
  });

  it('scenarios run side by side (--jobs 2) do not leak sockets into each other\'s servers', () => {
    // A server started by one job must not inherit the other job's proxied sockets: holding a
    // copy, it kept a reset connection open until it exited, and the reset scenario passed.
    const { code, out } = run(['run', join(scenarios, 'tutorial-server-recovery-replay-cut.json'),
      join(scenarios, 'tutorial-server-reset-during-catch-up.json'), '--jobs', '2']);
    assert.equal(code, 0, out);
    assert.match(out, /tutorial-server-recovery-replay-cut: invalid \(expected invalid with duplicated, recovery_repeat\) PASS/);
  });

  it('an external server started by --target-cmd is tested through the proxy', () => {
    const work = mkdtempSync(join(tmpdir(), 'resync-harness-'));
    try {
      const command = `exec '${resync}' serve --host 127.0.0.1 --port "$PORT" --db '${join(work, 'external.db')}'`;
      const { code, out } = run(['run', join(scenarios, 'link-reset-mid-conversation.json'), '--target-cmd', command]);
      assert.equal(code, 0, out);
      assert.match(out, /link-reset-mid-conversation: valid/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('a server that never starts ends unknown, exit 2, with its own error output', () => {
    const { code, out } = run(['run', join(scenarios, 'baseline-no-faults.json'), '--target-cmd',
      'echo "boom: cannot bind, database locked" >&2; exit 3']);
    assert.equal(code, 2, out);
    assert.match(out, /unknown/);
    assert.match(out, /boom: cannot bind, database locked/);
  });

  it('a broken scenario file gets file, JSON path and expectation, exit 2', () => {
    const work = mkdtempSync(join(tmpdir(), 'resync-harness-'));
    try {
      const file = join(work, 'broken.json');
      writeFileSync(file, JSON.stringify({ name: 'broken', description: 'x', clients: [{ name: 'a' }],
        timeline: [{ at_ms: 0, send: { clients: 'a', count: -5 } }], expect: { verdict: 'valid' } }));
      const { code, out } = run(['run', file]);
      assert.equal(code, 2, out);
      assert.match(out, /broken\.json: \$\.timeline\[0\]\.send\.count/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('fuzzing a tutorial server finds a failure whose reproducer replays invalid in sim and reaches a verdict live', (t) => {
    const work = mkdtempSync(join(tmpdir(), 'resync-fuzz-'));
    try {
      const found = join(work, 'found');
      const fuzz = run(['fuzz', '--mode', 'sim', '--delivery', 'tutorial', '--seed', '9', '--runs', '2000', '--jobs', '2',
        '--storage-faults-max', '0', '--out', found, '--no-progress'], 240000);
      assert.equal(fuzz.code, 1, fuzz.out);
      const reproducer = readdirSync(found).find((name) => name.endsWith('.json'));
      assert.ok(reproducer, fuzz.out);
      const scenario = JSON.parse(readFileSync(join(found, reproducer), 'utf8'));
      assert.ok(scenario.timeline.length <= 5, `shrunk to ${scenario.timeline.length} steps`);
      const replaySim = fuzz.out.match(/replay \(sim\): +resync (.*)/)[1].split(' ');
      const sim = run(replaySim);
      assert.equal(sim.code, 1, sim.out);
      assert.match(sim.out, /invalid \(expected valid\) FAIL/);
      // The live replay runs the same file against the real server and proxy. A sim finding
      // is a race a few virtual milliseconds wide; on real sockets it lines up only sometimes,
      // and less often on a busy machine (with commits off the event loop, the server's
      // catch-up no longer waits for fsyncs: 0 of 3 live replays failed for each of 21 seeds'
      // findings while other tests ran). So live must reach a verdict, and the catch-up race
      // test above is the one that proves the live run catches the race.
      const replayLive = fuzz.out.match(/replay \(live\): +resync (.*)/)[1].split(' ');
      const live = run(replayLive);
      assert.ok(live.code === 0 || live.code === 1, `live replay ended unknown or in error:\n${live.out}`);
      assert.match(live.out, /scenario fuzz-seed9-run\d+: (valid|invalid) \(expected valid\)/);
      t.diagnostic(`live replay: ${live.code === 1 ? 'invalid, as in sim' : 'valid: the race did not line up'}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
