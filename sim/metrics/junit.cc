#include "junit.h"

#include "report.h"
#include "text_escape.h"

namespace coconut::metrics {

namespace {

// The testcase name of a gate's row: "isolation/alice/pcie".
std::string row_name(const GateResult &g, const GateRow &r)
{
	return g.name + "/" + r.tenant + "/" + r.resource;
}

// What a row measured, in words, for its failure message and its output.
std::string row_text(const GateResult &g, const GateRow &r)
{
	std::string t = "n " + std::to_string(r.samples) + ", p50 " + format_milli(r.p50_milli) +
			", p99 " + format_milli(r.p99_milli);
	if (r.has_ref)
		t += ", p99 " + g.ref + " " + format_milli(r.ref_p99_milli) + " (n " +
		     std::to_string(r.ref_samples) + ")";
	if (r.ratio_milli)
		t += ", ratio " + format_milli(*r.ratio_milli);
	return t + "; bound " + g.bound + (r.note.empty() ? "" : "; " + r.note);
}

void write_case(std::ostream &out, const std::string &name, const std::string &classname,
		const std::string &kind, bool pass, const std::string &message,
		const std::string &text)
{
	out << "    <testcase name=\"" << xml_escape(name) << "\" classname=\"" << classname
	    << "\" time=\"0\">\n";
	if (!pass)
		out << "      <failure message=\"" << xml_escape(message) << "\" type=\""
		    << xml_escape(kind) << "\">" << xml_escape(text) << "</failure>\n";
	out << "      <system-out>" << xml_escape(message) << (text.empty() ? "" : "; ")
	    << xml_escape(text) << "</system-out>\n";
	out << "    </testcase>\n";
}

} // namespace

// A fairness or isolation gate's rows are testcases of their own, after the gate's: CI pages
// (Jenkins, GitLab, GitHub test reporters) list testcases with their verdict and failure text,
// so the failing tenant and resource is visible at a glance; <properties> would be read by
// few of them (GitLab shows none) and could not carry a verdict each.
void write_junit(std::ostream &out, const std::string &suite, const std::vector<GateResult> &gates,
		 u64 sim_time_ns)
{
	size_t tests = 0, failures = 0;
	for (const GateResult &g : gates) {
		tests += 1 + g.rows.size();
		failures += !g.pass;
		for (const GateRow &r : g.rows)
			failures += !r.pass;
	}
	const std::string s = xml_escape(suite);
	const std::string time_s = format_fixed(sim_time_ns, 9);
	out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	out << "<testsuites name=\"" << s << "\" tests=\"" << tests << "\" failures=\"" << failures
	    << "\" errors=\"0\" time=\"" << time_s << "\">\n";
	out << "  <testsuite name=\"" << s << "\" tests=\"" << tests << "\" failures=\"" << failures
	    << "\" errors=\"0\" skipped=\"0\" time=\"" << time_s << "\">\n";
	for (const GateResult &g : gates) {
		const std::string classname = s + '.' + xml_escape(g.kind);
		write_case(out, g.name, classname, g.kind, g.pass,
			   "measured " + g.measured + ", bound " + g.bound, g.detail);
		for (const GateRow &r : g.rows)
			write_case(out, row_name(g, r), classname, g.kind, r.pass, row_text(g, r),
				   "");
	}
	out << "  </testsuite>\n</testsuites>\n";
}

} // namespace coconut::metrics
