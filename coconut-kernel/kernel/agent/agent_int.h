/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of kernel/agent/ share and nobody else needs: the agent table's internals, the
 * manifest and spawn-request decoders, and the spawn stages as syscalls.c sequences them.
 * Tests include it to reach the pure functions directly.
 */
#ifndef COCONUT_AGENT_INT_H
#define COCONUT_AGENT_INT_H

#include "coconut/agent.h"
#include "coconut/cbor.h"
#include "coconut/errno.h"
#include "coconut/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

CO_STATIC_ASSERT(CO_IS_POW2(CO_AGENTS_MAX),
		 "the agent table maps an AID to its slot with a mask");
CO_STATIC_ASSERT(CO_AGENT_DEPTH_MAX < 255, "a depth fits the walk bounds");
CO_STATIC_ASSERT(COCONUT_STATE_COUNT <= 32, "predecessor sets are u32 masks");

/* ---- kernel.c: agent memory -------------------------------------------------------------- */

/*
 * A zeroed agent from the platform with a cap set store for `caps` caps (sized by
 * co_capset_capacity_for()), or NULL. Never called with the instance lock held.
 */
struct co_agent *co_agent_alloc(struct co_kernel *k, u32 caps);
/* Frees the agent, its cap set store and its ceiling; NULL is a no-op. Never with the lock. */
void co_agent_free(struct co_kernel *k, struct co_agent *a);
/* A store of a cap set of `capacity` entries from the platform (NULL: none), and its free. */
void *co_agent_caps_store_alloc(struct co_kernel *k, u32 capacity);
void co_agent_caps_store_free(struct co_kernel *k, void *store, u32 capacity);
/*
 * Room for `caps` caps in a's set (tests and boot, which hold no lock): grows the store as
 * needed. 0 or -ENOMEM (the set unchanged).
 */
int co_agent_caps_reserve(struct co_kernel *k, struct co_agent *a, u32 caps);

/* ---- table.c ----------------------------------------------------------------------------- */

static inline u32 co_agent_slot(u64 aid)
{
	return (u32)(aid & (CO_AGENTS_MAX - 1));
}

/*
 * The AID the next agent would get: from next_aid on, the first whose slot is free or holds a
 * tombstone (AIDs whose slot still holds a live agent, 2^12 AIDs older, are skipped: they are
 * never handed out). Commits nothing. -ENOSPC when CO_AGENTS_MAX agents are live.
 */
int co_agent_table_reserve(const struct co_kernel *k, u64 *aid);
/*
 * Puts a (a->aid from co_agent_table_reserve, not terminal) into its slot and moves next_aid
 * past it; a tombstone in the slot is taken out into *evicted for the caller to free once the
 * lock is released (else *evicted = NULL).
 */
void co_agent_table_insert(struct co_kernel *k, struct co_agent *a, struct co_agent **evicted);
/* Takes a out of the table (a failed spawn); the caller frees it after unlocking. */
void co_agent_table_remove(struct co_kernel *k, struct co_agent *a);

/* The children registry: add (-ENOSPC when full) and remove (order kept: deterministic). */
int co_agent_child_add(struct co_agent *parent, u64 aid);
void co_agent_child_remove(struct co_agent *parent, u64 aid);

/* ---- tenant.c: what each tenant holds, and its limits (coconut/limits.h) ---------------- */

/* What tenant holds, or NULL when it has no live agent. */
struct co_tenant_use *co_tenant_find(struct co_kernel *k, u32 tenant);
/*
 * Whether one more agent of tenant may be spawned: 0, -EDQUOT (the tenant has
 * cfg.tenant_agents_max live agents), -ENOSPC (it would be tenant CO_TENANTS_MAX + 1).
 */
