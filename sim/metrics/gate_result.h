// The outcome of one gate of a scenario (a fairness bound, parity, no use after revoke,
// determinism, a metric threshold): what was measured against what bound, and the verdict.
// Text fields are already formatted for people (format_milli, format_ns in report.h).
#ifndef COCONUT_SIM_METRICS_GATE_RESULT_H
#define COCONUT_SIM_METRICS_GATE_RESULT_H

#include <string>

namespace coconut::metrics {

struct GateResult {
	std::string name;     // unique within a scenario: "fairness.p99_over_p50.tenant_b"
	std::string kind;     // the gate kind of the scenario YAML: "fairness", "parity", ...
	std::string measured; // "1.234"
	std::string bound;    // "<= 1.500"
	bool pass = false;
	std::string detail;   // why it failed, or context worth keeping (may be empty)
};

} // namespace coconut::metrics

#endif
