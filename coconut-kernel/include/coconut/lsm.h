/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The LSM decision layer (security/coconut/): the one place an agent's operation is allowed or
 * denied, capability grant and revocation (with the cascade to descendants), and the tokens of
 * operations still in flight when a capability is revoked. docs/lsm.md describes the rules.
 *
 *   lsm.c       co_lsm_check(): present() on the agent's set, one audit event, the counters and
 *               the Active <-> Capability-denied transitions
 *   grant.c     co_cap_grant(): all-or-nothing, caller's cap.grant and the parent's narrowing
 *   revoke.c    co_cap_revoke(): the cap, every cap derived from it below, and their tokens
 *   inflight.c  the table of pending operations (struct co_inflight in coconut/kernel.h)
 *
 * Every function here is called with the instance lock held (coconut/kernel.h) and takes agents
 * the caller looked up under it. None allocates; co_lsm_check() is the hot path.
 *
 * Audit backpressure. The chain never drops an event, and a full per-CPU ring refuses an append
 * with -EBUSY. An operation here produces its events before (or with) its effect and never an
 * effect without its event, so -EBUSY from any function below means "audit ring full: nothing
 * was decided, seal and call again" (co_cap_revoke() is the one exception, documented there).
 * co_lsm_check() answering -EBUSY is not a decision: no event, no counter, no transition, and
 * the operation must not proceed. The instance lock is never held across a seal (the sealer
 * writes the TPM), so the retry belongs to the caller that can drop it.
 *
 * Derivation. Each cap of an agent below root carries derived_from = the handle of the cap of
 * its parent that covered it when it was bound (at spawn or by a grant), and origin = the grant
 * id that added it (0 for caps bound at spawn or boot). Revocation follows these links; a cap
 * whose link names no live cap of the parent is never produced (grant and spawn take a live
 * covering cap, and revoke removes a derived cap no later than the cap it derives from).
 */
#ifndef COCONUT_LSM_H
#define COCONUT_LSM_H

#include "coconut/compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

struct co_kernel;
struct co_agent;

/*
 * One LSM decision: whether agent a holds a cap matching the concrete object[0..len) of kind
 * (enum coconut_cap_kind; for cap.grant the object is a capability text, allowed when a
 * cap.grant of a covers it). Exactly one audit event, CAP_ALLOW (cap = the covering cap's text,
 * result 0) or CAP_DENY (cap = the kind's name, or empty for an unknown kind; result
 * -ECAPABILITY), aid = a's AID, object digest = BLAKE3(object[0..len)) (zeros when len is 0),
 * and one count in k->lsm_allows or k->lsm_denies. Quarantined and terminated agents are
 * always denied; an unknown kind, a malformed object (or object NULL with len > 0) is a deny,
 * never a crash. State: a deny moves an agent from Active to Capability-denied, an allow moves
 * it back (co_agent_note_decision(), the state machine's rule).
 * Returns 0 and sets *cap_handle (may be NULL) to the covering cap's handle in a's set;
 * -ECAPABILITY (*cap_handle = CO_CAP_HANDLE_NONE); -EBUSY: the audit ring is full (above).
 */
int co_lsm_check(struct co_kernel *k, struct co_agent *a, u32 kind, const char *object, size_t len,
		 u32 *cap_handle);

/*
 * Whether n more audit events fit the calling CPU's ring now, for operations that append
 * several events or none (grant, quota, tier): 0; -EBUSY (not now: sealing is not inline or
 * the sealer is stalled); -ENOSPC (never: more than a ring holds). With inline sealing it seals
 * first when needed, as co_kernel_audit() does. It asks this CPU's ring only (other CPUs' events
 * never take its slots), and 0 is a guarantee while the instance lock is held (no other producer
 * appends to this CPU's ring meanwhile).
 */
int co_lsm_audit_room(struct co_kernel *k, u32 n);

/*
 * Memory a grant may need (cap sets are sized by what they hold: coconut/limits.h), allocated
 * by the caller without the instance lock, which the module's spinlock forbids allocating
 * under. In: a cap set store of `capacity` entries, or NULL. Out, after a grant that grew the
 * target's set: the set's old store, which the caller frees once unlocked.
 */
struct co_grant_room {
	void *store;
	u32 capacity;
	u32 want;	/* with CO_GRANT_NEEDS_ROOM: the capacity the target's set needs */
};

/* co_cap_grant(): nothing was decided or changed; allocate room.want entries and call again. */
#define CO_GRANT_NEEDS_ROOM 1

