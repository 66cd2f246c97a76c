// A run's fingerprint: BLAKE3 over a typed, self-delimiting encoding of everything that must
// be bit-identical between two runs of one scenario and seed (metrics, audit heads, trace
// digests). Each append is one type byte then its payload, little-endian:
//   add_u64    'u' + 8 bytes        add_i64    'i' + 8 bytes (two's complement)
//   add_bytes  'b' + u64 length + the bytes
//   add_string 's' + u64 length + the bytes
//   add_tag    't' + u64 length + the bytes (a section name: "metrics", "audit")
// so no two different append sequences feed the hash the same bytes.
#ifndef COCONUT_SIM_METRICS_FINGERPRINT_H
#define COCONUT_SIM_METRICS_FINGERPRINT_H

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "coconut/blake3.h"
#include "types.h"

namespace coconut::metrics {

class Fingerprint {
public:
	Fingerprint();

	void add_u64(u64 v);
	void add_i64(s64 v);
	void add_bytes(const void *data, size_t len);
	void add_bytes(const std::vector<u8> &bytes) { add_bytes(bytes.data(), bytes.size()); }
	void add_string(std::string_view s);
	void add_tag(std::string_view section);

	// The hash of everything appended so far; appending may continue afterwards.
	std::array<u8, 32> digest() const;
	std::string hex() const; // 64 lowercase hex digits

	// Bytes fed to the hash so far (for tests and diagnostics).
	u64 bytes_fed() const { return bytes_fed_; }

private:
	void feed(const void *data, size_t len);
	void typed_block(char type, const void *data, size_t len);

	struct co_blake3_hasher h_;
	u64 bytes_fed_ = 0;
};

// 64 lowercase hex digits of a 32-byte digest.
std::string to_hex(const std::array<u8, 32> &digest);

} // namespace coconut::metrics

#endif
