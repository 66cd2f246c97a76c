// SPDX-License-Identifier: GPL-2.0
/*
 * BLAKE3, written from the specification (the BLAKE3 paper, 2020).
 *
 * Input is split into 1 KiB chunks, each hashed as a chain of 64-byte blocks; chunk chaining
 * values are the leaves of a binary tree whose left subtrees are complete. The hasher keeps the
 * roots of the complete subtrees seen so far on a stack and merges them as soon as a sibling
 * arrives; the last chunk is never merged before finalize, because it (or the parent above it)
 * may be the root, which is compressed with the ROOT flag.
 *
 * Whole chunks are compressed CO_B3_LANES at a time, with the state kept as
 * [word][lane] arrays: the lane loop is plain scalar C that the compiler vectorises where SIMD
 * registers are allowed (the userspace build: SSE2 on x86-64) and leaves scalar under the
 * kernel's -mgeneral-regs-only. A hand-written SIMD path would replace compress_lanes().
 */
#include "coconut/compiler.h"
#include "coconut/blake3.h"

/* Domain flags (the spec's table of flags). */
#define CO_B3_CHUNK_START (1u << 0)
#define CO_B3_CHUNK_END (1u << 1)
#define CO_B3_PARENT (1u << 2)
#define CO_B3_ROOT (1u << 3)
#define CO_B3_KEYED_HASH (1u << 4)
#define CO_B3_DERIVE_KEY_CONTEXT (1u << 5)
#define CO_B3_DERIVE_KEY_MATERIAL (1u << 6)

#define CO_B3_BLOCKS_PER_CHUNK (CO_BLAKE3_CHUNK_BYTES / CO_BLAKE3_BLOCK_BYTES)

/*
 * Chunks compressed side by side. Four 32-bit lanes fill a 128-bit register (SSE2, NEON); the
 * 16 state words then take the 16 vector registers x86-64 has.
 */
#define CO_B3_LANES 4

