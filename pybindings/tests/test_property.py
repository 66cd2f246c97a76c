"""A Hypothesis property over the kernel from Python, the counterpart of the RapidCheck model
tests in C++ (coconut-kernel/kernel/agent/tests/model_test.cc): random sequences of calls
against a running simulation, checked after every step against a model kept here.

The model: each victim agent holds its manifest's caps until its tenant's root revokes one.
After every step: the agent's cap_present agrees with the model (revocation wins: a revoked cap
is denied at once, whatever is in flight), a revoke by another tenant is EPERM and changes
nothing, a second revoke is ENOENT, and the audit chain verifies. At the end: every LSM
decision, allow and deny, is exactly one event of the chain (parity)."""
import pytest

import coconut_sim
from conftest import scenario_path

# Debian's python3-hypothesis (scripts/setup.sh installs it): a missing one fails the suite.
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

AGENTS = ["alice/app/0", "alice/app/1", "bob/app/0", "bob/app/1"]
CAPS = {"inference:kvwarden": ("inference", "kvwarden"), "gpu:0/**": ("gpu", "0/partition/0")}
OTHER = {"alice": "bob", "bob": "mallory"}

OPS = st.one_of(
    st.tuples(st.just("advance"), st.integers(1, 400)),
    st.tuples(st.just("revoke"), st.sampled_from(AGENTS), st.sampled_from(sorted(CAPS))),
    st.tuples(st.just("cross_revoke"), st.sampled_from(AGENTS), st.sampled_from(sorted(CAPS))),
    st.tuples(st.just("present"), st.sampled_from(AGENTS), st.sampled_from(sorted(CAPS))),
)


def check_present(sim, held, agent, cap):
    kind, obj = CAPS[cap]
    if cap in held[agent]:
        assert sim.agent(agent).cap_present(kind, obj), (agent, cap)
    else:
        with pytest.raises(coconut_sim.CapabilityError):
            sim.agent(agent).cap_present(kind, obj)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=25))
def test_random_call_sequences_keep_revocation_and_parity(ops):
    sc = coconut_sim.load_scenario(str(scenario_path("flooder-small")))
    held = {a: set(CAPS) for a in AGENTS}
    with coconut_sim.Simulation(sc, until="12s") as sim:
        sim.run_until("500ms")
        for op in ops:
            if op[0] == "advance":
                sim.run_until(min(sim.end_ns, sim.now_ns + op[1] * 1_000_000))
                continue
            agent, cap = op[1], op[2]
            tenant = agent.split("/")[0]
            if op[0] == "revoke":
                if cap in held[agent]:
                    sim.agent(tenant).cap_revoke(cap, target=agent)
                    held[agent].discard(cap)
                else:
                    with pytest.raises(coconut_sim.NotFoundError):
                        sim.agent(tenant).cap_revoke(cap, target=agent)
            elif op[0] == "cross_revoke":
                with pytest.raises(coconut_sim.PermissionDeniedError):
                    sim.agent(OTHER[tenant]).cap_revoke(cap, target=agent)
            check_present(sim, held, agent, cap)
            audit = sim.audit()
            assert audit["verified"], audit["error"]
        for agent in AGENTS:  # the model and the kernel agree on everything at the end
            for cap in CAPS:
                check_present(sim, held, agent, cap)
        values = sim.run()["metrics"]["values"]
    assert values["lsm.allows"] == values["audit.cap_allow"]
    assert values["lsm.denies"] == values["audit.cap_deny"]
