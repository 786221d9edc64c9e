// Tests of the chart constants (qm/spc/constants.hpp) and the limits of every Shewhart chart
// (qm/spc/limits.hpp).
//
// Three kinds of expected values, never produced by the code under test:
//  1. published worked examples with their raw data (tests/reference/published/*.csv, each citing its
//     document, section and table), asserted to the digits printed there;
//  2. the real outputs of qicharts2 0.8.1 and qcc 3.0 on NHS A&E data (tests/reference/ae/);
//  3. hand calculations written next to the assertion.
// The last part checks that every kind of bad input is an error naming the argument and the row.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <qm/spc/chart.hpp>
#include <qm/spc/constants.hpp>
#include <qm/spc/limits.hpp>

#include "test_csv.hpp"
#include "test_support.hpp"

namespace {

namespace k = qm::spc::constants;
using qm::spc::ChartPhaseInput;
using qm::spc::ChartType;
using qm::spc::LimitOptions;
using qm::spc::LineColumns;
using qm::spc::PhaseChart;
using qm::spc::SubgroupStats;
using qm_test::Csv;
using qm_test::read_reference;

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `actual` printed to `decimals` decimal places gives `printed` (half a unit in the last place).
#define EXPECT_PRINTED(actual, printed, decimals)                                                              \
    EXPECT_LE(std::fabs((actual) - (printed)), 0.5 * std::pow(10.0, -(decimals)) * (1 + 1e-9))                 \
        << #actual << " = " << (actual) << ", printed " << (printed) << " (" << (decimals) << " decimals)"

/// `actual` printed to `digits` significant digits (R's print()) gives `printed`.
#define EXPECT_SIGNIFICANT(actual, printed, digits)                                                             \
    EXPECT_LE(std::fabs((actual) - (printed)),                                                                  \
              0.5 * std::pow(10.0, std::floor(std::log10(std::fabs(printed))) - (digits) + 1) * (1 + 1e-9))    \
        << #actual << " = " << (actual) << ", printed " << (printed) << " (" << (digits) << " significant)"

/// Relative difference, with NaN == NaN.
double rel_diff(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return 0;
    if (a == b) return 0;
    return std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
}

std::string sci(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

long long ulps(double a, double b) {
    long long n = 0;
    while (a != b && n < 1000) {
        a = std::nextafter(a, b);
        ++n;
    }
    return n;
}

std::vector<std::uint8_t> all_used(std::size_t n) { return std::vector<std::uint8_t>(n, 1); }

/// 1-based rows to leave out of the limits (the textbooks number samples from 1).
std::vector<std::uint8_t> used_except(std::size_t n, std::initializer_list<std::size_t> one_based) {
    auto u = all_used(n);
    for (auto r : one_based) u.at(r - 1) = 0;
    return u;
}

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

// ---------------------------------------------------------------------------------------------
// 1. Constants
// ---------------------------------------------------------------------------------------------

TEST(ChartConstants, ClosedForms) {
    const long double pi = 3.141592653589793238462643383279502884L;
    const long double sqrt_pi = std::sqrt(pi);
    // d2(2) = E|Z1 − Z2| = 2/√π; d2(3) = 3/√π; d2(4) = 12·atan(√2)/π^{3/2}; d2(5) = 5/(2√π)·(1 + 6·asin(1/3)/π)
    EXPECT_LE(ulps(k::d2(2), static_cast<double>(2 / sqrt_pi)), 1);
    EXPECT_LE(ulps(k::d2(3), static_cast<double>(3 / sqrt_pi)), 1);
    EXPECT_LE(ulps(k::d2(4), static_cast<double>(12 * std::atan(std::sqrt(2.0L)) / (pi * sqrt_pi))), 1);
    EXPECT_LE(ulps(k::d2(5), static_cast<double>(5 / (2 * sqrt_pi) * (1 + 6 * std::asin(1.0L / 3) / pi))), 1);
    // d3(2): Var|Z1 − Z2| = 2 − 4/π
    EXPECT_LE(ulps(k::d3(2), static_cast<double>(std::sqrt(2 - 4 / pi))), 1);
    // c4(2) = √(2/π), c4(3) = √π/2, c4(4) = 2√2/√(3π), c4(5) = (3/4)√(π/2)
    EXPECT_LE(ulps(k::c4(2), static_cast<double>(std::sqrt(2 / pi))), 1);
    EXPECT_LE(ulps(k::c4(3), static_cast<double>(sqrt_pi / 2)), 1);
    EXPECT_LE(ulps(k::c4(4), static_cast<double>(2 * std::sqrt(2.0L) / std::sqrt(3 * pi))), 1);
    EXPECT_LE(ulps(k::c4(5), static_cast<double>(0.75L * std::sqrt(pi / 2))), 1);
    // c4(n) = 1 − 1/(4n) − 7/(32n²) + O(n⁻³)
    const double n = 1e6;
    EXPECT_NEAR(k::c4(1000000), 1 - 1 / (4 * n) - 7 / (32 * n * n), 1e-16);
}

TEST(ChartConstants, MatchHighPrecisionValues) {
    // 25–40 significant digits from tests/reference/published/range_constants_mpmath.py
    const std::map<std::size_t, const char*> d2_ref{
        {2, "1.128379167095512573896159"},  {3, "1.692568750643268860844238"},  {4, "2.058750746007928264113973"},
        {5, "2.325928947281039225544536"},  {6, "2.534412721222942595298698"},  {7, "2.704356751213808798457844"},
        {10, "3.077505461670345712055064"}, {15, "3.471826889882074867334282"}, {20, "3.734950119596640969473786"},
        {25, "3.930629219507113161515215"}, {50, "4.498147258779700628801547"}, {75, "4.805984919598313635778655"},
        {100, "5.015187272883368745035988"}, {150, "5.298493488953188485402039"},
        {200, "5.492084894902308984824688"}};
    const std::map<std::size_t, const char*> d3_ref{
        {2, "0.8525024664274217299837"},  {3, "0.8883680040452042893994"},  {5, "0.8640819410995040746168"},
        {10, "0.7970506735194112451982"}, {25, "0.7084407658886550276173"}, {100, "0.6051791094878537817059"}};
    // Full double precision: within one unit in the last place of the correctly rounded value
    // (std::strtod rounds the decimal string correctly).
    for (const auto& [n, s] : d2_ref) EXPECT_LE(ulps(k::d2(n), std::strtod(s, nullptr)), 1) << "d2(" << n << ")";
    for (const auto& [n, s] : d3_ref) EXPECT_LE(ulps(k::d3(n), std::strtod(s, nullptr)), 1) << "d3(" << n << ")";
}

TEST(ChartConstants, MatchPublishedAstmTable) {
    // tests/reference/published/control_chart_constants_astm.csv: Walpole et al., Table A.22 (ASTM values).
    // Every entry is the exact constant rounded to the printed decimals, with these exceptions, each
    // asserted within one unit of the last printed digit:
    //  - D4(3) = 2.5746 and D4(5) = 2.1145 are printed 2.574 and 2.114 (the AIAG table prints 2.575, 2.115);
    //  - d3(19) = 0.73348 is printed 0.734, a double rounding of the four-decimal 0.7335, and D3(19) =
    //    0.40351, D4(19) = 1.59649 are printed 0.403, 1.597, computed from that rounded d3;
    //  - D4(18) = 1.60872 is printed 1.608 (next to D3(18) = 0.391: the two do not add up to 2).
    // The 1/c4 and 1/d2 columns are the reciprocals of the printed (rounded) c4 and d2.
    const Csv t = read_reference("published/control_chart_constants_astm.csv");
    ASSERT_EQ(t.rows.size(), 19u);
    auto decimals_of = [](const std::string& printed) {
        const auto dot = printed.find('.');
        return dot == std::string::npos ? 0 : static_cast<int>(printed.size() - dot - 1);
    };
    auto round_to = [](double v, int decimals) { return std::round(v * std::pow(10.0, decimals)) / std::pow(10.0, decimals); };
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        const auto n = static_cast<std::size_t>(t.num(r, "n"));
        const double c4 = k::c4(n), c5 = std::sqrt(1 - c4 * c4);
        const std::map<std::string, double> ours{
            {"A2", k::A2(n)}, {"A3", k::A3(n)}, {"c4", c4},     {"B3", k::B3(n)},
            {"B4", k::B4(n)}, {"B5", std::max(0.0, c4 - 3 * c5)}, {"B6", c4 + 3 * c5},
            {"d2", k::d2(n)}, {"d3", k::d3(n)}, {"D3", k::D3(n)}, {"D4", k::D4(n)}};
        for (const auto& [name, value] : ours) {
            const std::string printed = t.str(r, name);
            const double p = std::stod(printed);
            const int decimals = decimals_of(printed);
            if (printed == "0") {  // the factor is clipped at zero
                EXPECT_EQ(value, 0.0) << name << "(" << n << ")";
                continue;
            }
            const bool table_quirk = (name == "D4" && (n == 3 || n == 5 || n == 18 || n == 19)) ||
                                     (n == 19 && (name == "d3" || name == "D3"));
            if (table_quirk)
                EXPECT_LE(std::fabs(value - p), std::pow(10.0, -decimals)) << name << "(" << n << ")";
            else
                EXPECT_PRINTED(value, p, decimals) << " for " << name << "(" << n << ")";
        }
        const std::string pc4 = t.str(r, "c4"), pd2 = t.str(r, "d2");
        EXPECT_PRINTED(1 / round_to(c4, decimals_of(pc4)), t.num(r, "inv_c4"), 4) << " 1/c4(" << n << ")";
        EXPECT_PRINTED(1 / round_to(k::d2(n), decimals_of(pd2)), t.num(r, "inv_d2"), 4) << " 1/d2(" << n << ")";
    }
}

TEST(ChartConstants, PublishedD2IsTheThreeDecimalTable) {
    // qcc 3.0 R/utilities.R, .qcc.options$exp.R.unscaled: the printed three-decimal d2 for n = 2..25
    const double table[] = {1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258, 3.336,
                            3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931};
    for (std::size_t n = 2; n <= 25; ++n) EXPECT_EQ(k::d2_published(n), table[n - 2]) << "n = " << n;
}

TEST(ChartConstants, DerivedFactorsFollowTheirDefinitions) {
    for (std::size_t n : {2u, 3u, 5u, 7u, 10u, 25u, 100u, 200u}) {
        const double nn = static_cast<double>(n);
        EXPECT_DOUBLE_EQ(k::A2(n), 3 / (k::d2(n) * std::sqrt(nn)));
        EXPECT_DOUBLE_EQ(k::A3(n), 3 / (k::c4(n) * std::sqrt(nn)));
        EXPECT_DOUBLE_EQ(k::D4(n), 1 + 3 * k::d3(n) / k::d2(n));
        EXPECT_DOUBLE_EQ(k::D3(n), std::max(0.0, 1 - 3 * k::d3(n) / k::d2(n)));
        const double c4 = k::c4(n);
        EXPECT_NEAR(k::B4(n), 1 + 3 * std::sqrt(1 - c4 * c4) / c4, 1e-13);
        EXPECT_NEAR(k::B3(n), std::max(0.0, 1 - 3 * std::sqrt(1 - c4 * c4) / c4), 1e-13);
    }
    EXPECT_EQ(k::D3(6), 0.0);  // 1 − 3·d3/d2 < 0 up to n = 6
    EXPECT_GT(k::D3(7), 0.0);
    EXPECT_EQ(k::B3(5), 0.0);
    EXPECT_GT(k::B3(6), 0.0);
}

TEST(ChartConstants, RejectSizesOutsideTheirRange) {
    EXPECT_NE(error_of([] { k::d2(1); }).find("n: subgroup size must be between 2 and 200, got 1"), std::string::npos);
    EXPECT_THROW(k::d2(201), qm::invalid_argument);
    EXPECT_THROW(k::d3(0), qm::invalid_argument);
    EXPECT_THROW(k::c4(1), qm::invalid_argument);
    EXPECT_THROW(k::A2(1), qm::invalid_argument);
    EXPECT_NO_THROW(k::c4(5000));
}

TEST(ChartConstants, FirstUseFromManyThreads) {
    // Each d3(n) is computed on first use under std::call_once: concurrent first calls agree.
    std::vector<double> a(40), b(40);
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < 4; ++t)
            pool.emplace_back([&, t] {
                for (std::size_t n = 160; n < 200; ++n) (t % 2 ? a : b)[n - 160] = k::d3(n) + k::d2(n);
            });
    }
    EXPECT_EQ(a, b);
    for (std::size_t n = 160; n < 200; ++n) EXPECT_EQ(a[n - 160], k::d3(n) + k::d2(n));
}

// ---------------------------------------------------------------------------------------------
// 2. Subgroup statistics
// ---------------------------------------------------------------------------------------------

struct LongFormat {
    std::vector<double> obs;
    std::vector<std::size_t> offsets;
};

LongFormat piston_rings() {
    const Csv c = read_reference("published/montgomery_6_3_piston_rings.csv");
    LongFormat lf;
    lf.offsets.push_back(0);
    std::string prev;
    for (std::size_t r = 0; r < c.rows.size(); ++r) {
        const std::string s = c.str(r, "sample");
        if (r > 0 && s != prev) lf.offsets.push_back(lf.obs.size());
        prev = s;
        lf.obs.push_back(c.num(r, "diameter"));
    }
    lf.offsets.push_back(lf.obs.size());
    return lf;
}

TEST(SubgroupStats, PistonRingMeansAndSdsAsPrintedInTable63) {
    // Montgomery, Introduction to SQC, Table 6.3: x̄_i (3 decimals) and s_i (4 decimals) of
    // samples 1–16 as printed beside the data.
    const LongFormat lf = piston_rings();
    const SubgroupStats s = qm::spc::subgroup_stats(lf.obs, lf.offsets);
    ASSERT_EQ(s.count(), 25u);
    const double mean[] = {74.010, 74.001, 74.008, 74.003, 74.003, 73.996, 74.000, 73.997,
                           74.004, 73.998, 73.994, 74.001, 73.998, 73.990, 74.006, 73.997};
    const double sd[] = {0.0148, 0.0075, 0.0147, 0.0091, 0.0122, 0.0087, 0.0055, 0.0123,
                         0.0055, 0.0063, 0.0029, 0.0042, 0.0105, 0.0153, 0.0073, 0.0078};
    for (std::size_t g = 0; g < 16; ++g) {
        EXPECT_EQ(s.size[g], 5u);
        EXPECT_PRINTED(s.mean[g], mean[g], 3) << " sample " << g + 1;
        EXPECT_PRINTED(s.sd[g], sd[g], 4) << " sample " << g + 1;
    }
    // sample 1: 74.030 74.002 74.019 73.992 74.008 → R = 74.030 − 73.992
    EXPECT_DOUBLE_EQ(s.range[0], 74.030 - 73.992);
}

TEST(SubgroupStats, TwoThreadsGiveTheSameBitsAndTheSameError) {
    // 40,000 subgroups of 1-8 observations (about 180,000: enough for two chunks), some missing,
    // some subgroups empty; the threaded statistics against the one-thread ones, bit for bit.
    std::mt19937_64 rng(99);
    std::uniform_int_distribution<int> size(0, 8), pct(0, 99);
    std::normal_distribution<double> z(50.0, 5.0);
    std::vector<double> obs;
    std::vector<std::size_t> off{0};
    for (int g = 0; g < 40000; ++g) {
        const int m = size(rng);
        for (int j = 0; j < m; ++j) obs.push_back(pct(rng) < 3 ? NaN : z(rng));
        off.push_back(obs.size());
    }
    ASSERT_GT(obs.size(), 100000u);
    namespace lim = qm::spc::detail::limits;
    const SubgroupStats one = lim::subgroup_stats_of(obs, off, true, 1), two = lim::subgroup_stats_of(obs, off, true, 2);
    ASSERT_EQ(one.count(), 40000u);
    ASSERT_EQ(two.count(), 40000u);
    auto same = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
    for (std::size_t g = 0; g < one.count(); ++g) {
        ASSERT_EQ(one.size[g], two.size[g]) << g;
        ASSERT_TRUE(same(one.mean[g], two.mean[g]) && same(one.range[g], two.range[g]) && same(one.sd[g], two.sd[g]))
            << g;
    }
    // two bad observations, one in each half: the error names the first, whichever thread sees one
    obs[obs.size() / 4] = std::numeric_limits<double>::infinity();
    obs[obs.size() * 3 / 4] = -std::numeric_limits<double>::infinity();
    const std::string where = "obs[" + std::to_string(obs.size() / 4) + "]";
    for (unsigned t : {1u, 2u}) qm_test::expect_invalid([&] { (void)lim::subgroup_stats_of(obs, off, true, t); }, where);
}

