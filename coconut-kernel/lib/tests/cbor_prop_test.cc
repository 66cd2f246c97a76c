// Property tests of coconut/cbor.h (RapidCheck): round trips both ways on generated values, and
// every non-canonical variant of a canonical document refused in strict mode with the right code
// at the right offset (widened heads, swapped and duplicated keys, indefinite lengths, breaks,
// truncation at every offset). A failure prints the seed that replays it (RC_PARAMS=seed=...).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "cbor_test_util.h"

using namespace cbortest;

namespace {

// Arguments from every head width, with the width boundaries weighted in.
rc::Gen<uint64_t> gen_arg()
{
	return rc::gen::oneOf(
		rc::gen::inRange<uint64_t>(0, 24), rc::gen::inRange<uint64_t>(24, 256),
		rc::gen::inRange<uint64_t>(256, 65536),
		rc::gen::inRange<uint64_t>(65536, uint64_t(1) << 32), rc::gen::arbitrary<uint64_t>(),
		rc::gen::element<uint64_t>(0, 23, 24, 255, 256, 65535, 65536, 0xffffffffu,
					   uint64_t(1) << 32, UINT64_MAX - 1, UINT64_MAX));
}

// Well-formed UTF-8 from every sequence length (no surrogates, nothing above U+10FFFF).
rc::Gen<std::string> gen_text()
{
	auto cp = rc::gen::oneOf(rc::gen::inRange<uint32_t>(0, 0x80),
				 rc::gen::inRange<uint32_t>(0x80, 0x800),
				 rc::gen::inRange<uint32_t>(0x800, 0xd800),
				 rc::gen::inRange<uint32_t>(0xe000, 0x10000),
				 rc::gen::inRange<uint32_t>(0x10000, 0x110000));
	return rc::gen::map(rc::gen::container<std::vector<uint32_t>>(cp), utf8);
}

rc::Gen<Value> gen_scalar()
{
	return rc::gen::oneOf(
		rc::gen::map(gen_arg(), Value::uint), rc::gen::map(gen_arg(), Value::nint),
		rc::gen::map(rc::gen::container<std::string>(rc::gen::arbitrary<char>()),
			     Value::bytes),
		rc::gen::map(gen_text(), Value::text),
		rc::gen::element(Value::boolean(false), Value::boolean(true), Value::null(),
				 Value::undefined()));
}

// A map from generated keys and values, keeping the first of keys that encode the same.
Value make_map(const std::vector<Value> &keys, const std::vector<Value> &values)
{
	std::set<Bytes> seen;
	std::vector<Value> kv;
	for (size_t i = 0; i < keys.size(); i++) {
		if (!seen.insert(encode(keys[i])).second)
			continue;
		kv.push_back(keys[i]);
		kv.push_back(values[i]);
	}
	return Value::map(std::move(kv));
}

// Values nested up to `depth` containers deep, with up to 5 elements or pairs per container
// (so a document stays far below the item limit). Keys may be composite too.
rc::Gen<Value> gen_value(int depth)
{
	if (depth == 0)
		return gen_scalar();
	rc::Gen<Value> child = gen_value(depth - 1);
	auto array = rc::gen::mapcat(rc::gen::inRange(0, 6), [child](int n) {
		return rc::gen::map(rc::gen::container<std::vector<Value>>(size_t(n), child),
				    Value::array);
	});
	auto map = rc::gen::mapcat(rc::gen::inRange(0, 6), [child](int n) {
		return rc::gen::apply(make_map,
				      rc::gen::container<std::vector<Value>>(size_t(n), child),
				      rc::gen::container<std::vector<Value>>(size_t(n), child));
	});
	auto tag = rc::gen::apply(Value::tag, gen_arg(), child);
	return rc::gen::weightedOneOf<Value>({{2, gen_scalar()}, {3, array}, {3, map}, {1, tag}});
}

rc::Gen<Value> gen_doc() { return gen_value(4); }

// A document whose top-level item is a map of at least two pairs (for the key-order properties;
// nested maps come from gen_value).
rc::Gen<Value> gen_map_doc()
{
	rc::Gen<Value> child = gen_value(2);
	return rc::gen::suchThat(
		rc::gen::mapcat(rc::gen::inRange(2, 7),
				[child](int n) {
					return rc::gen::apply(
						make_map,
						rc::gen::container<std::vector<Value>>(size_t(n), child),
						rc::gen::container<std::vector<Value>>(size_t(n), child));
				}),
		[](const Value &m) { return m.items.size() >= 4; });
}

// The child indices of container item idx (elements, or keys and values alternating).
std::vector<uint32_t> children(const Decoded &d, uint32_t idx)
{
	std::vector<uint32_t> out;
	const co_cbor_item &it = d.items[idx];
	uint64_t n = it.type == CO_CBOR_T_MAP ? 2 * it.value
		     : it.type == CO_CBOR_T_TAG ? 1
						: it.value;
	uint32_t c = idx + 1;
	for (uint64_t i = 0; i < n; i++) {
		out.push_back(c);
		c = d.items[c].next;
	}
	return out;
}

Bytes splice(const Bytes &b, size_t from, size_t to, const Bytes &with)
{
	Bytes out(b.begin(), b.begin() + long(from));
	out.insert(out.end(), with.begin(), with.end());
	out.insert(out.end(), b.begin() + long(to), b.end());
	return out;
}

Bytes slice(const Bytes &b, size_t from, size_t to)
{
	return Bytes(b.begin() + long(from), b.begin() + long(to));
}

// A canonical document and its decoding, which must succeed.
std::pair<Bytes, Decoded> canonical_doc(const Value &v)
{
	Bytes b = encode(v);
	Decoded d = decode(b);
	RC_ASSERT(d.code == CO_CBOR_OK);
	return {b, d};
}

// Indices of the map items with at least `pairs` pairs.
std::vector<uint32_t> maps_with(const Decoded &d, uint64_t pairs)
{
	std::vector<uint32_t> out;
	for (uint32_t i = 0; i < d.doc.count; i++)
		if (d.items[i].type == CO_CBOR_T_MAP && d.items[i].value >= pairs)
			out.push_back(i);
	return out;
}

void expect_error(const Bytes &b, uint32_t flags, co_cbor_err code, size_t offset)
{
	Decoded d = decode(b, flags);
	if (d.code != code || d.offset != offset)
		RC_FAIL(hex(b) + " flags " + std::to_string(flags) + ": " + co_cbor_strerror(d.code) +
			" at " + std::to_string(d.offset) + ", want " + co_cbor_strerror(code) +
			" at " + std::to_string(offset));
}

} // namespace

