// The text form of a trace that the QEMU guest reads (docs/cosim.md): coconut.ko's insmod
// parameters for a trace header, and one line per record, so the guest needs no JSON parser.
#ifndef COCONUT_HARNESS_COSIM_COSIM_LINES_H
#define COCONUT_HARNESS_COSIM_COSIM_LINES_H

#include "format.h"

#include <string>

namespace coconut::cosim {

// "det_clock=1 boot_id=... cpus=... ring_slots=... log_events=... anchor_every_events=...
// anchor_every_ns=... anchor_min_ns=... fail_burst=... fail_refill_ns=... tpm_nv_index=... tier_capacity_bytes=H,R,S [root_caps=a,b]
// [authorizers=k1,k2]". Throws trace::TraceError (field topology.seal_inline or
// topology.root_caps) for a header coconut.ko cannot be loaded with.
std::string guest_params_line(const trace::Header &h, const std::string &file);

// "CALL I T CPU RET ARG...": the arguments in the order of the format's table (kCalls), numbers
// in decimal, strings and hex fields as lowercase hex ("-" when empty); inflight_begin adds
// its token; a checkpoint is "checkpoint I T 0 0 HEAD SEALED FINAL". No newline.
std::string guest_record_line(const trace::Record &r);

} // namespace coconut::cosim

#endif
