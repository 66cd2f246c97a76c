// SPDX-License-Identifier: GPL-2.0
/*
 * Audit events and their encoding: the deterministic CBOR map that the chain hashes. The
 * encoding is the chain's wire format, so it is written in one place (co_audit_event_put, used
 * by encode and by the segment export) and read in one place (co_audit_event_from_doc, used by
 * decode and by verify), and decode is strict: exactly what encode would have written, so a
 * verifier that re-encodes what it decoded hashes the same bytes.
 */
#include "coconut/blake3.h"

#include "audit_int.h"

/* The encoding's worst case, term by term (see CO_AUDIT_EVENT_ENC_BYTES_MAX in limits.h). */
#define CO_AUDIT_ENC_WORST (1 + CO_AUDIT_EV_KEYS_MAX + 9 + 9 + 5 + 9 + 1 + \
			    (3 + COCONUT_CAP_TEXT_MAX) + (2 + COCONUT_DIGEST_SIZE) + 5 + 9 + 9)
CO_STATIC_ASSERT(CO_AUDIT_ENC_WORST == CO_AUDIT_EVENT_ENC_BYTES_MAX,
		 "CO_AUDIT_EVENT_ENC_BYTES_MAX is the largest event encoding");
CO_STATIC_ASSERT(COCONUT_EV_TYPE_COUNT <= 24, "a type is a one-byte CBOR integer");
CO_STATIC_ASSERT(COCONUT_CAP_TEXT_MAX >= 256 && COCONUT_CAP_TEXT_MAX <= 0xffff,
		 "a cap text takes a 3-byte CBOR head and fits cap_len");
CO_STATIC_ASSERT(COCONUT_CAP_TEXT_MAX <= CO_CBOR_STRING_BYTES_MAX, "a cap is one CBOR string");

void co_audit_event_init(struct co_audit_event *ev, u32 type, u64 aid, s32 result)
{
	co_memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->aid = aid;
	ev->result = result;
}

void co_audit_event_set_cap(struct co_audit_event *ev, const char *cap, size_t len)
{
	CO_ASSERT(len <= COCONUT_CAP_TEXT_MAX);
	CO_ASSERT(cap != NULL || len == 0);
	if (len)
		co_memcpy(ev->cap, cap, len);
	co_memset(ev->cap + len, 0, COCONUT_CAP_TEXT_MAX - len);
	ev->cap_len = (u16)len;
}

void co_audit_event_set_object(struct co_audit_event *ev, const void *object, size_t len)
{
	if (!object) {
		CO_ASSERT(len == 0);
		co_memset(ev->object_digest, 0, COCONUT_DIGEST_SIZE);
		return;
	}
	co_blake3_hash(object, len, ev->object_digest);
}

bool co_audit_event_valid(const struct co_audit_event *ev)
{
	if (ev->type == 0 || ev->type >= COCONUT_EV_TYPE_COUNT)
		return false;
	if (ev->cap_len > COCONUT_CAP_TEXT_MAX)
		return false;
	if (ev->actor != 0 && ev->actor == ev->aid)
		return false; /* acting on itself is no actor: one encoding per meaning */
	/* The strict decoder refuses text that is not UTF-8: never hash what cannot be read. */
	return co_cbor_utf8_check((const u8 *)ev->cap, ev->cap_len) == ev->cap_len;
}

void co_audit_event_put(struct co_cbor_writer *w, const struct co_audit_event *ev)
{
	co_cbor_begin_map(w, CO_AUDIT_EV_KEY_COUNT + (ev->actor != 0));
	co_cbor_put_uint(w, CO_AUDIT_EV_SEQ);
	co_cbor_put_uint(w, ev->seq);
	co_cbor_put_uint(w, CO_AUDIT_EV_TIME_NS);
	co_cbor_put_uint(w, ev->time_ns);
	co_cbor_put_uint(w, CO_AUDIT_EV_CPU);
	co_cbor_put_uint(w, ev->cpu);
	co_cbor_put_uint(w, CO_AUDIT_EV_AID);
	co_cbor_put_uint(w, ev->aid);
	co_cbor_put_uint(w, CO_AUDIT_EV_TYPE);
	co_cbor_put_uint(w, ev->type);
	co_cbor_put_uint(w, CO_AUDIT_EV_CAP);
	co_cbor_put_text(w, ev->cap, ev->cap_len);
	co_cbor_put_uint(w, CO_AUDIT_EV_OBJECT);
	co_cbor_put_bytes(w, ev->object_digest, COCONUT_DIGEST_SIZE);
	co_cbor_put_uint(w, CO_AUDIT_EV_RESULT);
	co_cbor_put_int(w, ev->result);
	co_cbor_put_uint(w, CO_AUDIT_EV_ARG);
	co_cbor_put_uint(w, ev->arg);
	if (ev->actor) {
		co_cbor_put_uint(w, CO_AUDIT_EV_ACTOR);
		co_cbor_put_uint(w, ev->actor);
	}
}

int co_audit_event_encode(const struct co_audit_event *ev, u8 *buf, size_t len)
{
	struct co_cbor_writer w;
	enum co_cbor_err e;
	size_t n = 0;

	CO_ASSERT(buf != NULL || len == 0);
	if (!co_audit_event_valid(ev))
		return -EINVAL;
	co_cbor_writer_init(&w, buf, len);
	co_audit_event_put(&w, ev);
	e = co_cbor_writer_finish(&w, &n);
	if (e == CO_CBOR_E_BUFFER_FULL)
		return -EMSGSIZE;
	/* Anything else is a writer bug: the event was checked to be encodable. */
	CO_ASSERT(e == CO_CBOR_OK);
	CO_ASSERT(n <= CO_AUDIT_EVENT_ENC_BYTES_MAX);
	return (int)n;
}

