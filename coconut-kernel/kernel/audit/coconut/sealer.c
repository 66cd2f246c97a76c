// SPDX-License-Identifier: GPL-2.0
/*
 * The sealer: drains the rings into the chain in the total order (ring.c), numbers and hashes
 * each event, keeps the window of recent events for queries, and anchors the head into TPM NV.
 *
 * Anchors are themselves chained: a successful write of the head after seq s is followed by
 * an ANCHOR event (arg s, object_digest the anchored head). So the chain records every anchor
 * it got, in its own order, and the next anchor covers that record. ANCHOR events do not
 * count towards K (they would re-trigger anchoring forever with K = 1).
 *
 * The platform lock is dropped around the TPM write (never held across a platform call);
 * `sealing` keeps a second sealer out meanwhile, so the head cannot move under the write.
 */
#include "coconut/blake3.h"

#include "audit_int.h"

CO_STATIC_ASSERT(CO_AUDIT_DOMAIN_BYTES == 16, "the domain string is 16 bytes");
CO_STATIC_ASSERT(CO_AUDIT_ANCHOR_NV_BYTES == 4 + 4 + 8 + CO_BOOT_ID_SIZE + COCONUT_DIGEST_SIZE,
		 "NV layout: magic, version, seq, boot id, head");

static const u8 co_audit_nv_magic[4] = { 'C', 'o', 'A', 'u' };

void co_audit_head_0(const u8 boot_id[CO_BOOT_ID_SIZE], u8 head[COCONUT_DIGEST_SIZE])
{
	u8 in[CO_AUDIT_DOMAIN_BYTES + CO_BOOT_ID_SIZE];

	co_memcpy(in, CO_AUDIT_DOMAIN, CO_AUDIT_DOMAIN_BYTES);
	co_memcpy(in + CO_AUDIT_DOMAIN_BYTES, boot_id, CO_BOOT_ID_SIZE);
	co_blake3_hash(in, sizeof(in), head);
}

void co_audit_chain_extend(const u8 prev[COCONUT_DIGEST_SIZE], const u8 *enc, size_t enc_len,
			   u8 next[COCONUT_DIGEST_SIZE])
{
	/* One contiguous input: a one-shot hash, without a 1.9 KiB incremental hasher here. */
	u8 in[COCONUT_DIGEST_SIZE + CO_AUDIT_EVENT_ENC_BYTES_MAX];

	CO_ASSERT(enc_len <= CO_AUDIT_EVENT_ENC_BYTES_MAX);
	co_memcpy(in, prev, COCONUT_DIGEST_SIZE);
	co_memcpy(in + COCONUT_DIGEST_SIZE, enc, enc_len);
	co_blake3_hash(in, COCONUT_DIGEST_SIZE + enc_len, next);
}

void co_audit_anchor_encode(const struct co_audit_anchor *an, const u8 boot_id[CO_BOOT_ID_SIZE],
			    u8 nv[CO_AUDIT_ANCHOR_NV_BYTES])
{
	co_memcpy(nv, co_audit_nv_magic, 4);
	co_store_le32(nv + 4, CO_AUDIT_ANCHOR_NV_VERSION);
	co_store_le64(nv + 8, an->seq);
	co_memcpy(nv + 16, boot_id, CO_BOOT_ID_SIZE);
	co_memcpy(nv + 16 + CO_BOOT_ID_SIZE, an->head, COCONUT_DIGEST_SIZE);
}

int co_audit_anchor_decode(const u8 *nv, size_t len, const u8 boot_id[CO_BOOT_ID_SIZE],
			   struct co_audit_anchor *an)
{
	if (!nv || len != CO_AUDIT_ANCHOR_NV_BYTES || co_memcmp(nv, co_audit_nv_magic, 4) != 0 ||
	    co_load_le32(nv + 4) != CO_AUDIT_ANCHOR_NV_VERSION)
		return -EBADMSG;
	if (co_memcmp(nv + 16, boot_id, CO_BOOT_ID_SIZE) != 0)
		return -ESTALE;
	an->seq = co_load_le64(nv + 8);
	co_memcpy(an->head, nv + 16 + CO_BOOT_ID_SIZE, COCONUT_DIGEST_SIZE);
	return 0;
}

