// write_scenario_yaml against the loader. A scenario is a value: every shipped scenario, one
// built in C++ and random mutations of all of them (valid by construction: each mutation keeps
// what the loader checks) must load back equal from what the writer writes, and writing what
// was loaded must give the same text again. The mutations cover every workload, event and gate
// kind, names and texts with the bytes YAML treats specially, and the extremes of every
// integer. RapidCheck's seed is pinned under CTest (RC_PARAMS); run the binary to explore.
#include "profile.h"
#include "scenario.h"
#include "scenario_limits.h"
#include "writer.h"

#include "coconut/limits.h"
#include "uapi/linux/coconut.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <set>

namespace cs = coconut::scenario;
namespace fs = std::filesystem;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using s64 = std::int64_t;

namespace {

const std::string source_dir = COCONUT_SOURCE_DIR;
const std::string trace_csv = source_dir + "/sim/scenario/tests/data/trace.csv";

// ---- The round trip -------------------------------------------------------------------------

// Where a failure prints the written text, it is cut here: platform-200-tenants is 100 KiB.
constexpr std::size_t shown_yaml_max = 6000;

std::string excerpt(const std::string &yaml)
{
	if (yaml.size() <= shown_yaml_max)
		return yaml;
	return yaml.substr(0, shown_yaml_max) + "\n... (" + std::to_string(yaml.size()) + " bytes)";
}

// "" when sc survives write -> load -> write, else what went wrong. The written text is loaded
// under another name and base directory: neither may matter (trace paths are absolute).
std::string round_trip(const cs::Scenario &sc)
{
	const std::string yaml = cs::write_scenario_yaml(sc);
	cs::Scenario back;
	try {
		back = cs::load_scenario_string(yaml, "written.yaml", "/nonexistent-base");
	} catch (const cs::ScenarioError &e) {
		return std::string("the written scenario does not load: ") + e.what() + "\n" +
		       excerpt(yaml);
	}
	const std::string diff = cs::first_difference(sc, back);
	if ((sc == back) != diff.empty())
		return "operator== and first_difference disagree (" +
		       (diff.empty() ? std::string("no difference") : diff) + ")";
	if (!diff.empty())
		return "loaded back different: " + diff + "\n" + excerpt(yaml);
	if (cs::write_scenario_yaml(back) != yaml)
		return "writing what was loaded gives other text\n" + excerpt(yaml);
	return "";
}

// A failure prints the text as written, not escaped onto one line.
#define EXPECT_ROUND_TRIP(sc)                                                                      \
	do {                                                                                       \
		const std::string failure_ = round_trip(sc);                                       \
		EXPECT_TRUE(failure_.empty()) << failure_;                                         \
	} while (0)

std::vector<std::string> shipped_files()
{
	std::vector<std::string> files;
	for (const std::string dir :
	     { "scenarios", "scenarios/examples", "sim/engine/tests/data" }) {
		std::vector<std::string> here;
		for (const auto &e : fs::directory_iterator(source_dir + "/" + dir))
			// gates.yaml is the release-gate suite (docs/gates.md), not a scenario.
			if (e.path().extension() == ".yaml" && e.path().filename() != "gates.yaml")
				here.push_back(e.path().string());
		std::sort(here.begin(), here.end());
		files.insert(files.end(), here.begin(), here.end());
	}
	// Not shipped, but the one file that uses every field.
	files.push_back(source_dir + "/sim/scenario/tests/data/full.yaml");
	return files;
}

// ---- A scenario built in C++, with every kind of workload, event and gate -------------------

cs::AgentGroupSpec group(const std::string &name, u32 count, cs::WorkloadSpec w)
{
	cs::AgentGroupSpec g;
	g.name = name;
	g.count = count;
	g.workload = std::move(w);
	return g;
}

cs::WorkloadSpec workload(cs::WorkloadKind kind)
{
	cs::WorkloadSpec w;
	w.kind = kind;
	switch (kind) {
	case cs::WorkloadKind::Poisson:
	case cs::WorkloadKind::Flooder:
		w.mean_gap_ns = 3; // no per-unit rate states 3 ns exactly: written "1/3ns"
		break;
	case cs::WorkloadKind::Bursty:
		w.mean_gap_ns = 200000000;
		w.on_ns = 1500000;
		w.off_ns = 7;
		break;
	case cs::WorkloadKind::ClosedLoop:
		w.concurrency = 4;
		w.think_ns = 1000;
		break;
	case cs::WorkloadKind::Trace:
		w.trace_path = trace_csv;
		w.trace_share = 3;
		w.trace_offset = 2;
		w.trace_speedup_milli = 1250;
		w.trace_max_rows = 10;
		break;
	case cs::WorkloadKind::None:
		break;
	}
	return w;
}

cs::TimedEvent event(u64 at_ns, cs::EventKind kind, const std::string &target = "")
{
	cs::TimedEvent e;
	e.at_ns = at_ns;
	e.kind = kind;
	e.target = target;
	return e;
}

cs::GateSpec gate(cs::GateKind kind, const std::string &name)
{
	cs::GateSpec g;
	g.kind = kind;
	g.name = name;
	return g;
}

// What a C++ user writes: defaults for the rest.
cs::Scenario every_kind()
{
	using EK = cs::EventKind;
	using GK = cs::GateKind;
	using WK = cs::WorkloadKind;
	cs::Scenario s;
	s.name = "every-kind";
	s.description = "Built in C++: \"quotes\", a colon: here, # not a comment, tab\there,\n"
			"a new line, * and / and \\, caf\xc3\xa9, and a stray \x80 byte.";
	s.seed = ~u64{ 0 };
	s.duration_ns = 10000000000;
	s.warmup_ns = 1;
	s.policy = cs::Policy::PerProcess;
	cs::GpuSpec h100;
	h100.profile = "h100-sxm";
	h100.count = 2;
	h100.partition_hbm_bytes = { 40ull << 30, 20ull << 30, 3 * 1000000000ull + 1 };
	cs::GpuSpec a100;
	a100.profile = "a100-sxm-80gb";
	s.machine.gpus = { h100, a100 };
	s.machine.pcie_profile = "pcie-gen4-x16";
	s.machine.broker.model.name = "tiny: model #1";
	s.machine.broker.model.params = 1000;
	s.machine.broker.model.kv_bytes_per_token = 1;

	cs::TenantSpec alice;
	alice.name = "alice";
	alice.weight = 3;
	alice.caps = { "inference:kvwarden", "gpu:0/**", "fs.read:/data/**", "audit.query" };
	cs::AgentGroupSpec web = group("web", 2, workload(WK::Poisson));
	web.gpu = 2;
	web.manifest.caps = { "inference:kvwarden", "gpu:2/partition/0" };
	web.manifest.quotas["cpu"] = cs::QuotaSpec{ 5000000, true };
	web.manifest.quotas["tokens"] = cs::QuotaSpec{ 123, false };
	web.manifest.quotas["hbm"] = cs::QuotaSpec{ 1ull << 30, false };
	web.manifest.weight = 7;
	web.workload.request.cpu_ns = { 100, 2000000 };
	web.workload.request.dma_bytes = { 4096, 4096 };
	web.workload.request.prompt_tokens = { 1, 1u << 20 };
	web.workload.request.fs_read_paths = { "/data/a: b", "/data/#c", "/data/*" };
	web.workload.request.fs_read_bytes = 1;
	web.workload.request.broker = "other-broker";
	alice.groups.push_back(web);
	alice.groups.push_back(group("burst", 1, workload(WK::Bursty)));
	alice.groups.push_back(group("loop", 3, workload(WK::ClosedLoop)));
	cs::AgentGroupSpec replay = group("replay", 1, workload(WK::Trace));
	replay.gpu = 1;
	replay.partition = 2;
	replay.workload.request.gpu_ns = { 5, 5 };
	alice.groups.push_back(replay);
	cs::AgentGroupSpec idle = group("idle", 1, workload(WK::None));
	idle.manifest.caps = { "agent.spawn", "inference:kvwarden" };
	alice.groups.push_back(idle);
	cs::AgentGroupSpec helper = group("helper", 3, workload(WK::None));
	helper.spawned_by = "idle";
	alice.groups.push_back(helper);
	cs::TenantSpec mallory;
	mallory.name = "mallory";
	mallory.flooder = true;
	cs::AgentGroupSpec flood = group("flood", 1, workload(WK::Flooder));
	flood.workload.start_ns = 1000;
	flood.workload.stop_ns = 2000;
	flood.workload.max_outstanding = 1;
	mallory.groups.push_back(flood);
	cs::TenantSpec bob;
	bob.name = "bob";
	s.tenants = { alice, mallory, bob };

	std::vector<cs::TimedEvent> &ev = s.events;
	ev.push_back(event(0, EK::FsRead, "alice/web/1"));
	ev.back().path = "/data/x:y";
	ev.back().expect = -134;
	ev.push_back(event(0, EK::FsWrite, "alice"));
	ev.back().path = "/data/\"quoted\"";
	ev.push_back(event(1, EK::CapGrant, "alice/web/*"));
	ev.back().cap = "fs.read:/data/a";
	ev.back().expect = 0;
	ev.push_back(event(2, EK::CapRevoke, "alice"));
	ev.back().cap = "gpu:0/**";
	ev.push_back(event(3, EK::MemTier, "alice/web/0"));
	ev.back().tier = COCONUT_TIER_SSD;
	ev.back().bytes = 3;
	ev.push_back(event(4, EK::QuotaSet, "alice/loop/2"));
	ev.back().quota_kind = "cpu";
	ev.back().budget = 1234567;
	ev.push_back(event(5, EK::Spawn, "alice/web/*"));
	ev.back().count = 2;
	ev.push_back(event(6, EK::Attest, "alice/web/3")); // the second spawned agent
	ev.back().expect = 42;
	ev.push_back(event(7, EK::AuditQuery, "alice"));
	ev.back().audit_type = COCONUT_EV_CAP_DENY;
	ev.back().about = "alice/web/0";
	ev.back().cap = "fs.write";
	ev.back().max_events = 16;
	ev.back().expect = -1;
	ev.push_back(event(8, EK::Quarantine, "mallory/flood/0"));
	ev.push_back(event(9, EK::Release, "mallory/flood/0"));
	ev.push_back(event(10, EK::Kill, "bob"));
	ev.push_back(event(11, EK::Exit, "alice/idle/0"));
	ev.back().expect = std::numeric_limits<s64>::min();
	ev.push_back(event(12, EK::RingPressure, "alice/loop/*"));
	ev.back().count = 1000;
	ev.push_back(event(13, EK::SealerStall));
	ev.back().duration_ns = 1;
	ev.push_back(event(14, EK::PcieDegrade));
	ev.back().gpu = 2;
	ev.back().percent = 1;
	ev.push_back(event(15, EK::GpuPartitionLoss));
	ev.back().gpu = 1;
	ev.back().partition = 2;
	ev.push_back(event(s.duration_ns - 1, EK::TpmWriteFail));
	ev.back().count = 3;

	s.gates.push_back(gate(GK::Fairness, "fairness"));
	s.gates.back().tenants = { "alice", "bob" };
	s.gates.back().resources = { "cpu", "inference" };
	s.gates.back().p99_max_milli = 1001;
	s.gates.push_back(gate(GK::Isolation, "isolation"));
	s.gates.back().bound_milli = 2000;
	s.gates.push_back(gate(GK::Isolation, "peer:alice/*#1"));
	s.gates.back().tenants = { "alice" };
	s.gates.back().baseline = { "bob", "mallory" };
	s.gates.push_back(gate(GK::AuditParity, "audit.parity"));
	s.gates.push_back(gate(GK::AuditVerify, "audit.verify"));
	s.gates.push_back(gate(GK::NoUseAfterRevoke, "no.use.after.revoke"));
	s.gates.push_back(gate(GK::Expectations, "expectations"));
	s.gates.push_back(gate(GK::Metric, "metric"));
	s.gates.back().metric = "tenant.alice.cpu.p99_over_p50_milli";
	s.gates.back().op = cs::CompareOp::Le;
	s.gates.back().value = -5;
	s.gates.push_back(gate(GK::Determinism, "determinism"));
	return s;
}

// ---- Mutations, each valid by construction --------------------------------------------------

constexpr std::size_t workload_kinds = 6; // WorkloadKind, None included
constexpr std::size_t event_kinds = 18;	  // EventKind
constexpr std::size_t gate_kinds = 8;	  // GateKind

// Which kinds the mutations produced, over all cases.
struct Coverage {
	std::array<u64, workload_kinds> workloads{};
	std::array<u64, event_kinds> events{};
	std::array<u64, gate_kinds> gates{};
	u64 round_trips = 0;
};

// Values the loader accepts, gathered from the shipped scenarios (caps it parsed) and the
// device profile directory.
struct Pools {
	std::vector<std::string> caps;
	std::vector<std::string> traces;
	std::map<std::string, std::vector<std::string>> profiles; // kind -> names
	coconut::devices::ProfileLibrary library{ coconut::devices::default_profile_dir() };
};

Pools make_pools(const std::vector<cs::Scenario> &bases)
{
	Pools p;
	std::set<std::string> caps, traces{ trace_csv };
	for (const cs::Scenario &s : bases)
		for (const cs::TenantSpec &t : s.tenants) {
			caps.insert(t.caps.begin(), t.caps.end());
			for (const cs::AgentGroupSpec &g : t.groups) {
				caps.insert(g.manifest.caps.begin(), g.manifest.caps.end());
				if (!g.workload.trace_path.empty())
					traces.insert(g.workload.trace_path);
			}
		}
	p.caps.assign(caps.begin(), caps.end());
	p.traces.assign(traces.begin(), traces.end());
	std::vector<fs::path> files;
	for (const auto &e : fs::directory_iterator(p.library.dir()))
		if (e.path().extension() == ".yaml")
			files.push_back(e.path());
	std::sort(files.begin(), files.end());
	for (const fs::path &f : files) {
		const std::string name = f.stem().string();
		p.profiles[p.library.kind_of(name)].push_back(name);
	}
	return p;
}

// Draws from RapidCheck, so that a failure shrinks to fewer and smaller choices.
u64 pick(u64 lo, u64 hi)
{
	if (hi == ~u64{ 0 }) // inRange's end would wrap
		return lo == 0 ? *rc::gen::resize(100, rc::gen::arbitrary<u64>())
			       : lo + pick(0, hi - lo);
	return *rc::gen::resize(100, rc::gen::inRange<u64>(lo, hi + 1));
}

bool coin()
{
	return pick(0, 1) == 1;
}

// Mostly anywhere in [lo, hi], often at its edges.
u64 pick_edge(u64 lo, u64 hi)
{
	switch (pick(0, 5)) {
	case 0:
		return lo;
	case 1:
		return hi;
	case 2:
		return hi - lo <= 1000 ? pick(lo, hi) : lo + pick(0, 1000);
	default:
		return pick(lo, hi);
	}
}

template <typename T> const T &one_of(const std::vector<T> &v)
{
	return v[pick(0, v.size() - 1)];
}

// A name the loader accepts, sometimes one that a careless YAML writer would turn into
// something else (null, a bool, a number).
std::string random_name()
{
	static const std::vector<std::string> tricky{ "null", "true", "false", "yes", "no", "on",
						      "off",  "123",  "0x1f",  "1e3", "0",  "nan" };
	if (coin())
		return one_of(tricky);
	static const std::string first = "abcdefghijklmnopqrstuvwxyz0123456789";
	static const std::string rest = first + "_-";
	std::string s(1, first[pick(0, first.size() - 1)]);
	for (u64 n = pick(0, 20); n > 0; --n)
		s += rest[pick(0, rest.size() - 1)];
	return s;
}

// Text with the bytes YAML gives meaning to, control bytes, UTF-8 and bytes that are not.
std::string random_text(std::size_t max_bytes, bool printable_no_space)
{
	static const std::vector<std::string> pieces{ "a",
						      "Z",
						      "0",
						      ":",
						      ": ",
						      "#",
						      " #",
						      "*",
						      "/",
						      "\"",
						      "'",
						      "\\",
						      "{",
						      "}",
						      "[",
						      "]",
						      ",",
						      "&",
						      "!",
						      "|",
						      ">",
						      "%",
						      "@",
						      "`",
						      "-",
						      "- ",
						      "?",
						      "~",
						      "null",
						      "\xc3\xa9",
						      "\xe2\x86\x92",
						      " ",
						      "\t",
						      "\n",
						      "\r\n",
						      "\x01",
						      "\x7f",
						      "\x80",
						      "\xff",
						      std::string(1, '\0') };
	std::string s;
	for (u64 n = pick(1, 24); n > 0 && s.size() < max_bytes; --n) {
		const std::string &p = one_of(pieces);
		const bool ok = std::all_of(p.begin(), p.end(), [&](char c) {
			const unsigned char u = static_cast<unsigned char>(c);
			return !printable_no_space || (u > 0x20 && u < 0x7f);
		});
		if (ok && s.size() + p.size() <= max_bytes)
			s += p;
	}
	return s.empty() ? "x" : s;
}

std::vector<std::string> some_of(const std::vector<std::string> &pool, u64 max)
{
	std::vector<std::string> out;
	for (u64 n = pick(0, max); n > 0 && !pool.empty(); --n)
		out.push_back(one_of(pool));
	return out;
}

cs::Range random_range(u64 max)
{
	const u64 a = pick_edge(0, max);
	if (coin())
		return { a, a };
	const u64 b = pick_edge(0, max);
	return { std::min(a, b), std::max(a, b) };
}

u32 gpu_count(const cs::MachineSpec &m)
{
	u32 n = 0;
	for (const cs::GpuSpec &g : m.gpus)
		n += g.count;
	return n;
}

u32 partitions_of(const cs::MachineSpec &m, u32 gpu)
{
	for (const cs::GpuSpec &g : m.gpus) {
		if (gpu < g.count)
			return g.partition_hbm_bytes.empty()
				       ? 1u
				       : static_cast<u32>(g.partition_hbm_bytes.size());
		gpu -= g.count;
	}
	return 0;
}

// The loader's rule for a broker the file sets: the model must leave a KV cache on every
// partition. A default broker is left out of the file and never checked.
bool broker_fits(const cs::MachineSpec &m, const Pools &pools)
{
	if (m.broker == cs::BrokerSpec{})
		return true;
	const unsigned __int128 weights =
		(unsigned __int128)m.broker.model.params * m.broker.model.bytes_per_param;
	for (const cs::GpuSpec &g : m.gpus) {
		std::vector<u64> parts = g.partition_hbm_bytes;
		if (parts.empty())
			parts.push_back(pools.library.gpu(g.profile).hbm_bytes);
		for (u64 p : parts)
			if ((unsigned __int128)p * m.broker.memory_percent / 100 <= weights)
				return false;
	}
	return true;
}

// Isolation gates without a baseline need a flooder and must not list one.
bool counterfactuals_ok(const cs::Scenario &s)
{
	const auto is_flooder = [&](const std::string &name) {
		for (const cs::TenantSpec &t : s.tenants)
			if (t.name == name)
				return t.flooder;
		return false;
	};
	const bool any = std::any_of(s.tenants.begin(), s.tenants.end(),
				     [](const cs::TenantSpec &t) { return t.flooder; });
	for (const cs::GateSpec &g : s.gates) {
		if (!g.counterfactual())
			continue;
		if (!any || std::any_of(g.tenants.begin(), g.tenants.end(), is_flooder))
			return false;
	}
	return true;
}

// Agents the kernel must hold: its own, every tenant root, every group agent, every spawn.
u64 agents(const cs::Scenario &s)
{
	u64 n = 1;
	for (const cs::TenantSpec &t : s.tenants) {
		n += 1;
		for (const cs::AgentGroupSpec &g : t.groups)
			n += g.count;
	}
	for (const cs::TimedEvent &e : s.events)
		if (e.kind == cs::EventKind::Spawn)
			n += e.count;
	return n;
}

u64 agents_left(const cs::Scenario &s)
{
	return CO_AGENTS_MAX - agents(s);
}

// Every spawned_by names an earlier group holding agent.spawn, and no agent has more than
// CO_AGENT_CHILDREN_MAX children, spawn events counted (and never freed by a kill: stricter
// than the loader, which stops counting after one).
bool tree_ok(const cs::Scenario &s)
{
	for (const cs::TenantSpec &t : s.tenants) {
		std::vector<u64> sizes;
		for (std::size_t g = 0; g < t.groups.size(); g++) {
			sizes.push_back(t.groups[g].count);
			const std::string &by = t.groups[g].spawned_by;
			if (by.empty())
				continue;
			const auto p = std::find_if(t.groups.begin(), t.groups.begin() + g,
						    [&](const cs::AgentGroupSpec &o) {
							    return o.name == by;
						    });
			if (p == t.groups.begin() + g ||
			    std::count(p->manifest.caps.begin(), p->manifest.caps.end(),
				       "agent.spawn") == 0)
				return false;
		}
		for (const cs::TimedEvent &e : s.events)
			for (std::size_t g = 0; g < t.groups.size(); g++)
				if (e.kind == cs::EventKind::Spawn &&
				    e.target == t.name + "/" + t.groups[g].name + "/*")
					sizes[g] += e.count;
		for (const u64 n : cs::children_most(t, sizes))
			if (n > CO_AGENT_CHILDREN_MAX)
				return false;
	}
	return true;
}

// Whether a target or about text names something in tenant t (and group g, when given).
bool names(const std::string &target, const std::string &t, const std::string *g = nullptr)
{
	if (g == nullptr)
		return target == t || target.rfind(t + "/", 0) == 0;
	return target.rfind(t + "/" + *g + "/", 0) == 0;
}

bool tenant_referenced(const cs::Scenario &s, const std::string &t)
{
	for (const cs::TimedEvent &e : s.events)
		if (names(e.target, t) || names(e.about, t))
			return true;
	for (const cs::GateSpec &g : s.gates) {
		const auto listed = [&](const std::vector<std::string> &v) {
			return std::find(v.begin(), v.end(), t) != v.end();
		};
		if (listed(g.tenants) || listed(g.baseline) ||
		    g.metric.rfind("tenant." + t + ".", 0) == 0)
			return true;
	}
	return false;
}

bool group_referenced(const cs::Scenario &s, const std::string &t, const std::string &g)
{
	for (const cs::TimedEvent &e : s.events)
		if (names(e.target, t, &g) || names(e.about, t, &g))
			return true;
	return false;
}

// A new text with prefix `from` replaced by `to`, when it starts with it.
void replace_prefix(std::string &text, const std::string &from, const std::string &to)
{
	if (text.rfind(from, 0) == 0)
		text = to + text.substr(from.size());
}

class Mutator {
public:
	Mutator(cs::Scenario &s, const Pools &pools, Coverage &cov)
		: s_(s), pools_(pools), cov_(cov)
	{
	}

