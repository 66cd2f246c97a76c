// See sweep_shrink.h.
#include "sweep_shrink.h"

#include "shrink.h"
#include "sweep_runner.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace coconut::sweep {

void shrink_failing_seed(const scenario::Scenario &sc, const engine::RunOptions &opts,
			 std::uint64_t tries_max, const std::string &dir, nlohmann::json &rec)
{
	if (rec.contains("error") || rec.at("failed_gates").empty())
		return;
	const u64 seed = rec.at("seed").get<u64>();
	const std::string gate = rec["failed_gates"][0].get<std::string>();
	// A failure that measured something ("2818.047 (bob/cpu)") must stay one that measures
	// something: a candidate too small to judge ("too few samples", "not run") fails the gate
	// for another reason, and shrinking to it would lose the bug.
	const auto measured_of = [&](const nlohmann::json &r) -> std::string {
		for (const auto &g : r.at("gates"))
			if (g.at("name") == gate)
				return g.value("measured", "");
		return "";
	};
	const auto measures = [](const std::string &m) {
		return !m.empty() && m[0] >= '0' && m[0] <= '9';
	};
	const bool must_measure = measures(measured_of(rec));
	engine::RunOptions seeded = opts;
	seeded.seed = seed;
	// The scenario as this seed ran it (seed, policy, until written in), shrunk as a value.
	const scenario::Scenario as_run = engine::with_overrides(sc, seeded);
	props::ShrinkStats stats;
	const scenario::Scenario small = props::shrink_scenario(
		as_run,
		[&](const scenario::Scenario &cand) {
			const auto out =
				run_seeds(cand, seeded, { seed }, 1, [](const SeedOutcome &) {});
			const nlohmann::json &r = out.at(0).record;
			if (r.contains("error"))
				return false;
			for (const auto &g : r.at("failed_gates"))
				if (g == gate)
					return !must_measure || measures(measured_of(r));
			return false;
		},
		tries_max, &stats);
	const std::string rel = "shrunk/seed-" + std::to_string(seed) + ".yaml";
	std::filesystem::create_directories(dir + "/shrunk");
	std::ofstream f(dir + "/" + rel);
	f << "# seed " << seed << " of " << sc.name << ", shrunk while it still failed " << gate
	  << " (coconut-sim sweep --shrink)\n"
	  << scenario::write_scenario_yaml(small);
	if (!f)
		throw std::runtime_error("cannot write " + dir + "/" + rel);
	rec["shrunk"] = nlohmann::json{ { "file", rel },
					{ "gate", gate },
					{ "from", props::size_of(as_run).text() },
					{ "to", props::size_of(small).text() },
					{ "runs", stats.tries } };
}

} // namespace coconut::sweep
