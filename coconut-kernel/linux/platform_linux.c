// SPDX-License-Identifier: GPL-2.0
/*
 * The platform interface (coconut/platform.h) on Linux: kvmalloc/kvfree, one spinlock per lock
 * object, ktime_get_ns(), the current CPU, printk, a TPM NV stub that records the last write
 * per index, and the boot id chosen at load (coconut_main.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "coconut_mod.h"

struct co_plat_lock {
	spinlock_t lock;
	/*
	 * Every lock object is made here, so spin_lock_init()'s key (one per call site) would
	 * give them all one lockdep class: the instance lock and the audit lock, taken nested in
	 * that order, looked like recursion to lockdep (scripts/fork-debug.sh found it), and an
	 * inverted order would have gone unseen. A key per object is a class per lock (a handful
	 * per instance, one per audit ring); without lockdep it is empty and these calls vanish.
	 */
	struct lock_class_key key;
};

/*
 * Atomic context, as far as this kernel can tell. Without CONFIG_PREEMPT_COUNT (a
 * PREEMPT_NONE kernel without DEBUG_ATOMIC_SLEEP, such as the fork's small config)
 * preemptible() is always false and a held spinlock leaves no trace: only interrupt context
 * and disabled interrupts can be seen.
 */
static bool coconut_atomic(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		return !preemptible();
	return in_interrupt() || irqs_disabled();
}

static void *coconut_plat_alloc(void *ctx, size_t size_bytes)
{
	struct coconut_plat_ctx *c = ctx;
	void *p;

	/*
	 * The kernel C never allocates under a lock (coconut_mod.h): if it ever does, say so and
	 * fail the allocation (-ENOMEM, a defined answer) rather than sleep in atomic context.
	 */
	if (WARN_ONCE(coconut_atomic(), "coconut: allocation of %zu bytes in atomic context\n",
		      size_bytes))
		return NULL;
	/* The instance, the audit rings and a spawn's scratch are large: vmalloc may serve. */
	p = kvmalloc(size_bytes, GFP_KERNEL | __GFP_NOWARN);
	if (p) {
		atomic64_inc(&c->live_allocs);
		atomic64_add(size_bytes, &c->live_bytes);
	}
	return p;
}

static void coconut_plat_free(void *ctx, void *ptr, size_t size_bytes)
{
	struct coconut_plat_ctx *c = ctx;

	kvfree(ptr);
	atomic64_dec(&c->live_allocs);
	atomic64_sub(size_bytes, &c->live_bytes);
}

static struct co_plat_lock *coconut_plat_lock_create(void *ctx)
{
	struct co_plat_lock *l;

	(void)ctx;
	l = kmalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return NULL;
	lockdep_register_key(&l->key);
	spin_lock_init(&l->lock);
	lockdep_set_class(&l->lock, &l->key);
	return l;
}

static void coconut_plat_lock_destroy(void *ctx, struct co_plat_lock *l)
{
	(void)ctx;
	lockdep_unregister_key(&l->key);
	kfree(l);
}

static void coconut_plat_lock(void *ctx, struct co_plat_lock *l)
{
	(void)ctx;
	spin_lock(&l->lock);
}

static void coconut_plat_unlock(void *ctx, struct co_plat_lock *l)
{
	(void)ctx;
	spin_unlock(&l->lock);
}

static u64 coconut_plat_now_ns(void *ctx)
{
	struct coconut_plat_ctx *c = ctx;

	return c->det ? READ_ONCE(c->det_now_ns) : ktime_get_ns();
}

/*
 * Audit rings are per CPU id; the ring is locked, so a task that migrates after reading its
 * CPU only lands in another CPU's ring. Ids beyond the rings (nr_cpu_ids > 256) fold.
 */
static u32 coconut_plat_cpu_count(void *ctx)
{
	struct coconut_plat_ctx *c = ctx;

	return c->det ? c->det_cpus : min_t(u32, nr_cpu_ids, CO_AUDIT_CPUS_MAX);
}

static u32 coconut_plat_cpu_id(void *ctx)
{
	struct coconut_plat_ctx *c = ctx;

	if (c->det)
		return READ_ONCE(c->det_cpu);
	return (u32)raw_smp_processor_id() % coconut_plat_cpu_count(ctx);
}

