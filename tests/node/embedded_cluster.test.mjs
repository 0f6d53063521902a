// `resync serve --redis URL --node-id ID` as a cluster: one redis-server on a free loopback
// port (AOF on, appendfsync always, as for --durability full), three nodes, the real
// socket.io-client. Checked against the Redis Stream itself (the cluster's log, read with the
// npm `redis` client), not against what the nodes say:
//   - writers on every node at once: one order of ids with no gap, each client on each node
//     receives exactly that ordered set, and a retried clientOffset is stored once;
//   - a node SIGKILLed: its clients reconnect (through a balancer in front of the nodes) to
//     another node and catch up; nothing acknowledged is lost;
//   - a client whose connection drops and that comes back on another node is recovered there
//     (connection state recovery: the same socket id, exactly the missed events);
//   - Redis SIGKILLed and restarted on its directory: nothing acknowledged is lost, a send
//     while it is down is not acknowledged, and delivery across nodes resumes.
// Needs redis-server: without it the tests skip (ctest "Skipped"), with CI=true they fail.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createClient } from 'redis';

import { closeAll, connectedClient, orderingProblems } from './lib/client.mjs';
import { describeProcesses, freePort, startBalancer, startProcess, startRedisServer } from './lib/cluster_processes.mjs';
import { missingProgram } from './lib/required_tool.mjs';
import { resyncBinary } from './lib/server.mjs';

const missing = missingProgram('redis-server', 'redis-server');
const NODE_COUNT = 3;

