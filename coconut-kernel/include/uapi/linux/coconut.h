/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Coconut OS agent interface: the single definition shared by the kernel (coconut.ko and the
 * fork), the simulator, libcoconut, the Python bindings and the trace format.
 * docs/uapi.md documents every call, its arguments, returns and every errno.
 *
 * Every struct has explicit sizes, no implicit padding (checked by static asserts in the
 * kernel-C sources) and starts with a version/size pair so it can grow without breaking old
 * callers: the kernel accepts any size >= the first published size and zero-checks a tail it
 * does not know (the openat2/clone3 rule).
 */
#ifndef _UAPI_LINUX_COCONUT_H
#define _UAPI_LINUX_COCONUT_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define COCONUT_UAPI_VERSION 1

/* Syscall numbers (x86_64), pinned. */
#define __NR_agent_spawn 472
#define __NR_agent_attest 473
#define __NR_agent_quota 474
#define __NR_agent_cap_grant 475
#define __NR_agent_cap_revoke 476
#define __NR_agent_cap_present 477
#define __NR_agent_audit_query 478
#define __NR_agent_memory_tier 479
#define __NR_agent_exit 480
#define COCONUT_NR_FIRST __NR_agent_spawn
#define COCONUT_NR_LAST __NR_agent_exit

/* The capability layer's "no": the first errno after EHWPOISON (133). */
#define ECAPABILITY 134

/* Agent IDs: u64, monotonic, never reused. 0 is never valid; 1 is the root agent. */
#define COCONUT_AID_NONE 0ULL
#define COCONUT_AID_ROOT 1ULL

/* The eight agent states. Terminal states (the last two) absorb. */
enum coconut_agent_state {
	COCONUT_STATE_SPAWNING = 0,
	COCONUT_STATE_ATTESTED = 1,
	COCONUT_STATE_ACTIVE = 2,
	COCONUT_STATE_INFERENCE_BLOCKED = 3,
	COCONUT_STATE_CAPABILITY_DENIED = 4,
	COCONUT_STATE_QUARANTINED = 5,
	COCONUT_STATE_TERMINATED_CLEAN = 6,
	COCONUT_STATE_TERMINATED_REVOKED = 7,
	COCONUT_STATE_COUNT = 8,
};

/* Capability kinds; the text form is `kind:object` (docs/uapi.md, "Capabilities"). */
enum coconut_cap_kind {
	COCONUT_CAP_FS_READ = 1,     /* fs.read:<path pattern> */
	COCONUT_CAP_FS_WRITE = 2,    /* fs.write:<path pattern> */
	COCONUT_CAP_NET_EGRESS = 3,  /* net.egress:<host>:<port> */
	COCONUT_CAP_GPU = 4,         /* gpu:<index>/partition/<n> */
	COCONUT_CAP_INFERENCE = 5,   /* inference:<broker> */
	COCONUT_CAP_AGENT_SPAWN = 6, /* agent.spawn */
	COCONUT_CAP_CAP_GRANT = 7,   /* cap.grant:<capability> */
	COCONUT_CAP_AUDIT_QUERY = 8, /* audit.query */
	COCONUT_CAP_MEM_TIER = 9,    /* mem.tier:<hbm|ram|ssd> */
	COCONUT_CAP_KIND_COUNT = 10,
};

/* agent_quota kinds. */
enum coconut_quota_kind {
	COCONUT_QUOTA_CPU = 0,    /* CPU time, ns per accounting period */
	COCONUT_QUOTA_MEM = 1,    /* RAM, bytes */
	COCONUT_QUOTA_HBM = 2,    /* GPU memory, bytes */
	COCONUT_QUOTA_NET = 3,    /* egress, bytes */
	COCONUT_QUOTA_TOKENS = 4, /* inference tokens, prompt + generated */
	COCONUT_QUOTA_PCIE = 5,   /* PCIe transfer, bytes */
	COCONUT_QUOTA_MEMBW = 6,  /* host memory bandwidth, bytes/s: a rate, never charged */
	COCONUT_QUOTA_KIND_COUNT = 7,
};

