#pragma once
// qm/monitor/cusum_monitor.hpp — a live tabular CUSUM (qm/spc/cusum.hpp), with the in-control
// mean and σ given or learned from a baseline and then frozen.
//
// Synopsis
//   struct qm::monitor::CusumMonitorOptions { cusum (k, h, FIR, head start, reset, fix_after,
//                                             sigma_method); target; sigma; improvement }
//   struct qm::monitor::CusumEvaluation { index; day; value; size; point (spc::CusumPoint);
//                                         upper_sum; lower_sum; decision_interval; point_type;
//                                         learning; alarm; signals; updates }
//   class qm::monitor::CusumMonitor {
//       explicit CusumMonitor(const CusumMonitorOptions&)
//       CusumEvaluation push(double value, double size = 1, int64_t day = no_day, double subgroup_sd = NaN)
//       bool learning(); const spc::CusumParameters& parameters(); const spc::CusumState& state();
//       save / restore / to_json / from_json
//   }
//
// Each point goes through qm::spc::cusum_update, the function the batch chart (qm::spc::cusum)
// calls, so a replay gives the batch chart's standardised sums, run counters and flags bit for
// bit (tests/cpp/monitor_test.cpp). With target or sigma not given, the first cusum.fix_after
// points are held; at the last of them μ0 and σ are estimated by qm::spc::estimate_in_control
// from the held points — as the batch chart estimates them from its first fix_after rows — and
// the held points are evaluated (their signals, and an update for each earlier one, come back
// with that push). A baseline from which μ0 or σ cannot be estimated (no values, no moving
// range, no variation) makes that push throw qm::invalid_argument and leaves the monitor as it
// was, so the caller can give the parameters instead.
//
// Signals: rule 1 (qm::spc::signal::upper: C+ > h, direction +1) and rule 2 (lower: C− > h,
// direction −1); `first` is the point after which the sum last left zero (the estimated start of
// the shift); `continued` when the previous non-missing point signalled on the same side. The
// data-unit columns are the standardised sums times σ/√n of the point (of the last point with a
// size for a missing value; σ before any).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/core/types.hpp>
#include <qm/monitor/common.hpp>
#include <qm/monitor/serialize.hpp>
#include <qm/spc/cusum.hpp>

namespace qm::monitor {

struct CusumMonitorOptions {
    spc::CusumOptions cusum{};
    double target = std::numeric_limits<double>::quiet_NaN();  ///< μ0 (NaN: learned)
    double sigma = std::numeric_limits<double>::quiet_NaN();   ///< σ of one observation (NaN: learned)
    Improvement improvement = Improvement::increase;

