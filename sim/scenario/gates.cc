// gates: what must hold for `coconut-sim run` to exit 0. Each kind takes only its fields.
#include "loader_detail.h"
#include "names_detail.h"
#include "scenario_limits.h"

#include <algorithm>

namespace coconut::scenario::detail {
namespace {

// A gate name is printed in reports and JUnit; the default (the kind's name) holds dots.
std::string as_gate_name(const Field &f)
{
	std::string s = as_string(f, limits::name_bytes_max);
	for (char c : s)
		if (c <= 0x20 || c >= 0x7f)
			f.fail(quote(s) + ": a gate name is printable ASCII without spaces");
	return s;
}

// An isolation gate without `baseline` compares each tenant with itself in the same run
// without the flooders: there must be a flooder to silence, and a listed tenant must not be
// one (silenced, it would have nothing to compare).
void check_counterfactual(const MapReader &m, const GateSpec &g, const Scenario &s)
{
	const bool any = std::any_of(s.tenants.begin(), s.tenants.end(),
				     [](const TenantSpec &t) { return t.flooder; });
	if (!any)
		m.self().fail(
			"isolation gate " + quote(g.name) +
			" has no `baseline`, so it compares every tenant with its run without "
			"the flooders, but no tenant is a flooder (give one `flooder: true`, "
			"or give the gate a `baseline`)");
	if (!m.has("tenants"))
		return;
	const std::vector<Field> listed = as_list(*m.get("tenants"), limits::tenants_max);
	for (size_t i = 0; i < g.tenants.size() && i < listed.size(); i++)
		for (const TenantSpec &t : s.tenants)
			if (t.name == g.tenants[i] && t.flooder)
				listed[i].fail("tenant " + quote(t.name) +
					       " is a flooder: the counterfactual run silences it");
}

GateSpec parse_gate(const Field &f, const Scenario &s)
{
	const MapReader m(f, { "kind", "name", "bound", "tenants", "resources", "p99_max", "metric",
			       "op", "value", "baseline" });
	GateSpec g;
	g.loc = f.loc();
	const Field kind_field = m.need("kind");
	const std::string kind_text = as_string(kind_field, limits::name_bytes_max);
	const auto kind = parse_gate_kind(kind_text);
	if (!kind)
		kind_field.fail("unknown gate kind " + quote(kind_text) +
				" (expected one of: " + gate_kind_names() + ")");
	g.kind = *kind;
	g.name = kind_text;
	if (auto v = m.get("name"))
		g.name = as_gate_name(*v);
	const std::string not_used = "not used by " + kind_text + " gates";
	auto tenant_list = [&](const Field &v, std::vector<std::string> &out) {
		for (const Field &e : as_list(v, limits::tenants_max)) {
			const std::string name = as_string(e, limits::name_bytes_max);
			const bool known =
				std::any_of(s.tenants.begin(), s.tenants.end(),
					    [&](const TenantSpec &t) { return t.name == name; });
			if (!known)
				e.fail("no tenant " + quote(name));
			out.push_back(name);
		}
	};
	if (g.kind == GateKind::Fairness || g.kind == GateKind::Isolation) {
		// p99/p50 is never below 1, so a fairness bound below 1.0 could never hold; an
		// isolation bound below 1.0 would ask the exposed tenants to do better than the
		// baseline, which no scheduler can promise.
		if (auto v = m.get("bound"))
			g.bound_milli = as_milli(*v, 1000, 1000000000);
		if (g.kind == GateKind::Isolation && m.has("baseline")) {
			tenant_list(m.need("tenants"), g.tenants);
			tenant_list(m.need("baseline"), g.baseline);
			if (g.baseline.empty()) // else it would read as the counterfactual mode
				m.need("baseline")
					.fail("an empty list; name the baseline tenants, or "
					      "leave baseline out to compare with the run "
					      "without the flooders");
			for (const std::string &t : g.tenants)
				if (std::find(g.baseline.begin(), g.baseline.end(), t) !=
				    g.baseline.end())
					f.fail("tenant " + quote(t) +
					       " is both exposed and baseline");
		} else {
			if (auto v = m.get("tenants"))
				tenant_list(*v, g.tenants);
			if (g.kind == GateKind::Fairness)
				m.refuse("baseline", not_used);
		}
		if (g.kind == GateKind::Fairness) {
			// A slowdown is never below 1 (nothing runs faster than alone).
			if (auto v = m.get("p99_max"))
				g.p99_max_milli = as_milli(*v, 1000, 1000000000);
		} else {
			m.refuse("p99_max", not_used);
		}
		if (g.counterfactual())
			check_counterfactual(m, g, s);
		if (auto v = m.get("resources")) {
			for (const Field &e : as_list(*v, 4)) {
				const std::string name = as_string(e, limits::name_bytes_max);
				if (!is_fair_resource(name))
					e.fail("unknown resource " + quote(name) +
					       " (expected one of: " + fair_resource_names() + ")");
				g.resources.push_back(name);
			}
		}
	} else {
		m.refuse("bound", not_used);
		m.refuse("tenants", not_used);
		m.refuse("resources", not_used);
		m.refuse("p99_max", not_used);
		m.refuse("baseline", not_used);
	}
	if (g.kind == GateKind::Metric) {
		const Field metric = m.need("metric");
		g.metric = as_string(metric, limits::metric_bytes_max);
		std::string why;
		if (!is_known_metric(g.metric, s, &why))
			metric.fail(why);
		if (auto v = m.get("op")) {
			const std::string text = as_string(*v, limits::name_bytes_max);
			const auto op = parse_compare_op(text);
			if (!op)
				v->fail("unknown comparison " + quote(text) +
					" (expected one of: " + compare_op_names() + ")");
			g.op = *op;
		}
		g.value = as_int(m.need("value"));
	} else {
		m.refuse("metric", not_used);
		m.refuse("op", not_used);
		m.refuse("value", not_used);
	}
	return g;
}

} // namespace

std::vector<GateSpec> parse_gates(const Field &f, const Scenario &s)
{
	std::vector<GateSpec> gates;
	for (const Field &e : as_list(f, limits::gates_max)) {
		GateSpec g = parse_gate(e, s);
		for (const GateSpec &other : gates)
			if (other.name == g.name)
				e.fail("duplicate gate name " + quote(g.name) +
				       " (give one of them a `name`)");
		gates.push_back(std::move(g));
	}
	return gates;
}

} // namespace coconut::scenario::detail
