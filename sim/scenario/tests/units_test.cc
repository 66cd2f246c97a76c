// The unit parsers, as accept/reject tables: exact integers or nothing.
#include "scenario.h"
#include "units_detail.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace cs = coconut::scenario;
using u64 = std::uint64_t;

namespace {

struct Row {
	const char *text;
	std::optional<u64> want; // nullopt: must be rejected
};

void check(const char *what, std::optional<u64> (*parse)(std::string_view),
	   const std::vector<Row> &rows)
{
	for (const Row &r : rows) {
		const auto got = parse(r.text);
		if (r.want)
			EXPECT_EQ(got, r.want) << what << "(\"" << r.text << "\")";
		else
			EXPECT_FALSE(got.has_value())
				<< what << "(\"" << r.text << "\") accepted as " << *got;
	}
}

} // namespace

TEST(Units, Duration)
{
	check("parse_duration_ns", cs::parse_duration_ns,
	      { { "0", 0 },
		{ "250ns", 250 },
		{ "10us", 10000 },
		{ "5ms", 5000000 },
		{ "2s", 2000000000 },
		{ "1min", 60000000000 },
		{ "1h", 3600000000000 },
		{ "1.5ms", 1500000 },
		{ "0.5us", 500 },
		{ "0.000000001s", 1 },
		{ "18446744073709551615ns", 18446744073709551615ull },
		{ "5124095h", 5124095ull * 3600000000000ull },
		{ "18446744073709551616ns", std::nullopt }, // 2^64
		{ "5124096h", std::nullopt },		    // overflows 64 bits
		{ "99999999999999999999999999999999999999999h", std::nullopt },
		{ "1.5ns", std::nullopt }, // not a whole ns
		{ "0.0000000001s", std::nullopt },
		{ "5", std::nullopt }, // a unit is required (but for 0)
		{ "-5ms", std::nullopt },
		{ "+5ms", std::nullopt },
		{ "", std::nullopt },
		{ "ms", std::nullopt },
		{ "5 ms", std::nullopt },
		{ " 5ms", std::nullopt },
		{ "5ms ", std::nullopt },
		{ "5MS", std::nullopt },
		{ "5sec", std::nullopt },
		{ "5.ms", std::nullopt },
		{ ".5ms", std::nullopt },
		{ "1e3ns", std::nullopt },
		{ "0x10ns", std::nullopt },
		{ "5ms5", std::nullopt } });
}

TEST(Units, Size)
{
	check("parse_size_bytes", cs::parse_size_bytes,
	      { { "0", 0 },
		{ "512", 512 },
		{ "512B", 512 },
		{ "4KiB", 4096 },
		{ "4KB", 4000 },
		{ "4kB", 4000 },
		{ "1.5MiB", 1572864 },
		{ "2GB", 2000000000 },
		{ "80GiB", 85899345920 },
		{ "1TiB", 1099511627776 },
		{ "3.35TB", 3350000000000 },
		{ "16777216TiB", std::nullopt }, // 2^64
		{ "16777215TiB", 16777215ull << 40 },
		{ "0.1B", std::nullopt },
		{ "1.0000000001KiB", std::nullopt },
		{ "-1", std::nullopt },
		{ "", std::nullopt },
		{ "4kib", std::nullopt },
		{ "4 KiB", std::nullopt },
		{ "4K", std::nullopt },
		{ "GiB", std::nullopt },
		{ "1.5", std::nullopt } });
}

TEST(Units, RateGap)
{
	check("parse_rate_gap_ns", cs::parse_rate_gap_ns,
	      { { "1/s", 1000000000 },
		{ "5/s", 200000000 },
		{ "0.5/s", 2000000000 },
		{ "3/s", 333333333 }, // 333333333.3 rounds down
		{ "6/s", 166666667 }, // 166666666.7 rounds up
		{ "300/min", 200000000 },
		{ "1/h", 3600000000000 },
		{ "2/ms", 500000 },
		{ "1000000000/s", 1 },
		{ "1/us", 1000 },
		{ "2000000000/s", 1 },		  // 0.5 ns rounds half up to 1
		{ "3000000000/s", std::nullopt }, // a gap of 0 ns
		{ "0/s", std::nullopt },
		{ "0.0/s", std::nullopt },
		{ "0.0000000000001/h", std::nullopt }, // a gap beyond 64 bits
		{ "-1/s", std::nullopt },
		{ "5", std::nullopt },
		{ "5/", std::nullopt },
		{ "5/sec", std::nullopt },
		{ "5 /s", std::nullopt },
		{ "/s", std::nullopt },
		{ "", std::nullopt },
		// Per a duration: that duration / count, so "1/<gap>ns" is any gap exactly.
		{ "1/3ns", 3 },
		{ "1/1ns", 1 },
		{ "1/250us", 250000 },
		{ "3/2s", 666666667 },
		{ "2/5ns", 3 }, // 2.5 rounds half up
		{ "0.5/1.5us", 3000 },
		{ "5/1s", 200000000 },
		{ "1/18446744073709551615ns", 18446744073709551615ull },
		{ "0.5/18446744073709551615ns", std::nullopt }, // a gap beyond 64 bits
		{ "1/0ns", std::nullopt },
		{ "1/0", std::nullopt },
		{ "1/3", std::nullopt },  // a duration needs its unit
		{ "1/ns", std::nullopt }, // the units alone are us .. h
		{ "1/1.5ns", std::nullopt },
		{ "1/-3ns", std::nullopt },
		{ "1/3 ns", std::nullopt },
		{ "1/3ns/s", std::nullopt },
		// 10^9 x 10^30 does not fit 128 bits: refused (it used to wrap, to 319435266).
		{ "1.000000000000000000000000000001/s", std::nullopt } });
}

