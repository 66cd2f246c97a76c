// SPDX-License-Identifier: GPL-2.0
/*
 * The guest driver: a static program in the QEMU guest's initramfs that drives coconut.ko
 * through libcoconut (ioctl backend), or the forked kernel through its syscalls (syscall
 * backend), and checks every answer.
 *
 *   coconut_guest scenario REQ_DIR   the scripted sequence below; REQ_DIR holds worker.req
 *                                    (a signed spawn request made on the host)
 *   coconut_guest fuzz SEED COUNT    COUNT random ioctls from 2 threads, then a liveness check
 *   coconut_guest check              the module answers (after a reload: a fresh instance)
 *   coconut_guest export             (a module loaded with log_events=64 ring_slots=16) a
 *                                    flood pushes the chain's first events out of the query
 *                                    window; with the export on it waits (-EBUSY) instead,
 *                                    until the exporter has read and acknowledged them
 *   coconut_guest down               the fork with its instance down: every call -ENODEV
 *   coconut_guest identity-exec FD   (internal) the scenario's exec check on an inherited fd
 *   coconut_guest syscalls REQ_DIR
 *                                    the forked kernel (docs/fork.md, scripts/fork-boot.sh):
 *                                    the same calls through syscalls 472-480 (the syscall
 *                                    backend), as root and as nobody; the chain is
 *                                    verified against the boot id the instance reports
 *
 * Every call prints one line, `call <name> ret <value> ok` or `... MISMATCH (want <w>)`, for
 * the host to read; the exit status is 0 only when every answer was the expected one. The
 * audit chain is verified offline with the kernel C's own co_audit_verify, compiled in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "coconut/audit.h"
#include "libcoconut.h"

/* What co_audit_verify's CO_ASSERT lands on in userspace. */
void co_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "coconut-kernel assertion failed: %s at %s:%d\n", expr, file, line);
	abort();
}

static int failures;

static int64_t expect(const char *name, int64_t ret, int64_t want)
{
	if (ret == want) {
		printf("call %s ret %" PRId64 " ok\n", name, ret);
	} else {
		printf("call %s ret %" PRId64 " MISMATCH (want %" PRId64 ")\n", name, ret, want);
		failures++;
	}
	return ret;
}

/* For answers whose value is not fixed (a length): only its sign is checked. */
static int64_t expect_positive(const char *name, int64_t ret)
{
	if (ret > 0) {
		printf("call %s ret %" PRId64 " ok\n", name, ret);
	} else {
		printf("call %s ret %" PRId64 " MISMATCH (want > 0)\n", name, ret);
		failures++;
	}
	return ret;
}

