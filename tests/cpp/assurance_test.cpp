// Tests of funnel plots (qm/assurance/funnel.hpp), benchmark comparison
// (qm/assurance/compare.hpp) and the confidence intervals behind them (qm/stats/intervals.hpp).
//
// Every expected value names its source next to it:
//   * PHE/UKHSA's own test vectors (PHEindicatormethods@093fd28 tests/testthat, Excel-computed),
//     extracted to tests/reference/assurance/phe_*.csv by extract_phe_fixtures.py;
//   * FunnelPlotR 0.6.0's tests (tests/testthat/test-poisson_limits.R, test-outliers_func.R);
//   * published worked examples (Newcombe 1998 for Wilson; the Fingertips SPC comparator);
//   * independent 40-digit computations from the published formulas (make_funnel_reference.py:
//     Spiegelhalter 2005 exact and over-dispersed funnels, the SHMI method, FunnelPlotR's method)
//     on real NHS A&E data, in tests/reference/assurance/funnel_*.csv;
//   * Boost.Math quantiles, for the exact limits' defining properties.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <gtest/gtest.h>

#include <qm/assurance/assurance.hpp>

#include "test_csv.hpp"
#include "test_support.hpp"

namespace {

using namespace qm::assurance;
namespace st = qm::stats;
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// ------------------------------------------------------------------ reference files
using qm_test::Csv;

/// tests/reference/assurance/`name`.
Csv read_table(const std::string& name) { return qm_test::read_reference("assurance/" + name); }

using qm_test::expect_invalid;

void expect_rel(double got, double want, double rtol, const std::string& what) {
    if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << what << ": expected NaN, got " << got;
        return;
    }
    EXPECT_LE(std::abs(got - want), rtol * std::max(std::abs(want), 1e-300)) << what << ": got " << got << ", want " << want;
}

std::string band_name(FunnelBand b) { return std::string(to_string(b)); }

/// PHE's labels for our bands.
std::string phe_label(FunnelBand b) {
    switch (b) {
        case FunnelBand::high_998: return "High (0.001)";
        case FunnelBand::high_95: return "High (0.025)";
        case FunnelBand::low_998: return "Low (0.001)";
        case FunnelBand::low_95: return "Low (0.025)";
        case FunnelBand::within: return "Not significant";
        case FunnelBand::not_applicable: return "Not applicable for events less than 10 for dsrs";
        default: return "?";
    }
}

// ================================================================== confidence intervals

TEST(Intervals, WilsonAndByarMatchPheTestVectors) {
    // PHEindicatormethods testdata_Byars_Wilson.xlsx (Excel-computed by PHE).
    const Csv t = read_table("phe_byar_wilson.csv");
    const auto x = t.column("x"), n = t.column("n"), lo = t.column("lowercl"), hi = t.column("uppercl");
    const auto conf = t.strings("confidence"), method = t.strings("method");
    ASSERT_EQ(t.rows.size(), 13u);
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const double c = conf[i] == "95%" ? 0.95 : 0.998;
        const st::Interval r = method[i] == "Wilson" ? st::wilson(x[i], n[i], c) : st::byar(x[i], c);
        expect_rel(r.lower, lo[i], 1e-12, "lower row " + std::to_string(i));
        expect_rel(r.upper, hi[i], 1e-12, "upper row " + std::to_string(i));
    }
    // the last row: Byar's lower limit for 1 event at 99.8% is negative, which PHE reports as NA
    EXPECT_TRUE(std::isnan(st::byar(1, 0.998).lower));
}

TEST(Intervals, WilsonNewcombe1998WorkedExamples) {
    // Newcombe RG. Two-sided confidence intervals for the single proportion. Stat Med
    // 1998;17:857-72, Table II, method 3 (score, no continuity correction), 4 dp.
    struct Case { double x, n, lo, hi; };
    for (const Case c : {Case{81, 263, 0.2553, 0.3662}, Case{15, 148, 0.0624, 0.1605}, Case{0, 20, 0.0, 0.1611},
                         Case{1, 29, 0.0061, 0.1718}, Case{29, 29, 0.8830, 1.0}}) {
        const auto r = st::wilson(c.x, c.n, 0.95);
        EXPECT_NEAR(r.lower, c.lo, 5e-5) << c.x << "/" << c.n;
        EXPECT_NEAR(r.upper, c.hi, 5e-5) << c.x << "/" << c.n;
    }
}

TEST(Intervals, ExactPoissonAgainstBoostQuantilesAndDefinition) {
    // The χ² limits are the Poisson means at which the observed count is in the α/2 tail:
    // P(X >= x | lower) = α/2 and P(X <= x | upper) = α/2 (Boost.Math Poisson CDF).
    for (double c : {0.95, 0.998}) {
        const double a2 = (1 - c) / 2;
        for (int x = 0; x < 30; ++x) {
            const auto r = st::exact_poisson(x, c);
            const double up = boost::math::quantile(boost::math::chi_squared(2.0 * x + 2), 1 - a2) / 2;
            EXPECT_DOUBLE_EQ(r.upper, up);
            EXPECT_NEAR(boost::math::cdf(boost::math::poisson(r.upper), x), a2, 1e-12);
            if (x == 0) {
                EXPECT_EQ(r.lower, 0.0);
            } else {
                EXPECT_DOUBLE_EQ(r.lower, boost::math::quantile(boost::math::chi_squared(2.0 * x), a2) / 2);
                EXPECT_NEAR(boost::math::cdf(boost::math::complement(boost::math::poisson(r.lower), x - 1)), a2, 1e-12);
            }
        }
    }
    // 0 events: the upper 95% limit is −ln(0.025) = 3.68888
    EXPECT_NEAR(st::exact_poisson(0, 0.95).upper, -std::log(0.025), 1e-12);
    // below 10 events exact, from 10 Byar (OHID technical guidance "Rates")
    EXPECT_DOUBLE_EQ(st::poisson_count(9, 0.95).lower, st::exact_poisson(9, 0.95).lower);
    EXPECT_DOUBLE_EQ(st::poisson_count(10, 0.95).lower, st::byar(10, 0.95).lower);
}

TEST(Intervals, ExactBinomialIsClopperPearson) {
    for (int n : {1, 7, 50}) {
        for (int x = 0; x <= n; ++x) {
            const auto r = st::exact_binomial(x, n, 0.95);
            if (x > 0) EXPECT_NEAR(boost::math::cdf(boost::math::complement(boost::math::binomial(n, r.lower), x - 1)), 0.025, 1e-10);
            else EXPECT_EQ(r.lower, 0.0);
            if (x < n) EXPECT_NEAR(boost::math::cdf(boost::math::binomial(n, r.upper), x), 0.025, 1e-10);
            else EXPECT_EQ(r.upper, 1.0);
        }
    }
}

