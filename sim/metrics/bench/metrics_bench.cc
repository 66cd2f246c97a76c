// ns per operation of the metrics hot paths. Pairs for scripts/bench_ratios.py:
// rng_exp/ours/draw (exp_ns) against rng_exp/ref/draw (one next()): the cost of the integer
// logarithm over the raw generator.
#include <benchmark/benchmark.h>

#include <vector>

#include "histogram.h"
#include "rng.h"

namespace {

using coconut::metrics::LogHistogram;
using coconut::metrics::Rng;
using coconut::metrics::u64;

// Values drawn beforehand so the loop times record() alone (latency-like: exponential, 1 ms).
std::vector<u64> latencies()
{
	std::vector<u64> v(1 << 16);
	Rng r(1);
	for (auto &x : v)
		x = r.exp_ns(1000000);
	return v;
}

void histogram_record(benchmark::State &s)
{
	const auto values = latencies();
	LogHistogram h;
	size_t i = 0;
	for (auto _ : s) {
		h.record(values[i]);
		i = (i + 1) & (values.size() - 1);
	}
	benchmark::DoNotOptimize(h.count());
	if (h.count() != static_cast<u64>(s.iterations()))
		s.SkipWithError("histogram lost samples");
}
BENCHMARK(histogram_record)->Name("histogram_record");

void histogram_quantile(benchmark::State &s)
{
	const auto values = latencies();
	LogHistogram h;
	for (u64 v : values)
		h.record(v);
	for (auto _ : s)
		benchmark::DoNotOptimize(h.value_at_quantile_milli(990));
}
BENCHMARK(histogram_quantile)->Name("histogram_quantile_p99");

void rng_next(benchmark::State &s)
{
	Rng r(2);
	for (auto _ : s)
		benchmark::DoNotOptimize(r.next());
}
BENCHMARK(rng_next)->Name("rng_exp/ref/draw");

void rng_exp(benchmark::State &s)
{
	Rng r(2);
	u64 sum = 0;
	for (auto _ : s)
		sum += r.exp_ns(1000000);
	benchmark::DoNotOptimize(sum);
	// Sanity: the mean of many samples is near 1 ms.
	if (s.iterations() > 100000) {
		const u64 mean = sum / static_cast<u64>(s.iterations());
		if (mean < 950000 || mean > 1050000)
			s.SkipWithError("exp_ns mean off");
	}
}
BENCHMARK(rng_exp)->Name("rng_exp/ours/draw");

void rng_below(benchmark::State &s)
{
	Rng r(3);
	for (auto _ : s)
		benchmark::DoNotOptimize(r.below(1000003));
}
BENCHMARK(rng_below)->Name("rng_below");

} // namespace

BENCHMARK_MAIN();
