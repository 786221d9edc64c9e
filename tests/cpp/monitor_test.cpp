// Live monitors (qm/monitor/*.hpp).
//
//   Replay equivalence (property-based, seeded): for every chart and rule set, pushing random
//   series with missing values, ties, exclusions and phases one point at a time — and applying the
//   updates of earlier points — gives bit for bit the statistic, lines, flags and point types of the
//   batch computation with the same frozen limits (qm::spc::chart_grouped, cusum, ewma); the Anhøj
//   whole-phase verdict of each point equals the batch verdict on the series that ends there.
//   Hand calculations (documented below, with their sources) for the Bernoulli CUSUM (qicharts2's
//   bchart), the risk-adjusted CUSUM (Steiner et al. 2000) and the VLAD.
//   Serialisation: save / restore (bytes and JSON) mid-stream gives identical subsequent output;
//   truncated, corrupted, foreign and wrong-version states are rejected with clear errors.
//   Decision thresholds: the Markov chain ARL against Montgomery's table 9.3 and Siegmund.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <qm/monitor/monitor.hpp>
#include <qm/spc/chart.hpp>
#include <qm/spc/cusum.hpp>
#include <qm/spc/ewma.hpp>

namespace {

using namespace qm;
using namespace qm::monitor;
using spc::ChartType;
using spc::RuleFlags;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

bool same_bits(double a, double b) { return (a != a && b != b) || std::memcmp(&a, &b, sizeof a) == 0; }

::testing::AssertionResult same_double(const char* ea, const char* eb, double a, double b) {
    if (same_bits(a, b)) return ::testing::AssertionSuccess();
    std::ostringstream s;
    s.precision(17);
    s << ea << " = " << a << " and " << eb << " = " << b << " differ";
    return ::testing::AssertionFailure() << s.str();
}
#define EXPECT_SAME(a, b) EXPECT_PRED_FORMAT2(same_double, a, b)

// ---------------------------------------------------------------------------------------------
// Random series for each chart (seeded): levels that shift and trend, ties and points on the
// centre (values rounded), missing values, exclusions.

struct Series {
    std::vector<double> y, d;
    std::vector<std::uint8_t> excl;
    std::vector<std::size_t> phases;  // phase starts (rows > 0)
};

// Phases are at least `min_phase` points long (a live monitor cannot know a phase's limits before
// its baseline is complete; the batch computation of a phase shorter than its baseline uses the
// points it has).
Series random_series(ChartType chart, std::size_t n, std::mt19937_64& rng, double missing = 0.05, bool phases = true,
                     bool exclusions = true, std::size_t min_phase = 25) {
    std::uniform_real_distribution<double> U(0.0, 1.0);
    std::normal_distribution<double> N(0.0, 1.0);
    Series s;
    s.y.resize(n);
    s.excl.assign(n, 0);
    const bool ratio = chart == ChartType::p || chart == ChartType::np || chart == ChartType::u ||
                       chart == ChartType::p_prime || chart == ChartType::u_prime;
    if (ratio) s.d.resize(n);
    double level = 0.0, drift = 0.0;
    int zigzag = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (U(rng) < 0.04) level = N(rng);
        if (U(rng) < 0.05) drift = U(rng) < 0.5 ? 0.0 : 0.3 * N(rng);
        level += drift;
        const double z = level + N(rng);
        double y = 0;
        switch (chart) {
            case ChartType::xmr:
            case ChartType::mr:
            case ChartType::run: y = std::round(z * 2.0) / 2.0; break;  // ties and points on the centre
            case ChartType::t: y = std::exp(0.5 * z) + 0.01; break;
            case ChartType::c: y = std::floor(std::max(0.0, 6.0 + 2.5 * z)); break;
            case ChartType::g: y = std::floor(std::max(0.0, 20.0 * std::exp(0.6 * z))); break;
            case ChartType::p:
            case ChartType::np:
            case ChartType::p_prime: {
                const double den = std::floor(40 + 160 * U(rng));
                const double p = 1.0 / (1.0 + std::exp(-(-1.5 + 0.4 * z)));
                s.d[i] = den;
                y = std::min(den, std::floor(den * p + 0.5));
                break;
            }
            case ChartType::u:
            case ChartType::u_prime: {
                const double den = 5.0 + 20.0 * U(rng);  // exposure, not whole
                s.d[i] = den;
                y = std::floor(std::max(0.0, den * 0.4 * std::exp(0.4 * z)));
                break;
            }
            default: break;
        }
        s.y[i] = y;
        if (zigzag > 0) {  // a stretch that alternates up and down (Nelson 4)
            s.y[i] = (zigzag % 2 ? 1.0 : -1.0) * (chart == ChartType::xmr || chart == ChartType::mr ? 1.5 : 0.0) + y;
            --zigzag;
        } else if (U(rng) < 0.006) {
            zigzag = 18;
        }
        if (U(rng) < missing) s.y[i] = nan;
        if (ratio && U(rng) < missing / 2) s.d[i] = nan;
        if (exclusions && U(rng) < 0.04) s.excl[i] = 1;
    }
    if (phases)
        for (std::size_t i = min_phase; i + min_phase <= n; ++i)
            if (U(rng) < 0.03 && (s.phases.empty() || i >= s.phases.back() + min_phase)) s.phases.push_back(i);
    return s;
}

// ---------------------------------------------------------------------------------------------
// The live view: push every point, apply the updates.

struct Live {
    std::vector<double> stat;
    spc::LineColumns lines;
    std::vector<RuleFlags> flags;
    std::vector<PointType> type;
    std::vector<RuleFlags> at_push;  // the point's flags when it was pushed (after a freeze: then)
    std::vector<Signal> signals;
};

Live replay(ShewhartMonitor m, const Series& s, std::size_t stop = npos, std::string* state = nullptr,
            std::size_t save_at = npos, bool json = false) {
    const std::size_t n = stop == npos ? s.y.size() : stop;
    Live L;
    L.stat.resize(n);
    L.lines.resize(n);
    L.flags.resize(n);
    L.type.resize(n);
    L.at_push.resize(n);
    std::size_t k = 0;
    std::size_t phase_start = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i == save_at) {
            // save, restore and carry on with the restored monitor
            const std::string st = json ? m.to_json() : m.save();
            if (state) *state = st;
            m = json ? ShewhartMonitor::from_json(st) : ShewhartMonitor::restore(st);
        }
        if (k < s.phases.size() && s.phases[k] == i) {
            m.rebase();
            phase_start = i;
            ++k;
        }
        const double d = s.d.empty() ? nan : s.d[i];
        const bool was_learning = m.learning();
        const auto ev = m.push(s.y[i], d, static_cast<std::int64_t>(1000 + 7 * i), s.excl[i] != 0);
        L.stat[i] = ev.statistic;
        L.lines.set(i, ev.lines);
        L.flags[i] = ev.flags;
        L.type[i] = ev.point_type;
        L.at_push[i] = ev.flags;
        for (const auto& u : ev.updates) {
            L.flags[u.point] = u.flags;
            L.type[u.point] = u.point_type;
        }
        L.signals.insert(L.signals.end(), ev.signals.begin(), ev.signals.end());
        if (was_learning && !m.learning()) {
            // the baseline was frozen: its points' lines are the frozen ones, their flags as of now
            for (std::size_t j = phase_start; j < i; ++j) {
                const double dj = s.d.empty() ? nan : s.d[j];
                const bool miss = j == phase_start && m.options().chart == ChartType::mr;
                (void)miss;
                L.lines.set(j, m.limits().lines(dj, L.stat[j] != L.stat[j] || (s.y[j] != s.y[j])));
                L.at_push[j] = L.flags[j];
            }
        }
    }
    return L;
}

