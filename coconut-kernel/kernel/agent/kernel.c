// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel instance: its configuration, its memory, the trusted authorizer keys, the audit
 * plumbing every part of the agent subsystem appends through, and the root agent (AID 1), whose
 * birth is audited like any spawn: STATE Spawning -> Attested, SPAWN by AID 0, STATE
 * Attested -> Active.
 */
#include "coconut/blake3.h"
#include "coconut/lsm.h"

#include "agent_int.h"

void co_kernel_config_default(struct co_kernel_config *cfg, u32 cpu_count)
{
	co_memset(cfg, 0, sizeof(*cfg));
	cfg->cpu_count = cpu_count;
	co_audit_config_default(&cfg->audit, cpu_count);
	cfg->tier_capacity_bytes[COCONUT_TIER_HBM] = CO_TIER_CAPACITY_HBM_DEFAULT;
	cfg->tier_capacity_bytes[COCONUT_TIER_RAM] = CO_TIER_CAPACITY_RAM_DEFAULT;
	cfg->tier_capacity_bytes[COCONUT_TIER_SSD] = CO_TIER_CAPACITY_SSD_DEFAULT;
	cfg->tenant_agents_max = CO_TENANT_AGENTS_DEFAULT;
	cfg->tenant_extents_max = CO_TENANT_EXTENTS_DEFAULT;
	cfg->tenant_tier_percent = CO_TENANT_TIER_PERCENT_DEFAULT;
	cfg->fail_burst = CO_FAIL_BURST_DEFAULT;
	cfg->fail_refill_ns = CO_FAIL_REFILL_NS_DEFAULT;
	cfg->seal_inline = true;
}

static void co_kernel_log(const struct co_plat *plat, enum co_log_level level, const char *msg,
			  size_t len)
{
	if (plat->ops->log)
		plat->ops->log(plat->ctx, level, msg, len);
}

#define CO_KERNEL_LOG(plat, msg) co_kernel_log((plat), CO_LOG_ERR, (msg), sizeof(msg) - 1)

/* Per agent, nothing fixed is larger than a page (coconut/limits.h, CO_PAGE_BYTES). */
CO_STATIC_ASSERT(sizeof(((struct co_agent *)0)->children) <= CO_PAGE_BYTES, "children: a page");
CO_STATIC_ASSERT(sizeof(((struct co_agent *)0)->caps.kinds) <= CO_PAGE_BYTES, "kinds: a page");
CO_STATIC_ASSERT(sizeof(((struct co_agent *)0)->quota) <= CO_PAGE_BYTES, "quotas: a page");
CO_STATIC_ASSERT(sizeof(struct co_agent) <= 2 * CO_PAGE_BYTES, "an agent: two pages at most");

void *co_agent_caps_store_alloc(struct co_kernel *k, u32 capacity)
{
	return co_plat_alloc(&k->plat, CO_CAPSET_STORE_BYTES(capacity));
}

void co_agent_caps_store_free(struct co_kernel *k, void *store, u32 capacity)
{
	if (store)
		co_plat_free(&k->plat, store, CO_CAPSET_STORE_BYTES(capacity));
}

int co_agent_caps_reserve(struct co_kernel *k, struct co_agent *a, u32 caps)
{
	u32 capacity = co_capset_capacity_for(caps), old_capacity;
	void *store;

	if (capacity <= co_capset_capacity(&a->caps))
		return 0;
	store = co_agent_caps_store_alloc(k, capacity);
	if (!store)
		return -ENOMEM;
	old_capacity = co_capset_capacity(&a->caps);
	store = co_capset_move(&a->caps, store, capacity);
	co_agent_caps_store_free(k, store, old_capacity);
	return 0;
}

struct co_agent *co_agent_alloc(struct co_kernel *k, u32 caps)
{
	struct co_agent *a = co_plat_alloc(&k->plat, sizeof(*a));

