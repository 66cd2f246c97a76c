// SPDX-License-Identifier: GPL-2.0
/*
 * The signed manifest and the spawn request, as libcoconut serialises them (docs/uapi.md):
 *
 *   request  = {"cap_set": [text...], "manifest": bytes, "signature": bytes(64)}
 *   manifest = {"v": 1, "caps": [text...], "name": text, "tenant": uint,
 *               "authorizer": bytes(32), "code_digest": bytes(32)}
 *
 * Both are strict deterministic CBOR (RFC 8949 4.2.1): keys in bytewise order of their
 * encodings, which puts shorter keys first, hence the orders above; every key present, no
 * other key. The signature covers the manifest's bytes exactly as sent, and the strict decode
 * means there is one spelling of each manifest, so a digest names one manifest.
 *
 * Nothing here allocates or touches kernel state: the decoders take caller scratch (platform
 * memory) and are exercised directly by the tests and the offline attestation verifier.
 */
#include "coconut/cbor.h"

#include "agent_int.h"

CO_STATIC_ASSERT(1 + 2 * CO_SPAWN_KEYS + CO_CAP_SET_CAPS_MAX + 1 + 2 * CO_MANIFEST_KEYS +
			 CO_CAP_SET_CAPS_MAX <= CO_SPAWN_REQUEST_ITEMS_MAX,
		 "a request with two full cap lists fits the items array");

static const struct co_cbor_key co_manifest_keys[CO_MANIFEST_KEYS] = {
	CO_CBOR_KEY_INIT(CO_MANIFEST_KEY_V),
	CO_CBOR_KEY_INIT(CO_MANIFEST_KEY_CAPS),
	CO_CBOR_KEY_INIT(CO_MANIFEST_KEY_NAME),
	CO_CBOR_KEY_INIT(CO_MANIFEST_KEY_TENANT),
	CO_CBOR_KEY_INIT(CO_MANIFEST_KEY_AUTHORIZER),
	CO_CBOR_KEY_INIT(CO_MANIFEST_KEY_CODE_DIGEST),
};

static const struct co_cbor_key co_spawn_keys[CO_SPAWN_KEYS] = {
	CO_CBOR_KEY_INIT(CO_SPAWN_KEY_CAP_SET),
	CO_CBOR_KEY_INIT(CO_SPAWN_KEY_MANIFEST),
	CO_CBOR_KEY_INIT(CO_SPAWN_KEY_SIGNATURE),
};

/* A decoder's refusal as an errno: over a limit is -E2BIG, anything else is not our CBOR. */
static int co_cbor_errno(enum co_cbor_err e)
{
	switch (e) {
	case CO_CBOR_OK:
		return 0;
	case CO_CBOR_E_TOO_MANY_ITEMS:
	case CO_CBOR_E_DOC_TOO_LONG:
		return -E2BIG;
	default:
		return -EBADMSG;
	}
}

/* One capability text: the errno of its parse (the text's length is checked first). */
static int co_cap_text_parse(const char *text, size_t len, struct co_cap *cap)
{
	enum co_cap_err e;

	if (len > COCONUT_CAP_TEXT_MAX)
		return -ENAMETOOLONG;
	e = co_cap_parse(text, len, cap, NULL);
	if (e == CO_CAP_E_TOO_LONG)
		return -ENAMETOOLONG;
	return e == CO_CAP_OK ? 0 : -EINVAL;
}

/*
 * Checks the array at `arr` of doc: at most CO_CAP_SET_CAPS_MAX text elements, each a cap that
 * parses, no two equal (canonical texts: equal caps have equal texts). Each cap is parsed into
 * out[i] when out is given, else into *tmp; *count and *text_bytes (if given) get the totals.
 * Text elements have no children, so they are the items arr + 1 .. arr + n.
 */
