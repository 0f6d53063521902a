// The probe before the suite (`resync run --target-cmd`): the embedded server probes as
// acknowledging and runs an acked scenario; a tutorial server-delivery server that never
// acks gets "not applicable" for the acked scenario (text line, summary, JUnit <skipped>,
// HTML index) while a plain-only scenario runs; a target that does not start prints its
// stderr and exit status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const resync = process.env.RESYNC_BIN;
const scenarios = join(root, 'scenarios');

function run(args, timeoutMs = 120000) {
  const result = spawnSync(resync, args, { cwd: root, encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}

function withWorkDirectory(body) {
  const work = mkdtempSync(join(tmpdir(), 'resync-probe-'));
  try {
    body(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('the probe before the suite', { timeout: 300000 }, () => {
  it('the embedded server as a target probes as acknowledging and runs an acked scenario', () => {
    withWorkDirectory((work) => {
      const command = `exec '${resync}' serve --host 127.0.0.1 --port "$PORT" --db '${join(work, 'x.db')}'`;
      const { code, out } = run(['run', join(scenarios, 'baseline-no-faults.json'), '--target-cmd', command]);
      assert.equal(code, 0, out);
      assert.match(out, /target http:\/\/127\.0\.0\.1:\d+: Engine\.IO 4, Socket\.IO 5, broadcasts "chat message", acknowledges: yes/);
      assert.match(out, /baseline-no-faults: valid \(expected valid\) PASS/);
    });
  });

  it('a server that never acks: the acked scenario is not applicable with the reason, a plain one runs', () => {
    withWorkDirectory((work) => {
      const plain = join(work, 'plain-only.json');
      writeFileSync(plain, JSON.stringify({
        name: 'plain-only', description: 'Two tutorial pages chat with plain emits; nothing breaks.',
        clients: [{ name: 'alice' }, { name: 'carol' }],
        timeline: [{ at_ms: 100, send: { clients: 'all', count: 5, interval_ms: 20 } }, { at_ms: 600, wait: {} }],
        expect: { verdict: 'valid' },
      }));
      const junit = join(work, 'junit.xml');
      const report = join(work, 'report');
      const command = `exec node '${join(here, 'lib', 'no_ack_server.mjs')}'`;
      const { code, out } = run(['run', join(scenarios, 'baseline-no-faults.json'), plain, '--target-cmd', command,
        '--junit', junit, '--report', report]);
      assert.equal(code, 0, `not applicable counts like a skip; the plain scenario passed\n${out}`);
      assert.match(out, /target http:\/\/127\.0\.0\.1:\d+: Engine\.IO 4, Socket\.IO 5, broadcasts "chat message", acknowledges: no/);
      assert.match(out, /scenario baseline-no-faults: not applicable: target does not acknowledge "chat message"/);
      assert.match(out, /plain-only: valid \(expected valid\) PASS/);
      assert.match(out, /2 scenarios \(live\): 1 passed, 0 failed, 0 unknown, 0 skipped, 1 not applicable/);
      const xml = readFileSync(junit, 'utf8');
      assert.match(xml, /<testsuite [^>]*skipped="1"/);
      assert.match(xml, /name="baseline-no-faults"[^>]*>\s*<skipped message="not applicable: target does not acknowledge &quot;chat message&quot;"\/>/);
      const html = readFileSync(join(report, 'index.html'), 'utf8');
      assert.match(html, /data-status="not-applicable"/);
      assert.match(html, /not applicable: target does not acknowledge &quot;chat message&quot;/);
    });
  });

  it('a target that does not start prints its stderr and exit status', () => {
    const { code, out } = run(['run', join(scenarios, 'baseline-no-faults.json'), '--target-cmd', 'echo boom >&2; exit 3']);
    assert.equal(code, 2, out);
    assert.match(out, /the target command 'echo boom >&2; exit 3' did not start: the target command exited \(exit status 3\)/);
    assert.match(out, /boom/);
  });
});
