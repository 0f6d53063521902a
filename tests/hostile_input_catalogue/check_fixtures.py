#!/usr/bin/env python3
"""Shows that scripts/hostile_input_catalogue.py fails when it should: each folder of
fixtures/ holds a small catalogue.md with planted mistakes (a ctest that is not registered, test
cases that do not exist, empty cells, too few rows) and expected_output.txt. The checker must
exit 1 (or the code in expected_exit_code.txt) and print exactly the problems listed there,
each compared up to its ". Fix: " hint, no more and no fewer; a fixture whose expected exit
code is 0 must print the lines listed. arguments.txt, if present, adds arguments (one a line).

Usage: check_fixtures.py SCRIPT FIXTURES_DIR SOURCE_DIR BUILD_DIR
"""

import os
import subprocess
import sys


def read_lines(path):
    with open(path, encoding="utf-8") as lines_file:
        return [line.rstrip("\n") for line in lines_file if line.strip()]


def check_fixture(script, fixture, source_dir, build_dir):
    name = os.path.basename(fixture)
    catalogue = os.path.join(fixture, "catalogue.md")
    expected_lines = read_lines(os.path.join(fixture, "expected_output.txt"))
    exit_file = os.path.join(fixture, "expected_exit_code.txt")
    expected_exit = int(read_lines(exit_file)[0]) if os.path.isfile(exit_file) else 1
    arguments_file = os.path.join(fixture, "arguments.txt")
    extra = read_lines(arguments_file) if os.path.isfile(arguments_file) else []
    command = [sys.executable, script, "--build-dir", build_dir, "--catalogue", catalogue, *extra, source_dir]
    run = subprocess.run(command, capture_output=True, text=True, timeout=60)
    shown = os.path.relpath(catalogue, source_dir)
    # A problem line names the catalogue; its fix hint may be reworded freely.
    printed_problems = [line.split(". Fix: ")[0] for line in run.stdout.splitlines() if line.startswith(shown)]
    problems = []
    if run.returncode != expected_exit:
        problems.append(f"exit code {run.returncode}, expected {expected_exit}")
    if expected_exit == 0:
        problems += [f"missing line: {line!r}" for line in expected_lines if line not in run.stdout.splitlines()]
    else:
        problems += [f"missing problem: {line!r}" for line in expected_lines if line not in printed_problems]
        problems += [f"unexpected problem: {line!r}" for line in printed_problems if line not in expected_lines]
    if problems:
        print(f"FAIL {name}:\n  " + "\n  ".join(problems) + "\n--- output ---\n" + run.stdout + run.stderr)
        return False
    print(f"ok   {name}: exit {expected_exit}, {len(expected_lines)} expected lines printed")
    return True


def main(arguments):
    if len(arguments) != 4:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    script, fixtures, source_dir, build_dir = (os.path.abspath(argument) for argument in arguments)
    folders = sorted(os.path.join(fixtures, name) for name in os.listdir(fixtures)
                     if os.path.isfile(os.path.join(fixtures, name, "catalogue.md")))
    if not folders:
        print(f"no fixture catalogues in {fixtures}", file=sys.stderr)
        return 1
    results = [check_fixture(script, folder, source_dir, build_dir) for folder in folders]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
