// See gate_suite.h.
#include "gate_suite.h"

#include <yaml-cpp/yaml.h>

#include <cassert>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>

namespace coconut::gate {

namespace {

const std::set<std::string> kKinds = { "policy_contrast", "scenario", "properties", "replay",
				       "cosim",		  "vectors",  "bench" };
const std::set<std::string> kPolicies = { "fair", "fifo", "per-process" };
const std::set<std::string> kProperties = { "revocation", "parity", "determinism", "weights",
					    "caps" };
constexpr std::uint64_t kCasesMax = 10000000;
constexpr std::uint64_t kSeedsMax = 100000;

struct Ctx {
	std::string file;
	[[noreturn]] void fail(const YAML::Node &n, const std::string &field,
			       const std::string &what) const
	{
		// A node yaml-cpp could not look up has no mark (Mark() throws): the file alone.
		std::string at = file;
		try {
			const YAML::Mark m = n.Mark();
			if (!m.is_null())
				at += ":" + std::to_string(m.line + 1) + ":" +
				      std::to_string(m.column + 1);
		} catch (const YAML::Exception &) {
		}
		throw SuiteError(at + ": " + field + ": " + what);
	}
};

// The node of a field, taken from the gate's `quick:` map under --quick when it has it.
YAML::Node field(const YAML::Node &g, const std::string &name, bool quick)
{
	if (quick && g["quick"] && g["quick"][name])
		return g["quick"][name];
	return g[name];
}

std::string text(const Ctx &c, const YAML::Node &n, const std::string &name, bool required)
{
	if (!n || n.IsNull()) {
		if (required)
			c.fail(n, name, "missing");
		return "";
	}
	if (!n.IsScalar())
		c.fail(n, name, "must be a string");
	const std::string s = n.Scalar();
	if (required && s.empty())
		c.fail(n, name, "must not be empty");
	return s;
}

std::vector<std::string> list(const Ctx &c, const YAML::Node &n, const std::string &name)
{
	std::vector<std::string> out;
	if (!n)
		return out;
	if (!n.IsSequence())
		c.fail(n, name, "must be a list");
	for (const YAML::Node &e : n)
		out.push_back(text(c, e, name, true));
	return out;
}

std::uint64_t number(const Ctx &c, const YAML::Node &n, const std::string &name, std::uint64_t lo,
		     std::uint64_t hi)
{
	const std::string s = text(c, n, name, true);
	std::uint64_t v = 0;
	for (char ch : s) {
		if (ch < '0' || ch > '9' || v > hi)
			c.fail(n, name, "'" + s + "' is not a whole number");
		v = v * 10 + static_cast<std::uint64_t>(ch - '0');
	}
	if (v < lo || v > hi)
		c.fail(n, name,
		       s + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
	return v;
}

double positive(const Ctx &c, const YAML::Node &n, const std::string &name, double hi)
{
	const std::string s = text(c, n, name, true);
	double v = 0;
	try {
		size_t used = 0;
		v = std::stod(s, &used);
		if (used != s.size())
			throw std::invalid_argument(s);
	} catch (const std::exception &) {
		c.fail(n, name, "'" + s + "' is not a number");
	}
	if (!(v > 0) || v > hi)
		c.fail(n, name, s + " must be above 0 and at most " + std::to_string(hi));
	return v;
}

void seeds(const Ctx &c, const YAML::Node &n, GateSpec *g)
{
	const std::string s = text(c, n, "seeds", true);
	const auto dots = s.find("..");
	if (dots == std::string::npos)
		c.fail(n, "seeds", "'" + s + "' is not a range A..B");
	YAML::Node a(s.substr(0, dots)), b(s.substr(dots + 2));
	try {
		g->seed_first = number(c, a, "seeds", 0, ~0ull >> 1);
		g->seed_last = number(c, b, "seeds", 0, ~0ull >> 1);
	} catch (const SuiteError &) {
		c.fail(n, "seeds", "'" + s + "' is not a range A..B of whole numbers");
	}
	if (g->seed_last < g->seed_first || g->seed_last - g->seed_first >= kSeedsMax)
		c.fail(n, "seeds",
		       "'" + s + "': B must be at least A and the range at most " +
			       std::to_string(kSeedsMax) + " seeds");
}

void policies(const Ctx &c, const YAML::Node &n, const std::string &name,
	      std::vector<std::string> *out)
{
	*out = list(c, n, name);
	for (const auto &p : *out)
		if (!kPolicies.count(p))
			c.fail(n, name, "'" + p + "' is not a policy (fair, fifo, per-process)");
}

void check_keys(const Ctx &c, const YAML::Node &g, const std::set<std::string> &allowed)
{
	for (const auto &kv : g) {
		const std::string k = kv.first.Scalar();
		if (!allowed.count(k))
			c.fail(kv.first, k, "unknown field for this kind of gate");
	}
	if (g["quick"]) {
		if (!g["quick"].IsMap())
			c.fail(g["quick"], "quick", "must be a map of the fields --quick changes");
		for (const auto &kv : g["quick"])
			if (!allowed.count(kv.first.Scalar()) || kv.first.Scalar() == "quick")
				c.fail(kv.first, "quick." + kv.first.Scalar(),
				       "unknown field for this kind of gate");
	}
}

// The fields a gate of this kind may have.
std::set<std::string> fields_of(const std::string &kind)
{
	std::set<std::string> k = { "id", "title", "kind", "quick" };
	if (kind == "policy_contrast")
		k.insert({ "scenario", "seeds", "gate", "pass_under", "fail_under" });
	else if (kind == "scenario")
		k.insert({ "scenario", "seeds" });
	else if (kind == "properties")
		k.insert({ "properties", "cases" });
	else if (kind == "replay")
		k.insert("traces");
	else if (kind == "cosim")
		k.insert({ "guest", "inputs" });
	else if (kind == "vectors")
		k.insert("suites");
	else if (kind == "bench")
		k.insert({ "min_time_s", "targets" });
	return k;
}

GateSpec gate_of(const Ctx &c, const YAML::Node &n, bool quick)
{
	if (!n.IsMap())
		c.fail(n, "gates", "each gate must be a map");
	GateSpec g;
	g.id = text(c, n["id"], "id", true);
	for (char ch : g.id)
		if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'))
			c.fail(n["id"], "id", "'" + g.id + "': letters, digits, - and _ only");
	g.title = text(c, n["title"], "title", true);
	g.kind = text(c, n["kind"], "kind", true);
	if (!kKinds.count(g.kind))
		c.fail(n["kind"], "kind",
		       "'" + g.kind +
			       "' is not one of policy_contrast scenario properties replay cosim "
			       "vectors bench");
	// Unknown fields first: a misspelt one is the likely cause of a "missing" one.
	check_keys(c, n, fields_of(g.kind));
	if (g.kind == "policy_contrast" || g.kind == "scenario") {
		g.scenario = text(c, n["scenario"], "scenario", true);
		seeds(c, field(n, "seeds", quick), &g);
	}
	if (g.kind == "policy_contrast") {
		g.gate = text(c, n["gate"], "gate", true);
		policies(c, n["pass_under"], "pass_under", &g.pass_under);
		policies(c, n["fail_under"], "fail_under", &g.fail_under);
		if (g.pass_under.empty())
			c.fail(n, "pass_under",
			       "name at least one policy the gate must hold under");
	} else if (g.kind == "properties") {
		g.properties = list(c, n["properties"], "properties");
		for (const auto &p : g.properties)
			if (!kProperties.count(p))
				c.fail(n["properties"], "properties",
				       "'" + p +
					       "' is not one of revocation parity determinism "
					       "weights caps");
		if (g.properties.empty())
			c.fail(n, "properties", "missing");
		g.cases = number(c, field(n, "cases", quick), "cases", 1, kCasesMax);
	} else if (g.kind == "replay") {
		g.traces = list(c, field(n, "traces", quick), "traces");
		if (g.traces.empty())
			c.fail(n, "traces", "missing");
	} else if (g.kind == "cosim") {
		g.guest = text(c, n["guest"], "guest", true);
		g.inputs = list(c, field(n, "inputs", quick), "inputs");
		if (g.inputs.empty())
			c.fail(n, "inputs", "missing");
	} else if (g.kind == "vectors") {
		const YAML::Node s = n["suites"];
		if (!s || !s.IsSequence() || s.size() == 0)
			c.fail(s ? s : n, "suites", "must be a list of {name, program, filter}");
		for (const YAML::Node &e : s) {
			if (!e.IsMap())
				c.fail(e, "suites", "each must be a map {name, program, filter}");
			g.suites.push_back({ text(c, e["name"], "suites.name", true),
					     text(c, e["program"], "suites.program", true),
					     text(c, e["filter"], "suites.filter", true) });
		}
	} else if (g.kind == "bench") {
		g.min_time_s = positive(c, field(n, "min_time_s", quick), "min_time_s", 60);
		const YAML::Node t = n["targets"];
		if (!t || !t.IsSequence() || t.size() == 0)
			c.fail(t ? t : n, "targets",
			       "must be a list of {program, pair, time_max|throughput_min}");
		for (const YAML::Node &e : t) {
			if (!e.IsMap())
				c.fail(e, "targets", "each must be a map");
			BenchTarget b;
			b.program = text(c, e["program"], "targets.program", true);
			b.pair = text(c, e["pair"], "targets.pair", true);
			if (e["time_max"])
				b.time_max = positive(c, e["time_max"], "targets.time_max", 1000);
			if (e["throughput_min"])
				b.throughput_min = positive(c, e["throughput_min"],
							    "targets.throughput_min", 1000);
			if ((b.time_max > 0) == (b.throughput_min > 0))
				c.fail(e, "targets",
				       "give exactly one of time_max, throughput_min");
			g.targets.push_back(b);
		}
	}
	return g;
}

} // namespace

std::string seeds_text(const GateSpec &g)
{
	return std::to_string(g.seed_first) + ".." + std::to_string(g.seed_last);
}

Suite load_suite(const std::string &path, bool quick)
{
	std::ifstream f(path, std::ios::binary);
	if (!f)
		throw SuiteError(path + ": cannot read the file");
	std::ostringstream all;
	all << f.rdbuf();
	return load_suite_text(all.str(), path, quick);
}

static Suite load_suite_checked(const std::string &yaml_text, const std::string &path, bool quick);

Suite load_suite_text(const std::string &yaml_text, const std::string &path, bool quick)
{
	// Whatever yaml-cpp throws past the checks below (found by gate_report_fuzz: a lookup in a
	// map whose keys do not parse) is still an error in the file, never a crash.
	try {
		return load_suite_checked(yaml_text, path, quick);
	} catch (const YAML::Exception &e) {
		throw SuiteError(path + ": " + e.what());
	}
}

static Suite load_suite_checked(const std::string &yaml_text, const std::string &path, bool quick)
{
	const Ctx c{ path };
	YAML::Node root;
	try {
		root = YAML::Load(yaml_text);
	} catch (const YAML::Exception &e) {
		throw SuiteError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
				 std::to_string(e.mark.column + 1) + ": " + e.msg);
	}
	if (!root.IsMap())
		throw SuiteError(path + ": the suite must be a map with suite: and gates:");
	Suite s;
	s.file = path;
	s.root = std::filesystem::absolute(path)
			 .parent_path()
			 .parent_path()
			 .lexically_normal()
			 .string();
	s.quick = quick;
	s.name = text(c, root["suite"], "suite", true);
	for (const auto &kv : root)
		if (kv.first.Scalar() != "suite" && kv.first.Scalar() != "gates")
			c.fail(kv.first, kv.first.Scalar(), "unknown field (suite, gates)");
	const YAML::Node gates = root["gates"];
	if (!gates || !gates.IsSequence() || gates.size() == 0)
		c.fail(gates ? gates : root, "gates", "must be a non-empty list");
	std::set<std::string> ids;
	for (const YAML::Node &n : gates) {
		GateSpec g = gate_of(c, n, quick);
		if (!ids.insert(g.id).second)
			c.fail(n["id"], "id", "'" + g.id + "' is used twice");
		s.gates.push_back(std::move(g));
	}
	assert(!s.gates.empty());
	return s;
}

} // namespace coconut::gate
