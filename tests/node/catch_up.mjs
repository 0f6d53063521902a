// Server delivery, catch-up: on connect the server sends every stored row with
// id > auth.serverOffset (missing means 0), in order, and then live messages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanExit, startServer } from './lib/server.mjs';
import { closeAll, connectedClient } from './lib/client.mjs';

const N = 20;

describe('catch-up from auth.serverOffset', { timeout: 60000 }, () => {
  let server;
  const clients = [];
  const stored = []; // [{msg, id}] in id order
  const client = async (options) => {
    const c = await connectedClient(server.url, { describeServer: () => server.describe(), ...options });
    clients.push(c);
    return c;
  };
  // Connects a client, then sends a marker through another client: in strict delivery every
  // catch-up row arrives before the marker's broadcast, so what came before it is the catch-up.
  const catchUpOf = async (options) => {
    const c = await client(options);
    const marker = `marker-${clients.length}`;
    await sender.sendWithAck(marker, `offset-${marker}`);
    await sender.waitFor((x) => x.received.some((m) => m.msg === marker), `the marker ${marker}`);
    stored.push(sender.received.find((m) => m.msg === marker)); // stored, whatever c gets
    await c.waitFor((x) => x.received.some((m) => m.msg === marker), `the live marker ${marker} after the catch-up`, 3000);
    return c.received.slice(0, c.received.findIndex((m) => m.msg === marker));
  };
  let sender;

  before(async () => {
    server = await startServer();
    sender = await client({ name: 'sender', serverOffset: 0 });
    for (let i = 1; i <= N; i++) {
      await sender.sendWithAck(`message ${i}`, `sender-${i}`);
      await sender.waitForCount(i);
    }
    stored.push(...sender.received);
  });
  after(async () => {
    closeAll(clients);
    await server?.cleanup();
  });

  it('the sender received its own messages with ids 1..N', () => {
    assert.deepEqual(
      sender.received,
      Array.from({ length: N }, (_, i) => ({ msg: `message ${i + 1}`, id: i + 1 })),
    );
  });

  for (const k of [0, 1, 7, N - 1]) {
    it(`a new client with serverOffset=${k} receives exactly ids ${k + 1}..N in order`, async () => {
      const before = stored.slice();
      const catchUp = await catchUpOf({ serverOffset: k });
      assert.deepEqual(catchUp, before.filter((m) => m.id > k));
    });
  }

  it('serverOffset equal to the last id: nothing to catch up', async () => {
    const last = stored[stored.length - 1].id;
    assert.deepEqual(await catchUpOf({ serverOffset: last }), []);
  });

  it('serverOffset beyond the last id: no catch-up, and live messages still arrive', async () => {
    assert.deepEqual(await catchUpOf({ serverOffset: 1_000_000 }), []);
  });

  it('no serverOffset in auth (missing means 0): everything', async () => {
    const before = stored.slice();
    assert.deepEqual(await catchUpOf({ auth: {} }), before);
  });

  it('no auth object at all (missing means 0): everything', async () => {
    const before = stored.slice();
    assert.deepEqual(await catchUpOf({ auth: null }), before);
  });

  it('then live messages follow the catch-up without a gap or a repeat', async () => {
    const c = await client({ serverOffset: 5 });
    await sender.sendWithAck('live after catch-up', 'live-1');
    await sender.waitFor((x) => x.received.some((m) => m.msg === 'live after catch-up'), 'its own broadcast');
    const lastId = sender.lastId();
    await c.waitForId(lastId);
    const expected = [];
    for (let id = 6; id <= lastId; id++) expected.push(id);
    assert.deepEqual(c.ids(), expected);
  });

  it('the server never crashed and shuts down cleanly', async () => {
    closeAll(clients);
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
  });
});
