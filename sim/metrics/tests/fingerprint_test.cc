#include "fingerprint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "blake3_b3sum.h"

namespace {

using coconut::metrics::Fingerprint;
using coconut::metrics::u64;
using coconut::metrics::u8;

// The encoding written out by hand from the documented layout, independent of fingerprint.cc.
void put(std::vector<u8> &b, char type, u64 v)
{
	b.push_back(static_cast<u8>(type));
	for (int i = 0; i < 8; i++)
		b.push_back(static_cast<u8>(v >> (8 * i)));
}

void put_block(std::vector<u8> &b, char type, const std::string &s)
{
	put(b, type, s.size());
	b.insert(b.end(), s.begin(), s.end());
}

std::string b3sum_of(const std::vector<u8> &bytes)
{
	blake3_b3sum::TempFile f(bytes);
	const auto r = blake3_b3sum::run({ "--no-names", f.path() });
	EXPECT_EQ(r.exit_status, 0);
	return r.out.substr(0, 64);
}

TEST(Fingerprint, MatchesB3sumOnTheDocumentedEncoding)
{
	Fingerprint fp;
	std::vector<u8> expect;
	fp.add_tag("metrics");
	put_block(expect, 't', "metrics");
	fp.add_u64(0x0123456789abcdefull);
	put(expect, 'u', 0x0123456789abcdefull);
	fp.add_i64(-2);
	put(expect, 'i', static_cast<u64>(-2));
	fp.add_string("tenant.a.latency_ns");
	put_block(expect, 's', "tenant.a.latency_ns");
	const std::vector<u8> raw = { 0, 1, 2, 255 };
	fp.add_bytes(raw);
	put_block(expect, 'b', std::string("\x00\x01\x02\xff", 4));
	fp.add_string("");
	put_block(expect, 's', "");
	// Long input: more than one BLAKE3 chunk (1 KiB).
	const std::string long_text(5000, 'x');
	fp.add_string(long_text);
	put_block(expect, 's', long_text);

	EXPECT_EQ(fp.bytes_fed(), expect.size());
	EXPECT_EQ(fp.hex(), b3sum_of(expect));
	EXPECT_EQ(fp.hex().size(), 64u);
}

TEST(Fingerprint, EmptyMatchesB3sum)
{
	EXPECT_EQ(Fingerprint().hex(), b3sum_of({}));
}

TEST(Fingerprint, TypesAndBoundariesSeparate)
{
	Fingerprint a, b, c, d;
	a.add_string("ab");
	a.add_string("c");
	b.add_string("a");
	b.add_string("bc");
	EXPECT_NE(a.hex(), b.hex());
	c.add_u64(5);
	d.add_i64(5);
	EXPECT_NE(c.hex(), d.hex());
	Fingerprint t, s;
	t.add_tag("x");
	s.add_string("x");
	EXPECT_NE(t.hex(), s.hex());
}

TEST(Fingerprint, DigestIsNonDestructive)
{
	Fingerprint a, b;
	a.add_u64(1);
	const std::string first = a.hex();
	EXPECT_EQ(a.hex(), first);
	a.add_u64(2);
	b.add_u64(1);
	b.add_u64(2);
	EXPECT_EQ(a.hex(), b.hex());
	EXPECT_NE(a.hex(), first);
}

// Golden: a change of the encoding shows here (and in every recorded run fingerprint). The
// value is b3sum of the 34 bytes 't' 07 00.. "coconut" 'u' 2a 00.. 'i' d6 ff.. (by hand).
TEST(Fingerprint, Golden)
{
	Fingerprint fp;
	fp.add_tag("coconut");
	fp.add_u64(42);
	fp.add_i64(-42);
	EXPECT_EQ(fp.hex(), "ef04f991d39c05f01c9a0bdf0f1206cae305d9eabcd9183ba9b6c1b5c826e9e6");
}

} // namespace
