// Bad input over a raw WebSocket (lib/raw_websocket.mjs), so that what no real client sends
// can be sent: malformed Engine.IO and Socket.IO packets, bad EVENT payloads, frames over
// maxPayload, invalid UTF-8, binary frames, bad serverOffsets, no CONNECT, unknown namespaces.
// Each one gets the protocol's error or a clean close of that one connection, while a normal
// socket.io-client keeps working and the stored rows stay exactly as they were.
// Then SQL metacharacters and a 100 KB string as content: stored and echoed exactly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanExit, sqlite, startServer } from './lib/server.mjs';
import { closeAll, connectedClient } from './lib/client.mjs';
import { OPCODE, openEngineIo, openSocketIo } from './lib/raw_websocket.mjs';

const MAX_PAYLOAD = 1000;
const CONNECT_TIMEOUT_MS = 300;
const CLOSE_WAIT_MS = 3000;

describe(`bad input (--max-payload-bytes ${MAX_PAYLOAD} --connect-timeout-ms ${CONNECT_TIMEOUT_MS})`, { timeout: 110000 }, () => {
  let server;
  let observer; // a normal socket.io-client that must keep working throughout
  const sockets = [];
  const expected = []; // contents stored, in id order
  let checks = 0;

  // The observer sends an acked message and sees its broadcast; the table holds exactly
  // what was stored on purpose.
  async function assertServerStillServes(label) {
    const msg = `still serving after ${label}`;
    await observer.sendWithAck(msg, `check-${++checks}`);
    await observer.waitFor((c) => c.received.some((m) => m.msg === msg), `the broadcast of "${msg}"`);
    expected.push(msg);
    const rows = sqlite(server.db, 'SELECT id, content FROM messages ORDER BY id');
    assert.deepEqual(rows.map((r) => r.content), expected, `stored rows after ${label}`);
    assert.deepEqual(rows.map((r) => r.id), observer.ids(), `ids after ${label}`);
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
  }

  // An Engine.IO session connected to "/" with no catch-up (serverOffset = last id).
  async function rawConnected() {
    const session = await openSocketIo(server.url, { serverOffset: observer.maxId() });
    sockets.push(session.ws);
    assert.match(session.connect, /^40\{"sid":"[^"]+"/, 'CONNECT reply');
    return session.ws;
  }
  async function rawOpen() {
    const session = await openEngineIo(server.url);
    sockets.push(session.ws);
    return session;
  }
  async function expectClose(ws, label) {
    try {
      return await ws.closed(CLOSE_WAIT_MS);
    } catch (error) {
      throw new Error(`${label}: the server did not close the connection: ${error.message}\n${server.describe()}`);
    }
  }
  // A CONNECT_ERROR packet `44{"message":...}` (for namespace "/"), or a close of the connection.
  async function expectConnectErrorOrClose(ws, label) {
    try {
      const text = await ws.nextText(CLOSE_WAIT_MS);
      assert.match(text, /^44\{/, `${label}: expected CONNECT_ERROR, got ${JSON.stringify(text)}`);
      assert.equal(typeof JSON.parse(text.slice(2)).message, 'string', `${label}: CONNECT_ERROR has a message`);
      return { connectError: text };
    } catch (error) {
      if (error.closeInfo) return { closed: error.closeInfo };
      throw error;
    }
  }

  before(async () => {
    server = await startServer({
      flags: ['--max-payload-bytes', String(MAX_PAYLOAD), '--connect-timeout-ms', String(CONNECT_TIMEOUT_MS)],
    });
    observer = await connectedClient(server.url, { name: 'observer', describeServer: () => server.describe() });
    for (let i = 1; i <= 3; i++) {
      await observer.sendWithAck(`baseline ${i}`, `baseline-${i}`);
      expected.push(`baseline ${i}`);
    }
    await observer.waitForCount(3);
  });
  after(async () => {
    for (const ws of sockets) ws.destroy();
    closeAll([observer]);
    await server?.cleanup();
  });

  it('the open packet announces sid, no upgrades, the heartbeat and maxPayload', async () => {
    const { ws, open } = await rawOpen();
    assert.equal(typeof open.sid, 'string');
    assert.ok(open.sid.length > 0);
    assert.deepEqual(open.upgrades, []);
    assert.equal(typeof open.pingInterval, 'number');
    assert.equal(typeof open.pingTimeout, 'number');
    assert.equal(open.maxPayload, MAX_PAYLOAD);
    ws.destroy();
  });

  describe('malformed Engine.IO packets close that connection', () => {
    for (const packet of ['', '9', 'x', '7abc', '{"type":4}', ' 4']) {
      it(`text frame ${JSON.stringify(packet)}`, async () => {
        const ws = await rawConnected();
        ws.sendText(packet);
        await expectClose(ws, JSON.stringify(packet));
        await assertServerStillServes(`Engine.IO packet ${JSON.stringify(packet)}`);
      });
    }
  });

  describe('malformed Socket.IO packets close that connection', () => {
    for (const packet of ['4', '49', '4x', '4-', '42[broken', '42["chat message","unterminated', '42["chat message","x"]trailing', '4/,']) {
      it(`message ${JSON.stringify(packet)}`, async () => {
        const ws = await rawConnected();
        ws.sendText(packet);
        await expectClose(ws, JSON.stringify(packet));
        await assertServerStillServes(`Socket.IO packet ${JSON.stringify(packet)}`);
      });
    }
  });

  describe('EVENT payloads that are not arrays, or whose first element is not a string, close that connection', () => {
    for (const packet of ['42{"chat message":"x"}', '42"chat message"', '42[]', '42[1,"x"]', '42[null,"x"]', '42[["chat message"],"x"]', '42true', '421']) {
      it(`event ${JSON.stringify(packet)}`, async () => {
        const ws = await rawConnected();
        ws.sendText(packet);
        await expectClose(ws, JSON.stringify(packet));
        await assertServerStillServes(`EVENT ${JSON.stringify(packet)}`);
      });
    }
  });

  describe('frames over maxPayload', () => {
    it(`a message just under maxPayload (${MAX_PAYLOAD} bytes) is accepted`, async () => {
      const ws = await rawConnected();
      const content = 'u'.repeat(MAX_PAYLOAD - 100);
      ws.sendText(`42${JSON.stringify(['chat message', content])}`);
      const broadcast = await ws.nextText();
      const [event, msg, id] = JSON.parse(broadcast.slice(2));
      assert.deepEqual([event, msg], ['chat message', content]);
      await observer.waitForId(id);
      expected.push(content);
      ws.destroy();
      await assertServerStillServes('a message under maxPayload');
    });
    for (const [kind, send] of [
      ['text', (ws) => ws.sendText(`42${JSON.stringify(['chat message', 'o'.repeat(MAX_PAYLOAD * 2)])}`)],
      ['text (64 KB)', (ws) => ws.sendText(`42${JSON.stringify(['chat message', 'o'.repeat(64 * 1024)])}`)],
      ['binary', (ws) => ws.sendBinary(Buffer.alloc(MAX_PAYLOAD * 2, 0x41))],
      ['fragmented text', (ws) => {
        const text = `42${JSON.stringify(['chat message', 'f'.repeat(MAX_PAYLOAD * 2)])}`;
        ws.sendFrame({ opcode: OPCODE.text, payload: text.slice(0, 900), fin: false });
        ws.sendFrame({ opcode: OPCODE.continuation, payload: text.slice(900), fin: true });
      }],
    ]) {
      it(`a ${kind} message over maxPayload closes that connection and is not stored`, async () => {
        const ws = await rawConnected();
        send(ws);
        const info = await expectClose(ws, `${kind} over maxPayload`);
        assert.equal(info.code, 1009, `close code (1009: message too big): ${JSON.stringify(info)}`);
        await assertServerStillServes(`a ${kind} message over maxPayload`);
      });
    }
  });

  describe('invalid UTF-8 in a text frame closes that connection', () => {
    for (const [name, bytes] of [
      ['0xff 0xfe', [0xff, 0xfe]],
      ['truncated sequence', [0xc3]],
      ['overlong encoding of "/"', [0xc0, 0xaf]],
      ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ]) {
      it(name, async () => {
        const ws = await rawConnected();
        ws.sendText(Buffer.concat([Buffer.from('42["chat message","bad '), Buffer.from(bytes), Buffer.from('"]')]));
        const info = await expectClose(ws, `invalid UTF-8 (${name})`);
        assert.equal(info.code, 1007, `close code (1007: invalid frame payload data): ${JSON.stringify(info)}`);
        await assertServerStillServes(`invalid UTF-8 (${name})`);
      });
    }
  });

  describe('a binary frame where text is expected closes that connection', () => {
    for (const [name, payload] of [
      ['a chat message as binary', Buffer.from('42["chat message","binary"]')],
      ['random bytes', Buffer.from([0, 1, 2, 250, 251, 252])],
    ]) {
      it(name, async () => {
        const ws = await rawConnected();
        ws.sendBinary(payload);
        await expectClose(ws, name);
        await assertServerStillServes(`binary frame (${name})`);
      });
    }
    it('before CONNECT', async () => {
      const { ws } = await rawOpen();
      ws.sendBinary(Buffer.from('40{}'));
      await expectClose(ws, 'binary before CONNECT');
      await assertServerStillServes('binary frame before CONNECT');
    });
  });

  describe('WebSocket protocol violations close that connection', () => {
    for (const [name, send] of [
      ['an unmasked client frame', (ws) => ws.sendFrame({ opcode: OPCODE.text, payload: '42["chat message","unmasked"]', mask: false })],
      ['a reserved opcode', (ws) => ws.sendFrame({ opcode: 3, payload: 'x' })],
      ['a reserved bit set', (ws) => ws.sendFrame({ opcode: OPCODE.text, payload: '42["chat message","rsv"]', rsv: 4 })],
      ['a continuation without a start', (ws) => ws.sendFrame({ opcode: OPCODE.continuation, payload: 'x' })],
    ]) {
      it(name, async () => {
        const ws = await rawConnected();
        send(ws);
        await expectClose(ws, name);
        await assertServerStillServes(name);
      });
    }
  });

  describe('a bad serverOffset gets CONNECT_ERROR', () => {
    for (const auth of [
      '{"serverOffset":"abc"}',
      '{"serverOffset":"12abc"}',
      '{"serverOffset":-5}',
      '{"serverOffset":1e300}',
      '{"serverOffset":123456789012345678901234567890}',
      '{"serverOffset":true}',
      '{"serverOffset":[1]}',
      '{"serverOffset":{"$gt":0}}',
    ]) {
      it(`auth ${auth}`, async () => {
        const { ws } = await rawOpen();
        ws.sendText(`40${auth}`);
        const text = await ws.nextText(CLOSE_WAIT_MS).catch((error) => {
          throw new Error(`expected CONNECT_ERROR for ${auth}: ${error.message}`);
        });
        assert.match(text, /^44\{/, `CONNECT_ERROR for ${auth}`);
        const payload = JSON.parse(text.slice(2));
        assert.equal(typeof payload.message, 'string');
        ws.destroy();
        await assertServerStillServes(`auth ${auth}`);
      });
    }
    it('a CONNECT whose auth is not an object: CONNECT_ERROR or close', async () => {
      for (const packet of ['40"abc"', '40[1]', '40{broken']) {
        const { ws } = await rawOpen();
        ws.sendText(packet);
        await expectConnectErrorOrClose(ws, packet);
        ws.destroy();
      }
      await assertServerStillServes('CONNECT with a bad auth payload');
    });
  });

  it(`no CONNECT within --connect-timeout-ms ${CONNECT_TIMEOUT_MS}: the server closes the connection`, async () => {
    const started = Date.now();
    const { ws } = await rawOpen();
    await expectClose(ws, 'no CONNECT');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= CONNECT_TIMEOUT_MS - 50, `closed after ${elapsed} ms, before the timeout`);
    assert.ok(elapsed < CONNECT_TIMEOUT_MS + 2500, `closed only after ${elapsed} ms`);
    await assertServerStillServes('no CONNECT');
  });

  it('a connected session is not closed by the CONNECT timeout', async () => {
    const ws = await rawConnected();
    await new Promise((done) => setTimeout(done, CONNECT_TIMEOUT_MS * 3));
    assert.equal(ws.closeInfo, null, `closed: ${JSON.stringify(ws.closeInfo)}`);
    ws.sendText(`42${JSON.stringify(['chat message', 'after the connect timeout'])}`);
    const [, msg, id] = JSON.parse((await ws.nextText()).slice(2));
    assert.equal(msg, 'after the connect timeout');
    await observer.waitForId(id);
    expected.push(msg);
    ws.destroy();
    await assertServerStillServes('a session older than the connect timeout');
  });

  it('an unknown namespace gets 44/x,{"message":"Invalid namespace"}; "/" still connects on that session', async () => {
    const { ws } = await rawOpen();
    ws.sendText('40/x,');
    assert.equal(await ws.nextText(), '44/x,{"message":"Invalid namespace"}');
    ws.sendText('40/admin,{"serverOffset":0}');
    assert.equal(await ws.nextText(), '44/admin,{"message":"Invalid namespace"}');
    ws.sendText(`40${JSON.stringify({ serverOffset: observer.maxId() })}`);
    assert.match(await ws.nextText(), /^40\{"sid":"[^"]+"/);
    ws.destroy();
    await assertServerStillServes('an unknown namespace');
  });

  it('the server never crashed and shuts down cleanly; the stored rows are exactly the ones sent on purpose', async () => {
    for (const ws of sockets) ws.destroy();
    closeAll([observer]);
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
    assert.deepEqual(sqlite(server.db, 'SELECT content FROM messages ORDER BY id').map((r) => r.content), expected);
  });
});

describe('SQL metacharacters and large strings as content are stored and echoed exactly', { timeout: 60000 }, () => {
  let server;
  const clients = [];
  const large = Array.from({ length: 100 * 1024 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[i % 36]).join('');
  const contents = [
    "'); DROP TABLE messages; --",
    '" OR "1"="1',
    "Robert'); DELETE FROM messages WHERE ('1'='1",
    "x' UNION SELECT id, client_offset, content FROM messages --",
    '%_\\ LIKE wildcards and a backslash \\\\',
    'quotes \' " ` and ;; semicolons',
    'line\nbreak\r\nand\ttab',
    'NUL \u0000 inside',
    'unicode: héllo wörld ✓ 🎉 中文 \u2028',
    '',
    large,
    `${'ü'.repeat(50 * 1024)}`, // 100 KB of two-byte characters
  ];

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    closeAll(clients);
    await server?.cleanup();
  });

  it('each content is acknowledged, broadcast exactly, stored exactly and caught up exactly', async () => {
    const describeServer = () => server.describe();
    const sender = await connectedClient(server.url, { name: 'sender', describeServer });
    const observer = await connectedClient(server.url, { name: 'observer', describeServer });
    clients.push(sender, observer);
    for (const [i, content] of contents.entries()) {
      await sender.sendWithAck(content, `'; DROP TABLE messages; -- ${i}`);
      await observer.waitForCount(i + 1);
    }
    assert.deepEqual(observer.received.map((m) => m.msg), contents, 'broadcast contents');
    assert.deepEqual(observer.ids(), contents.map((_, i) => i + 1));
    const rows = sqlite(server.db, 'SELECT id, client_offset, length(CAST(content AS BLOB)) AS bytes, hex(content) AS hex FROM messages ORDER BY id');
    assert.equal(rows.length, contents.length);
    for (const [i, row] of rows.entries()) {
      assert.equal(row.client_offset, `'; DROP TABLE messages; -- ${i}`);
      assert.equal(row.bytes, Buffer.byteLength(contents[i]), `stored bytes of content ${i}`);
      assert.equal(row.hex, Buffer.from(contents[i], 'utf8').toString('hex').toUpperCase(), `stored content ${i}`);
    }
    const fresh = await connectedClient(server.url, { name: 'fresh', serverOffset: 0, describeServer });
    clients.push(fresh);
    await fresh.waitForCount(contents.length);
    assert.deepEqual(fresh.received, observer.received, 'catch-up');
  });

  it('the server never crashed and shuts down cleanly', async () => {
    closeAll(clients);
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
  });
});
