// The real npm toxiproxy-node-client drives `resync proxy`: it creates a proxy in front of
// a TCP echo server, adds, updates and removes latency, adds reset_peer, disables and
// re-enables a proxy, and every effect is observed on live connections. Needs RESYNC_BIN (set by ctest) pointing at the resync binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import toxiproxyClient from 'toxiproxy-node-client';

const { Toxiproxy } = toxiproxyClient;
const RESYNC_BIN = process.env.RESYNC_BIN;

let proxyProcess;
let apiUrl;
let echoServer;
let echoPort;

function startResyncProxy() {
  return new Promise((resolve, reject) => {
    const child = spawn(RESYNC_BIN, ['proxy', '--api', '127.0.0.1:0', '--seed', '7'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`resync proxy did not start: ${output}`)), 10000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/API listening on (\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: `http://${match[1]}` });
      }
    });
    child.on('exit', (code) => reject(new Error(`resync proxy exited with ${code}: ${output}`)));
  });
}

function startEchoServer() {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.pipe(socket);
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function connect(address) {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port), noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

// Sends `text` and resolves with the milliseconds until all of it came back.
function roundTrip(socket, text) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let received = '';
    const onData = (chunk) => {
      received += chunk;
      if (received.length >= text.length) {
        socket.off('data', onData);
        assert.equal(received, text);
        resolve(Number(process.hrtime.bigint() - started) / 1e6);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(text);
  });
}

// Resolves with the error code (or 'close') and the milliseconds until the socket died.
function waitForDeath(socket) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    socket.once('error', (error) => resolve({ how: error.code, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    socket.once('close', () => resolve({ how: 'close', ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

before(async () => {
  assert.ok(RESYNC_BIN, 'RESYNC_BIN must point at the resync binary');
  echoServer = await startEchoServer();
  echoPort = echoServer.address().port;
  const started = await startResyncProxy();
  proxyProcess = started.child;
  apiUrl = started.url;
});

after(() => {
  proxyProcess?.removeAllListeners('exit');
  proxyProcess?.kill('SIGTERM');
  echoServer?.close();
});

test('the client reads the version and lists proxies', async () => {
  const toxiproxy = new Toxiproxy(apiUrl);
  assert.match(await toxiproxy.getVersion(), /"version"/);
  assert.deepEqual(Object.keys(await toxiproxy.getAll()), []);
});

test('latency added and removed through the client changes the round trip', async () => {
  const toxiproxy = new Toxiproxy(apiUrl);
  const proxy = await toxiproxy.createProxy({ name: 'echo_latency', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` });
  assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/);
  assert.equal(proxy.enabled, true);
  const socket = await connect(proxy.listen);
  try {
    assert.ok((await roundTrip(socket, 'warm-up')) < 100);
    const toxic = await proxy.addToxic({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 200, jitter: 0 } });
    assert.equal(toxic.name, 'slow');
    assert.deepEqual(toxic.attributes, { latency: 200, jitter: 0 });
    const slow = await roundTrip(socket, 'slow please');
    assert.ok(slow >= 195 && slow < 600, `latency round trip was ${slow} ms`);

    const fetched = await proxy.getToxic('slow');
    const updated = await fetched.update({ attributes: { latency: 50 }, toxicity: 1 });
    assert.equal(updated.attributes.latency, 50);
    // The update reaches the wire: the live connection now waits about 50 ms, not 200 ...
    const updatedLive = await roundTrip(socket, 'after the update');
    assert.ok(updatedLive >= 45 && updatedLive < 150, `round trip after the update to 50 ms was ${updatedLive} ms`);
    // ... and so does a connection opened after the update.
    const fresh = await connect(proxy.listen);
    try {
      const updatedFresh = await roundTrip(fresh, 'new connection');
      assert.ok(updatedFresh >= 45 && updatedFresh < 150, `a new connection's round trip was ${updatedFresh} ms`);
    } finally {
      fresh.destroy();
    }

    await toxic.remove();
    const fast = await roundTrip(socket, 'fast again');
    assert.ok(fast < 100, `round trip after removal was ${fast} ms`);
  } finally {
    socket.destroy();
    await proxy.remove();
  }
});

test('reset_peer added through the client resets a live connection; removed, connections work again', async () => {
  const toxiproxy = new Toxiproxy(apiUrl);
  const proxy = await toxiproxy.createProxy({ name: 'echo_reset', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` });
  const socket = await connect(proxy.listen);
  assert.ok((await roundTrip(socket, 'hello')) < 100);
  const death = waitForDeath(socket);
  const toxic = await proxy.addToxic({ name: 'rst', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 100 } });
  const { how, ms } = await death;
  assert.equal(how, 'ECONNRESET');
  assert.ok(ms >= 90 && ms < 600, `reset after ${ms} ms`);

  await toxic.remove();
  const again = await connect(proxy.listen);
  assert.ok((await roundTrip(again, 'alive')) < 100);
  again.destroy();
  await proxy.remove();
});

test('populate, update (enabled=false) and reset through the client', async () => {
  const toxiproxy = new Toxiproxy(apiUrl);
  const proxies = await toxiproxy.populate([{ name: 'populated', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` }]);
  const proxy = proxies.populated;
  assert.ok(proxy);
  const live = await connect(proxy.listen);
  assert.ok((await roundTrip(live, 'before disabling')) < 100);
  const death = waitForDeath(live);
  const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
  assert.equal(disabled.enabled, false);
  // Disabled on the wire, as Toxiproxy does: its live connections are dropped and its
  // address no longer accepts connections.
  const { how } = await Promise.race([death, new Promise((done) => setTimeout(() => done({ how: 'still open after 3 s' }), 3000))]);
  assert.ok(['close', 'ECONNRESET'].includes(how), `the live connection ended with ${how}`);
  await assert.rejects(connect(proxy.listen), (error) => error.code === 'ECONNREFUSED', 'a disabled proxy refuses connections');

  await toxiproxy.reset();
  const again = await toxiproxy.get('populated');
  assert.equal(again.enabled, true);
  // Enabled again by the reset: it accepts and forwards.
  const revived = await connect(again.listen);
  assert.ok((await roundTrip(revived, 'enabled again')) < 100);
  revived.destroy();
  await again.remove();
});

test('bad input gets Toxiproxy\'s error shape and status', async () => {
  const toxiproxy = new Toxiproxy(apiUrl);
  await assert.rejects(toxiproxy.get('ghost'), /status code 404/);
  const proxy = await toxiproxy.createProxy({ name: 'bad_input', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` });
  const response = await fetch(`${apiUrl}/proxies/bad_input/toxics`, { method: 'POST', body: '{"type":"earthquake"}' });
  assert.equal(response.status, 400);
  assert.deepEqual(await response.json(), { error: 'invalid toxic type', status: 400 });
  const duplicate = await fetch(`${apiUrl}/proxies`, { method: 'POST', body: JSON.stringify({ name: 'bad_input', upstream: 'x:1' }) });
  assert.equal(duplicate.status, 409);
  assert.deepEqual(await duplicate.json(), { error: 'proxy already exists', status: 409 });
  await proxy.remove();
});
