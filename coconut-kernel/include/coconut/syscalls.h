/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syscall layer: the nine agent calls (472-480) as the kernel executes them, once their
 * arguments are in kernel memory. The only place raw call arguments arrive
 * (kernel/agent/syscalls.c): every field is checked here, then pure functions run.
 *
 * Who calls these:
 *  - the Linux module's ioctl glue (/dev/coconut) and, in the fork, the syscall table: they map
 *    the current task to its AID, copy the user memory in (bounded by the limits below) and the
 *    results out; pointers here are kernel memory;
 *  - the simulator and the Python bindings, which issue calls "as an agent".
 *
 * Every call returns >= 0 or -errno, never crashes and never leaks on any input; docs/uapi.md
 * lists every errno of every call and when it is returned. The checks run in one fixed order,
 * and the first failure is the answer:
 *   0. the caller is AID 0 (no agent: an unbound /dev/coconut file): -ESRCH, before any
 *      argument is read, so a process that is no agent makes the kernel decode nothing;
 *   1. the arguments' shape and content, which need no state (-EFAULT, -EINVAL, -E2BIG,
 *      -ENAMETOOLONG, -EBADMSG, ...);
 *   2. the caller: unknown or AID 0 -ESRCH, terminated -ESTALE;
 *   3. the target AID: the same;
 *   4. identity rules (caller is the agent, an ancestor, ...): -EPERM, not audited;
 *   5. capability decisions (the LSM, each one audited): -ECAPABILITY;
 *   6. the operation itself.
 * Each call takes the instance lock for steps 2-6 and, with cfg.seal_inline, seals the audit
 * rings after releasing it, so a query sees every event of the calls before it.
 */
#ifndef COCONUT_SYSCALLS_H
#define COCONUT_SYSCALLS_H

#include "coconut/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 472: spawn a child of caller from a signed request; the new AID. */
s64 co_sys_agent_spawn(struct co_kernel *k, u64 caller, const u8 *req, size_t len);

/* 473: the attestation chain of aid (CBOR) into buf; bytes written, -EMSGSIZE if too small. */
s64 co_sys_agent_attest(struct co_kernel *k, u64 caller, u64 aid, u8 *buf, size_t len);

/*
 * 474: set (flags & COCONUT_QUOTA_SET) or query a budget of aid. A query writes
 * out_budget_used[0] = budget and [1] = used (required); a set writes them too when given.
 */
s64 co_sys_agent_quota(struct co_kernel *k, u64 caller, u64 aid, u32 kind, u64 budget,
		       u32 flags, u64 *out_budget_used);

/* 475: grant one or more caps ('\n'-separated canonical texts) to aid; all or nothing. */
s64 co_sys_agent_cap_grant(struct co_kernel *k, u64 caller, u64 aid, const char *cap,
			   size_t len);

/* 476: revoke one cap (its canonical text) from aid and what was derived from it. */
s64 co_sys_agent_cap_revoke(struct co_kernel *k, u64 caller, u64 aid, const char *cap,
			    size_t len);

/*
 * 477: would aid be allowed kind_name (e.g. "fs.read") on the concrete object? 0 or
 * -ECAPABILITY; one audited LSM decision about aid.
 */
s64 co_sys_agent_cap_present(struct co_kernel *k, u64 caller, u64 aid, const char *kind_name,
			     size_t kind_len, const char *object, size_t obj_len);

/* 478: a segment of the sealed audit chain matching the filter (CBOR); bytes written. */
s64 co_sys_agent_audit_query(struct co_kernel *k, u64 caller,
			     const struct coconut_audit_filter *f, u8 *buf, size_t len);

/* 479: allocate request_bytes of a memory tier for aid; the address. */
s64 co_sys_agent_memory_tier(struct co_kernel *k, u64 caller, u64 aid, u32 tier,
			     u64 request_bytes);

/*
 * 480: aid ends with its live subtree: the caller itself exits (Terminated-clean), a strict
 * descendant is killed by it (Terminated-revoked, a caller not quarantined); root never.
 * Everything they held goes back: table slots, tier extents, pending operations (-ECAPABILITY
 * when they complete), their tenant's counts. 0; -EINVAL (flags), -ESRCH/-ESTALE, -EPERM,
 * -EBUSY (audit ring full: nothing ended).
 */
s64 co_sys_agent_exit(struct co_kernel *k, u64 caller, u64 aid, u32 flags);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_SYSCALLS_H */
