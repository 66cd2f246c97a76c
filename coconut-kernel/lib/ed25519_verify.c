// SPDX-License-Identifier: GPL-2.0
/*
 * Ed25519 verification with libsodium 1.0.18's accept/reject decisions; the policy and the
 * order of the checks are documented in include/coconut/ed25519.h.
 */
#if defined(CO_FUZZ_MARKED_SIGNATURES) && defined(__KERNEL__)
#error "CO_FUZZ_MARKED_SIGNATURES accepts signatures anyone can forge: fuzz builds only"
#endif
#include "coconut/ed25519.h"
#include "coconut/sha512.h"
#include "ed25519_point.h"
#include "ed25519_scalar.h"

#ifdef CO_FUZZ_MARKED_SIGNATURES
#include "coconut/blake3.h"

/* The tail of a marked signature (coconut/ed25519.h): a hash of the key and the message. */
static void marked_tail(u8 tail[CO_ED25519_SIGNATURE_BYTES - CO_FUZZ_SIGNATURE_MARK_BYTES],
			const u8 *msg, size_t msg_len_bytes, const u8 pk[32])
{
	static const char domain[] = "coconut fuzz marked signature v1";
	struct co_blake3_hasher h;

	co_blake3_init(&h);
	co_blake3_update(&h, domain, sizeof(domain) - 1);
	co_blake3_update(&h, pk, 32);
	co_blake3_update(&h, msg, msg_len_bytes);
	co_blake3_finalize_seek(&h, 0, tail,
				CO_ED25519_SIGNATURE_BYTES - CO_FUZZ_SIGNATURE_MARK_BYTES);
}

void co_fuzz_marked_sign(u8 sig[CO_ED25519_SIGNATURE_BYTES], const u8 *msg, size_t msg_len_bytes,
			 const u8 pk[CO_ED25519_PUBLIC_KEY_BYTES])
{
	CO_ASSERT(msg != NULL || msg_len_bytes == 0);
	co_memcpy(sig, CO_FUZZ_SIGNATURE_MARK, CO_FUZZ_SIGNATURE_MARK_BYTES);
	marked_tail(sig + CO_FUZZ_SIGNATURE_MARK_BYTES, msg, msg_len_bytes, pk);
}

/*
 * Not static: with co_fuzz_marked_sign, the symbol the fuzz-only check looks for. Not inlined,
 * so its hasher is not on co_ed25519_verify's frame.
 */
__attribute__((__noinline__)) int co_fuzz_marked_verify(const u8 sig[CO_ED25519_SIGNATURE_BYTES],
							const u8 *msg, size_t msg_len_bytes,
							const u8 pk[CO_ED25519_PUBLIC_KEY_BYTES])
{
	u8 tail[CO_ED25519_SIGNATURE_BYTES - CO_FUZZ_SIGNATURE_MARK_BYTES];

	marked_tail(tail, msg, msg_len_bytes, pk);
	if (co_memcmp(sig + CO_FUZZ_SIGNATURE_MARK_BYTES, tail, sizeof(tail)) != 0)
		return CO_ED25519_ERR_MISMATCH;
	return CO_ED25519_OK;
}
#endif

/*
 * Bits 0..254 of every encoding of a point of order 1, 2, 4 or 8: y = 0 (order 4), 1 (the
 * identity), the two y of the order-8 points, p - 1 (order 2), and p, p + 1, the only
 * non-canonical encodings of these y that fit in 255 bits (y + p exceeds 2^255 - 1 for the
 * others). Bit 255, the sign of x, is ignored: both signs are small-order.
 */
