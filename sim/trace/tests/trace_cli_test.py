#!/usr/bin/python3
"""coconut-sim traces end to end (docs/traces.md).

  roundtrip SIM SCENARIO OUTDIR [--until D]   record a run, replay it: exit 0, every record
  mutations SIM SCENARIO OUTDIR               each mutation is reported at its index (exit 1)
  malformed SIM OUTDIR                        each malformed trace exits 2 naming its line
  shipped SIM TRACE...                        each shipped trace replays (exit 0)
  coverage SIM SCHEMA TRACE OUTDIR            the trace holds every call kind the schema names,
                                              the refusals traces/README.md promises and output
                                              digests; a changed digest diverges at its record
"""
import json
import os
import re
import subprocess
import sys

TIMEOUT_S = 300


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    return p.returncode, p.stdout, p.stderr


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def record(sim, scenario, path, until=None):
    cmd = [sim, "run", scenario, "--no-determinism-rerun", "--quiet", "--trace", path]
    if until:
        cmd += ["--until", until]
    rc, out, err = run(cmd)
    if rc not in (0, 1):
        fail("run %s: exit %d\n%s%s" % (scenario, rc, out, err))
    return path


def replay(sim, path, *extra):
    return run([sim, "replay", path, *extra])


def roundtrip(sim, scenario, outdir, until):
    os.makedirs(outdir, exist_ok=True)
    path = record(sim, scenario, os.path.join(outdir, os.path.basename(scenario) + ".jsonl"), until)
    with open(path) as f:
        lines = sum(1 for _ in f)
    rc, out, err = replay(sim, path)
    if rc != 0:
        fail("replay %s: exit %d\n%s%s" % (path, rc, out, err))
    m = re.search(r"reproduced (\d+) records, (\d+) checkpoints, head ([0-9a-f]{64})", out)
    if not m or int(m.group(1)) != lines - 1:
        fail("replay %s: expected %d records reproduced, got: %s" % (path, lines - 1, out))
    # --until stops early and still reproduces.
    rc, out, err = replay(sim, path, "--until", "10")
    if rc != 0 or "reproduced 11 records" not in out:
        fail("replay --until 10: exit %d: %s%s" % (rc, out, err))
    print("ok: %s (%d records)" % (scenario, lines - 1))


def write(path, lines):
    with open(path, "w") as f:
        for l in lines:
            f.write(l + "\n")


def expect_diverged(sim, path, index, what):
    rc, out, err = replay(sim, path)
    if rc != 1:
        fail("%s: expected exit 1, got %d\n%s%s" % (what, rc, out, err))
    if not re.search(r"^diverged at record %d \(" % index, out, re.M):
        fail("%s: expected the divergence at record %d, got:\n%s" % (what, index, out))
    print("ok: %s reported at record %d" % (what, index))


def mutations(sim, scenario, outdir):
    os.makedirs(outdir, exist_ok=True)
    path = record(sim, scenario, os.path.join(outdir, "base.jsonl"))
    with open(path) as f:
        lines = f.read().splitlines()
    recs = [json.loads(l) for l in lines[1:]]

    def pick(pred, start):
        # From the middle on, then from the start: where a pattern (a call right before a
        # seal) falls depends on the run's timing, which scheduler changes move.
        for k in list(range(start, len(recs) - 1)) + list(range(0, start)):
            if pred(recs[k]):
                return k
        fail("no record to mutate")

    mid = len(recs) // 2
    # A changed return code: a call with ret 0 now claims -EPERM.
    k = pick(lambda r: r["call"] not in ("checkpoint", "seal", "sealer_stall", "tpm_fail")
             and r["ret"] == 0, mid)
    m = list(lines)
    r = dict(recs[k]); r["ret"] = -1
    m[k + 1] = json.dumps(r, separators=(",", ":"))
    write(os.path.join(outdir, "ret.jsonl"), m)
    expect_diverged(sim, os.path.join(outdir, "ret.jsonl"), k, "changed ret")

    # A dropped record.
    k = pick(lambda r: r["call"] != "checkpoint", mid)
    m = lines[:k + 1] + lines[k + 2:]
    write(os.path.join(outdir, "drop.jsonl"), m)
    expect_diverged(sim, os.path.join(outdir, "drop.jsonl"), k, "dropped record")

    # An edited checkpoint head.
    k = pick(lambda r: r["call"] == "checkpoint", mid)
    m = list(lines)
    r = dict(recs[k]); h = r["head"]
    r["head"] = ("0" if h[0] != "0" else "1") + h[1:]
    m[k + 1] = json.dumps(r, separators=(",", ":"))
    write(os.path.join(outdir, "head.jsonl"), m)
    expect_diverged(sim, os.path.join(outdir, "head.jsonl"), k, "edited head")

    # Two adjacent records swapped.
    k = pick(lambda r: r["call"] != "checkpoint", mid)
    m = list(lines)
    m[k + 1], m[k + 2] = m[k + 2], m[k + 1]
    write(os.path.join(outdir, "swap.jsonl"), m)
    expect_diverged(sim, os.path.join(outdir, "swap.jsonl"), k, "swapped pair")

    # The same swap with the indices renumbered: the kernel itself tells (a return or the
    # next checkpoint's head), at or after the swap.
    k = pick(lambda r: r["call"] in ("inflight_begin", "agent_cap_present") and
             recs[recs.index(r) + 1]["call"] == "seal", mid)
    a, b = dict(recs[k]), dict(recs[k + 1])
    a["i"], b["i"] = b["i"], a["i"]
    if b["t"] < a["t"]:
        b["t"] = a["t"]
    m = list(lines)
    m[k + 1], m[k + 2] = json.dumps(b, separators=(",", ":")), json.dumps(a, separators=(",", ":"))
    write(os.path.join(outdir, "swap2.jsonl"), m)
    rc, out, err = replay(sim, os.path.join(outdir, "swap2.jsonl"))
    got = re.search(r"^diverged at record (\d+)", out, re.M)
    if rc != 1 or not got or int(got.group(1)) < k:
        fail("renumbered swap: expected a divergence at or after %d, got %d\n%s%s" % (k, rc, out, err))
    print("ok: renumbered swap reported at record %s" % got.group(1))


