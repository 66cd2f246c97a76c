// Property fuzz of the CBOR decoder (coconut/cbor.h). For any input:
//  - co_cbor_validate and co_cbor_decode agree (code and offset), in strict and lax mode;
//  - a rejection is a decoder error code with an offset within the input;
//  - if strict decoding accepts, the items respect every limit, describe the input exactly,
//    the reader finds every text key, and re-encoding the items with the writer gives back
//    exactly the input bytes (the input was canonical);
//  - lax mode accepts whatever strict mode accepts, with the same items; where lax accepts and
//    strict does not, strict objected to a canonical-form rule only; where strict fails on
//    anything else, lax fails the same way at the same offset;
//  - with trailing bytes allowed, an accepted prefix is exactly a strictly valid document.
// A broken property aborts, so libFuzzer reports it like a crash.
#include "coconut/cbor.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void check(bool ok, const char *what)
{
	if (!ok) {
		std::fprintf(stderr, "cbor_decode_fuzz: property broken: %s\n", what);
		std::abort();
	}
}

bool is_decoder_error(co_cbor_err e)
{
	return e > CO_CBOR_OK && e <= CO_CBOR_E_INVALID_UTF8;
}

// The rules only strict mode checks.
bool is_canonical_rule(co_cbor_err e)
{
	return e == CO_CBOR_E_NON_MINIMAL || e == CO_CBOR_E_KEY_ORDER ||
	       e == CO_CBOR_E_INVALID_UTF8;
}

struct Result {
	co_cbor_err code;
	co_cbor_error err;
	co_cbor_doc doc;
};

Result run(const uint8_t *data, size_t size, uint32_t flags, std::vector<co_cbor_item> &items)
{
	Result r{};
	r.code = co_cbor_decode(data, size, flags, items.data(), uint32_t(items.size()), &r.doc,
				&r.err);
	co_cbor_error verr{};
	size_t used = 0;
	co_cbor_err v = co_cbor_validate(data, size, flags, &used, &verr);
	check(v == r.code, "validate and decode agree on the verdict");
	if (r.code != CO_CBOR_OK) {
		check(verr.offset == r.err.offset, "validate and decode agree on the offset");
		check(is_decoder_error(r.code), "a decoder error code");
		check(r.err.offset <= size, "the error offset is within the input");
		check(r.code == CO_CBOR_E_TRUNCATED || r.err.offset < size,
		      "only truncation is reported at the end of the input");
		check(r.doc.count == 0, "a failed decode describes no item");
	} else {
		check(used == r.doc.len, "validate and decode agree on the length");
	}
	return r;
}

// Writes the items back in document order: pre-order is exactly the writer's call order.
std::vector<uint8_t> reencode(const co_cbor_doc &doc)
{
	std::vector<uint8_t> out(doc.len + 16);
	co_cbor_writer w;
	co_cbor_writer_init(&w, out.data(), out.size());
	for (uint32_t i = 0; i < doc.count; i++) {
		const co_cbor_item &it = doc.items[i];
		switch (it.type) {
		case CO_CBOR_T_UINT:
			co_cbor_put_uint(&w, it.value);
			break;
		case CO_CBOR_T_NINT:
			co_cbor_put_nint(&w, it.value);
			break;
		case CO_CBOR_T_BYTES:
			co_cbor_put_bytes(&w, it.data, it.value);
			break;
		case CO_CBOR_T_TEXT:
			co_cbor_put_text(&w, reinterpret_cast<const char *>(it.data), it.value);
			break;
		case CO_CBOR_T_ARRAY:
			co_cbor_begin_array(&w, it.value);
			break;
		case CO_CBOR_T_MAP:
			co_cbor_begin_map(&w, it.value);
			break;
		case CO_CBOR_T_TAG:
			co_cbor_put_tag(&w, it.value);
			break;
		case CO_CBOR_T_BOOL:
			co_cbor_put_bool(&w, it.value != 0);
			break;
		case CO_CBOR_T_NULL:
			co_cbor_put_null(&w);
			break;
		case CO_CBOR_T_UNDEFINED:
			co_cbor_put_undefined(&w);
			break;
		default:
			check(false, "a known item type");
		}
	}
	size_t len = 0;
	check(co_cbor_writer_finish(&w, &len) == CO_CBOR_OK, "the writer takes a strict document");
	out.resize(len);
	return out;
}

