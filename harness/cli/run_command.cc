// `coconut-sim run` and `coconut-sim check`.
#include "commands.h"

#include "engine.h"
#include "junit.h"
#include "report.h"
#include "run_progress.h"
#include "scenario_limits.h"
#include "sweep_progress.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace coconut::cli {

namespace {

using scenario::ScenarioError;

std::string the_scenario(const Args &a)
{
	if (a.positional.size() != 1)
		throw UsageError("expected exactly one SCENARIO.yaml");
	return a.positional[0];
}

} // namespace

void apply_profiles(const Args &a)
{
	if (auto dir = a.get("--profiles"))
		setenv("COCONUT_PROFILE_DIR", dir->c_str(), 1);
}

engine::RunOptions run_options_of(const Args &a)
{
	engine::RunOptions o;
	if (a.has("--seed"))
		o.seed = unsigned_option(a, "--seed", 0, 0, UINT64_MAX);
	if (auto v = a.get("--policy")) {
		o.policy = scenario::parse_policy(*v);
		if (!o.policy)
			throw UsageError("--policy: expected fair, fifo or per-process, got '" +
					 *v + "'");
	}
	if (auto v = a.get("--until")) {
		o.until_ns = scenario::parse_duration_ns(*v);
		if (!o.until_ns || *o.until_ns == 0)
			throw UsageError("--until: expected a duration like 30s or 500ms, got '" +
					 *v + "'");
		if (*o.until_ns > scenario::limits::duration_ns_max)
			throw UsageError("--until: at most 720h (30 days simulated), got '" + *v +
					 "'");
	}
	if (auto v = a.get("--perfetto"))
		o.perfetto_path = *v;
	if (auto v = a.get("--trace"))
		o.trace_path = *v;
	// Without the second run the determinism gate is not evaluated (not shown, not failed).
	o.skip_determinism_gate = a.has("--no-determinism-rerun");
	if (auto v = a.get("--profiles"))
		o.profile_dir = *v;
	return o;
}

namespace {

// Every output path is made ready and tried before the run (a bad one is bad input, found
// before any long work, not an internal error at the end): --out's directory and the parent
// directories of --junit, --perfetto and --trace are created; each file is opened for writing
// once. An empty file left by the try is overwritten by the run.
void prepare_outputs(const Args &a)
{
	namespace fs = std::filesystem;
	const auto fail = [](const std::string &opt, const std::string &path,
			     const std::string &why) {
		throw UsageError(opt + " " + path + ": " + why);
	};
	if (auto dir = a.get("--out")) {
		std::error_code ec;
		fs::create_directories(*dir, ec);
		if (ec || !fs::is_directory(*dir))
			fail("--out", *dir,
			     "cannot make the directory" +
				     (ec ? " (" + ec.message() + ")" : std::string()));
	}
	for (const char *opt : { "--junit", "--perfetto", "--trace" }) {
		const auto path = a.get(opt);
		if (!path)
			continue;
		if (path->empty())
			fail(opt, "''", "expected a file name");
		const fs::path parent = fs::path(*path).parent_path();
		std::error_code ec;
		if (!parent.empty())
			fs::create_directories(parent, ec);
		if (ec)
			fail(opt, *path, "cannot make its directory (" + ec.message() + ")");
		if (!std::ofstream(*path, std::ios::app))
			fail(opt, *path,
			     std::string("cannot open for writing (") + std::strerror(errno) + ")");
	}
}

void write_outputs(const Args &a, const scenario::Scenario &sc, const engine::RunResult &res)
{
	if (auto dir = a.get("--out")) {
		const nlohmann::json j = engine::result_to_json(sc, res);
		std::ofstream f(*dir + "/result.json");
		f << j.dump(1) << "\n";
		std::ofstream t(*dir + "/gates.txt");
		metrics::print_gate_table(t, res.gates);
		metrics::print_gate_rows(t, res.gates, 0);
		t << "fingerprint: " << res.fingerprint << "\n";
		if (!f || !t)
			throw std::runtime_error("cannot write into " + *dir);
	}
	if (auto path = a.get("--junit")) {
		std::ofstream f(*path);
		metrics::write_junit(f, sc.name + " [" + scenario::policy_name(sc.policy) + "]",
				     res.gates, res.sim_end_ns);
		if (!f)
			throw std::runtime_error("cannot write " + *path);
	}
}

// Set by the first SIGINT during a run: the run stops at its next piece and what it has is
// written. SA_RESETHAND: a second Ctrl-C ends the process as usual.
volatile std::sig_atomic_t g_stop_requested = 0;

extern "C" void on_sigint(int)
{
	g_stop_requested = 1;
}

// SIGINT caught for the life of one run, then as it was.
class SigintStops {
public:
	SigintStops()
	{
		struct sigaction sa = {};
		sa.sa_handler = on_sigint;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &was_);
	}
	~SigintStops() { sigaction(SIGINT, &was_, nullptr); }
	SigintStops(const SigintStops &) = delete;
	SigintStops &operator=(const SigintStops &) = delete;

private:
	struct sigaction was_ = {};
};

} // namespace