/* The same eight words as SHA-256's initial value. */
static const u32 co_b3_iv[8] = {
	0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
	0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

static inline u32 co_b3_rotr32(u32 x, unsigned int n_bits)
{
	return (x >> n_bits) | (x << (32 - n_bits));
}

/*
 * A word of message from possibly unaligned bytes. On little-endian hosts a 4-byte memcpy is
 * a single load the vectoriser can see through; the byte-wise form is the portable fallback.
 */
static inline u32 co_b3_load_word(const u8 *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	u32 w;

	co_memcpy(&w, p, sizeof(w));
	return w;
#else
	return co_load_le32(p);
#endif
}

/*
 * The compression function's core on named locals v0..v15 (state) and m0..m15 (message), so
 * the same text serves the scalar and the lane-parallel compressors: the quarter-round G, the
 * column and diagonal rounds, and the fixed message permutation applied between rounds.
 */
#define CO_B3_G(a, b, c, d, x, y)                                                             \
	do {                                                                                  \
		a = a + b + (x);                                                              \
		d = co_b3_rotr32(d ^ a, 16);                                                  \
		c = c + d;                                                                    \
		b = co_b3_rotr32(b ^ c, 12);                                                  \
		a = a + b + (y);                                                              \
		d = co_b3_rotr32(d ^ a, 8);                                                   \
		c = c + d;                                                                    \
		b = co_b3_rotr32(b ^ c, 7);                                                   \
	} while (0)

#define CO_B3_ROUND()                                                                         \
	do {                                                                                  \
		CO_B3_G(v0, v4, v8, v12, m0, m1);                                             \
		CO_B3_G(v1, v5, v9, v13, m2, m3);                                             \
		CO_B3_G(v2, v6, v10, v14, m4, m5);                                            \
		CO_B3_G(v3, v7, v11, v15, m6, m7);                                            \
		CO_B3_G(v0, v5, v10, v15, m8, m9);                                            \
		CO_B3_G(v1, v6, v11, v12, m10, m11);                                          \
		CO_B3_G(v2, v7, v8, v13, m12, m13);                                           \
		CO_B3_G(v3, v4, v9, v14, m14, m15);                                           \
	} while (0)

/* Message word i of the next round is word perm[i] of this one: perm = 2,6,3,10,7,0,4,13,1,11,12,5,9,14,15,8. */
#define CO_B3_PERMUTE()                                                                       \
	do {                                                                                  \
		const u32 t0 = m2, t1 = m6, t2 = m3, t3 = m10, t4 = m7, t5 = m0, t6 = m4,     \
			  t7 = m13, t8 = m1, t9 = m11, t10 = m12, t11 = m5, t12 = m9,         \
			  t13 = m14, t14 = m15, t15 = m8;                                     \
		m0 = t0;                                                                      \
		m1 = t1;                                                                      \
		m2 = t2;                                                                      \
		m3 = t3;                                                                      \
		m4 = t4;                                                                      \
		m5 = t5;                                                                      \
		m6 = t6;                                                                      \
		m7 = t7;                                                                      \
		m8 = t8;                                                                      \
		m9 = t9;                                                                      \
		m10 = t10;                                                                    \
		m11 = t11;                                                                    \
		m12 = t12;                                                                    \
		m13 = t13;                                                                    \
		m14 = t14;                                                                    \
		m15 = t15;                                                                    \
	} while (0)

/* Seven rounds, the message permuted between consecutive ones. */
#define CO_B3_ROUNDS()                                                                        \
	do {                                                                                  \
		CO_B3_ROUND();                                                                \
		CO_B3_PERMUTE();                                                              \
		CO_B3_ROUND();                                                                \
		CO_B3_PERMUTE();                                                              \
		CO_B3_ROUND();                                                                \
		CO_B3_PERMUTE();                                                              \
		CO_B3_ROUND();                                                                \
		CO_B3_PERMUTE();                                                              \
		CO_B3_ROUND();                                                                \
		CO_B3_PERMUTE();                                                              \
		CO_B3_ROUND();                                                                \
		CO_B3_PERMUTE();                                                              \
		CO_B3_ROUND();                                                                \
	} while (0)

/*
 * The full compression function on one block: out[0..8) is the new chaining value and
 * out[8..16) the second half of an extended (root) output block.
 */
static void co_b3_compress(const u32 cv[8], const u32 m[16], u64 counter, u32 block_len,
			   u32 flags, u32 out[16])
{
	u32 m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6],
	    m7 = m[7], m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11], m12 = m[12],
	    m13 = m[13], m14 = m[14], m15 = m[15];
	u32 v0 = cv[0], v1 = cv[1], v2 = cv[2], v3 = cv[3], v4 = cv[4], v5 = cv[5],
	    v6 = cv[6], v7 = cv[7];
	u32 v8 = co_b3_iv[0], v9 = co_b3_iv[1], v10 = co_b3_iv[2], v11 = co_b3_iv[3];
	u32 v12 = (u32)counter, v13 = (u32)(counter >> 32), v14 = block_len, v15 = flags;

	CO_B3_ROUNDS();
	out[0] = v0 ^ v8;
	out[1] = v1 ^ v9;
	out[2] = v2 ^ v10;
	out[3] = v3 ^ v11;
	out[4] = v4 ^ v12;
	out[5] = v5 ^ v13;
	out[6] = v6 ^ v14;
	out[7] = v7 ^ v15;
	out[8] = v8 ^ cv[0];
	out[9] = v9 ^ cv[1];
	out[10] = v10 ^ cv[2];
	out[11] = v11 ^ cv[3];
	out[12] = v12 ^ cv[4];
	out[13] = v13 ^ cv[5];
	out[14] = v14 ^ cv[6];
	out[15] = v15 ^ cv[7];
}

static void co_b3_load_block(u32 m[16], const u8 *block)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		m[i] = co_b3_load_word(block + 4 * i);
}

/* Chain one full block into cv (a non-final block of a chunk). */
static void co_b3_compress_in_place(u32 cv[8], const u8 *block, u64 counter, u32 flags)
{
	u32 m[16], out[16];

	co_b3_load_block(m, block);
	co_b3_compress(cv, m, counter, CO_BLAKE3_BLOCK_BYTES, flags, out);
	co_memcpy(cv, out, 8 * sizeof(u32));
}

