/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit chain (kernel/audit/coconut/): every security-relevant decision of the agent kernel
 * becomes one event in a BLAKE3 hash chain that never drops an event and that an offline
 * verifier can check bit for bit. docs/audit.md is the full description; in short:
 *
 *  - Producers call co_audit_append() on the CPU they run on. The event goes into that CPU's
 *    ring (a bounded FIFO); a full ring answers -EBUSY (backpressure), it never overwrites.
 *  - The sealer, co_audit_seal(), drains the rings in one total order (by time_ns, then cpu,
 *    then the per-ring order), numbers the events (seq) and extends the chain:
 *	head_0 = BLAKE3("coconut-audit-v1" || boot_id)
 *	head_{n+1} = BLAKE3(head_n || enc(event with seq n))
 *    where enc() is co_audit_event_encode() (deterministic CBOR). It keeps the last
 *    log_events sealed events, each with the head after it, for queries.
 *  - Every K drained events and whenever T ns have passed, the sealer writes {seq, head} to a
 *    TPM NV index (an anchor) and, when the write succeeds, seals an ANCHOR event recording it.
 *  - co_audit_query() exports sealed events as a CBOR chain segment; co_audit_verify() checks a
 *    segment offline against the boot id and trusted anchors and names the first bad index.
 *
 * Locking: one platform lock (when the platform has locks) covers the rings and the chain.
 * It is never held across a platform call: the clock and the CPU id are read before taking it
 * and the TPM write happens with it dropped. Only one seal runs at a time (a second concurrent
 * co_audit_seal() returns 0 at once). Appends take the lock briefly; the sealer holds it while
 * it encodes and hashes, about a microsecond per event.
 */
#ifndef COCONUT_AUDIT_H
#define COCONUT_AUDIT_H

#include "coconut/compiler.h"
#include "coconut/probe.h"
#include "coconut/limits.h"
#include "coconut/platform.h"
#include "uapi/linux/coconut.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Events ------------------------------------------------------------------------------ */

struct co_audit_event {
	u64 seq;	/* chain index, set by the sealer (0 for the first event after head_0) */
	u64 time_ns;	/* platform clock when appended (see co_audit_append) */
	u64 aid;	/* the acting agent (0: the kernel itself) */
	/*
	 * Type-specific: child AID for SPAWN, (from << 8 | to) for STATE, the budget for QUOTA,
	 * the address for MEM_TIER, the anchored seq for ANCHOR; 0 otherwise.
	 */
	u64 arg;
	/*
	 * The calling agent when it acted on another's behalf (aid is then the target: a quota
	 * set, a memory_tier, a cap_present, a kill by an ancestor); 0 when the caller is aid
	 * itself or the kernel. Never equal to a nonzero aid: one encoding per meaning.
	 */
	u64 actor;
	s32 result;	/* 0 or -errno */
	u32 cpu;	/* the CPU (ring) it was appended on */
	u32 type;	/* enum coconut_audit_type */
	u16 cap_len;	/* bytes of cap (no NUL) */
	char cap[COCONUT_CAP_TEXT_MAX];		/* the capability text involved, if any (UTF-8) */
	u8 object_digest[COCONUT_DIGEST_SIZE];	/* BLAKE3 of the object, zeros if none */
};

/* Clears the whole event (padding included, so events compare with memcmp) and sets these. */
void co_audit_event_init(struct co_audit_event *ev, u32 type, u64 aid, s32 result);
/* Copies the capability text; len > COCONUT_CAP_TEXT_MAX is asserted (checked earlier). */
void co_audit_event_set_cap(struct co_audit_event *ev, const char *cap, size_t len);
/* object_digest = BLAKE3(object[0..len)); object NULL means "no object" (all zeros). */
void co_audit_event_set_object(struct co_audit_event *ev, const void *object, size_t len);

/* Keys of the event map, in their (canonical) order. */
enum co_audit_event_key {
	CO_AUDIT_EV_SEQ = 0,
	CO_AUDIT_EV_TIME_NS = 1,
	CO_AUDIT_EV_CPU = 2,
	CO_AUDIT_EV_AID = 3,
	CO_AUDIT_EV_TYPE = 4,
	CO_AUDIT_EV_CAP = 5,
	CO_AUDIT_EV_OBJECT = 6,
	CO_AUDIT_EV_RESULT = 7,
	CO_AUDIT_EV_ARG = 8,
	CO_AUDIT_EV_KEY_COUNT = 9,	/* keys every event has: 0..8 */
	CO_AUDIT_EV_ACTOR = 9,		/* present only when actor != 0 */
	CO_AUDIT_EV_KEYS_MAX = 10,
};

