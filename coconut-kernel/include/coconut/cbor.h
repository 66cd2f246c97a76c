/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic CBOR (RFC 8949; §4.2.1 core deterministic encoding) for the kernel: spawn requests
 * ({manifest, signature, cap_set}), audit events (hashed into the BLAKE3 chain, so their encoding
 * must be bit-exact), attestation chains and audit chain segments.
 *
 * Data model: unsigned and negative integers over the full 64-bit range (-2^64 .. 2^64-1), byte
 * strings, text strings, arrays, maps, tags (major type 6, wrapping one item) and the simple
 * values false, true, null and undefined. Floats (major type 7, additional info 25/26/27) are
 * refused with CO_CBOR_E_UNSUPPORTED_FLOAT: the kernel has no floating point and none of our
 * documents needs it. Every other simple value is refused with CO_CBOR_E_UNSUPPORTED_SIMPLE.
 * Indefinite lengths are refused in every mode.
 *
 * Three parts:
 *  - the writer (lib/cbor_encode.c) emits only deterministic encodings: shortest heads,
 *    definite lengths, map keys checked to be in strictly increasing bytewise order;
 *  - the decoder (lib/cbor_decode.c) checks a whole document in one bounded pass with an
 *    explicit stack, and optionally records every item in a caller-provided array;
 *  - the reader (lib/cbor_read.c) fetches fields of a decoded document with type checks.
 * Every failure is a code (enum co_cbor_err, named by co_cbor_strerror()) and a byte offset.
 * Limits are in coconut/limits.h. Nothing here allocates, recurses or keeps global state.
 */
#ifndef COCONUT_CBOR_H
#define COCONUT_CBOR_H

#include "coconut/compiler.h"
#include "coconut/limits.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every failure has its own code. Decoder offsets: the head of the item at fault, except for
 * TRUNCATED at the end of the input (where an item was due), TRAILING (the first extra byte),
 * DOC_TOO_LONG (CO_CBOR_DOC_BYTES_MAX, the first byte past the limit), INVALID_UTF8 (the first
 * byte of the ill-formed sequence) and the key errors (the head of the offending key).
 */
enum co_cbor_err {
	CO_CBOR_OK = 0,
	/* Decoder, every mode: well-formedness, supported subset, limits. */
	CO_CBOR_E_TRUNCATED,		/* input ends inside a head, or before an item still due */
	CO_CBOR_E_TRAILING,		/* bytes after the top-level item (unless allowed) */
	CO_CBOR_E_RESERVED_AI,		/* additional info 28-30, or 31 on major type 0, 1 or 6 */
	CO_CBOR_E_INDEFINITE,		/* indefinite length (major 2-5, ai 31) or a break (0xff) */
	CO_CBOR_E_LENGTH_EXCEEDS_INPUT,	/* a string or a container claims more than is left */
	CO_CBOR_E_UNSUPPORTED_FLOAT,	/* half, single or double float: no FP in the kernel */
	CO_CBOR_E_UNSUPPORTED_SIMPLE,	/* a simple value other than false/true/null/undefined */
	CO_CBOR_E_DEPTH,		/* more than CO_CBOR_NESTING_DEPTH_MAX open containers */
	CO_CBOR_E_TOO_MANY_ITEMS,	/* over CO_CBOR_DOC_ITEMS_MAX items or the caller array */
	CO_CBOR_E_STRING_TOO_LONG,	/* a string over CO_CBOR_STRING_BYTES_MAX */
	CO_CBOR_E_DOC_TOO_LONG,		/* a document over CO_CBOR_DOC_BYTES_MAX */
	CO_CBOR_E_DUPLICATE_KEY,	/* a map key equal to an earlier one of the same map */
	/* Decoder, strict mode only: the deterministic encoding rules. */
	CO_CBOR_E_NON_MINIMAL,		/* an integer, length, count or tag not in shortest form */
	CO_CBOR_E_KEY_ORDER,		/* a map key not bytewise greater than the one before it */
	CO_CBOR_E_INVALID_UTF8,		/* a text string that is not well-formed UTF-8 */
	/* Reader: a well-formed document that is not what the caller expects. */
	CO_CBOR_E_WRONG_TYPE,		/* the item is not of the type asked for */
	CO_CBOR_E_MISSING_KEY,		/* the map has no such text key (offset: the map) */
	CO_CBOR_E_UNKNOWN_KEY,		/* the map has a key outside the allowed set */
	CO_CBOR_E_WRONG_LENGTH,		/* the string is not of the length asked for */
	/* Writer. */
	CO_CBOR_E_BUFFER_FULL,		/* buffer too small; writer.len is the length needed */
	CO_CBOR_E_INCOMPLETE,		/* finished before the top item was complete */
	CO_CBOR_E_EXTRA_ITEM,		/* an item after the top-level item was complete */
	CO_CBOR_E_COUNT_
};

