#!/usr/bin/env python3
"""The structure of action.yml (GitHub cannot run it here), and its users.

  check_action.py REPO_ROOT STACKGATE

- a composite action: name, description, inputs (each described), runs.using
  = composite, steps that each `run` with a `shell` or `uses` an action;
- every ${{ inputs.X }} names a declared input and every input is used;
  every ${{ steps.S.outputs.Y }} names an earlier step S that writes Y to
  $GITHUB_OUTPUT; outputs' values too;
- every run script parses (bash -n, expressions replaced by a word);
- the smoke step runs `stackgate smoke` with options that `stackgate smoke
  --help` lists, and an upload step (actions/upload-artifact, if: always())
  uploads inputs.report-path;
- examples/ci-smoke/github-actions.yml and the README's YAML blocks that use
  the action pass only declared inputs, and every required one.
Exit 0 when all hold; otherwise one line per problem and exit 1.
"""
import os
import re
import subprocess
import sys

import yaml

root, stackgate = sys.argv[1], sys.argv[2]
problems = []
with open(os.path.join(root, "action.yml")) as f:
    text = f.read()
action = yaml.safe_load(text)

for key in ("name", "description", "inputs", "runs"):
    if not action.get(key):
        problems.append(f"action.yml: no {key}")
inputs = action.get("inputs") or {}
for name, spec in inputs.items():
    if not isinstance(spec, dict) or not spec.get("description"):
        problems.append(f"action.yml: input {name} has no description")
    elif spec.get("required") is True and "default" in spec:
        problems.append(f"action.yml: input {name} is required and has a default")
runs = action.get("runs") or {}
if runs.get("using") != "composite":
    problems.append(f"action.yml: runs.using is {runs.get('using')!r}, not composite")
steps = runs.get("steps") or []
if not steps:
    problems.append("action.yml: no steps")

expr = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
used_inputs = set()
for m in expr.finditer(text):
    for ref in re.findall(r"\binputs\.([A-Za-z0-9_-]+)", m.group(1)):
        used_inputs.add(ref)
        if ref not in inputs:
            problems.append(f"action.yml: ${{{{ {m.group(1)} }}}} names no declared input")
for name in inputs:
    if name not in used_inputs:
        problems.append(f"action.yml: input {name} is declared but never used")

step_outputs = {}
for i, step in enumerate(steps):
    label = step.get("name") or step.get("id") or f"step {i + 1}"
    if ("run" in step) == ("uses" in step):
        problems.append(f"action.yml: {label}: needs exactly one of run and uses")
    if "run" in step and not step.get("shell"):
        problems.append(f"action.yml: {label}: a composite step with run needs shell")
    # Outputs referenced here must come from an earlier step.
    for m in expr.finditer(yaml.safe_dump(step)):
        for sid, out in re.findall(r"\bsteps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", m.group(1)):
            if out not in step_outputs.get(sid, set()):
                problems.append(f"action.yml: {label}: steps.{sid}.outputs.{out} is not written by an earlier step")
    if "run" in step:
        script = expr.sub("x", step["run"])
        check = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        if check.returncode != 0:
            problems.append(f"action.yml: {label}: bash -n: {check.stderr.strip()}")
        if step.get("id"):
            step_outputs[step["id"]] = set(re.findall(r'echo "([A-Za-z0-9_-]+)=[^"]*" *>> *"\$GITHUB_OUTPUT"', script))
for name, spec in (action.get("outputs") or {}).items():
    for sid, out in re.findall(r"\bsteps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", str(spec.get("value", ""))):
        if out not in step_outputs.get(sid, set()):
            problems.append(f"action.yml: output {name}: steps.{sid}.outputs.{out} is not written")

smoke = [s for s in steps if "run" in s and re.search(r"\bsmoke\b.*--report-junit", s["run"], re.S)]
if len(smoke) != 1:
    problems.append(f"action.yml: expected one step running `stackgate smoke --report-junit`, found {len(smoke)}")
else:
    help_text = subprocess.run([stackgate, "smoke", "--help"], capture_output=True, text=True, timeout=30).stdout
    command = smoke[0]["run"][smoke[0]["run"].index(" smoke "):]
    for flag in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", command))):
        if not re.search(r"(^|[\s,])" + re.escape(flag) + r"\b", help_text):
            problems.append(f"action.yml: the smoke step passes {flag}, which `stackgate smoke --help` does not list")
uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
if len(uploads) != 1:
    problems.append(f"action.yml: expected one actions/upload-artifact step, found {len(uploads)}")
else:
    up = uploads[0]
    if "always()" not in str(up.get("if", "")):
        problems.append("action.yml: the upload step must run if: always() (reports matter most on failure)")
    if "inputs.report-path" not in str((up.get("with") or {}).get("path", "")):
        problems.append("action.yml: the upload step does not upload inputs.report-path")


def check_use(where, step):
    given = set((step.get("with") or {}).keys())
    for name in sorted(given - set(inputs)):
        problems.append(f"{where}: passes {name}, which action.yml does not declare")
    for name, spec in inputs.items():
        if spec.get("required") is True and name not in given:
            problems.append(f"{where}: does not pass the required input {name}")


def action_steps(doc):
    """Steps that use the action: in a workflow's jobs, or a bare list of steps."""
    if isinstance(doc, list):
        jobs = [{"steps": doc}]
    else:
        jobs = ((doc or {}).get("jobs") or {}).values()
    for job in jobs:
        for step in job.get("steps") or []:
            uses = str(step.get("uses", ""))
            if uses == "./" or re.fullmatch(r"[^/\s]+/stackgate@\S+", uses):
                yield step


users = 0
example = os.path.join(root, "examples/ci-smoke/github-actions.yml")
with open(example) as f:
    for step in action_steps(yaml.safe_load(f)):
        users += 1
        check_use("examples/ci-smoke/github-actions.yml", step)
if users == 0:
    problems.append("examples/ci-smoke/github-actions.yml does not use the action")
with open(os.path.join(root, "README.md")) as f:
    for block in re.findall(r"```ya?ml\n(.*?)```", f.read(), re.S):
        if "/stackgate@" not in block:
            continue
        try:
            doc = yaml.safe_load(block)
        except yaml.YAMLError as e:
            problems.append(f"README.md: a YAML block using the action does not parse: {e}")
            continue
        for step in action_steps(doc):
            users += 1
            check_use("README.md", step)
print(f"action: {len(inputs)} inputs, {len(steps)} steps, {users} uses checked")
for p in problems:
    print("FAIL " + p)
sys.exit(1 if problems else 0)
