// Tests of process capability and target assurance (qm/assurance/capability.hpp), the slope and
// relative index of inequality (qm/assurance/inequality.hpp) and the board summary
// (qm/assurance/board.hpp).
//
// Every expected value names its source next to it:
//   * qcc 3.0's own test vectors (luca-scr/qcc@af35099 tests/testthat/test-capability.R) and the
//     printed example of its processCapability help page (Montgomery's piston rings);
//   * independent 40-digit computations from the published formulas (Chou et al. 1990,
//     Bissell 1990, Boyles 1991, NIST e-Handbook §6.1.6) on real NHS A&E data:
//     tests/reference/assurance/capability_ae_rrk.csv (make_capability_reference.py);
//   * PHE/UKHSA's SII test fixtures (PHEindicatormethods@093fd28 testdata_SII.xlsx, Excel
//     tool), extracted to tests/reference/assurance/phe_sii_*.csv by extract_phe_sii.py;
//   * closed forms (the weighted least-squares slope; the exact sampling distribution of a
//     linear SII) and Boost.Math distributions.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <numeric>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <gtest/gtest.h>

#include <qm/assurance/assurance.hpp>
#include <qm/spc/chart.hpp>
#include <qm/spc/xmr.hpp>

#include "test_csv.hpp"

namespace {

using namespace qm::assurance;
using qm::AssuranceIcon;
using qm::Improvement;
using qm::VariationIcon;
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// ------------------------------------------------------------------ reference files
using Table = qm_test::Csv;

Table read_table(const std::string& path) { return qm_test::read_reference(path); }

/// "0.95;0.99" → {"0.95", "0.99"}
std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : text) {
        if (ch == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += ch;
        }
    }
    out.push_back(cur);
    return out;
}

std::map<std::string, double> read_quantities(const std::string& path) {
    const Table t = read_table(path);
    std::map<std::string, double> out;
    for (std::size_t r = 0; r < t.size(); ++r) out[t.str(r, "quantity")] = t.num(r, "value");
    return out;
}

/// RRK type-1 four-hour performance, 36 months in date order (the A&E reference data).
std::vector<double> rrk_performance() {
    const Table t = read_table("ae_attendances.csv");
    std::vector<std::pair<std::string, double>> rows;
    for (std::size_t r = 0; r < t.size(); ++r)
        if (t.str(r, "org_code") == "RRK" && t.str(r, "type") == "1")
            rows.emplace_back(t.str(r, "period"), 1.0 - t.num(r, "breaches") / t.num(r, "attendances"));
    std::sort(rows.begin(), rows.end());
    std::vector<double> y;
    for (auto& [d, v] : rows) y.push_back(v);
    return y;
}

void expect_rel(double actual, double expected, double rel, const std::string& what) {
    EXPECT_NEAR(actual, expected, rel * std::max(1.0, std::fabs(expected))) << what;
}

// ============================================================================================
// Capability
// ============================================================================================

// qcc 3.0 tests/testthat/test-capability.R: an xbar chart of 3 subgroups of 4, std.dev = R̄/d2(4)
// with qcc's published d2(4) = 2.059, n = 12 observations, target at the midpoint 10.0.
struct QccCase {
    CapabilityMoments m;
    QccCase() {
        const std::vector<std::vector<double>> sg{{10.00, 10.02, 9.98, 10.01}, {10.03, 9.99, 10.01, 10.00}, {9.97, 10.04, 10.02, 9.99}};
        std::vector<double> all;
        double rbar = 0.0;
        for (const auto& s : sg) {
            all.insert(all.end(), s.begin(), s.end());
            rbar += *std::max_element(s.begin(), s.end()) - *std::min_element(s.begin(), s.end());
        }
        rbar /= 3.0;
        m = capability_moments(all);  // mean and overall SD of the 12 values
        m.sigma_within = rbar / 2.059;
        m.df_within = 11.0;
    }
};

void expect_index(const CapabilityIndex& c, double v, double lo, double hi, const char* what, double tol = 1e-6) {
    EXPECT_NEAR(c.value, v, tol) << what;
    EXPECT_NEAR(c.lower, lo, tol) << what << " lower";
    EXPECT_NEAR(c.upper, hi, tol) << what << " upper";
}

TEST(Capability, QccTwoSidedOnTarget) {
    const QccCase q;
    CapabilityOptions o;
    o.cpm_interval = CpmInterval::qcc;  // qcc's ν = n(1 + a²)/(1 + 2a²)
    const Capability c = capability_indices(q.m, {.lower = 9.9, .upper = 10.1, .nominal = 10.0}, o);
    EXPECT_EQ(c.status, CapabilityStatus::ok);
    expect_index(c.cp, 1.372667, 0.808460, 1.937713, "Cp");
    expect_index(c.cpk, 1.304033, 0.727408, 1.880659, "Cp_k");
    expect_index(c.cpm, 1.344463, 0.804207, 1.885321, "Cpm");
    expect_index(c.pp, 1.612598, 0.949773, 2.276410, "Pp");
    expect_index(c.ppk, 1.531968, 0.864608, 2.199329, "Pp_k");
    expect_index(c.ppm, 1.567395, 0.933327, 2.202237, "Ppm");
    // qcc's Cp_l / Cp_u use the one-sided z = Φ⁻¹(0.95): our two-sided 90% interval
    o.confidence = 0.90;
    const Capability c90 = capability_indices(q.m, {.lower = 9.9, .upper = 10.1, .nominal = 10.0}, o);
    expect_index(c90.cpl, 1.441300, 0.911657, 1.970943, "Cp_l");
    expect_index(c90.cpu, 1.304033, 0.820114, 1.787953, "Cp_u");
    expect_index(c90.ppl, 1.693228, 1.078708, 2.307749, "Pp_l");
    expect_index(c90.ppu, 1.531968, 0.971902, 2.092035, "Pp_u");
}

TEST(Capability, QccOneSided) {
    const QccCase q;
    // upper only (qcc: "Upper spec only case")
    const Capability u = capability_indices(q.m, {.upper = 10.1});
    EXPECT_TRUE(std::isnan(u.cp.value) && std::isnan(u.cpl.value) && std::isnan(u.cpm.value) && std::isnan(u.pp.value));
    expect_index(u.cpk, 1.304033, 0.727408, 1.880659, "Cp_k upper only");
    expect_index(u.ppk, 1.531968, 0.864608, 2.199329, "Pp_k upper only");
    // lower only
    const Capability l = capability_indices(q.m, {.lower = 9.9});
    expect_index(l.cpk, 1.441300, 0.810191, 2.072409, "Cp_k lower only");
    expect_index(l.ppk, 1.693228, 0.960982, 2.425474, "Pp_k lower only");
    EXPECT_FALSE(std::isnan(u.p_meet_within.value));
}

