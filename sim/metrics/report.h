// Gate verdicts for people (an aligned table) and machines (JSON), and the integer number
// formatting every report uses (no floating point: identical text on every machine).
#ifndef COCONUT_SIM_METRICS_REPORT_H
#define COCONUT_SIM_METRICS_REPORT_H

#include <nlohmann/json.hpp>

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "gate_result.h"
#include "types.h"

namespace coconut::metrics {

// A table "gate | measured | bound | verdict" (verdict PASS or FAIL), columns padded to their
// widest cell, then a "failures:" list with each failed gate's detail; finally one line
// "N gates: P passed, F failed".
void print_gate_table(std::ostream &out, const std::vector<GateResult> &gates);

// For each gate with rows (fairness, isolation), a heading and a table "tenant | resource |
// n | p50 | p99 | [n alone | p99 alone |] ratio | verdict" (isolation gates name their
// reference: alone or baseline). rows_max > 0 keeps that many rows per gate, failing rows
// first, and says how many were left out; 0 prints them all.
void print_gate_rows(std::ostream &out, const std::vector<GateResult> &gates, size_t rows_max);

// [{"name","kind","measured","bound","pass","detail","ref","rows"}, ...] in the given order;
// rows: [{"tenant","resource","samples","p50_milli","p99_milli","ref_samples",
// "ref_p99_milli","ratio_milli","pass","note"}, ...], absent numbers as null.
nlohmann::json gates_to_json(const std::vector<GateResult> &gates);

// True when every gate passed (an empty list passes).
bool all_passed(const std::vector<GateResult> &gates);

// v / 10^decimals with exactly that many decimals, from integers: format_fixed(1234567, 3)
// -> "1234.567", format_fixed(5, 9) -> "0.000000005"; no point when decimals is 0;
// decimals above 19 read as 19.
std::string format_fixed(u64 v, unsigned decimals);

// A value in thousandths with three decimals: 1234 -> "1.234", 5 -> "0.005".
std::string format_milli(u64 milli);
std::string format_milli_signed(s64 milli); // -1500 -> "-1.500"

// A duration in the largest unit (ns, us, ms, s) in which it is at least 1, with up to three
// decimals, rounded half up, trailing zeros dropped: 999 -> "999ns", 1500 -> "1.5us",
// 2250000 -> "2.25ms", 3000000000 -> "3s", 1234567 -> "1.235ms".
std::string format_ns(u64 ns);

} // namespace coconut::metrics

#endif
