#pragma once
// qm/assurance/funnel.hpp — funnel plots: units compared with a benchmark, with limits that
// narrow as the denominator grows, exact or over-dispersion adjusted (Spiegelhalter 2005).
//
// Synopsis
//   enum class qm::assurance::FunnelType     { proportion, ratio, ratio_of_counts, rate }
//   enum class qm::assurance::FunnelScale    { automatic, identity, arcsine, log, sqrt }
//   enum class qm::assurance::FunnelLimits   { exact, poisson_ci, normal, phe }
//   enum class qm::assurance::Overdispersion { none, multiplicative, additive }
//   enum class qm::assurance::Trim           { winsorise, truncate }
//   enum class qm::assurance::FunnelBand     { low_998 = -2, low_95, within, high_95, high_998,
//                                              missing, not_applicable }
//   enum class qm::assurance::DispersionStatus { not_estimated, adjusted, not_overdispersed,
//                                              no_variation, too_few_units }
//   struct FunnelOptions { type, scale, limits, overdispersion, trim, trim_fraction, target,
//                          multiplier, level, improvement, ... }       (defaults below)
//   FunnelOptions funnel_preset(std::string_view name, FunnelType type)
//       "spiegelhalter" (default), "funnelplotr", "funnelplotr_cqc", "shmi", "cqc", "phe"
//   struct FunnelModel  { options, target, target_scaled, phi, tau2, n_units, n_used,
//                         dispersion_p, status; limits_at(denominator, adjusted) }
//   struct FunnelResult { model; per unit: value, z, z_adjusted, trimmed, lower_95 … upper_998,
//                         *_unadjusted, band, outlier, point_type }
//   FunnelResult funnel(numerator, denominator, const FunnelOptions& = {}, unsigned threads = 0)
//   FunnelCurve  funnel_curve(const FunnelModel&, std::span<const double> denominators)
//   std::vector<double> funnel_grid(double lowest, double highest, std::size_t n)
//   PheFunnelTable phe_funnel_limits(const PheFunnelInput&)      calculate_funnel_limits' table
//   std::vector<double> phe_rate_denominators(numerator, denominator, rate, multiplier, PheRateType)
//   std::string_view to_string(FunnelBand | FunnelType | DispersionStatus | ...)
//
// Method (every step an option; the tools' conventions are presets)
//   1. Unit value y = O/n (proportion, rate), O/E (ratio: standardised ratio), O/D (ratio of
//      counts), reported × multiplier. Target θ₀: `target`, else the pooled ΣO/Σn (ratio: 1).
//   2. Unadjusted limits at denominator n, two-sided 95% and 99.8%:
//        exact       Spiegelhalter (2005, appendix A.1.1): r_p the p-quantile of Bin(n, θ₀) or
//                    Poisson(nθ₀), α = (F(r_p) − p)/(F(r_p) − F(r_p − 1)), limit (r_p − α)/n;
//                    clipped to [0, 1] for proportions and at 0 for ratios and rates. Binomial
//                    CDFs use the beta-function form, so non-integer n (weighted counts) work.
//                    Ratios of counts have no exact form: their limits are always `normal`.
//        poisson_ci  FunnelPlotR's standardised-ratio limits θ₀·χ²_{α/2}(2μ)/(2μ) and
//                    θ₀·χ²_{1−α/2}(2μ + 2)/(2μ), μ = nθ₀ (ratios and rates only)
//        normal      y₀ ± z·s(n) on `scale`, back-transformed (FunnelPlotR's PR and RC limits)
//        phe         PHEindicatormethods: proportions θ₀ ± z√(θ₀(1 − θ₀)/n) (its Wilson-inverted
//                    `sigma_adjustment` simplifies to exactly this); ratios and rates the
//                    continuous exact Poisson limits of its `poisson_funnel`, units classed by
//                    their own exact (< 10 events) or Byar confidence interval against θ₀.
//   3. z-scores on `scale` (y − y₀)/s, s the standard error under the target:
//        proportion  identity √(θ₀(1−θ₀)/n); arcsine asin√p, 1/(2√n)
//        ratio, rate identity √(θ₀/n); log ln(O/n), 1/√(nθ₀) (SHMI); sqrt √(O/n), 1/(2√n) (CQC)
//        ratio of counts  log ln((O+½)/(D+½)), √(μ/(μ+½)² + D/(D+½)²) with μ = θ₀D
//   4. Over-dispersion: z winsorised at the trim_fraction and 1 − trim_fraction quantiles (R's
//      type 7, as FunnelPlotR) or truncated (SHMI: rank-based, the outer k-tiles dropped);
//      φ = Σz²/n_used; DerSimonian–Laird τ² = max(0, (n φ − (n − 1))/(Σw − Σw²/Σw)), w = 1/s²,
//      0 when nφ < n − 1. Multiplicative limits y₀ ± z√φ·s, additive y₀ ± z√(s² + τ²);
//      z_adjusted = z/√φ or (y − y₀)/√(s² + τ²). By default (FunnelPlotR) the adjustment is only
//      applied when φ > 1. Test of no over-dispersion: n φ ~ χ²(n − 1), dispersion_p.
//   5. Band per unit by strict comparison with the limits in use (on a limit is inside):
//      high_998 above the 99.8% upper limit, high_95 above the 95% one, low_… likewise; `outlier`
//      at `level`; point_type from `improvement` (NHS Making Data Count vocabulary).
//
// Documented differences from the tools (the tool's behaviour is an option and a preset):
//   * FunnelPlotR's CQC (square-root) adjusted limits are 1 ± z√(s² + τ²), not squared back
//     from the √ scale; we square back by default (`square_back_sqrt`, PowerBI-Funnels does too).
//   * FunnelPlotR's ratio-of-counts limits use s = 1/(2√n), the proportion SE, and its z-scores
//     the observed-count SE; we use the SE of the log ratio under the target for both
//     (`funnelplotr_ratio_of_counts` reproduces the tool).
//   * FunnelPlotR rounds SHMI expected counts to 2 dp (`round_expected`); its z are 1.959964
//     and 3.090232 (`z_95`, `z_998`); we use Φ⁻¹(0.975) and Φ⁻¹(0.999) unrounded.
//   * Proportions' unadjusted limits are exact binomial by default (FunnelPlotR: arcsine normal).
//
// Bad input throws qm::invalid_argument naming the argument and index: negative counts, a
// numerator above its denominator for a proportion, a denominator (or expected count) <= 0,
// infinite values. NaN (missing) units are skipped and banded `missing`. Degenerate data are
// result states (DispersionStatus): a single unit (too_few_units: φ not estimable, unadjusted
// limits), all units alike (no_variation: φ = 0, unadjusted limits), no over-dispersion
// (not_overdispersed). qm::insufficient_data: no unit with data; every unit with zero events
// for a pooled rate; infinite dispersion (zero events on the log scale beyond the trim).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <qm/core/error.hpp>
#include <qm/core/types.hpp>
#include <qm/stats/intervals.hpp>
#include <qm/stats/sum.hpp>