TEST(SubgroupStats, PairsOfEqualSizeGiveTheBitsOfOneSubgroupAtATime) {
    // subgroup_stats_of takes subgroups of one size (2-64) two at a time, one in each lane of a
    // vector, and four at a time where the processor has AVX2 and FMA (quad_block; asked for both
    // ways here). Every subgroup computed alone (an offsets array of its own: no pair) must give the
    // same bits. The values are built to expose a different order of additions: cancelling large
    // terms (1e16 + 1 − 1e16), powers of two 2^-160 to 2^160 of either sign, magnitudes from 1e-300
    // to 1e300, subnormals, −0.0, whole numbers, and the occasional NaN that sends a pair back one at
    // a time. (A double-double sum carries about 106 bits, so a term in another lane than one()'s
    // changes a mean only in rare cases: a mutation doing that passed this test; a wrong quotient,
    // minimum or maximum fails it.)
    std::mt19937_64 rng(2026);
    std::uniform_int_distribution<int> size(1, 12), kind(0, 9), pct(0, 199);
    std::normal_distribution<double> z(0.0, 1.0);
    auto value = [&]() -> double {
        switch (kind(rng)) {
            case 0: return (z(rng) < 0 ? -1 : 1) * 1e16 + std::round(z(rng) * 3);
            case 1: return std::clamp(z(rng), -3.9, 3.9) * 1e300 / 4;  // (|x| ≤ 1e300 is valid)
            case 2: return z(rng) * 1e-300;
            case 3: return z(rng) * 4.9e-324 * 64;  // subnormal
            case 4: return -0.0;
            case 5: return std::round(z(rng) * 10);  // whole: means like 1.5, 2.5
            case 7:  // ±2^k: a lane's two words cannot hold them all, so the order decides what is kept
            case 8: return std::ldexp(z(rng) < 0 ? -1.0 : 1.0, static_cast<int>(std::lround(z(rng) * 40)));
            case 6: return pct(rng) < 3 ? NaN : 74 + z(rng) * 0.01;
            default: return 50 + z(rng) * 5;
        }
    };
    std::vector<double> obs;
    std::vector<std::size_t> off{0};
    for (int g = 0; g < 60000; ++g) {
        // pairs, and mostly quads (a quarter of them broken by a size of their own at the third subgroup)
        const bool repeat = g % 2 || (g % 4 == 2 && pct(rng) < 150);
        const int m = repeat ? static_cast<int>(off[off.size() - 1] - off[off.size() - 2]) : size(rng);
        const int k = kind(rng);  // one kind per subgroup sometimes, so that a whole pair is tiny or huge
        for (int j = 0; j < m; ++j) obs.push_back(k < 3 ? (k == 0 ? 1e-305 : k == 1 ? 3e298 : 1e-200) * (j + 1) : value());
        off.push_back(obs.size());
    }
    namespace lim = qm::spc::detail::limits;
    // (a NaN standard deviation — squares of 1e300 overflow — may differ in its sign: that of the
    // scalar path's own NaN differs between an -O0 and an -O2 build of the same code)
    auto same = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b); };
    for (bool four_wide : {true, false}) {
        const SubgroupStats all = lim::subgroup_stats_of(obs, off, true, 1, four_wide);
        std::size_t compared = 0;
        for (std::size_t g = 0; g + 1 < off.size(); ++g) {
            const std::vector<std::size_t> alone{0, off[g + 1] - off[g]};
            const SubgroupStats one =
                lim::subgroup_stats_of(std::span<const double>(obs).subspan(off[g], alone[1]), alone, true, 1);
            ASSERT_EQ(all.size[g], one.size[0]) << g;
            ASSERT_TRUE(same(all.mean[g], one.mean[0]))
                << g << ": " << all.mean[g] << " vs " << one.mean[0] << (four_wide ? ", four wide" : "");
            ASSERT_TRUE(same(all.range[g], one.range[0])) << g << (four_wide ? ", four wide" : "");
            ASSERT_TRUE(same(all.sd[g], one.sd[0])) << g << (four_wide ? ", four wide" : "");
            ++compared;
        }
        EXPECT_EQ(compared, 60000u);
        // without the standard deviations: the same means and ranges
        const SubgroupStats no_sd = lim::subgroup_stats_of(obs, off, false, 1, four_wide);
        EXPECT_TRUE(no_sd.sd.empty());
        for (std::size_t g = 0; g + 1 < off.size(); ++g)
            ASSERT_TRUE(same(all.mean[g], no_sd.mean[g]) && same(all.range[g], no_sd.range[g])) << g;
    }
    // a pair worked by hand: {1e16, 1, −1e16, 2, 3} sums to exactly 6, mean 1.2 (the double nearest;
    // a plain left-to-right sum gives 5: 1e16 + 1 rounds to 1e16). The doubles 0.1, 0.2, 0.3, 0.4, 0.5
    // sum to 1.5 + 2.78e-17 exactly; a fifth of it, 0.3 + 5.6e-18, is nearest the double 0.3
    // (0.3 − 1.1e-17; the next double up is 0.3 + 4.4e-17)
    const std::vector<double> two{1e16, 1, -1e16, 2, 3, 0.1, 0.2, 0.3, 0.4, 0.5};
    const std::vector<std::size_t> off2{0, 5, 10};
    const SubgroupStats t = qm::spc::subgroup_stats(two, off2);
    EXPECT_EQ(t.mean[0], 1.2);
    EXPECT_EQ(t.mean[1], 0.3);
    EXPECT_EQ(t.range[0], 2e16);
    EXPECT_EQ(t.range[1], 0.5 - 0.1);
}

TEST(SubgroupStats, DdDiv2IsDdDivInEachLane) {
    // dd_div2 (two quotients without an fma) against dd_div wherever it says it stands for it, on
    // double-double sums with a low word of any size and sign, and whole divisors 1-64.
    namespace sd = qm::stats::detail;
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> mant(-1.0, 1.0);
    std::uniform_int_distribution<int> expo(-890, 1000), div(1, 64);
    auto same = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
    std::size_t exact = 0;
    for (int t = 0; t < 200000; ++t) {
        const double h0 = std::ldexp(mant(rng), expo(rng)), h1 = std::ldexp(mant(rng), expo(rng));
        const double l0 = h0 * mant(rng) * 0x1p-53, l1 = h1 * mant(rng) * 0x1p-60;
        const double n = div(rng);
        bool ok = false;
        const sd::v2d q = sd::dd_div2(sd::make2(h0, h1), sd::make2(l0, l1), n, ok);
        if (!ok) continue;
        ++exact;
        ASSERT_TRUE(same(sd::lane(q, 0), sd::dd_div({h0, l0}, static_cast<std::size_t>(n)))) << h0 << " " << l0 << " " << n;
        ASSERT_TRUE(same(sd::lane(q, 1), sd::dd_div({h1, l1}, static_cast<std::size_t>(n)))) << h1 << " " << l1 << " " << n;
    }
    EXPECT_GT(exact, 190000u);
    bool ok = true;  // a zero or tiny sum: not claimed
    (void)sd::dd_div2(sd::make2(0.0, 1.0), sd::make2(0.0, 0.0), 5, ok);
    EXPECT_FALSE(ok);
    (void)sd::dd_div2(sd::make2(1.0, 1e-300), sd::make2(0.0, 0.0), 5, ok);
    EXPECT_FALSE(ok);
}

TEST(SubgroupStats, SkipMissingObservationsAndKeepEmptySubgroups) {
    const std::vector<double> obs{1, NaN, 3, /*g1*/ NaN, NaN, /*g2*/ 7, /*g3*/ 2, 4, 4, 4, 5, 5, 7, 9};
    const std::vector<std::size_t> off{0, 3, 5, 6, 6, 14};
    const SubgroupStats s = qm::spc::subgroup_stats(obs, off);
    ASSERT_EQ(s.count(), 5u);
    EXPECT_EQ(s.size[0], 2u);  // 1, 3
    EXPECT_EQ(s.mean[0], 2.0);
    EXPECT_EQ(s.range[0], 2.0);
    EXPECT_DOUBLE_EQ(s.sd[0], std::sqrt(2.0));  // ((1−2)² + (3−2)²)/1
    EXPECT_EQ(s.size[1], 0u);                   // only missing values
    EXPECT_TRUE(std::isnan(s.mean[1]) && std::isnan(s.range[1]) && std::isnan(s.sd[1]));
    EXPECT_EQ(s.size[2], 1u);  // one value: mean and range, no sd
    EXPECT_EQ(s.mean[2], 7.0);
    EXPECT_EQ(s.range[2], 0.0);
    EXPECT_TRUE(std::isnan(s.sd[2]));
    EXPECT_EQ(s.size[3], 0u);  // empty
    // 2 4 4 4 5 5 7 9: mean 5, Σ(x − 5)² = 32, s = √(32/7)
    EXPECT_EQ(s.mean[4], 5.0);
    EXPECT_EQ(s.range[4], 7.0);
    EXPECT_DOUBLE_EQ(s.sd[4], std::sqrt(32.0 / 7.0));
}

// ---------------------------------------------------------------------------------------------
// 3. Published worked examples
// ---------------------------------------------------------------------------------------------

struct Counts {
    std::vector<double> y, n;
};

Counts orange_juice(std::size_t first, std::size_t last) {  // 1-based, inclusive
    const Csv c = read_reference("published/montgomery_7_1_orange_juice_cans.csv");
    Counts out;
    for (std::size_t r = first - 1; r < last; ++r) {
        out.y.push_back(c.num(r, "nonconforming"));
        out.n.push_back(c.num(r, "cans"));
    }
    return out;
}

TEST(PublishedP, OrangeJuiceTrialLimits) {
    // Montgomery, Introduction to SQC, Example 7.1 (samples 1–30 of 50 cans): p̄ = 0.2313, UCL = 0.4102,
    // LCL = 0.0524; the same proportions are NIST/SEMATECH e-Handbook §6.3.3.2's wafer example (p̄ = .2313).
    // qcc 3.0 vignette ("A quick tour of qcc", docs/articles/qcc.html) prints for qcc(D[trial], type = "p"):
    // centre 0.2313333, standard deviation 0.05963526, LCL 0.05242755, UCL 0.4102391.
    const Counts d = orange_juice(1, 30);
    const PhaseChart r = qm::spc::chart_limits(ChartType::p, {.values = d.y, .denominators = d.n});
    EXPECT_PRINTED(r.info.centre, 0.2313, 4);
    EXPECT_PRINTED(r.lines.upper[0], 0.4102, 4);
    EXPECT_PRINTED(r.lines.lower[0], 0.0524, 4);
    EXPECT_SIGNIFICANT(r.info.centre, 0.2313333, 7);
    EXPECT_SIGNIFICANT(r.lines.upper_1sigma[0] - r.info.centre, 0.05963526, 7);
    EXPECT_SIGNIFICANT(r.lines.lower[0], 0.05242755, 7);
    EXPECT_SIGNIFICANT(r.lines.upper[0], 0.4102391, 7);
    EXPECT_EQ(r.info.n_used, 30u);
    EXPECT_DOUBLE_EQ(r.statistic[14], 22.0 / 50);  // sample 15
}

TEST(PublishedP, OrangeJuiceRevisedWithoutSamples15And23) {
    // Montgomery, Example 7.1 continued: samples 15 and 23 have assignable causes and are left out of
    // the revised limits (they stay on the chart): p̄ = 0.2150, UCL = 0.3893, LCL = 0.0407.
    // qcc vignette: centre 0.215, standard deviation 0.05809905, LCL 0.04070284, UCL 0.3892972.
    const Counts d = orange_juice(1, 30);
    const auto used = used_except(30, {15, 23});
    const PhaseChart r = qm::spc::chart_limits(ChartType::p, {.values = d.y, .denominators = d.n, .used = used});
    EXPECT_PRINTED(r.info.centre, 0.2150, 4);
    EXPECT_PRINTED(r.lines.upper[0], 0.3893, 4);
    EXPECT_PRINTED(r.lines.lower[0], 0.0407, 4);
    EXPECT_SIGNIFICANT(r.info.centre, 0.215, 7);
    EXPECT_SIGNIFICANT(r.lines.upper_1sigma[0] - r.info.centre, 0.05809905, 7);
    EXPECT_SIGNIFICANT(r.lines.lower[14], 0.04070284, 7);  // excluded points get the lines too
    EXPECT_SIGNIFICANT(r.lines.upper[22], 0.3892972, 7);
    EXPECT_EQ(r.info.n_used, 28u);
}

TEST(PublishedP, OrangeJuiceAfterTheMachineAdjustment) {
    // Montgomery, Example 7.1 continued (samples 31–54): p̄ = 0.1108, UCL = 0.2440, LCL = 0
    // (−0.0224 clipped). qcc vignette (orangejuice2 trial): 0.1108333, sd 0.04439579, LCL 0, UCL 0.2440207.
    const Counts d = orange_juice(31, 54);
    const PhaseChart r = qm::spc::chart_limits(ChartType::p, {.values = d.y, .denominators = d.n});
    EXPECT_PRINTED(r.info.centre, 0.1108, 4);
    EXPECT_PRINTED(r.lines.upper[0], 0.2440, 4);
    EXPECT_EQ(r.lines.lower[0], 0.0);
    EXPECT_SIGNIFICANT(r.info.centre, 0.1108333, 7);
    EXPECT_SIGNIFICANT(r.lines.upper_1sigma[0] - r.info.centre, 0.04439579, 7);
    EXPECT_SIGNIFICANT(r.lines.upper[0], 0.2440207, 7);
    // Without clipping the lower limit is the negative 3σ value.
    LimitOptions o;
    o.clip = false;
    const PhaseChart u = qm::spc::chart_limits(ChartType::p, {.values = d.y, .denominators = d.n}, o);
    EXPECT_NEAR(u.lines.lower[0], 0.1108333333333 - 3 * 0.04439579, 1e-7);
}

TEST(PublishedNp, OrangeJuiceTrialLimits) {
    // qcc vignette, qcc(D[trial], sizes = size[trial], type = "np") on Montgomery's Example 7.1 data:
    // centre 11.56667, standard deviation 2.981763, LCL 2.621377, UCL 20.51196.
    const Counts d = orange_juice(1, 30);
    const PhaseChart r = qm::spc::chart_limits(ChartType::np, {.values = d.y, .denominators = d.n});
    EXPECT_SIGNIFICANT(r.info.centre, 11.56667, 7);
    EXPECT_SIGNIFICANT(r.lines.centre[3], 11.56667, 7);
    EXPECT_SIGNIFICANT(r.lines.upper_1sigma[0] - r.lines.centre[0], 2.981763, 7);
    EXPECT_SIGNIFICANT(r.lines.lower[0], 2.621377, 7);
    EXPECT_SIGNIFICANT(r.lines.upper[0], 20.51196, 7);
    EXPECT_EQ(r.statistic[0], 12.0);
}

Counts circuit_boards() {
    const Csv c = read_reference("published/montgomery_7_3_circuit_boards.csv");
    return {c.column("nonconformities"), std::vector<double>(c.rows.size(), 100.0)};
}

TEST(PublishedC, CircuitBoards) {
    // Montgomery, Introduction to SQC, Example 7.3 (26 samples of 100 boards): c̄ = 516/26 =
    // 19.85, LCL = 6.48. qcc vignette, qcc(x[trial], type = "c"): centre 19.84615, standard deviation
    // 4.454902, LCL 6.481447, UCL 33.21086.
    const Counts d = circuit_boards();
    const PhaseChart r = qm::spc::chart_limits(ChartType::c, {.values = d.y});
    EXPECT_PRINTED(r.info.centre, 19.85, 2);
    EXPECT_PRINTED(r.lines.lower[0], 6.48, 2);
    EXPECT_SIGNIFICANT(r.info.centre, 19.84615, 7);
    EXPECT_SIGNIFICANT(r.info.sigma, 4.454902, 7);
    EXPECT_SIGNIFICANT(r.lines.lower[0], 6.481447, 7);
    EXPECT_SIGNIFICANT(r.lines.upper[0], 33.21086, 7);
}

TEST(PublishedC, CircuitBoardsRevisedWithoutSamples6And20) {
    // Montgomery, Example 7.3 continued: samples 6 and 20 left out: c̄ = 19.67, UCL = 32.97, LCL = 6.36.
    // qcc vignette: centre 19.66667, sd 4.434712, LCL 6.362532, UCL 32.9708; and as a u chart with
    // n = 100 boards: centre 0.1966667, LCL 0.06362532, UCL 0.329708.
    const Counts d = circuit_boards();
    const auto used = used_except(26, {6, 20});
    const PhaseChart r = qm::spc::chart_limits(ChartType::c, {.values = d.y, .used = used});
    EXPECT_PRINTED(r.info.centre, 19.67, 2);
    EXPECT_PRINTED(r.lines.upper[0], 32.97, 2);
    EXPECT_PRINTED(r.lines.lower[0], 6.36, 2);
    EXPECT_SIGNIFICANT(r.info.centre, 19.66667, 7);
    EXPECT_SIGNIFICANT(r.info.sigma, 4.434712, 7);
    EXPECT_SIGNIFICANT(r.lines.lower[5], 6.362532, 7);
    EXPECT_SIGNIFICANT(r.lines.upper[19], 32.9708, 6);  // printed "32.9708" (R drops the trailing 0)
    const PhaseChart u = qm::spc::chart_limits(ChartType::u, {.values = d.y, .denominators = d.n, .used = used});
    EXPECT_SIGNIFICANT(u.info.centre, 0.1966667, 7);
    EXPECT_SIGNIFICANT(u.lines.lower[0], 0.06362532, 7);
    EXPECT_SIGNIFICANT(u.lines.upper[0], 0.329708, 6);
}

