// SPDX-License-Identifier: GPL-2.0
/*
 * Offline verification of a chain segment (format in coconut/audit.h, rules in docs/audit.md).
 *
 * A segment may hold 512 records of 22 CBOR items each: too many to decode into an item array
 * on a kernel stack. So the segment is read as a stream: the two container heads (the top map
 * and the records array) are read here, and every other item, each record included, is decoded
 * on its own with the strict decoder (CO_CBOR_ALLOW_TRAILING: the rest of the segment follows).
 * That also names the index of a malformed record, which a whole-document decode would not.
 *
 * The first bad index is the first record that is not consistent with the records before it:
 * records [0, i) form a valid chain run, record i cannot extend it. A forged record that links
 * and hashes correctly is therefore caught at the record after it (or at an anchor).
 */
#include "audit_int.h"

/* RFC 8949 major types of the two container heads read here. */
#define CO_AUDIT_MT_ARRAY 4
#define CO_AUDIT_MT_MAP 5

struct co_audit_seg {
	const u8 *buf;
	size_t len;
	size_t pos;
};

struct co_audit_seg_header {
	u64 seq_first;
	u64 count;
	const u8 *boot_id;
	bool filtered;
};

/* One record as read: pointers into the segment. */
struct co_audit_rec {
	u64 seq;
	const u8 *enc;
	size_t enc_len;
	const u8 *head_before;
	const u8 *head_after;
};

/*
 * The head of an array or map of the expected major type, in shortest form as the strict
 * decoder requires everywhere else; its count in *arg.
 */
static bool co_audit_seg_head(struct co_audit_seg *s, u8 major, u64 *arg)
{
	u32 i, n;
	u64 v = 0;
	u8 ib, ai;

	if (s->pos >= s->len)
		return false;
	ib = s->buf[s->pos];
	ai = ib & 0x1f;
	if ((ib >> 5) != major)
		return false;
	if (ai < 24) {
		s->pos++;
		*arg = ai;
		return true;
	}
	if (ai > 27)	/* reserved, or an indefinite length */
		return false;
	n = 1u << (ai - 24);
	if (s->len - s->pos - 1 < n)
		return false;
	for (i = 0; i < n; i++)
		v = (v << 8) | s->buf[s->pos + 1 + i];
	/* Shortest form: 24..255 in 1 byte, then each width only for values the narrower lacks. */
	if (v < (ai == 24 ? 24 : 1ull << (8u << (ai - 25))))
		return false;
	s->pos += 1 + n;
	*arg = v;
	return true;
}

/* One item that is not a non-empty container, of the given type; copied to *it. */
static bool co_audit_seg_item(struct co_audit_seg *s, enum co_cbor_type type,
			      struct co_cbor_item *it)
{
	struct co_cbor_doc doc;

	if (co_cbor_decode(s->buf + s->pos, s->len - s->pos, CO_CBOR_ALLOW_TRAILING, it, 1, &doc,
			   NULL) != CO_CBOR_OK || it->type != type)
		return false;
	s->pos += doc.len;
	return true;
}

static bool co_audit_seg_key(struct co_audit_seg *s, u64 key)
{
	struct co_cbor_item it;

	return co_audit_seg_item(s, CO_CBOR_T_UINT, &it) && it.value == key;
}

static bool co_audit_seg_header(struct co_audit_seg *s, struct co_audit_seg_header *h)
{
	struct co_cbor_item it;
	u64 pairs;

	if (!co_audit_seg_head(s, CO_AUDIT_MT_MAP, &pairs) || pairs != CO_AUDIT_SEG_KEY_COUNT)
		return false;
	if (!co_audit_seg_key(s, CO_AUDIT_SEG_VERSION) ||
	    !co_audit_seg_item(s, CO_CBOR_T_UINT, &it) || it.value != CO_AUDIT_SEGMENT_VERSION)
		return false;
	if (!co_audit_seg_key(s, CO_AUDIT_SEG_BOOT_ID) ||
	    !co_audit_seg_item(s, CO_CBOR_T_BYTES, &it) || it.value != CO_BOOT_ID_SIZE)
		return false;
	h->boot_id = it.data;
	if (!co_audit_seg_key(s, CO_AUDIT_SEG_FILTERED) ||
	    !co_audit_seg_item(s, CO_CBOR_T_BOOL, &it))
		return false;
	h->filtered = it.value != 0;
	if (!co_audit_seg_key(s, CO_AUDIT_SEG_SEQ_FIRST) ||
	    !co_audit_seg_item(s, CO_CBOR_T_UINT, &it))
		return false;
	h->seq_first = it.value;
	if (!co_audit_seg_key(s, CO_AUDIT_SEG_RECORDS) ||
	    !co_audit_seg_head(s, CO_AUDIT_MT_ARRAY, &h->count) ||
	    h->count > CO_AUDIT_SEGMENT_EVENTS_MAX)
		return false;
	/* seq_first + index must not wrap for any record. */
	return h->seq_first <= ~0ull - h->count;
}

