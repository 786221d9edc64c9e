#pragma once
// qm/spc/constants.hpp — the bias-correction constants of Shewhart charts for subgroups of n
// observations from a normal process, computed (not copied from a table) to double precision.
//
// Synopsis
//   namespace qm::spc::constants
//     inline constexpr std::size_t max_subgroup_size = 200;   largest n for d2, d3, A2, D3, D4
//     double c4(std::size_t n)   E[s]/σ = √(2/(n−1))·Γ(n/2)/Γ((n−1)/2), any n ≥ 2 (exact, Boost.Math)
//     double d2(std::size_t n)   E[R]/σ  = ∫ 1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ dx          2 ≤ n ≤ 200
//     double d3(std::size_t n)   sd(R)/σ = √(E[R²] − d2²)                        2 ≤ n ≤ 200
//     double A2(n) = 3/(d2·√n)           double A3(n) = 3/(c4·√n)               (n ≥ 2)
//     double D3(n) = max(0, 1 − 3·d3/d2) double D4(n) = 1 + 3·d3/d2
//     double B3(n) = max(0, 1 − 3·√(1 − c4²)/c4)   double B4(n) = 1 + 3·√(1 − c4²)/c4
//     double d2_published(std::size_t n)   d2 rounded to 3 decimals, as printed in the ASTM /
//                                          Montgomery tables and used by qcc's "UWAVE-R"
//   Each throws qm::invalid_argument ("n: ...") for n outside its range.
//
// Method. R is the range of n independent N(0, 1) observations, s their sample standard
// deviation (divisor n − 1).
//   d2: E[R] = ∫ P(min ≤ x < max) dx = 2·∫₀^∞ 1 − (1 − Q(x))ⁿ − Q(x)ⁿ dx, Q(x) = 1 − Φ(x), the
//       integrand even; exp-sinh quadrature (Boost.Math) in long double.
//   d3: E[R²] = 2·∬_{x<y} P(min ≤ x, max > y) dx dy. With x = u − w/2, y = u + w/2 the integrand
//       is even in u, so E[R²] = 4·∫₀^∞ ∫₀^∞ g(u, w) du dw; the inner integral is the trapezoidal
//       rule on the even extension (exponentially convergent for smooth integrands), the outer
//       is composite Gauss–Legendre on [0, 24]; g = P(max > y) − P(min > x, max > y) is
//       evaluated from upper tails with expm1/log1p so that no term loses its relative accuracy.
//       All in long double: E[R²] − d2² cancels up to ~70× at n = 200 and still leaves full
//       double precision. Checked against 40-digit mpmath values and the closed forms
//       d2(2) = 2/√π, d2(3) = 3/√π, d2(4) = 12·atan(√2)/π^{3/2}, d3(2) = √(2 − 4/π).
//   Each d2(n) and d3(n) is computed once, on first use, into a function-local table guarded by
//   std::call_once (thread safe, no global mutable state visible to callers; d3 costs ~3 ms per n);
//   c4 for n ≤ 200 is tabulated on first use, larger n computed per call.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/exp_sinh.hpp>
#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <qm/core/error.hpp>

