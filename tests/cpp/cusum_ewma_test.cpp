// Tabular CUSUM and EWMA charts (qm/spc/cusum.hpp, qm/spc/ewma.hpp).
//
// Published worked examples, each kept with its source in tests/reference/published/:
//   cusum_montgomery_example_9_1.csv  Montgomery, Introduction to SQC, Example 9.1, Tables 9.1/9.2
//   cusum_nist_6_3_2_3.csv            NIST/SEMATECH e-Handbook §6.3.2.3, tabular CUSUM example
//   ewma_nist_6_3_2_4.csv             NIST/SEMATECH e-Handbook §6.3.2.4, EWMA example
//   ewma_montgomery_example_9_2.csv   Montgomery, Example 9.2 (λ = 0.1, L = 2.7) — derived values only
//   ewma_qcc_viscosity.csv            qcc 3.0 ?ewma / ?cusum, individual viscosity data
//   ewma_qcc_pistonrings.csv          qcc 3.0 ?ewma, piston rings in subgroups of 5
// "Published digits": a printed value v with d decimals is matched when |computed − v| <= 0.5·10^−d
// (plus 1e-9 for the binary representation of printed halfway cases such as 14.445 → 14.44).
// Then hand-calculated edge cases (FIR, missing values, reset, varying sizes), equivalence of the
// per-point update with the batch columns, long format and threads, and bad input.

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <qm/spc/cusum.hpp>
#include <qm/spc/ewma.hpp>

#include "test_csv.hpp"

namespace {

using namespace qm::spc;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Reference files: '#' lines are the source; "published_*" lines are key,value...; then a header
// row and data rows. An empty cell is a value that was not published.

qm_test::Csv read_reference(const std::string& name) {
    return qm_test::read_reference("published/" + name, {.meta_prefix = "published_"});
}

/// |computed − printed| within half a unit of the last printed decimal (and `units` more units).
void expect_published(double computed, const std::string& printed, const std::string& what, double units = 0.0) {
    const auto dot = printed.find('.');
    const int decimals = dot == std::string::npos ? 0 : static_cast<int>(printed.size() - dot - 1);
    const double unit = std::pow(10.0, -decimals);
    EXPECT_LE(std::fabs(computed - std::stod(printed)), (0.5 + units) * unit + 1e-9)
        << what << ": computed " << computed << ", published " << printed;
}

/// Expects qm::invalid_argument whose message starts with `prefix`.
void expect_invalid(const std::function<void()>& f, const std::string& prefix) {
    try {
        f();
        ADD_FAILURE() << "no exception, expected one starting with '" << prefix << "'";
    } catch (const qm::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << "message: " << e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong exception type: " << e.what();
    }
}

bool same(double a, double b) { return (a == b && std::signbit(a) == std::signbit(b)) || (a != a && b != b); }

// =============================================================================================
// CUSUM: published examples
// =============================================================================================

// Montgomery Example 9.1: μ0 = 10, σ = 1, k = 1/2, h = 5; Table 9.2's C+ to the printed 2 dp, the
// signal at period 29 (and not before), N+ = 7 there (shift after period 22), μ̂ = 11.25.
TEST(CusumPublished, MontgomeryExample91TabularCusum) {
    const auto ref = read_reference("cusum_montgomery_example_9_1.csv");
    const auto x = ref.column("x");
    ASSERT_EQ(x.size(), 30u);
    const auto r = cusum(x, {.target = 10.0, .sigma = 1.0});  // defaults: k = 0.5, h = 5
    const auto printed = ref.strings("c_plus_published");
    const auto cp = ref.column("c_plus_exact"), cm = ref.column("c_minus_exact");
    const auto np = ref.column("n_plus_exact"), nm = ref.column("n_minus_exact");
    std::size_t n_printed = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!printed[i].empty()) {
            expect_published(r.upper_sum[i], printed[i], "C+ at period " + std::to_string(i + 1));
            ++n_printed;
        }
        EXPECT_NEAR(r.upper_sum[i], cp[i], 1e-12) << "period " << i + 1;
        EXPECT_NEAR(r.lower_sum[i], cm[i], 1e-12) << "period " << i + 1;
        EXPECT_EQ(r.upper_run[i], static_cast<std::uint32_t>(np[i])) << "period " << i + 1;
        EXPECT_EQ(r.lower_run[i], static_cast<std::uint32_t>(nm[i])) << "period " << i + 1;
        EXPECT_EQ(r.upper_sum_std[i], r.upper_sum[i]);  // σ = 1
        EXPECT_EQ(r.decision_interval[i], 5.0);
        // Out of control at periods 29 and 30 only, on the upper side.
        EXPECT_EQ(r.flags[i], i >= 28 ? signal::upper : 0) << "period " << i + 1;
    }
    EXPECT_EQ(n_printed, 29u);
    EXPECT_EQ(r.first_signal[0], 28u);  // period 29
    EXPECT_EQ(r.upper_run[28], 7u);     // the shift began after period 29 − 7 = 22
    expect_published(cusum_shifted_mean(r, 0, 28), "11.25", "estimated new mean");
    EXPECT_EQ(r.target[0], 10.0);
    EXPECT_FALSE(r.target_estimated[0]);
    EXPECT_FALSE(r.sigma_estimated[0]);
}

