// Server delivery, broadcast: `chat message` (msg) is stored, then sent to every connected
// client, the sender included, as ('chat message', msg, id).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanExit, sleep, sqlite, startServer } from './lib/server.mjs';
import { closeAll, connectedClient } from './lib/client.mjs';
import { OPCODE, openSocketIo } from './lib/raw_websocket.mjs';

describe('broadcast with ids', { timeout: 60000 }, () => {
  let server;
  let clients = [];

  before(async () => {
    server = await startServer();
    for (const name of ['alice', 'bob', 'carol']) {
      clients.push(await connectedClient(server.url, { name, describeServer: () => server.describe() }));
    }
  });
  after(async () => {
    closeAll(clients);
    await server?.cleanup();
  });

  it('every connected client, the sender included, receives each message once with its id, in order', async () => {
    const [alice, bob, carol] = clients;
    // Without acks, as in the tutorial's server-delivery step; one at a time so the order is known.
    const plan = [
      [alice, 'hello from alice'],
      [bob, 'hi alice'],
      [carol, 'hey both'],
      [alice, 'again alice'],
    ];
    for (const [i, [from, msg]] of plan.entries()) {
      from.send(msg);
      for (const c of clients) await c.waitForCount(i + 1);
    }
    const expected = plan.map(([, msg], i) => ({ msg, id: i + 1 }));
    for (const c of clients) assert.deepEqual(c.received, expected, c.name);
    assert.deepEqual(
      sqlite(server.db, 'SELECT id, content FROM messages ORDER BY id'),
      expected.map(({ msg, id }) => ({ id, content: msg })),
    );
  });

  it('concurrent senders: all clients see the same ids in the same increasing order', async () => {
    const before = clients[0].received.length;
    const perClient = 25;
    for (let i = 0; i < perClient; i++) for (const c of clients) c.send(`${c.name} #${i}`);
    const total = before + perClient * clients.length;
    for (const c of clients) await c.waitForCount(total);
    const reference = clients[0].received;
    for (const c of clients) assert.deepEqual(c.received, reference, `${c.name} differs from ${clients[0].name}`);
    const ids = reference.map((m) => m.id);
    assert.deepEqual(ids, Array.from({ length: total }, (_, i) => i + 1));
    // Each sender's own messages keep their sending order.
    for (const c of clients) {
      const own = reference.filter((m) => m.msg.startsWith(`${c.name} #`)).map((m) => m.msg);
      assert.deepEqual(own, Array.from({ length: perClient }, (_, i) => `${c.name} #${i}`));
    }
    const rows = sqlite(server.db, 'SELECT id, content FROM messages ORDER BY id');
    assert.deepEqual(rows, reference.map(({ msg, id }) => ({ id, content: msg })));
  });

  // Leaving must take effect in the server, not only in the client library (a closed
  // socket.io-client socket drops whatever still arrives). Raw clients see every frame the
  // server sends: one leaves the namespace with DISCONNECT (41) and keeps its WebSocket
  // open, so any event the server still sends it shows up; one closes its WebSocket as a
  // closing page does, and the server must answer the close and end the TCP connection.
  it('a client that left gets nothing; the others go on', async () => {
    const [alice, bob, carol] = clients;
    const [{ last }] = sqlite(server.db, 'SELECT MAX(id) AS last FROM messages');
    const dave = await openSocketIo(server.url, { serverOffset: last });
    const erin = await openSocketIo(server.url, { serverOffset: last });
    assert.match(dave.connect, /^40\{"sid":/);
    assert.match(erin.connect, /^40\{"sid":/);
    const events = (raw) => raw.ws.log.filter((text) => text.startsWith('42'));

    // While joined, dave receives broadcasts: the check below is not vacuous.
    alice.send('before they left');
    await dave.ws.waitUntil(() => events(dave).length === 1, 'the broadcast while joined', 5000);
    // (With recovery on, the recovery offset follows as a fourth argument.)
    assert.deepEqual(JSON.parse(events(dave)[0].slice(2)).slice(0, 3), ['chat message', 'before they left', last + 1]);

    dave.ws.sendText('41');
    erin.ws.sendFrame({ opcode: OPCODE.close, payload: Buffer.from([0x03, 0xe8]) }); // 1000: normal closure
    const erinClosed = await erin.ws.closed(3000);
    assert.equal(erinClosed.how, 'close frame', 'the server answered the close handshake');
    await erin.ws.waitUntil(() => erin.ws.closeInfo.tcpClosed, 'the server to end the TCP connection', 3000);
    carol.close();
    const carolCount = carol.received.length;

    alice.send('after they left');
    await alice.waitForCount(carolCount + 1);
    await bob.waitForCount(carolCount + 1);
    // The broadcast went out to every session in one pass; give a frame for dave time to arrive.
    await sleep(300);
    assert.equal(carol.received.length, carolCount);
    assert.equal(events(dave).length, 1, `dave left the namespace but received ${JSON.stringify(events(dave))}`);
    assert.equal(dave.ws.closeInfo, null, 'leaving the namespace keeps the Engine.IO session (as socket.io does)');
    dave.ws.destroy();
    clients = [alice, bob];
  });

  it('the server never crashed and shuts down cleanly', async () => {
    closeAll(clients);
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
  });
});
