// Storage faults on the embedded server's database, live and in the simulator
// (docs/SCENARIOS.md, "Storage faults"). For each mechanism (a held write lock, RLIMIT_FSIZE
// 0, RLIMIT_FSIZE at the database's size) the run proves that the server's writes really
// failed (its stderr, copied through the runner's pipe, has the strict server's error
// line), that the strict server stays valid (every acknowledged message stored exactly once),
// and that the same scenario catches a server that acknowledges before its insert
// (the planted bug ack-before-insert): acknowledged_not_stored.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resync = process.env.RESYNC_BIN;

const cases = [
  { scenario: 'acked-sends-during-database-lock', kind: 'lock_database', error: /insert failed.*database is locked/ },
  { scenario: 'acked-sends-during-read-only-storage', kind: 'storage_read_only', error: /(insert|commit) failed.*(disk I\/O error|readonly|full)/ },
  { scenario: 'acked-sends-during-storage-full', kind: 'storage_full', error: /(insert|commit) failed.*(disk I\/O error|full)/ },
];

function run(scenario, args) {
  const work = mkdtempSync(join(tmpdir(), 'resync-storage-'));
  try {
    const result = spawnSync(resync, ['run', join(root, 'scenarios', `${scenario}.json`), '--report', work, ...args],
      { cwd: root, encoding: 'utf8', timeout: 110000 });
    const directory = join(work, 'runs', `1-${scenario}`);
    const history = readFileSync(join(directory, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    let stderr = '';
    try { stderr = readFileSync(join(directory, 'server.stderr'), 'utf8'); } catch { /* the simulator has none */ }
    return { code: result.status, out: `${result.stdout}\n${result.stderr}`, history, stderr };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Every acknowledged client_offset is in the committed log exactly once.
function assertAckedStoredOnce(history) {
  const log = history.find((line) => line.type === 'committed_log');
  assert.ok(log, 'no committed_log line');
  const stored = new Map();
  for (const message of log.messages) {
    if (message.client_offset !== null) stored.set(message.client_offset, (stored.get(message.client_offset) ?? 0) + 1);
  }
  const acked = new Set(history.filter((line) => line.type === 'acked').map((line) => line.client_offset));
  assert.ok(acked.size >= 40, `only ${acked.size} acknowledged messages`);
  for (const offset of acked) assert.equal(stored.get(offset), 1, `acknowledged ${offset} stored ${stored.get(offset) ?? 0} times`);
}

describe('storage faults make the server\'s writes fail, and the strict server stays valid', { timeout: 600000 }, () => {
  for (const { scenario, kind, error } of cases) {
    it(`${kind}: live, the embedded server logs the failed write and stores every acknowledged message once`, () => {
      const { code, out, history, stderr } = run(scenario, []);
      assert.equal(code, 0, out);
      const lines = history.filter((line) => line.type === 'storage_fault');
      assert.deepEqual(lines.map((line) => line.action), ['start', 'end'], JSON.stringify(lines));
      assert.equal(lines[0].kind, kind);
      assert.ok(lines[1].t_ms - lines[0].t_ms >= lines[0].duration_ms - 50, JSON.stringify(lines));
      assert.match(stderr, error, `the server's stderr has no failed write:\n${stderr}`);
      assertAckedStoredOnce(history);
    });

    it(`${kind}: live, a server that acknowledges before its insert is caught (acknowledged_not_stored)`, () => {
      const { code, out } = run(scenario, ['--planted-bug', 'ack-before-insert']);
      assert.equal(code, 1, out);
      assert.match(out, new RegExp(`${scenario}: invalid \\(expected valid.*\\) FAIL .*acknowledged_not_stored`));
    });

    it(`${kind}: in the simulator, valid, and ack-before-insert is caught`, () => {
      const strict = run(scenario, ['--mode', 'sim']);
      assert.equal(strict.code, 0, strict.out);
      assertAckedStoredOnce(strict.history);
      const planted = run(scenario, ['--mode', 'sim', '--planted-bug', 'ack-before-insert']);
      assert.equal(planted.code, 1, planted.out);
      assert.match(planted.out, /acknowledged_not_stored/);
    });
  }
});