	// One random mutation; each keeps the scenario valid, or does nothing.
	void step()
	{
		using Fn = void (Mutator::*)();
		// Workloads and events have the most kinds: they come up three times as often.
		static constexpr std::array<Fn, 24> all{
			&Mutator::top,		&Mutator::duration,	 &Mutator::machine,
			&Mutator::audit,	&Mutator::broker,	 &Mutator::add_gpu,
			&Mutator::repartition,	&Mutator::tenant_fields, &Mutator::rename_tenant,
			&Mutator::add_tenant,	&Mutator::remove_tenant, &Mutator::group_fields,
			&Mutator::set_workload, &Mutator::set_workload,	 &Mutator::set_workload,
			&Mutator::add_group,	&Mutator::remove_group,	 &Mutator::rename_group,
			&Mutator::add_event,	&Mutator::add_event,	 &Mutator::add_event,
			&Mutator::remove_event, &Mutator::add_gate,	 &Mutator::remove_gate,
		};
		const cs::Scenario before = s_;
		(this->*all[pick(0, all.size() - 1)])();
		// The agent tree's rules are the loader's (a spawner holds agent.spawn, at most
		// CO_AGENT_CHILDREN_MAX children per agent): a mutation that breaks one is undone.
		if (!tree_ok(s_))
			s_ = before;
	}

private:
	// ---- top level and machine ----

