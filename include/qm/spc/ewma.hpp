#pragma once
// qm/spc/ewma.hpp — EWMA (exponentially weighted moving average) chart for one series or for any
// number of series in long format, with the per-point update a live monitor reuses.
//
// Synopsis
//   enum class qm::spc::EwmaLimits  { time_varying, asymptotic, exact_variance }
//   struct qm::spc::EwmaOptions     { lambda = 0.2; limit_sigmas = 3; limits = time_varying;
//                                     fix_after = 0; sigma_method = automatic; }
//   struct qm::spc::EwmaParameters  { target; sigma; lambda; limit_sigmas; limits; }      resolved
//   struct qm::spc::EwmaState       { statistic; half_width; variance; count; steady; }
//   struct qm::spc::EwmaPoint       { statistic; lower; upper; flags; }
//   EwmaParameters qm::spc::ewma_parameters(const InControlEstimate&, const EwmaOptions&)
//   EwmaState      qm::spc::ewma_start(const EwmaParameters&)
//   EwmaPoint      qm::spc::ewma_update(EwmaState&, const EwmaParameters&, double x, double size = 1)
//   struct qm::spc::EwmaResult      plain columns: per point (statistic, centre, lower, upper, flags), per group
//   EwmaResult qm::spc::ewma(span<const double> values, const TimeWeightedSpec& = {}, const EwmaOptions& = {})
//   EwmaResult qm::spc::ewma_grouped(const TimeWeightedInput&, const EwmaOptions& = {}, unsigned threads = 0)
//   (TimeWeightedSpec, TimeWeightedInput, InControlEstimate, SigmaMethod, signal: qm/spc/cusum.hpp)
//
// Method (Montgomery, Introduction to Statistical Quality Control, §9.2; NIST/SEMATECH e-Handbook
// §6.3.2.4; qcc 3.0 R/ewma.R):
//   z_0 = μ0, z_i = λ x_i + (1 − λ) z_{i−1}; centre μ0; limits μ0 ± L σ_{z,i} with, for subgroups of
//   size n_i (n_i = 1 for individual values),
//     time_varying    σ²_{z,i} = σ²/n_i · λ/(2−λ) · (1 − (1−λ)^{2i})     (Montgomery eq. 9.25, qcc)
//     asymptotic      σ²_{z,i} = σ²/n_i · λ/(2−λ)                       (steady state; NIST 6.3.2.4)
//     exact_variance  σ²_{z,i} = (1−λ)² σ²_{z,i−1} + λ² σ²/n_i          (the exact variance of z_i when
//                                                                        sizes vary; equals time_varying
//                                                                        for a constant n)
//   time_varying and asymptotic use σ/√n_i of the current point only, as qcc computes per-point
//   limits for varying subgroup sizes. A point signals when z_i > upper (signal::upper) or
//   z_i < lower (signal::lower), strictly, as qcc (`y < lcl | y > ucl`).
//   What qcc::ewma() computes is reproduced operation for operation: lambda*x + (1-lambda)*z;
//   sigma2 = std.dev^2/sizes * ((lambda/(2-lambda)) * (1-(1-lambda)^(2*i))); limits
//   center ± nsigmas*sqrt(sigma2). Defaults λ = 0.2 and L = 3 are qcc's (lambda, nsigmas);
//   Montgomery's example uses λ = 0.1, L = 2.7; NIST's λ = 0.3, L = 3 with asymptotic limits.
//   In-control parameters (μ0, σ, baseline = first fix_after rows): as for the CUSUM chart.
//
// Conventions:
//   missing values (NaN): z carries over unchanged and i (the number of observations behind z)
//   does not advance; the row shows the carried z with the limits of the last observation (zero
//   width before the first one: z_0 = μ0 has no variance) and is never flagged. qcc propagates NA.
//   λ = 1 gives the Shewhart chart (z_i = x_i, limits μ0 ± L σ/√n_i).
//
// Thread safe: no shared mutable state. Errors: qm::invalid_argument naming the argument.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <qm/core/memory.hpp>
#include <qm/core/error.hpp>
#include <qm/spc/cusum.hpp>

