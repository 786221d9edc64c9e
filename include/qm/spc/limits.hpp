#pragma once
// qm/spc/limits.hpp — the plotted statistic, centre line and 1σ/2σ/3σ lines of one phase of
// any Shewhart chart of the catalogue (not CUSUM/EWMA, not the rules), with each tool's
// arithmetic as options.
//
// Synopsis
//   struct qm::spc::SubgroupStats { mean, range, sd; size; view(); count() }     per subgroup
//   struct qm::spc::SubgroupView  { span mean, range, sd; span<const size_t> size; }
//   SubgroupStats qm::spc::subgroup_stats(span<const double> obs, span<const size_t> subgroup_offsets)
//
//   enum class GCentre        { median, mean }                      g chart centre line
//   enum class GSigma         { number_before, number_until }       g chart σ: √(m(m+1)) or √(m(m−1))
//   enum class SubgroupSigma  { chart_default, mean_range, mean_sd, pooled_sd }
//   enum class OnInsufficient { throw_error, nan_limits }
//   struct LimitOptions   { sigma_multiplier = 3, screen_moving_ranges = false, ... (below) }
//   struct ChartPhaseInput{ values, denominators, subgroups, used }  one phase, spans of its rows
//   struct PhaseLimitInfo { centre, mean, sigma, mean_moving_range, sigma_z, dispersion,
//                           n_used, n_moving_ranges, n_screened, sufficient }
//
//   PhaseLimitInfo chart_limits(ChartType, const ChartPhaseInput&, const LimitOptions&,
//                               std::span<double> statistic_out, LineColumns& lines_out, size_t offset = 0)
//   PhaseLimitInfo dispersion_limits(ChartType /*xbar_r: R chart, xbar_s: S chart*/, ...same...)
//       write rows [offset, offset + n) of the full output columns (statistic_out.size() and
//       lines_out.size() ≥ offset + n); offset is also added to every row number in an error.
//   struct PhaseChart { std::vector<double> statistic; LineColumns lines; PhaseLimitInfo info; }
//   PhaseChart chart_limits(ChartType, const ChartPhaseInput&, const LimitOptions& = {})
//   PhaseChart dispersion_limits(ChartType, const ChartPhaseInput&, const LimitOptions& = {})
//   std::size_t minimum_used_points(ChartType)
//
// Per chart (k = sigma_multiplier; the 1σ and 2σ lines are at ± (k/3)σ and ± 2·(k/3)σ, which is
// ± σ and ± 2σ for k = 3; "used" = in the `used` mask and not missing; sums are accurate):
//   run      statistic y; centre = median of the used y; no limits (NaN lines)
//   xmr (I)  centre = mean of the used y; moving ranges between consecutive used points (a point
//            outside `used` is bridged, a missing value is not); optional screening (drop MR ≥
//            screen_multiplier·mR̄, recompute once); σ = mR̄ / mr_d2; lines centre ± kσ ...
//   mr       statistic |y_i − y_{i−1}| of consecutive rows (NaN for the first); centre = mean of
//            the used ones; upper = mr_upper_factor·(k/3)·centre, 2σ line (mr_upper_factor/3)·
//            2(k/3)·centre (qicharts2's arithmetic); lower lines 0
//   t        y > 0; the I chart of y^(1/t_power), its lines raised to t_power; a negative lower
//            line on the transformed scale becomes 0 (clip) or NaN (qicharts2 zeroes only its 3σ
//            lower limit and leaves a negative 2σ line missing)
//   c        centre c̄ = mean of the used counts; σ = √c̄
//   p        statistic y/n; centre p̄ = Σy/Σn over used points; σ_i = √(p̄(1 − p̄)/n_i)
//   np       statistic y; centre_i = n_i·p̄; σ_i = √(n_i·p̄(1 − p̄)); clipped to [0, n_i]
//   u        statistic y/n; centre ū = Σy/Σn; σ_i = √(ū/n_i)
//   p_prime  as p, then z_i = (p_i − p̄)/σ_i, σ_z = mR̄(z)/mr_d2 (moving ranges and screening as
//   u_prime  the I chart), lines centre ± k·σ_i·σ_z (Laney 2002; qicharts2)
//   g        m = mean of the used counts; σ = √(m(m+1)) (number_before) or √(m(m−1))
//            (number_until, qcc's √(1−p)/p with p = 1/m); lines m ± kσ; centre = median or m
//   xbar_r   statistic x̄_i; centre x̿ = Σn_i·x̄_i/Σn_i; lines x̿ ± k·σ̂_i/√n_i with σ̂ by
//   xbar_s   subgroup_sigma (xbar_r default mean_range, xbar_s default pooled_sd):
//              mean_range  σ̂ = R̄/d2(n), or mean(R_i/d2(n_i)) if sizes vary (qcc "UWAVE-R")
//              mean_sd     σ̂ = s̄/c4(n), or mean(s_i/c4(n_i)) if sizes vary (qcc "UWAVE-SD")
//              pooled_sd   s̄ = mean s_i, or √(Σ(n_i−1)s_i²/Σ(n_i−1)) if sizes vary, and
//                          σ̂_i = s̄/c4(n_i) (qicharts2; Montgomery eqs. 6.29–6.31: x̿ ± A3(n_i)·s̄)
//            with constant n these give the textbook x̿ ± A2·R̄ and x̿ ± A3·s̄; "sizes vary" is
//            decided over the phase's non-empty subgroups, as qicharts2 does.
//   dispersion_limits: R chart (xbar_r): centre_i = d2(n_i)·σ̂_i (R̄ itself with constant n and
//            mean_range), lines centre_i ± k·d3(n_i)·σ̂_i → D3·R̄, D4·R̄; S chart (xbar_s):
//            centre_i = c4(n_i)·σ̂_i (s̄ itself with pooled_sd), lines ± k·√(1−c4²)·σ̂_i → B3·s̄, B4·s̄.
//   With clip (default): p, p′ lines in [0, 1]; np in [0, n_i]; lower lines of c, u, u′, g, t,
//   R, S at least 0 (qicharts2 and qcc clip the same way; I-chart lines are never clipped).
//
// Missing values are NaN: a missing value (or, for ratio charts, a missing denominator) gives a
// NaN statistic and is left out of every sum; lines that depend on the point's denominator or
// subgroup size are NaN there too. Bad input throws qm::invalid_argument naming the argument and
// row; too few used points throws qm::insufficient_data (or, with OnInsufficient::nan_limits,
// gives NaN lines and info.sufficient = false). Thread safe; no allocation except for medians
// (run, g), the transformed values (t) and the PhaseChart convenience overloads.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/spc/chart_types.hpp>
#include <qm/spc/constants.hpp>
#include <qm/stats/sum.hpp>

