// SPDX-License-Identifier: GPL-2.0
/*
 * GF(2^255 - 19): the parts of the field arithmetic that are not hot enough to inline
 * (exponentiations, encoding). See ed25519_field.h for the representation and its bounds.
 */
#include "ed25519_field.h"

/* -121665/121666 mod p (RFC 8032 5.1), in radix 2^51. */
const struct co_fe co_fe_d = { { 0x34dca135978a3ULL, 0x1a8283b156ebdULL, 0x5e7a26001c029ULL,
				 0x739c663a03cbbULL, 0x52036cee2b6ffULL } };
const struct co_fe co_fe_d2 = { { 0x69b9426b2f159ULL, 0x35050762add7aULL, 0x3cf44c0038052ULL,
				  0x6738cc7407977ULL, 0x2406d9dc56dffULL } };
/* 2^((p-1)/4) mod p, a square root of -1. */
const struct co_fe co_fe_sqrtm1 = { { 0x61b274a0ea0b0ULL, 0x0d5a5fc8f189dULL, 0x7ef5e9cbd0c60ULL,
				      0x78595a6804c9eULL, 0x2b8324804fc1dULL } };

void co_fe_sq_n(struct co_fe *out, const struct co_fe *a, unsigned int n)
{
	unsigned int i;

	CO_ASSERT(n >= 1 && n <= 255);
	co_fe_sq(out, a);
	for (i = 1; i < n; i++)
		co_fe_sq(out, out);
}

/*
 * a^(2^250 - 1), shared by the inverse and the square-root exponent. The chain builds
 * a^(2^k - 1) for k = 5, 10, 20, 40, 50, 100, 200, 250: a^(2^(j+k) - 1) is
 * (a^(2^j - 1))^(2^k) * a^(2^k - 1). Also returns a^11, which the inverse needs.
 */
static void fe_pow_2_250_minus_1(struct co_fe *out, struct co_fe *a11, const struct co_fe *a)
{
	struct co_fe t0, t1, t2;

	co_fe_sq(&t0, a);		/* a^2 */
	co_fe_sq_n(&t1, &t0, 2);	/* a^8 */
	co_fe_mul(&t1, &t1, a);		/* a^9 */
	co_fe_mul(a11, &t0, &t1);	/* a^11 */
	co_fe_sq(&t0, a11);		/* a^22 */
	co_fe_mul(&t1, &t1, &t0);	/* a^31 = a^(2^5 - 1) */
	co_fe_sq_n(&t0, &t1, 5);
	co_fe_mul(&t1, &t0, &t1);	/* a^(2^10 - 1) */
	co_fe_sq_n(&t0, &t1, 10);
	co_fe_mul(&t0, &t0, &t1);	/* a^(2^20 - 1) */
	co_fe_sq_n(&t2, &t0, 20);
	co_fe_mul(&t0, &t2, &t0);	/* a^(2^40 - 1) */
	co_fe_sq_n(&t0, &t0, 10);
	co_fe_mul(&t1, &t0, &t1);	/* a^(2^50 - 1) */
	co_fe_sq_n(&t0, &t1, 50);
	co_fe_mul(&t0, &t0, &t1);	/* a^(2^100 - 1) */
	co_fe_sq_n(&t2, &t0, 100);
	co_fe_mul(&t0, &t2, &t0);	/* a^(2^200 - 1) */
	co_fe_sq_n(&t0, &t0, 50);
	co_fe_mul(out, &t0, &t1);	/* a^(2^250 - 1) */
}

void co_fe_invert(struct co_fe *out, const struct co_fe *a)
{
	struct co_fe t, a11;

	/* p - 2 = 2^255 - 21 = (2^250 - 1) * 2^5 + 11 */
	fe_pow_2_250_minus_1(&t, &a11, a);
	co_fe_sq_n(&t, &t, 5);
	co_fe_mul(out, &t, &a11);
}

