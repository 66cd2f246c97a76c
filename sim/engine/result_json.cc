// See result_json.h.
#include "result_json.h"

#include "report.h"
#include "text_escape.h"

namespace coconut::engine {

nlohmann::json result_to_json(const scenario::Scenario &sc, const RunResult &r)
{
	nlohmann::json j;
	j["schema"] = kResultSchemaVersion;
	j["scenario"] = metrics::utf8_sanitize(sc.name);
	j["file"] = metrics::utf8_sanitize(sc.file);
	j["seed"] = sc.seed;
	j["policy"] = scenario::policy_name(sc.policy);
	j["simulated_ns"] = r.sim_end_ns;
	if (r.interrupted)
		j["interrupted"] = true; // only then: every finished run's file stays as it was
	j["fingerprint"] = r.fingerprint;
	j["audit"] = { { "head", r.audit_head }, { "events", r.audit_events } };
	j["gates"] = metrics::gates_to_json(r.gates);
	j["metrics"] = r.metrics.to_json();
	nlohmann::json notes = nlohmann::json::array();
	for (const std::string &n : r.notes)
		notes.push_back(metrics::utf8_sanitize(n));
	j["notes"] = notes;
	j["series"] = r.series;
	nlohmann::json arrivals = nlohmann::json::object();
	for (const auto &[tenant, d] : r.arrivals)
		arrivals[metrics::utf8_sanitize(tenant)] = { { "arrivals", d.arrivals },
							     { "digest", d.digest } };
	j["arrivals"] = arrivals;
	j["probes"] = r.probes;
	return j;
}

} // namespace coconut::engine