	void top()
	{
		switch (pick(0, 4)) {
		case 0:
			s_.name = random_name();
			break;
		case 1:
			s_.description = coin() ? "" : random_text(4096, false);
			break;
		case 2:
			s_.seed = pick_edge(0, ~u64{ 0 });
			break;
		case 3:
			s_.warmup_ns = pick_edge(0, s_.duration_ns - 1);
			break;
		default:
			s_.policy = static_cast<cs::Policy>(pick(0, 2));
			break;
		}
	}

	// Only longer: everything inside it stays inside it.
	void duration()
	{
		constexpr u64 most = cs::limits::duration_ns_max;
		if (s_.duration_ns < most)
			s_.duration_ns += pick_edge(1, most - s_.duration_ns);
	}

	void machine()
	{
		cs::MachineSpec &m = s_.machine;
		switch (pick(0, 6)) {
		case 0:
			m.name = random_name();
			break;
		case 1:
			m.cpus = static_cast<u32>(
				pick_edge(1, std::min<u64>(CO_AUDIT_CPUS_MAX,
							   CO_AUDIT_RING_EVENTS_MAX /
								   m.audit.ring_slots)));
			break;
		case 2:
			m.syscall_entry_ns = pick_edge(0, cs::limits::syscall_entry_ns_max);
			m.cpu_slice_ns = pick_edge(1, ~u64{ 0 });
			break;
		case 3:
			m.cpu_preempt_ns = pick_edge(0, 1000000);
			m.sched_lag_ns = pick_edge(0, 60000000000ull);
			break;
		default:
			m.pcie_profile = one_of(pools_.profiles.at("pcie"));
			m.tpm_profile = one_of(pools_.profiles.at("tpm"));
			m.ssd_profile = one_of(pools_.profiles.at("ssd"));
			break;
		}
	}

