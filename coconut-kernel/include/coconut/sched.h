/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fair share (kernel/sched/): one scheduler instance per contended resource (CPU time, PCIe
 * bytes, GPU time, inference tokens, memory bandwidth), deciding whose queued work is served
 * next, or for memory bandwidth, a rate resource, how fast each streaming lane may go
 * (co_sched_throttle).
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
 *    that lane's oldest entity. A virtual time (the largest smallest-backlogged-counter seen at a
 *    pick, as CFS's min_vruntime) only moves forward. A lane or tenant that becomes backlogged
 *    is placed at max(its counter, virtual time - its lag credit): one that was under its share
 *    keeps up to the instance's lag limit of credit and is served ahead of those that used
 *    theirs (CFS's sleeper placement, EEVDF's clamped lag), and no more, so idle time is banked
 *    only up to that limit (docs/sched.md: the rule, why, and the bound it keeps).
 *  - CO_SCHED_FIFO: the entity enqueued first (smallest seq) across all lanes.
 *  - CO_SCHED_PER_PROCESS: every queued entity is a task of its own, served in turn, blind to
 *    lanes, tenants and weights, as Linux 6.12's EEVDF serves equal-weight tasks with no group
 *    scheduling: an agent with more queued work gets more. Oldest stamp first, where an entity
 *    put back after its turn was charged is stamped anew and goes to the back.
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
	CO_SCHED_RES_MEMBW = 4,	 /* bytes streamed from host memory; rates in bytes/s */
	CO_SCHED_RES_COUNT = 5,
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
	bool held;	    /* fair: skipped by picks until co_sched_release_holds() */
	u64 counter;	    /* virtual counter (fair policy), in scaled units */
	u64 raw_counter;    /* fair: the same history, never placed: orders tenants with credit */
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
	 * turn's charge over the smallest weight plus the lag credit when it works (docs/sched.md).
	 */
	u64 max_backlogged_spread;
	u64 vtime;		  /* fair: the virtual time joining tenants are placed against */
	u64 backlogged_weight;	  /* the sum of the weights of the tenants with queued entities */
	u32 backlogged_lanes;	  /* lanes with queued entities */
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
/* "cpu", "pcie", "gpu", "tokens", "membw"; NULL for an unknown value. */
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
 * The next entity under the policy, removed from its queue; NULL when nothing is queued (or
 * only held tenants have queued work). Picking does not charge: the caller charges the units it served (co_sched_charge).
 */
struct co_sched_entity *co_sched_pick(struct co_sched *s);
/*
 * Returns a picked entity to its place in its lane with its seq unchanged (work that needs
 * another turn and must keep its place: a preempted CPU slice, a sequence of a batch): ahead of
 * every entity with a larger seq, so the head when several are put back in the reverse order of
 * their picks. Under per-process, an entity put back after
 * its lane was charged used its turn: it gets a new seq and goes to the tail of its lane, behind
 * every task queued meanwhile. 0, -ENOENT (its lane is gone), -EALREADY.
 */
int co_sched_putback(struct co_sched *s, struct co_sched_entity *e);
/* Removes a queued entity wherever it is (a cancelled job): 0, -ENOENT (not queued here). */
int co_sched_cancel(struct co_sched *s, struct co_sched_entity *e);
/* Charges units of service to aid's lane and tenant (fair counters, served totals). 0, -ENOENT. */
int co_sched_charge(struct co_sched *s, u64 aid, u64 units);

/*
 * Fair placement: the most service, in the resource's units, that a weight-1 lane or tenant
 * which was under its share may claim ahead of the others when it becomes backlogged again (its
 * lag credit; one of weight w banks w times as much, in proportion to its share). 0, the
 * default, lifts a returning tenant level with the virtual time: no credit at all, the Virtual
 * Token Counter's rule. -EINVAL above CO_SCHED_LAG_UNITS_MAX. The other policies keep it and
 * ignore it.
 */
int co_sched_set_lag_limit(struct co_sched *s, u64 units);
u64 co_sched_lag_limit(const struct co_sched *s);

