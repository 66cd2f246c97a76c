// Every call the simulator makes into its kernel instance goes through here: one method per
// call, which calls the kernel and, while a trace is being recorded (sim/trace/recorder.h),
// writes the call, its arguments, the time and CPU and the return as one trace record. A trace
// is therefore the kernel's complete input, and `coconut-sim replay` can re-apply it without
// the simulator. Without a recorder each method is the bare kernel call.
#ifndef COCONUT_SIM_KERNEL_MODEL_KERNEL_PORT_H
#define COCONUT_SIM_KERNEL_MODEL_KERNEL_PORT_H

#include "decision_tally.h"
#include "sim_platform.h"

#include "recorder.h"

#include "coconut/kernel.h"

#include <memory>
#include <string_view>

namespace coconut::kmodel {

class KernelPort {
public:
	KernelPort(co_kernel *k, SimPlatform *plat) : k_(k), plat_(plat) {}

	void attach(std::unique_ptr<trace::TraceRecorder> rec) { rec_ = std::move(rec); }
	bool recording() const { return rec_ != nullptr; }
	// Writes the final checkpoint and closes the trace (no-op when not recording).
	void finish_trace();

	// ---- syscalls (coconut/syscalls.h)
	s64 agent_spawn(u64 caller, const u8 *req, size_t len);
	s64 agent_quota(u64 caller, u64 aid, u32 kind, u64 budget, u32 flags, u64 out[2]);
	s64 agent_cap_grant(u64 caller, u64 aid, std::string_view cap);
	s64 agent_cap_revoke(u64 caller, u64 aid, std::string_view cap);
	s64 agent_cap_present(u64 caller, u64 aid, std::string_view kind, std::string_view object);
	s64 agent_memory_tier(u64 caller, u64 aid, u32 tier, u64 bytes);
	// The output (len bytes at buf) is the caller's; the trace records len, not the bytes.
	s64 agent_attest(u64 caller, u64 aid, u8 *buf, size_t len);
	s64 agent_audit_query(u64 caller, const coconut_audit_filter &f, u8 *buf, size_t len);
	// ---- kernel entry points (coconut/kernel.h, coconut/lsm.h)
	// co_agent_lookup of aid, then co_inflight_begin (the lookup's error when it fails).
	int inflight_begin(u64 aid, u32 kind, std::string_view object, u64 *token);
	int inflight_complete(u64 token);
	// A pending operation as the kernel holds it (co_inflight_get, under the lock): not a call,
	// not traced. False when the token is not pending.
	struct Inflight {
		u64 aid = 0;
		bool revoked = false;
		std::string cap; // the cap that authorised it; empty once that cap is gone
	};
	bool inflight_get(u64 token, Inflight *out) const;
	// The kernel's counters (co_kernel_get_counters): LSM decisions, throttled calls, tiers.
	co_kernel_counters counters() const;
	// The LSM decisions the calls above returned, as their callers saw them (the parity
	// gate's count that does not come from the kernel's counters).
	const DecisionTally &decisions() const { return tally_; }
	// Reads, not calls (nothing traced, nothing audited): agentfs's file f of aid
	// (co_agentfs_render under the lock, as the module's agentfs reads it), and the sealed
	// events from seq_from on as the audit exporter reads them (an unfiltered co_audit_query).
	int agentfs_render(u64 aid, u32 file, u8 *buf, size_t len) const;
	int audit_segment(u64 seq_from, u32 max_events, u8 *buf, size_t len) const;
	int agent_quarantine(u64 caller, u64 aid);
	int agent_release(u64 caller, u64 aid);
	int agent_kill(u64 caller, u64 aid);
	// The agent's task ended (Terminated-clean; the record's caller is the agent itself).
	int agent_exit(u64 aid);
	// ---- platform events
	u32 seal(u32 max_events);
	void set_sealer_stalled(bool on);
	// The TPM's next count NV writes fail (the device model injects it; this records it).
	void note_tpm_fail(u32 count);

private:
	trace::Record start(trace::Call c, u64 caller) const;
	void put(trace::Record &r, s64 ret);
	// Records an operator action (quarantine, release, kill: args caller, aid); returns rc.
	int put_operator(trace::Call c, u64 caller, u64 aid, int rc);
	// The digest of the rc bytes a call wrote into buf, when it wrote any.
	static void note_output(trace::Record &r, const u8 *buf, s64 rc);

	co_kernel *k_;
	SimPlatform *plat_;
	std::unique_ptr<trace::TraceRecorder> rec_;
	DecisionTally tally_;
};

} // namespace coconut::kmodel

#endif
