// SPDX-License-Identifier: GPL-2.0
/*
 * The guest side of co-simulation parity (issue 6, docs/cosim.md): coconut-sim cosim (the host,
 * harness/cosim/) streams a simulator trace, converted to one text line per record
 * (harness/cosim/cosim_lines.cc), over a virtio-serial port; this program loads coconut.ko with
 * the trace header's parameters (det_clock=1), applies each record and answers with what the
 * module returned. The host compares; nothing here knows the expected values.
 *
 *   cosim_replay PORT KO      (PORT: the virtio-serial port named coconut.cosim)
 *
 * The protocol, one line each way per step (docs/cosim.md):
 *   guest: hello coconut-cosim 1 <kernel release>
 *   host:  params <insmod arguments>        guest: loaded | error insmod: <why>
 *   host:  CALL I T CPU RET ARG...          guest: r I RET TOKEN   (checkpoint: c I HEAD SEALED)
 *                                           attest, audit_query with bytes: r I RET TOKEN OUT
 *   host:  end                              guest: done PASS | done FAIL <why>
 * A line the guest cannot parse is answered "error line I: what" and ends the run (exit 2).
 * Before each record the clock and CPU are set (COCONUT_IOC_DET_SET) to the record's t and cpu;
 * the eight calls go through libcoconut as the record's caller (COCONUT_IOC_BIND), the
 * kernel-internal ones through COCONUT_IOC_DET_OP. After "end" the module is unloaded and the
 * kernel log is checked (no BUG, Oops, WARNING, leak report).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "coconut/blake3.h"
#include "coconut/calls.h"
#include "libcoconut.h"

/* A converted line: the longest field is a cap_present object (64 KiB, as hex). */
#define COSIM_LINE_BYTES_MAX (512u * 1024u)
/* Decoded string arguments of one record (at most two: cap_present's kind and object). */
#define COSIM_STR_BYTES_MAX (128u * 1024u)
#define COSIM_FIELDS_MAX 16
/* attest / audit_query output (the trace format bounds len to 1 MiB). */
#define COSIM_OUT_BYTES_MAX (1u << 20)

/* Input: a line, plus what arrived after it in the same read. */
#define COSIM_IN_BYTES_MAX (2u * COSIM_LINE_BYTES_MAX)
/* Answers are flushed whenever the input is drained, or when this full. */
#define COSIM_REPLY_BYTES_MAX (64u * 1024u)
/* The kernel log read after the unload. */
#define COSIM_KLOG_BYTES_MAX (1u << 20)
/* How many of the log's last lines go to the host when it shows a problem. */
#define COSIM_KLOG_TAIL_LINES 40

static char in_buf[COSIM_IN_BYTES_MAX];
static size_t in_len;
static char reply[COSIM_REPLY_BYTES_MAX];
static size_t reply_len;
static char klog[COSIM_KLOG_BYTES_MAX + 1];
static char str_a[COSIM_STR_BYTES_MAX], str_b[COSIM_STR_BYTES_MAX];
static uint8_t out_buf[COSIM_OUT_BYTES_MAX];

struct rec {
	const char *call;
	uint64_t i, t, cpu;
	int64_t ret;
	char *f[COSIM_FIELDS_MAX]; /* the arguments, as text */
	int nf;
};

static int port = -1;
static uint64_t record_i; /* the record being parsed, for error lines */

