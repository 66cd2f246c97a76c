// SPDX-License-Identifier: GPL-2.0
/*
 * Tokens of pending operations (queued DMA, queued inference, pending I/O): an operation that
 * was allowed when it started but finishes later must not finish once its cap is revoked.
 *
 * A token is (sequence << 12) | slot: the slot makes complete() one lookup, the sequence makes
 * tokens increase with every begin and never repeat (2^52 begins), so a stale token (completed,
 * or from a freed slot now reused) names no entry. Whether an operation may complete is asked
 * twice: revocation marks the entries of the caps it removed, and complete() checks again that
 * the authorising cap is still in the set and the agent may still act, so no path that takes
 * a cap away (revoke, exit, quarantine) can be missed.
 *
 * Revocation finds a removed cap's entries through an index: every live entry is on the chain
 * of its (agent, cap handle) pair's hash, so a revoke costs the operations it cancels (and the
 * few of other pairs on the same chain), not a pass over all CO_INFLIGHT_MAX slots per call.
 */
#include "lsm_int.h"

#define CO_INFLIGHT_SLOT_BITS 12u
#define CO_INFLIGHT_SLOT_MASK (CO_INFLIGHT_MAX - 1u)
/* Sequences stay below this, so a token never overflows a u64. */
#define CO_INFLIGHT_SEQ_MAX (1ull << (64 - CO_INFLIGHT_SLOT_BITS))

CO_STATIC_ASSERT((1u << CO_INFLIGHT_SLOT_BITS) == CO_INFLIGHT_MAX,
		 "a token carries its slot in its low bits");
CO_STATIC_ASSERT(CO_INFLIGHT_MAX <= CO_INFLIGHT_NONE, "slots fit a chain link");

/* The chain of (aid, handle): a fixed multiply-xorshift, no seed (the same on every machine). */
static u32 co_inflight_chain(u64 aid, u32 handle)
{
	u64 h = (aid ^ ((u64)handle << 32 | handle)) * 0x9e3779b97f4a7c15ull;

	return (u32)(h >> (64 - CO_INFLIGHT_SLOT_BITS));
}

static void co_inflight_link(struct co_kernel *k, u32 slot)
{
	struct co_inflight *f = &k->inflight[slot];
	u16 *head = &k->inflight_by_cap[co_inflight_chain(f->aid, f->cap_handle)];

	f->prev = CO_INFLIGHT_NONE;
	f->next = *head;
	if (*head != CO_INFLIGHT_NONE)
		k->inflight[*head].prev = (u16)slot;
	*head = (u16)slot;
}

static void co_inflight_unlink(struct co_kernel *k, u32 slot)
{
	struct co_inflight *f = &k->inflight[slot];

	if (f->prev != CO_INFLIGHT_NONE)
		k->inflight[f->prev].next = f->next;
	else
		k->inflight_by_cap[co_inflight_chain(f->aid, f->cap_handle)] = f->next;
	if (f->next != CO_INFLIGHT_NONE)
		k->inflight[f->next].prev = f->prev;
}

/* Whether the operation's agent still holds its cap and may act. */
static bool co_inflight_authorised(struct co_kernel *k, const struct co_inflight *f)
{
	const struct co_agent *a;
	int err;

	a = co_agent_lookup(k, f->aid, &err);
	return a && co_lsm_may_act(a->state) && co_capset_get(&a->caps, f->cap_handle) != NULL;
}

/*
 * COCONUT_PLANT_REVOKE_SKIPS_DMA plants a bug for the whole-system property suite to catch
 * (harness/props/CMakeLists.txt builds it into a test binary only; no product build defines
 * it): a revoke leaves pending DMA and GPU work alone, which then completes successfully.
 */
#ifdef COCONUT_PLANT_REVOKE_SKIPS_DMA
#define co_plant_skips(f) ((f)->kind == COCONUT_CAP_GPU)
#else
#define co_plant_skips(f) false
#endif

