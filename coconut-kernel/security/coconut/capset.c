// SPDX-License-Identifier: GPL-2.0
// (Line comments: the patterns below hold slash-star, which a block comment cannot.)
//
// A bounded capability set with the index behind co_capset_present(), the check every
// privileged operation of an agent goes through. Three shapes of cap, three ways to find one:
//  - literal (no `*`, no `**`, a port): by (kind, object) in a hash table, or compared one by
//    one while a kind has at most CO_CAPSET_SMALL of them;
//  - prefix (`P/**` with P literal, `host:*`): by (kind, P) in the same table, probed for the
//    object's ancestors whose length some such P has;
//  - scan (a `*` anywhere, every cap.grant): a list matched one by one, after cheap filters
//    (the literal bytes before the first `*` and after the last one, the segment count).
// present() does the least it can: the literal lookup needs no check of the object (equal to
// a literal cap's text, it is well-formed); only an object about to be allowed through a prefix
// or scan cap is checked in full. Per-kind summaries (counts, the lengths that occur) let most
// lookups end before hashing or splitting anything; co_capset_present() in coconut/cap.h reads
// them inline and calls into this file only when they cannot decide.
#include "cap_object.h"

enum co_capset_shape {
	CO_CAPSET_LITERAL = 0,
	CO_CAPSET_PREFIX = 1,
	CO_CAPSET_SCAN = 2,
};

#define CO_CAPSET_HANDLE_SLOT_BITS 8u
#define CO_CAPSET_GEN_MAX ((1u << (32 - CO_CAPSET_HANDLE_SLOT_BITS)) - 1u)

/* co_capset_capacity_for() doubles from the smallest capacity and must land on the largest. */
CO_STATIC_ASSERT(CO_IS_POW2(CO_CAP_SET_CAPACITY_MIN) && CO_IS_POW2(CO_CAP_SET_CAPS_MAX) &&
			 CO_CAP_SET_CAPACITY_MIN <= CO_CAP_SET_CAPS_MAX,
		 "capacities: powers of two from the smallest to the largest");
CO_STATIC_ASSERT(CO_CAP_SET_INDEX_SLOTS_PER_CAP >= 2 && CO_IS_POW2(CO_CAP_SET_INDEX_SLOTS_PER_CAP),
		 "index load <= 1/2, slots a power of two");
/* The store: entries, index slots, then the u16 stacks, each aligned for what follows. */
CO_STATIC_ASSERT(sizeof(struct co_capset_entry) % 8 == 0 && sizeof(struct co_capset_slot) % 8 == 0,
		 "store parts stay aligned");
CO_STATIC_ASSERT(CO_CAP_SET_CAPS_MAX <= (1u << CO_CAPSET_HANDLE_SLOT_BITS),
		 "a handle carries its entry in 8 bits");
CO_STATIC_ASSERT(CO_CAP_SET_CAPS_MAX < CO_CAPSET_SLOT_EMPTY, "entry numbers fit a slot");
CO_STATIC_ASSERT(CO_CAP_OBJECT_BYTES_MAX <= 0xffff, "object offsets are u16");

/* A cap's object is shorter than its text, so every length fits the 256-bit summaries. */
CO_STATIC_ASSERT(CO_CAP_TEXT_BYTES_MAX - 4 < 256, "object lengths < 256");

static inline void co_capset_set_bit(u64 *bits, u32 n)
{
	CO_ASSERT(n < 256);
	bits[n >> 6] |= 1ull << (n & 63);
}

/* ---- Bytes and hashing ----------------------------------------------------------------------- */

/* The n < 8 bytes at p, little-endian, zero above. */
static inline u64 co_capset_load_partial(const char *p, u32 n)
{
	u64 w = 0;
	u32 i;

	for (i = 0; i < n; i++)
		w |= (u64)(u8)p[i] << (8 * i);
	return w;
}

/*
 * The last len % 8 bytes of p[0..len), little-endian: for len >= 8 one load of the last word,
 * shifted, rather than a byte loop.
 */
static inline u64 co_capset_load_tail(const char *p, u32 len)
{
	u32 r = len & 7;

	if (r == 0)
		return 0;
	if (len >= 8)
		return co_load_le64((const u8 *)p + len - 8) >> (64 - 8 * r);
	return co_capset_load_partial(p, r);
}

