// See format.h.
#include "format.h"

#include "text_escape.h"

#include "coconut/limits.h"
#include "uapi/linux/coconut.h"

#include <initializer_list>
#include <limits>

namespace coconut::trace {

namespace {
constexpr u64 kU64 = std::numeric_limits<u64>::max();
constexpr u64 kU32 = std::numeric_limits<u32>::max();

constexpr ArgSpec u64a(const char *n, u64 max = kU64)
{
	return ArgSpec{ n, ArgType::U64, max };
}
constexpr ArgSpec stra(const char *n, u64 max)
{
	return ArgSpec{ n, ArgType::Str, max };
}
} // namespace

// One row a call, from the kernel's list (coconut/calls.h): its name and arguments.
constexpr CallSpec call_spec(const char *name, std::initializer_list<ArgSpec> args)
{
	if (args.size() > kArgsMax)
		throw "a call of coconut/calls.h has more arguments than kArgsMax"; // at compile time
	CallSpec c{ name, static_cast<u8>(args.size()), {} };
	size_t i = 0;
	for (const ArgSpec &a : args)
		c.args[i++] = a;
	return c;
}

#define CO_A_U64(n) u64a(#n),
#define CO_A_U32(n) u64a(#n, kU32),
#define CO_A_LEN(n, max) u64a(#n, max),
#define CO_A_BOOL(n) ArgSpec{ #n, ArgType::Bool, 1 },
#define CO_A_STR(n, max) stra(#n, max),
#define CO_A_HEX(n, max) ArgSpec{ #n, ArgType::Hex, max },
#define COCONUT_TRACE_ROW_(id, name, nr, args) call_spec(#name, { args }),
// constinit: built at compile time, so a row call_spec refuses is a compile error.
constinit const std::array<CallSpec, (size_t)Call::Count> kCalls = { { CO_CALLS(
	COCONUT_TRACE_ROW_) } };
#undef COCONUT_TRACE_ROW_
#undef CO_A_U64
#undef CO_A_U32
#undef CO_A_LEN
#undef CO_A_BOOL
#undef CO_A_STR
#undef CO_A_HEX

Call call_by_name(const std::string &name)
{
	for (size_t c = 0; c < kCalls.size(); c++)
		if (name == kCalls[c].name)
			return (Call)c;
	return Call::Count;
}

bool call_has_output(Call c)
{
	return c == Call::AGENT_ATTEST || c == Call::AGENT_AUDIT_QUERY;
}

std::string hex_of(const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const u8 *p = static_cast<const u8 *>(data);
	std::string s(len * 2, '0');
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	return s;
}

bool unhex(const std::string &s, std::string &out)
{
	if (s.size() % 2)
		return false;
	auto val = [](char c) -> int {
		if (c >= '0' && c <= '9')
			return c - '0';
		if (c >= 'a' && c <= 'f')
			return c - 'a' + 10;
		if (c >= 'A' && c <= 'F')
			return c - 'A' + 10;
		return -1;
	};
	out.resize(s.size() / 2);
	for (size_t i = 0; i < out.size(); i++) {
		const int hi = val(s[2 * i]), lo = val(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (char)((hi << 4) | lo);
	}
	return true;
}

namespace {
void put_str(std::string &o, const std::string &s)
{
	o += '"';
	metrics::json_escape_append(o, s);
	o += '"';
}
} // namespace

std::string header_line(const Header &h)
{
	std::string o = "{\"format\":\"";
	o += kFormatName;
	o += "\",\"version\":" + std::to_string(h.version) + ",\"kernel\":";
	put_str(o, h.kernel);
	o += ",\"clock\":";
	put_str(o, h.clock);
	o += ",\"boot_id\":\"" + hex_of(h.boot_id.data(), h.boot_id.size()) + "\"";
	o += ",\"topology\":{\"cpus\":" + std::to_string(h.cpus);
	o += ",\"audit\":{\"ring_slots\":" + std::to_string(h.ring_slots) +
	     ",\"log_events\":" + std::to_string(h.log_events) +
	     ",\"anchor_every_events\":" + std::to_string(h.anchor_every_events) +
	     ",\"anchor_every_ns\":" + std::to_string(h.anchor_every_ns) +
	     ",\"anchor_min_ns\":" + std::to_string(h.anchor_min_ns) +
	     ",\"tpm_nv_index\":" + std::to_string(h.tpm_nv_index) + "}";
	o += std::string(",\"seal_inline\":") + (h.seal_inline ? "true" : "false");
	o += ",\"fail_burst\":" + std::to_string(h.fail_burst) +
	     ",\"fail_refill_ns\":" + std::to_string(h.fail_refill_ns);
	o += ",\"tier_capacity_bytes\":[" + std::to_string(h.tier_capacity_bytes[0]) + "," +
	     std::to_string(h.tier_capacity_bytes[1]) + "," +
	     std::to_string(h.tier_capacity_bytes[2]) + "]";
	o += ",\"root_caps\":[";
	for (size_t i = 0; i < h.root_caps.size(); i++) {
		if (i)
			o += ',';
		put_str(o, h.root_caps[i]);
	}
	o += "],\"authorizers\":[";
	for (size_t i = 0; i < h.authorizers.size(); i++) {
		if (i)
			o += ',';
		o += "\"" + hex_of(h.authorizers[i].data(), h.authorizers[i].size()) + "\"";
	}
	o += "]},\"scenario\":";
	put_str(o, h.scenario);
	o += ",\"seed\":" + std::to_string(h.seed);
	o += ",\"checkpoint_every\":" + std::to_string(h.checkpoint_every) + "}";
	return o;
}

std::string record_line(const Record &r)
{
	const CallSpec &cs = kCalls.at((size_t)r.call);
	std::string o = "{\"i\":" + std::to_string(r.i) + ",\"t\":" + std::to_string(r.t);
	if (r.call == Call::CHECKPOINT) {
		o += ",\"call\":\"checkpoint\",\"head\":\"" + hex_of(r.head.data(), r.head.size()) +
		     "\",\"sealed\":" + std::to_string(r.sealed);
		if (r.final)
			o += ",\"final\":true";
		return o + "}";
	}
	o += ",\"cpu\":" + std::to_string(r.cpu) + ",\"aid\":" + std::to_string(r.aid) +
	     ",\"call\":\"" + cs.name + "\",\"args\":{";
	for (size_t a = 0; a < cs.nargs; a++) {
		const ArgSpec &as = cs.args[a];
		if (a)
			o += ',';
		o += '"';
		o += as.name;
		o += "\":";
		switch (as.type) {
		case ArgType::U64:
			o += std::to_string(r.num[a]);
			break;
		case ArgType::Bool:
			o += r.num[a] ? "true" : "false";
			break;
		case ArgType::Str:
			put_str(o, r.str[a]);
			break;
		case ArgType::Hex:
			o += "\"" + hex_of(r.str[a].data(), r.str[a].size()) + "\"";
			break;
		}
	}
	o += "},\"ret\":" + std::to_string(r.ret);
	if (r.has_out)
		o += ",\"out\":\"" + hex_of(r.out.data(), r.out.size()) + "\"";
	if (r.call == Call::INFLIGHT_BEGIN)
		o += ",\"token\":" + std::to_string(r.token);
	return o + "}";
}

} // namespace coconut::trace