	if (!a)
		return NULL;
	/* Zeroed: the state is Spawning (0), quotas unlimited, no children, no flags. */
	co_memset(a, 0, sizeof(*a));
	co_capset_init(&a->caps);
	if (co_agent_caps_reserve(k, a, caps)) {
		co_plat_free(&k->plat, a, sizeof(*a));
		return NULL;
	}
	return a;
}

void co_agent_free(struct co_kernel *k, struct co_agent *a)
{
	if (!a)
		return;
	co_agent_caps_store_free(k, a->caps.entries, co_capset_capacity(&a->caps));
	co_plat_free(&k->plat, a->ceiling, a->ceiling_len);
	co_plat_free(&k->plat, a, sizeof(*a));
}

/*
 * The agent whose failure event this is, when its bucket applies (coconut/limits.h, "Audited
 * failures per agent"), refilled to now; NULL for the kernel's own events (aid 0), an agent
 * gone from the table, or no limit. The caller takes a token once the event is appended, so an
 * append refused by backpressure (-EBUSY) costs none.
 */
static struct co_agent *co_kernel_fail_bucket(struct co_kernel *k, u64 principal, u64 *now)
{
	struct co_agent *a;
	u64 back;

	if (k->cfg.fail_burst == 0 || principal == COCONUT_AID_NONE)
		return NULL;
	a = co_agent_find(k, principal);
	if (!a)
		return NULL;
	*now = co_plat_now_ns(&k->plat);
	if (a->fail_used > 0 && k->cfg.fail_refill_ns && *now > a->fail_ns) {
		back = (*now - a->fail_ns) / k->cfg.fail_refill_ns;
		if (back >= a->fail_used) {
			a->fail_used = 0;
		} else {
			a->fail_used -= (u32)back;
			a->fail_ns += back * k->cfg.fail_refill_ns;
		}
	}
	return a;
}

int co_kernel_audit(struct co_kernel *k, struct co_audit_event *ev)
{
	struct co_agent *maker = NULL;
	u64 now = 0;
	u32 round;
	int rc;

	if (k->acting != COCONUT_AID_NONE && k->acting != ev->aid)
		ev->actor = k->acting;
	/* A failure event beyond its maker's bucket: no event, no decision (-EAGAIN). */
	if (ev->result < 0)
		maker = co_kernel_fail_bucket(k, ev->actor ? ev->actor : ev->aid, &now);
	if (maker && maker->fail_used >= k->cfg.fail_burst) {
		k->fail_limited++;
		co_probe_hit(&k->probes, CO_PROBE_FAIL_LIMITED);
		return -EAGAIN;
	}
	for (round = 0;; round++) {
		rc = co_audit_append(&k->audit, ev);
		if (rc != -EBUSY || !k->cfg.seal_inline || round == CO_AUDIT_APPEND_RETRIES_MAX)
			break;
		/* A seal under the instance lock: refused at create on an atomic lock. */
		CO_ASSERT(!k->plat.ops->lock_is_atomic);
		co_audit_seal(&k->audit, CO_AUDIT_RING_EVENTS_MAX);
	}
	if (rc == 0 && round > 0)
		co_probe_hit(&k->probes, CO_PROBE_APPEND_RESEALED);
	if (rc == 0 && maker && maker->fail_used++ == 0)
		maker->fail_ns = now; /* the bucket starts refilling from its first token */
	/* Every event of the agent subsystem is built from checked texts: -EINVAL is a bug. */
	CO_ASSERT(rc != -EINVAL);
	return rc;
}

void co_kernel_get_counters(struct co_kernel *k, struct co_kernel_counters *out)
{
	u32 t;

	co_kernel_lock(k);
	out->lsm_allows = k->lsm_allows;
	out->lsm_denies = k->lsm_denies;
	out->fail_limited = k->fail_limited;
	for (t = 0; t < COCONUT_TIER_COUNT; t++)
		out->tier_used_bytes[t] = k->tiers[t].used_bytes;
	for (t = 0; t < CO_PROBE_COUNT; t++)
		out->probes[t] = k->probes.hits[t];
	co_kernel_unlock(k);
}

