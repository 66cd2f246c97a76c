// SPDX-License-Identifier: GPL-2.0
/*
 * Grant: adding caps to a live agent after spawn, all or nothing.
 *
 * Three passes over the '\n'-separated list, none holding more than one parsed cap (the
 * instance's scratch: a list can hold 256 caps of ~270 bytes parsed, far beyond a stack frame):
 *  1. validate: lines, lengths, parses, the set's free room, the audit ring's room; no event;
 *  2. decide: the caller's right to grant each cap (an LSM decision each, audited), then the
 *     narrowing rule (the target's parent holds a cap covering it) and the target's ceiling
 *     (its manifest's caps); a refusal is one GRANT event with -ECAPABILITY;
 *  3. apply: for each cap its GRANT event, then the insertion, neither of which can fail now.
 * Nothing changes before pass 3, and pass 3 cannot stop half way: the room for every event of
 * the call is made before pass 2, and the set's room was checked in pass 1.
 */
#include "lsm_int.h"

/*
 * The line of caps[0..len) at *pos: its text and length, and *pos moved past its '\n'.
 * -ENAMETOOLONG (over a cap's text limit; at most that many bytes are looked at) or -EINVAL
 * (empty, or the last line ends in '\n': the list format of root_caps, co_cap_list_parse()).
 */
static int co_grant_next_line(const char *caps, size_t len, size_t *pos, const char **line,
			      size_t *line_len)
{
	size_t start = *pos, n, limit;

	CO_ASSERT(start < len);
	limit = CO_MIN(len - start, (size_t)CO_CAP_TEXT_BYTES_MAX + 1);
	for (n = 0; n < limit && caps[start + n] != '\n'; n++)
		;
	if (n > CO_CAP_TEXT_BYTES_MAX)
		return -ENAMETOOLONG;
	if (n == 0)
		return -EINVAL;
	if (start + n + 1 == len)
		return -EINVAL;
	*line = caps + start;
	*line_len = n;
	*pos = start + n < len ? start + n + 1 : len;
	return 0;
}

/* Pass 1: every line parses, at most CO_GRANT_CAPS_MAX of them; *count gets how many. */
static int co_grant_validate(struct co_kernel *k, const char *caps, size_t len, u32 *count)
{
	const char *line;
	size_t pos = 0, n;
	u32 i;
	int err;

	if (!caps || len == 0)
		return -EINVAL;
	for (i = 0; pos < len; i++) {
		/* The work per call is bounded (limits.h): stop reading there. */
		if (i == CO_GRANT_CAPS_MAX)
			return -E2BIG;
		err = co_grant_next_line(caps, len, &pos, &line, &n);
		if (err)
			return err;
		if (co_cap_parse(line, n, &k->lsm_cap, NULL) != CO_CAP_OK)
			return -EINVAL;
	}
	*count = i;
	return 0;
}

/* Line i of a validated list, parsed into k->lsm_cap. */
static void co_grant_line_at(struct co_kernel *k, const char *caps, size_t len, size_t *pos,
			     const char **line, size_t *n)
{
	int err = co_grant_next_line(caps, len, pos, line, n);

	CO_ASSERT(err == 0);
	err = co_cap_parse(*line, *n, &k->lsm_cap, NULL) == CO_CAP_OK ? 0 : -EINVAL;
	CO_ASSERT(err == 0);
}

/*
 * One GRANT event; the room for it was made before the first decision. 0, or -EAGAIN for a
 * refusal (result < 0) whose caller is over its audited-failure bucket (nothing appended).
 */
static int co_grant_event(struct co_kernel *k, const struct co_agent *caller,
			  const struct co_agent *target, const char *line, size_t n, int result)
{
	struct co_audit_event *ev = &k->lsm_event;
	int err;

	co_audit_event_init(ev, COCONUT_EV_GRANT, caller->aid, result);
	ev->arg = target->aid;
	co_audit_event_set_cap(ev, line, n);
	err = co_kernel_audit(k, ev);
	CO_ASSERT(err == 0 || (err == -EAGAIN && result < 0));
	return err;
}

