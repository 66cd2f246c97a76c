// The inside of a Simulation (simulation.h), shared by its parts: simulation.cc (building,
// workloads, the request pipeline), timeline.cc (actions and faults), finish.cc (sampling,
// the end of the run, the gates and the fingerprint).
#ifndef COCONUT_SIM_ENGINE_ENGINE_IMPL_H
#define COCONUT_SIM_ENGINE_ENGINE_IMPL_H

#include "agents.h"
#include "simulation.h"

#include "fairness.h"
#include "service_series.h"
#include "fingerprint.h"
#include "histogram.h"
#include "machine.h"
#include "metric_registry.h"
#include "notify_limit.h"
#include "perfetto.h"
#include "profile.h"
#include "sc_context.h"
#include "spawn_request.h"

#include "coconut/compiler.h"

#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

namespace coconut::engine {

// The output buffers of attest and audit.query calls: the most either call can write, so
// the answer is never -EMSGSIZE. An attestation chain is at most CO_ATTEST_BYTES_MAX; a
// segment is a 37-byte header plus, per event, its CBOR (at most
// CO_AUDIT_EVENT_ENC_BYTES_MAX), a 1-byte bstr head and its 68 bytes of chain fields (the
// bound kernel/audit/coconut/query.c asserts).
constexpr size_t kAttestBufBytes = CO_ATTEST_BYTES_MAX;
constexpr size_t kAuditQueryBufBytes =
	37 + (size_t)CO_AUDIT_SEGMENT_EVENTS_MAX * (1 + CO_AUDIT_EVENT_ENC_BYTES_MAX + 68);

enum class TimerKind {
	Arrival,
	Restart,
	Timeline,
	RequestRetry,
	Sample,
	PcieRestore,
	InflightPoll
};

struct Timer {
	u64 at_ns;
	u64 seq; // insertion order: ties at one time run in the order they were scheduled
	TimerKind kind;
	u64 a;
	u64 b;
};

struct TimerLater {
	bool operator()(const Timer &x, const Timer &y) const
	{
		return x.at_ns != y.at_ns ? x.at_ns > y.at_ns : x.seq > y.seq;
	}
};

struct TenantCounts {
	u64 completed = 0;
	u64 failed = 0;
	u64 denied = 0;
	u64 dropped = 0;
};

// An action's outcome (the expectations gate and the trace).
struct ActionOutcome {
	size_t event = 0;
	std::string target;
	s64 rc = 0;
	u64 at_ns = 0;
};

struct Simulation::Impl : public sc_core::sc_module, public devices::JobSink {
	SC_HAS_PROCESS(Impl);

	Impl(sc_core::sc_module_name name, const scenario::Scenario &sc, const RunOptions &opts);
	~Impl() override;

	RunResult run();

	// building
	void build_tenants();
	std::vector<TraceRow> trace_rows(const scenario::WorkloadSpec &w);
	s64 spawn(u64 caller, const std::string &name, u32 tenant_id,
		  const std::vector<std::string> &caps, u32 weight);
	void spawn_agent(AgentState &a);
	s64 call_blocking(const std::function<s64()> &fn);
	std::pair<u32, u32> resolve_group(const std::string &target,
					  const scenario::SourceLoc &loc) const;
	std::vector<AgentState *> resolve_agents(const std::string &target);

	// timers
	void schedule(u64 at_ns, TimerKind kind, u64 a, u64 b);
	void arm_timer();
	void on_timer();

	// workloads and requests
	void start_workload(AgentState &a);
	bool workload_active(const AgentState &a, u64 now) const;
	void on_arrival(AgentState &a);
	void on_restart(AgentState &a);
	Demands draw_demands(AgentState &a, const TraceRow *row);
	void arrive(AgentState &a, const TraceRow *row);
	Request &new_request(AgentState &a);
	void begin_holds(Request &r);
	void inflight_slot_freed();
	void next_stage(Request &r);
	void job_done(devices::Job &job) override;
	int complete_hold(Request &r, Hold &h);
	void finish(Request &r, int rc);

	// timeline (timeline.cc)
	void run_event(size_t index, u64 attempt);
	s64 run_action(const scenario::TimedEvent &ev, AgentState *a);
	s64 act_audit_query(const scenario::TimedEvent &ev, u64 aid);
	s64 act_ring_pressure(const scenario::TimedEvent &ev, const AgentState *a, u64 aid);
	void after_revoke(AgentState &a);
	void note_revoked(AgentState &a, const std::string &cap);
	u64 spawner_aid(const AgentState &a) const;
	void mark_terminated();
	u64 about_aid(const std::string &about) const;
	void on_sealed(const co_audit_event &ev);

	// stepping and acting as an agent (stepping.cc)
	void advance_to(u64 t_ns);
	bool step();
	const RunResult &finish_run();
	void check_running(const char *what) const;
	u64 aid_named(const std::string &name) const;
	AgentState *agent_with_aid(u64 aid);
	void on_caller_cpu(u64 aid);
	s64 revoke_whole(u64 caller, u64 aid, const std::string &cap);
	// The audit.verify gate's check: "" when the chain, the heads and the TPM's anchor agree.
	std::string verify_audit();

