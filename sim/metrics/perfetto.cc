#include "perfetto.h"

#include <stdexcept>

#include "report.h"
#include "text_escape.h"

namespace coconut::metrics {

namespace {

void append_quoted(std::string &line, std::string_view s)
{
	line += '"';
	json_escape_append(line, s);
	line += '"';
}

void append_args(std::string &line, const TraceArgs &args)
{
	if (args.empty())
		return;
	line += ",\"args\":{";
	bool first = true;
	for (const TraceArg &a : args) {
		if (!first)
			line += ',';
		first = false;
		append_quoted(line, a.key);
		line += ':';
		if (const u64 *u = std::get_if<u64>(&a.value))
			line += std::to_string(*u);
		else if (const s64 *s = std::get_if<s64>(&a.value))
			line += std::to_string(*s);
		else
			append_quoted(line, std::get<std::string_view>(a.value));
	}
	line += '}';
}

} // namespace

std::string ns_as_us_text(u64 ns)
{
	return format_fixed(ns, 3);
}

TraceEventWriter::TraceEventWriter(const std::string &path, u64 max_events)
	: file_(std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc)),
	  out_(file_.get()), max_events_(max_events)
{
	if (!*file_)
		throw std::runtime_error("trace: cannot open " + path + " for writing");
	begin();
}

TraceEventWriter::TraceEventWriter(std::ostream &out, u64 max_events)
	: out_(&out), max_events_(max_events)
{
	begin();
}

TraceEventWriter::~TraceEventWriter()
{
	close();
}

void TraceEventWriter::begin()
{
	*out_ << "{\"traceEvents\":[";
}

void TraceEventWriter::emit(std::string &line)
{
	*out_ << (first_ ? "\n" : ",\n") << line;
	first_ = false;
}

const TraceEventWriter::Track &TraceEventWriter::track_of(int track) const
{
	if (track < 0 || static_cast<size_t>(track) >= tracks_.size())
		throw std::out_of_range("trace: no track " + std::to_string(track));
	return tracks_[static_cast<size_t>(track)];
}

int TraceEventWriter::track(std::string_view process, std::string_view thread)
{
	std::string key(process);
	key += '\0';
	key += thread;
	if (auto it = tids_.find(key); it != tids_.end())
		return it->second;

	int pid;
	if (auto it = pids_.find(process); it != pids_.end()) {
		pid = it->second;
	} else {
		pid = static_cast<int>(pids_.size()) + 1;
		pids_.emplace(std::string(process), pid);
		if (!closed_) {
			std::string line = "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" +
					   std::to_string(pid) + ",\"tid\":0,\"args\":{\"name\":";
			append_quoted(line, process);
			line += "}}";
			emit(line);
		}
	}
	const int id = static_cast<int>(tracks_.size());
	const Track t{ pid, id + 1 };
	tracks_.push_back(t);
	tids_.emplace(std::move(key), id);
	if (!closed_) {
		std::string line =
			"{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":" + std::to_string(t.pid) +
			",\"tid\":" + std::to_string(t.tid) + ",\"args\":{\"name\":";
		append_quoted(line, thread);
		line += "}}";
		emit(line);
	}
	return id;
}

bool TraceEventWriter::admit(u64 t_ns)
{
	if (closed_)
		return false;
	if (t_ns > last_ns_)
		last_ns_ = t_ns;
	if (max_events_ != 0 && written_ >= max_events_) {
		dropped_++;
		return false;
	}
	written_++;
	return true;
}

void TraceEventWriter::event_head(std::string &line, const Track &t, std::string_view name,
				  std::string_view ph, u64 ts_ns)
{
	line = "{\"ph\":\"";
	line += ph;
	line += "\",\"name\":";
	append_quoted(line, name);
	line += ",\"pid\":" + std::to_string(t.pid) + ",\"tid\":" + std::to_string(t.tid) +
		",\"ts\":" + ns_as_us_text(ts_ns);
}

void TraceEventWriter::complete(int track, std::string_view name, u64 start_ns, u64 dur_ns,
				const TraceArgs &args)
{
	const Track &t = track_of(track);
	const u64 end_ns = start_ns + dur_ns < start_ns ? ~0ull : start_ns + dur_ns;
	if (!admit(end_ns))
		return;
	std::string line;
	event_head(line, t, name, "X", start_ns);
	line += ",\"dur\":" + ns_as_us_text(dur_ns);
	append_args(line, args);
	line += '}';
	emit(line);
}

void TraceEventWriter::instant(int track, std::string_view name, u64 t_ns, const TraceArgs &args)
{
	const Track &t = track_of(track);
	if (!admit(t_ns))
		return;
	std::string line;
	event_head(line, t, name, "i", t_ns);
	line += ",\"s\":\"t\"";
	append_args(line, args);
	line += '}';
	emit(line);
}

void TraceEventWriter::counter(int track, std::string_view name, u64 t_ns, s64 value)
{
	const Track &t = track_of(track);
	if (!admit(t_ns))
		return;
	std::string line;
	event_head(line, t, name, "C", t_ns);
	line += ",\"args\":{\"value\":" + std::to_string(value) + "}}";
	emit(line);
}

bool TraceEventWriter::close()
{
	if (closed_)
		return out_->good();
	closed_ = true;
	if (dropped_ != 0) {
		std::string line =
			"{\"ph\":\"i\",\"name\":\"truncated\",\"pid\":0,\"tid\":0,\"ts\":" +
			ns_as_us_text(last_ns_) +
			",\"s\":\"g\",\"args\":{\"dropped_events\":" + std::to_string(dropped_) +
			",\"max_events\":" + std::to_string(max_events_) + "}}";
		emit(line);
	}
	*out_ << "\n],\"displayTimeUnit\":\"ns\"}\n";
	out_->flush();
	if (file_)
		file_->close();
	return !file_ ? out_->good() : !file_->fail();
}

} // namespace coconut::metrics
