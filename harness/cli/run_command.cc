// `coconut-sim run` and `coconut-sim check`.
#include "commands.h"

#include "junit.h"
#include "report.h"
#include "sc_context.h"
#include "scenario.h"
#include "simulation.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sys/wait.h>
#include <unistd.h>

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
	if (auto v = a.get("--seed")) {
		char *end = nullptr;
		errno = 0;
		const unsigned long long s = std::strtoull(v->c_str(), &end, 10);
		if (v->empty() || *end || errno || (*v)[0] == '-')
			throw UsageError("--seed: expected an unsigned integer, got '" + *v + "'");
		o.seed = s;
	}
	if (auto v = a.get("--policy")) {
		o.policy = scenario::parse_policy(*v);
		if (!o.policy)
			throw UsageError("--policy: expected fair, fifo or per-process, got '" + *v + "'");
	}
	if (auto v = a.get("--until")) {
		o.until_ns = scenario::parse_duration_ns(*v);
		if (!o.until_ns || *o.until_ns == 0)
			throw UsageError("--until: expected a duration like 30s or 500ms, got '" + *v +
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

bool has_determinism_gate(const scenario::Scenario &sc)
{
	for (const auto &g : sc.gates)
		if (g.kind == scenario::GateKind::Determinism)
			return true;
	return false;
}

// The determinism gate's second run, in a child process (SystemC allows one simulation per
// context, and the two runs then use both cores): it writes its fingerprint to a pipe.
struct Rerun {
	pid_t pid = -1;
	int fd = -1;
};

Rerun start_rerun(const scenario::Scenario &sc, const engine::RunOptions &base)
{
	int fds[2];
	if (pipe(fds) != 0)
		return {};
	const pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return {};
	}
	if (pid == 0) {
		close(fds[0]);
		std::string fp;
		try {
			engine::RunOptions o = base;
			o.perfetto_path.clear();
			o.trace_path.clear(); // the child must not write the same trace
			o.skip_determinism_gate = true;
			sim::sc_fresh_context();
			engine::Simulation s(sc, o);
			fp = s.run().fingerprint;
		} catch (...) {
			fp.clear();
		}
		const ssize_t n = write(fds[1], fp.data(), fp.size());
		(void)n;
		close(fds[1]);
		_exit(fp.empty() ? 3 : 0);
	}
	close(fds[1]);
	return Rerun{ pid, fds[0] };
}

std::string finish_rerun(Rerun r)
{
	if (r.pid < 0)
		return "";
	std::string fp;
	char buf[128];
	ssize_t n;
	while ((n = read(r.fd, buf, sizeof(buf))) > 0)
		fp.append(buf, (size_t)n);
	close(r.fd);
	int status = 0;
	waitpid(r.pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? fp : "";
}

void write_outputs(const Args &a, const scenario::Scenario &sc, const engine::RunResult &res)
{
	if (auto dir = a.get("--out")) {
		std::filesystem::create_directories(*dir);
		nlohmann::json j;
		j["scenario"] = sc.name;
		j["file"] = sc.file;
		j["seed"] = sc.seed;
		j["policy"] = scenario::policy_name(sc.policy);
		j["simulated_ns"] = res.sim_end_ns;
		j["fingerprint"] = res.fingerprint;
		j["gates"] = metrics::gates_to_json(res.gates);
		j["metrics"] = res.metrics.to_json();
		j["notes"] = res.notes;
		std::ofstream f(*dir + "/result.json");
		f << j.dump(1) << "\n";
		std::ofstream t(*dir + "/gates.txt");
		metrics::print_gate_table(t, res.gates);
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
	const engine::RunOptions opts = run_options_of(a);
	const bool quiet = a.has("--quiet");
	scenario::Scenario sc;
	try {
		sc = scenario::load_scenario_file(file);
	} catch (const ScenarioError &e) {
		std::cerr << e.what() << "\n";
		return 2;
	}
	Rerun rerun;
	if (has_determinism_gate(sc) && !a.has("--no-determinism-rerun"))
		rerun = start_rerun(sc, opts);

	engine::RunResult res;
	scenario::Scenario ran;
	try {
		sim::sc_fresh_context();
		engine::Simulation s(sc, opts);
		ran = s.scenario();
		res = s.run();
	} catch (const ScenarioError &e) {
		finish_rerun(rerun);
		std::cerr << e.what() << "\n";
		return 2;
	} catch (const std::runtime_error &e) {
		// A trace or output file that cannot be written is bad input, not a bug.
		if (opts.trace_path.empty() || std::string(e.what()).find(opts.trace_path) ==
						       std::string::npos)
			throw;
		finish_rerun(rerun);
		std::cerr << e.what() << "\n";
		return 2;
	}
	if (rerun.pid >= 0)
		engine::complete_determinism_gate(res, finish_rerun(rerun));

	if (!quiet) {
		std::cout << "scenario: " << ran.name << " (" << file << ")\n"
			  << "policy: " << scenario::policy_name(ran.policy) << "  seed: " << ran.seed
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
	std::cout << "fingerprint: " << res.fingerprint << "\n";
	write_outputs(a, ran, res);
	return res.all_pass() ? 0 : 1;
}

} // namespace coconut::cli
