// Test-side model of CBOR values for coconut/cbor.h: a plain C++ value type, encoding through our
// writer (sorting map keys the way RFC 8949 §4.2.1 orders them), conversion from a decoded
// document back to a value, RFC 8949 diagnostic notation, and hex helpers. Shared by the unit,
// property and differential tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "coconut/cbor.h"

namespace cbortest {

using Bytes = std::vector<uint8_t>;

struct Value {
	enum class Kind { Uint, Nint, Bstr, Tstr, Array, Map, Tag, Bool, Null, Undefined };
	Kind kind = Kind::Null;
	uint64_t u = 0;		  // Uint: the value; Nint: n for -1 - n; Tag: the number; Bool: 0/1
	std::string s;		  // Bstr, Tstr: the content
	std::vector<Value> items; // Array: elements; Map: key, value, key, value...; Tag: content

	bool operator==(const Value &) const = default;

	static Value uint(uint64_t v) { return {Kind::Uint, v, {}, {}}; }
	static Value nint(uint64_t n) { return {Kind::Nint, n, {}, {}}; }
	static Value integer(int64_t v)
	{
		return v >= 0 ? uint(uint64_t(v)) : nint(uint64_t(-1 - v));
	}
	static Value bytes(std::string b) { return {Kind::Bstr, 0, std::move(b), {}}; }
	static Value text(std::string t) { return {Kind::Tstr, 0, std::move(t), {}}; }
	static Value array(std::vector<Value> a) { return {Kind::Array, 0, {}, std::move(a)}; }
	static Value map(std::vector<Value> kv) { return {Kind::Map, 0, {}, std::move(kv)}; }
	static Value tag(uint64_t t, Value v) { return {Kind::Tag, t, {}, {std::move(v)}}; }
	static Value boolean(bool b) { return {Kind::Bool, b ? 1u : 0u, {}, {}}; }
	static Value null() { return {Kind::Null, 0, {}, {}}; }
	static Value undefined() { return {Kind::Undefined, 0, {}, {}}; }
};

inline std::string hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	std::string out;
	for (size_t i = 0; i < n; i++) {
		out += digits[p[i] >> 4];
		out += digits[p[i] & 15];
	}
	return out;
}
inline std::string hex(const Bytes &b) { return hex(b.data(), b.size()); }
inline std::string hex(const std::string &s)
{
	return hex(reinterpret_cast<const uint8_t *>(s.data()), s.size());
}

inline Bytes unhex(const std::string &h)
{
	Bytes out;
	int hi = -1;
	for (char c : h) {
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else if (c == ' ')
			continue;
		else
			throw std::invalid_argument("bad hex: " + h);
		if (hi < 0) {
			hi = d;
		} else {
			out.push_back(uint8_t(hi << 4 | d));
			hi = -1;
		}
	}
	if (hi >= 0)
		throw std::invalid_argument("odd hex: " + h);
	return out;
}

// Writes v through our writer. Map pairs are written in the order of their encoded keys
// (bytewise, RFC 8949 §4.2.1); keys are encoded on their own first to learn that order.
inline Bytes encode(const Value &v);

inline void write_value(co_cbor_writer *w, const Value &v)
{
	switch (v.kind) {
	case Value::Kind::Uint:
		co_cbor_put_uint(w, v.u);
		break;
	case Value::Kind::Nint:
		co_cbor_put_nint(w, v.u);
		break;
	case Value::Kind::Bstr:
		co_cbor_put_bytes(w, reinterpret_cast<const u8 *>(v.s.data()), v.s.size());
		break;
	case Value::Kind::Tstr:
		co_cbor_put_text(w, v.s.data(), v.s.size());
		break;
	case Value::Kind::Array:
		co_cbor_begin_array(w, v.items.size());
		for (const Value &e : v.items)
			write_value(w, e);
		break;
	case Value::Kind::Map: {
		size_t pairs = v.items.size() / 2;
		std::vector<std::pair<Bytes, size_t>> keys;
		for (size_t i = 0; i < pairs; i++)
			keys.emplace_back(encode(v.items[2 * i]), i);
		std::sort(keys.begin(), keys.end());
		co_cbor_begin_map(w, pairs);
		for (const auto &[k, i] : keys) {
			write_value(w, v.items[2 * i]);
			write_value(w, v.items[2 * i + 1]);
		}
		break;
	}
	case Value::Kind::Tag:
		co_cbor_put_tag(w, v.u);
		write_value(w, v.items.at(0));
		break;
	case Value::Kind::Bool:
		co_cbor_put_bool(w, v.u != 0);
		break;
	case Value::Kind::Null:
		co_cbor_put_null(w);
		break;
	case Value::Kind::Undefined:
		co_cbor_put_undefined(w);
		break;
	}
}