/*
 * Whether one more event may enter the window: with the export on, a full window whose oldest
 * event is not yet acknowledged keeps it (the sealer waits; the rings hold the rest).
 */
static bool co_audit_window_has_room(const struct co_audit *a)
{
	return !a->export_on || a->log_count < a->cfg.log_events ||
	       a->log[a->log_start].ev.seq < a->export_seq;
}

/* Appends ev (seq assigned here) to the chain and to the window. Called with the lock held. */
static void co_audit_chain_push(struct co_audit *a, const struct co_audit_event *ev)
{
	struct co_audit_log_entry *e;
	u32 slot;
	int n;

	/* The window is full: the oldest event leaves, its head becomes the window's base. */
	if (a->log_count == a->cfg.log_events) {
		co_memcpy(a->log_base_head, a->log[a->log_start].head, COCONUT_DIGEST_SIZE);
		a->log_start = a->log_start + 1 == a->cfg.log_events ? 0 : a->log_start + 1;
		a->log_count--;
	}
	slot = a->log_start + a->log_count;
	if (slot >= a->cfg.log_events)
		slot -= a->cfg.log_events;
	e = &a->log[slot];
	e->ev = *ev;
	e->ev.seq = a->sealed;

	/* head_{n+1} = BLAKE3(head_n || enc(event n)), hashed from the scratch in one piece. */
	co_memcpy(a->scratch, a->head, COCONUT_DIGEST_SIZE);
	n = co_audit_event_encode(&e->ev, a->scratch + COCONUT_DIGEST_SIZE,
				  CO_AUDIT_EVENT_ENC_BYTES_MAX);
	/* Appends were checked to be encodable, and the scratch holds the largest encoding. */
	CO_ASSERT(n > 0);
	co_blake3_hash(a->scratch, COCONUT_DIGEST_SIZE + (size_t)n, a->head);
	co_memcpy(e->head, a->head, COCONUT_DIGEST_SIZE);

	a->log_count++;
	a->sealed++;
	a->last_sealed_time_ns = ev->time_ns > a->last_sealed_time_ns ? ev->time_ns :
					 a->last_sealed_time_ns;
	a->stats.sealed++;
	CO_ASSERT(ev->type < COCONUT_EV_TYPE_COUNT);
	a->stats.by_type[ev->type]++;
}

/*
 * Writes {seq, head} of the current head to TPM NV, dropping the lock around the write, and on
 * success seals the ANCHOR event. Called with the lock held, returns with it held; 0 or the
 * platform's error.
 */
static int co_audit_anchor(struct co_audit *a, u32 cpu)
{
	u8 nv[CO_AUDIT_ANCHOR_NV_BYTES];
	struct co_audit_anchor an;
	struct co_audit_event ev;
	u64 now;
	int rc;

	CO_ASSERT(a->sealing && a->sealed > 0);
	an.seq = a->sealed - 1;
	co_memcpy(an.head, a->head, COCONUT_DIGEST_SIZE);
	co_audit_anchor_encode(&an, a->boot_id, nv);

	co_audit_unlock(a);
	rc = a->plat.ops->tpm_nv_write(a->plat.ctx, a->cfg.tpm_nv_index, nv, sizeof(nv));
	now = co_plat_now_ns(&a->plat);
	co_audit_lock(a);
	a->last_anchor_try_ns = now;

	/* Only this sealer moves the head (`sealing`), so it is still the one written. */
	CO_ASSERT(a->sealed == an.seq + 1);
	if (rc) {
		a->stats.anchor_failures++;
		co_probe_hit(a->probes, CO_PROBE_TPM_WRITE_FAILED);
		a->anchor_retry = true;
		a->anchor_failed_log = true;
		return rc < 0 ? rc : -EIO;
	}
	a->stats.anchors++;
	a->anchor_retry = false;
	a->since_anchor = 0;
	a->last_anchor_ns = now;

	co_audit_event_init(&ev, COCONUT_EV_ANCHOR, COCONUT_AID_NONE, 0);
	ev.arg = an.seq;
	co_memcpy(ev.object_digest, an.head, COCONUT_DIGEST_SIZE);
	/* Not before the event it anchors, so the chain's times do not step back here. */
	ev.time_ns = now > a->last_sealed_time_ns ? now : a->last_sealed_time_ns;
	ev.cpu = cpu;
	co_audit_chain_push(a, &ev);
	return 0;
}

