// What the device says of itself: name, memory, SMs, compute capability, and the driver's and
// runtime's versions, for the sample's header and every profile source.
#include "cuda_util.h"
#include "measure.h"

#include "calibrate_limits.h"

#include <fstream>
#include <sstream>

namespace coconut::calibrate {

namespace {

// 13000 -> "13.0" (CUDA encodes versions as 1000 * major + 10 * minor).
std::string cuda_version_text(int v)
{
	return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

// The kernel module's version ("580.65.06") from the line
//   NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  <date>
// The runtime API has no call for it (cudaDriverGetVersion gives the CUDA version the driver
// supports), and NVML would be one more library to find.
std::string kernel_driver_version()
{
	std::ifstream in("/proc/driver/nvidia/version");
	std::string line;
	if (!in || !std::getline(in, line))
		return "unknown (no /proc/driver/nvidia/version)";
	const std::string marker = "Kernel Module";
	const auto at = line.find(marker);
	if (at == std::string::npos)
		return "unknown (/proc/driver/nvidia/version: no Kernel Module line)";
	std::istringstream rest(line.substr(at + marker.size()));
	std::string version;
	rest >> version;
	if (version.empty())
		return "unknown";
	return version.substr(0, limits::text_bytes_max);
}

} // namespace

DeviceInfo measure_device(int index)
{
	CO_CUDA(cudaSetDevice(index));
	cudaDeviceProp p{};
	CO_CUDA(cudaGetDeviceProperties(&p, index));
	int driver = 0, runtime = 0;
	CO_CUDA(cudaDriverGetVersion(&driver));
	CO_CUDA(cudaRuntimeGetVersion(&runtime));
	DeviceInfo d;
	d.name = std::string(p.name).substr(0, limits::text_bytes_max);
	d.driver = kernel_driver_version();
	d.driver_cuda = cuda_version_text(driver);
	d.cuda_runtime = cuda_version_text(runtime);
	d.compute_capability = std::to_string(p.major) + "." + std::to_string(p.minor);
	d.hbm_bytes = p.totalGlobalMem;
	d.sms = static_cast<u32>(p.multiProcessorCount);
	return d;
}

} // namespace coconut::calibrate