	void audit()
	{
		cs::AuditSpec &a = s_.machine.audit;
		const u64 slots_max = std::min<u64>(CO_AUDIT_RING_SLOTS_MAX,
						    CO_AUDIT_RING_EVENTS_MAX / s_.machine.cpus);
		u64 slots = 2;
		for (u64 n = pick(0, 11); n > 0 && slots * 2 <= slots_max; --n)
			slots *= 2;
		a.ring_slots = static_cast<u32>(slots);
		a.seal_interval_ns = pick_edge(1, ~u64{ 0 });
		a.seal_batch_events = static_cast<u32>(pick_edge(1, 1u << 24));
		a.anchor_every_events = static_cast<u32>(pick_edge(1, 1u << 31));
		a.anchor_every_ns = pick_edge(1, ~u64{ 0 });
		a.anchor_min_ns = pick_edge(0, ~u64{ 0 });
		a.fail_burst = static_cast<u32>(pick_edge(0, 1u << 24));
		a.fail_refill_ns = pick_edge(1, ~u64{ 0 });
		a.tpm_nv_index = pick_edge(0x01000000, 0x01ffffff);
	}

	void broker()
	{
		cs::BrokerSpec b;
		if (coin()) {
			b.batch_tokens = static_cast<u32>(pick_edge(1, 1u << 20));
			b.max_seqs =
				static_cast<u32>(pick_edge(1, std::min(b.batch_tokens, 1u << 16)));
			b.model.name = random_text(64, false);
			b.model.params = pick_edge(1, u64{ 1 } << 50);
			b.model.bytes_per_param = static_cast<u32>(pick(1, 8));
			b.model.layers = static_cast<u32>(pick_edge(1, 1024));
			b.model.hidden = static_cast<u32>(pick_edge(1, 1u << 16));
			b.model.kv_bytes_per_token = pick_edge(1, ~u64{ 0 });
			b.prompt_token_weight = static_cast<u32>(pick_edge(1, 1000));
			b.gen_token_weight = static_cast<u32>(pick_edge(1, 1000));
			b.memory_percent = static_cast<u32>(pick_edge(1, 100));
		}
		const cs::BrokerSpec before = s_.machine.broker;
		s_.machine.broker = b;
		if (!broker_fits(s_.machine, pools_))
			s_.machine.broker = before;
	}

