// Runs the release-gate suite (gate_suite.h) and returns its results as data: the JSON that
// results.json holds (docs/gates.md, docs/gate-results.schema.json) and that every view of the
// report (report_html.h, report_md.h, junit) is rendered from. Each gate is judged from the
// files and exit codes of the programs it ran (child_run.h), in their own processes.
#ifndef COCONUT_HARNESS_GATE_GATE_RUNNER_H
#define COCONUT_HARNESS_GATE_GATE_RUNNER_H

#include "child_run.h"
#include "gate_suite.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

namespace coconut::gate {

constexpr const char *kResultsSchema = "coconut-gate-results/1";

struct RunnerConfig {
	std::string sim;   // coconut-sim, absolute
	std::string build; // the build folder, absolute
	std::string work;  // where the gates' runs and logs go, absolute
	unsigned jobs = 2;
	std::uint64_t seed =
		1; // system_props --seed: a release's own (the CLI derives it from the name)
	std::function<void(const std::string &)> say; // one progress line
	// A line that the next one replaces (a terminal's "running" line); may be empty.
	std::function<void(const std::string &)> status;
};

// One scenario run that gates read (shared between gates: the isolation and the p99/p50 gates
// judge the same runs).
struct ScenarioRun {
	std::string label; // "fair seed 1"
	std::string dir;   // its --out
	Ended ended;
	nlohmann::json result;		// result.json; null when the run wrote none
	std::vector<std::string> shown; // the command, as a person would type it
};

class Runner {
public:
	Runner(Suite suite, RunnerConfig cfg);
	// Every gate in order; each gate's object as results.json's `gates` holds it.
	nlohmann::json run_all();
	nlohmann::json run_gate(const GateSpec &g);

	// A path as the report shows it: relative to the repository root when under it.
	std::string shown(const std::string &path) const;

private:
	nlohmann::json policy_contrast(const GateSpec &g);
	nlohmann::json scenario_gate(const GateSpec &g);
	nlohmann::json properties(const GateSpec &g);
	nlohmann::json replay(const GateSpec &g);
	nlohmann::json cosim(const GateSpec &g);
	nlohmann::json vectors(const GateSpec &g);
	nlohmann::json bench(const GateSpec &g);

	// Runs (or finds already run) scenario x policy x seeds; in seed order within a policy.
	std::vector<const ScenarioRun *> scenario_runs(const std::string &scenario,
						       const std::vector<std::string> &policies,
						       std::uint64_t first, std::uint64_t last);
	std::string in_root(const std::string &rel) const;
	std::string in_build(const std::string &rel) const;
	std::string log_path(const std::string &gate, const std::string &what) const;

	Suite suite_;
	RunnerConfig cfg_;
	std::map<std::string, ScenarioRun> runs_; // "scenario|policy|seed"
};

// The results document around the gates: release, mode, verdict, host, times.
nlohmann::json results_document(const Suite &s, const std::string &release,
				const nlohmann::json &gates, long wall_ms,
				const std::string &started_utc, const std::string &commit);

// "pass" when every gate passed, "fail" when one failed, "incomplete" when none failed but one
// was not run.
std::string verdict_of(const nlohmann::json &gates);

// Reads a JSON file; null when it is missing or not JSON.
nlohmann::json read_json_file(const std::string &path);

} // namespace coconut::gate

#endif
