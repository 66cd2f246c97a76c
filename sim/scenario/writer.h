// A Scenario back to YAML: a scenario is a value, whether it was loaded from a file, built in
// C++ or generated, and it can be written out to be read again (docs/scenarios.md, "Scenarios
// as values").
#ifndef COCONUT_SIM_SCENARIO_WRITER_H
#define COCONUT_SIM_SCENARIO_WRITER_H

#include "scenario.h"

#include <string>

namespace coconut::scenario {

// YAML that load_scenario_string loads into a Scenario equal to `sc` (operator==: every field
// but `file` and the Origins), for every `sc` the loader could have produced, whatever the
// name and base_dir given to it (trace paths are written as stored, so relative ones, from a
// relative file name, need base_dir ""). Every value is written, defaults included, except
// where writing a default would change what the loader checks (a default broker, an absent
// workload, GPU indices on a machine without GPUs). Integers come back exactly (a rate as a
// count per unit that parses to its gap, else "1/<gap>"); text is double-quoted, bytes kept.
// The output depends on the value only: writing what it loads to gives the same text.
std::string write_scenario_yaml(const Scenario &sc);

} // namespace coconut::scenario

#endif // COCONUT_SIM_SCENARIO_WRITER_H
