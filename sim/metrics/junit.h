// Gate results as JUnit XML for CI pages (Jenkins, GitLab and GitHub reporters read it): one
// <testsuite> named after the scenario, one <testcase> per gate (classname = suite.kind), a
// <failure> with message "measured M, bound B" and the detail as text for each failed gate.
// A fairness or isolation gate's rows follow it as testcases "GATE/TENANT/RESOURCE" (same
// classname), failing on their own with what they measured (junit.cc says why not properties).
// time attributes are simulated seconds (the suite's is the simulated duration; testcases
// say 0), printed from integer ns. Every string is XML-escaped (xml_escape in text_escape.h).
#ifndef COCONUT_SIM_METRICS_JUNIT_H
#define COCONUT_SIM_METRICS_JUNIT_H

#include <ostream>
#include <string>
#include <vector>

#include "gate_result.h"
#include "types.h"

namespace coconut::metrics {

void write_junit(std::ostream &out, const std::string &suite, const std::vector<GateResult> &gates,
		 u64 sim_time_ns);

} // namespace coconut::metrics

#endif
