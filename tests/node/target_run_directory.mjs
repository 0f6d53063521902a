// Isolation per scenario for --target-cmd: the command gets RESYNC_RUN_DIR, a fresh directory
// per scenario kept across that scenario's restarts. A database put there holds only that
// scenario's messages, and a killed and restarted server finds its rows again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resync = process.env.RESYNC_BIN;
const scenarios = join(root, 'scenarios');

function historyLines(path) {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
}

// Every id a client received, with the one content it must always have had.
function receivedContentsById(lines) {
  const contents = new Map();
  for (const line of lines.filter((l) => l.type === 'received')) {
    const known = contents.get(line.id);
    assert.ok(known === undefined || known === line.content,
      `id ${line.id} came as "${known}" and as "${line.content}": the server's log started again`);
    contents.set(line.id, line.content);
  }
  return contents;
}

describe('--target-cmd gets a RESYNC_RUN_DIR per scenario', { timeout: 180000 }, () => {
  it('two scenarios with a database in RESYNC_RUN_DIR each see only their own messages; a restart keeps it', () => {
    const report = mkdtempSync(join(tmpdir(), 'resync-run-dir-'));
    try {
      const command = `exec '${resync}' serve --db "$RESYNC_RUN_DIR/chat.db" --port "$PORT" --host 127.0.0.1`;
      const result = spawnSync(resync, ['run', join(scenarios, 'baseline-no-faults.json'),
        join(scenarios, 'server-sigterm-restart.json'), '--target-cmd', command, '--report', report],
      { cwd: root, encoding: 'utf8', timeout: 150000 });
      const out = `${result.stdout}\n${result.stderr}`;
      assert.equal(result.status, 0, out);
      assert.match(out, /baseline-no-faults: valid .*PASS/);
      assert.match(out, /server-sigterm-restart: valid .*PASS/);

      for (const directory of ['1-baseline-no-faults', '2-server-sigterm-restart']) {
        const run = join(report, 'runs', directory);
        assert.ok(existsSync(join(run, 'target', 'chat.db')), `${directory}: the database is in its RESYNC_RUN_DIR`);
        const lines = historyLines(join(run, 'history.jsonl'));
        const sent = new Set(lines.filter((l) => l.type === 'sent').map((l) => l.content));
        const received = receivedContentsById(lines);
        assert.ok(received.size > 0, `${directory}: clients received messages`);
        // A fresh log: ids 1..n, each one a message this scenario sent.
        const ids = [...received.keys()].sort((a, b) => a - b);
        assert.deepEqual(ids, ids.map((_, index) => index + 1), `${directory}: ids start at 1 with no gap`);
        for (const [id, content] of received) {
          assert.ok(sent.has(content), `${directory}: id ${id} "${content}" was not sent by this scenario`);
        }
      }
      const restart = historyLines(join(report, 'runs', '2-server-sigterm-restart', 'history.jsonl'));
      assert.equal(restart.filter((l) => l.type === 'server_started').length, 2, 'the scenario restarted the server');
    } finally {
      rmSync(report, { recursive: true, force: true });
    }
  });
});
