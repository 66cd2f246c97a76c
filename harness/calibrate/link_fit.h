// The PCIe link profile's numbers from the copy measurements (docs/calibrate.md):
//
//   busy(size) = copy_overhead + size / bandwidth
//
// fitted to the per-copy times of back-to-back pinned host-to-device copies, 4 KiB to 1 GiB
// (back to back, a copy engine's next copy starts when the last one frees it, so the time per
// copy is how long each keeps it busy). A lone copy waits for more than its busy time (the call,
// the doorbell, the completion reaching the host): latency = lone - busy(size), the part the
// link model pipelines (sim/devices/pcie_link.h: a transfer completes latency_ns after its last
// byte while the wire serves the next).
#ifndef COCONUT_HARNESS_CALIBRATE_LINK_FIT_H
#define COCONUT_HARNESS_CALIBRATE_LINK_FIT_H

#include "sample.h"
#include "spread.h"

namespace coconut::calibrate {

struct LinkFit {
	double bytes_per_s = 0;	      // the fitted slope, as a rate
	double copy_overhead_ns = 0;  // the fitted intercept
	double latency_ns = 0;	      // the lone copy's median less its busy time, at least 0
	bool latency_clamped = false; // the lone copy was no slower than its busy time
	double residual_max = 0;      // the fit's largest relative error over the sizes
	std::size_t sizes = 0;
	u64 bytes_min = 0, bytes_max = 0;
	RateSpread largest; // the largest copies alone: what "sustained" means in the profile
	Spread lone;
};

// Fits the pinned host-to-device copies of `s`; a sample they do not determine (fewer than
// three sizes, no positive fit, a lone copy of another kind) throws ScenarioError naming
// `path` and the field.
LinkFit fit_link(const Sample &s, const std::string &path);

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_LINK_FIT_H
