// See mix_gen.h. Integer arithmetic throughout (rates in thousandths per second), so a seed
// gives the same YAML on every machine.
#include "mix_gen.h"

#include "broker_cost.h"
#include "profile.h"
#include "rng.h"

#include <algorithm>
#include <cassert>
#include <array>

namespace coconut::props {

namespace {

using u64 = std::uint64_t;
using u32 = std::uint32_t;
using u128 = unsigned __int128;

constexpr u64 kUs = 1000, kMs = 1000000, kKiB = 1024, kMiB = 1024 * 1024, kGiB = kMiB * 1024;
constexpr u64 kNsPerS = 1000000000;
// The mixes' replica: LLaMA-2-7B on the h100-sxm profile, 512-token batches of 64 sequences.
constexpr u64 kBatchTokens = 512, kMaxSeqs = 64;
constexpr u64 kFloodPromptMean = (256 + 2048) / 2, kFloodGenMean = (32 + 256) / 2;
constexpr u64 kVictimRateMilliMax = 200000; // 200 requests a second: bounds a mix's events
// 120 requests (50 per resource are the gate's minimum, with margin for Poisson) after the
// warm-up in the longest run (600 s, warm-up 5 s): 120 / 595 s.
constexpr u64 kVictimRateMilliMin = 202;
constexpr u32 kShrinkStepsMax = 8;
constexpr u32 kFloodFactor = 10; // flooders ask ten times their share

// lo * (2^(1/4))^k for k uniform over the quarter-octaves up to hi: sizes spread evenly on a
// log scale, so 64 KiB and 1 GiB are both common.
u64 log_uniform(metrics::Rng &rng, u64 lo, u64 hi)
{
	u32 steps = 0;
	for (u64 v = lo; v * 1189 / 1000 <= hi && steps < 256; v = v * 1189 / 1000)
		steps++;
	u64 v = lo;
	for (u64 k = rng.below(steps + 1); k > 0; k--)
		v = v * 1189 / 1000;
	return std::min(v, hi);
}

std::string rate_text(u64 milli_per_s)
{
	milli_per_s = std::max<u64>(1, milli_per_s);
	std::string frac = std::to_string(milli_per_s % 1000);
	return std::to_string(milli_per_s / 1000) + "." + std::string(3 - frac.size(), '0') + frac +
	       "/s";
}

std::string us_text(u64 ns)
{
	return std::to_string(std::max<u64>(1, ns / kUs)) + "us";
}

std::string kib_text(u64 bytes)
{
	return std::to_string(std::max<u64>(1, bytes / kKiB)) + "KiB";
}

std::string range(const std::string &lo, const std::string &hi)
{
	return "{ min: " + lo + ", max: " + hi + " }";
}

const char *const kCaps = "[ \"inference:kvwarden\", \"gpu:0/**\" ]";

std::string tenant_head(const std::string &name)
{
	return "  - name: " + name + "\n    caps: " + kCaps + "\n    groups:\n";
}

std::string group(const std::string &name, u32 count, const std::string &workload)
{
	return "      - name: " + name + "\n        count: " + std::to_string(count) +
	       "\n        manifest: { caps: " + kCaps + " }\n        workload:\n" + workload;
}

// A saturated replica's rate in scheduler units (tokens, generated ones weighing 2) for
// requests of these mean sizes, from the broker's cost model: in the steady state prefill and
// decode tokens flow in the ratio prompt : gen - 1 (the first token comes with the prefill), so
// a batch holds that mix up to its token and sequence limits: decodes at the mean context, the
// prefill as one chunk at the mean offset. Used only to size loads; decode-heavy requests
// serve far fewer units a second than prefill (every decode reads its context's KV cache).
u64 inference_units_per_s(u64 prompt, u64 gen)
{
	static const devices::BrokerCost
		cost(devices::ProfileLibrary(devices::default_profile_dir()).gpu("h100-sxm"),
		     devices::ModelShape{}, 1, 1, kBatchTokens);
	const u64 decode = gen > 0 ? gen - 1 : 0;
	u64 n_d = kBatchTokens * decode / (prompt + decode);
	u64 p = kBatchTokens - n_d;
	if (n_d > kMaxSeqs - 1) { // the sequence limit binds first
		n_d = kMaxSeqs - 1;
		p = std::min<u64>(kBatchTokens - n_d, n_d * prompt / decode);
	}
	devices::BatchShape b;
	if (p > 0)
		b.add_prefill(p, prompt > p ? (prompt - p) / 2 : 0);
	for (u64 k = 0; k < n_d; k++)
		b.add_decode(prompt + gen / 2);
	const u64 units = p + 2 * n_d;
	return std::max<u64>(1, (u64)((u128)units * kNsPerS / cost.iteration_ns(b)));
}

struct Capacity {
	u64 cpu_ns_per_s;
	u64 pcie_bytes_per_s;
	u64 tenants;
	u64 flood_units_per_s; // inference_units_per_s of the flood's requests
};

// One victim: a group of 1..3 agents whose every request computes and, with probability 2/3
// each, moves data to the GPU and asks the model. Returns the tenant's YAML; *rate_milli is
// its whole request rate.
std::string victim(metrics::Rng &rng, u32 i, const Capacity &cap, MixShape &shape, u64 *rate_milli)
{
	const u32 agents = 1 + (u32)rng.below(3);
	const bool pcie = rng.below(3) != 0, inference = rng.below(3) != 0;
	u64 cpu_lo = log_uniform(rng, 500 * kUs, 200 * kMs);
	u64 cpu_hi = std::min<u64>(200 * kMs, cpu_lo * (1 + rng.below(4)));
	u64 dma_lo = log_uniform(rng, 64 * kKiB, kGiB);
	u64 dma_hi = std::min<u64>(kGiB, dma_lo * (1 + rng.below(4)));
	u64 p_lo = 16 + rng.below(1009), p_hi = std::min<u64>(2048, p_lo + rng.below(1025));
	u64 g_lo = 1 + rng.below(128), g_hi = std::min<u64>(256, g_lo + rng.below(129));
	const u64 load = 50 + rng.below(751); // permille of its share, on every resource it uses
	// The rate that puts it at `load` of its share on the resource it uses most.
	const auto rate_at_load = [&] {
		u64 r = (u64)((u128)load * cap.cpu_ns_per_s /
			      (cap.tenants * ((cpu_lo + cpu_hi) / 2)));
		if (pcie)
			r = std::min(r, (u64)((u128)load * cap.pcie_bytes_per_s /
					      (cap.tenants * ((dma_lo + dma_hi) / 2))));
		if (inference) {
			// Its share of what the replica serves: of the flood's requests or its own,
			// the smaller (the batch holds both).
			const u64 units_per_s = std::min(cap.flood_units_per_s,
							 inference_units_per_s((p_lo + p_hi) / 2,
									       (g_lo + g_hi) / 2));
			r = std::min(r,
				     load * units_per_s /
					     (cap.tenants * ((p_lo + p_hi) / 2 + (g_lo + g_hi))));
		}
		return r;
	};
	u64 rate = rate_at_load();
	// Too slow for the gate's samples within the longest run: its requests shrink (all sizes
	// by the same factor) until the rate at its load reaches the floor. Raising the rate
	// instead would put it over its share, and it would be no victim.
	for (u32 step = 0; step < kShrinkStepsMax && rate < kVictimRateMilliMin; step++) {
		const u64 f = (kVictimRateMilliMin + rate - 1) / std::max<u64>(rate, 1);
		cpu_lo = std::max<u64>(kUs, cpu_lo / f), cpu_hi = std::max(cpu_lo, cpu_hi / f);
		dma_lo = std::max<u64>(4 * kKiB, dma_lo / f), dma_hi = std::max(dma_lo, dma_hi / f);
		p_lo = std::max<u64>(1, p_lo / f), p_hi = std::max(p_lo, p_hi / f);
		g_lo = std::max<u64>(1, g_lo / f), g_hi = std::max(g_lo, g_hi / f);
		rate = rate_at_load();
	}
	assert(rate >= kVictimRateMilliMin);
	rate = std::min<u64>(rate, kVictimRateMilliMax);
	rate = std::max<u64>(rate, agents);
	*rate_milli = rate;
	shape.load_permille_max = std::max<u32>(shape.load_permille_max, (u32)load);
	shape.cpu_job_ns_min =
		shape.cpu_job_ns_min ? std::min(shape.cpu_job_ns_min, cpu_lo) : cpu_lo;
	if (pcie)
		shape.dma_bytes_max = std::max(shape.dma_bytes_max, dma_hi);
	std::string req =
		"          request:\n            cpu: " + range(us_text(cpu_lo), us_text(cpu_hi)) +
		"\n";
	if (pcie)
		req += "            dma: " + range(kib_text(dma_lo), kib_text(dma_hi)) + "\n";
	if (inference)
		req += "            prompt_tokens: " +
		       range(std::to_string(p_lo), std::to_string(p_hi)) +
		       "\n            gen_tokens: " +
		       range(std::to_string(g_lo), std::to_string(g_hi)) + "\n";
	const std::string wl =
		"          kind: poisson\n          rate: " + rate_text(rate / agents) + "\n" + req;
	return tenant_head("v" + std::to_string(i)) + group("app", agents, wl);
}

// One flooder: one group per flooded resource (1..3 of them), each asking ten times the
// tenant's share of it, up to 400 requests outstanding.
std::string flooder(metrics::Rng &rng, u32 i, const Capacity &cap, MixShape &shape)
{
	std::array<const char *, 3> res{ "cpu", "pcie", "inference" };
	for (u32 k = 2; k > 0; k--) // Fisher-Yates
		std::swap(res[k], res[rng.below(k + 1)]);
	const u32 n = 1 + (u32)rng.below(3);
	std::string y = tenant_head("f" + std::to_string(i));
	for (u32 k = 0; k < n; k++) {
		const std::string r = res[k];
		shape.flooded.push_back(r);
		u64 rate;
		std::string req;
		if (r == "cpu") {
			rate = kFloodFactor * 1000 * cap.cpu_ns_per_s / (cap.tenants * 55 * kMs);
			req = "            cpu: " + range("10ms", "100ms") + "\n";
		} else if (r == "pcie") {
			rate = (u64)((u128)kFloodFactor * 1000 * cap.pcie_bytes_per_s /
				     (cap.tenants * (544 * kMiB)));
			req = "            cpu: 100us\n            dma: " + range("64MiB", "1GiB") +
			      "\n";
		} else {
			rate = kFloodFactor * 1000 * cap.flood_units_per_s /
			       (cap.tenants * (kFloodPromptMean + 2 * kFloodGenMean));
			req = "            cpu: 100us\n            prompt_tokens: " +
			      range("256", "2048") +
			      "\n            gen_tokens: " + range("32", "256") + "\n";
		}
		y += group(r, 1,
			   "          kind: flooder\n          rate: " + rate_text(rate) +
				   "\n          max_outstanding: 400\n          request:\n" + req);
	}
	return y;
}

} // namespace

std::string generate_mix(u64 seed, MixShape *out, const std::string &sched_lag)
{
	metrics::Rng rng = metrics::Rng::derive(seed, "isolation-mix");
	MixShape shape;
	static const u32 kCpus[] = { 4, 8, 16 };
	shape.cpus = kCpus[rng.below(3)];
	const bool gen5 = rng.below(2) == 0;
	shape.pcie = gen5 ? "pcie-gen5-x16" : "pcie-gen4-x16";
	shape.victims = 1 + (u32)rng.below(8);
	shape.flooders = 1 + (u32)rng.below(3);
	const Capacity cap{ shape.cpus * kNsPerS, gen5 ? 50000000000ull : 25000000000ull,
			    shape.victims + shape.flooders,
			    inference_units_per_s(kFloodPromptMean, kFloodGenMean) };
	std::string tenants;
	u64 slowest = ~0ull;
	for (u32 v = 0; v < shape.victims; v++) {
		u64 rate = 0;
		tenants += victim(rng, v, cap, shape, &rate);
		slowest = std::min(slowest, rate);
	}
	for (u32 f = 0; f < shape.flooders; f++)
		tenants += flooder(rng, f, cap, shape);
	// Long enough for the slowest victim's 120 requests after warm-up (50 per resource are
	// the gate's minimum), between one and ten minutes.
	shape.duration_s = std::clamp<u64>(5 + (120 * 1000 + slowest - 1) / slowest, 60, 600);
	std::string y = "# isolation mix " + std::to_string(seed) +
			" (harness/props/mix_gen.cc): generated, not edited\n";
	y += "name: mix-" + std::to_string(seed) + "\nseed: " + std::to_string(seed) +
	     "\nduration: " + std::to_string(shape.duration_s) + "s\nwarmup: 5s\npolicy: fair\n";
	y += "machine:\n  cpus: " + std::to_string(shape.cpus) + "\n  cpu_slice: 4ms\n" +
	     (sched_lag.empty() ? "" : "  sched_lag: " + sched_lag + "\n") +
	     "  gpus:\n    - profile: h100-sxm\n  pcie: " + shape.pcie +
	     "\n  broker:\n    batch_tokens: " + std::to_string(kBatchTokens) +
	     "\n    max_seqs: " + std::to_string(kMaxSeqs) +
	     "\n"
	     "    model: { name: llama-2-7b, params: 6740000000, bytes_per_param: 2 }\n";
	y += "tenants:\n" + tenants;
	y += "gates:\n  - kind: isolation\n    bound: 1.5\n";
	if (out)
		*out = shape;
	return y;
}

std::string describe(const MixShape &s)
{
	std::string d = std::to_string(s.cpus) + " cpus " +
			(s.pcie == "pcie-gen5-x16" ? "gen5" : "gen4") + ", " +
			std::to_string(s.victims) +
			" victims (load <= " + std::to_string(s.load_permille_max / 10) +
			"%, cpu >= " + std::to_string(s.cpu_job_ns_min / 1000) + "us";
	if (s.dma_bytes_max)
		d += ", dma <= " + std::to_string(s.dma_bytes_max / kKiB) + "KiB";
	d += "), " + std::to_string(s.flooders) + " flooders (";
	for (size_t i = 0; i < s.flooded.size(); i++)
		d += (i ? " " : "") + s.flooded[i];
	return d + "), " + std::to_string(s.duration_s) + "s";
}

} // namespace coconut::props
