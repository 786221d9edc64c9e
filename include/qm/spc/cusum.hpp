#pragma once
// qm/spc/cusum.hpp — tabular (decision-interval) CUSUM chart for one series or for any number of
// series in long format, with the per-point update a live monitor reuses; and the in-control
// parameters (target μ0 and σ, given or estimated from a baseline) that the CUSUM and EWMA charts
// (qm/spc/ewma.hpp) share.
//
// Synopsis
//   namespace qm::spc::signal { upper = 1, lower = 2 }            flag bits of the time-weighted charts
//   enum class qm::spc::SigmaMethod { automatic, moving_range, pooled_sd, mean_sd }
//   struct qm::spc::TimeWeightedSpec   { target; sigma; sizes; subgroup_sd; }          one series
//   struct qm::spc::TimeWeightedInput  { values; offsets; sizes; subgroup_sd; targets; sigmas; }   long format
//   struct qm::spc::InControlEstimate  { target; sigma; n_baseline; target_estimated; sigma_estimated; }
//   InControlEstimate qm::spc::estimate_in_control(span<const double> baseline, const TimeWeightedSpec& = {},
//                                                  SigmaMethod = SigmaMethod::automatic)
//
//   struct qm::spc::CusumOptions     { k = 0.5; h = 5; fast_initial_response = false; head_start = 0;
//                                      reset_after_signal = false; fix_after = 0; sigma_method = automatic; }
//   struct qm::spc::CusumParameters  { target; sigma; k; h; head_start; reset_after_signal; }   resolved
//   struct qm::spc::CusumState       { upper; lower; upper_run; lower_run; }                   standardised
//   struct qm::spc::CusumPoint       { upper; lower; standard_error; upper_run; lower_run; flags; }
//   CusumParameters qm::spc::cusum_parameters(const InControlEstimate&, const CusumOptions&)
//   CusumState      qm::spc::cusum_start(const CusumParameters&)
//   CusumPoint      qm::spc::cusum_update(CusumState&, const CusumParameters&, double x, double size = 1)
//   struct qm::spc::CusumResult      plain columns: per point, per group (below)
//   CusumResult qm::spc::cusum(span<const double> values, const TimeWeightedSpec& = {}, const CusumOptions& = {})
//   CusumResult qm::spc::cusum_grouped(const TimeWeightedInput&, const CusumOptions& = {}, unsigned threads = 0)
//   double      qm::spc::cusum_shifted_mean(const CusumResult&, std::size_t group, std::size_t row)
//
// Method (Montgomery, Introduction to Statistical Quality Control, §9.1.2; qcc 3.0 R/cusum.R):
//   Each point is standardised, z_i = (x_i − μ0) / σ_i with σ_i = σ / √n_i (n_i = 1 for individual
//   values), and two one-sided sums are accumulated in σ_i units:
//     C+_i = max(0, C+_{i−1} + (z_i − k)),   C−_i = max(0, C−_{i−1} − (z_i + k)),   C±_0 = head start.
//   For individual values (or a constant n) this is Montgomery's tabular CUSUM
//   C+_i = max(0, x_i − (μ0 + K) + C+_{i−1}) with K = kσ_i, H = hσ_i, divided by σ_i. A point signals
//   when C+_i > h (flag signal::upper) or C−_i > h (signal::lower): strictly greater, as Montgomery
//   ("exceeds H") and qcc (`cusum.pos > udb`, `cusum.neg < ldb`). The data-unit columns are the
//   standardised sums times σ_i (exactly Montgomery's columns when n is constant); with varying
//   subgroup sizes only the standardised sums are cumulative sums, the data-unit ones are for display.
//   N+ / N− (upper_run / lower_run) count the consecutive points the sum has been above zero, so the
//   shift began after point i − N+_i and its size is estimated as μ0 + K + C+_i / N+_i (Montgomery
//   eq. 9.3; cusum_shifted_mean).
//   What qcc::cusum() computes is reproduced exactly, operation for operation: qcc's se.shift = 2k,
//   decision.interval = h, head.start = head_start; z = (stat − center)/(std.dev/√sizes), pos and neg
//   as above, strict comparisons. qcc has no reset and propagates NA; see the conventions below.
//   Defaults: k = 0.5, h = 5 (qcc's decision.interval = 5; Montgomery recommends h = 4 or h = 5 with
//   k = 0.5, both common — h = 4 gives a shorter in-control run length, ARL0 ≈ 168 against ≈ 465).
//   Fast initial response (Lucas & Crosier 1982): both sums start at the head start h/2.
//   After a signal the sums go on accumulating (the tabular chart as tabulated by Montgomery); with
//   reset_after_signal both sums and both run counters restart from the head start after each
//   signalling point (the point that signals keeps its values).
//
// In-control parameters (shared with qm/spc/ewma.hpp), per series:
//   the baseline is the first fix_after rows (every row when fix_after = 0, or when the series is
//   shorter). μ0 = mean of the non-missing baseline values (accurately summed), weighted by the
//   subgroup sizes when sizes are given (qcc stats.xbar: Σ n_i x̄_i / Σ n_i). σ (of one observation):
//     moving_range  mean |x_i − x_{i−1}| / 1.128 over consecutive non-missing baseline values
//                   (qcc sd.xbar.one "MR"; a pair touching a missing value is skipped), individuals only
//     pooled_sd     √(Σ(n_i−1)s_i² / Σ(n_i−1)) / c4(Σ(n_i−1)+1) over subgroups with n_i ≥ 2 (qcc "RMSDF")
//     mean_sd       mean of s_i / c4(n_i) over subgroups with n_i ≥ 2 (qcc "UWAVE-SD")
//     automatic     moving_range when every size is 1 (or no sizes), pooled_sd otherwise
//   For individual values both means come from the XmR chart's one pass over the baseline
//   (qm/spc/detail/xmr_limits.hpp), so μ0 is the XmR centre line and σ its unscreened mean moving
//   range / 1.128, bit for bit; the same pass checks the values.
//   c4(n) = √(2/(n−1)) Γ(n/2)/Γ((n−1)/2) from Boost.Math. qcc's default for subgroups, UWAVE-R (mean
//   of R_i/d2(n_i) with a 3-decimal d2 table), needs the ranges and is not offered: give sigma.
//   A given target or sigma is used as is; the other is estimated.
//
// Conventions (stated because tools differ):
//   missing values (NaN): the sums and run counters carry over unchanged, the row is never flagged,
//   and its columns repeat the carried sums (qcc propagates NA to every later point instead).
//   Sizes of a missing row are ignored (may be NaN or 0).
//
// Thread safe: no shared mutable state. Errors: qm::invalid_argument naming the argument.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>

