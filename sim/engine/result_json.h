// A finished run as data: the document `coconut-sim run --out DIR` writes as DIR/result.json,
// and what the Python bindings and the release report read. Its schema is
// docs/result.schema.json (checked by the CLI's tests); docs/engine.md says what each part is.
#ifndef COCONUT_SIM_ENGINE_RESULT_JSON_H
#define COCONUT_SIM_ENGINE_RESULT_JSON_H

#include "run_options.h"
#include "scenario.h"

#include <nlohmann/json.hpp>

namespace coconut::engine {

// The schema version: bumped when a field changes meaning or goes away (adding one does not).
inline constexpr int kResultSchemaVersion = 1;

// {"schema", "scenario", "file", "seed", "policy", "simulated_ns", "fingerprint", "gates",
//  "metrics": {"values", "histograms" (with their non-empty buckets)}, "notes", "series",
//  "arrivals", "probes"}. sc is the scenario as run (engine::with_overrides).
nlohmann::json result_to_json(const scenario::Scenario &sc, const RunResult &r);

} // namespace coconut::engine

#endif