// Encodes in two passes, as a kernel caller sizing its buffer would: a sizing pass (no
// buffer), then the real one into a buffer of exactly the length it asked for.
inline Bytes encode(const Value &v)
{
	co_cbor_writer w;
	size_t need = 0;
	co_cbor_writer_init(&w, nullptr, 0);
	write_value(&w, v);
	co_cbor_err e = co_cbor_writer_finish(&w, &need);
	if (e != CO_CBOR_E_BUFFER_FULL)
		throw std::runtime_error(std::string("sizing pass: ") + co_cbor_strerror(e));
	Bytes out(need);
	co_cbor_writer_init(&w, out.data(), out.size());
	write_value(&w, v);
	size_t len = 0;
	e = co_cbor_writer_finish(&w, &len);
	if (e != CO_CBOR_OK)
		throw std::runtime_error(std::string("encode: ") + co_cbor_strerror(e));
	if (len != need)
		throw std::runtime_error("encode: sizing pass disagrees with the real one");
	return out;
}

// The value with every map's pairs in canonical order: what decode(encode(v)) gives back.
inline Value canonical(const Value &v)
{
	Value c = v;
	for (Value &e : c.items)
		e = canonical(e);
	if (c.kind == Value::Kind::Map) {
		std::vector<std::pair<Bytes, size_t>> keys;
		for (size_t i = 0; i < c.items.size() / 2; i++)
			keys.emplace_back(encode(c.items[2 * i]), i);
		std::sort(keys.begin(), keys.end());
		std::vector<Value> sorted;
		for (const auto &[k, i] : keys) {
			sorted.push_back(c.items[2 * i]);
			sorted.push_back(c.items[2 * i + 1]);
		}
		c.items = std::move(sorted);
	}
	return c;
}

// The value of item idx of a decoded document (recursion is fine on the test side).
inline Value from_doc(const co_cbor_doc &doc, uint32_t idx)
{
	const co_cbor_item &it = doc.items[idx];
	Value v;
	switch (it.type) {
	case CO_CBOR_T_UINT:
		return Value::uint(it.value);
	case CO_CBOR_T_NINT:
		return Value::nint(it.value);
	case CO_CBOR_T_BYTES:
		return Value::bytes(std::string(reinterpret_cast<const char *>(it.data), it.value));
	case CO_CBOR_T_TEXT:
		return Value::text(std::string(reinterpret_cast<const char *>(it.data), it.value));
	case CO_CBOR_T_ARRAY:
	case CO_CBOR_T_MAP: {
		v.kind = it.type == CO_CBOR_T_ARRAY ? Value::Kind::Array : Value::Kind::Map;
		uint64_t n = it.type == CO_CBOR_T_ARRAY ? it.value : 2 * it.value;
		uint32_t child = idx + 1;
		for (uint64_t i = 0; i < n; i++) {
			v.items.push_back(from_doc(doc, child));
			child = doc.items[child].next;
		}
		if (child != it.next)
			throw std::runtime_error("item.next disagrees with the children");
		return v;
	}
	case CO_CBOR_T_TAG:
		return Value::tag(it.value, from_doc(doc, idx + 1));
	case CO_CBOR_T_BOOL:
		return Value::boolean(it.value != 0);
	case CO_CBOR_T_NULL:
		return Value::null();
	case CO_CBOR_T_UNDEFINED:
		return Value::undefined();
	default:
		throw std::runtime_error("bad item type");
	}
}

