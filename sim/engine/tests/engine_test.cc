// The engine end to end, in one process: every run starts on a fresh SystemC context.
#include "reruns.h"
#include "sc_context.h"
#include "scenario.h"
#include "simulation.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdint>
#include <vector>
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
	return coconut::scenario::load_scenario_file(std::string(COCONUT_SOURCE_DIR) +
						     "/scenarios/" + name + ".yaml");
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
	GTEST_SKIP()
		<< "1200 simulated seconds take minutes under ASan; the default preset runs it";
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
		return r.metrics.find_hist("tenant.alice.pcie.slowdown")
			->value_at_quantile_milli(990);
	};
	EXPECT_GT(p99(g), 100 * p99(f));
}

TEST(Engine, UseAfterRevokeGateCatchesAKernelThatLetsRevokedOpsComplete)
{
	const auto sc = load("revocation-race");
	const RunResult ok = run(sc, until(12)); // the inference revoke lands at 10 s
	ASSERT_NE(gate(ok, "no.use.after.revoke"), nullptr);
	EXPECT_TRUE(gate(ok, "no.use.after.revoke")->pass);
	EXPECT_GT(*ok.metrics.get("inflight.revoked_failed") +
			  *ok.metrics.get("inflight.cancelled"),
		  0);
	RunOptions bad = until(20);
	bad.mutations.complete_revoked_ops = true;
	const RunResult r = run(sc, bad);
	EXPECT_FALSE(gate(r, "no.use.after.revoke")->pass);
	EXPECT_GT(*r.metrics.get("use_after_revoke"), 0);
}

