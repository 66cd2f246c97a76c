/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside security/coconut only: a concrete object, checked and split once (cap_object.c), so
 * that matching it against many caps (cap_cover.c, capset.c) never re-scans it.
 */
#ifndef COCONUT_SECURITY_CAP_OBJECT_H
#define COCONUT_SECURITY_CAP_OBJECT_H

#include "coconut/cap.h"

/*
 * Segment i of a concrete object spans [start(i), end[i]) where start(0) = start0 and
 * start(i) = end[i - 1] + 1. fs and gpu: the path's segments (segs may exceed what end[]
 * holds: only the first CO_CAP_PATH_SEGMENTS_MAX + 1 are recorded, as no pattern looks
 * deeper); net: the host and the port; inference and mem.tier: one; no-object kinds: none.
 */
struct co_cap_object {
	const char *p;
	u32 len;
	u32 segs;
	u32 start0;
	u32 labels;	/* net: labels of the host */
	u32 port;	/* net: the port */
	u8 kind;
	u8 state;	/* CO_CAP_OBJECT_SPLIT, _VALID or _INVALID */
	u16 end[CO_CAP_PATH_SEGMENTS_MAX + 1];
};

#define CO_CAP_OBJECT_SPLIT 0	/* split, not yet checked */
#define CO_CAP_OBJECT_VALID 1
#define CO_CAP_OBJECT_INVALID 2
#define CO_CAP_OBJECT_UNSPLIT 3	/* not even split yet: for callers that split lazily */

/*
 * Splits object[0..len) of `kind` (not cap.grant) into *o; false when it cannot be an object
 * of that kind at all. A path is only split here (one word-at-a-time pass for its '/'); the
 * rest of its checks wait for co_cap_object_check(), which only an answer "allowed" needs:
 * a path equal to a literal cap's text is well-formed already, and a denial needs no check.
 * Other kinds are short and checked in full here.
 */
bool co_cap_object_split(struct co_cap_object *o, u32 kind, const char *object, size_t len);

/* Whether the split object is well-formed (coconut/cap.h, "Concrete objects"); remembered. */
bool co_cap_object_check(struct co_cap_object *o);

/*
 * For an fs path whose first `from` bytes are a well-formed path (a cap's literal prefix) and
 * p[from] is '/' (or from == len): whether the rest is well-formed too.
 */
bool co_cap_object_path_rest_ok(const char *p, u32 len, u32 from);

static inline bool co_cap_object_scan(struct co_cap_object *o, u32 kind, const char *object,
				      size_t len)
{
	return co_cap_object_split(o, kind, object, len) && co_cap_object_check(o);
}

static inline u32 co_cap_object_seg_start(const struct co_cap_object *o, u32 i)
{
	return i ? (u32)o->end[i - 1] + 1 : o->start0;
}

/* Whether the pattern *cap (not cap.grant; its kind the object's) matches the scanned *o. */
bool co_cap_matches_object(const struct co_cap *cap, const struct co_cap_object *o);

/*
 * An IPv6 address without brackets, any RFC 4291 2.2 spelling of eight groups (upper or lower
 * hex, leading zeros, one "::"; no dotted IPv4 tail), into 16 bytes; false when it is not one.
 */
bool co_ipv6_parse(const char *s, u32 n, u8 out[16]);
/* The RFC 5952 text of a (lower-case hex, no leading zeros, the longest zero run as "::"). */
u32 co_ipv6_format(const u8 a[16], char out[CO_IPV6_TEXT_BYTES_MAX]);

/*
 * The spelling of a concrete object the LSM matches: for net.egress a host name in lower case
 * (DNS names are case-insensitive) and an IPv6 literal as RFC 5952 writes it, in buf (the
 * object itself when it is that already, or not a net.egress object the rules could repair:
 * matching then refuses it as it is). *out_len: the length of what is returned.
 */
const char *co_cap_object_canonical(u32 kind, const char *object, size_t len,
				    char buf[CO_CAP_NET_OBJECT_BYTES_MAX], size_t *out_len);

/* Star-only glob match of p[0..pn) against s[0..sn), whose bytes are all literal. */
bool co_cap_glob_match(const char *p, u32 pn, const char *s, u32 sn);

#endif /* COCONUT_SECURITY_CAP_OBJECT_H */
