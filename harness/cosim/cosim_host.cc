#include "cosim_host.h"

#include "cosim_lines.h"
#include "guest_channel.h"
#include "guest_process.h"
#include "reader.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <vector>

namespace coconut::cosim {

namespace {

using namespace coconut::trace;
using Ms = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char *kHello = "hello coconut-cosim 1 ";
// Lines of the guest's console shown when it fails.
constexpr size_t kConsoleTailLines = 30;
// Progress every this many records (a long trace runs for minutes under TCG).
constexpr u64 kProgressEveryRecords = 20000;

Ms seconds(unsigned s)
{
	return Ms(1000ull * s);
}

// "4.06 s" since start.
std::string elapsed(Clock::time_point start)
{
	const long long ms = std::chrono::duration_cast<Ms>(Clock::now() - start).count();
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%lld.%02lld s", ms / 1000, ms % 1000 / 10);
	return buf;
}

bool regular_file(const std::string &path)
{
	struct stat st {};
	return !path.empty() && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string console_tail(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::deque<std::string> lines;
	std::string l;
	while (std::getline(f, l)) {
		if (!l.empty() && l.back() == '\r')
			l.pop_back();
		lines.push_back(l);
		if (lines.size() > kConsoleTailLines)
			lines.pop_front();
	}
	std::string s;
	for (const std::string &x : lines)
		s += "  | " + x + "\n";
	return s;
}

bool starts_with(const std::string &s, const char *p)
{
	return s.rfind(p, 0) == 0;
}

// "r I RET TOKEN [OUT]" or "c I HEAD SEALED", the guest's answer to one record. OUT: the
// BLAKE3-256 of the bytes an attest or audit_query returned (64 hex digits; empty when none).
struct Answer {
	char kind = 0;
	u64 i = 0;
	s64 ret = 0;
	u64 token = 0;
	std::string out;
	std::string head;
	u64 sealed = 0;
};

bool parse_u64(const std::string &s, u64 &v)
{
	if (s.empty() || s[0] == '-')
		return false;
	char *end = nullptr;
	errno = 0;
	v = std::strtoull(s.c_str(), &end, 10);
	return !errno && *end == 0;
}

bool parse_answer(const std::string &line, Answer &a)
{
	std::istringstream in(line);
	std::string kind, i, x, y, extra;
	if (!(in >> kind >> i >> x >> y) || kind.size() != 1 || !parse_u64(i, a.i))
		return false;
	a.kind = kind[0];
	if (a.kind == 'c') {
		a.head = x;
		return !(in >> extra) && x.size() == 64 && parse_u64(y, a.sealed);
	}
	if (a.kind != 'r')
		return false;
	if (in >> a.out) {
		if (a.out.size() != 64 ||
		    a.out.find_first_not_of("0123456789abcdef") != std::string::npos ||
		    (in >> extra))
			return false;
	}
	char *end = nullptr;
	errno = 0;
	a.ret = std::strtoll(x.c_str(), &end, 10);
	return !x.empty() && !errno && *end == 0 && parse_u64(y, a.token);
}

// One record on its way: sent, its answer not yet read.
struct Pending {
	Record r;
	u64 line_no = 0;
	std::string json;
};

class Session {
public:
	Session(const std::string &file, TraceReader &reader, GuestChannel &ch, GuestProcess &qemu,
		const GuestOptions &o, std::ostream &out, std::ostream &err)
		: file_(file), reader_(reader), ch_(ch), qemu_(qemu), o_(o), out_(out), err_(err)
	{
	}

	// The whole exchange after the connection; a CosimExit.
	int run(const std::string &params);

private:
	std::string read()
	{
		return ch_.read_line(seconds(o_.read_timeout_s),
				     [this] { return qemu_.running(); });
	}
	void refill();
	void end_stream();
	// Compares an answer with the front record; false (report printed) on a divergence.
	bool check(const std::string &line);
	void report(const Pending &p, const std::string &expected, const std::string &actual);

	const std::string &file_;
	TraceReader &reader_;
	GuestChannel &ch_;
	GuestProcess &qemu_;
	const GuestOptions &o_;
	std::ostream &out_;
	std::ostream &err_;

	std::deque<Pending> pending_;
	std::deque<std::string> context_; // the last answered records' JSON lines
	bool ended_ = false;		  // "end" sent
	u64 sent_ = 0, records_ = 0, checkpoints_ = 0, sealed_ = 0;
	std::string head_;
};

void Session::end_stream()
{
	if (!ended_)
		ch_.send("end");
	ended_ = true;
}

void Session::refill()
{
	while (!ended_ && pending_.size() < kWindowRecords) {
		Pending p;
		if (!reader_.next(p.r)) {
			end_stream();
			return;
		}
		if (p.r.i != sent_)
			throw TraceError(file_, reader_.line_no(), "i",
					 "expected record " + std::to_string(sent_) + ", got " +
						 std::to_string(p.r.i));
		ch_.send(guest_record_line(p.r));
		p.line_no = reader_.line_no();
		p.json = reader_.last_line();
		pending_.push_back(std::move(p));
		sent_++;
	}
}

void Session::report(const Pending &p, const std::string &expected, const std::string &actual)
{
	out_ << "cosim: diverged at record " << p.r.i << " (" << file_ << ":" << p.line_no
	     << "): " << kCalls[(size_t)p.r.call].name << "\n"
	     << "  simulator:  " << expected << "\n"
	     << "  coconut.ko: " << actual << "\n"
	     << "  record:     " << p.json << "\n";
	for (const std::string &l : context_)
		out_ << "  before:     " << l << "\n";
}

bool Session::check(const std::string &line)
{
	Answer a;
	if (!parse_answer(line, a))
		throw ChannelError(ChannelError::Kind::Protocol,
				   "unexpected answer '" + line + "'");
	if (pending_.empty() || a.i != pending_.front().r.i)
		throw ChannelError(ChannelError::Kind::Protocol,
				   "answer for record " + std::to_string(a.i) + " out of turn ('" +
					   line + "')");
	const Pending &p = pending_.front();
	const Record &r = p.r;
	if (r.call == Call::CHECKPOINT) {
		const std::string want = hex_of(r.head.data(), r.head.size());
		if (a.kind != 'c' || a.head != want || a.sealed != r.sealed) {
			report(p, "head " + want + " after " + std::to_string(r.sealed) + " events",
			       a.kind == 'c' ? "head " + a.head + " after " +
						       std::to_string(a.sealed) + " events"
					     : "'" + line + "'");
			return false;
		}
		checkpoints_++;
		head_ = a.head;
		sealed_ = a.sealed;
	} else {
		const u64 want_token = r.call == Call::INFLIGHT_BEGIN ? r.token : 0;
		if (a.kind != 'r' || a.ret != r.ret || a.token != want_token) {
			report(p,
			       "ret " + std::to_string(r.ret) + " token " +
				       std::to_string(want_token),
			       a.kind == 'r' ? "ret " + std::to_string(a.ret) + " token " +
						       std::to_string(a.token)
					     : "'" + line + "'");
			return false;
		}
		// The same length; the same bytes? (Only traces that carry "out" can tell.)
		const std::string want_out = r.has_out ? hex_of(r.out.data(), r.out.size()) : "";
		if (r.has_out && a.out != want_out) {
			report(p, "ret " + std::to_string(r.ret) + " out " + want_out,
			       "ret " + std::to_string(a.ret) + " out " +
				       (a.out.empty() ? "(none)" : a.out));
			return false;
		}
	}
	records_++;
	context_.push_back(p.json);
	if (context_.size() > kContextRecords)
		context_.pop_front();
	pending_.pop_front();
	if (!o_.quiet && records_ % kProgressEveryRecords == 0)
		out_ << "cosim: " << records_ << " records in parity\n";
	return true;
}

int Session::run(const std::string &params)
{
	const Clock::time_point boot = Clock::now();
	const std::string hello =
		ch_.read_line(seconds(o_.boot_timeout_s), [this] { return qemu_.running(); });
	if (!starts_with(hello, kHello))
		throw ChannelError(ChannelError::Kind::Protocol,
				   "expected '" + std::string(kHello) + "RELEASE', got '" + hello +
					   "'");
	if (!o_.quiet)
		out_ << "cosim: guest up (Linux " << hello.substr(std::string(kHello).size())
		     << ") after " << elapsed(boot) << "\n";
	ch_.send("params " + params);
	const std::string loaded = read();
	if (loaded != "loaded") {
		err_ << "cosim: the guest could not load coconut.ko: " << loaded << "\n";
		return kDiverged;
	}
	const Clock::time_point start = Clock::now();
	refill();
	bool diverged = false;
	std::vector<std::string> logs;
	std::string done;
	while (done.empty()) {
		const std::string line = read();
		if (starts_with(line, "log ")) {
			logs.push_back(line.substr(4));
		} else if (starts_with(line, "done ")) {
			done = line.substr(5);
		} else if (starts_with(line, "error ")) {
			err_ << "cosim: the guest stopped: " << line.substr(6) << "\n";
			return kDiverged;
		} else if (!diverged) {
			if (check(line)) {
				refill();
			} else {
				diverged = true;
				end_stream(); // the guest answers what it has, unloads, checks its log
			}
		}
	}
	const std::string in_guest = elapsed(start);
	if (done != "PASS") {
		err_ << "cosim: the guest failed after the replay: " << done << "\n";
		for (const std::string &l : logs)
			err_ << "  log: " << l << "\n";
		return kDiverged;
	}
	if (diverged)
		return kDiverged;
	if (!pending_.empty())
		throw ChannelError(ChannelError::Kind::Protocol,
				   "the guest said done with " + std::to_string(pending_.size()) +
					   " records unanswered");
	out_ << "cosim: parity " << records_ << " records, " << checkpoints_
	     << " checkpoints, head " << head_ << " (" << sealed_ << " events); " << in_guest
	     << " in the guest, " << ch_.bytes_sent() / 1024 << " KiB sent\n";
	return kParity;
}

} // namespace

int run_in_guest(const std::string &trace_file, const GuestOptions &o, std::ostream &out,
		 std::ostream &err)
{
	std::ifstream in(trace_file, std::ios::binary);
	if (!in) {
		err << trace_file << ": cannot open the trace\n";
		return kBadInput;
	}
	TraceReader reader(in, trace_file);
	std::string params;
	try {
		params = guest_params_line(reader.read_header(), trace_file);
	} catch (const TraceError &e) {
		err << e.what() << "\n";
		return kBadInput;
	}
	const std::optional<std::string> qemu = find_program(o.qemu);
	if (!qemu) {
		err << "cosim: " << o.qemu
		    << " not found (scripts/setup.sh installs qemu-system-x86)\n";
		return kMissing;
	}
	for (const std::string *f : { &o.kernel, &o.initrd })
		if (!regular_file(*f)) {
			err << "cosim: the guest's " << (f == &o.kernel ? "kernel" : "initramfs")
			    << " '" << *f
			    << "' is missing (scripts/guest.sh fetches Debian's linux-image 6.12, "
			       "builds coconut.ko and the initramfs)\n";
			return kMissing;
		}
	const std::string sock = o.work_dir + "/cosim.sock";
	const std::string console = o.work_dir + "/console.log";
	std::unique_ptr<GuestChannel> ch;
	try {
		ch = std::make_unique<GuestChannel>(sock);
	} catch (const ChannelError &e) {
		err << "cosim: " << e.what() << "\n";
		return kBadInput;
	}
	const std::vector<std::string> argv = { *qemu,
						"-accel",
						"tcg",
						"-cpu",
						"max",
						"-smp",
						std::to_string(o.smp),
						"-m",
						std::to_string(o.memory_mib),
						"-display",
						"none",
						"-nodefaults",
						"-no-user-config",
						"-no-reboot",
						"-serial",
						"file:" + console,
						"-kernel",
						o.kernel,
						"-initrd",
						o.initrd,
						"-append",
						"console=ttyS0 panic=-1 quiet coconut.cosim=1",
						"-device",
						"virtio-serial-pci",
						"-chardev",
						"socket,id=cosim,path=" + sock,
						"-device",
						"virtserialport,chardev=cosim,name=coconut.cosim" };
	GuestProcess proc(argv, o.work_dir + "/qemu.log");
	int rc = kDiverged;
	std::string ended;
	try {
		ch->accept(seconds(kConnectTimeoutS), [&] { return proc.running(); });
		Session s(trace_file, reader, *ch, proc, o, out, err);
		rc = s.run(params);
		// The guest said "done" or "error": it powers off by itself.
		ended = proc.finish(seconds(kPowerOffTimeoutS));
	} catch (const ChannelError &e) {
		// A guest that closed the channel is on its way out; one that broke the protocol or
		// hangs is stopped now.
		const bool closing =
			e.kind == ChannelError::Kind::Closed || e.kind == ChannelError::Kind::Dead;
		ended = proc.finish(closing ? seconds(kClosingGraceS) : Ms(0));
		err << "cosim: " << e.what() << " (QEMU: " << ended << ")\n";
		rc = kDiverged;
	} catch (const TraceError &e) {
		ended = proc.finish(Ms(0));
		err << e.what() << "\n";
		rc = kBadInput;
	}
	if (rc != kParity) {
		err << "cosim: QEMU " << ended << "; the guest's console (" << console << "):\n"
		    << console_tail(console);
		std::ifstream ql(o.work_dir + "/qemu.log");
		std::string l;
		while (std::getline(ql, l))
			err << "  qemu: " << l << "\n";
	}
	return rc;
}

} // namespace coconut::cosim
