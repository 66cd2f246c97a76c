// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall layer (coconut/syscalls.h): the only place raw call arguments arrive. Each call
 * checks every field of its arguments first (no state needed), then, under the instance lock,
 * the caller, the target, the identity rules and the capability decisions, in the order
 * coconut/syscalls.h gives, and only then calls the pure functions that do the work, which
 * never see an unchecked argument. docs/uapi.md lists every errno of every call.
 *
 * Identity rules (not capability decisions, so not audited; -EPERM):
 *   attest, quota query, cap_present, memory_tier: the caller is the agent or an ancestor
 *     (attest also lets a caller holding audit.query through: an audited LSM decision);
 *   quota set: the caller is a strict ancestor (nobody raises its own budget);
 *   quota set and memory_tier for another agent: the caller is not quarantined (a quarantined
 *     agent keeps reading, but changes nothing; acting on itself, the LSM denies it);
 *   grant and revoke: co_cap_grant / co_cap_revoke decide (coconut/lsm.h);
 *   exit: the caller itself, or a strict ancestor that is not quarantined (a kill); never root.
 */
#include "coconut/attest.h"
#include "coconut/calls.h" /* its checks: every syscall is in the one list of calls */
#include "coconut/lsm.h"
#include "coconut/resources.h"
#include "coconut/syscalls.h"

#include "agent_int.h"

CO_STATIC_ASSERT(sizeof(struct coconut_audit_filter) == COCONUT_AUDIT_FILTER_SIZE_VER0,
		 "the audit filter's published size");
CO_STATIC_ASSERT(sizeof(struct coconut_spawn_args) == COCONUT_SPAWN_ARGS_SIZE_VER0, "uapi size");
CO_STATIC_ASSERT(sizeof(struct coconut_attest_args) == COCONUT_ATTEST_ARGS_SIZE_VER0, "uapi size");
CO_STATIC_ASSERT(sizeof(struct coconut_quota_args) == COCONUT_QUOTA_ARGS_SIZE_VER0, "uapi size");
CO_STATIC_ASSERT(sizeof(struct coconut_cap_args) == COCONUT_CAP_ARGS_SIZE_VER0, "uapi size");
CO_STATIC_ASSERT(sizeof(struct coconut_cap_present_args) == COCONUT_CAP_PRESENT_ARGS_SIZE_VER0,
		 "uapi size");
CO_STATIC_ASSERT(sizeof(struct coconut_audit_query_args) == COCONUT_AUDIT_QUERY_ARGS_SIZE_VER0,
		 "uapi size");
CO_STATIC_ASSERT(sizeof(struct coconut_memory_tier_args) == COCONUT_MEMORY_TIER_ARGS_SIZE_VER1,
		 "uapi size");
CO_STATIC_ASSERT(sizeof(struct coconut_exit_args) == COCONUT_EXIT_ARGS_SIZE_VER0, "uapi size");
CO_STATIC_ASSERT(CO_TIER_BASE_SSD + CO_TIER_SPAN_BYTES < (1ull << 63),
		 "every tier address is a positive s64");

#define CO_QUOTA_FLAGS_KNOWN (COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK)

/* A buffer argument: NULL with a length is -EFAULT, no length where data is due -EINVAL. */
static int co_sys_buffer(const void *p, size_t len)
{
	if (!p && len)
		return -EFAULT;
	return len ? 0 : -EINVAL;
}

static bool co_sys_has_newline(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\n')
			return true;
	return false;
}

/* Steps 2 and 3: the caller, then the target, both live. Lock held. */
static int co_sys_agents(struct co_kernel *k, u64 caller, u64 aid, struct co_agent **c,
			 struct co_agent **t)
{
	int err;

	*t = NULL;
	*c = co_agent_lookup(k, caller, &err);
	if (!*c)
		return err;
	*t = co_agent_lookup(k, aid, &err);
	return *t ? 0 : err;
}

/* Ends every call: the lock goes, then the rings are sealed (cfg.seal_inline). */
static s64 co_sys_done(struct co_kernel *k, s64 ret)
{
	co_kernel_unlock(k);
	co_kernel_seal(k);
	return ret;
}

