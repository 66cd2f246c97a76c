/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an agent consumes and what it shows (kernel/agent/): budgets per kind (quota.c), memory
 * from the HBM, RAM and SSD tiers charged to those budgets (tier.c), and agentfs, the plain-text
 * files of /agent/live/<aid>/ rendered by the same C in the module and in the simulator
 * (agentfs.c; the formats are in docs/agentfs.md).
 *
 * Every function is called with the instance lock held (coconut/kernel.h) and none allocates.
 * Events follow coconut/lsm.h's rule: an effect is never without its audit event, and -EBUSY
 * means the audit ring is full and nothing changed (seal, then call again).
 */
#ifndef COCONUT_RESOURCES_H
#define COCONUT_RESOURCES_H

#include "coconut/agent.h"
#include "coconut/audit.h"
#include "coconut/cbor.h"
#include "coconut/compiler.h"
#include "coconut/limits.h"
#include "uapi/linux/coconut.h"

#ifdef __cplusplus
extern "C" {
#endif

struct co_kernel;

/* ---- Quotas (kernel/agent/quota.c) --------------------------------------------------------- */

/* "cpu", "mem", "hbm", "net", "tokens", "pcie", "membw"; NULL for a value that is no quota kind. */
const char *co_quota_kind_name(u32 kind);

/*
 * Sets a's budget of kind (0: unlimited) and whether going over it blocks (COCONUT_QUOTA_BLOCK)
 * or fails; COCONUT_QUOTA_SET may be given and is implied. A budget below what is used already
 * is allowed: the next charge fails or blocks. One QUOTA event (aid = a, arg = the budget,
 * object digest = BLAKE3 of the kind's name, result 0). If a waits on this kind (blocked) and
 * its waiting charge now fits (or the kind no longer blocks), it stops waiting, and a that
 * waits on no kind goes from Inference-blocked back to Active.
 * membw is a rate (bytes/s), the most a's streams may take from host memory under every
 * policy (co_sched_throttle enforces it): it is never charged, so it cannot block.
 * 0; -EINVAL (kind, unknown flags, BLOCK on membw); -ESTALE (a terminated); -EBUSY (audit ring
 * full).
 */
int co_quota_set(struct co_kernel *k, struct co_agent *a, u32 kind, u64 budget, u32 flags);

/* Whether amount more fits q: no budget, or used + amount <= budget (without overflow). */
static inline bool co_quota_fits(const struct co_quota *q, u64 amount)
{
	return q->budget == 0 || (q->used <= q->budget && amount <= q->budget - q->used);
}

/* Copies a's quota of kind into *out. 0 or -EINVAL (kind). */
int co_quota_get(struct co_kernel *k, const struct co_agent *a, u32 kind, struct co_quota *out);

/*
 * Charges amount to a's kind. 0 when it fits (used + amount <= budget, or no budget). Over
 * budget: -EDQUOT (nothing charged), or with COCONUT_QUOTA_BLOCK -EAGAIN: nothing charged, the
 * charge is remembered as waiting (struct co_quota.waiting) and a goes from Active to
 * Inference-blocked; raising the budget or releasing usage so that it fits moves a back
 * (co_quota_set, co_quota_release). -EINVAL (kind, or membw: a rate), -ESTALE (a terminated). No audit event: a
 * charge is accounting on the hot path; the state transitions are audited (STATE).
 */
int co_quota_charge(struct co_kernel *k, struct co_agent *a, u32 kind, u64 amount);

/* Un-charges amount (down to 0) and unblocks a as co_quota_set() does. */
void co_quota_release(struct co_kernel *k, struct co_agent *a, u32 kind, u64 amount);

/* ---- Memory tiers (kernel/agent/tier.c) ---------------------------------------------------- */

/* "hbm", "ram", "ssd"; NULL for a value that is no tier. */
const char *co_tier_name(u32 tier);

/*
 * Synthetic addresses: tier t's pool starts at its CO_TIER_BASE_* (coconut/kernel.h) and spans at
 * most CO_TIER_SPAN_BYTES, the distance between two bases (a configured capacity beyond that is
 * clamped to it), so the ranges never overlap and the simulator and the module return the same
 * numbers for the same calls. Allocations are rounded up to CO_TIER_ALIGN_BYTES (a page): that
 * is what is charged and what co_tier_alloc() hands out.
 */
#define CO_TIER_SPAN_BYTES (1ull << 44)
#define CO_TIER_ALIGN_BYTES 4096ull

/*
 * First fit in tier's pool: the lowest free range of the rounded size. Charged to a's budget
 * (hbm: COCONUT_QUOTA_HBM, ram and ssd: COCONUT_QUOTA_MEM; never blocking: over budget is
 * -EDQUOT whatever the quota's BLOCK flag, as an allocation cannot wait in the call). One
 * MEM_TIER event (aid = a, arg = the address or 0, object digest = BLAKE3 of the tier's name,
 * result) for a success, -EDQUOT and -ENOMEM. The mem.tier LSM check is the caller's.
 * 0 and *addr; -EINVAL (size 0, unknown tier), -ESTALE (a terminated), -EDQUOT (a's budget,
 * then its tenant's limits: cfg.tenant_extents_max extents and tenant_tier_percent of the
 * tier's bytes, kernel/agent/tenant.c), -ENOMEM (no free range or all CO_TIER_EXTENTS_MAX
 * extents in use), -EBUSY (audit ring full).
 */
int co_tier_alloc(struct co_kernel *k, struct co_agent *a, u32 tier, u64 size_bytes, u64 *addr);

/* Frees every extent of a in every tier and un-charges it (on exit). No event. */
void co_tier_release_agent(struct co_kernel *k, struct co_agent *a);

/* ---- agentfs (kernel/agent/agentfs.c) ------------------------------------------------------ */

enum co_agentfs_file {
	CO_AGENTFS_STATUS,
	CO_AGENTFS_CAPS,
	CO_AGENTFS_ATTESTATION,
	CO_AGENTFS_AUDIT_TAIL,
	CO_AGENTFS_BUDGET,
	CO_AGENTFS_CHILDREN,
	CO_AGENTFS_FILE_COUNT
};

/* "status", "caps", "attestation", "audit_tail", "budget", "children"; NULL past the last. */
const char *co_agentfs_file_name(enum co_agentfs_file f);

/*
 * Renders /agent/live/<aid>/<f> into buf[0..len): plain text, one `key: value` a line, each
 * ending in '\n', no NUL (docs/agentfs.md). A terminated agent still in the table renders
 * (its status shows how it ended). Returns the bytes written; -ESRCH (no such agent, AID 0),
 * -EINVAL (f), -EMSGSIZE (buf too small: the content of buf is then unspecified).
 */
int co_agentfs_render(struct co_kernel *k, u64 aid, enum co_agentfs_file f, char *buf, size_t len);

/*
 * The audit tail's working memory, kept in the instance (struct co_kernel.agentfs) because
 * rendering runs under the instance lock, where nothing may be allocated: one page of a chain
 * segment (CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX records), its decoded items, and the last events.
 */
#define CO_AGENTFS_PAGE_BYTES (64u + CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX * \
			       (8u + CO_AUDIT_EVENT_ENC_BYTES_MAX + 2u * (2u + COCONUT_DIGEST_SIZE)))
#define CO_AGENTFS_PAGE_ITEMS (16u + CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX * CO_AUDIT_RECORD_ITEMS)

struct co_agentfs_scratch {
	u8 page[CO_AGENTFS_PAGE_BYTES];
	struct co_cbor_item items[CO_AGENTFS_PAGE_ITEMS];
	struct co_audit_event tail[CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX];
};

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_RESOURCES_H */
