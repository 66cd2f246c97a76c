/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every limit of the coconut-kernel subsystems, in one place, each with the reason for its value.
 * A limit bounds a loop, a buffer or an amount of work an untrusted caller can make the kernel
 * do; code asserts or checks against these names, never against a bare number.
 *
 * One section per subsystem; names end in their unit (_BYTES, _ITEMS, ...) and in _MAX.
 */
#ifndef COCONUT_LIMITS_H
#define COCONUT_LIMITS_H

/* ---- Deterministic CBOR (coconut/cbor.h, lib/cbor_*.c) ------------------------------------ */

/*
 * Open containers (arrays, maps and tags) at once. The deepest document we define is an
 * attestation chain (array of maps holding maps), 4 levels; 16 leaves room for growth while
 * keeping the decoder's and the writer's explicit stacks small (they live on a kernel stack).
 */
#define CO_CBOR_NESTING_DEPTH_MAX 16

/*
 * Data items in one document (every head counts: a map of n pairs is 1 + 2n items plus what the
 * values hold). A spawn request is about 60 items; an audit chain segment of ~900 events at
 * 17 items each still fits. It also bounds the lax-mode duplicate-key scan, which is quadratic
 * in the number of pairs of one map.
 */
#define CO_CBOR_DOC_ITEMS_MAX 16384

/*
 * Bytes in one byte or text string. The largest string we carry is an embedded manifest
 * (a few KiB); 64 KiB bounds UTF-8 validation work per item and fits comfortably in a document.
 */
#define CO_CBOR_STRING_BYTES_MAX 65536

/*
 * Bytes in one encoded document. 1 MiB covers the largest audit chain segment one query
 * returns; larger inputs are refused before any parsing. Offsets inside a document fit in a u32.
 */
#define CO_CBOR_DOC_BYTES_MAX (1u << 20)

/* ---- security/coconut: capabilities (coconut/cap.h, security/coconut/cap*.c) ----------------- */

/*
 * Bytes of a capability's canonical text, without a NUL: the uapi size (uapi/linux/coconut.h,
 * included by coconut/cap.h), so any text the kernel accepts fits every representation (CBOR
 * cap_set, audit events, agentfs lines).
 */
#define CO_CAP_TEXT_BYTES_MAX COCONUT_CAP_TEXT_MAX

/*
 * Segments of a path pattern before an optional `**` (fs and gpu). Hand-written grants are a few
 * levels deep; 32 bounds the segment offsets a split object keeps on the stack (a path deeper
 * than any pattern needs no more) and every loop over a pattern's segments.
 */
#define CO_CAP_PATH_SEGMENTS_MAX 32

/*
 * Bytes of one segment of a concrete path (NAME_MAX). A pattern segment is bounded by the text
 * limit already; this bounds the concrete side, so one segment match is at most 255 x 255 steps.
 */
#define CO_CAP_SEGMENT_BYTES_MAX 255

/*
 * Bytes of a concrete object handed to present() (PATH_MAX, with room for its NUL in the
 * kernel's buffer): a longer one cannot name a file, so it is refused before any matching.
 */
#define CO_CAP_OBJECT_BYTES_MAX 4095

/* Bytes of a host name and of one of its labels (RFC 1035 2.3.4); a longer one is not a host. */
#define CO_CAP_HOST_BYTES_MAX 253
#define CO_CAP_HOST_LABEL_BYTES_MAX 63
/* The longest IPv6 address text ("ffff:" x 7 + "ffff"), without brackets. */
#define CO_IPV6_TEXT_BYTES_MAX 39
/*
 * The longest well-formed net.egress object (host, ':', five port digits): the buffer the LSM
 * writes an object's canonical spelling to (co_cap_object_canonical).
 */
#define CO_CAP_NET_OBJECT_BYTES_MAX (CO_CAP_HOST_BYTES_MAX + 6)

/*
 * Largest GPU index and partition number: the device model numbers both in a u8; nodes have 8
 * GPUs with up to 7 MIG partitions each, far below. Also keeps the decimal parse to 3 digits.
 */
#define CO_CAP_GPU_INDEX_MAX 255
#define CO_CAP_GPU_PARTITION_MAX 255

/*
 * cap.grant levels: `cap.grant:<cap>` where <cap> is no cap.grant. One level expresses
 * delegation; deeper nesting would make parse and cover work grow with the depth for no use.
 */
