// SPDX-License-Identifier: GPL-2.0
/*
 * edwards25519 group operations and the double scalar multiplication that verification needs.
 * Formulas: Hisil, Wong, Carter, Dawson 2008 ("dbl-2008-hwcd", "add-2008-hwcd-3") with a = -1.
 * The limb bound each intermediate meets is noted where it matters (see ed25519_field.h).
 */
#include "ed25519_point.h"

/*
 * The group operations are not inlined: inlined into the scalar multiplication loop, their
 * temporaries were not shared and pushed its frame near the kernel's 2 KiB limit; a call per
 * point operation costs well under 1% of the field work it does.
 */
#define GE_NOINLINE __attribute__((__noinline__))

static void ge_identity(struct co_ge_proj *out)
{
	co_fe_zero(&out->x);
	co_fe_one(&out->y);
	co_fe_one(&out->z);
}

void co_ge_ext_to_proj(struct co_ge_proj *out, const struct co_ge_ext *p)
{
	out->x = p->x;
	out->y = p->y;
	out->z = p->z;
}

static GE_NOINLINE void ge_comp_to_proj(struct co_ge_proj *out, const struct co_ge_comp *c)
{
	co_fe_mul(&out->x, &c->e, &c->f);
	co_fe_mul(&out->y, &c->g, &c->h);
	co_fe_mul(&out->z, &c->f, &c->g);
}

static GE_NOINLINE void ge_comp_to_ext(struct co_ge_ext *out, const struct co_ge_comp *c)
{
	co_fe_mul(&out->x, &c->e, &c->f);
	co_fe_mul(&out->y, &c->g, &c->h);
	co_fe_mul(&out->z, &c->f, &c->g);
	co_fe_mul(&out->t, &c->e, &c->h);
}

static void ge_ext_to_cached(struct co_ge_cached *out, const struct co_ge_ext *p)
{
	struct co_fe t;

	/* Carried to tight so that the additions may treat these like products. */
	co_fe_add(&t, &p->y, &p->x);
	co_fe_carry(&out->ypx, &t);
	co_fe_sub(&t, &p->y, &p->x);
	co_fe_carry(&out->ymx, &t);
	co_fe_add(&t, &p->z, &p->z);
	co_fe_carry(&out->z2, &t);
	co_fe_mul(&out->t2d, &p->t, &co_fe_d2);
}

/*
 * dbl-2008-hwcd, a = -1: A = X^2, B = Y^2, C = 2Z^2, E = (X+Y)^2 - A - B, G = B - A,
 * F = G - C, H = -A - B. Input tight (a product).
 */
static GE_NOINLINE void ge_double(struct co_ge_comp *out, const struct co_ge_proj *p)
{
	struct co_fe a, b, c, ab, s;

	co_fe_sq(&a, &p->x);
	co_fe_sq(&b, &p->y);
	co_fe_sq(&c, &p->z);
	co_fe_add(&c, &c, &c);			/* < 2^53 */
	co_fe_add(&s, &p->x, &p->y);		/* < 2^53 */
	co_fe_sq(&s, &s);
	co_fe_add(&ab, &a, &b);			/* < 2^53 */
	co_fe_sub_wide(&out->e, &s, &ab);	/* < 2^54 */
	co_fe_sub(&out->g, &b, &a);		/* < 2^53 */
	co_fe_sub_wide(&out->f, &out->g, &c);	/* < 2^54 */
	co_fe_zero(&s);
	co_fe_sub_wide(&out->h, &s, &ab);	/* < 2^53 */
}

/*
 * add-2008-hwcd-3, a = -1, k = 2d: A = (Y1-X1)(Y2-X2), B = (Y1+X1)(Y2+X2), C = T1 2dT2,
 * D = Z1 2Z2, E = B - A, F = D - C, G = D + C, H = B + A. Subtraction adds -Q, which swaps
 * Y2+X2 with Y2-X2 and negates 2dT2. p tight (products); q tight (ge_ext_to_cached).
 */
static GE_NOINLINE void ge_add_cached(struct co_ge_comp *out, const struct co_ge_ext *p,
				      const struct co_ge_cached *q, int negate)
{
	struct co_fe a, b, c, d, t;

	co_fe_sub(&t, &p->y, &p->x);		/* < 2^53 */
	co_fe_mul(&a, &t, negate ? &q->ypx : &q->ymx);
	co_fe_add(&t, &p->y, &p->x);		/* < 2^53 */
	co_fe_mul(&b, &t, negate ? &q->ymx : &q->ypx);
	co_fe_mul(&c, &p->t, &q->t2d);
	co_fe_mul(&d, &p->z, &q->z2);
	co_fe_sub(&out->e, &b, &a);		/* every output < 2^53 */
	co_fe_add(&out->h, &b, &a);
	if (negate) {
		co_fe_add(&out->f, &d, &c);
		co_fe_sub(&out->g, &d, &c);
	} else {
		co_fe_sub(&out->f, &d, &c);
		co_fe_add(&out->g, &d, &c);
	}
}

