"""coconut_sim as test authors use it: scenarios, runs in pieces, the calls as an agent with
typed errors, agentfs, the audit chain and its offline verify, results as data."""
import errno
import json
import subprocess

import pytest

import coconut_sim
from conftest import SOURCE, scenario_path


def test_a_scenario_that_does_not_load_names_the_line():
    with pytest.raises(coconut_sim.ScenarioError, match=r"bad\.yaml:\d+:\d+: .*duration"):
        coconut_sim.load_scenario_string("name: x\nduration: ten\n", "bad.yaml")


def test_a_scenario_round_trips_through_yaml(flooder_small):
    again = coconut_sim.load_scenario_string(flooder_small.to_yaml(), "again.yaml")
    assert again == flooder_small
    assert again.tenants == ["alice", "bob", "mallory"]


def test_pieces_give_the_whole_run(flooder_small):
    with coconut_sim.Simulation(flooder_small, until="2s") as s:
        whole = s.run()["fingerprint"]
    with coconut_sim.Simulation(flooder_small, until="2s") as s:
        s.run_until("500ms")
        assert s.now_ns == 500_000_000
        s.run_until(1_234_567_891)
        steps = 0
        while s.step():
            steps += 1
        assert s.now_ns == s.end_ns
        assert s.finish()["fingerprint"] == whole
    assert steps > 100


def test_the_cli_and_python_agree(tmp_path, minimal):
    """The same scenario from the command line and from Python: one fingerprint."""
    cli = SOURCE / "build" / "default" / "harness" / "cli" / "coconut-sim"
    if not cli.exists():
        pytest.skip("the CLI is not built here")
    subprocess.run([str(cli), "run", str(scenario_path("minimal")), "--no-determinism-rerun",
                    "--quiet", "--out", str(tmp_path)], check=False, capture_output=True)
    cli_fp = json.loads((tmp_path / "result.json").read_text())["fingerprint"]
    with coconut_sim.Simulation(minimal) as s:
        assert s.run()["fingerprint"] == cli_fp


def test_one_simulation_at_a_time(flooder_small, sim):
    with pytest.raises(RuntimeError, match="one Simulation at a time"):
        coconut_sim.Simulation(flooder_small)


def test_another_tenant_may_not_revoke(sim):
    sim.run_until("1s")
    with pytest.raises(coconut_sim.PermissionDeniedError) as e:
        sim.agent("mallory").cap_revoke("inference:kvwarden", target="alice/app/0")
    assert e.value.errno == errno.EPERM
    assert e.value.call == "agent_cap_revoke"
    assert isinstance(e.value, coconut_sim.KernelError)


def test_a_revoked_cap_is_denied_and_audited(sim):
    sim.run_until("1s")
    app = sim.agent("alice/app/0")
    assert app.cap_present("inference", "kvwarden")
    sim.agent("alice").cap_revoke("inference:kvwarden", target="alice/app/0")
    with pytest.raises(coconut_sim.CapabilityError) as e:
        app.cap_present("inference", "kvwarden")
    assert e.value.errno == coconut_sim.ECAPABILITY
    with pytest.raises(coconut_sim.NotFoundError):
        sim.agent("alice").cap_revoke("inference:kvwarden", target="alice/app/0")
    values = sim.run()["metrics"]["values"]
    assert values["revocations"] >= 1
    # Every decision, the ones made from Python included, is one event of the chain.
    assert values["lsm.allows"] == values["audit.cap_allow"]
    assert values["lsm.denies"] == values["audit.cap_deny"] > 0


def test_an_unknown_agent_is_a_value_error(sim):
    with pytest.raises(ValueError, match="no agent named"):
        sim.agent("nobody")


def test_spawn_and_agentfs(sim):
    sim.run_until("1s")
    helper = sim.agent("bob").spawn("bob-helper", ["inference:kvwarden"])
    assert helper.aid > 0
    status = helper.agentfs("status")
    assert f"aid: {helper.aid}\n" in status
    assert helper.cap_present("inference", "kvwarden")
    with pytest.raises(coconut_sim.KernelError):
        sim.agent("bob").spawn("bob-escalates", ["fs.read:/etc/**"])
    with pytest.raises(ValueError, match="agentfs"):
        helper.agentfs("secrets")
    assert len(helper.attest()) > 0