#define CO_CAP_GRANT_DEPTH_MAX 1

/*
 * Caps in one agent's set. Manifests declare tens; 256 lets a handle carry the slot in 8 bits,
 * and bounds present()'s linear part and the parent-child narrowing check (at most 256 x 256
 * cover tests at spawn).
 */
#define CO_CAP_SET_CAPS_MAX 256

/*
 * A set's storage is sized by what it holds (issue 18, item 3: a fixed 256-cap set was ~88 KiB
 * an agent, 40 MiB of the 200-tenant platform): a power of two of entries from this minimum up
 * to CO_CAP_SET_CAPS_MAX, doubled by a grant that needs room, never shrunk. Four covers the
 * usual manifest (one to three caps) in one small allocation (~1.3 KiB).
 */
#define CO_CAP_SET_CAPACITY_MIN 4

/*
 * Slots of a set's hash index per entry of its capacity: a power of two, so the load stays
 * <= 1/2 and linear probes stay short; the slot count is also the bound of every probe loop.
 */
#define CO_CAP_SET_INDEX_SLOTS_PER_CAP 2

/* ---- kernel/audit/coconut: the audit chain (coconut/audit.h) ------------------------------- */

/*
 * Rings (CPUs) of one instance. The sealer compares the oldest event of every ring for each
 * event it seals, so this bounds its per-event work; 256 covers every node we model.
 */
#define CO_AUDIT_CPUS_MAX 256

/*
 * Slots of one per-CPU ring (a power of two, so a slot is a mask of a counter). A slot is a
 * whole event (~336 bytes): 4096 is 1.3 MiB per CPU, room for a long sealer stall.
 */
#define CO_AUDIT_RING_SLOTS_MAX 4096
#define CO_AUDIT_RING_SLOTS_DEFAULT 256

/*
 * Events in all rings together (cpu_count x ring_slots): bounds the one ring allocation to
 * 22 MiB and the sealer's drain of one call, whatever the mix of CPUs and slots.
 */
#define CO_AUDIT_RING_EVENTS_MAX 65536

/*
 * Sealed events kept in memory for query/export (a sliding window; the chain itself is
 * unbounded). 368 bytes each with its head: the default is 1.5 MiB, the maximum 24 MiB.
 */
#define CO_AUDIT_LOG_EVENTS_MAX 65536
#define CO_AUDIT_LOG_EVENTS_DEFAULT 4096

/*
 * Bytes of one encoded event: map head 1, 10 one-byte keys, seq, time_ns, aid, arg and actor
 * (when present) 9 each, cpu 5, type 1 (every type is < 24), the cap as text (3-byte head +
 * COCONUT_CAP_TEXT_MAX = 256), the digest (2 + 32), result 5; event.c asserts the sum. Sizes
 * the sealer's scratch.
 */
#define CO_AUDIT_EVENT_ENC_BYTES_MAX 360

/*
 * Records in one exported segment. A record is 24 CBOR items (CO_AUDIT_RECORD_ITEMS), so 512
 * records plus the header stay under CO_CBOR_DOC_ITEMS_MAX, and at most 512 x 429 bytes
 * (~210 KiB) under CO_CBOR_DOC_BYTES_MAX: every segment we write also decodes strictly.
 * Longer ranges are read page by page with seq_from.
 */
#define CO_AUDIT_SEGMENT_EVENTS_MAX 512

/*
 * Trusted anchors one co_audit_verify() call takes: each record is compared with each anchor,
 * so this bounds verify's work to 512 x 4096 comparisons; 4096 anchors at the default K cover
 * four million events, more than any one segment reaches.
 */
#define CO_AUDIT_VERIFY_ANCHORS_MAX 4096

/*
 * Default anchoring: every 1024 drained events (a TPM NV write takes milliseconds; at most
 * one per 1024 events keeps it off the event rate) and at least every second while events come.
 */
#define CO_AUDIT_ANCHOR_EVERY_EVENTS_DEFAULT 1024
#define CO_AUDIT_ANCHOR_EVERY_NS_DEFAULT 1000000000ull
/*
 * And never two TPM NV writes (tried or done) closer than this, whatever K says: K counts
 * events, which callers make, so without a floor a flood sets the TPM's write rate, and NV
 * cells wear out (issue 17, finding 7). 100 ms: at most 10 writes a second, 864,000 a day;
 * a deployment sets it from its TPM's endurance (anchor_min_ns). A count anchor that comes too
 * soon waits for a later seal and then covers every event since.
 */