struct Decoded {
	co_cbor_err code = CO_CBOR_OK;
	size_t offset = 0;
	std::vector<co_cbor_item> items;
	co_cbor_doc doc{};
	Value value;
};

// Decodes b with our decoder and, on success, converts it to a value. Also checks that
// co_cbor_validate() agrees with co_cbor_decode() on the verdict and the offset.
inline Decoded decode(const Bytes &b, uint32_t flags = 0)
{
	Decoded d;
	// Every item takes at least a byte, so this is room for any document of b's length.
	d.items.resize(std::min<size_t>(b.size() + 1, CO_CBOR_DOC_ITEMS_MAX));
	co_cbor_error err{};
	d.code = co_cbor_decode(b.data(), b.size(), flags, d.items.data(), uint32_t(d.items.size()),
				&d.doc, &err);
	d.offset = err.offset;
	co_cbor_error verr{};
	size_t used = 0;
	co_cbor_err v = co_cbor_validate(b.data(), b.size(), flags, &used, &verr);
	if (v != d.code || verr.offset != d.offset || (v == CO_CBOR_OK && used != d.doc.len))
		throw std::runtime_error("co_cbor_validate and co_cbor_decode disagree");
	if (d.code == CO_CBOR_OK)
		d.value = from_doc(d.doc, 0);
	return d;
}

inline std::string u128_decimal(unsigned __int128 v)
{
	std::string s;
	do {
		s.insert(s.begin(), char('0' + int(v % 10)));
		v /= 10;
	} while (v != 0);
	return s;
}

// RFC 8949 §8 diagnostic notation. With hex_text, text strings print as t'<utf-8 hex>' so the
// output is plain ASCII on one line (the form exchanged with the cbor2 script).
inline std::string diag(const Value &v, bool hex_text = false)
{
	std::string out;
	switch (v.kind) {
	case Value::Kind::Uint:
		return u128_decimal(v.u);
	case Value::Kind::Nint:
		return "-" + u128_decimal((unsigned __int128)v.u + 1);
	case Value::Kind::Bstr:
		return "h'" + hex(v.s) + "'";
	case Value::Kind::Tstr:
		if (hex_text)
			return "t'" + hex(v.s) + "'";
		out = "\"";
		for (char c : v.s) {
			if (c == '"' || c == '\\')
				out += '\\';
			out += c;
		}
		return out + "\"";
	case Value::Kind::Array:
		out = "[";
		for (size_t i = 0; i < v.items.size(); i++)
			out += (i ? ", " : "") + diag(v.items[i], hex_text);
		return out + "]";
	case Value::Kind::Map:
		out = "{";
		for (size_t i = 0; i + 1 < v.items.size(); i += 2)
			out += (i ? ", " : "") + diag(v.items[i], hex_text) + ": " +
			       diag(v.items[i + 1], hex_text);
		return out + "}";
	case Value::Kind::Tag:
		return u128_decimal(v.u) + "(" + diag(v.items.at(0), hex_text) + ")";
	case Value::Kind::Bool:
		return v.u ? "true" : "false";
	case Value::Kind::Null:
		return "null";
	case Value::Kind::Undefined:
		return "undefined";
	}
	return "?";
}

// Code points to UTF-8 (the caller keeps them out of the surrogate range).
inline std::string utf8(const std::vector<uint32_t> &cps)
{
	std::string s;
	for (uint32_t c : cps) {
		if (c < 0x80) {
			s += char(c);
		} else if (c < 0x800) {
			s += char(0xc0 | c >> 6);
			s += char(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			s += char(0xe0 | c >> 12);
			s += char(0x80 | (c >> 6 & 0x3f));
			s += char(0x80 | (c & 0x3f));
		} else {
			s += char(0xf0 | c >> 18);
			s += char(0x80 | (c >> 12 & 0x3f));
			s += char(0x80 | (c >> 6 & 0x3f));
			s += char(0x80 | (c & 0x3f));
		}
	}
	return s;
}

} // namespace cbortest