spc::ChartResult batch(const ShewhartOptions& o, const Series& s, std::size_t n) {
    const std::size_t off[2] = {0, n};
    std::vector<std::size_t> ph;
    for (auto p : s.phases)
        if (p < n) ph.push_back(p);
    spc::ChartInput in;
    in.values = std::span<const double>(s.y).first(n);
    if (!s.d.empty()) in.denominators = std::span<const double>(s.d).first(n);
    in.offsets = off;
    in.phase_starts = ph;
    in.exclude = std::span<const std::uint8_t>(s.excl).first(n);
    in.improvement = o.improvement;
    spc::ChartOptions co;
    co.chart = o.chart;
    co.limits = o.limits;
    co.rules = o.rules;
    co.fix_after = o.fix_after;
    return spc::chart_grouped(in, co, 1);
}

constexpr RuleFlags whole_phase = spc::rules::runs | spc::rules::crossings;

// How often each rule flagged a point over the equivalence tests (the data must exercise them).
std::map<RuleFlags, std::size_t>& rule_hits() {
    static std::map<RuleFlags, std::size_t> hits;
    return hits;
}

void expect_equivalent(const ShewhartOptions& o, const Series& s, const std::string& what) {
    SCOPED_TRACE(what);
    const std::size_t n = s.y.size();
    const Live L = replay(ShewhartMonitor(o), s);
    const spc::ChartResult B = batch(o, s, n);
    const spc::LineColumns BL = qm::monitor::detail::lines_per_point(B);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (unsigned k = 0; k < 10; ++k)
            if (B.flags[i] & (1u << k)) ++rule_hits()[static_cast<RuleFlags>(1u << k)];
    for (std::size_t i = 0; i < n && bad < 5; ++i) {
        const bool ok = same_bits(L.stat[i], B.statistic[i]) && same_bits(L.lines.centre[i], BL.centre[i]) &&
                        same_bits(L.lines.lower[i], BL.lower[i]) && same_bits(L.lines.upper[i], BL.upper[i]) &&
                        same_bits(L.lines.lower_1sigma[i], BL.lower_1sigma[i]) &&
                        same_bits(L.lines.upper_1sigma[i], BL.upper_1sigma[i]) &&
                        same_bits(L.lines.lower_2sigma[i], BL.lower_2sigma[i]) &&
                        same_bits(L.lines.upper_2sigma[i], BL.upper_2sigma[i]) &&
                        (L.flags[i] & ~whole_phase) == (B.flags[i] & ~whole_phase) && L.type[i] == B.point_type[i];
        if (!ok) {
            ++bad;
            ADD_FAILURE() << "point " << i << ": live stat " << L.stat[i] << " centre " << L.lines.centre[i] << " upper "
                          << L.lines.upper[i] << " flags " << L.flags[i] << " type " << static_cast<int>(L.type[i])
                          << "; batch stat " << B.statistic[i] << " centre " << BL.centre[i] << " upper "
                          << BL.upper[i] << " flags " << B.flags[i] << " type "
                          << static_cast<int>(B.point_type[i]);
        }
    }
    // whole-phase rules: the live flag of point i is the batch verdict on the series ending at i
    // (for points after their phase's baseline: the batch computation of a shorter series would
    // learn its limits from fewer points)
    if (o.rules.rules & whole_phase) {
        std::vector<std::size_t> starts{0};
        starts.insert(starts.end(), s.phases.begin(), s.phases.end());
        auto after_baseline = [&](std::size_t i) {
            const std::size_t b = *(std::upper_bound(starts.begin(), starts.end(), i) - 1);
            return i + 1 >= b + o.fix_after;
        };
        for (std::size_t i = 0; i < n && bad < 5; i += 1 + i / 16) {
            if (!after_baseline(i)) continue;
            const spc::ChartResult P = batch(o, s, i + 1);
            if ((L.at_push[i] & whole_phase) != (P.flags[i] & whole_phase)) {
                ++bad;
                ADD_FAILURE() << "whole-phase rules at point " << i << ": live " << (L.at_push[i] & whole_phase)
                              << ", batch on the prefix " << (P.flags[i] & whole_phase);
            }
        }
    }
}

std::vector<std::pair<std::string, spc::RuleOptions>> rule_variants() {
    using namespace spc;
    std::vector<std::pair<std::string, RuleOptions>> v;
    for (auto name : rule_set_names()) v.emplace_back(std::string(name), rule_set(name));
    RuleOptions all = rule_sets::nelson;
    all.rules = rules::all;
    v.emplace_back("all rules, completing", all);
    all.flag_mode = FlagMode::pattern;
    all.window_lines = WindowLines::own;
    v.emplace_back("all rules, pattern, own lines", all);
    RuleOptions mdc = rule_sets::mdc;
    mdc.flag_mode = FlagMode::completing;
    mdc.shift_length = 5;
    mdc.trend_length = 4;
    v.emplace_back("mdc completing, short runs", mdc);
    RuleOptions we = rule_sets::western_electric;
    we.window_lines = WindowLines::own;
    we.flag_mode = FlagMode::pattern;
    v.emplace_back("western electric, pattern, own lines", we);
    RuleOptions longrules = rule_sets::mdc;
    longrules.rules = rules::shift | rules::stratification;
    longrules.shift_length = 70;  // beyond the bitwise kernel: the batch runs the reference kernel
    longrules.stratification_length = 9;
    v.emplace_back("long shift", longrules);
    return v;
}

TEST(ShewhartMonitor, ReplayEquivalenceEveryChartAndRuleSet) {
    const ChartType charts[] = {ChartType::xmr, ChartType::mr,      ChartType::run,     ChartType::c,
                                ChartType::u,   ChartType::p,       ChartType::np,      ChartType::p_prime,
                                ChartType::u_prime, ChartType::g,   ChartType::t};
    std::mt19937_64 rng(20240601);
    rule_hits().clear();
    for (ChartType chart : charts) {
        for (const auto& [rname, rules] : rule_variants()) {
            for (int rep = 0; rep < 3; ++rep) {
                ShewhartOptions o;
                o.chart = chart;
                o.rules = rules;
                o.improvement = rep == 0 ? Improvement::increase : (rep == 1 ? Improvement::decrease : Improvement::neutral);
                o.fix_after = rep == 2 ? 5 : 12 + 8 * static_cast<std::size_t>(rep);
                if (rep == 1) o.limits.screen_moving_ranges = true;
                if (rep == 2) o.limits.clip = false;
                const Series s = random_series(chart, 60 + 70 * static_cast<std::size_t>(rep), rng, 0.06, true, true,
                                               o.fix_after);
                expect_equivalent(o, s, std::string(spc::to_string(chart)) + " / " + rname + " / rep " + std::to_string(rep));
                if (HasFailure()) return;
            }
        }
    }
    // the data exercised every rule (each flagged many points)
    for (unsigned k = 0; k < 10; ++k)
        EXPECT_GT(rule_hits()[static_cast<RuleFlags>(1u << k)], 20u) << spc::rule_names[k];
}

TEST(ShewhartMonitor, ReplayEquivalencePresets) {
    std::mt19937_64 rng(7);
    for (auto preset : spc::chart_preset_names)
        for (ChartType chart : {ChartType::xmr, ChartType::p, ChartType::u, ChartType::c, ChartType::g, ChartType::t,
                                ChartType::run, ChartType::p_prime}) {
            const ShewhartOptions o = shewhart_preset(preset, chart, 15);
            for (int rep = 0; rep < 4; ++rep) {
                const Series s = random_series(chart, 150, rng, rep == 0 ? 0.0 : 0.08, rep != 3, rep != 2, 15);
                expect_equivalent(o, s, std::string(preset) + " / " + std::string(spc::to_string(chart)));
                if (HasFailure()) return;
            }
        }
}


// ---------------------------------------------------------------------------------------------
// Frozen limits given: the rule engine with constant lines

