#include "cosim_lines.h"

#include "reader.h"

namespace coconut::cosim {

namespace {

using namespace coconut::trace;

std::string hex_or_dash(const std::string &s)
{
	return s.empty() ? "-" : hex_of(s.data(), s.size());
}

// The module splits its parameters at spaces and arrays at ','.
bool param_text_ok(const std::string &s)
{
	if (s.empty())
		return false;
	for (char c : s)
		if (c == ',' || c == ' ' || c == '"' || c == '\t' || c == '\n')
			return false;
	return true;
}

} // namespace

std::string guest_params_line(const Header &h, const std::string &file)
{
	if (h.seal_inline)
		throw TraceError(
			file, 1, "topology.seal_inline",
			"true: coconut.ko never seals inline (the trace's seal records do)");
	std::string p = "det_clock=1 boot_id=" + hex_of(h.boot_id.data(), h.boot_id.size());
	p += " cpus=" + std::to_string(h.cpus);
	p += " ring_slots=" + std::to_string(h.ring_slots);
	p += " log_events=" + std::to_string(h.log_events);
	p += " anchor_every_events=" + std::to_string(h.anchor_every_events);
	p += " anchor_every_ns=" + std::to_string(h.anchor_every_ns);
	p += " anchor_min_ns=" + std::to_string(h.anchor_min_ns);
	p += " fail_burst=" + std::to_string(h.fail_burst);
	p += " fail_refill_ns=" + std::to_string(h.fail_refill_ns);
	p += " tpm_nv_index=" + std::to_string(h.tpm_nv_index);
	p += " tier_capacity_bytes=" + std::to_string(h.tier_capacity_bytes[0]) + "," +
	     std::to_string(h.tier_capacity_bytes[1]) + "," +
	     std::to_string(h.tier_capacity_bytes[2]);
	std::string caps;
	for (const std::string &c : h.root_caps) {
		if (!param_text_ok(c))
			throw TraceError(file, 1, "topology.root_caps",
					 "'" + c +
						 "' cannot be a module parameter (empty, or a ',', "
						 "space or quote)");
		caps += (caps.empty() ? "" : ",") + c;
	}
	if (!caps.empty())
		p += " root_caps=" + caps;
	std::string keys;
	for (const auto &k : h.authorizers)
		keys += (keys.empty() ? "" : ",") + hex_of(k.data(), k.size());
	if (!keys.empty())
		p += " authorizers=" + keys;
	return p;
}

std::string guest_record_line(const Record &r)
{
	const CallSpec &cs = kCalls[(size_t)r.call];
	std::string s = std::string(cs.name) + " " + std::to_string(r.i) + " " +
			std::to_string(r.t) + " " + std::to_string(r.cpu) + " " +
			std::to_string(r.ret);
	if (r.call == Call::CHECKPOINT)
		return s + " " + hex_of(r.head.data(), r.head.size()) + " " +
		       std::to_string(r.sealed) + " " + (r.final ? "1" : "0");
	for (size_t a = 0; a < cs.nargs; a++) {
		const ArgType t = cs.args[a].type;
		s += " ";
		s += (t == ArgType::U64 || t == ArgType::Bool) ? std::to_string(r.num[a])
							       : hex_or_dash(r.str[a]);
	}
	if (r.call == Call::INFLIGHT_BEGIN)
		s += " " + std::to_string(r.token);
	if (r.has_out) // attest, audit_query: the digest of the bytes it returned, last
		s += " " + hex_of(r.out.data(), r.out.size());
	return s;
}

} // namespace coconut::cosim