/*
 * The index key of (kind, shape, p[0..len)): each 8-byte word mixed on its own with its
 * position (multiply-xorshift, fixed odd constants: the golden ratio and splitmix64's), the
 * mixes summed, the sum avalanched. The words do not wait on each other, so a path costs
 * about one multiply, not one per word. No seed: the same set indexes alike everywhere.
 * Collisions cost probes only: a probe compares the whole key.
 */
#define CO_CAPSET_HASH_MUL 0x9e3779b97f4a7c15ull
#define CO_CAPSET_HASH_POS 0xd6e8feb86659fd93ull
#define CO_CAPSET_HASH_FIN 0xbf58476d1ce4e5b9ull

static inline u64 co_capset_mix(u64 w, u32 pos)
{
	w = (w ^ ((u64)pos * CO_CAPSET_HASH_POS)) * CO_CAPSET_HASH_MUL;
	return w ^ (w >> 32);
}

static inline u32 co_capset_key_hash(u32 kind, u32 shape, const char *p, u32 len)
{
	u64 h = ((u64)kind << 40) | ((u64)shape << 32) | len;
	u32 i, words = len / 8;

	for (i = 0; i < words; i++)
		h += co_capset_mix(co_load_le64((const u8 *)p + 8 * i), i + 1);
	h += co_capset_mix(co_capset_load_tail(p, len), words + 1);
	h ^= h >> 29;
	h *= CO_CAPSET_HASH_FIN;
	return (u32)(h ^ (h >> 32));
}

/* ---- The index: open addressing, linear probing, backward-shift deletion (no tombstones) ----- */

static void co_capset_index_insert(struct co_capset *set, u32 hash, u32 entry)
{
	const u32 mask = set->slot_mask;
	u32 i = hash & mask, n;

	/* The index is at most half full, so an empty slot comes within its size. */
	for (n = 0; n <= mask; n++) {
		if (set->index[i].entry == CO_CAPSET_SLOT_EMPTY) {
			set->index[i].hash = hash;
			set->index[i].entry = (u16)entry;
			return;
		}
		i = (i + 1) & mask;
	}
	CO_ASSERT(0);
}

static void co_capset_index_remove(struct co_capset *set, u32 hash, u32 entry)
{
	const u32 mask = set->slot_mask;
	u32 i = hash & mask, j, home, n;

	for (n = 0; n <= mask; n++) {
		if (set->index[i].entry == entry)
			break;
		CO_ASSERT(set->index[i].entry != CO_CAPSET_SLOT_EMPTY);
		i = (i + 1) & mask;
	}
	CO_ASSERT(n <= mask);
	/*
	 * Close the hole at i: a later slot of the same run moves into it unless its home lies
	 * in (i, j], where a lookup starting at its home would no longer pass over i.
	 */
	j = i;
	for (n = 0; n <= mask; n++) {
		j = (j + 1) & mask;
		if (set->index[j].entry == CO_CAPSET_SLOT_EMPTY)
			break;
		home = set->index[j].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			set->index[i] = set->index[j];
			i = j;
		}
	}
	CO_ASSERT(n <= mask);
	set->index[i].entry = CO_CAPSET_SLOT_EMPTY;
	set->index[i].hash = 0;
}

/* The handle of the live entry with this key, or CO_CAP_HANDLE_NONE. */
static inline u32 co_capset_probe(const struct co_capset *set, u32 kind, u32 shape, const char *p,
			   u32 len)
{
	const u32 mask = set->slot_mask;
	u32 hash = co_capset_key_hash(kind, shape, p, len), i = hash & mask, n;

	/* An empty set has no store: its kinds' summaries send no lookup here. */
	CO_ASSERT(set->capacity > 0);
	for (n = 0; n <= mask; n++) {
		const struct co_capset_slot *s = &set->index[i];
		const struct co_capset_entry *e;

		if (s->entry == CO_CAPSET_SLOT_EMPTY)
			return CO_CAP_HANDLE_NONE;
		if (s->hash == hash) {
			e = &set->entries[s->entry];
			if (e->cap.kind == kind && e->shape == shape && e->key_len == len &&
			    co_capset_bytes_equal(e->cap.object, p, len))
				return e->handle;
		}
		i = (i + 1) & mask;
	}
	CO_ASSERT(0);
	return CO_CAP_HANDLE_NONE;
}