    void validate() const;
};

struct CusumEvaluation {
    std::uint64_t index = 0;
    std::int64_t day = no_day;
    double value = 0.0, size = 1.0;
    spc::CusumPoint point{};             ///< standardised sums, run counters, flags
    double upper_sum = 0.0, lower_sum = 0.0, decision_interval = 0.0;  ///< in data units
    PointType point_type = PointType::common_cause;
    bool learning = false;
    bool alarm = false;
    std::span<const Signal> signals;
    std::span<const PointUpdate> updates;
    /// At the push that completes the baseline: the evaluations of every baseline point, in order
    /// (the last is this point); empty otherwise.
    std::span<const CusumEvaluation> baseline;
};

namespace detail {

/// Points held while the in-control parameters are learned, with their running mean and mean
/// moving range (RunningBaseline, Boost.Accumulators) for trial parameters; the running statistics
/// are rebuilt from the held points when a state is restored.
struct HeldPoints {
    std::vector<double> value, size, sd;
    std::vector<std::int64_t> day;
    RunningBaseline running;
    void clear() {
        value.clear();
        size.clear();
        sd.clear();
        day.clear();
        running = RunningBaseline{};
    }
    void add(double v, double n, double s, std::int64_t d) {
        value.push_back(v);
        size.push_back(n);
        sd.push_back(s);
        day.push_back(d);
        running.add(v);
    }
    std::size_t count() const noexcept { return value.size(); }
    void pop() {
        value.pop_back();
        size.pop_back();
        sd.pop_back();
        day.pop_back();
        rebuild();
    }
    void rebuild() {
        running = RunningBaseline{};
        for (double v : value) running.add(v);
    }
    /// Trial μ0 and σ (mean and mean moving range / 1.128 of the points so far; NaN without them).
    std::pair<double, double> trial() const {
        return {running.mean(), running.moving_ranges() ? running.mean_moving_range() / 1.128
                                                        : std::numeric_limits<double>::quiet_NaN()};
    }
    template <class Ar>
    void visit(Ar& ar) {
        ar("held_values", value);
        ar("held_sizes", size);
        ar("held_subgroup_sd", sd);
        ar("held_days", day);
        if constexpr (Ar::loading) rebuild();
    }
    bool consistent() const noexcept {
        return size.size() == value.size() && sd.size() == value.size() && day.size() == value.size();
    }
};

/// The checks of the batch chart (qm/spc/cusum.hpp) for one point.
inline void check_time_weighted_point(double x, double size, double sd, std::uint64_t index) {
    if (x != x) return;
    if (!(std::fabs(x) <= 1e300)) {
        if (std::isinf(x))
            fail_argument("values", index, std::string("must be finite or NaN (missing), got ") + (x > 0 ? "inf" : "-inf"));
        fail_argument("values", index, "magnitude above 1e300 is not supported (sums would overflow)");
    }
    if (!spc::detail::valid_size(size))
        fail_argument("sizes", index, "must be a subgroup size >= 1 (and at most 1e15), got " + std::to_string(size));
    if (sd == sd && (!(sd >= 0.0) || !std::isfinite(sd)))
        fail_argument("subgroup_sd", index, "must be finite and >= 0, or NaN (missing), got " + std::to_string(sd));
}

/// μ0 and σ from the held points (throws as the batch chart does).
inline spc::InControlEstimate estimate_held(const HeldPoints& h, double target, double sigma, spc::SigmaMethod method) {
    spc::TimeWeightedSpec spec;
    spec.target = target;
    spec.sigma = sigma;
    spec.sizes = h.size;
    bool any_sd = false;
    for (double s : h.sd) any_sd |= s == s;
    if (any_sd) spec.subgroup_sd = h.sd;
    return spc::estimate_in_control(h.value, spec, method);
}

}  // namespace detail

class CusumMonitor : public Persistent<CusumMonitor, MonitorKind::cusum> {
public:
    CusumMonitor() : CusumMonitor(CusumMonitorOptions{.cusum = {.fix_after = 12}}) {}
    explicit CusumMonitor(const CusumMonitorOptions& options);

    CusumEvaluation push(double value, double size = 1.0, std::int64_t day = no_day,
                         double subgroup_sd = std::numeric_limits<double>::quiet_NaN());

    bool learning() const noexcept { return learning_; }
    /// While learning: the mean and σ (mean moving range / 1.128) of the points so far — for display.
    std::pair<double, double> trial_parameters() const { return held_.trial(); }
    const spc::CusumParameters& parameters() const noexcept { return p_; }
    const spc::CusumState& state() const noexcept { return s_; }
    const CusumMonitorOptions& options() const noexcept { return o_; }
    std::uint64_t size() const noexcept { return index_; }
    std::int64_t last_day() const noexcept { return clock_.last(); }


    template <class Ar>
    void visit(Ar& ar);
    void validate_state() const;

private:
    CusumMonitorOptions o_;
    spc::CusumParameters p_{};
    spc::CusumState s_{};
    bool learning_ = false;
    std::uint64_t index_ = 0;
    DayClock clock_;
    double se_display_ = std::numeric_limits<double>::quiet_NaN();
    std::uint8_t prev_flags_ = 0;  // of the previous non-missing point
    std::uint64_t upper_start_ = 0, lower_start_ = 0;
    std::int64_t upper_start_day_ = no_day, lower_start_day_ = no_day;
    detail::HeldPoints held_;
    std::vector<Signal> signals_;
    std::vector<PointUpdate> updates_;
    std::vector<CusumEvaluation> baseline_;

