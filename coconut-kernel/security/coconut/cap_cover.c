// SPDX-License-Identifier: GPL-2.0
/*
 * The covering relation and matching: whether one capability's language includes another's
 * (grants, the parent-child narrowing rule), and whether a capability matches a concrete
 * object (the LSM check). Both reduce to one star-only glob match per segment; coconut/cap.h
 * has the proof that this is exact.
 */
#include "cap_object.h"

/* No occurrence (co_cap_piece_find). */
#define CO_CAP_PIECE_NONE 0xffffffffu

/* KMP's failure table of the piece q[0..n): f[i] = the longest proper border of q[0..i]. */
static void co_cap_piece_table(const char *q, u32 n, u8 *f)
{
	u32 i, k = 0, steps = 0;

	f[0] = 0;
	for (i = 1; i < n; i++) {
		/* Each fallback shortens k, which grows by at most one per i: 2n steps in all. */
		while (k > 0 && q[i] != q[k]) {
			CO_ASSERT(++steps <= n);
			k = f[k - 1];
		}
		if (q[i] == q[k])
			k++;
		f[i] = (u8)k;
	}
}

/* The first start of q[0..n) within s[from..to), or CO_CAP_PIECE_NONE. O(to - from). */
static u32 co_cap_piece_find(const char *q, u32 n, const u8 *f, const char *s, u32 from, u32 to)
{
	u32 i, k = 0, steps = 0;

	for (i = from; i < to; i++) {
		while (k > 0 && s[i] != q[k]) {
			CO_ASSERT(++steps <= to - from);
			k = f[k - 1];
		}
		/* q has no '*': a '*' of s (a fresh symbol when s is a pattern) never matches. */
		if (s[i] == q[k])
			k++;
		if (k == n)
			return i + 1 - n;
	}
	return CO_CAP_PIECE_NONE;
}

/*
 * Star-only glob p against s in O(pn + sn) steps (issue 17, finding 8: the backtracking
 * matcher this replaces took up to pn x sn, and a crafted grant made 127 x 254 of those
 * under the instance lock). p is L0 * L1 * ... * Lk with literal pieces Li: s must start with
 * L0 and end with Lk, and the middle pieces must occur in order, without overlap, in between.
 * Taking each middle piece's leftmost occurrence is exact: it leaves the longest rest of s for
 * the pieces after it, and anything a later occurrence allows the leftmost allows too. Each
 * piece is found with KMP (its failure table on the stack: a piece is shorter than a cap's
 * text), scanning s forward once overall. s's bytes are literal; a '*' in s (covers(): b's
 * stars are fresh symbols) is matched only by a star of p.
 */
bool co_cap_glob_match(const char *p, u32 pn, const char *s, u32 sn)
{
	u8 fail[CO_CAP_TEXT_BYTES_MAX];
	u32 first, last, i, n, pos, end, at;

	CO_ASSERT(pn < CO_CAP_TEXT_BYTES_MAX && sn <= CO_CAP_OBJECT_BYTES_MAX);
	for (first = 0; first < pn && p[first] != '*'; first++)
		;
	if (first == pn)
		return pn == sn && co_memcmp(p, s, pn) == 0;
	for (last = pn; p[last - 1] != '*'; last--)
		;
	/* L0 = p[0..first) and Lk = p[last..pn), disjoint in s. */
	if (first + (pn - last) > sn || co_memcmp(p, s, first) != 0 ||
	    co_memcmp(p + last, s + sn - (pn - last), pn - last) != 0)
		return false;
	pos = first;
	end = sn - (pn - last);
	for (i = first + 1; i < last; i += n) {
		for (n = 0; i + n < last && p[i + n] != '*'; n++)
			;
		if (n == 0) {
			n = 1; /* a run of stars is one star */
			continue;
		}
		co_cap_piece_table(p + i, n, fail);
		at = co_cap_piece_find(p + i, n, fail, s, pos, end);
		if (at == CO_CAP_PIECE_NONE)
			return false;
		pos = at + n;
	}
	return true;
}

/* The end of the segment of body b[s..n) that starts at s, up to sep or n. */
static u32 co_cap_seg_end(const char *b, u32 s, u32 n, char sep)
{
	u32 i;

	for (i = s; i < n; i++) {
		if (b[i] == sep)
			return i;
	}
	return n;
}

/*
 * The first `count` segments (separated by sep) of a's body and b's body match pairwise:
 * a's glob includes b's (b's stars being fresh symbols; see coconut/cap.h).
 */
static bool co_cap_segs_cover(const struct co_cap *a, const struct co_cap *b, u32 count, char sep)
{
	const char *ab = a->object + a->body_off, *bb = b->object + b->body_off;
	u32 an = a->body_len, bn = b->body_len, as = 0, bs = 0, ae, be, i;

	CO_ASSERT(count <= a->segs && count <= b->segs);
	for (i = 0; i < count; i++) {
		ae = co_cap_seg_end(ab, as, an, sep);
		be = co_cap_seg_end(bb, bs, bn, sep);
		if (!co_cap_glob_match(ab + as, ae - as, bb + bs, be - bs))
			return false;
		as = ae + 1;
		bs = be + 1;
	}
	return true;
}

