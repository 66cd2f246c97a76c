// write_scenario_yaml (writer.h). The YAML is written by hand rather than with YAML::Emitter:
// the emitter replaces bytes that are not UTF-8, which the loader keeps, and a hand-written
// layout stays readable (one event or gate per line). Every text value goes through quoted();
// every other value is a token made here (digits, units, enum names) that YAML reads as the
// same text.
#include "writer.h"

#include "loader_detail.h"
#include "names_detail.h"

#include <array>
#include <cstdio>

namespace coconut::scenario {
namespace {

// ---- Values, each in a form its reader takes back exactly -----------------------------------

// A double-quoted YAML string. Control bytes are escaped (\xNN is the same byte back); bytes
// from 0x80 up are kept as they are, UTF-8 or not: yaml-cpp returns them unchanged.
std::string quoted(std::string_view text)
{
	std::string out = "\"";
	for (const char c : text) {
		const unsigned char u = static_cast<unsigned char>(c);
		if (c == '"' || c == '\\') {
			out += '\\';
			out += c;
		} else if (u < 0x20 || u == 0x7f) {
			char esc[5];
			std::snprintf(esc, sizeof esc, "\\x%02x", u);
			out += esc;
		} else {
			out += c;
		}
	}
	return out + "\"";
}

struct Unit {
	const char *suffix;
	u64 factor;
};

// The largest unit that divides v, so that the text is exact and as short as it can be.
template <std::size_t N> std::string in_units(u64 v, const std::array<Unit, N> &largest_first)
{
	for (const Unit &u : largest_first)
		if (v % u.factor == 0)
			return std::to_string(v / u.factor) + u.suffix;
	return std::to_string(v);
}

constexpr std::array<Unit, 6> duration_units{ {
	{ "h", 3600000000000ull },
	{ "min", 60000000000ull },
	{ "s", 1000000000ull },
	{ "ms", 1000000ull },
	{ "us", 1000ull },
	{ "ns", 1ull },
} };

// Binary and decimal units interleaved by size; bytes alone need no unit.
constexpr std::array<Unit, 8> size_units{ {
	{ "TiB", 1ull << 40 },
	{ "TB", 1000000000000ull },
	{ "GiB", 1ull << 30 },
	{ "GB", 1000000000ull },
	{ "MiB", 1ull << 20 },
	{ "MB", 1000000ull },
	{ "KiB", 1ull << 10 },
	{ "KB", 1000ull },
} };

std::string duration_text(u64 ns)
{
	return ns == 0 ? "0s" : in_units(ns, duration_units);
}
std::string size_text(u64 bytes)
{
	return bytes == 0 ? "0" : in_units(bytes, size_units);
}

// A count per unit that parse_rate_gap_ns takes back to this very gap, as a person writes a
// rate ("300/s", though 10^9 / 300 ns is not whole); else one per the gap itself, "1/<gap>",
// which states any gap exactly.
std::string rate_text(u64 gap_ns)
{
	constexpr u64 count_max = 999; // beyond, "1/<gap>" reads better
	constexpr std::array<Unit, 5> per{ {
		{ "us", 1000ull },
		{ "ms", 1000000ull },
		{ "s", 1000000000ull },
		{ "min", 60000000000ull },
		{ "h", 3600000000000ull },
	} };
	if (gap_ns == 0)
		return "0/s"; // no rate has no gap; refused on the way back in, as it should be
	for (const Unit &u : per) {
		const u64 count = (u.factor + gap_ns / 2) / gap_ns; // a candidate, checked below
		if (count == 0 || count > count_max)
			continue;
		std::string text = std::to_string(count) + "/" + u.suffix;
		if (parse_rate_gap_ns(text) == gap_ns)
			return text;
	}
	return "1/" + duration_text(gap_ns);
}

// Thousandths as a decimal: 1500 -> "1.5", 2000 -> "2", 1 -> "0.001".
std::string milli_text(u64 milli)
{
	std::string out = std::to_string(milli / 1000);
	const u64 frac = milli % 1000;
	if (frac == 0)
		return out;
	std::string digits = std::to_string(1000 + frac).substr(1);
	while (digits.back() == '0')
		digits.pop_back();
	return out + "." + digits;
}

std::string hex_text(u64 v)
{
	char buf[24];
	std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
	return buf;
}

std::string expect_text(s64 v)
{
	const std::string name = detail::errno_name(v);
	return name.empty() ? std::to_string(v) : name;
}

// A quota budget in the unit of its kind, as detail::as_quota_budget reads it.
std::string budget_text(const std::string &kind, u64 budget)
{
	if (kind == "cpu")
		return duration_text(budget);
	if (kind == "tokens")
		return std::to_string(budget);
	if (kind == "membw")
		return size_text(budget) + "/s";
	return size_text(budget);
}

// A name from one of the loader's tables, or the number, which the loader then refuses as it
// would have refused it in a file.
std::string enum_text(const char *name, u64 value)
{
	return name ? std::string(name) : std::to_string(value);
}

template <typename T, typename F> std::string flow_list(const std::vector<T> &items, F text)
{
	std::string out = "[";
	for (std::size_t i = 0; i < items.size(); ++i)
		out += (i ? ", " : "") + text(items[i]);
	return out + "]";
}

std::string text_list(const std::vector<std::string> &items)
{
	return flow_list(items, [](const std::string &s) { return quoted(s); });
}

using RangeText = std::string (*)(u64);

std::string count_text(u64 v)
{
	return std::to_string(v);
}

std::string range_text(const Range &r, RangeText text)
{
	if (r.fixed())
		return text(r.lo);
	return "{ min: " + text(r.lo) + ", max: " + text(r.hi) + " }";
}

// "{ k: v, k: v }": one event, gate or GPU on one line.
class Flow {
public:
	Flow &add(std::string_view key, const std::string &value)
	{
		text_ += text_.empty() ? "{ " : ", ";
		text_ += key;
		text_ += ": ";
		text_ += value;
		return *this;
	}
	std::string str() const { return text_ + " }"; }

private:
	std::string text_;
};

// ---- Layout: block maps and lists, two spaces a level ---------------------------------------

class Out {
public:
	void value(std::string_view key, const std::string &token)
	{
		line_start();
		text_ += key;
		text_ += ": ";
		text_ += token;
		text_ += '\n';
	}
	void begin_map(std::string_view key)
	{
		line_start();
		text_ += key;
		text_ += ":\n";
		indent_ += 2;
	}
	void end_map() { indent_ -= 2; }
	// A list of maps: item() before each map's first key.
	void begin_list(std::string_view key)
	{
		begin_map(key);
		indent_ += 2;
	}
	void end_list() { indent_ -= 4; }
	void item() { item_ = true; }
	void flow_item(const Flow &f)
	{
		item();
		line_start();
		text_ += f.str();
		text_ += '\n';
	}
	const std::string &text() const { return text_; }

private:
	void line_start()
	{
		if (item_) {
			text_.append(static_cast<std::size_t>(indent_ - 2), ' ');
			text_ += "- ";
			item_ = false;
		} else {
			text_.append(static_cast<std::size_t>(indent_), ' ');
		}
	}