// NIST §6.3.2.3: target 325, k = 0.3175, h = 4.1959 in data units, σ of the plotted values 0.635;
// S_hi and S_lo to the printed 2 dp; groups 14..20 out of control (first signal: group 14).
TEST(CusumPublished, Nist6323TabularCusum) {
    const auto ref = read_reference("cusum_nist_6_3_2_3.csv");
    const auto x = ref.column("x");
    const auto shi = ref.strings("s_hi_published"), slo = ref.strings("s_lo_published");
    // In σ units: k = 0.3175 / 0.635 = 0.5, h = 4.1959 / 0.635.
    const CusumOptions o{.k = 0.5, .h = 4.1959 / 0.635};
    const auto r = cusum(x, {.target = 325.0, .sigma = 0.635}, o);
    for (std::size_t i = 0; i < x.size(); ++i) {
        expect_published(r.upper_sum[i], shi[i], "S_hi at group " + std::to_string(i + 1));
        expect_published(r.lower_sum[i], slo[i], "S_lo at group " + std::to_string(i + 1));
        EXPECT_NEAR(r.decision_interval[i], 4.1959, 1e-12);
        EXPECT_EQ(r.flags[i], i >= 13 ? signal::upper : 0) << "group " << i + 1;
    }
    EXPECT_EQ(r.first_signal[0], 13u);

    // The same chart from σ = 1.27 of one observation and subgroups of 4: σ/√4 = 0.635 exactly.
    const std::vector<double> four(x.size(), 4.0);
    const auto g = cusum(x, {.target = 325.0, .sigma = 1.27, .sizes = four}, o);
    for (std::size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(g.upper_sum_std[i], r.upper_sum_std[i]);
        EXPECT_EQ(g.lower_sum_std[i], r.lower_sum_std[i]);
        EXPECT_EQ(g.flags[i], r.flags[i]);
    }
}

// qcc 3.0 ?cusum, individual observations: centre and σ (MR/1.128) of the 20 trial batches.
TEST(CusumPublished, QccViscosityInControlParameters) {
    const auto ref = read_reference("ewma_qcc_viscosity.csv");
    const auto x = ref.column("viscosity");
    ASSERT_EQ(x.size(), 35u);
    const auto r = cusum(x, {}, {.fix_after = 20});
    expect_published(r.target[0], ref.meta_value("published_center"), "center");
    expect_published(r.sigma[0], ref.meta_value("published_std_dev"), "std.dev");
    EXPECT_TRUE(r.target_estimated[0]);
    EXPECT_TRUE(r.sigma_estimated[0]);
    EXPECT_EQ(r.n_baseline[0], 20u);
    EXPECT_EQ(r.baseline_end[0], 20u);
    EXPECT_EQ(r.decision_interval[0], 5.0 * r.sigma[0]);  // qcc's default decision.interval = 5
}

// =============================================================================================
// EWMA: published examples
// =============================================================================================

// NIST §6.3.2.4: λ = 0.3, L = 3, EWMA_0 = 50, s = 2.0539, steady-state limits; EWMA_t to 2 dp.
TEST(EwmaPublished, Nist6324Ewma) {
    const auto ref = read_reference("ewma_nist_6_3_2_4.csv");
    const auto x = ref.column("x");
    const auto z = ref.strings("ewma_published");
    const auto r = ewma(x, {.target = 50.0, .sigma = 2.0539},
                        {.lambda = 0.3, .limit_sigmas = 3.0, .limits = EwmaLimits::asymptotic});
    for (std::size_t i = 0; i < x.size(); ++i) {
        expect_published(r.statistic[i], z[i], "EWMA_" + std::to_string(i + 1));
        EXPECT_EQ(r.centre[i], 50.0);
        EXPECT_EQ(r.flags[i], 0) << "NIST: every EWMA lies between the limits";
    }
    expect_published(r.upper.back(), ref.meta_value("published_ucl"), "UCL");
    // NIST multiplies by sqrt(λ/(2−λ)) rounded to 0.4201: the exact LCL 47.41157 prints 47.4116, one
    // unit above the printed 47.4115; allowed one unit in the last place.
    expect_published(r.lower.back(), ref.meta_value("published_lcl"), "LCL", 1.0);
    EXPECT_EQ(r.first_signal[0], qm::npos);
}

// Montgomery Example 9.2 setup (λ = 0.1, L = 2.7 on Table 9.1, μ0 = 10, σ = 1): z_i and the exact
// time-varying limits against an exact rational/decimal derivation (the printed table was not
// available to transcribe); out of control at periods 29 and 30.
TEST(EwmaPublished, MontgomeryExample92DerivedExactly) {
    const auto ref = read_reference("ewma_montgomery_example_9_2.csv");
    const auto x = ref.column("x");
    const auto z = ref.column("z_exact"), ucl = ref.column("ucl_exact"), lcl = ref.column("lcl_exact");
    const auto r = ewma(x, {.target = 10.0, .sigma = 1.0}, {.lambda = 0.1, .limit_sigmas = 2.7});
    for (std::size_t i = 0; i < x.size(); ++i) {
        EXPECT_NEAR(r.statistic[i], z[i], 1e-12) << "period " << i + 1;
        EXPECT_NEAR(r.upper[i], ucl[i], 1e-12) << "period " << i + 1;
        EXPECT_NEAR(r.lower[i], lcl[i], 1e-12) << "period " << i + 1;
        EXPECT_EQ(r.flags[i], i >= 28 ? signal::upper : 0) << "period " << i + 1;
    }
    EXPECT_NEAR(r.upper[0], 10.27, 1e-12);  // 10 + 2.7·√(0.1/1.9 · 0.19) = 10 + 2.7·0.1
}

// qcc 3.0 ?ewma, individual observations: trial = first 20 batches, then 15 new ones.
TEST(EwmaPublished, QccViscosityIndividuals) {
    const auto ref = read_reference("ewma_qcc_viscosity.csv");
    const auto x = ref.column("viscosity");
    const auto r = ewma(x, {}, {.lambda = 0.2, .limit_sigmas = 2.7, .fix_after = 20});
    expect_published(r.target[0], ref.meta_value("published_center"), "center");
    expect_published(r.sigma[0], ref.meta_value("published_std_dev"), "std.dev");
    expect_published(r.lower[0], ref.meta_value("published_lcl_1"), "LCL[1]");
    expect_published(r.upper[0], ref.meta_value("published_ucl_1"), "UCL[1]");
    EXPECT_EQ(r.size(), 35u);
}

