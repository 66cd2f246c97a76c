// SPDX-License-Identifier: GPL-2.0
/*
 * coconut.ko: one Coconut kernel instance (coconut/kernel.h) built from the same kernel C the
 * simulator links, on the Linux platform (platform_linux.c), with the audit sealer as a
 * kernel thread (sealer.c), the nine calls on /dev/coconut (ioctl.c) and agentfs
 * (agentfs_fs.c). docs/module.md describes the parameters, the locks and the lifecycle.
 *
 * Load: BLAKE3 self-check, the instance (root agent, audited), the trusted authorizer keys,
 * the sealer, agentfs, and /dev/coconut last (calls can come from then on).
 * Unload: the reverse; the sealer drains the rings, the instance is destroyed, and any
 * allocation still outstanding is reported as a leak.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/hex.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "coconut/blake3.h"
#include "coconut_mod.h"

struct coconut_mod coconut_mod;

/* The root agent's caps unless root_caps= is given: what the kernel tests' default root holds. */
static const char coconut_root_caps_default[] =
	"agent.spawn,audit.query,fs.read:/**,fs.write:/data/**,net.egress:*.example.com:443,"
	"gpu:0/**,inference:*,mem.tier:*,cap.grant:fs.read:/**";

#if COCONUT_DET
/*
 * Test builds only (coconut_mod.h, COCONUT_DET): a fixed boot id lets parity runs reproduce a
 * chain, and would let an anchor from another boot decode as this one's on a real machine.
 */
static char *boot_id;
module_param(boot_id, charp, 0444);
MODULE_PARM_DESC(boot_id, "test builds: this boot's id, 32 hex digits; default random");
#endif

static char *authorizers[CO_AUTHORIZERS_MAX];
static int authorizers_count;
module_param_array(authorizers, charp, &authorizers_count, 0444);
MODULE_PARM_DESC(authorizers, "trusted manifest keys: Ed25519 public keys, 64 hex digits each");

static char *root_caps;
module_param(root_caps, charp, 0444);
MODULE_PARM_DESC(root_caps, "the root agent's caps, canonical texts separated by ','");

static unsigned int seal_interval_ms = 20;
module_param(seal_interval_ms, uint, 0444);
MODULE_PARM_DESC(seal_interval_ms, "the sealer thread's period, ms (default 20)");

static bool seal_each_call = true;
module_param(seal_each_call, bool, 0444);
MODULE_PARM_DESC(seal_each_call, "seal after every ioctl, outside the instance lock (default Y)");

/*
 * Deterministic mode (docs/module.md): the clock and CPU come from COCONUT_IOC_DET_SET, the
 * trace's internal calls from COCONUT_IOC_DET_OP, and nothing seals but those calls. The
 * topology parameters below give the instance a trace header's configuration; 0 keeps the
 * default (cpus only applies in det mode: otherwise the real CPUs count).
 */
#if COCONUT_DET
static bool det_clock;
module_param(det_clock, bool, 0444);
MODULE_PARM_DESC(det_clock, "test-only deterministic mode for trace parity (default N)");

static unsigned int cpus = 1;
module_param(cpus, uint, 0444);
MODULE_PARM_DESC(cpus, "det mode: CPUs (audit rings) of the instance (default 1)");
#else
/* A production build: the deterministic mode is not compiled in (coconut_mod.h). */
static const bool det_clock;
static const unsigned int cpus = 1;
#endif

static unsigned int ring_slots;
module_param(ring_slots, uint, 0444);
MODULE_PARM_DESC(ring_slots, "audit ring slots per CPU, a power of two (0: default)");

static unsigned int log_events;
module_param(log_events, uint, 0444);
MODULE_PARM_DESC(log_events, "sealed audit events kept for queries (0: default)");

static unsigned long long anchor_every_events;
module_param(anchor_every_events, ullong, 0444);
MODULE_PARM_DESC(anchor_every_events, "TPM anchor every K sealed events (0: default)");

static unsigned long long anchor_every_ns;
module_param(anchor_every_ns, ullong, 0444);
MODULE_PARM_DESC(anchor_every_ns, "and T ns after the last anchor (0: default)");

/* Signed so that 0 can mean "no floor" (a trace's kernel had none) and -1 the default. */
static long anchor_min_ns = -1;
module_param(anchor_min_ns, long, 0444);
MODULE_PARM_DESC(anchor_min_ns, "no two TPM anchor writes closer, ns (-1: default, 0: none)");

/* Signed for the same reason: -1 default, 0 no limit (a trace's kernel had none). */
static int fail_burst = -1;
module_param(fail_burst, int, 0444);
MODULE_PARM_DESC(fail_burst, "audited failures an agent may burst (-1: default, 0: no limit)");

static long fail_refill_ns = -1;
module_param(fail_refill_ns, long, 0444);
MODULE_PARM_DESC(fail_refill_ns, "one more audited failure every this many ns (-1: default)");

