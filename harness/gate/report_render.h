// The release report's views, each a pure function of results.json (gate_runner.h): the page
// (index.html), the Markdown (report.md) and JUnit XML. `coconut-sim report results.json`
// regenerates them byte for byte, so what a signature covers is all a view can show.
#ifndef COCONUT_HARNESS_GATE_REPORT_RENDER_H
#define COCONUT_HARNESS_GATE_REPORT_RENDER_H

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace coconut::gate {

// One gate against the previous release's results (results["previous"]).
struct Comparison {
	std::string id;
	std::string before_status, before_measured;
	std::string now_status, now_measured;
	bool regression = false;
	std::string why; // "passed before, fails now", "12.0 % worse"
};

// Empty when the results carry no previous release. A regression: a gate that passed and does
// not now, or whose value moved the wrong way (its `better`) by more than kRegressionPct.
constexpr int kRegressionPct = 10;
std::vector<Comparison> compare_with_previous(const nlohmann::json &results);

// What a previous release's results contribute to a new report (results["previous"]).
nlohmann::json previous_summary(const nlohmann::json &prev_results);

// "" when results has every field the views read, of the right type; else the first that is not,
// named by its path ("gates[2].status: must be pass, fail or not-run"). The views render any
// results that pass this (a plot whose data is malformed becomes a note on the page).
std::string results_shape_error(const nlohmann::json &results);

std::string render_html(const nlohmann::json &results);
std::string render_markdown(const nlohmann::json &results);
std::string render_junit(const nlohmann::json &results);

// The canonical text of results.json: keys sorted, one-space indents, a final newline. What
// --sign signs and `report verify` checks.
std::string canonical_text(const nlohmann::json &results);

} // namespace coconut::gate

#endif
