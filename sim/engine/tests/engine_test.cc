// The engine end to end, in one process: every run starts on a fresh SystemC context.
#include "sc_context.h"
#include "scenario.h"
#include "simulation.h"

#include <gtest/gtest.h>

#include <string>

namespace coconut::engine {
// gtest prints an ArrivalDigest as numbers rather than its bytes.
void PrintTo(const ArrivalDigest &d, std::ostream *os)
{
	*os << d.arrivals << " arrivals, digest " << d.digest;
}
} // namespace coconut::engine

namespace {

using coconut::engine::RunOptions;
using coconut::engine::RunResult;
using coconut::engine::Simulation;

coconut::scenario::Scenario load(const std::string &name)
{
	return coconut::scenario::load_scenario_file(std::string(COCONUT_SOURCE_DIR) + "/scenarios/" +
						     name + ".yaml");
}

RunResult run(const coconut::scenario::Scenario &sc, RunOptions o)
{
	o.skip_determinism_gate = true;
	coconut::sim::sc_fresh_context();
	Simulation s(sc, o);
	return s.run();
}

const coconut::metrics::GateResult *gate(const RunResult &r, const std::string &kind)
{
	for (const auto &g : r.gates)
		if (g.kind == kind)
			return &g;
	return nullptr;
}

// The test-only flooder scenario (tests/data/flooder-small.yaml): two victims, one flooder.
coconut::scenario::Scenario flooder_small()
{
	return coconut::scenario::load_scenario_file(std::string(COCONUT_SOURCE_DIR) +
						     "/sim/engine/tests/data/flooder-small.yaml");
}

RunOptions with_policy(coconut::scenario::Policy p)
{
	RunOptions o;
	o.policy = p;
	return o;
}

RunOptions until(std::uint64_t s)
{
	RunOptions o;
	o.until_ns = s * 1000000000ull;
	return o;
}

TEST(Engine, SameSeedSameFingerprintOtherSeedOther)
{
	const auto sc = load("maya-workstation");
	const RunResult a = run(sc, until(15));
	const RunResult b = run(sc, until(15));
	EXPECT_EQ(a.fingerprint.size(), 64u);
	EXPECT_EQ(a.fingerprint, b.fingerprint);
	EXPECT_EQ(a.metrics.get("audit.events"), b.metrics.get("audit.events"));
	RunOptions o = until(15);
	o.seed = sc.seed + 1;
	const RunResult c = run(sc, o);
	EXPECT_NE(a.fingerprint, c.fingerprint);
}

// The release gate over its whole 600 s: at 200 s a victim has ~78 PCIe samples, so its p99
// is its single slowest transfer and one outlier decides the gate.
TEST(Engine, PolicyChangesTheRunAndFifoBreaksFairness)
{
#ifdef COCONUT_SANITIZED_BUILD
	GTEST_SKIP() << "1200 simulated seconds take minutes under ASan; the default preset runs it";
#endif
	const auto sc = load("fairness-4tenant-flooder");
	RunOptions fifo;
	fifo.policy = coconut::scenario::Policy::Fifo;
	const RunResult f = run(sc, RunOptions{});
	const RunResult g = run(sc, fifo);
	ASSERT_NE(gate(f, "fairness"), nullptr);
	EXPECT_TRUE(gate(f, "fairness")->pass) << gate(f, "fairness")->detail;
	EXPECT_FALSE(gate(g, "fairness")->pass);
	EXPECT_NE(f.fingerprint, g.fingerprint);
	// The spike: a victim's PCIe slowdown under fifo is orders of magnitude above fair.
	const auto p99 = [](const RunResult &r) {
		return r.metrics.find_hist("tenant.alice.pcie.slowdown")->value_at_quantile_milli(990);
	};
	EXPECT_GT(p99(g), 100 * p99(f));
}

TEST(Engine, UseAfterRevokeGateCatchesAKernelThatLetsRevokedOpsComplete)
{
	const auto sc = load("revocation-race");
	const RunResult ok = run(sc, until(12)); // the inference revoke lands at 10 s
	ASSERT_NE(gate(ok, "no.use.after.revoke"), nullptr);
	EXPECT_TRUE(gate(ok, "no.use.after.revoke")->pass);
	EXPECT_GT(*ok.metrics.get("inflight.revoked_failed") + *ok.metrics.get("inflight.cancelled"), 0);
	RunOptions bad = until(20);
	bad.mutations.complete_revoked_ops = true;
	const RunResult r = run(sc, bad);
	EXPECT_FALSE(gate(r, "no.use.after.revoke")->pass);
	EXPECT_GT(*r.metrics.get("use_after_revoke"), 0);
}

TEST(Engine, AuditVerifyGateCatchesAFlippedBit)
{
	const auto sc = load("maya-workstation");
	RunOptions bad = until(5);
	bad.mutations.flip_sealed_bit = true;
	const RunResult r = run(sc, bad);
	ASSERT_NE(gate(r, "audit.verify"), nullptr);
	EXPECT_FALSE(gate(r, "audit.verify")->pass);
	EXPECT_NE(gate(r, "audit.verify")->detail.find("head after event"), std::string::npos)
		<< gate(r, "audit.verify")->detail;
}

TEST(Engine, ParityGateCatchesADecisionWithoutAnEvent)
{
	const auto sc = load("maya-workstation");
	RunOptions bad = until(5);
	bad.mutations.phantom_decision = true;
	const RunResult r = run(sc, bad);
	ASSERT_NE(gate(r, "audit.parity"), nullptr);
	EXPECT_FALSE(gate(r, "audit.parity")->pass);
}

TEST(Engine, MayaDeniedReadIsOneRowOneNotification)
{
	const RunResult r = run(load("maya-workstation"), until(10));
	EXPECT_EQ(r.metrics.get("audit.cap_deny"), 1);
	EXPECT_EQ(r.metrics.get("notifications"), 1);
	EXPECT_EQ(r.metrics.get("lsm.denies"), 1);
	EXPECT_EQ(r.metrics.get("vfs.reads"), 1);
}

// Every call kind of the trace format, allowed and refused (the co-simulation coverage
// scenario): attest and audit.query as an agent and as a tenant root, exit, kill, quarantine.
TEST(Engine, CoverageScenarioHoldsItsGates)
{
	const RunResult r = run(load("cosim-coverage"), RunOptions{});
	for (const auto &g : r.gates)
		EXPECT_TRUE(g.pass || g.kind == "determinism") << g.name << ": " << g.measured;
	ASSERT_NE(gate(r, "expectations"), nullptr);
	EXPECT_TRUE(gate(r, "expectations")->pass);
}

// An agent that exits stops: no request of it completes afterwards, the ones in flight fail,
// nothing is left running. The run with the exit completes no more than a run cut at the
// exit's time (the same arrivals up to then).
TEST(Engine, ExitStopsTheAgentsWork)
{
	const std::string yaml = R"(name: exit-stops
duration: 3s
machine: { cpus: 2, gpus: [ { profile: rtx-4090 } ] }
tenants:
  - name: a
    caps: [ "inference:kvwarden" ]
    groups:
      - name: w
        count: 1
        manifest: { caps: [ "inference:kvwarden" ] }
        workload:
          kind: closed-loop
          concurrency: 4
          request: { cpu: 1ms, prompt_tokens: 64, gen_tokens: 4 }
events:
  - { at: 1s, kind: exit, target: a/w/0, expect: 0 }
  - { at: 2s, kind: exit, target: a/w/0, expect: -ESTALE }
  - { at: 2s, kind: attest, target: a/w/0, expect: -ESTALE }
gates:
  - kind: expectations
)";
	const auto sc = coconut::scenario::load_scenario_string(yaml, "exit-stops.yaml", ".");
	const RunResult with_exit = run(sc, RunOptions{});
	const RunResult cut = run(sc, until(1));
	ASSERT_NE(gate(with_exit, "expectations"), nullptr);
	EXPECT_TRUE(gate(with_exit, "expectations")->pass) << gate(with_exit, "expectations")->measured;
	EXPECT_GT(cut.metrics.get("requests.completed"), 0);
	EXPECT_LE(with_exit.metrics.get("requests.completed"), cut.metrics.get("requests.completed"));
	EXPECT_GE(with_exit.metrics.get("requests.failed"), 1); // the ones in flight at the exit
	EXPECT_EQ(with_exit.metrics.get("requests.in_flight_at_end"), 0);
}

