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
// limits and flags exactly. Learning as qm/monitor/learned.hpp; signals and updates as
// qm/monitor/cusum_monitor.hpp: rule 1 (statistic above the upper limit, direction +1), rule 2
// (below the lower, −1); `first` = the point itself; `continued` when the previous non-missing
// point signalled on the same side.

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
#include <qm/monitor/learned.hpp>
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

class EwmaMonitor : public LearnedMonitor<EwmaMonitor, MonitorKind::ewma, EwmaMonitorOptions, spc::EwmaParameters,
                                           spc::EwmaState, EwmaEvaluation> {
    using Base =
        LearnedMonitor<EwmaMonitor, MonitorKind::ewma, EwmaMonitorOptions, spc::EwmaParameters, spc::EwmaState, EwmaEvaluation>;
    friend Base;

public:
    EwmaMonitor() : EwmaMonitor(EwmaMonitorOptions{.ewma = {.fix_after = 12}}) {}
    explicit EwmaMonitor(const EwmaMonitorOptions& options) : Base(options) { begin(); }

    template <class Ar>
    void visit(Ar& ar);
    void validate_state() const;

private:
    static std::size_t fix_after(const EwmaMonitorOptions& o) noexcept { return o.ewma.fix_after; }
    static spc::SigmaMethod sigma_method(const EwmaMonitorOptions& o) noexcept { return o.ewma.sigma_method; }
    spc::EwmaParameters make_parameters(const spc::InControlEstimate& e) const { return spc::ewma_parameters(e, o_.ewma); }
    void start() { s_ = spc::ewma_start(p_); }
    EwmaEvaluation evaluate(std::uint64_t i, double x, double n, std::int64_t day);
    static EwmaEvaluation held(std::uint64_t i, std::int64_t day, double x, double n);
};

// ============================================================================================
// Implementation
// ============================================================================================

inline void EwmaMonitorOptions::validate() const {
    ewma.validate();
    detail::validate_learned_options(target, sigma, improvement, ewma.fix_after);
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

inline EwmaEvaluation EwmaMonitor::held(std::uint64_t i, std::int64_t day, double x, double n) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    EwmaEvaluation ev;
    ev.index = i;
    ev.day = day;
    ev.value = x;
    ev.size = n;
    ev.point = {nan, nan, nan, 0};
    ev.centre = nan;
    ev.learning = true;
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
    visit_head(ar);
    ar("previous_flags", prev_flags_);
    visit_held(ar);
}

inline void EwmaMonitor::validate_state() const {
    if (validate_learning_state()) return;
    if (!std::isfinite(p_.target) || !(p_.sigma > 0.0) || !std::isfinite(p_.sigma) || p_.lambda != o_.ewma.lambda ||
        p_.limit_sigmas != o_.ewma.limit_sigmas || p_.limits != o_.ewma.limits)
        detail::corrupted("the EWMA parameters are invalid");
    if (!std::isfinite(s_.statistic) || !(s_.variance >= 0.0) || !(s_.half_width >= 0.0) || s_.count > index_)
        detail::corrupted("the EWMA state is invalid");
    if (prev_flags_ > 3) detail::corrupted("unknown flags");
}

}  // namespace qm::monitor
