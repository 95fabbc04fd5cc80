#!/usr/bin/env python3
"""Rewrite labels.json files compactly but still line-readable: one top-level key per line, and one
line per element of a top-level list (connections, accepted, dropped_on_path, ...).

usage: compact_labels.py FILE...
"""
import json, sys


def dump(v):
    return json.dumps(v, separators=(",", ":"), sort_keys=False)


def compact(d, indent=""):
    lines = []
    for k, v in d.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            lines.append('%s%s:[\n%s\n%s]' % (indent + " ", dump(k), ",\n".join(indent + "  " + dump(x) for x in v), indent + " "))
        elif isinstance(v, dict) and k in ("transform", "ground_truth", "listeners") or (isinstance(v, dict) and any(isinstance(x, (list, dict)) and len(x) > 3 for x in v.values())):
            lines.append("%s%s:%s" % (indent + " ", dump(k), compact(v, indent + " ")))
        else:
            lines.append("%s%s:%s" % (indent + " ", dump(k), dump(v)))
    return "{\n" + ",\n".join(lines) + "\n" + indent + "}"


for path in sys.argv[1:]:
    d = json.load(open(path))
    text = compact(d) + "\n"
    assert json.loads(text) == d
    open(path, "w").write(text)
