// Reading a YAML document field by field, so that every error names the file, the line, the
// column and the field path ("tenants[1].groups[0].workload.rate") of what is wrong. Shared by
// the scenario loader and the device-profile loader. Every function either returns a checked
// value or throws ScenarioError.
#ifndef COCONUT_SIM_SCENARIO_YAML_UTIL_H
#define COCONUT_SIM_SCENARIO_YAML_UTIL_H

#include "scenario.h"

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coconut::scenario::detail {

// A node with its field path and its place in the file. `fallback` is where to point when the
// node has no mark of its own (yaml-cpp gives none to some empty values).
class Field {
public:
	Field(YAML::Node node, std::string path, const std::string &file, SourceLoc fallback);
	// The document's root; its path is "" and messages call it "(top level)".
	static Field root(const YAML::Node &node, const std::string &file);

	const YAML::Node &node() const { return node_; }
	const std::string &path() const { return path_; }
	const std::string &file() const { return *file_; }
	SourceLoc loc() const { return loc_; }
	// The path as messages print it.
	std::string field_name() const { return path_.empty() ? "(top level)" : path_; }
	[[noreturn]] void fail(const std::string &message) const;

	Field member(const std::string &key, const YAML::Node &value, SourceLoc at) const;
	Field element(std::size_t index, const YAML::Node &value) const;

private:
	YAML::Node node_;
	std::string path_;
	const std::string *file_;
	SourceLoc loc_;
};

// The location yaml-cpp records for a node, or `fallback` when it has none.
SourceLoc loc_of(const YAML::Node &node, const std::string &file, SourceLoc fallback);

// A YAML map whose keys are checked against those its reader knows: an unknown key, a
// duplicate key or a key that is not text is an error at that key.
class MapReader {
public:
	MapReader(const Field &map, std::initializer_list<std::string_view> known);

	const Field &self() const { return self_; }
	bool has(std::string_view key) const { return find(key) != nullptr; }
	std::optional<Field> get(std::string_view key) const;
	Field need(std::string_view key) const; // a missing key is an error at the map
	// A known key that does not apply here (a workload field of another kind, ...).
	void refuse(std::string_view key, const std::string &why) const;

private:
	const Field *find(std::string_view key) const;
	Field self_;
	std::vector<std::pair<std::string, Field>> members_;
};

// "'abc'" for messages, cut short (a 10 MB value must not make a 10 MB message).
std::string quote(std::string_view text);

// Scalars. Every reader refuses maps, lists and empty values with a message saying what it
// expected. Ranges are inclusive.
std::string scalar_text(const Field &f, std::string_view expected);
std::string as_string(const Field &f, std::size_t max_bytes); // non-empty
std::string as_name(const Field &f); // [a-z0-9][a-z0-9_-]*: tenants, groups, gates ...
u64 as_uint(const Field &f, u64 min, u64 max);
u32 as_u32(const Field &f, u32 min, u32 max);
s64 as_int(const Field &f);
bool as_bool(const Field &f);
u64 as_duration(const Field &f, u64 min_ns = 0);
u64 as_size(const Field &f, u64 min_bytes = 0);
// "4GB/s", "500MB/s", "25GB" (the "/s" may be left out): bytes per second.
u64 as_bytes_per_s(const Field &f);
u64 as_rate_gap(const Field &f);
u64 as_milli(const Field &f, u64 min, u64 max);

// Lists: a YAML sequence of at most max_items elements.
std::vector<Field> as_list(const Field &f, std::size_t max_items);
std::vector<std::string> as_string_list(const Field &f, std::size_t max_items,
					std::size_t max_bytes);

// Parses a whole document; YAML syntax errors, an empty document and more than one document
// are ScenarioErrors at the place yaml-cpp reports.
YAML::Node parse_document(std::string_view text, const std::string &file);
// Reads a file of at most limits::file_bytes_max bytes; errors name `field`.
std::string read_text_file(const std::string &path, const std::string &field);

} // namespace coconut::scenario::detail

#endif // COCONUT_SIM_SCENARIO_YAML_UTIL_H