/*
 * One block in each of CO_B3_LANES lanes: lane l reads its block at
 * block0 + l * lane_stride_bytes and chains it into cv[.][l]. All lanes share block length
 * and flags; counters are per lane. The message is first transposed to [word][lane] so that
 * every access in the lane loop is contiguous across lanes; the loop body is straight-line
 * code, which is what lets the compiler turn the loop into one pass over vector registers.
 */
static void co_b3_compress_lanes(u32 cv[8][CO_B3_LANES], const u8 *block0,
				 size_t lane_stride_bytes,
				 const u32 counter_lo[CO_B3_LANES],
				 const u32 counter_hi[CO_B3_LANES], u32 block_len, u32 flags)
{
	u32 mt[16][CO_B3_LANES];
	unsigned int l, w;

	for (l = 0; l < CO_B3_LANES; l++)
		for (w = 0; w < 16; w++)
			mt[w][l] = co_b3_load_word(block0 + l * lane_stride_bytes + 4 * w);
	for (l = 0; l < CO_B3_LANES; l++) {
		u32 m0 = mt[0][l], m1 = mt[1][l], m2 = mt[2][l], m3 = mt[3][l], m4 = mt[4][l],
		    m5 = mt[5][l], m6 = mt[6][l], m7 = mt[7][l], m8 = mt[8][l], m9 = mt[9][l],
		    m10 = mt[10][l], m11 = mt[11][l], m12 = mt[12][l], m13 = mt[13][l],
		    m14 = mt[14][l], m15 = mt[15][l];
		u32 v0 = cv[0][l], v1 = cv[1][l], v2 = cv[2][l], v3 = cv[3][l], v4 = cv[4][l],
		    v5 = cv[5][l], v6 = cv[6][l], v7 = cv[7][l];
		u32 v8 = co_b3_iv[0], v9 = co_b3_iv[1], v10 = co_b3_iv[2], v11 = co_b3_iv[3];
		u32 v12 = counter_lo[l], v13 = counter_hi[l], v14 = block_len, v15 = flags;

		CO_B3_ROUNDS();
		cv[0][l] = v0 ^ v8;
		cv[1][l] = v1 ^ v9;
		cv[2][l] = v2 ^ v10;
		cv[3][l] = v3 ^ v11;
		cv[4][l] = v4 ^ v12;
		cv[5][l] = v5 ^ v13;
		cv[6][l] = v6 ^ v14;
		cv[7][l] = v7 ^ v15;
	}
}

/*
 * Chaining values of CO_B3_LANES whole, consecutive, non-root chunks starting at in, the
 * first with index chunk_counter: cvs[l] is chunk l's.
 */
static void co_b3_hash_chunks_lanes(const u8 *in, const u32 key_words[8], u64 chunk_counter,
				    u32 flags, u32 cvs[CO_B3_LANES][8])
{
	u32 cv[8][CO_B3_LANES];
	u32 counter_lo[CO_B3_LANES], counter_hi[CO_B3_LANES];
	unsigned int w, l, b;

	for (l = 0; l < CO_B3_LANES; l++) {
		const u64 counter = chunk_counter + l;

		counter_lo[l] = (u32)counter;
		counter_hi[l] = (u32)(counter >> 32);
		for (w = 0; w < 8; w++)
			cv[w][l] = key_words[w];
	}
	for (b = 0; b < CO_B3_BLOCKS_PER_CHUNK; b++) {
		u32 block_flags = flags;

		if (b == 0)
			block_flags |= CO_B3_CHUNK_START;
		if (b == CO_B3_BLOCKS_PER_CHUNK - 1)
			block_flags |= CO_B3_CHUNK_END;
		co_b3_compress_lanes(cv, in + b * CO_BLAKE3_BLOCK_BYTES, CO_BLAKE3_CHUNK_BYTES,
				     counter_lo, counter_hi, CO_BLAKE3_BLOCK_BYTES, block_flags);
	}
	for (l = 0; l < CO_B3_LANES; l++)
		for (w = 0; w < 8; w++)
			cvs[l][w] = cv[w][l];
}

