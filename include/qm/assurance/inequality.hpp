#pragma once
// qm/assurance/inequality.hpp — the slope index of inequality (SII) and the relative index of
// inequality (RII) over ordered groups (deprivation deciles or quintiles), weighted by
// population, with confidence intervals by a seeded simulation: the method of PHE/OHID
// (Fingertips; PHEindicatormethods phe_sii), after Low & Low (2004).
//
// Synopsis
//   enum class qm::assurance::SiiValueType { other = 0, rate = 1, proportion = 2 }   (PHE value_type)
//   struct SiiOptions { value_type, transform, multiplier, repetitions = 100000,
//                       confidence = {0.95}, ci_confidence = 0.95, seed, minimum_quantiles = 2 }
//   struct SiiInput   { values, population, se | (lower, upper), offsets (G+1) }
//   struct SiiResult  per unit: sii, rii, intercept, fitted_1 (the fitted value at the least
//                     deprived end), beta0, beta1 (the fit on its own scale), n_quantiles; per unit
//                     and level: sii_lower, sii_upper, rii_lower, rii_upper (index unit·L + level);
//                     per row: share, rank, fitted (the fitted value at the row's rank)
//   SiiResult sii(const SiiInput&, const SiiOptions& = {}, unsigned threads = 0)
//   SiiFit    sii_fit(values, population)         the point estimate of one unit (no interval)
//
// Method (PHE technical guidance; PHEindicatormethods 2.1.0 R/SII_function.R, R/utils.R)
//   Rows of a unit are its quantiles ordered from the most deprived (first) to the least
//   deprived (last); every population must be positive.
//   1. a_i = population_i / Σ population (the quantile's share); b_i = Σ_{j<i} a_j + a_i/2, the
//      relative rank of the quantile's midpoint in the cumulative population (0 → most
//      deprived end, 1 → least deprived end).
//   2. Weighted least squares through the origin on √a_i: y_i√a_i = β₀√a_i + β₁ b_i√a_i (lm(y ~
//      sqrt_a + b_sqrt_a − 1)), i.e. the regression of y on b with weights a. β₀ is the fitted
//      value at b = 0 (the most deprived end), β₀ + β₁ at b = 1.
//   3. SII = β₁ × multiplier (fitted at the least deprived end minus fitted at the most
//      deprived end); RII = (β₀ + β₁)/β₀ (their ratio); a negative multiplier reverses the
//      polarity: SII × multiplier and RII → 1/RII.
//   4. transform = true (rates and proportions only): y is log(value) (rate) or logit(value)
//      (proportion); β₀, β₁ on that scale; SII = (g⁻¹(β₀ + β₁) − g⁻¹(β₀)) × multiplier,
//      RII = g⁻¹(β₀ + β₁)/g⁻¹(β₀), intercept = g⁻¹(β₀) × |multiplier|.
//   5. Standard errors: `se` as given (on the log / logit scale for rates and proportions), or
//      from the ci_confidence interval: se = (g(upper) − g(lower)) / (2 Φ⁻¹((1 + ci_confidence)/2)),
//      g the identity (other), log (rate) or logit (proportion).
//   6. Confidence intervals by simulation: `repetitions` times, draw each quantile's value
//      g⁻¹(g(value) + se·Z) (on the transformed scale when transform = true), Z standard normal,
//      refit, and take the order statistics at positions round(R(1 − c′)) and round(R c′),
//      c′ = c + (1 − c)/2, of the sorted simulated SIIs and RIIs (PHE's percentile rule; round
//      half to even as R). With transform = true the interval of the SII comes from the
//      simulated slopes s on the transformed scale, placed symmetrically about the fitted value
//      at b = ½ (h): SII limit = (g⁻¹(h + s/2) − g⁻¹(h − s/2)) × multiplier, RII limit =
//      g⁻¹(h + s/2)/g⁻¹(h − s/2) (PHE), limits swapped for a negative multiplier.
//   7. Random numbers: Boost.Random mt19937_64 with its ziggurat normal_distribution, seeded
//      for each unit from (seed, unit index) by SplitMix64. A given seed reproduces every
//      interval exactly, whatever the number of threads; the draws are not R's, so intervals
//      agree with PHEindicatormethods within simulation error, not digit for digit.
//
// Documented differences from PHEindicatormethods 2.1.0
//   * PHE requires 5 to 100 quantiles; we require minimum_quantiles (default 2, the least a
//     slope needs; set 5 for PHE's rule) and have no maximum.
//   * PHE reports the intercept of an untransformed fit without the multiplier; ours is
//     × |multiplier| in both cases, in the same units as the SII.
//   * PHE swaps the transformed-rate interval for any multiplier < 1 (its code tests < 1 for
//     rates and < 0 for proportions); we swap only for a negative multiplier.
//   * PHE drops incomplete areas with a warning; we reject bad input with an error naming the
//     argument and the row (zero, negative or missing populations, missing values or standard
//     errors, rates ≤ 0 or proportions outside (0, 1) where a log or logit is taken, an upper
//     limit below the lower one, units with too few quantiles).
//   * The reliability statistic (reliability_stat) is not implemented.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>

