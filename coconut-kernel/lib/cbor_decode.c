// SPDX-License-Identifier: GPL-2.0
/*
 * The bounded CBOR decoder: one pass over the input with an explicit stack of open containers
 * (no recursion), checking well-formedness (RFC 8949 §3, Appendix F), our supported subset and
 * limits, and in strict mode the deterministic encoding rules (§4.2.1). It optionally records
 * each item in a caller array for the reader (lib/cbor_read.c).
 *
 * Every pass of the main loop consumes one head, so the work is bounded by the item limit and
 * the input length; the only super-linear part is lax mode's duplicate-key scan.
 */
#include "coconut/cbor.h"
#include "cbor_wire.h"

/* One open container. Offsets are u32: documents are at most CO_CBOR_DOC_BYTES_MAX long. */
struct frame {
	u64 left;	/* items still due (2 per map pair) */
	u32 item;	/* the container's index in items[] */
	u32 first;	/* offset of its first child: where the lax duplicate scan starts */
	u32 key_start;	/* maps: offset of the key being read */
	u32 prev_start;	/* maps: the previous key's encoding, for the strict order check */
	u32 prev_end;	/* == prev_start while there is no previous key */
	bool is_map;
};

CO_STATIC_ASSERT(CO_CBOR_DOC_BYTES_MAX <= 0xffffffffu, "offsets are u32");
CO_STATIC_ASSERT(CO_CBOR_NESTING_DEPTH_MAX <= 255, "item depth is a u8");

static enum co_cbor_err fail(struct co_cbor_error *err, enum co_cbor_err code, u32 offset)
{
	if (err) {
		err->code = code;
		err->offset = offset;
	}
	return code;
}

