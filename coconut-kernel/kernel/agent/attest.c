// SPDX-License-Identifier: GPL-2.0
/*
 * Attestation chains: agent_attest's answer (co_attest_encode, under the instance lock) and the
 * offline verifier (co_attest_verify: pure, for tools and remote parties). The format and what
 * the verifier can and cannot check offline are in coconut/attest.h and docs/uapi.md.
 */
#include "coconut/attest.h"
#include "coconut/blake3.h"
#include "coconut/ed25519.h"

#include "agent_int.h"

CO_STATIC_ASSERT(1 + 2 * CO_ATTEST_LINK_KEYS == CO_ATTEST_LINK_ITEMS,
		 "a link is a map of its keys and values");

static const struct co_cbor_key co_attest_keys[CO_ATTEST_LINK_KEYS] = {
	CO_CBOR_KEY_INIT(CO_ATTEST_KEY_AID),
	CO_CBOR_KEY_INIT(CO_ATTEST_KEY_PARENT),
	CO_CBOR_KEY_INIT(CO_ATTEST_KEY_SIGNATURE),
	CO_CBOR_KEY_INIT(CO_ATTEST_KEY_CODE_DIGEST),
	CO_CBOR_KEY_INIT(CO_ATTEST_KEY_AUTHORIZER_KEY),
	CO_CBOR_KEY_INIT(CO_ATTEST_KEY_MANIFEST_DIGEST),
};

static void co_attest_put_key(struct co_cbor_writer *w, u32 i)
{
	co_cbor_put_text(w, co_attest_keys[i].text, co_attest_keys[i].len);
}

static void co_attest_put_link(struct co_cbor_writer *w, const struct co_agent *a)
{
	co_cbor_begin_map(w, CO_ATTEST_LINK_KEYS);
	co_attest_put_key(w, 0);
	co_cbor_put_uint(w, a->aid);
	co_attest_put_key(w, 1);
	co_cbor_put_uint(w, a->parent_aid);
	co_attest_put_key(w, 2);
	co_cbor_put_bytes(w, a->attest.signature, COCONUT_SIGNATURE_SIZE);
	co_attest_put_key(w, 3);
	co_cbor_put_bytes(w, a->attest.code_digest, COCONUT_DIGEST_SIZE);
	co_attest_put_key(w, 4);
	co_cbor_put_bytes(w, a->attest.authorizer_key, COCONUT_PUBKEY_SIZE);
	co_attest_put_key(w, 5);
	co_cbor_put_bytes(w, a->attest.manifest_digest, COCONUT_DIGEST_SIZE);
}

int co_attest_encode(const struct co_kernel *k, const struct co_agent *a, u8 *buf, size_t len)
{
	struct co_cbor_writer w;
	const struct co_agent *cur = a;
	size_t out;
	u32 i;

	CO_ASSERT(!co_agent_state_terminal(a->state) && a->depth <= CO_AGENT_DEPTH_MAX);
	co_cbor_writer_init(&w, buf, len);
	co_cbor_begin_array(&w, (u64)a->depth + 1);
	for (i = 0; i <= a->depth; i++) {
		/* A live agent's ancestors are live, so in the table; depths count down to root. */
		CO_ASSERT(cur && cur->depth == a->depth - i);
		co_attest_put_link(&w, cur);
		cur = co_agent_find(k, cur->parent_aid);
	}
	CO_ASSERT(cur == NULL);
	switch (co_cbor_writer_finish(&w, &out)) {
	case CO_CBOR_OK:
		return (int)out;
	case CO_CBOR_E_BUFFER_FULL:
		return -EMSGSIZE;
	default:
		CO_ASSERT(0 && "attestation chain encoding");
		return -EINVAL;
	}
}

