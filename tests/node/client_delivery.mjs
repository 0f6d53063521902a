// Client delivery: ('chat message', msg, clientOffset) with an ack is stored with
// client_offset; a repeated clientOffset is acknowledged again but never stored or broadcast
// twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanExit, sleep, sqlite, startServer } from './lib/server.mjs';
import { closeAll, connectedClient } from './lib/client.mjs';

describe('acked client delivery', { timeout: 60000 }, () => {
  let server;
  const clients = [];
  let sender;
  let observer;
  const client = async (options) => {
    const c = await connectedClient(server.url, { describeServer: () => server.describe(), ...options });
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startServer();
    sender = await client({ name: 'sender' });
    observer = await client({ name: 'observer' });
  });
  after(async () => {
    closeAll(clients);
    await server?.cleanup();
  });

  it('a message sent with an ack is acknowledged with no arguments, stored with its client_offset and broadcast', async () => {
    const ackArgs = await sender.sendWithAck('first', 'c-1');
    // `437[]`: emitWithAck resolves with the first argument, undefined for an empty array.
    assert.equal(ackArgs, undefined);
    await observer.waitForCount(1);
    await sender.waitForCount(1);
    assert.deepEqual(observer.received, [{ msg: 'first', id: 1 }]);
    assert.deepEqual(sender.received, [{ msg: 'first', id: 1 }]);
    assert.deepEqual(sqlite(server.db, 'SELECT id, client_offset, content FROM messages'), [
      { id: 1, client_offset: 'c-1', content: 'first' },
    ]);
  });

  it('the same clientOffset twice: both acknowledged, stored once, broadcast once', async () => {
    await sender.sendWithAck('repeated', 'c-2');
    await sender.sendWithAck('repeated', 'c-2');
    // A third message proves the pipeline moved on: anything from the repeats came before it.
    await sender.sendWithAck('after the repeat', 'c-3');
    await observer.waitFor((c) => c.received.some((m) => m.msg === 'after the repeat'), 'the message after the repeat');
    await sleep(200);
    const expected = [
      { msg: 'first', id: 1 },
      { msg: 'repeated', id: 2 },
      { msg: 'after the repeat', id: 3 },
    ];
    assert.deepEqual(observer.received, expected);
    await sender.waitForCount(3);
    assert.deepEqual(sender.received, expected);
    assert.deepEqual(sqlite(server.db, 'SELECT id, client_offset, content FROM messages ORDER BY id'), [
      { id: 1, client_offset: 'c-1', content: 'first' },
      { id: 2, client_offset: 'c-2', content: 'repeated' },
      { id: 3, client_offset: 'c-3', content: 'after the repeat' },
    ]);
  });

  it('a repeat with different content keeps the first content (the offset identifies the message)', async () => {
    await sender.sendWithAck('changed text', 'c-2');
    await sender.sendWithAck('marker', 'c-4');
    await observer.waitFor((c) => c.received.some((m) => m.msg === 'marker'), 'marker');
    assert.deepEqual(observer.received.slice(3), [{ msg: 'marker', id: 4 }]);
    assert.deepEqual(sqlite(server.db, "SELECT content FROM messages WHERE client_offset = 'c-2'"), [
      { content: 'repeated' },
    ]);
  });

  it('many concurrent repeats of the same offsets (as retries do): each stored and broadcast once', async () => {
    const offsets = Array.from({ length: 30 }, (_, i) => `burst-${i}`);
    const sends = [];
    for (let round = 0; round < 4; round++) for (const o of offsets) sends.push(sender.sendWithAck(`msg ${o}`, o));
    await Promise.all(sends);
    await sender.sendWithAck('end of burst', 'burst-end');
    await observer.waitFor((c) => c.received.some((m) => m.msg === 'end of burst'), 'end of burst');
    const burst = observer.received.filter((m) => m.msg.startsWith('msg burst-'));
    assert.equal(burst.length, offsets.length, `broadcast count: ${JSON.stringify(burst)}`);
    assert.deepEqual(new Set(burst.map((m) => m.msg)), new Set(offsets.map((o) => `msg ${o}`)));
    const rows = sqlite(server.db, "SELECT client_offset, count(*) AS n FROM messages WHERE client_offset LIKE 'burst-%' GROUP BY client_offset");
    assert.equal(rows.length, offsets.length + 1);
    assert.ok(rows.every((r) => r.n === 1));
    const ids = observer.ids();
    assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => i + 1), 'ids increasing without gaps');
  });

  it('a fresh client catches up on each message exactly once', async () => {
    const fresh = await client({ name: 'fresh', serverOffset: 0 });
    const last = observer.lastId();
    await fresh.waitForId(last);
    await sleep(100);
    assert.deepEqual(fresh.received, observer.received);
  });

  it('the server never crashed and shuts down cleanly', async () => {
    closeAll(clients);
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
  });
});
