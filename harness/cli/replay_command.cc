// `coconut-sim replay TRACE [--until N]` (docs/traces.md).
#include "commands.h"

#include "replayer.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace coconut::cli {

int cmd_replay(const Args &a)
{
	if (a.positional.size() != 1)
		throw UsageError("expected exactly one TRACE file");
	const std::string &file = a.positional[0];
	trace::ReplayOptions o;
	if (auto v = a.get("--until")) {
		char *end = nullptr;
		errno = 0;
		const unsigned long long n = std::strtoull(v->c_str(), &end, 10);
		if (v->empty() || *end || errno || (*v)[0] == '-')
			throw UsageError("--until: expected a record index, got '" + *v + "'");
		o.until = n;
	}
	// A directory opens as an empty stream (and would read as "the trace is empty").
	std::error_code ec;
	if (std::filesystem::exists(file, ec) && !std::filesystem::is_regular_file(file, ec)) {
		std::cerr << file << ": not a regular file (a trace is one JSON Lines file)\n";
		return trace::kMalformed;
	}
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		std::cerr << file << ": cannot open the trace\n";
		return trace::kMalformed;
	}
	return trace::replay_stream(in, file, o, std::cout, std::cerr);
}

} // namespace coconut::cli