// Quarantine fails the agent's queued inference as a revoke does (docs/lsm.md, "Quarantine";
// issue 18, item 1): lab/infer/2's queued requests are cancelled by its quarantine at 18 s,
// not served after its release at 20 s. Nothing else cancels inference in those 2 ms.
TEST(Engine, QuarantineCancelsQueuedInference)
{
	const auto sc = load("revocation-race");
	RunOptions before, after;
	before.until_ns = 18'000'000'000ull - 1'000'000;
	after.until_ns = 18'000'000'000ull + 1'000'000;
	const RunResult a = run(sc, before);
	const RunResult b = run(sc, after);
	ASSERT_TRUE(a.metrics.get("inflight.cancelled") && b.metrics.get("inflight.cancelled"));
	EXPECT_GT(*b.metrics.get("inflight.cancelled"), *a.metrics.get("inflight.cancelled"));
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

// A worker retrying refused calls in a closed loop (revocation-race: reader/0 after its revoke
// at 14 s, infer/2 quarantined at 18 s) seals hundreds of CAP_DENY events; every one stays in
// the chain, but a person is shown at most 10 per (agent, cap) every 5 s (issue 18, item 4).
TEST(Engine, RefusalFloodsAreFoldedNotShown)
{
	const RunResult r = run(load("revocation-race"), until(20));
	const auto denies = r.metrics.get("audit.cap_deny");
	const auto shown = r.metrics.get("notifications");
	const auto folded = r.metrics.get("notifications.folded");
	ASSERT_TRUE(denies && shown && folded);
	EXPECT_GT(*folded, 0);
	EXPECT_LT(*shown, *folded) << "most of a flood is folded";
	EXPECT_EQ(*shown + *folded, *denies) << "every sealed denial is shown or folded";
	bool noted = false;
	for (const std::string &n : r.notes)
		noted = noted || n.find("notifications folded") != std::string::npos;
	EXPECT_TRUE(noted) << "the folds are told";
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
	EXPECT_TRUE(gate(with_exit, "expectations")->pass)
		<< gate(with_exit, "expectations")->measured;
	EXPECT_GT(cut.metrics.get("requests.completed"), 0);
	EXPECT_LE(with_exit.metrics.get("requests.completed"),
		  cut.metrics.get("requests.completed"));
	EXPECT_GE(with_exit.metrics.get("requests.failed"), 1); // the ones in flight at the exit
	EXPECT_EQ(with_exit.metrics.get("requests.in_flight_at_end"), 0);
}

// A run in pieces (progress, a stop) is the same run: one fingerprint with and without them. A
// stop lands at the next piece: the result is of the part that ran, marked interrupted.
TEST(Engine, RunInPiecesIsTheSameRunAndStopsWhenAsked)
{
	const auto sc = load("revocation-race");
	const RunResult whole = run(sc, until(12));
	RunOptions o = until(12);
	std::vector<std::uint64_t> seen;
	o.on_progress = [&seen](std::uint64_t now, std::uint64_t end) {
		EXPECT_EQ(end, 12000000000ull);
		EXPECT_TRUE(seen.empty() || now > seen.back());
		seen.push_back(now);
	};
	const RunResult pieces = run(sc, o);
	EXPECT_EQ(pieces.fingerprint, whole.fingerprint);
	EXPECT_FALSE(pieces.interrupted);
	EXPECT_GE(seen.size(), 500u); // about a thousand pieces
	ASSERT_FALSE(seen.empty());
	EXPECT_EQ(seen.back(), 12000000000ull);

	volatile std::sig_atomic_t stop = 0;
	RunOptions s = until(12);
	s.stop_requested = &stop;
	s.on_progress = [&stop](std::uint64_t now, std::uint64_t) {
		if (now >= 3000000000ull)
			stop = 1;
	};
	const RunResult cut = run(sc, s);
	EXPECT_TRUE(cut.interrupted);
	EXPECT_GE(cut.sim_end_ns, 3000000000ull);
	EXPECT_LT(cut.sim_end_ns, 3100000000ull); // within a piece (12 ms here)
	EXPECT_NE(cut.fingerprint, whole.fingerprint);
	EXPECT_GT(cut.metrics.get("requests.completed"), 0);
}

// A request with no CPU demand gives no CPU slowdown sample (issue 16 item 6): it waits for a
// core only to run its syscalls (150 ns), so its "slowdown" there was thousands. Its transfers
// are still sampled, and the hog's CPU work is.
TEST(Engine, NoCpuDemandGivesNoCpuSample)
{
	const std::string yaml = R"(name: no-cpu-demand
duration: 3s
machine: { cpus: 1, gpus: [ { profile: rtx-4090 } ] }
tenants:
  - name: hog
    caps: [ "gpu:0/**" ]
    groups:
      - name: spin
        workload: { kind: flooder, rate: 400/s, max_outstanding: 50, request: { cpu: 10ms } }
  - name: mover
    caps: [ "gpu:0/**" ]
    groups:
      - name: copy
        manifest: { caps: [ "gpu:0/**" ] }
        workload: { kind: poisson, rate: 50/s, request: { dma: 1MiB } }
)";
	const auto sc = coconut::scenario::load_scenario_string(yaml, "no-cpu.yaml", ".");
	const RunResult r = run(sc, RunOptions{});
	const auto *cpu = r.metrics.find_hist("tenant.mover.cpu.slowdown");
	EXPECT_TRUE(cpu == nullptr || cpu->count() == 0) << cpu->count() << " cpu samples";
	const auto *pcie = r.metrics.find_hist("tenant.mover.pcie.slowdown");
	ASSERT_NE(pcie, nullptr);
	EXPECT_GT(pcie->count(), 50u);
	const auto *hog = r.metrics.find_hist("tenant.hog.cpu.slowdown");
	ASSERT_NE(hog, nullptr);
	EXPECT_GT(hog->count(), 50u);
}