#include <qm/core/memory.hpp>
#include <qm/core/error.hpp>
#include <qm/core/groups.hpp>
#include <qm/core/parallel.hpp>
#include <qm/spc/detail/xmr_limits.hpp>
#include <qm/stats/detail/lanes.hpp>
#include <qm/stats/sum.hpp>

namespace qm::spc {

// ============================================================================================
// In-control parameters (shared by the CUSUM and EWMA charts)
// ============================================================================================

/// Flag bits of the time-weighted charts (CUSUM, EWMA), per point.
namespace signal {
inline constexpr std::uint8_t upper = 1;  ///< CUSUM: C+ > h;  EWMA: statistic > upper limit
inline constexpr std::uint8_t lower = 2;  ///< CUSUM: C− > h;  EWMA: statistic < lower limit
}  // namespace signal

/// How σ (the standard deviation of one observation) is estimated from the baseline.
enum class SigmaMethod : std::uint8_t {
    automatic,     ///< moving_range for individual values, pooled_sd for subgroups
    moving_range,  ///< mean moving range / 1.128 (individual values only)
    pooled_sd,     ///< pooled within-subgroup SD / c4 (qcc "RMSDF"); needs subgroup_sd
    mean_sd,       ///< mean of s_i / c4(n_i) (qcc "UWAVE-SD"); needs subgroup_sd
};

/// One series: known in-control parameters and the optional subgroup columns (aligned with values).
struct TimeWeightedSpec {
    double target = std::numeric_limits<double>::quiet_NaN();  ///< μ0; NaN: mean of the baseline
    double sigma = std::numeric_limits<double>::quiet_NaN();   ///< σ of one observation; NaN: estimated
    std::span<const double> sizes = {};        ///< subgroup size n_i per point (empty: all 1)
    std::span<const double> subgroup_sd = {};  ///< within-subgroup SD s_i per point (pooled_sd, mean_sd)
};

/// Many series in long format: rows of group g are values[offsets[g] .. offsets[g+1]).
struct TimeWeightedInput {
    std::span<const double> values;            ///< individual values or subgroup means; NaN = missing
    std::span<const std::size_t> offsets;      ///< G+1 ascending offsets, first 0, last values.size()
    std::span<const double> sizes = {};        ///< per row (empty: all 1)
    std::span<const double> subgroup_sd = {};  ///< per row (empty: none)
    std::span<const double> targets = {};      ///< per group μ0 (NaN: estimate), or empty: all estimated
    std::span<const double> sigmas = {};       ///< per group σ (NaN: estimate), or empty: all estimated
};

/// The in-control parameters of one series and where they came from.
struct InControlEstimate {
    double target = std::numeric_limits<double>::quiet_NaN();  ///< μ0 used
    double sigma = std::numeric_limits<double>::quiet_NaN();   ///< σ (one observation) used
    std::size_t n_baseline = 0;                                ///< non-missing baseline points
    bool target_estimated = false;                             ///< false: given
    bool sigma_estimated = false;                              ///< false: given
};

/// μ0 and σ for a series from its baseline rows (a given spec.target / spec.sigma is kept).
/// spec.sizes and spec.subgroup_sd, when given, are aligned with `baseline`.
InControlEstimate estimate_in_control(std::span<const double> baseline, const TimeWeightedSpec& spec = {},
                                      SigmaMethod method = SigmaMethod::automatic);

/// Per-group columns common to the CUSUM and EWMA results (size G).
struct TimeWeightedGroups {
    std::vector<double> target;                   ///< μ0 used
    std::vector<double> sigma;                    ///< σ (one observation) used
    std::vector<std::size_t> n_baseline;          ///< non-missing points behind the estimates
    std::vector<std::size_t> baseline_end;        ///< global row where the baseline ends (exclusive)
    std::vector<std::size_t> first_signal;        ///< global row of the first flagged point, qm::npos if none
    std::vector<std::uint8_t> target_estimated;   ///< 1: estimated from the baseline, 0: given
    std::vector<std::uint8_t> sigma_estimated;