TEST(PublishedU, PersonalComputers) {
    // Montgomery, Introduction to SQC, Example 7.4 (2nd ed. pp. 181–182): 20 samples of 5
    // computers, ū = 1.93, UCL = 3.79, LCL = 0.07. qcc vignette, qcc(x, sizes = size, type = "u"):
    // centre 1.93, LCL 0.06613305, UCL 3.793867.
    const Csv c = read_reference("published/montgomery_7_4_personal_computers.csv");
    const auto y = c.column("nonconformities"), n = c.column("units");
    const PhaseChart r = qm::spc::chart_limits(ChartType::u, {.values = y, .denominators = n});
    EXPECT_PRINTED(r.info.centre, 1.93, 2);
    EXPECT_PRINTED(r.lines.upper[0], 3.79, 2);
    EXPECT_PRINTED(r.lines.lower[0], 0.07, 2);
    EXPECT_SIGNIFICANT(r.info.centre, 1.93, 7);
    EXPECT_SIGNIFICANT(r.lines.lower[0], 0.06613305, 7);
    EXPECT_SIGNIFICANT(r.lines.upper[0], 3.793867, 7);
    EXPECT_DOUBLE_EQ(r.statistic[0], 10.0 / 5);
}

ChartPhaseInput subgroup_input(const SubgroupStats& s) { return {.subgroups = s.view()}; }

TEST(PublishedXbar, PistonRingsXbarAndRChart) {
    // Montgomery, Introduction to SQC, Example 6.1 (Table 6.3, 25 samples of 5): x̿ = 74.001, R̄ = 0.023,
    // x̄ chart UCL = 74.014, LCL = 73.988 (x̿ ± A2·R̄).
    const LongFormat lf = piston_rings();
    const SubgroupStats s = qm::spc::subgroup_stats(lf.obs, lf.offsets);
    const PhaseChart x = qm::spc::chart_limits(ChartType::xbar_r, subgroup_input(s));
    EXPECT_PRINTED(x.info.centre, 74.001, 3);
    EXPECT_PRINTED(x.info.dispersion, 0.023, 3);
    EXPECT_PRINTED(x.lines.upper[0], 74.014, 3);
    EXPECT_PRINTED(x.lines.lower[0], 73.988, 3);
    // x̿ ± A2·R̄ with the computed A2(5)
    EXPECT_NEAR(x.lines.upper[0], x.info.centre + k::A2(5) * x.info.dispersion, 1e-12);
    // qcc vignette, qcc(diameter[1:25,], type = "xbar") (std.dev "UWAVE-R" = R̄/2.326, the printed d2):
    // centre 74.00118, standard deviation 0.009785039, LCL 73.98805, UCL 74.0143.
    LimitOptions qcc;
    qcc.published_d2 = true;
    const PhaseChart q = qm::spc::chart_limits(ChartType::xbar_r, subgroup_input(s), qcc);
    EXPECT_SIGNIFICANT(q.info.centre, 74.00118, 7);
    EXPECT_SIGNIFICANT(q.info.sigma, 0.009785039, 7);
    EXPECT_SIGNIFICANT(q.lines.lower[0], 73.98805, 7);
    EXPECT_SIGNIFICANT(q.lines.upper[0], 74.0143, 6);
    // qcc vignette, qcc(diameter[1:25,], type = "R"): centre 0.02276, LCL 0, UCL 0.04812533. qcc's d3
    // table (se.R.unscaled) has 0.8640855 for n = 5 where the exact value is 0.8640819, so the UCL
    // agrees to 5 digits, and to all 7 with qcc's table value in place of the exact d3.
    const PhaseChart rq = qm::spc::dispersion_limits(ChartType::xbar_r, subgroup_input(s), qcc);
    EXPECT_SIGNIFICANT(rq.info.centre, 0.02276, 7);
    EXPECT_EQ(rq.lines.lower[0], 0.0);
    EXPECT_SIGNIFICANT(rq.lines.upper[0], 0.04812533, 5);
    EXPECT_SIGNIFICANT(rq.info.centre + 3 * 0.8640855 * rq.info.sigma, 0.04812533, 7);
    EXPECT_DOUBLE_EQ(rq.lines.upper[0], rq.info.centre + 3 * k::d3(5) * rq.info.sigma);
    // Textbook R chart: D3·R̄ = 0, D4·R̄
    const PhaseChart rt = qm::spc::dispersion_limits(ChartType::xbar_r, subgroup_input(s));
    EXPECT_EQ(rt.info.centre, rt.info.dispersion);
    EXPECT_NEAR(rt.lines.upper[0], k::D4(5) * rt.info.dispersion, 1e-15);
    EXPECT_EQ(rt.lines.lower[0], 0.0);
    EXPECT_DOUBLE_EQ(rt.statistic[0], 74.030 - 73.992);
}

TEST(PublishedXbar, PistonRingsSChart) {
    // qcc vignette, qcc(diameter[1:25,], type = "S") (std.dev "UWAVE-SD" = s̄/c4): centre 0.009240037,
    // standard deviation 0.009829977, LCL 0, UCL 0.01930242 (= B4·s̄).
    const LongFormat lf = piston_rings();
    const SubgroupStats s = qm::spc::subgroup_stats(lf.obs, lf.offsets);
    for (auto method : {qm::spc::SubgroupSigma::mean_sd, qm::spc::SubgroupSigma::pooled_sd}) {
        LimitOptions o;
        o.subgroup_sigma = method;
        const PhaseChart r = qm::spc::dispersion_limits(ChartType::xbar_s, subgroup_input(s), o);
        EXPECT_SIGNIFICANT(r.info.centre, 0.009240037, 7);
        EXPECT_SIGNIFICANT(r.info.sigma, 0.009829977, 7);
        EXPECT_EQ(r.lines.lower[0], 0.0);
        EXPECT_SIGNIFICANT(r.lines.upper[0], 0.01930242, 7);
        EXPECT_NEAR(r.lines.upper[0], k::B4(5) * r.info.centre, 1e-15);
        // x̄ chart from s̄: x̿ ± A3·s̄
        const PhaseChart x = qm::spc::chart_limits(ChartType::xbar_s, subgroup_input(s), o);
        EXPECT_NEAR(x.lines.upper[0], x.info.centre + k::A3(5) * r.info.centre, 1e-12);
        EXPECT_NEAR(x.lines.lower[0], x.info.centre - k::A3(5) * r.info.centre, 1e-12);
    }
}

// Montgomery, Introduction to SQC (5th ed. pp. 232–235), viscosity of aircraft primer paint, the 20
// trial batches (qcc's data(viscosity), trial = TRUE).
const std::vector<double> viscosity{34.05, 34.40, 33.59, 35.96, 34.70, 33.51, 33.79, 34.04, 34.52, 33.75,
                                    33.27, 33.71, 34.03, 34.58, 34.02, 33.97, 34.05, 34.04, 33.73, 34.05};

TEST(PublishedI, ViscosityIndividualsChart) {
    // qcc vignette, qcc(viscosity[trial], type = "xbar.one") (σ = mean MR / 1.128, no screening):
    // centre 34.088, standard deviation 0.5076521, LCL 32.56504, UCL 35.61096.
    const PhaseChart r = qm::spc::chart_limits(ChartType::xmr, {.values = viscosity});
    EXPECT_SIGNIFICANT(r.info.centre, 34.088, 7);
    EXPECT_SIGNIFICANT(r.info.sigma, 0.5076521, 7);
    EXPECT_SIGNIFICANT(r.lines.lower[0], 32.56504, 7);
    EXPECT_SIGNIFICANT(r.lines.upper[0], 35.61096, 7);
    EXPECT_EQ(r.info.n_moving_ranges, 19u);
    // Batch 4 removed (qcc drops the row, so the moving range runs from batch 3 to batch 5, as our
    // `used` mask bridges an unused row): centre 33.98947, sd 0.4117415, LCL 32.75425, UCL 35.2247.
    const auto used = used_except(20, {4});
    const PhaseChart b = qm::spc::chart_limits(ChartType::xmr, {.values = viscosity, .used = used});
    EXPECT_SIGNIFICANT(b.info.centre, 33.98947, 7);
    EXPECT_SIGNIFICANT(b.info.sigma, 0.4117415, 7);
    EXPECT_SIGNIFICANT(b.lines.lower[3], 32.75425, 7);
    EXPECT_SIGNIFICANT(b.lines.upper[3], 35.2247, 6);
    EXPECT_EQ(b.info.n_moving_ranges, 18u);
    EXPECT_EQ(b.statistic[3], 35.96);  // still plotted
}

// ---------------------------------------------------------------------------------------------
// 4. Parity with qicharts2 0.8.1 and qcc 3.0 on NHS A&E data (tests/reference/ae/)
// ---------------------------------------------------------------------------------------------

constexpr double parity_tolerance = 1e-9;  // relative; the files carry 15 significant digits

struct ParityResult {
    double worst = 0;
    std::string where;
    void check(double ours, double theirs, const std::string& what) {
        const double d = rel_diff(ours, theirs);
        if (d > worst) {
            worst = d;
            where = what + ": ours " + std::to_string(ours) + ", theirs " + std::to_string(theirs);
        }
    }
};

/// The per-point lines against qicharts2's cl, lcl, ucl, lcl.95, ucl.95 columns.
void compare_qicharts2(const Csv& csv, std::size_t row0, const PhaseChart& r, ParityResult& p, const std::string& tag) {
    for (std::size_t i = 0; i < r.statistic.size(); ++i) {
        const std::size_t row = row0 + i;
        const std::string at = tag + " row " + std::to_string(row);
        p.check(r.statistic[i], csv.num(row, "y"), at + " y");
        p.check(r.lines.centre[i], csv.num(row, "cl"), at + " cl");
        p.check(r.lines.lower[i], csv.num(row, "lcl"), at + " lcl");
        p.check(r.lines.upper[i], csv.num(row, "ucl"), at + " ucl");
        p.check(r.lines.lower_2sigma[i], csv.num(row, "lcl.95"), at + " lcl.95");
        p.check(r.lines.upper_2sigma[i], csv.num(row, "ucl.95"), at + " ucl.95");
    }
}

std::vector<std::uint8_t> qicharts2_used(const Csv& csv, std::size_t row0, std::size_t n) {
    std::vector<std::uint8_t> u(n);
    for (std::size_t i = 0; i < n; ++i)
        u[i] = csv.str(row0 + i, "baseline") == "TRUE" && csv.str(row0 + i, "include") == "TRUE";
    return u;
}

LimitOptions qicharts2_attached() {  // library(qicharts2): options(qic.screenedmr = TRUE)
    LimitOptions o;
    o.screen_moving_ranges = true;
    return o;
}

TEST(Qicharts2Parity, PChartOfFourHourPerformance) {
    // qic(x, y = attendances − breaches, n = attendances, chart = "p"): y.sum is the numerator.
    const Csv csv = read_reference("ae/ae_rrk_type1_performance_p.qicharts2.csv");
    const std::size_t n = csv.rows.size();
    const auto y = csv.column("y.sum"), d = csv.column("n");
    const auto used = qicharts2_used(csv, 0, n);
    const PhaseChart r =
        qm::spc::chart_limits(ChartType::p, {.values = y, .denominators = d, .used = used}, qicharts2_attached());
    ParityResult p;
    compare_qicharts2(csv, 0, r, p, "p");
    EXPECT_LE(p.worst, parity_tolerance) << p.where;
    RecordProperty("worst_relative_difference", sci(p.worst));
}

TEST(Qicharts2Parity, LaneyPPrimeChartWithScreening) {
    const Csv csv = read_reference("ae/ae_rrk_type1_performance_p_prime.qicharts2.csv");
    const std::size_t n = csv.rows.size();
    const auto y = csv.column("y.sum"), d = csv.column("n");
    const auto used = qicharts2_used(csv, 0, n);
    const PhaseChart r = qm::spc::chart_limits(ChartType::p_prime, {.values = y, .denominators = d, .used = used},
                                               qicharts2_attached());
    ParityResult p;
    compare_qicharts2(csv, 0, r, p, "pp");
    EXPECT_LE(p.worst, parity_tolerance) << p.where;
    EXPECT_GT(r.info.sigma_z, 1.0);  // over-dispersed: Laney's limits are wider than the p chart's
    EXPECT_EQ(r.info.n_screened, 1u);  // and screening removes one moving range of the z-scores
    const PhaseChart unscreened = qm::spc::chart_limits(ChartType::p_prime, {.values = y, .denominators = d});
    EXPECT_GT(unscreened.info.sigma_z, r.info.sigma_z);
    RecordProperty("worst_relative_difference", sci(p.worst));
}

TEST(Qicharts2Parity, IChartsWithScreening) {
    for (const char* file : {"ae/ae_rrk_type1_performance_i.qicharts2.csv", "ae/ae_rrk_type1_attendances_i.qicharts2.csv"}) {
        const Csv csv = read_reference(file);
        const std::size_t n = csv.rows.size();
        const auto y = csv.column("y");
        const auto used = qicharts2_used(csv, 0, n);
        const PhaseChart r = qm::spc::chart_limits(ChartType::xmr, {.values = y, .used = used}, qicharts2_attached());
        ParityResult p;
        compare_qicharts2(csv, 0, r, p, file);
        EXPECT_LE(p.worst, parity_tolerance) << file << ": " << p.where;
        RecordProperty(std::string("worst_relative_difference_") + (std::string(file).find("attendances") != std::string::npos ? "attendances" : "performance"), sci(p.worst));
    }
}

TEST(Qicharts2Parity, IChartsOf130Trusts) {
    const Csv csv = read_reference("ae/ae_type1_performance_by_org_i.qicharts2.csv");
    const std::size_t n = csv.rows.size();
    const auto y = csv.column("y");
    ParityResult p;
    std::size_t facets = 0, screened_somewhere = 0;
    for (std::size_t b = 0; b < n;) {
        std::size_t e = b;
        while (e < n && csv.str(e, "facet1") == csv.str(b, "facet1")) ++e;
        const auto used = qicharts2_used(csv, b, e - b);
        const PhaseChart r = qm::spc::chart_limits(
            ChartType::xmr, {.values = std::span<const double>(y).subspan(b, e - b), .used = used}, qicharts2_attached());
        compare_qicharts2(csv, b, r, p, csv.str(b, "facet1"));
        screened_somewhere += r.info.n_screened > 0;
        ++facets;
        b = e;
    }
    EXPECT_EQ(facets, 130u);
    EXPECT_GT(screened_somewhere, 0u);  // the data exercise screening
    EXPECT_LE(p.worst, parity_tolerance) << p.where;
    RecordProperty("worst_relative_difference", sci(p.worst));
}

TEST(QccParity, PChartOfFourHourPerformance) {
    // qcc(y, sizes = n, type = "p"): no screening; center, std_dev (σ_i), limits and the 1σ/2σ lines.
    const Csv csv = read_reference("ae/ae_rrk_type1_performance_p.qcc.csv");
    const std::size_t n = csv.rows.size();
    std::vector<double> y(n), d(n);
    for (std::size_t i = 0; i < n; ++i) {
        d[i] = csv.num(i, "size");
        y[i] = std::round(csv.num(i, "statistic") * d[i]);  // the counts behind the 15-digit proportions
    }
    const PhaseChart r = qm::spc::chart_limits(ChartType::p, {.values = y, .denominators = d});
    ParityResult p;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string at = "row " + std::to_string(i);
        p.check(r.statistic[i], csv.num(i, "statistic"), at + " statistic");
        p.check(r.lines.centre[i], csv.num(i, "center"), at + " center");
        p.check(r.lines.upper_1sigma[i] - r.lines.centre[i], csv.num(i, "std_dev"), at + " std_dev");
        p.check(r.lines.lower[i], csv.num(i, "lcl"), at + " lcl");
        p.check(r.lines.upper[i], csv.num(i, "ucl"), at + " ucl");
        p.check(r.lines.lower_1sigma[i], csv.num(i, "lcl_1sigma"), at + " lcl_1sigma");
        p.check(r.lines.upper_1sigma[i], csv.num(i, "ucl_1sigma"), at + " ucl_1sigma");
        p.check(r.lines.lower_2sigma[i], csv.num(i, "lcl_2sigma"), at + " lcl_2sigma");
        p.check(r.lines.upper_2sigma[i], csv.num(i, "ucl_2sigma"), at + " ucl_2sigma");
    }
    EXPECT_LE(p.worst, parity_tolerance) << p.where;
    RecordProperty("worst_relative_difference", sci(p.worst));
}