static const u8 small_order_encodings[7][32] = {
	/* 0 */
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	/* 1 */
	{ 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	/* y of the order-8 points with x^2 = -y^2: both roots of d y^4 + 2 y^2 - 1 = 0 */
	{ 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
	  0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	  0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
	  0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 },
	{ 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f,
	  0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	  0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
	  0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a },
	/* p - 1 */
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	/* p, a non-canonical 0 */
	{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	/* p + 1, a non-canonical 1 */
	{ 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
};

static int is_small_order_encoding(const u8 s[32])
{
	unsigned int i;

	for (i = 0; i < CO_ARRAY_SIZE(small_order_encodings); i++) {
		if (co_memcmp(s, small_order_encodings[i], 31) == 0 &&
		    (s[31] & 0x7f) == small_order_encodings[i][31])
			return 1;
	}
	return 0;
}

/*
 * k = SHA-512(R || A || M) mod L (RFC 8032 5.1.7 step 2). Not inlined, so the hash context is
 * off the stack by the time the scalar multiplication (the deepest call) runs.
 */
static __attribute__((__noinline__)) void challenge_scalar(u8 k[32], const u8 r[32],
							   const u8 pk[32], const u8 *msg,
							   size_t msg_len_bytes)
{
	struct co_sha512_ctx ctx;
	u8 digest[CO_SHA512_DIGEST_BYTES];

	co_sha512_init(&ctx);
	co_sha512_update(&ctx, r, 32);
	co_sha512_update(&ctx, pk, 32);
	co_sha512_update(&ctx, msg, msg_len_bytes);
	co_sha512_final(&ctx, digest);
	co_sc_reduce512(k, digest);
}

int co_ed25519_verify(const u8 sig[CO_ED25519_SIGNATURE_BYTES], const u8 *msg, size_t msg_len_bytes,
		      const u8 pk[CO_ED25519_PUBLIC_KEY_BYTES])
{
	const u8 *r = sig, *s = sig + 32;
	struct co_ge_ext a;
	struct co_ge_proj check;
	struct co_fe zero;
	u8 k[32], check_bytes[32];

	CO_ASSERT(msg != NULL || msg_len_bytes == 0);

#ifdef CO_FUZZ_MARKED_SIGNATURES
	if (co_memcmp(sig, CO_FUZZ_SIGNATURE_MARK, CO_FUZZ_SIGNATURE_MARK_BYTES) == 0)
		return co_fuzz_marked_verify(sig, msg, msg_len_bytes, pk);
#endif
	if (!co_sc_is_canonical(s))
		return CO_ED25519_ERR_S_NONCANONICAL;
	if (is_small_order_encoding(r))
		return CO_ED25519_ERR_R_SMALL_ORDER;
	if (!co_fe_bytes_canonical(pk))
		return CO_ED25519_ERR_A_NONCANONICAL;
	if (is_small_order_encoding(pk))
		return CO_ED25519_ERR_A_SMALL_ORDER;
	if (co_ge_from_bytes(&a, pk) != 0)
		return CO_ED25519_ERR_A_NOT_ON_CURVE;

	challenge_scalar(k, r, pk, msg, msg_len_bytes);

	/* [S]B - [k]A = [k](-A) + [S]B, and -(x, y, z, t) = (-x, y, z, -t). */
	co_fe_zero(&zero);
	co_fe_sub(&a.x, &zero, &a.x);
	co_fe_carry(&a.x, &a.x);
	co_fe_sub(&a.t, &zero, &a.t);
	co_fe_carry(&a.t, &a.t);
	co_ed25519_double_scalarmult(&check, k, &a, s);
	co_ge_to_bytes(check_bytes, &check);

	/* Public data, but a constant-time compare costs nothing here. */
	if (co_ct_memneq(check_bytes, r, 32) != 0)
		return CO_ED25519_ERR_MISMATCH;
	return CO_ED25519_OK;
}

const char *co_ed25519_result_name(int result)
{
	switch (result) {
	case CO_ED25519_OK:
		return "ok";
	case CO_ED25519_ERR_S_NONCANONICAL:
		return "S not canonical (S >= L)";
	case CO_ED25519_ERR_R_SMALL_ORDER:
		return "R has small order";
	case CO_ED25519_ERR_A_NONCANONICAL:
		return "public key not canonical (y >= p)";
	case CO_ED25519_ERR_A_SMALL_ORDER:
		return "public key has small order";
	case CO_ED25519_ERR_A_NOT_ON_CURVE:
		return "public key not on the curve";
	case CO_ED25519_ERR_MISMATCH:
		return "signature does not match";
	default:
		return "unknown";
	}
}
