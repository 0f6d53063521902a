// The black-box audit of an external target's log (docs/HISTORY.md, "Which committed log"):
// after convergence an audit client reads the target's catch-up, and that, not a guess from
// what clients happened to receive, is the committed log. A message the target stored but
// broadcast to nobody is in it (so the clients lost it; it was not "acknowledged, not
// stored"). Where the target's SQLite file is reachable (--target-db) it is the committed
// log, and a catch-up that serves other rows than the file holds is reported.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingProgram } from './lib/required_tool.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const resync = process.env.RESYNC_BIN;
const memoryServer = join(here, 'lib', 'memory_log_server.mjs');

function run(args) {
  const result = spawnSync(resync, ['run', ...args], { cwd: root, encoding: 'utf8', timeout: 100000 });
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}

function withWorkDirectory(body) {
  const work = mkdtempSync(join(tmpdir(), 'resync-audit-'));
  try {
    body(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// alice acknowledges her sends, carol is the tutorial's plain page; five messages each.
function writeScenario(work, expect) {
  const file = join(work, 'audited.json');
  writeFileSync(file, JSON.stringify({
    name: 'audited', description: 'Two pages chat over a healthy link; the log is read back through a catch-up.',
    clients: [{ name: 'alice', policy: 'dedupe', delivery: 'acked' }, { name: 'carol' }],
    timeline: [{ at_ms: 100, send: { clients: 'all', count: 5, interval_ms: 20 } }, { at_ms: 600, wait: {} }],
    expect,
  }));
  return file;
}

function historyLines(report) {
  const run = readdirSync(join(report, 'runs')).find((name) => name.startsWith('1-'));
  return readFileSync(join(report, 'runs', run, 'history.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

function committedLogs(lines, source) {
  return lines.filter((line) => line.type === 'committed_log' && line.source === source);
}

describe('the catch-up audit of an external target', { timeout: 300000 }, () => {
  it('a message stored but broadcast to nobody is in the audited log, and the clients lost it', () => {
    withWorkDirectory((work) => {
      const scenario = writeScenario(work, { verdict: 'invalid', anomalies: ['lost'] });
      const report = join(work, 'report');
      const { code, out } = run([scenario, '--target-cmd', `exec env HIDE_CONTENT=alice-3 node '${memoryServer}'`,
        '--report', report]);
      assert.equal(code, 0, `invalid with lost, nothing else (no acknowledged_not_stored)\n${out}`);
      assert.match(out, /scenario audited: invalid \(expected invalid with lost\) PASS — 2 clients, 10 messages \(catch-up audit from offset 0\)/);
      const lines = historyLines(report);
      const [audit] = committedLogs(lines, 'catch_up_audit');
      assert.ok(audit, `a committed_log line with source catch_up_audit: ${JSON.stringify(lines.slice(-4))}`);
      assert.equal(audit.from_offset, 0);
      assert.equal(audit.messages.length, 10);
      const hidden = audit.messages.find((message) => message.content === 'alice-3');
      assert.ok(hidden, `the stored, never broadcast row is in the audit: ${JSON.stringify(audit.messages)}`);
      assert.ok(!lines.some((line) => line.type === 'received' && line.id === hidden.id), 'no client received it');
      assert.equal(committedLogs(lines, 'database').length, 0, 'no database was named');
    });
  });

  it('a catch-up that serves other rows than the --target-db file holds is reported', { skip: missingProgram('sqlite3', 'sqlite3', ['-version']) }, () => {
    withWorkDirectory((work) => {
      const database = join(work, 'other.db');
      const made = spawnSync('sqlite3', [database,
        'CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, client_offset TEXT UNIQUE, content TEXT);' +
        "INSERT INTO messages (client_offset, content) VALUES ('x-1', 'planted');"], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const scenario = writeScenario(work, { verdict: 'valid' });
      const report = join(work, 'report');
      const { code, out } = run([scenario, '--target-cmd', `exec node '${memoryServer}'`, '--target-db', database,
        '--report', report]);
      assert.equal(code, 1, out);
      assert.match(out, /catch_up_disagrees_with_database: 1\n {4}id 1: the catch-up audit from offset 0 \(10 rows\) and the database \(1 rows\) differ at 10 ids; first: id 1 is "planted" in the database but "(alice|carol)-1" in the catch-up/);
      assert.match(out, /committed log: 1 messages, read from the server's database \(compared with a catch-up audit from offset 0\)/);
      const lines = historyLines(report);
      const [stored] = committedLogs(lines, 'database');
      assert.deepEqual(stored.messages, [{ id: 1, content: 'planted', client_offset: 'x-1' }]);
      assert.equal(committedLogs(lines, 'catch_up_audit')[0].messages.length, 10);
    });
  });

  it('a relative --target-db is the --target-cmd\'s file inside RESYNC_RUN_DIR, and a faithful catch-up agrees with it', () => {
    withWorkDirectory((work) => {
      const scenario = writeScenario(work, { verdict: 'valid' });
      const report = join(work, 'report');
      const command = `exec '${resync}' serve --db "$RESYNC_RUN_DIR/chat.db" --port "$PORT" --host 127.0.0.1`;
      const { code, out } = run([scenario, '--target-cmd', command, '--target-db', 'chat.db', '--report', report]);
      assert.equal(code, 0, out);
      assert.match(out, /scenario audited: valid \(expected valid\) PASS — 2 clients, 10 messages, 0 faults, no anomalies/);
      const lines = historyLines(report);
      assert.equal(committedLogs(lines, 'database')[0].messages.length, 10);
      assert.equal(committedLogs(lines, 'catch_up_audit')[0].messages.length, 10);
    });
  });

  it('a --target-db that does not exist is named, and the run is unknown rather than valid', () => {
    withWorkDirectory((work) => {
      const scenario = writeScenario(work, { verdict: 'valid' });
      const missing = join(work, 'no-such.db');
      const { code, out } = run([scenario, '--target-cmd', `exec node '${memoryServer}'`, '--target-db', missing]);
      assert.equal(code, 2, out);
      assert.match(out, new RegExp(`the target's database could not be read: the target's database ${missing.replace(/[.]/g, '\\.')} does not exist`));
    });
  });
});