/* CBOR items of one encoded event at most: the map and its 10 keys and 10 values. */
#define CO_AUDIT_EVENT_ITEMS (1 + 2 * CO_AUDIT_EV_KEYS_MAX)

/*
 * Deterministic CBOR of one event: a map with unsigned integer keys 0..8 in order
 * {0: seq, 1: time_ns, 2: cpu, 3: aid, 4: type, 5: cap (text), 6: object digest (bytes 32),
 *  7: result (int), 8: arg}, then 9: actor (uint) only when actor != 0 (so an event without
 * one encodes exactly as before the key existed); at most CO_AUDIT_EVENT_ENC_BYTES_MAX bytes.
 * Returns the length, -EMSGSIZE if buf is too small (buf NULL, len 0 is allowed, to size), or
 * -EINVAL if the event cannot be encoded (type out of range, cap_len too long, cap not UTF-8,
 * actor equal to a nonzero aid).
 */
int co_audit_event_encode(const struct co_audit_event *ev, u8 *buf, size_t len);
/*
 * Strict inverse of encode: exactly one event map in its deterministic encoding, keys 0..8
 * present and 9 only with a nonzero actor other than aid, values in range (type a known one,
 * cpu and result 32-bit, digest 32 bytes).
 * 0 or -EBADMSG; on success encode(*ev) gives back buf[0..len).
 */
int co_audit_event_decode(const u8 *buf, size_t len, struct co_audit_event *ev);

/* ---- The chain formula (public so tools and tests compute heads the same way) ---------- */

#define CO_AUDIT_DOMAIN "coconut-audit-v1"
#define CO_AUDIT_DOMAIN_BYTES (sizeof(CO_AUDIT_DOMAIN) - 1)

/* head_0 = BLAKE3("coconut-audit-v1" || boot_id). */
void co_audit_head_0(const u8 boot_id[CO_BOOT_ID_SIZE], u8 head[COCONUT_DIGEST_SIZE]);
/* next = BLAKE3(prev || enc[0..enc_len)), enc_len <= CO_AUDIT_EVENT_ENC_BYTES_MAX; may alias. */
void co_audit_chain_extend(const u8 prev[COCONUT_DIGEST_SIZE], const u8 *enc, size_t enc_len,
			   u8 next[COCONUT_DIGEST_SIZE]);

/* ---- Anchors ------------------------------------------------------------------------------ */

/* As read back from TPM NV: head is the head after the event with this seq (head_{seq+1}). */
struct co_audit_anchor {
	u64 seq;
	u8 head[COCONUT_DIGEST_SIZE];
};

/*
 * What the sealer writes to the NV index, CO_AUDIT_ANCHOR_NV_BYTES bytes:
 * "CoAu" | version u32 LE (1) | seq u64 LE | boot_id (16) | head (32).
 */
#define CO_AUDIT_ANCHOR_NV_BYTES 64
#define CO_AUDIT_ANCHOR_NV_VERSION 1
void co_audit_anchor_encode(const struct co_audit_anchor *an, const u8 boot_id[CO_BOOT_ID_SIZE],
			    u8 nv[CO_AUDIT_ANCHOR_NV_BYTES]);
/* 0; -EBADMSG for a wrong length, magic or version; -ESTALE for another boot's anchor. */
int co_audit_anchor_decode(const u8 *nv, size_t len, const u8 boot_id[CO_BOOT_ID_SIZE],
			   struct co_audit_anchor *an);

/* ---- The instance ------------------------------------------------------------------------ */

struct co_audit_config {
	u32 cpu_count;		/* rings, one per CPU; >= the platform's cpu_count() */
	u32 ring_slots;		/* per ring, a power of two, <= CO_AUDIT_RING_SLOTS_MAX */
	u32 log_events;		/* sealed events kept for queries, <= CO_AUDIT_LOG_EVENTS_MAX */
	u64 anchor_every_events;/* K: anchor every K drained events (0: never by count) */
	u64 anchor_every_ns;	/* T: and T ns after the last anchor (0: never by time) */
	u64 anchor_min_ns;	/* never two TPM writes (tried or done) closer (0: no floor) */
	u32 tpm_nv_index;
};

