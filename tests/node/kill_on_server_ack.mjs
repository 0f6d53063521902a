// A kill_server step on the server's 5th ACK, live: the in-process proxy sees the ACK packet,
// the runner sends SIGKILL from inside the proxy's read handler, and the embedded strict
// server dies right after that ACK, before it can acknowledge anything else on that
// connection. The strict server acknowledges only committed rows, so the run stays valid;
// a server that acked before its INSERT would lose the 5th message here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resync = process.env.RESYNC_BIN;
const sanitized = process.env.RESYNC_SANITIZED === '1';
const scenario = join(root, 'scenarios', 'acked-sends-kill-on-server-ack.json');
// The writers send every 30 ms and the server commits each message on its own, so the next
// ACK on the firing connection is about 30 ms behind the 5th: a kill that took longer than
// that would let one more through.
const sendIntervalMs = 30;

// Runs the scenario live; `delayUs` rewrites the step's delay_us into a copy of the file.
function runLive(delayUs = 0) {
  const work = mkdtempSync(join(tmpdir(), 'resync-kill-on-ack-'));
  try {
    let file = scenario;
    if (delayUs !== 0) {
      const document = JSON.parse(readFileSync(scenario, 'utf8'));
      document.timeline[0].kill_server.on.delay_us = delayUs;
      delete document.$schema;
      file = join(work, 'delayed.json');
      writeFileSync(file, JSON.stringify(document));
    }
    const result = spawnSync(resync, ['run', file, '--report', work],
      { cwd: root, encoding: 'utf8', timeout: 110000 });
    const out = `${result.stdout}\n${result.stderr}`;
    const historyPath = join(work, 'runs', '1-acked-sends-kill-on-server-ack', 'history.jsonl');
    const history = readFileSync(historyPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    return { code: result.status, out, history };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// The firing, the first stop, and the ACKs the firing connection got from the first server.
function firstServer(history) {
  const fired = history.find((line) => line.type === 'process_fault' && line.action === 'fired');
  const stop = history.find((line) => line.type === 'server_stopped');
  const restarted = history.find((line) => line.type === 'server_started' && line.incarnation === 2);
  assert.ok(fired && stop && restarted, JSON.stringify({ fired, stop, restarted }));
  const acks = history.filter((line) => line.type === 'acked' && line.client === fired.tag && line.t_ms < restarted.t_ms);
  return { fired, stop, acks };
}

describe('kill_server on the server\'s 5th ACK, live', { timeout: 120000 }, () => {
  it('SIGKILLs the embedded server right after the 5th ACK on one connection, and the run is valid', () => {
    const { code, out, history } = runLive();
    assert.equal(code, 0, out);
    const fired = history.find((line) => line.type === 'process_fault' && line.action === 'fired');
    assert.ok(fired, `no process_fault fired line:\n${out}`);
    assert.deepEqual(fired.trigger, { after_acks: 5, direction: 'downstream' });
    assert.match(fired.tag, /^writer-[12]$/);
    assert.match(fired.detail, /the 5th Socket\.IO ACK downstream/);

    const stop = history.find((line) => line.type === 'server_stopped');
    assert.ok(stop && stop.t_ms >= fired.t_ms, JSON.stringify(stop));
    assert.equal(stop.signal, 'SIGKILL');
    assert.equal(stop.exit_signal, 'SIGKILL');
    assert.equal(stop.incarnation, 1);
    if (!sanitized) {
      assert.ok(stop.t_ms - fired.t_ms < sendIntervalMs,
        `the stop was recorded ${stop.t_ms - fired.t_ms} ms after the firing`);
    }

    // The firing writer got exactly its 5 ACKs from the first server: none after the 5th.
    const acksFromFirst = firstServer(history).acks;
    assert.equal(acksFromFirst.length, 5, JSON.stringify(acksFromFirst));
    // ... and the 5th acknowledged message is stored (the strict server acks committed rows).
    const log = history.find((line) => line.type === 'committed_log');
    const fifth = acksFromFirst[4];
    assert.ok(log.messages.some((message) => message.client_offset === fifth.client_offset),
      `${fifth.content} was acknowledged but is not in the committed log`);
  });

  it('with delay_us 60000 the signal waits: the stop comes 60 ms later and more ACKs get through', () => {
    const { code, out, history } = runLive(60000);
    assert.equal(code, 0, out);
    const { fired, stop, acks } = firstServer(history);
    assert.equal(fired.delay_us, 60000);
    assert.ok(stop.t_ms - fired.t_ms >= 60, `stopped ${stop.t_ms - fired.t_ms} ms after the firing`);
    assert.ok(acks.length > 5, `${acks.length} ACKs from the first server: the delay did not let any more through`);
  });
});