TEST(ShewhartMonitor, GivenLimitsMatchTheRuleEngine) {
    std::mt19937_64 rng(99);
    for (const auto& [rname, rules] : rule_variants()) {
        const Series s = random_series(ChartType::xmr, 300, rng, 0.05, false, false);
        ShewhartOptions o;
        o.rules = rules;
        o.improvement = Improvement::decrease;
        ChartLimits L;
        L.chart = ChartType::xmr;
        L.mean = L.centre = 0.25;
        L.sigma = 0.8;
        ShewhartMonitor m(o, L);
        std::vector<RuleFlags> flags(s.y.size());
        std::vector<PointType> types(s.y.size());
        for (std::size_t i = 0; i < s.y.size(); ++i) {
            const auto ev = m.push(s.y[i]);
            flags[i] = ev.flags;
            types[i] = ev.point_type;
            for (const auto& u : ev.updates) {
                flags[u.point] = u.flags;
                types[u.point] = u.point_type;
            }
        }
        const spc::RuleResult R = spc::apply_rules(s.y, L.lines(), rules, Improvement::decrease);
        for (std::size_t i = 0; i < s.y.size(); ++i) {
            ASSERT_EQ(flags[i] & ~whole_phase, R.flags[i] & ~whole_phase) << rname << " point " << i;
            ASSERT_EQ(types[i], R.point_type[i]) << rname << " point " << i;
        }
        if (rules.rules & whole_phase) {
            const auto ra = m.runs_analysis();
            ASSERT_TRUE(R.runs.has_value());
            EXPECT_EQ(ra.n_useful, R.runs->n_useful);
            EXPECT_EQ(ra.longest_run, R.runs->longest_run);
            EXPECT_EQ(ra.n_crossings, R.runs->n_crossings);
            EXPECT_EQ(ra.runs_signal, R.runs->runs_signal);
            EXPECT_EQ(flags.back() & whole_phase, R.flags.back() & whole_phase);
        }
    }
}

TEST(ShewhartMonitor, SignalsSayWhichPointsAPatternCovers) {
    // MDC rules, limits 0 ± 3: a shift of seven points above the centre, then a point outside
    ShewhartOptions o;
    ChartLimits L;
    L.mean = L.centre = 0.0;
    L.sigma = 1.0;
    L.options.sigma_multiplier = 3.0;
    ShewhartMonitor m(o, L);
    const double y[] = {-0.5, 0.5, 0.2, 0.4, 0.1, 0.3, 0.6, 0.7, 4.0};
    std::vector<ShewhartEvaluation> evs;
    std::vector<std::vector<Signal>> sig;
    std::vector<std::vector<PointUpdate>> upd;
    for (std::size_t i = 0; i < 9; ++i) {
        const auto ev = m.push(y[i], nan, 100 + static_cast<std::int64_t>(i));
        sig.emplace_back(ev.signals.begin(), ev.signals.end());
        upd.emplace_back(ev.updates.begin(), ev.updates.end());
        evs.push_back(ev);
    }
    // the shift completes at point 7 (points 1..7): a new signal, six earlier points updated
    ASSERT_EQ(sig[7].size(), 1u);
    EXPECT_EQ(sig[7][0].rule, spc::rules::shift);
    EXPECT_EQ(sig[7][0].first, 1u);
    EXPECT_EQ(sig[7][0].first_day, 101);
    EXPECT_EQ(sig[7][0].point, 7u);
    EXPECT_EQ(sig[7][0].direction, 1);
    EXPECT_FALSE(sig[7][0].continued);
    EXPECT_TRUE(evs[7].alarm);
    ASSERT_EQ(upd[7].size(), 6u);
    for (std::size_t k = 0; k < 6; ++k) {
        EXPECT_EQ(upd[7][k].point, k + 1);
        EXPECT_EQ(upd[7][k].flags, spc::rules::shift);
        EXPECT_EQ(upd[7][k].point_type, PointType::special_cause_improvement);
    }
    // point 8: outside (new) and the shift goes on (continued)
    ASSERT_EQ(sig[8].size(), 2u);
    EXPECT_EQ(sig[8][0].rule, spc::rules::outside_limits);
    EXPECT_FALSE(sig[8][0].continued);
    EXPECT_EQ(sig[8][1].rule, spc::rules::shift);
    EXPECT_TRUE(sig[8][1].continued);
    EXPECT_EQ(sig[8][1].first, 1u);
    EXPECT_EQ(evs[8].flags, spc::rules::outside_limits | spc::rules::shift);
    for (std::size_t i = 0; i < 7; ++i) EXPECT_TRUE(sig[i].empty());
}

TEST(ShewhartMonitor, LearnsItsBaselineThenEvaluatesIt) {
    const double y[] = {10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 9, 30, 10};
    ShewhartOptions o = shewhart_preset("mdc", ChartType::xmr, 12);
    ShewhartMonitor m(o);
    for (std::size_t i = 0; i < 11; ++i) {
        const auto ev = m.push(y[i]);
        EXPECT_TRUE(ev.learning);
        EXPECT_EQ(ev.flags, 0);
        EXPECT_TRUE(ev.signals.empty());
        if (i >= 1) {  // trial lines from the running mean and mean moving range
            double mean = 0, mr = 0;
            for (std::size_t j = 0; j <= i; ++j) mean += y[j];
            for (std::size_t j = 1; j <= i; ++j) mr += std::fabs(y[j] - y[j - 1]);
            mean /= static_cast<double>(i + 1);
            mr /= static_cast<double>(i);
            EXPECT_NEAR(ev.lines.centre, mean, 1e-12);
            EXPECT_NEAR(ev.lines.upper, mean + 2.66 * mr, 1e-12);
        }
    }
    EXPECT_TRUE(m.learning());
    EXPECT_EQ(m.baseline_held(), 11u);
    const auto ev = m.push(y[11]);
    EXPECT_FALSE(ev.learning);
    EXPECT_FALSE(m.learning());
    EXPECT_EQ(ev.updates.size(), 11u);  // every earlier baseline point is evaluated now
    const auto out = m.push(y[12]);
    EXPECT_EQ(out.flags & spc::rules::outside_limits, spc::rules::outside_limits);
    EXPECT_TRUE(out.alarm);
    // the same limits as the batch chart
    const auto L = learn_limits(ChartType::xmr, std::span<const double>(y, 12), {}, o.limits);
    EXPECT_SAME(m.limits().mean, L.mean);
    EXPECT_SAME(m.limits().sigma, L.sigma);
}

TEST(ShewhartMonitor, BadPointsAreRejectedAndLeaveTheMonitorUnchanged) {
    ShewhartMonitor m(shewhart_preset("mdc", ChartType::p, 3));
    m.push(5, 100, 10);
    try {
        m.push(120, 100, 11);
        FAIL();
    } catch (const qm::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("values[1]"), std::string::npos) << e.what();
    }
    EXPECT_THROW(m.push(5, -1, 11), qm::invalid_argument);
    EXPECT_THROW(m.push(2.5, 100, 11), qm::invalid_argument);
    try {
        m.push(5, 100, 10);  // not after the previous date
        FAIL();
    } catch (const qm::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("date[1]"), std::string::npos) << e.what();
    }
    EXPECT_EQ(m.size(), 1u);
    m.push(6, 100, 11);
    m.push(7, 90, 12);
    EXPECT_FALSE(m.learning());
    ShewhartMonitor x(shewhart_preset("mdc", ChartType::xmr, 5));
    EXPECT_THROW(x.push(std::numeric_limits<double>::infinity()), qm::invalid_argument);
    EXPECT_THROW(x.push(1.0, 10.0), qm::invalid_argument);  // an xmr chart takes no denominator
    EXPECT_THROW(ShewhartMonitor(ShewhartOptions{.fix_after = 0}), qm::invalid_argument);
    EXPECT_THROW(ShewhartMonitor(ShewhartOptions{.chart = ChartType::xbar_r, .fix_after = 5}), qm::invalid_argument);
}

