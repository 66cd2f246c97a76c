// The QEMU process of a co-simulation run: started with posix_spawn (stdin from /dev/null,
// stdout and stderr to a log file), polled without blocking, stopped with SIGKILL when it does
// not power off by itself.
#ifndef COCONUT_HARNESS_COSIM_GUEST_PROCESS_H
#define COCONUT_HARNESS_COSIM_GUEST_PROCESS_H

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace coconut::cosim {

// The program's path: itself when it has a '/', else the first executable match in $PATH.
std::optional<std::string> find_program(const std::string &name);

class GuestProcess {
public:
	// Throws std::runtime_error when the program cannot be started.
	GuestProcess(const std::vector<std::string> &argv, const std::string &log_path);
	~GuestProcess(); // kills a process still running
	GuestProcess(const GuestProcess &) = delete;
	GuestProcess &operator=(const GuestProcess &) = delete;

	bool running();
	// Waits up to timeout for the exit, then kills. The exit in words.
	std::string finish(std::chrono::milliseconds timeout);
	// "exit status N" / "killed by signal N" / "running".
	std::string how_it_ended() const;

private:
	pid_t pid_ = -1;
	bool reaped_ = false;
	int status_ = 0;
};

} // namespace coconut::cosim

#endif
