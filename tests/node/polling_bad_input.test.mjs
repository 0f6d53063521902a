// Bad input on the long-polling transport and the upgrade: each gets engine.io's JSON error
// and HTTP status (or closes only the session at fault), and the server keeps serving others.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { cleanExit, sqlite, startServer } from './lib/server.mjs';
import { closeAll, connectedClient } from './lib/client.mjs';

const RS = '\x1e';

describe('long-polling bad input', { timeout: 60000 }, () => {
  let server;
  let bystander;
  const endpoint = (query) => `${server.url}/socket.io/?EIO=4&transport=polling${query}`;
  const request = async (query, init = {}) => {
    const response = await fetch(endpoint(query), init);
    return { status: response.status, body: await response.text() };
  };
  // A polling session with a connected socket; returns its sid.
  const pollingSession = async () => {
    const open = await request('');
    assert.equal(open.status, 200);
    assert.match(open.body, /^0\{/);
    const { sid, upgrades } = JSON.parse(open.body.slice(1));
    assert.deepEqual(upgrades, ['websocket']);
    assert.deepEqual(await request(`&sid=${sid}`, { method: 'POST', body: '40{}' }), { status: 200, body: 'ok' });
    const connect = await request(`&sid=${sid}`);
    assert.match(connect.body, /^40\{"sid":"[^"]+","pid":"[^"]+"\}$/);
    return sid;
  };
  const assertError = (response, status, code) => {
    assert.equal(response.status, status, JSON.stringify(response));
    assert.equal(JSON.parse(response.body).code, code, response.body);
  };

  before(async () => {
    server = await startServer();
    bystander = await connectedClient(server.url, { name: 'bystander', transports: ['polling'] });
  });
  after(async () => {
    closeAll([bystander]);
    await server?.cleanup();
  });

  it('an unknown sid: 400, code 1 "Session ID unknown", for GET and POST', async () => {
    assertError(await request('&sid=no-such-session'), 400, 1);
    assertError(await request('&sid=no-such-session', { method: 'POST', body: '40' }), 400, 1);
  });

  it('a handshake that is not a GET: 400, code 2 "Bad handshake method"', async () => {
    assertError(await request('', { method: 'POST', body: '40' }), 400, 2);
    assertError(await request('', { method: 'PUT', body: '40' }), 400, 2);
  });

  it('another method on a session: 400, code 3', async () => {
    const sid = await pollingSession();
    assertError(await request(`&sid=${sid}`, { method: 'PUT', body: '40' }), 400, 3);
  });

  it('a wrong protocol version or transport: code 5 / code 0', async () => {
    assertError(await fetch(`${server.url}/socket.io/?EIO=3&transport=polling`).then(async (r) => ({ status: r.status, body: await r.text() })), 400, 5);
    assertError(await fetch(`${server.url}/socket.io/?EIO=4&transport=carrier-pigeon`).then(async (r) => ({ status: r.status, body: await r.text() })), 400, 0);
  });

  it('a second concurrent GET: 400, and the session closes (the first GET gets the close packet)', async () => {
    const sid = await pollingSession();
    const first = request(`&sid=${sid}`);
    await new Promise((done) => setTimeout(done, 100)); // the first GET is held by now
    assertError(await request(`&sid=${sid}`), 400, 3);
    assert.deepEqual(await first, { status: 200, body: '1' });
    assertError(await request(`&sid=${sid}`), 400, 1);
  });

  it('a POST over maxPayload: 413, nothing stored', async () => {
    // Several times and well over the limit: the client is still sending when the 413 goes
    // out, and the server must drain (not reset) the connection so the answer is read.
    const big = `42${JSON.stringify(['chat message', 'x'.repeat(3_000_000)])}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const sid = await pollingSession();
      const response = await request(`&sid=${sid}`, { method: 'POST', body: big });
      assert.equal(response.status, 413);
    }
    assert.deepEqual(sqlite(server.db, 'SELECT count(*) AS stored FROM messages WHERE length(content) > 1000'),
      [{ stored: 0 }], 'a refused POST stores nothing');
  });

  it('a POST breaking the protocol is answered ok and closes that session only', async () => {
    for (const body of ['', 'x', `40{}${RS}`, 'bAAAA', '42{"not":"an array"}']) {
      const sid = await pollingSession();
      assert.deepEqual(await request(`&sid=${sid}`, { method: 'POST', body }), { status: 200, body: 'ok' });
      assertError(await request(`&sid=${sid}`), 400, 1);
    }
  });

  it('an upgrade for an unknown sid: 400, code 1, before any WebSocket handshake', async () => {
    const wsUrl = `${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&sid=no-such-session`;
    const response = await new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_request, res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      ws.on('open', () => reject(new Error('the upgrade was accepted')));
      ws.on('error', () => {});
    });
    assertError(response, 400, 1);
  });

  it('after an upgrade, HTTP requests for that sid get 400', async () => {
    const sid = await pollingSession();
    const held = request(`&sid=${sid}`);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
    const frames = [];
    ws.on('message', (data) => frames.push(String(data)));
    await new Promise((done, fail) => {
      ws.on('open', done);
      ws.on('error', fail);
    });
    ws.send('2probe');
    assert.deepEqual(await held, { status: 200, body: '6' }, 'the held GET ends with a noop');
    while (!frames.includes('3probe')) await new Promise((done) => setTimeout(done, 10));
    ws.send('5');
    await new Promise((done) => setTimeout(done, 100));
    assertError(await request(`&sid=${sid}`), 400, 3);
    assertError(await request(`&sid=${sid}`, { method: 'POST', body: '3' }), 400, 3);
    ws.send(`42${JSON.stringify(['chat message', 'over the upgraded websocket'])}`);
    while (!frames.some((f) => f.includes('over the upgraded websocket'))) await new Promise((done) => setTimeout(done, 10));
    ws.close();
  });

  it('the bystander was never disturbed and the server shuts down cleanly', async () => {
    assert.ok(bystander.socket.connected);
    assert.equal(bystander.connects, 1);
    await bystander.sendWithAck('still here', 'bystander-1');
    await bystander.waitFor((c) => c.received.some((m) => m.msg === 'still here'), 'its own message');
    closeAll([bystander]);
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
  });
});
