#pragma once
// qm/monitor/common.hpp — vocabulary shared by every live monitor (qm/monitor/*.hpp): signals,
// updates of earlier points, dates, the learning baseline and its running statistics.
//
// Synopsis
//   inline constexpr std::int64_t qm::monitor::no_day             "no date given"
//   struct qm::monitor::Signal      { point; first; first_day; day; rule; direction; continued }
//   struct qm::monitor::PointUpdate { point; flags; point_type }
//   PointType qm::monitor::oriented_point_type(int direction, Improvement)
//   class qm::monitor::DayClock     dates must increase from point to point
//   class qm::monitor::RunningBaseline   running mean, mean moving range and ratio of the points
//                                        seen so far (Boost.Accumulators features, see below)
//
// What a monitor returns when a point is pushed:
//   - the point's own evaluation (statistic, lines or sums, flags, point type);
//   - the signals it raises (`Signal`): which rule, the point that completes the pattern
//     (`point`, its `day`) and the first point the pattern covers (`first`, `first_day`) — for a
//     run the whole run so far, for a window rule the window, for a CUSUM the point after which
//     the sum last left zero (Montgomery's estimate of when the shift began), for the Anhøj
//     whole-phase rules the phase; `continued` says the same rule with the same direction also
//     signalled at the previous point of the phase (an ongoing pattern, not a new alarm);
//   - updates of earlier points (`PointUpdate`) whose flags or point type changed because a
//     pattern completed now (e.g. the first six points of a shift of seven), or because their
//     limits were only now frozen (the baseline points, evaluated at the end of the baseline).
// Every index is the point's position in the stream (0 for the first point pushed; missing
// values count), so a caller that applies the updates to its own columns holds exactly the flags
// and point types the batch computation gives.
//
// Running statistics. DESIGN.md asks for Boost.Accumulators for the live monitors' running
// statistics, with new statistics written as features in its style and never exposed in the
// public API. Two features are defined here, in the library's accurate arithmetic (double-double
// sums, correctly rounded means, as qm/stats/sum.hpp):
//   tag::accurate_sum        Σx and the count of non-missing samples
//   tag::mean_moving_range   mean |x_i − x_{i−1}| over consecutive non-missing samples (a
//                            missing sample breaks the chain, as the charts' moving ranges do)
// RunningBaseline wraps an accumulator_set of them (and a second one for ratio denominators). A
// monitor that learns its limits feeds it the baseline points as they arrive and reports trial
// lines from it; the frozen limits are then computed by the batch chart function from the buffered
// baseline (screening, medians and every chart's own arithmetic included), so that live and batch
// agree bit for bit. The accumulator set itself is never serialised: the saved state holds the
// buffered baseline values, and restoring replays them into a fresh set.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/accumulators/accumulators.hpp>
#include <boost/accumulators/framework/accumulator_base.hpp>
#include <boost/accumulators/framework/depends_on.hpp>
#include <boost/accumulators/framework/extractor.hpp>
#include <boost/accumulators/framework/parameters/sample.hpp>
#include <boost/accumulators/statistics/stats.hpp>

#include <qm/core/error.hpp>
#include <qm/core/types.hpp>
#include <qm/monitor/serialize.hpp>
#include <qm/spc/chart_types.hpp>
#include <qm/spc/limits.hpp>
#include <qm/spc/rules.hpp>
#include <qm/stats/sum.hpp>

