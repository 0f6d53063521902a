// Server benchmark (not a test): `resync serve` against the Socket.IO tutorial's Node server
// (tests/node/servers/client_delivery.js: express + socket.io 4.8 + sqlite/sqlite3, server and
// client delivery), both under the same load in the same run, so the ratios compare like with
// like on whatever machine this runs on.
//
//   node bench/server_peers.mjs [--bin build/release/app/resync] [--load-bin build/release/bench/resync_load_bench]
//                               [--json FILE] [--quick]
// (without --json the rows go to stdout as JSON; progress and figures go to stderr)
//
// Settings each side runs with: resync serve --durability full (SQLite WAL, synchronous=FULL,
// acks after the commit); the tutorial server at SQLite's defaults (rollback journal,
// synchronous=FULL, one INSERT per transaction, ack after its INSERT).
//
// Acked ingest is driven by Resync's C++ load generator (bench/load_generator.cpp), whose own
// ceiling against a peer that acks at once is measured first and printed as a row: a server
// figure near it is the client's limit, not the server's. The other rows use the real
// socket.io-client in this Node process and print its CPU share for the same reason.
// Everything listens on 127.0.0.1 on free ports and is stopped at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { connectClient, connectedClient } from '../tests/node/lib/client.mjs';
import { repoRoot, sqlite } from '../tests/node/lib/server.mjs';