def expect_malformed(sim, path, line, field, what):
    rc, out, err = replay(sim, path)
    if rc != 2:
        fail("%s: expected exit 2, got %d\n%s%s" % (what, rc, out, err))
    want = "%s:%d: %s" % (path, line, field)
    if want not in err:
        fail("%s: expected '%s' in the error, got:\n%s" % (what, want, err))
    print("ok: %s -> %s" % (what, err.strip()[:160]))


def malformed(sim, outdir):
    os.makedirs(outdir, exist_ok=True)
    header = {"format": "coconut-trace", "version": 1, "kernel": "test", "clock": "sim-ns",
              "boot_id": "00" * 16,
              "topology": {"cpus": 2, "audit": {"ring_slots": 64, "log_events": 1024,
                                                "anchor_every_events": 0, "anchor_every_ns": 0,
                                                "tpm_nv_index": 1},
                           "seal_inline": False, "tier_capacity_bytes": [1 << 30, 1 << 30, 1 << 30],
                           "root_caps": ["agent.spawn"], "authorizers": []},
              "scenario": "malformed", "seed": 0, "checkpoint_every": 1024}
    H = json.dumps(header)
    seal = lambda i, t, cpu=0: json.dumps({"i": i, "t": t, "cpu": cpu, "aid": 0, "call": "seal",
                                           "args": {"max_events": 100}, "ret": 3 if i == 0 else 0})
    ok = [H, seal(0, 5), seal(1, 6)]
    # A valid trace without the final checkpoint: exit 2 at the end.
    cases = [
        ("empty", [], 1, "header"),
        ("header only", [H], 2, "checkpoint"),
        ("truncated line", ok + [seal(2, 7)[:25]], 4, "json"),
        ("bad json", ok + ["{\"i\":2,,}"], 4, "json"),
        ("wrong format", [H.replace("coconut-trace", "other-trace")] + ok[1:], 1, "format"),
        ("version 99", [H.replace("\"version\": 1", "\"version\": 99")] + ok[1:], 1, "version"),
        ("unknown call", ok + [seal(2, 7).replace("\"seal\"", "\"reboot\"")], 4, "call"),
        ("cpu out of range", ok + [seal(2, 7, cpu=2)], 4, "cpu"),
        ("negative time", ok + [seal(2, -7)], 4, "t"),
        ("time going back", ok + [seal(2, 3)], 4, "t"),
        ("huge number", ok + [seal(2, 7).replace("\"t\": 7", "\"t\": 1e400")], 4, "json"),
        ("u64 overflow", ok + [seal(2, 7).replace("\"t\": 7", "\"t\": 18446744073709551616")], 4, "t"),
        ("missing args", ok + [json.dumps({"i": 2, "t": 7, "cpu": 0, "aid": 0, "call": "seal", "ret": 0})], 4, "args"),
        ("string for number", ok + [seal(2, 7).replace("\"max_events\": 100", "\"max_events\": \"100\"")], 4, "args.max_events"),
        ("bad head", ok + [json.dumps({"i": 2, "t": 7, "call": "checkpoint", "head": "xyz", "sealed": 1})], 4, "head"),
        ("10 MB line", ok + ["{\"i\":2,\"pad\":\"" + "x" * (10 << 20) + "\"}"], 4, "line"),
        # Two "ret"s: malformed (nlohmann would keep the last and the replay "diverge").
        ("duplicate key", ok + [seal(2, 7).replace("\"ret\": 0", "\"ret\": 0, \"ret\": -1")], 4, "ret"),
        ("duplicate nested key", ok + [seal(2, 7).replace("\"max_events\": 100", "\"max_events\": 100, \"max_events\": 5")], 4, "max_events"),
        # A field no record has (a misspelt "token"), in a call and in a checkpoint.
        ("unknown field", ok + [seal(2, 7).replace("\"ret\": 0", "\"ret\": 0, \"tokn\": 5")], 4, "tokn"),
        ("unknown checkpoint field", ok + [json.dumps({"i": 2, "t": 7, "call": "checkpoint", "head": "00" * 32, "sealed": 1, "cpu": 0})], 4, "cpu"),
    ]
    for n, (what, lines, line, field) in enumerate(cases):
        path = os.path.join(outdir, "m%02d.jsonl" % n)
        write(path, lines) if lines else open(path, "w").close()
        expect_malformed(sim, path, line, field, what)
    rc, out, err = run([sim, "replay", os.path.join(outdir, "no-such.jsonl")])
    if rc != 2 or "no-such.jsonl" not in err:
        fail("missing file: exit %d %s" % (rc, err))
    print("ok: missing file")
    rc, out, err = run([sim, "replay", outdir])
    if rc != 2 or "not a regular file" not in err:
        fail("a directory: exit %d %s" % (rc, err))
    print("ok: a directory")