static void check(const char *what, int ok)
{
	printf("check %s %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failures++;
}

static size_t read_file(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;
	size_t got = 0;

	if (fd < 0)
		return 0;
	while (got < cap && (n = read(fd, (char *)buf + got, cap - got)) > 0)
		got += (size_t)n;
	close(fd);
	return got;
}

static int open_bound(struct coconut *c, uint64_t aid)
{
	int rc = coconut_open(c, COCONUT_BACKEND_IOCTL, NULL);

	if (rc) {
		printf("open /dev/coconut: %s\n", strerror(-rc));
		return rc;
	}
	rc = coconut_bind(c, aid);
	if (rc)
		printf("bind %" PRIu64 ": %s\n", aid, strerror(-rc));
	return rc;
}

#define SEG_BYTES (256u * 1024u)
static uint8_t seg[SEG_BYTES];

/* The chain as root queries it (audit_query), verified offline against boot_id. */
static void verify_segment(struct coconut *root, const uint8_t boot_id[CO_BOOT_ID_SIZE],
			   uint64_t sealed)
{
	struct coconut_audit_filter f;
	struct co_audit_verify_report rep;
	enum co_audit_verdict v;
	int64_t n;

	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	n = expect_positive("audit_query", coconut_agent_audit_query(root, &f, seg, sizeof(seg)));
	if (n <= 0)
		return;
	memset(&rep, 0, sizeof(rep));
	v = co_audit_verify(seg, (size_t)n, boot_id, NULL, 0, &rep);
	printf("verify verdict %d rooted %d events %" PRIu64 " sealed %" PRIu64 "\n", (int)v,
	       (int)rep.rooted, rep.events_checked, sealed);
	check("verify_ok", v == CO_AUDIT_OK && rep.rooted && rep.events_checked > 0);
	/* A flipped bit anywhere in an event must be caught. */
	seg[n / 2] ^= 0x10;
	v = co_audit_verify(seg, (size_t)n, boot_id, NULL, 0, &rep);
	check("verify_detects_flip", v != CO_AUDIT_OK);
}

static void verify_chain(struct coconut *root)
{
	struct coconut_info_args info;

	check("info", coconut_info(root, &info) == 0);
	verify_segment(root, info.boot_id, info.sealed);
}

static int cat_contains(const char *path, const char *needle)
{
	static char buf[70000];
	size_t n = read_file(path, buf, sizeof(buf) - 1);

	buf[n] = '\0';
	printf("--- %s (%zu bytes)\n%s---\n", path, n, buf);
	return n > 0 && strstr(buf, needle) != NULL;
}

#define S(x) x, sizeof(x) - 1

/* A request made on the host (make_requests.cc) into buf; its length, 0 if unreadable. */
static size_t read_req(const char *req_dir, const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", req_dir, name);
	len = read_file(path, buf, cap);
	if (len == 0)
		printf("cannot read %s\n", path);
	return len;
}

/*
 * acme (tenant 1) spawns until its tenant's agent limit: spawners under acme, workers under
 * each, until -EDQUOT; zeta (tenant 2) still spawns; killing the spawners gives the tenant
 * its agents back (agent_exit cascades). Through the ioctls, as acme.
 */
static void tenant_table_full(const char *req_dir, struct coconut *root)
{
	static uint8_t spawner_req[CO_SPAWN_REQUEST_BYTES_MAX],
		worker_req[CO_SPAWN_REQUEST_BYTES_MAX];
	static uint8_t zeta_req[CO_SPAWN_REQUEST_BYTES_MAX];
	int64_t spawners[8], r = 0;
	struct coconut sp;
	size_t slen, wlen, zlen;
	struct coconut acme_fd, *acme = &acme_fd;
	int n = 0, agents = 0, i;

	if (open_bound(acme, 3)) /* acme, from tenants() */
		return;
	slen = read_req(req_dir, "acme-spawner.req", spawner_req, sizeof(spawner_req));
	wlen = read_req(req_dir, "acme-worker.req", worker_req, sizeof(worker_req));
	zlen = read_req(req_dir, "zeta.req", zeta_req, sizeof(zeta_req));
	/* Each spawner holds at most CO_AGENT_CHILDREN_MAX children; 8 x 256 > the limit. */
	while (n < 8 && r >= 0) {
		r = coconut_agent_spawn(acme, spawner_req, slen);
		if (r < 0 || open_bound(&sp, (uint64_t)r))
			break;
		spawners[n++] = r;
		agents++;
		for (i = 0; i < CO_AGENT_CHILDREN_MAX && r >= 0; i++) {
			r = coconut_agent_spawn(&sp, worker_req, wlen);
			agents += r > 0;
		}
		coconut_close(&sp);
	}
	printf("info tenant 1 spawned %d agents before %" PRId64 "\n", agents, r);
	check("tenant_table_full_edquot", r == -EDQUOT);
	/* Zeta is another tenant, spawned by root: its limit is its own. */
	check("tenant_table_full_other_spawns", coconut_agent_spawn(root, zeta_req, zlen) > 0);
	/*
	 * A spawner and its 256 workers are 258 events, more than one audit ring (256) takes:
	 * the cascade stops part way with -EBUSY, and each call after a seal ends more
	 * (docs/uapi.md, "Exit, kill, ..."); a few calls end it.
	 */
	for (i = 0; i < n; i++) {
		int tries = 0;

		do
			r = coconut_agent_exit(acme, (uint64_t)spawners[i]);
		while (r == -EBUSY && ++tries < 16);
		expect("tenant_table_full_cleanup", r, 0);
	}
	check("tenant_table_full_given_back", coconut_agent_spawn(acme, spawner_req, slen) > 0);
	coconut_close(acme);
}

/*
 * Who may do what to whom across tenants (issue 17, findings 1 and 2), through the ioctls as
 * the agents themselves (bound files): acme (tenant 1) holds the cap.grant right over fs.read
 * yet cannot revoke root's caps nor touch zeta's (tenant 2) agents, cannot start zeta's tenant,
 * meets its tenant's extent limit while zeta still allocates, and ends its own agents with
 * agent_exit, which gives their extents back.
 */
static void tenants(const char *req_dir, struct coconut *root)
{
	static uint8_t req[CO_SPAWN_REQUEST_BYTES_MAX];
	struct coconut acme_fd, worker_fd;
	int64_t acme, zeta, worker, again, r = 0;
	size_t len;
	int i;

	len = read_req(req_dir, "acme.req", req, sizeof(req));
	acme = expect("tenant_spawn_acme", coconut_agent_spawn(root, req, len), 3);
	len = read_req(req_dir, "zeta.req", req, sizeof(req));
	zeta = expect("tenant_spawn_zeta", coconut_agent_spawn(root, req, len), 4);
	if (acme <= 0 || zeta <= 0 || open_bound(&acme_fd, (uint64_t)acme))
		return;
	len = read_req(req_dir, "acme-worker.req", req, sizeof(req));
	worker = expect("tenant_acme_spawns_worker", coconut_agent_spawn(&acme_fd, req, len), 5);
	len = read_req(req_dir, "escape.req", req, sizeof(req));
	expect("tenant_acme_cannot_start_zeta", coconut_agent_spawn(&acme_fd, req, len), -EPERM);

	/* Finding 1: the right to grant reaches neither root nor another tenant. */
	expect("tenant_revoke_root",
	       coconut_agent_cap_revoke(&acme_fd, COCONUT_AID_ROOT, S("fs.read:/**")), -EPERM);
	expect("tenant_revoke_other",
	       coconut_agent_cap_revoke(&acme_fd, (uint64_t)zeta, S("fs.read:/data/**")), -EPERM);
	expect("tenant_grant_other",
	       coconut_agent_cap_grant(&acme_fd, (uint64_t)zeta, S("fs.read:/data/x")), -EPERM);
	expect("tenant_root_cap_kept",
	       coconut_agent_cap_present(root, 2, S("fs.read"), S("/home/maya/project/a.c")), 0);
	expect("tenant_other_cap_kept",
	       coconut_agent_cap_present(root, (uint64_t)zeta, S("fs.read"), S("/data/a.txt")), 0);
	expect("tenant_revoke_own",
	       coconut_agent_cap_revoke(&acme_fd, (uint64_t)worker, S("fs.read:/data/acme/**")), 0);

	/* Finding 2: the tenant's extent limit, then agent_exit gives the extents back. */
	for (i = 0; i <= CO_TENANT_EXTENTS_DEFAULT && r >= 0; i++)
		r = coconut_agent_memory_tier(&acme_fd, (uint64_t)worker, COCONUT_TIER_RAM, 4096);
	check("tenant_extent_limit", r == -EDQUOT && i == CO_TENANT_EXTENTS_DEFAULT + 1);
	check("tenant_other_allocates",
	      coconut_agent_memory_tier(root, (uint64_t)zeta, COCONUT_TIER_RAM, 4096) > 0);
	expect("tenant_exit_other", coconut_agent_exit(&acme_fd, (uint64_t)zeta), -EPERM);
	expect("tenant_exit_root", coconut_agent_exit(&acme_fd, COCONUT_AID_ROOT), -EPERM);
	if (open_bound(&worker_fd, (uint64_t)worker) == 0) {
		expect("tenant_exit_parent", coconut_agent_exit(&worker_fd, (uint64_t)acme),
		       -EPERM);
		expect("tenant_exit_self", coconut_agent_exit(&worker_fd, (uint64_t)worker), 0);
		expect("tenant_exit_again", coconut_agent_exit(&worker_fd, (uint64_t)worker),
		       -ESTALE);
		coconut_close(&worker_fd);
	}
	len = read_req(req_dir, "acme-worker.req", req, sizeof(req));
	again = expect("tenant_respawn", coconut_agent_spawn(&acme_fd, req, len), 6);
	check("tenant_extents_given_back",
	      again > 0 && coconut_agent_memory_tier(&acme_fd, (uint64_t)again, COCONUT_TIER_RAM,
						     4096) > 0);
	expect("tenant_kill_own", coconut_agent_exit(&acme_fd, (uint64_t)again), 0);
	coconut_close(&acme_fd);
}

/* Runs fn in a forked child; whether it exited 0 (its expect lines print from the child). */
static int in_child(void (*fn)(void *), void *arg)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		failures = 0;
		fn(arg);
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* A child of the process that bound the file: it is not the agent (finding 6). */
static void child_of_binder(void *arg)
{
	struct coconut *c = arg;

	expect("identity_forked_child",
	       coconut_agent_cap_present(c, 2, S("fs.read"), S("/home/maya/project/a.c")), -EPERM);
	expect("identity_forked_child_exit", coconut_agent_exit(c, 2), -EPERM);
}

/* After an exec the binding is gone (main's "identity-exec FD" mode runs this). */
static int identity_after_exec(int fd)
{
	struct coconut c = { .backend = COCONUT_BACKEND_IOCTL, .fd = fd };

	expect("identity_after_exec",
	       coconut_agent_cap_present(&c, 2, S("fs.read"), S("/home/maya/project/a.c")), -EPERM);
	return failures ? 1 : 0;
}

/*
 * nobody with a file root opened (inherited over setuid): module control is the
 * administrator's, an unbound file calls as no agent, and nobody cannot open the node (0660).
 */
static void unprivileged(void *arg)
{
	static uint8_t req[64];
	struct coconut *c = arg, mine;
	struct coconut_info_args info;
	struct coconut_tpm_nv_args nv;

	if (setgid(65534) || setuid(65534)) {
		printf("setuid nobody: %s\n", strerror(errno));
		failures++;
		return;
	}
	expect("nobody_open_node", coconut_open(&mine, COCONUT_BACKEND_IOCTL, NULL), -EACCES);
	expect("nobody_info", coconut_info(c, &info), -EPERM);
	expect("nobody_seal", coconut_seal(c), -EPERM);
	expect("nobody_tpm_nv_read", coconut_tpm_nv_read(c, 0x0100c0c0u, &nv), -EPERM);
	expect("nobody_bind", coconut_bind(c, 1), -EPERM);
	expect("nobody_det_op", coconut_call_raw(c, COCONUT_IOC_DET_OP, req), -ENOTTY);
	/* Nothing decoded: a request of garbage answers -ESRCH, not -EBADMSG. */
	memset(req, 0xa5, sizeof(req));
	expect("nobody_spawn_garbage", coconut_agent_spawn(c, req, sizeof(req)), -ESRCH);
	expect("nobody_exit", coconut_agent_exit(c, 2), -ESRCH);
	/* agentfs (finding 3): root's mount is root's; the one mounted for nobody's group reads. */
	check("nobody_agentfs_default", access("/agent/live/1/caps", R_OK) != 0 && errno == EACCES);
	check("nobody_agentfs_listing", access("/agent/live", R_OK) != 0 && errno == EACCES);
	check("nobody_agentfs_shared", cat_contains("/agent-shared/live/1/status", "name: root\n"));
}

/* mount(2) of agentfs with options; 0 or -errno. */
static int mount_agentfs(const char *where, const char *opts)
{
	mkdir(where, 0755);
	return mount("agentfs", where, "agentfs", 0, opts) ? -errno : 0;
}

/* Who the caller is on /dev/coconut (findings 5 and 6): docs/module.md, "Identity". */
static void identity(const char *self)
{
	struct coconut worker, unbound;
	char fd_text[16];
	uint8_t det_args[64];
	int status = 0;
	pid_t pid;

	if (open_bound(&worker, 2))
		return;
	/* An AID never handed out does not bind; a terminated one does, and answers -ESTALE. */
	/* A production module: the deterministic mode is not compiled in (finding 10). */
	memset(det_args, 0, sizeof(det_args));
	expect("det_set_absent", coconut_call_raw(&worker, COCONUT_IOC_DET_SET, det_args), -ENOTTY);
	expect("bind_unknown", coconut_bind(&worker, 999), -ESRCH);
	expect("bind_terminated", coconut_bind(&worker, 5), 0); /* tenants() ended AID 5 */
	expect("bind_terminated_calls", coconut_agent_exit(&worker, 5), -ESTALE);
	expect("bind_worker", coconut_bind(&worker, 2), 0);
	expect("identity_binder",
	       coconut_agent_cap_present(&worker, 2, S("fs.read"), S("/home/maya/project/a.c")), 0);
	check("identity_fork", in_child(child_of_binder, &worker));
	/* The same process after exec: the fd survives (no CLOEXEC), the binding does not. */
	fcntl(worker.fd, F_SETFD, 0);
	snprintf(fd_text, sizeof(fd_text), "%d", worker.fd);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "identity-exec", fd_text, (char *)NULL);
		_exit(127);
	}
	check("identity_exec", pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
				       WEXITSTATUS(status) == 0);
	coconut_close(&worker);
	/* agentfs's options: bad ones mount nothing; one mount for nobody's group. */
	expect("agentfs_mode_bits", mount_agentfs("/agent-bad", "mode=01444"), -EINVAL);
	expect("agentfs_uid_text", mount_agentfs("/agent-bad", "uid=nobody"), -EINVAL);
	expect("agentfs_unknown", mount_agentfs("/agent-bad", "colour=blue"), -EINVAL);
	expect("agentfs_shared", mount_agentfs("/agent-shared", "gid=65534,mode=0440"), 0);
	if (coconut_open(&unbound, COCONUT_BACKEND_IOCTL, NULL) == 0) {
		check("unprivileged", in_child(unprivileged, &unbound));
		coconut_close(&unbound);
	}
	check("agentfs_shared_umount", umount("/agent-shared") == 0);
}

