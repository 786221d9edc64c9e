#pragma once
// qm/assurance/capability.hpp — process capability against specification limits or a single
// target (Cp, Cpk, Pp, Ppk, Cpm with confidence intervals, the predicted proportion of future
// periods meeting the target), and the NHS Making Data Count target assurance generalised to
// every Shewhart chart.
//
// Synopsis
//   struct qm::assurance::Specification   { lower, upper, nominal }   NaN: no such limit
//   Specification specification_from_target(double target, Improvement)   the NHS one-sided case
//   enum class CpmInterval      { boyles, qcc }
//   enum class CapabilityStatus { ok, too_few_values, zero_sigma, no_specification }
//   struct CapabilityOptions    { confidence = 0.95, mr_d2 = 1.128, screen_moving_ranges = false,
//                                 screen_multiplier = 3.267, within_df_factor = 1, cpm_interval }
//   struct CapabilityMoments    { n, n_moving_ranges, mean, sigma_within, sigma_overall,
//                                 df_within, df_overall }
//   struct CapabilityIndex      { value, lower, upper }
//   struct Capability           one series: moments, specification, cp cpl cpu cpk cpm
//                               (within σ), pp ppl ppu ppk ppm (overall σ), expected and
//                               observed proportions outside the limits, p_meet_* , status
//   CapabilityMoments capability_moments(std::span<const double> values, const CapabilityOptions&)
//   Capability capability_indices(const CapabilityMoments&, const Specification&, const CapabilityOptions&)
//   Capability capability(std::span<const double> values, const Specification&, const CapabilityOptions& = {})
//                               one series; throws qm::insufficient_data when there are no indices
//   struct CapabilityInput      { values, offsets (G+1), lower, upper, nominal (G, 1 or empty) }
//   struct CapabilityResult     the same quantities as columns, one entry per group
//   CapabilityResult capability_grouped(const CapabilityInput&, const CapabilityOptions& = {}, unsigned threads = 0)
//
//   enum class MeetModel        { none, normal, binomial, poisson }
//   double target_index(target, centre, lower, upper, Improvement)      the continuous MDC icon
//   double predicted_meet(MeetModel, target, centre, lower, upper, denominator, Improvement)
//   struct TargetAssuranceInput { chart, statistic, centre, lower, upper (per point),
//                                 denominators, offsets, phase_begin, targets, improvement }
//   struct TargetAssuranceResult per group: icon, target, target_index, p_meet, model, n_points,
//                                 n_limits, share_pass, share_fail, share_hit_and_miss, observed_meet
//   TargetAssuranceResult target_assurance(const TargetAssuranceInput&, unsigned threads = 0)
//
// Capability: method
//   μ = the mean of the non-missing values (accurate summation, qm/stats/sum.hpp: the same
//   centre line the XmR chart draws). Two sigmas, both reported, each index says which it uses:
//     within  σ_w = mR̄ / mr_d2, mR̄ the mean moving range |x_i − x_(i−1)| of consecutive
//             non-missing values (never bridging a missing value; optionally screened as MDC
//             does: ranges ≥ screen_multiplier·mR̄ dropped, mean recomputed once). mr_d2 = 1.128
//             is d₂ for ranges of 2 (MDC's 2.66 = 3/1.128). Degrees of freedom
//             ν_w = within_df_factor·(n − 1): Minitab's k − span + 1 and qcc's n − 1; Wheeler's
//             effective 0.62·(n − 1) for an average moving range is within_df_factor = 0.62.
//     overall σ_o = the sample standard deviation (n − 1 divisor), ν_o = n − 1.
//   Indices (JMP, SAS PROC CAPABILITY, Montgomery ch. 8; AIAG labels P for the overall σ):
//     Cp  = (U − L)/(6σ)              CI  Cp·√(χ²_{α/2,ν}/ν), Cp·√(χ²_{1−α/2,ν}/ν)   (chi-square)
//     Cpl = (μ − L)/(3σ), Cpu = (U − μ)/(3σ), Cpk = min of those defined
//                                     CI  C ± z·√(1/(9n) + C²/(2ν))   (Bissell 1990, normal
//                                     approximation; z two-sided; valid for negative C too)
//     Cpm = min(T − L, U − T)/(3√(σ² + (μ − T)²))   (Chan, Cheng & Spiring 1988; equals
//                                     (U − L)/(6√(σ² + (μ − T)²)) when T is the midpoint)
//                                     CI  Cpm·√(χ²_{α/2,ν}/ν) … with ν = n(1 + a²)²/(1 + 2a²),
//                                     a = (μ − T)/σ (Boyles 1991; NIST e-Handbook §6.1.6)
//   Cpm and Ppm use σ_w and σ_o respectively. T (nominal) defaults to the midpoint of L and U;
//   Cpm needs both limits. One-sided specifications (only L or only U) give Cpl or Cpu, and Cpk
//   is that one-sided index — for an NHS standard "at least 95%" Cpk = Cpl = (μ − 0.95)/(3σ),
//   the continuous quantity behind the assurance icon (> 1 consistent pass, < −1 consistent
//   fail when σ is the chart's σ).
//   Predicted proportions (normal model N(μ, σ²) with the process mean and σ; stated, not
//   tested): below L Φ((L − μ)/σ), above U 1 − Φ((U − μ)/σ), meeting the specification (the
//   proportion of future periods meeting the target) 1 − below − above, for σ_w and σ_o. For a
//   one-sided specification the meeting proportion is Φ(3·Cpk) and its interval is
//   [Φ(3·Cpk_lower), Φ(3·Cpk_upper)] (Bissell's interval carried through the monotone map;
//   approximate); two-sided specifications have no interval (NaN).
//   Observed proportions below L, above U and meeting: from the values themselves.
//
// Differences from qcc 3.0 processCapability (qcc's behaviour is reproduced by options):
//   * qcc's Cp_l and Cp_u intervals use z = Φ⁻¹(confidence) (one-sided z) while Cp_k uses the
//     two-sided z; we use the two-sided z for every index (qcc's Cp_l at 95% is ours at 90%).
//   * qcc's Cpm interval uses ν = n(1 + a²)/(1 + 2a²), without Boyles's square:
//     cpm_interval = CpmInterval::qcc.
//   * qcc's Cpm is (U − L)/(6√(σ² + (μ − T)²)) also when T is not the midpoint; ours is the
//     min(T − L, U − T) form above (identical at the midpoint, which is qcc's default T).
//   * qcc's Bissell form C(1 ± z√(1/(9nC²) + 1/(2(n − 1)))) swaps its limits for C < 0.
//
// Statuses (grouped: per group, no exception; one series: capability() throws
// qm::insufficient_data naming the argument): too_few_values (fewer than 2 non-missing values
// or no moving range), zero_sigma (σ_w or σ_o is 0 — identical values; the indices that need it
// are NaN), no_specification (neither limit: moments only).
//
// Target assurance for every chart: method and decisions
//   For each group, its last phase (`phase_begin`, else the whole group):
//   icon          qm::assurance_icon(target, lower, upper, improvement) with the limits at the
//                 group's latest point — what chart_grouped and NHSRplotthedots report, and for
//                 charts whose limits vary with the denominator or subgroup size (p, np, u, p′,
//                 u′, Xbar-R/S with unequal subgroups) the limits that apply to the latest point,
//                 as PowerBI-SPC does.
//   share_pass / share_fail / share_hit_and_miss
//                 over the points of the last phase whose limits are both finite: the proportion
//                 whose own limits lie wholly on the passing side of the target (the icon that
//                 point alone would give is consistent_pass), wholly on the failing side, or
//                 straddle it. For fixed-limit charts these are 0 or 1; for variable limits they
//                 say how much the icon depends on the latest denominator.
//   target_index  d / w at the latest point, d = (centre − target) oriented so that positive is
//                 on the passing side, w = the distance from the centre to the limit on the
//                 target's side (upper − centre when target ≥ centre, else centre − lower):
//                 > 1 ⇔ consistent_pass, < −1 ⇔ consistent_fail (the same strict comparisons as
//                 the icon). It equals the one-sided capability index when the limits are ±3σ.
//   p_meet        predicted proportion of future periods meeting the target (≥ target when
//                 higher is better, ≤ when lower is better) at the latest point's conditions:
//                 p: Binomial(n, p̄) with the latest denominator n (integer n); np: Binomial(n,
//                 centre/n) on counts; c: Poisson(c̄); u: Poisson(n·ū) on the rate — exact for
//                 the chart's own model. Every other chart (XmR, Xbar, MR, p′, u′, g, t): normal
//                 with the chart's σ taken as a third of the target-side limit distance, so
//                 p_meet = Φ(3·target_index). Run charts have no limits: no icon, no model.
//   observed_meet the proportion of the last phase's non-missing points that meet the target.
//   A NaN target or a neutral improvement direction gives icon none and NaN measures.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>

