// A PCIe link as TLM-2.0 (approximately timed, two phases): a DmaEngine (initiator, one per
// link on the host side) sends each transfer as a tlm_generic_payload with BEGIN_REQ on the
// forward path; the PcieLink (target) queues it in its fair-share scheduler (resource pcie,
// lanes keyed on AID) and moves it at the link's bandwidth, answering BEGIN_RESP on the
// backward path when the last byte plus the profile's latency has passed. Each copy first keeps
// the wire busy for the profile's copy_overhead_ns (set-up the copy engine does not overlap with
// data). The Job rides along in a payload extension.
//
// Arbitration is exact at arrivals and cheap in between (a fluid model of who holds the wire):
// a transfer the scheduler says is uncontended (co_sched_contended) is moved to its end in one
// turn; a contended one in turns of the profile's chunk_bytes, so a big transfer cannot hold a
// shared link. A transfer arriving while the wire is busy re-arbitrates at once when it would
// preempt the one on the wire (co_sched_wakeup_preempts: under fair, one with credit against
// one that used its share), or when the turn on the wire was an uncontended one that is now
// contended: the bytes moved so far are charged, the rest put back, and the policy picks again.
#ifndef COCONUT_SIM_DEVICES_PCIE_LINK_H
#define COCONUT_SIM_DEVICES_PCIE_LINK_H

#include "job.h"
#include "profile.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES // coconut_systemc defines it too
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace coconut::devices {

class PcieLink : public sc_core::sc_module {
public:
	tlm_utils::simple_target_socket<PcieLink> target;

	// sched: a CO_SCHED_RES_PCIE scheduler the caller owns.
	PcieLink(sc_core::sc_module_name name, const PcieProfile &profile, co_sched *sched);
	~PcieLink() override;

	// Fault: from now on the link runs at percent % of its nominal bandwidth (1..100); the
	// turn on the wire is cut now (what it moved is charged) and goes on at the new rate.
	void set_bandwidth_percent(u32 percent);
	u32 bandwidth_percent() const;
	// Service time of `bytes` on the idle nominal link: latency + (the copy's overhead +
	// bytes) / bandwidth, the overhead rounded up to whole bytes of wire time.
	u64 alone_ns(u64 bytes) const;

	u64 busy_ns() const;
	u64 bytes_moved() const;
	u64 completed() const;
	u32 queued() const;
	u64 turns() const;	 // turns on the wire (the events arbitration costs)
	u64 preemptions() const; // turns cut short by an arrival

private:
	// The socket's forward callback (simple_target_socket binds a member of the module).
	tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &trans, tlm::tlm_phase &phase,
					   sc_core::sc_time &delay);

	struct Impl;
	Impl *impl_;
};

class DmaEngine : public sc_core::sc_module {
public:
	tlm_utils::simple_initiator_socket<DmaEngine> initiator;

	explicit DmaEngine(sc_core::sc_module_name name);
	~DmaEngine() override;

	// Starts job (stage Pcie, bytes > 0) on the bound link now; alone_ns from the link.
	void submit(Job &job, const PcieLink &link);

private:
	// The socket's backward callback.
	tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &trans, tlm::tlm_phase &phase,
					   sc_core::sc_time &delay);

	struct Impl;
	Impl *impl_;
};

} // namespace coconut::devices

#endif