TEST(ShewhartMonitor, AnhoejCrossingsLimitBeyondTheTable) {
    // the carried limit of a growing phase equals the library's at every n (steps of 1, and jumps)
    qm::monitor::detail::CrossingsLimitCache c;
    for (std::size_t n = 990; n < 2600; ++n) ASSERT_EQ(c.get(n), spc::anhoej_crossings_limit(n)) << n;
    for (std::size_t n : {5000u, 5001u, 5100u, 4000u, 4001u, 100000u})
        ASSERT_EQ(c.get(n), spc::anhoej_crossings_limit(n)) << n;
    // the band the push uses to skip the exact limit: within 3 of the normal approximation
    qm::monitor::detail::CrossingsLimitCache d;
    double worst = 0;
    for (std::size_t n = 1002; n < 60000; n += n < 10000 ? 1 : 11) {
        const double m = static_cast<double>(n - 1);
        const double approx = 0.5 * m - 0.8224268 * std::sqrt(m) - 0.5;
        worst = std::max(worst, std::fabs(static_cast<double>(d.get(n)) - approx));
    }
    EXPECT_LT(worst, 2.0);
}

TEST(ShewhartMonitor, MemoryStaysBounded) {
    ShewhartOptions o = shewhart_preset("mdc", ChartType::xmr, 12);
    o.rules = spc::rule_sets::nelson;
    o.rules.rules = spc::rules::all;
    ShewhartMonitor m(o);
    std::mt19937_64 rng(3);
    std::normal_distribution<double> N;
    std::size_t size_at_1000 = 0;
    for (std::size_t i = 0; i < 30000; ++i) {
        m.push(N(rng));
        if (i == 1000) size_at_1000 = m.save().size();
    }
    EXPECT_EQ(m.save().size(), size_at_1000);  // the state does not grow with the stream
}

// ---------------------------------------------------------------------------------------------
// CUSUM and EWMA: replay against the batch charts

std::vector<double> time_series(std::size_t n, std::mt19937_64& rng, double missing) {
    std::normal_distribution<double> N;
    std::uniform_real_distribution<double> U;
    std::vector<double> y(n);
    double level = 10;
    for (std::size_t i = 0; i < n; ++i) {
        if (U(rng) < 0.03) level = 10 + 2 * N(rng);
        y[i] = U(rng) < missing ? nan : level + N(rng);
    }
    return y;
}

TEST(CusumMonitor, ReplayMatchesTheBatchChart) {
    std::mt19937_64 rng(11);
    for (int rep = 0; rep < 40; ++rep) {
        const std::size_t n = 150;
        const auto y = time_series(n, rng, rep % 3 == 0 ? 0.0 : 0.07);
        std::vector<double> sizes(n);
        std::uniform_int_distribution<int> S(1, 5);
        for (auto& v : sizes) v = rep % 4 == 1 ? static_cast<double>(S(rng)) : 1.0;
        CusumMonitorOptions o;
        o.cusum.k = rep % 2 ? 0.5 : 0.25;
        o.cusum.h = rep % 5 == 0 ? 4.0 : 5.0;
        o.cusum.fast_initial_response = rep % 3 == 1;
        o.cusum.reset_after_signal = rep % 2 == 0;
        o.cusum.fix_after = 20;
        if (rep % 4 == 1) o.sigma = 1.0;  // subgroups: σ given, the mean learned
        if (rep % 7 == 3) o.target = 10.0, o.sigma = 1.0;
        spc::TimeWeightedSpec spec{.target = o.target, .sigma = o.sigma};
        if (rep % 4 == 1) spec.sizes = sizes;
        const spc::CusumResult B = spc::cusum(y, spec, o.cusum);
        CusumMonitor m(o);
        std::vector<std::uint8_t> flags(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto ev = m.push(y[i], sizes[i], static_cast<std::int64_t>(i));
            flags[i] = ev.point.flags;
            for (const auto& u : ev.updates) flags[u.point] = static_cast<std::uint8_t>(u.flags);
            if (!ev.learning) {
                EXPECT_SAME(ev.point.upper, B.upper_sum_std[i]);
                EXPECT_SAME(ev.point.lower, B.lower_sum_std[i]);
                EXPECT_EQ(ev.point.upper_run, B.upper_run[i]);
                if (y[i] == y[i]) {
                    EXPECT_SAME(ev.upper_sum, B.upper_sum[i]);
                    EXPECT_SAME(ev.decision_interval, B.decision_interval[i]);
                }
            }
        }
        for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(flags[i], B.flags[i]) << "rep " << rep << " point " << i;
        EXPECT_SAME(m.parameters().target, B.target[0]);
        EXPECT_SAME(m.parameters().sigma, B.sigma[0]);
    }
}

TEST(CusumMonitor, SignalCoversTheShiftSinceTheSumLeftZero) {
    CusumMonitorOptions o;
    o.target = 0;
    o.sigma = 1;
    o.cusum.h = 4;
    CusumMonitor m(o);
    const double y[] = {0.1, -0.3, 1.2, 1.5, 1.1, 1.8, 1.4, 1.6};
    std::vector<Signal> sig;
    for (std::size_t i = 0; i < 8; ++i) {
        const auto ev = m.push(y[i], 1.0, 500 + static_cast<std::int64_t>(i));
        sig.insert(sig.end(), ev.signals.begin(), ev.signals.end());
    }
    ASSERT_FALSE(sig.empty());
    EXPECT_EQ(sig[0].rule, spc::signal::upper);
    EXPECT_EQ(sig[0].first, 2u);  // C+ left zero at point 2
    EXPECT_EQ(sig[0].first_day, 502);
    EXPECT_FALSE(sig[0].continued);
    EXPECT_TRUE(sig.back().continued);
}

TEST(CusumMonitor, UnlearnableBaselineThrowsAndLeavesTheMonitorAsItWas) {
    CusumMonitorOptions o;
    o.cusum.fix_after = 3;
    CusumMonitor m(o);
    m.push(5);
    m.push(5);
    EXPECT_EQ(m.trial_parameters().first, 5.0);  // running mean (Boost.Accumulators feature)
    EXPECT_EQ(m.trial_parameters().second, 0.0);
    EXPECT_THROW(m.push(5), qm::invalid_argument);  // no variation: σ cannot be estimated
    EXPECT_EQ(CusumMonitor::restore(m.save()).trial_parameters().first, 5.0);  // rebuilt on restore
    EXPECT_TRUE(m.learning());
    EXPECT_EQ(m.size(), 2u);
    const auto ev = m.push(6);
    EXPECT_FALSE(ev.learning);
}

TEST(EwmaMonitor, ReplayMatchesTheBatchChart) {
    std::mt19937_64 rng(12);
    for (int rep = 0; rep < 30; ++rep) {
        const std::size_t n = 200;
        const auto y = time_series(n, rng, rep % 3 == 0 ? 0.0 : 0.05);
        EwmaMonitorOptions o;
        o.ewma.lambda = rep % 3 == 0 ? 0.2 : (rep % 3 == 1 ? 0.1 : 1.0);
        o.ewma.limit_sigmas = rep % 2 ? 3.0 : 2.7;
        o.ewma.limits = static_cast<spc::EwmaLimits>(rep % 3);
        o.ewma.fix_after = 25;
        if (rep % 5 == 2) o.target = 10.0, o.sigma = 1.2;
        const spc::EwmaResult B = spc::ewma(y, {.target = o.target, .sigma = o.sigma}, o.ewma);
        EwmaMonitor m(o);
        std::vector<std::uint8_t> flags(n);
        std::vector<double> z(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto ev = m.push(y[i]);
            flags[i] = ev.point.flags;
            for (const auto& u : ev.updates) flags[u.point] = static_cast<std::uint8_t>(u.flags);
            if (!ev.learning) {
                EXPECT_SAME(ev.point.statistic, B.statistic[i]);
                EXPECT_SAME(ev.point.upper, B.upper[i]);
                EXPECT_SAME(ev.point.lower, B.lower[i]);
            }
        }
        for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(flags[i], B.flags[i]) << "rep " << rep << " point " << i;
    }
}

