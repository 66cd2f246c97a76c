#include "perfetto.h"

#include <stdexcept>

#include "coconut/compiler.h"
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

TraceEventWriter::TraceEventWriter(const std::string &path, u64 max_events, u64 counter_gap_ns)
	: file_(std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc)),
	  out_(file_.get()), max_events_(max_events), counter_gap_ns_(counter_gap_ns)
{
	if (!*file_)
		throw std::runtime_error("trace: cannot open " + path + " for writing");
	begin();
}

TraceEventWriter::TraceEventWriter(std::ostream &out, u64 max_events, u64 counter_gap_ns)
	: out_(&out), max_events_(max_events), counter_gap_ns_(counter_gap_ns)
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

// A number for a name: FNV-1a folded to 30 bits (never 0: pid 0 is the global scope), the next
// free one when it is taken by another name. Same name, same number, in every run.
int TraceEventWriter::id_of(std::string_view key, std::map<int, std::string> &taken)
{
	u64 h = 0xcbf29ce484222325ull;
	for (const char c : key) {
		h ^= static_cast<unsigned char>(c);
		h *= 0x100000001b3ull;
	}
	int id = static_cast<int>((h ^ (h >> 30) ^ (h >> 60)) & 0x3fffffff);
	// Each step takes a number no other name holds: at most taken.size() steps.
	for (size_t steps = 0;; steps++) {
		CO_ASSERT(steps <= taken.size());
		if (id == 0)
			id = 1;
		auto it = taken.find(id);
		if (it == taken.end()) {
			taken.emplace(id, std::string(key));
			return id;
		}
		id = (id + 1) & 0x3fffffff;
	}
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
		pid = id_of(process, pid_names_);
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
	const Track t{ pid, id_of(key, tid_names_) };
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

bool TraceEventWriter::admit(u64 t_ns, bool is_counter)
{
	if (closed_)
		return false;
	if (t_ns > last_ns_)
		last_ns_ = t_ns;
	// Counters leave the cap's last quarter to spans and instants.
	const u64 cap = is_counter ? max_events_ - max_events_ / 4 : max_events_;
	if (max_events_ != 0 && written_ >= cap) {
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

void TraceEventWriter::write_counter(const Track &t, std::string_view name, u64 t_ns, s64 value)
{
	if (!admit(t_ns, true))
		return;
	std::string line;
	event_head(line, t, name, "C", t_ns);
	line += ",\"args\":{\"value\":" + std::to_string(value) + "}}";
	emit(line);
}

void TraceEventWriter::counter(int track, std::string_view name, u64 t_ns, s64 value)
{
	const Track &t = track_of(track);
	if (closed_)
		return;
	auto it = series_.find(std::make_pair(track, std::string(name)));
	if (it == series_.end()) {
		Series s;
		s.last = value;
		s.last_ns = t_ns;
		series_.emplace(std::make_pair(track, std::string(name)), s);
		write_counter(t, name, t_ns, value);
		return;
	}
	Series &s = it->second;
	if (t_ns < s.last_ns + counter_gap_ns_) {
		// Within the gap: held (the latest change wins), or nothing new at all.
		if (s.pending || value != s.last) {
			s.pending = true;
			s.pending_value = value;
			s.pending_ns = t_ns;
		}
		sampled_++;
		return;
	}
	if (s.pending) {
		s.pending = false;
		if (s.pending_value != s.last) {
			write_counter(t, name, s.pending_ns, s.pending_value);
			s.last = s.pending_value;
			s.last_ns = s.pending_ns;
		}
	}
	if (value == s.last) {
		sampled_++;
		return;
	}
	write_counter(t, name, t_ns, value);
	s.last = value;
	s.last_ns = t_ns;
}

bool TraceEventWriter::close()
{
	if (closed_)
		return out_->good();
	// Every series' last value is in the file: what the gap held back goes out now.
	for (auto &[key, s] : series_)
		if (s.pending && s.pending_value != s.last) {
			write_counter(track_of(key.first), key.second, s.pending_ns,
				      s.pending_value);
			s.pending = false;
		}
	closed_ = true;
	if (sampled_ != 0) {
		std::string line =
			"{\"ph\":\"i\",\"name\":\"counters sampled\",\"pid\":0,\"tid\":0,\"ts\":" +
			ns_as_us_text(last_ns_) + ",\"s\":\"g\",\"args\":{\"values_not_written\":" +
			std::to_string(sampled_) +
			",\"counter_gap_ns\":" + std::to_string(counter_gap_ns_) + "}}";
		emit(line);
	}
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
