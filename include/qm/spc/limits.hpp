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
//       An output may share memory with an input column (the results are the same).
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
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <qm/core/memory.hpp>
#include <qm/core/error.hpp>
#include <qm/core/parallel.hpp>
#include <qm/spc/chart_types.hpp>
#include <qm/spc/constants.hpp>
#include <qm/stats/detail/lanes.hpp>
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
    /// Lanes k and k + 1 (k = 0 or 2) as one two-wide accumulator, for loops that add two terms at a
    /// time (add_in_order); set_pair puts them back.
    stats::detail::DD2 pair(int k) const noexcept {
        using stats::detail::make2;
        return {make2(lane[k].hi, lane[k + 1].hi), make2(lane[k].lo, lane[k + 1].lo)};
    }
    void set_pair(int k, const stats::detail::DD2& l) noexcept {
        using stats::detail::lane;
        this->lane[k] = {lane(l.hi, 0), lane(l.lo, 0)};
        this->lane[k + 1] = {lane(l.hi, 1), lane(l.lo, 1)};
    }
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

// ---- sums of whole numbers ----------------------------------------------------------------------

/// Sets sy and sd to the exact totals ty and td of c rows (what Sum gives when every partial sum is
/// exact: one lane holding the total, the others 0).
inline void set_exact_totals(Sum& sy, Sum& sd, double ty, double td, std::size_t c) noexcept {
    sy = Sum{};
    sd = Sum{};
    sy.lane[0].hi = ty;
    sd.lane[0].hi = td;
    sy.n = sd.n = c;
}

/// A ratio phase's Σy, Σd and count over the rows where both are numbers, taken by the rows check
/// (rows_pass_kernel) in its pass over them when every such y and d is whole and both totals are
/// below 2^53 (ready: each partial sum is then exact in any order, so plain additions give the exact
/// totals, what the double-double lanes would), for phase_limits to use instead of a pass of its own.
/// The same pass also gives the smallest and largest denominator of the rows that have one (d_lo >
/// d_hi when it did not finish, or none has): equal, every point has the same σ_i, and so the same
/// lines. Given a column for them (rows_pass_kernel's `quotient`: p, u, p′, u′, the phase's
/// statistic column, not overlapping the input), it also writes y_i/d_i there (NaN where either is
/// missing): `quotients` when every row passed, so that phase_limits need not divide again. (The
/// rows check's integer and compare work leaves the divider idle; phase_limits' pass is bound by it.)
struct WholeSums {
    double y = 0, d = 0;
    std::size_t n = 0;
    bool ready = false;
    double d_lo = inf, d_hi = -inf;
    bool quotients = false;  ///< the rows check wrote y_i/d_i of every row into its `quotient`
};

// ---- sums in the order of the rows, four terms at a time ------------------------------------

/// Adds to each s[k], in order, the terms term(k, i), i in [0, n), for which keep(i) is true —
/// exactly what
///   for (i = 0; i < n; ++i) if (keep(i)) for (k = 0; k < K; ++k) s[k]->add(term(k, i));
/// does (the j-th kept term goes to lane j & 3; every s[k] starts with the same count), but four
/// rows at a time, as two two-wide double-double accumulators per sum, while every row of a block
/// of four is kept: the same IEEE operations on the same lanes, so the same bits. A block with a
/// dropped row is added one row at a time, which shifts the lanes of the later terms just as the
/// loop above does; then the loop realigns. term2(k, i) / keep2(i) give rows i, i+1 and their keep
/// mask. The K sums share one pass (a ratio's numerator and denominator). When `largest` is not null
/// it is raised to the largest kept term of s[0] (for a test that skips a screening pass).
///
/// `nonnegative`: the caller knows every term and every sum so far is >= 0 (counts, denominators,
/// moving ranges). A lane's sum then never decreases, so a term no larger than the lane's sum at
/// the start of a run of blocks is no larger than it when added, and Fast2Sum (DD2::add_fast, 3
/// operations instead of 6) gives TwoSum's bits. Runs of 16 blocks are added so, with the largest
/// term of each lane; a run where some term was larger than its lane's starting sum (the first
/// rows of a sum, a late outlier) is added again from its starting state by TwoSum. Phases shorter
/// than a run (grouped series of 60 points) are added by TwoSum: shorter runs, tried, were slower.
template <std::size_t K, class Term, class Term2, class Keep, class Keep2>
inline void add_in_order(Sum* const (&s)[K], std::size_t n, Term term, Term2 term2, Keep keep, Keep2 keep2,
                         double* largest, bool nonnegative = false) noexcept {
    using namespace stats::detail;
    std::size_t i = 0;
    auto one = [&](std::size_t j) {
        if (!keep(j)) return;
        for (std::size_t k = 0; k < K; ++k) s[k]->add(term(k, j));
        const double v = term(0, j);
        if (largest && v > *largest) *largest = v;
    };
    constexpr std::size_t run = 64;  // rows in a Fast2Sum run (16 blocks of 4)
    for (;;) {
        for (; i < n && (s[0]->n & 3) != 0; ++i) one(i);  // until the next kept row goes to lane 0
        if (n - i < 4) break;
        DD2 a[K], b[K];  // lanes 0, 1 and 2, 3
        for (std::size_t k = 0; k < K; ++k) {
            a[k] = s[k]->pair(0);
            b[k] = s[k]->pair(2);
        }
        // the largest term of each sum's lanes 0, 1 (ma) and 2, 3 (mb), kept for s[0] only by TwoSum
        v2d ma[K], mb[K];
        for (std::size_t k = 0; k < K; ++k) ma[k] = mb[k] = splat2(0.0);
        const std::size_t first = i;
        // whole blocks of four kept rows up to row `end`, by Fast2Sum or TwoSum; false at a block
        // with a dropped row (i then at that block)
        auto blocks = [&]<bool Fast>(std::size_t end) {
            for (; i + 4 <= end; i += 4) {
                if (!all2(and2(keep2(i), keep2(i + 2)))) return false;
                for (std::size_t k = 0; k < K; ++k) {
                    const v2d ta = term2(k, i), tb = term2(k, i + 2);
                    if constexpr (Fast) {
                        a[k].add_fast(ta);
                        b[k].add_fast(tb);
                    } else {
                        a[k].add(ta);
                        b[k].add(tb);
                    }
                    if (Fast || k == 0) {
                        ma[k] = max2(ma[k], ta);
                        mb[k] = max2(mb[k], tb);
                    }
                }
            }
            return true;
        };
        bool whole = true;  // no dropped row met yet
        while (nonnegative && whole && i + run <= n) {
            const std::size_t start = i;
            DD2 a0[K], b0[K];
            v2d ma0[K], mb0[K];
            for (std::size_t k = 0; k < K; ++k) {
                a0[k] = a[k];
                b0[k] = b[k];
                ma0[k] = ma[k];
                mb0[k] = mb[k];
                ma[k] = mb[k] = splat2(0.0);
            }
            whole = blocks.template operator()<true>(start + run);
            bool exact = true;  // every term at most its lane's sum at the start of the run
            for (std::size_t k = 0; k < K; ++k)
                exact &= !any2(or2(less2(a0[k].hi, ma[k]), less2(b0[k].hi, mb[k])));
            for (std::size_t k = 0; k < K; ++k) {  // the largest terms so far
                ma[k] = max2(ma0[k], ma[k]);
                mb[k] = max2(mb0[k], mb[k]);
            }
            if (exact) continue;
            i = start;  // again, by TwoSum
            for (std::size_t k = 0; k < K; ++k) {
                a[k] = a0[k];
                b[k] = b0[k];
            }
            whole = blocks.template operator()<false>(start + run);
        }
        if (whole) blocks.template operator()<false>(n);
        for (std::size_t k = 0; k < K; ++k) {
            s[k]->set_pair(0, a[k]);
            s[k]->set_pair(2, b[k]);
            s[k]->n += i - first;
        }
        if (largest && i > first)
            *largest = std::max({*largest, lane(ma[0], 0), lane(ma[0], 1), lane(mb[0], 0), lane(mb[0], 1)});
        const std::size_t end = std::min(n, i + 4);  // the block that stopped the vector loop
        for (; i < end; ++i) one(i);
    }
    for (; i < n; ++i) one(i);
}

/// The same for one sum: term(i), term2(i).
template <class Term, class Term2, class Keep, class Keep2>
inline void add_in_order(Sum& s, std::size_t n, Term term, Term2 term2, Keep keep, Keep2 keep2,
                         double* largest, bool nonnegative = false) noexcept {
    Sum* const one[1] = {&s};
    add_in_order(
        one, n, [&](std::size_t, std::size_t i) { return term(i); }, [&](std::size_t, std::size_t i) { return term2(i); },
        keep, keep2, largest, nonnegative);
}

/// Σ of the non-missing x[i] (every row used), in the order and lanes of Sum::add.
/// `nonnegative`: every number in x is >= 0 (see add_in_order).
inline void add_numbers(Sum& s, const double* x, std::size_t n, bool nonnegative = false) noexcept {
    using namespace stats::detail;
    add_in_order(
        s, n, [x](std::size_t i) { return x[i]; }, [x](std::size_t i) { return load2(x + i); },
        [x](std::size_t i) { return x[i] == x[i]; }, [x](std::size_t i) { return is_number2(load2(x + i)); }, nullptr,
        nonnegative);
}

/// Scratch doubles, kept between uses and not initialised (every element is written before it is
/// read): a std::vector would zero them first, which for a long series is a pass over fresh memory.
struct Buffer {
    std::unique_ptr<double[]> p;
    std::size_t capacity = 0;
    double* get(std::size_t n) {
        if (n > capacity) {
            p.reset(new double[n]);
            capacity = n;
            qm::detail::advise_huge_pages(p.get(), n * sizeof(double));
        }
        return p.get();
    }
};

// ---- medians ----------------------------------------------------------------------------------

/// The k-th smallest (0-based) of a[0, n) (no NaN); t is scratch of n values; both are overwritten.
/// Quickselect with a median-of-three pivot and a branch-free three-way partition into the other
/// buffer (every value is written to both ends; only the cursor of its side moves), so that the
/// cost does not depend on how the comparisons fall — std::nth_element mispredicts about every
/// other one. The rounds go on down to two values (a series of 60: about six rounds), where
/// std::nth_element ends it: handing it 16 or 40 values instead was 9% and 30% slower for a g chart
/// of 60 points. Degenerate pivots (more rounds than any input needs in practice) hand over to
/// std::nth_element. With `below` (k >= 1), also the (k−1)-th smallest: the largest value left
/// behind below the final range, or of the final range below the k-th — no second pass.
inline double select_kth(double* a, double* t, std::size_t n, std::size_t k, double* below = nullptr) noexcept {
    double* base[2] = {a, t};
    int cur = 0;              // a lies in base[cur]
    double left_max = -inf;   // the largest value left behind below the range still searched
    for (unsigned round = 0; n > 2; ++round) {
        if (round == 64) break;
        const double x = a[0], y = a[n / 2], z = a[n - 1];
        const double p = std::max(std::min(x, y), std::min(std::max(x, y), z));
        double* out = base[cur ^ 1];
        std::ptrdiff_t lo = 0, hi = static_cast<std::ptrdiff_t>(n) - 1;
        for (std::size_t i = 0; i < n; ++i) {
            const double v = a[i];
            out[lo] = v;
            out[hi] = v;
            lo += v < p;
            hi -= v > p;
        }
        // out[0, lo) < p, out[lo, hi] == p (at least the pivot itself), out(hi, n) > p
        cur ^= 1;
        const auto kk = static_cast<std::ptrdiff_t>(k);
        if (kk < lo) {
            a = out;
            n = static_cast<std::size_t>(lo);
        } else if (kk > hi) {
            left_max = p;  // what is left behind is at most p, and p itself is among it
            a = out + hi + 1;
            k -= static_cast<std::size_t>(hi + 1);
            n -= static_cast<std::size_t>(hi + 1);
        } else {
            if (below != nullptr) {
                double m = kk > lo ? p : left_max;  // another p comes before, or the largest below p
                if (kk == lo)
                    for (std::ptrdiff_t i = 0; i < lo; ++i) m = std::max(m, out[i]);
                *below = m;
            }
            return p;
        }
    }
    std::nth_element(a, a + k, a + n);
    if (below != nullptr) {
        double m = left_max;
        for (std::size_t i = 0; i < k; ++i) m = std::max(m, a[i]);
        *below = m;
    }
    return a[k];
}