namespace qm::assurance {

enum class FunnelType : std::int8_t { proportion = 0, ratio = 1, ratio_of_counts = 2, rate = 3 };
enum class FunnelScale : std::int8_t { automatic = 0, identity = 1, arcsine = 2, log = 3, sqrt = 4 };
enum class FunnelLimits : std::int8_t { exact = 0, poisson_ci = 1, normal = 2, phe = 3 };
enum class Overdispersion : std::int8_t { none = 0, multiplicative = 1, additive = 2 };
enum class Trim : std::int8_t { winsorise = 0, truncate = 1 };
enum class FunnelBand : std::int8_t {
    low_998 = -2, low_95 = -1, within = 0, high_95 = 1, high_998 = 2,
    missing = 3,         ///< numerator or denominator missing (NaN)
    not_applicable = 4,  ///< fewer events than `minimum_events` (PHE: DSRs below 10 events)
};
enum class DispersionStatus : std::int8_t {
    not_estimated = 0,      ///< overdispersion == none
    adjusted = 1,           ///< limits adjusted for over-dispersion
    not_overdispersed = 2,  ///< φ <= 1 with adjust_only_if_overdispersed: unadjusted limits
    no_variation = 3,       ///< φ = 0 (every z is 0: the units agree with the target exactly)
    too_few_units = 4,      ///< fewer than 2 units left after trimming: φ not estimable
};

struct FunnelOptions {
    FunnelType type = FunnelType::proportion;
    /// Scale of the z-scores and adjusted limits; automatic: arcsine (proportion), log (ratio,
    /// rate, ratio of counts).
    FunnelScale scale = FunnelScale::automatic;
    /// Unadjusted limits.
    FunnelLimits limits = FunnelLimits::exact;
    Overdispersion overdispersion = Overdispersion::additive;
    Trim trim = Trim::winsorise;
    /// Fraction winsorised (truncated) at each end before φ is estimated.
    double trim_fraction = 0.1;
    /// Only adjust when φ > 1 (FunnelPlotR); otherwise unadjusted limits.
    bool adjust_only_if_overdispersed = true;
    /// Benchmark θ₀ in unscaled units (not × multiplier); NaN: pooled ΣO/Σn (ratio: 1).
    double target = std::numeric_limits<double>::quiet_NaN();
    /// Values and limits are reported × multiplier (e.g. 100 for percentages).
    double multiplier = 1.0;
    /// Level of `outlier` and point_type: 0.95 or 0.998.
    double level = 0.998;
    /// Which direction is better, for point_type (neutral: special_cause_neutral_high/low).
    Improvement improvement = Improvement::neutral;
    /// z of the 95% and 99.8% limits (FunnelPlotR: 1.959964, 3.090232).
    double z_95 = 1.959963984540054;
    double z_998 = 3.090232306167813;
    /// Square-root scale: square the limits back, (1 ± z√(s² + τ²))² (false: FunnelPlotR as written).
    bool square_back_sqrt = true;
    /// FunnelPlotR's ratio-of-counts quirks: observed-count SE for z, 1/(2√n) for the limits.
    bool funnelplotr_ratio_of_counts = false;
    /// Round expected counts (ratio denominators) to 2 dp for z and limits (FunnelPlotR's SHMI).
    bool round_expected = false;
    /// Units with fewer events are banded not_applicable (PHE: 10 for DSRs); 0: none.
    double minimum_events = 0.0;
    /// Events below which PHE's ratio and rate test uses the exact χ² interval, Byar above.
    double exact_below = 10.0;

    /// The scale actually used (automatic resolved).
    FunnelScale resolved_scale() const noexcept {
        if (scale != FunnelScale::automatic) return scale;
        return type == FunnelType::proportion ? FunnelScale::arcsine : FunnelScale::log;
    }
    /// Throws qm::invalid_argument naming the option.
    void validate() const;
};

/// A named bundle of option values (data, not a code path). `type` picks the tool's variant.
FunnelOptions funnel_preset(std::string_view name, FunnelType type);
std::span<const std::string_view> funnel_preset_names();

/// The 95% and 99.8% limits at one denominator, × multiplier.
struct FunnelLimitsAt {
    double lower_95 = std::numeric_limits<double>::quiet_NaN(), upper_95 = std::numeric_limits<double>::quiet_NaN();
    double lower_998 = std::numeric_limits<double>::quiet_NaN(), upper_998 = std::numeric_limits<double>::quiet_NaN();
};

/// What a funnel was fitted to: the target and the over-dispersion estimates. Limits at any
/// denominator come from limits_at (the funnel curve for plotting).
struct FunnelModel {
    FunnelOptions options;       ///< scale resolved
    double target = 0;           ///< θ₀ (unscaled)
    double target_scaled = 0;    ///< y₀ = θ₀ on `scale`
    double phi = std::numeric_limits<double>::quiet_NaN();   ///< dispersion ratio (NaN: not estimated)
    double tau2 = std::numeric_limits<double>::quiet_NaN();  ///< between-unit variance on `scale`
    std::size_t n_units = 0;     ///< units with data
    std::size_t n_used = 0;      ///< units in the φ estimate (after truncation)
    double dispersion_p = std::numeric_limits<double>::quiet_NaN();  ///< P(χ²(n−1) >= n φ)
    DispersionStatus status = DispersionStatus::not_estimated;

