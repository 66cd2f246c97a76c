// SPDX-License-Identifier: GPL-2.0
/*
 * The spawn dispatcher: one syscall, six stages, in this order.
 *
 *  1. decode		the request and the manifest inside it (manifest.c)	no lock
 *  2. verify		the authorizer is trusted, the Ed25519 signature over the
 *			manifest verifies, the requested caps are within the
 *			manifest's						no lock
 *  3. allocate		an AID and a table slot; Spawning -> Attested (the
 *			transition stage 2 earned: an agent without an AID has no
 *			state to audit); the cap set, each cap derived_from the
 *			parent's cap that covers it (so revocation cascades)	lock
 *  4. LSM		the caller holds agent.spawn (co_lsm_check: one audited
 *			decision), and every requested cap is covered by a cap of
 *			the caller (narrowing)					lock
 *  5. audit		one SPAWN event: aid = the caller, arg = the child's AID,
 *			object digest = BLAKE3(manifest) = the manifest digest	lock
 *  6. register		into the parent's children, the scheduler's on_agent_ready
 *			hook, Attested -> Active (READY)			lock
 *
 * Failures. Before stage 3 nothing exists: no AID is consumed, nothing is audited. From stage 3
 * on the AID is consumed (it is never handed out again and answers -ESTALE): the child goes
 * Attested -> Terminated-revoked (audited) and leaves the table at once, its memory freed, so
 * there is never a half-spawned agent. A narrowing refusal is recorded as the SPAWN event itself
 * with result -ECAPABILITY and the first uncovered cap's text (as grant records its own), after
 * the caller's audited agent.spawn decision; it is not a second LSM decision.
 *
 * The decode and the signature check run without the instance lock (they are pure and the
 * slowest part); the caller is looked up under the lock before and again after, as it may have
 * gone meanwhile in the kernel. Memory is allocated before the lock and freed after it.
 */
#include "coconut/blake3.h"
#include "coconut/ed25519.h"
#include "coconut/lsm.h"

#include "agent_int.h"

/*
 * Events a commit appends at most: STATE Spawning -> Attested, the agent.spawn decision and
 * the caller's possible state change with it, SPAWN, STATE to Active or Terminated-revoked.
 */
#define CO_SPAWN_EVENTS_MAX 5

int co_spawn_prepare(struct co_kernel *k, const u8 *req, size_t len, struct co_spawn_ctx *ctx)
{
	const struct co_manifest *m;
	struct co_agent *child;
	u32 blob_len;
	void *room;
	int rc;

	co_memset(ctx, 0, sizeof(*ctx));
	ctx->req_bytes = req;
	ctx->req_len = len;
	ctx->scratch = co_plat_alloc(&k->plat, sizeof(*ctx->scratch));
	if (!ctx->scratch)
		return -ENOMEM;
	ctx->scratch->room = NULL;
	rc = co_spawn_request_decode(req, len, ctx->scratch, &ctx->req);
	if (rc)
		return rc;
	m = &ctx->req.manifest;
	/* Sized by what the request holds, known only now. */
	room = co_plat_alloc(&k->plat, co_spawn_room_bytes(&ctx->req));
	if (!room)
		return -ENOMEM;
	co_spawn_room_fill(ctx->scratch, &ctx->req, room);

	/* Its set sized for what it asks (grants may grow it: co_sys_agent_cap_grant). */
	child = co_agent_alloc(k, ctx->req.cap_count);
	if (!child)
		return -ENOMEM;
	ctx->child = child;
	blob_len = m->caps_text_bytes + m->cap_count;
	if (blob_len) {
		child->ceiling = co_plat_alloc(&k->plat, blob_len);
		if (!child->ceiling)
			return -ENOMEM;
		child->ceiling_len = blob_len;
		child->ceiling_count = m->cap_count;
		co_manifest_ceiling_write(m, child->ceiling, blob_len);
	}
	return 0;
}