/* The chaining value of a parent node over its children's chaining values. */
static void co_b3_parent_cv(const u32 left[8], const u32 right[8], const u32 key_words[8],
			    u32 flags, u32 cv[8])
{
	u32 m[16], out[16];

	co_memcpy(m, left, 8 * sizeof(u32));
	co_memcpy(m + 8, right, 8 * sizeof(u32));
	co_b3_compress(key_words, m, 0, CO_BLAKE3_BLOCK_BYTES, flags | CO_B3_PARENT, out);
	co_memcpy(cv, out, 8 * sizeof(u32));
}

static void co_b3_hasher_init(struct co_blake3_hasher *h, const u32 key_words[8], u32 flags)
{
	co_memcpy(h->key_words, key_words, sizeof(h->key_words));
	co_memcpy(h->chunk_cv, key_words, sizeof(h->chunk_cv));
	h->chunk_counter = 0;
	co_memset(h->block, 0, sizeof(h->block));
	h->block_len = 0;
	h->blocks_compressed = 0;
	h->flags = (u8)flags;
	h->cv_stack_len = 0;
}

static u32 co_b3_chunk_len(const struct co_blake3_hasher *h)
{
	return (u32)h->blocks_compressed * CO_BLAKE3_BLOCK_BYTES + h->block_len;
}

/* Flags of the chunk in progress's last block. */
static u32 co_b3_chunk_end_flags(const struct co_blake3_hasher *h)
{
	u32 flags = h->flags | CO_B3_CHUNK_END;

	if (h->blocks_compressed == 0)
		flags |= CO_B3_CHUNK_START;
	return flags;
}

/* The buffered block as message words, zero-padded past block_len. */
static void co_b3_chunk_last_block(const struct co_blake3_hasher *h, u32 m[16])
{
	u8 block[CO_BLAKE3_BLOCK_BYTES];

	co_memset(block, 0, sizeof(block));
	co_memcpy(block, h->block, h->block_len);
	co_b3_load_block(m, block);
}

/*
 * Push the chaining value of chunk h->chunk_counter, known not to be the last chunk, and merge
 * every subtree it completes: after chunk c, the number of merges is the number of trailing
 * one bits of c, leaving popcount(c + 1) subtrees on the stack.
 */
static void co_b3_push_chunk_cv(struct co_blake3_hasher *h, const u32 chunk_cv[8])
{
	u32 cv[8];
	u64 chunks = h->chunk_counter + 1;
	unsigned int merges;

	co_memcpy(cv, chunk_cv, sizeof(cv));
	for (merges = 0; merges < CO_BLAKE3_CV_STACK_DEPTH_MAX && (chunks & 1) == 0; merges++) {
		CO_ASSERT(h->cv_stack_len > 0);
		h->cv_stack_len--;
		co_b3_parent_cv(h->cv_stack[h->cv_stack_len], cv, h->key_words, h->flags, cv);
		chunks >>= 1;
	}
	CO_ASSERT((chunks & 1) == 1);
	CO_ASSERT(h->cv_stack_len < CO_BLAKE3_CV_STACK_DEPTH_MAX);
	co_memcpy(h->cv_stack[h->cv_stack_len], cv, sizeof(cv));
	h->cv_stack_len++;
	h->chunk_counter++;
}

/* The chunk in progress is full and more input follows: it is not the root, so push it. */
static void co_b3_finish_chunk(struct co_blake3_hasher *h)
{
	u32 m[16], out[16];

	CO_ASSERT(co_b3_chunk_len(h) == CO_BLAKE3_CHUNK_BYTES);
	co_b3_chunk_last_block(h, m);
	co_b3_compress(h->chunk_cv, m, h->chunk_counter, h->block_len, co_b3_chunk_end_flags(h),
		       out);
	co_b3_push_chunk_cv(h, out);
	co_memcpy(h->chunk_cv, h->key_words, sizeof(h->chunk_cv));
	h->block_len = 0;
	h->blocks_compressed = 0;
}