    bool adjusted() const noexcept { return status == DispersionStatus::adjusted; }
    /// Limits at `denominator` (expected count for ratios), adjusted when `adjusted` and the model
    /// is adjusted, else the unadjusted `limits`.
    FunnelLimitsAt limits_at(double denominator, bool adjusted = true) const;
};

struct FunnelResult {
    FunnelModel model;
    // one entry per unit, in input order
    std::vector<double> value;        ///< O/n × multiplier
    std::vector<double> z;            ///< unadjusted z on the scale
    std::vector<double> z_adjusted;   ///< over-dispersion adjusted z (= z when not adjusted)
    std::vector<std::uint8_t> trimmed;  ///< 1: winsorised or truncated in the φ estimate
    std::vector<double> lower_95, upper_95, lower_998, upper_998;  ///< limits in use
    std::vector<double> lower_95_unadjusted, upper_95_unadjusted, lower_998_unadjusted, upper_998_unadjusted;
    std::vector<FunnelBand> band;
    std::vector<std::uint8_t> outlier;  ///< outside the limits at options.level
    std::vector<PointType> point_type;
};

FunnelResult funnel(std::span<const double> numerator, std::span<const double> denominator,
                    const FunnelOptions& options = {}, unsigned threads = 0);

struct FunnelCurve {
    std::vector<double> denominator;
    std::vector<double> lower_95, upper_95, lower_998, upper_998;  ///< limits in use (adjusted if the model is)
    std::vector<double> lower_95_unadjusted, upper_95_unadjusted, lower_998_unadjusted, upper_998_unadjusted;
};

/// The limit curves at the given denominators (any order; each must be > 0).
FunnelCurve funnel_curve(const FunnelModel& model, std::span<const double> denominators);

/// n denominators from `lowest` to `highest`, evenly spaced on a square-root scale (funnels
/// change fastest at small n), rounded to integers for proportions when `integers`.
std::vector<double> funnel_grid(double lowest, double highest, std::size_t n, bool integers = false);

// ---- PHEindicatormethods calculate_funnel_limits: its table, on its own 100-point axis --------
enum class PheRatioType : std::int8_t { count = 0, isr = 1 };
enum class PheRateType : std::int8_t { dsr = 0, crude = 1 };

struct PheFunnelInput {
    FunnelType statistic = FunnelType::proportion;  ///< proportion, ratio or rate
    std::span<const double> numerator = {};
    std::span<const double> denominator = {};  ///< proportion: population; ratio: expected; rate: derived
    double multiplier = 100.0;
    PheRatioType ratio_type = PheRatioType::isr;
    double years_of_data = 1.0;           ///< rates only
};

struct PheFunnelTable {
    std::vector<double> axis;  ///< Population (proportion), Observed_events (ratio), Events (rate)
    std::vector<double> lower_95, upper_95, lower_998, upper_998;  ///< the limits (2s = 95%, 3s = 99.8%)
    /// ratio: the expected events on each limit; rate: the one-year population; NaN for proportions
    std::vector<double> lower_95_axis, upper_95_axis, lower_998_axis, upper_998_axis;
    double baseline = std::numeric_limits<double>::quiet_NaN();  ///< average × multiplier (proportion, rate)
    double average = std::numeric_limits<double>::quiet_NaN();   ///< ΣO/Σn
};

PheFunnelTable phe_funnel_limits(const PheFunnelInput& input);

/// PHE's denominators for rate funnels: multiplier·O/rate; where O = 0: the given denominator
/// (crude; NaN if none) or NaN (DSR).
std::vector<double> phe_rate_denominators(std::span<const double> numerator, std::span<const double> denominator,
                                          std::span<const double> rate, double multiplier, PheRateType type);

constexpr std::string_view to_string(FunnelType v) noexcept {
    switch (v) {
        case FunnelType::proportion: return "proportion";
        case FunnelType::ratio: return "ratio";
        case FunnelType::ratio_of_counts: return "ratio_of_counts";
        case FunnelType::rate: return "rate";
    }
    return "?";
}
constexpr std::string_view to_string(FunnelScale v) noexcept {
    switch (v) {
        case FunnelScale::automatic: return "automatic";
        case FunnelScale::identity: return "identity";
        case FunnelScale::arcsine: return "arcsine";
        case FunnelScale::log: return "log";
        case FunnelScale::sqrt: return "sqrt";
    }
    return "?";
}
constexpr std::string_view to_string(FunnelLimits v) noexcept {
    switch (v) {
        case FunnelLimits::exact: return "exact";
        case FunnelLimits::poisson_ci: return "poisson_ci";
        case FunnelLimits::normal: return "normal";
        case FunnelLimits::phe: return "phe";
    }
    return "?";
}
constexpr std::string_view to_string(Overdispersion v) noexcept {
    switch (v) {
        case Overdispersion::none: return "none";
        case Overdispersion::multiplicative: return "multiplicative";
        case Overdispersion::additive: return "additive";
    }
    return "?";
}
constexpr std::string_view to_string(Trim v) noexcept { return v == Trim::winsorise ? "winsorise" : "truncate"; }
constexpr std::string_view to_string(FunnelBand v) noexcept {
    switch (v) {
        case FunnelBand::low_998: return "low_998";
        case FunnelBand::low_95: return "low_95";
        case FunnelBand::within: return "within";
        case FunnelBand::high_95: return "high_95";
        case FunnelBand::high_998: return "high_998";
        case FunnelBand::missing: return "missing";
        case FunnelBand::not_applicable: return "not_applicable";
    }
    return "?";
}
constexpr std::string_view to_string(DispersionStatus v) noexcept {
    switch (v) {
        case DispersionStatus::not_estimated: return "not_estimated";
        case DispersionStatus::adjusted: return "adjusted";
        case DispersionStatus::not_overdispersed: return "not_overdispersed";
        case DispersionStatus::no_variation: return "no_variation";
        case DispersionStatus::too_few_units: return "too_few_units";
    }
    return "?";
}

FunnelType parse_funnel_type(std::string_view s);
FunnelScale parse_funnel_scale(std::string_view s);
FunnelLimits parse_funnel_limits(std::string_view s);
Overdispersion parse_overdispersion(std::string_view s);
Trim parse_trim(std::string_view s);

// ============================================================================ implementation

namespace detail {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr double half_pi = 1.5707963267948966;

/// Runs f(begin, end) over [0, n) in contiguous chunks on up to `threads` threads (0: all
/// cores); small inputs run on the calling thread.
template <class F>
void parallel_for(std::size_t n, unsigned threads, std::size_t min_per_thread, F&& f) {
    unsigned T = threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads;
    const std::size_t max_t = std::max<std::size_t>(1, n / std::max<std::size_t>(1, min_per_thread));
    T = static_cast<unsigned>(std::min<std::size_t>(T, max_t));
    if (T <= 1) {
        f(std::size_t{0}, n);
        return;
    }
    std::vector<std::jthread> pool;
    pool.reserve(T - 1);
    for (unsigned t = 1; t < T; ++t) pool.emplace_back([&f, n, T, t] { f(n * t / T, n * (t + 1) / T); });
    f(std::size_t{0}, n / T);
}

/// Accurate sum (double-double, as R's long-double sum).
template <class Term>
double accurate_sum(std::size_t n, Term term) {
    stats::detail::DD acc;
    for (std::size_t i = 0; i < n; ++i) {
        double v;
        if (term(i, v)) acc.add(v);
    }
    return acc.hi + acc.lo;
}

/// Bin(n, θ) on the integers, continuous in n (the beta-function form, so weighted, non-integer
/// denominators work): F(r) = I_{1−θ}(n − r, r + 1) for r < n, 1 from r >= n.
struct BinomialDist {
    double n, theta;
    double mean() const noexcept { return n * theta; }
    double sd() const noexcept { return std::sqrt(n * theta * (1.0 - theta)); }
    double skewness() const noexcept { return (1.0 - 2.0 * theta) / sd(); }
    double max_r() const noexcept { return std::ceil(n); }
    double cdf(double r) const {
        if (r < 0.0) return 0.0;
        if (r >= n) return 1.0;
        return boost::math::ibetac(r + 1.0, n - r, theta);
    }
    /// P(X > r), accurate in the upper tail.
    double sf(double r) const {
        if (r < 0.0) return 1.0;
        if (r >= n) return 0.0;
        return boost::math::ibeta(r + 1.0, n - r, theta);
    }
    /// P(X = r) = F(r) − F(r − 1) = d/dθ I_θ(r + 1, n − r + 1)/(n + 1) for r < n (also for
    /// non-integer n); at r = ceil(n) the remaining mass 1 − F(r − 1).
    double pmf(double r) const {
        if (r < 0.0 || r > max_r()) return 0.0;
        if (r >= n) return 1.0 - cdf(r - 1.0);
        return boost::math::ibeta_derivative(r + 1.0, n - r + 1.0, theta) / (n + 1.0);
    }
    /// pmf(r + 1)/pmf(r), when `step_ok(r)` (both below n).
    double ratio(double r) const noexcept { return (n - r) / (r + 1.0) * theta / (1.0 - theta); }
    bool step_ok(double r) const noexcept { return r + 1.0 < n; }
};

struct PoissonDist {
    double mu;
    double mean() const noexcept { return mu; }
    double sd() const noexcept { return std::sqrt(mu); }
    double skewness() const noexcept { return 1.0 / std::sqrt(mu); }
    double max_r() const noexcept { return std::numeric_limits<double>::max(); }
    double cdf(double r) const { return r < 0.0 ? 0.0 : boost::math::gamma_q(r + 1.0, mu); }
    double sf(double r) const { return r < 0.0 ? 1.0 : boost::math::gamma_p(r + 1.0, mu); }
    double pmf(double r) const { return r < 0.0 ? 0.0 : boost::math::gamma_p_derivative(r + 1.0, mu); }
    double ratio(double r) const noexcept { return mu / (r + 1.0); }
    bool step_ok(double) const noexcept { return true; }
};

inline double normal_quantile(double p) {
    return boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

/// A position in a discrete distribution: r, the tail mass T there (F(r) in the lower tail,
/// P(X > r) in the upper one) and pmf(r). Moving one step costs a multiplication (the pmf
/// recurrence) instead of an incomplete beta or gamma function.
template <class D>
struct Walker {
    const D& d;
    bool upper;
    double r = 0, T = 0, pr = 0;

    void evaluate(double at) {
        r = at;
        T = upper ? d.sf(r) : d.cdf(r);
        pr = d.pmf(r);
    }
    void down() {  // to r − 1
        T = upper ? T + pr : T - pr;
        r -= 1.0;
        const double k = d.step_ok(r) ? d.ratio(r) : 0.0;
        pr = k > 0.0 && pr > 0.0 ? pr / k : d.pmf(r);
        if (!(pr > 0.0) || !std::isfinite(pr)) evaluate(r);
    }
    void up() {  // to r + 1
        const double k = d.step_ok(r) ? d.ratio(r) : 0.0;
        r += 1.0;
        pr = k > 0.0 && pr > 0.0 ? pr * k : d.pmf(r);
        if (!(pr > 0.0) || !std::isfinite(pr) || r >= d.max_r()) evaluate(r);
        else T = upper ? T - pr : T + pr;
    }
};

/// Spiegelhalter's (2005) interpolated p-quantile: r_p = min{r : F(r) >= p} and
/// α = (F(r_p) − p)/(F(r_p) − F(r_p − 1)); returns r_p − α. The walker is moved to r_p (and may
/// already be near it: the caller reuses it for the next quantile of the same tail).
template <class D>
double interpolated_quantile(Walker<D>& w, double p) {
    const double q = w.upper ? 1.0 - p : p;  // tail mass
    auto holds = [&](double T) { return w.upper ? T <= q : T >= q; };  // F(r) >= p
    if (holds(w.T)) {
        while (w.r > 0.0) {
            const double prev = w.upper ? w.T + w.pr : w.T - w.pr;  // the tail at r − 1
            if (!holds(prev)) break;
            w.down();
        }
    } else {
        while (!holds(w.T) && w.r < w.d.max_r()) w.up();
    }
    if (!(w.pr > 0.0)) return w.r;
    const double alpha = w.upper ? (q - w.T) / w.pr : (w.T - q) / w.pr;
    return w.r - alpha;
}

/// The interpolated quantiles at 0.025, 0.975, 0.001 and 0.999: one incomplete beta or gamma
/// evaluation per tail (at a Cornish–Fisher guess), then the pmf recurrence, unless the two
/// quantiles of a tail are far apart (then a fresh evaluation is cheaper than the walk).
template <class D>
std::array<double, 4> exact_quantiles(const D& d) {
    std::array<double, 4> out{};
    const double m = d.mean(), sd = d.sd(), g = d.skewness();
    auto guess = [&](double p) {
        const double z = normal_quantile(p);
        return std::clamp(std::floor(m + sd * (z + (z * z - 1.0) * g / 6.0)), 0.0, d.max_r());
    };
    for (int tail = 0; tail < 2; ++tail) {
        const bool upper = tail == 1;
        Walker<D> w{d, upper};
        const double p1 = upper ? 0.975 : 0.025, p2 = upper ? 0.999 : 0.001;
        w.evaluate(guess(p1));
        out[upper ? 1 : 0] = interpolated_quantile(w, p1);
        const double g2 = guess(p2);
        if (std::abs(g2 - w.r) > 400.0) w.evaluate(g2);
        out[upper ? 3 : 2] = interpolated_quantile(w, p2);
    }
    return out;  // r − α at 0.025, 0.975, 0.001, 0.999
}

/// The four one-sided probabilities of the 95% and 99.8% limits.
inline constexpr std::array<double, 4> tail_p = {0.025, 0.975, 0.001, 0.999};

inline bool is_poisson(FunnelType t) noexcept { return t == FunnelType::ratio || t == FunnelType::rate; }

/// Standard error under the target at denominator d, on the model's scale.
inline double null_se(const FunnelOptions& o, FunnelScale scale, double theta, double d) {
    switch (o.type) {
        case FunnelType::proportion:
            return scale == FunnelScale::identity ? std::sqrt(theta * (1.0 - theta) / d) : 0.5 / std::sqrt(d);
        case FunnelType::ratio:
        case FunnelType::rate:
            if (scale == FunnelScale::identity) return std::sqrt(theta / d);
            if (scale == FunnelScale::log) return 1.0 / std::sqrt(d * theta);
            return 0.5 / std::sqrt(d);
        case FunnelType::ratio_of_counts: {
            if (o.funnelplotr_ratio_of_counts) return 0.5 / std::sqrt(d);
            const double mu = theta * d;
            return std::sqrt(mu / ((mu + 0.5) * (mu + 0.5)) + d / ((d + 0.5) * (d + 0.5)));
        }
    }
    return nan;
}

/// θ on the model's scale.
inline double to_scale(FunnelScale scale, double theta) {
    switch (scale) {
        case FunnelScale::arcsine: return std::asin(std::sqrt(theta));
        case FunnelScale::log: return std::log(theta);
        case FunnelScale::sqrt: return std::sqrt(theta);
        default: return theta;
    }
}

/// A value on the model's scale back to the natural scale (clipped to the parameter space).
inline double from_scale(const FunnelOptions& o, FunnelScale scale, double y) {
    double v;
    switch (scale) {
        case FunnelScale::arcsine: {
            const double s = std::sin(std::clamp(y, 0.0, half_pi));
            v = s * s;
            break;
        }
        case FunnelScale::log: v = std::exp(y); break;
        case FunnelScale::sqrt:
            if (!o.square_back_sqrt) return y;  // FunnelPlotR as written
            v = y > 0.0 ? y * y : 0.0;
            break;
        default: v = y; break;
    }
    if (o.type == FunnelType::proportion) return std::clamp(v, 0.0, 1.0);
    return std::max(v, 0.0);
}

inline double round_2dp(double x) { return std::nearbyint(x * 100.0) / 100.0; }

/// R's quantile(x, p, type = 7) of sorted x (n >= 1).
inline double quantile_type7(const std::vector<double>& sorted, double p) {
    const std::size_t n = sorted.size();
    const double index = 1.0 + static_cast<double>(n - 1) * p;  // 1-based, as R
    const double lo = std::floor(index);
    const double hi = std::ceil(index);
    const double qlo = sorted[static_cast<std::size_t>(lo) - 1];
    const double qhi = sorted[static_cast<std::size_t>(hi) - 1];
    if (!(index > lo) || qhi == qlo) return qlo;
    const double h = index - lo;
    return (1.0 - h) * qlo + h * qhi;
}

inline FunnelBand classify(double v, const FunnelLimitsAt& L) noexcept {
    if (v > L.upper_998) return FunnelBand::high_998;
    if (v > L.upper_95) return FunnelBand::high_95;
    if (v < L.lower_998) return FunnelBand::low_998;
    if (v < L.lower_95) return FunnelBand::low_95;
    return FunnelBand::within;
}

inline PointType point_type_of(FunnelBand b, bool outer_only, Improvement imp) noexcept {
    const bool high = b == FunnelBand::high_998 || (!outer_only && b == FunnelBand::high_95);
    const bool low = b == FunnelBand::low_998 || (!outer_only && b == FunnelBand::low_95);
    if (!high && !low) return PointType::common_cause;
    if (imp == Improvement::neutral)
        return high ? PointType::special_cause_neutral_high : PointType::special_cause_neutral_low;
    const bool good = (high && imp == Improvement::increase) || (low && imp == Improvement::decrease);
    return good ? PointType::special_cause_improvement : PointType::special_cause_concern;
}

}  // namespace detail

inline void FunnelOptions::validate() const {
    const FunnelScale s = resolved_scale();
    switch (type) {
        case FunnelType::proportion:
            if (s != FunnelScale::identity && s != FunnelScale::arcsine)
                fail_argument("scale", "a proportion funnel uses the 'identity' or 'arcsine' scale, got '" +
                                           std::string(to_string(s)) + "'");
            if (limits == FunnelLimits::poisson_ci)
                fail_argument("limits", "'poisson_ci' limits are for ratios and rates, not proportions");
            break;
        case FunnelType::ratio:
        case FunnelType::rate:
            if (s == FunnelScale::arcsine)
                fail_argument("scale", "the 'arcsine' scale is for proportions; ratios and rates use 'log', 'sqrt' or 'identity'");
            break;
        case FunnelType::ratio_of_counts:
            if (s != FunnelScale::log)
                fail_argument("scale", "a ratio-of-counts funnel uses the 'log' scale, got '" + std::string(to_string(s)) + "'");
            if (limits == FunnelLimits::poisson_ci || limits == FunnelLimits::phe)
                fail_argument("limits", "a ratio-of-counts funnel has 'exact' (= 'normal' on the log scale) or 'normal' limits");
            break;
    }
    if (!(trim_fraction > 0.0 && trim_fraction < 0.5))
        fail_argument("trim_fraction", "must be between 0 and 0.5 (exclusive), got " + std::to_string(trim_fraction));
    if (trim == Trim::truncate && !(1.0 / trim_fraction >= 3.0))
        fail_argument("trim_fraction", "truncation needs at least 3 groups (trim_fraction <= 1/3)");
    if (!(multiplier > 0.0) || !std::isfinite(multiplier))
        fail_argument("multiplier", "must be a positive number, got " + std::to_string(multiplier));
    if (level != 0.95 && level != 0.998)
        fail_argument("level", "must be 0.95 or 0.998, got " + std::to_string(level));
    if (!(z_95 > 0.0) || !(z_998 > 0.0) || !std::isfinite(z_95) || !std::isfinite(z_998))
        fail_argument("z_95", "the z of the limits must be positive");
    if (!std::isnan(target)) {
        if (!std::isfinite(target) || target < 0.0)
            fail_argument("target", "must be a finite benchmark >= 0, got " + std::to_string(target));
        if (type == FunnelType::proportion && target > 1.0)
            fail_argument("target", "a proportion benchmark must be between 0 and 1 (before the multiplier), got " +
                                        std::to_string(target));
        if (type != FunnelType::proportion && target == 0.0)
            fail_argument("target", "a ratio or rate benchmark must be positive, got 0");
    }
    if (!(minimum_events >= 0.0)) fail_argument("minimum_events", "must be >= 0");
}

inline std::span<const std::string_view> funnel_preset_names() {
    static constexpr std::array<std::string_view, 6> names = {"spiegelhalter", "funnelplotr", "funnelplotr_cqc",
                                                              "shmi", "cqc", "phe"};
    return names;
}

inline FunnelOptions funnel_preset(std::string_view name, FunnelType type) {
    FunnelOptions o;
    o.type = type;
    if (name == "spiegelhalter") return o;
    if (name == "funnelplotr" || name == "funnelplotr_cqc") {
        // FunnelPlotR 0.6.0 funnel_plot() defaults: limit = 99, draw_adjusted = TRUE, trim_by = 0.1,
        // sr_method = "SHMI" (or "CQC"), SHMI_rounding = TRUE; z rounded in its limit formulas.
        const bool cqc = name == "funnelplotr_cqc";
        o.z_95 = 1.959964;
        o.z_998 = 3.090232;
        o.overdispersion = Overdispersion::additive;
        o.adjust_only_if_overdispersed = true;
        o.square_back_sqrt = false;
        o.funnelplotr_ratio_of_counts = true;
        o.level = 0.998;
        if (type == FunnelType::ratio || type == FunnelType::rate) {
            o.limits = FunnelLimits::poisson_ci;
            o.scale = cqc ? FunnelScale::sqrt : FunnelScale::log;
            o.trim = cqc ? Trim::winsorise : Trim::truncate;
            o.round_expected = !cqc && type == FunnelType::ratio;
        } else {
            o.limits = FunnelLimits::normal;
            o.scale = type == FunnelType::proportion ? FunnelScale::arcsine : FunnelScale::log;
            o.trim = Trim::winsorise;
        }
        return o;
    }
    if (name == "shmi") {
        // NHS Digital SHMI: log scale, 10% truncation, additive random effects, 95% banding.
        if (type != FunnelType::ratio) fail_argument("preset", "'shmi' is for standardised ratios (method 'ratio')");
        o.limits = FunnelLimits::poisson_ci;
        o.scale = FunnelScale::log;
        o.trim = Trim::truncate;
        o.overdispersion = Overdispersion::additive;
        o.level = 0.95;
        return o;
    }
    if (name == "cqc") {
        if (type != FunnelType::ratio && type != FunnelType::rate)
            fail_argument("preset", "'cqc' is for standardised ratios and rates");
        o.limits = FunnelLimits::poisson_ci;
        o.scale = FunnelScale::sqrt;
        o.trim = Trim::winsorise;
        o.overdispersion = Overdispersion::additive;
        return o;
    }
    if (name == "phe") {
        if (type == FunnelType::ratio_of_counts)
            fail_argument("preset", "'phe' (PHEindicatormethods) covers proportions, ratios and rates");
        o.limits = FunnelLimits::phe;
        o.overdispersion = Overdispersion::none;
        o.scale = type == FunnelType::proportion ? FunnelScale::identity : FunnelScale::log;
        return o;
    }
    std::string known;
    for (auto n : funnel_preset_names()) known.append(known.empty() ? "" : ", ").append(n);
    fail_argument("preset", "unknown funnel preset '" + std::string(name) + "' (known: " + known + ")");
}

inline FunnelLimitsAt FunnelModel::limits_at(double d, bool adjusted_wanted) const {
    const FunnelOptions& o = options;
    const FunnelScale scale = o.resolved_scale();
    const double theta = target;
    const double m = o.multiplier;
    std::array<double, 4> lim{};  // lower_95, upper_95, lower_998, upper_998 (unscaled)
    const std::array<double, 4> z = {-o.z_95, o.z_95, -o.z_998, o.z_998};

    if (adjusted_wanted && adjusted()) {
        const double s = detail::null_se(o, scale, theta, d);
        for (int k = 0; k < 4; ++k) {
            const double half = o.overdispersion == Overdispersion::multiplicative ? z[k] * std::sqrt(phi) * s
                                                                                    : z[k] * std::sqrt(s * s + tau2);
            lim[k] = detail::from_scale(o, scale, target_scaled + half);
        }
        return {lim[0] * m, lim[1] * m, lim[2] * m, lim[3] * m};
    }

    FunnelLimits kind = o.limits;
    if (o.type == FunnelType::ratio_of_counts) kind = FunnelLimits::normal;
    switch (kind) {
        case FunnelLimits::exact: {
            if (o.type == FunnelType::proportion && (theta <= 0.0 || theta >= 1.0)) {
                lim.fill(theta <= 0.0 ? 0.0 : 1.0);  // a degenerate binomial: every unit on the target
            } else if (o.type == FunnelType::proportion) {
                const auto q = detail::exact_quantiles(detail::BinomialDist{d, theta});
                for (int k = 0; k < 4; ++k) lim[k] = std::clamp(q[static_cast<std::size_t>(k)] / d, 0.0, 1.0);
            } else if (!(d * theta > 0.0)) {
                lim.fill(0.0);
            } else {
                const auto q = detail::exact_quantiles(detail::PoissonDist{d * theta});
                for (int k = 0; k < 4; ++k) lim[k] = std::max(q[static_cast<std::size_t>(k)] / d, 0.0);
            }
            break;
        }
        case FunnelLimits::poisson_ci: {
            const double mu = d * theta;
            for (int k = 0; k < 4; ++k) {
                const double p = detail::tail_p[static_cast<std::size_t>(k)];
                const bool upper = k % 2 == 1;
                const double df = upper ? 2.0 * mu + 2.0 : 2.0 * mu;
                const double q = df > 0.0
                                     ? boost::math::quantile(boost::math::chi_squared_distribution<double>(df), p)
                                     : 0.0;
                lim[k] = mu > 0.0 ? theta * q / (2.0 * mu) : 0.0;
            }
            break;
        }
        case FunnelLimits::normal: {
            const double s = detail::null_se(o, scale, theta, d);
            for (int k = 0; k < 4; ++k) lim[k] = detail::from_scale(o, scale, target_scaled + z[k] * s);
            break;
        }
        case FunnelLimits::phe: {
            if (o.type == FunnelType::proportion) {
                const double s = std::sqrt(theta * (1.0 - theta) / d);
                for (int k = 0; k < 4; ++k) lim[k] = std::clamp(theta + z[k] * s, 0.0, 1.0);
            } else {
                // The count O on each limit, continuous in O: P(X <= O | μ) = p (lower) and
                // P(X >= O | μ) = p (upper), the inverse of poisson_funnel's bisection.
                const double mu = d * theta;
                for (int k = 0; k < 4; ++k) {
                    const double p = k < 2 ? 0.025 : 0.001;
                    double count;
                    if (!(mu > 0.0)) count = 0.0;
                    else if (k % 2 == 0) count = std::max(boost::math::gamma_q_inva(mu, p) - 1.0, 0.0);
                    else count = boost::math::gamma_p_inva(mu, p);
                    lim[k] = count / d;
                }
            }
            break;
        }
    }
    return {lim[0] * m, lim[1] * m, lim[2] * m, lim[3] * m};
}

inline FunnelResult funnel(std::span<const double> num, std::span<const double> den, const FunnelOptions& opt,
                           unsigned threads) {
    opt.validate();
    const std::size_t N = num.size();
    if (den.size() != N)
        fail_argument("denominator", "has " + std::to_string(den.size()) + " values but numerator has " + std::to_string(N));
    const FunnelType type = opt.type;
    const FunnelScale scale = opt.resolved_scale();

    // ---- validation: every bad value named by its index
    std::size_t n_units = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const double o = num[i], n = den[i];
        if (std::isinf(o)) fail_argument("numerator", i, "must be finite or NaN (missing), got " + std::to_string(o));
        if (std::isinf(n)) fail_argument("denominator", i, "must be finite or NaN (missing), got " + std::to_string(n));
        if (std::isnan(o) || std::isnan(n)) continue;
        if (o < 0.0) fail_argument("numerator", i, "must not be negative, got " + std::to_string(o));
        if (!(n > 0.0)) {
            const char* what = type == FunnelType::ratio ? "the expected count must be positive"
                                                         : "must be positive";
            fail_argument("denominator", i, std::string(what) + ", got " + std::to_string(n));
        }
        if (type == FunnelType::proportion && o > n)
            fail_argument("numerator", i, "must not exceed the denominator for a proportion (" + std::to_string(o) +
                                              " > " + std::to_string(n) + ")");
        ++n_units;
    }
    if (n_units == 0) throw insufficient_data("numerator: no unit has both a numerator and a denominator");

