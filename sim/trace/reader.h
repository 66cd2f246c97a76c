// Reads a trace (format.h) one line at a time: the header, then records, each checked field by
// field against the format's table. Nothing is kept but the current line, so memory does not
// grow with the trace. Every problem is a TraceError "FILE:LINE: field: what is wrong".
//
// Versions: the header's version selects the mapping from that version's JSON into Header and
// Record (reader.cc, kVersions); a version newer than kFormatVersion is refused by name.
#ifndef COCONUT_SIM_TRACE_READER_H
#define COCONUT_SIM_TRACE_READER_H

#include "format.h"

#include <istream>
#include <stdexcept>
#include <string>

namespace coconut::trace {

class TraceError : public std::runtime_error {
public:
	TraceError(const std::string &file, u64 line, const std::string &field,
		   const std::string &what);
	u64 line() const { return line_; }

private:
	u64 line_;
};

// Lines of at most max_bytes (without the newline) from a stream, read in blocks.
class LineReader {
public:
	LineReader(std::istream &in, std::string file, size_t max_bytes = kLineBytesMax);
	// The next line into line (a final line without '\n' counts); false at the end.
	// Throws TraceError for a line longer than max_bytes or a NUL byte.
	bool next(std::string &line);
	u64 line_no() const { return line_no_; }
	const std::string &file() const { return file_; }

private:
	bool fill();

	std::istream &in_;
	std::string file_;
	size_t max_;
	std::string buf_;
	size_t pos_ = 0;
	bool eof_ = false;
	u64 line_no_ = 0;
};

class TraceReader {
public:
	TraceReader(std::istream &in, const std::string &file);
	// Reads and checks line 1. Throws TraceError.
	const Header &read_header();
	// The next record (checkpoints included); false at the end of the file. The raw line is
	// kept in last_line(). Throws TraceError (cpu >= the header's cpus is one).
	bool next(Record &r);
	const std::string &last_line() const { return line_; }
	u64 line_no() const { return lines_.line_no(); }
	const std::string &file() const { return lines_.file(); }
	const Header &header() const { return header_; }

private:
	LineReader lines_;
	std::string line_;
	Header header_;
	u32 version_ = 0;
};

} // namespace coconut::trace

#endif