/* ---- Entries --------------------------------------------------------------------------------- */

void co_capset_init(struct co_capset *set)
{
	u32 i;

	co_memset(set, 0, sizeof(*set));
	for (i = 0; i < COCONUT_CAP_KIND_COUNT; i++)
		co_memset(set->kinds[i].small_len, 0xff, sizeof(set->kinds[i].small_len));
}

u32 co_capset_capacity_for(u32 n)
{
	u32 c = CO_CAP_SET_CAPACITY_MIN;

	CO_ASSERT(n <= CO_CAP_SET_CAPS_MAX);
	while (c < n && c < CO_CAP_SET_CAPS_MAX)
		c <<= 1;
	return c;
}

/*
 * Moving keeps every answer: entry numbers (so handles, co_capset_next()'s order, scan[] and
 * the kinds' small[] lists) stay; the free stack keeps its order with the new entries beneath
 * it, exactly as a set born with the larger store would hold it, so later inserts get the same
 * handles too; the index is rebuilt run by run from just after an empty slot, so caps of one
 * key (same hash) keep their order and a probe finds the same one first.
 */
void *co_capset_move(struct co_capset *set, void *store, u32 capacity)
{
	const u32 old_capacity = set->capacity, old_mask = set->slot_mask;
	const u32 slots = capacity * CO_CAP_SET_INDEX_SLOTS_PER_CAP, added = capacity - old_capacity;
	struct co_capset_entry *entries = store;
	struct co_capset_slot *index = (struct co_capset_slot *)(entries + capacity);
	u16 *free = (u16 *)(index + slots), *scan = free + capacity;
	const struct co_capset_slot *old_index = set->index;
	void *old = set->entries;
	u32 i, start;

	CO_ASSERT(store != NULL && ((unsigned long)store & 7) == 0);
	/* Never smaller: an entry number past the new end would change its handle. */
	CO_ASSERT(capacity == co_capset_capacity_for(capacity) && capacity >= old_capacity);
	CO_ASSERT(set->count + set->free_count == old_capacity);
	co_memset(entries, 0, capacity * sizeof(*entries));
	for (i = 0; i < slots; i++) {
		index[i].entry = CO_CAPSET_SLOT_EMPTY;
		index[i].hash = 0;
		index[i].unused = 0;
	}
	/* Popped from the end: a fresh set uses entries 0, 1, 2, ... */
	for (i = 0; i < added; i++)
		free[i] = (u16)(capacity - 1 - i);
	if (old_capacity) {
		co_memcpy(entries, set->entries, old_capacity * sizeof(*entries));
		co_memcpy(free + added, set->free, set->free_count * sizeof(*free));
		co_memcpy(scan, set->scan, set->scan_count * sizeof(*scan));
	}
	set->free_count += added;
	set->entries = entries;
	set->index = index;
	set->free = free;
	set->scan = scan;
	set->capacity = capacity;
	set->slot_mask = slots - 1;
	if (!old_capacity)
		return NULL;
	/* At most half full: an empty slot exists, and every run starts after one. */
	for (start = 0; start <= old_mask; start++)
		if (old_index[start].entry == CO_CAPSET_SLOT_EMPTY)
			break;
	CO_ASSERT(start <= old_mask);
	for (i = 1; i <= old_mask + 1; i++) {
		const struct co_capset_slot *o = &old_index[(start + i) & old_mask];

		if (o->entry != CO_CAPSET_SLOT_EMPTY)
			co_capset_index_insert(set, o->hash, o->entry);
	}
	return old;
}

void co_capset_init_full(struct co_capset_full *f)
{
	co_capset_init(&f->set);
	(void)co_capset_move(&f->set, f->store, CO_CAP_SET_CAPS_MAX);
}