    FunnelResult r;
    FunnelModel& M = r.model;
    M.options = opt;
    M.options.scale = scale;
    M.n_units = n_units;

    // ---- target
    if (!std::isnan(opt.target)) {
        M.target = opt.target;
    } else if (type == FunnelType::ratio) {
        M.target = 1.0;
    } else {
        auto ok = [&](std::size_t i) { return !std::isnan(num[i]) && !std::isnan(den[i]); };
        const double so = detail::accurate_sum(N, [&](std::size_t i, double& v) { v = num[i]; return ok(i); });
        const double sn = detail::accurate_sum(N, [&](std::size_t i, double& v) { v = den[i]; return ok(i); });
        M.target = so / sn;
        if (type != FunnelType::proportion && !(M.target > 0.0))
            throw insufficient_data("numerator: every unit has zero events, so the pooled " +
                                    std::string(type == FunnelType::rate ? "rate" : "ratio") +
                                    " is 0 and the funnel is undefined; give a benchmark");
    }
    const double theta = M.target;
    M.target_scaled = detail::to_scale(scale, theta);

    // ---- denominators used for z and limits (FunnelPlotR rounds SHMI expected counts)
    auto den_used = [&](std::size_t i) { return opt.round_expected ? detail::round_2dp(den[i]) : den[i]; };

