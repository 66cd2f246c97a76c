// One YAML double-quoted scalar, for the sample and the profiles: a device name or a source text
// may hold quotes, colons or '#', which plain YAML would misread.
#ifndef COCONUT_HARNESS_CALIBRATE_YAML_QUOTE_H
#define COCONUT_HARNESS_CALIBRATE_YAML_QUOTE_H

#include <string>

namespace coconut::calibrate {

// "text" with quotes and backslashes escaped and control bytes as \xNN.
std::string yaml_quoted(const std::string &text);

// The text on one line (newlines to spaces), for comment lines.
std::string one_line(const std::string &text);

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_YAML_QUOTE_H
