// The release gate's pieces without running a suite: the suite loader's errors, the comparison
// with a previous release, the views' determinism and content, and the signature.
#include "gate_format.h"
#include "gate_runner.h"
#include "gate_suite.h"
#include "report_render.h"
#include "report_sign.h"
#include "svg_plot.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace coconut::gate {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string temp_dir()
{
	const std::string d = fs::temp_directory_path() / ("gate_test." + std::to_string(getpid()));
	fs::create_directories(d + "/scenarios");
	return d;
}

std::string write_suite(const std::string &text)
{
	const std::string p = temp_dir() + "/scenarios/gates.yaml";
	std::ofstream(p) << text;
	return p;
}

std::string load_error(const std::string &text)
{
	try {
		(void)load_suite(write_suite(text), false);
	} catch (const SuiteError &e) {
		return e.what();
	}
	return "";
}

const char *kGood = R"(suite: s
gates:
  - id: iso
    title: t
    kind: policy_contrast
    scenario: scenarios/x.yaml
    gate: isolation
    pass_under: [fair]
    fail_under: [fifo]
    seeds: 1..12
    quick: { seeds: 1..2 }
  - id: b
    title: t
    kind: bench
    min_time_s: 0.5
    targets:
      - { program: p, pair: g/c, time_max: 1.5 }
)";

TEST(GateSuite, LoadsAndTakesQuickValuesUnderQuick)
{
	const std::string p = write_suite(kGood);
	const Suite full = load_suite(p, false), quick = load_suite(p, true);
	ASSERT_EQ(full.gates.size(), 2u);
	EXPECT_EQ(full.gates[0].seed_last, 12u);
	EXPECT_EQ(quick.gates[0].seed_last, 2u);
	EXPECT_EQ(full.gates[1].targets[0].time_max, 1.5);
	EXPECT_EQ(fs::path(full.root), fs::path(temp_dir()));
}

TEST(GateSuite, ErrorsNameFileLineAndField)
{
	std::string e = load_error("suite: s\ngates:\n  - id: a\n    title: t\n    kind: nope\n");
	EXPECT_NE(e.find("gates.yaml:5:"), std::string::npos) << e;
	EXPECT_NE(e.find("kind: 'nope' is not one of"), std::string::npos) << e;
	e = load_error(std::string(kGood) + "  - id: iso\n    title: t\n    kind: replay\n    "
					    "traces: [a]\n");
	EXPECT_NE(e.find("id: 'iso' is used twice"), std::string::npos) << e;
	e = load_error("suite: s\ngates:\n  - id: a\n    title: t\n    kind: replay\n    traces: "
		       "[a]\n    seeds: 1..2\n");
	EXPECT_NE(e.find("seeds: unknown field"), std::string::npos) << e;
	e = load_error("suite: s\ngates:\n  - id: a\n    title: t\n    kind: scenario\n    "
		       "scenario: x\n    seeds: 5..1\n");
	EXPECT_NE(e.find("seeds: '5..1': B must be at least A"), std::string::npos) << e;
	e = load_error("suite: s\ngates:\n  - id: a\n    title: t\n    kind: policy_contrast\n    "
		       "scenario: x\n    gate: g\n    seeds: 1..1\n    pass_under: [fast]\n");
	EXPECT_NE(e.find("'fast' is not a policy"), std::string::npos) << e;
	e = load_error("suite: s\ngates: [\n");
	EXPECT_NE(e.find("gates.yaml:"), std::string::npos) << e;
	e = load_error("suite: s\ngates:\n  - id: b\n    title: t\n    kind: bench\n    "
		       "min_time_s: 0.5\n    targets:\n      - { program: p, pair: g, time_max: 1, "
		       "throughput_min: 2 }\n");
	EXPECT_NE(e.find("exactly one of time_max, throughput_min"), std::string::npos) << e;
}

json gate(const std::string &id, const std::string &status, json value, const std::string &better)
{
	return { { "id", id },
		 { "title", "a gate" },
		 { "kind", "replay" },
		 { "status", status },
		 { "measured", "m" },
		 { "bound", "b" },
		 { "value_milli", value },
		 { "better", better },
		 { "detail", "" },
		 { "rows", json::array() },
		 { "runs", json::array() },
		 { "reproduce", json::array({ "coconut-sim replay t" }) },
		 { "plot", json::object() },
		 { "wall_ms", 1234 } };
}