/*
 * Absorb up to the end of the chunk in progress (not full on entry, in_len > 0). A block is
 * compressed only once a later byte of the same chunk is known, since the chunk's last block
 * needs CHUNK_END (and maybe ROOT). Returns the bytes taken, at least 1.
 */
static size_t co_b3_chunk_absorb(struct co_blake3_hasher *h, const u8 *in, size_t in_len)
{
	size_t taken = 0, n;

	if (h->block_len == CO_BLAKE3_BLOCK_BYTES) {
		co_b3_compress_in_place(h->chunk_cv, h->block, h->chunk_counter,
					h->flags | (h->blocks_compressed == 0 ? CO_B3_CHUNK_START : 0));
		h->blocks_compressed++;
		h->block_len = 0;
	}
	if (h->block_len == 0) {
		/* Blocks straight from the input; the chunk's 16th is left to the buffer. */
		while (in_len - taken > CO_BLAKE3_BLOCK_BYTES &&
		       h->blocks_compressed < CO_B3_BLOCKS_PER_CHUNK - 1) {
			co_b3_compress_in_place(h->chunk_cv, in + taken, h->chunk_counter,
						h->flags | (h->blocks_compressed == 0 ?
							    CO_B3_CHUNK_START : 0));
			h->blocks_compressed++;
			taken += CO_BLAKE3_BLOCK_BYTES;
		}
	}
	n = CO_MIN((size_t)(CO_BLAKE3_BLOCK_BYTES - h->block_len), in_len - taken);
	CO_ASSERT(n > 0);
	co_memcpy(h->block + h->block_len, in + taken, n);
	h->block_len = (u8)(h->block_len + n);
	return taken + n;
}

void co_blake3_update(struct co_blake3_hasher *h, const void *in, size_t in_len)
{
	const u8 *p = in;
	u32 cvs[CO_B3_LANES][8];
	unsigned int l;

	/* Each pass takes at least one byte, so the loop runs at most in_len times. */
	while (in_len > 0) {
		if (co_b3_chunk_len(h) == CO_BLAKE3_CHUNK_BYTES)
			co_b3_finish_chunk(h);
		/* Whole chunks side by side, keeping at least one byte back for the last chunk. */
		if (co_b3_chunk_len(h) == 0 &&
		    in_len > (size_t)CO_B3_LANES * CO_BLAKE3_CHUNK_BYTES) {
			co_b3_hash_chunks_lanes(p, h->key_words, h->chunk_counter, h->flags, cvs);
			for (l = 0; l < CO_B3_LANES; l++)
				co_b3_push_chunk_cv(h, cvs[l]);
			p += CO_B3_LANES * CO_BLAKE3_CHUNK_BYTES;
			in_len -= CO_B3_LANES * CO_BLAKE3_CHUNK_BYTES;
			continue;
		}
		{
			const size_t n = co_b3_chunk_absorb(h, p, in_len);

			p += n;
			in_len -= n;
		}
	}
}

/*
 * The root node of everything absorbed so far: the chunk in progress if it is the only one,
 * else the parent at the top of the tree, found by merging the stack from the right.
 */
static void co_b3_root(const struct co_blake3_hasher *h, struct co_blake3_output *o)
{
	u32 m[16], out[16], right_cv[8];
	unsigned int i;

	co_b3_chunk_last_block(h, m);
	if (h->cv_stack_len == 0) {
		co_memcpy(o->cv, h->chunk_cv, sizeof(o->cv));
		co_memcpy(o->block_words, m, sizeof(o->block_words));
		o->block_len = h->block_len;
		o->flags = (u8)co_b3_chunk_end_flags(h);
		o->position_bytes = 0;
		return;
	}
	co_b3_compress(h->chunk_cv, m, h->chunk_counter, h->block_len, co_b3_chunk_end_flags(h),
		       out);
	co_memcpy(right_cv, out, sizeof(right_cv));
	for (i = h->cv_stack_len - 1; i > 0; i--)
		co_b3_parent_cv(h->cv_stack[i], right_cv, h->key_words, h->flags, right_cv);
	co_memcpy(o->cv, h->key_words, sizeof(o->cv));
	co_memcpy(o->block_words, h->cv_stack[0], 8 * sizeof(u32));
	co_memcpy(o->block_words + 8, right_cv, 8 * sizeof(u32));
	o->block_len = CO_BLAKE3_BLOCK_BYTES;
	o->flags = (u8)(h->flags | CO_B3_PARENT);
	o->position_bytes = 0;
}

