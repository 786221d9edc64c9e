#pragma once
// qm/monitor/compare.hpp — quality control against quality assurance: for each indicator, what
// live control saw while the data arrived (replayed point by point through a monitor) beside what
// the review after the period concluded, how much earlier control knew, and whether they agree.
//
// Synopsis
//   enum class qm::monitor::AssuranceCriterion { not_assured, fails, share_below, control_lost }
//   enum class qm::monitor::ControlCriterion   { concern, any }
//   enum class qm::monitor::Agreement          { not_assessed = -1, neither, both, only_control, only_assurance }
//   std::string_view qm::monitor::to_string(Agreement | AssuranceCriterion | ControlCriterion)
//   struct qm::monitor::ControlAssuranceInput   { values; denominators; days; offsets; goals;
//                                                 period_begin; period_end; exclude }
//   struct qm::monitor::ControlAssuranceOptions { chart (ShewhartOptions, fix_after = baseline ≥ 1);
//                                                 assurance; required_share = 0.5; control }
//   struct qm::monitor::ControlAssuranceTable   { review (ReviewTable); per group: first signal
//                                                 (row, day, rules, value, direction, pattern start),
//                                                 n_alarms, n_signal_points, control_problem,
//                                                 assurance_problem, agreement, verdict row and day,
//                                                 delay in points and days; per point: live flags,
//                                                 rules raised, alarm }
//   ControlAssuranceTable qm::monitor::control_vs_assurance(const ControlAssuranceInput&,
//                                                           const ControlAssuranceOptions&, unsigned threads = 0)
//
// Live control (quality control during operations): each indicator is replayed point by point
// through a ShewhartMonitor (qm/monitor/shewhart_monitor.hpp) whose limits are learned from the
// first fix_after points and then frozen — exactly what a monitor running in real time would
// have reported. Only signals raised at the push of a point of the review period count (the
// baseline's own signals, raised when its limits were frozen, are not control during the period).
// A relevant signal is one in the direction of concern (its direction times the improvement
// direction is negative) — `control = concern`, the default — or any signal (`any`; for a neutral
// measure every signal with a direction is relevant either way). Reported: the first relevant
// signal (the row and date of the push that raised it, every rule raised there, the statistic,
// its direction and the first point of its pattern), the number of alarms (pushes raising a
// relevant signal that is not the continuation of one raised at the previous point), the number of
// pushes raising any relevant signal, and control_problem (a relevant signal was raised).
// Assurance (after operations): qm::monitor::review_grouped over the same period (review), and
// the verdict at the period's end, by `assurance`:
//   not_assured   the goal is not assured: the assurance icon is hit_and_miss or consistent_fail
//                 (Making Data Count: only a consistent pass assures that the goal will be met)
//   fails         the assurance icon is consistent_fail
//   share_below   fewer than required_share of the period's points met the goal
//   control_lost  the review finds a special-cause concern in the period (control not maintained)
// assurance_problem is −1 (not assessed) without a goal or for a neutral measure, except with
// control_lost, which needs neither.
// Agreement: both found a problem, only control, only assurance, neither, or not_assessed.
// Detection delay: the verdict (the period's last point) minus the first relevant signal, in
// points and in days (NaN without a signal, or without dates): how much earlier control knew.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/core/groups.hpp>
#include <qm/core/parallel.hpp>
#include <qm/core/types.hpp>
#include <qm/monitor/common.hpp>
#include <qm/monitor/review.hpp>
#include <qm/monitor/shewhart_monitor.hpp>

