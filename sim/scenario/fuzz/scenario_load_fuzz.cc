// The scenario loader on arbitrary bytes: it must return a scenario or throw ScenarioError,
// never crash, hang, or throw anything else (an escaping exception aborts the fuzzer). Trace
// paths resolve against the tests' data directory, so the seed using every field loads whole.
// What loads must also survive the writer: written and loaded again, it is equal (writer.h).
// The device profiles load once per process (a directory scan and every profile file read per
// input held the fuzzer to ~740 inputs/s); the CLI's loads still read the directory each time.
#include "profile.h"
#include "scenario.h"
#include "scenario_limits.h"
#include "writer.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

const coconut::devices::ProfileLibrary &profiles()
{
	static const coconut::devices::ProfileLibrary library(
		coconut::devices::default_profile_dir());
	return library;
}

void check_round_trip(const coconut::scenario::Scenario &s)
{
	const std::string yaml = coconut::scenario::write_scenario_yaml(s);
	if (yaml.size() > coconut::scenario::limits::file_bytes_max)
		return; // too large to load back, by the loader's own limit
	try {
		if (!(coconut::scenario::load_scenario_string(yaml, "written.yaml", "",
							      profiles()) == s))
			__builtin_trap();
	} catch (const coconut::scenario::ScenarioError &) {
		__builtin_trap();
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	try {
		const coconut::scenario::Scenario s =
			coconut::scenario::load_scenario_string(text, "fuzz.yaml",
								COCONUT_FUZZ_BASE_DIR, profiles());
		// What loaded is validated: events sorted, references in range.
		for (std::size_t i = 1; i < s.events.size(); ++i)
			if (s.events[i - 1].at_ns > s.events[i].at_ns)
				__builtin_trap();
		for (const auto &e : s.events)
			if (e.at_ns >= s.duration_ns)
				__builtin_trap();
		check_round_trip(s);
	} catch (const coconut::scenario::ScenarioError &) {
	}
	return 0;
}