/*
 * The floor between two TPM writes (issue 17, finding 7): now is the seal's clock, read before
 * the lock, so a write of this very call (stamped after it) always counts as too recent.
 */
static bool co_audit_anchor_allowed(const struct co_audit *a, u64 now)
{
	return a->cfg.anchor_min_ns == 0 ||
	       (now >= a->last_anchor_try_ns && now - a->last_anchor_try_ns >= a->cfg.anchor_min_ns);
}

static bool co_audit_anchor_due_by_count(const struct co_audit *a, u64 now)
{
	return (a->anchor_retry ||
		(a->cfg.anchor_every_events && a->since_anchor >= a->cfg.anchor_every_events)) &&
	       co_audit_anchor_allowed(a, now);
}

static void co_audit_log_anchor_failure(const struct co_audit *a)
{
	static const char msg[] =
		"audit: TPM NV write of the chain head failed; retried at the next seal";

	if (a->plat.ops->log)
		a->plat.ops->log(a->plat.ctx, CO_LOG_WARN, msg, sizeof(msg) - 1);
}

u32 co_audit_seal(struct co_audit *a, u32 max_events)
{
	const struct co_audit_event *ev;
	u32 drained = 0, added = 0, ring_cpu = 0, cpu;
	bool tried = false, log_failure;
	u64 now, step, steps_max;

	now = co_plat_now_ns(&a->plat);
	cpu = co_plat_cpu_id(&a->plat);

	co_audit_lock(a);
	if (a->stalled || a->sealing) {
		co_audit_unlock(a);
		return 0;
	}
	a->sealing = true;

	/*
	 * Each step drains one event or anchors once; successful anchors need K drained events
	 * each, and a failure ends the attempts of this call: at most 2 * max_events + 2 steps.
	 */
	steps_max = 2 * (u64)max_events + 2;
	for (step = 0; step < steps_max; step++) {
		if (!co_audit_window_has_room(a))
			break; /* the exporter is behind: nothing leaves the record unexported */
		if (!tried && co_audit_anchor_due_by_count(a, now)) {
			if (co_audit_anchor(a, cpu) == 0)
				added++;
			else
				tried = true;
			continue;
		}
		if (drained == max_events)
			break;
		ev = co_audit_ring_oldest(a, &ring_cpu);
		if (!ev)
			break;
		co_audit_chain_push(a, ev);
		co_audit_ring_pop(a, ring_cpu);
		drained++;
		added++;
		a->since_anchor++;
	}
	CO_ASSERT(step < steps_max);

	/*
	 * T: the head of the moment, if anything was sealed since the last anchor. An anchor of
	 * this call may be stamped after `now` (read before the lock): then T has not passed.
	 */
	if (!tried && a->cfg.anchor_every_ns && a->since_anchor > 0 && co_audit_window_has_room(a) &&
	    now >= a->last_anchor_ns && now - a->last_anchor_ns >= a->cfg.anchor_every_ns &&
	    co_audit_anchor_allowed(a, now)) {
		if (co_audit_anchor(a, cpu) == 0)
			added++;
	}

	log_failure = a->anchor_failed_log;
	a->anchor_failed_log = false;
	a->sealing = false;
	co_audit_unlock(a);
	if (log_failure)
		co_audit_log_anchor_failure(a);
	return added;
}
