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

  it('fuzzing a tutorial server finds a failure whose reproducer replays invalid in sim and live', (t) => {
    const work = mkdtempSync(join(tmpdir(), 'resync-fuzz-'));
    try {
      const found = join(work, 'found');
      // A sim finding replays live only when its race is wide enough: whether it does is a
      // timing question. Seed 9 (no storage faults) finds duplicates and reorderings whose
      // live replay failed 3 of 3 times here; seeds 1-5, 7 and 10 found races that live never hit.
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
      // The live replay runs the same file against the real server and proxy and shows the
      // same failure. It is a race on real sockets, so a machine busy with other work can
      // miss its window now and then: up to three tries, and every try must reach a verdict.
      // Under ASan+UBSan the runner and server are 5-10x slower (a step due at 4 ms runs at
      // 11 ms), so a race a few milliseconds wide cannot line up: there, a verdict is enough.
      const replayLive = fuzz.out.match(/replay \(live\): +resync (.*)/)[1].split(' ');
      if (process.env.RESYNC_SANITIZED === '1') {
        const live = run(replayLive);
        assert.ok(live.code === 0 || live.code === 1, `live replay ended unknown or in error:\n${live.out}`);
        t.diagnostic('sanitizer build: the live replay was only required to reach a verdict, not to be invalid');
        return;
      }
      const tries = [];
      for (let attempt = 0; attempt < 3 && !tries.some((live) => live.code === 1); attempt++) {
        const live = run(replayLive);
        assert.ok(live.code === 0 || live.code === 1, `live replay ended unknown or in error:\n${live.out}`);
        tries.push(live);
      }
      const caught = tries.find((live) => live.code === 1);
      assert.ok(caught, `the live replay passed ${tries.length} times:\n${tries.map((live) => live.out).join('\n')}`);
      assert.match(caught.out, /scenario fuzz-seed9-run\d+: invalid \(expected valid\) FAIL/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