namespace qm::spc {

// ---- subgroup statistics ------------------------------------------------------------------

/// Non-owning view of per-subgroup statistics (all four spans of one length).
struct SubgroupView {
    std::span<const double> mean = {};         ///< NaN when the subgroup has no observation
    std::span<const double> range = {};        ///< max − min; NaN when no observation
    std::span<const double> sd = {};           ///< sample standard deviation (n − 1); NaN when fewer than 2
    std::span<const std::size_t> size = {};    ///< non-missing observations

    std::size_t count() const noexcept { return size.size(); }
};

/// Per-subgroup mean, range, standard deviation and size, computed from individual observations.
struct SubgroupStats {
    std::vector<double> mean, range, sd;
    std::vector<std::size_t> size;

    std::size_t count() const noexcept { return size.size(); }
    SubgroupView view() const noexcept { return {mean, range, sd, size}; }
};

/// Subgroup g holds obs[subgroup_offsets[g] .. subgroup_offsets[g+1]); offsets are G+1 non-decreasing
/// values from 0 to obs.size() (an empty subgroup is a missing point). NaN observations are skipped.
SubgroupStats subgroup_stats(std::span<const double> obs, std::span<const std::size_t> subgroup_offsets);

// ---- options --------------------------------------------------------------------------------

enum class GCentre : std::uint8_t {
    median,  ///< median of the used values (qicharts2)
    mean,    ///< the mean the limits come from (qcc; Benneyan's g chart)
};

enum class GSigma : std::uint8_t {
    number_before,  ///< σ = √(m(m+1)): cases between events, counted from 0 (qicharts2; Montgomery)
    number_until,   ///< σ = √(m(m−1)): qcc's √(1−p)/p with p = 1/m (cases up to and including the event)
};

enum class SubgroupSigma : std::uint8_t {
    chart_default,  ///< xbar_r: mean_range; xbar_s: pooled_sd
    mean_range,     ///< σ̂ = mean of R_i/d2(n_i)  (R̄/d2 with constant n; qcc "UWAVE-R")
    mean_sd,        ///< σ̂ = mean of s_i/c4(n_i)  (s̄/c4 with constant n; qcc "UWAVE-SD")
    pooled_sd,      ///< s̄ = mean s_i (constant n) or pooled √(Σ(n_i−1)s_i²/Σ(n_i−1)); σ̂_i = s̄/c4(n_i) (qicharts2)
};

enum class OnInsufficient : std::uint8_t {
    throw_error,  ///< throw qm::insufficient_data naming the chart and the count
    nan_limits,   ///< NaN lines, PhaseLimitInfo::sufficient = false
};

/// How the limits are computed. The defaults are the textbook Shewhart chart as qicharts2 and qcc
/// compute it without moving-range screening. qicharts2 as used after library(qicharts2):
/// screen_moving_ranges = true. qcc: g_centre = mean, g_sigma = number_until (qcc itself only
/// supports probability limits for g), published_d2 = true, subgroup_sigma = mean_range (xbar_r)
/// or mean_sd (xbar_s).
struct LimitOptions {
    /// k: limits at centre ± k·σ; the 1σ and 2σ lines at ± (k/3)·σ and ± 2·(k/3)·σ.
    double sigma_multiplier = 3.0;
    /// I, t, p′, u′: drop moving ranges ≥ screen_multiplier · mean moving range, recompute once (Nelson 1982).
    bool screen_moving_ranges = false;
    double screen_multiplier = 3.267;
    /// I, t, p′, u′: σ = mean moving range / mr_d2 (qicharts2 and qcc: 1.128; exact: constants::d2(2)).
    double mr_d2 = 1.128;
    /// MR chart: upper limit = mr_upper_factor · mean moving range (qicharts2: 3.267; D4(2) = 3.2665).
    double mr_upper_factor = 3.267;
    /// t chart: plot y, compute the I chart of y^(1/t_power) (Nelson 1994: 3.6).
    double t_power = 3.6;
    GCentre g_centre = GCentre::median;
    GSigma g_sigma = GSigma::number_before;
    SubgroupSigma subgroup_sigma = SubgroupSigma::chart_default;
    /// mean_range: divide ranges by d2 rounded to 3 decimals, as the printed tables and qcc do.
    bool published_d2 = false;
    /// Keep lines in the statistic's range: p, p′ in [0, 1]; np in [0, n]; lower lines of
    /// c, u, u′, g, t, R and S at least 0.
    bool clip = true;
    /// c, np, p, u, p′, u′, g: counts must be whole numbers (and the denominators of p, np, p′).
    bool require_whole_counts = true;
    /// false: a missing (NaN) denominator makes the point missing, as qicharts2 does;
    /// true: it is an error when the numerator is present.
    bool missing_denominator_is_error = false;
    OnInsufficient on_insufficient = OnInsufficient::throw_error;