s64 co_sys_agent_spawn(struct co_kernel *k, u64 caller, const u8 *req, size_t len)
{
	struct co_spawn_ctx ctx;
	s64 ret;
	int rc;

	CO_ASSERT(k != NULL);
	if (caller == COCONUT_AID_NONE)
		return -ESRCH; /* step 0: no agent calls (an unbound file) */
	rc = co_sys_buffer(req, len);
	if (rc)
		return rc;
	if (len > CO_SPAWN_REQUEST_BYTES_MAX)
		return -E2BIG;

	rc = co_spawn_prepare(k, req, len, &ctx);
	if (!rc) {
		co_kernel_lock(k);
		rc = co_spawn_check_caller(k, caller, &ctx);
		co_kernel_unlock(k);
	}
	if (!rc)
		rc = co_spawn_verify(&ctx);
	ret = rc;
	if (!rc) {
		co_kernel_lock(k);
		ret = co_spawn_commit(k, caller, &ctx);
		co_kernel_unlock(k);
	}
	co_spawn_release(k, &ctx);
	co_kernel_seal(k);
	return ret;
}

s64 co_sys_agent_attest(struct co_kernel *k, u64 caller, u64 aid, u8 *buf, size_t len)
{
	struct co_agent *c, *t;
	int rc;

	CO_ASSERT(k != NULL);
	if (caller == COCONUT_AID_NONE)
		return -ESRCH; /* step 0: no agent calls (an unbound file) */
	rc = co_sys_buffer(buf, len);
	if (rc)
		return rc;

	co_kernel_lock_as(k, caller);
	rc = co_sys_agents(k, caller, aid, &c, &t);
	if (!rc && !co_agent_is_self_or_ancestor(k, c, t))
		rc = co_lsm_check(k, c, COCONUT_CAP_AUDIT_QUERY, NULL, 0, NULL);
	if (!rc)
		rc = co_attest_encode(k, t, buf, len);
	return co_sys_done(k, rc);
}

s64 co_sys_agent_quota(struct co_kernel *k, u64 caller, u64 aid, u32 kind, u64 budget,
		       u32 flags, u64 *out_budget_used)
{
	struct co_agent *c, *t;
	struct co_quota q;
	bool set = (flags & COCONUT_QUOTA_SET) != 0;
	int rc;

	CO_ASSERT(k != NULL);
	if (caller == COCONUT_AID_NONE)
		return -ESRCH; /* step 0: no agent calls (an unbound file) */
	if (kind >= COCONUT_QUOTA_KIND_COUNT || (flags & ~CO_QUOTA_FLAGS_KNOWN))
		return -EINVAL;
	/* A rate (membw) is a limit, never charged: nothing of it can wait. */
	if (kind == COCONUT_QUOTA_MEMBW && (flags & COCONUT_QUOTA_BLOCK))
		return -EINVAL;
	/* A query carries nothing to set: a budget or BLOCK there is a caller's mistake. */
	if (!set && (budget != 0 || (flags & COCONUT_QUOTA_BLOCK)))
		return -EINVAL;
	if (!set && !out_budget_used)
		return -EFAULT;

	co_kernel_lock_as(k, caller);
	rc = co_sys_agents(k, caller, aid, &c, &t);
	if (!rc && set &&
	    (!co_agent_is_ancestor(k, c, t) || c->state == COCONUT_STATE_QUARANTINED))
		rc = -EPERM;
	if (!rc && !set && !co_agent_is_self_or_ancestor(k, c, t))
		rc = -EPERM;
	if (!rc && set)
		rc = co_quota_set(k, t, kind, budget, flags);
	if (!rc && out_budget_used) {
		rc = co_quota_get(k, t, kind, &q);
		if (!rc) {
			out_budget_used[0] = q.budget;
			out_budget_used[1] = q.used;
		}
	}
	return co_sys_done(k, rc);
}