    // ---- values and z-scores
    r.value.assign(N, detail::nan);
    r.z.assign(N, detail::nan);
    std::vector<double> se(N, detail::nan);
    for (std::size_t i = 0; i < N; ++i) {
        const double o = num[i];
        if (std::isnan(o) || std::isnan(den[i])) continue;
        r.value[i] = o / den[i] * opt.multiplier;
        const double d = den_used(i);
        if (opt.round_expected && !(d > 0.0))
            fail_argument("denominator", i, "rounds to 0 at 2 decimal places (round_expected)");
        double y;
        double s = detail::null_se(opt, scale, theta, d);
        switch (type) {
            case FunnelType::ratio_of_counts:
                y = std::log((o + 0.5) / (d + 0.5));
                if (opt.funnelplotr_ratio_of_counts)
                    s = std::sqrt(o / ((o + 0.5) * (o + 0.5)) + d / ((d + 0.5) * (d + 0.5)));
                break;
            default: y = detail::to_scale(scale, o / d); break;
        }
        se[i] = s;
        const double diff = y - M.target_scaled;
        r.z[i] = s > 0.0 ? diff / s : (diff == 0.0 ? 0.0 : std::copysign(detail::inf, diff));
    }

    // ---- over-dispersion
    r.trimmed.assign(N, 0);
    if (opt.overdispersion != Overdispersion::none) {
        std::vector<std::size_t> idx;
        idx.reserve(n_units);
        for (std::size_t i = 0; i < N; ++i)
            if (!std::isnan(r.z[i])) idx.push_back(i);
        std::vector<double> zw(N, detail::nan);  // trimmed z, NaN = dropped
        if (opt.trim == Trim::winsorise) {
            std::vector<double> sorted;
            sorted.reserve(idx.size());
            for (auto i : idx) sorted.push_back(r.z[i]);
            std::sort(sorted.begin(), sorted.end());
            const double lz = detail::quantile_type7(sorted, opt.trim_fraction);
            const double uz = detail::quantile_type7(sorted, 1.0 - opt.trim_fraction);
            for (auto i : idx) {
                const double zi = r.z[i];
                r.trimmed[i] = !(zi > lz && zi < uz);
                zw[i] = zi < lz ? lz : (zi > uz ? uz : zi);
            }
        } else {
            // SHMI truncation (FunnelPlotR `truncation`): average ranks, bin floor(rank·k/(n+1)),
            // drop bins 0 and k − 1.
            std::vector<std::size_t> ord(idx);
            std::stable_sort(ord.begin(), ord.end(), [&](std::size_t a, std::size_t b) { return r.z[a] < r.z[b]; });
            const double k = 1.0 / opt.trim_fraction;
            const double maxk = k - 1.0;
            const double n1 = static_cast<double>(ord.size()) + 1.0;
            for (std::size_t a = 0; a < ord.size();) {
                std::size_t b = a + 1;
                while (b < ord.size() && r.z[ord[b]] == r.z[ord[a]]) ++b;
                const double rank = (static_cast<double>(a + 1) + static_cast<double>(b)) / 2.0;
                const double sp = std::floor(rank * k / n1);
                const bool keep = sp > 0.0 && sp < maxk;
                for (std::size_t j = a; j < b; ++j) {
                    r.trimmed[ord[j]] = !keep;
                    if (keep) zw[ord[j]] = r.z[ord[j]];
                }
                a = b;
            }
        }
        std::size_t n_used = 0;
        stats::detail::DD sz2, sw, sw2;
        for (auto i : idx) {
            if (std::isnan(zw[i])) continue;
            ++n_used;
            sz2.add(zw[i] * zw[i]);
            const double w = 1.0 / (se[i] * se[i]);
            sw.add(w);
            sw2.add(w * w);
        }
        M.n_used = n_used;
        if (n_used < 2) {
            M.status = DispersionStatus::too_few_units;
        } else {
            const double n = static_cast<double>(n_used);
            M.phi = (sz2.hi + sz2.lo) / n;
            if (!std::isfinite(M.phi))
                throw insufficient_data(
                    "numerator: the dispersion ratio is infinite (units with zero events on the log scale are not all "
                    "trimmed); use the 'sqrt' scale or truncation, or remove the units with no events");
            const double W = sw.hi + sw.lo, W2 = sw2.hi + sw2.lo;
            M.tau2 = n * M.phi < n - 1.0 ? 0.0 : std::max(0.0, (n * M.phi - (n - 1.0)) / (W - W2 / W));
            M.dispersion_p = boost::math::cdf(
                boost::math::complement(boost::math::chi_squared_distribution<double>(n - 1.0), n * M.phi));
            if (M.phi == 0.0) M.status = DispersionStatus::no_variation;
            else if (opt.adjust_only_if_overdispersed && M.phi <= 1.0) M.status = DispersionStatus::not_overdispersed;
            else M.status = DispersionStatus::adjusted;
        }
    }