/* "truncated", "key_order", ...: a stable name for logs and test messages, never NULL. */
const char *co_cbor_strerror(enum co_cbor_err code);

/* Where a decode or a read failed: the code and the byte offset it was detected at. */
struct co_cbor_error {
	enum co_cbor_err code;
	size_t offset;	/* always <= the input length; == it when the input ended too early */
};

/*
 * Returns len when s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), else the offset of the first byte of the first ill-formed sequence.
 */
size_t co_cbor_utf8_check(const u8 *s, size_t len);

/* ---- Writer -------------------------------------------------------------------------------- */

/* One open container of the writer. */
struct co_cbor_wframe {
	u64 left;		/* items still due (a map counts 2 per pair) */
	size_t key_start;	/* maps: offset of the key being written */
	size_t prev_key_start;	/* maps: the previous key's encoding, to check the order */
	size_t prev_key_end;	/* == prev_key_start while no key was written yet */
	bool is_map;
};

/*
 * Writes one deterministic data item (usually a map or an array) into buf[0..cap).
 *
 * Usage: init, then put_* / begin_* in document order (a container is complete when its
 * declared count of items has been written; a tag applies to the next item), then finish.
 * Errors are sticky: the first one is kept in .error and later calls do nothing, except that
 * after CO_CBOR_E_BUFFER_FULL the writer keeps counting, so that .len ends as the length the
 * document needs (init with buf NULL and cap 0 to size a document without writing it). Nothing
 * is ever written at or past buf + cap.
 *
 * Map keys must be written in the canonical order: each key's encoding bytewise greater than
 * the previous key's in the same map (CO_CBOR_E_KEY_ORDER, or CO_CBOR_E_DUPLICATE_KEY when
 * equal). That is a programmer error caught deterministically; it is checked whenever the
 * key bytes are in the buffer (not after CO_CBOR_E_BUFFER_FULL). The writer also enforces the
 * decoder's limits and UTF-8 rule, so that what it writes always decodes in strict mode.
 */
struct co_cbor_writer {
	u8 *buf;
	size_t cap;
	size_t len;		/* bytes written, or needed after CO_CBOR_E_BUFFER_FULL */
	enum co_cbor_err error;	/* first error, CO_CBOR_OK while none */
	u32 depth;		/* open containers */
	u32 items;		/* items begun */
	bool done;		/* the top-level item is complete */
	struct co_cbor_wframe stack[CO_CBOR_NESTING_DEPTH_MAX];
};

void co_cbor_writer_init(struct co_cbor_writer *w, u8 *buf, size_t cap);
/* CO_CBOR_OK when exactly one complete item was written; *len (if not NULL) gets w->len. */
enum co_cbor_err co_cbor_writer_finish(const struct co_cbor_writer *w, size_t *len);

void co_cbor_put_uint(struct co_cbor_writer *w, u64 v);
void co_cbor_put_nint(struct co_cbor_writer *w, u64 n);	/* the integer -1 - n, down to -2^64 */
void co_cbor_put_int(struct co_cbor_writer *w, s64 v);
void co_cbor_put_bytes(struct co_cbor_writer *w, const u8 *p, size_t len);
void co_cbor_put_text(struct co_cbor_writer *w, const char *p, size_t len);
void co_cbor_put_bool(struct co_cbor_writer *w, bool v);
void co_cbor_put_null(struct co_cbor_writer *w);
void co_cbor_put_undefined(struct co_cbor_writer *w);
void co_cbor_begin_array(struct co_cbor_writer *w, u64 count);
void co_cbor_begin_map(struct co_cbor_writer *w, u64 pairs);
void co_cbor_put_tag(struct co_cbor_writer *w, u64 tag);	/* the next item is its content */

