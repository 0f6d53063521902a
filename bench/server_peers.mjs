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
// Every row is driven by Resync's C++ load generator (bench/load/, over Resync's own WebSocket
// client transport on real sockets), whose own ceiling against a peer that acks at once is
// measured first and printed as a row: a server figure near it is the client's limit, not the
// server's.
// Everything listens on 127.0.0.1 on free ports and is stopped at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { repoRoot, sqlite } from '../tests/node/lib/server.mjs';

const { values: options } = parseArgs({
  options: {
    bin: { type: 'string', default: join(repoRoot, 'build/release/app/resync') },
    'load-bin': { type: 'string', default: join(repoRoot, 'build/release/bench/resync_load_bench') },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (options.help) {
  console.log(`usage: node bench/server_peers.mjs [--bin build/release/app/resync] [--load-bin build/release/bench/resync_load_bench]
                                 [--json FILE] [--quick]
Runs every server row (ingest, fan-out, catch-up, idle memory) against resync serve and the tutorial's
Node server in the same run; without --json the rows go to stdout as JSON. bench/run-all.sh calls it.`);
  process.exit(0);
}

// The sizes of each measurement (--quick: a smoke run of the script itself).
const sizes = options.quick
  ? { ingestMessages: 300, fanoutClients: 20, fanoutMessages: 50, catchUpRows: 2000, idleConnections: 100 }
  : { ingestMessages: 3000, fanoutClients: 100, fanoutMessages: 300, catchUpRows: 100000, idleConnections: 10000 };
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

// One measurement of the C++ load generator (bench/load/): its JSON line, or an error naming
// the command and what it printed.
function loadBench(subcommand, args) {
  const fullArgs = [subcommand, ...args, '--timeout-s', String(measurement_timeout_ms / 1000)];
  const run = spawnSync(options['load-bin'], fullArgs, { encoding: 'utf8', timeout: measurement_timeout_ms + 10000 });
  let line = null;
  try {
    line = JSON.parse(run.stdout.trim().split('\n').pop());
  } catch {
    line = null;
  }
  if (run.status !== 0 || !line || !line.completed) {
    throw new Error(`the load generator failed (${options['load-bin']} ${fullArgs.join(' ')}): ${run.stderr || ''}${run.stdout || ''}`);
  }
  return line;
}

const portOf = (peer) => new URL(peer.url).port;

// Acked ingest: `senders` WebSocket clients, each with `inFlight` acked sends outstanding;
// every client also receives every broadcast, as in the tutorial. Without a peer, the
// generator's own ceiling (--echo-peer: acked at once, nothing stored).
function ingest(peer, senders, inFlight) {
  const target = peer ? ['--port', portOf(peer)] : ['--echo-peer'];
  const line = loadBench('ingest', [...target, '--senders', String(senders), '--in-flight', String(inFlight),
    '--messages', String(sizes.ingestMessages)]);
  return { value: line.acked_per_second, unit: 'acked msg/s' };
}

// Fan-out: `fanoutClients` receivers and one sender with 8 acked sends in flight; latency is
// from the send to each receiver's arrival (one process, one clock).
function fanout(peer) {
  const line = loadBench('fanout', ['--port', portOf(peer), '--receivers', String(sizes.fanoutClients),
    '--in-flight', '8', '--messages', String(sizes.fanoutMessages)]);
  return { value: line.deliveries_per_second, unit: 'deliveries/s', p50_ms: line.p50_ms, p99_ms: line.p99_ms, max_ms: line.max_ms };
}

// Catch-up: one fresh reader (serverOffset 0) to a database of `catchUpRows` rows.
async function catchUp(name) {
  const peer = await startPeer(name, sizes.catchUpRows);
  try {
    const line = loadBench('catch-up', ['--port', portOf(peer), '--rows', String(sizes.catchUpRows)]);
    return { value: line.rows_per_second, unit: 'rows/s' };
  } finally {
    await peer.stop();
  }
}

// Resident memory per idle connection: the server's RSS growth over `idleConnections`
// connected, silent clients (the generator reads /proc/<pid>/status before and after).
async function idleMemory(name) {
  const peer = await startPeer(name);
  try {
    const line = loadBench('idle', ['--port', portOf(peer), '--server-pid', String(peer.pid),
      '--connections', String(sizes.idleConnections)]);
    return { value: line.kib_per_connection, unit: 'KiB/connection', connections: sizes.idleConnections,
      rss_before_kib: line.rss_before_kib, rss_after_kib: line.rss_after_kib };
  } finally {
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
  // An absolute target too (catch-up rows/s, KiB per idle connection), where the issue sets one.
  const absoluteMet = row.target_value === undefined ||
    (row.lower_is_better ? figures.resync.value <= row.target_value : figures.resync.value >= row.target_value);
  rows.push({ ...row, resync: figures.resync, tutorial: figures.tutorial, ratio, met: ratio >= row.target_ratio && absoluteMet });
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
await compare({ measure: `catch-up, one client ${sizes.catchUpRows} rows behind`, target_ratio: 10, target_value: 1000000 }, catchUp);
await compare({ measure: `resident memory per idle connection (${sizes.idleConnections})`, target_ratio: 5, target_value: 10, lower_is_better: true }, idleMemory);
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