/// select_kth for long inputs: the k-th smallest lies, with near certainty, between two values of a
/// sorted sample of 2,048 (about 4.2 standard deviations of its sample rank either side), so one
/// pass counts the values below that range and copies those within it (about a tenth), and
/// select_kth runs on the copy — instead of quickselect's passes over everything. When the sample
/// misses (the k-th lies outside the range), select_kth runs on all of a, which the pass leaves as
/// it was. The same order statistics, as values, as select_kth.
inline double select_kth_sampled(double* a, double* t, std::size_t n, std::size_t k, double* below = nullptr) noexcept {
    constexpr std::size_t s = 2048, d = 96;
    if (n < 32 * s) return select_kth(a, t, n, k, below);
    double sample[s];
    const std::size_t stride = n / s;
    for (std::size_t i = 0; i < s; ++i) sample[i] = a[i * stride];
    std::sort(sample, sample + s);
    const std::size_t r = k / stride < s ? k / stride : s - 1;
    const double lo = sample[r >= d ? r - d : 0], hi = sample[r + d < s ? r + d : s - 1];
    std::size_t n_below = 0, m = 0, i = 0;
#if QM_SSE2_MASKS
    {  // two values at a time: the counts as compare masks, the copies by their two bits
        const __m128d vlo = _mm_set1_pd(lo), vhi = _mm_set1_pd(hi);
        __m128i nb = _mm_setzero_si128();
        for (; i + 2 <= n; i += 2) {
            const __m128d v = _mm_loadu_pd(a + i);
            nb = _mm_sub_epi64(nb, _mm_castpd_si128(_mm_cmplt_pd(v, vlo)));
            const int in = _mm_movemask_pd(_mm_and_pd(_mm_cmple_pd(vlo, v), _mm_cmple_pd(v, vhi)));
            t[m] = a[i];
            m += static_cast<std::size_t>(in & 1);
            t[m] = a[i + 1];
            m += static_cast<std::size_t>(in >> 1);
        }
        alignas(16) std::int64_t c[2];
        _mm_store_si128(reinterpret_cast<__m128i*>(c), nb);
        n_below = static_cast<std::size_t>(c[0] + c[1]);
    }
#endif
    for (; i < n; ++i) {
        const double v = a[i];
        t[m] = v;
        m += static_cast<std::size_t>((v >= lo) & (v <= hi));
        n_below += static_cast<std::size_t>(v < lo);
    }
    if (k < n_below || k - n_below >= m) return select_kth(a, t, n, k, below);
    const std::size_t kk = k - n_below;
    if (below != nullptr && kk == 0) {  // the (k−1)-th is the largest value below the range
        double below_max = -inf;
        for (std::size_t j = 0; j < n; ++j) below_max = a[j] < lo ? std::max(below_max, a[j]) : below_max;
        *below = below_max;
        return select_kth(t, a, m, 0);
    }
    return select_kth(t, a, m, kk, below);
}

/// The mean of two values as R's mean(c(lo, hi)): correctly rounded.
inline double mean_of_two(double lo, double hi) noexcept {
    Sum s;
    s.add(lo);
    s.add(hi);
    return s.mean();
}

/// Every row of the phase is used (no mask): the kernels take their four-at-a-time paths.
struct AllRows {
    static constexpr bool all = true;
    constexpr bool operator()(std::size_t) const noexcept { return true; }
};

/// The rows whose mask byte is nonzero are used.
struct MaskRows {
    static constexpr bool all = false;
    const std::uint8_t* mask;
    bool operator()(std::size_t i) const noexcept { return mask[i] != 0; }
};

/// The median of the kept numbers of x[0, n) (keep(i) true and x[i] not NaN) from a histogram, when
/// there are 4,096 or more, all whole numbers over a range narrower than a quarter of their count
/// (cases or days between events, counts): two passes instead of quickselect's several, and no copy.
/// False (not decided: the caller selects) otherwise, or when a middle value is zero (see median_of).
/// count: the number of kept numbers when decided.
template <class Keep>
inline bool whole_number_median(const double* x, std::size_t n, Keep keep, std::size_t& count, double& median) {
    if (n < 4096) return false;
    // the least and greatest kept number, and whether all are whole: checked 256 rows at a time, so
    // that other data leave after the first block
    bool whole = true;
    double mn = inf, mx = -inf;
    std::size_t i0 = 0;
#if QM_VECTOR_EXTENSIONS
    {
        using namespace stats::detail;
        const v2d two52 = splat2(0x1p52);
        // two sets of lanes, so that each min and max waits on its own previous one only; a NaN (a
        // missing or unkept row) leaves them as they are: min2(x, lo) is lo when x is NaN
        v2d lo2 = splat2(inf), hi2 = splat2(-inf), lo2b = lo2, hi2b = hi2;
        auto kept2 = [&](std::size_t i) {
            if constexpr (Keep::all) return load2(x + i);
            else return make2(keep(i) ? x[i] : nan, keep(i + 1) ? x[i + 1] : nan);
        };
        // exact for 0 <= x < 2^52; true for NaN (masks by ne2, eq2: see there)
        auto whole2 = [&](v2d v) { return or2(ne2(v, v), eq2((v + two52) - two52, v)); };
        for (; i0 + 256 <= n && whole; i0 += 256) {
            // every kept value whole so far: an AND of the masks' bits (see bits_of2; as an AND of
            // the masks themselves GCC keeps it in scalar registers)
            unsigned ok = 3;
            for (std::size_t i = i0; i < i0 + 256; i += 4) {
                const v2d u = kept2(i), w = kept2(i + 2);
                lo2 = min2(u, lo2);
                lo2b = min2(w, lo2b);
                hi2 = max2(u, hi2);
                hi2b = max2(w, hi2b);
                ok &= bits_of2(and2(whole2(u), whole2(w)));
            }
            whole = ok == 3;
        }
        lo2 = min2(lo2, lo2b);
        hi2 = max2(hi2, hi2b);
        mn = std::min(lo2[0], lo2[1]);
        mx = std::max(hi2[0], hi2[1]);
    }
#endif
    for (std::size_t i = i0; i < n && whole; ++i) {
        if (!keep(i) || x[i] != x[i]) continue;
        mn = std::min(mn, x[i]);
        mx = std::max(mx, x[i]);
        whole = (x[i] + 0x1p52) - 0x1p52 == x[i];
    }
    // (the count c of kept numbers is at most n: the range is checked against c once counted)
    if (!whole || !(mn >= 0 && mx < 0x1p52 && mx - mn < static_cast<double>(n / 4))) return false;
    // four histograms, row i counted in the (i mod 4)-th, so that equal values in nearby rows do
    // not wait on each other's increments; 4 × range <= n entries in all
    const std::size_t range = static_cast<std::size_t>(static_cast<std::int64_t>(mx - mn)) + 1;
    std::vector<std::uint32_t> counts(4 * range, 0);
    auto count_row = [&](std::size_t i, std::uint32_t* part) {
        if (keep(i) && x[i] == x[i]) ++part[static_cast<std::int64_t>(x[i] - mn)];
    };
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (std::size_t j = 0; j < 4; ++j) count_row(i + j, counts.data() + j * range);
    for (; i < n; ++i) count_row(i, counts.data());
    std::size_t c = 0;
    for (std::size_t r = 0; r < range; ++r) {
        counts[r] += counts[range + r] + counts[2 * range + r] + counts[3 * range + r];
        c += counts[r];
    }
    if (c < 4096 || !(mx - mn < static_cast<double>(c / 4))) return false;
    const std::size_t h = c / 2;
    auto kth = [&](std::size_t k) {  // the k-th smallest (0-based)
        std::size_t below = 0, r = 0;
        while (below + counts[r] <= k) below += counts[r++];
        return mn + static_cast<double>(r);
    };
    const double hv = kth(h), lv = c % 2 == 0 ? kth(h - 1) : hv;
    if (hv == 0 || lv == 0) return false;
    count = c;
    median = c % 2 == 1 ? hv : mean_of_two(lv, hv);
    return true;
}

/// Median of the values for which keep(i) is true (NaN never kept); NaN when none. `tmp` is scratch
/// (reused across calls: no allocation once it is large enough). The middle values of 4,096 or
/// more whole numbers spanning fewer values than a quarter of their count come from a histogram
/// (whole_number_median); otherwise they are found by select_kth (select_kth_sampled from 65,536
/// values); as values they are the ones std::nth_element finds, except that either may pick a
/// different zero of −0 and +0 — so when a middle value is zero the median is taken again exactly
/// as before (nth_element on the values in row order), and the bits never differ.
/// try_histogram false: the caller has tried whole_number_median on these values.
template <class Value, class Keep>
inline double median_of(std::size_t n, Value value, Keep keep, std::size_t& count, Buffer& tmp,
                        bool try_histogram = true) {
    double* a = tmp.get(2 * n);
    std::size_t c = 0;
    for (std::size_t i = 0; i < n; ++i) {  // the kept values, without a branch per value
        const double x = value(i);
        a[c] = x;
        c += static_cast<std::size_t>(keep(i) & (x == x));
    }
    count = c;
    if (c == 0) return nan;
    const std::size_t h = c / 2;
    double m = nan;
    std::size_t cc = 0;
    if (try_histogram && whole_number_median(a, c, AllRows{}, cc, m)) return m;
    double lo = 0;  // the (h−1)-th value, for an even count
    const double hi = select_kth_sampled(a, a + n, c, h, c % 2 == 0 ? &lo : nullptr);
    if (c % 2 == 1) lo = hi;
    if (hi != 0 && lo != 0) return c % 2 == 1 ? hi : mean_of_two(lo, hi);
    // a zero in the middle: exactly as before
    std::vector<double> buf;
    for (std::size_t i = 0; i < n; ++i)
        if (keep(i)) {
            const double x = value(i);
            if (x == x) buf.push_back(x);
        }
    std::nth_element(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(h), buf.end());
    const double v = buf[h];
    if (c % 2 == 1) return v;
    return mean_of_two(*std::max_element(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(h)), v);
}

/// median_of the kept numbers of y[0, n): from y itself when a histogram decides it (no copy).
template <class Keep>
inline double median_of_column(const double* y, std::size_t n, Keep keep, std::size_t& count, Buffer& tmp) {
    double m = nan;
    if (whole_number_median(y, n, keep, count, m)) return m;
    return median_of(n, [y](std::size_t i) { return y[i]; }, keep, count, tmp, false);
}

template <class Value, class Keep>
inline double median_of(std::size_t n, Value value, Keep keep, std::size_t& count) {
    Buffer tmp;
    return median_of(n, value, keep, count, tmp);
}

// ---- moving ranges ----------------------------------------------------------------------------

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

/// moving_ranges() when every row is used, over an array: the moving ranges |z[i] − z[i−1]| four
/// at a time (add_in_order), and the screening pass only when the largest moving range reaches
/// the threshold — otherwise it would keep every term, in the same order, and give the same sum.
inline MovingRanges moving_ranges_all(const double* z, std::size_t n, bool screen, double screen_multiplier) {
    using namespace stats::detail;
    MovingRanges m;
    if (n < 2) return m;
    auto term = [z](std::size_t i) { return std::fabs(z[i + 1] - z[i]); };
    auto term2 = [z](std::size_t i) { return abs2(load2(z + i + 1) - load2(z + i)); };
    Sum s;
    double largest = 0;
    add_in_order(
        s, n - 1, term, term2, [&](std::size_t i) { return term(i) < inf; },
        [&](std::size_t i) { return less2(term2(i), splat2(inf)); }, &largest, true);
    m.count = s.n;
    m.mean = s.n ? s.mean() : nan;
    if (screen && s.n) {
        const double below = screen_multiplier * m.mean;
        if (largest < below) return m;  // nothing screened out
        Sum t;
        add_in_order(
            t, n - 1, term, term2, [&](std::size_t i) { return term(i) < below; },
            [&](std::size_t i) { return less2(term2(i), splat2(below)); }, nullptr, true);
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

/// What rows_pass_kernel's sums take from the rows it has passed: Σy and Σd of the rows where both
/// are numbers (exact partial sums of whole numbers while the totals stay below 2^53), their count,
/// whether each such y and d passed the whole-number test (x + 2^52) − 2^52 == x, and the smallest
/// and largest d of the rows that have one.
struct RowTotals {
    double y = 0, d = 0, lo = inf, hi = -inf;
    std::size_t n = 0;
    bool whole = true;
    /// Those of other rows of the same phase (partial sums: exact in any order).
    void add(const RowTotals& o) noexcept {
        y += o.y;
        d += o.d;
        n += o.n;
        whole = whole && o.whole;
        lo = std::min(lo, o.lo);
        hi = std::max(hi, o.hi);
    }
};

/// One row of rows_pass_kernel's checks, as its row-by-row loop takes it (the row v = y_i, w = d_i;
/// w unused unless Ratio): false when it fails. With Sums, the row goes into t, and, where q is not
/// null, *q gets v/w (NaN where either is missing).
template <bool Counts, bool Whole, bool T, bool Ratio, bool Bounded, bool DenError, bool Sums>
inline bool row_passes(double v, double w, double* q, RowTotals& t) noexcept {
    if (std::fabs(v) > max_magnitude) return false;
    if (Counts && v == v && (v < 0 || (Whole && !is_whole(v)))) return false;
    if (T && v == v && !(v > 0)) return false;
    if constexpr (Ratio) {
        if constexpr (Sums)
            if (q != nullptr) *q = v == v && w == w ? v / w : nan;
        if (w != w) return !(DenError && v == v);
        if (!(w > 0) || w > max_magnitude || (Bounded && Whole && !is_whole(w)) || (Bounded && v == v && v > w))
            return false;
        if constexpr (Sums) {
            t.lo = std::min(t.lo, w);
            t.hi = std::max(t.hi, w);
            if (v == v) {
                t.whole = t.whole && (v + 0x1p52) - 0x1p52 == v && (w + 0x1p52) - 0x1p52 == w;
                t.y += v;
                t.d += w;
                ++t.n;
            }
        }
    }
    return true;
}

#if QM_AVX2_DISPATCH
/// rows_pass_kernel for a bounded ratio chart with whole counts and its sums (p, np, p′), four rows
/// at a time with AVX2, over the rows [0, n & ~3): the common case (both numbers, whole, 0 <= y <= d
/// < 2^52) as compares, a block of four with another row by row_passes. False at a row that fails.
/// The rows' totals go into t (RowTotals), their y_i/d_i into q where it is not null (NaN where
/// either is missing).
template <bool DenError>
QM_TARGET_AVX2 inline bool bounded_rows4(const double* y, const double* d, std::size_t n, double* q,
                                         RowTotals& t) noexcept {
    const __m256d zero = _mm256_setzero_pd(), two52 = _mm256_set1_pd(0x1p52);
    __m256d ay = zero, ad = zero, wl = _mm256_set1_pd(inf), wh = _mm256_set1_pd(-inf);
    RowTotals one;  // the rows taken one at a time
    std::size_t blocks = 0;
    const bool far = n > 16384;  // prefetch only what will not already be in cache
    for (std::size_t i = 0; i + 4 <= n; i += 4) {
        if (far) {
            stats::detail::prefetch_ahead(y + i, 256);
            stats::detail::prefetch_ahead(d + i, 256);
        }
        const __m256d v = _mm256_loadu_pd(y + i), w = _mm256_loadu_pd(d + i);
        // (x + 2^52) − 2^52 == x: whole, for 0 <= x < 2^52
        const __m256d v_whole = _mm256_cmp_pd(_mm256_sub_pd(_mm256_add_pd(v, two52), two52), v, _CMP_EQ_OQ);
        const __m256d w_whole = _mm256_cmp_pd(_mm256_sub_pd(_mm256_add_pd(w, two52), two52), w, _CMP_EQ_OQ);
        const __m256d ok = _mm256_and_pd(
            _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(zero, v, _CMP_LE_OQ), _mm256_cmp_pd(zero, w, _CMP_LT_OQ)),
                          _mm256_and_pd(_mm256_cmp_pd(v, w, _CMP_LE_OQ), _mm256_cmp_pd(w, two52, _CMP_LT_OQ))),
            _mm256_and_pd(v_whole, w_whole));
        if (_mm256_movemask_pd(ok) == 15) {
            ay = _mm256_add_pd(ay, v);
            ad = _mm256_add_pd(ad, w);
            wl = _mm256_min_pd(w, wl);
            wh = _mm256_max_pd(w, wh);
            if (q != nullptr) _mm256_storeu_pd(q + i, _mm256_div_pd(v, w));
            ++blocks;
            continue;
        }
        for (std::size_t j = i; j < i + 4; ++j)
            if (!row_passes<true, true, false, true, true, DenError, true>(y[j], d[j], q ? q + j : nullptr, one))
                return false;
    }
    alignas(32) double a[4], b[4], m[4], x[4];
    _mm256_store_pd(a, ay);
    _mm256_store_pd(b, ad);
    _mm256_store_pd(m, wl);
    _mm256_store_pd(x, wh);
    t.y = (a[0] + a[1]) + (a[2] + a[3]);
    t.d = (b[0] + b[1]) + (b[2] + b[3]);
    t.n = 4 * blocks;
    t.lo = std::min(std::min(m[0], m[1]), std::min(m[2], m[3]));
    t.hi = std::max(std::max(x[0], x[1]), std::max(x[2], x[3]));
    t.add(one);
    return true;
}
#endif

