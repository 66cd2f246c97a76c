// Reading a sample file (see sample.h) with every field checked: a sample may come from another
// machine, an older tool or a hand edit, and a zero, negative or missing timing must stop the
// writer with the file, line and field rather than become a rate in a profile. The located
// errors are the scenario loader's (sim/scenario/yaml_util.h), as the profile loader's are.
#include "sample.h"

#include "calibrate_limits.h"

#include "yaml_util.h"

namespace coconut::calibrate {

using scenario::detail::Field;
using scenario::detail::MapReader;
namespace d = scenario::detail;

namespace {

std::string text(const MapReader &m, std::string_view key)
{
	return d::as_string(m.need(key), limits::text_bytes_max);
}

Repeats repeats(const Field &f)
{
	const std::vector<Field> items = d::as_list(f, limits::repeats_max);
	if (items.size() < limits::repeats_min)
		f.fail(std::to_string(items.size()) + " repeats: a spread needs at least " +
		       std::to_string(limits::repeats_min));
	Repeats ns;
	for (const Field &e : items)
		ns.push_back(
			d::as_uint(e, 1, limits::timing_ns_max)); // a time of 0 ns is no timing
	return ns;
}

u64 bytes(const MapReader &m, std::string_view key)
{
	return d::as_uint(m.need(key), 1, limits::bytes_max);
}

u64 dimension(const MapReader &m, std::string_view key)
{
	return d::as_uint(m.need(key), 1, limits::dimension_max);
}

u32 ops(const MapReader &m)
{
	return d::as_u32(m.need("ops"), 1, limits::ops_per_repeat_max);
}

Direction direction(const Field &f)
{
	const std::string t = d::scalar_text(f, "a direction");
	for (const Direction v :
	     { Direction::HostToDevice, Direction::DeviceToHost, Direction::Both })
		if (t == direction_name(v))
			return v;
	f.fail(d::quote(t) + " is not a direction (h2d, d2h, both)");
}

HostMemory host_memory(const Field &f)
{
	const std::string t = d::scalar_text(f, "host memory");
	for (const HostMemory v : { HostMemory::Pinned, HostMemory::Pageable })
		if (t == host_memory_name(v))
			return v;
	f.fail(d::quote(t) + " is not host memory (pinned, pageable)");
}

std::vector<Field> points(const MapReader &m, std::string_view key)
{
	const Field f = m.need(key);
	const std::vector<Field> out = d::as_list(f, limits::points_max);
	if (out.empty())
		f.fail("no points: the fit needs this measurement");
	return out;
}

DeviceInfo read_device(const Field &f)
{
	const MapReader m(f, { "name", "driver", "driver_cuda", "cuda_runtime",
			       "compute_capability", "date", "note", "hbm_bytes", "sms" });
	DeviceInfo dev;
	dev.name = text(m, "name");
	dev.driver = text(m, "driver");
	dev.driver_cuda = text(m, "driver_cuda");
	dev.cuda_runtime = text(m, "cuda_runtime");
	dev.compute_capability = text(m, "compute_capability");
	dev.date = text(m, "date");
	if (auto note = m.get("note"))
		dev.note = d::as_string(*note, limits::source_bytes_max);
	dev.hbm_bytes = bytes(m, "hbm_bytes");
	dev.sms = d::as_u32(m.need("sms"), 1, 1u << 16);
	return dev;
}

// The proxies build one layer from hidden and intermediate, and the KV kernel lays out K and
// V as the broker counts them; a sample whose numbers disagree was not measured on this shape.
void check_model(const Field &f, const ProxyModel &m)
{
	const u64 h = m.hidden, i = m.intermediate;
	const u64 layer = 4 * h * h + 3 * h * i; // QKV 3h^2, O h^2, gate+up 2hi, down ih
	if (m.layer_linear_params != layer)
		f.fail("layer_linear_params " + std::to_string(m.layer_linear_params) +
		       " is not 4 x hidden^2 + 3 x hidden x intermediate = " +
		       std::to_string(layer));
	if (m.layer_linear_params > m.params)
		f.fail("layer_linear_params is more than params");
	const u64 kv = 2ull * m.layers * h * m.bytes_per_param;
	if (m.kv_bytes_per_token != kv)
		f.fail("kv_bytes_per_token " + std::to_string(m.kv_bytes_per_token) +
		       " is not 2 x layers x hidden x bytes_per_param = " + std::to_string(kv));
	if (m.hidden % m.heads != 0)
		f.fail("hidden is not a multiple of heads");
}

ProxyModel read_model(const Field &f)
{
	const MapReader m(f,
			  { "name", "params", "bytes_per_param", "layers", "hidden",
			    "kv_bytes_per_token", "intermediate", "heads", "layer_linear_params" });
	ProxyModel p;
	p.name = text(m, "name");
	p.params = d::as_uint(m.need("params"), 1, 1ull << 50);
	p.bytes_per_param = d::as_u32(m.need("bytes_per_param"), 1, 8);
	p.layers = d::as_u32(m.need("layers"), 1, 1024);
	p.hidden = d::as_u32(m.need("hidden"), 1, 1u << 16);
	p.kv_bytes_per_token = bytes(m, "kv_bytes_per_token");
	p.intermediate = d::as_u32(m.need("intermediate"), 1, 1u << 18);
	p.heads = d::as_u32(m.need("heads"), 1, 1024);
	p.layer_linear_params = d::as_uint(m.need("layer_linear_params"), 1, 1ull << 50);
	check_model(f, p);
	return p;
}

void read_copies(const MapReader &root, Sample &s)
{
	for (const Field &e : points(root, "copies")) {
		const MapReader m(e, { "direction", "memory", "bytes", "ops", "ns" });
		s.copies.push_back({ direction(m.need("direction")), host_memory(m.need("memory")),
				     bytes(m, "bytes"), ops(m), repeats(m.need("ns")) });
	}
	const MapReader l(root.need("lone_copy"), { "direction", "memory", "bytes", "ns" });
	s.lone_copy = { direction(l.need("direction")), host_memory(l.need("memory")),
			bytes(l, "bytes"), repeats(l.need("ns")) };
}

void read_kernels(const MapReader &root, Sample &s)
{
	const MapReader l(root.need("launch"), { "ops", "ns", "lone_ns" });
	s.launch = { ops(l), repeats(l.need("ns")), repeats(l.need("lone_ns")) };
	const MapReader h(root.need("hbm"), { "bytes", "ns" });
	s.hbm = { bytes(h, "bytes"), repeats(h.need("ns")) };
	for (const Field &e : points(root, "gemm")) {
		const MapReader m(e, { "dtype", "m", "n", "k", "ns" });
		const Field dt = m.need("dtype");
		const std::string dtype = d::scalar_text(dt, "a data type");
		if (dtype != "fp16" && dtype != "bf16")
			dt.fail(d::quote(dtype) + " is not a GEMM data type (fp16, bf16)");
		s.gemm.push_back({ dtype, dimension(m, "m"), dimension(m, "n"), dimension(m, "k"),
				   repeats(m.need("ns")) });
	}
}

void read_proxies(const MapReader &root, Sample &s)
{
	const auto linear = [&](std::string_view key, std::vector<LinearTiming> &list) {
		for (const Field &e : points(root, key)) {
			const MapReader m(e, { "tokens", "ns" });
			list.push_back({ dimension(m, "tokens"), repeats(m.need("ns")) });
		}
	};
	linear("decode_linear", s.decode_linear);
	linear("prefill_linear", s.prefill_linear);
	for (const Field &e : points(root, "kv_read")) {
		const MapReader m(e, { "batch", "context", "ns" });
		s.kv_read.push_back(
			{ dimension(m, "batch"), dimension(m, "context"), repeats(m.need("ns")) });
	}
	for (const Field &e : points(root, "prefill_attention")) {
		const MapReader m(e, { "chunk", "offset", "ns" });
		const u64 chunk = dimension(m, "chunk");
		const u64 offset = d::as_uint(m.need("offset"), 0, limits::dimension_max);
		s.prefill_attention.push_back({ chunk, offset, repeats(m.need("ns")) });
	}
}

} // namespace

Sample read_sample(const std::string &path)
{
	const std::string body = d::read_text_file(path, "(sample)");
	try {
		const Field root = Field::root(d::parse_document(body, path), path);
		const MapReader m(root, { "format", "device", "model", "copies", "lone_copy",
					  "launch", "hbm", "gemm", "decode_linear",
					  "prefill_linear", "kv_read", "prefill_attention" });
		Sample s;
		const Field format = m.need("format");
		s.format = d::as_u32(format, 1, 1u << 16);
		if (s.format != limits::sample_format)
			format.fail("sample format " + std::to_string(s.format) +
				    ": this tool reads " + std::to_string(limits::sample_format) +
				    " (re-run coconut-calibrate)");
		s.device = read_device(m.need("device"));
		s.model = read_model(m.need("model"));
		read_copies(m, s);
		read_kernels(m, s);
		read_proxies(m, s);
		return s;
	} catch (const YAML::Exception &e) {
		const int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
		const int column = e.mark.column >= 0 ? e.mark.column + 1 : 1;
		throw scenario::ScenarioError(scenario::SourceLoc{ path, line, column }, "(yaml)",
					      e.msg);
	}
}

} // namespace coconut::calibrate