void co_kernel_seal(struct co_kernel *k)
{
	/* One call drains every ring: at most CO_AUDIT_RING_EVENTS_MAX events are pending. */
	if (k->cfg.seal_inline)
		co_audit_seal(&k->audit, CO_AUDIT_RING_EVENTS_MAX);
}

const struct co_authorizer *co_kernel_authorizer_find(const struct co_kernel *k,
						      const u8 pubkey[COCONUT_PUBKEY_SIZE])
{
	u32 i;

	for (i = 0; i < CO_AUTHORIZERS_MAX; i++)
		if (k->authorizers[i].in_use &&
		    co_memcmp(k->authorizers[i].pubkey, pubkey, COCONUT_PUBKEY_SIZE) == 0)
			return &k->authorizers[i];
	return NULL;
}

int co_kernel_add_authorizer(struct co_kernel *k, const u8 pubkey[COCONUT_PUBKEY_SIZE])
{
	struct co_authorizer *slot = NULL;
	u32 i;
	int rc = 0;

	co_kernel_lock(k);
	if (co_kernel_authorizer_find(k, pubkey)) {
		rc = -EEXIST;
		goto out;
	}
	for (i = 0; i < CO_AUTHORIZERS_MAX && !slot; i++)
		if (!k->authorizers[i].in_use)
			slot = &k->authorizers[i];
	if (!slot) {
		rc = -ENOSPC;
		goto out;
	}
	co_memcpy(slot->pubkey, pubkey, COCONUT_PUBKEY_SIZE);
	co_blake3_hash(pubkey, COCONUT_PUBKEY_SIZE, slot->key_id);
	slot->in_use = true;
out:
	co_kernel_unlock(k);
	return rc;
}

/* Root's caps: each line of the config parsed into its set (co_cap_list_parse's callback). */
static int co_kernel_root_cap(void *ctx, const struct co_cap *cap, const char *text, u32 len)
{
	struct co_agent *root = ctx;
	u32 handle;

	(void)text;
	(void)len;
	/* co_cap_list_parse stops at CO_CAP_SET_CAPS_MAX lines: the set has room. */
	if (co_capset_insert(&root->caps, cap, 0, 0, &handle) != CO_CAP_OK)
		return -E2BIG;
	return 0;
}

/* Lines of the root caps text, at most CO_CAP_SET_CAPS_MAX (more are refused by the parse). */
static u32 co_kernel_root_cap_count(const char *text, size_t len)
{
	u32 lines = len ? 1 : 0;
	size_t i;

	for (i = 0; i < len && lines <= CO_CAP_SET_CAPS_MAX; i++)
		lines += text[i] == '\n';
	return CO_MIN(lines, (u32)CO_CAP_SET_CAPS_MAX);
}

/* Parses the root caps, fills root's fields and its ceiling; 0 or -errno (nothing audited). */
static int co_kernel_root_build(struct co_kernel *k, struct co_agent *root)
{
	static const char name[] = "root";
	const char *p = k->root_caps;
	size_t len = k->cfg.root_caps_len;
	int rc;

	root->aid = COCONUT_AID_ROOT;
	root->parent_aid = COCONUT_AID_NONE;
	co_memcpy(root->name, name, sizeof(name) - 1);
	root->flags = CO_AGENT_F_VERIFIED;
	root->spawned_ns = co_plat_now_ns(&k->plat);
	if (len == 0)
		return 0;
	rc = co_cap_list_parse(p, len, co_kernel_root_cap, root);
	if (rc)
		return rc;
	/* The ceiling: the same texts, each followed by '\n' (the list has none at its end). */
	root->ceiling = co_plat_alloc(&k->plat, len + 1);
	if (!root->ceiling)
		return -ENOMEM;
	co_memcpy(root->ceiling, p, len);
	root->ceiling[len] = '\n';
	root->ceiling_len = (u32)(len + 1);
	root->ceiling_count = co_capset_count(&root->caps);
	return 0;
}

