// The tutorial's client-delivery server (tests/node/servers/client_delivery.js: express +
// socket.io 4.8.1 + sqlite/sqlite3, acks after the INSERT) under the whole suite twice with
// --target-cmd and --jobs 2, each scenario on its own database ($RESYNC_RUN_DIR/chat.db).
// Every scenario gets a verdict both times (none unknown, none "not applicable": the server
// acks), and the verdicts established as stable against this server are the same both times
// and equal the table below. The tutorial's server is not correct: its catch-up on connect
// races with live broadcasts, so many scenarios are invalid, and for the scenarios listed in
// timingDependent which anomalies appear depends on timing (docs/TESTING-YOUR-SERVER.md says
// why for each); their two verdicts are printed, not compared. A scenario in neither table
// (added later) must give the same verdict both times.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScenario, runResync, scenariosDir, serverCommand, suiteFiles, verdicts } from './lib/suite_verdicts.mjs';

// Established over four release runs of the suite with --jobs 2 on the 2-core machine: the
// same verdict every time. "KIND" lists are the anomaly kinds the checker reported.
const stable = new Map([
  ['acked-emits-into-blackhole', 'valid'],
  ['baseline-no-faults', 'valid'],
  ['catch-up-cut-by-byte-limit', 'valid'],
  ['disconnect-during-catch-up', 'valid'],
  ['link-blackholed-mid-conversation', 'valid'],
  ['link-paused-mid-conversation', 'valid'],
  ['link-paused-past-ping-timeout', 'valid'],
  ['link-reset-mid-conversation', 'valid'],
  // The checker compares a reloaded page with the whole log; a page that keeps only its offset
  // shows none of the older messages (the same verdict as the embedded server's).
  ['page-reload-keeping-offset', 'invalid: lost'],
  // A reload reconnects with serverOffset 0 while the other client sends: the tutorial's
  // catch-up (db.each after the socket joined the broadcast) interleaves with io.emit.
  ['page-reload-tutorial-page', 'invalid: duplicated, reordered'],
  ['plain-emits-into-blackhole', 'valid: sent_unknown'],
  // Its expectation (lost) is about the embedded server's planted bug, which a target lacks.
  ['plain-sends-dropped-by-server', 'valid'],
  ['recovery-window-expired', 'valid'],
  ['recovery-within-window', 'valid'],
  ['reset-between-insert-and-broadcast-acked', 'valid'],
  ['server-down-while-clients-send', 'valid: sent_unknown'],
  ['server-sigterm-restart', 'invalid: duplicated, sent_unknown'],
  ['slow-link-bandwidth-and-slicer', 'valid'],
  ['strict-recovery-twice-in-a-row', 'valid'],
  // Planted bug of the embedded server again: the target recovers correctly.
  ['strict-recovery-twice-skips-first-missed', 'valid'],
  ['strict-server-catch-up-race', 'invalid: duplicated, reordered'],
  ['strict-server-recovery-replay-cut', 'invalid: duplicated, recovery_repeat'],
  ['tutorial-recovery-with-no-event-received', 'invalid: lost'],
  ['tutorial-server-catch-up-race', 'invalid: duplicated, reordered'],
  ['tutorial-server-recovery-replay-cut', 'invalid: duplicated, recovery_repeat'],
]);

// Scenarios whose anomaly kinds changed between runs against this server, and why (each
// seen in the histories: docs/TESTING-YOUR-SERVER.md, "Verdicts that depend on timing").
const timingDependent = new Map([
  ['clean-close-during-burst', 'catch-up race on reconnect; lost when the run ends while plain inserts are still queued'],
  ['explicit-disconnect-and-reconnect', 'catch-up race: whether a live broadcast lands inside the reconnect catch-up'],
  ['many-clients-chatting', 'catch-up race of the clients that connect while others chat'],
  ['plain-sends-dropped-with-faults-on-another-client', 'catch-up race on the faulted client\'s reconnect'],
  ['reset-between-insert-and-broadcast-plain', 'catch-up race on the reset client\'s reconnect'],
  ['reset-during-burst', 'catch-up race; lost when the run ends while plain inserts are still queued'],
  ['server-sigkill-process-crash-durability', 'catch-up race after the restart'],
  ['server-sigkill-under-acked-load', 'catch-up race after the restart'],
  ['slow-link-latency-and-jitter', 'a client\'s first catch-up (offset 0) races with the first broadcasts'],
  ['strict-recovery-after-cut-catch-up', 'bob\'s 600-row catch-up is cut after 300 frames on every attempt until the heal: which rows each attempt got decides duplicates'],
  ['strict-recovery-after-cut-catch-up-repeats-last-seen', 'the same cut catch-up (seen valid in one run of four, duplicated and reordered in the others)'],
  ['strict-recovery-with-no-event-received', 'catch-up race of a 1800-message catch-up with live sends'],
  ['tutorial-server-race-with-dedupe-clients', 'lost when the run ends while plain inserts are still queued'],
  ['tutorial-server-reset-during-catch-up', 'lost when the run ends while plain inserts are still queued'],
]);

const suite_run_timeout_ms = 240000;

describe('the tutorial client-delivery server under the suite twice', { timeout: 2 * suite_run_timeout_ms + 30000 }, () => {
  it('gives the same verdicts both times', () => {
    const names = suiteFiles().map((file) => readScenario(file).name);
    const unclassified = names.filter((name) => !stable.has(name) && !timingDependent.has(name));
    const work = mkdtempSync(join(tmpdir(), 'resync-tutorial-twice-'));
    try {
      const runs = [1, 2].map((n) => {
        const { code, out, seconds } = runResync([scenariosDir, '--jobs', '2', '--target-cmd', serverCommand('client_delivery.js'),
          '--report', join(work, `run${n}`)], suite_run_timeout_ms);
        console.log(`run ${n}: the suite (${names.length} scenarios) against client_delivery.js in ${seconds.toFixed(1)} s, exit ${code}`);
        assert.match(out, /acknowledges: yes/, out);
        return { found: verdicts(out), out };
      });
      const report = [];
      for (const name of names) {
        const [first, second] = runs.map((run) => run.found.get(name));
        for (const verdict of [first, second]) {
          assert.ok(verdict, `${name}: no verdict line\n${runs.map((run) => run.out).join('\n')}`);
          assert.doesNotMatch(verdict, /^(unknown|not applicable)/, `${name}: ${verdict}`);
        }
        if (timingDependent.has(name)) {
          console.log(`timing-dependent ${name}: ${first} | ${second}${first === second ? '' : ' (differ)'}`);
          continue;
        }
        if (first !== second) report.push(`${name}: run 1 "${first}", run 2 "${second}"`);
        else if (stable.has(name) && first !== stable.get(name)) report.push(`${name}: "${first}" both times, established "${stable.get(name)}"`);
      }
      // A scenario added since the table was made must still give the same verdict twice.
      if (unclassified.length) console.log(`not in the tables yet (compared run to run only): ${unclassified.join(', ')}`);
      assert.deepEqual(report, [], `verdicts that changed (histories in ${work}, kept):\n  ${report.join('\n  ')}`);
      rmSync(work, { recursive: true, force: true });
    } catch (error) {
      // Keep the histories of a failure for `resync check` / `resync report`.
      console.log(`histories kept in ${work}`);
      throw error;
    }
  });
});