static int scenario(const char *self, const char *req_dir)
{
	static uint8_t req[CO_SPAWN_REQUEST_BYTES_MAX], bad[CO_SPAWN_REQUEST_BYTES_MAX];
	static uint8_t att[CO_ATTEST_BYTES_MAX];
	struct coconut root, unbound;
	char path[512];
	uint64_t out[2] = { 0, 0 };
	int64_t child;
	size_t len;

	snprintf(path, sizeof(path), "%s/worker.req", req_dir);
	len = read_file(path, req, sizeof(req));
	if (len == 0) {
		printf("cannot read %s\n", path);
		return 1;
	}
	if (open_bound(&root, COCONUT_AID_ROOT))
		return 1;

	/* An unbound handle calls as AID 0. */
	if (coconut_open(&unbound, COCONUT_BACKEND_IOCTL, NULL) == 0) {
		expect("unbound_cap_present",
		       coconut_agent_cap_present(&unbound, 1, S("agent.spawn"), NULL, 0), -ESRCH);
		coconut_close(&unbound);
	}

	/* Spawn: a tampered signature is refused; the genuine request makes AID 2. */
	memcpy(bad, req, len);
	bad[len - 1] ^= 0x01;
	expect("spawn_bad_signature", coconut_agent_spawn(&root, bad, len), -EKEYREJECTED);
	expect("spawn_empty", coconut_agent_spawn(&root, req, 0), -EINVAL);
	expect("spawn_null", coconut_agent_spawn(&root, NULL, 16), -EFAULT);
	expect("spawn_too_big", coconut_agent_spawn(&root, req, CO_SPAWN_REQUEST_BYTES_MAX + 1),
	       -E2BIG);
	child = expect("spawn", coconut_agent_spawn(&root, req, len), 2);
	if (child <= 0)
		return 1;

	/* The LSM: its project yes, ~/.ssh no (audited deny), /data only once granted. */
	expect("cap_present_project",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.read"),
					 S("/home/maya/project/src/main.c")),
	       0);
	expect("cap_present_ssh",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.read"),
					 S("/home/maya/.ssh/id_ed25519")),
	       -ECAPABILITY);
	expect("cap_present_data",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.read"), S("/data/a.txt")),
	       -ECAPABILITY);
	expect("cap_present_bad_kind",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.nope"), S("/data/a.txt")),
	       -EINVAL);
	expect("cap_grant", coconut_agent_cap_grant(&root, (uint64_t)child, S("fs.read:/data/**")),
	       0);
	expect("cap_present_data_granted",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.read"), S("/data/a.txt")),
	       0);
	expect("cap_grant_beyond_ceiling",
	       coconut_agent_cap_grant(&root, (uint64_t)child, S("fs.read:/etc/**")), -ECAPABILITY);
	expect("cap_revoke",
	       coconut_agent_cap_revoke(&root, (uint64_t)child, S("fs.read:/data/**")), 0);
	expect("cap_present_data_revoked",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.read"), S("/data/a.txt")),
	       -ECAPABILITY);
	expect("cap_revoke_again",
	       coconut_agent_cap_revoke(&root, (uint64_t)child, S("fs.read:/data/**")), -ENOENT);

	/* Quota and memory tiers: 1 MiB of RAM; a page fits, 2 MiB does not. */
	expect("quota_set",
	       coconut_agent_quota(&root, (uint64_t)child, COCONUT_QUOTA_MEM, 1 << 20,
				   COCONUT_QUOTA_SET, NULL),
	       0);
	expect("memory_tier_ram",
	       coconut_agent_memory_tier(&root, (uint64_t)child, COCONUT_TIER_RAM, 4096),
	       (int64_t)0x200000000000ll);
	expect("memory_tier_over",
	       coconut_agent_memory_tier(&root, (uint64_t)child, COCONUT_TIER_RAM, 2u << 20),
	       -EDQUOT);
	expect("memory_tier_hbm",
	       coconut_agent_memory_tier(&root, (uint64_t)child, COCONUT_TIER_HBM, 4096),
	       -ECAPABILITY);
	expect("quota_query",
	       coconut_agent_quota(&root, (uint64_t)child, COCONUT_QUOTA_MEM, 0, 0, out), 0);
	check("quota_budget_used", out[0] == (1u << 20) && out[1] == 4096);
	expect("quota_bad_kind",
	       coconut_agent_quota(&root, (uint64_t)child, COCONUT_QUOTA_KIND_COUNT, 0, 0, out),
	       -EINVAL);
	/* membw: a rate, set and read back, never blocking. */
	expect("quota_membw",
	       coconut_agent_quota(&root, (uint64_t)child, COCONUT_QUOTA_MEMBW, 4000000000ull,
				   COCONUT_QUOTA_SET, out),
	       0);
	check("quota_membw_budget", out[0] == 4000000000ull && out[1] == 0);
	expect("quota_membw_block",
	       coconut_agent_quota(&root, (uint64_t)child, COCONUT_QUOTA_MEMBW, 1,
				   COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK, out),
	       -EINVAL);

	/* Attestation, unknown AIDs. */
	expect_positive("attest", coconut_agent_attest(&root, (uint64_t)child, att, sizeof(att)));
	expect("attest_small", coconut_agent_attest(&root, (uint64_t)child, att, 8), -EMSGSIZE);
	expect("attest_unknown", coconut_agent_attest(&root, 999, att, sizeof(att)), -ESRCH);

	/* agentfs renders the same state. */
	snprintf(path, sizeof(path), "/agent/live/%" PRId64 "/status", child);
	check("agentfs_status", cat_contains(path, "name: worker\n"));
	snprintf(path, sizeof(path), "/agent/live/%" PRId64 "/caps", child);
	check("agentfs_caps", cat_contains(path, "cap: mem.tier:ram\n"));
	snprintf(path, sizeof(path), "/agent/live/%" PRId64 "/audit_tail", child);
	check("agentfs_audit_tail", cat_contains(path, "event: "));
	check("agentfs_unknown", access("/agent/live/999/status", F_OK) != 0);

	tenants(req_dir, &root);
	identity(self);

	/* The chain: queried and verified offline. */
	verify_chain(&root);
	/* Last: its thousand spawns slide the audit query window past the chain's start. */
	tenant_table_full(req_dir, &root);
	coconut_close(&root);
	return failures ? 1 : 0;
}