#define CO_AUDIT_ANCHOR_MIN_NS_DEFAULT 100000000ull

/* Default NV index: in the TPM 2.0 owner range (0x01000000..0x013fffff). */
#define CO_AUDIT_TPM_NV_INDEX_DEFAULT 0x0100c0c0u

/* ---- kernel/agent: agents, spawn, quotas, tiers ------------------------------------------ */

/*
 * Agents one instance holds, live and terminated (a terminated agent keeps its slot so its AID
 * answers -ESTALE, until the slot is needed): 4096 covers the 200-tenant platform scenario
 * with room to spare, and the pointer table stays at 32 KiB.
 */
#define CO_AGENTS_MAX 4096

/* Children one agent may have alive at once: the 31-agent team fits, and so do the 200 tenant
 * roots the platform scenario spawns under AID 1 (2 KiB of AIDs per agent, small beside its cap
 * set); a bound keeps exit's cascade and agentfs's children file bounded. */
#define CO_AGENT_CHILDREN_MAX 256

/* Agent names from manifests, bytes: a label for humans (agentfs, audit tails), not an ID. */
#define CO_AGENT_NAME_BYTES_MAX 63

/* Ancestors an agent may have (spawn depth): bounds the attestation chain and every walk up
 * the tree (revocation checks, attest). */
#define CO_AGENT_DEPTH_MAX 16

/* Trusted authorizer keys: a handful of signing keys per machine (platform, team, CI). */
#define CO_AUTHORIZERS_MAX 16

/* A spawn request, bytes: manifest + signature + up to 256 caps of up to 256 bytes. */
#define CO_SPAWN_REQUEST_BYTES_MAX (96u * 1024u)

/* CBOR items a spawn request may hold: 256 caps plus the manifest's fields. */
#define CO_SPAWN_REQUEST_ITEMS_MAX 640

/* Allocated extents per memory tier: each agent_memory_tier call takes one. */
#define CO_TIER_EXTENTS_MAX 1024

/*
 * Tenants (the manifests' fair-share groups) with live agents at once. Only root starts a
 * tenant (a child's manifest names its parent's tenant), so this is a machine setting, not
 * something a tenant can exhaust; 1024 is five times the 200-tenant platform scenario. A spawn
 * that would start one more answers -ENOSPC.
 */
#define CO_TENANTS_MAX 1024

/* Slots of the tenant table (kernel/agent/tenant.c): a power of two twice CO_TENANTS_MAX, so
 * linear probes stay short; also the bound of every probe loop. */
#define CO_TENANT_SLOTS 2048

/*
 * Per-tenant limits (co_kernel_config, module parameters tenant_agents_max,
 * tenant_extents_max, tenant_tier_percent), so that one tenant cannot exhaust what every
 * tenant shares: live agents (of the table's CO_AGENTS_MAX), extents of each tier (of its
 * CO_TIER_EXTENTS_MAX) and bytes of each tier (a percentage of its capacity). The defaults are
 * a quarter of each: any three tenants at their limits leave a quarter to everyone else. A
 * single-tenant machine sets them to the whole (CO_AGENTS_MAX, CO_TIER_EXTENTS_MAX, 100).
 * Refusals are -EDQUOT, the tenant's answer, never -ENOSPC/-ENOMEM, the machine's.
 */
#define CO_TENANT_AGENTS_DEFAULT (CO_AGENTS_MAX / 4)
#define CO_TENANT_EXTENTS_DEFAULT (CO_TIER_EXTENTS_MAX / 4)
#define CO_TENANT_TIER_PERCENT_DEFAULT 25

/*
 * Audited failures per agent (co_kernel_config fail_burst / fail_refill_ns, module parameters
 * of the same names): a bucket of 256 that refills one every 4 ms (250 a second). A failed
 * decision (a deny, a refused allocation or grant) appends an event even though nothing was
 * done, so without a bound one agent's refused calls fill its CPU's ring and push every other
 * tenant's events out of the query window (issue 17, finding 7). Beyond the bucket a call that
 * would fail answers -EAGAIN with no event: no decision was made, nothing changed, and the
 * chain still holds one event per decision. Allowed calls are never limited. Charged to the
 * acting agent (the caller, for a call on another's behalf).
 */