    // ---- per-unit limits, bands (parallel: exact limits cost a few incomplete-beta calls each)
    r.z_adjusted = r.z;
    for (auto* v : {&r.lower_95, &r.upper_95, &r.lower_998, &r.upper_998, &r.lower_95_unadjusted,
                    &r.upper_95_unadjusted, &r.lower_998_unadjusted, &r.upper_998_unadjusted})
        v->assign(N, detail::nan);
    r.band.assign(N, FunnelBand::missing);
    r.outlier.assign(N, 0);
    r.point_type.assign(N, PointType::common_cause);
    const bool adj = M.adjusted();
    const bool phe_ci = opt.limits == FunnelLimits::phe && detail::is_poisson(type);
    const stats::Level lv95(0.95), lv998(0.998);
    auto run = [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            if (opt.minimum_events > 0.0 && num[i] < opt.minimum_events) {
                r.band[i] = FunnelBand::not_applicable;  // PHE: DSRs from fewer than 10 events
                if (std::isnan(r.value[i])) continue;
            }
            if (std::isnan(r.value[i])) continue;
            const double d = den_used(i);
            const FunnelLimitsAt U = M.limits_at(d, false);
            r.lower_95_unadjusted[i] = U.lower_95;
            r.upper_95_unadjusted[i] = U.upper_95;
            r.lower_998_unadjusted[i] = U.lower_998;
            r.upper_998_unadjusted[i] = U.upper_998;
            const FunnelLimitsAt L = adj ? M.limits_at(d, true) : U;
            r.lower_95[i] = L.lower_95;
            r.upper_95[i] = L.upper_95;
            r.lower_998[i] = L.lower_998;
            r.upper_998[i] = L.upper_998;
            if (adj) {
                const double s = se[i];
                const double diff = r.z[i] * s;
                r.z_adjusted[i] = opt.overdispersion == Overdispersion::multiplicative ? r.z[i] / std::sqrt(M.phi)
                                                                                         : diff / std::sqrt(s * s + M.tau2);
            }
            FunnelBand b;
            if (r.band[i] == FunnelBand::not_applicable) {
                b = FunnelBand::not_applicable;
            } else if (phe_ci && !adj) {
                // PHEindicatormethods assign_funnel_significance: the unit's own exact (< 10
                // events) or Byar interval for O/n against the target; strict comparisons.
                const double o = num[i];
                const double mu = d * theta;
                auto ci = [&](const stats::Level& lv) {
                    stats::Interval c = o < opt.exact_below ? stats::exact_poisson(o, lv) : stats::detail::byar_z(o, lv.z);
                    if (o == 0.0) c.lower = 0.0;
                    return c;
                };
                const stats::Interval c998 = ci(lv998), c95 = ci(lv95);
                if (mu < c998.lower) b = FunnelBand::high_998;
                else if (mu < c95.lower) b = FunnelBand::high_95;
                else if (mu > c998.upper) b = FunnelBand::low_998;
                else if (mu > c95.upper) b = FunnelBand::low_95;
                else b = FunnelBand::within;
            } else {
                b = detail::classify(r.value[i], L);
            }
            r.band[i] = b;
            const bool outer = opt.level == 0.998;
            const bool out = b == FunnelBand::high_998 || b == FunnelBand::low_998 ||
                             (!outer && (b == FunnelBand::high_95 || b == FunnelBand::low_95));
            r.outlier[i] = out;
            r.point_type[i] = detail::point_type_of(b, outer, opt.improvement);
        }
    };
    detail::parallel_for(N, threads, 500, run);
    return r;
}

