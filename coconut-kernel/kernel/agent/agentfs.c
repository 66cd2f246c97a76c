// SPDX-License-Identifier: GPL-2.0
/*
 * agentfs: /agent/live/<aid>/{status,caps,attestation,audit_tail,budget,children} as plain text,
 * rendered here for the module's files and the simulator's reads alike, so both show the same
 * bytes. One `key: value` a line, '\n' after each, numbers in decimal, digests in lowercase hex;
 * docs/agentfs.md is the format's reference and must change with this file.
 *
 * A small formatter of its own (no printf in kernel C): a cursor over the caller's buffer that
 * remembers an overflow instead of writing past the end, so each file is written in one pass
 * and a buffer too small is -EMSGSIZE, never a truncated file that looks whole.
 *
 * The audit tail reads the chain through its public query (a filtered segment, decoded and its
 * events read back), a page of CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX events at a time, from a window
 * of the chain's end that doubles until it holds enough of the agent's events.
 */
#include "coconut/errno.h"
#include "coconut/kernel.h"
#include "coconut/lsm.h"
#include "coconut/resources.h"

static const char *const co_agentfs_file_names[CO_AGENTFS_FILE_COUNT] = {
	[CO_AGENTFS_STATUS] = "status",
	[CO_AGENTFS_CAPS] = "caps",
	[CO_AGENTFS_ATTESTATION] = "attestation",
	[CO_AGENTFS_AUDIT_TAIL] = "audit_tail",
	[CO_AGENTFS_BUDGET] = "budget",
	[CO_AGENTFS_CHILDREN] = "children",
};

/* A full page of the audit tail's query fits the scratch (sizes as in audit/coconut/query.c). */
CO_STATIC_ASSERT(CO_AGENTFS_PAGE_BYTES >= 37 + CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX *
						     (1 + CO_AUDIT_EVENT_ENC_BYTES_MAX + 68),
		 "a page of the audit tail fits its scratch");
CO_STATIC_ASSERT(CO_AGENTFS_PAGE_ITEMS >= 11 + CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX *
						       CO_AUDIT_RECORD_ITEMS,
		 "its items too");

/* Event type names for the audit tail (docs/agentfs.md). */
static const char *const co_agentfs_event_names[COCONUT_EV_TYPE_COUNT] = {
	[0] = "none",
	[COCONUT_EV_SPAWN] = "spawn",
	[COCONUT_EV_STATE] = "state",
	[COCONUT_EV_CAP_ALLOW] = "cap_allow",
	[COCONUT_EV_CAP_DENY] = "cap_deny",
	[COCONUT_EV_GRANT] = "grant",
	[COCONUT_EV_REVOKE] = "revoke",
	[COCONUT_EV_QUOTA] = "quota",
	[COCONUT_EV_MEM_TIER] = "mem_tier",
	[COCONUT_EV_EXIT] = "exit",
	[COCONUT_EV_ANCHOR] = "anchor",
};

/* Longest name a line takes from a table (kinds, states, types): a bound for the scans. */
#define CO_AGENTFS_NAME_BYTES_MAX 64u

const char *co_agentfs_file_name(enum co_agentfs_file f)
{
	return (u32)f < CO_AGENTFS_FILE_COUNT ? co_agentfs_file_names[f] : NULL;
}

/* ---- The formatter ------------------------------------------------------------------------ */

struct co_agentfs_out {
	char *buf;
	size_t len;
	size_t pos;
	bool overflow;
};

static void co_out_bytes(struct co_agentfs_out *o, const char *s, size_t n)
{
	if (o->overflow || n > o->len - o->pos) {
		o->overflow = true;
		return;
	}
	co_memcpy(o->buf + o->pos, s, n);
	o->pos += n;
}

static void co_out_char(struct co_agentfs_out *o, char c)
{
	co_out_bytes(o, &c, 1);
}

/* A NUL-terminated name from one of the tables (or "?" for none). */
static void co_out_str(struct co_agentfs_out *o, const char *s)
{
	size_t n;

	if (!s)
		s = "?";
	for (n = 0; n < CO_AGENTFS_NAME_BYTES_MAX && s[n]; n++)
		;
	co_out_bytes(o, s, n);
}

