// The cluster app (tests/node/servers/redis_streams_cluster.js: the tutorial's handlers on
// socket.io 4.8 + @socket.io/redis-streams-adapter) as Resync's cluster scenarios run it: one
// redis-server on a free loopback port with a temp dir of its own, two nodes started with
// NODE_INDEX, PORT, REDIS_URL and RESYNC_RUN_DIR (one chat.db for both), and the real
// socket.io-client. Checked:
//   - a message sent on node 0 reaches a client on node 1 and is stored once;
//   - a clientOffset retried (on the other node) is stored once and broadcast once;
//   - a client whose connection to node 0 drops and that reconnects to node 1 (through a
//     balancer in this file: a TCP forwarder that sends each new connection to the node it is
//     told) ends with every stored message once, in order: what it missed comes from
//     connection state recovery or from the tutorial's catch-up (auth.serverOffset);
//   - the same after node 0 is SIGKILLed under it.
// Which of the two paths delivered what was missed (socket.recovered, the socket id) is
// recorded as a test diagnostic, not asserted: socket.io gives no guarantee that recovery
// succeeds (socketio/socket.io-redis-streams-adapter#26, #27), and Resync's cluster
// scenarios are what judge it.
// Needs redis-server (Debian package redis-server): without it the tests skip (ctest
// "Skipped"), with CI=true they fail (tests/node/lib/run_test_file.mjs). Every process and
// socket started here is stopped in after(), and killed on exit whatever happens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { sqlite } from './lib/server.mjs';
import { closeAll, connectedClient, orderingProblems } from './lib/client.mjs';
import { missingProgram } from './lib/required_tool.mjs';
import { describeProcesses, freePort, startBalancer, startProcess, startRedisServer } from './lib/cluster_processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const appFile = join(here, 'servers', 'redis_streams_cluster.js');
const missing = missingProgram('redis-server', 'redis-server');

