#pragma once
// qm/monitor/review.hpp — the retrospective review (quality assurance): after a period of
// operations, was control maintained, did performance meet the goal, and is the process now
// different from its baseline — for one indicator or thousands, with the definitions the live
// monitors use.
//
// Synopsis
//   struct qm::monitor::ReviewInput   { values; denominators; offsets; goals; period_begin;
//                                       period_end; exclude }                         long format
//   struct qm::monitor::ReviewOptions { chart (ShewhartOptions: chart, limits, rules,
//                                       improvement, fix_after = the baseline length) }
//   struct qm::monitor::ReviewTable   per group (below), one row per signal episode, one row per
//                                     in-control interval, and per-point columns
//   ReviewTable qm::monitor::review_grouped(const ReviewInput&, const ReviewOptions&, unsigned threads = 0)
//   ReviewTable qm::monitor::review(span<const double> values, span<const double> denominators,
//                                   double goal, const ReviewOptions&)                one series
//
// Two views of each indicator, both computed by qm::spc::chart_grouped:
//   against the baseline   the rows from the start of the series to the end of the period, the
//                          limits frozen from the first fix_after rows (the limits in force during
//                          operations — what the live monitor judged each point against);
//   the period's own chart the rows of the period alone, limits from all of them (the process as
//                          it ran in the period — what its capability is judged on).
// The period defaults to the rows after the baseline (fix_after) up to the end of the series;
// period_begin / period_end give it per group (rows counted within the group; npos: default). With
// fix_after = 0 there is no baseline: the baseline view is the period's own chart and the change
// measures are NaN.
//
// Per group:
//   1. Was control maintained (against the baseline, rows of the period):
//      n_flagged (points with any rule flag), n_special_cause_improvement / _concern / _neutral
//      (point types), signal episodes (one per maximal run of consecutive points flagged by one
//      rule in one direction: rule, first and last row, direction, point type), in-control
//      intervals (maximal runs of non-missing points without any flag; missing points neither
//      break nor join them), share_in_control (unflagged / non-missing points), longest_in_control,
//      control_maintained (no special-cause concern; for a neutral measure, no special cause).
//   2. Did performance meet the goal (the period's points and its own chart):
//      n_assessed (non-missing statistics), n_meeting_goal (statistic ≥ goal for an increase
//      measure, ≤ for a decrease measure), share_meeting_goal; mean and sd_overall of the
//      statistics (Boost.Accumulators, sample SD); centre, lower, upper and sd_within at the
//      period's last point (sd_within = the distance from the centre to its 1σ line: the chart's own
//      σ̂, e.g. mR̄/1.128, or 2.66·mR̄/3 with MDC's constant); capability C_T =
//      qm::assurance::target_index: (centre − goal), oriented by the improvement direction, over the
//      distance from the centre to the limit on the goal's side — (centre − goal)/(3σ̂) with symmetric
//      limits, a one-sided capability index against the goal (C_T > 1 ⇔ the goal lies beyond the
//      limits ⇔ consistent pass, < −1 consistent fail); performance P_T = (mean − goal)/(3·sd_overall),
//      oriented; p_meet = Φ(3·C_T), the normal
//      probability that a point meets the goal; assurance_icon (the goal against the limits at the
//      last point, MDC) and variation_icon (the last point's type) of the period's own chart. NaN
//      (icon none) without a goal or for a neutral measure.
//   3. Is the process now different from the baseline: changed (a special cause — any point type
//      other than common cause — in the period against the baseline limits), change_direction (+1
//      high / −1 low, of the latest one), latest_point_type (the last point against the baseline),
//      baseline_centre and baseline_sigma (its σ̂, at the period's first point), shift_sigma =
//      (mean of the period's statistics − baseline_centre)/baseline_sigma.
// Per point (every input row): the statistic, lines, flags and point type against the baseline
// (NaN / 0 after the period), in_period, and the period's own centre and limits (NaN outside it).
// The per-group summaries run in parallel over groups, after the two grouped chart calls.
//
// Bad input throws qm::invalid_argument naming the argument and row (as chart_grouped).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <boost/accumulators/accumulators.hpp>
#include <boost/accumulators/statistics/stats.hpp>
#include <boost/accumulators/statistics/variance.hpp>
#include <boost/math/distributions/normal.hpp>