/* ---- Decoder ------------------------------------------------------------------------------- */

/*
 * Flags. The default (0) is strict: the document must be the deterministic encoding of its
 * value (shortest arguments, map keys in strictly increasing bytewise order, text strings
 * well-formed UTF-8) and nothing may follow the top-level item.
 */
#define CO_CBOR_LAX		(1u << 0) /* accept any argument width and key order, skip the
					   * UTF-8 check; duplicate keys are still refused */
#define CO_CBOR_ALLOW_TRAILING	(1u << 1) /* stop after the top-level item (doc.len says where) */

enum co_cbor_type {
	CO_CBOR_T_ANY = 0,	/* only as the type asked for: any type will do */
	CO_CBOR_T_UINT,		/* value: the integer */
	CO_CBOR_T_NINT,		/* value: n, for the integer -1 - n */
	CO_CBOR_T_BYTES,	/* value: length; data: the bytes */
	CO_CBOR_T_TEXT,		/* value: length in bytes; data: the UTF-8 bytes (not terminated) */
	CO_CBOR_T_ARRAY,	/* value: element count; the elements follow in document order */
	CO_CBOR_T_MAP,		/* value: pair count; key, value, key, value... follow */
	CO_CBOR_T_TAG,		/* value: tag number; the content item follows */
	CO_CBOR_T_BOOL,		/* value: 0 or 1 */
	CO_CBOR_T_NULL,
	CO_CBOR_T_UNDEFINED,
};

/* One data item of a decoded document; items are recorded in document order (pre-order). */
struct co_cbor_item {
	u64 value;		/* see enum co_cbor_type */
	const u8 *data;		/* strings: the content, inside the input; else NULL */
	u32 offset;		/* offset of the item's head in the input */
	u32 end;		/* offset one past the item's last byte, children included */
	u32 next;		/* index of the first item after this one's subtree */
	u8 type;		/* enum co_cbor_type */
	u8 depth;		/* containers around the item: 0 for the top-level item */
	u8 head_len;		/* bytes of the head: 1, 2, 3, 5 or 9 */
};

/* A decoded document: the input and its items; the top-level item is items[0]. */
struct co_cbor_doc {
	const u8 *buf;
	size_t len;		/* bytes of the top-level item */
	const struct co_cbor_item *items;
	u32 count;
};

/*
 * Checks that buf[0..len) holds one CBOR data item within the limits of coconut/limits.h and
 * the rules of `flags`; on success *used (if not NULL) gets the item's length. On failure
 * *err (if not NULL) gets the code and the offset. Work is linear in len, except that lax mode
 * compares each map key with the map's earlier keys (quadratic in the pairs of one map).
 */
enum co_cbor_err co_cbor_validate(const u8 *buf, size_t len, u32 flags, size_t *used,
				  struct co_cbor_error *err);

/*
 * As co_cbor_validate(), and records every item in items[0..items_cap) (a document with more
 * items fails with CO_CBOR_E_TOO_MANY_ITEMS), then describes them in *doc. The items point
 * into buf, which must outlive them. On failure *doc describes no item.
 */
enum co_cbor_err co_cbor_decode(const u8 *buf, size_t len, u32 flags, struct co_cbor_item *items,
				u32 items_cap, struct co_cbor_doc *doc, struct co_cbor_error *err);

/* ---- Reader: typed access to a decoded document --------------------------------------------- */

/*
 * Items are named by their index in doc->items (0 is the top-level item). An index out of
 * range is a programmer error (asserted). On a mismatch each function fails with a code and
 * the offset of the item at fault, so a syscall can return both.
 */

/* Text keys as (pointer, length) pairs: co_cbor_map_find(doc, m, CO_CBOR_STR("manifest"), ...). */
#define CO_CBOR_STR(s) (s), (sizeof(s) - 1)

