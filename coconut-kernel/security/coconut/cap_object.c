// SPDX-License-Identifier: GPL-2.0
/*
 * Concrete objects: what the LSM asks about (the path being opened, the host and port being
 * reached, ...). Each is checked and split into segments once, here; a malformed one is never
 * matched, so a cap cannot be stretched by a spelling the pattern did not foresee (`/a/b/..`).
 */
#include "cap_object.h"

static bool co_cap_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A canonical decimal in p[s..e) up to max (no leading zero, at most 5 digits). */
static bool co_cap_object_num(const char *p, u32 s, u32 e, u32 max, u32 *value)
{
	u32 j, v = 0;

	if (e == s || e - s > 5 || (p[s] == '0' && e - s > 1))
		return false;
	for (j = s; j < e; j++) {
		if (!co_cap_is_digit(p[j]))
			return false;
		v = v * 10 + (u32)(p[j] - '0');
	}
	*value = v;
	return v <= max;
}

/* Records the end of segment `segs` where the array has room (patterns look no deeper). */
static inline void co_cap_object_end(struct co_cap_object *o, u32 segs, u32 end)
{
	if (segs < CO_ARRAY_SIZE(o->end))
		o->end[segs] = (u16)end;
}

/* One path segment p[s..e): non-empty, not "." or "..", at most NAME_MAX bytes. */
static bool co_cap_object_seg_ok(const char *p, u32 s, u32 e)
{
	u32 n = e - s;

	if (n == 0 || n > CO_CAP_SEGMENT_BYTES_MAX)
		return false;
	return !(p[s] == '.' && (n == 1 || (n == 2 && p[s + 1] == '.')));
}

#define CO_CAP_BYTES_LOW 0x7f7f7f7f7f7f7f7full
#define CO_CAP_BYTES_HIGH 0x8080808080808080ull
#define CO_CAP_BYTES_SLASH 0x2f2f2f2f2f2f2f2full

/*
 * The high bit of every byte of w that is zero, and no other bit: exact (the carry-free form),
 * so each set bit is a real match.
 */
static inline u64 co_cap_zero_bytes(u64 w)
{
	return ~(((w & CO_CAP_BYTES_LOW) + CO_CAP_BYTES_LOW) | w) & CO_CAP_BYTES_HIGH;
}

/* The n < 8 bytes at p, little-endian, zero above. */
static inline u64 co_cap_load_partial(const char *p, u32 n)
{
	u64 w = 0;
	u32 i;

	for (i = 0; i < n; i++)
		w |= (u64)(u8)p[i] << (8 * i);
	return w;
}

/*
 * fs: every file check starts here, so 8 bytes a turn: the '/' of each word become bits, and
 * each bit a segment end. Empty, "." and ".." segments and NUL bytes are left to the check.
 */
static bool co_cap_object_split_path(struct co_cap_object *o)
{
	const char *p = o->p;
	u32 n = o->len, segs = 0, i, k;
	u64 w, slash;

	if (n == 0 || p[0] != '/')
		return false;
	o->start0 = 1;
	if (n == 1) {
		o->state = CO_CAP_OBJECT_VALID;	/* the root: no segment */
		return true;
	}
	/* At most CO_CAP_OBJECT_BYTES_MAX / 8 + 1 words, at most 8 bits each. */
	for (i = 0; i < n; i += 8) {
		k = n - i;
		if (k >= 8) {
			w = co_load_le64((const u8 *)p + i);
			slash = co_cap_zero_bytes(w ^ CO_CAP_BYTES_SLASH);
		} else {
			w = co_cap_load_partial(p + i, k);
			slash = co_cap_zero_bytes(w ^ CO_CAP_BYTES_SLASH) & ((1ull << (8 * k)) - 1);
		}
		if (i == 0)
			slash &= ~0x80ull;	/* the leading '/' starts the first segment */
		while (slash) {
			co_cap_object_end(o, segs++, i + ((u32)__builtin_ctzll(slash) >> 3));
			slash &= slash - 1;
		}
	}
	co_cap_object_end(o, segs++, n);
	o->segs = segs;
	return true;
}