/* Grant ids: from 1 (origin 0 is a cap bound at spawn or boot), one per call, 0 skipped. */
static u32 co_grant_next_origin(struct co_kernel *k)
{
	k->next_grant_id++;
	if (k->next_grant_id == 0)
		k->next_grant_id = 1;
	return k->next_grant_id;
}

int co_cap_grant(struct co_kernel *k, struct co_agent *caller, struct co_agent *target,
		 const char *caps, size_t len, struct co_grant_room *room)
{
	u32 need, old_capacity;
	bool grow;
	struct co_agent *parent;
	const char *line;
	size_t pos, n;
	u32 count, i, from, handle, origin;
	enum co_cap_err cerr;
	int err;

	CO_ASSERT(k != NULL && caller != NULL && target != NULL);
	err = co_grant_validate(k, caps, len, &count);
	if (err)
		return err;
	CO_ASSERT(count > 0 && count <= CO_GRANT_CAPS_MAX);
	if (co_agent_state_terminal(target->state))
		return -ESTALE;
	/* Only in the caller's subtree; never root, which holds what the machine was given. */
	err = co_cap_authority(k, caller, target);
	if (err)
		return err;
	if (target->state == COCONUT_STATE_QUARANTINED)
		return -EPERM;
	parent = co_agent_lookup(k, target->parent_aid, &err);
	if (!parent)
		return -EPERM;
	need = co_capset_count(&target->caps) + count;
	if (need > CO_CAP_SET_CAPS_MAX)
		return -ENOSPC;
	/* A store that fits, before anything is decided: a second call then decides once. */
	grow = need > co_capset_capacity(&target->caps);
	if (grow && (!room || room->capacity < need)) {
		if (room)
			room->want = co_capset_capacity_for(need);
		return room ? CO_GRANT_NEEDS_ROOM : -ENOMEM;
	}
	/* count decisions, one STATE event at most, then count GRANTs or one refusal. */
	err = co_lsm_audit_room(k, 2 * count + 2);
	if (err)
		return err;

	/* Pass 2: the caller's right, cap by cap; the first deny ends the call. */
	for (i = 0, pos = 0; i < count; i++) {
		co_grant_line_at(k, caps, len, &pos, &line, &n);
		err = co_lsm_check(k, caller, COCONUT_CAP_CAP_GRANT, line, n, NULL);
		if (err)
			return err;
	}
	/* Narrowing and the ceiling: never more than the parent holds or the manifest names. */
	for (i = 0, pos = 0; i < count; i++) {
		co_grant_line_at(k, caps, len, &pos, &line, &n);
		if (co_capset_covers(&parent->caps, &k->lsm_cap) == CO_CAP_HANDLE_NONE ||
		    !co_agent_ceiling_covers(target, &k->lsm_cap)) {
			err = co_grant_event(k, caller, target, line, n, -ECAPABILITY);
			return err ? err : -ECAPABILITY;
		}
	}

	/* Pass 3: one grant id for the call; each cap derives from the parent's covering cap. */
	if (grow) {
		old_capacity = co_capset_capacity(&target->caps);
		room->store = co_capset_move(&target->caps, room->store, room->capacity);
		room->capacity = old_capacity;
	}
	origin = co_grant_next_origin(k);
	for (i = 0, pos = 0; i < count; i++) {
		co_grant_line_at(k, caps, len, &pos, &line, &n);
		from = co_capset_covers(&parent->caps, &k->lsm_cap);
		CO_ASSERT(from != CO_CAP_HANDLE_NONE);
		err = co_grant_event(k, caller, target, line, n, 0);
		CO_ASSERT(err == 0);
		cerr = co_capset_insert(&target->caps, &k->lsm_cap, from, origin, &handle);
		CO_ASSERT(cerr == CO_CAP_OK);
	}
	return 0;
}
