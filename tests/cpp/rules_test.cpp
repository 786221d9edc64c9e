// Tests of the rule engine (qm/spc/rules.hpp, detail/rules_kernel.hpp).
//
//  1. The bitwise kernel (64 points per word) gives exactly the flags and point types of the
//     reference kernel (one point at a time, the definition) for every rule, rule length, flag
//     mode, two-of-three semantics and window-lines choice, with constant and per-point lines,
//     on random series full of ties, points on the lines and missing values; and the streaming
//     Anhøj runs analysis equals its definition (filter, then run-length encode).
//  2. Parity with qcc 3.0 (tests/reference/ae/*.qcc.csv): the lowest-numbered rule each point
//     violates, for qcc's default rules (WE 1 and 4), Western Electric 1-4 and Nelson 1-8,
//     computed from the file's own lines.
//  3. Parity with qicharts2 0.8.1's runs analysis (tests/reference/ae/*.qicharts2.csv).
//  4. The Anhøj critical values for 10 to 100 useful observations.
//  5. Hand-calculated cases per rule and per tool where the tools disagree.
// Every expected value in parts 4 and 5 comes from a calculation written next to it.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <qm/qm.hpp>
#include <qm/spc/rules.hpp>

#include "test_csv.hpp"

namespace {

using namespace qm::spc;
using qm::Improvement;
using qm::PointType;
using qm_test::Csv;

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

constexpr int O = rules::outside_limits;   // 1
constexpr int S = rules::shift;            // 2
constexpr int T = rules::trend;            // 4
constexpr int W = rules::two_of_three;     // 8
constexpr int F = rules::four_of_five;     // 16
constexpr int A = rules::alternating;      // 32
constexpr int Z = rules::stratification;   // 64
constexpr int M = rules::mixture;          // 128
constexpr int RU = rules::runs;            // 256
constexpr int CR = rules::crossings;       // 512

/// centre c, 1σ = s: lines c ± s, c ± 2s, c ± 3s
Lines sigma_lines(double c, double s) { return {c, c - 3 * s, c + 3 * s, c - s, c + s, c - 2 * s, c + 2 * s}; }

std::vector<int> flags_of(const RuleResult& r) { return {r.flags.begin(), r.flags.end()}; }

/// n zeros with the given (row, bits) set
std::vector<int> flags_at(std::size_t n, std::initializer_list<std::pair<std::size_t, int>> set) {
    std::vector<int> out(n, 0);
    for (auto [i, b] : set) out.at(i) |= b;
    return out;
}

void set_rows(std::vector<int>& f, std::size_t b, std::size_t e, int bits) {
    for (std::size_t i = b; i < e; ++i) f.at(i) |= bits;
}

RuleOptions only(int bits, RuleOptions o = {}) {
    o.rules = static_cast<RuleFlags>(bits);
    return o;
}

// ================================================================================================
// 1. Bitwise kernel == reference kernel
// ================================================================================================

struct RandomCase {
    std::vector<double> y;
    Lines constant{};
    LineColumns columns;
    bool per_point = false;
    RuleOptions o;
    Improvement dir = Improvement::increase;
    std::vector<std::uint8_t> excluded;
};

RandomCase random_case(std::mt19937_64& rng) {
    RandomCase c;
    std::uniform_int_distribution<int> len_d(1, 400), alpha_d(2, 8), pct(0, 99);
    const int n = len_d(rng), alphabet = alpha_d(rng);
    const int nan_pct = pct(rng) < 30 ? 0 : pct(rng) % 12;
    std::uniform_int_distribution<int> sym(0, alphabet - 1);
    // values: small integer alphabet (ties, points on half-integer / integer lines), with
    // segments that provoke each rule: level shifts, steady trends, zigzags, flat stretches
    double level = 0;
    for (int i = 0; i < n;) {
        const int kind = pct(rng) % 10, len = 3 + pct(rng) % 20;
        for (int k = 0; k < len && i < n; ++k, ++i) {
            double v;
            switch (kind) {
                case 0: v = level + k * (pct(rng) % 2 ? 1.0 : 0.5); break;              // rising
                case 1: v = level - k; break;                                            // falling
                case 2: v = level + (k % 2 ? 1.0 : -1.0) * (1 + pct(rng) % 3); break;   // zigzag
                case 3: v = alphabet / 2.0; break;                                       // flat at the centre
                case 4: v = alphabet / 2.0 + (k % 2 ? 1.5 : -1.5) * (1 + pct(rng) % 2); break;  // both sides
                default: v = sym(rng) + level;
            }
            if (pct(rng) < 6) v += (pct(rng) % 2 ? 1 : -1) * 3.0 * alphabet;  // beyond the limits
            if (pct(rng) < nan_pct) v = NaN;
            c.y.push_back(v);
        }
        if (pct(rng) < 30) level = (pct(rng) % 7) - 3;
    }
    // lines: centre on a data value or between values, 1σ often a half-integer
    const double centre = pct(rng) < 50 ? alphabet / 2.0 : std::floor(alphabet / 2.0) + 0.5;
    const double sig = 0.5 * (1 + pct(rng) % 4);
    c.constant = sigma_lines(centre, sig);
    if (pct(rng) < 8) c.constant.lower_2sigma = NaN;  // "no such line"
    if (pct(rng) < 5) std::swap(c.constant.lower, c.constant.upper);  // nonsense lines must still agree
    c.per_point = pct(rng) < 50;
    if (c.per_point) {
        c.columns.resize(c.y.size());
        double cc = centre, ss = sig;
        for (std::size_t i = 0; i < c.y.size(); ++i) {
            if (pct(rng) < 15) cc = centre + 0.5 * ((pct(rng) % 5) - 2);
            if (pct(rng) < 40) ss = 0.25 * (1 + pct(rng) % 8);  // varies point to point (p charts)
            Lines l = sigma_lines(cc, ss);
            if (pct(rng) < 2) l.upper_1sigma = NaN;
            if (pct(rng) < 2) l.centre = NaN;
            c.columns.set(i, l);
        }
    }
    // options
    auto pick = [&](std::size_t lo, std::size_t hi) {
        if (pct(rng) < 8) return std::size_t{62};
        return lo + static_cast<std::size_t>(pct(rng)) % (hi - lo + 1);
    };
    const int all8 = O | S | T | W | F | A | Z | M;
    int bits = pct(rng) < 35 ? all8 : (pct(rng) * 2 + pct(rng) % 2) & all8;
    if (bits == 0) bits = all8;
    if (pct(rng) < 25) bits |= RU | CR;
    c.o.rules = static_cast<RuleFlags>(bits);
    c.o.shift_length = pick(2, 12);
    c.o.trend_length = pick(3, 9);
    c.o.alternating_length = pick(3, 16);
    c.o.stratification_length = pick(2, 16);
    c.o.mixture_length = pick(2, 9);
    c.o.two_of_three = pct(rng) < 50 ? TwoOfThree::mdc : TwoOfThree::western_electric;
    c.o.flag_mode = pct(rng) < 50 ? FlagMode::pattern : FlagMode::completing;
    c.o.window_lines = pct(rng) < 50 ? WindowLines::own : WindowLines::last;
    const int d = pct(rng) % 3;
    c.dir = d == 0 ? Improvement::increase : (d == 1 ? Improvement::decrease : Improvement::neutral);
    if (pct(rng) < 30) {
        c.excluded.resize(c.y.size());
        for (auto& e : c.excluded) e = pct(rng) < 10 ? 1 : 0;
    }
    return c;
}

template <class Src>
void compare_kernels(const RandomCase& c, const Src& src, int iter, std::map<std::string, std::size_t>& seen) {
    const std::size_t n = c.y.size();
    ASSERT_TRUE(detail::bitwise_supported(c.o));
    std::vector<RuleFlags> f_ref(n, 0xFFFF), f_bit(n, 0xFFFF);
    std::vector<PointType> t_ref(n), t_bit(n, PointType{7});
    detail::rules_reference(c.y.data(), n, src, c.o, f_ref.data());
    detail::point_types_reference(c.y.data(), n, src, c.dir, f_ref.data(), t_ref.data());
    detail::rules_bitwise(c.y.data(), n, src, c.o, c.dir, f_bit.data(), t_bit.data());
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(int(f_ref[i]), int(f_bit[i]))
            << "iteration " << iter << " point " << i << " of " << n << " rules " << c.o.rules << " shift "
            << c.o.shift_length << " trend " << c.o.trend_length << " alt " << c.o.alternating_length << " strat "
            << c.o.stratification_length << " mix " << c.o.mixture_length << " 2of3 " << int(c.o.two_of_three)
            << " mode " << int(c.o.flag_mode) << " lines " << int(c.o.window_lines) << " per point " << c.per_point;
        ASSERT_EQ(int(t_ref[i]), int(t_bit[i])) << "iteration " << iter << " point " << i << " of " << n;
    }
    const std::string key = std::string(c.per_point ? "per-point " : "constant ") +
                            (c.o.flag_mode == FlagMode::pattern ? "pattern " : "completing ");
    for (std::size_t i = 0; i < n; ++i)
        for (int b = 0; b < 8; ++b)
            if (f_ref[i] >> b & 1) ++seen[key + std::string(rule_names[static_cast<std::size_t>(b)])];
    // the 2-of-3 semantics and window lines, separately
    for (std::size_t i = 0; i < n; ++i) {
        if (f_ref[i] & W) ++seen[std::string("two_of_three ") + (c.o.two_of_three == TwoOfThree::mdc ? "mdc" : "we")];
        if ((f_ref[i] & (W | F)) && c.o.window_lines == WindowLines::last && c.per_point) ++seen["last lines"];
    }
    // the outside-limits rule alone (the kernel the qicharts2, qcc and Shewhart presets run) ==
    // the reference kernel with that rule only
    RuleOptions only_outside = c.o;
    only_outside.rules = rules::outside_limits;
    std::vector<RuleFlags> f_oref(n, 0xFFFF), f_out(n, 0xFFFF);
    std::vector<PointType> t_oref(n), t_out(n, PointType{7});
    detail::rules_reference(c.y.data(), n, src, only_outside, f_oref.data());
    detail::point_types_reference(c.y.data(), n, src, c.dir, f_oref.data(), t_oref.data());
    detail::rules_outside_only(c.y.data(), n, src, c.dir, f_out.data(), t_out.data());
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(int(f_oref[i]), int(f_out[i])) << "outside only, iteration " << iter << " point " << i << " of " << n;
        ASSERT_EQ(int(t_oref[i]), int(t_out[i])) << "outside only, iteration " << iter << " point " << i << " of " << n;
        seen["outside only"] += f_out[i] != 0;
    }
    // the runs analysis: streaming pass == definition
    const std::uint8_t* ex = c.excluded.empty() ? nullptr : c.excluded.data();
    const RunsAnalysis a = detail::runs_analysis(c.y.data(), n, src, ex);
    const RunsAnalysis b = detail::runs_analysis_reference(c.y.data(), n, src, ex);
    ASSERT_EQ(a.n_obs, b.n_obs) << iter;
    ASSERT_EQ(a.n_useful, b.n_useful) << iter;
    ASSERT_EQ(a.longest_run, b.longest_run) << iter;
    ASSERT_EQ(a.n_crossings, b.n_crossings) << iter;
    ASSERT_EQ(a.runs_signal, b.runs_signal) << iter;
    seen["runs signal"] += a.runs_signal;
}