struct co_cbor_key {
	const char *text;
	size_t len;
};
#define CO_CBOR_KEY_INIT(s) { (s), sizeof(s) - 1 }

static inline const struct co_cbor_item *co_cbor_at(const struct co_cbor_doc *doc, u32 idx)
{
	CO_ASSERT(idx < doc->count);
	return &doc->items[idx];
}

/*
 * The encoded bytes of item idx, children included; after a strict decode, its deterministic
 * encoding (what a signature over a manifest map covers, or what an audit hash takes).
 */
static inline const u8 *co_cbor_encoded(const struct co_cbor_doc *doc, u32 idx, size_t *len)
{
	const struct co_cbor_item *it = co_cbor_at(doc, idx);

	*len = it->end - it->offset;
	return doc->buf + it->offset;
}

/* CO_CBOR_E_WRONG_TYPE unless item idx is of type `type` (CO_CBOR_T_ANY accepts all). */
enum co_cbor_err co_cbor_expect(const struct co_cbor_doc *doc, u32 idx, enum co_cbor_type type,
				struct co_cbor_error *err);

/* The value of text key `key` in map `map` (CO_CBOR_E_MISSING_KEY when absent). */
enum co_cbor_err co_cbor_map_find(const struct co_cbor_doc *doc, u32 map, const char *key,
				  size_t key_len, u32 *value, struct co_cbor_error *err);
/* co_cbor_map_find() and co_cbor_expect() of the value in one call. */
enum co_cbor_err co_cbor_map_get(const struct co_cbor_doc *doc, u32 map, const char *key,
				 size_t key_len, enum co_cbor_type type, u32 *value,
				 struct co_cbor_error *err);
/* CO_CBOR_E_UNKNOWN_KEY (at that key) unless every key of `map` is one of keys[0..nkeys). */
enum co_cbor_err co_cbor_map_only_keys(const struct co_cbor_doc *doc, u32 map,
				       const struct co_cbor_key *keys, u32 nkeys,
				       struct co_cbor_error *err);

enum co_cbor_err co_cbor_get_uint(const struct co_cbor_doc *doc, u32 idx, u64 *v,
				  struct co_cbor_error *err);
enum co_cbor_err co_cbor_get_bool(const struct co_cbor_doc *doc, u32 idx, bool *v,
				  struct co_cbor_error *err);
enum co_cbor_err co_cbor_get_bytes(const struct co_cbor_doc *doc, u32 idx, const u8 **p,
				   size_t *len, struct co_cbor_error *err);
/* A byte string of exactly `len` bytes (CO_CBOR_E_WRONG_LENGTH otherwise): keys, signatures. */
enum co_cbor_err co_cbor_get_bytes_len(const struct co_cbor_doc *doc, u32 idx, size_t len,
				       const u8 **p, struct co_cbor_error *err);
enum co_cbor_err co_cbor_get_text(const struct co_cbor_doc *doc, u32 idx, const char **p,
				  size_t *len, struct co_cbor_error *err);
/* The tag number and the index of its content. */
enum co_cbor_err co_cbor_get_tag(const struct co_cbor_doc *doc, u32 idx, u64 *tag, u32 *content,
				 struct co_cbor_error *err);

/*
 * Iteration over an array's elements or a map's pairs:
 *	if (co_cbor_array_iter(doc, arr, &it, &err)) return ...;
 *	while (co_cbor_array_next(doc, &it, &elem)) ...;
 */
struct co_cbor_iter {
	u32 next;	/* index of the next element or key */
	u32 left;	/* elements or pairs still to visit */
};

enum co_cbor_err co_cbor_array_iter(const struct co_cbor_doc *doc, u32 array,
				    struct co_cbor_iter *it, struct co_cbor_error *err);
bool co_cbor_array_next(const struct co_cbor_doc *doc, struct co_cbor_iter *it, u32 *elem);
enum co_cbor_err co_cbor_map_iter(const struct co_cbor_doc *doc, u32 map, struct co_cbor_iter *it,
				  struct co_cbor_error *err);
bool co_cbor_map_next(const struct co_cbor_doc *doc, struct co_cbor_iter *it, u32 *key, u32 *value);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_CBOR_H */