TEST(Intervals, BadInputIsNamed) {
    expect_invalid([] { st::wilson(11, 10, 0.95); }, "numerator: must not exceed the denominator");
    expect_invalid([] { st::wilson(1, 0, 0.95); }, "denominator: must be positive");
    expect_invalid([] { st::byar(-1, 0.95); }, "numerator: must be a finite count >= 0");
    expect_invalid([] { st::exact_poisson(1, 1.5); }, "confidence: must be strictly between 0 and 1");
    EXPECT_TRUE(std::isnan(st::mean_t(3.0, 1.0, 1, 0.95).lower));       // one value: no interval
    EXPECT_TRUE(std::isnan(st::dobson(100.0, 4.0, 9, 0.95).lower));     // DSR below 10 events: NA
}

// ================================================================== comparison

TEST(Compare, MeansMatchPheTestVectors) {
    // PHEindicatormethods testdata_Mean.xlsx: Student's t intervals.
    const Csv in = read_table("phe_mean_input.csv"), out = read_table("phe_mean_results.csv");
    const auto area = in.strings("area");
    const auto values = in.column("values");
    std::vector<std::size_t> offsets = {0};
    for (std::size_t i = 1; i < area.size(); ++i)
        if (area[i] != area[i - 1]) offsets.push_back(i);
    offsets.push_back(area.size());
    // the three result rows: Area1, Area2, and all values together (a second copy of the values)
    std::vector<double> all_values = values;
    all_values.insert(all_values.end(), values.begin(), values.end());
    offsets.push_back(all_values.size());
    ASSERT_EQ(offsets.size(), 4u);
    const double bm = 0.0;
    const CompareInput input{.numerator = all_values, .offsets = offsets, .benchmark = std::span<const double>(&bm, 1)};
    const auto r = compare(input, {.statistic = Statistic::mean});
    ASSERT_EQ(r.value.size(), 3u);
    const auto v = out.column("value"), l95 = out.column("lower95_0cl"), u95 = out.column("upper95_0cl"),
               l998 = out.column("lower99_8cl"), u998 = out.column("upper99_8cl"), sd = out.column("stdev");
    for (std::size_t g = 0; g < 3; ++g) {
        expect_rel(r.value[g], v[g], 1e-13, "mean");
        expect_rel(r.denominator[g], sd[g], 1e-12, "sd");
        expect_rel(r.lower_95[g], l95[g], 1e-12, "lower95");
        expect_rel(r.upper_95[g], u95[g], 1e-12, "upper95");
        expect_rel(r.lower_998[g], l998[g], 1e-12, "lower998");
        expect_rel(r.upper_998[g], u998[g], 1e-12, "upper998");
    }
}

/// The 2013 European Standard Population, 19 age bands (ONS; as PHEindicatormethods' esp2013).
const std::vector<double> esp2013 = {5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
                                     7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000};

TEST(Compare, DsrDobsonMatchesPheTestVectorsAndSuppressesBelowTenEvents) {
    // PHEindicatormethods testdata_DSR_ISR.xlsx: DSRs per 10,000 and per 100,000 with Dobson CIs;
    // testdata_tiny has 9 events: "dsr NA for total count < 10".
    const Csv in = read_table("phe_dsr_input.csv"), out = read_table("phe_dsr_results.csv");
    const auto area = in.strings("area");
    const auto x = in.column("count"), n = in.column("pop");
    std::vector<double> w;
    std::vector<std::size_t> offsets = {0};
    for (std::size_t i = 0; i < area.size(); ++i) {
        if (i > 0 && area[i] != area[i - 1]) offsets.push_back(i);
        w.push_back(esp2013[w.size() % 19]);
    }
    offsets.push_back(area.size());
    ASSERT_EQ(offsets.size(), 4u);
    const double bm = 1000;
    for (double mult : {1e4, 1e5}) {
        const auto r = compare({.numerator = x, .denominator = n, .standard = w, .offsets = offsets,
                                .benchmark = std::span<const double>(&bm, 1)},
                               {.statistic = Statistic::dsr, .multiplier = mult});
        const std::size_t row0 = mult == 1e4 ? 0 : 4;
        for (std::size_t g = 0; g < 3; ++g) {
            const std::size_t k = row0 + g;
            expect_rel(r.numerator[g], out.column("total_count")[k], 0, "total count");
            expect_rel(r.value[g], out.column("value")[k], 1e-12, "dsr");
            expect_rel(r.lower_95[g], out.column("lower95_0cl")[k], 1e-12, "lower95");
            expect_rel(r.upper_95[g], out.column("upper95_0cl")[k], 1e-12, "upper95");
            expect_rel(r.lower_998[g], out.column("lower99_8cl")[k], 1e-12, "lower998");
            expect_rel(r.upper_998[g], out.column("upper99_8cl")[k], 1e-12, "upper998");
        }
        EXPECT_EQ(r.status[2], CompareStatus::too_few_events);
        EXPECT_EQ(r.comparison[2], TwoLevelComparison::not_compared);
        EXPECT_TRUE(std::isnan(r.value[2]));
    }
}

TEST(Compare, IndirectlyStandardisedRatiosAndRatesMatchPhe) {
    // PHEindicatormethods testdata_DSR_ISR.xlsx testresults_ISR: O/E with exact (< 10) or Byar CIs,
    // × 100 (ratio), × reference rate (indirectly standardised rate).
    const Csv t = read_table("phe_isr_results.csv");
    const auto O = t.column("observed"), E = t.column("expected"), ref = t.column("ref_rate"), v = t.column("value");
    const auto stat = t.strings("statistic");
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const double mult = std::isnan(ref[i]) ? (stat[i].find("x 100") != std::string::npos ? 100.0 : 1.0) : ref[i];
        const double bm = mult;
        const auto r = compare({.numerator = std::span<const double>(&O[i], 1), .denominator = std::span<const double>(&E[i], 1),
                                .benchmark = std::span<const double>(&bm, 1)},
                               {.statistic = Statistic::ratio, .multiplier = mult});
        expect_rel(r.value[0], v[i], 1e-12, "value row " + std::to_string(i));
        expect_rel(r.lower_95[0], t.column("lower95_0cl")[i], 1e-12, "lower95 row " + std::to_string(i));
        expect_rel(r.upper_95[0], t.column("upper95_0cl")[i], 1e-12, "upper95 row " + std::to_string(i));
        expect_rel(r.lower_998[0], t.column("lower99_8cl")[i], 1e-12, "lower998 row " + std::to_string(i));
        expect_rel(r.upper_998[0], t.column("upper99_8cl")[i], 1e-12, "upper998 row " + std::to_string(i));
    }
}

