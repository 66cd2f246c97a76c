#include "junit.h"

#include "report.h"
#include "text_escape.h"

namespace coconut::metrics {

void write_junit(std::ostream &out, const std::string &suite, const std::vector<GateResult> &gates,
		 u64 sim_time_ns)
{
	size_t failures = 0;
	for (const GateResult &g : gates)
		failures += !g.pass;
	const std::string s = xml_escape(suite);
	const std::string time_s = format_fixed(sim_time_ns, 9);
	out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	out << "<testsuites name=\"" << s << "\" tests=\"" << gates.size() << "\" failures=\""
	    << failures << "\" errors=\"0\" time=\"" << time_s << "\">\n";
	out << "  <testsuite name=\"" << s << "\" tests=\"" << gates.size() << "\" failures=\""
	    << failures << "\" errors=\"0\" skipped=\"0\" time=\"" << time_s << "\">\n";
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