namespace qm::spc::constants {

inline constexpr std::size_t max_subgroup_size = 200;

double c4(std::size_t n);
double d2(std::size_t n);
double d3(std::size_t n);
double d2_published(std::size_t n);
double A2(std::size_t n);
double A3(std::size_t n);
double B3(std::size_t n);
double B4(std::size_t n);
double D3(std::size_t n);
double D4(std::size_t n);

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail {

using real = long double;

inline void check_n(std::size_t n, std::size_t max) {
    if (n < 2 || n > max)
        fail_argument("n", "subgroup size must be between 2 and " + std::to_string(max) + ", got " + std::to_string(n));
}

/// Upper tail Q(x) = 1 − Φ(x) of the standard normal, without cancellation.
inline real upper_tail(real x) {
    return boost::math::cdf(boost::math::complement(boost::math::normal_distribution<real>(), x));
}

/// 1 − (1 − q)ⁿ for 0 ≤ q ≤ 1, accurate when q is tiny.
inline real one_minus_pow_complement(real q, real n) { return -std::expm1(n * std::log1p(-q)); }

inline real compute_d2(std::size_t n) {
    const real N = static_cast<real>(n);
    auto f = [N](real x) -> real {
        const real q = upper_tail(x);
        if (q == 0) return 0;
        return one_minus_pow_complement(q, N) - std::pow(q, N);
    };
    boost::math::quadrature::exp_sinh<real> integrator;  // not const: Boost 1.74 declares integrate() const but defines it non-const
    return 2 * integrator.integrate(f, real(0), std::numeric_limits<real>::infinity(), real(1e-12));
}

/// The (u, w) nodes of the E[R²] quadrature with Q(u − w/2) and Q(u + w/2) stored, shared by every n.
struct RangeSquareGrid {
    static constexpr real h = 0.125L;      // trapezoidal step in u
    static constexpr real u_max = 11.0L;   // Q(11) ≈ 2e-28: the rest is below long double resolution
    static constexpr real w_max = 24.0L;   // P(R > 24) is negligible for n ≤ 200
    static constexpr int panels = 12;      // Gauss–Legendre panels of width 2 on [0, w_max]
    std::size_t nu = 0;
    std::vector<real> weight;              // per w node: Gauss weight · 4h (E = 2∫J dw, J = 2h·Σ trapezoid)
    // [w node][u node], with a = Q(u − w/2) ≥ b = Q(u + w/2): log a, log(1 − b), log(1 − b/a)
    // (b = 0 marks a node whose terms vanish). Independent of n, so each n costs one exp and
    // two expm1 per node.
    std::vector<real> log_a, log1m_b, log1m_ba;

    RangeSquareGrid() {
        using G = boost::math::quadrature::gauss<real, 20>;
        const auto& abscissa = G::abscissa();
        const auto& weights = G::weights();
        std::vector<real> w_nodes;
        const real width = w_max / panels, half = width / 2;
        for (int p = 0; p < panels; ++p) {
            const real mid = static_cast<real>(p) * width + half;
            for (std::size_t k = 0; k < abscissa.size(); ++k) {
                const real wk = weights[k] * half * 4 * h;
                w_nodes.push_back(mid + half * abscissa[k]);
                weight.push_back(wk);
                if (abscissa[k] != 0) {
                    w_nodes.push_back(mid - half * abscissa[k]);
                    weight.push_back(wk);
                }
            }
        }
        nu = static_cast<std::size_t>(u_max / h) + 1;
        log_a.resize(w_nodes.size() * nu);
        log1m_b.resize(w_nodes.size() * nu);
        log1m_ba.resize(w_nodes.size() * nu);
        for (std::size_t i = 0; i < w_nodes.size(); ++i)
            for (std::size_t j = 0; j < nu; ++j) {
                const real u = static_cast<real>(j) * h;
                const real a = upper_tail(u - w_nodes[i] / 2), b = upper_tail(u + w_nodes[i] / 2);
                log_a[i * nu + j] = std::log(a);
                log1m_b[i * nu + j] = std::log1p(-b);
                log1m_ba[i * nu + j] = b == 0 ? real(0) : std::log1p(-b / a);
            }
    }
};

inline const RangeSquareGrid& range_square_grid() {
    static const RangeSquareGrid grid;
    return grid;
}

/// E[R²] for subgroups of n.
inline real compute_range_square(std::size_t n) {
    const RangeSquareGrid& g = range_square_grid();
    const real N = static_cast<real>(n);
    real total = 0;
    for (std::size_t i = 0; i < g.weight.size(); ++i) {
        const real* la = g.log_a.data() + i * g.nu;
        const real* lb = g.log1m_b.data() + i * g.nu;
        const real* lba = g.log1m_ba.data() + i * g.nu;
        real inner = 0;
        for (std::size_t j = 0; j < g.nu; ++j) {
            if (lb[j] == 0) continue;  // b = 0 (underflow): every term vanishes
            // P(min ≤ x, max > y) = P(max > y) − P(min > x, max > y)
            //                     = [1 − (1 − b)ⁿ] − aⁿ·[1 − (1 − b/a)ⁿ]
            const real v = -std::expm1(N * lb[j]) + std::exp(N * la[j]) * std::expm1(N * lba[j]);
            inner += j == 0 ? v / 2 : v;
        }
        total += g.weight[i] * inner;
    }
    return total;
}

/// The lazily filled tables of d2 and d3 (index n − 2).
struct RangeTables {
    std::array<std::once_flag, max_subgroup_size - 1> d2_once, d3_once;
    std::array<double, max_subgroup_size - 1> d2{}, d3{};
    std::array<real, max_subgroup_size - 1> d2_ext{};
};

inline RangeTables& range_tables() {
    static RangeTables tables;
    return tables;
}

inline real d2_extended(std::size_t n) {
    RangeTables& t = range_tables();
    const std::size_t k = n - 2;
    std::call_once(t.d2_once[k], [&] {
        t.d2_ext[k] = compute_d2(n);
        t.d2[k] = static_cast<double>(t.d2_ext[k]);
    });
    return t.d2_ext[k];
}

inline real c4_extended(std::size_t n) {
    const real N = static_cast<real>(n);
    return std::sqrt(2 / (N - 1)) * boost::math::tgamma_ratio(N / 2, (N - 1) / 2);
}

}  // namespace detail

inline double c4(std::size_t n) {
    detail::check_n(n, std::numeric_limits<std::size_t>::max() / 2);
    if (n > max_subgroup_size) return static_cast<double>(detail::c4_extended(n));
    static const auto table = [] {  // the common sizes once (≈ 200 gamma ratios), thread-safe static init
        std::array<double, max_subgroup_size - 1> t{};
        for (std::size_t m = 2; m <= max_subgroup_size; ++m) t[m - 2] = static_cast<double>(detail::c4_extended(m));
        return t;
    }();
    return table[n - 2];
}

inline double d2(std::size_t n) {
    detail::check_n(n, max_subgroup_size);
    detail::d2_extended(n);
    return detail::range_tables().d2[n - 2];
}

inline double d3(std::size_t n) {
    detail::check_n(n, max_subgroup_size);
    detail::RangeTables& t = detail::range_tables();
    const std::size_t k = n - 2;
    std::call_once(t.d3_once[k], [&] {
        const detail::real m = detail::d2_extended(n);
        t.d3[k] = static_cast<double>(std::sqrt(detail::compute_range_square(n) - m * m));
    });
    return t.d3[k];
}

inline double d2_published(std::size_t n) { return std::round(d2(n) * 1000.0) / 1000.0; }

inline double A2(std::size_t n) { return 3.0 / (d2(n) * std::sqrt(static_cast<double>(n))); }

inline double A3(std::size_t n) { return 3.0 / (c4(n) * std::sqrt(static_cast<double>(n))); }

inline double D3(std::size_t n) { return std::max(0.0, 1.0 - 3.0 * d3(n) / d2(n)); }

inline double D4(std::size_t n) { return 1.0 + 3.0 * d3(n) / d2(n); }

namespace detail {
/// √(1 − c4²)/c4 without the cancellation of 1 − c4² for large n.
inline double c5_over_c4(std::size_t n) {
    const real c = c4_extended(n);
    return static_cast<double>(std::sqrt((1 - c) * (1 + c)) / c);
}
}  // namespace detail

inline double B3(std::size_t n) {
    detail::check_n(n, std::numeric_limits<std::size_t>::max() / 2);
    return std::max(0.0, 1.0 - 3.0 * detail::c5_over_c4(n));
}

inline double B4(std::size_t n) {
    detail::check_n(n, std::numeric_limits<std::size_t>::max() / 2);
    return 1.0 + 3.0 * detail::c5_over_c4(n);
}

}  // namespace qm::spc::constants
