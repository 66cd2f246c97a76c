/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libcoconut: the nine agent calls (docs/uapi.md) for userspace C, over one of two backends
 * chosen at open:
 *  - COCONUT_BACKEND_IOCTL: /dev/coconut of coconut.ko (the stock 6.12 kernel plus the module);
 *  - COCONUT_BACKEND_SYSCALL: syscalls 472-480 of the Coconut fork (docs/fork.md).
 * Both carry the same versioned call structs of <uapi/linux/coconut.h>; every function returns
 * what the call returns: >= 0, or -errno (never -1 with errno set). Nothing here allocates.
 *
 * The caller's AID: with the ioctl backend an open handle calls as the AID it is bound to
 * (coconut_bind, CAP_SYS_ADMIN; unbound: AID 0, so calls answer -ESRCH); with the syscall
 * backend the kernel decides (docs/fork.md).
 */
#ifndef LIBCOCONUT_H
#define LIBCOCONUT_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/linux/coconut.h"

#ifdef __cplusplus
extern "C" {
#endif

enum coconut_backend {
	COCONUT_BACKEND_IOCTL = 0,
	COCONUT_BACKEND_SYSCALL = 1,
};

#define COCONUT_DEV_PATH "/dev/coconut"

struct coconut {
	enum coconut_backend backend;
	int fd;		/* /dev/coconut (ioctl backend), -1 otherwise */
};

/* Opens a handle; dev_path NULL means COCONUT_DEV_PATH. 0 or -errno. */
int coconut_open(struct coconut *c, enum coconut_backend backend, const char *dev_path);
void coconut_close(struct coconut *c);

/* Module control (ioctl backend only; -EOPNOTSUPP with the syscall backend). */
int coconut_bind(struct coconut *c, uint64_t aid);
int coconut_info(struct coconut *c, struct coconut_info_args *out);
int coconut_tpm_nv_read(struct coconut *c, uint32_t index, struct coconut_tpm_nv_args *out);
/* Seals the audit rings now; the events added to the chain. */
int64_t coconut_seal(struct coconut *c);
/* COCONUT_IOC_AUDIT_EXPORT: op, seq (ACK), buf/len (READ); *cursor gets the export cursor. */
int64_t coconut_audit_export(struct coconut *c, uint32_t op, uint64_t seq, void *buf, size_t len,
			     uint64_t *cursor);

/* The nine calls (472-480). */
int64_t coconut_agent_spawn(struct coconut *c, const void *req, size_t len);
int64_t coconut_agent_attest(struct coconut *c, uint64_t aid, void *buf, size_t len);
/* out (may be NULL for a set) receives {budget, used}. */
int64_t coconut_agent_quota(struct coconut *c, uint64_t aid, uint32_t kind, uint64_t budget,
			    uint32_t flags, uint64_t out[2]);
int64_t coconut_agent_cap_grant(struct coconut *c, uint64_t aid, const char *caps, size_t len);
int64_t coconut_agent_cap_revoke(struct coconut *c, uint64_t aid, const char *cap, size_t len);
int64_t coconut_agent_cap_present(struct coconut *c, uint64_t aid, const char *kind,
				  size_t kind_len, const char *object, size_t obj_len);
int64_t coconut_agent_audit_query(struct coconut *c, const struct coconut_audit_filter *f,
				  void *buf, size_t len);
int64_t coconut_agent_memory_tier(struct coconut *c, uint64_t aid, uint32_t tier,
				  uint64_t request_bytes);
/* The caller itself exits, or kills its descendant aid (with their subtrees). */
int64_t coconut_agent_exit(struct coconut *c, uint64_t aid);

/* A raw call: the ioctl command (COCONUT_IOC_*) and its struct, for tests and fuzzers. */
int64_t coconut_call_raw(struct coconut *c, unsigned long cmd, void *args);

#ifdef __cplusplus
}
#endif

#endif /* LIBCOCONUT_H */
