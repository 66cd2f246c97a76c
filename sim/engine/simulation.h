// One run of a scenario: builds the machine (sim/kernel_model) and its devices, spawns the
// tenants' agents through the real spawn path (signed manifests, syscall 472), drives their
// workloads, applies the timeline's actions and faults, follows the audit chain, collects the
// metrics, evaluates the gates and computes the fingerprint.
//
// A request of an agent goes: cap checks (agent_cap_present / in-flight tokens through the LSM,
// one audit event each) -> SSD read (when it reads a file) -> CPU -> PCIe DMA -> GPU compute ->
// inference broker, skipping stages it does not use. Each stage's latency and its service time
// alone give the stage's slowdown; the fairness gate reads those per tenant and resource.
//
// SystemC allows one simulation per context: construct a Simulation only on a fresh context
// (coconut::sim::sc_fresh_context()), call run() once, destroy it before the next.
#ifndef COCONUT_SIM_ENGINE_SIMULATION_H
#define COCONUT_SIM_ENGINE_SIMULATION_H

#include "run_options.h"
#include "scenario.h"

#include <memory>

namespace coconut::engine {

class Simulation {
public:
	// Throws scenario::ScenarioError for a scenario the machine cannot be built from (a
	// profile that does not load, caps the kernel refuses at spawn, ...).
	Simulation(const scenario::Scenario &sc, const RunOptions &opts);
	~Simulation();
	Simulation(const Simulation &) = delete;
	Simulation &operator=(const Simulation &) = delete;

	// Runs to the scenario's end (or --until), drains the audit rings, evaluates the gates.
	// The determinism gate and counterfactual isolation gates fail as "not run": they need
	// another run, which run_scenario (reruns.h) makes and completes them from.
	RunResult run();

	// The scenario as run (overrides applied).
	const scenario::Scenario &scenario() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

// Fills the determinism gate(s) of result from a second run's fingerprint; an empty one says
// the second run failed, `why` how.
void complete_determinism_gate(RunResult &result, const std::string &other_fingerprint,
			       const std::string &why = "");

// The scenario as a run with these options simulates it (--seed, --policy, --until applied).
scenario::Scenario with_overrides(const scenario::Scenario &sc, const RunOptions &opts);

} // namespace coconut::engine

#endif