static int co_cap_array_check(const struct co_cbor_doc *doc, u32 arr, struct co_cap *out,
			      struct co_cap *tmp, u32 *count, u32 *text_bytes)
{
	const struct co_cbor_item *it, *prev;
	u32 n, i, j, bytes = 0;
	int rc;

	if (co_cbor_expect(doc, arr, CO_CBOR_T_ARRAY, NULL) != CO_CBOR_OK)
		return -EBADMSG;
	if (co_cbor_at(doc, arr)->value > CO_CAP_SET_CAPS_MAX)
		return -E2BIG;
	n = (u32)co_cbor_at(doc, arr)->value;
	for (i = 1; i <= n; i++)
		if (co_cbor_expect(doc, arr + i, CO_CBOR_T_TEXT, NULL) != CO_CBOR_OK)
			return -EBADMSG;
	for (i = 1; i <= n; i++) {
		it = co_cbor_at(doc, arr + i);
		rc = co_cap_text_parse((const char *)it->data, it->value, out ? &out[i - 1] : tmp);
		if (rc)
			return rc;
		/* Quadratic, bounded by 256 x 256 length compares, outside the instance lock. */
		for (j = 1; j < i; j++) {
			prev = co_cbor_at(doc, arr + j);
			if (prev->value == it->value &&
			    co_memcmp(prev->data, it->data, it->value) == 0)
				return -EINVAL;
		}
		bytes += (u32)it->value;
	}
	*count = n;
	if (text_bytes)
		*text_bytes = bytes;
	return 0;
}