// ---------------------------------------------------------------------------------------------
// Outcome monitors: hand calculations (tests/reference/monitor/, make_hand_calculations.py)

struct Csv {
    std::map<std::string, std::vector<std::string>> meta;
    std::vector<std::string> header;
    std::vector<std::vector<double>> rows;
    std::vector<double> col(const std::string& name) const {
        const auto c = static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
        if (c == header.size()) throw std::runtime_error("no column " + name);
        std::vector<double> out;
        for (const auto& r : rows) out.push_back(r.at(c));
        return out;
    }
};

Csv read_csv(const std::string& file) {
    std::ifstream in(std::string(QM_REFERENCE_DIR) + "/monitor/" + file);
    if (!in) throw std::runtime_error("cannot open " + file);
    Csv c;
    std::string line;
    auto split = [](const std::string& s) {
        std::vector<std::string> out;
        std::stringstream ss(s);
        std::string f;
        while (std::getline(ss, f, ',')) out.push_back(f);
        return out;
    };
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("#published_", 0) == 0) {
            auto f = split(line.substr(11));
            const std::string key = f.front();
            f.erase(f.begin());
            c.meta[key] = f;
            continue;
        }
        if (line.empty() || line[0] == '#') continue;
        if (c.header.empty()) {
            c.header = split(line);
            continue;
        }
        std::vector<double> r;
        for (const auto& f : split(line)) r.push_back(f == "nan" ? nan : std::stod(f));
        c.rows.push_back(r);
    }
    return c;
}

void expect_close(double got, double want, double tol, const std::string& what) {
    EXPECT_LE(std::fabs(got - want), tol * std::max(1.0, std::fabs(want))) << what << ": got " << got << ", want " << want;
}

TEST(RiskAdjustedCusum, HandCalculationSteiner2000) {
    const Csv c = read_csv("risk_adjusted_cusum_hand.csv");
    const auto score = c.col("parsonnet"), y = c.col("death"), p_ref = c.col("risk");
    std::vector<double> p(score.size());
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = 1.0 / (1.0 + std::exp(-(-3.67 + 0.077 * score[i])));
    for (std::size_t i = 0; i < p.size(); ++i) expect_close(p[i], p_ref[i], 1e-14, "risk");
    RiskAdjustedCusumOptions o;
    o.h_upper = 2;
    o.h_lower = 2;
    const auto r = risk_adjusted_cusum(y, p, o);
    const auto wu = c.col("weight_upper"), wl = c.col("weight_lower"), up = c.col("upper"), lo = c.col("lower"),
               fl = c.col("flags");
    RiskAdjustedCusumMonitor m(o);
    for (std::size_t i = 0; i < y.size(); ++i) {
        const std::string at = "case " + std::to_string(i);
        expect_close(r.weight_upper[i], wu[i], 1e-13, at + " weight_upper");
        expect_close(r.weight_lower[i], wl[i], 1e-13, at + " weight_lower");
        expect_close(r.upper[i], up[i], 1e-13, at + " upper");
        expect_close(r.lower[i], lo[i], 1e-13, at + " lower");
        EXPECT_EQ(r.flags[i], static_cast<std::uint8_t>(fl[i])) << at;
        const auto ev = m.push(y[i], p[i]);  // the monitor: the same numbers, bit for bit
        EXPECT_SAME(ev.point.upper, r.upper[i]);
        EXPECT_SAME(ev.point.lower, r.lower[i]);
        EXPECT_EQ(ev.point.flags, r.flags[i]);
    }
    // R0 = 1: the general weight is y ln R_A − ln(1 − p + R_A p)
    for (double pp : {0.01, 0.2, 0.7})
        for (double yy : {0.0, 1.0})
            expect_close(risk_adjusted_weight(yy, pp, 2.0), yy * std::log(2.0) - std::log(1 - pp + 2 * pp), 1e-15,
                         "closed form");
}

TEST(Vlad, HandCalculation) {
    const Csv c = read_csv("vlad_hand.csv");
    const auto y = c.col("death"), p = c.col("risk");
    VladOptions o;
    o.mean_risk = std::stod(c.meta.at("mean_risk").at(0));
    o.h_deterioration = 1.2;
    const auto r = vlad(y, p, o);
    expect_close(r.parameters.k_deterioration, std::stod(c.meta.at("k").at(0)), 1e-14, "k");
    const auto eo = c.col("eo"), v = c.col("vlad"), lo = c.col("lower"), fl = c.col("flags");
    VladMonitor m(o);
    for (std::size_t i = 0; i < y.size(); ++i) {
        const std::string at = "case " + std::to_string(i);
        expect_close(r.eo[i], eo[i], 1e-15, at + " eo");
        expect_close(r.vlad[i], v[i], 1e-14, at + " vlad");
        expect_close(r.lower[i], lo[i], 1e-13, at + " lower");
        EXPECT_EQ(r.flags[i], static_cast<std::uint8_t>(fl[i])) << at;
        const auto ev = m.push(y[i], p[i]);
        EXPECT_SAME(ev.point.vlad, r.vlad[i]);
        EXPECT_EQ(ev.point.flags, r.flags[i]);
        if (r.flags[i]) {
            ASSERT_EQ(ev.signals.size(), 1u);
            EXPECT_EQ(ev.signals[0].direction, 1);  // more deaths than expected
            EXPECT_EQ(ev.point_type, PointType::special_cause_concern);
        }
    }
    EXPECT_NEAR(vlad_optimal_k(0.1, 0.5), 0.1 * (1 - 0.5 + std::log(0.5)) / std::log(0.5), 1e-16);
}

TEST(BernoulliCusum, HandCalculationAsQicharts2Bchart) {
    const Csv c = read_csv("bernoulli_cusum_hand.csv");
    const auto x = c.col("x");
    BernoulliCusumOptions o;
    o.target = 0.1;
    const auto r = bernoulli_cusum(x, o);
    expect_close(r.p1, std::stod(c.meta.at("p1").at(0)), 1e-15, "p1");
    expect_close(r.p2, std::stod(c.meta.at("p2").at(0)), 1e-15, "p2");
    const auto us = c.col("upper_score"), ls = c.col("lower_score"), up = c.col("upper"), lo = c.col("lower"),
               fl = c.col("flags");
    BernoulliCusumMonitor m(o);
    std::size_t signals = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const std::string at = "case " + std::to_string(i);
        expect_close(r.upper_score[i], us[i], 1e-14, at + " upper_score");
        expect_close(r.lower_score[i], ls[i], 1e-14, at + " lower_score");
        expect_close(r.upper[i], up[i], 1e-12, at + " upper");
        expect_close(r.lower[i], lo[i], 1e-12, at + " lower");
        EXPECT_EQ(r.flags[i], static_cast<std::uint8_t>(fl[i])) << at;
        const auto ev = m.push(x[i]);
        EXPECT_SAME(ev.upper, r.upper[i]);
        EXPECT_SAME(ev.lower, r.lower[i]);
        EXPECT_EQ(ev.flags, r.flags[i]);
        signals += ev.signals.size();
    }
    EXPECT_EQ(signals, 2u);  // the lower chart at case 69, the upper at case 83
    // p0 from a baseline (qicharts2 target > 1): the event rate of the first cases, drawn over them too
    BernoulliCusumOptions b;
    b.baseline = 20;
    EXPECT_THROW(bernoulli_cusum(x, b), qm::insufficient_data);  // no event in x[0..20): p0 = 0
    BernoulliCusumMonitor none(b);
    for (int i = 0; i < 19; ++i) none.push(0.0);
    EXPECT_THROW(none.push(0.0), qm::insufficient_data);
    EXPECT_TRUE(none.learning());
    std::vector<double> y = x;
    y[3] = 1;
    y[9] = 1;
    const auto rb2 = bernoulli_cusum(y, b);
    EXPECT_DOUBLE_EQ(rb2.p0, 0.1);
    BernoulliCusumMonitor mb(b);
    std::vector<std::uint8_t> flags(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) {
        const auto ev = mb.push(y[i]);
        flags[i] = ev.flags;
        for (const auto& u : ev.updates) flags[u.point] = static_cast<std::uint8_t>(u.flags);
    }
    for (std::size_t i = 0; i < y.size(); ++i) EXPECT_EQ(flags[i], rb2.flags[i]) << i;
}

