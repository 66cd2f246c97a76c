// SPDX-License-Identifier: GPL-2.0
/*
 * Capability text: the strict parser and the canonical formatter (coconut/cap.h documents the
 * language). One spelling per capability, so format(parse(s)) == s and a cap's text can be
 * compared, hashed and logged as its identity.
 */
#include "coconut/cap.h"

#include "cap_object.h"

struct co_cap_kind_info {
	const char *name;
	u8 name_len;
	bool has_object;
};

static const struct co_cap_kind_info co_cap_kinds[COCONUT_CAP_KIND_COUNT] = {
	[COCONUT_CAP_FS_READ] = { "fs.read", 7, true },
	[COCONUT_CAP_FS_WRITE] = { "fs.write", 8, true },
	[COCONUT_CAP_NET_EGRESS] = { "net.egress", 10, true },
	[COCONUT_CAP_GPU] = { "gpu", 3, true },
	[COCONUT_CAP_INFERENCE] = { "inference", 9, true },
	[COCONUT_CAP_AGENT_SPAWN] = { "agent.spawn", 11, false },
	[COCONUT_CAP_CAP_GRANT] = { "cap.grant", 9, true },
	[COCONUT_CAP_AUDIT_QUERY] = { "audit.query", 11, false },
	[COCONUT_CAP_MEM_TIER] = { "mem.tier", 8, true },
};

/* The shortest net.egress object leaves no room for a host over the DNS limit: no check needed. */
CO_STATIC_ASSERT(COCONUT_CAP_TEXT_MAX - sizeof("net.egress::1") + 1 <= CO_CAP_HOST_BYTES_MAX,
		 "a host that fits the text must fit the DNS limit");
CO_STATIC_ASSERT(CO_CAP_TEXT_BYTES_MAX <= 0xffff, "object lengths are u16");
CO_STATIC_ASSERT(CO_CAP_PATH_SEGMENTS_MAX <= 0xff, "segment counts are u8");

static const char *const co_cap_err_names[CO_CAP_E_COUNT_] = {
	[CO_CAP_OK] = "ok",
	[CO_CAP_E_EMPTY] = "empty",
	[CO_CAP_E_TOO_LONG] = "too_long",
	[CO_CAP_E_NONPRINTABLE] = "nonprintable",
	[CO_CAP_E_UNKNOWN_KIND] = "unknown_kind",
	[CO_CAP_E_MISSING_OBJECT] = "missing_object",
	[CO_CAP_E_EXTRA_OBJECT] = "extra_object",
	[CO_CAP_E_NESTED_GRANT] = "nested_grant",
	[CO_CAP_E_BAD_PATH] = "bad_path",
	[CO_CAP_E_PATH_TOO_DEEP] = "path_too_deep",
	[CO_CAP_E_BAD_WILDCARD] = "bad_wildcard",
	[CO_CAP_E_BAD_HOST] = "bad_host",
	[CO_CAP_E_BAD_IPV6] = "bad_ipv6",
	[CO_CAP_E_BAD_PORT] = "bad_port",
	[CO_CAP_E_BAD_GPU] = "bad_gpu",
	[CO_CAP_E_BAD_BROKER] = "bad_broker",
	[CO_CAP_E_BAD_TIER] = "bad_tier",
	[CO_CAP_E_SET_FULL] = "set_full",
	[CO_CAP_E_NO_SUCH_HANDLE] = "no_such_handle",
};