TEST(RulesKernel, BitwiseEqualsReferenceOnRandomSeries) {
    std::mt19937_64 rng(20261201);
    std::map<std::string, std::size_t> seen;
    for (int iter = 0; iter < 6000; ++iter) {
        const RandomCase c = random_case(rng);
        if (c.per_point)
            compare_kernels(c, detail::PointLines{line_pointers(c.columns)}, iter, seen);
        else
            compare_kernels(c, detail::ConstantLines{c.constant}, iter, seen);
        if (HasFatalFailure()) return;
    }
    // every rule fires often in every combination of line source and flag mode
    for (const char* src : {"constant ", "per-point "})
        for (const char* mode : {"pattern ", "completing "})
            for (int b = 0; b < 8; ++b) {
                const std::string key = std::string(src) + mode + std::string(rule_names[static_cast<std::size_t>(b)]);
                EXPECT_GT(seen[key], 200u) << key;
            }
    EXPECT_GT(seen["two_of_three mdc"], 500u);
    EXPECT_GT(seen["two_of_three we"], 500u);
    EXPECT_GT(seen["last lines"], 500u);
    EXPECT_GT(seen["runs signal"], 500u);
    EXPECT_GT(seen["outside only"], 5000u);
}

TEST(RulesKernel, LongRulesUseTheReferenceKernel) {
    // 70 points alternating up and down, mixture of length 70 beyond ±1σ: both longer than 62
    std::vector<double> y;
    for (int i = 0; i < 80; ++i) y.push_back(i % 2 ? 2.0 : -2.0 + 0.001 * i);
    RuleOptions o = only(A | M);
    o.alternating_length = 70;
    o.mixture_length = 70;
    o.flag_mode = FlagMode::completing;
    EXPECT_FALSE(detail::bitwise_supported(o));
    const auto r = apply_rules(y, sigma_lines(0, 1), o);
    // 80 zigzag points: the 70th point (row 69) completes both patterns, and each later one continues them
    auto f = flags_at(80, {});
    set_rows(f, 69, 80, A | M);
    EXPECT_EQ(flags_of(r), f);
    o.alternating_length = 62;
    o.mixture_length = 62;
    EXPECT_TRUE(detail::bitwise_supported(o));
    // a disabled rule's length does not matter
    o.rules = static_cast<RuleFlags>(O);
    o.stratification_length = 500;
    EXPECT_TRUE(detail::bitwise_supported(o));
}