    /// Throws qm::invalid_argument naming the offending option.
    void validate() const;
};

// ---- input and output -------------------------------------------------------------------------

/// One phase of one chart: spans over the phase's rows (n rows).
struct ChartPhaseInput {
    /// run, xmr, mr, t, c, g: the series; p, np, u, p_prime, u_prime: the numerators (counts).
    std::span<const double> values = {};
    /// p, np, u, p_prime, u_prime: one denominator per row (units inspected, exposure).
    std::span<const double> denominators = {};
    /// xbar_r, xbar_s: per-subgroup statistics (see subgroup_stats()).
    SubgroupView subgroups = {};
    /// Per row, nonzero = used for the centre and limits (a baseline or frozen row, not
    /// excluded); empty = every row. Unused rows are still plotted and get lines.
    std::span<const std::uint8_t> used = {};
};

/// What the limits of one phase were built from.
struct PhaseLimitInfo {
    static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    double centre = nan;             ///< the centre line, when constant over the phase (else NaN: see the lines)
    double mean = nan;               ///< mean of the used statistic on the chart's working scale: I, c, g: ȳ; p, np,
                                     ///< u, p′, u′: Σy/Σn; t: mean of y^(1/t_power); MR: mR̄; xbar: x̿; R/S: R̄ / s̄
    double sigma = nan;              ///< σ behind the limits when constant: I, MR: mR̄/mr_d2 (t: on the transformed
                                     ///< scale); c: √c̄; g: √(m(m±1)); p′, u′: σ_z; xbar, R, S: σ̂ of one
                                     ///< observation (NaN when it depends on the subgroup size); p, np, u: NaN
    double mean_moving_range = nan;  ///< I, MR, t (transformed), p′ and u′ (of the z-scores), after screening
    double sigma_z = nan;            ///< p′, u′: Laney's σ_z
    double dispersion = nan;         ///< xbar, R, S: R̄ (mean_range), s̄ (mean_sd, pooled_sd, constant n) or pooled s
    std::size_t n_used = 0;          ///< used, non-missing points (subgroups) behind the centre
    std::size_t n_moving_ranges = 0; ///< moving ranges behind mean_moving_range (after screening)
    std::size_t n_screened = 0;      ///< moving ranges removed by screening
    bool sufficient = true;          ///< false: too few used points, lines NaN (OnInsufficient::nan_limits)
};

PhaseLimitInfo chart_limits(ChartType chart, const ChartPhaseInput& input, const LimitOptions& options,
                            std::span<double> statistic_out, LineColumns& lines_out, std::size_t offset = 0);

/// The companion dispersion chart of xbar_r (the R chart) or xbar_s (the S chart).
PhaseLimitInfo dispersion_limits(ChartType chart, const ChartPhaseInput& input, const LimitOptions& options,
                                 std::span<double> statistic_out, LineColumns& lines_out, std::size_t offset = 0);

/// One phase as owned columns.
struct PhaseChart {
    std::vector<double> statistic;
    LineColumns lines;
    PhaseLimitInfo info;
};

PhaseChart chart_limits(ChartType chart, const ChartPhaseInput& input, const LimitOptions& options = {});
PhaseChart dispersion_limits(ChartType chart, const ChartPhaseInput& input, const LimitOptions& options = {});

/// The fewest used, non-missing points (subgroups) a chart needs for its limits.
constexpr std::size_t minimum_used_points(ChartType chart) noexcept {
    switch (chart) {
        case ChartType::xmr:
        case ChartType::t:
        case ChartType::p_prime:
        case ChartType::u_prime: return 2;  // one moving range
        default: return 1;
    }
}

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail::limits {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr double max_magnitude = 1e300;

/// A number as it appears in a message: shortest form up to 15 significant digits.
inline std::string num(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

inline bool is_whole(double v) noexcept { return std::floor(v) == v; }

/// Accurate running sum (double-double) with a count. Successive terms go to four independent
/// lanes (by count) so that the CPU overlaps their TwoSum chains, as qm::stats does.
struct Sum {
    stats::detail::DD lane[4]{};
    std::size_t n = 0;
    void add(double v) noexcept {
        lane[n & 3].add(v);
        ++n;
    }
    /// Adds the exact product a·b (two-product with fma).
    void add_product(double a, double b) noexcept {
        const double p = a * b;
        stats::detail::DD& l = lane[n & 3];
        l.add(p);
        l.lo += std::fma(a, b, -p);
        ++n;
    }
    stats::detail::DD total() const noexcept {
        stats::detail::DD t = lane[0];
        t.add(lane[1]);
        t.add(lane[2]);
        t.add(lane[3]);
        return t;
    }
    double mean() const noexcept { return stats::detail::dd_div(total(), n); }
};

/// The correctly rounded quotient of two double-double sums (Σy / Σn), in practice.
inline double ratio(const Sum& num_sum, const Sum& den_sum) noexcept {
    const stats::detail::DD ns = num_sum.total(), ds = den_sum.total();
    const double d = ds.hi + ds.lo, dlo = ds.lo - (d - ds.hi);
    const double y = ns.hi + ns.lo, ylo = ns.lo - (y - ns.hi);
    double q = y / d;
    const double r = std::fma(-q, d, y) + ylo - q * dlo;
    return q + r / d;
}

/// Median of the values for which keep(i) is true (NaN never kept); NaN when none.
template <class Value, class Keep>
inline double median_of(std::size_t n, Value value, Keep keep, std::size_t& count) {
    std::vector<double> v;
    v.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (keep(i)) {
            const double x = value(i);
            if (x == x) v.push_back(x);
        }
    count = v.size();
    if (v.empty()) return nan;
    const std::size_t h = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
    const double hi = v[h];
    if (v.size() % 2 == 1) return hi;
    const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h));
    Sum s;  // R: mean(c(lo, hi)), correctly rounded
    s.add(lo);
    s.add(hi);
    return s.mean();
}

struct MovingRanges {
    double mean = nan;
    std::size_t count = 0, screened = 0;
};

/// Mean moving range between consecutive used points (unused rows are bridged; a missing value
/// breaks the chain: its two moving ranges are missing), optionally screened once.
template <class Value, class Used>
inline MovingRanges moving_ranges(std::size_t n, Value value, Used used, bool screen, double screen_multiplier) {
    auto pass = [&](double below, Sum& s) {
        bool have_prev = false;
        double prev = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (!used(i)) continue;
            const double x = value(i);
            if (have_prev) {
                const double d = std::fabs(x - prev);
                if (d < below) s.add(d);  // false for NaN
            }
            prev = x;
            have_prev = true;
        }
    };
    MovingRanges m;
    Sum s;
    pass(inf, s);
    m.count = s.n;
    m.mean = s.n ? s.mean() : nan;
    if (screen && s.n) {
        Sum t;
        pass(screen_multiplier * m.mean, t);
        m.screened = s.n - t.n;
        m.count = t.n;
        m.mean = t.n ? t.mean() : nan;
    }
    return m;
}

/// The multipliers of the 3σ, 2σ and 1σ lines, in R's arithmetic (k, 2·(k/3), k/3).
struct Multipliers {
    double k, k2, k1;
    explicit Multipliers(double k_) noexcept : k(k_), k2(2.0 * (k_ / 3.0)), k1(k_ / 3.0) {}
};

inline double clamp_line(double v, double lo, double hi) noexcept {
    if (v < lo) return lo;  // NaN stays NaN
    if (v > hi) return hi;
    return v;
}