#include <qm/core/error.hpp>
#include <qm/core/parallel.hpp>
#include <qm/stats/intervals.hpp>

namespace qm::assurance {

enum class SiiValueType : std::int8_t { other = 0, rate = 1, proportion = 2 };

struct SiiOptions {
    /// other: values used as they are; rate: log scale for the standard errors and the
    /// simulation (and the fit when transform); proportion: logit scale.
    SiiValueType value_type = SiiValueType::other;
    /// Fit on the log / logit scale (rates and proportions only; needs lower and upper, not se).
    bool transform = false;
    /// SII and its limits × multiplier (e.g. 100 for percentages); negative reverses polarity.
    double multiplier = 1.0;
    /// Simulated samples per unit (PHE default 100,000; at least 1,000).
    std::size_t repetitions = 100'000;
    /// Two-sided levels of the SII and RII intervals.
    std::vector<double> confidence{0.95};
    /// Level of the supplied lower/upper limits of each quantile's value (PHE: 95%).
    double ci_confidence = 0.95;
    std::uint64_t seed = 1;
    /// Units with fewer quantiles are an error (PHE: 5).
    std::size_t minimum_quantiles = 2;

    void validate() const;
};

struct SiiInput {
    std::span<const double> values;      ///< indicator value per quantile row (original units)
    std::span<const double> population;  ///< per row, > 0
    std::span<const double> se = {};     ///< per row standard error (log/logit scale for rates/proportions)
    std::span<const double> lower = {};  ///< per row limits at ci_confidence (when se is not given)
    std::span<const double> upper = {};
    std::span<const std::size_t> offsets;  ///< G+1 row offsets: the quantiles of unit g
};

struct SiiResult {
    std::vector<double> levels;  ///< the confidence levels, L of them
    std::vector<double> sii, rii, intercept, fitted_1;
    std::vector<double> beta0, beta1;  ///< the fit on the log/logit scale with transform, else on the values
    std::vector<std::size_t> n_quantiles;
    std::vector<double> sii_lower, sii_upper, rii_lower, rii_upper;  ///< G·L, index g·L + l
    std::vector<double> share, rank, fitted;  ///< per row: a_i, b_i, fitted value (units of the values)
    std::size_t units() const noexcept { return sii.size(); }
};

/// The weighted fit of one unit: β₀ (at the most deprived end) and β₁ (the slope).
struct SiiFit {
    double beta0 = std::numeric_limits<double>::quiet_NaN();
    double beta1 = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> share, rank;  ///< a_i and b_i
};

SiiFit sii_fit(std::span<const double> y, std::span<const double> population);
SiiResult sii(const SiiInput& input, const SiiOptions& options = {}, unsigned threads = 0);

constexpr std::string_view to_string(SiiValueType v) noexcept {
    switch (v) {
        case SiiValueType::other: return "other";
        case SiiValueType::rate: return "rate";
        case SiiValueType::proportion: return "proportion";
    }
    return "?";
}

inline SiiValueType parse_sii_value_type(std::string_view s) {
    if (s == "other") return SiiValueType::other;
    if (s == "rate") return SiiValueType::rate;
    if (s == "proportion") return SiiValueType::proportion;
    fail_argument("value_type", "must be 'other', 'rate' or 'proportion', got '" + std::string(s) + "'");
}

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail {

inline constexpr double sii_nan = std::numeric_limits<double>::quiet_NaN();

/// g: identity, log or logit.
inline double sii_forward(SiiValueType t, double v) noexcept {
    switch (t) {
        case SiiValueType::rate: return std::log(v);
        case SiiValueType::proportion: return std::log(v / (1.0 - v));
        case SiiValueType::other: break;
    }
    return v;
}

/// g⁻¹: identity, exp or the logistic function.
inline double sii_inverse(SiiValueType t, double x) noexcept {
    switch (t) {
        case SiiValueType::rate: return std::exp(x);
        case SiiValueType::proportion: return 1.0 / (1.0 + std::exp(-x));
        case SiiValueType::other: break;
    }
    return x;
}

inline std::uint64_t splitmix64(std::uint64_t x) noexcept {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/// The 2×k matrix (XᵀWX)⁻¹XᵀW of the weighted regression of y on (1, b) with weights a:
/// β₀ = Σ m0_i y_i, β₁ = Σ m1_i y_i.
struct SiiDesign {
    std::vector<double> share, rank, m0, m1;
};

inline SiiDesign sii_design(std::span<const double> pop) {
    SiiDesign d;
    const std::size_t k = pop.size();
    d.share.resize(k);
    d.rank.resize(k);
    d.m0.resize(k);
    d.m1.resize(k);
    double total = 0.0;
    for (double p : pop) total += p;
    double cum = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
        d.share[i] = pop[i] / total;
        d.rank[i] = cum + d.share[i] / 2.0;
        cum += d.share[i];
    }
    double s0 = 0.0, s1 = 0.0, s2 = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
        s0 += d.share[i];
        s1 += d.share[i] * d.rank[i];
        s2 += d.share[i] * d.rank[i] * d.rank[i];
    }
    const double det = s0 * s2 - s1 * s1;
    for (std::size_t i = 0; i < k; ++i) {
        d.m0[i] = d.share[i] * (s2 - s1 * d.rank[i]) / det;
        d.m1[i] = d.share[i] * (s0 * d.rank[i] - s1) / det;
    }
    return d;
}

/// PHE's percentile position: round(R·fraction) (1-based, round half to even as R), as a
/// 0-based index clamped to the sample.
inline std::size_t percentile_index(std::size_t R, double fraction) noexcept {
    const double pos = std::clamp(std::nearbyint(static_cast<double>(R) * fraction), 1.0, static_cast<double>(R));
    return static_cast<std::size_t>(pos) - 1;
}

/// The order statistics at PHE's lower and upper positions. The upper one is selected among
/// the elements above the lower one only (nth_element has already put them there), which
/// halves the second selection (with 100,000 samples the selections are about a quarter of an SII).
inline std::pair<double, double> order_statistics(std::vector<double>& x, double lower_fraction, double upper_fraction) {
    const std::size_t lo = percentile_index(x.size(), lower_fraction), hi = percentile_index(x.size(), upper_fraction);
    const auto b = x.begin();
    std::nth_element(b, b + static_cast<std::ptrdiff_t>(lo), x.end());
    if (hi > lo) std::nth_element(b + static_cast<std::ptrdiff_t>(lo) + 1, b + static_cast<std::ptrdiff_t>(hi), x.end());
    return {x[lo], x[std::max(hi, lo)]};
}

inline void check_sii_rows(const SiiInput& in, const SiiOptions& o) {
    const std::size_t n = in.values.size();
    if (n == 0) fail_argument("values", "is empty");
    if (in.population.size() != n)
        fail_argument("population", "needs one entry per row (" + std::to_string(n) + "), got " + std::to_string(in.population.size()));
    const bool have_se = !in.se.empty(), have_cl = !in.lower.empty() || !in.upper.empty();
    if (have_se && have_cl) fail_argument("se", "give either se or lower and upper, not both");
    if (!have_se && !have_cl) fail_argument("se", "the simulation needs standard errors: give se, or lower and upper");
    if (have_se && in.se.size() != n)
        fail_argument("se", "needs one entry per row (" + std::to_string(n) + "), got " + std::to_string(in.se.size()));
    if (have_cl && (in.lower.size() != n || in.upper.size() != n))
        fail_argument(in.lower.size() != n ? "lower" : "upper", "needs one entry per row (" + std::to_string(n) + ")");
    if (o.transform && have_se)
        fail_argument("se", "with transform the standard errors come from lower and upper (PHE); give those instead");
    const auto vt = o.value_type;
    auto check_scale = [&](double v, std::size_t i, const char* arg) {
        if (!std::isfinite(v)) fail_argument(arg, i, "must be a finite number, got " + std::to_string(v));
        if (vt == SiiValueType::rate && !(v > 0.0))
            fail_argument(arg, i, "a rate must be positive to take its log, got " + std::to_string(v));
        if (vt == SiiValueType::proportion && !(v > 0.0 && v < 1.0))
            fail_argument(arg, i, "a proportion must lie strictly between 0 and 1 to take its logit, got " + std::to_string(v));
    };
    for (std::size_t i = 0; i < n; ++i) {
        const double p = in.population[i];
        if (!(p > 0.0) || !std::isfinite(p))
            fail_argument("population", i, "must be a positive number (every quantile needs a population), got " + std::to_string(p));
        check_scale(in.values[i], i, "values");
        if (have_se) {
            if (!(in.se[i] >= 0.0) || !std::isfinite(in.se[i]))
                fail_argument("se", i, "must be a finite number >= 0, got " + std::to_string(in.se[i]));
        } else {
            check_scale(in.lower[i], i, "lower");
            check_scale(in.upper[i], i, "upper");
            if (in.upper[i] < in.lower[i])
                fail_argument("upper", i, "is below the lower limit (" + std::to_string(in.upper[i]) + " < " + std::to_string(in.lower[i]) + ")");
        }
    }
}

}  // namespace detail