TEST(Capability, QccOffTargetCpmDiffersByDesign) {
    // qcc computes Cpm = (U − L)/(6τ) even when T = 10.02 is off-centre (qcc: 1.167834, Ppm
    // 1.305161); ours is min(T − L, U − T)/(3τ) = 0.08/(3τ), i.e. 0.8 of qcc's here.
    const QccCase q;
    const Capability c = capability_indices(q.m, {.lower = 9.9, .upper = 10.1, .nominal = 10.02});
    EXPECT_NEAR(c.cpm.value, 0.8 * 1.167834, 1e-6);
    EXPECT_NEAR(c.ppm.value, 0.8 * 1.305161, 1e-6);
}

TEST(Capability, QccPistonRingsExample) {
    // qcc processCapability help page: q = qcc(diameter[1:25,], type = "xbar");
    // processCapability(q, spec.limits = c(73.95, 74.05)) prints (2 decimals):
    // Cp 1.70 [1.49, 1.91]  Cp_l 1.74 [1.55, 1.93]  Cp_u 1.66 [1.48, 1.84]  Cp_k 1.66 [1.45, 1.88]
    // Cpm 1.69 [1.48, 1.90]; Center 74.00118, StdDev 0.009785039 (R̄/d2(5), d2(5) = 2.326).
    const Table t = read_table("published/montgomery_6_3_piston_rings.csv");
    std::vector<double> x;
    std::map<int, std::vector<double>> sg;
    for (std::size_t r = 0; r < t.size(); ++r) {
        x.push_back(t.num(r, "diameter"));
        sg[static_cast<int>(t.num(r, "sample"))].push_back(t.num(r, "diameter"));
    }
    double rbar = 0.0;
    for (auto& [k, s] : sg) rbar += *std::max_element(s.begin(), s.end()) - *std::min_element(s.begin(), s.end());
    rbar /= static_cast<double>(sg.size());
    CapabilityMoments m = capability_moments(x);
    m.sigma_within = rbar / 2.326;
    m.df_within = static_cast<double>(m.n - 1);
    EXPECT_NEAR(m.mean, 74.00118, 5e-6);
    EXPECT_NEAR(m.sigma_within, 0.009785039, 1e-9);
    const Specification spec{.lower = 73.95, .upper = 74.05};
    const Capability c = capability_indices(m, spec, {.cpm_interval = CpmInterval::qcc});
    expect_index(c.cp, 1.70, 1.49, 1.91, "Cp", 0.005);
    expect_index(c.cpk, 1.66, 1.45, 1.88, "Cp_k", 0.005);
    expect_index(c.cpm, 1.69, 1.48, 1.90, "Cpm", 0.005);
    const Capability c90 = capability_indices(m, spec, {.confidence = 0.90});
    expect_index(c90.cpl, 1.74, 1.55, 1.93, "Cp_l", 0.005);
    expect_index(c90.cpu, 1.66, 1.48, 1.84, "Cp_u", 0.005);
    EXPECT_EQ(c.spec.nominal, 74.0);  // the midpoint
}

TEST(Capability, IndependentReferenceNhsStandard) {
    // capability_ae_rrk.csv: 40-digit values from the published formulas.
    const auto ref = read_quantities("assurance/capability_ae_rrk.csv");
    const std::vector<double> y = rrk_performance();
    ASSERT_EQ(y.size(), 36u);
    const Capability c = capability(y, specification_from_target(0.95, Improvement::increase));
    const double tol = 1e-12;
    expect_rel(c.moments.mean, ref.at("mean"), tol, "mean");
    expect_rel(c.moments.sigma_within, ref.at("sigma_within"), tol, "sigma_within");
    expect_rel(c.moments.sigma_overall, ref.at("sigma_overall"), tol, "sigma_overall");
    EXPECT_EQ(c.moments.n, 36u);
    EXPECT_EQ(c.moments.n_moving_ranges, 35u);
    EXPECT_TRUE(std::isnan(c.cp.value));  // one-sided: no Cp
    EXPECT_EQ(c.cpk.value, c.cpl.value);  // the NHS case: Cpk is the one-sided index
    for (const char* tag : {"within", "overall"}) {
        const bool w = std::string(tag) == "within";
        const CapabilityIndex& k = w ? c.cpk : c.ppk;
        const CapabilityIndex& p = w ? c.p_meet_within : c.p_meet_overall;
        const std::string s = std::string("target_cpk_") + tag, pm = std::string("target_p_meet_") + tag;
        expect_rel(k.value, ref.at(s), tol, s);
        expect_rel(k.lower, ref.at(s + "_lower"), tol, s + "_lower");
        expect_rel(k.upper, ref.at(s + "_upper"), tol, s + "_upper");
        EXPECT_NEAR(p.value, ref.at(pm), 1e-12 * ref.at(pm) + 1e-300) << pm;
        EXPECT_NEAR(p.lower, ref.at(pm + "_lower"), 1e-10 * ref.at(pm + "_lower")) << pm;
        EXPECT_NEAR(p.upper, ref.at(pm + "_upper"), 1e-10 * ref.at(pm + "_upper")) << pm;
        expect_rel(w ? c.expected_below_within : c.expected_below_overall, ref.at(std::string("target_expected_below_") + tag),
                   1e-12, "expected below");
    }
    // RRK consistently fails the standard: Cpk_within < −1, the assurance icon's threshold
    EXPECT_LT(c.cpk.value, -1.0);
    // observed: every month below 95%
    EXPECT_EQ(c.observed_meet, 0.0);
    EXPECT_EQ(c.observed_below, 1.0);
    EXPECT_EQ(c.status, CapabilityStatus::ok);
}

TEST(Capability, IndependentReferenceTwoSided) {
    const auto ref = read_quantities("assurance/capability_ae_rrk.csv");
    const Capability c = capability(rrk_performance(), {.lower = 0.55, .upper = 0.95, .nominal = 0.78});
    const double tol = 1e-12;
    struct Row {
        const char* name;
        const CapabilityIndex* w;
        const CapabilityIndex* o;
    };
    for (const Row& r : {Row{"cp", &c.cp, &c.pp}, Row{"cpl", &c.cpl, &c.ppl}, Row{"cpu", &c.cpu, &c.ppu},
                         Row{"cpk", &c.cpk, &c.ppk}, Row{"cpm", &c.cpm, &c.ppm}}) {
        for (int k = 0; k < 2; ++k) {
            const CapabilityIndex& x = k == 0 ? *r.w : *r.o;
            const std::string base = std::string("two_sided_") + r.name + (k == 0 ? "_within" : "_overall");
            expect_rel(x.value, ref.at(base), tol, base);
            expect_rel(x.lower, ref.at(base + "_lower"), tol, base + "_lower");
            expect_rel(x.upper, ref.at(base + "_upper"), tol, base + "_upper");
        }
    }
    expect_rel(c.p_meet_within.value, ref.at("two_sided_p_meet_within"), 1e-12, "p_meet_within");
    expect_rel(c.p_meet_overall.value, ref.at("two_sided_p_meet_overall"), 1e-12, "p_meet_overall");
    EXPECT_TRUE(std::isnan(c.p_meet_within.lower));  // two-sided: no interval
}