TEST(RulesKernel, XmrUsesTheEngine) {
    // qm::spc::xmr's flags and point types are the engine's on the chart's own lines
    std::vector<double> y;
    std::mt19937_64 rng(7);
    std::normal_distribution<double> nd(0.0, 1.0);
    for (int i = 0; i < 500; ++i) y.push_back(std::round(4 * nd(rng) + (i / 60 % 2 ? 3 : 0)) / 4);
    const auto x = xmr(y, {.improvement = Improvement::decrease});
    const Lines L{x.centre[0], x.lower[0], x.upper[0], x.lower_1sigma[0], x.upper_1sigma[0], x.lower_2sigma[0],
                  x.upper_2sigma[0]};
    const auto r = apply_rules(y, L, rule_sets::mdc, Improvement::decrease);
    EXPECT_EQ(std::vector<int>(x.flags.begin(), x.flags.end()), flags_of(r));
    EXPECT_EQ(x.point_type, r.point_type);
    EXPECT_GT(std::count_if(r.flags.begin(), r.flags.end(), [](RuleFlags f) { return f != 0; }), 50);
}

// ================================================================================================
// 2. Parity with qcc 3.0
// ================================================================================================

/// The lowest-numbered rule of qcc's numbering that a point's flags violate (0: none).
int lowest_we(RuleFlags f) {  // Western Electric: 1 outside, 2 two of three, 3 four of five, 4 eight on one side
    if (f & O) return 1;
    if (f & W) return 2;
    if (f & F) return 3;
    if (f & S) return 4;
    return 0;
}
int lowest_nelson(RuleFlags f) {  // Nelson 1-8
    const int order[8] = {O, S, T, A, W, F, Z, M};
    for (int k = 0; k < 8; ++k)
        if (f & order[k]) return k + 1;
    return 0;
}

void check_qcc(const std::string& file) {
    SCOPED_TRACE(file);
    const Csv csv = qm_test::read_reference("ae/" + file);
    const std::size_t n = csv.rows.size();
    ASSERT_GT(n, 10u);
    const std::size_t cy = csv.col("statistic"), cc = csv.col("center"), cl = csv.col("lcl"), cu = csv.col("ucl"),
                      cl1 = csv.col("lcl_1sigma"), cu1 = csv.col("ucl_1sigma"), cl2 = csv.col("lcl_2sigma"),
                      cu2 = csv.col("ucl_2sigma"), cdef = csv.col("viol_we_default_1_4"),
                      cwe = csv.col("viol_we_all_1_4"), cnel = csv.col("viol_nelson_1_8");
    std::vector<double> y(n);
    LineColumns lines;
    lines.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        y[i] = csv.num(i, cy);
        lines.set(i, {csv.num(i, cc), csv.num(i, cl), csv.num(i, cu), csv.num(i, cl1), csv.num(i, cu1), csv.num(i, cl2),
                      csv.num(i, cu2)});
    }
    const auto def = apply_rules(y, lines, rule_set("western_electric_default"));
    const auto we = apply_rules(y, lines, rule_set("western_electric"));
    const auto nel = apply_rules(y, lines, rule_set("nelson"));
    std::map<int, int> seen;
    for (std::size_t i = 0; i < n; ++i) {
        auto code = [&](std::size_t c) { return std::isnan(csv.num(i, c)) ? 0 : static_cast<int>(csv.num(i, c)); };
        EXPECT_EQ(lowest_we(def.flags[i]), code(cdef)) << "row " << i << " viol_we_default_1_4";
        EXPECT_EQ(lowest_we(we.flags[i]), code(cwe)) << "row " << i << " viol_we_all_1_4";
        EXPECT_EQ(lowest_nelson(nel.flags[i]), code(cnel)) << "row " << i << " viol_nelson_1_8";
        ++seen[code(cnel)];
    }
    EXPECT_GT(seen[1], 0);
}

TEST(ParityQcc, Type1AttendancesIndividuals) { check_qcc("ae_rrk_type1_attendances_individuals.qcc.csv"); }

TEST(ParityQcc, Type1PerformanceP) {
    check_qcc("ae_rrk_type1_performance_p.qcc.csv");
    // The file's signals other than rule 1 (per-point limits; the check above reproduces them all):
    //  row 23 (1-based), 0.78030: beyond its upper 2σ line 0.77923, within ucl 0.78359, after rows
    //  21 and 22 (0.89800, 0.78370) beyond theirs -> WE2 / Nelson 5 (code 2 for WE 1-4); with
    //  the default rules it is the 13th point in a row above the centre 0.77052 -> WE4 (code 4).
    //  Row 31, 0.76811, just below its lower 1σ line 0.768117, ends 8 points (24-31) all beyond
    //  a 1σ line with both sides present -> Nelson 8.
    const Csv csv = qm_test::read_reference("ae/ae_rrk_type1_performance_p.qcc.csv");
    EXPECT_EQ(csv.str(22, csv.col("viol_we_all_1_4")), "2");
    EXPECT_EQ(csv.str(22, csv.col("viol_we_default_1_4")), "4");
    EXPECT_EQ(csv.str(30, csv.col("viol_nelson_1_8")), "8");
}

// ================================================================================================
// 3. Parity with qicharts2 0.8.1's runs analysis
// ================================================================================================

