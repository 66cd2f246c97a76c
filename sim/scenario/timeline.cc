// events: the timeline of actions (syscalls made on an agent's behalf) and faults. Each kind
// takes only the fields it uses; targets must name tenants, groups and agents that exist when
// the event fires (spawn events earlier on the timeline add agents to their group).
#include "loader_detail.h"
#include "names_detail.h"
#include "scenario_limits.h"
#include "units_detail.h"

#include "coconut/cap.h"
#include "coconut/limits.h"

#include <algorithm>
#include <array>
#include <numeric>

namespace coconut::scenario::detail {
namespace {

constexpr std::size_t npos = ~std::size_t{ 0 };

// What a target names: a tenant's root (group == npos), one agent, or a whole group (all).
struct TargetRef {
	std::size_t tenant = npos;
	std::size_t group = npos;
	u32 index = 0;
	bool all = false;
};

constexpr std::array<std::string_view, 18> event_keys{
	"at",	 "kind",     "target",	"cap", "path",	    "tier", "bytes", "quota",	   "budget",
	"count", "duration", "percent", "gpu", "partition", "type", "about", "max_events", "expect"
};

// The keys each kind uses, besides at and kind.
std::vector<std::string_view> keys_of(EventKind k)
{
	switch (k) {
	case EventKind::FsRead:
	case EventKind::FsWrite:
		return { "target", "path", "expect" };
	case EventKind::CapGrant:
	case EventKind::CapRevoke:
		return { "target", "cap", "expect" };
	case EventKind::MemTier:
		return { "target", "tier", "bytes", "expect" };
	case EventKind::QuotaSet:
		return { "target", "quota", "budget", "expect" };
	case EventKind::Spawn:
		return { "target", "count", "expect" };
	case EventKind::Attest:
	case EventKind::Quarantine:
	case EventKind::Release:
	case EventKind::Kill:
	case EventKind::Exit:
		return { "target", "expect" };
	case EventKind::AuditQuery:
		return { "target", "type", "about", "cap", "max_events", "expect" };
	case EventKind::RingPressure:
		return { "target", "count" };
	case EventKind::SealerStall:
		return { "duration" };
	case EventKind::PcieDegrade:
		return { "gpu", "percent", "duration" };
	case EventKind::GpuPartitionLoss:
		return { "gpu", "partition" };
	case EventKind::TpmWriteFail:
		return { "count" };
	}
	return {};
}

std::size_t find_tenant(const Scenario &s, std::string_view name)
{
	for (std::size_t i = 0; i < s.tenants.size(); ++i)
		if (s.tenants[i].name == name)
			return i;
	return npos;
}

std::size_t find_group(const TenantSpec &t, std::string_view name)
{
	for (std::size_t i = 0; i < t.groups.size(); ++i)
		if (t.groups[i].name == name)
			return i;
	return npos;
}

TargetRef parse_target(const Field &f, const Scenario &s, std::string &text)
{
	text = as_string(f, 3 * limits::name_bytes_max + 2);
	TargetRef ref;
	const std::size_t slash1 = text.find('/');
	const std::string_view tenant = std::string_view(text).substr(0, slash1);
	ref.tenant = find_tenant(s, tenant);
	if (ref.tenant == npos)
		f.fail("no tenant " + quote(tenant) +
		       " (a target is \"tenant\", \"tenant/group/index\" or \"tenant/group/*\")");
	if (slash1 == std::string::npos)
		return ref;
	const std::size_t slash2 = text.find('/', slash1 + 1);
	if (slash2 == std::string::npos)
		f.fail(quote(text) + ": a group target is \"tenant/group/index\" or "
				     "\"tenant/group/*\"");
	const std::string_view group =
		std::string_view(text).substr(slash1 + 1, slash2 - slash1 - 1);
	const TenantSpec &t = s.tenants[ref.tenant];
	ref.group = find_group(t, group);
	if (ref.group == npos)
		f.fail("tenant " + quote(t.name) + " has no group " + quote(group));
	const std::string_view index = std::string_view(text).substr(slash2 + 1);
	if (index == "*") {
		ref.all = true;
		return ref;
	}
	// One spelling per agent: decimal without leading zeros.
	const bool canonical = !index.empty() &&
			       index.find_first_not_of("0123456789") == std::string_view::npos &&
			       (index.size() == 1 || index[0] != '0');
	const auto i = canonical ? parse_uint(index) : std::nullopt;
	if (!i)
		f.fail(quote(index) + " is not an agent index (a decimal without leading zeros, "
				      "or *)");
	if (*i >= CO_AGENTS_MAX)
		f.fail("agent index " + std::string(index) + " is out of range");
	ref.index = static_cast<u32>(*i);
	return ref;
}

s64 as_expect(const Field &f)
{
	const std::string text = scalar_text(f, "0, an integer or an errno name like -ECAPABILITY");
	if (text.size() > 1 && text[0] == '-' && text[1] == 'E') {
		const auto v = parse_errno_name(text);
		if (!v)
			f.fail("unknown errno name " + quote(text));
		return *v;
	}
	if (text.size() > 0 && text[0] == 'E')
		f.fail(quote(text) + ": write the return value, -" + text);
	return as_int(f);
}

// An audit.query filter's cap: a capability's exact text, or a kind's name (what deny events
// carry, e.g. "fs.read").
std::string as_filter_cap(const Field &f)
{
	const std::string text = as_string(f, CO_CAP_TEXT_BYTES_MAX);
	for (u32 k = 0; k < COCONUT_CAP_KIND_COUNT; k++)
		if (const char *name = co_cap_kind_name(k); name && text == name)
			return text;
	return as_cap(f);
}

struct ParsedEvent {
	TimedEvent ev;
	std::optional<Field> target_field;
	TargetRef target;
	std::optional<Field> about_field; // audit.query's agent filter
	TargetRef about;
};

ParsedEvent parse_event(const Field &f, const Scenario &s)
{
	const MapReader m(f, { "at", "kind", "target", "cap", "path", "tier", "bytes", "quota",
			       "budget", "count", "duration", "percent", "gpu", "partition", "type",
			       "about", "max_events", "expect" });
	ParsedEvent p;
	TimedEvent &e = p.ev;
	e.loc = f.loc();
	const Field kind_field = m.need("kind");
	const std::string kind_text = as_string(kind_field, limits::name_bytes_max);
	const auto kind = parse_event_kind(kind_text);
	if (!kind)
		kind_field.fail("unknown event kind " + quote(kind_text) +
				" (expected one of: " + event_kind_names() + ")");
	e.kind = *kind;
	const std::vector<std::string_view> used = keys_of(e.kind);
	for (std::string_view key : event_keys)
		if (key != "at" && key != "kind" &&
		    std::find(used.begin(), used.end(), key) == used.end())
			m.refuse(key,
				 "not used by " + kind_text + " events (they take: at, kind" +
					 std::accumulate(used.begin(), used.end(), std::string(),
							 [](std::string a, std::string_view b) {
								 return a + ", " + std::string(b);
							 }) +
					 ")");

	const Field at = m.need("at");
	e.at_ns = as_duration(at);
	if (e.at_ns >= s.duration_ns)
		at.fail("at or after the end of the scenario (duration " +
			std::to_string(s.duration_ns) + " ns)");

	if (std::find(used.begin(), used.end(), "target") != used.end()) {
		p.target_field = m.need("target");
		p.target = parse_target(*p.target_field, s, e.target);
		if (e.kind == EventKind::Spawn && (p.target.group == npos || !p.target.all))
			p.target_field->fail("a spawn event targets a group: \"tenant/group/*\"");
	}
	switch (e.kind) {
	case EventKind::FsRead:
	case EventKind::FsWrite: {
		const Field path = m.need("path");
		e.path = as_string(path, limits::path_bytes_max);
		if (e.path[0] != '/')
			path.fail(quote(e.path) + " is not an absolute path");
		break;
	}
	case EventKind::CapGrant:
	case EventKind::CapRevoke:
		e.cap = as_cap(m.need("cap"));
		break;
	case EventKind::MemTier: {
		const Field tier = m.need("tier");
		const std::string text = as_string(tier, limits::name_bytes_max);
		const auto t = parse_mem_tier(text);
		if (!t)
			tier.fail("unknown tier " + quote(text) +
				  " (expected one of: hbm, ram, ssd)");
		e.tier = *t;
		e.bytes = as_size(m.need("bytes"), 1);
		break;
	}
	case EventKind::QuotaSet: {
		const Field quota = m.need("quota");
		e.quota_kind = as_string(quota, limits::name_bytes_max);
		if (!is_quota_kind(e.quota_kind))
			quota.fail("unknown quota kind " + quote(e.quota_kind) +
				   " (expected one of: " + quota_kind_names() + ")");
		e.budget = as_quota_budget(m.need("budget"), e.quota_kind);
		break;
	}
	case EventKind::Spawn:
		if (auto v = m.get("count"))
			e.count = as_u32(*v, 1, limits::spawn_count_max);
		break;
	case EventKind::RingPressure:
		e.count = as_u32(m.need("count"), 1, limits::ring_pressure_count_max);
		break;
	case EventKind::TpmWriteFail:
		if (auto v = m.get("count"))
			e.count = as_u32(*v, 1, limits::tpm_fail_count_max);
		break;
	case EventKind::SealerStall:
		e.duration_ns = as_duration(m.need("duration"), 1);
		break;
	case EventKind::PcieDegrade:
	case EventKind::GpuPartitionLoss: {
		const u32 gpus = gpu_count(s.machine);
		if (gpus == 0)
			f.fail(kind_text + " needs a GPU, but machine.gpus is empty");
		if (auto v = m.get("gpu"))
			e.gpu = as_u32(*v, 0, gpus - 1);
		if (e.kind == EventKind::PcieDegrade) {
			e.percent = as_u32(m.need("percent"), 1, 100);
			if (auto v = m.get("duration"))
				e.duration_ns = as_duration(*v);
		} else if (auto v = m.get("partition")) {
			e.partition = as_u32(*v, 0, partitions_of(s.machine, e.gpu) - 1);
		}
		break;
	}
	case EventKind::AuditQuery:
		if (auto v = m.get("type")) {
			const std::string text = as_string(*v, limits::name_bytes_max);
			const auto t = parse_audit_type(text);
			if (!t)
				v->fail("unknown audit event type " + quote(text) +
					" (expected one of: " + audit_type_names() + ")");
			e.audit_type = *t;
		}
		if (auto v = m.get("about")) {
			p.about_field = *v;
			p.about = parse_target(*v, s, e.about);
			if (p.about.all)
				v->fail("the filter names one agent: \"tenant\" or "
					"\"tenant/group/index\", not a whole group");
		}
		if (auto v = m.get("cap"))
			e.cap = as_filter_cap(*v);
		if (auto v = m.get("max_events"))
			e.max_events = as_u32(*v, 0, CO_AUDIT_SEGMENT_EVENTS_MAX);
		break;
	case EventKind::Attest:
	case EventKind::Quarantine:
	case EventKind::Release:
	case EventKind::Kill:
	case EventKind::Exit:
		break;
	}
	if (auto v = m.get("expect"))
		e.expect = as_expect(*v);
	return p;
}

} // namespace

std::vector<TimedEvent> parse_events(const Field &f, const Scenario &s)
{
	std::vector<ParsedEvent> parsed;
	for (const Field &e : as_list(f, limits::events_max))
		parsed.push_back(parse_event(e, s));
	std::stable_sort(parsed.begin(), parsed.end(),
			 [](const ParsedEvent &a, const ParsedEvent &b) {
				 return a.ev.at_ns < b.ev.at_ns;
			 });
	// Agent indices in time order: a spawn grows its group for every later event.
	std::vector<std::vector<u64>> sizes;
	for (const TenantSpec &t : s.tenants) {
		sizes.emplace_back();
		for (const AgentGroupSpec &g : t.groups)
			sizes.back().push_back(g.count);
	}
	std::vector<bool> freed(s.tenants.size(), false); // a kill or exit happened in the tenant
	u64 agents = 1; // as parse_tenants counts: the kernel's AID, tenant roots, group agents
	for (const TenantSpec &t : s.tenants) {
		agents += 1;
		for (const AgentGroupSpec &g : t.groups)
			agents += g.count;
	}
	std::vector<TimedEvent> out;
	out.reserve(parsed.size());
	for (ParsedEvent &p : parsed) {
		const TargetRef &r = p.target;
		const auto check_index = [&sizes](const std::optional<Field> &field,
						  const TargetRef &ref) {
			if (!field || ref.group == npos || ref.all)
				return;
			const u64 size = sizes[ref.tenant][ref.group];
			if (ref.index >= size)
				field->fail("agent index " + std::to_string(ref.index) +
					    " is out of range: the group has " +
					    std::to_string(size) + " agents at that time");
		};
		check_index(p.target_field, r);
		check_index(p.about_field, p.about);
		if (p.ev.kind == EventKind::Kill || p.ev.kind == EventKind::Exit)
			freed[r.tenant] = true;
		if (p.ev.kind == EventKind::Spawn) {
			sizes[r.tenant][r.group] += p.ev.count;
			agents += p.ev.count;
			if (agents > CO_AGENTS_MAX)
				p.target_field->fail("spawns more than the kernel's " +
						     std::to_string(CO_AGENTS_MAX) +
						     " agents in all");
			// Children alive at once, as run would meet them (issue 16: check passed
			// what run refused). After a kill or exit in the tenant, slots may have
			// been freed, which the loader does not follow: the kernel judges then.
			const TenantSpec &t = s.tenants[r.tenant];
			const std::vector<u64> most = children_most(t, sizes[r.tenant]);
			const size_t by = spawning_group(t, r.group);
			if (!freed[r.tenant] && most[by] > CO_AGENT_CHILDREN_MAX)
				p.target_field->fail(
					"spawns past the kernel's " +
					std::to_string(CO_AGENT_CHILDREN_MAX) +
					" children per agent (CO_AGENT_CHILDREN_MAX): " +
					spawner_text(t, by) + " would have " +
					std::to_string(most[by]));
		}
		out.push_back(std::move(p.ev));
	}
	return out;
}

} // namespace coconut::scenario::detail