TEST(Capability, BissellIntervalIsSymmetricForNegativeIndices) {
    // qcc's C(1 ± z√(1/(9nC²) + 1/(2(n−1)))) would swap the limits when C < 0; ours does not.
    const auto c = capability(rrk_performance(), specification_from_target(0.95, Improvement::increase));
    EXPECT_LT(c.cpk.lower, c.cpk.value);
    EXPECT_GT(c.cpk.upper, c.cpk.value);
    EXPECT_NEAR(c.cpk.value - c.cpk.lower, c.cpk.upper - c.cpk.value, 1e-12);
}

TEST(Capability, LowerIsBetterIsAnUpperLimit) {
    const auto s = specification_from_target(4.0, Improvement::decrease);
    EXPECT_TRUE(std::isnan(s.lower));
    EXPECT_EQ(s.upper, 4.0);
    const std::vector<double> y{1, 2, 1.5, 2.5, 2, 1, 1.5, 2, 2.5, 1.5};
    const auto c = capability(y, s);
    EXPECT_EQ(c.cpk.value, c.cpu.value);
    EXPECT_NEAR(c.p_meet_within.value, 0.5 * std::erfc(-(3.0 * c.cpu.value) / std::sqrt(2.0)), 1e-15);
    EXPECT_EQ(c.observed_meet, 1.0);
}

TEST(Capability, WithinSigmaFromMovingRangesNeverBridgesMissingValues) {
    const std::vector<double> y{1, 3, NaN, 10, 11, 13};
    const auto m = capability_moments(y);
    EXPECT_EQ(m.n, 5u);
    EXPECT_EQ(m.n_moving_ranges, 3u);  // |3−1|, |11−10|, |13−11|: the gap is not a range
    EXPECT_DOUBLE_EQ(m.sigma_within, (2.0 + 1.0 + 2.0) / 3.0 / 1.128);
    // screening as MDC: a range ≥ 3.267·mR̄ is dropped once
    const std::vector<double> z{10, 10.5, 10, 10.5, 10, 30, 30.5, 30, 30.5, 30};
    const auto plain = capability_moments(z);
    const auto screened = capability_moments(z, {.screen_moving_ranges = true});
    EXPECT_EQ(plain.n_moving_ranges, 9u);
    EXPECT_EQ(screened.n_moving_ranges, 8u);
    EXPECT_DOUBLE_EQ(screened.sigma_within, 0.5 / 1.128);
    // Wheeler's effective degrees of freedom
    EXPECT_DOUBLE_EQ(capability_moments(z, {.within_df_factor = 0.62}).df_within, 0.62 * 9.0);
}

TEST(Capability, MeanEqualsTheXmrCentreLine) {
    const std::vector<double> y = rrk_performance();
    const auto chart = qm::spc::xmr(y);
    EXPECT_EQ(capability_moments(y).mean, chart.centre[0]);
}

TEST(Capability, BadInput) {
    // a single value
    try {
        (void)capability(std::vector<double>{0.9}, {.lower = 0.95});
        FAIL() << "expected insufficient_data";
    } catch (const qm::insufficient_data& e) {
        EXPECT_NE(std::string(e.what()).find("values: capability needs at least 2 non-missing values, got 1"), std::string::npos)
            << e.what();
    }
    // identical values: sigma 0
    try {
        (void)capability(std::vector<double>(12, 0.95), {.lower = 0.9});
        FAIL() << "expected insufficient_data";
    } catch (const qm::insufficient_data& e) {
        EXPECT_NE(std::string(e.what()).find("all 12 values are identical (sigma 0)"), std::string::npos) << e.what();
    }
    // all moving ranges 0 but the overall SD is not (a gap between two flat runs)
    EXPECT_THROW((void)capability(std::vector<double>{1, 1, 1, NaN, 2, 2, 2}, {.lower = 0}), qm::insufficient_data);
    // no two consecutive values
    EXPECT_THROW((void)capability(std::vector<double>{1, NaN, 2, NaN, 3}, {.lower = 0}), qm::insufficient_data);
    // an infinite value names its index
    try {
        (void)capability(std::vector<double>{1, 2, 3, INFINITY}, {.lower = 0});
        FAIL();
    } catch (const qm::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "values[3]: must be finite or NaN (missing), got inf");
    }
    EXPECT_THROW((void)capability(std::vector<double>{1, 2, 3}, {.lower = 5, .upper = 4}), qm::invalid_argument);
    EXPECT_THROW((void)capability(std::vector<double>{1, 2, 3}, {.lower = 1, .upper = 4, .nominal = 5}), qm::invalid_argument);
    EXPECT_THROW((void)capability(std::vector<double>{1, 2, 3}, {.lower = 1, .nominal = 2}), qm::invalid_argument);
    EXPECT_THROW((void)capability(std::vector<double>{1, 2, 3}, {.lower = 1}, {.confidence = 1.0}), qm::invalid_argument);
    EXPECT_THROW((void)capability(std::vector<double>{}, {.lower = 1}), qm::invalid_argument);
}

TEST(Capability, GroupedStatusesAndPerGroupSpecifications) {
    // group 0: fine; 1: one value; 2: identical values; 3: no specification
    const std::vector<double> v{1, 2, 3, 2, 1, /**/ 5, /**/ 4, 4, 4, /**/ 1, 2, 3};
    const std::vector<std::size_t> off{0, 5, 6, 9, 12};
    const std::vector<double> lower{0, 0, 0, NaN};
    const auto r = capability_grouped({.values = v, .offsets = off, .lower = lower});
    ASSERT_EQ(r.groups(), 4u);
    EXPECT_EQ(r.status[0], CapabilityStatus::ok);
    EXPECT_EQ(r.status[1], CapabilityStatus::too_few_values);
    EXPECT_EQ(r.status[2], CapabilityStatus::zero_sigma);
    EXPECT_EQ(r.status[3], CapabilityStatus::no_specification);
    EXPECT_TRUE(std::isnan(r.cpk.value[1]) && std::isnan(r.cpk.value[2]) && std::isnan(r.cpk.value[3]));
    EXPECT_EQ(r.sigma_overall[2], 0.0);  // exactly 0 for identical values
    EXPECT_EQ(r.mean[2], 4.0);
    // one group of the grouped call equals the single-series call
    const auto one = capability(std::vector<double>{1, 2, 3, 2, 1}, {.lower = 0});
    EXPECT_EQ(r.cpk.value[0], one.cpk.value);
    EXPECT_EQ(r.cpk.lower[0], one.cpk.lower);
    // a bad specification names the group
    const std::vector<double> lo{0, 0, 7, 0}, up{9, 9, 6, 9};
    try {
        (void)capability_grouped({.values = v, .offsets = off, .lower = lo, .upper = up});
        FAIL();
    } catch (const qm::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("upper[2]"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)capability_grouped({.values = v, .offsets = off, .lower = std::vector<double>{0, 0}}), qm::invalid_argument);
}

