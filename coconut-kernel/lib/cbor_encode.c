// SPDX-License-Identifier: GPL-2.0
/*
 * The deterministic CBOR writer (RFC 8949 §4.2.1): every argument in its shortest form,
 * definite lengths only, map keys in strictly increasing bytewise order of their encodings.
 * The order is checked rather than sorted: the kernel knows its keys when it writes them, and a
 * check costs no buffer, while a wrong order must never reach a hash chain.
 */
#include "coconut/cbor.h"
#include "cbor_wire.h"

void co_cbor_writer_init(struct co_cbor_writer *w, u8 *buf, size_t cap)
{
	CO_ASSERT(buf != NULL || cap == 0);
	/* Frames are set when pushed: no need to clear the whole stack for every small event. */
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->error = CO_CBOR_OK;
	w->depth = 0;
	w->items = 0;
	w->done = false;
}

/* True once an error other than a full buffer was recorded: the writer does nothing more. */
static bool writer_stopped(const struct co_cbor_writer *w)
{
	return w->error != CO_CBOR_OK && w->error != CO_CBOR_E_BUFFER_FULL;
}

/*
 * Keeps the first error, except that any other error replaces CO_CBOR_E_BUFFER_FULL: a small
 * buffer is the caller's sizing question, the others are bugs that must not be hidden by it.
 */
static void writer_fail(struct co_cbor_writer *w, enum co_cbor_err e)
{
	if (w->error == CO_CBOR_OK || (w->error == CO_CBOR_E_BUFFER_FULL && e != w->error))
		w->error = e;
}

/* Appends n bytes, or only counts them once the buffer has overflowed. */
static void emit(struct co_cbor_writer *w, const u8 *p, size_t n)
{
	if (n > CO_CBOR_DOC_BYTES_MAX - w->len) {
		writer_fail(w, CO_CBOR_E_DOC_TOO_LONG);
		return;
	}
	if (w->error == CO_CBOR_OK) {
		/* Invariant while no error: len <= cap, so cap - len does not wrap. */
		if (n <= w->cap - w->len)
			co_memcpy(w->buf + w->len, p, n);
		else
			writer_fail(w, CO_CBOR_E_BUFFER_FULL);
	}
	w->len += n;
}

/* A head in its shortest form (RFC 8949 §4.2.1, "preferred serialization" of arguments). */
static void emit_head(struct co_cbor_writer *w, u8 major, u64 arg)
{
	u8 h[9];
	size_t n;

	if (arg < 24) {
		h[0] = (u8)(major << 5 | arg);
		n = 1;
	} else if (arg <= 0xff) {
		h[0] = (u8)(major << 5 | 24);
		h[1] = (u8)arg;
		n = 2;
	} else if (arg <= 0xffff) {
		h[0] = (u8)(major << 5 | 25);
		h[1] = (u8)(arg >> 8);
		h[2] = (u8)arg;
		n = 3;
	} else if (arg <= 0xffffffffu) {
		h[0] = (u8)(major << 5 | 26);
		h[1] = (u8)(arg >> 24);
		h[2] = (u8)(arg >> 16);
		h[3] = (u8)(arg >> 8);
		h[4] = (u8)arg;
		n = 5;
	} else {
		h[0] = (u8)(major << 5 | 27);
		co_store_be64(h + 1, arg);
		n = 9;
	}
	emit(w, h, n);
}

/*
 * Called before each item: refuses items past the top-level one and past the item limit, and
 * remembers where a map key starts so its encoding can be compared once it is complete.
 */
static bool item_begin(struct co_cbor_writer *w)
{
	struct co_cbor_wframe *f;

	if (writer_stopped(w))
		return false;
	if (w->done) {
		writer_fail(w, CO_CBOR_E_EXTRA_ITEM);
		return false;
	}
	if (w->items >= CO_CBOR_DOC_ITEMS_MAX) {
		writer_fail(w, CO_CBOR_E_TOO_MANY_ITEMS);
		return false;
	}
	w->items++;
	if (w->depth > 0) {
		f = &w->stack[w->depth - 1];
		/* A map's items alternate key, value, starting from an even count. */
		if (f->is_map && (f->left & 1) == 0)
			f->key_start = w->len;
	}
	return true;
}