def test_a_tampered_export_fails_verify_at_its_index(sim):
    sim.run_until("1s")
    state = sim.audit()
    assert state["verified"], state["error"]
    seg = sim.audit_segment(0, 64)
    ok = sim.verify_segment(seg)
    assert ok["ok"] and ok["events_checked"] == 64 and ok["rooted"]
    bad = bytearray(seg)
    bad[len(bad) * 3 // 4] ^= 0x01
    report = sim.verify_segment(bytes(bad))
    assert not report["ok"]
    assert report["first_bad_index"] is not None and report["first_bad_index"] < 64


def test_results_are_data(flooder_small, policy):
    with coconut_sim.Simulation(flooder_small, policy=policy, until="4s") as s:
        r = s.run()
    assert r["schema"] == 1 and r["policy"] == policy and len(r["fingerprint"]) == 64
    hist = r["metrics"]["histograms"]["tenant.alice.cpu.slowdown"]
    assert sum(b[2] for b in hist["buckets"]) == hist["count"]
    assert {g["kind"] for g in r["gates"]} >= {"isolation", "fairness"}


def test_many_simulations_in_sequence(minimal):
    fps = set()
    for seed in range(20):
        with coconut_sim.Simulation(minimal, seed=seed) as s:
            fps.add(s.run()["fingerprint"])
    assert len(fps) == 20  # every seed its own run, and nothing carried from one to the next


def test_histograms_are_numpy_arrays_or_lists(flooder_small, monkeypatch):
    """A histogram's columns are numpy arrays when numpy imports, lists when it does not;
    either way the counts add up to the histogram's and the ranges are ordered."""
    with coconut_sim.Simulation(flooder_small, until="2s") as s:
        result = s.run()
    name = "tenant.alice.cpu.slowdown"
    raw = result["metrics"]["histograms"][name]
    total = sum(b[2] for b in raw["buckets"])
    assert total > 0
    h = coconut_sim.histogram(result, name)
    np = pytest.importorskip("numpy")
    assert isinstance(h["count"], np.ndarray) and h["count"].dtype == np.uint64
    assert int(h["count"].sum()) == total
    assert (h["lo"] <= h["hi"]).all() and (h["hi"][:-1] < h["lo"][1:]).all()
    monkeypatch.setitem(__import__("sys").modules, "numpy", None)  # numpy absent
    plain = coconut_sim.histogram(result, name)
    assert isinstance(plain["count"], list) and sum(plain["count"]) == total
    with pytest.raises(KeyError):
        coconut_sim.histogram(result, "tenant.nobody.cpu.slowdown")


def test_run_scenario_completes_the_counterfactual_gate(flooder_small):
    """run_scenario makes the runs a gate needs, as the CLI does: the isolation gate is
    judged against the run without the flooders (a Simulation alone cannot)."""
    with coconut_sim.Simulation(flooder_small, until="2s") as s:
        alone = s.run()
    iso = [g for g in alone["gates"] if g["kind"] == "isolation"]
    assert iso and "counterfactual not run" in str(iso[0]["measured"])
    full = coconut_sim.run_scenario(flooder_small, until="2s")
    iso = [g for g in full["gates"] if g["kind"] == "isolation"]
    assert "counterfactual not run" not in str(iso[0]["measured"])
    # Each row compares with the child's run: its samples are there (2 s is too short for
    # the p99 the gate needs, which the rows say).
    assert iso[0]["rows"] and all(r["ref_samples"] > 0 for r in iso[0]["rows"])
    assert full["fingerprint"] == alone["fingerprint"]  # the main run is the same run


def test_sweep_runs_every_policy_and_seed(minimal):
    runs = coconut_sim.sweep(minimal, seeds=[1, 2], policies=["fair", "fifo"], until="1s")
    assert [(r["policy"], r["seed"]) for r in runs] == [
        ("fair", 1), ("fair", 2), ("fifo", 1), ("fifo", 2)]
    assert len({r["result"]["fingerprint"] for r in runs}) == 4
    again = coconut_sim.run_scenario(minimal, seed=2, policy="fifo", until="1s")
    assert again["fingerprint"] == runs[3]["result"]["fingerprint"]


def test_a_recorded_trace_replays_and_a_changed_one_does_not(tmp_path, flooder_small):
    path = tmp_path / "t.jsonl"
    with coconut_sim.Simulation(flooder_small, until="1s", trace=str(path)) as s:
        s.run()
    records = list(coconut_sim.read_trace(str(path)))
    assert records[0]["format"] == "coconut-trace" and len(records) > 10
    ok = coconut_sim.replay(str(path))
    assert ok["reproduced"] and "reproduced" in ok["report"]
    # One answer changed: the replay names that record.
    victim = [r for r in records[1:] if r.get("call") == "agent_spawn"][-1]
    victim["ret"] += 100  # another AID than the kernel gives
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in records))
    diverged = coconut_sim.replay(str(bad))
    assert not diverged["reproduced"] and f"record {victim['i']}" in diverged["report"]
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("this is not a trace\n")
    with pytest.raises(coconut_sim.TraceError, match="garbage.jsonl"):
        coconut_sim.replay(str(garbage))


def test_a_scenario_is_edited_as_data(minimal):
    """to_dict, edit (a tenant, an agent, a fault), load_scenario_dict: validated as a file,
    and written back as YAML that loads equal."""
    d = minimal.to_dict()
    extra = json.loads(json.dumps(d["tenants"][1]))  # a copy of tenant b
    extra["name"] = "c"
    d["tenants"].append(extra)
    d["tenants"][0]["groups"][0]["count"] = 3
    d.setdefault("events", []).append({"at": "100ms", "kind": "tpm.write.fail", "count": 1})
    edited = coconut_sim.load_scenario_dict(d, "edited.yaml")
    assert edited.tenants == ["a", "b", "c"]
    assert coconut_sim.load_scenario_string(edited.to_yaml(), "again.yaml") == edited
    assert [e["kind"] for e in edited.to_dict()["events"]][-1] == "tpm.write.fail"
    with coconut_sim.Simulation(edited) as s:
        edited_fp = s.run()["fingerprint"]
    with coconut_sim.Simulation(minimal) as s:
        assert s.run()["fingerprint"] != edited_fp
    d["tenants"][2]["groups"][0]["count"] = "many"
    with pytest.raises(coconut_sim.ScenarioError, match=r"tenants\[2\]\.groups\[0\]\.count"):
        coconut_sim.load_scenario_dict(d, "bad.yaml")
