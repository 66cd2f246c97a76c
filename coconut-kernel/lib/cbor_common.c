// SPDX-License-Identifier: GPL-2.0
/*
 * What the CBOR writer, decoder and reader share: error names and the UTF-8 check
 * (RFC 3629 §4, which is what RFC 8949 §3.1 asks of text strings).
 */
#include "coconut/cbor.h"

const char *co_cbor_strerror(enum co_cbor_err code)
{
	/* Indexed by code; the static assert below keeps the table in step with the enum. */
	static const char *const names[] = {
		[CO_CBOR_OK] = "ok",
		[CO_CBOR_E_TRUNCATED] = "truncated",
		[CO_CBOR_E_TRAILING] = "trailing_bytes",
		[CO_CBOR_E_RESERVED_AI] = "reserved_additional_info",
		[CO_CBOR_E_INDEFINITE] = "indefinite_length",
		[CO_CBOR_E_LENGTH_EXCEEDS_INPUT] = "length_exceeds_input",
		[CO_CBOR_E_UNSUPPORTED_FLOAT] = "unsupported_float",
		[CO_CBOR_E_UNSUPPORTED_SIMPLE] = "unsupported_simple_value",
		[CO_CBOR_E_DEPTH] = "too_deep",
		[CO_CBOR_E_TOO_MANY_ITEMS] = "too_many_items",
		[CO_CBOR_E_STRING_TOO_LONG] = "string_too_long",
		[CO_CBOR_E_DOC_TOO_LONG] = "document_too_long",
		[CO_CBOR_E_DUPLICATE_KEY] = "duplicate_key",
		[CO_CBOR_E_NON_MINIMAL] = "non_minimal_encoding",
		[CO_CBOR_E_KEY_ORDER] = "key_order",
		[CO_CBOR_E_INVALID_UTF8] = "invalid_utf8",
		[CO_CBOR_E_WRONG_TYPE] = "wrong_type",
		[CO_CBOR_E_MISSING_KEY] = "missing_key",
		[CO_CBOR_E_UNKNOWN_KEY] = "unknown_key",
		[CO_CBOR_E_WRONG_LENGTH] = "wrong_length",
		[CO_CBOR_E_BUFFER_FULL] = "buffer_full",
		[CO_CBOR_E_INCOMPLETE] = "incomplete",
		[CO_CBOR_E_EXTRA_ITEM] = "extra_item",
	};

	CO_STATIC_ASSERT(CO_ARRAY_SIZE(names) == CO_CBOR_E_COUNT_, "a co_cbor_err has no name");
	if ((unsigned int)code >= CO_ARRAY_SIZE(names))
		return "unknown_error";
	return names[code];
}

/*
 * The well-formed sequences of RFC 3629 §4, by lead byte:
 *	00..7F				one byte
 *	C2..DF 80..BF			C0 and C1 could only start overlong forms
 *	E0 A0..BF 80..BF		E0 80..9F would be overlong
 *	E1..EC, EE..EF 80..BF 80..BF
 *	ED 80..9F 80..BF		ED A0..BF would be a surrogate (U+D800..DFFF)
 *	F0 90..BF 80..BF 80..BF		F0 80..8F would be overlong
 *	F1..F3 80..BF 80..BF 80..BF
 *	F4 80..8F 80..BF 80..BF		F4 90.. would be above U+10FFFF; F5..FF never appear
 */
size_t co_cbor_utf8_check(const u8 *s, size_t len)
{
	size_t i = 0, need, k;
	u8 c, lo, hi;

	while (i < len) {	/* bounded: i grows by at least one per pass */
		c = s[i];
		if (c < 0x80) {
			/* Capabilities and keys are ASCII: skip 8 such bytes per step. */
			while (len - i >= 8) {
				u64 w;

				co_memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ull)
					break;
				i += 8;
			}
			if (i < len && s[i] < 0x80)
				i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return i;
		}
		if (len - i - 1 < need)
			return i;
		/* Only the first continuation byte has a narrowed range. */
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= need; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		i += need + 1;
	}
	return len;
}
