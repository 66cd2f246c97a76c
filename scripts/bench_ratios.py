#!/usr/bin/python3
"""Prints ours-vs-reference ratios from a Google Benchmark JSON file.

Convention: a benchmark named `<group>/ours/<case>` is paired with `<group>/ref/<case>` from
the same run (same machine, same moment). For each pair it prints the time ratio ours/ref
(lower is better; 1.0 = as fast as the reference) and its inverse, the throughput ratio.
Targets, where a group has one, are checked: `--check` exits 1 if one is missed.
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


def main(argv):
    check = "--check" in argv
    paths = [a for a in argv[1:] if not a.startswith("--")]
    missed = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        times = {}
        for b in data["benchmarks"]:
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            name = b.get("run_name", b["name"])
            for suffix in ("/real_time", "/manual_time", "/process_time"):
                if name.endswith(suffix):
                    name = name[: -len(suffix)]
            times[name] = b["real_time"]  # same unit across a file's benchmarks
        print(f"{'pair':<48} {'ours/ref time':>14} {'throughput x':>13}  target")
        for name, t_ours in sorted(times.items()):
            parts = name.split("/")
            if len(parts) < 3 or parts[1] != "ours":
                continue
            ref = "/".join([parts[0], "ref"] + parts[2:])
            if ref not in times:
                continue
            ratio = t_ours / times[ref]
            verdict = ""
            target = TARGETS.get(parts[0])
            case = "/".join(parts[2:])
            if target and (target[2] is None or target[2] == case):
                kind, bound, _ = target
                ok = ratio <= bound if kind == "time" else 1.0 / ratio >= bound
                verdict = f"{kind} {'<=' if kind == 'time' else '>='} {bound}: {'met' if ok else 'MISSED'}"
                if not ok:
                    missed.append(name)
            label = parts[0] + "/" + case
            print(f"{label:<48} {ratio:>14.3f} {1.0 / ratio:>13.3f}  {verdict}")
    if check and missed:
        print("targets missed: " + ", ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
