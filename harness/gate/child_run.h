// Running the suite's programs: each a child process with its output in a log file, several at
// once (-j), each with a time limit. A gate is judged from what its children wrote and how they
// ended, never from this process's own state, so every gate can be repeated by its command.
#ifndef COCONUT_HARNESS_GATE_CHILD_RUN_H
#define COCONUT_HARNESS_GATE_CHILD_RUN_H

#include <functional>
#include <string>
#include <vector>

namespace coconut::gate {

struct Command {
	std::vector<std::string> argv; // argv[0] a path (no PATH search) or a bare name (searched)
	std::string cwd;
	std::string log_path;	      // stdout and stderr, both
	std::vector<std::string> env; // "NAME=value" added to this process's environment
	unsigned timeout_s = 0;	      // 0: none
};

struct Ended {
	int exit_code = -1; // -1 when a signal ended it or it could not start
	int signal = 0;
	bool timed_out = false;
	bool not_started = false;
	long wall_ms = 0;
	std::string why() const; // "exit 1", "killed by signal 9", "timed out after 600 s", ...
};

// Runs every command, at most `jobs` at a time, in order of starting; the results in the same
// order. on_end(i) is called as each ends (progress).
std::vector<Ended> run_commands(const std::vector<Command> &cmds, unsigned jobs,
				const std::function<void(size_t)> &on_end = {});

// The command as a shell would take it (each word quoted when it needs to be).
std::string shell_line(const std::vector<std::string> &argv);

} // namespace coconut::gate

#endif
