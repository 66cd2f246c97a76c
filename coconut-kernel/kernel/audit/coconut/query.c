// SPDX-License-Identifier: GPL-2.0
/*
 * Query: the filter over the window of sealed events, and the export of the matches as a chain
 * segment (format in coconut/audit.h and docs/audit.md). Every record carries its event's
 * encoding and the heads before and after it, so an unfiltered segment can be verified as a
 * chain and each record of a filtered one on its own.
 *
 * The segment is sized with a counting pass of the CBOR writer before anything is written, so
 * a small buffer gets -EMSGSIZE and no partial segment. The lock is held throughout, so the
 * window cannot move between the passes.
 */
#include "audit_int.h"

CO_STATIC_ASSERT(CO_AUDIT_RECORD_ITEMS == 24, "record = array, event map (at most 21), two heads");
/* Header: the map, 5 keys, version, boot id, filtered, seq_first, and the records array. */
CO_STATIC_ASSERT(11 + CO_AUDIT_SEGMENT_EVENTS_MAX * CO_AUDIT_RECORD_ITEMS <= CO_CBOR_DOC_ITEMS_MAX,
		 "a full segment decodes within the CBOR item limit");
/* Header: at most 1 + 5 + 1 + 17 + 1 + 9 + 3 bytes; a record: 1 + event + 2 x 34. */
CO_STATIC_ASSERT(37 + CO_AUDIT_SEGMENT_EVENTS_MAX * (1 + CO_AUDIT_EVENT_ENC_BYTES_MAX + 68) <=
			 CO_CBOR_DOC_BYTES_MAX,
		 "a full segment fits the CBOR document limit");

/* 0 and the record limit in *max; -EINVAL for a filter that is malformed or asks too much. */
static int co_audit_filter_check(const struct co_audit_filter *f, u32 *max)
{
	if (f->type >= COCONUT_EV_TYPE_COUNT)
		return -EINVAL;
	if (f->cap_len > COCONUT_CAP_TEXT_MAX)
		return -EINVAL;
	if (f->time_to_ns != 0 && f->time_to_ns <= f->time_from_ns)
		return -EINVAL;
	if (f->max_events > CO_AUDIT_SEGMENT_EVENTS_MAX)
		return -EINVAL;
	*max = f->max_events ? f->max_events : CO_AUDIT_SEGMENT_EVENTS_MAX;
	return 0;
}

/* seq_from and max_events select a range; only these fields leave gaps in it. */
static bool co_audit_filter_selects(const struct co_audit_filter *f)
{
	return f->aid || f->type || f->cap_len || f->time_from_ns || f->time_to_ns;
}

static bool co_audit_match(const struct co_audit_filter *f, const struct co_audit_event *ev)
{
	if (f->aid && ev->aid != f->aid)
		return false;
	if (f->type && ev->type != f->type)
		return false;
	if (ev->time_ns < f->time_from_ns || (f->time_to_ns && ev->time_ns >= f->time_to_ns))
		return false;
	if (f->cap_len && (ev->cap_len != f->cap_len || co_memcmp(ev->cap, f->cap, f->cap_len)))
		return false;
	return true;
}

/* The k-th oldest entry of the window. */
static const struct co_audit_log_entry *co_audit_log_at(const struct co_audit *a, u32 k)
{
	u32 slot;

	CO_ASSERT(k < a->log_count);
	slot = a->log_start + k;
	if (slot >= a->cfg.log_events)
		slot -= a->cfg.log_events;
	return &a->log[slot];
}

static const u8 *co_audit_head_before(const struct co_audit *a, u32 k)
{
	return k == 0 ? a->log_base_head : co_audit_log_at(a, k - 1)->head;
}

/* A query's plan: window positions [k0, log_count), the first n matches. */
struct co_audit_plan {
	const struct co_audit_filter *f;
	bool filtered;
	u64 seq_first;
	u32 k0;
	u32 n;
};

static void co_audit_segment_put(const struct co_audit *a, const struct co_audit_plan *p,
				 struct co_cbor_writer *w)
{
	const struct co_audit_log_entry *e;
	u32 k, written = 0;