    std::size_t groups() const noexcept { return target.size(); }
};

// ============================================================================================
// Tabular CUSUM
// ============================================================================================

struct CusumOptions {
    /// Reference value in σ_i units: K = k·σ_i, half the shift to detect (qcc: se.shift = 2k = 1).
    double k = 0.5;
    /// Decision interval in σ_i units: H = h·σ_i (qcc decision.interval = 5; 4 is also common).
    double h = 5.0;
    /// Fast initial response: both sums start at h/2 (Lucas & Crosier 1982).
    bool fast_initial_response = false;
    /// Explicit head start in σ_i units, 0 <= head_start < h (qcc head.start). Exclusive with FIR.
    double head_start = 0.0;
    /// Restart both sums and run counters (at the head start) after each signalling point.
    bool reset_after_signal = false;
    /// Estimate μ0 and σ from the first fix_after rows of each series (0: every row).
    std::size_t fix_after = 0;
    SigmaMethod sigma_method = SigmaMethod::automatic;

    double effective_head_start() const noexcept { return fast_initial_response ? h / 2.0 : head_start; }

    /// Throws qm::invalid_argument naming the offending option.
    void validate() const {
        if (!(k >= 0.0) || !std::isfinite(k)) fail_argument("k", "must be a finite number >= 0, got " + std::to_string(k));
        if (!(h > 0.0) || !std::isfinite(h)) fail_argument("h", "must be a positive finite number, got " + std::to_string(h));
        if (!(head_start >= 0.0) || !(head_start < h))
            fail_argument("head_start", "must be >= 0 and below h (" + std::to_string(h) + "), got " +
                                            std::to_string(head_start));
        if (fast_initial_response && head_start != 0.0)
            fail_argument("head_start", "give either head_start or fast_initial_response (head start h/2), not both");
    }
};

/// Everything cusum_update() needs, resolved for one series.
struct CusumParameters {
    double target;                    ///< μ0
    double sigma;                     ///< σ of one observation (> 0)
    double k = 0.5;
    double h = 5.0;
    double head_start = 0.0;          ///< in σ_i units
    bool reset_after_signal = false;
};

/// The running state of one series: the standardised sums and their run counters (N+, N−).
struct CusumState {
    double upper = 0.0;
    double lower = 0.0;
    std::uint32_t upper_run = 0;
    std::uint32_t lower_run = 0;
};

/// One evaluated point. For a missing value: the carried sums, no flags.
struct CusumPoint {
    double upper;            ///< C+_i in σ_i units
    double lower;            ///< C−_i in σ_i units (>= 0)
    double standard_error;   ///< σ_i = σ/√n_i (NaN for a missing value)
    std::uint32_t upper_run; ///< N+_i
    std::uint32_t lower_run; ///< N−_i
    std::uint8_t flags;      ///< bits of qm::spc::signal