TEST(Compare, ClassificationPolarityAndTwoLevels) {
    // Fingertips SingleOverlappingCIsForTwoCILevelsComparer: the benchmark inside the 95% CI →
    // similar; between the 95% and 99.8% limits → better/worse at 95% only; beyond the 99.8% CI →
    // at 99.8%. Wilson intervals for x/1000 against a benchmark of 0.5:
    std::vector<double> x = {500, 470, 440, 530, 560}, n(5, 1000);
    const double bm = 0.5;
    CompareInput in{.numerator = x, .denominator = n, .benchmark = std::span<const double>(&bm, 1)};
    // 470/1000: Wilson 95% upper 0.50094 > 0.5 (similar); 440/1000: 99.8% upper 0.4887 < 0.5
    auto r = compare(in, {.polarity = qm::Improvement::increase});
    EXPECT_EQ(r.comparison_95[0], Comparison::similar);
    EXPECT_EQ(r.comparison_95[1], Comparison::similar);
    EXPECT_EQ(r.comparison_95[2], Comparison::worse);
    EXPECT_EQ(r.comparison_998[2], Comparison::worse);
    EXPECT_EQ(r.comparison[2], TwoLevelComparison::worse_998);
    EXPECT_EQ(r.comparison_95[3], Comparison::similar);   // 530/1000: 95% lower 0.49900 < 0.5
    EXPECT_EQ(r.comparison[4], TwoLevelComparison::better_998);
    // 530/1000: Wilson 95% lower = 0.49902 < 0.5 → similar at 95%. Verify the formula's value:
    EXPECT_NEAR(st::wilson(530, 1000, 0.95).lower, 0.49901, 1e-4);
    // polarity: lower is better swaps; no judgement reports higher/lower
    r = compare(in, {.polarity = qm::Improvement::decrease});
    EXPECT_EQ(r.comparison[2], TwoLevelComparison::better_998);
    EXPECT_EQ(r.comparison[4], TwoLevelComparison::worse_998);
    r = compare(in, {.polarity = qm::Improvement::neutral});
    EXPECT_EQ(r.comparison[2], TwoLevelComparison::lower_998);
    EXPECT_EQ(r.comparison[4], TwoLevelComparison::higher_998);
    // a unit significant at 95% only
    std::vector<double> x2 = {535}, n2 = {1000};
    r = compare({.numerator = x2, .denominator = n2, .benchmark = std::span<const double>(&bm, 1)}, {});
    EXPECT_EQ(r.comparison_95[0], Comparison::better);     // 95% lower 0.5041 > 0.5
    EXPECT_EQ(r.comparison_998[0], Comparison::similar);   // 99.8% lower 0.4861 < 0.5
    EXPECT_EQ(r.comparison[0], TwoLevelComparison::better_95);
}

TEST(Compare, BenchmarkOnTheLimitIsSimilar) {
    // inclusive, as Fingertips' IsBetweenConfidenceInterval (val <= upper && val >= lower)
    std::vector<double> x = {65}, n = {100};
    const double lo = st::wilson(65, 100, 0.95).lower;
    const auto r = compare({.numerator = x, .denominator = n, .benchmark = std::span<const double>(&lo, 1)}, {});
    EXPECT_EQ(r.comparison_95[0], Comparison::similar);
}

TEST(Compare, SpcForProportionsFingertipsWorkedValues) {
    // Fingertips SpcForProportionsComparer: limits (2E + z² ∓ z√(z² + 4E(1 − E/N)))/(2(N + z²)),
    // E = N·P0. For N = 200, P0 = 0.10 at 95%: (0.0657, 0.1494) (assurance-methods.md, computed).
    std::vector<double> x = {13, 14, 29, 30}, n(4, 200);
    const double bm = 0.10;
    const auto r = compare({.numerator = x, .denominator = n, .benchmark = std::span<const double>(&bm, 1)},
                           {.method = CompareMethod::spc, .polarity = qm::Improvement::neutral});
    const auto w = st::wilson(20, 200, 0.95);
    EXPECT_NEAR(w.lower, 0.0657, 5e-5);
    EXPECT_NEAR(w.upper, 0.1494, 5e-5);
    EXPECT_EQ(r.comparison_95[0], Comparison::lower);    // 0.065 < 0.0657
    EXPECT_EQ(r.comparison_95[1], Comparison::similar);  // 0.070
    EXPECT_EQ(r.comparison_95[2], Comparison::similar);  // 0.145
    EXPECT_EQ(r.comparison_95[3], Comparison::higher);   // 0.150 > 0.1494
}

TEST(Compare, RatesUseExactBelowTenEventsAndByarFromTen) {
    std::vector<double> x = {0, 9, 10, 1045}, n = {1000, 1000, 1000, 100000};
    const double bm = 1.0;  // per 100
    const auto r = compare({.numerator = x, .denominator = n, .benchmark = std::span<const double>(&bm, 1)},
                           {.statistic = Statistic::rate, .multiplier = 100});
    EXPECT_DOUBLE_EQ(r.upper_95[0], st::exact_poisson(0, 0.95).upper / 1000 * 100);
    EXPECT_DOUBLE_EQ(r.lower_95[1], st::exact_poisson(9, 0.95).lower / 1000 * 100);
    EXPECT_DOUBLE_EQ(r.lower_95[2], st::byar(10, 0.95).lower / 1000 * 100);
    // PHE test vector (testdata_Byars_Wilson.xlsx): 1045 events, Byar 95% 982.5932..1110.3312
    expect_rel(r.lower_95[3], 982.59320180733255 / 100000 * 100, 1e-12, "Byar lower");
    EXPECT_EQ(r.comparison[0], TwoLevelComparison::worse_998);  // 0 per 100 vs 1 per 100: upper 0.369
    EXPECT_EQ(r.comparison[3], TwoLevelComparison::similar);    // 1.045 per 100: 0.9826..1.1103
}

TEST(Compare, PooledBenchmark) {
    std::vector<double> x = {10, 30}, n = {100, 100};
    EXPECT_DOUBLE_EQ(pooled_benchmark({.numerator = x, .denominator = n}, {.multiplier = 100}), 20.0);
    expect_invalid([&] { pooled_benchmark({.numerator = x}, {.statistic = Statistic::count}); }, "benchmark:");
}

TEST(Compare, BadInputAndMissingValues) {
    std::vector<double> x = {5, 12}, n = {10, 10};
    const double bm = 0.5;
    auto in = [&] { return CompareInput{.numerator = x, .denominator = n, .benchmark = std::span<const double>(&bm, 1)}; };
    expect_invalid([&] { compare(in(), {}); }, "numerator[1]: must not exceed the denominator");
    x = {5, -1};
    expect_invalid([&] { compare(in(), {.statistic = Statistic::rate}); }, "numerator[1]: must not be negative");
    x = {5, 1};
    n = {10, 0};
    expect_invalid([&] { compare(in(), {.statistic = Statistic::rate}); }, "denominator[1]: must be positive");
    expect_invalid([&] { compare(in(), {.statistic = Statistic::ratio}); }, "denominator[1]: the expected count must be positive");
    n = {NaN, 10};
    const auto r = compare(in(), {.statistic = Statistic::rate});
    EXPECT_EQ(r.status[0], CompareStatus::missing);
    EXPECT_EQ(r.comparison[0], TwoLevelComparison::not_compared);
    EXPECT_EQ(r.status[1], CompareStatus::ok);
    const double nb = NaN;
    const auto r2 = compare({.numerator = x, .denominator = std::vector<double>{10, 10}, .benchmark = std::span<const double>(&nb, 1)},
                            {.statistic = Statistic::rate});
    EXPECT_EQ(r2.status[0], CompareStatus::no_benchmark);
    expect_invalid([&] { compare(in(), {.statistic = Statistic::mean, .method = CompareMethod::spc}); }, "method:");
}