inline FunnelCurve funnel_curve(const FunnelModel& model, std::span<const double> denominators) {
    FunnelCurve c;
    const std::size_t n = denominators.size();
    c.denominator.assign(denominators.begin(), denominators.end());
    for (auto* v : {&c.lower_95, &c.upper_95, &c.lower_998, &c.upper_998, &c.lower_95_unadjusted,
                    &c.upper_95_unadjusted, &c.lower_998_unadjusted, &c.upper_998_unadjusted})
        v->resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double d = denominators[i];
        if (!(d > 0.0) || !std::isfinite(d)) fail_argument("denominators", i, "must be positive and finite, got " + std::to_string(d));
        const FunnelLimitsAt U = model.limits_at(d, false);
        const FunnelLimitsAt L = model.adjusted() ? model.limits_at(d, true) : U;
        c.lower_95[i] = L.lower_95;
        c.upper_95[i] = L.upper_95;
        c.lower_998[i] = L.lower_998;
        c.upper_998[i] = L.upper_998;
        c.lower_95_unadjusted[i] = U.lower_95;
        c.upper_95_unadjusted[i] = U.upper_95;
        c.lower_998_unadjusted[i] = U.lower_998;
        c.upper_998_unadjusted[i] = U.upper_998;
    }
    return c;
}

inline std::vector<double> funnel_grid(double lowest, double highest, std::size_t n, bool integers) {
    if (!(lowest > 0.0) || !std::isfinite(lowest)) fail_argument("lowest", "must be positive, got " + std::to_string(lowest));
    if (!(highest >= lowest) || !std::isfinite(highest))
        fail_argument("highest", "must be at least lowest (" + std::to_string(lowest) + "), got " + std::to_string(highest));
    if (n < 2) fail_argument("n", "must be at least 2");
    std::vector<double> g;
    g.reserve(n);
    const double a = std::sqrt(lowest), b = std::sqrt(highest);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = a + (b - a) * static_cast<double>(i) / static_cast<double>(n - 1);
        double v = i + 1 == n ? highest : (i == 0 ? lowest : t * t);
        if (integers) v = std::max(1.0, std::round(v));
        if (g.empty() || v > g.back()) g.push_back(v);
    }
    return g;
}

// ---- PHEindicatormethods calculate_funnel_limits ------------------------------------------
namespace detail {

/// nchar(as.character(m)) in R for a non-negative whole number m: R prints in scientific
/// notation when that is narrower (e.g. 100000 → "1e+05", 5 characters).
inline int r_nchar(double m) {
    if (m < 1.0) return 1;
    const std::string fixed = std::to_string(static_cast<long long>(m));
    const int digits = static_cast<int>(fixed.size());
    int sig = digits;
    while (sig > 1 && fixed[static_cast<std::size_t>(sig) - 1] == '0') --sig;
    const int exponent = digits - 1;
    const int sci = sig + (sig > 1 ? 1 : 0) + 2 + (exponent >= 100 ? 3 : 2);
    return fixed.size() > static_cast<std::size_t>(sci) ? sci : digits;
}

inline double signif_floor(double x) {
    if (x == 0.0) return 0.0;
    const double n = r_nchar(std::floor(x * 0.95)) - 1;
    const double p = std::pow(10.0, n);
    return std::floor(x * 0.95 / p) * p;
}

inline double signif_ceiling(double x) {
    if (x == 0.0) return 0.0;
    const double n = r_nchar(std::ceil(x * 1.05)) - 2;
    const double p = std::pow(10.0, n);
    return std::ceil(x * 1.05 / p) * p;
}

}  // namespace detail

