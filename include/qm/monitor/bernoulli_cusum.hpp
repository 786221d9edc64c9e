#pragma once
// qm/monitor/bernoulli_cusum.hpp — the Bernoulli CUSUM for case-by-case binary outcomes (an
// infection, a complication, a death), as qicharts2's bchart() computes it, for a whole series
// and as a live monitor.
//
// Synopsis
//   struct qm::monitor::BernoulliCusumOptions { target = NaN (p0); baseline = 0; odds_ratio = 2;
//                                               limit = 3.5; improvement = decrease }
//   struct qm::monitor::BernoulliCusumParameters { p0; p1; p2; odds_ratio; limit; up_event;
//                                                  up_no_event; down_event; down_no_event }
//   BernoulliCusumParameters qm::monitor::bernoulli_cusum_parameters(double p0, double odds_ratio, double limit)
//   struct qm::monitor::BernoulliCusumState { upper; lower; upper_start; lower_start; ... }
//   struct qm::monitor::BernoulliCusumPoint { upper_score; lower_score; upper_statistic;
//                                             lower_statistic; upper; lower; flags }
//   BernoulliCusumPoint qm::monitor::bernoulli_cusum_update(State&, const Parameters&, double outcome)
//   struct qm::monitor::BernoulliCusumResult { p0, p1, p2; per case: upper_score, lower_score,
//                                              upper, lower, flags }
//   BernoulliCusumResult qm::monitor::bernoulli_cusum(span<const double> outcomes, const BernoulliCusumOptions&)
//   class qm::monitor::BernoulliCusumMonitor { push(outcome, day); save/restore/json }
//
// Method (anhoej/qicharts2 R/bchart.R, Neuburger et al., BMJ Qual Saf 2017;26:1018–1025):
//   p1 = getp(p0, OR), p2 = getp(p0, 1/OR) with getp(p, or) = or·o/(1 + or·o), o = p/(1 − p);
//   per case x ∈ {0, 1}: s1 = x·ln(p1/p0) + (1 − x)·ln((1 − p1)/(1 − p0)), s2 likewise with p2.
//   Upper chart (more events): z = C1 + s1; signal when z ≥ limit; C1 = z if 0 < z ≤ limit, else 0
//   (so the chart restarts after it crosses the limit, and a sum exactly at the limit signals
//   without restarting — as bchart's `signal1 <- z1i >= limit` and
//   `cusum1 <- z1i * (z1i > 0) * (z1i <= limit)`).
//   Lower chart (fewer events), plotted below zero: z = C2 − s2; signal when z ≤ −limit;
//   C2 = z if −limit ≤ z < 0, else 0.
//   p0 is given (target), or — qicharts2's target > 1 — the event rate of the first `baseline`
//   cases, over which the chart is also drawn (the live monitor holds them until the last arrives,
//   then evaluates them: see qm/monitor/common.hpp). Defaults or = 2, limit = 3.5 are bchart's;
//   a limit for a chosen in-control ARL comes from qm/monitor/arl.hpp (bernoulli_cusum_arl,
//   score_cusum_threshold with bernoulli_scores).
// Conventions: a missing outcome (NaN) leaves both sums unchanged and never signals (bchart has
// no missing values); the learned p0 is the mean of the non-missing baseline outcomes; a baseline
// without both events and non-events cannot give p0 (qm::insufficient_data). The sums are +0 where
// bchart's products give −0 (the same number).
// Signals: rule 1 upper (direction +1: more events), rule 2 lower (−1); `first` = the case after
// which the sum last left zero.

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
#include <qm/core/types.hpp>
#include <qm/monitor/common.hpp>
#include <qm/monitor/serialize.hpp>
#include <qm/stats/sum.hpp>

namespace qm::monitor {

struct BernoulliCusumOptions {
    double target = std::numeric_limits<double>::quiet_NaN();  ///< p0 in (0, 1); NaN: learned
    std::size_t baseline = 0;      ///< learn p0 from the first `baseline` cases
    double odds_ratio = 2.0;       ///< the upper chart detects OR, the lower 1/OR
    double limit = 3.5;
    Improvement improvement = Improvement::decrease;  ///< events are failures by default