TEST(QccParity, IndividualsChartOfAttendances) {
    // qcc(x, type = "xbar.one"): σ = mean MR / 1.128, no screening.
    const Csv csv = read_reference("ae/ae_rrk_type1_attendances_individuals.qcc.csv");
    const std::size_t n = csv.rows.size();
    const auto y = csv.column("statistic");
    const PhaseChart r = qm::spc::chart_limits(ChartType::xmr, {.values = y});
    ParityResult p;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string at = "row " + std::to_string(i);
        p.check(r.lines.centre[i], csv.num(i, "center"), at + " center");
        p.check(r.info.sigma, csv.num(i, "std_dev"), at + " std_dev");
        p.check(r.lines.lower[i], csv.num(i, "lcl"), at + " lcl");
        p.check(r.lines.upper[i], csv.num(i, "ucl"), at + " ucl");
        p.check(r.lines.lower_1sigma[i], csv.num(i, "lcl_1sigma"), at + " lcl_1sigma");
        p.check(r.lines.upper_1sigma[i], csv.num(i, "ucl_1sigma"), at + " ucl_1sigma");
        p.check(r.lines.lower_2sigma[i], csv.num(i, "lcl_2sigma"), at + " lcl_2sigma");
        p.check(r.lines.upper_2sigma[i], csv.num(i, "ucl_2sigma"), at + " ucl_2sigma");
    }
    EXPECT_LE(p.worst, parity_tolerance) << p.where;
    RecordProperty("worst_relative_difference", sci(p.worst));
    // The screened qicharts2 chart of the same series differs: screening matters here.
    const PhaseChart s = qm::spc::chart_limits(ChartType::xmr, {.values = y}, qicharts2_attached());
    EXPECT_GT(s.info.n_screened, 0u);
    EXPECT_LT(s.info.sigma, r.info.sigma);
}

// ---------------------------------------------------------------------------------------------
// 5. Hand calculations for every chart and convention
// ---------------------------------------------------------------------------------------------

TEST(RunChart, MedianOfUsedValuesAndNoLimits) {
    // 3 1 4 1 5 9 2 6 → sorted 1 1 2 3 4 5 6 9 → median (3 + 4)/2 = 3.5
    const std::vector<double> y{3, 1, 4, 1, 5, 9, 2, 6};
    const PhaseChart r = qm::spc::chart_limits(ChartType::run, {.values = y});
    EXPECT_EQ(r.info.centre, 3.5);
    EXPECT_EQ(r.info.n_used, 8u);
    for (std::size_t i = 0; i < y.size(); ++i) {
        EXPECT_EQ(r.lines.centre[i], 3.5);
        EXPECT_TRUE(std::isnan(r.lines.lower[i]) && std::isnan(r.lines.upper[i]) && std::isnan(r.lines.lower_1sigma[i]) &&
                    std::isnan(r.lines.upper_2sigma[i]));
    }
    // 9 unused and a missing value: 1 1 2 3 4 5 6 → 3
    const std::vector<double> y2{3, 1, 4, 1, 5, 9, 2, 6, NaN};
    const auto used = used_except(9, {6});
    const PhaseChart r2 = qm::spc::chart_limits(ChartType::run, {.values = y2, .used = used});
    EXPECT_EQ(r2.info.centre, 3.0);
    EXPECT_EQ(r2.info.n_used, 7u);
    EXPECT_TRUE(std::isnan(r2.statistic[8]));
}

TEST(IChart, MovingRangesBridgeUnusedRowsButNotMissingValues) {
    // used values 1, 3, 2, 6 (100 is excluded): mean 3; moving ranges |3−1| = 2, |2−3| = 1 (across the
    // excluded row), |6−2| = 4 → mR̄ = 7/3; σ = mR̄/1.128
    const std::vector<double> y{1, 3, 100, 2, 6};
    const auto used = used_except(5, {3});
    const PhaseChart r = qm::spc::chart_limits(ChartType::xmr, {.values = y, .used = used});
    EXPECT_EQ(r.info.centre, 3.0);
    EXPECT_DOUBLE_EQ(r.info.mean_moving_range, 7.0 / 3);
    const double s = (7.0 / 3) / 1.128;
    EXPECT_DOUBLE_EQ(r.info.sigma, s);
    EXPECT_DOUBLE_EQ(r.lines.upper[2], 3 + 3 * s);
    EXPECT_DOUBLE_EQ(r.lines.lower[2], 3 - 3 * s);
    EXPECT_DOUBLE_EQ(r.lines.upper_2sigma[0], 3 + 2 * s);
    EXPECT_DOUBLE_EQ(r.lines.lower_1sigma[4], 3 - s);
    // A missing value is not bridged: 1, NaN, 4, 6 → only |6 − 4| = 2; mean (1 + 4 + 6)/3
    const std::vector<double> z{1, NaN, 4, 6};
    const PhaseChart m = qm::spc::chart_limits(ChartType::xmr, {.values = z});
    EXPECT_EQ(m.info.n_moving_ranges, 1u);
    EXPECT_EQ(m.info.mean_moving_range, 2.0);
    EXPECT_DOUBLE_EQ(m.info.centre, 11.0 / 3);
    EXPECT_TRUE(std::isnan(m.statistic[1]));
    EXPECT_FALSE(std::isnan(m.lines.upper[1]));  // constant lines are drawn at a missing point too
}

TEST(IChart, ScreeningDropsLargeMovingRangesOnce) {
    // 0 1 0 1 0 1 0 10 0 1 0: moving ranges 1 1 1 1 1 1 10 10 1 1, mean 28/10 = 2.8; screening limit
    // 3.267·2.8 = 9.1476 drops both 10s; mean of the rest 1 → σ = 1/1.128
    const std::vector<double> y{0, 1, 0, 1, 0, 1, 0, 10, 0, 1, 0};
    const PhaseChart plain = qm::spc::chart_limits(ChartType::xmr, {.values = y});
    EXPECT_DOUBLE_EQ(plain.info.mean_moving_range, 2.8);
    EXPECT_EQ(plain.info.n_screened, 0u);
    LimitOptions o;
    o.screen_moving_ranges = true;
    const PhaseChart s = qm::spc::chart_limits(ChartType::xmr, {.values = y}, o);
    EXPECT_EQ(s.info.mean_moving_range, 1.0);
    EXPECT_EQ(s.info.n_moving_ranges, 8u);
    EXPECT_EQ(s.info.n_screened, 2u);
    EXPECT_DOUBLE_EQ(s.info.sigma, 1 / 1.128);
    EXPECT_DOUBLE_EQ(s.info.centre, 14.0 / 11);
    // A moving range equal to the screening limit is dropped (qicharts2 keeps mr < 3.267·amr): with the
    // multiplier 3, 0 0 0 3 has moving ranges 0 0 3, mean 1, limit 3 → the 3 is dropped.
    o.screen_multiplier = 3;
    const std::vector<double> t{0, 0, 0, 3};
    const PhaseChart e = qm::spc::chart_limits(ChartType::xmr, {.values = t}, o);
    EXPECT_EQ(e.info.n_screened, 1u);
    EXPECT_EQ(e.info.mean_moving_range, 0.0);
}

TEST(IChart, SigmaMultiplierAndExactD2) {
    const std::vector<double> y{1, 3, 2, 6};  // mean 3, MRs 2 1 4 → 7/3
    LimitOptions o;
    o.sigma_multiplier = 2.5;
    o.mr_d2 = k::d2(2);
    const PhaseChart r = qm::spc::chart_limits(ChartType::xmr, {.values = y}, o);
    const double s = (7.0 / 3) / k::d2(2);
    EXPECT_DOUBLE_EQ(r.lines.upper[0], 3 + 2.5 * s);
    EXPECT_DOUBLE_EQ(r.lines.upper_2sigma[0], 3 + 2 * (2.5 / 3) * s);  // the zones scale with k
    EXPECT_DOUBLE_EQ(r.lines.upper_1sigma[0], 3 + (2.5 / 3) * s);
}

TEST(MrChart, MeanMovingRangeAndQicharts2Limits) {
    // 1 4 2 7 → MR NaN 3 2 5, mean 10/3; UCL 3.267·10/3; 2σ line (3.267/3)·2·10/3; lower lines 0
    const std::vector<double> y{1, 4, 2, 7};
    const PhaseChart r = qm::spc::chart_limits(ChartType::mr, {.values = y});
    EXPECT_TRUE(std::isnan(r.statistic[0]));
    EXPECT_EQ(r.statistic[1], 3.0);
    EXPECT_EQ(r.statistic[3], 5.0);
    EXPECT_DOUBLE_EQ(r.info.centre, 10.0 / 3);
    EXPECT_DOUBLE_EQ(r.lines.upper[0], 3.267 * (10.0 / 3));
    EXPECT_DOUBLE_EQ(r.lines.upper_2sigma[0], (3.267 / 3) * 2 * (10.0 / 3));
    EXPECT_EQ(r.lines.lower[0], 0.0);
    EXPECT_EQ(r.lines.lower_2sigma[0], 0.0);
    // the used mask applies to each moving range's own row
    const auto used = used_except(4, {4});
    const PhaseChart u = qm::spc::chart_limits(ChartType::mr, {.values = y, .used = used});
    EXPECT_DOUBLE_EQ(u.info.centre, 2.5);
}

TEST(TChart, TransformBackTransformAndClipping) {
    // With t_power = 3 the arithmetic is exact: y = 1 8 27 64 → z = 1 2 3 4, mean 2.5, MRs 1 1 1,
    // σ_z = 1/1.128; lines (2.5 ± kσ_z)³; 2.5 − 3/1.128 < 0 → the lower limit is 0
    const std::vector<double> y{1, 8, 27, 64};
    LimitOptions o;
    o.t_power = 3;
    const PhaseChart r = qm::spc::chart_limits(ChartType::t, {.values = y}, o);
    const double s = 1 / 1.128;
    EXPECT_NEAR(r.info.mean, 2.5, 1e-15);
    EXPECT_NEAR(r.info.centre, 15.625, 1e-12);
    EXPECT_NEAR(r.info.sigma, s, 1e-15);
    EXPECT_NEAR(r.lines.upper[0], std::pow(2.5 + 3 * s, 3), 1e-11);
    EXPECT_EQ(r.lines.lower[0], 0.0);
    EXPECT_NEAR(r.lines.lower_2sigma[0], std::pow(2.5 - 2 * s, 3), 1e-12);
    EXPECT_EQ(r.statistic[2], 27.0);
    o.clip = false;
    const PhaseChart u = qm::spc::chart_limits(ChartType::t, {.values = y}, o);
    EXPECT_TRUE(std::isnan(u.lines.lower[0]));  // a negative line has no back-transform (R: NaN)
    // default power 3.6 (Nelson): y^(1/3.6) → I chart → ^3.6
    const std::vector<double> d{286, 948, 536, 124, 816, 729, 4, 143, 431, 8};
    const PhaseChart v = qm::spc::chart_limits(ChartType::t, {.values = d});
    double sum = 0;
    for (double x : d) sum += std::pow(x, 1 / 3.6);
    EXPECT_NEAR(v.info.mean, sum / 10, 1e-13);
    EXPECT_NEAR(v.info.centre, std::pow(sum / 10, 3.6), 1e-9);
}

TEST(PChart, StatisticWrittenOverItsOwnValuesOrDenominators) {
    // y 1 2 3 4 2 of n = 10 each: p̄ = 12/50 = 0.24, p_i = y_i/10. The kernels read the rows again
    // after they begin to write the statistic; an output that is the values' or the denominators'
    // own memory must give the same as separate columns, with and without a used mask.
    const std::vector<double> y0{1, 2, 3, 4, 2}, d0{10, 10, 10, 10, 10};
    const std::vector<std::uint8_t> all(5, 1);
    for (int over = 0; over < 2; ++over)
        for (int masked = 0; masked < 2; ++masked) {
            std::vector<double> y = y0, d = d0;
            LineColumns lines;
            lines.resize(5);
            qm::spc::ChartPhaseInput in{.values = y, .denominators = d};
            if (masked) in.used = all;
            const auto info = qm::spc::chart_limits(ChartType::p, in, {}, std::span<double>(over ? d : y), lines);
            SCOPED_TRACE(testing::Message() << "over " << (over ? "denominators" : "values") << ", masked " << masked);
            EXPECT_DOUBLE_EQ(info.centre, 0.24);
            EXPECT_EQ(over ? d : y, (std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.2}));
            EXPECT_DOUBLE_EQ(lines.upper[0], 0.24 + 3 * std::sqrt(0.24 * 0.76 / 10));
        }
}

// The t chart's transform remembers std::pow's results (whole days by slot, other values in a small
// hashed table) and must give exactly std::pow's bits, for any value and after a new exponent.
TEST(TChart, RememberedPowersAreStdPowBitForBit) {
    qm::spc::detail::limits::PowMemo memo;
    const std::vector<double> xs{0.0, 1.0, 2.0, 7.0, 4095.0, 4096.0, 1e6, 0.5, 2.25, 7.0, 2.0, 4095.0, 2.25, 1e-300};
    for (const double e : {1.0 / 3.6, 1.0 / 2.0, 1.0 / 3.6}) {
        memo.reset(e);
        for (int pass = 0; pass < 2; ++pass)  // the second pass reads what the first remembered
            for (const double x : xs) {
                const double want = std::pow(x, e), got = memo(x);
                EXPECT_EQ(std::memcmp(&want, &got, sizeof want), 0) << "x = " << x << ", e = " << e;
            }
    }
    // transform: pairs of remembered whole numbers, pairs with one new slot (300, then 3000: past
    // the slots marked so far), one not whole or out of range, -0.0, and an odd last row; in place
    std::vector<double> in{1, 2, 2, 300, 300, 2, 3000, 0.5, 4096, 7, -0.0, 2.25, 7, 7, 1, 4095, 3000};
    for (const double e : {1.0 / 3.6, 1.0 / 2.0}) {
        memo.reset(e);
        std::vector<double> out(in.size()), same = in;
        memo.transform(in.data(), out.data(), in.size());
        memo.transform(same.data(), same.data(), same.size());
        for (std::size_t i = 0; i < in.size(); ++i) {
            const double want = std::pow(in[i], e);
            EXPECT_EQ(std::memcmp(&want, &out[i], sizeof want), 0) << "row " << i << ", e = " << e;
            EXPECT_EQ(std::memcmp(&want, &same[i], sizeof want), 0) << "in place, row " << i << ", e = " << e;
        }
    }
}

// A long phase remembers σ_i = sqrt(p̄(1 − p̄)/n_i) per whole denominator (WholeSlots) instead of
// taking it again per row. Each phase has its own p̄, so its own σ_i: two phases of 6,000 rows with
// the same denominators, repeating (100-399), list sizes of 20,000-40,000 (the slots in use widen
// upwards, and in the second phase, whose first two rows are 50,000, downwards, past slots that
// hold the first phase's σ_i), at the edge of the
// remembered range (65,535 and 65,536) or above it (70,000), and a row without its count; every σ_i
// the definition's bits.
TEST(PChart, LongPhaseSigmasOfRepeatedDenominatorsAreTheDefinitionsBits) {
    std::mt19937_64 rng(7);
    std::vector<double> y(12000), n(12000);
    for (std::size_t i = 0; i < y.size(); ++i) {
        n[i] = i % 97 == 0   ? 70000.0
               : i % 89 == 0 ? 65535.0
               : i % 83 == 0 ? 65536.0
               : i % 5 == 0  ? static_cast<double>(20000 + rng() % 20000)
                             : static_cast<double>(100 + rng() % 300);
        if (i == 6000 || i == 6001) n[i] = 50000.0;
        const double rate = i < 6000 ? 0.1 : 0.3;
        y[i] = std::floor(n[i] * rate) + static_cast<double>(rng() % 5);
    }
    y[7001] = std::numeric_limits<double>::quiet_NaN();
    const std::vector<std::size_t> off{0, y.size()}, starts{6000};
    const auto r = qm::spc::chart_grouped({.values = y, .denominators = n, .offsets = off, .phase_starts = starts},
                                          qm::spc::chart_preset("mdc", ChartType::p));
    ASSERT_EQ(r.phases(), 2u);
    ASSERT_FALSE(r.point_sigma.empty());
    EXPECT_NE(r.phase_mean[0], r.phase_mean[1]);
    for (std::size_t i = 0; i < y.size(); ++i) {
        if (i == 7001) continue;  // (a missing point has only a centre line)
        const double pbar = r.phase_mean[i < 6000 ? 0 : 1], want = std::sqrt(pbar * (1 - pbar) / n[i]);
        ASSERT_EQ(std::memcmp(&want, &r.point_sigma[i], sizeof want), 0) << "row " << i << " n " << n[i];
    }
}

