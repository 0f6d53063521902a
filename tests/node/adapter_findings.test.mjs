// What the cluster scenarios find in the Socket.IO Redis Streams adapter, held by a test: the
// smallest reproducer of its loss across a Redis restart (tests/node/scenarios/
// adapter-lost-after-redis-restart.json) is valid against the embedded cluster and invalid
// with `lost` against the adapter app (tests/node/servers/redis_streams_cluster.js, the
// tutorial's handlers on @socket.io/redis-streams-adapter). If the adapter stops losing
// these messages (a fixed version in package.json), this test says so and the finding in the
// README's Clusters section is out of date. About 6 s. Needs redis-server: without it the
// test skips (ctest "Skipped"), with CI=true it fails (tests/node/lib/run_test_file.mjs).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { missingProgram } from './lib/required_tool.mjs';
import { runResync, serverCommand, verdicts } from './lib/suite_verdicts.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const reproducer = join(here, 'scenarios', 'adapter-lost-after-redis-restart.json');
const name = 'adapter-lost-after-redis-restart';
const run_timeout_ms = 60000;
const missing = missingProgram('redis-server', 'redis-server');

describe('the Redis Streams adapter under the Redis-restart reproducer', { timeout: 3 * run_timeout_ms, skip: missing }, () => {
  it('is valid on the embedded cluster and invalid with lost on the adapter app', () => {
    const work = mkdtempSync(join(tmpdir(), 'resync-adapter-findings-'));
    try {
      const embedded = runResync([reproducer, '--report', join(work, 'embedded')], run_timeout_ms);
      assert.equal(verdicts(embedded.out).get(name), 'valid', embedded.out);

      const adapter = runResync([reproducer, '--target-cluster', '--target-cmd', serverCommand('redis_streams_cluster.js'),
        '--report', join(work, 'adapter')], run_timeout_ms);
      const verdict = verdicts(adapter.out).get(name);
      console.log(`adapter app: ${verdict} (${adapter.seconds.toFixed(1)} s)`);
      assert.match(verdict ?? '', /^invalid: (.*, )?lost(, |$)/, adapter.out);
      assert.match(adapter.out, /r1 never rendered ids/, 'the reader on the other node is the one missing them');
    } finally {
      if (!process.env.RESYNC_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
    }
  });
});