/// Lines centre ± m·s at row r, each clamped to [lo, hi].
inline void set_lines(LineColumns& L, std::size_t r, double centre, double s, const Multipliers& m, double lo,
                      double hi) noexcept {
    L.centre[r] = centre;
    L.lower[r] = clamp_line(centre - m.k * s, lo, hi);
    L.upper[r] = clamp_line(centre + m.k * s, lo, hi);
    L.lower_2sigma[r] = clamp_line(centre - m.k2 * s, lo, hi);
    L.upper_2sigma[r] = clamp_line(centre + m.k2 * s, lo, hi);
    L.lower_1sigma[r] = clamp_line(centre - m.k1 * s, lo, hi);
    L.upper_1sigma[r] = clamp_line(centre + m.k1 * s, lo, hi);
}

inline void set_nan_lines(LineColumns& L, std::size_t r, double centre = nan) noexcept {
    L.set(r, {centre, nan, nan, nan, nan, nan, nan});
}

/// Rows available in every column of L.
inline std::size_t rows_of(const LineColumns& L) noexcept {
    return std::min({L.centre.size(), L.lower.size(), L.upper.size(), L.lower_1sigma.size(), L.upper_1sigma.size(),
                     L.lower_2sigma.size(), L.upper_2sigma.size()});
}

/// The same lines on rows [r, r + n) (column-wise fills, which vectorise).
inline void fill_lines(LineColumns& L, std::size_t r, std::size_t n, const Lines& l) noexcept {
    const auto b = static_cast<std::ptrdiff_t>(r), e = static_cast<std::ptrdiff_t>(r + n);
    std::fill(L.centre.begin() + b, L.centre.begin() + e, l.centre);
    std::fill(L.lower.begin() + b, L.lower.begin() + e, l.lower);
    std::fill(L.upper.begin() + b, L.upper.begin() + e, l.upper);
    std::fill(L.lower_1sigma.begin() + b, L.lower_1sigma.begin() + e, l.lower_1sigma);
    std::fill(L.upper_1sigma.begin() + b, L.upper_1sigma.begin() + e, l.upper_1sigma);
    std::fill(L.lower_2sigma.begin() + b, L.lower_2sigma.begin() + e, l.lower_2sigma);
    std::fill(L.upper_2sigma.begin() + b, L.upper_2sigma.begin() + e, l.upper_2sigma);
}

/// Lines centre ± m·s, each clamped to [lo, hi].
inline Lines make_lines(double centre, double s, const Multipliers& m, double lo, double hi) noexcept {
    return {centre,
            clamp_line(centre - m.k * s, lo, hi),
            clamp_line(centre + m.k * s, lo, hi),
            clamp_line(centre - m.k1 * s, lo, hi),
            clamp_line(centre + m.k1 * s, lo, hi),
            clamp_line(centre - m.k2 * s, lo, hi),
            clamp_line(centre + m.k2 * s, lo, hi)};
}

[[noreturn]] inline void insufficient(ChartType chart, std::size_t need, std::size_t got, std::string_view what) {
    throw insufficient_data("chart " + std::string(to_string(chart)) + ": needs at least " + std::to_string(need) +
                            " " + std::string(what) + " to compute limits, got " + std::to_string(got));
}

// ---- validation -----------------------------------------------------------------------------

inline bool s_nonempty(const SubgroupView& s) noexcept {
    return !s.size.empty() || !s.mean.empty() || !s.range.empty() || !s.sd.empty();
}


enum class Kind : std::uint8_t { series, counts, ratio, subgroups };

constexpr Kind kind_of(ChartType c) noexcept {
    switch (c) {
        case ChartType::p:
        case ChartType::np:
        case ChartType::u:
        case ChartType::p_prime:
        case ChartType::u_prime: return Kind::ratio;
        case ChartType::c:
        case ChartType::g: return Kind::counts;
        case ChartType::xbar_r:
        case ChartType::xbar_s: return Kind::subgroups;
        default: return Kind::series;
    }
}

constexpr bool bounded_by_denominator(ChartType c) noexcept {
    return c == ChartType::p || c == ChartType::np || c == ChartType::p_prime;
}