int co_tenant_admit(struct co_kernel *k, u32 tenant);
/* One more live agent of tenant (admitted under the same lock), one fewer. */
void co_tenant_enter(struct co_kernel *k, u32 tenant);
void co_tenant_leave(struct co_kernel *k, u32 tenant);
/* Whether tenant (live) may take one more extent of size_bytes in tier. */
bool co_tenant_tier_fits(struct co_kernel *k, u32 tenant, u32 tier, u64 size_bytes);
/* Adds extents and bytes (negative: releases) to what tenant holds in tier. */
void co_tenant_tier_charge(struct co_kernel *k, u32 tenant, u32 tier, s64 extents, s64 bytes);

/* ---- state.c ----------------------------------------------------------------------------- */

/* Number of entries of the transition table (for tests that walk it). */
u32 co_agent_transition_count(void);
/* Entry i of the table: from, to; false past the end. */
bool co_agent_transition_at(u32 i, u32 *from, u32 *to);

/* ---- manifest.c: the signed manifest and the spawn request (docs/uapi.md) ----------------- */

/* Manifest keys in canonical (bytewise) order: shorter keys first, then by bytes. */
#define CO_MANIFEST_KEY_V "v"
#define CO_MANIFEST_KEY_CAPS "caps"
#define CO_MANIFEST_KEY_NAME "name"
#define CO_MANIFEST_KEY_TENANT "tenant"
#define CO_MANIFEST_KEY_AUTHORIZER "authorizer"
#define CO_MANIFEST_KEY_CODE_DIGEST "code_digest"
#define CO_MANIFEST_KEYS 6

/* Spawn request keys in canonical order. */
#define CO_SPAWN_KEY_CAP_SET "cap_set"
#define CO_SPAWN_KEY_MANIFEST "manifest"
#define CO_SPAWN_KEY_SIGNATURE "signature"
#define CO_SPAWN_KEYS 3

/* A decoded manifest: pointers into the manifest bytes. */
struct co_manifest {
	const u8 *bytes;	/* the signed bytes */
	size_t len;
	const u8 *authorizer;	/* COCONUT_PUBKEY_SIZE bytes */
	const u8 *code_digest;	/* COCONUT_DIGEST_SIZE bytes */
	const char *name;
	u32 name_len;
	u32 tenant;
	u32 cap_count;
	u32 caps_text_bytes;	/* sum of the caps' text lengths: sizes the ceiling blob */
	struct co_cbor_doc doc;	/* its items (in the caller's scratch) */
	u32 caps_idx;		/* item index of the caps array in doc */
};

/*
 * Decodes and checks a manifest (strict canonical CBOR, exactly the six keys, v == 1, tenant a
 * u32, name 1..CO_AGENT_NAME_BYTES_MAX printable ASCII bytes, caps 0..CO_CAP_SET_CAPS_MAX
 * distinct texts that parse) into *m. items[0..items_cap) is scratch that m->doc refers to.
 * 0, -EBADMSG (not a manifest), -E2BIG (too many items or caps), -ENAMETOOLONG (a name or cap
 * text too long), -EINVAL (a bad name, a cap that does not parse, a duplicate cap).
 */
int co_manifest_decode(const u8 *bytes, size_t len, struct co_cbor_item *items, u32 items_cap,
		       struct co_manifest *m);

/*
 * Inserts a decoded manifest's caps (its items still live) into *ceiling, a set with a store of
 * room for m->cap_count caps (co_capset_capacity_for()).
 */
void co_manifest_ceiling_insert(const struct co_manifest *m, struct co_capset *ceiling);

/*
 * Working memory of one spawn: platform memory, never a stack. The items (20 KiB) are fixed:
 * they are what decoding needs before any size is known. The rest is sized by the decoded
 * request (co_spawn_room_bytes()): the ceiling's store, then the requested caps parsed. Every
 * spawn took 177 KiB when both were sized for CO_CAP_SET_CAPS_MAX (in the module a kvmalloc
 * that falls back to vmalloc when no order-6 block is free); a spawn of 4 caps from a manifest
 * of 4 takes 26 KiB in two blocks now (24 KiB of scratch, 2.4 KiB of room; computed from the
 * sizes), a 256-cap one what every spawn took.
 */