/*
 * One record [event, head_before, head_after], decoded strictly and checked field by field.
 * Not inlined: its item array and event stay off the caller's frame.
 */
static __attribute__((__noinline__)) bool co_audit_seg_record(struct co_audit_seg *s,
							     struct co_audit_rec *rec)
{
	struct co_cbor_item items[CO_AUDIT_RECORD_ITEMS];
	struct co_audit_event ev;
	struct co_cbor_doc doc;
	struct co_cbor_iter it;
	u32 ev_idx, before_idx, after_idx;

	if (co_cbor_decode(s->buf + s->pos, s->len - s->pos, CO_CBOR_ALLOW_TRAILING, items,
			   CO_AUDIT_RECORD_ITEMS, &doc, NULL) != CO_CBOR_OK)
		return false;
	if (items[0].type != CO_CBOR_T_ARRAY || items[0].value != CO_AUDIT_RECORD_ELEMENTS)
		return false;
	if (co_cbor_array_iter(&doc, 0, &it, NULL) != CO_CBOR_OK ||
	    !co_cbor_array_next(&doc, &it, &ev_idx) ||
	    !co_cbor_array_next(&doc, &it, &before_idx) ||
	    !co_cbor_array_next(&doc, &it, &after_idx))
		return false;
	if (co_audit_event_from_doc(&doc, ev_idx, &ev))
		return false;
	if (co_cbor_get_bytes_len(&doc, before_idx, COCONUT_DIGEST_SIZE, &rec->head_before, NULL) ||
	    co_cbor_get_bytes_len(&doc, after_idx, COCONUT_DIGEST_SIZE, &rec->head_after, NULL))
		return false;
	/* The strict decode makes these bytes the event's deterministic encoding: enc(ev). */
	rec->enc = co_cbor_encoded(&doc, ev_idx, &rec->enc_len);
	if (rec->enc_len > CO_AUDIT_EVENT_ENC_BYTES_MAX)
		return false;
	rec->seq = ev.seq;
	s->pos += doc.len;
	return true;
}

/*
 * After a record with seq beyond the expected one: does a later record carry a smaller seq?
 * Then the events are there but out of order; otherwise some are missing. Reads a copy of the
 * stream, at most `left` records, stopping at a malformed one.
 */
static bool co_audit_seg_later_smaller(const struct co_audit_seg *s, u64 left, u64 seq)
{
	struct co_audit_seg look = *s;
	struct co_audit_rec rec;
	u64 i;

	for (i = 0; i < left; i++) {
		if (!co_audit_seg_record(&look, &rec))
			return false;
		if (rec.seq < seq)
			return true;
	}
	return false;
}

static enum co_audit_verdict co_audit_fail(struct co_audit_verify_report *r,
					   enum co_audit_verdict v, u64 index, u64 seq)
{
	r->verdict = v;
	r->first_bad_index = (u32)index;
	r->first_bad_seq = seq;
	return v;
}

/* The anchors the record disagrees with: one at its seq, or one just before it (its start). */
static bool co_audit_anchor_conflict(const struct co_audit_anchor *anchors, u32 anchor_count,
				     const struct co_audit_rec *rec)
{
	u32 j;

	for (j = 0; j < anchor_count; j++) {
		if (anchors[j].seq == rec->seq &&
		    co_memcmp(anchors[j].head, rec->head_after, COCONUT_DIGEST_SIZE) != 0)
			return true;
		if (rec->seq > 0 && anchors[j].seq == rec->seq - 1 &&
		    co_memcmp(anchors[j].head, rec->head_before, COCONUT_DIGEST_SIZE) != 0)
			return true;
	}
	return false;
}

/* Is there an anchor of this seq? (Whether it agrees is checked record by record.) */
static bool co_audit_anchor_at(const struct co_audit_anchor *anchors, u32 anchor_count, u64 seq)
{
	u32 j;

	for (j = 0; j < anchor_count; j++)
		if (anchors[j].seq == seq)
			return true;
	return false;
}

static enum co_audit_verdict co_audit_verify_segment(const u8 *segment, size_t len,
						     const u8 boot_id[CO_BOOT_ID_SIZE],
						     const struct co_audit_anchor *anchors,
						     u32 anchor_count, bool contiguous,
						     struct co_audit_verify_report *r)
{
	u8 head[COCONUT_DIGEST_SIZE], prev_after[COCONUT_DIGEST_SIZE];
	struct co_audit_seg_header h;
	struct co_audit_seg s;
	struct co_audit_rec rec;
	u64 i, expected, prev_seq = 0, end;
	bool linked;
	u32 j;