#define CO_FAIL_BURST_DEFAULT 256
#define CO_FAIL_REFILL_NS_DEFAULT 4000000ull

/*
 * One revoke call's work at most (issue 17, finding 8: a whole-tree cascade under the instance
 * lock): CO_REVOKE_REMOVALS_MAX caps removed, or CO_REVOKE_TESTS_MAX doom tests (a cap's
 * derivation followed up to the target) once it has removed one. Beyond either the call stops
 * with -EAGAIN, partly applied the way audit backpressure leaves it (deepest first: what stays
 * is consistent, the target keeps the cap), and calling again goes on. Measured in
 * docs/lsm.md, "Work per call" (crafted_bench): ~0.6 us a removal, ~0.01 us a test.
 */
#define CO_REVOKE_REMOVALS_MAX 1024
#define CO_REVOKE_TESTS_MAX 65536

/* Pending operations (DMA, inference, I/O) holding a cap token at once, machine-wide. */
#define CO_INFLIGHT_MAX 4096

/*
 * Fixed arrays larger than a page (4 KiB) in the hot structures, each allocated once per
 * instance, and why (issue 18, item 3; everything per agent stays under a page, asserted in
 * kernel.c, and an agent's cap set store grows with what it holds, CO_CAP_SET_CAPACITY_MIN):
 *  - struct co_kernel agents[CO_AGENTS_MAX], 32 KiB: the direct-mapped AID table, one lookup
 *    per call, no allocation under the lock when an agent is spawned;
 *  - struct co_kernel tenants[CO_TENANT_SLOTS], 96 KiB: the tenant table's open addressing, so
 *    admission is one probe under the lock and a tenant can never fail for memory;
 *  - struct co_kernel inflight[CO_INFLIGHT_MAX], 128 KiB: the token table, its slot in the
 *    token (complete() is one lookup), and begin never allocates on the LSM path;
 *  - struct co_kernel agentfs (~13 KiB, struct co_agentfs_scratch): an agentfs render's page,
 *    which runs under the lock and must not allocate;
 *  - a scheduler's lane and index tables (co_sched_create, ~0.6 MiB at CO_SCHED_LANES_MAX): one
 *    per resource, sized for the agent table so enqueue never allocates;
 *  - the audit rings and log window: sized by the instance's config (co_audit_init), the whole
 *    of an instance's audit memory, allocated so append and seal never allocate.
 * A spawn's scratch (struct co_spawn_scratch, 24 KiB, most of it CBOR items) and room sized
 * by the request (2.4 KiB for 4 caps, 154 KiB for 256) live for one call.
 */
#define CO_PAGE_BYTES 4096

/* Bytes one agent_attest answer may take: CO_AGENT_DEPTH_MAX links of ~200 bytes. */
#define CO_ATTEST_BYTES_MAX 8192

/*
 * CBOR items of one attestation chain: the array and, per link (the agent, its ancestors and
 * root: at most CO_AGENT_DEPTH_MAX + 1), a map of 6 pairs. Sizes the offline verifier's scratch.
 */
#define CO_ATTEST_LINK_ITEMS 13
#define CO_ATTEST_ITEMS_MAX (1 + (CO_AGENT_DEPTH_MAX + 1) * CO_ATTEST_LINK_ITEMS)

/*
 * Bytes of a capability kind's name handed to agent_cap_present ("fs.read"): the longest name
 * is 11 bytes; anything longer names no kind and is refused before any comparison.
 */
#define CO_CAP_KIND_NAME_BYTES_MAX 32

/*
 * Bytes of one agent_cap_grant argument: up to a whole cap set of texts, each with its '\n'.
 * Bounds the syscall layer's validation pass over the list.
 */
#define CO_CAP_LIST_BYTES_MAX (CO_CAP_SET_CAPS_MAX * (CO_CAP_TEXT_BYTES_MAX + 1))