/* agent_quota flags. */
#define COCONUT_QUOTA_SET 0x1u   /* set the budget (else: query) */
#define COCONUT_QUOTA_BLOCK 0x2u /* over budget blocks (Inference-blocked) rather than -EDQUOT */

/* agent_memory_tier tiers. */
enum coconut_mem_tier {
	COCONUT_TIER_HBM = 0,
	COCONUT_TIER_RAM = 1,
	COCONUT_TIER_SSD = 2,
	COCONUT_TIER_COUNT = 3,
};

/* Audit event types. */
enum coconut_audit_type {
	COCONUT_EV_SPAWN = 1,
	COCONUT_EV_STATE = 2,     /* a state transition */
	COCONUT_EV_CAP_ALLOW = 3, /* an LSM decision: allowed */
	COCONUT_EV_CAP_DENY = 4,  /* an LSM decision: denied */
	COCONUT_EV_GRANT = 5,
	COCONUT_EV_REVOKE = 6,
	COCONUT_EV_QUOTA = 7,
	COCONUT_EV_MEM_TIER = 8,
	COCONUT_EV_EXIT = 9,
	COCONUT_EV_ANCHOR = 10,   /* the chain head was written to TPM NV */
	COCONUT_EV_TYPE_COUNT = 11,
};

/* Sizes shared by every representation. */
#define COCONUT_CAP_TEXT_MAX 256  /* bytes of a capability's text form, without a NUL */
#define COCONUT_DIGEST_SIZE 32    /* BLAKE3-256 */
#define COCONUT_PUBKEY_SIZE 32    /* Ed25519 */
#define COCONUT_SIGNATURE_SIZE 64 /* Ed25519 */

/* The manifest format version (the manifest's "v" key); docs/uapi.md, "Spawn request". */
#define COCONUT_MANIFEST_VERSION 1

/*
 * Call structs: the fixed layouts the ioctl layer (/dev/coconut) and the trace format carry the
 * nine calls in. Each starts with __u32 size = sizeof the struct as the caller compiled it; the
 * kernel accepts any size >= the _SIZE_VER0 value and refuses unknown non-zero tail bytes with
 * -E2BIG (the openat2/clone3 rule). Pointers travel as __u64 (u64_to_user_ptr); every reserved
 * field must be zero (-EINVAL otherwise). Every struct is a multiple of 8 bytes, without padding.
 */

/* agent_audit_query: which sealed events to return. Unset fields (0) match everything. */
struct coconut_audit_filter {
	__u32 size;		/* COCONUT_AUDIT_FILTER_SIZE_VER0 or more */
	__u32 type;		/* enum coconut_audit_type; 0: any */
	__u64 aid;		/* the acting agent; 0: any (terminated agents included) */
	__u64 time_from_ns;	/* [from, to) on the event's time; to 0: open-ended */
	__u64 time_to_ns;
	__u64 seq_from;		/* first chain index to consider (paging) */
	__u32 max_events;	/* 0: the kernel's segment maximum (512) */
	__u16 cap_len;		/* 0: any; else cap[0..cap_len) is the exact capability text */
	__u16 reserved;		/* must be 0 */
	char cap[COCONUT_CAP_TEXT_MAX];	/* not NUL-terminated; bytes past cap_len ignored */
};
#define COCONUT_AUDIT_FILTER_SIZE_VER0 304

/* agent_spawn(req, len) -> new AID. */
struct coconut_spawn_args {
	__u32 size;		/* COCONUT_SPAWN_ARGS_SIZE_VER0 */
	__u32 flags;		/* none defined: must be 0 */
	__u64 req_ptr;		/* the CBOR spawn request */
	__u64 req_len;
};
#define COCONUT_SPAWN_ARGS_SIZE_VER0 24

/* agent_attest(aid, buf, len) -> bytes written. */
struct coconut_attest_args {
	__u32 size;		/* COCONUT_ATTEST_ARGS_SIZE_VER0 */
	__u32 reserved;
	__u64 aid;
	__u64 buf_ptr;
	__u64 buf_len;
};
#define COCONUT_ATTEST_ARGS_SIZE_VER0 32