void check_qicharts2(const std::string& file, std::size_t expected_groups) {
    SCOPED_TRACE(file);
    const Csv csv = qm_test::read_reference("ae/" + file);
    const std::size_t n = csv.rows.size();
    const std::size_t cf = csv.col("facet1"), cp = csv.col("part"), cy = csv.col("y"), ccl = csv.col("cl"),
                      clcl = csv.col("lcl"), cucl = csv.col("ucl"), cinc = csv.col("include"), cobs = csv.col("n.obs"),
                      cuse = csv.col("n.useful"), clr = csv.col("longest.run"), clrm = csv.col("longest.run.max"),
                      ccr = csv.col("n.crossings"), ccrm = csv.col("n.crossings.min"), crs = csv.col("runs.signal"),
                      css = csv.col("sigma.signal");
    std::size_t groups = 0, signals = 0, sigma = 0;
    for (std::size_t b = 0; b < n;) {
        std::size_t e = b + 1;
        while (e < n && csv.str(e, cf) == csv.str(b, cf) && csv.str(e, cp) == csv.str(b, cp)) ++e;
        ++groups;
        const std::size_t m = e - b;
        std::vector<double> y(m);
        std::vector<std::uint8_t> excluded(m);
        LineColumns lines;
        lines.resize(m);
        for (std::size_t i = 0; i < m; ++i) {
            y[i] = csv.num(b + i, cy);
            excluded[i] = csv.str(b + i, cinc) == "TRUE" ? 0 : 1;
            lines.set(i, {csv.num(b + i, ccl), csv.num(b + i, clcl), csv.num(b + i, cucl), NaN, NaN, NaN, NaN});
        }
        const auto r = apply_rules(y, lines, rule_set("qicharts2"), Improvement::increase, excluded);
        ASSERT_TRUE(r.runs.has_value());
        const RunsAnalysis& a = *r.runs;
        const std::string where = csv.str(b, cf) + " part " + csv.str(b, cp);
        for (std::size_t i = 0; i < m; ++i) {
            const std::size_t row = b + i;
            ASSERT_EQ(double(a.n_obs), csv.num(row, cobs)) << where;
            ASSERT_EQ(double(a.n_useful), csv.num(row, cuse)) << where;
            ASSERT_EQ(double(a.longest_run), csv.num(row, clr)) << where;
            ASSERT_EQ(double(a.longest_run_max), csv.num(row, clrm)) << where;
            ASSERT_EQ(double(a.n_crossings), csv.num(row, ccr)) << where;
            ASSERT_EQ(double(a.n_crossings_min), csv.num(row, ccrm)) << where;
            const bool runs_signal = csv.str(row, crs) == "TRUE";
            ASSERT_EQ(a.runs_signal, runs_signal) << where;
            // every point of the part carries the signal
            ASSERT_EQ((r.flags[i] & rules::anhoej) != 0, runs_signal) << where << " row " << i;
            ASSERT_EQ((r.flags[i] & O) != 0, csv.str(row, css) == "TRUE") << where << " row " << i << " sigma.signal";
            sigma += (r.flags[i] & O) != 0;
            // runs analysis points do not get a point type of their own
            if (!(r.flags[i] & O)) {
                ASSERT_EQ(r.point_type[i], PointType::common_cause) << where << " row " << i;
            }
        }
        signals += a.runs_signal;
        b = e;
    }
    EXPECT_EQ(groups, expected_groups);
    EXPECT_GT(signals, 0u);
    (void)sigma;
}

TEST(ParityQicharts2, RrkAttendancesI) { check_qicharts2("ae_rrk_type1_attendances_i.qicharts2.csv", 1); }
TEST(ParityQicharts2, RrkPerformanceI) { check_qicharts2("ae_rrk_type1_performance_i.qicharts2.csv", 1); }
TEST(ParityQicharts2, RrkPerformanceP) { check_qicharts2("ae_rrk_type1_performance_p.qicharts2.csv", 1); }
TEST(ParityQicharts2, RrkPerformancePPrime) { check_qicharts2("ae_rrk_type1_performance_p_prime.qicharts2.csv", 1); }
TEST(ParityQicharts2, Type1PerformanceByOrgI) { check_qicharts2("ae_type1_performance_by_org_i.qicharts2.csv", 130); }

// ================================================================================================
// 4. Anhøj critical values
// ================================================================================================

// Critical values for 10 to 100 useful observations: upper limit for the longest run and lower
// limit for the number of crossings, as tabulated in the qicharts2 vignette, Appendix 2
// "Critical values for longest run and number of crossings" (anhoej/qicharts2,
// vignettes/qicharts2.Rmd:892-903, rendered). The vignette generates the table with R:
// round(log2(n) + 3) and qbinom(0.05, n - 1, 0.5), the rules of Anhøj & Olesen (2014), "Run charts
// revisited", PLoS ONE 9(11): e113825 (whose Table 1 tabulates the same critical values).
// Row k is n = 10 + k: {longest run limit, crossings limit}.
constexpr std::array<std::array<int, 2>, 91> anhoej_table{{
    {6, 2},  {6, 2},  {7, 3},  {7, 3},  {7, 4},  {7, 4},  {7, 4},  {7, 5},  {7, 5},  {7, 6},   // 10-19
    {7, 6},  {7, 6},  {7, 7},  {8, 7},  {8, 8},  {8, 8},  {8, 8},  {8, 9},  {8, 9},  {8, 10},  // 20-29
    {8, 10}, {8, 11}, {8, 11}, {8, 11}, {8, 12}, {8, 12}, {8, 13}, {8, 13}, {8, 14}, {8, 14},  // 30-39
    {8, 14}, {8, 15}, {8, 15}, {8, 16}, {8, 16}, {8, 17}, {9, 17}, {9, 17}, {9, 18}, {9, 18},  // 40-49
    {9, 19}, {9, 19}, {9, 20}, {9, 20}, {9, 21}, {9, 21}, {9, 21}, {9, 22}, {9, 22}, {9, 23},  // 50-59
    {9, 23}, {9, 24}, {9, 24}, {9, 25}, {9, 25}, {9, 25}, {9, 26}, {9, 26}, {9, 27}, {9, 27},  // 60-69
    {9, 28}, {9, 28}, {9, 29}, {9, 29}, {9, 29}, {9, 30}, {9, 30}, {9, 31}, {9, 31}, {9, 32},  // 70-79
    {9, 32}, {9, 33}, {9, 33}, {9, 34}, {9, 34}, {9, 34}, {9, 35}, {9, 35}, {9, 36}, {9, 36},  // 80-89
    {9, 37}, {10, 37}, {10, 38}, {10, 38}, {10, 39}, {10, 39}, {10, 39}, {10, 40}, {10, 40}, {10, 41},  // 90-99
    {10, 41}}};                                                                                          // 100

TEST(Anhoej, CriticalValuesTable) {
    for (std::size_t k = 0; k < anhoej_table.size(); ++k) {
        const std::size_t n = 10 + k;
        EXPECT_EQ(anhoej_longest_run_limit(n), std::size_t(anhoej_table[k][0])) << "n = " << n;
        EXPECT_EQ(anhoej_crossings_limit(n), std::size_t(anhoej_table[k][1])) << "n = " << n;
    }
}

TEST(Anhoej, CrossingsLimitIsTheExactBinomialQuantile) {
    // The smallest x with P(X <= x) >= 0.05, X ~ Bin(m, 1/2), by exact integer sums:
    // 20 · Σ_{k<=x} C(m, k) >= 2^m, in 128-bit integers up to m = 120 (20 · 2^120 < 2^125).
    __extension__ typedef unsigned __int128 u128;
    for (std::size_t m = 0; m <= 120; ++m) {
        std::vector<u128> row(m + 1);
        row[0] = 1;
        // exact: C(m, k-1)·(m-k+1) = k·C(m, k)
        for (std::size_t k = 1; k <= m; ++k) row[k] = row[k - 1] * (m - k + 1) / k;
        const u128 total = u128{1} << m;
        u128 sum = 0;
        std::size_t x = 0;
        for (;; ++x) {
            sum += row[x];
            if (20 * sum >= total) break;
        }
        EXPECT_EQ(anhoej_crossings_limit(m + 1), x) << "n_useful = " << m + 1;
    }
    // n_useful = 0: qicharts2 uses max(n - 1, 0), qbinom(0.05, 0, 0.5) = 0
    EXPECT_EQ(anhoej_crossings_limit(0), 0u);
    EXPECT_EQ(anhoej_crossings_limit(1), 0u);
    // the certified double recurrence (n <= 1001) agrees with Boost.Math's incomplete beta
    for (std::size_t n = 65; n <= 1001; ++n)
        ASSERT_EQ(anhoej_crossings_limit(n), detail::anhoej::quantile_boost(n - 1)) << "n = " << n;
    // large n (Boost.Math only): the quantile sits near m/2 - 1.645 sqrt(m)/2
    for (std::size_t n : {1002u, 5000u, 100000u, 1000000u}) {
        const double m = double(n - 1), approx = m / 2 - 1.6448536 * std::sqrt(m) / 2;
        EXPECT_NEAR(double(anhoej_crossings_limit(n)), approx, 1.5) << n;
    }
}