	// HBM sizes for n partitions of a profile that the broker fits in, or nothing.
	std::vector<u64> partitions(const std::string &profile, u64 n)
	{
		const u64 hbm = pools_.library.gpu(profile).hbm_bytes;
		std::vector<u64> parts;
		for (u64 left = hbm; n > 0; --n) {
			const u64 size = pick_edge(1, left / n);
			parts.push_back(size);
			left -= size;
		}
		return parts;
	}

	void add_gpu()
	{
		cs::MachineSpec &m = s_.machine;
		if (m.gpus.size() >= 16)
			return;
		cs::GpuSpec g;
		g.profile = one_of(pools_.profiles.at("gpu"));
		g.count = static_cast<u32>(pick(1, 3));
		if (gpu_count(m) + g.count > 64)
			return;
		if (coin()) {
			const u64 most = pools_.library.gpu(g.profile).max_partitions;
			g.partition_hbm_bytes = partitions(g.profile, pick(1, most));
		}
		m.gpus.push_back(g);
		if (!broker_fits(m, pools_))
			m.gpus.pop_back();
	}

	// New sizes, as many partitions as before: every index stays valid.
	void repartition()
	{
		cs::MachineSpec &m = s_.machine;
		if (m.gpus.empty())
			return;
		cs::GpuSpec &g = m.gpus[pick(0, m.gpus.size() - 1)];
		if (g.partition_hbm_bytes.empty())
			return;
		const std::vector<u64> before = g.partition_hbm_bytes;
		g.partition_hbm_bytes = partitions(g.profile, before.size());
		if (!broker_fits(m, pools_))
			g.partition_hbm_bytes = before;
	}

	// ---- tenants and groups ----

	cs::TenantSpec &some_tenant() { return s_.tenants[pick(0, s_.tenants.size() - 1)]; }

	std::string unused_tenant_name()
	{
		for (;;) {
			std::string n = random_name();
			if (std::none_of(s_.tenants.begin(), s_.tenants.end(),
					 [&](const cs::TenantSpec &t) { return t.name == n; }))
				return n;
		}
	}

	void tenant_fields()
	{
		cs::TenantSpec &t = some_tenant();
		switch (pick(0, 2)) {
		case 0:
			t.weight = static_cast<u32>(pick_edge(1, 1000000));
			break;
		case 1:
			t.caps = some_of(pools_.caps, 4);
			break;
		default:
			t.flooder = !t.flooder;
			if (!counterfactuals_ok(s_))
				t.flooder = !t.flooder;
			break;
		}
	}

	// Events and gates follow the new name.
	void rename_tenant()
	{
		cs::TenantSpec &t = some_tenant();
		const std::string from = t.name, to = unused_tenant_name();
		t.name = to;
		for (cs::TimedEvent &e : s_.events)
			for (std::string *text : { &e.target, &e.about }) {
				if (*text == from)
					*text = to;
				replace_prefix(*text, from + "/", to + "/");
			}
		for (cs::GateSpec &g : s_.gates) {
			for (std::vector<std::string> *list : { &g.tenants, &g.baseline })
				std::replace(list->begin(), list->end(), from, to);
			replace_prefix(g.metric, "tenant." + from + ".", "tenant." + to + ".");
		}
	}

	void add_tenant()
	{
		if (s_.tenants.size() >= 255 || agents_left(s_) < 2)
			return;
		cs::TenantSpec t;
		t.name = unused_tenant_name();
		t.caps = some_of(pools_.caps, 3);
		s_.tenants.push_back(t);
	}

	void remove_tenant()
	{
		if (s_.tenants.size() < 2)
			return;
		const std::size_t i = pick(0, s_.tenants.size() - 1);
		if (tenant_referenced(s_, s_.tenants[i].name))
			return;
		const cs::Scenario before = s_;
		s_.tenants.erase(s_.tenants.begin() + static_cast<std::ptrdiff_t>(i));
		if (!counterfactuals_ok(s_))
			s_ = before;
	}

	cs::AgentGroupSpec *some_group(cs::TenantSpec *&tenant)
	{
		tenant = &some_tenant();
		if (tenant->groups.empty())
			return nullptr;
		return &tenant->groups[pick(0, tenant->groups.size() - 1)];
	}

