/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An agent: a kernel object with an AID, a state, a capability set bound at spawn (narrowed
 * from its parent's), an attestation record, budgets and a child registry.
 */
#ifndef COCONUT_AGENT_H
#define COCONUT_AGENT_H

#include "coconut/cap.h"
#include "coconut/compiler.h"
#include "coconut/limits.h"
#include "uapi/linux/coconut.h"

#ifdef __cplusplus
extern "C" {
#endif

struct co_kernel;

/* What agent_attest returns, one link per ancestor up to root. */
struct co_attest_record {
	u8 code_digest[COCONUT_DIGEST_SIZE];	 /* the running code, from the manifest */
	u8 manifest_digest[COCONUT_DIGEST_SIZE]; /* BLAKE3 of the signed manifest bytes */
	u8 authorizer_key[COCONUT_PUBKEY_SIZE];	 /* the key that signed it */
	u8 signature[COCONUT_SIGNATURE_SIZE];
};

struct co_quota {
	u64 budget;	/* 0 = unlimited */
	u64 used;
	bool block;	/* over budget blocks (Inference-blocked) instead of -EDQUOT */
	/* The charge that blocked and waits to fit (0: none); kernel/agent/quota.c, which moves
	 * the agent back to Active once every waiting charge of it fits. */
	u64 waiting;
};

struct co_agent {
	u64 aid;
	u64 parent_aid;		/* 0 for root */
	u32 tenant;		/* from the manifest: the fair-share group */
	u8 state;		/* enum coconut_agent_state; changed only by co_agent_transition() */
	u8 prev_state;
	char name[CO_AGENT_NAME_BYTES_MAX + 1];
	struct co_attest_record attest;
	struct co_quota quota[COCONUT_QUOTA_KIND_COUNT];
	u64 children[CO_AGENT_CHILDREN_MAX];	/* live children's AIDs */
	u32 child_count;
	u64 spawned_ns;
	u64 exited_ns;		/* when it went terminal; 0 while live */
	u32 depth;		/* ancestors: 0 for root, at most CO_AGENT_DEPTH_MAX */
	u32 flags;		/* CO_AGENT_F_*: what the state machine's guards check */
	/* Audited failures it made (kernel.c, co_kernel_audit): taken from a full bucket of
	 * cfg.fail_burst (0: full at allocation), refilled from fail_ns on. */
	u32 fail_used;
	u64 fail_ns;
	/*
	 * The manifest's caps: the most this agent may ever hold (spawn and grants stay within
	 * it). Canonical texts, each followed by '\n'; platform memory owned by the agent.
	 */
	char *ceiling;
	u32 ceiling_len;	/* bytes */
	u32 ceiling_count;	/* caps */
	struct co_capset caps;	/* last: it is large (see cap.h) */
};

/* Flags of struct co_agent. */
#define CO_AGENT_F_VERIFIED (1u << 0)	/* its manifest's signature verified (root: by birth) */
#define CO_AGENT_F_REGISTERED (1u << 1)	/* the scheduler was told (on_agent_ready) */

/*
 * Whether the ceiling (the manifest's caps) covers *cap: some manifest cap covers it. Parses
 * the ceiling texts one by one (at most CO_CAP_SET_CAPS_MAX): for grants, not for hot paths.
 */
bool co_agent_ceiling_covers(const struct co_agent *a, const struct co_cap *cap);

/*
 * The state machine (kernel/agent/state.c): one table of allowed (from -> to) transitions with a
 * guard each, enforced on every change; terminal states absorb. Returns 0 or -EINVAL for a
 * forbidden transition (never applied). Every applied transition appends one STATE audit event
 * (arg = from << 8 | to).
 */
int co_agent_transition(struct co_kernel *k, struct co_agent *a, u32 to);
bool co_agent_transition_allowed(u32 from, u32 to);
const char *co_agent_state_name(u32 state);
/* Bit s set: (s -> to) is in the table. Derived from the table, never written down twice. */
u32 co_agent_state_predecessors(u32 to);
/*
 * The Capability-denied rule, for whoever makes an LSM decision about a: a deny moves an
 * Active agent to Capability-denied; an allow moves a Capability-denied agent back to Active.
 * Other states are left alone (a blocked or quarantined agent stays so). 0 or the error of
 * co_agent_transition() (-EBUSY from the audit chain).
 */
int co_agent_note_decision(struct co_kernel *k, struct co_agent *a, bool allowed);
static inline bool co_agent_state_terminal(u32 state)
{
	return state == COCONUT_STATE_TERMINATED_CLEAN || state == COCONUT_STATE_TERMINATED_REVOKED;
}

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_AGENT_H */
