// libFuzzer target for what the release gate reads (fuzz preset only): the first byte picks
// the input. 0: a gate suite (scenarios/gates.yaml's format): it loads or throws SuiteError,
// nothing else. Else: a results.json: it parses or not; when results_shape_error accepts it,
// every view renders without throwing, and the canonical text parses back to the same value.
#include "gate_suite.h"
#include "report_render.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	if (size == 0)
		return 0;
	const std::string text(reinterpret_cast<const char *>(data) + 1, size - 1);
	if (data[0] == 0) {
		try {
			(void)coconut::gate::load_suite_text(text, "/fuzz/scenarios/gates.yaml",
							     false);
			(void)coconut::gate::load_suite_text(text, "/fuzz/scenarios/gates.yaml",
							     true);
		} catch (const coconut::gate::SuiteError &) {
		}
		return 0;
	}
	const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
	if (j.is_discarded() || !coconut::gate::results_shape_error(j).empty())
		return 0;
	(void)coconut::gate::render_html(j);
	(void)coconut::gate::render_markdown(j);
	(void)coconut::gate::render_junit(j);
	(void)coconut::gate::compare_with_previous(j);
	const std::string canon = coconut::gate::canonical_text(j);
	if (nlohmann::json::parse(canon) != j)
		std::abort();
	return 0;
}