	void group_fields()
	{
		cs::TenantSpec *t;
		cs::AgentGroupSpec *g = some_group(t);
		if (g == nullptr)
			return;
		const u32 gpus = gpu_count(s_.machine);
		switch (pick(0, 3)) {
		case 0: // more agents only: indices in events stay valid
			g->count += static_cast<u32>(std::min<u64>(pick(1, 5), agents_left(s_)));
			break;
		case 1:
			if (gpus == 0)
				break;
			g->gpu = static_cast<u32>(pick(0, gpus - 1));
			g->partition =
				static_cast<u32>(pick(0, partitions_of(s_.machine, g->gpu) - 1));
			break;
		default: {
			cs::ManifestSpec &m = g->manifest;
			m.weight = static_cast<u32>(pick_edge(1, 1000000));
			m.caps = some_of(pools_.caps, 4);
			m.quotas.clear();
			for (const char *kind : { "cpu", "mem", "hbm", "net", "tokens", "pcie" }) {
				if (!coin())
					continue;
				const u64 budget = pick_edge(0, ~u64{ 0 });
				m.quotas[kind] = cs::QuotaSpec{ budget, coin() };
			}
			break;
		}
		}
	}

	cs::RequestSpec random_request(cs::WorkloadKind kind)
	{
		cs::RequestSpec r;
		const bool gpus = gpu_count(s_.machine) > 0;
		r.cpu_ns = random_range(~u64{ 0 });
		if (gpus) {
			r.dma_bytes = random_range(~u64{ 0 });
			r.gpu_ns = random_range(~u64{ 0 });
			if (kind != cs::WorkloadKind::Trace) {
				r.prompt_tokens = random_range(1u << 20);
				r.gen_tokens = random_range(1u << 20);
			}
		}
		if (coin()) {
			for (u64 n = pick(1, 3); n > 0; --n)
				r.fs_read_paths.push_back("/" + random_text(200, false));
			r.fs_read_bytes = pick_edge(0, ~u64{ 0 });
		}
		if (coin())
			r.broker = random_text(255, true);
		return r;
	}

	void set_workload()
	{
		cs::TenantSpec *t;
		cs::AgentGroupSpec *g = some_group(t);
		if (g == nullptr)
			return;
		const auto kind = static_cast<cs::WorkloadKind>(pick(0, workload_kinds - 1));
		const bool gpus = gpu_count(s_.machine) > 0;
		if (kind == cs::WorkloadKind::Trace && !gpus)
			return;
		cs::WorkloadSpec w;
		w.kind = kind;
		cov_.workloads[static_cast<std::size_t>(kind)]++;
		if (kind != cs::WorkloadKind::None) {
			const u64 d = s_.duration_ns;
			w.start_ns = pick_edge(0, d - 1);
			w.stop_ns = coin() ? 0 : pick_edge(w.start_ns + 1, d);
			w.max_outstanding = static_cast<u32>(pick_edge(1, 1u << 20));
			if (coin())
				w.request = random_request(kind);
		}
		switch (kind) {
		case cs::WorkloadKind::Bursty:
			w.on_ns = pick_edge(1, ~u64{ 0 });
			w.off_ns = pick_edge(1, ~u64{ 0 });
			[[fallthrough]];
		case cs::WorkloadKind::Poisson:
		case cs::WorkloadKind::Flooder:
			w.mean_gap_ns = pick_edge(1, ~u64{ 0 });
			break;
		case cs::WorkloadKind::ClosedLoop:
			w.concurrency =
				static_cast<u32>(pick_edge(1, std::min(4096u, w.max_outstanding)));
			w.think_ns = pick_edge(0, ~u64{ 0 });
			break;
		case cs::WorkloadKind::Trace:
			w.trace_path = one_of(pools_.traces);
			w.trace_share = static_cast<u32>(pick_edge(1, 1u << 16));
			w.trace_offset = static_cast<u32>(pick_edge(0, w.trace_share - 1));
			w.trace_speedup_milli = static_cast<u32>(pick_edge(1, 1000000000));
			w.trace_max_rows = pick_edge(0, u64{ 1 } << 40);
			break;
		case cs::WorkloadKind::None:
			break;
		}
		g->workload = w;
	}

	void add_group()
	{
		cs::TenantSpec &t = some_tenant();
		if (t.groups.size() >= 64 || agents_left(s_) < 1)
			return;
		cs::AgentGroupSpec g;
		do
			g.name = random_name();
		while (std::any_of(t.groups.begin(), t.groups.end(),
				   [&](const cs::AgentGroupSpec &o) { return o.name == g.name; }));
		g.count = static_cast<u32>(pick(1, std::min<u64>(4, agents_left(s_))));
		t.groups.push_back(g);
	}

	void remove_group()
	{
		cs::TenantSpec *t;
		cs::AgentGroupSpec *g = some_group(t);
		if (g == nullptr || group_referenced(s_, t->name, g->name))
			return;
		t->groups.erase(t->groups.begin() + (g - t->groups.data()));
	}

	void rename_group()
	{
		cs::TenantSpec *t;
		cs::AgentGroupSpec *g = some_group(t);
		if (g == nullptr)
			return;
		const std::string to = random_name();
		if (std::any_of(t->groups.begin(), t->groups.end(),
				[&](const cs::AgentGroupSpec &o) { return o.name == to; }))
			return;
		const std::string from = t->name + "/" + g->name + "/";
		g->name = to;
		for (cs::TimedEvent &e : s_.events)
			for (std::string *text : { &e.target, &e.about })
				replace_prefix(*text, from, t->name + "/" + to + "/");
	}

	// ---- events ----

	// A tenant root, one agent that exists from the start, or (all) a whole group.
	std::string random_target(bool group_only, bool no_group)
	{
		const cs::TenantSpec &t = some_tenant();
		if (t.groups.empty() || (!group_only && coin()))
			return group_only ? "" : t.name;
		const cs::AgentGroupSpec &g = one_of(t.groups);
		const std::string base = t.name + "/" + g.name + "/";
		if (group_only || (!no_group && coin()))
			return base + "*";
		return base + std::to_string(pick(0, g.count - 1));
	}

	std::optional<s64> random_expect()
	{
		switch (pick(0, 4)) {
		case 0:
			return std::nullopt;
		case 1:
			return 0;
		case 2:
			return -static_cast<s64>(pick(1, 140)); // named errnos among them
		case 3:
			return std::numeric_limits<s64>::min();
		default:
			return static_cast<s64>(pick_edge(0, ~u64{ 0 }));
		}
	}

