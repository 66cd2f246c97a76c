// The sample as text (see sample.h). Hand-written YAML, one measurement point a line, so that a
// sample reads well in a diff and every number is an integer (no float formatting to differ
// between C libraries).
#include "sample.h"

#include "yaml_quote.h"

#include <cassert>
#include <sstream>

namespace coconut::calibrate {

const char *direction_name(Direction d)
{
	switch (d) {
	case Direction::HostToDevice:
		return "h2d";
	case Direction::DeviceToHost:
		return "d2h";
	case Direction::Both:
		return "both";
	}
	return "?";
}

const char *host_memory_name(HostMemory m)
{
	return m == HostMemory::Pinned ? "pinned" : "pageable";
}

namespace {

// `[a, b, ...]`, wrapped every 16 numbers onto lines indented past the entry's dash.
std::string repeats(const Repeats &ns)
{
	assert(!ns.empty());
	constexpr std::size_t per_line = 16;
	std::string out = "[";
	for (std::size_t i = 0; i < ns.size(); i++) {
		if (i > 0)
			out += (i % per_line == 0) ? ",\n      " : ", ";
		out += std::to_string(ns[i]);
	}
	return out + "]";
}

void write_device(std::ostringstream &o, const DeviceInfo &d)
{
	o << "device:\n"
	  << "  name: " << yaml_quoted(d.name) << "\n"
	  << "  driver: " << yaml_quoted(d.driver) << "\n"
	  << "  driver_cuda: " << yaml_quoted(d.driver_cuda) << "\n"
	  << "  cuda_runtime: " << yaml_quoted(d.cuda_runtime) << "\n"
	  << "  compute_capability: " << yaml_quoted(d.compute_capability) << "\n"
	  << "  date: " << yaml_quoted(d.date) << "\n";
	if (!d.note.empty())
		o << "  note: " << yaml_quoted(d.note) << "\n";
	o << "  hbm_bytes: " << d.hbm_bytes << "\n"
	  << "  sms: " << d.sms << "\n";
}

void write_model(std::ostringstream &o, const ProxyModel &m)
{
	o << "model:\n"
	  << "  name: " << yaml_quoted(m.name) << "\n"
	  << "  params: " << m.params << "\n"
	  << "  bytes_per_param: " << m.bytes_per_param << "\n"
	  << "  layers: " << m.layers << "\n"
	  << "  hidden: " << m.hidden << "\n"
	  << "  kv_bytes_per_token: " << m.kv_bytes_per_token << "\n"
	  << "  intermediate: " << m.intermediate << "\n"
	  << "  heads: " << m.heads << "\n"
	  << "  layer_linear_params: " << m.layer_linear_params << "\n";
}

void write_copies(std::ostringstream &o, const Sample &s)
{
	o << "# ns per copy (per pair for `both`), each repeat the mean of `ops` back-to-back "
	     "copies\n"
	  << "copies:\n";
	for (const CopyPoint &c : s.copies)
		o << "  - { direction: " << direction_name(c.direction)
		  << ", memory: " << host_memory_name(c.memory) << ", bytes: " << c.bytes
		  << ", ops: " << c.ops << ", ns: " << repeats(c.ns) << " }\n";
	const LoneCopy &l = s.lone_copy;
	o << "# one copy at a time, from the call to its completion (host clock)\n"
	  << "lone_copy: { direction: " << direction_name(l.direction)
	  << ", memory: " << host_memory_name(l.memory) << ", bytes: " << l.bytes
	  << ",\n  ns: " << repeats(l.ns) << " }\n";
}

void write_gpu(std::ostringstream &o, const Sample &s)
{
	o << "# empty kernels: ns per launch of `ops` back to back; lone_ns: launch + synchronize\n"
	  << "launch: { ops: " << s.launch.ops << ",\n  ns: " << repeats(s.launch.ns)
	  << ",\n  lone_ns: " << repeats(s.launch.lone_ns) << " }\n"
	  << "# the streaming kernel: `bytes` read and `bytes` written per launch\n"
	  << "hbm: { bytes: " << s.hbm.bytes << ", ns: " << repeats(s.hbm.ns) << " }\n"
	  << "gemm:\n";
	for (const GemmPoint &g : s.gemm)
		o << "  - { dtype: " << g.dtype << ", m: " << g.m << ", n: " << g.n
		  << ", k: " << g.k << ", ns: " << repeats(g.ns) << " }\n";
	o << "# one layer's linear GEMMs (QKV, O, gate+up, down) at `tokens` tokens\n"
	  << "decode_linear:\n";
	for (const LinearTiming &p : s.decode_linear)
		o << "  - { tokens: " << p.tokens << ", ns: " << repeats(p.ns) << " }\n";
	o << "prefill_linear:\n";
	for (const LinearTiming &p : s.prefill_linear)
		o << "  - { tokens: " << p.tokens << ", ns: " << repeats(p.ns) << " }\n";
	o << "# one layer's decode attention: K and V of batch x context tokens read once\n"
	  << "kv_read:\n";
	for (const KvReadTiming &p : s.kv_read)
		o << "  - { batch: " << p.batch << ", context: " << p.context
		  << ", ns: " << repeats(p.ns) << " }\n";
	o << "# one layer's prefill attention: S = Q K^T and O = S V per head (no softmax)\n"
	  << "prefill_attention:\n";
	for (const PrefillAttentionTiming &p : s.prefill_attention)
		o << "  - { chunk: " << p.chunk << ", offset: " << p.offset
		  << ", ns: " << repeats(p.ns) << " }\n";
}

} // namespace

std::string sample_text(const Sample &s, const std::string &source)
{
	std::ostringstream o;
	o << "# coconut-calibrate sample (docs/calibrate.md, \"The sample format\"): "
	  << one_line(source)
	  << "\n# Every repeat of every measurement in whole ns; coconut-calibrate-write fits it.\n"
	  << "format: " << s.format << "\n";
	write_device(o, s.device);
	write_model(o, s.model);
	write_copies(o, s);
	write_gpu(o, s);
	return o.str();
}

} // namespace coconut::calibrate
