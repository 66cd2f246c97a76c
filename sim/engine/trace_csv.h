// The public Azure LLM inference traces (Splitwise, ISCA'24; traces/azure/README.md):
// CSV with a header TIMESTAMP,ContextTokens,GeneratedTokens and one request per line, the
// timestamp as "YYYY-MM-DD HH:MM:SS.fffffff". Read into integer rows: arrival in ns after the
// first row, prompt and generated token counts. Used by `trace` workloads and by
// `coconut-sim import azure-llm`.
#ifndef COCONUT_SIM_ENGINE_TRACE_CSV_H
#define COCONUT_SIM_ENGINE_TRACE_CSV_H

#include <cstdint>
#include <string>
#include <vector>

namespace coconut::engine {

struct TraceRow {
	std::uint64_t t_ns; // after the first row's timestamp
	std::uint32_t prompt_tokens;
	std::uint32_t gen_tokens;
};

// Throws scenario::ScenarioError naming the file, line and column on any malformed line
// (wrong column count, a bad timestamp, a non-integer or out-of-range count, timestamps going
// backwards). max_rows 0 = all.
std::vector<TraceRow> load_azure_csv(const std::string &path, std::uint64_t max_rows = 0);

// The same from text already in memory (`name` stands for the file in messages).
std::vector<TraceRow> parse_azure_csv(const std::string &text, const std::string &name,
				      std::uint64_t max_rows = 0);

} // namespace coconut::engine

#endif
