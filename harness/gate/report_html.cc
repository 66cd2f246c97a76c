// See report_render.h: the page. One self-contained file: inline CSS and SVG, a Content
// Security Policy that forbids every fetch (a stray URL shows as a console error in the page
// test), no script. Phones get the same page: wide tables scroll inside their box, hex wraps.
#include "gate_format.h"
#include "report_render.h"
#include "svg_plot.h"

#include <cassert>
#include <set>
#include <sstream>

namespace coconut::gate {

using json = nlohmann::json;

namespace {

const char *kStyle = R"(
:root{color-scheme:light}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1080px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.4em 0 .4em}h3{font-size:1.05em;margin:1em 0 .3em}
.banner{border-radius:8px;padding:14px 18px;color:#fff}
.banner.pass{background:#1e7d32}.banner.fail{background:#b3261e}.banner.incomplete{background:#8a5a00}
.banner p{margin:.3em 0}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.93em}
th,td{border:1px solid #ddd;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
.badge{display:inline-block;border-radius:4px;padding:1px 7px;font-weight:bold;font-size:.85em;color:#fff;white-space:nowrap}
.badge.pass{background:#1e7d32}.badge.fail{background:#b3261e}.badge.not-run{background:#8a5a00}
tr.regression td{background:#fde7e5}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.88em}
pre{background:#f2f2f2;padding:8px;border-radius:6px;white-space:pre-wrap;word-break:break-all}
.hex{word-break:break-all}
section.gate{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:4px 16px 12px;margin:18px 0}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,480px),1fr));gap:14px}
figure{margin:0;overflow-x:auto}figure svg{width:100%;min-width:520px;height:auto;display:block}
figcaption{font-size:.85em;color:#555}
figure.wide{grid-column:1/-1}
.detail{color:#b3261e}
@media (max-width:600px){main{padding:8px}th,td{padding:4px 5px}}
)";

std::string esc(const std::string &s)
{
	return html_escape(s);
}
std::string esc(const json &j)
{
	return html_escape(j.get<std::string>());
}

std::string badge(const std::string &st)
{
	const std::string text = st == "pass" ? "PASS" : st == "fail" ? "FAIL" : "NOT RUN";
	return "<span class=\"badge " + esc(st) + "\">" + text + "</span>";
}

std::string figure(const std::string &id, const std::string &svg, const std::string &caption,
		   bool wide = false)
{
	return std::string("<figure class=\"plot") + (wide ? " wide" : "") + "\" data-plot=\"" +
	       esc(id) + "\">" + svg + "<figcaption>" + esc(caption) + "</figcaption></figure>\n";
}

double milli(const json &v)
{
	return v.is_number() ? v.get<double>() / 1000.0 : 0.0;
}

// The number after "<= " in a bound text ("<= 1.500 under fair..." -> 1.5); none otherwise.
std::optional<double> bound_number(const std::string &b)
{
	const auto p = b.find("<= ");
	if (p == std::string::npos)
		return std::nullopt;
	try {
		return std::stod(b.substr(p + 3));
	} catch (const std::exception &) {
		return std::nullopt;
	}
}

std::string contrast_plots(const json &g, bool full)
{
	const json &p = g.at("plot");
	std::string s = "<div class=\"plots\">\n";
	const std::string seed = std::to_string(p.value("seed", 0));
	// Isolation ratios per victim and resource, every policy, against the bound.
	BarChart bc;
	bc.title = "Victims' " + p.value("gate", std::string()) + " ratio, seed " + seed;
	bc.unit = "x";
	bc.log_x = true;
	bc.ref = bound_number(g.at("bound"));
	bc.ref_label = bc.ref ? "bound " + milli_text(to_milli(*bc.ref)) : "";
	for (auto it = p.at("ratios").begin(); it != p.at("ratios").end(); ++it)
		for (const json &row : it.value())
			if (row.at("value_milli").is_number())
				bc.bars.push_back(
					{ it.key() + ": " + row.at("label").get<std::string>(),
					  milli(row.at("value_milli")), std::nullopt,
					  row.value("pass", false) });
	s += figure(g.at("id").get<std::string>() + "-ratios", svg_bars(bc),
		    "Each row is one victim on one resource (log scale); the dashed line is the "
		    "bound. The fair policy must stay left of it, the others must cross it.",
		    true);
	if (!full)
		return s + "</div>\n";
	for (auto it = p.at("cdf").begin(); it != p.at("cdf").end(); ++it) {
		LineChart lc;
		lc.title = "Slowdown CDF per tenant under " + it.key() + ", seed " + seed;
		lc.x_label = "slowdown (latency / service time alone, log)";
		lc.y_label = "fraction of requests";
		lc.log_x = true;
		lc.x_ref = bound_number(g.at("bound"));
		for (auto t = it.value().begin(); t != it.value().end(); ++t) {
			Line l{ t.key(), {} };
			for (const json &pt : t.value())
				l.points.push_back({ pt.at(0).get<double>() / 1000.0,
						     pt.at(1).get<double>() / 1e6 });
			lc.lines.push_back(l);
		}
		s += figure("cdf-" + it.key(), svg_lines(lc),
			    "Every request's slowdown under " + it.key() +
				    ": a victim's curve far right of 1 is a victim hurt.");
	}
	for (auto it = p.at("cpu_share").begin(); it != p.at("cpu_share").end(); ++it) {
		LineChart lc;
		lc.title = "CPU service share over time under " + it.key();
		lc.x_label = "simulated time (ms)";
		lc.y_label = "share of CPU served";
		const json &ts = it.value().at("t_ms");
		for (auto t = it.value().at("tenants").begin(); t != it.value().at("tenants").end();
		     ++t) {
			Line l{ t.key(), {} };
			for (size_t i = 0; i < ts.size() && i < t.value().size(); i++)
				l.points.push_back({ ts.at(i).get<double>(),
						     t.value().at(i).get<double>() / 1e6 });
			lc.lines.push_back(l);
		}
		s += figure("share-" + it.key(), svg_lines(lc),
			    "Throughput over time: each tenant's share of the CPU's service per "
			    "sampling interval under " +
				    it.key() + ".");
	}
	BarChart pc;
	pc.title = "Audit / LSM parity counts, seed " + seed;
	pc.log_x = true;
	for (auto it = p.at("parity").begin(); it != p.at("parity").end(); ++it)
		for (auto m = it.value().begin(); m != it.value().end(); ++m)
			if (m.value().is_number() && m.value().get<double>() > 0)
				pc.bars.push_back({ it.key() + ": " + m.key(),
						    m.value().get<double>(), std::nullopt, true });
	s += figure("parity", svg_bars(pc),
		    "The chain's allow and deny events against the LSM's decisions (equal when "
		    "parity holds), anchors, and what was left unsealed.");
	return s + "</div>\n";
}

std::string properties_plots(const json &g)
{
	const json &p = g.at("plot");
	std::string s = "<div class=\"plots\">\n";
	BarChart cc;
	cc.title = "Cases each property held on";
	for (const json &row : g.at("rows")) {
		const std::string m = row.at("measured");
		double n = 0;
		try {
			n = std::stod(m);
		} catch (const std::exception &) {
		}
		cc.bars.push_back({ row.at("label"), n, std::nullopt, row.at("status") == "pass" });
	}
	s += figure("property-cases", svg_bars(cc),
		    std::to_string(p.value("cases", 0ull)) + " generated cases, " +
			    std::to_string(p.value("fresh_process_cases", 0ull)) +
			    " of them also run in a fresh process (determinism).");
	BarChart pb;
	pb.title = "Coverage probes: hits over all cases";
	pb.log_x = true;
	pb.unit = "";
	for (const json &pr : p.value("probes", json::array()))
		pb.bars.push_back(
			{ pr.at("name").get<std::string>() + (pr.at("required") ? " *" : ""),
			  pr.at("hits").get<double>(), std::nullopt,
			  pr.at("hits").get<std::uint64_t>() > 0 || !pr.at("required") });
	s += figure(
		"probes", svg_bars(pb),
		"Rare kernel paths the cases took (log; * required, red when never hit; a bar at "
		"1 may be 0: hover for the count).");
	return s + "</div>\n";
}

std::string outcome_plots(const json &g)
{
	BarChart b;
	b.title = "Revocation outcomes, first seed";
	b.log_x = true;
	for (auto it = g.at("plot").at("outcomes").begin(); it != g.at("plot").at("outcomes").end();
	     ++it)
		if (it.value().is_number())
			b.bars.push_back({ it.key(), it.value().get<double>(), std::nullopt,
					   it.key().find("use_after") == std::string::npos ||
						   it.value().get<double>() == 0 });
	if (b.bars.empty())
		return "";
	return "<div class=\"plots\">\n" +
	       figure("revocation-outcomes", svg_bars(b),
		      "Revokes, operations failed or cancelled in flight, refused calls "
		      "(log scale). Use after revoke must be 0.") +
	       "</div>\n";
}

std::string bench_plots(const json &g)
{
	BarChart b;
	b.title = "Benchmark ratios against their targets";
	b.unit = "x";
	for (const json &bar : g.at("plot").value("bars", json::array()))
		b.bars.push_back({ bar.at("label").get<std::string>() + " (" +
					   bar.at("kind").get<std::string>() + ")",
				   milli(bar.at("value_milli")), milli(bar.at("target_milli")),
				   bar.at("pass").get<bool>() });
	return "<div class=\"plots\">\n" +
	       figure("bench-ratios", svg_bars(b),
		      "time: ours/ref (lower is better, target is a maximum); throughput: ref/ours "
		      "time (higher is better, target is a minimum). The black mark is the "
		      "target.") +
	       "</div>\n";
}

std::string gate_section(const json &g, bool first_contrast)
{
	std::ostringstream o;
	const std::string id = g["id"];
	o << "<section class=\"gate\" id=\"gate-" << esc(id) << "\">\n<h2>" << esc(id) << " "
	  << badge(g["status"]) << "</h2>\n<p>" << esc(g["title"]) << ".</p>\n";
	o << "<p><b>Measured:</b> " << esc(g["measured"]) << ". <b>Bound:</b> " << esc(g["bound"])
	  << ". <b>Took</b> " << milli_text(g["wall_ms"].get<std::int64_t>()) << " s.</p>\n";
	if (!g["detail"].get<std::string>().empty())
		o << "<p class=\"detail\">" << esc(g["detail"]) << "</p>\n";
	if (!g["rows"].empty()) {
		o << "<div class=\"scroll\"><table><tr><th></th><th>measured</th><th>bound</th>"
		     "<th>verdict</th></tr>\n";
		for (const json &r : g["rows"])
			o << "<tr><td>" << esc(r["label"]) << "</td><td>" << esc(r["measured"])
			  << "</td><td>" << esc(r["bound"]) << "</td><td>" << badge(r["status"])
			  << "</td></tr>\n";
		o << "</table></div>\n";
	}
	const std::string kind = g["kind"];
	// The plots read the gate's `plot` data as the runner wrote it; results edited by hand may
	// not hold that shape, and then the page says so instead of failing as a whole.
	try {
		if (kind == "policy_contrast" && g["plot"].contains("ratios"))
			o << contrast_plots(g, first_contrast);
		else if (kind == "properties" && g["plot"].contains("probes"))
			o << properties_plots(g);
		else if (kind == "scenario" && g["plot"].contains("outcomes"))
			o << outcome_plots(g);
		else if (kind == "bench" && g["plot"].contains("bars"))
			o << bench_plots(g);
	} catch (const json::exception &) {
		o << "<p class=\"detail\">The plot data of this gate is malformed.</p>\n";
	}
	o << "<h3>Reproduce</h3>\n<pre><code>";
	for (const json &c : g["reproduce"])
		o << esc(c) << "\n";
	o << "</code></pre>\n</section>\n";
	return o.str();
}

} // namespace

std::string render_html(const json &r)
{
	std::ostringstream o;
	const std::string verdict = r["verdict"];
	const std::string vtext = verdict == "pass"   ? "PASS"
				  : verdict == "fail" ? "FAIL"
						      : "INCOMPLETE";
	std::uint64_t n_pass = 0, n_fail = 0, n_not = 0;
	for (const json &g : r["gates"]) {
		n_pass += g["status"] == "pass";
		n_fail += g["status"] == "fail";
		n_not += g["status"] == "not-run";
	}
	o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	     "style-src 'unsafe-inline'; img-src data:\">\n"
	  << "<title>coconut-sim release gate " << esc(r["release"]) << ": " << vtext
	  << "</title>\n"
	  << "<style>" << kStyle << "</style></head>\n<body><main>\n";
	o << "<header class=\"banner " << esc(verdict) << "\" id=\"verdict\"><h1>Release "
	  << esc(r["release"]) << ": " << vtext << "</h1>\n<p>" << n_pass << " of "
	  << r["gates"].size() << " gates pass";
	if (n_fail)
		o << ", " << n_fail << " fail";
	if (n_not)
		o << ", " << n_not << " not run (never counted as passed)";
	o << ". " << esc(r["mode"]) << " run of <code>" << esc(r["suite_file"])
	  << "</code>, started " << esc(r["started_utc"]) << ", "
	  << milli_text(r["wall_ms"].get<std::int64_t>()) << " s on " << r["host"].value("cpus", 0)
	  << " CPUs, commit <code class=\"hex\">" << esc(r["commit"]) << "</code>.</p>\n<p>";
	if (r["signer"].is_object())
		o << "Signed with Ed25519 key <code class=\"hex\">"
		  << esc(r["signer"]["public_key"]) << "</code> (fingerprint <code>"
		  << esc(r["signer"]["fingerprint"])
		  << "</code>): <code>coconut-sim report verify results.json --key KEY.pub</code>.";
	else
		o << "Not signed (<code>coconut-sim gate --sign KEY</code> signs).";
	o << "</p>";
	if (r.contains("only") && r["only"].is_string())
		o << "<p><b>A cut-down run</b> (not a release's report): only " << esc(r["only"])
		  << ".</p>";
	o << "</header>\n";

	o << "<section id=\"summary\"><h2>Gates</h2><div class=\"scroll\"><table class=\"gates\">\n"
	     "<tr><th>gate</th><th>verdict</th><th>measured</th><th>bound</th><th>reproduce</th></"
	     "tr>\n";
	for (const json &g : r["gates"]) {
		const std::string id = g["id"];
		o << "<tr class=\"gate-row\" id=\"row-" << esc(id) << "\"><td><a href=\"#gate-"
		  << esc(id) << "\">" << esc(id) << "</a></td><td>" << badge(g["status"])
		  << "</td><td>" << esc(g["measured"]) << "</td><td>" << esc(g["bound"])
		  << "</td><td><code>" << (g["reproduce"].empty() ? "" : esc(g["reproduce"][0]))
		  << (g["reproduce"].size() > 1
			      ? " (and " + std::to_string(g["reproduce"].size() - 1) +
					" more below)"
			      : "")
		  << "</code></td></tr>\n";
	}
	o << "</table></div></section>\n";

	o << "<section id=\"comparison\"><h2>Against the previous release</h2>\n";
	const auto cmp = compare_with_previous(r);
	if (cmp.empty()) {
		o << "<p>No previous release's results were given (<code>--previous "
		     "reports/OLD/results.json</code>).</p>\n";
	} else {
		std::uint64_t regressions = 0;
		for (const auto &c : cmp)
			regressions += c.regression;
		o << "<p>Against <b>" << esc(r["previous"]["release"]) << "</b> ("
		  << esc(r["previous"]["started_utc"]) << ", " << esc(r["previous"]["mode"])
		  << "): " << regressions << " regression" << (regressions == 1 ? "" : "s")
		  << " (a gate that passed and does not, or a value more than " << kRegressionPct
		  << " % worse).</p>\n<div class=\"scroll\"><table><tr><th>gate</th><th>before</th>"
		     "<th>now</th><th>change</th></tr>\n";
		for (const auto &c : cmp)
			o << "<tr" << (c.regression ? " class=\"regression\"" : "") << "><td>"
			  << esc(c.id) << "</td><td>"
			  << (c.before_status.empty() ? "" : badge(c.before_status) + " ")
			  << esc(c.before_measured) << "</td><td>" << badge(c.now_status) << " "
			  << esc(c.now_measured) << "</td><td>"
			  << (c.regression ? "<b>REGRESSION</b>: " : "") << esc(c.why)
			  << "</td></tr>\n";
		o << "</table></div>\n";
	}
	o << "</section>\n";

	bool first_contrast = true;
	for (const json &g : r["gates"]) {
		const bool fc = g["kind"] == "policy_contrast" && first_contrast;
		o << gate_section(g, fc);
		if (fc)
			first_contrast = false;
	}

	o << "<section id=\"runs\"><h2>Every run: fingerprints and audit-chain heads</h2>\n"
	     "<p>What the kernel recorded in each scenario run a gate judged: the audit chain's "
	     "head and length, the run's fingerprint (equal fingerprints, equal runs) and whether "
	     "a second run gave the same. The signature covers these.</p>\n"
	     "<div class=\"scroll\"><table><tr><th>gate</th><th>run</th><th>determinism</th>"
	     "<th>fingerprint</th><th>audit head (events)</th></tr>\n";
	std::set<std::string> seen;
	for (const json &g : r["gates"])
		for (const json &run : g["runs"]) {
			if (!seen.insert(run["command"].get<std::string>()).second)
				continue;
			o << "<tr><td>" << esc(g["id"]) << "</td><td>" << esc(run["label"])
			  << "</td><td>" << esc(run["determinism"])
			  << "</td><td class=\"hex\"><code>" << esc(run["fingerprint"])
			  << "</code></td><td class=\"hex\"><code>" << esc(run["audit_head"])
			  << "</code> (" << run["audit_events"].get<std::uint64_t>()
			  << ")</td></tr>\n";
		}
	o << "</table></div></section>\n";
	o << "<footer><p>Written by <code>coconut-sim gate</code>; <code>coconut-sim report "
	     "results.json</code> writes this page again from results.json, byte for byte "
	     "(schema "
	  << esc(r["schema"]) << ").</p></footer>\n</main></body></html>\n";
	return o.str();
}

} // namespace coconut::gate