// qcc 3.0 ?ewma, grouped data: piston rings in 40 subgroups of 5, the first 25 the trial data.
// The centre is the size-weighted mean of the trial subgroup means; σ is qcc's (UWAVE-R) value.
TEST(EwmaPublished, QccPistonringsSubgroups) {
    const auto ref = read_reference("ewma_qcc_pistonrings.csv");
    const auto d = ref.column("diameter"), sample = ref.column("sample");
    std::vector<double> means(40, 0.0), ranges(40, 0.0), lo(40, 1e9), hi(40, -1e9);
    for (std::size_t i = 0; i < d.size(); ++i) {
        const auto s = static_cast<std::size_t>(sample[i]) - 1;
        means[s] += d[i] / 5.0;
        lo[s] = std::min(lo[s], d[i]);
        hi[s] = std::max(hi[s], d[i]);
    }
    double mean_range = 0;
    for (std::size_t s = 0; s < 25; ++s) mean_range += (hi[s] - lo[s]) / 25.0;
    // qcc's σ is the mean range over d2(5) = 2.326 (its 3-decimal table): the data are the ones qcc used.
    expect_published(mean_range / 2.326, ref.meta_value("published_std_dev"), "std.dev (UWAVE-R, in the test)");

    const double sigma = std::stod(ref.meta_value("published_std_dev"));
    const std::vector<double> five(40, 5.0);
    const std::span<const double> trial(means.data(), 25);
    const auto r3 = ewma(trial, {.sigma = sigma, .sizes = std::span<const double>(five).first(25)},
                         {.lambda = 0.2, .limit_sigmas = 3.0});
    expect_published(r3.target[0], ref.meta_value("published_center"), "center");
    EXPECT_TRUE(r3.target_estimated[0]);
    EXPECT_FALSE(r3.sigma_estimated[0]);
    for (const auto& row : ref.meta.at("published_limits_l3")) {
        const auto i = static_cast<std::size_t>(std::stoul(row[0])) - 1;
        expect_published(r3.lower[i], row[1], "L=3 LCL[" + row[0] + "]");
        expect_published(r3.upper[i], row[2], "L=3 UCL[" + row[0] + "]");
    }
    // Phase II: limits from the 25 trial subgroups, the index i running on over the new data.
    const auto r27 = ewma(means, {.sigma = sigma, .sizes = five}, {.lambda = 0.2, .limit_sigmas = 2.7, .fix_after = 25});
    EXPECT_EQ(r27.target[0], r3.target[0]);
    for (const auto& row : ref.meta.at("published_limits_l2.7")) {
        const auto i = static_cast<std::size_t>(std::stoul(row[0])) - 1;
        expect_published(r27.lower[i], row[1], "L=2.7 LCL[" + row[0] + "]");
        expect_published(r27.upper[i], row[2], "L=2.7 UCL[" + row[0] + "]");
    }
}

// =============================================================================================
// CUSUM: hand-calculated cases
// =============================================================================================

TEST(Cusum, FastInitialResponseStartsAtHalfTheDecisionInterval) {
    const std::vector<double> x(5, 1.0);  // μ0 = 0, σ = 1, k = 0.5: each point adds 0.5 to C+
    const auto plain = cusum(x, {.target = 0, .sigma = 1}, {.h = 4.0});
    const auto fir = cusum(x, {.target = 0, .sigma = 1}, {.h = 4.0, .fast_initial_response = true});
    const std::vector<double> plain_up{0.5, 1.0, 1.5, 2.0, 2.5}, fir_up{2.5, 3.0, 3.5, 4.0, 4.5};
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(plain.upper_sum[i], plain_up[i]);
        EXPECT_EQ(fir.upper_sum[i], fir_up[i]);
        EXPECT_EQ(plain.flags[i], 0);
        // C+ = 4 = h is not beyond the decision interval (strict, as Montgomery and qcc).
        EXPECT_EQ(fir.flags[i], i == 4 ? signal::upper : 0) << i;
        EXPECT_EQ(fir.upper_run[i], i + 1);
    }
    // C− from the head start 2: 2 − (1 + 0.5) = 0.5, then 0.
    EXPECT_EQ(fir.lower_sum[0], 0.5);
    EXPECT_EQ(fir.lower_run[0], 1u);
    EXPECT_EQ(fir.lower_sum[1], 0.0);
    EXPECT_EQ(fir.head_start, 2.0);
    // An explicit head start (qcc's head.start) in σ units.
    const auto hs = cusum(x, {.target = 0, .sigma = 1}, {.h = 4.0, .head_start = 1.0});
    EXPECT_EQ(hs.upper_sum[0], 1.5);
}

TEST(Cusum, MissingValuesCarryTheSumsAndAreNeverFlagged) {
    const std::vector<double> x{0.0, 3.0, nan, 3.0, 3.0, nan, 0.0};
    const auto r = cusum(x, {.target = 0, .sigma = 1});  // k = 0.5, h = 5
    const std::vector<double> up{0.0, 2.5, 2.5, 5.0, 7.5, 7.5, 7.0};
    const std::vector<std::uint32_t> run{0, 1, 1, 2, 3, 3, 4};
    const std::vector<std::uint8_t> flags{0, 0, 0, 0, signal::upper, 0, signal::upper};
    for (std::size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(r.upper_sum[i], up[i]) << i;
        EXPECT_EQ(r.upper_run[i], run[i]) << i;
        EXPECT_EQ(r.flags[i], flags[i]) << i;  // row 5 carries 7.5 > 5 but has no observation
        EXPECT_EQ(r.decision_interval[i], 5.0);
    }
    EXPECT_EQ(r.first_signal[0], 4u);
}

