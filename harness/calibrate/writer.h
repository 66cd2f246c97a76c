// From a sample file to the two profiles the simulator reads (sim/devices/profile.h):
//   <OUTDIR>/<gpu>-measured.yaml       kind: gpu, the broker's coefficients fitted
//   <OUTDIR>/<gpu>-measured-pcie.yaml  kind: pcie, the link's bandwidth, overhead, latency
// where <gpu> is the device's name as a profile name ("nvidia-h100-80gb-hbm3"). No CUDA here:
// coconut-calibrate calls this after measuring, and coconut-calibrate-write and the tests on a
// recorded sample.
#ifndef COCONUT_HARNESS_CALIBRATE_WRITER_H
#define COCONUT_HARNESS_CALIBRATE_WRITER_H

#include <string>
#include <vector>

namespace coconut::calibrate {

struct WrittenProfiles {
	std::string gpu_name; // profile names: ProfileLibrary(out_dir).gpu(gpu_name)
	std::string pcie_name;
	std::string gpu_path;
	std::string pcie_path;
	std::vector<std::string> summary; // one line per profile field, for the terminal
};

// Reads the sample (a malformed one throws coconut::scenario::ScenarioError naming the file,
// line and field; one the fits cannot use, the file and field), creates out_dir if needed and
// writes both files (each through a temporary file and a rename, so a failed run leaves no
// half-written profile). I/O errors throw std::runtime_error naming the path.
WrittenProfiles write_profiles(const std::string &sample_path, const std::string &out_dir);

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_WRITER_H
