#pragma once
// qm/stats/sum.hpp — accurate sums and means that skip missing values (NaN).
//
// Synopsis
//   struct qm::stats::MeanCount { double mean; std::size_t count; };
//   MeanCount qm::stats::mean_skip_nan(std::span<const double> x)
//   MeanCount qm::stats::mean_abs_diff_skip_nan(std::span<const double> x)          mean |x[i]-x[i-1]|
//   MeanCount qm::stats::mean_abs_diff_below(std::span<const double> x, double limit) ... only those < limit
//
// Why: SPC rules compare points with the centre line exactly, so a point that lies on the mean
// must be seen as on the mean, as R sees it. R's mean() sums in long double and adds a
// correction pass; we accumulate in double-double (Ogita–Rump–Oishi "Sum2": TwoSum per
// element, four independent lanes so the CPU overlaps them) and divide with an exact
// remainder, which gives the correctly rounded mean in all but pathological cases, at about
// the speed of one plain pass. Do not compile with -ffast-math (it removes the error terms).

#include <cmath>
#include <limits>
#include <cstddef>
#include <span>

namespace qm::stats {

struct MeanCount {
    double mean;        ///< NaN when count == 0
    std::size_t count;  ///< number of values used
};

namespace detail {

/// Double-double accumulator: hi + lo carries the running sum to about 106 bits.
struct DD {
    double hi = 0.0, lo = 0.0;
    void add(double x) noexcept {
        const double s = hi + x;
        const double bb = s - hi;
        lo += (hi - (s - bb)) + (x - bb);
        hi = s;
    }
    void add(const DD& o) noexcept {
        add(o.hi);
        lo += o.lo;
    }
};

/// The correctly rounded quotient (hi + lo) / n.
inline double dd_div(const DD& s, std::size_t n) noexcept {
    if (n == 0) return std::numeric_limits<double>::quiet_NaN();
    const double dn = static_cast<double>(n);
    const double hi = s.hi + s.lo;
    const double lo = s.lo - (hi - s.hi);
    double m = hi / dn;
    const double r = std::fma(-m, dn, hi) + lo;  // exact remainder of the first division, plus lo
    m += r / dn;
    return m;
}

/// Four-lane accurate sum of f(i) over i in [0, n), skipping terms for which keep(i) is false.
template <class Term>
inline MeanCount lanes_mean(std::size_t n, Term term) noexcept {
    DD acc[4];
    std::size_t cnt[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int l = 0; l < 4; ++l) {
            double v;
            const bool ok = term(i + static_cast<std::size_t>(l), v);
            acc[l].add(ok ? v : 0.0);
            cnt[l] += ok;
        }
    }
    for (; i < n; ++i) {
        double v;
        const bool ok = term(i, v);
        acc[0].add(ok ? v : 0.0);
        cnt[0] += ok;
    }
    acc[0].add(acc[1]);
    acc[2].add(acc[3]);
    acc[0].add(acc[2]);
    const std::size_t c = cnt[0] + cnt[1] + cnt[2] + cnt[3];
    return {dd_div(acc[0], c), c};
}

}  // namespace detail

/// Mean of the non-missing values (NaN = missing), correctly rounded in practice.
inline MeanCount mean_skip_nan(std::span<const double> x) noexcept {
    const double* p = x.data();
    return detail::lanes_mean(x.size(), [p](std::size_t i, double& v) {
        v = p[i];
        return v == v;
    });
}

/// Mean of the moving ranges |x[i] - x[i-1]|, i >= 1, skipping any that touch a missing value.
inline MeanCount mean_abs_diff_skip_nan(std::span<const double> x) noexcept {
    if (x.size() < 2) return {std::numeric_limits<double>::quiet_NaN(), 0};
    const double* p = x.data();
    return detail::lanes_mean(x.size() - 1, [p](std::size_t i, double& v) {
        v = std::fabs(p[i + 1] - p[i]);
        return v == v;
    });
}

/// Mean of the moving ranges strictly below `limit` (screening), skipping missing ones.
inline MeanCount mean_abs_diff_below(std::span<const double> x, double limit) noexcept {
    if (x.size() < 2) return {std::numeric_limits<double>::quiet_NaN(), 0};
    const double* p = x.data();
    return detail::lanes_mean(x.size() - 1, [p, limit](std::size_t i, double& v) {
        v = std::fabs(p[i + 1] - p[i]);
        return v < limit;  // false for NaN
    });
}

}  // namespace qm::stats