s64 co_sys_agent_cap_grant(struct co_kernel *k, u64 caller, u64 aid, const char *cap,
			   size_t len)
{
	struct co_grant_room room = { NULL, 0, 0 };
	struct co_agent *c, *t;
	u32 round;
	s64 ret;
	int rc;

	CO_ASSERT(k != NULL);
	if (caller == COCONUT_AID_NONE)
		return -ESRCH; /* step 0: no agent calls (an unbound file) */
	rc = co_sys_buffer(cap, len);
	if (rc)
		return rc;
	if (len > CO_CAP_LIST_BYTES_MAX)
		return -E2BIG;
	rc = co_cap_list_parse(cap, len, NULL, NULL);
	if (rc)
		return rc;

	/*
	 * A target whose set needs a larger store: unlock, allocate it, look again (at most three
	 * rounds: the second store is what the first look asked for, the third holds the most a
	 * set may, which no concurrent grant can outgrow).
	 */
	for (round = 0; round < 3; round++) {
		co_kernel_lock_as(k, caller);
		rc = co_sys_agents(k, caller, aid, &c, &t);
		if (!rc)
			rc = co_cap_grant(k, c, t, cap, len, &room);
		if (rc != CO_GRANT_NEEDS_ROOM)
			break;
		if (round == 2) {
			CO_ASSERT(0 && "a full-size store is always room enough");
			rc = -ENOMEM;
			break;
		}
		co_kernel_unlock(k);
		co_agent_caps_store_free(k, room.store, room.capacity);
		room.capacity = round == 0 ? room.want : CO_CAP_SET_CAPS_MAX;
		room.store = co_agent_caps_store_alloc(k, room.capacity);
		if (!room.store)
			return -ENOMEM;
	}
	ret = co_sys_done(k, rc);
	/* What was not used, or the target's old store. */
	co_agent_caps_store_free(k, room.store, room.capacity);
	return ret;
}

s64 co_sys_agent_cap_revoke(struct co_kernel *k, u64 caller, u64 aid, const char *cap,
			    size_t len)
{
	struct co_agent *c, *t;
	int rc;

	CO_ASSERT(k != NULL);
	if (caller == COCONUT_AID_NONE)
		return -ESRCH; /* step 0: no agent calls (an unbound file) */
	rc = co_sys_buffer(cap, len);
	if (rc)
		return rc;
	if (len > COCONUT_CAP_TEXT_MAX)
		return -ENAMETOOLONG;
	/* One text: a list parse that refuses any '\n' (an empty entry) and more than one cap. */
	if (co_sys_has_newline(cap, len))
		return -EINVAL;
	rc = co_cap_list_parse(cap, len, NULL, NULL);
	if (rc)
		return rc;

	co_kernel_lock_as(k, caller);
	rc = co_sys_agents(k, caller, aid, &c, &t);
	if (!rc)
		rc = co_cap_revoke(k, c, t, cap, len);
	return co_sys_done(k, rc);
}

/* The kind a name denotes ("fs.read"), or 0. */
static u32 co_sys_kind(const char *name, size_t len)
{
	const char *kn;
	size_t n;
	u32 kind;

	for (kind = 1; kind < COCONUT_CAP_KIND_COUNT; kind++) {
		kn = co_cap_kind_name(kind);
		if (!kn)
			continue;
		for (n = 0; n < CO_CAP_KIND_NAME_BYTES_MAX && kn[n]; n++)
			;
		if (n == len && co_memcmp(kn, name, len) == 0)
			return kind;
	}
	return 0;
}

s64 co_sys_agent_cap_present(struct co_kernel *k, u64 caller, u64 aid, const char *kind_name,
			     size_t kind_len, const char *object, size_t obj_len)
{
	struct co_agent *c, *t;
	u32 kind;
	int rc;

	CO_ASSERT(k != NULL);
	if (caller == COCONUT_AID_NONE)
		return -ESRCH; /* step 0: no agent calls (an unbound file) */
	rc = co_sys_buffer(kind_name, kind_len);
	if (rc)
		return rc;
	if (kind_len > CO_CAP_KIND_NAME_BYTES_MAX)
		return -EINVAL;
	kind = co_sys_kind(kind_name, kind_len);
	if (!kind)
		return -EINVAL;
	if (!object && obj_len)
		return -EFAULT;
	if (co_cap_kind_has_object(kind)) {
		if (obj_len == 0)
			return -EINVAL;
		if (obj_len > (kind == COCONUT_CAP_CAP_GRANT ? COCONUT_CAP_TEXT_MAX :
							       CO_CAP_OBJECT_BYTES_MAX))
			return -ENAMETOOLONG;
		if (!co_cap_object_valid(kind, object, obj_len))
			return -EINVAL;
	} else if (obj_len) {
		return -EINVAL;
	}

	co_kernel_lock_as(k, caller);
	rc = co_sys_agents(k, caller, aid, &c, &t);
	if (!rc && !co_agent_is_self_or_ancestor(k, c, t))
		rc = -EPERM;
	if (!rc)
		rc = co_lsm_check(k, t, kind, obj_len ? object : NULL, obj_len, NULL);
	return co_sys_done(k, rc);
}

