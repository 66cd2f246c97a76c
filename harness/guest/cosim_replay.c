// SPDX-License-Identifier: GPL-2.0
/*
 * The co-simulation replayer (issue 6, docs/cosim.md): applies a simulator trace, converted
 * on the host by coconut-cosim-convert (harness/cosim/trace_to_cosim.cc), to coconut.ko loaded
 * with det_clock=1 and the trace header's parameters, and checks every return value (and
 * inflight token) and, at every checkpoint, the audit chain's head and length from
 * COCONUT_IOC_INFO: the same checks `coconut-sim replay` makes on the userspace kernel.
 *
 *   cosim_replay TRACE.cosim
 *
 * Before each record the clock and CPU are set (COCONUT_IOC_DET_SET) to the record's t and
 * cpu; the eight calls go through libcoconut as the record's caller (COCONUT_IOC_BIND), the
 * kernel-internal ones through COCONUT_IOC_DET_OP. Prints
 *   cosim: parity N records, M checkpoints, head <hex> (E events)          exit 0
 *   cosim: diverged at record I (line L): CALL expected ... actual ...    exit 1
 *   cosim: TRACE:L: what is wrong                                         exit 2 (bad input)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libcoconut.h"

/*
 * BLAKE3 for the output digests of attest and audit_query records (the kernel C's own, so the
 * digest is the one the simulator recorded). Compiled into this file because the guest build
 * links only this file and libcoconut (scripts/initramfs.sh); blake3.c needs nothing but
 * co_assert_fail, defined below.
 */
#include "../../coconut-kernel/lib/blake3.c"

void co_assert_fail(const char *expr, const char *file, int line)
{
	printf("cosim: assertion failed: %s at %s:%d\n", expr, file, line);
	exit(3);
}

/* A converted line: the longest field is a cap_present object (64 KiB, as hex). */
#define COSIM_LINE_BYTES_MAX (512u * 1024u)
/* Decoded string arguments of one record (at most two: cap_present's kind and object). */
#define COSIM_STR_BYTES_MAX (128u * 1024u)
#define COSIM_FIELDS_MAX 16
/* attest / audit_query output (the trace format bounds len to 1 MiB). */
#define COSIM_OUT_BYTES_MAX (1u << 20)

static char line[COSIM_LINE_BYTES_MAX];
static char raw[COSIM_LINE_BYTES_MAX]; /* the line as read, for a divergence report */
static char str_a[COSIM_STR_BYTES_MAX], str_b[COSIM_STR_BYTES_MAX];
static uint8_t out_buf[COSIM_OUT_BYTES_MAX];

struct rec {
	const char *call;
	uint64_t i, t, cpu;
	int64_t ret;
	char *f[COSIM_FIELDS_MAX]; /* the arguments, as text */
	int nf;
};

static const char *file_name;
static unsigned long line_no;

static void bad(const char *what)
{
	printf("cosim: %s:%lu: %s\n", file_name, line_no, what);
	exit(2);
}

