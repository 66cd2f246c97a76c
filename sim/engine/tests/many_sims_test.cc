// Many simulations in one process (issue 12, step 3; docs/engine.md "Many simulations in one
// process"): each on a fresh SystemC context (sim/core/sc_context.h), one after another, as the
// property tests and the Python bindings run them. Every run gives the same fingerprint (no
// state leaks from one context into the next), and the heap in use does not grow with the
// number of runs: the least-squares slope of the bytes in use after each run, over the runs
// after a warm-up, stays under 1 KiB per simulation. Its own binary, so that nothing else
// allocates beside it; under ASan (fewer runs) LeakSanitizer checks the exit too.
#include "engine.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COCONUT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define COCONUT_ASAN 1
#endif

#ifdef COCONUT_ASAN
// The sanitizer runtime's own count (gcc ships no header for it; the runtime has the symbol).
extern "C" size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

namespace {

std::uint64_t heap_in_use_bytes()
{
#ifdef COCONUT_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	const struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd; // small chunks in use + mmapped ones
#endif
}

// The slope of y over x = 0, 1, 2, ... (least squares), in y's unit per step.
double slope(const std::vector<std::uint64_t> &y)
{
	const double n = (double)y.size();
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	for (size_t i = 0; i < y.size(); i++) {
		const double x = (double)i, v = (double)y[i];
		sx += x;
		sy += v;
		sxx += x * x;
		sxy += x * v;
	}
	return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

TEST(ManySimulations, FiveHundredInOneProcessWithFlatMemory)
{
#ifdef COCONUT_ASAN
	constexpr size_t kRuns = 100, kWarmup = 20;
#else
	constexpr size_t kRuns = 500, kWarmup = 50;
#endif
	const coconut::scenario::Scenario sc = coconut::scenario::load_scenario_file(
		std::string(COCONUT_SOURCE_DIR) + "/scenarios/examples/minimal.yaml");
	coconut::engine::RunOptions o;
	o.skip_determinism_gate = true;

	std::string first;
	std::vector<std::uint64_t> in_use;
	for (size_t i = 0; i < kRuns; i++) {
		std::string fp;
		{
			coconut::sim::sc_fresh_context();
			coconut::engine::Simulation s(sc, o);
			if (i % 2) {
				// Every other run in pieces, reading the kernel between them: the same run.
				s.run_until(s.end_ns() / 2);
				ASSERT_TRUE(s.audit().error.empty());
				ASSERT_GT(s.agentfs_read("a/chat/0", "status").rc, 0);
				fp = s.run().fingerprint;
			} else {
				fp = s.run().fingerprint;
			}
		}
		if (i == 0)
			first = fp;
		ASSERT_EQ(fp, first) << "run " << i << " differs from the first";
		if (i >= kWarmup)
			in_use.push_back(heap_in_use_bytes());
	}
	const double per_run = slope(in_use);
	std::printf("many_sims: %zu simulations, heap in use %llu -> %llu bytes, slope %.1f "
		    "bytes/simulation (bound 1024)\n",
		    kRuns, (unsigned long long)in_use.front(), (unsigned long long)in_use.back(),
		    per_run);
	EXPECT_LT(per_run, 1024.0);
}

} // namespace
