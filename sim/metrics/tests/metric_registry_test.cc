#include "metric_registry.h"

#include <gtest/gtest.h>

#include <limits>

namespace {

using coconut::metrics::Fingerprint;
using coconut::metrics::MetricRegistry;
using coconut::metrics::s64;

TEST(MetricRegistry, SetAddGetInNameOrder)
{
	MetricRegistry m;
	m.set("b.count", 3);
	m.add("a.bytes", 10);
	m.add("a.bytes", -4);
	EXPECT_EQ(m.get("a.bytes"), 6);
	EXPECT_EQ(m.get("b.count"), 3);
	EXPECT_EQ(m.get("missing"), std::nullopt);
	EXPECT_EQ(m.names(), (std::vector<std::string>{ "a.bytes", "b.count" }));
	EXPECT_THROW(m.set("", 1), std::invalid_argument);
}

TEST(MetricRegistry, AddSaturates)
{
	MetricRegistry m;
	m.set("x", std::numeric_limits<s64>::max() - 1);
	m.add("x", 5);
	EXPECT_EQ(m.get("x"), std::numeric_limits<s64>::max());
	m.set("y", std::numeric_limits<s64>::min() + 1);
	m.add("y", -5);
	EXPECT_EQ(m.get("y"), std::numeric_limits<s64>::min());
}

TEST(MetricRegistry, HistogramsAndJson)
{
	MetricRegistry m;
	m.hist("lat_ns").record(100);
	m.hist("lat_ns").record(300);
	m.hist("coarse", 3).record(1);
	EXPECT_THROW(m.hist("coarse"), std::invalid_argument); // other sub_bits
	EXPECT_EQ(m.find_hist("lat_ns")->count(), 2u);
	EXPECT_EQ(m.find_hist("nope"), nullptr);
	EXPECT_EQ(m.hist_names(), (std::vector<std::string>{ "coarse", "lat_ns" }));
	m.set("v", -1);
	const auto j = m.to_json();
	EXPECT_EQ(j["values"]["v"], -1);
	EXPECT_EQ(j["histograms"]["lat_ns"]["count"], 2);
	EXPECT_EQ(j["histograms"]["lat_ns"]["max"], 300);
	EXPECT_EQ(j.dump(), m.to_json().dump());
}

// Same content in any insertion order gives the same fingerprint; any change differs.
TEST(MetricRegistry, FingerprintIsOrderFreeAndSensitive)
{
	MetricRegistry a, b;
	a.set("x", 1);
	a.set("y", 2);
	a.hist("h").record(10);
	a.hist("h").record(20);
	b.hist("h").record(20);
	b.set("y", 2);
	b.hist("h").record(10);
	b.set("x", 1);
	Fingerprint fa, fb;
	a.add_to_fingerprint(fa);
	b.add_to_fingerprint(fb);
	EXPECT_EQ(fa.hex(), fb.hex());

	b.hist("h").record(10);
	Fingerprint fc;
	b.add_to_fingerprint(fc);
	EXPECT_NE(fa.hex(), fc.hex());

	MetricRegistry c = a;
	c.set("x", 2);
	Fingerprint fd;
	c.add_to_fingerprint(fd);
	EXPECT_NE(fa.hex(), fd.hex());
}

} // namespace
