#include "junit.h"
#include "report.h"
#include "text_escape.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {

using coconut::metrics::all_passed;
using coconut::metrics::format_fixed;
using coconut::metrics::format_milli;
using coconut::metrics::format_milli_signed;
using coconut::metrics::format_ns;
using coconut::metrics::GateResult;
using coconut::metrics::GateRow;
using coconut::metrics::gates_to_json;
using coconut::metrics::print_gate_rows;
using coconut::metrics::print_gate_table;
using coconut::metrics::write_junit;
using coconut::metrics::xml_escape;

GateResult gate(const char *name, const char *kind, const char *measured, const char *bound,
		bool pass, const char *detail)
{
	GateResult g;
	g.name = name;
	g.kind = kind;
	g.measured = measured;
	g.bound = bound;
	g.pass = pass;
	g.detail = detail;
	return g;
}

std::vector<GateResult> sample_gates()
{
	return {
		gate("fairness.p99_over_p50.b", "fairness", "1.212", "<= 1.500", true, ""),
		gate("parity.lsm_vs_audit", "parity", "3 off", "== 0", false,
		     "denies 120 vs audit <deny> 117 & \"quoted\"\nsecond line"),
		gate("determinism", "determinism", "ok", "identical", true, "fingerprint ab12"),
	};
}

// An isolation gate with a passing row, a row over its bound and one with too few samples.
GateResult isolation_with_rows()
{
	GateResult g = gate("isolation", "isolation",
			    "too few samples (bob/cpu: 12 here, 60 "
			    "counterfactual; need 50)",
			    "<= 1.500", false, "");
	g.ref = "alone";
	GateRow ok;
	ok.tenant = "alice";
	ok.resource = "cpu";
	ok.samples = 100;
	ok.p50_milli = 1000;
	ok.p99_milli = 1200;
	ok.has_ref = true;
	ok.ref_samples = 110;
	ok.ref_p99_milli = 1100;
	ok.ratio_milli = 1090;
	ok.pass = true;
	GateRow over = ok;
	over.resource = "pcie";
	over.p99_milli = 9000;
	over.ratio_milli = 8181;
	over.pass = false;
	GateRow few = ok;
	few.tenant = "bob";
	few.samples = 12;
	few.ref_samples = 60;
	few.ratio_milli.reset();
	few.pass = false;
	few.note = "too few samples (12 here, 60 counterfactual; need 50)";
	g.rows = { ok, over, few };
	return g;
}

TEST(Format, Milli)
{
	EXPECT_EQ(format_milli(0), "0.000");
	EXPECT_EQ(format_milli(5), "0.005");
	EXPECT_EQ(format_milli(1234), "1.234");
	EXPECT_EQ(format_milli(1500), "1.500");
	EXPECT_EQ(format_milli(~0ull), "18446744073709551.615");
	EXPECT_EQ(format_milli_signed(-1500), "-1.500");
	EXPECT_EQ(format_milli_signed(INT64_MIN), "-9223372036854775.808");
}

TEST(Format, Fixed)
{
	EXPECT_EQ(format_fixed(1234567, 3), "1234.567");
	EXPECT_EQ(format_fixed(5, 9), "0.000000005");
	EXPECT_EQ(format_fixed(42, 0), "42");
	EXPECT_EQ(format_fixed(~0ull, 19), "1.8446744073709551615");
	EXPECT_EQ(format_fixed(7, 25), "0.0000000000000000007"); // decimals capped at 19
}

TEST(Format, Ns)
{
	EXPECT_EQ(format_ns(0), "0ns");
	EXPECT_EQ(format_ns(999), "999ns");
	EXPECT_EQ(format_ns(1000), "1us");
	EXPECT_EQ(format_ns(1500), "1.5us");
	EXPECT_EQ(format_ns(1500000), "1.5ms");
	EXPECT_EQ(format_ns(2250000), "2.25ms");
	EXPECT_EQ(format_ns(1234567), "1.235ms"); // rounded half up
	EXPECT_EQ(format_ns(999999500), "1s");	  // 999.9995 ms rounds into the next unit
	EXPECT_EQ(format_ns(3000000000ull), "3s");
	EXPECT_EQ(format_ns(3600000000000ull), "3600s");
	EXPECT_EQ(format_ns(~0ull), "18446744073.71s");
}

