/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Coverage probes on the kernel's rare paths (after FoundationDB's CODE_PROBE): each counts how
 * often its path ran, so a whole-system property suite can say which rare paths its cases
 * reached and fail when a named one was never reached (a generator that stopped making ring
 * pressure would otherwise pass quietly). A probe is one increment on the instance: no branch,
 * no event, no effect on what the kernel answers, and the same in the module and the
 * simulator. Read them with co_kernel_probes() (kernel.h); names with co_probe_name().
 */
#ifndef COCONUT_PROBE_H
#define COCONUT_PROBE_H

#include "coconut/compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

enum co_probe_id {
	CO_PROBE_RING_FULL,	      /* an append met a full audit ring (backpressure) */
	CO_PROBE_APPEND_RESEALED,     /* an append sealed inline to make room, then went on */
	CO_PROBE_LSM_EBUSY,	      /* a decision refused -EBUSY: no room for its events */
	CO_PROBE_TPM_WRITE_FAILED,    /* an anchor's TPM NV write failed (retried later) */
	CO_PROBE_SEAL_STALLED,	      /* the sealer was stalled (fault injection) */
	CO_PROBE_INFLIGHT_FULL,	      /* a begin refused: CO_INFLIGHT_MAX operations pending */
	CO_PROBE_INFLIGHT_MARKED,     /* a revoke or an exit marked a pending operation */
	CO_PROBE_COMPLETE_REVOKED,    /* a pending operation completed -ECAPABILITY */
	CO_PROBE_REVOKE_PARTIAL,      /* a revoke ran out of its call's budget (-EAGAIN) */
	CO_PROBE_FAIL_LIMITED,	      /* a failure beyond its agent's bucket: -EAGAIN, no event */
	CO_PROBE_SPAWN_REFUSED,	      /* a spawn refused after its manifest parsed */
	CO_PROBE_TIER_EDQUOT,	      /* a memory-tier allocation refused -EDQUOT */
	CO_PROBE_QUARANTINE_PENDING,  /* quarantined with operations still pending */
	CO_PROBE_COUNT
};

struct co_probes {
	u64 hits[CO_PROBE_COUNT];
};

/* p may be NULL (an audit built without a kernel, in unit tests). */
static inline void co_probe_hit(struct co_probes *p, enum co_probe_id id)
{
	if (p)
		p->hits[id]++;
}

/* "ring_full", ...: the probe's name in reports; NULL for an id >= CO_PROBE_COUNT. */
const char *co_probe_name(u32 id);

#ifdef __cplusplus
}
#endif

#endif
