// coconut_sim: the engine's public API (sim/engine/engine.h) for Python (issue 14; docs/python.md).
// A thin layer: each method calls the engine and turns a -errno into a typed exception, a
// RunResult into the documented JSON (docs/result.schema.json) as Python data. The simulating
// calls release the GIL.
//
// One simulation at a time: SystemC keeps one simulation context per process, so a Simulation
// is built on a fresh context, and building one while another is alive raises RuntimeError
// (close() the first, or let it go out of scope). Many simulations one after another are fine
// (docs/engine.md "Many simulations in one process").
#include "engine.h"
#include "replayer.h"

#include "coconut/audit.h"
#include "coconut/errno.h"

#include <pybind11/eval.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;
using namespace coconut;

namespace {

// The exception classes, made in PYBIND11_MODULE (KernelError and its subclasses are defined in
// Python there, so that they carry .errno and .call as ordinary attributes).
// A Python function errno, call, message -> exception instance. A pointer never deleted: a
// global py::object would be destroyed after the interpreter, without the GIL.
py::object *g_kernel_error_for = nullptr;

int g_live_simulations = 0;

[[noreturn]] void raise_kernel(s64 rc, const std::string &call)
{
	py::object exc = (*g_kernel_error_for)((int)-rc, call, engine::errno_name(rc));
	PyErr_SetObject(exc.get_type().ptr(), exc.ptr());
	throw py::error_already_set();
}

s64 check(s64 rc, const char *call)
{
	if (rc < 0)
		raise_kernel(rc, call);
	return rc;
}

// A time: nanoseconds as an int, or a duration text ("2s", "500ms").
u64 time_ns(const py::object &t)
{
	if (py::isinstance<py::int_>(t)) {
		const long long v = t.cast<long long>();
		if (v < 0)
			throw py::value_error("a time in ns must be >= 0, got " +
					      std::to_string(v));
		return (u64)v;
	}
	const std::string s = py::str(t);
	const std::optional<u64> v = scenario::parse_duration_ns(s);
	if (!v)
		throw py::value_error(
			"expected nanoseconds or a duration like '2s' or '500ms', got '" + s + "'");
	return *v;
}

py::object json_to_py(const nlohmann::json &j)
{
	// Never destroyed: a static py::object's destructor would run after the interpreter has
	// finalised, without the GIL (a fatal error at exit, seen once numpy is imported).
	static py::object *loads = new py::object(py::module_::import("json").attr("loads"));
	return (*loads)(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// numpy.array(v, dtype=uint64) when numpy imports, else the list: numpy is optional.
py::object as_array(const std::vector<u64> &v)
{
	try {
		py::module_ np = py::module_::import("numpy");
		return np.attr("array")(py::cast(v), py::arg("dtype") = np.attr("uint64"));
	} catch (py::error_already_set &e) {
		if (!e.matches(PyExc_ImportError))
			throw;
		return py::cast(v);
	}
}

// A result's histogram (metrics.histograms[name], docs/result.schema.json) as three columns:
// each non-empty bucket's lowest and highest value and its count.
py::dict histogram_columns(const py::dict &result, const std::string &name)
{
	const py::dict hists = result["metrics"]["histograms"];
	if (!hists.contains(name))
		throw py::key_error("no histogram '" + name + "' in this result");
	std::vector<u64> lo, hi, count;
	for (const py::handle b : hists[py::str(name)]["buckets"]) {
		const py::sequence row = py::reinterpret_borrow<py::sequence>(b);
		lo.push_back(row[0].cast<u64>());
		hi.push_back(row[1].cast<u64>());
		count.push_back(row[2].cast<u64>());
	}
	py::dict out;
	out["lo"] = as_array(lo);
	out["hi"] = as_array(hi);
	out["count"] = as_array(count);
	return out;
}

py::bytes to_bytes(const std::vector<std::uint8_t> &v)
{
	return py::bytes(reinterpret_cast<const char *>(v.data()), v.size());
}

class PySimulation;

// An agent of a simulation: the calls issued as it (docs/uapi.md). `target` defaults to the
// agent itself.
class PyAgent {
public:
	PyAgent(PySimulation *sim, std::string name) : sim_(sim), name_(std::move(name)) {}
	const std::string &name() const { return name_; }
	u64 aid() const;
	void cap_grant(const std::string &cap, const std::optional<std::string> &to);
	void cap_revoke(const std::string &cap, const std::optional<std::string> &target);
	bool cap_present(const std::string &kind, const std::string &object,
			 const std::optional<std::string> &of);
	py::tuple quota(u32 kind, u64 budget, u32 flags, const std::optional<std::string> &of);
	u64 memory_tier(u32 tier, u64 bytes, const std::optional<std::string> &of);
	py::bytes attest(const std::optional<std::string> &of);
	py::bytes audit_query(u32 type, const std::optional<std::string> &about, u64 seq_from,
			      u32 max_events, const std::string &cap);
	PyAgent spawn(const std::string &name, const std::vector<std::string> &caps, u32 weight);
	std::string agentfs(const std::string &file);

private:
	engine::Simulation &s() const;
	PySimulation *sim_;
	std::string name_;
};

void require_no_live_simulation()
{
	if (g_live_simulations > 0)
		throw std::runtime_error("one Simulation at a time (SystemC keeps one context a "
					 "process): close() the other one, or let it go out of "
					 "scope, first");
}

// What Simulation and run_scenario take from Python: seed and policy overrides, the end.
engine::RunOptions run_options(std::optional<u64> seed, const std::optional<std::string> &policy,
			       const py::object &until)
{
	engine::RunOptions o;
	o.seed = seed;
	if (policy) {
		o.policy = scenario::parse_policy(*policy);
		if (!o.policy)
			throw py::value_error("policy: expected fair, fifo or per-process, got '" +
					      *policy + "'");
	}
	if (!until.is_none())
		o.until_ns = time_ns(until);
	return o;
}

// A run with every gate completed, as `coconut-sim run` makes it: the counterfactual isolation
// gate's run without the flooders and (determinism=True) the determinism rerun, each in a
// child process (engine/reruns.h).
py::object py_run_scenario(const scenario::Scenario &sc, std::optional<u64> seed,
			   const std::optional<std::string> &policy, const py::object &until,
			   bool determinism)
{
	require_no_live_simulation();
	engine::RunOptions o = run_options(seed, policy, until);
	o.skip_determinism_gate = !determinism;
	sim::sc_fresh_context();
	engine::RunResult r;
	{
		py::gil_scoped_release unlocked;
		r = engine::run_scenario(sc, o);
	}
	return json_to_py(engine::result_to_json(sc, r));
}

// `coconut-sim replay PATH` from Python: {"reproduced", "report"}; a malformed trace raises
// TraceError with the reader's message (FILE:LINE: field: what).
py::dict py_replay(const std::string &path, py::object trace_error)
{
	std::ifstream in(path);
	if (!in)
		throw py::value_error(path + ": cannot open the trace");
	std::ostringstream out, err;
	trace::ReplayOptions o;
	int rc;
	{
		py::gil_scoped_release unlocked;
		rc = trace::replay_stream(in, path, o, out, err);
	}
	if (rc == trace::kMalformed) {
		PyErr_SetString(trace_error.ptr(), err.str().c_str());
		throw py::error_already_set();
	}
	py::dict d;
	d["reproduced"] = rc == trace::kReproduced;
	d["report"] = out.str();
	return d;
}

class PySimulation {
public:
	PySimulation(const scenario::Scenario &sc, std::optional<u64> seed,
		     const std::optional<std::string> &policy, const py::object &until,
		     const std::string &trace)
	{
		require_no_live_simulation();
		engine::RunOptions o = run_options(seed, policy, until);
		o.trace_path = trace;
		o.skip_determinism_gate = true; // a second run is the caller's to make
		sim::sc_fresh_context();
		sim_ = std::make_unique<engine::Simulation>(sc, o);
		g_live_simulations++;
	}
	~PySimulation() { close(); }

	void close()
	{
		if (sim_) {
			sim_.reset();
			g_live_simulations--;
		}
	}
	engine::Simulation &s()
	{
		if (!sim_)
			throw std::runtime_error("the Simulation is closed");
		return *sim_;
	}

	u64 now_ns() { return s().now_ns(); }
	u64 end_ns() { return s().end_ns(); }
	void run_until(const py::object &t)
	{
		const u64 ns = time_ns(t);
		engine::Simulation &e = s();
		py::gil_scoped_release release;
		e.run_until(ns);
	}
	bool step()
	{
		engine::Simulation &e = s();
		py::gil_scoped_release release;
		return e.step();
	}
	py::object run()
	{
		engine::Simulation &e = s();
		{
			py::gil_scoped_release release;
			e.run_until(e.end_ns());
		}
		return finish();
	}
	py::object finish()
	{
		engine::Simulation &e = s();
		const engine::RunResult *r = nullptr;
		{
			py::gil_scoped_release release;
			r = &e.finish();
		}
		return json_to_py(engine::result_to_json(e.scenario(), *r));
	}
	bool finished() { return s().finished(); }
	PyAgent agent(const std::string &name)
	{
		(void)s().aid_of(
			name); // an unknown name raises ValueError now, not at the first call
		return PyAgent(this, name);
	}
	py::dict audit()
	{
		const engine::AuditState a = s().audit();
		py::dict d;
		d["sealed_events"] = a.sealed_events;
		d["pending_events"] = a.pending_events;
		d["head"] = a.head_hex;
		d["anchors"] = a.anchors;
		d["verified"] = a.error.empty();
		d["error"] = a.error;
		return d;
	}
	py::bytes audit_segment(u64 seq_from, u32 max_events)
	{
		const engine::CallOutput out = s().audit_segment(seq_from, max_events);
		check(out.rc, "audit_segment");
		return to_bytes(out.bytes);
	}
	// co_audit_verify over a segment (an export, perhaps tampered with) against this run's
	// boot id: what an auditor's offline check says.
	py::dict verify_segment(const py::bytes &segment)
	{
		const std::string seg = segment;
		const std::vector<std::uint8_t> boot = s().boot_id();
		co_audit_verify_report rep{};
		const co_audit_verdict v = co_audit_verify((const u8 *)seg.data(), seg.size(),
							   boot.data(), nullptr, 0, &rep);
		static const char *names[] = {
			"ok",	     "bad-format", "bad-head",	     "seq-gap",
			"seq-order", "truncated",  "anchor-mismatch"
		};
		py::dict d;
		d["ok"] = v == CO_AUDIT_OK;
		d["verdict"] = (unsigned)v < 7 ? names[v] : "unknown";
		d["first_bad_index"] = v == CO_AUDIT_OK ? py::object(py::none())
							: py::object(py::int_(rep.first_bad_index));
		d["first_bad_seq"] = rep.first_bad_seq;
		d["events_checked"] = rep.events_checked;
		d["rooted"] = rep.rooted;
		return d;
	}
	std::string scenario_name() { return s().scenario().name; }

private:
	std::unique_ptr<engine::Simulation> sim_;
};

engine::Simulation &PyAgent::s() const
{
	return sim_->s();
}

u64 PyAgent::aid() const
{
	return s().aid_of(name_);
}

void PyAgent::cap_grant(const std::string &cap, const std::optional<std::string> &to)
{
	check(s().cap_grant(name_, to.value_or(name_), cap), "agent_cap_grant");
}

void PyAgent::cap_revoke(const std::string &cap, const std::optional<std::string> &target)
{
	check(s().cap_revoke(name_, target.value_or(name_), cap), "agent_cap_revoke");
}

bool PyAgent::cap_present(const std::string &kind, const std::string &object,
			  const std::optional<std::string> &of)
{
	check(s().cap_present(name_, of.value_or(name_), kind, object), "agent_cap_present");
	return true;
}

py::tuple PyAgent::quota(u32 kind, u64 budget, u32 flags, const std::optional<std::string> &of)
{
	u64 out[2] = { 0, 0 };
	check(s().quota(name_, of.value_or(name_), kind, budget, flags, out), "agent_quota");
	return py::make_tuple(out[0], out[1]);
}

u64 PyAgent::memory_tier(u32 tier, u64 bytes, const std::optional<std::string> &of)
{
	return (u64)check(s().memory_tier(name_, of.value_or(name_), tier, bytes),
			  "agent_memory_tier");
}

py::bytes PyAgent::attest(const std::optional<std::string> &of)
{
	const engine::CallOutput out = s().attest(name_, of.value_or(name_));
	check(out.rc, "agent_attest");
	return to_bytes(out.bytes);
}

py::bytes PyAgent::audit_query(u32 type, const std::optional<std::string> &about, u64 seq_from,
			       u32 max_events, const std::string &cap)
{
	coconut_audit_filter f{};
	f.size = COCONUT_AUDIT_FILTER_SIZE_VER0;
	f.type = type;
	f.aid = about ? s().aid_of(*about) : 0;
	f.seq_from = seq_from;
	f.max_events = max_events;
	if (cap.size() > sizeof(f.cap))
		throw py::value_error("cap: at most " + std::to_string(sizeof(f.cap)) + " bytes");
	f.cap_len = (u16)cap.size();
	std::copy(cap.begin(), cap.end(), f.cap);
	const engine::CallOutput out = s().audit_query(name_, f);
	check(out.rc, "agent_audit_query");
	return to_bytes(out.bytes);
}

PyAgent PyAgent::spawn(const std::string &name, const std::vector<std::string> &caps, u32 weight)
{
	check(s().spawn(name_, name, caps, weight), "agent_spawn");
	return PyAgent(sim_, name);
}

std::string PyAgent::agentfs(const std::string &file)
{
	const engine::CallOutput out = s().agentfs_read(name_, file);
	check(out.rc, "agentfs");
	return std::string(out.bytes.begin(), out.bytes.end());
}

} // namespace

PYBIND11_MODULE(coconut_sim, m)
{
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
	m.doc() = "coconut-sim: the deterministic simulator of the Coconut OS agent kernel, from "
		  "Python (docs/python.md).";

	// Exceptions. KernelError carries .errno (positive) and .call; a subclass per errno a test
	// commonly expects. Defined in Python so that they are ordinary classes.
	py::dict ns;
	ns["__builtins__"] = py::module_::import("builtins");
	py::exec(R"(
class ScenarioError(ValueError):
    """A scenario that does not load: the message says FILE:LINE:COL: field: what is wrong."""

class TraceError(ValueError):
    """A trace that does not read: the message says FILE:LINE: field: what is wrong."""

class KernelError(Exception):
    """A kernel call answered -errno: .errno (positive), .call (its name), .name ('-EPERM')."""
    def __init__(self, errno, call, name):
        super().__init__(f"{call}: {name}")
        self.errno = errno
        self.call = call
        self.name = name

class CapabilityError(KernelError):
    """ECAPABILITY: the LSM denied the operation (an audited decision)."""

class PermissionDeniedError(KernelError):
    """EPERM: the caller may not act on that target (another tenant's agent, root)."""

class QuotaError(KernelError):
    """EDQUOT: over a quota."""

class NoSuchAgentError(KernelError):
    """ESRCH or ESTALE: the agent is unknown or terminated."""

class BusyError(KernelError):
    """EBUSY or EAGAIN: backpressure or a bounded call to repeat."""

class NotFoundError(KernelError):
    """ENOENT: the target holds no such thing."""

_BY_ERRNO = {}
def _kernel_error_for(errno, call, name):
    return _BY_ERRNO.get(errno, KernelError)(errno, call, name)
)",
		 ns);
	for (const char *n : { "ScenarioError", "TraceError", "KernelError", "CapabilityError",
			       "PermissionDeniedError", "QuotaError", "NoSuchAgentError",
			       "BusyError", "NotFoundError" }) {
		ns[n].attr("__module__") = "coconut_sim";
		m.attr(n) = ns[n];
	}
	py::dict by = ns["_BY_ERRNO"];
	by[py::int_(ECAPABILITY)] = ns["CapabilityError"];
	by[py::int_(EPERM)] = ns["PermissionDeniedError"];
	by[py::int_(EDQUOT)] = ns["QuotaError"];
	by[py::int_(ESRCH)] = ns["NoSuchAgentError"];
	by[py::int_(ESTALE)] = ns["NoSuchAgentError"];
	by[py::int_(EBUSY)] = ns["BusyError"];
	by[py::int_(EAGAIN)] = ns["BusyError"];
	by[py::int_(ENOENT)] = ns["NotFoundError"];
	g_kernel_error_for = new py::object(ns["_kernel_error_for"]);
	// Never destroyed (see json_to_py): it lives as long as the module.
	static py::object *scenario_error = new py::object(ns["ScenarioError"]);
	py::register_exception_translator([](std::exception_ptr p) {
		try {
			if (p)
				std::rethrow_exception(p);
		} catch (const scenario::ScenarioError &e) {
			PyErr_SetString(scenario_error->ptr(), e.what());
		}
	});
	m.attr("ECAPABILITY") = ECAPABILITY;

	py::class_<scenario::Scenario>(m, "Scenario",
				       "A scenario as a value (docs/scenarios.md): load one with "
				       "load_scenario / load_scenario_string.")
		.def_readonly("name", &scenario::Scenario::name, "Its name.")
		.def_readonly("seed", &scenario::Scenario::seed, "Its seed.")
		.def_readonly("duration_ns", &scenario::Scenario::duration_ns,
			      "Its duration, simulated ns.")
		.def_property_readonly(
			"tenants",
			[](const scenario::Scenario &s) {
				std::vector<std::string> t;
				for (const auto &x : s.tenants)
					t.push_back(x.name);
				return t;
			},
			"Its tenants' names, in file order.")
		.def("to_yaml", &scenario::write_scenario_yaml,
		     "The scenario as YAML that loads back to an equal scenario.")
		.def("__eq__", [](const scenario::Scenario &a, const scenario::Scenario &b) {
			return a == b;
		});
	m.def("run_scenario", &py_run_scenario, py::arg("scenario"), py::arg("seed") = py::none(),
	      py::arg("policy") = py::none(), py::arg("until") = py::none(),
	      py::arg("determinism") = false,
	      "A run with every gate completed, as `coconut-sim run` makes it: the counterfactual "
	      "isolation gate's run without the flooders and, with determinism=True, the "
	      "determinism rerun, each in a child process. The result "
	      "(docs/result.schema.json). Not while a Simulation is open.");
	py::object trace_error = ns["TraceError"];
	m.def(
		"replay",
		[trace_error](const std::string &path) { return py_replay(path, trace_error); },
		py::arg("path"),
		"Replays a trace on a bare kernel, as `coconut-sim replay` does: "
		"{'reproduced': bool, 'report': the success line or the first divergence}. A "
		"malformed trace raises TraceError.");
	py::exec(R"(
def sweep(scenario, seeds, policies=("fair",), until=None, determinism=False):
    """run_scenario over every policy and seed, one after another: a list of
    {"seed", "policy", "result"} in policy-major order."""
    import coconut_sim
    return [{"seed": seed, "policy": policy,
             "result": coconut_sim.run_scenario(scenario, seed=seed, policy=policy,
                                                until=until, determinism=determinism)}
            for policy in policies for seed in seeds]

def load_scenario_dict(d, name="<dict>", base_dir="."):
    """A scenario from Python data shaped as its YAML is (docs/scenarios.md), validated as a
    file would be: errors raise ScenarioError naming the field (JSON is YAML)."""
    import json
    import coconut_sim
    return coconut_sim.load_scenario_string(json.dumps(d), name, base_dir)

def _scenario_to_dict(self):
    """The scenario as Python data (its YAML, read back): edit it and load_scenario_dict()."""
    import yaml
    return yaml.safe_load(self.to_yaml())

def read_trace(path):
    """The trace at path (docs/traces.md) as dicts: its header first, then each record, read
    as it is iterated. It is not checked here: replay(path) does that."""
    import json
    with open(path) as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
)",
		 ns);
	for (const char *n : { "sweep", "read_trace", "load_scenario_dict" }) {
		ns[n].attr("__module__") = "coconut_sim";
		m.attr(n) = ns[n];
	}
	m.attr("Scenario").attr("to_dict") = ns["_scenario_to_dict"];
	m.def("histogram", &histogram_columns, py::arg("result"), py::arg("name"),
	      "A result's histogram (e.g. 'tenant.alice.cpu.slowdown', slowdowns in thousandths) "
	      "as {'lo', 'hi', 'count'}: each non-empty bucket's range and count, as numpy uint64 "
	      "arrays when numpy is importable, else lists. KeyError for a name the result lacks.");
	m.def("load_scenario", &scenario::load_scenario_file, py::arg("path"),
	      "Loads and validates a scenario file; raises ScenarioError naming file, line and "
	      "field.");
	m.def(
		"load_scenario_string",
		[](const std::string &yaml, const std::string &name, const std::string &base_dir) {
			return scenario::load_scenario_string(yaml, name, base_dir);
		},
		py::arg("yaml"), py::arg("name") = "<string>", py::arg("base_dir") = ".",
		"Loads a scenario from YAML text (`name` stands for the file in messages).");

