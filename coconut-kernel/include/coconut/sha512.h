/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-512 (FIPS 180-4), for Ed25519 verification (RFC 8032 hashes R || A || M with it).
 *
 * The caller owns the context (no allocation, no global state). Feed data with any split into
 * co_sha512_update(); the digest does not depend on how the message was cut. The context holds
 * only public data in our uses, so nothing here is constant-time by design beyond what SHA-512
 * is naturally (no secret-dependent branches or indices).
 */
#ifndef COCONUT_SHA512_H
#define COCONUT_SHA512_H

#include "coconut/compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CO_SHA512_DIGEST_BYTES 64
#define CO_SHA512_BLOCK_BYTES 128

struct co_sha512_ctx {
	u64 state[8];
	/* Message length so far; FIPS 180-4 encodes it in bits as 128 bits, we keep bytes. */
	u64 total_bytes;
	/* Bytes of a partial block waiting for more input; always < CO_SHA512_BLOCK_BYTES. */
	size_t buffered_bytes;
	u8 buffer[CO_SHA512_BLOCK_BYTES];
};

void co_sha512_init(struct co_sha512_ctx *ctx);
/* data may be NULL when len_bytes is 0. */
void co_sha512_update(struct co_sha512_ctx *ctx, const u8 *data, size_t len_bytes);
/* Writes the digest and wipes the context; init it again before reuse. */
void co_sha512_final(struct co_sha512_ctx *ctx, u8 digest[CO_SHA512_DIGEST_BYTES]);
/* One-shot: co_sha512_init + update + final. */
void co_sha512(const u8 *data, size_t len_bytes, u8 digest[CO_SHA512_DIGEST_BYTES]);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_SHA512_H */
