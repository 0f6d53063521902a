#!/usr/bin/env python3
"""Shows that scripts/folder_include_cycles.py can fail: over each fixture tree here (a few
empty sources with planted include lines, and for some a planted library_links.txt) it must
exit 1 and print every line of the tree's expected_output.txt.

Usage: check_planted_fixtures.py SCRIPT FIXTURES_DIR
"""

import os
import subprocess
import sys


def check_fixture(script, fixture):
    with open(os.path.join(fixture, "expected_output.txt"), encoding="utf-8") as expected_file:
        expected_lines = [line.rstrip("\n") for line in expected_file if line.strip()]
    command = [sys.executable, script, fixture]
    links = os.path.join(fixture, "library_links.txt")
    if os.path.isfile(links):
        command[2:2] = ["--links", links]  # a planted library link graph, as CMake writes it
    run = subprocess.run(command, capture_output=True, text=True, timeout=60)
    printed_lines = run.stdout.splitlines()
    problems = []
    if run.returncode != 1:
        problems.append(f"exit code {run.returncode}, expected 1")
    problems += [f"missing line: {line!r}" for line in expected_lines if line not in printed_lines]
    name = os.path.basename(fixture)
    if problems:
        print(f"FAIL {name}:\n  " + "\n  ".join(problems) + "\n--- output ---\n" + run.stdout + run.stderr)
        return False
    print(f"ok   {name}: exit 1, {len(expected_lines)} expected lines printed")
    return True


def main(arguments):
    if len(arguments) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    script, fixtures = arguments
    trees = sorted(os.path.join(fixtures, name) for name in os.listdir(fixtures)
                   if os.path.isfile(os.path.join(fixtures, name, "expected_output.txt")))
    if not trees:
        print(f"no fixture trees in {fixtures}", file=sys.stderr)
        return 1
    results = [check_fixture(script, tree) for tree in trees]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
