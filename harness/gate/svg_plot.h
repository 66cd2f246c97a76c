// Inline SVG charts for the release report: no script, no external font or file, the same bytes
// for the same data (fixed-precision numbers, data in the order given). Two shapes cover every
// plot of the page: horizontal bars against a reference line, and lines on (log) axes.
#ifndef COCONUT_HARNESS_GATE_SVG_PLOT_H
#define COCONUT_HARNESS_GATE_SVG_PLOT_H

#include <optional>
#include <string>
#include <vector>

namespace coconut::gate {

struct Bar {
	std::string label;
	double value = 0;
	std::optional<double> target; // a per-bar mark (a benchmark's target)
	bool pass = true;	      // drawn in the failing colour when false
};

struct BarChart {
	std::string title;
	std::string unit;	   // after values: "x", " hits"
	bool log_x = false;	   // values spanning orders of magnitude
	std::optional<double> ref; // a vertical line across every bar (the 1.5 bound)
	std::string ref_label;
	std::vector<Bar> bars;
};

struct Line {
	std::string name;
	std::vector<std::pair<double, double>> points; // x, y in data units, x ascending
};

struct LineChart {
	std::string title;
	std::string x_label, y_label;
	bool log_x = false;
	double y_min = 0, y_max = 1;
	std::optional<double> x_ref; // a vertical reference line
	std::vector<Line> lines;
};

// The colour of the i-th series (Okabe-Ito: tells apart with colour-blindness too).
const char *series_colour(size_t i);

std::string svg_bars(const BarChart &c);
std::string svg_lines(const LineChart &c);

// Text for HTML and SVG: & < > " ' escaped.
std::string html_escape(const std::string &s);

} // namespace coconut::gate

#endif
