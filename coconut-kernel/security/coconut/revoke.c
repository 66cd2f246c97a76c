// SPDX-License-Identifier: GPL-2.0
/*
 * Revocation: a cap of an agent, every cap derived from it below, and the operations they
 * authorised that are still in flight.
 *
 * A cap of a descendant is doomed when its derived_from chain (coconut/lsm.h, "Derivation"),
 * followed parent by parent up to the target, ends at a cap equal to the revoked one. No marks
 * are kept: the chain is followed while every cap on it is still there, which a post-order walk
 * of the target's subtree guarantees: an agent's caps are removed only after all of its
 * descendants' were examined (and the target's last of all). The walk uses an explicit stack
 * one frame per generation, so its depth is CO_AGENT_DEPTH_MAX whatever the tree's width.
 *
 * Removing deepest first also makes a partial revocation safe: when the audit ring refuses an
 * event part way (-EBUSY), what was removed was doomed anyway, every cap that stays still
 * derives from a cap that stays, and the target still holds the cap, so calling again finishes.
 */
#include "lsm_int.h"

/* One generation of the walk: the agent, and the next of its children to visit. */
struct co_revoke_frame {
	struct co_agent *agent;
	u32 next_child;
};

/*
 * One call's work (issue 17, finding 8): caps removed, and doom tests made. The call stops
 * with -EAGAIN at CO_REVOKE_REMOVALS_MAX removals, or at CO_REVOKE_TESTS_MAX tests once it has
 * removed something (so every call makes progress: the walk's first removal is at most a
 * path of children checks away).
 */
struct co_revoke_work {
	u32 removed;
	u32 tests;
};

static bool co_revoke_over_budget(const struct co_revoke_work *w)
{
	return w->removed == CO_REVOKE_REMOVALS_MAX ||
	       (w->removed > 0 && w->tests >= CO_REVOKE_TESTS_MAX);
}

/* The target and at most CO_AGENT_DEPTH_MAX generations below it. */
#define CO_REVOKE_STACK_FRAMES (CO_AGENT_DEPTH_MAX + 1)

/* Canonical texts are equal exactly when the parsed caps are (coconut/cap.h). */
static bool co_revoke_same(const struct co_cap *a, const struct co_cap *b)
{
	return a->kind == b->kind && a->granted == b->granted && a->len == b->len &&
	       co_memcmp(a->object, b->object, a->len) == 0;
}

/* Whether cap e of stack[d]'s agent derives, link by link, from the revoked cap of stack[0]. */
static bool co_revoke_doomed(const struct co_kernel *k, const struct co_revoke_frame *stack,
			     u32 d, const struct co_capset_entry *e, struct co_revoke_work *w)
{
	u32 j;

	if (w->tests < 0xffffffffu)
		w->tests++;
	for (j = d; j > 0; j--) {
		/* Handles are u32; root's caps and caps bound from nothing link to none. */
		if (e->derived_from == CO_CAP_HANDLE_NONE || e->derived_from > 0xffffffffull)
			return false;
		e = co_capset_get(&stack[j - 1].agent->caps, (u32)e->derived_from);
		if (!e)
			return false;
	}
	return co_revoke_same(&e->cap, &k->lsm_cap);
}

/*
 * Whether stack[d]'s agent holds a doomed cap. When it holds none, none of its descendants
 * does: a doomed cap's derivation passes through a doomed cap of every ancestor up to the
 * target, so the walk skips the subtree (issue 17, finding 8: revoking a cap only the target
 * and a few below hold no longer visits the whole tree).
 */
static bool co_revoke_any_doomed(const struct co_kernel *k, const struct co_revoke_frame *stack,
				 u32 d, struct co_revoke_work *w)
{
	const struct co_agent *x = stack[d].agent;
	u32 h, i;

	for (i = 0, h = co_capset_next(&x->caps, CO_CAP_HANDLE_NONE); h != CO_CAP_HANDLE_NONE;
	     h = co_capset_next(&x->caps, h), i++) {
		CO_ASSERT(i < CO_CAP_SET_CAPS_MAX);
		if (co_revoke_doomed(k, stack, d, co_capset_get(&x->caps, h), w))
			return true;
	}
	return false;
}

/*
 * Removes the doomed caps of stack[d]'s agent, each after its REVOKE event; the set's summaries
 * are rebuilt once, whatever ends the loop (the budget, backpressure, the last cap).
 */
