// See child_run.h.
#include "child_run.h"

#include <cassert>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace coconut::gate {

namespace {

using Clock = std::chrono::steady_clock;

struct Live {
	size_t index;
	pid_t pid;
	Clock::time_point started;
	bool killed = false;
};

// Starts one command; pid 0 when it could not start (written into its log).
pid_t start(const Command &c)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, c.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
					 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (!c.cwd.empty())
		posix_spawn_file_actions_addchdir_np(&fa, c.cwd.c_str());
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	// Its own process group: a timeout kills what it started too (QEMU under cosim.sh).
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	std::vector<std::string> env_store;
	for (char **e = environ; *e; e++)
		env_store.emplace_back(*e);
	for (const auto &e : c.env)
		env_store.push_back(e);
	std::vector<char *> envp, argv;
	for (auto &e : env_store)
		envp.push_back(e.data());
	envp.push_back(nullptr);
	std::vector<std::string> args = c.argv;
	for (auto &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	pid_t pid = 0;
	const bool search = c.argv[0].find('/') == std::string::npos;
	const int rc = search ? posix_spawnp(&pid, argv[0], &fa, &at, argv.data(), envp.data())
			      : posix_spawn(&pid, argv[0], &fa, &at, argv.data(), envp.data());
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		if (FILE *f = std::fopen(c.log_path.c_str(), "a")) {
			std::fprintf(f, "could not start %s: %s\n", c.argv[0].c_str(),
				     std::strerror(rc));
			std::fclose(f);
		}
		return 0;
	}
	return pid;
}

} // namespace

std::string Ended::why() const
{
	if (not_started)
		return "could not start";
	if (timed_out)
		return "timed out";
	if (signal)
		return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) +
		       ")";
	return "exit " + std::to_string(exit_code);
}

std::vector<Ended> run_commands(const std::vector<Command> &cmds, unsigned jobs,
				const std::function<void(size_t)> &on_end)
{
	assert(jobs >= 1);
	std::vector<Ended> out(cmds.size());
	std::vector<Live> live;
	size_t next = 0;
	while (next < cmds.size() || !live.empty()) {
		while (next < cmds.size() && live.size() < jobs) {
			assert(!cmds[next].argv.empty());
			const pid_t pid = start(cmds[next]);
			if (pid == 0) {
				out[next].not_started = true;
				if (on_end)
					on_end(next);
			} else {
				live.push_back({ next, pid, Clock::now() });
			}
			next++;
		}
		bool reaped = false;
		for (size_t k = 0; k < live.size();) {
			int status = 0;
			const pid_t r = waitpid(live[k].pid, &status, WNOHANG);
			const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
						Clock::now() - live[k].started)
						.count();
			if (r == live[k].pid) {
				Ended &e = out[live[k].index];
				e.wall_ms = ms;
				e.timed_out = live[k].killed;
				if (WIFEXITED(status))
					e.exit_code = WEXITSTATUS(status);
				else if (WIFSIGNALED(status))
					e.signal = WTERMSIG(status);
				const size_t idx = live[k].index;
				live.erase(live.begin() + static_cast<long>(k));
				reaped = true;
				if (on_end)
					on_end(idx);
				continue;
			}
			const unsigned limit = cmds[live[k].index].timeout_s;
			if (limit && !live[k].killed && ms > static_cast<long>(limit) * 1000) {
				kill(-live[k].pid, SIGKILL);
				live[k].killed = true;
			}
			k++;
		}
		if (!reaped)
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	return out;
}

std::string shell_line(const std::vector<std::string> &argv)
{
	std::string s;
	for (const auto &a : argv) {
		if (!s.empty())
			s += ' ';
		bool plain = !a.empty();
		for (char ch : a)
			plain &= std::isalnum(static_cast<unsigned char>(ch)) ||
				 std::strchr("-_./=:,+@%", ch) != nullptr;
		if (plain) {
			s += a;
			continue;
		}
		s += '\'';
		for (char ch : a)
			s += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
		s += '\'';
	}
	return s;
}

} // namespace coconut::gate