int co_spawn_check_caller(struct co_kernel *k, u64 caller, struct co_spawn_ctx *ctx)
{
	int err;

	if (!co_agent_lookup(k, caller, &err))
		return err;
	if (!co_kernel_authorizer_find(k, ctx->req.manifest.authorizer))
		return -ENOKEY;
	return 0;
}

int co_spawn_verify(struct co_spawn_ctx *ctx)
{
	const struct co_manifest *m = &ctx->req.manifest;
	struct co_spawn_scratch *s = ctx->scratch;
	u32 i;

	if (co_ed25519_verify(ctx->req.signature, m->bytes, m->len, m->authorizer) !=
	    CO_ED25519_OK)
		return -EKEYREJECTED;
	/* Only a verified manifest's caps mean anything: the ceiling is checked after. */
	for (i = 0; i < ctx->req.cap_count; i++)
		if (co_capset_covers(&s->ceiling, &s->caps[i]) == CO_CAP_HANDLE_NONE)
			return -EACCES;
	ctx->child->flags |= CO_AGENT_F_VERIFIED;
	return 0;
}

/* Stage 3's fields of the child, from the verified manifest. */
static void co_spawn_fill(struct co_kernel *k, const struct co_agent *parent,
			  struct co_agent *child, u64 aid, const struct co_spawn_request *req)
{
	const struct co_manifest *m = &req->manifest;

	child->aid = aid;
	child->parent_aid = parent->aid;
	child->tenant = m->tenant;
	child->depth = parent->depth + 1;
	child->spawned_ns = co_plat_now_ns(&k->plat);
	co_memcpy(child->name, m->name, m->name_len);
	child->name[m->name_len] = '\0';
	co_memcpy(child->attest.code_digest, m->code_digest, COCONUT_DIGEST_SIZE);
	co_blake3_hash(m->bytes, m->len, child->attest.manifest_digest);
	co_memcpy(child->attest.authorizer_key, m->authorizer, COCONUT_PUBKEY_SIZE);
	co_memcpy(child->attest.signature, req->signature, COCONUT_SIGNATURE_SIZE);
}

/*
 * Binds the requested caps into the child's set, each derived from the parent's covering cap;
 * the index of the first one the parent does not cover, or -1.
 */
static int co_spawn_bind_caps(const struct co_agent *parent, struct co_agent *child,
			      const struct co_spawn_ctx *ctx)
{
	const struct co_cap *caps = ctx->scratch->caps;
	int uncovered = -1;
	u32 i, from, handle;

	for (i = 0; i < ctx->req.cap_count; i++) {
		from = co_capset_covers(&parent->caps, &caps[i]);
		if (from == CO_CAP_HANDLE_NONE && uncovered < 0)
			uncovered = (int)i;
		/* The set was allocated for the request's caps: it has room. */
		if (co_capset_insert(&child->caps, &caps[i], from, 0, &handle) != CO_CAP_OK)
			CO_ASSERT(0 && "fresh cap set full");
	}
	return uncovered;
}

/* The SPAWN event: result 0, or -ECAPABILITY naming the first cap the parent lacks. */
static int co_spawn_audit(struct co_kernel *k, const struct co_agent *parent,
			  const struct co_agent *child, const struct co_spawn_ctx *ctx,
			  int uncovered)
{
	const struct co_manifest *m = &ctx->req.manifest;
	struct co_audit_event ev;

	co_audit_event_init(&ev, COCONUT_EV_SPAWN, parent->aid, uncovered < 0 ? 0 : -ECAPABILITY);
	ev.arg = child->aid;
	/* BLAKE3 again rather than a copy: set_object is the one way digests enter events. */
	co_audit_event_set_object(&ev, m->bytes, m->len);
	if (uncovered >= 0)
		ev.cap_len = (u16)co_cap_format(&ctx->scratch->caps[uncovered], ev.cap,
						sizeof(ev.cap));
	return co_kernel_audit(k, &ev);
}

