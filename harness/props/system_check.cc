// See system_check.h.
#include "system_check.h"

#include "coconut/cap.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

extern char **environ;

namespace coconut::props {

namespace {

engine::RunOptions case_options()
{
	engine::RunOptions opts;
	opts.skip_determinism_gate = true; // this suite compares the runs itself
	return opts;
}

engine::RunResult run_once(const scenario::Scenario &sc)
{
	sim::sc_fresh_context();
	engine::Simulation s(sc, case_options());
	return s.run();
}

// The caps agentfs shows for agent ("cap: <text>" lines), parsed; false when the agent is not
// live (a terminated agent's entry keeps the caps it died with: it holds nothing any more).
bool caps_of(engine::Simulation &s, const std::string &agent, std::vector<co_cap> *out,
	     std::vector<std::string> *texts)
{
	engine::CallOutput o;
	try {
		const engine::CallOutput st = s.agentfs_read(agent, "status");
		const std::string status(st.bytes.begin(), st.bytes.end());
		if (st.rc < 0 || status.find("\nstate: terminated") != std::string::npos)
			return false;
		o = s.agentfs_read(agent, "caps");
	} catch (const std::invalid_argument &) {
		return false;
	}
	if (o.rc < 0)
		return false;
	const std::string text(o.bytes.begin(), o.bytes.end());
	size_t at = 0;
	while (at < text.size()) {
		size_t end = text.find('\n', at);
		if (end == std::string::npos)
			end = text.size();
		const std::string line = text.substr(at, end - at);
		at = end + 1;
		if (line.rfind("cap: ", 0) != 0)
			continue;
		co_cap cap;
		co_cap_error err;
		if (co_cap_parse(line.data() + 5, line.size() - 5, &cap, &err) != CO_CAP_OK)
			throw std::runtime_error("agentfs caps of " + agent + ": bad line '" +
						 line + "'");
		out->push_back(cap);
		texts->push_back(line.substr(5));
	}
	return true;
}

// The weighted-share property of a backlog case (case_gen.h): tenants backlogged on the CPU
// from start to end get service in proportion to their weights. The fair policy's bound
// (policy_fair.c, docs/sched.md): backlogged counters differ by at most D + C, C the lag credit
// (0 here) and D one turn's largest charge over the smallest weight; the run's measure is the
// largest weighted service difference between two continuously backlogged tenants
// (service_difference.cpu.max_milli). A turn is at most one job here (its CPU time), and the
// cluster serves `cpus` turns at once, so the bound taken is 2 x cpus x the largest job: a
// scheduler that ignored weights drifts apart linearly in time instead.
std::string weighted_share(const engine::RunResult &r, const scenario::Scenario &sc)
{
	if (sc.name != "backlog-case")
		return "";
	u64 job_max_ns = 0;
	for (const auto &t : sc.tenants)
		for (const auto &g : t.groups)
			job_max_ns = std::max(job_max_ns, g.workload.request.cpu_ns.hi);
	const u64 bound_milli = 2ull * sc.machine.cpus * job_max_ns * 1000;
	const auto diff = r.metrics.get("service_difference.cpu.max_milli");
	if (!diff)
		return "service_difference.cpu.max_milli is missing";
	if (static_cast<u64>(*diff) > bound_milli)
		return "weighted CPU service of backlogged tenants differs by " +
		       std::to_string(*diff / 1000) + " ns, over 2 x " +
		       std::to_string(sc.machine.cpus) + " cpus x " + std::to_string(job_max_ns) +
		       " ns (the largest job)";
	return "";
}

// Property 5: every live group agent's caps are covered by its parent's (the tenant root
// that spawned it and granted it caps). "" when they are, else the first uncovered cap.
std::string uncovered_cap(engine::Simulation &s, const scenario::Scenario &sc)
{
	for (const auto &t : sc.tenants) {
		std::vector<co_cap> parent;
		std::vector<std::string> parent_texts;
		if (!caps_of(s, t.name, &parent, &parent_texts))
			continue; // the tenant's root is gone, and its agents with it
		for (const auto &g : t.groups) {
			// Spawn events add agents after the group's count; the first name the run
			// never made ends the group.
			for (u32 i = 0; i < g.count + 64; i++) {
				const std::string name =
					t.name + "/" + g.name + "/" + std::to_string(i);
				std::vector<co_cap> mine;
				std::vector<std::string> texts;
				bool exists = true;
				try {
					(void)s.aid_of(name);
				} catch (const std::invalid_argument &) {
					exists = false;
				}
				if (!exists)
					break;
				if (!caps_of(s, name, &mine, &texts))
					continue;
				for (size_t c = 0; c < mine.size(); c++) {
					bool covered = false;
					for (const co_cap &p : parent)
						covered = covered || co_cap_covers(&p, &mine[c]);
					if (!covered)
						return name + " holds " + texts[c] + ", which " +
						       t.name + " does not cover";
				}
			}
		}
	}
	return "";
}

const metrics::GateResult *gate(const engine::RunResult &r, const std::string &name)
{
	for (const auto &g : r.gates)
		if (g.name == name)
			return &g;
	return nullptr;
}

// The first of names that failed (or is missing), as "name: measured (bound) detail".
std::string first_failed(const engine::RunResult &r, std::initializer_list<const char *> names)
{
	for (const char *n : names) {
		const metrics::GateResult *g = gate(r, n);
		if (!g)
			return std::string(n) + ": the gate is missing";
		if (!g->pass)
			return std::string(n) + ": " + g->measured + " (" + g->bound + ") " +
			       g->detail;
	}
	return "";
}

// The fingerprint of the case run in a new process, or "" with why.
std::string fresh_fingerprint(const scenario::Scenario &sc, const std::string &exe,
			      const std::string &work_dir, std::string *why)
{
	const std::string file = work_dir + "/fresh-" + std::to_string(getpid()) + ".yaml";
	{
		std::ofstream f(file);
		f << scenario::write_scenario_yaml(sc);
		if (!f) {
			*why = "cannot write " + file;
			return "";
		}
	}
	int p[2];
	if (pipe(p) != 0) {
		*why = std::string("pipe: ") + std::strerror(errno);
		return "";
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	const std::string flag = "--run-case";
	char *argv[] = { const_cast<char *>(exe.c_str()), const_cast<char *>(flag.c_str()),
			 const_cast<char *>(file.c_str()), nullptr };
	pid_t pid = -1;
	const int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		*why = std::string("posix_spawn ") + exe + ": " + std::strerror(rc);
		return "";
	}
	std::string out;
	char buf[4096];
	for (;;) {
		const ssize_t n = read(p[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out.append(buf, static_cast<size_t>(n));
	}
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	std::remove(file.c_str());
	const size_t at = out.find("fingerprint: ");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || at == std::string::npos) {
		*why = "the fresh process failed (status " + std::to_string(status) + "): " + out;
		return "";
	}
	return out.substr(at + 13, 64);
}

} // namespace

CaseVerdict check_case(const scenario::Scenario &sc, bool fresh_process, const std::string &exe,
		       const std::string &work_dir)
{
	CaseVerdict v;
	engine::RunResult a, b;
	std::string uncovered;
	try {
		{
			sim::sc_fresh_context();
			engine::Simulation s(sc, case_options());
			a = s.run();
			uncovered = uncovered_cap(s, sc);
		}
		b = run_once(sc);
	} catch (const std::exception &e) {
		v.property = "valid";
		v.detail = e.what();
		return v;
	}
	v.fingerprint = a.fingerprint;
	v.probes = a.probes;
	v.sim_ns = a.sim_end_ns;
	v.weights_judged = sc.name == "backlog-case";
	if (auto f = first_failed(a, { "no.use.after.revoke", "no.use.after.revoke.metric" });
	    !f.empty()) {
		v.property = "revocation";
		v.detail = f;
	} else if (auto p = first_failed(a,
					 { "audit.parity", "audit.verify", "no.unsealed.at.end" });
		   !p.empty()) {
		v.property = "parity";
		v.detail = p;
	} else if (auto w = weighted_share(a, sc); !w.empty()) {
		v.property = "weights";
		v.detail = w;
	} else if (!uncovered.empty()) {
		v.property = "caps";
		v.detail = uncovered;
	} else if (a.fingerprint != b.fingerprint) {
		v.property = "determinism";
		v.detail = "two runs in one process: " + a.fingerprint + " vs " + b.fingerprint;
	} else if (fresh_process) {
		std::string why;
		const std::string other = fresh_fingerprint(sc, exe, work_dir, &why);
		if (other != a.fingerprint) {
			v.property = "determinism";
			v.detail = other.empty() ? why
						 : "this process " + a.fingerprint +
							   " vs a fresh process " + other;
		}
	}
	return v;
}

int run_case_main(const std::string &file)
{
	scenario::Scenario sc;
	try {
		sc = scenario::load_scenario_file(file);
	} catch (const scenario::ScenarioError &e) {
		std::cerr << e.what() << "\n";
		return 2;
	}
	std::cout << "fingerprint: " << run_once(sc).fingerprint << "\n";
	return 0;
}

} // namespace coconut::props