/*
 * Grants caps[0..len): one or more canonical capability texts separated by '\n' (no empty
 * line, no trailing '\n': the format of root_caps), all or nothing, to target, which is the
 * caller or one of its descendants and is not root (else -EPERM, not audited). For each cap:
 *  - caller holds a cap.grant covering it: an LSM decision of the caller, audited as
 *    co_lsm_check() of kind cap.grant with the cap's text as object;
 *  - target's parent holds a cap covering it (narrowing), and target's ceiling (its manifest's
 *    caps) covers it; a refusal here is one GRANT event with result -ECAPABILITY naming the
 *    first cap refused.
 * Each granted cap gets derived_from = the parent's covering cap's handle, origin = the call's
 * grant id (1, 2, ...; 0 marks caps bound at spawn or boot), and one GRANT event (aid = caller,
 * arg = target's AID, cap = its text, result 0). A cap target already holds is added again
 * (sets are multisets: each copy follows its own derivation when revoked).
 * Errors, with nothing granted: -EINVAL (empty text or line, a trailing '\n', a line that does
 * not parse), -E2BIG (more than CO_GRANT_CAPS_MAX lines), -ENAMETOOLONG (a line over
 * CO_CAP_TEXT_BYTES_MAX), -ESTALE (target terminated),
 * -EPERM (target outside the caller's subtree, root, quarantined, or its parent gone), -ENOSPC (target's set cannot take them
 * all, or the batch needs more audit events than one ring holds, 2n + 2 > ring slots: split
 * it), -ECAPABILITY (a denied decision, a cap the parent or the ceiling does not cover),
 * -EBUSY (audit ring full now; nothing decided), or CO_GRANT_NEEDS_ROOM (above; checked after
 * everything that answers without an audit event, before the first decision).
 */
int co_cap_grant(struct co_kernel *k, struct co_agent *caller, struct co_agent *target,
		 const char *caps, size_t len, struct co_grant_room *room);

/*
 * Revokes cap[0..len) (one canonical text) from target: removes every cap of target equal to it
 * and, transitively, every cap of target's descendants whose derived_from chain leads to a
 * removed cap (and only those: a cap held twice through two grants keeps the copy derived from
 * a cap that stays). Every in-flight operation authorised by a removed cap is marked revoked:
 * completing it returns -ECAPABILITY. When it returns 0, no removed cap authorises anything.
 * Authority: target is the caller or one of its descendants, and not root (else -EPERM, not
 * audited: root's caps are where every derivation starts, so revoking one would cascade into
 * every tenant). A strict ancestor that is neither quarantined nor terminated needs nothing
 * more; the target itself needs a cap.grant covering cap (an audited LSM decision).
 * One REVOKE event per removed cap (aid = caller, arg = the owner's AID, cap = its text).
 * An agent left without caps is not terminated: what it may still do is nothing, which the LSM
 * already enforces, and whether to end it is policy (the simulator's scenarios decide).
 * Errors: -EINVAL, -ENAMETOOLONG (the text), -ESTALE (target terminated), -EPERM (root, or
 * outside the caller's subtree), -ECAPABILITY (not authorised), -ENOENT (target holds no such cap), -EBUSY: the audit ring filled part way,
 * -EAGAIN: CO_REVOKE_REMOVALS_MAX caps were removed and more are doomed (coconut/limits.h).
 * Then the revocation is partly applied, deepest descendants first (so what stays is still a
 * consistent derivation tree and the target's own cap is removed last), every removed cap was
 * audited and its tokens are revoked: seal and call again to finish. The walk skips the
 * subtree of a descendant that holds no doomed cap (none below it can: every link of a doomed
 * cap's derivation is a doomed cap of an ancestor).
 */
int co_cap_revoke(struct co_kernel *k, struct co_agent *caller, struct co_agent *target,
		  const char *cap, size_t len);

/*
 * Pending operations (queued DMA, queued inference, pending I/O): begin is co_lsm_check() plus
 * a token naming the authorising cap; complete answers whether the operation may finish.
 *
 * co_inflight_begin: 0 and *token (never 0); -ENOSPC when CO_INFLIGHT_MAX operations are pending
 * (checked before the decision: nothing audited); else what co_lsm_check() returns.
 * co_inflight_complete: 0, or -ECAPABILITY when the authorising cap was revoked or the agent
 * exited, was quarantined or terminated meanwhile; -ENOENT for an unknown token. The entry is
 * freed either way (a token completes once).
 * co_inflight_drop_agent: on exit, marks every pending operation of aid failed.
 * co_inflight_pending: operations of aid not yet completed (aid 0: all), revoked ones included.
 */
int co_inflight_begin(struct co_kernel *k, struct co_agent *a, u32 kind, const char *object,
		      size_t len, u64 *token);
int co_inflight_complete(struct co_kernel *k, u64 token);
void co_inflight_drop_agent(struct co_kernel *k, u64 aid);
u32 co_inflight_pending(const struct co_kernel *k, u64 aid);
/*
 * A pending operation as it stands, for callers outside the kernel that must not read its
 * table (the simulator's engine): 0 with *aid, *revoked, and the canonical text of the cap that
 * authorised it in cap[0..*cap_len) (*cap_len 0 when that cap is gone, or cap NULL / cap_size
 * 0: not asked); -ENOENT for a token that is not pending. Lock held.
 */
int co_inflight_get(const struct co_kernel *k, u64 token, u64 *aid, bool *revoked, char *cap,
		    size_t cap_size, u16 *cap_len);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_LSM_H */
