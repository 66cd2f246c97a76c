#!/usr/bin/env python3
"""Writes the seed corpus of syscalls_fuzz (coconut-kernel/lib/fuzz/corpus/syscalls_fuzz/):
deterministic byte scripts for kernel/agent/tests/syscall_driver.h, some random with fixed
seeds, some written to reach deep trees, grants and revocations, exits and backpressure.
Run from anywhere; it overwrites the corpus files it owns."""
import os
import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib", "fuzz",
                   "corpus", "syscalls_fuzz")

# Operation byte -> index in the driver's weighted table (ops[] in syscall_driver.h).
OP = {"spawn": 0, "spawn_raw": 4, "attest": 5, "quota": 6, "grant": 8, "revoke": 10,
      "present": 11, "query": 14, "tier": 15, "exit": 16, "quarantine": 17, "release": 18,
      "kill": 19}


def spawn(caller_byte, want, declared):
    return [OP["spawn"], caller_byte, 1, want & 0xff, want >> 8, declared & 0xff, declared >> 8]


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    for s in range(6):
        rng = random.Random(20261121 + s)
        seeds[f"random_{s}"] = bytes(rng.randrange(256) for _ in range(64 + 96 * s))
    # A chain of spawns (caller: the newest live agent), each with agent.spawn and fs.read.
    deep = []
    for i in range(18):
        deep += spawn(191, 0b101, 0b1101)
    seeds["deep_tree"] = bytes(deep)
    # Spawn, grant, present, revoke, exit.
    flow = spawn(0, 0b1101, 0b1101) + spawn(0, 0b1, 0b1101)
    flow += [OP["grant"], 0, 1, 4, 1] + [OP["present"], 1, 1, 0] + [OP["revoke"], 0, 1, 4]
    flow += [OP["quota"], 0, 1, 4, 1, 10, 1] + [OP["tier"], 1, 1, 1, 10, 12]
    flow += [OP["query"], 0, 0, 3, 1, 200] + [OP["attest"], 1, 1, 100]
    flow += [OP["quarantine"], 0, 1] + [OP["release"], 0, 1] + [OP["exit"], 1] + [OP["kill"], 0, 1]
    seeds["grant_revoke_exit"] = bytes(flow)
    # The same with small rings (first byte >= 0x80).
    seeds["backpressure"] = bytes([140] + flow[1:] + flow)  # 140: >= 0x80 and a spawn
    seeds["raw_spawn"] = bytes([OP["spawn_raw"], 0, 40] + [0xa3, 0x67] + list(b"cap_set") +
                               [0x80] + list(range(35)))
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
