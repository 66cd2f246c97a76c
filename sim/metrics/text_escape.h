// Escaping for the text formats we write (JSON for traces, XML for JUnit). Both must stay
// valid whatever bytes a scenario puts in a name: invalid UTF-8 becomes U+FFFD, and so do
// the control characters XML 1.0 cannot carry at all.
#ifndef COCONUT_SIM_METRICS_TEXT_ESCAPE_H
#define COCONUT_SIM_METRICS_TEXT_ESCAPE_H

#include <string>
#include <string_view>

namespace coconut::metrics {

// s with every invalid UTF-8 sequence (bad lead or continuation bytes, overlongs, surrogates,
// code points above U+10FFFF, truncated sequences) replaced by U+FFFD, one per maximal bad part.
std::string utf8_sanitize(std::string_view s);

// Appends s as the inside of a JSON string (no quotes): ", \ and control characters escaped
// (\n \t \r \b \f, others \u00XX), UTF-8 sanitized.
void json_escape_append(std::string &out, std::string_view s);
std::string json_escape(std::string_view s);

// s for XML text or attribute values: & < > " ' as entities, tab/LF/CR as character
// references (so attributes keep them), other C0 controls as U+FFFD, UTF-8 sanitized.
std::string xml_escape(std::string_view s);

} // namespace coconut::metrics

#endif
