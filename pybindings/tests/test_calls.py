"""Every call an agent makes, its success and its error paths, on a small two-tenant scenario:
ops's root holds cap.grant over /srv and audit.query; its workers hold part of /srv and the RAM
tier with a 1 MiB budget; eve is another tenant."""
import errno

import pytest

import coconut_sim

QUOTA_MEM, QUOTA_MEMBW = 1, 6  # enum coconut_quota_kind
QUOTA_SET, QUOTA_BLOCK = 0x1, 0x2
TIER_HBM, TIER_RAM = 0, 1  # enum coconut_tier

SCENARIO = """
name: calls
duration: 2s
machine: { cpus: 2 }
tenants:
  - name: ops
    caps: [ "fs.read:/srv/**", "mem.tier:ram", "audit.query", "cap.grant:fs.read:/srv/**" ]
    groups:
      - name: w
        count: 2
        manifest:
          caps: [ "fs.read:/srv/a/**", "mem.tier:ram" ]
          quotas: { mem: { budget: 1MiB } }
        workload: { kind: poisson, rate: 2/s, request: { cpu: 1ms } }
  - name: eve
    caps: [ "fs.read:/srv/**" ]
    groups:
      - name: x
        workload: { kind: poisson, rate: 2/s, request: { cpu: 1ms } }
"""


@pytest.fixture
def calls():
    sc = coconut_sim.load_scenario_string(SCENARIO, "calls.yaml")
    with coconut_sim.Simulation(sc) as s:
        s.run_until("100ms")
        yield s


def test_grant_within_the_subtree_the_granters_right_and_the_ceiling(calls):
    """A grant needs the granter's cap.grant, stays in its subtree, and within the target's
    ceiling (its manifest): ops takes /srv/a back from w/0 and hands down a part of it."""
    ops, w0, w1 = calls.agent("ops"), calls.agent("ops/w/0"), calls.agent("ops/w/1")
    ops.cap_revoke("fs.read:/srv/a/**", target="ops/w/0")
    with pytest.raises(coconut_sim.CapabilityError):
        w0.cap_present("fs.read", "/srv/a/x/f")
    ops.cap_grant("fs.read:/srv/a/x/**", to="ops/w/0")
    assert w0.cap_present("fs.read", "/srv/a/x/f")
    with pytest.raises(coconut_sim.CapabilityError):  # only the part was granted
        w0.cap_present("fs.read", "/srv/a/y")
    assert w1.cap_present("fs.read", "/srv/a/y")  # w/1 kept its own
    with pytest.raises(coconut_sim.CapabilityError):  # beyond w/0's ceiling
        ops.cap_grant("fs.read:/srv/b/**", to="ops/w/0")
    with pytest.raises(coconut_sim.CapabilityError):  # cap.grant does not cover /etc
        ops.cap_grant("fs.read:/etc/**", to="ops/w/0")
    with pytest.raises(coconut_sim.CapabilityError):  # a worker holds no cap.grant
        w1.cap_grant("fs.read:/srv/a/x/**", to="ops/w/1")
    with pytest.raises(coconut_sim.PermissionDeniedError) as e:  # another tenant's agent
        calls.agent("eve").cap_grant("fs.read:/srv/a/**", to="ops/w/0")
    assert e.value.call == "agent_cap_grant" and e.value.errno == errno.EPERM


def test_quota_set_by_an_ancestor_read_by_the_agent(calls):
    ops, w0 = calls.agent("ops"), calls.agent("ops/w/0")
    assert ops.quota(QUOTA_MEM, 2 << 20, QUOTA_SET, of="ops/w/0") == (2 << 20, 0)
    assert w0.quota(QUOTA_MEM, 0, 0) == (2 << 20, 0)
    assert ops.quota(QUOTA_MEMBW, 4_000_000_000, QUOTA_SET, of="ops/w/0") == (4_000_000_000, 0)
    assert "membw.budget: 4000000000\n" in w0.agentfs("budget")
    with pytest.raises(coconut_sim.PermissionDeniedError):  # nobody raises its own budget
        w0.quota(QUOTA_MEM, 8 << 20, QUOTA_SET)
    with pytest.raises(coconut_sim.PermissionDeniedError):  # nor reads another tenant's
        calls.agent("eve").quota(QUOTA_MEM, 0, 0, of="ops/w/0")
    for kind, flags in ((99, 0), (QUOTA_MEMBW, QUOTA_SET | QUOTA_BLOCK)):
        with pytest.raises(coconut_sim.KernelError) as e:
            ops.quota(kind, 1, flags, of="ops/w/0")
        assert e.value.errno == errno.EINVAL


def test_memory_tier_within_budget_over_it_and_without_the_cap(calls):
    w0 = calls.agent("ops/w/0")
    addr = w0.memory_tier(TIER_RAM, 64 << 10)
    assert addr > 0
    assert w0.quota(QUOTA_MEM, 0, 0) == (1 << 20, 64 << 10)  # charged, page-rounded
    with pytest.raises(coconut_sim.QuotaError) as e:
        w0.memory_tier(TIER_RAM, 2 << 20)
    assert e.value.errno == errno.EDQUOT
    with pytest.raises(coconut_sim.CapabilityError):
        w0.memory_tier(TIER_HBM, 4096)


def test_audit_query_by_the_tenant_and_refused_to_a_stranger(calls):
    calls.agent("ops/w/0").cap_present("fs.read", "/srv/a/x")
    out = calls.agent("ops").audit_query(about="ops/w/0")
    assert len(out) > 0
    with pytest.raises(coconut_sim.CapabilityError):
        calls.agent("eve/x/0").audit_query(about="ops/w/0")


def test_a_revoke_racing_inference_in_flight_wins(flooder_small):
    """alice/app/0 has inference in flight when its tenant revokes the cap: the kernel cancels
    what the cap authorised, nothing it allowed completes afterwards, and every later request
    of that agent is denied."""
    with coconut_sim.Simulation(flooder_small, until="4s") as s:
        s.run_until("1500ms")
        s.agent("alice").cap_revoke("inference:kvwarden", target="alice/app/0")
        with pytest.raises(coconut_sim.CapabilityError):
            s.agent("alice/app/0").cap_present("inference", "kvwarden")
        values = s.run()["metrics"]["values"]
    assert values["revocations"] == 1
    assert values["inflight.cancelled"] >= 1  # work was in flight, and it lost the race
    assert values["use_after_revoke"] == 0
