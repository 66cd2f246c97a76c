// Audit events: the encoding is the chain's wire format, so it is pinned byte for byte (a
// hand-built known answer), checked canonical against the strict CBOR decoder, round-tripped
// over arbitrary events (RapidCheck), and every malformed variant is refused by decode. The
// chain formula is pinned by known answers for head_0 and head_1, computed here with co_blake3
// and checked once against the Debian b3sum tool on the same bytes.
#include "audit_test_util.h"

#include "coconut/blake3.h"

#include <rapidcheck/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace audit_test;

namespace {

// BLAKE3 of bytes by the b3sum tool (through a temporary file).
std::string b3sum(const std::vector<u8> &bytes)
{
	char path[] = "/tmp/coconut-audit-b3-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return "mkstemp failed";
	if (write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
		close(fd);
		unlink(path);
		return "write failed";
	}
	close(fd);
	std::string cmd = std::string("/usr/bin/b3sum --no-names ") + path;
	FILE *p = popen(cmd.c_str(), "r");
	std::string out;
	if (p) {
		char buf[128];
		while (fgets(buf, sizeof(buf), p))
			out += buf;
		pclose(p);
	}
	unlink(path);
	while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
		out.pop_back();
	return out;
}

std::vector<u8> boot_0_15()
{
	std::vector<u8> b(CO_BOOT_ID_SIZE);
	for (size_t i = 0; i < b.size(); i++)
		b[i] = static_cast<u8>(i);
	return b;
}

// The fixed event of the head_1 known answer.
co_audit_event kat_event()
{
	co_audit_event ev = make_event(COCONUT_EV_CAP_DENY, 7, "fs.read:/etc/passwd", "/etc/passwd",
				       0, -ECAPABILITY);
	ev.seq = 0;
	ev.time_ns = 1000;
	ev.cpu = 1;
	return ev;
}

// Its encoding, written out by hand from the format in coconut/audit.h.
std::vector<u8> kat_encoding()
{
	std::vector<u8> e = {0xa9,		  // map of 9 pairs
			     0x00, 0x00,	  // 0: seq 0
			     0x01, 0x19, 0x03, 0xe8, // 1: time_ns 1000
			     0x02, 0x01,	  // 2: cpu 1
			     0x03, 0x07,	  // 3: aid 7
			     0x04, 0x04,	  // 4: type CAP_DENY
			     0x05, 0x73};	  // 5: text of 19 bytes
	const std::string cap = "fs.read:/etc/passwd";
	e.insert(e.end(), cap.begin(), cap.end());
	e.insert(e.end(), {0x06, 0x58, 0x20}); // 6: bytes of 32
	u8 dig[32];
	co_blake3_hash("/etc/passwd", 11, dig);
	e.insert(e.end(), dig, dig + 32);
	e.insert(e.end(), {0x07, 0x38, 0x85, // 7: -134 = -1 - 133
			   0x08, 0x00});      // 8: arg 0
	return e;
}

const char kHead0[] = "8a64cdec13bdc8a58b9beaf9e5e6777d264a302000803a05a02afd5db8e0a15d";
const char kHead1[] = "167813e2cd5eb3dc2ec9a87ef106bf11c3f211a177ea0e793d633ff6de862100";

TEST(AuditChainKat, Head0)
{
	const std::vector<u8> boot = boot_0_15();
	u8 h[32], by_hand[32];
	co_audit_head_0(boot.data(), h);

	std::vector<u8> in(CO_AUDIT_DOMAIN, CO_AUDIT_DOMAIN + 16);
	in.insert(in.end(), boot.begin(), boot.end());
	co_blake3_hash(in.data(), in.size(), by_hand);
	EXPECT_EQ(hex(h, 32), hex(by_hand, 32));
	EXPECT_EQ(hex(h, 32), kHead0);
	EXPECT_EQ(b3sum(in), kHead0) << "the b3sum oracle disagrees (apt install b3sum)";
}

TEST(AuditChainKat, EncodingAndHead1)
{
	const co_audit_event ev = kat_event();
	const std::vector<u8> enc = encode(ev);
	EXPECT_EQ(hex(enc), hex(kat_encoding()));

	u8 h0[32], h1[32], by_hand[32];
	co_audit_head_0(boot_0_15().data(), h0);
	co_audit_chain_extend(h0, enc.data(), enc.size(), h1);
	std::vector<u8> in(h0, h0 + 32);
	in.insert(in.end(), enc.begin(), enc.end());
	co_blake3_hash(in.data(), in.size(), by_hand);
	EXPECT_EQ(hex(h1, 32), hex(by_hand, 32));
	EXPECT_EQ(hex(h1, 32), kHead1);
	EXPECT_EQ(b3sum(in), kHead1);
}

// The same head through the instance: append on CPU 1 at t = 1000, seal.
TEST(AuditChainKat, Head1ThroughTheSealer)
{
	Audit a(small_config(2));
	ASSERT_EQ(a.init_rc(), 0);
	a.plat().set_boot_id(boot_0_15().data());
	// The boot id is read at init: start again with the fixed one.
	co_audit_destroy(a.get());
	const co_plat p = a.plat().plat();
	const co_audit_config cfg = small_config(2);
	ASSERT_EQ(co_audit_init(a.get(), &p, &cfg), 0);

	EXPECT_EQ(hex(a.head()), kHead0);
	co_audit_event ev = kat_event();
	ev.cpu = 0; // ignored: the platform's cpu id is used
	ASSERT_EQ(a.append(1, 1000, ev), 0);
	EXPECT_EQ(co_audit_seal(a.get(), 16), 1u);
	EXPECT_EQ(hex(a.head()), kHead1);
	EXPECT_EQ(a.sealed(), 1u);
}

TEST(AuditEvent, InitClearsAndSetters)
{
	co_audit_event ev;
	std::memset(&ev, 0x5a, sizeof(ev));
	co_audit_event_init(&ev, COCONUT_EV_SPAWN, 9, -2);
	EXPECT_EQ(ev.type, static_cast<u32>(COCONUT_EV_SPAWN));
	EXPECT_EQ(ev.aid, 9u);
	EXPECT_EQ(ev.result, -2);
	EXPECT_EQ(ev.seq | ev.time_ns | ev.arg | ev.cpu | ev.cap_len, 0u);
	for (u8 b : ev.object_digest)
		EXPECT_EQ(b, 0);

	co_audit_event_set_cap(&ev, "agent.spawn", 11);
	EXPECT_EQ(ev.cap_len, 11);
	EXPECT_EQ(std::string(ev.cap, ev.cap_len), "agent.spawn");
	co_audit_event_set_cap(&ev, "x", 1);
	EXPECT_EQ(ev.cap[1], 0) << "the old text's tail is cleared";

	u8 empty[32];
	co_blake3_hash("", 0, empty);
	co_audit_event_set_object(&ev, "", 0);
	EXPECT_EQ(hex(ev.object_digest, 32), hex(empty, 32)) << "an empty object is an object";
	co_audit_event_set_object(&ev, nullptr, 0);
	for (u8 b : ev.object_digest)
		EXPECT_EQ(b, 0) << "NULL: no object";
}

TEST(AuditEventDeathTest, CapTooLongIsAnAssertion)
{
	co_audit_event ev;
	co_audit_event_init(&ev, COCONUT_EV_GRANT, 1, 0);
	std::string cap(COCONUT_CAP_TEXT_MAX + 1, 'a');
	EXPECT_DEATH(co_audit_event_set_cap(&ev, cap.data(), cap.size()), "assertion failed");
}

TEST(AuditEvent, WorstCaseIsTheLimit)
{
	co_audit_event ev = make_event(COCONUT_EV_MEM_TIER, ~0ull, std::string(256, 'z'), "obj");
	ev.seq = ev.time_ns = ev.arg = ~0ull;
	ev.actor = ~0ull - 1; // any nonzero actor but aid (~0)
	ev.cpu = 0xffffffffu;
	ev.result = INT32_MIN;
	const std::vector<u8> enc = encode(ev);
	EXPECT_EQ(enc.size(), static_cast<size_t>(CO_AUDIT_EVENT_ENC_BYTES_MAX));
	EXPECT_EQ(co_audit_event_encode(&ev, nullptr, 0), -EMSGSIZE);
}

// The actor (key 9, issue 17 finding 9): written only when nonzero, so an event without one
// encodes exactly as before the key existed (the known answer above is unchanged); one with an
// actor round-trips; an actor equal to aid, or a key 9 of 0 or of aid, has no encoding.
TEST(AuditEvent, ActorIsKeyNineOnlyWhenSomeoneElseActed)
{
	co_audit_event ev = kat_event();
	const std::vector<u8> without = encode(ev);
	EXPECT_EQ(without[0], 0xa9) << "a map of 9 pairs";
	ev.actor = 3;
	const std::vector<u8> with = encode(ev);
	ASSERT_EQ(with.size(), without.size() + 2);
	EXPECT_EQ(with[0], 0xaa) << "a map of 10 pairs";
	EXPECT_EQ(std::vector<u8>(with.begin() + 1, with.end() - 2),
		  std::vector<u8>(without.begin() + 1, without.end()))
		<< "keys 0..8 unchanged";
	EXPECT_EQ(with[with.size() - 2], 0x09);
	EXPECT_EQ(with[with.size() - 1], 0x03);
	co_audit_event back;
	ASSERT_EQ(co_audit_event_decode(with.data(), with.size(), &back), 0);
	EXPECT_EQ(back.actor, 3u);
	EXPECT_EQ(memcmp(&back, &ev, sizeof(ev)), 0);
	ASSERT_EQ(co_audit_event_decode(without.data(), without.size(), &back), 0);
	EXPECT_EQ(back.actor, 0u);

	// Acting on itself is no actor: refused, not silently dropped.
	ev.actor = ev.aid;
	EXPECT_EQ(co_audit_event_encode(&ev, nullptr, 0), -EINVAL);
	// Key 9 with 0, or with aid: not what encode writes.
	for (u8 bad : { (u8)0x00, (u8)ev.aid }) {
		std::vector<u8> b = with;
		b[b.size() - 1] = bad;
		EXPECT_EQ(co_audit_event_decode(b.data(), b.size(), &back), -EBADMSG)
			<< "actor " << (int)bad;
	}
	// A 10-pair map whose tenth key is not 9.
	std::vector<u8> b = with;
	b[b.size() - 2] = 0x0a;
	EXPECT_EQ(co_audit_event_decode(b.data(), b.size(), &back), -EBADMSG);
}

TEST(AuditEvent, SmallBufferIsEmsgsize)
{
	const co_audit_event ev = kat_event();
	const size_t need = encode(ev).size();
	std::vector<u8> buf(need);
	for (size_t n = 0; n < need; n++)
		EXPECT_EQ(co_audit_event_encode(&ev, buf.data(), n), -EMSGSIZE) << n;
	EXPECT_EQ(co_audit_event_encode(&ev, buf.data(), need), static_cast<int>(need));
}

TEST(AuditEvent, UnencodableEventsAreEinval)
{
	co_audit_event ev = kat_event();
	u8 buf[CO_AUDIT_EVENT_ENC_BYTES_MAX];
	ev.type = 0;
	EXPECT_EQ(co_audit_event_encode(&ev, buf, sizeof(buf)), -EINVAL);
	ev.type = COCONUT_EV_TYPE_COUNT;
	EXPECT_EQ(co_audit_event_encode(&ev, buf, sizeof(buf)), -EINVAL);
	ev = kat_event();
	ev.cap_len = COCONUT_CAP_TEXT_MAX + 1;
	EXPECT_EQ(co_audit_event_encode(&ev, buf, sizeof(buf)), -EINVAL);
	ev = kat_event();
	ev.cap[3] = static_cast<char>(0xff); // not UTF-8
	EXPECT_EQ(co_audit_event_encode(&ev, buf, sizeof(buf)), -EINVAL);
}

TEST(AuditEvent, KnownEncodingDecodes)
{
	const std::vector<u8> enc = kat_encoding();
	co_audit_event ev;
	ASSERT_EQ(co_audit_event_decode(enc.data(), enc.size(), &ev), 0);
	const co_audit_event want = kat_event();
	EXPECT_EQ(std::memcmp(&ev, &want, sizeof(ev)), 0) << "decode fills every byte as init does";
}

// Variants of the known encoding that decode must refuse, each for one reason.
TEST(AuditEvent, DecodeIsStrict)
{
	const std::vector<u8> good = kat_encoding();
	co_audit_event ev;
	auto refused = [&](std::vector<u8> b, const char *why) {
		EXPECT_EQ(co_audit_event_decode(b.data(), b.size(), &ev), -EBADMSG) << why;
	};
	// Every proper prefix, and trailing bytes.
	for (size_t n = 0; n < good.size(); n++)
		refused(std::vector<u8>(good.begin(), good.begin() + n), "truncated");
	{
		auto b = good;
		b.push_back(0x00);
		refused(b, "trailing byte");
	}
	{
		auto b = good; // seq 0 in a 1-byte argument: not the shortest form
		b.erase(b.begin() + 2);
		b.insert(b.begin() + 2, {0x18, 0x00});
		refused(b, "non-minimal seq");
	}
	{
		auto b = good; // type 11 (COCONUT_EV_TYPE_COUNT) and type 0
		b[12] = 0x0b;
		refused(b, "unknown type");
		b[12] = 0x00;
		refused(b, "type 0");
	}
	{
		auto b = good; // map of 8 pairs: the arg pair dropped
		b[0] = 0xa8;
		b.resize(b.size() - 2);
		refused(b, "missing key");
	}
	{
		auto b = good; // a tenth pair {9: 0}
		b[0] = 0xaa;
		b.insert(b.end(), {0x09, 0x00});
		refused(b, "extra key");
	}
	{
		auto b = good; // key 2 renamed 9: out of order
		b[7] = 0x09;
		refused(b, "key order");
	}
	{
		auto b = good; // cap as a byte string (major 2) instead of text
		b[14] = 0x53;
		refused(b, "cap is bytes");
	}
	{
		auto b = good; // digest of 31 bytes
		const size_t at = 15 + 19 + 1;
		ASSERT_EQ(b[at], 0x58);
		b[at + 1] = 0x1f;
		b.erase(b.begin() + at + 2);
		refused(b, "short digest");
	}
	{
		auto b = good; // cpu 2^32: needs 8 bytes and exceeds a u32
		b.erase(b.begin() + 8);
		b.insert(b.begin() + 8, {0x1b, 0, 0, 0, 1, 0, 0, 0, 0});
		refused(b, "cpu over u32");
	}
	{
		auto b = good; // result -2^31 - 1
		const size_t at = good.size() - 5;
		ASSERT_EQ(b[at], 0x07);
		b.erase(b.begin() + at + 1, b.begin() + at + 3);
		b.insert(b.begin() + at + 1, {0x3a, 0x80, 0x00, 0x00, 0x00});
		refused(b, "result under s32");
	}
	{
		auto b = good; // the cap's first byte made a lone continuation byte
		b[15] = 0x80;
		refused(b, "cap not UTF-8");
	}
	refused({0x80}, "an array");
}

// Any encodable event: the encoding is canonical (strict decode), decodes to the same event and
// re-encodes to the same bytes, and its length is within the limit.
RC_GTEST_PROP(AuditEventProp, RoundTripIsCanonical,
	      (u64 seq, u64 time, u32 cpu, u64 aid, u64 arg, s32 result))
{
	const u32 type = *rc::gen::inRange<u32>(1, COCONUT_EV_TYPE_COUNT);
	const std::string cap = *rc::gen::container<std::string>(
		*rc::gen::inRange<size_t>(0, COCONUT_CAP_TEXT_MAX + 1),
		rc::gen::inRange<char>(0x20, 0x7f));
	const auto digest = *rc::gen::container<std::vector<u8>>(32, rc::gen::arbitrary<u8>());
	co_audit_event ev;
	co_audit_event_init(&ev, type, aid, result);
	co_audit_event_set_cap(&ev, cap.data(), cap.size());
	std::memcpy(ev.object_digest, digest.data(), 32);
	ev.seq = seq;
	ev.time_ns = time;
	ev.cpu = cpu;
	ev.arg = arg;

	u8 buf[CO_AUDIT_EVENT_ENC_BYTES_MAX];
	const int n = co_audit_event_encode(&ev, buf, sizeof(buf));
	RC_ASSERT(n > 0);
	RC_ASSERT(n <= CO_AUDIT_EVENT_ENC_BYTES_MAX);
	RC_ASSERT(co_audit_event_encode(&ev, nullptr, 0) == -EMSGSIZE);
	RC_ASSERT(co_cbor_validate(buf, static_cast<size_t>(n), 0, nullptr, nullptr) == CO_CBOR_OK);

	co_audit_event back;
	RC_ASSERT(co_audit_event_decode(buf, static_cast<size_t>(n), &back) == 0);
	RC_ASSERT(std::memcmp(&back, &ev, sizeof(ev)) == 0);
	u8 again[CO_AUDIT_EVENT_ENC_BYTES_MAX];
	RC_ASSERT(co_audit_event_encode(&back, again, sizeof(again)) == n);
	RC_ASSERT(std::memcmp(again, buf, static_cast<size_t>(n)) == 0);
}

// Decode never crashes on arbitrary bytes, and whatever it accepts re-encodes to exactly them.
RC_GTEST_PROP(AuditEventProp, DecodeAcceptsOnlyCanonicalBytes, ())
{
	const co_audit_event base = varied_event(*rc::gen::inRange<u64>(0, 64));
	std::vector<u8> b = encode(base);
	const size_t flips = *rc::gen::inRange<size_t>(1, 4);
	for (size_t i = 0; i < flips; i++) {
		const size_t at = *rc::gen::inRange<size_t>(0, b.size());
		b[at] ^= static_cast<u8>(1u << *rc::gen::inRange(0, 8));
	}
	co_audit_event ev;
	if (co_audit_event_decode(b.data(), b.size(), &ev) == 0) {
		const std::vector<u8> again = encode(ev);
		RC_ASSERT(again == b);
	}
}

} // namespace
