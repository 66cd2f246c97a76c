#include "perfetto.h"

#include "text_escape.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {

using coconut::metrics::json_escape;
using coconut::metrics::ns_as_us_text;
using coconut::metrics::TraceEventWriter;
using coconut::metrics::u64;
using coconut::metrics::utf8_sanitize;
using nlohmann::json;

std::string temp_path(const char *stem)
{
	return std::string(::testing::TempDir()) + stem + "-" + std::to_string(getpid()) + ".json";
}

json parse_file(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return json::parse(ss.str()); // throws (fails the test) on invalid JSON or UTF-8
}

TEST(Perfetto, MicrosecondsFromIntegerNs)
{
	EXPECT_EQ(ns_as_us_text(0), "0.000");
	EXPECT_EQ(ns_as_us_text(5), "0.005");
	EXPECT_EQ(ns_as_us_text(1234567), "1234.567");
	EXPECT_EQ(ns_as_us_text(~0ull), "18446744073709551.615");
}

TEST(Perfetto, EveryEventKindRoundTrips)
{
	const std::string path = temp_path("trace-kinds");
	{
		TraceEventWriter w(path);
		const int cpu0 = w.track("machine0", "cpu0");
		const int cpu1 = w.track("machine0", "cpu1");
		const int gpu = w.track("gpu0", "partition/1");
		EXPECT_EQ(w.track("machine0", "cpu0"), cpu0); // same track, no new metadata
		w.complete(cpu0, "agent_spawn", 1500, 2250,
			   { { "aid", 7 }, { "ret", -13 }, { "cap", "fs.read:/x" } });
		w.instant(cpu1, "revoke", 3001, { { "cap", std::string("gpu:0") } });
		w.counter(gpu, "hbm_bytes", 4000, 1ll << 40);
		w.complete(gpu, "decode", 5000, 0);
		EXPECT_TRUE(w.close());
		EXPECT_EQ(w.events_written(), 4u);
	}
	const json j = parse_file(path);
	std::remove(path.c_str());
	EXPECT_EQ(j["displayTimeUnit"], "ns");
	const json &ev = j["traceEvents"];
	ASSERT_EQ(ev.size(), 2u + 3u + 4u); // 2 process names, 3 thread names, 4 events

	// Ids come from names: machine0's pid for both its threads, gpu0's another; three tids.
	const int machine = ev[0]["pid"], gpu_pid = ev[3]["pid"];
	const int cpu0_tid = ev[1]["tid"], cpu1_tid = ev[2]["tid"], part_tid = ev[4]["tid"];
	EXPECT_EQ(ev[0]["ph"], "M");
	EXPECT_EQ(ev[0]["name"], "process_name");
	EXPECT_GT(machine, 0);
	EXPECT_EQ(ev[0]["args"]["name"], "machine0");
	EXPECT_EQ(ev[1]["name"], "thread_name");
	EXPECT_EQ(ev[1]["pid"], machine);
	EXPECT_EQ(ev[1]["args"]["name"], "cpu0");
	EXPECT_EQ(ev[2]["args"]["name"], "cpu1");
	EXPECT_EQ(ev[2]["pid"], machine);
	EXPECT_EQ(ev[3]["args"]["name"], "gpu0");
	EXPECT_NE(gpu_pid, machine);
	EXPECT_EQ(ev[4]["args"]["name"], "partition/1");
	EXPECT_EQ(ev[4]["pid"], gpu_pid);
	EXPECT_NE(cpu0_tid, cpu1_tid);
	EXPECT_NE(cpu0_tid, part_tid);
	EXPECT_NE(cpu1_tid, part_tid);

	const json &x = ev[5];
	EXPECT_EQ(x["ph"], "X");
	EXPECT_EQ(x["name"], "agent_spawn");
	EXPECT_EQ(x["pid"], machine);
	EXPECT_EQ(x["tid"], cpu0_tid);
	EXPECT_DOUBLE_EQ(x["ts"].get<double>(), 1.5);
	EXPECT_DOUBLE_EQ(x["dur"].get<double>(), 2.25);
	EXPECT_EQ(x["args"]["aid"], 7);
	EXPECT_EQ(x["args"]["ret"], -13);
	EXPECT_EQ(x["args"]["cap"], "fs.read:/x");

	const json &i = ev[6];
	EXPECT_EQ(i["ph"], "i");
	EXPECT_EQ(i["tid"], cpu1_tid);
	EXPECT_DOUBLE_EQ(i["ts"].get<double>(), 3.001);
	EXPECT_EQ(i["args"]["cap"], "gpu:0");

	const json &c = ev[7];
	EXPECT_EQ(c["ph"], "C");
	EXPECT_EQ(c["pid"], gpu_pid);
	EXPECT_EQ(c["name"], "hbm_bytes");
	EXPECT_EQ(c["args"]["value"], 1ll << 40);
	EXPECT_FALSE(ev[8].contains("args"));
}

