// Capability text: every valid spelling round-trips through parse and format, every invalid one
// fails with its own code at the byte that is wrong, and random or mutated texts either fail or
// round-trip (a parse that accepts a non-canonical spelling would show up as a format mismatch).
#include "cap_test_util.h"

#include <cstring>
#include <string>

using namespace cap_test;

namespace {

std::string repeat(const std::string &s, int n)
{
	std::string out;
	for (int i = 0; i < n; i++)
		out += s;
	return out;
}

struct Valid {
	std::string text;
	u32 kind;
	u32 granted;
	u32 flags;
	u32 segs;
};

const Valid kValid[] = {
	{ "fs.read:/home/maya/project/**", COCONUT_CAP_FS_READ, 0, CO_CAP_F_SUBTREE, 3 },
	{ "fs.read:/**", COCONUT_CAP_FS_READ, 0, CO_CAP_F_SUBTREE, 0 },
	{ "fs.read:/a", COCONUT_CAP_FS_READ, 0, 0, 1 },
	{ "fs.write:/tmp/*.txt", COCONUT_CAP_FS_WRITE, 0, CO_CAP_F_WILDCARD, 2 },
	{ "fs.read:/home/maya/project/src/file_17.c", COCONUT_CAP_FS_READ, 0, 0, 5 },
	{ "fs.read:/a/*/c/**", COCONUT_CAP_FS_READ, 0, CO_CAP_F_WILDCARD | CO_CAP_F_SUBTREE, 3 },
	{ "fs.read:/a/b*c*d", COCONUT_CAP_FS_READ, 0, CO_CAP_F_WILDCARD, 2 },
	{ "fs.read:/*", COCONUT_CAP_FS_READ, 0, CO_CAP_F_WILDCARD, 1 },
	{ "fs.read:/*/**", COCONUT_CAP_FS_READ, 0, CO_CAP_F_WILDCARD | CO_CAP_F_SUBTREE, 1 },
	{ "fs.read:/home/maya/My Documents/**", COCONUT_CAP_FS_READ, 0, CO_CAP_F_SUBTREE, 3 },
	{ "fs.read:/home/~/x", COCONUT_CAP_FS_READ, 0, 0, 3 },
	{ "fs.read:/a/.../b", COCONUT_CAP_FS_READ, 0, 0, 3 },
	{ "fs.read:/a/.b/..c/c..", COCONUT_CAP_FS_READ, 0, 0, 4 },
	{ "fs.read:/a:b/c", COCONUT_CAP_FS_READ, 0, 0, 2 },
	{ "fs.read:" + repeat("/a", 32), COCONUT_CAP_FS_READ, 0, 0, 32 },
	{ "fs.read:" + repeat("/a", 32) + "/**", COCONUT_CAP_FS_READ, 0, CO_CAP_F_SUBTREE, 32 },
	{ "fs.read:/" + std::string(247, 'x'), COCONUT_CAP_FS_READ, 0, 0, 1 },
	{ "net.egress:api.example.com:443", COCONUT_CAP_NET_EGRESS, 0, 0, 3 },
	{ "net.egress:*.example.com:443", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_WILDCARD, 3 },
	{ "net.egress:api.example.com:*", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_ANY_PORT, 3 },
	{ "net.egress:*:*", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_WILDCARD | CO_CAP_F_ANY_PORT, 1 },
	{ "net.egress:10.0.0.1:65535", COCONUT_CAP_NET_EGRESS, 0, 0, 4 },
	{ "net.egress:a-b.c*d.e:1", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_WILDCARD, 3 },
	{ "net.egress:" + std::string(63, 'a') + ".b:80", COCONUT_CAP_NET_EGRESS, 0, 0, 2 },
	// IPv6 hosts (issue 18, item 5), as RFC 5952 writes them: one spelling each.
	{ "net.egress:[2001:db8::1]:443", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_IPV6, 1 },
	{ "net.egress:[::1]:*", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_IPV6 | CO_CAP_F_ANY_PORT, 1 },
	{ "net.egress:[::]:80", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_IPV6, 1 },
	{ "net.egress:[2001:db8:0:1:1:1:1:1]:443", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_IPV6, 1 },
	{ "net.egress:[2001:db8::1:0:0:1]:443", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_IPV6, 1 },
	{ "net.egress:[fe80::]:22", COCONUT_CAP_NET_EGRESS, 0, CO_CAP_F_IPV6, 1 },
	{ "gpu:0/partition/1", COCONUT_CAP_GPU, 0, 0, 3 },
	{ "gpu:0/**", COCONUT_CAP_GPU, 0, CO_CAP_F_SUBTREE, 1 },
	{ "gpu:*/**", COCONUT_CAP_GPU, 0, CO_CAP_F_WILDCARD | CO_CAP_F_SUBTREE, 1 },
	{ "gpu:*/partition/*", COCONUT_CAP_GPU, 0, CO_CAP_F_WILDCARD, 3 },
	{ "gpu:255/partition/255", COCONUT_CAP_GPU, 0, 0, 3 },
	{ "gpu:12/partition/0", COCONUT_CAP_GPU, 0, 0, 3 },
	{ "inference:kvwarden", COCONUT_CAP_INFERENCE, 0, 0, 1 },
	{ "inference:*", COCONUT_CAP_INFERENCE, 0, CO_CAP_F_WILDCARD, 1 },
	{ "inference:vllm-*.local", COCONUT_CAP_INFERENCE, 0, CO_CAP_F_WILDCARD, 1 },
	{ "inference:llama.cpp_v2", COCONUT_CAP_INFERENCE, 0, 0, 1 },
	{ "agent.spawn", COCONUT_CAP_AGENT_SPAWN, 0, 0, 0 },
	{ "audit.query", COCONUT_CAP_AUDIT_QUERY, 0, 0, 0 },
	{ "mem.tier:hbm", COCONUT_CAP_MEM_TIER, 0, 0, 1 },
	{ "mem.tier:ram", COCONUT_CAP_MEM_TIER, 0, 0, 1 },
	{ "mem.tier:ssd", COCONUT_CAP_MEM_TIER, 0, 0, 1 },
	{ "mem.tier:*", COCONUT_CAP_MEM_TIER, 0, CO_CAP_F_WILDCARD, 1 },
	{ "cap.grant:fs.read:/data/**", COCONUT_CAP_CAP_GRANT, COCONUT_CAP_FS_READ, CO_CAP_F_SUBTREE, 1 },
	{ "cap.grant:agent.spawn", COCONUT_CAP_CAP_GRANT, COCONUT_CAP_AGENT_SPAWN, 0, 0 },
	{ "cap.grant:net.egress:*:443", COCONUT_CAP_CAP_GRANT, COCONUT_CAP_NET_EGRESS, CO_CAP_F_WILDCARD, 1 },
	{ "cap.grant:mem.tier:*", COCONUT_CAP_CAP_GRANT, COCONUT_CAP_MEM_TIER, CO_CAP_F_WILDCARD, 1 },
	{ "cap.grant:gpu:0/partition/*", COCONUT_CAP_CAP_GRANT, COCONUT_CAP_GPU, CO_CAP_F_WILDCARD, 3 },
};

struct Invalid {
	std::string text;
	co_cap_err code;
	u32 offset;
};

const Invalid kInvalid[] = {
	{ "", CO_CAP_E_EMPTY, 0 },
	{ "fs.read:/" + std::string(248, 'a'), CO_CAP_E_TOO_LONG, 256 },
	{ "fs.read:/a\tb", CO_CAP_E_NONPRINTABLE, 10 },
	{ "fs.read:/a\x7f", CO_CAP_E_NONPRINTABLE, 10 },
	{ "fs.read:/\xc3\xa9", CO_CAP_E_NONPRINTABLE, 9 },
	{ std::string("fs.read:/a\0b", 12), CO_CAP_E_NONPRINTABLE, 10 },
	{ "fs.reed:/a", CO_CAP_E_UNKNOWN_KIND, 0 },
	{ "FS.READ:/a", CO_CAP_E_UNKNOWN_KIND, 0 },
	{ ":/a", CO_CAP_E_UNKNOWN_KIND, 0 },
	{ "fs.read :/a", CO_CAP_E_UNKNOWN_KIND, 0 },
	{ "fs.read", CO_CAP_E_MISSING_OBJECT, 7 },
	{ "fs.read:", CO_CAP_E_MISSING_OBJECT, 8 },
	{ "net.egress", CO_CAP_E_MISSING_OBJECT, 10 },
	{ "agent.spawn:", CO_CAP_E_EXTRA_OBJECT, 11 },
	{ "agent.spawn:x", CO_CAP_E_EXTRA_OBJECT, 11 },
	{ "audit.query:all", CO_CAP_E_EXTRA_OBJECT, 11 },
	{ "cap.grant", CO_CAP_E_MISSING_OBJECT, 9 },
	{ "cap.grant:", CO_CAP_E_MISSING_OBJECT, 10 },
	{ "cap.grant:cap.grant:agent.spawn", CO_CAP_E_NESTED_GRANT, 10 },
	{ "cap.grant:cap.grant", CO_CAP_E_NESTED_GRANT, 10 },
	{ "cap.grant:bogus:x", CO_CAP_E_UNKNOWN_KIND, 10 },
	{ "cap.grant::x", CO_CAP_E_UNKNOWN_KIND, 10 },
	{ "cap.grant:fs.read", CO_CAP_E_MISSING_OBJECT, 17 },
	{ "cap.grant:fs.read:a", CO_CAP_E_BAD_PATH, 18 },
	{ "cap.grant:agent.spawn:x", CO_CAP_E_EXTRA_OBJECT, 21 },
	{ "fs.read:a/b", CO_CAP_E_BAD_PATH, 8 },
	{ "fs.read:~/x", CO_CAP_E_BAD_PATH, 8 },
	{ "fs.read:/", CO_CAP_E_BAD_PATH, 9 },
	{ "fs.read:/a/", CO_CAP_E_BAD_PATH, 11 },
	{ "fs.read://a", CO_CAP_E_BAD_PATH, 9 },
	{ "fs.read:/a//b", CO_CAP_E_BAD_PATH, 11 },
	{ "fs.read:/a/./b", CO_CAP_E_BAD_PATH, 11 },
	{ "fs.read:/a/..", CO_CAP_E_BAD_PATH, 11 },
	{ "fs.read:/.", CO_CAP_E_BAD_PATH, 9 },
	{ "fs.read:/**/a", CO_CAP_E_BAD_WILDCARD, 9 },
	{ "fs.read:/a/**/b", CO_CAP_E_BAD_WILDCARD, 11 },
	{ "fs.read:/a/**/", CO_CAP_E_BAD_WILDCARD, 11 },
	{ "fs.read:/a**", CO_CAP_E_BAD_WILDCARD, 11 },
	{ "fs.read:/**a", CO_CAP_E_BAD_WILDCARD, 10 },
	{ "fs.read:/a/***", CO_CAP_E_BAD_WILDCARD, 12 },
	{ "fs.read:" + repeat("/a", 33), CO_CAP_E_PATH_TOO_DEEP, 73 },
	{ "fs.read:" + repeat("/a", 33) + "/**", CO_CAP_E_PATH_TOO_DEEP, 73 },
	{ "net.egress:example.com", CO_CAP_E_BAD_PORT, 22 },
	{ "net.egress:example.com:", CO_CAP_E_BAD_PORT, 23 },
	{ "net.egress::443", CO_CAP_E_BAD_HOST, 11 },
	{ "net.egress:Example.com:443", CO_CAP_E_BAD_HOST, 11 },
	{ "net.egress:a..b:443", CO_CAP_E_BAD_HOST, 13 },
	{ "net.egress:.a:443", CO_CAP_E_BAD_HOST, 11 },
	{ "net.egress:a.:443", CO_CAP_E_BAD_HOST, 13 },
	{ "net.egress:a_b:443", CO_CAP_E_BAD_HOST, 12 },
	{ "net.egress:a**.com:443", CO_CAP_E_BAD_WILDCARD, 13 },
	{ "net.egress:[2001:DB8::1]:443", CO_CAP_E_BAD_IPV6, 12 },	  // upper-case hex
	{ "net.egress:[2001:0db8::1]:443", CO_CAP_E_BAD_IPV6, 12 },	  // a leading zero
	{ "net.egress:[2001:db8:0:0:0:0:0:1]:443", CO_CAP_E_BAD_IPV6, 12 }, // zeros not as ::
	{ "net.egress:[2001:db8::1:0:0:0]:443", CO_CAP_E_BAD_IPV6, 12 },	  // not the longest run
	{ "net.egress:[2001:db8:0::1:1:1:1]:443", CO_CAP_E_BAD_IPV6, 12 },  // :: for one group
	{ "net.egress:[::1::2]:443", CO_CAP_E_BAD_IPV6, 12 },
	{ "net.egress:[1:2:3:4:5:6:7:8:9]:443", CO_CAP_E_BAD_IPV6, 12 },
	{ "net.egress:[::ffff:1.2.3.4]:443", CO_CAP_E_BAD_IPV6, 12 },
	{ "net.egress:[*]:443", CO_CAP_E_BAD_IPV6, 12 },
	{ "net.egress:[]:443", CO_CAP_E_BAD_IPV6, 12 },
	{ "net.egress:[::1:443", CO_CAP_E_BAD_IPV6, 12 },
	{ "net.egress:[::1]", CO_CAP_E_BAD_IPV6, 12 },
	{ "net.egress:a:b:443", CO_CAP_E_BAD_HOST, 12 },
	{ "net.egress:" + std::string(64, 'a') + ":443", CO_CAP_E_BAD_HOST, 74 },
	{ "net.egress:a:0", CO_CAP_E_BAD_PORT, 13 },
	{ "net.egress:a:080", CO_CAP_E_BAD_PORT, 13 },
	{ "net.egress:a:65536", CO_CAP_E_BAD_PORT, 13 },
	{ "net.egress:a:123456", CO_CAP_E_BAD_PORT, 13 },
	{ "net.egress:a:4a3", CO_CAP_E_BAD_PORT, 14 },
	{ "net.egress:a:**", CO_CAP_E_BAD_PORT, 13 },
	{ "net.egress:a:-1", CO_CAP_E_BAD_PORT, 13 },
	{ "gpu:0", CO_CAP_E_BAD_GPU, 5 },
	{ "gpu:00/partition/1", CO_CAP_E_BAD_GPU, 4 },
	{ "gpu:256/**", CO_CAP_E_BAD_GPU, 4 },
	{ "gpu:x/**", CO_CAP_E_BAD_GPU, 4 },
	{ "gpu:/partition/1", CO_CAP_E_BAD_GPU, 4 },
	{ "gpu:0/part/1", CO_CAP_E_BAD_GPU, 6 },
	{ "gpu:0/partition", CO_CAP_E_BAD_GPU, 15 },
	{ "gpu:0/partition/", CO_CAP_E_BAD_GPU, 16 },
	{ "gpu:0/partition/**", CO_CAP_E_BAD_GPU, 16 },
	{ "gpu:0/partition/1/2", CO_CAP_E_BAD_GPU, 17 },
	{ "gpu:0/partition/256", CO_CAP_E_BAD_GPU, 16 },
	{ "gpu:0/**/x", CO_CAP_E_BAD_WILDCARD, 6 },
	{ "gpu:**", CO_CAP_E_BAD_GPU, 4 },
	{ "gpu:1*/**", CO_CAP_E_BAD_GPU, 5 },
	{ "inference:", CO_CAP_E_MISSING_OBJECT, 10 },
	{ "inference:KV", CO_CAP_E_BAD_BROKER, 10 },
	{ "inference:a/b", CO_CAP_E_BAD_BROKER, 11 },
	{ "inference:a**", CO_CAP_E_BAD_WILDCARD, 12 },
	{ "mem.tier:gpu", CO_CAP_E_BAD_TIER, 9 },
	{ "mem.tier:HBM", CO_CAP_E_BAD_TIER, 9 },
	{ "mem.tier:hbm*", CO_CAP_E_BAD_TIER, 9 },
	{ "mem.tier:", CO_CAP_E_MISSING_OBJECT, 9 },
};

TEST(CapParse, ValidRoundTrip)
{
	for (const auto &v : kValid) {
		SCOPED_TRACE(v.text);
		co_cap c;
		co_cap_error e;
		ASSERT_EQ(co_cap_parse(v.text.data(), v.text.size(), &c, &e), CO_CAP_OK)
			<< co_cap_strerror(e.code) << " at " << e.offset;
		EXPECT_EQ(e.code, CO_CAP_OK);
		EXPECT_EQ(e.offset, 0u);
		EXPECT_EQ(c.kind, v.kind);
		EXPECT_EQ(c.granted, v.granted);
		EXPECT_EQ(c.flags, v.flags);
		EXPECT_EQ(c.segs, v.segs);
		EXPECT_EQ(format(c), v.text);
	}
}

TEST(CapParse, InvalidCodeAndOffset)
{
	for (const auto &v : kInvalid) {
		SCOPED_TRACE(v.text);
		co_cap c;
		co_cap_error e;
		std::memset(&c, 0x5a, sizeof(c));
		EXPECT_EQ(co_cap_parse(v.text.data(), v.text.size(), &c, &e), v.code)
			<< "got " << co_cap_strerror(e.code) << " at " << e.offset;
		EXPECT_EQ(e.code, v.code);
		EXPECT_EQ(e.offset, v.offset) << co_cap_strerror(e.code);
		EXPECT_LE(e.offset, v.text.size());
		// A failed parse leaves nothing half-built behind.
		const co_cap zero{};
		EXPECT_EQ(std::memcmp(&c, &zero, sizeof(c)), 0);
	}
}

TEST(CapParse, EveryParseErrorIsExercised)
{
	bool seen[CO_CAP_E_COUNT_] = {};
	for (const auto &v : kInvalid)
		seen[v.code] = true;
	for (int code = CO_CAP_E_EMPTY; code <= CO_CAP_E_BAD_TIER; code++)
		EXPECT_TRUE(seen[code]) << co_cap_strerror(static_cast<co_cap_err>(code));
}

TEST(CapParse, ErrorNamesAndHints)
{
	for (int code = 0; code < CO_CAP_E_COUNT_; code++) {
		const char *name = co_cap_strerror(static_cast<co_cap_err>(code));
		ASSERT_NE(name, nullptr);
		EXPECT_STRNE(name, "unknown_error");
		EXPECT_GT(std::strlen(co_cap_errhint(static_cast<co_cap_err>(code))), 0u);
		for (int other = 0; other < code; other++)
			EXPECT_STRNE(name, co_cap_strerror(static_cast<co_cap_err>(other)));
	}
	EXPECT_STREQ(co_cap_strerror(CO_CAP_E_COUNT_), "unknown_error");
	EXPECT_STREQ(co_cap_strerror(CO_CAP_E_BAD_PATH), "bad_path");
}

TEST(CapParse, KindNames)
{
	EXPECT_EQ(co_cap_kind_name(0), nullptr);
	EXPECT_EQ(co_cap_kind_name(COCONUT_CAP_KIND_COUNT), nullptr);
	EXPECT_STREQ(co_cap_kind_name(COCONUT_CAP_NET_EGRESS), "net.egress");
	EXPECT_TRUE(co_cap_kind_has_object(COCONUT_CAP_FS_READ));
	EXPECT_FALSE(co_cap_kind_has_object(COCONUT_CAP_AGENT_SPAWN));
	EXPECT_FALSE(co_cap_kind_has_object(0));
	EXPECT_FALSE(co_cap_kind_has_object(99));
}

TEST(CapParse, NullTextWithZeroLength)
{
	co_cap c;
	co_cap_error e;
	EXPECT_EQ(co_cap_parse(nullptr, 0, &c, &e), CO_CAP_E_EMPTY);
	EXPECT_EQ(co_cap_parse(nullptr, 0, &c, nullptr), CO_CAP_E_EMPTY);
}

TEST(CapParse, FormatIntoSmallBuffer)
{
	const std::string text = "net.egress:api.example.com:443";
	co_cap c = must_parse(text);
	char buf[64];
	std::memset(buf, '#', sizeof(buf));
	// Too small by one: nothing written, the needed length returned.
	EXPECT_EQ(co_cap_format(&c, buf, text.size() - 1), text.size());
	for (char b : buf)
		EXPECT_EQ(b, '#');
	EXPECT_EQ(co_cap_format(&c, nullptr, 0), text.size());
	EXPECT_EQ(co_cap_format(&c, buf, text.size()), text.size());
	EXPECT_EQ(std::string(buf, text.size()), text);
	EXPECT_EQ(buf[text.size()], '#');
}

// Random texts over the bytes that matter to the grammar: a parse either fails at an offset
// within the text or yields a cap whose canonical text is the input itself.
TEST(CapParse, RandomTextsFailOrRoundTrip)
{
	static const char *const pieces[] = {
		"fs.read:", "fs.write:", "net.egress:", "gpu:", "inference:", "agent.spawn",
		"audit.query", "mem.tier:", "cap.grant:", "/", "/", "/", "*", "*", "**", ".", "..",
		"a", "b", "Z", "0", "1", "9", "00", "partition", ":", ":", "-", "_", "hbm", " ",
		"65535", "65536", "\x01", "\xff", "~",
	};
	Rng r(test_seed(0xc0c0));
	int accepted = 0;
	for (int iter = 0; iter < 200000; iter++) {
		std::string t;
		int n = 1 + static_cast<int>(r.below(8));
		for (int i = 0; i < n; i++)
			t += pieces[r.below(CO_ARRAY_SIZE(pieces))];
		co_cap c;
		co_cap_error e;
		co_cap_err code = co_cap_parse(t.data(), t.size(), &c, &e);
		if (code == CO_CAP_OK) {
			accepted++;
			ASSERT_EQ(format(c), t);
		} else {
			ASSERT_LE(e.offset, t.size()) << t;
			ASSERT_EQ(e.code, code);
		}
	}
	// The generator must reach the accepting paths, not only the early rejections.
	EXPECT_GT(accepted, 2000);
}

// Single-byte edits of valid caps: never a crash, and an accepted edit is canonical.
TEST(CapParse, MutatedValidCapsFailOrRoundTrip)
{
	static const char bytes[] = "/*:.-_a0Z9 \x7f";
	Rng r(test_seed(0xed17));
	for (const auto &v : kValid) {
		for (int iter = 0; iter < 2000; iter++) {
			std::string t = v.text;
			size_t pos = r.below(static_cast<uint32_t>(t.size() + 1));
			char b = bytes[r.below(sizeof(bytes) - 1)];
			switch (r.below(3)) {
			case 0:
				t.insert(pos, 1, b);
				break;
			case 1:
				if (pos < t.size())
					t.erase(pos, 1);
				break;
			default:
				if (pos < t.size())
					t[pos] = b;
				break;
			}
			co_cap c;
			co_cap_error e;
			if (co_cap_parse(t.data(), t.size(), &c, &e) == CO_CAP_OK)
				ASSERT_EQ(format(c), t);
			else
				ASSERT_LE(e.offset, t.size());
		}
	}
}

} // namespace
