#!/usr/bin/python3
"""Sweeps seeds of the release scenario under fair, per-process and fifo and plots each run's
worst victim isolation ratio (a victim's p99 slowdown over its p99 in the same run without the
flooders, per resource) against the gate's bound, as a PNG.

    PYTHONPATH=build/default/pybindings examples/python/release_sweep.py \
        [--seeds 1-12] [--until 600s] [--out release_sweep.png]

Each run is coconut_sim.run_scenario (the counterfactual run as a child process, as
`coconut-sim run` makes it). Needs Debian's python3-matplotlib.
"""
import argparse
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # no display: write the file
import matplotlib.pyplot as plt  # noqa: E402

import coconut_sim  # noqa: E402

SOURCE = pathlib.Path(__file__).resolve().parents[2]
POLICIES = ("fair", "per-process", "fifo")


def worst_ratio(result):
    """The isolation gate's worst row (milli) and its bound, from a result."""
    gate = next(g for g in result["gates"] if g["kind"] == "isolation")
    ratios = [r["ratio_milli"] for r in gate["rows"] if r.get("ratio_milli") is not None]
    return (max(ratios) / 1000.0 if ratios else float("nan")), gate["pass"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default=str(SOURCE / "scenarios/fairness-4tenant-flooder.yaml"))
    ap.add_argument("--seeds", default="1-12")
    ap.add_argument("--until", default=None)
    ap.add_argument("--out", default="release_sweep.png")
    a = ap.parse_args()
    lo, _, hi = a.seeds.partition("-")
    seeds = list(range(int(lo), int(hi or lo) + 1))
    sc = coconut_sim.load_scenario(a.scenario)
    bound = 1.5
    fig, ax = plt.subplots(figsize=(7, 4))
    for policy in POLICIES:
        ys = []
        for run in coconut_sim.sweep(sc, seeds=seeds, policies=[policy], until=a.until):
            ratio, passed = worst_ratio(run["result"])
            ys.append(ratio)
            print(f"{policy:12s} seed {run['seed']:2d}: worst victim ratio {ratio:.3f} "
                  f"{'PASS' if passed else 'FAIL'}", flush=True)
        ax.plot(seeds, ys, marker="o", label=policy)
    ax.axhline(bound, color="red", linestyle="--", label=f"bound {bound}")
    ax.set_xticks(seeds)
    ax.set_yscale("log")
    ax.set_xlabel("seed")
    ax.set_ylabel("worst victim p99 / its p99 without the flooders")
    ax.set_title(sc.name)
    ax.legend()
    fig.tight_layout()
    fig.savefig(a.out, dpi=100)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
