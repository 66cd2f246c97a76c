#include "junit.h"

#include "text_escape.h"

namespace coconut::metrics {

namespace {

// ns as seconds with nine decimals: 1500000 -> "0.001500000".
std::string seconds_text(u64 ns)
{
	std::string frac = std::to_string(ns % 1000000000);
	return std::to_string(ns / 1000000000) + "." + std::string(9 - frac.size(), '0') + frac;
}

} // namespace

void write_junit(std::ostream &out, const std::string &suite, const std::vector<GateResult> &gates,
		 u64 sim_time_ns)
{
	size_t failures = 0;
	for (const GateResult &g : gates)
		failures += !g.pass;
	const std::string s = xml_escape(suite);
	const std::string time = seconds_text(sim_time_ns);
	out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	out << "<testsuites name=\"" << s << "\" tests=\"" << gates.size() << "\" failures=\""
	    << failures << "\" errors=\"0\" time=\"" << time << "\">\n";
	out << "  <testsuite name=\"" << s << "\" tests=\"" << gates.size() << "\" failures=\""
	    << failures << "\" errors=\"0\" skipped=\"0\" time=\"" << time << "\">\n";
	for (const GateResult &g : gates) {
		out << "    <testcase name=\"" << xml_escape(g.name) << "\" classname=\"" << s << '.'
		    << xml_escape(g.kind) << "\" time=\"0\">\n";
		if (!g.pass)
			out << "      <failure message=\""
			    << xml_escape("measured " + g.measured + ", bound " + g.bound)
			    << "\" type=\"" << xml_escape(g.kind) << "\">" << xml_escape(g.detail)
			    << "</failure>\n";
		out << "      <system-out>measured " << xml_escape(g.measured) << ", bound "
		    << xml_escape(g.bound) << (g.detail.empty() ? "" : "; ")
		    << xml_escape(g.detail) << "</system-out>\n";
		out << "    </testcase>\n";
	}
	out << "  </testsuite>\n</testsuites>\n";
}

} // namespace coconut::metrics
