// Runs `resync run` on scenario files against a --target-cmd and reads each scenario's
// verdict from its text line, for the tests that run the tutorial's Node servers
// (tests/node/servers/) under the suite. A verdict is its status plus the anomaly kinds the
// checker reported, e.g. "invalid: duplicated, reordered", "valid" or "not applicable: ...".
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const scenariosDir = join(root, 'scenarios');
export const serversDir = join(root, 'tests', 'node', 'servers');

// The command the harness starts (with PORT and RESYNC_RUN_DIR) for one of the servers;
// each keeps its database in $RESYNC_RUN_DIR/chat.db.
export function serverCommand(file) {
  return `exec node '${join(serversDir, file)}'`;
}

// The suite's scenario files: every scenarios/*.json but the schema.
export function suiteFiles() {
  return readdirSync(scenariosDir)
    .filter((name) => name.endsWith('.json') && name !== 'schema.json')
    .sort()
    .map((name) => join(scenariosDir, name));
}

export function readScenario(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

// true when a client of the scenario uses acknowledged delivery ("acked" or {"acked": ...}).
export function hasAckedClient(scenario) {
  return (scenario.clients ?? []).some((client) =>
    client.delivery === 'acked' || (typeof client.delivery === 'object' && client.delivery !== null && 'acked' in client.delivery));
}

// true when the scenario needs what only the embedded server has (a planted bug, preloaded
// rows, an expectation about its tutorial delivery): against a target it is "not applicable"
// (sim/runner/target_findings.cpp).
export function needsEmbeddedServer(scenario) {
  const server = scenario.server ?? {};
  return Boolean(server.planted_bug) || (server.preload_messages ?? 0) > 0 || server.delivery === 'tutorial' ||
    server.write_queue_bytes_max !== undefined;
}

// `resync run ARGS`; returns its exit code, its whole output and the wall time in seconds.
// timeoutMs bounds the run (the test fails with the output so far when it is hit).
export function runResync(args, timeoutMs) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.env.RESYNC_BIN, ['run', ...args], {
    cwd: root, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const out = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  if (result.error) throw new Error(`resync run ${args.join(' ')}: ${result.error.message}\n${out}`);
  return { code: result.status, out, seconds };
}

// Map scenario name -> verdict string, from lines such as
//   scenario reset-during-burst: invalid (expected valid) FAIL — 2 clients, 108 messages, 1 faults, lost 92
//   scenario baseline-no-faults: not applicable: target does not acknowledge "chat message"
export function verdicts(out) {
  const found = new Map();
  for (const line of out.split('\n')) {
    const notApplicable = /^scenario ([a-z0-9-]+): (not applicable: .*)$/.exec(line);
    if (notApplicable) {
      found.set(notApplicable[1], notApplicable[2]);
      continue;
    }
    const ran = /^scenario ([a-z0-9-]+): (valid|invalid|unknown) \(expected .*\) (?:PASS|FAIL|UNKNOWN) — (.*)$/.exec(line);
    if (!ran) continue;
    // The tail is "N clients, N messages, N faults, KIND COUNT, ..." or "... no anomalies".
    const kinds = ran[3].split(', ').map((part) => /^([a-z_]+) \d+$/.exec(part)?.[1]).filter(Boolean).sort();
    found.set(ran[1], kinds.length ? `${ran[2]}: ${kinds.join(', ')}` : ran[2]);
  }
  return found;
}