TEST(Anhoej, LongestRunLimitEdges) {
    // round(log2 n) + 3: log2 n >= k + 1/2 <=> n >= 2^k·√2. 2^5·√2 = 45.25 -> 45 rounds down (8),
    // 46 up (9); 2^6·√2 = 90.51 -> 90: 9, 91: 10 (as in the table); 1: log2 1 = 0 -> 3; 2: 1 + 3 = 4;
    // 3: log2 3 = 1.585 -> 2 + 3 = 5.
    EXPECT_EQ(anhoej_longest_run_limit(0), 0u);
    EXPECT_EQ(anhoej_longest_run_limit(1), 3u);
    EXPECT_EQ(anhoej_longest_run_limit(2), 4u);
    EXPECT_EQ(anhoej_longest_run_limit(3), 5u);
    EXPECT_EQ(anhoej_longest_run_limit(45), 8u);
    EXPECT_EQ(anhoej_longest_run_limit(46), 9u);
    // 2^20·√2 = 1482910.4: 1482910 -> 20 + 3, 1482911 -> 21 + 3
    EXPECT_EQ(anhoej_longest_run_limit(1482910), 23u);
    EXPECT_EQ(anhoej_longest_run_limit(1482911), 24u);
    // 2^40·√2 = 1554944255987.74 (the floating-point branch)
    EXPECT_EQ(anhoej_longest_run_limit(std::size_t{1554944255987}), 43u);
    EXPECT_EQ(anhoej_longest_run_limit(std::size_t{1554944255988}), 44u);
}

// ================================================================================================
// 5. Hand-calculated cases: centre 0, 1σ = 1 unless stated (lines ±1, ±2, ±3)
// ================================================================================================

const Lines unit = sigma_lines(0.0, 1.0);

TEST(Shift, RunOfSevenAndEightMdcVersusWesternElectric) {
    // 7 points at +0.5 then 3 at -0.5: a run of exactly 7.
    //  MDC (7, every point): rows 0-6. WE4 (8, completing): none. Nelson 2 (9): none.
    std::vector<double> y7(7, 0.5);
    y7.insert(y7.end(), 3, -0.5);
    auto f7 = flags_at(10, {});
    set_rows(f7, 0, 7, S);
    EXPECT_EQ(flags_of(apply_rules(y7, unit, only(S, rule_sets::mdc))), f7);
    EXPECT_EQ(flags_of(apply_rules(y7, unit, rule_sets::western_electric_default)), flags_at(10, {}));
    EXPECT_EQ(flags_of(apply_rules(y7, unit, only(S, rule_sets::nelson))), flags_at(10, {}));
    // 8 points at +0.5 then 3 at -0.5: a run of exactly 8.
    //  MDC: rows 0-7. WE4: only row 7, the 8th point of the run. Nelson 2: none.
    std::vector<double> y8(8, 0.5);
    y8.insert(y8.end(), 3, -0.5);
    auto f8 = flags_at(11, {});
    set_rows(f8, 0, 8, S);
    EXPECT_EQ(flags_of(apply_rules(y8, unit, only(S, rule_sets::mdc))), f8);
    EXPECT_EQ(flags_of(apply_rules(y8, unit, rule_sets::western_electric_default)), flags_at(11, {{7, S}}));
    EXPECT_EQ(flags_of(apply_rules(y8, unit, only(S, rule_sets::nelson))), flags_at(11, {}));
    // 10 in a row: WE4 flags the 8th point onward (rows 7, 8, 9); Nelson 2 the 9th onward.
    std::vector<double> y10(10, -0.5);
    y10.push_back(0.5);
    EXPECT_EQ(flags_of(apply_rules(y10, unit, rule_sets::western_electric_default)),
              flags_at(11, {{7, S}, {8, S}, {9, S}}));
    EXPECT_EQ(flags_of(apply_rules(y10, unit, only(S, rule_sets::nelson))), flags_at(11, {{8, S}, {9, S}}));
    // point types: MDC run of 7 above, improvement up -> improvement; below -> concern
    const auto r = apply_rules(y7, unit, only(S, rule_sets::mdc), Improvement::increase);
    for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(r.point_type[i], PointType::special_cause_improvement) << i;
    for (std::size_t i = 7; i < 10; ++i) EXPECT_EQ(r.point_type[i], PointType::common_cause) << i;
}