// Laney's pass over a p′ phase of whole units with their σ in a table (sigma_pass with TableSigma:
// two lanes, and four with AVX2 where the processor has it) against its definition, row by row: σ_i =
// √(p̄(1 − p̄)/n_i) and z_i = (p_i − p̄)/σ_i where both columns are numbers, NaN elsewhere, and the
// largest σ looked up (a missing unit reads the first slot). Every length mod 4, missing counts and
// units, the first and last slot used.
TEST(LaneyCharts, TablePassGivesTheDefinitionsBits) {
    namespace L = qm::spc::detail::limits;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::mt19937_64 rng(11);
    auto same = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
    std::vector<double> tab(70000, -1.0);  // (a slot read outside the range would give −1)
    int checked4 = 0;
    for (int iter = 0; iter < 400; ++iter) {
        const std::size_t n = iter < 40 ? static_cast<std::size_t>(iter) : 40 + rng() % 5000;
        const std::size_t first = 1 + rng() % 60000, span = 1 + rng() % 3000;
        const double bar = 0.01 + 0.98 * static_cast<double>(rng() % 1000) / 1000.0, v = bar * (1 - bar);
        for (std::size_t k = first; k < first + span; ++k) tab[k] = std::sqrt(v / static_cast<double>(k));
        std::vector<double> st(n), d(n);
        for (std::size_t i = 0; i < n; ++i) {
            d[i] = static_cast<double>(first + (i % 7 == 0 ? (i % 2 ? span - 1 : 0) : rng() % span));
            st[i] = std::floor(d[i] * bar + static_cast<double>(rng() % 50)) / d[i];
            if (rng() % 30 == 0) st[i] = nan;
            if (rng() % 30 == 0) d[i] = nan;
        }
        double want_top = -std::numeric_limits<double>::infinity();
        std::vector<double> want_sigma(n), want_z(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double looked = d[i] == d[i] ? std::sqrt(v / d[i]) : tab[first];
            want_top = std::max(want_top, looked);
            const bool ok = st[i] == st[i] && d[i] == d[i];
            want_sigma[i] = ok ? looked : nan;
            want_z[i] = ok ? (st[i] - bar) / looked : nan;
        }
        auto check = [&](auto pass, const char* name) {
            std::vector<double> sigma(n, 7.0), z(n, 7.0);
            const double top = pass(st.data(), d.data(), n, L::TableSigma{tab.data(), static_cast<double>(first)}, bar,
                                    sigma.data(), z.data());
            ASSERT_TRUE(same(top, want_top)) << name << ", iteration " << iter << ": " << top << " vs " << want_top;
            for (std::size_t i = 0; i < n; ++i) {
                ASSERT_TRUE(same(sigma[i], want_sigma[i])) << name << ", row " << i << ", iteration " << iter;
                ASSERT_TRUE(same(z[i], want_z[i])) << name << ", row " << i << ", iteration " << iter;
            }
        };
        check([](auto... a) { return L::sigma_pass2(a...); }, "two lanes");
        check([](auto... a) { return L::sigma_pass(a...); }, "dispatched");
#if QM_AVX2_DISPATCH
        if (qm::stats::detail::avx2()) {
            check([](auto... a) { return L::sigma_pass4<true>(a...); }, "AVX2");
            ++checked4;
        }
#endif
        for (std::size_t k = first; k < first + span; ++k) tab[k] = -1.0;
    }
#if QM_AVX2_DISPATCH
    if (__builtin_cpu_supports("avx2")) {
        EXPECT_EQ(checked4, 400);  // (the dispatcher knows the processor)
    }
#endif
    (void)checked4;
}

// The σ_i of a short phase whose statistic the rows check wrote (sigma_pass with RootSigma: two lanes, and four
// with AVX2 where the processor has it) against the definition: σ_i = √(v/n_i) and, for Laney,
// z_i = (p_i − p̄)/σ_i where both columns are numbers, NaN elsewhere, and the largest σ of the rows
// with a unit. Units whole and not (u), every length mod 4, with and without z.
TEST(RatioCharts, DirectSigmaPassGivesTheDefinitionsBits) {
    namespace L = qm::spc::detail::limits;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::mt19937_64 rng(13);
    auto same = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
    for (int iter = 0; iter < 600; ++iter) {
        const std::size_t n = iter < 40 ? static_cast<std::size_t>(iter) : 40 + rng() % 4000;
        const double bar = 0.01 + 0.98 * static_cast<double>(rng() % 1000) / 1000.0, v = bar * (1 - bar);
        std::vector<double> st(n), d(n);
        for (std::size_t i = 0; i < n; ++i) {
            d[i] = iter % 2 ? static_cast<double>(1 + rng() % 5000) : 0.5 + static_cast<double>(rng() % 100000) / 7.0;
            st[i] = static_cast<double>(rng() % 1000) / 1000.0;
            if (rng() % 30 == 0) st[i] = nan;
            if (rng() % 30 == 0) d[i] = nan;
        }
        double want_top = -std::numeric_limits<double>::infinity();
        std::vector<double> want_sigma(n), want_z(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double sd = std::sqrt(v / d[i]);
            if (d[i] == d[i]) want_top = std::max(want_top, sd);
            const bool ok = st[i] == st[i] && d[i] == d[i];
            want_sigma[i] = ok ? sd : nan;
            want_z[i] = ok ? (st[i] - bar) / sd : nan;
        }
        auto check = [&](auto pass, const char* name, bool with_z) {
            std::vector<double> sigma(n, 7.0), z(n, 7.0);
            const double top = pass(st.data(), d.data(), n, L::RootSigma{v}, bar, sigma.data(), with_z ? z.data() : nullptr);
            ASSERT_TRUE(same(top, want_top)) << name << ", iteration " << iter << ": " << top << " vs " << want_top;
            for (std::size_t i = 0; i < n; ++i) {
                ASSERT_TRUE(same(sigma[i], want_sigma[i])) << name << ", row " << i << ", iteration " << iter;
                ASSERT_TRUE(same(z[i], with_z ? want_z[i] : 7.0)) << name << ", row " << i << ", iteration " << iter;
            }
        };
        for (bool with_z : {true, false}) {
            check([](auto... a) { return L::sigma_pass2(a...); }, "two lanes", with_z);
            check([](auto... a) { return L::sigma_pass(a...); }, "dispatched", with_z);
#if QM_AVX2_DISPATCH
            if (qm::stats::detail::avx2()) {
                check([](auto... a) { return L::sigma_pass4<true>(a...); }, "AVX2 with z", true);
                check([](auto... a) { return L::sigma_pass4<false>(a...); }, "AVX2", false);
            }
#endif
        }
    }
}

// chart_grouped takes a long p′ phase of whole units by that pass; the public chart_limits (whose
// statistic column may be the caller's input) by the remembered σ_i: the same bits.
TEST(LaneyCharts, TablePassAndRememberedSigmasGiveTheSameChart) {
    std::mt19937_64 rng(12);
    std::vector<double> y(20001), n(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) {
        n[i] = static_cast<double>(5000 + rng() % 4000);
        y[i] = std::floor(n[i] * (i < 9000 ? 0.8 : 0.78)) + static_cast<double>(rng() % 200);
    }
    y[333] = std::numeric_limits<double>::quiet_NaN();
    const std::vector<std::size_t> off{0, y.size()};
    const auto o = qm::spc::chart_preset("mdc", ChartType::p_prime);
    const auto g = qm::spc::chart_grouped({.values = y, .denominators = n, .offsets = off}, o);
    const PhaseChart c = qm::spc::chart_limits(ChartType::p_prime, {.values = y, .denominators = n}, o.limits);
    ASSERT_EQ(g.phases(), 1u);
    ASSERT_FALSE(g.point_sigma.empty());
    EXPECT_EQ(std::memcmp(&g.phase_sigma[0], &c.info.sigma_z, sizeof(double)), 0);
    for (std::size_t i = 0; i < y.size(); ++i) {
        ASSERT_EQ(std::memcmp(&g.statistic[i], &c.statistic[i], sizeof(double)), 0) << "row " << i;
        if (i == 333) continue;  // (a missing point has only a centre line)
        const auto l = g.lines_at(0, i);
        ASSERT_EQ(std::memcmp(&l.upper, &c.lines.upper[i], sizeof(double)), 0) << "row " << i;
        ASSERT_EQ(std::memcmp(&l.lower_2sigma, &c.lines.lower_2sigma[i], sizeof(double)), 0) << "row " << i;
    }
}

// The rows check takes a ratio phase's sums in its pass (WholeSums) for every ratio chart and
// option: the same count and exact totals as Sum row by row over the rows where both are numbers,
// with missing rows and every length mod 4; not ready when a used unit is not whole, when a total
// reaches 2^53, or when a row fails its check. Given a column for them, it also writes every row's
// y_i/d_i (NaN where either is missing), the bits of the division itself.
TEST(UChart, RowsCheckTakesTheDefinitionsSums) {
    namespace L = qm::spc::detail::limits;
    using qm::spc::ChartType;
    std::mt19937_64 rng(5);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double r_na = std::bit_cast<double>(std::uint64_t{0x7ff00000000007a2});  // R's NA_real_
    int iter = 0;
    for (ChartType chart : {ChartType::p, ChartType::np, ChartType::p_prime, ChartType::u, ChartType::u_prime})
        for (bool whole : {true, false})
            for (bool den_error : {true, false})
                for (int rep = 0; rep < 12; ++rep, ++iter) {
                    const std::size_t n = static_cast<std::size_t>(rep % 8) + rng() % 2500;
                    std::vector<double> y(n), d(n);
                    for (std::size_t i = 0; i < n; ++i) {
                        d[i] = static_cast<double>(1 + rng() % 30000);
                        y[i] = static_cast<double>(rng() % (static_cast<std::uint64_t>(d[i]) + 1));
                        if (rng() % 40 == 0) y[i] = rng() % 2 ? nan : r_na;  // a missing count (its unit may stay)
                        if (!den_error && rng() % 40 == 0) d[i] = nan;
                    }
                    LimitOptions o;
                    o.require_whole_counts = whole;
                    o.missing_denominator_is_error = den_error;
                    L::Sum wy, wd;
                    for (std::size_t i = 0; i < n; ++i)
                        if (y[i] == y[i] && d[i] == d[i]) {
                            wy.add(y[i]);
                            wd.add(d[i]);
                        }
                    std::vector<double> q(n, -1.0);
                    L::WholeSums ws;
                    ASSERT_TRUE(L::rows_pass(chart, y.data(), d.data(), n, o, &ws, q.data())) << "iteration " << iter;
                    ASSERT_TRUE(ws.ready) << "iteration " << iter;
                    EXPECT_TRUE(ws.quotients) << "iteration " << iter;
                    for (std::size_t i = 0; i < n; ++i) {
                        // (a missing row: the quiet NaN every missing statistic is, whatever NaN came in)
                        const double want = y[i] == y[i] && d[i] == d[i] ? y[i] / d[i] : nan;
                        ASSERT_EQ(std::memcmp(&want, &q[i], sizeof want), 0) << "row " << i << ", iteration " << iter;
                    }
                    EXPECT_EQ(ws.n, wy.n) << "iteration " << iter;
                    const auto ty = wy.total(), td = wd.total();
                    EXPECT_EQ(ws.y, ty.hi) << "iteration " << iter;
                    EXPECT_EQ(ws.d, td.hi) << "iteration " << iter;
                    EXPECT_EQ(ty.lo, 0.0);
                    // the smallest and largest unit of the rows that have one
                    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
                    for (double w : d)
                        if (w == w) lo = std::min(lo, w), hi = std::max(hi, w);
                    EXPECT_EQ(ws.d_lo, lo) << "iteration " << iter;
                    EXPECT_EQ(ws.d_hi, hi) << "iteration " << iter;
                    // a unit that is not whole (bed-days of a u chart) or a count that is not (2.5
                    // infections, where whole counts are not required): not ready, unless the other
                    // column of its row is missing (the row is not used)
                    if (chart == ChartType::u || (chart == ChartType::p && !whole)) {
                        for (int column = whole ? 1 : 0; column < 2; ++column) {  // (whole: 2.5 is an error)
                            const std::size_t at = rng() % n;
                            const double keep_y = y[at], keep_d = d[at];
                            y[at] = column == 0 ? 2.5 : 1;
                            d[at] = column == 0 ? 2000 : 2.5;
                            ASSERT_TRUE(L::rows_pass(chart, y.data(), d.data(), n, o, &ws));
                            EXPECT_FALSE(ws.ready) << "row " << at << " of " << n << ", column " << column;
                            (column == 0 ? d : y)[at] = nan;
                            if (column == 1 || !den_error) {
                                ASSERT_TRUE(L::rows_pass(chart, y.data(), d.data(), n, o, &ws));
                                EXPECT_TRUE(ws.ready) << "row " << at << " of " << n << ", column " << column;
                            }
                            y[at] = keep_y;
                            d[at] = keep_d;
                        }
                    }
                }
    // a failing row (a numerator above its denominator): false, and not ready
    const std::vector<double> y{1, 2, 9, 1, 1}, d{5, 5, 5, 5, 5};
    std::vector<double> q(y.size());
    L::WholeSums ws;
    EXPECT_FALSE(L::rows_pass(ChartType::p, y.data(), d.data(), y.size(), LimitOptions{}, &ws, q.data()));
    EXPECT_FALSE(ws.ready);
    EXPECT_FALSE(ws.quotients);
    // a long phase (four rows at a time where the processor has AVX2): a bad row anywhere, alone or
    // beside a missing one, fails the check
    {
        std::vector<double> yy(2003), dd(2003);
        for (std::size_t i = 0; i < yy.size(); ++i) {
            dd[i] = static_cast<double>(100 + i % 50);
            yy[i] = static_cast<double>(i % 90);
        }
        LimitOptions strict;
        strict.missing_denominator_is_error = true;
        EXPECT_TRUE(L::rows_pass(ChartType::p_prime, yy.data(), dd.data(), yy.size(), strict, &ws));
        EXPECT_TRUE(ws.ready);
        for (std::size_t at : {std::size_t{0}, std::size_t{1001}, std::size_t{1999}, std::size_t{2002}})
            for (int bad = 0; bad < 4; ++bad) {
                auto y2 = yy, d2 = dd;
                if (at > 0) y2[at - 1] = std::numeric_limits<double>::quiet_NaN();  // (a block of its own)
                if (bad == 0) y2[at] = d2[at] + 1;      // above its denominator
                if (bad == 1) y2[at] = 2.5;             // not whole
                if (bad == 2) d2[at] = 100.5;           // a unit that is not whole
                if (bad == 3) d2[at] = std::numeric_limits<double>::quiet_NaN();  // a count without its unit
                EXPECT_FALSE(L::rows_pass(ChartType::p_prime, y2.data(), d2.data(), y2.size(), strict, &ws))
                    << "row " << at << ", case " << bad;
                EXPECT_FALSE(ws.ready);
            }
    }
    // totals of 2^53 or more are left to the double-double sums
    const std::vector<double> big_d{0x1p52, 0x1p52, 0x1p52, 3}, small_y{1, 1, 1, 1};
    EXPECT_TRUE(L::rows_pass(ChartType::u, small_y.data(), big_d.data(), 4, LimitOptions{}, &ws));
    EXPECT_FALSE(ws.ready);
    EXPECT_FALSE(ws.quotients);  // (and without a column, no quotients)
}

// phase_limits takes p̄ (ū) of exact totals as the plain quotient Σy / Σd: the claim is that
// ratio()'s correction then never moves it. Checked here on a million pairs of whole numbers of
// every size below 2^53, small and near-equal ones among them.
TEST(PChart, RatioOfExactTotalsIsThePlainQuotient) {
    namespace L = qm::spc::detail::limits;
    std::mt19937_64 rng(17);
    for (int iter = 0; iter < 1'000'000; ++iter) {
        const int bits = 1 + iter % 53;
        const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
        const double d = static_cast<double>(1 + (rng() & mask) % ((std::uint64_t{1} << 53) - 1));
        double y = static_cast<double>(rng() & mask);
        if (iter % 3 == 0) y = std::floor(d * std::ldexp(static_cast<double>(rng() >> 11), -53));  // y <= d
        if (iter % 7 == 0) y = d - 1;
        L::Sum sy, sd;
        L::set_exact_totals(sy, sd, y, d, 1);
        const double want = y / d, got = L::ratio(sy, sd);
        ASSERT_EQ(std::memcmp(&want, &got, sizeof want), 0) << y << " / " << d;
    }
}