TEST(Compare, ThreadsGiveIdenticalResults) {
    std::vector<double> x, n;
    for (long long i = 0; i < 100000; ++i) {
        n.push_back(static_cast<double>(100 + (i * 7919) % 5000));
        x.push_back(std::floor(n.back() * (0.05 + 0.1 * static_cast<double>((i * 104729) % 1000) / 1000.0)));
    }
    const double bm = 0.1;
    CompareInput in{.numerator = x, .denominator = n, .benchmark = std::span<const double>(&bm, 1)};
    for (Statistic s : {Statistic::proportion, Statistic::rate}) {
        const auto a = compare(in, {.statistic = s}, 1), b = compare(in, {.statistic = s}, 2);
        EXPECT_EQ(a.lower_95, b.lower_95);
        EXPECT_EQ(a.comparison, b.comparison);
    }
}

// ================================================================== funnel limits

TEST(Funnel, PoissonLimitsMatchFunnelPlotRTests) {
    // FunnelPlotR tests/testthat/test-poisson_limits.R: target 1, E = 15, 20, 30.
    FunnelModel m;
    m.options = funnel_preset("funnelplotr", FunnelType::ratio);
    m.target = 1.0;
    const double want[3][4] = {{0.5596924, 1.649348, 0.3862650, 2.082907},
                               {0.6108260, 1.544419, 0.4479107, 1.902094},
                               {0.6746958, 1.427562, 0.5289724, 1.702771}};
    const double E[3] = {15, 20, 30};
    for (int i = 0; i < 3; ++i) {
        const auto L = m.limits_at(E[i], false);
        EXPECT_NEAR(L.lower_95, want[i][0], 5e-8);
        EXPECT_NEAR(L.upper_95, want[i][1], 5e-7);
        EXPECT_NEAR(L.lower_998, want[i][2], 5e-8);
        EXPECT_NEAR(L.upper_998, want[i][3], 5e-7);
    }
}

TEST(Funnel, ExactLimitsAgainstBoostQuantiles) {
    // Spiegelhalter (2005) A.1.1: r_p = the p-quantile of Bin(n, θ0) (Boost.Math, rounding up:
    // the smallest r with F(r) >= p), α = (F(r_p) − p)/(F(r_p) − F(r_p − 1)), limit (r_p − α)/n.
    using namespace boost::math::policies;
    using up_policy = policy<discrete_quantile<integer_round_up>>;
    for (double theta : {0.02, 0.2, 0.5, 0.93}) {
        FunnelModel m;
        m.options.type = FunnelType::proportion;
        m.options.overdispersion = Overdispersion::none;
        m.target = theta;
        for (double n : {5.0, 20.0, 137.0, 1000.0, 25000.0, 1e6, 5e6}) {
            const auto L = m.limits_at(n, false);
            const double got[4] = {L.lower_95, L.upper_95, L.lower_998, L.upper_998};
            const double ps[4] = {0.025, 0.975, 0.001, 0.999};
            boost::math::binomial_distribution<double, up_policy> bin(n, theta);
            for (int k = 0; k < 4; ++k) {
                const double r = boost::math::quantile(bin, ps[k]);
                const double F = boost::math::cdf(bin, r), Fm = r > 0 ? boost::math::cdf(bin, r - 1) : 0.0;
                ASSERT_GE(F, ps[k]);
                ASSERT_LT(Fm, ps[k]);
                const double want = std::clamp((r - (F - ps[k]) / (F - Fm)) / n, 0.0, 1.0);
                EXPECT_NEAR(got[k], want, 1e-12 * std::max(1.0, want)) << "theta " << theta << " n " << n << " k " << k;
            }
        }
    }
    for (double mu : {0.3, 4.0, 37.5, 2500.0, 4e5, 3e6}) {
        FunnelModel m;
        m.options.type = FunnelType::rate;
        m.options.overdispersion = Overdispersion::none;
        m.target = 0.01;
        const double n = mu / 0.01;
        const auto L = m.limits_at(n, false);
        const double got[4] = {L.lower_95, L.upper_95, L.lower_998, L.upper_998};
        const double ps[4] = {0.025, 0.975, 0.001, 0.999};
        boost::math::poisson_distribution<double, up_policy> po(mu);
        for (int k = 0; k < 4; ++k) {
            const double r = boost::math::quantile(po, ps[k]);
            const double F = boost::math::cdf(po, r), Fm = r > 0 ? boost::math::cdf(po, r - 1) : 0.0;
            const double want = std::max(0.0, (r - (F - ps[k]) / (F - Fm)) / n);
            EXPECT_NEAR(got[k], want, 1e-12 * std::max(want, 1e-3)) << "mu " << mu << " k " << k;
        }
    }
}

TEST(Funnel, ExactLimitsForWeightedNonIntegerDenominators) {
    // Non-integer n (weighted counts): the definition evaluated directly with the beta-function
    // CDF F(r) = I_{1−θ}(n − r, r + 1) (r < n), F = 1 from r >= n, by a linear search.
    for (double theta : {0.05, 0.4, 0.97}) {
        for (double n : {3.7, 41.25, 812.6}) {
            FunnelModel m;
            m.options.overdispersion = Overdispersion::none;
            m.target = theta;
            const auto L = m.limits_at(n, false);
            const double got[4] = {L.lower_95, L.upper_95, L.lower_998, L.upper_998};
            const double ps[4] = {0.025, 0.975, 0.001, 0.999};
            auto F = [&](double r) { return r < 0 ? 0.0 : (r >= n ? 1.0 : boost::math::ibetac(r + 1, n - r, theta)); };
            for (int k = 0; k < 4; ++k) {
                double r = 0;
                while (F(r) < ps[k]) r += 1;
                const double want = std::clamp((r - (F(r) - ps[k]) / (F(r) - F(r - 1))) / n, 0.0, 1.0);
                EXPECT_NEAR(got[k], want, 1e-12) << "theta " << theta << " n " << n << " k " << k;
            }
        }
    }
}

TEST(Funnel, CurveEqualsUnitLimitsAndNarrows) {
    std::vector<double> o = {12, 40, 95, 300}, n = {100, 300, 800, 2500};
    const auto r = funnel(o, n, {.overdispersion = Overdispersion::none});
    const auto c = funnel_curve(r.model, n);
    for (std::size_t i = 0; i < n.size(); ++i) {
        EXPECT_EQ(c.lower_95[i], r.lower_95[i]);
        EXPECT_EQ(c.upper_998[i], r.upper_998[i]);
    }
    const auto g = funnel_grid(10, 5000, 200, true);
    const auto cg = funnel_curve(r.model, g);
    for (std::size_t i = 1; i < g.size(); ++i) {
        EXPECT_GT(g[i], g[i - 1]);
        EXPECT_LE(cg.upper_998[i], cg.upper_998[i - 1] + 2.0 / g[i - 1]);  // exact limits step by < 1/n
        EXPECT_LT(cg.lower_95[i], r.model.target);
    }
    expect_invalid([&] { std::vector<double> bad = {0}; funnel_curve(r.model, bad); }, "denominators[0]: must be positive");
}

