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
// Fractional bits of log2 computed by repeated squaring: one bit per squaring.
constexpr unsigned kLog2FracBits = 32;
// Mantissa bits kept while squaring: y in [1, 2) as Q1.31, so y * y fits in 64 bits.
constexpr unsigned kMantissaBits = 31;

constexpr char kStreamContext[] = "coconut-sim rng stream v1";

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

u64 neg_ln_unit_q32(u64 m)
{
	if (m == 0)
		m = 1;
	if (m > (1ull << kUnitBits))
		m = 1ull << kUnitBits;
	// log2 m = e + log2(y) with y = m / 2^e in [1, 2).
	const unsigned e = 63u - static_cast<unsigned>(__builtin_clzll(m));
	u64 y = e >= kMantissaBits ? m >> (e - kMantissaBits) : m << (kMantissaBits - e);
	// Bit by bit: squaring y doubles log2 y; when the square reaches 2 the next bit is 1.
	u64 frac = 0;
	for (unsigned i = 0; i < kLog2FracBits; i++) {
		y = (y * y) >> kMantissaBits;
		frac <<= 1;
		if (y >= (2ull << kMantissaBits)) {
			y >>= 1;
			frac |= 1;
		}
	}
	const u64 log2_m_q32 = (static_cast<u64>(e) << kLog2FracBits) | frac;
	const u64 neg_log2_u_q32 = (static_cast<u64>(kUnitBits) << kLog2FracBits) - log2_m_q32;
	// -ln U = ln 2 * -log2 U; the product is Q96, rounded back to Q32.
	const u128 p = static_cast<u128>(neg_log2_u_q32) * kLn2Q64;
	return static_cast<u64>((p + (static_cast<u128>(1) << 63)) >> 64);
}

u64 Rng::exp_ns(u64 mean_ns)
{
	const u64 m = (next() >> (64 - kUnitBits)) + 1; // uniform in [1, 2^53]
	const u64 x_q32 = neg_ln_unit_q32(m);
	const u128 ns = (static_cast<u128>(mean_ns) * x_q32 + (1ull << 31)) >> 32;
	return ns > ~0ull ? ~0ull : static_cast<u64>(ns);
}

} // namespace coconut::metrics
