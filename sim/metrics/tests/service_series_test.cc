// ServiceSeries: every sample kept until the bound, then evenly spaced points at a doubling
// stride; tenants added late read 0 before they appear; bad input refused.
#include "service_series.h"

#include <gtest/gtest.h>

namespace coconut::metrics {
namespace {

TEST(ServiceSeries, KeepsEverySampleUpToTheBoundThenEvenlySpacedPoints)
{
	ServiceSeries s(8);
	for (u64 i = 0; i < 7; i++)
		s.sample(i * 10, { i, 2 * i });
	EXPECT_EQ(s.points(), 7u);
	EXPECT_EQ(s.stride(), 1u);
	s.sample(70, { 7, 14 }); // the 8th: full, halve to samples 0, 2, 4, 6
	EXPECT_EQ(s.points(), 4u);
	EXPECT_EQ(s.stride(), 2u);
	for (u64 i = 8; i < 100; i++)
		s.sample(i * 10, { i, 2 * i });
	const nlohmann::json j = s.to_json({ "a", "b" });
	const auto &t = j["t_ns"];
	ASSERT_GE(t.size(), 4u);
	ASSERT_LT(t.size(), 8u);
	const u64 step = t[1].get<u64>() - t[0].get<u64>();
	EXPECT_EQ(step, 10 * s.stride()) << "points one stride of samples apart";
	for (std::size_t k = 1; k < t.size(); k++)
		EXPECT_EQ(t[k].get<u64>() - t[k - 1].get<u64>(), step) << "evenly spaced at " << k;
	EXPECT_EQ(t[0].get<u64>(), 0u);
	for (std::size_t k = 0; k < t.size(); k++) {
		EXPECT_EQ(j["served_units"]["a"][k].get<u64>(), t[k].get<u64>() / 10);
		EXPECT_EQ(j["served_units"]["b"][k].get<u64>(), t[k].get<u64>() / 5);
	}
}

TEST(ServiceSeries, ATenantAddedLateReadsZeroBefore)
{
	ServiceSeries s(16);
	s.sample(0, { 5 });
	s.sample(1, { 6, 1 });
	const nlohmann::json j = s.to_json({ "a", "b" });
	EXPECT_EQ(j["served_units"]["b"], nlohmann::json::array({ 0, 1 }));
}

TEST(ServiceSeries, RefusesABoundTooSmallAndTimeGoingBack)
{
	EXPECT_THROW(ServiceSeries(1), std::invalid_argument);
	ServiceSeries s(4);
	s.sample(10, { 1 });
	EXPECT_THROW(s.sample(5, { 1 }), std::invalid_argument);
}

} // namespace
} // namespace coconut::metrics