// ------------------------------------------------------------------ worked examples

TEST(Funnel, Spiegelhalter2005WorkedExampleOnAeData) {
    // tests/reference/assurance/funnel_spiegelhalter_ae.csv: four-hour breaches / attendances for
    // 134 type-1 A&E departments, March 2019; exact binomial limits, arcsine z, 10% winsorised φ,
    // DerSimonian–Laird τ², additive and multiplicative adjusted limits (40-digit computation).
    const Csv t = read_table("funnel_spiegelhalter_ae.csv");
    const auto O = t.column("breaches"), N = t.column("attendances");
    const FunnelOptions base;  // spiegelhalter: exact, arcsine, winsorise 10%, additive
    const auto exact = funnel(O, N, {.overdispersion = Overdispersion::none});
    const auto add = funnel(O, N, base);
    const auto mult = funnel(O, N, {.overdispersion = Overdispersion::multiplicative});
    expect_rel(add.model.target, t.comment_number("target"), 1e-14, "target");
    expect_rel(add.model.phi, t.comment_number("phi"), 1e-12, "phi");
    expect_rel(add.model.tau2, t.comment_number("tau2"), 1e-11, "tau2");
    EXPECT_EQ(add.model.status, DispersionStatus::adjusted);
    EXPECT_EQ(add.model.n_used, 134u);
    const auto z = t.column("z"), za = t.column("z_additive"), zm = t.column("z_multiplicative");
    const auto trimmed = t.column("trimmed");
    const char* sets[3][2] = {{"exact", ""}, {"additive", ""}, {"multiplicative", ""}};
    const FunnelResult* res[3] = {&exact, &add, &mult};
    for (std::size_t i = 0; i < O.size(); ++i) {
        expect_rel(add.z[i], z[i], 1e-11, "z");
        expect_rel(add.z_adjusted[i], za[i], 1e-10, "z additive");
        expect_rel(mult.z_adjusted[i], zm[i], 1e-10, "z multiplicative");
        EXPECT_EQ(add.trimmed[i], trimmed[i]);
        for (int s = 0; s < 3; ++s) {
            const std::string p = sets[s][0];
            expect_rel(res[s]->lower_95[i], t.column(p + "_lower_95")[i], 1e-11, p + " lower_95");
            expect_rel(res[s]->upper_95[i], t.column(p + "_upper_95")[i], 1e-11, p + " upper_95");
            expect_rel(res[s]->lower_998[i], t.column(p + "_lower_998")[i], 1e-11, p + " lower_998");
            expect_rel(res[s]->upper_998[i], t.column(p + "_upper_998")[i], 1e-11, p + " upper_998");
            EXPECT_EQ(band_name(res[s]->band[i]), t.strings(p + "_band")[i]) << p << " row " << i;
        }
    }
    // the dispersion test: φ = 490 on 133 degrees of freedom
    EXPECT_LT(add.model.dispersion_p, 1e-100);
}

TEST(Funnel, ShmiBandingOnAeData) {
    // tests/reference/assurance/funnel_shmi_ae.csv: the SHMI method (log scale, 10% truncation,
    // additive random effects, 95% limits; band 1 = higher than expected, 3 = lower) for
    // admissions against expected admissions, 134 trusts.
    const Csv t = read_table("funnel_shmi_ae.csv");
    const auto O = t.column("observed"), E = t.column("expected");
    const auto r = funnel(O, E, funnel_preset("shmi", FunnelType::ratio));
    expect_rel(r.model.phi, t.comment_number("phi"), 1e-12, "phi");
    expect_rel(r.model.tau2, t.comment_number("tau2"), 1e-11, "tau2");
    EXPECT_EQ(r.model.n_used, static_cast<std::size_t>(t.comment_number("n_used")));
    const auto shmi_band = t.column("shmi_band");
    int bands[4] = {0, 0, 0, 0};
    for (std::size_t i = 0; i < O.size(); ++i) {
        expect_rel(r.z[i], t.column("z")[i], 1e-11, "z");
        expect_rel(r.z_adjusted[i], t.column("z_adjusted")[i], 1e-10, "z adjusted");
        EXPECT_EQ(r.trimmed[i], t.column("truncated")[i]) << "row " << i;
        expect_rel(r.lower_95[i], t.column("lower_95")[i], 1e-12, "lower_95");
        expect_rel(r.upper_95[i], t.column("upper_95")[i], 1e-12, "upper_95");
        expect_rel(r.upper_998[i], t.column("upper_998")[i], 1e-12, "upper_998");
        expect_rel(r.lower_95_unadjusted[i], t.column("unadjusted_lower_95")[i], 1e-12, "unadjusted lower");
        expect_rel(r.upper_95_unadjusted[i], t.column("unadjusted_upper_95")[i], 1e-12, "unadjusted upper");
        // SHMI band 1 ⇔ above the 95% limit (high_95 or high_998), 3 ⇔ below it
        const int ours = (r.band[i] == FunnelBand::high_95 || r.band[i] == FunnelBand::high_998) ? 1
                         : (r.band[i] == FunnelBand::low_95 || r.band[i] == FunnelBand::low_998) ? 3 : 2;
        EXPECT_EQ(ours, static_cast<int>(shmi_band[i])) << "row " << i;
        EXPECT_EQ(r.outlier[i], ours != 2);  // the shmi preset flags at 95%
        ++bands[ours];
    }
    EXPECT_GT(bands[1], 0);
    EXPECT_GT(bands[3], 0);
}

void check_funnelplotr(const std::string& file, FunnelType type, const std::string& preset) {
    // FunnelPlotR 0.6.0's method, re-derived step by step (make_funnel_reference.py).
    const Csv t = read_table(file);
    const auto O = t.column("numerator"), D = t.column("denominator");
    const auto r = funnel(O, D, funnel_preset(preset, type));
    expect_rel(r.model.phi, t.comment_number("phi"), 1e-12, file + " phi");
    expect_rel(r.model.tau2, t.comment_number("tau2"), 1e-10, file + " tau2");
    EXPECT_EQ(r.model.adjusted(), true);
    for (std::size_t i = 0; i < O.size(); ++i) {
        const std::string row = file + " row " + std::to_string(i);
        expect_rel(r.value[i], t.column("rr")[i], 1e-15, row + " rr");
        expect_rel(r.z[i], t.column("z")[i], 1e-11, row + " z");
        EXPECT_EQ(r.trimmed[i], t.column("trimmed")[i]) << row;
        expect_rel(r.lower_95[i], t.column("OD95LCL")[i], 1e-11, row + " OD95LCL");
        expect_rel(r.upper_95[i], t.column("OD95UCL")[i], 1e-11, row + " OD95UCL");
        expect_rel(r.lower_998[i], t.column("OD99LCL")[i], 1e-11, row + " OD99LCL");
        expect_rel(r.upper_998[i], t.column("OD99UCL")[i], 1e-11, row + " OD99UCL");
        expect_rel(r.lower_95_unadjusted[i], t.column("LCL95")[i], 1e-11, row + " LCL95");
        expect_rel(r.upper_998_unadjusted[i], t.column("UCL99")[i], 1e-11, row + " UCL99");
        EXPECT_EQ(r.outlier[i], t.column("outlier")[i]) << row;
    }
}

