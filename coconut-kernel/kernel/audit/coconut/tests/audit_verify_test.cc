// Offline verify against tampering: for each mutation class (a flipped bit in an event or in a
// stored head, a dropped, swapped, duplicated or forged record, truncation before an anchor, a
// chain rebuilt from an earlier point and checked against the old anchors) verify must give the
// right verdict and name the first bad index: the first record not consistent with the records
// before it. Untouched segments verify; malformed ones are BAD_FORMAT without crashing; every
// single-bit flip anywhere in a segment is caught (RapidCheck).
#include "audit_test_util.h"

#include "coconut/blake3.h"

#include <rapidcheck/gtest.h>

#include <algorithm>
#include <vector>

using namespace audit_test;

namespace {

// A chain of n drained events over 3 CPUs, anchored every k, sealed in uneven batches.
void build_chain(Audit &a, u64 n, u64 first_item = 0, u64 diverge_at = ~0ull)
{
	for (u64 i = 0; i < n; i++) {
		const u64 item = i >= diverge_at ? 1000 + i : first_item + i;
		int rc = a.append(static_cast<u32>(i % 3), 10 * i, varied_event(item));
		for (int t = 0; rc == -EBUSY && t < 100; t++) {
			co_audit_seal(a.get(), 4);
			rc = a.append(static_cast<u32>(i % 3), 10 * i, varied_event(item));
		}
		ASSERT_EQ(rc, 0);
		if (i % 5 == 4)
			co_audit_seal(a.get(), 3);
	}
	for (int t = 0; t < 100 && co_audit_pending(a.get()) > 0; t++)
		co_audit_seal(a.get(), 7);
	ASSERT_EQ(co_audit_pending(a.get()), 0u);
}

class AuditVerify : public ::testing::Test {
protected:
	void SetUp() override
	{
		a_ = std::make_unique<Audit>(small_config(3, 16, 4096, 8, 0));
		ASSERT_EQ(a_->init_rc(), 0);
		build_chain(*a_, 48);
		seg_ = a_->export_range();
		anchors_ = a_->anchors();
		parts_ = parse_segment(seg_);
		boot_ = a_->plat().boot_id();
		ASSERT_EQ(parts_.records.size(), 54u); // 48 events and 6 ANCHOR events
		ASSERT_EQ(anchors_.size(), 6u);
	}

	// Verdict and index, with a readable message on mismatch.
	void expect(const std::vector<u8> &seg, co_audit_verdict v, u32 index,
		    const std::vector<co_audit_anchor> &anchors, const std::string &what)
	{
		const auto r = verify(seg, boot_, anchors);
		EXPECT_EQ(r.verdict, v) << what << ": got " << verdict_name(r.verdict) << " at "
					<< r.first_bad_index;
		EXPECT_EQ(r.first_bad_index, index) << what;
		if (r.verdict != CO_AUDIT_BAD_FORMAT) {
			EXPECT_EQ(r.first_bad_seq, parts_.seq_first + index) << what;
			EXPECT_EQ(r.events_checked, index) << what;
		}
	}

