/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attestation chains (kernel/agent/attest.c): what agent_attest returns, and the offline
 * verifier that tools, tests and remote parties run on it without a kernel instance.
 *
 * A chain is canonical CBOR: an array of links from the agent up to root (AID 1), each a map
 * with text keys, in their canonical order:
 *   {"aid": uint, "parent": uint, "signature": bytes(64), "code_digest": bytes(32),
 *    "authorizer_key": bytes(32), "manifest_digest": bytes(32)}
 * manifest_digest = BLAKE3(the signed manifest bytes); signature = the authorizer's Ed25519
 * signature over those bytes; code_digest and authorizer_key repeat the manifest's fields. The
 * root link is {aid 1, parent 0} with every digest, key and signature all zero bytes: root is
 * the kernel's own agent and has no manifest.
 *
 * What co_attest_verify() checks offline:
 *  - always: the chain is canonical CBOR of exactly that shape; 1..CO_AGENT_DEPTH_MAX + 1
 *    links; every link names its parent (link i's parent is link i + 1's aid, and a parent's
 *    AID is smaller than its child's, AIDs being allocated in increasing order); the last link
 *    is the all-zero root link; every other link's authorizer_key is one of the trusted keys;
 *  - for each link whose manifest bytes are given: BLAKE3(manifest) == manifest_digest, the
 *    manifest is a well-formed manifest (coconut/uapi docs) whose authorizer and code_digest
 *    are the link's, and the signature verifies over it under authorizer_key.
 * Without a link's manifest its signature cannot be checked (it signs the manifest bytes, of
 * which the chain holds only the digest): the report counts the signatures checked. It cannot
 * check that the chain describes a live agent, nor that the code running is the code_digest;
 * that is the kernel's word, which the audit chain records.
 */
#ifndef COCONUT_ATTEST_H
#define COCONUT_ATTEST_H

#include "coconut/cbor.h"
#include "coconut/compiler.h"
#include "coconut/limits.h"
#include "uapi/linux/coconut.h"

#ifdef __cplusplus
extern "C" {
#endif

struct co_kernel;
struct co_agent;

/* Link keys, in canonical order (bytewise: shorter first). */
#define CO_ATTEST_KEY_AID "aid"
#define CO_ATTEST_KEY_PARENT "parent"
#define CO_ATTEST_KEY_SIGNATURE "signature"
#define CO_ATTEST_KEY_CODE_DIGEST "code_digest"
#define CO_ATTEST_KEY_AUTHORIZER_KEY "authorizer_key"
#define CO_ATTEST_KEY_MANIFEST_DIGEST "manifest_digest"
#define CO_ATTEST_LINK_KEYS 6

/*
 * Encodes a's chain into buf[0..len): its length, or -EMSGSIZE (nothing useful written) when
 * it does not fit. Caller holds the instance lock; a is live, so its ancestors are.
 */
int co_attest_encode(const struct co_kernel *k, const struct co_agent *a, u8 *buf, size_t len);

enum co_attest_verdict {
	CO_ATTEST_OK = 0,
	CO_ATTEST_BAD_FORMAT,		/* not canonical CBOR of the chain's shape, or too long */
	CO_ATTEST_BROKEN_LINK,		/* a parent that is not the next link, or AIDs not decreasing */
	CO_ATTEST_BAD_ROOT,		/* the last link is not the all-zero root link */
	CO_ATTEST_UNTRUSTED_KEY,	/* an authorizer_key outside the trusted keys */
	CO_ATTEST_DIGEST_MISMATCH,	/* a given manifest does not hash to manifest_digest */
	CO_ATTEST_MANIFEST_MISMATCH,	/* a given manifest is malformed or disagrees with its link */
	CO_ATTEST_BAD_SIGNATURE,	/* a given manifest's signature does not verify */
};

/* A manifest handed to the verifier for one link (len 0: not given). */
struct co_attest_manifest {
	const u8 *bytes;
	size_t len;
};

struct co_attest_report {
	enum co_attest_verdict verdict;
	u32 first_bad_link;	/* index of the first link at fault (links when the chain is OK) */
	u32 links;		/* links in the chain (0 when not even the array decoded) */
	u32 signatures_checked;	/* links whose manifest was given and verified */
	u64 aid;		/* the attested agent (link 0), 0 if unknown */
};

/* The verifier's working memory (about 28 KiB): caller-allocated, never on a kernel stack. */
struct co_attest_scratch {
	struct co_cbor_item chain_items[CO_ATTEST_ITEMS_MAX];
	struct co_cbor_item manifest_items[CO_SPAWN_REQUEST_ITEMS_MAX];
};

/*
 * Verifies chain[0..len) offline (see above). trusted[0..trusted_count) are Ed25519 public
 * keys; manifests[i] (i < manifest_count) is link i's manifest, or empty. Pure: no instance,
 * no allocation, no state. Returns report->verdict.
 */
enum co_attest_verdict co_attest_verify(const u8 *chain, size_t len,
					const u8 (*trusted)[COCONUT_PUBKEY_SIZE], u32 trusted_count,
					const struct co_attest_manifest *manifests,
					u32 manifest_count, struct co_attest_scratch *scratch,
					struct co_attest_report *report);

/* "ok", "bad_format", ...: a stable name for logs and tests, never NULL. */
const char *co_attest_verdict_name(enum co_attest_verdict v);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_ATTEST_H */
