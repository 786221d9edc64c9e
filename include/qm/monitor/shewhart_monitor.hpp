#pragma once
// qm/monitor/shewhart_monitor.hpp — a live Shewhart chart: XmR (with the Making Data Count
// arithmetic and rules, or any other), p, np, u, c, Laney p′ and u′, g, t, MR and run charts,
// with limits given or learned from a baseline and then frozen, and any rule set.
//
// Synopsis
//   struct qm::monitor::ChartLimits { chart; centre; mean; sigma; sufficient; options;
//                                     lines(denominator, missing) }      the frozen parameters
//   ChartLimits qm::monitor::learn_limits(ChartType, span<const double> values,
//                                         span<const double> denominators = {},
//                                         const spc::LimitOptions& = {}, span<const uint8_t> exclude = {})
//   ChartLimits qm::monitor::limits_from_phase(ChartType, const spc::PhaseLimitInfo&, const spc::LimitOptions&)
//   struct qm::monitor::ShewhartOptions { chart; limits; rules; improvement; target; fix_after }
//   ShewhartOptions qm::monitor::shewhart_preset(std::string_view preset, ChartType, std::size_t fix_after = 0)
//   struct qm::monitor::ShewhartEvaluation { index; day; value; denominator; statistic; lines; flags;
//                                            point_type; learning; alarm; signals; updates }
//   class qm::monitor::ShewhartMonitor {
//       explicit ShewhartMonitor(const ShewhartOptions&)                 learns from the first fix_after points
//       ShewhartMonitor(const ShewhartOptions&, const ChartLimits&)      frozen limits from the start
//       ShewhartEvaluation push(double value, double denominator = NaN, int64_t day = no_day,
//                               bool excluded = false)
//       void rebase(); void rebase(const ChartLimits&)                   start a new phase
//       bool learning(); const ChartLimits& limits(); ChartLimits trial_limits(); uint64_t size();
//       uint64_t phase_begin(); spc::RunsAnalysis runs_analysis(); const ShewhartOptions& options()
//       std::string save(); static ShewhartMonitor restore(std::string_view)
//       std::string to_json(); static ShewhartMonitor from_json(std::string_view)
//   }
//
// Replay equivalence (tests/cpp/monitor_test.cpp): pushing a series one point at a time and
// applying the updates gives exactly — bit for bit — the statistic, lines, flags and point types
// of qm::spc::chart_grouped with the same options and fix_after, for every chart above and every
// rule set, with missing values, exclusions and phases (rebase). The limits are not recomputed
// by new code: at the end of the baseline the monitor calls qm::spc::chart_limits on the buffered
// baseline points (the same function, the same arithmetic), evaluates the baseline points against
// the frozen lines, and from then on computes each new point's lines with the per-point formula of
// chart_limits for its chart (constant lines are computed once). The rules are those of
// qm/spc/rules.hpp run as a state machine (qm/monitor/detail/rule_stream.hpp).
//
// Baseline (learning). With fix_after = B and no limits given, the first B points of a phase are
// held (at most B values: the memory stays bounded); their evaluation returns learning = true, no
// flags, and trial lines from the running statistics of the points so far (RunningBaseline,
// Boost.Accumulators: mean ± k·mR̄/mr_d2 for the I chart, c̄ and √c̄ for c, Σy/Σn for p, np, u and
// their Laney forms; NaN lines for run, MR, g and t) — for display only, never used for a rule.
// The B-th point freezes the limits; the signals of the whole baseline and an update for each of
// its earlier points are returned with it. A baseline with too few usable points gives NaN lines
// (limits().sufficient == false), as chart_grouped does, and only the rules that need no line fire.
//
// Whole-phase rules (Anhøj runs and crossings): see qm/monitor/detail/rule_stream.hpp — a point's
// runs / crossings flag is the verdict on the phase up to that point.
//
// Inputs are checked as qm::spc::chart_limits checks them (finite or NaN; whole non-negative counts;
// positive denominators; numerator ≤ denominator for p, np, p′); a bad point throws
// qm::invalid_argument naming the argument and the stream position, and leaves the monitor as it
// was. Dates are optional; when given they must increase. xbar_r / xbar_s are not offered (push the
// subgroup means to an I chart, or use the CUSUM / EWMA monitors, which take subgroup sizes).

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
#include <qm/monitor/detail/rule_stream.hpp>
#include <qm/monitor/serialize.hpp>
#include <qm/spc/chart.hpp>
#include <qm/spc/chart_types.hpp>
#include <qm/spc/limits.hpp>
#include <qm/spc/rules.hpp>