/*
 * Caps one agent_cap_grant call grants (all or nothing; more: -E2BIG, split the batch). Each
 * granted cap is checked against the target's ceiling, whose up to 256 texts are parsed and
 * compared under the instance lock, so this bounds a grant's work: a crafted grant of 16
 * lines (every ceiling text a backtracking glob, the covering one last) takes 0.54-0.94 ms on
 * the development machine, one of 127 (what a 256-slot ring took before) took 5.2 ms
 * (kernel/agent/bench/crafted_bench.cc; docs/lsm.md, "Work per call").
 */
#define CO_GRANT_CAPS_MAX 16

/*
 * Seal-and-retry rounds when an audit append meets a full ring (inline sealing only): one seal
 * empties every ring unless the sealer is stalled, so a second refusal means a stall; 4 rounds
 * absorb an anchor retry on the way, then the call fails with -EBUSY rather than spin.
 */
#define CO_AUDIT_APPEND_RETRIES_MAX 4

/* ---- security/coconut LSM layer and kernel/agent resources (lsm.h, resources.h) ----------- */

/*
 * Sealed events the agentfs audit_tail file shows: enough to see what an agent did last (a
 * decision, its state change, a grant) in one screen. Also the page size of the queries that
 * find them, so the scratch they need (struct co_agentfs_scratch, ~15 KiB) stays in the instance.
 */
#define CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX 8

/*
 * Windows the audit tail tries, each twice the last, starting at 64 events back from the chain's
 * end: 11 doublings cover the largest in-memory window (CO_AUDIT_LOG_EVENTS_MAX), so an agent
 * quiet for a long time costs at most twice the scan of the window, never a loop without end.
 */
#define CO_AGENTFS_TAIL_WINDOW_FIRST_EVENTS 64
#define CO_AGENTFS_TAIL_WINDOW_ROUNDS_MAX 11

/* ---- kernel/sched: fair share (coconut/sched.h) ------------------------------------------ */

/*
 * Lanes (agents) one scheduler instance holds: one per agent that can queue work on the
 * resource, so the agent table's size (CO_AGENTS_MAX) is the most any instance needs.
 */
#define CO_SCHED_LANES_MAX CO_AGENTS_MAX

/*
 * Tenants one instance holds: the 200-tenant platform scenario with room to spare. Tenants are
 * never forgotten (their counters and served totals are the record), so this is also the
 * number of distinct tenant ids an instance ever sees.
 */
#define CO_SCHED_TENANTS_MAX 256

/*
 * Largest lane or tenant weight. Counters advance by units * CO_SCHED_WEIGHT_SCALE / weight;
 * with weight <= the scale (2^16) a charged unit always advances a counter by at least 1, so
 * no charge is ever free, and 2^16 levels are finer than any quota anyone writes down.
 */
#define CO_SCHED_WEIGHT_MAX (1u << 16)

/*
 * Slots of the AID index and of the tenant index: powers of two at least twice the most items
 * they hold, so the load stays <= 1/2, linear probes stay short (about 1.5 slots on average),
 * and there is always an empty slot: every probe loop ends within this many steps.
 */
#define CO_SCHED_LANE_INDEX_SLOTS_MAX (2 * CO_SCHED_LANES_MAX)
#define CO_SCHED_TENANT_INDEX_SLOTS_MAX (2 * CO_SCHED_TENANTS_MAX)

/*
 * Levels of a scheduler heap (backlogged tenants, a tenant's backlogged lanes, fifo heads):
 * a complete binary tree of at most CO_SCHED_LANES_MAX nodes is 13 levels deep (2^13 > 4096),
 * which bounds every sift and every walk from the root to a position.
 */
#define CO_SCHED_HEAP_DEPTH_MAX 13

/*
 * The largest lag limit (co_sched_set_lag_limit), in the resource's units: 2^40 is ~18 minutes
 * of CPU time in ns or a TiB of PCIe bytes, far past any credit worth granting, and scaled by
 * CO_SCHED_WEIGHT_SCALE (2^16) it stays below 2^56, so a placement never saturates.
 */
#define CO_SCHED_LAG_UNITS_MAX (1ull << 40)

/*
 * Entities queued in one instance at once. The caller owns them (a job each), so memory bounds
 * them in practice; this names the bound of a walk along one lane's queue (cancel) and keeps
 * the u32 queue counts far from wrapping. Enqueue and putback answer -ENOSPC beyond it.
 */
#define CO_SCHED_QUEUED_MAX (1u << 24)

#endif /* COCONUT_LIMITS_H */
