#!/usr/bin/python3
"""100 simulations in one Python process, run under AddressSanitizer (CTest python_asan_loop,
asan preset: the module built with ASan and UBSan, libasan preloaded into /usr/bin/python3).
Each seed of `minimal` runs in pieces with kernel calls and reads between them, as a test
author's loop would; the first seed runs again at the end and must give its fingerprint again.
ASan reports any memory error and aborts; leak detection is off, since CPython leaves its own
allocations at exit (the C++ tests check leaks: coconut_many_sims_test).

    asan_loop.py SCENARIO [--sims 100]     prints "asan_loop: N simulations clean ..."
"""
import argparse
import resource
import sys

import coconut_sim


def one(sc, seed):
    with coconut_sim.Simulation(sc, seed=seed) as s:
        s.run_until("50ms")
        agent = s.agent("a/chat/0")
        assert agent.cap_present("inference", "kvwarden")
        assert "aid:" in agent.agentfs("status")
        assert s.audit()["verified"]
        return s.run()["fingerprint"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--sims", type=int, default=100)
    a = ap.parse_args()
    sc = coconut_sim.load_scenario(a.scenario)
    first = one(sc, 1)
    rss = []
    for seed in range(2, a.sims + 1):
        one(sc, seed)
        if seed in (10, a.sims):
            rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    assert one(sc, 1) == first, "seed 1 gave another fingerprint after the loop"
    print(f"asan_loop: {a.sims} simulations clean; peak RSS {rss[0]} MiB after 10, "
          f"{rss[-1]} MiB after {a.sims}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