TEST(Capability, GroupedThreadsGiveIdenticalResults) {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> nd(0.9, 0.03);
    std::vector<double> v(60'000);
    for (auto& x : v) x = nd(rng);
    std::vector<std::size_t> off;
    for (std::size_t i = 0; i <= v.size(); i += 24) off.push_back(i);
    const std::vector<double> lower{0.95};
    const CapabilityInput in{.values = v, .offsets = off, .lower = lower};
    const auto a = capability_grouped(in, {}, 1), b = capability_grouped(in, {}, 4);
    EXPECT_EQ(a.cpk.value, b.cpk.value);
    EXPECT_EQ(a.p_meet_within.upper, b.p_meet_within.upper);
}

// ============================================================================================
// Target assurance for every chart
// ============================================================================================

/// The per-point inputs of target_assurance from a chart_grouped result; `lines` and `begins`
/// hold the storage the spans point into.
TargetAssuranceInput from_chart(const qm::spc::ChartResult& r, std::span<const double> den, std::span<const std::size_t> off,
                                std::span<const double> targets, Improvement imp, std::vector<std::size_t>& begins,
                                qm::spc::LineColumns& lines) {
    lines = r.point_lines();
    begins.clear();
    const std::size_t G = off.size() - 1;
    for (std::size_t g = 0; g < G; ++g) begins.push_back(r.phase_begin[r.group_phase_offsets[g + 1] - 1]);
    return {.chart = r.chart, .statistic = r.statistic, .centre = lines.centre, .lower = lines.lower,
            .upper = lines.upper, .denominators = den, .offsets = off, .phase_begin = begins, .targets = targets,
            .improvement = imp};
}

TEST(TargetAssurance, IconMatchesChartGroupedForEveryChartType) {
    std::mt19937_64 rng(11);
    const std::size_t G = 30, m = 24;
    std::vector<std::size_t> off;
    for (std::size_t g = 0; g <= G; ++g) off.push_back(g * m);
    std::vector<double> num(G * m), den(G * m), targets(G);
    std::uniform_int_distribution<int> n_dist(80, 400);
    for (std::size_t g = 0; g < G; ++g) {
        const double p = 0.80 + 0.15 * static_cast<double>(g) / G;
        for (std::size_t i = 0; i < m; ++i) {
            den[g * m + i] = n_dist(rng);
            num[g * m + i] = std::binomial_distribution<int>(static_cast<int>(den[g * m + i]), p)(rng);
        }
        targets[g] = 0.80 + 0.2 * static_cast<double>((g * 7) % G) / G;
    }
    using qm::spc::ChartType;
    for (ChartType ct : {ChartType::xmr, ChartType::p, ChartType::np, ChartType::u, ChartType::p_prime, ChartType::u_prime,
                         ChartType::c, ChartType::mr}) {
        const bool ratio = ct == ChartType::p || ct == ChartType::np || ct == ChartType::u || ct == ChartType::p_prime ||
                           ct == ChartType::u_prime;
        std::vector<double> t = targets;
        if (ct == ChartType::np || ct == ChartType::c || ct == ChartType::mr || ct == ChartType::xmr)
            for (std::size_t g = 0; g < G; ++g) t[g] = (ct == ChartType::mr ? 0.2 : 1.0) * targets[g] * 200.0;
        for (Improvement imp : {Improvement::increase, Improvement::decrease, Improvement::neutral}) {
            qm::spc::ChartInput in{.values = num, .offsets = off, .targets = t, .improvement = imp};
            if (ratio) in.denominators = den;
            const auto chart = qm::spc::chart_grouped(in, qm::spc::chart_preset("mdc", ct));
            std::vector<std::size_t> begins;
    qm::spc::LineColumns lines;
            const auto ta = target_assurance(from_chart(chart, ratio ? std::span<const double>(den) : std::span<const double>{},
                                                        off, t, imp, begins, lines));
            for (std::size_t g = 0; g < G; ++g) {
                EXPECT_EQ(ta.icon[g], chart.assurance_icon[g]) << qm::spc::to_string(ct) << " group " << g;
                const double ti = ta.target_index[g];
                if (ta.icon[g] == AssuranceIcon::consistent_pass) {
                    EXPECT_GT(ti, 1.0);
                }
                if (ta.icon[g] == AssuranceIcon::consistent_fail) {
                    EXPECT_LT(ti, -1.0);
                }
                if (ta.icon[g] == AssuranceIcon::hit_and_miss) {
                    EXPECT_TRUE(ti >= -1.0 && ti <= 1.0) << ti;
                }
                if (imp == Improvement::neutral) {
                    EXPECT_TRUE(std::isnan(ti) && std::isnan(ta.p_meet[g]));
                } else {
                    EXPECT_TRUE(ta.p_meet[g] >= 0.0 && ta.p_meet[g] <= 1.0) << qm::spc::to_string(ct);
                    EXPECT_NEAR(ta.share_pass[g] + ta.share_fail[g] + ta.share_hit_and_miss[g], 1.0, 1e-12);
                }
            }
        }
    }
}

TEST(TargetAssurance, VariableLimitsShareAndExactBinomialModel) {
    // One p chart: p̄ = 0.9 by construction, denominators alternate 50 and 5000 so the limits
    // around a 0.88 target straddle it at n = 50 and clear it at n = 5000.
    std::vector<double> num, den;
    for (int i = 0; i < 20; ++i) {
        const double n = i % 2 ? 5000.0 : 50.0;
        den.push_back(n);
        num.push_back(0.9 * n);
    }
    const std::vector<std::size_t> off{0, 20};
    const std::vector<double> target{0.88};
    const auto chart = qm::spc::chart_grouped({.values = num, .denominators = den, .offsets = off, .targets = target},
                                              qm::spc::chart_preset("mdc", qm::spc::ChartType::p));
    std::vector<std::size_t> begins;
    qm::spc::LineColumns lines;
    const auto ta = target_assurance(from_chart(chart, den, off, target, Improvement::increase, begins, lines));
    EXPECT_EQ(ta.icon[0], AssuranceIcon::consistent_pass);  // the latest point has n = 5000
    EXPECT_DOUBLE_EQ(ta.share_pass[0], 0.5);
    EXPECT_DOUBLE_EQ(ta.share_hit_and_miss[0], 0.5);
    EXPECT_EQ(ta.model[0], MeetModel::binomial);
    // P(X/5000 ≥ 0.88) with X ~ Bin(5000, 0.9): 1 − F(4399)
    const boost::math::binomial_distribution<double> b(5000.0, 0.9);
    EXPECT_NEAR(ta.p_meet[0], boost::math::cdf(boost::math::complement(b, 4399.0)), 1e-15);
    EXPECT_DOUBLE_EQ(ta.observed_meet[0], 1.0);
    EXPECT_EQ(ta.n_points[0], 20u);
}

TEST(TargetAssurance, PredictedMeetModels) {
    using qm::spc::ChartType;
    // p: X ~ Bin(100, 0.93), target 0.95 (increase): P(X ≥ 95) by summing the pmf
    const boost::math::binomial_distribution<double> b(100.0, 0.93);
    double tail = 0.0;
    for (int k = 95; k <= 100; ++k) tail += boost::math::pdf(b, k);
    EXPECT_NEAR(predicted_meet(MeetModel::binomial, 0.95, 0.93, 0.85, 1.0, 100.0, Improvement::increase, ChartType::p), tail, 1e-14);
    // decrease: P(X/100 ≤ 0.95) = F(95)
    EXPECT_NEAR(predicted_meet(MeetModel::binomial, 0.95, 0.93, 0.85, 1.0, 100.0, Improvement::decrease, ChartType::p),
                boost::math::cdf(b, 95.0), 1e-14);
    // np: counts against a count target
    EXPECT_NEAR(predicted_meet(MeetModel::binomial, 95.0, 93.0, 85.0, 100.0, 100.0, Improvement::increase, ChartType::np), tail, 1e-14);
    // c: X ~ Poisson(4.2), lower is better, target 6: P(X ≤ 6)
    const boost::math::poisson_distribution<double> p(4.2);
    EXPECT_NEAR(predicted_meet(MeetModel::poisson, 6.0, 4.2, 0.0, 10.35, NaN, Improvement::decrease, ChartType::c),
                boost::math::cdf(p, 6.0), 1e-14);
    // u: X ~ Poisson(250·0.02 = 5), rate target 0.03 (decrease): P(X/250 ≤ 0.03) = P(X ≤ 7)
    const boost::math::poisson_distribution<double> pu(5.0);
    EXPECT_NEAR(predicted_meet(MeetModel::poisson, 0.03, 0.02, 0.0, 0.047, 250.0, Improvement::decrease, ChartType::u),
                boost::math::cdf(pu, 7.0), 1e-14);
    // normal: Φ(3·target_index)
    const double ti = target_index(0.9, 1.0, 0.94, 1.06, Improvement::increase);
    EXPECT_NEAR(ti, 0.1 / 0.06, 1e-14);
    EXPECT_NEAR(predicted_meet(MeetModel::normal, 0.9, 1.0, 0.94, 1.06, NaN, Improvement::increase, ChartType::xmr),
                0.5 * std::erfc(-3.0 * ti / std::sqrt(2.0)), 1e-15);
    // a target exactly on a limit is hit and miss (index exactly 1, the icon's strict comparison)
    EXPECT_DOUBLE_EQ(target_index(0.94, 1.0, 0.94, 1.06, Improvement::increase), 1.0);
    EXPECT_EQ(qm::assurance_icon(0.94, 0.94, 1.06, Improvement::increase), AssuranceIcon::hit_and_miss);
    // decrease orientation and the failing side
    EXPECT_LT(target_index(0.9, 1.0, 0.94, 1.06, Improvement::decrease), -1.0);
    EXPECT_TRUE(std::isnan(target_index(NaN, 1.0, 0.94, 1.06, Improvement::decrease)));
}

TEST(TargetAssurance, XmrBridgeToCapability) {
    // With σ = mR̄/1.128 and limits at ±3σ the target index is the one-sided capability index.
    const std::vector<double> y = rrk_performance();
    qm::spc::ChartOptions o = qm::spc::chart_preset("shewhart", qm::spc::ChartType::xmr);
    const std::vector<std::size_t> off{0, y.size()};
    const std::vector<double> target{0.95};
    const auto chart = qm::spc::chart_grouped({.values = y, .offsets = off, .targets = target}, o);
    std::vector<std::size_t> begins;
    qm::spc::LineColumns lines;
    const auto ta = target_assurance(from_chart(chart, {}, off, target, Improvement::increase, begins, lines));
    const auto cap = capability(y, specification_from_target(0.95, Improvement::increase));
    EXPECT_NEAR(ta.target_index[0], cap.cpk.value, 1e-12);
    EXPECT_NEAR(ta.p_meet[0], cap.p_meet_within.value, 1e-15);
    EXPECT_EQ(ta.icon[0], AssuranceIcon::consistent_fail);
}

TEST(TargetAssurance, RunChartsAndNoTarget) {
    const std::vector<double> y{1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2};
    const std::vector<std::size_t> off{0, 12};
    const std::vector<double> nan_lines(12, NaN), centre(12, 2.0), target{2.5};
    const auto run = target_assurance({.chart = qm::spc::ChartType::run, .statistic = y, .centre = centre, .lower = nan_lines,
                                       .upper = nan_lines, .offsets = off, .targets = target});
    EXPECT_EQ(run.icon[0], AssuranceIcon::none);
    EXPECT_EQ(run.model[0], MeetModel::none);
    EXPECT_EQ(run.n_limits[0], 0u);
    EXPECT_NEAR(run.observed_meet[0], 3.0 / 12.0, 1e-15);
    const std::vector<double> lo(12, 0.0), hi(12, 4.0), none{NaN};
    const auto nt = target_assurance({.statistic = y, .centre = centre, .lower = lo, .upper = hi, .offsets = off, .targets = none});
    EXPECT_EQ(nt.icon[0], AssuranceIcon::none);
    EXPECT_TRUE(std::isnan(nt.p_meet[0]) && std::isnan(nt.share_pass[0]));
}

TEST(TargetAssurance, BadInput) {
    const std::vector<double> y{1, 2, 3}, c{2, 2, 2}, lo{0, 0, 0}, hi{4, 4, 4}, t{1};
    const std::vector<std::size_t> off{0, 3};
    EXPECT_THROW((void)target_assurance({.statistic = y, .centre = c, .lower = lo, .upper = std::vector<double>{4, 4},
                                         .offsets = off, .targets = t}),
                 qm::invalid_argument);
    try {
        (void)target_assurance({.statistic = y, .centre = c, .lower = lo, .upper = hi, .offsets = off,
                                .phase_begin = std::vector<std::size_t>{5}, .targets = t});
        FAIL();
    } catch (const qm::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "phase_begin[0]: row 5 is not in group 0");
    }
    EXPECT_THROW((void)target_assurance({.statistic = y, .centre = c, .lower = lo, .upper = hi, .offsets = off,
                                         .targets = std::vector<double>{INFINITY}}),
                 qm::invalid_argument);
}