/* ---- the fuzzer --------------------------------------------------------------------------- */

struct fuzz_thread {
	uint64_t state;
	long count;
	long calls;
	long positive;
	const uint8_t *req;
	size_t req_len;
	uint8_t *unmapped; /* a page that faults */
	uint64_t aid;	   /* the agent this thread calls as (fuzz_agents) */
	int fd;		   /* >= 0: an unbound /dev/coconut opened for it (nobody) */
};

/*
 * Who the fuzzer's threads call as: root, a tenant's top agent (acme, AID 3 after the
 * scenario: agent.spawn and a cap.grant right), another tenant's (zeta, 4), and a terminated
 * agent (5): cross-tenant grant, revoke, exit and quarantine attempts, and a caller that is
 * gone. A fifth caller, nobody with an unbound file, runs in a child process (fuzz_nobody).
 */
static const uint64_t fuzz_agents[] = { COCONUT_AID_ROOT, 3, 4, 5 };
#define FUZZ_THREADS (sizeof(fuzz_agents) / sizeof(fuzz_agents[0]))

static uint64_t rnd(struct fuzz_thread *t)
{
	/* xorshift64*: enough to wander the argument space deterministically. */
	t->state ^= t->state >> 12;
	t->state ^= t->state << 25;
	t->state ^= t->state >> 27;
	return t->state * 0x2545F4914F6CDD1Dull;
}

