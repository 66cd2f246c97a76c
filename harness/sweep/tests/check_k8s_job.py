#!/usr/bin/python3
"""examples/k8s/sweep-job.yaml, the Kubernetes recipe of a sharded sweep (docs/sweeps.md, "On a
cluster"), checked without a cluster.

usage: check_k8s_job.py COCONUT_SIM SOURCE_DIR WORK_DIR

- sweep-job.yaml and the merge Job in examples/k8s/README.md are valid batch/v1 Jobs under the
  strict Kubernetes v1.30 schema copied in examples/k8s/schema/ (no network: the schema is read
  from the tree);
- the validation can fail: mutated copies (a number as a string, an unknown field, a container
  without its name, an env value that is not a string) are each rejected at the mutated field;
- the recipe holds together: Indexed, completions = parallelism = SHARDS, restartPolicy Never,
  a shell that reads JOB_COMPLETION_INDEX, no "$(" for Kubernetes to expand, OUT_ROOT on the
  mounted volume;
- the pod's script, run here with /bin/sh for every index (SCENARIO, SEEDS, OUT_ROOT pointed at
  this tree), and the README's merge script give the local sweep's files byte for byte; an index
  past SHARDS exits 2; a pod whose seed fails a gate exits 0 with the failure in its shard; the
  merge script refuses a missing shard.
"""
import copy
import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import yaml

SIM, SRC, WORK = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
K8S = os.path.join(SRC, "examples", "k8s")
MINIMAL = os.path.join(SRC, "scenarios", "examples", "minimal.yaml")
RELEASE = os.path.join(SRC, "scenarios", "fairness-4tenant-flooder.yaml")
failures = []


def check(ok, what, output=""):
    """Prints the check; output (a command's) only when it failed."""
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not output else "\n" + output))
    if not ok:
        failures.append(what)
    return ok


with open(os.path.join(K8S, "schema", "job-batch-v1.json")) as f:
    SCHEMA = json.load(f)
# openapi2jsonschema writes draft-4 keywords; its "$schema" names no draft, so say which.
jsonschema.Draft4Validator.check_schema(SCHEMA)
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)


def errors(doc):
    """Each schema violation as 'path: message', path like spec.template.spec.containers.0.name."""
    return sorted(".".join(str(p) for p in e.absolute_path) + ": " + e.message
                  for e in VALIDATOR.iter_errors(doc))


def valid_job(doc, what):
    errs = errors(doc)
    check(not errs, f"{what} is a valid batch/v1 Job" + "".join("\n     " + e for e in errs))
    check(doc.get("apiVersion") == "batch/v1" and doc.get("kind") == "Job",
          f"{what}: apiVersion batch/v1, kind Job")


# The recipe and the README's merge Job, against the schema.
with open(os.path.join(K8S, "sweep-job.yaml")) as f:
    docs = list(yaml.safe_load_all(f))
check(len(docs) == 1, f"sweep-job.yaml holds one document ({len(docs)})")
JOB = docs[0]
valid_job(JOB, "sweep-job.yaml")
with open(os.path.join(K8S, "README.md")) as f:
    blocks = re.findall(r"```yaml\n(.*?)```", f.read(), re.S)
readme_jobs = [d for b in blocks for d in yaml.safe_load_all(b) if d and d.get("kind") == "Job"]
check(len(readme_jobs) == 1, f"README.md shows one Job (the merge), found {len(readme_jobs)}")
MERGE_JOB = readme_jobs[0] if readme_jobs else {}
valid_job(MERGE_JOB, "README.md's merge Job")

# Validation can fail: each mutation is rejected at the field it broke.
def mutated(change):
    doc = copy.deepcopy(JOB)
    change(doc)
    return doc


def container(doc):
    return doc["spec"]["template"]["spec"]["containers"][0]


mutations = [
    ("completions as a string", lambda d: d["spec"].update(completions="4"), "spec.completions:"),
    ("an unknown field (completionsMode)", lambda d: d["spec"].update(completionsMode="Indexed"),
     "spec: Additional properties"),
    ("a container without its name", lambda d: container(d).pop("name"),
     "spec.template.spec.containers.0: 'name' is a required property"),
    ("an env value that is a number", lambda d: container(d)["env"][0].update(value=4),
     "spec.template.spec.containers.0.env.0.value:"),
]
for what, change, where in mutations:
    errs = errors(mutated(change))
    check(any(e.startswith(where) for e in errs),
          f"rejected: {what} (expected an error at '{where}', got {errs})")

# The recipe holds together.
spec = JOB["spec"]
pod = spec["template"]["spec"]
c = container(JOB)
env = {e["name"]: e["value"] for e in c.get("env", [])}
shards = int(env.get("SHARDS", "0"))
check(spec.get("completionMode") == "Indexed", "completionMode Indexed")
check(spec.get("completions") == spec.get("parallelism") == shards > 0,
      f"completions ({spec.get('completions')}) = parallelism ({spec.get('parallelism')}) "
      f"= SHARDS ({shards})")
