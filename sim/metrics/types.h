// Fixed-width integer names used across coconut::metrics (the same spellings as the kernel's
// and the scenario model's, so values pass between them without casts).
#ifndef COCONUT_SIM_METRICS_TYPES_H
#define COCONUT_SIM_METRICS_TYPES_H

#include <cstdint>

namespace coconut::metrics {

using u8 = std::uint8_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using s64 = std::int64_t;
using u128 = unsigned __int128;

} // namespace coconut::metrics

#endif