#include <qm/assurance/capability.hpp>
#include <qm/core/error.hpp>
#include <qm/core/groups.hpp>
#include <qm/core/parallel.hpp>
#include <qm/core/types.hpp>
#include <qm/monitor/common.hpp>
#include <qm/monitor/shewhart_monitor.hpp>
#include <qm/spc/chart.hpp>

namespace qm::monitor {

struct ReviewInput {
    std::span<const double> values;
    std::span<const double> denominators = {};
    std::span<const std::size_t> offsets;             ///< G+1 row offsets
    std::span<const double> goals = {};               ///< per group (NaN: none), or empty
    std::span<const std::size_t> period_begin = {};   ///< per group, within the group (npos: after the baseline)
    std::span<const std::size_t> period_end = {};     ///< per group, within the group, exclusive (npos: the end)
    std::span<const std::uint8_t> exclude = {};       ///< per row: left out of the limits
};

struct ReviewOptions {
    ShewhartOptions chart{};  ///< fix_after: the baseline length (rows from each series' start)
};

struct ReviewTable {
    static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    // ---- per group (size G); rows are input rows
    std::vector<std::size_t> period_begin, period_end, n_points, n_missing, n_flagged;
    std::vector<std::size_t> n_special_cause_improvement, n_special_cause_concern, n_special_cause_neutral;
    std::vector<std::size_t> n_signals, longest_in_control, n_assessed, n_meeting_goal;
    std::vector<double> share_in_control, goal, share_meeting_goal, mean, sd_overall, sd_within, centre, lower, upper;
    std::vector<double> capability, performance, p_meet, baseline_centre, baseline_sigma, shift_sigma;
    std::vector<std::uint8_t> control_maintained, changed;
    std::vector<std::int8_t> change_direction;
    std::vector<AssuranceIcon> assurance_icon;
    std::vector<VariationIcon> variation_icon;
    std::vector<PointType> latest_point_type;
    // ---- signal episodes (long)
    std::vector<std::size_t> signal_group, signal_first, signal_last;
    std::vector<spc::RuleFlags> signal_rule;
    std::vector<std::int8_t> signal_direction;
    std::vector<PointType> signal_point_type;
    // ---- in-control intervals (long)
    std::vector<std::size_t> interval_group, interval_first, interval_last;
    // ---- per point (every input row)
    std::vector<double> statistic;
    spc::LineColumns lines;          ///< against the baseline
    std::vector<spc::RuleFlags> flags;
    std::vector<PointType> point_type;
    std::vector<std::uint8_t> in_period;
    std::vector<double> period_centre, period_lower, period_upper;  ///< the period's own chart

