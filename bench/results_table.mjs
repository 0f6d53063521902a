// Builds the benchmark table (bench/run-all.sh): the server rows from bench/server_peers.mjs's
// JSON, the proxy rows from resync_proxy_bench's output and the simulator rows from
// bench/fuzz_bench.sh's output. Prints the Markdown table and writes every row as JSON.
//
//   node bench/results_table.mjs SERVER.json PROXY.txt FUZZ.txt OUT.json
// A figure a benchmark did not print is an error naming the benchmark and the line expected.
import { readFileSync, writeFileSync } from 'node:fs';

const [serverJson, proxyText, fuzzText, outJson] = process.argv.slice(2);
if (!outJson) {
  console.error('usage: node bench/results_table.mjs SERVER.json PROXY.txt FUZZ.txt OUT.json');
  process.exit(2);
}

function figure(text, source, pattern, what) {
  const match = pattern.exec(text);
  if (!match) {
    console.error(`${source}: no ${what} in its output (expected a line matching ${pattern}); its output:\n${text}`);
    process.exit(1);
  }
  return match.slice(1).map(Number);
}

const rows = [];
const server = JSON.parse(readFileSync(serverJson, 'utf8'));
// How close a figure came to its client's limit: the Node client's CPU share, or for the C++
// load generator the share of its measured ceiling.
const limit = (f) => {
  if (f.client_ceiling_share !== undefined) return ` (${Math.round(100 * f.client_ceiling_share)} % of the load generator's ceiling)`;
  if (f.client_cpu_share !== undefined) return ` (client CPU ${Math.round(100 * f.client_cpu_share)} %)`;
  return '';
};
const show = (f) => `${f.value.toFixed(f.value < 10 ? 2 : 0)} ${f.unit}${limit(f)}`;
for (const row of server.rows) {
  if (row.client_ceiling) {
    rows.push({
      group: 'server', measure: `load generator ceiling (${row.measure.replace('acked ingest, ', '')}, a peer that acks at once)`,
      resync: show(row.client_ceiling), peer: '-', ratio: null, target: 'print it', met: true,
    });
  }
  rows.push({
    group: 'server',
    measure: row.measure,
    resync: show(row.resync),
    peer: `tutorial: ${show(row.tutorial)}`,
    ratio: row.ratio,
    target: `>= ${row.target_ratio}x${row.lower_is_better ? ' (lower is better)' : ''}`,
    met: row.met,
  });
}

const proxy = readFileSync(proxyText, 'utf8');
const source = 'resync_proxy_bench';
const [direct] = figure(proxy, source, /^ {2}direct +([\d.]+) MB\/s/m, 'direct throughput');
const [proxied] = figure(proxy, source, /^ {2}proxy +([\d.]+) MB\/s/m, 'proxy throughput');
const [socat] = figure(proxy, source, /^ {2}socat +([\d.]+) MB\/s/m, 'socat throughput (is socat installed?)');
rows.push({
  group: 'proxy', measure: 'throughput, 64 KiB writes', resync: `${proxied.toFixed(0)} MB/s`,
  peer: `direct ${direct.toFixed(0)} MB/s, socat ${socat.toFixed(0)} MB/s`, ratio: proxied / direct, target: '>= 0.9x direct', met: proxied / direct >= 0.9,
});
const [addsP50, addsP99] = figure(proxy, source, /^ {2}proxy +p50 .*\(adds p50 ([-\d.]+) us, p99 ([-\d.]+) us\)/m, 'proxy round trip');
const [socatP50, socatP99] = figure(proxy, source, /^ {2}socat +p50 .*\(adds p50 ([-\d.]+) us, p99 ([-\d.]+) us\)/m, 'socat round trip');
rows.push({
  group: 'proxy', measure: 'added round trip p50, 32-byte echo', resync: `+${addsP50.toFixed(1)} us`, peer: `socat +${socatP50.toFixed(1)} us`,
  ratio: socatP50 / addsP50, target: '<= +20 us and below socat', met: addsP50 <= 20 && addsP50 < socatP50,
});
rows.push({
  group: 'proxy', measure: 'added round trip p99, 32-byte echo', resync: `+${addsP99.toFixed(1)} us`, peer: `socat +${socatP99.toFixed(1)} us`,
  ratio: socatP99 / addsP99, target: 'below socat', met: addsP99 < socatP99,
});
const [idle, heap, resident] = figure(proxy, source, /^memory per idle proxied connection \((\d+) connections\): heap ([\d.]+) bytes, resident ([\d.]+) bytes/m, 'idle memory');
rows.push({
  group: 'proxy', measure: `memory per idle proxied connection (${idle})`, resync: `heap ${heap.toFixed(0)} B, resident ${resident.toFixed(0)} B`,
  peer: '-', ratio: 4096 / heap, target: '<= 4 KiB', met: heap <= 4096,
});

const fuzz = readFileSync(fuzzText, 'utf8');
const [oneCore] = figure(fuzz, 'bench/fuzz_bench.sh', /^runs\/s, one core: (\d+)/m, 'runs/s on one core');
const [twoJobs] = figure(fuzz, 'bench/fuzz_bench.sh', /^runs\/s, --jobs 2: (\d+)/m, 'runs/s with --jobs 2');
const [speedUp] = figure(fuzz, 'bench/fuzz_bench.sh', /^sim over live for .*: (\d+)x faster/m, 'sim over live');
rows.push({
  group: 'simulator', measure: 'standard fuzz profile, runs/s with --jobs 2', resync: `${twoJobs} runs/s`, peer: `one core: ${oneCore} runs/s`,
  ratio: twoJobs / 1000, target: '>= 1,000 runs/s', met: twoJobs >= 1000,
});
rows.push({
  group: 'simulator', measure: 'sim over live, same scenario', resync: `${speedUp}x`, peer: 'live', ratio: speedUp, target: 'print it', met: true,
});

console.log('| group | measure | resync | peer | ratio | target | |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.group} | ${row.measure} | ${row.resync} | ${row.peer} | ${row.ratio === null ? '-' : row.ratio.toFixed(2)} | ${row.target} | ${row.met ? 'met' : 'below'} |`);
}
writeFileSync(outJson, `${JSON.stringify({ server_sizes: server.sizes, rows }, null, 2)}\n`);