/* How the set will find the cap, and the key it is found by. */
static void co_capset_classify(struct co_capset_entry *e)
{
	const struct co_cap *c = &e->cap;
	u32 i;

	e->key_len = 0;
	e->lit_len = 0;
	e->tail_len = 0;
	if (c->kind == COCONUT_CAP_CAP_GRANT || (c->flags & CO_CAP_F_WILDCARD)) {
		e->shape = CO_CAPSET_SCAN;
		if (c->kind == COCONUT_CAP_CAP_GRANT)
			return;
		/*
		 * The text before the first `*` and after the last one is literal, and stands at
		 * the start and the end of every object the cap matches (a `**` ends the text).
		 */
		for (i = 0; i < c->len && c->object[i] != '*'; i++)
			;
		e->lit_len = (u16)i;
		for (i = c->len; i > 0 && c->object[i - 1] != '*'; i--)
			;
		e->tail_len = (u16)(c->len - i);
	} else if (c->flags & CO_CAP_F_SUBTREE) {
		// P of P/**: "/a/b" for "/a/b/**", "" for "/**", "0" for gpu "0/**".
		e->shape = CO_CAPSET_PREFIX;
		e->key_len = (u16)(c->segs ? c->body_off + c->body_len : 0);
	} else if (c->flags & CO_CAP_F_ANY_PORT) {
		/* host of host:*, the concrete object's first "segment". */
		e->shape = CO_CAPSET_PREFIX;
		e->key_len = c->body_len;
	} else {
		e->shape = CO_CAPSET_LITERAL;
		e->key_len = c->len;
	}
}

/* A new prefix key length into the kind's short sorted list (or marks the list too long). */
static void co_capset_add_prefix_len(struct co_capset_kind *k, u32 n)
{
	u32 i;

	if (k->prefix_nlens >= CO_ARRAY_SIZE(k->prefix_lens)) {
		k->prefix_nlens = 0xff;
		return;
	}
	/* Insertion into at most 16 sorted bytes. */
	for (i = k->prefix_nlens; i > 0 && k->prefix_lens[i - 1] > n; i--)
		k->prefix_lens[i] = k->prefix_lens[i - 1];
	k->prefix_lens[i] = (u8)n;
	k->prefix_nlens++;
}

/* Adds entry idx to its kind's summary. */
static void co_capset_summary_add(struct co_capset *set, u32 idx)
{
	const struct co_capset_entry *e = &set->entries[idx];
	struct co_capset_kind *k = &set->kinds[e->cap.kind];

	switch (e->shape) {
	case CO_CAPSET_LITERAL:
		co_capset_set_bit(k->literal_lens, e->key_len);
		if (++k->literal_count <= CO_CAPSET_SMALL) {
			k->small_len[k->small_count] = e->key_len;
			k->small[k->small_count++] = (u16)idx;
		} else {
			/* The index takes over; no length matches an unused place. */
			k->small_count = 0;
			co_memset(k->small_len, 0xff, sizeof(k->small_len));
		}
		break;
	case CO_CAPSET_PREFIX:
		CO_ASSERT(e->key_len < 256);
		if (!((k->prefix_bytes[e->key_len >> 3] >> (8 * (e->key_len & 7) + 7)) & 1))
			co_capset_add_prefix_len(k, e->key_len);
		k->prefix_bytes[e->key_len >> 3] |= 0x80ull << (8 * (e->key_len & 7));
		k->prefix_blocks |= 1u << (e->key_len >> 3);
		if (k->prefix_count++ == 0 || e->key_len < k->prefix_min)
			k->prefix_min = e->key_len;
		if (e->key_len > k->prefix_max)
			k->prefix_max = e->key_len;
		break;
	default:
		k->scan_count++;
		break;
	}
	k->has_patterns = k->prefix_count || k->scan_count;
}

/*
 * Rebuilds a kind's summary from the live entries, in entry order (a removal cannot clear a
 * length bit another cap may share): at most CO_CAP_SET_CAPS_MAX entries.
 */
static void co_capset_summary_rebuild(struct co_capset *set, u32 kind)
{
	u32 i;

	co_memset(&set->kinds[kind], 0, sizeof(set->kinds[kind]));
	co_memset(set->kinds[kind].small_len, 0xff, sizeof(set->kinds[kind].small_len));
	for (i = 0; i < set->capacity; i++) {
		const struct co_capset_entry *e = &set->entries[i];

		if (e->handle != CO_CAP_HANDLE_NONE && e->cap.kind == kind)
			co_capset_summary_add(set, i);
	}
}

