// The tutorial's catch-up/live race. Thousands of rows are stored; a fresh client
// (serverOffset 0) connects while another client keeps sending.
// --delivery strict: the fresh client sees no duplicate and no inversion and ends with
// exactly the stored ids. --delivery tutorial: the race shows (a duplicate or an inversion).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanExit, createTutorialDatabase, sqlite, startServer } from './lib/server.mjs';
import { closeAll, connectClient, connectedClient, orderingProblems } from './lib/client.mjs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

// The strict server's catch-up of 20000 rows takes a few milliseconds (its writes leave in
// large batches), often less than one live round trip, so its attempts get a longer backlog
// and more tries to overlap live traffic twice. The tutorial server is paced and races with 20000.
const STORED_ROWS_BY_MODE = { strict: 100000, tutorial: 20000 };
const ATTEMPTS_BY_MODE = { strict: 10, tutorial: 5 };

// A database written before the server starts, as the tutorial's Node server would leave it.
function prefilledDatabase(dir, storedRows) {
  const db = join(dir, 'chat.db');
  createTutorialDatabase(db);
  sqlite(
    db,
    `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${storedRows})
     INSERT INTO messages (client_offset, content) SELECT 'pre-' || x, 'stored ' || x FROM n;`,
  );
  return db;
}

// One attempt: the sender keeps sending (acked, a few in flight, so it never runs ahead of
// what the server commits) while a fresh client connects with serverOffset 0; then the sender
// stops and the fresh client is given time to receive everything. Returns the fresh client's
// ids and the stored ids.
const IN_FLIGHT = 8;
async function raceOnce(server, sender, attempt, storedRows) {
  const describeServer = () => server.describe();
  const startCount = sender.received.length;
  let sending = true;
  let acked = 0;
  let sent = 0;
  const senders = Array.from({ length: IN_FLIGHT }, async () => {
    while (sending) {
      const n = ++sent;
      await sender.sendWithAck(`live ${attempt}.${n}`, `live-${attempt}-${n}`, 15000);
      acked += 1;
    }
  });
  let fresh;
  let overlap = 0; // live messages broadcast while the fresh client's catch-up ran
  try {
    // Live traffic is flowing before the fresh client connects.
    await sender.waitForCount(startCount + 20, 15000);
    fresh = connectClient(server.url, { name: `fresh-${attempt}`, serverOffset: 0, reconnection: false, describeServer });
    await fresh.waitForConnect(1, 15000);
    const atConnect = sender.received.length;
    // Keep sending until the fresh client has had its catch-up, and a little after.
    await fresh.waitFor((c) => c.received.length >= storedRows, 'the catch-up', 30000);
    const after = sender.received.length;
    overlap = after - atConnect;
    await sender.waitForCount(after + 20, 15000);
  } finally {
    sending = false;
    await Promise.allSettled(senders);
  }
  // Every acked message comes back to the sender; the fresh client must then have the last id.
  await sender.waitForCount(startCount + acked, 15000);
  const lastId = sender.maxId();
  await fresh.waitForId(lastId, 15000);
  const storedIds = sqlite(server.db, 'SELECT id FROM messages ORDER BY id').map((r) => r.id);
  const ids = fresh.ids();
  fresh.close();
  return { ids, storedIds, lastId, fresh, live: acked, overlap };
}

for (const mode of ['strict', 'tutorial']) {
  describe(`catch-up/live race with --delivery ${mode}`, { timeout: 110000 }, () => {
    let server;
    let dir;
    const clients = [];
    const STORED_ROWS = STORED_ROWS_BY_MODE[mode];
    const ATTEMPTS = ATTEMPTS_BY_MODE[mode];
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'resync-race-'));
      // process-crash durability: commits are cheap, so live messages flow fast enough to
      // overlap the catch-up (ordering is what is tested here, not power-loss durability).
      server = await startServer({ db: prefilledDatabase(dir, STORED_ROWS), flags: ['--delivery', mode, '--durability', 'process-crash'] });
      // The sender starts from the end so it gets no catch-up of its own.
      clients.push(await connectedClient(server.url, { name: 'sender', serverOffset: STORED_ROWS, describeServer: () => server.describe() }));
    });
    after(async () => {
      closeAll(clients);
      await server?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    if (mode === 'strict') {
      it('the fresh client gets every stored id exactly once, in increasing order, while live messages arrive', async (t) => {
        const [sender] = clients;
        // Each attempt must be correct; at least two must have raced (live messages during the
        // catch-up), which almost always happens on the first two.
        let raced = 0;
        for (let attempt = 1; attempt <= ATTEMPTS && raced < 2; attempt++) {
          const { ids, storedIds, fresh, live, overlap } = await raceOnce(server, sender, attempt, STORED_ROWS);
          t.diagnostic(`attempt ${attempt}: ${live} live messages, ${overlap} during the catch-up, ${ids.length} received`);
          const { duplicates, inversions } = orderingProblems(ids);
          assert.deepEqual(duplicates, [], `attempt ${attempt}: duplicates\n${fresh.summary()}`);
          assert.deepEqual(inversions.slice(0, 10), [], `attempt ${attempt}: inversions\n${fresh.summary()}`);
          assert.ok(storedIds.length > STORED_ROWS, 'live messages were stored during the attempt');
          assert.deepEqual(ids, storedIds, `attempt ${attempt}: the fresh client ends with exactly the stored ids`);
          if (overlap > 0) raced += 1;
        }
        assert.equal(raced, 2, 'live messages were broadcast while the catch-up ran');
      });
    } else {
      it('the fresh client sees at least one duplicate or inversion (the bug the harness must catch)', async (t) => {
        const [sender] = clients;
        const observed = [];
        for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
          const { ids, storedIds, live, overlap } = await raceOnce(server, sender, attempt, STORED_ROWS);
          const { duplicates, inversions } = orderingProblems(ids);
          t.diagnostic(`attempt ${attempt}: ${live} live messages, ${overlap} during the catch-up, ${duplicates.length} duplicates, ${inversions.length} inversions`);
          observed.push({ attempt, live, overlap, received: ids.length, stored: storedIds.length, duplicates: duplicates.length, inversions: inversions.length });
          if (duplicates.length + inversions.length > 0) break;
        }
        assert.ok(
          observed.some((o) => o.duplicates + o.inversions > 0),
          `no duplicate and no inversion in ${ATTEMPTS} attempts: ${JSON.stringify(observed)}\n${server.describe()}`,
        );
      });
    }

    it('the server never crashed and shuts down cleanly', async () => {
      closeAll(clients);
      const info = await server.stop();
      assert.deepEqual(server.unexpectedExits(), [], server.describe());
      assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
    });
  });
}