static void co_out_u64(struct co_agentfs_out *o, u64 v)
{
	char tmp[20];	/* 2^64 - 1 has 20 digits */
	u32 n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n] = (char)('0' + v % 10);
		v /= 10;
		n++;
	} while (v && n < sizeof(tmp));
	co_out_bytes(o, tmp + sizeof(tmp) - n, n);
}

static void co_out_s64(struct co_agentfs_out *o, s64 v)
{
	if (v < 0) {
		co_out_char(o, '-');
		/* -(v + 1) + 1: the magnitude without overflowing at the most negative value. */
		co_out_u64(o, (u64)(-(v + 1)) + 1u);
		return;
	}
	co_out_u64(o, (u64)v);
}

static void co_out_hex(struct co_agentfs_out *o, const u8 *p, size_t n)
{
	static const char digits[16] = "0123456789abcdef";
	char pair[2];
	size_t i;

	for (i = 0; i < n; i++) {
		pair[0] = digits[p[i] >> 4];
		pair[1] = digits[p[i] & 0xf];
		co_out_bytes(o, pair, 2);
	}
}

/* "key: " */
static void co_out_key(struct co_agentfs_out *o, const char *key)
{
	co_out_str(o, key);
	co_out_bytes(o, ": ", 2);
}

/* "<prefix>.<key>: " */
static void co_out_key2(struct co_agentfs_out *o, const char *prefix, const char *key)
{
	co_out_str(o, prefix);
	co_out_char(o, '.');
	co_out_key(o, key);
}

static void co_out_line_u64(struct co_agentfs_out *o, const char *key, u64 v)
{
	co_out_key(o, key);
	co_out_u64(o, v);
	co_out_char(o, '\n');
}

static void co_out_line_str(struct co_agentfs_out *o, const char *key, const char *v)
{
	co_out_key(o, key);
	co_out_str(o, v);
	co_out_char(o, '\n');
}

static void co_out_line_hex(struct co_agentfs_out *o, const char *key, const u8 *p, size_t n)
{
	co_out_key(o, key);
	co_out_hex(o, p, n);
	co_out_char(o, '\n');
}

/* ---- The files ---------------------------------------------------------------------------- */

static void co_agentfs_status(struct co_kernel *k, const struct co_agent *a,
			      struct co_agentfs_out *o)
{
	size_t i;

	co_out_line_u64(o, "aid", a->aid);
	/* The name comes from a manifest: anything but printable ASCII shows as '?', so a name
	 * can never add a line. */
	co_out_key(o, "name");
	for (i = 0; i < CO_AGENT_NAME_BYTES_MAX && a->name[i]; i++)
		co_out_char(o, a->name[i] >= 0x20 && a->name[i] <= 0x7e ? a->name[i] : '?');
	co_out_char(o, '\n');
	co_out_line_u64(o, "parent", a->parent_aid);
	co_out_line_u64(o, "tenant", a->tenant);
	co_out_line_str(o, "state", co_agent_state_name(a->state));
	co_out_line_str(o, "prev_state", co_agent_state_name(a->prev_state));
	co_out_line_u64(o, "depth", a->depth);
	co_out_line_u64(o, "caps", co_capset_count(&a->caps));
	co_out_line_u64(o, "children", a->child_count);
	co_out_line_u64(o, "inflight", co_inflight_pending(k, a->aid));
	co_out_line_u64(o, "spawned_ns", a->spawned_ns);
	co_out_line_u64(o, "exited_ns", a->exited_ns);
}

static void co_agentfs_caps(const struct co_agent *a, struct co_agentfs_out *o)
{
	const struct co_capset_entry *e;
	char text[CO_CAP_TEXT_BYTES_MAX];
	size_t n;
	u32 h, i;

	for (i = 0, h = co_capset_next(&a->caps, CO_CAP_HANDLE_NONE); h != CO_CAP_HANDLE_NONE;
	     h = co_capset_next(&a->caps, h), i++) {
		CO_ASSERT(i < CO_CAP_SET_CAPS_MAX);
		e = co_capset_get(&a->caps, h);
		n = co_cap_format(&e->cap, text, sizeof(text));
		CO_ASSERT(n > 0 && n <= sizeof(text));
		co_out_key(o, "cap");
		co_out_bytes(o, text, n);
		co_out_char(o, '\n');
	}
}

