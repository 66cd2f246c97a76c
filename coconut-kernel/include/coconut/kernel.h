/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One Coconut kernel instance: every piece of agent-subsystem state hangs off struct co_kernel,
 * so one process can run many simulated machines and property tests can build thousands. The
 * Linux module holds exactly one; the simulator one per simulated machine.
 *
 * Ownership of the parts (one file per concept, as in Landlock):
 *   kernel/agent/     kernel.c (create/destroy, authorizer keys), table.c (AIDs, lookup),
 *                     state.c (the state machine), manifest.c, spawn.c, exit.c, attest.c, quota.c,
 *                     tier.c, agentfs.c, syscalls.c (the only place raw call arguments arrive)
 *   security/coconut/ cap_*.c, capset.c (pure capability logic), lsm.c (decisions + audit),
 *                     grant.c, revoke.c, inflight.c (tokens of pending operations)
 *   kernel/audit/coconut/ the chain (coconut/audit.h)
 * Locking: one instance lock (platform) serialises every entry point; the simulator's lock is a
 * no-op because a simulation is single-threaded. No platform call is made with it held except
 * now_ns/cpu_id.
 */
#ifndef COCONUT_KERNEL_H
#define COCONUT_KERNEL_H

#include "coconut/agent.h"
#include "coconut/audit.h"
#include "coconut/compiler.h"
#include "coconut/limits.h"
#include "coconut/platform.h"
#include "coconut/probe.h"
#include "coconut/resources.h"
#include "uapi/linux/coconut.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A trusted authorizer key: manifests must be signed by one of these. */
struct co_authorizer {
	u8 pubkey[COCONUT_PUBKEY_SIZE];
	u8 key_id[COCONUT_DIGEST_SIZE]; /* BLAKE3 of pubkey: what attestation chains name */
	bool in_use;
};

/* One bounded allocator per memory tier (agent_memory_tier). Addresses are synthetic:
 * base_addr + offset, so the simulator and the module return the same numbers. */
struct co_tier_extent {
	u64 offset_bytes;
	u64 size_bytes;
	u64 aid;	/* owner; 0 = free slot */
};

struct co_tier_pool {
	u64 base_addr;
	u64 capacity_bytes;
	u64 used_bytes;
	u32 extent_count;
	struct co_tier_extent extents[CO_TIER_EXTENTS_MAX];
};

/*
 * What one tenant holds (kernel/agent/tenant.c): its live agents, and per tier its extents and
 * bytes. A slot is in use while agents > 0 (extents belong to live agents, so they are gone
 * by then too).
 */
struct co_tenant_use {
	u32 tenant;
	u32 agents;
	u32 extents[COCONUT_TIER_COUNT];
	u64 bytes[COCONUT_TIER_COUNT];
};

/* A pending operation authorised by a cap (DMA, inference, I/O): revocation fails it. */
struct co_inflight {
	u64 token;	/* never 0 for a live entry; monotonic, never reused */
	u64 aid;
	u32 cap_handle;	/* the cap in aid's set that authorised it */
	u32 kind;	/* enum coconut_cap_kind */
	bool revoked;	/* its cap was revoked: completing it returns -ECAPABILITY */
	/* Its chain of the by-cap index (co_kernel.inflight_by_cap): slots, CO_INFLIGHT_NONE. */
	u16 next;
	u16 prev;
};

/* No slot: the end of a by-cap chain. */
#define CO_INFLIGHT_NONE 0xffffu

struct co_kernel_config {
	u32 cpu_count;
	struct co_audit_config audit;
	u64 tier_capacity_bytes[COCONUT_TIER_COUNT];
	/* The root agent's caps, newline-separated canonical texts (it holds everything it may
	 * later hand down: narrowing means nothing can be granted that root does not hold). */
	const char *root_caps;
	size_t root_caps_len;

	/*
	 * Per-tenant limits (coconut/limits.h, "Per-tenant limits"): live agents, extents of each
	 * tier, and bytes of each tier as a percentage of its capacity. Beyond them a spawn or an
	 * allocation answers -EDQUOT. 0 < tenant_agents_max <= CO_AGENTS_MAX, 0 <
	 * tenant_extents_max <= CO_TIER_EXTENTS_MAX, 0 < tenant_tier_percent <= 100.
	 */
	u32 tenant_agents_max;
	u32 tenant_extents_max;
	u32 tenant_tier_percent;