RC_GTEST_PROP(CborProperty, DecodeOfEncodeIsTheValue, ())
{
	Value v = *gen_doc();
	Bytes b = encode(v);
	Decoded d = decode(b);
	RC_ASSERT(d.code == CO_CBOR_OK);
	RC_ASSERT(d.doc.len == b.size());
	RC_ASSERT(d.value == canonical(v));
	Decoded lax = decode(b, CO_CBOR_LAX);
	RC_ASSERT(lax.code == CO_CBOR_OK);
	RC_ASSERT(lax.value == d.value);
	RC_TAG(d.doc.count < 2	  ? "1 item"
	       : d.doc.count < 10 ? "2-9 items"
	       : d.doc.count < 50 ? "10-49 items"
				  : "50+ items");
}

RC_GTEST_PROP(CborProperty, EncodeOfDecodeIsTheBytes, ())
{
	auto [b, d] = canonical_doc(*gen_doc());
	RC_ASSERT(encode(d.value) == b);
	// Items describe the bytes exactly: every item ends where the next subtree starts.
	for (uint32_t i = 0; i < d.doc.count; i++) {
		const co_cbor_item &it = d.items[i];
		RC_ASSERT(it.offset + it.head_len <= it.end);
		RC_ASSERT(it.end <= b.size());
		if (it.next < d.doc.count)
			RC_ASSERT(d.items[it.next].offset == it.end ||
				  d.items[it.next].depth < it.depth);
	}
	RC_ASSERT(d.items[0].end == b.size());
	RC_ASSERT(d.items[0].next == d.doc.count);
}