json results_with(json gates)
{
	Suite s;
	s.name = "s";
	s.file = "/r/scenarios/gates.yaml";
	s.root = "/r";
	return results_document(s, "r1", gates, 5000, "2026-12-06T00:00:00Z", "abc");
}

TEST(GateReport, VerdictPassFailIncomplete)
{
	EXPECT_EQ(verdict_of(json::array({ gate("a", "pass", nullptr, "") })), "pass");
	EXPECT_EQ(verdict_of(json::array(
			  { gate("a", "pass", nullptr, ""), gate("b", "not-run", nullptr, "") })),
		  "incomplete");
	EXPECT_EQ(verdict_of(json::array(
			  { gate("a", "fail", nullptr, ""), gate("b", "not-run", nullptr, "") })),
		  "fail");
}

TEST(GateReport, ComparisonFlagsRegressions)
{
	const json before = results_with(json::array(
		{ gate("iso", "pass", 1200, "lower"), gate("cases", "pass", 2000000, "higher"),
		  gate("tr", "pass", nullptr, ""), gate("same", "pass", 1000, "lower") }));
	json now = results_with(json::array(
		{ gate("iso", "pass", 1400, "lower"), gate("cases", "pass", 2100000, "higher"),
		  gate("tr", "fail", nullptr, ""), gate("same", "pass", 1050, "lower"),
		  gate("new", "pass", nullptr, "") }));
	now["previous"] = previous_summary(before);
	const auto c = compare_with_previous(now);
	ASSERT_EQ(c.size(), 5u);
	EXPECT_TRUE(c[0].regression) << c[0].why; // 1.2 -> 1.4: 16.7 % worse
	EXPECT_EQ(c[0].why, "16.666 % worse");
	EXPECT_FALSE(c[1].regression) << c[1].why; // more cases: better
	EXPECT_TRUE(c[2].regression);
	EXPECT_EQ(c[2].why, "passed before, fails now");
	EXPECT_FALSE(c[3].regression) << c[3].why; // 5 %: within the 10 %
	EXPECT_EQ(c[4].why, "new gate");
	const std::string html = render_html(now);
	EXPECT_NE(html.find("<tr class=\"regression\"><td>iso</td>"), std::string::npos);
	EXPECT_NE(html.find("2 regressions"), std::string::npos);
	EXPECT_NE(render_markdown(now).find("**REGRESSION: passed before, fails now**"),
		  std::string::npos);
}

TEST(GateReport, ViewsAreAFunctionOfTheResults)
{
	json r = results_with(
		json::array({ gate("a", "pass", nullptr, ""), gate("b<&>", "fail", nullptr, ""),
			      gate("c", "not-run", nullptr, "") }));
	const json again = json::parse(canonical_text(r));
	EXPECT_EQ(render_html(r), render_html(again));
	EXPECT_EQ(render_markdown(r), render_markdown(again));
	EXPECT_EQ(render_junit(r), render_junit(again));
	const std::string html = render_html(r);
	EXPECT_NE(html.find("id=\"row-a\""), std::string::npos);
	EXPECT_NE(html.find("id=\"row-b&lt;&amp;&gt;\""), std::string::npos); // escaped
	EXPECT_EQ(html.find("<&>"), std::string::npos);
	EXPECT_NE(html.find("Release r1: FAIL"), std::string::npos);
	EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
	EXPECT_EQ(html.find("<script"), std::string::npos);
	const std::string junit = render_junit(r);
	EXPECT_NE(junit.find("tests=\"3\" failures=\"1\" skipped=\"1\""), std::string::npos);
	EXPECT_NE(junit.find("name=\"b&lt;&amp;&gt;\""), std::string::npos);
}

TEST(GateReport, CanonicalTextIsStable)
{
	const json r = results_with(json::array({ gate("a", "pass", 7, "lower") }));
	const std::string t = canonical_text(r);
	EXPECT_EQ(canonical_text(json::parse(t)), t);
	EXPECT_EQ(t.back(), '\n');
	EXPECT_LT(t.find("\"commit\""), t.find("\"gates\"")); // keys sorted
}