TEST(Cusum, ResetAfterSignalRestartsAtTheHeadStart) {
    const std::vector<double> x(6, 3.0);  // μ0 = 0, σ = 1, k = 0.5: +2.5 per point
    const auto keep = cusum(x, {.target = 0, .sigma = 1});
    const auto reset = cusum(x, {.target = 0, .sigma = 1}, {.reset_after_signal = true});
    const auto reset_fir = cusum(x, {.target = 0, .sigma = 1}, {.fast_initial_response = true, .reset_after_signal = true});
    const std::vector<double> keep_up{2.5, 5.0, 7.5, 10.0, 12.5, 15.0};
    const std::vector<double> reset_up{2.5, 5.0, 7.5, 2.5, 5.0, 7.5};      // restart at 0 after row 2
    const std::vector<double> fir_up{5.0, 7.5, 5.0, 7.5, 5.0, 7.5};        // restart at h/2 = 2.5
    for (std::size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(keep.upper_sum[i], keep_up[i]) << i;
        EXPECT_EQ(keep.flags[i], i >= 2 ? signal::upper : 0) << i;
        EXPECT_EQ(reset.upper_sum[i], reset_up[i]) << i;
        EXPECT_EQ(reset.flags[i], i == 2 || i == 5 ? signal::upper : 0) << i;
        EXPECT_EQ(reset_fir.upper_sum[i], fir_up[i]) << i;
        EXPECT_EQ(reset_fir.flags[i], i % 2 == 1 ? signal::upper : 0) << i;
    }
    EXPECT_EQ(reset.upper_run[3], 1u);  // the run counter restarts too
}

TEST(Cusum, VaryingSubgroupSizesStandardiseEachPoint) {
    // μ0 = 10, σ = 2; sizes 1, 4, 16 give σ_i = 2, 1, 0.5 and z_i = 1 at each point.
    const std::vector<double> x{12.0, 11.0, 10.5}, n{1.0, 4.0, 16.0};
    const auto r = cusum(x, {.target = 10, .sigma = 2, .sizes = n});
    const std::vector<double> std_up{0.5, 1.0, 1.5}, up{1.0, 1.0, 0.75}, di{10.0, 5.0, 2.5};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(r.upper_sum_std[i], std_up[i]);
        EXPECT_EQ(r.upper_sum[i], up[i]);
        EXPECT_EQ(r.decision_interval[i], di[i]);
        EXPECT_EQ(r.lower_sum_std[i], 0.0);
    }
}

TEST(Cusum, BaselineEstimatesFromTheFirstRows) {
    // Baseline 1, 3, 2, 4 (fix_after = 4): mean 2.5, moving ranges 2, 1, 2 → σ = (5/3)/1.128.
    const std::vector<double> x{1.0, 3.0, 2.0, 4.0, 9.0, 9.0, 9.0};
    const auto r = cusum(x, {}, {.fix_after = 4});
    EXPECT_EQ(r.target[0], 2.5);
    EXPECT_DOUBLE_EQ(r.sigma[0], (5.0 / 3.0) / 1.128);
    EXPECT_EQ(r.n_baseline[0], 4u);
    EXPECT_EQ(r.baseline_end[0], 4u);
    // A given target is kept; only σ is estimated (over every row: fix_after = 0).
    const auto g = cusum(x, {.target = 2.0});
    EXPECT_EQ(g.target[0], 2.0);
    EXPECT_FALSE(g.target_estimated[0]);
    EXPECT_TRUE(g.sigma_estimated[0]);
    // A moving range never bridges a missing value: 1, 3, NaN, 4, 6 → ranges 2 and 2.
    const std::vector<double> gap{1.0, 3.0, nan, 4.0, 6.0};
    EXPECT_DOUBLE_EQ(cusum(gap).sigma[0], 2.0 / 1.128);
}

TEST(Cusum, SubgroupSigmaEstimators) {
    // Three subgroups: sizes 4, 5, 6 (one more of size 1, and a missing one, ignored by the SDs).
    const std::vector<double> means{10.0, 11.0, 9.0, 10.5, nan}, n{4.0, 5.0, 6.0, 1.0, 5.0},
        sd{1.0, 2.0, 1.5, nan, 3.0};
    auto c4 = [](double m) { return std::sqrt(2.0 / (m - 1.0)) * std::tgamma(m / 2.0) / std::tgamma((m - 1.0) / 2.0); };
    const double pooled = std::sqrt((3 * 1.0 + 4 * 4.0 + 5 * 2.25) / 12.0) / c4(13.0);
    const double mean_sd = (1.0 / c4(4.0) + 2.0 / c4(5.0) + 1.5 / c4(6.0)) / 3.0;
    const auto p = estimate_in_control(means, {.sizes = n, .subgroup_sd = sd});  // automatic → pooled_sd
    EXPECT_NEAR(p.sigma, pooled, 1e-14);
    EXPECT_NEAR(p.target, (4 * 10.0 + 5 * 11.0 + 6 * 9.0 + 1 * 10.5) / 16.0, 1e-14);  // Σ n x̄ / Σ n
    EXPECT_EQ(p.n_baseline, 4u);
    const auto m = estimate_in_control(means, {.sizes = n, .subgroup_sd = sd}, SigmaMethod::mean_sd);
    EXPECT_NEAR(m.sigma, mean_sd, 1e-14);
    // All sizes 1: individual values, moving ranges.
    const std::vector<double> ones(5, 1.0), y{1.0, 2.0, 4.0, 3.0, 3.0};
    EXPECT_DOUBLE_EQ(estimate_in_control(y, {.sizes = ones}).sigma, (1.0 + 2.0 + 1.0 + 0.0) / 4.0 / 1.128);
}

