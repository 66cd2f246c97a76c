// SPDX-License-Identifier: GPL-2.0
/*
 * Arithmetic modulo L for Ed25519 verification: the canonical check on S and the reduction of
 * the 512-bit challenge hash, by Barrett reduction (Handbook of Applied Cryptography, 14.42) in
 * 64-bit words: b = 2^64, k = 4 words for L, mu = floor(b^8 / L).
 *
 * HAC bounds the quotient estimate q3 at most 2 below floor(x / L); for this L it is at most 1.
 * x/L - q3 is below x f / 2^512 + (x mod 2^192) mu / 2^512 + 1, with f = frac(2^512 / L) ~ 0.225
 * and the middle term < 2^192 2^260 / 2^512 = 2^-60, so below 2; hence one conditional
 * subtraction of L suffices (asserted).
 */
#include "ed25519_scalar.h"

const u8 co_ed25519_order[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

/* L in 64-bit words, little-endian word order, padded to 5 words. */
static const u64 sc_l[5] = {
	0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0x0000000000000000ULL, 0x1000000000000000ULL,
	0,
};

/* floor(2^512 / L), a 260-bit number. */
static const u64 sc_mu[5] = {
	0xed9ce5a30a2c131bULL, 0x2106215d086329a7ULL, 0xffffffffffffffebULL, 0xffffffffffffffffULL,
	0x000000000000000fULL,
};

int co_sc_is_canonical(const u8 s[32])
{
	int i;

	/* Most significant byte first: the first difference decides. */
	for (i = 31; i >= 0; i--) {
		if (s[i] < co_ed25519_order[i])
			return 1;
		if (s[i] > co_ed25519_order[i])
			return 0;
	}
	return 0; /* s == L */
}

/* r - L over 5 words into t (mod 2^320); returns the borrow out, 1 exactly when r < L. */
static u64 sc_sub_l(u64 t[5], const u64 r[5])
{
	u64 borrow = 0, diff;
	unsigned int i;

	for (i = 0; i < 5; i++) {
		diff = r[i] - sc_l[i];
		t[i] = diff - borrow;
		borrow = (u64)(r[i] < sc_l[i]) | (u64)(diff < borrow);
	}
	return borrow;
}

void co_sc_reduce512(u8 out[32], const u8 in[64])
{
	u64 x[8], q1[5], prod[10], r[5], t[5];
	co_u128 acc;
	u64 carry;
	unsigned int i, j;

	for (i = 0; i < 8; i++)
		x[i] = co_load_le64(in + 8 * i);

	/* q1 = floor(x / b^(k-1)) = words 3..7 of x. */
	for (i = 0; i < 5; i++)
		q1[i] = x[i + 3];

	/* prod = q1 * mu (10 words); q3 = floor(prod / b^(k+1)) = words 5..9. */
	for (i = 0; i < 10; i++)
		prod[i] = 0;
	for (i = 0; i < 5; i++) {
		carry = 0;
		for (j = 0; j < 5; j++) {
			acc = (co_u128)q1[i] * sc_mu[j] + prod[i + j] + carry;
			prod[i + j] = (u64)acc;
			carry = (u64)(acc >> 64);
		}
		prod[i + 5] = carry;
	}

	/* r = (x mod b^5) - (q3 * L mod b^5), mod 2^320: the true difference is in [0, 2L). */
	for (i = 0; i < 5; i++)
		r[i] = 0;
	for (i = 0; i < 5; i++) {
		carry = 0;
		for (j = 0; i + j < 5; j++) {
			acc = (co_u128)prod[5 + i] * sc_l[j] + r[i + j] + carry;
			r[i + j] = (u64)acc;
			carry = (u64)(acc >> 64);
		}
	}
	carry = 0;
	for (i = 0; i < 5; i++) {
		u64 xi = x[i], ri = r[i], d = xi - ri - carry;

		carry = (u64)(xi < ri) | (u64)((xi - ri) < carry);
		r[i] = d;
	}

	if (sc_sub_l(t, r) == 0) {
		for (i = 0; i < 5; i++)
			r[i] = t[i];
	}
	CO_ASSERT(sc_sub_l(t, r) == 1); /* r < L */
	CO_ASSERT(r[4] == 0);

	for (i = 0; i < 4; i++)
		co_store_le64(out + 8 * i, r[i]);
}
