// The LSM decisions the kernel's callers saw, counted from what each call returned, not from
// the kernel's own counters: the parity gate's independent side (gate_eval.cc). The LSM
// counts a decision only after its event is appended, so a decision that skips both (a guard
// before the event) leaves the kernel's counters and the chain in agreement; the caller still
// saw -ECAPABILITY, and this tally counts it.
//
// A call's return does not always say how many decisions it made (a spawn refused
// -ECAPABILITY was denied agent.spawn, or allowed it and then refused by narrowing; a revoke
// by an ancestor asks nothing), so each kind of call adds a range [min, max] of allows and of
// denies; calls that ask exactly one question (inflight begin, cap present) add an exact count.
// Which calls ask the LSM, and when, is coconut-kernel's: syscalls.c, spawn.c, grant.c,
// revoke.c, inflight.c (co_lsm_check's callers).
#ifndef COCONUT_SIM_KERNEL_MODEL_DECISION_TALLY_H
#define COCONUT_SIM_KERNEL_MODEL_DECISION_TALLY_H

#include "coconut/compiler.h"

#include <string_view>

namespace coconut::kmodel {

struct DecisionRange {
	u64 min = 0, max = 0;
	bool holds(u64 n) const { return min <= n && n <= max; }
};

class DecisionTally {
public:
	enum class Asks {
		One,	       // one question, and nothing after it can fail the call
		OneThenWork,   // one question, then work that may fail (an allow, then an error)
		AtMostOne,     // one question or none (asking self or a descendant asks nothing)
		SpawnNarrowed, // agent.spawn, then narrowing: a refusal is a deny or an allow
	};
	// One call of the kind asks, returning rc (its s64 return: >= 0 succeeded).
	void note(Asks asks, s64 rc);
	// A grant of the newline-separated caps: one question per cap, the first deny ends it.
	void note_grant(std::string_view caps, s64 rc);
	// A revoke: asked only when the caller is not an ancestor of the target (or may not act).
	void note_revoke(s64 rc) { note(Asks::AtMostOne, rc); }

	const DecisionRange &allows() const { return allows_; }
	const DecisionRange &denies() const { return denies_; }

private:
	void add(DecisionRange &r, u64 min, u64 max);

	DecisionRange allows_, denies_;
};

} // namespace coconut::kmodel

#endif