// =============================================================================================
// EWMA: hand-calculated cases
// =============================================================================================

TEST(Ewma, MissingValuesCarryTheStatisticAndDoNotAdvanceTheLimits) {
    const std::vector<double> x{0.0, 0.0, 10.0, nan, 0.0};
    const auto r = ewma(x, {.target = 0, .sigma = 1}, {.lambda = 0.5});  // L = 3
    const std::vector<double> z{0.0, 0.0, 5.0, 5.0, 2.5};
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(r.statistic[i], z[i]) << i;
    // i counts observations: row 4 is the 4th, row 3 shows the limits of the 3rd.
    EXPECT_EQ(r.upper[3], r.upper[2]);
    EXPECT_DOUBLE_EQ(r.upper[2], 3.0 * std::sqrt(0.5 / 1.5 * (1.0 - std::pow(0.25, 3))));
    EXPECT_DOUBLE_EQ(r.upper[4], 3.0 * std::sqrt(0.5 / 1.5 * (1.0 - std::pow(0.25, 4))));
    const std::vector<std::uint8_t> flags{0, 0, signal::upper, 0, signal::upper};
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(r.flags[i], flags[i]) << i;
    // Before the first observation z = μ0 with no variance: zero-width limits, no flag.
    const std::vector<double> lead{nan, 1.0};
    const auto l = ewma(lead, {.target = 0, .sigma = 1}, {.lambda = 0.5});
    EXPECT_EQ(l.statistic[0], 0.0);
    EXPECT_EQ(l.upper[0], 0.0);
    EXPECT_EQ(l.lower[0], 0.0);
    EXPECT_EQ(l.flags[0], 0);
    EXPECT_DOUBLE_EQ(l.upper[1], 3.0 * 0.5);  // i = 1: L σ λ
}

// Past the point where the time-varying limits settle (λ = 0.2: 0.8^{2i} < 2^-54 from i = 84 on,
// since 54 ln 2 / (2 · 0.2231) = 83.9), a missing value still keeps z and flags nothing, and the
// first signal is still found. μ0 = 0, σ = 1: the settled limits are ±L √(λ/(2−λ)) = ±3 √(0.2/1.8)
// = ±1 (to rounding). z stays 0 through row 119; x_120 = 100 gives
// z = 0.2 · 100 = 20 > 1; row 121 is missing (z stays 20, no flag); x_122 = 0 gives 0.8 · 20 = 16.
TEST(Ewma, SettledLimitsKeepMissingValuesAndFindTheFirstSignal) {
    std::vector<double> x(150, 0.0);
    x[100] = nan;
    x[120] = 100.0;
    x[121] = nan;
    const auto r = ewma(x, {.target = 0, .sigma = 1});  // λ = 0.2, L = 3, time-varying
    const double w = 3.0 * std::sqrt(0.2 / (2.0 - 0.2));
    EXPECT_EQ(r.upper[149], w);
    EXPECT_EQ(r.lower[149], -w);
    EXPECT_EQ(r.statistic[100], 0.0);
    EXPECT_EQ(r.flags[100], 0u);
    EXPECT_EQ(r.statistic[120], 20.0);
    EXPECT_EQ(r.flags[120], signal::upper);
    EXPECT_EQ(r.statistic[121], 20.0);
    EXPECT_EQ(r.flags[121], 0u);
    EXPECT_EQ(r.statistic[122], 0.8 * 20.0);
    EXPECT_EQ(r.flags[122], signal::upper);
    EXPECT_EQ(r.first_signal[0], 120u);
}

TEST(Ewma, LimitsForVaryingSubgroupSizes) {
    // σ = 1, λ = 0.5, sizes 1 then 4.
    const std::vector<double> x{0.0, 0.0}, n{1.0, 4.0};
    auto half_width = [&](EwmaLimits lim) {
        const auto r = ewma(x, {.target = 0, .sigma = 1, .sizes = n}, {.lambda = 0.5, .limit_sigmas = 1.0, .limits = lim});
        return std::pair{r.upper[0], r.upper[1]};
    };
    // qcc: σ²/n_i · λ/(2−λ) · (1 − (1−λ)^{2i}): 1/3·3/4 = 0.25, then 1/4·1/3·15/16 = 0.078125.
    const auto tv = half_width(EwmaLimits::time_varying);
    EXPECT_DOUBLE_EQ(tv.first, 0.5);
    EXPECT_DOUBLE_EQ(tv.second, std::sqrt(0.078125));
    // Exact variance of z: λ²σ²/n_1 = 0.25, then (1−λ)²·0.25 + λ²·1/4 = 0.125.
    const auto ex = half_width(EwmaLimits::exact_variance);
    EXPECT_DOUBLE_EQ(ex.first, 0.5);
    EXPECT_DOUBLE_EQ(ex.second, std::sqrt(0.125));
    // Steady state: σ²/n_i · λ/(2−λ).
    const auto as = half_width(EwmaLimits::asymptotic);
    EXPECT_DOUBLE_EQ(as.first, std::sqrt(1.0 / 3.0));
    EXPECT_DOUBLE_EQ(as.second, std::sqrt(1.0 / 12.0));
    // For a constant size exact_variance and time_varying agree (to rounding).
    const std::vector<double> y{1.0, -2.0, 0.5, 3.0, 1.0, 0.0, -1.0, 2.0};
    const auto a = ewma(y, {.target = 0, .sigma = 1.5}, {.lambda = 0.3, .limits = EwmaLimits::time_varying});
    const auto b = ewma(y, {.target = 0, .sigma = 1.5}, {.lambda = 0.3, .limits = EwmaLimits::exact_variance});
    for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(a.upper[i], b.upper[i], 1e-14);
}