inline void SiiOptions::validate() const {
    if (transform && value_type == SiiValueType::other)
        fail_argument("transform", "needs value_type 'rate' (log) or 'proportion' (logit)");
    if (!std::isfinite(multiplier) || multiplier == 0.0)
        fail_argument("multiplier", "must be a finite non-zero number, got " + std::to_string(multiplier));
    if (repetitions < 1000) fail_argument("repetitions", "must be at least 1000, got " + std::to_string(repetitions));
    if (confidence.empty()) fail_argument("confidence", "needs at least one level");
    for (std::size_t l = 0; l < confidence.size(); ++l)
        if (!(confidence[l] > 0.0 && confidence[l] < 1.0))
            fail_argument("confidence", l, "must be strictly between 0 and 1, got " + std::to_string(confidence[l]));
    if (!(ci_confidence > 0.0 && ci_confidence < 1.0))
        fail_argument("ci_confidence", "must be strictly between 0 and 1, got " + std::to_string(ci_confidence));
    if (minimum_quantiles < 2) fail_argument("minimum_quantiles", "must be at least 2 (a slope needs two points)");
}

inline SiiFit sii_fit(std::span<const double> y, std::span<const double> population) {
    if (y.size() != population.size()) fail_argument("population", "needs one entry per value");
    if (y.size() < 2) fail_argument("values", "the SII needs at least 2 quantiles, got " + std::to_string(y.size()));
    for (std::size_t i = 0; i < population.size(); ++i)
        if (!(population[i] > 0.0) || !std::isfinite(population[i]))
            fail_argument("population", i, "must be a positive number, got " + std::to_string(population[i]));
    detail::SiiDesign d = detail::sii_design(population);
    SiiFit f;
    f.beta0 = 0.0;
    f.beta1 = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        f.beta0 += d.m0[i] * y[i];
        f.beta1 += d.m1[i] * y[i];
    }
    f.share = std::move(d.share);
    f.rank = std::move(d.rank);
    return f;
}

