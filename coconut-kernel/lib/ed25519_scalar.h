/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scalars modulo the prime order of the Ed25519 base point,
 * L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 5.1). Internal to
 * coconut-kernel/lib; scalars are 32-byte little-endian strings as on the wire.
 */
#ifndef COCONUT_ED25519_SCALAR_H
#define COCONUT_ED25519_SCALAR_H

#include "coconut/compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

/* L itself, little-endian. */
extern const u8 co_ed25519_order[32];

/* 1 when s < L (the only encoding RFC 8032 5.1.7 accepts for S), else 0. */
int co_sc_is_canonical(const u8 s[32]);
/* out = in mod L, in a 64-byte little-endian integer (a SHA-512 digest). */
void co_sc_reduce512(u8 out[32], const u8 in[64]);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_ED25519_SCALAR_H */