enum co_cap_err co_capset_insert(struct co_capset *set, const struct co_cap *cap, u64 derived_from,
				 u32 origin, u32 *handle)
{
	struct co_capset_entry *e;
	u32 idx;

	CO_ASSERT(cap->kind > 0 && cap->kind < COCONUT_CAP_KIND_COUNT);
	CO_ASSERT(cap->len < CO_CAP_TEXT_BYTES_MAX);
	CO_ASSERT(set->count + set->free_count == set->capacity);
	*handle = CO_CAP_HANDLE_NONE;
	if (set->count == set->capacity)
		return CO_CAP_E_SET_FULL;
	idx = set->free[--set->free_count];
	e = &set->entries[idx];
	CO_ASSERT(e->handle == CO_CAP_HANDLE_NONE);
	e->cap = *cap;
	e->derived_from = derived_from;
	e->origin = origin;
	e->gen = e->gen == CO_CAPSET_GEN_MAX ? 1 : e->gen + 1;
	e->handle = (e->gen << CO_CAPSET_HANDLE_SLOT_BITS) | idx;
	co_capset_classify(e);
	if (e->shape == CO_CAPSET_SCAN) {
		e->key_hash = 0;
		e->scan_pos = (u16)set->scan_count;
		set->scan[set->scan_count++] = (u16)idx;
	} else {
		e->key_hash = co_capset_key_hash(cap->kind, e->shape, e->cap.object, e->key_len);
		co_capset_index_insert(set, e->key_hash, idx);
	}
	co_capset_summary_add(set, idx);
	set->count++;
	*handle = e->handle;
	return CO_CAP_OK;
}

/* The entry a handle names, or CO_CAP_SET_CAPS_MAX: stale handles name none. */
static u32 co_capset_entry_of(const struct co_capset *set, u32 handle)
{
	u32 idx = handle & ((1u << CO_CAPSET_HANDLE_SLOT_BITS) - 1);

	if (handle == CO_CAP_HANDLE_NONE || idx >= set->capacity ||
	    set->entries[idx].handle != handle)
		return CO_CAP_SET_CAPS_MAX;
	return idx;
}

const struct co_capset_entry *co_capset_get(const struct co_capset *set, u32 handle)
{
	u32 idx = co_capset_entry_of(set, handle);

	return idx < CO_CAP_SET_CAPS_MAX ? &set->entries[idx] : NULL;
}

CO_STATIC_ASSERT(COCONUT_CAP_KIND_COUNT <= 32, "a kind is a bit of a u32 mask");

enum co_cap_err co_capset_remove(struct co_capset *set, u32 handle)
{
	u32 kinds = 0;
	enum co_cap_err err = co_capset_remove_deferred(set, handle, &kinds);

	co_capset_summaries_rebuild(set, kinds);
	return err;
}

void co_capset_summaries_rebuild(struct co_capset *set, u32 kinds)
{
	u32 kind;

	for (kind = 1; kind < COCONUT_CAP_KIND_COUNT; kind++)
		if (kinds & (1u << kind))
			co_capset_summary_rebuild(set, kind);
}

enum co_cap_err co_capset_remove_deferred(struct co_capset *set, u32 handle, u32 *kinds)
{
	u32 idx = co_capset_entry_of(set, handle), last;
	struct co_capset_entry *e;

	if (idx == CO_CAP_SET_CAPS_MAX)
		return CO_CAP_E_NO_SUCH_HANDLE;
	e = &set->entries[idx];
	if (e->shape == CO_CAPSET_SCAN) {
		CO_ASSERT(set->scan_count > 0 && set->scan[e->scan_pos] == idx);
		last = set->scan[--set->scan_count];
		set->scan[e->scan_pos] = (u16)last;
		set->entries[last].scan_pos = e->scan_pos;
	} else {
		co_capset_index_remove(set, e->key_hash, idx);
	}
	e->handle = CO_CAP_HANDLE_NONE;
	set->free[set->free_count++] = (u16)idx;
	set->count--;
	*kinds |= 1u << e->cap.kind;
	return CO_CAP_OK;
}

u32 co_capset_next(const struct co_capset *set, u32 prev)
{
	u32 i = prev == CO_CAP_HANDLE_NONE ?
			0 :
			(prev & ((1u << CO_CAPSET_HANDLE_SLOT_BITS) - 1)) + 1;

	for (; i < set->capacity; i++) {
		if (set->entries[i].handle != CO_CAP_HANDLE_NONE)
			return set->entries[i].handle;
	}
	return CO_CAP_HANDLE_NONE;
}

