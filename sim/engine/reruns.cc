// See reruns.h. The parent forks its children before it builds its own simulation (a child
// starts from the parent's memory: no SystemC context of the parent's run exists yet), runs,
// then reads each child's pipe to the end and reaps it. If the main run throws, the children
// are killed and reaped before the exception leaves (Children's destructor).
#include "reruns.h"

#include "sc_context.h"
#include "simulation.h"
#include "stage_gates.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace coconut::engine {

namespace {

// A child's answer is a few KiB (a stage table of 255 tenants x 4 resources is ~100 KiB);
// anything past this is not an answer.
constexpr size_t kAnswerBytesMax = 16u << 20;

struct Child {
	pid_t pid = -1; // -1: not started (or reaped)
	int fd = -1;	// the pipe's read end
	std::string start_error;
};

// What a child sent, or why there is nothing to use.
struct Answer {
	nlohmann::json doc;
	std::string error; // empty: doc is the answer
};

void write_all(int fd, const std::string &text)
{
	size_t done = 0;
	while (done < text.size()) {
		const ssize_t n = write(fd, text.data() + done, text.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; // the parent is gone: nothing to tell
		done += (size_t)n;
	}
}

// The child's whole life: one simulation, one answer, _exit (never the parent's atexit
// handlers or its buffered output).
[[noreturn]] void child_main(int fd, const scenario::Scenario &sc, const RunOptions &o)
{
	nlohmann::json out;
	int code = 0;
	try {
		sim::sc_fresh_context();
		Simulation s(sc, o);
		const RunResult r = s.run();
		out["fingerprint"] = r.fingerprint;
		if (o.without_flooders)
			out["stages"] = stage_table_to_json(stage_table(s.scenario(), r.metrics));
	} catch (const std::exception &e) {
		out = { { "error", e.what() } };
		code = 3;
	} catch (...) {
		out = { { "error", "an exception that is not a std::exception" } };
		code = 3;
	}
	write_all(fd, out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
	close(fd);
	_exit(code);
}

// Every child started, killed and reaped if the parent leaves before reading it.
struct Children {
	std::vector<Child> all;

	size_t start(const scenario::Scenario &sc, const RunOptions &o)
	{
		Child c;
		int fds[2];
		if (pipe(fds) != 0) {
			c.start_error = std::string("pipe: ") + std::strerror(errno);
			all.push_back(c);
			return all.size() - 1;
		}
		std::fflush(nullptr); // nothing buffered may be written twice
		const pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			for (const Child &other : all)
				if (other.fd >= 0)
					close(other.fd);
			if (o.without_flooders && o.mutations.kill_counterfactual)
				raise(SIGKILL);
			child_main(fds[1], sc, o);
		}
		close(fds[1]);
		if (pid < 0) {
			c.start_error = std::string("fork: ") + std::strerror(errno);
			close(fds[0]);
		} else {
			c.pid = pid;
			c.fd = fds[0];
		}
		all.push_back(c);
		return all.size() - 1;
	}

	~Children()
	{
		for (Child &c : all) {
			if (c.fd >= 0)
				close(c.fd);
			if (c.pid > 0) {
				kill(c.pid, SIGKILL);
				while (waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
				}
			}
		}
	}
};

// Reads the child's pipe to the end, reaps it, and says what it answered.
Answer finish(Child &c)
{
	Answer a;
	if (c.pid < 0) {
		a.error = "could not start: " + c.start_error;
		return a;
	}
	std::string text;
	bool too_long = false;
	char buf[65536];
	for (;;) {
		const ssize_t n = read(c.fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (text.size() + (size_t)n > kAnswerBytesMax)
			too_long = true; // keep reading: the child must not block on a full pipe
		else
			text.append(buf, (size_t)n);
	}
	close(c.fd);
	c.fd = -1;
	int status = 0;
	while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
	}
	c.pid = -1;
	if (WIFSIGNALED(status)) {
		a.error = "killed by signal " + std::to_string(WTERMSIG(status));
		return a;
	}
	const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	a.doc = nlohmann::json::parse(text, nullptr, false);
	const bool is_object = a.doc.is_object();
	if (is_object && a.doc.contains("error") && a.doc["error"].is_string())
		a.error = a.doc["error"].get<std::string>() + " (exit status " +
			  std::to_string(code) + ")";
	else if (code != 0)
		a.error = "exit status " + std::to_string(code);
	else if (too_long)
		a.error = "an answer longer than " + std::to_string(kAnswerBytesMax) + " bytes";
	else if (!is_object || !a.doc.contains("fingerprint") || !a.doc["fingerprint"].is_string())
		a.error = "an answer that is not {\"fingerprint\": ...}";
	return a;
}

// The children simulate the same scenario without writing any of the parent's files.
RunOptions child_options(const RunOptions &opts)
{
	RunOptions o = opts;
	o.perfetto_path.clear();
	o.trace_path.clear();
	o.on_progress = nullptr; // the parent's progress line is the one people read
	o.stop_requested = nullptr;
	o.skip_determinism_gate = true;
	return o;
}

bool has_determinism_gate(const scenario::Scenario &sc)
{
	for (const scenario::GateSpec &g : sc.gates)
		if (g.kind == scenario::GateKind::Determinism)
			return true;
	return false;
}

bool has_counterfactual_gate(const scenario::Scenario &sc)
{
	for (const scenario::GateSpec &g : sc.gates)
		if (g.counterfactual())
			return true;
	return false;
}

void complete_counterfactual(const scenario::Scenario &sc, RunResult &res, Answer a)
{
	std::optional<StageTable> alone;
	if (a.error.empty()) {
		try {
			alone = stage_table_from_json(a.doc.at("stages"));
		} catch (const std::exception &e) {
			a.error = std::string("an answer without a stage table: ") + e.what();
		}
	}
	complete_isolation_gates(sc, res.gates, res.metrics, alone ? &*alone : nullptr,
				 "counterfactual run failed: " + a.error);
}

} // namespace

RunResult run_scenario(const scenario::Scenario &sc, const RunOptions &opts)
{
	Children kids;
	std::optional<size_t> second, counterfactual;
	if (has_determinism_gate(sc) && !opts.skip_determinism_gate) {
		scenario::Scenario rerun = sc;
		if (opts.mutations.perturb_rerun)
			rerun.seed++; // a run that depends on something besides its seed
		second = kids.start(rerun, child_options(opts));
	}
	if (has_counterfactual_gate(sc)) {
		RunOptions o = child_options(opts);
		o.without_flooders = true;
		counterfactual = kids.start(sc, o);
	}
	RunResult res;
	{
		sim::sc_fresh_context();
		Simulation s(sc, opts);
		res = s.run();
	}
	if (res.interrupted) {
		// The children are killed and reaped on the way out (Children); their gates say so.
		for (metrics::GateResult &g : res.gates)
			for (const scenario::GateSpec &spec : sc.gates)
				if (spec.name == g.name &&
				    (spec.kind == scenario::GateKind::Determinism ||
				     spec.counterfactual())) {
					g.pass = false;
					g.measured = "not judged: the run was interrupted";
					g.detail = g.measured;
				}
		return res;
	}
	if (second) {
		const Answer a = finish(kids.all[*second]);
		const std::string fp =
			a.error.empty() ? a.doc["fingerprint"].get<std::string>() : "";
		complete_determinism_gate(res, fp, a.error);
	}
	if (counterfactual)
		complete_counterfactual(sc, res, finish(kids.all[*counterfactual]));
	return res;
}

} // namespace coconut::engine