/// True when every row passes the checks of validate_input (then its row-by-row loop, which finds
/// the first failing row for the message, is skipped): one branch-free pass, two rows at a time,
/// specialised on the checks the chart needs. The same conditions as the loop, as masks: |y| > 1e300
/// or infinite; for counts y < 0 or not whole; for t y <= 0; for ratio charts a missing denominator
/// that is an error, or a denominator that is not positive and finite (<= 1e300), not whole, or below
/// its numerator. "Whole" for y >= 0 is y >= 2^52 or (y + 2^52) − 2^52 == y (exact: the sum rounds y
/// to an integer), as floor(y) == y.
///
/// Sums (ratio charts, sums not null): the same pass also takes the phase's WholeSums (Σy, Σd and
/// the count over the rows where both are numbers), two lanes at a time, the whole-number test of
/// each kept y and d as above (not needed where the checks already require both whole: p, np, p′
/// with whole counts); sums->ready when every row passes, every kept y and d is whole and both
/// totals are below 2^53. One read of the counts and denominators fewer for a long phase. With sums,
/// `quotient` (not null: n doubles) also gets each row's y_i/d_i, NaN where either is missing, and
/// sums->quotients says so when every row passed.
template <bool Counts, bool Whole, bool T, bool Ratio, bool Bounded, bool DenError, bool Sums = false>
inline bool rows_pass_kernel(const double* y, const double* d, std::size_t n, WholeSums* sums = nullptr,
                             double* quotient = nullptr) noexcept {
    [[maybe_unused]] double* q = Sums ? quotient : nullptr;  // y_i/d_i (see WholeSums)
    if constexpr (Sums) *sums = WholeSums{};
    // p, np, p′ with whole counts and their sums: four rows at a time where the processor has AVX2
    // (bounded_rows4), all but the last n mod 4, which the loops below take
    [[maybe_unused]] RowTotals before;  // of those rows
#if QM_AVX2_DISPATCH
    if constexpr (Counts && Whole && !T && Ratio && Bounded && Sums)
        if (n >= 64 && stats::detail::avx2()) {
            if (!bounded_rows4<DenError>(y, d, n, q, before)) return false;
            const std::size_t pre = n & ~std::size_t{3};
            y += pre;
            d += pre;
            n -= pre;
            if (q != nullptr) q += pre;
        }
#endif
#if QM_VECTOR_EXTENSIONS
    using namespace stats::detail;
    const v2d big = splat2(max_magnitude), zero = splat2(0.0), two52 = splat2(0x1p52);
    // (comparisons by lt2, le2, eq2, ne2: see there)
    auto whole_below_2_52 = [&](v2d x) { return eq2((x + two52) - two52, x); };  // exact for 0 <= x < 2^52
    // a number below 2^52 that is not whole (false for NaN and for x >= 2^52, which are whole)
    auto not_whole = [&](v2d x) { return lt2(x, two52) & ne2((x + two52) - two52, x); };
    unsigned bad = 0;
    const bool far = n > 16384;  // prefetch only what will not already be in cache
    // Ratio rows, the common case: both rows present, counts and denominators whole and below 2^52
    // (where (x + 2^52) − 2^52 == x is the whole-number test), numerators within their bounds;
    // the bits of the rows j, j + 1 that are
    [[maybe_unused]] auto common = [&](std::size_t j) {
        const v2d v = load2(y + j), w = load2(d + j);
        v2i ok = le2(zero, v) & lt2(zero, w);
        if constexpr (Bounded) ok &= le2(v, w) & lt2(w, two52);
        else ok &= lt2(v, two52) & le2(w, big);
        if constexpr (Whole) {
            ok &= whole_below_2_52(v);
            if constexpr (Bounded) ok &= whole_below_2_52(w);
        }
        return bits_of2(ok);
    };
    // every check of the rows j, j + 1, into `bad`
    auto check = [&](std::size_t j) {
        const v2d v = load2(y + j);
        v2i b = lt2(big, abs2(v));
        if constexpr (Counts || T) {
            // each check's own bits (OR-ed into b, GCC extracts the lanes: see bits_of2)
            if constexpr (Counts) {
                if constexpr (Whole) bad |= bits_of2(lt2(v, zero) | not_whole(v));  // NaN: neither
                else bad |= bits_of2(lt2(v, zero));  // a NaN is never < 0
            }
            if constexpr (T) bad |= bits_of2(le2(v, zero));  // a NaN is never <= 0
            if constexpr (Ratio) {
                const v2d w = load2(d + j);
                if constexpr (DenError) b |= ne2(w, w) & eq2(v, v);  // a count without its denominator
                // each false when w (or v) is NaN
                b |= le2(w, zero) | lt2(big, w);
                if constexpr (Bounded && Whole) b |= not_whole(w);
                if constexpr (Bounded) b |= lt2(w, v);
            }
        }
        bad |= bits_of2(b);  // (see bits_of2)
    };
    // Sums: the rows j, j + 1 into the lanes a (Σy) and b (Σd)
    [[maybe_unused]] v2d sy0 = zero, sd0 = zero, sy1 = zero, sd1 = zero;
    [[maybe_unused]] v2d w_lo = splat2(inf), w_hi = splat2(-inf);
    [[maybe_unused]] v2i kept = {0, 0}, fraction = {0, 0};
    // (Present: both rows are known to have both numbers, as when common() passed them; the masks
    // are then all ones and are left out.)
    [[maybe_unused]] std::size_t kept_pairs = 0;
    [[maybe_unused]] auto add = [&]<bool Present>(std::size_t j, v2d& a, v2d& b) {
        const v2d v = load2(y + j), w = load2(d + j);
        v2i k = {-1, -1};
        if constexpr (Present) {
            a += v;
            b += w;
            ++kept_pairs;
            if (q != nullptr) store2(q + j, v / w);
        } else {
            k = eq2(v, v) & eq2(w, w);
            a += keep2(k, v);
            b += keep2(k, w);
            kept -= k;
            if (q != nullptr) store2(q + j, select2(k, v / w, splat2(nan)));
        }
        w_lo = min2(w, w_lo);  // (a missing w is passed over: min2(NaN, b) is b)
        w_hi = max2(w, w_hi);
        if constexpr (!(Bounded && Whole)) {
            v2i f = ne2((w + two52) - two52, w);
            if constexpr (!Whole) f |= ne2((v + two52) - two52, v);
            fraction |= k & f;
        }
    };
    std::size_t i = 0;
    if constexpr (Ratio)  // four rows a branch while they are the common case
        for (; i + 4 <= n; i += 4) {
            if (far) {
                prefetch_ahead(y + i, 256);
                prefetch_ahead(d + i, 256);
            }
            const unsigned first = common(i), second = common(i + 2);
            if ((first & second) == 3) {
                if constexpr (Sums) {
                    add.template operator()<true>(i, sy0, sd0);
                    add.template operator()<true>(i + 2, sy1, sd1);
                }
                continue;
            }
            if constexpr (Sums) {
                add.template operator()<false>(i, sy0, sd0);
                add.template operator()<false>(i + 2, sy1, sd1);
            }
            if (first != 3) check(i);
            if (second != 3) check(i + 2);
        }
    for (; i + 2 <= n; i += 2) {
        if (far) {
            prefetch_ahead(y + i, 256);
            if constexpr (Ratio) prefetch_ahead(d + i, 256);
        }
        if constexpr (Sums) add.template operator()<false>(i, sy0, sd0);
        if constexpr (Ratio)
            if (common(i) == 3) continue;
        check(i);
    }
    if (bad != 0) return false;
    [[maybe_unused]] RowTotals t;
    if constexpr (Sums) {
        const v2d a = sy0 + sy1, b = sd0 + sd1;
        t.y = lane(a, 0) + lane(a, 1);
        t.d = lane(b, 0) + lane(b, 1);
        t.n = static_cast<std::size_t>(kept[0] + kept[1]) + 2 * kept_pairs;
        t.whole = !any2(fraction);
        t.lo = std::min(lane(w_lo, 0), lane(w_lo, 1));
        t.hi = std::max(lane(w_hi, 0), lane(w_hi, 1));
    }
#else
    std::size_t i = 0;
    [[maybe_unused]] RowTotals t;
#endif
    for (; i < n; ++i)  // the rest one at a time (the last row; every row without vector extensions)
        if (!row_passes<Counts, Whole, T, Ratio, Bounded, DenError, Sums>(y[i], Ratio ? d[i] : 0.0,
                                                                         q ? q + i : nullptr, t))
            return false;
    if constexpr (Sums) {
        // (the lanes' order does not matter: every partial sum of whole numbers below 2^53 is exact;
        // nor does the split after bounded_rows4's rows: its totals are partial sums)
        t.add(before);
        if (t.whole && t.y < 0x1p53 && t.d < 0x1p53) {
            sums->y = t.y;
            sums->d = t.d;
            sums->n = t.n;
            sums->ready = true;
        }
        sums->d_lo = t.lo;
        sums->d_hi = t.hi;
        sums->quotients = q != nullptr;
    }
    return true;
}

/// sums, quotient: see rows_pass_kernel and WholeSums (ratio charts only; null for none; quotient
/// only with sums).
inline bool rows_pass(ChartType chart, const double* y, const double* d, std::size_t n, const LimitOptions& o,
                      WholeSums* sums = nullptr, double* quotient = nullptr) noexcept {
    const Kind kind = kind_of(chart);
    const bool w = o.require_whole_counts;
    if (kind == Kind::ratio) {
        const bool bounded = bounded_by_denominator(chart), de = o.missing_denominator_is_error;
        // the eight ratio checks, with or without the sums
        auto ratio = [&]<bool Whole, bool Bounded, bool DenError>() {
            return sums ? rows_pass_kernel<true, Whole, false, true, Bounded, DenError, true>(y, d, n, sums, quotient)
                        : rows_pass_kernel<true, Whole, false, true, Bounded, DenError>(y, d, n);
        };
        if (bounded)
            return w ? (de ? ratio.template operator()<true, true, true>() : ratio.template operator()<true, true, false>())
                     : (de ? ratio.template operator()<false, true, true>() : ratio.template operator()<false, true, false>());
        return w ? (de ? ratio.template operator()<true, false, true>() : ratio.template operator()<true, false, false>())
                 : (de ? ratio.template operator()<false, false, true>() : ratio.template operator()<false, false, false>());
    }
    if (kind == Kind::counts)
        return w ? rows_pass_kernel<true, true, false, false, false, false>(y, d, n)
                 : rows_pass_kernel<true, false, false, false, false, false>(y, d, n);
    if (chart == ChartType::t) return rows_pass_kernel<false, false, true, false, false, false>(y, d, n);
    return rows_pass_kernel<false, false, false, false, false, false>(y, d, n);
}

