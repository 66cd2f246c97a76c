// BLAKE3 throughput, ours (one-shot co_blake3_hash, in process) against the Debian `b3sum`
// tool on the same bytes (one single-threaded process run per iteration, input in a file
// under /dev/shm). b3sum's time includes its process start-up, measured alone on an empty
// file; the summary at the end also gives the ratio with that start-up taken out.
#include "coconut/blake3.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "blake3_b3sum.h"

namespace {

struct Case {
	const char *name;
	size_t bytes;
};

const Case kCases[] = {
	{"64B", 64}, {"1KiB", 1024}, {"64KiB", 64 * 1024}, {"16MiB", 16 * 1024 * 1024},
};

// Seconds per iteration of the last (longest) run of each benchmark, for the summary.
std::map<std::string, double> g_seconds_per_iter;

using Clock = std::chrono::steady_clock;

void record(const std::string &name, Clock::time_point start, const benchmark::State &s)
{
	if (s.iterations() > 0)
		g_seconds_per_iter[name] =
			std::chrono::duration<double>(Clock::now() - start).count() /
			static_cast<double>(s.iterations());
}

std::vector<uint8_t> input(size_t n)
{
	std::vector<uint8_t> b(n);
	uint64_t x = 0x0123456789abcdefull;
	for (auto &byte : b) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		byte = static_cast<uint8_t>(x >> 24);
	}
	return b;
}

std::vector<std::string> b3sum_args(const std::string &path)
{
	return {"--num-threads", "1", "--no-names", path};
}

void run_ref(benchmark::State &s, const std::string &name, const std::string &path, size_t bytes)
{
	const auto args = b3sum_args(path);
	const auto start = Clock::now();
	for (auto _ : s) {
		const auto r = blake3_b3sum::run(args, "", /*capture=*/false);
		if (r.exit_status != 0) {
			s.SkipWithError("b3sum failed");
			return;
		}
	}
	record(name, start, s);
	s.SetBytesProcessed(static_cast<int64_t>(s.iterations() * bytes));
}

double gb_per_s(size_t bytes, double seconds)
{
	return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0.0;
}

void print_summary()
{
	auto get = [](const std::string &name) {
		auto it = g_seconds_per_iter.find(name);
		return it == g_seconds_per_iter.end() ? 0.0 : it->second;
	};
	const double startup_s = get("blake3_hash/ref_startup/0B");
	std::fprintf(stderr, "\nblake3_hash summary (one run; b3sum --num-threads 1 start-up %.3f ms)\n",
		     startup_s * 1e3);
	std::fprintf(stderr, "%-8s %12s %12s %16s %10s %16s\n", "case", "ours GB/s", "b3sum GB/s",
		     "b3sum-startup", "ratio", "ratio-startup");
	for (const Case &c : kCases) {
		const double ours = get(std::string("blake3_hash/ours/") + c.name);
		const double ref = get(std::string("blake3_hash/ref/") + c.name);
		if (ours <= 0 || ref <= 0)
			continue;
		// Where start-up is most of b3sum's time, the difference is noise: not printed.
		const double ref_net = ref - startup_s;
		if (startup_s > 0 && ref_net > 0.25 * ref)
			std::fprintf(stderr, "%-8s %12.3f %12.3f %16.3f %10.3f %16.3f\n", c.name,
				     gb_per_s(c.bytes, ours), gb_per_s(c.bytes, ref),
				     gb_per_s(c.bytes, ref_net), ref / ours, ref_net / ours);
		else
			std::fprintf(stderr, "%-8s %12.3f %12.3f %16s %10.3f %16s\n", c.name,
				     gb_per_s(c.bytes, ours), gb_per_s(c.bytes, ref), "n/a",
				     ref / ours, "n/a");
	}
	std::fprintf(stderr, "ratio = our throughput / b3sum's (target at 16MiB: >= 0.25, raw); "
			     "ratio-startup uses b3sum's time minus its start-up\n");
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<std::unique_ptr<blake3_b3sum::TempFile>> files;
	std::vector<std::vector<uint8_t>> inputs;

	// Each input checked once against b3sum, so a wrong hash can never be timed.
	for (const Case &c : kCases) {
		inputs.push_back(input(c.bytes));
		files.push_back(std::make_unique<blake3_b3sum::TempFile>(inputs.back()));
		uint8_t out[CO_BLAKE3_OUT_BYTES];
		co_blake3_hash(inputs.back().data(), c.bytes, out);
		const auto r = blake3_b3sum::run(b3sum_args(files.back()->path()));
		const std::string want = blake3_b3sum::to_hex(out, sizeof(out)) + "\n";
		if (r.exit_status != 0 || r.out != want) {
			std::fprintf(stderr, "blake3_bench: %s: b3sum says %s, we say %s", c.name,
				     r.out.c_str(), want.c_str());
			return 1;
		}
	}
	blake3_b3sum::TempFile empty({});

	benchmark::RegisterBenchmark("blake3_hash/ref_startup/0B", [&](benchmark::State &s) {
		run_ref(s, "blake3_hash/ref_startup/0B", empty.path(), 0);
	})->UseRealTime();
	for (size_t i = 0; i < std::size(kCases); i++) {
		const Case c = kCases[i];
		const uint8_t *data = inputs[i].data();
		const std::string ours = std::string("blake3_hash/ours/") + c.name;
		const std::string ref = std::string("blake3_hash/ref/") + c.name;
		const std::string path = files[i]->path();

		benchmark::RegisterBenchmark(ours.c_str(), [=](benchmark::State &s) {
			uint8_t out[CO_BLAKE3_OUT_BYTES];
			const auto start = Clock::now();
			for (auto _ : s) {
				co_blake3_hash(data, c.bytes, out);
				benchmark::DoNotOptimize(out);
				benchmark::ClobberMemory();
			}
			record(ours, start, s);
			s.SetBytesProcessed(static_cast<int64_t>(s.iterations() * c.bytes));
		})->UseRealTime();
		benchmark::RegisterBenchmark(ref.c_str(), [=](benchmark::State &s) {
			run_ref(s, ref, path, c.bytes);
		})->UseRealTime();
	}

	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	print_summary();
	return 0;
}