TEST(Ewma, LambdaOneIsTheShewhartChart) {
    const std::vector<double> x{1.0, 4.0, -3.5, 2.0};
    const auto r = ewma(x, {.target = 0, .sigma = 1}, {.lambda = 1.0});
    for (std::size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(r.statistic[i], x[i]);
        EXPECT_EQ(r.upper[i], 3.0);
        EXPECT_EQ(r.lower[i], -3.0);
    }
    EXPECT_EQ(r.flags[1], signal::upper);
    EXPECT_EQ(r.flags[2], signal::lower);
}

// =============================================================================================
// The per-point update reproduces the batch columns bit for bit (the live monitor's contract)
// =============================================================================================

std::vector<double> random_series(std::size_t n, unsigned seed, double shift_at = 0.6) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> norm(0.0, 1.0);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) {
        x[i] = 50.0 + 2.0 * norm(rng) + (static_cast<double>(i) > shift_at * static_cast<double>(n) ? 1.5 : 0.0);
        if (u(rng) < 0.05) x[i] = nan;
    }
    return x;
}

TEST(TimeWeighted, UpdateReproducesTheBatchCusum) {
    const auto x = random_series(500, 7);
    std::vector<double> n(x.size());
    for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<double>(1 + i % 5);
    for (const CusumOptions& o : {CusumOptions{.fix_after = 100}, CusumOptions{.h = 4, .fast_initial_response = true,
                                                                                   .reset_after_signal = true,
                                                                                   .fix_after = 100}}) {
        const TimeWeightedSpec spec{.sigma = 2.0, .sizes = n};
        const auto batch = cusum(x, spec, o);
        // A monitor learns the baseline, freezes the parameters, then pushes points one at a time.
        const auto est = estimate_in_control(std::span<const double>(x).first(100),
                                             {.sigma = 2.0, .sizes = std::span<const double>(n).first(100)});
        const auto p = cusum_parameters(est, o);
        EXPECT_EQ(p.target, batch.target[0]);
        CusumState s = cusum_start(p);
        std::size_t signals = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const auto pt = cusum_update(s, p, x[i], n[i]);
            ASSERT_TRUE(same(pt.upper, batch.upper_sum_std[i])) << i;
            ASSERT_TRUE(same(pt.lower, batch.lower_sum_std[i])) << i;
            ASSERT_EQ(pt.upper_run, batch.upper_run[i]) << i;
            ASSERT_EQ(pt.lower_run, batch.lower_run[i]) << i;
            ASSERT_EQ(pt.flags, batch.flags[i]) << i;
            signals += pt.flags != 0;
        }
        EXPECT_GT(signals, 0u);  // the shift is found
    }
}

TEST(TimeWeighted, UpdateReproducesTheBatchEwma) {
    const auto x = random_series(500, 11);
    std::vector<double> n(x.size());
    for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<double>(2 + i % 3);
    for (auto lim : {EwmaLimits::time_varying, EwmaLimits::asymptotic, EwmaLimits::exact_variance}) {
        const EwmaOptions o{.lambda = 0.15, .limit_sigmas = 2.8, .limits = lim, .fix_after = 120};
        const auto batch = ewma(x, {.sigma = 2.0, .sizes = n}, o);
        const auto est = estimate_in_control(std::span<const double>(x).first(120),
                                             {.sigma = 2.0, .sizes = std::span<const double>(n).first(120)});
        const auto p = ewma_parameters(est, o);
        EwmaState s = ewma_start(p);
        std::size_t signals = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const auto pt = ewma_update(s, p, x[i], n[i]);
            ASSERT_TRUE(same(pt.statistic, batch.statistic[i])) << i;
            ASSERT_TRUE(same(pt.lower, batch.lower[i])) << i;
            ASSERT_TRUE(same(pt.upper, batch.upper[i])) << i;
            ASSERT_EQ(pt.flags, batch.flags[i]) << i;
            signals += pt.flags != 0;
        }
        EXPECT_GT(signals, 0u);
    }
}

// =============================================================================================
// Long format: groups, given and estimated parameters, threads
// =============================================================================================

TEST(TimeWeighted, GroupedEqualsOneSeriesAtATimeWhateverTheThreads) {
    // 120 groups of 500 rows (60,000 points: above the parallel threshold).
    const std::size_t G = 120, len = 500;
    std::vector<double> values;
    std::vector<std::size_t> offsets{0};
    std::vector<double> targets(G, nan), sigmas(G, nan);
    for (std::size_t g = 0; g < G; ++g) {
        const auto x = random_series(len, static_cast<unsigned>(100 + g), 0.5 + 0.003 * static_cast<double>(g));
        values.insert(values.end(), x.begin(), x.end());
        offsets.push_back(values.size());
        if (g % 3 == 0) targets[g] = 50.0;
        if (g % 4 == 0) sigmas[g] = 2.0;
    }
    const TimeWeightedInput in{.values = values, .offsets = offsets, .targets = targets, .sigmas = sigmas};
    const CusumOptions co{.fix_after = 200};
    const EwmaOptions eo{.fix_after = 200};
    const auto c1 = cusum_grouped(in, co, 1), c4 = cusum_grouped(in, co, 4);
    const auto e1 = ewma_grouped(in, eo, 1), e4 = ewma_grouped(in, eo, 4);
    EXPECT_EQ(c1.upper_sum, c4.upper_sum);
    EXPECT_EQ(c1.lower_sum, c4.lower_sum);
    EXPECT_EQ(c1.flags, c4.flags);
    EXPECT_EQ(c1.first_signal, c4.first_signal);
    EXPECT_EQ(e1.statistic, e4.statistic);
    EXPECT_EQ(e1.upper, e4.upper);
    EXPECT_EQ(e1.flags, e4.flags);
    for (std::size_t g = 0; g < G; g += 7) {
        const std::span<const double> x(values.data() + offsets[g], len);
        const auto c = cusum(x, {.target = targets[g], .sigma = sigmas[g]}, co);
        const auto e = ewma(x, {.target = targets[g], .sigma = sigmas[g]}, eo);
        EXPECT_EQ(c1.target[g], c.target[0]);
        EXPECT_EQ(c1.sigma[g], c.sigma[0]);
        EXPECT_EQ(c1.target_estimated[g], g % 3 != 0);
        EXPECT_EQ(c1.sigma_estimated[g], g % 4 != 0);
        EXPECT_EQ(c1.baseline_end[g], offsets[g] + 200);
        EXPECT_EQ(c1.first_signal[g], c.first_signal[0] == qm::npos ? qm::npos : c.first_signal[0] + offsets[g]);
        for (std::size_t i = 0; i < len; ++i) {
            ASSERT_TRUE(same(c1.upper_sum[offsets[g] + i], c.upper_sum[i]));
            ASSERT_EQ(c1.flags[offsets[g] + i], c.flags[i]);
            ASSERT_TRUE(same(e1.statistic[offsets[g] + i], e.statistic[i]));
            ASSERT_TRUE(same(e1.lower[offsets[g] + i], e.lower[i]));
            ASSERT_EQ(e1.flags[offsets[g] + i], e.flags[i]);
        }
    }
}

