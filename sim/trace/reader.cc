// See reader.h.
#include "reader.h"

#include "uapi/linux/coconut.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <vector>

namespace coconut::trace {

using nlohmann::json;

TraceError::TraceError(const std::string &file, u64 line, const std::string &field,
		       const std::string &what)
	: std::runtime_error(file + ":" + std::to_string(line) + ": " + field + ": " + what),
	  line_(line)
{
}

// ---- Lines -----------------------------------------------------------------------------

LineReader::LineReader(std::istream &in, std::string file, size_t max_bytes)
	: in_(in), file_(std::move(file)), max_(max_bytes)
{
}

bool LineReader::fill()
{
	if (eof_)
		return false;
	// Keep the unread part, then read a block after it.
	buf_.erase(0, pos_);
	pos_ = 0;
	constexpr size_t kBlock = 1u << 16;
	const size_t had = buf_.size();
	buf_.resize(had + kBlock);
	in_.read(buf_.data() + had, (std::streamsize)kBlock);
	const size_t got = (size_t)in_.gcount();
	buf_.resize(had + got);
	if (got == 0)
		eof_ = true;
	return got > 0;
}

bool LineReader::next(std::string &line)
{
	size_t scanned = 0; // bytes of the current line already searched for '\n'
	for (;;) {
		const char *start = buf_.data() + pos_;
		const size_t avail = buf_.size() - pos_;
		const void *nl = std::memchr(start + scanned, '\n', avail - scanned);
		const size_t len = nl ? (size_t)(static_cast<const char *>(nl) - start) : avail;
		if (len > max_)
			throw TraceError(file_, line_no_ + 1, "line",
					 "longer than " + std::to_string(max_) + " bytes");
		if (nl || (eof_ && avail > 0)) {
			line_no_++;
			line.assign(start, len);
			pos_ += nl ? len + 1 : len;
			if (std::memchr(line.data(), '\0', line.size()))
				throw TraceError(file_, line_no_, "line", "contains a NUL byte");
			return true;
		}
		scanned = avail;
		if (!fill()) {
			if (buf_.size() > pos_)
				continue; // the last line has no '\n'
			return false;
		}
	}
}

// ---- Field checks ------------------------------------------------------------------------

namespace {

struct Ctx {
	const std::string &file;
	u64 line;
	[[noreturn]] void fail(const std::string &field, const std::string &what) const
	{
		throw TraceError(file, line, field, what);
	}
};

const json &field(const Ctx &c, const json &obj, const char *name, const std::string &path)
{
	auto it = obj.find(name);
	if (it == obj.end())
		c.fail(path, "missing");
	return *it;
}

u64 get_u64(const Ctx &c, const json &v, const std::string &path, u64 max)
{
	if (!v.is_number_integer())
		c.fail(path,
		       v.is_number() ? "not an integer (or out of range)" : "expected an integer");
	if (v.is_number_unsigned()) {
		const u64 x = v.get<u64>();
		if (x > max)
			c.fail(path, std::to_string(x) + " is over " + std::to_string(max));
		return x;
	}
	const s64 x = v.get<s64>();
	if (x < 0)
		c.fail(path, std::to_string(x) + " is negative");
	if ((u64)x > max)
		c.fail(path, std::to_string(x) + " is over " + std::to_string(max));
	return (u64)x;
}

s64 get_s64(const Ctx &c, const json &v, const std::string &path)
{
	if (!v.is_number_integer())
		c.fail(path, "expected an integer");
	if (v.is_number_unsigned() && v.get<u64>() > (u64)INT64_MAX)
		c.fail(path, "out of range");
	return v.get<s64>();
}

const std::string &get_str(const Ctx &c, const json &v, const std::string &path, size_t max)
{
	if (!v.is_string())
		c.fail(path, "expected a string");
	const std::string &s = v.get_ref<const std::string &>();
	if (s.size() > max)
		c.fail(path, "longer than " + std::to_string(max) + " bytes");
	return s;
}

template <size_t N>
void get_hex_fixed(const Ctx &c, const json &v, const std::string &path, std::array<u8, N> &out)
{
	const std::string &s = get_str(c, v, path, 2 * N);
	std::string bytes;
	if (s.size() != 2 * N || !unhex(s, bytes))
		c.fail(path, "expected " + std::to_string(2 * N) + " hex digits");
	std::memcpy(out.data(), bytes.data(), N);
}

// ---- Version 1 ---------------------------------------------------------------------------

void header_v1(const Ctx &c, const json &j, Header &h)
{
	h.kernel = get_str(c, field(c, j, "kernel", "kernel"), "kernel", 1024);
	h.clock = get_str(c, field(c, j, "clock", "clock"), "clock", 64);
	if (h.clock != "sim-ns" && h.clock != "ns")
		c.fail("clock", "expected \"sim-ns\" or \"ns\", got \"" + h.clock + "\"");
	get_hex_fixed(c, field(c, j, "boot_id", "boot_id"), "boot_id", h.boot_id);
	const json &topo = field(c, j, "topology", "topology");
	if (!topo.is_object())
		c.fail("topology", "expected an object");
	h.cpus = (u32)get_u64(c, field(c, topo, "cpus", "topology.cpus"), "topology.cpus", 256);
	if (h.cpus == 0)
		c.fail("topology.cpus", "must be at least 1");
	const json &au = field(c, topo, "audit", "topology.audit");
	if (!au.is_object())
		c.fail("topology.audit", "expected an object");
	auto aud = [&](const char *n, u64 max) {
		return get_u64(c, field(c, au, n, std::string("topology.audit.") + n),
			       std::string("topology.audit.") + n, max);
	};
	h.ring_slots = (u32)aud("ring_slots", UINT32_MAX);
	h.log_events = (u32)aud("log_events", UINT32_MAX);
	h.anchor_every_events = aud("anchor_every_events", UINT64_MAX);
	h.anchor_every_ns = aud("anchor_every_ns", UINT64_MAX);
	// Optional: traces from before the floor existed replay with none (what their kernel did).
	if (au.contains("anchor_min_ns"))
		h.anchor_min_ns = aud("anchor_min_ns", UINT64_MAX);
	h.tpm_nv_index = (u32)aud("tpm_nv_index", UINT32_MAX);
	const json &si = field(c, topo, "seal_inline", "topology.seal_inline");
	if (!si.is_boolean())
		c.fail("topology.seal_inline", "expected true or false");
	h.seal_inline = si.get<bool>();
	// Optional: traces from before the limit existed replay with none (what their kernel did).
	if (topo.contains("fail_burst"))
		h.fail_burst =
			(u32)get_u64(c, topo["fail_burst"], "topology.fail_burst", UINT32_MAX);
	if (topo.contains("fail_refill_ns"))
		h.fail_refill_ns =
			get_u64(c, topo["fail_refill_ns"], "topology.fail_refill_ns", UINT64_MAX);
	const json &tc = field(c, topo, "tier_capacity_bytes", "topology.tier_capacity_bytes");
	if (!tc.is_array() || tc.size() != 3)
		c.fail("topology.tier_capacity_bytes", "expected [hbm, ram, ssd]");
	for (size_t t = 0; t < 3; t++)
		h.tier_capacity_bytes[t] =
			get_u64(c, tc[t], "topology.tier_capacity_bytes[" + std::to_string(t) + "]",
				UINT64_MAX);
	const json &rc = field(c, topo, "root_caps", "topology.root_caps");
	if (!rc.is_array() || rc.size() > 4096)
		c.fail("topology.root_caps", "expected an array of at most 4096 cap texts");
	for (size_t i = 0; i < rc.size(); i++)
		h.root_caps.push_back(get_str(c, rc[i],
					      "topology.root_caps[" + std::to_string(i) + "]",
					      COCONUT_CAP_TEXT_MAX));
	const json &au2 = field(c, topo, "authorizers", "topology.authorizers");
	if (!au2.is_array() || au2.size() > 64)
		c.fail("topology.authorizers", "expected an array of at most 64 keys");
	for (size_t i = 0; i < au2.size(); i++) {
		std::array<u8, 32> pk{};
		get_hex_fixed(c, au2[i], "topology.authorizers[" + std::to_string(i) + "]", pk);
		h.authorizers.push_back(pk);
	}
	h.scenario = get_str(c, field(c, j, "scenario", "scenario"), "scenario", 1024);
	h.seed = get_u64(c, field(c, j, "seed", "seed"), "seed", UINT64_MAX);
	h.checkpoint_every = get_u64(c, field(c, j, "checkpoint_every", "checkpoint_every"),
				     "checkpoint_every", UINT64_MAX);
	if (h.checkpoint_every == 0)
		c.fail("checkpoint_every", "must be at least 1");
}

// A record holds these fields and no others (a checkpoint the first six), as the scenario
// loader refuses keys it does not know: a misspelt "tokn" must not be read as no token.
void record_fields_v1(const Ctx &c, const json &j, bool checkpoint)
{
	static const char *const kCheckpoint[] = { "i", "t", "call", "head", "sealed", "final" };
	static const char *const kCall[] = { "i",    "t",   "call", "cpu",  "aid",
					     "args", "ret", "out",  "token" };
	// Not a structured binding: clang 14 cannot capture one in a lambda.
	for (auto it = j.begin(); it != j.end(); ++it) {
		const std::string key = it.key();
		const auto known = [&key](const auto &list) {
			return std::find_if(std::begin(list), std::end(list),
					    [&key](const char *k) { return key == k; }) !=
			       std::end(list);
		};
		if (!(checkpoint ? known(kCheckpoint) : known(kCall)))
			c.fail(key, "unknown field \"" + key + "\" in a " +
					    (checkpoint ? "checkpoint" : "call") + " record");
	}
}

void record_v1(const Ctx &c, const json &j, const Header &h, Record &r)
{
	r = Record{};
	r.i = get_u64(c, field(c, j, "i", "i"), "i", UINT64_MAX);
	r.t = get_u64(c, field(c, j, "t", "t"), "t", UINT64_MAX);
	const std::string &name = get_str(c, field(c, j, "call", "call"), "call", 64);
	r.call = call_by_name(name);
	if (r.call == Call::Count)
		c.fail("call", "unknown call \"" + name + "\"");
	record_fields_v1(c, j, r.call == Call::CHECKPOINT);
	if (r.call == Call::CHECKPOINT) {
		get_hex_fixed(c, field(c, j, "head", "head"), "head", r.head);
		r.sealed = get_u64(c, field(c, j, "sealed", "sealed"), "sealed", UINT64_MAX);
		auto f = j.find("final");
		if (f != j.end()) {
			if (!f->is_boolean())
				c.fail("final", "expected true or false");
			r.final = f->get<bool>();
		}
		return;
	}
	r.cpu = (u32)get_u64(c, field(c, j, "cpu", "cpu"), "cpu", UINT32_MAX);
	if (r.cpu >= h.cpus)
		c.fail("cpu", std::to_string(r.cpu) + " is not below the header's " +
				      std::to_string(h.cpus) + " cpus");
	r.aid = get_u64(c, field(c, j, "aid", "aid"), "aid", UINT64_MAX);
	const json &args = field(c, j, "args", "args");
	if (!args.is_object())
		c.fail("args", "expected an object");
	const CallSpec &cs = kCalls[(size_t)r.call];
	if (args.size() != cs.nargs)
		c.fail("args", std::string(cs.name) + " takes " + std::to_string(cs.nargs) +
				       " arguments, got " + std::to_string(args.size()));
	for (size_t a = 0; a < cs.nargs; a++) {
		const ArgSpec &as = cs.args[a];
		const std::string path = std::string("args.") + as.name;
		const json &v = field(c, args, as.name, path);
		switch (as.type) {
		case ArgType::U64:
			r.num[a] = get_u64(c, v, path, as.max);
			break;
		case ArgType::Bool:
			if (!v.is_boolean())
				c.fail(path, "expected true or false");
			r.num[a] = v.get<bool>();
			break;
		case ArgType::Str:
			r.str[a] = get_str(c, v, path, as.max);
			break;
		case ArgType::Hex:
			if (!unhex(get_str(c, v, path, 2 * as.max), r.str[a]))
				c.fail(path, "expected hex digits");
			break;
		}
	}
	r.ret = get_s64(c, field(c, j, "ret", "ret"), "ret");
	if (auto f = j.find("out"); f != j.end()) {
		if (!call_has_output(r.call) || r.ret <= 0)
			c.fail("out",
			       "only agent_attest and agent_audit_query records that returned "
			       "bytes (ret > 0) carry an output digest");
		get_hex_fixed(c, *f, "out", r.out);
		r.has_out = true;
	}
	if (r.call == Call::INFLIGHT_BEGIN)
		r.token = get_u64(c, field(c, j, "token", "token"), "token", UINT64_MAX);
}

// One entry per version this reader knows: how that version's JSON maps into Header and
// Record. A version 2 adds {2, header_v2, record_v2} (and keeps v1).
struct VersionMapping {
	u32 version;
	void (*header)(const Ctx &, const json &, Header &);
	void (*record)(const Ctx &, const json &, const Header &, Record &);
};
constexpr VersionMapping kVersions[] = { { 1, header_v1, record_v1 } };

const VersionMapping *mapping(u32 version)
{
	for (const VersionMapping &m : kVersions)
		if (m.version == version)
			return &m;
	return nullptr;
}

json parse_object(const Ctx &c, const std::string &line)
{
	// JSON leaves duplicate keys to the reader and nlohmann keeps the last; a record with two
	// "ret"s is malformed, not a divergence. The keys seen so far in each open object.
	std::vector<std::vector<std::string>> open_objects;
	std::string duplicate;
	const json::parser_callback_t keys = [&](int, json::parse_event_t ev, json &value) {
		if (ev == json::parse_event_t::object_start)
			open_objects.emplace_back();
		else if (ev == json::parse_event_t::object_end && !open_objects.empty())
			open_objects.pop_back();
		else if (ev == json::parse_event_t::key && !open_objects.empty()) {
			std::vector<std::string> &seen = open_objects.back();
			const std::string &k = value.get_ref<const std::string &>();
			if (std::find(seen.begin(), seen.end(), k) != seen.end() &&
			    duplicate.empty())
				duplicate = k;
			seen.push_back(k);
		}
		return true;
	};
	json j = json::parse(line, keys, false);
	if (j.is_discarded())
		c.fail("json", line.empty() ? "empty line" : "not valid JSON");
	if (!duplicate.empty())
		c.fail(duplicate, "the key \"" + duplicate + "\" appears twice in one object");
	if (!j.is_object())
		c.fail("json", "expected a JSON object");
	return j;
}

} // namespace

// ---- TraceReader -------------------------------------------------------------------------

TraceReader::TraceReader(std::istream &in, const std::string &file) : lines_(in, file) {}

const Header &TraceReader::read_header()
{
	if (!lines_.next(line_))
		throw TraceError(file(), 1, "header", "the trace is empty");
	const Ctx c{ file(), line_no() };
	const json j = parse_object(c, line_);
	const json &fmt = field(c, j, "format", "format");
	if (!fmt.is_string() || fmt.get_ref<const std::string &>() != kFormatName)
		c.fail("format", std::string("expected \"") + kFormatName + "\"");
	const u64 v = get_u64(c, field(c, j, "version", "version"), "version", UINT32_MAX);
	if (v > kFormatVersion)
		c.fail("version",
		       "version " + std::to_string(v) + " is newer than this reader knows (up to " +
			       std::to_string(kFormatVersion) + "): use a newer coconut-sim");
	const VersionMapping *m = mapping((u32)v);
	if (!m)
		c.fail("version", "unknown version " + std::to_string(v));
	version_ = (u32)v;
	header_ = Header{};
	header_.version = version_;
	m->header(c, j, header_);
	return header_;
}

bool TraceReader::next(Record &r)
{
	if (!lines_.next(line_))
		return false;
	const Ctx c{ file(), line_no() };
	const json j = parse_object(c, line_);
	mapping(version_)->record(c, j, header_, r);
	return true;
}

} // namespace coconut::trace