void co_blake3_output_seek(struct co_blake3_output *o, u64 offset_bytes)
{
	o->position_bytes = offset_bytes;
}

void co_blake3_output_read(struct co_blake3_output *o, u8 *out, size_t out_len)
{
	u32 words[16];
	u8 block[CO_BLAKE3_BLOCK_BYTES];
	unsigned int i;

	/* The last byte read is at most 2^64 - 1; position wraps to 0 only at the very end. */
	CO_ASSERT(out_len == 0 || (u64)(out_len - 1) <= ~(u64)0 - o->position_bytes);
	/* Each pass writes at least one byte, so the loop runs at most out_len times. */
	while (out_len > 0) {
		const u64 block_index = o->position_bytes / CO_BLAKE3_BLOCK_BYTES;
		const size_t offset = (size_t)(o->position_bytes % CO_BLAKE3_BLOCK_BYTES);
		const size_t n = CO_MIN(CO_BLAKE3_BLOCK_BYTES - offset, out_len);

		co_b3_compress(o->cv, o->block_words, block_index, o->block_len,
			       o->flags | CO_B3_ROOT, words);
		for (i = 0; i < 16; i++)
			co_store_le32(block + 4 * i, words[i]);
		co_memcpy(out, block + offset, n);
		out += n;
		out_len -= n;
		o->position_bytes += n;
	}
}

void co_blake3_init(struct co_blake3_hasher *h)
{
	co_b3_hasher_init(h, co_b3_iv, 0);
}

void co_blake3_init_keyed(struct co_blake3_hasher *h, const u8 key[CO_BLAKE3_KEY_BYTES])
{
	u32 key_words[8];
	unsigned int i;

	for (i = 0; i < 8; i++)
		key_words[i] = co_load_le32(key + 4 * i);
	co_b3_hasher_init(h, key_words, CO_B3_KEYED_HASH);
}

void co_blake3_init_derive_key(struct co_blake3_hasher *h, const char *context,
			       size_t context_len)
{
	u8 context_key[CO_BLAKE3_KEY_BYTES];
	u32 key_words[8];
	unsigned int i;

	/* Stage one hashes the context into a key, using h itself as the scratch hasher. */
	co_b3_hasher_init(h, co_b3_iv, CO_B3_DERIVE_KEY_CONTEXT);
	co_blake3_update(h, context, context_len);
	co_blake3_finalize(h, context_key);
	for (i = 0; i < 8; i++)
		key_words[i] = co_load_le32(context_key + 4 * i);
	co_b3_hasher_init(h, key_words, CO_B3_DERIVE_KEY_MATERIAL);
}

void co_blake3_finalize_xof(const struct co_blake3_hasher *h, struct co_blake3_output *o)
{
	co_b3_root(h, o);
}

/* Out of line so that a caller holding a hasher in its frame does not also hold a reader. */
static __attribute__((__noinline__)) void co_b3_read_root(const struct co_blake3_hasher *h,
						      u64 offset_bytes, u8 *out, size_t out_len)
{
	struct co_blake3_output o;

	co_b3_root(h, &o);
	co_blake3_output_seek(&o, offset_bytes);
	co_blake3_output_read(&o, out, out_len);
}

void co_blake3_finalize_seek(const struct co_blake3_hasher *h, u64 offset_bytes, u8 *out,
			     size_t out_len)
{
	co_b3_read_root(h, offset_bytes, out, out_len);
}

void co_blake3_finalize(const struct co_blake3_hasher *h, u8 out[CO_BLAKE3_OUT_BYTES])
{
	co_blake3_finalize_seek(h, 0, out, CO_BLAKE3_OUT_BYTES);
}