s64 co_spawn_commit(struct co_kernel *k, u64 caller, struct co_spawn_ctx *ctx)
{
	struct co_agent *parent, *child = ctx->child;
	bool registered = false;
	int rc, uncovered;
	u64 aid;

	CO_ASSERT(child && (child->flags & CO_AGENT_F_VERIFIED));
	/* Stage 3: everything that can refuse without consuming an AID comes first. */
	parent = co_agent_lookup(k, caller, &rc);
	if (!parent)
		return rc;
	if (parent->depth >= CO_AGENT_DEPTH_MAX)
		return -EMLINK;
	if (parent->child_count >= CO_AGENT_CHILDREN_MAX)
		return -ENOSPC;
	/*
	 * Only root starts tenants: below it a child is of its parent's tenant, so no tenant
	 * can spend another's limits or escape its own by naming another in a manifest.
	 */
	if (parent->aid != COCONUT_AID_ROOT && ctx->req.manifest.tenant != parent->tenant)
		return -EPERM;
	rc = co_tenant_admit(k, ctx->req.manifest.tenant);
	if (rc)
		return rc;
	rc = co_agent_table_reserve(k, &aid);
	if (rc)
		return rc;
	/* Room for every event of the commit, so backpressure refuses it whole (a ring smaller
	 * than that still works, one event at a time, through co_kernel_audit's retries). */
	if (co_lsm_audit_room(k, CO_SPAWN_EVENTS_MAX) == -EBUSY)
		return -EBUSY;

	co_spawn_fill(k, parent, child, aid, &ctx->req);
	co_agent_table_insert(k, child, &ctx->evicted);
	rc = co_agent_transition(k, child, COCONUT_STATE_ATTESTED);
	if (rc)
		goto undo;
	uncovered = co_spawn_bind_caps(parent, child, ctx);

	/* Stage 4. */
	rc = co_lsm_check(k, parent, COCONUT_CAP_AGENT_SPAWN, NULL, 0, NULL);
	if (rc)
		goto undo;

	/* Stage 5 (and the narrowing refusal, which is recorded in the SPAWN event). */
	rc = co_spawn_audit(k, parent, child, ctx, uncovered);
	if (rc)
		goto undo;
	if (uncovered >= 0) {
		rc = -ECAPABILITY;
		goto undo;
	}

	/* Stage 6. */
	rc = co_agent_child_add(parent, aid);
	CO_ASSERT(rc == 0); /* checked above, under the same lock */
	child->flags |= CO_AGENT_F_REGISTERED;
	co_tenant_enter(k, child->tenant);
	if (k->cfg.on_agent_ready)
		k->cfg.on_agent_ready(k->cfg.sched_ctx, aid, child->tenant);
	registered = true;
	rc = co_agent_transition(k, child, COCONUT_STATE_ACTIVE);
	if (rc)
		goto undo;
	ctx->child = NULL; /* the table owns it */
	return (s64)aid;

undo:
	if (registered) {
		co_agent_child_remove(parent, aid);
		co_tenant_leave(k, child->tenant);
		if (k->cfg.on_agent_exit)
			k->cfg.on_agent_exit(k->cfg.sched_ctx, aid, child->tenant);
	}
	co_probe_hit(&k->probes, CO_PROBE_SPAWN_REFUSED);
	/* Best effort under backpressure: the AID answers -ESTALE whether or not this lands. */
	(void)co_agent_transition(k, child, COCONUT_STATE_TERMINATED_REVOKED);
	co_agent_table_remove(k, child);
	return rc;
}

void co_spawn_release(struct co_kernel *k, struct co_spawn_ctx *ctx)
{
	co_agent_free(k, ctx->child);
	co_agent_free(k, ctx->evicted);
	if (ctx->scratch) {
		/* Room exists only once the request decoded: its size follows from it. */
		if (ctx->scratch->room)
			co_plat_free(&k->plat, ctx->scratch->room, co_spawn_room_bytes(&ctx->req));
		co_plat_free(&k->plat, ctx->scratch, sizeof(*ctx->scratch));
	}
	co_memset(ctx, 0, sizeof(*ctx));
}
