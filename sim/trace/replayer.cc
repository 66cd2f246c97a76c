// See replayer.h.
#include "replayer.h"

#include "reader.h"
#include "user_platform.h"

#include "coconut/audit.h"
#include "coconut/blake3.h"
#include "coconut/errno.h"
#include "coconut/kernel.h"
#include "coconut/lsm.h"
#include "coconut/resources.h"
#include "coconut/syscalls.h"

#include <cstring>
#include <deque>
#include <stdexcept>
#include <vector>

namespace coconut::trace {

struct Replayer::Impl {
	explicit Impl(u32 cpus) : plat(cpus) {}
	UserPlatform plat;
	u64 tpm_failures_injected = 0;
	std::vector<u8> out; // attest / audit_query output, reused
};

Replayer::Replayer(const Header &h) : impl_(std::make_unique<Impl>(h.cpus))
{
	UserPlatform &p = impl_->plat;
	p.set_boot_id(h.boot_id.data());
	p.set_now_ns(0);
	p.set_cpu(0);
	co_kernel_config cfg;
	co_kernel_config_default(&cfg, h.cpus);
	cfg.seal_inline = h.seal_inline;
	cfg.fail_burst = h.fail_burst;
	cfg.fail_refill_ns = h.fail_refill_ns;
	cfg.audit.ring_slots = h.ring_slots;
	cfg.audit.log_events = h.log_events;
	cfg.audit.anchor_every_events = h.anchor_every_events;
	cfg.audit.anchor_every_ns = h.anchor_every_ns;
	cfg.audit.anchor_min_ns = h.anchor_min_ns;
	cfg.audit.tpm_nv_index = h.tpm_nv_index;
	for (u32 t = 0; t < COCONUT_TIER_COUNT; t++)
		cfg.tier_capacity_bytes[t] = h.tier_capacity_bytes[t];
	std::string caps;
	for (size_t i = 0; i < h.root_caps.size(); i++)
		caps += (i ? "\n" : "") + h.root_caps[i];
	cfg.root_caps = caps.data();
	cfg.root_caps_len = caps.size();
	co_plat plat = p.plat();
	k_ = co_kernel_create(&plat, &cfg);
	if (!k_) {
		std::string why = "the kernel refuses this configuration";
		for (const auto &l : p.log_lines())
			why += ": " + l.text;
		throw std::invalid_argument(why);
	}
	for (const auto &pk : h.authorizers) {
		const int rc = co_kernel_add_authorizer(k_, pk.data());
		if (rc)
			throw std::invalid_argument("authorizer " + hex_of(pk.data(), pk.size()) +
						    " refused: " + std::to_string(rc));
	}
}

Replayer::~Replayer()
{
	if (k_)
		co_kernel_destroy(k_);
}

std::string Replayer::head_hex() const
{
	u8 head[COCONUT_DIGEST_SIZE];
	u64 n = 0;
	co_audit_head(co_kernel_audit_log(k_), head, &n);
	return hex_of(head, sizeof(head));
}

u64 Replayer::sealed() const
{
	u8 head[COCONUT_DIGEST_SIZE];
	u64 n = 0;
	co_audit_head(co_kernel_audit_log(k_), head, &n);
	return n;
}

std::string Replayer::agent_status(u64 aid)
{
	char buf[4096];
	const int n = co_agentfs_render(k_, aid, CO_AGENTFS_STATUS, buf, sizeof(buf));
	if (n < 0)
		return "(agent " + std::to_string(aid) + ": no status, " + std::to_string(n) +
		       ")\n";
	return std::string(buf, (size_t)n);
}

Replayer::Outcome Replayer::apply(const Record &r)
{
	UserPlatform &p = impl_->plat;
	Outcome o;
	if (r.call == Call::CHECKPOINT) {
		u8 head[COCONUT_DIGEST_SIZE];
		u64 n = 0;
		co_audit_head(co_kernel_audit_log(k_), head, &n);
		if (n != r.sealed || std::memcmp(head, r.head.data(), sizeof(head)) != 0) {
			o.match = false;
			o.expected = "head " + hex_of(r.head.data(), r.head.size()) + " after " +
				     std::to_string(r.sealed) + " events";
			o.actual = "head " + hex_of(head, sizeof(head)) + " after " +
				   std::to_string(n) + " events";
		}
		return o;
	}
	p.set_now_ns(r.t);
	p.set_cpu(r.cpu);
	const auto &a = r.num;
	s64 ret = 0;
	u64 token = 0;
	switch (r.call) {
	case Call::AGENT_SPAWN:
		ret = co_sys_agent_spawn(k_, a[0], reinterpret_cast<const u8 *>(r.str[1].data()),
					 r.str[1].size());
		break;
	case Call::AGENT_ATTEST:
		impl_->out.resize(a[2] ? a[2] : 1);
		ret = co_sys_agent_attest(k_, a[0], a[1], impl_->out.data(), a[2]);
		break;
	case Call::AGENT_QUOTA: {
		u64 out[2] = { 0, 0 };
		ret = co_sys_agent_quota(k_, a[0], a[1], (u32)a[2], a[3], (u32)a[4], out);
		break;
	}
	case Call::AGENT_CAP_GRANT:
		ret = co_sys_agent_cap_grant(k_, a[0], a[1], r.str[2].data(), r.str[2].size());
		break;
	case Call::AGENT_CAP_REVOKE:
		ret = co_sys_agent_cap_revoke(k_, a[0], a[1], r.str[2].data(), r.str[2].size());
		break;
	case Call::AGENT_CAP_PRESENT:
		ret = co_sys_agent_cap_present(k_, a[0], a[1], r.str[2].data(), r.str[2].size(),
					       r.str[3].data(), r.str[3].size());
		break;
	case Call::AGENT_AUDIT_QUERY: {
		coconut_audit_filter f;
		std::memset(&f, 0, sizeof(f));
		f.size = COCONUT_AUDIT_FILTER_SIZE_VER0;
		f.type = (u32)a[1];
		f.aid = a[2];
		f.time_from_ns = a[3];
		f.time_to_ns = a[4];
		f.seq_from = a[5];
		f.max_events = (u32)a[6];
		f.cap_len = (u16)r.str[7].size();
		std::memcpy(f.cap, r.str[7].data(), r.str[7].size());
		impl_->out.resize(a[8] ? a[8] : 1);
		ret = co_sys_agent_audit_query(k_, a[0], &f, impl_->out.data(), a[8]);
		break;
	}
	case Call::AGENT_MEMORY_TIER:
		ret = co_sys_agent_memory_tier(k_, a[0], a[1], (u32)a[2], a[3]);
		break;
	case Call::INFLIGHT_BEGIN: {
		int err = 0;
		co_agent *ag = co_agent_lookup(k_, a[0], &err);
		ret = ag ? co_inflight_begin(k_, ag, (u32)a[1], r.str[2].data(), r.str[2].size(),
					     &token)
			 : err;
		if (ret)
			token = 0;
		break;
	}
	case Call::INFLIGHT_COMPLETE:
		ret = co_inflight_complete(k_, a[0]);
		break;
	case Call::AGENT_QUARANTINE:
		ret = co_agent_quarantine(k_, a[0], a[1]);
		break;
	case Call::AGENT_RELEASE:
		ret = co_agent_release(k_, a[0], a[1]);
		break;
	case Call::AGENT_KILL:
		ret = co_agent_kill(k_, a[0], a[1]);
		break;
	case Call::AGENT_EXIT:
		ret = co_agent_exit(k_, a[0]);
		break;
	case Call::SEAL:
		ret = co_audit_seal(co_kernel_audit_log(k_), (u32)a[0]);
		break;
	case Call::SEALER_STALL:
		co_audit_set_stalled(co_kernel_audit_log(k_), a[0] != 0);
		break;
	case Call::TPM_FAIL: {
		// The simulator's TPM adds count to the failures still pending; UserPlatform
		// takes the new total.
		const u64 failed = p.nv_attempts() - p.nv_writes().size();
		impl_->tpm_failures_injected += a[0];
		const u64 pending = impl_->tpm_failures_injected - failed;
		p.fail_tpm_writes((u32)std::min<u64>(pending, UINT32_MAX), -EIO);
		break;
	}
	case Call::CHECKPOINT:
	case Call::Count:
		break;
	}
	if (ret != r.ret || token != r.token) {
		o.match = false;
		o.expected = "ret " + std::to_string(r.ret);
		o.actual = "ret " + std::to_string(ret);
		if (r.call == Call::INFLIGHT_BEGIN) {
			o.expected += " token " + std::to_string(r.token);
			o.actual += " token " + std::to_string(token);
		}
		return o;
	}
	if (r.has_out) {
		// Same length; the same bytes? (ret > 0 here: the reader accepts "out" only then.)
		u8 got[COCONUT_DIGEST_SIZE];
		co_blake3_hash(impl_->out.data(), (size_t)ret, got);
		if (std::memcmp(got, r.out.data(), sizeof(got)) != 0) {
			o.match = false;
			o.expected = "ret " + std::to_string(r.ret) + " out " +
				     hex_of(r.out.data(), r.out.size());
			o.actual =
				"ret " + std::to_string(ret) + " out " + hex_of(got, sizeof(got));
		}
	}
	return o;
}

// ---- The command's loop --------------------------------------------------------------------

int replay_stream(std::istream &in, const std::string &file, const ReplayOptions &opt,
		  std::ostream &out, std::ostream &err)
{
	TraceReader reader(in, file);
	std::unique_ptr<Replayer> rp;
	std::deque<std::string> context; // the last kContextRecords lines before the current one
	u64 records = 0, checkpoints = 0, last_t = 0;
	bool final_seen = false;
	try {
		Header h = reader.read_header();
		if (opt.log_events_max && h.log_events > opt.log_events_max)
			h.log_events = opt.log_events_max;
		try {
			rp = std::make_unique<Replayer>(h);
		} catch (const std::invalid_argument &e) {
			throw TraceError(file, 1, "topology", e.what());
		}
		Record r;
		while (reader.next(r)) {
			if (final_seen)
				throw TraceError(file, reader.line_no(), "i",
						 "a record after the final checkpoint");
			if (r.i != records) {
				out << "diverged at record " << records << " (line "
				    << reader.line_no() << "): expected record " << records
				    << ", the trace has record " << r.i
				    << " (a record is missing or out of order)\n";
				for (const std::string &l : context)
					out << "  before: " << l << "\n";
				return kDiverged;
			}
			if (r.t < last_t)
				throw TraceError(file, reader.line_no(), "t",
						 std::to_string(r.t) +
							 " is before the previous record's " +
							 std::to_string(last_t) +
							 " (time went back)");
			last_t = r.t;
			const Replayer::Outcome o = rp->apply(r);
			if (!o.match) {
				const CallSpec &cs = kCalls[(size_t)r.call];
				out << "diverged at record " << r.i << " (line " << reader.line_no()
				    << "): " << cs.name << "\n"
				    << "  expected: " << o.expected << "\n"
				    << "  actual:   " << o.actual << "\n"
				    << "  record:   " << reader.last_line() << "\n";
				for (const std::string &l : context)
					out << "  before:   " << l << "\n";
				u64 aid = r.aid;
				if (cs.nargs >= 2 && std::strcmp(cs.args[1].name, "aid") == 0)
					aid = r.num[1];
				else if (cs.nargs >= 1 && std::strcmp(cs.args[0].name, "aid") == 0)
					aid = r.num[0];
				if (aid) {
					out << "  agent " << aid << " now:\n";
					const std::string st = rp->agent_status(aid);
					size_t at = 0;
					while (at < st.size()) {
						size_t nl = st.find('\n', at);
						if (nl == std::string::npos)
							nl = st.size();
						out << "    " << st.substr(at, nl - at) << "\n";
						at = nl + 1;
					}
				}
				return kDiverged;
			}
			records++;
			if (r.call == Call::CHECKPOINT) {
				checkpoints++;
				final_seen = r.final;
			}
			context.push_back(reader.last_line());
			if (context.size() > kContextRecords)
				context.pop_front();
			if ((opt.until && r.i >= *opt.until) ||
			    (opt.records_max && records >= opt.records_max))
				break;
		}
		const bool stopped_early = (opt.until && records && records - 1 >= *opt.until) ||
					   (opt.records_max && records >= opt.records_max);
		if (!final_seen && !stopped_early)
			throw TraceError(
				file, reader.line_no() + 1, "checkpoint",
				"the trace ends without its final checkpoint (truncated?)");
	} catch (const TraceError &e) {
		err << e.what() << "\n";
		return kMalformed;
	}
	if (!opt.quiet)
		out << "reproduced " << records << " records, " << checkpoints
		    << " checkpoints, head " << rp->head_hex() << " (" << rp->sealed()
		    << " events)\n";
	return kReproduced;
}

} // namespace coconut::trace
