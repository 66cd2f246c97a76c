// See tpm.h. No process: a write's latency is the caller's to account for (nv_write_ns()).
#include "tpm.h"

#include <cerrno>

namespace coconut::devices {

Tpm::Tpm(sc_core::sc_module_name name, const TpmProfile &profile)
	: sc_module(name), profile_(profile)
{
}

int Tpm::nv_write(u32 index, const std::uint8_t *data, std::size_t len)
{
	if (len > 0 && !data) {
		failures_++;
		return -EINVAL;
	}
	if (fail_count_ > 0) { // an injected fault: the write does not happen
		fail_count_--;
		failures_++;
		return -EIO;
	}
	auto it = nv_.find(index);
	if (it == nv_.end()) {
		if (nv_.size() >= profile_.nv_indices) {
			failures_++;
			return -ENOSPC;
		}
		it = nv_.emplace(index, std::vector<std::uint8_t>()).first;
	}
	it->second.assign(data, data + len);
	writes_++;
	return 0;
}

std::vector<std::uint8_t> Tpm::nv_read(u32 index) const
{
	auto it = nv_.find(index);
	return it == nv_.end() ? std::vector<std::uint8_t>() : it->second;
}

} // namespace coconut::devices
