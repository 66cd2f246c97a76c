// Profile YAML as sim/devices/profile.cc reads it: `kind`, `description`, and per field
// `{ value, source }` with the value in the unit the field's name ends in (bytes_per_s: a
// bandwidth such as 2.36476TB/s, flops_per_s: 676.441T, _ns: 13.122us, _bytes: a size).
// Values are written so that the loader's exact decimal parse gives the integer meant: whole
// bytes, whole ns. Comment lines carry what the loader does not read (the device, driver, CUDA
// version and date at the top; the measured curves at the end).
#ifndef COCONUT_HARNESS_CALIBRATE_PROFILE_TEXT_H
#define COCONUT_HARNESS_CALIBRATE_PROFILE_TEXT_H

#include "gpu_fit.h"
#include "link_fit.h"
#include "sample.h"

#include <string>
#include <vector>

namespace coconut::calibrate {

struct ProfileEntry {
	std::string field;
	std::string value;
	std::string source;
};

struct ProfileDoc {
	std::vector<std::string> header; // comment lines before `kind`, without the "# "
	std::string kind;
	std::string description;
	std::vector<ProfileEntry> entries;
	std::vector<std::string> trailer; // comment lines after the fields
};

// The file's text; a source longer than the loader takes throws std::length_error.
std::string profile_yaml(const ProfileDoc &doc);

// Values in the loader's units.
std::string bandwidth_value(double bytes_per_s); // "3.01234TB/s", "56.123GB/s"
std::string flops_value(double flops_per_s);	 // "712.345T"
std::string duration_value(double ns);		 // "850ns", "13.122us"

// Numbers for people, in source texts and comments.
std::string gb_per_s(double bytes_per_s); // "56.12 GB/s"
std::string tb_per_s(double bytes_per_s); // "3.012 TB/s"
std::string tflops(double flops_per_s);	  // "712.3 TFLOP/s"
std::string micros(double ns);		  // "2.51 us"
std::string millis(double ns);		  // "5.637 ms"
std::string gigabytes(double bytes);	  // "13.48 GB"
std::string size_text(u64 bytes);	  // "4 KiB", "1 GiB", "3000 B"
std::string percent(double fraction);	  // "2.4 %"

// "measured by harness/calibrate on <device>, driver X, CUDA Y, <date>"
std::string measured_by(const DeviceInfo &d);
// The comment lines every profile of a run opens with.
std::vector<std::string> device_header(const DeviceInfo &d, const std::string &sample_path);
// The device's name as a profile name: lower case, runs of anything else to one '-'
// ("NVIDIA H100 80GB HBM3" -> "nvidia-h100-80gb-hbm3"), short enough for the suffixes.
std::string device_slug(const std::string &name);

// The two documents of a run (gpu_profile.cc, link_profile.cc).
ProfileDoc gpu_profile(const Sample &s, const GpuFit &f, const std::string &sample_path);
ProfileDoc link_profile(const Sample &s, const LinkFit &f, const std::string &sample_path);

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_PROFILE_TEXT_H