/* The defaults of coconut/limits.h (CO_AUDIT_*_DEFAULT) for cpu_count CPUs. */
void co_audit_config_default(struct co_audit_config *cfg, u32 cpu_count);

struct co_audit_stats {
	u64 appended;		/* accepted by co_audit_append() */
	u64 sealed;		/* in the chain: drained events plus ANCHOR events */
	u64 backpressure;	/* appends refused with -EBUSY (a full ring) */
	u64 anchors;		/* successful TPM NV writes */
	u64 anchor_failures;	/* failed TPM NV writes (each retried at the next seal) */
	u64 by_type[COCONUT_EV_TYPE_COUNT];	/* sealed, per type: allow/deny parity counts */
};

/* One CPU's ring: events [head, tail) are pending, slot = counter & (ring_slots - 1). */
struct co_audit_ring {
	u64 head;	/* per-ring sequence of the oldest pending event */
	u64 tail;	/* per-ring sequence the next append gets */
};

/* One sealed event of the in-memory window and the chain head after it. */
struct co_audit_log_entry {
	struct co_audit_event ev;
	u8 head[COCONUT_DIGEST_SIZE];
};

/*
 * The audit instance, embedded by its owner (the kernel instance); fields are private.
 * All memory is allocated by co_audit_init() and freed by co_audit_destroy().
 */
struct co_audit {
	struct co_plat plat;
	struct co_plat_lock *lock;	/* NULL when the platform has no locks */
	struct co_audit_config cfg;
	u8 boot_id[CO_BOOT_ID_SIZE];

	/* Rings: cpu_count headers, and cpu_count * ring_slots events (ring r at r * slots). */
	struct co_audit_ring *rings;
	struct co_audit_event *ring_events;
	u64 pending;		/* events in all rings */
	struct co_probes *probes;	/* the instance's coverage probes; NULL without one */
	u64 last_time_ns;	/* latest time stamped on an append (times never go back) */

	/* The chain. */
	u8 head[COCONUT_DIGEST_SIZE];	/* head_{sealed} */
	u64 sealed;			/* events in the chain = the next seq */
	u64 last_sealed_time_ns;	/* time_ns of the last sealed event */
	bool stalled;			/* fault injection: seal nothing */
	bool sealing;			/* a seal is in progress (it drops the lock for the TPM) */

	/* The window of the last log_count sealed events: slots log_start, log_start + 1, ... */
	struct co_audit_log_entry *log;
	u32 log_start;
	u32 log_count;
	u8 log_base_head[COCONUT_DIGEST_SIZE];	/* the head before the oldest kept event */

	/* The export (co_audit_export_*): while on, no event at or after export_seq leaves the
	 * window, so every event reaches the exporter whatever floods the chain. */
	bool export_on;
	u64 export_seq;

	/* Anchoring. */
	u64 since_anchor;	/* drained events sealed since the last successful anchor */
	u64 last_anchor_ns;	/* when it happened (init time before the first) */
	u64 last_anchor_try_ns;	/* when the last TPM write ended, done or not (init time) */
	bool anchor_retry;	/* the last write failed: try again at the next seal */
	bool anchor_failed_log;	/* a failure to report once the lock is dropped */

	struct co_audit_stats stats;
	/* Sealer scratch: the previous head, then the event's encoding, hashed in one piece. */
	u8 scratch[COCONUT_DIGEST_SIZE + CO_AUDIT_EVENT_ENC_BYTES_MAX];
};

/*
 * 0; -EINVAL for a bad config (zero or too many CPUs, ring_slots not a power of two or too
 * large, log_events 0 or too large, anchoring asked of a platform without tpm_nv_write, a
 * platform without alloc/free, now_ns, cpu_id or boot_id); -ENOMEM. On failure nothing is held.
 */
int co_audit_init(struct co_audit *a, const struct co_plat *plat,
		  const struct co_audit_config *cfg);
void co_audit_destroy(struct co_audit *a);

/*
 * Appends to the ring of the calling CPU, as the platform's cpu_id() names it (the simulator
 * sets it before each call); ev->cpu on input is ignored. Fills ev->time_ns (the platform clock,
 * raised to the latest time already stamped if the clock went back, so time never decreases
 * along the appends), ev->cpu, and ev->seq = 0 (the sealer numbers it).
 * 0; -EBUSY when the ring is full (backpressure: nothing was written or overwritten; seal and
 * retry); -EINVAL for an event that cannot be encoded or that claims to be an ANCHOR (only the
 * sealer makes those).
 */