    void validate() const;
};

struct BernoulliCusumParameters {
    double p0 = 0, p1 = 0, p2 = 0, odds_ratio = 2, limit = 3.5;
    double up_event = 0, up_no_event = 0;      ///< s1 for x = 1, x = 0
    double down_event = 0, down_no_event = 0;  ///< s2 for x = 1, x = 0
};

BernoulliCusumParameters bernoulli_cusum_parameters(double p0, double odds_ratio, double limit);

struct BernoulliCusumState {
    double upper = 0.0;  ///< C1 >= 0
    double lower = 0.0;  ///< C2 <= 0
};

struct BernoulliCusumPoint {
    double upper_score = 0, lower_score = 0;          ///< s1 and −s2 of the case
    double upper_statistic = 0, lower_statistic = 0;  ///< z before the restart rule
    double upper = 0, lower = 0;                      ///< C1, C2 after it (bchart's cusum1, cusum2)
    std::uint8_t flags = 0;                           ///< 1 upper, 2 lower
};

BernoulliCusumPoint bernoulli_cusum_update(BernoulliCusumState& state, const BernoulliCusumParameters& p,
                                           double outcome) noexcept;

struct BernoulliCusumResult {
    double p0 = 0, p1 = 0, p2 = 0;
    std::vector<double> upper_score, lower_score, upper, lower;
    std::vector<std::uint8_t> flags;
};

BernoulliCusumResult bernoulli_cusum(std::span<const double> outcomes, const BernoulliCusumOptions& options = {});

struct OutcomeEvaluation {
    std::uint64_t index = 0;
    std::int64_t day = no_day;
    double outcome = 0.0;
    double upper = 0.0, lower = 0.0;                   ///< the chart's sums after the point
    double upper_statistic = 0.0, lower_statistic = 0.0;
    std::uint8_t flags = 0;
    PointType point_type = PointType::common_cause;
    bool learning = false;
    bool alarm = false;
    std::span<const Signal> signals;
    std::span<const PointUpdate> updates;
    /// At the case that completes the baseline: every baseline case's evaluation, in order.
    std::span<const OutcomeEvaluation> baseline;
};

class BernoulliCusumMonitor : public Persistent<BernoulliCusumMonitor, MonitorKind::bernoulli_cusum> {
public:
    BernoulliCusumMonitor() : BernoulliCusumMonitor(BernoulliCusumOptions{.target = 0.05}) {}
    explicit BernoulliCusumMonitor(const BernoulliCusumOptions& options);

    OutcomeEvaluation push(double outcome, std::int64_t day = no_day);

    bool learning() const noexcept { return learning_; }
    const BernoulliCusumParameters& parameters() const noexcept { return p_; }
    const BernoulliCusumState& state() const noexcept { return s_; }
    const BernoulliCusumOptions& options() const noexcept { return o_; }
    std::uint64_t size() const noexcept { return index_; }


    template <class Ar>
    void visit(Ar& ar);
    void validate_state() const;

private:
    BernoulliCusumOptions o_;
    BernoulliCusumParameters p_{};
    BernoulliCusumState s_{};
    bool learning_ = false;
    std::uint64_t index_ = 0;
    DayClock clock_;
    std::uint8_t prev_flags_ = 0;
    SideStarts starts_;
    std::vector<double> held_;
    std::vector<std::int64_t> held_day_;
    std::vector<Signal> signals_;
    std::vector<PointUpdate> updates_;
    std::vector<OutcomeEvaluation> baseline_;