	// sampling and the end (finish.cc)
	void sample();
	void collect_metrics(RunResult &out);
	void set_metric(const std::string &name, u64 v);
	void collect_run_metrics();
	void collect_tenant_metrics(const RunResult &out);
	void collect_fairness_metrics(RunResult &out);
	void collect_device_metrics(const RunResult &out);
	void add_tenant_notes(RunResult &out);
	void evaluate_gates(RunResult &out);
	std::string fingerprint(const RunResult &out);
	std::string audit_head_hex() const; // the chain head, 64 hex

	metrics::LogHistogram &stage_hist(u32 tenant, devices::Stage st);
	// tenant.<t>.membw.slowdown: a streaming CPU stage's time on a core over its time alone.
	metrics::LogHistogram &membw_hist(u32 tenant);
	const metrics::LogHistogram *resource_hist(u32 tenant, const char *resource);
	metrics::LogHistogram &tenant_hist(u32 tenant, const char *what);
	int agent_track(const Request &r);

	// ---- state
	scenario::Scenario sc;
	RunOptions opts;
	devices::ProfileLibrary profiles;
	agent_test::Signer signer;
	std::unique_ptr<kmodel::Machine> machine;
	std::unique_ptr<metrics::TraceEventWriter> perfetto;
	std::map<std::string, int> tracks;
	std::map<std::string, u64> last_busy_ns; // per device, for the trace's busy counters

	std::vector<TenantState> tenants;
	std::map<u32, TenantCounts> tenant_counts;
	std::vector<std::unique_ptr<AgentState>> agents;
	std::map<std::string, size_t> agent_by_name;
	std::vector<std::vector<std::vector<size_t>>> group_agents; // [tenant][group] -> agents
	std::map<std::string, std::vector<TraceRow>> trace_cache;
	u64 next_spawn_cpu = 0;

	std::deque<Request> requests; // stable addresses; reused through free_requests
	std::vector<Request *> free_requests;
	u64 next_request_id = 1;
	u64 next_job_id = 1;
	u64 live_requests = 0;
	u64 holds_live = 0; // in-flight tokens begun and not yet completed or released

	std::priority_queue<Timer, std::vector<Timer>, TimerLater> timers;
	u64 timer_seq = 0;
	u64 timer_fires = 0;
	u64 last_timer_ns = 0; // the last fired timer's time (they fire in order)
	sc_core::sc_event timer_event;
	u64 sample_interval_ns = 0;

	// counters
	u64 completed = 0, failed = 0, denied = 0, dropped = 0;
	u64 throttled = 0; // refused -EAGAIN: the agent was over its audited-failure bucket
	// The kernel's counters at the end of the run (KernelPort::counters), read once by run():
	// metrics and the parity gate use this copy (the phantom_decision mutation plants its bug
	// here, never in the kernel's state).
	co_kernel_counters end_counters{};
	u64 backpressure_waits = 0, inflight_full_waits = 0;
	// Requests refused -ENOSPC (the kernel's in-flight table full), in the order refused: each
	// in-flight completion wakes the oldest (a wait queue, not a poll per request), and one
	// poll a seal interval wakes it too in case a slot freed another way (an agent's exit).
	std::deque<Request *> inflight_waiters;
	bool inflight_poll_armed = false;
	u64 inflight_revoked_failed = 0, cancelled_on_revoke = 0, use_after_revoke = 0;
	u64 inflight_revoked_failed_below = 0; // of those, by a revoke of an ancestor's cap
	u64 revocations = 0, notifications = 0, edquot = 0, vfs_reads = 0;
	u64 partitions_lost = 0, hbm_used_max = 0, ring_pressure_busy = 0;
	std::vector<std::string> notification_log; // the first few, for the report
	NotificationLimiter notify_limit;	   // per (agent, cap): what is shown, what folded
	std::vector<std::string> fold_log;	   // the first few windows that folded
	std::vector<ActionOutcome> outcomes;
	std::vector<std::string> expectation_failures;
	std::vector<ArrivalDigest> arrival_digests;	      // per tenant (RunResult::arrivals)
	std::vector<metrics::ServiceDifference> service_diff; // per scheduler kind sampled
	std::vector<metrics::ServiceSeries> service_series;   // the units behind service_diff

	metrics::MetricRegistry registry;
	// stage_hist()'s cache: [tenant][devices::Stage] -> the registry's histogram.
	std::vector<std::array<metrics::LogHistogram *, 5>> stage_hists;
	std::vector<metrics::LogHistogram *> membw_hists; // membw_hist()'s cache
	metrics::Fingerprint trace_fp; // the run's record (run_fingerprint.h: completions, actions)

	// stepping
	bool started = false;	   // the first sc_start ran (elaboration, time-0 processes)
	bool finished = false;	   // finish_run ran: result holds the answer
	bool result_taken = false; // run() moved result out
	RunResult result;
	// Agents spawned through Simulation::spawn, by name: their AID and tenant id (the
	// manifest's, for the agents they spawn in turn).
	struct ApiAgent {
		u64 aid = 0;
		u32 tenant_id = 0;
	};
	std::map<std::string, ApiAgent> api_agents;
};

} // namespace coconut::engine

#endif
