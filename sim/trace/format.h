// The coconut trace format (docs/traces.md, traces/schema/trace.schema.json): JSON Lines, a
// header line, then one record per kernel call or platform event, with audit-head checkpoints.
// One table (kCalls) names every call and its arguments: the recorder writes from it, the
// reader checks against it, so the two cannot disagree.
#ifndef COCONUT_SIM_TRACE_FORMAT_H
#define COCONUT_SIM_TRACE_FORMAT_H

#include "coconut/calls.h"
#include "coconut/compiler.h"

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace coconut::trace {

inline constexpr const char *kFormatName = "coconut-trace";
// The one place the version lives. Readers accept 1..kFormatVersion (reader.cc maps each).
inline constexpr u32 kFormatVersion = 1;
inline constexpr u64 kCheckpointEveryDefault = 1024;
// A line longer than this is an error (a 10 MB line is refused, never allocated).
inline constexpr size_t kLineBytesMax = 1u << 20;
// Records kept for a divergence report.
inline constexpr size_t kContextRecords = 8;

// Every call a trace records, in the order of the kernel's list (coconut/calls.h).
enum class Call : u8 {
#define COCONUT_TRACE_CALL_(id, name, nr, args) id,
	CO_CALLS(COCONUT_TRACE_CALL_)
#undef COCONUT_TRACE_CALL_
		Count
};
static_assert(static_cast<unsigned>(Call::Count) == CO_CALL_COUNT);

enum class ArgType : u8 { U64, Str, Hex, Bool };

struct ArgSpec {
	const char *name;
	ArgType type;
	u64 max; // U64: the largest value accepted; Str/Hex: the most bytes (decoded)
};

inline constexpr size_t kArgsMax = 9;

struct CallSpec {
	const char *name;
	u8 nargs;
	std::array<ArgSpec, kArgsMax> args;
};

// Indexed by Call. Checkpoint has no args (its fields are head, sealed, final).
extern const std::array<CallSpec, (size_t)Call::Count + 0> kCalls;
// The Call named name, or Call::Count.
Call call_by_name(const std::string &name);

// The machine a trace was recorded on: everything co_kernel_create needs.
struct Header {
	u32 version = kFormatVersion;
	std::string kernel; // informational: replay does not compare it
	std::string clock = "sim-ns";
	std::array<u8, 16> boot_id{};
	u32 cpus = 1;
	u32 ring_slots = 0;
	u32 log_events = 0;
	u64 anchor_every_events = 0;
	u64 anchor_every_ns = 0;
	// The floor between TPM writes; absent in traces written before it existed: 0, the
	// kernel they came from had none.
	u64 anchor_min_ns = 0;
	u32 tpm_nv_index = 0;
	bool seal_inline = false;
	// Audited failures per agent (coconut/limits.h); absent in traces written before the
	// limit existed: 0, no limit, as their kernel had.
	u32 fail_burst = 0;
	u64 fail_refill_ns = 0;
	std::array<u64, 3> tier_capacity_bytes{};
	std::vector<std::string> root_caps;
	std::vector<std::array<u8, 32>> authorizers;
	std::string scenario;
	u64 seed = 0;
	u64 checkpoint_every = kCheckpointEveryDefault;
};

struct Record {
	u64 i = 0;
	u64 t = 0;
	u32 cpu = 0;
	u64 aid = 0; // the caller (0 for platform events)
	Call call = Call::Count;
	std::array<u64, kArgsMax> num{};	 // U64 and Bool args, by position
	std::array<std::string, kArgsMax> str{}; // Str args, Hex args decoded
	s64 ret = 0;
	u64 token = 0; // inflight_begin's token (0 when it failed)
	// agent_attest and agent_audit_query that returned bytes (ret > 0): BLAKE3-256 of those
	// bytes, so replay checks the answer's content, not only its length. Optional: a trace
	// recorded without it (or read by an older reader, which ignores it) checks the length.
	bool has_out = false;
	std::array<u8, 32> out{};
	// checkpoint
	std::array<u8, 32> head{};
	u64 sealed = 0;
	bool final = false;
};

// Whether a call's records may carry "out" (the digest of the bytes it returned).
bool call_has_output(Call c);

std::string hex_of(const void *data, size_t len);
// Decodes lowercase or uppercase hex; false on an odd length or a non-hex character.
bool unhex(const std::string &s, std::string &out);

// The JSON lines (no trailing newline).
std::string header_line(const Header &h);
std::string record_line(const Record &r);

} // namespace coconut::trace

#endif
