// See sweep_runner.h.
#include "sweep_runner.h"

#include "sweep_limits.h"
#include "sweep_record.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>

namespace coconut::sweep {

namespace {

struct Child {
	u64 seed = 0;
	pid_t pid = -1;
	int fd = -1;
	std::string answer;
	bool too_long = false;
};

// Writes all of text to fd; false when the parent went away.
bool write_all(int fd, const std::string &text)
{
	size_t off = 0;
	while (off < text.size()) {
		const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		off += static_cast<size_t>(n);
	}
	return true;
}

// The child: one seed, its record (or {"bad_scenario": why} / an error record) on fd, then
// _exit without running the parent's atexit handlers or flushing its stdio buffers twice.
[[noreturn]] void child_main(const scenario::Scenario &sc, engine::RunOptions opts, u64 seed,
			     int fd)
{
	opts.seed = seed;
	std::string out;
	int code = 0;
	try {
		const engine::RunResult r = engine::run_scenario(sc, opts);
		out = seed_record(seed, r).dump();
	} catch (const scenario::ScenarioError &e) {
		out = nlohmann::json{ { "bad_scenario", e.what() } }.dump();
	} catch (const std::exception &e) {
		out = error_record(seed, std::string("internal error: ") + e.what()).dump();
		code = 3;
	}
	const bool ok = write_all(fd, out);
	::close(fd);
	::_exit(ok ? code : 4);
}

std::string how_it_ended(int status)
{
	if (WIFSIGNALED(status))
		return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
		       strsignal(WTERMSIG(status)) + ")";
	if (WIFEXITED(status))
		return "exited with status " + std::to_string(WEXITSTATUS(status));
	return "ended with wait status " + std::to_string(status);
}

SeedOutcome finish_child(Child &c)
{
	int status = 0;
	struct rusage ru {};
	while (::wait4(c.pid, &status, 0, &ru) < 0) {
		if (errno != EINTR)
			throw std::runtime_error(std::string("wait4: ") + std::strerror(errno));
	}
	SeedOutcome o;
	o.max_rss_kib = static_cast<u64>(ru.ru_maxrss);
	nlohmann::json j;
	if (!c.too_long)
		j = nlohmann::json::parse(c.answer, nullptr, false);
	if (c.too_long || j.is_discarded() || !j.is_object()) {
		o.record = error_record(c.seed,
					"the run's process " + how_it_ended(status) +
						(c.too_long ? " after an answer over the size limit"
							    : " without a valid answer"));
		return o;
	}
	if (j.contains("bad_scenario")) {
		o.bad_scenario = true;
		o.record = error_record(c.seed, j["bad_scenario"].get<std::string>());
		return o;
	}
	o.record = std::move(j);
	return o;
}

} // namespace

std::vector<SeedOutcome> run_seeds(const scenario::Scenario &sc, const engine::RunOptions &opts,
				   const std::vector<u64> &seeds, u64 jobs, const OnSeed &on_seed,
				   u64 crash_seed)
{
	assert(jobs >= 1 && jobs <= kJobsMax);
	std::map<u64, SeedOutcome> done;
	std::vector<Child> running;
	size_t next = 0;
	while (next < seeds.size() || !running.empty()) {
		while (next < seeds.size() && running.size() < jobs) {
			int p[2];
			if (::pipe(p) != 0)
				throw std::runtime_error(std::string("pipe: ") +
							 std::strerror(errno));
			// Nothing buffered may be written twice (once by the child).
			std::fflush(nullptr);
			const pid_t pid = ::fork();
			if (pid < 0)
				throw std::runtime_error(std::string("fork: ") +
							 std::strerror(errno));
			if (pid == 0) {
				::close(p[0]);
				for (const Child &c : running)
					::close(c.fd);
				if (seeds[next] == crash_seed) {
					::raise(SIGKILL);
				}
				child_main(sc, opts, seeds[next], p[1]);
			}
			::close(p[1]);
			running.push_back(Child{ seeds[next], pid, p[0], {}, false });
			next++;
		}
		std::vector<pollfd> fds;
		for (const Child &c : running)
			fds.push_back(pollfd{ c.fd, POLLIN, 0 });
		if (::poll(fds.data(), fds.size(), -1) < 0) {
			if (errno == EINTR)
				continue;
			throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
		}
		for (size_t i = fds.size(); i-- > 0;) {
			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			Child &c = running[i];
			char buf[65536];
			const ssize_t n = ::read(c.fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n > 0) {
				if (c.answer.size() + static_cast<size_t>(n) > kRecordBytesMax)
					c.too_long = true;
				else
					c.answer.append(buf, static_cast<size_t>(n));
				continue;
			}
			::close(c.fd);
			SeedOutcome o = finish_child(c);
			running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
			on_seed(o);
			done.emplace(o.record.at("seed").get<u64>(), std::move(o));
		}
	}
	std::vector<SeedOutcome> out;
	out.reserve(done.size());
	for (auto &[seed, o] : done)
		out.push_back(std::move(o));
	assert(out.size() == seeds.size());
	return out;
}

} // namespace coconut::sweep
