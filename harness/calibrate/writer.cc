// See writer.h. Only connects: read, fit, lay out, write.
#include "writer.h"

#include "gpu_fit.h"
#include "link_fit.h"
#include "profile_text.h"
#include "sample.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace coconut::calibrate {

namespace {

void write_file(const std::string &path, const std::string &text)
{
	const std::string tmp = path + ".tmp";
	{
		std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
		out << text;
		out.flush();
		if (!out)
			throw std::runtime_error(tmp + ": cannot write the profile");
	}
	std::error_code ec;
	std::filesystem::rename(tmp, path, ec);
	if (ec)
		throw std::runtime_error(path + ": cannot rename " + tmp +
					 " to it: " + ec.message());
}

void summarise(const ProfileDoc &doc, const std::string &name, std::vector<std::string> &out)
{
	out.push_back(name + " (" + doc.kind + "):");
	for (const ProfileEntry &e : doc.entries)
		out.push_back("  " + e.field + ": " + e.value);
}

} // namespace

WrittenProfiles write_profiles(const std::string &sample_path, const std::string &out_dir)
{
	const Sample s = read_sample(sample_path);
	const GpuFit gpu = fit_gpu(s, sample_path);
	const LinkFit link = fit_link(s, sample_path);
	const ProfileDoc gpu_doc = gpu_profile(s, gpu, sample_path);
	const ProfileDoc link_doc = link_profile(s, link, sample_path);

	WrittenProfiles w;
	const std::string slug = device_slug(s.device.name);
	w.gpu_name = slug + "-measured";
	w.pcie_name = slug + "-measured-pcie";
	w.gpu_path = out_dir + "/" + w.gpu_name + ".yaml";
	w.pcie_path = out_dir + "/" + w.pcie_name + ".yaml";
	// Both texts before either file, so a source too long for the loader writes neither.
	const std::string gpu_text = profile_yaml(gpu_doc);
	const std::string link_text = profile_yaml(link_doc);
	std::error_code ec;
	std::filesystem::create_directories(out_dir, ec);
	if (ec)
		throw std::runtime_error(out_dir +
					 ": cannot create the output directory: " + ec.message());
	write_file(w.gpu_path, gpu_text);
	write_file(w.pcie_path, link_text);
	summarise(gpu_doc, w.gpu_name, w.summary);
	summarise(link_doc, w.pcie_name, w.summary);
	return w;
}

} // namespace coconut::calibrate
