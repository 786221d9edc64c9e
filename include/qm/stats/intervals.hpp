#pragma once
// qm/stats/intervals.hpp — confidence intervals for public-health indicators, as the OHID/PHE
// Fingertips technical guidance defines them (PHEindicatormethods computes the same).
//
// Synopsis
//   struct qm::stats::Interval { double lower, upper; };              NaN where a method gives none
//   struct qm::stats::Level { double confidence, z, p_lower, p_upper; }  e.g. Level(0.95)
//   double   qm::stats::z_two_sided(double confidence)                 Φ⁻¹((1+c)/2): 0.95 → 1.959964
//
//   Interval qm::stats::wilson(x, n, level)              proportion x/n, Wilson score
//   Interval qm::stats::exact_binomial(x, n, level)      proportion x/n, Clopper–Pearson
//   Interval qm::stats::exact_poisson(x, level)          count x, χ² (exact Poisson) method
//   Interval qm::stats::byar(x, level)                   count x, Byar's approximation
//   Interval qm::stats::poisson_count(x, level, exact_below = 10)  exact below 10 events, Byar from 10
//   Interval qm::stats::mean_t(mean, sd, n, level)       mean, Student's t
//   Interval qm::stats::dobson(dsr, variance, count, level)   directly standardised rate (Dobson
//                                                        et al. 1991 with Byar); NaN below 10 events
//   (every function also takes a plain `double confidence` in place of a Level)
//
// Conventions
//   * `level` is two-sided: Level(0.95) has p_lower = 0.025 and p_upper = 0.975.
//   * Counts may be non-integer (weighted counts): the χ² method uses the continuous gamma
//     relation, as R's qchisq does.
//   * Bad input (negative counts, x > n for a proportion, n <= 0, a confidence outside (0, 1))
//     throws qm::invalid_argument naming the argument. Values a method does not define are NaN:
//     Byar's lower limit when the formula goes negative (very few events at 99.8%; PHE reports
//     NA), a t interval from fewer than 2 values, a DSR interval from fewer than 10 events.
//
// Formulas (OHID technical guidance, "Proportions", "Rates", "DSR"; Newcombe & Altman 2000;
// Breslow & Day 1987; Dobson, Kuulasmaa, Eberle & Scherer, Stat Med 1991;10:457–62):
//   Wilson   (2x + z² ∓ z√(z² + 4x(1 − x/n))) / (2(n + z²))
//   exact    lower χ²_{p_lower}(2x)/2 (0 when x = 0), upper χ²_{p_upper}(2x + 2)/2
//   Byar     lower x(1 − 1/(9x) − z/(3√x))³, upper (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³
//   t        mean ∓ t_{p_upper, n−1} · sd/√n
//   Dobson   DSR + √(var/O) · (O_lower − O), DSR + √(var/O) · (O_upper − O), O_lower/upper by Byar

#include <cmath>
#include <limits>
#include <string>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <qm/core/error.hpp>