static const char *const co_cap_err_hints[CO_CAP_E_COUNT_] = {
	[CO_CAP_OK] = "no error",
	[CO_CAP_E_EMPTY] = "a capability is `kind:object` or `agent.spawn` / `audit.query`",
	[CO_CAP_E_TOO_LONG] = "a capability's text is at most 256 bytes",
	[CO_CAP_E_NONPRINTABLE] = "a capability's text is printable ASCII (0x20..0x7e)",
	[CO_CAP_E_UNKNOWN_KIND] = "kinds: fs.read fs.write net.egress gpu inference agent.spawn "
				  "cap.grant audit.query mem.tier",
	[CO_CAP_E_MISSING_OBJECT] = "this kind needs `:object`",
	[CO_CAP_E_EXTRA_OBJECT] = "agent.spawn and audit.query take no object: drop the ':'",
	[CO_CAP_E_NESTED_GRANT] = "cap.grant grants any capability but another cap.grant",
	[CO_CAP_E_BAD_PATH] = "a path is absolute, its segments non-empty and not . or .., "
			      "with no trailing /",
	[CO_CAP_E_PATH_TOO_DEEP] = "a path pattern has at most 32 segments before /**",
	[CO_CAP_E_BAD_WILDCARD] = "use * within a segment or label, ** only as a whole last "
				  "path segment, never ** elsewhere",
	[CO_CAP_E_BAD_HOST] = "a host is non-empty labels of a-z 0-9 - and *, each at most 63 "
			      "bytes, lowercase, or an IPv6 address in brackets",
	[CO_CAP_E_BAD_IPV6] = "an IPv6 host is [address] as RFC 5952 writes it: lower-case hex, "
			      "no leading zeros, the longest run of zero groups as ::, e.g. "
			      "[2001:db8::1]",
	[CO_CAP_E_BAD_PORT] = "end with :port, 1..65535 without leading zeros, or :*",
	[CO_CAP_E_BAD_GPU] = "gpu:<index>/partition/<n> or gpu:<index>/**, numbers 0..255 "
			     "without leading zeros, or *",
	[CO_CAP_E_BAD_BROKER] = "a broker name is a-z 0-9 . _ - and *",
	[CO_CAP_E_BAD_TIER] = "a memory tier is hbm, ram, ssd or *",
	[CO_CAP_E_SET_FULL] = "an agent holds at most 256 capabilities",
	[CO_CAP_E_NO_SUCH_HANDLE] = "the capability is not (or no longer) in the set",
};

const char *co_cap_strerror(enum co_cap_err code)
{
	if ((u32)code >= CO_CAP_E_COUNT_)
		return "unknown_error";
	return co_cap_err_names[code];
}

const char *co_cap_errhint(enum co_cap_err code)
{
	if ((u32)code >= CO_CAP_E_COUNT_)
		return "unknown error";
	return co_cap_err_hints[code];
}

const char *co_cap_kind_name(u32 kind)
{
	if (kind >= COCONUT_CAP_KIND_COUNT)
		return NULL;
	return co_cap_kinds[kind].name;
}

bool co_cap_kind_has_object(u32 kind)
{
	return kind < COCONUT_CAP_KIND_COUNT && co_cap_kinds[kind].has_object;
}

/* The kind named by s[0..n), or 0. */
static u32 co_cap_kind_lookup(const char *s, u32 n)
{
	u32 k;

	for (k = 1; k < COCONUT_CAP_KIND_COUNT; k++) {
		if (co_cap_kinds[k].name_len == n && co_memcmp(co_cap_kinds[k].name, s, n) == 0)
			return k;
	}
	return 0;
}

/* Offset of the first c in s[from..n), or n. */
static u32 co_cap_find(const char *s, u32 from, u32 n, char c)
{
	u32 i;

	for (i = from; i < n; i++) {
		if (s[i] == c)
			return i;
	}
	return n;
}

static bool co_cap_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The stars of one glob segment o[s..e): sets CO_CAP_F_WILDCARD; `**` inside is an error at the
 * second star (it matches what one star does, so it would be a second spelling).
 */
static enum co_cap_err co_cap_check_stars(struct co_cap *cap, u32 s, u32 e, u32 *off)
{
	u32 j;

	for (j = s; j < e; j++) {
		if (cap->object[j] != '*')
			continue;
		if (j > s && cap->object[j - 1] == '*') {
			*off = j;
			return CO_CAP_E_BAD_WILDCARD;
		}
		cap->flags |= CO_CAP_F_WILDCARD;
	}
	return CO_CAP_OK;
}