	std::string text_;
	int indent_ = 0;
	bool item_ = false; // the next line opens a list item
};

// ---- Sections, in the loader's order --------------------------------------------------------

void write_audit(Out &o, const AuditSpec &a)
{
	o.begin_map("audit");
	o.value("ring_slots", std::to_string(a.ring_slots));
	o.value("seal_interval", duration_text(a.seal_interval_ns));
	o.value("seal_batch", std::to_string(a.seal_batch_events));
	o.value("anchor_every_events", std::to_string(a.anchor_every_events));
	o.value("anchor_every", duration_text(a.anchor_every_ns));
	o.value("anchor_min_interval", duration_text(a.anchor_min_ns));
	o.value("fail_burst", std::to_string(a.fail_burst));
	o.value("fail_refill", duration_text(a.fail_refill_ns));
	o.value("tpm_nv_index", hex_text(a.tpm_nv_index));
	o.end_map();
}

void write_broker(Out &o, const BrokerSpec &b)
{
	o.begin_map("broker");
	o.value("batch_tokens", std::to_string(b.batch_tokens));
	o.value("max_seqs", std::to_string(b.max_seqs));
	o.begin_map("model");
	o.value("name", quoted(b.model.name));
	o.value("params", std::to_string(b.model.params));
	o.value("bytes_per_param", std::to_string(b.model.bytes_per_param));
	o.value("layers", std::to_string(b.model.layers));
	o.value("hidden", std::to_string(b.model.hidden));
	o.value("kv_bytes_per_token", size_text(b.model.kv_bytes_per_token));
	o.end_map();
	o.value("prompt_token_weight", std::to_string(b.prompt_token_weight));
	o.value("gen_token_weight", std::to_string(b.gen_token_weight));
	o.value("memory_percent", std::to_string(b.memory_percent));
	o.end_map();
}

void write_machine(Out &o, const MachineSpec &m)
{
	o.begin_map("machine");
	o.value("name", quoted(m.name));
	o.value("cpus", std::to_string(m.cpus));
	o.value("syscall_entry", duration_text(m.syscall_entry_ns));
	o.value("cpu_slice", duration_text(m.cpu_slice_ns));
	o.value("cpu_preempt", duration_text(m.cpu_preempt_ns));
	o.value("sched_lag", duration_text(m.sched_lag_ns));
	if (!m.gpus.empty()) {
		o.begin_list("gpus");
		for (const GpuSpec &g : m.gpus) {
			Flow f;
			f.add("profile", quoted(g.profile)).add("count", std::to_string(g.count));
			if (!g.partition_hbm_bytes.empty())
				f.add("partitions", flow_list(g.partition_hbm_bytes, size_text));
			o.flow_item(f);
		}
		o.end_list();
	}
	o.value("pcie", quoted(m.pcie_profile));
	o.value("tpm", quoted(m.tpm_profile));
	o.value("ssd", quoted(m.ssd_profile));
	if (!m.memory_profile.empty())
		o.value("memory", Flow().add("profile", quoted(m.memory_profile))
					  .add("channels", std::to_string(m.memory_channels))
					  .str());
	write_audit(o, m.audit);
	// Only a broker the scenario sets is checked against the GPUs' memory; the default,
	// left out, must stay left out.
	if (!(m.broker == BrokerSpec{}))
		write_broker(o, m.broker);
	o.end_map();
}

void write_request(Out &o, const RequestSpec &r)
{
	o.begin_map("request");
	// A zero demand is the default and skips its stage; a trace workload refuses token
	// counts even at zero.
	const Range zero;
	if (!(r.cpu_ns == zero))
		o.value("cpu", range_text(r.cpu_ns, duration_text));
	if (!(r.dma_bytes == zero))
		o.value("dma", range_text(r.dma_bytes, size_text));
	if (!(r.membw_bytes == zero))
		o.value("membw", range_text(r.membw_bytes, size_text));
	if (!(r.gpu_ns == zero))
		o.value("gpu", range_text(r.gpu_ns, duration_text));
	if (!(r.prompt_tokens == zero))
		o.value("prompt_tokens", range_text(r.prompt_tokens, count_text));
	if (!(r.gen_tokens == zero))
		o.value("gen_tokens", range_text(r.gen_tokens, count_text));
	if (!r.fs_read_paths.empty())
		o.value("fs_read", Flow().add("paths", text_list(r.fs_read_paths))
					   .add("bytes", size_text(r.fs_read_bytes))
					   .str());
	o.value("broker", quoted(r.broker));
	o.end_map();
}

void write_workload(Out &o, const WorkloadSpec &w)
{
	o.begin_map("workload");
	o.value("kind", workload_kind_name(w.kind));
	switch (w.kind) {
	case WorkloadKind::Poisson:
	case WorkloadKind::Flooder:
		o.value("rate", rate_text(w.mean_gap_ns));
		break;
	case WorkloadKind::Bursty:
		o.value("rate", rate_text(w.mean_gap_ns));
		o.value("on", duration_text(w.on_ns));
		o.value("off", duration_text(w.off_ns));
		break;
	case WorkloadKind::ClosedLoop:
		o.value("concurrency", std::to_string(w.concurrency));
		o.value("think", duration_text(w.think_ns));
		break;
	case WorkloadKind::Trace:
		o.begin_map("trace");
		o.value("file", quoted(w.trace_path));
		o.value("share", std::to_string(w.trace_share));
		o.value("offset", std::to_string(w.trace_offset));
		o.value("speedup", milli_text(w.trace_speedup_milli));
		o.value("max_rows", std::to_string(w.trace_max_rows));
		o.end_map();
		break;
	case WorkloadKind::None:
		break;
	}
	o.value("start", duration_text(w.start_ns));
	o.value("stop", duration_text(w.stop_ns));
	o.value("max_outstanding", std::to_string(w.max_outstanding));
	if (!(w.request == RequestSpec{}))
		write_request(o, w.request);
	o.end_map();
}

void write_manifest(Out &o, const ManifestSpec &m)
{
	o.begin_map("manifest");
	o.value("weight", std::to_string(m.weight));
	if (!m.caps.empty())
		o.value("caps", text_list(m.caps));
	if (!m.quotas.empty()) {
		o.begin_map("quotas");
		for (const auto &[kind, q] : m.quotas)
			o.value(detail::is_quota_kind(kind) ? kind : quoted(kind),
				Flow().add("budget", budget_text(kind, q.budget))
					.add("block", q.block ? "true" : "false")
					.str());
		o.end_map();
	}
	o.end_map();
}

void write_group(Out &o, const AgentGroupSpec &g, bool machine_has_gpus)
{
	o.item();
	o.value("name", quoted(g.name));
	o.value("count", std::to_string(g.count));
	if (!g.spawned_by.empty())
		o.value("spawned_by", quoted(g.spawned_by));
	// Naming a GPU on a machine without one is an error, even GPU 0.
	if (machine_has_gpus) {
		o.value("gpu", std::to_string(g.gpu));
		o.value("partition", std::to_string(g.partition));
	}
	write_manifest(o, g.manifest);
	// No workload is the absence of the key: "none" is not a kind a file can name.
	if (g.workload.kind != WorkloadKind::None)
		write_workload(o, g.workload);
}

void write_tenants(Out &o, const Scenario &sc)
{
	if (sc.tenants.empty()) {
		o.value("tenants", "[]"); // refused by the loader, as it should be
		return;
	}
	const bool has_gpus = detail::gpu_count(sc.machine) > 0;
	o.begin_list("tenants");
	for (const TenantSpec &t : sc.tenants) {
		o.item();
		o.value("name", quoted(t.name));
		o.value("weight", std::to_string(t.weight));
		o.value("flooder", t.flooder ? "true" : "false");
		if (!t.caps.empty())
			o.value("caps", text_list(t.caps));
		if (!t.groups.empty()) {
			o.begin_list("groups");
			for (const AgentGroupSpec &g : t.groups)
				write_group(o, g, has_gpus);
			o.end_list();
		}
	}
	o.end_list();
}

// The keys of each event kind, as timeline.cc's keys_of lists them.
Flow event_flow(const TimedEvent &e)
{
	Flow f;
	f.add("at", duration_text(e.at_ns)).add("kind", event_kind_name(e.kind));
	switch (e.kind) {
	case EventKind::FsRead:
	case EventKind::FsWrite:
		f.add("target", quoted(e.target)).add("path", quoted(e.path));
		break;
	case EventKind::CapGrant:
	case EventKind::CapRevoke:
		f.add("target", quoted(e.target)).add("cap", quoted(e.cap));
		break;
	case EventKind::MemTier:
		f.add("target", quoted(e.target))
			.add("tier", enum_text(detail::mem_tier_name(e.tier), e.tier))
			.add("bytes", size_text(e.bytes));
		break;
	case EventKind::QuotaSet:
		f.add("target", quoted(e.target))
			.add("quota", quoted(e.quota_kind))
			.add("budget", budget_text(e.quota_kind, e.budget));
		break;
	case EventKind::Spawn:
	case EventKind::RingPressure:
		f.add("target", quoted(e.target)).add("count", std::to_string(e.count));
		break;
	case EventKind::Attest:
	case EventKind::Quarantine:
	case EventKind::Release:
	case EventKind::Kill:
	case EventKind::Exit:
		f.add("target", quoted(e.target));
		break;
	case EventKind::AuditQuery:
		f.add("target", quoted(e.target));
		if (e.audit_type != 0) // 0: any type, which has no name
			f.add("type",
			      enum_text(detail::audit_type_name(e.audit_type), e.audit_type));
		if (!e.about.empty())
			f.add("about", quoted(e.about));
		if (!e.cap.empty())
			f.add("cap", quoted(e.cap));
		f.add("max_events", std::to_string(e.max_events));
		break;
	case EventKind::SealerStall:
		f.add("duration", duration_text(e.duration_ns));
		break;
	case EventKind::PcieDegrade:
		f.add("gpu", std::to_string(e.gpu))
			.add("percent", std::to_string(e.percent))
			.add("duration", duration_text(e.duration_ns));
		break;
	case EventKind::GpuPartitionLoss:
		f.add("gpu", std::to_string(e.gpu)).add("partition", std::to_string(e.partition));
		break;
	case EventKind::TpmWriteFail:
		f.add("count", std::to_string(e.count));
		break;
	}
	if (e.expect)
		f.add("expect", expect_text(*e.expect));
	return f;
}

Flow gate_flow(const GateSpec &g)
{
	Flow f;
	f.add("kind", gate_kind_name(g.kind)).add("name", quoted(g.name));
	switch (g.kind) {
	case GateKind::Fairness:
	case GateKind::Isolation:
		f.add("bound", milli_text(g.bound_milli));
		// Peer isolation needs its tenants key even when the list is empty.
		if (!g.tenants.empty() || !g.baseline.empty())
			f.add("tenants", text_list(g.tenants));
		if (!g.baseline.empty())
			f.add("baseline", text_list(g.baseline));
		if (!g.resources.empty())
			f.add("resources", text_list(g.resources));
		if (g.p99_max_milli)
			f.add("p99_max", milli_text(*g.p99_max_milli));
		break;
	case GateKind::Metric:
		f.add("metric", quoted(g.metric))
			.add("op", quoted(compare_op_name(g.op)))
			.add("value", std::to_string(g.value));
		break;
	case GateKind::AuditParity:
	case GateKind::AuditVerify:
	case GateKind::NoUseAfterRevoke:
	case GateKind::Expectations:
	case GateKind::Determinism:
		break;
	}
	return f;
}

} // namespace

std::string write_scenario_yaml(const Scenario &sc)
{
	Out o;
	o.value("name", quoted(sc.name));
	if (!sc.description.empty()) // the loader refuses an empty one
		o.value("description", quoted(sc.description));
	o.value("seed", std::to_string(sc.seed));
	o.value("duration", duration_text(sc.duration_ns));
	o.value("warmup", duration_text(sc.warmup_ns));
	o.value("policy", policy_name(sc.policy));
	write_machine(o, sc.machine);
	write_tenants(o, sc);
	if (!sc.events.empty()) {
		// In stored order: the loader's stable sort by time keeps it.
		o.begin_list("events");
		for (const TimedEvent &e : sc.events)
			o.flow_item(event_flow(e));
		o.end_list();
	}
	if (!sc.gates.empty()) {
		o.begin_list("gates");
		for (const GateSpec &g : sc.gates)
			o.flow_item(gate_flow(g));
		o.end_list();
	}
	return o.text();
}

} // namespace coconut::scenario