static void co_agentfs_attestation(const struct co_agent *a, struct co_agentfs_out *o)
{
	const struct co_attest_record *r = &a->attest;

	co_out_line_hex(o, "code_digest", r->code_digest, sizeof(r->code_digest));
	co_out_line_hex(o, "manifest_digest", r->manifest_digest, sizeof(r->manifest_digest));
	co_out_line_hex(o, "authorizer_key", r->authorizer_key, sizeof(r->authorizer_key));
	co_out_line_hex(o, "signature", r->signature, sizeof(r->signature));
}

static void co_agentfs_budget(const struct co_agent *a, struct co_agentfs_out *o)
{
	const struct co_quota *q;
	const char *name;
	u32 i;

	for (i = 0; i < COCONUT_QUOTA_KIND_COUNT; i++) {
		q = &a->quota[i];
		name = co_quota_kind_name(i);
		co_out_key2(o, name, "budget");
		co_out_u64(o, q->budget);
		co_out_char(o, '\n');
		if (i == COCONUT_QUOTA_MEMBW)
			continue; /* a rate: nothing used, nothing to wait for (quota.c) */
		co_out_key2(o, name, "used");
		co_out_u64(o, q->used);
		co_out_char(o, '\n');
		co_out_key2(o, name, "block");
		co_out_u64(o, q->block ? 1 : 0);
		co_out_char(o, '\n');
		co_out_key2(o, name, "waiting");
		co_out_u64(o, q->waiting);
		co_out_char(o, '\n');
	}
}

static void co_agentfs_children(const struct co_agent *a, struct co_agentfs_out *o)
{
	u32 i;

	CO_ASSERT(a->child_count <= CO_AGENT_CHILDREN_MAX);
	for (i = 0; i < a->child_count; i++)
		co_out_line_u64(o, "child", a->children[i]);
}

/* ---- The audit tail ----------------------------------------------------------------------- */

/* Records of one segment page: CO_AUDIT_SEG_RECORDS's array, or false if it has none. */
static bool co_agentfs_records(const struct co_cbor_doc *doc, u32 *records)
{
	struct co_cbor_iter it;
	u32 key, val;
	u64 kv;

	if (co_cbor_map_iter(doc, 0, &it, NULL) != CO_CBOR_OK)
		return false;
	while (co_cbor_map_next(doc, &it, &key, &val)) {
		if (co_cbor_get_uint(doc, key, &kv, NULL) != CO_CBOR_OK ||
		    kv != CO_AUDIT_SEG_RECORDS)
			continue;
		if (co_cbor_expect(doc, val, CO_CBOR_T_ARRAY, NULL) != CO_CBOR_OK)
			return false;
		*records = val;
		return true;
	}
	return false;
}

/*
 * Reads aid's sealed events from seq `from` to the chain's end into the scratch ring, the last
 * CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX of them kept. Returns how many matched in all.
 */
static u64 co_agentfs_collect(struct co_kernel *k, u64 aid, u64 from)
{
	struct co_agentfs_scratch *s = &k->agentfs;
	struct co_audit_filter f;
	struct co_cbor_doc doc;
	struct co_cbor_iter it;
	const u8 *enc;
	size_t enc_len;
	u64 total = 0, page, last_seq = 0;
	u32 records, rec, ev_item, in_page;
	int len, err;

	/* Every full page moves past CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX sealed events of the window. */
	for (page = 0; page <= CO_AUDIT_LOG_EVENTS_MAX / CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX; page++) {
		co_memset(&f, 0, sizeof(f));
		f.aid = aid;
		f.seq_from = from;
		f.max_events = CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX;
		len = co_audit_query(&k->audit, &f, s->page, sizeof(s->page));
		/* The page is sized for a full one (coconut/resources.h); the filter is valid. */
		CO_ASSERT(len > 0);
		err = co_cbor_decode(s->page, (size_t)len, 0, s->items, CO_AGENTFS_PAGE_ITEMS, &doc,
				     NULL) == CO_CBOR_OK ? 0 : -EBADMSG;
		CO_ASSERT(err == 0);
		if (!co_agentfs_records(&doc, &records) ||
		    co_cbor_array_iter(&doc, records, &it, NULL) != CO_CBOR_OK)
			break;
		in_page = 0;
		while (co_cbor_array_next(&doc, &it, &rec)) {
			/* A record is [event map, head_before, head_after]: the map follows it. */
			ev_item = rec + 1;
			err = co_cbor_expect(&doc, ev_item, CO_CBOR_T_MAP, NULL) == CO_CBOR_OK ?
				      0 : -EBADMSG;
			CO_ASSERT(err == 0);
			enc = co_cbor_encoded(&doc, ev_item, &enc_len);
			err = co_audit_event_decode(enc, enc_len,
						    &s->tail[total % CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX]);
			CO_ASSERT(err == 0);
			last_seq = s->tail[total % CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX].seq;
			total++;
			in_page++;
		}
		if (in_page < CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX)
			break;
		from = last_seq + 1;
	}
	return total;
}

