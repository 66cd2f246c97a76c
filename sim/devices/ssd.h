// An NVMe SSD (the ssd memory tier and file reads): one FIFO queue, latency + bytes / read
// bandwidth per job (stage Ssd). Not fair-shared: it is not a contended resource of the gates.
#ifndef COCONUT_SIM_DEVICES_SSD_H
#define COCONUT_SIM_DEVICES_SSD_H

#include "job.h"
#include "profile.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES // coconut_systemc defines it too
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

namespace coconut::devices {

class Ssd : public sc_core::sc_module {
public:
	Ssd(sc_core::sc_module_name name, const SsdProfile &profile);
	~Ssd() override;
	void submit(Job &job); // alone_ns = read_latency_ns + bytes / read_bytes_per_s
	u64 completed() const;

private:
	struct Impl;
	Impl *impl_;
};

} // namespace coconut::devices

#endif
