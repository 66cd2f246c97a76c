// The gates that judge stage slowdowns (a stage's latency / its service time alone):
//   fairness                 each tenant's p99/p50 <= bound, and optionally p99 <= p99_max;
//   isolation, peer          the exposed tenants' pooled p99 <= bound x the baseline's pooled;
//   isolation, counterfactual each victim's p99 <= bound x its own p99 in the same run without
//                            the flooders (RunOptions::without_flooders).
// Pure functions of per tenant x resource statistics: the end of a run (finish.cc) and
// run_scenario (reruns.cc, once the counterfactual child has answered) compute them the same
// way, and their arithmetic is tested without a simulation (tests/stage_gates_test.cc).
#ifndef COCONUT_SIM_ENGINE_STAGE_GATES_H
#define COCONUT_SIM_ENGINE_STAGE_GATES_H

#include "gate_result.h"
#include "metric_registry.h"
#include "scenario.h"

#include <nlohmann/json.hpp>

#include <array>
#include <map>
#include <string>
#include <utility>

namespace coconut::engine {

// A p99 needs enough samples to mean something: a tenant/resource pair with fewer fails the
// gate that reads it, saying so (never with a ratio that looks like a pass).
inline constexpr u64 kStageSamplesMin = 50;

// The resources the gates know, in report order: their stages' names (devices::stage_name),
// then membw, a CPU stage's time on a core over its time alone when its work streams memory.
inline constexpr std::array<const char *, 5> kStageResources = { "cpu", "pcie", "gpu", "inference",
								 "membw" };

// One tenant's stage slowdown on one resource, in thousandths.
struct StageStats {
	u64 samples = 0;
	u64 p50_milli = 0; // LogHistogram::value_at_quantile_milli(500)
	u64 p99_milli = 0; // LogHistogram::value_at_quantile_milli(990)
	bool operator==(const StageStats &o) const = default;
};

// (tenant, resource) -> its stats. A pair without samples is absent.
using StageTable = std::map<std::pair<std::string, std::string>, StageStats>;

// A finished run's table, from its `tenant.<t>.<resource>.slowdown` histograms.
StageTable stage_table(const scenario::Scenario &sc, const metrics::MetricRegistry &m);
// [{"tenant","resource","samples","p50_milli","p99_milli"}, ...], as a child sends it back.
nlohmann::json stage_table_to_json(const StageTable &t);
// The inverse; a document of another shape throws std::invalid_argument naming what is wrong.
StageTable stage_table_from_json(const nlohmann::json &j);

// The tenants a fairness or isolation gate judges: its list, or every tenant not marked
// flooder. Its resources: its list, or every resource that more than one tenant used here.
std::vector<std::string> gate_tenants(const scenario::GateSpec &g, const scenario::Scenario &sc);
std::vector<std::string> gate_resources(const scenario::GateSpec &g, const StageTable &here);

metrics::GateResult fairness_gate(const scenario::GateSpec &g, const scenario::Scenario &sc,
				  const StageTable &here);
// Peer mode pools histograms, so it reads them from the run's registry.
metrics::GateResult isolation_peer_gate(const scenario::GateSpec &g,
					const metrics::MetricRegistry &m);
// Counterfactual mode. `alone` is the run without the flooders; nullptr when there is none,
// and `missing` then says why ("counterfactual run failed: killed by signal 9"): the gate
// fails with that as its measurement.
metrics::GateResult isolation_counterfactual_gate(const scenario::GateSpec &g,
						  const scenario::Scenario &sc,
						  const StageTable &here, const StageTable *alone,
						  const std::string &missing);

// Recomputes every counterfactual isolation gate of `result` (a run of sc) from the
// counterfactual run's table, or marks it failed with `missing` when alone is nullptr.
void complete_isolation_gates(const scenario::Scenario &sc, std::vector<metrics::GateResult> &gates,
			      const metrics::MetricRegistry &here, const StageTable *alone,
			      const std::string &missing);

} // namespace coconut::engine

#endif
