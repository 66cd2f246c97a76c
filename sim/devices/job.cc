// See job.h.
#include "job.h"

namespace coconut::devices {

const char *stage_name(Stage s)
{
	switch (s) {
	case Stage::Cpu:
		return "cpu";
	case Stage::Pcie:
		return "pcie";
	case Stage::GpuCompute:
		return "gpu";
	case Stage::Inference:
		return "inference";
	case Stage::Ssd:
		return "ssd";
	}
	return "unknown";
}

} // namespace coconut::devices