inline std::vector<double> phe_rate_denominators(std::span<const double> num, std::span<const double> den,
                                                 std::span<const double> rate, double multiplier, PheRateType type) {
    const std::size_t N = num.size();
    if (rate.size() != N) fail_argument("rate", "has " + std::to_string(rate.size()) + " values but numerator has " + std::to_string(N));
    if (!den.empty() && den.size() != N)
        fail_argument("denominator", "has " + std::to_string(den.size()) + " values but numerator has " + std::to_string(N));
    if (!(multiplier > 0.0)) fail_argument("multiplier", "must be positive");
    std::vector<double> out(N, detail::nan);
    for (std::size_t i = 0; i < N; ++i) {
        const double o = num[i];
        if (std::isnan(o)) fail_argument("numerator", i, "rates need every numerator, even when it is zero");
        if (o < 0.0) fail_argument("numerator", i, "must not be negative, got " + std::to_string(o));
        if (o == 0.0) {
            if (type == PheRateType::dsr) continue;
            if (den.empty() || !(den[i] > 0.0))
                fail_argument("denominator", i, "where there are 0 events the denominator must be given (and positive)");
            out[i] = den[i];
            continue;
        }
        if (!(rate[i] > 0.0))
            fail_argument("rate", i, "must be positive where there are events, got " + std::to_string(rate[i]));
        out[i] = multiplier * o / rate[i];
    }
    return out;
}

inline PheFunnelTable phe_funnel_limits(const PheFunnelInput& in) {
    const std::size_t N = in.numerator.size();
    if (in.statistic == FunnelType::ratio_of_counts)
        fail_argument("statistic", "PHEindicatormethods funnels are 'proportion', 'ratio' or 'rate'");
    if (in.denominator.size() != N)
        fail_argument("denominator", "has " + std::to_string(in.denominator.size()) + " values but numerator has " +
                                         std::to_string(N));
    if (!(in.multiplier > 0.0)) fail_argument("multiplier", "must be positive");
    if (in.statistic == FunnelType::rate && !(in.years_of_data > 0.0))
        fail_argument("years_of_data", "must be positive");
    double so = 0, sn = 0, lo = detail::inf, hi = -detail::inf;
    for (std::size_t i = 0; i < N; ++i) {
        const double o = in.numerator[i], d = in.denominator[i];
        if (std::isnan(o)) fail_argument("numerator", i, "must be given for every record, even when zero");
        if (o < 0.0) fail_argument("numerator", i, "must not be negative, got " + std::to_string(o));
        so += o;
        if (std::isnan(d)) {
            if (in.statistic != FunnelType::rate) fail_argument("denominator", i, "must be given for every record");
            continue;
        }
        if (!(d > 0.0)) fail_argument("denominator", i, "must be positive, got " + std::to_string(d));
        sn += d;
        lo = std::min(lo, d);
        hi = std::max(hi, d);
    }
    if (!(sn > 0.0)) throw insufficient_data("denominator: no record has a denominator");
    PheFunnelTable t;
    const double av = so / sn;
    t.average = av;
    const bool rate = in.statistic == FunnelType::rate;
    const double years = in.years_of_data;
    double axis_min = hi > 2.0 * lo ? 0.0 : (rate ? detail::signif_floor(lo / years) * years : detail::signif_floor(lo));
    double axis_max = rate ? detail::signif_ceiling(hi / years) * years : detail::signif_ceiling(hi);
    if (rate) {
        axis_min = std::floor(axis_min * av);
        axis_max = std::ceil(axis_max * av);
    }
    std::vector<double> x(100);
    x[0] = std::max(1.0, axis_min);
    for (int j = 2; j <= 100; ++j) {
        const double offset = in.statistic == FunnelType::ratio ? j - 1 : j;
        const double prev = x[static_cast<std::size_t>(j - 2)];
        x[static_cast<std::size_t>(j - 1)] =
            std::max(std::nearbyint(std::pow(axis_max / prev, 1.0 / (101.0 - offset)) * prev), prev + 1.0);
    }
    t.axis = x;
    for (auto* v : {&t.lower_95, &t.upper_95, &t.lower_998, &t.upper_998, &t.lower_95_axis, &t.upper_95_axis,
                    &t.lower_998_axis, &t.upper_998_axis})
        v->assign(100, detail::nan);
    const double m = in.multiplier;
    for (std::size_t j = 0; j < 100; ++j) {
        const double v = x[j];
        if (in.statistic == FunnelType::proportion) {
            const double s = std::sqrt(av * (1.0 - av) / v);
            const double z95 = detail::normal_quantile(0.975), z998 = detail::normal_quantile(0.999);
            t.lower_95[j] = std::max(0.0, (av - z95 * s) * m);
            t.upper_95[j] = std::min(100.0, (av + z95 * s) * m);  // PHE caps at 100 whatever the multiplier
            t.lower_998[j] = std::max(0.0, (av - z998 * s) * m);
            t.upper_998[j] = std::min(100.0, (av + z998 * s) * m);
        } else {
            // expected events (ratio) or events/average (rate) on each limit for v observed events
            const std::array<double, 4> lam = {boost::math::gamma_q_inv(v + 1.0, 0.025), boost::math::gamma_p_inv(v, 0.025),
                                               boost::math::gamma_q_inv(v + 1.0, 0.001), boost::math::gamma_p_inv(v, 0.001)};
            std::array<double*, 4> lim = {&t.lower_95[j], &t.upper_95[j], &t.lower_998[j], &t.upper_998[j]};
            std::array<double*, 4> ax = {&t.lower_95_axis[j], &t.upper_95_axis[j], &t.lower_998_axis[j], &t.upper_998_axis[j]};
            for (std::size_t k = 0; k < 4; ++k) {
                if (in.statistic == FunnelType::ratio) {
                    *ax[k] = lam[k];
                    const double ratio = v / lam[k];
                    *lim[k] = in.ratio_type == PheRatioType::count ? ratio - 1.0 : ratio * 100.0;
                } else {
                    const double population = lam[k] / av;
                    *lim[k] = v / population * m;
                    *ax[k] = population / years;
                }
            }
        }
    }
    if (in.statistic != FunnelType::ratio) t.baseline = av * m;
    return t;
}

inline FunnelType parse_funnel_type(std::string_view s) {
    if (s == "proportion") return FunnelType::proportion;
    if (s == "ratio") return FunnelType::ratio;
    if (s == "ratio_of_counts") return FunnelType::ratio_of_counts;
    if (s == "rate") return FunnelType::rate;
    fail_argument("method", "must be 'proportion', 'ratio', 'ratio_of_counts' or 'rate', got '" + std::string(s) + "'");
}
inline FunnelScale parse_funnel_scale(std::string_view s) {
    if (s == "automatic") return FunnelScale::automatic;
    if (s == "identity") return FunnelScale::identity;
    if (s == "arcsine") return FunnelScale::arcsine;
    if (s == "log") return FunnelScale::log;
    if (s == "sqrt") return FunnelScale::sqrt;
    fail_argument("scale", "must be 'automatic', 'identity', 'arcsine', 'log' or 'sqrt', got '" + std::string(s) + "'");
}
inline FunnelLimits parse_funnel_limits(std::string_view s) {
    if (s == "exact") return FunnelLimits::exact;
    if (s == "poisson_ci") return FunnelLimits::poisson_ci;
    if (s == "normal") return FunnelLimits::normal;
    if (s == "phe") return FunnelLimits::phe;
    fail_argument("limits", "must be 'exact', 'poisson_ci', 'normal' or 'phe', got '" + std::string(s) + "'");
}
inline Overdispersion parse_overdispersion(std::string_view s) {
    if (s == "none") return Overdispersion::none;
    if (s == "multiplicative") return Overdispersion::multiplicative;
    if (s == "additive") return Overdispersion::additive;
    fail_argument("overdispersion", "must be 'none', 'multiplicative' or 'additive', got '" + std::string(s) + "'");
}
inline Trim parse_trim(std::string_view s) {
    if (s == "winsorise" || s == "winsorize") return Trim::winsorise;
    if (s == "truncate") return Trim::truncate;
    fail_argument("trim", "must be 'winsorise' or 'truncate', got '" + std::string(s) + "'");
}

}  // namespace qm::assurance
