#include "guest_process.h"

#include "cosim_limits.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace coconut::cosim {

namespace {

bool executable(const std::string &path)
{
	struct stat st {};
	return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path.c_str(), X_OK) == 0;
}

} // namespace

std::optional<std::string> find_program(const std::string &name)
{
	if (name.empty())
		return std::nullopt;
	if (name.find('/') != std::string::npos)
		return executable(name) ? std::optional<std::string>(name) : std::nullopt;
	const char *path = std::getenv("PATH");
	std::string dirs = path ? path : "/usr/bin:/bin";
	size_t start = 0;
	while (start <= dirs.size()) {
		const size_t colon = dirs.find(':', start);
		const std::string dir =
			dirs.substr(start,
				    colon == std::string::npos ? std::string::npos : colon - start);
		const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
		if (executable(candidate))
			return candidate;
		if (colon == std::string::npos)
			break;
		start = colon + 1;
	}
	return std::nullopt;
}

GuestProcess::GuestProcess(const std::vector<std::string> &argv, const std::string &log_path)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
					 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	std::vector<char *> av;
	for (const std::string &a : argv)
		av.push_back(const_cast<char *>(a.c_str()));
	av.push_back(nullptr);
	const int rc = posix_spawn(&pid_, av[0], &fa, nullptr, av.data(), environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		pid_ = -1;
		throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
	}
}

GuestProcess::~GuestProcess()
{
	if (pid_ > 0 && !reaped_) {
		kill(pid_, SIGKILL);
		waitpid(pid_, &status_, 0);
	}
}

bool GuestProcess::running()
{
	if (pid_ <= 0 || reaped_)
		return false;
	const pid_t r = waitpid(pid_, &status_, WNOHANG);
	if (r == pid_ || (r < 0 && errno == ECHILD))
		reaped_ = true;
	return !reaped_;
}

std::string GuestProcess::finish(std::chrono::milliseconds timeout)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	while (running() && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(std::chrono::milliseconds(kAlivePollMs));
	if (running()) {
		kill(pid_, SIGKILL);
		waitpid(pid_, &status_, 0);
		reaped_ = true;
		return timeout.count() == 0
			       ? "stopped by the host (SIGKILL)"
			       : "did not power off in " + std::to_string(timeout.count() / 1000) +
					 " s: killed";
	}
	return how_it_ended();
}

std::string GuestProcess::how_it_ended() const
{
	if (!reaped_)
		return "running";
	if (WIFEXITED(status_))
		return "exit status " + std::to_string(WEXITSTATUS(status_));
	if (WIFSIGNALED(status_))
		return "killed by signal " + std::to_string(WTERMSIG(status_));
	return "ended";
}

} // namespace coconut::cosim