	std::unique_ptr<Audit> a_;
	std::vector<u8> seg_;
	std::vector<co_audit_anchor> anchors_;
	Segment parts_;
	const u8 *boot_ = nullptr;
};

// A record [event, head_before, head_after] built from parts.
std::vector<u8> make_record(const co_audit_event &ev, const u8 *before, const u8 *after)
{
	std::vector<u8> r = {0x83};
	const std::vector<u8> enc = encode(ev);
	r.insert(r.end(), enc.begin(), enc.end());
	r.insert(r.end(), {0x58, 0x20});
	r.insert(r.end(), before, before + 32);
	r.insert(r.end(), {0x58, 0x20});
	r.insert(r.end(), after, after + 32);
	return r;
}

Record forged_record(const co_audit_event &ev, const u8 *before)
{
	u8 after[32];
	const std::vector<u8> enc = encode(ev);
	co_audit_chain_extend(before, enc.data(), enc.size(), after);
	Record r;
	r.bytes = make_record(ev, before, after);
	r.ev = ev;
	r.event_off = 1;
	r.event_len = enc.size();
	r.before_off = 1 + enc.size() + 2;
	r.after_off = r.before_off + 34;
	return r;
}

const u8 *after_of(const Record &r) { return r.bytes.data() + r.after_off; }

TEST_F(AuditVerify, UntouchedSegmentVerifies)
{
	for (const auto &anchors : {std::vector<co_audit_anchor>{}, anchors_}) {
		const auto r = verify(seg_, boot_, anchors);
		EXPECT_EQ(r.verdict, CO_AUDIT_OK) << verdict_name(r.verdict);
		EXPECT_EQ(r.events_checked, parts_.records.size());
		EXPECT_EQ(r.seq_first, 0u);
		EXPECT_TRUE(r.rooted) << "seq 0 links to head_0";
	}
	co_audit_verify_report r{};
	EXPECT_EQ(co_audit_verify_filtered(seg_.data(), seg_.size(), boot_, anchors_.data(),
					   anchors_.size(), &r),
		  CO_AUDIT_OK);
	// Rebuilding from the parts gives the same bytes (the test's tooling is sound).
	EXPECT_EQ(parts_.build(), seg_);
	// The last head is the instance's.
	EXPECT_EQ(std::vector<u8>(after_of(parts_.records.back()),
				  after_of(parts_.records.back()) + 32),
		  a_->head());
}

TEST_F(AuditVerify, FlippedBitInAnEvent)
{
	const size_t n = parts_.records.size();
	for (size_t i : {size_t{0}, size_t{1}, size_t{4}, n / 2, n - 1}) {
		const Record &rec = parts_.records[i];
		const size_t base = parts_.record_offset(i) + rec.event_off;
		for (size_t b = 0; b < rec.event_len; b++) {
			for (int bit = 0; bit < 8; bit++) {
				std::vector<u8> m = seg_;
				m[base + b] ^= static_cast<u8>(1u << bit);
				// The mutated event bytes on their own decide the verdict.
				co_audit_event ev;
				const int dec =
					co_audit_event_decode(m.data() + base, rec.event_len, &ev);
				const auto r = verify(m, boot_, anchors_);
				const std::string what = "record " + std::to_string(i) + " byte " +
							 std::to_string(b) + " bit " +
							 std::to_string(bit);
				EXPECT_EQ(r.first_bad_index, i) << what;
				if (dec != 0)
					EXPECT_EQ(r.verdict, CO_AUDIT_BAD_FORMAT) << what;
				else if (ev.seq != rec.ev.seq)
					EXPECT_TRUE(r.verdict == CO_AUDIT_SEQ_GAP ||
						    r.verdict == CO_AUDIT_SEQ_ORDER)
						<< what << ": " << verdict_name(r.verdict);
				else
					EXPECT_EQ(r.verdict, CO_AUDIT_BAD_HEAD) << what;
			}
		}
	}
}

TEST_F(AuditVerify, FlippedBitInAStoredHead)
{
	const size_t n = parts_.records.size();
	for (size_t i : {size_t{0}, size_t{1}, n / 2, n - 1}) {
		const Record &rec = parts_.records[i];
		for (size_t off : {rec.before_off, rec.after_off}) {
			for (size_t b = 0; b < 32; b++) {
				std::vector<u8> m = seg_;
				const size_t at = parts_.record_offset(i) + off + b;
				m[at] ^= static_cast<u8>(1u << (b % 8));
				expect(m, CO_AUDIT_BAD_HEAD, static_cast<u32>(i), anchors_,
				       "record " + std::to_string(i) + " head byte " +
					       std::to_string(b));
			}
		}
	}
	// The heads' own CBOR heads (0x58 0x20): a wrong length is a format error.
	std::vector<u8> m = seg_;
	m[parts_.record_offset(3) + parts_.records[3].after_off - 1] = 0x1f;
	const auto r = verify(m, boot_, anchors_);
	EXPECT_EQ(r.verdict, CO_AUDIT_BAD_FORMAT);
	EXPECT_EQ(r.first_bad_index, 3u);
}

TEST_F(AuditVerify, DroppedEvent)
{
	const size_t n = parts_.records.size();
	for (size_t i = 0; i + 1 < n; i++) {
		Segment s = parts_;
		s.records.erase(s.records.begin() + i);
		expect(s.build(), CO_AUDIT_SEQ_GAP, static_cast<u32>(i), anchors_,
		       "dropped " + std::to_string(i));
	}
	// Several in a row.
	Segment s = parts_;
	s.records.erase(s.records.begin() + 10, s.records.begin() + 14);
	expect(s.build(), CO_AUDIT_SEQ_GAP, 10, anchors_, "dropped 10..13");
}

// The last record dropped is a truncation: caught by an anchor past the new end only.
TEST_F(AuditVerify, DroppedLastEventNeedsAnAnchor)
{
	Segment s = parts_;
	s.records.pop_back();
	const auto r = verify(s.build(), boot_, {});
	EXPECT_EQ(r.verdict, CO_AUDIT_OK) << "nothing can tell without an anchor";
	std::vector<co_audit_anchor> last{{parts_.records.back().ev.seq, {}}};
	std::memcpy(last[0].head, after_of(parts_.records.back()), 32);
	expect(s.build(), CO_AUDIT_TRUNCATED, static_cast<u32>(parts_.records.size() - 1), last,
	       "dropped last");
}

// The first record dropped and seq_first moved past it: a consistent run from seq 1, which is
// why `rooted` matters to a caller that wants the chain from boot.
TEST_F(AuditVerify, DroppedFirstEventWithTheHeaderFixed)
{
	Segment s = parts_;
	s.records.erase(s.records.begin());
	expect(s.build(), CO_AUDIT_SEQ_GAP, 0, anchors_, "dropped first");
	ASSERT_EQ(s.prefix[24], 0x00); // seq_first
	s.prefix[24] = 0x01;
	const auto r = verify(s.build(), boot_, anchors_);
	EXPECT_EQ(r.verdict, CO_AUDIT_OK);
	EXPECT_EQ(r.seq_first, 1u);
	EXPECT_FALSE(r.rooted);
}

TEST_F(AuditVerify, SwappedEvents)
{
	const size_t n = parts_.records.size();
	for (size_t i = 0; i + 1 < n; i++) {
		Segment s = parts_;
		std::swap(s.records[i], s.records[i + 1]);
		expect(s.build(), CO_AUDIT_SEQ_ORDER, static_cast<u32>(i), anchors_,
		       "swapped " + std::to_string(i) + " and next");
	}
	for (size_t j : {size_t{5}, size_t{20}, n - 1}) {
		Segment s = parts_;
		std::swap(s.records[2], s.records[j]);
		expect(s.build(), CO_AUDIT_SEQ_ORDER, 2, anchors_,
		       "swapped 2 and " + std::to_string(j));
	}
	// One record moved to the end: the events are all there, out of order.
	Segment s = parts_;
	Record moved = s.records[7];
	s.records.erase(s.records.begin() + 7);
	s.records.push_back(moved);
	expect(s.build(), CO_AUDIT_SEQ_ORDER, 7, anchors_, "moved 7 to the end");
}

TEST_F(AuditVerify, InsertedDuplicate)
{
	const size_t n = parts_.records.size();
	for (size_t i = 1; i < n; i++) {
		Segment s = parts_;
		s.records.insert(s.records.begin() + i, parts_.records[i - 1]);
		expect(s.build(), CO_AUDIT_SEQ_ORDER, static_cast<u32>(i), anchors_,
		       "duplicate of " + std::to_string(i - 1));
	}
	// A copy of a later record, ahead of its place.
	Segment s = parts_;
	s.records.insert(s.records.begin() + 3, parts_.records[30]);
	expect(s.build(), CO_AUDIT_SEQ_ORDER, 3, anchors_, "copy of 30 at 3");
}

TEST_F(AuditVerify, InsertedForgery)
{
	// A forged ALLOW with the right seq, linked to its predecessor and hashed correctly: the
	// prefix through it is a valid chain, so the first bad index is the record after it.
	const size_t i = 12;
	co_audit_event ev =
		make_event(COCONUT_EV_CAP_ALLOW, 666, "fs.read:/etc/shadow", "/etc/shadow");
	const u8 *prev_head = after_of(parts_.records[i - 1]);
	ev.seq = parts_.records[i].ev.seq;
	ev.time_ns = parts_.records[i].ev.time_ns;
	{
		Segment s = parts_;
		s.records.insert(s.records.begin() + i, forged_record(ev, prev_head));
		expect(s.build(), CO_AUDIT_SEQ_ORDER, i + 1, anchors_, "forged insert");
	}
	// The forgery in place of record i (same seq): the next record does not link.
	{
		Segment s = parts_;
		s.records[i] = forged_record(ev, prev_head);
		expect(s.build(), CO_AUDIT_BAD_HEAD, i + 1, anchors_, "forged replace");
	}
	// A forgery whose head_after was not recomputed: caught at itself.
	{
		Segment s = parts_;
		Record f = forged_record(ev, prev_head);
		std::memcpy(f.bytes.data() + f.after_off, after_of(parts_.records[i]), 32);
		s.records[i] = f;
		expect(s.build(), CO_AUDIT_BAD_HEAD, i, anchors_, "forged, stale head");
	}
	// The whole suffix rewritten from i (renumbered, rehashed): consistent in itself, so only
	// the anchors catch it, at the first anchored record at or after i.
	{
		Segment s = parts_;
		s.records.insert(s.records.begin() + i, forged_record(ev, prev_head));
		for (size_t k = i + 1; k < s.records.size(); k++) {
			co_audit_event e = s.records[k].ev;
			e.seq++;
			s.records[k] = forged_record(e, after_of(s.records[k - 1]));
		}
		EXPECT_EQ(verify(s.build(), boot_, {}).verdict, CO_AUDIT_OK);
		size_t at = 0;
		while (anchors_[at].seq < ev.seq)
			at++;
		expect(s.build(), CO_AUDIT_ANCHOR_MISMATCH,
		       static_cast<u32>(anchors_[at].seq - parts_.seq_first), anchors_,
		       "suffix rewritten");
	}
}

TEST_F(AuditVerify, TruncatedBeforeAnAnchor)
{
	// Records cut off at the end: every anchor past the new end is missing.
	for (size_t keep : {size_t{0}, size_t{5}, size_t{30}, size_t{52}}) {
		Segment s = parts_;
		s.records.resize(keep);
		const u64 end = parts_.seq_first + keep;
		const bool anchor_past =
			std::any_of(anchors_.begin(), anchors_.end(),
				    [&](const co_audit_anchor &an) { return an.seq >= end; });
		ASSERT_TRUE(anchor_past);
		expect(s.build(), CO_AUDIT_TRUNCATED, static_cast<u32>(keep), anchors_,
		       "kept " + std::to_string(keep));
	}
}

// Bytes cut anywhere: a format error at the record the cut falls in, never a crash.
TEST_F(AuditVerify, TruncatedBytesAreBadFormat)
{
	const size_t header = parts_.record_offset(0);
	for (size_t len = 0; len < seg_.size(); len++) {
		std::vector<u8> m(seg_.begin(), seg_.begin() + len);
		const auto r = verify(m, boot_, anchors_);
		ASSERT_EQ(r.verdict, CO_AUDIT_BAD_FORMAT) << len;
		size_t index = 0;
		if (len >= header)
			while (index < parts_.records.size() &&
			       parts_.record_offset(index + 1) <= len)
				index++;
		ASSERT_EQ(r.first_bad_index, index) << len;
	}
}

// A chain rebuilt from an earlier point with other events, self-consistent, checked against
// the anchors of the original: ANCHOR_MISMATCH at the first anchored record after the fork.
TEST_F(AuditVerify, RollbackBehindAnAnchor)
{
	const u64 fork = 21; // drained events shared with the original
	Audit b(small_config(3, 16, 4096, 8, 0));
	ASSERT_EQ(b.init_rc(), 0);
	build_chain(b, 48, 0, fork);
	const std::vector<u8> seg_b = b.export_range();
	EXPECT_EQ(verify(seg_b, boot_, b.anchors()).verdict, CO_AUDIT_OK);

	const Segment pb = parse_segment(seg_b);
	size_t first_diff = 0;
	while (pb.records[first_diff].bytes == parts_.records[first_diff].bytes)
		first_diff++;
	size_t at = 0;
	while (anchors_[at].seq < first_diff)
		at++;
	ASSERT_GT(at, 0u) << "some anchors precede the fork and still match";
	expect(seg_b, CO_AUDIT_ANCHOR_MISMATCH, static_cast<u32>(anchors_[at].seq), anchors_,
	       "rollback");
	// Against the anchors before the fork only, the rebuilt chain passes: the rollback is
	// only visible behind an anchor.
	const std::vector<co_audit_anchor> early(anchors_.begin(), anchors_.begin() + at);
	EXPECT_EQ(verify(seg_b, boot_, early).verdict, CO_AUDIT_OK);
}

// A segment from the middle of the chain, authenticated at its start by the anchor before it.
TEST_F(AuditVerify, MidChainSegmentAndItsStartAnchor)
{
	const co_audit_anchor start = anchors_[2];
	const std::vector<u8> mid = a_->export_range(start.seq + 1);
	const Segment pm = parse_segment(mid);
	ASSERT_EQ(pm.seq_first, start.seq + 1);
	const std::vector<co_audit_anchor> later(anchors_.begin() + 2, anchors_.end());
	auto ok = verify(mid, boot_, later);
	EXPECT_EQ(ok.verdict, CO_AUDIT_OK);
	EXPECT_EQ(ok.seq_first, start.seq + 1);
	EXPECT_TRUE(ok.rooted);
	ok = verify(mid, boot_, {});
	EXPECT_EQ(ok.verdict, CO_AUDIT_OK) << "consistent in itself";
	EXPECT_FALSE(ok.rooted) << "but not tied to anything trusted";

	co_audit_anchor wrong = start;
	wrong.head[0] ^= 1;
	const auto r = verify(mid, boot_, {wrong});
	EXPECT_EQ(r.verdict, CO_AUDIT_ANCHOR_MISMATCH);
	EXPECT_EQ(r.first_bad_index, 0u);
	EXPECT_EQ(r.first_bad_seq, start.seq + 1);
}

TEST_F(AuditVerify, MalformedSegments)
{
	co_audit_verify_report r{};
	EXPECT_EQ(co_audit_verify(nullptr, 0, boot_, nullptr, 0, &r), CO_AUDIT_BAD_FORMAT);
	EXPECT_EQ(co_audit_verify(seg_.data(), 0, boot_, nullptr, 0, &r), CO_AUDIT_BAD_FORMAT);
	EXPECT_EQ(co_audit_verify(seg_.data(), CO_CBOR_DOC_BYTES_MAX + 1, boot_, nullptr, 0, &r),
		  CO_AUDIT_BAD_FORMAT);

	auto with_prefix_byte = [&](size_t at, u8 v) {
		Segment s = parts_;
		s.prefix[at] = v;
		return verify(s.build(), boot_, anchors_);
	};
	// prefix: a5 00 01 01 50 <16> 02 f4 03 00 04
	ASSERT_EQ(parts_.prefix[0], 0xa5);
	EXPECT_EQ(with_prefix_byte(2, 0x02).verdict, CO_AUDIT_BAD_FORMAT) << "version 2";
	EXPECT_EQ(with_prefix_byte(0, 0xa6).verdict, CO_AUDIT_BAD_FORMAT) << "6 pairs";
	EXPECT_EQ(with_prefix_byte(4, 0x4f).verdict, CO_AUDIT_BAD_FORMAT) << "15-byte boot id";
	EXPECT_EQ(with_prefix_byte(22, 0xf5).verdict, CO_AUDIT_BAD_FORMAT)
		<< "marked filtered: not for co_audit_verify";
	EXPECT_EQ(with_prefix_byte(22, 0xf6).verdict, CO_AUDIT_BAD_FORMAT) << "null, not a bool";
	EXPECT_EQ(with_prefix_byte(5, 0x00).verdict, CO_AUDIT_BAD_HEAD) << "another boot id";

	// The records array with a non-minimal count, and with an indefinite length.
	{
		std::vector<u8> m = parts_.prefix;
		m.insert(m.end(), {0x99, 0x00, static_cast<u8>(parts_.records.size())});
		for (const auto &rec : parts_.records)
			m.insert(m.end(), rec.bytes.begin(), rec.bytes.end());
		EXPECT_EQ(verify(m, boot_, anchors_).verdict, CO_AUDIT_BAD_FORMAT);
		m = parts_.prefix;
		m.push_back(0x9f);
		EXPECT_EQ(verify(m, boot_, anchors_).verdict, CO_AUDIT_BAD_FORMAT);
	}
	// Trailing bytes: at the index after the last record.
	{
		std::vector<u8> m = seg_;
		m.push_back(0x00);
		const auto t = verify(m, boot_, anchors_);
		EXPECT_EQ(t.verdict, CO_AUDIT_BAD_FORMAT);
		EXPECT_EQ(t.first_bad_index, parts_.records.size());
	}
	// A record with an extra element.
	{
		Segment s = parts_;
		s.records[4].bytes[0] = 0x84;
		s.records[4].bytes.push_back(0x00);
		auto t = verify(s.build(), boot_, anchors_);
		EXPECT_EQ(t.verdict, CO_AUDIT_BAD_FORMAT);
		EXPECT_EQ(t.first_bad_index, 4u);
	}
	// Garbage of every small length.
	for (size_t len = 0; len < 64; len++) {
		std::vector<u8> g(len);
		for (size_t k = 0; k < len; k++)
			g[k] = static_cast<u8>(k * 37 + len);
		EXPECT_EQ(verify(g, boot_, anchors_).verdict, CO_AUDIT_BAD_FORMAT);
	}
	// More records than a segment may hold: refused before any is read.
	{
		std::vector<u8> m = parts_.prefix;
		put_head(m, 4, CO_AUDIT_SEGMENT_EVENTS_MAX + 1);
		EXPECT_EQ(verify(m, boot_, anchors_).verdict, CO_AUDIT_BAD_FORMAT);
	}
}

TEST_F(AuditVerify, FilteredSegments)
{
	co_audit_filter f{};
	f.type = COCONUT_EV_CAP_DENY;
	const std::vector<u8> fs = a_->query(f);
	const Segment p = parse_segment(fs);
	ASSERT_TRUE(p.filtered);
	ASSERT_GT(p.records.size(), 2u);
	co_audit_verify_report r{};
	auto vf = [&](const std::vector<u8> &s, const std::vector<co_audit_anchor> &an) {
		co_audit_verify_filtered(s.data(), s.size(), boot_, an.data(), an.size(), &r);
		return r.verdict;
	};
	EXPECT_EQ(vf(fs, anchors_), CO_AUDIT_OK);
	EXPECT_EQ(r.events_checked, p.records.size());
	EXPECT_EQ(verify(fs, boot_, anchors_).verdict, CO_AUDIT_BAD_FORMAT)
		<< "completeness cannot be checked on a filtered segment";

	// Each record is checked alone: a flipped bit in one is caught there.
	std::vector<u8> m = fs;
	m[p.record_offset(1) + p.records[1].event_off + 5] ^= 0x01;
	EXPECT_NE(vf(m, anchors_), CO_AUDIT_OK);
	EXPECT_EQ(r.first_bad_index, 1u);
	// Out of order is caught; a gap is what filtering means.
	Segment s = p;
	std::swap(s.records[0], s.records[1]);
	EXPECT_EQ(vf(s.build(), anchors_), CO_AUDIT_SEQ_ORDER);
	EXPECT_EQ(r.first_bad_index, 1u);
	s = p;
	s.records.erase(s.records.begin() + 1);
	EXPECT_EQ(vf(s.build(), anchors_), CO_AUDIT_OK);
	// A whole contiguous segment passes the per-record checks too.
	EXPECT_EQ(vf(seg_, anchors_), CO_AUDIT_OK);
}

// Every single-bit flip anywhere in a segment is detected, and nothing crashes.
RC_GTEST_PROP(AuditVerifyProp, EverySingleBitFlipIsDetected, ())
{
	static std::vector<u8> seg;
	static std::vector<co_audit_anchor> anchors;
	static std::vector<u8> boot;
	if (seg.empty()) {
		Audit a(small_config(3, 16, 256, 4, 0));
		RC_ASSERT(a.init_rc() == 0);
		build_chain(a, 20);
		seg = a.export_range();
		anchors = a.anchors();
		boot.assign(a.plat().boot_id(), a.plat().boot_id() + CO_BOOT_ID_SIZE);
	}
	std::vector<u8> m = seg;
	const size_t at = *rc::gen::inRange<size_t>(0, m.size());
	m[at] ^= static_cast<u8>(1u << *rc::gen::inRange(0, 8));
	const auto r = verify(m, boot.data(), anchors);
	RC_ASSERT(r.verdict != CO_AUDIT_OK);
	RC_ASSERT(r.first_bad_index <= 30u);
}

} // namespace