check(pod.get("restartPolicy") == "Never", "restartPolicy Never (podFailurePolicy needs it)")
check(c.get("command") == ["/bin/sh", "-c"] and len(c.get("args", [])) == 1,
      "the container runs one script with /bin/sh -c")
script = c["args"][0]
check("JOB_COMPLETION_INDEX" in script and '--shard "$k/$SHARDS"' in script,
      "the script takes --shard from JOB_COMPLETION_INDEX")
for name, text in (("sweep", script), ("merge", MERGE_JOB and container(MERGE_JOB)["args"][0])):
    check("$(" not in text, f"the {name} script has no '$(' (Kubernetes would expand $(VAR))")
mounts = [m["mountPath"] for m in c.get("volumeMounts", [])]
check(any(env.get("OUT_ROOT", "").startswith(m.rstrip("/") + "/") for m in mounts),
      f"OUT_ROOT ({env.get('OUT_ROOT')}) is on a mounted volume ({mounts})")
claims = [v["persistentVolumeClaim"]["claimName"] for v in pod.get("volumes", [])
          if "persistentVolumeClaim" in v]
check(len(claims) == 1, f"the volume is a PersistentVolumeClaim ({claims})")

# The pods' script and the merge script, run here.
shutil.rmtree(WORK, ignore_errors=True)
BIN = os.path.join(WORK, "bin")
os.makedirs(BIN)
os.symlink(SIM, os.path.join(BIN, "coconut-sim"))  # the image has coconut-sim on PATH


def pod_run(text, extra):
    e = {"PATH": BIN + ":/usr/bin:/bin", "HOME": WORK}
    e.update(env)
    e.update(extra)
    p = subprocess.run(["/bin/sh", "-c", text], env=e, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    return p.returncode, p.stdout


def read(path):
    with open(path, "rb") as f:
        return f.read()


here = {"SCENARIO": MINIMAL, "SEEDS": "1..10", "OUT_ROOT": os.path.join(WORK, "out"),
        "SWEEP_OPTIONS": "--no-determinism-rerun --quiet"}
for k in range(shards):
    code, out = pod_run(script, dict(here, JOB_COMPLETION_INDEX=str(k)))
    check(code == 0, f"pod {k}/{shards} exits 0 ({code})", out)
merge_env = {e["name"]: e["value"] for e in container(MERGE_JOB).get("env", [])}
check(merge_env.get("SHARDS") == env.get("SHARDS") and merge_env.get("OUT_ROOT") == env.get(
    "OUT_ROOT"), "the merge Job's SHARDS and OUT_ROOT are the sweep Job's")
merge_script = container(MERGE_JOB)["args"][0]
code, out = pod_run(merge_script, {"OUT_ROOT": here["OUT_ROOT"]})
check(code == 0, f"the merge script exits 0 ({code})", out)
local = os.path.join(WORK, "local")
p = subprocess.run([SIM, "sweep", MINIMAL, "--seeds", "1..10", "--out", local,
                    "--no-determinism-rerun", "--quiet"], stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True)
check(p.returncode == 0, f"local sweep ({p.returncode})", p.stdout)
for name in ("seeds.jsonl", "summary.json"):
    merged = os.path.join(here["OUT_ROOT"], "merged", name)
    check(os.path.exists(merged) and read(merged) == read(os.path.join(local, name)),
          f"{shards} pods merged: {name} equals the local sweep's byte for byte")

code, out = pod_run(script, dict(here, JOB_COMPLETION_INDEX=str(shards),
                                 OUT_ROOT=os.path.join(WORK, "past")))
check(code == 2 and "not below SHARDS" in out, f"index {shards} of {shards}: exit 2 ({code})", out)

shutil.rmtree(os.path.join(here["OUT_ROOT"], "shard-1"))
code, out = pod_run(merge_script, {"OUT_ROOT": here["OUT_ROOT"]})
check(code == 2 and f"not {shards}" in out,
      f"the merge script refuses a missing shard: exit 2 ({code})", out)

# Seed 1 of the release scenario fails its isolation gate under fifo (docs/sweeps.md).
failing = os.path.join(WORK, "failing")
code, out = pod_run(script, dict(here, JOB_COMPLETION_INDEX="0", SCENARIO=RELEASE, SEEDS="1",
                                 OUT_ROOT=failing,
                                 SWEEP_OPTIONS="--policy fifo --no-determinism-rerun --quiet"))
summary = os.path.join(failing, "shard-0", "summary.json")
failed = json.load(open(summary))["failed"] if os.path.exists(summary) else None
check(code == 0 and failed == 1,
      f"a pod whose seed fails a gate exits 0 ({code}), its shard counts it (failed {failed})", out)

if not failures:  # kept otherwise, to look at
    shutil.rmtree(WORK, ignore_errors=True)
print(f"k8s job: {'FAILED: ' + str(len(failures)) if failures else 'every check passed'}")
sys.exit(1 if failures else 0)
