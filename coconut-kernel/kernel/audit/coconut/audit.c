// SPDX-License-Identifier: GPL-2.0
/*
 * The audit instance: its configuration, its memory (everything allocated here, once, so the
 * append and seal paths never allocate), and the read-only views of its state.
 */
#include "audit_int.h"

void co_audit_config_default(struct co_audit_config *cfg, u32 cpu_count)
{
	co_memset(cfg, 0, sizeof(*cfg));
	cfg->cpu_count = cpu_count;
	cfg->ring_slots = CO_AUDIT_RING_SLOTS_DEFAULT;
	cfg->log_events = CO_AUDIT_LOG_EVENTS_DEFAULT;
	cfg->anchor_every_events = CO_AUDIT_ANCHOR_EVERY_EVENTS_DEFAULT;
	cfg->anchor_every_ns = CO_AUDIT_ANCHOR_EVERY_NS_DEFAULT;
	cfg->anchor_min_ns = CO_AUDIT_ANCHOR_MIN_NS_DEFAULT;
	cfg->tpm_nv_index = CO_AUDIT_TPM_NV_INDEX_DEFAULT;
}

static bool co_audit_config_ok(const struct co_plat *plat, const struct co_audit_config *cfg)
{
	const struct co_plat_ops *ops = plat->ops;

	if (!ops->alloc || !ops->free || !ops->now_ns || !ops->cpu_id || !ops->boot_id)
		return false;
	/* Locks are all or nothing: a platform without them is single-threaded (one simulation). */
	if (ops->lock_create && (!ops->lock_destroy || !ops->lock || !ops->unlock))
		return false;
	if (cfg->cpu_count == 0 || cfg->cpu_count > CO_AUDIT_CPUS_MAX)
		return false;
	/* Every CPU the platform can run us on needs its ring. */
	if (ops->cpu_count && ops->cpu_count(plat->ctx) > cfg->cpu_count)
		return false;
	if (cfg->ring_slots == 0 || cfg->ring_slots > CO_AUDIT_RING_SLOTS_MAX ||
	    (cfg->ring_slots & (cfg->ring_slots - 1)) != 0)
		return false;
	if ((u64)cfg->cpu_count * cfg->ring_slots > CO_AUDIT_RING_EVENTS_MAX)
		return false;
	if (cfg->log_events == 0 || cfg->log_events > CO_AUDIT_LOG_EVENTS_MAX)
		return false;
	if ((cfg->anchor_every_events || cfg->anchor_every_ns) && !ops->tpm_nv_write)
		return false;
	return true;
}

static size_t co_audit_rings_bytes(const struct co_audit *a)
{
	return (size_t)a->cfg.cpu_count * sizeof(struct co_audit_ring);
}

static size_t co_audit_ring_events_bytes(const struct co_audit *a)
{
	return (size_t)a->cfg.cpu_count * a->cfg.ring_slots * sizeof(struct co_audit_event);
}

static size_t co_audit_log_bytes(const struct co_audit *a)
{
	return (size_t)a->cfg.log_events * sizeof(struct co_audit_log_entry);
}

/* Frees what init got so far (NULL pointers are skipped) and clears the instance. */
static void co_audit_release(struct co_audit *a)
{
	co_plat_free(&a->plat, a->log, co_audit_log_bytes(a));
	co_plat_free(&a->plat, a->ring_events, co_audit_ring_events_bytes(a));
	co_plat_free(&a->plat, a->rings, co_audit_rings_bytes(a));
	if (a->lock)
		a->plat.ops->lock_destroy(a->plat.ctx, a->lock);
	co_memset(a, 0, sizeof(*a));
}

int co_audit_init(struct co_audit *a, const struct co_plat *plat, const struct co_audit_config *cfg)
{
	co_memset(a, 0, sizeof(*a));
	if (!plat || !plat->ops || !cfg || !co_audit_config_ok(plat, cfg))
		return -EINVAL;
	a->plat = *plat;
	a->cfg = *cfg;

	/* Zeroed memory: the rings' padding and the window are deterministic from the start. */
	a->rings = co_plat_zalloc(&a->plat, co_audit_rings_bytes(a));
	a->ring_events = co_plat_zalloc(&a->plat, co_audit_ring_events_bytes(a));
	a->log = co_plat_zalloc(&a->plat, co_audit_log_bytes(a));
	if (!a->rings || !a->ring_events || !a->log)
		goto nomem;
	if (a->plat.ops->lock_create) {
		a->lock = a->plat.ops->lock_create(a->plat.ctx);
		if (!a->lock)
			goto nomem;
	}

	a->plat.ops->boot_id(a->plat.ctx, a->boot_id);
	co_audit_head_0(a->boot_id, a->head);
	co_memcpy(a->log_base_head, a->head, COCONUT_DIGEST_SIZE);
	/* T counts from boot: the first time anchor comes T after init, not at the first seal. */
	a->last_anchor_ns = co_plat_now_ns(&a->plat);
	a->last_anchor_try_ns = a->last_anchor_ns;
	return 0;

nomem:
	co_audit_release(a);
	return -ENOMEM;
}

void co_audit_destroy(struct co_audit *a)
{
	CO_ASSERT(!a->sealing);
	co_audit_release(a);
}

void co_audit_set_stalled(struct co_audit *a, bool stalled)
{
	co_audit_lock(a);
	if (stalled && !a->stalled)
		co_probe_hit(a->probes, CO_PROBE_SEAL_STALLED);
	a->stalled = stalled;
	co_audit_unlock(a);
}

void co_audit_head(const struct co_audit *a, u8 head[COCONUT_DIGEST_SIZE], u64 *sealed_count)
{
	co_audit_lock(a);
	co_memcpy(head, a->head, COCONUT_DIGEST_SIZE);
	if (sealed_count)
		*sealed_count = a->sealed;
	co_audit_unlock(a);
}

void co_audit_get_stats(const struct co_audit *a, struct co_audit_stats *out)
{
	co_audit_lock(a);
	*out = a->stats;
	co_audit_unlock(a);
}
