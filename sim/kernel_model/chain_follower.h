// Follows the audit chain as the sealer extends it, with constant memory: every newly sealed
// event is re-encoded and re-hashed here (head_n = BLAKE3(head_{n-1} || enc(event_n))),
// compared with the head the kernel stored beside it, and counted by type. This is the
// simulator's independent check of the chain over a whole run (the kernel keeps only a window
// of recent events for queries), and the source of the parity counts, the notifications and
// the audit heads folded into the fingerprint.
#ifndef COCONUT_SIM_KERNEL_MODEL_CHAIN_FOLLOWER_H
#define COCONUT_SIM_KERNEL_MODEL_CHAIN_FOLLOWER_H

#include "coconut/audit.h"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace coconut::kmodel {

using Digest = std::array<u8, COCONUT_DIGEST_SIZE>;

class ChainFollower {
public:
	// Called for every sealed event, in chain order, after it was checked.
	using EventHook = std::function<void(const co_audit_event &ev, const Digest &head)>;

	explicit ChainFollower(const u8 boot_id[CO_BOOT_ID_SIZE]);

	// Reads the events a has sealed since the last call (they must all still be in its
	// window: the sealer seals at most log_events per call). Returns how many were new.
	u64 catch_up(const co_audit *a);
	void set_event_hook(EventHook hook) { hook_ = std::move(hook); }

	u64 events() const { return next_seq_; }
	const Digest &head() const { return head_; }
	u64 count_of(u32 type) const { return type < COCONUT_EV_TYPE_COUNT ? by_type_[type] : 0; }
	// The first problem seen (empty: none): a head that differs from the kernel's, a gap or a
	// reorder in seq, a time that steps back, an ANCHOR naming a head the chain never had, a
	// STATE move the transition table does not have or that starts elsewhere than the
	// agent's last recorded state.
	const std::string &first_error() const { return first_error_; }
	// Heads after the events the sealer anchored (seq -> head_{seq+1}), for checking the TPM.
	const std::map<u64, Digest> &anchored_heads() const { return anchored_; }
	// Checks an anchor read back from the TPM against the heads seen; "" when it matches.
	std::string check_anchor(const co_audit_anchor &an) const;

private:
	void fail(const std::string &what);
	void check_state(u64 seq, const co_audit_event &ev);

	Digest head_{};
	u64 next_seq_ = 0;
	std::map<u64, u32> last_state_; // aid -> the state its last STATE event moved it to
	u64 last_time_ns_ = 0;		// of the last appended (not ANCHOR) event followed
	u64 by_type_[COCONUT_EV_TYPE_COUNT] = {};
	Digest recent_[64] = {}; // head_{s+1} at slot s % 64, for ANCHOR events' checks
	std::map<u64, Digest> anchored_;
	std::string first_error_;
	EventHook hook_;
};

} // namespace coconut::kmodel

#endif