namespace qm::monitor {

enum class AssuranceCriterion : std::uint8_t { not_assured, fails, share_below, control_lost };
enum class ControlCriterion : std::uint8_t { concern, any };
enum class Agreement : std::int8_t { not_assessed = -1, neither = 0, both = 1, only_control = 2, only_assurance = 3 };

constexpr std::string_view to_string(Agreement a) noexcept {
    switch (a) {
        case Agreement::not_assessed: return "not_assessed";
        case Agreement::neither: return "neither";
        case Agreement::both: return "both";
        case Agreement::only_control: return "only_control";
        case Agreement::only_assurance: return "only_assurance";
    }
    return "?";
}

constexpr std::string_view to_string(AssuranceCriterion a) noexcept {
    switch (a) {
        case AssuranceCriterion::not_assured: return "not_assured";
        case AssuranceCriterion::fails: return "fails";
        case AssuranceCriterion::share_below: return "share_below";
        case AssuranceCriterion::control_lost: return "control_lost";
    }
    return "?";
}

constexpr std::string_view to_string(ControlCriterion c) noexcept { return c == ControlCriterion::concern ? "concern" : "any"; }

inline AssuranceCriterion parse_assurance_criterion(std::string_view s) {
    for (auto a : {AssuranceCriterion::not_assured, AssuranceCriterion::fails, AssuranceCriterion::share_below,
                   AssuranceCriterion::control_lost})
        if (to_string(a) == s) return a;
    fail_argument("assurance", "must be 'not_assured', 'fails', 'share_below' or 'control_lost', got '" + std::string(s) + "'");
}

inline ControlCriterion parse_control_criterion(std::string_view s) {
    if (s == "concern") return ControlCriterion::concern;
    if (s == "any") return ControlCriterion::any;
    fail_argument("signals", "must be 'concern' or 'any', got '" + std::string(s) + "'");
}

struct ControlAssuranceInput {
    std::span<const double> values;
    std::span<const double> denominators = {};
    std::span<const std::int64_t> days = {};          ///< per row (days since 1970-01-01), or empty
    std::span<const std::size_t> offsets;
    std::span<const double> goals = {};
    std::span<const std::size_t> period_begin = {};
    std::span<const std::size_t> period_end = {};
    std::span<const std::uint8_t> exclude = {};
};

struct ControlAssuranceOptions {
    ShewhartOptions chart{};  ///< fix_after: the baseline the live limits are learned from (>= 1)
    AssuranceCriterion assurance = AssuranceCriterion::not_assured;
    double required_share = 0.5;  ///< share_below: the share of points that must meet the goal
    ControlCriterion control = ControlCriterion::concern;