inline std::size_t validate_input(ChartType chart, const ChartPhaseInput& in, const LimitOptions& o,
                                  std::size_t offset) {
    o.validate();
    const std::string name(to_string(chart));
    const Kind kind = kind_of(chart);
    std::size_t n = 0;
    if (kind == Kind::subgroups) {
        const SubgroupView& s = in.subgroups;
        n = s.size.size();
        if (s.mean.size() != n || s.range.size() != n || s.sd.size() != n)
            fail_argument("subgroups", "mean, range, sd and size need one entry per subgroup (sizes " +
                                           std::to_string(s.mean.size()) + ", " + std::to_string(s.range.size()) +
                                           ", " + std::to_string(s.sd.size()) + ", " + std::to_string(n) + ")");
        if (!in.values.empty()) fail_argument("values", "not used by chart " + name + " (give subgroups)");
        if (!in.denominators.empty()) fail_argument("denominators", "not used by chart " + name);
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t r = offset + i;
            const std::size_t m = s.size[i];
            if (m == 1)
                fail_argument("subgroup_sizes", r,
                              "chart " + name + " needs at least 2 observations per subgroup, got 1");
            if (chart == ChartType::xbar_r && m > constants::max_subgroup_size &&
                (o.subgroup_sigma == SubgroupSigma::chart_default || o.subgroup_sigma == SubgroupSigma::mean_range))
                fail_argument("subgroup_sizes", r,
                              "ranges need subgroups of at most " + std::to_string(constants::max_subgroup_size) +
                                  " observations (use xbar_s), got " + std::to_string(m));
            if (std::isinf(s.mean[i]) || std::fabs(s.mean[i]) > max_magnitude)
                fail_argument("subgroup_means", r, "must be finite (|x| ≤ 1e300) or NaN, got " + num(s.mean[i]));
            if (m >= 2 && s.mean[i] != s.mean[i])
                fail_argument("subgroup_means", r, "missing for a subgroup of " + std::to_string(m) + " observations");
            if (!(s.range[i] >= 0) && s.range[i] == s.range[i])
                fail_argument("subgroup_ranges", r, "must be non-negative, got " + num(s.range[i]));
            if (std::isinf(s.range[i])) fail_argument("subgroup_ranges", r, "must be finite or NaN, got inf");
            if (!(s.sd[i] >= 0) && s.sd[i] == s.sd[i])
                fail_argument("subgroup_sds", r, "must be non-negative, got " + num(s.sd[i]));
            if (std::isinf(s.sd[i])) fail_argument("subgroup_sds", r, "must be finite or NaN, got inf");
        }
    } else {
        n = in.values.size();
        if (s_nonempty(in.subgroups)) fail_argument("subgroups", "not used by chart " + name);
        if (kind == Kind::ratio) {
            if (in.denominators.empty()) fail_argument("denominators", "chart " + name + " needs a denominator per row");
            if (in.denominators.size() != n)
                fail_argument("denominators", "needs one entry per value (" + std::to_string(n) + "), got " +
                                                  std::to_string(in.denominators.size()));
        } else if (!in.denominators.empty()) {
            fail_argument("denominators", "not used by chart " + name);
        }
        const bool counts = kind == Kind::counts || kind == Kind::ratio;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t r = offset + i;
            const double y = in.values[i];
            if (std::isinf(y) || std::fabs(y) > max_magnitude)
                fail_argument("values", r, "must be finite (|x| ≤ 1e300) or NaN (missing), got " + num(y));
            if (counts && y == y) {
                if (y < 0) fail_argument("values", r, "counts must be non-negative, got " + num(y));
                if (o.require_whole_counts && !is_whole(y))
                    fail_argument("values", r, "chart " + name + " counts must be whole numbers, got " + num(y));
            }
            if (chart == ChartType::t && y == y && !(y > 0))
                fail_argument("values", r, "time between events must be positive, got " + num(y));
            if (kind == Kind::ratio) {
                const double d = in.denominators[i];
                if (d != d) {
                    if (o.missing_denominator_is_error && y == y)
                        fail_argument("denominators", r, "missing (NaN) while values[" + std::to_string(r) + "] = " +
                                                             num(y) + " is present");
                    continue;
                }
                if (std::isinf(d) || d > max_magnitude)
                    fail_argument("denominators", r, "must be finite (≤ 1e300) or NaN (missing), got " + num(d));
                if (!(d > 0)) fail_argument("denominators", r, "must be positive, got " + num(d));
                if (bounded_by_denominator(chart)) {
                    if (o.require_whole_counts && !is_whole(d))
                        fail_argument("denominators", r,
                                      "chart " + name + " denominators (units inspected) must be whole numbers, got " +
                                          num(d));
                    if (y == y && y > d)
                        fail_argument("values", r, "numerator " + num(y) + " is above its denominator " + num(d) +
                                                       " (denominators[" + std::to_string(r) + "])");
                }
            }
        }
    }
    if (!in.used.empty() && in.used.size() != n)
        fail_argument("used", "needs one entry per row (" + std::to_string(n) + "), got " + std::to_string(in.used.size()));
    return n;
}

}  // namespace detail::limits

inline void LimitOptions::validate() const {
    using detail::limits::num;
    auto positive = [](double v) { return v > 0 && v < 1e6; };
    if (!positive(sigma_multiplier))
        fail_argument("sigma_multiplier", "must be a positive number, got " + num(sigma_multiplier));
    if (screen_moving_ranges && !positive(screen_multiplier))
        fail_argument("screen_multiplier", "must be a positive number, got " + num(screen_multiplier));
    if (!positive(mr_d2)) fail_argument("mr_d2", "must be a positive number, got " + num(mr_d2));
    if (!positive(mr_upper_factor))
        fail_argument("mr_upper_factor", "must be a positive number, got " + num(mr_upper_factor));
    if (!positive(t_power)) fail_argument("t_power", "must be a positive number, got " + num(t_power));
}

// ---- subgroup statistics ------------------------------------------------------------------