static const unsigned long fuzz_cmds[] = {
	COCONUT_IOC_SPAWN,	 COCONUT_IOC_ATTEST,	  COCONUT_IOC_QUOTA,
	COCONUT_IOC_CAP_GRANT,	 COCONUT_IOC_CAP_REVOKE,  COCONUT_IOC_CAP_PRESENT,
	COCONUT_IOC_AUDIT_QUERY, COCONUT_IOC_MEMORY_TIER, COCONUT_IOC_EXIT,
	COCONUT_IOC_INFO,	 COCONUT_IOC_TPM_NV_READ, COCONUT_IOC_SEAL,
};

static const char *const fuzz_texts[] = {
	"fs.read",
	"fs.read:/data/**",
	"/data/a.txt",
	"agent.spawn",
	"mem.tier",
	"ram",
	"cap.grant:fs.read:/data/**",
	"fs.read:/data/**\nmem.tier:ram",
	"net.egress",
	"api.example.com:443",
	"\xff\xfe",
	"",
};

#define FUZZ_BUF 8192
#define FUZZ_ARGS 512

/* A pointer for a field: NULL, a buffer (random bytes or a text), a faulting or kernel one. */
static uint64_t fuzz_ptr(struct fuzz_thread *t, uint8_t *buf, uint64_t *len)
{
	const char *s;

	switch (rnd(t) % 8) {
	case 0:
		return 0;
	case 1:
		return (uint64_t)(uintptr_t)t->unmapped;
	case 2:
		return 0xffff888000000000ull + (rnd(t) & 0xfff000);
	case 3:
		s = fuzz_texts[rnd(t) % (sizeof(fuzz_texts) / sizeof(fuzz_texts[0]))];
		*len = strlen(s);
		memcpy(buf, s, *len);
		return (uint64_t)(uintptr_t)buf;
	default:
		for (size_t i = 0; i < 64; i++)
			buf[i] = (uint8_t)rnd(t);
		return (uint64_t)(uintptr_t)buf;
	}
}

static uint64_t fuzz_len(struct fuzz_thread *t)
{
	static const uint64_t lens[] = { 0,
					 1,
					 7,
					 32,
					 33,
					 256,
					 257,
					 4095,
					 4096,
					 FUZZ_BUF,
					 CO_SPAWN_REQUEST_BYTES_MAX + 1,
					 1ull << 40,
					 ~0ull };

	return lens[rnd(t) % (sizeof(lens) / sizeof(lens[0]))];
}

static void *fuzz_main(void *arg)
{
	struct fuzz_thread *t = arg;
	static __thread uint8_t args[FUZZ_ARGS], b1[FUZZ_BUF], b2[FUZZ_BUF];
	struct coconut c;
	unsigned long cmd;
	uint64_t *w, len1, len2;
	int64_t rc;
	long i;

	if (t->fd >= 0) {
		c.backend = COCONUT_BACKEND_IOCTL;
		c.fd = t->fd;
	} else if (open_bound(&c, t->aid)) {
		return NULL;
	}
	for (i = 0; i < t->count; i++) {
		uint64_t r = rnd(t);

		if (r % 16 == 0)
			cmd = (unsigned long)rnd(t); /* anything at all */
		else if (r % 16 == 1)
			cmd = _IOWR(COCONUT_IOC_MAGIC, rnd(t) % 64, struct coconut_spawn_args);
		else
			cmd = fuzz_cmds[r % (sizeof(fuzz_cmds) / sizeof(fuzz_cmds[0]))];
		for (size_t j = 0; j < sizeof(args); j++)
			args[j] = (uint8_t)rnd(t);
		w = (uint64_t *)args;
		/* Mostly plausible structs: a sane size, zero reserved, real pointers. */
		if (rnd(t) % 4) {
			/* A random command's size bits may exceed args: clamp where it is used. */
			uint32_t ksize = (uint32_t)_IOC_SIZE(cmd) % (FUZZ_ARGS - 8);
			uint32_t size = ksize;
			uint32_t pick = (uint32_t)(rnd(t) % 8);

			if (pick == 0)
				size = (uint32_t)(rnd(t) % 64);
			else if (pick == 1)
				size += 8;
			else if (pick == 2)
				size = 1u << 20;
			memcpy(args, &size, 4);
			if (pick == 1)
				memset(args + ksize, 0, 8);
			if (rnd(t) % 2)
				memset(args + 4, 0, 4);
			len1 = fuzz_len(t);
			len2 = fuzz_len(t);
			w[1] = rnd(t) % 3 ? rnd(t) % 8 : rnd(t); /* an AID or a kind */
			w[2] = fuzz_ptr(t, b1, &len1);
			w[3] = len1;
			w[4] = fuzz_ptr(t, b2, &len2);
			w[5] = len2;
			if (cmd == COCONUT_IOC_SPAWN && rnd(t) % 8 == 0) {
				w[1] = (uint64_t)(uintptr_t)t->req;
				w[2] = t->req_len;
				memset(args + 4, 0, 4);
			}
		}
		/* A third of the calls hand a pointer that faults or lies in the kernel. */
		rc = coconut_call_raw(&c, cmd,
				      rnd(t) % 3   ? (void *)args
				      : rnd(t) % 2 ? (void *)t->unmapped
						   : (void *)(uintptr_t)0xffff888000001000ull);
		t->calls++;
		if (rc >= 0)
			t->positive++;
	}
	coconut_close(&c);
	return NULL;
}