// A p chart of one sample size with some counts missing: its phase's lines vary only in that the
// missing points have none, so the rules judge every point against the one set of lines (the rows
// check saw one denominator). What the rules give must not depend on that: the same series with an
// exclusion mask that excludes nothing (which takes the per-point lines) gives the same flags and
// point types, for every rule set and both ways of missing (count, or count and unit). Anchored by
// hand: p̄ ≈ 0.1, σ = sqrt(0.1 · 0.9 / 100) ≈ 0.03, so 30 of 100 (row 40) is far above the upper
// limit ≈ 0.19, and 13 of 100 nine times (rows 100-108, one of them missing) is a run above p̄.
TEST(PChart, OneSampleSizeWithMissingCountsFlagsAsPerPointLines) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::size_t N = 200;
    std::vector<double> y(N), n(N, 100.0);
    std::mt19937_64 rng(3);
    for (std::size_t i = 0; i < N; ++i) y[i] = static_cast<double>(7 + rng() % 7);  // 7-13
    y[40] = 30;
    for (std::size_t i = 100; i < 109; ++i) y[i] = 13;
    for (std::size_t i : {17, 90, 104, 150}) y[i] = nan;
    y[60] = n[60] = nan;
    const std::vector<std::size_t> off{0, N};
    const std::vector<std::uint8_t> nothing(N, 0);
    // and a sample of 40 in one row (so the lines are not all one set): 9 of 40 = 0.225 is inside
    // its own upper limit (0.1 + 3 sqrt(0.09/40) ≈ 0.24) but above that of the samples of 100
    std::vector<double> y2 = y, m = n;
    y2[120] = 9;
    m[120] = 40;
    for (auto name : qm::spc::rule_set_names()) {
        qm::spc::ChartOptions o = qm::spc::chart_preset("mdc", ChartType::p);
        o.rules = qm::spc::rule_set(name);
        const auto a = qm::spc::chart_grouped({.values = y2, .denominators = m, .offsets = off}, o);
        const auto b = qm::spc::chart_grouped({.values = y2, .denominators = m, .offsets = off, .exclude = nothing}, o);
        EXPECT_LT(0.225, a.lines_at(120).upper) << name;
        EXPECT_GT(0.225, a.lines_at(121).upper) << name;
        for (std::size_t i = 0; i < N; ++i) ASSERT_EQ(a.flags[i], b.flags[i]) << name << ", row " << i << " (one size differs)";
        EXPECT_FALSE(a.flags[120] & qm::spc::rules::outside_limits) << name;
    }
    // a last group whose every count is missing (its units all 100): no lines, nothing flagged
    {
        std::vector<double> y3 = y, n3 = n;
        y3.insert(y3.end(), 12, nan);
        n3.insert(n3.end(), 12, 100.0);
        y3.shrink_to_fit();  // (so that a read past the last row is outside the block, for AddressSanitizer)
        n3.shrink_to_fit();
        const std::vector<std::size_t> off3{0, N, N + 12};
        const auto r = qm::spc::chart_grouped({.values = y3, .denominators = n3, .offsets = off3},
                                              qm::spc::chart_preset("mdc", ChartType::p));
        for (std::size_t i = N; i < N + 12; ++i) EXPECT_EQ(r.flags[i], 0) << "row " << i;
        EXPECT_TRUE(std::isnan(r.lines.upper[r.phases() - 1]));
    }
    for (auto name : qm::spc::rule_set_names()) {
        qm::spc::ChartOptions o = qm::spc::chart_preset("mdc", ChartType::p);
        o.rules = qm::spc::rule_set(name);
        const auto a = qm::spc::chart_grouped({.values = y, .denominators = n, .offsets = off}, o);
        const auto b = qm::spc::chart_grouped({.values = y, .denominators = n, .offsets = off, .exclude = nothing}, o);
        ASSERT_EQ(a.phase_lines_vary[0], 1) << name;  // (the missing points have no lines)
        EXPECT_GT(y[40] / 100, a.lines_at(40).upper) << name;
        if (o.rules.rules & qm::spc::rules::outside_limits) {
            EXPECT_TRUE(a.flags[40] & qm::spc::rules::outside_limits) << name;
        }
        for (std::size_t i = 0; i < N; ++i) {
            ASSERT_EQ(a.flags[i], b.flags[i]) << name << ", row " << i;
            ASSERT_EQ(a.point_type[i], b.point_type[i]) << name << ", row " << i;
        }
    }
}

// ratio_rows gives the largest second output that is a number (the σ_i behind the rule engine's
// decision to leave out the clamp of the lines): rows with a missing count still count (their σ_i
// is a number), rows without a unit do not; the odd last row counts.
TEST(PChart, RatioRowsGiveTheLargestSigma) {
    namespace L = qm::spc::detail::limits;
    using qm::stats::detail::v2d;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> y{1, nan, 3, 4, 2}, d{10, 4, nan, 1, 25};
    std::vector<double> st(5), sg(5);
    auto sigma = [](v2d, v2d dv) { return qm::stats::detail::sqrt2(qm::stats::detail::splat2(0.25) / dv); };
    // σ_i = sqrt(0.25 / n_i): 0.158, 0.25 (count missing), NaN (no unit), 0.5, 0.1
    EXPECT_EQ(L::ratio_rows(st.data(), y.data(), d.data(), 5, [](v2d yv, v2d dv) { return yv / dv; }, sg.data(), sigma), 0.5);
    EXPECT_EQ(L::ratio_rows(st.data(), y.data(), d.data(), 3, [](v2d yv, v2d dv) { return yv / dv; }, sg.data(), sigma), 0.25);
    const std::vector<double> last{1, 1, 1, 1, 1}, dl{100, 100, 100, 100, 4};
    EXPECT_EQ(L::ratio_rows(st.data(), last.data(), dl.data(), 5, [](v2d yv, v2d dv) { return yv / dv; }, sg.data(), sigma), 0.25);
    EXPECT_EQ(L::ratio_rows(st.data(), last.data(), dl.data(), 5, [](v2d yv, v2d dv) { return yv / dv; }),
              -std::numeric_limits<double>::infinity());
}

TEST(TChart, StatisticWrittenOverItsOwnValues) {
    // The t chart takes y^(1/t_power) in its statistic's column before it writes y there; a caller
    // whose statistic_out is the values' own memory gets the same as with separate columns.
    std::vector<double> y{1, 8, 27, 64};
    LimitOptions o;
    o.t_power = 3;
    LineColumns lines;
    lines.resize(4);
    const auto info = qm::spc::chart_limits(ChartType::t, {.values = y}, o, std::span<double>(y), lines);
    EXPECT_NEAR(info.mean, 2.5, 1e-15);  // z = 1 2 3 4, not the statistic's cube roots
    EXPECT_NEAR(lines.upper[0], std::pow(2.5 + 3 / 1.128, 3), 1e-11);
    EXPECT_EQ(y, (std::vector<double>{1, 8, 27, 64}));
}

TEST(NpChart, CentreAndLimitsPerDenominator) {
    // y 2 4 3, n 20 20 20 → p̄ = 9/60 = 0.15, centre 3, σ = √(20·0.15·0.85) = √2.55; LCL < 0 → 0
    const std::vector<double> y{2, 4, 3}, n{20, 20, 20};
    const PhaseChart r = qm::spc::chart_limits(ChartType::np, {.values = y, .denominators = n});
    EXPECT_DOUBLE_EQ(r.info.centre, 3.0);
    EXPECT_DOUBLE_EQ(r.info.mean, 0.15);
    EXPECT_DOUBLE_EQ(r.lines.upper[0], 3 + 3 * std::sqrt(2.55));
    EXPECT_EQ(r.lines.lower[0], 0.0);
    EXPECT_DOUBLE_EQ(r.lines.lower_1sigma[0], 3 - std::sqrt(2.55));
    // variable n: centre n_i·p̄, no single centre; y 1 5 10 of n 2 10 20 → p̄ = 16/32 = 0.5; for n = 2
    // the centre is 1 and 1 + 3√(2·0.5·0.5) = 3.12 is clipped to n = 2, 1 − 2.12 to 0
    const std::vector<double> y2{1, 5, 10}, n2{2, 10, 20};
    const PhaseChart v = qm::spc::chart_limits(ChartType::np, {.values = y2, .denominators = n2});
    EXPECT_TRUE(std::isnan(v.info.centre));
    EXPECT_EQ(v.lines.centre[0], 1.0);
    EXPECT_EQ(v.lines.centre[2], 10.0);
    EXPECT_EQ(v.lines.upper[0], 2.0);
    EXPECT_EQ(v.lines.lower[0], 0.0);
    EXPECT_DOUBLE_EQ(v.lines.upper[2], 10 + 3 * std::sqrt(5.0));
}

TEST(UChart, VariableExposure) {
    // y 3 5, n 2 4 → ū = 8/6; σ_i = √(ū/n_i)
    const std::vector<double> y{3, 5}, n{2, 4};
    const PhaseChart r = qm::spc::chart_limits(ChartType::u, {.values = y, .denominators = n});
    const double u = 8.0 / 6;
    EXPECT_DOUBLE_EQ(r.info.centre, u);
    EXPECT_DOUBLE_EQ(r.statistic[0], 1.5);
    EXPECT_DOUBLE_EQ(r.lines.upper[0], u + 3 * std::sqrt(u / 2));
    EXPECT_DOUBLE_EQ(r.lines.upper[1], u + 3 * std::sqrt(u / 4));
    EXPECT_EQ(r.lines.lower[0], 0.0);  // u − 3√(u/2) < 0
    EXPECT_DOUBLE_EQ(r.lines.lower_1sigma[1], u - std::sqrt(u / 4));
    // non-integer exposure (e.g. 9.5 inspection units) is fine for u
    const std::vector<double> e{10, 9.5};
    EXPECT_NO_THROW(qm::spc::chart_limits(ChartType::u, {.values = y, .denominators = e}));
}

TEST(LaneyCharts, PPrimeAndUPrimeByHand) {
    // y 10 20 30 20 of n = 100: p̄ = 0.2, σ_i = √(0.2·0.8/100) = 0.04, z = −2.5 0 2.5 0, MRs 2.5 2.5 2.5,
    // σ_z = 2.5/1.128; lines 0.2 ± 3·0.04·σ_z = 0.2 ± 0.26596; the lower one clipped to 0
    const std::vector<double> y{10, 20, 30, 20}, n{100, 100, 100, 100};
    const PhaseChart r = qm::spc::chart_limits(ChartType::p_prime, {.values = y, .denominators = n});
    const double sz = 2.5 / 1.128;
    EXPECT_NEAR(r.info.sigma_z, sz, 1e-14);
    EXPECT_NEAR(r.info.mean_moving_range, 2.5, 1e-14);
    EXPECT_NEAR(r.lines.upper[0], 0.2 + 3 * (0.04 * sz), 1e-14);
    EXPECT_EQ(r.lines.lower[0], 0.0);
    EXPECT_NEAR(r.lines.upper_1sigma[0], 0.2 + 0.04 * sz, 1e-14);
    // u′ with n = 10: ū = 80/40 = 2, σ_i = √(2/10), z = (1 − 2)/√0.2 = −√5, 0, √5, 0 → MRs √5 ×3
    const std::vector<double> m{10, 10, 10, 10};
    const PhaseChart u = qm::spc::chart_limits(ChartType::u_prime, {.values = y, .denominators = m});
    const double uz = std::sqrt(5.0) / 1.128;
    EXPECT_NEAR(u.info.sigma_z, uz, 1e-14);
    EXPECT_NEAR(u.lines.upper[0], 2 + 3 * (std::sqrt(0.2) * uz), 1e-13);
    EXPECT_NEAR(u.lines.lower[0], std::max(0.0, 2 - 3 * (std::sqrt(0.2) * uz)), 1e-13);
}

TEST(GChart, MedianOrMeanCentreAndBothSigmas) {
    // y 0 2 4 10: m = 4, median 3, σ = √(4·5) = √20; LCL 4 − 3√20 < 0 → 0
    const std::vector<double> y{0, 2, 4, 10};
    const PhaseChart r = qm::spc::chart_limits(ChartType::g, {.values = y});
    EXPECT_EQ(r.info.centre, 3.0);
    EXPECT_EQ(r.lines.centre[0], 3.0);
    EXPECT_EQ(r.info.mean, 4.0);
    EXPECT_DOUBLE_EQ(r.info.sigma, std::sqrt(20.0));
    EXPECT_DOUBLE_EQ(r.lines.upper[0], 4 + 3 * std::sqrt(20.0));
    EXPECT_DOUBLE_EQ(r.lines.upper_2sigma[0], 4 + 2 * std::sqrt(20.0));
    EXPECT_EQ(r.lines.lower[0], 0.0);
    LimitOptions o;
    o.g_centre = qm::spc::GCentre::mean;
    o.g_sigma = qm::spc::GSigma::number_until;  // qcc: √(1 − p)/p with p = 1/m → √(m(m − 1)) = √12
    const PhaseChart q = qm::spc::chart_limits(ChartType::g, {.values = y}, o);
    EXPECT_EQ(q.info.centre, 4.0);
    EXPECT_DOUBLE_EQ(q.lines.upper[0], 4 + 3 * std::sqrt(12.0));
}

TEST(CChart, ClipOnlyWhenAsked) {
    const std::vector<double> y{1, 0, 2};  // c̄ = 1, limits 1 ± 3
    LimitOptions o;
    o.clip = false;
    const PhaseChart r = qm::spc::chart_limits(ChartType::c, {.values = y}, o);
    EXPECT_EQ(r.lines.lower[0], -2.0);
    EXPECT_EQ(r.lines.upper[0], 4.0);
    EXPECT_EQ(qm::spc::chart_limits(ChartType::c, {.values = y}).lines.lower[0], 0.0);
}

TEST(SubgroupCharts, VariableSizesPooledAsQicharts2) {
    // {1,2,3}: n 3, x̄ 2, s 1, R 2; {2,4,6,8}: n 4, x̄ 5, s √(20/3), R 6
    // x̿ = (3·2 + 4·5)/7 = 26/7; pooled s = √((2·1 + 3·20/3)/5) = √4.4; x̄ lines x̿ ± 3·s_p/(c4(n_i)√n_i)
    const std::vector<double> obs{1, 2, 3, 2, 4, 6, 8};
    const std::vector<std::size_t> off{0, 3, 7};
    const SubgroupStats s = qm::spc::subgroup_stats(obs, off);
    const PhaseChart x = qm::spc::chart_limits(ChartType::xbar_s, subgroup_input(s));
    const double sp = std::sqrt(4.4);
    EXPECT_DOUBLE_EQ(x.info.centre, 26.0 / 7);
    EXPECT_DOUBLE_EQ(x.info.dispersion, sp);
    EXPECT_TRUE(std::isnan(x.info.sigma));  // depends on n_i
    EXPECT_NEAR(x.lines.upper[0], 26.0 / 7 + k::A3(3) * sp, 1e-14);
    EXPECT_NEAR(x.lines.lower[1], 26.0 / 7 - k::A3(4) * sp, 1e-14);
    // S chart: centre s_p (qicharts2), limits B3(n_i)·s_p, B4(n_i)·s_p
    const PhaseChart sc = qm::spc::dispersion_limits(ChartType::xbar_s, subgroup_input(s));
    EXPECT_DOUBLE_EQ(sc.info.centre, sp);
    EXPECT_DOUBLE_EQ(sc.lines.upper[0], k::B4(3) * sp);
    EXPECT_DOUBLE_EQ(sc.lines.upper[1], k::B4(4) * sp);
    EXPECT_EQ(sc.lines.lower[1], 0.0);
    EXPECT_DOUBLE_EQ(sc.statistic[1], std::sqrt(20.0 / 3));
    // R chart with mean_range: σ̂ = (2/d2(3) + 6/d2(4))/2; centre d2(n_i)·σ̂; upper + 3·d3(n_i)·σ̂
    const PhaseChart rc = qm::spc::dispersion_limits(ChartType::xbar_r, subgroup_input(s));
    const double sg = (2 / k::d2(3) + 6 / k::d2(4)) / 2;
    EXPECT_DOUBLE_EQ(rc.info.sigma, sg);
    EXPECT_TRUE(std::isnan(rc.info.centre));
    EXPECT_DOUBLE_EQ(rc.lines.centre[0], k::d2(3) * sg);
    EXPECT_DOUBLE_EQ(rc.lines.upper[1], k::d2(4) * sg + 3 * k::d3(4) * sg);
    const PhaseChart xr = qm::spc::chart_limits(ChartType::xbar_r, subgroup_input(s));
    EXPECT_DOUBLE_EQ(xr.lines.upper[1], 26.0 / 7 + 3 * sg / 2);
    // mean_sd: σ̂ = (1/c4(3) + √(20/3)/c4(4))/2
    LimitOptions o;
    o.subgroup_sigma = qm::spc::SubgroupSigma::mean_sd;
    const PhaseChart ms = qm::spc::chart_limits(ChartType::xbar_s, subgroup_input(s), o);
    EXPECT_DOUBLE_EQ(ms.info.sigma, (1 / k::c4(3) + std::sqrt(20.0 / 3) / k::c4(4)) / 2);
}

TEST(SubgroupCharts, EmptySubgroupIsAMissingPoint) {
    const std::vector<double> obs{1, 2, 3, NaN, NaN, 2, 3, 4};
    const std::vector<std::size_t> off{0, 3, 5, 8};
    const SubgroupStats s = qm::spc::subgroup_stats(obs, off);
    const PhaseChart x = qm::spc::chart_limits(ChartType::xbar_r, subgroup_input(s));
    EXPECT_TRUE(std::isnan(x.statistic[1]));
    EXPECT_TRUE(std::isnan(x.lines.upper[1]));
    EXPECT_DOUBLE_EQ(x.info.centre, 2.5);
    EXPECT_EQ(x.info.n_used, 2u);
    EXPECT_DOUBLE_EQ(x.lines.upper[0], 2.5 + k::A2(3) * 2);  // R̄ = 2
}

TEST(RatioCharts, NpCentreWithAMissingFirstRow) {
    const std::vector<double> y{NaN, 2, 4}, n{20, 20, 20};  // p̄ = 6/40
    const PhaseChart r = qm::spc::chart_limits(ChartType::np, {.values = y, .denominators = n});
    EXPECT_DOUBLE_EQ(r.info.centre, 3.0);
    EXPECT_TRUE(std::isnan(r.lines.centre[0]) && std::isnan(r.lines.upper[0]));
}