// The counterfactual run silences the flooders and nobody else: every other tenant's arrivals
// (times and demands, dropped ones included) are those of the normal run. alice drops
// arrivals under fifo (max_outstanding 8), which once moved her random stream.
TEST(Counterfactual, SilencedFloodersLeaveEveryoneElsesArrivals)
{
	const auto sc = flooder_small();
	const RunOptions fifo = with_policy(coconut::scenario::Policy::Fifo);
	RunOptions silenced = fifo;
	silenced.without_flooders = true;
	const RunResult normal = run(sc, fifo);
	const RunResult alone = run(sc, silenced);
	EXPECT_GT(*normal.metrics.get("tenant.alice.dropped"), 0);
	EXPECT_EQ(*alone.metrics.get("tenant.alice.dropped"), 0);
	for (const char *victim : { "alice", "bob" }) {
		SCOPED_TRACE(victim);
		EXPECT_GT(normal.arrivals.at(victim).arrivals, 100u);
		EXPECT_EQ(normal.arrivals.at(victim), alone.arrivals.at(victim));
	}
	EXPECT_GT(normal.arrivals.at("mallory").arrivals, 1000u);
	EXPECT_EQ(alone.arrivals.at("mallory").arrivals, 0u);
	EXPECT_EQ(*alone.metrics.get("tenant.mallory.completed"), 0);
	// The digest tells arrivals apart: another seed gives alice others.
	RunOptions other = silenced;
	other.seed = sc.seed + 1;
	EXPECT_NE(run(sc, other).arrivals.at("alice").digest, alone.arrivals.at("alice").digest);
}

} // namespace
