#!/usr/bin/python3
"""The release scenario under fair, per-process and fifo over a range of seeds: each gate's
worst figure per run, and the README's table (markdown) at the end.

    scripts/release_table.py [--sim build/default/harness/cli/coconut-sim] [--seeds 1-12]
                             [--scenario scenarios/fairness-4tenant-flooder.yaml]

Each run is `coconut-sim run SCENARIO --seed N --policy P --no-determinism-rerun --out DIR`
(the engine forks the counterfactual run itself); the figures come from DIR/result.json.
Exit 0 when fair passes the isolation gate on every seed and fifo and per-process fail it on
every seed, 1 otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

POLICIES = ("fair", "per-process", "fifo")
RESOURCES = ("cpu", "pcie", "inference", "membw")


def run(sim, scenario, seed, policy, out):
    subprocess.run([sim, "run", scenario, "--seed", str(seed), "--policy", policy,
                    "--no-determinism-rerun", "--quiet", "--out", out],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    with open(os.path.join(out, "result.json")) as f:
        return json.load(f)


def gate(result, kind):
    for g in result["gates"]:
        if g["kind"] == kind:
            return g
    raise SystemExit("the scenario has no %s gate" % kind)


def worst(g, key):
    rows = [r for r in g["rows"] if r.get(key) is not None]
    return max(rows, key=lambda r: r[key]) if rows else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sim", default="build/default/harness/cli/coconut-sim")
    ap.add_argument("--scenario", default="scenarios/fairness-4tenant-flooder.yaml")
    ap.add_argument("--seeds", default="1-12")
    a = ap.parse_args()
    lo, _, hi = a.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    summary = {}
    with tempfile.TemporaryDirectory() as tmp:
        for policy in POLICIES:
            iso, fair_ratio, p50 = [], [], {r: [] for r in RESOURCES}
            membw, membw_fails = [], 0
            passes = 0
            for seed in seeds:
                out = os.path.join(tmp, "%s-%d" % (policy, seed))
                res = run(a.sim, a.scenario, seed, policy, out)
                ig, fg = gate(res, "isolation"), gate(res, "fairness")
                wi, wf = worst(ig, "ratio_milli"), worst(fg, "ratio_milli")
                passes += ig["pass"]
                iso.append(wi["ratio_milli"] if wi else None)
                fair_ratio.append(wf["ratio_milli"] if wf else None)
                for r in RESOURCES:
                    p50[r] += [row["p50_milli"] for row in ig["rows"] if row["resource"] == r]
                rows_mb = [row for row in ig["rows"] if row["resource"] == "membw"]
                membw += [row["ratio_milli"] for row in rows_mb
                          if row.get("ratio_milli") is not None]
                membw_fails += any(not row["pass"] for row in rows_mb)
                print("%-11s seed %2d: isolation %s (%s/%s) %s; p99/p50 %s (%s/%s) %s" % (
                    policy, seed, wi["ratio_milli"] / 1000 if wi else "-",
                    wi and wi["tenant"], wi and wi["resource"],
                    "PASS" if ig["pass"] else "FAIL",
                    wf["ratio_milli"] / 1000 if wf else "-", wf and wf["tenant"],
                    wf and wf["resource"], "PASS" if fg["pass"] else "FAIL"), flush=True)
            summary[policy] = (passes, iso, fair_ratio, p50, membw, membw_fails)
    n = len(seeds)
    print("\n| policy | isolation gate (seeds %d-%d) | worst isolation ratio |"
          " membw: seeds failing, least / worst ratio |"
          " worst p99/p50 | victims' median p50 slowdown cpu / pcie / inference / membw |"
          % (seeds[0], seeds[-1]))
    print("| --- | --- | --- | --- | --- | --- |")
    ok = True
    for policy in POLICIES:
        passes, iso, fr, p50, mb, mbf = summary[policy]
        med = lambda xs: sorted(xs)[len(xs) // 2] / 1000 if xs else float("nan")
        print("| `%s` | %d/%d pass | %.3f | %s | %.3f | %.2f / %.2f / %.2f / %.2f |" % (
            policy, passes, n, max(x for x in iso if x) / 1000,
            "%d/%d, %.3f / %.3f" % (mbf, n, min(mb) / 1000, max(mb) / 1000) if mb else "-",
            max(x for x in fr if x) / 1000, med(p50["cpu"]), med(p50["pcie"]),
            med(p50["inference"]), med(p50["membw"])))
        ok &= passes == n if policy == "fair" else passes == 0
        if mb:  # a scenario with membw: fair holds it, the others fail it, on every seed
            ok &= mbf == 0 if policy == "fair" else mbf == n
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
