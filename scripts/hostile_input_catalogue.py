#!/usr/bin/env python3
"""Keeps docs/HOSTILE-INPUT.md true: every row of its tables names a registered ctest and a
test case that exists in that ctest's sources.

A catalogue table has the header `| # | bad input | what it gets | test |`. Each row needs
all four cells filled, a row number larger than the one before it, and a test cell of one or
more entries `ctest_name: `case`` (several separated by `<br>`):
  - a GoogleTest ctest (its command runs an executable this build made): the case is
    `Suite.Name`, and a TEST/TEST_F/TEST_P/RC_GTEST_PROP(Suite, Name) must be in the sources
    of that executable's add_executable() (and pass the ctest's --gtest_filter, if it has one);
  - a node ctest (its command runs tests/node/*.mjs files): the case is the title of an
    it()/test()/describe() as written in the file, or a substring of it; a title built from a
    template literal is written as it renders (`text frame "9"`), and every value put into it
    must be in the file (the loop value), as it must for a title that is a bare variable;
  - the fuzz targets' replay (its command is `resync_fuzz_replay --all DIR`): the case is
    `target/input`, a file kept in DIR/regressions/ or DIR/corpus/;
  - a script ctest (its command is `bash SCRIPT ...`, e.g. soak_quick): the case is the name
    of one of the script's checks, and must appear in SCRIPT as written.
The registered ctests and their commands are read from the CTestTestfile.cmake files of the
build directory, so a renamed, removed or never-configured ctest is a problem too.

Usage: hostile_input_catalogue.py --build-dir BUILD_DIR [--catalogue FILE] [--rows-min N] SOURCE_DIR
"""

import argparse
import difflib
import fnmatch
import json
import os
import re
import sys

HEADER = ["#", "bad input", "what it gets", "test"]
ROWS_MIN = 40
TEST_CELL_FORM = "ctest_name: `Suite.Name` (GoogleTest) or ctest_name: `title` (node); several joined by <br>"


class Problem:
    def __init__(self, line, row, text, fix):
        self.line, self.row, self.text, self.fix = line, row, text, fix


# ---- the catalogue ------------------------------------------------------------------------