static int co_revoke_agent(struct co_kernel *k, const struct co_agent *caller,
			   const struct co_revoke_frame *stack, u32 d, struct co_revoke_work *w)
{
	struct co_agent *x = stack[d].agent;
	struct co_audit_event *ev = &k->lsm_event;
	const struct co_capset_entry *e;
	enum co_cap_err cerr;
	u32 h, next, i, kinds = 0;
	int err = 0;

	for (i = 0, h = co_capset_next(&x->caps, CO_CAP_HANDLE_NONE); h != CO_CAP_HANDLE_NONE;
	     h = next, i++) {
		CO_ASSERT(i < CO_CAP_SET_CAPS_MAX);
		/* Iteration goes by entry position, which a removal does not move. */
		next = co_capset_next(&x->caps, h);
		e = co_capset_get(&x->caps, h);
		CO_ASSERT(e != NULL);
		if (!co_revoke_doomed(k, stack, d, e, w))
			continue;
		if (co_revoke_over_budget(w)) {
			err = -EAGAIN; /* the call's budget: the caller calls again to go on */
			co_probe_hit(&k->probes, CO_PROBE_REVOKE_PARTIAL);
			break;
		}
		co_audit_event_init(ev, COCONUT_EV_REVOKE, caller->aid, 0);
		ev->arg = x->aid;
		ev->cap_len = (u16)co_cap_format(&e->cap, ev->cap, sizeof(ev->cap));
		CO_ASSERT(ev->cap_len > 0 && ev->cap_len <= sizeof(ev->cap));
		err = co_kernel_audit(k, ev);
		if (err)
			break;
		cerr = co_capset_remove_deferred(&x->caps, h, &kinds);
		CO_ASSERT(cerr == CO_CAP_OK);
		/* No operation the cap authorised completes successfully from now on. */
		co_inflight_revoke_cap(k, x->aid, h);
		w->removed++;
	}
	co_capset_summaries_rebuild(&x->caps, kinds);
	return err;
}

/* The post-order walk of target's subtree (live agents only: a terminated one acts no more). */
static int co_revoke_cascade(struct co_kernel *k, const struct co_agent *caller,
			     struct co_agent *target, struct co_revoke_work *w)
{
	struct co_revoke_frame stack[CO_REVOKE_STACK_FRAMES];
	struct co_revoke_frame *top;
	struct co_agent *child;
	u32 depth = 0, steps;
	int err;

	stack[0].agent = target;
	stack[0].next_child = 0;
	/* Each agent is pushed and popped once, each child slot looked at once. */
	for (steps = 0;; steps++) {
		CO_ASSERT(steps <= 3u * CO_AGENTS_MAX);
		top = &stack[depth];
		CO_ASSERT(top->agent->child_count <= CO_AGENT_CHILDREN_MAX);
		if (top->next_child < top->agent->child_count) {
			child = co_agent_lookup(k, top->agent->children[top->next_child++], &err);
			if (!child)
				continue;
#ifdef COCONUT_PLANT_REVOKE_NO_CASCADE
			/* A planted bug for the property suite (harness/props; never in a product
			 * build): the descendants keep what derives from the revoked cap. */
			continue;
#endif
			CO_ASSERT(child->parent_aid == top->agent->aid);
			/* Spawn bounds the depth of the tree, so of any subtree. */
			CO_ASSERT(depth + 1 < CO_REVOKE_STACK_FRAMES);
			if (co_revoke_over_budget(w)) {
				co_probe_hit(&k->probes, CO_PROBE_REVOKE_PARTIAL);
				return -EAGAIN;
			}
			stack[depth + 1].agent = child;
			stack[depth + 1].next_child = 0;
			if (!co_revoke_any_doomed(k, stack, depth + 1, w))
				continue; /* nothing doomed in its subtree */
			depth++;
			continue;
		}
		err = co_revoke_agent(k, caller, stack, depth, w);
		if (err || depth == 0)
			return err;
		depth--;
	}
}

/* Whether target holds the cap in k->lsm_cap. */
static bool co_revoke_holds(const struct co_agent *target, const struct co_cap *cap)
{
	const struct co_capset_entry *e;
	u32 h, i;

	for (i = 0, h = co_capset_next(&target->caps, CO_CAP_HANDLE_NONE); h != CO_CAP_HANDLE_NONE;
	     h = co_capset_next(&target->caps, h), i++) {
		CO_ASSERT(i < CO_CAP_SET_CAPS_MAX);
		e = co_capset_get(&target->caps, h);
		if (co_revoke_same(&e->cap, cap))
			return true;
	}
	return false;
}

int co_cap_revoke(struct co_kernel *k, struct co_agent *caller, struct co_agent *target,
		  const char *cap, size_t len)
{
	struct co_revoke_work w = { 0, 0 };
	int err;

	CO_ASSERT(k != NULL && caller != NULL && target != NULL);
	if (!cap || len == 0)
		return -EINVAL;
	if (len > CO_CAP_TEXT_BYTES_MAX)
		return -ENAMETOOLONG;
	if (co_cap_parse(cap, len, &k->lsm_cap, NULL) != CO_CAP_OK)
		return -EINVAL;
	if (co_agent_state_terminal(target->state))
		return -ESTALE;
	/*
	 * Only in the caller's subtree, and never root: its caps are where every other cap's
	 * derivation starts, so revoking one would cascade through every tenant.
	 */
	err = co_cap_authority(k, caller, target);
	if (err)
		return err;
	/*
	 * An ancestor may take back what its line handed down; the target itself needs the right
	 * to grant the cap, asked as an LSM decision (audited). A quarantined or terminated caller
	 * goes the second way, where it is denied: it can do nothing, this included.
	 */
	if (!co_lsm_may_act(caller->state) || !co_agent_is_ancestor(k, caller, target)) {
		err = co_lsm_check(k, caller, COCONUT_CAP_CAP_GRANT, cap, len, NULL);
		if (err)
			return err;
	}
	/* Asked after the decision, so the answer tells nothing to a caller without the right. */
	if (!co_revoke_holds(target, &k->lsm_cap))
		return -ENOENT;
	/* Partial or whole: each removed cap's pending operations were marked as it went. */
	return co_revoke_cascade(k, caller, target, &w);
}