static bool co_name_ok(const char *name, u32 len)
{
	u32 i;

	/* Printable ASCII: a name lands in agentfs's `key: value` lines and in logs. */
	for (i = 0; i < len; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return false;
	return len > 0;
}

int co_manifest_decode(const u8 *bytes, size_t len, struct co_cbor_item *items, u32 items_cap,
		       struct co_manifest *m)
{
	u32 v_idx, caps_idx, name_idx, tenant_idx, auth_idx, code_idx;
	const struct co_cbor_doc *doc = &m->doc;
	struct co_cap cap;
	const char *name;
	size_t name_len;
	u64 v, tenant;
	int rc;

	co_memset(m, 0, sizeof(*m));
	if (!bytes || len == 0)
		return -EBADMSG;
	rc = co_cbor_errno(co_cbor_decode(bytes, len, 0, items, items_cap, &m->doc, NULL));
	if (rc)
		return rc;
	if (co_cbor_expect(doc, 0, CO_CBOR_T_MAP, NULL) ||
	    co_cbor_map_only_keys(doc, 0, co_manifest_keys, CO_MANIFEST_KEYS, NULL) ||
	    co_cbor_map_get(doc, 0, CO_CBOR_STR(CO_MANIFEST_KEY_V), CO_CBOR_T_UINT, &v_idx, NULL) ||
	    co_cbor_map_find(doc, 0, CO_CBOR_STR(CO_MANIFEST_KEY_CAPS), &caps_idx, NULL) ||
	    co_cbor_map_get(doc, 0, CO_CBOR_STR(CO_MANIFEST_KEY_NAME), CO_CBOR_T_TEXT, &name_idx,
			    NULL) ||
	    co_cbor_map_get(doc, 0, CO_CBOR_STR(CO_MANIFEST_KEY_TENANT), CO_CBOR_T_UINT,
			    &tenant_idx, NULL) ||
	    co_cbor_map_find(doc, 0, CO_CBOR_STR(CO_MANIFEST_KEY_AUTHORIZER), &auth_idx, NULL) ||
	    co_cbor_map_find(doc, 0, CO_CBOR_STR(CO_MANIFEST_KEY_CODE_DIGEST), &code_idx, NULL) ||
	    co_cbor_get_bytes_len(doc, auth_idx, COCONUT_PUBKEY_SIZE, &m->authorizer, NULL) ||
	    co_cbor_get_bytes_len(doc, code_idx, COCONUT_DIGEST_SIZE, &m->code_digest, NULL) ||
	    co_cbor_get_uint(doc, v_idx, &v, NULL) || co_cbor_get_uint(doc, tenant_idx, &tenant, NULL) ||
	    co_cbor_get_text(doc, name_idx, &name, &name_len, NULL))
		return -EBADMSG;
	if (v != COCONUT_MANIFEST_VERSION || tenant > 0xffffffffull)
		return -EBADMSG;
	if (name_len > CO_AGENT_NAME_BYTES_MAX)
		return -ENAMETOOLONG;
	if (!co_name_ok(name, (u32)name_len))
		return -EINVAL;
	rc = co_cap_array_check(doc, caps_idx, NULL, &cap, &m->cap_count, &m->caps_text_bytes);
	if (rc)
		return rc;

	m->bytes = bytes;
	m->len = len;
	m->name = name;
	m->name_len = (u32)name_len;
	m->tenant = (u32)tenant;
	m->caps_idx = caps_idx;
	return 0;
}

/* Parses the texts of the array at arr (checked by co_cap_array_check(): they parse). */
static void co_cap_array_at(const struct co_cbor_doc *doc, u32 arr, u32 i, struct co_cap *cap)
{
	const struct co_cbor_item *it = co_cbor_at(doc, arr + 1 + i);
	int rc = co_cap_text_parse((const char *)it->data, it->value, cap);

	CO_ASSERT(rc == 0);
	(void)rc;
}

void co_manifest_ceiling_insert(const struct co_manifest *m, struct co_capset *ceiling)
{
	struct co_cap cap;
	u32 i, handle;

	CO_ASSERT(ceiling->capacity >= m->cap_count);
	for (i = 0; i < m->cap_count; i++) {
		co_cap_array_at(&m->doc, m->caps_idx, i, &cap);
		/* Distinct caps (checked) and room for all of them. */
		if (co_capset_insert(ceiling, &cap, 0, 0, &handle) != CO_CAP_OK)
			CO_ASSERT(0 && "ceiling set full");
	}
}

void co_manifest_ceiling_write(const struct co_manifest *m, char *blob, u32 blob_len)
{
	const struct co_cbor_item *it;
	u32 i, at = 0;

	CO_ASSERT(blob_len == m->caps_text_bytes + m->cap_count);
	for (i = 1; i <= m->cap_count; i++) {
		it = co_cbor_at(&m->doc, m->caps_idx + i);
		co_memcpy(blob + at, it->data, it->value);
		at += (u32)it->value;
		blob[at++] = '\n';
	}
	CO_ASSERT(at == blob_len);
}

int co_spawn_request_decode(const u8 *req, size_t len, struct co_spawn_scratch *s,
			    struct co_spawn_request *out)
{
	const struct co_cbor_doc *doc = &out->doc;
	u32 set_idx, man_idx, sig_idx;
	struct co_cap cap;
	const u8 *man;
	size_t man_len;
	int rc;

	co_memset(out, 0, sizeof(*out));
	if (!req || len == 0)
		return -EBADMSG;
	rc = co_cbor_errno(co_cbor_decode(req, len, 0, s->items, CO_SPAWN_REQUEST_ITEMS_MAX,
					  &out->doc, NULL));
	if (rc)
		return rc;
	if (co_cbor_expect(doc, 0, CO_CBOR_T_MAP, NULL) ||
	    co_cbor_map_only_keys(doc, 0, co_spawn_keys, CO_SPAWN_KEYS, NULL) ||
	    co_cbor_map_find(doc, 0, CO_CBOR_STR(CO_SPAWN_KEY_CAP_SET), &set_idx, NULL) ||
	    co_cbor_map_find(doc, 0, CO_CBOR_STR(CO_SPAWN_KEY_MANIFEST), &man_idx, NULL) ||
	    co_cbor_map_find(doc, 0, CO_CBOR_STR(CO_SPAWN_KEY_SIGNATURE), &sig_idx, NULL) ||
	    co_cbor_get_bytes(doc, man_idx, &man, &man_len, NULL) ||
	    co_cbor_get_bytes_len(doc, sig_idx, COCONUT_SIGNATURE_SIZE, &out->signature, NULL))
		return -EBADMSG;
	rc = co_cap_array_check(doc, set_idx, NULL, &cap, &out->cap_count, NULL);
	if (rc)
		return rc;
	out->caps_idx = set_idx;
	/* The manifest's items follow the request's in the same array. */
	return co_manifest_decode(man, man_len, s->items + doc->count,
				  CO_SPAWN_REQUEST_ITEMS_MAX - doc->count, &out->manifest);
}

/* The ceiling's store first: it must be 8-byte aligned, and its size is a multiple of 8. */
static size_t co_spawn_ceiling_bytes(const struct co_spawn_request *req)
{
	return CO_CAPSET_STORE_BYTES(co_capset_capacity_for(req->manifest.cap_count));
}

size_t co_spawn_room_bytes(const struct co_spawn_request *req)
{
	return co_spawn_ceiling_bytes(req) + (size_t)req->cap_count * sizeof(struct co_cap);
}

void co_spawn_room_fill(struct co_spawn_scratch *s, const struct co_spawn_request *req,
			void *room)
{
	const size_t ceiling_bytes = co_spawn_ceiling_bytes(req);
	u32 i;

	CO_STATIC_ASSERT(CO_CAPSET_STORE_BYTES(CO_CAP_SET_CAPACITY_MIN) % 8 == 0,
			 "a ceiling store keeps the caps after it aligned");
	CO_ASSERT(room != NULL && ((unsigned long)room & 7) == 0 && s->room == NULL);
	s->room = room;
	co_capset_init(&s->ceiling);
	(void)co_capset_move(&s->ceiling, room, co_capset_capacity_for(req->manifest.cap_count));
	co_manifest_ceiling_insert(&req->manifest, &s->ceiling);
	/* Aligned: ceiling_bytes is a multiple of 8 (asserted above). */
	s->caps = (void *)((u8 *)room + ceiling_bytes);
	for (i = 0; i < req->cap_count; i++)
		co_cap_array_at(&req->doc, req->caps_idx, i, &s->caps[i]);
}

int co_cap_list_parse(const char *text, size_t len,
		      int (*fn)(void *ctx, const struct co_cap *cap, const char *text, u32 len),
		      void *ctx)
{
	struct co_cap cap;
	size_t start = 0, end;
	u32 n = 0;
	int rc;

	if (!text || len == 0)
		return -EINVAL;
	/* Each round consumes one entry and its '\n'; at most len + 1 rounds. */
	while (start <= len) {
		for (end = start; end < len && text[end] != '\n'; end++)
			;
		if (end == start)
			return -EINVAL; /* an empty entry, or a trailing '\n' */
		if (++n > CO_CAP_SET_CAPS_MAX)
			return -E2BIG;
		rc = co_cap_text_parse(text + start, end - start, &cap);
		if (rc)
			return rc;
		if (fn) {
			rc = fn(ctx, &cap, text + start, (u32)(end - start));
			if (rc)
				return rc;
		}
		start = end + 1;
	}
	return 0;
}

bool co_agent_ceiling_covers(const struct co_agent *a, const struct co_cap *cap)
{
	struct co_cap c;
	u32 start = 0, end;

	/* Canonical texts each ending in '\n', written at spawn or create: they all parse. */
	while (start < a->ceiling_len) {
		for (end = start; end < a->ceiling_len && a->ceiling[end] != '\n'; end++)
			;
		CO_ASSERT(end < a->ceiling_len);
		if (co_cap_parse(a->ceiling + start, end - start, &c, NULL) == CO_CAP_OK &&
		    co_cap_covers(&c, cap))
			return true;
		start = end + 1;
	}
	return false;
}