// ============================================================================================
// Inequality: SII and RII
// ============================================================================================

struct PheCase {
    std::string name, area;
    SiiOptions options;
    std::string ci_from;
    std::vector<double> value, population, lower, upper, se, count;
    double sii, rii, intercept;
    std::vector<std::array<double, 4>> limits;  // per level: sii lower/upper, rii lower/upper
};

std::vector<PheCase> phe_cases() {
    const Table in = read_table("assurance/phe_sii_input.csv"), res = read_table("assurance/phe_sii_cases.csv");
    std::vector<PheCase> out;
    for (std::size_t r = 0; r < res.size(); ++r) {
        PheCase c;
        c.name = res.str(r, "case");
        c.area = res.str(r, "area");
        c.ci_from = res.str(r, "ci_from");
        c.options.value_type = parse_sii_value_type(res.str(r, "value_type"));
        c.options.transform = res.str(r, "transform") == "1";
        c.options.multiplier = res.num(r, "multiplier");
        c.options.confidence.clear();
        for (const auto& s : split(res.str(r, "confidence"), ';')) c.options.confidence.push_back(std::stod(s));
        c.sii = res.num(r, "sii");
        c.rii = res.num(r, "rii");
        c.intercept = res.num(r, "intercept");
        for (std::size_t l = 0; l < c.options.confidence.size(); ++l) {
            const std::string k = std::to_string(l + 1);
            c.limits.push_back({res.num(r, "sii_lower_" + k), res.num(r, "sii_upper_" + k), res.num(r, "rii_lower_" + k),
                                res.num(r, "rii_upper_" + k)});
        }
        std::vector<std::pair<double, std::size_t>> order;
        for (std::size_t i = 0; i < in.size(); ++i)
            if (in.str(i, "case") == c.name && in.str(i, "area") == c.area) order.emplace_back(in.num(i, "quantile"), i);
        std::sort(order.begin(), order.end());  // quantile 1 (most deprived) first
        for (auto [q, i] : order) {
            c.value.push_back(in.num(i, "value"));
            c.population.push_back(in.num(i, "population"));
            c.lower.push_back(in.num(i, "lower"));
            c.upper.push_back(in.num(i, "upper"));
            c.se.push_back(in.num(i, "se"));
            c.count.push_back(in.num(i, "count"));
        }
        out.push_back(std::move(c));
    }
    return out;
}

