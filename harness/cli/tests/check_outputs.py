#!/usr/bin/env python3
"""Runs a short scenario with --junit, --perfetto and --out and checks the three outputs parse
and hold what they promise (gates as testcases; trace tracks per tenant and device queues;
result.json with the fingerprint and metrics)."""
import json
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    sim, scenario, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    junit, trace = out / "junit.xml", out / "trace.json"
    p = subprocess.run([sim, "run", scenario, "--until", "10s", "--no-determinism-rerun",
                        "--junit", str(junit), "--perfetto", str(trace), "--out", str(out)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout)
    suite = ET.parse(junit).getroot()
    cases = suite.findall(".//testcase")
    assert cases, "no testcase in the JUnit file"
    names = {c.get("name") for c in cases}
    assert "audit.parity" in names, names
    t = json.loads(trace.read_text())
    events = t["traceEvents"]
    threads = {e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
    procs = {e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "process_name"}
    assert any(pn.startswith("tenant maya") for pn in procs), procs
    for device in ("cpus", "pcie", "gpus"):
        assert device in procs, (device, procs)
    assert "cpu0" in threads and "pcie0" in threads and "gpu0.0" in threads, threads
    assert any(e.get("ph") == "X" for e in events), "no spans"
    assert any(e.get("ph") == "C" for e in events), "no counters"
    res = json.loads((out / "result.json").read_text())
    assert len(res["fingerprint"]) == 64
    assert res["metrics"], "no metrics"
    print(f"ok: {len(cases)} testcases, {len(events)} trace events, {len(threads)} threads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