/* The root agent's audited birth, then Active. Lock held. */
static int co_kernel_root_start(struct co_kernel *k, struct co_agent *root)
{
	struct co_audit_event ev;
	struct co_agent *evicted;
	u64 aid;
	int rc;

	rc = co_agent_table_reserve(k, &aid);
	CO_ASSERT(rc == 0 && aid == COCONUT_AID_ROOT);
	co_agent_table_insert(k, root, &evicted);
	CO_ASSERT(evicted == NULL);
	k->root = root;

	rc = co_agent_transition(k, root, COCONUT_STATE_ATTESTED);
	if (rc)
		return rc;
	co_audit_event_init(&ev, COCONUT_EV_SPAWN, COCONUT_AID_NONE, 0);
	ev.arg = COCONUT_AID_ROOT;
	rc = co_kernel_audit(k, &ev);
	if (rc)
		return rc;
	root->flags |= CO_AGENT_F_REGISTERED;
	co_tenant_enter(k, root->tenant);
	if (k->cfg.on_agent_ready)
		k->cfg.on_agent_ready(k->cfg.sched_ctx, root->aid, root->tenant);
	return co_agent_transition(k, root, COCONUT_STATE_ACTIVE);
}

static bool co_kernel_config_ok(const struct co_plat *plat, const struct co_kernel_config *cfg)
{
	const struct co_plat_ops *ops;

	if (!plat || !plat->ops || !cfg)
		return false;
	ops = plat->ops;
	if (!ops->alloc || !ops->free || !ops->now_ns || !ops->cpu_id || !ops->boot_id)
		return false;
	if (ops->lock_create && (!ops->lock_destroy || !ops->lock || !ops->unlock))
		return false;
	if (cfg->cpu_count == 0 || cfg->cpu_count > CO_AUDIT_CPUS_MAX ||
	    cfg->audit.cpu_count < cfg->cpu_count)
		return false;
	if (cfg->root_caps_len > CO_CAP_LIST_BYTES_MAX ||
	    (cfg->root_caps_len > 0 && !cfg->root_caps))
		return false;
	if (cfg->tenant_agents_max == 0 || cfg->tenant_agents_max > CO_AGENTS_MAX ||
	    cfg->tenant_extents_max == 0 || cfg->tenant_extents_max > CO_TIER_EXTENTS_MAX ||
	    cfg->tenant_tier_percent == 0 || cfg->tenant_tier_percent > 100)
		return false;
	return true;
}

struct co_kernel *co_kernel_create(const struct co_plat *plat, const struct co_kernel_config *cfg)
{
	static const u64 bases[COCONUT_TIER_COUNT] = {
		[COCONUT_TIER_HBM] = CO_TIER_BASE_HBM,
		[COCONUT_TIER_RAM] = CO_TIER_BASE_RAM,
		[COCONUT_TIER_SSD] = CO_TIER_BASE_SSD,
	};
	struct co_agent *root = NULL;
	struct co_kernel *k;
	bool audit_up = false;
	u32 t;
	int rc;

