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
#include <qm/monitor/learned.hpp>
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

class CusumMonitor : public LearnedMonitor<CusumMonitor, MonitorKind::cusum, CusumMonitorOptions, spc::CusumParameters,
                                            spc::CusumState, CusumEvaluation> {
    using Base = LearnedMonitor<CusumMonitor, MonitorKind::cusum, CusumMonitorOptions, spc::CusumParameters,
                                spc::CusumState, CusumEvaluation>;
    friend Base;

public:
    CusumMonitor() : CusumMonitor(CusumMonitorOptions{.cusum = {.fix_after = 12}}) {}
    explicit CusumMonitor(const CusumMonitorOptions& options) : Base(options) { begin(); }

    template <class Ar>
    void visit(Ar& ar);
    void validate_state() const;

private:
    double se_display_ = std::numeric_limits<double>::quiet_NaN();
    SideStarts starts_;

    static std::size_t fix_after(const CusumMonitorOptions& o) noexcept { return o.cusum.fix_after; }
    static spc::SigmaMethod sigma_method(const CusumMonitorOptions& o) noexcept { return o.cusum.sigma_method; }
    spc::CusumParameters make_parameters(const spc::InControlEstimate& e) const {
        return spc::cusum_parameters(e, o_.cusum);
    }
    void start() {
        s_ = spc::cusum_start(p_);
        se_display_ = p_.sigma;
    }
    CusumEvaluation evaluate(std::uint64_t i, double x, double n, std::int64_t day);
    static CusumEvaluation held(std::uint64_t i, std::int64_t day, double x, double n);
};

// ============================================================================================
// Implementation
// ============================================================================================

inline void CusumMonitorOptions::validate() const {
    cusum.validate();
    detail::validate_learned_options(target, sigma, improvement, cusum.fix_after);
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
    starts_.mark(i, day, ev.point.upper_run == 1, ev.point.lower_run == 1);
    // a sum that is not above zero starts at this point (a reset after a signal)
    const SignalStart up = ev.point.upper_run > 0 ? starts_.upper : SignalStart{i, day};
    const SignalStart down = ev.point.lower_run > 0 ? starts_.lower : SignalStart{i, day};
    ev.alarm |= two_sided_signals(ev.point.flags, prev_flags_, i, day, up, down, o_.improvement, signals_, ev.point_type);
    return ev;
}

inline CusumEvaluation CusumMonitor::held(std::uint64_t i, std::int64_t day, double x, double n) {
    CusumEvaluation ev;
    ev.index = i;
    ev.day = day;
    ev.value = x;
    ev.size = n;
    ev.point = {0.0, 0.0, std::numeric_limits<double>::quiet_NaN(), 0, 0, 0};
    ev.upper_sum = ev.lower_sum = ev.decision_interval = std::numeric_limits<double>::quiet_NaN();
    ev.learning = true;
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
    visit_head(ar);
    ar("display_standard_error", se_display_);
    ar("previous_flags", prev_flags_);
    starts_.visit(ar, {"upper_start", "lower_start", "upper_start_day", "lower_start_day"});
    visit_held(ar);
}

inline void CusumMonitor::validate_state() const {
    if (validate_learning_state()) return;
    if (!std::isfinite(p_.target) || !(p_.sigma > 0.0) || !std::isfinite(p_.sigma) || p_.k != o_.cusum.k ||
        p_.h != o_.cusum.h)
        detail::corrupted("the CUSUM parameters are invalid");
    if (!(s_.upper >= 0.0) || !(s_.lower >= 0.0) || !std::isfinite(s_.upper) || !std::isfinite(s_.lower))
        detail::corrupted("the CUSUM sums are invalid");
    if (s_.upper_run > index_ || s_.lower_run > index_ || !starts_.within(index_))
        detail::corrupted("the run counters are beyond the points pushed");
    if (prev_flags_ > 3) detail::corrupted("unknown flags");
}

}  // namespace qm::monitor