int co_audit_append(struct co_audit *a, struct co_audit_event *ev);

/*
 * The sealer. Drains up to max_events pending events in the total order: the smallest
 * (time_ns, cpu) among the oldest events of the rings, each ring in FIFO order. Assigns seq,
 * extends the chain, keeps the events in the window. Anchors (tpm_nv_write of {seq, head}):
 *  - whenever K drained events were sealed since the last anchor (every K: the drain stops at
 *    the boundary, anchors, then goes on), unless the last write, done or failed, was less
 *    than anchor_min_ns ago: then the drain goes on and a later seal anchors the head of its
 *    moment (so one call writes at most once when anchor_min_ns is set);
 *  - at the end, when T ns passed since the last anchor and something was sealed since;
 *  - first thing, when the previous write failed (the retry anchors the head of the moment).
 * A successful anchor of the head after seq s is followed in the chain by an ANCHOR event
 * (arg = s, object_digest = that head, aid 0); ANCHOR events do not count towards K. A failed
 * write is counted, logged, and retried at the next seal; one attempt per call.
 * Returns the events added to the chain (drained plus ANCHOR events); 0 when stalled.
 */
u32 co_audit_seal(struct co_audit *a, u32 max_events);
/* Fault injection: a stalled sealer seals nothing (appends go on until the rings fill). */
void co_audit_set_stalled(struct co_audit *a, bool stalled);
/* The current head (head_{sealed_count}) and the chain length; sealed_count may be NULL. */
void co_audit_head(const struct co_audit *a, u8 head[COCONUT_DIGEST_SIZE], u64 *sealed_count);
/* Appended, not yet sealed. */
u64 co_audit_pending(const struct co_audit *a);
/*
 * Free slots in the ring of the calling CPU (the platform's cpu_id(), as co_audit_append uses).
 * Another CPU's pending events take none of them: one producer filling its ring never refuses
 * another CPU's appends (issue 17, finding 7).
 */
u32 co_audit_ring_room(const struct co_audit *a);
/* The counters since init (a copy). */
void co_audit_get_stats(const struct co_audit *a, struct co_audit_stats *out);

/* ---- Query and export -------------------------------------------------------------------- */

struct co_audit_filter {
	u64 aid;		/* 0: any */
	u64 time_from_ns;	/* [from, to); to 0: open */
	u64 time_to_ns;
	u32 type;		/* 0: any */
	u16 cap_len;		/* 0: any; else the exact capability text */
	char cap[COCONUT_CAP_TEXT_MAX];
	u64 seq_from;		/* the first seq to consider */
	u32 max_events;		/* 0: CO_AUDIT_SEGMENT_EVENTS_MAX */
};

/*
 * Chain segment: a CBOR map with unsigned keys
 *   {0: version (1), 1: boot_id (bytes 16), 2: filtered (bool), 3: seq_first (uint),
 *    4: records [ [event map, head_before (bytes 32), head_after (bytes 32)], ... ]}
 * head_after = BLAKE3(head_before || encoded event map). Unfiltered: the records are the
 * contiguous chain run seq_first, seq_first + 1, ... Filtered: the matching events in seq
 * order, each checkable alone; seq_first is the first seq that was searched.
 */
enum co_audit_segment_key {
	CO_AUDIT_SEG_VERSION = 0,
	CO_AUDIT_SEG_BOOT_ID = 1,
	CO_AUDIT_SEG_FILTERED = 2,
	CO_AUDIT_SEG_SEQ_FIRST = 3,
	CO_AUDIT_SEG_RECORDS = 4,
	CO_AUDIT_SEG_KEY_COUNT = 5,
};
#define CO_AUDIT_SEGMENT_VERSION 1
#define CO_AUDIT_RECORD_ELEMENTS 3
/* CBOR items of one record: the array, the event's items and two heads. */
#define CO_AUDIT_RECORD_ITEMS (1 + CO_AUDIT_EVENT_ITEMS + 2)