/* Bytewise lexicographic comparison of two encodings in the buffer (RFC 8949 §4.2.1). */
static int compare_encodings(const u8 *a, size_t alen, const u8 *b, size_t blen)
{
	int c = co_memcmp(a, b, CO_MIN(alen, blen));

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/*
 * Called when an item is complete: it counts against its container, a completed map key is
 * checked against the previous one, and containers that received their last item complete in
 * turn (at most depth of them).
 */
static void item_end(struct co_cbor_writer *w)
{
	struct co_cbor_wframe *f;
	int c;

	while (w->depth > 0) {
		f = &w->stack[w->depth - 1];
		if (f->is_map && (f->left & 1) == 0) {
			/* Comparable only while every byte is in the buffer (no overflow yet). */
			if (w->error == CO_CBOR_OK && f->prev_key_end > f->prev_key_start) {
				c = compare_encodings(w->buf + f->prev_key_start,
						      f->prev_key_end - f->prev_key_start,
						      w->buf + f->key_start, w->len - f->key_start);
				if (c == 0)
					writer_fail(w, CO_CBOR_E_DUPLICATE_KEY);
				else if (c > 0)
					writer_fail(w, CO_CBOR_E_KEY_ORDER);
			}
			f->prev_key_start = f->key_start;
			f->prev_key_end = w->len;
		}
		CO_ASSERT(f->left > 0);
		f->left--;
		if (f->left > 0)
			return;
		w->depth--;
	}
	w->done = true;
}

/* Opens a container expecting `left` items; one with none is complete at once. */
static void container_begin(struct co_cbor_writer *w, u8 major, u64 arg, u64 left, bool is_map)
{
	struct co_cbor_wframe *f;

	if (!item_begin(w))
		return;
	if (w->depth >= CO_CBOR_NESTING_DEPTH_MAX) {
		writer_fail(w, CO_CBOR_E_DEPTH);
		return;
	}
	emit_head(w, major, arg);
	if (writer_stopped(w))
		return;
	if (left == 0) {
		item_end(w);
		return;
	}
	f = &w->stack[w->depth++];
	f->left = left;
	f->key_start = 0;
	f->prev_key_start = 0;
	f->prev_key_end = 0;
	f->is_map = is_map;
}

static void scalar(struct co_cbor_writer *w, u8 major, u64 arg)
{
	if (!item_begin(w))
		return;
	emit_head(w, major, arg);
	if (!writer_stopped(w))
		item_end(w);
}

static void string(struct co_cbor_writer *w, u8 major, const u8 *p, size_t len)
{
	CO_ASSERT(p != NULL || len == 0);
	if (!item_begin(w))
		return;
	if (len > CO_CBOR_STRING_BYTES_MAX) {
		writer_fail(w, CO_CBOR_E_STRING_TOO_LONG);
		return;
	}
	if (major == MT_TEXT && co_cbor_utf8_check(p, len) != len) {
		writer_fail(w, CO_CBOR_E_INVALID_UTF8);
		return;
	}
	emit_head(w, major, len);
	if (len > 0)
		emit(w, p, len);
	if (!writer_stopped(w))
		item_end(w);
}

enum co_cbor_err co_cbor_writer_finish(const struct co_cbor_writer *w, size_t *len)
{
	if (len)
		*len = w->len;
	if (w->error != CO_CBOR_OK)
		return w->error;
	return w->done ? CO_CBOR_OK : CO_CBOR_E_INCOMPLETE;
}

void co_cbor_put_uint(struct co_cbor_writer *w, u64 v)
{
	scalar(w, MT_UINT, v);
}

void co_cbor_put_nint(struct co_cbor_writer *w, u64 n)
{
	scalar(w, MT_NINT, n);
}

void co_cbor_put_int(struct co_cbor_writer *w, s64 v)
{
	/* -1 - v cannot overflow for v < 0, INT64_MIN included. */
	if (v >= 0)
		scalar(w, MT_UINT, (u64)v);
	else
		scalar(w, MT_NINT, (u64)(-1 - v));
}

void co_cbor_put_bytes(struct co_cbor_writer *w, const u8 *p, size_t len)
{
	string(w, MT_BYTES, p, len);
}

void co_cbor_put_text(struct co_cbor_writer *w, const char *p, size_t len)
{
	string(w, MT_TEXT, (const u8 *)p, len);
}

void co_cbor_put_bool(struct co_cbor_writer *w, bool v)
{
	scalar(w, MT_SIMPLE, v ? SIMPLE_TRUE : SIMPLE_FALSE);
}

void co_cbor_put_null(struct co_cbor_writer *w)
{
	scalar(w, MT_SIMPLE, SIMPLE_NULL);
}

void co_cbor_put_undefined(struct co_cbor_writer *w)
{
	scalar(w, MT_SIMPLE, SIMPLE_UNDEFINED);
}

void co_cbor_begin_array(struct co_cbor_writer *w, u64 count)
{
	/* More elements than a document may hold can never be completed. */
	if (count > CO_CBOR_DOC_ITEMS_MAX) {
		writer_fail(w, CO_CBOR_E_TOO_MANY_ITEMS);
		return;
	}
	container_begin(w, MT_ARRAY, count, count, false);
}

void co_cbor_begin_map(struct co_cbor_writer *w, u64 pairs)
{
	if (pairs > CO_CBOR_DOC_ITEMS_MAX / 2) {
		writer_fail(w, CO_CBOR_E_TOO_MANY_ITEMS);
		return;
	}
	container_begin(w, MT_MAP, pairs, 2 * pairs, true);
}

void co_cbor_put_tag(struct co_cbor_writer *w, u64 tag)
{
	container_begin(w, MT_TAG, tag, 1, false);
}