namespace qm::spc {

enum class EwmaLimits : std::uint8_t {
    time_varying,    ///< exact limits for z_i, widening towards the asymptote (Montgomery, qcc)
    asymptotic,      ///< steady-state limits (NIST)
    exact_variance,  ///< recursive exact variance of z_i, for varying subgroup sizes
};

struct EwmaOptions {
    /// Weight of the newest point, 0 < λ <= 1 (qcc lambda = 0.2).
    double lambda = 0.2;
    /// Limits at L standard deviations of z (Montgomery's L, qcc's nsigmas = 3).
    double limit_sigmas = 3.0;
    EwmaLimits limits = EwmaLimits::time_varying;
    /// Estimate μ0 and σ from the first fix_after rows of each series (0: every row).
    std::size_t fix_after = 0;
    SigmaMethod sigma_method = SigmaMethod::automatic;

    /// Throws qm::invalid_argument naming the offending option.
    void validate() const {
        if (!(lambda > 0.0 && lambda <= 1.0))
            fail_argument("lambda", "must be in (0, 1], got " + std::to_string(lambda));
        if (!(limit_sigmas > 0.0) || !std::isfinite(limit_sigmas))
            fail_argument("limit_sigmas", "must be a positive finite number, got " + std::to_string(limit_sigmas));
        if (limits != EwmaLimits::time_varying && limits != EwmaLimits::asymptotic &&
            limits != EwmaLimits::exact_variance)
            fail_argument("limits", "unknown EWMA limits " + std::to_string(static_cast<int>(limits)));
    }
};

/// Everything ewma_update() needs, resolved for one series.
struct EwmaParameters {
    double target;       ///< μ0 (also z_0)
    double sigma;        ///< σ of one observation (> 0)
    double lambda = 0.2;
    double limit_sigmas = 3.0;
    EwmaLimits limits = EwmaLimits::time_varying;
};

/// The running state of one series.
struct EwmaState {
    double statistic;          ///< z_i
    double half_width = 0.0;   ///< L σ_{z,i} of the last observation (shown again on a missing row)
    double variance = 0.0;     ///< σ²_{z,i} (carried by exact_variance)
    std::uint64_t count = 0;   ///< i: observations behind z
    bool steady = false;       ///< time_varying: (1−λ)^{2i} no longer changes 1 − (1−λ)^{2i}
};

/// One evaluated point.
struct EwmaPoint {
    double statistic;    ///< z_i
    double lower;        ///< μ0 − L σ_{z,i}
    double upper;        ///< μ0 + L σ_{z,i}
    std::uint8_t flags;  ///< bits of qm::spc::signal
};

EwmaParameters ewma_parameters(const InControlEstimate& in_control, const EwmaOptions& options);

/// The state before the first point: z_0 = μ0, no variance.
constexpr EwmaState ewma_start(const EwmaParameters& p) noexcept { return {p.target, 0.0, 0.0, 0, false}; }

/// Evaluates point x (a value, or the mean of a subgroup of `size`) and advances the state. The
/// batch functions call exactly this, so a live monitor that pushes the same points with the same
/// parameters gets bit-identical statistics, limits and flags. NaN x: state unchanged, no flags.
EwmaPoint ewma_update(EwmaState& state, const EwmaParameters& p, double x, double size = 1.0) noexcept;

struct EwmaResult : TimeWeightedGroups {
    // ---- per point (size n)
    Column<double> statistic;    ///< z_i
    Column<double> centre;       ///< μ0 of the point's group
    Column<double> lower;        ///< lower limit
    Column<double> upper;        ///< upper limit
    Column<std::uint8_t> flags;  ///< bits of qm::spc::signal
    // ---- the options used
    double lambda = 0.2, limit_sigmas = 3.0;
    EwmaLimits limits = EwmaLimits::time_varying;

