// See decision_tally.h.
#include "decision_tally.h"

#include "coconut/errno.h"

#include <algorithm>

namespace coconut::kmodel {

void DecisionTally::add(DecisionRange &r, u64 min, u64 max)
{
	CO_ASSERT(min <= max);
	r.min += min;
	r.max += max;
}

void DecisionTally::note(Asks asks, s64 rc)
{
	const bool ok = rc >= 0, denied = rc == -ECAPABILITY;
	switch (asks) {
	case Asks::One:
		// Any other error came before the question, or was the question's own refusal
		// to decide (-EBUSY: no room for its event; -EAGAIN: throttled), which counts none.
		add(allows_, ok, ok);
		add(denies_, denied, denied);
		return;
	case Asks::OneThenWork:
		add(allows_, ok, ok || !denied);
		add(denies_, denied, denied);
		return;
	case Asks::AtMostOne:
		// -ECAPABILITY comes only from the question; anything else may follow an allow.
		add(allows_, 0, !denied);
		add(denies_, denied, denied);
		return;
	case Asks::SpawnNarrowed:
		// A child (its AID) is one allow; -ECAPABILITY is a deny of agent.spawn, or an
		// allow and then the narrowing refusal (a SPAWN event, no CAP_DENY).
		add(allows_, ok, 1);
		add(denies_, 0, denied);
		return;
	}
	CO_ASSERT(false);
}

void DecisionTally::note_grant(std::string_view caps, s64 rc)
{
	const u64 lines = 1 + (u64)std::count(caps.begin(), caps.end(), '\n');
	const bool denied = rc == -ECAPABILITY;
	// All asked and allowed; or some allowed and the first deny (or the narrowing refusal,
	// after all were allowed); or an error before, between or after the questions.
	add(allows_, rc >= 0 ? 1 : 0, lines);
	add(denies_, 0, denied);
}

} // namespace coconut::kmodel
