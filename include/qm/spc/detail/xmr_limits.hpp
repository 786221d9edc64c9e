#pragma once
// qm/spc/detail/xmr_limits.hpp — the centre, mean moving range and limits of one XmR phase.

#include <cmath>
#include <cstddef>
#include <limits>

#include <qm/spc/options.hpp>
#include <qm/stats/sum.hpp>

namespace qm::spc::detail {

struct PhaseLimits {
    double centre, amr, lower, upper, lower1, upper1, lower2, upper2;
    std::size_t n_used, n_mr, n_screened;
};

// ------------------------------------------------------------------------------------------
// Limits. The first pass sums the values in double-double (TwoSum per element, in four
// independent lanes the compiler packs into vector operations) and the moving ranges in eight
// plain lanes; the mean is the correctly rounded quotient, so a point that lies on the mean is
// seen on it, as R's long-double mean() sees it. A second pass, only with screening, sums the
// moving ranges below the screening limit. A missing value turns the fast sums into NaN, and
// only then do we take the slower path that skips missing values.
// ------------------------------------------------------------------------------------------

template <bool SkipNaN>
inline void xmr_sums_first(const double* y, std::size_t n, stats::detail::DD& sx, double& cx, double& sd,
                           double& cd) noexcept {
    constexpr int W = 4;
    double hi[W] = {}, lo[W] = {}, b[W] = {}, ca[W] = {}, cb[W] = {};
    auto two_sum = [](double& h, double& l, double x) {
        const double s = h + x, bb = s - h;
        l += (h - (s - bb)) + (x - bb);
        h = s;
    };
    std::size_t i = 1;
    for (; i + W <= n; i += W)
        for (int l = 0; l < W; ++l) {
            const double x = y[i + l], d = std::fabs(x - y[i + l - 1]);
            if constexpr (SkipNaN) {
                const bool ox = x == x, od = d == d;
                two_sum(hi[l], lo[l], ox ? x : 0.0);
                ca[l] += ox ? 1.0 : 0.0;
                b[l] += od ? d : 0.0;
                cb[l] += od ? 1.0 : 0.0;
            } else {
                two_sum(hi[l], lo[l], x);
                b[l] += d;
            }
        }
    for (; i < n; ++i) {
        const double x = y[i], d = std::fabs(x - y[i - 1]);
        const bool ox = !SkipNaN || x == x, od = !SkipNaN || d == d;
        two_sum(hi[0], lo[0], ox ? x : 0.0);
        ca[0] += ox ? 1.0 : 0.0;
        b[0] += od ? d : 0.0;
        cb[0] += od ? 1.0 : 0.0;
    }
    const bool o0 = !SkipNaN || y[0] == y[0];
    sx = {};
    sx.add(o0 ? y[0] : 0.0);
    cx = o0 ? 1.0 : 0.0;
    sd = cd = 0.0;
    for (int l = 0; l < W; ++l) {
        sx.add(stats::detail::DD{hi[l], lo[l]});
        sd += b[l];
        cx += ca[l];
        cd += cb[l];
    }
    if constexpr (!SkipNaN) {
        cx = static_cast<double>(n);
        cd = static_cast<double>(n - 1);
    }
}

/// Second pass (screening): the sum and number of moving ranges below `thr` (NaN never is).
inline void xmr_sums_screened(const double* y, std::size_t n, double thr, double& sd, double& cd) noexcept {
    constexpr int W = 8;
    double b[W] = {}, cb[W] = {};
    std::size_t i = 1;
    for (; i + W <= n; i += W) {
        // three short loops rather than one: GCC turns the single loop into branches
        double d[W];
        for (int l = 0; l < W; ++l) d[l] = std::fabs(y[i + l] - y[i + l - 1]);
        for (int l = 0; l < W; ++l) b[l] += d[l] < thr ? d[l] : 0.0;
        for (int l = 0; l < W; ++l) cb[l] += d[l] < thr ? 1.0 : 0.0;
    }
    for (; i < n; ++i) {
        const double d = std::fabs(y[i] - y[i - 1]);
        const bool keep = d < thr;  // false for NaN
        b[0] += keep ? d : 0.0;
        cb[0] += keep ? 1.0 : 0.0;
    }
    sd = cd = 0.0;
    for (int l = 0; l < W; ++l) {
        sd += b[l];
        cd += cb[l];
    }
}

inline PhaseLimits xmr_limits(const double* y, std::size_t n, const XmrOptions& o) noexcept {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    stats::detail::DD sx{};
    double cx = 0, sd = 0, cd = 0;
    if (n > 0) {
        xmr_sums_first<false>(y, n, sx, cx, sd, cd);
        if (!(sx.hi == sx.hi) || !(sd == sd))  // a missing value somewhere (infinities are rejected earlier)
            xmr_sums_first<true>(y, n, sx, cx, sd, cd);
    }
    const double mean = stats::detail::dd_div(sx, static_cast<std::size_t>(cx));
    double amr = cd > 0 ? sd / cd : nan;
    std::size_t n_mr = static_cast<std::size_t>(cd), n_screened = 0;
    if (o.screen_moving_ranges && cd > 0) {
        double sk = 0, ck = 0;
        xmr_sums_screened(y, n, o.screen_multiplier * amr, sk, ck);
        n_screened = n_mr - static_cast<std::size_t>(ck);
        n_mr = static_cast<std::size_t>(ck);
        amr = ck > 0 ? sk / ck : nan;
    }
    const double c = mean, a = amr, k = o.limit_multiplier;
    const double k2 = 2.0 * (k / 3.0), k1 = k / 3.0;  // the 2σ and 1σ multipliers, as R computes them
    return {c, a, c - k * a, c + k * a, c - k1 * a, c + k1 * a, c - k2 * a, c + k2 * a,
            static_cast<std::size_t>(cx), n_mr, n_screened};
}

}  // namespace qm::spc::detail
