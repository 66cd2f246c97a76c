// Field-by-field YAML reading with located errors (see yaml_util.h).
#include "yaml_util.h"

#include "scenario_limits.h"
#include "units_detail.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

namespace coconut::scenario::detail {

SourceLoc loc_of(const YAML::Node &node, const std::string &file, SourceLoc fallback)
{
	const YAML::Mark m = node.Mark();
	if (m.is_null() || m.line < 0)
		return fallback;
	return SourceLoc{ file, m.line + 1, m.column + 1 };
}

Field::Field(YAML::Node node, std::string path, const std::string &file, SourceLoc fallback)
	: node_(std::move(node)), path_(std::move(path)), file_(&file),
	  loc_(loc_of(node_, file, std::move(fallback)))
{
}

Field Field::root(const YAML::Node &node, const std::string &file)
{
	return Field(node, "", file, SourceLoc{ file, 1, 1 });
}

void Field::fail(const std::string &message) const
{
	throw ScenarioError(loc_, field_name(), message);
}

Field Field::member(const std::string &key, const YAML::Node &value, SourceLoc at) const
{
	return Field(value, path_.empty() ? key : path_ + "." + key, *file_, std::move(at));
}

Field Field::element(std::size_t index, const YAML::Node &value) const
{
	return Field(value, path_ + "[" + std::to_string(index) + "]", *file_, loc_);
}

namespace {

const char *type_name(const YAML::Node &n)
{
	switch (n.Type()) {
	case YAML::NodeType::Map:
		return "a map";
	case YAML::NodeType::Sequence:
		return "a list";
	case YAML::NodeType::Scalar:
		return "a scalar";
	case YAML::NodeType::Null:
	case YAML::NodeType::Undefined:
		break;
	}
	return "nothing";
}

std::string join(std::initializer_list<std::string_view> names)
{
	std::string out;
	for (std::string_view n : names) {
		if (!out.empty())
			out += ", ";
		out += n;
	}
	return out;
}

} // namespace

MapReader::MapReader(const Field &map, std::initializer_list<std::string_view> known) : self_(map)
{
	if (!map.node().IsMap())
		map.fail(std::string("expected a map with keys ") + join(known) + ", got " +
			 type_name(map.node()));
	for (auto it = map.node().begin(); it != map.node().end(); ++it) {
		const YAML::Node key = it->first;
		const SourceLoc key_loc = loc_of(key, map.file(), map.loc());
		if (!key.IsScalar())
			throw ScenarioError(key_loc, map.field_name(),
					    std::string("a key must be text, got ") +
						    type_name(key));
		const std::string &name = key.Scalar();
		const Field value = map.member(name, it->second, key_loc);
		bool is_known = false;
		for (std::string_view k : known)
			is_known = is_known || k == name;
		if (!is_known)
			throw ScenarioError(key_loc, value.field_name(),
					    "unknown key " + quote(name) +
						    " (expected one of: " + join(known) + ")");
		if (find(name) != nullptr)
			throw ScenarioError(key_loc, value.field_name(), "duplicate key");
		members_.emplace_back(name, value);
	}
}

const Field *MapReader::find(std::string_view key) const
{
	for (const auto &[name, field] : members_)
		if (name == key)
			return &field;
	return nullptr;
}

std::optional<Field> MapReader::get(std::string_view key) const
{
	const Field *f = find(key);
	if (f == nullptr)
		return std::nullopt;
	return *f;
}

Field MapReader::need(std::string_view key) const
{
	const Field *f = find(key);
	if (f == nullptr) {
		const std::string path = self_.path().empty()
						 ? std::string(key)
						 : self_.path() + "." + std::string(key);
		throw ScenarioError(self_.loc(), path, "missing (required)");
	}
	return *f;
}

void MapReader::refuse(std::string_view key, const std::string &why) const
{
	if (const Field *f = find(key))
		f->fail(why);
}

std::string quote(std::string_view text)
{
	constexpr std::size_t shown_max = 48;
	std::string out = "'";
	for (std::size_t i = 0; i < text.size() && i < shown_max; ++i) {
		const unsigned char c = static_cast<unsigned char>(text[i]);
		out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
	}
	if (text.size() > shown_max)
		out += "...' (" + std::to_string(text.size()) + " bytes)";
	else
		out += "'";
	return out;
}

std::string scalar_text(const Field &f, std::string_view expected)
{
	if (!f.node().IsScalar())
		f.fail("expected " + std::string(expected) + ", got " + type_name(f.node()));
	return f.node().Scalar();
}

std::string as_string(const Field &f, std::size_t max_bytes)
{
	std::string s = scalar_text(f, "text");
	if (s.empty())
		f.fail("must not be empty");
	if (s.size() > max_bytes)
		f.fail("too long: " + std::to_string(s.size()) + " bytes, at most " +
		       std::to_string(max_bytes));
	return s;
}

std::string as_name(const Field &f)
{
	std::string s = as_string(f, limits::name_bytes_max);
	bool ok = (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9');
	for (char c : s)
		ok = ok &&
		     ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
	if (!ok)
		f.fail(quote(s) + " is not a name: use lower-case letters, digits, '_' and '-', "
				  "starting with a letter or digit");
	return s;
}

namespace {

[[noreturn]] void fail_number(const Field &f, const std::string &text, const std::string &what,
			      const std::string &expected = "")
{
	if (!text.empty() && text[0] == '-')
		f.fail(quote(text) + ": must not be negative");
	f.fail(quote(text) + " is not " + what + " or is out of range" +
	       (expected.empty() ? "" : "; expected " + expected));
}

} // namespace

u64 as_uint(const Field &f, u64 min, u64 max)
{
	const std::string text = scalar_text(f, "an integer");
	const auto v = parse_uint(text);
	if (!v)
		fail_number(f, text, "an integer");
	if (*v < min || *v > max)
		f.fail(text + " is out of range [" + std::to_string(min) + ", " +
		       std::to_string(max) + "]");
	return *v;
}

u32 as_u32(const Field &f, u32 min, u32 max)
{
	return static_cast<u32>(as_uint(f, min, max));
}

s64 as_int(const Field &f)
{
	const std::string text = scalar_text(f, "an integer");
	const auto v = parse_int(text);
	if (!v)
		f.fail(quote(text) + " is not an integer (or is out of range)");
	return *v;
}

bool as_bool(const Field &f)
{
	const std::string text = scalar_text(f, "true or false");
	if (text == "true")
		return true;
	if (text == "false")
		return false;
	f.fail(quote(text) + " is not true or false");
}

u64 as_duration(const Field &f, u64 min_ns)
{
	const std::string text = scalar_text(f, "a duration");
	const auto v = parse_duration_ns(text);
	if (!v)
		fail_number(f, text, "a duration",
			    "a number and one of ns, us, ms, s, min, h, e.g. 250ns, 1.5ms (a whole "
			    "number of ns)");
	if (*v < min_ns)
		f.fail(text + " is too short: at least " + std::to_string(min_ns) + " ns");
	return *v;
}

u64 as_bytes_per_s(const Field &f)
{
	const std::string text = scalar_text(f, "a rate");
	const auto v = parse_bytes_per_s(text);
	if (!v)
		fail_number(f, text, "a rate",
			    "bytes per second, e.g. 4GB/s or 500MB/s (a whole number of bytes)");
	return *v;
}

u64 as_size(const Field &f, u64 min_bytes)
{
	const std::string text = scalar_text(f, "a size");
	const auto v = parse_size_bytes(text);
	if (!v)
		fail_number(f, text, "a size",
			    "bytes, or a number and one of B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, "
			    "e.g. 4KiB, 1.5GB (a whole number of bytes)");
	if (*v < min_bytes)
		f.fail(text + " is too small: at least " + std::to_string(min_bytes) + " bytes");
	return *v;
}

u64 as_rate_gap(const Field &f)
{
	const std::string text = scalar_text(f, "a rate");
	const auto v = parse_rate_gap_ns(text);
	if (!v)
		fail_number(f, text, "a rate",
			    "a positive number per us, ms, s, min or h, e.g. 5/s, 0.5/s, 300/min, "
			    "or per a duration, e.g. 1/250us (at most 1 per ns)");
	return *v;
}

u64 as_milli(const Field &f, u64 min, u64 max)
{
	const std::string text = scalar_text(f, "a number");
	const auto v = parse_milli(text);
	if (!v)
		fail_number(f, text, "a number", "at most 3 decimals, e.g. 1.5");
	if (*v < min || *v > max)
		f.fail(text + " is out of range [" + std::to_string(min / 1000) + "." +
		       std::to_string(1000 + min % 1000).substr(1) + ", " +
		       std::to_string(max / 1000) + "." +
		       std::to_string(1000 + max % 1000).substr(1) + "]");
	return *v;
}

std::vector<Field> as_list(const Field &f, std::size_t max_items)
{
	if (!f.node().IsSequence())
		f.fail(std::string("expected a list, got ") + type_name(f.node()));
	if (f.node().size() > max_items)
		f.fail("too many entries: " + std::to_string(f.node().size()) + ", at most " +
		       std::to_string(max_items));
	std::vector<Field> out;
	out.reserve(f.node().size());
	std::size_t i = 0;
	for (auto it = f.node().begin(); it != f.node().end(); ++it, ++i)
		out.push_back(f.element(i, *it));
	return out;
}

std::vector<std::string> as_string_list(const Field &f, std::size_t max_items,
					std::size_t max_bytes)
{
	std::vector<std::string> out;
	for (const Field &e : as_list(f, max_items))
		out.push_back(as_string(e, max_bytes));
	return out;
}

namespace {

// Thrown by NodeCounter at the first node past the limit: parsing stops there.
struct TooManyNodes {
	YAML::Mark mark;
};

// Counts documents and nodes without building them, before YAML::Load builds the tree: yaml-cpp
// keeps ~450 bytes per node, so a 16 MiB file of one-character list items took 3.9 GB and 23 s
// before the loader could say anything (issue 16 item 3). YAML::LoadAll() is not used: on some
// malformed input (found by scenario_load_fuzz) yaml-cpp 0.7 yields empty documents forever.
class NodeCounter : public YAML::EventHandler {
public:
	explicit NodeCounter(std::size_t max_nodes) : max_nodes_(max_nodes) {}

	void OnDocumentStart(const YAML::Mark &mark) override
	{
		if (documents_++ == 1)
			second_ = mark;
	}
	void OnDocumentEnd() override {}
	void OnNull(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
	void OnAlias(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
	void OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
		      const std::string &) override
	{
		node(mark);
	}
	void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
			     YAML::EmitterStyle::value) override
	{
		node(mark);
	}
	void OnSequenceEnd() override {}
	void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
			YAML::EmitterStyle::value) override
	{
		node(mark);
	}
	void OnMapEnd() override {}

	int documents() const { return documents_; }
	const YAML::Mark &second() const { return second_; }

private:
	void node(const YAML::Mark &mark)
	{
		if (++nodes_ > max_nodes_)
			throw TooManyNodes{ mark };
	}

	const std::size_t max_nodes_;
	std::size_t nodes_ = 0;
	int documents_ = 0;
	YAML::Mark second_;
};

SourceLoc loc_of(const std::string &file, const YAML::Mark &m)
{
	return SourceLoc{ file, m.line >= 0 ? m.line + 1 : 1, m.column >= 0 ? m.column + 1 : 1 };
}

// How deeply text nests, roughly as YAML does: block levels by indentation (and each "- "
// that opens a sequence entry inline) plus flow brackets outside quotes and comments. Used
// only to explain a file yaml-cpp refused, never to refuse one.
std::size_t nesting_depth(std::string_view text)
{
	std::size_t deepest = 0, flow = 0;
	std::vector<std::size_t> indents;
	std::size_t pos = 0;
	while (pos < text.size()) {
		const std::size_t end = std::min(text.find('\n', pos), text.size());
		const std::string_view line = text.substr(pos, end - pos);
		pos = end + 1;
		std::size_t i = 0;
		while (i < line.size() && line[i] == ' ')
			i++;
		if (i == line.size() || line[i] == '#')
			continue;
		if (flow == 0) {
			while (!indents.empty() && indents.back() >= i)
				indents.pop_back();
			indents.push_back(i);
			for (std::size_t j = i;
			     j + 1 < line.size() && line[j] == '-' && line[j + 1] == ' '; j += 2) {
				while (j + 2 < line.size() && line[j + 2] == ' ')
					j++;
				indents.push_back(j + 2);
			}
		}
		char quote = 0;
		for (std::size_t j = i; j < line.size(); j++) {
			const char c = line[j];
			if (quote) {
				quote = c == quote ? 0 : quote;
			} else if (c == '"' || c == '\'') {
				quote = c;
			} else if (c == '#' && (j == 0 || line[j - 1] == ' ')) {
				break;
			} else if (c == '[' || c == '{') {
				flow++;
			} else if ((c == ']' || c == '}') && flow > 0) {
				flow--;
			}
			deepest = std::max(deepest, indents.size() + flow);
		}
		deepest = std::max(deepest, indents.size() + flow);
	}
	return deepest;
}

[[noreturn]] void fail_yaml(const YAML::Exception &e, const std::string &file,
			    std::string_view text)
{
	// yaml-cpp's marks are 0-based; a mark it could not set reads -1.
	const int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
	const int column = e.mark.column >= 0 ? e.mark.column + 1 : 1;
	const std::size_t depth = nesting_depth(text);
	if (depth > limits::yaml_nesting_max)
		throw ScenarioError(SourceLoc{ file, line, column }, "(yaml syntax)",
				    "nesting too deep: " + std::to_string(depth) +
					    " levels, at most " +
					    std::to_string(limits::yaml_nesting_max));
	throw ScenarioError(SourceLoc{ file, line, column }, "(yaml syntax)", e.msg);
}

} // namespace

YAML::Node parse_document(std::string_view text, const std::string &file)
{
	if (text.size() > limits::file_bytes_max)
		throw ScenarioError(SourceLoc{ file, 1, 1 }, "(top level)",
				    "the file is " + std::to_string(text.size()) +
					    " bytes, at most " +
					    std::to_string(limits::file_bytes_max));
	const std::string copy(text);
	YAML::Node doc;
	try {
		// Counted first, without a tree; two documents at most: is there a second?
		std::istringstream in(copy);
		YAML::Parser parser(in);
		NodeCounter counter(limits::yaml_nodes_max);
		if (parser.HandleNextDocument(counter) && parser.HandleNextDocument(counter) &&
		    counter.documents() > 1)
			throw ScenarioError(
				loc_of(file, counter.second()), "(top level)",
				"more than one YAML document ('---'); put one per file");
		doc = YAML::Load(copy);
	} catch (const TooManyNodes &t) {
		throw ScenarioError(
			loc_of(file, t.mark), "(top level)",
			"more than " + std::to_string(limits::yaml_nodes_max) +
				" YAML nodes (values, lists and maps; the largest shipped "
				"scenario has a few thousand)");
	} catch (const YAML::Exception &e) {
		fail_yaml(e, file, copy);
	}
	if (!doc || doc.IsNull())
		throw ScenarioError(SourceLoc{ file, 1, 1 }, "(top level)",
				    "the document is empty");
	return doc;
}

std::string read_text_file(const std::string &path, const std::string &field)
{
	const SourceLoc at{ path, 0, 0 };
	std::error_code ec;
	const auto status = std::filesystem::status(path, ec);
	if (ec || !std::filesystem::exists(status))
		throw ScenarioError(at, field, "no such file");
	if (!std::filesystem::is_regular_file(status))
		throw ScenarioError(at, field, "not a regular file");
	const auto size = std::filesystem::file_size(path, ec);
	if (ec)
		throw ScenarioError(at, field, "cannot read the file: " + ec.message());
	if (size > limits::file_bytes_max)
		throw ScenarioError(at, field,
				    "the file is " + std::to_string(size) + " bytes, at most " +
					    std::to_string(limits::file_bytes_max));
	std::ifstream in(path, std::ios::binary);
	if (!in)
		throw ScenarioError(at, field, "cannot open the file");
	std::ostringstream text;
	if (size > 0)
		text << in.rdbuf();
	if (in.bad())
		throw ScenarioError(at, field, "cannot read the file");
	return text.str();
}

} // namespace coconut::scenario::detail
