// The Azure trace reader: the shipped files parse; every malformed line is an error naming
// the file, the line and the column.
#include "scenario.h"
#include "trace_csv.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using coconut::engine::parse_azure_csv;
using coconut::scenario::ScenarioError;

const char *kHeader = "TIMESTAMP,ContextTokens,GeneratedTokens\n";

TEST(TraceCsv, ShippedTracesParse)
{
	const auto code = coconut::engine::load_azure_csv(
		std::string(COCONUT_SOURCE_DIR) +
		"/traces/azure/azure2023_AzureLLMInferenceTrace_code.csv");
	EXPECT_EQ(code.size(), 8819u);
	const auto conv = coconut::engine::load_azure_csv(
		std::string(COCONUT_SOURCE_DIR) +
		"/traces/azure/azure2023_AzureLLMInferenceTrace_conv.csv");
	EXPECT_EQ(conv.size(), 19366u);
	EXPECT_EQ(conv.front().t_ns, 0u);
	EXPECT_EQ(conv.front().prompt_tokens, 374u);
	EXPECT_EQ(conv.front().gen_tokens, 44u);
	// 18:15:50.9951690 - 18:15:46.6805900 = 4.314579 s
	EXPECT_EQ(conv[1].t_ns, 4314579000u);
	for (size_t i = 1; i < conv.size(); i++)
		ASSERT_GE(conv[i].t_ns, conv[i - 1].t_ns);
}

TEST(TraceCsv, MaxRowsStopsEarly)
{
	const std::string t =
		std::string(kHeader) + "2023-11-16 18:15:46.68,1,2\n2023-11-16 18:15:47,3,4\n";
	EXPECT_EQ(parse_azure_csv(t, "t.csv", 1).size(), 1u);
	EXPECT_EQ(parse_azure_csv(t, "t.csv").size(), 2u);
}

struct Bad {
	const char *text;
	const char *expect; // in the message
};

TEST(TraceCsv, MalformedInputNamesLineAndField)
{
	const Bad cases[] = {
		{ "", "t.csv:1:1: header" },
		{ "TIMESTAMP,Context\n", "t.csv:1:1: header" },
		{ "+2023-11-16 18:15,1,2\n", "t.csv:2:1: TIMESTAMP" },
		{ "+2023-11-16 18:15:46,1\n", "t.csv:2:1: row" },
		{ "+2023-11-16 18:15:46,1,2,3\n", "t.csv:2:1: row" },
		{ "+2023-13-16 18:15:46,1,2\n", "TIMESTAMP" },
		{ "+2023-11-16 25:15:46,1,2\n", "TIMESTAMP" },
		{ "+2023-11-16 18:15:46.1234567890,1,2\n", "TIMESTAMP" },
		{ "+2023-11-16 18:15:46,-1,2\n", "t.csv:2:21: ContextTokens" },
		{ "+2023-11-16 18:15:46,1,x\n", "GeneratedTokens" },
		{ "+2023-11-16 18:15:46,1,99999999999\n", "GeneratedTokens" },
		// Past a scenario's token limit (1,048,576): a request no range could hold.
		{ "+2023-11-16 18:15:46,999999999,2\n",
		  "t.csv:2:21: ContextTokens: expected an integer 0..1048576" },
		{ "+2023-11-16 18:15:46,1,1048577\n", "GeneratedTokens" },
		// Only the header (a trailing empty line too): nothing to replay.
		{ "+", "t.csv:1:1: header: no requests" },
		{ "+\n\n", "t.csv:1:1: header: no requests" },
		{ "+2023-11-16 18:15:46,1,2\n2023-11-16 18:15:45,1,2\n",
		  "t.csv:3:1: TIMESTAMP: timestamps go backwards" },
	};
	for (const Bad &b : cases) {
		std::string text = b.text;
		if (!text.empty() && text[0] == '+')
			text = kHeader + text.substr(1);
		try {
			parse_azure_csv(text, "t.csv");
			ADD_FAILURE() << "accepted: " << b.text;
		} catch (const ScenarioError &e) {
			EXPECT_NE(std::string(e.what()).find(b.expect), std::string::npos)
				<< e.what() << " lacks " << b.expect;
		}
	}
}

} // namespace
