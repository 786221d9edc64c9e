// The bitwise rule kernel (64 points at a time) must give exactly the flags and point types of
// the reference kernel (one point at a time, the definition) on every input: random series
// drawn from small alphabets so that ties, points on the centre line, runs and missing values
// are frequent, with random lengths (word boundaries), rule lengths and directions.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <qm/spc/xmr.hpp>

namespace {

using namespace qm::spc;
using qm::Improvement;
using qm::PointType;

struct Case {
    std::vector<double> y;
    XmrOptions o;
    Improvement dir;
};

Case random_case(std::mt19937_64& rng) {
    Case c;
    std::uniform_int_distribution<int> len_d(1, 300), alpha_d(2, 7), pct(0, 99);
    const int n = len_d(rng), alphabet = alpha_d(rng);
    const int nan_pct = pct(rng) < 30 ? 0 : pct(rng) % 15;
    const int level_pct = pct(rng) % 10;
    std::uniform_int_distribution<int> sym(0, alphabet - 1);
    double level = 0;
    for (int i = 0; i < n; ++i) {
        if (pct(rng) < level_pct) level = (pct(rng) % 5) - 2;
        double v = sym(rng) + level;
        if (pct(rng) < 8) v += (pct(rng) % 2 ? 1 : -1) * 20.0;  // outliers beyond the limits
        if (pct(rng) < nan_pct) v = std::numeric_limits<double>::quiet_NaN();
        c.y.push_back(v);
    }
    c.o.shift_length = static_cast<std::size_t>(2 + pct(rng) % 12);
    c.o.trend_length = static_cast<std::size_t>(3 + pct(rng) % 10);
    if (pct(rng) < 10) c.o.shift_length = 62;
    if (pct(rng) < 10) c.o.trend_length = 62;
    c.o.rules = static_cast<RuleFlags>(pct(rng) < 60 ? rules::mdc : 1 + pct(rng) % 15);
    c.o.screen_moving_ranges = pct(rng) < 70;
    const int d = pct(rng) % 3;
    c.dir = d == 0 ? Improvement::increase : (d == 1 ? Improvement::decrease : Improvement::neutral);
    return c;
}

TEST(SpcKernel, BitwiseEqualsReferenceOnRandomSeries) {
    std::mt19937_64 rng(20261126);
    int compared = 0, flagged = 0;
    for (int iter = 0; iter < 4000; ++iter) {
        Case c = random_case(rng);
        const std::size_t n = c.y.size();
        ASSERT_TRUE(detail::bitwise_supported(c.o));
        const auto L = detail::xmr_limits(c.y.data(), n, c.o);
        // also use centre values that coincide with data points, to exercise "on the line"
        auto L2 = L;
        if (n > 3 && c.y[n / 2] == c.y[n / 2]) L2.centre = c.y[n / 2];
        for (const auto& lim : {L, L2}) {
            std::vector<RuleFlags> f_ref(n), f_bit(n, 0xFFFF);
            std::vector<PointType> t_ref(n), t_bit(n, PointType{7});
            detail::xmr_rules_reference(c.y.data(), n, lim, c.o, f_ref.data());
            detail::xmr_point_types_reference(c.y.data(), n, lim.centre, c.dir, f_ref.data(), t_ref.data());
            detail::xmr_rules_bitwise(c.y.data(), n, lim, c.o, c.dir, f_bit.data(), t_bit.data());
            for (std::size_t i = 0; i < n; ++i) {
                ASSERT_EQ(int(f_ref[i]), int(f_bit[i])) << "iteration " << iter << " point " << i << " of " << n
                                                        << " shift " << c.o.shift_length << " trend "
                                                        << c.o.trend_length << " rules " << int(c.o.rules);
                ASSERT_EQ(int(t_ref[i]), int(t_bit[i])) << "iteration " << iter << " point " << i << " of " << n;
                flagged += f_ref[i] != 0;
            }
            ++compared;
        }
    }
    EXPECT_EQ(compared, 8000);
    EXPECT_GT(flagged, 10000);  // the cases do exercise the rules
}

TEST(SpcKernel, LongRuleLengthsUseTheReferenceKernel) {
    XmrOptions o;
    o.shift_length = 63;
    EXPECT_FALSE(detail::bitwise_supported(o));
    // and xmr() still works: 70 points above a centre pulled down by 10 low points
    std::vector<double> y(10, 0.0);
    for (int i = 0; i < 70; ++i) y.push_back(1.0 + (i % 2) * 0.001);
    auto r = xmr(y, {}, o);
    // centre = 70.035/80 < 1: all 70 high points are one run of 70 >= 63
    for (std::size_t i = 10; i < 80; ++i) EXPECT_TRUE(r.flags[i] & rules::shift) << i;
}

}  // namespace