/* The big-endian argument that follows the initial byte; nbytes is 1, 2, 4 or 8. */
static inline u64 load_arg(const u8 *p, u32 nbytes)
{
	u64 v = 0;
	u32 i;

	for (i = 0; i < nbytes; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Reads the head at pos of input already validated (its bounds hold): the major type, the
 * argument and the head's length.
 */
static u32 head_at(const u8 *buf, u32 pos, u8 *major, u64 *arg)
{
	u8 ai = buf[pos] & 0x1f;
	u32 n;

	*major = buf[pos] >> 5;
	if (ai < AI_1BYTE) {
		*arg = ai;
		return 1;
	}
	CO_ASSERT(ai <= AI_8BYTES);
	n = 1u << (ai - AI_1BYTE);
	*arg = load_arg(buf + pos + 1, n);
	return 1 + n;
}

/*
 * Lax mode: are the items at a and b (both validated) the same value? Heads are compared by
 * major type and argument, not by width, so a non-minimal key still equals its minimal twin.
 * Both walks share one count of pending items because equal values have equal shapes.
 * (Maps used as keys are compared pair by pair in document order.)
 */
static bool same_value(const u8 *buf, u32 a, u32 b)
{
	u64 pending = 1, arg_a, arg_b;
	u8 mt_a, mt_b;
	u32 steps;

	for (steps = 0; pending > 0 && steps < CO_CBOR_DOC_ITEMS_MAX; steps++) {
		a += head_at(buf, a, &mt_a, &arg_a);
		b += head_at(buf, b, &mt_b, &arg_b);
		if (mt_a != mt_b || arg_a != arg_b)
			return false;
		pending--;
		switch (mt_a) {
		case MT_BYTES:
		case MT_TEXT:
			if (co_memcmp(buf + a, buf + b, arg_a) != 0)
				return false;
			a += (u32)arg_a;
			b += (u32)arg_a;
			break;
		case MT_ARRAY:
			pending += arg_a;
			break;
		case MT_MAP:
			pending += 2 * arg_a;
			break;
		case MT_TAG:
			pending += 1;
			break;
		default:
			break;
		}
	}
	CO_ASSERT(pending == 0);
	return true;
}

/* Offset one past the validated item at pos; a count of pending items replaces a stack. */
static u32 skip_item(const u8 *buf, u32 pos)
{
	u64 pending = 1, arg;
	u32 steps;
	u8 mt;

	for (steps = 0; pending > 0 && steps < CO_CBOR_DOC_ITEMS_MAX; steps++) {
		pos += head_at(buf, pos, &mt, &arg);
		pending--;
		if (mt == MT_BYTES || mt == MT_TEXT)
			pos += (u32)arg;
		else if (mt == MT_ARRAY)
			pending += arg;
		else if (mt == MT_MAP)
			pending += 2 * arg;
		else if (mt == MT_TAG)
			pending += 1;
	}
	CO_ASSERT(pending == 0);
	return pos;
}

/* Lax mode: does the key at key_start equal a key of the same map before it? */
static bool lax_duplicate(const u8 *buf, const struct frame *f)
{
	u32 p = f->first, pairs;

	for (pairs = 0; p < f->key_start && pairs < CO_CBOR_DOC_ITEMS_MAX / 2; pairs++) {
		if (same_value(buf, p, f->key_start))
			return true;
		p = skip_item(buf, skip_item(buf, p));	/* past the key, then its value */
	}
	CO_ASSERT(p == f->key_start);
	return false;
}

/* Strict mode: bytewise lexicographic order of encodings (RFC 8949 §4.2.1). */
static int compare_encodings(const u8 *buf, u32 a, u32 a_end, u32 b, u32 b_end)
{
	u32 alen = a_end - a, blen = b_end - b;
	int c = co_memcmp(buf + a, buf + b, CO_MIN(alen, blen));

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* A map key ending at end is complete: check it against the keys before it. */
static enum co_cbor_err check_key(const u8 *buf, struct frame *f, u32 end, bool strict,
				  struct co_cbor_error *err)
{
	int c;

	if (strict) {
		if (f->prev_end > f->prev_start) {
			c = compare_encodings(buf, f->prev_start, f->prev_end, f->key_start, end);
			if (c == 0)
				return fail(err, CO_CBOR_E_DUPLICATE_KEY, f->key_start);
			if (c > 0)
				return fail(err, CO_CBOR_E_KEY_ORDER, f->key_start);
		}
		f->prev_start = f->key_start;
		f->prev_end = end;
	} else if (lax_duplicate(buf, f)) {
		return fail(err, CO_CBOR_E_DUPLICATE_KEY, f->key_start);
	}
	return CO_CBOR_OK;
}

/*
 * The head of a major type 7 item: the four simple values we carry, or the reason it is
 * refused. Decided by the initial byte alone, so a truncated float is still "unsupported".
 */
static enum co_cbor_err simple_type(u8 ai, u8 *type, u64 *value)
{
	switch (ai) {
	case SIMPLE_FALSE:
	case SIMPLE_TRUE:
		*type = CO_CBOR_T_BOOL;
		*value = ai == SIMPLE_TRUE;
		return CO_CBOR_OK;
	case SIMPLE_NULL:
		*type = CO_CBOR_T_NULL;
		*value = 0;
		return CO_CBOR_OK;
	case SIMPLE_UNDEFINED:
		*type = CO_CBOR_T_UNDEFINED;
		*value = 0;
		return CO_CBOR_OK;
	case 25:	/* half */
	case 26:	/* single */
	case 27:	/* double */
		return CO_CBOR_E_UNSUPPORTED_FLOAT;
	case 28:
	case 29:
	case 30:
		return CO_CBOR_E_RESERVED_AI;
	case AI_INDEFINITE:	/* "break": only meaningful inside indefinite-length items */
		return CO_CBOR_E_INDEFINITE;
	default:		/* 0..19 unassigned, 24: one-byte simple values */
		return CO_CBOR_E_UNSUPPORTED_SIMPLE;
	}
}

/*
 * The walker behind co_cbor_validate() and co_cbor_decode(): on success *used is the length of
 * the top-level item and *nitems the number of items (recorded in items[] unless it is NULL).
 */
static enum co_cbor_err walk(const u8 *buf, size_t len, u32 flags, struct co_cbor_item *items,
			     u32 items_max, u32 *used, u32 *nitems, struct co_cbor_error *err)
{
	struct frame stack[CO_CBOR_NESTING_DEPTH_MAX];
	bool strict = !(flags & CO_CBOR_LAX);
	u32 n, pos = 0, depth = 0, count = 0, hlen, idx, u;
	struct co_cbor_item *it;
	enum co_cbor_err e;
	struct frame *f;
	u8 ib, major, ai, type;
	u64 arg, left;

	if (len > CO_CBOR_DOC_BYTES_MAX)
		return fail(err, CO_CBOR_E_DOC_TOO_LONG, CO_CBOR_DOC_BYTES_MAX);
	n = (u32)len;

	/* One item per pass: bounded by items_max (and by n, each head being >= 1 byte). */
	while (count < items_max) {
		if (pos == n)
			return fail(err, CO_CBOR_E_TRUNCATED, pos);
		ib = buf[pos];
		major = ib >> 5;
		ai = ib & 0x1f;
		arg = ai;
		hlen = 1;
		type = 0;

		if (major == MT_SIMPLE) {
			e = simple_type(ai, &type, &arg);
			if (e != CO_CBOR_OK)
				return fail(err, e, pos);
		} else if (ai >= AI_1BYTE) {
			if (ai == AI_INDEFINITE && major >= MT_BYTES && major <= MT_MAP)
				return fail(err, CO_CBOR_E_INDEFINITE, pos);
			if (ai > AI_8BYTES)
				return fail(err, CO_CBOR_E_RESERVED_AI, pos);
			hlen = 1 + (1u << (ai - AI_1BYTE));
			if (n - pos < hlen)
				return fail(err, CO_CBOR_E_TRUNCATED, pos);
			arg = load_arg(buf + pos + 1, hlen - 1);
			/* Shortest form: each width must be needed (RFC 8949 §4.2.1). */
			if (strict && (ai == AI_1BYTE ? arg < AI_1BYTE :
				       (arg >> (4u << (ai - AI_1BYTE))) == 0))
				return fail(err, CO_CBOR_E_NON_MINIMAL, pos);
		}

		idx = count++;
		if (depth > 0) {
			f = &stack[depth - 1];
			if (f->is_map && (f->left & 1) == 0)
				f->key_start = pos;
		}
		if (items) {
			it = &items[idx];
			it->value = arg;
			it->data = NULL;
			it->offset = pos;
			it->depth = (u8)depth;
			it->head_len = (u8)hlen;
		}
		pos += hlen;

		left = 0;
		switch (major) {
		case MT_UINT:
			type = CO_CBOR_T_UINT;
			break;
		case MT_NINT:
			type = CO_CBOR_T_NINT;
			break;
		case MT_BYTES:
		case MT_TEXT:
			type = major == MT_BYTES ? CO_CBOR_T_BYTES : CO_CBOR_T_TEXT;
			if (arg > CO_CBOR_STRING_BYTES_MAX)
				return fail(err, CO_CBOR_E_STRING_TOO_LONG, pos - hlen);
			if (arg > n - pos)
				return fail(err, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, pos - hlen);
			if (major == MT_TEXT && strict) {
				u = (u32)co_cbor_utf8_check(buf + pos, arg);
				if (u != arg)
					return fail(err, CO_CBOR_E_INVALID_UTF8, pos + u);
			}
			if (items)
				items[idx].data = buf + pos;
			pos += (u32)arg;
			break;
		case MT_ARRAY:
		case MT_MAP:
			type = major == MT_ARRAY ? CO_CBOR_T_ARRAY : CO_CBOR_T_MAP;
			/* Each item takes at least a byte: a count beyond what is left is a lie. */
			if (major == MT_ARRAY ? arg > n - pos : arg > (n - pos) / 2)
				return fail(err, CO_CBOR_E_LENGTH_EXCEEDS_INPUT, pos - hlen);
			left = major == MT_ARRAY ? arg : 2 * arg;
			break;
		case MT_TAG:
			type = CO_CBOR_T_TAG;
			left = 1;
			break;
		default:
			break;	/* MT_SIMPLE: type set above */
		}
		if (items)
			items[idx].type = type;

		if (type == CO_CBOR_T_ARRAY || type == CO_CBOR_T_MAP || type == CO_CBOR_T_TAG) {
			if (depth >= CO_CBOR_NESTING_DEPTH_MAX)
				return fail(err, CO_CBOR_E_DEPTH, pos - hlen);
			if (left > 0) {
				f = &stack[depth++];
				f->left = left;
				f->item = idx;
				f->first = pos;
				f->key_start = pos;
				f->prev_start = pos;
				f->prev_end = pos;
				f->is_map = type == CO_CBOR_T_MAP;
				continue;
			}
		}

		/*
		 * The item is complete at pos. It counts against its container; a finished map
		 * key is checked; containers that got their last item complete too.
		 */
		if (items) {
			items[idx].end = pos;
			items[idx].next = count;
		}
		while (depth > 0) {
			f = &stack[depth - 1];
			if (f->is_map && (f->left & 1) == 0) {
				e = check_key(buf, f, pos, strict, err);
				if (e != CO_CBOR_OK)
					return e;
			}
			if (--f->left > 0)
				break;
			depth--;
			if (items) {
				items[f->item].end = pos;
				items[f->item].next = count;
			}
		}
		if (depth == 0) {
			if (pos != n && !(flags & CO_CBOR_ALLOW_TRAILING))
				return fail(err, CO_CBOR_E_TRAILING, pos);
			*used = pos;
			*nitems = count;
			return CO_CBOR_OK;
		}
	}
	/* The limit is checked before the next head is read; an input that ends there is short. */
	return fail(err, pos == n ? CO_CBOR_E_TRUNCATED : CO_CBOR_E_TOO_MANY_ITEMS, pos);
}

enum co_cbor_err co_cbor_validate(const u8 *buf, size_t len, u32 flags, size_t *used,
				  struct co_cbor_error *err)
{
	u32 top_len = 0, nitems = 0;
	enum co_cbor_err e;

	CO_ASSERT(buf != NULL || len == 0);
	e = walk(buf, len, flags, NULL, CO_CBOR_DOC_ITEMS_MAX, &top_len, &nitems, err);
	if (e == CO_CBOR_OK) {
		if (used)
			*used = top_len;
		if (err) {
			err->code = CO_CBOR_OK;
			err->offset = 0;
		}
	}
	return e;
}

enum co_cbor_err co_cbor_decode(const u8 *buf, size_t len, u32 flags, struct co_cbor_item *items,
				u32 items_cap, struct co_cbor_doc *doc, struct co_cbor_error *err)
{
	u32 top_len = 0, nitems = 0;
	enum co_cbor_err e;

	CO_ASSERT(buf != NULL || len == 0);
	CO_ASSERT(items != NULL && doc != NULL);
	doc->buf = buf;
	doc->len = 0;
	doc->items = items;
	doc->count = 0;
	e = walk(buf, len, flags, items, CO_MIN(items_cap, (u32)CO_CBOR_DOC_ITEMS_MAX), &top_len,
		 &nitems, err);
	if (e != CO_CBOR_OK)
		return e;
	doc->len = top_len;
	doc->count = nitems;
	if (err) {
		err->code = CO_CBOR_OK;
		err->offset = 0;
	}
	return CO_CBOR_OK;
}
