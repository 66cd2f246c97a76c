/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The base every file under coconut-kernel/ includes first: fixed-width types, memory helpers
 * and assertions, defined so the same source builds as a Linux module (__KERNEL__), as the
 * kernel-flags check (freestanding, -nostdinc) and as the userspace library the simulator and
 * tests link. Nothing here may pull in libc.
 */
#ifndef COCONUT_COMPILER_H
#define COCONUT_COMPILER_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/bug.h>
#else
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT8_TYPE__ s8;
typedef __INT16_TYPE__ s16;
typedef __INT32_TYPE__ s32;
typedef __INT64_TYPE__ s64;
typedef __SIZE_TYPE__ size_t;
typedef __UINTPTR_TYPE__ uintptr_t;
#ifndef __cplusplus
typedef _Bool bool;
#define true 1
#define false 0
#endif
#ifndef NULL
#ifdef __cplusplus
#define NULL nullptr
#else
#define NULL ((void *)0)
#endif
#endif
#endif /* __KERNEL__ */

/* 128-bit products for the field arithmetic; the kernel uses them too (lib/crypto). */
typedef unsigned __int128 co_u128;

#define CO_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CO_LIKELY(x) __builtin_expect(!!(x), 1)
#define CO_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CO_MIN(a, b) ((a) < (b) ? (a) : (b))
/* x is a power of two (a constant expression for a constant x: usable in CO_STATIC_ASSERT). */
#define CO_IS_POW2(x) ((x) != 0 && ((x) & ((x) - 1)) == 0)
#define CO_MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * The compiler lowers these to inline code or to memcpy/memset/memmove/memcmp, which both
 * the kernel and libc provide; the kernel-flags check allows exactly those undefined symbols.
 */
#define co_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define co_memset(d, c, n) __builtin_memset((d), (c), (n))
#define co_memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define co_memcmp(a, b, n) __builtin_memcmp((a), (b), (n))

/* Bits needed to hold x (0 for 0): fls64 in Linux. */
static inline u32 co_bits64(u64 x)
{
	return x ? 64u - (u32)__builtin_clzll(x) : 0u;
}

/* C11's keyword in the kernel C; C++'s own when a test or the simulator includes a header. */
#ifdef __cplusplus
#define CO_STATIC_ASSERT(c, msg) static_assert(c, msg)
#else
#define CO_STATIC_ASSERT(c, msg) _Static_assert(c, msg)
#endif

/*
 * Assertions guard invariants (programmer errors), never user input: input errors return an
 * errno. In the kernel a broken invariant is a BUG; in userspace it reaches co_assert_fail(),
 * which the simulator turns into a report naming the seed.
 */
#ifdef __KERNEL__
#define CO_ASSERT(c) BUG_ON(!(c))
#else
#ifdef __cplusplus
extern "C" {
#endif
void co_assert_fail(const char *expr, const char *file, int line) __attribute__((__noreturn__));
#ifdef __cplusplus
}
#endif
#define CO_ASSERT(c)                                                                          \
	do {                                                                                  \
		if (CO_UNLIKELY(!(c)))                                                        \
			co_assert_fail(#c, __FILE__, __LINE__);                               \
	} while (0)
#endif

/* Little-endian loads and stores, byte by byte: no alignment or host-endianness assumptions. */
static inline u32 co_load_le32(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}

static inline u64 co_load_le64(const u8 *p)
{
	return (u64)co_load_le32(p) | ((u64)co_load_le32(p + 4) << 32);
}

static inline void co_store_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

static inline void co_store_le64(u8 *p, u64 v)
{
	co_store_le32(p, (u32)v);
	co_store_le32(p + 4, (u32)(v >> 32));
}

static inline u64 co_load_be64(const u8 *p)
{
	/* One expression, so the compiler emits a load and a byte swap rather than a loop. */
	return ((u64)p[0] << 56) | ((u64)p[1] << 48) | ((u64)p[2] << 40) | ((u64)p[3] << 32) |
	       ((u64)p[4] << 24) | ((u64)p[5] << 16) | ((u64)p[6] << 8) | (u64)p[7];
}

static inline void co_store_be64(u8 *p, u64 v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (u8)v;
		v >>= 8;
	}
}

/* Constant-time equality for secrets and MACs: 0 when equal, -1 otherwise. */
static inline int co_ct_memneq(const u8 *a, const u8 *b, size_t n)
{
	u8 d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (u8)(a[i] ^ b[i]);
	return (int)((1 & ((u32)(d - 1) >> 8)) - 1);
}

#endif /* COCONUT_COMPILER_H */