/* The same with Z2 = 1 (affine table entry): D = 2 Z1, one multiplication fewer. */
static GE_NOINLINE void ge_add_niels(struct co_ge_comp *out, const struct co_ge_ext *p,
				     const struct co_ge_niels *q, int negate)
{
	struct co_fe a, b, c, d, t;

	co_fe_sub(&t, &p->y, &p->x);
	co_fe_mul(&a, &t, negate ? &q->ypx : &q->ymx);
	co_fe_add(&t, &p->y, &p->x);
	co_fe_mul(&b, &t, negate ? &q->ymx : &q->ypx);
	co_fe_mul(&c, &p->t, &q->xy2d);
	co_fe_add(&d, &p->z, &p->z);		/* < 2^53 */
	co_fe_sub(&out->e, &b, &a);
	co_fe_add(&out->h, &b, &a);
	if (negate) {
		co_fe_add(&out->f, &d, &c);	/* < 2^54 */
		co_fe_sub(&out->g, &d, &c);	/* < 2^54 */
	} else {
		co_fe_sub(&out->f, &d, &c);
		co_fe_add(&out->g, &d, &c);
	}
}

int co_ge_from_bytes(struct co_ge_ext *out, const u8 s[32])
{
	struct co_fe y, y2, u, v, v3, t, x, vx2, neg_u;
	int sign = s[31] >> 7;

	co_fe_from_bytes(&y, s);
	co_fe_sq(&y2, &y);
	co_fe_one(&t);
	co_fe_sub(&u, &y2, &t);			/* u = y^2 - 1 */
	co_fe_mul(&v, &y2, &co_fe_d);
	co_fe_add(&v, &v, &t);			/* v = d y^2 + 1, never 0: -1/d is not a square */

	/* RFC 8032 5.1.3 step 2: x = u v^3 (u v^7)^((p-5)/8). */
	co_fe_sq(&v3, &v);
	co_fe_mul(&v3, &v3, &v);		/* v^3 */
	co_fe_sq(&t, &v3);
	co_fe_mul(&t, &t, &v);			/* v^7 */
	co_fe_mul(&t, &t, &u);			/* u v^7 */
	co_fe_pow2523(&t, &t);
	co_fe_mul(&x, &v3, &u);
	co_fe_mul(&x, &x, &t);

	/* Step 3: x is a root when v x^2 = u, sqrt(-1) x is when v x^2 = -u, none otherwise. */
	co_fe_sq(&vx2, &x);
	co_fe_mul(&vx2, &vx2, &v);
	co_fe_carry(&u, &u);
	if (!co_fe_equal(&vx2, &u)) {
		co_fe_zero(&t);
		co_fe_sub(&neg_u, &t, &u);
		co_fe_carry(&neg_u, &neg_u);
		if (!co_fe_equal(&vx2, &neg_u))
			return -1;
		co_fe_mul(&x, &x, &co_fe_sqrtm1);
	}

	/* Step 4. */
	if (co_fe_is_zero(&x) && sign)
		return -1;
	if (co_fe_is_odd(&x) != sign) {
		co_fe_zero(&t);
		co_fe_sub(&x, &t, &x);
		co_fe_carry(&x, &x);
	}

	out->x = x;
	out->y = y;
	co_fe_one(&out->z);
	co_fe_mul(&out->t, &x, &y);
	return 0;
}

void co_ge_to_bytes(u8 out[32], const struct co_ge_proj *p)
{
	struct co_fe zinv, x, y;

	co_fe_invert(&zinv, &p->z);
	co_fe_mul(&x, &p->x, &zinv);
	co_fe_mul(&y, &p->y, &zinv);
	co_fe_to_bytes(out, &y);
	out[31] = (u8)(out[31] | (co_fe_is_odd(&x) << 7));
}