int co_inflight_begin(struct co_kernel *k, struct co_agent *a, u32 kind, const char *object,
		      size_t len, u64 *token)
{
	struct co_inflight *f;
	u32 handle, start, slot, i;
	int err;

	CO_ASSERT(token != NULL);
	*token = 0;
	CO_ASSERT(k->inflight_live <= CO_INFLIGHT_MAX);
	/* Before the decision: an allow that could not be tracked would be an allow for nothing. */
	if (k->inflight_live == CO_INFLIGHT_MAX) {
		co_probe_hit(&k->probes, CO_PROBE_INFLIGHT_FULL);
		return -ENOSPC;
	}
	err = co_lsm_check(k, a, kind, object, len, &handle);
	if (err)
		return err;

	CO_ASSERT(k->next_token + 1 < CO_INFLIGHT_SEQ_MAX);
	k->next_token++;
	/* Start where the sequence points: slots are reused round-robin, not the first free. */
	start = (u32)k->next_token & CO_INFLIGHT_SLOT_MASK;
	for (i = 0; i < CO_INFLIGHT_MAX; i++) {
		slot = (start + i) & CO_INFLIGHT_SLOT_MASK;
		if (k->inflight[slot].token == 0)
			break;
	}
	CO_ASSERT(i < CO_INFLIGHT_MAX);
	f = &k->inflight[slot];
	f->token = (k->next_token << CO_INFLIGHT_SLOT_BITS) | slot;
	f->aid = a->aid;
	f->cap_handle = handle;
	f->kind = kind;
	f->revoked = false;
	co_inflight_link(k, slot);
	k->inflight_live++;
	*token = f->token;
	return 0;
}

/* The pending entry a token names, or NULL: its slot is in its low bits, one lookup. */
static struct co_inflight *co_inflight_entry(const struct co_kernel *k, u64 token)
{
	const struct co_inflight *f = &k->inflight[token & CO_INFLIGHT_SLOT_MASK];

	return token != 0 && f->token == token ? (struct co_inflight *)f : NULL;
}

int co_inflight_complete(struct co_kernel *k, u64 token)
{
	struct co_inflight *f = co_inflight_entry(k, token);
	bool ok;

	if (!f)
		return -ENOENT;
	ok = co_plant_skips(f) || (!f->revoked && co_inflight_authorised(k, f));
	co_inflight_unlink(k, (u32)(token & CO_INFLIGHT_SLOT_MASK));
	co_memset(f, 0, sizeof(*f));
	CO_ASSERT(k->inflight_live > 0);
	k->inflight_live--;
	if (!ok)
		co_probe_hit(&k->probes, CO_PROBE_COMPLETE_REVOKED);
	return ok ? 0 : -ECAPABILITY;
}

void co_inflight_drop_agent(struct co_kernel *k, u64 aid)
{
	u32 i;

	if (aid == COCONUT_AID_NONE || k->inflight_live == 0)
		return;
	for (i = 0; i < CO_INFLIGHT_MAX; i++) {
		if (k->inflight[i].token != 0 && k->inflight[i].aid == aid) {
			k->inflight[i].revoked = true;
			co_probe_hit(&k->probes, CO_PROBE_INFLIGHT_MARKED);
		}
	}
}

u32 co_inflight_pending(const struct co_kernel *k, u64 aid)
{
	u32 i, n = 0;

	if (k->inflight_live == 0)
		return 0;
	for (i = 0; i < CO_INFLIGHT_MAX; i++) {
		if (k->inflight[i].token != 0 && (aid == COCONUT_AID_NONE || k->inflight[i].aid == aid))
			n++;
	}
	CO_ASSERT(n <= k->inflight_live);
	return n;
}

void co_inflight_revoke_cap(struct co_kernel *k, u64 aid, u32 handle)
{
	struct co_inflight *f;
	u32 slot, n;

	slot = k->inflight_by_cap[co_inflight_chain(aid, handle)];
	/* A chain holds live entries only, each once: at most CO_INFLIGHT_MAX links. */
	for (n = 0; slot != CO_INFLIGHT_NONE && n < CO_INFLIGHT_MAX; n++, slot = f->next) {
		CO_ASSERT(slot < CO_INFLIGHT_MAX);
		f = &k->inflight[slot];
		CO_ASSERT(f->token != 0);
		if (f->aid == aid && f->cap_handle == handle && !f->revoked && !co_plant_skips(f)) {
			f->revoked = true;
			co_probe_hit(&k->probes, CO_PROBE_INFLIGHT_MARKED);
		}
	}
}

int co_inflight_get(const struct co_kernel *k, u64 token, u64 *aid, bool *revoked, char *cap,
		    size_t cap_size, u16 *cap_len)
{
	const struct co_inflight *f = co_inflight_entry(k, token);
	const struct co_capset_entry *e;
	const struct co_agent *a;

	*cap_len = 0;
	if (!f)
		return -ENOENT;
	*aid = f->aid;
	*revoked = f->revoked;
	a = co_agent_find(k, f->aid);
	e = a ? co_capset_get(&a->caps, f->cap_handle) : NULL;
	if (e && cap && cap_size)
		*cap_len = (u16)co_cap_format(&e->cap, cap, cap_size);
	return 0;
}