const char *co_attest_verdict_name(enum co_attest_verdict v)
{
	switch (v) {
	case CO_ATTEST_OK:
		return "ok";
	case CO_ATTEST_BAD_FORMAT:
		return "bad_format";
	case CO_ATTEST_BROKEN_LINK:
		return "broken_link";
	case CO_ATTEST_BAD_ROOT:
		return "bad_root";
	case CO_ATTEST_UNTRUSTED_KEY:
		return "untrusted_key";
	case CO_ATTEST_DIGEST_MISMATCH:
		return "digest_mismatch";
	case CO_ATTEST_MANIFEST_MISMATCH:
		return "manifest_mismatch";
	case CO_ATTEST_BAD_SIGNATURE:
		return "bad_signature";
	}
	return "unknown";
}

/* One link, as read from the chain (pointers into it). */
struct co_attest_link {
	u64 aid;
	u64 parent;
	const u8 *signature;
	const u8 *code_digest;
	const u8 *authorizer_key;
	const u8 *manifest_digest;
};

static bool co_attest_read_link(const struct co_cbor_doc *doc, u32 idx, struct co_attest_link *l)
{
	u32 v[CO_ATTEST_LINK_KEYS], i;

	if (co_cbor_expect(doc, idx, CO_CBOR_T_MAP, NULL) ||
	    co_cbor_map_only_keys(doc, idx, co_attest_keys, CO_ATTEST_LINK_KEYS, NULL))
		return false;
	for (i = 0; i < CO_ATTEST_LINK_KEYS; i++)
		if (co_cbor_map_find(doc, idx, co_attest_keys[i].text, co_attest_keys[i].len, &v[i],
				     NULL))
			return false;
	return co_cbor_get_uint(doc, v[0], &l->aid, NULL) == CO_CBOR_OK &&
	       co_cbor_get_uint(doc, v[1], &l->parent, NULL) == CO_CBOR_OK &&
	       co_cbor_get_bytes_len(doc, v[2], COCONUT_SIGNATURE_SIZE, &l->signature, NULL) ==
		       CO_CBOR_OK &&
	       co_cbor_get_bytes_len(doc, v[3], COCONUT_DIGEST_SIZE, &l->code_digest, NULL) ==
		       CO_CBOR_OK &&
	       co_cbor_get_bytes_len(doc, v[4], COCONUT_PUBKEY_SIZE, &l->authorizer_key, NULL) ==
		       CO_CBOR_OK &&
	       co_cbor_get_bytes_len(doc, v[5], COCONUT_DIGEST_SIZE, &l->manifest_digest, NULL) ==
		       CO_CBOR_OK;
}