	py::class_<PyAgent>(
		m, "Agent",
		"An agent of a simulation; each method is the syscall issued as it, now "
		"(traced). Errors raise KernelError subclasses with .errno.")
		.def_property_readonly("name", &PyAgent::name,
				       "Its name: 'tenant/group/i', a tenant's root 'tenant', or a "
				       "spawned agent's name.")
		.def_property_readonly("aid", &PyAgent::aid, "Its AID in the kernel.")
		.def("cap_grant", &PyAgent::cap_grant, py::arg("cap"), py::arg("to") = py::none(),
		     "agent_cap_grant: grants the canonical cap text to `to` (default: itself). "
		     "Needs a cap.grant covering it, within this agent's subtree and the target's "
		     "ceiling; CapabilityError, or PermissionDeniedError outside the subtree.")
		.def("cap_revoke", &PyAgent::cap_revoke, py::arg("cap"),
		     py::arg("target") = py::none(),
		     "agent_cap_revoke: takes the cap back from `target` (default: itself) and "
		     "cancels the in-flight work it authorised. PermissionDeniedError outside the "
		     "subtree, NotFoundError when the target does not hold it.")
		.def("cap_present", &PyAgent::cap_present, py::arg("kind"), py::arg("object"),
		     py::arg("of") = py::none(), "True when allowed; CapabilityError when denied.")
		.def("quota", &PyAgent::quota, py::arg("kind"), py::arg("budget"), py::arg("flags"),
		     py::arg("of") = py::none(), "(budget, used) as the kernel answers.")
		.def("memory_tier", &PyAgent::memory_tier, py::arg("tier"), py::arg("bytes"),
		     py::arg("of") = py::none(),
		     "agent_memory_tier: allocates `bytes` in tier 0 hbm, 1 ram or 2 ssd for `of` "
		     "(default: itself), charged to its budget; the address. QuotaError over "
		     "budget, CapabilityError without the tier's mem.tier cap.")
		.def("attest", &PyAgent::attest, py::arg("of") = py::none(),
		     "agent_attest: the attestation record of `of` (default: itself), CBOR bytes.")
		.def("audit_query", &PyAgent::audit_query, py::arg("type") = 0,
		     py::arg("about") = py::none(), py::arg("seq_from") = 0,
		     py::arg("max_events") = 0, py::arg("cap") = "",
		     "agent_audit_query: a chain segment (CBOR bytes) filtered by event type, the "
		     "agent named `about`, a sequence start and a cap text. Needs to be the agent, "
		     "an ancestor, or hold audit.query; CapabilityError otherwise.")
		.def("spawn", &PyAgent::spawn, py::arg("name"), py::arg("caps"),
		     py::arg("weight") = 1,
		     "A child agent in this agent's tenant (a signed manifest).")
		.def("agentfs", &PyAgent::agentfs, py::arg("file"),
		     "/agent/live/<aid>/<file>: status, caps, attestation, audit_tail, budget, "
		     "children.");