void co_fe_pow2523(struct co_fe *out, const struct co_fe *a)
{
	struct co_fe t, a11;

	/* 2^252 - 3 = (2^250 - 1) * 2^2 + 1 */
	fe_pow_2_250_minus_1(&t, &a11, a);
	co_fe_sq_n(&t, &t, 2);
	co_fe_mul(out, &t, a);
}

/* Limbs < 2^54 to limbs < 2^51 with the value < 2^255 (not yet necessarily < p). */
static void fe_carry_strict(u64 h[5], const struct co_fe *a)
{
	unsigned int pass, i;

	for (i = 0; i < 5; i++)
		h[i] = a->v[i];
	/*
	 * Pass one leaves a carry of at most 2^3 + 1 into limb 0; pass two can only carry out of
	 * limb 4 if pass one's limb-0 carry rippled all the way, in which case limb 0 is small
	 * and adding 19 cannot overflow it again.
	 */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 4; i++) {
			h[i + 1] += h[i] >> CO_FE_LIMB_BITS;
			h[i] &= CO_FE_MASK;
		}
		h[0] += 19 * (h[4] >> CO_FE_LIMB_BITS);
		h[4] &= CO_FE_MASK;
	}
}

void co_fe_to_bytes(u8 out[32], const struct co_fe *a)
{
	u64 h[5];
	u64 q;
	unsigned int i;

	fe_carry_strict(h, a);
	/* q = 1 exactly when h >= p, i.e. when h + 19 reaches 2^255; h - p is h + 19 - 2^255. */
	q = (h[0] + 19) >> CO_FE_LIMB_BITS;
	for (i = 1; i < 5; i++)
		q = (h[i] + q) >> CO_FE_LIMB_BITS;
	h[0] += 19 * q;
	for (i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> CO_FE_LIMB_BITS;
		h[i] &= CO_FE_MASK;
	}
	h[4] &= CO_FE_MASK; /* drops the 2^255 */

	co_store_le64(out, h[0] | (h[1] << 51));
	co_store_le64(out + 8, (h[1] >> 13) | (h[2] << 38));
	co_store_le64(out + 16, (h[2] >> 26) | (h[3] << 25));
	co_store_le64(out + 24, (h[3] >> 39) | (h[4] << 12));
}

void co_fe_from_bytes(struct co_fe *out, const u8 s[32])
{
	/* Limb i holds bits 51i .. 51i + 50; read 64 bits from the byte holding bit 51i. */
	out->v[0] = co_load_le64(s) & CO_FE_MASK;
	out->v[1] = (co_load_le64(s + 6) >> 3) & CO_FE_MASK;
	out->v[2] = (co_load_le64(s + 12) >> 6) & CO_FE_MASK;
	out->v[3] = (co_load_le64(s + 19) >> 1) & CO_FE_MASK;
	out->v[4] = (co_load_le64(s + 24) >> 12) & CO_FE_MASK;
}

int co_fe_is_zero(const struct co_fe *a)
{
	static const u8 zero[32];
	u8 s[32];

	co_fe_to_bytes(s, a);
	return co_memcmp(s, zero, 32) == 0;
}

int co_fe_equal(const struct co_fe *a, const struct co_fe *b)
{
	struct co_fe diff;

	co_fe_sub(&diff, a, b);
	return co_fe_is_zero(&diff);
}

int co_fe_is_odd(const struct co_fe *a)
{
	u8 s[32];

	co_fe_to_bytes(s, a);
	return s[0] & 1;
}

int co_fe_bytes_canonical(const u8 s[32])
{
	unsigned int i;

	/* p = 0x7fff...ffed: a value >= p has bits 8..254 all set and a low byte >= 0xed. */
	if ((s[31] & 0x7f) != 0x7f)
		return 1;
	for (i = 30; i >= 1; i--) {
		if (s[i] != 0xff)
			return 1;
	}
	return s[0] < 0xed;
}