inline SiiResult sii(const SiiInput& in, const SiiOptions& o, unsigned threads) {
    o.validate();
    if (in.offsets.size() < 2) fail_argument("offsets", "needs at least 2 entries (one unit)");
    if (in.offsets.front() != 0) fail_argument("offsets", 0, "must be 0");
    const std::size_t G = in.offsets.size() - 1;
    if (in.offsets.back() != in.values.size())
        fail_argument("offsets", G, "must equal the number of rows (" + std::to_string(in.values.size()) + ")");
    for (std::size_t g = 0; g < G; ++g) {
        if (in.offsets[g + 1] < in.offsets[g]) fail_argument("offsets", g + 1, "offsets decrease");
        const std::size_t k = in.offsets[g + 1] - in.offsets[g];
        if (k < o.minimum_quantiles)
            fail_argument("offsets", g, "unit " + std::to_string(g) + " has " + std::to_string(k) +
                                            " quantile(s); the SII needs at least " + std::to_string(o.minimum_quantiles));
    }
    detail::check_sii_rows(in, o);

    const std::size_t L = o.confidence.size(), R = o.repetitions;
    SiiResult r;
    r.levels = o.confidence;
    for (auto* v : {&r.sii, &r.rii, &r.intercept, &r.fitted_1, &r.beta0, &r.beta1}) v->assign(G, detail::sii_nan);
    for (auto* v : {&r.share, &r.rank, &r.fitted}) v->assign(in.values.size(), detail::sii_nan);
    r.n_quantiles.resize(G);
    for (auto* v : {&r.sii_lower, &r.sii_upper, &r.rii_lower, &r.rii_upper}) v->assign(G * L, detail::sii_nan);

    const auto vt = o.value_type;
    const double z_ci = stats::z_two_sided(o.ci_confidence);
    const bool negative = o.multiplier < 0.0;

    // Threads split the units by simulation work (rows × repetitions), so a few units with many
    // repetitions are still spread over the cores.
    std::vector<std::size_t> work(G + 1);
    for (std::size_t g = 0; g <= G; ++g) work[g] = in.offsets[g] * R;

    for_each_group_chunk(work, threads, [&](std::size_t g0, std::size_t g1) {
        std::vector<double> t, se, sims, simr;
        sims.resize(R);
        simr.resize(R);
        for (std::size_t g = g0; g < g1; ++g) {
            const std::size_t b = in.offsets[g], k = in.offsets[g + 1] - b;
            const auto pop = in.population.subspan(b, k);
            const detail::SiiDesign d = detail::sii_design(pop);
            t.resize(k);
            se.resize(k);
            for (std::size_t i = 0; i < k; ++i) {
                t[i] = detail::sii_forward(vt, in.values[b + i]);
                se[i] = !in.se.empty() ? in.se[b + i]
                                       : (detail::sii_forward(vt, in.upper[b + i]) - detail::sii_forward(vt, in.lower[b + i])) /
                                             (2.0 * z_ci);
            }
            // point estimate: on the transformed scale with transform, else on the values
            double b0 = 0.0, b1 = 0.0;
            for (std::size_t i = 0; i < k; ++i) {
                const double y = o.transform ? t[i] : in.values[b + i];
                b0 += d.m0[i] * y;
                b1 += d.m1[i] * y;
            }
            r.n_quantiles[g] = k;
            r.beta0[g] = b0;
            r.beta1[g] = b1;
            for (std::size_t i = 0; i < k; ++i) {
                r.share[b + i] = d.share[i];
                r.rank[b + i] = d.rank[i];
                const double f = b0 + b1 * d.rank[i];
                r.fitted[b + i] = o.transform ? detail::sii_inverse(vt, f) : f;
            }
            if (o.transform) {
                const double y0 = detail::sii_inverse(vt, b0), y1 = detail::sii_inverse(vt, b0 + b1);
                r.sii[g] = (y1 - y0) * o.multiplier;
                r.rii[g] = negative ? y0 / y1 : y1 / y0;
                r.intercept[g] = y0 * std::fabs(o.multiplier);
                r.fitted_1[g] = y1 * std::fabs(o.multiplier);
            } else {
                r.sii[g] = b1 * o.multiplier;
                r.rii[g] = negative ? b0 / (b0 + b1) : (b0 + b1) / b0;
                r.intercept[g] = b0 * std::fabs(o.multiplier);
                r.fitted_1[g] = (b0 + b1) * std::fabs(o.multiplier);
            }

            // simulation
            boost::random::mt19937_64 engine(detail::splitmix64(o.seed ^ detail::splitmix64(static_cast<std::uint64_t>(g) + 1)));
            boost::random::normal_distribution<double> normal(0.0, 1.0);
            for (std::size_t rep = 0; rep < R; ++rep) {
                double s0 = 0.0, s1 = 0.0;
                for (std::size_t i = 0; i < k; ++i) {
                    const double draw = t[i] + se[i] * normal(engine);
                    const double y = o.transform ? draw : detail::sii_inverse(vt, draw);
                    s0 += d.m0[i] * y;
                    s1 += d.m1[i] * y;
                }
                sims[rep] = s1;
                simr[rep] = (s0 + s1) / s0;
            }
            if (!o.transform) {
                for (auto& s : sims) s *= o.multiplier;
                if (negative)
                    for (auto& x : simr) x = 1.0 / x;
            }
            for (std::size_t l = 0; l < L; ++l) {
                const double c = o.confidence[l] + (1.0 - o.confidence[l]) / 2.0;
                const auto [slo, shi] = detail::order_statistics(sims, 1.0 - c, c);
                const std::size_t at = g * L + l;
                if (!o.transform) {
                    r.sii_lower[at] = slo;
                    r.sii_upper[at] = shi;
                    const auto [rlo, rhi] = detail::order_statistics(simr, 1.0 - c, c);
                    r.rii_lower[at] = rlo;
                    r.rii_upper[at] = rhi;
                } else {
                    const double h = b0 + b1 / 2.0;
                    auto limit = [&](double s) {
                        const double y0 = detail::sii_inverse(vt, h - s / 2.0), y1 = detail::sii_inverse(vt, h + s / 2.0);
                        return std::pair{(y1 - y0) * o.multiplier, y1 / y0};
                    };
                    const auto lo = limit(slo), hi = limit(shi);
                    if (!negative) {
                        r.sii_lower[at] = lo.first;
                        r.sii_upper[at] = hi.first;
                        r.rii_lower[at] = lo.second;
                        r.rii_upper[at] = hi.second;
                    } else {
                        r.sii_lower[at] = hi.first;
                        r.sii_upper[at] = lo.first;
                        r.rii_lower[at] = 1.0 / hi.second;
                        r.rii_upper[at] = 1.0 / lo.second;
                    }
                }
            }
        }
    });
    return r;
}

}  // namespace qm::assurance
