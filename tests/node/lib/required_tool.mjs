// A program a test needs from the system, and the skip reason when it is missing. The reason
// names the program and its Debian package; tests/node/lib/run_test_file.mjs turns the skip
// into a ctest skip, or, with CI=true, into a failure (CI installs every tool:
// scripts/lib/install-deps.sh).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function reason(program, debianPackage, where) {
  return `${program} not found${where ? ` at ${where}` : ''}: install the Debian package ${debianPackage} ` +
    `(apt-get install -y ${debianPackage}; scripts/lib/install-deps.sh does)`;
}

// false when `path` exists, else the skip reason.
export function missingFile(program, debianPackage, path) {
  return existsSync(path) ? false : reason(program, debianPackage, path);
}

// false when `program` runs from PATH (`program ...versionArguments` starts), else the skip reason.
export function missingProgram(program, debianPackage, versionArguments = ['--version']) {
  const probe = spawnSync(program, versionArguments, { stdio: 'ignore' });
  return probe.error ? reason(program, debianPackage) : false;
}
