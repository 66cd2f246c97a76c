#!/usr/bin/python3
"""What the Python bindings cost (issue 14), on a quiet machine; a benchmark, not a test.

    PYTHONPATH=build/default/pybindings harness/bench/python_bench.py \
        [--api-call build/default/harness/bench/api_call] [--calls 20000] [--sims 100]

1. One kernel call from Python (alice/app/0's cap_present on flooder-small at 1 s) against the
   same call from C++ (api_call), both in this run: ns per call and the difference.
2. `--sims` simulations of `minimal` one after another in this process: seconds per
   simulation, and the peak RSS after the first and after the last (flat when nothing leaks).

The release scenario from Python against the CLI is timed with farm-bench (README).
"""
import argparse
import pathlib
import resource
import subprocess
import sys
import time

import coconut_sim

SOURCE = pathlib.Path(__file__).resolve().parents[2]


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--api-call", default=str(SOURCE / "build/default/harness/bench/api_call"))
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--sims", type=int, default=100)
    a = ap.parse_args()

    sc = coconut_sim.load_scenario(str(SOURCE / "sim/engine/tests/data/flooder-small.yaml"))
    # In batches of 64 with 20 ms of simulated time (untimed) between them, as api_call does,
    # so the sealer drains the audit rings that each call appends to.
    with coconut_sim.Simulation(sc, until="3600s") as s:
        s.run_until("1s")
        agent = s.agent("alice/app/0")
        spent, done = 0.0, 0
        while done < a.calls:
            n = min(64, a.calls - done)
            t0 = time.perf_counter()
            for _ in range(n):
                agent.cap_present("inference", "kvwarden")
            spent += time.perf_counter() - t0
            done += n
            s.run_until(s.now_ns + 20_000_000)
        py_ns = spent * 1e9 / a.calls
    out = subprocess.run([a.api_call, "--calls", str(a.calls)], check=True,
                         capture_output=True, text=True).stdout
    cpp_ns = float(out.split()[1])
    print("python_call_ns %.1f\ncpp_call_ns %.1f\noverhead_us %.2f"
          % (py_ns, cpp_ns, (py_ns - cpp_ns) / 1000.0))

    minimal = coconut_sim.load_scenario(str(SOURCE / "scenarios/examples/minimal.yaml"))
    first_mib = None
    t0 = time.perf_counter()
    for i in range(a.sims):
        with coconut_sim.Simulation(minimal, seed=i + 1) as s:
            s.run()
        if first_mib is None:
            first_mib = peak_mib()
    per_sim = (time.perf_counter() - t0) / a.sims
    print("sims %d\nseconds_per_sim %.4f\npeak_rss_first_mib %.1f\npeak_rss_last_mib %.1f"
          % (a.sims, per_sim, first_mib, peak_mib()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
