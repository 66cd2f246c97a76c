/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every call into the kernel instance, in one list (issue 12): the nine syscalls, the kernel
 * entry points the LSM hooks and the exit path use, and the platform's events. A trace
 * (sim/trace, docs/traces.md) is a sequence of these calls; the trace format's table, the
 * simulator's replayer and the guest's co-simulation replayer are derived from this list, so
 * a call is added here and in its handlers, and nowhere else is a list to keep in step.
 *
 * CO_CALLS(X) expands X(ID, name, nr, args) for each call in trace order:
 *   ID    CO_CALL_<ID> (enum co_call);
 *   name  the trace's name of the call (a C identifier: the syscall's name without sys_);
 *   nr    the syscall's number (uapi/linux/coconut.h), 0 for a call that is not a syscall;
 *   args  the trace record's arguments in order, each one of
 *           CO_A_U64(name)  CO_A_U32(name)  CO_A_BOOL(name)
 *           CO_A_LEN(name, max)            (a u64 no larger than max: an output's length)
 *           CO_A_STR(name, max_bytes)  CO_A_HEX(name, max_bytes)
 *         which a user that needs them defines before expanding (args may be dropped).
 */
#ifndef COCONUT_CALLS_H
#define COCONUT_CALLS_H

#include "coconut/limits.h"
#include "uapi/linux/coconut.h"

/* The most bytes a traced text or output may hold: a trace cannot make a replayer allocate
 * more than this for one argument. */
#define CO_CALL_TEXT_BYTES_MAX (64u * 1024u)
#define CO_CALL_OUT_BYTES_MAX (1u << 20)

#define CO_CALLS(X)                                                                           \
	X(AGENT_SPAWN, agent_spawn, __NR_agent_spawn,                                          \
	  CO_A_U64(caller) CO_A_HEX(req, CO_SPAWN_REQUEST_BYTES_MAX))                             \
	X(AGENT_ATTEST, agent_attest, __NR_agent_attest,                                       \
	  CO_A_U64(caller) CO_A_U64(aid) CO_A_LEN(len, CO_CALL_OUT_BYTES_MAX))                 \
	X(AGENT_QUOTA, agent_quota, __NR_agent_quota,                                          \
	  CO_A_U64(caller) CO_A_U64(aid) CO_A_U32(kind) CO_A_U64(budget) CO_A_U32(flags))      \
	X(AGENT_CAP_GRANT, agent_cap_grant, __NR_agent_cap_grant,                              \
	  CO_A_U64(caller) CO_A_U64(aid) CO_A_STR(cap, CO_CALL_TEXT_BYTES_MAX))                \
	X(AGENT_CAP_REVOKE, agent_cap_revoke, __NR_agent_cap_revoke,                           \
	  CO_A_U64(caller) CO_A_U64(aid) CO_A_STR(cap, CO_CALL_TEXT_BYTES_MAX))                \
	X(AGENT_CAP_PRESENT, agent_cap_present, __NR_agent_cap_present,                        \
	  CO_A_U64(caller) CO_A_U64(aid) CO_A_STR(kind, 256)                                   \
		  CO_A_STR(object, CO_CALL_TEXT_BYTES_MAX))                                    \
	X(AGENT_AUDIT_QUERY, agent_audit_query, __NR_agent_audit_query,                        \
	  CO_A_U64(caller) CO_A_U32(type) CO_A_U64(aid) CO_A_U64(time_from_ns)                 \
		  CO_A_U64(time_to_ns) CO_A_U64(seq_from) CO_A_U32(max_events)                 \
			  CO_A_STR(cap, COCONUT_CAP_TEXT_MAX)                                  \
				  CO_A_LEN(len, CO_CALL_OUT_BYTES_MAX))                        \
	X(AGENT_MEMORY_TIER, agent_memory_tier, __NR_agent_memory_tier,                        \
	  CO_A_U64(caller) CO_A_U64(aid) CO_A_U32(tier) CO_A_U64(bytes))                       \
	X(INFLIGHT_BEGIN, inflight_begin, 0,                                                   \
	  CO_A_U64(aid) CO_A_U32(kind) CO_A_STR(object, CO_CALL_TEXT_BYTES_MAX))               \
	X(INFLIGHT_COMPLETE, inflight_complete, 0, CO_A_U64(token))                            \
	X(AGENT_QUARANTINE, agent_quarantine, 0, CO_A_U64(caller) CO_A_U64(aid))               \
	X(AGENT_RELEASE, agent_release, 0, CO_A_U64(caller) CO_A_U64(aid))                     \
	X(AGENT_KILL, agent_kill, 0, CO_A_U64(caller) CO_A_U64(aid))                           \
	X(AGENT_EXIT, agent_exit, __NR_agent_exit, CO_A_U64(aid))                              \
	X(SEAL, seal, 0, CO_A_U32(max_events))                                                 \
	X(SEALER_STALL, sealer_stall, 0, CO_A_BOOL(on))                                        \
	X(TPM_FAIL, tpm_fail, 0, CO_A_U32(count))                                              \
	X(CHECKPOINT, checkpoint, 0, )

enum co_call {
#define CO_CALL_ENUM_(id, name, nr, args) CO_CALL_##id,
	CO_CALLS(CO_CALL_ENUM_)
#undef CO_CALL_ENUM_
	CO_CALL_COUNT
};

/* Every syscall of the uapi is in the list, once: the count and the sum of the numbers (they
 * are consecutive) would both have to be wrong at once for a slip to pass. */
enum {
#define CO_CALL_IS_SYSCALL_(id, name, nr, args) +((nr) != 0)
	CO_CALL_SYSCALLS = 0 CO_CALLS(CO_CALL_IS_SYSCALL_),
#undef CO_CALL_IS_SYSCALL_
#define CO_CALL_NR_SUM_(id, name, nr, args) +(nr)
	CO_CALL_NR_SUM = 0 CO_CALLS(CO_CALL_NR_SUM_)
#undef CO_CALL_NR_SUM_
};
#ifdef __cplusplus
#define CO_CALLS_ASSERT_ static_assert
#else
#define CO_CALLS_ASSERT_ _Static_assert
#endif
CO_CALLS_ASSERT_(CO_CALL_SYSCALLS == COCONUT_NR_LAST - COCONUT_NR_FIRST + 1,
		 "coconut/calls.h lists every syscall of uapi/linux/coconut.h");
CO_CALLS_ASSERT_(CO_CALL_NR_SUM == (COCONUT_NR_FIRST + COCONUT_NR_LAST) * CO_CALL_SYSCALLS / 2,
		 "coconut/calls.h lists each syscall number once");
#undef CO_CALLS_ASSERT_

/* The call's trace name; NULL past the last. */
static inline const char *co_call_name(unsigned int c)
{
	static const char *const names[CO_CALL_COUNT] = {
#define CO_CALL_NAME_(id, name, nr, args) #name,
		CO_CALLS(CO_CALL_NAME_)
#undef CO_CALL_NAME_
	};
	return c < CO_CALL_COUNT ? names[c] : (const char *)0;
}

/* The call named s (NUL-terminated), or CO_CALL_COUNT. No libc: compared byte by byte. */
static inline unsigned int co_call_by_name(const char *s)
{
	unsigned int c;

	for (c = 0; c < CO_CALL_COUNT; c++) {
		const char *n = co_call_name(c);
		unsigned int i = 0;

		while (n[i] && n[i] == s[i] && i < 64)
			i++;
		if (n[i] == '\0' && s[i] == '\0')
			return c;
	}
	return CO_CALL_COUNT;
}

#endif /* COCONUT_CALLS_H */
