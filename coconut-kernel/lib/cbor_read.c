// SPDX-License-Identifier: GPL-2.0
/*
 * Typed access to a decoded CBOR document (struct co_cbor_doc): the checks a syscall makes on
 * a request that is well-formed but may still not be what it expects. Items are addressed by
 * index; item.next skips a whole subtree, so walking a container's children is linear and
 * needs no stack.
 */
#include "coconut/cbor.h"

static enum co_cbor_err fail(struct co_cbor_error *err, enum co_cbor_err code, size_t offset)
{
	if (err) {
		err->code = code;
		err->offset = offset;
	}
	return code;
}

enum co_cbor_err co_cbor_expect(const struct co_cbor_doc *doc, u32 idx, enum co_cbor_type type,
				struct co_cbor_error *err)
{
	const struct co_cbor_item *it = co_cbor_at(doc, idx);

	if (type != CO_CBOR_T_ANY && it->type != type)
		return fail(err, CO_CBOR_E_WRONG_TYPE, it->offset);
	return CO_CBOR_OK;
}

static bool is_text(const struct co_cbor_item *it, const char *s, size_t len)
{
	return it->type == CO_CBOR_T_TEXT && it->value == len && co_memcmp(it->data, s, len) == 0;
}

enum co_cbor_err co_cbor_map_find(const struct co_cbor_doc *doc, u32 map, const char *key,
				  size_t key_len, u32 *value, struct co_cbor_error *err)
{
	struct co_cbor_iter it;
	enum co_cbor_err e;
	u32 k, v;

	e = co_cbor_map_iter(doc, map, &it, err);
	if (e != CO_CBOR_OK)
		return e;
	while (co_cbor_map_next(doc, &it, &k, &v)) {
		if (is_text(&doc->items[k], key, key_len)) {
			*value = v;
			return CO_CBOR_OK;
		}
	}
	return fail(err, CO_CBOR_E_MISSING_KEY, doc->items[map].offset);
}

enum co_cbor_err co_cbor_map_get(const struct co_cbor_doc *doc, u32 map, const char *key,
				 size_t key_len, enum co_cbor_type type, u32 *value,
				 struct co_cbor_error *err)
{
	enum co_cbor_err e = co_cbor_map_find(doc, map, key, key_len, value, err);

	if (e != CO_CBOR_OK)
		return e;
	return co_cbor_expect(doc, *value, type, err);
}

enum co_cbor_err co_cbor_map_only_keys(const struct co_cbor_doc *doc, u32 map,
				       const struct co_cbor_key *keys, u32 nkeys,
				       struct co_cbor_error *err)
{
	struct co_cbor_iter it;
	enum co_cbor_err e;
	u32 k, v, i;

	e = co_cbor_map_iter(doc, map, &it, err);
	if (e != CO_CBOR_OK)
		return e;
	while (co_cbor_map_next(doc, &it, &k, &v)) {
		for (i = 0; i < nkeys; i++)
			if (is_text(&doc->items[k], keys[i].text, keys[i].len))
				break;
		if (i == nkeys)
			return fail(err, CO_CBOR_E_UNKNOWN_KEY, doc->items[k].offset);
	}
	return CO_CBOR_OK;
}

enum co_cbor_err co_cbor_get_uint(const struct co_cbor_doc *doc, u32 idx, u64 *v,
				  struct co_cbor_error *err)
{
	enum co_cbor_err e = co_cbor_expect(doc, idx, CO_CBOR_T_UINT, err);

	if (e == CO_CBOR_OK)
		*v = doc->items[idx].value;
	return e;
}

enum co_cbor_err co_cbor_get_bool(const struct co_cbor_doc *doc, u32 idx, bool *v,
				  struct co_cbor_error *err)
{
	enum co_cbor_err e = co_cbor_expect(doc, idx, CO_CBOR_T_BOOL, err);

	if (e == CO_CBOR_OK)
		*v = doc->items[idx].value != 0;
	return e;
}

enum co_cbor_err co_cbor_get_bytes(const struct co_cbor_doc *doc, u32 idx, const u8 **p,
				   size_t *len, struct co_cbor_error *err)
{
	enum co_cbor_err e = co_cbor_expect(doc, idx, CO_CBOR_T_BYTES, err);

	if (e == CO_CBOR_OK) {
		*p = doc->items[idx].data;
		*len = doc->items[idx].value;
	}
	return e;
}

enum co_cbor_err co_cbor_get_bytes_len(const struct co_cbor_doc *doc, u32 idx, size_t len,
				       const u8 **p, struct co_cbor_error *err)
{
	enum co_cbor_err e = co_cbor_expect(doc, idx, CO_CBOR_T_BYTES, err);

	if (e != CO_CBOR_OK)
		return e;
	if (doc->items[idx].value != len)
		return fail(err, CO_CBOR_E_WRONG_LENGTH, doc->items[idx].offset);
	*p = doc->items[idx].data;
	return CO_CBOR_OK;
}

enum co_cbor_err co_cbor_get_text(const struct co_cbor_doc *doc, u32 idx, const char **p,
				  size_t *len, struct co_cbor_error *err)
{
	enum co_cbor_err e = co_cbor_expect(doc, idx, CO_CBOR_T_TEXT, err);

	if (e == CO_CBOR_OK) {
		*p = (const char *)doc->items[idx].data;
		*len = doc->items[idx].value;
	}
	return e;
}

enum co_cbor_err co_cbor_get_tag(const struct co_cbor_doc *doc, u32 idx, u64 *tag, u32 *content,
				 struct co_cbor_error *err)
{
	enum co_cbor_err e = co_cbor_expect(doc, idx, CO_CBOR_T_TAG, err);

	if (e == CO_CBOR_OK) {
		*tag = doc->items[idx].value;
		*content = idx + 1;	/* pre-order: the content follows its tag */
	}
	return e;
}

enum co_cbor_err co_cbor_array_iter(const struct co_cbor_doc *doc, u32 array,
				    struct co_cbor_iter *it, struct co_cbor_error *err)
{
	enum co_cbor_err e = co_cbor_expect(doc, array, CO_CBOR_T_ARRAY, err);

	it->next = array + 1;
	it->left = 0;
	if (e == CO_CBOR_OK)
		it->left = (u32)doc->items[array].value;	/* <= count, checked on decode */
	return e;
}

bool co_cbor_array_next(const struct co_cbor_doc *doc, struct co_cbor_iter *it, u32 *elem)
{
	if (it->left == 0)
		return false;
	*elem = it->next;
	it->next = co_cbor_at(doc, it->next)->next;
	it->left--;
	return true;
}

enum co_cbor_err co_cbor_map_iter(const struct co_cbor_doc *doc, u32 map, struct co_cbor_iter *it,
				  struct co_cbor_error *err)
{
	enum co_cbor_err e = co_cbor_expect(doc, map, CO_CBOR_T_MAP, err);

	it->next = map + 1;
	it->left = 0;
	if (e == CO_CBOR_OK)
		it->left = (u32)doc->items[map].value;
	return e;
}

bool co_cbor_map_next(const struct co_cbor_doc *doc, struct co_cbor_iter *it, u32 *key, u32 *value)
{
	if (it->left == 0)
		return false;
	*key = it->next;
	*value = co_cbor_at(doc, *key)->next;
	it->next = co_cbor_at(doc, *value)->next;
	it->left--;
	return true;
}
