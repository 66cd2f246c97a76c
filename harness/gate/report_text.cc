// See report_render.h: the comparison with the previous release, report.md, junit.xml and the
// canonical text of results.json.
#include "gate_format.h"
#include "report_render.h"
#include "svg_plot.h"

#include <cassert>
#include <sstream>

namespace coconut::gate {

using json = nlohmann::json;

namespace {

std::string upper(std::string s)
{
	for (char &c : s)
		c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	return s;
}

std::string md_cell(const std::string &s)
{
	std::string o;
	for (char c : s)
		o += c == '|'	 ? std::string("\\|")
		     : c == '\n' ? std::string(" ")
				 : std::string(1, c);
	return o;
}

std::string xml_escape(const std::string &s)
{
	std::string o;
	for (unsigned char c : s) {
		if (c < 0x20 && c != '\n' && c != '\t')
			continue; // not allowed in XML 1.0
		o += c == '&'	? "&amp;"
		     : c == '<' ? "&lt;"
		     : c == '>' ? "&gt;"
		     : c == '"' ? "&quot;"
				: std::string(1, c);
	}
	return o;
}

bool is_status(const json &v)
{
	return v.is_string() && (v == "pass" || v == "fail" || v == "not-run");
}

} // namespace

std::string results_shape_error(const json &r)
{
	if (!r.is_object())
		return "the results must be a JSON object";
	for (const char *k :
	     { "release", "suite_file", "mode", "verdict", "started_utc", "commit", "schema" })
		if (!r.contains(k) || !r[k].is_string())
			return std::string(k) + ": must be a string";
	if (!r.contains("wall_ms") || !r["wall_ms"].is_number_integer())
		return "wall_ms: must be a whole number";
	if (!r.contains("host") || !r["host"].is_object() || !r["host"].contains("cpus") ||
	    !r["host"]["cpus"].is_number_unsigned())
		return "host.cpus: must be a whole number";
	if (r["verdict"] != "pass" && r["verdict"] != "fail" && r["verdict"] != "incomplete")
		return "verdict: must be pass, fail or incomplete";
	if (!r.contains("gates") || !r["gates"].is_array())
		return "gates: must be a list";
	for (size_t i = 0; i < r["gates"].size(); i++) {
		const json &g = r["gates"][i];
		const std::string at = "gates[" + std::to_string(i) + "]";
		if (!g.is_object())
			return at + ": must be an object";
		for (const char *k :
		     { "id", "title", "kind", "measured", "bound", "detail", "better" })
			if (!g.contains(k) || !g[k].is_string())
				return at + "." + k + ": must be a string";
		if (!g.contains("status") || !is_status(g["status"]))
			return at + ".status: must be pass, fail or not-run";
		if (!g.contains("wall_ms") || !g["wall_ms"].is_number_integer())
			return at + ".wall_ms: must be a whole number";
		if (!g.contains("value_milli") ||
		    !(g["value_milli"].is_null() || g["value_milli"].is_number_integer()))
			return at + ".value_milli: must be a whole number or null";
		if (!g.contains("plot") || !g["plot"].is_object())
			return at + ".plot: must be an object";
		if (!g.contains("reproduce") || !g["reproduce"].is_array())
			return at + ".reproduce: must be a list";
		for (const json &c : g["reproduce"])
			if (!c.is_string())
				return at + ".reproduce: must hold strings";
		if (!g.contains("rows") || !g["rows"].is_array())
			return at + ".rows: must be a list";
		for (size_t k = 0; k < g["rows"].size(); k++) {
			const json &row = g["rows"][k];
			const std::string rat = at + ".rows[" + std::to_string(k) + "]";
			if (!row.is_object())
				return rat + ": must be an object";
			for (const char *f : { "label", "measured", "bound" })
				if (!row.contains(f) || !row[f].is_string())
					return rat + "." + f + ": must be a string";
			if (!row.contains("status") || !is_status(row["status"]))
				return rat + ".status: must be pass, fail or not-run";
		}
		if (!g.contains("runs") || !g["runs"].is_array())
			return at + ".runs: must be a list";
		for (size_t k = 0; k < g["runs"].size(); k++) {
			const json &run = g["runs"][k];
			const std::string rat = at + ".runs[" + std::to_string(k) + "]";
			if (!run.is_object())
				return rat + ": must be an object";
			for (const char *f : { "label", "status", "command", "fingerprint",
					       "audit_head", "determinism" })
				if (!run.contains(f) || !run[f].is_string())
					return rat + "." + f + ": must be a string";
			if (!run.contains("audit_events") ||
			    !run["audit_events"].is_number_unsigned())
				return rat + ".audit_events: must be a whole number";
		}
	}
	// Both present (null when none), as the schema says: the views read them unguarded.
	if (!r.contains("signer"))
		return "signer: missing (null when not signed)";
	if (!r.contains("previous"))
		return "previous: missing (null when none)";
	if (r.contains("only") && !r["only"].is_string())
		return "only: must be a string";
	if (!r["signer"].is_null()) {
		const json &s = r["signer"];
		if (!s.is_object() || !s.contains("public_key") || !s["public_key"].is_string() ||
		    !s.contains("fingerprint") || !s["fingerprint"].is_string())
			return "signer: must be null or {algorithm, public_key, fingerprint}";
	}
	if (!r["previous"].is_null()) {
		const json &p = r["previous"];
		if (!p.is_object())
			return "previous: must be null or an object";
		for (const char *k : { "release", "started_utc", "mode", "verdict" })
			if (!p.contains(k) || !p[k].is_string())
				return std::string("previous.") + k + ": must be a string";
		if (!p.contains("gates") || !p["gates"].is_object())
			return "previous.gates: must be an object";
		for (auto it = p["gates"].begin(); it != p["gates"].end(); ++it) {
			const json &g = it.value();
			const std::string at = "previous.gates." + it.key();
			if (!g.is_object())
				return at + ": must be an object";
			for (const char *k : { "status", "measured", "better" })
				if (!g.contains(k) || !g[k].is_string())
					return at + "." + k + ": must be a string";
			if (!g.contains("value_milli") ||
			    !(g["value_milli"].is_null() || g["value_milli"].is_number_integer()))
				return at + ".value_milli: must be a whole number or null";
		}
	}
	return "";
}

std::string canonical_text(const json &results)
{
	return results.dump(1, ' ', false, json::error_handler_t::strict) + "\n";
}

json previous_summary(const json &prev)
{
	json gates = json::object();
	for (const json &g : prev.value("gates", json::array()))
		gates[g.value("id", "")] = { { "status", g.value("status", "") },
					     { "measured", g.value("measured", "") },
					     { "value_milli",
					       g.value("value_milli", json(nullptr)) },
					     { "better", g.value("better", "") } };
	return { { "release", prev.value("release", "") },
		 { "started_utc", prev.value("started_utc", "") },
		 { "mode", prev.value("mode", "") },
		 { "verdict", prev.value("verdict", "") },
		 { "gates", gates } };
}

std::vector<Comparison> compare_with_previous(const json &r)
{
	std::vector<Comparison> out;
	if (!r.contains("previous") || !r["previous"].is_object())
		return out;
	const json &pg = r["previous"]["gates"];
	for (const json &g : r["gates"]) {
		Comparison c;
		c.id = g["id"];
		c.now_status = g["status"];
		c.now_measured = g["measured"];
		if (!pg.contains(c.id)) {
			c.why = "new gate";
			out.push_back(c);
			continue;
		}
		const json &p = pg[c.id];
		c.before_status = p.value("status", "");
		c.before_measured = p.value("measured", "");
		if (c.before_status == "pass" && c.now_status != "pass") {
			c.regression = true;
			c.why = "passed before, " +
				(c.now_status == "fail" ? std::string("fails now") : "not run now");
		} else if (p["value_milli"].is_number_integer() &&
			   g["value_milli"].is_number_integer() &&
			   !g["better"].get<std::string>().empty()) {
			const std::int64_t a = p["value_milli"], b = g["value_milli"];
			const bool lower = g["better"] == "lower";
			const std::int64_t worse = lower ? b - a : a - b;
			if (a != 0) {
				const std::int64_t pct_milli = worse * 100000 / (a < 0 ? -a : a);
				if (pct_milli > kRegressionPct * 1000) {
					c.regression = true;
					c.why = milli_text(pct_milli) + " % worse";
				} else if (worse < 0) {
					c.why = milli_text(-pct_milli) + " % better";
				} else {
					c.why = worse == 0
							? "same"
							: "within " +
								  std::to_string(kRegressionPct) +
								  " %";
				}
			}
		} else if (c.before_status != "pass" && c.now_status == "pass") {
			c.why = "fixed";
		}
		if (c.why.empty() && c.before_status == c.now_status)
			c.why = "same verdict";
		out.push_back(c);
	}
	return out;
}

std::string render_markdown(const json &r)
{
	std::ostringstream o;
	const std::string verdict = r["verdict"];
	o << "# Release gate: " << r["release"].get<std::string>() << " — " << upper(verdict)
	  << "\n\n";
	o << "`coconut-sim gate` " << r["mode"].get<std::string>() << " run of "
	  << r["suite_file"].get<std::string>() << ", started "
	  << r["started_utc"].get<std::string>() << ", "
	  << milli_text(r["wall_ms"].get<std::int64_t>()) << " s, commit `"
	  << r["commit"].get<std::string>() << "`.";
	if (r["signer"].is_object())
		o << " Signed (Ed25519), key `" << r["signer"]["public_key"].get<std::string>()
		  << "`.";
	else
		o << " Not signed.";
	if (r.contains("only") && r["only"].is_string())
		o << " A cut-down run (not a release's report): only " << md_cell(r["only"]) << ".";
	o << "\n\n| gate | verdict | measured | bound |\n| --- | --- | --- | --- |\n";
	for (const json &g : r["gates"])
		o << "| " << md_cell(g["id"]) << " | " << upper(g["status"]) << " | "
		  << md_cell(g["measured"]) << " | " << md_cell(g["bound"]) << " |\n";
	const auto cmp = compare_with_previous(r);
	if (!cmp.empty()) {
		o << "\n## Against " << r["previous"]["release"].get<std::string>() << "\n\n"
		  << "| gate | before | now | change |\n| --- | --- | --- | --- |\n";
		for (const Comparison &c : cmp)
			o << "| " << md_cell(c.id) << " | " << md_cell(c.before_measured) << " | "
			  << md_cell(c.now_measured) << " | "
			  << (c.regression ? "**REGRESSION: " + md_cell(c.why) + "**"
					   : md_cell(c.why))
			  << " |\n";
	}
	for (const json &g : r["gates"]) {
		o << "\n## " << g["id"].get<std::string>() << ": " << upper(g["status"]) << "\n\n"
		  << g["title"].get<std::string>() << ".\n\n";
		if (!g["detail"].get<std::string>().empty())
			o << "> " << md_cell(g["detail"]) << "\n\n";
		if (!g["rows"].empty()) {
			o << "| | measured | bound | verdict |\n| --- | --- | --- | --- |\n";
			for (const json &row : g["rows"])
				o << "| " << md_cell(row["label"]) << " | "
				  << md_cell(row["measured"]) << " | " << md_cell(row["bound"])
				  << " | " << upper(row["status"]) << " |\n";
			o << "\n";
		}
		o << "Reproduce:\n\n```sh\n";
		for (const json &c : g["reproduce"])
			o << c.get<std::string>() << "\n";
		o << "```\n";
	}
	return o.str();
}

std::string render_junit(const json &r)
{
	std::uint64_t failures = 0, skipped = 0;
	for (const json &g : r["gates"]) {
		failures += g["status"] == "fail";
		skipped += g["status"] == "not-run";
	}
	std::ostringstream o;
	o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite "
	     "name=\"release-gate."
	  << xml_escape(r["release"]) << "\" tests=\"" << r["gates"].size() << "\" failures=\""
	  << failures << "\" skipped=\"" << skipped << "\" time=\""
	  << milli_text(r["wall_ms"].get<std::int64_t>()) << "\">\n";
	for (const json &g : r["gates"]) {
		o << "  <testcase classname=\"release-gate\" name=\"" << xml_escape(g["id"])
		  << "\" time=\"" << milli_text(g["wall_ms"].get<std::int64_t>()) << "\">\n";
		const std::string msg = g["measured"].get<std::string>() + " (" +
					g["bound"].get<std::string>() + ")";
		if (g["status"] == "fail")
			o << "    <failure message=\"" << xml_escape(msg) << "\">"
			  << xml_escape(g["detail"]) << "</failure>\n";
		else if (g["status"] == "not-run")
			o << "    <skipped message=\"" << xml_escape(g["detail"]) << "\"/>\n";
		o << "    <system-out>" << xml_escape(msg);
		for (const json &c : g["reproduce"])
			o << "\n" << xml_escape(c);
		o << "</system-out>\n  </testcase>\n";
	}
	o << "</testsuite>\n</testsuites>\n";
	return o.str();
}

} // namespace coconut::gate