    std::size_t size() const noexcept { return flags.size(); }
};

EwmaResult ewma_grouped(const TimeWeightedInput& input, const EwmaOptions& options = {}, unsigned threads = 0);

/// One series: a grouped computation with a single group.
EwmaResult ewma(std::span<const double> values, const TimeWeightedSpec& spec = {}, const EwmaOptions& options = {});

// ============================================================================================
// Implementation
// ============================================================================================

inline EwmaParameters ewma_parameters(const InControlEstimate& in_control, const EwmaOptions& o) {
    o.validate();
    if (!std::isfinite(in_control.target)) fail_argument("target", "must be finite, got " + std::to_string(in_control.target));
    if (!(in_control.sigma > 0.0) || !std::isfinite(in_control.sigma))
        fail_argument("sigma", "must be positive, got " + std::to_string(in_control.sigma));
    return {in_control.target, in_control.sigma, o.lambda, o.limit_sigmas, o.limits};
}

namespace detail {

/// 1 − (1−λ)^{2i}, the time-varying variance factor of z_i, exactly as qcc evaluates it.
inline double ewma_time_factor(double lambda, std::uint64_t i) noexcept {
    return 1 - std::pow(1 - lambda, 2.0 * static_cast<double>(i));
}

/// ewma_update with the time factors of i = 1..factors.size() looked up instead of recomputed
/// (they depend on λ and i only; the batch functions compute them once per call, with
/// ewma_time_factor, so the results are the same bits).
inline EwmaPoint ewma_step(EwmaState& s, const EwmaParameters& p, double x, double size,
                           std::span<const double> factors, bool same_width_if_same_variance = false) noexcept {
    if (x != x) return {s.statistic, p.target - s.half_width, p.target + s.half_width, 0};
    ++s.count;
    const double variance_before = s.variance;
    // Operation for operation as qcc (ewmaSmooth, ewma): lambda * y + (1 - lambda) * z, and
    // std.dev^2/sizes * ((lambda/(2-lambda)) * (1-(1-lambda)^(2*i))). R evaluates ^ with pow(),
    // and x*x for the exponent 2, which pow() also returns exactly.
    s.statistic = p.lambda * x + (1 - p.lambda) * s.statistic;
    const double var_x = size == 1.0 ? p.sigma * p.sigma : p.sigma * p.sigma / size;  // x/1 is x exactly
    switch (p.limits) {
        case EwmaLimits::time_varying: {
            // Once (1−λ)^{2i} <= 2^−54, 1 − (1−λ)^{2i} rounds to exactly 1 and stays 1 for every later i
            // (consecutive values shrink by (1−λ)², far more than pow's error): pow is skipped from
            // then on without changing a bit.
            const double one_minus_w = s.steady                  ? 1.0
                                       : s.count <= factors.size() ? factors[s.count - 1]
                                                                   : ewma_time_factor(p.lambda, s.count);
            s.steady = one_minus_w == 1.0;
            s.variance = var_x * ((p.lambda / (2 - p.lambda)) * one_minus_w);
            break;
        }
        case EwmaLimits::asymptotic: s.variance = var_x * (p.lambda / (2 - p.lambda)); break;
        case EwmaLimits::exact_variance:
            s.variance = (1 - p.lambda) * (1 - p.lambda) * s.variance + p.lambda * p.lambda * var_x;
            break;
    }
    // The batch functions, which start from ewma_start() and keep half_width = L·sqrt(variance),
    // skip the square root when the variance has the same bits as before (the same result): the
    // time-varying limits reach their steady state within a few dozen points.
    if (!same_width_if_same_variance || s.count == 1 ||
        std::memcmp(&variance_before, &s.variance, sizeof(double)) != 0)
        s.half_width = p.limit_sigmas * std::sqrt(s.variance);
    EwmaPoint out{s.statistic, p.target - s.half_width, p.target + s.half_width, 0};
    out.flags = static_cast<std::uint8_t>((out.statistic > out.upper ? signal::upper : 0) |
                                          (out.statistic < out.lower ? signal::lower : 0));
    return out;
}

/// The time factors for i = 1, 2, ... up to `longest` or until they reach exactly 1.
inline std::vector<double> ewma_time_factors(double lambda, std::size_t longest) {
    std::vector<double> f;
    for (std::uint64_t i = 1; i <= longest; ++i) {
        f.push_back(ewma_time_factor(lambda, i));
        if (f.back() == 1.0) break;
    }
    return f;
}

}  // namespace detail

inline EwmaPoint ewma_update(EwmaState& s, const EwmaParameters& p, double x, double size) noexcept {
    return detail::ewma_step(s, p, x, size, {});
}

namespace detail {

inline EwmaResult ewma_run(const TimeWeightedInput& in, const EwmaOptions& o, unsigned threads,
                           const InControlNames& nm) {
    o.validate();
    validate_time_weighted(in, nm);
    const std::size_t n = in.values.size();
    EwmaResult r;
    for (auto* v : {&r.statistic, &r.centre, &r.lower, &r.upper}) qm::detail::size_column(*v, n);
    qm::detail::size_column(r.flags, n);
    r.lambda = o.lambda;
    r.limit_sigmas = o.limit_sigmas;
    r.limits = o.limits;
    const double* y = in.values.data();
    const double* sizes = in.sizes.empty() ? nullptr : in.sizes.data();
    // Column pointers as locals: the byte-sized flag stores could alias the vectors' own pointers.
    double *stat = r.statistic.data(), *centre = r.centre.data(), *lower = r.lower.data(), *upper = r.upper.data();
    std::uint8_t* flags = r.flags.data();
    // The time factors once for all groups (pow is the costliest step of a point), read-only.
    std::size_t longest = 0;
    for (std::size_t g = 0; g + 1 < in.offsets.size(); ++g) longest = std::max(longest, in.offsets[g + 1] - in.offsets[g]);
    const std::vector<double> factor_table =
        o.limits == EwmaLimits::time_varying ? ewma_time_factors(o.lambda, std::min<std::size_t>(longest, 1u << 20))
                                             : std::vector<double>{};
    const std::span<const double> factors = factor_table;
    // A tight loop around the step ewma_update takes (the function a live monitor calls); nothing
    // allocated per group.
    run_time_weighted(in, o.fix_after, o.sigma_method, threads, nm, r,
                      [=, &o](std::size_t b, std::size_t e, const InControlEstimate& est) noexcept {
                          const EwmaParameters p{est.target, est.sigma, o.lambda, o.limit_sigmas, o.limits};
                          EwmaState s = ewma_start(p);
                          // Locals: the closure's copies live in memory a flag store could alias.
                          double *z = stat, *c = centre, *lo = lower, *up = upper;
                          std::uint8_t* f = flags;
                          const double *x = y, *ns = sizes;
                          const std::span<const double> tf = factors;
                          std::size_t first = npos;
                          // Without subgroup sizes, the limits stop changing once the time factor is
                          // exactly 1 (time-varying) or after the first value (asymptotic): from then
                          // on only z moves, and the loop below does ewma_step's work for that case
                          // (the same operations on z, the same limits and flags, a missing value
                          // keeping z and flagging nothing).
                          const bool settles = !ns && p.limits != EwmaLimits::exact_variance;
                          std::size_t i = b;
                          for (; i < e; ++i) {
                              if (settles && s.count > 0 && (s.steady || p.limits == EwmaLimits::asymptotic)) break;
                              const EwmaPoint pt = ewma_step(s, p, x[i], ns ? ns[i] : 1.0, tf, true);
                              z[i] = pt.statistic;
                              c[i] = p.target;
                              lo[i] = pt.lower;
                              up[i] = pt.upper;
                              f[i] = pt.flags;
                              if (pt.flags != 0 && first == npos) first = i;
                          }
                          const std::size_t settled = i;
                          const double lower_limit = p.target - s.half_width, upper_limit = p.target + s.half_width;
                          const double lambda = p.lambda, keep = 1 - p.lambda, target = p.target;
                          double zi = s.statistic;
                          std::uint8_t any = 0;
                          for (; i < e; ++i) {
                              const double xi = x[i];
                              std::uint8_t fl = 0;
                              if (xi == xi) {
                                  zi = lambda * xi + keep * zi;
                                  fl = static_cast<std::uint8_t>((zi > upper_limit ? signal::upper : 0) |
                                                                 (zi < lower_limit ? signal::lower : 0));
                              }
                              z[i] = zi;
                              c[i] = target;
                              lo[i] = lower_limit;
                              up[i] = upper_limit;
                              f[i] = fl;
                              any |= fl;
                          }
                          if (any && first == npos)  // the first flagged point of the settled stretch
                              for (i = settled; i < e; ++i)
                                  if (f[i] != 0) return i;
                          return first;
                      });
    return r;
}

}  // namespace detail

inline EwmaResult ewma_grouped(const TimeWeightedInput& in, const EwmaOptions& o, unsigned threads) {
    return detail::ewma_run(in, o, threads, {"targets", "sigmas", true});
}

inline EwmaResult ewma(std::span<const double> values, const TimeWeightedSpec& spec, const EwmaOptions& options) {
    const std::size_t offsets[2] = {0, values.size()};
    const double target[1] = {spec.target}, sigma[1] = {spec.sigma};
    return detail::ewma_run({.values = values, .offsets = offsets, .sizes = spec.sizes,
                             .subgroup_sd = spec.subgroup_sd, .targets = target, .sigmas = sigma},
                            options, 1, {"target", "sigma", false});
}

}  // namespace qm::spc