static void coconut_plat_log(void *ctx, enum co_log_level level, const char *msg, size_t len)
{
	int n = (int)min_t(size_t, len, 512);

	(void)ctx;
	switch (level) {
	case CO_LOG_ERR:
		pr_err("%.*s\n", n, msg);
		break;
	case CO_LOG_WARN:
		pr_warn("%.*s\n", n, msg);
		break;
	case CO_LOG_INFO:
		pr_info("%.*s\n", n, msg);
		break;
	default:
		pr_debug("%.*s\n", n, msg);
		break;
	}
}

/*
 * No TPM in the guest: the stub keeps the last write of each index (read back through
 * COCONUT_IOC_TPM_NV_READ) so tests and the parity harness can check the anchors.
 */
static int coconut_plat_tpm_nv_write(void *ctx, u32 idx, const u8 *data, size_t len)
{
	struct coconut_plat_ctx *c = ctx;
	struct coconut_tpm_slot *slot = NULL;
	int i;

	if (len > sizeof(slot->data))
		return -EINVAL;
	/*
	 * A real TPM write sleeps, so the stub must be called as one would be: never in atomic
	 * context (no seal under the instance spinlock: cfg.seal_inline is off and lock_is_atomic
	 * makes co_kernel_create refuse it). Said, and refused, rather than hidden by the stub.
	 */
	might_sleep();
	if (WARN_ONCE(coconut_atomic(), "coconut: TPM NV write in atomic context\n"))
		return -EAGAIN;
	spin_lock(&c->tpm_lock);
	/* An injected failure (COCONUT_DET_TPM_FAIL) writes nothing, as a failing TPM would. */
	if (c->tpm_fail_pending) {
		c->tpm_fail_pending--;
		spin_unlock(&c->tpm_lock);
		return -EIO;
	}
	for (i = 0; i < COCONUT_TPM_STUB_INDEXES; i++)
		if (c->tpm[i].used && c->tpm[i].index == idx)
			slot = &c->tpm[i];
	for (i = 0; i < COCONUT_TPM_STUB_INDEXES && !slot; i++)
		if (!c->tpm[i].used)
			slot = &c->tpm[i];
	if (slot) {
		slot->used = true;
		slot->index = idx;
		slot->len = (u32)len;
		memcpy(slot->data, data, len);
		slot->writes++;
	}
	spin_unlock(&c->tpm_lock);
	return slot ? 0 : -ENOSPC;
}

int coconut_tpm_read(struct coconut_plat_ctx *c, u32 idx, u8 *data, u32 *len, u64 *writes)
{
	int i, rc = -ENOENT;

	spin_lock(&c->tpm_lock);
	for (i = 0; i < COCONUT_TPM_STUB_INDEXES; i++) {
		if (c->tpm[i].used && c->tpm[i].index == idx) {
			memcpy(data, c->tpm[i].data, c->tpm[i].len);
			*len = c->tpm[i].len;
			*writes = c->tpm[i].writes;
			rc = 0;
		}
	}
	spin_unlock(&c->tpm_lock);
	return rc;
}

static void coconut_plat_boot_id(void *ctx, u8 out[CO_BOOT_ID_SIZE])
{
	struct coconut_plat_ctx *c = ctx;

	memcpy(out, c->boot_id, CO_BOOT_ID_SIZE);
}

void coconut_plat_init(struct coconut_plat_ctx *c, const u8 boot_id[CO_BOOT_ID_SIZE],
		       u32 det_cpus)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->boot_id, boot_id, CO_BOOT_ID_SIZE);
	/* The clock starts at 0 on CPU 0, as the trace replayer's UserPlatform does. */
	c->det = det_cpus != 0;
	c->det_cpus = det_cpus;
	atomic64_set(&c->live_allocs, 0);
	atomic64_set(&c->live_bytes, 0);
	spin_lock_init(&c->tpm_lock);
}

const struct co_plat_ops coconut_plat_ops = {
	.alloc = coconut_plat_alloc,
	.free = coconut_plat_free,
	.lock_create = coconut_plat_lock_create,
	.lock_destroy = coconut_plat_lock_destroy,
	.lock = coconut_plat_lock,
	.unlock = coconut_plat_unlock,
	.now_ns = coconut_plat_now_ns,
	.cpu_id = coconut_plat_cpu_id,
	.cpu_count = coconut_plat_cpu_count,
	.log = coconut_plat_log,
	.tpm_nv_write = coconut_plat_tpm_nv_write,
	.boot_id = coconut_plat_boot_id,
	.lock_is_atomic = true, /* spinlocks: co_kernel_create refuses cfg.seal_inline */
};
