// The slowdown gates' arithmetic on hand-made tables (stage_gates.h): which pairs become rows,
// the ratios, the bounds, too few samples said plainly, a missing counterfactual, and the
// stage table's JSON as a child sends it.
#include "stage_gates.h"

#include <gtest/gtest.h>

#include <string>

namespace {

namespace ce = coconut::engine;
namespace cs = coconut::scenario;
using coconut::metrics::GateResult;
using coconut::metrics::GateRow;

// alice and bob are victims, mallory the flooder.
cs::Scenario three_tenants()
{
	cs::Scenario sc;
	sc.name = "t";
	for (const char *n : { "alice", "bob", "mallory" }) {
		cs::TenantSpec t;
		t.name = n;
		t.flooder = std::string(n) == "mallory";
		sc.tenants.push_back(t);
	}
	return sc;
}

cs::GateSpec gate_of(cs::GateKind kind)
{
	cs::GateSpec g;
	g.kind = kind;
	g.name = cs::gate_kind_name(kind);
	return g;
}

const GateRow *row(const GateResult &r, const std::string &tenant, const std::string &res)
{
	for (const GateRow &x : r.rows)
		if (x.tenant == tenant && x.resource == res)
			return &x;
	return nullptr;
}

TEST(StageGates, FairnessRatiosBoundsAndRows)
{
	const cs::Scenario sc = three_tenants();
	const ce::StageTable here = {
		{ { "alice", "cpu" }, { 100, 1000, 1400 } }, // 1.4: passes 1.5
		{ { "bob", "cpu" }, { 100, 2000, 4000 } },   // 2.0: over
		{ { "mallory", "cpu" }, { 900, 1000, 90000 } },
		{ { "alice", "gpu" },
		  { 100, 1000, 9000 } }, // only alice uses the GPU: not contended
	};
	const GateResult r = ce::fairness_gate(gate_of(cs::GateKind::Fairness), sc, here);
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.measured, "2.000 (bob/cpu)");
	EXPECT_EQ(r.bound, "<= 1.500");
	ASSERT_EQ(r.rows.size(), 2u); // victims only, cpu only
	EXPECT_EQ(row(r, "alice", "cpu")->ratio_milli, 1400u);
	EXPECT_TRUE(row(r, "alice", "cpu")->pass);
	EXPECT_EQ(row(r, "bob", "cpu")->ratio_milli, 2000u);
	EXPECT_FALSE(row(r, "bob", "cpu")->pass);
	EXPECT_FALSE(row(r, "bob", "cpu")->has_ref);
	EXPECT_NE(r.detail.find("bob/cpu: p99/p50 2.000"), std::string::npos) << r.detail;
}

// A tenant slowed evenly (p99/p50 = 1) passes the ratio; p99_max catches it.
TEST(StageGates, FairnessP99Max)
{
	const cs::Scenario sc = three_tenants();
	const ce::StageTable here = {
		{ { "alice", "pcie" }, { 100, 9000000, 9100000 } }, // 9,100x slower, evenly
		{ { "bob", "pcie" }, { 100, 1000, 1200 } },
	};
	cs::GateSpec g = gate_of(cs::GateKind::Fairness);
	EXPECT_TRUE(ce::fairness_gate(g, sc, here).pass);
	g.p99_max_milli = 5000;
	const GateResult r = ce::fairness_gate(g, sc, here);
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.bound, "<= 1.500, p99 <= 5.000");
	EXPECT_EQ(r.measured, "1.200 (bob/pcie), p99 9100.000 (alice/pcie)");
	EXPECT_FALSE(row(r, "alice", "pcie")->pass);
	EXPECT_TRUE(row(r, "bob", "pcie")->pass);
	EXPECT_NE(r.detail.find("alice/pcie: p99 9100.000x above 5.000x"), std::string::npos)
		<< r.detail;
}

