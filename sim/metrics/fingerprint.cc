#include "fingerprint.h"

namespace coconut::metrics {

namespace {

void le64(u64 v, u8 out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = static_cast<u8>(v >> (8 * i));
}

} // namespace

Fingerprint::Fingerprint()
{
	co_blake3_init(&h_);
}

void Fingerprint::feed(const void *data, size_t len)
{
	co_blake3_update(&h_, data, len);
	bytes_fed_ += len;
}

void Fingerprint::add_u64(u64 v)
{
	u8 b[9];
	b[0] = 'u';
	le64(v, b + 1);
	feed(b, sizeof(b));
}

void Fingerprint::add_i64(s64 v)
{
	u8 b[9];
	b[0] = 'i';
	le64(static_cast<u64>(v), b + 1);
	feed(b, sizeof(b));
}

void Fingerprint::typed_block(char type, const void *data, size_t len)
{
	u8 b[9];
	b[0] = static_cast<u8>(type);
	le64(len, b + 1);
	feed(b, sizeof(b));
	if (len != 0)
		feed(data, len);
}

void Fingerprint::add_bytes(const void *data, size_t len)
{
	typed_block('b', data, len);
}

void Fingerprint::add_string(std::string_view s)
{
	typed_block('s', s.data(), s.size());
}

void Fingerprint::add_tag(std::string_view section)
{
	typed_block('t', section.data(), section.size());
}

std::array<u8, 32> Fingerprint::digest() const
{
	std::array<u8, 32> out;
	co_blake3_finalize(&h_, out.data());
	return out;
}

std::string Fingerprint::hex() const
{
	return to_hex(digest());
}

std::string to_hex(const std::array<u8, 32> &digest)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	s.reserve(64);
	for (u8 b : digest) {
		s.push_back(digits[b >> 4]);
		s.push_back(digits[b & 15]);
	}
	return s;
}

} // namespace coconut::metrics
