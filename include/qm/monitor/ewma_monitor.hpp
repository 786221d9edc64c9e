#pragma once
// qm/monitor/ewma_monitor.hpp — a live EWMA chart (qm/spc/ewma.hpp), with the in-control mean
// and σ given or learned from a baseline and then frozen.
//
// Synopsis
//   struct qm::monitor::EwmaMonitorOptions { ewma (λ, L, limits, fix_after, sigma_method); target;
//                                            sigma; improvement }
//   struct qm::monitor::EwmaEvaluation { index; day; value; size; point (spc::EwmaPoint); centre;
//                                        point_type; learning; alarm; signals; updates }
//   class qm::monitor::EwmaMonitor {
//       explicit EwmaMonitor(const EwmaMonitorOptions&)
//       EwmaEvaluation push(double value, double size = 1, int64_t day = no_day, double subgroup_sd = NaN)
//       bool learning(); const spc::EwmaParameters& parameters(); const spc::EwmaState& state();
//       save / restore / to_json / from_json
//   }
//
// Each point goes through qm::spc::ewma_update (the batch chart's step without its table of time
// factors, which the table holds bit for bit), so a replay gives qm::spc::ewma's statistic,
// limits and flags exactly. Learning, signals and updates as qm/monitor/cusum_monitor.hpp: rule 1
// (statistic above the upper limit, direction +1), rule 2 (below the lower, −1); `first` = the
// point itself; `continued` when the previous non-missing point signalled on the same side.

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
#include <qm/monitor/cusum_monitor.hpp>
#include <qm/monitor/serialize.hpp>
#include <qm/spc/ewma.hpp>

namespace qm::monitor {

struct EwmaMonitorOptions {
    spc::EwmaOptions ewma{};
    double target = std::numeric_limits<double>::quiet_NaN();  ///< μ0 (NaN: learned)
    double sigma = std::numeric_limits<double>::quiet_NaN();   ///< σ of one observation (NaN: learned)
    Improvement improvement = Improvement::increase;

    void validate() const;
};

struct EwmaEvaluation {
    std::uint64_t index = 0;
    std::int64_t day = no_day;
    double value = 0.0, size = 1.0;
    spc::EwmaPoint point{};
    double centre = 0.0;
    PointType point_type = PointType::common_cause;
    bool learning = false;
    bool alarm = false;
    std::span<const Signal> signals;
    std::span<const PointUpdate> updates;
    /// At the push that completes the baseline: every baseline point's evaluation (see CUSUM).
    std::span<const EwmaEvaluation> baseline;
};

class EwmaMonitor : public Persistent<EwmaMonitor, MonitorKind::ewma> {
public:
    EwmaMonitor() : EwmaMonitor(EwmaMonitorOptions{.ewma = {.fix_after = 12}}) {}
    explicit EwmaMonitor(const EwmaMonitorOptions& options);

    EwmaEvaluation push(double value, double size = 1.0, std::int64_t day = no_day,
                        double subgroup_sd = std::numeric_limits<double>::quiet_NaN());

    bool learning() const noexcept { return learning_; }
    /// While learning: the mean and σ (mean moving range / 1.128) of the points so far — for display.
    std::pair<double, double> trial_parameters() const { return held_.trial(); }
    const spc::EwmaParameters& parameters() const noexcept { return p_; }
    const spc::EwmaState& state() const noexcept { return s_; }
    const EwmaMonitorOptions& options() const noexcept { return o_; }
    std::uint64_t size() const noexcept { return index_; }
    std::int64_t last_day() const noexcept { return clock_.last(); }


    template <class Ar>
    void visit(Ar& ar);
    void validate_state() const;

private:
    EwmaMonitorOptions o_;
    spc::EwmaParameters p_{};
    spc::EwmaState s_{};
    bool learning_ = false;
    std::uint64_t index_ = 0;
    DayClock clock_;
    std::uint8_t prev_flags_ = 0;
    detail::HeldPoints held_;
    std::vector<Signal> signals_;
    std::vector<PointUpdate> updates_;
    std::vector<EwmaEvaluation> baseline_;