TEST(GateTable, AlignedWithFailures)
{
	std::ostringstream out;
	print_gate_table(out, sample_gates());
	const std::string text = out.str();
	std::istringstream lines(text);
	std::string header, rule, r1, r2, r3;
	std::getline(lines, header);
	std::getline(lines, rule);
	std::getline(lines, r1);
	std::getline(lines, r2);
	std::getline(lines, r3);
	// Every row has its separators at the same columns as the header.
	const auto bar = header.find(" | ");
	EXPECT_EQ(r1.find(" | "), bar);
	EXPECT_EQ(r2.find(" | "), bar);
	EXPECT_EQ(header.rfind(" | "), r3.rfind(" | "));
	EXPECT_EQ(header.substr(0, 4), "gate");
	EXPECT_NE(r1.find("PASS"), std::string::npos);
	EXPECT_NE(r2.find("FAIL"), std::string::npos);
	EXPECT_NE(text.find("failures:\n  parity.lsm_vs_audit: measured 3 off, bound == 0; denies"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("3 gates: 2 passed, 1 failed"), std::string::npos);
	EXPECT_EQ(text.find("determinism: measured"), std::string::npos); // passes: no detail
	EXPECT_FALSE(all_passed(sample_gates()));
	EXPECT_TRUE(all_passed({}));
}

TEST(GateTable, Json)
{
	auto gates = sample_gates();
	gates[2].detail = "bad \xff utf8";
	const auto j = gates_to_json(gates);
	ASSERT_EQ(j.size(), 3u);
	EXPECT_EQ(j[0]["name"], "fairness.p99_over_p50.b");
	EXPECT_EQ(j[1]["pass"], false);
	EXPECT_EQ(j[1]["bound"], "== 0");
	EXPECT_NO_THROW((void)j.dump()); // invalid UTF-8 was sanitized
}
// Rows: one table per gate that has them, every column where the header has it, the reason
// beside a FAIL that has no ratio; a cap keeps the failing rows.
TEST(GateRows, TableWithReference)
{
	std::vector<GateResult> gates = sample_gates();
	gates.push_back(isolation_with_rows());
	std::ostringstream out;
	print_gate_rows(out, gates, 0);
	const std::string text = out.str();
	EXPECT_EQ(text.find("parity"), std::string::npos) << text; // no rows, no table
	EXPECT_NE(text.find("isolation, per tenant and resource (alone: the same run without the "
			    "flooders):"),
		  std::string::npos)
		<< text;
	std::istringstream lines(text);
	std::string blank, title, header, rule, r1, r2, r3;
	std::getline(lines, blank);
	std::getline(lines, title);
	std::getline(lines, header);
	std::getline(lines, rule);
	std::getline(lines, r1);
	std::getline(lines, r2);
	std::getline(lines, r3);
	EXPECT_NE(header.find("p99 alone"), std::string::npos) << header;
	EXPECT_EQ(header.rfind(" | "), r1.rfind(" | ")) << text;
	EXPECT_EQ(header.rfind(" | "), r3.rfind(" | ")) << text;
	EXPECT_NE(r1.find("1.090"), std::string::npos) << r1;
	EXPECT_NE(r1.find("PASS"), std::string::npos) << r1;
	EXPECT_NE(r2.find("8.181"), std::string::npos) << r2;
	EXPECT_NE(r3.find("FAIL: too few samples (12 here, 60 counterfactual; need 50)"),
		  std::string::npos)
		<< r3;
	EXPECT_NE(r3.find(" - "), std::string::npos) << r3; // no ratio printed

	std::ostringstream capped;
	print_gate_rows(capped, gates, 2);
	EXPECT_EQ(capped.str().find("PASS"), std::string::npos) << capped.str(); // the passing row
	EXPECT_NE(capped.str().find("8.181"), std::string::npos) << capped.str();
	EXPECT_NE(capped.str().find("1 more rows"), std::string::npos) << capped.str();
}

TEST(GateRows, Json)
{
	const auto j = gates_to_json({ isolation_with_rows() });
	ASSERT_EQ(j[0]["rows"].size(), 3u);
	EXPECT_EQ(j[0]["ref"], "alone");
	EXPECT_EQ(j[0]["rows"][0]["ratio_milli"], 1090);
	EXPECT_EQ(j[0]["rows"][0]["ref_p99_milli"], 1100);
	EXPECT_TRUE(j[0]["rows"][2]["ratio_milli"].is_null());
	EXPECT_EQ(j[0]["rows"][2]["samples"], 12);
	EXPECT_EQ(j[0]["rows"][2]["pass"], false);
	EXPECT_TRUE(gates_to_json(sample_gates())[1]["rows"].empty());
}

TEST(Junit, XmlEscape)
{
	EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
	EXPECT_EQ(xml_escape("t\tn\n\x01"), "t&#9;n&#10;\xef\xbf\xbd");
}

// The XML parsed back by Python's xml.etree (what CI reporters effectively do).
TEST(Junit, ParsesWithPythonXmlEtree)
{
	auto gates = sample_gates();
	gates[0].name = "naughty ]]> \x02 \xc3\xa9 \xff";
	gates.push_back(isolation_with_rows());
	const std::string path =
		std::string(::testing::TempDir()) + "junit-" + std::to_string(getpid()) + ".xml";
	{
		std::ofstream out(path);
		write_junit(out, "scenarios/fair<4>.yaml", gates, 2500000000ull);
	}
	const std::string script = path + ".py";
	{
		std::ofstream py(script);
		py << "import sys, xml.etree.ElementTree as ET\n"
		      "root = ET.parse(sys.argv[1]).getroot()\n"
		      "assert root.tag == 'testsuites', root.tag\n"
		      "s = root.find('testsuite')\n"
		      "assert s.get('name') == 'scenarios/fair<4>.yaml', s.get('name')\n"
		      "assert s.get('tests') == '7' and s.get('failures') == '4', s.attrib\n"
		      "assert s.get('time') == '2.500000000', s.get('time')\n"
		      "cases = s.findall('testcase')\n"
		      "assert len(cases) == 7\n"
		      "names = [c.get('name') for c in cases[3:]]\n"
		      "assert names == ['isolation', 'isolation/alice/cpu', "
		      "'isolation/alice/pcie', "
		      "'isolation/bob/cpu'], names\n"
		      "assert cases[4].find('failure') is None\n"
		      "assert 'ratio 8.181' in cases[5].find('failure').get('message')\n"
		      "assert 'too few samples' in cases[6].find('failure').get('message')\n"
		      "assert cases[0].get('name') == 'naughty ]]> \\ufffd \\u00e9 \\ufffd', "
		      "repr(cases[0].get('name'))\n"
		      "assert cases[0].find('failure') is None\n"
		      "f = cases[1].find('failure')\n"
		      "assert f.get('message') == 'measured 3 off, bound == 0', f.get('message')\n"
		      "assert f.text == 'denies 120 vs audit <deny> 117 & \"quoted\"\\nsecond "
		      "line', "
		      "repr(f.text)\n"
		      "assert cases[1].get('classname') == 'scenarios/fair<4>.yaml.parity'\n"
		      "print('ok')\n";
	}
	const std::string cmd = std::string(COCONUT_PYTHON) + " " + script + " " + path;
	const int rc = std::system(cmd.c_str());
	EXPECT_EQ(rc, 0) << cmd;
	std::remove(path.c_str());
	std::remove(script.c_str());
}

} // namespace
