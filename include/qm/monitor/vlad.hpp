#pragma once
// qm/monitor/vlad.hpp — the variable life-adjusted display (VLAD: cumulative expected minus
// observed failures) with the EO-CUSUM signalling rule, for a whole series and as a live monitor.
//
// Synopsis
//   struct qm::monitor::VladOptions { k_deterioration; k_improvement; h_deterioration;
//                                     h_improvement; mean_risk; odds_ratio_deterioration = 2;
//                                     odds_ratio_improvement = 0.5; reset_after_signal = true;
//                                     improvement = decrease }
//   double qm::monitor::vlad_optimal_k(double mean_risk, double odds_ratio)
//   struct qm::monitor::VladState { vlad (double-double Σ(p − y)); expected; observed; upper; lower; cases }
//   struct qm::monitor::VladPoint { eo; vlad; expected; observed; upper; lower; flags }
//   VladPoint qm::monitor::vlad_update(VladState&, const VladParameters&, double outcome, double risk)
//   struct qm::monitor::VladResult { per case: eo, vlad, upper, lower, flags }
//   VladResult qm::monitor::vlad(outcomes, risks, const VladOptions& = {})
//   class qm::monitor::VladMonitor { push(outcome, risk, day); save/restore/json }
//
// Method.
//   VLAD (Lovegrove et al., Lancet 1997;350:1128–30): V_t = Σ_{i≤t} (p_i − y_i), the expected
//   minus the observed number of failures — "statistical lives saved"; it rises when outcomes are
//   better than predicted. The running sum is accumulated in double-double and rounded once per
//   case (R's cumsum() uses a long double accumulator; this is at least as accurate).
//   EO-CUSUM signalling rule (Wittenberg, Gan & Knoth, Stat Med 2018;37(16):2455–2473; vlad
//   eo_cusum_scores): with z_t = p_t − y_t,
//     S⁺_t = max(0, S⁺_{t−1} + z_t − k_improvement)   signals improvement when S⁺_t > h_improvement
//     S⁻_t = min(0, S⁻_{t−1} + z_t + k_deterioration) signals deterioration when S⁻_t < −h_deterioration
//   (strict, as vlad), optionally restarting both at 0 after a signal. The approximately optimal
//   reference values (vlad optimal_k; Wittenberg et al. 2018) for an odds ratio R_A and mean risk p̄:
//     k = p̄ (R_A − 1 − ln R_A)/ln R_A for R_A > 1,   k = p̄ (1 − R_A + ln R_A)/ln R_A for R_A < 1.
//   A side signals only when its h is given; a k not given is the optimal one for mean_risk (then
//   required). Without any h the monitor is the plain VLAD.
// Conventions: a missing outcome or risk leaves everything unchanged; risks in [0, 1].
// Signals: rule 1 deterioration (direction +1: more failures than expected), rule 2 improvement
// (−1); `first` = the case after which the side's sum last left zero.

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
#include <qm/monitor/risk_adjusted_cusum.hpp>
#include <qm/monitor/serialize.hpp>
#include <qm/stats/sum.hpp>

namespace qm::monitor {

struct VladOptions {
    static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    double k_deterioration = nan;  ///< NaN: optimal for odds_ratio_deterioration and mean_risk
    double k_improvement = nan;
    double h_deterioration = nan;  ///< NaN: no deterioration signal
    double h_improvement = nan;    ///< NaN: no improvement signal
    double mean_risk = nan;        ///< p̄ of the expected patient mix (for the optimal k)
    double odds_ratio_deterioration = 2.0;
    double odds_ratio_improvement = 0.5;
    bool reset_after_signal = true;
    Improvement improvement = Improvement::decrease;

    void validate() const;
};

/// Wittenberg et al. (2018)'s approximately optimal EO-CUSUM reference value.
double vlad_optimal_k(double mean_risk, double odds_ratio);

/// The resolved signalling rule.
struct VladParameters {
    double k_deterioration = 0, k_improvement = 0;
    double h_deterioration = VladOptions::nan, h_improvement = VladOptions::nan;
    bool reset_after_signal = true;
};

VladParameters vlad_parameters(const VladOptions& options);

struct VladState {
    stats::detail::DD vlad{}, expected{}, observed{};
    double upper = 0.0;  ///< S⁺ >= 0
    double lower = 0.0;  ///< S⁻ <= 0
    std::uint64_t cases = 0;
};

struct VladPoint {
    double eo = 0, vlad = 0, expected = 0, observed = 0, upper = 0, lower = 0;
    std::uint8_t flags = 0;  ///< 1 deterioration, 2 improvement
};

VladPoint vlad_update(VladState& state, const VladParameters& p, double outcome, double risk) noexcept;

struct VladResult {
    VladParameters parameters;
    std::vector<double> eo, vlad, expected, observed, upper, lower;
    std::vector<std::uint8_t> flags;
};

VladResult vlad(std::span<const double> outcomes, std::span<const double> risks, const VladOptions& options = {});

using VladEvaluation = CaseEvaluation<VladPoint>;

class VladMonitor : public Persistent<VladMonitor, MonitorKind::vlad>, public CaseSignals {
public:
    VladMonitor() : VladMonitor(VladOptions{}) {}
    explicit VladMonitor(const VladOptions& options);