	/*
	 * Audited failures per agent (coconut/limits.h, "Audited failures per agent"): a bucket
	 * of fail_burst events refilled one every fail_refill_ns; fail_burst 0: no limit.
	 */
	u32 fail_burst;
	u64 fail_refill_ns;

	/*
	 * Seal the audit rings at the end of every entry point (and when an append meets a full
	 * ring), so that queries and verify see each call's events at once. Default true; the
	 * simulator turns it off when its own sealer process drains the rings on simulated time.
	 */
	bool seal_inline;
	/*
	 * The scheduler's hooks (both may be NULL): an agent became Active (spawn stage 6, and the
	 * root agent at create), or left (terminated). Called with the instance lock held, in the
	 * order of the events; they must not call back into the kernel. ctx is sched_ctx.
	 */
	void (*on_agent_ready)(void *ctx, u64 aid, u32 tenant);
	void (*on_agent_exit)(void *ctx, u64 aid, u32 tenant);
	void *sched_ctx;
};

/* Base addresses of the synthetic tier address spaces (agent_memory_tier's answers). */
#define CO_TIER_BASE_HBM 0x0000100000000000ull
#define CO_TIER_BASE_RAM 0x0000200000000000ull
#define CO_TIER_BASE_SSD 0x0000300000000000ull
/* Default capacities (co_kernel_config_default): one 80 GiB GPU, 256 GiB RAM, 2 TiB SSD. */
#define CO_TIER_CAPACITY_HBM_DEFAULT (80ull << 30)
#define CO_TIER_CAPACITY_RAM_DEFAULT (256ull << 30)
#define CO_TIER_CAPACITY_SSD_DEFAULT (2ull << 40)

struct co_kernel {
	struct co_plat plat;
	struct co_plat_lock *lock;
	struct co_kernel_config cfg;
	struct co_audit audit;
	struct co_probes probes;	/* coverage of the rare paths (coconut/probe.h) */

	struct co_authorizer authorizers[CO_AUTHORIZERS_MAX];

	/* The agent table: AIDs are monotonic from 1 (root), never reused. Slots hold pointers to
	 * platform-allocated agents; terminated agents stay (as tombstones answering -ESTALE
	 * rather than -ESRCH) until the table needs the slot. Lookup: direct-mapped, AID n in
	 * slot n mod CO_AGENTS_MAX (kernel/agent/table.c). */
	struct co_agent *agents[CO_AGENTS_MAX];
	u32 agent_count;	/* live + tombstones in the table */
	u64 next_aid;
	u32 live_count;		/* agents of the table not terminated */
	struct co_agent *root;	/* AID 1, live for the instance's lifetime */
	/* The root caps text (cfg.root_caps points here after create: the caller's may go). */
	char *root_caps;

	struct co_tier_pool tiers[COCONUT_TIER_COUNT];
	/* Per tenant: what it holds (open addressing on the tenant id), and its byte limits. */
	struct co_tenant_use tenants[CO_TENANT_SLOTS];
	u32 tenant_count;	/* slots in use */
	u64 tenant_tier_bytes_max[COCONUT_TIER_COUNT];

	struct co_inflight inflight[CO_INFLIGHT_MAX];
	/*
	 * The pending operations by (agent, cap handle): chain heads (slots, CO_INFLIGHT_NONE)
	 * hashed on the pair, so a revoke marks what its removed caps authorised without
	 * looking at the others (issue 18, item 6). 8 KiB: as many heads as slots.
	 */
	u16 inflight_by_cap[CO_INFLIGHT_MAX];
	u64 next_token;

	/* LSM decision counters (each also produced exactly one audit event): parity checks
	 * compare them with the chain's per-type counts. */
	u64 lsm_allows;
	u64 lsm_denies;
	/* Calls answered -EAGAIN because their maker was over its audited-failure bucket. */
	u64 fail_limited;