// The values are checked from the estimate's own pass over the baseline (and a scan of the rows
// after a frozen one), after the groups are computed; their error must still come first, before
// a columns error or an estimation error of any group, whatever the thread count.
TEST(TimeWeighted, ValuesErrorsComeFirstWhereverTheValueIs) {
    const double inf = std::numeric_limits<double>::infinity();
    // in a baseline whose mean and moving ranges are estimated (the one-pass path)
    const std::vector<double> in_baseline{1.0, 2.0, -inf, 2.0, 3.0, 1.0};
    expect_invalid([&] { cusum(in_baseline); }, "values[2]: must be finite or NaN (missing), got -inf");
    expect_invalid([&] { ewma(in_baseline); }, "values[2]: must be finite or NaN (missing), got -inf");
    const std::vector<double> huge{1.0, 2.0, 3.0, 2.0, 3.0, 1.0, 2.0, 3.0, 2.0, 2e300};
    expect_invalid([&] { cusum(huge); }, "values[9]: magnitude above 1e300");
    // after a frozen baseline: rows the estimate does not read
    const std::vector<double> after{1.0, 2.0, 3.0, 2.0, 3.0, inf};
    expect_invalid([&] { cusum(after, {}, {.fix_after = 3}); }, "values[5]: must be finite or NaN (missing), got inf");
    expect_invalid([&] { ewma(after, {.target = 2.0}, {.fix_after = 4}); }, "values[5]: must be finite or NaN");
    // nothing a number: the values' message, not the estimate's
    const std::vector<double> missing{nan, nan, nan};
    expect_invalid([&] { cusum(missing); }, "values: all values are missing");
    // before a sizes error further up
    const std::vector<double> x{1.0, 2.0, 3.0, inf}, bad_n{1.0, 0.0, 1.0, 1.0};
    expect_invalid([&] { cusum(x, {.sigma = 1.0, .sizes = bad_n}); }, "values[3]: must be finite or NaN");
    // before the estimation error of an earlier group (σ cannot be estimated from one value),
    // on one thread and on several
    std::vector<double> values{5.0};
    std::vector<std::size_t> offsets{0, 1};
    for (std::size_t g = 1; g < 40; ++g) {
        for (int i = 0; i < 50; ++i) values.push_back(static_cast<double>((i * 7 + static_cast<int>(g)) % 11));
        offsets.push_back(values.size());
    }
    values[values.size() - 3] = inf;
    const std::size_t bad_row = values.size() - 3;
    const TimeWeightedInput in{.values = values, .offsets = offsets};
    for (unsigned t : {1u, 2u, 4u}) {
        expect_invalid([&] { cusum_grouped(in, {}, t); }, "values[" + std::to_string(bad_row) + "]: must be finite");
        expect_invalid([&] { ewma_grouped(in, {}, t); }, "values[" + std::to_string(bad_row) + "]: must be finite");
    }
    // and without the infinite value, the estimation error itself
    values[bad_row] = 1.0;
    expect_invalid([&] { cusum_grouped({.values = values, .offsets = offsets}, {}, 2); }, "sigmas[0]: cannot be estimated");
}

TEST(TimeWeighted, GroupedErrorNamesTheLowestFailingGroupWhateverTheThreads) {
    const std::size_t G = 100, len = 600;
    std::vector<double> values;
    std::vector<std::size_t> offsets{0};
    for (std::size_t g = 0; g < G; ++g) {
        auto x = random_series(len, static_cast<unsigned>(g));
        if (g == 37 || g == 81) std::fill(x.begin(), x.begin() + 50, 5.0);  // constant baseline: σ = 0
        values.insert(values.end(), x.begin(), x.end());
        offsets.push_back(values.size());
    }
    const TimeWeightedInput in{.values = values, .offsets = offsets};
    for (unsigned t : {1u, 2u, 4u}) {
        expect_invalid([&] { cusum_grouped(in, {.fix_after = 50}, t); }, "sigmas[37]: estimated as 0");
        expect_invalid([&] { ewma_grouped(in, {.fix_after = 50}, t); }, "sigmas[37]: estimated as 0");
    }
}

// =============================================================================================
// Bad input: qm::invalid_argument naming the argument
// =============================================================================================

