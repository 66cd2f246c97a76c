#include "rng.h"

#include <stdexcept>
#include <utility>

#include "coconut/blake3.h"

namespace coconut::metrics {

namespace {

// ln 2 * 2^64, rounded to nearest (0.69314718055994530942 * 2^64 = 12786308645202655659.79).
constexpr u64 kLn2Q64 = 0xb17217f7d1cf79acull;
// U has 53 random bits (the precision of a double, the usual convention).
constexpr unsigned kUnitBits = 53;
// Fixed point of the logarithms: -ln U <= 53 ln 2 < 37 < 2^6 leaves 58 fractional bits.
constexpr unsigned kLnFracBits = 58;
// The mantissa y of m = 2^e * y, y in [1, 2), as Q62: exact for m < 2^63.
constexpr unsigned kMantissaBits = 62;
// Each table stage removes 8 more bits of y - 1 (stage 1: bits 1..8, stage 2: bits 9..16).
constexpr unsigned kStageBits = 8;
constexpr unsigned kStageEntries = 1u << kStageBits;

constexpr char kStreamContext[] = "coconut-sim rng stream v1";

// ln(2^63 / r) as Q58, for r in (2^62, 2^63]: ln 2 * (1 - log2(r / 2^62)), the log2 taken bit
// by bit over 64 fractional bits in 128-bit arithmetic (compile time only: exact integers,
// error below 2^-62 before the final rounding).
constexpr u64 ln_q58_of_reciprocal(u64 r)
{
	u128 w = r; // r / 2^62 in [1, 2] as Q62
	if (w == (static_cast<u128>(1) << 63))
		return 0;
	u128 frac = 0; // log2(w) as Q64
	for (int bit = 63; bit >= 0; bit--) {
		w = (w * w) >> kMantissaBits;
		if (w >= (static_cast<u128>(2) << kMantissaBits)) {
			w >>= 1;
			frac |= static_cast<u128>(1) << bit;
		}
	}
	const u128 one_minus = (static_cast<u128>(1) << 64) - frac; // 1 - log2 w, Q64
	const u128 ln_q64 = (one_minus * kLn2Q64) >> 64;
	return static_cast<u64>((ln_q64 + (1u << (64 - kLnFracBits - 1))) >> (64 - kLnFracBits));
}

// Stage k (shift = 8 k): reciprocal[i] = ceil(2^63 / (1 + i / 2^shift)), rounded up so that
// y * reciprocal never drops below 1, and ln_q58[i] = ln(2^63 / reciprocal[i]).
struct Stage {
	u64 reciprocal[kStageEntries];
	u64 ln_q58[kStageEntries];
};

constexpr Stage make_stage(unsigned shift)
{
	Stage s{};
	for (unsigned i = 0; i < kStageEntries; i++) {
		const u128 num = static_cast<u128>(1) << (63 + shift);
		const u128 den = (static_cast<u128>(1) << shift) + i;
		s.reciprocal[i] = static_cast<u64>((num + den - 1) / den);
		s.ln_q58[i] = ln_q58_of_reciprocal(s.reciprocal[i]);
	}
	return s;
}

constexpr Stage kStage1 = make_stage(kStageBits);
constexpr Stage kStage2 = make_stage(2 * kStageBits);
static_assert(kStage1.reciprocal[0] == 1ull << 63 && kStage1.ln_q58[0] == 0);
// ln(2^63 / ceil(2^63 / 1.5)) = ln 1.5 (to 2^-63): 2^58 ln 1.5 = 116867360626410687.17 (Python
// decimal, 50 digits).
static_assert(kStage1.ln_q58[128] >= 116867360626410686ull &&
	      kStage1.ln_q58[128] <= 116867360626410688ull);

u64 splitmix64(u64 &x)
{
	u64 z = (x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

u64 load_le64(const u8 *p)
{
	u64 v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

} // namespace

Rng::Rng(u64 seed)
{
	for (auto &w : s_)
		w = splitmix64(seed);
}

Rng Rng::derive(u64 seed, std::string_view stream)
{
	struct co_blake3_hasher h;
	co_blake3_init_derive_key(&h, kStreamContext, sizeof(kStreamContext) - 1);
	u8 seed_le[8];
	for (int i = 0; i < 8; i++)
		seed_le[i] = static_cast<u8>(seed >> (8 * i));
	co_blake3_update(&h, seed_le, sizeof(seed_le));
	co_blake3_update(&h, stream.data(), stream.size());
	u8 out[32];
	co_blake3_finalize(&h, out);
	Rng r;
	for (int i = 0; i < 4; i++)
		r.s_[i] = load_le64(out + 8 * i);
	// xoshiro's one forbidden state; reaching it needs a 2^-256 hash collision, but stay safe.
	if ((r.s_[0] | r.s_[1] | r.s_[2] | r.s_[3]) == 0)
		return Rng(seed);
	return r;
}

Rng Rng::from_state(const std::array<u64, 4> &s)
{
	if ((s[0] | s[1] | s[2] | s[3]) == 0)
		throw std::invalid_argument("Rng::from_state: all-zero state");
	Rng r;
	r.s_ = s;
	return r;
}

u64 Rng::below(u64 n)
{
	if (n == 0)
		return 0;
	u128 m = static_cast<u128>(next()) * n;
	u64 low = static_cast<u64>(m);
	if (low < n) {
		// 2^64 mod n: products whose low half falls below it are the biased ones.
		const u64 threshold = (0 - n) % n;
		while (low < threshold) {
			m = static_cast<u128>(next()) * n;
			low = static_cast<u64>(m);
		}
	}
	return static_cast<u64>(m >> 64);
}

u64 Rng::range(u64 lo, u64 hi)
{
	if (lo > hi)
		std::swap(lo, hi);
	const u64 span = hi - lo;
	if (span == ~0ull)
		return next();
	return lo + below(span + 1);
}

bool Rng::chance_ppm(u32 ppm)
{
	// Always one draw, whatever ppm is, so changing a probability never shifts the stream.
	return below(1000000) < ppm;
}

u64 neg_ln_unit_q58(u64 m)
{
	if (m == 0)
		m = 1;
	if (m > (1ull << kUnitBits))
		m = 1ull << kUnitBits;
	// -ln U = (53 - e) ln 2 - ln y with m = 2^e y, y in [1, 2).
	const unsigned e = 63u - static_cast<unsigned>(__builtin_clzll(m));
	const u64 y = m << (kMantissaBits - e); // exact: e <= 53
	const u64 one = 1ull << kMantissaBits;
	// Multiplicative normalization (ln y = ln(y r1 r2) + ln(1/r1) + ln(1/r2)): after two
	// table stages z2 = y r1 r2 is in [1, 1 + 2^-15].
	const unsigned i =
		static_cast<unsigned>(y >> (kMantissaBits - kStageBits)) & (kStageEntries - 1);
	const u64 z1 = static_cast<u64>((static_cast<u128>(y) * kStage1.reciprocal[i]) >> 63);
	u64 j = (z1 - one) >> (kMantissaBits - 2 * kStageBits);
	if (j >= kStageEntries) // z1 - 1 may reach exactly 2^-8 at the top of a stage-1 bucket
		j = kStageEntries - 1;
	const u64 z2 = static_cast<u64>((static_cast<u128>(z1) * kStage2.reciprocal[j]) >> 63);
	// ln(1 + x) = x - x^2/2 + x^3/3 - ...; x <= 2^-15 leaves a term below 2^-62.
	const u64 x = z2 - one;
	const u64 x2 = static_cast<u64>((static_cast<u128>(x) * x) >> kMantissaBits);
	const u64 x3 = static_cast<u64>((static_cast<u128>(x2) * x) >> kMantissaBits);
	const u64 ln_z2_q62 = x - x2 / 2 + x3 / 3;
	const unsigned q_shift = kMantissaBits - kLnFracBits;
	const u64 ln_y_q58 = kStage1.ln_q58[i] + kStage2.ln_q58[j] +
			     ((ln_z2_q62 + (1ull << (q_shift - 1))) >> q_shift);
	// (53 - e) ln 2 from the Q64 constant, so its rounding is not multiplied by 53 - e.
	const u128 k_ln2 = static_cast<u128>(kUnitBits - e) * kLn2Q64;
	const u64 k_ln2_q58 = static_cast<u64>(
		(k_ln2 + (static_cast<u128>(1) << (63 - kLnFracBits))) >> (64 - kLnFracBits));
	// Near y = 2 (e = 52) both terms are about ln 2: rounding may not push the result below 0.
	return k_ln2_q58 > ln_y_q58 ? k_ln2_q58 - ln_y_q58 : 0;
}

u64 Rng::exp_ns(u64 mean_ns)
{
	const u64 m = (next() >> (64 - kUnitBits)) + 1; // uniform in [1, 2^53]
	const u64 x_q58 = neg_ln_unit_q58(m);
	const u128 ns =
		(static_cast<u128>(mean_ns) * x_q58 + (1ull << (kLnFracBits - 1))) >> kLnFracBits;
	return ns > ~0ull ? ~0ull : static_cast<u64>(ns);
}

} // namespace coconut::metrics