/// Checks a phase's input; returns its number of rows. sd_optional: the subgroups may come without
/// standard deviations (chart_grouped leaves them out when the chart's σ does not use them).
/// sums (ratio charts; may be null): the rows check's WholeSums of every row, and with it quotient
/// (may be null) each row's y_i/d_i (see rows_pass_kernel).
inline std::size_t validate_input(ChartType chart, const ChartPhaseInput& in, const LimitOptions& o,
                                  std::size_t offset, bool sd_optional = false, WholeSums* sums = nullptr,
                                  double* quotient = nullptr) {
    o.validate();
    const std::string_view name_view = to_string(chart);
    auto name = [name_view] { return std::string(name_view); };  // for messages only
    const Kind kind = kind_of(chart);
    std::size_t n = 0;
    if (kind == Kind::subgroups) {
        const SubgroupView& s = in.subgroups;
        n = s.size.size();
        const bool no_sd = sd_optional && s.sd.empty();
        if (s.mean.size() != n || s.range.size() != n || (s.sd.size() != n && !no_sd))
            fail_argument("subgroups", "mean, range, sd and size need one entry per subgroup (sizes " +
                                           std::to_string(s.mean.size()) + ", " + std::to_string(s.range.size()) +
                                           ", " + std::to_string(s.sd.size()) + ", " + std::to_string(n) + ")");
        if (!in.values.empty()) fail_argument("values", "not used by chart " + name() + " (give subgroups)");
        if (!in.denominators.empty()) fail_argument("denominators", "not used by chart " + name());
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t r = offset + i;
            const std::size_t m = s.size[i];
            if (m == 1)
                fail_argument("subgroup_sizes", r,
                              "chart " + name() + " needs at least 2 observations per subgroup, got 1");
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
            if (no_sd) continue;
            if (!(s.sd[i] >= 0) && s.sd[i] == s.sd[i])
                fail_argument("subgroup_sds", r, "must be non-negative, got " + num(s.sd[i]));
            if (std::isinf(s.sd[i])) fail_argument("subgroup_sds", r, "must be finite or NaN, got inf");
        }
    } else {
        n = in.values.size();
        if (s_nonempty(in.subgroups)) fail_argument("subgroups", "not used by chart " + name());
        if (kind == Kind::ratio) {
            if (in.denominators.empty()) fail_argument("denominators", "chart " + name() + " needs a denominator per row");
            if (in.denominators.size() != n)
                fail_argument("denominators", "needs one entry per value (" + std::to_string(n) + "), got " +
                                                  std::to_string(in.denominators.size()));
        } else if (!in.denominators.empty()) {
            fail_argument("denominators", "not used by chart " + name());
        }
        const bool counts = kind == Kind::counts || kind == Kind::ratio;
        const bool pass = kind == Kind::ratio ? rows_pass(chart, in.values.data(), in.denominators.data(), n, o, sums, quotient)
                                              : rows_pass(chart, in.values.data(), nullptr, n, o);
        for (std::size_t i = 0; i < (pass ? 0 : n); ++i) {
            const std::size_t r = offset + i;
            const double y = in.values[i];
            if (std::isinf(y) || std::fabs(y) > max_magnitude)
                fail_argument("values", r, "must be finite (|x| ≤ 1e300) or NaN (missing), got " + num(y));
            if (counts && y == y) {
                if (y < 0) fail_argument("values", r, "counts must be non-negative, got " + num(y));
                if (o.require_whole_counts && !is_whole(y))
                    fail_argument("values", r, "chart " + name() + " counts must be whole numbers, got " + num(y));
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
                                      "chart " + name() + " denominators (units inspected) must be whole numbers, got " +
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

namespace detail::limits {

/// Σ of a subgroup's non-missing values in the lanes of Sum (the k-th to lane k & 3), without Sum's
/// indexed lanes when none is missing (the common case): four running sums, then the tail.
/// term(x) is the value itself, or (sd) the exact square of its deviation; plain: none is missing.
template <bool Product>
inline stats::detail::DD subgroup_sum(const double* x, std::size_t len, double mean, bool plain,
                                      std::size_t& count) noexcept {
    auto add = [mean](stats::detail::DD& l, double v) {
        if constexpr (Product) {  // Sum::add_product(d, d)
            const double d = v - mean, p = d * d;
            l.add(p);
            l.lo += std::fma(d, d, -p);
        } else {
            l.add(v);
        }
    };
    if (!plain) {
        Sum s;
        for (std::size_t j = 0; j < len; ++j) {
            if (x[j] != x[j]) continue;
            add(s.lane[s.n & 3], x[j]);
            ++s.n;
        }
        count = s.n;
        return s.total();
    }
    stats::detail::DD l0, l1, l2, l3;
    std::size_t j = 0;
    for (; j + 4 <= len; j += 4) {
        add(l0, x[j]);
        add(l1, x[j + 1]);
        add(l2, x[j + 2]);
        add(l3, x[j + 3]);
    }
    if (j < len) add(l0, x[j]);
    if (j + 1 < len) add(l1, x[j + 1]);
    if (j + 2 < len) add(l2, x[j + 2]);
    count = len;
    l0.add(l1);
    l0.add(l2);
    l0.add(l3);
    return l0;
}

/// subgroup_sum's four double-double lanes for two subgroups at once (pair_sums, pair_square_sums):
/// take(l, j) adds term j of each subgroup to lane l, term j going to lane j mod 4; then the lanes
/// combined as DD::add(const DD&) does, the high word, then the low.
template <class Take>
[[gnu::always_inline]] inline stats::detail::DD2 pair_lanes(std::size_t len, Take& take) noexcept {
    stats::detail::DD2 l0, l1, l2, l3;
    std::size_t j = 0;
    for (; j + 4 <= len; j += 4) {
        take(l0, j);
        take(l1, j + 1);
        take(l2, j + 2);
        take(l3, j + 3);
    }
    if (j < len) take(l0, j);
    if (j + 1 < len) take(l1, j + 1);
    if (j + 2 < len) take(l2, j + 2);
    for (const stats::detail::DD2* o : {&l1, &l2, &l3}) {
        l0.add(o->hi);
        l0.lo += o->lo;
    }
    return l0;
}

/// The double-double sums and the ranges of two subgroups of `len` (2-64) observations, x[0, len)
/// and x[len, 2 len), one in each lane (subgroup_stats_of's pairs), when every observation is a
/// number of magnitude ≤ 1e300; false otherwise. The same IEEE operations on each lane as
/// subgroup_stats_of's one subgroup at a time (its min/max loop, subgroup_sum's plain path of four
/// double-double lanes), so the same bits; dd_div2 then gives the means. Len: len known at compile
/// time (0: not).
template <std::size_t Len>
inline bool pair_sums(const double* x, std::size_t len_, stats::detail::DD2& sum, stats::detail::v2d& range) noexcept {
    using namespace stats::detail;
    const std::size_t len = Len ? Len : len_;
    v2i fine = ne2(splat2(0.0), splat2(1.0));  // all ones
    v2d lo = splat2(inf), hi = splat2(-inf);
    auto take = [&](DD2& l, std::size_t j) QM_LAMBDA_ALWAYS_INLINE {
        const v2d v = make2(x[j], x[len + j]);
        fine = and2(fine, le2(abs2(v), splat2(max_magnitude)));  // false for NaN and ±inf
        lo = min2(v, lo);
        hi = max2(v, hi);
        l.add(v);
    };
    sum = pair_lanes(len, take);
    range = hi - lo;
    return all2(fine);
}

/// The double-double sums of the squared deviations of pair_sums' two subgroups from their means:
/// subgroup_sum<true>'s plain path (each squared deviation p = d·d and its exact error into four
/// double-double lanes) on each lane, the error of d·d by Dekker's two-product, which is the fma's
/// exact error where every nonzero |d| lies in [2^-450, 2^500] (no term underflows, the split stays
/// finite); false where a deviation lies outside (the caller then takes each standard deviation one
/// at a time). dd_div2 by len − 1 and the square root give the standard deviations.
template <std::size_t Len>
inline bool pair_square_sums(const double* x, std::size_t len_, stats::detail::v2d mean,
                             stats::detail::DD2& sum) noexcept {
    using namespace stats::detail;
    const std::size_t len = Len ? Len : len_;
    v2i fine = ne2(splat2(0.0), splat2(1.0));  // all ones
    const v2d split = splat2(134217729.0), small = splat2(0x1p-450), large = splat2(0x1p500), zero = splat2(0.0);
    auto take = [&](DD2& l, std::size_t j) QM_LAMBDA_ALWAYS_INLINE {
        const v2d d = make2(x[j], x[len + j]) - mean, p = d * d;
        const v2d a = abs2(d);
        fine = and2(fine, or2(eq2(d, zero), and2(le2(small, a), le2(a, large))));
        const v2d c = split * d, dh = c - (c - d), dl = d - dh;
        l.add(p);
        l.lo += (((dh * dh - p) + dh * dl) + dl * dh) + dl * dl;  // d·d − p exactly
    };
    sum = pair_lanes(len, take);
    return all2(fine);
}

#if QM_AVX2_DISPATCH
/// Four double-double lanes of subgroup_sum for four subgroups at once (one in each lane of an AVX2
/// vector), for quad_block: DD::add and DD::add(DD), dd_div with its fma, in four lanes. (Functions
/// rather than lambdas: a lambda does not take its enclosing function's target.)
struct Quad {
    __m256d hi, lo;
    QM_TARGET_AVX2_FMA [[gnu::always_inline]] static inline void add(Quad& l, __m256d x) noexcept {
        const __m256d s = _mm256_add_pd(l.hi, x), bb = _mm256_sub_pd(s, l.hi);
        l.lo = _mm256_add_pd(l.lo, _mm256_add_pd(_mm256_sub_pd(l.hi, _mm256_sub_pd(s, bb)), _mm256_sub_pd(x, bb)));
        l.hi = s;
    }
    /// Observation j of each of the four subgroups of `len` at x (one after another).
    QM_TARGET_AVX2_FMA [[gnu::always_inline]] static inline __m256d at(const double* x, std::size_t len,
                                                                         std::size_t j) noexcept {
        return _mm256_set_pd(x[3 * len + j], x[2 * len + j], x[len + j], x[j]);
    }
    /// subgroup_sum's plain path in each lane: of the observations (Square false; also their check,
    /// minimum and maximum, one()'s) or of the squared deviations from mu with their exact errors.
    template <bool Square>
    QM_TARGET_AVX2_FMA [[gnu::always_inline]] static inline Quad sum(const double* x, std::size_t len, __m256d mu,
                                                                     __m256d& fine, __m256d& lo, __m256d& hi) noexcept {
        const __m256d big = _mm256_set1_pd(max_magnitude), sign = _mm256_set1_pd(-0.0);
        Quad l[4];
        for (Quad& q : l) q.hi = q.lo = _mm256_setzero_pd();
        for (std::size_t j = 0; j < len; ++j) {
            Quad& q = l[j & 3];  // term j to lane j mod 4, as subgroup_sum's four running sums
            const __m256d v = at(x, len, j);
            if constexpr (Square) {
                const __m256d d = _mm256_sub_pd(v, mu), p = _mm256_mul_pd(d, d);
                add(q, p);
                q.lo = _mm256_add_pd(q.lo, _mm256_fmsub_pd(d, d, p));  // + fma(d, d, −p)
            } else {
                fine = _mm256_and_pd(fine, _mm256_cmp_pd(_mm256_andnot_pd(sign, v), big, _CMP_LE_OQ));  // NaN, inf: false
                lo = _mm256_min_pd(v, lo);  // v < lo ? v : lo, one()'s minimum
                hi = _mm256_max_pd(v, hi);  // v > hi ? v : hi, one()'s maximum for numbers
                add(q, v);
            }
        }
        for (int k = 1; k < 4; ++k) {  // l0.add(l1), l0.add(l2), l0.add(l3)
            add(l[0], l[k].hi);
            l[0].lo = _mm256_add_pd(l[0].lo, l[k].lo);
        }
        return l[0];
    }
    /// dd_div(hi + lo, n) in each lane.
    QM_TARGET_AVX2_FMA [[gnu::always_inline]] static inline __m256d div(const Quad& s, double n) noexcept {
        const __m256d dn = _mm256_set1_pd(n), hi = _mm256_add_pd(s.hi, s.lo);
        const __m256d lo = _mm256_sub_pd(s.lo, _mm256_sub_pd(hi, s.hi));
        const __m256d m = _mm256_div_pd(hi, dn);
        const __m256d r = _mm256_add_pd(_mm256_fnmadd_pd(m, dn, hi), lo);  // fma(−m, n, hi) + lo
        return _mm256_add_pd(m, _mm256_div_pd(r, dn));
    }
};

/// Subgroups g … g + 4·quads − 1 (quads ≤ 16) as quads: four neighbouring subgroups of one size 2-64
/// (Len where Len is not 0) whose observations are all numbers of magnitude ≤ 1e300, one subgroup in
/// each lane of AVX2 vectors. The same IEEE operations on each lane as subgroup_stats_of's one
/// subgroup at a time — its min/max loop, subgroup_sum's four double-double lanes (the squared
/// deviations' exact errors by the fma), dd_div's fma remainder — so the same bits, with no range of
/// values left out (dd_div2's Dekker products need one). Writes each such quad's sizes, means,
/// ranges and, where sd is not null, standard deviations; returns bit k set for each quad k written
/// (the others are left to one()). Each step over the whole block before the next, as the pairs do.
template <std::size_t Len>
QM_TARGET_AVX2_FMA inline std::uint32_t quad_block(const double* obs, const std::size_t* off, std::size_t g,
                                                   std::size_t quads, double* mean, double* range, std::size_t* size,
                                                   double* sd) noexcept {
    Quad sums[16];
    __m256d means[16];
    std::uint32_t took = 0;
    for (std::size_t k = 0; k < quads; ++k) {
        const std::size_t h = g + 4 * k, len = off[h + 1] - off[h];
        stats::detail::prefetch_ahead(obs + off[h], 1024);  // a stream larger than the caches
        if ((Len && len != Len) || len < 2 || len > 64 || off[h + 2] - off[h + 1] != len ||
            off[h + 3] - off[h + 2] != len || off[h + 4] - off[h + 3] != len)
            continue;
        __m256d fine = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
        __m256d lo = _mm256_set1_pd(inf), hi = _mm256_set1_pd(-inf);
        sums[k] = Quad::sum<false>(obs + off[h], Len ? Len : len, _mm256_setzero_pd(), fine, lo, hi);
        if (_mm256_movemask_pd(fine) != 15) continue;
        took |= std::uint32_t{1} << k;
        _mm256_storeu_pd(range + h, _mm256_sub_pd(hi, lo));
        for (std::size_t j = 0; j < 4; ++j) size[h + j] = len;
    }
    for (std::size_t k = 0; k < quads; ++k)
        if ((took >> k) & 1) {
            const std::size_t h = g + 4 * k;
            means[k] = Quad::div(sums[k], static_cast<double>(off[h + 1] - off[h]));
            _mm256_storeu_pd(mean + h, means[k]);
        }
    if (sd == nullptr) return took;
    for (std::size_t k = 0; k < quads; ++k)
        if ((took >> k) & 1) {
            const std::size_t h = g + 4 * k, len = off[h + 1] - off[h];
            __m256d fine, lo, hi;  // (not taken for squares)
            sums[k] = Quad::sum<true>(obs + off[h], Len ? Len : len, means[k], fine, lo, hi);
        }
    for (std::size_t k = 0; k < quads; ++k)
        if ((took >> k) & 1) {
            const std::size_t h = g + 4 * k;
            _mm256_storeu_pd(sd + h, _mm256_sqrt_pd(Quad::div(sums[k], static_cast<double>(off[h + 1] - off[h] - 1))));
        }
    return took;
}
#endif

/// subgroup_stats(), with the standard deviations only when `with_sd` (else sd is left empty), the
/// subgroups split over `threads` threads (0: all cores; chunks of about equal numbers of
/// observations, qm/core/parallel.hpp; each subgroup is computed the same way on any thread).
inline SubgroupStats subgroup_stats_of(std::span<const double> obs, std::span<const std::size_t> off, bool with_sd,
                                       unsigned threads = 1, bool four_wide = true) {
    if (off.size() < 2) fail_argument("subgroup_offsets", "needs at least 2 entries (one subgroup)");
    if (off.front() != 0) fail_argument("subgroup_offsets", 0, "must be 0, got " + std::to_string(off.front()));
    if (off.back() != obs.size())
        fail_argument("subgroup_offsets", off.size() - 1,
                      "must equal the number of observations (" + std::to_string(obs.size()) + "), got " +
                          std::to_string(off.back()));
    for (std::size_t g = 1; g < off.size(); ++g)
        if (off[g] < off[g - 1]) fail_argument("subgroup_offsets", g, "offsets must not decrease");
    // The observations are checked subgroup by subgroup, in the pass that sums them (one read of the
    // data); at the first bad one the whole array is searched in order, so the error names the first
    // bad observation, as a check before any work would.
    auto fail_obs = [&obs] {
        for (std::size_t j = 0; j < obs.size(); ++j)
            if (std::isinf(obs[j]) || std::fabs(obs[j]) > max_magnitude)
                fail_argument("obs", j, "must be finite (|x| ≤ 1e300) or NaN (missing), got " + num(obs[j]));
    };
    const std::size_t G = off.size() - 1;
    SubgroupStats s;
    qm::detail::size_column(s.mean, G);
    qm::detail::size_column(s.range, G);
    if (with_sd) qm::detail::size_column(s.sd, G);
    qm::detail::size_column(s.size, G);
    // Xbar-S (and σ from s): the standard deviation, by the two-pass variance of R's var() (squared
    // deviations from the accurate mean).
    auto sd_of = [&](std::size_t g, const double* x, std::size_t len, bool plain, std::size_t m, double mean) {
        if (!with_sd) return;
        if (m < 2) {
            s.sd[g] = nan;
            return;
        }
        std::size_t m2 = 0;
        s.sd[g] = std::sqrt(stats::detail::dd_div(subgroup_sum<true>(x, len, mean, plain, m2), m - 1));
    };
    // One subgroup: a loop for the check, whether none is missing, the smallest and largest (NaN
    // never is); then the double-double sum (subgroup_sum) and the correctly rounded mean.
    auto one = [&](std::size_t g) {
        const double* x = obs.data() + off[g];
        const std::size_t len = off[g + 1] - off[g];
        bool bad = false, plain = true;
        double lo = inf, hi = -inf;
        for (std::size_t j = 0; j < len; ++j) {
            const double v = x[j];
            bad |= std::fabs(v) > max_magnitude;  // infinite too
            plain &= v == v;
            lo = v < lo ? v : lo;
            hi = hi < v ? v : hi;
        }
        if (bad) fail_obs();
        std::size_t m = 0;
        const stats::detail::DD sum = subgroup_sum<false>(x, len, 0.0, plain, m);
        s.size[g] = m;
        if (m == 0) {
            s.mean[g] = s.range[g] = nan;
            if (with_sd) s.sd[g] = nan;
            return;
        }
        const double mean = stats::detail::dd_div(sum, m);
        s.mean[g] = mean;
        s.range[g] = hi - lo;
        sd_of(g, x, len, plain, m, mean);
    };
    // Blocks of up to 64 subgroups, taken as pairs (g, g + 1) of one size (2-64) whose observations
    // are all numbers, one subgroup in each lane of two-wide vectors; the same IEEE operations as
    // one() on each lane, so the same bits. Each step over the whole block before the next: the sums
    // and ranges, the means (two dependent divisions each), then the sums of squared deviations and
    // the standard deviations (two divisions and a square root): the next pair's chain of divisions
    // then does not wait behind this one's. A pair that is not so, or whose mean or sd dd_div2
    // cannot give, is taken one subgroup at a time (one(), sd_of()).
    for_each_group_chunk(off, threads, [&](std::size_t g0, std::size_t g1) {
        using namespace stats::detail;
        constexpr std::size_t block = 32;  // pairs
        DD2 sums[block];
        std::size_t g = g0;
#if QM_AVX2_DISPATCH
        // with AVX2 and FMA: four subgroups at a time (quad_block), 16 quads a block
        if (four_wide && avx2_fma())
            while (g + 4 <= g1) {
                const std::size_t quads = std::min<std::size_t>(16, (g1 - g) / 4);
                const std::uint32_t took =
                    off[g + 1] - off[g] == 5
                        ? quad_block<5>(obs.data(), off.data(), g, quads, s.mean.data(), s.range.data(), s.size.data(),
                                        with_sd ? s.sd.data() : nullptr)
                        : quad_block<0>(obs.data(), off.data(), g, quads, s.mean.data(), s.range.data(), s.size.data(),
                                        with_sd ? s.sd.data() : nullptr);
                for (std::size_t k = 0; k < quads; ++k)
                    if (!((took >> k) & 1))
                        for (std::size_t j = 0; j < 4; ++j) one(g + 4 * k + j);
                g += 4 * quads;
            }
#else
        (void)four_wide;
#endif
        while (g + 2 <= g1) {
            const std::size_t pairs = std::min(block, (g1 - g) / 2);
            std::uint32_t took = 0;  // bit k: pair k (subgroups g + 2k, g + 2k + 1) is in the block's vectors
            auto len_of = [&](std::size_t k) { return off[g + 2 * k + 1] - off[g + 2 * k]; };
            auto x_of = [&](std::size_t k) { return obs.data() + off[g + 2 * k]; };
            for (std::size_t k = 0; k < pairs; ++k) {
                const std::size_t h = g + 2 * k, len = len_of(k);
                prefetch_ahead(obs.data() + off[h], 512);  // a stream larger than the caches
                if (len < 2 || len > 64 || off[h + 2] - off[h + 1] != len) continue;
                v2d range;
                const bool fine = len == 5 ? pair_sums<5>(x_of(k), len, sums[k], range)
                                           : pair_sums<0>(x_of(k), len, sums[k], range);
                if (!fine) continue;
                took |= std::uint32_t{1} << k;
                store2(s.range.data() + h, range);
                s.size[h] = s.size[h + 1] = len;
            }
            for (std::size_t k = 0; k < pairs; ++k) {
                if (!((took >> k) & 1)) continue;
                bool exact = false;
                const v2d mean = dd_div2(sums[k].hi, sums[k].lo, static_cast<double>(len_of(k)), exact);
                if (exact) store2(s.mean.data() + g + 2 * k, mean);
                else took &= ~(std::uint32_t{1} << k);
            }
            for (std::size_t k = 0; k < pairs; ++k)
                if (!((took >> k) & 1)) {
                    one(g + 2 * k);
                    one(g + 2 * k + 1);
                }
            if (with_sd) {
                std::uint32_t square = took;  // pairs whose squared deviations are in the vectors
                for (std::size_t k = 0; k < pairs; ++k) {
                    if (!((took >> k) & 1)) continue;
                    const std::size_t len = len_of(k);
                    const v2d mean = load2(s.mean.data() + g + 2 * k);
                    const bool fine = len == 5 ? pair_square_sums<5>(x_of(k), len, mean, sums[k])
                                               : pair_square_sums<0>(x_of(k), len, mean, sums[k]);
                    if (!fine) square &= ~(std::uint32_t{1} << k);
                }
                for (std::size_t k = 0; k < pairs; ++k) {
                    if (!((took >> k) & 1)) continue;
                    const std::size_t h = g + 2 * k, len = len_of(k);
                    bool exact = false;
                    if ((square >> k) & 1) {
                        const v2d var = dd_div2(sums[k].hi, sums[k].lo, static_cast<double>(len - 1), exact);
                        if (exact) store2(s.sd.data() + h, sqrt2(var));
                    }
                    if (!exact)
                        for (std::size_t j = 0; j < 2; ++j) sd_of(h + j, x_of(k) + j * len, len, true, len, s.mean[h + j]);
                }
            }
            g += 2 * pairs;
        }
        if (g < g1) one(g);
    });
    return s;
}

}  // namespace detail::limits

inline SubgroupStats subgroup_stats(std::span<const double> obs, std::span<const std::size_t> off) {
    return detail::limits::subgroup_stats_of(obs, off, true);
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
    bool empty_nan = true;  // every empty subgroup's range and sd are NaN (subgroup_stats' are)
    for (std::size_t i = 0; i < n; ++i) {
        if (s.size[i] == 0) {
            empty_nan = empty_nan && s.range[i] != s.range[i] && (s.sd.empty() || s.sd[i] != s.sd[i]);
            continue;
        }
        if (e.common_size == 0) e.common_size = s.size[i];
        else if (s.size[i] != e.common_size) e.constant_size = false;
    }
    auto use = [&](std::size_t i, double stat) { return used(i) && s.size[i] >= 2 && stat == stat; };
    // Every row used, one size of at least 2 and NaN statistics for the empty subgroups: the
    // statistics to add are those that are numbers, in order, which add_numbers adds four at a time
    // (the same lanes and bits as Sum::add one by one). Ranges and sds are validated >= 0.
    bool whole_column = false;
    if constexpr (Used::all) whole_column = e.constant_size && e.common_size >= 2 && empty_nan;
    Sum a;  // plain or scaled statistics
    switch (e.method) {
        case SubgroupSigma::mean_range:
            if (whole_column) add_numbers(a, s.range.data(), n, true);
            else
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
            if (whole_column) add_numbers(a, s.sd.data(), n, true);
            else
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
            if (whole_column) {
                add_numbers(a, s.sd.data(), n, true);
                if (a.n) e.dispersion = a.mean();
            } else if (e.constant_size) {
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

namespace detail::limits {

/// Values of a function of whole numbers k in [0, Slots), remembered: a slot holds f(k) from its
/// first use, NaN before. The slots in use are a window [lo, hi), marked NaN a page of 256 at a time
/// as the window widens to take a new k, so that a phase pays only for the range its k fall in (a
/// short phase, or denominators of 19,000-36,000). f must not give NaN for these k (a NaN value would
/// only be taken again each time: the same bits, slower). The slots are allocated by the first
/// clear() (std::bad_alloc if they cannot be).
template <std::size_t Slots>
struct WholeSlots {
    static constexpr std::size_t slots = Slots, page = 256;
    std::size_t lo = 0, hi = 0;  // value[lo, hi) hold f(k) or NaN
    std::unique_ptr<double[]> value;
    /// Forgets every value.
    void clear() {
        if (!value) value.reset(new double[Slots]);
        lo = hi = 0;
    }
    /// Whether x is a whole number of a slot (then k = x).
    static bool slot_of(double x, std::size_t& k) noexcept {
        if (!(x >= 0.0 && x < static_cast<double>(slots))) return false;
        k = static_cast<std::size_t>(x);
        return static_cast<double>(k) == x;
    }
    /// Slot k (k < slots; after clear()).
    double& at(std::size_t k) noexcept {
        if (k < lo || k >= hi) {
            const std::size_t from = k / page * page, to = std::min(slots, from + page);
            double* v = value.get();
            if (lo == hi) {
                std::fill(v + from, v + to, nan);
                lo = from;
                hi = to;
            } else if (k < lo) {
                std::fill(v + from, v + lo, nan);
                lo = from;
            } else {
                std::fill(v + hi, v + to, nan);
                hi = to;
            }
        }
        return value[k];
    }
    /// f(x) for x of slot k, taken once.
    template <class F>
    double get(std::size_t k, double x, F f) noexcept {
        double& v = at(k);
        if (v != v) v = f(x);
        return v;
    }
    /// Remembers v = f(x) where x is a whole number of a slot; whether it is.
    bool put(double x, double v) noexcept {
        std::size_t k;
        if (!slot_of(x, k)) return false;
        at(k) = v;
        return true;
    }
#if QM_SSE2_MASKS
    /// The window in both lanes of each, for both() (kept in registers by loops: it changes only
    /// when a value is taken or put).
    struct Window {
        __m128d lo, hi;
    };
    Window window() const noexcept {
        return {_mm_set1_pd(static_cast<double>(lo)), _mm_set1_pd(static_cast<double>(hi))};
    }
    /// Whether both lanes of x are whole numbers of slots in the window w (window()) whose values
    /// are taken; then a, b. No branch per lane: the checks as SSE2 compares, one movemask.
    bool both(__m128d x, const Window& w, double& a, double& b) const noexcept {
        const __m128i k = _mm_cvttpd_epi32(x);  // out of int range: INT_MIN, never equal to x below
        const __m128d in = _mm_and_pd(_mm_cmpge_pd(x, w.lo), _mm_cmplt_pd(x, w.hi));
        if (_mm_movemask_pd(_mm_and_pd(in, _mm_cmpeq_pd(_mm_cvtepi32_pd(k), x))) != 3) return false;
        a = value[static_cast<std::size_t>(_mm_cvtsi128_si32(k))];
        b = value[static_cast<std::size_t>(_mm_cvtsi128_si32(_mm_srli_si128(k, 4)))];
        return a == a && b == b;
    }
#endif
};

/// std::pow(x, e) for one exponent, remembered: the t chart transforms every value, and days
/// between events are mostly whole days, which repeat. Whole x in [0, 4096) have a slot each
/// (WholeSlots); other x share a direct-mapped table keyed on their bits. The same std::pow call
/// gives each value, so the results are the same bits. When fewer than a quarter of the first 256
/// lookups of other x hit, those stop being looked up (values that rarely repeat).
struct PowMemo {
    double exponent = nan;
    std::size_t lookups = 0, hits = 0;
    std::uint64_t key[256];
    double value[256];
    std::uint8_t filled[256] = {};
    WholeSlots<4096> whole;  // x^exponent of x >= 0 is never NaN
    void reset(double e) {
        if (exponent == e) return;
        exponent = e;
        lookups = hits = 0;
        whole.clear();
        std::fill(filled, filled + 256, std::uint8_t{0});
    }
    double operator()(double x) noexcept {
        std::size_t k;
        if (whole.slot_of(x, k)) return whole.get(k, x, [this](double v) { return std::pow(v, exponent); });
        if (lookups >= 256 && 4 * hits < lookups) return std::pow(x, exponent);
        ++lookups;
        std::uint64_t bits;
        std::memcpy(&bits, &x, sizeof bits);
        const std::size_t h = static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ull) >> 56);
        if (filled[h] && key[h] == bits) {
            ++hits;
            return value[h];
        }
        const double v = std::pow(x, exponent);
        filled[h] = 1;
        key[h] = bits;
        value[h] = v;
        return v;
    }
    /// out[i] = (*this)(x[i]) for i < n (out may be x), two rows at a time where SSE2 is there.
    void transform(const double* x, double* out, std::size_t n) noexcept {
        std::size_t i = 0;
#if QM_SSE2_MASKS
        auto window = whole.window();
        for (; i + 2 <= n; i += 2) {
            double a, b;
            if (!whole.both(_mm_loadu_pd(x + i), window, a, b)) {
                a = (*this)(x[i]);
                b = (*this)(x[i + 1]);
                window = whole.window();
            }
            out[i] = a;
            out[i + 1] = b;
        }
#endif
        for (; i < n; ++i) out[i] = (*this)(x[i]);
    }
};

/// out[i] = f(y_i, n_i) for the rows where both are numbers, NaN elsewhere (none for out null): two rows at a time
/// (f takes and returns two-wide lanes; the odd last row goes through the same f, padded with NaN).
/// With out2 and g, out2[i] = g(y_i, n_i) in the same pass; with out3 (not null) and h too,
/// out3[i] = h(f(y_i, n_i), g(y_i, n_i)) (Laney's z_i from the statistic and σ_i). Returns the
/// largest g(y_i, n_i) that is a number (of every row with n_i, so at least the largest in out2;
/// −inf for none or without g).
template <class F, class G = std::nullptr_t, class H = std::nullptr_t>
inline double ratio_rows(double* out, const double* y, const double* d, std::size_t n, F f, double* out2 = nullptr,
                         G g = nullptr, double* out3 = nullptr, H h = nullptr) noexcept {
    using namespace stats::detail;
    const v2d missing = splat2(nan);
    constexpr bool two = !std::is_null_pointer_v<G>, three = !std::is_null_pointer_v<H>;
    v2d largest = splat2(-inf);
    auto rows2 = [&](v2d yv, v2d dv, auto put) {
        const v2i ok = and2(is_number2(yv), is_number2(dv));
        const v2d a = f(yv, dv);
        if (out != nullptr) put(out, select2(ok, a, missing));
        if constexpr (two) {
            const v2d b = g(yv, dv);
            largest = max2(b, largest);  // (a NaN is passed over: max2(NaN, m) is m)
            put(out2, select2(ok, b, missing));
            if constexpr (three)
                if (out3 != nullptr) put(out3, select2(ok, h(a, b), missing));
        }
    };
    const bool far = n > 16384;  // prefetch only what will not already be in cache
    std::size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        if (far) {
            prefetch_ahead(y + i, 256);
            prefetch_ahead(d + i, 256);
        }
        rows2(load2(y + i), load2(d + i), [i](double* o, v2d v) { store2(o + i, v); });
    }
    if (i < n) rows2(make2(y[i], nan), make2(d[i], nan), [i](double* o, v2d v) { o[i] = lane(v, 0); });
    return std::max(lane(largest, 0), lane(largest, 1));
}

/// The σ pass of a ratio phase whose statistic st (y_i/d_i) is already written: sigma[i] = σ(d_i)
/// and, with z (Laney), z[i] = (st_i − bar)/sigma[i], where st_i and d_i are numbers, NaN elsewhere
/// — ratio_rows' arithmetic. Returns the largest σ(d_i) taken (−inf for none). The σ source S gives
/// σ(d) two lanes (two(dv)) or, with AVX2, four at a time (four(w, has_d), has_d the mask of the
/// lanes where w is a number): RootSigma takes √(v/d), TableSigma looks it up. sigma_pass below
/// takes the four-wide loop where the processor has AVX2.
template <class S>
inline double sigma_pass2(const double* st, const double* d, std::size_t n, const S& source, double bar, double* sigma,
                          double* z) noexcept {
    using namespace stats::detail;
    const v2d bar2 = splat2(bar);
    return ratio_rows(
        nullptr, st, d, n, [](v2d s, v2d) { return s; }, sigma,
        [&source](v2d, v2d dv) QM_LAMBDA_ALWAYS_INLINE { return source.two(dv); }, z,
        [bar2](v2d s, v2d sd) { return (s - bar2) / sd; });
}

/// σ_i = √(v/d_i) (sigma_i()'s arithmetic), for sigma_pass: a short phase, where each σ_i is taken
/// directly.
struct RootSigma {
    double v;
    stats::detail::v2d two(stats::detail::v2d dv) const noexcept {
        return stats::detail::sqrt2(stats::detail::splat2(v) / dv);
    }
#if QM_AVX2_DISPATCH
    QM_TARGET_AVX2 [[gnu::always_inline]] inline __m256d four(__m256d w, __m256d) const noexcept {
        return _mm256_sqrt_pd(_mm256_div_pd(_mm256_set1_pd(v), w));
    }
#endif
};

/// σ_k looked up in tab, which holds it for every whole k from `first` to the largest d_i of a phase
/// of whole units (a missing d_i reads tab[first]: its row is NaN), for sigma_pass: Laney's pass
/// over a long p′ phase.
struct TableSigma {
    const double* tab;
    double first;
    stats::detail::v2d two(stats::detail::v2d dv) const noexcept {
        using namespace stats::detail;
        const v2d k = select2(eq2(dv, dv), dv, splat2(first));
        return make2(tab[static_cast<std::size_t>(lane(k, 0))], tab[static_cast<std::size_t>(lane(k, 1))]);
    }
#if QM_AVX2_DISPATCH
    QM_TARGET_AVX2 [[gnu::always_inline]] inline __m256d four(__m256d w, __m256d has_d) const noexcept {
        const __m256d every = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));  // (gather every lane)
        return _mm256_mask_i32gather_pd(_mm256_setzero_pd(), tab,
                                        _mm256_cvttpd_epi32(_mm256_blendv_pd(_mm256_set1_pd(first), w, has_d)), every, 8);
    }
#endif
};

#if QM_AVX2_DISPATCH
/// sigma_pass2 four rows at a time (AVX2: the σ source four-wide, the divisions four-wide).
template <bool Z, class S>
QM_TARGET_AVX2 inline double sigma_pass4(const double* st, const double* d, std::size_t n, const S& source, double bar,
                                         double* sigma, double* z) noexcept {
    const __m256d bar4 = _mm256_set1_pd(bar), missing = _mm256_set1_pd(nan);
    __m256d largest = _mm256_set1_pd(-inf);
    const bool far = n > 16384;  // prefetch only what will not already be in cache
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        if (far) {
            stats::detail::prefetch_ahead(st + i, 256);
            stats::detail::prefetch_ahead(d + i, 256);
        }
        const __m256d s = _mm256_loadu_pd(st + i), w = _mm256_loadu_pd(d + i);
        const __m256d has_d = _mm256_cmp_pd(w, w, _CMP_EQ_OQ);
        const __m256d ok = _mm256_and_pd(_mm256_cmp_pd(s, s, _CMP_EQ_OQ), has_d);
        const __m256d sd = source.four(w, has_d);
        largest = _mm256_max_pd(sd, largest);  // (sd > largest ? sd : largest, as max2: a NaN passed over)
        _mm256_storeu_pd(sigma + i, _mm256_blendv_pd(missing, sd, ok));
        if constexpr (Z) _mm256_storeu_pd(z + i, _mm256_blendv_pd(missing, _mm256_div_pd(_mm256_sub_pd(s, bar4), sd), ok));
    }
    alignas(32) double l[4];
    _mm256_store_pd(l, largest);
    double top = std::max(std::max(l[0], l[1]), std::max(l[2], l[3]));
    if (i < n) top = std::max(top, sigma_pass2(st + i, d + i, n - i, source, bar, sigma + i, Z ? z + i : nullptr));
    return top;
}
#endif

/// sigma_pass2, four rows at a time where the processor has AVX2.
template <class S>
inline double sigma_pass(const double* st, const double* d, std::size_t n, const S& source, double bar, double* sigma,
                         double* z) noexcept {
#if QM_AVX2_DISPATCH
    if (stats::detail::avx2())
        return z ? sigma_pass4<true>(st, d, n, source, bar, sigma, z) : sigma_pass4<false>(st, d, n, source, bar, sigma, z);
#endif
    return sigma_pass2(st, d, n, source, bar, sigma, z);
}

/// Buffers a phase needs (medians, transformed values, z-scores), kept across the phases of a
/// grouped computation so that thousands of groups do not allocate thousands of times.
struct Scratch {
    Buffer a, b;
    PowMemo pow;
    /// a ratio chart's σ_i of whole denominators (list sizes, bed-days), for one long phase
    /// (spread) at a time: 512 KiB, allocated by the first such phase
    WholeSlots<65536> sigma;
    /// Σy, Σd of the next phase's rows, from its rows check (validate_input with &sums), for
    /// phase_limits with AllRows; phase_limits clears `ready` whatever it uses.
    WholeSums sums;
    /// Set by phase_limits: at least the largest σ_i of a varying ratio phase of every row (the one
    /// behind its lines: × σ_z for Laney), NaN for any other phase. No line of a point with a
    /// smaller σ_i then needs clamping if the lines of this one do not (the rule engine's PairLines).
    double sigma_max = nan;
};

/// Where a phase's lines go. ColumnSink: rows [offset, offset + n) of columns with one row per
/// point (the public chart_limits). RecipeSink: chart_grouped's storage (see ChartResult) — row
/// `row` of the per-phase lines gets the lines of the phase's last point, which are those of every
/// point unless the phase varies; in a varying phase each point gets its σ_i (and, where the chart
/// needs them, its centre and ceiling), from which make_lines() gives its lines. A phase that does
/// not vary computes its per-point lines for the first row only (the caller has checked that every
/// row has the same: for ratio charts every point present with one denominator, for subgroup charts
/// one subgroup size). Lines are only ever written through lines(), nan_lines() and fill(); fill()
/// is only given {centre, NaN, ...} for a chart whose lines can vary.
struct ColumnSink {
    LineColumns& L;
    std::size_t offset;
    static constexpr bool constant() noexcept { return false; }
    void fill(std::size_t n, const Lines& l) const noexcept { fill_lines(L, offset, n, l); }
    void lines(std::size_t i, double centre, double s, const Multipliers& m, double lo, double hi) const noexcept {
        set_lines(L, offset + i, centre, s, m, lo, hi);
    }
    void nan_lines(std::size_t i, double centre = nan) const noexcept { set_nan_lines(L, offset + i, centre); }
};

struct RecipeSink {
    LineColumns& L;   ///< one row per phase
    std::size_t row;  ///< this phase's
    bool vary;
    std::size_t last;                   ///< the phase's last point (relative)
    double *sigma, *centre, *ceiling;   ///< per-point columns at the phase's first point (null: not kept)
    bool constant() const noexcept { return !vary; }
    void fill(std::size_t n, const Lines& l) const noexcept {
        L.set(row, l);
        if (!vary) return;
        for (std::size_t i = 0; i < n; ++i) {
            sigma[i] = nan;
            if (centre) centre[i] = l.centre;
            if (ceiling) ceiling[i] = nan;
        }
    }
    void lines(std::size_t i, double c, double s, const Multipliers& m, double lo, double hi) const noexcept {
        if (vary) {
            sigma[i] = s;
            if (centre) centre[i] = c;
            if (ceiling) ceiling[i] = hi;
            if (i != last) return;
        }
        set_lines(L, row, c, s, m, lo, hi);
    }
    void nan_lines(std::size_t i, double c = nan) const noexcept {
        if (vary) {
            sigma[i] = nan;
            if (centre) centre[i] = c;
            if (ceiling) ceiling[i] = nan;
            if (i != last) return;
        }
        set_nan_lines(L, row, c);
    }
};

/// An Xbar phase of every row: stat[i] = the mean of a non-empty subgroup (NaN for an empty one),
/// and into num and den, in order, n_i·x̄_i (exactly, as Sum::add_product) and n_i for each
/// subgroup of n_i >= 1 whose mean is a number: phase_limits' loop, four subgroups at a time (two
/// two-wide double-double lanes per sum, as add_in_order) while each block's sizes are 1-2^26 and
/// its means 0 or of magnitude 2^-900-1e300. There Dekker's two-product gives the fma's exact
/// error of n_i·x̄_i (n_i splits exactly, its low half 0; no term underflows; the split of x̄_i stays
/// finite), so the bits are the loop's. A block that is not so is added one row at a time, which
/// shifts the lanes of the later terms as the loop does; then the blocks realign.
inline void add_subgroup_means(Sum& num, Sum& den, const SubgroupView& s, double* stat, std::size_t n) noexcept {
    using namespace stats::detail;
    const double* mean = s.mean.data();
    const std::size_t* size = s.size.data();
    auto one = [&](std::size_t i) {
        stat[i] = size[i] ? mean[i] : nan;
        if (size[i] >= 1 && mean[i] == mean[i]) {
            num.add_product(static_cast<double>(size[i]), mean[i]);
            den.add(static_cast<double>(size[i]));
        }
    };
    const v2d zero = splat2(0.0), small = splat2(0x1p-900), large = splat2(max_magnitude);
    auto fine = [&](v2d x) { return or2(eq2(x, zero), and2(le2(small, abs2(x)), le2(abs2(x), large))); };
    std::size_t i = 0;
    for (;;) {
        for (; i < n && (num.n & 3) != 0; ++i) one(i);  // until the next kept row goes to lane 0
        if (n - i < 4) break;
        DD2 a = num.pair(0), b = num.pair(2), da = den.pair(0), db = den.pair(2);
        const std::size_t first = i;
        for (; i + 4 <= n; i += 4) {
            const std::size_t* z = size + i;
            bool ok = z[0] - 1 < (std::size_t{1} << 26) && z[1] - 1 < (std::size_t{1} << 26) &&
                      z[2] - 1 < (std::size_t{1} << 26) && z[3] - 1 < (std::size_t{1} << 26);
            const v2d x0 = load2(mean + i), x1 = load2(mean + i + 2);
            if (!ok || !all2(and2(fine(x0), fine(x1)))) break;
            store2(stat + i, x0);
            store2(stat + i + 2, x1);
            const v2d w0 = make2(static_cast<double>(z[0]), static_cast<double>(z[1])),
                      w1 = make2(static_cast<double>(z[2]), static_cast<double>(z[3]));
            auto product = [&](DD2& l, v2d w, v2d x) {
                const v2d p = w * x;
                l.add(p);
                l.lo += product_error_by_whole2(x, w, p);
            };
            product(a, w0, x0);
            product(b, w1, x1);
            da.add(w0);
            db.add(w1);
        }
        num.set_pair(0, a);
        num.set_pair(2, b);
        den.set_pair(0, da);
        den.set_pair(2, db);
        num.n += i - first;
        den.n += i - first;
        const std::size_t end = std::min(n, i + 4);  // the block that stopped the vector loop
        for (; i < end; ++i) one(i);
    }
    for (; i < n; ++i) one(i);
}

/// One phase of chart_limits() on validated input (n rows): writes stat[0, n) and the lines, returns
/// what they were built from. With a constant sink the per-point lines are computed for the first
/// row only (every row has the same ones).
template <class Sink, class Used>
inline PhaseLimitInfo phase_limits(ChartType chart, const ChartPhaseInput& in, std::size_t n, const LimitOptions& o,
                                   double* stat, const Sink& L, Used used, Scratch& scratch) {
    using namespace stats::detail;
    const Multipliers m(o.sigma_multiplier);
    const double* y = in.values.data();
    const double* d = in.denominators.data();
    const double lo_count = o.clip ? 0.0 : -inf;
    const std::size_t rows = L.constant() ? 1 : n;  // rows whose per-point lines are computed
    PhaseLimitInfo info;
    [[maybe_unused]] const WholeSums taken = scratch.sums;  // (this phase's, when ready or quotients)
    scratch.sums.ready = scratch.sums.quotients = false;
    scratch.sigma_max = nan;

    // Too few points: throw, or NaN lines (keeping the statistic and any centre).
    auto short_of = [&](std::size_t need, std::size_t got, std::string_view what) {
        if (got >= need) return false;
        if (o.on_insufficient == OnInsufficient::throw_error) insufficient(chart, need, got, what);
        info.sufficient = false;
        L.fill(n, {info.centre, nan, nan, nan, nan, nan, nan});
        return true;
    };
    // Σ of the used, non-missing x[i], in row order
    // nonnegative: x is >= 0 (validated counts, moving ranges, t's y^(1/t_power) of y > 0)
    auto sum_used = [&](const double* x, Sum& s, bool nonnegative = false) {
        if constexpr (Used::all) {
            add_numbers(s, x, n, nonnegative);
        } else {
            for (std::size_t i = 0; i < n; ++i)
                if (used(i) && x[i] == x[i]) s.add(x[i]);
        }
    };
    auto moving_ranges_of = [&](const double* z) {
        if constexpr (Used::all) {
            return moving_ranges_all(z, n, o.screen_moving_ranges, o.screen_multiplier);
        } else {
            return moving_ranges(n, [z](std::size_t i) { return z[i]; }, used, o.screen_moving_ranges,
                                 o.screen_multiplier);
        }
    };

    switch (chart) {
        case ChartType::run: {
            std::copy(y, y + n, stat);
            Sum s;
            sum_used(y, s);
            info.mean = s.n ? s.mean() : nan;
            info.centre = median_of_column(y, n, used, info.n_used, scratch.a);
            if (short_of(1, info.n_used, "used value")) break;
            L.fill(n, {info.centre, nan, nan, nan, nan, nan, nan});
            break;
        }

        case ChartType::xmr:
        case ChartType::t: {
            const bool t = chart == ChartType::t;
            // t chart: the I chart of y^(1/t_power), transformed once (pow is the costly part) into
            // the statistic's column, which gets y once the sums and moving ranges are taken
            const double* z = y;
            if (t) {  // (stat never shares memory with y: see apart_from_input)
                scratch.pow.reset(1.0 / o.t_power);
                scratch.pow.transform(y, stat, n);
                z = stat;
            }
            Sum s;
            sum_used(z, s, t);
            info.n_used = s.n;
            info.mean = s.n ? s.mean() : nan;
            info.centre = t ? std::pow(info.mean, o.t_power) : info.mean;
            const MovingRanges mr = moving_ranges_of(z);
            std::copy(y, y + n, stat);
            info.mean_moving_range = mr.mean;
            info.n_moving_ranges = mr.count;
            info.n_screened = mr.screened;
            if (short_of(2, info.n_used, "used values")) break;
            if (mr.count + mr.screened == 0) {  // two or more values, but never two used in a row
                if (short_of(1, 0, "moving range between consecutive used values")) break;
            }
            info.sigma = mr.mean / o.mr_d2;
            if (!t) {
                L.fill(n, make_lines(info.mean, info.sigma, m, -inf, inf));
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
            L.fill(n, l);
            break;
        }

        case ChartType::mr: {
            Sum s;
            if (n > 0) stat[0] = nan;
            for (std::size_t i = 1; i < n; ++i) stat[i] = std::fabs(y[i] - y[i - 1]);
            sum_used(stat, s, true);
            info.n_used = s.n;
            info.n_moving_ranges = s.n;
            info.mean = info.centre = info.mean_moving_range = s.n ? s.mean() : nan;
            if (short_of(1, info.n_used, "used moving range")) break;
            info.sigma = info.mean / o.mr_d2;
            const double c = info.centre, f = o.mr_upper_factor;
            const Lines l{c, 0.0, f * (m.k / 3.0) * c, 0.0, (f / 3.0) * m.k1 * c, 0.0, (f / 3.0) * m.k2 * c};
            L.fill(n, l);
            break;
        }

        case ChartType::c:
        case ChartType::g: {
            std::copy(y, y + n, stat);
            Sum s;
            sum_used(y, s, true);  // counts: validated >= 0
            info.n_used = s.n;
            info.mean = s.n ? s.mean() : nan;
            const bool g = chart == ChartType::g;
            if (g && o.g_centre == GCentre::median) {
                std::size_t cnt = 0;
                info.centre = median_of_column(y, n, used, cnt, scratch.a);
            } else {
                info.centre = info.mean;
            }
            if (short_of(1, info.n_used, "used value")) break;
            const double mu = info.mean;
            info.sigma = !g ? std::sqrt(mu)
                            : (o.g_sigma == GSigma::number_before ? std::sqrt(mu * (mu + 1)) : std::sqrt(mu * (mu - 1)));
            Lines l = make_lines(mu, info.sigma, m, lo_count, inf);
            l.centre = info.centre;
            L.fill(n, l);
            break;
        }

        case ChartType::p:
        case ChartType::np:
        case ChartType::u:
        case ChartType::p_prime:
        case ChartType::u_prime: {
            const bool proportion = chart != ChartType::u && chart != ChartType::u_prime;
            const bool laney = chart == ChartType::p_prime || chart == ChartType::u_prime;
            auto present = [&](std::size_t i) -> bool { return (y[i] == y[i]) & (d[i] == d[i]); };  // no branch
            Sum sy, sn;
            // whole counts and units: exact plain sums below 2^53, taken by the rows check (every
            // caller with AllRows hands validate_input the scratch's sums); else double-double sums
            bool exact = false;  // sy, sn hold the exact totals (one lane each)
            if constexpr (Used::all) {  // (the statistic comes after the sums, with σ_i where it can)
                if (taken.ready) {
                    set_exact_totals(sy, sn, taken.y, taken.d, taken.n);
                    exact = true;
                } else {
                    auto keep = [&](std::size_t i) { return present(i); };
                    auto keep2 = [&](std::size_t i) { return and2(is_number2(load2(y + i)), is_number2(load2(d + i))); };
                    Sum* const both[2] = {&sy, &sn};  // numerator and denominator in one pass
                    const double* col[2] = {y, d};
                    add_in_order(  // counts and denominators: validated >= 0 and > 0
                        both, n, [&](std::size_t k, std::size_t i) { return col[k][i]; },
                        [&](std::size_t k, std::size_t i) { return load2(col[k] + i); }, keep, keep2, nullptr, true);
                }
            } else {
                for (std::size_t i = 0; i < n; ++i) {
                    const bool ok = present(i);
                    stat[i] = !ok ? nan : (chart == ChartType::np ? y[i] : y[i] / d[i]);
                    if (ok && used(i)) {
                        sy.add(y[i]);
                        sn.add(d[i]);
                    }
                }
            }
            info.n_used = sy.n;
            // Of exact totals (whole, below 2^53), ratio() gives the IEEE quotient itself: its
            // correction q + r/d, r the exact remainder, rounds back to q, as |r/d| is at most half
            // an ulp of q and cannot round up to that half without a tie (a quotient of whole
            // numbers with d < 2^53 is never that close to a midpoint without being on it; on it, q
            // is the even neighbour either way).
            const double bar = !sy.n ? nan : exact ? sy.lane[0].hi / sn.lane[0].hi : ratio(sy, sn);
            info.mean = bar;
            if (chart != ChartType::np) info.centre = bar;
            // the binomial or Poisson variance of one unit: σ_i² = spread/n_i (p, p′: p̄(1 − p̄); u, u′: ū)
            const double spread = proportion ? bar * (1 - bar) : bar;
            // every row's statistic; in one pass with it, σ_i = sqrt(p̄(1 − p̄)/n_i) or sqrt(ū/n_i)
            // (sigma_i()'s arithmetic) into `sigmas` when the phase keeps them or Laney needs them
            // (NaN where a row is missing; with no point p̄ is NaN, and so are they)
            double* sigmas = nullptr;
            if constexpr (requires { L.sigma; })
                if (L.vary && chart != ChartType::np) sigmas = L.sigma;
            // Laney: z_i = (y_i/n_i − p̄)/σ_i, in the same pass (a varying phase keeps those σ_i,
            // × σ_z below)
            [[maybe_unused]] double* zs = nullptr;
            const v2d bar2 = splat2(bar);
            auto z_of = [bar2](v2d st, v2d sd) { return (st - bar2) / sd; };
            [[maybe_unused]] double largest_sigma = nan;  // of the σ_i in `sigmas`, when they are
            if constexpr (Used::all) {
                const v2d v = splat2(spread);
                if (laney && sigmas == nullptr) sigmas = scratch.b.get(n);
                if (laney) zs = scratch.a.get(n);
                // A long phase: σ_i of whole denominators (list sizes, bed-days) taken once each and
                // looked up after: a division and a square root fewer per point, the same bits.
                // Left after 1,024 pairs of rows if more than a quarter had a denominator without
                // a slot (above 65,535 or not whole).
                auto remembered = [&](const double* top, auto quotient) {
                    auto& memo = scratch.sigma;
                    memo.clear();
                    // p′ of whole units (checked by the rows check, which wrote the statistic and gave
                    // their range) spanning at most half as many values as rows: σ_k of every k in the
                    // range first, then Laney's pass looks each row's up without a check
                    const double first = taken.d_lo, last = taken.d_hi;
                    if (laney && top == stat && proportion && o.require_whole_counts && first >= 1 && first <= last &&
                        last < static_cast<double>(memo.slots) && last - first < static_cast<double>(n / 2)) {
                        double* const tab = memo.value.get();
                        const auto k1 = static_cast<std::size_t>(last) + 1;
                        std::size_t k = static_cast<std::size_t>(first);
                        for (; k + 2 <= k1; k += 2) {
                            const auto a = static_cast<double>(k);
                            store2(tab + k, sqrt2(v / make2(a, a + 1)));  // (sigma_i()'s arithmetic)
                        }
                        if (k < k1) tab[k] = lane(sqrt2(v / splat2(static_cast<double>(k))), 0);
                        return sigma_pass(stat, d, n, TableSigma{tab, first}, bar, sigmas, zs);
                    }
                    [[maybe_unused]] std::size_t pairs = 0, outside = 0;
                    bool remember = QM_SSE2_MASKS;
#if QM_SSE2_MASKS
                    auto window = memo.window();  // (changes only by put)
#endif
                    // (a pair not both remembered: out of line, so that the lookup inlines into the pass)
                    auto take = [&, v](v2d dv) QM_NOINLINE_LAMBDA {
                        const v2d r = sqrt2(v / dv);
                        const bool in0 = memo.put(lane(dv, 0), lane(r, 0)), in1 = memo.put(lane(dv, 1), lane(r, 1));
#if QM_SSE2_MASKS
                        window = memo.window();
#endif
                        outside += !(in0 && in1);
                        if (pairs == 1024 && 4 * outside > pairs) remember = false;
                        return r;
                    };
                    return ratio_rows(
                        top == stat ? nullptr : stat, top, d, n, quotient, sigmas,
                        [&, v](v2d, v2d dv) QM_LAMBDA_ALWAYS_INLINE {
                            if (!remember) return sqrt2(v / dv);
#if QM_SSE2_MASKS
                            double a, b;
                            ++pairs;
                            if (memo.both(reinterpret_cast<__m128d>(dv), window, a, b)) return make2(a, b);
#endif
                            return take(dv);
                        },
                        zs, z_of);
                };
                // the statistic y_i/n_i: from the rows check when it wrote it (taken.quotients: then
                // ratio_rows reads it back as its numerator, NaN where a row is missing, and leaves it)
                const bool divided = taken.quotients && chart != ChartType::np;
                auto statistic_pass = [&](auto quotient) {
                    const double* top = divided ? stat : y;
                    if (chart == ChartType::np)
                        ratio_rows(stat, y, d, n, [](v2d yv, v2d) { return yv; });
                    else if (sigmas == nullptr) {
                        if (!divided) ratio_rows(stat, y, d, n, quotient);
                    } else if (n < 4096 && divided)
                        largest_sigma = sigma_pass(stat, d, n, RootSigma{spread}, bar, sigmas, zs);
                    else if (n < 4096)
                        largest_sigma = ratio_rows(stat, y, d, n, quotient, sigmas, [v](v2d, v2d dv) { return sqrt2(v / dv); },
                                                   zs, z_of);
                    else
                        largest_sigma = remembered(top, quotient);
                };
                if (divided) statistic_pass([](v2d st, v2d) { return st; });
                else statistic_pass([](v2d yv, v2d dv) { return yv / dv; });
            }
            // σ of one point before Laney's adjustment, in qicharts2's / qcc's arithmetic
            auto sigma_i = [&](std::size_t i) {
                if (chart == ChartType::np) return std::sqrt(bar * (1 - bar) * d[i]);
                return std::sqrt(spread / d[i]);
            };
            double factor = 1.0;  // σ_z
            if (laney) {
                auto z = [&](std::size_t i) { return present(i) ? (y[i] / d[i] - bar) / sigma_i(i) : nan; };
                MovingRanges mr;
                if constexpr (Used::all) {  // (z_i came with the statistic)
                    mr = moving_ranges_all(zs, n, o.screen_moving_ranges, o.screen_multiplier);
                } else {
                    mr = moving_ranges(n, z, used, o.screen_moving_ranges, o.screen_multiplier);
                }
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
                    L.fill(n, {info.centre, nan, nan, nan, nan, nan, nan});
                    break;
                }
                if (mr.count + mr.screened == 0)
                    if (short_of(1, 0, "moving range between consecutive used points")) break;
                factor = info.sigma_z = mr.mean / o.mr_d2;
                info.sigma = info.sigma_z;
            } else if (short_of(1, info.n_used, "used point")) {
                break;
            }
            if constexpr (requires { L.sigma; }) {  // a varying phase of chart_grouped: σ_i in one tight loop
                if (L.vary && chart != ChartType::np) {
                    const double hi = proportion && o.clip ? 1.0 : inf;
                    double* const sig = L.sigma;
                    // σ_i = sqrt(p̄(1 − p̄)/n_i) or sqrt(ū/n_i), times σ_z for Laney: sigma_i()'s arithmetic
                    const v2d v = splat2(spread), f = splat2(factor);
                    if constexpr (Used::all) {  // σ_i came with the statistic; Laney's are times σ_z
                        if (laney) {
                            std::size_t i = 0;
                            for (; i + 2 <= n; i += 2) store2(sig + i, load2(sig + i) * f);
                            if (i < n) sig[i] = sig[i] * factor;
                        }
                        // (σ_i · σ_z, σ_z >= 0, keeps the order of the σ_i)
                        scratch.sigma_max = laney ? largest_sigma * factor : largest_sigma;
                    } else if (laney) {
                        ratio_rows(sig, y, d, n, [&](v2d, v2d dv) { return sqrt2(v / dv) * f; });
                    } else {
                        ratio_rows(sig, y, d, n, [&](v2d, v2d dv) { return sqrt2(v / dv); });
                    }
                    if (present(n - 1)) L.lines(n - 1, bar, sig[n - 1], m, lo_count, hi);
                    else L.nan_lines(n - 1, bar);
                    break;
                }
            }
            bool constant_n = true;
            double first_n = nan;
            for (std::size_t i = 0; i < rows; ++i) {
                if (d[i] != d[i] || y[i] != y[i]) {
                    L.nan_lines(i, chart == ChartType::np ? nan : bar);
                    continue;
                }
                if (first_n != first_n) first_n = d[i];
                else if (d[i] != first_n) constant_n = false;
                if (chart == ChartType::np) {
                    L.lines(i, d[i] * bar, sigma_i(i), m, o.clip ? 0.0 : -inf, o.clip ? d[i] : inf);
                    continue;
                }
                const double s = laney ? sigma_i(i) * factor : sigma_i(i);
                L.lines(i, bar, s, m, lo_count, proportion && o.clip ? 1.0 : inf);
            }
            if (chart == ChartType::np && constant_n && first_n == first_n) info.centre = first_n * bar;
            break;
        }

        case ChartType::xbar_r:
        case ChartType::xbar_s: {
            const SubgroupView& s = in.subgroups;
            Sum num_, den;
            if constexpr (Used::all) {
                add_subgroup_means(num_, den, s, stat, n);
            } else {
                for (std::size_t i = 0; i < n; ++i) {
                    stat[i] = s.size[i] ? s.mean[i] : nan;
                    if (used(i) && s.size[i] >= 1 && s.mean[i] == s.mean[i]) {
                        num_.add_product(static_cast<double>(s.size[i]), s.mean[i]);
                        den.add(static_cast<double>(s.size[i]));
                    }
                }
            }
            info.n_used = num_.n;
            info.mean = info.centre = num_.n ? ratio(num_, den) : nan;
            const auto e = estimate_subgroup_sigma(chart, s, used, o);
            info.sigma = e.sigma;
            info.dispersion = e.dispersion;
            if (short_of(1, info.n_used, "used subgroup")) break;
            std::size_t last_m = 0;  // subgroup sizes repeat: the σ of the last size is reused
            double last_s = nan;
            for (std::size_t i = 0; i < rows; ++i) {
                const std::size_t mi = s.size[i];
                if (mi < 2) {
                    L.nan_lines(i, info.centre);
                    continue;
                }
                if (mi != last_m) {
                    last_s = e.at(mi) / std::sqrt(static_cast<double>(mi));
                    last_m = mi;
                }
                L.lines(i, info.centre, last_s, m, -inf, inf);
            }
            break;
        }
    }
    return info;
}

/// One phase of dispersion_limits() on validated input (n subgroups); see phase_limits.
template <class Sink, class Used>
inline PhaseLimitInfo phase_dispersion(ChartType chart, const ChartPhaseInput& in, std::size_t n, const LimitOptions& o,
                                       double* stat, const Sink& L, Used used) {
    const Multipliers m(o.sigma_multiplier);
    const SubgroupView& s = in.subgroups;
    const bool range = chart == ChartType::xbar_r;
    const std::size_t rows = L.constant() ? 1 : n;
    PhaseLimitInfo info;
    Sum a;
    for (std::size_t i = 0; i < n; ++i) {
        const double v = s.size[i] >= 2 ? (range ? s.range[i] : s.sd[i]) : nan;
        stat[i] = v;
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
        for (std::size_t i = 0; i < rows; ++i) L.nan_lines(i);
        return info;
    }
    // The centre in exact textbook form where it is one number: R̄ (mean_range, constant n) or
    // s̄ / pooled s (pooled_sd).
    const bool exact_range = range && e.method == SubgroupSigma::mean_range && e.constant_size;
    const bool exact_sd = !range && e.method == SubgroupSigma::pooled_sd;
    const double lo = o.clip ? 0.0 : -inf;
    bool constant_centre = true;
    double first_centre = nan;
    std::size_t last_m = 0;  // subgroup sizes repeat: the centre and spread of the last size are reused
    double centre = nan, spread = nan;
    for (std::size_t i = 0; i < rows; ++i) {
        const std::size_t mi = s.size[i];
        if (mi < 2) {
            L.nan_lines(i);
            continue;
        }
        if (mi != last_m) {
            const double sig = e.at(mi);
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
            last_m = mi;
        }
        L.lines(i, centre, spread, m, lo, inf);
    }
    if (constant_centre) info.centre = first_centre;
    return info;
}

/// Runs compute(statistic, lines, offset) on the caller's output columns — or, when any of the rows
/// it would write shares memory with an input column (a caller may pass its values as the statistic's
/// output), on fresh columns copied out afterwards: the kernels read their input after they have
/// begun to write (the t chart keeps y^(1/t_power) in the statistic's column, the ratio charts read
/// the rows again for σ_i), so the results never depend on where the output lies.
template <class Compute>
inline PhaseLimitInfo apart_from_input(const ChartPhaseInput& in, std::size_t n, std::span<double> stat,
                                       LineColumns& L, std::size_t offset, Compute compute) {
    auto at = [](const double* q) { return reinterpret_cast<std::uintptr_t>(q); };
    auto hits = [&](const double* out) {
        for (std::span<const double> s : {in.values, in.denominators, in.subgroups.mean, in.subgroups.range, in.subgroups.sd})
            if (!s.empty() && n > 0 && at(out) < at(s.data() + s.size()) && at(s.data()) < at(out + n)) return true;
        return false;
    };
    bool shared = hits(stat.data() + offset);
    for (std::vector<double>* c : L.columns()) shared = shared || hits(c->data() + offset);
    if (!shared) return compute(stat.data() + offset, L, offset);
    std::vector<double> s(n);
    LineColumns l;
    l.resize(n);
    const PhaseLimitInfo info = compute(s.data(), l, 0);
    std::copy(s.begin(), s.end(), stat.begin() + static_cast<std::ptrdiff_t>(offset));
    const auto from = l.columns(), to = L.columns();
    for (std::size_t k = 0; k < from.size(); ++k)
        std::copy(from[k]->begin(), from[k]->end(), to[k]->begin() + static_cast<std::ptrdiff_t>(offset));
    return info;
}

}  // namespace detail::limits

