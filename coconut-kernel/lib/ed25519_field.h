/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GF(p), p = 2^255 - 19, for Ed25519 verification: internal to coconut-kernel/lib.
 *
 * An element is five 64-bit limbs of 51 bits (radix 2^51): value = sum v[i] * 2^(51 i). Limbs
 * may exceed 51 bits between operations ("lazy" carries); the bounds below are what keeps the
 * 128-bit products and the carries from overflowing. Every operation here is variable-time
 * free anyway, but only public data (signatures, keys) reaches it.
 *
 * Bounds, per limb:
 *  - "tight": < 2^51 + 2^13. Outputs of co_fe_mul/co_fe_sq/co_fe_carry and co_fe_from_bytes.
 *  - co_fe_mul/co_fe_sq accept inputs < 2^54 per limb: then every column sum stays below
 *    2^115, the carry out of the top limb times 19 stays below 2^64, and the output is tight.
 *  - co_fe_add of two tight values: < 2^53. co_fe_sub adds 2p first, so its subtrahend must
 *    be tight (2p's limbs are >= 2^52 - 38); co_fe_sub_wide adds 4p, for subtrahends < 2^53.
 * The point formulas (ed25519_point.c) state which bound each intermediate meets.
 */
#ifndef COCONUT_ED25519_FIELD_H
#define COCONUT_ED25519_FIELD_H

#include "coconut/compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CO_FE_LIMB_BITS 51
#define CO_FE_MASK ((1ULL << CO_FE_LIMB_BITS) - 1)

struct co_fe {
	u64 v[5];
};

/*
 * Multiplication and squaring are most of the verifier's time; gcc stops inlining them after
 * a few uses per function, and the call costs about 3% of a verification.
 */
#define CO_FE_HOT static inline __attribute__((__always_inline__))

/* Constants (values mod p): Edwards d = -121665/121666, 2d, sqrt(-1) = 2^((p-1)/4). */
extern const struct co_fe co_fe_d;
extern const struct co_fe co_fe_d2;
extern const struct co_fe co_fe_sqrtm1;

static inline void co_fe_zero(struct co_fe *out)
{
	out->v[0] = 0;
	out->v[1] = 0;
	out->v[2] = 0;
	out->v[3] = 0;
	out->v[4] = 0;
}

static inline void co_fe_one(struct co_fe *out)
{
	co_fe_zero(out);
	out->v[0] = 1;
}

static inline void co_fe_add(struct co_fe *out, const struct co_fe *a, const struct co_fe *b)
{
	out->v[0] = a->v[0] + b->v[0];
	out->v[1] = a->v[1] + b->v[1];
	out->v[2] = a->v[2] + b->v[2];
	out->v[3] = a->v[3] + b->v[3];
	out->v[4] = a->v[4] + b->v[4];
}

/* a - b + 2p, so no limb goes negative; b tight. */
static inline void co_fe_sub(struct co_fe *out, const struct co_fe *a, const struct co_fe *b)
{
	out->v[0] = (a->v[0] + 0xfffffffffffdaULL) - b->v[0];
	out->v[1] = (a->v[1] + 0xffffffffffffeULL) - b->v[1];
	out->v[2] = (a->v[2] + 0xffffffffffffeULL) - b->v[2];
	out->v[3] = (a->v[3] + 0xffffffffffffeULL) - b->v[3];
	out->v[4] = (a->v[4] + 0xffffffffffffeULL) - b->v[4];
}

/* a - b + 4p, for b up to 2^53 - 76 per limb (a sum of two tight values). */
static inline void co_fe_sub_wide(struct co_fe *out, const struct co_fe *a, const struct co_fe *b)
{
	out->v[0] = (a->v[0] + 0x1fffffffffffb4ULL) - b->v[0];
	out->v[1] = (a->v[1] + 0x1ffffffffffffcULL) - b->v[1];
	out->v[2] = (a->v[2] + 0x1ffffffffffffcULL) - b->v[2];
	out->v[3] = (a->v[3] + 0x1ffffffffffffcULL) - b->v[3];
	out->v[4] = (a->v[4] + 0x1ffffffffffffcULL) - b->v[4];
}

/*
 * Column sums r0..r4 (each < 2^115) to a tight element. The top carry wraps to limb 0 times
 * 19 because 2^255 = 19 (mod p); a second, short carry keeps limb 0 under 2^51.
 */
CO_FE_HOT void co_fe_carry_wide(struct co_fe *out, co_u128 r0, co_u128 r1, co_u128 r2, co_u128 r3,
				co_u128 r4)
{
	u64 o0, o1, o2, o3, o4, c;

	r1 += (u64)(r0 >> CO_FE_LIMB_BITS);
	o0 = (u64)r0 & CO_FE_MASK;
	r2 += (u64)(r1 >> CO_FE_LIMB_BITS);
	o1 = (u64)r1 & CO_FE_MASK;
	r3 += (u64)(r2 >> CO_FE_LIMB_BITS);
	o2 = (u64)r2 & CO_FE_MASK;
	r4 += (u64)(r3 >> CO_FE_LIMB_BITS);
	o3 = (u64)r3 & CO_FE_MASK;
	c = (u64)(r4 >> CO_FE_LIMB_BITS);
	o4 = (u64)r4 & CO_FE_MASK;
	o0 += c * 19;
	o1 += o0 >> CO_FE_LIMB_BITS;
	o0 &= CO_FE_MASK;

	out->v[0] = o0;
	out->v[1] = o1;
	out->v[2] = o2;
	out->v[3] = o3;
	out->v[4] = o4;
}

/* Schoolbook 5x5 with the high half folded in as *19 (2^255 = 19 mod p). Inputs < 2^54. */
CO_FE_HOT void co_fe_mul(struct co_fe *out, const struct co_fe *a, const struct co_fe *b)
{
	u64 a0 = a->v[0], a1 = a->v[1], a2 = a->v[2], a3 = a->v[3], a4 = a->v[4];
	u64 b0 = b->v[0], b1 = b->v[1], b2 = b->v[2], b3 = b->v[3], b4 = b->v[4];
	u64 b1_19 = 19 * b1, b2_19 = 19 * b2, b3_19 = 19 * b3, b4_19 = 19 * b4;
	co_u128 r0, r1, r2, r3, r4;

	r0 = (co_u128)a0 * b0 + (co_u128)a1 * b4_19 + (co_u128)a2 * b3_19 +
	     (co_u128)a3 * b2_19 + (co_u128)a4 * b1_19;
	r1 = (co_u128)a0 * b1 + (co_u128)a1 * b0 + (co_u128)a2 * b4_19 + (co_u128)a3 * b3_19 +
	     (co_u128)a4 * b2_19;
	r2 = (co_u128)a0 * b2 + (co_u128)a1 * b1 + (co_u128)a2 * b0 + (co_u128)a3 * b4_19 +
	     (co_u128)a4 * b3_19;
	r3 = (co_u128)a0 * b3 + (co_u128)a1 * b2 + (co_u128)a2 * b1 + (co_u128)a3 * b0 +
	     (co_u128)a4 * b4_19;
	r4 = (co_u128)a0 * b4 + (co_u128)a1 * b3 + (co_u128)a2 * b2 + (co_u128)a3 * b1 +
	     (co_u128)a4 * b0;
	co_fe_carry_wide(out, r0, r1, r2, r3, r4);
}

/* a^2 with the symmetric products computed once (15 multiplications instead of 25). */
CO_FE_HOT void co_fe_sq(struct co_fe *out, const struct co_fe *a)
{
	u64 a0 = a->v[0], a1 = a->v[1], a2 = a->v[2], a3 = a->v[3], a4 = a->v[4];
	u64 a0_2 = 2 * a0, a1_2 = 2 * a1, a2_2 = 2 * a2, a3_2 = 2 * a3;
	u64 a3_19 = 19 * a3, a4_19 = 19 * a4;
	co_u128 r0, r1, r2, r3, r4;

	r0 = (co_u128)a0 * a0 + (co_u128)a1_2 * a4_19 + (co_u128)a2_2 * a3_19;
	r1 = (co_u128)a0_2 * a1 + (co_u128)a2_2 * a4_19 + (co_u128)a3 * a3_19;
	r2 = (co_u128)a0_2 * a2 + (co_u128)a1 * a1 + (co_u128)a3_2 * a4_19;
	r3 = (co_u128)a0_2 * a3 + (co_u128)a1_2 * a2 + (co_u128)a4 * a4_19;
	r4 = (co_u128)a0_2 * a4 + (co_u128)a1_2 * a3 + (co_u128)a2 * a2;
	co_fe_carry_wide(out, r0, r1, r2, r3, r4);
}

/* Any element with limbs < 2^54 to a tight one, same value mod p. */
static inline void co_fe_carry(struct co_fe *out, const struct co_fe *a)
{
	co_fe_carry_wide(out, a->v[0], a->v[1], a->v[2], a->v[3], a->v[4]);
}

/* a^(2^n) by n squarings; n >= 1. */
void co_fe_sq_n(struct co_fe *out, const struct co_fe *a, unsigned int n);
/* 1/a = a^(p-2); 0 maps to 0 (callers never invert 0: Z of a point is never 0). */
void co_fe_invert(struct co_fe *out, const struct co_fe *a);
/* a^((p-5)/8) = a^(2^252 - 3), the exponent of the square root in RFC 8032 5.1.3. */
void co_fe_pow2523(struct co_fe *out, const struct co_fe *a);
/* The canonical 32-byte little-endian encoding (value fully reduced mod p, top bit 0). */
void co_fe_to_bytes(u8 out[32], const struct co_fe *a);
/* Bits 0..254 of s as an element (bit 255 ignored; values >= p are reduced implicitly). */
void co_fe_from_bytes(struct co_fe *out, const u8 s[32]);
/* 1 when a = 0 (mod p), else 0. */
int co_fe_is_zero(const struct co_fe *a);
/* 1 when a = b (mod p), else 0; both tight. */
int co_fe_equal(const struct co_fe *a, const struct co_fe *b);
/* The low bit of the canonical value: the "sign" of x in RFC 8032 5.1.2. */
int co_fe_is_odd(const struct co_fe *a);
/* 1 when bits 0..254 of s encode a value < p (bit 255 ignored), else 0. */
int co_fe_bytes_canonical(const u8 s[32]);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_ED25519_FIELD_H */