static int liveness(void)
{
	struct coconut root;
	struct coconut_info_args info;

	if (open_bound(&root, COCONUT_AID_ROOT))
		return 1;
	expect("live_cap_present_root",
	       coconut_agent_cap_present(&root, 1, S("agent.spawn"), NULL, 0), 0);
	check("live_info", coconut_info(&root, &info) == 0 && info.sealed > 0);
	printf("info sealed %" PRIu64 " pending %" PRIu64 " allows %" PRIu64 " denies %" PRIu64
	       " anchors %" PRIu64 " next_aid %" PRIu64 "\n",
	       (uint64_t)info.sealed, (uint64_t)info.pending, (uint64_t)info.lsm_allows,
	       (uint64_t)info.lsm_denies, (uint64_t)info.anchors, (uint64_t)info.next_aid);
	verify_chain(&root);
	coconut_close(&root);
	return failures ? 1 : 0;
}

/* While the fuzzer runs: agentfs files opened and read, rendered under the instance lock. */
static volatile int agentfs_stop;
static long agentfs_reads;

static void *agentfs_reader(void *arg)
{
	static const char *const files[] = { "status",	   "caps",   "attestation",
					     "audit_tail", "budget", "children" };
	static char buf[4096];
	char path[96];
	int fd, aid = 1, f = 0;

	(void)arg;
	while (!agentfs_stop) {
		snprintf(path, sizeof(path), "/agent/live/%d/%s", aid, files[f]);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
			agentfs_reads++;
		}
		f = (f + 1) % 6;
		if (f == 0)
			aid = aid % 16 + 1;
	}
	return NULL;
}

/* nobody, with a file root opened: every call refused, none crashes (checked by liveness). */
static void fuzz_nobody(void *arg)
{
	struct fuzz_thread *t = arg;

	if (setgid(65534) || setuid(65534)) {
		failures++;
		return;
	}
	fuzz_main(t);
	printf("fuzz nobody calls %ld succeeded %ld\n", t->calls, t->positive);
	/* INFO, TPM_NV_READ and SEAL are refused, the agent calls have no caller: nothing works. */
	check("fuzz_nobody_refused", t->calls == t->count && t->positive == 0);
}

