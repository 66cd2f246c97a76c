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

/* ---- security/coconut: capabilities (coconut/cap.h, security/coconut/cap*.c) ------------------ */

/*
 * Bytes of a capability's canonical text, without a NUL: the uapi size (uapi/linux/coconut.h,
 * included by coconut/cap.h), so any text the kernel accepts fits every representation (CBOR
 * cap_set, audit events, agentfs lines).
 */
#define CO_CAP_TEXT_BYTES_MAX COCONUT_CAP_TEXT_MAX

/*
 * Segments of a path pattern before an optional `**` (fs and gpu). Hand-written grants are a few
 * levels deep; 32 bounds the ancestor probes of one present() call (one per depth that holds a
 * subtree cap) and the segment offsets a check keeps on the stack.
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
 * Caps in one agent's set. Manifests declare tens; 256 keeps a set in one fixed allocation,
 * lets a handle carry the slot in 8 bits, and bounds present()'s linear part and the
 * parent-child narrowing check (at most 256 x 256 cover tests at spawn).
 */
#define CO_CAP_SET_CAPS_MAX 256

/*
 * Slots of a set's hash index: a power of two at least twice CO_CAP_SET_CAPS_MAX, so the load
 * stays <= 1/2 and linear probes stay short; also the bound of every probe loop.
 */
#define CO_CAP_SET_INDEX_SLOTS 512

#endif /* COCONUT_LIMITS_H */