    void validate() const {
        chart.validate();
        if (chart.fix_after == 0)
            fail_argument("baseline", "live control learns its limits from a baseline: give at least 1 point");
        if (!(required_share >= 0.0 && required_share <= 1.0)) fail_argument("required_share", "must be between 0 and 1");
    }
};

struct ControlAssuranceTable {
    ReviewTable review;
    // ---- per group
    std::vector<std::size_t> first_signal_row, first_signal_pattern_start, n_alarms, n_signal_points, verdict_row;
    std::vector<std::int64_t> first_signal_day, verdict_day;
    std::vector<spc::RuleFlags> first_signal_rules;
    std::vector<double> first_signal_value, delay_points, delay_days;
    std::vector<std::int8_t> first_signal_direction, assurance_problem;
    std::vector<std::uint8_t> control_problem;
    std::vector<Agreement> agreement;
    // ---- per point
    std::vector<spc::RuleFlags> live_flags;  ///< the point's flags when it was pushed
    std::vector<spc::RuleFlags> raised;      ///< relevant rules that raised a signal at its push
    std::vector<std::uint8_t> alarm;         ///< a relevant new signal at its push
};

ControlAssuranceTable control_vs_assurance(const ControlAssuranceInput& input, const ControlAssuranceOptions& options,
                                           unsigned threads = 0);

// ============================================================================================
// Implementation
// ============================================================================================

inline ControlAssuranceTable control_vs_assurance(const ControlAssuranceInput& in, const ControlAssuranceOptions& o,
                                                  unsigned threads) {
    o.validate();
    ReviewInput ri{in.values, in.denominators, in.offsets, in.goals, in.period_begin, in.period_end, in.exclude};
    ControlAssuranceTable t;
    t.review = review_grouped(ri, ReviewOptions{o.chart}, threads);
    const ReviewTable& R = t.review;
    const std::size_t G = in.offsets.size() - 1, n = in.offsets.back();
    if (!in.days.empty() && in.days.size() != n)
        fail_argument("days", "needs one entry per row (" + std::to_string(n) + "), got " + std::to_string(in.days.size()));
    for (auto* v : {&t.first_signal_row, &t.first_signal_pattern_start, &t.verdict_row}) v->assign(G, npos);
    t.n_alarms.assign(G, 0);
    t.n_signal_points.assign(G, 0);
    t.first_signal_day.assign(G, no_day);
    t.verdict_day.assign(G, no_day);
    t.first_signal_rules.assign(G, 0);
    for (auto* v : {&t.first_signal_value, &t.delay_points, &t.delay_days})
        v->assign(G, std::numeric_limits<double>::quiet_NaN());
    t.first_signal_direction.assign(G, 0);
    t.assurance_problem.assign(G, -1);
    t.control_problem.assign(G, 0);
    t.agreement.assign(G, Agreement::not_assessed);
    t.live_flags.assign(n, 0);
    t.raised.assign(n, 0);
    t.alarm.assign(n, 0);
    const int dir = static_cast<int>(o.chart.improvement);

    for_each_group_chunk(in.offsets, threads, [&](std::size_t g0, std::size_t g1) {
        for (std::size_t g = g0; g < g1; ++g) {
            const std::size_t b = in.offsets[g], pb = b + R.period_begin[g], pe = b + R.period_end[g];
            ShewhartMonitor m(o.chart);
            spc::RuleFlags prev_raised = 0;
            for (std::size_t r = b; r < pe; ++r) {
                const double d = in.denominators.empty() ? std::numeric_limits<double>::quiet_NaN() : in.denominators[r];
                const std::int64_t day = in.days.empty() ? no_day : in.days[r];
                const auto ev = m.push(in.values[r], d, day, !in.exclude.empty() && in.exclude[r] != 0);
                t.live_flags[r] = ev.flags;
                if (r < pb) continue;
                spc::RuleFlags raised = 0, fresh = 0;
                int first_dir = 0;
                std::size_t pattern_start = npos;
                for (const Signal& s : ev.signals) {
                    if (s.point < pb - b) continue;  // the baseline's own signals
                    const bool relevant = o.control == ControlCriterion::any ? true
                                          : dir == 0                          ? s.direction != 0
                                                                              : s.direction * dir < 0;
                    if (!relevant) continue;
                    raised = static_cast<spc::RuleFlags>(raised | s.rule);
                    const bool cont = s.continued && (prev_raised & s.rule);
                    if (!cont) fresh = static_cast<spc::RuleFlags>(fresh | s.rule);
                    if (first_dir == 0) first_dir = s.direction;
                    pattern_start = std::min<std::size_t>(pattern_start, static_cast<std::size_t>(s.first));
                }
                prev_raised = raised;
                t.raised[r] = raised;
                if (raised == 0) continue;
                ++t.n_signal_points[g];
                if (fresh) {
                    t.alarm[r] = 1;
                    ++t.n_alarms[g];
                }
                if (t.first_signal_row[g] == npos) {
                    t.first_signal_row[g] = r - b;
                    t.first_signal_day[g] = day;
                    t.first_signal_rules[g] = raised;
                    t.first_signal_value[g] = ev.statistic;
                    t.first_signal_direction[g] = static_cast<std::int8_t>(first_dir);
                    t.first_signal_pattern_start[g] = pattern_start;
                }
            }
            // the verdicts
            t.control_problem[g] = t.first_signal_row[g] != npos;
            t.verdict_row[g] = R.period_end[g] - 1;
            t.verdict_day[g] = in.days.empty() ? no_day : in.days[pe - 1];
            const bool goal_ok = R.goal[g] == R.goal[g] && dir != 0;
            switch (o.assurance) {
                case AssuranceCriterion::not_assured:
                    if (goal_ok && R.assurance_icon[g] != AssuranceIcon::none)
                        t.assurance_problem[g] = R.assurance_icon[g] != AssuranceIcon::consistent_pass;
                    break;
                case AssuranceCriterion::fails:
                    if (goal_ok && R.assurance_icon[g] != AssuranceIcon::none)
                        t.assurance_problem[g] = R.assurance_icon[g] == AssuranceIcon::consistent_fail;
                    break;
                case AssuranceCriterion::share_below:
                    if (goal_ok && R.share_meeting_goal[g] == R.share_meeting_goal[g])
                        t.assurance_problem[g] = R.share_meeting_goal[g] < o.required_share;
                    break;
                case AssuranceCriterion::control_lost: t.assurance_problem[g] = R.control_maintained[g] ? 0 : 1; break;
            }
            const bool c = t.control_problem[g] != 0;
            const std::int8_t a = t.assurance_problem[g];
            t.agreement[g] = a < 0 ? Agreement::not_assessed
                                   : (c && a ? Agreement::both
                                             : (c ? Agreement::only_control : (a ? Agreement::only_assurance : Agreement::neither)));
            if (c) {
                t.delay_points[g] = static_cast<double>(t.verdict_row[g] - t.first_signal_row[g]);
                if (t.verdict_day[g] != no_day && t.first_signal_day[g] != no_day)
                    t.delay_days[g] = static_cast<double>(t.verdict_day[g] - t.first_signal_day[g]);
            }
        }
    });
    return t;
}

}  // namespace qm::monitor