/* An unsigned value of at most max, into *v. */
static int co_audit_get_uint_max(const struct co_cbor_doc *doc, u32 idx, u64 max, u64 *v)
{
	if (co_cbor_get_uint(doc, idx, v, NULL) != CO_CBOR_OK || *v > max)
		return -EBADMSG;
	return 0;
}

/* A CBOR integer that fits an s32 (unsigned or negative head). */
static int co_audit_get_s32(const struct co_cbor_doc *doc, u32 idx, s32 *v)
{
	const struct co_cbor_item *it = co_cbor_at(doc, idx);

	if (it->type == CO_CBOR_T_UINT && it->value <= 0x7fffffffull) {
		*v = (s32)it->value;
		return 0;
	}
	/* A negative item holds n for the integer -1 - n; -2^31 is n = 2^31 - 1. */
	if (it->type == CO_CBOR_T_NINT && it->value <= 0x7fffffffull) {
		*v = (s32)(-1 - (s64)it->value);
		return 0;
	}
	return -EBADMSG;
}

int co_audit_event_from_doc(const struct co_cbor_doc *doc, u32 idx, struct co_audit_event *ev)
{
	const struct co_cbor_item *map = co_cbor_at(doc, idx);
	struct co_cbor_iter it;
	const u8 *digest;
	const char *cap;
	u32 key, val, k;
	size_t cap_len;
	u64 v;

	if (map->type != CO_CBOR_T_MAP ||
	    (map->value != CO_AUDIT_EV_KEY_COUNT && map->value != CO_AUDIT_EV_KEYS_MAX))
		return -EBADMSG;
	if (co_cbor_map_iter(doc, idx, &it, NULL) != CO_CBOR_OK)
		return -EBADMSG;
	co_audit_event_init(ev, 0, 0, 0);
	/* Keys 0..8 (and 9) in this order: a strict decode put them in canonical order. */
	for (k = 0; k < (u32)map->value; k++) {
		if (!co_cbor_map_next(doc, &it, &key, &val))
			return -EBADMSG;
		if (co_cbor_get_uint(doc, key, &v, NULL) != CO_CBOR_OK || v != k)
			return -EBADMSG;
		switch (k) {
		case CO_AUDIT_EV_SEQ:
			if (co_audit_get_uint_max(doc, val, ~0ull, &ev->seq))
				return -EBADMSG;
			break;
		case CO_AUDIT_EV_TIME_NS:
			if (co_audit_get_uint_max(doc, val, ~0ull, &ev->time_ns))
				return -EBADMSG;
			break;
		case CO_AUDIT_EV_CPU:
			if (co_audit_get_uint_max(doc, val, 0xffffffffull, &v))
				return -EBADMSG;
			ev->cpu = (u32)v;
			break;
		case CO_AUDIT_EV_AID:
			if (co_audit_get_uint_max(doc, val, ~0ull, &ev->aid))
				return -EBADMSG;
			break;
		case CO_AUDIT_EV_TYPE:
			if (co_audit_get_uint_max(doc, val, COCONUT_EV_TYPE_COUNT - 1, &v) ||
			    v == 0)
				return -EBADMSG;
			ev->type = (u32)v;
			break;
		case CO_AUDIT_EV_CAP:
			if (co_cbor_get_text(doc, val, &cap, &cap_len, NULL) != CO_CBOR_OK ||
			    cap_len > COCONUT_CAP_TEXT_MAX)
				return -EBADMSG;
			co_audit_event_set_cap(ev, cap, cap_len);
			break;
		case CO_AUDIT_EV_OBJECT:
			if (co_cbor_get_bytes_len(doc, val, COCONUT_DIGEST_SIZE, &digest, NULL) !=
			    CO_CBOR_OK)
				return -EBADMSG;
			co_memcpy(ev->object_digest, digest, COCONUT_DIGEST_SIZE);
			break;
		case CO_AUDIT_EV_RESULT:
			if (co_audit_get_s32(doc, val, &ev->result))
				return -EBADMSG;
			break;
		case CO_AUDIT_EV_ARG:
			if (co_audit_get_uint_max(doc, val, ~0ull, &ev->arg))
				return -EBADMSG;
			break;
		default:
			CO_ASSERT(k == CO_AUDIT_EV_ACTOR);
			/* Written only when nonzero and not aid: anything else is not canonical. */
			if (co_audit_get_uint_max(doc, val, ~0ull, &ev->actor) || ev->actor == 0 ||
			    ev->actor == ev->aid)
				return -EBADMSG;
			break;
		}
	}
	return 0;
}

int co_audit_event_decode(const u8 *buf, size_t len, struct co_audit_event *ev)
{
	struct co_cbor_item items[CO_AUDIT_EVENT_ITEMS];
	struct co_cbor_doc doc;

	if (!buf || len > CO_AUDIT_EVENT_ENC_BYTES_MAX)
		return -EBADMSG;
	if (co_cbor_decode(buf, len, 0, items, CO_AUDIT_EVENT_ITEMS, &doc, NULL) != CO_CBOR_OK)
		return -EBADMSG;
	return co_audit_event_from_doc(&doc, 0, ev);
}
