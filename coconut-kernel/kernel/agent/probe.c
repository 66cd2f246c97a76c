// SPDX-License-Identifier: GPL-2.0
/* The coverage probes' names (coconut/probe.h). */
#include "coconut/probe.h"

static const char *const co_probe_names[CO_PROBE_COUNT] = {
	[CO_PROBE_RING_FULL] = "ring_full",
	[CO_PROBE_APPEND_RESEALED] = "append_resealed",
	[CO_PROBE_LSM_EBUSY] = "lsm_ebusy",
	[CO_PROBE_TPM_WRITE_FAILED] = "tpm_write_failed",
	[CO_PROBE_SEAL_STALLED] = "seal_stalled",
	[CO_PROBE_INFLIGHT_FULL] = "inflight_full",
	[CO_PROBE_INFLIGHT_MARKED] = "inflight_marked",
	[CO_PROBE_COMPLETE_REVOKED] = "complete_revoked",
	[CO_PROBE_REVOKE_PARTIAL] = "revoke_partial",
	[CO_PROBE_FAIL_LIMITED] = "fail_limited",
	[CO_PROBE_SPAWN_REFUSED] = "spawn_refused",
	[CO_PROBE_TIER_EDQUOT] = "tier_edquot",
	[CO_PROBE_QUARANTINE_PENDING] = "quarantine_pending",
};

const char *co_probe_name(u32 id)
{
	return id < CO_PROBE_COUNT ? co_probe_names[id] : NULL;
}