inline SubgroupStats subgroup_stats(std::span<const double> obs, std::span<const std::size_t> off) {
    using namespace detail::limits;
    if (off.size() < 2) fail_argument("subgroup_offsets", "needs at least 2 entries (one subgroup)");
    if (off.front() != 0) fail_argument("subgroup_offsets", 0, "must be 0, got " + std::to_string(off.front()));
    if (off.back() != obs.size())
        fail_argument("subgroup_offsets", off.size() - 1,
                      "must equal the number of observations (" + std::to_string(obs.size()) + "), got " +
                          std::to_string(off.back()));
    for (std::size_t g = 1; g < off.size(); ++g)
        if (off[g] < off[g - 1]) fail_argument("subgroup_offsets", g, "offsets must not decrease");
    for (std::size_t j = 0; j < obs.size(); ++j)
        if (std::isinf(obs[j]) || std::fabs(obs[j]) > max_magnitude)
            fail_argument("obs", j, "must be finite (|x| ≤ 1e300) or NaN (missing), got " + num(obs[j]));
    const std::size_t G = off.size() - 1;
    SubgroupStats s;
    s.mean.resize(G);
    s.range.resize(G);
    s.sd.resize(G);
    s.size.resize(G);
    for (std::size_t g = 0; g < G; ++g) {
        Sum sum;
        double lo = inf, hi = -inf;
        for (std::size_t j = off[g]; j < off[g + 1]; ++j) {
            const double x = obs[j];
            if (x != x) continue;
            sum.add(x);
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
        const std::size_t m = sum.n;
        s.size[g] = m;
        if (m == 0) {
            s.mean[g] = s.range[g] = s.sd[g] = nan;
            continue;
        }
        const double mean = sum.mean();
        s.mean[g] = mean;
        s.range[g] = hi - lo;
        if (m < 2) {
            s.sd[g] = nan;
            continue;
        }
        // Two-pass variance, as R's var(): squared deviations from the accurate mean.
        Sum ss;
        for (std::size_t j = off[g]; j < off[g + 1]; ++j) {
            const double x = obs[j];
            if (x != x) continue;
            const double d = x - mean;
            ss.add_product(d, d);
        }
        s.sd[g] = std::sqrt(stats::detail::dd_div(ss.total(), m - 1));
    }
    return s;
}

// ---- the charts -----------------------------------------------------------------------------

namespace detail::limits {

/// σ̂ of one observation for subgroup charts: per-point function plus summary.
struct SubgroupSigmaEstimate {
    SubgroupSigma method;
    bool constant_size;     // every non-empty subgroup of the phase has the same size
    std::size_t common_size;
    double sigma;           // mean_range, mean_sd: σ̂; pooled_sd: NaN (depends on n_i)
    double dispersion;      // R̄, s̄ or pooled s
    bool published_d2;

    double d2_of(std::size_t m) const { return published_d2 ? constants::d2_published(m) : constants::d2(m); }

    /// σ̂ for a subgroup of m ≥ 2 observations.
    double at(std::size_t m) const {
        if (method == SubgroupSigma::pooled_sd) return dispersion / constants::c4(m);
        return sigma;
    }
};

inline SubgroupSigma resolve(SubgroupSigma s, ChartType chart) noexcept {
    if (s != SubgroupSigma::chart_default) return s;
    return chart == ChartType::xbar_r ? SubgroupSigma::mean_range : SubgroupSigma::pooled_sd;
}

template <class Used>
inline SubgroupSigmaEstimate estimate_subgroup_sigma(ChartType chart, const SubgroupView& s, Used used,
                                                     const LimitOptions& o) {
    SubgroupSigmaEstimate e{resolve(o.subgroup_sigma, chart), true, 0, nan, nan, o.published_d2};
    const std::size_t n = s.count();
    for (std::size_t i = 0; i < n; ++i) {
        if (s.size[i] == 0) continue;
        if (e.common_size == 0) e.common_size = s.size[i];
        else if (s.size[i] != e.common_size) e.constant_size = false;
    }
    auto use = [&](std::size_t i, double stat) { return used(i) && s.size[i] >= 2 && stat == stat; };
    Sum a;  // plain or scaled statistics
    switch (e.method) {
        case SubgroupSigma::mean_range:
            for (std::size_t i = 0; i < n; ++i)
                if (use(i, s.range[i])) e.constant_size ? a.add(s.range[i]) : a.add(s.range[i] / e.d2_of(s.size[i]));
            if (a.n == 0) break;
            if (e.constant_size) {
                e.dispersion = a.mean();
                e.sigma = e.dispersion / e.d2_of(e.common_size);
            } else {
                e.sigma = a.mean();
            }
            break;
        case SubgroupSigma::mean_sd:
            for (std::size_t i = 0; i < n; ++i)
                if (use(i, s.sd[i])) e.constant_size ? a.add(s.sd[i]) : a.add(s.sd[i] / constants::c4(s.size[i]));
            if (a.n == 0) break;
            if (e.constant_size) {
                e.dispersion = a.mean();
                e.sigma = e.dispersion / constants::c4(e.common_size);
            } else {
                e.sigma = a.mean();
            }
            break;
        case SubgroupSigma::pooled_sd:
        case SubgroupSigma::chart_default: {
            if (e.constant_size) {
                for (std::size_t i = 0; i < n; ++i)
                    if (use(i, s.sd[i])) a.add(s.sd[i]);
                if (a.n) e.dispersion = a.mean();
            } else {
                Sum df;
                for (std::size_t i = 0; i < n; ++i)
                    if (use(i, s.sd[i])) {
                        const double w = static_cast<double>(s.size[i] - 1);
                        a.add_product(w, s.sd[i] * s.sd[i]);
                        df.add(w);
                    }
                if (a.n) e.dispersion = std::sqrt(ratio(a, df));
            }
            if (e.constant_size && a.n) e.sigma = e.dispersion / constants::c4(e.common_size);
            break;
        }
    }
    return e;
}

}  // namespace detail::limits

inline PhaseLimitInfo chart_limits(ChartType chart, const ChartPhaseInput& in, const LimitOptions& o,
                                   std::span<double> stat, LineColumns& L, std::size_t offset) {
    using namespace detail::limits;
    const std::size_t n = validate_input(chart, in, o, offset);
    if (stat.size() < offset + n)
        fail_argument("statistic_out", "needs at least " + std::to_string(offset + n) + " rows, got " +
                                           std::to_string(stat.size()));
    if (rows_of(L) < offset + n)
        fail_argument("lines_out", "needs at least " + std::to_string(offset + n) + " rows in every column, got " +
                                       std::to_string(rows_of(L)));
    const Multipliers m(o.sigma_multiplier);
    const std::uint8_t* use_mask = in.used.empty() ? nullptr : in.used.data();
    auto used = [use_mask](std::size_t i) { return use_mask == nullptr || use_mask[i] != 0; };
    const double* y = in.values.data();
    const double* d = in.denominators.data();
    const double lo_count = o.clip ? 0.0 : -inf;
    PhaseLimitInfo info;

    // Too few points: throw, or NaN lines (keeping the statistic and any centre).
    auto short_of = [&](std::size_t need, std::size_t got, std::string_view what) {
        if (got >= need) return false;
        if (o.on_insufficient == OnInsufficient::throw_error) insufficient(chart, need, got, what);
        info.sufficient = false;
        fill_lines(L, offset, n, {info.centre, nan, nan, nan, nan, nan, nan});
        return true;
    };

    switch (chart) {
        case ChartType::run: {
            std::copy(y, y + n, stat.begin() + static_cast<std::ptrdiff_t>(offset));
            Sum s;
            for (std::size_t i = 0; i < n; ++i)
                if (used(i) && y[i] == y[i]) s.add(y[i]);
            info.mean = s.n ? s.mean() : nan;
            info.centre = median_of(n, [y](std::size_t i) { return y[i]; }, used, info.n_used);
            if (short_of(1, info.n_used, "used value")) break;
            fill_lines(L, offset, n, {info.centre, nan, nan, nan, nan, nan, nan});
            break;
        }

        case ChartType::xmr:
        case ChartType::t: {
            const bool t = chart == ChartType::t;
            // t chart: the I chart of y^(1/t_power), transformed once (pow is the costly part)
            std::vector<double> transformed;
            if (t) {
                transformed.resize(n);
                const double inv = 1.0 / o.t_power;
                for (std::size_t i = 0; i < n; ++i) transformed[i] = std::pow(y[i], inv);
            }
            const double* z = t ? transformed.data() : y;
            auto value = [z](std::size_t i) { return z[i]; };
            std::copy(y, y + n, stat.begin() + static_cast<std::ptrdiff_t>(offset));
            Sum s;
            for (std::size_t i = 0; i < n; ++i)
                if (used(i) && z[i] == z[i]) s.add(z[i]);
            info.n_used = s.n;
            info.mean = s.n ? s.mean() : nan;
            info.centre = t ? std::pow(info.mean, o.t_power) : info.mean;
            const MovingRanges mr = moving_ranges(n, value, used, o.screen_moving_ranges, o.screen_multiplier);
            info.mean_moving_range = mr.mean;
            info.n_moving_ranges = mr.count;
            info.n_screened = mr.screened;
            if (short_of(2, info.n_used, "used values")) break;
            if (mr.count + mr.screened == 0) {  // two or more values, but never two used in a row
                if (short_of(1, 0, "moving range between consecutive used values")) break;
            }
            info.sigma = mr.mean / o.mr_d2;
            if (!t) {
                fill_lines(L, offset, n, make_lines(info.mean, info.sigma, m, -inf, inf));
                break;
            }
            // t chart: lines on the transformed scale, raised to t_power; a negative lower line
            // has no power (R gives NaN): 0 with clip (qicharts2 sets its lower limit to 0), else NaN.
            auto back = [&](double v) { return v < 0 ? (o.clip ? 0.0 : nan) : std::pow(v, o.t_power); };
            Lines l;
            l.centre = info.centre;
            l.lower = back(info.mean - m.k * info.sigma);
            l.upper = back(info.mean + m.k * info.sigma);
            l.lower_2sigma = back(info.mean - m.k2 * info.sigma);
            l.upper_2sigma = back(info.mean + m.k2 * info.sigma);
            l.lower_1sigma = back(info.mean - m.k1 * info.sigma);
            l.upper_1sigma = back(info.mean + m.k1 * info.sigma);
            fill_lines(L, offset, n, l);
            break;
        }

        case ChartType::mr: {
            Sum s;
            for (std::size_t i = 0; i < n; ++i) {
                const double v = i == 0 ? nan : std::fabs(y[i] - y[i - 1]);
                stat[offset + i] = v;
                if (used(i) && v == v) s.add(v);
            }
            info.n_used = s.n;
            info.n_moving_ranges = s.n;
            info.mean = info.centre = info.mean_moving_range = s.n ? s.mean() : nan;
            if (short_of(1, info.n_used, "used moving range")) break;
            info.sigma = info.mean / o.mr_d2;
            const double c = info.centre, f = o.mr_upper_factor;
            const Lines l{c, 0.0, f * (m.k / 3.0) * c, 0.0, (f / 3.0) * m.k1 * c, 0.0, (f / 3.0) * m.k2 * c};
            fill_lines(L, offset, n, l);
            break;
        }

        case ChartType::c:
        case ChartType::g: {
            std::copy(y, y + n, stat.begin() + static_cast<std::ptrdiff_t>(offset));
            Sum s;
            for (std::size_t i = 0; i < n; ++i)
                if (used(i) && y[i] == y[i]) s.add(y[i]);
            info.n_used = s.n;
            info.mean = s.n ? s.mean() : nan;
            const bool g = chart == ChartType::g;
            if (g && o.g_centre == GCentre::median) {
                std::size_t cnt = 0;
                info.centre = median_of(n, [y](std::size_t i) { return y[i]; }, used, cnt);
            } else {
                info.centre = info.mean;
            }
            if (short_of(1, info.n_used, "used value")) break;
            const double mu = info.mean;
            info.sigma = !g ? std::sqrt(mu)
                            : (o.g_sigma == GSigma::number_before ? std::sqrt(mu * (mu + 1)) : std::sqrt(mu * (mu - 1)));
            Lines l = make_lines(mu, info.sigma, m, lo_count, inf);
            l.centre = info.centre;
            fill_lines(L, offset, n, l);
            break;
        }

        case ChartType::p:
        case ChartType::np:
        case ChartType::u:
        case ChartType::p_prime:
        case ChartType::u_prime: {
            const bool proportion = chart != ChartType::u && chart != ChartType::u_prime;
            const bool laney = chart == ChartType::p_prime || chart == ChartType::u_prime;
            auto present = [&](std::size_t i) { return y[i] == y[i] && d[i] == d[i]; };
            Sum sy, sn;
            for (std::size_t i = 0; i < n; ++i) {
                const bool ok = present(i);
                stat[offset + i] = !ok ? nan : (chart == ChartType::np ? y[i] : y[i] / d[i]);
                if (ok && used(i)) {
                    sy.add(y[i]);
                    sn.add(d[i]);
                }
            }
            info.n_used = sy.n;
            const double bar = sy.n ? ratio(sy, sn) : nan;
            info.mean = bar;
            if (chart != ChartType::np) info.centre = bar;
            // σ of one point before Laney's adjustment, in qicharts2's / qcc's arithmetic
            auto sigma_i = [&](std::size_t i) {
                if (chart == ChartType::np) return std::sqrt(bar * (1 - bar) * d[i]);
                return proportion ? std::sqrt(bar * (1 - bar) / d[i]) : std::sqrt(bar / d[i]);
            };
            double factor = 1.0;  // σ_z
            if (laney) {
                auto z = [&](std::size_t i) {
                    return present(i) ? (y[i] / d[i] - bar) / sigma_i(i) : nan;
                };
                const MovingRanges mr = moving_ranges(n, z, used, o.screen_moving_ranges, o.screen_multiplier);
                info.mean_moving_range = mr.mean;
                info.n_moving_ranges = mr.count;
                info.n_screened = mr.screened;
                if (short_of(2, info.n_used, "used points")) break;
                if (!(bar > 0) || (proportion && !(bar < 1))) {
                    if (o.on_insufficient == OnInsufficient::throw_error)
                        throw insufficient_data("chart " + std::string(to_string(chart)) + ": the centre " +
                                                num(bar) + " leaves no binomial/Poisson spread, so Laney's "
                                                "z-scores are undefined");
                    info.sufficient = false;
                    fill_lines(L, offset, n, {info.centre, nan, nan, nan, nan, nan, nan});
                    break;
                }
                if (mr.count + mr.screened == 0)
                    if (short_of(1, 0, "moving range between consecutive used points")) break;
                factor = info.sigma_z = mr.mean / o.mr_d2;
                info.sigma = info.sigma_z;
            } else if (short_of(1, info.n_used, "used point")) {
                break;
            }
            bool constant_n = true;
            double first_n = nan;
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t r = offset + i;
                if (d[i] != d[i] || y[i] != y[i]) {
                    set_nan_lines(L, r, chart == ChartType::np ? nan : bar);
                    continue;
                }
                if (first_n != first_n) first_n = d[i];
                else if (d[i] != first_n) constant_n = false;
                if (chart == ChartType::np) {
                    set_lines(L, r, d[i] * bar, sigma_i(i), m, o.clip ? 0.0 : -inf, o.clip ? d[i] : inf);
                    continue;
                }
                const double s = laney ? sigma_i(i) * factor : sigma_i(i);
                set_lines(L, r, bar, s, m, lo_count, proportion && o.clip ? 1.0 : inf);
            }
            if (chart == ChartType::np && constant_n && first_n == first_n) info.centre = first_n * bar;
            break;
        }

        case ChartType::xbar_r:
        case ChartType::xbar_s: {
            const SubgroupView& s = in.subgroups;
            Sum num_, den;
            for (std::size_t i = 0; i < n; ++i) {
                stat[offset + i] = s.size[i] ? s.mean[i] : nan;
                if (used(i) && s.size[i] >= 1 && s.mean[i] == s.mean[i]) {
                    num_.add_product(static_cast<double>(s.size[i]), s.mean[i]);
                    den.add(static_cast<double>(s.size[i]));
                }
            }
            info.n_used = num_.n;
            info.mean = info.centre = num_.n ? ratio(num_, den) : nan;
            const auto e = estimate_subgroup_sigma(chart, s, used, o);
            info.sigma = e.sigma;
            info.dispersion = e.dispersion;
            if (short_of(1, info.n_used, "used subgroup")) break;
            std::size_t last_m = 0;  // subgroup sizes repeat: the lines of the last size are reused
            Lines last{};
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t mi = s.size[i];
                if (mi < 2) {
                    set_nan_lines(L, offset + i, info.centre);
                    continue;
                }
                if (mi != last_m) {
                    last = make_lines(info.centre, e.at(mi) / std::sqrt(static_cast<double>(mi)), m, -inf, inf);
                    last_m = mi;
                }
                L.set(offset + i, last);
            }
            break;
        }
    }
    return info;
}

