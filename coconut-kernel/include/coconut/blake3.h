/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BLAKE3 (the BLAKE3 paper and specification, 2020): hash, keyed hash, key derivation and
 * extendable output, one-shot or incremental. Portable C: no allocation, no global state, no
 * floating point; the hasher is caller-allocated and every bound is fixed at compile time.
 *
 * Outputs of any length are prefixes of one stream: the first 32 bytes of an extended output
 * are the default-length hash. Keys and derived keys are 32 bytes.
 */
#ifndef COCONUT_BLAKE3_H
#define COCONUT_BLAKE3_H

#include "coconut/compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CO_BLAKE3_OUT_BYTES 32
#define CO_BLAKE3_KEY_BYTES 32
#define CO_BLAKE3_BLOCK_BYTES 64
#define CO_BLAKE3_CHUNK_BYTES 1024
/*
 * Chaining values waiting for their right sibling. Input is at most 2^64 bytes, so 2^54 chunks;
 * a pushed chunk always has a successor, so at most 2^54 - 1 chunks are pushed and the stack
 * holds popcount(pushed) <= 54 entries.
 */
#define CO_BLAKE3_CV_STACK_DEPTH_MAX 54

/*
 * Incremental hasher, owned by the caller (about 1.9 KiB, almost all of it the chaining-value
 * stack). Treat the fields as private: use the functions below.
 */
struct co_blake3_hasher {
	u32 key_words[8];
	u32 cv_stack[CO_BLAKE3_CV_STACK_DEPTH_MAX][8];
	u32 chunk_cv[8];	/* chaining value of the chunk in progress */
	u64 chunk_counter;	/* index of the chunk in progress = chunks pushed so far */
	u8 block[CO_BLAKE3_BLOCK_BYTES]; /* bytes of the chunk's current block not yet compressed */
	u8 block_len;
	u8 blocks_compressed;	/* blocks of the chunk in progress already compressed */
	u8 flags;		/* the mode's domain flags */
	u8 cv_stack_len;
};

/*
 * Extendable-output reader: the root node of a finalized hash and a position in its output
 * stream. Small (about 112 bytes) and independent of the hasher it came from.
 */
struct co_blake3_output {
	u32 cv[8];
	u32 block_words[16];
	u64 position_bytes;
	u8 block_len;
	u8 flags;
};

/* One-shot: the default 32-byte hash of in[0..in_len). */
void co_blake3_hash(const void *in, size_t in_len, u8 out[CO_BLAKE3_OUT_BYTES]);

/* One-shot extendable output: the first out_len bytes of the hash's output stream. */
void co_blake3_hash_xof(const void *in, size_t in_len, u8 *out, size_t out_len);

/* One-shot keyed hash (a MAC or PRF) under a 32-byte key. */
void co_blake3_keyed_hash(const u8 key[CO_BLAKE3_KEY_BYTES], const void *in, size_t in_len,
			  u8 out[CO_BLAKE3_OUT_BYTES]);

/*
 * One-shot key derivation: out_len bytes of key derived from key material under a context
 * string. The context should be a hard-coded, globally unique, application-specific string
 * (e.g. "coconut 2026-01-01 audit head v1"); it is bytes, not necessarily NUL-terminated.
 */
void co_blake3_derive_key(const char *context, size_t context_len, const void *material,
			  size_t material_len, u8 *out, size_t out_len);

/* Start a plain hash. */
void co_blake3_init(struct co_blake3_hasher *h);

/* Start a keyed hash under a 32-byte key. */
void co_blake3_init_keyed(struct co_blake3_hasher *h, const u8 key[CO_BLAKE3_KEY_BYTES]);

/* Start a key derivation under a context string; the key material is then fed with update. */
void co_blake3_init_derive_key(struct co_blake3_hasher *h, const char *context,
			       size_t context_len);

/* Absorb in[0..in_len): any piece sizes, any number of times; in_len may be 0 (in NULL). */
void co_blake3_update(struct co_blake3_hasher *h, const void *in, size_t in_len);

/*
 * The 32-byte hash of everything absorbed so far. The hasher is not changed: more input may
 * follow, and finalizing again gives the hash of the longer input.
 */
void co_blake3_finalize(const struct co_blake3_hasher *h, u8 out[CO_BLAKE3_OUT_BYTES]);

/* out_len bytes of the output stream from offset_bytes on; the hasher is not changed. */
void co_blake3_finalize_seek(const struct co_blake3_hasher *h, u64 offset_bytes, u8 *out,
			     size_t out_len);

/* A reader of the output stream, positioned at 0; the hasher is not changed. */
void co_blake3_finalize_xof(const struct co_blake3_hasher *h, struct co_blake3_output *o);

/* Move the reader to offset_bytes of the output stream. */
void co_blake3_output_seek(struct co_blake3_output *o, u64 offset_bytes);

/*
 * The next out_len bytes of the output stream; the reader advances by out_len. The stream is
 * 2^64 bytes long: reading past its end is a programmer error (asserted).
 */
void co_blake3_output_read(struct co_blake3_output *o, u8 *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_BLAKE3_H */
