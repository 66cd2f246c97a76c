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
// Part of the engine's public API (engine.h). A simulation is run to its end in one call
// (run()), or in pieces (run_until(), step()) with the caller acting as an agent in between:
// the calls below go through KernelPort at the current simulated time, so a recorded trace
// holds them and replay and co-simulation check them like any other. Running in pieces gives
// the same fingerprint as running at once (tests/engine_api_test.cc checks it).
//
// SystemC allows one simulation per context: construct a Simulation only on a fresh context
// (coconut::sim::sc_fresh_context()), and destroy it before the next is made. Many simulations
// run one after another in one process (docs/engine.md "Many simulations in one process").
#ifndef COCONUT_SIM_ENGINE_SIMULATION_H
#define COCONUT_SIM_ENGINE_SIMULATION_H

#include "run_options.h"
#include "scenario.h"

#include "uapi/linux/coconut.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace coconut::engine {

// What a call that writes into a buffer gave back: its return (bytes written or -errno) and
// those bytes.
struct CallOutput {
	s64 rc = 0;
	std::vector<std::uint8_t> bytes;
};

// The audit chain as the simulator's follower checked it (the audit.verify gate's answer).
struct AuditState {
	u64 sealed_events = 0;	// in the kernel's chain
	u64 pending_events = 0; // appended, not sealed yet
	std::string head_hex;	// the kernel's head, 64 hex
	u64 anchors = 0;	// heads the sealer wrote to the TPM
	std::string error;	// empty: chain, heads and the TPM's anchor verify
};

class Simulation {
public:
	// Throws scenario::ScenarioError for a scenario the machine cannot be built from (a
	// profile that does not load, caps the kernel refuses at spawn, ...).
	Simulation(const scenario::Scenario &sc, const RunOptions &opts);
	~Simulation();
	Simulation(const Simulation &) = delete;
	Simulation &operator=(const Simulation &) = delete;

	// Runs to the scenario's end (or --until), drains the audit rings, evaluates the gates:
	// run_until(end_ns()) then finish(), whose result it moves out (finish() afterwards
	// throws std::logic_error). The determinism gate and counterfactual isolation
	// gates fail as "not run": they need another run, which run_scenario (reruns.h) makes and
	// completes them from.
	RunResult run();

	// ---- Stepping. Time only moves forward and never past end_ns(); after finish() none of
	// these may be called (std::logic_error).
	u64 now_ns() const;
	u64 end_ns() const; // the scenario's duration (or --until)
	// Simulates up to t_ns (clamped to end_ns(); a time not after now does nothing).
	void run_until(u64 t_ns);
	// Runs the next instant at which anything is scheduled (every process ready then).
	// False when nothing is left before the end: time is then end_ns().
	bool step();
	// Ends the run: drains the audit rings, collects the metrics, evaluates the gates and
	// computes the fingerprint, where time stands (a run stopped early is a shorter run).
	// Once; later calls return the same result.
	const RunResult &finish();
	bool finished() const;

	// ---- Acting as an agent, now. Agents are named as in scenarios: "tenant/group/i", a
	// tenant's root "tenant", or a name given to spawn() below; an unknown name throws
	// std::invalid_argument. Each returns what the syscall returns (>= 0, or -errno).
	u64 aid_of(const std::string &agent) const;
	// `as` spawns `name` with caps (a manifest signed by the scenario's authorizer, as
	// libcoconut would send it) into its own tenant; the AID, or -errno. The new agent has no
	// workload; later calls may name it.
	s64 spawn(const std::string &as, const std::string &name,
		  const std::vector<std::string> &caps, u32 weight = 1);
	s64 cap_grant(const std::string &as, const std::string &to, const std::string &cap);
	// A revoke longer than one call's budget (-EAGAIN) is called again until whole, as the
	// timeline's revoke does; the engine cancels the target's in-flight work it authorised.
	s64 cap_revoke(const std::string &as, const std::string &from, const std::string &cap);
	s64 cap_present(const std::string &as, const std::string &of, const std::string &kind,
			const std::string &object);
	// kind: enum coconut_quota_kind; flags: COCONUT_QUOTA_*; out: {budget, used} as the
	// kernel answers.
	s64 quota(const std::string &as, const std::string &of, u32 kind, u64 budget, u32 flags,
		  u64 out[2]);
	s64 memory_tier(const std::string &as, const std::string &of, u32 tier, u64 bytes);
	CallOutput attest(const std::string &as, const std::string &of);
	CallOutput audit_query(const std::string &as, const coconut_audit_filter &filter);

	// ---- Reading the kernel (not calls: nothing is traced or audited).
	// /agent/live/<aid>/<file> (docs/agentfs.md): "status", "caps", "attestation",
	// "audit_tail", "budget", "children". Throws std::invalid_argument for another file;
	// the text, or a CallOutput-style -errno in rc.
	CallOutput agentfs_read(const std::string &agent, const std::string &file);
	// The sealed events from seq_from on, as the exporter reads them (an unfiltered CBOR
	// segment, docs/audit.md; at most max_events): verify it offline with co_audit_verify.
	CallOutput audit_segment(u64 seq_from, u32 max_events);
	// The chain, its heads and the TPM's anchor as the audit.verify gate checks them.
	AuditState audit();
	// The machine's boot id (what an offline verify of a segment needs).
	std::vector<std::uint8_t> boot_id() const;

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

// A kernel return's name: "0", "-EPERM", "-ECAPABILITY", ... (the number for one without).
std::string errno_name(s64 rc);

// The scenario as a run with these options simulates it (--seed, --policy, --until applied).
scenario::Scenario with_overrides(const scenario::Scenario &sc, const RunOptions &opts);

} // namespace coconut::engine

#endif
