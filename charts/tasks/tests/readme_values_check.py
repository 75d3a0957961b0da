#!/usr/bin/env python3
"""Every leaf key of values.yaml is a row of the values table in README.md, and every row is a
key of values.yaml, with the same default.

A leaf is a scalar, a list or an empty map. A non-empty map documented as one row of type
`object` (free-form: `resources`, `config`, selectors) covers its children.
Needs python3 with PyYAML.   charts/tasks/tests/readme_values_check.py [CHART_DIR]
"""
import json
import os
import re
import sys

import yaml

chart = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
values = yaml.safe_load(open(os.path.join(chart, "values.yaml")))
readme = open(os.path.join(chart, "README.md")).read()

rows = {}
for line in readme.splitlines():
    m = re.match(r"^\| `([^`]+)` \| ([a-z]+) \| (.*?) \| .* \|$", line)
    if m:
        if m.group(1) in rows:
            sys.exit(f"README.md: `{m.group(1)}` is listed twice")
        rows[m.group(1)] = (m.group(2), m.group(3))


def leaves(d, prefix=""):
    for k, v in d.items():
        p = f"{prefix}{k}"
        if isinstance(v, dict) and v and not (p in rows and rows[p][0] == "object"):
            yield from leaves(v, p + ".")
        else:
            yield p, v


def lookup(p):
    d = values
    for k in p.split("."):
        if not isinstance(d, dict) or k not in d:
            return KeyError
        d = d[k]
    return d


def shown(v):
    if isinstance(v, str):
        return '`""`' if v == "" else f"`{v}`"
    return "`" + json.dumps(v, separators=(",", ":")).replace("|", "\\|") + "`"


errors = []
for p, v in leaves(values):
    if p not in rows:
        errors.append(f"values.yaml key `{p}` is missing from the README table")
    elif rows[p][1] != shown(v):
        errors.append(f"`{p}`: README says default {rows[p][1]}, values.yaml has {shown(v)}")
for p in rows:
    if lookup(p) is KeyError:
        errors.append(f"README row `{p}` is not a key of values.yaml")
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
print(f"ok: {len(rows)} README rows cover every key of values.yaml")