	CO_ASSERT(r != NULL && boot_id != NULL);
	CO_ASSERT(anchor_count <= CO_AUDIT_VERIFY_ANCHORS_MAX);
	CO_ASSERT(anchors != NULL || anchor_count == 0);
	co_memset(r, 0, sizeof(*r));
	r->verdict = CO_AUDIT_OK;

	if (!segment || len > CO_CBOR_DOC_BYTES_MAX)
		return co_audit_fail(r, CO_AUDIT_BAD_FORMAT, 0, 0);
	s.buf = segment;
	s.len = len;
	s.pos = 0;
	if (!co_audit_seg_header(&s, &h))
		return co_audit_fail(r, CO_AUDIT_BAD_FORMAT, 0, 0);
	r->seq_first = h.seq_first;
	/* The completeness checks below mean nothing for a segment with gaps. */
	if (contiguous && h.filtered)
		return co_audit_fail(r, CO_AUDIT_BAD_FORMAT, 0, h.seq_first);
	/* Another boot's chain roots in another head_0: nothing in it can match this one. */
	if (co_memcmp(h.boot_id, boot_id, CO_BOOT_ID_SIZE) != 0)
		return co_audit_fail(r, CO_AUDIT_BAD_HEAD, 0, h.seq_first);

	for (i = 0; i < h.count; i++) {
		expected = h.seq_first + i;
		if (!co_audit_seg_record(&s, &rec))
			return co_audit_fail(r, CO_AUDIT_BAD_FORMAT, i, contiguous ? expected : 0);

		if (contiguous && rec.seq != expected) {
			if (rec.seq > expected && !co_audit_seg_later_smaller(&s, h.count - i - 1,
									      rec.seq))
				return co_audit_fail(r, CO_AUDIT_SEQ_GAP, i, expected);
			return co_audit_fail(r, CO_AUDIT_SEQ_ORDER, i, expected);
		}
		if (!contiguous && (rec.seq < h.seq_first || (i > 0 && rec.seq <= prev_seq)))
			return co_audit_fail(r, CO_AUDIT_SEQ_ORDER, i, rec.seq);

		/* The link to what comes before: the previous record, or head_0 at the start. */
		linked = i > 0 && (contiguous || rec.seq == prev_seq + 1);
		if (linked && co_memcmp(rec.head_before, prev_after, COCONUT_DIGEST_SIZE) != 0)
			return co_audit_fail(r, CO_AUDIT_BAD_HEAD, i, rec.seq);
		if (rec.seq == 0) {
			co_audit_head_0(boot_id, head);
			if (co_memcmp(rec.head_before, head, COCONUT_DIGEST_SIZE) != 0)
				return co_audit_fail(r, CO_AUDIT_BAD_HEAD, i, rec.seq);
		}
		co_audit_chain_extend(rec.head_before, rec.enc, rec.enc_len, head);
		if (co_memcmp(head, rec.head_after, COCONUT_DIGEST_SIZE) != 0)
			return co_audit_fail(r, CO_AUDIT_BAD_HEAD, i, rec.seq);
		if (co_audit_anchor_conflict(anchors, anchor_count, &rec))
			return co_audit_fail(r, CO_AUDIT_ANCHOR_MISMATCH, i, rec.seq);

		if (i == 0)
			r->rooted = rec.seq == 0 ||
				    co_audit_anchor_at(anchors, anchor_count, rec.seq - 1);
		co_memcpy(prev_after, rec.head_after, COCONUT_DIGEST_SIZE);
		prev_seq = rec.seq;
		r->events_checked++;
	}
	if (s.pos != s.len)
		return co_audit_fail(r, CO_AUDIT_BAD_FORMAT, h.count,
				     contiguous ? h.seq_first + h.count : 0);

	/* A trusted anchor past the last record: the segment was cut short of it. */
	if (contiguous) {
		end = h.seq_first + h.count;
		for (j = 0; j < anchor_count; j++)
			if (anchors[j].seq >= end)
				return co_audit_fail(r, CO_AUDIT_TRUNCATED, h.count, end);
	}
	return CO_AUDIT_OK;
}

enum co_audit_verdict co_audit_verify(const u8 *segment, size_t len,
				      const u8 boot_id[CO_BOOT_ID_SIZE],
				      const struct co_audit_anchor *anchors, u32 anchor_count,
				      struct co_audit_verify_report *report)
{
	return co_audit_verify_segment(segment, len, boot_id, anchors, anchor_count, true, report);
}

enum co_audit_verdict co_audit_verify_filtered(const u8 *segment, size_t len,
					       const u8 boot_id[CO_BOOT_ID_SIZE],
					       const struct co_audit_anchor *anchors,
					       u32 anchor_count,
					       struct co_audit_verify_report *report)
{
	return co_audit_verify_segment(segment, len, boot_id, anchors, anchor_count, false, report);
}
