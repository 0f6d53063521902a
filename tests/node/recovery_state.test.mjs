// Connection state recovery (socket.io >= 4.6 `connectionStateRecovery`) with the real
// socket.io-client: a recoverable disconnect (socket.io.engine.close()) comes back with
// socket.recovered === true, its old id, and exactly the messages it missed; and the known
// field failures fall back to a fresh socket whose database catch-up leaves no gap.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanExit, sqlite, startServer } from './lib/server.mjs';
import { closeAll, connectedClient, orderingProblems } from './lib/client.mjs';
import { openSocketIo } from './lib/raw_websocket.mjs';

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const transportsUnderTest = [
  { name: 'websocket', transports: ['websocket'] },
  { name: 'polling', transports: ['polling'] },
  { name: 'polling then upgrade', transports: ['polling', 'websocket'] },
];

// The offset socket.io appends as the last argument of every recoverable event.
function recordOffsets(client) {
  client.offsets = [];
  client.socket.on('chat message', (...args) => client.offsets.push(args[args.length - 1]));
}

describe('connection state recovery', { timeout: 120000 }, () => {
  let server;
  // The highest stored id: what a client that has everything has received last.
  const headId = () => sqlite(server.db, 'SELECT coalesce(max(id), 0) AS head FROM messages')[0].head;
  const clients = [];
  const client = async (options = {}) => {
    const c = await connectedClient(server.url, { describeServer: () => server.describe(), ...options });
    clients.push(c);
    return c;
  };
  after(async () => {
    closeAll(clients);
    await server?.cleanup();
  });

  for (const { name, transports } of transportsUnderTest) {
    it(`over ${name}: engine.close(), messages meanwhile, reconnect: recovered, nothing missing or twice`, async () => {
      server ??= await startServer();
      const writer = await client({ name: `writer-${name}`, reconnection: false });
      const first = headId();
      const reader = await client({
        name: `reader-${name}`,
        transports,
        serverOffset: first,
        reconnectionDelay: 1500,
        reconnectionDelayMax: 1500,
      });
      recordOffsets(reader);
      for (let i = 1; i <= 3; i++) await writer.sendWithAck(`${name} before ${i}`, `${name}-b-${i}`);
      const beforeId = headId();
      await reader.waitForId(beforeId);
      assert.equal(typeof reader.offsets.at(-1), 'string', 'events carry a string offset as their last argument');
      const oldId = reader.socket.id;
      assert.equal(reader.socket.recovered, false);

      reader.socket.io.engine.close(); // a transport close: recoverable
      await reader.waitFor((c) => c.disconnectReasons.length >= 1, 'the disconnect');
      // The client names it "forced close"; the server sees its transport close, which is recoverable.
      assert.equal(reader.disconnectReasons[0], 'forced close');
      for (let i = 1; i <= 4; i++) await writer.sendWithAck(`${name} while away ${i}`, `${name}-w-${i}`);
      const awayId = headId();
      assert.equal(reader.connects, 1, 'still away while the messages were sent');

      await reader.waitForConnect(2, 15000);
      await reader.waitForId(awayId);
      assert.equal(reader.socket.recovered, true, reader.summary());
      assert.equal(reader.socket.id, oldId, 'the old socket id is restored');
      writer.send(`${name} live`);
      await reader.waitForId(awayId + 1);
      assert.deepEqual(reader.ids(), range(first + 1, awayId + 1), reader.summary());
      assert.deepEqual(orderingProblems(reader.ids()), { duplicates: [], inversions: [] });
      reader.close();
      writer.close();
    });
  }

  it('a client that has received nothing yet is not recovered, and misses nothing', async () => {
    const writer = await client({ name: 'writer-nothing', reconnection: false });
    const head = headId();
    const reader = await client({ name: 'reader-nothing', serverOffset: head, reconnectionDelay: 1500, reconnectionDelayMax: 1500 });
    reader.socket.io.engine.close();
    await reader.waitFor((c) => c.disconnectReasons.length >= 1, 'the disconnect');
    await writer.sendWithAck('sent while the empty reader was away', 'nothing-1');
    await reader.waitForConnect(2, 15000);
    await reader.waitForId(head + 1);
    assert.equal(reader.socket.recovered, false);
    assert.deepEqual(reader.ids(), [head + 1]);
    reader.close();
    writer.close();
  });

  it('a client back before the server noticed the old connection died: fresh socket, catch-up, exactly once', async () => {
    const writer = await client({ name: 'writer-early', reconnection: false });
    const original = await client({ name: 'original', serverOffset: headId(), reconnection: false });
    recordOffsets(original);
    await writer.sendWithAck('seen by the original', 'early-1');
    await original.waitForId(headId());
    // The same browser tab's state arriving on a new connection while the old one is open on
    // the server: what socket.io-client sends after a silent network change.
    // Its state as it was before the next message: what the returning client knows.
    const pid = original.socket._pid;
    const seenId = original.lastId();
    const seenOffset = original.offsets.at(-1);
    assert.equal(typeof pid, 'string');
    await writer.sendWithAck('sent before the return', 'early-2');
    const returning = await client({
      name: 'returning',
      auth: { serverOffset: seenId, pid, offset: seenOffset },
      reconnection: false,
    });
    await returning.waitForId(headId());
    assert.equal(returning.socket.recovered, false);
    assert.notEqual(returning.socket.id, original.socket.id);
    assert.deepEqual(returning.ids(), [headId()]);
    original.close();
    returning.close();
    writer.close();
  });

  it('a forged pid or offset: fresh socket, no data of another session beyond its own catch-up', async () => {
    const writer = await client({ name: 'writer-forged', reconnection: false });
    await writer.sendWithAck('forged check', 'forged-1');
    const head = headId();
    const victim = await client({ name: 'victim', serverOffset: head, reconnection: false });
    recordOffsets(victim);
    await writer.sendWithAck('to the victim', 'forged-2');
    await victim.waitForId(head + 1);
    const forgeries = [
      { pid: 'AAAAAAAAAAAAAAAAAAAA', offset: victim.offsets.at(-1) },
      { pid: victim.socket._pid, offset: 'forged-offset' },
      { pid: 12345, offset: { $gt: '' } },
    ];
    for (const forged of forgeries) {
      const attacker = await client({ name: 'attacker', auth: { serverOffset: head + 1, ...forged }, reconnection: false });
      await writer.sendWithAck(`after forgery ${JSON.stringify(forged)}`, `forged-after-${clients.length}`);
      await attacker.waitForId(headId());
      assert.equal(attacker.socket.recovered, false);
      assert.notEqual(attacker.socket.id, victim.socket.id);
      assert.deepEqual(attacker.ids(), range(head + 2, headId()), attacker.summary());
      attacker.close();
    }
    assert.ok(victim.socket.connected, 'the victim was not disturbed');
    victim.close();
    writer.close();
  });

  it('the server never crashed and shuts down cleanly', async () => {
    closeAll(clients);
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
  });
});

