// Limits and access against the real binaries: `resync serve --max-connections` (TCP
// connections and Engine.IO sessions, 503), `--per-ip-connections-per-second-max` (429) and
// `--allowed-origins` (403), each refusal an Engine.IO JSON error naming the flag, over raw
// HTTP, a raw WebSocket (lib/raw_websocket.mjs) and the real socket.io-client; a flood beyond
// the cap does not hold the server's file descriptors; the server and `resync proxy`'s
// listeners bind loopback by default and refuse a non-loopback address without the flag.
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { io } from 'socket.io-client';

import { cleanExit, resyncBinary, sleep, startServer } from './lib/server.mjs';
import { RawWebSocket } from './lib/raw_websocket.mjs';

const POLLING = '/socket.io/?EIO=4&transport=polling';
const WEBSOCKET = '/socket.io/?EIO=4&transport=websocket';

// One HTTP request on a connection of its own that closes after the answer (agent: false,
// Connection: close): a long-polling session then has no live TCP connection.
function httpRequest(url, path, { method = 'GET', headers = {}, body } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: hostname, port: Number(port), path, method, agent: false, headers: { Connection: 'close', ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: text }));
      },
    );
    request.on('error', reject);
    request.setTimeout(5000, () => request.destroy(new Error(`${method} ${path} timed out`)));
    if (body !== undefined) request.write(body);
    request.end();
  });
}

// Bytes as they are, header values no HTTP library would send: resolves with the status and
// body of the answer.
function rawHttp(url, requestBytes) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => socket.write(requestBytes));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => (received = Buffer.concat([received, chunk])));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('raw HTTP request timed out')));
    socket.on('close', () => {
      const text = received.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      resolve({ status: Number(text.split(' ')[1]), body: end < 0 ? '' : text.slice(end + 4) });
    });
  });
}

// An Engine.IO JSON error: the status, code 4 and a message containing every one of `parts`.
function assertRefusal(response, status, parts) {
  assert.equal(response.status, status, JSON.stringify(response));
  const error = JSON.parse(response.body);
  assert.equal(error.code, 4, response.body);
  for (const part of parts) assert.ok(error.message.includes(part), `"${part}" in ${error.message}`);
}

async function refusedWebSocket(url, options) {
  const error = await RawWebSocket.connect(url, options).then(
    (socket) => {
      socket.socket.destroy();
      throw new Error('the WebSocket handshake was accepted');
    },
    (refusal) => refusal,
  );
  assert.ok(error.status, `a refusal with an HTTP status, not ${error.message}`);
  return { status: error.status, body: error.body };
}

// The real client's connect_error: polling reports the HTTP status as `description`.
function firstConnectError(url, options) {
  const socket = io(url, { forceNew: true, reconnection: false, timeout: 5000, ...options });
  return new Promise((resolve, reject) => {
    socket.on('connect', () => {
      socket.close();
      reject(new Error('socket.io-client connected'));
    });
    socket.on('connect_error', (error) => {
      socket.close();
      resolve(error);
    });
  });
}

function connectedSocketIo(url, options) {
  const socket = io(url, { forceNew: true, reconnection: false, timeout: 5000, ...options });
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve(socket));
    socket.on('connect_error', (error) => {
      socket.close();
      reject(new Error(`socket.io-client could not connect: ${error.message} ${error.description ?? ''}`));
    });
  });
}

const openFileCount = (pid) => readdirSync(`/proc/${pid}/fd`).length;

// The local addresses on which some process listens on `port` (from /proc/net/tcp and tcp6).
function listeningAddresses(port) {
  const addresses = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 on this machine
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== '0A') continue; // 0A: LISTEN
      const [hexAddress, hexPort] = fields[1].split(':');
      if (parseInt(hexPort, 16) !== port) continue;
      if (hexAddress.length === 8) {
        const bytes = hexAddress.match(/../g).map((byte) => parseInt(byte, 16)).reverse();
        addresses.push(bytes.join('.'));
      } else {
        addresses.push(hexAddress === '00000000000000000000000001000000' ? '::1' : `ipv6:${hexAddress}`);
      }
    }
  }
  return addresses;
}

