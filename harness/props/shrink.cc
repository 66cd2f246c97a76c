// See shrink.h.
#include "shrink.h"

#include "writer.h"

#include <cstdio>

namespace coconut::props {

using scenario::Scenario;

std::string ScenarioSize::text() const
{
	char b[160];
	std::snprintf(b, sizeof b, "%llu tenants, %llu groups, %llu agents, %llu events, %.3f s",
		      static_cast<unsigned long long>(tenants),
		      static_cast<unsigned long long>(groups),
		      static_cast<unsigned long long>(agents),
		      static_cast<unsigned long long>(events),
		      static_cast<double>(duration_ns) / 1e9);
	return b;
}

ScenarioSize size_of(const Scenario &sc)
{
	ScenarioSize s;
	s.tenants = sc.tenants.size();
	for (const auto &t : sc.tenants) {
		s.groups += t.groups.size();
		for (const auto &g : t.groups)
			s.agents += g.count;
	}
	s.events = sc.events.size();
	s.duration_ns = sc.duration_ns;
	return s;
}

namespace {

// Whether a name refers to the tenant (its root "t" or an agent or group under "t/").
bool names_tenant(const std::string &target, const std::string &t)
{
	return target == t || target.rfind(t + "/", 0) == 0;
}

// The candidate as the loader reads it back; false when it refuses it.
bool reload(const Scenario &cand, Scenario *out)
{
	try {
		*out = scenario::load_scenario_string(scenario::write_scenario_yaml(cand),
						      cand.name, ".");
		return true;
	} catch (const scenario::ScenarioError &) {
		return false;
	}
}

// Every one-step reduction of sc, biggest first.
std::vector<Scenario> candidates(const Scenario &sc)
{
	std::vector<Scenario> out;
	for (size_t t = 0; sc.tenants.size() > 1 && t < sc.tenants.size(); t++) {
		Scenario c = sc;
		const std::string name = c.tenants[t].name;
		c.tenants.erase(c.tenants.begin() + static_cast<std::ptrdiff_t>(t));
		std::erase_if(c.events, [&](const auto &e) {
			return names_tenant(e.target, name) || names_tenant(e.about, name);
		});
		for (auto &g : c.gates) {
			std::erase(g.tenants, name);
			std::erase(g.baseline, name);
		}
		out.push_back(std::move(c));
	}
	if (sc.duration_ns >= 2000000) {
		Scenario c = sc;
		c.duration_ns = sc.duration_ns / 2;
		if (c.warmup_ns >= c.duration_ns)
			c.warmup_ns = 0;
		std::erase_if(c.events, [&](const auto &e) { return e.at_ns >= c.duration_ns; });
		out.push_back(std::move(c));
	}
	// Events: halves first (ddmin's coarse step), then one at a time.
	const size_t n = sc.events.size();
	if (n >= 4) {
		for (int half = 0; half < 2; half++) {
			Scenario c = sc;
			const size_t lo = half ? n / 2 : 0, hi = half ? n : n / 2;
			c.events.erase(c.events.begin() + static_cast<std::ptrdiff_t>(lo),
				       c.events.begin() + static_cast<std::ptrdiff_t>(hi));
			out.push_back(std::move(c));
		}
	}
	for (size_t i = 0; i < n; i++) {
		Scenario c = sc;
		c.events.erase(c.events.begin() + static_cast<std::ptrdiff_t>(i));
		out.push_back(std::move(c));
	}
	for (size_t t = 0; t < sc.tenants.size(); t++) {
		for (size_t g = 0; g < sc.tenants[t].groups.size(); g++) {
			const auto &grp = sc.tenants[t].groups[g];
			const std::string prefix = sc.tenants[t].name + "/" + grp.name;
			if (sc.tenants[t].groups.size() > 1) {
				Scenario c = sc;
				auto &gs = c.tenants[t].groups;
				gs.erase(gs.begin() + static_cast<std::ptrdiff_t>(g));
				std::erase_if(c.events, [&](const auto &e) {
					return names_tenant(e.target, prefix) ||
					       names_tenant(e.about, prefix);
				});
				out.push_back(std::move(c));
			}
			if (grp.count > 1) {
				Scenario c = sc;
				c.tenants[t].groups[g].count = grp.count / 2;
				out.push_back(std::move(c));
			}
		}
	}
	return out;
}

} // namespace

Scenario shrink_scenario(const Scenario &sc,
			 const std::function<bool(const Scenario &)> &still_fails,
			 std::uint64_t tries_max, ShrinkStats *stats)
{
	ShrinkStats local;
	ShrinkStats &st = stats ? *stats : local;
	Scenario best = sc;
	bool progress = true;
	while (progress && st.tries < tries_max) {
		progress = false;
		for (const Scenario &raw : candidates(best)) {
			if (st.tries >= tries_max)
				break;
			Scenario cand;
			if (!reload(raw, &cand))
				continue;
			st.tries++;
			if (still_fails(cand)) {
				st.accepted++;
				best = std::move(cand);
				progress = true;
				break; // candidates of the smaller scenario next
			}
		}
	}
	return best;
}

} // namespace coconut::props
