#pragma once
// qm/spc/detail/xmr_limits.hpp — the centre, mean moving range and limits of one XmR phase.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include <qm/spc/options.hpp>
#include <qm/stats/detail/lanes.hpp>
#include <qm/stats/sum.hpp>

namespace qm::spc::detail {

struct PhaseLimits {
    double centre, amr, lower, upper, lower1, upper1, lower2, upper2;
    std::size_t n_used, n_mr, n_screened;
    double largest = 0;  ///< the largest magnitude of a value in the baseline (inf included)
};

// ------------------------------------------------------------------------------------------
// Limits in one pass over the baseline, plus a second only when screening removes something.
// The values and the moving ranges are summed in double-double (TwoSum per element) in four
// lanes of two-wide vectors, missing values masked out, so both means are the correctly
// rounded quotients — as R's long-double mean() gives them — and a point that lies on the
// mean is seen on it. The largest moving range is tracked too: when it is below the screening
// threshold nothing is screened and the second pass is skipped (the result is the same).
// ------------------------------------------------------------------------------------------

struct FirstPass {
    stats::detail::DD sum_x, sum_d;
    double n_x = 0, n_d = 0, max_d = 0, max_x = 0;
};

inline FirstPass xmr_first_pass(const double* y, std::size_t n) noexcept {
    using namespace stats::detail;
    FirstPass r;
    if (n == 0) return r;
    DD2 sx0, sx1, sd0, sd1;
    v2d cx0 = splat2(0), cx1 = splat2(0), cd0 = splat2(0), cd1 = splat2(0), m0 = splat2(0), m1 = splat2(0);
    v2d a0 = splat2(0), a1 = splat2(0);
    const v2d one = splat2(1.0);
    std::size_t i = 1;
    // Blocks of up to 64 values. First without the missing-value masks (a third fewer
    // operations): a NaN or an infinity anywhere in the block makes its sums non-finite, and
    // only then is the block done again from the saved accumulators with the masks. Both give
    // the same bits when every value is a number: the same additions in the same lanes.
    while (i + 4 <= n) {
        const std::size_t stop = i + std::min<std::size_t>(64, (n - i) / 4 * 4);
        DD2 tx0 = sx0, tx1 = sx1, td0 = sd0, td1 = sd1;
        v2d tm0 = m0, tm1 = m1, ta0 = a0, ta1 = a1;
        for (std::size_t j = i; j < stop; j += 4) {
            prefetch_ahead(y + j, 256);
            const v2d x0 = load2(y + j), x1 = load2(y + j + 2);
            const v2d d0 = abs2(x0 - load2(y + j - 1)), d1 = abs2(x1 - load2(y + j + 1));
            tx0.add(x0);
            tx1.add(x1);
            ta0 = max2(ta0, abs2(x0));
            ta1 = max2(ta1, abs2(x1));
            td0.add(d0);
            td1.add(d1);
            tm0 = max2(tm0, d0);
            tm1 = max2(tm1, d1);
        }
        const v2d all = (tx0.hi + tx0.lo) + (tx1.hi + tx1.lo) + (td0.hi + td0.lo) + (td1.hi + td1.lo);
        if (all2(is_number2(all - all))) {
            sx0 = tx0, sx1 = tx1, sd0 = td0, sd1 = td1;
            m0 = tm0, m1 = tm1, a0 = ta0, a1 = ta1;
            const double k = static_cast<double>((stop - i) / 4);
            cx0 += splat2(k), cx1 += splat2(k), cd0 += splat2(k), cd1 += splat2(k);
            i = stop;
            continue;
        }
        for (; i < stop; i += 4) {
            const v2d x0 = load2(y + i), x1 = load2(y + i + 2);
            const v2d d0 = abs2(x0 - load2(y + i - 1)), d1 = abs2(x1 - load2(y + i + 1));
            const v2i ox0 = is_number2(x0), ox1 = is_number2(x1), od0 = is_number2(d0), od1 = is_number2(d1);
            const v2d kx0 = keep2(ox0, x0), kx1 = keep2(ox1, x1);
            sx0.add(kx0);
            sx1.add(kx1);
            a0 = max2(a0, abs2(kx0));
            a1 = max2(a1, abs2(kx1));
            const v2d k0 = keep2(od0, d0), k1 = keep2(od1, d1);
            sd0.add(k0);
            sd1.add(k1);
            cx0 += keep2(ox0, one);
            cx1 += keep2(ox1, one);
            cd0 += keep2(od0, one);
            cd1 += keep2(od1, one);
            m0 = max2(m0, k0);
            m1 = max2(m1, k1);
        }
    }
    for (const DD2* acc : {&sx0, &sx1})
        for (int k = 0; k < 2; ++k) r.sum_x.add(DD{lane(acc->hi, k), lane(acc->lo, k)});
    for (const DD2* acc : {&sd0, &sd1})
        for (int k = 0; k < 2; ++k) r.sum_d.add(DD{lane(acc->hi, k), lane(acc->lo, k)});
    for (int k = 0; k < 2; ++k) {
        r.n_x += lane(cx0, k) + lane(cx1, k);
        r.n_d += lane(cd0, k) + lane(cd1, k);
        r.max_d = std::max({r.max_d, lane(m0, k), lane(m1, k)});
        r.max_x = std::max({r.max_x, lane(a0, k), lane(a1, k)});
    }
    auto scalar = [&](std::size_t j) {
        const double x = y[j];
        if (x == x) {
            r.sum_x.add(x);
            r.n_x += 1;
            r.max_x = std::max(r.max_x, std::fabs(x));
        }
        if (j == 0) return;
        const double d = std::fabs(x - y[j - 1]);
        if (d == d) {
            r.sum_d.add(d);
            r.n_d += 1;
            r.max_d = std::max(r.max_d, d);
        }
    };
    scalar(0);
    for (; i < n; ++i) scalar(i);
    return r;
}

/// Second pass (screening): the double-double sum and number of moving ranges below `thr`.
inline void xmr_screened_pass(const double* y, std::size_t n, double thr, stats::detail::DD& sum,
                              double& count) noexcept {
    using namespace stats::detail;
    DD2 s0, s1;
    v2d c0 = splat2(0), c1 = splat2(0);
    const v2d one = splat2(1.0), t = splat2(thr);
    std::size_t i = 1;
    for (; i + 4 <= n; i += 4) {
        prefetch_ahead(y + i, 256);
        const v2d d0 = abs2(load2(y + i) - load2(y + i - 1)), d1 = abs2(load2(y + i + 2) - load2(y + i + 1));
        const v2i k0 = less2(d0, t), k1 = less2(d1, t);  // false for NaN
        s0.add(keep2(k0, d0));
        s1.add(keep2(k1, d1));
        c0 += keep2(k0, one);
        c1 += keep2(k1, one);
    }
    sum = {};
    count = 0;
    for (const DD2* acc : {&s0, &s1})
        for (int k = 0; k < 2; ++k) sum.add(DD{lane(acc->hi, k), lane(acc->lo, k)});
    for (int k = 0; k < 2; ++k) count += lane(c0, k) + lane(c1, k);
    for (; i < n; ++i) {
        const double d = std::fabs(y[i] - y[i - 1]);
        if (d < thr) {
            sum.add(d);
            count += 1;
        }
    }
}

inline PhaseLimits xmr_limits(const double* y, std::size_t n, const XmrOptions& o) noexcept {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    const FirstPass f = xmr_first_pass(y, n);
    const double mean = stats::detail::dd_div(f.sum_x, static_cast<std::size_t>(f.n_x));
    double amr = f.n_d > 0 ? stats::detail::dd_div(f.sum_d, static_cast<std::size_t>(f.n_d)) : nan;
    std::size_t n_mr = static_cast<std::size_t>(f.n_d), n_screened = 0;
    if (o.screen_moving_ranges && f.n_d > 0) {
        const double thr = o.screen_multiplier * amr;
        if (!(f.max_d < thr)) {  // something is screened out (or amr is 0: everything is)
            stats::detail::DD sk;
            double ck = 0;
            xmr_screened_pass(y, n, thr, sk, ck);
            n_screened = n_mr - static_cast<std::size_t>(ck);
            n_mr = static_cast<std::size_t>(ck);
            amr = ck > 0 ? stats::detail::dd_div(sk, static_cast<std::size_t>(ck)) : nan;
        }
    }
    const double c = mean, a = amr, k = o.limit_multiplier;
    const double k2 = 2.0 * (k / 3.0), k1 = k / 3.0;  // the 2σ and 1σ multipliers, as R computes them
    return {c, a, c - k * a, c + k * a, c - k1 * a, c + k1 * a, c - k2 * a, c + k2 * a,
            static_cast<std::size_t>(f.n_x), n_mr, n_screened, f.max_x};
}

}  // namespace qm::spc::detail
