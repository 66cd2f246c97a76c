/* SPDX-License-Identifier: GPL-2.0 */
// (Line comments: the patterns below hold slash-star, which a block comment cannot.)
//
// Capabilities: the text language, the covering relation, and the bounded per-agent set that the
// LSM asks "is this operation allowed?" (security/coconut/).
//
// ---- The language ---------------------------------------------------------------------------
//
// Canonical text `kind:object`, printable ASCII (0x20..0x7e), at most CO_CAP_TEXT_BYTES_MAX bytes:
//
//   fs.read:<path>  fs.write:<path>
//	An absolute path pattern: '/'-separated segments, none empty, none "." or "..", no trailing
//	'/'. A segment may hold any number of `*` (never two in a row): `*` matches any run of
//	bytes other than '/', the empty run included. `**` is allowed only as the whole last
//	segment: `/a/b/**` is the subtree (`/a/b` itself and everything below it) and `/**` is
//	everything. `~` is a byte like any other: the kernel sees absolute paths only.
//   net.egress:<host>:<port>
//	host: '.'-separated labels of [a-z0-9-] and `*` (a glob within one label, never across a
//	'.'; no `**`); lowercase only, as DNS names are case-insensitive and the text is canonical.
//	Or an IPv6 address in brackets, as RFC 5952 writes it (`[2001:db8::1]`: lower-case hex,
//	no leading zeros, the longest run of two or more zero groups as "::"), no `*`: it names
//	that address only, and no host-name pattern (not even `*`) matches an IPv6 object.
//	port: 1..65535 in decimal without leading zeros, or `*`. The last ':' starts the port.
//   gpu:<index>/partition/<n>   gpu:<index>/**
//	index in 0..CO_CAP_GPU_INDEX_MAX, n in 0..CO_CAP_GPU_PARTITION_MAX, decimal without
//	leading zeros, or `*`. `gpu:0/**` is GPU 0 whole and every partition of it.
//   inference:<broker>	one name of [a-z0-9._-] and `*` globs.
//   mem.tier:<tier>		hbm, ram, ssd, or `*`.
//   agent.spawn   audit.query	no object (and no ':').
//   cap.grant:<capability>	the right to grant <capability>, which is any capability but
//	another cap.grant: one level expresses delegation, and a fixed depth keeps parse and cover
//	work bounded and free of recursion.
//
// Parsing is strict: each capability has exactly one spelling, and a text that is not that
// spelling (`**` inside a segment, `a**b`, a leading zero, an upper-case host, `/a/`) is an
// error with a code and the byte offset, never silently normalised, so that
// co_cap_format(co_cap_parse(s)) == s and two caps are equal exactly when their texts are.
//
// ---- Concrete objects ------------------------------------------------------------------------
//
// The LSM asks about concrete objects, which are literal: a `*` in one is just a byte.
//   fs:	an absolute path of at most CO_CAP_OBJECT_BYTES_MAX bytes, no NUL, no empty, "." or
//	".." segment (the VFS hands over resolved paths; anything else is refused, never matched,
//	so `/a/b/**` cannot be escaped through `/a/b/../c`), segments of at most
//	CO_CAP_SEGMENT_BYTES_MAX bytes of any value but '/' and NUL; "/" is the root.
//   net:	`host:port`, labels of 1..63 bytes in 0x21..0x7e other than '.', ':' and 'A'..'Z',
//	port in canonical decimal; or `[address]:port` with the IPv6 address as RFC 5952 writes
//	it. That is the canonical spelling; matching (co_cap_matches, co_capset_present) knows
//	no other. What callers pass may be any spelling of it: co_lsm_check and
//	co_cap_object_valid fold a host name to lower case (DNS names are case-insensitive,
//	RFC 4343) and rewrite an IPv6 address in any RFC 4291 spelling (no dotted IPv4 tail) as
//	RFC 5952 does first, and the audit row records the canonical spelling.
//   gpu:	`<index>` (the whole GPU) or `<index>/partition/<n>`, canonical decimals.
//   inference:	1..255 bytes in 0x21..0x7e. mem.tier: hbm, ram or ssd.
//   agent.spawn, audit.query: the empty object.
// A pattern P matches a concrete object when the object splits into as many segments (labels)
// as P has, each matched by P's glob in that position, or, for `P'/**`, when the object's first
// segments are matched by P' (any number following, none included).
//
// ---- Covering ---------------------------------------------------------------------------------
//
// co_cap_covers(A, B) is exact: true iff every concrete object matched by B is matched by A
// (same kind; cap.grant:X covers cap.grant:Y iff X covers Y; kinds without object: equal kind).
// Every pattern is a product of per-segment languages, each non-empty, so inclusion splits:
//  - A without `**`: B has no `**`, as many segments as A, and each B segment is included in
//    the A segment in the same position;
//  - A = P/** with n segments in P: B (with or without `**`) has at least n segments and its
//    first n are included in P's.
// Hosts: same label count, label by label; port: A's `*` covers every port, else equal ports.
// One segment, star-only globs: L(q) is included in L(p) iff p matches the string q in which
// every `*` is a fresh symbol that only a `*` of p can match. Why: if p matches that string,
// each fresh symbol lies inside the span of some `*` of p (a literal cannot match it), and that
// star absorbs whatever the `*` of q stands for, so p matches every string q matches.
// Conversely, replace each `*` of q by a byte that occurs in no pattern (concrete objects may use
// bytes patterns cannot: >= 0x80 in paths, '_' in labels (not 'A'..'Z': a host is folded to
// lower case before matching), 'A'..'Z' in brokers); the result is a
// concrete string matched by q (not empty, not "." or "..", within the length limits), so if p
// does not match it, L(q) is not included in L(p). Matching a concrete string is the same
// procedure: its bytes are all literal, and a `*` byte in it is matched only by a `*` of p.
//
// ---- Sets -------------------------------------------------------------------------------------
//
// struct co_capset is a caller-allocated, bounded multiset of at most CO_CAP_SET_CAPS_MAX caps
// (one cap may be held twice, e.g. granted by two parents: revoking one grant must not drop the
// other). Each cap is named by a u32 handle, never CO_CAP_HANDLE_NONE, not reused for 2^24
// reuses of its slot; each carries two fields this layer stores and does not interpret
// (derived_from, origin) for the derivation and revocation layer. co_capset_present() is the LSM
// hot path: no allocation, bounded work, and an index so that the usual answer costs a few
// compares or one or two hash probes:
//  - literal caps: compared one by one while a kind has at most CO_CAPSET_SMALL of them (their
//    lengths kept beside the counts), else keyed by (kind, object) in an open-addressing table;
//  - subtree caps `P/**` with a literal P (and `host:*`): keyed by (kind, P) in the same table,
//    probed for each ancestor of the object whose length some such P has;
//  - caps with a `*` (and cap.grant caps): a short list, filtered by the literal text before
//    the first `*` and after the last one, then matched.
// The object is checked only as far as the answer needs: equal to a literal cap it is
// well-formed already; anything allowed through a prefix or a glob is checked in full first; a
// denial needs no check. The hash is a fixed multiply-xorshift (no seed, no randomness) and
// the answers never depend on hash values, so the same calls give the same handles and answers
// on every machine, which the simulator's replay relies on.
//
// Nothing here allocates, recurses, uses floating point or keeps global state; every loop has a
// bound from coconut/limits.h, and one glob match takes O(|p| + |s|) steps (cap_cover.c).
#ifndef COCONUT_CAP_H
#define COCONUT_CAP_H