/*
 * Exports the sealed events of the window that match every set field of the filter, from
 * max(seq_from, the oldest kept seq) on, at most max_events of them. Without aid, time, type
 * or cap the segment is unfiltered (contiguous). Returns its length; -EMSGSIZE if buf is too
 * small (nothing is written); -EINVAL on a bad filter (type unknown, cap_len too long,
 * time_to_ns <= time_from_ns with time_to_ns set, max_events > CO_AUDIT_SEGMENT_EVENTS_MAX).
 */
int co_audit_query(const struct co_audit *a, const struct co_audit_filter *f, u8 *buf, size_t len);

/*
 * The export (issue 17, finding 7): an exporter (a daemon that keeps the chain on disk, as
 * auditd does) that must miss nothing. While it is on, the window never drops an event the
 * exporter has not acknowledged: when the window is full of such events the sealer stops
 * draining, the rings fill, and appends answer -EBUSY (backpressure, never loss) until it
 * acknowledges. A flood can then delay everyone, but it cannot push another tenant's events
 * out of the record. The exporter reads with co_audit_query from its cursor (unfiltered,
 * seq_from = co_audit_export_cursor) and acknowledges what it has kept.
 *  - co_audit_export_on: on (owed: every event still in the window) or off.
 *  - co_audit_export_ack: every event below seq is kept. 0; -EINVAL for seq beyond the chain
 *    or the export off.
 *  - co_audit_export_cursor: the first event not yet acknowledged (the chain's length when
 *    the export is off).
 */
void co_audit_export_on(struct co_audit *a, bool on);
int co_audit_export_ack(struct co_audit *a, u64 seq);
u64 co_audit_export_cursor(const struct co_audit *a);

/* ---- Offline verification ---------------------------------------------------------------- */

enum co_audit_verdict {
	CO_AUDIT_OK = 0,
	CO_AUDIT_BAD_FORMAT,		/* not a well-formed, canonical segment or record */
	CO_AUDIT_BAD_HEAD,		/* a head does not follow from the previous and the event */
	CO_AUDIT_SEQ_GAP,		/* events missing (dropped) */
	CO_AUDIT_SEQ_ORDER,		/* events out of order, duplicated or inserted */
	CO_AUDIT_TRUNCATED,		/* the segment ends before a trusted anchor */
	CO_AUDIT_ANCHOR_MISMATCH,	/* a head differs from a trusted anchor (rollback) */
};

struct co_audit_verify_report {
	enum co_audit_verdict verdict;
	u64 first_bad_seq;	/* the seq that index should hold (see docs/audit.md) */
	u32 first_bad_index;	/* the first record inconsistent with the records before it */
	u64 events_checked;	/* records that passed every check */
	u64 seq_first;		/* the segment's first seq (its header), 0 when unreadable */
	/*
	 * The first record links to a trusted point: head_0 of boot_id (seq 0) or an anchor of
	 * the seq before it. Without that, an OK only says the run is consistent in itself.
	 */
	bool rooted;
};

/*
 * Offline verify of an unfiltered (contiguous) segment against the boot id and trusted anchors
 * (anchor_count <= CO_AUDIT_VERIFY_ANCHORS_MAX, may be 0). Pure: no instance, no allocation.
 * Record i must hold seq seq_first + i, link to record i - 1 (or to head_0 when its seq is 0,
 * or to an anchor of seq_first - 1), hash to its head_after, and agree with every anchor of
 * its seq; an anchor past the last record means TRUNCATED. A filtered segment is BAD_FORMAT
 * here: use co_audit_verify_filtered(). Returns report->verdict.
 */
enum co_audit_verdict co_audit_verify(const u8 *segment, size_t len,
				      const u8 boot_id[CO_BOOT_ID_SIZE],
				      const struct co_audit_anchor *anchors, u32 anchor_count,
				      struct co_audit_verify_report *report);
/*
 * The per-record checks for any segment, filtered or not: each record's head_after follows
 * from its head_before and event, seqs strictly increase (from seq_first on), records with
 * consecutive seqs link, seq 0 links to head_0, and anchors of a record's seq agree. It proves
 * that each event is consistent with its heads, not that the set is complete or authentic:
 * only a contiguous run to an anchor (co_audit_verify) does that.
 */
enum co_audit_verdict co_audit_verify_filtered(const u8 *segment, size_t len,
					       const u8 boot_id[CO_BOOT_ID_SIZE],
					       const struct co_audit_anchor *anchors,
					       u32 anchor_count,
					       struct co_audit_verify_report *report);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_AUDIT_H */
