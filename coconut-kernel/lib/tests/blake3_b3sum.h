// Helpers shared by the BLAKE3 tests and benchmark: a temporary input file and a run of the
// Debian `b3sum` tool (the oracle and the speed reference), without a shell in between.
#ifndef COCONUT_BLAKE3_B3SUM_H
#define COCONUT_BLAKE3_B3SUM_H

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

extern char **environ;

namespace blake3_b3sum {

inline constexpr const char *kPath = "/usr/bin/b3sum";

// RAM-backed when /dev/shm exists, so the reference reads its input from memory as we do.
inline std::string temp_dir()
{
	return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

// A file holding given bytes, removed with the object.
class TempFile {
public:
	explicit TempFile(const std::vector<uint8_t> &bytes) { reset(bytes); }
	TempFile(const TempFile &) = delete;
	TempFile &operator=(const TempFile &) = delete;
	~TempFile()
	{
		if (!path_.empty())
			unlink(path_.c_str());
	}

	// Rewrites the file in place, so a long test reuses one name.
	void reset(const std::vector<uint8_t> &bytes)
	{
		if (path_.empty()) {
			std::string tmpl = temp_dir() + "/coconut-blake3-XXXXXX";
			int fd = mkstemp(tmpl.data());
			if (fd < 0)
				throw std::runtime_error("mkstemp in " + temp_dir() + " failed");
			close(fd);
			path_ = tmpl;
		}
		int fd = open(path_.c_str(), O_WRONLY | O_TRUNC);
		if (fd < 0)
			throw std::runtime_error("cannot open " + path_);
		size_t done = 0;
		while (done < bytes.size()) {
			ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(fd);
				throw std::runtime_error("cannot write " + path_);
			}
			done += static_cast<size_t>(n);
		}
		close(fd);
	}

	const std::string &path() const { return path_; }

private:
	std::string path_;
};

struct Result {
	int exit_status = -1; // -1 when it did not exit normally
	std::string out;
};

// Runs b3sum with args (argv[1..]), feeding stdin_bytes on its standard input; with
// capture false its output goes to /dev/null (for timing).
inline Result run(const std::vector<std::string> &args, const std::string &stdin_bytes = "",
		  bool capture = true)
{
	int in_pipe[2], out_pipe[2] = {-1, -1};
	// A b3sum that exits before reading its key must fail the check, not kill the process.
	signal(SIGPIPE, SIG_IGN);
	if (pipe(in_pipe) != 0)
		throw std::runtime_error("pipe failed");
	if (capture && pipe(out_pipe) != 0)
		throw std::runtime_error("pipe failed");

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
	posix_spawn_file_actions_addclose(&fa, in_pipe[1]);
	if (capture) {
		posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
		posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
	} else {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	}

	std::vector<std::string> argv_s{kPath};
	argv_s.insert(argv_s.end(), args.begin(), args.end());
	std::vector<char *> argv;
	for (auto &a : argv_s)
		argv.push_back(a.data());
	argv.push_back(nullptr);

	pid_t pid;
	int rc = posix_spawn(&pid, kPath, &fa, nullptr, argv.data(), environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in_pipe[0]);
	if (capture)
		close(out_pipe[1]);
	if (rc != 0) {
		close(in_pipe[1]);
		if (capture)
			close(out_pipe[0]);
		throw std::runtime_error(std::string("cannot run ") + kPath + " (apt install b3sum)");
	}
	// The only stdin input is a 32-byte key, far below a pipe's capacity: no deadlock.
	size_t done = 0;
	while (done < stdin_bytes.size()) {
		ssize_t n = write(in_pipe[1], stdin_bytes.data() + done, stdin_bytes.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += static_cast<size_t>(n);
	}
	close(in_pipe[1]);

	Result r;
	if (capture) {
		char buf[4096];
		for (;;) {
			ssize_t n = read(out_pipe[0], buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			r.out.append(buf, static_cast<size_t>(n));
		}
		close(out_pipe[0]);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (WIFEXITED(status))
		r.exit_status = WEXITSTATUS(status);
	return r;
}

inline std::string to_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	s.reserve(2 * n);
	for (size_t i = 0; i < n; i++) {
		s.push_back(digits[p[i] >> 4]);
		s.push_back(digits[p[i] & 15]);
	}
	return s;
}

} // namespace blake3_b3sum

#endif // COCONUT_BLAKE3_B3SUM_H