describe('resync serve --redis: three nodes on one shared log', { timeout: 90000, skip: missing }, () => {
  let dir;
  let redisDir;
  let redisPort;
  let redis;
  let log;  // the npm redis client reading the stream
  const nodes = [];
  let balancer;
  const clients = [];

  const describeCluster = () => describeProcesses([redis, ...nodes]);
  const client = async (url, options = {}) => {
    const c = await connectedClient(url, { describeServer: describeCluster, ...options });
    clients.push(c);
    return c;
  };
  // appendfsync always: what --durability full promises (README "Clusters").
  const startRedis = () => startRedisServer({ port: redisPort, dir: redisDir, appendfsync: 'always' });
  const startNode = async (index) => {
    const port = nodes[index]?.port ?? (await freePort());
    const node = await startProcess(`node-${index}`, resyncBinary(),
      ['serve', '--port', String(port), '--redis', `redis://127.0.0.1:${redisPort}`, '--node-id', `node-${index}`,
        '--ping-interval-ms', '1000', '--ping-timeout-ms', '1000'],
      { ready: /listening on http:\/\// });
    node.port = port;
    node.url = `http://127.0.0.1:${port}`;
    nodes[index] = node;
  };
  // The cluster's log as Redis holds it: [{id, content, clientOffset}] in stream order.
  const streamRows = async () =>
    (await log.xRange('resync:log', '-', '+')).map((entry) => ({
      id: Number(entry.id.split('-')[0]),
      content: entry.message.content,
      clientOffset: entry.message.client_offset,
    }));
  const storedIds = async () => (await streamRows()).map((row) => row.id);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'resync-embedded-cluster-'));
    redisDir = join(dir, 'redis');
    mkdirSync(redisDir);
    redisPort = await freePort();
    redis = await startRedis();
    log = createClient({ url: `redis://127.0.0.1:${redisPort}` });
    log.on('error', () => {});  // the Redis restart below drops this connection; it reconnects by itself
    await log.connect();
    for (let index = 0; index < NODE_COUNT; index++) await startNode(index);
    balancer = await startBalancer();
  });

  after(async () => {
    closeAll(clients);
    await balancer?.close();
    try {
      await log?.quit();
    } catch {
      // Redis already gone
    }
    await Promise.all(nodes.map((node) => node?.stop()));
    await redis?.stop();
    if (dir && !process.env.RESYNC_KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
  });

  it('writers on every node get one order of ids that every client on every node receives exactly', async () => {
    const readers = [];
    for (const node of nodes) readers.push(await client(node.url, { name: `reader-${node.name}` }));
    const writers = [];
    for (const node of nodes) writers.push(await client(node.url, { name: `writer-${node.name}` }));
    const perWriter = 20;
    await Promise.all(writers.map(async (writer) => {
      for (let i = 0; i < perWriter; i++) await writer.sendWithAck(`${writer.name} ${i}`, `${writer.name}-${i}`);
    }));
    // The same send retried on another node (its first ack lost): stored once.
    await writers[1].sendWithAck(`${writers[0].name} 0`, `${writers[0].name}-0`);
    const rows = await streamRows();
    assert.equal(rows.length, NODE_COUNT * perWriter, JSON.stringify(rows.slice(0, 5)));
    assert.deepEqual(rows.map((row) => row.id), Array.from({ length: rows.length }, (_, i) => i + 1));
    for (const reader of [...readers, ...writers]) {
      await reader.waitForId(rows.length);
      assert.deepEqual(reader.ids(), rows.map((row) => row.id), reader.summary());
      assert.deepEqual(reader.received.map((m) => m.msg), rows.map((row) => row.content));
    }
    for (const c of [...readers, ...writers]) c.close();
  });

  it('a client whose node is SIGKILLed reconnects to another node and catches up from its offset', async () => {
    balancer.route(nodes[0].port);
    const first = (await storedIds()).at(-1) ?? 0;
    const reader = await client(balancer.url, { name: 'moved-reader', serverOffset: first, reconnectionDelay: 200,
      reconnectionDelayMax: 200 });
    const writer = await client(nodes[1].url, { name: 'writer-node-1' });
    await writer.sendWithAck('before the kill', 'kill-before');
    await reader.waitForId((await storedIds()).at(-1));
    balancer.route(nodes[2].port);
    assert.equal((await nodes[0].kill('SIGKILL')).signal, 'SIGKILL');
    balancer.dropAll();
    for (let i = 0; i < 5; i++) await writer.sendWithAck(`while node 0 is down ${i}`, `kill-during-${i}`);
    const ids = await storedIds();
    await reader.waitForId(ids.at(-1), 15000);
    assert.deepEqual(reader.ids(), ids.filter((id) => id > first), reader.summary());
    await startNode(0);
    const late = await client(nodes[0].url, { name: 'after-restart', serverOffset: first });
    await late.waitForId(ids.at(-1));
    assert.deepEqual(late.ids(), ids.filter((id) => id > first), late.summary());
    for (const c of [reader, writer, late]) c.close();
  });

  it('a socket lost on one node is recovered on another with exactly the events it missed', async () => {
    balancer.route(nodes[0].port);
    const first = (await storedIds()).at(-1) ?? 0;
    const reader = await client(balancer.url, { name: 'recovering-reader', serverOffset: first, reconnectionDelay: 300,
      reconnectionDelayMax: 300 });
    const writer = await client(nodes[2].url, { name: 'writer-node-2', serverOffset: first });
    await writer.sendWithAck('before the drop', 'recover-before');
    await reader.waitForId((await storedIds()).at(-1));
    const socketId = reader.socket.id;
    balancer.route(null);
    balancer.dropAll();  // the transport is lost, as on a network failure: recoverable
    await reader.waitFor((c) => !c.socket.connected, 'the disconnect');
    for (let i = 0; i < 4; i++) await writer.sendWithAck(`while away ${i}`, `recover-away-${i}`);
    balancer.route(nodes[1].port);
    await reader.waitForConnect(2, 15000);
    const ids = await storedIds();
    await reader.waitForId(ids.at(-1));
    assert.equal(reader.socket.recovered, true, `not recovered on node 1; its log:\n${nodes[1].output()}`);
    assert.equal(reader.socket.id, socketId);
    assert.deepEqual(reader.ids(), ids.filter((id) => id > first), reader.summary());
    for (const c of [reader, writer]) c.close();
  });

  it('Redis SIGKILLed and restarted: acknowledged messages stay, a send while it is down is not acknowledged', async () => {
    const first = (await storedIds()).at(-1) ?? 0;
    const writer = await client(nodes[0].url, { name: 'writer-node-0', serverOffset: first });
    const reader = await client(nodes[2].url, { name: 'reader-node-2', serverOffset: first });
    for (let i = 0; i < 5; i++) await writer.sendWithAck(`before the Redis kill ${i}`, `redis-before-${i}`);
    const acked = await storedIds();
    assert.equal((await redis.kill('SIGKILL')).signal, 'SIGKILL');
    await assert.rejects(writer.sendWithAck('while Redis is down', 'redis-during', 1500),
      'a node acknowledged a message while Redis was down');
    redis = await startRedis();
    // The retry of the unacknowledged send, once Redis is back (the nodes reconnect with a backoff).
    await writer.sendWithAck('while Redis is down', 'redis-during', 10000);
    await writer.sendWithAck('after the restart', 'redis-after', 10000);
    const ids = await storedIds();
    for (const id of acked) assert.ok(ids.includes(id), `acknowledged id ${id} lost in the Redis restart`);
    assert.equal((await streamRows()).filter((row) => row.clientOffset === 'redis-during').length, 1);
    await reader.waitForId(ids.at(-1), 15000);
    assert.deepEqual(orderingProblems(reader.ids()), { duplicates: [], inversions: [] });
    assert.deepEqual(reader.ids(), ids.filter((id) => id > first), reader.summary());
    for (const c of [writer, reader]) c.close();
  });
});