// Runs a resync command to its end (or until `until` matches its stdout, then SIGTERM).
function runResync(args, { until, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(resyncBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let match = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`resync ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (until && !match) {
        match = until.exec(stdout);
        if (match) resolve({ child, match, stdout: () => stdout, stderr: () => stderr, stop: () => stopChild(child, timer) });
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!match) resolve({ code, signal, stdout, stderr });
    });
  });
}

function stopChild(child, timer) {
  clearTimeout(timer);
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.kill('SIGTERM');
  });
}

describe('--max-connections 3', { timeout: 60000 }, () => {
  // A server per test: a long-polling session lives on (until its heartbeat times out) after
  // its connection closes, and would count against the next test's cap.
  let server;
  beforeEach(async () => {
    server = await startServer({ flags: ['--max-connections', '3'] });
  });
  afterEach(async () => {
    assert.ok(cleanExit(await server?.cleanup()), server?.describe());
  });

  it('a 4th TCP connection gets 503 with a JSON error naming --max-connections, WebSocket and polling alike', async () => {
    const open = await Promise.all([0, 1, 2].map(() => RawWebSocket.connect(server.url)));
    try {
      assertRefusal(await refusedWebSocket(server.url), 503, ['connection limit', '3 connections are open', '--max-connections 3']);
      assertRefusal(await httpRequest(server.url, POLLING), 503, ['connection limit', '--max-connections 3']);
    } finally {
      for (const socket of open) socket.socket.destroy();
    }
    // Once the three are gone, a new connection is served again.
    for (let attempt = 0; ; attempt++) {
      const response = await httpRequest(server.url, POLLING);
      if (response.status === 200) break;
      assert.ok(attempt < 50, `still refused after the connections closed: ${JSON.stringify(response)}`);
      await sleep(50);
    }
  });

  it('a flood of connections beyond the cap is answered or closed within seconds and holds no file descriptors', async () => {
    const open = await Promise.all([0, 1, 2].map(() => RawWebSocket.connect(server.url)));
    try {
      await sleep(200);
      const baseline = openFileCount(server.pid);
      // 300 connections that never send a request and never close on their own.
      const flood = await Promise.all(
        Array.from({ length: 300 }, () => new Promise((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port: server.port }, () => resolve(socket));
          socket.on('error', () => {});
          socket.closedByServer = new Promise((done) => socket.on('close', done));
          socket.answer = '';
          socket.on('data', (chunk) => (socket.answer += chunk));
          socket.on('end', () => socket.end());
        })),
      );
      const started = Date.now();
      await Promise.all(flood.map((socket) => socket.closedByServer));
      const tookMs = Date.now() - started;
      assert.ok(tookMs < 5000, `the server closed every refused connection within 5 s (took ${tookMs} ms)`);
      const answered = flood.filter((socket) => socket.answer.startsWith('HTTP/1.1 503'));
      assert.ok(answered.length > 0, 'some of the flood read the 503');
      for (const socket of answered) assert.match(socket.answer, /"--max-connections 3"|--max-connections 3/);
      // The server closes its side as it reads each client's end; give it a moment to get there.
      for (let attempt = 0; openFileCount(server.pid) > baseline + 2; attempt++) {
        assert.ok(attempt < 40, `file descriptors back to ${baseline} within 2 s, not ${openFileCount(server.pid)}`);
        await sleep(50);
      }
      assert.match(server.stderrTail(), /refused \(503\): a new connection: 3 are open/);
    } finally {
      for (const socket of open) socket.socket.destroy();
    }
  });

  it('long-polling sessions without a live TCP connection count: the 4th handshake gets 503 for sessions', async () => {
    // Each handshake on its own connection, which closes after the open packet.
    const sids = [];
    for (let index = 0; index < 3; index++) {
      const open = await httpRequest(server.url, POLLING);
      assert.equal(open.status, 200, JSON.stringify(open));
      sids.push(JSON.parse(open.body.slice(1)).sid);
    }
    assertRefusal(await httpRequest(server.url, POLLING), 503, ['session limit', '3 Engine.IO sessions are open', '--max-connections 3']);
    // The real client sees the refusal as its connect_error, with the status.
    const error = await firstConnectError(server.url, { transports: ['polling'] });
    assert.equal(error.message, 'xhr poll error');
    assert.equal(error.description, 503);
    // A request of an open session is not a new session: it is served.
    const poll = await httpRequest(server.url, `${POLLING}&sid=${sids[0]}`, { method: 'POST', body: '1' });
    assert.deepEqual([poll.status, poll.body], [200, 'ok']);
    // That closed session makes room for one new one.
    for (let attempt = 0; ; attempt++) {
      const open = await httpRequest(server.url, POLLING);
      if (open.status === 200) break;
      assert.ok(attempt < 50, `still refused after a session closed: ${JSON.stringify(open)}`);
      await sleep(50);
    }
  });
});

describe('--per-ip-connections-per-second-max 2', { timeout: 60000 }, () => {
  let server;
  before(async () => {
    server = await startServer({ flags: ['--per-ip-connections-per-second-max', '2'] });
  });
  after(async () => {
    assert.ok(cleanExit(await server?.cleanup()), server?.describe());
  });

  it('the 3rd new session from one address within a second gets 429 naming the flag, the next second is served', async () => {
    await sleep(1100); // a window of its own
    assert.equal((await httpRequest(server.url, POLLING)).status, 200);
    assert.equal((await httpRequest(server.url, POLLING)).status, 200);
    const parts = ['Too many new connections from 127.0.0.1', 'at most 2 per second', '--per-ip-connections-per-second-max 2'];
    assertRefusal(await httpRequest(server.url, POLLING), 429, parts);
    assertRefusal(await refusedWebSocket(server.url), 429, parts);
    await sleep(1100);
    const socket = await connectedSocketIo(server.url, { transports: ['websocket'] });
    socket.close();
    assert.match(server.stderrTail(), /refused \(429\): a new session from 127\.0\.0\.1/);
  });

  it('requests of an open session do not count toward the rate', async () => {
    await sleep(1100);
    const open = await httpRequest(server.url, POLLING);
    const { sid } = JSON.parse(open.body.slice(1));
    for (let index = 0; index < 5; index++) {
      const post = await httpRequest(server.url, `${POLLING}&sid=${sid}`, { method: 'POST', body: '3' });
      assert.deepEqual([post.status, post.body], [200, 'ok']);
    }
    assert.equal((await httpRequest(server.url, POLLING)).status, 200, 'the 2nd new session this second');
  });
});

describe('--allowed-origins http://chat.example,https://other.example:8443', { timeout: 60000 }, () => {
  let server;
  before(async () => {
    server = await startServer({ flags: ['--allowed-origins', 'http://chat.example,https://other.example:8443'] });
  });
  after(async () => {
    assert.ok(cleanExit(await server?.cleanup()), server?.describe());
  });

  it('an Origin not listed gets 403 quoting it and naming the flag, on polling and WebSocket', async () => {
    const parts = ["Origin 'http://evil.example' is not allowed", '--allowed-origins'];
    assertRefusal(await httpRequest(server.url, POLLING, { headers: { Origin: 'http://evil.example' } }), 403, parts);
    assertRefusal(await refusedWebSocket(server.url, { extraHeaders: { Origin: 'http://evil.example' } }), 403, parts);
    // A look-alike: a listed origin as a prefix of another host.
    assertRefusal(await httpRequest(server.url, POLLING, { headers: { Origin: 'http://chat.example.evil.example' } }), 403, ['is not allowed']);
    assert.match(server.stderrTail(), /refused \(403\): a request from Origin 'http:\/\/evil\.example'/);
  });

  it('a request of an open session with an Origin not listed is refused too', async () => {
    const open = await httpRequest(server.url, POLLING);
    const { sid } = JSON.parse(open.body.slice(1));
    const post = await httpRequest(server.url, `${POLLING}&sid=${sid}`, { method: 'POST', body: '40', headers: { Origin: 'http://evil.example' } });
    assertRefusal(post, 403, ['is not allowed']);
  });

  it('a listed Origin (any case, default port or not) and no Origin at all are served', async () => {
    for (const origin of ['http://chat.example', 'HTTP://Chat.Example:80', 'https://other.example:8443']) {
      const open = await httpRequest(server.url, POLLING, { headers: { Origin: origin } });
      assert.equal(open.status, 200, `${origin}: ${JSON.stringify(open)}`);
    }
    assert.equal((await httpRequest(server.url, POLLING)).status, 200, 'no Origin: a non-browser client');
    const websocket = await RawWebSocket.connect(server.url, { extraHeaders: { Origin: 'http://chat.example' } });
    websocket.socket.destroy();
    // The real client, polling then upgrading, with the Origin a page at http://chat.example sends.
    const socket = await connectedSocketIo(server.url, { transports: ['polling', 'websocket'], extraHeaders: { origin: 'http://chat.example' } });
    socket.close();
    const refused = await firstConnectError(server.url, { transports: ['polling'], extraHeaders: { origin: 'http://evil.example' } });
    assert.equal(refused.description, 403);
  });

  it('an Origin of invalid UTF-8 gets 403 with valid JSON quoting the bytes as \\xNN', async () => {
    const request = Buffer.concat([
      Buffer.from(`GET ${POLLING} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: http://`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.example\r\n\r\n'),
    ]);
    assertRefusal(await rawHttp(server.url, request), 403, ["Origin 'http://\\xff\\xfe.example' is not allowed"]);
  });

  it('an Origin with a control byte is a malformed request: 400 before any policy', async () => {
    const request = Buffer.concat([
      Buffer.from(`GET ${POLLING} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: http://a`),
      Buffer.from([0x01]),
      Buffer.from('.example\r\n\r\n'),
    ]);
    const response = await rawHttp(server.url, request);
    assert.equal(response.status, 400);
    assert.equal(response.body, 'Malformed HTTP request: bad value\n');
  });

  it('a bad --allowed-origins list stops the server before it listens, saying which entry and how to write it', async () => {
    const bad = await runResync(['serve', '--port', '0', '--db', join(server.dir, 'unused.db'), '--allowed-origins', 'https://a.example,chat.example/path']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--allowed-origins: entry 2 'chat\.example\/path' is not an origin: write scheme:\/\/host\[:port\]/);
  });
});

