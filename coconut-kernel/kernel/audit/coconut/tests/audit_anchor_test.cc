// Anchoring: every K drained events (exactly at the boundary, whatever the seal batch), every
// T ns on the platform's clock, the NV record format, and TPM failures: counted, logged, retried at
// the next seal (one attempt per seal), and never losing an event or an anchor.
#include "audit_test_util.h"

#include <vector>

using namespace audit_test;

namespace {

// The chain's events, in order.
std::vector<co_audit_event> chain_events(Audit &a)
{
	std::vector<co_audit_event> out;
	for (const auto &r : parse_segment(a.export_range()).records)
		out.push_back(r.ev);
	return out;
}

// head_after of the record with this seq in an unfiltered export.
std::vector<u8> head_after(Audit &a, u64 seq)
{
	const Segment s = parse_segment(a.export_range());
	for (const auto &r : s.records)
		if (r.ev.seq == seq)
			return std::vector<u8>(r.bytes.begin() + r.after_off,
					       r.bytes.begin() + r.after_off + 32);
	ADD_FAILURE() << "no record " << seq;
	return {};
}

TEST(AuditAnchorNv, RoundTripAndRefusals)
{
	u8 boot[CO_BOOT_ID_SIZE], other[CO_BOOT_ID_SIZE];
	for (int i = 0; i < CO_BOOT_ID_SIZE; i++) {
		boot[i] = static_cast<u8>(i);
		other[i] = static_cast<u8>(i + 1);
	}
	co_audit_anchor an{};
	an.seq = 0x0102030405060708ull;
	for (int i = 0; i < 32; i++)
		an.head[i] = static_cast<u8>(0x40 + i);
	u8 nv[CO_AUDIT_ANCHOR_NV_BYTES];
	co_audit_anchor_encode(&an, boot, nv);
	EXPECT_EQ(hex(nv, 16), "436f417501000000" "0807060504030201");

	co_audit_anchor back{};
	ASSERT_EQ(co_audit_anchor_decode(nv, sizeof(nv), boot, &back), 0);
	EXPECT_EQ(back.seq, an.seq);
	EXPECT_EQ(hex(back.head, 32), hex(an.head, 32));

	EXPECT_EQ(co_audit_anchor_decode(nv, sizeof(nv), other, &back), -ESTALE);
	EXPECT_EQ(co_audit_anchor_decode(nv, sizeof(nv) - 1, boot, &back), -EBADMSG);
	EXPECT_EQ(co_audit_anchor_decode(nullptr, 0, boot, &back), -EBADMSG);
	u8 bad[CO_AUDIT_ANCHOR_NV_BYTES];
	std::memcpy(bad, nv, sizeof(bad));
	bad[0] ^= 1;
	EXPECT_EQ(co_audit_anchor_decode(bad, sizeof(bad), boot, &back), -EBADMSG);
	std::memcpy(bad, nv, sizeof(bad));
	bad[4] = 2;
	EXPECT_EQ(co_audit_anchor_decode(bad, sizeof(bad), boot, &back), -EBADMSG);
}

TEST(AuditAnchor, EveryKEvents)
{
	Audit a(small_config(2, 64, 1024, 4, 0));
	ASSERT_EQ(a.init_rc(), 0);
	for (u64 i = 0; i < 10; i++) {
		ASSERT_EQ(a.append(i % 2, 100 + i, varied_event(i)), 0);
		co_audit_seal(a.get(), 1);
	}
	// Drained 0-3, anchor {3}, ANCHOR at 4; drained 5-8, anchor {8}, ANCHOR at 9; then 10, 11.
	const auto anchors = a.anchors();
	ASSERT_EQ(anchors.size(), 2u);
	EXPECT_EQ(anchors[0].seq, 3u);
	EXPECT_EQ(anchors[1].seq, 8u);
	EXPECT_EQ(hex(anchors[0].head, 32), hex(head_after(a, 3)));
	EXPECT_EQ(hex(anchors[1].head, 32), hex(head_after(a, 8)));
	EXPECT_EQ(a.plat().nv_writes()[0].index, 0x01000042u);

	const auto evs = chain_events(a);
	ASSERT_EQ(evs.size(), 12u);
	for (u64 s : {4u, 9u}) {
		EXPECT_EQ(evs[s].type, static_cast<u32>(COCONUT_EV_ANCHOR)) << s;
		EXPECT_EQ(evs[s].aid, 0u);
		EXPECT_EQ(evs[s].arg, s - 1);
		EXPECT_EQ(hex(evs[s].object_digest, 32), hex(head_after(a, s - 1)));
	}
	const auto st = a.stats();
	EXPECT_EQ(st.anchors, 2u);
	EXPECT_EQ(st.anchor_failures, 0u);
	EXPECT_EQ(st.by_type[COCONUT_EV_ANCHOR], 2u);
	EXPECT_EQ(st.sealed, 12u);

	const auto r = verify(a.export_range(), a.plat().boot_id(), anchors);
	EXPECT_EQ(r.verdict, CO_AUDIT_OK) << verdict_name(r.verdict);
}

// Anchors fall on the same seqs, and the chain is the same, whether the sealer drains one
// event at a time or everything at once.
TEST(AuditAnchor, KBoundariesDoNotDependOnTheBatch)
{
	std::vector<u8> heads[3];
	std::vector<std::vector<co_audit_anchor>> anchors(3);
	const u32 batch[] = {1, 7, 1000};
	for (int run = 0; run < 3; run++) {
		Audit a(small_config(2, 64, 1024, 5, 0));
		ASSERT_EQ(a.init_rc(), 0);
		for (u64 i = 0; i < 60; i++)
			ASSERT_EQ(a.append(i % 2, i / 3, varied_event(i)), 0);
		a.plat().set_now_ns(1000); // the ANCHOR events' stamp, the same in every run
		for (int n = 0; n < 200 && co_audit_pending(a.get()) > 0; n++)
			co_audit_seal(a.get(), batch[run]);
		EXPECT_EQ(co_audit_pending(a.get()), 0u);
		heads[run] = a.head();
		anchors[run] = a.anchors();
	}
	ASSERT_EQ(anchors[0].size(), 12u);
	for (int run = 1; run < 3; run++) {
		EXPECT_EQ(hex(heads[run]), hex(heads[0])) << "batch " << batch[run];
		ASSERT_EQ(anchors[run].size(), anchors[0].size());
		for (size_t i = 0; i < anchors[0].size(); i++)
			EXPECT_EQ(anchors[run][i].seq, anchors[0][i].seq);
	}
	// 5 drained then the ANCHOR: anchored seqs 4, 10, 16, ...
	for (size_t i = 0; i < anchors[0].size(); i++)
		EXPECT_EQ(anchors[0][i].seq, 4 + 6 * i);
}

TEST(AuditAnchor, EveryTNanoseconds)
{
	Audit a(small_config(1, 64, 1024, 0, 100));
	ASSERT_EQ(a.init_rc(), 0); // T counts from init at t = 0
	ASSERT_EQ(a.append(0, 10, varied_event(0)), 0);
	a.plat().set_now_ns(50);
	EXPECT_EQ(co_audit_seal(a.get(), 10), 1u);
	EXPECT_EQ(a.anchors().size(), 0u);
	a.plat().set_now_ns(99);
	EXPECT_EQ(co_audit_seal(a.get(), 10), 0u);
	EXPECT_EQ(a.anchors().size(), 0u);
	a.plat().set_now_ns(100); // T passed, one event unanchored: anchor even with nothing to drain
	EXPECT_EQ(co_audit_seal(a.get(), 10), 1u);
	ASSERT_EQ(a.anchors().size(), 1u);
	EXPECT_EQ(a.anchors()[0].seq, 0u);
	// T counts from that anchor: an event sealed within T waits for the next T.
	ASSERT_EQ(a.append(0, 150, varied_event(1)), 0);
	a.plat().set_now_ns(150);
	EXPECT_EQ(co_audit_seal(a.get(), 10), 1u);
	a.plat().set_now_ns(199);
	EXPECT_EQ(co_audit_seal(a.get(), 10), 0u);
	EXPECT_EQ(a.anchors().size(), 1u);
	a.plat().set_now_ns(200);
	EXPECT_EQ(co_audit_seal(a.get(), 10), 1u);
	ASSERT_EQ(a.anchors().size(), 2u);
	EXPECT_EQ(a.anchors()[1].seq, 2u); // seq 1 was the first ANCHOR event
	a.plat().set_now_ns(400); // T passed but nothing sealed since: no anchor
	EXPECT_EQ(co_audit_seal(a.get(), 10), 0u);
	EXPECT_EQ(a.anchors().size(), 2u);
	const auto evs = chain_events(a);
	ASSERT_EQ(evs.size(), 4u);
	EXPECT_EQ(evs[1].type, static_cast<u32>(COCONUT_EV_ANCHOR));
	EXPECT_EQ(evs[1].time_ns, 100u);
	EXPECT_EQ(evs[3].time_ns, 200u);
	EXPECT_EQ(a.plat().nv_writes()[1].time_ns, 200u);
}

TEST(AuditAnchor, KAndTTogether)
{
	Audit a(small_config(1, 64, 1024, 3, 1000));
	ASSERT_EQ(a.init_rc(), 0);
	for (u64 i = 0; i < 4; i++)
		ASSERT_EQ(a.append(0, i, varied_event(i)), 0);
	a.plat().set_now_ns(10);
	EXPECT_EQ(co_audit_seal(a.get(), 100), 5u); // 4 drained + one K anchor
	ASSERT_EQ(a.anchors().size(), 1u);
	EXPECT_EQ(a.anchors()[0].seq, 2u);
	a.plat().set_now_ns(1009); // T counts from that anchor (t = 10)
	EXPECT_EQ(co_audit_seal(a.get(), 100), 0u);
	a.plat().set_now_ns(1010);
	EXPECT_EQ(co_audit_seal(a.get(), 100), 1u);
	ASSERT_EQ(a.anchors().size(), 2u);
	EXPECT_EQ(a.anchors()[1].seq, 4u);
}

TEST(AuditAnchor, TpmFailureIsCountedLoggedAndRetried)
{
	Audit a(small_config(1, 64, 1024, 2, 0));
	ASSERT_EQ(a.init_rc(), 0);
	a.plat().fail_tpm_writes(3);
	for (u64 i = 0; i < 2; i++)
		ASSERT_EQ(a.append(0, i, varied_event(i)), 0);
	EXPECT_EQ(co_audit_seal(a.get(), 100), 2u); // sealed, anchor failed
	auto st = a.stats();
	EXPECT_EQ(st.anchor_failures, 1u);
	EXPECT_EQ(st.anchors, 0u);
	EXPECT_EQ(a.plat().nv_attempts(), 1u);
	ASSERT_EQ(a.plat().log_lines().size(), 1u);
	EXPECT_NE(a.plat().log_lines()[0].text.find("TPM NV write"), std::string::npos);

	// Events keep flowing while the TPM fails; one attempt per seal call, each counted.
	for (u64 i = 2; i < 8; i++)
		ASSERT_EQ(a.append(0, i, varied_event(i)), 0);
	EXPECT_EQ(co_audit_seal(a.get(), 3), 3u);
	EXPECT_EQ(a.plat().nv_attempts(), 2u);
	EXPECT_EQ(co_audit_seal(a.get(), 0), 0u);
	EXPECT_EQ(a.plat().nv_attempts(), 3u);
	st = a.stats();
	EXPECT_EQ(st.anchor_failures, 3u);
	EXPECT_EQ(a.sealed(), 5u);
	EXPECT_EQ(a.plat().log_lines().size(), 3u);

	// The TPM is back: the retry comes first and anchors the head of the moment (seq 4), then
	// the drain goes on and anchors again at the next K boundary.
	EXPECT_EQ(co_audit_seal(a.get(), 100), 1u + 3u + 1u);
	const auto anchors = a.anchors();
	ASSERT_EQ(anchors.size(), 2u);
	EXPECT_EQ(anchors[0].seq, 4u);
	EXPECT_EQ(anchors[1].seq, 7u); // ANCHOR at 5, drained 6 and 7
	st = a.stats();
	EXPECT_EQ(st.anchors, 2u);
	EXPECT_EQ(st.anchor_failures, 3u);
	EXPECT_EQ(st.appended, 8u);
	EXPECT_EQ(st.sealed, 10u);
	EXPECT_EQ(co_audit_pending(a.get()), 0u);
	const auto r = verify(a.export_range(), a.plat().boot_id(), anchors);
	EXPECT_EQ(r.verdict, CO_AUDIT_OK) << verdict_name(r.verdict);
}

// Issue 17, finding 7: K counts events, which callers make, so a flood of events must not set
// the TPM's write rate. With K = 1 and a 100 ms floor, 300 events sealed one per call in the
// same instant write once, not 300 times; a retry after a failure waits for the floor too;
// once the floor has passed, the next seal anchors the head of its moment. With the floor at 0
// (what traces from before it replay with) every K-th event anchors, as before.
TEST(AuditAnchor, AFloodCannotSetTheTpmWriteRate)
{
	co_audit_config cfg = small_config(1, 1024, 4096, 1, 0);
	cfg.anchor_min_ns = 100000000;
	Audit a(cfg);
	ASSERT_EQ(a.init_rc(), 0);
	a.plat().set_now_ns(200000000); // past the floor since init
	for (u64 i = 0; i < 300; i++) {
		ASSERT_EQ(a.append(0, 200000000, varied_event(i)), 0);
		co_audit_seal(a.get(), 1);
	}
	EXPECT_EQ(a.plat().nv_attempts(), 1u) << "one write in the floor, whatever K says";
	EXPECT_EQ(co_audit_pending(a.get()), 0u) << "the drain went on";
	a.plat().advance_ns(50000000); // 50 ms: still inside the floor
	ASSERT_EQ(a.append(0, a.plat().now_ns(), varied_event(300)), 0);
	co_audit_seal(a.get(), 100);
	EXPECT_EQ(a.plat().nv_attempts(), 1u);
	a.plat().advance_ns(50000000); // 100 ms after the write: the head of this moment is anchored
	a.plat().fail_tpm_writes(1);
	co_audit_seal(a.get(), 100);
	EXPECT_EQ(a.plat().nv_attempts(), 2u);
	EXPECT_EQ(a.stats().anchor_failures, 1u);
	co_audit_seal(a.get(), 100); // the retry waits for the floor as well
	EXPECT_EQ(a.plat().nv_attempts(), 2u);
	a.plat().advance_ns(100000000);
	co_audit_seal(a.get(), 100);
	EXPECT_EQ(a.plat().nv_attempts(), 3u);
	const auto anchors = a.anchors();
	ASSERT_EQ(anchors.size(), 2u);
	EXPECT_EQ(anchors[1].seq + 1, a.sealed() - 1) << "the latest head, then its ANCHOR event";
	const auto r = verify(a.export_range(), a.plat().boot_id(), anchors);
	EXPECT_EQ(r.verdict, CO_AUDIT_OK) << verdict_name(r.verdict);

	co_audit_config none = small_config(1, 1024, 4096, 1, 0);
	Audit b(none); // anchor_min_ns 0: no floor
	ASSERT_EQ(b.init_rc(), 0);
	for (u64 i = 0; i < 100; i++) {
		ASSERT_EQ(b.append(0, 0, varied_event(i)), 0);
		co_audit_seal(b.get(), 1);
	}
	EXPECT_EQ(b.plat().nv_attempts(), 100u);
}

TEST(AuditAnchor, PositiveTpmErrorIsStillAFailure)
{
	Audit a(small_config(1, 64, 1024, 1, 0));
	ASSERT_EQ(a.init_rc(), 0);
	a.plat().fail_tpm_writes(1, 7);
	ASSERT_EQ(a.append(0, 1, varied_event(0)), 0);
	EXPECT_EQ(co_audit_seal(a.get(), 10), 1u);
	EXPECT_EQ(a.stats().anchor_failures, 1u);
	EXPECT_EQ(co_audit_seal(a.get(), 10), 1u); // the retry and its ANCHOR event
	EXPECT_EQ(a.stats().anchors, 1u);
}

} // namespace