namespace qm::monitor {

/// The frozen parameters of a Shewhart chart: everything its lines depend on.
///   xmr, t  mean = centre of the working scale (t: of y^(1/t_power)), sigma = mR̄ / mr_d2
///   mr      centre = mean = mR̄
///   c, g    mean = c̄ / m, sigma = √c̄ / √(m(m±1)); centre = the centre line (g: median or mean)
///   p, np, u            mean = Σy/Σn (σ_i from it and the point's denominator)
///   p_prime, u_prime    mean = Σy/Σn, sigma = Laney's σ_z
///   run     centre = median
/// sufficient = false: the baseline was too short; every line but the centre is NaN.
struct ChartLimits {
    static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    spc::ChartType chart = spc::ChartType::xmr;
    double centre = nan;
    double mean = nan;
    double sigma = nan;
    bool sufficient = true;
    spc::LimitOptions options{};

    /// The lines of a point with this denominator (ratio charts) that is missing or not.
    spc::Lines lines(double denominator = nan, bool missing = false) const noexcept;
    /// The lines do not depend on the point (every chart but p, np, u, p′, u′).
    bool constant() const noexcept;
    /// Throws qm::invalid_argument naming the offending member.
    void validate() const;
};

ChartLimits limits_from_phase(spc::ChartType chart, const spc::PhaseLimitInfo& info, const spc::LimitOptions& options);

/// Limits from a baseline, computed by qm::spc::chart_limits (too few usable points: NaN lines).
ChartLimits learn_limits(spc::ChartType chart, std::span<const double> values,
                         std::span<const double> denominators = {}, const spc::LimitOptions& options = {},
                         std::span<const std::uint8_t> exclude = {});

struct ShewhartOptions {
    spc::ChartType chart = spc::ChartType::xmr;
    spc::LimitOptions limits{};
    spc::RuleOptions rules = spc::rule_sets::mdc;
    Improvement improvement = Improvement::increase;
    double target = std::numeric_limits<double>::quiet_NaN();  ///< the goal (assurance; display)
    /// Learn the limits of each phase from its first fix_after points (0: limits must be given).
    std::size_t fix_after = 0;

    void validate() const;
};

/// qm::spc::chart_preset's limit arithmetic and rules ("mdc", "qicharts2", "qcc", "shewhart").
ShewhartOptions shewhart_preset(std::string_view preset, spc::ChartType chart, std::size_t fix_after = 0);

/// One pushed point. The spans point into the monitor and are valid until the next call.
struct ShewhartEvaluation {
    std::uint64_t index = 0;
    std::int64_t day = no_day;
    double value = 0.0, denominator = 0.0, statistic = 0.0;
    spc::Lines lines{};
    spc::RuleFlags flags = 0;
    PointType point_type = PointType::common_cause;
    bool learning = false;  ///< part of a baseline not yet complete: not evaluated, trial lines
    bool alarm = false;     ///< a signal that is not a continuation was raised
    std::span<const Signal> signals;
    std::span<const PointUpdate> updates;
};

class ShewhartMonitor : public Persistent<ShewhartMonitor, MonitorKind::shewhart> {
public:
    ShewhartMonitor() : ShewhartMonitor(ShewhartOptions{.fix_after = 12}) {}
    explicit ShewhartMonitor(const ShewhartOptions& options);
    ShewhartMonitor(const ShewhartOptions& options, const ChartLimits& limits);