#include <qm/core/error.hpp>
#include <qm/core/parallel.hpp>
#include <qm/core/types.hpp>
#include <qm/spc/chart_types.hpp>
#include <qm/stats/intervals.hpp>
#include <qm/stats/sum.hpp>

namespace qm::assurance {

// ============================================================================================
// Capability: API
// ============================================================================================

/// Specification limits; NaN: no such limit. nominal (T, for Cpm) NaN: the midpoint of lower
/// and upper when both are given.
struct Specification {
    double lower = std::numeric_limits<double>::quiet_NaN();
    double upper = std::numeric_limits<double>::quiet_NaN();
    double nominal = std::numeric_limits<double>::quiet_NaN();
};

/// An NHS standard is one-sided: "at least 95%" (improvement increase) is a lower
/// specification limit, "at most 18 weeks" (decrease) an upper one. A neutral direction or a
/// NaN target gives no limit.
inline Specification specification_from_target(double target, Improvement improvement) noexcept {
    Specification s;
    if (improvement == Improvement::increase) s.lower = target;
    if (improvement == Improvement::decrease) s.upper = target;
    return s;
}

enum class CpmInterval : std::int8_t {
    boyles = 0,  ///< ν = n(1 + a²)²/(1 + 2a²) (Boyles 1991, NIST e-Handbook §6.1.6)
    qcc = 1,     ///< ν = n(1 + a²)/(1 + 2a²) (qcc 3.0)
};

enum class CapabilityStatus : std::int8_t { ok = 0, too_few_values = 1, zero_sigma = 2, no_specification = 3 };

struct CapabilityOptions {
    /// Two-sided confidence level of every interval.
    double confidence = 0.95;
    /// σ_within = mean moving range / mr_d2 (d₂ for ranges of 2: 1.128 as MDC, qcc and Minitab;
    /// exact 2/√π = 1.1283791670955126).
    double mr_d2 = 1.128;
    /// MDC / NHSRplotthedots screening: moving ranges ≥ screen_multiplier·mR̄ are dropped and
    /// mR̄ recomputed once. Off by default (Minitab, JMP and qcc do not screen).
    bool screen_moving_ranges = false;
    double screen_multiplier = 3.267;
    /// ν_within = within_df_factor·(n − 1); 0.62 gives Wheeler's effective degrees of freedom.
    double within_df_factor = 1.0;
    CpmInterval cpm_interval = CpmInterval::boyles;