/* agent_quota(aid, kind, budget, flags) -> 0; the kernel fills out_budget and out_used. */
struct coconut_quota_args {
	__u32 size;		/* COCONUT_QUOTA_ARGS_SIZE_VER0 */
	__u32 kind;		/* enum coconut_quota_kind */
	__u64 aid;
	__u64 budget;		/* with COCONUT_QUOTA_SET; must be 0 for a query */
	__u32 flags;		/* COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK */
	__u32 reserved;
	__u64 out_budget;	/* written by the kernel */
	__u64 out_used;		/* written by the kernel */
};
#define COCONUT_QUOTA_ARGS_SIZE_VER0 48

/* agent_cap_grant / agent_cap_revoke(aid, cap) -> 0. */
struct coconut_cap_args {
	__u32 size;		/* COCONUT_CAP_ARGS_SIZE_VER0 */
	__u32 reserved;
	__u64 aid;
	__u64 cap_ptr;		/* canonical text(s), '\n'-separated for grant, no NUL */
	__u64 cap_len;
};
#define COCONUT_CAP_ARGS_SIZE_VER0 32

/* agent_cap_present(aid, kind, object) -> 0 or -ECAPABILITY. */
struct coconut_cap_present_args {
	__u32 size;		/* COCONUT_CAP_PRESENT_ARGS_SIZE_VER0 */
	__u32 reserved;
	__u64 aid;
	__u64 kind_ptr;		/* the kind's name, e.g. "fs.read" */
	__u64 kind_len;
	__u64 object_ptr;	/* the concrete object, e.g. "/data/a.txt" */
	__u64 object_len;
};
#define COCONUT_CAP_PRESENT_ARGS_SIZE_VER0 48

/* agent_audit_query(filter, buf, len) -> bytes written. */
struct coconut_audit_query_args {
	__u32 size;		/* COCONUT_AUDIT_QUERY_ARGS_SIZE_VER0 */
	__u32 reserved;
	__u64 filter_ptr;	/* struct coconut_audit_filter */
	__u64 buf_ptr;
	__u64 buf_len;
};
#define COCONUT_AUDIT_QUERY_ARGS_SIZE_VER0 32

/*
 * agent_memory_tier(aid, tier, request) -> address. VER1 adds out_addr: ioctl(2) returns an int,
 * which cannot carry an address, so COCONUT_IOC_MEMORY_TIER requires VER1 and returns 0 with the
 * address in out_addr; the syscall (a long) and the trace format need only VER0.
 */
struct coconut_memory_tier_args {
	__u32 size;		/* COCONUT_MEMORY_TIER_ARGS_SIZE_VER1 (VER0 without out_addr) */
	__u32 tier;		/* enum coconut_mem_tier */
	__u64 aid;
	__u64 request_bytes;
	__u64 out_addr;		/* VER1: written by the kernel (ioctl) */
};
#define COCONUT_MEMORY_TIER_ARGS_SIZE_VER0 24
#define COCONUT_MEMORY_TIER_ARGS_SIZE_VER1 32

/*
 * agent_exit(aid) -> 0. The caller itself: it exits (Terminated-clean); a strict descendant:
 * the caller kills it (Terminated-revoked). Either way its live subtree goes with it, and
 * everything they held (table slots, tier extents, pending operations) is given back.
 */
struct coconut_exit_args {
	__u32 size;		/* COCONUT_EXIT_ARGS_SIZE_VER0 */
	__u32 reserved;
	__u64 aid;
};
#define COCONUT_EXIT_ARGS_SIZE_VER0 16

/*
 * coconut.ko's /dev/coconut: one ioctl per call, each carrying its call struct (docs/uapi.md,
 * "The ioctls"). The module dispatches on the magic and the number only: the size encoded in
 * the command is the VER0 size, and the struct's own size field says how much the caller
 * passed (a newer, longer struct keeps working). Each returns what the call returns (>= 0, or
 * -1 with errno); results written into the struct are copied back.
 */