// Too few samples: a FAIL whose measurement is the counts, never a passing-looking ratio.
TEST(StageGates, FairnessTooFewSamplesSaysSo)
{
	const cs::Scenario sc = three_tenants();
	const ce::StageTable here = {
		{ { "alice", "cpu" }, { 100, 1000, 1100 } },
		{ { "bob", "cpu" }, { 12, 1000, 1100 } },
		{ { "bob", "pcie" }, { 49, 1000, 1100 } },
		{ { "alice", "pcie" }, { 50, 1000, 1100 } },
	};
	const GateResult r = ce::fairness_gate(gate_of(cs::GateKind::Fairness), sc, here);
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.measured, "too few samples (bob/cpu: 12; need 50; 1 more pairs)");
	EXPECT_FALSE(row(r, "bob", "cpu")->ratio_milli.has_value());
	EXPECT_EQ(row(r, "bob", "cpu")->note, "too few samples (12; need 50)");
	EXPECT_TRUE(row(r, "alice", "pcie")->pass); // 50 is enough
	EXPECT_EQ(r.detail.rfind("bob/cpu: too few samples (12; need 50); bob/pcie:", 0), 0u)
		<< r.detail;
}

TEST(StageGates, FairnessWithNothingToJudgeFails)
{
	const GateResult r =
		ce::fairness_gate(gate_of(cs::GateKind::Fairness), three_tenants(), {});
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.measured, "no samples");
	EXPECT_TRUE(r.rows.empty());
}

TEST(StageGates, CounterfactualRatiosAgainstTheTenantAlone)
{
	const cs::Scenario sc = three_tenants();
	const ce::StageTable here = {
		{ { "alice", "cpu" }, { 200, 1100, 1300 } },
		{ { "alice", "pcie" }, { 200, 5000, 90000 } },
		{ { "bob", "cpu" }, { 200, 1000, 1500 } },
		{ { "mallory", "cpu" }, { 5000, 1000, 99000 } },
		{ { "mallory", "pcie" }, { 5000, 1000, 99000 } },
	};
	const ce::StageTable alone = {
		{ { "alice", "cpu" }, { 210, 1000, 1000 } },
		{ { "alice", "pcie" }, { 210, 1000, 1200 } },
		{ { "bob", "cpu" }, { 205, 1000, 1000 } },
	};
	const GateResult r = ce::isolation_counterfactual_gate(gate_of(cs::GateKind::Isolation), sc,
							       here, &alone, "unused");
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.ref, "alone");
	EXPECT_EQ(r.measured, "75.000 (alice/pcie)");
	ASSERT_EQ(r.rows.size(), 3u); // bob/pcie: no samples on either side, not a row
	const GateRow *a = row(r, "alice", "cpu");
	EXPECT_TRUE(a->has_ref);
	EXPECT_EQ(a->ref_samples, 210u);
	EXPECT_EQ(a->ref_p99_milli, 1000u);
	EXPECT_EQ(a->ratio_milli, 1300u);
	EXPECT_TRUE(a->pass);
	EXPECT_EQ(row(r, "bob", "cpu")->ratio_milli, 1500u); // at the bound: passes
	EXPECT_TRUE(row(r, "bob", "cpu")->pass);
	EXPECT_EQ(row(r, "alice", "pcie")->ratio_milli, 75000u);
	EXPECT_NE(r.detail.find("alice/pcie: p99 90.000x vs 1.200x alone"), std::string::npos)
		<< r.detail;
}

// Either side short of samples fails the pair, with both counts; a victim starved of every
// completion here (none, but some alone) is a row too, not skipped.
TEST(StageGates, CounterfactualTooFewSamplesOnEitherSide)
{
	const cs::Scenario sc = three_tenants();
	const ce::StageTable here = {
		{ { "alice", "pcie" }, { 60, 1000, 1000 } },
		{ { "bob", "pcie" }, { 60, 1000, 1000 } },
	};
	const ce::StageTable alone = {
		{ { "alice", "pcie" }, { 48, 1000, 1000 } },
		{ { "bob", "pcie" }, { 60, 1000, 1000 } },
		{ { "alice", "cpu" }, { 70, 1000, 1000 } },
		{ { "bob", "cpu" }, { 70, 1000, 1000 } },
	};
	cs::GateSpec g = gate_of(cs::GateKind::Isolation);
	g.resources = { "pcie", "cpu" };
	const GateResult r = ce::isolation_counterfactual_gate(g, sc, here, &alone, "unused");
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(
		r.measured,
		"too few samples (alice/pcie: 60 here, 48 counterfactual; need 50; 2 more pairs)");
	EXPECT_EQ(row(r, "alice", "cpu")->note,
		  "too few samples (0 here, 70 counterfactual; need 50)");
	EXPECT_TRUE(row(r, "bob", "pcie")->pass);
}