describe('connection state recovery across a server restart', { timeout: 60000 }, () => {
  let server;
  const clients = [];
  after(async () => {
    closeAll(clients);
    await server?.cleanup();
  });

  it('recovery fails cleanly and the database catch-up fills the gap', async () => {
    server = await startServer();
    const describeServer = () => server.describe();
    const reader = await connectedClient(server.url, { name: 'reader', reconnectionDelay: 1500, reconnectionDelayMax: 1500, describeServer });
    const writer = await connectedClient(server.url, { name: 'writer', reconnection: false, describeServer });
    clients.push(reader, writer);
    for (let i = 1; i <= 3; i++) await writer.sendWithAck(`before ${i}`, `r-${i}`);
    await reader.waitForId(3);
    await server.restart();
    const writer2 = await connectedClient(server.url, { name: 'writer2', serverOffset: 3, reconnection: false, describeServer });
    clients.push(writer2);
    for (let i = 4; i <= 6; i++) await writer2.sendWithAck(`after restart ${i}`, `r-${i}`);
    await reader.waitForConnect(2, 15000);
    await reader.waitForId(6);
    assert.equal(reader.socket.recovered, false);
    assert.deepEqual(reader.ids(), range(1, 6));
  });
});

describe('--no-recovery', { timeout: 60000 }, () => {
  let server;
  const clients = [];
  after(async () => {
    closeAll(clients);
    await server?.cleanup();
  });

  it('no pid, no offset argument; a transport close reconnects fresh and catches up from the database', async () => {
    server = await startServer({ flags: ['--no-recovery'] });
    const describeServer = () => server.describe();
    const reader = await connectedClient(server.url, { name: 'reader', reconnectionDelay: 1500, reconnectionDelayMax: 1500, describeServer });
    const writer = await connectedClient(server.url, { name: 'writer', reconnection: false, describeServer });
    clients.push(reader, writer);
    const argumentCounts = [];
    reader.socket.on('chat message', (...args) => argumentCounts.push(args.length));
    await writer.sendWithAck('one', 'n-1');
    await reader.waitForId(1);
    assert.deepEqual(argumentCounts, [2]);
    assert.equal(reader.socket._pid, undefined);
    reader.socket.io.engine.close();
    await reader.waitFor((c) => c.disconnectReasons.length >= 1, 'the disconnect');
    await writer.sendWithAck('two', 'n-2');
    await reader.waitForConnect(2, 15000);
    await reader.waitForId(2);
    assert.ok(!reader.socket.recovered);
    assert.deepEqual(reader.ids(), [1, 2]);
  });
});

// A pid lets whoever presents it take over a socket's missed events, so the ids come from the
// kernel's CSPRNG (128 bits, base64url), not from a PRNG an observer could reconstruct: two
// servers started the same way share no id, and no id repeats.
describe('session ids and pids', { timeout: 60000 }, () => {
  const servers = [];
  after(async () => {
    for (const server of servers) await server.cleanup();
  });

  it('are 128-bit base64url values, all distinct across two servers started alike', async () => {
    const ID = /^[A-Za-z0-9_-]{22}$/; // 16 bytes, unpadded base64url
    const seen = new Map();
    const note = (id, what) => {
      assert.match(id, ID, what);
      assert.ok(!seen.has(id), `${what} ${id} repeats ${seen.get(id)}`);
      seen.set(id, what);
    };
    for (const name of ['first', 'second']) {
      const server = await startServer();
      servers.push(server);
      for (let i = 0; i < 10; i++) {
        const response = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
        const body = await response.text();
        note(JSON.parse(body.slice(1)).sid, `${name} server, polling sid ${i}`);
      }
      const { ws, open, connect } = await openSocketIo(server.url);
      note(open.sid, `${name} server, WebSocket sid`);
      const reply = JSON.parse(connect.slice(2));
      note(reply.sid, `${name} server, socket id`);
      note(reply.pid, `${name} server, pid`);
      ws.destroy();
    }
    assert.equal(seen.size, 2 * 13);
  });
});