    std::size_t groups() const noexcept { return period_begin.size(); }
};

ReviewTable review_grouped(const ReviewInput& input, const ReviewOptions& options, unsigned threads = 0);

inline ReviewTable review(std::span<const double> values, std::span<const double> denominators, double goal,
                          const ReviewOptions& options) {
    const std::size_t off[2] = {0, values.size()};
    const double g[1] = {goal};
    return review_grouped({.values = values, .denominators = denominators, .offsets = off, .goals = g}, options, 1);
}

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail {

/// The rows of each group in [b_g, e_g) as a compacted long-format input.
struct Compact {
    std::vector<double> values, denominators;
    std::vector<std::uint8_t> exclude;
    std::vector<std::size_t> offsets{0}, rows;
};

inline Compact compact(const ReviewInput& in, const std::vector<std::size_t>& b, const std::vector<std::size_t>& e) {
    Compact c;
    const std::size_t G = b.size();
    std::size_t total = 0;
    for (std::size_t g = 0; g < G; ++g) total += e[g] - b[g];
    c.values.reserve(total);
    if (!in.denominators.empty()) c.denominators.reserve(total);
    c.exclude.reserve(total);
    c.rows.reserve(total);
    c.offsets.reserve(G + 1);
    for (std::size_t g = 0; g < G; ++g) {
        for (std::size_t r = b[g]; r < e[g]; ++r) {
            c.values.push_back(in.values[r]);
            if (!in.denominators.empty()) c.denominators.push_back(in.denominators[r]);
            c.exclude.push_back(in.exclude.empty() ? 0 : in.exclude[r]);
            c.rows.push_back(r);
        }
        c.offsets.push_back(c.values.size());
    }
    return c;
}

inline spc::ChartResult run_chart(const Compact& c, const ShewhartOptions& o, std::size_t fix_after,
                                  std::span<const double> targets, unsigned threads) {
    spc::ChartInput ci;
    ci.values = c.values;
    ci.denominators = c.denominators;
    ci.offsets = c.offsets;
    ci.targets = targets;
    ci.exclude = c.exclude;
    ci.improvement = o.improvement;
    spc::ChartOptions co;
    co.chart = o.chart;
    co.limits = o.limits;
    co.rules = o.rules;
    co.fix_after = fix_after;
    return spc::chart_grouped(ci, co, threads);
}

/// Calls fn(i, lines of point i) for every point of a chart result (chart_grouped stores the lines
/// once per phase where they are constant; lines_at() gives them per point).
template <class Result, class Fn>
void for_each_point_lines(const Result& r, Fn fn) {
    if constexpr (requires { r.lines_at(std::size_t{0}, std::size_t{0}); }) {
        for (std::size_t p = 0; p < r.phases(); ++p)
            for (std::size_t i = r.phase_begin[p]; i < r.phase_end[p]; ++i) fn(i, r.lines_at(p, i));
    } else if constexpr (requires { r.lines_at(std::size_t{0}); }) {
        for (std::size_t i = 0; i < r.size(); ++i) fn(i, r.lines_at(i));
    } else {
        for (std::size_t i = 0; i < r.size(); ++i) fn(i, r.lines.at(i));
    }
}

/// The lines of point i of a chart result.
template <class Result>
spc::Lines point_lines_at(const Result& r, std::size_t i) {
    if constexpr (requires { r.lines_at(i); })
        return r.lines_at(i);
    else
        return r.lines.at(i);
}

/// The lines of a chart result with one row per point.
template <class Result>
spc::LineColumns lines_per_point(const Result& r) {
    if constexpr (requires { r.point_lines(); })
        return r.point_lines();
    else
        return r.lines;
}

/// Side of a flagged point for its episode: +1 high, −1 low, 0 none (rules without a direction).
inline int episode_direction(spc::RuleFlags bit, double y, double y_prev, double centre) noexcept {
    namespace R = spc::rules;
    if (bit == R::trend) return y > y_prev ? 1 : (y < y_prev ? -1 : 0);
    if (bit == R::outside_limits || bit == R::shift || bit == R::two_of_three || bit == R::four_of_five)
        return y > centre ? 1 : (y < centre ? -1 : 0);
    return 0;
}

}  // namespace detail

inline ReviewTable review_grouped(const ReviewInput& in, const ReviewOptions& opt, unsigned threads) {
    const ShewhartOptions& o = opt.chart;
    o.validate();
    if (in.offsets.size() < 2) fail_argument("offsets", "needs at least 2 entries (one group)");
    const std::size_t G = in.offsets.size() - 1, n = in.offsets.back();
    if (in.offsets.front() != 0) fail_argument("offsets", 0, "must be 0");
    for (std::size_t g = 0; g < G; ++g)
        if (in.offsets[g + 1] <= in.offsets[g]) fail_argument("offsets", g + 1, "group " + std::to_string(g) + " is empty");
    if (in.values.size() != n) fail_argument("values", "has " + std::to_string(in.values.size()) + " rows, offsets say " + std::to_string(n));
    if (!in.denominators.empty() && in.denominators.size() != n)
        fail_argument("denominators", "needs one entry per row (" + std::to_string(n) + ")");
    if (!in.exclude.empty() && in.exclude.size() != n) fail_argument("exclude", "needs one entry per row (" + std::to_string(n) + ")");
    auto per_group = [&](std::span<const std::size_t> s, const char* name) {
        if (!s.empty() && s.size() != G) fail_argument(name, "needs one entry per group (" + std::to_string(G) + ")");
    };
    per_group(in.period_begin, "period_begin");
    per_group(in.period_end, "period_end");
    if (!in.goals.empty() && in.goals.size() != G) fail_argument("goals", "needs one entry per group (" + std::to_string(G) + ")");

    // period rows (global) per group
    std::vector<std::size_t> pb(G), pe(G), gb(G);
    for (std::size_t g = 0; g < G; ++g) {
        const std::size_t b = in.offsets[g], len = in.offsets[g + 1] - b;
        gb[g] = b;
        const std::size_t e_in = in.period_end.empty() || in.period_end[g] == npos ? len : in.period_end[g];
        const std::size_t b_in = in.period_begin.empty() || in.period_begin[g] == npos ? std::min(o.fix_after, len)
                                                                                       : in.period_begin[g];
        if (e_in > len) fail_argument("period_end", g, "is beyond the group's " + std::to_string(len) + " rows");
        if (b_in >= e_in)
            fail_argument("period_begin", g,
                          "the review period of group " + std::to_string(g) + " is empty (rows " + std::to_string(b_in) +
                              " to " + std::to_string(e_in) + "; is the series longer than its baseline of " +
                              std::to_string(o.fix_after) + " points?)");
        pb[g] = b + b_in;
        pe[g] = b + e_in;
    }
    std::vector<double> goals(G, ReviewTable::nan);
    for (std::size_t g = 0; g < G && !in.goals.empty(); ++g) {
        if (std::isinf(in.goals[g])) fail_argument("goals", g, "must be finite or NaN (no goal)");
        goals[g] = in.goals[g];
    }

    // the two charts, each one grouped call
    const detail::Compact base = detail::compact(in, gb, pe), per = detail::compact(in, pb, pe);
    const spc::ChartResult B = detail::run_chart(base, o, o.fix_after, {}, threads);
    const spc::ChartResult A = detail::run_chart(per, o, 0, goals, threads);

    ReviewTable t;
    for (auto* v : {&t.period_begin, &t.period_end, &t.n_points, &t.n_missing, &t.n_flagged,
                    &t.n_special_cause_improvement, &t.n_special_cause_concern, &t.n_special_cause_neutral,
                    &t.n_signals, &t.longest_in_control, &t.n_assessed, &t.n_meeting_goal})
        v->assign(G, 0);
    for (auto* v : {&t.share_in_control, &t.goal, &t.share_meeting_goal, &t.mean, &t.sd_overall, &t.sd_within,
                    &t.centre, &t.lower, &t.upper, &t.capability, &t.performance, &t.p_meet, &t.baseline_centre,
                    &t.baseline_sigma, &t.shift_sigma})
        v->assign(G, ReviewTable::nan);
    t.control_maintained.assign(G, 1);
    t.changed.assign(G, 0);
    t.change_direction.assign(G, 0);
    t.assurance_icon.assign(G, AssuranceIcon::none);
    t.variation_icon.assign(G, VariationIcon::common_cause);
    t.latest_point_type.assign(G, PointType::common_cause);
    t.statistic.assign(n, ReviewTable::nan);
    for (auto* v : {&t.lines.centre, &t.lines.lower, &t.lines.upper, &t.lines.lower_1sigma, &t.lines.upper_1sigma,
                    &t.lines.lower_2sigma, &t.lines.upper_2sigma, &t.period_centre, &t.period_lower, &t.period_upper})
        v->assign(n, ReviewTable::nan);
    t.flags.assign(n, 0);
    t.point_type.assign(n, PointType::common_cause);
    t.in_period.assign(n, 0);
    for (std::size_t k = 0; k < base.rows.size(); ++k) {
        const std::size_t r = base.rows[k];
        t.statistic[r] = B.statistic[k];
        t.flags[r] = B.flags[k];
        t.point_type[r] = B.point_type[k];
    }
    detail::for_each_point_lines(B, [&](std::size_t k, const spc::Lines& l) { t.lines.set(base.rows[k], l); });
    detail::for_each_point_lines(A, [&](std::size_t k, const spc::Lines& l) {
        const std::size_t r = per.rows[k];
        t.period_centre[r] = l.centre;
        t.period_lower[r] = l.lower;
        t.period_upper[r] = l.upper;
        t.in_period[r] = 1;
    });

    namespace acc = boost::accumulators;
    static const boost::math::normal_distribution<double> N01;
    const int dir = static_cast<int>(o.improvement);
    const bool has_baseline = o.fix_after > 0;

    // Signal episodes and in-control intervals of group g, handed to emit_signal(first, last, bit,
    // direction) and emit_interval(first, last) (global rows). Run twice: to count, then to write.
    auto scan = [&](std::size_t g, auto&& emit_signal, auto&& emit_interval) {
        std::size_t run_first = npos, run_last = npos;
        for (std::size_t r = pb[g]; r < pe[g]; ++r) {
            if (t.statistic[r] != t.statistic[r]) continue;  // missing points neither break nor join
            if (t.flags[r] != 0) {
                if (run_first != npos) emit_interval(run_first, run_last);
                run_first = npos;
            } else {
                if (run_first == npos) run_first = r;
                run_last = r;
            }
        }
        if (run_first != npos) emit_interval(run_first, run_last);
        spc::RuleFlags any = 0;
        for (std::size_t r = pb[g]; r < pe[g]; ++r) any = static_cast<spc::RuleFlags>(any | t.flags[r]);
        for (unsigned k = 0; k < spc::rule_names.size(); ++k) {
            const auto bit = static_cast<spc::RuleFlags>(1u << k);
            if (!(any & bit)) continue;
            std::size_t first = npos;
            int d0 = 0;
            for (std::size_t r = pb[g]; r < pe[g]; ++r) {
                const bool on = (t.flags[r] & bit) != 0;
                const double y = t.statistic[r];
                const double yp = r > gb[g] ? t.statistic[r - 1] : ReviewTable::nan;
                const int d = on ? detail::episode_direction(bit, y, yp, t.lines.centre[r]) : 0;
                if (first != npos && (!on || d != d0)) {
                    emit_signal(first, r - 1, bit, d0);
                    first = npos;
                }
                if (on && first == npos) {
                    first = r;
                    d0 = d;
                }
            }
            if (first != npos) emit_signal(first, pe[g] - 1, bit, d0);
        }
    };

    std::vector<std::size_t> n_int(G, 0);
    for_each_group_chunk(in.offsets, threads, [&](std::size_t g0, std::size_t g1) {
        for (std::size_t g = g0; g < g1; ++g) {
            t.period_begin[g] = pb[g] - gb[g];
            t.period_end[g] = pe[g] - gb[g];
            t.goal[g] = goals[g];
            // 1. control, against the baseline
            std::size_t flagged = 0, present = 0;
            for (std::size_t r = pb[g]; r < pe[g]; ++r) {
                const double y = t.statistic[r];
                ++t.n_points[g];
                if (y != y) {
                    ++t.n_missing[g];
                    continue;
                }
                ++present;
                const PointType pt = t.point_type[r];
                if (pt == PointType::special_cause_improvement) ++t.n_special_cause_improvement[g];
                else if (pt == PointType::special_cause_concern) ++t.n_special_cause_concern[g];
                else if (pt != PointType::common_cause) ++t.n_special_cause_neutral[g];
                if (pt != PointType::common_cause && has_baseline) {
                    t.changed[g] = 1;
                    t.change_direction[g] = static_cast<std::int8_t>(
                        pt == PointType::special_cause_neutral_high ? 1
                        : pt == PointType::special_cause_neutral_low ? -1
                        : (pt == PointType::special_cause_improvement ? dir : -dir));
                }
                flagged += t.flags[r] != 0;
            }
            t.n_flagged[g] = flagged;
            t.share_in_control[g] =
                present ? static_cast<double>(present - flagged) / static_cast<double>(present) : ReviewTable::nan;
            t.control_maintained[g] = dir == 0 ? (t.n_special_cause_neutral[g] == 0) : (t.n_special_cause_concern[g] == 0);
            t.latest_point_type[g] = t.point_type[pe[g] - 1];
            scan(
                g, [&](std::size_t, std::size_t, spc::RuleFlags, int) { ++t.n_signals[g]; },
                [&](std::size_t f, std::size_t l) {
                    ++n_int[g];
                    std::size_t len = 0;
                    for (std::size_t r = f; r <= l; ++r) len += t.statistic[r] == t.statistic[r];
                    t.longest_in_control[g] = std::max(t.longest_in_control[g], len);
                });
            // 2. goal, on the period's own chart
            const std::size_t a0 = per.offsets[g], a1 = per.offsets[g + 1];
            acc::accumulator_set<double, acc::stats<acc::tag::variance>> moments;
            detail::AccurateSum sum;
            for (std::size_t k = a0; k < a1; ++k) {
                const double y = A.statistic[k];
                if (y != y) continue;
                moments(y);
                sum.sum.add(y);
                ++sum.count;
                ++t.n_assessed[g];
                if (goals[g] == goals[g] && ((dir > 0 && y >= goals[g]) || (dir < 0 && y <= goals[g])))
                    ++t.n_meeting_goal[g];
            }
            const std::size_t m = sum.count;
            if (m > 0) t.mean[g] = sum.mean();
            if (m > 1)
                t.sd_overall[g] = std::sqrt(acc::variance(moments) * static_cast<double>(m) / static_cast<double>(m - 1));
            const std::size_t last_row = per.rows[a1 - 1];
            const spc::Lines last{t.period_centre[last_row], t.period_lower[last_row], t.period_upper[last_row],
                                  ReviewTable::nan, ReviewTable::nan, ReviewTable::nan, ReviewTable::nan};
            t.centre[g] = last.centre;
            t.lower[g] = last.lower;
            t.upper[g] = last.upper;
            const spc::Lines full = detail::point_lines_at(A, a1 - 1);
            const double s_hi = full.upper_1sigma - full.centre, s_lo = full.centre - full.lower_1sigma;
            t.sd_within[g] = s_hi == s_hi && s_lo == s_lo ? std::max(s_hi, s_lo) : (s_hi == s_hi ? s_hi : s_lo);
            t.assurance_icon[g] = A.assurance_icon[g];
            t.variation_icon[g] = A.variation_icon[g];
            if (goals[g] == goals[g] && dir != 0) {
                if (t.n_assessed[g] > 0)
                    t.share_meeting_goal[g] =
                        static_cast<double>(t.n_meeting_goal[g]) / static_cast<double>(t.n_assessed[g]);
                const double sgn = static_cast<double>(dir);
                // the continuous assurance icon of qm/assurance/capability.hpp: (centre − goal) over the
                // distance from the centre to the limit on the goal's side, oriented
                t.capability[g] = assurance::target_index(goals[g], last.centre, last.lower, last.upper, o.improvement);
                if (t.capability[g] == t.capability[g]) t.p_meet[g] = boost::math::cdf(N01, 3.0 * t.capability[g]);
                if (t.sd_overall[g] > 0) t.performance[g] = sgn * (t.mean[g] - goals[g]) / (3.0 * t.sd_overall[g]);
            }
            // 3. change from the baseline
            if (has_baseline) {
                const spc::Lines bl = t.lines.at(pb[g]);
                t.baseline_centre[g] = bl.centre;
                const double bh = bl.upper_1sigma - bl.centre, blo = bl.centre - bl.lower_1sigma;
                t.baseline_sigma[g] = bh == bh && blo == blo ? std::max(bh, blo) : (bh == bh ? bh : blo);
                if (t.baseline_sigma[g] > 0) t.shift_sigma[g] = (t.mean[g] - bl.centre) / t.baseline_sigma[g];
            }
        }
    });
    // the long tables, written in group order at offsets from the counts
    std::vector<std::size_t> sig_at(G + 1, 0), int_at(G + 1, 0);
    for (std::size_t g = 0; g < G; ++g) {
        sig_at[g + 1] = sig_at[g] + t.n_signals[g];
        int_at[g + 1] = int_at[g] + n_int[g];
    }
    for (auto* v : {&t.signal_group, &t.signal_first, &t.signal_last}) v->resize(sig_at[G]);
    t.signal_rule.resize(sig_at[G]);
    t.signal_direction.resize(sig_at[G]);
    t.signal_point_type.resize(sig_at[G]);
    for (auto* v : {&t.interval_group, &t.interval_first, &t.interval_last}) v->resize(int_at[G]);
    for_each_group_chunk(in.offsets, threads, [&](std::size_t g0, std::size_t g1) {
        for (std::size_t g = g0; g < g1; ++g) {
            std::size_t si = sig_at[g], ii = int_at[g];
            scan(
                g,
                [&](std::size_t f, std::size_t l, spc::RuleFlags bit, int d) {
                    t.signal_group[si] = g;
                    t.signal_first[si] = f - gb[g];
                    t.signal_last[si] = l - gb[g];
                    t.signal_rule[si] = bit;
                    t.signal_direction[si] = static_cast<std::int8_t>(d);
                    t.signal_point_type[si] = oriented_point_type(d, o.improvement);
                    ++si;
                },
                [&](std::size_t f, std::size_t l) {
                    t.interval_group[ii] = g;
                    t.interval_first[ii] = f - gb[g];
                    t.interval_last[ii] = l - gb[g];
                    ++ii;
                });
        }
    });
    return t;
}

}  // namespace qm::monitor