/* ---- Checks ---------------------------------------------------------------------------------- */

/* Splits the object the first time a check needs its segments. */
static bool co_capset_split(struct co_cap_object *o, u32 kind, const char *p, u32 len)
{
	if (o->state == CO_CAP_OBJECT_UNSPLIT && !co_cap_object_split(o, kind, p, len))
		o->state = CO_CAP_OBJECT_INVALID;
	return o->state != CO_CAP_OBJECT_INVALID;
}

/* The object may be allowed: it splits and is well-formed. */
static bool co_capset_valid(struct co_cap_object *o, u32 kind, const char *p, u32 len)
{
	return co_capset_split(o, kind, p, len) && co_cap_object_check(o);
}

/* The object may be allowed through a prefix cap whose key is p[0..n). */
static bool co_capset_prefix_valid(u32 kind, const char *p, u32 len, u32 n,
				   struct co_cap_object *o)
{
	/* fs: p[0..n) equals a well-formed path; only what follows needs a look. */
	if (kind == COCONUT_CAP_FS_READ || kind == COCONUT_CAP_FS_WRITE)
		return co_cap_object_path_rest_ok(p, len, n);
	return co_capset_valid(o, kind, p, len);
}

#define CO_CAPSET_BYTES_LOW 0x7f7f7f7f7f7f7f7full
#define CO_CAPSET_BYTES_HIGH 0x8080808080808080ull
#define CO_CAPSET_BYTES_ONE 0x0101010101010101ull

/*
 * The bytes of p[off..min(off + 8, len)) equal to sep, flagged in their high bit: the exact
 * (carry-free) zero-byte test. Near the end, one load of the last word, shifted, stands for a
 * byte loop.
 */
static inline u64 co_capset_sep_bytes(const char *p, u32 len, u32 off, u64 rep)
{
	u32 k = len - off;
	u64 w, m;

	if (k >= 8)
		w = co_load_le64((const u8 *)p + off);
	else if (len >= 8)
		w = co_load_le64((const u8 *)p + len - 8) >> (8 * (8 - k));
	else
		w = co_capset_load_partial(p + off, k);
	w ^= rep;
	m = ~(((w & CO_CAPSET_BYTES_LOW) + CO_CAPSET_BYTES_LOW) | w) & CO_CAPSET_BYTES_HIGH;
	return k < 8 ? m & ((1ull << (8 * k)) - 1) : m;
}

/* A prefix cap whose key is p[0..n), or none; an invalid object is remembered in *o. */
static u32 co_capset_prefix_probe(const struct co_capset *set, u32 kind, const char *p, u32 len,
				  u32 n, struct co_cap_object *o)
{
	u32 handle = co_capset_probe(set, kind, CO_CAPSET_PREFIX, p, n);

	if (handle == CO_CAP_HANDLE_NONE || co_capset_prefix_valid(kind, p, len, n, o))
		return handle;
	o->state = CO_CAP_OBJECT_INVALID;
	return CO_CAP_HANDLE_NONE;
}

/*
 * Prefix caps: p[0..n) is probed for each n that some prefix cap of the kind has as its key
 * length and that ends where a segment does (p[n] is the separator, or n == len). Equal to a
 * cap's P, it has P's segments: finding the cap needs no split. Few distinct lengths (the
 * usual case) are tested one by one; many, 8 positions a turn: the separator bytes of a word,
 * ANDed with the key lengths in the same layout, only in blocks of 8 lengths that hold a key.
 */