static void port_write(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(port, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			printf("cosim: write to the port: %s\n", strerror(errno));
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

static void flush_replies(void)
{
	port_write(reply, reply_len);
	reply_len = 0;
}

/* Queues one answer line (flushed with the next drained input or when full). */
static void __attribute__((format(printf, 1, 2))) answer(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (COSIM_REPLY_BYTES_MAX - reply_len < 512)
		flush_replies();
	va_start(ap, fmt);
	n = vsnprintf(reply + reply_len, COSIM_REPLY_BYTES_MAX - reply_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= COSIM_REPLY_BYTES_MAX - reply_len) {
		printf("cosim: an answer does not fit\n");
		exit(1);
	}
	reply_len += (size_t)n;
}

/* The module failed in a way that is not an answer (bind, DET_SET): the run ends, exit 1. */
static void fatal(const char *what, int err)
{
	answer("error record %" PRIu64 ": %s: %s\n", record_i, what, strerror(err));
	flush_replies();
	printf("cosim: record %" PRIu64 ": %s: %s\n", record_i, what, strerror(err));
	exit(1);
}

static void bad(const char *what)
{
	answer("error line %" PRIu64 ": %s\n", record_i, what);
	flush_replies();
	printf("cosim: record %" PRIu64 ": %s\n", record_i, what);
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
	if (rc)
		fatal("COCONUT_IOC_BIND", -rc);
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

/* The kernel C's BLAKE3 (linked in for the output digests) asserts through this. */
void co_assert_fail(const char *expr, const char *file, int line)
{
	printf("cosim: assertion failed: %s at %s:%d\n", expr, file, line);
	exit(3);
}

/*
 * Applies r and queues the answer: "r I RET TOKEN", with " OUT" (the BLAKE3-256 of the bytes)
 * after an attest or audit_query that returned bytes, or "c I HEAD SEALED" for a checkpoint.
 */
static void apply(const struct rec *r)
{
	struct coconut_det_set_args ds;
	uint64_t token = 0, q[2];
	int64_t ret = 0, rc; /* every case sets ret; 0 keeps -Wmaybe-uninitialized quiet */
	size_t la, lb;
	int has_out = 0; /* ret > 0 is then the number of bytes in out_buf */
	const enum co_call c = (enum co_call)co_call_by_name(r->call);

	if (c == CO_CALL_CHECKPOINT) {
		struct coconut_info_args info;
		char got[65];

		rc = coconut_info(&dev, &info);
		if (rc)
			fatal("COCONUT_IOC_INFO", (int)-rc);
		hex_out(info.head, sizeof(info.head), got);
		answer("c %" PRIu64 " %s %" PRIu64 "\n", r->i, got, (uint64_t)info.sealed);
		return;
	}
	ds.size = sizeof(ds);
	ds.cpu = (uint32_t)r->cpu;
	ds.time_ns = r->t;
	rc = coconut_call_raw(&dev, COCONUT_IOC_DET_SET, &ds);
	if (rc)
		fatal("COCONUT_IOC_DET_SET (loaded without det_clock=1?)", (int)-rc);
	/* One case a call of coconut/calls.h (the arguments in its order there); no default, so
	 * -Wswitch names a call added to the list and not here. */
	switch (c) {
	case CO_CALL_AGENT_SPAWN:
		as_caller(num(r, 0));
		la = hexarg(r, 1, str_a, sizeof(str_a));
		ret = coconut_agent_spawn(&dev, str_a, la);
		break;
	case CO_CALL_AGENT_ATTEST:
		as_caller(num(r, 0));
		if (num(r, 2) > sizeof(out_buf))
			bad("attest len over 1 MiB");
		ret = coconut_agent_attest(&dev, num(r, 1), out_buf, num(r, 2));
		has_out = 1;
		break;
	case CO_CALL_AGENT_QUOTA:
		as_caller(num(r, 0));
		ret = coconut_agent_quota(&dev, num(r, 1), (uint32_t)num(r, 2), num(r, 3),
					  (uint32_t)num(r, 4), q);
		break;
	case CO_CALL_AGENT_CAP_GRANT:
		as_caller(num(r, 0));
		la = hexarg(r, 2, str_a, sizeof(str_a));
		ret = coconut_agent_cap_grant(&dev, num(r, 1), str_a, la);
		break;
	case CO_CALL_AGENT_CAP_REVOKE:
		as_caller(num(r, 0));
		la = hexarg(r, 2, str_a, sizeof(str_a));
		ret = coconut_agent_cap_revoke(&dev, num(r, 1), str_a, la);
		break;
	case CO_CALL_AGENT_CAP_PRESENT:
		as_caller(num(r, 0));
		la = hexarg(r, 2, str_a, sizeof(str_a));
		lb = hexarg(r, 3, str_b, sizeof(str_b));
		ret = coconut_agent_cap_present(&dev, num(r, 1), str_a, la, str_b, lb);
		break;
	case CO_CALL_AGENT_AUDIT_QUERY: {
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
		has_out = 1;
		break;
	}
	case CO_CALL_AGENT_MEMORY_TIER:
		as_caller(num(r, 0));
		ret = coconut_agent_memory_tier(&dev, num(r, 1), (uint32_t)num(r, 2), num(r, 3));
		break;
	case CO_CALL_INFLIGHT_BEGIN:
		la = hexarg(r, 2, str_a, sizeof(str_a));
		ret = det_op(COCONUT_DET_INFLIGHT_BEGIN, 0, num(r, 0), num(r, 1), str_a, la,
			     &token);
		break;
	case CO_CALL_INFLIGHT_COMPLETE:
		ret = det_op(COCONUT_DET_INFLIGHT_COMPLETE, 0, 0, num(r, 0), NULL, 0, NULL);
		break;
	case CO_CALL_AGENT_QUARANTINE:
		ret = det_op(COCONUT_DET_QUARANTINE, num(r, 0), num(r, 1), 0, NULL, 0, NULL);
		break;
	case CO_CALL_AGENT_RELEASE:
		ret = det_op(COCONUT_DET_RELEASE, num(r, 0), num(r, 1), 0, NULL, 0, NULL);
		break;
	case CO_CALL_AGENT_KILL:
		ret = det_op(COCONUT_DET_KILL, num(r, 0), num(r, 1), 0, NULL, 0, NULL);
		break;
	case CO_CALL_AGENT_EXIT:
		ret = det_op(COCONUT_DET_EXIT, 0, num(r, 0), 0, NULL, 0, NULL);
		break;
	case CO_CALL_SEAL:
		ret = det_op(COCONUT_DET_SEAL, 0, 0, num(r, 0), NULL, 0, NULL);
		break;
	case CO_CALL_SEALER_STALL:
		ret = det_op(COCONUT_DET_SEALER_STALL, 0, 0, num(r, 0), NULL, 0, NULL);
		break;
	case CO_CALL_TPM_FAIL:
		ret = det_op(COCONUT_DET_TPM_FAIL, 0, 0, num(r, 0), NULL, 0, NULL);
		break;
	case CO_CALL_CHECKPOINT: /* answered above */
	case CO_CALL_COUNT:	 /* a name the list does not have */
		bad("unknown call");
		return;
	}
	if (has_out && ret > 0 && (uint64_t)ret <= sizeof(out_buf)) {
		uint8_t d[CO_BLAKE3_OUT_BYTES];
		char out[2 * CO_BLAKE3_OUT_BYTES + 1];

		co_blake3_hash(out_buf, (size_t)ret, d);
		hex_out(d, sizeof(d), out);
		answer("r %" PRIu64 " %" PRId64 " %" PRIu64 " %s\n", r->i, ret, token, out);
		return;
	}
	answer("r %" PRIu64 " %" PRId64 " %" PRIu64 "\n", r->i, ret, token);
}

/*
 * The next line from the port into *out (NUL-terminated, without the newline); reads more when
 * no whole line is buffered, flushing the queued answers first so the host never waits on an
 * answer held back here. 0 at the end of input (the host closed the port).
 */
static int next_line(char **out, size_t *consumed)
{
	char *nl;
	ssize_t n;

	if (*consumed) {
		memmove(in_buf, in_buf + *consumed, in_len - *consumed);
		in_len -= *consumed;
		*consumed = 0;
	}
	for (;;) {
		nl = memchr(in_buf, '\n', in_len);
		if (nl) {
			*nl = 0;
			*out = in_buf;
			*consumed = (size_t)(nl - in_buf) + 1;
			return 1;
		}
		if (in_len > COSIM_LINE_BYTES_MAX)
			bad("a line over 512 KiB");
		flush_replies();
		n = read(port, in_buf + in_len, COSIM_IN_BYTES_MAX - in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			printf("cosim: read from the port: %s\n", strerror(errno));
			exit(1);
		}
		if (n == 0)
			return 0;
		in_len += (size_t)n;
	}
}

/* finit_module(KO, params): "loaded" or "error insmod: <why>". */
static int load_module(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	long rc;

	if (fd < 0) {
		answer("error insmod: open %s: %s\n", ko, strerror(errno));
		return -1;
	}
	rc = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	if (rc) {
		answer("error insmod: %s (the reason is in the guest's kernel log)\n",
		       strerror(errno));
		return -1;
	}
	answer("loaded\n");
	return 0;
}

static const char *const klog_bad[] = {
	"BUG",	      "Oops",
	"WARNING",    "leak",
	"Call Trace", "general protection",
	"refcount_t", "list_add corruption",
};

/* Unloads the module and reads the kernel log: NULL when clean, or what is wrong. */
static const char *unload_and_check(void)
{
	int n, lines = 0;
	char *p;

	coconut_close(&dev);
	if (syscall(SYS_delete_module, "coconut", O_NONBLOCK))
		return "rmmod coconut failed";
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, klog, COSIM_KLOG_BYTES_MAX);
	if (n < 0)
		return "cannot read the kernel log";
	klog[n] = 0;
	for (size_t k = 0; k < sizeof(klog_bad) / sizeof(klog_bad[0]); k++) {
		if (!strstr(klog, klog_bad[k]))
			continue;
		/* The log's tail goes to the host, a line each. */
		for (p = klog + n; p > klog && lines <= COSIM_KLOG_TAIL_LINES; p--)
			lines += p[-1] == '\n';
		for (char *save = NULL, *l = strtok_r(p, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save))
			answer("log %.400s\n", l);
		return "the kernel log shows a problem";
	}
	if (!strstr(klog, "coconut: unloaded"))
		return "no unload message in the kernel log";
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t records = 0;
	size_t consumed = 0;
	struct utsname u;
	const char *why;
	char *l;
	struct rec r;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: cosim_replay PORT KO\n");
		return 2;
	}
	port = open(argv[1], O_RDWR | O_CLOEXEC);
	if (port < 0) {
		printf("cosim: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	uname(&u);
	answer("hello coconut-cosim 1 %s\n", u.release);
	if (!next_line(&l, &consumed))
		return 1;
	if (strncmp(l, "params ", 7) != 0)
		bad("expected 'params ARGS' first");
	if (load_module(argv[2], l + 7)) {
		flush_replies();
		return 1;
	}
	rc = coconut_open(&dev, COCONUT_BACKEND_IOCTL, NULL);
	if (rc)
		fatal("open /dev/coconut", -rc);
	printf("cosim: loaded coconut.ko with %s\n", l + 7);
	while (next_line(&l, &consumed)) {
		if (strcmp(l, "end") == 0) {
			why = unload_and_check();
			if (why)
				answer("done FAIL %s\n", why);
			else
				answer("done PASS\n");
			flush_replies();
			printf("cosim: %" PRIu64 " records applied; %s\n", records,
			       why ? why : "unloaded, kernel log clean");
			return why ? 1 : 0;
		}
		record_i = records;
		memset(&r, 0, sizeof(r));
		if (!parse(l, &r))
			bad("an empty line");
		if (r.i != records)
			bad("records out of order");
		apply(&r);
		records++;
	}
	printf("cosim: the host closed the port after %" PRIu64 " records\n", records);
	return 1;
}
