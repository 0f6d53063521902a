// The tutorial's server-delivery step (tests/node/servers/server_delivery.js: express +
// socket.io + sqlite, no acks) under the whole suite: the probe finds that it never
// acknowledges, every scenario with an acked client is "not applicable" with that reason in
// the text output and in JUnit (<skipped message=...>), never unknown or passed, while a
// scenario with plain clients only is run. The run takes every acked scenario of the suite
// (they cost nothing: they are not run) and one plain-only scenario, to keep the test short.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { hasAckedClient, readScenario, runResync, serverCommand, suiteFiles, verdicts } from './lib/suite_verdicts.mjs';

const reason = 'not applicable: target does not acknowledge "chat message"';
const suite_run_timeout_ms = 120000;

function escapeXml(text) {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

describe('a target that never acks (the tutorial server-delivery step)', { timeout: suite_run_timeout_ms + 30000 }, () => {
  it('gets "not applicable" with the reason for every acked scenario, and runs the plain ones', () => {
    const work = mkdtempSync(join(tmpdir(), 'resync-never-acks-'));
    try {
      const junit = join(work, 'junit.xml');
      const all = suiteFiles().map((file) => ({ file, scenario: readScenario(file) }));
      const plain = all.find(({ scenario }) => scenario.name === 'plain-emits-into-blackhole') ??
        all.find(({ scenario }) => !hasAckedClient(scenario));
      const chosen = all.filter((entry) => hasAckedClient(entry.scenario) || entry === plain);
      const { code, out, seconds } = runResync([...chosen.map(({ file }) => file), '--jobs', '2', '--target-cmd', serverCommand('server_delivery.js'),
        '--report', join(work, 'report'), '--junit', junit], suite_run_timeout_ms);
      console.log(`suite against server_delivery.js: ${seconds.toFixed(1)} s, exit ${code}`);
      assert.match(out, /target http:\/\/127\.0\.0\.1:\d+: Engine\.IO 4, Socket\.IO 5, broadcasts "chat message", acknowledges: no/, out);
      const found = verdicts(out);
      const xml = readFileSync(junit, 'utf8');
      const acked = [];
      assert.equal(code, 0, `not applicable counts like a skip; the plain scenario met its expect\n${out}`);
      for (const { file, scenario } of chosen) {
        const verdict = found.get(scenario.name);
        assert.ok(verdict, `no verdict line for ${basename(file)}\n${out}`);
        const testcase = new RegExp(`<testcase [^>]*name="${scenario.name}"[^>]*>\\s*<skipped message="${escapeXml(reason)}"/>`);
        if (hasAckedClient(scenario)) {
          acked.push(scenario.name);
          assert.equal(verdict, reason, `${scenario.name} has an acked client`);
          assert.match(xml, testcase, `JUnit: ${scenario.name} must be skipped with the reason`);
        } else {
          assert.doesNotMatch(verdict, /^not applicable/, `${scenario.name} has only plain clients: it must run`);
          assert.doesNotMatch(xml, testcase);
        }
      }
      assert.ok(acked.length > 0, 'the suite has acked scenarios');
      assert.match(out, new RegExp(`, ${acked.length} not applicable \\(the target lacks what they need\\)`), out);
      assert.match(xml, new RegExp(`<testsuite [^>]*skipped="${acked.length}"`));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
