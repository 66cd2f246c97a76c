// The outcome of one gate of a scenario (a fairness bound, parity, no use after revoke,
// determinism, a metric threshold): what was measured against what bound, and the verdict.
// Text fields are already formatted for people (format_milli, format_ns in report.h).
// Fairness and isolation gates also carry one row per tenant and resource they judged, so
// reports can say which pair failed and by how much (print_gate_rows, gates_to_json, JUnit).
#ifndef COCONUT_SIM_METRICS_GATE_RESULT_H
#define COCONUT_SIM_METRICS_GATE_RESULT_H

#include <optional>
#include <string>
#include <vector>

#include "types.h"

namespace coconut::metrics {

// One tenant on one resource, as a fairness or isolation gate judged it. Slowdowns (a stage's
// latency / its service time alone) in thousandths.
struct GateRow {
	std::string tenant;   // a tenant; "(exposed)" for a peer isolation gate's pooled tenants
	std::string resource; // "cpu" "pcie" "gpu" "inference"
	u64 samples = 0;
	u64 p50_milli = 0;
	u64 p99_milli = 0;
	// What p99 is compared with (isolation gates; GateResult::ref names it): the tenant's own
	// p99 in the run without the flooders, or the baseline tenants' pooled p99. Absent when
	// that run failed.
	bool has_ref = false;
	u64 ref_samples = 0;
	u64 ref_p99_milli = 0;
	// Fairness: p99 / p50; isolation: p99 / the reference's p99. Absent when there was
	// nothing meaningful to divide (too few samples on either side, no reference run).
	std::optional<u64> ratio_milli;
	bool pass = false;
	std::string note; // why a row failed without a ratio: "too few samples (12; need 50)"
};

struct GateResult {
	std::string name;     // unique within a scenario: "fairness.p99_over_p50.tenant_b"
	std::string kind;     // the gate kind of the scenario YAML: "fairness", "parity", ...
	std::string measured; // "1.234"
	std::string bound;    // "<= 1.500"
	bool pass = false;
	std::string detail; // why it failed, or context worth keeping (may be empty)
	// Fairness and isolation gates: the rows behind the verdict, and for isolation what the
	// reference p99 is: "alone" (the counterfactual run) or "baseline" (peer tenants).
	std::string ref;
	std::vector<GateRow> rows;
};

} // namespace coconut::metrics

#endif
