/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The platform interface: everything coconut-kernel/ needs from outside itself. The Linux
 * module implements it with kmalloc, spinlocks, ktime and the TPM driver (coconut-kernel/linux/);
 * the simulator implements it on simulated time (sim/kernel_model/); unit tests use a plain
 * userspace implementation (sim/platform/).
 *
 * It is a table of function pointers carried by each kernel instance rather than link-time
 * symbols, so one process can host many simulated machines, each with its own clock, CPUs and
 * TPM. Calls are few and off the hot paths except clock and cpu_id.
 */
#ifndef COCONUT_PLATFORM_H
#define COCONUT_PLATFORM_H

#include "coconut/compiler.h"

#define CO_BOOT_ID_SIZE 16

enum co_log_level {
	CO_LOG_ERR = 0,
	CO_LOG_WARN = 1,
	CO_LOG_INFO = 2,
	CO_LOG_DEBUG = 3,
};

struct co_plat_lock; /* opaque: a spinlock in the kernel, a no-op in one simulated thread */

struct co_plat_ops {
	/* Memory: may fail (NULL). Sizes are passed back on free so no header is needed. */
	void *(*alloc)(void *ctx, size_t size_bytes);
	void (*free)(void *ctx, void *ptr, size_t size_bytes);

	/* One lock object per instance-wide structure; never held across a platform call. */
	struct co_plat_lock *(*lock_create)(void *ctx);
	void (*lock_destroy)(void *ctx, struct co_plat_lock *lock);
	void (*lock)(void *ctx, struct co_plat_lock *lock);
	void (*unlock)(void *ctx, struct co_plat_lock *lock);

	/* Monotonic time in ns since boot: ktime_get_ns() in the kernel, simulated time in sim. */
	u64 (*now_ns)(void *ctx);
	/* The CPU the caller runs on, < cpu_count(). */
	u32 (*cpu_id)(void *ctx);
	u32 (*cpu_count)(void *ctx);

	/* A finished line of text (no format strings cross this interface). */
	void (*log)(void *ctx, enum co_log_level level, const char *msg, size_t len);

	/* Writes len bytes to TPM NV index idx; 0 or a negative errno (the sealer retries). */
	int (*tpm_nv_write)(void *ctx, u32 idx, const u8 *data, size_t len);

	/* This boot's identity, fixed for the instance's lifetime; it roots the audit chain. */
	void (*boot_id)(void *ctx, u8 out[CO_BOOT_ID_SIZE]);

	/*
	 * Optional (NULL: alloc, then zeroed here): memory that starts zeroed, freed with free.
	 * A platform that gets zeroed pages for nothing says so here: the simulator's calloc
	 * hands out untouched pages for the audit log window (24 MiB), which zeroing by hand
	 * made a quarter of a small simulation's time.
	 */
	void *(*alloc_zeroed)(void *ctx, size_t size_bytes);

	/*
	 * True when a held lock forbids sleeping (the module's spinlocks): then no call that may
	 * sleep (tpm_nv_write above all: a real TPM write sleeps) may run under the instance
	 * lock, and co_kernel_create() refuses cfg.seal_inline, the one path that seals, and so
	 * writes the TPM, with the instance lock held. False in the simulator and the tests (one
	 * thread, nothing sleeps).
	 */
	bool lock_is_atomic;
};

struct co_plat {
	const struct co_plat_ops *ops;
	void *ctx;
};

static inline void *co_plat_alloc(const struct co_plat *p, size_t size_bytes)
{
	return p->ops->alloc(p->ctx, size_bytes);
}

/* Zeroed memory: the platform's alloc_zeroed, or alloc and a memset. */
static inline void *co_plat_zalloc(const struct co_plat *p, size_t size_bytes)
{
	void *ptr;

	if (p->ops->alloc_zeroed)
		return p->ops->alloc_zeroed(p->ctx, size_bytes);
	ptr = p->ops->alloc(p->ctx, size_bytes);
	if (ptr)
		co_memset(ptr, 0, size_bytes);
	return ptr;
}

static inline void co_plat_free(const struct co_plat *p, void *ptr, size_t size_bytes)
{
	if (ptr)
		p->ops->free(p->ctx, ptr, size_bytes);
}

static inline u64 co_plat_now_ns(const struct co_plat *p)
{
	return p->ops->now_ns(p->ctx);
}

static inline u32 co_plat_cpu_id(const struct co_plat *p)
{
	return p->ops->cpu_id(p->ctx);
}

#endif /* COCONUT_PLATFORM_H */