static bool co_cap_is_double_star(const char *o, u32 s, u32 e)
{
	return e - s == 2 && o[s] == '*' && o[s + 1] == '*';
}

/* fs: an absolute path pattern (see coconut/cap.h). */
static enum co_cap_err co_cap_parse_path(struct co_cap *cap, u32 *off)
{
	const char *o = cap->object;
	u32 n = cap->len, pos = 1, segs = 0, s, e;
	enum co_cap_err r;

	if (o[0] != '/') {
		*off = 0;
		return CO_CAP_E_BAD_PATH;
	}
	cap->body_off = 1;
	/* pos grows by at least 2 a turn, so this ends within n / 2 turns. */
	while (pos <= n) {
		s = pos;
		e = co_cap_find(o, s, n, '/');
		if (e == s) {
			*off = s;
			return CO_CAP_E_BAD_PATH;
		}
		if (co_cap_is_double_star(o, s, e)) {
			if (e != n) {
				*off = s;
				return CO_CAP_E_BAD_WILDCARD;
			}
			cap->flags |= CO_CAP_F_SUBTREE;
			cap->body_len = (u16)(segs ? s - 2 : 0);
			break;
		}
		if (o[s] == '.' && (e - s == 1 || (e - s == 2 && o[s + 1] == '.'))) {
			*off = s;
			return CO_CAP_E_BAD_PATH;
		}
		r = co_cap_check_stars(cap, s, e, off);
		if (r != CO_CAP_OK)
			return r;
		if (++segs > CO_CAP_PATH_SEGMENTS_MAX) {
			*off = s;
			return CO_CAP_E_PATH_TOO_DEEP;
		}
		if (e == n) {
			cap->body_len = (u16)(n - 1);
			break;
		}
		pos = e + 1;
	}
	cap->segs = (u8)segs;
	return CO_CAP_OK;
}

/*
 * A decimal in o[s..e) up to max without leading zeros, or `*`; else *off gets the bad byte
 * (or s when the digits are fine but the number is not).
 */
static bool co_cap_parse_num(struct co_cap *cap, u32 s, u32 e, u32 max, u32 *value, u32 *off)
{
	const char *o = cap->object;
	u32 j, v = 0;

	if (e - s == 1 && o[s] == '*') {
		cap->flags |= CO_CAP_F_WILDCARD;
		*value = 0;
		return true;
	}
	for (j = s; j < e; j++) {
		if (!co_cap_is_digit(o[j])) {
			*off = j;
			return false;
		}
	}
	/* Five digits fit a u32 at once, and no number we take has more. */
	if (e == s || e - s > 5 || (o[s] == '0' && e - s > 1)) {
		*off = s;
		return false;
	}
	for (j = s; j < e; j++)
		v = v * 10 + (u32)(o[j] - '0');
	if (v > max) {
		*off = s;
		return false;
	}
	*value = v;
	return true;
}

// gpu: <index>/partition/<n> or <index>/**.
static enum co_cap_err co_cap_parse_gpu(struct co_cap *cap, u32 *off)
{
	const char *o = cap->object;
	u32 n = cap->len, e0, s1, e1, s2, v;

