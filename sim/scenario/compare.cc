// Scenario equality and first_difference (scenario.h). The parts compare with their defaulted
// operator== (Origin always equal); first_difference walks the same fields, in declaration
// order, under their C++ names, so that a failed round trip says which one moved. The writer
// test checks that the two agree.
#include "scenario.h"

#include <cstdio>
#include <type_traits>

namespace coconut::scenario {

bool operator==(const Scenario &a, const Scenario &b)
{
	// Not `file`: where each was loaded from, no more part of the value than an Origin.
	return a.name == b.name && a.description == b.description && a.seed == b.seed &&
	       a.duration_ns == b.duration_ns && a.warmup_ns == b.warmup_ns &&
	       a.policy == b.policy && a.machine == b.machine && a.tenants == b.tenants &&
	       a.events == b.events && a.gates == b.gates;
}

namespace {

// A value for a message: text quoted with its odd bytes escaped, cut at shown_max.
std::string show(const std::string &s)
{
	constexpr std::size_t shown_max = 80;
	std::string out = "\"";
	for (std::size_t i = 0; i < s.size() && i < shown_max; ++i) {
		const unsigned char c = static_cast<unsigned char>(s[i]);
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			out += static_cast<char>(c);
		} else {
			char esc[5];
			std::snprintf(esc, sizeof esc, "\\x%02x", c);
			out += esc;
		}
	}
	out += s.size() > shown_max ? "...\" (" + std::to_string(s.size()) + " bytes)" : "\"";
	return out;
}

std::string show(bool v)
{
	return v ? "true" : "false";
}
std::string show(Policy v)
{
	return policy_name(v);
}
std::string show(WorkloadKind v)
{
	return workload_kind_name(v);
}
std::string show(EventKind v)
{
	return event_kind_name(v);
}
std::string show(GateKind v)
{
	return gate_kind_name(v);
}
std::string show(CompareOp v)
{
	return compare_op_name(v);
}

template <typename T>
requires std::is_integral_v<T> std::string show(T v)
{
	return std::to_string(v);
}

class Diff {
public:
	bool found() const { return !first_.empty(); }
	const std::string &first() const { return first_; }
	void note(const std::string &path, const std::string &what)
	{
		if (!found())
			first_ = path + ": " + what;
	}
	// Two long texts can show the same; then say where they part.
	void text(const std::string &path, const std::string &a, const std::string &b)
	{
		if (found() || a == b)
			return;
		std::size_t i = 0;
		while (i < a.size() && i < b.size() && a[i] == b[i])
			++i;
		const std::string sa = show(a), sb = show(b);
		note(path, sa + " vs " + sb +
				   (sa == sb ? " (differ at byte " + std::to_string(i) + ")" : ""));
	}
	template <typename T> void leaf(const std::string &path, const T &a, const T &b)
	{
		if (!found() && !(a == b))
			note(path, show(a) + " vs " + show(b));
	}

private:
	std::string first_;
};

// One overload per type; the containers below recurse through them.
void walk(Diff &d, const std::string &p, const std::string &a, const std::string &b)
{
	d.text(p, a, b);
}

template <typename T>
requires std::is_integral_v<T> || std::is_enum_v<T>
void walk(Diff &d, const std::string &p, const T &a, const T &b)
{
	d.leaf(p, a, b);
}

void walk(Diff &d, const std::string &p, const Range &a, const Range &b);
void walk(Diff &d, const std::string &p, const QuotaSpec &a, const QuotaSpec &b);
void walk(Diff &d, const std::string &p, const GpuSpec &a, const GpuSpec &b);
void walk(Diff &d, const std::string &p, const AgentGroupSpec &a, const AgentGroupSpec &b);
void walk(Diff &d, const std::string &p, const TenantSpec &a, const TenantSpec &b);
void walk(Diff &d, const std::string &p, const TimedEvent &a, const TimedEvent &b);
void walk(Diff &d, const std::string &p, const GateSpec &a, const GateSpec &b);

template <typename T>
void walk(Diff &d, const std::string &p, const std::optional<T> &a, const std::optional<T> &b)
{
	if (a && b)
		walk(d, p, *a, *b);
	else if (a || b)
		d.note(p, (a ? show(*a) : "none") + " vs " + (b ? show(*b) : "none"));
}

template <typename T>
void walk(Diff &d, const std::string &p, const std::vector<T> &a, const std::vector<T> &b)
{
	for (std::size_t i = 0; i < a.size() && i < b.size() && !d.found(); ++i)
		walk(d, p + "[" + std::to_string(i) + "]", a[i], b[i]);
	if (a.size() != b.size())
		d.note(p,
		       std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " entries");
}

template <typename V> void walk(Diff &d, const std::string &p, const std::map<std::string, V> &a,
				const std::map<std::string, V> &b)
{
	for (const auto &[key, va] : a) {
		const auto it = b.find(key);
		if (it == b.end())
			d.note(p, "key " + show(key) + " only in the first");
		else
			walk(d, p + "." + key, va, it->second);
	}
	for (const auto &entry : b)
		if (a.find(entry.first) == a.end())
			d.note(p, "key " + show(entry.first) + " only in the second");
}

// The field list of each struct, as declared in scenario.h (Origin loc left out).
#define FIELD(name) walk(d, p + "." #name, a.name, b.name)

void walk(Diff &d, const std::string &p, const Range &a, const Range &b)
{
	FIELD(lo);
	FIELD(hi);
}

void walk(Diff &d, const std::string &p, const QuotaSpec &a, const QuotaSpec &b)
{
	FIELD(budget);
	FIELD(block);
}

void walk(Diff &d, const std::string &p, const GpuSpec &a, const GpuSpec &b)
{
	FIELD(profile);
	FIELD(count);
	FIELD(partition_hbm_bytes);
}

void walk_audit(Diff &d, const std::string &p, const AuditSpec &a, const AuditSpec &b)
{
	FIELD(ring_slots);
	FIELD(seal_interval_ns);
	FIELD(seal_batch_events);
	FIELD(anchor_every_events);
	FIELD(anchor_every_ns);
	FIELD(anchor_min_ns);
	FIELD(fail_burst);
	FIELD(fail_refill_ns);
	FIELD(tpm_nv_index);
}

void walk_model(Diff &d, const std::string &p, const ModelSpec &a, const ModelSpec &b)
{
	FIELD(name);
	FIELD(params);
	FIELD(bytes_per_param);
	FIELD(layers);
	FIELD(hidden);
	FIELD(kv_bytes_per_token);
}

void walk_broker(Diff &d, const std::string &p, const BrokerSpec &a, const BrokerSpec &b)
{
	FIELD(batch_tokens);
	FIELD(max_seqs);
	walk_model(d, p + ".model", a.model, b.model);
	FIELD(prompt_token_weight);
	FIELD(gen_token_weight);
	FIELD(memory_percent);
}

void walk_machine(Diff &d, const std::string &p, const MachineSpec &a, const MachineSpec &b)
{
	FIELD(name);
	FIELD(cpus);
	FIELD(syscall_entry_ns);
	FIELD(cpu_slice_ns);
	FIELD(cpu_preempt_ns);
	FIELD(sched_lag_ns);
	FIELD(gpus);
	FIELD(pcie_profile);
	FIELD(tpm_profile);
	FIELD(ssd_profile);
	FIELD(memory_profile);
	FIELD(memory_channels);
	walk_audit(d, p + ".audit", a.audit, b.audit);
	walk_broker(d, p + ".broker", a.broker, b.broker);
}

void walk_manifest(Diff &d, const std::string &p, const ManifestSpec &a, const ManifestSpec &b)
{
	FIELD(caps);
	FIELD(quotas);
	FIELD(weight);
}

void walk_request(Diff &d, const std::string &p, const RequestSpec &a, const RequestSpec &b)
{
	FIELD(cpu_ns);
	FIELD(dma_bytes);
	FIELD(membw_bytes);
	FIELD(gpu_ns);
	FIELD(prompt_tokens);
	FIELD(gen_tokens);
	FIELD(fs_read_paths);
	FIELD(fs_read_bytes);
	FIELD(broker);
}

void walk_workload(Diff &d, const std::string &p, const WorkloadSpec &a, const WorkloadSpec &b)
{
	FIELD(kind);
	FIELD(mean_gap_ns);
	FIELD(on_ns);
	FIELD(off_ns);
	FIELD(concurrency);
	FIELD(think_ns);
	FIELD(trace_path);
	FIELD(trace_share);
	FIELD(trace_offset);
	FIELD(trace_speedup_milli);
	FIELD(trace_max_rows);
	FIELD(start_ns);
	FIELD(stop_ns);
	FIELD(max_outstanding);
	walk_request(d, p + ".request", a.request, b.request);
}

void walk(Diff &d, const std::string &p, const AgentGroupSpec &a, const AgentGroupSpec &b)
{
	FIELD(name);
	FIELD(count);
	walk_manifest(d, p + ".manifest", a.manifest, b.manifest);
	walk_workload(d, p + ".workload", a.workload, b.workload);
	FIELD(gpu);
	FIELD(partition);
}

void walk(Diff &d, const std::string &p, const TenantSpec &a, const TenantSpec &b)
{
	FIELD(name);
	FIELD(weight);
	FIELD(caps);
	FIELD(groups);
	FIELD(flooder);
}

void walk(Diff &d, const std::string &p, const TimedEvent &a, const TimedEvent &b)
{
	FIELD(at_ns);
	FIELD(kind);
	FIELD(target);
	FIELD(cap);
	FIELD(path);
	FIELD(tier);
	FIELD(bytes);
	FIELD(quota_kind);
	FIELD(budget);
	FIELD(count);
	FIELD(duration_ns);
	FIELD(percent);
	FIELD(gpu);
	FIELD(partition);
	FIELD(audit_type);
	FIELD(about);
	FIELD(max_events);
	FIELD(expect);
}

void walk(Diff &d, const std::string &p, const GateSpec &a, const GateSpec &b)
{
	FIELD(kind);
	FIELD(name);
	FIELD(bound_milli);
	FIELD(tenants);
	FIELD(resources);
	FIELD(p99_max_milli);
	FIELD(baseline);
	FIELD(metric);
	FIELD(op);
	FIELD(value);
}

#undef FIELD

} // namespace

std::string first_difference(const Scenario &a, const Scenario &b)
{
	Diff d;
	walk(d, "name", a.name, b.name);
	walk(d, "description", a.description, b.description);
	walk(d, "seed", a.seed, b.seed);
	walk(d, "duration_ns", a.duration_ns, b.duration_ns);
	walk(d, "warmup_ns", a.warmup_ns, b.warmup_ns);
	walk(d, "policy", a.policy, b.policy);
	walk_machine(d, "machine", a.machine, b.machine);
	walk(d, "tenants", a.tenants, b.tenants);
	walk(d, "events", a.events, b.events);
	walk(d, "gates", a.gates, b.gates);
	return d.first();
}

} // namespace coconut::scenario
