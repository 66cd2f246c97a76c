// SPDX-License-Identifier: GPL-2.0
/*
 * libcoconut's two backends. Each call fills its versioned struct (size = the VER0 size this
 * library was built with), then either ioctl(fd, COCONUT_IOC_*, &args) on /dev/coconut or
 * syscall(472 + n - 1, &args) in the fork, whose syscalls take the same struct (docs/fork.md).
 */
#define _GNU_SOURCE
#include "libcoconut.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int coconut_open(struct coconut *c, enum coconut_backend backend, const char *dev_path)
{
	c->backend = backend;
	c->fd = -1;
	if (backend == COCONUT_BACKEND_SYSCALL)
		return 0;
	if (backend != COCONUT_BACKEND_IOCTL)
		return -EINVAL;
	c->fd = open(dev_path ? dev_path : COCONUT_DEV_PATH, O_RDWR | O_CLOEXEC);
	return c->fd < 0 ? -errno : 0;
}

void coconut_close(struct coconut *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int64_t coconut_call_raw(struct coconut *c, unsigned long cmd, void *args)
{
	long rc;

	if (c->backend == COCONUT_BACKEND_SYSCALL) {
		unsigned int n = _IOC_NR(cmd);

		if (_IOC_TYPE(cmd) != COCONUT_IOC_MAGIC || n < 1 ||
		    n > COCONUT_NR_LAST - COCONUT_NR_FIRST + 1)
			return -EOPNOTSUPP; /* module control has no syscall */
		rc = syscall(COCONUT_NR_FIRST + (long)n - 1, args);
	} else {
		rc = ioctl(c->fd, cmd, args);
	}
	return rc < 0 ? -(int64_t)errno : (int64_t)rc;
}

int coconut_bind(struct coconut *c, uint64_t aid)
{
	struct coconut_bind_args a = { .size = sizeof(a), .aid = aid };

	return (int)coconut_call_raw(c, COCONUT_IOC_BIND, &a);
}

int coconut_info(struct coconut *c, struct coconut_info_args *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	return (int)coconut_call_raw(c, COCONUT_IOC_INFO, out);
}

int coconut_tpm_nv_read(struct coconut *c, uint32_t index, struct coconut_tpm_nv_args *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->index = index;
	return (int)coconut_call_raw(c, COCONUT_IOC_TPM_NV_READ, out);
}

int64_t coconut_seal(struct coconut *c)
{
	return coconut_call_raw(c, COCONUT_IOC_SEAL, NULL);
}

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int64_t coconut_audit_export(struct coconut *c, uint32_t op, uint64_t seq, void *buf, size_t len,
			     uint64_t *cursor)
{
	struct coconut_audit_export_args a = { .size = sizeof(a), .op = op, .seq = seq,
					       .buf_ptr = ptr(buf), .buf_len = (uint32_t)len };
	int64_t rc = coconut_call_raw(c, COCONUT_IOC_AUDIT_EXPORT, &a);

	if (cursor)
		*cursor = a.seq;
	return rc;
}

int64_t coconut_agent_spawn(struct coconut *c, const void *req, size_t len)
{
	struct coconut_spawn_args a = { .size = sizeof(a), .req_ptr = ptr(req), .req_len = len };

	return coconut_call_raw(c, COCONUT_IOC_SPAWN, &a);
}

int64_t coconut_agent_attest(struct coconut *c, uint64_t aid, void *buf, size_t len)
{
	struct coconut_attest_args a = {
		.size = sizeof(a), .aid = aid, .buf_ptr = ptr(buf), .buf_len = len,
	};

	return coconut_call_raw(c, COCONUT_IOC_ATTEST, &a);
}

int64_t coconut_agent_quota(struct coconut *c, uint64_t aid, uint32_t kind, uint64_t budget,
			    uint32_t flags, uint64_t out[2])
{
	struct coconut_quota_args a = {
		.size = sizeof(a), .kind = kind, .aid = aid, .budget = budget, .flags = flags,
	};
	int64_t rc = coconut_call_raw(c, COCONUT_IOC_QUOTA, &a);

	if (rc == 0 && out) {
		out[0] = a.out_budget;
		out[1] = a.out_used;
	}
	return rc;
}

static int64_t cap_call(struct coconut *c, unsigned long cmd, uint64_t aid, const char *cap,
			size_t len)
{
	struct coconut_cap_args a = { .size = sizeof(a), .aid = aid, .cap_ptr = ptr(cap),
				      .cap_len = len };

	return coconut_call_raw(c, cmd, &a);
}

int64_t coconut_agent_cap_grant(struct coconut *c, uint64_t aid, const char *caps, size_t len)
{
	return cap_call(c, COCONUT_IOC_CAP_GRANT, aid, caps, len);
}

int64_t coconut_agent_cap_revoke(struct coconut *c, uint64_t aid, const char *cap, size_t len)
{
	return cap_call(c, COCONUT_IOC_CAP_REVOKE, aid, cap, len);
}

int64_t coconut_agent_cap_present(struct coconut *c, uint64_t aid, const char *kind,
				  size_t kind_len, const char *object, size_t obj_len)
{
	struct coconut_cap_present_args a = {
		.size = sizeof(a), .aid = aid, .kind_ptr = ptr(kind), .kind_len = kind_len,
		.object_ptr = ptr(object), .object_len = obj_len,
	};

	return coconut_call_raw(c, COCONUT_IOC_CAP_PRESENT, &a);
}

int64_t coconut_agent_audit_query(struct coconut *c, const struct coconut_audit_filter *f,
				  void *buf, size_t len)
{
	struct coconut_audit_query_args a = {
		.size = sizeof(a), .filter_ptr = ptr(f), .buf_ptr = ptr(buf), .buf_len = len,
	};

	return coconut_call_raw(c, COCONUT_IOC_AUDIT_QUERY, &a);
}

int64_t coconut_agent_memory_tier(struct coconut *c, uint64_t aid, uint32_t tier,
				  uint64_t request_bytes)
{
	struct coconut_memory_tier_args a = {
		.size = sizeof(a), .tier = tier, .aid = aid, .request_bytes = request_bytes,
	};

	int64_t rc = coconut_call_raw(c, COCONUT_IOC_MEMORY_TIER, &a);

	/* The ioctl answers 0 and the address in out_addr; the fork's syscall returns it. */
	if (rc == 0 && c->backend == COCONUT_BACKEND_IOCTL)
		return (int64_t)a.out_addr;
	return rc;
}

int64_t coconut_agent_exit(struct coconut *c, uint64_t aid)
{
	struct coconut_exit_args a = { .size = sizeof(a), .aid = aid };

	return coconut_call_raw(c, COCONUT_IOC_EXIT, &a);
}
