// The simulator's speed, measured as the issue asks: simulated seconds per wall second for a
// scenario, and the model's overhead against a bare SystemC loop that dispatches the same
// number of timed events (delta cycles) in the same process. Wall time is read here, in the
// benchmark, never inside a simulation.
//
// usage: sim_speed SCENARIO.yaml [--until DURATION] [--policy P]
// Prints one JSON object per run (and a human line on stderr).
#include "engine.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <sys/resource.h>

namespace {

// Dispatches `events` timed activations of one method, 1 us apart.
struct BareLoop : sc_core::sc_module {
	SC_HAS_PROCESS(BareLoop);
	explicit BareLoop(sc_core::sc_module_name n, std::uint64_t events)
		: sc_module(n), left(events)
	{
		SC_METHOD(tick);
	}
	void tick()
	{
		if (left-- > 0)
			next_trigger(coconut::sim::ns(1000));
	}
	std::uint64_t left;
};

double seconds_since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

long peak_rss_kib()
{
	rusage ru{};
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

} // namespace

int main(int argc, char **argv)
{
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
	if (argc < 2) {
		std::cerr << "usage: sim_speed SCENARIO.yaml [--until DURATION] [--policy P]\n";
		return 2;
	}
	coconut::engine::RunOptions opts;
	opts.skip_determinism_gate = true;
	for (int i = 2; i + 1 < argc; i += 2) {
		const std::string o = argv[i], v = argv[i + 1];
		if (o == "--until")
			opts.until_ns = coconut::scenario::parse_duration_ns(v);
		else if (o == "--policy")
			opts.policy = coconut::scenario::parse_policy(v);
		else {
			std::cerr << "sim_speed: unknown option " << o << "\n";
			return 2;
		}
	}
	try {
		const coconut::scenario::Scenario sc =
			coconut::scenario::load_scenario_file(argv[1]);
		const long rss_before = peak_rss_kib();
		coconut::sim::sc_fresh_context();
		auto t0 = std::chrono::steady_clock::now();
		coconut::engine::RunResult res;
		std::uint64_t events = 0;
		double wall = 0;
		{
			coconut::engine::Simulation s(sc, opts);
			res = s.run();
			wall = seconds_since(t0);
			events = sc_core::sc_delta_count();
		}
		const long rss = peak_rss_kib();

		coconut::sim::sc_fresh_context();
		double bare_wall = 0;
		{
			BareLoop loop("bare", events);
			auto t1 = std::chrono::steady_clock::now();
			sc_core::sc_start();
			bare_wall = seconds_since(t1);
		}
		const double sim_s = (double)res.sim_end_ns / 1e9;
		std::printf("{\"scenario\": \"%s\", \"sim_s\": %.1f, \"wall_s\": %.3f, "
			    "\"sim_s_per_wall_s\": %.1f, \"events\": %llu, \"events_per_s\": %.0f, "
			    "\"bare_events_per_s\": %.0f, \"overhead_x\": %.1f, \"peak_rss_mib\": "
			    "%.1f, "
			    "\"rss_growth_mib\": %.1f, \"kernel_peak_mib\": %.1f, \"fingerprint\": "
			    "\"%s\"}\n",
			    sc.name.c_str(), sim_s, wall, sim_s / wall, (unsigned long long)events,
			    (double)events / wall, (double)events / bare_wall,
			    bare_wall > 0 ? wall / bare_wall : 0.0, rss / 1024.0,
			    (rss - rss_before) / 1024.0, (double)res.kernel_peak_bytes / 1048576.0,
			    res.fingerprint.c_str());
		std::fprintf(stderr,
			     "%s: %.0f simulated s in %.2f wall s = %.0fx real time; %.2fx a bare "
			     "SystemC loop\n",
			     sc.name.c_str(), sim_s, wall, sim_s / wall,
			     bare_wall > 0 ? wall / bare_wall : 0.0);
		return 0;
	} catch (const std::exception &e) {
		std::cerr << "sim_speed: " << e.what() << "\n";
		return 2;
	}
}
