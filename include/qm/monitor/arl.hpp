#pragma once
// qm/monitor/arl.hpp — average run lengths and decision thresholds of CUSUM-type monitors: the
// threshold h that gives a chosen in-control average run length (ARL0), or a chosen false-alarm
// probability over a horizon, by a documented method.
//
// Synopsis
//   enum class qm::monitor::CusumSides { upper, lower, two_sided }
//   struct qm::monitor::MarkovOptions { states = 100; extrapolate = true }
//
//   Normal-theory tabular CUSUM (qm/spc/cusum.hpp, qm/monitor/cusum_monitor.hpp), in σ units:
//   double cusum_arl(k, h, shift = 0, sides = two_sided, head_start = 0, MarkovOptions = {})
//   double cusum_arl_siegmund(k, h, shift = 0, sides = two_sided)
//   double cusum_threshold(arl0, k = 0.5, sides = two_sided, head_start = 0, MarkovOptions = {})
//   double cusum_false_alarm_probability(k, h, horizon, sides = two_sided, head_start = 0, MarkovOptions = {})
//   double cusum_threshold_for_false_alarm(probability, horizon, k = 0.5, sides = two_sided, ...)
//
//   CUSUMs of log-likelihood-ratio scores (Bernoulli, risk-adjusted; qm/monitor/bernoulli_cusum.hpp,
//   risk_adjusted_cusum.hpp), one side X_t = max(0, X_{t−1} + W_t), signal when X_t > h:
//   struct ScoreDistribution { score; probability }        the in-control distribution of W_t
//   ScoreDistribution bernoulli_scores(p0, odds_ratio)
//   ScoreDistribution risk_adjusted_scores(span<const double> risks, odds_ratio, odds_ratio_null = 1)
//   double score_cusum_arl(const ScoreDistribution&, h, std::size_t states = 0)
//   double score_cusum_threshold(const ScoreDistribution&, arl0, std::size_t states = 0)
//   double score_cusum_false_alarm_probability(const ScoreDistribution&, h, horizon, states = 0)
//   double score_cusum_threshold_for_false_alarm(const ScoreDistribution&, probability, horizon, states = 0)
//   struct SimulatedArl { arl; standard_error; runs; censored }
//   SimulatedArl simulate_score_cusum_arl(const ScoreDistribution&, h, runs, seed, max_length = 1e7)
//   double bernoulli_cusum_arl(p0, odds_ratio, limit, std::size_t states = 0)   both charts of bchart
//
// Method.
//   Normal CUSUM: the Markov chain approximation of Brook & Evans (1972, Biometrika 59:539–549).
//   The upper sum C = max(0, C + z − k), z ~ N(shift, 1), signals when C > h. [0, h] is cut into t
//   states of width w = 2h/(2t − 1): state 0 holds [0, w/2] (with the atom at 0), state j ≥ 1 the
//   interval ((j − ½)w, (j + ½)w] around jw; from state i the chain moves to state 0 with
//   probability Φ(w/2 − iw + k − shift), to j with Φ((j + ½)w − iw + k − shift) −
//   Φ((j − ½)w − iw + k − shift), and signals otherwise (normal CDF from Boost.Math, differences of
//   upper tails where both arguments are positive). The ARLs from every state solve
//   (I − R)L = 1 (LU with partial pivoting); the ARL from a head start is interpolated linearly
//   between the states around it. The error of the approximation falls as 1/t², so with
//   `extrapolate` the ARL is computed with t and 2t states and Richardson-extrapolated
//   (4·L(2t) − L(t))/3: with t = 100 it agrees with Montgomery's Table 9.3 (Hawkins 1993) to every
//   printed digit (k = ½: h = 4 → two-sided ARL0 167.7 ≈ 168; h = 5 → 465.4 ≈ 465) and Table 9.4
//   (h for ARL0 = 370) to 0.01. The lower sum is the upper sum of −z, so ARL−(shift) = ARL+(−shift);
//   two-sided: 1/ARL = 1/ARL+ + 1/ARL− (Lucas & Crosier 1982; exact when the two sums cannot both
//   be positive, a close approximation for k ≥ ½ as used in Montgomery's tables). Siegmund's
//   approximation (1985), ARL+ = (e^{−2Δb} + 2Δb − 1)/(2Δ²) with Δ = shift − k, b = h + 1.166
//   (b² for Δ = 0), is offered as a cross-check (Montgomery eq. 9.20; within ~1% at k = ½, h ≥ 4).
//   A false-alarm probability over n points is 1 − (Rⁿ1)[start], from the same chain; two-sided,
//   1 − (1 − P+)(1 − P−), which treats the two sides as independent (conservative).
//   Score CUSUMs: the same idea on [0, h] cut into t equal steps d = h/t (state i at value i·d):
//   from state i a score w moves the sum to v = max(0, id + w); v > h signals; otherwise the
//   probability is split between the two grid points around v in proportion to their distance
//   (linear interpolation, which keeps the chain's mean step exact — rounding v to the nearest
//   point, as in Steiner et al. 2000, makes the ARL jump erratically with t for Bernoulli scores).
//   The matrix is banded (width ≈ the largest |score|/d), solved by banded elimination; default
//   t = 1000 (the tests check it against seeded simulation, within 2%). Thresholds are found by
//   regula falsi (Illinois) on log ARL(h) − log ARL0 (the ARL increases with h) to 1e-7 in h.
//   Risk-adjusted: in control each case's risk p is drawn from the given risks (the expected
//   patient mix, e.g. a training period, each equally likely) and its outcome is Bernoulli(p):
//   score W(1, p) with probability p/J and W(0, p) with (1 − p)/J (Steiner et al. 2000, §3).
//   Simulation: splitmix64 streams from `seed` (the same numbers on every platform), run lengths
//   censored at max_length (reported).
//
// Errors: qm::invalid_argument naming the argument (k < 0, h ≤ 0, arl0 ≤ 1, probability outside
// (0, 1), risks outside [0, 1], odds ratios ≤ 0 or equal to the null, no threshold below 1e4·σ).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>