describe('the Redis Streams cluster app (2 nodes, one Redis, one SQLite file)', { timeout: 60000, skip: missing }, () => {
  let dir;
  let redis;
  const nodes = [];
  let balancer;
  const clients = [];
  let runDir;

  const describeCluster = () => describeProcesses([redis, ...nodes]);
  const client = async (url, options = {}) => {
    const c = await connectedClient(url, { describeServer: describeCluster, ...options });
    clients.push(c);
    return c;
  };
  const rows = () => sqlite(join(runDir, 'chat.db'), 'SELECT id, client_offset, content FROM messages ORDER BY id');
  const storedIds = () => rows().map((r) => r.id);
  const rowsWithOffset = (clientOffset) => rows().filter((r) => r.client_offset === clientOffset);
  const headId = () => storedIds().at(-1) ?? 0;
  // A client that has the newest stored message and nothing older, once its catch-up is
  // over: it connects with serverOffset = head - 1 and waits for the head row. Until then the
  // tutorial's catch-up (a SELECT after the CONNECT) can still read a row that is also
  // broadcast to it, and deliver that row twice: the tutorial's race, which Resync's
  // scenarios judge; these checks are about the cluster, so they start after it.
  const caughtUpClient = async (url, options) => {
    const head = headId();
    assert.ok(head > 0, 'a stored message to catch up to');
    const c = await client(url, { serverOffset: head - 1, ...options });
    await c.waitForId(head);
    c.first = head - 1;
    return c;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'resync-redis-cluster-'));
    const redisDir = join(dir, 'redis');
    runDir = join(dir, 'run');
    mkdirSync(redisDir);
    mkdirSync(runDir);
    const redisPort = await freePort();
    redis = await startRedisServer({ port: redisPort, dir: redisDir });
    for (let index = 0; index < 2; index++) {
      const port = await freePort();
      const node = await startProcess(`node ${index}`, process.execPath, [appFile], {
        env: { NODE_INDEX: String(index), PORT: String(port), REDIS_URL: `redis://127.0.0.1:${redisPort}`, RESYNC_RUN_DIR: runDir },
        ready: /listening on http:\/\//,
      });
      node.url = `http://127.0.0.1:${port}`;
      node.port = port;
      nodes.push(node);
    }
    balancer = await startBalancer();
  });

  after(async () => {
    closeAll(clients);
    await balancer?.close();
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    if (dir && !process.env.RESYNC_KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
  });

  it('a message sent on node 0 reaches a client on node 1 and is stored once', async () => {
    const writer = await client(nodes[0].url, { name: 'writer-0' });
    await writer.sendWithAck('a first message', 'w0-0');
    const reader = await caughtUpClient(nodes[1].url, { name: 'reader-1' });
    await writer.sendWithAck('hello from node 0', 'w0-1');
    const [row] = rowsWithOffset('w0-1');
    assert.ok(row, `stored: ${JSON.stringify(rows())}`);
    await reader.waitForId(row.id);
    await writer.waitForId(row.id);
    assert.deepEqual(reader.received.filter((m) => m.id === row.id), [{ msg: 'hello from node 0', id: row.id }]);
    assert.equal(rowsWithOffset('w0-1').length, 1);
    writer.close();
    reader.close();
  });

  it('a clientOffset retried on the other node is stored once and broadcast once', async () => {
    const writer0 = await client(nodes[0].url, { name: 'writer-0' });
    const writer1 = await client(nodes[1].url, { name: 'writer-1' });
    const reader = await caughtUpClient(nodes[1].url, { name: 'reader-1' });
    await writer0.sendWithAck('sent twice', 'w0-2');
    // The retry a client makes after its first attempt's ack was lost, on the node it reconnected to.
    await writer1.sendWithAck('sent twice', 'w0-2');
    assert.equal(rowsWithOffset('w0-2').length, 1, JSON.stringify(rows()));
    // A marker sent after both: once it arrives, a second broadcast of the retry would have too.
    await writer0.sendWithAck('marker', 'w0-3');
    await reader.waitForId(rowsWithOffset('w0-3')[0].id);
    assert.equal(reader.received.filter((m) => m.msg === 'sent twice').length, 1, reader.summary());
    assert.deepEqual(orderingProblems(reader.ids()), { duplicates: [], inversions: [] });
    for (const c of [writer0, writer1, reader]) c.close();
  });

  // Moves `reader` (connected through the balancer) to `toNode`: cut its connection, keep it
  // away while each writer sends `count` acked messages, then let it reconnect to `toNode`.
  // Returns what it knows about the way back: recovered, same socket id, the node's log line.
  async function moveWhileOthersSend(reader, writers, toNode, label, { beforeCut = async () => {} } = {}) {
    const idBefore = reader.socket.id;
    const connectsBefore = reader.connects;
    balancer.route(null);
    await beforeCut();
    balancer.dropAll();
    await reader.waitFor((c) => !c.socket.connected, 'the disconnect');
    let n = 0;
    for (const writer of writers) {
      for (let i = 1; i <= 3; i++) await writer.sendWithAck(`${label} while away ${++n}`, `${label}-${writer.name}-${i}`);
    }
    assert.equal(reader.connects, connectsBefore, 'still away while the messages were sent');
    const awayHead = headId();
    balancer.route(toNode.port);
    await reader.waitForConnect(connectsBefore + 1, 15000);
    await reader.waitForId(awayHead);
    const logLine = toNode.output().split('\n').filter((line) => line.includes(`connection ${reader.socket.id} `)).at(-1);
    return { recovered: reader.socket.recovered, sameId: reader.socket.id === idBefore, logLine };
  }

  it('a client moved from node 0 to node 1 gets what it missed, once and in order', async (t) => {
    const writer0 = await client(nodes[0].url, { name: 'writer-0' });
    const writer1 = await client(nodes[1].url, { name: 'writer-1' });
    balancer.route(nodes[0].port);
    const reader = await caughtUpClient(balancer.url, { name: 'reader', reconnectionDelay: 200, reconnectionDelayMax: 200 });
    const first = reader.first;
    await writer0.sendWithAck('before the move', 'move-before');
    await reader.waitForId(headId());

    const toNode1 = await moveWhileOthersSend(reader, [writer0, writer1], nodes[1], 'move-0-1');
    t.diagnostic(`node 0 -> node 1 after a dropped connection: socket.recovered=${toNode1.recovered}, ` +
      `same socket id=${toNode1.sameId}; node 1 logged: ${toNode1.logLine}`);
    assert.deepEqual(reader.ids(), storedIds().filter((id) => id > first), reader.summary());

    // And back to node 0, the messages sent meanwhile on node 1 only.
    const toNode0 = await moveWhileOthersSend(reader, [writer1], nodes[0], 'move-1-0');
    t.diagnostic(`node 1 -> node 0 after a dropped connection: socket.recovered=${toNode0.recovered}, ` +
      `same socket id=${toNode0.sameId}; node 0 logged: ${toNode0.logLine}`);
    await writer1.sendWithAck('live after the moves', 'move-live');
    await reader.waitForId(headId());
    assert.deepEqual(reader.ids(), storedIds().filter((id) => id > first), reader.summary());
    for (const c of [writer0, writer1, reader]) c.close();
  });

  it('a client whose node 0 is SIGKILLed reconnects to node 1 and gets what it missed', async (t) => {
    const writer1 = await client(nodes[1].url, { name: 'writer-1' });
    balancer.route(nodes[0].port);
    const reader = await caughtUpClient(balancer.url, { name: 'reader', reconnectionDelay: 200, reconnectionDelayMax: 200 });
    const first = reader.first;
    await writer1.sendWithAck('before the kill', 'kill-before');
    await reader.waitForId(headId());

    const toNode1 = await moveWhileOthersSend(reader, [writer1], nodes[1], 'kill-0', {
      beforeCut: async () => {
        const exit = await nodes[0].kill('SIGKILL');
        assert.equal(exit.signal, 'SIGKILL');
      },
    });
    t.diagnostic(`node 0 SIGKILLed -> node 1: socket.recovered=${toNode1.recovered}, same socket id=${toNode1.sameId}; ` +
      `node 1 logged: ${toNode1.logLine}`);
    await writer1.sendWithAck('live after the kill', 'kill-live');
    await reader.waitForId(headId());
    assert.deepEqual(reader.ids(), storedIds().filter((id) => id > first), reader.summary());
    for (const c of [writer1, reader]) c.close();
  });
});
