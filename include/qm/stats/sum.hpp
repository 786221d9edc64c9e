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

#include <qm/stats/detail/lanes.hpp>

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

/// w·x − p exactly, for p = w·x rounded, w a whole number below 2^26 in each lane: Dekker's
/// two-product without an fma, w splitting exactly (its low half 0), so two of its four terms are
/// left out. Exact where no term underflows and the split of x stays finite (|x| ≤ 1e300: x ·
/// 134217729 ≤ 1.35e308); the callers check both.
inline v2d product_error_by_whole2(v2d x, v2d w, v2d p) noexcept {
    const v2d c = splat2(134217729.0) * x;  // Dekker's split of x: xh (26 bits) + xl
    const v2d xh = c - (c - x), xl = x - xh;
    return (xh * w - p) + xl * w;
}

/// dd_div for two double-double sums at once (hi, lo two-wide), each by n (a whole number below
/// 2^26), without an fma: the remainder hi − m·n that dd_div takes by one fma is (hi − p) − e here,
/// p + e = m·n exactly (e = product_error_by_whole2(m, n, p)). Both subtractions are exact (hi − p
/// by Sterbenz's lemma, p being within an ulp of hi; then the
/// remainder of a correctly rounded quotient is itself a double), so the bits are dd_div's where
/// `exact` is set: both |hi + lo| at least 2^-900 (no product term underflows) and both quotients at
/// most 1e300 (the split of m, up to 1e300 · 134217729, stays finite). Elsewhere (a zero or tiny sum,
/// a quotient beyond the inputs' 1e300) the caller uses dd_div.
inline v2d dd_div2(v2d s_hi, v2d s_lo, double n, bool& exact) noexcept {
    const v2d dn = splat2(n);
    const v2d hi = s_hi + s_lo;
    const v2d lo = s_lo - (hi - s_hi);
    v2d m = hi / dn;
    exact = !any2(or2(le2(abs2(hi), splat2(0x1p-900)), lt2(splat2(1e300), abs2(m)))) && !any2(ne2(hi, hi));
    const v2d p = m * dn;
    const v2d r = ((hi - p) - product_error_by_whole2(m, dn, p)) + lo;
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

/// lanes_mean with the four lanes as two two-wide accumulators: terms(i) gives the terms i, i + 1
/// and kept(terms) their mask; a dropped term adds +0.0 to its lane, as lanes_mean adds `ok ? v : 0.0`.
/// The same IEEE operations on the same lanes, so the same bits; term(i, v) is lanes_mean's term,
/// for the tail (lane 0).
template <class Terms, class Kept, class Term>
inline MeanCount lanes_mean2(std::size_t n, Terms terms, Kept kept, Term term) noexcept {
    DD2 a, b;  // lanes 0, 1 and 2, 3
    v2d ca = splat2(0.0), cb = splat2(0.0);
    const v2d one = splat2(1.0);
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v2d x0 = terms(i), x1 = terms(i + 2);
        const v2i k0 = kept(x0), k1 = kept(x1);
        a.add(keep2(k0, x0));
        b.add(keep2(k1, x1));
        ca += keep2(k0, one);
        cb += keep2(k1, one);
    }
    DD acc[4] = {{lane(a.hi, 0), lane(a.lo, 0)}, {lane(a.hi, 1), lane(a.lo, 1)}, {lane(b.hi, 0), lane(b.lo, 0)},
                 {lane(b.hi, 1), lane(b.lo, 1)}};
    std::size_t c = static_cast<std::size_t>(lane(ca, 0) + lane(ca, 1) + lane(cb, 0) + lane(cb, 1));
    for (; i < n; ++i) {
        double v;
        const bool ok = term(i, v);
        acc[0].add(ok ? v : 0.0);
        c += ok;
    }
    acc[0].add(acc[1]);
    acc[2].add(acc[3]);
    acc[0].add(acc[2]);
    return {dd_div(acc[0], c), c};
}

}  // namespace detail

/// Mean of the non-missing values (NaN = missing), correctly rounded in practice.
inline MeanCount mean_skip_nan(std::span<const double> x) noexcept {
    using namespace detail;
    const double* p = x.data();
    return lanes_mean2(
        x.size(), [p](std::size_t i) { return load2(p + i); }, [](v2d v) { return is_number2(v); },
        [p](std::size_t i, double& v) {
            v = p[i];
            return v == v;
        });
}

/// Mean of the moving ranges |x[i] - x[i-1]|, i >= 1, skipping any that touch a missing value.
inline MeanCount mean_abs_diff_skip_nan(std::span<const double> x) noexcept {
    using namespace detail;
    if (x.size() < 2) return {std::numeric_limits<double>::quiet_NaN(), 0};
    const double* p = x.data();
    return lanes_mean2(
        x.size() - 1, [p](std::size_t i) { return abs2(load2(p + i + 1) - load2(p + i)); },
        [](v2d v) { return is_number2(v); },
        [p](std::size_t i, double& v) {
            v = std::fabs(p[i + 1] - p[i]);
            return v == v;
        });
}

/// Mean of the moving ranges strictly below `limit` (screening), skipping missing ones.
inline MeanCount mean_abs_diff_below(std::span<const double> x, double limit) noexcept {
    using namespace detail;
    if (x.size() < 2) return {std::numeric_limits<double>::quiet_NaN(), 0};
    const double* p = x.data();
    const v2d lim = splat2(limit);
    return lanes_mean2(
        x.size() - 1, [p](std::size_t i) { return abs2(load2(p + i + 1) - load2(p + i)); },
        [lim](v2d v) { return less2(v, lim); },
        [p, limit](std::size_t i, double& v) {
            v = std::fabs(p[i + 1] - p[i]);
            return v < limit;  // false for NaN
        });
}

}  // namespace qm::stats
