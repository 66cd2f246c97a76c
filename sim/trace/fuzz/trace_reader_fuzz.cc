// The trace reader and replayer on arbitrary bytes: a trace either replays, diverges or is
// refused as malformed (exit 2 with a line number); nothing crashes, hangs or throws anything
// else. Work per input is capped (records_max, and memory: log_events_max), as the 1 MiB line
// limit caps each line.
#include "replayer.h"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	std::istringstream in(std::string(reinterpret_cast<const char *>(data), size));
	std::ostringstream out, err;
	coconut::trace::ReplayOptions o;
	o.records_max = 2000;
	// The recorded seeds' 65,536-event audit window cost about 24 MB allocated, zeroed and
	// faulted in per input (~75 inputs/s); 4,096 is more than 2,000 records usually seal.
	o.log_events_max = 4096;
	const int rc = coconut::trace::replay_stream(in, "fuzz.jsonl", o, out, err);
	if (rc < 0 || rc > 2)
		__builtin_trap();
	if (rc == 2 && err.str().rfind("fuzz.jsonl:", 0) != 0)
		__builtin_trap(); // a malformed trace's message names the file and line
	return 0;
}
