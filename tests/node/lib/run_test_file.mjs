// Runs one node:test file as `node --test FILE` does (spec output) and turns its outcome into
// ctest's terms, so a skip is never counted as a pass:
//   exit 0  every test ran and passed
//   exit 1  a test failed (or, with CI=true, a test was skipped)
//   exit 77 nothing failed but a test was skipped: ctest shows it as "Skipped"
//           (the tests are registered with SKIP_RETURN_CODE 77)
// CI installs every tool the tests use (scripts/lib/install-deps.sh), so with CI=true a skip
// means the set-up is incomplete: it fails, quoting each skip's reason (the tool and its
// Debian package).
// Usage: node tests/node/lib/run_test_file.mjs tests/node/some.test.mjs
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const SKIPPED_EXIT_CODE = 77;
const file = process.argv[2];
if (!file) {
  console.error('usage: node run_test_file.mjs FILE.mjs');
  process.exit(2);
}

const skipped = []; // [name, reason]
let failed = 0;
const stream = run({ files: [file] });
stream.on('test:pass', (test) => {
  if (test.skip !== undefined && test.skip !== false) skipped.push([test.name, test.skip === true ? '(no reason given)' : test.skip]);
});
stream.on('test:fail', () => {
  failed += 1;
});
const reporter = stream.compose(new spec());
reporter.pipe(process.stdout);
reporter.on('end', () => {
  const reasons = skipped.map(([name, reason]) => `  - ${name}: ${reason}`).join('\n');
  if (failed > 0) {
    process.exitCode = 1;
  } else if (skipped.length > 0 && process.env.CI === 'true') {
    console.log(`FAILED: ${skipped.length} test(s) skipped with CI=true; CI must run every test ` +
      `(scripts/lib/install-deps.sh installs every tool):\n${reasons}`);
    process.exitCode = 1;
  } else if (skipped.length > 0) {
    console.log(`SKIPPED: ${skipped.length} test(s) did not run:\n${reasons}`);
    process.exitCode = SKIPPED_EXIT_CODE;
  }
});