static int fuzz(uint64_t seed, long count, const char *req_dir)
{
	static uint8_t req[CO_SPAWN_REQUEST_BYTES_MAX];
	struct fuzz_thread t[FUZZ_THREADS], nobody;
	pthread_t th[FUZZ_THREADS], reader;
	struct timespec a, b;
	char path[512];
	size_t req_len;
	uint8_t *pages;
	long calls = 0, positive = 0;
	const long each = count / (long)(FUZZ_THREADS + 1);

	snprintf(path, sizeof(path), "%s/worker.req", req_dir);
	req_len = read_file(path, req, sizeof(req));
	pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		return 1;
	munmap(pages + 4096, 4096); /* pages + 4096 now faults */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < FUZZ_THREADS; i++) {
		t[i] = (struct fuzz_thread){ .state = seed * 8 + (uint64_t)i + 1,
					     .count = each,
					     .req = req,
					     .req_len = req_len,
					     .unmapped = pages + 4096,
					     .aid = fuzz_agents[i],
					     .fd = -1 };
		if (pthread_create(&th[i], NULL, fuzz_main, &t[i]))
			return 1;
	}
	agentfs_stop = 0;
	agentfs_reads = 0;
	if (pthread_create(&reader, NULL, agentfs_reader, NULL))
		return 1;
	/* Opened here, as root: nobody could not open the node (0660). */
	nobody = (struct fuzz_thread){ .state = seed * 8 + 7,
				       .count = each,
				       .req = req,
				       .req_len = req_len,
				       .unmapped = pages + 4096,
				       .aid = COCONUT_AID_NONE,
				       .fd = open(COCONUT_DEV_PATH, O_RDWR | O_CLOEXEC) };
	check("fuzz_nobody", nobody.fd >= 0 && in_child(fuzz_nobody, &nobody));
	if (nobody.fd >= 0)
		close(nobody.fd);
	for (size_t i = 0; i < FUZZ_THREADS; i++) {
		pthread_join(th[i], NULL);
		calls += t[i].calls;
		positive += t[i].positive;
		printf("fuzz as AID %" PRIu64 ": calls %ld succeeded %ld\n", t[i].aid, t[i].calls,
		       t[i].positive);
	}
	agentfs_stop = 1;
	pthread_join(reader, NULL);
	printf("fuzz agentfs reads during the calls %ld\n", agentfs_reads);
	check("fuzz_agentfs_reads", agentfs_reads > 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("fuzz seed %" PRIu64 " calls %ld succeeded %ld in %ld ms\n", seed, calls, positive,
	       (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
	check("fuzz_calls", calls == each * (long)FUZZ_THREADS);
	return liveness();
}

/* ---- the forked kernel's syscalls ------------------------------------------------------ */

/* lsm_list_modules(2) (x86_64, Linux 6.8) and the fork's LSM id (patch 0002, uapi/linux/lsm.h). */
#define GUEST_NR_LSM_LIST_MODULES 461
#define GUEST_LSM_ID_COCONUT 114
#define GUEST_LSM_IDS_MAX 32

static int64_t raw_syscall_args(long nr, void *args)
{
	long rc = syscall(nr, args);

	return rc < 0 ? -(int64_t)errno : (int64_t)rc;
}

static int64_t raw_syscall(long nr)
{
	return raw_syscall_args(nr, NULL);
}

/* The LSM is registered: its id is in lsm_list_modules(2)'s answer. */
static void lsm_listed(void)
{
	uint64_t ids[GUEST_LSM_IDS_MAX];
	uint32_t size = sizeof(ids);
	long n = syscall(GUEST_NR_LSM_LIST_MODULES, ids, &size, 0);
	int found = 0;

	for (long i = 0; i < n && i < GUEST_LSM_IDS_MAX; i++) {
		printf("info lsm_id %" PRIu64 "\n", ids[i]);
		found |= ids[i] == GUEST_LSM_ID_COCONUT;
	}
	check("lsm_list_modules_coconut", n > 0 && found);
}

/* A task without CAP_SYS_ADMIN (nobody) calls as AID 0: every call answers -ESRCH. */
static void as_nobody(const uint8_t *req, size_t len)
{
	static uint8_t att[CO_ATTEST_BYTES_MAX];
	struct coconut_audit_filter f;
	struct coconut c;
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534)) {
			printf("setuid nobody: %s\n", strerror(errno));
			_exit(1);
		}
		coconut_open(&c, COCONUT_BACKEND_SYSCALL, NULL);
		memset(&f, 0, sizeof(f));
		f.size = sizeof(f);
		expect("nobody_spawn", coconut_agent_spawn(&c, req, len), -ESRCH);
		expect("nobody_attest", coconut_agent_attest(&c, 1, att, sizeof(att)), -ESRCH);
		expect("nobody_quota", coconut_agent_quota(&c, 1, COCONUT_QUOTA_MEM, 0, 0, NULL),
		       -ESRCH);
		expect("nobody_cap_present",
		       coconut_agent_cap_present(&c, 1, S("agent.spawn"), NULL, 0), -ESRCH);
		expect("nobody_audit_query", coconut_agent_audit_query(&c, &f, seg, sizeof(seg)),
		       -ESRCH);
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	check("nobody_fork", pid > 0 && waitpid(pid, &status, 0) == pid);
	check("nobody_calls", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int fork_syscalls(const char *req_dir)
{
	static uint8_t req[CO_SPAWN_REQUEST_BYTES_MAX], bad[CO_SPAWN_REQUEST_BYTES_MAX];
	static uint8_t att[CO_ATTEST_BYTES_MAX];
	uint8_t boot_id[CO_BOOT_ID_SIZE];
	struct coconut root, dev;
	struct coconut_info_args info;
	char path[512];
	uint64_t out[2] = { 0, 0 };
	int64_t child;
	size_t len;

	snprintf(path, sizeof(path), "%s/worker.req", req_dir);
	len = read_file(path, req, sizeof(req));
	if (len == 0) {
		printf("cannot read %s\n", path);
		return 1;
	}
	/*
	 * The boot id: random from the seeded RNG (a production build takes no boot_id=), so the
	 * chain is verified against what the instance reports. Nonzero, or it was never drawn.
	 */
	memset(&info, 0, sizeof(info));
	memset(boot_id, 0, sizeof(boot_id));
	if (open_bound(&dev, COCONUT_AID_ROOT) == 0) {
		check("dev_info_boot_id", coconut_info(&dev, &info) == 0);
		memcpy(boot_id, info.boot_id, sizeof(boot_id));
		check("dev_boot_id_drawn",
		      memcmp(boot_id, (uint8_t[CO_BOOT_ID_SIZE]){ 0 }, sizeof(boot_id)) != 0);
		/* The fork is a production build: no deterministic mode (finding 10). */
		expect("dev_det_absent", coconut_call_raw(&dev, COCONUT_IOC_DET_SET, bad), -ENOTTY);
		coconut_close(&dev);
	}
	/* Root through the syscalls: no open file, no bind; CAP_SYS_ADMIN makes the caller AID 1. */
	coconut_open(&root, COCONUT_BACKEND_SYSCALL, NULL);
	expect("syscall_471_enosys", raw_syscall(COCONUT_NR_FIRST - 1), -ENOSYS);
	expect("syscall_481_enosys", raw_syscall(COCONUT_NR_LAST + 1), -ENOSYS);
	expect("root_cap_present", coconut_agent_cap_present(&root, 1, S("agent.spawn"), NULL, 0),
	       0);
	expect_positive("root_attest", coconut_agent_attest(&root, 1, att, sizeof(att)));
	expect("attest_small", coconut_agent_attest(&root, 1, att, 8), -EMSGSIZE);
	expect("attest_unknown", coconut_agent_attest(&root, 999, att, sizeof(att)), -ESRCH);

	/* The signed spawn: the authorizer is the one given as coconut.authorizers=. */
	memcpy(bad, req, len);
	bad[len - 1] ^= 0x01;
	expect("spawn_bad_signature", coconut_agent_spawn(&root, bad, len), -EKEYREJECTED);
	child = expect("spawn", coconut_agent_spawn(&root, req, len), 2);
	if (child <= 0)
		return 1;
	expect("cap_present_project",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.read"),
					 S("/home/maya/project/src/main.c")),
	       0);
	expect("cap_present_ssh",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.read"),
					 S("/home/maya/.ssh/id_ed25519")),
	       -ECAPABILITY);
	expect("cap_grant", coconut_agent_cap_grant(&root, (uint64_t)child, S("fs.read:/data/**")),
	       0);
	expect("cap_present_data_granted",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.read"), S("/data/a.txt")),
	       0);
	expect("cap_revoke",
	       coconut_agent_cap_revoke(&root, (uint64_t)child, S("fs.read:/data/**")), 0);
	expect("cap_present_data_revoked",
	       coconut_agent_cap_present(&root, (uint64_t)child, S("fs.read"), S("/data/a.txt")),
	       -ECAPABILITY);

	/* Quota and tiers: the syscall returns the address itself (no out_addr). */
	expect("quota_set",
	       coconut_agent_quota(&root, (uint64_t)child, COCONUT_QUOTA_MEM, 1 << 20,
				   COCONUT_QUOTA_SET, NULL),
	       0);
	expect("memory_tier_ram",
	       coconut_agent_memory_tier(&root, (uint64_t)child, COCONUT_TIER_RAM, 4096),
	       (int64_t)0x200000000000ll);
	expect("memory_tier_over",
	       coconut_agent_memory_tier(&root, (uint64_t)child, COCONUT_TIER_RAM, 2u << 20),
	       -EDQUOT);
	expect("quota_query",
	       coconut_agent_quota(&root, (uint64_t)child, COCONUT_QUOTA_MEM, 0, 0, out), 0);
	check("quota_budget_used", out[0] == (1u << 20) && out[1] == 4096);
	expect_positive("attest_child",
			coconut_agent_attest(&root, (uint64_t)child, att, sizeof(att)));

	/* The built-in /dev/coconut is the same instance, with the command line's boot id. */
	if (open_bound(&dev, COCONUT_AID_ROOT) == 0) {
		check("dev_info", coconut_info(&dev, &info) == 0);
		check("dev_boot_id_same", memcmp(info.boot_id, boot_id, sizeof(boot_id)) == 0);
		check("dev_next_aid", info.next_aid == (uint64_t)child + 1);
		coconut_close(&dev);
	} else {
		check("dev_open", 0);
	}
	snprintf(path, sizeof(path), "/agent/live/%" PRId64 "/status", child);
	check("agentfs_status", cat_contains(path, "name: worker\n"));

	/* The chain through syscall 478, verified offline. */
	verify_segment(&root, boot_id, info.sealed);
	lsm_listed();
	as_nobody(req, len);
	/* Syscall 480: root ends the child; a second time it is gone. */
	expect("syscall_exit_child", coconut_agent_exit(&root, (uint64_t)child), 0);
	expect("syscall_exit_again", coconut_agent_exit(&root, (uint64_t)child), -ESTALE);
	coconut_close(&root);
	return failures ? 1 : 0;
}