TEST(Funnel, FunnelPlotRShmiCqcProportionAndRatioOfCounts) {
    check_funnelplotr("funnel_funnelplotr_sr_shmi.csv", FunnelType::ratio, "funnelplotr");
    check_funnelplotr("funnel_funnelplotr_sr_cqc.csv", FunnelType::ratio, "funnelplotr_cqc");
    check_funnelplotr("funnel_funnelplotr_pr_ae.csv", FunnelType::proportion, "funnelplotr");
    check_funnelplotr("funnel_funnelplotr_rc_ae.csv", FunnelType::ratio_of_counts, "funnelplotr");
}

TEST(Funnel, CqcSquaredBackByDefaultFunnelPlotRAsWrittenOnRequest) {
    // FunnelPlotR's CQC adjusted limits are 1 ± z√(s² + τ²) on the √ scale, not squared back.
    std::vector<double> o = {100, 150, 180, 80, 120, 225}, e = {108, 112, 165, 95, 100, 220};
    FunnelOptions tool = funnel_preset("funnelplotr_cqc", FunnelType::ratio);
    FunnelOptions fixed = tool;
    fixed.square_back_sqrt = true;
    const auto a = funnel(o, e, tool), b = funnel(o, e, fixed);
    for (std::size_t i = 0; i < o.size(); ++i) {
        EXPECT_NEAR(b.upper_95[i], a.upper_95[i] * a.upper_95[i], 1e-14);
        EXPECT_NEAR(b.lower_998[i], a.lower_998[i] * a.lower_998[i], 1e-14);
    }
    EXPECT_TRUE(funnel_preset("cqc", FunnelType::ratio).square_back_sqrt);
}

TEST(Funnel, OutliersInclusiveLimitsAsFunnelPlotR) {
    // FunnelPlotR tests/testthat/test-outliers_func.R: rr against fixed limits; a value on a limit
    // is not an outlier.
    const double rr[10] = {1, 0.95, 1.05, 0.8, 1.2, 0.6, 1.4, 0.4, 1.6, 0};
    const FunnelLimitsAt un{0.9, 1.1, 0.59, 1.41}, od{0.79, 1.21, 0.38, 1.62};
    const int want95[10] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1}, want95od[10] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    const int want99[10] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, want99od[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    for (int i = 0; i < 10; ++i) {
        const auto b = qm::assurance::detail::classify(rr[i], un), bo = qm::assurance::detail::classify(rr[i], od);
        EXPECT_EQ(b != FunnelBand::within, want95[i] == 1) << i;
        EXPECT_EQ(bo != FunnelBand::within, want95od[i] == 1) << i;
        EXPECT_EQ(b == FunnelBand::high_998 || b == FunnelBand::low_998, want99[i] == 1) << i;
        EXPECT_EQ(bo == FunnelBand::high_998 || bo == FunnelBand::low_998, want99od[i] == 1) << i;
    }
}

// ------------------------------------------------------------------ PHEindicatormethods

TEST(FunnelPhe, ProportionSignificance) {
    // assign_funnel_significance(statistic = "proportion") on a selection of its fixture rows;
    // the average is over all 303 rows (stated in the file).
    const Csv t = read_table("phe_funnel_proportion_significance.csv");
    FunnelOptions o = funnel_preset("phe", FunnelType::proportion);
    o.target = t.comment_number("sum(numerator)/sum(denominator)");
    const auto r = funnel(t.column("numerator"), t.column("denominator"), o);
    const auto want = t.strings("significance");
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(phe_label(r.band[i]), want[i]) << "row " << i;
}

void check_phe_proportion_table(const std::string& file) {
    // calculate_funnel_limits(statistic = "proportion", multiplier = 100): the table is made
    // from the average and the smallest and largest denominators, reproduced by two records.
    const Csv t = read_table(file);
    const double av = t.comment_number("average"), lo = t.comment_number("smallest denominator"), hi = t.comment_number("largest");
    std::vector<double> n = {lo, hi}, o = {av * lo, av * hi};
    const auto tab = phe_funnel_limits({.statistic = FunnelType::proportion, .numerator = o, .denominator = n,
                                        .multiplier = 100});
    const auto pop = t.column("Population");
    ASSERT_EQ(tab.axis.size(), pop.size());
    for (std::size_t j = 0; j < pop.size(); ++j) {
        EXPECT_EQ(tab.axis[j], pop[j]) << file << " row " << j;
        EXPECT_NEAR(tab.lower_95[j], t.column("Lower2s0025limit")[j], 2e-6 * 100) << j;
        EXPECT_NEAR(tab.upper_95[j], t.column("Upper2s0025limit")[j], 2e-6 * 100) << j;
        EXPECT_NEAR(tab.lower_998[j], t.column("Lower3s0001limit")[j], 2e-6 * 100) << j;
        EXPECT_NEAR(tab.upper_998[j], t.column("Upper3s0001limit")[j], 2e-6 * 100) << j;
    }
    EXPECT_NEAR(tab.baseline, t.column("Baseline")[0], 1e-6);
}

TEST(FunnelPhe, ProportionLimitsTables) {
    check_phe_proportion_table("phe_funnel_proportion_limits.csv");
    check_phe_proportion_table("phe_funnel_proportion_limits_axis_variation.csv");
}

/// PHE's poisson_funnel finds λ by bisection on v = λ/(1 + O + λ) until the step is below
/// 1e-7 (its last step is 0.5/2^23 ≈ 6e-8): its λ carries an absolute error up to about
/// (1 + O)·6e-8/(1 − v)², large relative to a small λ. Our λ is the exact inverse (Boost.Math
/// gamma_p_inv / gamma_q_inv), so the agreement tolerance is PHE's own error.
double phe_rtol(double O, double lambda) {
    const double v = lambda / (1.0 + O + lambda);
    return std::max(2e-6, 1.2e-7 * (1.0 + O) / ((1.0 - v) * (1.0 - v) * lambda));
}