const { values: options } = parseArgs({
  options: {
    bin: { type: 'string', default: join(repoRoot, 'build/release/app/resync') },
    'load-bin': { type: 'string', default: join(repoRoot, 'build/release/bench/resync_load_bench') },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});

// The sizes of each measurement (--quick: a smoke run of the script itself).
const sizes = options.quick
  ? { ingestMessages: 300, fanoutClients: 20, fanoutMessages: 50, catchUpRows: 2000, idleConnections: 100 }
  : { ingestMessages: 3000, fanoutClients: 100, fanoutMessages: 300, catchUpRows: 100000, idleConnections: 2000 };
const start_timeout_ms = 20000;
const measurement_timeout_ms = 300000;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function acceptsConnections(port) {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

const peers = {
  resync: (port, db) => ({
    command: options.bin,
    args: ['serve', '--host', '127.0.0.1', '--port', String(port), '--db', db, '--durability', 'full'],
    env: {},
  }),
  tutorial: (port, db) => ({
    command: process.execPath,
    args: [join(repoRoot, 'tests/node/servers/client_delivery.js')],
    env: { PORT: String(port), DB: db },
  }),
};

// Starts a peer on a fresh database (optionally preloaded); resolves once it accepts TCP.
async function startPeer(name, preloadRows = 0) {
  const directory = mkdtempSync(join(tmpdir(), `resync-bench-${name}-`));
  const db = join(directory, 'chat.db');
  if (preloadRows > 0) {
    sqlite(db, `CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, client_offset TEXT UNIQUE, content TEXT);
      WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${preloadRows})
      INSERT INTO messages (client_offset, content) SELECT 'pre-' || x, 'stored message number ' || x FROM n;`);
  }
  const port = await freePort();
  const { command, args, env } = peers[name](port, db);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  const deadline = Date.now() + start_timeout_ms;
  while (!(await acceptsConnections(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start on port ${port}: ${command} ${args.join(' ')}\n${stderr}`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    db,
    async stop() {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function residentKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]);
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

// Runs `work` and reports how busy this (client) process was meanwhile: near 100 % means the
// figure is the client's ceiling, not the server's.
async function measured(work) {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { ...result, seconds, client_cpu_share: (cpu.user + cpu.system) / 1e6 / seconds };
}

// Acked ingest: `senders` WebSocket clients of the C++ load generator, each with `inFlight`
// acked sends outstanding; every client also receives every broadcast, as in the tutorial.
// Without a peer, the generator's own ceiling (--echo-peer: acked at once, nothing stored).
function ingest(peer, senders, inFlight) {
  const target = peer ? ['--port', new URL(peer.url).port] : ['--echo-peer'];
  const args = [...target, '--senders', String(senders), '--in-flight', String(inFlight),
    '--messages', String(sizes.ingestMessages), '--timeout-s', String(measurement_timeout_ms / 1000)];
  const run = spawnSync(options['load-bin'], args, { encoding: 'utf8', timeout: measurement_timeout_ms + 10000 });
  const line = run.stdout ? JSON.parse(run.stdout.trim().split('\n').pop()) : null;
  if (run.status !== 0 || !line || !line.completed) {
    throw new Error(`the load generator failed (${options['load-bin']} ${args.join(' ')}): ${run.stderr || ''}${run.stdout || ''}`);
  }
  return { value: line.acked_per_second, unit: 'acked msg/s' };
}

// Fan-out: `fanoutClients` receivers and one sender with 8 acked sends in flight; latency is
// from the send to each receiver's arrival (one process, one clock).
async function fanout(peer) {
  const receivers = [];
  for (let c = 0; c < sizes.fanoutClients; c++) receivers.push(await connectedClient(peer.url, { serverOffset: 0, reconnection: false }));
  const sender = await connectedClient(peer.url, { serverOffset: 0, reconnection: false });
  const sentAt = new Map();
  const latencies = [];
  for (const receiver of receivers) {
    receiver.socket.on('chat message', (msg) => {
      const at = sentAt.get(msg);
      if (at !== undefined) latencies.push(performance.now() - at);
    });
  }
  let next = 0;
  const result = await measured(async () => {
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < sizes.fanoutMessages) {
        const text = `fan-out ${next++}`;
        sentAt.set(text, performance.now());
        await sender.sendWithAck(text, `bench-${text}`, 60000);
      }
    }));
    await Promise.all(receivers.map((receiver) => receiver.waitForCount(sizes.fanoutMessages, measurement_timeout_ms)));
    return {};
  });
  for (const client of [...receivers, sender]) client.close();
  latencies.sort((a, b) => a - b);
  return {
    value: (sizes.fanoutClients * sizes.fanoutMessages) / result.seconds,
    unit: 'deliveries/s',
    p50_ms: percentile(latencies, 0.5),
    p99_ms: percentile(latencies, 0.99),
    client_cpu_share: result.client_cpu_share,
  };
}

// Catch-up: one fresh client (serverOffset 0) to a database of `catchUpRows` rows.
async function catchUp(name) {
  const peer = await startPeer(name, sizes.catchUpRows);
  try {
    const result = await measured(async () => {
      const client = connectClient(peer.url, { serverOffset: 0, reconnection: false });
      await client.waitForCount(sizes.catchUpRows, measurement_timeout_ms);
      client.close();
      return {};
    });
    return { value: sizes.catchUpRows / result.seconds, unit: 'rows/s', client_cpu_share: result.client_cpu_share };
  } finally {
    await peer.stop();
  }
}

// Resident memory per idle connection: the server's RSS growth over `idleConnections`
// connected, silent clients.
async function idleMemory(name) {
  const peer = await startPeer(name);
  const clients = [];
  try {
    const before = residentKiB(peer.pid);
    for (let c = 0; c < sizes.idleConnections; c += 50) {
      const batch = [];
      for (let k = c; k < Math.min(sizes.idleConnections, c + 50); k++) {
        batch.push(connectedClient(peer.url, { serverOffset: 0, reconnection: false, connectTimeoutMs: 60000 }));
      }
      clients.push(...(await Promise.all(batch)));
    }
    await new Promise((done) => setTimeout(done, 1000));
    const after = residentKiB(peer.pid);
    return { value: (after - before) / sizes.idleConnections, unit: 'KiB/connection', connections: sizes.idleConnections };
  } finally {
    for (const client of clients) client.close();
    await peer.stop();
  }
}

async function withPeer(name, measure) {
  const peer = await startPeer(name);
  try {
    return await measure(peer);
  } finally {
    await peer.stop();
  }
}

// Each row: what was measured, the two figures, the ratio (higher is better for resync unless
// `lower_is_better`) and the issue's target for it.
const rows = [];
async function compare(row, measure) {
  const figures = {};
  for (const name of Object.keys(peers)) {
    figures[name] = await measure(name);
    console.error(`  ${row.measure}: ${name} ${figures[name].value.toFixed(1)} ${figures[name].unit}`);
  }
  const ratio = row.lower_is_better ? figures.tutorial.value / figures.resync.value : figures.resync.value / figures.tutorial.value;
  rows.push({ ...row, resync: figures.resync, tutorial: figures.tutorial, ratio, met: ratio >= row.target_ratio });
}

console.error(`server peers (${options.quick ? 'quick' : 'full'} sizes): ${JSON.stringify(sizes)}`);
if (!existsSync(options['load-bin'])) {
  console.error(`bench/server_peers.mjs: no load generator at ${options['load-bin']}; build it with cmake --build --preset release`);
  process.exit(2);
}
// The load generator's ceiling, with the same shapes as the ingest rows below.
const ceilings = {};
for (const [senders, inFlight] of [[10, 16], [50, 1]]) {
  ceilings[`${senders}x${inFlight}`] = ingest(null, senders, inFlight);
  console.error(`  load generator ceiling, ${senders} senders x ${inFlight} in flight: ${ceilings[`${senders}x${inFlight}`].value.toFixed(0)} acked msg/s`);
}
await compare({ measure: 'acked ingest, 10 senders x 16 in flight', target_ratio: 50 }, (name) => withPeer(name, (peer) => ingest(peer, 10, 16)));
await compare({ measure: 'acked ingest, 50 senders x 1 in flight', target_ratio: 50 }, (name) => withPeer(name, (peer) => ingest(peer, 50, 1)));
await compare({ measure: `fan-out to ${sizes.fanoutClients} clients`, target_ratio: 10 }, (name) => withPeer(name, fanout));
await compare({ measure: `catch-up, one client ${sizes.catchUpRows} rows behind`, target_ratio: 10 }, catchUp);
await compare({ measure: `resident memory per idle connection (${sizes.idleConnections})`, target_ratio: 5, lower_is_better: true }, idleMemory);
// The ingest rows' client ceiling: how close each figure is to what the generator can drive.
for (const row of rows.filter((each) => each.measure.startsWith('acked ingest'))) {
  const shape = row.measure.includes('10 senders') ? '10x16' : '50x1';
  row.client_ceiling = ceilings[shape];
  row.resync.client_ceiling_share = row.resync.value / ceilings[shape].value;
  row.tutorial.client_ceiling_share = row.tutorial.value / ceilings[shape].value;
}
const fan = rows.find((row) => row.measure.startsWith('fan-out'));
rows.push({
  measure: 'fan-out p99 send-to-receive latency',
  resync: { value: fan.resync.p99_ms, unit: 'ms' },
  tutorial: { value: fan.tutorial.p99_ms, unit: 'ms' },
  ratio: fan.tutorial.p99_ms / fan.resync.p99_ms,
  target_ratio: 5,
  lower_is_better: true,
  met: fan.tutorial.p99_ms / fan.resync.p99_ms >= 5,
});

// The table itself is bench/results_table.mjs's (bench/run-all.sh); alone, this prints the rows as JSON.
const results = `${JSON.stringify({ sizes, rows }, null, 2)}\n`;
if (options.json) writeFileSync(options.json, results);
else process.stdout.write(results);
process.exit(0);
