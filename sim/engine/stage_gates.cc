// See stage_gates.h. Every number is an integer in thousandths (no float reaches a verdict).
#include "stage_gates.h"

#include "report.h"

#include <algorithm>
#include <stdexcept>

namespace coconut::engine {

using metrics::format_milli;
using metrics::GateResult;
using metrics::GateRow;
using scenario::GateSpec;

namespace {

u64 ratio_of(u64 num_milli, u64 den_milli)
{
	return (u64)((unsigned __int128)num_milli * 1000 / std::max<u64>(1, den_milli));
}

GateResult start(const GateSpec &g, const char *ref)
{
	GateResult r;
	r.name = g.name;
	r.kind = scenario::gate_kind_name(g.kind);
	r.bound = "<= " + format_milli(g.bound_milli);
	r.ref = ref;
	return r;
}

GateRow row_of(const std::string &tenant, const std::string &resource, const StageStats &s)
{
	GateRow row;
	row.tenant = tenant;
	row.resource = resource;
	row.samples = s.samples;
	row.p50_milli = s.p50_milli;
	row.p99_milli = s.p99_milli;
	return row;
}

StageStats find_or_none(const StageTable &t, const std::string &tenant, const std::string &res)
{
	const auto it = t.find({ tenant, res });
	return it == t.end() ? StageStats{} : it->second;
}

// The pairs with too few samples for a p99: each row fails with its counts, and the gate's
// measurement names the first pair and how many more (never a ratio that would look like
// the gate's verdict).
struct TooFew {
	std::string first; // "alice/pcie: 12 here, 48 counterfactual; need 50"
	size_t pairs = 0;

	void add(GateRow &row, const std::string &label, const std::string &counts)
	{
		const std::string text = counts + "; need " + std::to_string(kStageSamplesMin);
		row.pass = false;
		row.note = "too few samples (" + text + ")";
		if (pairs++ == 0)
			first = label + ": " + text;
	}
	std::string measured() const
	{
		return "too few samples (" + first +
		       (pairs > 1 ? "; " + std::to_string(pairs - 1) + " more pairs" : "") + ")";
	}
};

// The largest ratio seen and where.
struct Worst {
	u64 milli = 0;
	std::string at = "-";
	bool any = false;

