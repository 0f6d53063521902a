// The delivery checks of the WebSocket tests over the real socket.io-client 4.x with its default transports
// (HTTP long-polling first, then the upgrade to WebSocket) and with long-polling only:
// catch-up from an offset, broadcast with ids, acked delivery with a repeated clientOffset,
// and reconnect after the server side dropped the connection.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanExit, sleep, sqlite, startServer } from './lib/server.mjs';
import { closeAll, connectedClient, orderingProblems } from './lib/client.mjs';

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const variants = [
  // undefined: the client's own default, ["polling", "websocket"], as the tutorial's page uses.
  { name: 'default transports (polling, then upgrade)', transports: undefined, finalTransport: 'websocket' },
  { name: 'transports: ["polling"] only', transports: ['polling'], finalTransport: 'polling' },
];

for (const variant of variants) {
  describe(`socket.io-client with ${variant.name}`, { timeout: 90000 }, () => {
    let server;
    const clients = [];
    const client = async (options = {}) => {
      const c = await connectedClient(server.url, {
        describeServer: () => server.describe(),
        transports: variant.transports ?? ['polling', 'websocket'],
        ...options,
      });
      clients.push(c);
      return c;
    };
    // Polled: an upgrade emits no event the client helper's waitFor listens to.
    const waitForTransport = async (c, name, timeoutMs = 10000) => {
      const deadline = Date.now() + timeoutMs;
      while (c.socket.io.engine?.transport?.name !== name) {
        if (Date.now() > deadline) throw new Error(`${c.name}: still on ${c.socket.io.engine?.transport?.name}, expected ${name}`);
        await sleep(20);
      }
    };

    after(async () => {
      closeAll(clients);
      await server?.cleanup();
    });

    it('starts on long-polling and ends on the expected transport', async () => {
      server = await startServer();
      const c = await client({ name: 'transport-check' });
      await waitForTransport(c, variant.finalTransport);
      if (variant.finalTransport === 'polling') {
        await sleep(500); // an upgrade would have happened by now
        assert.equal(c.socket.io.engine.transport.name, 'polling');
      }
    });

    it('broadcast with ids: every client receives ("chat message", msg, id) in order', async () => {
      const a = await client({ name: 'a' });
      const b = await client({ name: 'b' });
      for (let i = 1; i <= 5; i++) a.send(`broadcast ${i}`);
      await a.waitForId(5);
      await b.waitForId(5);
      for (const c of [a, b]) {
        assert.deepEqual(c.ids(), range(1, 5), c.summary());
        assert.deepEqual(c.received.map((m) => m.msg), range(1, 5).map((i) => `broadcast ${i}`));
      }
    });

    it('catch-up from auth.serverOffset: exactly the rows after it, in order, then live', async () => {
      const late = await client({ name: 'late', serverOffset: 2 });
      await late.waitForId(5);
      const writer = clients.find((c) => c.name === 'a');
      await writer.sendWithAck('live after catch-up', 'catch-up-live');
      await late.waitForId(6);
      assert.deepEqual(late.ids(), range(3, 6));
    });

    it('acked client delivery: a repeated clientOffset is acknowledged, stored once, broadcast once', async () => {
      const sender = await client({ name: 'sender', serverOffset: 6 });
      assert.equal(await sender.sendWithAck('acked', 'c-1'), undefined);
      assert.equal(await sender.sendWithAck('acked', 'c-1'), undefined);
      await sender.sendWithAck('after the repeat', 'c-2');
      await sender.waitForId(8);
      await sleep(200);
      assert.deepEqual(sender.ids(), [7, 8]);
      assert.deepEqual(sqlite(server.db, "SELECT id, content FROM messages WHERE client_offset IN ('c-1','c-2') ORDER BY id"), [
        { id: 7, content: 'acked' },
        { id: 8, content: 'after the repeat' },
      ]);
    });

    it('reconnect after the server drops the connection: what was missed arrives once, in order', async () => {
      const reader = await client({ name: 'reader', reconnectionDelay: 1500, reconnectionDelayMax: 1500 });
      await reader.waitForId(8);
      await server.kill('SIGKILL');
      await reader.waitFor((c) => c.disconnectReasons.length >= 1, 'the reader to notice the drop');
      await server.restart();
      const writer = await client({ name: 'writer-after-restart', serverOffset: 8, reconnection: false });
      for (let i = 9; i <= 11; i++) await writer.sendWithAck(`while away ${i}`, `away-${i}`);
      assert.equal(reader.connects, 1, 'the reader had not reconnected yet');
      await reader.waitForConnect(2, 15000);
      await reader.waitForId(11);
      writer.send('live 12');
      await reader.waitForId(12);
      assert.deepEqual(reader.ids(), range(1, 12), reader.summary());
      assert.deepEqual(orderingProblems(reader.ids()), { duplicates: [], inversions: [] });
      await waitForTransport(reader, variant.finalTransport);
    });

    it('the server never crashed and shuts down cleanly', async () => {
      closeAll(clients);
      const info = await server.stop();
      assert.deepEqual(server.unexpectedExits(), [], server.describe());
      assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
    });
  });
}

// Protocol parity with socket.io 4.8 on the wire: a long-polling client that sends the
// Engine.IO close packet (1) in a POST gets its held GET answered with a noop (6), as
// engine.io's Polling.onClose does, and the session is gone afterwards.
describe('a polling client closes its session', { timeout: 30000 }, () => {
  let server;
  after(async () => {
    await server?.cleanup();
  });

  it('the held GET ends with a noop (6), the POST with ok, and the sid is unknown afterwards', async () => {
    server = await startServer();
    const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
    const handshake = await (await fetch(base)).text();
    const { sid } = JSON.parse(handshake.slice(1));
    const url = `${base}&sid=${encodeURIComponent(sid)}`;
    assert.equal(await (await fetch(url, { method: 'POST', body: '40{"serverOffset":0}' })).text(), 'ok');
    assert.match(await (await fetch(url)).text(), /^40\{"sid":/);

    const held = fetch(url).then(async (response) => ({ status: response.status, body: await response.text() }));
    await sleep(100); // the GET is held: nothing is queued for it
    const post = await fetch(url, { method: 'POST', body: '1' });
    assert.equal(post.status, 200);
    assert.equal(await post.text(), 'ok');
    assert.deepEqual(await held, { status: 200, body: '6' });

    const after = await fetch(url);
    assert.equal(after.status, 400);
    assert.deepEqual(await after.json(), { code: 1, message: 'Session ID unknown' });
  });

  it('the server never crashed and shuts down cleanly', async () => {
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
  });
});