/*
 * Wakeup preemption: whether work of waking_aid's lane, just enqueued, should take the place of
 * work of running_aid's lane being served now. Fair: when the waking tenant is strictly ahead
 * of the running one in the pick order (it has credit the running one has used up, or both
 * have credit and it has had less service; in one tenant, the waking lane's counter below the
 * running lane's). fifo and per-process never preempt (a new task waits its
 * turn). false for an unknown AID. A device with several servers asks it pairwise to find the
 * running work furthest behind (the one any other would preempt).
 */
bool co_sched_wakeup_preempts(const struct co_sched *s, u64 waking_aid, u64 running_aid);

/*
 * Whether the policy could serve something other than running (picked and being served) next,
 * were it put back now: fair, another lane is backlogged; fifo, an older entity is queued;
 * per-process, any entity is queued. A device may serve an uncontended job to its end in one
 * turn, since an enqueue is the only thing that changes the answer.
 */
bool co_sched_contended(const struct co_sched *s, const struct co_sched_entity *running);

/*
 * Batch admission (fair only). While held, a tenant's lanes are skipped by co_sched_pick()
 * (a batch that already holds the tenant's share of slots or tokens); co_sched_release_holds()
 * returns every held tenant to the picks, without placement (it did not leave), and the
 * virtual time does not move while any tenant is held. 0, -ENOENT (a tenant never seen),
 * -EOPNOTSUPP (not the fair policy). Holding a held tenant is 0.
 */
int co_sched_tenant_hold(struct co_sched *s, u32 tenant);
void co_sched_release_holds(struct co_sched *s);

/* Entities queued in aid's lane (0 for no lane). */
u32 co_sched_lane_queued(const struct co_sched *s, u64 aid);
/* 0 and *out, or -ENOENT for a tenant never seen. */
int co_sched_get_tenant_info(const struct co_sched *s, u32 tenant, struct co_sched_tenant_info *out);
void co_sched_get_stats(const struct co_sched *s, struct co_sched_stats *out);

/*
 * Rate resources (memory bandwidth, kernel/sched/throttle.c). A lane streams at a rate rather
 * than queueing turns, so the policy decides how fast each may go: the most each may take
 * (limit), which the caller enforces with the hardware's bandwidth throttle (resctrl's memory
 * bandwidth allocation: AMD's in steps of 1/8 GB/s, Intel's in 10 % steps; docs/sched.md).
 *
 *  - fair: when the streams ask for more than capacity, each tenant's limit is its weighted
 *    max-min share (a tenant asking less than its share keeps what it asks, the rest is split
 *    again by weight among the others), rounded down to a whole step and at least one step; a
 *    tenant's limit is split over its streams in proportion to what they ask. Asking no more
 *    than capacity in all, nobody is throttled.
 *  - fifo, per-process: nobody is throttled (Linux 6.12 today: every task in resctrl's default
 *    group at 100 %), so the memory controller's own arbitration decides.
 *
 * Under every policy a stream never gets more than its agent's membw quota (quota, 0: none).
 * Integer arithmetic; bounded by n and the tenants present.
 */
struct co_sched_stream {
	u64 aid;    /* in: its lane in s */
	u64 demand; /* in: what it would take alone, units/s (> 0) */
	u64 quota;  /* in: its agent's budget, units/s (0: none) */
	u64 limit;  /* out: the most it may take, units/s (<= demand) */
	/*
	 * The scheduler's: its lane's slot, kept between calls as a hint (a caller that keeps
	 * its streams spares the AID lookup; any value is safe, it is checked), then during the
	 * call its tenant's slot.
	 */
	u32 lane;
	u32 tenant;
};

/* Largest capacity and step co_sched_throttle() takes: 2^44 units/s (17.6 TB/s of bytes), so
 * capacity times a weight (at most CO_SCHED_WEIGHT_MAX, 2^16) fits in 64 bits. */
#define CO_SCHED_RATE_MAX (1ull << 44)

/*
 * Fills v[i].limit for the n streams (n <= CO_SCHED_LANES_MAX) sharing capacity units/s, in
 * steps of step units/s. 0; -EINVAL (s is not a CO_SCHED_RES_MEMBW instance, capacity or step
 * 0 or above CO_SCHED_RATE_MAX, a demand 0, n too large); -ENOENT (an aid without a lane).
 * Nothing is changed on an error but limits already written.
 */
int co_sched_throttle(struct co_sched *s, u64 capacity, u64 step, struct co_sched_stream *v,
		      u32 n);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_SCHED_H */
