// Isolation per scenario for --target URL: a server the harness cannot restart keeps older
// runs' rows, so each run starts from the server's current end (run_started.start_offset),
// its pages start there and the checker judges only what came after. Running the same
// scenarios twice against one long-lived server gives the verdicts a fresh server gives.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resync = process.env.RESYNC_BIN;
const scenarios = ['baseline-no-faults.json', 'page-reload-keeping-offset.json', 'link-reset-mid-conversation.json']
  .map((file) => join(root, 'scenarios', file));

function run(args) {
  const result = spawnSync(resync, ['run', ...scenarios, ...args], { cwd: root, encoding: 'utf8', timeout: 150000 });
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}

// "scenario NAME: VERDICT (expected ...) PASS" for every scenario, without the counts after it.
function verdicts(out) {
  return out.split('\n').filter((line) => line.startsWith('scenario ')).map((line) => line.split(' — ')[0]);
}

function startOffsets(report) {
  return scenarios.map((_, index) => {
    const names = ['baseline-no-faults', 'page-reload-keeping-offset', 'link-reset-mid-conversation'];
    const history = readFileSync(join(report, 'runs', `${index + 1}-${names[index]}`, 'history.jsonl'), 'utf8');
    return JSON.parse(history.split('\n')[0]).start_offset;
  });
}

function startServer(database) {
  const server = spawn(resync, ['serve', '--db', database, '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk) => {
      output += chunk;
      const listening = output.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (listening) resolve({ server, url: `http://127.0.0.1:${listening[1]}` });
    });
    server.on('exit', (code) => reject(new Error(`resync serve exited (${code}) before listening: ${output}`)));
  });
}

describe('--target URL starts from the server\'s current end', { timeout: 400000 }, () => {
  it('the same scenarios twice against one long-lived server: the verdicts of a fresh server', async () => {
    const work = mkdtempSync(join(tmpdir(), 'resync-start-offset-'));
    const { server, url } = await startServer(join(work, 'long-lived.db'));
    try {
      const fresh = run(['--target-cmd', `exec '${resync}' serve --db "$RESYNC_RUN_DIR/chat.db" --port "$PORT" --host 127.0.0.1`]);
      assert.equal(fresh.code, 0, fresh.out);
      const first = run(['--target', url, '--report', join(work, 'first')]);
      const second = run(['--target', url, '--report', join(work, 'second')]);
      assert.equal(first.code, 0, first.out);
      assert.equal(second.code, 0, second.out);
      assert.equal(verdicts(fresh.out).length, scenarios.length, fresh.out);
      assert.deepEqual(verdicts(first.out), verdicts(fresh.out));
      assert.deepEqual(verdicts(second.out), verdicts(fresh.out));

      // Each run started where the previous one left the log: the server had older rows.
      const offsets = [...startOffsets(join(work, 'first')), ...startOffsets(join(work, 'second'))];
      // The long-lived server starts empty; the probe before the first run stores its two
      // messages (a plain one and an acked one), so the first scenario starts after them.
      assert.equal(offsets[0], 2, `the first scenario starts after the probe's 2 messages: ${offsets.join(', ')}`);
      for (let index = 1; index < offsets.length; ++index) {
        assert.ok(offsets[index] > offsets[index - 1], `start offsets grow: ${offsets.join(', ')}`);
      }
    } finally {
      server.kill('SIGTERM');
      rmSync(work, { recursive: true, force: true });
    }
  });
});