    ShewhartEvaluation push(double value, double denominator = std::numeric_limits<double>::quiet_NaN(),
                            std::int64_t day = no_day, bool excluded = false);

    /// A new phase that learns its limits from its first fix_after points.
    void rebase();
    /// A new phase with these limits.
    void rebase(const ChartLimits& limits);

    bool learning() const noexcept { return learning_; }
    /// The frozen limits (while learning: those of the previous phase, or the given ones).
    const ChartLimits& limits() const noexcept { return limits_; }
    /// Trial limits from the points of the baseline so far (informational).
    ChartLimits trial_limits() const;
    const ShewhartOptions& options() const noexcept { return o_; }
    std::uint64_t size() const noexcept { return index_; }
    std::uint64_t phase_begin() const noexcept { return phase_begin_; }
    std::size_t baseline_held() const noexcept { return base_y_.size(); }
    spc::RunsAnalysis runs_analysis() const { return stream_.runs(); }
    std::int64_t last_day() const noexcept { return clock_.last(); }


    template <class Ar>
    void visit(Ar& ar);
    void validate_state() const;

private:
    ShewhartOptions o_;
    ChartLimits limits_;
    spc::Lines const_lines_{};
    bool learning_ = true;
    std::uint64_t index_ = 0, phase_begin_ = 0;
    DayClock clock_;
    double prev_value_ = std::numeric_limits<double>::quiet_NaN();  // MR chart: previous value of the phase
    bool have_prev_ = false;
    std::vector<double> base_y_, base_d_;
    std::vector<std::uint8_t> base_excl_;
    std::vector<std::int64_t> base_day_;
    RunningBaseline running_;
    detail::RuleStream stream_;
    std::vector<Signal> signals_;
    std::vector<PointUpdate> updates_;

