// One kernel call through the engine's API from C++ (issue 14's yardstick for the same call
// from Python, harness/bench/python_bench.py): flooder-small run to 1 s, then `calls` times
// alice/app/0's agent_cap_present("inference", "kvwarden") -- a traced KernelPort call with
// its LSM decision and audit event -- timed on the steady clock (a benchmark, not a test: the
// simulation never reads it).
//
//   api_call [SCENARIO] [--calls N]     prints "cpp_call_ns <ns per call>"
#include "engine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char **argv)
{
	std::string path =
		std::string(COCONUT_SOURCE_DIR) + "/sim/engine/tests/data/flooder-small.yaml";
	unsigned long calls = 20000;
	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--calls") && i + 1 < argc)
			calls = std::strtoul(argv[++i], nullptr, 10);
		else
			path = argv[i];
	}
	using namespace coconut;
	const scenario::Scenario sc = scenario::load_scenario_file(path);
	engine::RunOptions o;
	o.skip_determinism_gate = true;
	o.until_ns = 3600000000000ull; // room for the batches' 20 ms each
	sim::sc_fresh_context();
	engine::Simulation s(sc, o);
	s.run_until(1000000000ull);
	// In batches of 64, the simulation advanced 20 ms (untimed) between them so the sealer
	// drains the audit rings each call appends to (a full ring answers -EBUSY).
	std::chrono::steady_clock::duration spent{};
	long long bad = 0;
	for (unsigned long done = 0; done < calls;) {
		const unsigned long n = std::min<unsigned long>(64, calls - done);
		const auto t0 = std::chrono::steady_clock::now();
		for (unsigned long i = 0; i < n; i++)
			bad += s.cap_present("alice/app/0", "alice/app/0", "inference",
					     "kvwarden") != 0;
		spent += std::chrono::steady_clock::now() - t0;
		done += n;
		s.run_until(s.now_ns() + 20000000ull);
	}
	if (bad) {
		std::fprintf(stderr, "api_call: %lld calls failed\n", bad);
		return 1;
	}
	const double ns = std::chrono::duration<double, std::nano>(spent).count() / calls;
	std::printf("cpp_call_ns %.1f\n", ns);
	return 0;
}