	void add_event()
	{
		using EK = cs::EventKind;
		cs::TimedEvent e;
		e.kind = static_cast<EK>(pick(0, event_kinds - 1));
		e.at_ns = pick_edge(0, s_.duration_ns - 1);
		const u32 gpus = gpu_count(s_.machine);
		bool action = true;
		switch (e.kind) {
		case EK::FsRead:
		case EK::FsWrite:
			e.target = random_target(false, false);
			e.path = "/" + random_text(300, false);
			break;
		case EK::CapGrant:
		case EK::CapRevoke:
			e.target = random_target(false, false);
			e.cap = one_of(pools_.caps);
			break;
		case EK::MemTier:
			e.target = random_target(false, false);
			e.tier = static_cast<u32>(pick(0, COCONUT_TIER_COUNT - 1));
			e.bytes = pick_edge(1, ~u64{ 0 });
			break;
		case EK::QuotaSet: {
			static const std::vector<std::string> kinds{ "cpu", "mem",    "hbm",
								     "net", "tokens", "pcie" };
			e.target = random_target(false, false);
			e.quota_kind = one_of(kinds);
			e.budget = pick_edge(0, ~u64{ 0 });
			break;
		}
		case EK::Spawn:
			e.target = random_target(true, false);
			e.count = static_cast<u32>(
				std::min<u64>(pick_edge(1, 4096), agents_left(s_)));
			if (e.target.empty() || e.count == 0)
				return;
			break;
		case EK::AuditQuery:
			e.target = random_target(false, false);
			e.audit_type = static_cast<u32>(pick(0, COCONUT_EV_TYPE_COUNT - 1));
			if (coin())
				e.about = random_target(false, true);
			if (coin())
				e.cap = coin() ? one_of(pools_.caps) : "fs.read";
			e.max_events = static_cast<u32>(pick_edge(0, CO_AUDIT_SEGMENT_EVENTS_MAX));
			break;
		case EK::Attest:
		case EK::Quarantine:
		case EK::Release:
		case EK::Kill:
		case EK::Exit:
			e.target = random_target(false, false);
			break;
		case EK::RingPressure:
			e.target = random_target(false, false);
			e.count = static_cast<u32>(pick_edge(1, 1u << 20));
			action = false;
			break;
		case EK::SealerStall:
			e.duration_ns = pick_edge(1, ~u64{ 0 });
			action = false;
			break;
		case EK::PcieDegrade:
		case EK::GpuPartitionLoss:
			if (gpus == 0)
				return;
			e.gpu = static_cast<u32>(pick(0, gpus - 1));
			if (e.kind == EK::PcieDegrade) {
				e.percent = static_cast<u32>(pick_edge(1, 100));
				e.duration_ns = pick_edge(0, ~u64{ 0 });
			} else {
				e.partition = static_cast<u32>(
					pick(0, partitions_of(s_.machine, e.gpu) - 1));
			}
			action = false;
			break;
		case EK::TpmWriteFail:
			e.count = static_cast<u32>(pick_edge(1, 1u << 20));
			action = false;
			break;
		}
		if (action)
			e.expect = random_expect();
		cov_.events[static_cast<std::size_t>(e.kind)]++;
		// After every event of its time: the stored order is the loader's stable sort.
		const auto at = std::upper_bound(s_.events.begin(), s_.events.end(), e.at_ns,
						 [](u64 t, const cs::TimedEvent &o) {
							 return t < o.at_ns;
						 });
		s_.events.insert(at, e);
	}

	// Not a spawn: a later event may name an agent it added.
	void remove_event()
	{
		if (s_.events.empty())
			return;
		const std::size_t i = pick(0, s_.events.size() - 1);
		if (s_.events[i].kind != cs::EventKind::Spawn)
			s_.events.erase(s_.events.begin() + static_cast<std::ptrdiff_t>(i));
	}

	// ---- gates ----

	std::vector<std::string> tenant_names(bool flooders)
	{
		std::vector<std::string> out;
		for (const cs::TenantSpec &t : s_.tenants)
			if (flooders || !t.flooder)
				out.push_back(t.name);
		return out;
	}

	std::string random_metric()
	{
		static const std::vector<std::string> global{ "requests.completed",
							      "use_after_revoke", "audit.events",
							      "jain.cpu_milli",
							      "service_difference.pcie.max_milli" };
		static const std::vector<std::string> per_tenant{ "completed", "slowdown_p99_milli",
								  "ttft_p50_ns",
								  "inference.served_units",
								  "gpu.p99_over_p50_milli" };
		if (coin())
			return one_of(global);
		return "tenant." + some_tenant().name + "." + one_of(per_tenant);
	}

	void add_gate()
	{
		using GK = cs::GateKind;
		static const std::vector<std::string> resources{ "cpu", "pcie", "gpu",
								 "inference" };
		if (s_.gates.size() >= 256)
			return;
		cs::GateSpec g;
		g.kind = static_cast<GK>(pick(0, gate_kinds - 1));
		g.name = coin() ? cs::gate_kind_name(g.kind) : random_text(64, true);
		if (std::any_of(s_.gates.begin(), s_.gates.end(),
				[&](const cs::GateSpec &o) { return o.name == g.name; }))
			return;
		switch (g.kind) {
		case GK::Fairness:
		case GK::Isolation:
			g.bound_milli = pick_edge(1000, 1000000000);
			g.resources = some_of(resources, 4);
			if (g.kind == GK::Fairness) {
				g.tenants = some_of(tenant_names(true), 4);
				if (coin())
					g.p99_max_milli = pick_edge(1000, 1000000000);
			} else if (coin() && s_.tenants.size() >= 2) {
				// Peer mode: disjoint exposed and baseline tenants.
				std::vector<std::string> all = tenant_names(true);
				const std::size_t split = pick(1, all.size() - 1);
				const auto end = all.begin() + static_cast<std::ptrdiff_t>(split);
				g.baseline.assign(all.begin(), end);
				for (std::size_t i = split; i < all.size(); ++i)
					if (coin())
						g.tenants.push_back(all[i]);
			} else {
				g.tenants = some_of(tenant_names(false), 4);
			}
			break;
		case GK::Metric:
			g.metric = random_metric();
			g.op = static_cast<cs::CompareOp>(pick(0, 5));
			g.value = static_cast<s64>(pick_edge(0, ~u64{ 0 }));
			break;
		default:
			break;
		}
		s_.gates.push_back(g);
		if (!counterfactuals_ok(s_)) {
			s_.gates.pop_back();
			return;
		}
		cov_.gates[static_cast<std::size_t>(g.kind)]++;
	}

	void remove_gate()
	{
		if (!s_.gates.empty())
			s_.gates.erase(s_.gates.begin() +
				       static_cast<std::ptrdiff_t>(pick(0, s_.gates.size() - 1)));
	}

	cs::Scenario &s_;
	const Pools &pools_;
	Coverage &cov_;
};

std::vector<cs::Scenario> load_bases()
{
	std::vector<cs::Scenario> bases;
	for (const std::string &f : shipped_files())
		bases.push_back(cs::load_scenario_file(f));
	bases.push_back(every_kind());
	return bases;
}

} // namespace

// ---- (a) every shipped scenario -------------------------------------------------------------