/* The rest of the path rules: segments well-formed, no NUL. */
static bool co_cap_object_check_path(const struct co_cap_object *o)
{
	const char *p = o->p;
	u32 n = o->len, known = CO_MIN(o->segs, (u32)CO_ARRAY_SIZE(o->end)), i, s;
	u64 nul = 0;

	for (i = 0; i + 8 <= n; i += 8)
		nul |= co_cap_zero_bytes(co_load_le64((const u8 *)p + i));
	if (nul || (i < n && co_cap_zero_bytes(co_cap_load_partial(p + i, n - i)) &
				     ((1ull << (8 * (n - i))) - 1)))
		return false;
	for (i = 0; i < known; i++) {
		if (!co_cap_object_seg_ok(p, co_cap_object_seg_start(o, i), o->end[i]))
			return false;
	}
	if (o->segs == known)
		return true;
	/* Deeper than any pattern: the remaining segments, one byte at a time. */
	s = o->end[known - 1] + 1;
	for (i = s; i < n; i++) {
		if (p[i] != '/')
			continue;
		if (!co_cap_object_seg_ok(p, s, i))
			return false;
		s = i + 1;
	}
	return co_cap_object_seg_ok(p, s, n);
}

bool co_cap_object_path_rest_ok(const char *p, u32 len, u32 from)
{
	u32 s = from + 1, i;

	CO_ASSERT(from <= len && (from == len || p[from] == '/'));
	/* Nothing after the prefix, or the root "/" itself (whose prefix is empty). */
	if (from == len || len == 1)
		return true;
	for (i = s; i < len; i++) {
		if (p[i] == '/') {
			if (!co_cap_object_seg_ok(p, s, i))
				return false;
			s = i + 1;
		} else if (p[i] == '\0') {
			return false;
		}
	}
	return co_cap_object_seg_ok(p, s, len);
}

/* gpu: <index> or <index>/partition/<n>. */
static bool co_cap_object_scan_gpu(struct co_cap_object *o)
{
	const char *p = o->p;
	u32 n = o->len, e0 = 0, e1, v;

	while (e0 < n && p[e0] != '/')
		e0++;
	if (!co_cap_object_num(p, 0, e0, CO_CAP_GPU_INDEX_MAX, &v))
		return false;
	o->end[0] = (u16)e0;
	o->segs = 1;
	if (e0 == n)
		return true;
	e1 = e0 + 1 + 9;
	if (e1 >= n || co_memcmp(p + e0 + 1, "partition", 9) != 0 || p[e1] != '/')
		return false;
	if (!co_cap_object_num(p, e1 + 1, n, CO_CAP_GPU_PARTITION_MAX, &v))
		return false;
	o->end[1] = (u16)e1;
	o->end[2] = (u16)n;
	o->segs = 3;
	return true;
}

/* Printable and no space: the bytes of a concrete label or broker name. */
static bool co_cap_object_graphic(char c)
{
	return (u8)c > 0x20 && (u8)c < 0x7f;
}

static int co_cap_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool co_ipv6_parse(const char *s, u32 n, u8 out[16])
{
	u16 g[8];
	u32 count = 0, gap = 8, i = 0, d, v;
	int h;

	if (n < 2 || n > CO_IPV6_TEXT_BYTES_MAX)
		return false;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		gap = 0;
		i = 2;
	}
	/* Each turn takes a group and its ':' (or "::"): at most 8 turns, i grows each. */
	while (i < n && count < 8) {
		for (d = 0, v = 0; d < 4 && i + d < n && (h = co_cap_hex(s[i + d])) >= 0; d++)
			v = v * 16 + (u32)h;
		if (d == 0)
			return false;
		g[count++] = (u16)v;
		i += d;
		if (i == n)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < n && s[i] == ':') {
			if (gap != 8)
				return false; /* a second "::" */
			gap = count;
			i++;
		} else if (i == n) {
			return false; /* a trailing single ':' */
		}
	}
	if (i != n || (gap == 8 && count != 8) || (gap != 8 && count > 7))
		return false;
	co_memset(out, 0, 16);
	for (d = 0; d < count; d++) {
		/* Groups after the gap sit at the end. */
		u32 at = (gap != 8 && d >= gap) ? d + (8 - count) : d;

		out[2 * at] = (u8)(g[d] >> 8);
		out[2 * at + 1] = (u8)g[d];
	}
	return true;
}

