// `coconut-sim cosim SCENARIO.yaml|TRACE.jsonl` (docs/cosim.md): the same call sequence in the
// simulator and in coconut.ko under QEMU.
//  - A scenario is simulated first, its calls recorded as a trace (WORK/sim.trace.jsonl).
//  - A trace is replayed on the simulator's userspace kernel first: it must still reproduce,
//    or the kernel C changed since it was recorded and the guest has nothing to agree with
//    (--guest-only skips this: how a hand-edited trace shows that the guest's side can fail).
// Then the trace goes to the guest (harness/cosim/cosim_host.h). Exit 0 parity, 1 divergence or
// a failing guest, 2 bad input, 3 QEMU or the guest's kernel missing.
#include "commands.h"

#include "cosim_host.h"
#include "report.h"
#include "replayer.h"
#include "engine.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace coconut::cli {

namespace {

namespace fs = std::filesystem;

unsigned seconds_of(const Args &a, const std::string &opt, unsigned dflt)
{
	const auto v = a.get(opt);
	if (!v)
		return dflt;
	char *end = nullptr;
	errno = 0;
	const unsigned long s = std::strtoul(v->c_str(), &end, 10);
	if (v->empty() || *end || errno || (*v)[0] == '-' || s == 0 || s > 86400)
		throw UsageError(opt + ": expected seconds (1..86400), got '" + *v + "'");
	return (unsigned)s;
}

bool is_scenario(const std::string &file)
{
	const std::string ext = fs::path(file).extension().string();
	return ext == ".yaml" || ext == ".yml";
}

// The scenario's run, recorded; 0 or an exit code.
int simulate(const Args &a, const std::string &file, const std::string &trace_path)
{
	apply_profiles(a);
	engine::RunOptions o = run_options_of(a);
	o.trace_path = trace_path;
	o.skip_determinism_gate = true; // parity is this command's verdict, not the gates
	try {
		const scenario::Scenario sc = scenario::load_scenario_file(file);
		sim::sc_fresh_context();
		engine::Simulation s(sc, o);
		const engine::RunResult res = s.run();
		size_t passed = 0;
		for (const auto &g : res.gates)
			passed += g.pass ? 1 : 0;
		std::cout << "simulator: " << file << ", " << metrics::format_ns(res.sim_end_ns)
			  << " simulated, gates " << passed << "/" << res.gates.size()
			  << " pass, fingerprint " << res.fingerprint << "\n";
	} catch (const scenario::ScenarioError &e) {
		std::cerr << e.what() << "\n";
		return cosim::kBadInput;
	}
	return 0;
}

// The trace on the userspace kernel; 0 or an exit code.
int reproduce(const std::string &file)
{
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		std::cerr << file << ": cannot open the trace\n";
		return cosim::kBadInput;
	}
	std::ostringstream out;
	const int rc = trace::replay_stream(in, file, {}, out, std::cerr);
	if (rc == trace::kMalformed)
		return cosim::kBadInput;
	if (rc == trace::kDiverged) {
		std::cout << "simulator: the trace no longer reproduces on the simulator's kernel "
			     "(re-record it with coconut-sim run --trace):\n"
			  << out.str();
		return cosim::kDiverged;
	}
	std::cout << "simulator: " << out.str();
	return 0;
}

} // namespace

int cmd_cosim(const Args &a)
{
	if (a.positional.size() != 1)
		throw UsageError("expected exactly one SCENARIO.yaml or TRACE.jsonl");
	const std::string input = a.positional[0];
	const bool scenario_input = is_scenario(input);
	for (const char *opt : { "--seed", "--policy", "--until", "--profiles" })
		if (!scenario_input && a.has(opt))
			throw UsageError(std::string(opt) +
					 " applies to a scenario, not to a trace");

	cosim::GuestOptions o;
	const char *guest_env = std::getenv("COCONUT_GUEST_DIR");
	const std::string guest = a.get("--guest").value_or(guest_env ? guest_env : "build/guest");
	o.kernel = a.get("--kernel").value_or(guest + "/vmlinuz");
	o.initrd = a.get("--initrd").value_or(guest + "/initrd.gz");
	o.qemu = a.get("--qemu").value_or(o.qemu);
	o.boot_timeout_s = seconds_of(a, "--boot-timeout", o.boot_timeout_s);
	o.read_timeout_s = seconds_of(a, "--timeout", o.read_timeout_s);
	o.quiet = a.has("--quiet");

	// The work directory: given (and kept), or a fresh one removed after a parity run.
	const bool keep = a.has("--work");
	if (keep) {
		o.work_dir = *a.get("--work");
		std::error_code ec;
		fs::create_directories(o.work_dir, ec);
		if (ec)
			throw UsageError("--work: cannot create '" + o.work_dir +
					 "': " + ec.message());
	} else {
		const char *tmp = std::getenv("TMPDIR");
		std::string tmpl =
			std::string(tmp && *tmp ? tmp : "/tmp") + "/coconut-cosim.XXXXXX";
		if (!mkdtemp(tmpl.data()))
			throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
		o.work_dir = tmpl;
	}

	std::string trace_file = input;
	int rc = 0;
	if (scenario_input) {
		trace_file = o.work_dir + "/sim.trace.jsonl";
		rc = simulate(a, input, trace_file);
	} else if (!a.has("--guest-only")) {
		rc = reproduce(input);
	}
	if (rc == 0)
		rc = cosim::run_in_guest(trace_file, o, std::cout, std::cerr);
	if (rc == cosim::kParity && !keep) {
		std::error_code ec;
		fs::remove_all(o.work_dir, ec);
	} else if (rc != cosim::kParity) {
		std::cerr << "cosim: kept " << o.work_dir << " (console.log, qemu.log"
			  << (scenario_input ? ", sim.trace.jsonl" : "") << ")\n";
	}
	return rc;
}

} // namespace coconut::cli