TEST(Units, Helpers)
{
	namespace d = cs::detail;
	check("parse_milli", d::parse_milli,
	      { { "1.5", 1500 },
		{ "1", 1000 },
		{ "0.001", 1 },
		{ "0", 0 },
		{ "2.25", 2250 },
		{ "0.0005", std::nullopt },
		{ "-1", std::nullopt },
		{ "1.5x", std::nullopt },
		{ "", std::nullopt } });
	check("parse_uint", d::parse_uint,
	      { { "0", 0 },
		{ "42", 42 },
		{ "0x0100c0c0", 0x0100c0c0 },
		{ "0XFF", 255 },
		{ "18446744073709551615", 18446744073709551615ull },
		{ "18446744073709551616", std::nullopt },
		{ "0x10000000000000000", std::nullopt },
		{ "0x", std::nullopt },
		{ "1.0", std::nullopt },
		{ "-1", std::nullopt },
		{ "0xg", std::nullopt },
		{ "", std::nullopt } });
	check("parse_si_count", d::parse_si_count,
	      { { "989.4T", 989400000000000 },
		{ "312T", 312000000000000 },
		{ "1000", 1000 },
		{ "1.5k", 1500 },
		{ "0.0001k", std::nullopt },
		{ "5X", std::nullopt } });
	check("parse_bytes_per_s", d::parse_bytes_per_s,
	      { { "3.35TB/s", 3350000000000 },
		{ "1008GB/s", 1008000000000 },
		{ "25GB", 25000000000 },
		{ "25GB/min", std::nullopt },
		{ "/s", std::nullopt } });
	EXPECT_EQ(d::parse_int("-134"), -134);
	EXPECT_EQ(d::parse_int("0"), 0);
	EXPECT_EQ(d::parse_int("9223372036854775807"), INT64_MAX);
	EXPECT_EQ(d::parse_int("-9223372036854775808"), INT64_MIN);
	EXPECT_FALSE(d::parse_int("9223372036854775808"));
	EXPECT_FALSE(d::parse_int("-"));
	EXPECT_FALSE(d::parse_int("--1"));
	EXPECT_FALSE(d::parse_int("1.5"));
}

// Every value a duration can print as integer ns reads back to itself, whatever unit.
TEST(Units, FormatParseRoundTrip)
{
	const u64 values[] = { 0,    1,		999,	     1000,
			       1500, 123456789, 60000000000, 18446744073709551615ull };
	for (u64 v : values) {
		EXPECT_EQ(cs::parse_duration_ns(std::to_string(v) + "ns"), v);
		EXPECT_EQ(cs::parse_size_bytes(std::to_string(v)), v);
		if (v % 1000 == 0) {
			EXPECT_EQ(cs::parse_duration_ns(std::to_string(v / 1000) + "us"), v);
		}
	}
}

TEST(Names, RoundTrip)
{
	for (auto p : { cs::Policy::Fair, cs::Policy::Fifo, cs::Policy::PerProcess })
		EXPECT_EQ(cs::parse_policy(cs::policy_name(p)), p);
	EXPECT_STREQ(cs::policy_name(cs::Policy::PerProcess), "per-process");
	EXPECT_FALSE(cs::parse_policy("Fair"));
	EXPECT_STREQ(cs::workload_kind_name(cs::WorkloadKind::ClosedLoop), "closed-loop");
	EXPECT_STREQ(cs::event_kind_name(cs::EventKind::GpuPartitionLoss), "gpu.partition.loss");
	EXPECT_STREQ(cs::gate_kind_name(cs::GateKind::NoUseAfterRevoke), "no.use.after.revoke");
	EXPECT_STREQ(cs::compare_op_name(cs::CompareOp::Ge), ">=");
}