inline PhaseLimitInfo dispersion_limits(ChartType chart, const ChartPhaseInput& in, const LimitOptions& o,
                                        std::span<double> stat, LineColumns& L, std::size_t offset) {
    using namespace detail::limits;
    if (chart != ChartType::xbar_r && chart != ChartType::xbar_s)
        fail_argument("chart", "dispersion limits are for xbar_r (R chart) and xbar_s (S chart), got " +
                                   std::string(to_string(chart)));
    const std::size_t n = validate_input(chart, in, o, offset);
    if (stat.size() < offset + n || rows_of(L) < offset + n)
        fail_argument(stat.size() < offset + n ? "statistic_out" : "lines_out",
                      "needs at least " + std::to_string(offset + n) + " rows");
    const Multipliers m(o.sigma_multiplier);
    const std::uint8_t* use_mask = in.used.empty() ? nullptr : in.used.data();
    auto used = [use_mask](std::size_t i) { return use_mask == nullptr || use_mask[i] != 0; };
    const SubgroupView& s = in.subgroups;
    const bool range = chart == ChartType::xbar_r;
    PhaseLimitInfo info;
    Sum a;
    for (std::size_t i = 0; i < n; ++i) {
        const double v = s.size[i] >= 2 ? (range ? s.range[i] : s.sd[i]) : nan;
        stat[offset + i] = v;
        if (used(i) && v == v) a.add(v);
    }
    info.n_used = a.n;
    info.mean = a.n ? a.mean() : nan;
    const auto e = estimate_subgroup_sigma(chart, s, used, o);
    info.sigma = e.sigma;
    info.dispersion = e.dispersion;
    if (a.n == 0) {
        if (o.on_insufficient == OnInsufficient::throw_error) insufficient(chart, 1, 0, "used subgroup");
        info.sufficient = false;
        for (std::size_t i = 0; i < n; ++i) set_nan_lines(L, offset + i);
        return info;
    }
    // The centre in exact textbook form where it is one number: R̄ (mean_range, constant n) or
    // s̄ / pooled s (pooled_sd).
    const bool exact_range = range && e.method == SubgroupSigma::mean_range && e.constant_size;
    const bool exact_sd = !range && e.method == SubgroupSigma::pooled_sd;
    const double lo = o.clip ? 0.0 : -inf;
    bool constant_centre = true;
    double first_centre = nan;
    std::size_t last_m = 0;  // subgroup sizes repeat: the lines of the last size are reused
    Lines last{};
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t mi = s.size[i];
        if (mi < 2) {
            set_nan_lines(L, offset + i);
            continue;
        }
        if (mi != last_m) {
            const double sig = e.at(mi);
            double centre, spread;
            if (range) {
                centre = exact_range ? e.dispersion : e.d2_of(mi) * sig;
                spread = constants::d3(mi) * sig;
            } else {
                const double c4 = constants::c4(mi);
                centre = exact_sd ? e.dispersion : c4 * sig;
                spread = std::sqrt((1 - c4) * (1 + c4)) * sig;
            }
            if (first_centre != first_centre) first_centre = centre;
            else if (centre != first_centre) constant_centre = false;
            last = make_lines(centre, spread, m, lo, inf);
            last_m = mi;
        }
        L.set(offset + i, last);
    }
    if (constant_centre) info.centre = first_centre;
    return info;
}

inline PhaseChart chart_limits(ChartType chart, const ChartPhaseInput& in, const LimitOptions& o) {
    const std::size_t n = detail::limits::kind_of(chart) == detail::limits::Kind::subgroups ? in.subgroups.count()
                                                                                           : in.values.size();
    PhaseChart r;
    r.statistic.resize(n);
    r.lines.resize(n);
    r.info = chart_limits(chart, in, o, r.statistic, r.lines, 0);
    return r;
}

inline PhaseChart dispersion_limits(ChartType chart, const ChartPhaseInput& in, const LimitOptions& o) {
    PhaseChart r;
    r.statistic.resize(in.subgroups.count());
    r.lines.resize(in.subgroups.count());
    r.info = dispersion_limits(chart, in, o, r.statistic, r.lines, 0);
    return r;
}

}  // namespace qm::spc