static void co_agentfs_audit_tail(struct co_kernel *k, const struct co_agent *a,
				  struct co_agentfs_out *o)
{
	const u32 tail = CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX;
	const struct co_audit_event *ev;
	u8 head[COCONUT_DIGEST_SIZE];
	u64 sealed, window = CO_AGENTFS_TAIL_WINDOW_FIRST_EVENTS, from, total = 0, first, i;
	u32 round;

	co_audit_head(&k->audit, head, &sealed);
	for (round = 0; round < CO_AGENTFS_TAIL_WINDOW_ROUNDS_MAX; round++, window *= 2) {
		from = sealed > window ? sealed - window : 0;
		total = co_agentfs_collect(k, a->aid, from);
		if (total >= tail || from == 0)
			break;
	}
	/* Oldest first: the ring's oldest kept event is the one after the newest. */
	first = total > tail ? total - tail : 0;
	for (i = first; i < total; i++) {
		ev = &k->agentfs.tail[i % tail];
		co_out_key(o, "event");
		co_out_u64(o, ev->seq);
		co_out_char(o, ' ');
		co_out_str(o, ev->type < COCONUT_EV_TYPE_COUNT ? co_agentfs_event_names[ev->type] :
								 NULL);
		co_out_char(o, ' ');
		co_out_s64(o, ev->result);
		co_out_char(o, ' ');
		/* Before the cap, which is the rest of the line; no cap text starts with "by". */
		if (ev->actor) { /* made by another agent on this one's behalf */
			co_out_str(o, "by ");
			co_out_u64(o, ev->actor);
			co_out_char(o, ' ');
		}
		if (ev->cap_len)
			co_out_bytes(o, ev->cap, ev->cap_len);
		else
			co_out_char(o, '-');
		co_out_char(o, '\n');
	}
}

int co_agentfs_render(struct co_kernel *k, u64 aid, enum co_agentfs_file f, char *buf, size_t len)
{
	struct co_agentfs_out o;
	const struct co_agent *a;

	if ((u32)f >= CO_AGENTFS_FILE_COUNT)
		return -EINVAL;
	a = aid == COCONUT_AID_NONE ? NULL : co_agent_find(k, aid);
	if (!a)
		return -ESRCH;
	o.buf = buf;
	/* The answer is an int: a larger buffer is used only up to what an int can count. */
	o.len = buf ? CO_MIN(len, (size_t)0x7fffffff) : 0;
	o.pos = 0;
	o.overflow = false;
	switch (f) {
	case CO_AGENTFS_STATUS:
		co_agentfs_status(k, a, &o);
		break;
	case CO_AGENTFS_CAPS:
		co_agentfs_caps(a, &o);
		break;
	case CO_AGENTFS_ATTESTATION:
		co_agentfs_attestation(a, &o);
		break;
	case CO_AGENTFS_AUDIT_TAIL:
		co_agentfs_audit_tail(k, a, &o);
		break;
	case CO_AGENTFS_BUDGET:
		co_agentfs_budget(a, &o);
		break;
	case CO_AGENTFS_CHILDREN:
		co_agentfs_children(a, &o);
		break;
	default:
		return -EINVAL;
	}
	return o.overflow ? -EMSGSIZE : (int)o.pos;
}
