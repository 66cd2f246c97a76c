// tenants: each tenant's root caps and its agent groups (manifest and workload per group).
#include "loader_detail.h"
#include "names_detail.h"
#include "scenario_limits.h"
#include "units_detail.h"

#include "coconut/cap.h"
#include "coconut/limits.h"

#include <algorithm>
#include <filesystem>

namespace coconut::scenario::detail {

std::string as_cap(const Field &f)
{
	const std::string text = as_string(f, CO_CAP_TEXT_BYTES_MAX);
	struct co_cap cap;
	struct co_cap_error err;
	if (co_cap_parse(text.data(), text.size(), &cap, &err) != CO_CAP_OK)
		f.fail(quote(text) + " is not a capability (" + co_cap_strerror(err.code) +
		       " at byte " + std::to_string(err.offset) + ": " + co_cap_errhint(err.code) +
		       ")");
	return text;
}

u64 as_quota_budget(const Field &f, const std::string &kind)
{
	if (kind == "cpu")
		return as_duration(f);
	if (kind == "tokens")
		return as_uint(f, 0, ~u64{ 0 });
	if (kind == "membw")
		return as_bytes_per_s(f);
	return as_size(f);
}

namespace {

using ValueReader = u64 (*)(const Field &);

u64 read_duration(const Field &f)
{
	return as_duration(f);
}
u64 read_size(const Field &f)
{
	return as_size(f);
}
u64 read_tokens(const Field &f)
{
	return as_uint(f, 0, limits::request_tokens_max);
}

// A scalar (fixed) or {min, max}.
Range as_range(const Field &f, ValueReader read)
{
	Range r;
	if (f.node().IsMap()) {
		const MapReader m(f, { "min", "max" });
		r.lo = read(m.need("min"));
		r.hi = read(m.need("max"));
		if (r.lo > r.hi)
			f.fail("min is larger than max");
		return r;
	}
	r.lo = r.hi = read(f);
	return r;
}

// The object of an inference cap check: what the kernel accepts as a concrete broker name.
std::string as_broker(const Field &f)
{
	std::string s = as_string(f, 255);
	for (char c : s)
		if (c <= 0x20 || c >= 0x7f)
			f.fail(quote(s) + ": a broker name is printable ASCII without spaces");
	return s;
}

RequestSpec parse_request(const Field &f, WorkloadKind kind, const MachineSpec &machine)
{
	const MapReader m(f, { "cpu", "dma", "membw", "gpu", "prompt_tokens", "gen_tokens",
			       "fs_read", "broker" });
	RequestSpec r;
	if (auto v = m.get("cpu"))
		r.cpu_ns = as_range(*v, read_duration);
	if (auto v = m.get("dma"))
		r.dma_bytes = as_range(*v, read_size);
	if (auto v = m.get("membw")) {
		r.membw_bytes = as_range(*v, read_size);
		if (machine.memory_profile.empty())
			v->fail("requests stream memory (membw) but the machine has no memory "
				"model; give machine.memory { profile, channels }");
	}
	if (auto v = m.get("gpu"))
		r.gpu_ns = as_range(*v, read_duration);
	if (kind == WorkloadKind::Trace) {
		m.refuse("prompt_tokens", "a trace workload takes token counts from the trace");
		m.refuse("gen_tokens", "a trace workload takes token counts from the trace");
	}
	if (auto v = m.get("prompt_tokens"))
		r.prompt_tokens = as_range(*v, read_tokens);
	if (auto v = m.get("gen_tokens"))
		r.gen_tokens = as_range(*v, read_tokens);
	if (auto v = m.get("fs_read")) {
		const MapReader fr(*v, { "paths", "bytes" });
		const Field paths = fr.need("paths");
		for (const Field &p : as_list(paths, limits::fs_paths_per_request_max)) {
			std::string path = as_string(p, limits::path_bytes_max);
			if (path[0] != '/')
				p.fail(quote(path) + " is not an absolute path");
			r.fs_read_paths.push_back(std::move(path));
		}
		if (r.fs_read_paths.empty())
			paths.fail("an empty list; give at least one path or leave fs_read out");
		if (auto b = fr.get("bytes"))
			r.fs_read_bytes = as_size(*b);
	}
	if (auto v = m.get("broker"))
		r.broker = as_broker(*v);
	if (machine.gpus.empty()) {
		const bool uses_gpu = r.dma_bytes.hi > 0 || r.gpu_ns.hi > 0 ||
				      r.prompt_tokens.hi > 0 || r.gen_tokens.hi > 0 ||
				      kind == WorkloadKind::Trace;
		if (uses_gpu)
			f.fail("requests use the GPU (dma, gpu, tokens or a trace) but "
			       "machine.gpus "
			       "is empty");
	}
	return r;
}

std::string resolve_trace(const Field &f, const std::string &base_dir)
{
	const std::string text = as_string(f, limits::path_bytes_max);
	std::filesystem::path p(text);
	if (p.is_relative() && !base_dir.empty())
		p = std::filesystem::path(base_dir) / p;
	std::error_code ec;
	const auto st = std::filesystem::status(p, ec);
	if (ec || !std::filesystem::exists(st))
		f.fail("trace file " + quote(p.string()) + " does not exist");
	if (!std::filesystem::is_regular_file(st))
		f.fail("trace file " + quote(p.string()) + " is not a regular file");
	return p.lexically_normal().string();
}

void parse_trace(const Field &f, WorkloadSpec &w, const std::string &base_dir)
{
	const MapReader m(f, { "file", "share", "offset", "speedup", "max_rows" });
	w.trace_path = resolve_trace(m.need("file"), base_dir);
	if (auto v = m.get("share"))
		w.trace_share = as_u32(*v, 1, limits::trace_share_max);
	if (auto v = m.get("offset")) {
		w.trace_offset = as_u32(*v, 0, limits::trace_share_max);
		if (w.trace_offset >= w.trace_share)
			v->fail("offset " + std::to_string(w.trace_offset) +
				" must be below share " + std::to_string(w.trace_share));
	}
	if (auto v = m.get("speedup"))
		w.trace_speedup_milli = static_cast<u32>(as_milli(*v, 1, 1000000000));
	if (auto v = m.get("max_rows"))
		w.trace_max_rows = as_uint(*v, 0, u64{ 1 } << 40);
}

WorkloadSpec parse_workload(const Field &f, const MachineSpec &machine, const std::string &base_dir,
			    u64 duration_ns)
{
	const MapReader m(f, { "kind", "rate", "on", "off", "concurrency", "think", "trace",
			       "start", "stop", "max_outstanding", "request" });
	WorkloadSpec w;
	w.loc = f.loc();
	const Field kind_field = m.need("kind");
	const std::string kind_text = as_string(kind_field, limits::name_bytes_max);
	const auto kind = parse_workload_kind(kind_text);
	if (!kind)
		kind_field.fail("unknown workload kind " + quote(kind_text) +
				" (expected one of: " + workload_kind_names() + ")");
	w.kind = *kind;
	const std::string not_used = std::string("not used by ") + kind_text + " workloads";
	const bool open_loop = w.kind == WorkloadKind::Poisson || w.kind == WorkloadKind::Flooder ||
			       w.kind == WorkloadKind::Bursty;
	if (open_loop)
		w.mean_gap_ns = as_rate_gap(m.need("rate"));
	else
		m.refuse("rate", not_used);
	if (w.kind == WorkloadKind::Bursty) {
		w.on_ns = as_duration(m.need("on"), 1);
		w.off_ns = as_duration(m.need("off"), 1);
	} else {
		m.refuse("on", not_used);
		m.refuse("off", not_used);
	}
	if (w.kind == WorkloadKind::ClosedLoop) {
		if (auto v = m.get("concurrency"))
			w.concurrency = as_u32(*v, 1, limits::concurrency_max);
		if (auto v = m.get("think"))
			w.think_ns = as_duration(*v);
	} else {
		m.refuse("concurrency", not_used);
		m.refuse("think", not_used);
	}
	if (w.kind == WorkloadKind::Trace)
		parse_trace(m.need("trace"), w, base_dir);
	else
		m.refuse("trace", not_used);
	if (auto v = m.get("start")) {
		w.start_ns = as_duration(*v);
		if (w.start_ns >= duration_ns)
			v->fail("starts at or after the end of the scenario (duration " +
				std::to_string(duration_ns) + " ns)");
	}
	if (auto v = m.get("stop")) {
		w.stop_ns = as_duration(*v);
		if (w.stop_ns != 0 && w.stop_ns <= w.start_ns)
			v->fail("stop must be after start (or 0: until the end)");
		if (w.stop_ns > duration_ns)
			v->fail("stops after the end of the scenario (duration " +
				std::to_string(duration_ns) + " ns)");
	}
	if (auto v = m.get("max_outstanding"))
		w.max_outstanding = as_u32(*v, 1, limits::max_outstanding_max);
	if (w.kind == WorkloadKind::ClosedLoop && w.concurrency > w.max_outstanding)
		f.fail("concurrency " + std::to_string(w.concurrency) +
		       " exceeds max_outstanding " + std::to_string(w.max_outstanding));
	if (auto v = m.get("request"))
		w.request = parse_request(*v, w.kind, machine);
	else if (w.kind == WorkloadKind::Trace && machine.gpus.empty())
		f.fail("a trace workload needs a GPU but machine.gpus is empty");
	return w;
}

QuotaSpec parse_quota(const Field &f, const std::string &kind)
{
	const MapReader m(f, { "budget", "block" });
	QuotaSpec q;
	q.budget = as_quota_budget(m.need("budget"), kind);
	if (auto v = m.get("block")) {
		q.block = as_bool(*v);
		if (q.block && kind == "membw")
			v->fail("membw is a rate, never charged: it cannot block (leave block "
				"out)");
	}
	return q;
}

ManifestSpec parse_manifest(const Field &f)
{
	const MapReader m(f, { "caps", "quotas", "weight" });
	ManifestSpec man;
	man.loc = f.loc();
	if (auto v = m.get("caps"))
		for (const Field &c : as_list(*v, CO_CAP_SET_CAPS_MAX))
			man.caps.push_back(as_cap(c));
	if (auto v = m.get("quotas")) {
		const MapReader q(*v, { "cpu", "mem", "hbm", "net", "tokens", "pcie", "membw" });
		for (const char *kind : { "cpu", "mem", "hbm", "net", "tokens", "pcie", "membw" })
			if (auto e = q.get(kind))
				man.quotas[kind] = parse_quota(*e, kind);
	}
	if (auto v = m.get("weight"))
		man.weight = as_u32(*v, 1, limits::weight_max);
	return man;
}

// A group spawned by an earlier group's agents: that group exists, may spawn, and the tree
// stays within the kernel's depth (AID 1 at 0, tenant roots at 1, their groups at 2).
void check_spawned_by(const TenantSpec &t, const std::string &by, const Field &f)
{
	size_t parent = 0;
	while (parent < t.groups.size() && t.groups[parent].name != by)
		parent++;
	if (parent == t.groups.size())
		f.fail(quote(by) + " is no earlier group of tenant " + quote(t.name) +
		       " (a group is spawned by the agents of a group listed before it)");
	const std::vector<std::string> &caps = t.groups[parent].manifest.caps;
	if (std::find(caps.begin(), caps.end(), "agent.spawn") == caps.end())
		f.fail("group " + quote(by) +
		       " spawns agents, so its manifest.caps must hold agent.spawn");
	const u32 depth = group_depth(t, parent) + 1;
	if (depth > CO_AGENT_DEPTH_MAX)
		f.fail("spawn depth " + std::to_string(depth) + " is past the kernel's " +
		       std::to_string(CO_AGENT_DEPTH_MAX) +
		       " (CO_AGENT_DEPTH_MAX: AID 1 at 0, tenant roots at 1, their groups at 2)");
}

// Children alive at once per agent once group f (the last of t's so far) is spawned at time 0:
// the tenant root's are its top-level groups' agents; a spawning agent's, its share of each
// group it spawns (issue 16: check passed what run refused with -ENOSPC).
void check_children(const TenantSpec &t, const Field &f)
{
	std::vector<u64> sizes;
	for (const AgentGroupSpec &g : t.groups)
		sizes.push_back(g.count);
	const size_t by = spawning_group(t, t.groups.size() - 1);
	const u64 most = children_most(t, sizes)[by];
	if (most > CO_AGENT_CHILDREN_MAX)
		throw ScenarioError(t.groups.back().loc, f.path() + ".count",
				    spawner_text(t, by) + " would spawn " + std::to_string(most) +
					    " children, past the kernel's " +
					    std::to_string(CO_AGENT_CHILDREN_MAX) +
					    " (CO_AGENT_CHILDREN_MAX)");
}

AgentGroupSpec parse_group(const Field &f, const TenantSpec &t, const MachineSpec &machine,
			   const std::string &base_dir, u64 duration_ns)
{
	const MapReader m(f, { "name", "count", "spawned_by", "gpu", "partition", "manifest",
			       "workload" });
	AgentGroupSpec g;
	g.loc = f.loc();
	g.name = as_name(m.need("name"));
	if (auto v = m.get("spawned_by")) {
		g.spawned_by = as_name(*v);
		check_spawned_by(t, g.spawned_by, *v);
	}
	if (auto v = m.get("count"))
		g.count = as_u32(*v, 1, CO_AGENTS_MAX);
	const u32 gpus = gpu_count(machine);
	if (auto v = m.get("gpu")) {
		if (gpus == 0)
			v->fail("machine.gpus is empty: there is no GPU to name");
		g.gpu = as_u32(*v, 0, gpus - 1);
	}
	if (auto v = m.get("partition")) {
		if (gpus == 0)
			v->fail("machine.gpus is empty: there is no partition to name");
		const u32 parts = partitions_of(machine, g.gpu);
		g.partition = as_u32(*v, 0, parts - 1);
	}
	if (auto v = m.get("manifest"))
		g.manifest = parse_manifest(*v);
	else
		g.manifest.loc = g.loc;
	if (auto v = m.get("workload"))
		g.workload = parse_workload(*v, machine, base_dir, duration_ns);
	else
		g.workload.loc = g.loc;
	return g;
}

TenantSpec parse_tenant(const Field &f, const MachineSpec &machine, const std::string &base_dir,
			u64 duration_ns)
{
	const MapReader m(f, { "name", "weight", "caps", "flooder", "groups" });
	TenantSpec t;
	t.loc = f.loc();
	t.name = as_name(m.need("name"));
	if (auto v = m.get("weight"))
		t.weight = as_u32(*v, 1, limits::weight_max);
	if (auto v = m.get("caps"))
		for (const Field &c : as_list(*v, CO_CAP_SET_CAPS_MAX))
			t.caps.push_back(as_cap(c));
	if (auto v = m.get("groups")) {
		for (const Field &e : as_list(*v, limits::groups_per_tenant_max)) {
			AgentGroupSpec g = parse_group(e, t, machine, base_dir, duration_ns);
			for (const AgentGroupSpec &other : t.groups)
				if (other.name == g.name)
					throw ScenarioError(g.loc, e.path() + ".name",
							    "duplicate group name " +
								    quote(g.name) + " in tenant " +
								    quote(t.name));
			t.groups.push_back(std::move(g));
			check_children(t, e);
		}
	}
	if (auto v = m.get("flooder"))
		t.flooder = as_bool(*v);
	else
		t.flooder =
			std::any_of(t.groups.begin(), t.groups.end(), [](const AgentGroupSpec &g) {
				return g.workload.kind == WorkloadKind::Flooder;
			});
	return t;
}

} // namespace

std::vector<TenantSpec> parse_tenants(const Field &f, const MachineSpec &machine,
				      const std::string &base_dir, u64 duration_ns)
{
	std::vector<TenantSpec> tenants;
	// AID 1 is the kernel's own; every tenant root and every agent needs one more.
	u64 agents = 1;
	for (const Field &e : as_list(f, limits::tenants_max)) {
		TenantSpec t = parse_tenant(e, machine, base_dir, duration_ns);
		for (const TenantSpec &other : tenants)
			if (other.name == t.name)
				throw ScenarioError(t.loc, e.path() + ".name",
						    "duplicate tenant name " + quote(t.name));
		agents += 1;
		for (const AgentGroupSpec &g : t.groups)
			agents += g.count;
		if (agents > CO_AGENTS_MAX)
			e.fail("more than the kernel's " + std::to_string(CO_AGENTS_MAX) +
			       " agents in all (tenant roots and group agents)");
		tenants.push_back(std::move(t));
	}
	if (tenants.empty())
		f.fail("no tenants: a scenario needs at least one");
	return tenants;
}

} // namespace coconut::scenario::detail
