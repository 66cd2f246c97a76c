// Unit tests of coconut/cbor.h: the RFC 8949 Appendix A examples, one named test per rejection
// class (code and offset), the writer's errors, and the reader as the spawn dispatcher uses it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "cbor_test_util.h"

using namespace cbortest;

namespace {

struct Expect {
	co_cbor_err code;
	size_t offset;
};

// Decodes hex in the given mode and returns (code, offset).
Expect reject(const std::string &h, uint32_t flags = 0)
{
	Decoded d = decode(unhex(h), flags);
	return {d.code, d.offset};
}

#define EXPECT_REJECT(h, flags, want_code, want_offset)                                          \
	do {                                                                                     \
		Expect got_ = reject(h, flags);                                                  \
		EXPECT_EQ(co_cbor_strerror(got_.code), std::string(co_cbor_strerror(want_code)))  \
			<< "input " << (h);                                                      \
		EXPECT_EQ(got_.offset, size_t(want_offset)) << "input " << (h);                 \
	} while (0)

// The decoded value in diagnostic notation, or the error's name.
std::string decode_diag(const std::string &h, uint32_t flags = 0)
{
	Decoded d = decode(unhex(h), flags);
	if (d.code != CO_CBOR_OK)
		return std::string("error ") + co_cbor_strerror(d.code) + " at " +
		       std::to_string(d.offset);
	return diag(d.value);
}

// ---- RFC 8949 Appendix A -------------------------------------------------------------------

struct Example {
	const char *diag;
	const char *hex;
};

// Every Appendix A example within our data model: each must decode (strict) to the listed value
// and re-encode to exactly the listed bytes.
const Example kAppendixA[] = {
	{"0", "00"},
	{"1", "01"},
	{"10", "0a"},
	{"23", "17"},
	{"24", "1818"},
	{"25", "1819"},
	{"100", "1864"},
	{"1000", "1903e8"},
	{"1000000", "1a000f4240"},
	{"1000000000000", "1b000000e8d4a51000"},
	{"18446744073709551615", "1bffffffffffffffff"},
	{"2(h'010000000000000000')", "c249010000000000000000"},
	{"-18446744073709551616", "3bffffffffffffffff"},
	{"3(h'010000000000000000')", "c349010000000000000000"},
	{"-1", "20"},
	{"-10", "29"},
	{"-100", "3863"},
	{"-1000", "3903e7"},
	{"false", "f4"},
	{"true", "f5"},
	{"null", "f6"},
	{"undefined", "f7"},
	{"0(\"2013-03-21T20:04:00Z\")", "c074323031332d30332d32315432303a30343a30305a"},
	{"1(1363896240)", "c11a514b67b0"},
	{"23(h'01020304')", "d74401020304"},
	{"24(h'6449455446')", "d818456449455446"},
	{"32(\"http://www.example.com\")", "d82076687474703a2f2f7777772e6578616d706c652e636f6d"},
	{"h''", "40"},
	{"h'01020304'", "4401020304"},
	{"\"\"", "60"},
	{"\"a\"", "6161"},
	{"\"IETF\"", "6449455446"},
	{"\"\\\"\\\\\"", "62225c"},
	{"\"\xc3\xbc\"", "62c3bc"},
	{"\"\xe6\xb0\xb4\"", "63e6b0b4"},
	{"\"\xf0\x90\x85\x91\"", "64f0908591"},
	{"[]", "80"},
	{"[1, 2, 3]", "83010203"},
	{"[1, [2, 3], [4, 5]]", "8301820203820405"},
	{"[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]",
	 "98190102030405060708090a0b0c0d0e0f101112131415161718181819"},
	{"{}", "a0"},
	{"{1: 2, 3: 4}", "a201020304"},
	{"{\"a\": 1, \"b\": [2, 3]}", "a26161016162820203"},
	{"[\"a\", {\"b\": \"c\"}]", "826161a161626163"},
	{"{\"a\": \"A\", \"b\": \"B\", \"c\": \"C\", \"d\": \"D\", \"e\": \"E\"}",
	 "a56161614161626142616361436164614461656145"},
};

TEST(CborAppendixA, DecodesToTheListedValueAndReencodesExactly)
{
	for (const Example &ex : kAppendixA) {
		SCOPED_TRACE(ex.hex);
		Bytes b = unhex(ex.hex);
		Decoded d = decode(b);
		ASSERT_EQ(d.code, CO_CBOR_OK) << co_cbor_strerror(d.code) << " at " << d.offset;
		EXPECT_EQ(diag(d.value), ex.diag);
		EXPECT_EQ(hex(encode(d.value)), ex.hex);
		EXPECT_EQ(d.doc.len, b.size());
	}
}

TEST(CborAppendixA, ValuesBuiltByHandEncodeToTheListedBytes)
{
	// Independent of the decoder: values written out here, encoded by the writer.
	using V = Value;
	EXPECT_EQ(hex(encode(V::uint(1000000000000))), "1b000000e8d4a51000");
	EXPECT_EQ(hex(encode(V::nint(UINT64_MAX))), "3bffffffffffffffff");
	EXPECT_EQ(hex(encode(V::integer(-1000))), "3903e7");
	EXPECT_EQ(hex(encode(V::integer(INT64_MIN))), "3b7fffffffffffffff");
	EXPECT_EQ(hex(encode(V::text("\xe6\xb0\xb4"))), "63e6b0b4");
	EXPECT_EQ(hex(encode(V::array({V::uint(1), V::array({V::uint(2), V::uint(3)}),
				       V::array({V::uint(4), V::uint(5)})}))),
		  "8301820203820405");
	// Pairs given out of order come out in canonical order.
	EXPECT_EQ(hex(encode(V::map({V::text("b"), V::array({V::uint(2), V::uint(3)}),
				     V::text("a"), V::uint(1)}))),
		  "a26161016162820203");
	EXPECT_EQ(hex(encode(V::tag(1, V::uint(1363896240)))), "c11a514b67b0");
	EXPECT_EQ(hex(encode(V::undefined())), "f7");
}

TEST(CborAppendixA, FloatsAreUnsupported)
{
	const char *floats[] = {
		"f90000", "f98000", "f93c00", "fb3ff199999999999a", "f93e00", "f97bff",
		"fa47c35000", "fa7f7fffff", "fb7e37e43c8800759c", "f90001", "f90400", "f9c400",
		"fbc010666666666666", "f97c00", "f97e00", "f9fc00", "fa7f800000", "fa7fc00000",
		"faff800000", "fb7ff0000000000000", "fb7ff8000000000000", "fbfff0000000000000",
	};
	for (const char *h : floats)
		EXPECT_REJECT(h, 0, CO_CBOR_E_UNSUPPORTED_FLOAT, 0);
	// 1(1363896240.5): the float is found inside the tag.
	EXPECT_REJECT("c1fb41d452d9ec200000", 0, CO_CBOR_E_UNSUPPORTED_FLOAT, 1);
	EXPECT_REJECT("c1fb41d452d9ec200000", CO_CBOR_LAX, CO_CBOR_E_UNSUPPORTED_FLOAT, 1);
}

TEST(CborAppendixA, OtherSimpleValuesAreUnsupported)
{
	EXPECT_REJECT("f0", 0, CO_CBOR_E_UNSUPPORTED_SIMPLE, 0);   // simple(16)
	EXPECT_REJECT("f8ff", 0, CO_CBOR_E_UNSUPPORTED_SIMPLE, 0); // simple(255)
}

TEST(CborAppendixA, IndefiniteLengthExamplesAreRejected)
{
	struct {
		const char *hex;
		size_t offset;
	} cases[] = {
		{"5f42010243030405ff", 0},
		{"7f657374726561646d696e67ff", 0},
		{"9fff", 0},
		{"9f018202039f0405ffff", 0},
		{"9f01820203820405ff", 0},
		{"83018202039f0405ff", 5},
		{"83019f0203ff820405", 2},
		{"9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", 0},
		{"bf61610161629f0203ffff", 0},
		{"826161bf61626163ff", 3},
		{"bf6346756ef563416d7421ff", 0},
	};
	for (const auto &c : cases) {
		EXPECT_REJECT(c.hex, 0, CO_CBOR_E_INDEFINITE, c.offset);
		EXPECT_REJECT(c.hex, CO_CBOR_LAX, CO_CBOR_E_INDEFINITE, c.offset);
	}
}

// ---- One test per rejection class ---------------------------------------------------------

TEST(CborReject, Truncated)
{
	EXPECT_REJECT("", 0, CO_CBOR_E_TRUNCATED, 0);
	EXPECT_REJECT("18", 0, CO_CBOR_E_TRUNCATED, 0);		// head needs one more byte
	EXPECT_REJECT("1a0000", 0, CO_CBOR_E_TRUNCATED, 0);	// ... four
	EXPECT_REJECT("3b00000000000000", 0, CO_CBOR_E_TRUNCATED, 0);
	EXPECT_REJECT("824101", 0, CO_CBOR_E_TRUNCATED, 3);	// the second element never comes
	EXPECT_REJECT("a14101", 0, CO_CBOR_E_TRUNCATED, 3);	// a key without its value
	EXPECT_REJECT("c1", 0, CO_CBOR_E_TRUNCATED, 1);		// a tag without content
	EXPECT_REJECT("d8", 0, CO_CBOR_E_TRUNCATED, 0);
	EXPECT_REJECT("820119", 0, CO_CBOR_E_TRUNCATED, 2);	// a head cut inside an array
	EXPECT_REJECT("824101", CO_CBOR_LAX, CO_CBOR_E_TRUNCATED, 3);
	// A count that cannot fit in what is left is caught at the container's head instead.
	EXPECT_REJECT("8201", 0, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 0);
}

TEST(CborReject, TrailingBytes)
{
	EXPECT_REJECT("0000", 0, CO_CBOR_E_TRAILING, 1);
	EXPECT_REJECT("8100ff", 0, CO_CBOR_E_TRAILING, 2); // checked before the extra byte is read
	EXPECT_REJECT("0000", CO_CBOR_LAX, CO_CBOR_E_TRAILING, 1);

	Bytes b = unhex("820102 ffff");
	Decoded d = decode(b, CO_CBOR_ALLOW_TRAILING);
	ASSERT_EQ(d.code, CO_CBOR_OK);
	EXPECT_EQ(d.doc.len, 3u);
	EXPECT_EQ(diag(d.value), "[1, 2]");
}

TEST(CborReject, ReservedAdditionalInfo)
{
	for (const char *h : {"1c", "1d", "1e", "3c", "5d", "7e", "9c", "bd", "dc", "fc", "fd", "fe"})
		EXPECT_REJECT(h, 0, CO_CBOR_E_RESERVED_AI, 0);
	// ai 31 means "indefinite" only where a length is; on integers and tags it is malformed.
	for (const char *h : {"1f", "3f", "df"})
		EXPECT_REJECT(h, 0, CO_CBOR_E_RESERVED_AI, 0);
	EXPECT_REJECT("82001c", 0, CO_CBOR_E_RESERVED_AI, 2);
	EXPECT_REJECT("82001c", CO_CBOR_LAX, CO_CBOR_E_RESERVED_AI, 2);
}

TEST(CborReject, IndefiniteLength)
{
	for (const char *h : {"5f40ff", "7f60ff", "9fff", "bfff", "ff"})
		EXPECT_REJECT(h, 0, CO_CBOR_E_INDEFINITE, 0);
	EXPECT_REJECT("8201ff", 0, CO_CBOR_E_INDEFINITE, 2); // a stray break
	EXPECT_REJECT("a161619f", CO_CBOR_LAX, CO_CBOR_E_INDEFINITE, 3);
}

TEST(CborReject, LengthExceedsInput)
{
	EXPECT_REJECT("4201", 0, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 0);
	EXPECT_REJECT("6261", 0, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 0);
	EXPECT_REJECT("5a000000050102", CO_CBOR_LAX, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 0);
	// Containers: every element takes at least one byte, every pair two.
	EXPECT_REJECT("830102", 0, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 0);
	EXPECT_REJECT("a2010203", 0, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 0);
	EXPECT_REJECT("9bffffffffffffffff00", 0, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 0);
	EXPECT_REJECT("bbffffffffffffffff0000", 0, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 0);
	EXPECT_REJECT("8201430102", 0, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 2);
	EXPECT_REJECT("8201430102", CO_CBOR_LAX, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, 2);
}

TEST(CborReject, UnsupportedFloat)
{
	EXPECT_REJECT("f93c00", 0, CO_CBOR_E_UNSUPPORTED_FLOAT, 0);
	EXPECT_REJECT("fa47c35000", 0, CO_CBOR_E_UNSUPPORTED_FLOAT, 0);
	EXPECT_REJECT("fb3ff199999999999a", 0, CO_CBOR_E_UNSUPPORTED_FLOAT, 0);
	EXPECT_REJECT("f9", 0, CO_CBOR_E_UNSUPPORTED_FLOAT, 0); // refused on its initial byte
	EXPECT_REJECT("a16161f93c00", 0, CO_CBOR_E_UNSUPPORTED_FLOAT, 3);
	EXPECT_REJECT("a16161f93c00", CO_CBOR_LAX, CO_CBOR_E_UNSUPPORTED_FLOAT, 3);
}

TEST(CborReject, UnsupportedSimple)
{
	for (const char *h : {"e0", "e5", "f0", "f3", "f800", "f818", "f820", "f8ff", "f8"})
		EXPECT_REJECT(h, 0, CO_CBOR_E_UNSUPPORTED_SIMPLE, 0);
	EXPECT_REJECT("8200f0", CO_CBOR_LAX, CO_CBOR_E_UNSUPPORTED_SIMPLE, 2);
}

std::string repeat(const std::string &s, size_t n)
{
	std::string out;
	for (size_t i = 0; i < n; i++)
		out += s;
	return out;
}

TEST(CborReject, Depth)
{
	const size_t max = CO_CBOR_NESTING_DEPTH_MAX;
	EXPECT_EQ(reject(repeat("81", max) + "00").code, CO_CBOR_OK);
	EXPECT_EQ(reject(repeat("81", max - 1) + "a10000").code, CO_CBOR_OK);
	EXPECT_REJECT(repeat("81", max + 1) + "00", 0, CO_CBOR_E_DEPTH, max);
	EXPECT_REJECT(repeat("81", max) + "80", 0, CO_CBOR_E_DEPTH, max); // even an empty one
	EXPECT_REJECT(repeat("81", max) + "a0", 0, CO_CBOR_E_DEPTH, max);
	EXPECT_REJECT(repeat("c1", max + 1) + "00", 0, CO_CBOR_E_DEPTH, max); // tags nest too
	EXPECT_REJECT(repeat("81", max + 1) + "00", CO_CBOR_LAX, CO_CBOR_E_DEPTH, max);
}

Bytes array_of_zeros(size_t n)
{
	co_cbor_writer w;
	Bytes out(16 + n);
	co_cbor_writer_init(&w, out.data(), out.size());
	co_cbor_begin_array(&w, n);
	for (size_t i = 0; i < n; i++)
		co_cbor_put_uint(&w, 0);
	size_t len = 0;
	EXPECT_EQ(co_cbor_writer_finish(&w, &len), CO_CBOR_OK);
	out.resize(len);
	return out;
}

TEST(CborReject, TooManyItems)
{
	const size_t max = CO_CBOR_DOC_ITEMS_MAX;
	// The array head is an item: max - 1 elements fit, max do not.
	EXPECT_EQ(decode(array_of_zeros(max - 1)).code, CO_CBOR_OK);
	Bytes over = unhex("994000");
	over.resize(3 + max, 0);
	Decoded d = decode(over);
	EXPECT_EQ(d.code, CO_CBOR_E_TOO_MANY_ITEMS);
	EXPECT_EQ(d.offset, 3 + max - 1); // the element that would be item number max + 1

	// The caller's array is a limit too.
	Bytes b = unhex("83010203");
	co_cbor_item items[3];
	co_cbor_doc doc;
	co_cbor_error err{};
	EXPECT_EQ(co_cbor_decode(b.data(), b.size(), 0, items, 3, &doc, &err),
		  CO_CBOR_E_TOO_MANY_ITEMS);
	EXPECT_EQ(err.offset, 3u);
	EXPECT_EQ(doc.count, 0u);
	EXPECT_EQ(co_cbor_decode(b.data(), b.size(), 0, items, 0, &doc, &err),
		  CO_CBOR_E_TOO_MANY_ITEMS);
	EXPECT_EQ(err.offset, 0u);
}

TEST(CborReject, StringTooLong)
{
	const size_t max = CO_CBOR_STRING_BYTES_MAX;
	for (uint8_t major : {uint8_t(0x40), uint8_t(0x60)}) {
		Bytes ok = {uint8_t(major | 26), 0, 1, 0, 0};
		ok.resize(5 + max, 'a');
		EXPECT_EQ(decode(ok).code, CO_CBOR_OK);
		Bytes over = {uint8_t(major | 26), 0, 1, 0, 1};
		over.resize(5 + max + 1, 'a');
		Decoded d = decode(over);
		EXPECT_EQ(d.code, CO_CBOR_E_STRING_TOO_LONG);
		EXPECT_EQ(d.offset, 0u);
	}
	EXPECT_REJECT("825bffffffffffffffff00", 0, CO_CBOR_E_STRING_TOO_LONG, 1);
}

TEST(CborReject, DocTooLong)
{
	const size_t max = CO_CBOR_DOC_BYTES_MAX;
	// An array of 16 byte strings filling exactly the limit is fine ...
	Bytes b = {0x90};
	for (int i = 0; i < 15; i++) {
		Bytes s = {0x5a, 0, 1, 0, 0};
		s.resize(5 + CO_CBOR_STRING_BYTES_MAX, uint8_t(i));
		b.insert(b.end(), s.begin(), s.end());
	}
	size_t last = max - b.size() - 3;
	Bytes s = {0x59, uint8_t(last >> 8), uint8_t(last)};
	s.resize(3 + last, 0xee);
	b.insert(b.end(), s.begin(), s.end());
	ASSERT_EQ(b.size(), max);
	EXPECT_EQ(decode(b).code, CO_CBOR_OK);
	// ... one byte more is refused before parsing, at the first byte past the limit.
	b.push_back(0);
	Decoded d = decode(b, CO_CBOR_ALLOW_TRAILING);
	EXPECT_EQ(d.code, CO_CBOR_E_DOC_TOO_LONG);
	EXPECT_EQ(d.offset, max);
}

TEST(CborReject, DuplicateKey)
{
	EXPECT_REJECT("a2010001 00", 0, CO_CBOR_E_DUPLICATE_KEY, 3);
	EXPECT_REJECT("a2010001 00", CO_CBOR_LAX, CO_CBOR_E_DUPLICATE_KEY, 3);
	EXPECT_REJECT("a2 6161 00 6161 01", 0, CO_CBOR_E_DUPLICATE_KEY, 4);
	// Lax mode finds duplicates that are not neighbours ...
	EXPECT_REJECT("a3 01 00 02 00 01 00", CO_CBOR_LAX, CO_CBOR_E_DUPLICATE_KEY, 5);
	// ... and equal values written with heads of different widths, and composite keys.
	EXPECT_REJECT("a2 01 00 1801 00", CO_CBOR_LAX, CO_CBOR_E_DUPLICATE_KEY, 3);
	EXPECT_REJECT("a2 820102 00 82 1801 190002 00", CO_CBOR_LAX, CO_CBOR_E_DUPLICATE_KEY, 5);
	EXPECT_REJECT("a2 c1 00 f6 c1 00 f6", CO_CBOR_LAX, CO_CBOR_E_DUPLICATE_KEY, 4);
	EXPECT_EQ(reject("a2 c1 00 f6 c2 00 f6", CO_CBOR_LAX).code, CO_CBOR_OK);
	EXPECT_EQ(reject("a2 01 00 21 00", CO_CBOR_LAX).code, CO_CBOR_OK);	 // 1 and -2
	EXPECT_EQ(reject("a2 4161 00 6161 00", CO_CBOR_LAX).code, CO_CBOR_OK); // h'61' and "a"
	// Inside a nested map, at the nested key's offset.
	EXPECT_REJECT("a1 00 a2 6161 00 6161 00", CO_CBOR_LAX, CO_CBOR_E_DUPLICATE_KEY, 6);
}

TEST(CborReject, NonMinimal)
{
	const char *cases[] = {
		"1800", "1817", "190000", "1900ff", "1a00000000", "1a0000ffff",
		"1b0000000000000000", "1b00000000ffffffff", "3800", "390010", "5800", "7800",
		"9800", "b800", "d800", "d9000100",
	};
	for (const char *h : cases)
		EXPECT_REJECT(h, 0, CO_CBOR_E_NON_MINIMAL, 0);
	// The boundaries themselves are minimal.
	for (const char *h : {"1818", "190100", "1a00010000", "1b0000000100000000"})
		EXPECT_EQ(reject(h).code, CO_CBOR_OK) << h;
	EXPECT_REJECT("82 01 1802", 0, CO_CBOR_E_NON_MINIMAL, 2);
	// Lax mode reads them for what they are.
	EXPECT_EQ(decode_diag("82 01 1b0000000000000002", CO_CBOR_LAX), "[1, 2]");
	EXPECT_EQ(decode_diag("5800", CO_CBOR_LAX), "h''");
}

TEST(CborReject, KeyOrder)
{
	EXPECT_REJECT("a2 02 00 01 00", 0, CO_CBOR_E_KEY_ORDER, 3);
	EXPECT_REJECT("a2 6162 00 6161 00", 0, CO_CBOR_E_KEY_ORDER, 4);
	// RFC 8949 §4.2.1 is bytewise: 100 (0x1864) sorts before -1 (0x20), unlike the "length
	// first" order of RFC 7049 §3.9 that cbor2 5.4 uses in canonical mode.
	EXPECT_EQ(reject("a2 1864 00 20 00").code, CO_CBOR_OK);
	EXPECT_REJECT("a2 20 00 1864 00", 0, CO_CBOR_E_KEY_ORDER, 3);
	// Shorter strings first is what bytewise order gives anyway (the head holds the length).
	EXPECT_EQ(reject("a2 6162 00 626161 00").code, CO_CBOR_OK);
	// Composite keys compare by their encodings too.
	EXPECT_REJECT("a2 8101 00 8100 00", 0, CO_CBOR_E_KEY_ORDER, 4);
	EXPECT_EQ(reject("a2 02 00 01 00", CO_CBOR_LAX).code, CO_CBOR_OK);
}

TEST(CborReject, InvalidUtf8)
{
	// The offset is that of the first byte of the ill-formed sequence.
	EXPECT_REJECT("62c080", 0, CO_CBOR_E_INVALID_UTF8, 1);		// overlong U+0000
	EXPECT_REJECT("62c1bf", 0, CO_CBOR_E_INVALID_UTF8, 1);		// overlong
	EXPECT_REJECT("63e08080", 0, CO_CBOR_E_INVALID_UTF8, 1);	// overlong 3-byte
	EXPECT_REJECT("64f0808080", 0, CO_CBOR_E_INVALID_UTF8, 1);	// overlong 4-byte
	EXPECT_REJECT("6461eda080", 0, CO_CBOR_E_INVALID_UTF8, 2);	// U+D800, a surrogate
	EXPECT_REJECT("63edbfbf", 0, CO_CBOR_E_INVALID_UTF8, 1);	// U+DFFF
	EXPECT_REJECT("64f4908080", 0, CO_CBOR_E_INVALID_UTF8, 1);	// U+110000
	EXPECT_REJECT("61f5", 0, CO_CBOR_E_INVALID_UTF8, 1);
	EXPECT_REJECT("61ff", 0, CO_CBOR_E_INVALID_UTF8, 1);
	EXPECT_REJECT("6180", 0, CO_CBOR_E_INVALID_UTF8, 1);		// a lone continuation byte
	EXPECT_REJECT("6261c3", 0, CO_CBOR_E_INVALID_UTF8, 2);		// cut short by the string
	EXPECT_REJECT("63e2822f", 0, CO_CBOR_E_INVALID_UTF8, 1);	// bad continuation
	EXPECT_REJECT("8261006261ed", 0, CO_CBOR_E_INVALID_UTF8, 5);
	// The extremes that are allowed.
	for (const char *h : {"6100", "617f", "62c280", "63e0a080", "63ed9fbf", "63ee8080",
			      "64f0908080", "64f48fbfbf"})
		EXPECT_EQ(reject(h).code, CO_CBOR_OK) << h;
	EXPECT_EQ(reject("62c080", CO_CBOR_LAX).code, CO_CBOR_OK);
	EXPECT_EQ(co_cbor_utf8_check(reinterpret_cast<const u8 *>("ok"), 2), 2u);
}

TEST(CborReject, EveryCodeHasItsOwnName)
{
	std::vector<std::string> names;
	for (int c = 0; c < CO_CBOR_E_COUNT_; c++) {
		std::string n = co_cbor_strerror(co_cbor_err(c));
		EXPECT_NE(n, "unknown_error");
		for (const std::string &m : names)
			EXPECT_NE(n, m);
		names.push_back(n);
	}
	EXPECT_EQ(std::string(co_cbor_strerror(CO_CBOR_E_COUNT_)), "unknown_error");
}

// ---- Writer --------------------------------------------------------------------------------

struct Writer {
	Bytes buf = Bytes(256);
	co_cbor_writer w;
	Writer() { co_cbor_writer_init(&w, buf.data(), buf.size()); }
	co_cbor_err finish()
	{
		size_t len = 0;
		co_cbor_err e = co_cbor_writer_finish(&w, &len);
		buf.resize(std::min(len, buf.size()));
		return e;
	}
};

TEST(CborWriter, WritesShortestHeads)
{
	const std::pair<uint64_t, const char *> cases[] = {
		{0, "00"}, {23, "17"}, {24, "1818"}, {255, "18ff"}, {256, "190100"},
		{65535, "19ffff"}, {65536, "1a00010000"}, {0xffffffffu, "1affffffff"},
		{0x100000000u, "1b0000000100000000"}, {UINT64_MAX, "1bffffffffffffffff"},
	};
	for (const auto &[v, h] : cases) {
		Writer t;
		co_cbor_put_uint(&t.w, v);
		ASSERT_EQ(t.finish(), CO_CBOR_OK);
		EXPECT_EQ(hex(t.buf), h);
	}
	Writer t;
	co_cbor_begin_array(&t.w, 4);
	co_cbor_put_int(&t.w, INT64_MAX);
	co_cbor_put_int(&t.w, -24);
	co_cbor_put_int(&t.w, -25);
	co_cbor_put_tag(&t.w, 55799);
	co_cbor_put_bool(&t.w, false);
	ASSERT_EQ(t.finish(), CO_CBOR_OK);
	EXPECT_EQ(hex(t.buf), "841b7fffffffffffffff373818d9d9f7f4");
}

TEST(CborWriter, KeyOrderIsChecked)
{
	Writer t;
	co_cbor_begin_map(&t.w, 2);
	co_cbor_put_text(&t.w, "b", 1);
	co_cbor_put_uint(&t.w, 1);
	co_cbor_put_text(&t.w, "a", 1);
	EXPECT_EQ(t.w.error, CO_CBOR_E_KEY_ORDER);
	size_t len_at_error = t.w.len;
	co_cbor_put_uint(&t.w, 2); // ignored: errors are sticky
	EXPECT_EQ(t.w.len, len_at_error);
	EXPECT_EQ(t.finish(), CO_CBOR_E_KEY_ORDER);

	// Bytewise, not length-first: -1 (0x20) after 100 (0x1864) is right, before it is not.
	Writer ok;
	co_cbor_begin_map(&ok.w, 2);
	co_cbor_put_uint(&ok.w, 100);
	co_cbor_put_null(&ok.w);
	co_cbor_put_int(&ok.w, -1);
	co_cbor_put_null(&ok.w);
	EXPECT_EQ(ok.finish(), CO_CBOR_OK);
	Writer bad;
	co_cbor_begin_map(&bad.w, 2);
	co_cbor_put_int(&bad.w, -1);
	co_cbor_put_null(&bad.w);
	co_cbor_put_uint(&bad.w, 100);
	EXPECT_EQ(bad.finish(), CO_CBOR_E_KEY_ORDER);

	// A composite key is compared once it is complete.
	Writer comp;
	co_cbor_begin_map(&comp.w, 2);
	co_cbor_begin_array(&comp.w, 1);
	co_cbor_put_uint(&comp.w, 1);
	co_cbor_put_null(&comp.w);
	co_cbor_begin_array(&comp.w, 1);
	EXPECT_EQ(comp.w.error, CO_CBOR_OK);
	co_cbor_put_uint(&comp.w, 0);
	EXPECT_EQ(comp.finish(), CO_CBOR_E_KEY_ORDER);

	// Keys of a nested map are ordered on their own.
	Writer nested;
	co_cbor_begin_map(&nested.w, 2);
	co_cbor_put_uint(&nested.w, 1);
	co_cbor_begin_map(&nested.w, 1);
	co_cbor_put_uint(&nested.w, 9);
	co_cbor_put_null(&nested.w);
	co_cbor_put_uint(&nested.w, 2);
	co_cbor_put_null(&nested.w);
	EXPECT_EQ(nested.finish(), CO_CBOR_OK);
	EXPECT_EQ(hex(nested.buf), "a201a109f602f6");
}

TEST(CborWriter, DuplicateKeyIsChecked)
{
	Writer t;
	co_cbor_begin_map(&t.w, 2);
	co_cbor_put_text(&t.w, "a", 1);
	co_cbor_put_uint(&t.w, 1);
	co_cbor_put_text(&t.w, "a", 1);
	co_cbor_put_uint(&t.w, 2);
	EXPECT_EQ(t.finish(), CO_CBOR_E_DUPLICATE_KEY);
}

TEST(CborWriter, ExtraAndMissingItems)
{
	Writer extra;
	co_cbor_put_uint(&extra.w, 1);
	co_cbor_put_uint(&extra.w, 2);
	EXPECT_EQ(extra.finish(), CO_CBOR_E_EXTRA_ITEM);

	Writer missing;
	co_cbor_begin_array(&missing.w, 2);
	co_cbor_put_uint(&missing.w, 1);
	EXPECT_EQ(missing.finish(), CO_CBOR_E_INCOMPLETE);

	Writer tag;
	co_cbor_put_tag(&tag.w, 1);
	EXPECT_EQ(tag.finish(), CO_CBOR_E_INCOMPLETE);

	Writer nothing;
	EXPECT_EQ(nothing.finish(), CO_CBOR_E_INCOMPLETE);

	Writer empty;
	co_cbor_begin_map(&empty.w, 0);
	EXPECT_EQ(empty.finish(), CO_CBOR_OK);
	EXPECT_EQ(hex(empty.buf), "a0");
}

TEST(CborWriter, Limits)
{
	Writer deep;
	for (int i = 0; i < CO_CBOR_NESTING_DEPTH_MAX; i++)
		co_cbor_begin_array(&deep.w, 1);
	co_cbor_put_uint(&deep.w, 0);
	EXPECT_EQ(deep.finish(), CO_CBOR_OK);

	Writer deeper;
	for (int i = 0; i <= CO_CBOR_NESTING_DEPTH_MAX; i++)
		co_cbor_begin_array(&deeper.w, 1);
	EXPECT_EQ(deeper.w.error, CO_CBOR_E_DEPTH);

	co_cbor_writer w;
	co_cbor_writer_init(&w, nullptr, 0);
	co_cbor_begin_array(&w, CO_CBOR_DOC_ITEMS_MAX);
	for (int i = 0; i < CO_CBOR_DOC_ITEMS_MAX; i++)
		co_cbor_put_uint(&w, 0);
	EXPECT_EQ(co_cbor_writer_finish(&w, nullptr), CO_CBOR_E_TOO_MANY_ITEMS);
	co_cbor_writer_init(&w, nullptr, 0);
	co_cbor_begin_map(&w, uint64_t(1) << 40);
	EXPECT_EQ(co_cbor_writer_finish(&w, nullptr), CO_CBOR_E_TOO_MANY_ITEMS);

	std::string big(CO_CBOR_STRING_BYTES_MAX + 1, 'x');
	co_cbor_writer_init(&w, nullptr, 0);
	co_cbor_put_text(&w, big.data(), big.size());
	EXPECT_EQ(co_cbor_writer_finish(&w, nullptr), CO_CBOR_E_STRING_TOO_LONG);

	// 17 maximal strings are more than a document may hold.
	co_cbor_writer_init(&w, nullptr, 0);
	co_cbor_begin_array(&w, 17);
	for (int i = 0; i < 17; i++)
		co_cbor_put_bytes(&w, reinterpret_cast<const u8 *>(big.data()), big.size() - 1);
	EXPECT_EQ(co_cbor_writer_finish(&w, nullptr), CO_CBOR_E_DOC_TOO_LONG);

	Writer utf;
	co_cbor_put_text(&utf.w, "\xed\xa0\x80", 3);
	EXPECT_EQ(utf.finish(), CO_CBOR_E_INVALID_UTF8);
}

TEST(CborWriter, BufferFullNeverWritesPastCapAndReportsTheLengthNeeded)
{
	Value v = Value::map({Value::text("k"), Value::array({Value::uint(1000), Value::bytes("xyz")}),
			      Value::uint(7), Value::text("seven")});
	Bytes full = encode(v);
	for (size_t cap = 0; cap < full.size(); cap++) {
		Bytes buf(cap + 8, 0xa5); // guard bytes after cap
		co_cbor_writer w;
		co_cbor_writer_init(&w, cap ? buf.data() : nullptr, cap);
		write_value(&w, v);
		size_t need = 0;
		EXPECT_EQ(co_cbor_writer_finish(&w, &need), CO_CBOR_E_BUFFER_FULL) << cap;
		EXPECT_EQ(need, full.size());
		for (size_t i = cap; i < buf.size(); i++)
			ASSERT_EQ(buf[i], 0xa5) << "wrote past cap " << cap;
		// What was written is a prefix of the document: whole heads and strings only.
		size_t i = 0;
		while (i < cap && buf[i] == full[i])
			i++;
		EXPECT_TRUE(i == cap || buf[i] == 0xa5) << cap;
	}
	// A programmer error after the overflow still wins over "buffer full".
	co_cbor_writer w;
	co_cbor_writer_init(&w, nullptr, 0);
	co_cbor_put_uint(&w, 1);
	co_cbor_put_uint(&w, 2);
	EXPECT_EQ(co_cbor_writer_finish(&w, nullptr), CO_CBOR_E_EXTRA_ITEM);
}

// ---- Reader: the spawn request, as the dispatcher reads it ----------------------------------

Value spawn_manifest()
{
	std::string digest(32, '\0');
	for (int i = 0; i < 32; i++)
		digest[size_t(i)] = char(i * 7 + 1);
	return Value::map({
		Value::text("name"), Value::text("kvwarden-agent"),
		Value::text("version"), Value::uint(3),
		Value::text("code_digest"), Value::bytes(digest),
		Value::text("authorizer"), Value::bytes("key-0001"),
		Value::text("quotas"), Value::map({Value::text("cpu"), Value::uint(250000),
						    Value::text("mem"), Value::uint(1u << 30),
						    Value::text("tokens"), Value::uint(1000000)}),
		Value::text("tenant"), Value::text("maya"),
	});
}

Value spawn_request(Value manifest, std::vector<std::string> caps, size_t sig_len = 64)
{
	std::vector<Value> cap_values;
	for (std::string &c : caps)
		cap_values.push_back(Value::text(c));
	return Value::map({Value::text("manifest"), std::move(manifest),
			   Value::text("signature"), Value::bytes(std::string(sig_len, '\x5a')),
			   Value::text("cap_set"), Value::array(std::move(cap_values))});
}

// What the spawn dispatcher does with a request, in the kernel's C style.
struct spawn_fields {
	const u8 *manifest;	// the signed bytes: a byte string's content or the map's encoding
	size_t manifest_len;
	const u8 *signature;	// 64 bytes
	const char *caps[32];
	size_t cap_lens[32];
	u32 ncaps;
};

co_cbor_err parse_spawn(const u8 *req, size_t len, co_cbor_item *items, u32 items_cap,
			spawn_fields *out, co_cbor_error *err)
{
	static const co_cbor_key keys[] = {
		CO_CBOR_KEY_INIT("cap_set"),
		CO_CBOR_KEY_INIT("manifest"),
		CO_CBOR_KEY_INIT("signature"),
	};
	co_cbor_doc doc;
	co_cbor_iter it;
	u32 m, s, c, e;

	if (co_cbor_decode(req, len, 0, items, items_cap, &doc, err) ||
	    co_cbor_map_only_keys(&doc, 0, keys, CO_ARRAY_SIZE(keys), err) ||
	    co_cbor_map_find(&doc, 0, CO_CBOR_STR("manifest"), &m, err) ||
	    co_cbor_map_get(&doc, 0, CO_CBOR_STR("signature"), CO_CBOR_T_BYTES, &s, err) ||
	    co_cbor_get_bytes_len(&doc, s, 64, &out->signature, err) ||
	    co_cbor_map_get(&doc, 0, CO_CBOR_STR("cap_set"), CO_CBOR_T_ARRAY, &c, err) ||
	    co_cbor_array_iter(&doc, c, &it, err))
		return err->code;
	if (co_cbor_at(&doc, m)->type == CO_CBOR_T_MAP) {
		// Strictly decoded, so the map's bytes are its deterministic encoding.
		out->manifest = co_cbor_encoded(&doc, m, &out->manifest_len);
	} else if (co_cbor_get_bytes(&doc, m, &out->manifest, &out->manifest_len, err)) {
		return err->code;
	}
	out->ncaps = 0;
	while (co_cbor_array_next(&doc, &it, &e)) {
		if (out->ncaps == CO_ARRAY_SIZE(out->caps))
			return err->code = CO_CBOR_E_TOO_MANY_ITEMS;
		if (co_cbor_get_text(&doc, e, &out->caps[out->ncaps], &out->cap_lens[out->ncaps], err))
			return err->code;
		out->ncaps++;
	}
	return CO_CBOR_OK;
}

// The fields point into b, which the caller keeps.
Expect parse(const Bytes &b, spawn_fields *out)
{
	co_cbor_item items[128];
	spawn_fields f;
	co_cbor_error err{};
	co_cbor_err code = parse_spawn(b.data(), b.size(), items, 128, out ? out : &f, &err);
	return {code, code ? err.offset : 0};
}

Expect parse(const Value &req)
{
	return parse(encode(req), nullptr);
}

TEST(CborReader, SpawnRequestFieldsByKey)
{
	std::vector<std::string> caps = {"fs.read:/home/maya/project/**", "inference:kvwarden",
					 "net.egress:api.example.com:443"};
	Value req = spawn_request(spawn_manifest(), caps);
	Bytes b = encode(req);
	spawn_fields f;
	ASSERT_EQ(parse(b, &f).code, CO_CBOR_OK);
	EXPECT_EQ(Bytes(f.manifest, f.manifest + f.manifest_len), encode(spawn_manifest()));
	EXPECT_EQ(Bytes(f.signature, f.signature + 64), Bytes(64, 0x5a));
	ASSERT_EQ(f.ncaps, 3u);
	for (u32 i = 0; i < 3; i++)
		EXPECT_EQ(std::string(f.caps[i], f.cap_lens[i]), caps[i]);

	// The manifest may also travel as a byte string.
	Bytes mb = encode(spawn_manifest());
	Bytes b2 = encode(spawn_request(Value::bytes(std::string(mb.begin(), mb.end())), caps));
	ASSERT_EQ(parse(b2, &f).code, CO_CBOR_OK);
	EXPECT_EQ(Bytes(f.manifest, f.manifest + f.manifest_len), mb);
}

TEST(CborReader, SpawnRequestSchemaErrorsNameTheItem)
{
	std::vector<std::string> caps = {"agent.spawn"};
	// Offsets: the request is {"cap_set": [...], "manifest": ..., "signature": ...}.
	Bytes good = encode(spawn_request(spawn_manifest(), caps));
	// The signature is the last value: 0x58 0x40 and 64 bytes; a 63-byte one starts where
	// this one does (one byte less after it).
	size_t sig_head = good.size() - 2 - 64;

	Expect e = parse(spawn_request(spawn_manifest(), caps, 63));
	EXPECT_EQ(e.code, CO_CBOR_E_WRONG_LENGTH);
	EXPECT_EQ(e.offset, sig_head);

	e = parse(spawn_request(Value::text("not a manifest"), caps));
	EXPECT_EQ(e.code, CO_CBOR_E_WRONG_TYPE);
	EXPECT_EQ(e.offset, 1u + 8 + 13 + 9); // after "cap_set", ["agent.spawn"], "manifest"

	Value r = spawn_request(spawn_manifest(), caps);
	r.items[5] = Value::array({Value::text("ok"), Value::uint(7)});
	e = parse(r);
	EXPECT_EQ(e.code, CO_CBOR_E_WRONG_TYPE);
	EXPECT_EQ(e.offset, 1u + 8 + 1 + 3); // the 7 after "ok"

	r = spawn_request(spawn_manifest(), caps);
	r.items.resize(4); // no cap_set
	e = parse(r);
	EXPECT_EQ(e.code, CO_CBOR_E_MISSING_KEY);
	EXPECT_EQ(e.offset, 0u);

	r = spawn_request(spawn_manifest(), caps);
	r.items.push_back(Value::text("zzz"));
	r.items.push_back(Value::null());
	e = parse(r);
	EXPECT_EQ(e.code, CO_CBOR_E_UNKNOWN_KEY);
	EXPECT_EQ(e.offset, 1u); // "zzz" sorts first: its head is shorter

	e = parse(Value::array({}));
	EXPECT_EQ(e.code, CO_CBOR_E_WRONG_TYPE);
	EXPECT_EQ(e.offset, 0u);
}

TEST(CborReader, TypedGettersAndIteration)
{
	Bytes b = encode(Value::map({Value::text("b"), Value::boolean(true), Value::text("n"),
				     Value::integer(-5), Value::text("t"),
				     Value::tag(42, Value::text("x")), Value::uint(1),
				     Value::uint(2)}));
	co_cbor_item items[16];
	co_cbor_doc doc;
	co_cbor_error err{};
	ASSERT_EQ(co_cbor_decode(b.data(), b.size(), 0, items, 16, &doc, &err), CO_CBOR_OK);

	u32 v;
	bool flag = false;
	ASSERT_EQ(co_cbor_map_find(&doc, 0, CO_CBOR_STR("b"), &v, &err), CO_CBOR_OK);
	ASSERT_EQ(co_cbor_get_bool(&doc, v, &flag, &err), CO_CBOR_OK);
	EXPECT_TRUE(flag);
	u64 n;
	EXPECT_EQ(co_cbor_get_uint(&doc, v, &n, &err), CO_CBOR_E_WRONG_TYPE);
	EXPECT_EQ(err.offset, items[v].offset);
	ASSERT_EQ(co_cbor_map_get(&doc, 0, CO_CBOR_STR("n"), CO_CBOR_T_NINT, &v, &err), CO_CBOR_OK);
	EXPECT_EQ(items[v].value, 4u);
	u64 tag;
	u32 content;
	ASSERT_EQ(co_cbor_map_find(&doc, 0, CO_CBOR_STR("t"), &v, &err), CO_CBOR_OK);
	ASSERT_EQ(co_cbor_get_tag(&doc, v, &tag, &content, &err), CO_CBOR_OK);
	EXPECT_EQ(tag, 42u);
	const char *t;
	size_t tl;
	ASSERT_EQ(co_cbor_get_text(&doc, content, &t, &tl, &err), CO_CBOR_OK);
	EXPECT_EQ(std::string(t, tl), "x");
	// A non-text key is skipped by text lookups but visited by iteration.
	EXPECT_EQ(co_cbor_map_find(&doc, 0, CO_CBOR_STR("z"), &v, &err), CO_CBOR_E_MISSING_KEY);
	co_cbor_iter it;
	u32 k, count = 0;
	ASSERT_EQ(co_cbor_map_iter(&doc, 0, &it, &err), CO_CBOR_OK);
	while (co_cbor_map_next(&doc, &it, &k, &v))
		count++;
	EXPECT_EQ(count, 4u);
	EXPECT_EQ(co_cbor_array_iter(&doc, 0, &it, &err), CO_CBOR_E_WRONG_TYPE);
	EXPECT_FALSE(co_cbor_array_next(&doc, &it, &v));
	EXPECT_EQ(co_cbor_expect(&doc, 0, CO_CBOR_T_ANY, &err), CO_CBOR_OK);
}


// ---- The fuzzer's seed corpus says what it is -----------------------------------------------

TEST(CborFuzzCorpus, SeedsAreWhatTheirNamesSay)
{
	namespace fs = std::filesystem;
	const fs::path dir =
		fs::path(COCONUT_SOURCE_DIR) / "coconut-kernel/lib/fuzz/corpus/cbor_decode_fuzz";
	ASSERT_TRUE(fs::is_directory(dir)) << dir;
	std::set<std::string> classes;
	size_t ok = 0;
	for (const fs::directory_entry &e : fs::directory_iterator(dir)) {
		std::string name = e.path().stem().string();
		SCOPED_TRACE(name);
		std::ifstream f(e.path(), std::ios::binary);
		Bytes b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
		if (name.rfind("ok_", 0) == 0) {
			Decoded d = decode(b);
			ASSERT_EQ(d.code, CO_CBOR_OK) << co_cbor_strerror(d.code) << " at " << d.offset;
			EXPECT_EQ(encode(d.value), b);
			ok++;
			continue;
		}
		ASSERT_EQ(name.rfind("err_", 0), 0u);
		std::string rest = name.substr(4), variant;
		size_t sep = rest.find("__");
		if (sep != std::string::npos) {
			variant = rest.substr(sep + 2);
			rest = rest.substr(0, sep);
		}
		Decoded d = decode(b, variant == "lax" ? CO_CBOR_LAX : 0);
		EXPECT_EQ(co_cbor_strerror(d.code), rest);
		classes.insert(rest);
	}
	EXPECT_GE(ok, 10u);
	// Every decoder rejection class has a seed, except a document over 1 MiB.
	for (int c = CO_CBOR_E_TRUNCATED; c <= CO_CBOR_E_INVALID_UTF8; c++) {
		if (c != CO_CBOR_E_DOC_TOO_LONG) {
			EXPECT_TRUE(classes.count(co_cbor_strerror(co_cbor_err(c))))
				<< "no seed for " << co_cbor_strerror(co_cbor_err(c));
		}
	}
}

} // namespace
