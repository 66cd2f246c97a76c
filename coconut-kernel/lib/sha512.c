// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-512 per FIPS 180-4, section 6.4. Written from the standard: big-endian words, 80 rounds,
 * the message schedule kept as a 16-word ring so the frame stays small.
 */
#include "coconut/sha512.h"

/* FIPS 180-4 4.2.3: the first 64 bits of the fractional parts of the cube roots of the primes. */
static const u64 sha512_k[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL,
	0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
	0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL, 0x12835b0145706fbeULL,
	0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL,
	0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
	0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL,
	0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL,
	0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
	0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL,
	0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL,
	0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
	0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL, 0xd69906245565a910ULL,
	0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL,
	0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
	0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL,
	0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL,
	0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
	0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
	0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL,
	0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL,
	0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
	0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

/* FIPS 180-4 5.3.5: the same for the square roots of the first 8 primes. */
static const u64 sha512_iv[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static inline u64 sha512_rotr(u64 x, unsigned int n)
{
	return (x >> n) | (x << (64 - n));
}

#define SHA512_BSIG0(x) (sha512_rotr((x), 28) ^ sha512_rotr((x), 34) ^ sha512_rotr((x), 39))
#define SHA512_BSIG1(x) (sha512_rotr((x), 14) ^ sha512_rotr((x), 18) ^ sha512_rotr((x), 41))
#define SHA512_SSIG0(x) (sha512_rotr((x), 1) ^ sha512_rotr((x), 8) ^ ((x) >> 7))
#define SHA512_SSIG1(x) (sha512_rotr((x), 19) ^ sha512_rotr((x), 61) ^ ((x) >> 6))
/* Ch and Maj in forms with one operation fewer than the textbook ones (same truth tables). */
#define SHA512_CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define SHA512_MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

/*
 * One round, with the eight working variables renamed instead of moved: the caller rotates the
 * argument order, so eight consecutive rounds bring every variable back to its own name.
 * w_t is W[t] of the standard, already computed.
 */
#define SHA512_ROUND(a, b, c, d, e, f, g, h, k_t, w_t)                                         \
	do {                                                                                   \
		u64 t1_ = (h) + SHA512_BSIG1(e) + SHA512_CH((e), (f), (g)) + (k_t) + (w_t);    \
		u64 t2_ = SHA512_BSIG0(a) + SHA512_MAJ((a), (b), (c));                         \
		(d) += t1_;                                                                    \
		(h) = t1_ + t2_;                                                               \
	} while (0)

/*
 * W[t] for t >= 16, kept in a ring of the previous 16 (FIPS 180-4 6.4.2 step 1). i is t mod 16,
 * a constant at every use, so the ring is addressed at fixed offsets.
 */
#define SHA512_SCHEDULE(w, i)                                                                  \
	((w)[(i) & 15] += SHA512_SSIG1((w)[((i) + 14) & 15]) + (w)[((i) + 9) & 15] +           \
			  SHA512_SSIG0((w)[((i) + 1) & 15]))

/* Sixteen rounds from t: eight with one variable order, eight more restore the names. */
#define SHA512_16_ROUNDS(t, W)                                                                 \
	do {                                                                                   \
		SHA512_ROUND(a, b, c, d, e, f, g, h, sha512_k[(t) + 0], W(0));                 \
		SHA512_ROUND(h, a, b, c, d, e, f, g, sha512_k[(t) + 1], W(1));                 \
		SHA512_ROUND(g, h, a, b, c, d, e, f, sha512_k[(t) + 2], W(2));                 \
		SHA512_ROUND(f, g, h, a, b, c, d, e, sha512_k[(t) + 3], W(3));                 \
		SHA512_ROUND(e, f, g, h, a, b, c, d, sha512_k[(t) + 4], W(4));                 \
		SHA512_ROUND(d, e, f, g, h, a, b, c, sha512_k[(t) + 5], W(5));                 \
		SHA512_ROUND(c, d, e, f, g, h, a, b, sha512_k[(t) + 6], W(6));                 \
		SHA512_ROUND(b, c, d, e, f, g, h, a, sha512_k[(t) + 7], W(7));                 \
		SHA512_ROUND(a, b, c, d, e, f, g, h, sha512_k[(t) + 8], W(8));                 \
		SHA512_ROUND(h, a, b, c, d, e, f, g, sha512_k[(t) + 9], W(9));                 \
		SHA512_ROUND(g, h, a, b, c, d, e, f, sha512_k[(t) + 10], W(10));               \
		SHA512_ROUND(f, g, h, a, b, c, d, e, sha512_k[(t) + 11], W(11));               \
		SHA512_ROUND(e, f, g, h, a, b, c, d, sha512_k[(t) + 12], W(12));               \
		SHA512_ROUND(d, e, f, g, h, a, b, c, sha512_k[(t) + 13], W(13));               \
		SHA512_ROUND(c, d, e, f, g, h, a, b, sha512_k[(t) + 14], W(14));               \
		SHA512_ROUND(b, c, d, e, f, g, h, a, sha512_k[(t) + 15], W(15));               \
	} while (0)

#define SHA512_W_LOADED(i) (w[(i)])
#define SHA512_W_NEXT(i) SHA512_SCHEDULE(w, (i))

static void sha512_compress(u64 state[8], const u8 *block)
{
	u64 w[16];
	u64 a = state[0], b = state[1], c = state[2], d = state[3];
	u64 e = state[4], f = state[5], g = state[6], h = state[7];
	unsigned int t, i;

	for (i = 0; i < 16; i++)
		w[i] = co_load_be64(block + 8 * i);

	SHA512_16_ROUNDS(0, SHA512_W_LOADED);
	for (t = 16; t < 80; t += 16)
		SHA512_16_ROUNDS(t, SHA512_W_NEXT);

	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

void co_sha512_init(struct co_sha512_ctx *ctx)
{
	co_memcpy(ctx->state, sha512_iv, sizeof(ctx->state));
	ctx->total_bytes = 0;
	ctx->buffered_bytes = 0;
}

void co_sha512_update(struct co_sha512_ctx *ctx, const u8 *data, size_t len_bytes)
{
	size_t take;

	CO_ASSERT(ctx->buffered_bytes < CO_SHA512_BLOCK_BYTES);
	if (len_bytes == 0)
		return;
	ctx->total_bytes += (u64)len_bytes;

	if (ctx->buffered_bytes > 0) {
		take = CO_MIN(len_bytes, CO_SHA512_BLOCK_BYTES - ctx->buffered_bytes);
		co_memcpy(ctx->buffer + ctx->buffered_bytes, data, take);
		ctx->buffered_bytes += take;
		data += take;
		len_bytes -= take;
		if (ctx->buffered_bytes < CO_SHA512_BLOCK_BYTES)
			return;
		sha512_compress(ctx->state, ctx->buffer);
		ctx->buffered_bytes = 0;
	}
	/* Whole blocks straight from the caller's buffer: no copy. */
	while (len_bytes >= CO_SHA512_BLOCK_BYTES) {
		sha512_compress(ctx->state, data);
		data += CO_SHA512_BLOCK_BYTES;
		len_bytes -= CO_SHA512_BLOCK_BYTES;
	}
	if (len_bytes > 0) {
		co_memcpy(ctx->buffer, data, len_bytes);
		ctx->buffered_bytes = len_bytes;
	}
}

void co_sha512_final(struct co_sha512_ctx *ctx, u8 digest[CO_SHA512_DIGEST_BYTES])
{
	size_t used = ctx->buffered_bytes;
	unsigned int i;

	CO_ASSERT(used < CO_SHA512_BLOCK_BYTES);
	/* FIPS 180-4 5.1.2: a 1 bit, zeros, then the 128-bit big-endian length in bits. */
	ctx->buffer[used++] = 0x80;
	if (used > CO_SHA512_BLOCK_BYTES - 16) {
		co_memset(ctx->buffer + used, 0, CO_SHA512_BLOCK_BYTES - used);
		sha512_compress(ctx->state, ctx->buffer);
		used = 0;
	}
	co_memset(ctx->buffer + used, 0, CO_SHA512_BLOCK_BYTES - 16 - used);
	co_store_be64(ctx->buffer + CO_SHA512_BLOCK_BYTES - 16, ctx->total_bytes >> 61);
	co_store_be64(ctx->buffer + CO_SHA512_BLOCK_BYTES - 8, ctx->total_bytes << 3);
	sha512_compress(ctx->state, ctx->buffer);

	for (i = 0; i < 8; i++)
		co_store_be64(digest + 8 * i, ctx->state[i]);
	co_memset(ctx, 0, sizeof(*ctx));
}

void co_sha512(const u8 *data, size_t len_bytes, u8 digest[CO_SHA512_DIGEST_BYTES])
{
	struct co_sha512_ctx ctx;

	co_sha512_init(&ctx);
	co_sha512_update(&ctx, data, len_bytes);
	co_sha512_final(&ctx, digest);
}