    EwmaEvaluation evaluate(std::uint64_t i, double x, double n, std::int64_t day);
};

// ============================================================================================
// Implementation
// ============================================================================================

inline void EwmaMonitorOptions::validate() const {
    ewma.validate();
    if (target == target && !std::isfinite(target)) fail_argument("target", "must be finite or NaN (learned)");
    if (sigma == sigma && (!(sigma > 0.0) || !std::isfinite(sigma)))
        fail_argument("sigma", "must be positive and finite, or NaN (learned)");
    const int d = static_cast<int>(improvement);
    if (d < -1 || d > 1) fail_argument("improvement", "unknown improvement direction " + std::to_string(d));
    if ((target != target || sigma != sigma) && ewma.fix_after == 0)
        fail_argument("fix_after", "a monitor without a given target and sigma learns them from its first fix_after "
                                   "points: give fix_after >= 1, or the target and sigma");
}

inline EwmaMonitor::EwmaMonitor(const EwmaMonitorOptions& o) : o_(o) {
    o_.validate();
    learning_ = o_.target != o_.target || o_.sigma != o_.sigma;
    if (!learning_) {
        p_ = spc::ewma_parameters({o_.target, o_.sigma, 0, false, false}, o_.ewma);
        s_ = spc::ewma_start(p_);
    }
}

inline EwmaEvaluation EwmaMonitor::evaluate(std::uint64_t i, double x, double n, std::int64_t day) {
    EwmaEvaluation ev;
    ev.index = i;
    ev.day = day;
    ev.value = x;
    ev.size = n;
    ev.point = spc::ewma_update(s_, p_, x, n);
    ev.centre = p_.target;
    if (x != x) return ev;
    ev.alarm |= two_sided_signals(ev.point.flags, prev_flags_, i, day, {i, day}, {i, day}, o_.improvement, signals_,
                                  ev.point_type);  // an EWMA signal covers its own point
    return ev;
}

inline EwmaEvaluation EwmaMonitor::push(double x, double n, std::int64_t day, double sd) {
    detail::check_time_weighted_point(x, n, sd, index_);
    clock_.check(day, index_);
    signals_.clear();
    updates_.clear();
    if (!learning_) {
        EwmaEvaluation ev = evaluate(index_, x, n, day);
        clock_.advance(day);
        ++index_;
        ev.signals = signals_;
        ev.updates = updates_;
        return ev;
    }
    held_.add(x, n, sd, day);
    if (held_.count() < o_.ewma.fix_after) {
        clock_.advance(day);
        ++index_;
        EwmaEvaluation ev;
        ev.index = index_ - 1;
        ev.day = day;
        ev.value = x;
        ev.size = n;
        const double nan = std::numeric_limits<double>::quiet_NaN();
        ev.point = {nan, nan, nan, 0};
        ev.centre = nan;
        ev.learning = true;
        return ev;
    }
    spc::EwmaParameters p;
    try {
        const auto est = detail::estimate_held(held_, o_.target, o_.sigma, o_.ewma.sigma_method);
        p = spc::ewma_parameters(est, o_.ewma);
    } catch (...) {
        held_.pop();
        throw;
    }
    p_ = p;
    s_ = spc::ewma_start(p_);
    learning_ = false;
    const std::uint64_t first = index_ + 1 - held_.count();
    EwmaEvaluation ev;
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
struct Fields<EwmaMonitorOptions> {
    template <class Ar>
    static void visit(Ar& ar, EwmaMonitorOptions& o) {
        ar("lambda", o.ewma.lambda);
        ar("limit_sigmas", o.ewma.limit_sigmas);
        ar("limits", o.ewma.limits);
        ar("fix_after", o.ewma.fix_after);
        ar("sigma_method", o.ewma.sigma_method);
        ar("target", o.target);
        ar("sigma", o.sigma);
        ar("improvement", o.improvement);
    }
};

template <>
struct Fields<spc::EwmaParameters> {
    template <class Ar>
    static void visit(Ar& ar, spc::EwmaParameters& p) {
        ar("target", p.target);
        ar("sigma", p.sigma);
        ar("lambda", p.lambda);
        ar("limit_sigmas", p.limit_sigmas);
        ar("limits", p.limits);
    }
};

template <>
struct Fields<spc::EwmaState> {
    template <class Ar>
    static void visit(Ar& ar, spc::EwmaState& s) {
        ar("statistic", s.statistic);
        ar("half_width", s.half_width);
        ar("variance", s.variance);
        ar("count", s.count);
        ar("steady", s.steady);
    }
};

template <class Ar>
void EwmaMonitor::visit(Ar& ar) {
    ar("options", o_);
    ar("parameters", p_);
    ar("state", s_);
    ar("learning", learning_);
    ar("index", index_);
    ar("last_day", clock_.last_ref());
    ar("previous_flags", prev_flags_);
    held_.visit(ar);
}

inline void EwmaMonitor::validate_state() const {
    detail::validate_options_state(o_, "options");
    if (!held_.consistent()) detail::corrupted("the held baseline columns differ in length");
    if (learning_) {
        if (held_.count() >= o_.ewma.fix_after || held_.count() != index_)
            detail::corrupted("the held baseline does not match the points pushed");
        return;
    }
    if (held_.count() != 0) detail::corrupted("baseline points are held after the parameters were frozen");
    if (!std::isfinite(p_.target) || !(p_.sigma > 0.0) || !std::isfinite(p_.sigma) || p_.lambda != o_.ewma.lambda ||
        p_.limit_sigmas != o_.ewma.limit_sigmas || p_.limits != o_.ewma.limits)
        detail::corrupted("the EWMA parameters are invalid");
    if (!std::isfinite(s_.statistic) || !(s_.variance >= 0.0) || !(s_.half_width >= 0.0) || s_.count > index_)
        detail::corrupted("the EWMA state is invalid");
    if (prev_flags_ > 3) detail::corrupted("unknown flags");
}

}  // namespace qm::monitor