	co_cbor_begin_map(w, CO_AUDIT_SEG_KEY_COUNT);
	co_cbor_put_uint(w, CO_AUDIT_SEG_VERSION);
	co_cbor_put_uint(w, CO_AUDIT_SEGMENT_VERSION);
	co_cbor_put_uint(w, CO_AUDIT_SEG_BOOT_ID);
	co_cbor_put_bytes(w, a->boot_id, CO_BOOT_ID_SIZE);
	co_cbor_put_uint(w, CO_AUDIT_SEG_FILTERED);
	co_cbor_put_bool(w, p->filtered);
	co_cbor_put_uint(w, CO_AUDIT_SEG_SEQ_FIRST);
	co_cbor_put_uint(w, p->seq_first);
	co_cbor_put_uint(w, CO_AUDIT_SEG_RECORDS);
	co_cbor_begin_array(w, p->n);
	/* Bounded by the window; the plan counted exactly n matches in it. */
	for (k = p->k0; k < a->log_count && written < p->n; k++) {
		e = co_audit_log_at(a, k);
		if (!co_audit_match(p->f, &e->ev))
			continue;
		co_cbor_begin_array(w, CO_AUDIT_RECORD_ELEMENTS);
		co_audit_event_put(w, &e->ev);
		co_cbor_put_bytes(w, co_audit_head_before(a, k), COCONUT_DIGEST_SIZE);
		co_cbor_put_bytes(w, e->head, COCONUT_DIGEST_SIZE);
		written++;
	}
	CO_ASSERT(written == p->n);
}

int co_audit_query(const struct co_audit *a, const struct co_audit_filter *f, u8 *buf, size_t len)
{
	struct co_audit_plan plan;
	struct co_cbor_writer w;
	enum co_cbor_err e;
	size_t need = 0;
	u64 oldest;
	u32 k, max = 0;

	if (!f || co_audit_filter_check(f, &max))
		return -EINVAL;
	CO_ASSERT(buf != NULL || len == 0);

	co_audit_lock(a);
	plan.f = f;
	plan.filtered = co_audit_filter_selects(f);
	oldest = a->sealed - a->log_count;
	/* Events older than the window are gone from memory: the segment starts where it can. */
	plan.seq_first = f->seq_from > oldest ? f->seq_from : oldest;
	plan.k0 = plan.seq_first >= a->sealed ? a->log_count : (u32)(plan.seq_first - oldest);
	plan.n = 0;
	for (k = plan.k0; k < a->log_count && plan.n < max; k++)
		if (co_audit_match(f, &co_audit_log_at(a, k)->ev))
			plan.n++;

	/* Size first: nothing is written unless all of it fits. */
	co_cbor_writer_init(&w, NULL, 0);
	co_audit_segment_put(a, &plan, &w);
	e = co_cbor_writer_finish(&w, &need);
	CO_ASSERT(e == CO_CBOR_OK || e == CO_CBOR_E_BUFFER_FULL);
	if (need > len) {
		co_audit_unlock(a);
		return -EMSGSIZE;
	}
	co_cbor_writer_init(&w, buf, len);
	co_audit_segment_put(a, &plan, &w);
	e = co_cbor_writer_finish(&w, &need);
	co_audit_unlock(a);
	CO_ASSERT(e == CO_CBOR_OK);
	return (int)need;
}

void co_audit_export_on(struct co_audit *a, bool on)
{
	co_audit_lock(a);
	a->export_on = on;
	/* Owed from the window's oldest event: what is still there can still be kept. */
	a->export_seq = a->sealed - a->log_count;
	co_audit_unlock(a);
}

int co_audit_export_ack(struct co_audit *a, u64 seq)
{
	int rc = 0;

	co_audit_lock(a);
	if (!a->export_on || seq > a->sealed)
		rc = -EINVAL;
	else if (seq > a->export_seq)
		a->export_seq = seq;
	co_audit_unlock(a);
	return rc;
}

u64 co_audit_export_cursor(const struct co_audit *a)
{
	u64 seq;

	co_audit_lock(a);
	seq = a->export_on ? a->export_seq : a->sealed;
	co_audit_unlock(a);
	return seq;
}