static u32 co_capset_present_prefix(const struct co_capset *set, const struct co_capset_kind *k,
				    u32 kind, const char *p, u32 len, struct co_cap_object *o)
{
	const char sep = kind == COCONUT_CAP_NET_EGRESS ? ':' : '/';
	const u64 rep = CO_CAPSET_BYTES_ONE * (u8)sep;
	u32 last = CO_MIN((u32)k->prefix_max, len - 1), j, n, handle;
	u64 blocks, cand;

	CO_ASSERT(len > 0 && k->prefix_count > 0 && k->prefix_max < 256);
	if (k->prefix_nlens != 0xff) {
		/* Few lengths: each tested without a branch on the byte, survivors probed. */
		for (j = 0, cand = 0; j < k->prefix_nlens && k->prefix_lens[j] <= len; j++) {
			n = k->prefix_lens[j];
			cand |= (u64)((n == len) | (p[n < len ? n : 0] == sep)) << j;
		}
		while (cand) {
			n = k->prefix_lens[__builtin_ctzll(cand)];
			cand &= cand - 1;
			handle = co_capset_prefix_probe(set, kind, p, len, n, o);
			if (handle || o->state == CO_CAP_OBJECT_INVALID)
				return handle;
		}
		return CO_CAP_HANDLE_NONE;
	}
	if (k->prefix_min <= last) {
		/* Blocks prefix_min / 8 .. last / 8 that hold a key: at most 32, each once. */
		blocks = k->prefix_blocks & ((2ull << (last >> 3)) - 1) &
			 ~((1ull << (k->prefix_min >> 3)) - 1);
		while (blocks) {
			j = (u32)__builtin_ctzll(blocks);
			blocks &= blocks - 1;
			cand = co_capset_sep_bytes(p, len, 8 * j, rep) & k->prefix_bytes[j];
			while (cand) {
				n = 8 * j + ((u32)__builtin_ctzll(cand) >> 3);
				cand &= cand - 1;
				handle = co_capset_prefix_probe(set, kind, p, len, n, o);
				if (handle || o->state == CO_CAP_OBJECT_INVALID)
					return handle;
			}
		}
	}
	// The whole object as P: `P/**` covers P itself.
	if (len <= k->prefix_max && ((k->prefix_bytes[len >> 3] >> (8 * (len & 7) + 7)) & 1))
		return co_capset_prefix_probe(set, kind, p, len, len, o);
	return CO_CAP_HANDLE_NONE;
}

/*
 * Reasons a scan cap cannot match p[0..len) that need no split: its literal head and tail.
 * The tail (usually a suffix like ".c") is compared first, with one load per side when it
 * fits a word: the cap's object[] is 256 bytes, so a word ending in it is always readable.
 */
static bool co_capset_may_match(const struct co_capset_entry *e, const char *p, u32 len)
{
	const char *o = e->cap.object;
	u32 t = e->tail_len, end = e->cap.len;
	u64 x;

	if ((u32)e->lit_len + t > len)
		return false;
	if (t && t <= 8 && len >= 8) {
		x = co_load_le64((const u8 *)p + len - 8) ^
		    (end >= 8 ? co_load_le64((const u8 *)o + end - 8) :
				co_load_le64((const u8 *)o) << (64 - 8 * end));
		if (x >> (64 - 8 * t))
			return false;
	} else if (!co_capset_bytes_equal(o + end - t, p + len - t, t)) {
		return false;
	}
	return co_capset_bytes_equal(o, p, e->lit_len);
}

/* And one that needs the split: the segment (label) count. */
static bool co_capset_may_match_split(const struct co_cap *c, const struct co_cap_object *o)
{
	switch (c->kind) {
	case COCONUT_CAP_FS_READ:
	case COCONUT_CAP_FS_WRITE:
	case COCONUT_CAP_GPU:
		return (c->flags & CO_CAP_F_SUBTREE) ? o->segs >= c->segs : o->segs == c->segs;
	case COCONUT_CAP_NET_EGRESS:
		return o->labels == c->segs;
	default:
		return true;
	}
}

static u32 co_capset_present_scan(const struct co_capset *set, u32 kind, const char *p, u32 len,
				  struct co_cap_object *o)
{
	u32 i;

	for (i = 0; i < set->scan_count; i++) {
		const struct co_capset_entry *e = &set->entries[set->scan[i]];

		if (e->cap.kind != kind || !co_capset_may_match(e, p, len))
			continue;
		if (!co_capset_split(o, kind, p, len))
			return CO_CAP_HANDLE_NONE;
		if (!co_capset_may_match_split(&e->cap, o))
			continue;
		/* Matching reads segments as split; only a well-formed object may be allowed. */
		if (!co_cap_object_check(o))
			return CO_CAP_HANDLE_NONE;
		if (co_cap_matches_object(&e->cap, o))
			return e->handle;
	}
	return CO_CAP_HANDLE_NONE;
}