static bool co_all_zero(const u8 *p, size_t n)
{
	u8 acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static bool co_attest_root_link(const struct co_attest_link *l)
{
	return l->aid == COCONUT_AID_ROOT && l->parent == COCONUT_AID_NONE &&
	       co_all_zero(l->signature, COCONUT_SIGNATURE_SIZE) &&
	       co_all_zero(l->code_digest, COCONUT_DIGEST_SIZE) &&
	       co_all_zero(l->authorizer_key, COCONUT_PUBKEY_SIZE) &&
	       co_all_zero(l->manifest_digest, COCONUT_DIGEST_SIZE);
}

static bool co_attest_trusted(const u8 *key, const u8 (*trusted)[COCONUT_PUBKEY_SIZE], u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (co_memcmp(trusted[i], key, COCONUT_PUBKEY_SIZE) == 0)
			return true;
	return false;
}

/* The checks a link's manifest allows: digest, shape and fields, signature. */
static enum co_attest_verdict co_attest_check_manifest(const struct co_attest_link *l,
						       const struct co_attest_manifest *man,
						       struct co_attest_scratch *s)
{
	u8 digest[COCONUT_DIGEST_SIZE];
	struct co_manifest m;

	if (!man->bytes)
		return CO_ATTEST_MANIFEST_MISMATCH;
	co_blake3_hash(man->bytes, man->len, digest);
	if (co_memcmp(digest, l->manifest_digest, COCONUT_DIGEST_SIZE) != 0)
		return CO_ATTEST_DIGEST_MISMATCH;
	if (co_manifest_decode(man->bytes, man->len, s->manifest_items, CO_SPAWN_REQUEST_ITEMS_MAX,
			       &m) ||
	    co_memcmp(m.authorizer, l->authorizer_key, COCONUT_PUBKEY_SIZE) != 0 ||
	    co_memcmp(m.code_digest, l->code_digest, COCONUT_DIGEST_SIZE) != 0)
		return CO_ATTEST_MANIFEST_MISMATCH;
	if (co_ed25519_verify(l->signature, man->bytes, man->len, l->authorizer_key) !=
	    CO_ED25519_OK)
		return CO_ATTEST_BAD_SIGNATURE;
	return CO_ATTEST_OK;
}

static enum co_attest_verdict co_attest_fail(struct co_attest_report *r, enum co_attest_verdict v,
					     u32 link)
{
	r->verdict = v;
	r->first_bad_link = link;
	return v;
}

enum co_attest_verdict co_attest_verify(const u8 *chain, size_t len,
					const u8 (*trusted)[COCONUT_PUBKEY_SIZE], u32 trusted_count,
					const struct co_attest_manifest *manifests,
					u32 manifest_count, struct co_attest_scratch *scratch,
					struct co_attest_report *report)
{
	struct co_attest_link l;
	struct co_cbor_doc doc;
	struct co_cbor_iter it;
	enum co_attest_verdict v;
	u64 prev_parent = 0;
	u32 n, i = 0, idx;

	co_memset(report, 0, sizeof(*report));
	if (!chain || len == 0 || len > CO_ATTEST_BYTES_MAX || (trusted_count && !trusted) ||
	    (manifest_count && !manifests))
		return co_attest_fail(report, CO_ATTEST_BAD_FORMAT, 0);
	if (co_cbor_decode(chain, len, 0, scratch->chain_items, CO_ATTEST_ITEMS_MAX, &doc, NULL) ||
	    co_cbor_array_iter(&doc, 0, &it, NULL))
		return co_attest_fail(report, CO_ATTEST_BAD_FORMAT, 0);
	n = it.left;
	report->links = n;
	if (n == 0 || n > CO_AGENT_DEPTH_MAX + 1)
		return co_attest_fail(report, CO_ATTEST_BAD_FORMAT, 0);

	for (i = 0; co_cbor_array_next(&doc, &it, &idx); i++) {
		if (!co_attest_read_link(&doc, idx, &l))
			return co_attest_fail(report, CO_ATTEST_BAD_FORMAT, i);
		if (i == 0)
			report->aid = l.aid;
		/* Each link is the parent the one before named; AIDs grow from parent to child. */
		if ((i > 0 && l.aid != prev_parent) || l.aid <= l.parent)
			return co_attest_fail(report, CO_ATTEST_BROKEN_LINK, i);
		prev_parent = l.parent;
		if (i + 1 == n) {
			if (!co_attest_root_link(&l))
				return co_attest_fail(report, CO_ATTEST_BAD_ROOT, i);
			if (i < manifest_count && manifests[i].len)
				return co_attest_fail(report, CO_ATTEST_MANIFEST_MISMATCH, i);
			continue;
		}
		if (!co_attest_trusted(l.authorizer_key, trusted, trusted_count))
			return co_attest_fail(report, CO_ATTEST_UNTRUSTED_KEY, i);
		if (i < manifest_count && manifests[i].len) {
			v = co_attest_check_manifest(&l, &manifests[i], scratch);
			if (v != CO_ATTEST_OK)
				return co_attest_fail(report, v, i);
			report->signatures_checked++;
		}
	}
	CO_ASSERT(i == n);
	report->verdict = CO_ATTEST_OK;
	report->first_bad_link = n;
	return CO_ATTEST_OK;
}
