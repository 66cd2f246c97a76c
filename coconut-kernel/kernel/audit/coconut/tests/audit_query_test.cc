// Query and export: each filter field against a model of the chain (and arbitrary combinations
// with RapidCheck), max_events and seq_from paging, the segment size limit, -EMSGSIZE without a
// partial write, -EINVAL for bad filters, and that what is exported verifies.
#include "audit_test_util.h"

#include <rapidcheck/gtest.h>

#include <vector>

using namespace audit_test;

namespace {

const char *const kCaps[] = {"", "fs.read:/data/**", "net.egress:api.example.com:443",
			     "agent.spawn", "gpu:0/partition/1"};

// The chain's events with the instance's own seqs: a model to filter on the test's side.
class AuditQuery : public ::testing::Test {
protected:
	void SetUp() override
	{
		a_ = std::make_unique<Audit>(small_config(2, 64, 4096, 0, 0));
		ASSERT_EQ(a_->init_rc(), 0);
		for (u64 i = 0; i < 120; i++) {
			const u32 type = 1 + static_cast<u32>(i % 9);
			co_audit_event ev = make_event(type, 1 + i % 4, kCaps[i % 5],
						       "/obj/" + std::to_string(i % 7), i);
			ASSERT_EQ(a_->append(static_cast<u32>(i % 2), 100 * i, ev), 0);
			if (i % 10 == 9)
				co_audit_seal(a_->get(), 100);
		}
		co_audit_seal(a_->get(), 100);
		chain_ = parse_segment(a_->export_range()).records;
		ASSERT_EQ(chain_.size(), 120u);
	}

	std::vector<u64> model(const co_audit_filter &f) const
	{
		std::vector<u64> seqs;
		const u32 max = f.max_events ? f.max_events : CO_AUDIT_SEGMENT_EVENTS_MAX;
		for (const auto &r : chain_) {
			const co_audit_event &e = r.ev;
			if (seqs.size() == max)
				break;
			if (e.seq < f.seq_from || (f.aid && e.aid != f.aid) ||
			    (f.type && e.type != f.type) || e.time_ns < f.time_from_ns ||
			    (f.time_to_ns && e.time_ns >= f.time_to_ns))
				continue;
			if (f.cap_len &&
			    std::string(e.cap, e.cap_len) != std::string(f.cap, f.cap_len))
				continue;
			seqs.push_back(e.seq);
		}
		return seqs;
	}

	std::vector<u64> run(const co_audit_filter &f, bool *filtered = nullptr)
	{
		const std::vector<u8> seg = a_->query(f);
		const Segment s = parse_segment(seg);
		if (filtered)
			*filtered = s.filtered;
		co_audit_verify_report r{};
		EXPECT_EQ(co_audit_verify_filtered(seg.data(), seg.size(), a_->plat().boot_id(),
						   nullptr, 0, &r),
			  CO_AUDIT_OK);
		std::vector<u64> seqs;
		for (const auto &rec : s.records)
			seqs.push_back(rec.ev.seq);
		return seqs;
	}

	static co_audit_filter cap_filter(const char *cap)
	{
		co_audit_filter f{};
		f.cap_len = static_cast<u16>(std::strlen(cap));
		std::memcpy(f.cap, cap, f.cap_len);
		return f;
	}

