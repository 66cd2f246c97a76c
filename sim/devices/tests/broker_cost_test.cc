// BrokerCost: each term of the iteration cost on its own (docs/devices.md, "Inference broker"),
// the partition share, the exact integer square root and the linear table past its end.
#include "broker_cost.h"

#include "test_support.h"

#include <cmath>

namespace coconut::devices::test {
namespace {

// Attention rates slow enough to see (A100-like, from the fit), on h100_like()'s linear rates.
GpuProfile with_attention()
{
	GpuProfile p = h100_like(20000);
	p.kv_read_bytes_per_s = 1800000000000ull;     // 1.8 TB/s
	p.attention_flops_per_s = 100000000000000ull; // 100 TFLOP/s
	p.attention_layer_overhead_ns = 13000;
	return p;
}

TEST(BrokerCost, IntegerSquareRootIsExactAtSquaresAndTheirNeighbours)
{
	using u128 = unsigned __int128;
	EXPECT_EQ(isqrt_u128(0), 0u);
	EXPECT_EQ(isqrt_u128(1), 1u);
	EXPECT_EQ(isqrt_u128(3), 1u);
	EXPECT_EQ(isqrt_u128(4), 2u);
	for (u64 x : { 2ull, 1000ull, 5223880597ull, 0xffffffffull, 0x100000000ull,
		       0xfffffffffffffull, 0xffffffffffffffffull }) {
		const u128 sq = static_cast<u128>(x) * x;
		EXPECT_EQ(isqrt_u128(sq), x);
		EXPECT_EQ(isqrt_u128(sq - 1), x - 1);
		if (x < 0xffffffffffffffffull) {
			EXPECT_EQ(isqrt_u128(sq + 2 * static_cast<u128>(x)), x); // (x+1)^2 - 1
		}
	}
	EXPECT_EQ(isqrt_u128(~static_cast<u128>(0)), 0xffffffffffffffffull);
}

TEST(BrokerCost, EachTermAddsWhatItsRateSays)
{
	const ModelShape m =
		test_params().model; // 7e9 params, 32 layers, hidden 4096, 512 KiB/token
	const BrokerCost c(with_attention(), m, 1, 1, 2048);
	BatchShape empty;
	EXPECT_EQ(c.iteration_ns(empty), 0u) << "an empty batch costs nothing";
	BatchShape d0;
	d0.add_decode(0);
	EXPECT_EQ(c.floor_ns(), c.iteration_ns(d0));
	// The floor: overhead, the soft roofline at one token and 32 layers of attention overhead.
	const double linear1_ns = std::hypot(14e9 / 2.68e12, 2 * 7e9 / 4.945e14) * 1e9;
	EXPECT_NEAR(static_cast<double>(c.floor_ns()), 20000 + linear1_ns + 32 * 13000, 2);
	// Decode attention: a context of n tokens reads n * 512 KiB at 1.8 TB/s.
	for (u64 ctx : { 1ull, 1000ull, 32768ull }) {
		BatchShape d;
		d.add_decode(ctx);
		EXPECT_NEAR(static_cast<double>(c.iteration_ns(d) - c.floor_ns()),
			    ctx * 524288.0 / 1.8e12 * 1e9, 1.0)
			<< ctx;
	}
	// Prefill attention: 4 * hidden * layers * chunk * (offset + chunk) FLOPs at 100 TFLOP/s,
	// and the prefix (offset) read as a decode reads its context.
	BatchShape p0, p1;
	p0.add_prefill(1024, 0);
	p1.add_prefill(1024, 4096);
	const double units0 = 1024.0 * 1024, units1 = 1024.0 * (4096 + 1024);
	const double per_unit_ns = 4.0 * 4096 * 32 / 1e14 * 1e9;
	EXPECT_NEAR(static_cast<double>(c.iteration_ns(p1) - c.iteration_ns(p0)),
		    (units1 - units0) * per_unit_ns + 4096 * 524288.0 / 1.8e12 * 1e9, 1.0);
	// Batching decodes shares the weights' read but not the contexts': two decodes cost less
	// than two iterations of one, more than one.
	BatchShape two;
	two.add_decode(8000);
	two.add_decode(8000);
	BatchShape one;
	one.add_decode(8000);
	EXPECT_LT(c.iteration_ns(two), 2 * c.iteration_ns(one));
	EXPECT_GT(c.iteration_ns(two), c.iteration_ns(one));
}

TEST(BrokerCost, APartitionWithAQuarterOfTheGpuTakesFourTimesAsLong)
{
	const ModelShape m = test_params().model;
	const GpuProfile g = with_attention();
	const BrokerCost whole(g, m, 1, 1, 2048), quarter(g, m, 20, 80, 2048);
	BatchShape b;
	b.add_prefill(700, 300);
	b.add_decode(5000);
	b.add_decode(12);
	const u64 fixed = g.iteration_overhead_ns; // the launch overhead does not scale
	// Only the per-layer attention overhead and the overhead are not rates; both stay fixed.
	const u64 fixed_attn = 32 * 13000;
	const double w = static_cast<double>(whole.iteration_ns(b) - fixed - fixed_attn);
	const double q = static_cast<double>(quarter.iteration_ns(b) - fixed - fixed_attn);
	EXPECT_NEAR(q / w, 4.0, 1e-6);
}

TEST(BrokerCost, LinearTimeGrowsWithTokensAndPastTheTable)
{
	const BrokerCost c(with_attention(), test_params().model, 1, 1, 512);
	u64 prev = 0;
	for (u64 n = 0; n <= 20000; n += n < 600 ? 1 : 97) { // across the table's end (512)
		const u64 t = c.linear_ps(n);
		EXPECT_GE(t, prev) << n;
		prev = t;
	}
	// Past the table it is computed the same way: a cost built with a larger table agrees.
	const BrokerCost big(with_attention(), test_params().model, 1, 1, 16384);
	for (u64 n : { 513ull, 4096ull, 16384ull, 16385ull, 100000ull })
		EXPECT_EQ(c.linear_ps(n), big.linear_ps(n)) << n;
	// Far in the compute-bound regime the roofline is the compute: 2 * params FLOPs a token.
	EXPECT_NEAR(c.linear_ps(100000) / 1e12, 2 * 7e9 * 100000 / 4.945e14, 1e-4);
}

TEST(BrokerCost, RefusesAProfileWithoutTheFittedRates)
{
	GpuProfile g = with_attention();
	g.kv_read_bytes_per_s = 0;
	EXPECT_THROW(BrokerCost(g, test_params().model, 1, 1, 64), std::invalid_argument);
	EXPECT_THROW(BrokerCost(with_attention(), test_params().model, 0, 1, 64),
		     std::invalid_argument);
}

} // namespace
} // namespace coconut::devices::test
