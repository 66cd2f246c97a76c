/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ed25519 signature verification (RFC 8032 5.1.7), strict and cofactorless.
 *
 * Policy: accept exactly what libsodium 1.0.18's crypto_sign_verify_detached accepts (the
 * default, non-ED25519_COMPAT build that Debian 12's libsodium23 ships). libsodium is the
 * verifier most Ed25519 signers in our ecosystem are checked against, and the kernel cannot
 * link it, so we reimplement its decisions; the tests compare the two on every input class,
 * and the fuzzer does so on arbitrary bytes. A signature (R, S) on message M under key A is
 * valid when, in this order (the first failing check names the result):
 *
 *  1. S < L, the group order (no non-canonical scalars, so no S + L malleability);
 *  2. R is not small-order: bits 0..254 of R are none of 0, 1, p - 1, the two y coordinates
 *     of the order-8 points, p and p + 1 (the non-canonical forms of 0 and 1). This list holds
 *     every encoding of every point of order 1, 2, 4 or 8, whatever the sign bit;
 *  3. A is canonical: bits 0..254 of A, read as y, are < p;
 *  4. A is not small-order (the same list as R);
 *  5. A decodes to a curve point (RFC 8032 5.1.3);
 *  6. with k = SHA-512(R || A || M) mod L, the canonical encoding of [S]B - [k]A equals the 32
 *     bytes of R (cofactorless equation; so a non-canonical R never verifies).
 *
 * Mixed-order keys and R (a prime-order point plus a nonzero small-order one) are NOT
 * rejected, as in libsodium: they verify when the cofactorless equation holds exactly. Only
 * the pure small-order points are refused. We do not differ from libsodium on any input we know
 * of. The one check RFC 8032 has that libsodium lacks, rejecting x = 0 with the sign bit set,
 * can only concern y = 1 or y = p - 1, which rule 4 already refuses, so decisions agree.
 *
 * Everything here is variable-time: verification handles only public data. The function has no
 * state; callers may verify concurrently. The deepest call chain uses about 2.8 KiB of stack
 * (gcc 12, kernel flags; no frame above 1.4 KiB).
 */
#ifndef COCONUT_ED25519_H
#define COCONUT_ED25519_H

#include "coconut/compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CO_ED25519_PUBLIC_KEY_BYTES 32
#define CO_ED25519_SIGNATURE_BYTES 64

/*
 * Results of co_ed25519_verify: 0 for a valid signature, a distinct negative value per reason
 * otherwise. The reasons are diagnostics for logs and tests; a caller deciding whether to trust a
 * message must only test for CO_ED25519_OK.
 */
enum co_ed25519_result {
	CO_ED25519_OK = 0,
	CO_ED25519_ERR_S_NONCANONICAL = -1,  /* S >= L */
	CO_ED25519_ERR_R_SMALL_ORDER = -2,   /* R encodes a point of order 1, 2, 4 or 8 */
	CO_ED25519_ERR_A_NONCANONICAL = -3,  /* the key's y is >= p */
	CO_ED25519_ERR_A_SMALL_ORDER = -4,   /* the key is a point of order 1, 2, 4 or 8 */
	CO_ED25519_ERR_A_NOT_ON_CURVE = -5,  /* the key's y has no x on the curve */
	CO_ED25519_ERR_MISMATCH = -6,        /* [S]B - [k]A does not encode to R */
};

/*
 * Verifies sig = R || S on msg (msg_len_bytes bytes; msg may be NULL when that is 0) under the
 * public key pk. Returns CO_ED25519_OK (0) or a negative enum co_ed25519_result.
 */
int co_ed25519_verify(const u8 sig[CO_ED25519_SIGNATURE_BYTES], const u8 *msg, size_t msg_len_bytes,
		      const u8 pk[CO_ED25519_PUBLIC_KEY_BYTES]);

/* A short constant name for a result ("ok", "S not canonical", ...), "unknown" otherwise. */
const char *co_ed25519_result_name(int result);

#ifdef CO_FUZZ_MARKED_SIGNATURES
/*
 * Fuzz builds only (the syscall fuzzer, kernel/agent/fuzz, where every spawn verified a curve
 * signature under coverage and sanitizers). With this definition, co_ed25519_verify also takes
 * a "marked" signature: the 8 bytes CO_FUZZ_SIGNATURE_MARK, then the first 56 bytes of
 * BLAKE3("coconut fuzz marked signature v1" || A || M). A marked signature with any other tail
 * is refused (CO_ED25519_ERR_MISMATCH), so the reject path stays under the fuzzer. A kernel build refuses the definition (#error), and every build of
 * the module, the simulator and the library checks that no co_fuzz_ symbol is in it
 * (scripts/check-fuzz-only-symbols.sh, cmake/CheckKernelSymbols.cmake).
 */
#define CO_FUZZ_SIGNATURE_MARK "co-fuzz!"
#define CO_FUZZ_SIGNATURE_MARK_BYTES 8

/* Writes the marked signature of msg under pk into sig. */
void co_fuzz_marked_sign(u8 sig[CO_ED25519_SIGNATURE_BYTES], const u8 *msg, size_t msg_len_bytes,
			 const u8 pk[CO_ED25519_PUBLIC_KEY_BYTES]);
/* co_ed25519_verify's answer for a marked sig: CO_ED25519_OK or CO_ED25519_ERR_MISMATCH. */
int co_fuzz_marked_verify(const u8 sig[CO_ED25519_SIGNATURE_BYTES], const u8 *msg,
			  size_t msg_len_bytes, const u8 pk[CO_ED25519_PUBLIC_KEY_BYTES]);
#endif

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_ED25519_H */
