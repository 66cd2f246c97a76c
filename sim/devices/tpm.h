// A TPM 2.0 with NV indices: the audit sealer anchors the chain head here. A write takes the
// profile's nv_write_ns (the caller's process accounts for it: the sealer is busy that long);
// a fault makes the next N writes fail with -EIO. Every successful write is kept (index, data,
// time) for verify and for the fingerprint.
#ifndef COCONUT_SIM_DEVICES_TPM_H
#define COCONUT_SIM_DEVICES_TPM_H

#include "profile.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES // coconut_systemc defines it too
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <cstdint>
#include <map>
#include <vector>

namespace coconut::devices {

class Tpm : public sc_core::sc_module {
public:
	Tpm(sc_core::sc_module_name name, const TpmProfile &profile);

	// 0 or -EIO (injected failure) or -ENOSPC (more distinct indices than the profile has).
	int nv_write(u32 index, const std::uint8_t *data, std::size_t len);
	u64 nv_write_ns() const { return profile_.nv_write_ns; }
	void fail_next_writes(u32 count) { fail_count_ += count; }

	u64 writes() const { return writes_; }
	u64 failures() const { return failures_; }
	// The last data written to index (empty if never).
	std::vector<std::uint8_t> nv_read(u32 index) const;

private:
	TpmProfile profile_;
	u32 fail_count_ = 0;
	u64 writes_ = 0;
	u64 failures_ = 0;
	std::map<u32, std::vector<std::uint8_t>> nv_;
};

} // namespace coconut::devices

#endif