struct co_spawn_scratch {
	struct co_cbor_item items[CO_SPAWN_REQUEST_ITEMS_MAX];
	struct co_capset ceiling;	/* the manifest's caps, indexed: its store in room */
	struct co_cap *caps;		/* the requested caps, parsed: [cap_count], in room */
	void *room;			/* co_spawn_room_bytes() of platform memory, or NULL */
};

struct co_spawn_request {
	struct co_manifest manifest;
	const u8 *signature;	/* COCONUT_SIGNATURE_SIZE bytes */
	u32 cap_count;		/* requested caps, in scratch->caps once room is filled */
	u32 caps_idx;		/* item index of the requested caps' array in doc */
	struct co_cbor_doc doc;	/* the request's items (the manifest's follow them) */
};

/*
 * Stage 1: decodes and checks the request {"cap_set", "manifest", "signature"} and the
 * manifest inside it into *out and s->items (the caps are checked, not yet kept: see
 * co_spawn_room_fill()). Errors as co_manifest_decode(), plus -EBADMSG for a request that is
 * not exactly that map.
 */
int co_spawn_request_decode(const u8 *req, size_t len, struct co_spawn_scratch *s,
			    struct co_spawn_request *out);

/* Bytes of room a decoded request needs: its ceiling's store, then its caps. */
size_t co_spawn_room_bytes(const struct co_spawn_request *req);

/*
 * Moves room (co_spawn_room_bytes(req) bytes, 8-byte aligned) into s: fills the ceiling with
 * the manifest's caps and parses the requested ones (both checked by the decode: no error).
 */
void co_spawn_room_fill(struct co_spawn_scratch *s, const struct co_spawn_request *req,
			void *room);

/*
 * Writes the manifest's caps, each followed by '\n', into blob[0..blob_len) (exactly
 * m->caps_text_bytes + m->cap_count bytes), from the items it was decoded into (still live).
 */
void co_manifest_ceiling_write(const struct co_manifest *m, char *blob, u32 blob_len);

/*
 * Parses a '\n'-separated list of canonical cap texts (no empty entry, no trailing '\n'),
 * calling fn on each (stopping at its first non-zero answer, which is returned). 0, -EINVAL
 * (an empty entry or a text that does not parse), -ENAMETOOLONG (a text over the limit),
 * -E2BIG (over CO_CAP_SET_CAPS_MAX entries), or fn's error.
 */
int co_cap_list_parse(const char *text, size_t len,
		      int (*fn)(void *ctx, const struct co_cap *cap, const char *text, u32 len),
		      void *ctx);

/* ---- spawn.c: the six stages, sequenced by co_sys_agent_spawn() --------------------------- */

struct co_spawn_ctx {
	struct co_spawn_scratch *scratch;
	struct co_agent *child;		/* ours until commit puts it in the table */
	struct co_agent *evicted;	/* a tombstone that made room: freed by release */
	struct co_spawn_request req;
	const u8 *req_bytes;
	size_t req_len;
};

/* No lock: allocates the scratch and the child, decodes (stage 1). 0 or -errno. */
int co_spawn_prepare(struct co_kernel *k, const u8 *req, size_t len, struct co_spawn_ctx *ctx);
/* Lock held: the caller is live (-ESRCH/-ESTALE), the authorizer trusted (-ENOKEY). */
int co_spawn_check_caller(struct co_kernel *k, u64 caller, struct co_spawn_ctx *ctx);
/*
 * No lock: stage 2: the signature over the manifest verifies under its authorizer
 * (-EKEYREJECTED), then the requested caps are within the manifest's (-EACCES).
 */
int co_spawn_verify(struct co_spawn_ctx *ctx);
/* Lock held: stages 3-6 (see spawn.c). The new AID, or -errno with nothing left behind. */
s64 co_spawn_commit(struct co_kernel *k, u64 caller, struct co_spawn_ctx *ctx);
/* No lock: frees whatever the spawn still owns. */
void co_spawn_release(struct co_kernel *k, struct co_spawn_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_AGENT_INT_H */
