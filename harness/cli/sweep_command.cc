// `coconut-sim sweep` and `coconut-sim merge` (docs/sweeps.md).
#include "commands.h"

#include "sweep_files.h"
#include "sweep_limits.h"
#include "sweep_plan.h"
#include "sweep_progress.h"
#include "sweep_record.h"
#include "sweep_runner.h"
#include "sweep_shrink.h"

#include <cerrno>
#include <filesystem>
#include <cstdlib>
#include <iostream>

namespace coconut::cli {

namespace {

using nlohmann::json;

void print_summary(std::ostream &out, const json &s, const std::string &dir)
{
	const json &h = s["sweep"];
	out << "sweep: " << h["scenario"].get<std::string>() << " (" << h["file"].get<std::string>()
	    << "), policy " << h["policy"].get<std::string>() << ", seeds "
	    << s["seeds"]["set"].get<std::string>() << "\n";
	out << "passed " << s["passed"] << ", failed " << s["failed"] << ", errors " << s["errors"]
	    << " (of " << s["seeds"]["count"] << ")\n";
	if (!s["failing"].empty()) {
		out << "failing seeds:\n";
		constexpr size_t kShownMax = 50;
		size_t shown = 0;
		for (const auto &f : s["failing"]) {
			if (shown++ == kShownMax) {
				out << "  ... " << s["failing"].size() - kShownMax << " more in "
				    << dir << "/summary.json\n";
				break;
			}
			out << "  seed " << f["seed"] << ": ";
			if (f.contains("error"))
				out << "error: " << f["error"].get<std::string>();
			else
				for (const auto &g : f["failed_gates"])
					out << g.get<std::string>() << " ";
			out << "\n    repro: " << f["repro"].get<std::string>() << "\n";
			if (f.contains("shrunk"))
				out << "    shrunk (" << f["shrunk"]["to"].get<std::string>()
				    << "): coconut-sim run " << dir << "/"
				    << f["shrunk"]["file"].get<std::string>() << "\n";
		}
	}
	out << "gates (seeds passing / run):\n";
	for (const auto &[name, pf] : s["gates"].items()) {
		const auto pass = pf["pass"].get<std::uint64_t>();
		out << "  " << name << ": " << pass << "/" << pass + pf["fail"].get<std::uint64_t>()
		    << "\n";
	}
	out << "wrote " << dir << "/seeds.jsonl and " << dir << "/summary.json\n";
}

// An earlier sweep's shrunk scenarios in this --out (DIR/shrunk/seed-*.yaml) would be listed
// by nobody and mistaken for this sweep's: they go, and nothing else in the folder does.
void remove_old_shrunk(const std::string &dir)
{
	namespace fs = std::filesystem;
	std::error_code ec;
	std::vector<fs::path> old;
	for (const auto &e : fs::directory_iterator(dir + "/shrunk", ec)) {
		const std::string name = e.path().filename().string();
		if (name.rfind("seed-", 0) == 0 && e.path().extension() == ".yaml")
			old.push_back(e.path());
	}
	for (const fs::path &p : old)
		fs::remove(p, ec);
}

std::uint64_t jobs_of(const Args &a)
{
	const auto v = a.get("--jobs");
	if (!v)
		return 1;
	char *end = nullptr;
	errno = 0;
	const unsigned long long n = std::strtoull(v->c_str(), &end, 10);
	if (v->empty() || *end || errno || (*v)[0] == '-' || n == 0 || n > sweep::kJobsMax)
		throw UsageError("-j: expected 1 to " + std::to_string(sweep::kJobsMax) +
				 " jobs, got '" + *v + "'");
	return n;
}

// The options a repro command repeats, as the user spelled them.
std::vector<std::string> run_args_of(const Args &a)
{
	std::vector<std::string> out;
	for (const char *opt : { "--policy", "--until", "--profiles" })
		if (auto v = a.get(opt)) {
			out.push_back(opt);
			out.push_back(*v);
		}
	if (a.has("--no-determinism-rerun"))
		out.push_back("--no-determinism-rerun");
	return out;
}

} // namespace

int cmd_sweep(const Args &a)
{
	if (a.positional.size() != 1)
		throw UsageError("expected exactly one SCENARIO.yaml");
	const std::string file = a.positional[0];
	if (a.has("--seed"))
		throw UsageError("--seed: a sweep takes --seeds A..B");
	apply_profiles(a);
	const engine::RunOptions opts = run_options_of(a);
	const auto seeds_text = a.get("--seeds");
	if (!seeds_text)
		throw UsageError("--seeds A..B is required");
	std::vector<std::uint64_t> seeds;
	sweep::Shard shard;
	sweep::SeedRange range;
	try {
		range = sweep::parse_seeds(*seeds_text);
		if (auto s = a.get("--shard"))
			shard = sweep::parse_shard(*s);
		seeds = sweep::shard_seeds(range, shard);
	} catch (const sweep::SweepError &e) {
		throw UsageError(e.what());
	}
	const std::uint64_t jobs = jobs_of(a);
	const std::string dir = a.get("--out").value_or("sweep-out");
	scenario::Scenario sc;
	try {
		sc = scenario::load_scenario_file(file);
		sweep::prepare_dir(dir);
	} catch (const scenario::ScenarioError &e) {
		std::cerr << e.what() << "\n";
		return 2;
	} catch (const sweep::SweepError &e) {
		throw UsageError(e.what());
	}
	std::uint64_t shrink_tries = 0;
	if (a.has("--shrink"))
		shrink_tries = 40;
	if (auto v = a.get("--shrink-tries")) {
		if (!a.has("--shrink"))
			throw UsageError("--shrink-tries: only with --shrink");
		char *end = nullptr;
		errno = 0;
		const unsigned long long n = std::strtoull(v->c_str(), &end, 10);
		if (v->empty() || *end || errno || (*v)[0] == '-' || n == 0 || n > 100000)
			throw UsageError("--shrink-tries: expected 1 to 100000, got '" + *v + "'");
		shrink_tries = n;
	}
	const json header = sweep::sweep_header(file, sc, opts, run_args_of(a), shrink_tries,
						range.first, range.last);
	const bool quiet = a.has("--quiet");
	if (!quiet)
		std::cerr << "sweep: " << seeds.size() << " seeds of " << file << " ("
			  << header["policy"].get<std::string>() << "), -j" << jobs
			  << (shard.count > 1 ? ", shard " + std::to_string(shard.index) + "/" +
							std::to_string(shard.count)
					      : std::string())
			  << "\n";
	sweep::SweepProgress progress(seeds.size(), sweep::SweepProgress::stderr_is_live(), quiet);
	const std::vector<sweep::SeedOutcome> outcomes =
		sweep::run_seeds(sc, opts, seeds, jobs, [&](const sweep::SeedOutcome &o) {
			progress.seed_done(o.record,
					   sweep::repro_command(
						   header, o.record["seed"].get<std::uint64_t>()));
		});
	progress.finish();
	std::vector<json> records;
	remove_old_shrunk(dir);
	std::uint64_t rss_max = 0, rss_sum = 0;
	std::string bad_scenario;
	for (const auto &o : outcomes) {
		records.push_back(o.record);
		if (shrink_tries && !o.record["pass"].get<bool>() && !o.record.contains("error")) {
			if (!quiet)
				std::cerr << "sweep: shrinking seed " << o.record["seed"]
					  << " (at most " << shrink_tries << " runs)\n";
			json &rec = records.back();
			sweep::shrink_failing_seed(sc, opts, shrink_tries, dir, rec);
			if (!quiet)
				std::cerr << "  " << rec["shrunk"]["from"].get<std::string>()
					  << " -> " << rec["shrunk"]["to"].get<std::string>()
					  << ": " << dir << "/"
					  << rec["shrunk"]["file"].get<std::string>() << "\n";
		}
		rss_max = std::max(rss_max, o.max_rss_kib);
		rss_sum += o.max_rss_kib;
		if (o.bad_scenario && bad_scenario.empty())
			bad_scenario = o.record["error"].get<std::string>();
	}
	const json summary = sweep::summarize(header, records);
	sweep::write_sweep(dir, records, summary);
	const double wall_s = progress.elapsed_s();
	sweep::write_perf(dir, json{ { "jobs", jobs },
				     { "shard", std::to_string(shard.index) + "/" +
							std::to_string(shard.count) },
				     { "seeds", seeds.size() },
				     { "wall_s", wall_s },
				     { "seeds_per_s", wall_s > 0 ? seeds.size() / wall_s : 0.0 },
				     { "max_rss_kib_max", rss_max },
				     { "max_rss_kib_mean",
				       seeds.empty() ? 0 : rss_sum / seeds.size() } });
	print_summary(std::cout, summary, dir);
	std::cout << "time: " << wall_s << " s wall, -j" << jobs << "; peak memory of one seed's "
		  << "process: " << rss_max / 1024 << " MiB (" << dir << "/perf.json)\n";
	if (!bad_scenario.empty()) {
		std::cerr << bad_scenario << "\n";
		return 2;
	}
	return sweep::summary_exit_code(summary);
}

int cmd_merge(const Args &a)
{
	if (a.positional.empty())
		throw UsageError("expected one or more sweep directories");
	const auto out = a.get("--out");
	if (!out)
		throw UsageError("--out DIR is required");
	json summary;
	sweep::SweepDir merged;
	try {
		merged = sweep::merge_sweeps(a.positional);
		sweep::prepare_dir(*out);
		summary = sweep::summarize(merged.header, merged.records);
	} catch (const sweep::SweepError &e) {
		std::cerr << "coconut-sim merge: " << e.what() << "\n";
		return 2;
	} catch (const std::invalid_argument &e) { // histograms of one name with other sub_bits
		std::cerr << "coconut-sim merge: " << e.what() << "\n";
		return 2;
	}
	sweep::write_sweep(*out, merged.records, summary);
	for (const std::string &f : merged.shrunk_files) {
		namespace fs = std::filesystem;
		std::error_code ec;
		fs::create_directories(*out + "/shrunk", ec);
		fs::copy_file(f, *out + "/shrunk/" + fs::path(f).filename().string(),
			      fs::copy_options::overwrite_existing, ec);
		if (ec) {
			std::cerr << "coconut-sim merge: cannot copy " << f << ": " << ec.message()
				  << "\n";
			return 2;
		}
	}
	print_summary(std::cout, summary, *out);
	return sweep::summary_exit_code(summary);
}

} // namespace coconut::cli