	/* security/coconut (lsm.c, grant.c, revoke.c, inflight.c), under the instance lock. */
	u32 inflight_live;	/* entries of inflight[] in use */
	u32 next_grant_id;	/* origin of the last granted cap (0: caps bound at spawn or boot) */
	struct co_audit_event lsm_event;	/* the event being built: ~360 bytes, off the stack */
	char lsm_object[CO_CAP_NET_OBJECT_BYTES_MAX];	/* an object's canonical spelling */
	/* The agent the entry point in progress acts for (co_kernel_lock_as; 0: none): stamped as
	 * the actor of every event it appends about another agent (audit.h). */
	u64 acting;
	struct co_cap lsm_cap;	/* grant's and revoke's parsed cap: ~270 bytes, ditto */
	/* kernel/agent/agentfs.c: the audit tail's page and events (coconut/resources.h). */
	struct co_agentfs_scratch agentfs;
};

/*
 * The defaults: the audit defaults for cpu_count CPUs, the default tier capacities, the default
 * per-tenant limits, inline sealing, no root caps and no scheduler hooks.
 */
void co_kernel_config_default(struct co_kernel_config *cfg, u32 cpu_count);

/*
 * Allocates and initialises an instance with its root agent (AID 1, Active, holding
 * cfg.root_caps; its creation is audited: SPAWN by AID 0, then its two STATE events). NULL on
 * -ENOMEM or a bad config (the reason is logged through the platform): cpu_count 0 or over
 * CO_AUDIT_CPUS_MAX, an audit config co_audit_init() refuses, root caps that do not parse
 * (one canonical text per line, no empty line) or are more than a cap set holds.
 */
struct co_kernel *co_kernel_create(const struct co_plat *plat, const struct co_kernel_config *cfg);
/* Frees everything, agents and tombstones included. No call may be in progress. */
void co_kernel_destroy(struct co_kernel *k);

/* Trust an authorizer key (boot-time configuration, not a syscall). 0, -EEXIST, -ENOSPC. */
int co_kernel_add_authorizer(struct co_kernel *k, const u8 pubkey[COCONUT_PUBKEY_SIZE]);
/* The trusted entry for pubkey, or NULL. Callers hold the instance lock. */
const struct co_authorizer *co_kernel_authorizer_find(const struct co_kernel *k,
						      const u8 pubkey[COCONUT_PUBKEY_SIZE]);

/* What callers outside the kernel count on (metrics, parity checks): a copy. */
struct co_kernel_counters {
	u64 lsm_allows;		/* LSM decisions that allowed (each one audited event) */
	u64 lsm_denies;		/* ... that denied */
	u64 fail_limited;	/* calls answered -EAGAIN by the audited-failure bucket */
	u64 tier_used_bytes[COCONUT_TIER_COUNT];
	u64 probes[CO_PROBE_COUNT];	/* coverage probes' hits (coconut/probe.h) */
};

/* The counters, under the instance lock. */
void co_kernel_get_counters(struct co_kernel *k, struct co_kernel_counters *out);

/*
 * The instance's audit log, for the audit API (coconut/audit.h: head, pending, stats, query,
 * seal, export) from outside the agent subsystem: the module's sealer and ioctls, the
 * simulator's sealer and its checks. Code outside coconut-kernel/ reaches the log only so,
 * never through the instance's fields (a build check enforces it: scripts/check-kernel-api.sh).
 */
static inline struct co_audit *co_kernel_audit_log(struct co_kernel *k)
{
	return &k->audit;
}

/* The instance lock (a no-op in one simulated thread). Entry points take it; nothing else. */
static inline void co_kernel_lock(struct co_kernel *k)
{
	if (k->lock)
		k->plat.ops->lock(k->plat.ctx, k->lock);
}

static inline void co_kernel_unlock(struct co_kernel *k)
{
	k->acting = 0;
	if (k->lock)
		k->plat.ops->unlock(k->plat.ctx, k->lock);
}

/* The instance lock for an entry point that acts for caller: events it appends about another
 * agent record caller as their actor (finding 9 of the security review; docs/audit.md). */
static inline void co_kernel_lock_as(struct co_kernel *k, u64 caller)
{
	co_kernel_lock(k);
	k->acting = caller;
}

