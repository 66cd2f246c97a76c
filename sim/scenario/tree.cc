// The tenant's agent tree: who spawns whom. The engine spawns by these rules and the loader
// checks the kernel's limits (depth, children per agent) by the same ones.
#include "scenario.h"
#include "loader_detail.h"
#include "yaml_util.h"

#include "coconut/compiler.h"

namespace coconut::scenario {

std::size_t spawning_group(const TenantSpec &t, std::size_t g)
{
	CO_ASSERT(g < t.groups.size());
	const std::string &by = t.groups[g].spawned_by;
	if (by.empty())
		return t.groups.size();
	// The loader admits only an earlier group, so the tree has no cycle.
	for (std::size_t p = 0; p < g; p++)
		if (t.groups[p].name == by)
			return p;
	CO_ASSERT(!"spawned_by names no earlier group");
	return t.groups.size();
}

u32 spawning_index(const TenantSpec &t, std::size_t g, u32 i)
{
	const std::size_t p = spawning_group(t, g);
	if (p == t.groups.size())
		return 0;
	// By the spawning group's initial agents: a spawn event never moves an agent's parent.
	CO_ASSERT(t.groups[p].count > 0);
	return i % t.groups[p].count;
}

u32 group_depth(const TenantSpec &t, std::size_t g)
{
	u32 depth = 2;
	// Each step goes to an earlier group: at most t.groups.size() steps.
	for (std::size_t p = spawning_group(t, g); p != t.groups.size(); p = spawning_group(t, p))
		depth++;
	return depth;
}

std::vector<u64> children_most(const TenantSpec &t, const std::vector<u64> &sizes)
{
	CO_ASSERT(sizes.size() == t.groups.size());
	std::vector<u64> most(t.groups.size() + 1, 0);
	for (std::size_t g = 0; g < t.groups.size(); g++) {
		const std::size_t p = spawning_group(t, g);
		// Round robin over the spawning group's initial agents: the first gets the most.
		const u64 spawners = p == t.groups.size() ? 1 : t.groups[p].count;
		most[p] += (sizes[g] + spawners - 1) / spawners;
	}
	return most;
}

} // namespace coconut::scenario

namespace coconut::scenario::detail {

std::string spawner_text(const TenantSpec &t, std::size_t by)
{
	if (by == t.groups.size())
		return "tenant " + quote(t.name) + "'s root";
	CO_ASSERT(by < t.groups.size());
	return "an agent of group " + quote(t.groups[by].name);
}

} // namespace coconut::scenario::detail