inline PhaseLimitInfo chart_limits(ChartType chart, const ChartPhaseInput& in, const LimitOptions& o,
                                   std::span<double> stat, LineColumns& L, std::size_t offset) {
    using namespace detail::limits;
    Scratch scratch;  // (a ratio phase of every row: the rows check also takes its sums, for phase_limits)
    const bool sums = kind_of(chart) == Kind::ratio && in.used.empty();
    const std::size_t n = validate_input(chart, in, o, offset, false, sums ? &scratch.sums : nullptr);
    if (stat.size() < offset + n)
        fail_argument("statistic_out", "needs at least " + std::to_string(offset + n) + " rows, got " +
                                           std::to_string(stat.size()));
    if (rows_of(L) < offset + n)
        fail_argument("lines_out", "needs at least " + std::to_string(offset + n) + " rows in every column, got " +
                                       std::to_string(rows_of(L)));
    return apart_from_input(in, n, stat, L, offset, [&](double* st, LineColumns& lines, std::size_t off) {
        const ColumnSink sink{lines, off};
        if (in.used.empty()) return phase_limits(chart, in, n, o, st, sink, AllRows{}, scratch);
        return phase_limits(chart, in, n, o, st, sink, MaskRows{in.used.data()}, scratch);
    });
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
    return apart_from_input(in, n, stat, L, offset, [&](double* st, LineColumns& lines, std::size_t off) {
        const ColumnSink sink{lines, off};
        if (in.used.empty()) return phase_dispersion(chart, in, n, o, st, sink, AllRows{});
        return phase_dispersion(chart, in, n, o, st, sink, MaskRows{in.used.data()});
    });
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