    void validate() const;
};

struct CapabilityMoments {
    std::size_t n = 0;                ///< non-missing values
    std::size_t n_moving_ranges = 0;  ///< moving ranges behind σ_within (after screening)
    double mean = std::numeric_limits<double>::quiet_NaN();
    double sigma_within = std::numeric_limits<double>::quiet_NaN();   ///< mR̄ / mr_d2
    double sigma_overall = std::numeric_limits<double>::quiet_NaN();  ///< sample SD
    double df_within = std::numeric_limits<double>::quiet_NaN();
    double df_overall = std::numeric_limits<double>::quiet_NaN();
};

struct CapabilityIndex {
    double value = std::numeric_limits<double>::quiet_NaN();
    double lower = std::numeric_limits<double>::quiet_NaN();
    double upper = std::numeric_limits<double>::quiet_NaN();
};

struct Capability {
    CapabilityMoments moments;
    Specification spec;  ///< with the nominal resolved
    CapabilityIndex cp, cpl, cpu, cpk, cpm;  ///< within σ
    CapabilityIndex pp, ppl, ppu, ppk, ppm;  ///< overall σ
    double expected_below_within = std::numeric_limits<double>::quiet_NaN();
    double expected_above_within = std::numeric_limits<double>::quiet_NaN();
    double expected_below_overall = std::numeric_limits<double>::quiet_NaN();
    double expected_above_overall = std::numeric_limits<double>::quiet_NaN();
    CapabilityIndex p_meet_within, p_meet_overall;  ///< predicted proportion meeting (interval: one-sided only)
    double observed_below = std::numeric_limits<double>::quiet_NaN();
    double observed_above = std::numeric_limits<double>::quiet_NaN();
    double observed_meet = std::numeric_limits<double>::quiet_NaN();
    CapabilityStatus status = CapabilityStatus::too_few_values;
};

CapabilityMoments capability_moments(std::span<const double> values, const CapabilityOptions& options = {});
Capability capability_indices(const CapabilityMoments& moments, const Specification& spec,
                              const CapabilityOptions& options = {});
Capability capability(std::span<const double> values, const Specification& spec, const CapabilityOptions& options = {});

/// Many series in long format: rows of group g are values[offsets[g] .. offsets[g+1]).
struct CapabilityInput {
    std::span<const double> values;
    std::span<const std::size_t> offsets;
    std::span<const double> lower = {};    ///< one per group, one for all, or empty (none)
    std::span<const double> upper = {};
    std::span<const double> nominal = {};
};

/// Columns of a capability index, one entry per group.
struct IndexColumns {
    std::vector<double> value, lower, upper;
    void resize(std::size_t n) {
        value.resize(n);
        lower.resize(n);
        upper.resize(n);
    }
    void set(std::size_t g, const CapabilityIndex& c) noexcept {
        value[g] = c.value;
        lower[g] = c.lower;
        upper[g] = c.upper;
    }
};

struct CapabilityResult {
    std::vector<std::size_t> n, n_moving_ranges;
    std::vector<double> mean, sigma_within, sigma_overall, df_within, df_overall;
    std::vector<double> lower_spec, upper_spec, nominal;
    IndexColumns cp, cpl, cpu, cpk, cpm, pp, ppl, ppu, ppk, ppm;
    std::vector<double> expected_below_within, expected_above_within, expected_below_overall, expected_above_overall;
    IndexColumns p_meet_within, p_meet_overall;
    std::vector<double> observed_below, observed_above, observed_meet;
    std::vector<CapabilityStatus> status;

