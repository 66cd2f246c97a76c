// See gate_eval.h. The slowdown gates' arithmetic is stage_gates.cc's; the others are here.
#include "gate_eval.h"

#include <algorithm>
#include "coconut/compiler.h"

#include <utility>

namespace coconut::engine {

using scenario::GateKind;

namespace {

std::string compare(s64 v, scenario::CompareOp op, s64 bound, bool &pass)
{
	switch (op) {
	case scenario::CompareOp::Eq:
		pass = v == bound;
		break;
	case scenario::CompareOp::Ne:
		pass = v != bound;
		break;
	case scenario::CompareOp::Lt:
		pass = v < bound;
		break;
	case scenario::CompareOp::Le:
		pass = v <= bound;
		break;
	case scenario::CompareOp::Gt:
		pass = v > bound;
		break;
	case scenario::CompareOp::Ge:
		pass = v >= bound;
		break;
	}
	return std::string(scenario::compare_op_name(op)) + " " + std::to_string(bound);
}

metrics::GateResult fairness(const scenario::GateSpec &g, const RunSnapshot &s)
{
	return fairness_gate(g, *s.sc, s.stages);
}

// Counterfactual mode waits for the run without the flooders (complete_isolation_gates):
// until then it fails, saying so.
metrics::GateResult isolation(const scenario::GateSpec &g, const RunSnapshot &s)
{
	return g.counterfactual() ? isolation_counterfactual_gate(g, *s.sc, s.stages, nullptr,
								  "counterfactual not run")
				  : isolation_peer_gate(g, *s.registry);
}

std::string range_text(u64 min, u64 max)
{
	return min == max ? std::to_string(min) : std::to_string(min) + ".." + std::to_string(max);
}

// Three counts must agree: the LSM's counters, the chain's events, and what the callers were
// told (a range where a return does not say how many questions were asked). The first two are
// kept by the same code (lsm.c counts after the append), so a decision that skips both agrees
// with itself; the third is the engine's, and catches it.
metrics::GateResult audit_parity(const scenario::GateSpec &, const RunSnapshot &s)
{
	metrics::GateResult r;
	const bool counters = s.chain_allows == s.lsm_allows && s.chain_denies == s.lsm_denies;
	const bool seen =
		s.seen_allows_min <= s.chain_allows && s.chain_allows <= s.seen_allows_max &&
		s.seen_denies_min <= s.chain_denies && s.chain_denies <= s.seen_denies_max;
	r.pass = counters && seen && s.pending_events == 0;
	r.measured = "allow " + std::to_string(s.lsm_allows) + "/" +
		     std::to_string(s.chain_allows) + "/" +
		     range_text(s.seen_allows_min, s.seen_allows_max) + ", deny " +
		     std::to_string(s.lsm_denies) + "/" + std::to_string(s.chain_denies) + "/" +
		     range_text(s.seen_denies_min, s.seen_denies_max);
	r.bound = "LSM == chain, within what callers saw";
	if (!counters)
		r.detail += "decisions (LSM counters) vs events (sealed chain) differ; ";
	if (!seen)
		r.detail += "the chain's decisions are not what the callers were told; ";
	if (s.pending_events)
		r.detail += std::to_string(s.pending_events) + " events still pending; ";
	return r;
}

metrics::GateResult audit_verify(const scenario::GateSpec &, const RunSnapshot &s)
{
	metrics::GateResult r;
	r.pass = s.audit_error.empty();
	r.measured = std::to_string(s.chain_events) + " events, " +
		     std::to_string(s.chain_anchors) + " anchors";
	r.bound = "chain and anchors verify";
	r.detail = s.audit_error;
	return r;
}

metrics::GateResult no_use_after_revoke(const scenario::GateSpec &, const RunSnapshot &s)
{
	metrics::GateResult r;
	r.pass = s.use_after_revoke == 0;
	r.measured = std::to_string(s.use_after_revoke) + " uses after revoke (" +
		     std::to_string(s.revocations) + " revokes, " +
		     std::to_string(s.inflight_failed_on_revoke) + " in-flight ops failed)";
	r.bound = "== 0";
	return r;
}

metrics::GateResult expectations(const scenario::GateSpec &, const RunSnapshot &s)
{
	metrics::GateResult r;
	const u64 expected = s.expected_actions;
	r.pass = s.expectation_failures.empty() && expected > 0;
	r.measured =
		std::to_string(expected - std::min<u64>(expected, s.expectation_failures.size())) +
		"/" + std::to_string(expected) + " as expected";
	r.bound = "all";
	for (const std::string &f : s.expectation_failures)
		r.detail += f + "; ";
	if (expected == 0)
		r.detail = "no action with `expect` ran";
	return r;
}

metrics::GateResult metric(const scenario::GateSpec &g, const RunSnapshot &s)
{
	metrics::GateResult r;
	const std::optional<s64> v = s.registry->get(g.metric);
	if (!v) {
		r.pass = false;
		r.measured = "missing";
		r.detail = "no metric named '" + g.metric + "'";
	} else {
		bool pass = false;
		r.bound = compare(*v, g.op, g.value, pass);
		r.pass = pass;
		r.measured = std::to_string(*v);
	}
	return r;
}

// Needs a second run: run_scenario makes it and completes the gate
// (complete_determinism_gate); a run alone fails it, saying so.
metrics::GateResult determinism(const scenario::GateSpec &, const RunSnapshot &)
{
	metrics::GateResult r;
	r.pass = false;
	r.measured = "not run";
	r.bound = "same fingerprint";
	r.detail = "needs a second run (engine::run_scenario makes it)";
	return r;
}

struct Row {
	GateKind kind;
	GateEvaluator eval;
};

// Every kind once (gate_evaluator_test checks the table against scenario::GateKind).
constexpr Row kEvaluators[] = {
	{ GateKind::Fairness, fairness },
	{ GateKind::AuditParity, audit_parity },
	{ GateKind::AuditVerify, audit_verify },
	{ GateKind::NoUseAfterRevoke, no_use_after_revoke },
	{ GateKind::Expectations, expectations },
	{ GateKind::Metric, metric },
	{ GateKind::Determinism, determinism },
	{ GateKind::Isolation, isolation },
};

} // namespace

GateEvaluator gate_evaluator(const std::string &kind_name)
{
	for (const Row &row : kEvaluators)
		if (kind_name == scenario::gate_kind_name(row.kind))
			return row.eval;
	return nullptr;
}

std::vector<metrics::GateResult> evaluate_gates(const RunSnapshot &s, bool skip_determinism)
{
	CO_ASSERT(s.sc && s.registry); // a snapshot names its scenario and registry
	std::vector<metrics::GateResult> out;
	for (const scenario::GateSpec &g : s.sc->gates) {
		if (g.kind == GateKind::Determinism && skip_determinism)
			continue; // this is the second run itself
		const std::string kind = scenario::gate_kind_name(g.kind);
		const GateEvaluator eval = gate_evaluator(kind);
		CO_ASSERT(eval); // every gate kind has an evaluator
		metrics::GateResult r = eval(g, s);
		// A slowdown gate names itself; the others take the spec's name and kind.
		if (g.kind != GateKind::Fairness && g.kind != GateKind::Isolation) {
			r.name = g.kind == GateKind::Metric && g.name == "metric" ? g.metric
										  : g.name;
			r.kind = kind;
		}
		out.push_back(std::move(r));
	}
	return out;
}

} // namespace coconut::engine