    void check_point(double y, double d) const;
    double statistic(double y, double d) const noexcept;
    void freeze(ShewhartEvaluation& ev);
    void set_limits(const ChartLimits& l) {
        limits_ = l;
        const_lines_ = l.lines();
    }
    /// Drops the held baseline points (evaluated at the end of learning, or left at a new phase).
    void clear_baseline() {
        base_y_.clear();
        base_d_.clear();
        base_excl_.clear();
        base_day_.clear();
        running_ = RunningBaseline{};
    }
    /// A new phase from the next point, learning its limits or with limits given.
    void start_phase(bool learning) {
        stream_.reset();
        phase_begin_ = index_;
        have_prev_ = false;
        learning_ = learning;
        clear_baseline();
    }
};

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail {

constexpr bool is_ratio(spc::ChartType c) noexcept {
    using C = spc::ChartType;
    return c == C::p || c == C::np || c == C::u || c == C::p_prime || c == C::u_prime;
}

inline void check_monitor_chart(spc::ChartType c) {
    if (c == spc::ChartType::xbar_r || c == spc::ChartType::xbar_s)
        fail_argument("chart", "the " + std::string(spc::to_string(c)) +
                                   " chart is not offered as a live monitor: push the subgroup means to an xmr "
                                   "monitor, or use the CUSUM or EWMA monitor with subgroup sizes");
    if (static_cast<unsigned>(c) > static_cast<unsigned>(spc::ChartType::t))
        fail_argument("chart", "unknown chart " + std::to_string(static_cast<unsigned>(c)));
}

}  // namespace detail

inline bool ChartLimits::constant() const noexcept { return !detail::is_ratio(chart); }

inline void ChartLimits::validate() const {
    detail::check_monitor_chart(chart);
    options.validate();
    auto finite_or_nan = [](double v) { return v != v || std::isfinite(v); };
    if (!finite_or_nan(centre)) fail_argument("centre", "must be finite or NaN");
    if (!finite_or_nan(mean)) fail_argument("mean", "must be finite or NaN");
    if (!finite_or_nan(sigma) || sigma < 0) fail_argument("sigma", "must be a finite number >= 0, or NaN");
}

inline spc::Lines ChartLimits::lines(double d, bool missing) const noexcept {
    using C = spc::ChartType;
    using namespace spc::detail::limits;
    const spc::Lines none{centre, nan, nan, nan, nan, nan, nan};
    if (!sufficient) return none;
    const Multipliers m(options.sigma_multiplier);
    const double lo_count = options.clip ? 0.0 : -inf;
    switch (chart) {
        case C::run: return none;
        case C::xmr: return make_lines(mean, sigma, m, -inf, inf);
        case C::t: {
            // as chart_limits: the I chart of y^(1/t_power), lines raised back; a negative lower line
            // is 0 (clip) or NaN
            auto back = [&](double v) { return v < 0 ? (options.clip ? 0.0 : nan) : std::pow(v, options.t_power); };
            return {centre,
                    back(mean - m.k * sigma),
                    back(mean + m.k * sigma),
                    back(mean - m.k1 * sigma),
                    back(mean + m.k1 * sigma),
                    back(mean - m.k2 * sigma),
                    back(mean + m.k2 * sigma)};
        }
        case C::mr: {
            const double c = centre, f = options.mr_upper_factor;
            return {c, 0.0, f * (m.k / 3.0) * c, 0.0, (f / 3.0) * m.k1 * c, 0.0, (f / 3.0) * m.k2 * c};
        }
        case C::c:
        case C::g: {
            spc::Lines l = make_lines(mean, sigma, m, lo_count, inf);
            l.centre = centre;
            return l;
        }
        case C::p:
        case C::np:
        case C::u:
        case C::p_prime:
        case C::u_prime: {
            const double bar = mean;
            if (missing || d != d) return {chart == C::np ? nan : bar, nan, nan, nan, nan, nan, nan};
            if (chart == C::np)
                return make_lines(d * bar, std::sqrt(bar * (1 - bar) * d), m, options.clip ? 0.0 : -inf,
                                  options.clip ? d : inf);
            const bool proportion = chart != C::u && chart != C::u_prime;
            const double s0 = proportion ? std::sqrt(bar * (1 - bar) / d) : std::sqrt(bar / d);
            const bool laney = chart == C::p_prime || chart == C::u_prime;
            const double s = laney ? s0 * sigma : s0;
            return make_lines(bar, s, m, lo_count, proportion && options.clip ? 1.0 : inf);
        }
        default: return none;
    }
}

inline ChartLimits limits_from_phase(spc::ChartType chart, const spc::PhaseLimitInfo& info,
                                     const spc::LimitOptions& options) {
    detail::check_monitor_chart(chart);
    ChartLimits l;
    l.chart = chart;
    l.options = options;
    l.sufficient = info.sufficient;
    l.centre = info.centre;
    l.mean = info.mean;
    l.sigma = (chart == spc::ChartType::p_prime || chart == spc::ChartType::u_prime) ? info.sigma_z : info.sigma;
    return l;
}

inline ChartLimits learn_limits(spc::ChartType chart, std::span<const double> values,
                                std::span<const double> denominators, const spc::LimitOptions& options,
                                std::span<const std::uint8_t> exclude) {
    detail::check_monitor_chart(chart);
    spc::LimitOptions lim = options;
    lim.on_insufficient = spc::OnInsufficient::nan_limits;
    std::vector<std::uint8_t> used;
    if (!exclude.empty()) {
        if (exclude.size() != values.size())
            fail_argument("exclude", "needs one entry per value (" + std::to_string(values.size()) + "), got " +
                                         std::to_string(exclude.size()));
        used.resize(values.size());
        for (std::size_t i = 0; i < used.size(); ++i) used[i] = exclude[i] ? 0 : 1;
    }
    spc::ChartPhaseInput in;
    in.values = values;
    in.denominators = denominators;
    in.used = used;
    const spc::PhaseChart pc = spc::chart_limits(chart, in, lim);
    return limits_from_phase(chart, pc.info, options);
}

inline void ShewhartOptions::validate() const {
    detail::check_monitor_chart(chart);
    limits.validate();
    rules.validate();
    const int d = static_cast<int>(improvement);
    if (d < -1 || d > 1) fail_argument("improvement", "unknown improvement direction " + std::to_string(d));
    if (std::isinf(target)) fail_argument("target", "must be finite or NaN (no target)");
    if (fix_after > 100000000) fail_argument("fix_after", "must be at most 100,000,000 points");
}

inline ShewhartOptions shewhart_preset(std::string_view preset, spc::ChartType chart, std::size_t fix_after) {
    detail::check_monitor_chart(chart);
    const spc::ChartOptions c = spc::chart_preset(preset, chart);
    ShewhartOptions o;
    o.chart = chart;
    o.limits = c.limits;
    o.rules = c.rules;
    o.fix_after = fix_after;
    return o;
}

inline ShewhartMonitor::ShewhartMonitor(const ShewhartOptions& o) : o_(o) {
    o_.validate();
    if (o_.fix_after == 0)
        fail_argument("fix_after", "a monitor without given limits learns them from its first fix_after points: give "
                                   "fix_after >= 1, or the limits");
    limits_.chart = o_.chart;
    limits_.options = o_.limits;
    limits_.sufficient = false;
    const_lines_ = limits_.lines();
    stream_.configure(o_.rules, o_.improvement);
    learning_ = true;
    base_y_.reserve(o_.fix_after);
}

inline ShewhartMonitor::ShewhartMonitor(const ShewhartOptions& o, const ChartLimits& l) : o_(o) {
    o_.validate();
    l.validate();
    if (l.chart != o_.chart)
        fail_argument("limits", "are for the " + std::string(spc::to_string(l.chart)) + " chart, the monitor is a " +
                                    std::string(spc::to_string(o_.chart)) + " chart");
    set_limits(l);
    stream_.configure(o_.rules, o_.improvement);
    learning_ = false;
}

inline void ShewhartMonitor::check_point(double y, double d) const {
    using C = spc::ChartType;
    const bool ratio = detail::is_ratio(o_.chart);
    if (!ratio && d == d)
        fail_argument("denominator", index_, "the " + std::string(spc::to_string(o_.chart)) + " chart takes no denominator");
    if (o_.chart == C::xmr || o_.chart == C::run || o_.chart == C::mr) {
        if (!(std::fabs(y) <= 1e300) && y == y)
            fail_argument("values", index_,
                          "must be finite (|x| ≤ 1e300) or NaN (missing), got " + spc::detail::limits::num(y));
        return;
    }
    spc::ChartPhaseInput in;
    in.values = std::span<const double>(&y, 1);
    if (ratio) in.denominators = std::span<const double>(&d, 1);
    (void)spc::detail::limits::validate_input(o_.chart, in, o_.limits, static_cast<std::size_t>(index_));
}

inline double ShewhartMonitor::statistic(double y, double d) const noexcept {
    using C = spc::ChartType;
    switch (o_.chart) {
        case C::mr: return have_prev_ ? std::fabs(y - prev_value_) : std::numeric_limits<double>::quiet_NaN();
        case C::p:
        case C::u:
        case C::p_prime:
        case C::u_prime: return (y == y && d == d) ? y / d : std::numeric_limits<double>::quiet_NaN();
        case C::np: return (y == y && d == d) ? y : std::numeric_limits<double>::quiet_NaN();
        default: return y;
    }
}

inline ChartLimits ShewhartMonitor::trial_limits() const {
    using C = spc::ChartType;
    ChartLimits t;
    t.chart = o_.chart;
    t.options = o_.limits;
    t.sufficient = false;
    switch (o_.chart) {
        case C::xmr:
            t.mean = t.centre = running_.mean();
            t.sigma = running_.mean_moving_range() / o_.limits.mr_d2;
            t.sufficient = running_.moving_ranges() > 0;
            break;
        case C::c:
            t.mean = t.centre = running_.mean();
            t.sigma = std::sqrt(t.mean);
            t.sufficient = running_.count() > 0;
            break;
        case C::p:
        case C::np:
        case C::u:
        case C::p_prime:
        case C::u_prime:
            t.chart = o_.chart == C::p_prime ? C::p : (o_.chart == C::u_prime ? C::u : o_.chart);
            t.mean = t.centre = running_.ratio();
            t.sufficient = t.mean == t.mean;
            break;
        default: t.centre = running_.mean(); break;
    }
    return t;
}

inline ShewhartEvaluation ShewhartMonitor::push(double y, double d, std::int64_t day, bool excluded) {
    check_point(y, d);
    clock_.check(day, index_);
    signals_.clear();
    updates_.clear();
    ShewhartEvaluation ev;
    ev.index = index_;
    ev.day = day;
    ev.value = y;
    ev.denominator = d;
    ev.statistic = statistic(y, d);
    if (learning_) {
        base_y_.push_back(y);
        base_d_.push_back(d);
        base_excl_.push_back(excluded ? 1 : 0);
        base_day_.push_back(day);
        running_.add(y, detail::is_ratio(o_.chart) ? d : std::numeric_limits<double>::quiet_NaN());
        clock_.advance(day);
        ++index_;
        prev_value_ = y;
        have_prev_ = true;
        if (base_y_.size() < o_.fix_after) {
            ev.learning = true;
            ev.lines = trial_limits().lines(d, ev.statistic != ev.statistic);
            return ev;
        }
        freeze(ev);
        return ev;
    }
    ev.lines = limits_.constant() ? const_lines_ : limits_.lines(d, ev.statistic != ev.statistic);
    const auto out = stream_.push(ev.statistic, ev.lines, excluded, day, phase_begin_, signals_, updates_);
    clock_.advance(day);
    ++index_;
    prev_value_ = y;
    have_prev_ = true;
    ev.flags = out.flags;
    ev.point_type = out.type;
    ev.alarm = out.alarm;
    ev.signals = signals_;
    ev.updates = updates_;
    return ev;
}

inline void ShewhartMonitor::freeze(ShewhartEvaluation& ev) {
    const bool ratio = detail::is_ratio(o_.chart);
    spc::LimitOptions lim = o_.limits;
    lim.on_insufficient = spc::OnInsufficient::nan_limits;
    std::vector<std::uint8_t> used(base_y_.size());
    for (std::size_t i = 0; i < used.size(); ++i) used[i] = base_excl_[i] ? 0 : 1;
    spc::ChartPhaseInput in;
    in.values = base_y_;
    if (ratio) in.denominators = base_d_;
    in.used = used;
    const spc::PhaseChart pc = spc::chart_limits(o_.chart, in, lim);
    set_limits(limits_from_phase(o_.chart, pc.info, o_.limits));
    // evaluate the baseline against the frozen lines, as the batch does
    const std::size_t B = base_y_.size();
    std::vector<spc::RuleFlags> flags(B);
    std::vector<PointType> types(B);
    std::vector<PointUpdate> scratch;
    detail::RuleStream::Out last{};
    for (std::size_t j = 0; j < B; ++j) {
        scratch.clear();
        last = stream_.push(pc.statistic[j], pc.lines.at(j), base_excl_[j] != 0, base_day_[j], phase_begin_, signals_,
                            scratch);
        flags[j] = last.flags;
        types[j] = last.type;
        ev.alarm |= last.alarm;
        for (const PointUpdate& u : scratch) {
            const auto k = static_cast<std::size_t>(u.point - phase_begin_);
            flags[k] = u.flags;
            types[k] = u.point_type;
        }
    }
    for (std::size_t j = 0; j + 1 < B; ++j) updates_.push_back({phase_begin_ + j, flags[j], types[j]});
    ev.lines = pc.lines.at(B - 1);
    ev.statistic = pc.statistic[B - 1];
    ev.flags = flags[B - 1];
    ev.point_type = types[B - 1];
    ev.learning = false;
    ev.signals = signals_;
    ev.updates = updates_;
    learning_ = false;
    clear_baseline();
}

inline void ShewhartMonitor::rebase() {
    if (o_.fix_after == 0)
        fail_argument("fix_after", "rebase() without limits learns them from the first fix_after points: give the "
                                   "limits, or a monitor with fix_after >= 1");
    start_phase(true);
}

inline void ShewhartMonitor::rebase(const ChartLimits& l) {
    l.validate();
    if (l.chart != o_.chart)
        fail_argument("limits", "are for the " + std::string(spc::to_string(l.chart)) + " chart, the monitor is a " +
                                    std::string(spc::to_string(o_.chart)) + " chart");
    start_phase(false);
    set_limits(l);
}

}  // namespace qm::monitor