TEST(WriterRoundTrip, EveryShippedScenario)
{
	const std::vector<std::string> files = shipped_files();
	ASSERT_GE(files.size(), 12u); // 9 scenarios, the example, the engine's test data, full.yaml
	for (const std::string &f : files) {
		SCOPED_TRACE(f);
		const cs::Scenario s = cs::load_scenario_file(f);
		EXPECT_ROUND_TRIP(s);
	}
}

// The file a scenario came from and the places of its parts are not part of its value.
TEST(WriterRoundTrip, FileAndPlacesAreNotCompared)
{
	const cs::Scenario a =
		cs::load_scenario_file(source_dir + "/scenarios/examples/minimal.yaml");
	const cs::Scenario b = cs::load_scenario_string(cs::write_scenario_yaml(a), "b.yaml", "");
	EXPECT_NE(a.file, b.file);
	EXPECT_NE(a.tenants[0].loc.line, b.tenants[0].loc.line);
	EXPECT_TRUE(a == b) << cs::first_difference(a, b);
	cs::Scenario c = b;
	c.tenants[1].groups[0].workload.request.fs_read_paths[1] = "/elsewhere";
	EXPECT_FALSE(a == c);
	EXPECT_EQ(cs::first_difference(b, c),
		  "tenants[1].groups[0].workload.request.fs_read_paths[1]: \"/data/b/shard-1\" vs "
		  "\"/elsewhere\"");
	c = b;
	c.tenants[1].groups[0].workload.mean_gap_ns = 5;
	EXPECT_EQ(cs::first_difference(b, c), "tenants[1].groups[0].workload.mean_gap_ns: 0 vs 5");
	c = b;
	c.events[0].expect.reset();
	EXPECT_EQ(cs::first_difference(b, c), "events[0].expect: 0 vs none");
	c = b;
	c.gates.pop_back();
	EXPECT_EQ(cs::first_difference(b, c), "gates: 5 vs 4 entries");
}

// ---- C++-built scenarios --------------------------------------------------------------------

// The least a C++ user sets: a name, a duration, one tenant with one group; defaults for the
// rest.
TEST(WriterRoundTrip, MinimalBuiltInCpp)
{
	cs::Scenario s;
	s.name = "built";
	s.duration_ns = 1000000000;
	cs::TenantSpec t;
	t.name = "t";
	cs::AgentGroupSpec g;
	g.name = "g";
	t.groups.push_back(g);
	s.tenants.push_back(t);
	EXPECT_ROUND_TRIP(s);
	EXPECT_ROUND_TRIP(every_kind());
}

// Every gap comes back exactly: as a count per unit where one parses back to it (what people
// write), else as "1/<gap>".
TEST(WriterRoundTrip, RatesAreExact)
{
	cs::Scenario s = every_kind();
	cs::WorkloadSpec &w = s.tenants[0].groups[0].workload;
	const std::vector<std::pair<u64, std::string>> gaps{
		{ 1, "1/1ns" },
		{ 3, "333/us" },
		{ 1000, "1/us" },
		{ 200000000, "5/s" },
		{ 333333333, "3/s" },	  // 333333333.3 ns
		{ 8333333, "120/s" },	  // 8333333.3 ns
		{ 2000000000, "30/min" }, // what 0.5/s loads to
		{ 3600000000000, "1/h" },
		{ 3600000000001, "1/3600000000001ns" }, // no count per unit gives it back
		{ 1234567, "1/1234567ns" },
		{ ~u64{ 0 }, "1/18446744073709551615ns" },
	};
	for (const auto &[gap, text] : gaps) {
		SCOPED_TRACE("gap " + std::to_string(gap));
		w.mean_gap_ns = gap;
		EXPECT_ROUND_TRIP(s);
		const std::string yaml = cs::write_scenario_yaml(s);
		EXPECT_NE(yaml.find("rate: " + text + "\n"), std::string::npos);
	}
}

// ---- (b) random mutations of all of the above -----------------------------------------------

// RapidCheck's cases (100 unless RC_PARAMS says otherwise) each give every base scenario its
// own 1 to 12 mutations and round-trip the result. Every single mutation is also a check of
// first_difference against ==.
TEST(WriterRoundTrip, RandomMutations)
{
	const std::vector<cs::Scenario> bases = load_bases();
	const Pools pools = make_pools(bases);
	Coverage cov;
	const bool ok = rc::check("mutated scenarios round trip", [&] {
		for (const cs::Scenario &base : bases) {
			cs::Scenario s = base;
			Mutator m(s, pools, cov);
			for (u64 n = pick(1, 12); n > 0; --n) {
				const cs::Scenario before = s;
				m.step();
				const std::string diff = cs::first_difference(before, s);
				if ((before == s) != diff.empty())
					RC_FAIL(base.name +
						": operator== and first_difference disagree "
						"after a mutation (" +
						(diff.empty() ? "no difference" : diff) + ")");
			}
			cov.round_trips++;
			const std::string failure = round_trip(s);
			if (!failure.empty())
				RC_FAIL(base.name + ", mutated: " + failure);
		}
	});
	EXPECT_TRUE(ok);
	// The draws are the same for a seed (CTest pins it): a kind left out is a generator bug.
	for (std::size_t k = 0; k < workload_kinds; ++k)
		EXPECT_GT(cov.workloads[k], 0u)
			<< cs::workload_kind_name(static_cast<cs::WorkloadKind>(k));
	for (std::size_t k = 0; k < event_kinds; ++k)
		EXPECT_GT(cov.events[k], 0u) << cs::event_kind_name(static_cast<cs::EventKind>(k));
	for (std::size_t k = 0; k < gate_kinds; ++k)
		EXPECT_GT(cov.gates[k], 0u) << cs::gate_kind_name(static_cast<cs::GateKind>(k));
	std::printf("random mutations: %llu round trips of %zu base scenarios; added",
		    static_cast<unsigned long long>(cov.round_trips), bases.size());
	for (std::size_t k = 0; k < event_kinds; ++k)
		std::printf(" %s %llu", cs::event_kind_name(static_cast<cs::EventKind>(k)),
			    static_cast<unsigned long long>(cov.events[k]));
	for (std::size_t k = 0; k < gate_kinds; ++k)
		std::printf(" %s %llu", cs::gate_kind_name(static_cast<cs::GateKind>(k)),
			    static_cast<unsigned long long>(cov.gates[k]));
	for (std::size_t k = 0; k < workload_kinds; ++k)
		std::printf(" %s %llu", cs::workload_kind_name(static_cast<cs::WorkloadKind>(k)),
			    static_cast<unsigned long long>(cov.workloads[k]));
	std::printf("\n");
}
