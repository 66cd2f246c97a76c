// The gate evaluators judged from snapshots, without a simulation (gate_eval.h): each kind is
// found by its name, passes on the run it should pass and fails on the one it exists to catch.
#include "gate_eval.h"

#include <gtest/gtest.h>

namespace {

using coconut::engine::evaluate_gates;
using coconut::engine::gate_evaluator;
using coconut::engine::RunSnapshot;
using coconut::scenario::GateKind;
using coconut::scenario::GateSpec;

GateSpec gate(GateKind k, const std::string &name)
{
	GateSpec g;
	g.kind = k;
	g.name = name;
	return g;
}

struct Fixture {
	coconut::scenario::Scenario sc;
	coconut::metrics::MetricRegistry registry;
	RunSnapshot snap;
	Fixture()
	{
		snap.sc = &sc;
		snap.registry = &registry;
	}
	coconut::metrics::GateResult judge(const GateSpec &g)
	{
		sc.gates = { g };
		const auto r = evaluate_gates(snap, false);
		EXPECT_EQ(r.size(), 1u);
		return r.at(0);
	}
};

TEST(GateEval, EveryKindHasAnEvaluatorFoundByName)
{
	for (GateKind k : { GateKind::Fairness, GateKind::AuditParity, GateKind::AuditVerify,
			    GateKind::NoUseAfterRevoke, GateKind::Expectations, GateKind::Metric,
			    GateKind::Determinism, GateKind::Isolation })
		EXPECT_NE(gate_evaluator(coconut::scenario::gate_kind_name(k)), nullptr)
			<< coconut::scenario::gate_kind_name(k);
	EXPECT_EQ(gate_evaluator("no.such.gate"), nullptr);
}

TEST(GateEval, AuditParityNeedsEveryDecisionInTheChain)
{
	Fixture f;
	f.snap.lsm_allows = f.snap.chain_allows = 10;
	f.snap.lsm_denies = f.snap.chain_denies = 3;
	f.snap.seen_allows_min = 9; // the callers' count: a range where a return is ambiguous
	f.snap.seen_allows_max = 12;
	f.snap.seen_denies_min = f.snap.seen_denies_max = 3;
	EXPECT_TRUE(f.judge(gate(GateKind::AuditParity, "audit.parity")).pass);
	f.snap.lsm_allows = 11; // a decision without its event (the phantom_decision bug)
	const auto r = f.judge(gate(GateKind::AuditParity, "audit.parity"));
	EXPECT_FALSE(r.pass);
	EXPECT_NE(r.detail.find("differ"), std::string::npos);
	f.snap.lsm_allows = 10;
	f.snap.pending_events = 1; // events never sealed
	EXPECT_FALSE(f.judge(gate(GateKind::AuditParity, "audit.parity")).pass);
}

// A deny that skips both its event and the LSM's counter agrees with itself; the callers were
// told -ECAPABILITY four times, and the gate says so.
TEST(GateEval, AuditParityCountsWhatCallersSawNotOnlyTheKernelsCounters)
{
	Fixture f;
	f.snap.lsm_allows = f.snap.chain_allows = 10;
	f.snap.lsm_denies = f.snap.chain_denies = 3;
	f.snap.seen_allows_min = f.snap.seen_allows_max = 10;
	f.snap.seen_denies_min = f.snap.seen_denies_max = 4;
	auto r = f.judge(gate(GateKind::AuditParity, "audit.parity"));
	EXPECT_FALSE(r.pass);
	EXPECT_NE(r.detail.find("callers were told"), std::string::npos) << r.detail;
	EXPECT_NE(r.measured.find("deny 3/3/4"), std::string::npos) << r.measured;
	f.snap.seen_denies_min = 2; // a range that holds the chain's count passes
	EXPECT_TRUE(f.judge(gate(GateKind::AuditParity, "audit.parity")).pass);
	f.snap.seen_allows_min = 8; // more allows in the chain than callers were given
	f.snap.seen_allows_max = 9;
	r = f.judge(gate(GateKind::AuditParity, "audit.parity"));
	EXPECT_FALSE(r.pass);
	EXPECT_NE(r.measured.find("allow 10/10/8..9"), std::string::npos) << r.measured;
}

TEST(GateEval, AuditVerifyFailsWithTheChecksError)
{
	Fixture f;
	EXPECT_TRUE(f.judge(gate(GateKind::AuditVerify, "audit.verify")).pass);
	f.snap.audit_error = "the kernel's head differs from the recomputed one";
	const auto r = f.judge(gate(GateKind::AuditVerify, "audit.verify"));
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.detail, f.snap.audit_error);
}

TEST(GateEval, NoUseAfterRevokeCountsEveryUse)
{
	Fixture f;
	EXPECT_TRUE(f.judge(gate(GateKind::NoUseAfterRevoke, "nuar")).pass);
	f.snap.use_after_revoke = 1;
	EXPECT_FALSE(f.judge(gate(GateKind::NoUseAfterRevoke, "nuar")).pass);
}

TEST(GateEval, ExpectationsNeedOneActionAndNoMiss)
{
	Fixture f;
	EXPECT_FALSE(f.judge(gate(GateKind::Expectations, "expectations")).pass); // none ran
	f.snap.expected_actions = 2;
	EXPECT_TRUE(f.judge(gate(GateKind::Expectations, "expectations")).pass);
	f.snap.expectation_failures = { "cap.revoke at 5 ns on a/b/0: expected 0, got -EPERM" };
	const auto r = f.judge(gate(GateKind::Expectations, "expectations"));
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.measured, "1/2 as expected");
}

TEST(GateEval, MetricComparesAndAMissingOneFails)
{
	Fixture f;
	GateSpec g = gate(GateKind::Metric, "metric");
	g.metric = "requests.failed";
	g.op = coconut::scenario::CompareOp::Eq;
	g.value = 0;
	auto r = f.judge(g);
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.measured, "missing");
	f.registry.set("requests.failed", 0);
	r = f.judge(g);
	EXPECT_TRUE(r.pass);
	EXPECT_EQ(r.name, "requests.failed"); // a metric gate named after its metric
	f.registry.set("requests.failed", 3);
	EXPECT_FALSE(f.judge(g).pass);
	g.op = coconut::scenario::CompareOp::Le;
	g.value = 3;
	EXPECT_TRUE(f.judge(g).pass);
}

TEST(GateEval, DeterminismAloneIsNotRunAndLeftOutOfItsOwnRerun)
{
	Fixture f;
	const auto r = f.judge(gate(GateKind::Determinism, "determinism"));
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.measured, "not run");
	f.sc.gates = { gate(GateKind::Determinism, "determinism") };
	EXPECT_TRUE(evaluate_gates(f.snap, true).empty());
}

} // namespace
