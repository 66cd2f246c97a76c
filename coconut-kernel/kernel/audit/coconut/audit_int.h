/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of kernel/audit/coconut/ share and nobody else needs: the instance lock, the
 * ring accessors the sealer drains through, and the event map read and write that encode,
 * query (which writes events into a segment) and verify (which reads them out of one) share.
 */
#ifndef COCONUT_AUDIT_INT_H
#define COCONUT_AUDIT_INT_H

#include "coconut/audit.h"
#include "coconut/cbor.h"
#include "coconut/errno.h"

static inline void co_audit_lock(const struct co_audit *a)
{
	if (a->lock)
		a->plat.ops->lock(a->plat.ctx, a->lock);
}

static inline void co_audit_unlock(const struct co_audit *a)
{
	if (a->lock)
		a->plat.ops->unlock(a->plat.ctx, a->lock);
}

/* event.c */
/* True when the event can be encoded: known type, cap_len in range, cap UTF-8. */
bool co_audit_event_valid(const struct co_audit_event *ev);
/* Writes the event map (an encoding error is left in the writer). */
void co_audit_event_put(struct co_cbor_writer *w, const struct co_audit_event *ev);
/* Reads the event map at item idx of a strictly decoded document; 0 or -EBADMSG. */
int co_audit_event_from_doc(const struct co_cbor_doc *doc, u32 idx, struct co_audit_event *ev);

/* ring.c: the oldest pending event in the total order (NULL when none) and its removal. */
const struct co_audit_event *co_audit_ring_oldest(const struct co_audit *a, u32 *cpu);
void co_audit_ring_pop(struct co_audit *a, u32 cpu);

#endif /* COCONUT_AUDIT_INT_H */