// ---------------------------------------------------------------------------------------------
// Serialisation

template <class Monitor, class Push>
void check_round_trip(Monitor fresh, std::size_t n, std::size_t cut, Push push, const char* what) {
    SCOPED_TRACE(what);
    Monitor a = fresh, b = fresh;
    std::vector<std::string> out_a, out_b;
    for (std::size_t i = 0; i < cut; ++i) {
        out_a.push_back(push(a, i));
        out_b.push_back(push(b, i));
    }
    Monitor from_bytes = Monitor::restore(b.save());
    Monitor from_json = Monitor::from_json(b.to_json());
    EXPECT_EQ(from_bytes.save(), b.save());
    EXPECT_EQ(from_json.save(), b.save());
    EXPECT_EQ(Monitor::from_json(from_json.to_json()).to_json(), b.to_json());
    for (std::size_t i = cut; i < n; ++i) {
        const std::string x = push(a, i);
        ASSERT_EQ(push(from_bytes, i), x) << "point " << i << " after a byte-string restore";
        ASSERT_EQ(push(from_json, i), x) << "point " << i << " after a JSON restore";
    }
}

std::string describe(const std::span<const Signal> s, const std::span<const PointUpdate> u) {
    std::ostringstream o;
    o.precision(17);
    for (const auto& x : s) o << " S" << x.point << "," << x.first << "," << x.rule << "," << int(x.direction) << "," << x.continued;
    for (const auto& x : u) o << " U" << x.point << "," << x.flags << "," << int(x.point_type);
    return o.str();
}

TEST(Serialisation, SaveRestoreMidStreamGivesIdenticalOutput) {
    std::mt19937_64 rng(5);
    for (int rep = 0; rep < 6; ++rep) {
        for (ChartType chart : {ChartType::xmr, ChartType::p, ChartType::u, ChartType::mr, ChartType::g}) {
            const Series s = random_series(chart, 140, rng, 0.06, false, true);
            ShewhartOptions o = shewhart_preset(rep % 2 ? "qicharts2" : "mdc", chart, 15);
            if (rep >= 4) o.rules = spc::rule_sets::nelson, o.rules.rules = spc::rules::all;
            const std::size_t cut = rep == 0 ? 7 : 20 + 17 * static_cast<std::size_t>(rep);
            check_round_trip(ShewhartMonitor(o), s.y.size(), cut,
                             [&](ShewhartMonitor& m, std::size_t i) {
                                 const auto ev = m.push(s.y[i], s.d.empty() ? nan : s.d[i],
                                                        static_cast<std::int64_t>(i), s.excl[i] != 0);
                                 std::ostringstream out;
                                 out.precision(17);
                                 out << ev.statistic << " " << ev.lines.upper << " " << ev.flags << " "
                                     << int(ev.point_type) << describe(ev.signals, ev.updates);
                                 return out.str();
                             },
                             spc::to_string(chart).data());
        }
        const auto y = time_series(120, rng, 0.05);
        CusumMonitorOptions co;
        co.cusum.fix_after = 15;
        co.cusum.reset_after_signal = rep % 2 == 0;
        check_round_trip(CusumMonitor(co), y.size(), 10 + 10 * static_cast<std::size_t>(rep),
                         [&](CusumMonitor& m, std::size_t i) {
                             const auto ev = m.push(y[i]);
                             std::ostringstream out;
                             out.precision(17);
                             out << ev.point.upper << " " << ev.point.lower << " " << int(ev.point.flags)
                                 << describe(ev.signals, ev.updates);
                             return out.str();
                         },
                         "cusum");
        EwmaMonitorOptions eo;
        eo.ewma.fix_after = 15;
        check_round_trip(EwmaMonitor(eo), y.size(), 10 + 10 * static_cast<std::size_t>(rep),
                         [&](EwmaMonitor& m, std::size_t i) {
                             const auto ev = m.push(y[i]);
                             std::ostringstream out;
                             out.precision(17);
                             out << ev.point.statistic << " " << ev.point.upper << " " << int(ev.point.flags)
                                 << describe(ev.signals, ev.updates);
                             return out.str();
                         },
                         "ewma");
        std::uniform_real_distribution<double> U;
        std::vector<double> risk(300), outcome(300);
        for (std::size_t i = 0; i < 300; ++i) {
            risk[i] = 0.02 + 0.3 * U(rng);
            outcome[i] = U(rng) < risk[i] * (i > 150 ? 2.5 : 1.0) ? 1.0 : 0.0;
            if (U(rng) < 0.02) outcome[i] = nan;
        }
        BernoulliCusumOptions bo;
        bo.baseline = 40;
        check_round_trip(BernoulliCusumMonitor(bo), 300, 25 + 30 * static_cast<std::size_t>(rep),
                         [&](BernoulliCusumMonitor& m, std::size_t i) {
                             const auto ev = m.push(outcome[i]);
                             std::ostringstream out;
                             out.precision(17);
                             out << ev.upper << " " << ev.lower << " " << int(ev.flags) << describe(ev.signals, ev.updates);
                             return out.str();
                         },
                         "bernoulli");
        RiskAdjustedCusumOptions ro;
        ro.h_upper = 2.5;
        check_round_trip(RiskAdjustedCusumMonitor(ro), 300, 30 + 40 * static_cast<std::size_t>(rep),
                         [&](RiskAdjustedCusumMonitor& m, std::size_t i) {
                             const auto ev = m.push(outcome[i], risk[i]);
                             std::ostringstream out;
                             out.precision(17);
                             out << ev.point.upper << " " << ev.point.lower << " " << int(ev.point.flags)
                                 << describe(ev.signals, {});
                             return out.str();
                         },
                         "risk adjusted");
        VladOptions vo;
        vo.mean_risk = 0.17;
        vo.h_deterioration = 2.0;
        vo.h_improvement = 2.0;
        check_round_trip(VladMonitor(vo), 300, 30 + 40 * static_cast<std::size_t>(rep),
                         [&](VladMonitor& m, std::size_t i) {
                             const auto ev = m.push(outcome[i], risk[i]);
                             std::ostringstream out;
                             out.precision(17);
                             out << ev.point.vlad << " " << ev.point.upper << " " << ev.point.lower << " "
                                 << int(ev.point.flags) << describe(ev.signals, {});
                             return out.str();
                         },
                         "vlad");
    }
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const qm::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Serialisation, DamagedForeignAndWrongVersionStatesAreRejected) {
    ShewhartMonitor m(shewhart_preset("mdc", ChartType::xmr, 12));
    for (int i = 0; i < 30; ++i) m.push(std::sin(i * 1.3) + (i > 20 ? 2.0 : 0.0), nan, 19000 + 31 * i);
    const std::string good = m.save();
    EXPECT_NO_THROW(ShewhartMonitor::restore(good));
    // truncated: every shorter prefix
    for (std::size_t len = 0; len < good.size(); ++len) {
        const std::string e = error_of([&] { ShewhartMonitor::restore(good.substr(0, len)); });
        ASSERT_TRUE(contains(e, "state: truncated") || (len < 4 && contains(e, "state:"))) << len << ": " << e;
    }
    // any changed byte: corrupted (or, in the header, foreign / wrong version / wrong kind)
    for (std::size_t at = 0; at < good.size(); ++at) {
        std::string bad = good;
        bad[at] = static_cast<char>(bad[at] ^ 0x20);
        const std::string e = error_of([&] { ShewhartMonitor::restore(bad); });
        ASSERT_TRUE(contains(e, "state: ")) << at << ": " << e;
    }
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::restore(good + "x"); }), "unexpected bytes"));
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::restore("hello, world: this is not a state"); }),
                         "not a qualitymetrics monitor state"));
    // another version, with a valid checksum
    auto rechecksum = [](std::string s) {
        const std::uint64_t h = qm::monitor::detail::state::fnv1a(std::string_view(s).substr(0, s.size() - 8));
        for (int k = 0; k < 8; ++k) s[s.size() - 8 + static_cast<std::size_t>(k)] = static_cast<char>((h >> (8 * k)) & 0xff);
        return s;
    };
    std::string v2 = good;
    v2[4] = 2;
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::restore(rechecksum(v2)); }),
                         "version 2 is not supported (this build of qualitymetrics reads version 1)"));
    EXPECT_EQ(state_kind(good), MonitorKind::shewhart);
    CusumMonitorOptions co;
    co.target = 0;
    co.sigma = 1;
    const std::string cus = CusumMonitor(co).save();
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::restore(cus); }), "this is a cusum monitor state, not a shewhart one"));
    // a payload edited consistently (checksum recomputed) that breaks an invariant
    std::string inv = good;
    // learning flag lives after options and limits; flip the index counter's low byte instead: find it by
    // re-encoding with a different index is awkward, so corrupt the stored baseline length field semantics
    // through JSON below.
    (void)inv;

    // JSON: a changed value, a missing field, a wrong type, another version, truncated text
    const std::string js = m.to_json();
    EXPECT_NO_THROW(ShewhartMonitor::from_json(js));
    auto replace = [](std::string s, const std::string& from, const std::string& to) {
        const auto at = s.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return s.replace(at, from.size(), to);
    };
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::from_json(replace(js, "\"index\":30", "\"index\":31")); }),
                         "checksum mismatch"));
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::from_json(replace(js, "\"index\":30,", "")); }),
                         "field 'state/index' is missing"));
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::from_json(replace(js, "\"index\":30", "\"index\":\"30\"")); }),
                         "field 'state/index' must be an integer"));
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::from_json(replace(js, "\"version\":1", "\"version\":7")); }),
                         "version 7 is not supported"));
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::from_json(js.substr(0, js.size() / 2)); }), "invalid JSON"));
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::from_json("{\"a\": 1}"); }), "not a qualitymetrics monitor state"));
    EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::from_json(CusumMonitor(co).to_json()); }),
                         "this is a cusum monitor state, not a shewhart one"));
    // an invariant broken with a valid checksum: the JSON re-encoded by hand
    {
        auto j = nlohmann::json::parse(js);
        j["state"]["phase_begin"] = 99;
        ShewhartMonitor probe;
        qm::monitor::detail::state::JsonIn in(j["state"], "state");
        probe.visit(in);
        j["checksum"] = qm::monitor::detail::state::hex64(qm::monitor::detail::state::fnv1a(probe.save().substr(12, probe.save().size() - 20)));
        EXPECT_TRUE(contains(error_of([&] { ShewhartMonitor::from_json(j.dump()); }), "corrupted: the phase begins after the last point"))
            << error_of([&] { ShewhartMonitor::from_json(j.dump()); });
    }
}

