#!/usr/bin/env python3
"""Project a `docker compose config --format json` document onto the fields
berth models, with paths made relative to the scenario directory.

    project.py SCENARIO_DIR < reference.json > expected.json

The same projection is applied to `berth config` output by the conformance
test (tests/integration/conformance.rs), so the two can be compared field by
field. Fields: per service build {context, dockerfile, target, args}, image,
volumes [{type, source, target, read_only}], working_dir, command, entrypoint,
profiles; nulls, empty lists and `read_only: false` are dropped."""
import json
import os
import sys

FIELDS = ["build", "image", "volumes", "working_dir", "command", "entrypoint", "profiles"]
BUILD = ["context", "dockerfile", "target", "args"]
VOLUME = ["type", "source", "target", "read_only"]


def relative(value, root):
    if isinstance(value, str):
        if value == root:
            return "."
        if value.startswith(root + "/"):
            return "./" + value[len(root) + 1:]
        return value
    if isinstance(value, list):
        return [relative(v, root) for v in value]
    if isinstance(value, dict):
        return {k: relative(v, root) for k, v in value.items()}
    return value


def keep(d, keys):
    return {k: d[k] for k in keys if k in d and d[k] not in (None, [], {}, False)}


def project(doc, root):
    services = {}
    for name, svc in sorted((doc.get("services") or {}).items()):
        out = keep(svc, FIELDS)
        if "build" in out:
            out["build"] = keep(out["build"], BUILD)
        if "volumes" in out:
            out["volumes"] = [keep(v, VOLUME) for v in out["volumes"]]
        services[name] = out
    return relative({"services": services}, root)


if __name__ == "__main__":
    root = os.path.realpath(sys.argv[1])
    doc = json.load(sys.stdin)
    json.dump(project(doc, root), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