static uint64_t num(const struct rec *r, int k)
{
	char *end;
	uint64_t v;

	if (k >= r->nf)
		bad("too few fields");
	errno = 0;
	v = strtoull(r->f[k], &end, 10);
	if (errno || *end)
		bad("a field is not a decimal number");
	return v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Field k decoded ("-" is empty) into buf; its length. */
static size_t hexarg(const struct rec *r, int k, char *buf, size_t cap)
{
	const char *s;
	size_t n, j;

	if (k >= r->nf)
		bad("too few fields");
	s = r->f[k];
	if (strcmp(s, "-") == 0)
		return 0;
	n = strlen(s);
	if (n % 2 || n / 2 > cap)
		bad("a hex field is odd or too long");
	for (j = 0; j < n / 2; j++) {
		int hi = hexval(s[2 * j]), lo = hexval(s[2 * j + 1]);

		if (hi < 0 || lo < 0)
			bad("a hex field has a non-hex character");
		buf[j] = (char)(hi << 4 | lo);
	}
	return n / 2;
}

static int parse(char *s, struct rec *r)
{
	char *save = NULL, *tok[5 + COSIM_FIELDS_MAX];
	int n = 0;
	char *end;

	for (char *t = strtok_r(s, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		if (n == (int)(sizeof(tok) / sizeof(tok[0])))
			bad("too many fields");
		tok[n++] = t;
	}
	if (n == 0)
		return 0;
	if (n < 5)
		bad("fewer than CALL I T CPU RET");
	r->call = tok[0];
	r->i = strtoull(tok[1], NULL, 10);
	r->t = strtoull(tok[2], NULL, 10);
	r->cpu = strtoull(tok[3], NULL, 10);
	r->ret = strtoll(tok[4], &end, 10);
	if (*end)
		bad("RET is not a number");
	r->nf = n - 5;
	for (int k = 0; k < r->nf; k++)
		r->f[k] = tok[5 + k];
	return 1;
}

static struct coconut dev;
static uint64_t bound = ~0ull;

static void as_caller(uint64_t caller)
{
	int rc;

	if (caller == bound)
		return;
	rc = coconut_bind(&dev, caller);
	if (rc) {
		printf("cosim: bind %" PRIu64 ": %s\n", caller, strerror(-rc));
		exit(1);
	}
	bound = caller;
}

static int64_t det_op(uint32_t op, uint64_t caller, uint64_t aid, uint64_t arg, const char *obj,
		      size_t obj_len, uint64_t *token)
{
	struct coconut_det_op_args a;
	int64_t rc;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.op = op;
	a.caller = caller;
	a.aid = aid;
	a.arg = arg;
	a.object_ptr = (uint64_t)(uintptr_t)obj;
	a.object_len = obj_len;
	rc = coconut_call_raw(&dev, COCONUT_IOC_DET_OP, &a);
	if (token)
		*token = a.token;
	return rc;
}

static void hex_out(const uint8_t *p, size_t n, char *out)
{
	for (size_t j = 0; j < n; j++)
		sprintf(out + 2 * j, "%02x", p[j]);
}

/*
 * A call that returned bytes: when the record carries the digest of the bytes the simulator
 * got (field k, last), the guest's bytes must hash to it. 1 when they do or there is none.
 */
static int out_matches(const struct rec *r, int k, int64_t ret)
{
	uint8_t d[CO_BLAKE3_OUT_BYTES];
	char got[2 * CO_BLAKE3_OUT_BYTES + 1];

	if (k >= r->nf || ret <= 0)
		return 1;
	if (strlen(r->f[k]) != 2 * CO_BLAKE3_OUT_BYTES)
		bad("an output digest is not 64 hex digits");
	co_blake3_hash(out_buf, (size_t)ret, d);
	hex_out(d, sizeof(d), got);
	if (strcmp(got, r->f[k]) == 0)
		return 1;
	printf("cosim: diverged at record %" PRIu64 " (line %lu): %s\n"
	       "  expected: ret %" PRId64 " out %s\n"
	       "  actual:   ret %" PRId64 " out %s\n",
	       r->i, line_no, r->call, r->ret, r->f[k], ret, got);
	return 0;
}

/* Applies r; 1 when it matched, 0 (with the report printed) when not. */
static int apply(const struct rec *r)
{
	struct coconut_det_set_args ds;
	uint64_t token = 0, want_token = 0, q[2];
	int64_t ret, rc;
	size_t la, lb;
	int out_field = COSIM_FIELDS_MAX; /* where a call's output digest is, if it has one */
	const char *c = r->call;

	if (strcmp(c, "checkpoint") == 0) {
		struct coconut_info_args info;
		char want[65], got[65];
		uint64_t sealed = num(r, 1);

		if (coconut_info(&dev, &info)) {
			printf("cosim: COCONUT_IOC_INFO failed\n");
			exit(1);
		}
		if (strlen(r->f[0]) != 64)
			bad("checkpoint head is not 64 hex digits");
		hex_out(info.head, sizeof(info.head), got);
		snprintf(want, sizeof(want), "%s", r->f[0]);
		if (info.sealed == sealed && strcmp(want, got) == 0)
			return 1;
		printf("cosim: diverged at record %" PRIu64 " (line %lu): checkpoint\n"
		       "  expected: head %s after %" PRIu64 " events\n"
		       "  actual:   head %s after %" PRIu64 " events\n",
		       r->i, line_no, want, sealed, got, (uint64_t)info.sealed);
		return 0;
	}
	ds.size = sizeof(ds);
	ds.cpu = (uint32_t)r->cpu;
	ds.time_ns = r->t;
	rc = coconut_call_raw(&dev, COCONUT_IOC_DET_SET, &ds);
	if (rc) {
		printf("cosim: DET_SET t %" PRIu64 " cpu %" PRIu64 ": %s (loaded without det_clock=1?)\n",
		       r->t, r->cpu, strerror((int)-rc));
		exit(1);
	}
	if (strcmp(c, "agent_spawn") == 0) {
		as_caller(num(r, 0));
		la = hexarg(r, 1, str_a, sizeof(str_a));
		ret = coconut_agent_spawn(&dev, str_a, la);
	} else if (strcmp(c, "agent_attest") == 0) {
		as_caller(num(r, 0));
		if (num(r, 2) > sizeof(out_buf))
			bad("attest len over 1 MiB");
		ret = coconut_agent_attest(&dev, num(r, 1), out_buf, num(r, 2));
		out_field = 3;
	} else if (strcmp(c, "agent_quota") == 0) {
		as_caller(num(r, 0));
		ret = coconut_agent_quota(&dev, num(r, 1), (uint32_t)num(r, 2), num(r, 3),
					  (uint32_t)num(r, 4), q);
	} else if (strcmp(c, "agent_cap_grant") == 0 || strcmp(c, "agent_cap_revoke") == 0) {
		as_caller(num(r, 0));
		la = hexarg(r, 2, str_a, sizeof(str_a));
		ret = c[10] == 'g' ? coconut_agent_cap_grant(&dev, num(r, 1), str_a, la)
				   : coconut_agent_cap_revoke(&dev, num(r, 1), str_a, la);
	} else if (strcmp(c, "agent_cap_present") == 0) {
		as_caller(num(r, 0));
		la = hexarg(r, 2, str_a, sizeof(str_a));
		lb = hexarg(r, 3, str_b, sizeof(str_b));
		ret = coconut_agent_cap_present(&dev, num(r, 1), str_a, la, str_b, lb);
	} else if (strcmp(c, "agent_audit_query") == 0) {
		struct coconut_audit_filter f;

		as_caller(num(r, 0));
		memset(&f, 0, sizeof(f));
		f.size = sizeof(f);
		f.type = (uint32_t)num(r, 1);
		f.aid = num(r, 2);
		f.time_from_ns = num(r, 3);
		f.time_to_ns = num(r, 4);
		f.seq_from = num(r, 5);
		f.max_events = (uint32_t)num(r, 6);
		la = hexarg(r, 7, (char *)f.cap, sizeof(f.cap));
		f.cap_len = (uint16_t)la;
		if (num(r, 8) > sizeof(out_buf))
			bad("audit_query len over 1 MiB");
		ret = coconut_agent_audit_query(&dev, &f, out_buf, num(r, 8));
		out_field = 9;
	} else if (strcmp(c, "agent_memory_tier") == 0) {
		as_caller(num(r, 0));
		ret = coconut_agent_memory_tier(&dev, num(r, 1), (uint32_t)num(r, 2), num(r, 3));
	} else if (strcmp(c, "inflight_begin") == 0) {
		la = hexarg(r, 2, str_a, sizeof(str_a));
		want_token = num(r, 3);
		ret = det_op(COCONUT_DET_INFLIGHT_BEGIN, 0, num(r, 0), num(r, 1), str_a, la, &token);
	} else if (strcmp(c, "inflight_complete") == 0) {
		ret = det_op(COCONUT_DET_INFLIGHT_COMPLETE, 0, 0, num(r, 0), NULL, 0, NULL);
	} else if (strcmp(c, "agent_quarantine") == 0) {
		ret = det_op(COCONUT_DET_QUARANTINE, num(r, 0), num(r, 1), 0, NULL, 0, NULL);
	} else if (strcmp(c, "agent_release") == 0) {
		ret = det_op(COCONUT_DET_RELEASE, num(r, 0), num(r, 1), 0, NULL, 0, NULL);
	} else if (strcmp(c, "agent_kill") == 0) {
		ret = det_op(COCONUT_DET_KILL, num(r, 0), num(r, 1), 0, NULL, 0, NULL);
	} else if (strcmp(c, "agent_exit") == 0) {
		ret = det_op(COCONUT_DET_EXIT, 0, num(r, 0), 0, NULL, 0, NULL);
	} else if (strcmp(c, "seal") == 0) {
		ret = det_op(COCONUT_DET_SEAL, 0, 0, num(r, 0), NULL, 0, NULL);
	} else if (strcmp(c, "sealer_stall") == 0) {
		ret = det_op(COCONUT_DET_SEALER_STALL, 0, 0, num(r, 0), NULL, 0, NULL);
	} else if (strcmp(c, "tpm_fail") == 0) {
		ret = det_op(COCONUT_DET_TPM_FAIL, 0, 0, num(r, 0), NULL, 0, NULL);
	} else {
		bad("unknown call");
		return 0;
	}
	if (ret == r->ret && token == want_token)
		return out_matches(r, out_field, ret);
	printf("cosim: diverged at record %" PRIu64 " (line %lu): %s\n"
	       "  expected: ret %" PRId64 " token %" PRIu64 "\n"
	       "  actual:   ret %" PRId64 " token %" PRIu64 "\n",
	       r->i, line_no, c, r->ret, want_token, ret, token);
	return 0;
}

int main(int argc, char **argv)
{
	struct coconut_info_args info;
	uint64_t records = 0, checkpoints = 0;
	char head[65];
	struct rec r;
	FILE *in;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: cosim_replay TRACE.cosim\n");
		return 2;
	}
	file_name = argv[1];
	in = fopen(file_name, "r");
	if (!in) {
		printf("cosim: cannot open %s\n", file_name);
		return 2;
	}
	rc = coconut_open(&dev, COCONUT_BACKEND_IOCTL, NULL);
	if (rc) {
		printf("cosim: open /dev/coconut: %s\n", strerror(-rc));
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		line_no++;
		if (!strchr(line, '\n') && !feof(in))
			bad("line over 512 KiB");
		memcpy(raw, line, strlen(line) + 1);
		memset(&r, 0, sizeof(r));
		if (!parse(line, &r))
			continue;
		if (r.i != records)
			bad("records out of order");
		if (!apply(&r)) {
			printf("  record:   %s", raw);
			return 1;
		}
		records++;
		if (strcmp(r.call, "checkpoint") == 0)
			checkpoints++;
		if (records % 2000 == 0)
			printf("cosim: %" PRIu64 " records\n", records);
	}
	fclose(in);
	if (coconut_info(&dev, &info))
		return 1;
	hex_out(info.head, sizeof(info.head), head);
	printf("cosim: parity %" PRIu64 " records, %" PRIu64 " checkpoints, head %s (%" PRIu64
	       " events)\n", records, checkpoints, head, (uint64_t)info.sealed);
	coconut_close(&dev);
	return 0;
}
