#!/usr/bin/env python3
"""docs/x-stackgate.schema.json against every compose file in the repo.

  check_schema.py REPO_ROOT STACKGATE

1. Every compose file that git knows under examples/ and tests/ (and the
   compose file inside the Kubernetes ConfigMap example) validates. At least
   one of them must use x-stackgate or a stackgate.* label, so the check
   cannot pass vacuously.
2. Every file in tests/data/schema/invalid/ fails the schema at the path its
   first line names (`# invalid: services/db/x-stackgate/...`), and stackgate
   itself rejects it too (`stackgate lint` exits 2), so the schema is not
   stricter than the loader on these cases.
Exit 0 when all hold; otherwise one line per problem and exit 1.
"""
import json
import os
import subprocess
import sys

import jsonschema
import yaml

root, stackgate = sys.argv[1], sys.argv[2]
with open(os.path.join(root, "docs/x-stackgate.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
problems = []


def compose_documents(path):
    """The compose projects in one YAML file: the file itself, or the
    `compose.yaml` strings of a Kubernetes ConfigMap."""
    with open(path, encoding="utf-8") as f:
        try:
            docs = list(yaml.safe_load_all(f))
        except yaml.YAMLError:
            return  # not plain YAML (a fuzz input, a template): not a compose file
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        if isinstance(doc.get("services"), dict):
            yield path, doc
        if doc.get("kind") == "ConfigMap":
            for key, text in (doc.get("data") or {}).items():
                inner = yaml.safe_load(text) if isinstance(text, str) and "services:" in text else None
                if isinstance(inner, dict) and isinstance(inner.get("services"), dict):
                    yield f"{path} (ConfigMap data {key})", inner


def uses_extension(doc):
    for svc in (doc.get("services") or {}).values():
        if not isinstance(svc, dict):
            continue
        if "x-stackgate" in svc:
            return True
        labels = svc.get("labels")
        keys = labels.keys() if isinstance(labels, dict) else labels if isinstance(labels, list) else []
        if any(isinstance(k, str) and k.startswith("stackgate.") for k in keys):
            return True
    return False


files = subprocess.run(["git", "-C", root, "ls-files", "-co", "--exclude-standard", "examples", "tests"],
                       check=True, capture_output=True, text=True).stdout.split("\n")
checked = using = 0
for rel in sorted(files):
    if not rel.endswith((".yaml", ".yml")) or rel.startswith(("tests/fuzz/", "tests/data/schema/invalid/")):
        continue
    path = os.path.join(root, rel)
    if not os.path.isfile(path):
        continue
    for name, doc in compose_documents(path):
        checked += 1
        using += uses_extension(doc)
        for error in validator.iter_errors(doc):
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{name}: {where}: {error.message}")
print(f"schema: {checked} compose documents validated, {using} of them use x-stackgate or stackgate.* labels")
if using == 0:
    problems.append("no compose file in examples/ or tests/ uses x-stackgate: nothing was really checked")

invalid_dir = os.path.join(root, "tests/data/schema/invalid")
invalid = sorted(n for n in os.listdir(invalid_dir) if n.endswith(".yaml"))
if not invalid:
    problems.append(f"no negative cases in {invalid_dir}")
for n in invalid:
    path = os.path.join(invalid_dir, n)
    with open(path, encoding="utf-8") as f:
        first = f.readline()
        doc = yaml.safe_load(first + f.read())
    expected = first.removeprefix("# invalid:").strip() if first.startswith("# invalid:") else None
    if not expected:
        problems.append(f"{n}: the first line must be '# invalid: <path of the expected error>'")
        continue
    paths = ["/".join(str(p) for p in e.absolute_path) for e in validator.iter_errors(doc)]
    if not paths:
        problems.append(f"{n}: the schema accepts it")
    elif not any(p == expected or p.startswith(expected + "/") for p in paths):
        problems.append(f"{n}: the schema rejects it at {paths}, not at {expected}")
    run = subprocess.run([stackgate, "lint", "-f", path], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "COMPOSE_FILE": "", "COMPOSE_PROFILES": "", "NO_COLOR": "1"})
    if run.returncode != 2:
        problems.append(f"{n}: stackgate lint exited {run.returncode}, not 2 (the loader accepts what the schema "
                        f"rejects): {(run.stdout + run.stderr).strip()[:300]}")
print(f"schema: {len(invalid)} negative cases")

for p in problems:
    print("FAIL " + p)
sys.exit(1 if problems else 0)