TEST(Perfetto, EscapingKeepsTheFileValid)
{
	// Quotes, backslash, newline, every other C0 control, valid multi-byte UTF-8, and invalid
	// UTF-8 (a lone continuation byte, a truncated sequence, an overlong, a surrogate).
	std::string nasty = "q\"b\\n\nt\tz";
	for (char ch = 1; ch < 0x20; ch++)
		nasty += ch;
	const std::string utf8 = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa5\xa5";
	const std::string bad = "\x80 \xe2\x82 \xc0\xaf \xed\xa0\x80 \xf5";
	std::ostringstream out;
	{
		TraceEventWriter w(out);
		const int t = w.track(nasty, utf8);
		w.instant(t, nasty + bad, 1, { { nasty, utf8 + bad } });
	}
	const json j = json::parse(out.str());
	const json &ev = j["traceEvents"];
	ASSERT_EQ(ev.size(), 3u);
	EXPECT_EQ(ev[0]["args"]["name"], nasty);
	EXPECT_EQ(ev[1]["args"]["name"], utf8);
	EXPECT_EQ(ev[2]["name"], nasty + utf8_sanitize(bad));
	EXPECT_EQ(ev[2]["args"][nasty], utf8 + utf8_sanitize(bad));
	// Each bad part became one U+FFFD; the valid bytes between them stayed.
	EXPECT_EQ(utf8_sanitize(bad),
		  "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd");
	EXPECT_EQ(json_escape("a\"\n\x01"), "a\\\"\\n\\u0001");
}

TEST(Perfetto, CapTruncatesWithAFinalInstant)
{
	std::ostringstream out;
	TraceEventWriter w(out, 3);
	const int t = w.track("p", "t");
	for (u64 k = 0; k < 10; k++)
		w.complete(t, "work", k * 1000, 500);
	EXPECT_EQ(w.events_written(), 3u);
	EXPECT_EQ(w.events_dropped(), 7u);
	EXPECT_TRUE(w.close());
	EXPECT_TRUE(w.close());		    // idempotent
	w.instant(t, "after-close", 99999); // ignored
	const json j = json::parse(out.str());
	const json &ev = j["traceEvents"];
	ASSERT_EQ(ev.size(), 2u + 3u + 1u);
	const json &last = ev.back();
	EXPECT_EQ(last["name"], "truncated");
	EXPECT_EQ(last["s"], "g");
	EXPECT_EQ(last["args"]["dropped_events"], 7);
	EXPECT_DOUBLE_EQ(last["ts"].get<double>(), 9.5); // end of the last event seen
}

// The same names get the same ids whatever order they are first used in (issue 16 item 10: two
// policies of one scenario numbered processes differently).
TEST(Perfetto, IdsComeFromNamesNotOrder)
{
	std::ostringstream a_out, b_out;
	TraceEventWriter a(a_out), b(b_out);
	const int a1 = a.track("tenant alice", "req"), a2 = a.track("cpus", "queue");
	const int b2 = b.track("cpus", "queue"), b1 = b.track("tenant alice", "req");
	a.instant(a1, "x", 1);
	a.instant(a2, "y", 2);
	b.instant(b1, "x", 1);
	b.instant(b2, "y", 2);
	a.close();
	b.close();
	auto ids = [](const std::string &text) {
		std::map<std::string, std::pair<int, int>> out;
		const json doc =
			json::parse(text); // kept: a range over a temporary's member dangles
		for (const json &e : doc["traceEvents"])
			if (e["ph"] == "i")
				out[e["name"]] = { e["pid"], e["tid"] };
		return out;
	};
	EXPECT_EQ(ids(a_out.str()), ids(b_out.str()));
	EXPECT_NE(ids(a_out.str())["x"].first, ids(a_out.str())["y"].first);
}