TEST(SubgroupCharts, TextbookSChartWithVariableSizes) {
    // mean_sd with sizes 3 and 4: σ̂ = (s1/c4(3) + s2/c4(4))/2; centre_i = c4(n_i)·σ̂;
    // lines ± 3·√(1 − c4²)·σ̂
    const std::vector<double> obs{1, 2, 3, 2, 4, 6, 8};
    const std::vector<std::size_t> off{0, 3, 7};
    const SubgroupStats s = qm::spc::subgroup_stats(obs, off);
    LimitOptions o;
    o.subgroup_sigma = qm::spc::SubgroupSigma::mean_sd;
    const PhaseChart r = qm::spc::dispersion_limits(ChartType::xbar_s, subgroup_input(s), o);
    const double sg = (1 / k::c4(3) + std::sqrt(20.0 / 3) / k::c4(4)) / 2;
    EXPECT_DOUBLE_EQ(r.lines.centre[0], k::c4(3) * sg);
    EXPECT_DOUBLE_EQ(r.lines.centre[1], k::c4(4) * sg);
    EXPECT_TRUE(std::isnan(r.info.centre));
    EXPECT_NEAR(r.lines.upper[1], k::c4(4) * sg + 3 * std::sqrt(1 - k::c4(4) * k::c4(4)) * sg, 1e-14);
    o.on_insufficient = qm::spc::OnInsufficient::nan_limits;
    const std::vector<std::uint8_t> none{0, 0};
    const PhaseChart e = qm::spc::dispersion_limits(ChartType::xbar_s, {.subgroups = s.view(), .used = none}, o);
    EXPECT_FALSE(e.info.sufficient);
    EXPECT_TRUE(std::isnan(e.lines.upper[0]));
    const PhaseChart x = qm::spc::chart_limits(ChartType::xbar_s, {.subgroups = s.view(), .used = none}, o);
    EXPECT_FALSE(x.info.sufficient);
    EXPECT_TRUE(std::isnan(x.lines.upper[1]));
}

TEST(RatioCharts, MissingDenominatorIsAMissingPoint) {
    const std::vector<double> y{1, 2, 3}, n{10, NaN, 10};  // p̄ = 4/20
    const PhaseChart r = qm::spc::chart_limits(ChartType::p, {.values = y, .denominators = n});
    EXPECT_DOUBLE_EQ(r.info.centre, 0.2);
    EXPECT_EQ(r.info.n_used, 2u);
    EXPECT_TRUE(std::isnan(r.statistic[1]));
    EXPECT_TRUE(std::isnan(r.lines.upper[1]));
    EXPECT_EQ(r.lines.centre[1], 0.2);
    EXPECT_DOUBLE_EQ(r.lines.upper[0], 0.2 + 3 * std::sqrt(0.2 * 0.8 / 10));
}

TEST(ChartLimits, WritesAtTheOffsetOfFullColumns) {
    const std::vector<double> y{1, 3, 2, 6};
    std::vector<double> stat(10, -1);
    LineColumns lines;
    lines.resize(10);
    const auto info = qm::spc::chart_limits(ChartType::xmr, {.values = y}, {}, stat, lines, 4);
    EXPECT_EQ(info.centre, 3.0);
    EXPECT_EQ(stat[3], -1.0);
    EXPECT_EQ(stat[4], 1.0);
    EXPECT_EQ(stat[7], 6.0);
    EXPECT_EQ(stat[8], -1.0);
    EXPECT_EQ(lines.centre[7], 3.0);
    EXPECT_EQ(lines.centre[8], 0.0);  // untouched
}

TEST(ChartLimits, TooFewPointsThrowsOrGivesNanLines) {
    const std::vector<double> one{5};
    const std::string msg = error_of([&] { qm::spc::chart_limits(ChartType::xmr, {.values = one}); });
    EXPECT_NE(msg.find("chart xmr: needs at least 2 used values to compute limits, got 1"), std::string::npos) << msg;
    EXPECT_THROW(qm::spc::chart_limits(ChartType::xmr, {.values = one}), qm::insufficient_data);
    LimitOptions o;
    o.on_insufficient = qm::spc::OnInsufficient::nan_limits;
    const PhaseChart r = qm::spc::chart_limits(ChartType::xmr, {.values = one}, o);
    EXPECT_FALSE(r.info.sufficient);
    EXPECT_EQ(r.info.centre, 5.0);
    EXPECT_TRUE(std::isnan(r.lines.upper[0]));
    // two used values that are never consecutive give no moving range
    const std::vector<double> gap{1, NaN, 3};
    EXPECT_THROW(qm::spc::chart_limits(ChartType::xmr, {.values = gap}), qm::insufficient_data);
    // a p chart with every row excluded
    const std::vector<double> y{1, 2}, n{10, 10};
    const std::vector<std::uint8_t> none{0, 0};
    const std::string p = error_of([&] { qm::spc::chart_limits(ChartType::p, {.values = y, .denominators = n, .used = none}); });
    EXPECT_NE(p.find("chart p: needs at least 1 used point to compute limits, got 0"), std::string::npos) << p;
    // Laney with a centre of 0: no binomial spread
    const std::vector<double> zero{0, 0, 0};
    const std::vector<double> n3{10, 10, 10};
    EXPECT_THROW(qm::spc::chart_limits(ChartType::p_prime, {.values = zero, .denominators = n3}), qm::insufficient_data);
    // xbar with no subgroup of 2 or more
    const std::vector<double> obs{NaN, NaN};
    const std::vector<std::size_t> off{0, 2};
    const SubgroupStats s = qm::spc::subgroup_stats(obs, off);
    EXPECT_THROW(qm::spc::chart_limits(ChartType::xbar_s, subgroup_input(s)), qm::insufficient_data);
    EXPECT_EQ(qm::spc::minimum_used_points(ChartType::xmr), 2u);
    EXPECT_EQ(qm::spc::minimum_used_points(ChartType::c), 1u);
}

// ---------------------------------------------------------------------------------------------
// 6. Bad input: an error naming the argument and the row
// ---------------------------------------------------------------------------------------------

void expect_error(const std::function<void()>& f, const std::string& expected) {
    std::string msg;
    try {
        f();
        msg = "(no exception)";
    } catch (const qm::invalid_argument& e) {
        msg = e.what();
    } catch (const std::exception& e) {
        msg = std::string("(other exception) ") + e.what();
    }
    EXPECT_NE(msg.find(expected), std::string::npos) << "got: " << msg << "\nexpected to contain: " << expected;
}

TEST(BadInput, NegativeCounts) {
    const std::vector<double> y{1, 2, -1};
    expect_error([&] { qm::spc::chart_limits(ChartType::c, {.values = y}); },
                 "values[2]: counts must be non-negative, got -1");
    const std::vector<double> n{10, 10, 10};
    expect_error([&] { qm::spc::chart_limits(ChartType::u, {.values = y, .denominators = n}); }, "values[2]:");
    expect_error([&] { qm::spc::chart_limits(ChartType::g, {.values = y}); }, "values[2]:");
}

TEST(BadInput, NonIntegerCounts) {
    const std::vector<double> y{1, 2.5, 3}, n{10, 10, 10};
    expect_error([&] { qm::spc::chart_limits(ChartType::c, {.values = y}); },
                 "values[1]: chart c counts must be whole numbers, got 2.5");
    expect_error([&] { qm::spc::chart_limits(ChartType::np, {.values = y, .denominators = n}); },
                 "values[1]: chart np counts must be whole numbers, got 2.5");
    expect_error([&] { qm::spc::chart_limits(ChartType::p, {.values = y, .denominators = n}); }, "values[1]:");
    const std::vector<double> w{1, 2, 3}, nw{10, 9.5, 10};
    expect_error([&] { qm::spc::chart_limits(ChartType::p, {.values = w, .denominators = nw}); },
                 "denominators[1]: chart p denominators (units inspected) must be whole numbers, got 9.5");
    LimitOptions o;
    o.require_whole_counts = false;
    EXPECT_NO_THROW(qm::spc::chart_limits(ChartType::c, {.values = y}, o));
}

TEST(BadInput, NumeratorAboveDenominator) {
    const std::vector<double> y{1, 12, 3}, n{10, 10, 10};
    for (auto c : {ChartType::p, ChartType::np, ChartType::p_prime})
        expect_error([&] { qm::spc::chart_limits(c, {.values = y, .denominators = n}); },
                     "values[1]: numerator 12 is above its denominator 10 (denominators[1])");
    EXPECT_NO_THROW(qm::spc::chart_limits(ChartType::u, {.values = y, .denominators = n}));  // rates may exceed 1
}

TEST(BadInput, ZeroNegativeInfiniteOrMissingDenominators) {
    const std::vector<double> y{1, 2, 3};
    const std::vector<double> zero{10, 0, 10}, neg{10, 10, -5}, infinite{10, INFINITY, 10}, nan{NaN, 10, 10};
    expect_error([&] { qm::spc::chart_limits(ChartType::p, {.values = y, .denominators = zero}); },
                 "denominators[1]: must be positive, got 0");
    expect_error([&] { qm::spc::chart_limits(ChartType::u, {.values = y, .denominators = neg}); },
                 "denominators[2]: must be positive, got -5");
    expect_error([&] { qm::spc::chart_limits(ChartType::u, {.values = y, .denominators = infinite}); },
                 "denominators[1]: must be finite");
    expect_error([&] { qm::spc::chart_limits(ChartType::p, {.values = y}); },
                 "denominators: chart p needs a denominator per row");
    const std::vector<double> short_n{10, 10};
    expect_error([&] { qm::spc::chart_limits(ChartType::u, {.values = y, .denominators = short_n}); },
                 "denominators: needs one entry per value (3), got 2");
    LimitOptions strict;
    strict.missing_denominator_is_error = true;
    expect_error([&] { qm::spc::chart_limits(ChartType::p, {.values = y, .denominators = nan}, strict); },
                 "denominators[0]: missing (NaN) while values[0] = 1 is present");
    EXPECT_NO_THROW(qm::spc::chart_limits(ChartType::p, {.values = y, .denominators = nan}));
    expect_error([&] { qm::spc::chart_limits(ChartType::c, {.values = y, .denominators = y}); },
                 "denominators: not used by chart c");
}

TEST(XbarChart, AnEmptySubgroupGivenWithStatisticsIsLeftOut) {
    // Statistics given directly (not from subgroup_stats): subgroup 2 has no observation but a
    // range of 100 and an sd of 50. It is not used, so for sizes of 5: R̄ = (2 + 4 + 6)/3 = 4,
    // s̄ = (1 + 2 + 3)/3 = 2, and the grand mean is (10 + 11 + 12)/3 = 11.
    const std::vector<double> mean{10, 11, NaN, 12}, range{2, 4, 100, 6}, sd{1, 2, 50, 3};
    const std::vector<std::size_t> size{5, 5, 0, 5};
    const ChartPhaseInput in{.subgroups = {mean, range, sd, size}};
    const PhaseChart r = qm::spc::chart_limits(ChartType::xbar_r, in);
    EXPECT_EQ(r.info.dispersion, 4.0);
    EXPECT_EQ(r.info.centre, 11.0);
    EXPECT_NEAR(r.info.sigma, 4.0 / 2.325929, 1e-6);  // d2(5) = 2.325929 (Montgomery, Appendix VI)
    qm::spc::LimitOptions mean_sd;
    mean_sd.subgroup_sigma = qm::spc::SubgroupSigma::mean_sd;
    EXPECT_EQ(qm::spc::chart_limits(ChartType::xbar_s, in, mean_sd).info.dispersion, 2.0);
    EXPECT_EQ(qm::spc::chart_limits(ChartType::xbar_s, in).info.dispersion, 2.0);  // pooled s of one size: s̄
}

TEST(XbarChart, GrandMeanOfEveryRowIsTheMaskedLoopsBitForBit) {
    // With every row used, the grand mean Σ n_i·x̄_i / Σ n_i is added four subgroups at a time; with
    // a mask (every row marked used) one at a time. The same bits, on means built to tell an order
    // or a product error apart: sizes 2-9 and 2^40 + 1 (Dekker would need its low half: one at a time), empty
    // subgroups, means of 0 and −0, ±2^k for k in −60..60, means of magnitude 1e-305 (one at a
    // time) and 1e300, and ordinary ones. Also Xbar-S, whose σ comes from the pooled sd.
    std::mt19937_64 rng(31);
    std::uniform_int_distribution<int> kind(0, 9), size(2, 9), expo(-60, 60);
    std::normal_distribution<double> z(0.0, 1.0);
    const std::size_t n = 20000;
    std::vector<double> mean(n), range(n), sd(n);
    std::vector<std::size_t> sizes(n);
    for (std::size_t i = 0; i < n; ++i) {
        sizes[i] = static_cast<std::size_t>(size(rng));
        range[i] = std::fabs(z(rng)) * 3;
        sd[i] = range[i] / 2;
        switch (kind(rng)) {
            case 0: mean[i] = (i % 2 ? -1.0 : 1.0) * 0.0; break;
            case 1: mean[i] = std::ldexp(z(rng) < 0 ? -1.0 : 1.0, expo(rng)); break;
            case 2: mean[i] = (i % 3 ? 1e-305 : 1e300) * z(rng) / 5; break;
            case 3:
                if (i % 7 == 0) {
                    sizes[i] = 0;
                    mean[i] = range[i] = sd[i] = NaN;
                } else if (i % 7 == 1) {
                    sizes[i] = (std::size_t{1} << 40) + 1;
                }
                if (sizes[i] != 0) mean[i] = 50 + z(rng);
                break;
            default: mean[i] = 50 + z(rng) * 5;
        }
    }
    ChartPhaseInput in{.subgroups = {mean, range, sd, sizes}};
    std::vector<std::uint8_t> all(n, 1);
    ChartPhaseInput masked = in;
    masked.used = all;
    auto same = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
    qm::spc::LimitOptions o;
    o.on_insufficient = qm::spc::OnInsufficient::nan_limits;
    for (ChartType chart : {ChartType::xbar_s}) {
        const PhaseChart a = qm::spc::chart_limits(chart, in, o), b = qm::spc::chart_limits(chart, masked, o);
        EXPECT_TRUE(same(a.info.centre, b.info.centre)) << a.info.centre << " vs " << b.info.centre;
        EXPECT_EQ(a.info.n_used, b.info.n_used);
        ASSERT_EQ(a.statistic.size(), b.statistic.size());
        for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(same(a.statistic[i], b.statistic[i])) << i;
    }
    // many short phases of 5-40 rows, so that the lanes start and stop at every offset: each centre
    for (std::size_t b = 0, len = 5; b + len <= n; b += len, len = 5 + (len * 7) % 36) {
        ChartPhaseInput part{.subgroups = {std::span<const double>(mean).subspan(b, len),
                                           std::span<const double>(range).subspan(b, len),
                                           std::span<const double>(sd).subspan(b, len),
                                           std::span<const std::size_t>(sizes).subspan(b, len)}};
        ChartPhaseInput part_masked = part;
        part_masked.used = std::span<const std::uint8_t>(all).subspan(b, len);
        const double c1 = qm::spc::chart_limits(ChartType::xbar_s, part, o).info.centre,
                     c2 = qm::spc::chart_limits(ChartType::xbar_s, part_masked, o).info.centre;
        ASSERT_TRUE(same(c1, c2)) << "rows " << b << "-" << b + len << ": " << c1 << " vs " << c2;
    }
}

TEST(BadInput, SubgroupsOfOneForXbarCharts) {
    const std::vector<double> obs{1, 2, 3, 4, 5, 6, 7};
    const std::vector<std::size_t> off{0, 2, 4, 6, 7};
    const SubgroupStats s = qm::spc::subgroup_stats(obs, off);
    expect_error([&] { qm::spc::chart_limits(ChartType::xbar_s, subgroup_input(s)); },
                 "subgroup_sizes[3]: chart xbar_s needs at least 2 observations per subgroup, got 1");
    expect_error([&] { qm::spc::dispersion_limits(ChartType::xbar_r, subgroup_input(s)); },
                 "subgroup_sizes[3]: chart xbar_r needs at least 2 observations per subgroup, got 1");
    std::vector<std::size_t> sizes{2, 2, 2, 2};
    SubgroupStats bad = s;
    bad.size = sizes;
    bad.mean.pop_back();
    expect_error([&] { qm::spc::chart_limits(ChartType::xbar_r, subgroup_input(bad)); },
                 "subgroups: mean, range, sd and size need one entry per subgroup");
    std::vector<double> big(2 * 201);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i % 7);
    const std::vector<std::size_t> off2{0, 201, 402};
    const SubgroupStats s2 = qm::spc::subgroup_stats(big, off2);
    expect_error([&] { qm::spc::chart_limits(ChartType::xbar_r, subgroup_input(s2)); },
                 "subgroup_sizes[0]: ranges need subgroups of at most 200 observations (use xbar_s), got 201");
    EXPECT_NO_THROW(qm::spc::chart_limits(ChartType::xbar_s, subgroup_input(s2)));
}

