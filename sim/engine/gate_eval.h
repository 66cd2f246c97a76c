// The gates, judged from a snapshot of the finished run: one small evaluator per gate kind,
// found by the kind's name (scenario::gate_kind_name). The snapshot holds every number a gate
// reads, so an evaluator is a pure function of it, testable without a simulation, and a new
// gate kind is one function and one row of the table (HACKING.md, "Add a gate").
#ifndef COCONUT_SIM_ENGINE_GATE_EVAL_H
#define COCONUT_SIM_ENGINE_GATE_EVAL_H

#include "gate_result.h"
#include "metric_registry.h"
#include "scenario.h"
#include "stage_gates.h"

#include <string>
#include <vector>

namespace coconut::engine {

// What the gates read of a finished run.
struct RunSnapshot {
	const scenario::Scenario *sc = nullptr;		   // as run
	const metrics::MetricRegistry *registry = nullptr; // every metric and histogram
	StageTable stages;				   // per tenant x resource slowdowns
	// Audit: the LSM's decisions (the kernel's counters), the decisions its callers saw
	// (counted from what each call returned: kmodel::DecisionTally's ranges, not the
	// kernel's counters) and the sealed chain's events.
	u64 lsm_allows = 0, lsm_denies = 0;
	u64 seen_allows_min = 0, seen_allows_max = 0, seen_denies_min = 0, seen_denies_max = 0;
	u64 chain_allows = 0, chain_denies = 0, chain_events = 0, chain_anchors = 0;
	u64 pending_events = 0;
	std::string audit_error; // the chain, heads and TPM anchor's check; "" when they verify
	// Revocation: the engine's own record, independent of the kernel's bookkeeping.
	u64 use_after_revoke = 0, revocations = 0, inflight_failed_on_revoke = 0;
	// Expectations: actions with `expect` that ran, and the ones that answered otherwise.
	u64 expected_actions = 0;
	std::vector<std::string> expectation_failures;
};

using GateEvaluator = metrics::GateResult (*)(const scenario::GateSpec &g, const RunSnapshot &s);

// The evaluator of the kind with this name ("fairness", "audit.parity", ...); nullptr for a
// name no gate has.
GateEvaluator gate_evaluator(const std::string &kind_name);

// Every gate of s.sc in order (the determinism gate left out when skip_determinism: this run
// is its second run).
std::vector<metrics::GateResult> evaluate_gates(const RunSnapshot &s, bool skip_determinism);

} // namespace coconut::engine

#endif