def split_cells(line):
    """The cells of a Markdown table line; `\\|` is a pipe inside a cell (also in code spans)."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", body)]


def is_separator(cells):
    return bool(cells) and all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells)


def read_catalogue(path):
    """Returns (tables, rows, problems): tables as (heading, line, row count); rows as
    (line, number text, cells)."""
    with open(path, encoding="utf-8") as catalogue_file:
        lines = catalogue_file.read().splitlines()
    tables, rows, problems = [], [], []
    heading = "(before any heading)"
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if not line.lstrip().startswith("|"):
            index += 1
            continue
        header = split_cells(line)
        table_line = index + 1
        index += 1
        if header == HEADER:
            if index >= len(lines) or not is_separator(split_cells(lines[index])):
                problems.append(Problem(table_line, None, "the table header is not followed by a |---| line",
                                        "put a line like | --- | --- | --- | --- | under the header"))
            else:
                index += 1
            count = 0
            while index < len(lines) and lines[index].lstrip().startswith("|"):
                cells = split_cells(lines[index])
                rows.append((index + 1, cells))
                count += 1
                index += 1
            tables.append((heading, table_line, count))
        else:
            if header and header[0] == "#":
                problems.append(Problem(table_line, None,
                                        f"a table starting with # has the columns {header}, not {HEADER}",
                                        "use the header | # | bad input | what it gets | test |"))
            while index < len(lines) and lines[index].lstrip().startswith("|"):
                index += 1
    return tables, rows, problems


def parse_test_cell(cell):
    """[(ctest, case)] and the text left over that is not an entry (empty when well formed)."""
    entries = []
    rest = cell
    pattern = re.compile(r"([A-Za-z0-9_.+-]+):\s*(`+)(.+?)\2")
    for match in pattern.finditer(cell):
        case = match.group(3)
        if len(match.group(2)) > 1 and case.startswith(" ") and case.endswith(" "):
            case = case[1:-1]  # a ``code span`` may pad its text with one space
        entries.append((match.group(1), case))
    rest = pattern.sub("", cell)
    rest = re.sub(r"<br\s*/?>", "", rest).strip()
    return entries, rest


# ---- the registered ctests ----------------------------------------------------------------

def cmake_arguments(text):
    """The arguments of one CTestTestfile.cmake command: [=[bracket]=] or "quoted" strings."""
    arguments = []
    for match in re.finditer(r'\[(=*)\[(.*?)\]\1\]|"((?:\\.|[^"\\])*)"', text, re.S):
        if match.group(2) is not None:
            arguments.append(match.group(2))
        else:
            arguments.append(re.sub(r"\\(.)", r"\1", match.group(3)))
    return arguments


def read_registered_ctests(build_dir):
    """{ctest name: command as a list} from the CTestTestfile.cmake tree of build_dir."""
    tests = {}
    pending = [build_dir]
    while pending:
        directory = pending.pop()
        path = os.path.join(directory, "CTestTestfile.cmake")
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as test_file:
            text = test_file.read()
        for match in re.finditer(r'^subdirs\("([^"]*)"\)', text, re.M):
            pending.append(os.path.join(directory, match.group(1)))
        for match in re.finditer(r"^add_test\((.*)\)\s*$", text, re.M):
            arguments = cmake_arguments(match.group(1))
            if arguments:
                tests[arguments[0]] = arguments[1:]
    return tests


def cmake_lists(source_dir):
    skipped = {"build", ".git", "node_modules"}
    for root, directories, files in os.walk(source_dir):
        directories[:] = sorted(d for d in directories if d not in skipped and not d.startswith("."))
        if "CMakeLists.txt" in files:
            yield os.path.join(root, "CMakeLists.txt")


def executable_sources(source_dir, target):
    """The source files add_executable(target ...) and target_sources(target ...) list."""
    sources = []
    for path in cmake_lists(source_dir):
        with open(path, encoding="utf-8") as lists_file:
            text = re.sub(r"#[^\n]*", "", lists_file.read())
        command = r"(?:add_executable|target_sources)\(\s*" + re.escape(target) + r"\s([^)]*)\)"
        for match in re.finditer(command, text):
            for word in match.group(1).split():
                if re.search(r"\.(cpp|cc|cxx|hpp|h)$", word) and "$" not in word:
                    sources.append(os.path.normpath(os.path.join(os.path.dirname(path), word)))
    return sources


def gtest_filter_admits(command, full_name):
    """Whether the ctest's --gtest_filter=POSITIVE[-NEGATIVE] runs the test `Suite.Name`."""
    for argument in command:
        if argument.startswith("--gtest_filter="):
            positive, _, negative = argument[len("--gtest_filter="):].partition("-")
            positives = [pattern for pattern in positive.split(":") if pattern] or ["*"]
            negatives = [pattern for pattern in negative.split(":") if pattern]
            admitted = any(fnmatch.fnmatchcase(full_name, pattern) for pattern in positives)
            return admitted and not any(fnmatch.fnmatchcase(full_name, pattern) for pattern in negatives)
    return True