TEST(FunnelPhe, RatioSignificanceAndLimits) {
    const Csv s = read_table("phe_funnel_ratio_significance.csv");
    const auto r = funnel(s.column("obs"), s.column("expected"), funnel_preset("phe", FunnelType::ratio));
    const auto want = s.strings("significance");
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(phe_label(r.band[i]), want[i]) << "row " << i;

    const Csv t = read_table("phe_funnel_ratio_limits.csv");
    std::vector<double> e = {t.comment_number("smallest expected"), t.comment_number("largest")}, o = {1, 1};
    for (PheRatioType type : {PheRatioType::count, PheRatioType::isr}) {
        const auto tab = phe_funnel_limits({.statistic = FunnelType::ratio, .numerator = o, .denominator = e,
                                            .multiplier = 100, .ratio_type = type});
        const std::string sfx = type == PheRatioType::count ? "_count" : "_isr";
        const auto obs = t.column("Observed_events");
        ASSERT_EQ(tab.axis.size(), obs.size());
        for (std::size_t j = 0; j < obs.size(); ++j) {
            EXPECT_EQ(tab.axis[j], obs[j]) << j;
            const double O = obs[j];
            const std::pair<const char*, const std::vector<double>*> cols[4] = {
                {"lower_2s", &tab.lower_95}, {"upper_2s", &tab.upper_95}, {"lower_3s", &tab.lower_998}, {"upper_3s", &tab.upper_998}};
            const std::vector<double>* axes[4] = {&tab.lower_95_axis, &tab.upper_95_axis, &tab.lower_998_axis, &tab.upper_998_axis};
            for (int k = 0; k < 4; ++k) {
                const double lam = t.column(std::string(cols[k].first) + "_exp_events")[j];
                const double tol = phe_rtol(O, lam);
                expect_rel((*axes[k])[j], lam, tol, std::string(cols[k].first) + "_exp_events row " + std::to_string(j));
                // the limit is O/λ (isr: × 100; count: O/λ − 1, compared as O/λ)
                const double expected = t.column(std::string(cols[k].first) + sfx)[j];
                const double got = (*cols[k].second)[j];
                if (type == PheRatioType::count) expect_rel(got + 1.0, expected + 1.0, tol, "count limit row " + std::to_string(j));
                else expect_rel(got, expected, tol, "isr limit row " + std::to_string(j));
            }
        }
    }
}

TEST(FunnelPhe, RateSignificanceEightVariants) {
    // assign_funnel_significance(statistic = "rate"): DSR or crude rates per 100,000 or per 100,
    // with and without a record of 0 events; denominators derived as multiplier·O/rate.
    const Csv t = read_table("phe_funnel_rate_significance.csv");
    const auto count = t.column("count"), pop = t.column("pop");
    struct Variant { const char* rate; const char* column; PheRateType type; double mult; bool with0; };
    const Variant vs[] = {
        {"rate_dsr", "dsr_per_100000_with_0", PheRateType::dsr, 1e5, true},
        {"rate_dsr", "dsr_per_100_with_0", PheRateType::dsr, 100, true},
        {"rate_dsr", "dsr_per_100000_without_0", PheRateType::dsr, 1e5, false},
        {"rate_dsr", "dsr_per_100_without_0", PheRateType::dsr, 100, false},
        {"rate_crude_per_100", "crude_per_100_with_0", PheRateType::crude, 100, true},
        {"rate_crude_per_100000", "crude_per_100000_with_0", PheRateType::crude, 1e5, true},
        {"rate_crude_per_100000", "crude_per_100000_without_0", PheRateType::crude, 1e5, false},
        {"rate_crude_per_100", "crude_per_100_without_0", PheRateType::crude, 100, false},
    };
    for (const auto& v : vs) {
        std::vector<double> o, n, rate;
        std::vector<std::string> want;
        for (std::size_t i = 0; i < count.size(); ++i) {
            if (!v.with0 && count[i] == 0) continue;
            o.push_back(count[i]);
            n.push_back(pop[i]);
            rate.push_back(t.column(v.rate)[i]);
            want.push_back(t.strings(v.column)[i]);
        }
        const auto den = phe_rate_denominators(o, n, rate, v.mult, v.type);
        FunnelOptions opt = funnel_preset("phe", FunnelType::rate);
        if (v.type == PheRateType::dsr) opt.minimum_events = 10;
        const auto r = funnel(o, den, opt);
        for (std::size_t i = 0; i < o.size(); ++i) EXPECT_EQ(phe_label(r.band[i]), want[i]) << v.column << " row " << i;
    }
}

TEST(FunnelPhe, RateLimitsTable) {
    // calculate_funnel_limits(statistic = "rate", rate_type = "dsr", multiplier = 1e5,
    // years_of_data = 3) on its 50-record fixture.
    const Csv in = read_table("phe_funnel_rate_inputs.csv"), t = read_table("phe_funnel_rate_limits.csv");
    const auto ev = in.column("ev"), rate = in.column("rate");
    const auto den = phe_rate_denominators(ev, {}, rate, 1e5, PheRateType::dsr);
    const auto tab = phe_funnel_limits({.statistic = FunnelType::rate, .numerator = ev, .denominator = den,
                                        .multiplier = 1e5, .years_of_data = 3});
    const auto events = t.column("Events");
    ASSERT_EQ(tab.axis.size(), events.size());
    EXPECT_NEAR(tab.baseline, t.column("baseline")[0], 1e-6);
    const double av = tab.average;
    for (std::size_t j = 0; j < events.size(); ++j) {
        EXPECT_EQ(tab.axis[j], events[j]) << j;
        const char* names[4] = {"lower_2s", "upper_2s", "lower_3s", "upper_3s"};
        const std::vector<double>* lims[4] = {&tab.lower_95, &tab.upper_95, &tab.lower_998, &tab.upper_998};
        const std::vector<double>* axes[4] = {&tab.lower_95_axis, &tab.upper_95_axis, &tab.lower_998_axis, &tab.upper_998_axis};
        for (int k = 0; k < 4; ++k) {
            const double pop = t.column(std::string(names[k]) + "_population_1_year")[j];
            const double tol = phe_rtol(events[j], pop * 3 * av);  // λ = population·years·average
            expect_rel((*lims[k])[j], t.column(std::string(names[k]) + "_limit")[j], tol, std::string(names[k]) + "_limit");
            expect_rel((*axes[k])[j], pop, tol, std::string(names[k]) + "_population_1_year");
        }
    }
}

// ------------------------------------------------------------------ bad input and degenerate data