TEST(StageGates, CounterfactualMissingFailsWithTheReason)
{
	const cs::Scenario sc = three_tenants();
	const ce::StageTable here = { { { "alice", "cpu" }, { 200, 1000, 1000 } },
				      { { "mallory", "cpu" }, { 200, 1000, 1000 } } };
	const GateResult r =
		ce::isolation_counterfactual_gate(gate_of(cs::GateKind::Isolation), sc, here,
						  nullptr,
						  "counterfactual run failed: exit status 3");
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.measured, "counterfactual run failed: exit status 3");
	ASSERT_EQ(r.rows.size(), 1u);
	EXPECT_FALSE(r.rows[0].has_ref);
	EXPECT_FALSE(r.rows[0].ratio_milli.has_value());
	EXPECT_FALSE(r.rows[0].pass);
}

// complete_isolation_gates replaces the gate of that name, from the run's own histograms.
TEST(StageGates, CompleteReplacesThePlaceholder)
{
	cs::Scenario sc = three_tenants();
	cs::GateSpec g = gate_of(cs::GateKind::Isolation);
	g.name = "victims-alone";
	sc.gates.push_back(g);
	coconut::metrics::MetricRegistry m;
	for (const char *t : { "alice", "mallory" })
		for (int i = 0; i < 100; i++)
			m.hist(std::string("tenant.") + t + ".cpu.slowdown").record(2000);
	std::vector<GateResult> gates(2);
	gates[0].name = "other";
	gates[1].name = "victims-alone";
	const ce::StageTable alone = { { { "alice", "cpu" }, { 100, 1000, 1000 } } };
	ce::complete_isolation_gates(sc, gates, m, &alone, "unused");
	EXPECT_TRUE(gates[0].rows.empty());
	EXPECT_EQ(gates[1].measured, "2.000 (alice/cpu)");
	EXPECT_EQ(gates[1].kind, "isolation");
	ASSERT_EQ(gates[1].rows.size(), 1u);
	EXPECT_EQ(gates[1].rows[0].samples, 100u);
}

TEST(StageGates, PeerModePoolsTheGroups)
{
	coconut::metrics::MetricRegistry m;
	for (int i = 0; i < 60; i++) {
		m.hist("tenant.a.inference.slowdown").record(3000);
		m.hist("tenant.b.inference.slowdown").record(1000);
		m.hist("tenant.c.inference.slowdown").record(1000);
	}
	cs::GateSpec g = gate_of(cs::GateKind::Isolation);
	g.tenants = { "a" };
	g.baseline = { "b", "c" };
	g.bound_milli = 2000;
	const GateResult r = ce::isolation_peer_gate(g, m);
	EXPECT_FALSE(r.pass);
	EXPECT_EQ(r.ref, "baseline");
	EXPECT_EQ(r.measured, "3.000 (inference)");
	ASSERT_EQ(r.rows.size(), 1u);
	EXPECT_EQ(r.rows[0].tenant, "(exposed)");
	EXPECT_EQ(r.rows[0].ref_samples, 120u);
	g.baseline = { "nobody" };
	EXPECT_EQ(ce::isolation_peer_gate(g, m).measured,
		  "too few samples (inference: 60 exposed, 0 baseline; need 50)");
}

TEST(StageGates, TableJsonRoundTripAndRefusals)
{
	const ce::StageTable t = { { { "alice", "cpu" }, { 3, 1000, 2500 } },
				   { { "bob", "inference" }, { 70, 1200, 99999 } } };
	EXPECT_EQ(ce::stage_table_from_json(
			  nlohmann::json::parse(ce::stage_table_to_json(t).dump())),
		  t);
	for (const char *bad :
	     { R"({"tenant":"a"})",
	       R"([{"tenant":"a","resource":"cpu","samples":-1,"p50_milli":1,"p99_milli":1}])",
	       R"([{"tenant":"a","resource":"cpu","samples":1,"p50_milli":1}])",
	       R"([{"tenant":1,"resource":"cpu","samples":1,"p50_milli":1,"p99_milli":1}])",
	       R"([{"tenant":"a","resource":"cpu","samples":1,"p50_milli":1,"p99_milli":1},
		   {"tenant":"a","resource":"cpu","samples":1,"p50_milli":1,"p99_milli":1}])" })
		EXPECT_THROW(ce::stage_table_from_json(nlohmann::json::parse(bad)),
			     std::invalid_argument)
			<< bad;
}

} // namespace
