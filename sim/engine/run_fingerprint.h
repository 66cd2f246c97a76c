// What a run's fingerprint covers, as free functions of their inputs so a test can change one
// input at a time and see the fingerprint change (run_fingerprint_test.cc): the run's own
// record (each request's completion and each timeline action, in order), every metric and
// histogram, and the sealed audit chain (its length, head and anchored heads). Two runs with
// the same fingerprint did the same thing; the golden fingerprints (scripts/
// golden-fingerprints.sh) pin each shipped scenario's.
#ifndef COCONUT_SIM_ENGINE_RUN_FINGERPRINT_H
#define COCONUT_SIM_ENGINE_RUN_FINGERPRINT_H

#include "fingerprint.h"
#include "metric_registry.h"

#include <array>
#include <map>
#include <string>
#include <string_view>

namespace coconut::engine {

// The run's record: one request finished (its id, agent, arrival and finish times, result).
void note_completion(metrics::Fingerprint &record, u64 request_id, u64 aid, u64 arrival_ns,
		     u64 finish_ns, s64 rc);
// One spawn of the timeline: the AID it gave (or its error).
void note_spawn(metrics::Fingerprint &record, s64 aid);
// One timeline action on one agent (or tenant root), its result and time.
void note_action(metrics::Fingerprint &record, std::string_view kind, std::string_view who, s64 rc,
		 u64 at_ns);

// The sealed chain as the fingerprint sees it.
struct ChainSummary {
	u64 events = 0;
	std::array<u8, 32> head{};
	std::map<u64, std::array<u8, 32>> anchored_heads; // by sequence number
};

// The fingerprint (64 hex digits) of a run: its record, its metrics, its chain.
std::string run_fingerprint(const metrics::Fingerprint &record,
			    const metrics::MetricRegistry &registry, const ChainSummary &chain);

} // namespace coconut::engine

#endif