// Counters: a change is written at most once per gap of the series' time (the latest change in
// the gap, at its own time, when the series is next written or at close); an unchanged value
// never. Every series' last value is in the file, and close() says how many were not written.
TEST(Perfetto, CountersSampledByChangeAndGap)
{
	std::ostringstream out;
	TraceEventWriter w(out, 0, 1000);
	const int t = w.track("p", "t");
	w.counter(t, "q", 0, 5);     // first: written
	w.counter(t, "q", 100, 5);   // unchanged
	w.counter(t, "q", 200, 6);   // held (within the gap)
	w.counter(t, "q", 300, 7);   // held, replaces 6
	w.counter(t, "q", 1500, 7);  // past the gap: 7 at 300 written, 7 now unchanged
	w.counter(t, "q", 1600, 9);  // a gap after the last write (300): written
	w.counter(t, "q", 1700, 10); // held
	w.counter(t, "r", 1700, 1);  // another series: first, written
	EXPECT_TRUE(w.close());	     // 10 at 1700 written at close
	EXPECT_EQ(w.counters_sampled(), 5u);
	std::vector<std::pair<double, int>> q;
	bool said = false;
	const json doc = json::parse(out.str());
	for (const json &e : doc["traceEvents"]) {
		if (e["ph"] == "C" && e["name"] == "q")
			q.push_back({ e["ts"].get<double>(), e["args"]["value"].get<int>() });
		if (e["name"] == "counters sampled") {
			said = true;
			EXPECT_EQ(e["args"]["values_not_written"], 5);
			EXPECT_EQ(e["args"]["counter_gap_ns"], 1000);
		}
	}
	const std::vector<std::pair<double, int>> want{
		{ 0.0, 5 }, { 0.3, 7 }, { 1.6, 9 }, { 1.7, 10 }
	};
	EXPECT_EQ(q, want);
	EXPECT_TRUE(said);
}

// Under the cap, counters stop at three quarters of it: spans keep the last quarter.
TEST(Perfetto, CountersLeaveTheCapsLastQuarterToSpans)
{
	std::ostringstream out;
	TraceEventWriter w(out, 8);
	const int t = w.track("p", "t");
	for (u64 k = 0; k < 20; k++)
		w.counter(t, "c", k, static_cast<std::int64_t>(k));
	EXPECT_EQ(w.events_written(), 6u);
	for (u64 k = 0; k < 5; k++)
		w.complete(t, "span", 100 + k, 1);
	EXPECT_EQ(w.events_written(), 8u);
	EXPECT_EQ(w.events_dropped(), 14u + 3u);
	EXPECT_TRUE(w.close());
}

TEST(Perfetto, ErrorsAreClear)
{
	EXPECT_THROW(TraceEventWriter("/nonexistent-dir/x.json"), std::runtime_error);
	std::ostringstream out;
	TraceEventWriter w(out);
	EXPECT_THROW(w.instant(0, "x", 0), std::out_of_range); // no such track
	const std::string empty_doc = [&] {
		w.close();
		return out.str();
	}();
	const json j = json::parse(empty_doc);
	EXPECT_TRUE(j["traceEvents"].empty());
}

// Memory does not grow with the number of events: the writer keeps nothing per event. A
// proxy check: many events through a stream that discards, then the writer's counters.
TEST(Perfetto, StreamsManyEvents)
{
	std::ofstream null("/dev/null");
	TraceEventWriter w(null);
	const int t = w.track("p", "t");
	for (u64 k = 0; k < 200000; k++)
		w.complete(t, "e", k, 1, { { "k", k } });
	EXPECT_EQ(w.events_written(), 200000u);
	EXPECT_TRUE(w.close());
}

} // namespace
