// SIGKILL durability: a client sends with acks (clientOffset, retries) while the server is
// killed with SIGKILL mid-stream and restarted on the same database; the client resends what
// was not acknowledged. Afterwards every acknowledged message is stored exactly once, and the
// client has received every stored id exactly once.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanExit, sleep, sqlite, startServer } from './lib/server.mjs';
import { closeAll, connectedClient, orderingProblems } from './lib/client.mjs';

const MESSAGES = 300;
const IN_FLIGHT = 16;
const KILL_AFTER_ACKS = [80, 190];

// What SQLite must have in force for each setting (the default is full).
const SYNCHRONOUS_FOR = new Map([
  ['default flags', 'FULL'],
  ['--durability process-crash', 'NORMAL'],
]);
const SETTINGS_LINE = /resync serve: database .*: journal_mode=(\S+) synchronous=(\S+)/;

for (const flags of [[], ['--durability', 'process-crash']]) {
  const label = flags.length ? flags.join(' ') : 'default flags';
  describe(`SIGKILL while a client sends with acks (${label})`, { timeout: 90000 }, () => {
    let server;
    const clients = [];
    after(async () => {
      closeAll(clients);
      await server?.cleanup();
    });

    it(`SQLite runs in WAL mode with synchronous=${SYNCHRONOUS_FOR.get(label)}`, async () => {
      server = await startServer({ flags });
      // The server reads both PRAGMAs back from its connection and logs them to stderr;
      // synchronous is per connection, so only the server can tell which one is in force.
      const deadline = Date.now() + 5000;
      let match = null;
      while (!(match = SETTINGS_LINE.exec(server.stderrTail())) && Date.now() < deadline) await sleep(20);
      assert.ok(match, `no "journal_mode=... synchronous=..." line on stderr\n${server.describe()}`);
      assert.equal(match[1], 'wal', 'journal_mode the server reports');
      assert.equal(match[2], SYNCHRONOUS_FOR.get(label), 'synchronous the server reports');
      // WAL is a property of the file: a second connection sees it too.
      assert.deepEqual(sqlite(server.db, 'PRAGMA journal_mode;'), [{ journal_mode: 'wal' }]);
    });

    it('every acknowledged message is stored exactly once; nothing received twice', async () => {
      const client = await connectedClient(server.url, {
        name: 'sender',
        reconnectionDelay: 50,
        reconnectionDelayMax: 200,
        describeServer: () => server.describe(),
      });
      clients.push(client);

      const acked = new Set();
      let attempts = 0;
      let kills = 0;
      let killing = Promise.resolve();
      const deadline = Date.now() + 60000;

      // At-least-once sending: retry on ack timeout with the same clientOffset.
      async function sendUntilAcked(i) {
        for (;;) {
          attempts += 1;
          try {
            await client.sendWithAck(`durable ${i}`, `kill-test-${i}`, 1000);
            acked.add(i);
            if (kills < KILL_AFTER_ACKS.length && acked.size >= KILL_AFTER_ACKS[kills]) {
              kills += 1;
              killing = killing.then(async () => {
                await server.kill('SIGKILL');
                await sleep(100);
                await server.restart();
              });
            }
            return;
          } catch (error) {
            if (Date.now() > deadline) throw new Error(`message ${i} never acknowledged: ${error.message}\n${client.summary()}\n${server.describe()}`);
          }
        }
      }
      let next = 0;
      const worker = async () => {
        while (next < MESSAGES) await sendUntilAcked(next++);
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      await killing;
      assert.equal(kills, KILL_AFTER_ACKS.length, 'the server was killed mid-stream');
      assert.equal(acked.size, MESSAGES);

      const rows = sqlite(server.db, 'SELECT id, client_offset, content FROM messages ORDER BY id');
      const byOffset = new Map();
      for (const row of rows) byOffset.set(row.client_offset, (byOffset.get(row.client_offset) ?? 0) + 1);
      const missing = [...acked].filter((i) => !byOffset.has(`kill-test-${i}`));
      assert.deepEqual(missing, [], 'acknowledged messages lost');
      const contents = rows.map((r) => r.content);
      assert.equal(new Set(contents).size, contents.length, 'a message stored twice');
      assert.equal(rows.length, MESSAGES, `${rows.length} rows for ${MESSAGES} messages (${attempts} sends)`);
      for (const row of rows) assert.equal(row.content, `durable ${row.client_offset.slice('kill-test-'.length)}`);

      // The client reconnected after each kill and, with its serverOffset, got every stored
      // id exactly once (catch-up after the restart included).
      const lastId = rows[rows.length - 1].id;
      await client.waitForId(lastId, 15000);
      await sleep(100);
      const ids = client.ids();
      const { duplicates, inversions } = orderingProblems(ids);
      assert.deepEqual(duplicates, [], `ids received twice\n${client.summary()}`);
      assert.deepEqual(inversions, [], `ids out of order\n${client.summary()}`);
      assert.deepEqual(ids, rows.map((r) => r.id), 'the client received exactly the stored ids');
      assert.ok(client.connects >= 1 + KILL_AFTER_ACKS.length, `reconnected after each kill (${client.connects} connects)`);
    });

    it('the server never crashed on its own and shuts down cleanly', async () => {
      closeAll(clients);
      const info = await server.stop();
      assert.deepEqual(server.unexpectedExits(), [], server.describe());
      assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
    });
  });
}