/* A filter's cap text: a capability's canonical text, or a kind's name (deny events). */
static int co_sys_filter_cap(const char *cap, u16 len)
{
	struct co_cap parsed;

	if (len > COCONUT_CAP_TEXT_MAX)
		return -ENAMETOOLONG;
	if (len == 0 || co_sys_kind(cap, len))
		return 0;
	return co_cap_parse(cap, len, &parsed, NULL) == CO_CAP_OK ? 0 : -EINVAL;
}

s64 co_sys_agent_audit_query(struct co_kernel *k, u64 caller,
			     const struct coconut_audit_filter *f, u8 *buf, size_t len)
{
	struct co_audit_filter filter;
	struct co_agent *c;
	int rc;

	CO_ASSERT(k != NULL);
	if (caller == COCONUT_AID_NONE)
		return -ESRCH; /* step 0: no agent calls (an unbound file) */
	if (!f)
		return -EFAULT;
	if (f->size < COCONUT_AUDIT_FILTER_SIZE_VER0)
		return -EINVAL;
	if (f->size > sizeof(*f))
		return -E2BIG; /* the ioctl glue zero-checks and trims a longer struct */
	if (f->reserved || f->type >= COCONUT_EV_TYPE_COUNT ||
	    (f->time_to_ns && f->time_to_ns <= f->time_from_ns) ||
	    f->max_events > CO_AUDIT_SEGMENT_EVENTS_MAX)
		return -EINVAL;
	rc = co_sys_filter_cap(f->cap, f->cap_len);
	if (rc)
		return rc;
	rc = co_sys_buffer(buf, len);
	if (rc)
		return rc;

	co_memset(&filter, 0, sizeof(filter));
	filter.aid = f->aid;
	filter.time_from_ns = f->time_from_ns;
	filter.time_to_ns = f->time_to_ns;
	filter.type = f->type;
	filter.cap_len = f->cap_len;
	co_memcpy(filter.cap, f->cap, f->cap_len);
	filter.seq_from = f->seq_from;
	filter.max_events = f->max_events;

	co_kernel_lock_as(k, caller);
	c = co_agent_lookup(k, caller, &rc);
	if (c)
		rc = co_lsm_check(k, c, COCONUT_CAP_AUDIT_QUERY, NULL, 0, NULL);
	if (!rc)
		rc = co_audit_query(&k->audit, &filter, buf, len);
	/* Everything was checked above: only a too-small buffer can be refused. */
	CO_ASSERT(rc != -EINVAL);
	return co_sys_done(k, rc);
}

s64 co_sys_agent_memory_tier(struct co_kernel *k, u64 caller, u64 aid, u32 tier,
			     u64 request_bytes)
{
	struct co_agent *c, *t;
	const char *name;
	u64 addr = 0;
	size_t n;
	int rc;

	CO_ASSERT(k != NULL);
	if (caller == COCONUT_AID_NONE)
		return -ESRCH; /* step 0: no agent calls (an unbound file) */
	if (tier >= COCONUT_TIER_COUNT || request_bytes == 0)
		return -EINVAL;

	co_kernel_lock_as(k, caller);
	rc = co_sys_agents(k, caller, aid, &c, &t);
	if (!rc && (!co_agent_is_self_or_ancestor(k, c, t) ||
		    (c != t && c->state == COCONUT_STATE_QUARANTINED)))
		rc = -EPERM;
	if (!rc) {
		name = co_tier_name(tier);
		CO_ASSERT(name != NULL);
		for (n = 0; n < 8 && name[n]; n++)
			;
		rc = co_lsm_check(k, t, COCONUT_CAP_MEM_TIER, name, n, NULL);
	}
	if (!rc)
		rc = co_tier_alloc(k, t, tier, request_bytes, &addr);
	return co_sys_done(k, rc ? (s64)rc : (s64)addr);
}

s64 co_sys_agent_exit(struct co_kernel *k, u64 caller, u64 aid, u32 flags)
{
	CO_ASSERT(k != NULL);
	if (caller == COCONUT_AID_NONE)
		return -ESRCH; /* step 0: no agent calls (an unbound file) */
	if (flags)
		return -EINVAL;
	/*
	 * The kernel API has both already (exit.c), each taking the lock and sealing: a kill is
	 * the authority rule of co_agent_kill (live, not quarantined, strict ancestor, never root),
	 * the caller's own exit is co_agent_exit (never root).
	 */
	if (caller != aid)
		return co_agent_kill(k, caller, aid);
	return co_agent_exit(k, aid);
}