describe('loopback by default', { timeout: 60000 }, () => {
  let work;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'resync-limits-'));
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('resync serve without --host listens on 127.0.0.1 only', async () => {
    const run = await runResync(['serve', '--port', '0', '--db', join(work, 'default.db')], { until: /listening on http:\/\/127\.0\.0\.1:(\d+)/ });
    try {
      const port = Number(run.match[1]);
      assert.deepEqual(listeningAddresses(port), ['127.0.0.1']);
    } finally {
      assert.deepEqual(await run.stop(), { code: 0, signal: null }, run.stderr());
    }
  });

  it('resync serve --host 0.0.0.0 without --allow-remote exits 2 naming the flag', async () => {
    const run = await runResync(['serve', '--host', '0.0.0.0', '--port', '0', '--db', join(work, 'remote.db')]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /refusing to listen on 0\.0\.0\.0:0 \(0\.0\.0\.0\): it is not a loopback address.*pass --allow-remote/);
    assert.equal(run.stdout, '', 'no "listening on" line');
  });

  it('resync proxy: a listener with an empty host is on 127.0.0.1; 0.0.0.0 is refused with 403 naming --listen-allow-remote', async () => {
    const proxy = await runResync(['proxy', '--api', '127.0.0.1:0', '--seed', '1'], { until: /API listening on (\S+)/ });
    try {
      const api = `http://${proxy.match[1]}`;
      const create = async (definition) => {
        const response = await fetch(`${api}/proxies`, { method: 'POST', body: JSON.stringify(definition) });
        return { status: response.status, body: await response.json() };
      };
      const loopback = await create({ name: 'empty_host', listen: ':0', upstream: '127.0.0.1:1' });
      assert.equal(loopback.status, 201, JSON.stringify(loopback));
      assert.match(loopback.body.listen, /^127\.0\.0\.1:\d+$/);
      assert.deepEqual(listeningAddresses(Number(loopback.body.listen.split(':')[1])), ['127.0.0.1']);

      const remote = await create({ name: 'everywhere', listen: '0.0.0.0:0', upstream: '127.0.0.1:1' });
      assert.equal(remote.status, 403, JSON.stringify(remote));
      assert.equal(remote.body.status, 403);
      assert.match(remote.body.error, /listen address 0\.0\.0\.0:0 is not a loopback address.*--listen-allow-remote/);
      const proxies = await (await fetch(`${api}/proxies`)).json();
      assert.deepEqual(Object.keys(proxies), ['empty_host'], 'the refused proxy was not created');
      // Moving a proxy to a non-loopback address is refused the same way.
      const moved = await fetch(`${api}/proxies/empty_host`, { method: 'POST', body: JSON.stringify({ listen: '0.0.0.0:0' }) });
      assert.equal(moved.status, 403);
    } finally {
      await proxy.stop();
    }
  });

  it('resync proxy --config with a non-loopback listen exits 2 naming the flag; the API needs --api-allow-remote', async () => {
    const config = join(work, 'proxies.json');
    writeFileSync(config, JSON.stringify([{ name: 'everywhere', listen: '0.0.0.0:0', upstream: '127.0.0.1:1' }]));
    const fromConfig = await runResync(['proxy', '--api', '127.0.0.1:0', '--config', config]);
    assert.equal(fromConfig.code, 2, fromConfig.stderr);
    assert.match(fromConfig.stderr, /config .*proxies\.json: listen address 0\.0\.0\.0:0 is not a loopback address.*--listen-allow-remote/);
    const api = await runResync(['proxy', '--api', '0.0.0.0:0']);
    assert.equal(api.code, 1, api.stderr);
    assert.match(api.stderr, /the API listens on loopback only; pass --api-allow-remote/);
  });
});
