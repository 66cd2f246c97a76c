// What a caller (the CLI, the Python bindings, tests) can change about one run of a scenario
// without editing it, and what a run gives back.
#ifndef COCONUT_SIM_ENGINE_RUN_OPTIONS_H
#define COCONUT_SIM_ENGINE_RUN_OPTIONS_H

#include "gate_result.h"
#include "metric_registry.h"
#include <nlohmann/json.hpp>
#include "scenario.h"

#include <csignal>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coconut::engine {

struct RunOptions {
	std::optional<u64> seed;		// --seed
	std::optional<scenario::Policy> policy; // --policy
	std::optional<u64> until_ns;		// --until: stop earlier (or later) than duration
	std::string perfetto_path;		// --perfetto: Chrome trace-event JSON
	std::string trace_path;			// --trace: record every kernel call (JSON Lines)
	u64 perfetto_events_max = 2000000;	// cap on trace events written
	u64 perfetto_counter_gap_ns = 1000000;	// a counter series written at most once a ms
	std::string profile_dir;		// empty: devices::default_profile_dir()
	bool skip_determinism_gate = false;	// the child run of a determinism gate
	// The counterfactual: the flooder tenants (TenantSpec::flooder) and their agents are
	// built and spawned as usual, so every AID, lane and tie-break stays the same, but their
	// workloads never start. Everything else, the timeline included, runs as written.
	bool without_flooders = false;
	// For people, never for the run: with either set the main run goes in pieces (each
	// stepping.cc's advance_to, which add up to the same run), calling on_progress after each
	// with the simulated time reached and the end, and stopping early (RunResult::interrupted)
	// once *stop_requested is non-zero (the CLI's SIGINT handler sets it). Children (the
	// determinism rerun, the counterfactual) get neither.
	std::function<void(u64 now_ns, u64 end_ns)> on_progress;
	const volatile std::sig_atomic_t *stop_requested = nullptr;

	// Mutations for the tests that show each gate can fail (never set by the CLI): each
	// plants the bug its gate exists to catch.
	struct Mutations {
		bool complete_revoked_ops =
			false; // revoked ops complete: no cancel, -ECAPABILITY ignored
		bool flip_sealed_bit = false;  // flip one bit of a sealed event in the window
		bool phantom_decision = false; // count an LSM decision that has no audit event
		// run_scenario's counterfactual child dies (SIGKILL)
		bool kill_counterfactual = false;
		// the determinism rerun simulates the next seed
		bool perturb_rerun = false;
	} mutations;
};

// Every arrival of one tenant's workloads, dropped ones included: how many, and a digest of
// their agents, times and demands. Equal digests in two runs: the tenant had the same
// arrivals (what the counterfactual run promises every tenant but the flooders).
struct ArrivalDigest {
	u64 arrivals = 0;
	u64 digest = 0;
	// SplitMix64's finaliser over the running value: order-sensitive, not cryptographic
	// (it only compares two runs of one binary).
	void add(u64 v)
	{
		u64 z = digest + 0x9e3779b97f4a7c15ull + v;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		digest = z ^ (z >> 31);
	}
	bool operator==(const ArrivalDigest &o) const = default;
};

struct RunResult {
	std::vector<metrics::GateResult> gates;
	std::string fingerprint; // 64 hex
	// The audit chain's head at the end (64 hex) and its event count: what the kernel recorded,
	// so a signed report names it (result.json; both are in the fingerprint already).
	std::string audit_head;
	u64 audit_events = 0;
	metrics::MetricRegistry metrics;
	u64 sim_end_ns = 0;
	// Stopped by RunOptions::stop_requested before the end: everything above is of the part
	// that ran (sim_end_ns), and the gates that need a child run were not judged.
	bool interrupted = false;
	u64 kernel_peak_bytes = 0;
	u64 sc_events = 0;		// SystemC delta cycles: the benchmark's event count
	std::vector<std::string> notes; // per-tenant summary lines, notifications
	// Per sampled resource (cpu, pcie, inference): each tenant's served units over time
	// (metrics::ServiceSeries), in result.json; not in the fingerprint.
	nlohmann::json series = nlohmann::json::object();
	std::map<std::string, ArrivalDigest> arrivals; // per tenant (not in the fingerprint)
	// The kernel's coverage probes (coconut/probe.h): name -> hits, every probe listed (not in
	// the fingerprint: a probe counts, it never changes what a run does).
	std::map<std::string, u64> probes;
	bool all_pass() const
	{
		for (const auto &g : gates)
			if (!g.pass)
				return false;
		return true;
	}
};

} // namespace coconut::engine

#endif
