#!/usr/bin/env python3
"""Exact assertions on one probe of a smoke JSON report (see gate/report_files.h):

  probe_outcome.py REPORT.json SERVICE TYPE [--verdict V] [--state S] [--reason REGEX]... [--not-reason REGEX]...

Finds the probe of SERVICE whose type is TYPE, prints it, and exits 1 when its
last verdict / state differ or its reason does not match every --reason (and
matches any --not-reason), with one line saying what differed."""
import json, re, sys

path, service, ptype = sys.argv[1:4]
want = {"verdict": None, "state": None}
reasons, not_reasons = [], []
args = sys.argv[4:]
for flag, value in zip(args[::2], args[1::2]):
    if flag == "--reason":
        reasons.append(value)
    elif flag == "--not-reason":
        not_reasons.append(value)
    else:
        want[flag.lstrip("-")] = value
report = json.load(open(path))
probes = report.get("services", {}).get(service, {}).get("probes", [])
found = [p for p in probes if p.get("type") == ptype]
if not found:
    print(f"PROBE CHECK: no {ptype} probe for {service} in {path}: {json.dumps(report)[:600]}")
    sys.exit(1)
p = found[0]
print(f"{service} {ptype}: state={p.get('state')} verdict={p.get('verdict')} attempts={p.get('attempts')} "
      f"reason={p.get('reason')!r}")
errors = []
for k, v in want.items():
    if v is not None and p.get(k) != v:
        errors.append(f"{k} is {p.get(k)!r}, expected {v!r}")
for rx in reasons:
    if not re.search(rx, p.get("reason", "")):
        errors.append(f"reason does not match /{rx}/")
for rx in not_reasons:
    if re.search(rx, p.get("reason", "")):
        errors.append(f"reason matches /{rx}/")
for e in errors:
    print(f"PROBE CHECK: {service} {ptype}: {e}")
sys.exit(1 if errors else 0)
