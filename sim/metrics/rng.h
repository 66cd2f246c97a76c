// Deterministic randomness for workloads and faults: xoshiro256** (Blackman and Vigna, 2018),
// seeded through SplitMix64, with every distribution written here in integer arithmetic.
// std::*_distribution is not used anywhere: its output is implementation-defined, and a
// scenario plus a seed must give the same bits on every machine and standard library.
//
// Streams: derive(seed, name) gives a generator per named stream ("tenant/a/arrivals"), keyed
// by BLAKE3(seed || name), so adding a tenant or a stream leaves every other stream unchanged.
#ifndef COCONUT_SIM_METRICS_RNG_H
#define COCONUT_SIM_METRICS_RNG_H

#include <array>
#include <string_view>

#include "types.h"

namespace coconut::metrics {

class Rng {
public:
	// The four state words are SplitMix64(seed) outputs 1..4 (never all zero).
	explicit Rng(u64 seed);

	// An independent stream per name: the state is the first 32 bytes of
	// BLAKE3-derive_key("coconut-sim rng stream v1", seed as 8 bytes LE || stream bytes).
	static Rng derive(u64 seed, std::string_view stream);

	// The next 64 random bits.
	u64 next()
	{
		const u64 result = rotl(s_[1] * 5, 7) * 9;
		const u64 t = s_[1] << 17;
		s_[2] ^= s_[0];
		s_[3] ^= s_[1];
		s_[1] ^= s_[2];
		s_[0] ^= s_[3];
		s_[2] ^= t;
		s_[3] = rotl(s_[3], 45);
		return result;
	}

	// Uniform in [0, n), unbiased (Lemire, "Fast random integer generation in an interval",
	// 2019: multiply-shift with rejection of the biased low products). n == 0 returns 0.
	u64 below(u64 n);

	// Uniform in [lo, hi], both inclusive; lo > hi is read as [hi, lo].
	u64 range(u64 lo, u64 hi);

	// True with probability ppm / 10^6 (ppm >= 10^6: always).
	bool chance_ppm(u32 ppm);

	// An exponential sample with mean mean_ns, rounded to the nearest ns; integer arithmetic
	// only. U = m / 2^53 with m uniform in [1, 2^53]; the sample is mean * -ln(U), with -ln(U)
	// from neg_ln_unit_q58 below (absolute error under 2^-54), so a sample is within
	// mean_ns * 2^-54 + 0.5 ns of the exact transform of its U: rounding is the only error
	// for any mean below 2^53 ns (104 days). The largest possible sample is 53 ln 2 * mean =
	// 36.74 * mean (a true exponential exceeds it with probability 2^-53): the tail is capped
	// there by construction. Saturates at 2^64 - 1 for absurd means.
	u64 exp_ns(u64 mean_ns);

	// The raw state, for checkpoints and tests; from_state restores one (an all-zero state,
	// the one xoshiro cannot leave, throws std::invalid_argument).
	std::array<u64, 4> state() const { return s_; }
	static Rng from_state(const std::array<u64, 4> &s);

private:
	Rng() = default;
	static u64 rotl(u64 x, int k) { return (x << k) | (x >> (64 - k)); }

	std::array<u64, 4> s_{};
};

// -ln(m / 2^53) for m in [1, 2^53] as a fixed-point number with 58 fractional bits (the
// integer part is at most 36). Method: m = 2^e y with y in [1, 2) exactly as Q62; two
// 256-entry tables of reciprocals r ~ 1 / (1 + i/2^8) and 1 / (1 + i/2^16) (rounded up)
// bring y r1 r2 into [1, 1 + 2^-15], whose ln is x - x^2/2 + x^3/3; the tables' ln(1/r)
// are computed at compile time by exact integer bit-by-bit log2. Absolute error below
// 2^-54 (16 units of the result; the tests measure it against long double std::log over
// edges and 400000 random m). m outside the range is clamped. Exposed for those tests.
u64 neg_ln_unit_q58(u64 m);

} // namespace coconut::metrics

#endif
