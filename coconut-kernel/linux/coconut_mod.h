/* SPDX-License-Identifier: GPL-2.0 */
/*
 * coconut.ko's glue, shared by its files: the one kernel instance and the platform it runs on
 * (platform_linux.c), the sealer thread (sealer.c), /dev/coconut (ioctl.c) and agentfs
 * (agentfs_fs.c). Everything the agent subsystems do is the kernel C of coconut-kernel/,
 * the same files the simulator links; this directory only adapts it to Linux.
 *
 * Locking (docs/module.md, "Locks"): every platform lock object is a spinlock. The kernel C
 * allocates and frees only outside the instance lock (spawn allocates before stage 3 and frees
 * after it), never sleeps under it, and with cfg.seal_inline off never seals under it; so
 * spinlocks are correct and the allocator checks the rule: an allocation in atomic context
 * WARNs and fails (-ENOMEM) instead of sleeping.
 *
 * Sealing: cfg.seal_inline is off. The sealer thread drains the rings every seal_interval_ms,
 * and each ioctl seals once its call returned (seal_each_call, the default), outside the
 * instance lock, so a query sees every event of the calls before it, as the simulator's inline
 * sealing does. coconut_seal() serialises the two: only one seal runs at a time.
 */
#ifndef COCONUT_LINUX_MOD_H
#define COCONUT_LINUX_MOD_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/compiler_types.h>
#include <linux/types.h>

#include "coconut/kernel.h"

/*
 * The deterministic mode (docs/module.md) exists only in test builds: `COCONUT_DET=y`
 * (scripts/build-module.sh; the co-simulation's module, build/kmod-det) defines
 * COCONUT_DET_MODE. Production builds (the default module, the fork) have no det ioctls (they
 * answer ENOTTY), no det_clock=, cpus= or boot_id= parameters, and a boot id from the seeded RNG.
 */
#ifdef COCONUT_DET_MODE
#define COCONUT_DET 1
#else
#define COCONUT_DET 0
#endif

/* TPM NV indexes whose last write the stub keeps (the audit chain uses one). */
#define COCONUT_TPM_STUB_INDEXES 4

struct coconut_tpm_slot {
	bool used;
	u32 index;
	u32 len;
	u64 writes;
	u8 data[CO_AUDIT_ANCHOR_NV_BYTES];
};

/* The platform's context (struct co_plat.ctx). */
struct coconut_plat_ctx {
	u8 boot_id[CO_BOOT_ID_SIZE];
	atomic64_t live_allocs;		/* outstanding allocations: 0 after destroy, else a leak */
	atomic64_t live_bytes;
	spinlock_t tpm_lock;
	struct coconut_tpm_slot tpm[COCONUT_TPM_STUB_INDEXES];
	u32 tpm_fail_pending;		/* NV writes still to fail with -EIO (det mode; tpm_lock) */
	/*
	 * Deterministic mode (det_clock=1, docs/module.md): now_ns and cpu_id are these values,
	 * set by COCONUT_IOC_DET_SET before each call of a trace, and cpu_count is det_cpus.
	 */
	bool det;
	u32 det_cpus;
	u32 det_cpu;
	u64 det_now_ns;
};

struct coconut_mod {
	struct co_kernel *k;
	struct co_plat plat;
	struct coconut_plat_ctx pctx;
	struct mutex seal_mutex;	/* one co_audit_seal() at a time (thread, ioctls, unload) */
	struct task_struct *sealer;
	bool seal_each_call;
};

extern struct coconut_mod coconut_mod;

/* platform_linux.c */
/* det_cpus 0: the real clock and CPUs; else deterministic mode with that many CPUs. */
void coconut_plat_init(struct coconut_plat_ctx *ctx, const u8 boot_id[CO_BOOT_ID_SIZE],
		       u32 det_cpus);
extern const struct co_plat_ops coconut_plat_ops;
/* The last write to NV index idx: 0 and its bytes/count, or -ENOENT when never written. */
int coconut_tpm_read(struct coconut_plat_ctx *ctx, u32 idx, u8 *data, u32 *len, u64 *writes);

/* sealer.c: seal everything pending now (serialised); the events added. */
u32 coconut_seal(struct coconut_mod *m);
int coconut_sealer_start(struct coconut_mod *m, unsigned int interval_ms);
/* Stops the thread, then drains the rings. */
void coconut_sealer_stop(struct coconut_mod *m);

#if COCONUT_DET
/* det.c: COCONUT_IOC_DET_SET and COCONUT_IOC_DET_OP (-EPERM unless det_clock=1). */
long coconut_ioc_det(unsigned int cmd, void __user *uarg);
#endif

/* ioctl.c */
int coconut_dev_register(void);
/*
 * Agent call nr (the _IOC_NR of its COCONUT_IOC_*, 1..8) with its call struct at uarg, as
 * caller; then the seal of seal_each_call. /dev/coconut's ioctls and the fork's syscalls
 * (docs/fork.md) both come here; from_ioctl picks memory_tier's answer (out_addr, or the
 * return value). -ENOTTY for an nr that is no call.
 */
s64 coconut_call(unsigned int nr, u64 caller, void __user *uarg, bool from_ioctl);
void coconut_dev_unregister(void);

/* agentfs_fs.c */
int coconut_agentfs_register(void);
void coconut_agentfs_unregister(void);

#endif /* COCONUT_LINUX_MOD_H */
