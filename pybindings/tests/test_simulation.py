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