namespace qm::stats {

struct Interval {
    double lower = std::numeric_limits<double>::quiet_NaN();
    double upper = std::numeric_limits<double>::quiet_NaN();
};

/// Φ⁻¹((1 + confidence)/2): the z of a two-sided interval (Boost.Math normal quantile).
double z_two_sided(double confidence);

/// A two-sided confidence level with its z and tail probabilities, computed once.
struct Level {
    double confidence;  ///< e.g. 0.95
    double z;           ///< Φ⁻¹(p_upper)
    double p_lower;     ///< (1 − confidence)/2
    double p_upper;     ///< (1 + confidence)/2
    explicit Level(double confidence);
};

Interval wilson(double x, double n, const Level& level);
Interval exact_binomial(double x, double n, const Level& level);
Interval exact_poisson(double x, const Level& level);
Interval byar(double x, const Level& level);
Interval poisson_count(double x, const Level& level, double exact_below = 10.0);
Interval mean_t(double mean, double sd, double n, const Level& level);
Interval dobson(double dsr, double variance, double count, const Level& level);

inline Interval wilson(double x, double n, double confidence) { return wilson(x, n, Level(confidence)); }
inline Interval exact_binomial(double x, double n, double confidence) { return exact_binomial(x, n, Level(confidence)); }
inline Interval exact_poisson(double x, double confidence) { return exact_poisson(x, Level(confidence)); }
inline Interval byar(double x, double confidence) { return byar(x, Level(confidence)); }
inline Interval poisson_count(double x, double confidence, double exact_below = 10.0) {
    return poisson_count(x, Level(confidence), exact_below);
}
inline Interval mean_t(double mean, double sd, double n, double confidence) { return mean_t(mean, sd, n, Level(confidence)); }
inline Interval dobson(double dsr, double variance, double count, double confidence) {
    return dobson(dsr, variance, count, Level(confidence));
}

// ------------------------------------------------------------------------------ implementation

namespace detail {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

inline void check_confidence(double c) {
    if (!(c > 0.0 && c < 1.0))
        fail_argument("confidence", "must be strictly between 0 and 1 (e.g. 0.95 or 0.998), got " + std::to_string(c));
}

inline void check_count(double x, const char* argument) {
    if (!std::isfinite(x) || x < 0.0) fail_argument(argument, "must be a finite count >= 0, got " + std::to_string(x));
}

/// The p-quantile of χ²(df)/2, i.e. of Gamma(df/2, 1); df = 0 is the point mass at 0.
inline double half_chi_squared_quantile(double df, double p) {
    if (df <= 0.0) return 0.0;
    return boost::math::quantile(boost::math::chi_squared_distribution<double>(df), p) / 2.0;
}

/// Byar's limits without checks; z is the two-sided z. Lower is NaN where the formula is
/// negative or undefined (x = 0), as PHEindicatormethods reports NA.
inline Interval byar_z(double x, double z) noexcept {
    Interval r;
    if (x > 0.0) {
        const double a = 1.0 - 1.0 / (9.0 * x) - z / (3.0 * std::sqrt(x));
        const double lo = x * a * a * a;
        r.lower = lo >= 0.0 ? lo : nan;
    }
    const double x1 = x + 1.0;
    const double b = 1.0 - 1.0 / (9.0 * x1) + z / (3.0 * std::sqrt(x1));
    r.upper = x1 * b * b * b;
    return r;
}

/// Wilson score limits without checks.
inline Interval wilson_z(double x, double n, double z) noexcept {
    const double z2 = z * z;
    const double root = z * std::sqrt(z2 + 4.0 * x * (1.0 - x / n));
    const double den = 2.0 * (n + z2);
    return {(2.0 * x + z2 - root) / den, (2.0 * x + z2 + root) / den};
}

}  // namespace detail

inline double z_two_sided(double confidence) {
    detail::check_confidence(confidence);
    return boost::math::quantile(boost::math::normal_distribution<double>(), (1.0 + confidence) / 2.0);
}

inline Level::Level(double c)
    : confidence(c), z(z_two_sided(c)), p_lower((1.0 - c) / 2.0), p_upper((1.0 + c) / 2.0) {}

inline Interval wilson(double x, double n, const Level& level) {
    detail::check_count(x, "numerator");
    if (!std::isfinite(n) || !(n > 0.0)) fail_argument("denominator", "must be positive, got " + std::to_string(n));
    if (x > n) fail_argument("numerator", "must not exceed the denominator for a proportion (" + std::to_string(x) + " > " +
                                              std::to_string(n) + ")");
    return detail::wilson_z(x, n, level.z);
}

inline Interval exact_binomial(double x, double n, const Level& level) {
    detail::check_count(x, "numerator");
    if (!std::isfinite(n) || !(n > 0.0)) fail_argument("denominator", "must be positive, got " + std::to_string(n));
    if (x > n) fail_argument("numerator", "must not exceed the denominator for a proportion (" + std::to_string(x) + " > " +
                                              std::to_string(n) + ")");
    Interval r;
    r.lower = x <= 0.0 ? 0.0 : boost::math::quantile(boost::math::beta_distribution<double>(x, n - x + 1.0), level.p_lower);
    r.upper = x >= n ? 1.0 : boost::math::quantile(boost::math::beta_distribution<double>(x + 1.0, n - x), level.p_upper);
    return r;
}

inline Interval exact_poisson(double x, const Level& level) {
    detail::check_count(x, "numerator");
    return {detail::half_chi_squared_quantile(2.0 * x, level.p_lower),
            detail::half_chi_squared_quantile(2.0 * x + 2.0, level.p_upper)};
}

inline Interval byar(double x, const Level& level) {
    detail::check_count(x, "numerator");
    return detail::byar_z(x, level.z);
}

inline Interval poisson_count(double x, const Level& level, double exact_below) {
    detail::check_count(x, "numerator");
    return x < exact_below ? exact_poisson(x, level) : detail::byar_z(x, level.z);
}

inline Interval mean_t(double mean, double sd, double n, const Level& level) {
    if (!(n >= 2.0) || !std::isfinite(mean) || !std::isfinite(sd)) return {};
    if (sd < 0.0) fail_argument("sd", "must not be negative, got " + std::to_string(sd));
    const double t = boost::math::quantile(boost::math::students_t_distribution<double>(n - 1.0), level.p_upper);
    const double h = t * sd / std::sqrt(n);
    return {mean - h, mean + h};
}

inline Interval dobson(double dsr, double variance, double count, const Level& level) {
    detail::check_count(count, "count");
    if (!(variance >= 0.0)) fail_argument("variance", "must not be negative, got " + std::to_string(variance));
    if (count < 10.0) return {};
    const Interval o = detail::byar_z(count, level.z);
    const double k = std::sqrt(variance / count);
    return {dsr + k * (o.lower - count), dsr + k * (o.upper - count)};
}

}  // namespace qm::stats