	void see(u64 v, const std::string &where)
	{
		if (!any || v > milli) {
			milli = v;
			at = where;
			any = true;
		}
	}
	std::string text() const { return format_milli(milli) + " (" + at + ")"; }
};

// What a gate's rows add up to while they are judged.
struct Tally {
	TooFew few;
	Worst worst;
};

// Judges a row by its p99 against a reference p99 (isolation): with enough samples on both
// sides, the ratio against the bound; else a failure that says so. Adds the row to r and
// says whether it has a ratio.
bool judge_against(GateResult &r, Tally &t, GateRow row, const StageStats &ref,
		   const std::string &at, const std::string &counts, u64 bound_milli)
{
	row.has_ref = true;
	row.ref_samples = ref.samples;
	row.ref_p99_milli = ref.p99_milli;
	const bool enough = row.samples >= kStageSamplesMin && ref.samples >= kStageSamplesMin;
	if (enough) {
		row.ratio_milli = ratio_of(row.p99_milli, ref.p99_milli);
		row.pass = *row.ratio_milli <= bound_milli;
		t.worst.see(*row.ratio_milli, at);
	} else {
		t.few.add(row, at, counts);
	}
	r.rows.push_back(row);
	return enough;
}

// The verdict from the rows: at least one, every one passing. Rows that failed for their
// sample counts lead the detail.
void conclude(GateResult &r, const TooFew &few, const std::string &measured)
{
	r.pass = !r.rows.empty() &&
		 std::all_of(r.rows.begin(), r.rows.end(), [](const GateRow &x) { return x.pass; });
	std::string notes;
	for (const GateRow &x : r.rows)
		if (!x.note.empty())
			notes += x.tenant + "/" + x.resource + ": " + x.note + "; ";
	r.detail = notes + r.detail;
	if (r.rows.empty()) {
		r.measured = "no samples";
		r.detail = "no listed tenant used a listed resource";
	} else {
		r.measured = few.pairs ? few.measured() : measured;
	}
}

u64 as_count(const nlohmann::json &e, const char *key)
{
	const auto it = e.find(key);
	if (it == e.end() || !it->is_number_unsigned())
		throw std::invalid_argument(std::string("stage table: '") + key +
					    "' is not an unsigned integer");
	return it->get<u64>();
}

std::string as_text(const nlohmann::json &e, const char *key)
{
	const auto it = e.find(key);
	if (it == e.end() || !it->is_string())
		throw std::invalid_argument(std::string("stage table: '") + key + "' is not text");
	return it->get<std::string>();
}

// Every sample of the listed tenants on one resource, as one histogram.
metrics::LogHistogram pooled(const metrics::MetricRegistry &m,
			     const std::vector<std::string> &tenants, const std::string &rn)
{
	metrics::LogHistogram pool;
	for (const std::string &t : tenants)
		if (const metrics::LogHistogram *h =
			    m.find_hist("tenant." + t + "." + rn + ".slowdown"))
			pool.merge(*h);
	return pool;
}

} // namespace

StageTable stage_table(const scenario::Scenario &sc, const metrics::MetricRegistry &m)
{
	StageTable t;
	for (const scenario::TenantSpec &ts : sc.tenants)
		for (const char *rn : kStageResources) {
			const metrics::LogHistogram *h =
				m.find_hist("tenant." + ts.name + "." + rn + ".slowdown");
			if (!h || h->count() == 0)
				continue;
			t[{ ts.name, rn }] =
				StageStats{ h->count(), h->value_at_quantile_milli(500),
					    h->value_at_quantile_milli(990) };
		}
	return t;
}

nlohmann::json stage_table_to_json(const StageTable &t)
{
	nlohmann::json a = nlohmann::json::array();
	for (const auto &[key, s] : t)
		a.push_back({ { "tenant", key.first },
			      { "resource", key.second },
			      { "samples", s.samples },
			      { "p50_milli", s.p50_milli },
			      { "p99_milli", s.p99_milli } });
	return a;
}

StageTable stage_table_from_json(const nlohmann::json &j)
{
	if (!j.is_array())
		throw std::invalid_argument("stage table: not a list");
	StageTable t;
	for (const nlohmann::json &e : j) {
		if (!e.is_object())
			throw std::invalid_argument("stage table: an entry is not an object");
		const StageStats s{ as_count(e, "samples"), as_count(e, "p50_milli"),
				    as_count(e, "p99_milli") };
		if (!t.emplace(std::make_pair(as_text(e, "tenant"), as_text(e, "resource")), s)
			     .second)
			throw std::invalid_argument("stage table: a tenant/resource pair twice");
	}
	return t;
}

std::vector<std::string> gate_tenants(const GateSpec &g, const scenario::Scenario &sc)
{
	if (!g.tenants.empty())
		return g.tenants;
	std::vector<std::string> who;
	for (const scenario::TenantSpec &t : sc.tenants)
		if (!t.flooder)
			who.push_back(t.name);
	return who;
}

std::vector<std::string> gate_resources(const GateSpec &g, const StageTable &here)
{
	if (!g.resources.empty())
		return g.resources;
	std::vector<std::string> res;
	for (const char *rn : kStageResources) {
		size_t users = 0;
		for (const auto &[key, s] : here)
			users += key.second == rn && s.samples > 0;
		if (users >= 2)
			res.push_back(rn); // contended: more than one tenant used it
	}
	return res;
}

GateResult fairness_gate(const GateSpec &g, const scenario::Scenario &sc, const StageTable &here)
{
	GateResult r = start(g, "");
	if (g.p99_max_milli)
		r.bound += ", p99 <= " + format_milli(*g.p99_max_milli);
	TooFew few;
	Worst worst, worst_p99;
	const std::vector<std::string> res = gate_resources(g, here);
	for (const std::string &tn : gate_tenants(g, sc)) {
		for (const std::string &rn : res) {
			const StageStats s = find_or_none(here, tn, rn);
			if (s.samples == 0)
				continue; // the tenant does not use this resource
			GateRow row = row_of(tn, rn, s);
			const std::string at = tn + "/" + rn;
			if (s.samples < kStageSamplesMin) {
				few.add(row, at, std::to_string(s.samples));
				r.rows.push_back(row);
				continue;
			}
			const u64 ratio = ratio_of(s.p99_milli, s.p50_milli);
			const bool p99_ok = !g.p99_max_milli || s.p99_milli <= *g.p99_max_milli;
			row.ratio_milli = ratio;
			row.pass = ratio <= g.bound_milli && p99_ok;
			worst.see(ratio, at);
			worst_p99.see(s.p99_milli, at);
			if (ratio > g.bound_milli)
				r.detail += at + ": p99/p50 " + format_milli(ratio) + " (p50 " +
					    format_milli(s.p50_milli) + "x, p99 " +
					    format_milli(s.p99_milli) + "x); ";
			if (!p99_ok)
				r.detail += at + ": p99 " + format_milli(s.p99_milli) + "x above " +
					    format_milli(*g.p99_max_milli) + "x; ";
			r.rows.push_back(row);
		}
	}
	conclude(r, few, worst.text() + (g.p99_max_milli ? ", p99 " + worst_p99.text() : ""));
	return r;
}

GateResult isolation_peer_gate(const GateSpec &g, const metrics::MetricRegistry &m)
{
	GateResult r = start(g, "baseline");
	Tally t;
	const std::vector<std::string> res =
		g.resources.empty() ? std::vector<std::string>{ "inference" } : g.resources;
	for (const std::string &rn : res) {
		const metrics::LogHistogram exposed = pooled(m, g.tenants, rn);
		const metrics::LogHistogram base = pooled(m, g.baseline, rn);
		const StageStats e{ exposed.count(), exposed.value_at_quantile_milli(500),
				    exposed.value_at_quantile_milli(990) };
		const StageStats b{ base.count(), base.value_at_quantile_milli(500),
				    base.value_at_quantile_milli(990) };
		const std::string counts = std::to_string(e.samples) + " exposed, " +
					   std::to_string(b.samples) + " baseline";
		if (judge_against(r, t, row_of("(exposed)", rn, e), b, rn, counts, g.bound_milli))
			r.detail += rn + ": p99 slowdown " + format_milli(e.p99_milli) +
				    "x exposed vs " + format_milli(b.p99_milli) +
				    "x baseline (p50 " + format_milli(e.p50_milli) + "x vs " +
				    format_milli(b.p50_milli) + "x); ";
	}
	conclude(r, t.few, t.worst.text());
	return r;
}

GateResult isolation_counterfactual_gate(const GateSpec &g, const scenario::Scenario &sc,
					 const StageTable &here, const StageTable *alone,
					 const std::string &missing)
{
	GateResult r = start(g, "alone");
	Tally t;
	// Every resource a listed tenant used in either run, contended or not: a flooder that
	// completes nothing on a resource (it hogs it with work that never finishes, or is
	// starved) must not take the victims' rows on it out of the gate.
	std::vector<std::string> res = g.resources;
	if (res.empty())
		res.assign(std::begin(kStageResources), std::end(kStageResources));
	for (const std::string &tn : gate_tenants(g, sc)) {
		for (const std::string &rn : res) {
			const StageStats h = find_or_none(here, tn, rn);
			const StageStats a = alone ? find_or_none(*alone, tn, rn) : StageStats{};
			if (h.samples == 0 && a.samples == 0)
				continue; // the tenant does not use this resource
			if (!alone) {
				r.rows.push_back(
					row_of(tn, rn, h)); // failed below, with the reason
				continue;
			}
			const std::string at = tn + "/" + rn;
			const std::string counts = std::to_string(h.samples) + " here, " +
						   std::to_string(a.samples) + " counterfactual";
			if (judge_against(r, t, row_of(tn, rn, h), a, at, counts, g.bound_milli) &&
			    !r.rows.back().pass)
				r.detail += at + ": p99 " + format_milli(h.p99_milli) + "x vs " +
					    format_milli(a.p99_milli) + "x alone; ";
		}
	}
	if (!alone) {
		r.pass = false;
		r.measured = missing;
		r.detail = missing;
		return r;
	}
	conclude(r, t.few, t.worst.text());
	return r;
}

void complete_isolation_gates(const scenario::Scenario &sc, std::vector<GateResult> &gates,
			      const metrics::MetricRegistry &here, const StageTable *alone,
			      const std::string &missing)
{
	const StageTable table = stage_table(sc, here);
	for (const GateSpec &g : sc.gates) {
		if (!g.counterfactual())
			continue;
		for (GateResult &r : gates)
			if (r.name == g.name)
				r = isolation_counterfactual_gate(g, sc, table, alone, missing);
	}
}

} // namespace coconut::engine