// ---------------------------------------------------------------------------------------------
// Decision thresholds

TEST(Arl, MarkovChainMatchesMontgomeryTables) {
    const Csv c = read_csv("cusum_arl_montgomery.csv");
    const auto shift = c.col("shift"), h4 = c.col("arl_h4"), h5 = c.col("arl_h5");
    auto printed = [](double got, double want) {  // 3 significant digits as printed
        const double scale = std::pow(10.0, std::floor(std::log10(want)) - 2);
        return std::fabs(got - want) <= 0.5 * scale + 1e-9;
    };
    for (std::size_t i = 0; i < shift.size(); ++i) {
        const double a4 = cusum_arl(0.5, 4.0, shift[i]), a5 = cusum_arl(0.5, 5.0, shift[i]);
        EXPECT_TRUE(printed(a4, h4[i])) << "shift " << shift[i] << " h 4: " << a4 << " vs " << h4[i];
        EXPECT_TRUE(printed(a5, h5[i])) << "shift " << shift[i] << " h 5: " << a5 << " vs " << h5[i];
        // Siegmund's approximation as a cross-check (within 3% for shifts up to 1σ)
        if (shift[i] <= 1.0) {
            EXPECT_NEAR(cusum_arl_siegmund(0.5, 4.0, shift[i]) / a4, 1.0, 0.03) << shift[i];
            EXPECT_NEAR(cusum_arl_siegmund(0.5, 5.0, shift[i]) / a5, 1.0, 0.03) << shift[i];
        }
    }
    const auto& ks = c.meta.at("table_9_4_k");
    const auto& hs = c.meta.at("table_9_4_h");
    for (std::size_t j = 0; j < ks.size(); ++j) {
        const double h = cusum_threshold(370.0, std::stod(ks[j]));
        EXPECT_NEAR(h, std::stod(hs[j]), 0.0101) << "k = " << ks[j];
        EXPECT_NEAR(cusum_arl(std::stod(ks[j]), h), 370.0, 0.5);
    }
    // one-sided: twice the two-sided in control; a head start shortens the run length
    EXPECT_NEAR(cusum_arl(0.5, 5.0, 0.0, CusumSides::upper), 2 * cusum_arl(0.5, 5.0), 1e-6);
    EXPECT_LT(cusum_arl(0.5, 5.0, 1.0, CusumSides::two_sided, 2.5), cusum_arl(0.5, 5.0, 1.0));
}

TEST(Arl, FalseAlarmProbabilityAndItsThreshold) {
    const double p60 = cusum_false_alarm_probability(0.5, 5.0, 60);
    // a geometric-like run length with mean 465: P(RL <= 60) is a little below 1 − (1 − 1/465)^60
    EXPECT_GT(p60, 0.05);
    EXPECT_LT(p60, 1 - std::pow(1 - 1 / 465.0, 60));
    EXPECT_LT(cusum_false_alarm_probability(0.5, 5.0, 30), p60);
    const double h = cusum_threshold_for_false_alarm(0.05, 60, 0.5);
    EXPECT_NEAR(cusum_false_alarm_probability(0.5, h, 60), 0.05, 1e-4);
    EXPECT_GT(h, 5.0);
}

