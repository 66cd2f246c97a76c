// See svg_plot.h.
#include "svg_plot.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace coconut::gate {

namespace {

constexpr double kWidth = 640; // the viewBox; the page scales it to the column
constexpr double kLabelW = 170, kRightPad = 70, kBarH = 16, kBarGap = 6, kTop = 28;
constexpr const char *kFail = "#c0392b";
constexpr size_t kLogTicksMax = 24; // decades drawn at most (1e-9..1e15 and beyond: the ends)

std::string num(double v)
{
	char b[32];
	std::snprintf(b, sizeof b, "%.1f", v);
	return b;
}

std::string value_text(double v, const std::string &unit)
{
	char b[48];
	if (v != 0 && (std::fabs(v) >= 10000 || std::fabs(v) < 0.01))
		std::snprintf(b, sizeof b, "%.3g", v);
	else if (std::fabs(v) >= 100)
		std::snprintf(b, sizeof b, "%.0f", v);
	else
		std::snprintf(b, sizeof b, "%.3g", v);
	return std::string(b) + unit;
}

// Maps a value to [0, 1] of the axis.
struct Axis {
	double lo, hi;
	bool log;
	double at(double v) const
	{
		if (log) {
			const double l = std::log10(std::max(v, lo));
			return (l - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
		}
		return (v - lo) / (hi - lo);
	}
};

Axis axis_for(double lo, double hi, bool log)
{
	// Results edited by hand may hold 1e400 (inf once parsed): keep the axis finite.
	lo = std::isfinite(lo) ? std::clamp(lo, -1e300, 1e300) : 0;
	hi = std::isfinite(hi) ? std::clamp(hi, -1e300, 1e300) : 1e300;
	if (log) {
		lo = std::pow(10.0, std::floor(std::log10(std::max(lo, 1e-9))));
		hi = std::pow(10.0, std::ceil(std::log10(std::max(hi, lo * 10))));
		if (hi <= lo)
			hi = lo * 10;
		return { lo, hi, true };
	}
	if (hi <= lo)
		hi = lo + 1;
	return { lo, hi, false };
}

std::vector<double> ticks(const Axis &a)
{
	std::vector<double> t;
	if (a.log) {
		for (double v = a.lo; v <= a.hi * 1.0001 && t.size() < kLogTicksMax; v *= 10)
			t.push_back(v);
		return t;
	}
	for (int i = 0; i <= 4; i++)
		t.push_back(a.lo + (a.hi - a.lo) * i / 4);
	return t;
}

// The chart's opening: the SVG element, its accessible title and the visible one.
std::string svg_open(const std::string &title, double h)
{
	return "<svg role=\"img\" viewBox=\"0 0 " + num(kWidth) + " " + num(h) +
	       "\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\" "
	       "font-size=\"11\"><title>" +
	       html_escape(title) + "</title>\n<text x=\"0\" y=\"14\" font-size=\"13\" " +
	       "font-weight=\"bold\">" + html_escape(title) + "</text>\n";
}

} // namespace

const char *series_colour(size_t i)
{
	static const char *const k[] = { "#0072b2", "#e69f00", "#009e73", "#cc79a7",
					 "#56b4e9", "#d55e00", "#f0e442", "#000000" };
	return k[i % 8];
}

std::string html_escape(const std::string &s)
{
	std::string o;
	for (char c : s) {
		switch (c) {
		case '&':
			o += "&amp;";
			break;
		case '<':
			o += "&lt;";
			break;
		case '>':
			o += "&gt;";
			break;
		case '"':
			o += "&quot;";
			break;
		case '\'':
			o += "&#39;";
			break;
		default:
			o += c;
		}
	}
	return o;
}

std::string svg_bars(const BarChart &c)
{
	const double plot_w = kWidth - kLabelW - kRightPad;
	const double h = kTop + c.bars.size() * (kBarH + kBarGap) + 30;
	double lo = c.log_x ? 1e300 : 0, hi = 0;
	for (const Bar &b : c.bars) {
		hi = std::max({ hi, b.value, b.target.value_or(0) });
		if (c.log_x && b.value > 0)
			lo = std::min(lo, b.value);
		if (c.log_x && b.target)
			lo = std::min(lo, *b.target);
	}
	if (c.ref) {
		hi = std::max(hi, *c.ref);
		if (c.log_x)
			lo = std::min(lo, *c.ref);
	}
	if (c.log_x && lo > hi)
		lo = 1;
	const Axis ax = axis_for(lo, hi * (c.log_x ? 1 : 1.1), c.log_x);
	std::string s = svg_open(c.title, h);
	const double bottom = kTop + c.bars.size() * (kBarH + kBarGap);
	for (double t : ticks(ax)) {
		const double x = kLabelW + ax.at(t) * plot_w;
		s += "<line x1=\"" + num(x) + "\" y1=\"" + num(kTop - 4) + "\" x2=\"" + num(x) +
		     "\" y2=\"" + num(bottom) + "\" stroke=\"#ddd\"/>";
		s += "<text x=\"" + num(x) + "\" y=\"" + num(bottom + 13) +
		     "\" text-anchor=\"middle\" fill=\"#555\">" + value_text(t, "") + "</text>\n";
	}
	for (size_t i = 0; i < c.bars.size(); i++) {
		const Bar &b = c.bars[i];
		const double y = kTop + i * (kBarH + kBarGap);
		// A zero on a log axis has no bar, only its number.
		const bool none = c.log_x && b.value <= 0;
		const double w = none ? 0 : std::max(1.0, ax.at(std::max(b.value, ax.lo)) * plot_w);
		s += "<text x=\"" + num(kLabelW - 6) + "\" y=\"" + num(y + kBarH - 4) +
		     "\" text-anchor=\"end\">" + html_escape(b.label) + "</text>";
		if (!none)
			s += "<rect x=\"" + num(kLabelW) + "\" y=\"" + num(y) + "\" width=\"" +
			     num(w) + "\" height=\"" + num(kBarH) + "\" fill=\"" +
			     (b.pass ? series_colour(0) : kFail) + "\"><title>" +
			     html_escape(b.label) + ": " + value_text(b.value, c.unit) +
			     "</title></rect>";
		if (b.target) {
			const double tx = kLabelW + ax.at(*b.target) * plot_w;
			s += "<line x1=\"" + num(tx) + "\" y1=\"" + num(y - 2) + "\" x2=\"" +
			     num(tx) + "\" y2=\"" + num(y + kBarH + 2) +
			     "\" stroke=\"#000\" stroke-width=\"2\"/>";
		}
		s += "<text x=\"" + num(kLabelW + w + 4) + "\" y=\"" + num(y + kBarH - 4) + "\"" +
		     (b.pass ? "" : " fill=\"" + std::string(kFail) + "\"") + ">" +
		     value_text(b.value, c.unit) + "</text>\n";
	}
	if (c.ref) {
		const double x = kLabelW + ax.at(*c.ref) * plot_w;
		s += "<line x1=\"" + num(x) + "\" y1=\"" + num(kTop - 6) + "\" x2=\"" + num(x) +
		     "\" y2=\"" + num(bottom) +
		     "\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\" stroke-width=\"1.5\"/>";
		s += "<text x=\"" + num(x + 3) + "\" y=\"" + num(kTop - 8) +
		     "\" fill=\"#c0392b\">" + html_escape(c.ref_label) + "</text>\n";
	}
	s += "</svg>";
	return s;
}

std::string svg_lines(const LineChart &c)
{
	constexpr double kLeft = 48, kRight = 12, kPlotH = 180, kLegendRow = 16;
	const double plot_w = kWidth - kLeft - kRight;
	const size_t legend_rows = (c.lines.size() + 3) / 4;
	const double h = kTop + kPlotH + 34 + legend_rows * kLegendRow;
	double lo = 1e300, hi = -1e300;
	for (const Line &l : c.lines)
		for (const auto &[x, y] : l.points) {
			if (c.log_x && x <= 0)
				continue;
			lo = std::min(lo, x);
			hi = std::max(hi, x);
		}
	if (lo > hi)
		lo = 1, hi = 10;
	const Axis ax = axis_for(lo, hi, c.log_x);
	const Axis ay{ c.y_min, c.y_max, false };
	auto px = [&](double x) { return kLeft + ax.at(x) * plot_w; };
	auto py = [&](double y) {
		return kTop + (1 - ay.at(std::clamp(y, c.y_min, c.y_max))) * kPlotH;
	};
	std::string s = svg_open(c.title, h);
	for (double t : ticks(ax)) {
		s += "<line x1=\"" + num(px(t)) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(px(t)) +
		     "\" y2=\"" + num(kTop + kPlotH) + "\" stroke=\"#ddd\"/>";
		s += "<text x=\"" + num(px(t)) + "\" y=\"" + num(kTop + kPlotH + 13) +
		     "\" text-anchor=\"middle\" fill=\"#555\">" + value_text(t, "") + "</text>\n";
	}
	for (double t : ticks(ay)) {
		s += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(py(t)) + "\" x2=\"" +
		     num(kLeft + plot_w) + "\" y2=\"" + num(py(t)) + "\" stroke=\"#eee\"/>";
		s += "<text x=\"" + num(kLeft - 4) + "\" y=\"" + num(py(t) + 4) +
		     "\" text-anchor=\"end\" fill=\"#555\">" + value_text(t, "") + "</text>\n";
	}
	s += "<text x=\"" + num(kLeft + plot_w / 2) + "\" y=\"" + num(kTop + kPlotH + 27) +
	     "\" text-anchor=\"middle\">" + html_escape(c.x_label) + "</text>";
	s += "<text x=\"12\" y=\"" + num(kTop + kPlotH / 2) +
	     "\" text-anchor=\"middle\" transform=\"rotate(-90 12 " + num(kTop + kPlotH / 2) +
	     ")\">" + html_escape(c.y_label) + "</text>\n";
	if (c.x_ref && *c.x_ref >= ax.lo && *c.x_ref <= ax.hi)
		s += "<line x1=\"" + num(px(*c.x_ref)) + "\" y1=\"" + num(kTop) + "\" x2=\"" +
		     num(px(*c.x_ref)) + "\" y2=\"" + num(kTop + kPlotH) +
		     "\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>\n";
	for (size_t i = 0; i < c.lines.size(); i++) {
		const Line &l = c.lines[i];
		std::string pts;
		for (const auto &[x, y] : l.points) {
			if (c.log_x && x <= 0)
				continue;
			pts += (pts.empty() ? "" : " ") + num(px(x)) + "," + num(py(y));
		}
		s += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" +
		     std::string(series_colour(i)) + "\" points=\"" + pts + "\"><title>" +
		     html_escape(l.name) + "</title></polyline>\n";
		const double lx = kLeft + (i % 4) * (plot_w / 4);
		const double ly = kTop + kPlotH + 34 + (i / 4) * kLegendRow + 10;
		s += "<rect x=\"" + num(lx) + "\" y=\"" + num(ly - 8) +
		     "\" width=\"12\" height=\"4\" fill=\"" + series_colour(i) + "\"/><text x=\"" +
		     num(lx + 16) + "\" y=\"" + num(ly - 3) + "\">" + html_escape(l.name) +
		     "</text>\n";
	}
	s += "</svg>";
	return s;
}

} // namespace coconut::gate