TEST(FunnelBadInput, ErrorsNameArgumentAndIndex) {
    std::vector<double> o = {5, 7}, n = {10, 0};
    expect_invalid([&] { funnel(o, n); }, "denominator[1]: must be positive, got 0");
    n = {10, 5};
    expect_invalid([&] { funnel(o, n); }, "numerator[1]: must not exceed the denominator for a proportion (7");
    o = {5, -2};
    n = {10, 10};
    expect_invalid([&] { funnel(o, n); }, "numerator[1]: must not be negative");
    o = {5, 2};
    n = {10, 0};
    expect_invalid([&] { funnel(o, n, {.type = FunnelType::ratio}); }, "denominator[1]: the expected count must be positive");
    n = {10, std::numeric_limits<double>::infinity()};
    expect_invalid([&] { funnel(o, n); }, "denominator[1]: must be finite");
    n = {10};
    expect_invalid([&] { funnel(o, n); }, "denominator: has 1 values but numerator has 2");
    n = {10, 10};
    expect_invalid([&] { funnel(o, n, {.type = FunnelType::proportion, .scale = FunnelScale::log}); }, "scale:");
    expect_invalid([&] { funnel(o, n, {.type = FunnelType::proportion, .limits = FunnelLimits::poisson_ci}); }, "limits:");
    expect_invalid([&] { funnel(o, n, {.level = 0.99}); }, "level: must be 0.95 or 0.998");
    expect_invalid([&] { funnel(o, n, {.target = 1.5}); }, "target:");
    expect_invalid([] { funnel_preset("nope", FunnelType::ratio); }, "preset: unknown funnel preset 'nope'");
    // a ratio numerator above its expected count is fine (O/E > 1)
    EXPECT_NO_THROW(funnel(std::vector<double>{20, 3}, std::vector<double>{10, 10}, {.type = FunnelType::ratio}));
}

TEST(FunnelBadInput, SingleUnitIsAStateNotACrash) {
    std::vector<double> o = {30}, n = {100};
    const auto r = funnel(o, n);
    EXPECT_EQ(r.model.status, DispersionStatus::too_few_units);
    EXPECT_TRUE(std::isnan(r.model.phi));
    EXPECT_EQ(r.band[0], FunnelBand::within);  // the pooled target is the unit itself
    // against an external benchmark its exact limits still apply
    const auto b = funnel(o, n, {.target = 0.1});
    EXPECT_EQ(b.band[0], FunnelBand::high_998);
}

TEST(FunnelBadInput, IdenticalUnitsHaveNoVariation) {
    // every unit equals the pooled proportion: every z is 0, φ = 0, so no multiplicative or
    // additive adjustment can be defined; the limits stay unadjusted and nothing is flagged.
    std::vector<double> o = {10, 20, 30, 40}, n = {100, 200, 300, 400};
    for (Overdispersion od : {Overdispersion::multiplicative, Overdispersion::additive}) {
        FunnelOptions opt{.overdispersion = od, .adjust_only_if_overdispersed = false};
        const auto r = funnel(o, n, opt);
        EXPECT_EQ(r.model.status, DispersionStatus::no_variation);
        EXPECT_EQ(r.model.phi, 0.0);
        for (std::size_t i = 0; i < o.size(); ++i) {
            EXPECT_EQ(r.band[i], FunnelBand::within);
            EXPECT_EQ(r.lower_95[i], r.lower_95_unadjusted[i]);
        }
    }
    // all zero: target 0 for proportions is fine (limits 0), but a pooled rate of 0 is undefined
    std::vector<double> z = {0, 0, 0};
    const auto pz = funnel(z, std::vector<double>{10, 20, 30});
    EXPECT_EQ(pz.band[0], FunnelBand::within);
    EXPECT_THROW(funnel(z, std::vector<double>{10, 20, 30}, {.type = FunnelType::rate}), qm::insufficient_data);
}

TEST(FunnelBadInput, MissingUnitsAreSkipped) {
    std::vector<double> o = {10, NaN, 30, 12}, n = {100, 100, NaN, 110};
    const auto r = funnel(o, n);
    EXPECT_EQ(r.model.n_units, 2u);
    EXPECT_EQ(r.band[1], FunnelBand::missing);
    EXPECT_EQ(r.band[2], FunnelBand::missing);
    EXPECT_DOUBLE_EQ(r.model.target, 22.0 / 210.0);
    std::vector<double> all_missing = {NaN};
    EXPECT_THROW(funnel(all_missing, std::vector<double>{1}), qm::insufficient_data);
}

TEST(FunnelBadInput, NotOverdispersedFallsBackToUnadjusted) {
    // Poisson-like data (φ < 1): FunnelPlotR draws the unadjusted limits.
    std::vector<double> o = {10, 11, 9, 10, 10, 12, 8, 10}, e(8, 10.0);
    const auto r = funnel(o, e, {.type = FunnelType::ratio});
    EXPECT_EQ(r.model.status, DispersionStatus::not_overdispersed);
    EXPECT_LE(r.model.phi, 1.0);
    for (std::size_t i = 0; i < o.size(); ++i) EXPECT_EQ(r.upper_95[i], r.upper_95_unadjusted[i]);
}

TEST(FunnelBadInput, ZeroEventsOnTheLogScale) {
    // one unit of 20 with no events: its log-scale z is −∞; truncation drops it, winsorising caps it
    std::vector<double> o, e;
    for (int i = 0; i < 20; ++i) {
        o.push_back(i == 0 ? 0 : 20 + (i * 7) % 13);
        e.push_back(25);
    }
    const auto r = funnel(o, e, funnel_preset("shmi", FunnelType::ratio));
    EXPECT_TRUE(std::isinf(r.z[0]));
    EXPECT_EQ(r.trimmed[0], 1);
    EXPECT_EQ(r.band[0], FunnelBand::low_998);
    EXPECT_TRUE(std::isfinite(r.model.phi));
    // with most units at zero events the winsorising limit itself is −∞: a clear error
    std::vector<double> mostly_zero(20, 0.0);
    mostly_zero[19] = 30;
    mostly_zero[18] = 25;
    EXPECT_THROW(funnel(mostly_zero, e, {.type = FunnelType::ratio}), qm::insufficient_data);
}

TEST(Funnel, ThreadsGiveIdenticalResults) {
    std::vector<double> o, n;
    for (long long i = 0; i < 3000; ++i) {
        n.push_back(static_cast<double>(50 + (i * 7919) % 3000));
        o.push_back(std::floor(n.back() * (0.1 + 0.05 * static_cast<double>((i * 104729) % 100) / 100.0)));
    }
    const auto a = funnel(o, n, {}, 1), b = funnel(o, n, {}, 2);
    EXPECT_EQ(a.lower_95, b.lower_95);
    EXPECT_EQ(a.upper_998_unadjusted, b.upper_998_unadjusted);
    EXPECT_EQ(a.band, b.band);
}

TEST(Funnel, PointTypesFollowImprovement) {
    std::vector<double> o = {5, 50, 95}, n = {100, 100, 100};
    const auto inc = funnel(o, n, {.overdispersion = Overdispersion::none, .target = 0.5, .improvement = qm::Improvement::increase});
    EXPECT_EQ(inc.point_type[0], qm::PointType::special_cause_concern);
    EXPECT_EQ(inc.point_type[1], qm::PointType::common_cause);
    EXPECT_EQ(inc.point_type[2], qm::PointType::special_cause_improvement);
    const auto neu = funnel(o, n, {.overdispersion = Overdispersion::none, .target = 0.5});
    EXPECT_EQ(neu.point_type[0], qm::PointType::special_cause_neutral_low);
    EXPECT_EQ(neu.point_type[2], qm::PointType::special_cause_neutral_high);
}

}  // namespace
