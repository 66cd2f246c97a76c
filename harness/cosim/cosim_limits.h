// The limits of the co-simulation host (coconut-sim cosim, docs/cosim.md), in one place.
#ifndef COCONUT_HARNESS_COSIM_COSIM_LIMITS_H
#define COCONUT_HARNESS_COSIM_COSIM_LIMITS_H

#include <cstddef>

namespace coconut::cosim {

// Records sent ahead of the guest's answers: enough to keep the guest busy while answers
// travel back, few enough that a divergence stops the stream soon.
inline constexpr size_t kWindowRecords = 256;
// The longest line the guest may send (an answer, a kernel log line): longer is a protocol
// error, not a buffer that grows without bound.
inline constexpr size_t kAnswerBytesMax = 4096;
// Records shown before a divergence (as `coconut-sim replay` does).
inline constexpr size_t kContextRecords = 8;

// Defaults of the timeouts, in seconds; every one can be set on the command line.
// QEMU (TCG) boots Linux 6.12 in about 5 s on an idle machine; a loaded CI machine is slower.
inline constexpr unsigned kBootTimeoutDefaultS = 180;
// No answer for this long while records are outstanding: the guest hangs.
inline constexpr unsigned kReadTimeoutDefaultS = 60;
// QEMU connects to the socket as it starts.
inline constexpr unsigned kConnectTimeoutS = 30;
// After "done", the guest powers off.
inline constexpr unsigned kPowerOffTimeoutS = 30;
// A guest that closed the channel has this long to exit before it is killed.
inline constexpr unsigned kClosingGraceS = 2;
// How often a wait checks that QEMU is still running, in milliseconds.
inline constexpr unsigned kAlivePollMs = 50;

} // namespace coconut::cosim

#endif