    /// Montgomery eq. 9.3: μ0 + K + C+/N+ after an upper signal, μ0 − K − C−/N− after a lower one
    /// (upper first if both); NaN when the point does not signal.
    double shifted_mean(const CusumParameters& p) const noexcept {
        if (flags & signal::upper) return p.target + standard_error * (p.k + upper / upper_run);
        if (flags & signal::lower) return p.target - standard_error * (p.k + lower / lower_run);
        return std::numeric_limits<double>::quiet_NaN();
    }
};

CusumParameters cusum_parameters(const InControlEstimate& in_control, const CusumOptions& options);

/// The state before the first point: both sums at the head start, runs 0.
constexpr CusumState cusum_start(const CusumParameters& p) noexcept { return {p.head_start, p.head_start, 0, 0}; }

/// Evaluates point x (a value, or the mean of a subgroup of `size`) and advances the state. The
/// batch functions call exactly this, so a live monitor that pushes the same points with the same
/// parameters gets bit-identical sums and flags. NaN x: state unchanged, no flags.
CusumPoint cusum_update(CusumState& state, const CusumParameters& p, double x, double size = 1.0) noexcept;

struct CusumResult : TimeWeightedGroups {
    // ---- per point (size n)
    Column<double> upper_sum;          ///< C+_i in data units (σ_i · upper_sum_std)
    Column<double> lower_sum;          ///< C−_i in data units, >= 0
    Column<double> upper_sum_std;      ///< C+_i in σ_i units (qcc `pos`)
    Column<double> lower_sum_std;      ///< C−_i in σ_i units, >= 0 (qcc `neg` = −lower_sum_std)
    Column<double> decision_interval;  ///< H_i = h·σ_i in data units
    Column<std::uint32_t> upper_run;   ///< N+_i
    Column<std::uint32_t> lower_run;   ///< N−_i
    Column<std::uint8_t> flags;        ///< bits of qm::spc::signal
    // ---- the options used
    double k = 0.5, h = 5.0, head_start = 0.0;