class CaseFinder:
    def __init__(self, source_dir, build_dir, ctests):
        self.source_dir, self.build_dir, self.ctests = source_dir, build_dir, ctests
        self.texts = {}

    def text(self, path):
        if path not in self.texts:
            with open(path, encoding="utf-8", errors="replace") as source_file:
                self.texts[path] = source_file.read()
        return self.texts[path]

    def relative(self, path):
        return os.path.relpath(path, self.source_dir)

    def check(self, ctest, case):
        """None when the case exists, else (problem, fix)."""
        if ctest not in self.ctests:
            close = difflib.get_close_matches(ctest, sorted(self.ctests), n=3)
            return (f"no ctest named {ctest} is registered in this build",
                    "name a test from `ctest -N`" + (" (did you mean " + " or ".join(close) + "?)" if close else ""))
        command = self.ctests[ctest]
        node_files = [argument for argument in command
                      if argument.endswith(".mjs") and os.sep + "lib" + os.sep not in argument]
        if node_files:
            return self.check_node_case(ctest, case, node_files)
        if command and os.path.basename(command[0]) == "resync_fuzz_replay" and "--all" in command:
            return self.check_fuzz_input(ctest, case, command)
        if len(command) >= 2 and os.path.basename(command[0]) == "bash" and command[1].endswith(".sh"):
            if not os.path.isfile(command[1]):
                return (f"ctest {ctest} runs {command[1]}, which does not exist", "name a ctest whose script exists")
            if case in self.text(command[1]):
                return None
            return (f"`{case}` does not appear in {self.relative(command[1])} (ctest {ctest})",
                    "name one of the script's checks as the script writes it")
        if command and os.path.realpath(command[0]).startswith(os.path.realpath(self.build_dir) + os.sep):
            return self.check_gtest_case(ctest, case, command)
        return (f"ctest {ctest} runs `{' '.join(command[:2])}`, neither node test files nor a GoogleTest executable "
                "of this build, so no test case of it can be checked",
                "name a GoogleTest or node ctest, whose cases this script can find")

    def check_fuzz_input(self, ctest, case, command):
        root = command[command.index("--all") + 1] if command.index("--all") + 1 < len(command) else ""
        if not re.fullmatch(r"[A-Za-z0-9_]+/[^/]+", case):
            return (f"`{case}` is not an input of {ctest}", "write the case as `target/input_file_name`")
        if any(os.path.isfile(os.path.join(root, kind, case)) for kind in ("regressions", "corpus")):
            return None
        return (f"no file {case} in {self.relative(os.path.join(root, 'regressions'))} or "
                f"{self.relative(os.path.join(root, 'corpus'))}",
                "name a kept regression or corpus input as target/file")

    def check_gtest_case(self, ctest, case, command):
        match = re.fullmatch(r"([A-Za-z_]\w*)\.([A-Za-z_]\w*)", case)
        if not match:
            return (f"`{case}` is not a GoogleTest name for {ctest}", "write the case as `Suite.Name`")
        suite, name = match.groups()
        target = os.path.basename(command[0])
        sources = executable_sources(self.source_dir, target)
        if not sources:
            return (f"no add_executable({target} ...) found for ctest {ctest}",
                    "keep the executable's sources listed in a CMakeLists.txt")
        macro = re.compile(r"\b(?:TEST|TEST_F|TEST_P|TYPED_TEST|RC_GTEST_PROP|RC_GTEST_FIXTURE_PROP)\s*\(\s*"
                           + re.escape(suite) + r"\s*,\s*" + re.escape(name) + r"\s*[,)]")
        found = [path for path in sources if os.path.isfile(path) and macro.search(self.text(path))]
        if not found:
            listed = ", ".join(self.relative(path) for path in sources if path.endswith(".cpp"))
            return (f"no TEST/TEST_F/TEST_P/RC_GTEST_PROP({suite}, {name}) in the sources of {target} (ctest {ctest})",
                    f"correct the case name, or name the ctest whose executable holds it ({target} is built from {listed})")
        # A TEST_P runs as PREFIX/Suite.Name/N, PREFIX from its INSTANTIATE_TEST_SUITE_P.
        instantiation = re.compile(r"\bINSTANTIATE_TEST_SUITE_P\(\s*(\w+)\s*,\s*" + re.escape(suite) + r"\s*,")
        prefixes = {prefix for path in found for prefix in instantiation.findall(self.text(path))}
        run_names = [f"{prefix}/{case}/0" for prefix in sorted(prefixes)] or [case]
        if not any(gtest_filter_admits(command, run_name) for run_name in run_names):
            return (f"{case} is in {target}, but ctest {ctest} filters it out (--gtest_filter)",
                    "name the ctest that runs it")
        return None

    def check_node_case(self, ctest, case, files):
        for path in files:
            if not os.path.isfile(path):
                continue
            text = self.text(path)
            verdict = node_title_found(text, case)
            if verdict is True:
                return None
            if isinstance(verdict, str):
                return (f"`{case}` matches the title template {verdict} in {self.relative(path)}, "
                        "but what it puts into the template is not in that file",
                        "write the title with a value the test really loops over")
        return (f"no it()/test()/describe() title of ctest {ctest} ({', '.join(self.relative(p) for p in files)}) "
                f"contains `{case}`",
                "copy the title (or a part of it) from the test file; a title built in a loop as it renders")


TITLE_CALL = re.compile(r"\b(?:it|test|describe)\s*\(\s*(?:(['\"])((?:\\.|(?!\1).)*)\1|`((?:\\.|[^`\\])*)`|([A-Za-z_$][\w$]*)\s*,)",
                        re.S)


def unescape_js(text):
    return re.sub(r"\\(.)", lambda match: {"n": "\n", "t": "\t"}.get(match.group(1), match.group(1)), text)


def value_in_source(value, text):
    candidates = [value]
    if value.startswith('"'):
        try:
            decoded = json.loads(value)
            if isinstance(decoded, str):
                candidates.append(decoded)
        except ValueError:
            pass
    return any(candidate in text or json.dumps(candidate)[1:-1] in text for candidate in candidates if candidate)


