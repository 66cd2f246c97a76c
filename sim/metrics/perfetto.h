// Chrome trace-event JSON ({"traceEvents":[...],"displayTimeUnit":"ns"}), the format that
// ui.perfetto.dev and chrome://tracing open, written as the simulation runs: each event goes
// to the stream when it is emitted, so memory does not grow with the trace.
//
// Tracks: track(process, thread) names a row. A process's pid and a thread's tid come from its
// name (FNV-1a, 30 bits; the next free number on a collision), not from the order of first
// use, so the same process has the same pid in every run that has it, whatever ran first (two
// policies of one scenario used to number them differently). Metadata events (process_name,
// thread_name) are written once, at first use. Times are integer ns printed as microseconds
// with three decimals ("ts":12.345), never through floating point.
//
// Counters are sampled: a series (track, name) is written when its value changes, at most once
// per counter_gap_ns of its own time; a change within the gap is held and written at the
// series' next write or at close(), so the last value of every series is in the file. close()
// says how many values were held back or unchanged (instant "counters sampled").
//
// An optional cap on data events (complete, instant, counter) keeps a runaway scenario from
// filling the disk: past it events are counted, not written, and close() adds one global
// instant "truncated" with args {"dropped_events": N} at the last time seen. Counters stop at
// three quarters of the cap, so spans and instants (what a person follows a request by) keep
// the last quarter.
#ifndef COCONUT_SIM_METRICS_PERFETTO_H
#define COCONUT_SIM_METRICS_PERFETTO_H

#include <concepts>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "types.h"

namespace coconut::metrics {

// One key/value of an event's "args". Keys and string values are copied into the output at
// once, so views of temporaries are fine.
struct TraceArg {
	std::string_view key;
	std::variant<u64, s64, std::string_view> value;

	template <std::integral T> TraceArg(std::string_view k, T v) : key(k)
	{
		if constexpr (std::is_signed_v<T>)
			value = static_cast<s64>(v);
		else
			value = static_cast<u64>(v);
	}
	TraceArg(std::string_view k, std::string_view v) : key(k), value(v) {}
	TraceArg(std::string_view k, const char *v) : key(k), value(std::string_view(v)) {}
	TraceArg(std::string_view k, const std::string &v) : key(k), value(std::string_view(v)) {}
};
using TraceArgs = std::vector<TraceArg>;

class TraceEventWriter {
public:
	// Writes to path (created or truncated); std::runtime_error naming the path if it cannot
	// be opened. max_events == 0: no cap.
	// counter_gap_ns == 0: every changed counter value is written.
	explicit TraceEventWriter(const std::string &path, u64 max_events = 0,
				  u64 counter_gap_ns = 0);
	// Writes to a caller-owned stream that outlives the writer.
	explicit TraceEventWriter(std::ostream &out, u64 max_events = 0, u64 counter_gap_ns = 0);
	TraceEventWriter(const TraceEventWriter &) = delete;
	TraceEventWriter &operator=(const TraceEventWriter &) = delete;
	~TraceEventWriter(); // closes if still open

	// The track of (process, thread), created on first use.
	int track(std::string_view process, std::string_view thread);

	// A span [start_ns, start_ns + dur_ns) ("ph":"X").
	void complete(int track, std::string_view name, u64 start_ns, u64 dur_ns,
		      const TraceArgs &args = {});
	// A point event on the track ("ph":"i", thread scope).
	void instant(int track, std::string_view name, u64 t_ns, const TraceArgs &args = {});
	// A counter series name of the track's process ("ph":"C"); Perfetto draws one row per
	// process and name.
	void counter(int track, std::string_view name, u64 t_ns, s64 value);

	// Ends the JSON document and flushes; later events are ignored. Returns false if any
	// write failed (disk full, closed stream). Idempotent.
	bool close();

	u64 events_written() const { return written_; } // data events, metadata not counted
	u64 events_dropped() const { return dropped_; }
	u64 counters_sampled() const { return sampled_; } // values held back or unchanged
	bool closed() const { return closed_; }

private:
	struct Track {
		int pid;
		int tid;
	};
	// A counter series' last written value and the change held back within the gap.
	struct Series {
		s64 last = 0;
		u64 last_ns = 0;
		bool pending = false;
		s64 pending_value = 0;
		u64 pending_ns = 0;
	};
	void begin();
	bool admit(u64 t_ns, bool is_counter = false);
	void write_counter(const Track &t, std::string_view name, u64 t_ns, s64 value);
	static int id_of(std::string_view key, std::map<int, std::string> &taken);
	void event_head(std::string &line, const Track &t, std::string_view name,
			std::string_view ph, u64 ts_ns);
	void emit(std::string &line);
	const Track &track_of(int track) const;

	std::unique_ptr<std::ofstream> file_;
	std::ostream *out_;
	u64 max_events_;
	u64 counter_gap_ns_;
	u64 written_ = 0;
	u64 dropped_ = 0;
	u64 sampled_ = 0;
	u64 last_ns_ = 0;
	bool first_ = true;
	bool closed_ = false;
	std::map<std::string, int, std::less<>> pids_;
	std::map<std::string, int, std::less<>> tids_;	   // key: process + '\0' + thread
	std::map<int, std::string> pid_names_, tid_names_; // numbers taken, for collisions
	std::vector<Track> tracks_;
	// Ordered (track, name): close() flushes held values in a fixed order.
	std::map<std::pair<int, std::string>, Series, std::less<>> series_;
};

// ns as microseconds with exactly three decimals: 1234567 -> "1234.567".
std::string ns_as_us_text(u64 ns);

} // namespace coconut::metrics

#endif