void check_strict_doc(const uint8_t *data, size_t size, const co_cbor_doc &doc)
{
	check(doc.len == size, "no trailing bytes");
	check(doc.count >= 1 && doc.count <= CO_CBOR_DOC_ITEMS_MAX, "the item limit holds");
	for (uint32_t i = 0; i < doc.count; i++) {
		const co_cbor_item &it = doc.items[i];
		check(it.depth <= CO_CBOR_NESTING_DEPTH_MAX, "the depth limit holds");
		check(it.offset + it.head_len <= it.end && it.end <= size, "the item is in the input");
		check(it.next > i && it.next <= doc.count, "next is after the item");
		if (it.type == CO_CBOR_T_BYTES || it.type == CO_CBOR_T_TEXT) {
			check(it.value <= CO_CBOR_STRING_BYTES_MAX, "the string limit holds");
			check(it.data == data + it.offset + it.head_len &&
				      it.offset + it.head_len + it.value == it.end,
			      "the string content is where the item says");
			if (it.type == CO_CBOR_T_TEXT)
				check(co_cbor_utf8_check(it.data, it.value) == it.value,
				      "strict text is UTF-8");
		}
		if (it.type == CO_CBOR_T_MAP) {
			// Keys are unique, so the reader finds each text key at its own value.
			co_cbor_iter iter;
			co_cbor_error err;
			uint32_t k, v, found;
			check(co_cbor_map_iter(&doc, i, &iter, &err) == CO_CBOR_OK, "map iteration");
			while (co_cbor_map_next(&doc, &iter, &k, &v)) {
				const co_cbor_item &key = doc.items[k];
				if (key.type != CO_CBOR_T_TEXT)
					continue;
				check(co_cbor_map_find(&doc, i, reinterpret_cast<const char *>(key.data),
						       key.value, &found, &err) == CO_CBOR_OK &&
					      found == v,
				      "map_find finds each text key");
			}
		}
	}
	check(doc.items[0].end == size && doc.items[0].next == doc.count, "the top item is all");
	std::vector<uint8_t> again = reencode(doc);
	check(again.size() == size && std::memcmp(again.data(), data, size) == 0,
	      "re-encoding a strict document gives the input back");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static std::vector<co_cbor_item> strict_items(CO_CBOR_DOC_ITEMS_MAX);
	static std::vector<co_cbor_item> lax_items(CO_CBOR_DOC_ITEMS_MAX);

	Result strict = run(data, size, 0, strict_items);
	Result lax = run(data, size, CO_CBOR_LAX, lax_items);

	if (strict.code == CO_CBOR_OK) {
		check_strict_doc(data, size, strict.doc);
		check(lax.code == CO_CBOR_OK && lax.doc.count == strict.doc.count,
		      "lax accepts what strict accepts");
		for (uint32_t i = 0; i < strict.doc.count; i++) {
			const co_cbor_item &s = strict_items[i], &l = lax_items[i];
			check(s.type == l.type && s.value == l.value && s.data == l.data &&
				      s.offset == l.offset && s.end == l.end && s.next == l.next &&
				      s.depth == l.depth && s.head_len == l.head_len,
			      "lax and strict read the same items");
		}
	} else if (lax.code == CO_CBOR_OK) {
		check(is_canonical_rule(strict.code), "strict refuses lax documents on form only");
	} else if (!is_canonical_rule(strict.code)) {
		check(lax.code == strict.code && lax.err.offset == strict.err.offset,
		      "lax fails like strict on what both check");
	}

	Result prefix = run(data, size, CO_CBOR_ALLOW_TRAILING, strict_items);
	if (prefix.code == CO_CBOR_OK) {
		Result exact = run(data, prefix.doc.len, 0, lax_items);
		check(exact.code == CO_CBOR_OK, "the accepted prefix is a document on its own");
	} else {
		check(prefix.code == strict.code && prefix.err.offset == strict.err.offset,
		      "allowing trailing bytes changes nothing before the top item ends");
	}
	return 0;
}
