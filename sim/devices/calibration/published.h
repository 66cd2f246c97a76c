// The published measurements of published.yaml, and the fitted model's residuals on them: what
// the calibration test checks and `fit_published` prints (docs/devices.md's tables).
#ifndef COCONUT_SIM_DEVICES_CALIBRATION_PUBLISHED_H
#define COCONUT_SIM_DEVICES_CALIBRATION_PUBLISHED_H

#include "fit.h"
#include "profile.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coconut::devices::calibration {

// A whole iteration to check: a decode batch, a prefill chunk or a mean over a decode range.
struct IterationPoint {
	std::string gpu;
	std::string what;
	std::string source;
	std::string outlier; // why it is expected outside +-15 % (empty: it is not)
	double ms = 0;
	u64 batch = 0, context = 0;	// decode
	u64 prefill = 0;		// prefill chunk at offset 0
	u64 mean_from = 0, mean_to = 0; // decode_mean: contexts from..to (batch in `batch`)
};

// A published host-to-device bandwidth for copies of one size on one link profile.
struct CopyMeasurement {
	std::string profile; // the pcie profile it checks (and, with fit, sets)
	std::string what;
	std::string source;
	std::string outlier; // why it is expected outside +-15 % (empty: it is not)
	CopyPoint point;
};

struct Published {
	ModelShape model;
	std::map<std::string, std::vector<LinearPoint>> linear; // fitted, by profile name
	std::map<std::string, std::vector<LinearPoint>> curve;	// checked only
	std::map<std::string, std::vector<AttentionPoint>> attention;
	std::vector<IterationPoint> iterations;
	// pcie: the size curve the per-copy overhead (shared by every link) is fitted to, on
	// size_curve_profile, and the large copies each other profile's bandwidth is fitted to.
	std::string size_curve_profile;
	std::vector<CopyMeasurement> size_curve;
	std::vector<CopyMeasurement> copies;
};

// The fit of the pcie section: the shared overhead and each profile's bandwidth (outliers left
// out of both).
struct PcieFit {
	double overhead_ns = 0;
	std::map<std::string, double> bytes_per_s;
};
PcieFit fit_pcie(const Published &p);

// Reads published.yaml; a malformed file throws std::runtime_error naming the field.
Published load_published(const std::string &path);

struct Residual {
	std::string gpu;
	std::string what;
	double published_ms = 0;
	double model_ms = 0;
	std::string outlier;
	double error() const { return model_ms / published_ms - 1.0; }
};

// The model's time for each iteration point with the given profiles (BrokerCost, whole GPU).
std::vector<Residual> iteration_residuals(const Published &p, const ProfileLibrary &profiles);

// The shipped link model's bandwidth for each published copy (size curve and large copies):
// bytes / (copy_overhead + bytes / bytes_per_s), back-to-back copies (the pipelined latency
// does not slow a stream). In the Residual, "ms" fields hold GB/s.
std::vector<Residual> copy_residuals(const Published &p, const ProfileLibrary &profiles);

} // namespace coconut::devices::calibration

#endif