    CusumEvaluation evaluate(std::uint64_t i, double x, double n, std::int64_t day);
};

// ============================================================================================
// Implementation
// ============================================================================================

inline void CusumMonitorOptions::validate() const {
    cusum.validate();
    if (target == target && !std::isfinite(target)) fail_argument("target", "must be finite or NaN (learned)");
    if (sigma == sigma && (!(sigma > 0.0) || !std::isfinite(sigma)))
        fail_argument("sigma", "must be positive and finite, or NaN (learned)");
    const int d = static_cast<int>(improvement);
    if (d < -1 || d > 1) fail_argument("improvement", "unknown improvement direction " + std::to_string(d));
    if ((target != target || sigma != sigma) && cusum.fix_after == 0)
        fail_argument("fix_after", "a monitor without a given target and sigma learns them from its first fix_after "
                                   "points: give fix_after >= 1, or the target and sigma");
}

inline CusumMonitor::CusumMonitor(const CusumMonitorOptions& o) : o_(o) {
    o_.validate();
    learning_ = o_.target != o_.target || o_.sigma != o_.sigma;
    if (!learning_) {
        p_ = spc::cusum_parameters({o_.target, o_.sigma, 0, false, false}, o_.cusum);
        s_ = spc::cusum_start(p_);
        se_display_ = p_.sigma;
    } else {
        held_.value.reserve(o_.cusum.fix_after);
    }
}

inline CusumEvaluation CusumMonitor::evaluate(std::uint64_t i, double x, double n, std::int64_t day) {
    CusumEvaluation ev;
    ev.index = i;
    ev.day = day;
    ev.value = x;
    ev.size = n;
    ev.point = spc::cusum_update(s_, p_, x, n);
    // as the batch chart's data-unit columns: σ/√n of the last point with a valid size
    if (spc::detail::valid_size(n)) se_display_ = p_.sigma / std::sqrt(n);
    ev.upper_sum = ev.point.upper * se_display_;
    ev.lower_sum = ev.point.lower * se_display_;
    ev.decision_interval = p_.h * se_display_;
    if (x != x) return ev;
    if (ev.point.upper_run == 1) {
        upper_start_ = i;
        upper_start_day_ = day;
    }
    if (ev.point.lower_run == 1) {
        lower_start_ = i;
        lower_start_day_ = day;
    }
    // a sum that is not above zero starts at this point (a reset after a signal)
    const SignalStart up = ev.point.upper_run > 0 ? SignalStart{upper_start_, upper_start_day_} : SignalStart{i, day};
    const SignalStart down = ev.point.lower_run > 0 ? SignalStart{lower_start_, lower_start_day_} : SignalStart{i, day};
    ev.alarm |= two_sided_signals(ev.point.flags, prev_flags_, i, day, up, down, o_.improvement, signals_, ev.point_type);
    return ev;
}

inline CusumEvaluation CusumMonitor::push(double x, double n, std::int64_t day, double sd) {
    detail::check_time_weighted_point(x, n, sd, index_);
    clock_.check(day, index_);
    signals_.clear();
    updates_.clear();
    if (!learning_) {
        CusumEvaluation ev = evaluate(index_, x, n, day);
        clock_.advance(day);
        ++index_;
        ev.signals = signals_;
        ev.updates = updates_;
        return ev;
    }
    held_.add(x, n, sd, day);
    if (held_.count() < o_.cusum.fix_after) {
        clock_.advance(day);
        ++index_;
        CusumEvaluation ev;
        ev.index = index_ - 1;
        ev.day = day;
        ev.value = x;
        ev.size = n;
        ev.point = {0.0, 0.0, std::numeric_limits<double>::quiet_NaN(), 0, 0, 0};
        ev.upper_sum = ev.lower_sum = ev.decision_interval = std::numeric_limits<double>::quiet_NaN();
        ev.learning = true;
        return ev;
    }
    spc::CusumParameters p;
    try {
        const auto est = detail::estimate_held(held_, o_.target, o_.sigma, o_.cusum.sigma_method);
        p = spc::cusum_parameters(est, o_.cusum);
    } catch (...) {
        held_.pop();  // the monitor stays as it was
        throw;
    }
    p_ = p;
    s_ = spc::cusum_start(p_);
    se_display_ = p_.sigma;
    learning_ = false;
    const std::uint64_t first = index_ + 1 - held_.count();
    CusumEvaluation ev;
    baseline_.clear();
    for (std::size_t j = 0; j < held_.count(); ++j) {
        ev = evaluate(first + j, held_.value[j], held_.size[j], held_.day[j]);
        baseline_.push_back(ev);
        if (j + 1 < held_.count()) updates_.push_back({first + j, ev.point.flags, ev.point_type});
    }
    bool alarm = false;
    for (const Signal& s : signals_) alarm |= !s.continued;
    ev.alarm = alarm;
    held_.clear();
    clock_.advance(day);
    ++index_;
    ev.signals = signals_;
    ev.updates = updates_;
    ev.baseline = baseline_;
    return ev;
}

template <>
struct Fields<CusumMonitorOptions> {
    template <class Ar>
    static void visit(Ar& ar, CusumMonitorOptions& o) {
        ar("k", o.cusum.k);
        ar("h", o.cusum.h);
        ar("fast_initial_response", o.cusum.fast_initial_response);
        ar("head_start", o.cusum.head_start);
        ar("reset_after_signal", o.cusum.reset_after_signal);
        ar("fix_after", o.cusum.fix_after);
        ar("sigma_method", o.cusum.sigma_method);
        ar("target", o.target);
        ar("sigma", o.sigma);
        ar("improvement", o.improvement);
    }
};

template <>
struct Fields<spc::CusumParameters> {
    template <class Ar>
    static void visit(Ar& ar, spc::CusumParameters& p) {
        ar("target", p.target);
        ar("sigma", p.sigma);
        ar("k", p.k);
        ar("h", p.h);
        ar("head_start", p.head_start);
        ar("reset_after_signal", p.reset_after_signal);
    }
};

template <>
struct Fields<spc::CusumState> {
    template <class Ar>
    static void visit(Ar& ar, spc::CusumState& s) {
        ar("upper", s.upper);
        ar("lower", s.lower);
        ar("upper_run", s.upper_run);
        ar("lower_run", s.lower_run);
    }
};

template <class Ar>
void CusumMonitor::visit(Ar& ar) {
    ar("options", o_);
    ar("parameters", p_);
    ar("state", s_);
    ar("learning", learning_);
    ar("index", index_);
    ar("last_day", clock_.last_ref());
    ar("display_standard_error", se_display_);
    ar("previous_flags", prev_flags_);
    ar("upper_start", upper_start_);
    ar("lower_start", lower_start_);
    ar("upper_start_day", upper_start_day_);
    ar("lower_start_day", lower_start_day_);
    held_.visit(ar);
}

inline void CusumMonitor::validate_state() const {
    detail::validate_options_state(o_, "options");
    detail::check_improvement_state(o_.improvement);
    if (!held_.consistent()) detail::corrupted("the held baseline columns differ in length");
    if (learning_) {
        if (held_.count() >= o_.cusum.fix_after || held_.count() != index_)
            detail::corrupted("the held baseline does not match the points pushed");
        return;
    }
    if (held_.count() != 0) detail::corrupted("baseline points are held after the parameters were frozen");
    if (!std::isfinite(p_.target) || !(p_.sigma > 0.0) || !std::isfinite(p_.sigma) || p_.k != o_.cusum.k ||
        p_.h != o_.cusum.h)
        detail::corrupted("the CUSUM parameters are invalid");
    if (!(s_.upper >= 0.0) || !(s_.lower >= 0.0) || !std::isfinite(s_.upper) || !std::isfinite(s_.lower))
        detail::corrupted("the CUSUM sums are invalid");
    if (s_.upper_run > index_ || s_.lower_run > index_ || upper_start_ > index_ || lower_start_ > index_)
        detail::corrupted("the run counters are beyond the points pushed");
    if (prev_flags_ > 3) detail::corrupted("unknown flags");
}

}  // namespace qm::monitor