	std::unique_ptr<Audit> a_;
	std::vector<Record> chain_;
};

TEST_F(AuditQuery, ByAid)
{
	co_audit_filter f{};
	f.aid = 3;
	bool filtered = false;
	const auto got = run(f, &filtered);
	EXPECT_TRUE(filtered);
	EXPECT_EQ(got, model(f));
	EXPECT_EQ(got.size(), 30u);
	f.aid = 99;
	EXPECT_TRUE(run(f).empty());
}

TEST_F(AuditQuery, ByTimeRange)
{
	co_audit_filter f{};
	f.time_from_ns = 1000;
	f.time_to_ns = 2000; // [1000, 2000): items 10..19
	const auto got = run(f);
	EXPECT_EQ(got, model(f));
	EXPECT_EQ(got.size(), 10u);
	f.time_to_ns = 0; // open end
	EXPECT_EQ(run(f).size(), 110u);
	f.time_from_ns = 0;
	f.time_to_ns = 1; // only t = 0
	EXPECT_EQ(run(f).size(), 1u);
}

TEST_F(AuditQuery, ByType)
{
	for (u32 t = 1; t < COCONUT_EV_TYPE_COUNT; t++) {
		co_audit_filter f{};
		f.type = t;
		EXPECT_EQ(run(f), model(f)) << "type " << t;
	}
	co_audit_filter f{};
	f.type = COCONUT_EV_CAP_DENY;
	EXPECT_EQ(run(f).size(), 13u); // items 3, 12, ..., 111
}

TEST_F(AuditQuery, ByCap)
{
	for (const char *cap : kCaps) {
		if (!*cap)
			continue;
		const co_audit_filter f = cap_filter(cap);
		const auto got = run(f);
		EXPECT_EQ(got, model(f)) << cap;
		EXPECT_EQ(got.size(), 24u) << cap;
	}
	// Exact text, not a prefix or a pattern.
	EXPECT_TRUE(run(cap_filter("fs.read:/data")).empty());
	EXPECT_TRUE(run(cap_filter("fs.read:/data/**x")).empty());
}

TEST_F(AuditQuery, CombinedMaxEventsAndSeqFrom)
{
	co_audit_filter f{};
	f.aid = 2;
	f.type = COCONUT_EV_STATE;
	EXPECT_EQ(run(f), model(f));
	f = co_audit_filter{};
	f.aid = 1;
	f.max_events = 5;
	auto got = run(f);
	EXPECT_EQ(got, model(f));
	ASSERT_EQ(got.size(), 5u);
	f.seq_from = got.back() + 1; // the next page
	const auto next = run(f);
	EXPECT_EQ(next, model(f));
	EXPECT_GT(next.front(), got.back());

	// Unfiltered with a range only: contiguous, verifies as a chain.
	co_audit_filter r{};
	r.seq_from = 40;
	r.max_events = 25;
	bool filtered = true;
	got = run(r, &filtered);
	EXPECT_FALSE(filtered);
	ASSERT_EQ(got.size(), 25u);
	EXPECT_EQ(got.front(), 40u);
	EXPECT_EQ(got.back(), 64u);
	const auto seg = a_->query(r);
	EXPECT_EQ(verify(seg, a_->plat().boot_id()).verdict, CO_AUDIT_OK);
}

TEST_F(AuditQuery, PastTheEndIsAnEmptySegment)
{
	co_audit_filter f{};
	f.seq_from = 500;
	const auto seg = a_->query(f);
	const Segment s = parse_segment(seg);
	EXPECT_TRUE(s.records.empty());
	EXPECT_EQ(s.seq_first, 500u);
	EXPECT_EQ(verify(seg, a_->plat().boot_id()).verdict, CO_AUDIT_OK);
}

TEST_F(AuditQuery, SmallBufferWritesNothing)
{
	co_audit_filter f{};
	f.aid = 2;
	const int need = co_audit_query(a_->get(), &f, nullptr, 0);
	EXPECT_EQ(need, -EMSGSIZE);
	const size_t full = a_->query(f).size();
	for (size_t len : {size_t{1}, size_t{40}, full / 2, full - 1}) {
		std::vector<u8> buf(full, 0xee);
		EXPECT_EQ(co_audit_query(a_->get(), &f, buf.data(), len), -EMSGSIZE) << len;
		EXPECT_EQ(buf, std::vector<u8>(full, 0xee)) << "partial write at " << len;
	}
	std::vector<u8> buf(full);
	EXPECT_EQ(co_audit_query(a_->get(), &f, buf.data(), full), static_cast<int>(full));
}

TEST_F(AuditQuery, BadFiltersAreEinval)
{
	u8 buf[4096];
	co_audit_filter f{};
	EXPECT_EQ(co_audit_query(a_->get(), nullptr, buf, sizeof(buf)), -EINVAL);
	f.type = COCONUT_EV_TYPE_COUNT;
	EXPECT_EQ(co_audit_query(a_->get(), &f, buf, sizeof(buf)), -EINVAL);
	f = co_audit_filter{};
	f.cap_len = COCONUT_CAP_TEXT_MAX + 1;
	EXPECT_EQ(co_audit_query(a_->get(), &f, buf, sizeof(buf)), -EINVAL);
	f = co_audit_filter{};
	f.time_from_ns = 50;
	f.time_to_ns = 50;
	EXPECT_EQ(co_audit_query(a_->get(), &f, buf, sizeof(buf)), -EINVAL);
	f = co_audit_filter{};
	f.max_events = CO_AUDIT_SEGMENT_EVENTS_MAX + 1;
	EXPECT_EQ(co_audit_query(a_->get(), &f, buf, sizeof(buf)), -EINVAL);
}

// Arbitrary combinations of filter fields, drawn from the values the chain holds.
TEST_F(AuditQuery, ArbitraryFiltersMatchTheModel)
{
	const bool ok = rc::check("query == model", [&] {
		co_audit_filter f{};
		if (*rc::gen::arbitrary<bool>()) {
			const char *cap = kCaps[*rc::gen::inRange(1, 5)];
			f = cap_filter(cap);
		}
		if (*rc::gen::arbitrary<bool>())
			f.aid = *rc::gen::inRange<u64>(1, 6);
		if (*rc::gen::arbitrary<bool>())
			f.type = *rc::gen::inRange<u32>(1, COCONUT_EV_TYPE_COUNT);
		if (*rc::gen::arbitrary<bool>())
			f.time_from_ns = *rc::gen::inRange<u64>(0, 13000);
		if (*rc::gen::arbitrary<bool>())
			f.time_to_ns = f.time_from_ns + *rc::gen::inRange<u64>(1, 13000);
		f.seq_from = *rc::gen::inRange<u64>(0, 130);
		f.max_events = *rc::gen::inRange<u32>(0, 40);
		RC_ASSERT(run(f) == model(f));
	});
	EXPECT_TRUE(ok);
}

// More sealed events than a segment holds: pages of CO_AUDIT_SEGMENT_EVENTS_MAX, each verifying,
// together the whole chain.
TEST(AuditQueryPages, LongChainInPages)
{
	Audit a(small_config(1, 1024, 2048));
	ASSERT_EQ(a.init_rc(), 0);
	for (u64 i = 0; i < 1100; i++) {
		co_audit_event ev = make_event(COCONUT_EV_CAP_ALLOW, 5, std::string(200, 'c'), "o");
		ASSERT_EQ(a.append(0, i, ev), 0);
		if (i % 1000 == 999)
			co_audit_seal(a.get(), 1000);
	}
	co_audit_seal(a.get(), 1000);
	u64 from = 0;
	std::vector<u8> last_head;
	for (int page = 0; page < 3; page++) {
		const auto seg = a.export_range(from);
		const Segment s = parse_segment(seg);
		ASSERT_EQ(s.records.size(), page < 2 ? 512u : 1100u - 1024u);
		EXPECT_EQ(s.seq_first, from);
		std::vector<co_audit_anchor> start;
		if (!last_head.empty()) {
			start.push_back(co_audit_anchor{from - 1, {}});
			std::memcpy(start[0].head, last_head.data(), 32);
		}
		EXPECT_EQ(verify(seg, a.plat().boot_id(), start).verdict, CO_AUDIT_OK);
		const Record &l = s.records.back();
		last_head.assign(l.bytes.begin() + l.after_off, l.bytes.begin() + l.after_off + 32);
		from += s.records.size();
	}
	EXPECT_EQ(last_head, a.head());
}

// Issue 17, finding 7: a flood pushes another tenant's events out of the window (the
// baseline), unless an exporter is on: then the window keeps every event it has not
// acknowledged, the sealer waits, the rings fill and appends answer -EBUSY, and nothing is lost
// to the exporter, which reads from its cursor, acknowledges, and the chain goes on.
TEST(AuditExport, AFloodCannotPushEventsPastTheExporter)
{
	const co_audit_event victim = make_event(COCONUT_EV_CAP_DENY, 9, "fs.read", "/v");
	const co_audit_event flood = make_event(COCONUT_EV_CAP_ALLOW, 5, "fs.read:/x", "/x");
	for (bool exporting : { false, true }) {
		Audit a(small_config(1, 16, 8));
		ASSERT_EQ(a.init_rc(), 0);
		if (exporting)
			co_audit_export_on(a.get(), true);
		ASSERT_EQ(a.append(0, 1, victim), 0);
		co_audit_seal(a.get(), 100);
		int refused = 0;
		for (u64 i = 0; i < 40; i++) {
			refused += a.append(0, 2 + i, flood) == -EBUSY;
			co_audit_seal(a.get(), 100);
		}
		const Segment s = parse_segment(a.export_range(0));
		if (!exporting) {
			EXPECT_EQ(refused, 0);
			EXPECT_EQ(s.seq_first, 33u) << "the victim's event (seq 0) was pushed out";
			continue;
		}
		// The window holds seq 0..7 (the victim's first), the ring 16 more, the rest waited.
		EXPECT_EQ(s.seq_first, 0u);
		ASSERT_EQ(s.records.size(), 8u);
		EXPECT_EQ(a.sealed(), 8u);
		EXPECT_EQ(co_audit_pending(a.get()), 16u);
		EXPECT_EQ(refused, 40 - 7 - 16);
		EXPECT_EQ(co_audit_export_cursor(a.get()), 0u);
		EXPECT_EQ(verify(a.export_range(0), a.plat().boot_id(), {}).verdict, CO_AUDIT_OK);
		// The exporter kept seq 0..7: the sealer goes on, 8 more, and waits again.
		ASSERT_EQ(co_audit_export_ack(a.get(), 8), 0);
		co_audit_seal(a.get(), 100);
		EXPECT_EQ(a.sealed(), 16u);
		EXPECT_EQ(co_audit_export_cursor(a.get()), 8u);
		EXPECT_EQ(co_audit_export_ack(a.get(), 17), -EINVAL) << "beyond the chain";
		ASSERT_EQ(co_audit_export_ack(a.get(), 16), 0);
		co_audit_seal(a.get(), 100);
		EXPECT_EQ(a.sealed(), 24u);
		EXPECT_EQ(co_audit_pending(a.get()), 0u);
		co_audit_export_on(a.get(), false);
		EXPECT_EQ(co_audit_export_ack(a.get(), 24), -EINVAL) << "the export is off";
		EXPECT_EQ(co_audit_export_cursor(a.get()), 24u);
	}
}

} // namespace