	e0 = co_cap_find(o, 0, n, '/');
	if (!co_cap_parse_num(cap, 0, e0, CO_CAP_GPU_INDEX_MAX, &v, off))
		return CO_CAP_E_BAD_GPU;
	if (e0 == n) {
		*off = n;
		return CO_CAP_E_BAD_GPU;
	}
	s1 = e0 + 1;
	e1 = co_cap_find(o, s1, n, '/');
	if (co_cap_is_double_star(o, s1, e1)) {
		if (e1 != n) {
			*off = s1;
			return CO_CAP_E_BAD_WILDCARD;
		}
		cap->flags |= CO_CAP_F_SUBTREE;
		cap->segs = 1;
		cap->body_len = (u16)e0;
		return CO_CAP_OK;
	}
	if (e1 - s1 != 9 || co_memcmp(o + s1, "partition", 9) != 0) {
		*off = s1;
		return CO_CAP_E_BAD_GPU;
	}
	if (e1 == n) {
		*off = n;
		return CO_CAP_E_BAD_GPU;
	}
	s2 = e1 + 1;
	// `0/partition/**` would name what `0/partition/*` names (no concrete object ends in
	// "partition"), so only the latter is the spelling; a '/' after <n> names nothing.
	if (!co_cap_parse_num(cap, s2, n, CO_CAP_GPU_PARTITION_MAX, &v, off))
		return CO_CAP_E_BAD_GPU;
	cap->segs = 3;
	cap->body_len = (u16)n;
	return CO_CAP_OK;
}

/*
 * net.egress's IPv6 host: `[address]` before the port's ':', the address as RFC 5952 writes it
 * (lower-case hex, no leading zeros, the longest run of zero groups as "::"), so that it has
 * one spelling like every other cap; no `*`.
 */
static enum co_cap_err co_cap_parse_ipv6(struct co_cap *cap, u32 colon, u32 *off)
{
	const char *o = cap->object;
	char canon[CO_IPV6_TEXT_BYTES_MAX];
	u8 addr[16];
	u32 n;

	if (colon < 4 || o[colon - 1] != ']' || !co_ipv6_parse(o + 1, colon - 2, addr)) {
		*off = 1;
		return CO_CAP_E_BAD_IPV6;
	}
	n = co_ipv6_format(addr, canon);
	if (n != colon - 2 || co_memcmp(canon, o + 1, n) != 0) {
		*off = 1;
		return CO_CAP_E_BAD_IPV6;
	}
	cap->flags |= CO_CAP_F_IPV6;
	return CO_CAP_OK;
}

/* net.egress: <host>:<port>. */
static enum co_cap_err co_cap_parse_net(struct co_cap *cap, u32 *off)
{
	const char *o = cap->object;
	u32 n = cap->len, colon = n, labels = 0, pos = 0, s, e, j, port;
	enum co_cap_err r;

	for (j = n; j > 0; j--) {
		if (o[j - 1] == ':') {
			colon = j - 1;
			break;
		}
	}
	if (colon == n) {
		*off = n;
		return CO_CAP_E_BAD_PORT;
	}
	if (colon == 0) {
		*off = 0;
		return CO_CAP_E_BAD_HOST;
	}
	if (o[0] == '[') {
		r = co_cap_parse_ipv6(cap, colon, off);
		if (r != CO_CAP_OK)
			return r;
		labels = 1;
	}
	/* pos grows by at least 2 a turn. */
	while (!(cap->flags & CO_CAP_F_IPV6) && pos <= colon) {
		s = pos;
		e = co_cap_find(o, s, colon, '.');
		if (e == s) {
			*off = s;
			return CO_CAP_E_BAD_HOST;
		}
		for (j = s; j < e; j++) {
			char c = o[j];

			if ((c >= 'a' && c <= 'z') || co_cap_is_digit(c) || c == '-' || c == '*')
				continue;
			*off = j;
			return CO_CAP_E_BAD_HOST;
		}
		r = co_cap_check_stars(cap, s, e, off);
		if (r != CO_CAP_OK)
			return r;
		if (e - s > CO_CAP_HOST_LABEL_BYTES_MAX) {
			*off = s + CO_CAP_HOST_LABEL_BYTES_MAX;
			return CO_CAP_E_BAD_HOST;
		}
		labels++;
		if (e == colon)
			break;
		pos = e + 1;
	}
	if (colon + 1 == n) {
		*off = n;
		return CO_CAP_E_BAD_PORT;
	}
	if (n - colon == 2 && o[colon + 1] == '*') {
		cap->flags |= CO_CAP_F_ANY_PORT;
		port = 0;
	} else {
		/* A lone `*` was taken just above, so this reads digits only. */
		if (!co_cap_parse_num(cap, colon + 1, n, 65535, &port, off))
			return CO_CAP_E_BAD_PORT;
		if (port == 0) {
			*off = colon + 1;
			return CO_CAP_E_BAD_PORT;
		}
	}
	cap->segs = (u8)labels;
	cap->body_len = (u16)colon;
	cap->port = (u16)port;
	return CO_CAP_OK;
}

