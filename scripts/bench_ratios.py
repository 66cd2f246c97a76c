#!/usr/bin/python3
"""Prints ours-vs-reference ratios from Google Benchmark JSON files, and with --check judges them.

Convention: a benchmark named `<group>/ours/<case>` is paired with `<group>/ref/<case>` from
the same run (same machine, same moment). For each pair it prints the time ratio ours/ref
(lower is better; 1.0 = as fast as the reference) and its inverse, the throughput ratio.

`--check` exits 1 when a file cannot be trusted or a target is missed, so a benchmark cannot
pass by omission: a file with no benchmark rows, a row that reported an error (SkipWithError,
e.g. the BLAKE3 bench's b3sum check) or a time that is not positive, a `ref` row without its
`ours`, an `ours` row without its `ref` in a group that compares (has a reference row or a
target; groups with neither are absolute timings), a target whose group ran without the case
it names, and a missed target. `--no-targets` judges everything but the targets (the bench-smoke tests: their runs are
too short for ratios to mean anything). Without --check the same problems are printed and the
exit code is 0 (a quick look).
Exit 2: usage, or a file that is not Google Benchmark JSON.
"""
import json
import sys

# group -> (kind, bound, case): kind "time" means ours/ref time <= bound;
# "throughput" means ref/ours time (our throughput relative to theirs) >= bound.
TARGETS = {
    "blake3_hash": ("throughput", 0.25, "16MiB"),
    "ed25519_verify": ("time", 1.5, None),
    "cap_present": ("time", 2.0, None),
}

SUFFIXES = ("/real_time", "/manual_time", "/process_time")


class BadFile(Exception):
    pass


def read_times(path, problems):
    """name -> real_time (the median of repetitions when there are aggregates)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise BadFile(f"{path}: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise BadFile(f"{path}: no \"benchmarks\" list: not Google Benchmark JSON")
    times = {}
    for b in data["benchmarks"]:
        if not isinstance(b, dict) or "name" not in b:
            raise BadFile(f"{path}: a benchmark row without a name")
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        if b.get("error_occurred"):
            problems.append(f"{path}: {b['name']}: error: {b.get('error_message', '?')}")
            continue
        t = b.get("real_time")
        if not isinstance(t, (int, float)) or t <= 0:
            problems.append(f"{path}: {b['name']}: real_time {t!r} is not a positive time")
            continue
        times[name] = t  # same unit across a file's benchmarks
    if not data["benchmarks"]:
        problems.append(f"{path}: no benchmark rows")
    return times


def judge(path, times, problems, missed):
    print(f"{'pair':<48} {'ours/ref time':>14} {'throughput x':>13}  target")
    # Groups that compare: a reference row or a target. Each of their `ours` needs its `ref`.
    compared = {n.split("/")[0] for n in times if n.split("/")[1:2] == ["ref"]} | set(TARGETS)
    for name in sorted(times):
        parts = name.split("/")
        if len(parts) < 3 or parts[1] not in ("ours", "ref"):
            continue
        other = "/".join([parts[0], "ref" if parts[1] == "ours" else "ours"] + parts[2:])
        if other not in times:
            # Groups without any reference are absolute timings (audit, cbor, lsm benches).
            if parts[1] == "ref" or parts[0] in compared:
                problems.append(f"{path}: {name} has no {other} row to compare with")
            continue
        if parts[1] == "ref":
            continue
        ratio = times[name] / times[other]
        verdict = ""
        target = TARGETS.get(parts[0])
        case = "/".join(parts[2:])
        if target and (target[2] is None or target[2] == case):
            kind, bound, _ = target
            ok = ratio <= bound if kind == "time" else 1.0 / ratio >= bound
            verdict = f"{kind} {'<=' if kind == 'time' else '>='} {bound}: {'met' if ok else 'MISSED'}"
            if not ok:
                missed.append(name)
        print(f"{parts[0] + '/' + case:<48} {ratio:>14.3f} {1.0 / ratio:>13.3f}  {verdict}")
    # A group with a target that ran must have run the case the target names.
    groups = {n.split("/")[0] for n in times}
    for group, (_, _, case) in sorted(TARGETS.items()):
        if group in groups and case is not None and f"{group}/ours/{case}" not in times:
            problems.append(f"{path}: {group} ran without {group}/ours/{case}, its target's case")


def main(argv):
    check = "--check" in argv
    targets = "--no-targets" not in argv
    unknown = [a for a in argv[1:] if a.startswith("--") and a not in ("--check", "--no-targets")]
    paths = [a for a in argv[1:] if not a.startswith("--")]
    if unknown or not paths:
        print("usage: bench_ratios.py [--check [--no-targets]] BENCH.json...", file=sys.stderr)
        return 2
    problems, missed = [], []
    try:
        for path in paths:
            judge(path, read_times(path, problems), problems, missed)
    except BadFile as e:
        print(f"bench_ratios: {e}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"problem: {p}")
    if missed:
        print("targets missed: " + ", ".join(missed) + ("" if targets else " (not judged here)"))
        if not targets:
            missed = []
    if check and (problems or missed):
        print(f"bench_ratios --check: FAIL ({len(problems)} problems, {len(missed)} targets missed)")
        return 1
    if check:
        print("bench_ratios --check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