def shipped(sim, traces):
    for t in traces:
        rc, out, err = replay(sim, t)
        if rc != 0 or "reproduced" not in out:
            fail("%s: exit %d\n%s%s" % (t, rc, out, err))
        print("ok: %s: %s" % (t, out.strip()))


# What the co-simulation coverage trace must hold besides every call kind: failures of the
# calls whose error paths the guest would otherwise never see (call, ret).
COVERAGE_FAILURES = [
    ("agent_attest", -116),       # ESTALE: a terminated agent
    ("agent_audit_query", -134),  # ECAPABILITY: a caller without audit.query
    ("agent_memory_tier", -122),  # EDQUOT: over the mem budget
    ("agent_memory_tier", -134),  # ECAPABILITY: a tier the agent holds no cap for
    ("agent_release", -22),       # EINVAL: not quarantined
    ("agent_kill", -116),         # ESTALE: already terminated
    ("agent_exit", -116),
    ("agent_cap_present", -134),
    ("inflight_complete", -134),  # an in-flight operation whose cap was revoked
]


def coverage(sim, schema_path, trace, outdir):
    schema = json.load(open(schema_path))
    calls = [ref["$ref"].rsplit("/", 1)[1] for ref in schema["$defs"]["record"]["oneOf"]]
    seen = {}
    with open(trace) as f:
        next(f)  # the header
        for line in f:
            obj = json.loads(line)
            seen.setdefault(obj["call"], set()).add(obj.get("ret", 0))
    missing = [c for c in calls if c not in seen]
    if missing:
        fail("%s: no record of %s" % (trace, ", ".join(missing)))
    for call, ret in COVERAGE_FAILURES:
        if ret not in seen[call]:
            fail("%s: no %s answering %d (saw %s)" % (trace, call, ret, sorted(seen[call])))
    for call in ("agent_attest", "agent_audit_query"):
        if not any(r > 0 for r in seen[call]):
            fail("%s: no %s that succeeded" % (trace, call))
    rc, out, err = replay(sim, trace)
    if rc != 0:
        fail("%s: exit %d\n%s%s" % (trace, rc, out, err))
    print("ok: %s: all %d call kinds, %d refusals" % (trace, len(calls), len(COVERAGE_FAILURES)))
    # Output digests: each successful attest and audit_query carries one, and replay checks
    # the bytes, not only their length: a changed digest is a divergence at its record.
    with open(trace) as f:
        lines = f.read().splitlines()
    outs = [n for n, l in enumerate(lines) if '"out":"' in l]
    for call in ("agent_attest", "agent_audit_query"):
        if not any('"call":"%s"' % call in lines[n] for n in outs):
            fail("%s: no %s record with an output digest" % (trace, call))
    os.makedirs(outdir, exist_ok=True)
    for n in outs[:1] + outs[-1:]:
        obj = json.loads(lines[n])
        digest = obj["out"]
        obj["out"] = ("0" if digest[0] != "0" else "1") + digest[1:]
        bad = lines[:n] + [json.dumps(obj, separators=(",", ":"))] + lines[n + 1:]
        path = os.path.join(outdir, "out-%d.jsonl" % n)
        write(path, bad)
        expect_diverged(sim, path, obj["i"], "changed %s digest" % obj["call"])
    # A digest on a call that returns no bytes is malformed.
    n = next(k for k, l in enumerate(lines) if '"call":"agent_quota"' in l)
    obj = json.loads(lines[n])
    obj["out"] = "00" * 32
    path = os.path.join(outdir, "out-on-quota.jsonl")
    write(path, lines[:n] + [json.dumps(obj, separators=(",", ":"))] + lines[n + 1:])
    expect_malformed(sim, path, n + 1, "out", "an output digest on agent_quota")


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    mode, sim = argv[1], argv[2]
    if mode == "roundtrip":
        until = argv[argv.index("--until") + 1] if "--until" in argv else None
        roundtrip(sim, argv[3], argv[4], until)
    elif mode == "mutations":
        mutations(sim, argv[3], argv[4])
    elif mode == "malformed":
        malformed(sim, argv[3])
    elif mode == "shipped":
        shipped(sim, argv[3:])
    elif mode == "coverage":
        coverage(sim, argv[3], argv[4], argv[5])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