	/*
	 * Inline sealing writes the TPM under the instance lock when a ring is full: never on a
	 * platform whose lock is a spinlock (issue 18, item 2). The module seals from its sealer
	 * thread and the ioctls, after the lock (linux/sealer.c).
	 */
	if (cfg && cfg->seal_inline && plat && plat->ops && plat->ops->lock_is_atomic) {
		CO_KERNEL_LOG(plat, "seal_inline on a platform whose lock is atomic: the TPM would "
				    "be written under a spinlock; nothing created");
		return NULL;
	}
	if (!co_kernel_config_ok(plat, cfg)) {
		if (plat && plat->ops)
			CO_KERNEL_LOG(plat, "bad kernel config (platform ops, cpu_count, "
					    "audit.cpu_count, root_caps or a per-tenant limit); "
					    "nothing created");
		return NULL;
	}
	/* Zeroed by the platform: a platform that can hand out clear pages saves a pass. */
	k = co_plat_zalloc(plat, sizeof(*k));
	if (!k)
		goto nomem_log;
	co_memset(k->inflight_by_cap, 0xff, sizeof(k->inflight_by_cap)); /* CO_INFLIGHT_NONE */
	k->plat = *plat;
	k->cfg = *cfg;
	k->cfg.root_caps = NULL;
	if (cfg->root_caps_len) {
		k->root_caps = co_plat_alloc(plat, cfg->root_caps_len);
		if (!k->root_caps)
			goto nomem;
		co_memcpy(k->root_caps, cfg->root_caps, cfg->root_caps_len);
		k->cfg.root_caps = k->root_caps;
	}
	rc = co_audit_init(&k->audit, plat, &cfg->audit);
	k->audit.probes = &k->probes;
	if (rc) {
		if (rc == -ENOMEM)
			goto nomem;
		CO_KERNEL_LOG(plat, "the audit config was refused (co_audit_init)");
		goto fail;
	}
	audit_up = true;
	if (plat->ops->lock_create) {
		k->lock = plat->ops->lock_create(plat->ctx);
		if (!k->lock)
			goto nomem;
	}
	for (t = 0; t < COCONUT_TIER_COUNT; t++) {
		k->tiers[t].base_addr = bases[t];
		k->tiers[t].capacity_bytes = CO_MIN(cfg->tier_capacity_bytes[t], CO_TIER_SPAN_BYTES);
		/*
		 * At most 2^44 x 100: no overflow, and no fraction needs a float. Rounded up to a
		 * page, the unit of allocation, so 100% never refuses what the pool would give.
		 */
		k->tenant_tier_bytes_max[t] =
			(k->tiers[t].capacity_bytes * cfg->tenant_tier_percent / 100 +
			 CO_TIER_ALIGN_BYTES - 1) & ~(CO_TIER_ALIGN_BYTES - 1);
	}
	k->next_aid = COCONUT_AID_ROOT;
	k->next_token = 1;

	root = co_agent_alloc(k, co_kernel_root_cap_count(k->root_caps, k->cfg.root_caps_len));
	if (!root)
		goto nomem;
	rc = co_kernel_root_build(k, root);
	if (rc == -ENOMEM)
		goto nomem;
	if (rc) {
		CO_KERNEL_LOG(plat, "root_caps must be canonical capability texts, one "
				    "per line, no empty line, at most 256 of them");
		goto fail;
	}
	co_kernel_lock(k);
	rc = co_kernel_root_start(k, root);
	co_kernel_unlock(k);
	root = NULL; /* the table owns it now */
	if (rc) {
		CO_KERNEL_LOG(plat, "the audit chain refused the root agent's events");
		goto fail;
	}
	co_kernel_seal(k);
	return k;

nomem:
	CO_KERNEL_LOG(plat, "out of memory creating a kernel instance");
	goto fail;
nomem_log:
	CO_KERNEL_LOG(plat, "out of memory creating a kernel instance");
	return NULL;
fail:
	co_agent_free(k, root);
	if (!audit_up) {
		/* co_kernel_destroy() needs a live audit instance; undo by hand. */
		if (k->lock)
			plat->ops->lock_destroy(plat->ctx, k->lock);
		co_plat_free(plat, k->root_caps, k->cfg.root_caps_len);
		co_plat_free(plat, k, sizeof(*k));
		return NULL;
	}
	co_kernel_destroy(k);
	return NULL;
}

void co_kernel_destroy(struct co_kernel *k)
{
	struct co_plat plat;
	u32 i;

	if (!k)
		return;
	plat = k->plat;
	for (i = 0; i < CO_AGENTS_MAX; i++) {
		co_agent_free(k, k->agents[i]);
		k->agents[i] = NULL;
	}
	co_audit_destroy(&k->audit);
	if (k->lock)
		plat.ops->lock_destroy(plat.ctx, k->lock);
	co_plat_free(&plat, k->root_caps, k->cfg.root_caps_len);
	co_plat_free(&plat, k, sizeof(*k));
}