#define COCONUT_IOC_MAGIC 0xC0
#define COCONUT_IOC_SPAWN _IOWR(COCONUT_IOC_MAGIC, 0x01, struct coconut_spawn_args)
#define COCONUT_IOC_ATTEST _IOWR(COCONUT_IOC_MAGIC, 0x02, struct coconut_attest_args)
#define COCONUT_IOC_QUOTA _IOWR(COCONUT_IOC_MAGIC, 0x03, struct coconut_quota_args)
#define COCONUT_IOC_CAP_GRANT _IOWR(COCONUT_IOC_MAGIC, 0x04, struct coconut_cap_args)
#define COCONUT_IOC_CAP_REVOKE _IOWR(COCONUT_IOC_MAGIC, 0x05, struct coconut_cap_args)
#define COCONUT_IOC_CAP_PRESENT _IOWR(COCONUT_IOC_MAGIC, 0x06, struct coconut_cap_present_args)
#define COCONUT_IOC_AUDIT_QUERY _IOWR(COCONUT_IOC_MAGIC, 0x07, struct coconut_audit_query_args)
#define COCONUT_IOC_MEMORY_TIER _IOWR(COCONUT_IOC_MAGIC, 0x08, struct coconut_memory_tier_args)
#define COCONUT_IOC_EXIT _IOWR(COCONUT_IOC_MAGIC, 0x09, struct coconut_exit_args)
/* Module control, not agent calls. */
#define COCONUT_IOC_BIND _IOWR(COCONUT_IOC_MAGIC, 0x20, struct coconut_bind_args)
#define COCONUT_IOC_INFO _IOWR(COCONUT_IOC_MAGIC, 0x21, struct coconut_info_args)
#define COCONUT_IOC_TPM_NV_READ _IOWR(COCONUT_IOC_MAGIC, 0x22, struct coconut_tpm_nv_args)
#define COCONUT_IOC_SEAL _IO(COCONUT_IOC_MAGIC, 0x23)
#define COCONUT_IOC_AUDIT_EXPORT _IOWR(COCONUT_IOC_MAGIC, 0x24, struct coconut_audit_export_args)

/*
 * COCONUT_IOC_BIND: the AID this open file issues calls as (CAP_SYS_ADMIN only: there is no
 * task-to-agent link in the module yet), for the binding process only, until it execs (any
 * other process: -EPERM); aid must have been handed out (-ESRCH), 0 unbinds. An unbound
 * file calls as AID 0: every agent call answers -ESRCH before anything is copied in.
 */
struct coconut_bind_args {
	__u32 size;		/* COCONUT_BIND_ARGS_SIZE_VER0 */
	__u32 reserved;
	__u64 aid;
};
#define COCONUT_BIND_ARGS_SIZE_VER0 16

/* COCONUT_IOC_INFO: the chain and the LSM counters, for tests and the parity harness. */
struct coconut_info_args {
	__u32 size;		/* COCONUT_INFO_ARGS_SIZE_VER0 */
	__u32 reserved;
	__u64 sealed;		/* events in the chain */
	__u64 pending;		/* appended, not yet sealed */
	__u64 lsm_allows;
	__u64 lsm_denies;
	__u64 anchors;		/* successful TPM NV writes */
	__u64 next_aid;
	__u8 boot_id[16];
	__u8 head[COCONUT_DIGEST_SIZE];	/* head_{sealed} */
};
#define COCONUT_INFO_ARGS_SIZE_VER0 104

/*
 * COCONUT_IOC_AUDIT_EXPORT (CAP_SYS_ADMIN): the chain's exporter, a daemon that keeps every
 * event (docs/audit.md, "Export"). While the export is on, no event leaves the in-memory
 * window before the exporter acknowledged it: a flood waits (appends answer -EBUSY) instead of
 * pushing other tenants' events out. op ON (owed: what is still in the window), OFF, ACK
 * (every event below seq is kept; -EINVAL beyond the chain or with the export off), READ (the
 * unfiltered segment from the cursor into buf_ptr/buf_len: returns its bytes, as an audit
 * query does). Every op writes the cursor (the first event not acknowledged) back to seq.
 */
enum coconut_audit_export_op {
	COCONUT_AUDIT_EXPORT_ON = 1,
	COCONUT_AUDIT_EXPORT_OFF = 2,
	COCONUT_AUDIT_EXPORT_ACK = 3,
	COCONUT_AUDIT_EXPORT_READ = 4,
};