static unsigned int tpm_nv_index;
module_param(tpm_nv_index, uint, 0444);
MODULE_PARM_DESC(tpm_nv_index, "the anchors' TPM NV index (0: default)");

static unsigned long long tier_capacity_bytes[COCONUT_TIER_COUNT];
static int tier_capacity_count;
module_param_array(tier_capacity_bytes, ullong, &tier_capacity_count, 0444);
MODULE_PARM_DESC(tier_capacity_bytes, "hbm,ram,ssd capacities in bytes (0: default)");

/* Per-tenant limits (coconut/limits.h, "Per-tenant limits"); 0 keeps the default. */
static unsigned int tenant_agents_max;
module_param(tenant_agents_max, uint, 0444);
MODULE_PARM_DESC(tenant_agents_max, "live agents one tenant may have (0: a quarter of 4096)");

static unsigned int tenant_extents_max;
module_param(tenant_extents_max, uint, 0444);
MODULE_PARM_DESC(tenant_extents_max, "extents of each tier one tenant may hold (0: 256)");

static unsigned int tenant_tier_percent;
module_param(tenant_tier_percent, uint, 0444);
MODULE_PARM_DESC(tenant_tier_percent, "percent of each tier's bytes one tenant may hold (0: 25)");

/* BLAKE3("abc"), as printed by b3sum. */
static const u8 coconut_blake3_abc[CO_BLAKE3_OUT_BYTES] = {
	0x64, 0x37, 0xb3, 0xac, 0x38, 0x46, 0x51, 0x33, 0xff, 0xb6, 0x3b, 0x75, 0x27, 0x3a, 0x8d, 0xb5,
	0x48, 0xc5, 0x58, 0x46, 0x5d, 0x79, 0xdb, 0x03, 0xfd, 0x35, 0x9c, 0x6c, 0xd5, 0xbd, 0x9d, 0x85,
};

static int coconut_hex(const char *what, const char *s, u8 *out, size_t bytes)
{
	if (!s || strlen(s) != 2 * bytes || hex2bin(out, s, bytes)) {
		pr_err("%s: expected %zu hex digits, got '%s'\n", what, 2 * bytes, s ? s : "");
		return -EINVAL;
	}
	return 0;
}

/*
 * The boot id from the RNG once it is seeded: built into the fork this runs at an initcall,
 * which may come before the RNG has its entropy, and get_random_bytes() would not wait.
 */
static int coconut_boot_id(u8 id[CO_BOOT_ID_SIZE])
{
#if COCONUT_DET
	if (boot_id && boot_id[0])
		return coconut_hex("boot_id", boot_id, id, CO_BOOT_ID_SIZE);
#endif
	return get_random_bytes_wait(id, CO_BOOT_ID_SIZE);
}

/* root_caps= (or the default) as the kernel wants it: one text a line. */
static char *coconut_root_caps_text(size_t *len)
{
	const char *src = root_caps && root_caps[0] ? root_caps : coconut_root_caps_default;
	char *text = kstrdup(src, GFP_KERNEL);
	size_t i;

	if (!text)
		return NULL;
	*len = strlen(text);
	for (i = 0; i < *len; i++)
		if (text[i] == ',')
			text[i] = '\n';
	return text;
}

static int coconut_add_authorizers(struct co_kernel *k)
{
	u8 pk[COCONUT_PUBKEY_SIZE];
	int i, rc;

	for (i = 0; i < authorizers_count; i++) {
		rc = coconut_hex("authorizers", authorizers[i], pk, sizeof(pk));
		if (!rc)
			rc = co_kernel_add_authorizer(k, pk);
		if (rc) {
			pr_err("authorizer %d refused (%d)\n", i, rc);
			return rc;
		}
	}
	return 0;
}

/* The topology parameters given (non-zero) over the defaults; the kernel C judges them. */
static void coconut_config_topology(struct co_kernel_config *cfg)
{
	int t;

	if (ring_slots)
		cfg->audit.ring_slots = ring_slots;
	if (log_events)
		cfg->audit.log_events = log_events;
	if (anchor_every_events)
		cfg->audit.anchor_every_events = anchor_every_events;
	if (anchor_every_ns)
		cfg->audit.anchor_every_ns = anchor_every_ns;
	if (anchor_min_ns >= 0)
		cfg->audit.anchor_min_ns = (u64)anchor_min_ns;
	if (fail_burst >= 0)
		cfg->fail_burst = (u32)fail_burst;
	if (fail_refill_ns >= 0)
		cfg->fail_refill_ns = (u64)fail_refill_ns;
	if (tpm_nv_index)
		cfg->audit.tpm_nv_index = tpm_nv_index;
	for (t = 0; t < tier_capacity_count && t < COCONUT_TIER_COUNT; t++)
		if (tier_capacity_bytes[t])
			cfg->tier_capacity_bytes[t] = tier_capacity_bytes[t];
	/* Out of range values make co_kernel_create refuse, with the reason in the log. */
	if (tenant_agents_max)
		cfg->tenant_agents_max = tenant_agents_max;
	if (tenant_extents_max)
		cfg->tenant_extents_max = tenant_extents_max;
	if (tenant_tier_percent)
		cfg->tenant_tier_percent = tenant_tier_percent;
}

