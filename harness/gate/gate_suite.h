// The release-gate suite (scenarios/gates.yaml, docs/gates.md): which gates a release must pass
// and with what inputs. Loaded and checked whole before anything runs, so a typo fails in a
// second with FILE:LINE:COL: field: what is wrong, not after an hour of simulation.
#ifndef COCONUT_HARNESS_GATE_GATE_SUITE_H
#define COCONUT_HARNESS_GATE_GATE_SUITE_H

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace coconut::gate {

class SuiteError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct VectorSuite {
	std::string name;
	std::string program; // relative to the build folder
	std::string filter;  // --gtest_filter
};

struct BenchTarget {
	std::string program; // relative to the build folder
	std::string pair;    // "group" or "group/case": the benchmarks <group>/{ours,ref}/<case>
	double time_max = 0; // ours/ref time must be <= this (0: not this kind)
	double throughput_min = 0; // ref/ours time must be >= this (0: not this kind)
};

// One gate. Which fields mean something depends on kind (gates.yaml says, docs/gates.md too).
struct GateSpec {
	std::string id;
	std::string title;
	std::string kind; // policy_contrast scenario properties replay cosim vectors bench
	std::string scenario;
	std::string gate; // policy_contrast: the scenario gates' name prefix
	std::vector<std::string> pass_under, fail_under;
	std::uint64_t seed_first = 1, seed_last = 1;
	std::vector<std::string> properties;
	std::uint64_t cases = 0;
	std::vector<std::string> traces;
	std::string guest;
	std::vector<std::string> inputs;
	std::vector<VectorSuite> suites;
	double min_time_s = 0;
	std::vector<BenchTarget> targets;
};

struct Suite {
	std::string file; // as given
	std::string root; // the repository root: the suite file's folder's parent
	std::string name;
	bool quick = false;
	std::vector<GateSpec> gates;
};

// Throws SuiteError naming the file, line, column and field.
Suite load_suite(const std::string &path, bool quick);
// The same from text (path names it in errors and gives the root).
Suite load_suite_text(const std::string &yaml_text, const std::string &path, bool quick);

// The seed range's text as the CLI takes it: "1..12".
std::string seeds_text(const GateSpec &g);

} // namespace coconut::gate

#endif
