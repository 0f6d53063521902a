// The live runner records how every server process ended (docs/HISTORY.md, server_stopped),
// driven through the real binary with the planted bugs that exist for testing Resync
// itself: a server that segfaults mid-scenario is recorded as an exit nobody asked for,
// with the signal and its stderr tail; under ASan a read of freed memory is recorded as a
// sanitizer report quoting AddressSanitizer; and a normal run's final SIGTERM ends in exit 0.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resync = process.env.RESYNC_BIN;
const sanitized = process.env.RESYNC_SANITIZED === '1';
const baseline = join(root, 'scenarios', 'baseline-no-faults.json');
// baseline-no-faults gives its clients 15 s to converge; a run that notices the dead server
// ends long before that.
const convergeWithinMs = 15000;

// Runs `resync run baseline-no-faults` live with `args` and returns its exit code, output and
// history lines.
function runBaseline(args) {
  const work = mkdtempSync(join(tmpdir(), 'resync-server-exit-'));
  try {
    const result = spawnSync(resync, ['run', baseline, '--report', work, ...args],
      { cwd: root, encoding: 'utf8', timeout: 110000 });
    const out = `${result.stdout}\n${result.stderr}`;
    const historyPath = join(work, 'runs', '1-baseline-no-faults', 'history.jsonl');
    const history = readFileSync(historyPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    return { code: result.status, out, history };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const stops = (history) => history.filter((line) => line.type === 'server_stopped');

describe('the live runner records every server exit', { timeout: 240000 }, () => {
  it('a normal run stops the embedded server with SIGTERM and it exits 0', () => {
    const { code, out, history } = runBaseline([]);
    assert.equal(code, 0, out);
    const [stop, ...more] = stops(history);
    assert.equal(more.length, 0, JSON.stringify(stops(history)));
    assert.deepEqual(
      { signal: stop.signal, requested: stop.requested, exit_status: stop.exit_status, exit_signal: stop.exit_signal,
        sanitizer_report: stop.sanitizer_report, escalated: stop.escalated, detail: stop.detail ?? '' },
      { signal: 'SIGTERM', requested: true, exit_status: 0, exit_signal: null, sanitizer_report: false, escalated: false,
        detail: '' });
  });

  it('a server that segfaults after 20 messages is recorded as an unasked exit by SIGSEGV, with its stderr tail', () => {
    const { code, out, history } = runBaseline(['--planted-bug', 'crash-after-20-messages']);
    // The checker turns the line into a failed scenario, whatever else the crash caused.
    assert.equal(code, 1, out);
    assert.match(out, /baseline-no-faults: invalid \(expected valid\) FAIL .*server_crashed/);
    const crash = stops(history).find((stop) => stop.requested === false);
    assert.ok(crash, `no unrequested server_stopped in\n${JSON.stringify(stops(history), null, 1)}`);
    assert.equal(crash.signal, 'exit');
    assert.equal(crash.exit_signal, 'SIGSEGV');
    assert.equal(crash.exit_status, null);
    assert.equal(crash.incarnation, 1);
    assert.match(crash.detail, /planted bug crash-after-20-messages .*raising SIGSEGV/);
    assert.ok(crash.detail.length <= 2000, `detail of ${crash.detail.length} bytes`);
    // Noticed while the run goes on, not only at its end: the line comes before the heal.
    const heal = history.find((line) => line.type === 'phase' && line.phase === 'heal');
    assert.ok(crash.t_ms < heal.t_ms, `crash recorded at ${crash.t_ms} ms, heal at ${heal.t_ms} ms`);
    // The heal restarts it. Whether the new process also stores 20 messages (and crashes
    // again) depends on the retries in flight; either way the run must end soon after the
    // heal: converged, or cut short because the server is down, never by waiting out
    // converge_within_ms on a dead server.
    const finished = history.find((line) => line.type === 'run_finished');
    assert.ok(finished.t_ms - heal.t_ms < convergeWithinMs / 2,
      `run_finished ${finished.t_ms - heal.t_ms} ms after the heal: ${JSON.stringify(finished)}`);
  });

  it('a read of freed memory is a sanitizer report under ASan, and goes unnoticed without it', () => {
    const { code, out, history } = runBaseline(['--planted-bug', 'use-after-free-after-20-messages']);
    if (sanitized) {
      const report = stops(history).find((stop) => stop.sanitizer_report);
      assert.ok(report, `no server_stopped with sanitizer_report in\n${JSON.stringify(stops(history), null, 1)}`);
      assert.equal(report.requested, false, JSON.stringify(report));
      assert.match(report.detail, /ERROR: AddressSanitizer: heap-use-after-free/);
      assert.ok(report.detail.length <= 2000, `detail of ${report.detail.length} bytes`);
      assert.equal(code, 1, out);
      assert.match(out, /server_crashed/);
      return;
    }
    // Without a sanitizer the read returns garbage and the server goes on: nothing to record
    // but the normal stop, which is why the ASan pass runs this bug.
    assert.equal(code, 0, out);
    const [stop, ...more] = stops(history);
    assert.equal(more.length, 0, JSON.stringify(stops(history)));
    assert.equal(stop.exit_status, 0, JSON.stringify(stop));
    assert.equal(stop.sanitizer_report, false, JSON.stringify(stop));
  });

  it('a live-only planted bug with --mode sim is a usage error naming the bug and the mode', () => {
    const result = spawnSync(resync, ['run', baseline, '--mode', 'sim', '--planted-bug', 'crash-after-20-messages'],
      { cwd: root, encoding: 'utf8', timeout: 30000 });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /crash-after-20-messages.*--mode sim/);
  });
});
