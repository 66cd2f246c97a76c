// Co-simulation parity on coconut.ko (docs/cosim.md): boots the QEMU guest, streams a trace's
// records to the guest's replayer over the virtio-serial channel and compares every answer with
// the trace: each call's return (and inflight_begin's token), each checkpoint's audit head and
// chain length. The trace holds what the simulator's kernel returned, so equal answers mean the
// module and the simulator agree call by call.
#ifndef COCONUT_HARNESS_COSIM_COSIM_HOST_H
#define COCONUT_HARNESS_COSIM_COSIM_HOST_H

#include "cosim_limits.h"

#include <ostream>
#include <string>

namespace coconut::cosim {

struct GuestOptions {
	std::string qemu = "qemu-system-x86_64"; // a name looked up in $PATH, or a path
	std::string kernel;			 // the guest's vmlinuz
	std::string initrd;			 // scripts/initramfs.sh's initrd.gz
	std::string work_dir;			 // the socket and the logs go here
	// One vCPU: the replay is one thread (the records name their CPUs through DET_SET), and
	// multi-threaded TCG has shown a boot-time Oops (int3 in sched_clock_cpu while a static
	// key was being patched on the other vCPU) once in a few dozen boots.
	unsigned smp = 1;
	unsigned memory_mib = 512;
	unsigned boot_timeout_s = kBootTimeoutDefaultS;
	unsigned read_timeout_s = kReadTimeoutDefaultS;
	bool quiet = false; // no progress lines
};

// The exit codes of `coconut-sim cosim`.
enum CosimExit { kParity = 0, kDiverged = 1, kBadInput = 2, kMissing = 3 };

// Runs the trace in the guest. Prints progress and the verdict to out, errors to err; returns
// a CosimExit. A guest that dies, hangs or fails to unload cleanly is kDiverged, with the
// console's last lines (the whole console is work_dir/console.log).
int run_in_guest(const std::string &trace_file, const GuestOptions &o, std::ostream &out,
		 std::ostream &err);

} // namespace coconut::cosim

#endif