RC_GTEST_PROP(CborProperty, WidenedHeadIsRejectedAtItsOffset, ())
{
	auto [b, d] = canonical_doc(*gen_doc());
	std::vector<uint32_t> widenable;
	for (uint32_t i = 0; i < d.doc.count; i++)
		if (d.items[i].type <= CO_CBOR_T_TAG && d.items[i].head_len < 9)
			widenable.push_back(i);
	RC_PRE(!widenable.empty());
	const co_cbor_item &it = d.items[*rc::gen::elementOf(widenable)];
	int shift = *rc::gen::inRange(0, 4); // argument of 1 << shift bytes
	RC_PRE(size_t(1 + (1 << shift)) > it.head_len);
	Bytes head = {uint8_t((b[it.offset] & 0xe0) | (24 + shift))};
	for (int i = (1 << shift) - 1; i >= 0; i--)
		head.push_back(uint8_t(it.value >> (8 * i)));
	Bytes wide = splice(b, it.offset, it.offset + it.head_len, head);
	expect_error(wide, 0, CO_CBOR_E_NON_MINIMAL, it.offset);
	Decoded lax = decode(wide, CO_CBOR_LAX);
	RC_ASSERT(lax.code == CO_CBOR_OK);
	RC_ASSERT(lax.value == d.value);
}

RC_GTEST_PROP(CborProperty, SwappedKeysAreRejectedAtTheSecondKey, ())
{
	auto [b, d] = canonical_doc(*gen_map_doc());
	std::vector<uint32_t> maps = maps_with(d, 2);
	RC_PRE(!maps.empty());
	std::vector<uint32_t> kv = children(d, *rc::gen::elementOf(maps));
	size_t j = *rc::gen::inRange<size_t>(0, kv.size() / 2 - 1);
	uint32_t k1 = kv[2 * j], v1 = kv[2 * j + 1], k2 = kv[2 * j + 2], v2 = kv[2 * j + 3];
	Bytes pair1 = slice(b, d.items[k1].offset, d.items[v1].end);
	Bytes pair2 = slice(b, d.items[k2].offset, d.items[v2].end);
	Bytes swapped = pair2;
	swapped.insert(swapped.end(), pair1.begin(), pair1.end());
	Bytes bad = splice(b, d.items[k1].offset, d.items[v2].end, swapped);
	expect_error(bad, 0, CO_CBOR_E_KEY_ORDER, d.items[k1].offset + pair2.size());
	// Lax mode takes any order: the same value once the pairs are sorted again.
	Decoded lax = decode(bad, CO_CBOR_LAX);
	RC_ASSERT(lax.code == CO_CBOR_OK);
	RC_ASSERT(canonical(lax.value) == d.value);
}

RC_GTEST_PROP(CborProperty, DuplicatedKeysAreRejectedInBothModes, ())
{
	auto [b, d] = canonical_doc(*gen_map_doc());
	std::vector<uint32_t> maps = maps_with(d, 2);
	RC_PRE(!maps.empty());
	std::vector<uint32_t> kv = children(d, *rc::gen::elementOf(maps));
	size_t pairs = kv.size() / 2;

	// The next key made equal to its predecessor.
	size_t j = *rc::gen::inRange<size_t>(0, pairs - 1);
	const co_cbor_item &k1 = d.items[kv[2 * j]], &k2 = d.items[kv[2 * j + 2]];
	Bytes dup = splice(b, k2.offset, k2.end, slice(b, k1.offset, k1.end));
	expect_error(dup, 0, CO_CBOR_E_DUPLICATE_KEY, k2.offset);
	expect_error(dup, CO_CBOR_LAX, CO_CBOR_E_DUPLICATE_KEY, k2.offset);

	// A later key made equal to the first: out of order in strict mode, a duplicate in lax.
	if (pairs >= 3) {
		size_t later = *rc::gen::inRange<size_t>(2, pairs);
		const co_cbor_item &first = d.items[kv[0]], &kl = d.items[kv[2 * later]];
		Bytes far = splice(b, kl.offset, kl.end, slice(b, first.offset, first.end));
		expect_error(far, 0, CO_CBOR_E_KEY_ORDER, kl.offset);
		expect_error(far, CO_CBOR_LAX, CO_CBOR_E_DUPLICATE_KEY, kl.offset);
	}
}