/* inference: one broker name. */
static enum co_cap_err co_cap_parse_broker(struct co_cap *cap, u32 *off)
{
	const char *o = cap->object;
	u32 j;

	for (j = 0; j < cap->len; j++) {
		char c = o[j];

		if ((c >= 'a' && c <= 'z') || co_cap_is_digit(c) || c == '.' || c == '_' ||
		    c == '-' || c == '*')
			continue;
		*off = j;
		return CO_CAP_E_BAD_BROKER;
	}
	cap->segs = 1;
	cap->body_len = cap->len;
	return co_cap_check_stars(cap, 0, cap->len, off);
}

/* mem.tier: hbm, ram, ssd or `*`. */
static enum co_cap_err co_cap_parse_tier(struct co_cap *cap, u32 *off)
{
	static const char tiers[][4] = { "hbm", "ram", "ssd", "*" };
	u32 i, n;

	for (i = 0; i < CO_ARRAY_SIZE(tiers); i++) {
		n = tiers[i][0] == '*' ? 1 : 3;
		if (cap->len == n && co_memcmp(cap->object, tiers[i], n) == 0) {
			if (cap->object[0] == '*')
				cap->flags |= CO_CAP_F_WILDCARD;
			cap->segs = 1;
			cap->body_len = cap->len;
			return CO_CAP_OK;
		}
	}
	*off = 0;
	return CO_CAP_E_BAD_TIER;
}

/*
 * The object of `kind` in text[colon + 1..len) (colon == len: none). Offsets reported are in
 * the whole text.
 */
static enum co_cap_err co_cap_parse_object(struct co_cap *cap, u32 kind, const char *text,
					   u32 colon, u32 len, u32 *off)
{
	u32 local = 0, base = colon + 1;
	enum co_cap_err r;

	if (!co_cap_kinds[kind].has_object) {
		if (colon < len) {
			*off = colon;
			return CO_CAP_E_EXTRA_OBJECT;
		}
		return CO_CAP_OK;
	}
	if (colon + 1 >= len) {
		*off = len;
		return CO_CAP_E_MISSING_OBJECT;
	}
	cap->len = (u16)(len - base);
	co_memcpy(cap->object, text + base, cap->len);
	switch (kind) {
	case COCONUT_CAP_FS_READ:
	case COCONUT_CAP_FS_WRITE:
		r = co_cap_parse_path(cap, &local);
		break;
	case COCONUT_CAP_NET_EGRESS:
		r = co_cap_parse_net(cap, &local);
		break;
	case COCONUT_CAP_GPU:
		r = co_cap_parse_gpu(cap, &local);
		break;
	case COCONUT_CAP_INFERENCE:
		r = co_cap_parse_broker(cap, &local);
		break;
	case COCONUT_CAP_MEM_TIER:
		r = co_cap_parse_tier(cap, &local);
		break;
	default:
		/* cap.grant never reaches here (the caller unwraps one level), nor kind 0. */
		CO_ASSERT(0);
		r = CO_CAP_E_UNKNOWN_KIND;
		break;
	}
	*off = base + local;
	return r;
}

static enum co_cap_err co_cap_parse_text(const char *text, u32 len, struct co_cap *cap, u32 *off)
{
	u32 i, colon, start, kind, inner;