#include <qm/core/error.hpp>

namespace qm::monitor {

enum class CusumSides : std::uint8_t { upper, lower, two_sided };

struct MarkovOptions {
    std::size_t states = 100;  ///< t (the chain also uses 2t when extrapolating)
    bool extrapolate = true;   ///< Richardson extrapolation from t and 2t states
};

double cusum_arl(double k, double h, double shift = 0.0, CusumSides sides = CusumSides::two_sided,
                 double head_start = 0.0, const MarkovOptions& options = {});
double cusum_arl_siegmund(double k, double h, double shift = 0.0, CusumSides sides = CusumSides::two_sided);
double cusum_threshold(double arl0, double k = 0.5, CusumSides sides = CusumSides::two_sided, double head_start = 0.0,
                       const MarkovOptions& options = {});
double cusum_false_alarm_probability(double k, double h, std::size_t horizon, CusumSides sides = CusumSides::two_sided,
                                     double head_start = 0.0, const MarkovOptions& options = {});
double cusum_threshold_for_false_alarm(double probability, std::size_t horizon, double k = 0.5,
                                       CusumSides sides = CusumSides::two_sided, double head_start = 0.0,
                                       const MarkovOptions& options = {});

/// The in-control distribution of one point's score (weight).
struct ScoreDistribution {
    std::vector<double> score;
    std::vector<double> probability;
};

ScoreDistribution bernoulli_scores(double p0, double odds_ratio);
ScoreDistribution risk_adjusted_scores(std::span<const double> risks, double odds_ratio, double odds_ratio_null = 1.0);
double score_cusum_arl(const ScoreDistribution& scores, double h, std::size_t states = 0);
double score_cusum_threshold(const ScoreDistribution& scores, double arl0, std::size_t states = 0);
double score_cusum_false_alarm_probability(const ScoreDistribution& scores, double h, std::size_t horizon,
                                           std::size_t states = 0);
double score_cusum_threshold_for_false_alarm(const ScoreDistribution& scores, double probability, std::size_t horizon,
                                             std::size_t states = 0);

struct SimulatedArl {
    double arl = 0.0;
    double standard_error = 0.0;
    std::size_t runs = 0;
    std::size_t censored = 0;  ///< runs stopped at max_length (their length counts as max_length)
};
SimulatedArl simulate_score_cusum_arl(const ScoreDistribution& scores, double h, std::size_t runs, std::uint64_t seed,
                                      std::uint64_t max_length = 10'000'000);

/// In-control ARL of qicharts2's Bernoulli CUSUM (both charts, odds_ratio and 1/odds_ratio, limit).
double bernoulli_cusum_arl(double p0, double odds_ratio, double limit, std::size_t states = 0);

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail::arl {

inline void check_k_h(double k, double h) {
    if (!(k >= 0.0) || !std::isfinite(k)) fail_argument("k", "must be a finite number >= 0");
    if (!(h > 0.0) || !(h <= 1e4)) fail_argument("h", "must be positive (and at most 1e4)");
}

/// P(a < Z ≤ b) for a standard normal Z, without cancellation in the upper tail.
/// Solves A x = b in place (A dense n×n row-major), LU with partial pivoting.
inline std::vector<double> solve_dense(std::vector<double> A, std::vector<double> b, std::size_t n) {
    for (std::size_t c = 0; c < n; ++c) {
        std::size_t piv = c;
        for (std::size_t r = c + 1; r < n; ++r)
            if (std::fabs(A[r * n + c]) > std::fabs(A[piv * n + c])) piv = r;
        if (piv != c) {
            for (std::size_t j = 0; j < n; ++j) std::swap(A[c * n + j], A[piv * n + j]);
            std::swap(b[c], b[piv]);
        }
        const double d = A[c * n + c];
        if (d == 0.0) fail_argument("h", "the Markov chain is singular (the CUSUM never signals)");
        for (std::size_t r = c + 1; r < n; ++r) {
            const double f = A[r * n + c] / d;
            if (f == 0.0) continue;
            for (std::size_t j = c; j < n; ++j) A[r * n + j] -= f * A[c * n + j];
            b[r] -= f * b[c];
        }
    }
    for (std::size_t c = n; c-- > 0;) {
        double s = b[c];
        for (std::size_t j = c + 1; j < n; ++j) s -= A[c * n + j] * b[j];
        b[c] = s / A[c * n + c];
    }
    return b;
}

/// Transition matrix (row-major, t×t) of the upper normal CUSUM. Every entry is a difference of
/// Φ at the points (m + ½)w + k − shift, m = −t … t (they depend on j − i only), so the normal CDF
/// is evaluated 2t + 1 times, as lower and upper tails for accuracy in both.
inline std::vector<double> normal_chain(double k, double h, double shift, std::size_t t, double& width) {
    static const boost::math::normal_distribution<double> N;
    const double w = 2.0 * h / (2.0 * static_cast<double>(t) - 1.0);
    width = w;
    const std::size_t M = 2 * t + 1;  // m = −t … t at index m + t
    std::vector<double> lower(M), upper(M);
    for (std::size_t q = 0; q < M; ++q) {
        const double m = static_cast<double>(q) - static_cast<double>(t);
        const double a = (m + 0.5) * w + k - shift;
        lower[q] = boost::math::cdf(N, a);
        upper[q] = boost::math::cdf(boost::math::complement(N, a));
    }
    auto between = [&](std::size_t qa, std::size_t qb) {  // P(arg(qa) < Z <= arg(qb))
        const double a = (static_cast<double>(qa) - static_cast<double>(t) + 0.5) * w + k - shift;
        return a > 0.0 ? upper[qa] - upper[qb] : lower[qb] - lower[qa];
    };
    std::vector<double> R(t * t);
    for (std::size_t i = 0; i < t; ++i) {
        R[i * t] = lower[t - i];  // Φ(w/2 − iw + k − shift)
        for (std::size_t j = 1; j < t; ++j) R[i * t + j] = between(t + j - i - 1, t + j - i);
    }
    return R;
}

/// Linear interpolation of per-state values at value x (states at j·w).
inline double at_value(const std::vector<double>& L, double x, double w) {
    const double pos = x / w;
    const auto j = static_cast<std::size_t>(std::floor(pos));
    if (j + 1 >= L.size()) return L.back();
    const double f = pos - static_cast<double>(j);
    return L[j] * (1.0 - f) + L[j + 1] * f;
}

inline double upper_arl_chain(double k, double h, double shift, double head, std::size_t t) {
    double w = 0.0;
    std::vector<double> R = normal_chain(k, h, shift, t, w);
    for (std::size_t i = 0; i < t; ++i) {
        for (std::size_t j = 0; j < t; ++j) R[i * t + j] = -R[i * t + j];
        R[i * t + i] += 1.0;
    }
    const std::vector<double> L = solve_dense(std::move(R), std::vector<double>(t, 1.0), t);
    return at_value(L, head, w);
}

inline double upper_arl(double k, double h, double shift, double head, const MarkovOptions& o) {
    const std::size_t t = std::max<std::size_t>(o.states, 5);
    const double a = upper_arl_chain(k, h, shift, head, t);
    if (!o.extrapolate) return a;
    const double b = upper_arl_chain(k, h, shift, head, 2 * t);
    return (4.0 * b - a) / 3.0;
}

inline double upper_survival_chain(double k, double h, double shift, double head, std::size_t n, std::size_t t) {
    double w = 0.0;
    const std::vector<double> R = normal_chain(k, h, shift, t, w);
    std::vector<double> v(t, 1.0), nv(t);
    for (std::size_t step = 0; step < n; ++step) {
        for (std::size_t i = 0; i < t; ++i) {
            double s = 0.0;
            for (std::size_t j = 0; j < t; ++j) s += R[i * t + j] * v[j];
            nv[i] = s;
        }
        v.swap(nv);
    }
    return at_value(v, head, w);
}

inline double upper_false_alarm(double k, double h, double shift, double head, std::size_t n, const MarkovOptions& o) {
    const std::size_t t = std::max<std::size_t>(o.states, 5);
    const double a = 1.0 - upper_survival_chain(k, h, shift, head, n, t);
    if (!o.extrapolate) return a;
    const double b = 1.0 - upper_survival_chain(k, h, shift, head, n, 2 * t);
    return std::clamp((4.0 * b - a) / 3.0, 0.0, 1.0);
}

inline double combine_arl(double up, double down, CusumSides sides) {
    if (sides == CusumSides::upper) return up;
    if (sides == CusumSides::lower) return down;
    return 1.0 / (1.0 / up + 1.0 / down);
}

/// The h in (0, 1e4] where g(h) = 0, g increasing (a log-ratio of ARLs or probabilities): a
/// bracket by doubling or halving from h = 1, then the Illinois variant of regula falsi to a
/// relative width of 1e-7; returns the upper end of the final bracket (g >= 0 there).
template <class G>
double solve_increasing(G g, const char* what) {
    double lo = 1.0, hi = 1.0, glo = g(1.0), ghi = glo;
    if (ghi < 0) {
        while (ghi < 0) {
            lo = hi;
            glo = ghi;
            hi *= 2.0;
            if (hi > 1e4) fail_argument(what, "no threshold below 1e4 reaches it");
            ghi = g(hi);
        }
    } else {
        while (glo >= 0) {
            hi = lo;
            ghi = glo;
            lo *= 0.5;
            if (lo < 1e-9) return hi;
            glo = g(lo);
        }
    }
    int side = 0;
    for (int it = 0; it < 200 && hi - lo > 1e-7 * hi; ++it) {
        double h = hi - ghi * (hi - lo) / (ghi - glo);
        if (!(h > lo && h < hi)) h = 0.5 * (lo + hi);
        const double gh = g(h);
        if (gh < 0) {
            lo = h;
            glo = gh;
            if (side == -1) ghi *= 0.5;
            side = -1;
        } else {
            hi = h;
            ghi = gh;
            if (side == 1) glo *= 0.5;
            side = 1;
        }
    }
    return hi;
}

// ---- score CUSUMs ---------------------------------------------------------------------------

inline void check_scores(const ScoreDistribution& s) {
    if (s.score.empty() || s.score.size() != s.probability.size())
        fail_argument("scores", "need as many probabilities as scores, at least one");
    double total = 0.0, mean = 0.0;
    bool positive = false;
    for (std::size_t i = 0; i < s.score.size(); ++i) {
        if (!std::isfinite(s.score[i])) fail_argument("scores", i, "must be finite");
        if (!(s.probability[i] >= 0.0)) fail_argument("probabilities", i, "must be >= 0");
        total += s.probability[i];
        mean += s.probability[i] * s.score[i];
        positive |= s.score[i] > 0 && s.probability[i] > 0;
    }
    if (std::fabs(total - 1.0) > 1e-9) fail_argument("probabilities", "must sum to 1, got " + std::to_string(total));
    if (!positive) fail_argument("scores", "no positive score: the CUSUM can never signal");
}

inline std::size_t default_states(std::size_t states) { return states == 0 ? 1000 : std::max<std::size_t>(states, 10); }

/// (I − R) of the score chain in band storage: row i holds columns [i − lower, i + upper].
struct Band {
    std::size_t n = 0, lower = 0, upper = 0;
    std::vector<double> a;  // n × (lower + upper + 1)
    double& at(std::size_t i, std::size_t j) { return a[i * (lower + upper + 1) + (j + lower - i)]; }
};

inline Band score_chain(const ScoreDistribution& s, double h, std::size_t t) {
    const double d = h / static_cast<double>(t);
    // states 0..t at values 0, d, ..., h (t + 1 states); above h signals
    const std::size_t n = t + 1;
    double maxup = 0.0, maxdown = 0.0;
    for (double w : s.score) {
        maxup = std::max(maxup, w);
        maxdown = std::max(maxdown, -w);
    }
    Band B;
    B.n = n;
    B.upper = std::min(n - 1, static_cast<std::size_t>(std::ceil(maxup / d)) + 1);
    B.lower = std::min(n - 1, static_cast<std::size_t>(std::ceil(maxdown / d)) + 1);
    B.a.assign(n * (B.lower + B.upper + 1), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        B.at(i, i) += 1.0;
        for (std::size_t m = 0; m < s.score.size(); ++m) {
            const double q = s.probability[m];
            if (q == 0.0) continue;
            const double v = std::max(0.0, static_cast<double>(i) * d + s.score[m]);
            if (v > h) continue;
            const double x = v / d;
            auto j = static_cast<std::size_t>(std::floor(x));
            if (j > t) j = t;
            const double f = x - static_cast<double>(j);
            B.at(i, j) -= q * (1.0 - f);
            if (f > 0.0 && j + 1 <= t) B.at(i, j + 1) -= q * f;
        }
    }
    return B;
}

/// Banded Gaussian elimination without pivoting (I − R is diagonally dominant by rows).
inline std::vector<double> solve_band(Band B, std::vector<double> b) {
    const std::size_t n = B.n;
    for (std::size_t c = 0; c < n; ++c) {
        const double piv = B.at(c, c);
        if (!(std::fabs(piv) > 0.0)) fail_argument("h", "the Markov chain is singular (the CUSUM never signals)");
        const std::size_t rmax = std::min(n - 1, c + B.lower);
        const std::size_t jmax = std::min(n - 1, c + B.upper);
        for (std::size_t r = c + 1; r <= rmax; ++r) {
            double& arc = B.at(r, c);
            if (arc == 0.0) continue;
            const double f = arc / piv;
            arc = 0.0;
            // fill-in stays within the band: r − c <= lower, j − c <= upper → j − r <= upper
            for (std::size_t j = c + 1; j <= jmax; ++j) B.at(r, j) -= f * B.at(c, j);
            b[r] -= f * b[c];
        }
    }
    for (std::size_t c = n; c-- > 0;) {
        double s = b[c];
        const std::size_t jmax = std::min(n - 1, c + B.upper);
        for (std::size_t j = c + 1; j <= jmax; ++j) s -= B.at(c, j) * b[j];
        b[c] = s / B.at(c, c);
    }
    return b;
}

inline std::uint64_t splitmix(std::uint64_t& s) noexcept {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

inline void check_odds_ratio(double r, const char* what) {
    if (!(r > 0.0) || !std::isfinite(r) || r == 1.0) fail_argument(what, "must be a positive number other than 1");
}

}  // namespace detail::arl

inline double cusum_arl(double k, double h, double shift, CusumSides sides, double head, const MarkovOptions& o) {
    detail::arl::check_k_h(k, h);
    if (!std::isfinite(shift)) fail_argument("shift", "must be finite");
    if (!(head >= 0.0) || !(head < h)) fail_argument("head_start", "must be >= 0 and below h");
    const double up = sides == CusumSides::lower ? 0.0 : detail::arl::upper_arl(k, h, shift, head, o);
    const double down = sides == CusumSides::upper ? 0.0
                        : (shift == 0.0 && sides == CusumSides::two_sided) ? up  // the two sides are mirror images
                                                                           : detail::arl::upper_arl(k, h, -shift, head, o);
    return detail::arl::combine_arl(up, down, sides);
}

inline double cusum_arl_siegmund(double k, double h, double shift, CusumSides sides) {
    detail::arl::check_k_h(k, h);
    auto one = [&](double delta) {
        const double D = delta - k, b = h + 1.166;
        if (D == 0.0) return b * b;
        return (std::exp(-2.0 * D * b) + 2.0 * D * b - 1.0) / (2.0 * D * D);
    };
    return detail::arl::combine_arl(one(shift), one(-shift), sides);
}

inline double cusum_threshold(double arl0, double k, CusumSides sides, double head, const MarkovOptions& o) {
    if (!(arl0 > 1.0) || !std::isfinite(arl0)) fail_argument("arl0", "must be a finite number above 1");
    if (!(k >= 0.0) || !std::isfinite(k)) fail_argument("k", "must be a finite number >= 0");
    if (!(head >= 0.0)) fail_argument("head_start", "must be >= 0");
    return detail::arl::solve_increasing(
        [&](double h) { return head >= h ? -1e300 : std::log(cusum_arl(k, h, 0.0, sides, head, o) / arl0); }, "arl0");
}

inline double cusum_false_alarm_probability(double k, double h, std::size_t horizon, CusumSides sides, double head,
                                            const MarkovOptions& o) {
    detail::arl::check_k_h(k, h);
    if (horizon == 0) fail_argument("horizon", "must be at least 1 point");
    if (!(head >= 0.0) || !(head < h)) fail_argument("head_start", "must be >= 0 and below h");
    const double up = sides == CusumSides::lower ? 0.0 : detail::arl::upper_false_alarm(k, h, 0.0, head, horizon, o);
    if (sides == CusumSides::upper) return up;
    const double down = sides == CusumSides::two_sided ? up : detail::arl::upper_false_alarm(k, h, 0.0, head, horizon, o);
    if (sides == CusumSides::lower) return down;
    return 1.0 - (1.0 - up) * (1.0 - down);
}

inline double cusum_threshold_for_false_alarm(double probability, std::size_t horizon, double k, CusumSides sides,
                                              double head, const MarkovOptions& o) {
    if (!(probability > 0.0 && probability < 1.0)) fail_argument("probability", "must be between 0 and 1");
    if (horizon == 0) fail_argument("horizon", "must be at least 1 point");
    // the false-alarm probability falls as h grows: find the smallest h with P <= probability
    return detail::arl::solve_increasing(
        [&](double h) {
            return head >= h ? -1e300 : std::log(probability / cusum_false_alarm_probability(k, h, horizon, sides, head, o));
        },
        "probability");
}

inline ScoreDistribution bernoulli_scores(double p0, double odds_ratio) {
    if (!(p0 > 0.0 && p0 < 1.0)) fail_argument("p0", "must be between 0 and 1 (exclusive)");
    detail::arl::check_odds_ratio(odds_ratio, "odds_ratio");
    // qicharts2 getp(): odds0 = p0/(1 − p0), odds1 = or·odds0, p1 = odds1/(1 + odds1)
    const double odds0 = p0 / (1 - p0), odds1 = odds_ratio * odds0, p1 = odds1 / (1 + odds1);
    return {{std::log(p1 / p0), std::log((1 - p1) / (1 - p0))}, {p0, 1 - p0}};
}

inline ScoreDistribution risk_adjusted_scores(std::span<const double> risks, double odds_ratio, double null_ratio) {
    detail::arl::check_odds_ratio(odds_ratio, "odds_ratio");
    if (!(null_ratio > 0.0) || !std::isfinite(null_ratio)) fail_argument("odds_ratio_null", "must be positive");
    if (odds_ratio == null_ratio) fail_argument("odds_ratio", "must differ from odds_ratio_null");
    std::map<double, std::size_t> counts;
    std::size_t J = 0;
    for (std::size_t i = 0; i < risks.size(); ++i) {
        const double p = risks[i];
        if (p != p) continue;
        if (!(p >= 0.0 && p <= 1.0)) fail_argument("risks", i, "must be a probability between 0 and 1");
        ++counts[p];
        ++J;
    }
    if (J == 0) fail_argument("risks", "needs at least one risk (the expected patient mix)");
    std::map<double, double> dist;
    for (const auto& [p, c] : counts) {
        const double share = static_cast<double>(c) / static_cast<double>(J);
        const double base = 1 - p + null_ratio * p, alt = 1 - p + odds_ratio * p;
        dist[std::log((base * odds_ratio) / (alt * null_ratio))] += share * p;  // death
        dist[std::log(base / alt)] += share * (1 - p);                          // survival
    }
    ScoreDistribution s;
    for (const auto& [w, q] : dist)
        if (q > 0) {
            s.score.push_back(w);
            s.probability.push_back(q);
        }
    return s;
}

inline double score_cusum_arl(const ScoreDistribution& s, double h, std::size_t states) {
    detail::arl::check_scores(s);
    if (!(h > 0.0) || !std::isfinite(h)) fail_argument("h", "must be a positive number");
    const std::size_t t = detail::arl::default_states(states);
    auto B = detail::arl::score_chain(s, h, t);
    const auto L = detail::arl::solve_band(std::move(B), std::vector<double>(t + 1, 1.0));
    return L[0];
}

inline double score_cusum_threshold(const ScoreDistribution& s, double arl0, std::size_t states) {
    detail::arl::check_scores(s);
    if (!(arl0 > 1.0) || !std::isfinite(arl0)) fail_argument("arl0", "must be a finite number above 1");
    return detail::arl::solve_increasing([&](double h) { return std::log(score_cusum_arl(s, h, states) / arl0); }, "arl0");
}

inline double score_cusum_false_alarm_probability(const ScoreDistribution& s, double h, std::size_t horizon,
                                                  std::size_t states) {
    detail::arl::check_scores(s);
    if (!(h > 0.0) || !std::isfinite(h)) fail_argument("h", "must be a positive number");
    if (horizon == 0) fail_argument("horizon", "must be at least 1 point");
    const std::size_t t = detail::arl::default_states(states);
    const double d = h / static_cast<double>(t);
    // survival vector v_m(i) = P(no signal within m points | start at state i)
    std::vector<double> v(t + 1, 1.0), nv(t + 1);
    for (std::size_t step = 0; step < horizon; ++step) {
        for (std::size_t i = 0; i <= t; ++i) {
            double acc = 0.0;
            for (std::size_t m = 0; m < s.score.size(); ++m) {
                const double val = std::max(0.0, static_cast<double>(i) * d + s.score[m]);
                if (val > h) continue;
                const double x = val / d;
                auto j = static_cast<std::size_t>(std::floor(x));
                if (j > t) j = t;
                const double f = x - static_cast<double>(j);
                acc += s.probability[m] * ((1.0 - f) * v[j] + (f > 0.0 && j + 1 <= t ? f * v[j + 1] : 0.0));
            }
            nv[i] = acc;
        }
        v.swap(nv);
    }
    return std::clamp(1.0 - v[0], 0.0, 1.0);
}

inline double score_cusum_threshold_for_false_alarm(const ScoreDistribution& s, double probability,
                                                    std::size_t horizon, std::size_t states) {
    detail::arl::check_scores(s);
    if (!(probability > 0.0 && probability < 1.0)) fail_argument("probability", "must be between 0 and 1");
    return detail::arl::solve_increasing(
        [&](double h) { return std::log(probability / score_cusum_false_alarm_probability(s, h, horizon, states)); },
        "probability");
}

inline SimulatedArl simulate_score_cusum_arl(const ScoreDistribution& s, double h, std::size_t runs, std::uint64_t seed,
                                             std::uint64_t max_length) {
    detail::arl::check_scores(s);
    if (!(h > 0.0) || !std::isfinite(h)) fail_argument("h", "must be a positive number");
    if (runs < 2) fail_argument("runs", "must be at least 2");
    std::vector<double> cum(s.probability.size());
    double c = 0.0;
    for (std::size_t m = 0; m < cum.size(); ++m) cum[m] = (c += s.probability[m]);
    cum.back() = 1.0;
    std::uint64_t state = seed;
    SimulatedArl r;
    r.runs = runs;
    double sum = 0.0, sum2 = 0.0;
    for (std::size_t k = 0; k < runs; ++k) {
        double x = 0.0;
        std::uint64_t len = 0;
        while (len < max_length) {
            ++len;
            const double u = static_cast<double>(detail::arl::splitmix(state) >> 11) * 0x1.0p-53;
            const std::size_t m = static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), u) - cum.begin());
            x = std::max(0.0, x + s.score[std::min(m, cum.size() - 1)]);
            if (x > h) break;
        }
        if (!(x > h)) ++r.censored;
        const auto L = static_cast<double>(len);
        sum += L;
        sum2 += L * L;
    }
    const auto n = static_cast<double>(runs);
    r.arl = sum / n;
    r.standard_error = std::sqrt(std::max(0.0, (sum2 - sum * sum / n) / (n - 1.0)) / n);
    return r;
}

inline double bernoulli_cusum_arl(double p0, double odds_ratio, double limit, std::size_t states) {
    const double up = score_cusum_arl(bernoulli_scores(p0, odds_ratio), limit, states);
    const double down = score_cusum_arl(bernoulli_scores(p0, 1.0 / odds_ratio), limit, states);
    return 1.0 / (1.0 / up + 1.0 / down);
}

}  // namespace qm::monitor
