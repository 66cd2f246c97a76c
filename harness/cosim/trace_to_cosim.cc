// coconut-cosim-convert: turns a trace (docs/traces.md) into what the QEMU guest's replayer
// (harness/guest/cosim_replay.c) reads, so the guest needs no JSON parser:
//
//   coconut-cosim-convert TRACE OUT_DIR
//     OUT_DIR/cosim.params   one line: coconut.ko's insmod arguments for the trace's header
//                            (det_clock=1, boot_id, cpus, the audit topology, tier capacities,
//                            root_caps, authorizers)
//     OUT_DIR/cosim.trace    one line per record: CALL I T CPU RET ARG... (docs/cosim.md)
//
// Arguments follow the format's table (sim/trace/format.h, kCalls) in order: numbers in
// decimal, strings and hex fields as lowercase hex ("-" when empty); inflight_begin adds its
// token; a checkpoint is "checkpoint I T 0 0 HEAD SEALED FINAL". The whole trace is checked by
// the trace reader first: a malformed trace exits 2 with "FILE:LINE: field: what is wrong".
#include "format.h"
#include "reader.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

namespace {

using namespace coconut::trace;

constexpr int kUsage = 2;

std::string hex_or_dash(const std::string &s)
{
	return s.empty() ? "-" : hex_of(s.data(), s.size());
}

// The module parses parameters split at spaces and arrays at ','.
bool param_text_ok(const std::string &s)
{
	if (s.empty())
		return false;
	for (char c : s)
		if (c == ',' || c == ' ' || c == '"' || c == '\t' || c == '\n')
			return false;
	return true;
}

std::string params_line(const Header &h, const std::string &file)
{
	if (h.seal_inline)
		throw TraceError(file, 1, "topology.seal_inline",
				 "true: coconut.ko never seals inline (the trace's seal records do)");
	std::string p = "det_clock=1 boot_id=" + hex_of(h.boot_id.data(), h.boot_id.size());
	p += " cpus=" + std::to_string(h.cpus);
	p += " ring_slots=" + std::to_string(h.ring_slots);
	p += " log_events=" + std::to_string(h.log_events);
	p += " anchor_every_events=" + std::to_string(h.anchor_every_events);
	p += " anchor_every_ns=" + std::to_string(h.anchor_every_ns);
	p += " tpm_nv_index=" + std::to_string(h.tpm_nv_index);
	p += " tier_capacity_bytes=" + std::to_string(h.tier_capacity_bytes[0]) + "," +
	     std::to_string(h.tier_capacity_bytes[1]) + "," +
	     std::to_string(h.tier_capacity_bytes[2]);
	std::string caps;
	for (const std::string &c : h.root_caps) {
		if (!param_text_ok(c))
			throw TraceError(file, 1, "topology.root_caps",
					 "'" + c + "' cannot be a module parameter (empty, or a ',', space or quote)");
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

std::string record_text(const Record &r)
{
	const CallSpec &cs = kCalls[(size_t)r.call];
	std::string s = std::string(cs.name) + " " + std::to_string(r.i) + " " + std::to_string(r.t) +
			" " + std::to_string(r.cpu) + " " + std::to_string(r.ret);
	if (r.call == Call::Checkpoint)
		return s + " " + hex_of(r.head.data(), r.head.size()) + " " + std::to_string(r.sealed) +
		       " " + (r.final ? "1" : "0");
	for (size_t a = 0; a < cs.nargs; a++) {
		const ArgType t = cs.args[a].type;
		s += " ";
		s += (t == ArgType::U64 || t == ArgType::Bool) ? std::to_string(r.num[a])
							       : hex_or_dash(r.str[a]);
	}
	if (r.call == Call::InflightBegin)
		s += " " + std::to_string(r.token);
	if (r.has_out) // attest / audit_query: the digest of the returned bytes, last
		s += " " + hex_of(r.out.data(), r.out.size());
	return s;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 3) {
		std::fprintf(stderr, "usage: coconut-cosim-convert TRACE OUT_DIR\n");
		return kUsage;
	}
	const std::string file = argv[1], out = argv[2];
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		std::fprintf(stderr, "coconut-cosim-convert: cannot open %s\n", file.c_str());
		return kUsage;
	}
	std::ofstream params(out + "/cosim.params"), trace(out + "/cosim.trace", std::ios::binary);
	if (!params || !trace) {
		std::fprintf(stderr, "coconut-cosim-convert: cannot write to %s\n", out.c_str());
		return 1;
	}
	u64 records = 0, checkpoints = 0;
	try {
		TraceReader reader(in, file);
		params << params_line(reader.read_header(), file) << "\n";
		Record r;
		bool final_seen = false;
		while (reader.next(r)) {
			if (r.i != records)
				throw TraceError(file, reader.line_no(), "i",
						 "expected record " + std::to_string(records) + ", got " +
							 std::to_string(r.i));
			trace << record_text(r) << "\n";
			records++;
			if (r.call == Call::Checkpoint) {
				checkpoints++;
				final_seen = r.final;
			}
		}
		if (!final_seen)
			throw TraceError(file, reader.line_no() + 1, "checkpoint",
					 "the trace ends without its final checkpoint (truncated?)");
	} catch (const TraceError &e) {
		std::cerr << e.what() << "\n";
		return kUsage;
	}
	params.close();
	trace.close();
	if (!params || !trace) {
		std::fprintf(stderr, "coconut-cosim-convert: write to %s failed\n", out.c_str());
		return 1;
	}
	std::printf("converted %llu records (%llu checkpoints) to %s/cosim.trace\n",
		    (unsigned long long)records, (unsigned long long)checkpoints, out.c_str());
	return 0;
}