/* The first cap of the set that covers *cap, by testing each: grants and patterns. */
static u32 co_capset_covers_scan(const struct co_capset *set, const struct co_cap *cap)
{
	u32 i;

	for (i = 0; i < set->capacity; i++) {
		const struct co_capset_entry *e = &set->entries[i];

		if (e->handle != CO_CAP_HANDLE_NONE && co_cap_covers(&e->cap, cap))
			return e->handle;
	}
	return CO_CAP_HANDLE_NONE;
}

/*
 * cap.grant: the object is a capability text; kept out of present()'s frame. Its cover test
 * scans (a grant cap is never literal), so present() and covers() never call each other back.
 */
static __attribute__((__noinline__)) u32 co_capset_present_grant(const struct co_capset *set,
								   const char *object, size_t len)
{
	struct co_cap c;

	if (co_cap_parse(object, len, &c, NULL) != CO_CAP_OK || c.kind == COCONUT_CAP_CAP_GRANT)
		return CO_CAP_HANDLE_NONE;
	c.granted = c.kind;
	c.kind = COCONUT_CAP_CAP_GRANT;
	return co_capset_covers_scan(set, &c);
}

/*
 * Prefix and scan caps (and cap.grant, whose caps are all scan caps): the part of present()
 * that may need the object split.
 */
u32 co_capset_present_patterns(const struct co_capset *set, u32 kind, const char *p, u32 len)
{
	const struct co_capset_kind *k = &set->kinds[kind];
	struct co_cap_object o;
	u32 handle;

	CO_ASSERT(kind - 1u < COCONUT_CAP_KIND_COUNT - 1u && len <= CO_CAP_OBJECT_BYTES_MAX);
	CO_ASSERT(p != NULL || len == 0);
	if (kind == COCONUT_CAP_CAP_GRANT)
		return co_capset_present_grant(set, p, len);
	/* Every kind with prefix or scan caps has objects, and no object is empty. */
	if (len == 0)
		return CO_CAP_HANDLE_NONE;
	o.state = CO_CAP_OBJECT_UNSPLIT;
	if (k->prefix_count) {
		handle = co_capset_present_prefix(set, k, kind, p, len, &o);
		if (handle != CO_CAP_HANDLE_NONE || o.state == CO_CAP_OBJECT_INVALID)
			return handle;
	}
	if (!k->scan_count)
		return CO_CAP_HANDLE_NONE;
	return co_capset_present_scan(set, kind, p, len, &o);
}

/*
 * A kind with more literal caps than small[] holds, one of the object's length: the index,
 * then the patterns. Lean on purpose: most allowed objects end here.
 */
u32 co_capset_present_indexed(const struct co_capset *set, u32 kind, const char *object, u32 len)
{
	u32 handle;

	CO_ASSERT(kind - 1u < COCONUT_CAP_KIND_COUNT - 1u && len <= CO_CAP_OBJECT_BYTES_MAX);
	CO_ASSERT(object != NULL || len == 0);
	handle = co_capset_probe(set, kind, CO_CAPSET_LITERAL, object, len);
	if (handle != CO_CAP_HANDLE_NONE || !set->kinds[kind].has_patterns)
		return handle;
	return co_capset_present_patterns(set, kind, object, len);
}

u32 co_capset_covers(const struct co_capset *set, const struct co_cap *cap)
{
	const u32 shapes = CO_CAP_F_WILDCARD | CO_CAP_F_SUBTREE | CO_CAP_F_ANY_PORT;

	/*
	 * A literal cap names one object (its text is a well-formed concrete object of its
	 * kind): the caps covering it are those matching that object, found by the index.
	 */
	if (cap->kind != COCONUT_CAP_CAP_GRANT && !(cap->flags & shapes))
		return co_capset_present(set, cap->kind, cap->object, cap->len);
	return co_capset_covers_scan(set, cap);
}

bool co_capset_covers_all(const struct co_capset *parent, const struct co_capset *child,
			  u32 *uncovered)
{
	u32 i;

	if (uncovered)
		*uncovered = CO_CAP_HANDLE_NONE;
	for (i = 0; i < child->capacity; i++) {
		const struct co_capset_entry *e = &child->entries[i];

		if (e->handle == CO_CAP_HANDLE_NONE)
			continue;
		if (co_capset_covers(parent, &e->cap) == CO_CAP_HANDLE_NONE) {
			if (uncovered)
				*uncovered = e->handle;
			return false;
		}
	}
	return true;
}