// ---- serialisation --------------------------------------------------------------------------

namespace qm::monitor {

template <>
struct Fields<ChartLimits> {
    template <class Ar>
    static void visit(Ar& ar, ChartLimits& l) {
        ar("chart", l.chart);
        ar("centre", l.centre);
        ar("mean", l.mean);
        ar("sigma", l.sigma);
        ar("sufficient", l.sufficient);
        ar("options", l.options);
    }
};

template <>
struct Fields<ShewhartOptions> {
    template <class Ar>
    static void visit(Ar& ar, ShewhartOptions& o) {
        ar("chart", o.chart);
        ar("limits", o.limits);
        ar("rules", o.rules);
        ar("improvement", o.improvement);
        ar("target", o.target);
        ar("fix_after", o.fix_after);
    }
};

template <class Ar>
void ShewhartMonitor::visit(Ar& ar) {
    ar("options", o_);
    if constexpr (Ar::loading) {
        try {
            o_.validate();
        } catch (const std::exception& e) {
            detail::corrupted(std::string("options: ") + e.what());
        }
        stream_.configure(o_.rules, o_.improvement);
    }
    ar("limits", limits_);
    ar("learning", learning_);
    ar("index", index_);
    ar("phase_begin", phase_begin_);
    ar("last_day", clock_.last_ref());
    ar("previous_value", prev_value_);
    ar("have_previous", have_prev_);
    ar("baseline_values", base_y_);
    ar("baseline_denominators", base_d_);
    ar("baseline_excluded", base_excl_);
    ar("baseline_days", base_day_);
    stream_.visit(ar);
    if constexpr (Ar::loading) {
        if (limits_.chart == o_.chart) {
            try {
                limits_.validate();
            } catch (const std::exception& e) {
                detail::corrupted(std::string("limits: ") + e.what());
            }
            const_lines_ = limits_.lines();
        }
        running_ = RunningBaseline{};
        if (base_y_.size() == base_d_.size())
            for (std::size_t i = 0; i < base_y_.size(); ++i)
                running_.add(base_y_[i], detail::is_ratio(o_.chart) ? base_d_[i] : std::numeric_limits<double>::quiet_NaN());
    }
}

inline void ShewhartMonitor::validate_state() const {
    if (limits_.chart != o_.chart) detail::corrupted("the limits are for another chart than the monitor's");
    const std::size_t B = base_y_.size();
    if (base_d_.size() != B || base_excl_.size() != B || base_day_.size() != B)
        detail::corrupted("the baseline columns differ in length");
    if (!learning_ && B != 0) detail::corrupted("baseline points are held after the limits were frozen");
    if (learning_ && (o_.fix_after == 0 || B >= o_.fix_after))
        detail::corrupted("the baseline holds " + std::to_string(B) + " points, fix_after is " +
                          std::to_string(o_.fix_after));
    if (phase_begin_ > index_) detail::corrupted("the phase begins after the last point");
    const std::uint64_t in_phase = index_ - phase_begin_;
    if (learning_ ? (in_phase != B || stream_.size() != 0) : stream_.size() != in_phase)
        detail::corrupted("the point counters disagree");
    stream_.validate_state();
}

}  // namespace qm::monitor