u32 co_ipv6_format(const u8 a[16], char out[CO_IPV6_TEXT_BYTES_MAX])
{
	static const char hex[] = "0123456789abcdef";
	u32 best = 8, best_len = 0, run = 0, i, n = 0, v;
	int shift;
	bool lead;

	/* RFC 5952 4.2: the longest run of two or more zero groups, the first of equals. */
	for (i = 0; i < 8; i++) {
		run = (a[2 * i] | a[2 * i + 1]) ? 0 : run + 1;
		if (run > best_len && run >= 2) {
			best_len = run;
			best = i + 1 - run;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			out[n++] = ':';
			out[n++] = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0 && i != best + best_len)
			out[n++] = ':';
		v = ((u32)a[2 * i] << 8) | a[2 * i + 1];
		lead = true;
		for (shift = 12; shift >= 0; shift -= 4) {
			u32 x = (v >> shift) & 0xf;

			if (x == 0 && lead && shift > 0)
				continue;
			lead = false;
			out[n++] = hex[x];
		}
	}
	CO_ASSERT(n <= CO_IPV6_TEXT_BYTES_MAX);
	return n;
}

/*
 * An IPv6 host `[...]` in p[0..colon) (colon: the last ':', the port's), in any RFC 4291
 * spelling: whether it is one address.
 */
static bool co_cap_object_ipv6(const char *p, u32 colon, u8 addr[16])
{
	return colon >= 4 && p[0] == '[' && p[colon - 1] == ']' &&
	       co_ipv6_parse(p + 1, colon - 2, addr);
}

/* And written as RFC 5952 does, the one spelling matching knows (co_cap_object_canonical). */
static bool co_cap_object_ipv6_canonical(const char *p, u32 colon)
{
	char text[CO_IPV6_TEXT_BYTES_MAX];
	u8 addr[16];

	return co_cap_object_ipv6(p, colon, addr) &&
	       co_ipv6_format(addr, text) == colon - 2 && co_memcmp(text, p + 1, colon - 2) == 0;
}

/* net: host:port, split at the last ':'. */
static bool co_cap_object_scan_net(struct co_cap_object *o)
{
	const char *p = o->p;
	u32 n = o->len, colon = n, label = 0, labels = 0, i, port;

	for (i = n; i > 0; i--) {
		if (p[i - 1] == ':') {
			colon = i - 1;
			break;
		}
	}
	if (colon == n || colon == 0 || colon > CO_CAP_HOST_BYTES_MAX)
		return false;
	/* An IPv6 literal: no labels (a host-name pattern never matches it). */
	if (p[0] == '[') {
		if (!co_cap_object_ipv6_canonical(p, colon) ||
		    !co_cap_object_num(p, colon + 1, n, 65535, &port) || port == 0)
			return false;
		o->labels = 0;
		o->port = port;
		o->end[0] = (u16)colon;
		o->end[1] = (u16)n;
		o->segs = 2;
		return true;
	}
	for (i = 0; i < colon; i++) {
		if (p[i] == '.') {
			if (label == 0)
				return false;
			labels++;
			label = 0;
			continue;
		}
		/*
		 * The last ':' ends the host, so a ':' inside it is no host name; upper case is not
		 * the canonical spelling (the LSM folds it first: co_cap_object_canonical).
		 */
		if (!co_cap_object_graphic(p[i]) || p[i] == ':' || (p[i] >= 'A' && p[i] <= 'Z') ||
		    ++label > CO_CAP_HOST_LABEL_BYTES_MAX)
			return false;
	}
	if (label == 0)
		return false;
	if (!co_cap_object_num(p, colon + 1, n, 65535, &port) || port == 0)
		return false;
	o->labels = labels + 1;
	o->port = port;
	o->end[0] = (u16)colon;
	o->end[1] = (u16)n;
	o->segs = 2;
	return true;
}

static bool co_cap_object_scan_broker(struct co_cap_object *o)
{
	u32 i;

	if (o->len == 0 || o->len > CO_CAP_SEGMENT_BYTES_MAX)
		return false;
	for (i = 0; i < o->len; i++) {
		if (!co_cap_object_graphic(o->p[i]))
			return false;
	}
	o->end[0] = (u16)o->len;
	o->segs = 1;
	return true;
}

static bool co_cap_object_scan_tier(struct co_cap_object *o)
{
	if (o->len != 3 || !(co_memcmp(o->p, "hbm", 3) == 0 || co_memcmp(o->p, "ram", 3) == 0 ||
			     co_memcmp(o->p, "ssd", 3) == 0))
		return false;
	o->end[0] = 3;
	o->segs = 1;
	return true;
}