namespace qm::monitor {

/// A point pushed without a date.
inline constexpr std::int64_t no_day = std::numeric_limits<std::int64_t>::min();

/// A rule (or a CUSUM side) firing when a point is pushed.
struct Signal {
    std::uint64_t point = 0;        ///< the point that completes the pattern (stream position)
    std::uint64_t first = 0;        ///< the first point the pattern covers
    std::int64_t first_day = no_day;
    std::int64_t day = no_day;      ///< date of `point`
    std::uint16_t rule = 0;         ///< one bit: qm::spc::rules for Shewhart monitors, else the monitor's own
    std::int8_t direction = 0;      ///< +1 high / up / more failures, −1 low / down, 0 no direction
    bool continued = false;         ///< the same rule and direction also signalled at the previous point
};

/// An earlier point whose flags or point type changed at this push.
struct PointUpdate {
    std::uint64_t point = 0;
    std::uint16_t flags = 0;
    PointType point_type = PointType::common_cause;
};

/// The point type of a signal in `direction` (+1 high, −1 low) for a measure whose better
/// direction is `improvement`; common cause for direction 0.
constexpr PointType oriented_point_type(int direction, Improvement improvement) noexcept {
    if (direction == 0) return PointType::common_cause;
    const int d = static_cast<int>(improvement);
    if (d == 0) return direction > 0 ? PointType::special_cause_neutral_high : PointType::special_cause_neutral_low;
    return direction * d > 0 ? PointType::special_cause_improvement : PointType::special_cause_concern;
}

/// Where the pattern behind a side's signal began: its first point and that point's date.
struct SignalStart {
    std::uint64_t point = 0;
    std::int64_t day = no_day;
};

/// Where the current excursion of each side of a two-sided monitor began: the point at which its
/// sum last left zero (CUSUM, Bernoulli and risk-adjusted CUSUM, VLAD).
struct SideStarts {
    SignalStart upper, lower;
    void mark(std::uint64_t i, std::int64_t day, bool upper_left_zero, bool lower_left_zero) noexcept {
        if (upper_left_zero) upper = {i, day};
        if (lower_left_zero) lower = {i, day};
    }
    /// Both starts among the first `count` points (a restored state's check).
    bool within(std::uint64_t count) const noexcept { return upper.point <= count && lower.point <= count; }
    /// names: the upper and lower starts, then their dates.
    template <class Ar>
    void visit(Ar& ar, const std::array<const char*, 4>& names) {
        ar(names[0], upper.point);
        ar(names[1], lower.point);
        ar(names[2], upper.day);
        ar(names[3], lower.day);
    }
};

/// The signals of a two-sided monitor (CUSUM, EWMA, Bernoulli and risk-adjusted CUSUM, VLAD) at
/// point i dated `day`, from its flags f (bit 1: the upper / high side, direction +1; bit 2: the
/// lower / low side, −1): each side that fires is appended to `signals`, continued when it fired
/// at the previous point too (`prev`, which becomes f); `type` is the point type oriented by the
/// improvement direction (the upper side first). Returns whether a side fired anew (an alarm).
inline bool two_sided_signals(std::uint8_t f, std::uint8_t& prev, std::uint64_t i, std::int64_t day, SignalStart upper,
                              SignalStart lower, Improvement improvement, std::vector<Signal>& signals, PointType& type) {
    bool alarm = false;
    if (f & 1u) {
        const bool cont = (prev & 1u) != 0;
        signals.push_back({i, upper.point, upper.day, day, 1, 1, cont});
        alarm |= !cont;
    }
    if (f & 2u) {
        const bool cont = (prev & 2u) != 0;
        signals.push_back({i, lower.point, lower.day, day, 2, -1, cont});
        alarm |= !cont;
    }
    type = (f & 1u)   ? oriented_point_type(1, improvement)
           : (f & 2u) ? oriented_point_type(-1, improvement)
                      : PointType::common_cause;
    prev = f;
    return alarm;
}

/// The end of a learned baseline (CUSUM, EWMA, Bernoulli CUSUM): evaluate(j) evaluates held point
/// j (index first + j) in order; each evaluation goes to `baseline`, and an update for every point
/// but the last (its flags by flags_of) to `updates`. Returns the last evaluation, alarmed when a
/// signal of the baseline (in `signals`, which evaluate fills) is new, with its signals, updates
/// and baseline pointing into those vectors.
template <class Evaluation, class Evaluate, class FlagsOf>
Evaluation evaluate_baseline(std::size_t count, std::uint64_t first, Evaluate evaluate, FlagsOf flags_of,
                             std::vector<Evaluation>& baseline, std::vector<PointUpdate>& updates,
                             const std::vector<Signal>& signals) {
    Evaluation ev;
    baseline.clear();
    for (std::size_t j = 0; j < count; ++j) {
        ev = evaluate(j);
        baseline.push_back(ev);
        if (j + 1 < count) updates.push_back({first + j, flags_of(ev), ev.point_type});
    }
    bool alarm = false;
    for (const Signal& s : signals) alarm |= !s.continued;
    ev.alarm = alarm;
    ev.signals = signals;
    ev.updates = updates;
    ev.baseline = baseline;
    return ev;
}

/// Dates (days since 1970-01-01) must increase strictly from one dated point to the next.
class DayClock {
public:
    void check(std::int64_t day, std::uint64_t index) const {
        if (day == no_day || last_ == no_day) return;
        if (day <= last_)
            fail_argument("date", index,
                          "day " + std::to_string(day) + " is not after the previous point's day " + std::to_string(last_) +
                              " (one point per period, in time order)");
    }
    void advance(std::int64_t day) noexcept {
        if (day != no_day) last_ = day;
    }
    std::int64_t last() const noexcept { return last_; }
    std::int64_t& last_ref() noexcept { return last_; }

private:
    std::int64_t last_ = no_day;
};

// ---------------------------------------------------------------------------------------------
// Boost.Accumulators features
// ---------------------------------------------------------------------------------------------

namespace detail {

namespace acc = boost::accumulators;

/// Σx (double-double) and the number of non-missing samples.
struct AccurateSum {
    stats::detail::DD sum{};
    std::size_t count = 0;
    double value() const noexcept { return sum.hi + sum.lo; }
    double mean() const noexcept { return stats::detail::dd_div(sum, count); }
};

namespace impl {

template <class Sample>
struct accurate_sum_impl : acc::accumulator_base {
    using result_type = AccurateSum;
    template <class Args>
    explicit accurate_sum_impl(const Args&) {}
    template <class Args>
    void operator()(const Args& args) {
        const double x = args[acc::sample];
        if (x == x) {
            s_.sum.add(x);
            ++s_.count;
        }
    }
    result_type result(acc::dont_care) const { return s_; }

private:
    AccurateSum s_;
};

template <class Sample>
struct mean_moving_range_impl : acc::accumulator_base {
    using result_type = AccurateSum;  // Σ|Δx| and the number of moving ranges
    template <class Args>
    explicit mean_moving_range_impl(const Args&) {}
    template <class Args>
    void operator()(const Args& args) {
        const double x = args[acc::sample];
        if (seen_ && x == x && prev_ == prev_) {
            s_.sum.add(std::fabs(x - prev_));
            ++s_.count;
        }
        prev_ = x;
        seen_ = true;
    }
    result_type result(acc::dont_care) const { return s_; }

private:
    AccurateSum s_;
    double prev_ = 0.0;
    bool seen_ = false;
};

}  // namespace impl

namespace tag {
struct accurate_sum : acc::depends_on<> {
    using impl = detail::impl::accurate_sum_impl<boost::mpl::_1>;
};
struct mean_moving_range : acc::depends_on<> {
    using impl = detail::impl::mean_moving_range_impl<boost::mpl::_1>;
};
}  // namespace tag

namespace extract {
inline const acc::extractor<tag::accurate_sum> accurate_sum{};
inline const acc::extractor<tag::mean_moving_range> mean_moving_range{};
}  // namespace extract

}  // namespace detail

/// Running statistics of the points seen so far (values, and denominators for ratio charts).
class RunningBaseline {
public:
    void add(double value, double denominator = std::numeric_limits<double>::quiet_NaN()) {
        values_(value);
        // ratio charts: a point counts when both parts are present
        if (denominator == denominator && value == value) {
            numerators_(value);
            denominators_(denominator);
        }
    }
    /// Mean of the non-missing values (NaN when none).
    double mean() const { return detail::extract::accurate_sum(values_).mean(); }
    std::size_t count() const { return detail::extract::accurate_sum(values_).count; }
    /// Mean moving range between consecutive non-missing values (NaN when none).
    double mean_moving_range() const { return detail::extract::mean_moving_range(values_).mean(); }
    std::size_t moving_ranges() const { return detail::extract::mean_moving_range(values_).count; }
    /// Σ numerators / Σ denominators over points with both present (NaN when none).
    double ratio() const {
        const auto n = detail::extract::accurate_sum(numerators_), d = detail::extract::accurate_sum(denominators_);
        if (d.count == 0) return std::numeric_limits<double>::quiet_NaN();
        return n.value() / d.value();
    }

private:
    using Set = detail::acc::accumulator_set<double, detail::acc::stats<detail::tag::accurate_sum, detail::tag::mean_moving_range>>;
    using SumSet = detail::acc::accumulator_set<double, detail::acc::stats<detail::tag::accurate_sum>>;
    Set values_;
    SumSet numerators_, denominators_;
};

// ---------------------------------------------------------------------------------------------
// Serialised forms of the library's option and line structs
// ---------------------------------------------------------------------------------------------

template <>
struct Fields<spc::Lines> {
    template <class Ar>
    static void visit(Ar& ar, spc::Lines& l) {
        ar("centre", l.centre);
        ar("lower", l.lower);
        ar("upper", l.upper);
        ar("lower_1sigma", l.lower_1sigma);
        ar("upper_1sigma", l.upper_1sigma);
        ar("lower_2sigma", l.lower_2sigma);
        ar("upper_2sigma", l.upper_2sigma);
    }
};

template <>
struct Fields<spc::RuleOptions> {
    template <class Ar>
    static void visit(Ar& ar, spc::RuleOptions& o) {
        ar("rules", o.rules);
        ar("shift_length", o.shift_length);
        ar("trend_length", o.trend_length);
        ar("two_of_three", o.two_of_three);
        ar("flag_mode", o.flag_mode);
        ar("window_lines", o.window_lines);
        ar("alternating_length", o.alternating_length);
        ar("stratification_length", o.stratification_length);
        ar("mixture_length", o.mixture_length);
    }
};

template <>
struct Fields<spc::LimitOptions> {
    template <class Ar>
    static void visit(Ar& ar, spc::LimitOptions& o) {
        ar("sigma_multiplier", o.sigma_multiplier);
        ar("screen_moving_ranges", o.screen_moving_ranges);
        ar("screen_multiplier", o.screen_multiplier);
        ar("mr_d2", o.mr_d2);
        ar("mr_upper_factor", o.mr_upper_factor);
        ar("t_power", o.t_power);
        ar("g_centre", o.g_centre);
        ar("g_sigma", o.g_sigma);
        ar("subgroup_sigma", o.subgroup_sigma);
        ar("published_d2", o.published_d2);
        ar("clip", o.clip);
        ar("require_whole_counts", o.require_whole_counts);
        ar("missing_denominator_is_error", o.missing_denominator_is_error);
        ar("on_insufficient", o.on_insufficient);
    }
};

template <>
struct Fields<Signal> {
    template <class Ar>
    static void visit(Ar& ar, Signal& s) {
        ar("point", s.point);
        ar("first", s.first);
        ar("first_day", s.first_day);
        ar("day", s.day);
        ar("rule", s.rule);
        ar("direction", s.direction);
        ar("continued", s.continued);
    }
};

namespace detail {

[[noreturn]] inline void corrupted(const std::string& what) { fail_argument("state", "corrupted: " + what); }

inline void check_improvement_state(Improvement d) {
    const int v = static_cast<int>(d);
    if (v < -1 || v > 1) corrupted("unknown improvement direction " + std::to_string(v));
}

/// Options read from a state must pass their own validation; a failure is a corrupted state.
template <class Options>
void validate_options_state(const Options& o, const char* what) {
    try {
        o.validate();
    } catch (const std::exception& e) {
        corrupted(std::string(what) + ": " + e.what());
    }
}

}  // namespace detail

}  // namespace qm::monitor