/* fs and gpu: path patterns with an optional `**` (the decomposition in coconut/cap.h). */
static bool co_cap_path_covers(const struct co_cap *a, const struct co_cap *b)
{
	if (a->flags & CO_CAP_F_SUBTREE) {
		if (b->segs < a->segs)
			return false;
	} else if ((b->flags & CO_CAP_F_SUBTREE) || b->segs != a->segs) {
		return false;
	}
	return co_cap_segs_cover(a, b, a->segs, '/');
}

static bool co_cap_net_covers(const struct co_cap *a, const struct co_cap *b)
{
	if (!(a->flags & CO_CAP_F_ANY_PORT) &&
	    ((b->flags & CO_CAP_F_ANY_PORT) || a->port != b->port))
		return false;
	/* An IPv6 cap names one address, which no host-name pattern matches, and back. */
	if ((a->flags ^ b->flags) & CO_CAP_F_IPV6)
		return false;
	if (a->segs != b->segs)
		return false;
	return co_cap_segs_cover(a, b, a->segs, '.');
}

bool co_cap_covers(const struct co_cap *a, const struct co_cap *b)
{
	if (a->kind != b->kind || a->granted != b->granted)
		return false;
	switch (co_cap_object_kind(a)) {
	case COCONUT_CAP_FS_READ:
	case COCONUT_CAP_FS_WRITE:
	case COCONUT_CAP_GPU:
		return co_cap_path_covers(a, b);
	case COCONUT_CAP_NET_EGRESS:
		return co_cap_net_covers(a, b);
	case COCONUT_CAP_INFERENCE:
	case COCONUT_CAP_MEM_TIER:
		return co_cap_glob_match(a->object, a->len, b->object, b->len);
	case COCONUT_CAP_AGENT_SPAWN:
	case COCONUT_CAP_AUDIT_QUERY:
		return true;
	default:
		CO_ASSERT(0);
		return false;
	}
}

/* The first `count` segments of the pattern's body against the concrete object's. */
static bool co_cap_path_matches(const struct co_cap *cap, const struct co_cap_object *o)
{
	const char *b = cap->object + cap->body_off;
	u32 n = cap->body_len, ps = 0, pe, i, s;

	if (cap->flags & CO_CAP_F_SUBTREE) {
		if (o->segs < cap->segs)
			return false;
	} else if (o->segs != cap->segs) {
		return false;
	}
	CO_ASSERT(cap->segs <= CO_CAP_PATH_SEGMENTS_MAX);
	for (i = 0; i < cap->segs; i++) {
		pe = co_cap_seg_end(b, ps, n, '/');
		s = co_cap_object_seg_start(o, i);
		if (!co_cap_glob_match(b + ps, pe - ps, o->p + s, o->end[i] - s))
			return false;
		ps = pe + 1;
	}
	return true;
}

/* Host labels pairwise, then the port. */
static bool co_cap_net_matches(const struct co_cap *cap, const struct co_cap_object *o)
{
	const char *b = cap->object;
	u32 n = cap->body_len, hn = o->end[0], ps = 0, hs = 0, pe, he, i;

	if (!(cap->flags & CO_CAP_F_ANY_PORT) && cap->port != o->port)
		return false;
	/* IPv6 (o->labels 0): both texts are RFC 5952's, so the same address is the same text. */
	if (cap->flags & CO_CAP_F_IPV6)
		return o->labels == 0 && hn == n && co_memcmp(b, o->p, n) == 0;
	if (cap->segs != o->labels)
		return false;
	for (i = 0; i < cap->segs; i++) {
		pe = co_cap_seg_end(b, ps, n, '.');
		he = co_cap_seg_end(o->p, hs, hn, '.');
		if (!co_cap_glob_match(b + ps, pe - ps, o->p + hs, he - hs))
			return false;
		ps = pe + 1;
		hs = he + 1;
	}
	return true;
}

bool co_cap_matches_object(const struct co_cap *cap, const struct co_cap_object *o)
{
	CO_ASSERT(cap->kind != COCONUT_CAP_CAP_GRANT);
	switch (cap->kind) {
	case COCONUT_CAP_FS_READ:
	case COCONUT_CAP_FS_WRITE:
	case COCONUT_CAP_GPU:
		return co_cap_path_matches(cap, o);
	case COCONUT_CAP_NET_EGRESS:
		return co_cap_net_matches(cap, o);
	case COCONUT_CAP_INFERENCE:
	case COCONUT_CAP_MEM_TIER:
		return co_cap_glob_match(cap->object, cap->len, o->p, o->len);
	case COCONUT_CAP_AGENT_SPAWN:
	case COCONUT_CAP_AUDIT_QUERY:
		return true;
	default:
		CO_ASSERT(0);
		return false;
	}
}

bool co_cap_matches(const struct co_cap *cap, const char *object, size_t len)
{
	struct co_cap_object o;
	struct co_cap c;

	if (cap->kind == COCONUT_CAP_CAP_GRANT) {
		if (co_cap_parse(object, len, &c, NULL) != CO_CAP_OK ||
		    c.kind == COCONUT_CAP_CAP_GRANT)
			return false;
		/* cap.grant:X matches the text Y when it covers cap.grant:Y, i.e. X covers Y. */
		c.granted = c.kind;
		c.kind = COCONUT_CAP_CAP_GRANT;
		return co_cap_covers(cap, &c);
	}
	if (!co_cap_object_scan(&o, cap->kind, object, len))
		return false;
	return co_cap_matches_object(cap, &o);
}
