#!/usr/bin/env python3
"""Checks that the project's folders include each other in one direction only.

Usage: folder_include_cycles.py [--layers] [--links FILE] ROOT

Reads every `#include "..."` line of the C++ sources under ROOT and maps each file to its
folder (the library folders of docs/ARCHITECTURE.md). It fails (exit 1) when
  - the includes between folders form a cycle (printed as folder -> folder -> folder, with
    one file:line per arrow),
  - a folder other than app/ includes app/,
  - a folder outside reports/ includes reports/.
With --links FILE (written by cmake/library_links.cmake at configure time: each library's
sources and the libraries it links) a library's link to a library of another folder is one
more arrow between folders, so a link upward fails as an include upward does; so does a
library whose sources sit in more than one folder.
Exit 0 when none of these holds, 2 on a usage error. --layers also prints the folders in
an order where each one includes only folders printed before it.

A file's folder is the longest entry of LIBRARY_FOLDERS its path starts with; a file under no
entry belongs to its own directory, so a folder added later is checked without editing this
list (a sub-folder such as fault_injector/core/toxics belongs to fault_injector/core). Unit
tests (`*/tests/`) and benchmarks (`*/bench/`) belong to the folder they sit in: a test may
include only what its folder may include.
"""

import collections
import os
import re
import sys

LIBRARY_FOLDERS = [
    "protocol",
    "common",
    "server/core",
    "server/cluster",
    "server/host",
    "server/shell",
    "fault_injector/core",
    "fault_injector/control",
    "fault_injector/shell",
    "sim/client",
    "sim/scenario",
    "sim/history",
    "sim/checker",
    "sim/execution",
    "sim/runner",
    "sim/simulator",
    "sim/suite",
    "sim/fuzz",
    "reports/junit",
    "reports/html",
    "input_fuzzing",
    "app",
]

# Top-level directories that hold no library code: integration tests (and their npm
# modules), build trees, documentation, scripts, scenario files.
SKIPPED_TOP_LEVEL = {"tests", "bench", "cmake", "docs", "examples", "scenarios", "scripts"}
SKIPPED_ANYWHERE = {".git", "node_modules"}
SOURCE_SUFFIXES = (".cpp", ".cc", ".hpp", ".h", ".ipp")
INCLUDE_LINE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
APP_FOLDER = "app"
REPORTS_PREFIX = "reports"


def folder_of(relative_path):
    """The folder a file (a path relative to ROOT, '/'-separated) belongs to."""
    best = None
    for folder in LIBRARY_FOLDERS:
        if relative_path.startswith(folder + "/") and (best is None or len(folder) > len(best)):
            best = folder
    if best is not None:
        return best
    parts = relative_path.split("/")[:-1]
    for marker in ("tests", "bench"):
        if marker in parts:
            parts = parts[: parts.index(marker)]
    return "/".join(parts) if parts else "."


def is_skipped_directory(relative_directory):
    parts = relative_directory.split("/")
    if parts[0] in SKIPPED_TOP_LEVEL or parts[0].startswith("build"):
        return True
    return any(part in SKIPPED_ANYWHERE for part in parts)


def source_files(root):
    for directory, subdirectories, files in os.walk(root):
        relative_directory = os.path.relpath(directory, root).replace(os.sep, "/")
        if relative_directory != "." and is_skipped_directory(relative_directory):
            subdirectories[:] = []
            continue
        subdirectories.sort()
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                relative = name if relative_directory == "." else relative_directory + "/" + name
                yield relative


def resolve_include(root, including_file, included):
    """The included file relative to ROOT: project includes are ROOT-relative; a name found
    only beside the including file is relative to it. None for a file outside the project."""
    if os.path.exists(os.path.join(root, included)):
        return os.path.normpath(included).replace(os.sep, "/")
    beside = os.path.join(os.path.dirname(including_file), included)
    if os.path.exists(os.path.join(root, beside)):
        return os.path.normpath(beside).replace(os.sep, "/")
    # A generated header (not in the source tree) still names its folder by its path.
    first = included.split("/")[0]
    if "/" in included and os.path.isdir(os.path.join(root, first)):
        return included
    return None


class Arrow:
    """One folder including (or linking) another, with the first line that shows it."""

    def __init__(self, file, line, text, verb="includes"):
        self.file, self.line, self.text, self.verb = file, line, text, verb

    def where(self):
        return f"{self.file}:{self.line}: {self.text}"


def read_library_links(root, links_path, folders, arrows):
    """Adds the link arrows of a cmake/library_links.cmake file; returns its problems."""
    sources, links, line_of = collections.defaultdict(list), collections.defaultdict(list), {}
    library = None
    with open(links_path, encoding="utf-8") as links_file:
        for number, line in enumerate(links_file, start=1):
            kind, _, value = line.strip().partition(" ")
            if kind == "library":
                library = value
                line_of[library] = number
            elif kind == "source" and library is not None:
                sources[library].append(value)
            elif kind == "links" and library is not None:
                links[library].append((value, number))
    root_path = os.path.abspath(root)
    shown_links_path = os.path.relpath(os.path.abspath(links_path), root_path).replace(os.sep, "/")
    if shown_links_path.startswith("../"):
        shown_links_path = links_path
    folder_of_library, problems = {}, []
    for library in sorted(line_of):
        library_folders = set()
        for source in sources[library]:
            absolute = source if os.path.isabs(source) else os.path.join(root_path, source)
            relative = os.path.relpath(absolute, root_path).replace(os.sep, "/")
            if relative.startswith("../") or is_skipped_directory(os.path.dirname(relative) or "."):
                continue  # generated in the build tree, or outside the project
            library_folders.add(folder_of(relative))
        if len(library_folders) > 1:
            problems.append(f"library {library} has sources in folders {', '.join(sorted(library_folders))} "
                            f"(one library, one folder): {shown_links_path}:{line_of[library]}")
        if len(library_folders) == 1:
            folder_of_library[library] = library_folders.pop()
    for library, linked in sorted(links.items()):
        for other, number in linked:
            from_folder, to_folder = folder_of_library.get(library), folder_of_library.get(other)
            if from_folder is None or to_folder is None or from_folder == to_folder:
                continue
            folders.update((from_folder, to_folder))
            arrows.setdefault((from_folder, to_folder),
                              Arrow(shown_links_path, number, f"{library} links {other}", "links"))
    return problems