RC_GTEST_PROP(CborProperty, IndefiniteLengthsAndBreaksAreRejected, ())
{
	auto [b, d] = canonical_doc(*gen_doc());
	std::vector<uint32_t> sized;
	for (uint32_t i = 0; i < d.doc.count; i++)
		if (d.items[i].type >= CO_CBOR_T_BYTES && d.items[i].type <= CO_CBOR_T_MAP)
			sized.push_back(i);
	if (!sized.empty()) {
		// Only the head changes: the error is found there, before the contents.
		const co_cbor_item &it = d.items[*rc::gen::elementOf(sized)];
		Bytes head = {uint8_t((b[it.offset] & 0xe0) | 31)};
		Bytes indef = splice(b, it.offset, it.offset + it.head_len, head);
		expect_error(indef, 0, CO_CBOR_E_INDEFINITE, it.offset);
		expect_error(indef, CO_CBOR_LAX, CO_CBOR_E_INDEFINITE, it.offset);
	}
	// A break where any item is due.
	const co_cbor_item &at = d.items[*rc::gen::inRange<uint32_t>(0, d.doc.count)];
	Bytes brk = splice(b, at.offset, at.offset, Bytes{0xff});
	expect_error(brk, 0, CO_CBOR_E_INDEFINITE, at.offset);
}

// What a prefix of t bytes of a canonical document must give: the first item in document order
// whose head does not fit is truncated there; the first whose declared size exceeds what is left
// exceeds the input there.
std::pair<co_cbor_err, size_t> truncation_model(const Decoded &d, size_t t)
{
	for (uint32_t i = 0; i < d.doc.count; i++) {
		const co_cbor_item &it = d.items[i];
		size_t body = it.offset + it.head_len;
		if (t < body)
			return {CO_CBOR_E_TRUNCATED, it.offset};
		size_t left = t - body;
		if (((it.type == CO_CBOR_T_BYTES || it.type == CO_CBOR_T_TEXT ||
		      it.type == CO_CBOR_T_ARRAY) && it.value > left) ||
		    (it.type == CO_CBOR_T_MAP && it.value > left / 2))
			return {CO_CBOR_E_LENGTH_EXCEEDS_INPUT, it.offset};
	}
	return {CO_CBOR_OK, 0};
}

RC_GTEST_PROP(CborProperty, EveryTruncationIsRejectedWhereTheInputEnds, ())
{
	// One level shallower than gen_doc(): the work is quadratic in the document's length.
	auto [b, d] = canonical_doc(*gen_value(3));
	for (size_t t = 0; t < b.size(); t++) {
		auto [code, offset] = truncation_model(d, t);
		RC_ASSERT(code != CO_CBOR_OK);
		Bytes prefix = slice(b, 0, t);
		expect_error(prefix, 0, code, offset);
		expect_error(prefix, CO_CBOR_LAX, code, offset);
	}
}

RC_GTEST_PROP(CborProperty, SmallBuffersFailCleanlyWithTheLengthNeeded, ())
{
	Value v = *gen_doc();
	Bytes full = encode(v);
	size_t cap = *rc::gen::inRange<size_t>(0, full.size());
	Bytes buf(cap + 16, 0xa5);
	co_cbor_writer w;
	co_cbor_writer_init(&w, cap ? buf.data() : nullptr, cap);
	write_value(&w, v);
	size_t need = 0;
	RC_ASSERT(co_cbor_writer_finish(&w, &need) == CO_CBOR_E_BUFFER_FULL);
	RC_ASSERT(need == full.size());
	for (size_t i = cap; i < buf.size(); i++)
		RC_ASSERT(buf[i] == 0xa5);
}