SiiResult run_case(const PheCase& c, std::size_t reps = 100'000, std::uint64_t seed = 1) {
    SiiOptions o = c.options;
    o.repetitions = reps;
    o.seed = seed;
    const std::vector<std::size_t> off{0, c.value.size()};
    SiiInput in{.values = c.value, .population = c.population, .offsets = off};
    if (c.ci_from == "se") in.se = c.se;
    else {
        in.lower = c.lower;
        in.upper = c.upper;
    }
    return sii(in, o);
}

TEST(Sii, PheFixturesPointEstimatesExact) {
    const auto cases = phe_cases();
    ASSERT_EQ(cases.size(), 38u);
    for (const auto& c : cases) {
        const SiiResult r = run_case(c, 1000);
        const std::string what = c.name + " " + c.area;
        EXPECT_NEAR(r.sii[0], c.sii, 1e-12 * std::max(1.0, std::fabs(c.sii))) << what;
        EXPECT_NEAR(r.rii[0], c.rii, 1e-12) << what;
        if (!std::isnan(c.intercept)) {
            EXPECT_NEAR(r.intercept[0], c.intercept, 1e-10 * std::fabs(c.intercept)) << what;
        }
        EXPECT_EQ(r.n_quantiles[0], c.value.size());
    }
}

TEST(Sii, PheFixturesIntervalsWithinSimulationError) {
    // The PHE limits come from R's random numbers, ours from a seeded mt19937_64; both use
    // 100,000 repetitions. PHE's own test accepts a relative difference of 5%; we ask for 3% of
    // the interval's half-width.
    double worst = 0.0;
    for (const auto& c : phe_cases()) {
        if (c.limits.empty() || std::isnan(c.limits[0][0])) continue;
        const SiiResult r = run_case(c);
        for (std::size_t l = 0; l < c.limits.size(); ++l) {
            const auto& e = c.limits[l];
            const std::string what = c.name + " " + c.area + " level " + std::to_string(l);
            const double h_sii = std::fabs(e[1] - e[0]) / 2.0, h_rii = std::fabs(e[3] - e[2]) / 2.0;
            EXPECT_NEAR(r.sii_lower[l], e[0], 0.03 * h_sii + 1e-12) << what;
            EXPECT_NEAR(r.sii_upper[l], e[1], 0.03 * h_sii + 1e-12) << what;
            EXPECT_NEAR(r.rii_lower[l], e[2], 0.03 * h_rii + 1e-12) << what;
            EXPECT_NEAR(r.rii_upper[l], e[3], 0.03 * h_rii + 1e-12) << what;
            for (double d : {std::fabs(r.sii_lower[l] - e[0]) / h_sii, std::fabs(r.sii_upper[l] - e[1]) / h_sii,
                             std::fabs(r.rii_lower[l] - e[2]) / h_rii, std::fabs(r.rii_upper[l] - e[3]) / h_rii})
                worst = std::max(worst, d);
        }
    }
    RecordProperty("worst_fraction_of_half_width", std::to_string(worst));
    std::printf("largest difference from PHE's limits: %.4f of the half-width\n", worst);
}

TEST(Sii, ProportionFromCountsEqualsValue) {
    // PHE's "proportion with count provided": value = count / population gives the same SII.
    for (const auto& c : phe_cases()) {
        if (c.name != "proportion") continue;
        PheCase d = c;
        for (std::size_t i = 0; i < d.value.size(); ++i) d.value[i] = d.count[i] / d.population[i];
        EXPECT_NEAR(run_case(d, 1000).sii[0], c.sii, 1e-12) << c.area;
    }
}