TEST(TimeWeighted, RejectsBadOptions) {
    const std::vector<double> x{1.0, 2.0, 3.0, 2.0};
    const TimeWeightedSpec s{.target = 2.0, .sigma = 1.0};
    for (double lambda : {0.0, -0.1, 1.5, nan})
        expect_invalid([&] { ewma(x, s, {.lambda = lambda}); }, "lambda: must be in (0, 1]");
    expect_invalid([&] { ewma(x, s, {.limit_sigmas = 0.0}); }, "limit_sigmas: must be a positive finite number");
    for (double h : {0.0, -1.0, std::numeric_limits<double>::infinity(), nan})
        expect_invalid([&] { cusum(x, s, {.h = h}); }, "h: must be a positive finite number");
    for (double k : {-0.1, nan}) expect_invalid([&] { cusum(x, s, {.k = k}); }, "k: must be a finite number >= 0");
    expect_invalid([&] { cusum(x, s, {.h = 4.0, .head_start = 4.0}); }, "head_start: must be >= 0 and below h");
    expect_invalid([&] { cusum(x, s, {.head_start = -1.0}); }, "head_start: must be >= 0 and below h");
    expect_invalid([&] { cusum(x, s, {.fast_initial_response = true, .head_start = 1.0}); },
                   "head_start: give either head_start or fast_initial_response");
}

TEST(TimeWeighted, RejectsBadParametersAndData) {
    const std::vector<double> x{1.0, 2.0, 3.0, 2.0};
    for (double sigma : {0.0, -1.0}) {
        expect_invalid([&] { cusum(x, {.sigma = sigma}); }, "sigma: must be positive");
        expect_invalid([&] { ewma(x, {.sigma = sigma}); }, "sigma: must be positive");
    }
    expect_invalid([&] { cusum(x, {.target = std::numeric_limits<double>::infinity()}); }, "target: must be finite or NaN");
    // Too few points to estimate σ.
    const std::vector<double> one{5.0}, apart{1.0, nan, 2.0};
    expect_invalid([&] { cusum(one); }, "sigma: cannot be estimated: the baseline has 1 value(s)");
    expect_invalid([&] { ewma(apart); }, "sigma: cannot be estimated: the baseline has 2 value(s)");
    expect_invalid([&] { ewma(x, {}, {.fix_after = 1}); }, "sigma: cannot be estimated");
    const std::vector<double> flat{3.0, 3.0, 3.0, 7.0};
    expect_invalid([&] { cusum(flat, {}, {.fix_after = 3}); }, "sigma: estimated as 0");
    const std::vector<double> none{nan, nan, 1.0, 2.0};
    expect_invalid([&] { cusum(none, {.sigma = 1.0}, {.fix_after = 2}); }, "target: cannot be estimated");
    // Values.
    const std::vector<double> empty;
    expect_invalid([&] { cusum(empty, {.target = 0, .sigma = 1}); }, "values: is empty");
    const std::vector<double> inf{1.0, std::numeric_limits<double>::infinity()};
    expect_invalid([&] { ewma(inf, {.target = 0, .sigma = 1}); }, "values[1]: must be finite or NaN");
    const std::vector<double> huge{1.0, 2e300};
    expect_invalid([&] { cusum(huge, {.target = 0, .sigma = 1}); }, "values[1]: magnitude above 1e300");
    const std::vector<double> missing{nan, nan};
    expect_invalid([&] { ewma(missing, {.target = 0, .sigma = 1}); }, "values: all values are missing");
    const std::size_t past_end[3] = {0, 2, 5};
    expect_invalid([&] { cusum_grouped({.values = x, .offsets = past_end}); }, "offsets[2]: must equal the number of values (4)");
    const std::size_t empty_group[3] = {0, 0, 4};
    expect_invalid([&] { ewma_grouped({.values = x, .offsets = empty_group}); }, "offsets[1]: group 0 is empty");
    // Subgroup columns.
    const std::vector<double> short_n{1.0, 1.0};
    expect_invalid([&] { cusum(x, {.sigma = 1.0, .sizes = short_n}); }, "sizes: has 2 entries but values has 4");
    const std::vector<double> bad_n{2.0, 0.0, 2.0, 2.0};
    expect_invalid([&] { ewma(x, {.sigma = 1.0, .sizes = bad_n}); }, "sizes[1]: must be a subgroup size >= 1");
    const std::vector<double> n{5.0, 5.0, 5.0, 5.0};
    expect_invalid([&] { cusum(x, {.sizes = n}, {.sigma_method = SigmaMethod::moving_range}); },
                   "sigma: cannot be estimated by moving ranges from subgroup means");
    expect_invalid([&] { cusum(x, {.sizes = n}); },  // automatic: pooled_sd for subgroups
                   "sigma: cannot be estimated by pooled_sd or mean_sd without subgroup_sd");
    const std::vector<double> bad_sd{1.0, -1.0, 1.0, 1.0};
    expect_invalid([&] { cusum(x, {.sizes = n, .subgroup_sd = bad_sd}); }, "subgroup_sd[1]: must be finite and >= 0");
    // Per-group columns in long format.
    const std::size_t offsets[3] = {0, 2, 4};
    const double two_targets[1] = {1.0};
    expect_invalid([&] { cusum_grouped({.values = x, .offsets = offsets, .targets = two_targets}); },
                   "targets: needs one entry per group (2), got 1");
    const double sig[2] = {1.0, -2.0};
    expect_invalid([&] { ewma_grouped({.values = x, .offsets = offsets, .sigmas = sig}); }, "sigmas[1]: must be positive");
    // The per-point parameters check what they are given.
    expect_invalid([&] { cusum_parameters({.target = 0, .sigma = 0}, {}); }, "sigma: must be positive");
    expect_invalid([&] { ewma_parameters({.target = nan, .sigma = 1}, {}); }, "target: must be finite");
}

}  // namespace