struct coconut_audit_export_args {
	__u32 size;		/* COCONUT_AUDIT_EXPORT_ARGS_SIZE_VER0 */
	__u32 op;		/* enum coconut_audit_export_op */
	__u64 seq;		/* ACK: acknowledged below it; written back: the cursor */
	__u64 buf_ptr;		/* READ: the segment's buffer */
	__u32 buf_len;
	__u32 reserved;
};
#define COCONUT_AUDIT_EXPORT_ARGS_SIZE_VER0 32

/* COCONUT_IOC_TPM_NV_READ: the last write to NV index `index` the module's TPM stub saw. */
struct coconut_tpm_nv_args {
	__u32 size;		/* COCONUT_TPM_NV_ARGS_SIZE_VER0 */
	__u32 index;
	__u64 writes;		/* written by the kernel: writes to the index so far */
	__u32 len;		/* written by the kernel: bytes of data */
	__u32 reserved;
	__u8 data[64];
};
#define COCONUT_TPM_NV_ARGS_SIZE_VER0 88

/*
 * Test-only: the deterministic mode (module parameter det_clock=1; docs/module.md,
 * "Deterministic mode"), for co-simulation parity with the simulator's traces. Without
 * det_clock both ioctls answer -EPERM; they need CAP_SYS_ADMIN as well.
 *
 * COCONUT_IOC_DET_SET: the time (ns) and CPU id the platform reports from now on, until the
 * next DET_SET (a trace record's t and cpu). -EINVAL for a cpu not below the instance's CPUs.
 */
#define COCONUT_IOC_DET_SET _IOWR(COCONUT_IOC_MAGIC, 0x30, struct coconut_det_set_args)
#define COCONUT_IOC_DET_OP _IOWR(COCONUT_IOC_MAGIC, 0x31, struct coconut_det_op_args)

struct coconut_det_set_args {
	__u32 size;		/* COCONUT_DET_SET_ARGS_SIZE_VER0 */
	__u32 cpu;
	__u64 time_ns;
};
#define COCONUT_DET_SET_ARGS_SIZE_VER0 16

/*
 * COCONUT_IOC_DET_OP: one kernel-internal call of a trace (docs/traces.md), not a syscall. The
 * ioctl returns what the kernel C returned (a negative errno on failure); fields not named are
 * ignored and must be zero.
 *	INFLIGHT_BEGIN	aid, arg = kind, object: co_agent_lookup + co_inflight_begin; token out
 *	INFLIGHT_COMPLETE arg = token: co_inflight_complete
 *	QUARANTINE/RELEASE/KILL caller, aid: co_agent_quarantine/release/kill
 *	EXIT		aid: co_agent_exit
 *	SEAL		arg = max_events: co_audit_seal; returns the events sealed
 *	SEALER_STALL	arg = 0/1: co_audit_set_stalled
 *	TPM_FAIL	arg = count: the TPM stub fails its next count NV writes more (-EIO)
 */
enum coconut_det_op {
	COCONUT_DET_INFLIGHT_BEGIN = 1,
	COCONUT_DET_INFLIGHT_COMPLETE = 2,
	COCONUT_DET_QUARANTINE = 3,
	COCONUT_DET_RELEASE = 4,
	COCONUT_DET_KILL = 5,
	COCONUT_DET_EXIT = 6,
	COCONUT_DET_SEAL = 7,
	COCONUT_DET_SEALER_STALL = 8,
	COCONUT_DET_TPM_FAIL = 9,
};

struct coconut_det_op_args {
	__u32 size;		/* COCONUT_DET_OP_ARGS_SIZE_VER0 */
	__u32 op;		/* enum coconut_det_op */
	__u64 caller;
	__u64 aid;
	__u64 arg;
	__u64 object_ptr;
	__u64 object_len;
	__u64 token;		/* written by the kernel (INFLIGHT_BEGIN; 0 on failure) */
};
#define COCONUT_DET_OP_ARGS_SIZE_VER0 56

#endif /* _UAPI_LINUX_COCONUT_H */