/*
 * One-shot inputs of one chunk or less need no chaining-value stack: they are hashed here
 * with a small frame, and only longer ones pay for a 1.9 KiB hasher (in a separate frame, so
 * a kernel caller hashing a short record stays well inside its stack).
 */
static void co_b3_oneshot_chunk(const u32 key_words[8], u32 flags, const u8 *in, size_t in_len,
				u8 *out, size_t out_len)
{
	struct co_blake3_output o;
	u8 block[CO_BLAKE3_BLOCK_BYTES];
	size_t pos = 0;
	unsigned int blocks = 0;

	CO_ASSERT(in_len <= CO_BLAKE3_CHUNK_BYTES);
	co_memcpy(o.cv, key_words, sizeof(o.cv));
	while (in_len - pos > CO_BLAKE3_BLOCK_BYTES) {
		co_b3_compress_in_place(o.cv, in + pos, 0,
					flags | (blocks == 0 ? CO_B3_CHUNK_START : 0));
		pos += CO_BLAKE3_BLOCK_BYTES;
		blocks++;
	}
	co_memset(block, 0, sizeof(block));
	if (in_len > pos) /* in may be NULL when in_len is 0 */
		co_memcpy(block, in + pos, in_len - pos);
	co_b3_load_block(o.block_words, block);
	o.block_len = (u8)(in_len - pos);
	o.flags = (u8)(flags | CO_B3_CHUNK_END | (blocks == 0 ? CO_B3_CHUNK_START : 0));
	o.position_bytes = 0;
	co_blake3_output_read(&o, out, out_len);
}

static __attribute__((__noinline__)) void co_b3_oneshot_tree(const u32 key_words[8], u32 flags,
							 const u8 *in, size_t in_len, u8 *out,
							 size_t out_len)
{
	struct co_blake3_hasher h;

	co_b3_hasher_init(&h, key_words, flags);
	co_blake3_update(&h, in, in_len);
	co_b3_read_root(&h, 0, out, out_len);
}

static void co_b3_oneshot(const u32 key_words[8], u32 flags, const void *in, size_t in_len,
			  u8 *out, size_t out_len)
{
	if (in_len <= CO_BLAKE3_CHUNK_BYTES)
		co_b3_oneshot_chunk(key_words, flags, in, in_len, out, out_len);
	else
		co_b3_oneshot_tree(key_words, flags, in, in_len, out, out_len);
}

void co_blake3_hash(const void *in, size_t in_len, u8 out[CO_BLAKE3_OUT_BYTES])
{
	co_b3_oneshot(co_b3_iv, 0, in, in_len, out, CO_BLAKE3_OUT_BYTES);
}

void co_blake3_hash_xof(const void *in, size_t in_len, u8 *out, size_t out_len)
{
	co_b3_oneshot(co_b3_iv, 0, in, in_len, out, out_len);
}

void co_blake3_keyed_hash(const u8 key[CO_BLAKE3_KEY_BYTES], const void *in, size_t in_len,
			  u8 out[CO_BLAKE3_OUT_BYTES])
{
	u32 key_words[8];
	unsigned int i;

	for (i = 0; i < 8; i++)
		key_words[i] = co_load_le32(key + 4 * i);
	co_b3_oneshot(key_words, CO_B3_KEYED_HASH, in, in_len, out, CO_BLAKE3_OUT_BYTES);
}

void co_blake3_derive_key(const char *context, size_t context_len, const void *material,
			  size_t material_len, u8 *out, size_t out_len)
{
	u8 context_key[CO_BLAKE3_KEY_BYTES];
	u32 key_words[8];
	unsigned int i;

	co_b3_oneshot(co_b3_iv, CO_B3_DERIVE_KEY_CONTEXT, context, context_len, context_key,
		      sizeof(context_key));
	for (i = 0; i < 8; i++)
		key_words[i] = co_load_le32(context_key + 4 * i);
	co_b3_oneshot(key_words, CO_B3_DERIVE_KEY_MATERIAL, material, material_len, out, out_len);
}