TEST(Shift, PointOnTheCentreBreaksTheRunButNotForAnhoej) {
    // +0.5 ×4, 0 (on the centre), +0.5 ×4, -0.5 ×3: 12 points.
    //  MDC (7) and WE4 (8): runs of 4 and 4 -> no shift.
    //  Anhøj: the point on the centre is dropped: useful 11, signs + ×8, - ×3: longest run 8,
    //  crossings 1. Limits for 11: round(log2 11 = 3.459) + 3 = 6; qbinom(0.05, 10, 0.5):
    //  P(X <= 1) = 11/1024 = 0.0107, P(X <= 2) = 56/1024 = 0.0547 -> 2. 8 > 6 and 1 < 2: both
    //  signals, every one of the 12 points flagged (the one on the centre too).
    std::vector<double> y{0.5, 0.5, 0.5, 0.5, 0.0, 0.5, 0.5, 0.5, 0.5, -0.5, -0.5, -0.5};
    EXPECT_EQ(flags_of(apply_rules(y, unit, only(S, rule_sets::mdc))), flags_at(12, {}));
    EXPECT_EQ(flags_of(apply_rules(y, unit, rule_sets::western_electric_default)), flags_at(12, {}));
    const auto r = apply_rules(y, unit, rule_sets::anhoej);
    ASSERT_TRUE(r.runs);
    EXPECT_EQ(r.runs->n_obs, 12u);
    EXPECT_EQ(r.runs->n_useful, 11u);
    EXPECT_EQ(r.runs->longest_run, 8u);
    EXPECT_EQ(r.runs->longest_run_max, 6u);
    EXPECT_EQ(r.runs->n_crossings, 1u);
    EXPECT_EQ(r.runs->n_crossings_min, 2u);
    EXPECT_TRUE(r.runs->longest_run_signal);
    EXPECT_TRUE(r.runs->crossings_signal);
    EXPECT_TRUE(r.runs->runs_signal);
    auto f = flags_at(12, {});
    set_rows(f, 0, 12, RU | CR);
    EXPECT_EQ(flags_of(r), f);
    // ... and no point type comes from the runs analysis
    for (auto t : r.point_type) EXPECT_EQ(t, PointType::common_cause);
    // only the runs bit enabled: only that bit is set
    const auto r2 = apply_rules(y, unit, only(RU));
    auto f2 = flags_at(12, {});
    set_rows(f2, 0, 12, RU);
    EXPECT_EQ(flags_of(r2), f2);
    // runs_analysis() alone, and with the first five points excluded: useful +×4, -×3 = 7,
    // longest 4, crossings 1; limits round(log2 7 = 2.807) + 3 = 6, qbinom(0.05, 6, 0.5):
    // P(X <= 0) = 1/64, P(X <= 1) = 7/64 = 0.109 -> 1: no signal.
    const std::vector<std::uint8_t> ex{1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    const auto a = runs_analysis(y, 0.0, ex);
    EXPECT_EQ(a.n_obs, 7u);
    EXPECT_EQ(a.n_useful, 7u);
    EXPECT_EQ(a.longest_run, 4u);
    EXPECT_EQ(a.n_crossings, 1u);
    EXPECT_EQ(a.longest_run_max, 6u);
    EXPECT_EQ(a.n_crossings_min, 1u);
    EXPECT_FALSE(a.runs_signal);
}

TEST(Shift, MissingValueBreaksTheRunButNotForAnhoej) {
    // +0.5 ×4, NaN, +0.5 ×4, -0.5: MDC shift (7): runs of 4 and 4 -> nothing. Anhøj: the NaN is
    // dropped; useful 9, longest 8 > round(log2 9 = 3.17) + 3 = 6 -> runs signal on all 10 rows.
    std::vector<double> y{0.5, 0.5, 0.5, 0.5, NaN, 0.5, 0.5, 0.5, 0.5, -0.5};
    EXPECT_EQ(flags_of(apply_rules(y, unit, only(S, rule_sets::mdc))), flags_at(10, {}));
    const auto r = apply_rules(y, unit, only(RU));
    EXPECT_EQ(r.runs->n_obs, 10u);
    EXPECT_EQ(r.runs->n_useful, 9u);
    EXPECT_EQ(r.runs->longest_run, 8u);
    EXPECT_EQ(r.runs->longest_run_max, 6u);
    auto f = flags_at(10, {});
    set_rows(f, 0, 10, RU);
    EXPECT_EQ(flags_of(r), f);
    // nothing useful: every count 0, no signal
    const std::vector<double> none{0.0, NaN, 0.0};
    const auto r0 = apply_rules(none, unit, rule_sets::anhoej);
    EXPECT_EQ(r0.runs->n_obs, 3u);
    EXPECT_EQ(r0.runs->n_useful, 0u);
    EXPECT_EQ(r0.runs->longest_run_max, 0u);
    EXPECT_FALSE(r0.runs->runs_signal);
    EXPECT_EQ(flags_of(r0), flags_at(3, {}));
}

TEST(Trend, TieInsideATrend) {
    // lines centre 4, 1σ = 10 (nothing near a limit). y = 0,1,2,3,3,4,5,6,7,8 (10 points).
    //  MDC trend (7 points, 6 rising steps): steps 0->3 rise (3), 3->3 tie, 3->8 rise (5): none.
    //  Nelson 3 (6 points, 5 steps, completing): rows 4-9 (3,4,5,6,7,8) rise 5 times; the run of
    //  steps ends at row 9 -> only row 9 flagged. Pattern mode would flag rows 4-9.
    const std::vector<double> y{0, 1, 2, 3, 3, 4, 5, 6, 7, 8};
    const Lines wide = sigma_lines(4.0, 10.0);
    EXPECT_EQ(flags_of(apply_rules(y, wide, only(T, rule_sets::mdc))), flags_at(10, {}));
    EXPECT_EQ(flags_of(apply_rules(y, wide, only(T, rule_sets::nelson))), flags_at(10, {{9, T}}));
    RuleOptions pat = only(T, rule_sets::nelson);
    pat.flag_mode = FlagMode::pattern;
    auto f = flags_at(10, {});
    set_rows(f, 4, 10, T);
    EXPECT_EQ(flags_of(apply_rules(y, wide, pat)), f);
    // without the tie (0..9), MDC flags rows 0-9 (10 rising points contain 7-point trends); types:
    // rising -> improvement for "increase", concern for "decrease"
    const std::vector<double> up{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    auto fu = flags_at(10, {});
    set_rows(fu, 0, 10, T);
    const auto ru = apply_rules(up, wide, only(T, rule_sets::mdc), Improvement::decrease);
    EXPECT_EQ(flags_of(ru), fu);
    for (auto t : ru.point_type) EXPECT_EQ(t, PointType::special_cause_concern);
    // Nelson 3 (completing): the 6th point (row 5) onward
    EXPECT_EQ(flags_of(apply_rules(up, wide, only(T, rule_sets::nelson))),
              flags_at(10, {{5, T}, {6, T}, {7, T}, {8, T}, {9, T}}));
}

TEST(TwoOfThree, AcrossBothSidesAndThreeSigmaPoints) {
    // 2.5, -2.5, 2.5: two beyond +2σ and one beyond -2σ.
    //  MDC: the window is not on one side -> nothing.
    //  WE2 (qcc): >= 2 beyond the upper 2σ line and the last point beyond it -> row 2.
    const std::vector<double> a{2.5, -2.5, 2.5};
    EXPECT_EQ(flags_of(apply_rules(a, unit, only(W, rule_sets::mdc))), flags_at(3, {}));
    EXPECT_EQ(flags_of(apply_rules(a, unit, only(W, rule_sets::western_electric))), flags_at(3, {{2, W}}));
    // 0.5, 2.5, 2.6, 0.5: windows 0-2 and 1-3 are all above with 2 close points.
    //  MDC (every close point): rows 1 and 2. WE2 (completing): row 2 only; the window 1-3 ends in
    //  a point that is not beyond 2σ, so row 3 is not flagged.
    const std::vector<double> b{0.5, 2.5, 2.6, 0.5};
    EXPECT_EQ(flags_of(apply_rules(b, unit, only(W, rule_sets::mdc))), flags_at(4, {{1, W}, {2, W}}));
    EXPECT_EQ(flags_of(apply_rules(b, unit, only(W, rule_sets::western_electric))), flags_at(4, {{2, W}}));
    // 0.5, 2.5, 3.5: 3.5 is beyond the limit.
    //  MDC: 3.5 is not "close", one close point only -> no 2-of-3 (row 2 outside only).
    //  WE: 3σ points count as beyond 2σ -> 2 of 3, row 2 flagged 2-of-3 too (qcc reports rule 1).
    const std::vector<double> c{0.5, 2.5, 3.5};
    EXPECT_EQ(flags_of(apply_rules(c, unit, only(O | W, rule_sets::mdc))), flags_at(3, {{2, O}}));
    EXPECT_EQ(flags_of(apply_rules(c, unit, only(O | W, rule_sets::western_electric))), flags_at(3, {{2, O | W}}));
    // a missing value in the window: no WE2 (qcc's window sum is NA)
    const std::vector<double> d{0.5, 2.5, NaN, 2.5, 0.5, 2.5};
    //  windows: 0-2, 1-3, 2-4 hold the NaN; 3-5 = 2.5, 0.5, 2.5 -> row 5.
    EXPECT_EQ(flags_of(apply_rules(d, unit, only(W, rule_sets::western_electric))), flags_at(6, {{5, W}}));
    // WE2 in pattern mode: the beyond points of each qualifying window (rows 3 and 5)
    RuleOptions pat = only(W, rule_sets::western_electric);
    pat.flag_mode = FlagMode::pattern;
    EXPECT_EQ(flags_of(apply_rules(d, unit, pat)), flags_at(6, {{3, W}, {5, W}}));
}

TEST(TwoOfThree, QccJudgesTheWindowAgainstItsLastPointsLines) {
    // per-point lines (a p chart): centre 0; 1σ of rows 0-2 = 1, 1, 2 -> 2σ lines 2, 2, 4.
    // y = 2.5, 2.5, 4.5: rows 0 and 1 are beyond their own 2σ line (2), row 2 beyond its own (4).
    //  own lines: 3 of 3 beyond -> row 2 (completing).
    //  last lines (qcc): rows 0 and 1 judged against row 2's line 4: only row 2 beyond -> nothing.
    // y = 3.5, 0, 4.5 with 1σ 2, 2, 1 (2σ lines 4, 4, 2): own lines: only row 2 beyond (4.5 > 2;
    //  3.5 < 4) -> nothing; last lines: 3.5 > 2 and 4.5 > 2 -> row 2.
    LineColumns l1;
    l1.resize(3);
    l1.set(0, sigma_lines(0, 1));
    l1.set(1, sigma_lines(0, 1));
    l1.set(2, sigma_lines(0, 2));
    RuleOptions own = only(W, rule_sets::western_electric), last = own;
    own.window_lines = WindowLines::own;
    const std::vector<double> y1{2.5, 2.5, 4.5};
    EXPECT_EQ(flags_of(apply_rules(y1, l1, own)), flags_at(3, {{2, W}}));
    EXPECT_EQ(flags_of(apply_rules(y1, l1, last)), flags_at(3, {}));
    LineColumns l2;
    l2.resize(3);
    l2.set(0, sigma_lines(0, 2));
    l2.set(1, sigma_lines(0, 2));
    l2.set(2, sigma_lines(0, 1));
    const std::vector<double> y2{3.5, 0.0, 4.5};
    EXPECT_EQ(flags_of(apply_rules(y2, l2, own)), flags_at(3, {}));
    EXPECT_EQ(flags_of(apply_rules(y2, l2, last)), flags_at(3, {{2, W}}));
}

TEST(FourOfFive, CompletingAndPattern) {
    // 1.5, 1.5, 0.5, 1.5, 1.5, 0.5: window 0-4 has 4 beyond +1σ and ends beyond -> row 4;
    // window 1-5 has 3 -> none. Pattern mode: the 4 beyond points of window 0-4 (rows 0, 1, 3, 4).
    const std::vector<double> y{1.5, 1.5, 0.5, 1.5, 1.5, 0.5};
    EXPECT_EQ(flags_of(apply_rules(y, unit, only(F, rule_sets::western_electric))), flags_at(6, {{4, F}}));
    RuleOptions pat = only(F, rule_sets::western_electric);
    pat.flag_mode = FlagMode::pattern;
    EXPECT_EQ(flags_of(apply_rules(y, unit, pat)), flags_at(6, {{0, F}, {1, F}, {3, F}, {4, F}}));
    // same side only: 1.5, -1.5, 1.5, -1.5, 1.5 has 5 beyond a 1σ line but only 3 beyond the upper one
    const std::vector<double> z{1.5, -1.5, 1.5, -1.5, 1.5};
    EXPECT_EQ(flags_of(apply_rules(z, unit, only(F, rule_sets::western_electric))), flags_at(5, {}));
    // point type: above the centre, improvement down -> concern; precedence over a shift
    const std::vector<double> s{1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5};  // 9 above
    const auto r = apply_rules(s, unit, only(F | S, rule_sets::nelson), Improvement::decrease);
    // 4 of 5 from row 4 on; shift (9, completing) at row 8
    auto f = flags_at(9, {{8, S}});
    set_rows(f, 4, 9, F);
    EXPECT_EQ(flags_of(r), f);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(r.point_type[i], PointType::common_cause);
    for (std::size_t i = 4; i < 9; ++i) EXPECT_EQ(r.point_type[i], PointType::special_cause_concern);
}

TEST(Alternating, FourteenPointsUpAndDown) {
    // 0, 1, 0, 1, ... 14 points: 13 steps alternating in sign -> Nelson 4 at row 13 (completing);
    // 13 points are not enough; pattern mode flags all 14. A tie breaks the alternation.
    std::vector<double> y;
    for (int i = 0; i < 14; ++i) y.push_back(i % 2 ? 0.9 : 0.1);
    EXPECT_EQ(flags_of(apply_rules(y, unit, only(A, rule_sets::nelson))), flags_at(14, {{13, A}}));
    const std::vector<double> y13(y.begin(), y.begin() + 13);
    EXPECT_EQ(flags_of(apply_rules(y13, unit, only(A, rule_sets::nelson))), flags_at(13, {}));
    RuleOptions pat = only(A, rule_sets::nelson);
    pat.flag_mode = FlagMode::pattern;
    auto f = flags_at(14, {});
    set_rows(f, 0, 14, A);
    EXPECT_EQ(flags_of(apply_rules(y, unit, pat)), f);
    auto tie = y;
    tie[7] = tie[6];
    EXPECT_EQ(flags_of(apply_rules(tie, unit, only(A, rule_sets::nelson))), flags_at(14, {}));
    // alternating points get no point type
    for (auto t : apply_rules(y, unit, pat).point_type) EXPECT_EQ(t, PointType::common_cause);
}

TEST(Stratification, FifteenWithinOneSigmaInclusive) {
    // 15 points within ±1σ, two of them exactly on the 1σ lines (inclusive) -> row 14 (completing).
    std::vector<double> y(15, 0.25);
    y[3] = 1.0;
    y[9] = -1.0;
    y.push_back(1.5);
    EXPECT_EQ(flags_of(apply_rules(y, unit, only(Z, rule_sets::nelson))), flags_at(16, {{14, Z}}));
    // a point just beyond the line breaks it
    y[9] = -1.0000001;
    EXPECT_EQ(flags_of(apply_rules(y, unit, only(Z, rule_sets::nelson))), flags_at(16, {}));
}

TEST(Mixture, EightBeyondOneSigmaOnBothSides) {
    // ±1.5 alternately, 8 points: all beyond a 1σ line, both sides -> row 7 (completing).
    std::vector<double> y;
    for (int i = 0; i < 8; ++i) y.push_back(i % 2 ? -1.5 : 1.5);
    EXPECT_EQ(flags_of(apply_rules(y, unit, only(M, rule_sets::nelson))), flags_at(8, {{7, M}}));
    // all on one side: no mixture
    const std::vector<double> one(8, 1.5);
    EXPECT_EQ(flags_of(apply_rules(one, unit, only(M, rule_sets::nelson))), flags_at(8, {}));
    // -1.5 then 8 × 1.5: window 0-7 mixes sides (row 7); window 1-8 does not (row 8 not flagged)
    std::vector<double> w{-1.5};
    w.insert(w.end(), 8, 1.5);
    EXPECT_EQ(flags_of(apply_rules(w, unit, only(M, rule_sets::nelson))), flags_at(9, {{7, M}}));
    // a point exactly on a 1σ line is not beyond it
    y[3] = -1.0;
    EXPECT_EQ(flags_of(apply_rules(y, unit, only(M, rule_sets::nelson))), flags_at(8, {}));
    // point types follow each point's side (neutral measure)
    RuleOptions pat = only(M, rule_sets::nelson);
    pat.flag_mode = FlagMode::pattern;
    y[3] = -1.5;
    const auto r = apply_rules(y, unit, pat, Improvement::neutral);
    for (std::size_t i = 0; i < 8; ++i)
        EXPECT_EQ(r.point_type[i],
                  i % 2 ? PointType::special_cause_neutral_low : PointType::special_cause_neutral_high);
}

TEST(Outside, StrictAndMissing) {
    // on the limit is not beyond it; NaN never is
    const std::vector<double> y{3.0, 3.0000001, -3.0, -3.1, NaN};
    EXPECT_EQ(flags_of(apply_rules(y, unit, rule_sets::shewhart)), flags_at(5, {{1, O}, {3, O}}));
}

TEST(RuleSets, NamedSetsAreData) {
    const auto mdc = rule_set("mdc");
    EXPECT_EQ(mdc.rules, rules::mdc);
    EXPECT_EQ(mdc.shift_length, 7u);
    EXPECT_EQ(mdc.trend_length, 7u);
    EXPECT_EQ(mdc.two_of_three, TwoOfThree::mdc);
    EXPECT_EQ(mdc.flag_mode, FlagMode::pattern);
    const auto we = rule_set("western_electric");
    EXPECT_EQ(we.rules, O | W | F | S);
    EXPECT_EQ(we.shift_length, 8u);
    EXPECT_EQ(we.two_of_three, TwoOfThree::western_electric);
    EXPECT_EQ(we.flag_mode, FlagMode::completing);
    EXPECT_EQ(we.window_lines, WindowLines::last);
    EXPECT_EQ(rule_set("western_electric_default").rules, O | S);
    const auto nel = rule_set("nelson");
    EXPECT_EQ(nel.rules, O | S | T | W | F | A | Z | M);
    EXPECT_EQ(nel.shift_length, 9u);
    EXPECT_EQ(nel.trend_length, 6u);
    EXPECT_EQ(nel.alternating_length, 14u);
    EXPECT_EQ(nel.stratification_length, 15u);
    EXPECT_EQ(nel.mixture_length, 8u);
    EXPECT_EQ(rule_set("anhoej").rules, RU | CR);
    EXPECT_EQ(rule_set("qicharts2").rules, O | RU | CR);
    EXPECT_EQ(rule_set("shewhart").rules, O);
    EXPECT_EQ(rule_set_names().size(), 7u);
    for (auto name : rule_set_names()) EXPECT_NO_THROW(rule_set(name).validate()) << name;
    try {
        (void)rule_set("bogus");
        ADD_FAILURE() << "expected an error";
    } catch (const qm::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("nelson"), std::string::npos) << e.what();
    }
    EXPECT_EQ(rule_names[0], "outside_limits");
    EXPECT_EQ(rule_names[9], "crossings");
}

TEST(RuleOptions, ValidationNamesTheArgument) {
    auto expect_named = [](RuleOptions o, const std::string& name) {
        try {
            o.validate();
            ADD_FAILURE() << "expected an error naming " << name;
        } catch (const qm::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()).rfind(name, 0), 0u) << e.what();
        }
    };
    RuleOptions o;
    o.rules = 1024;
    expect_named(o, "rules");
    o = {};
    o.shift_length = 1;
    expect_named(o, "shift_length");
    o = {};
    o.trend_length = 2;
    expect_named(o, "trend_length");
    o = {};
    o.alternating_length = 1001;
    expect_named(o, "alternating_length");
    o = {};
    o.stratification_length = 0;
    expect_named(o, "stratification_length");
    o = {};
    o.mixture_length = 1;
    expect_named(o, "mixture_length");
    o = {};
    o.flag_mode = static_cast<FlagMode>(7);
    expect_named(o, "flag_mode");
    // column sizes
    const std::vector<double> y{1, 2, 3};
    std::vector<RuleFlags> f2(2), f3(3);
    std::vector<PointType> t2(2);
    EXPECT_THROW((void)apply_rules(y, unit, {}, Improvement::increase, f2), qm::invalid_argument);
    EXPECT_THROW((void)apply_rules(y, unit, {}, Improvement::increase, f3, t2), qm::invalid_argument);
    EXPECT_NO_THROW((void)apply_rules(y, unit, {}, Improvement::increase, f3));
    LineColumns short_cols;
    short_cols.resize(2);
    EXPECT_THROW((void)apply_rules(y, short_cols), qm::invalid_argument);
    LinePointers p = line_pointers(short_cols);
    p.upper_1sigma = nullptr;
    const std::vector<double> y2{1, 2};
    std::vector<RuleFlags> f(2);
    EXPECT_THROW((void)apply_rules(y2, p, {}, Improvement::increase, f), qm::invalid_argument);
    // empty input is fine
    const std::vector<double> empty;
    EXPECT_TRUE(apply_rules(empty, unit, rule_sets::nelson).flags.empty());
    const auto re = apply_rules(empty, unit, rule_sets::anhoej);
    ASSERT_TRUE(re.runs);
    EXPECT_EQ(re.runs->n_useful, 0u);
}

}  // namespace