int cmd_check(const Args &a)
{
	const std::string file = the_scenario(a);
	apply_profiles(a);
	try {
		const scenario::Scenario sc = scenario::load_scenario_file(file);
		std::cout << file << ": ok: '" << sc.name << "', " << sc.tenants.size()
			  << " tenants, " << sc.events.size() << " events, " << sc.gates.size()
			  << " gates\n";
		return 0;
	} catch (const ScenarioError &e) {
		std::cerr << e.what() << "\n";
		return 2;
	}
}

int cmd_run(const Args &a)
{
	const std::string file = the_scenario(a);
	apply_profiles(a);
	engine::RunOptions opts = run_options_of(a);
	const bool quiet = a.has("--quiet");
	RunProgress progress(sweep::SweepProgress::stderr_is_live(), quiet);
	opts.on_progress = [&progress](std::uint64_t now_ns, std::uint64_t end_ns) {
		progress.update(now_ns, end_ns);
	};
	g_stop_requested = 0;
	opts.stop_requested = &g_stop_requested;
	scenario::Scenario sc;
	try {
		sc = scenario::load_scenario_file(file);
	} catch (const ScenarioError &e) {
		std::cerr << e.what() << "\n";
		return 2;
	}
	prepare_outputs(a);
	// The determinism gate's second run and a counterfactual isolation gate's run without
	// the flooders are child processes of run_scenario (engine/reruns.h).
	const scenario::Scenario ran = engine::with_overrides(sc, opts);
	engine::RunResult res;
	try {
		const SigintStops sigint;
		res = engine::run_scenario(sc, opts);
	} catch (const ScenarioError &e) {
		progress.finish();
		std::cerr << e.what() << "\n";
		return 2;
	}
	progress.finish();
	if (res.interrupted)
		std::cerr
			<< "interrupted at " << metrics::format_ns(res.sim_end_ns) << " of "
			<< metrics::format_ns(ran.duration_ns)
			<< ": what follows (and --out, --junit, --trace) is of the part that ran\n";

	if (!quiet) {
		std::cout << "scenario: " << ran.name << " (" << file << ")\n"
			  << "policy: " << scenario::policy_name(ran.policy)
			  << "  seed: " << ran.seed
			  << "  simulated: " << metrics::format_ns(res.sim_end_ns) << "\n\n";
		// A summary line per tenant and resource; a big platform gets the first ones only.
		constexpr size_t kNotesMax = 48;
		for (size_t i = 0; i < res.notes.size() && i < kNotesMax; i++)
			std::cout << "  " << res.notes[i] << "\n";
		if (res.notes.size() > kNotesMax)
			std::cout << "  ... " << res.notes.size() - kNotesMax
				  << " more lines (all of them in --out DIR/result.json)\n";
		std::cout << "\n";
	}
	metrics::print_gate_table(std::cout, res.gates);
	// A platform's gate may judge hundreds of pairs: the terminal gets the failing ones first.
	constexpr size_t kRowsMax = 64;
	if (!quiet)
		metrics::print_gate_rows(std::cout, res.gates, kRowsMax);
	std::cout << "fingerprint: " << res.fingerprint << "\n";
	write_outputs(a, ran, res);
	// 128 + SIGINT, as a shell reports a process Ctrl-C ended.
	if (res.interrupted)
		return 130;
	return res.all_pass() ? 0 : 1;
}

} // namespace coconut::cli