def node_title_found(text, case):
    """True when a title of the file holds `case`; a template's text when `case` renders from it
    with values the file does not hold; False otherwise."""
    mismatched = None
    variable_titles = False
    for match in TITLE_CALL.finditer(text):
        quoted, template, variable = match.group(2), match.group(3), match.group(4)
        if quoted is not None:
            if case in unescape_js(quoted):
                return True
        elif template is not None:
            pieces = re.split(r"\$\{(?:[^{}]|\{[^{}]*\})*\}", template)
            if len(pieces) == 1:
                if case in unescape_js(template):
                    return True
                continue
            if any(case in unescape_js(piece) for piece in pieces):
                return True  # a part of the template's fixed text: it names every title of the loop
            pattern = "".join(("(.*?)" if position else "") + re.escape(unescape_js(piece))
                              for position, piece in enumerate(pieces))
            rendered = re.fullmatch(pattern, case, re.S)
            if rendered:
                if all(value_in_source(value, text) for value in rendered.groups()):
                    return True
                mismatched = mismatched or "`" + template + "`"
        elif variable is not None:
            variable_titles = True
    if variable_titles and (f"'{case}'" in text or f'"{case}"' in text or json.dumps(case) in text):
        return True  # it(name, ...) over a list of names, one of them this one
    return mismatched or False


# ---- the check ----------------------------------------------------------------------------

def check(catalogue, source_dir, build_dir, rows_min):
    tables, rows, problems = read_catalogue(catalogue)
    ctests = read_registered_ctests(build_dir)
    finder = CaseFinder(source_dir, build_dir, ctests)
    previous_number = 0
    for line, cells in rows:
        row = cells[0] if cells and cells[0] else f"at line {line}"
        if len(cells) != len(HEADER):
            problems.append(Problem(line, row, f"the row has {len(cells)} cells, not {len(HEADER)}",
                                    "write | # | bad input | what it gets | test | (a | inside a cell is \\|)"))
            continue
        for name, cell in zip(HEADER, cells):
            if not cell:
                problems.append(Problem(line, row, f"the `{name}` cell is empty",
                                        f"fill in {name}" + (": the exact error text, status and body, or close code as the test asserts it"
                                                             if name == "what it gets" else "")))
        if cells[0]:
            if not re.fullmatch(r"[1-9][0-9]*", cells[0]):
                problems.append(Problem(line, row, f"the row number `{cells[0]}` is not a positive integer",
                                        "number the rows 1, 2, 3, ... across the whole file"))
            elif int(cells[0]) <= previous_number:
                problems.append(Problem(line, row, f"row number {cells[0]} does not follow {previous_number}",
                                        "number the rows in increasing order across the whole file"))
            else:
                previous_number = int(cells[0])
        if not cells[3]:
            continue
        entries, rest = parse_test_cell(cells[3])
        if not entries or rest:
            problems.append(Problem(line, row, f"cannot read the test cell `{cells[3]}`", "write it as " + TEST_CELL_FORM))
            continue
        for ctest, case in entries:
            found = finder.check(ctest, case)
            if found:
                problems.append(Problem(line, row, found[0], found[1]))
    if len(rows) < rows_min:
        problems.append(Problem(None, None, f"the catalogue has {len(rows)} rows; it needs at least {rows_min}",
                                "add rows for bad inputs that tests already prove"))
    return tables, rows, problems


def main(arguments):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--build-dir", required=True, help="a configured build directory (holds CTestTestfile.cmake)")
    parser.add_argument("--catalogue", help="the catalogue to check (default: SOURCE_DIR/docs/HOSTILE-INPUT.md)")
    parser.add_argument("--rows-min", type=int, default=ROWS_MIN, help=f"rows required (default {ROWS_MIN})")
    parser.add_argument("source_dir")
    options = parser.parse_args(arguments)
    source_dir = os.path.abspath(options.source_dir)
    catalogue = os.path.abspath(options.catalogue or os.path.join(source_dir, "docs", "HOSTILE-INPUT.md"))
    if not os.path.isfile(os.path.join(options.build_dir, "CTestTestfile.cmake")):
        print(f"{options.build_dir}: no CTestTestfile.cmake: configure the build first (cmake --preset release)",
              file=sys.stderr)
        return 2
    if not os.path.isfile(catalogue):
        print(f"{catalogue}: no such catalogue", file=sys.stderr)
        return 2
    tables, rows, problems = check(catalogue, source_dir, os.path.abspath(options.build_dir), options.rows_min)
    shown = os.path.relpath(catalogue, source_dir) if catalogue.startswith(source_dir + os.sep) else catalogue
    for problem in problems:
        where = f"{shown}:{problem.line}: " if problem.line else f"{shown}: "
        row = f"row {problem.row}: " if problem.row else ""
        print(f"{where}{row}{problem.text}. Fix: {problem.fix}")
    if problems:
        print(f"hostile_input_catalogue: {len(problems)} problem(s) in {shown}")
        return 1
    per_table = ", ".join(f"{heading}: {count}" for heading, _, count in tables)
    print(f"hostile_input_catalogue: {len(rows)} rows in {len(tables)} tables, every ctest and test case found ({per_table})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