    OutcomeEvaluation evaluate(std::uint64_t i, double x, std::int64_t day);
};

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail {

inline void check_outcome(double x, std::uint64_t index, const char* name = "outcomes") {
    if (x == x && x != 0.0 && x != 1.0)
        fail_argument(name, index, "must be 0 or 1 (or NaN: missing), got " + std::to_string(x));
}

/// qicharts2's getp(): the probability whose odds are `or` times those of p0.
inline double odds_shift(double p0, double odds_ratio) noexcept {
    const double odds0 = p0 / (1 - p0);
    const double odds1 = odds_ratio * odds0;
    return odds1 / (1 + odds1);
}

inline double learn_p0(std::span<const double> outcomes) {
    const auto m = stats::mean_skip_nan(outcomes);
    if (m.count == 0 || !(m.mean > 0.0 && m.mean < 1.0))
        throw insufficient_data("target: the baseline of " + std::to_string(outcomes.size()) + " cases has " +
                                (m.count == 0 ? std::string("no outcomes") : "an event rate of " + std::to_string(m.mean)) +
                                "; p0 must be between 0 and 1 (give the target, or a longer baseline)");
    return m.mean;
}

}  // namespace detail

inline void BernoulliCusumOptions::validate() const {
    if (target == target && !(target > 0.0 && target < 1.0))
        fail_argument("target", "p0 must be between 0 and 1 (exclusive), or NaN (learned from the baseline)");
    if (target != target && baseline == 0)
        fail_argument("baseline", "give the target p0, or the number of baseline cases to learn it from");
    if (!(odds_ratio > 0.0) || !std::isfinite(odds_ratio) || odds_ratio == 1.0)
        fail_argument("odds_ratio", "must be a positive number other than 1");
    if (!(limit > 0.0) || !std::isfinite(limit)) fail_argument("limit", "must be a positive number");
    const int d = static_cast<int>(improvement);
    if (d < -1 || d > 1) fail_argument("improvement", "unknown improvement direction " + std::to_string(d));
}

inline BernoulliCusumParameters bernoulli_cusum_parameters(double p0, double odds_ratio, double limit) {
    if (!(p0 > 0.0 && p0 < 1.0)) fail_argument("target", "p0 must be between 0 and 1 (exclusive)");
    BernoulliCusumParameters p;
    p.p0 = p0;
    p.odds_ratio = odds_ratio;
    p.limit = limit;
    p.p1 = detail::odds_shift(p0, odds_ratio);
    p.p2 = detail::odds_shift(p0, 1 / odds_ratio);
    p.up_event = std::log(p.p1 / p0);
    p.up_no_event = std::log((1 - p.p1) / (1 - p0));
    p.down_event = std::log(p.p2 / p0);
    p.down_no_event = std::log((1 - p.p2) / (1 - p0));
    return p;
}

inline BernoulliCusumPoint bernoulli_cusum_update(BernoulliCusumState& s, const BernoulliCusumParameters& p,
                                                  double x) noexcept {
    BernoulliCusumPoint out;
    if (x != x) {
        out.upper = out.upper_statistic = s.upper;
        out.lower = out.lower_statistic = s.lower;
        out.upper_score = out.lower_score = std::numeric_limits<double>::quiet_NaN();
        return out;
    }
    const bool event = x == 1.0;
    out.upper_score = event ? p.up_event : p.up_no_event;
    out.lower_score = -(event ? p.down_event : p.down_no_event);
    const double z1 = s.upper + out.upper_score;
    const double z2 = s.lower + out.lower_score;
    out.upper_statistic = z1;
    out.lower_statistic = z2;
    out.flags = static_cast<std::uint8_t>((z1 >= p.limit ? 1u : 0u) | (z2 <= -p.limit ? 2u : 0u));
    out.upper = (z1 > 0.0 && z1 <= p.limit) ? z1 : 0.0;
    out.lower = (z2 < 0.0 && z2 >= -p.limit) ? z2 : 0.0;
    s.upper = out.upper;
    s.lower = out.lower;
    return out;
}

inline BernoulliCusumResult bernoulli_cusum(std::span<const double> outcomes, const BernoulliCusumOptions& o) {
    o.validate();
    for (std::size_t i = 0; i < outcomes.size(); ++i) detail::check_outcome(outcomes[i], i);
    double p0 = o.target;
    if (p0 != p0) p0 = detail::learn_p0(outcomes.first(std::min(o.baseline, outcomes.size())));
    const BernoulliCusumParameters p = bernoulli_cusum_parameters(p0, o.odds_ratio, o.limit);
    BernoulliCusumResult r;
    r.p0 = p.p0;
    r.p1 = p.p1;
    r.p2 = p.p2;
    const std::size_t n = outcomes.size();
    for (auto* v : {&r.upper_score, &r.lower_score, &r.upper, &r.lower}) v->resize(n);
    r.flags.resize(n);
    BernoulliCusumState s;
    for (std::size_t i = 0; i < n; ++i) {
        const auto pt = bernoulli_cusum_update(s, p, outcomes[i]);
        r.upper_score[i] = pt.upper_score;
        r.lower_score[i] = pt.lower_score;
        r.upper[i] = pt.upper;
        r.lower[i] = pt.lower;
        r.flags[i] = pt.flags;
    }
    return r;
}

inline BernoulliCusumMonitor::BernoulliCusumMonitor(const BernoulliCusumOptions& o) : o_(o) {
    o_.validate();
    learning_ = o_.target != o_.target;
    if (!learning_) p_ = bernoulli_cusum_parameters(o_.target, o_.odds_ratio, o_.limit);
}

inline OutcomeEvaluation BernoulliCusumMonitor::evaluate(std::uint64_t i, double x, std::int64_t day) {
    OutcomeEvaluation ev;
    ev.index = i;
    ev.day = day;
    ev.outcome = x;
    const double before_up = s_.upper, before_down = s_.lower;
    const auto pt = bernoulli_cusum_update(s_, p_, x);
    ev.upper = pt.upper;
    ev.lower = pt.lower;
    ev.upper_statistic = pt.upper_statistic;
    ev.lower_statistic = pt.lower_statistic;
    ev.flags = pt.flags;
    if (x != x) return ev;
    starts_.mark(i, day, before_up == 0.0 && pt.upper_statistic > 0.0, before_down == 0.0 && pt.lower_statistic < 0.0);
    ev.alarm |= two_sided_signals(pt.flags, prev_flags_, i, day, starts_.upper, starts_.lower, o_.improvement, signals_,
                                  ev.point_type);
    return ev;
}

inline OutcomeEvaluation BernoulliCusumMonitor::push(double x, std::int64_t day) {
    detail::check_outcome(x, index_);
    clock_.check(day, index_);
    signals_.clear();
    updates_.clear();
    if (!learning_) {
        OutcomeEvaluation ev = evaluate(index_, x, day);
        clock_.advance(day);
        ++index_;
        ev.signals = signals_;
        ev.updates = updates_;
        return ev;
    }
    held_.push_back(x);
    held_day_.push_back(day);
    if (held_.size() < o_.baseline) {
        clock_.advance(day);
        OutcomeEvaluation ev;
        ev.index = index_++;
        ev.day = day;
        ev.outcome = x;
        ev.upper = ev.lower = ev.upper_statistic = ev.lower_statistic = std::numeric_limits<double>::quiet_NaN();
        ev.learning = true;
        return ev;
    }
    double p0;
    try {
        p0 = detail::learn_p0(held_);
    } catch (...) {
        held_.pop_back();
        held_day_.pop_back();
        throw;
    }
    p_ = bernoulli_cusum_parameters(p0, o_.odds_ratio, o_.limit);
    learning_ = false;
    const std::uint64_t first = index_ + 1 - held_.size();
    OutcomeEvaluation ev = evaluate_baseline(
        held_.size(), first, [&](std::size_t j) { return evaluate(first + j, held_[j], held_day_[j]); },
        [](const OutcomeEvaluation& e) { return e.flags; }, baseline_, updates_, signals_);
    held_.clear();
    held_day_.clear();
    clock_.advance(day);
    ++index_;
    return ev;
}

template <>
struct Fields<BernoulliCusumOptions> {
    template <class Ar>
    static void visit(Ar& ar, BernoulliCusumOptions& o) {
        ar("target", o.target);
        ar("baseline", o.baseline);
        ar("odds_ratio", o.odds_ratio);
        ar("limit", o.limit);
        ar("improvement", o.improvement);
    }
};

template <class Ar>
void BernoulliCusumMonitor::visit(Ar& ar) {
    ar("options", o_);
    ar("p0", p_.p0);
    ar("upper", s_.upper);
    ar("lower", s_.lower);
    ar("learning", learning_);
    ar("index", index_);
    ar("last_day", clock_.last_ref());
    ar("previous_flags", prev_flags_);
    starts_.visit(ar, {"upper_start", "lower_start", "upper_start_day", "lower_start_day"});
    ar("held_outcomes", held_);
    ar("held_days", held_day_);
    if constexpr (Ar::loading) {
        if (!learning_ && p_.p0 > 0.0 && p_.p0 < 1.0 && o_.odds_ratio > 0.0)
            p_ = bernoulli_cusum_parameters(p_.p0, o_.odds_ratio, o_.limit);  // derived values, recomputed
    }
}

inline void BernoulliCusumMonitor::validate_state() const {
    detail::validate_options_state(o_, "options");
    if (held_.size() != held_day_.size()) detail::corrupted("the held baseline columns differ in length");
    if (learning_) {
        if (held_.size() >= o_.baseline || held_.size() != index_)
            detail::corrupted("the held baseline does not match the points pushed");
        for (double x : held_)
            if (x == x && x != 0.0 && x != 1.0) detail::corrupted("a held outcome is not 0 or 1");
        return;
    }
    if (!held_.empty()) detail::corrupted("baseline cases are held after p0 was frozen");
    if (!(p_.p0 > 0.0 && p_.p0 < 1.0)) detail::corrupted("p0 is not between 0 and 1");
    if (!(s_.upper >= 0.0 && s_.upper <= o_.limit) || !(s_.lower <= 0.0 && s_.lower >= -o_.limit))
        detail::corrupted("the CUSUM sums are outside the chart");
    if (!starts_.within(index_) || prev_flags_ > 3) detail::corrupted("counters out of range");
}

}  // namespace qm::monitor