    VladEvaluation push(double outcome, double risk, std::int64_t day = no_day);

    const VladState& state() const noexcept { return s_; }
    const VladParameters& parameters() const noexcept { return p_; }
    const VladOptions& options() const noexcept { return o_; }


    template <class Ar>
    void visit(Ar& ar);
    void validate_state() const;

private:
    VladOptions o_;
    VladParameters p_{};
    VladState s_{};
};

// ============================================================================================
// Implementation
// ============================================================================================

inline double vlad_optimal_k(double pbar, double ra) {
    if (!(pbar > 0.0 && pbar < 1.0)) fail_argument("mean_risk", "must be between 0 and 1 (exclusive)");
    if (!(ra > 0.0) || !std::isfinite(ra) || ra == 1.0) fail_argument("odds_ratio", "must be a positive number other than 1");
    // vlad optimal_k: pbar * (RA - 1 - log(RA)) / log(RA), or pbar * (1 - RA + log(RA)) / log(RA)
    return ra > 1.0 ? pbar * (ra - 1 - std::log(ra)) / std::log(ra) : pbar * (1 - ra + std::log(ra)) / std::log(ra);
}

inline void VladOptions::validate() const {
    auto opt_pos = [](double v, const char* name) {
        if (v == v && (!(v >= 0.0) || !std::isfinite(v))) fail_argument(name, "must be a finite number >= 0, or NaN");
    };
    opt_pos(k_deterioration, "k_deterioration");
    opt_pos(k_improvement, "k_improvement");
    if (h_deterioration == h_deterioration && (!(h_deterioration > 0.0) || !std::isfinite(h_deterioration)))
        fail_argument("h_deterioration", "must be a positive number, or NaN (no deterioration signal)");
    if (h_improvement == h_improvement && (!(h_improvement > 0.0) || !std::isfinite(h_improvement)))
        fail_argument("h_improvement", "must be a positive number, or NaN (no improvement signal)");
    if (mean_risk == mean_risk && !(mean_risk > 0.0 && mean_risk < 1.0))
        fail_argument("mean_risk", "must be between 0 and 1 (exclusive), or NaN");
    if (!(odds_ratio_deterioration > 1.0) || !std::isfinite(odds_ratio_deterioration))
        fail_argument("odds_ratio_deterioration", "must be a finite number above 1");
    if (!(odds_ratio_improvement > 0.0 && odds_ratio_improvement < 1.0))
        fail_argument("odds_ratio_improvement", "must be between 0 and 1");
    if (h_deterioration == h_deterioration && k_deterioration != k_deterioration && mean_risk != mean_risk)
        fail_argument("k_deterioration", "give k_deterioration, or mean_risk for the optimal reference value");
    if (h_improvement == h_improvement && k_improvement != k_improvement && mean_risk != mean_risk)
        fail_argument("k_improvement", "give k_improvement, or mean_risk for the optimal reference value");
    const int d = static_cast<int>(improvement);
    if (d < -1 || d > 1) fail_argument("improvement", "unknown improvement direction " + std::to_string(d));
}

inline VladParameters vlad_parameters(const VladOptions& o) {
    o.validate();
    VladParameters p;
    p.h_deterioration = o.h_deterioration;
    p.h_improvement = o.h_improvement;
    p.reset_after_signal = o.reset_after_signal;
    p.k_deterioration = o.k_deterioration == o.k_deterioration ? o.k_deterioration
                        : o.mean_risk == o.mean_risk          ? vlad_optimal_k(o.mean_risk, o.odds_ratio_deterioration)
                                                              : 0.0;
    p.k_improvement = o.k_improvement == o.k_improvement ? o.k_improvement
                      : o.mean_risk == o.mean_risk        ? vlad_optimal_k(o.mean_risk, o.odds_ratio_improvement)
                                                          : 0.0;
    return p;
}

inline VladPoint vlad_update(VladState& s, const VladParameters& p, double y, double risk) noexcept {
    VladPoint out;
    auto round = [](const stats::detail::DD& d) { return d.hi + d.lo; };
    if (y != y || risk != risk) {
        out.eo = std::numeric_limits<double>::quiet_NaN();
        out.vlad = round(s.vlad);
        out.expected = round(s.expected);
        out.observed = round(s.observed);
        out.upper = s.upper;
        out.lower = s.lower;
        return out;
    }
    const double z = risk - y;
    s.vlad.add(risk);
    s.vlad.add(-y);
    s.expected.add(risk);
    s.observed.add(y);
    ++s.cases;
    out.eo = z;
    out.vlad = round(s.vlad);
    out.expected = round(s.expected);
    out.observed = round(s.observed);
    out.upper = std::max(0.0, s.upper + z - p.k_improvement);
    out.lower = std::min(0.0, s.lower + z + p.k_deterioration);
    if (p.h_deterioration == p.h_deterioration && out.lower < -p.h_deterioration) out.flags |= 1u;
    if (p.h_improvement == p.h_improvement && out.upper > p.h_improvement) out.flags |= 2u;
    if (out.flags && p.reset_after_signal) {
        s.upper = s.lower = 0.0;
    } else {
        s.upper = out.upper;
        s.lower = out.lower;
    }
    return out;
}

inline VladResult vlad(std::span<const double> y, std::span<const double> risk, const VladOptions& o) {
    const VladParameters p = vlad_parameters(o);
    if (y.size() != risk.size())
        fail_argument("risks", "needs one risk per outcome (" + std::to_string(y.size()) + "), got " +
                                   std::to_string(risk.size()));
    for (std::size_t i = 0; i < y.size(); ++i) detail::check_risk_case(y[i], risk[i], i);
    VladResult r;
    r.parameters = p;
    const std::size_t n = y.size();
    for (auto* v : {&r.eo, &r.vlad, &r.expected, &r.observed, &r.upper, &r.lower}) v->resize(n);
    r.flags.resize(n);
    VladState s;
    for (std::size_t i = 0; i < n; ++i) {
        const VladPoint pt = vlad_update(s, p, y[i], risk[i]);
        r.eo[i] = pt.eo;
        r.vlad[i] = pt.vlad;
        r.expected[i] = pt.expected;
        r.observed[i] = pt.observed;
        r.upper[i] = pt.upper;
        r.lower[i] = pt.lower;
        r.flags[i] = pt.flags;
    }
    return r;
}

inline VladMonitor::VladMonitor(const VladOptions& o) : o_(o), p_(vlad_parameters(o)) {}

inline VladEvaluation VladMonitor::push(double y, double risk, std::int64_t day) {
    // the deterioration side (S⁻, flag 1) is the "upper" one of the signals, improvement (S⁺) the lower
    return push_case<VladPoint>(y, risk, day, o_.improvement, [&](bool& deterioration, bool& improvement) {
        const double up0 = s_.upper, lo0 = s_.lower;
        const VladPoint pt = vlad_update(s_, p_, y, risk);
        deterioration = lo0 == 0.0 && pt.lower < 0.0;
        improvement = up0 == 0.0 && pt.upper > 0.0;
        return pt;
    });
}

template <>
struct Fields<VladOptions> {
    template <class Ar>
    static void visit(Ar& ar, VladOptions& o) {
        ar("k_deterioration", o.k_deterioration);
        ar("k_improvement", o.k_improvement);
        ar("h_deterioration", o.h_deterioration);
        ar("h_improvement", o.h_improvement);
        ar("mean_risk", o.mean_risk);
        ar("odds_ratio_deterioration", o.odds_ratio_deterioration);
        ar("odds_ratio_improvement", o.odds_ratio_improvement);
        ar("reset_after_signal", o.reset_after_signal);
        ar("improvement", o.improvement);
    }
};

template <>
struct Fields<stats::detail::DD> {
    template <class Ar>
    static void visit(Ar& ar, stats::detail::DD& d) {
        ar("hi", d.hi);
        ar("lo", d.lo);
    }
};

template <class Ar>
void VladMonitor::visit(Ar& ar) {
    ar("options", o_);
    ar("vlad", s_.vlad);
    ar("expected", s_.expected);
    ar("observed", s_.observed);
    ar("upper", s_.upper);
    ar("lower", s_.lower);
    ar("cases", s_.cases);
    visit_counters(ar, {"deterioration_start", "improvement_start", "deterioration_start_day", "improvement_start_day"});
    if constexpr (Ar::loading) {
        try {
            p_ = vlad_parameters(o_);
        } catch (const std::exception& e) {
            detail::corrupted(std::string("options: ") + e.what());
        }
    }
}

inline void VladMonitor::validate_state() const {
    if (!(s_.upper >= 0.0) || !(s_.lower <= 0.0) || !std::isfinite(s_.upper) || !std::isfinite(s_.lower))
        detail::corrupted("the EO-CUSUM sums are invalid");
    if (s_.cases > index_) detail::corrupted("counters out of range");
    validate_counters();
    const double o = s_.observed.hi + s_.observed.lo, e = s_.expected.hi + s_.expected.lo;
    if (!(o >= 0.0) || !(e >= 0.0) || o > static_cast<double>(s_.cases) || e > static_cast<double>(s_.cases))
        detail::corrupted("the expected or observed counts are impossible for the cases seen");
}

}  // namespace qm::monitor