TEST(Arl, ScoreCusumsMarkovChainAgainstSeededSimulation) {
    // Bernoulli CUSUM of the upper chart (p0 = 5%, OR = 2) and a risk-adjusted chart over a patient mix
    const ScoreDistribution b = bernoulli_scores(0.05, 2.0);
    for (double h : {2.0, 3.5}) {
        const double mc = score_cusum_arl(b, h);
        const SimulatedArl sim = simulate_score_cusum_arl(b, h, 2000, 20240601);
        EXPECT_NEAR(mc / sim.arl, 1.0, std::max(0.02, 3 * sim.standard_error / sim.arl)) << "h " << h << ": chain " << mc
                                                                                          << ", simulation " << sim.arl;
        EXPECT_EQ(sim.censored, 0u);
    }
    std::vector<double> risks;
    for (int s = 0; s <= 60; s += 3) risks.push_back(1.0 / (1.0 + std::exp(3.67 - 0.077 * s)));
    const ScoreDistribution ra = risk_adjusted_scores(risks, 2.0);
    const double mc = score_cusum_arl(ra, 3.0);
    const SimulatedArl sim = simulate_score_cusum_arl(ra, 3.0, 2000, 7);
    EXPECT_NEAR(mc / sim.arl, 1.0, std::max(0.03, 3 * sim.standard_error / sim.arl)) << mc << " vs " << sim.arl;
    // the threshold for a chosen ARL0, back through the chain
    const double h = score_cusum_threshold(ra, 1000.0);
    EXPECT_NEAR(score_cusum_arl(ra, h), 1000.0, 1.0);
    // the same seed gives the same simulation
    EXPECT_EQ(simulate_score_cusum_arl(ra, 2.0, 200, 42).arl, simulate_score_cusum_arl(ra, 2.0, 200, 42).arl);
    // qicharts2's defaults: both charts of bchart, p0 = 0.05
    const double both = bernoulli_cusum_arl(0.05, 2.0, 3.5);
    EXPECT_LT(both, score_cusum_arl(bernoulli_scores(0.05, 2.0), 3.5));
    EXPECT_GT(both, 100.0);
    EXPECT_THROW(score_cusum_arl(ScoreDistribution{{-1.0}, {1.0}}, 2.0), qm::invalid_argument);
    EXPECT_THROW(cusum_threshold(0.5), qm::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Retrospective review and control vs assurance

TEST(Review, ControlGoalAndChange) {
    // 12 baseline months around 0.90, then a sustained fall to 0.85 (a shift, concern for an
    // increase measure); goal 0.95 is above every limit (consistent fail)
    std::vector<double> y;
    for (int i = 0; i < 12; ++i) y.push_back(0.90 + (i % 2 ? 0.004 : -0.004) + 0.001 * (i % 3));
    for (int i = 0; i < 12; ++i) y.push_back(0.85 + (i % 2 ? 0.004 : -0.004));
    ReviewOptions o{shewhart_preset("mdc", ChartType::xmr, 12)};
    const ReviewTable t = review(y, {}, 0.95, o);
    ASSERT_EQ(t.groups(), 1u);
    EXPECT_EQ(t.period_begin[0], 12u);
    EXPECT_EQ(t.period_end[0], 24u);
    EXPECT_EQ(t.n_points[0], 12u);
    EXPECT_FALSE(t.control_maintained[0]);
    EXPECT_EQ(t.n_special_cause_concern[0], 12u);
    EXPECT_TRUE(t.changed[0]);
    EXPECT_EQ(t.change_direction[0], -1);
    EXPECT_EQ(t.n_meeting_goal[0], 0u);
    EXPECT_EQ(t.share_meeting_goal[0], 0.0);
    EXPECT_EQ(t.assurance_icon[0], AssuranceIcon::consistent_fail);
    EXPECT_LT(t.capability[0], -1.0);
    EXPECT_LT(t.p_meet[0], 0.001);
    EXPECT_LT(t.shift_sigma[0], -3.0);
    EXPECT_EQ(t.share_in_control[0], 0.0);
    EXPECT_FALSE(t.signal_rule.empty());
    // the signal episodes are in the period and point down
    for (std::size_t k = 0; k < t.signal_rule.size(); ++k) {
        EXPECT_GE(t.signal_first[k], 12u);
        if (t.signal_rule[k] != spc::rules::trend) {
            EXPECT_EQ(t.signal_direction[k], -1);
        }
    }
    // a stable period: in control, no change, intervals cover the period
    std::vector<double> z(y.begin(), y.begin() + 12);
    z.insert(z.end(), y.begin(), y.begin() + 12);
    const ReviewTable u = review(z, {}, 0.85, o);
    EXPECT_TRUE(u.control_maintained[0]);
    EXPECT_FALSE(u.changed[0]);
    EXPECT_EQ(u.assurance_icon[0], AssuranceIcon::consistent_pass);
    EXPECT_EQ(u.share_in_control[0], 1.0);
    ASSERT_EQ(u.interval_first.size(), 1u);
    EXPECT_EQ(u.interval_first[0], 12u);
    EXPECT_EQ(u.interval_last[0], 23u);
    EXPECT_EQ(u.longest_in_control[0], 12u);
    EXPECT_GT(u.capability[0], 1.0);
}

TEST(ControlVsAssurance, FirstSignalDelayAndAgreement) {
    // group 0: a shift down after the baseline (control sees it; the goal fails) -> both
    // group 1: stable, goal far below (neither); group 2: stable but the goal sits inside the
    // limits (hit and miss: only assurance); group 3: an improvement shift, goal far below ->
    // a signal, but not of concern (neither)
    std::vector<double> y;
    std::vector<std::int64_t> days;
    std::vector<std::size_t> off{0};
    auto stable = [](int i) { return 0.90 + (i % 2 ? 0.004 : -0.004) + 0.001 * (i % 3); };
    for (int g = 0; g < 4; ++g) {
        for (int i = 0; i < 30; ++i) {
            double v = stable(i);
            if (g == 0 && i >= 18) v -= 0.05;
            if (g == 3 && i >= 18) v += 0.05;
            y.push_back(v);
            days.push_back(17000 + 30 * i);
        }
        off.push_back(y.size());
    }
    const double goals[] = {0.95, 0.5, 0.90, 0.5};
    ControlAssuranceOptions o;
    o.chart = shewhart_preset("mdc", ChartType::xmr, 12);
    const auto t = control_vs_assurance({.values = y, .days = days, .offsets = off, .goals = goals}, o);
    EXPECT_EQ(t.agreement[0], Agreement::both);
    EXPECT_EQ(t.first_signal_row[0], 18u);  // the first point of the fall is below the lower limit
    EXPECT_EQ(t.first_signal_pattern_start[0], 18u);
    EXPECT_EQ(t.first_signal_rules[0], spc::rules::outside_limits);
    EXPECT_EQ(t.first_signal_direction[0], -1);
    EXPECT_EQ(t.first_signal_day[0], 17000 + 30 * 18);
    EXPECT_SAME(t.first_signal_value[0], y[18]);
    EXPECT_EQ(t.verdict_row[0], 29u);
    EXPECT_EQ(t.delay_points[0], 11.0);
    EXPECT_EQ(t.delay_days[0], 330.0);
    EXPECT_GE(t.n_alarms[0], 1u);
    EXPECT_EQ(t.agreement[1], Agreement::neither);
    EXPECT_EQ(t.agreement[2], Agreement::only_assurance);
    EXPECT_EQ(t.review.assurance_icon[2], AssuranceIcon::hit_and_miss);
    EXPECT_EQ(t.agreement[3], Agreement::neither);  // the improvement is not a problem...
    o.control = ControlCriterion::any;
    const auto any = control_vs_assurance({.values = y, .days = days, .offsets = off, .goals = goals}, o);
    EXPECT_EQ(any.agreement[3], Agreement::only_control);  // ...unless every signal counts
    // the per-point alarms are where the monitor raised them
    EXPECT_EQ(t.alarm[off[0] + 18], 1);
    EXPECT_EQ(t.raised[off[0] + 24] & spc::rules::shift, spc::rules::shift);  // the shift completes at row 24
    EXPECT_EQ(t.alarm[off[0] + 24], 1);
    EXPECT_EQ(t.alarm[off[0] + 25], 0);  // it goes on: not a new alarm
    // replay equivalence of the review's baseline view with the monitor's live flags at the end
    EXPECT_THROW(control_vs_assurance({.values = y, .offsets = off}, ControlAssuranceOptions{}), qm::invalid_argument);
}

}  // namespace