	if (len == 0) {
		*off = 0;
		return CO_CAP_E_EMPTY;
	}
	for (i = 0; i < len; i++) {
		if ((u8)text[i] < 0x20 || (u8)text[i] > 0x7e) {
			*off = i;
			return CO_CAP_E_NONPRINTABLE;
		}
	}
	colon = co_cap_find(text, 0, len, ':');
	kind = co_cap_kind_lookup(text, colon);
	if (!kind) {
		*off = 0;
		return CO_CAP_E_UNKNOWN_KIND;
	}
	cap->kind = (u8)kind;
	if (kind != COCONUT_CAP_CAP_GRANT)
		return co_cap_parse_object(cap, kind, text, colon, len, off);

	/* cap.grant: one level, unwrapped here so that no parse function calls itself. */
	if (colon + 1 >= len) {
		*off = len;
		return CO_CAP_E_MISSING_OBJECT;
	}
	start = colon + 1;
	colon = co_cap_find(text, start, len, ':');
	inner = co_cap_kind_lookup(text + start, colon - start);
	if (!inner) {
		*off = start;
		return CO_CAP_E_UNKNOWN_KIND;
	}
	if (inner == COCONUT_CAP_CAP_GRANT) {
		*off = start;
		return CO_CAP_E_NESTED_GRANT;
	}
	cap->granted = (u8)inner;
	return co_cap_parse_object(cap, inner, text, colon, len, off);
}

enum co_cap_err co_cap_parse(const char *text, size_t len, struct co_cap *cap,
			     struct co_cap_error *err)
{
	enum co_cap_err r;
	u32 off = 0;

	CO_ASSERT(cap != NULL);
	CO_ASSERT(text != NULL || len == 0);
	co_memset(cap, 0, sizeof(*cap));
	if (len > CO_CAP_TEXT_BYTES_MAX) {
		r = CO_CAP_E_TOO_LONG;
		off = CO_CAP_TEXT_BYTES_MAX;
	} else {
		r = co_cap_parse_text(text, (u32)len, cap, &off);
	}
	if (r != CO_CAP_OK) {
		co_memset(cap, 0, sizeof(*cap));
		CO_ASSERT(off <= len);
	} else {
		off = 0;
		CO_ASSERT(cap->segs <= CO_CAP_PATH_SEGMENTS_MAX ||
			  co_cap_object_kind(cap) == COCONUT_CAP_NET_EGRESS);
		CO_ASSERT((u32)cap->body_off + cap->body_len <= cap->len);
	}
	if (err) {
		err->code = r;
		err->offset = off;
	}
	return r;
}

size_t co_cap_format(const struct co_cap *cap, char *buf, size_t size)
{
	const struct co_cap_kind_info *k, *g = NULL;
	u32 okind = co_cap_object_kind(cap);
	size_t need, pos = 0;

	CO_ASSERT(cap->kind > 0 && cap->kind < COCONUT_CAP_KIND_COUNT);
	CO_ASSERT(okind > 0 && okind < COCONUT_CAP_KIND_COUNT && okind != COCONUT_CAP_CAP_GRANT);
	k = &co_cap_kinds[cap->kind];
	need = k->name_len;
	if (cap->granted) {
		g = &co_cap_kinds[cap->granted];
		need += 1 + g->name_len;
	}
	if (co_cap_kinds[okind].has_object)
		need += 1 + (size_t)cap->len;
	CO_ASSERT(need <= CO_CAP_TEXT_BYTES_MAX);
	if (need > size)
		return need;
	co_memcpy(buf, k->name, k->name_len);
	pos = k->name_len;
	if (g) {
		buf[pos++] = ':';
		co_memcpy(buf + pos, g->name, g->name_len);
		pos += g->name_len;
	}
	if (co_cap_kinds[okind].has_object) {
		buf[pos++] = ':';
		co_memcpy(buf + pos, cap->object, cap->len);
		pos += cap->len;
	}
	CO_ASSERT(pos == need);
	return need;
}