    std::size_t size() const noexcept { return flags.size(); }
};

CusumResult cusum_grouped(const TimeWeightedInput& input, const CusumOptions& options = {}, unsigned threads = 0);

/// One series: a grouped computation with a single group.
CusumResult cusum(std::span<const double> values, const TimeWeightedSpec& spec = {}, const CusumOptions& options = {});

/// Montgomery eq. 9.3 for a row of group `group` (NaN when the row does not signal).
double cusum_shifted_mean(const CusumResult& r, std::size_t group, std::size_t row) noexcept;

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail {

/// c4(n) = √(2/(n−1)) Γ(n/2)/Γ((n−1)/2), the bias of the sample SD of n normal values (n >= 2).
inline double c4(double n) {
    return std::sqrt(2.0 / (n - 1.0)) * boost::math::tgamma_ratio(n / 2.0, (n - 1.0) / 2.0);
}

/// Argument names for messages: "target"/"sigma" for one series, "targets[g]"/"sigmas[g]" for many.
struct InControlNames {
    std::string_view target, sigma;
    bool indexed;
};

[[noreturn]] inline void fail_in_control(const InControlNames& nm, bool sigma, std::size_t g, const std::string& problem) {
    const std::string_view arg = sigma ? nm.sigma : nm.target;
    if (nm.indexed) fail_argument(arg, g, problem);
    fail_argument(arg, problem);
}

inline bool valid_size(double n) noexcept { return n >= 1.0 && n <= 1e15; }  // false for NaN

/// Estimates what is not given. y, n, sd: the baseline rows (n, sd may be null). `seen` gets what
/// the values check needs of these rows (NumberScan): for individual values the one pass that
/// sums the values and their moving ranges (xmr_first_pass, as the XmR chart's centre and mean
/// moving range: the same bits) gives it, otherwise a scan of its own.
inline InControlEstimate estimate_rows(const double* y, const double* n, const double* sd, std::size_t len,
                                       double target, double sigma, SigmaMethod method, const InControlNames& nm,
                                       std::size_t g, NumberScan& seen) {
    InControlEstimate e{target, sigma, 0, false, false};
    bool subgroups = false;
    const bool by_moving_range = sigma != sigma && (method == SigmaMethod::automatic || method == SigmaMethod::moving_range);
    if (n != nullptr) {
        seen = scan_numbers(y, len);
        for (std::size_t i = 0; i < len && !subgroups; ++i) subgroups = y[i] == y[i] && n[i] != 1.0;
    }
    // individual values with anything estimated: the mean and the moving ranges in one pass
    FirstPass first;
    if (!subgroups && (target != target || by_moving_range)) {
        first = xmr_first_pass(y, len, nullptr);
        if (n == nullptr) seen = {first.n_x, first.max_x};
    } else if (n == nullptr) {
        seen = scan_numbers(y, len);
    }
    e.n_baseline = static_cast<std::size_t>(seen.count);
    auto where = [&]() -> std::string {  // built only for a message
        return nm.indexed ? "the baseline of group " + std::to_string(g) : "the baseline";
    };
    if (target != target) {
        if (e.n_baseline == 0)
            fail_in_control(nm, false, g, "cannot be estimated: " + where() + " (" + std::to_string(len) +
                                              " rows) has no values; give the target or a longer baseline (fix_after)");
        if (!subgroups) {
            e.target = stats::detail::dd_div(first.sum_x, e.n_baseline);
        } else {  // Σ n_i x̄_i / Σ n_i, accurately summed
            stats::detail::DD num, den;
            for (std::size_t i = 0; i < len; ++i)
                if (y[i] == y[i]) {
                    const double w = n[i];
                    const double p = w * y[i];
                    num.add(p);
                    num.add(std::fma(w, y[i], -p));  // exact product error
                    den.add(w);
                }
            e.target = (num.hi + num.lo) / (den.hi + den.lo);
        }
        e.target_estimated = true;
    }
    if (sigma != sigma) {
        if (method == SigmaMethod::automatic) method = subgroups ? SigmaMethod::pooled_sd : SigmaMethod::moving_range;
        if (method == SigmaMethod::moving_range) {
            if (subgroups)
                fail_in_control(nm, true, g,
                                "cannot be estimated by moving ranges from subgroup means (sizes above 1): give "
                                "sigma, or subgroup_sd with sigma_method pooled_sd or mean_sd");
            if (first.n_d == 0)
                fail_in_control(nm, true, g, "cannot be estimated: " + where() + " has " + std::to_string(e.n_baseline) +
                                                 " value(s) and no two consecutive ones, so no moving range; give "
                                                 "sigma or a longer baseline (fix_after)");
            e.sigma = stats::detail::dd_div(first.sum_d, static_cast<std::size_t>(first.n_d)) / 1.128;
        } else {
            if (sd == nullptr)
                fail_in_control(nm, true, g,
                                "cannot be estimated by pooled_sd or mean_sd without subgroup_sd: give sigma or "
                                "subgroup_sd");
            stats::detail::DD a, b;
            std::size_t terms = 0;
            for (std::size_t i = 0; i < len; ++i) {
                const double ni = n == nullptr ? 1.0 : n[i];
                if (y[i] != y[i] || sd[i] != sd[i] || !(ni >= 2.0)) continue;
                ++terms;
                if (method == SigmaMethod::pooled_sd) {
                    a.add((ni - 1.0) * sd[i] * sd[i]);
                    b.add(ni - 1.0);
                } else {
                    a.add(sd[i] / c4(ni));
                }
            }
            if (terms == 0)
                fail_in_control(nm, true, g, "cannot be estimated: no subgroup in " + where() +
                                                 " has size >= 2 and a standard deviation; give sigma");
            if (method == SigmaMethod::pooled_sd) {
                const double df = b.hi + b.lo;
                e.sigma = std::sqrt((a.hi + a.lo) / df) / c4(df + 1.0);
            } else {
                e.sigma = (a.hi + a.lo) / static_cast<double>(terms);
            }
        }
        if (!(e.sigma > 0.0))
            fail_in_control(nm, true, g, "estimated as 0: the values in " + where() + " do not vary; give sigma");
        e.sigma_estimated = true;
    }
    return e;
}

/// Values and offsets, with the XmR chart's messages: G+1 offsets from 0 to n, every group
/// non-empty. The values themselves (finite or NaN, magnitude up to 1e300 so sums cannot
/// overflow, not all missing) are checked by check_values from what the estimate's pass over them
/// saw (run_time_weighted), as the XmR chart checks them.
inline void validate_offsets(std::span<const double> values, std::span<const std::size_t> offsets) {
    const std::size_t n = values.size();
    if (n == 0) fail_argument("values", "is empty");
    if (offsets.size() < 2) fail_argument("offsets", "needs at least 2 entries (one group)");
    if (offsets.front() != 0) fail_argument("offsets", 0, "must be 0, got " + std::to_string(offsets.front()));
    if (offsets.back() != n)
        fail_argument("offsets", offsets.size() - 1,
                      "must equal the number of values (" + std::to_string(n) + "), got " + std::to_string(offsets.back()));
    for (std::size_t g = 0; g + 1 < offsets.size(); ++g)
        if (offsets[g + 1] <= offsets[g])
            fail_argument("offsets", g + 1, "group " + std::to_string(g) + " is empty or offsets decrease");
}

/// The columns beside the values: sizes, subgroup_sd, targets, sigmas.
inline void validate_columns(const TimeWeightedInput& in, const InControlNames& nm) {
    const std::size_t n = in.values.size(), G = in.offsets.size() - 1;
    if (!in.sizes.empty()) {
        if (in.sizes.size() != n)
            fail_argument("sizes", "has " + std::to_string(in.sizes.size()) + " entries but values has " +
                                       std::to_string(n));
        for (std::size_t i = 0; i < n; ++i)
            if (in.values[i] == in.values[i] && !valid_size(in.sizes[i]))
                fail_argument("sizes", i, "must be a subgroup size >= 1 (and at most 1e15), got " +
                                              std::to_string(in.sizes[i]));
    }
    if (!in.subgroup_sd.empty()) {
        if (in.subgroup_sd.size() != n)
            fail_argument("subgroup_sd", "has " + std::to_string(in.subgroup_sd.size()) + " entries but values has " +
                                             std::to_string(n));
        for (std::size_t i = 0; i < n; ++i) {
            const double s = in.subgroup_sd[i];
            if (s == s && (!(s >= 0.0) || !std::isfinite(s)))
                fail_argument("subgroup_sd", i, "must be finite and >= 0, or NaN (missing), got " + std::to_string(s));
        }
    }
    auto per_group = [&](std::span<const double> col, bool sigma) {
        if (col.empty()) return;
        if (col.size() != G)
            fail_in_control({nm.target, nm.sigma, false}, sigma, 0,
                            "needs one entry per group (" + std::to_string(G) + "), got " + std::to_string(col.size()));
        for (std::size_t g = 0; g < G; ++g) {
            const double v = col[g];
            if (v != v) continue;
            if (!std::isfinite(v)) fail_in_control(nm, sigma, g, "must be finite or NaN (estimate), got " + std::to_string(v));
            if (sigma && !(v > 0.0)) fail_in_control(nm, sigma, g, "must be positive, got " + std::to_string(v));
        }
    };
    per_group(in.targets, false);
    per_group(in.sigmas, true);
}

/// Everything but the values themselves, whose errors still come first: a sizes, subgroup_sd,
/// targets or sigmas error is reported after the values are checked.
inline void validate_time_weighted(const TimeWeightedInput& in, const InControlNames& nm) {
    validate_offsets(in.values, in.offsets);
    try {
        validate_columns(in, nm);
    } catch (const invalid_argument&) {
        check_all_values(in.values);
        throw;
    }
}

/// Runs `kernel(begin, end, estimate)` (returning the first flagged row or npos) for every group
/// after estimating its in-control parameters, in parallel over contiguous chunks of groups with
/// about equal numbers of rows; every output is allocated before and each thread writes its own
/// slices. The values are checked from what the estimates' passes saw (rows after a frozen
/// baseline are scanned apart), after the parallel part: a kernel may have run on an infinite
/// value, but its result is not returned. An estimation error is rethrown for the lowest failing
/// group, whatever the thread count, and only after the values are checked.
template <class Kernel>
void run_time_weighted(const TimeWeightedInput& in, std::size_t fix_after, SigmaMethod method, unsigned threads,
                       const InControlNames& nm, TimeWeightedGroups& cols, Kernel kernel) {
    const std::size_t G = in.offsets.size() - 1;
    for (auto* v : {&cols.target, &cols.sigma}) v->resize(G);
    for (auto* v : {&cols.n_baseline, &cols.baseline_end, &cols.first_signal}) v->resize(G);
    cols.target_estimated.resize(G);
    cols.sigma_estimated.resize(G);
    const double nan = std::numeric_limits<double>::quiet_NaN();

    // Chunks are in group order and a chunk stops at its first error: for_each_group_chunk rethrows
    // the lowest chunk's, which is the lowest failing group's.
    NumberScan seen;
    std::mutex seen_lock;
    for_each_group_chunk(in.offsets, threads, [&](std::size_t g0, std::size_t g1) {
        NumberScan scan;
        for (std::size_t g = g0; g < g1; ++g) {
            const std::size_t b = in.offsets[g], e = in.offsets[g + 1];
            const std::size_t be = fix_after == 0 ? e : std::min(e, b + fix_after);
            NumberScan rows;
            InControlEstimate est;
            try {
                est = estimate_rows(in.values.data() + b, in.sizes.empty() ? nullptr : in.sizes.data() + b,
                                    in.subgroup_sd.empty() ? nullptr : in.subgroup_sd.data() + b, be - b,
                                    in.targets.empty() ? nan : in.targets[g], in.sigmas.empty() ? nan : in.sigmas[g],
                                    method, nm, g, rows);
            } catch (const invalid_argument&) {
                check_all_values(in.values);
                throw;
            }
            if (be < e) {
                const NumberScan rest = scan_numbers(in.values.data() + be, e - be);
                rows.count += rest.count;
                rows.largest = std::max(rows.largest, rest.largest);
            }
            scan.count += rows.count;
            scan.largest = std::max(scan.largest, rows.largest);
            cols.target[g] = est.target;
            cols.sigma[g] = est.sigma;
            cols.n_baseline[g] = est.n_baseline;
            cols.baseline_end[g] = be;
            cols.target_estimated[g] = est.target_estimated;
            cols.sigma_estimated[g] = est.sigma_estimated;
            cols.first_signal[g] = kernel(b, e, est);
        }
        const std::lock_guard<std::mutex> hold(seen_lock);
        seen.count += scan.count;
        seen.largest = std::max(seen.largest, scan.largest);
    });
    check_values(in.values, seen);
}

/// Standard error of a row for the data-unit columns: σ/√n_i, or the last one for a row without a
/// valid size (a missing value), or σ/√(first valid size) before any.
struct DisplayScale {
    double sigma, current;
    DisplayScale(double s, const double* n, std::size_t len) : sigma(s), current(s) {
        if (n == nullptr) return;
        for (std::size_t i = 0; i < len; ++i)
            if (valid_size(n[i])) {
                current = s / std::sqrt(n[i]);
                break;
            }
    }
    double at(const double* n, std::size_t i) noexcept {
        if (n != nullptr && valid_size(n[i])) current = sigma / std::sqrt(n[i]);
        return current;
    }
};

}  // namespace detail

inline InControlEstimate estimate_in_control(std::span<const double> baseline, const TimeWeightedSpec& spec,
                                             SigmaMethod method) {
    const std::size_t offsets[2] = {0, baseline.size()};
    const double target[1] = {spec.target}, sigma[1] = {spec.sigma};
    const detail::InControlNames nm{"target", "sigma", false};
    detail::validate_time_weighted({.values = baseline, .offsets = offsets, .sizes = spec.sizes,
                                    .subgroup_sd = spec.subgroup_sd, .targets = target, .sigmas = sigma},
                                   nm);
    detail::check_all_values(baseline);
    detail::NumberScan seen;
    return detail::estimate_rows(baseline.data(), spec.sizes.empty() ? nullptr : spec.sizes.data(),
                                 spec.subgroup_sd.empty() ? nullptr : spec.subgroup_sd.data(), baseline.size(),
                                 spec.target, spec.sigma, method, nm, 0, seen);
}

inline CusumParameters cusum_parameters(const InControlEstimate& in_control, const CusumOptions& o) {
    o.validate();
    if (!std::isfinite(in_control.target)) fail_argument("target", "must be finite, got " + std::to_string(in_control.target));
    if (!(in_control.sigma > 0.0) || !std::isfinite(in_control.sigma))
        fail_argument("sigma", "must be positive, got " + std::to_string(in_control.sigma));
    return {in_control.target, in_control.sigma, o.k, o.h, o.effective_head_start(), o.reset_after_signal};
}

inline CusumPoint cusum_update(CusumState& s, const CusumParameters& p, double x, double size) noexcept {
    if (x != x) return {s.upper, s.lower, std::numeric_limits<double>::quiet_NaN(), s.upper_run, s.lower_run, 0};
    // Operation for operation as qcc: z = (stat − center)/(std.dev/√sizes); pos = max(0, pos + (z − k));
    // neg = max(0, neg − (z + k)). std::max(0.0, v) returns 0 for v <= 0 (and -0.0 compares equal).
    const double se = size == 1.0 ? p.sigma : p.sigma / std::sqrt(size);  // σ/√1 is σ exactly
    const double z = (x - p.target) / se;
    const double up = stats::detail::positive_part(s.upper + (z - p.k));
    const double lo = stats::detail::positive_part(s.lower - (z + p.k));
    // Branch-free counters and flags: whether a sum is above zero is a coin toss for an in-control
    // process, and mispredicted branches would cost more than the rest of the point.
    CusumPoint out{up,
                   lo,
                   se,
                   (s.upper_run + 1u) * static_cast<std::uint32_t>(up > 0.0),
                   (s.lower_run + 1u) * static_cast<std::uint32_t>(lo > 0.0),
                   static_cast<std::uint8_t>(static_cast<unsigned>(up > p.h) * signal::upper |
                                             static_cast<unsigned>(lo > p.h) * signal::lower)};
    if (out.flags != 0 && p.reset_after_signal)
        s = cusum_start(p);
    else
        s = {up, lo, out.upper_run, out.lower_run};
    return out;
}

namespace detail {

inline CusumResult cusum_run(const TimeWeightedInput& in, const CusumOptions& o, unsigned threads,
                             const InControlNames& nm) {
    o.validate();
    validate_time_weighted(in, nm);
    const std::size_t n = in.values.size();
    CusumResult r;
    for (auto* v : {&r.upper_sum, &r.lower_sum, &r.upper_sum_std, &r.lower_sum_std, &r.decision_interval})
        qm::detail::size_column(*v, n);
    qm::detail::size_column(r.upper_run, n);
    qm::detail::size_column(r.lower_run, n);
    qm::detail::size_column(r.flags, n);
    r.k = o.k;
    r.h = o.h;
    r.head_start = o.effective_head_start();
    const double* y = in.values.data();
    const double* sizes = in.sizes.empty() ? nullptr : in.sizes.data();
    // A tight loop over the rows of one group around cusum_update (the function a live monitor
    // calls): a handful of flops per point, each column written once, nothing allocated per group.
    // Column pointers as locals: the byte-sized flag stores could alias the vectors' own pointers.
    double *up_std = r.upper_sum_std.data(), *lo_std = r.lower_sum_std.data(), *up = r.upper_sum.data(),
           *lo = r.lower_sum.data(), *di = r.decision_interval.data();
    std::uint32_t *up_run = r.upper_run.data(), *lo_run = r.lower_run.data();
    std::uint8_t* flags = r.flags.data();
    run_time_weighted(in, o.fix_after, o.sigma_method, threads, nm, r,
                      [=, &o](std::size_t b, std::size_t e, const InControlEstimate& est) noexcept {
                          const CusumParameters p{est.target, est.sigma, o.k, o.h, o.effective_head_start(),
                                                  o.reset_after_signal};
                          CusumState s = cusum_start(p);
                          const double* ns = sizes ? sizes + b : nullptr;
                          DisplayScale scale(est.sigma, ns, e - b);
                          const double h = o.h;
                          // Locals again: the closure's copies live in memory a flag store could alias.
                          double *u_std = up_std, *l_std = lo_std, *u = up, *l = lo, *d = di;
                          std::uint32_t *u_run = up_run, *l_run = lo_run;
                          std::uint8_t* f = flags;
                          const double* x = y;
                          if (ns == nullptr) {
                              // Individual values (σ_i = σ): the data-unit columns in the same loop, where their
                              // stores overlap the sums' chain of dependent additions (a loop of their own after
                              // it, vectorised, was 10-15% slower one series).
                              // The loop once per reset option (no test of it per point); the first flagged
                              // row found after it, in the flags just written.
                              const double se = p.sigma, hse = h * se;
                              auto rows = [&]<bool Reset>() {
                                  CusumParameters q = p;
                                  q.reset_after_signal = Reset;
                                  for (std::size_t i = b; i < e; ++i) {
                                      const CusumPoint pt = cusum_update(s, q, x[i], 1.0);
                                      u_std[i] = pt.upper;
                                      l_std[i] = pt.lower;
                                      u[i] = pt.upper * se;
                                      l[i] = pt.lower * se;
                                      d[i] = hse;
                                      u_run[i] = pt.upper_run;
                                      l_run[i] = pt.lower_run;
                                      f[i] = pt.flags;
                                  }
                              };
                              if (p.reset_after_signal)
                                  rows.template operator()<true>();
                              else
                                  rows.template operator()<false>();
                              for (std::size_t i = b; i < e; ++i)
                                  if (f[i] != 0) return i;
                              return npos;
                          }
                          // subgroup means: σ_i = σ/√n_i for the data-unit columns
                          std::size_t first = npos;
                          for (std::size_t i = b; i < e; ++i) {
                              const CusumPoint pt = cusum_update(s, p, x[i], ns[i - b]);
                              const double se = scale.at(ns, i - b);
                              u_std[i] = pt.upper;
                              l_std[i] = pt.lower;
                              u[i] = pt.upper * se;
                              l[i] = pt.lower * se;
                              d[i] = h * se;
                              u_run[i] = pt.upper_run;
                              l_run[i] = pt.lower_run;
                              f[i] = pt.flags;
                              if (pt.flags != 0 && first == npos) first = i;
                          }
                          return first;
                      });
    return r;
}

}  // namespace detail

inline CusumResult cusum_grouped(const TimeWeightedInput& in, const CusumOptions& o, unsigned threads) {
    return detail::cusum_run(in, o, threads, {"targets", "sigmas", true});
}

inline CusumResult cusum(std::span<const double> values, const TimeWeightedSpec& spec, const CusumOptions& options) {
    const std::size_t offsets[2] = {0, values.size()};
    const double target[1] = {spec.target}, sigma[1] = {spec.sigma};
    return detail::cusum_run({.values = values, .offsets = offsets, .sizes = spec.sizes,
                              .subgroup_sd = spec.subgroup_sd, .targets = target, .sigmas = sigma},
                             options, 1, {"target", "sigma", false});
}

inline double cusum_shifted_mean(const CusumResult& r, std::size_t group, std::size_t row) noexcept {
    if (group >= r.groups() || row >= r.size()) return std::numeric_limits<double>::quiet_NaN();
    const double se = r.decision_interval[row] / r.h;
    if (r.flags[row] & signal::upper) return r.target[group] + r.k * se + r.upper_sum[row] / r.upper_run[row];
    if (r.flags[row] & signal::lower) return r.target[group] - r.k * se - r.lower_sum[row] / r.lower_run[row];
    return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace qm::spc
