#!/usr/bin/env python3
"""Runs a short scenario with --junit, --perfetto and --out and checks the three outputs parse
and hold what they promise (gates as testcases; trace tracks per tenant and device queues;
result.json with the fingerprint and metrics). Given a flooder scenario as well, runs it under
fifo and checks the rows of its fairness and isolation gates in result.json and JUnit.

usage: check_outputs.py SIM SCENARIO OUT [FLOODER_SCENARIO]"""
import json
import jsonschema
import pathlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    sim, scenario, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    # As the README writes it: the output files inside --out's directory, which does not exist
    # yet (run makes it before the run, for every output path).
    shutil.rmtree(out, ignore_errors=True)
    junit, trace = out / "junit.xml", out / "trace.json"
    p = subprocess.run([sim, "run", scenario, "--until", "10s", "--no-determinism-rerun",
                        "--junit", str(junit), "--perfetto", str(trace), "--out", str(out)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout)
    assert p.returncode in (0, 1), f"exit {p.returncode}"
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
    # docs/result.schema.json is the contract the Python bindings and the report read.
    schema = json.loads((pathlib.Path(__file__).resolve().parents[3] / "docs" /
                         "result.schema.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(res)
    hists = res["metrics"]["histograms"]
    assert hists and all(sum(b[2] for b in h["buckets"]) == h["count"] for h in hists.values()), \
        "a histogram's buckets do not add up to its count"
    assert len(res["fingerprint"]) == 64
    assert res["metrics"], "no metrics"
    assert set(res["series"]) >= {"cpu", "inference"}, res["series"].keys()
    print(f"ok: {len(cases)} testcases, {len(events)} trace events, {len(threads)} threads")
    if len(sys.argv) > 4:
        check_rows(sim, sys.argv[4], out / "rows")
    return 0


def check_rows(sim, scenario, out):
    """The rows of the slowdown gates: in result.json with their numbers (an isolation ratio
    is p99 over the reference's p99), and in JUnit as testcases GATE/TENANT/RESOURCE whose
    verdicts are the rows'."""
    out.mkdir(parents=True, exist_ok=True)
    junit = out / "junit.xml"
    p = subprocess.run([sim, "run", scenario, "--policy", "fifo", "--junit", str(junit),
                        "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    print(p.stdout)
    assert p.returncode == 1, f"exit {p.returncode}: the flooder scenario must fail under fifo"
    gates = {g["name"]: g for g in json.loads((out / "result.json").read_text())["gates"]}
    iso, fair = gates["isolation"], gates["fairness"]
    assert iso["ref"] == "alone" and fair["ref"] == "", (iso["ref"], fair["ref"])
    assert iso["rows"] and fair["rows"], "no rows"
    assert not iso["pass"], iso["measured"]
    for row in iso["rows"]:
        for key in ("tenant", "resource", "samples", "p50_milli", "p99_milli", "ref_samples",
                    "ref_p99_milli", "ratio_milli", "pass", "note"):
            assert key in row, (key, row)
        assert row["ref_samples"] is not None, row  # the counterfactual run answered
        if row["ratio_milli"] is None:
            assert not row["pass"] and "too few samples" in row["note"], row
        else:
            want = row["p99_milli"] * 1000 // max(1, row["ref_p99_milli"])
            assert abs(row["ratio_milli"] - want) <= 1, (row, want)
    verdicts = {}
    for case in ET.parse(junit).getroot().findall(".//testcase"):
        verdicts[case.get("name")] = case.find("failure") is None
    for g in (iso, fair):
        assert verdicts[g["name"]] == g["pass"], g["name"]
        for row in g["rows"]:
            name = f'{g["name"]}/{row["tenant"]}/{row["resource"]}'
            assert verdicts.get(name) == row["pass"], (name, verdicts.get(name), row)
    print(f"ok: {len(iso['rows'])} isolation rows, {len(fair['rows'])} fairness rows")


if __name__ == "__main__":
    sys.exit(main())