// More operations than the kernel's in-flight table holds (CO_INFLIGHT_MAX 4,096: 17 agents
// with 256 requests each in flight): the ones refused -ENOSPC wait in a queue, each completion
// lets the oldest try again, and all of them complete. Refusals stay about one per waiter and
// completion: a poll per waiter per seal interval would be hundreds of thousands here.
TEST(Engine, InflightTableFullRequestsWaitAndAllComplete)
{
	const std::string yaml = R"(name: inflight-full
duration: 3s
machine: { cpus: 16, gpus: [ { profile: h100-sxm } ] }
tenants:
  - name: a
    caps: [ "inference:kvwarden" ]
    groups:
      - name: w
        count: 17
        manifest: { caps: [ "inference:kvwarden" ] }
        workload:
          kind: closed-loop
          concurrency: 256
          request: { cpu: 100us, prompt_tokens: 16, gen_tokens: 2 }
gates:
  - { kind: metric, name: nothing-failed, metric: requests.failed, op: "==", value: 0 }
)";
	const auto sc = coconut::scenario::load_scenario_string(yaml, "inflight-full.yaml", ".");
	const RunResult r = run(sc, RunOptions{});
	const auto waits = *r.metrics.get("inflight.full_waits");
	const auto completed = *r.metrics.get("requests.completed");
	std::printf(
		"in-flight table full: %lld refusals, %lld completed, %lld in flight at the end\n",
		(long long)waits, (long long)completed,
		(long long)*r.metrics.get("requests.in_flight_at_end"));
	EXPECT_GT(waits, 0) << "the table did fill";
	EXPECT_EQ(r.metrics.get("requests.failed"), 0);
	EXPECT_GT(completed, 17 * 256) << "every agent's requests went round more than once";
	EXPECT_LE(waits, completed + 17 * 256 + 1000)
		<< "a refusal per waiter and wake, not a poll each";
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

// Every row of a gate that compares with the counterfactual: the victims' pairs, the ratio
// their p99s' (to the thousandth), and the gate's verdict that of its rows.
void expect_sane_isolation_rows(const coconut::metrics::GateResult &g)
{
	EXPECT_EQ(g.ref, "alone");
	ASSERT_EQ(g.rows.size(), 6u) << g.measured; // alice, bob x cpu, pcie, inference
	bool all_pass = true;
	for (const auto &r : g.rows) {
		SCOPED_TRACE(r.tenant + "/" + r.resource);
		EXPECT_TRUE(r.tenant == "alice" || r.tenant == "bob");
		EXPECT_TRUE(r.has_ref);
		EXPECT_GE(r.ref_samples, 50u);
		EXPECT_GT(r.samples, 0u);
		EXPECT_LE(r.p50_milli, r.p99_milli);
		if (r.ratio_milli) {
			const auto want =
				(std::uint64_t)((unsigned __int128)r.p99_milli * 1000 /
						std::max<std::uint64_t>(1, r.ref_p99_milli));
			EXPECT_LE(*r.ratio_milli, want + 1);
			EXPECT_GE(*r.ratio_milli + 1, want);
			EXPECT_EQ(r.pass, *r.ratio_milli <= 1500);
		} else {
			EXPECT_FALSE(r.pass);
			EXPECT_NE(r.note.find("too few samples"), std::string::npos) << r.note;
		}
		all_pass = all_pass && r.pass;
	}
	EXPECT_EQ(g.pass, all_pass);
}

// Under fifo the flooder's backlog delays the victims by orders of magnitude: the gate fails
// (with ratios far over the bound, or with too few samples, said plainly).
TEST(Counterfactual, IsolationGateFailsUnderFifo)
{
	const RunResult r =
		coconut::engine::run_scenario(flooder_small(),
					      with_policy(coconut::scenario::Policy::Fifo));
	const auto *g = gate(r, "isolation");
	ASSERT_NE(g, nullptr);
	EXPECT_FALSE(g->pass);
	expect_sane_isolation_rows(*g);
	bool far_over = false, too_few = false;
	for (const auto &row : g->rows) {
		far_over = far_over || (row.ratio_milli && *row.ratio_milli > 10000);
		too_few = too_few || !row.ratio_milli;
	}
	EXPECT_TRUE(far_over) << g->detail;
	if (too_few) {
		EXPECT_EQ(g->measured.rfind("too few samples (", 0), 0u) << g->measured;
	}
	// The fairness gate has rows too (p99/p50, no reference).
	const auto *f = gate(r, "fairness");
	ASSERT_NE(f, nullptr);
	EXPECT_FALSE(f->rows.empty());
	for (const auto &row : f->rows)
		EXPECT_FALSE(row.has_ref);
}