static int coconut_instance_create(struct coconut_mod *m)
{
	struct co_kernel_config cfg;
	u8 id[CO_BOOT_ID_SIZE];
	size_t caps_len = 0;
	char *caps;
	int rc;

	rc = coconut_boot_id(id);
	if (rc)
		return rc;
	if (det_clock && (cpus == 0 || cpus > CO_AUDIT_CPUS_MAX)) {
		pr_err("cpus: expected 1..%u, got %u\n", CO_AUDIT_CPUS_MAX, cpus);
		return -EINVAL;
	}
	coconut_plat_init(&m->pctx, id, det_clock ? cpus : 0);
	m->plat.ops = &coconut_plat_ops;
	m->plat.ctx = &m->pctx;

	co_kernel_config_default(&cfg, coconut_plat_ops.cpu_count(&m->pctx));
	coconut_config_topology(&cfg);
	/* Never seal under the instance lock: the thread and the ioctls seal (coconut_mod.h). */
	cfg.seal_inline = false;
	caps = coconut_root_caps_text(&caps_len);
	if (!caps)
		return -ENOMEM;
	cfg.root_caps = caps;
	cfg.root_caps_len = caps_len;
	m->k = co_kernel_create(&m->plat, &cfg);
	kfree(caps); /* the instance keeps its own copy */
	if (!m->k)
		return -EINVAL; /* the reason is in the log (co_kernel_create) */
	rc = coconut_add_authorizers(m->k);
	if (rc) {
		co_kernel_destroy(m->k);
		m->k = NULL;
	}
	return rc;
}

static void coconut_leak_check(struct coconut_mod *m)
{
	s64 n = atomic64_read(&m->pctx.live_allocs);

	if (n)
		pr_err("leak: %lld allocations (%lld bytes) not freed\n", (long long)n,
		       (long long)atomic64_read(&m->pctx.live_bytes));
}

static int __init coconut_init(void)
{
	struct coconut_mod *m = &coconut_mod;
	u8 digest[CO_BLAKE3_OUT_BYTES];
	int rc;

	co_blake3_hash("abc", 3, digest);
	if (memcmp(digest, coconut_blake3_abc, sizeof(digest)) != 0) {
		pr_err("self-check failed: BLAKE3(\"abc\") = %*phN\n", (int)sizeof(digest), digest);
		return -EIO;
	}
	memset(m, 0, sizeof(*m));
	mutex_init(&m->seal_mutex);
	/* Det mode: only the trace's seal records seal (no thread, no seal after each call). */
	m->seal_each_call = seal_each_call && !det_clock;
	rc = coconut_instance_create(m);
	if (rc)
		goto fail_leak;
	if (!det_clock) {
		rc = coconut_sealer_start(m, seal_interval_ms);
		if (rc)
			goto fail_instance;
	}
	rc = coconut_agentfs_register();
	if (rc)
		goto fail_sealer;
	rc = coconut_dev_register();
	if (rc)
		goto fail_agentfs;
	if (det_clock)
		pr_info("loaded: deterministic mode (test only), %u CPUs, %d authorizers, boot id %*phN, no sealer\n",
			m->k->cfg.cpu_count, authorizers_count, CO_BOOT_ID_SIZE, m->pctx.boot_id);
	else
		pr_info("loaded: %u CPUs, %d authorizers, boot id %*phN, sealer every %u ms%s\n",
			m->k->cfg.cpu_count, authorizers_count, CO_BOOT_ID_SIZE, m->pctx.boot_id,
			seal_interval_ms, seal_each_call ? " and after each call" : "");
	return 0;

fail_agentfs:
	coconut_agentfs_unregister();
fail_sealer:
	coconut_sealer_stop(m);
fail_instance:
	co_kernel_destroy(m->k);
	m->k = NULL;
fail_leak:
	coconut_leak_check(m);
	return rc;
}

static void __exit coconut_exit(void)
{
	struct coconut_mod *m = &coconut_mod;
	u64 sealed;
	u8 head[COCONUT_DIGEST_SIZE];

	coconut_dev_unregister();
	coconut_agentfs_unregister();
	coconut_sealer_stop(m);
	co_audit_head(&m->k->audit, head, &sealed);
	co_kernel_destroy(m->k);
	m->k = NULL;
	coconut_leak_check(m);
	pr_info("unloaded: %llu events sealed, head %*phN\n", (unsigned long long)sealed,
		COCONUT_DIGEST_SIZE, head);
}

module_init(coconut_init);
module_exit(coconut_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coconut OS agent kernel: agents, capabilities, audit chain; /dev/coconut, agentfs");