	py::class_<PySimulation>(
		m, "Simulation",
		"One run of a scenario: run(), or run_until()/step() with calls "
		"between. One Simulation at a time per process (close() or drop it "
		"before the next).")
		.def(py::init<const scenario::Scenario &, std::optional<u64>,
			      const std::optional<std::string> &, const py::object &,
			      const std::string &>(),
		     py::arg("scenario"), py::arg("seed") = py::none(),
		     py::arg("policy") = py::none(), py::arg("until") = py::none(),
		     py::arg("trace") = "",
		     "A simulation of `scenario`, with its seed and policy overridden when given, "
		     "ending at `until` (ns or '2s'; default the scenario's duration), writing "
		     "every "
		     "kernel call to the trace file `trace` when given. RuntimeError while another "
		     "Simulation is open.")
		.def_property_readonly("now_ns", &PySimulation::now_ns, "Simulated time now, ns.")
		.def_property_readonly("end_ns", &PySimulation::end_ns, "Where the run ends, ns.")
		.def_property_readonly("finished", &PySimulation::finished,
				       "True once run() or finish() has made the result.")
		.def_property_readonly("scenario_name", &PySimulation::scenario_name,
				       "The scenario's name.")
		.def("run", &PySimulation::run,
		     "Runs to the end; the result (docs/result.schema.json).")
		.def("run_until", &PySimulation::run_until, py::arg("t"),
		     "To t: nanoseconds or a duration text ('2s').")
		.def("step", &PySimulation::step, "The next instant; False at the end.")
		.def("finish", &PySimulation::finish, "Ends the run where time stands; the result.")
		.def("agent", &PySimulation::agent, py::arg("name"),
		     "The agent named 'tenant/group/i' (or a tenant's root 'tenant', or one "
		     "spawned "
		     "through the API), to act as. ValueError for a name the run does not have.")
		.def("audit", &PySimulation::audit,
		     "The audit chain now: sealed and pending events, the head, TPM anchors, and "
		     "whether chain, heads and anchors verify ('verified', 'error').")
		.def("audit_segment", &PySimulation::audit_segment, py::arg("seq_from") = 0,
		     py::arg("max_events") = 0,
		     "The exporter's CBOR segment of the sealed chain from `seq_from` (0: all).")
		.def("verify_segment", &PySimulation::verify_segment, py::arg("segment"),
		     "co_audit_verify over an exported segment, offline: 'ok', 'verdict', "
		     "'first_bad_index', 'events_checked', 'rooted'.")
		.def("close", &PySimulation::close,
		     "Ends the simulation and frees its SystemC context, so another may start.")
		.def(
			"__enter__", [](PySimulation &s) -> PySimulation & { return s; },
			"The simulation itself (a with block closes it at the end).")
		.def(
			"__exit__", [](PySimulation &s, py::args) { s.close(); }, "close().");
}