TEST(Sii, HandCalculationTwoQuantiles) {
    // Two quantiles with equal populations: a = ½, b = ¼ and ¾; the fitted line passes through
    // both points, so SII = (y2 − y1)/(¾ − ¼) and β₀ = y1 − ¼·SII.
    const std::vector<double> y{10, 16}, pop{500, 500}, se{1, 1};
    const std::vector<std::size_t> off{0, 2};
    const SiiResult r = sii({.values = y, .population = pop, .se = se, .offsets = off}, {.repetitions = 1000});
    EXPECT_DOUBLE_EQ(r.sii[0], 12.0);
    EXPECT_DOUBLE_EQ(r.intercept[0], 7.0);
    EXPECT_DOUBLE_EQ(r.fitted_1[0], 19.0);
    EXPECT_DOUBLE_EQ(r.rii[0], 19.0 / 7.0);
    EXPECT_DOUBLE_EQ(r.fitted[0], 10.0);  // the line passes through both points
    EXPECT_DOUBLE_EQ(r.fitted[1], 16.0);
    EXPECT_DOUBLE_EQ(r.rank[1], 0.75);
    EXPECT_DOUBLE_EQ(r.beta1[0], 12.0);
    const SiiFit f = sii_fit(y, pop);
    EXPECT_DOUBLE_EQ(f.rank[0], 0.25);
    EXPECT_DOUBLE_EQ(f.rank[1], 0.75);
}

TEST(Sii, WeightedLeastSquaresClosedForm) {
    // β₁ = Σa(b − b̄)(y − ȳ)/Σa(b − b̄)², b̄ and ȳ weighted by a (Σa = 1), on unequal deciles.
    const std::vector<double> y{31.2, 29.9, 27.5, 26.1, 25.4, 22.8, 21.9, 20.3, 18.8, 17.1};
    const std::vector<double> pop{7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534};
    const SiiFit f = sii_fit(y, pop);
    double tot = std::accumulate(pop.begin(), pop.end(), 0.0), cum = 0.0, bb = 0.0, yb = 0.0;
    std::vector<double> a, b;
    for (double p : pop) {
        a.push_back(p / tot);
        b.push_back(cum + p / tot / 2.0);
        cum += p / tot;
    }
    for (std::size_t i = 0; i < y.size(); ++i) {
        bb += a[i] * b[i];
        yb += a[i] * y[i];
    }
    double sxy = 0.0, sxx = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        sxy += a[i] * (b[i] - bb) * (y[i] - yb);
        sxx += a[i] * (b[i] - bb) * (b[i] - bb);
    }
    EXPECT_NEAR(f.beta1, sxy / sxx, 1e-12);
    EXPECT_NEAR(f.beta0, yb - sxy / sxx * bb, 1e-12);
}

TEST(Sii, SimulatedIntervalMatchesTheExactDistribution) {
    // With value_type other and no transform the simulated SII is Σ m1_i (y_i + se_i Z_i):
    // exactly normal with mean SII and variance Σ m1_i² se_i². The 95% simulated limits must
    // be SII ± 1.96·sd within Monte Carlo error (≈ 0.5% of sd at 100,000 repetitions).
    const std::vector<double> y{75.9, 78.3, 83.8, 83.6, 80.5, 81.1, 81.7, 84.2, 80.6, 86.3};
    const std::vector<double> pop{7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534};
    const std::vector<double> se{1.64, 1.58, 1.51, 1.78, 1.7, 1.56, 1.37, 1.4, 2.43, 1.57};
    const std::vector<std::size_t> off{0, 10};
    const SiiResult r = sii({.values = y, .population = pop, .se = se, .offsets = off}, {.confidence = {0.95, 0.998}});
    // m1 from the closed form of the weighted regression
    double tot = std::accumulate(pop.begin(), pop.end(), 0.0), cum = 0.0, s1 = 0.0, s2 = 0.0;
    std::vector<double> a, b;
    for (double p : pop) {
        a.push_back(p / tot);
        b.push_back(cum + p / tot / 2.0);
        cum += p / tot;
    }
    for (std::size_t i = 0; i < 10; ++i) {
        s1 += a[i] * b[i];
        s2 += a[i] * b[i] * b[i];
    }
    double var = 0.0;
    for (std::size_t i = 0; i < 10; ++i) {
        const double m1 = a[i] * (b[i] - s1) / (s2 - s1 * s1);
        var += m1 * m1 * se[i] * se[i];
    }
    const double sd = std::sqrt(var);
    EXPECT_NEAR(r.sii_lower[0], r.sii[0] - 1.959963984540054 * sd, 0.02 * sd);
    EXPECT_NEAR(r.sii_upper[0], r.sii[0] + 1.959963984540054 * sd, 0.02 * sd);
    EXPECT_NEAR(r.sii_lower[1], r.sii[0] - 3.090232306167813 * sd, 0.05 * sd);
    EXPECT_NEAR(r.sii_upper[1], r.sii[0] + 3.090232306167813 * sd, 0.05 * sd);
}

TEST(Sii, SeededSimulationIsReproducibleAndThreadIndependent) {
    std::vector<double> v, pop, se;
    std::vector<std::size_t> off{0};
    std::mt19937_64 rng(3);
    std::normal_distribution<double> nd(70.0, 5.0);
    for (int g = 0; g < 12; ++g) {
        for (int q = 0; q < 10; ++q) {
            v.push_back(nd(rng) + q);
            pop.push_back(5000 + 100 * q);
            se.push_back(1.0 + 0.1 * q);
        }
        off.push_back(v.size());
    }
    const SiiInput in{.values = v, .population = pop, .se = se, .offsets = off};
    const SiiOptions o{.repetitions = 5000, .seed = 42};
    const SiiResult a = sii(in, o, 1), b = sii(in, o, 4), c = sii(in, o, 0);
    EXPECT_EQ(a.sii_lower, b.sii_lower);
    EXPECT_EQ(a.rii_upper, b.rii_upper);
    EXPECT_EQ(a.sii_upper, c.sii_upper);
    SiiOptions o2 = o;
    o2.seed = 43;
    EXPECT_NE(sii(in, o2, 1).sii_lower, a.sii_lower);
    // a unit's interval does not depend on the other units
    const std::vector<std::size_t> off1{0, 10};
    const SiiResult first = sii({.values = std::span(v).first(10), .population = std::span(pop).first(10),
                                 .se = std::span(se).first(10), .offsets = off1},
                                o);
    EXPECT_EQ(first.sii_lower[0], a.sii_lower[0]);
}