// Under fair the gate reports a ratio for every pair (its verdict is the scheduler's business).
TEST(Counterfactual, IsolationGateReportsRatiosUnderFair)
{
	const RunResult r =
		coconut::engine::run_scenario(flooder_small(),
					      with_policy(coconut::scenario::Policy::Fair));
	const auto *g = gate(r, "isolation");
	ASSERT_NE(g, nullptr);
	expect_sane_isolation_rows(*g);
	for (const auto &row : g->rows)
		EXPECT_TRUE(row.ratio_milli.has_value()) << row.tenant << "/" << row.resource;
	EXPECT_NE(g->measured.find(" ("), std::string::npos) << g->measured; // "2.159 (bob/...)"
}

// A counterfactual child that dies fails the gate with the reason, and nothing hangs.
TEST(Counterfactual, DyingChildFailsTheGate)
{
	RunOptions o = with_policy(coconut::scenario::Policy::Fair);
	o.mutations.kill_counterfactual = true;
	const RunResult r = coconut::engine::run_scenario(flooder_small(), o);
	const auto *g = gate(r, "isolation");
	ASSERT_NE(g, nullptr);
	EXPECT_FALSE(g->pass);
	EXPECT_EQ(g->measured, "counterfactual run failed: killed by signal 9");
	ASSERT_FALSE(g->rows.empty());
	for (const auto &row : g->rows) {
		EXPECT_FALSE(row.has_ref);
		EXPECT_FALSE(row.ratio_milli.has_value());
		EXPECT_FALSE(row.pass);
	}
	// The other gates are those of a normal run.
	ASSERT_NE(gate(r, "fairness"), nullptr);
	EXPECT_FALSE(gate(r, "fairness")->rows.empty());
}

// Without run_scenario the gate says it was not run, instead of passing or guessing.
TEST(Counterfactual, SimulationAloneLeavesTheGateNotRun)
{
	const RunResult r = run(flooder_small(), RunOptions{});
	ASSERT_NE(gate(r, "isolation"), nullptr);
	EXPECT_FALSE(gate(r, "isolation")->pass);
	EXPECT_EQ(gate(r, "isolation")->measured, "counterfactual not run");
}

// run_scenario's determinism gate compares with a second run in a child process; skipped,
// the gate is left out.
TEST(RunScenario, DeterminismGateFromTheSecondRun)
{
	const auto sc = load("maya-workstation");
	const RunResult r = coconut::engine::run_scenario(sc, until(5));
	const auto *g = gate(r, "determinism");
	ASSERT_NE(g, nullptr);
	EXPECT_TRUE(g->pass) << g->measured << " " << g->detail;
	EXPECT_EQ(g->measured, r.fingerprint.substr(0, 16) + "...");
	RunOptions skip = until(5);
	skip.skip_determinism_gate = true;
	const RunResult s = coconut::engine::run_scenario(sc, skip);
	EXPECT_EQ(gate(s, "determinism"), nullptr);
	EXPECT_EQ(s.fingerprint, r.fingerprint);
}

// A rerun that simulates something else (here the next seed, as a run reading the wall clock
// or an unordered container would) fails the gate, naming both fingerprints.
TEST(RunScenario, DeterminismGateFailsWhenTheRerunDiffers)
{
	RunOptions o = until(5);
	o.mutations.perturb_rerun = true;
	const RunResult r = coconut::engine::run_scenario(load("maya-workstation"), o);
	const auto *g = gate(r, "determinism");
	ASSERT_NE(g, nullptr);
	EXPECT_FALSE(g->pass);
	EXPECT_NE(g->detail.find("first run " + r.fingerprint), std::string::npos) << g->detail;
	EXPECT_NE(g->measured, r.fingerprint.substr(0, 16) + "...");
}

} // namespace