    std::size_t groups() const noexcept { return status.size(); }
    void resize(std::size_t G);
    void set(std::size_t g, const Capability& c) noexcept;
};

CapabilityResult capability_grouped(const CapabilityInput& input, const CapabilityOptions& options = {},
                                    unsigned threads = 0);

// ============================================================================================
// Target assurance: API
// ============================================================================================

enum class MeetModel : std::int8_t { none = 0, normal = 1, binomial = 2, poisson = 3 };

/// The target's distance from the centre in units of the limit distance on its side, oriented
/// so that positive is passing: > 1 consistent pass, < −1 consistent fail. NaN when any input
/// is NaN, the direction is neutral or the target-side limit coincides with the centre.
double target_index(double target, double centre, double lower, double upper, Improvement improvement) noexcept;

struct TargetAssuranceInput {
    spc::ChartType chart = spc::ChartType::xmr;
    std::span<const double> statistic;     ///< per point: the plotted value
    std::span<const double> centre;        ///< per point
    std::span<const double> lower;         ///< per point: the process limits
    std::span<const double> upper;
    std::span<const double> denominators = {};    ///< p, np, u, p′, u′: per point
    std::span<const std::size_t> offsets;         ///< G+1 row offsets
    std::span<const std::size_t> phase_begin = {};  ///< per group: first row of its last phase; empty: whole group
    std::span<const double> targets = {};         ///< per group or one for all; NaN: none
    Improvement improvement = Improvement::increase;
};

struct TargetAssuranceResult {
    std::vector<AssuranceIcon> icon;
    std::vector<double> target, target_index, p_meet;
    std::vector<MeetModel> model;
    std::vector<std::size_t> n_points;  ///< points in the last phase
    std::vector<std::size_t> n_limits;  ///< of which with finite limits
    std::vector<double> share_pass, share_fail, share_hit_and_miss, observed_meet;
    std::size_t groups() const noexcept { return icon.size(); }
};

/// The model behind p_meet for a chart type (see the header comment).
MeetModel meet_model(spc::ChartType chart) noexcept;

/// Predicted proportion meeting the target under `model` at one point (see the header).
double predicted_meet(MeetModel model, double target, double centre, double lower, double upper, double denominator,
                      Improvement improvement, spc::ChartType chart);

TargetAssuranceResult target_assurance(const TargetAssuranceInput& input, unsigned threads = 0);

constexpr std::string_view to_string(CapabilityStatus s) noexcept {
    switch (s) {
        case CapabilityStatus::ok: return "ok";
        case CapabilityStatus::too_few_values: return "too_few_values";
        case CapabilityStatus::zero_sigma: return "zero_sigma";
        case CapabilityStatus::no_specification: return "no_specification";
    }
    return "?";
}
constexpr std::string_view to_string(MeetModel m) noexcept {
    switch (m) {
        case MeetModel::none: return "none";
        case MeetModel::normal: return "normal";
        case MeetModel::binomial: return "binomial";
        case MeetModel::poisson: return "poisson";
    }
    return "?";
}
constexpr std::string_view to_string(CpmInterval c) noexcept { return c == CpmInterval::qcc ? "qcc" : "boyles"; }

inline CpmInterval parse_cpm_interval(std::string_view s) {
    if (s == "boyles") return CpmInterval::boyles;
    if (s == "qcc") return CpmInterval::qcc;
    fail_argument("cpm_interval", "must be 'boyles' or 'qcc', got '" + std::string(s) + "'");
}

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail {

inline constexpr double cap_nan = std::numeric_limits<double>::quiet_NaN();

inline double phi(double x) noexcept {
    // Φ via erfc keeps the tails accurate (Φ(−9) is 1e-19, not 0 after cancellation).
    return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

inline double chi2_quantile(double df, double p) {
    return boost::math::quantile(boost::math::chi_squared_distribution<double>(df), p);
}

/// √(χ²_{α/2,ν}/ν) and √(χ²_{1−α/2,ν}/ν) for the last ν asked: groups of one length share ν =
/// n − 1, so Cp and Pp of 10,000 three-year series need the two quantiles once, not 40,000 times
/// (each is an inverse incomplete gamma, about 1.5 µs). One per thread, never shared.
struct ChiSquareFactors {
    double df = -1.0, lower = 0.0, upper = 0.0;
    void at(double nu, const stats::Level& level) {
        if (nu == df) return;
        lower = std::sqrt(chi2_quantile(nu, level.p_lower) / nu);
        upper = std::sqrt(chi2_quantile(nu, level.p_upper) / nu);
        df = nu;
    }
};

/// C·√(χ²_{α/2,ν}/ν), C·√(χ²_{1−α/2,ν}/ν); NaN for NaN inputs.
inline CapabilityIndex chi_square_interval(double c, double df, const stats::Level& level, ChiSquareFactors& cache) {
    CapabilityIndex r;
    r.value = c;
    if (!std::isfinite(c) || !(df > 0.0)) return r;
    cache.at(df, level);
    r.lower = c * cache.lower;
    r.upper = c * cache.upper;
    return r;
}

/// Bissell (1990): C ± z·√(1/(9n) + C²/(2ν)).
inline CapabilityIndex bissell_interval(double c, double n, double df, const stats::Level& level) noexcept {
    CapabilityIndex r;
    r.value = c;
    if (!std::isfinite(c) || !(df > 0.0) || !(n > 0.0)) return r;
    const double h = level.z * std::sqrt(1.0 / (9.0 * n) + c * c / (2.0 * df));
    r.lower = c - h;
    r.upper = c + h;
    return r;
}

/// Cp, Cpl, Cpu, Cpk, Cpm for one σ.
struct IndexSet {
    CapabilityIndex p, pl, pu, pk, pm;
    double below = cap_nan, above = cap_nan;
    CapabilityIndex meet;
};

inline IndexSet index_set(double mean, double sigma, double n, double df, const Specification& s,
                          const CapabilityOptions& o, const stats::Level& level, ChiSquareFactors& cache) {
    IndexSet r;
    if (!(sigma > 0.0) || !std::isfinite(mean)) return r;
    const bool has_l = std::isfinite(s.lower), has_u = std::isfinite(s.upper);
    if (has_l && has_u) r.p = chi_square_interval((s.upper - s.lower) / (6.0 * sigma), df, level, cache);
    if (has_l) r.pl = bissell_interval((mean - s.lower) / (3.0 * sigma), n, df, level);
    if (has_u) r.pu = bissell_interval((s.upper - mean) / (3.0 * sigma), n, df, level);
    double k = cap_nan;
    if (has_l && has_u) k = std::min(r.pl.value, r.pu.value);
    else if (has_l) k = r.pl.value;
    else if (has_u) k = r.pu.value;
    r.pk = bissell_interval(k, n, df, level);
    if (has_l && has_u && std::isfinite(s.nominal)) {
        const double a = (mean - s.nominal) / sigma;
        const double tau = sigma * std::sqrt(1.0 + a * a);
        const double c = std::min(s.nominal - s.lower, s.upper - s.nominal) / (3.0 * tau);
        const double a2 = a * a;
        const double nu = o.cpm_interval == CpmInterval::boyles ? n * (1.0 + a2) * (1.0 + a2) / (1.0 + 2.0 * a2)
                                                                : n * (1.0 + a2) / (1.0 + 2.0 * a2);
        ChiSquareFactors own;  // ν depends on the series' own a: nothing to share
        r.pm = chi_square_interval(c, nu, level, own);
    }
    // predicted proportions under N(mean, sigma²)
    r.below = has_l ? phi((s.lower - mean) / sigma) : cap_nan;
    r.above = has_u ? phi((mean - s.upper) / sigma) : cap_nan;
    if (has_l || has_u) {
        r.meet.value = 1.0 - (has_l ? r.below : 0.0) - (has_u ? r.above : 0.0);
        if (has_l != has_u) {  // one-sided: the meeting proportion is Φ(3·Cpk), a monotone map
            r.meet.value = phi(3.0 * r.pk.value);
            r.meet.lower = phi(3.0 * r.pk.lower);
            r.meet.upper = phi(3.0 * r.pk.upper);
        }
    }
    return r;
}

inline void check_specification(const Specification& s, std::size_t g, bool indexed) {
    auto fail = [&](const char* arg, const std::string& problem) {
        if (indexed) fail_argument(arg, g, problem);
        fail_argument(arg, problem);
    };
    if (std::isinf(s.lower)) fail("lower", "must be finite or NaN (no lower limit)");
    if (std::isinf(s.upper)) fail("upper", "must be finite or NaN (no upper limit)");
    if (std::isinf(s.nominal)) fail("nominal", "must be finite or NaN (the midpoint)");
    if (std::isfinite(s.lower) && std::isfinite(s.upper) && !(s.lower < s.upper))
        fail("upper", "the upper specification limit (" + std::to_string(s.upper) +
                          ") must be above the lower one (" + std::to_string(s.lower) + ")");
    if (std::isfinite(s.nominal)) {
        if (!(std::isfinite(s.lower) && std::isfinite(s.upper)))
            fail("nominal", "a nominal (target) value for Cpm needs both specification limits");
        if (s.nominal < s.lower || s.nominal > s.upper)
            fail("nominal", "must lie within the specification limits [" + std::to_string(s.lower) + ", " +
                                std::to_string(s.upper) + "], got " + std::to_string(s.nominal));
    }
}

inline Specification resolved(Specification s) noexcept {
    if (!std::isfinite(s.nominal) && std::isfinite(s.lower) && std::isfinite(s.upper))
        s.nominal = s.lower + (s.upper - s.lower) / 2.0;
    return s;
}

inline void check_values(std::span<const double> x, std::size_t base) {
    for (std::size_t i = 0; i < x.size(); ++i)
        if (std::isinf(x[i]))
            fail_argument("values", base + i, std::string("must be finite or NaN (missing), got ") + (x[i] > 0 ? "inf" : "-inf"));
}

/// Observed proportions below L, above U and meeting, among the non-missing values.
inline void observed(std::span<const double> x, const Specification& s, Capability& c) noexcept {
    if (!std::isfinite(s.lower) && !std::isfinite(s.upper)) return;
    std::size_t n = 0, below = 0, above = 0;
    for (double v : x) {
        if (v != v) continue;
        ++n;
        below += v < s.lower;  // false for a NaN limit
        above += v > s.upper;
    }
    if (n == 0) return;
    const double dn = static_cast<double>(n);
    c.observed_below = std::isfinite(s.lower) ? static_cast<double>(below) / dn : cap_nan;
    c.observed_above = std::isfinite(s.upper) ? static_cast<double>(above) / dn : cap_nan;
    c.observed_meet = static_cast<double>(n - below - above) / dn;
}

inline Specification spec_at(const CapabilityInput& in, std::size_t g) noexcept {
    auto pick = [g](std::span<const double> s) { return s.empty() ? cap_nan : (s.size() == 1 ? s[0] : s[g]); };
    return {pick(in.lower), pick(in.upper), pick(in.nominal)};
}

}  // namespace detail

inline void CapabilityOptions::validate() const {
    if (!(confidence > 0.0 && confidence < 1.0))
        fail_argument("confidence", "must be strictly between 0 and 1 (e.g. 0.95), got " + std::to_string(confidence));
    if (!(mr_d2 > 0.0) || !std::isfinite(mr_d2)) fail_argument("mr_d2", "must be positive, got " + std::to_string(mr_d2));
    if (screen_moving_ranges && !(screen_multiplier > 0.0 && std::isfinite(screen_multiplier)))
        fail_argument("screen_multiplier", "must be positive, got " + std::to_string(screen_multiplier));
    if (!(within_df_factor > 0.0 && within_df_factor <= 1.0))
        fail_argument("within_df_factor", "must be in (0, 1], got " + std::to_string(within_df_factor));
}

inline CapabilityMoments capability_moments(std::span<const double> x, const CapabilityOptions& o) {
    // The mean and the sums of squares use the accurate kernels of qm/stats/sum.hpp rather than
    // a Boost.Accumulators set: the mean must equal the XmR chart's centre line exactly, and
    // identical values must give a standard deviation of exactly 0 (a running-update variance
    // leaves rounding residue of 1e-17 there, and "sigma 0" is a status we report).
    CapabilityMoments m;
    const stats::MeanCount mc = stats::mean_skip_nan(x);
    m.n = mc.count;
    m.mean = mc.mean;
    if (m.n >= 2) {
        const double mu = m.mean, *p = x.data();
        const stats::MeanCount sq = stats::detail::lanes_mean(x.size(), [p, mu](std::size_t i, double& v) {
            const double d = p[i] - mu;
            v = d * d;
            return d == d;
        });
        m.sigma_overall = std::sqrt(sq.mean * static_cast<double>(sq.count) / static_cast<double>(sq.count - 1));
        m.df_overall = static_cast<double>(m.n - 1);
        m.df_within = o.within_df_factor * static_cast<double>(m.n - 1);
    }
    stats::MeanCount mr = stats::mean_abs_diff_skip_nan(x);
    if (o.screen_moving_ranges && mr.count > 0) {
        const stats::MeanCount screened = stats::mean_abs_diff_below(x, o.screen_multiplier * mr.mean);
        if (screened.count > 0) mr = screened;
    }
    m.n_moving_ranges = mr.count;
    if (mr.count > 0 && m.n >= 2) m.sigma_within = mr.mean / o.mr_d2;
    return m;
}

namespace detail {

/// capability_indices without the checks, with the caller's chi-square cache and level.
inline Capability indices_unchecked(const CapabilityMoments& m, const Specification& spec_in, const CapabilityOptions& o,
                                    const stats::Level& level, ChiSquareFactors& cache) {
    Capability c;
    c.moments = m;
    c.spec = resolved(spec_in);
    const bool any_spec = std::isfinite(c.spec.lower) || std::isfinite(c.spec.upper);
    if (m.n < 2 || m.n_moving_ranges == 0 || !(m.sigma_within == m.sigma_within)) {
        c.status = CapabilityStatus::too_few_values;
        return c;
    }
    const double n = static_cast<double>(m.n);
    const IndexSet w = index_set(m.mean, m.sigma_within, n, m.df_within, c.spec, o, level, cache);
    const IndexSet v = index_set(m.mean, m.sigma_overall, n, m.df_overall, c.spec, o, level, cache);
    c.cp = w.p, c.cpl = w.pl, c.cpu = w.pu, c.cpk = w.pk, c.cpm = w.pm;
    c.pp = v.p, c.ppl = v.pl, c.ppu = v.pu, c.ppk = v.pk, c.ppm = v.pm;
    c.expected_below_within = w.below, c.expected_above_within = w.above, c.p_meet_within = w.meet;
    c.expected_below_overall = v.below, c.expected_above_overall = v.above, c.p_meet_overall = v.meet;
    if (!(m.sigma_within > 0.0) || !(m.sigma_overall > 0.0)) c.status = CapabilityStatus::zero_sigma;
    else if (!any_spec) c.status = CapabilityStatus::no_specification;
    else c.status = CapabilityStatus::ok;
    return c;
}

}  // namespace detail

inline Capability capability_indices(const CapabilityMoments& m, const Specification& spec, const CapabilityOptions& o) {
    o.validate();
    detail::check_specification(spec, 0, false);
    detail::ChiSquareFactors cache;
    return detail::indices_unchecked(m, spec, o, stats::Level(o.confidence), cache);
}

inline Capability capability(std::span<const double> values, const Specification& spec, const CapabilityOptions& o) {
    o.validate();
    detail::check_specification(spec, 0, false);
    if (values.empty()) fail_argument("values", "is empty");
    detail::check_values(values, 0);
    const CapabilityMoments m = capability_moments(values, o);
    Capability c = capability_indices(m, spec, o);
    detail::observed(values, c.spec, c);
    if (c.status == CapabilityStatus::too_few_values) {
        if (m.n < 2)
            throw insufficient_data("values: capability needs at least 2 non-missing values, got " + std::to_string(m.n));
        throw insufficient_data("values: no two consecutive values are both present, so there is no moving range "
                                "for the within-process sigma");
    }
    if (c.status == CapabilityStatus::zero_sigma) {
        if (!(m.sigma_overall > 0.0))
            throw insufficient_data("values: all " + std::to_string(m.n) +
                                    " values are identical (sigma 0); capability indices are undefined");
        throw insufficient_data("values: every moving range is 0 (within-process sigma 0); capability indices are "
                                "undefined");
    }
    return c;
}

inline void CapabilityResult::resize(std::size_t G) {
    for (auto* v : {&n, &n_moving_ranges}) v->resize(G);
    for (auto* v : {&mean, &sigma_within, &sigma_overall, &df_within, &df_overall, &lower_spec, &upper_spec, &nominal,
                    &expected_below_within, &expected_above_within, &expected_below_overall, &expected_above_overall,
                    &observed_below, &observed_above, &observed_meet})
        v->resize(G);
    for (auto* v : {&cp, &cpl, &cpu, &cpk, &cpm, &pp, &ppl, &ppu, &ppk, &ppm, &p_meet_within, &p_meet_overall}) v->resize(G);
    status.resize(G);
}

inline void CapabilityResult::set(std::size_t g, const Capability& c) noexcept {
    n[g] = c.moments.n;
    n_moving_ranges[g] = c.moments.n_moving_ranges;
    mean[g] = c.moments.mean;
    sigma_within[g] = c.moments.sigma_within;
    sigma_overall[g] = c.moments.sigma_overall;
    df_within[g] = c.moments.df_within;
    df_overall[g] = c.moments.df_overall;
    lower_spec[g] = c.spec.lower;
    upper_spec[g] = c.spec.upper;
    nominal[g] = c.spec.nominal;
    cp.set(g, c.cp), cpl.set(g, c.cpl), cpu.set(g, c.cpu), cpk.set(g, c.cpk), cpm.set(g, c.cpm);
    pp.set(g, c.pp), ppl.set(g, c.ppl), ppu.set(g, c.ppu), ppk.set(g, c.ppk), ppm.set(g, c.ppm);
    expected_below_within[g] = c.expected_below_within;
    expected_above_within[g] = c.expected_above_within;
    expected_below_overall[g] = c.expected_below_overall;
    expected_above_overall[g] = c.expected_above_overall;
    p_meet_within.set(g, c.p_meet_within);
    p_meet_overall.set(g, c.p_meet_overall);
    observed_below[g] = c.observed_below;
    observed_above[g] = c.observed_above;
    observed_meet[g] = c.observed_meet;
    status[g] = c.status;
}

inline CapabilityResult capability_grouped(const CapabilityInput& in, const CapabilityOptions& o, unsigned threads) {
    o.validate();
    if (in.offsets.size() < 2) fail_argument("offsets", "needs at least 2 entries (one group)");
    if (in.offsets.front() != 0) fail_argument("offsets", 0, "must be 0");
    const std::size_t G = in.offsets.size() - 1, n = in.offsets.back();
    if (n != in.values.size())
        fail_argument("offsets", G, "must equal the number of values (" + std::to_string(in.values.size()) + "), got " +
                                        std::to_string(n));
    for (std::size_t g = 0; g < G; ++g)
        if (in.offsets[g + 1] <= in.offsets[g]) fail_argument("offsets", g + 1, "group " + std::to_string(g) + " is empty or offsets decrease");
    for (auto [s, name] : {std::pair{in.lower, "lower"}, std::pair{in.upper, "upper"}, std::pair{in.nominal, "nominal"}})
        if (!(s.empty() || s.size() == 1 || s.size() == G))
            fail_argument(name, "needs one entry per group (" + std::to_string(G) + "), one for all, or none; got " +
                                    std::to_string(s.size()));
    for (std::size_t g = 0; g < G; ++g) detail::check_specification(detail::spec_at(in, g), g, true);
    detail::check_values(in.values, 0);

    CapabilityResult r;
    r.resize(G);
    const stats::Level level(o.confidence);
    for_each_group_chunk(in.offsets, threads, [&](std::size_t g0, std::size_t g1) {
        detail::ChiSquareFactors cache;
        for (std::size_t g = g0; g < g1; ++g) {
            const auto x = in.values.subspan(in.offsets[g], in.offsets[g + 1] - in.offsets[g]);
            Capability c = detail::indices_unchecked(capability_moments(x, o), detail::spec_at(in, g), o, level, cache);
            detail::observed(x, c.spec, c);
            r.set(g, c);
        }
    });
    return r;
}

// ============================================================================================
// Target assurance: implementation
// ============================================================================================

inline double target_index(double target, double centre, double lower, double upper, Improvement imp) noexcept {
    if (imp == Improvement::neutral || target != target || centre != centre) return detail::cap_nan;
    const double dir = imp == Improvement::increase ? 1.0 : -1.0;
    const double d = dir * (centre - target);
    const double w = target >= centre ? upper - centre : centre - lower;
    if (!(w > 0.0)) return detail::cap_nan;  // NaN limit or limits collapsed onto the centre
    return d / w;
}

inline MeetModel meet_model(spc::ChartType chart) noexcept {
    using spc::ChartType;
    switch (chart) {
        case ChartType::run: return MeetModel::none;
        case ChartType::p:
        case ChartType::np: return MeetModel::binomial;
        case ChartType::c:
        case ChartType::u: return MeetModel::poisson;
        default: return MeetModel::normal;
    }
}

namespace detail {

/// P(X ≥ k) for an integer-valued X with cdf F: 1 − F(k − 1), via the complement for accuracy.
template <class Dist>
double upper_tail_from(const Dist& d, double k, double max_value) {
    if (k <= 0.0) return 1.0;
    if (k > max_value) return 0.0;
    return boost::math::cdf(boost::math::complement(d, k - 1.0));
}

template <class Dist>
double lower_tail_to(const Dist& d, double k, double max_value) {
    if (k < 0.0) return 0.0;
    if (k >= max_value) return 1.0;
    return boost::math::cdf(d, k);
}

/// Smallest integer count k with k/scale ≥ target (scale = 1 for counts), decided with the
/// same floating-point division a user's comparison would make.
inline double first_count_meeting(double target, double scale) noexcept {
    double k = std::ceil(target * scale);
    while (k - 1.0 >= 0.0 && (k - 1.0) / scale >= target) k -= 1.0;
    while (k / scale < target) k += 1.0;
    return k;
}

/// Largest integer count k with k/scale ≤ target.
inline double last_count_meeting(double target, double scale) noexcept {
    double k = std::floor(target * scale);
    while ((k + 1.0) / scale <= target) k += 1.0;
    while (k >= 0.0 && k / scale > target) k -= 1.0;
    return k;
}

inline bool is_whole(double x) noexcept { return std::isfinite(x) && x >= 0.0 && x == std::floor(x) && x < 9.0e15; }

}  // namespace detail

inline double predicted_meet(MeetModel model, double target, double centre, double lower, double upper, double den,
                             Improvement imp, spc::ChartType chart) {
    using spc::ChartType;
    if (imp == Improvement::neutral || target != target || centre != centre) return detail::cap_nan;
    const bool inc = imp == Improvement::increase;
    if (model == MeetModel::binomial) {
        if (!detail::is_whole(den) || den == 0.0) model = MeetModel::normal;  // weighted or missing n: normal
        else {
            const double p = chart == ChartType::np ? centre / den : centre;
            if (!(p >= 0.0 && p <= 1.0)) return detail::cap_nan;
            const double scale = chart == ChartType::np ? 1.0 : den;  // the statistic is k/scale
            const boost::math::binomial_distribution<double> d(den, p);
            if (p == 0.0 || p == 1.0) {  // degenerate: X = den·p surely
                const double x = den * p / scale;
                return (inc ? x >= target : x <= target) ? 1.0 : 0.0;
            }
            return inc ? detail::upper_tail_from(d, detail::first_count_meeting(target, scale), den)
                       : detail::lower_tail_to(d, detail::last_count_meeting(target, scale), den);
        }
    }
    if (model == MeetModel::poisson) {
        const double scale = chart == ChartType::u ? den : 1.0;
        const double mu = chart == ChartType::u ? centre * den : centre;
        if (!(scale > 0.0) || !std::isfinite(mu) || mu < 0.0) {
            if (chart == ChartType::u) model = MeetModel::normal;
            else return detail::cap_nan;
        } else {
            if (mu == 0.0) return (inc ? 0.0 >= target : 0.0 <= target) ? 1.0 : 0.0;
            const boost::math::poisson_distribution<double> d(mu);
            const double inf = std::numeric_limits<double>::infinity();
            return inc ? detail::upper_tail_from(d, detail::first_count_meeting(target, scale), inf)
                       : detail::lower_tail_to(d, detail::last_count_meeting(target, scale), inf);
        }
    }
    if (model == MeetModel::normal) {
        const double t = target_index(target, centre, lower, upper, imp);
        return t == t ? detail::phi(3.0 * t) : detail::cap_nan;
    }
    return detail::cap_nan;
}

inline TargetAssuranceResult target_assurance(const TargetAssuranceInput& in, unsigned threads) {
    if (in.offsets.size() < 2) fail_argument("offsets", "needs at least 2 entries (one group)");
    if (in.offsets.front() != 0) fail_argument("offsets", 0, "must be 0");
    const std::size_t G = in.offsets.size() - 1, n = in.offsets.back();
    for (std::size_t g = 0; g < G; ++g)
        if (in.offsets[g + 1] <= in.offsets[g]) fail_argument("offsets", g + 1, "group " + std::to_string(g) + " is empty or offsets decrease");
    for (auto [s, name] : {std::pair{in.statistic, "statistic"}, std::pair{in.centre, "centre"},
                           std::pair{in.lower, "lower"}, std::pair{in.upper, "upper"}})
        if (s.size() != n) fail_argument(name, "needs one entry per point (" + std::to_string(n) + "), got " + std::to_string(s.size()));
    if (!in.denominators.empty() && in.denominators.size() != n)
        fail_argument("denominators", "needs one entry per point (" + std::to_string(n) + ") or none, got " +
                                          std::to_string(in.denominators.size()));
    if (!in.phase_begin.empty()) {
        if (in.phase_begin.size() != G)
            fail_argument("phase_begin", "needs one entry per group (" + std::to_string(G) + "), got " + std::to_string(in.phase_begin.size()));
        for (std::size_t g = 0; g < G; ++g)
            if (in.phase_begin[g] < in.offsets[g] || in.phase_begin[g] >= in.offsets[g + 1])
                fail_argument("phase_begin", g, "row " + std::to_string(in.phase_begin[g]) + " is not in group " + std::to_string(g));
    }
    if (!(in.targets.empty() || in.targets.size() == 1 || in.targets.size() == G))
        fail_argument("targets", "needs one entry per group (" + std::to_string(G) + "), one for all, or none; got " +
                                     std::to_string(in.targets.size()));
    for (std::size_t g = 0; g < in.targets.size(); ++g)
        if (std::isinf(in.targets[g])) fail_argument("targets", g, "must be finite or NaN (no target)");

    TargetAssuranceResult r;
    r.icon.resize(G);
    for (auto* v : {&r.target, &r.target_index, &r.p_meet, &r.share_pass, &r.share_fail, &r.share_hit_and_miss, &r.observed_meet})
        v->assign(G, detail::cap_nan);
    r.model.assign(G, MeetModel::none);
    r.n_points.resize(G);
    r.n_limits.resize(G);
    const MeetModel model = meet_model(in.chart);

    for_each_group_chunk(in.offsets, threads, [&](std::size_t g0, std::size_t g1) {
        for (std::size_t g = g0; g < g1; ++g) {
            const std::size_t b = in.phase_begin.empty() ? in.offsets[g] : in.phase_begin[g], e = in.offsets[g + 1], last = e - 1;
            const double T = in.targets.empty() ? detail::cap_nan : (in.targets.size() == 1 ? in.targets[0] : in.targets[g]);
            r.target[g] = T;
            r.n_points[g] = e - b;
            r.icon[g] = assurance_icon(T, in.lower[last], in.upper[last], in.improvement);
            std::size_t n_lim = 0, n_pass = 0, n_fail = 0, n_val = 0, n_meet = 0;
            const bool judged = T == T && in.improvement != Improvement::neutral;
            for (std::size_t i = b; i < e; ++i) {
                if (std::isfinite(in.lower[i]) && std::isfinite(in.upper[i])) {
                    ++n_lim;
                    const AssuranceIcon a = assurance_icon(T, in.lower[i], in.upper[i], in.improvement);
                    n_pass += a == AssuranceIcon::consistent_pass;
                    n_fail += a == AssuranceIcon::consistent_fail;
                }
                const double y = in.statistic[i];
                if (y == y) {
                    ++n_val;
                    n_meet += in.improvement == Improvement::increase ? y >= T : y <= T;
                }
            }
            r.n_limits[g] = n_lim;
            if (!judged) continue;
            if (n_lim > 0) {
                const double dn = static_cast<double>(n_lim);
                r.share_pass[g] = static_cast<double>(n_pass) / dn;
                r.share_fail[g] = static_cast<double>(n_fail) / dn;
                r.share_hit_and_miss[g] = static_cast<double>(n_lim - n_pass - n_fail) / dn;
            }
            if (n_val > 0) r.observed_meet[g] = static_cast<double>(n_meet) / static_cast<double>(n_val);
            r.target_index[g] = target_index(T, in.centre[last], in.lower[last], in.upper[last], in.improvement);
            if (model != MeetModel::none && std::isfinite(in.lower[last]) && std::isfinite(in.upper[last])) {
                const double den = in.denominators.empty() ? detail::cap_nan : in.denominators[last];
                MeetModel used = model;
                if (used == MeetModel::binomial && (!detail::is_whole(den) || den == 0.0)) used = MeetModel::normal;
                if (used == MeetModel::poisson && in.chart == spc::ChartType::u && !(den > 0.0)) used = MeetModel::normal;
                r.p_meet[g] = predicted_meet(used, T, in.centre[last], in.lower[last], in.upper[last], den, in.improvement, in.chart);
                r.model[g] = used;
            }
        }
    });
    return r;
}

}  // namespace qm::assurance
