/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fair share (kernel/sched/): one scheduler instance per contended resource (CPU time, PCIe
 * bytes, GPU time, inference tokens), deciding whose queued work is served next.
 *
 * Lanes are keyed on AID and grouped by tenant. The work itself stays with the caller: each
 * queued job embeds a struct co_sched_entity (as a task embeds its sched_entity in Linux), so
 * the scheduler never allocates per job and a queue's length is bounded by the jobs its caller
 * owns. Three policies share the queues:
 *
 *  - CO_SCHED_FAIR: two-level weighted fair queuing with virtual counters in the spirit of the
 *    Virtual Token Counter (Sheng et al., OSDI 2024). Each tenant and each lane has a counter
 *    advanced by charged units * CO_SCHED_WEIGHT_SCALE / weight; pick takes the backlogged
 *    tenant with the smallest counter, then its backlogged lane with the smallest counter, then
 *    that lane's oldest entity. A lane or tenant that becomes backlogged after being idle has
 *    its counter lifted to the smallest counter among the backlogged ones (or to the last
 *    served one when none is), so idle time is not banked as credit.
 *  - CO_SCHED_FIFO: the entity enqueued first (smallest seq) across all lanes.
 *  - CO_SCHED_PER_PROCESS: round robin over backlogged lanes, one entity per turn, ignoring
 *    tenants and weights: a tenant with more agents gets more, as on Linux today.
 *
 * Integer arithmetic only; every loop is bounded by a limit in coconut/limits.h. Not locked:
 * the owner (the kernel instance's lock in the module, the single simulation thread in sim)
 * serialises calls.
 */
#ifndef COCONUT_SCHED_H
#define COCONUT_SCHED_H

#include "coconut/compiler.h"
#include "coconut/limits.h"
#include "coconut/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

enum co_sched_policy {
	CO_SCHED_FAIR = 0,
	CO_SCHED_FIFO = 1,
	CO_SCHED_PER_PROCESS = 2,
	CO_SCHED_POLICY_COUNT = 3,
};

/* The resource an instance arbitrates; it names the unit of charges. */
enum co_sched_resource {
	CO_SCHED_RES_CPU = 0,	 /* ns of CPU time */
	CO_SCHED_RES_PCIE = 1,	 /* bytes transferred */
	CO_SCHED_RES_GPU = 2,	 /* ns of GPU time */
	CO_SCHED_RES_TOKENS = 3, /* weighted inference tokens (prompt + generated) */
	CO_SCHED_RES_COUNT = 4,
};

/* Counters advance by units * CO_SCHED_WEIGHT_SCALE / weight (weights 1..CO_SCHED_WEIGHT_MAX). */
#define CO_SCHED_WEIGHT_SCALE 65536u
#define CO_SCHED_WEIGHT_DEFAULT 1u

/*
 * One queued job. The caller owns the memory and fills aid and cost before co_sched_enqueue();
 * the scheduler owns next, seq and the flag while the entity is queued. An entity is in at most
 * one scheduler at a time.
 */
struct co_sched_entity {
	struct co_sched_entity *next; /* scheduler-owned while queued */
	u64 aid;		      /* the lane */
	u64 cost;		      /* caller's estimate of its next turn, informational */
	u64 seq;		      /* arrival order: set by enqueue, kept by putback */
	u32 queued;		      /* scheduler-owned: 1 while in a lane queue */
};

/* What a tenant looks like now (co_sched_tenant_info). */
struct co_sched_tenant_info {
	u32 tenant;
	u32 weight;
	u32 lanes;	    /* lanes registered */
	u32 queued;	    /* entities queued in its lanes */
	bool backlogged;    /* queued > 0 */
	u64 counter;	    /* virtual counter (fair policy), in scaled units */
	u64 served_units;   /* units charged to its lanes since creation */
};

struct co_sched_stats {
	u64 enqueues;
	u64 picks;
	u64 putbacks;
	u64 charged_units;
	u32 lanes;
	u32 tenants;
	u32 queued;	/* entities queued now, all lanes */
	/*
	 * The largest spread of counters (max - min, scaled units) seen between backlogged tenants
	 * at a pick, fair policy only: the service difference the policy allowed, bounded by one
	 * turn's charge over the smallest weight when it works.
	 */
	u64 max_backlogged_spread;
};

struct co_sched;

/*
 * A scheduler for one resource with room for lanes_max lanes (<= CO_SCHED_LANES_MAX) and
 * tenants_max tenants (<= CO_SCHED_TENANTS_MAX), allocated through plat. NULL on -ENOMEM or an
 * out-of-range argument (logged through plat).
 */
struct co_sched *co_sched_create(const struct co_plat *plat, u32 resource, u32 policy,
				 u32 lanes_max, u32 tenants_max);
/* Frees it; queued entities are simply forgotten (their memory is the caller's). */
void co_sched_destroy(struct co_sched *s);

u32 co_sched_policy_of(const struct co_sched *s);
u32 co_sched_resource_of(const struct co_sched *s);
/* "fair", "fifo", "per-process"; NULL for an unknown value. */
const char *co_sched_policy_name(u32 policy);
/* The policy named name[0..len), or -EINVAL. */
int co_sched_policy_parse(const char *name, size_t len);
/* "cpu", "pcie", "gpu", "tokens"; NULL for an unknown value. */
const char *co_sched_resource_name(u32 resource);

/*
 * Registers a lane for aid in tenant with weight (1..CO_SCHED_WEIGHT_MAX). A new tenant starts
 * with weight CO_SCHED_WEIGHT_DEFAULT. 0, -EEXIST (aid has a lane), -ENOSPC (lanes or tenants
 * full), -EINVAL (aid 0 or a weight out of range).
 */
int co_sched_lane_add(struct co_sched *s, u64 aid, u32 tenant, u32 weight);
/* Removes aid's lane: 0, -ENOENT, -EBUSY (entities still queued in it). */
int co_sched_lane_remove(struct co_sched *s, u64 aid);
/* 0, -ENOENT, -EINVAL (weight out of range). */
int co_sched_lane_set_weight(struct co_sched *s, u64 aid, u32 weight);
/* Sets a tenant's weight, creating the tenant when new: 0, -ENOSPC, -EINVAL. */
int co_sched_tenant_set_weight(struct co_sched *s, u32 tenant, u32 weight);

/*
 * Queues e at the tail of its lane (e->aid) and stamps e->seq with the next arrival number.
 * 0, -ENOENT (no lane for e->aid), -EALREADY (e is queued).
 */
int co_sched_enqueue(struct co_sched *s, struct co_sched_entity *e);
/*
 * The next entity under the policy, removed from its queue; NULL when nothing is queued.
 * Picking does not charge: the caller charges the units it served (co_sched_charge).
 */
struct co_sched_entity *co_sched_pick(struct co_sched *s);
/*
 * Returns a picked entity to the head of its lane with its seq unchanged (work that needs
 * another turn and must keep its place: a preempted CPU slice, a sequence of a batch). Put
 * several back in the reverse order of their picks. 0, -ENOENT (its lane is gone), -EALREADY.
 */
int co_sched_putback(struct co_sched *s, struct co_sched_entity *e);
/* Removes a queued entity wherever it is (a cancelled job): 0, -ENOENT (not queued here). */
int co_sched_cancel(struct co_sched *s, struct co_sched_entity *e);
/* Charges units of service to aid's lane and tenant (fair counters, served totals). 0, -ENOENT. */
int co_sched_charge(struct co_sched *s, u64 aid, u64 units);

/* Entities queued in aid's lane (0 for no lane). */
u32 co_sched_lane_queued(const struct co_sched *s, u64 aid);
/* 0 and *out, or -ENOENT for a tenant never seen. */
int co_sched_get_tenant_info(const struct co_sched *s, u32 tenant, struct co_sched_tenant_info *out);
void co_sched_get_stats(const struct co_sched *s, struct co_sched_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_SCHED_H */