unsigned int co_ed25519_wnaf(struct co_wnaf_digit *digits, unsigned int digits_max,
			     const u8 scalar[32], unsigned int width)
{
	const u32 window_mask = (1u << width) - 1;
	const u32 half = 1u << (width - 1);
	unsigned int pos = 0, carry = 0, count = 0;
	u32 window, bits;
	unsigned int byte, shift;
	int value;

	CO_ASSERT(width >= 2 && width <= 8);
	CO_ASSERT(digits_max >= CO_WNAF_DIGITS_MAX(width));
	CO_ASSERT((scalar[31] & 0x80) == 0);

	/*
	 * Invariant: the part of the scalar not yet written as digits equals
	 * (scalar >> pos) + carry, times 2^pos. An even window emits nothing and moves one bit
	 * (the carry survives unchanged: an even bit + carry means both 0 or both 1); an odd one
	 * emits the signed residue mod 2^w, skips the w - 1 zero digits after it, and carries 1
	 * when the residue was taken negative. pos grows every iteration, so the loop is bounded,
	 * and digits are at least w apart, so there are at most 256/w + 1 of them.
	 */
	while (pos < 256) {
		byte = pos >> 3;
		shift = pos & 7;
		/* The w <= 8 bits at pos span at most two bytes. */
		bits = scalar[byte];
		if (byte + 1 < 32)
			bits |= (u32)scalar[byte + 1] << 8;
		window = ((bits >> shift) & window_mask) + carry;
		if ((window & 1) == 0) {
			pos++;
			continue;
		}
		if (window < half) {
			value = (int)window;
			carry = 0;
		} else {
			value = (int)window - (int)(1u << width);
			carry = 1;
		}
		CO_ASSERT(count < digits_max);
		digits[count].pos = (u8)pos;
		digits[count].value = (s8)value;
		count++;
		pos += width;
	}
	/* A scalar below 2^255 never leaves a carry past bit 255. */
	CO_ASSERT(carry == 0);
	return count;
}

/* Cached odd multiples A, 3A, ..., (2n - 1)A. */
static GE_NOINLINE void ge_var_table(struct co_ge_cached table[CO_ED25519_VAR_TABLE_ENTRIES],
				     const struct co_ge_ext *A)
{
	struct co_ge_comp c;
	struct co_ge_ext a2, cur;
	struct co_ge_proj p;
	unsigned int i;

	ge_ext_to_cached(&table[0], A);
	co_ge_ext_to_proj(&p, A);
	ge_double(&c, &p);
	ge_comp_to_ext(&a2, &c);
	for (i = 1; i < CO_ED25519_VAR_TABLE_ENTRIES; i++) {
		/* (2i + 1)A = (2i - 1)A + 2A */
		ge_add_cached(&c, &a2, &table[i - 1], 0);
		ge_comp_to_ext(&cur, &c);
		ge_ext_to_cached(&table[i], &cur);
	}
}

void co_ed25519_double_scalarmult(struct co_ge_proj *out, const u8 a[32], const struct co_ge_ext *A,
				  const u8 b[32])
{
	struct co_ge_cached table[CO_ED25519_VAR_TABLE_ENTRIES];
	struct co_wnaf_digit a_digits[CO_WNAF_DIGITS_MAX(CO_ED25519_VAR_WNAF_WIDTH)];
	struct co_wnaf_digit b_digits[CO_WNAF_DIGITS_MAX(CO_ED25519_BASE_WNAF_WIDTH)];
	unsigned int a_count, b_count;
	struct co_ge_comp c;
	struct co_ge_ext e;
	struct co_ge_proj r;
	int i, top, d;

	a_count = co_ed25519_wnaf(a_digits, CO_ARRAY_SIZE(a_digits), a, CO_ED25519_VAR_WNAF_WIDTH);
	b_count = co_ed25519_wnaf(b_digits, CO_ARRAY_SIZE(b_digits), b, CO_ED25519_BASE_WNAF_WIDTH);
	ge_identity(out);
	if (a_count == 0 && b_count == 0)
		return;
	top = -1;
	if (a_count > 0)
		top = a_digits[a_count - 1].pos;
	if (b_count > 0 && b_digits[b_count - 1].pos > top)
		top = b_digits[b_count - 1].pos;

	if (a_count > 0)
		ge_var_table(table, A);
	ge_identity(&r);
	/*
	 * Left to right: double, then add the table entries the digits at this position name
	 * (digits are consumed from the end of each list). The running point stays projective
	 * between doublings and becomes extended only before an addition.
	 */
	for (i = top; i >= 0; i--) {
		ge_double(&c, &r);
		if (a_count > 0 && a_digits[a_count - 1].pos == i) {
			d = a_digits[--a_count].value;
			ge_comp_to_ext(&e, &c);
			ge_add_cached(&c, &e, &table[(d < 0 ? -d : d) >> 1], d < 0);
		}
		if (b_count > 0 && b_digits[b_count - 1].pos == i) {
			d = b_digits[--b_count].value;
			ge_comp_to_ext(&e, &c);
			ge_add_niels(&c, &e, &co_ed25519_base_odd_multiples[(d < 0 ? -d : d) >> 1],
				     d < 0);
		}
		ge_comp_to_proj(&r, &c);
	}
	CO_ASSERT(a_count == 0 && b_count == 0);
	*out = r;
}