TEST(Sii, BadInput) {
    const std::vector<double> y{1, 2, 3, 4, 5}, pop{10, 10, 10, 10, 10}, se{1, 1, 1, 1, 1};
    const std::vector<std::size_t> off{0, 5};
    const SiiOptions o{.repetitions = 1000};
    // fewer than 2 quantiles in a unit
    try {
        const std::vector<std::size_t> off2{0, 4, 5};
        (void)sii({.values = y, .population = pop, .se = se, .offsets = off2}, o);
        FAIL();
    } catch (const qm::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "offsets[1]: unit 1 has 1 quantile(s); the SII needs at least 2");
    }
    // PHE's rule of at least 5 quantiles, as an option
    SiiOptions phe = o;
    phe.minimum_quantiles = 6;
    EXPECT_THROW((void)sii({.values = y, .population = pop, .se = se, .offsets = off}, phe), qm::invalid_argument);
    // a missing population, a zero population
    for (double bad : {NaN, 0.0, -5.0}) {
        std::vector<double> p = pop;
        p[3] = bad;
        try {
            (void)sii({.values = y, .population = p, .se = se, .offsets = off}, o);
            FAIL();
        } catch (const qm::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("population[3]: must be a positive number"), std::string::npos) << e.what();
        }
    }
    // a missing value, a negative standard error
    std::vector<double> yv = y;
    yv[2] = NaN;
    EXPECT_THROW((void)sii({.values = yv, .population = pop, .se = se, .offsets = off}, o), qm::invalid_argument);
    std::vector<double> sev = se;
    sev[1] = -1;
    try {
        (void)sii({.values = y, .population = pop, .se = sev, .offsets = off}, o);
        FAIL();
    } catch (const qm::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "se[1]: must be a finite number >= 0, got -1.000000");
    }
    // neither se nor limits; both
    EXPECT_THROW((void)sii({.values = y, .population = pop, .offsets = off}, o), qm::invalid_argument);
    EXPECT_THROW((void)sii({.values = y, .population = pop, .se = se, .lower = y, .upper = y, .offsets = off}, o), qm::invalid_argument);
    // a proportion of 0 or 1 cannot be put on the logit scale
    const std::vector<double> pr{0.1, 0.2, 1.0, 0.3, 0.4};
    SiiOptions op = o;
    op.value_type = SiiValueType::proportion;
    try {
        (void)sii({.values = pr, .population = pop, .se = se, .offsets = off}, op);
        FAIL();
    } catch (const qm::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("values[2]: a proportion must lie strictly between 0 and 1"), std::string::npos);
    }
    // transform needs limits, not se; transform needs a rate or proportion
    op.transform = true;
    EXPECT_THROW((void)sii({.values = pr, .population = pop, .se = se, .offsets = off}, op), qm::invalid_argument);
    EXPECT_THROW((void)sii({.values = y, .population = pop, .se = se, .offsets = off}, {.transform = true, .repetitions = 1000}),
                 qm::invalid_argument);
    // upper below lower
    const std::vector<double> lo{0.5, 1.5, 2.5, 3.5, 4.5}, up{1.5, 2.5, 2.0, 4.5, 5.5};
    EXPECT_THROW((void)sii({.values = y, .population = pop, .lower = lo, .upper = up, .offsets = off}, o), qm::invalid_argument);
    // options
    EXPECT_THROW((void)sii({.values = y, .population = pop, .se = se, .offsets = off}, {.repetitions = 999}), qm::invalid_argument);
    EXPECT_THROW((void)sii({.values = y, .population = pop, .se = se, .offsets = off}, {.multiplier = 0.0, .repetitions = 1000}),
                 qm::invalid_argument);
    EXPECT_THROW((void)sii({.values = y, .population = pop, .se = se, .offsets = off}, {.repetitions = 1000, .confidence = {1.0}}),
                 qm::invalid_argument);
    EXPECT_THROW((void)sii_fit(std::vector<double>{1.0}, std::vector<double>{1.0}), qm::invalid_argument);
}

// ============================================================================================
// Board summary
// ============================================================================================

TEST(Board, MatrixCountsAndSeverityOrder) {
    using V = VariationIcon;
    using A = AssuranceIcon;
    const std::vector<V> v{V::common_cause,  V::concern_low,     V::improvement_high, V::concern_high, V::common_cause,
                           V::neutral_high,  V::concern_low,     V::improvement_low,  V::common_cause, V::concern_high};
    const std::vector<A> a{A::consistent_pass, A::consistent_fail, A::consistent_fail, A::hit_and_miss, A::consistent_fail,
                           A::none,            A::consistent_fail, A::consistent_pass,  A::hit_and_miss, A::none};
    const std::vector<double> ti{1.5, -1.2, -2.0, 0.3, -3.0, NaN, -4.0, 2.0, 0.1, NaN};
    const BoardSummary s = board_summary({.variation = v, .assurance = a, .target_index = ti});
    auto count = [&](BoardRow r, BoardColumn c) { return s.counts[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)]; };
    EXPECT_EQ(count(BoardRow::consistent_fail, BoardColumn::concern), 2u);
    EXPECT_EQ(count(BoardRow::consistent_fail, BoardColumn::common_cause), 1u);
    EXPECT_EQ(count(BoardRow::consistent_pass, BoardColumn::improvement), 1u);
    EXPECT_EQ(count(BoardRow::no_target, BoardColumn::neutral), 1u);
    std::size_t total = 0;
    for (auto& row : s.counts) total += std::accumulate(row.begin(), row.end(), std::size_t{0});
    EXPECT_EQ(total, v.size());
    // concern × fail first (the further failing first: −4.0 then −1.2), then concern × hit and
    // miss, common cause × fail, concern × no target, improvement × fail, common cause × hit and miss
    EXPECT_EQ(s.attention, (std::vector<std::size_t>{6, 1, 3, 4, 9, 2, 8}));
    EXPECT_EQ(s.severity[0], 0);  // common cause × pass: assured
    EXPECT_EQ(s.severity[5], 0);  // neutral
    EXPECT_EQ(board_action(BoardColumn::concern, BoardRow::consistent_fail), "act now: deteriorating and will not meet the target");
    EXPECT_EQ(board_action(BoardColumn::common_cause, BoardRow::consistent_pass), "assured: reduce scrutiny");
}

TEST(Board, TiesKeepInputOrderAndBadCodes) {
    using V = VariationIcon;
    using A = AssuranceIcon;
    const std::vector<V> v(4, V::concern_high);
    const std::vector<A> a(4, A::consistent_fail);
    EXPECT_EQ(board_summary({.variation = v, .assurance = a}).attention, (std::vector<std::size_t>{0, 1, 2, 3}));
    const std::vector<V> bad{V::common_cause, static_cast<V>(9)};
    const std::vector<A> a2(2, A::none);
    try {
        (void)board_summary({.variation = bad, .assurance = a2});
        FAIL();
    } catch (const qm::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "variation[1]: is not a variation icon (code 9)");
    }
    EXPECT_THROW((void)board_summary({.variation = v, .assurance = a2}), qm::invalid_argument);
    const BoardSummary empty = board_summary({});
    EXPECT_EQ(empty.size(), 0u);
    EXPECT_TRUE(empty.attention.empty());
}

}  // namespace