def read_folder_graph(root):
    arrows = {}  # (from_folder, to_folder) -> first Arrow in file order
    folders = set()
    for relative in source_files(root):
        from_folder = folder_of(relative)
        folders.add(from_folder)
        with open(os.path.join(root, relative), encoding="utf-8", errors="replace") as source:
            for number, line in enumerate(source, start=1):
                match = INCLUDE_LINE.match(line)
                if not match:
                    continue
                included = resolve_include(root, relative, match.group(1))
                if included is None:
                    continue
                to_folder = folder_of(included)
                if to_folder != from_folder:
                    arrows.setdefault((from_folder, to_folder), Arrow(relative, number, line.strip()))
    return folders, arrows


def strongly_connected_components(folders, arrows):
    """Tarjan's algorithm, iterative; components of more than one folder are the cycles."""
    successors = collections.defaultdict(list)
    for from_folder, to_folder in sorted(arrows):
        successors[from_folder].append(to_folder)
    index_of, low_of, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for start in sorted(folders):
        if start in index_of:
            continue
        work = [(start, iter(successors[start]))]
        index_of[start] = low_of[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            folder, children = work[-1]
            advanced = False
            for child in children:
                if child not in index_of:
                    index_of[child] = low_of[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low_of[folder] = min(low_of[folder], index_of[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low_of[parent] = min(low_of[parent], low_of[folder])
            if low_of[folder] == index_of[folder]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == folder:
                        break
                components.append(sorted(component))
    return successors, components


def cycle_path(start, members, successors):
    """The shortest path start -> ... -> start inside one component: breadth-first search from
    start, then the parents of the folder that closes the cycle, walked back."""
    previous = {start: None}
    queue = collections.deque([start])
    while queue:
        folder = queue.popleft()
        for child in successors[folder]:
            if child not in members:
                continue
            if child == start:
                path = [folder]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                path.reverse()  # start ... folder
                return path + [start]
            if child not in previous:
                previous[child] = folder
                queue.append(child)
    raise AssertionError(f"no cycle through {start} in its own component")


def upward_include_problems(arrows):
    problems = []
    for (from_folder, to_folder), arrow in sorted(arrows.items()):
        if to_folder == APP_FOLDER and from_folder != APP_FOLDER:
            problems.append(f"{from_folder} {arrow.verb} app/ (only app/ may): {arrow.where()}")
        reports_target = to_folder == REPORTS_PREFIX or to_folder.startswith(REPORTS_PREFIX + "/")
        reports_source = from_folder == REPORTS_PREFIX or from_folder.startswith(REPORTS_PREFIX + "/")
        if reports_target and not reports_source and from_folder != APP_FOLDER:
            problems.append(f"{from_folder} {arrow.verb} {to_folder}/ (only reports/ and app/ may): {arrow.where()}")
    return problems


def layered_order(folders, arrows):
    """Folders such that each includes only folders before it (valid when there is no cycle)."""
    remaining = set(folders)
    order = []
    while remaining:
        ready = sorted(f for f in remaining if not any((f, g) in arrows for g in remaining if g != f))
        if not ready:
            return order + sorted(remaining)
        order.extend(ready)
        remaining.difference_update(ready)
    return order


def main(arguments):
    show_layers, links_path, positional = False, None, []
    remaining = list(arguments)
    while remaining:
        argument = remaining.pop(0)
        if argument == "--layers":
            show_layers = True
        elif argument == "--links" and remaining:
            links_path = remaining.pop(0)
        else:
            positional.append(argument)
    if len(positional) != 1 or not os.path.isdir(positional[0]) or (links_path and not os.path.isfile(links_path)):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = positional[0]
    folders, arrows = read_folder_graph(root)
    failed = False
    if links_path:
        for problem in read_library_links(root, links_path, folders, arrows):
            failed = True
            print("library layout: " + problem)
    successors, components = strongly_connected_components(folders, arrows)
    for component in components:
        if len(component) < 2:
            continue
        failed = True
        path = cycle_path(component[0], set(component), successors)
        print("folder cycle: " + " -> ".join(path))
        for from_folder, to_folder in zip(path, path[1:]):
            print(f"  {from_folder} -> {to_folder}: {arrows[(from_folder, to_folder)].where()}")
        if len(component) > len(path) - 1:
            print("  (folders in the same cycle: " + ", ".join(component) + ")")
    for problem in upward_include_problems(arrows):
        failed = True
        print("upward arrow: " + problem)
    if show_layers:
        print("folders, each including only folders above it:")
        for folder in layered_order(folders, arrows):
            included = sorted(to for (frm, to) in arrows if frm == folder)
            print(f"  {folder}: {', '.join(included) if included else '-'}")
    if failed:
        return 1
    print(f"folder_include_cycles: {len(folders)} folders, {len(arrows)} arrows between folders "
          f"({'includes and library links' if links_path else 'includes'}), no cycle, no upward include")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