TEST(BadInput, SubgroupStatisticsGivenDirectly) {
    // Statistics given as a SubgroupView (not from subgroup_stats): each bad one is named with its
    // row, at an even row (checked two at a time) and at the last of five (checked alone).
    const double inf = std::numeric_limits<double>::infinity();
    for (std::size_t row : {2u, 4u}) {
        struct Case {
            const char* what;
            int column;  // 0 mean, 1 range, 2 sd, 3 size
            double value;
            std::string message;
        };
        const std::string at = "[" + std::to_string(row) + "]";
        const Case cases[] = {
            {"infinite mean", 0, inf, "subgroup_means" + at + ": must be finite (|x| ≤ 1e300) or NaN, got inf"},
            {"huge mean", 0, -2e300, "subgroup_means" + at + ": must be finite (|x| ≤ 1e300) or NaN, got -2e+300"},
            {"missing mean", 0, NaN, "subgroup_means" + at + ": missing for a subgroup of 5 observations"},
            {"negative range", 1, -1, "subgroup_ranges" + at + ": must be non-negative, got -1"},
            {"infinite range", 1, inf, "subgroup_ranges" + at + ": must be finite or NaN, got inf"},
            {"negative sd", 2, -0.5, "subgroup_sds" + at + ": must be non-negative, got -0.5"},
            {"infinite sd", 2, inf, "subgroup_sds" + at + ": must be finite or NaN, got inf"},
            {"size 201", 3, 201, "subgroup_sizes" + at + ": ranges need subgroups of at most 200 observations"},
        };
        for (const Case& c : cases) {
            SCOPED_TRACE(c.what);
            std::vector<double> mean{10, 11, 12, 13, 14}, range{2, 3, 4, 5, 6}, sd{1, 1, 2, 2, 3};
            std::vector<std::size_t> size(5, 5);
            if (c.column == 0) mean[row] = c.value;
            if (c.column == 1) range[row] = c.value;
            if (c.column == 2) sd[row] = c.value;
            if (c.column == 3) size[row] = static_cast<std::size_t>(c.value);
            const ChartPhaseInput in{.subgroups = {mean, range, sd, size}};
            expect_error([&] { qm::spc::chart_limits(ChartType::xbar_r, in); }, c.message);
        }
        // an empty subgroup with a missing mean, range and sd is valid
        std::vector<double> mean{10, 11, 12, 13, 14}, range{2, 3, 4, 5, 6}, sd{1, 1, 2, 2, 3};
        std::vector<std::size_t> size(5, 5);
        size[row] = 0;
        mean[row] = range[row] = sd[row] = NaN;
        EXPECT_NO_THROW(qm::spc::chart_limits(ChartType::xbar_r, {.subgroups = {mean, range, sd, size}}));
    }
}

TEST(BadInput, TimeBetweenEventsMustBePositive) {
    const std::vector<double> y{3, 0, 5};
    expect_error([&] { qm::spc::chart_limits(ChartType::t, {.values = y}); },
                 "values[1]: time between events must be positive, got 0");
}

TEST(BadInput, ValuesMaskOffsetsAndOptions) {
    const std::vector<double> y{1, INFINITY, 3};
    expect_error([&] { qm::spc::chart_limits(ChartType::xmr, {.values = y}); }, "values[1]: must be finite");
    const std::vector<double> ok{1, 2, 3};
    const std::vector<std::uint8_t> mask{1, 1};
    expect_error([&] { qm::spc::chart_limits(ChartType::xmr, {.values = ok, .used = mask}); },
                 "used: needs one entry per row (3), got 2");
    // the row in a message is the row of the full column (offset + i)
    const std::vector<double> neg{1, 2, -3};
    std::vector<double> stat(20);
    LineColumns lines;
    lines.resize(20);
    expect_error([&] { qm::spc::chart_limits(ChartType::c, {.values = neg}, {}, stat, lines, 10); },
                 "values[12]: counts must be non-negative, got -3");
    expect_error([&] { qm::spc::chart_limits(ChartType::c, {.values = ok}, {}, stat, lines, 18); },
                 "statistic_out: needs at least 21 rows, got 20");
    lines.upper.resize(5);
    expect_error([&] { qm::spc::chart_limits(ChartType::c, {.values = ok}, {}, stat, lines, 4); },
                 "lines_out: needs at least 7 rows in every column, got 5");
    LimitOptions o;
    o.sigma_multiplier = 0;
    expect_error([&] { qm::spc::chart_limits(ChartType::xmr, {.values = ok}, o); },
                 "sigma_multiplier: must be a positive number, got 0");
    o = {};
    o.mr_d2 = NaN;
    expect_error([&] { qm::spc::chart_limits(ChartType::xmr, {.values = ok}, o); }, "mr_d2: must be a positive number");
    expect_error([&] { qm::spc::dispersion_limits(ChartType::p, {.values = ok}); },
                 "chart: dispersion limits are for xbar_r (R chart) and xbar_s (S chart), got p");
    const SubgroupStats s = qm::spc::subgroup_stats(ok, std::vector<std::size_t>{0, 3});
    expect_error([&] { qm::spc::chart_limits(ChartType::xmr, {.values = ok, .subgroups = s.view()}); },
                 "subgroups: not used by chart xmr");
    expect_error([&] { qm::spc::chart_limits(ChartType::xbar_r, {.values = ok, .subgroups = s.view()}); },
                 "values: not used by chart xbar_r (give subgroups)");
}

TEST(BadInput, SubgroupOffsets) {
    const std::vector<double> obs{1, 2, 3};
    expect_error([&] { qm::spc::subgroup_stats(obs, std::vector<std::size_t>{0}); },
                 "subgroup_offsets: needs at least 2 entries");
    expect_error([&] { qm::spc::subgroup_stats(obs, std::vector<std::size_t>{1, 3}); }, "subgroup_offsets[0]: must be 0");
    expect_error([&] { qm::spc::subgroup_stats(obs, std::vector<std::size_t>{0, 2}); },
                 "subgroup_offsets[1]: must equal the number of observations (3), got 2");
    expect_error([&] { qm::spc::subgroup_stats(obs, std::vector<std::size_t>{0, 2, 1, 3}); },
                 "subgroup_offsets[2]: offsets must not decrease");
    const std::vector<double> bad{1, -INFINITY};
    expect_error([&] { qm::spc::subgroup_stats(bad, std::vector<std::size_t>{0, 2}); }, "obs[1]: must be finite");
}

}  // namespace

// The median behind the run chart and the g chart's median centre: select_kth's branch-free
// partition rounds must find the value std::nth_element finds (the definition), on random data with many ties, zeros of both signs and missing values,
// for every length across the hand-over points; the median of an even count is the mean of the
// two middle values, as R's median().
TEST(Median, SelectKthAndMedianOfMatchNthElement) {
    namespace L = qm::spc::detail::limits;
    std::mt19937_64 rng(99);
    L::Buffer buf;
    for (int iter = 0; iter < 4000; ++iter) {
        const std::size_t n = 1 + rng() % 150;
        const int alphabet = 1 + static_cast<int>(rng() % 40);
        std::vector<double> y(n);
        for (auto& v : y) {
            const auto r = rng() % 100;
            v = r < 5 ? std::numeric_limits<double>::quiet_NaN()
                      : (r < 10 ? -0.0 : static_cast<double>(static_cast<int>(rng() % alphabet) - alphabet / 2) / 4);
        }
        std::vector<double> kept;
        for (double v : y)
            if (v == v) kept.push_back(v);
        std::size_t count = 0;
        const double got = L::median_of(n, [&](std::size_t i) { return y[i]; }, [](std::size_t) { return true; }, count, buf);
        ASSERT_EQ(count, kept.size());
        if (kept.empty()) {
            EXPECT_TRUE(std::isnan(got));
            continue;
        }
        auto kth = [&](std::size_t k) {
            auto c = kept;
            std::nth_element(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(k), c.end());
            return c[k];
        };
        const std::size_t h = kept.size() / 2;
        const double want = kept.size() % 2 ? kth(h) : (kth(h - 1) + kth(h)) / 2;  // exact: quarters
        ASSERT_EQ(got, want) << "iteration " << iter << " n " << n;
        // select_kth on its own, every k (and with `below`, the (k-1)-th too) of a random length up
        // to 40, and a few k of longer ones
        for (std::size_t k = 0; k < kept.size(); k += kept.size() <= 40 ? 1 : 1 + rng() % 17) {
            std::vector<double> a = kept, t(kept.size());
            ASSERT_EQ(L::select_kth(a.data(), t.data(), a.size(), k), kth(k)) << "k " << k;
            if (k == 0) continue;
            std::vector<double> b = kept, u(kept.size());
            double below = 0;
            ASSERT_EQ(L::select_kth(b.data(), u.data(), b.size(), k, &below), kth(k)) << "k " << k;
            ASSERT_EQ(below, kth(k - 1)) << "k " << k << " of " << kept.size();
        }
    }
}

// Long inputs (65,536 values or more): select_kth_sampled copies the values between two of a
// sorted sample of 2,048 and selects among them. Against std::nth_element (the definition), every
// k near the middle and a few elsewhere, with `below`: normal noise, few distinct values (ties at
// the range's ends), sorted and reversed input, a sample that misses (every sampled position holds
// an outlier, so the range lies above the k-th), and the k-th exactly at the range's lower end
// with the (k−1)-th below it.
// add_in_order's Fast2Sum runs for terms known to be >= 0 must give exactly the sums of its
// definition — each kept row's terms added in order by Sum::add — including the runs where a term
// outweighs its lane's sum (the first rows, a late outlier, a tiny sum then a huge term), where it
// must fall back to TwoSum, and runs cut short by a dropped (missing) row.
TEST(AddInOrder, NonNegativeRunsGiveTheDefinitionsBits) {
    namespace L = qm::spc::detail::limits;
    using qm::stats::detail::load2;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::mt19937_64 rng(20261126);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int pattern = 0; pattern < 6; ++pattern) {
        const std::size_t n = 700 + 37 * pattern;
        std::vector<double> y(n), d(n);
        for (std::size_t i = 0; i < n; ++i) {
            y[i] = std::floor(3000 * u(rng)) * (pattern == 1 ? 1e-30 : 1.0);
            d[i] = 1.0 + u(rng) / 3.0;  // non-whole: every addition rounds
        }
        if (pattern == 2) y[400] = 1e22;           // a late outlier: larger than any lane's sum
        if (pattern == 3) y[130] = y[131] = nan;    // dropped rows inside a run
        if (pattern == 4) for (std::size_t i = 0; i < 200; ++i) y[i] = 0.0;  // sums of 0, then terms
        if (pattern == 5) for (std::size_t i = 500; i < n; ++i) y[i] = 1e15 * u(rng);  // a step up
        L::Sum want_y, want_d, got_y, got_d;
        for (std::size_t i = 0; i < n; ++i)
            if (y[i] == y[i]) {
                want_y.add(y[i]);
                want_d.add(d[i]);
            }
        L::Sum* const both[2] = {&got_y, &got_d};
        const double* col[2] = {y.data(), d.data()};
        L::add_in_order(
            both, n, [&](std::size_t k, std::size_t i) { return col[k][i]; },
            [&](std::size_t k, std::size_t i) { return load2(col[k] + i); },
            [&](std::size_t i) { return y[i] == y[i]; },
            [&](std::size_t i) { return qm::stats::detail::is_number2(load2(y.data() + i)); }, nullptr, true);
        ASSERT_EQ(got_y.n, want_y.n);
        for (int l = 0; l < 4; ++l) {
            EXPECT_EQ(got_y.lane[l].hi, want_y.lane[l].hi) << "pattern " << pattern << " lane " << l;
            EXPECT_EQ(got_y.lane[l].lo, want_y.lane[l].lo) << "pattern " << pattern << " lane " << l;
            EXPECT_EQ(got_d.lane[l].hi, want_d.lane[l].hi) << "pattern " << pattern << " lane " << l;
            EXPECT_EQ(got_d.lane[l].lo, want_d.lane[l].lo) << "pattern " << pattern << " lane " << l;
        }
    }
}

TEST(Median, SampledSelectionMatchesNthElement) {
    namespace L = qm::spc::detail::limits;
    std::mt19937_64 rng(65536);
    std::normal_distribution<double> z(0.0, 1.0);
    auto check = [&](const std::vector<double>& x, std::size_t k, const char* what) {
        auto c = x;
        std::nth_element(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(k), c.end());
        const double want = c[k];
        std::vector<double> a = x, t(x.size());
        ASSERT_EQ(L::select_kth_sampled(a.data(), t.data(), a.size(), k), want) << what << " k " << k;
        if (k == 0) return;
        c = x;
        std::nth_element(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(k - 1), c.end());
        a = x;
        double below = 0;
        ASSERT_EQ(L::select_kth_sampled(a.data(), t.data(), a.size(), k, &below), want) << what << " k " << k;
        ASSERT_EQ(below, c[k - 1]) << what << " k " << k;
    };
    for (int iter = 0; iter < 24; ++iter) {
        const std::size_t n = 65536 + rng() % 200000;
        std::vector<double> x(n);
        const int kind = iter % 6;
        for (std::size_t i = 0; i < n; ++i)
            x[i] = kind == 1 ? static_cast<double>(rng() % 7) : 50 + z(rng);
        if (kind == 2) std::sort(x.begin(), x.end());
        if (kind == 3) std::sort(x.begin(), x.end(), std::greater<>());
        if (kind == 4)  // every sampled position an outlier: the sample's range misses the k-th
            for (std::size_t i = 0; i < 2048; ++i) x[i * (n / 2048)] = 1e6 + static_cast<double>(i);
        for (std::size_t k : {n / 2, n / 2 - 1, n / 2 + 1, std::size_t{0}, std::size_t{1}, n - 1, n / 10,
                              static_cast<std::size_t>(rng() % n)})
            check(x, k, kind == 1 ? "ties" : kind == 2 ? "sorted" : kind == 3 ? "reversed" : kind == 4 ? "missed" : "normal");
    }
    {  // the k-th at the range's lower end: 5.5 at every sampled position, 0.5 in h other rows:
       // n_below = h, and the (h−1)-th (0.5) comes from below the range
        const std::size_t n = 100000, h = n / 2, stride = n / 2048;
        std::vector<double> x(n, 5.5);
        std::size_t low = 0;
        for (std::size_t i = 0; i < n && low < h; ++i)
            if (i % stride != 0 || i / stride >= 2048) x[i] = 0.5, ++low;
        check(x, h, "lower end");
        L::Buffer buf;
        std::size_t count = 0;
        // median of an even count (not whole numbers: no histogram): (0.5 + 5.5) / 2
        EXPECT_EQ(L::median_of(n, [&](std::size_t i) { return x[i]; }, [](std::size_t) { return true; }, count, buf), 3.0);
    }
}

// Large counts: the histogram path (4,096 or more whole numbers over a narrow range) and its way
// out (a fraction, a negative value, a wide range, a zero in the middle), against the definition.
TEST(Median, HistogramPathMatchesNthElement) {
    namespace L = qm::spc::detail::limits;
    L::Buffer buf;
    {  // the middle exactly on a bucket boundary: 2,500 ones and 2,500 twos (+ one more one)
        for (std::size_t ones : {std::size_t{2500}, std::size_t{2501}}) {
            std::vector<double> y(ones, 1.0);
            y.insert(y.end(), 2500, 2.0);
            std::size_t count = 0;
            const double got = L::median_of(
                y.size(), [&](std::size_t i) { return y[i]; }, [](std::size_t) { return true; }, count, buf);
            EXPECT_EQ(got, ones == 2500 ? 1.5 : 1.0);
        }
    }
    std::mt19937_64 rng(2026);
    for (int iter = 0; iter < 60; ++iter) {
        const std::size_t n = 4096 + rng() % 12000;
        const std::uint64_t range = 1 + rng() % (iter % 3 == 0 ? 20 : 2000);
        const double offset = iter % 4 == 0 ? 0.0 : static_cast<double>(rng() % 1000);
        std::vector<double> y(n);
        for (auto& v : y) v = offset + static_cast<double>(rng() % range);
        if (iter % 5 == 1) y[rng() % n] = 0.5;                                     // not whole
        if (iter % 5 == 2) y[rng() % n] = -3.0;                                    // negative
        if (iter % 5 == 3) y[rng() % n] = 1e9;                                     // wide range
        if (iter % 7 == 4) y[rng() % n] = std::numeric_limits<double>::quiet_NaN();  // missing
        if (iter % 7 == 5)  // most rows missing: fewer than 4,096 numbers, or a range too wide for their count
            for (auto& v : y)
                if (rng() % 8 != 0) v = std::numeric_limits<double>::quiet_NaN();
        // median_of_column reads y itself, with every row kept or a mask (a third of the rows left out)
        std::vector<std::uint8_t> mask(n);
        for (auto& m : mask) m = rng() % 3 != 0;
        for (int how = 0; how < 3; ++how) {
            std::vector<double> kept;
            for (std::size_t i = 0; i < n; ++i)
                if (y[i] == y[i] && (how < 2 || mask[i])) kept.push_back(y[i]);
            auto kth = [&](std::size_t k) {
                auto c = kept;
                std::nth_element(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(k), c.end());
                return c[k];
            };
            const std::size_t h = kept.size() / 2;
            const double want = kept.empty() ? std::numeric_limits<double>::quiet_NaN()
                                : kept.size() % 2 ? kth(h)
                                                  : (kth(h - 1) + kth(h)) / 2;  // exact: whole/half values
            std::size_t count = 0;
            const double got =
                how == 0   ? L::median_of(n, [&](std::size_t i) { return y[i]; }, [](std::size_t) { return true; }, count, buf)
                : how == 1 ? L::median_of_column(y.data(), n, L::AllRows{}, count, buf)
                           : L::median_of_column(y.data(), n, L::MaskRows{mask.data()}, count, buf);
            ASSERT_EQ(count, kept.size()) << "iteration " << iter << " way " << how;
            if (kept.empty()) ASSERT_TRUE(std::isnan(got));
            else ASSERT_EQ(got, want) << "iteration " << iter << " way " << how << " n " << n << " range " << range;
        }
    }
}