TEST(GateSvg, BarsAndLinesAreDeterministicAndEscaped)
{
	BarChart b;
	b.title = "ratios <x>";
	b.log_x = true;
	b.ref = 1.5;
	b.ref_label = "bound";
	b.bars = { { "bob cpu", 1.2, std::nullopt, true }, { "m & m", 4000, 2.0, false } };
	const std::string s = svg_bars(b);
	EXPECT_EQ(s, svg_bars(b));
	EXPECT_NE(s.find("ratios &lt;x&gt;"), std::string::npos);
	EXPECT_NE(s.find("m &amp; m"), std::string::npos);
	EXPECT_NE(s.find("#c0392b"), std::string::npos); // the failing bar and the bound
	LineChart l;
	l.title = "cdf";
	l.log_x = true;
	l.lines = { { "a", { { 1, 0.1 }, { 10, 1 } } }, { "b", { { 0, 0.5 }, { 100, 1 } } } };
	const std::string ls = svg_lines(l);
	EXPECT_EQ(ls, svg_lines(l));
	EXPECT_EQ(std::count(ls.begin(), ls.end(), '\n') > 5, true);
	EXPECT_NE(ls.find("<polyline"), std::string::npos);
}

TEST(GateSign, SignVerifyAndAFlippedByteFails)
{
	const std::string d = temp_dir();
	const std::string key = d + "/key";
	fs::remove(key);
	fs::remove(key + ".pub");
	const PublicKey pub = generate_key(key);
	EXPECT_EQ(pub.hex.size(), 64u);
	EXPECT_EQ(public_key_of_secret(key).hex, pub.hex);
	EXPECT_EQ(read_public_key(key + ".pub").hex, pub.hex);
	EXPECT_EQ(read_public_key(pub.hex).fingerprint, pub.fingerprint);
	EXPECT_THROW(generate_key(key), KeyError); // never overwrites a key
	fs::remove_all(d + "/new");
	EXPECT_EQ(generate_key(d + "/new/dir/key").hex.size(), 64u); // makes its folder
	const std::string text =
		canonical_text(results_with(json::array({ gate("a", "pass", 1, "lower") })));
	const std::string sig = sign_text(key, text);
	EXPECT_EQ(sig.size(), 128u);
	EXPECT_TRUE(verify_text(pub, text, sig));
	for (size_t at : { size_t(0), text.size() / 2, text.size() - 1 }) {
		std::string bad = text;
		bad[at] ^= 1;
		EXPECT_FALSE(verify_text(pub, bad, sig)) << at;
	}
	std::string bad_sig = sig;
	bad_sig[10] = bad_sig[10] == '0' ? '1' : '0';
	EXPECT_FALSE(verify_text(pub, text, bad_sig));
	const std::string other = d + "/other";
	fs::remove(other);
	fs::remove(other + ".pub");
	EXPECT_FALSE(verify_text(generate_key(other), text, sig));
	std::ofstream(d + "/bad") << "not hex\n";
	EXPECT_THROW(public_key_of_secret(d + "/bad"), KeyError);
	EXPECT_THROW(read_public_key(d + "/missing"), KeyError);
}

TEST(GateFormat, MilliText)
{
	EXPECT_EQ(milli_text(1295), "1.295");
	EXPECT_EQ(milli_text(5), "0.005");
	EXPECT_EQ(milli_text(-1500), "-1.500");
	EXPECT_EQ(to_milli(1.2955), 1296);
}

TEST(GateChildRun, ExitCodesSignalsAndTimeouts)
{
	const std::string d = temp_dir();
	std::vector<Command> c(4);
	c[0].argv = { "/bin/sh", "-c", "echo hi; exit 3" };
	c[1].argv = { "/bin/sh", "-c", "kill -9 $$" };
	c[2].argv = { "/bin/sh", "-c", "sleep 30" };
	c[2].timeout_s = 1;
	c[3].argv = { "/nonexistent/program" };
	for (size_t i = 0; i < c.size(); i++)
		c[i].log_path = d + "/log" + std::to_string(i);
	size_t ended = 0;
	const auto e = run_commands(c, 2, [&](size_t) { ended++; });
	EXPECT_EQ(ended, 4u);
	EXPECT_EQ(e[0].exit_code, 3);
	EXPECT_EQ(e[0].why(), "exit 3");
	std::ifstream f(d + "/log0");
	std::string line;
	std::getline(f, line);
	EXPECT_EQ(line, "hi");
	EXPECT_EQ(e[1].signal, 9);
	EXPECT_TRUE(e[2].timed_out);
	EXPECT_EQ(e[2].why(), "timed out");
	EXPECT_TRUE(e[3].not_started || e[3].exit_code == 127) << e[3].why();
	EXPECT_EQ(shell_line({ "a", "b c", "it's" }), "a 'b c' 'it'\\''s'");
}

} // namespace
} // namespace coconut::gate
