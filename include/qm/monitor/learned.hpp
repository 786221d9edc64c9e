#pragma once
// qm/monitor/learned.hpp — what the live CUSUM and EWMA monitors share: the in-control mean μ0
// and σ given, or learned from the first fix_after points and then frozen.
//
// Synopsis
//   class qm::monitor::LearnedMonitor<Derived, Kind, Options, Parameters, State, Evaluation>
//       Evaluation push(double value, double size = 1, int64_t day = no_day, double subgroup_sd = NaN)
//       bool learning(); pair<double, double> trial_parameters(); parameters(); state(); options();
//       size(); last_day()
//
// While learning, each point is checked and held (HeldPoints) and comes back marked `learning`.
// At the fix_after-th point, μ0 and σ are estimated from the held points by
// qm::spc::estimate_in_control — as the batch chart estimates them from its first fix_after rows —
// the chart starts, and the held points are evaluated in order: that push returns the last one's
// evaluation, with every baseline point's evaluation in `baseline`, their signals, and an update
// for each earlier one. A baseline from which μ0 or σ cannot be estimated makes that push throw
// qm::invalid_argument and leaves the monitor as it was.
//
// The derived monitor gives (Options has target, sigma, improvement and validate()):
//   static std::size_t fix_after(const Options&);      static spc::SigmaMethod sigma_method(const Options&);
//   Parameters make_parameters(const spc::InControlEstimate&) const;
//   void start();                                      the chart's state from p_ (and the monitor's own)
//   Evaluation evaluate(uint64_t index, double x, double size, int64_t day);   one point, signals
//   static Evaluation held(uint64_t index, int64_t day, double x, double size); a point while learning
// and calls begin() at the end of its constructor.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/core/types.hpp>
#include <qm/monitor/common.hpp>
#include <qm/monitor/serialize.hpp>
#include <qm/spc/cusum.hpp>

namespace qm::monitor {

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

/// The checks of the batch charts (qm/spc/cusum.hpp, qm/spc/ewma.hpp) for one point.
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

/// The checks every learned monitor's options share (the chart's own options are checked by it).
inline void validate_learned_options(double target, double sigma, Improvement improvement, std::size_t fix_after) {
    if (target == target && !std::isfinite(target)) fail_argument("target", "must be finite or NaN (learned)");
    if (sigma == sigma && (!(sigma > 0.0) || !std::isfinite(sigma)))
        fail_argument("sigma", "must be positive and finite, or NaN (learned)");
    const int d = static_cast<int>(improvement);
    if (d < -1 || d > 1) fail_argument("improvement", "unknown improvement direction " + std::to_string(d));
    if ((target != target || sigma != sigma) && fix_after == 0)
        fail_argument("fix_after", "a monitor without a given target and sigma learns them from its first fix_after "
                                   "points: give fix_after >= 1, or the target and sigma");
}

}  // namespace detail

template <class Derived, MonitorKind Kind, class Options, class Parameters, class State, class Evaluation>
class LearnedMonitor : public Persistent<Derived, Kind> {
public:
    Evaluation push(double value, double size = 1.0, std::int64_t day = no_day,
                    double subgroup_sd = std::numeric_limits<double>::quiet_NaN());

    bool learning() const noexcept { return learning_; }
    /// While learning: the mean and σ (mean moving range / 1.128) of the points so far — for display.
    std::pair<double, double> trial_parameters() const { return held_.trial(); }
    const Parameters& parameters() const noexcept { return p_; }
    const State& state() const noexcept { return s_; }
    const Options& options() const noexcept { return o_; }
    std::uint64_t size() const noexcept { return index_; }
    std::int64_t last_day() const noexcept { return clock_.last(); }

protected:
    explicit LearnedMonitor(const Options& o) : o_(o) { o_.validate(); }

    /// The end of the derived constructor: the chart starts now when μ0 and σ are given.
    void begin() {
        learning_ = o_.target != o_.target || o_.sigma != o_.sigma;
        if (!learning_) {
            p_ = self().make_parameters({o_.target, o_.sigma, 0, false, false});
            self().start();
        } else {
            held_.value.reserve(Derived::fix_after(o_));
        }
    }

    /// Fields every learned monitor saves first (then its own, then visit_held).
    template <class Ar>
    void visit_head(Ar& ar) {
        ar("options", o_);
        ar("parameters", p_);
        ar("state", s_);
        ar("learning", learning_);
        ar("index", index_);
        ar("last_day", clock_.last_ref());
    }
    template <class Ar>
    void visit_held(Ar& ar) {
        held_.visit(ar);
    }

    /// The checks of a restored state every learned monitor shares; true when the monitor is
    /// still learning (nothing else to check).
    bool validate_learning_state() const {
        detail::validate_options_state(o_, "options");
        if (!held_.consistent()) detail::corrupted("the held baseline columns differ in length");
        if (learning_) {
            if (held_.count() >= Derived::fix_after(o_) || held_.count() != index_)
                detail::corrupted("the held baseline does not match the points pushed");
            return true;
        }
        if (held_.count() != 0) detail::corrupted("baseline points are held after the parameters were frozen");
        return false;
    }

    Options o_;
    Parameters p_{};
    State s_{};
    bool learning_ = false;
    std::uint64_t index_ = 0;
    DayClock clock_;
    std::uint8_t prev_flags_ = 0;  ///< of the previous non-missing point
    detail::HeldPoints held_;
    std::vector<Signal> signals_;
    std::vector<PointUpdate> updates_;
    std::vector<Evaluation> baseline_;

private:
    Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

template <class Derived, MonitorKind Kind, class Options, class Parameters, class State, class Evaluation>
Evaluation LearnedMonitor<Derived, Kind, Options, Parameters, State, Evaluation>::push(double x, double n,
                                                                                       std::int64_t day, double sd) {
    detail::check_time_weighted_point(x, n, sd, index_);
    clock_.check(day, index_);
    signals_.clear();
    updates_.clear();
    if (!learning_) {
        Evaluation ev = self().evaluate(index_, x, n, day);
        clock_.advance(day);
        ++index_;
        ev.signals = signals_;
        ev.updates = updates_;
        return ev;
    }
    held_.add(x, n, sd, day);
    if (held_.count() < Derived::fix_after(o_)) {
        clock_.advance(day);
        ++index_;
        return Derived::held(index_ - 1, day, x, n);
    }
    Parameters p;
    try {
        p = self().make_parameters(detail::estimate_held(held_, o_.target, o_.sigma, Derived::sigma_method(o_)));
    } catch (...) {
        held_.pop();  // the monitor stays as it was
        throw;
    }
    p_ = p;
    self().start();
    learning_ = false;
    const std::uint64_t first = index_ + 1 - held_.count();
    Evaluation ev = evaluate_baseline(
        held_.count(), first,
        [&](std::size_t j) { return self().evaluate(first + j, held_.value[j], held_.size[j], held_.day[j]); },
        [](const Evaluation& e) { return e.point.flags; }, baseline_, updates_, signals_);
    held_.clear();
    clock_.advance(day);
    ++index_;
    return ev;
}

}  // namespace qm::monitor