#include "coconut/compiler.h"
#include "coconut/limits.h"
#include "uapi/linux/coconut.h"

#ifdef __cplusplus
extern "C" {
#endif

enum co_cap_err {
	CO_CAP_OK = 0,
	/* Parse: the text as a whole. */
	CO_CAP_E_EMPTY,		/* no bytes at all (offset 0) */
	CO_CAP_E_TOO_LONG,	/* over CO_CAP_TEXT_BYTES_MAX bytes (offset: the first one over) */
	CO_CAP_E_NONPRINTABLE,	/* a byte outside 0x20..0x7e */
	CO_CAP_E_UNKNOWN_KIND,	/* the text before the first ':' names no kind */
	CO_CAP_E_MISSING_OBJECT,/* a kind that needs `:object` has none or an empty one */
	CO_CAP_E_EXTRA_OBJECT,	/* agent.spawn or audit.query followed by ':' */
	CO_CAP_E_NESTED_GRANT,	/* cap.grant:cap.grant:... */
	/* Parse: the object. */
	CO_CAP_E_BAD_PATH,	/* not absolute, an empty, "." or ".." segment, a trailing '/' */
	CO_CAP_E_PATH_TOO_DEEP,	/* over CO_CAP_PATH_SEGMENTS_MAX segments before `**` */
	CO_CAP_E_BAD_WILDCARD,	/* `**` anywhere but as the whole last path segment */
	CO_CAP_E_BAD_HOST,	/* empty host or label, a byte not in [a-z0-9-*], label too long */
	CO_CAP_E_BAD_IPV6,	/* `[...]` that is no IPv6 address, or not its RFC 5952 text */
	CO_CAP_E_BAD_PORT,	/* no ":port", 0, a leading zero, over 65535, not digits or `*` */
	CO_CAP_E_BAD_GPU,	/* not an index then partition/<n> or **, or out of range */
	CO_CAP_E_BAD_BROKER,	/* a byte not in [a-z0-9._-*] */
	CO_CAP_E_BAD_TIER,	/* not hbm, ram, ssd or `*` */
	/* Sets. */
	CO_CAP_E_SET_FULL,	/* the set holds CO_CAP_SET_CAPS_MAX caps already */
	CO_CAP_E_NO_SUCH_HANDLE,/* the handle names no cap of this set (never did, or removed) */
	CO_CAP_E_COUNT_
};

/* "bad_path", "set_full", ...: a stable name for logs and tests, never NULL. */
const char *co_cap_strerror(enum co_cap_err code);
/* One line saying what the rule is, for messages to the user who wrote the text; never NULL. */
const char *co_cap_errhint(enum co_cap_err code);

/* Where a parse failed: the code and the byte offset in the text (<= its length). */
struct co_cap_error {
	enum co_cap_err code;
	u32 offset;
};

/* Flags of struct co_cap. */
#define CO_CAP_F_WILDCARD (1u << 0) /* a `*` in the object, port excepted */
#define CO_CAP_F_SUBTREE (1u << 1)  /* fs or gpu pattern ending in `**` */
#define CO_CAP_F_ANY_PORT (1u << 2) /* net.egress with port `*` */
#define CO_CAP_F_IPV6 (1u << 3)	    /* net.egress whose host is an IPv6 literal `[...]` */

/*
 * A parsed capability. For cap.grant, kind is COCONUT_CAP_CAP_GRANT, granted is the kind of the
 * granted capability and the rest describes the granted capability's object. object[] holds the
 * object's text (zero-padded); the "body" is the part that splits into segments or labels.
 * Only co_cap_parse() makes one; the other functions assume its invariants.
 */
struct co_cap {
	u8 kind;	/* enum coconut_cap_kind */
	u8 granted;	/* cap.grant: the granted kind; else 0 */
	u8 flags;	/* CO_CAP_F_* */
	u8 segs;	/* body segments: fs/gpu before `**`; host labels; 1 (broker, tier) or 0 */
	u16 len;	/* bytes of object[] */
	u16 body_off;	/* where the body starts: 1 for fs (after the leading '/'), else 0 */
	u16 body_len;	/* bytes of the body: no trailing ** segment (fs, gpu), no :port (net) */
	u16 port;	/* net.egress: the port, 0 for `*` */
	char object[CO_CAP_TEXT_BYTES_MAX];
};

/* The kind whose object the cap carries: the granted kind for cap.grant. */
static inline u32 co_cap_object_kind(const struct co_cap *cap)
{
	return cap->granted ? cap->granted : cap->kind;
}

/* "fs.read", ...; NULL for a value that is no kind. */
const char *co_cap_kind_name(u32 kind);
/* Whether the kind's text has a `:object` (false for agent.spawn, audit.query, unknown kinds). */
bool co_cap_kind_has_object(u32 kind);

/*
 * Parses text[0..len) (not NUL-terminated; text may be NULL when len is 0) into *cap. On
 * failure *cap is zeroed and *err (if not NULL) gets the code and the offset of the first byte
 * at fault (len when the text ends too early). Work is linear in len.
 */
enum co_cap_err co_cap_parse(const char *text, size_t len, struct co_cap *cap,
			     struct co_cap_error *err);

/*
 * Writes the canonical text of *cap into buf[0..size) without a NUL and returns its length
 * (never over CO_CAP_TEXT_BYTES_MAX). When the text does not fit, writes nothing and returns
 * the length it needs.
 */
size_t co_cap_format(const struct co_cap *cap, char *buf, size_t size);

/* Exact inclusion: every concrete object matched by b is matched by a (see above). */
bool co_cap_covers(const struct co_cap *a, const struct co_cap *b);

/*
 * Whether *cap matches the concrete object[0..len) of its kind; false when the object is not
 * well-formed. For cap.grant, the object is a capability text, matched when it parses, is no
 * cap.grant, and is covered by the granted capability.
 */
bool co_cap_matches(const struct co_cap *cap, const char *object, size_t len);

/* Whether object[0..len) is a well-formed concrete object of the kind (see above). */
bool co_cap_object_valid(u32 kind, const char *object, size_t len);

/* ---- Sets ------------------------------------------------------------------------------------ */

#define CO_CAP_HANDLE_NONE 0u

/* One cap of a set; read-only outside capset.c. */
struct co_capset_entry {
	struct co_cap cap;
	u64 derived_from;	/* stored for the derivation layer, not interpreted here */
	u32 origin;		/* ditto */
	u32 handle;		/* CO_CAP_HANDLE_NONE while the entry is free */
	u32 gen;		/* reuses of this entry: the high 24 bits of its handles */
	u32 key_hash;		/* index key (literal and prefix shapes) */
	u16 key_len;		/* bytes of object[] the key covers */
	u16 lit_len;		/* bytes of object[] before the first `*`: a cheap scan filter */
	u16 tail_len;		/* bytes of object[] after the last `*`: another */
	u16 scan_pos;		/* position in scan[] (scan shape) */
	u8 shape;		/* how the set finds it: literal, prefix or scan */
};

struct co_capset_slot {
	u32 hash;		/* the key's hash; its low bits are the home slot */
	u16 entry;		/* index into entries[], or CO_CAPSET_SLOT_EMPTY */
	u16 unused;
};

#define CO_CAPSET_SLOT_EMPTY 0xffffu

/* Up to this many literal caps of one kind are compared one by one: cheaper than hashing. */
#define CO_CAPSET_SMALL 4

/* What present() knows of one kind before touching the object: what to skip. */
struct co_capset_kind {
	u64 literal_lens[4];	/* bit n: a literal cap's object has n bytes (objects < 256) */
	/*
	 * Bit 7 of byte n % 8 of word n / 8: a prefix cap's key has n bytes (the layout of the
	 * zero-byte test, so a word of the object is checked against 8 lengths at once).
	 */
	u64 prefix_bytes[32];
	u32 prefix_blocks;	/* bit j: prefix_bytes[j] is not 0 */
	/* The distinct prefix key lengths, ascending, while there are at most 16 (else 0xff). */
	u8 prefix_nlens;
	u8 prefix_lens[16];
	u16 literal_count;
	u16 prefix_count;
	u16 scan_count;
	u16 prefix_min;		/* shortest and longest prefix key (while prefix_count > 0) */
	u16 prefix_max;
	u16 small_count;	/* entries in small[]: the literal caps while few, else 0 */
	u16 has_patterns;	/* prefix or scan caps: answers a literal lookup cannot give */
	u16 small_len[CO_CAPSET_SMALL];	/* their object lengths (0xffff: unused) */
	u16 small[CO_CAPSET_SMALL];
};

/*
 * A bounded multiset of caps with its index. The header (here, ~3.5 KiB: the kinds' summaries)
 * lives in its owner; the entries, the index and the two stacks live in a store of
 * CO_CAPSET_STORE_BYTES(capacity) bytes the owner allocates and hands over with
 * co_capset_move() (this layer never allocates). co_capset_init() it, move it into a store,
 * then change it only through insert and remove, which keep the index consistent.
 */
struct co_capset {
	u32 count;		/* live caps */
	u32 free_count;		/* entries on the free stack: count + free_count == capacity */
	u32 scan_count;		/* entries of scan[] in use */
	u32 capacity;		/* entries of the store: 0 (none yet), or a power of two */
	u32 slot_mask;		/* index slots - 1 (CO_CAP_SET_INDEX_SLOTS_PER_CAP per entry) */
	u32 unused;
	struct co_capset_entry *entries;	/* [capacity], then: */
	struct co_capset_slot *index;		/* [capacity * CO_CAP_SET_INDEX_SLOTS_PER_CAP] */
	u16 *free;				/* [capacity] free entries, next one last */
	u16 *scan;				/* [capacity] entries found by scanning */
	struct co_capset_kind kinds[COCONUT_CAP_KIND_COUNT];
};

/* Bytes of the store of a set of c entries (c from co_capset_capacity_for()). */
#define CO_CAPSET_STORE_BYTES(c)                                                                \
	((size_t)(c) * (sizeof(struct co_capset_entry) +                                        \
			CO_CAP_SET_INDEX_SLOTS_PER_CAP * sizeof(struct co_capset_slot) +        \
			2 * sizeof(u16)))

/* The capacity for n caps (n <= CO_CAP_SET_CAPS_MAX): a power of two, at least the minimum. */
u32 co_capset_capacity_for(u32 n);

/* An empty set without a store: every check answers none, every insert CO_CAP_E_SET_FULL. */
void co_capset_init(struct co_capset *set);

/*
 * Moves the set into store[0..CO_CAPSET_STORE_BYTES(capacity)) (8-byte aligned; capacity from
 * co_capset_capacity_for(), at least the set's count). Handles, the order of co_capset_next()
 * and every answer stay as they were: a set answers the same whatever its capacity. Returns the
 * old store (NULL when there was none), CO_CAPSET_STORE_BYTES(its capacity) bytes, for the
 * caller to free.
 */
void *co_capset_move(struct co_capset *set, void *store, u32 capacity);

/* A set with room for CO_CAP_SET_CAPS_MAX caps in place (~83 KiB): scratch and tests. */
struct co_capset_full {
	struct co_capset set;
	u64 store[CO_CAPSET_STORE_BYTES(CO_CAP_SET_CAPS_MAX) / sizeof(u64)];
};

/* Initialises f->set, moved into f->store. */
void co_capset_init_full(struct co_capset_full *f);

static inline u32 co_capset_capacity(const struct co_capset *set)
{
	return set->capacity;
}

/*
 * Adds a copy of *cap (from co_cap_parse()) and sets *handle. CO_CAP_E_SET_FULL (and *handle
 * CO_CAP_HANDLE_NONE) when the store is full (count == capacity: the owner moves the set into
 * a larger store first); the set is then unchanged.
 */
enum co_cap_err co_capset_insert(struct co_capset *set, const struct co_cap *cap, u64 derived_from,
				 u32 origin, u32 *handle);

/* Removes one cap; CO_CAP_E_NO_SUCH_HANDLE (set unchanged) when the handle names none. */
enum co_cap_err co_capset_remove(struct co_capset *set, u32 handle);
/*
 * Removing many caps of one set (a revocation): each removal leaves its kind's summary to
 * co_capset_summaries_rebuild (a rebuild scans the whole set, so one per removal made a revoke
 * cascade quadratic in the set's size), and adds the kind to *kinds (a bit per kind). Until
 * the rebuild, checks on the set (co_capset_present, _covers) must not run; get/next may.
 */
enum co_cap_err co_capset_remove_deferred(struct co_capset *set, u32 handle, u32 *kinds);
void co_capset_summaries_rebuild(struct co_capset *set, u32 kinds);

/* The entry a handle names, or NULL. */
const struct co_capset_entry *co_capset_get(const struct co_capset *set, u32 handle);

static inline u32 co_capset_count(const struct co_capset *set)
{
	return set->count;
}

/*
 * Iteration in entry order: the first live cap after the one `prev` names (from the start
 * when prev is CO_CAP_HANDLE_NONE), or CO_CAP_HANDLE_NONE at the end.
 */
u32 co_capset_next(const struct co_capset *set, u32 prev);

/* co_capset_present() past its inline part (capset.c); callers use co_capset_present(). */
u32 co_capset_present_indexed(const struct co_capset *set, u32 kind, const char *object, u32 len);
u32 co_capset_present_patterns(const struct co_capset *set, u32 kind, const char *object,
			       u32 len);

/* a[0..n) == b[0..n), 8 bytes at a time; neither is read outside [0, n). */
static inline bool co_capset_bytes_equal(const char *a, const char *b, u32 n)
{
	u32 i;

	if (n < 8) {
		for (i = 0; i < n; i++) {
			if (a[i] != b[i])
				return false;
		}
		return true;
	}
	for (i = 0; i + 8 <= n; i += 8) {
		if (co_load_le64((const u8 *)a + i) != co_load_le64((const u8 *)b + i))
			return false;
	}
	return co_load_le64((const u8 *)a + n - 8) == co_load_le64((const u8 *)b + n - 8);
}

/*
 * The LSM check: the handle of a cap of the set that matches the concrete object[0..len) of
 * `kind`, or CO_CAP_HANDLE_NONE (also for an unknown kind or a malformed object). When several
 * match, the answer is fixed by the set's history: a literal cap, else the subtree cap with
 * the shortest P, else the first of the scan list. For cap.grant the object is a capability
 * text and the answer is co_capset_covers() of cap.grant:<text>.
 *
 * Inline, because it is the hot path of every check: what the kind's summary and its few
 * literal caps decide alone (a denial when its caps are all literal and none has the object's
 * length; a literal cap equal to the object). The index of a kind with many literal caps,
 * prefix and pattern caps, and cap.grant are out of line.
 */
static inline u32 co_capset_present(const struct co_capset *set, u32 kind, const char *object,
				    size_t len)
{
	const struct co_capset_kind *k;
	const struct co_capset_entry *e;
	u32 i;

	/* kind 0 wraps around: one compare rejects it and every value past the last kind. */
	if (kind - 1u >= COCONUT_CAP_KIND_COUNT - 1u || len > CO_CAP_OBJECT_BYTES_MAX)
		return CO_CAP_HANDLE_NONE;
	k = &set->kinds[kind];
	/* A length bit is set only while a literal cap of that length exists. */
	if (len < 256 && ((k->literal_lens[len >> 6] >> (len & 63)) & 1)) {
		if (!k->small_count)
			return co_capset_present_indexed(set, kind, object, (u32)len);
		/* At most CO_CAPSET_SMALL places; object is NULL only with len 0, never read. */
		for (i = 0; i < k->small_count; i++) {
			if (k->small_len[i] != len)
				continue;
			e = &set->entries[k->small[i]];
			if (co_capset_bytes_equal(e->cap.object, object, (u32)len))
				return e->handle;
		}
	}
	if (!k->has_patterns)
		return CO_CAP_HANDLE_NONE;
	return co_capset_present_patterns(set, kind, object, (u32)len);
}

/* The handle of a cap of the set that covers *cap (for grants), or CO_CAP_HANDLE_NONE. */
u32 co_capset_covers(const struct co_capset *set, const struct co_cap *cap);

/*
 * The narrowing rule: whether every cap of child is covered by some cap of parent. When not,
 * *uncovered (if not NULL) gets the first child cap that is not, else CO_CAP_HANDLE_NONE.
 * At most CO_CAP_SET_CAPS_MAX^2 cover tests.
 */
bool co_capset_covers_all(const struct co_capset *parent, const struct co_capset *child,
			  u32 *uncovered);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_CAP_H */