/*
 * The fork booted with a parameter that stops the built-in instance (fork-boot.sh's second
 * boot): every agent syscall answers -ENODEV, none reaches the kernel C without an instance
 * (before, the assert in co_sys_* was a kernel BUG any user could reach; finding 4).
 */
static int instance_down(void)
{
	static uint8_t args[64];
	char name[32];
	long nr;

	for (nr = COCONUT_NR_FIRST; nr <= COCONUT_NR_LAST; nr++) {
		memset(args, 0, sizeof(args));
		*(uint32_t *)args = sizeof(args);
		snprintf(name, sizeof(name), "down_syscall_%ld", nr);
		expect(name, raw_syscall_args(nr, args), -ENODEV);
	}
	return failures ? 1 : 0;
}

/* Root's allowed checks: one CAP_ALLOW event each. Counts the -EBUSY answers. */
static int flood(struct coconut *root, int calls)
{
	int i, busy = 0;
	int64_t rc;

	for (i = 0; i < calls; i++) {
		rc = coconut_agent_cap_present(root, COCONUT_AID_ROOT, S("fs.read"), S("/flood"));
		if (rc == -EBUSY)
			busy++;
		else if (rc != 0)
			printf("flood call %d: %" PRId64 "\n", i, rc);
	}
	return busy;
}

/*
 * An unfiltered query from seq 0 as root: its answer (the segment's bytes, or the error), and
 * in *first the first seq it sees, the window's start (UINT64_MAX when it failed).
 */
static int64_t window_first(struct coconut *root, uint64_t *first)
{
	struct coconut_audit_filter f;
	struct co_audit_verify_report rep;
	struct coconut_info_args info;
	int64_t n;

	*first = UINT64_MAX;
	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	f.max_events = 1;
	n = coconut_agent_audit_query(root, &f, seg, sizeof(seg));
	if (n <= 0 || coconut_info(root, &info) != 0)
		return n;
	memset(&rep, 0, sizeof(rep));
	co_audit_verify(seg, (size_t)n, info.boot_id, NULL, 0, &rep);
	*first = rep.seq_first;
	return n;
}

/*
 * Audit-window eviction (the security review's finding 7), on a module with a 64-event window
 * and 16-slot rings, pinned to CPU 0: a flood pushes the chain's first events out of the query
 * window; with the export on, the flood waits instead (-EBUSY) and the exporter reads every
 * event from the first, acknowledges, and the calls go on.
 */
static int export_check(void)
{
	struct coconut_info_args info;
	struct co_audit_verify_report rep;
	struct coconut root;
	uint64_t cursor = UINT64_MAX, first;
	cpu_set_t one;
	int busy;
	int64_t n;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	check("pinned", sched_setaffinity(0, sizeof(one), &one) == 0);
	if (open_bound(&root, COCONUT_AID_ROOT))
		return 1;
	expect("export_on",
	       coconut_audit_export(&root, COCONUT_AUDIT_EXPORT_ON, 0, NULL, 0, &cursor), 0);
	check("export_cursor_at_the_start", cursor == 0);
	busy = flood(&root, 300);
	printf("export on: %d of 300 calls waited (-EBUSY)\n", busy);
	check("export_holds_the_flood", busy > 0);
	/* Every audited call waits now, an audit query too (its decision is an event): the
	 * exporter's READ is no decision, and it finds the chain from its first event. */
	expect("query_waits_too", window_first(&root, &first), -EBUSY);
	n = coconut_audit_export(&root, COCONUT_AUDIT_EXPORT_READ, 0, seg, sizeof(seg), &cursor);
	check("export_read", n > 0 && cursor == 0 && coconut_info(&root, &info) == 0);
	if (n > 0) {
		memset(&rep, 0, sizeof(rep));
		check("export_read_verifies",
		      co_audit_verify(seg, (size_t)n, info.boot_id, NULL, 0, &rep) == CO_AUDIT_OK &&
			      rep.rooted && rep.seq_first == 0 && rep.events_checked >= 64);
		expect("export_ack",
		       coconut_audit_export(&root, COCONUT_AUDIT_EXPORT_ACK, rep.events_checked,
					    NULL, 0, &cursor),
		       0);
		check("export_cursor_moved", cursor == rep.events_checked);
	}
	expect("export_ack_beyond",
	       coconut_audit_export(&root, COCONUT_AUDIT_EXPORT_ACK, UINT64_MAX, NULL, 0, NULL),
	       -EINVAL);
	check("export_flood_goes_on", flood(&root, 16) < 16);
	expect("export_off",
	       coconut_audit_export(&root, COCONUT_AUDIT_EXPORT_OFF, 0, NULL, 0, NULL), 0);
	/* Without the export the same flood pushes the first events out: the window moves on. */
	check("no_export_flood_never_waits", flood(&root, 300) == 0);
	expect_positive("query_after_the_flood", window_first(&root, &first));
	printf("export off: the window now starts at seq %" PRIu64 "\n", first);
	check("no_export_first_events_gone", first != UINT64_MAX && first > 0);
	coconut_close(&root);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "scenario") == 0)
		return scenario(argv[0], argv[2]);
	if (argc == 3 && strcmp(argv[1], "identity-exec") == 0)
		return identity_after_exec(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "down") == 0)
		return instance_down();
	if (argc == 5 && strcmp(argv[1], "fuzz") == 0)
		return fuzz(strtoull(argv[2], NULL, 0), strtol(argv[3], NULL, 0), argv[4]);
	if (argc == 2 && strcmp(argv[1], "check") == 0)
		return liveness();
	if (argc == 2 && strcmp(argv[1], "export") == 0)
		return export_check();
	if (argc == 3 && strcmp(argv[1], "syscalls") == 0)
		return fork_syscalls(argv[2]);
	fprintf(stderr, "usage: coconut_guest scenario REQ_DIR | fuzz SEED COUNT REQ_DIR | check |"
			" syscalls REQ_DIR | down | export | identity-exec FD\n");
	return 2;
}