/*
 * Every audit append of the agent subsystem goes through here. It stamps the acting caller
 * (co_kernel_lock_as) as ev->actor when the event is about another agent, then
 * co_audit_append(), and when a
 * ring is full (-EBUSY) and cfg.seal_inline, seal and retry, at most CO_AUDIT_APPEND_RETRIES_MAX
 * times. 0, -EBUSY (the sealer is stalled or inline sealing is off: nothing was appended),
 * -EAGAIN (a failure event whose maker is over its audited-failure bucket, coconut/limits.h:
 * nothing was appended, the caller answers -EAGAIN and changes nothing), or -EINVAL (an event
 * that cannot be encoded: a programmer error, asserted in debug builds).
 * Caller holds the instance lock; the retry seals under it (see docs/uapi.md, "Audit").
 */
int co_kernel_audit(struct co_kernel *k, struct co_audit_event *ev);
/*
 * End of an entry point, after the instance lock is released: with cfg.seal_inline, drains
 * every ring into the chain (a no-op when the sealer is stalled).
 */
void co_kernel_seal(struct co_kernel *k);

/* Lookup: the agent, or NULL with *err = -ESRCH (never existed / AID 0) or -ESTALE
 * (terminated). Callers hold the instance lock. */
struct co_agent *co_agent_lookup(struct co_kernel *k, u64 aid, int *err);
/*
 * The table's entry for aid, live or terminated (a tombstone), or NULL (never allocated, a
 * failed spawn, or a tombstone whose slot was reused). For agentfs, tests and the cascade.
 */
struct co_agent *co_agent_find(const struct co_kernel *k, u64 aid);
/* Whether anc is a strict ancestor of a (a walk up the parents, at most CO_AGENT_DEPTH_MAX). */
bool co_agent_is_ancestor(const struct co_kernel *k, const struct co_agent *anc,
			  const struct co_agent *a);
/* anc == a or a strict ancestor of it. */
static inline bool co_agent_is_self_or_ancestor(const struct co_kernel *k,
						const struct co_agent *anc,
						const struct co_agent *a)
{
	return anc == a || co_agent_is_ancestor(k, anc, a);
}

/*
 * Termination and containment (kernel/agent/exit.c). The kernel API for task exit, operators
 * and injected faults, not syscalls. `caller` is an AID whose authority is checked (it must be
 * a strict ancestor of aid, live and not quarantined: -EPERM otherwise), or COCONUT_AID_NONE
 * for the kernel itself. Root can be none of their targets (-EPERM). Unknown aid: -ESRCH;
 * terminated: -ESTALE. Each is an entry point: it takes the instance lock and seals after.
 *
 * exit: the agent's own exit (its task ended): it and its live descendants go
 *	Terminated-clean, leaves first.
 * kill: it and its live descendants go Terminated-revoked, leaves first.
 * quarantine: Active, Inference-blocked or Capability-denied -> Quarantined (-EINVAL from any
 *	other state); one agent: its children keep running on their own caps. Every operation it
 *	has pending (co_inflight_begin) will complete with -ECAPABILITY, even after a release.
 * release: Quarantined -> Active, or -> Inference-blocked while a charge of it still waits on a
 *	budget (-EINVAL from any other state).
 */
int co_agent_exit(struct co_kernel *k, u64 aid);
int co_agent_kill(struct co_kernel *k, u64 caller, u64 aid);
int co_agent_quarantine(struct co_kernel *k, u64 caller, u64 aid);
int co_agent_release(struct co_kernel *k, u64 caller, u64 aid);
/*
 * The cascade itself, for code that already holds the lock (revocation of every cap): a and
 * its live descendants go to `to` (Terminated-clean or -revoked), leaves first. Each one: one
 * STATE event, its pending operations failed (co_inflight_drop_agent), its tier extents
 * released (co_tier_release_agent), out of its parent's children, on_agent_exit called; the
 * cascade's root first gets one EXIT event (arg = to). 0, -EINVAL (a not live, to not terminal,
 * or a is root), -EBUSY (the audit chain refused an event: the agents terminated so far stay
 * terminated, the others live; calling again finishes the job).
 */
int co_agent_terminate(struct co_kernel *k, struct co_agent *a, u32 to);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_KERNEL_H */
