#!/usr/bin/env python3
"""Assertions on stackgate's smoke reports (JSON and JUnit), independent of
their exact layout: a service's entry is any JSON object / <testcase> that
names it; its text must show the expected outcome and reason.

  reports.py REPORT.json REPORT.xml [--expect-pass SVC...] [--expect-fail SVC=REGEX]...
"""
import json, re, sys
import xml.etree.ElementTree as ET

args = sys.argv[1:]
jpath, xpath = args[0], args[1]
expect_pass, expect_fail, lenient = [], {}, []
mode = None
for a in args[2:]:
    if a in ("--expect-pass", "--expect-fail", "--expect-pass-or-skip"):
        mode = a
    elif mode == "--expect-pass":
        expect_pass.append(a)
    elif mode == "--expect-pass-or-skip":
        lenient.append(a)
    elif mode == "--expect-fail":
        svc, _, rx = a.partition("=")
        expect_fail[svc] = rx
errors = []

with open(jpath) as f:
    raw = f.read()
report = json.loads(raw)
print(f"JSON report ({len(raw)} bytes): {raw[:1500]}")

def objects(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from objects(v)
    elif isinstance(node, list):
        for v in node:
            yield from objects(v)

def entries_for(svc):
    out = []
    for o in objects(report):
        if any(isinstance(v, str) and v == svc for k, v in o.items()):
            out.append(json.dumps(o))
        if isinstance(o.get(svc), (dict, list)):  # {"services": {"redis": {...}}}
            out.append(json.dumps({"service": svc, "entry": o[svc]}))
    return out

FAILWORDS = re.compile(r'"(fail|failed|failure|not_ready|not_yet|fatal|error|unhealthy|down)"|false', re.I)
PASSWORDS = re.compile(r'"(pass|passed|ok|ready|healthy|released|up)"|true', re.I)

for svc in expect_pass:
    es = entries_for(svc)
    if not es:
        errors.append(f"JSON: no entry names {svc}")
    elif not any(PASSWORDS.search(e) for e in es):
        errors.append(f"JSON: {svc} is not reported as passing: {es[0][:300]}")
for svc, rx in expect_fail.items():
    es = entries_for(svc)
    if not es:
        errors.append(f"JSON: no entry names {svc}")
    elif not any(re.search(rx, e, re.I) for e in es):
        errors.append(f"JSON: {svc}'s entry does not give the reason /{rx}/: {es[0][:400]}")
if "cache-pw" in raw or "shop-pw" in raw or "not-the-password" in raw:
    errors.append("JSON: a password is not redacted")

tree = ET.parse(xpath)
xml_text = open(xpath).read()
print(f"JUnit report ({len(xml_text)} bytes): {xml_text[:1500]}")
cases = tree.getroot().iter("testcase")
by_svc = {}
for c in cases:
    text = ET.tostring(c, encoding="unicode")
    ident = " ".join(filter(None, [c.get("name"), c.get("classname")]))
    by_svc.setdefault(ident, []).append((c, text))

def cases_for(svc):
    return [(c, t) for ident, lst in by_svc.items() for (c, t) in lst
            if re.search(rf"(^|[^a-z0-9-]){re.escape(svc)}([^a-z0-9-]|$)", ident)]

for svc in expect_pass:
    cs = cases_for(svc)
    if not cs:
        errors.append(f"JUnit: no testcase names {svc}")
    elif any(c.find("failure") is not None or c.find("error") is not None for c, _ in cs):
        errors.append(f"JUnit: {svc} has a failure")
for svc, rx in expect_fail.items():
    cs = cases_for(svc)
    if not cs:
        errors.append(f"JUnit: no testcase names {svc}")
        continue
    failed = [t for c, t in cs if c.find("failure") is not None or c.find("error") is not None]
    if not failed:
        errors.append(f"JUnit: {svc} has no <failure>")
    elif not any(re.search(rx, t, re.I) for t in failed):
        errors.append(f"JUnit: {svc}'s failure does not give the reason /{rx}/: {failed[0][:300]}")
if "cache-pw" in xml_text or "shop-pw" in xml_text or "not-the-password" in xml_text:
    errors.append("JUnit: a password is not redacted")

for e in errors:
    print("REPORT CHECK:", e)
sys.exit(1 if errors else 0)
