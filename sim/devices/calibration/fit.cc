// See fit.h.
#include "fit.h"

#include <array>
#include <cmath>
#include <stdexcept>

namespace coconut::devices::calibration {

namespace {

// Solves the n x n system a * x = b (n <= 3) by Gaussian elimination with partial pivoting.
template <int N> void solve(double (&a)[N][N], double (&b)[N], double (&x)[N])
{
	for (int i = 0; i < N; i++) {
		int p = i;
		for (int k = i + 1; k < N; k++)
			if (std::fabs(a[k][i]) > std::fabs(a[p][i]))
				p = k;
		for (int j = 0; j < N; j++)
			std::swap(a[i][j], a[p][j]);
		std::swap(b[i], b[p]);
		if (std::fabs(a[i][i]) < 1e-300)
			throw std::invalid_argument(
				"calibration: the points do not determine the fit");
		for (int k = i + 1; k < N; k++) {
			const double f = a[k][i] / a[i][i];
			for (int j = i; j < N; j++)
				a[k][j] -= f * a[i][j];
			b[k] -= f * b[i];
		}
	}
	for (int i = N - 1; i >= 0; i--) {
		double s = b[i];
		for (int j = i + 1; j < N; j++)
			s -= a[i][j] * x[j];
		x[i] = s / a[i][i];
	}
}

// Least squares of sum(c_j * f_j) = y with each row weighted by 1 / y (relative error).
template <int N>
void least_squares(const std::vector<std::array<double, N + 1>> &rows, double (&x)[N])
{
	double a[N][N] = {}, b[N] = {};
	for (const auto &r : rows) {
		const double y = r[N];
		for (int i = 0; i < N; i++) {
			b[i] += r[i] / y;
			for (int j = 0; j < N; j++)
				a[i][j] += (r[i] / y) * (r[j] / y);
		}
	}
	solve<N>(a, b, x);
}

double weights_bytes(const ModelShape &m)
{
	return static_cast<double>(m.params) * m.bytes_per_param;
}

} // namespace

LinearFit fit_linear(const std::vector<LinearPoint> &points, const ModelShape &model)
{
	if (points.size() < 2)
		throw std::invalid_argument("calibration: a linear fit needs two points or more");
	std::vector<std::array<double, 3>> rows;
	for (const LinearPoint &p : points) {
		const double t = static_cast<double>(p.tokens);
		rows.push_back({ 1.0, t * t, p.ms * p.ms });
	}
	double x[2];
	least_squares<2>(rows, x);
	if (x[0] <= 0 || x[1] <= 0)
		throw std::invalid_argument("calibration: the linear points give no positive fit");
	LinearFit f;
	f.weights_ms = std::sqrt(x[0]);
	f.ms_per_token = std::sqrt(x[1]);
	f.weights_read_bytes_per_s =
		static_cast<u64>(std::llround(weights_bytes(model) / (f.weights_ms * 1e-3)));
	f.linear_flops_per_s = static_cast<u64>(
		std::llround(2.0 * static_cast<double>(model.params) / (f.ms_per_token * 1e-3)));
	return f;
}

double linear_ms(const LinearFit &fit, u64 tokens)
{
	const double c = fit.ms_per_token * static_cast<double>(tokens);
	return std::sqrt(fit.weights_ms * fit.weights_ms + c * c);
}

namespace {

// One layer's K and V bytes per context token, and the prefill FLOPs of one point.
double layer_kv_bytes(const ModelShape &m)
{
	return static_cast<double>(m.kv_bytes_per_token) / m.layers;
}
double prefill_flops(const ModelShape &m, const AttentionPoint &p)
{
	return 4.0 * m.hidden * static_cast<double>(p.chunk) *
	       static_cast<double>(p.offset + p.chunk);
}

} // namespace

AttentionFit fit_attention(const std::vector<AttentionPoint> &points, const ModelShape &model)
{
	if (points.size() < 3)
		throw std::invalid_argument(
			"calibration: an attention fit needs three points or more");
	std::vector<std::array<double, 4>> rows;
	for (const AttentionPoint &p : points) {
		// A prefill chunk reads its prefix's K and V too.
		const double kv =
			layer_kv_bytes(model) * static_cast<double>(p.kv_tokens + p.offset);
		rows.push_back({ 1.0, kv, prefill_flops(model, p), p.ms * 1e-3 });
	}
	double x[3];
	least_squares<3>(rows, x);
	if (x[0] < 0 || x[1] <= 0 || x[2] <= 0)
		throw std::invalid_argument(
			"calibration: the attention points give no positive fit");
	AttentionFit f;
	f.layer_overhead_ms = x[0] * 1e3;
	f.kv_read_bytes_per_s = static_cast<u64>(std::llround(1.0 / x[1]));
	f.attention_flops_per_s = static_cast<u64>(std::llround(1.0 / x[2]));
	return f;
}

double attention_ms(const AttentionFit &fit, const ModelShape &model, const AttentionPoint &p)
{
	const double kv = layer_kv_bytes(model) * static_cast<double>(p.kv_tokens + p.offset);
	return fit.layer_overhead_ms + kv / static_cast<double>(fit.kv_read_bytes_per_s) * 1e3 +
	       prefill_flops(model, p) / static_cast<double>(fit.attention_flops_per_s) * 1e3;
}

CopyFit fit_copy(const std::vector<CopyPoint> &points)
{
	if (points.size() < 2)
		throw std::invalid_argument("calibration: a copy fit needs two sizes or more");
	std::vector<std::array<double, 3>> rows;
	for (const CopyPoint &p : points) {
		if (p.bytes == 0 || !(p.bytes_per_s > 0))
			throw std::invalid_argument(
				"calibration: a copy point needs bytes > 0 and a rate > 0");
		const double b = static_cast<double>(p.bytes);
		rows.push_back({ 1.0, b, b / p.bytes_per_s * 1e9 });
	}
	double x[2];
	least_squares<2>(rows, x);
	if (x[0] < 0 || x[1] <= 0)
		throw std::invalid_argument("calibration: the copy points give no positive fit");
	return { x[0], 1e9 / x[1] };
}

double fit_copy_bandwidth(const std::vector<CopyPoint> &points, double overhead_ns)
{
	// Minimises sum((overhead + bytes * x) / t - 1)^2 over x = ns per byte: closed form.
	double num = 0, den = 0;
	for (const CopyPoint &p : points) {
		if (p.bytes == 0 || !(p.bytes_per_s > 0))
			throw std::invalid_argument(
				"calibration: a copy point needs bytes > 0 and a rate > 0");
		const double b = static_cast<double>(p.bytes), t = b / p.bytes_per_s * 1e9;
		num += (b / t) * (1 - overhead_ns / t);
		den += (b / t) * (b / t);
	}
	if (!(den > 0) || !(num > 0))
		throw std::invalid_argument(
			"calibration: the copy points give no positive bandwidth");
	return 1e9 / (num / den);
}

} // namespace coconut::devices::calibration
