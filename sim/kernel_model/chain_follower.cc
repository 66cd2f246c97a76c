// See chain_follower.h.
#include "chain_follower.h"

#include "coconut/agent.h"
#include "coconut/blake3.h"

#include <cstring>
#include <vector>

namespace coconut::kmodel {

namespace {
std::string hex(const u8 *p, size_t n)
{
	static const char *digits = "0123456789abcdef";
	std::string s;
	for (size_t i = 0; i < n; i++) {
		s += digits[p[i] >> 4];
		s += digits[p[i] & 15];
	}
	return s;
}
} // namespace

ChainFollower::ChainFollower(const u8 boot_id[CO_BOOT_ID_SIZE])
{
	// head_0 = BLAKE3("coconut-audit-v1" || boot_id), computed here from the formula.
	u8 material[16 + CO_BOOT_ID_SIZE];
	std::memcpy(material, "coconut-audit-v1", 16);
	std::memcpy(material + 16, boot_id, CO_BOOT_ID_SIZE);
	co_blake3_hash(material, sizeof(material), head_.data());
}

void ChainFollower::fail(const std::string &what)
{
	if (first_error_.empty())
		first_error_ = what;
}

u64 ChainFollower::catch_up(const co_audit *a)
{
	const u64 sealed = a->sealed;
	if (sealed < next_seq_) {
		fail("the chain shrank from " + std::to_string(next_seq_) + " to " +
		     std::to_string(sealed) + " events");
		return 0;
	}
	const u64 window_first = sealed - a->log_count;
	if (next_seq_ < window_first) {
		fail("events " + std::to_string(next_seq_) + ".." + std::to_string(window_first) +
		     " left the kernel's window before they were followed");
		next_seq_ = window_first; // cannot check them; go on with what is there
		return 0;
	}
	u8 buf[COCONUT_DIGEST_SIZE + CO_AUDIT_EVENT_ENC_BYTES_MAX];
	u64 added = 0;
	for (u64 s = next_seq_; s < sealed; s++, added++) {
		const u32 slot = (u32)((a->log_start + (s - window_first)) % a->cfg.log_events);
		const co_audit_log_entry &e = a->log[slot];
		if (e.ev.seq != s)
			fail("event at chain index " + std::to_string(s) + " carries seq " +
			     std::to_string(e.ev.seq));
		// Appends stamp non-decreasing times and the sealer merges the rings oldest
		// first, so the appended events' times never step back along the chain: one that
		// does was sealed out of the order the events happened in. ANCHOR events are left
		// out: the sealer stamps one with the time of its TPM write, which can be later
		// than events still in the rings that it seals next in the same pass.
		if (e.ev.type != COCONUT_EV_ANCHOR) {
			if (e.ev.time_ns < last_time_ns_)
				fail("event " + std::to_string(s) + " at " +
				     std::to_string(e.ev.time_ns) + " ns is sealed after one at " +
				     std::to_string(last_time_ns_) +
				     " ns: the appended events' times step back");
			last_time_ns_ = e.ev.time_ns;
		}
		std::memcpy(buf, head_.data(), COCONUT_DIGEST_SIZE);
		const int n = co_audit_event_encode(&e.ev, buf + COCONUT_DIGEST_SIZE,
						    CO_AUDIT_EVENT_ENC_BYTES_MAX);
		if (n <= 0) {
			fail("event " + std::to_string(s) + " does not encode");
			continue;
		}
		co_blake3_hash(buf, COCONUT_DIGEST_SIZE + (size_t)n, head_.data());
		if (std::memcmp(head_.data(), e.head, COCONUT_DIGEST_SIZE) != 0)
			fail("head after event " + std::to_string(s) + " is " +
			     hex(e.head, COCONUT_DIGEST_SIZE) + " in the kernel, " +
			     hex(head_.data(), COCONUT_DIGEST_SIZE) + " recomputed");
		if (e.ev.type == COCONUT_EV_ANCHOR) {
			const u64 at = e.ev.arg;
			if (at >= s || s - at > 64 ||
			    std::memcmp(recent_[at % 64].data(), e.ev.object_digest,
					COCONUT_DIGEST_SIZE) != 0)
				fail("ANCHOR event " + std::to_string(s) + " names seq " +
				     std::to_string(at) + " with a head the chain did not have");
			else
				anchored_[at] = recent_[at % 64];
		}
		if (e.ev.type == COCONUT_EV_STATE)
			check_state(s, e.ev);
		recent_[s % 64] = head_;
		if (e.ev.type < COCONUT_EV_TYPE_COUNT)
			by_type_[e.ev.type]++;
		if (hook_)
			hook_(e.ev, head_);
	}
	next_seq_ = sealed;
	return added;
}

// A STATE event's arg is from << 8 | to (agent/state.c). Every move must be an edge of the
// kernel's transition table, and start where the agent's previous move ended: the chain
// records each transition before it is made, so a gap is a transition made unrecorded.
void ChainFollower::check_state(u64 seq, const co_audit_event &ev)
{
	const u32 from = (u32)(ev.arg >> 8) & 0xffu, to = (u32)ev.arg & 0xffu;
	const std::string at =
		"STATE event " + std::to_string(seq) + " of aid " + std::to_string(ev.aid) + ": ";
	if (!co_agent_transition_allowed(from, to))
		fail(at + co_agent_state_name(from) + " -> " + co_agent_state_name(to) +
		     " is not in the transition table");
	const auto [it, first] = last_state_.emplace(ev.aid, to);
	if (!first) {
		if (it->second != from)
			fail(at + "moves from " + co_agent_state_name(from) +
			     " but its last recorded state is " + co_agent_state_name(it->second));
		it->second = to;
	}
}

std::string ChainFollower::check_anchor(const co_audit_anchor &an) const
{
	auto it = anchored_.find(an.seq);
	if (it == anchored_.end())
		return "the TPM holds an anchor of seq " + std::to_string(an.seq) +
		       " that no ANCHOR event recorded";
	if (std::memcmp(it->second.data(), an.head, COCONUT_DIGEST_SIZE) != 0)
		return "the TPM's anchor of seq " + std::to_string(an.seq) +
		       " differs from the chain's head there";
	return "";
}

} // namespace coconut::kmodel
