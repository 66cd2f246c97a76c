// The broker's cost model against published measurements (published.yaml):
//  - the shipped GPU profiles hold exactly what the fit of the published points gives (a
//    profile edited by hand, or a fit that changed, fails here);
//  - the fitted linear layers are within 5 % of the fitted points, and the whole measured
//    curve within 30 % (GEMM tile quantisation between the fitted counts; docs/devices.md);
//  - every published whole iteration is within +-15 % of the model with the shipped profiles,
//    except those marked as outliers, whose reasons are printed;
//  - the integer model (BrokerCost) agrees with the fit's double arithmetic;
//  - the PCIe links hold the copy fit (per-copy overhead, bandwidth) and are within +-15 % of
//    every published copy, 4 KB to 1 GiB, but the outliers.
#include "published.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace coconut::devices::calibration {
namespace {

const Published &published()
{
	static const Published p = load_published(COCONUT_PUBLISHED_YAML);
	return p;
}

// Within 0.1 %: the profile stores the fit rounded to whole units.
void expect_close(u64 profile, u64 fit, const std::string &what)
{
	EXPECT_LE(std::fabs(static_cast<double>(profile) / static_cast<double>(fit) - 1.0), 1e-3)
		<< what << ": profile " << profile << ", fit " << fit
		<< " (run fit_published and update the profile)";
}

TEST(Calibration, ShippedProfilesHoldTheFit)
{
	const ProfileLibrary lib(default_profile_dir());
	for (const auto &[gpu, pts] : published().linear) {
		const LinearFit f = fit_linear(pts, published().model);
		const GpuProfile prof = lib.gpu(gpu);
		expect_close(prof.weights_read_bytes_per_s, f.weights_read_bytes_per_s,
			     gpu + " weights_read_bytes_per_s");
		expect_close(prof.linear_flops_per_s, f.linear_flops_per_s,
			     gpu + " linear_flops_per_s");
	}
	for (const auto &[gpu, pts] : published().attention) {
		const AttentionFit f = fit_attention(pts, published().model);
		const GpuProfile prof = lib.gpu(gpu);
		expect_close(prof.kv_read_bytes_per_s, f.kv_read_bytes_per_s, gpu + " kv_read");
		expect_close(prof.attention_flops_per_s, f.attention_flops_per_s,
			     gpu + " attention");
		EXPECT_NEAR(static_cast<double>(prof.attention_layer_overhead_ns),
			    f.layer_overhead_ms * 1e6, 100.0)
			<< gpu << " attention_layer_overhead_ns";
	}
}

TEST(Calibration, LinearLayersFollowTheSoftRoofline)
{
	for (const auto &[gpu, pts] : published().linear) {
		const LinearFit f = fit_linear(pts, published().model);
		for (const LinearPoint &p : pts)
			EXPECT_LE(std::fabs(linear_ms(f, p.tokens) / p.ms - 1), 0.05)
				<< gpu << " at " << p.tokens << " tokens";
		for (const LinearPoint &p : published().curve.at(gpu))
			EXPECT_LE(std::fabs(linear_ms(f, p.tokens) / p.ms - 1), 0.30)
				<< gpu << " curve at " << p.tokens << " tokens";
	}
}

// Prints the residual and, unless it is a marked outlier, holds it within +-15 %. Returns
// whether it was held.
bool held_within_fifteen_percent(const Residual &r, const char *unit)
{
	std::printf("%-14s %-70s %8.2f %s published %8.2f model %+6.1f %%%s%s\n", r.gpu.c_str(),
		    r.what.c_str(), r.published_ms, unit, r.model_ms, r.error() * 100,
		    r.outlier.empty() ? "" : "  (outlier: ",
		    r.outlier.empty() ? "" : (r.outlier + ")").c_str());
	if (!r.outlier.empty())
		return false;
	EXPECT_LE(std::fabs(r.error()), 0.15) << r.gpu << ": " << r.what;
	return true;
}

TEST(Calibration, WholeIterationsWithinFifteenPercent)
{
	const ProfileLibrary lib(default_profile_dir());
	u32 checked = 0;
	for (const Residual &r : iteration_residuals(published(), lib))
		checked += held_within_fifteen_percent(r, "ms");
	EXPECT_GE(checked, 8u);
}

// The PCIe links: every shipped link holds the fitted bandwidth and the shared per-copy
// overhead, and the model's bandwidth for back-to-back copies is within 15 % of every
// published copy but the outliers (4 KB..1 GiB: the size curve and the large copies).
TEST(Calibration, ShippedLinksHoldTheFit)
{
	const ProfileLibrary lib(default_profile_dir());
	const PcieFit f = fit_pcie(published());
	ASSERT_EQ(f.bytes_per_s.size(), 3u) << "gen3 (the size curve), gen4 and gen5";
	for (const auto &[profile, bw] : f.bytes_per_s) {
		const PcieProfile link = lib.pcie(profile);
		expect_close(link.bytes_per_s, static_cast<u64>(bw), profile + " bytes_per_s");
		EXPECT_NEAR(static_cast<double>(link.copy_overhead_ns), f.overhead_ns, 1.0)
			<< profile << " copy_overhead_ns";
	}
}

TEST(Calibration, CopiesWithinFifteenPercent)
{
	const ProfileLibrary lib(default_profile_dir());
	u32 checked = 0, small = 0;
	for (const Residual &r : copy_residuals(published(), lib)) {
		if (!held_within_fifteen_percent(r, "GB/s"))
			continue;
		checked++;
		small += r.model_ms < 2.0; // a 4 KB copy: the overhead, not the link, sets its rate
	}
	EXPECT_GE(checked, 8u);
	EXPECT_GE(small, 1u) << "the size curve's small copies are checked";
}

// The simulator's integer model and the fit's doubles: the linear term for the A100 fit.
TEST(Calibration, IntegerModelMatchesTheFit)
{
	const Published &p = published();
	const LinearFit f = fit_linear(p.linear.at("a100-sxm-80gb"), p.model);
	GpuProfile g;
	g.name = "fit";
	g.weights_read_bytes_per_s = f.weights_read_bytes_per_s;
	g.linear_flops_per_s = f.linear_flops_per_s;
	g.kv_read_bytes_per_s = 1ull << 62; // attention plays no part here
	g.attention_flops_per_s = 1ull << 62;
	const BrokerCost cost(g, p.model, 1, 1, 4096);
	for (u64 n : { 1ull, 64ull, 128ull, 512ull, 2048ull, 4096ull })
		EXPECT_NEAR(static_cast<double>(cost.linear_ps(n)) / 1e9, linear_ms(f, n), 1e-4)
			<< n << " tokens";
	// A partition of a quarter of the GPU takes four times as long for the same work.
	const BrokerCost quarter(g, p.model, 1, 4, 4096);
	EXPECT_NEAR(static_cast<double>(quarter.linear_ps(512)),
		    4.0 * static_cast<double>(cost.linear_ps(512)), 8.0);
}

TEST(Calibration, MalformedFileIsRefusedWithTheField)
{
	EXPECT_THROW(load_published("/nonexistent/published.yaml"), std::runtime_error);
}

} // namespace
} // namespace coconut::devices::calibration
