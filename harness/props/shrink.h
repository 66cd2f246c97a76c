// Shrinking a failing whole-system run to a minimal scenario that still fails the same way
// (docs/properties.md): delta debugging over the scenario value (after Zeller's ddmin, one
// element at a time, to a fixpoint): drop tenants, groups and timeline events, lower group
// sizes, halve the duration. Each candidate is written as YAML and loaded back (so it is a
// valid scenario, and what is written is what was judged); one the loader refuses (an event
// naming an agent that no longer exists) is skipped. `still_fails` runs a candidate and answers
// whether it fails the same property.
#ifndef COCONUT_HARNESS_PROPS_SHRINK_H
#define COCONUT_HARNESS_PROPS_SHRINK_H

#include "scenario.h"

#include <cstdint>
#include <functional>
#include <string>

namespace coconut::props {

struct ScenarioSize {
	std::uint64_t tenants = 0, groups = 0, agents = 0, events = 0, duration_ns = 0;
	std::string text() const; // "3 tenants, 5 agents, 7 events, 0.840 s"
};
ScenarioSize size_of(const scenario::Scenario &sc);

struct ShrinkStats {
	std::uint64_t tries = 0;    // candidates run
	std::uint64_t accepted = 0; // that still failed
};

// The smallest scenario found that still fails; sc itself if nothing smaller does. At most
// tries_max candidates are run.
scenario::Scenario
shrink_scenario(const scenario::Scenario &sc,
		const std::function<bool(const scenario::Scenario &)> &still_fails,
		std::uint64_t tries_max, ShrinkStats *stats);

} // namespace coconut::props

#endif
