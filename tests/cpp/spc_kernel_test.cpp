// The bitwise rule kernel (64 points at a time) must give exactly the flags and point types of
// the reference kernel (one point at a time, the definition) on every input: random series
// drawn from small alphabets so that ties, points on the centre line, runs and missing values
// are frequent, with random lengths (word boundaries), rule lengths and directions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <utility>
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
        const auto L = detail::xmr_limits(c.y.data(), n, c.o, nullptr);
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

namespace {

// The first pass of the XmR limits, one missing-value mask per element throughout: the
// definition the fast path (blocks first tried without masks) must reproduce bit for bit.
// Lanes as the kernel lays them out: element i >= 1 of the vector part (i < covered, a multiple
// of 4 elements) goes to lane (i - 1) mod 4; then the 0-3 elements after it to lanes 0, 1, 2 and
// row 0's value to lane 3; a missing value adds +0.0 to its lane. The lanes are merged as
// (0 + 2) + (1 + 3).
detail::FirstPass masked_first_pass(const double* y, std::size_t n) {
    using qm::stats::detail::DD;
    detail::FirstPass r;
    if (n == 0) return r;
    DD lx[4], ld[4];
    double nx = 0, nd = 0, mx = 0, md = 0;
    auto put = [&](std::size_t l, double x, double prev) {
        const double d = std::fabs(x - prev);
        const bool ox = x == x, od = d == d;
        lx[l].add(ox ? x : 0.0);
        ld[l].add(od ? d : 0.0);
        nx += ox;
        nd += od;
        mx = std::max(mx, ox ? std::fabs(x) : 0.0);
        md = std::max(md, od ? d : 0.0);
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::size_t i = 1;
    for (; i + 4 <= n; i += 4)
        for (std::size_t l = 0; l < 4; ++l) put(l, y[i + l], y[i + l - 1]);
    for (std::size_t l = 0; i + l < n; ++l) put(l, y[i + l], y[i + l - 1]);
    put(3, y[0], nan);
    auto merge = [](DD a, DD b) {
        a.add(b);
        return a;
    };
    r.sum_x = merge(merge(lx[0], lx[2]), merge(lx[1], lx[3]));
    r.sum_d = merge(merge(ld[0], ld[2]), merge(ld[1], ld[3]));
    r.n_x = nx, r.n_d = nd, r.max_x = mx, r.max_d = md;
    return r;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST(SpcKernel, FirstPassFastBlocksEqualTheMaskedDefinition) {
    // Random lengths across block (64) and vector (4) boundaries; no, few or many missing
    // values, runs of them, one at row 0 or at a block edge; an occasional infinity; values
    // from 1e-3 to 1e6 so the low words of the sums matter. Some series are long and built so
    // that blocks added by Fast2Sum (once the sums outweigh the values) meet what it must not
    // take: values around zero, a level that changes sign (the sums fall back through zero),
    // and outliers late on, larger than the margin the last block left.
    std::mt19937_64 rng(4242);
    std::uniform_int_distribution<int> pct(0, 99);
    std::normal_distribution<double> z(0.0, 1.0);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int iter = 0; iter < 3000; ++iter) {
        const std::size_t n = 1 + rng() % (pct(rng) < 20 ? 3000 : 400);
        const int nan_pct = pct(rng) < 40 ? 0 : pct(rng) % 20;
        const double scale = std::pow(10.0, static_cast<double>(pct(rng) % 10) - 3);
        const int shape = pct(rng) % 4;  // 0 a level, 1 around zero, 2 a level with late outliers, 3 sign change
        std::vector<double> y(n);
        for (std::size_t j = 0; j < n; ++j) {
            double v = shape == 1 ? scale * z(rng) : scale * (100 + z(rng));
            if (shape == 2 && j > n / 2 && pct(rng) < 2) v *= (pct(rng) % 2 ? 1e4 : -1e3);
            if (shape == 3 && j > n / 3) v = -1.5 * v;
            y[j] = pct(rng) < nan_pct ? nan : v;
        }
        if (pct(rng) < 10) y[rng() % n] = nan;
        if (pct(rng) < 10 && n > 65) y[64 + (rng() % 2)] = nan;
        if (pct(rng) < 3) y[rng() % n] = pct(rng) % 2 ? std::numeric_limits<double>::infinity() : -1e300;
        std::vector<double> block_max(detail::xmr_block_count(n), -1.0);
        const auto got = detail::xmr_first_pass(y.data(), n, block_max.data()), want = masked_first_pass(y.data(), n);
        // each block's largest and second largest moving range (missing ones left out, as 0; the
        // two equal when the largest occurs twice): the top two of the block's ranges, sorted
        for (std::size_t j0 = 1; j0 < got.covered; j0 += detail::xmr_block) {
            std::vector<double> d{0.0, 0.0};
            for (std::size_t j = j0; j < std::min(j0 + detail::xmr_block, got.covered); ++j)
                if (const double v = std::fabs(y[j] - y[j - 1]); v == v) d.push_back(v);
            std::sort(d.begin(), d.end(), std::greater<>());
            const double* bm = block_max.data() + 2 * ((j0 - 1) / detail::xmr_block);
            ASSERT_TRUE(same_bits(bm[0], d[0])) << "iteration " << iter << " block " << j0;
            ASSERT_TRUE(same_bits(bm[1], d[1])) << "iteration " << iter << " block " << j0 << ": " << bm[1] << " vs " << d[1];
        }
        ASSERT_EQ(got.covered, n < 5 ? std::size_t{1} : 1 + (n - 1) / 4 * 4) << "iteration " << iter;
        for (auto [a, b] : {std::pair{got.sum_x.hi, want.sum_x.hi}, std::pair{got.sum_x.lo, want.sum_x.lo},
                            std::pair{got.sum_d.hi, want.sum_d.hi}, std::pair{got.sum_d.lo, want.sum_d.lo},
                            std::pair{got.n_x, want.n_x}, std::pair{got.n_d, want.n_d},
                            std::pair{got.max_x, want.max_x}, std::pair{got.max_d, want.max_d}})
            ASSERT_TRUE(same_bits(a, b)) << "iteration " << iter << " n " << n << ": " << a << " vs " << b;
    }
}

TEST(SpcKernel, ScreeningSubtractsOnlyTheBlocksThatReachTheThreshold) {
    // The screened mean moving range from xmr_limits (with and without the block maxima) against
    // its definition: the mean of the moving ranges strictly below 3.267 x the unscreened mean,
    // missing ones left out — summed here in long double, one at a time.
    std::mt19937_64 rng(77);
    std::uniform_int_distribution<int> pct(0, 99);
    std::normal_distribution<double> z(0.0, 1.0);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    XmrOptions o;  // screening on, 3.267
    int screened_cases = 0;
    for (int iter = 0; iter < 2000; ++iter) {
        // 1 in 50 long enough for several chunks of 1,024 blocks (the last one partial)
        const std::size_t n = iter % 50 == 0 ? 32'000 + rng() % 70'000 : 2 + rng() % 500;
        std::vector<double> y(n);
        for (auto& v : y) v = pct(rng) < 3 ? nan : 50 + z(rng) * (pct(rng) < 4 ? 8.0 : 1.0);
        if (pct(rng) < 5) std::fill(y.begin(), y.end(), 7.0);  // every moving range 0: all screened
        // whole numbers: tied moving ranges, also at the top of a block (a block's largest and
        // second largest equal, both at or above the threshold)
        if (pct(rng) < 25)
            for (auto& v : y) v = std::round(v);
        long double s = 0;
        double cnt = 0;
        for (std::size_t j = 1; j < n; ++j) {
            const double d = std::fabs(y[j] - y[j - 1]);
            if (d == d) s += d, cnt += 1;
        }
        const double amr0 = static_cast<double>(s / cnt), thr = o.screen_multiplier * amr0;
        long double s2 = 0;
        std::size_t kept = 0;
        for (std::size_t j = 1; j < n; ++j) {
            const double d = std::fabs(y[j] - y[j - 1]);
            if (d < thr) s2 += d, ++kept;
        }
        if (cnt == 0) continue;
        std::vector<double> block_max(detail::xmr_block_count(n));
        const auto with = detail::xmr_limits(y.data(), n, o, block_max.data());
        const auto without = detail::xmr_limits(y.data(), n, o, nullptr);
        ASSERT_EQ(with.n_mr, kept) << "iteration " << iter;
        ASSERT_EQ(with.n_screened, static_cast<std::size_t>(cnt) - kept) << "iteration " << iter;
        ASSERT_TRUE(same_bits(with.amr, without.amr)) << "iteration " << iter;
        if (kept == 0) {
            ASSERT_TRUE(std::isnan(with.amr)) << "iteration " << iter;
        } else {
            const double want = static_cast<double>(s2 / static_cast<long double>(kept));
            ASSERT_NEAR(with.amr, want, 1e-14 * want) << "iteration " << iter;
        }
        screened_cases += kept < static_cast<std::size_t>(cnt);
    }
    EXPECT_GT(screened_cases, 1000);  // most cases do screen something out
}

TEST(SpcKernel, ScreenedMeanMovingRangeStaysAccurateBesideHugeOutliers) {
    // Moving ranges near 1 and a few outliers of 1e8 ... 1e290 that screening drops: subtracting
    // the dropped ones from the sum of all would leave an error at the outliers' scale (about
    // 2^-106 of it), so beyond 2^24 times the kept sum the kept ranges are summed again. The
    // screened mean against its definition, the kept ranges summed in long double.
    std::mt19937_64 rng(2718);
    std::normal_distribution<double> z(0.0, 1.0);
    XmrOptions o;
    for (double scale : {1e8, 1e15, 1e17, 1e25, 1e100, 1e290}) {
        for (int iter = 0; iter < 50; ++iter) {
            std::vector<double> y(300);
            for (auto& v : y) v = 50 + z(rng);
            for (int k = 0; k < 3; ++k) y[rng() % y.size()] = scale * (1 + 0.1 * z(rng));
            const std::size_t n = y.size();
            long double all = 0;
            for (std::size_t j = 1; j < n; ++j) all += std::fabs(y[j] - y[j - 1]);
            const double amr0 = static_cast<double>(all / static_cast<long double>(n - 1));
            const double thr = o.screen_multiplier * amr0;
            long double kept = 0;
            std::size_t count = 0;
            for (std::size_t j = 1; j < n; ++j)
                if (const double d = std::fabs(y[j] - y[j - 1]); d < thr) kept += d, ++count;
            std::vector<double> block_max(detail::xmr_block_count(n));
            const auto L = detail::xmr_limits(y.data(), n, o, block_max.data());
            ASSERT_EQ(L.n_mr, count) << scale;
            const double want = static_cast<double>(kept / static_cast<long double>(count));
            ASSERT_NEAR(L.amr, want, 1e-15 * want) << "scale " << scale << " iteration " << iter;
        }
    }
}
