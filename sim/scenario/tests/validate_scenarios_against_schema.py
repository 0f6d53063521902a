#!/usr/bin/env python3
"""Validates every scenario file (scenarios/**/*.json except schema.json) against
scenarios/schema.json (JSON Schema draft 2020-12). When python3 has no `jsonschema` module
(Debian: python3-jsonschema) it exits 77 (ctest: skipped) with a message, or 1 with CI=true:
CI installs every tool (scripts/lib/install-deps.sh)."""
import json
import os
import pathlib
import sys


def main() -> int:
    directory = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "scenarios")
    try:
        import jsonschema
    except ImportError:
        missing = ("python3 has no jsonschema module: install the Debian package python3-jsonschema "
                   "(scripts/lib/install-deps.sh does)")
        if os.environ.get("CI") == "true":
            print(f"FAILED: CI=true and {missing}", file=sys.stderr)
            return 1
        print(f"SKIPPED: {missing}; the C++ loader test still checks every scenario file", file=sys.stderr)
        return 77
    schema = json.loads((directory / "schema.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    files = sorted(p for p in directory.rglob("*.json") if p.name != "schema.json")
    if not files:
        print(f"no scenario files in {directory}", file=sys.stderr)
        return 1
    failures = 0
    for path in files:
        errors = sorted(validator.iter_errors(json.loads(path.read_text())), key=lambda e: list(e.absolute_path))
        for error in errors:
            location = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            print(f"{path}: {location}: {error.message}", file=sys.stderr)
        failures += bool(errors)
    print(f"{len(files) - failures} of {len(files)} scenario files match {directory / 'schema.json'}")
    failures += check_schema_rejects_known_mistakes(validator)
    return 1 if failures else 0


BASE = {
    "name": "base", "description": "A valid scenario the negative checks break one way each.",
    "clients": [{"name": "alice", "delivery": {"acked": {"retries": 3}}}, {"name": "bob"}],
    "timeline": [
        {"at_ms": 0, "fault": {"name": "cut", "toxic": {"type": "reset_peer", "attributes": {"timeout": 0},
                                                        "target": {"tag": "alice"},
                                                        "trigger": {"after_frames": 5}}}},
        {"at_ms": 10, "send": {"clients": "all", "count": 3}},
    ],
    "expect": {"verdict": "valid"},
}

MISTAKES = {
    "an unknown top-level key": lambda d: d.update(timelin=[]),
    "a step with two actions": lambda d: d["timeline"][1].update(wait={}),
    "a step without action": lambda d: d["timeline"][1].pop("send"),
    "an unknown toxic attribute": lambda d: d["timeline"][0]["fault"]["toxic"]["attributes"].update(timeot=1),
    "a negative count": lambda d: d["timeline"][1]["send"].update(count=-1),
    "a valid verdict expecting lost": lambda d: d["expect"].update(anomalies=["lost"]),
    "a client named all": lambda d: d["clients"][1].update(name="all"),
    "a trigger with two conditions": lambda d: d["timeline"][0]["fault"]["toxic"]["trigger"].update(after_ms=1),
    "pause with an attribute": lambda d: d["timeline"][0]["fault"]["toxic"].update(type="pause"),
    "slicer without average_size": lambda d: d["timeline"][0]["fault"]["toxic"].update(type="slicer", attributes={}),
    "retries that are neither a number nor unlimited": lambda d: d["clients"][0]["delivery"]["acked"].update(
        retries="forever"),
    "external next to embedded settings": lambda d: d.update(server={"external": {}, "delivery": "strict"}),
    "at_ms beyond 10 minutes": lambda d: d["timeline"][1].update(at_ms=600001),
}


def check_schema_rejects_known_mistakes(validator) -> int:
    import copy
    failures = 0
    if list(validator.iter_errors(BASE)):
        print("schema.json rejects the valid base document of the negative checks", file=sys.stderr)
        failures += 1
    for mistake, apply in MISTAKES.items():
        document = copy.deepcopy(BASE)
        apply(document)
        if not list(validator.iter_errors(document)):
            print(f"schema.json accepts {mistake}", file=sys.stderr)
            failures += 1
    print(f"schema.json rejects {len(MISTAKES) - failures} of {len(MISTAKES)} known mistakes")
    return failures


if __name__ == "__main__":
    sys.exit(main())