bool co_cap_object_split(struct co_cap_object *o, u32 kind, const char *object, size_t len)
{
	bool ok;

	CO_ASSERT(object != NULL || len == 0);
	/* An empty object may come as NULL; matching compares bytes at o->p, so give it some. */
	o->p = object ? object : "";
	o->len = 0;
	o->segs = 0;
	o->start0 = 0;
	o->labels = 0;
	o->port = 0;
	o->kind = (u8)kind;
	o->state = CO_CAP_OBJECT_INVALID;
	if (len > CO_CAP_OBJECT_BYTES_MAX)
		return false;
	o->len = (u32)len;
	switch (kind) {
	case COCONUT_CAP_FS_READ:
	case COCONUT_CAP_FS_WRITE:
		o->state = CO_CAP_OBJECT_SPLIT;
		return co_cap_object_split_path(o);
	case COCONUT_CAP_GPU:
		ok = co_cap_object_scan_gpu(o);
		break;
	case COCONUT_CAP_NET_EGRESS:
		ok = co_cap_object_scan_net(o);
		break;
	case COCONUT_CAP_INFERENCE:
		ok = co_cap_object_scan_broker(o);
		break;
	case COCONUT_CAP_MEM_TIER:
		ok = co_cap_object_scan_tier(o);
		break;
	case COCONUT_CAP_AGENT_SPAWN:
	case COCONUT_CAP_AUDIT_QUERY:
		ok = len == 0;
		break;
	default:
		ok = false;
		break;
	}
	o->state = ok ? CO_CAP_OBJECT_VALID : CO_CAP_OBJECT_INVALID;
	return ok;
}

bool co_cap_object_check(struct co_cap_object *o)
{
	if (o->state == CO_CAP_OBJECT_SPLIT)
		o->state = co_cap_object_check_path(o) ? CO_CAP_OBJECT_VALID :
							 CO_CAP_OBJECT_INVALID;
	return o->state == CO_CAP_OBJECT_VALID;
}

const char *co_cap_object_canonical(u32 kind, const char *object, size_t len,
				    char buf[CO_CAP_NET_OBJECT_BYTES_MAX], size_t *out_len)
{
	u32 n = (u32)len, colon = n, i, w;
	bool upper = false;
	u8 addr[16];

	*out_len = len;
	if (kind != COCONUT_CAP_NET_EGRESS || !object || len == 0 ||
	    len > CO_CAP_NET_OBJECT_BYTES_MAX)
		return object;
	for (i = n; i > 0; i--) {
		if (object[i - 1] == ':') {
			colon = i - 1;
			break;
		}
	}
	if (colon == n || colon == 0)
		return object;
	if (object[0] == '[') {
		/* Any spelling of the address: RFC 5952's, as the caps write it. */
		if (!co_cap_object_ipv6(object, colon, addr))
			return object;
		buf[0] = '[';
		w = 1 + co_ipv6_format(addr, buf + 1);
		buf[w++] = ']';
		if (w + (n - colon) > CO_CAP_NET_OBJECT_BYTES_MAX)
			return object;
		co_memcpy(buf + w, object + colon, n - colon);
		*out_len = w + (n - colon);
		return buf;
	}
	/* A DNS name is case-insensitive (RFC 4343): lower case is its one spelling here. */
	for (i = 0; i < colon; i++)
		upper = upper || (object[i] >= 'A' && object[i] <= 'Z');
	if (!upper)
		return object;
	for (i = 0; i < n; i++)
		buf[i] = (i < colon && object[i] >= 'A' && object[i] <= 'Z') ?
				 (char)(object[i] - 'A' + 'a') :
				 object[i];
	return buf;
}

bool co_cap_object_valid(u32 kind, const char *object, size_t len)
{
	char buf[CO_CAP_NET_OBJECT_BYTES_MAX];
	struct co_cap_object o;
	struct co_cap c;
	size_t n;

	if (kind == COCONUT_CAP_CAP_GRANT)
		return co_cap_parse(object, len, &c, NULL) == CO_CAP_OK &&
		       c.kind != COCONUT_CAP_CAP_GRANT;
	/* Any spelling the LSM folds to a canonical one is an object (co_lsm_check folds it). */
	object = co_cap_object_canonical(kind, object, len, buf, &n);
	return co_cap_object_scan(&o, kind, object, n);
}
