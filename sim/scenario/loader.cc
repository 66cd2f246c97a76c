// The scenario loader: YAML text to a validated Scenario. Sections are read in dependency
// order (machine, tenants, events, gates), whatever their order in the file, so that each can
// check its references against the ones before.
#include "loader_detail.h"
#include "names_detail.h"
#include "scenario_limits.h"

#include <filesystem>
#include <optional>

namespace coconut::scenario {

using detail::Field;
using detail::MapReader;

namespace {

// given: the caller's profile library; null loads the default directory's when it is needed.
Scenario load(std::string_view yaml, const std::string &name, const std::string &base_dir,
	      const devices::ProfileLibrary *given)
{
	const Field root = Field::root(detail::parse_document(yaml, name), name);
	const MapReader m(root, { "name", "description", "seed", "duration", "warmup", "policy",
				  "machine", "tenants", "events", "gates" });
	Scenario s;
	s.file = name;
	s.name = detail::as_name(m.need("name"));
	if (auto v = m.get("description"))
		s.description = detail::as_string(*v, limits::description_bytes_max);
	if (auto v = m.get("seed"))
		s.seed = detail::as_uint(*v, 0, ~u64{ 0 });
	{
		const detail::Field d = m.need("duration");
		s.duration_ns = detail::as_duration(d, 1);
		if (s.duration_ns > limits::duration_ns_max)
			d.fail("at most 720h (30 days simulated, limits::duration_ns_max): a day "
			       "of "
			       "a busy scenario takes hours of wall time");
	}
	if (auto v = m.get("warmup")) {
		s.warmup_ns = detail::as_duration(*v);
		if (s.warmup_ns >= s.duration_ns)
			v->fail("warmup must end before the scenario does (duration " +
				std::to_string(s.duration_ns) + " ns)");
	}
	if (auto v = m.get("policy")) {
		const std::string text = detail::as_string(*v, limits::name_bytes_max);
		const auto p = parse_policy(text);
		if (!p)
			v->fail("unknown policy " + detail::quote(text) +
				" (expected one of: " + detail::policy_names() + ")");
		s.policy = *p;
	}
	// Profiles are read only now, once the file is known to be YAML with the right shape at
	// the top: a typo should not cost a directory scan.
	std::optional<devices::ProfileLibrary> loaded;
	if (given == nullptr)
		loaded.emplace(devices::default_profile_dir());
	const devices::ProfileLibrary &profiles = given != nullptr ? *given : *loaded;
	if (auto v = m.get("machine"))
		s.machine = detail::parse_machine(*v, profiles);
	else
		s.machine = detail::parse_machine(root.member("machine",
							      YAML::Node(YAML::NodeType::Map),
							      root.loc()),
						  profiles);
	s.tenants = detail::parse_tenants(m.need("tenants"), s.machine, base_dir, s.duration_ns);
	if (auto v = m.get("events"))
		s.events = detail::parse_events(*v, s);
	if (auto v = m.get("gates"))
		s.gates = detail::parse_gates(*v, s);
	return s;
}

Scenario load_or_throw(std::string_view yaml, const std::string &name, const std::string &base_dir,
		       const devices::ProfileLibrary *profiles)
{
	try {
		return load(yaml, name, base_dir, profiles);
	} catch (const YAML::Exception &e) {
		// yaml-cpp can still throw while nodes are read (a conversion it refuses); the
		// contract is one exception type, at the place yaml-cpp names.
		const int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
		const int column = e.mark.column >= 0 ? e.mark.column + 1 : 1;
		throw ScenarioError(SourceLoc{ name, line, column }, "(yaml)", e.msg);
	}
}

} // namespace

Scenario load_scenario_string(std::string_view yaml, const std::string &name,
			      const std::string &base_dir)
{
	return load_or_throw(yaml, name, base_dir, nullptr);
}

Scenario load_scenario_string(std::string_view yaml, const std::string &name,
			      const std::string &base_dir, const devices::ProfileLibrary &profiles)
{
	return load_or_throw(yaml, name, base_dir, &profiles);
}

Scenario load_scenario_file(const std::string &path)
{
	const std::string text = detail::read_text_file(path, "(file)");
	const std::string base_dir = std::filesystem::path(path).parent_path().string();
	return load_scenario_string(text, path, base_dir.empty() ? "." : base_dir);
}

} // namespace coconut::scenario
