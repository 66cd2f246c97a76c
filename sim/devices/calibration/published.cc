// See published.h.
#include "published.h"

#include "broker_cost.h"

#include <yaml-cpp/yaml.h>

#include <stdexcept>

namespace coconut::devices::calibration {

namespace {

[[noreturn]] void bad(const std::string &path, const std::string &field, const std::string &why)
{
	throw std::runtime_error(path + ": " + field + ": " + why);
}

YAML::Node need(const YAML::Node &n, const std::string &key, const std::string &path,
		const std::string &field)
{
	const YAML::Node v = n[key];
	if (!v)
		bad(path, field + "." + key, "missing");
	return v;
}

std::vector<LinearPoint> linear_points(const YAML::Node &list)
{
	std::vector<LinearPoint> out;
	for (const YAML::Node &e : list)
		out.push_back({ e[0].as<u64>(), e[1].as<double>() });
	return out;
}

} // namespace

Published load_published(const std::string &path)
{
	Published p;
	try {
		const YAML::Node root = YAML::LoadFile(path);
		const YAML::Node m = need(root, "model", path, "");
		p.model.params = m["params"].as<u64>();
		p.model.bytes_per_param = m["bytes_per_param"].as<u32>();
		p.model.layers = m["layers"].as<u32>();
		p.model.hidden = m["hidden"].as<u32>();
		p.model.kv_bytes_per_token = m["kv_bytes_per_token"].as<u64>();
		for (const auto &g : need(root, "linear", path, "")) {
			const std::string gpu = g.first.as<std::string>();
			p.linear[gpu] =
				linear_points(need(g.second, "points", path, "linear." + gpu));
			if (g.second["curve"])
				p.curve[gpu] = linear_points(g.second["curve"]);
		}
		for (const auto &g : need(root, "attention", path, "")) {
			const std::string gpu = g.first.as<std::string>();
			for (const YAML::Node &e : g.second["decode"])
				p.attention[gpu].push_back({ e[0].as<u64>() * e[1].as<u64>(), 0, 0,
							     e[2].as<double>() });
			for (const YAML::Node &e : g.second["prefill"])
				p.attention[gpu].push_back(
					{ 0, e[0].as<u64>(), e[1].as<u64>(), e[2].as<double>() });
		}
		for (const YAML::Node &e : need(root, "iterations", path, "")) {
			IterationPoint it;
			it.gpu = e["gpu"].as<std::string>();
			it.what = e["what"].as<std::string>();
			it.source = e["source"].as<std::string>();
			it.ms = e["ms"].as<double>();
			if (e["outlier"])
				it.outlier = e["outlier"].as<std::string>();
			if (e["decode"]) {
				it.batch = e["decode"][0].as<u64>();
				it.context = e["decode"][1].as<u64>();
			} else if (e["prefill"]) {
				it.prefill = e["prefill"].as<u64>();
			} else if (e["decode_mean"]) {
				it.batch = e["decode_mean"][0].as<u64>();
				it.mean_from = e["decode_mean"][1].as<u64>();
				it.mean_to = e["decode_mean"][2].as<u64>();
			} else {
				bad(path, "iterations." + it.what,
				    "needs decode, prefill or decode_mean");
			}
			p.iterations.push_back(it);
		}
		if (const YAML::Node pc = root["pcie"]) {
			const YAML::Node sc = need(pc, "size_curve", path, "pcie");
			p.size_curve_profile =
				need(sc, "profile", path, "pcie.size_curve").as<std::string>();
			const std::string source =
				need(sc, "source", path, "pcie.size_curve").as<std::string>();
			for (const YAML::Node &e : need(sc, "points", path, "pcie.size_curve"))
				p.size_curve.push_back(
					{ p.size_curve_profile,
					  std::to_string(e[0].as<u64>()) + " B",
					  source,
					  "",
					  { e[0].as<u64>(), e[1].as<double>() * 1e9 } });
			for (const YAML::Node &e : need(pc, "copies", path, "pcie")) {
				CopyMeasurement c;
				c.profile = e["profile"].as<std::string>();
				c.what = e["what"].as<std::string>();
				c.source = e["source"].as<std::string>();
				if (e["outlier"])
					c.outlier = e["outlier"].as<std::string>();
				c.point = { e["bytes"].as<u64>(),
					    e["gb_per_s"].as<double>() * 1e9 };
				p.copies.push_back(c);
			}
			if (p.size_curve.size() < 2)
				bad(path, "pcie.size_curve.points", "needs two sizes or more");
		}
	} catch (const YAML::Exception &e) {
		bad(path, "(yaml)", e.what());
	}
	return p;
}

PcieFit fit_pcie(const Published &p)
{
	std::vector<CopyPoint> curve;
	for (const CopyMeasurement &c : p.size_curve)
		curve.push_back(c.point);
	const CopyFit f = fit_copy(curve);
	PcieFit out;
	out.overhead_ns = f.overhead_ns;
	out.bytes_per_s[p.size_curve_profile] = f.bytes_per_s;
	std::map<std::string, std::vector<CopyPoint>> by_profile;
	for (const CopyMeasurement &c : p.copies)
		if (c.outlier.empty())
			by_profile[c.profile].push_back(c.point);
	for (const auto &[profile, pts] : by_profile)
		if (profile != p.size_curve_profile)
			out.bytes_per_s[profile] = fit_copy_bandwidth(pts, f.overhead_ns);
	return out;
}

std::vector<Residual> copy_residuals(const Published &p, const ProfileLibrary &profiles)
{
	std::vector<Residual> out;
	std::vector<CopyMeasurement> all = p.size_curve;
	all.insert(all.end(), p.copies.begin(), p.copies.end());
	for (const CopyMeasurement &c : all) {
		const PcieProfile link = profiles.pcie(c.profile);
		const double b = static_cast<double>(c.point.bytes);
		const double ns = static_cast<double>(link.copy_overhead_ns) +
				  b * 1e9 / static_cast<double>(link.bytes_per_s);
		out.push_back({ c.profile, c.what, c.point.bytes_per_s / 1e9, b / ns, c.outlier });
	}
	return out;
}

std::vector<Residual> iteration_residuals(const Published &p, const ProfileLibrary &profiles)
{
	std::vector<Residual> out;
	for (const IterationPoint &it : p.iterations) {
		const BrokerCost cost(profiles.gpu(it.gpu), p.model, 1, 1, 8192);
		double ns = 0;
		if (it.prefill) {
			BatchShape b;
			b.add_prefill(it.prefill, 0);
			ns = static_cast<double>(cost.iteration_ns(b));
		} else if (it.mean_to) {
			double sum = 0;
			for (u64 ctx = it.mean_from; ctx < it.mean_to; ctx++) {
				BatchShape b;
				for (u64 i = 0; i < it.batch; i++)
					b.add_decode(ctx);
				sum += static_cast<double>(cost.iteration_ns(b));
			}
			ns = sum / static_cast<double>(it.mean_to - it.mean_from);
		} else {
			BatchShape b;
			for (u64 i = 0; i < it.batch; i++)
				b.add_decode(it.context);
			ns = static_cast<double>(cost.iteration_ns(b));
		}
		out.push_back({ it.gpu, it.what, it.ms, ns / 1e6, it.outlier });
	}
	return out;
}

} // namespace coconut::devices::calibration
