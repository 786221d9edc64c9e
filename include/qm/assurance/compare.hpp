#pragma once
// qm/assurance/compare.hpp — benchmark comparison with confidence intervals, as public-health
// indicator tools (OHID Fingertips, PHEindicatormethods) class areas against England.
//
// Synopsis
//   enum class qm::assurance::Statistic       { proportion, rate, count, ratio, mean, dsr }
//   enum class qm::assurance::CompareMethod   { ci, spc }
//   enum class qm::assurance::Comparison      { not_compared, similar, better, worse, higher, lower }
//   enum class qm::assurance::TwoLevelComparison { not_compared, similar, better_95, better_998,
//                                              worse_95, worse_998, higher_95, higher_998,
//                                              lower_95, lower_998 }
//   enum class qm::assurance::CompareStatus   { ok, missing, too_few_events, too_few_values,
//                                              no_benchmark }
//   struct CompareOptions { statistic, method, polarity, multiplier, exact_below, dsr_minimum_events }
//   struct CompareInput   { numerator, denominator, standard, offsets, benchmark }
//   struct CompareResult  { per unit: value, lower/upper_95, lower/upper_998, numerator,
//                           denominator, benchmark, comparison_95, comparison_998, comparison,
//                           status }
//   CompareResult compare(const CompareInput&, const CompareOptions& = {}, unsigned threads = 0)
//   double pooled_benchmark(const CompareInput&, const CompareOptions&)   e.g. England = ΣO/Σn
//   TwoLevelComparison two_level(Comparison at_95, Comparison at_998)
//
// Statistics and their intervals (qm/stats/intervals.hpp), one unit per row unless noted:
//   proportion  x successes of n: x/n, Wilson score
//   rate        x events in n person-years: x/n, exact Poisson (χ²) below 10 events, Byar from 10
//   count       x events: x, exact below 10, Byar from 10
//   ratio       x observed, n expected (indirectly standardised ratio; × a reference rate for
//               an indirectly standardised rate): x/n, exact below 10 events, Byar from 10
//   mean        the values of each unit (offsets): mean, Student's t; fewer than 2 values:
//               no interval (too_few_values)
//   dsr         per unit (offsets) the strata's events x, populations n and standard population
//               w: Σ(x·w/n)/Σw, Dobson's interval with Byar; fewer than 10 events in total:
//               value and interval NaN (too_few_events), as PHE publishes; a missing (NaN)
//               stratum count counts as 0 events (as PHEindicatormethods), a missing population
//               makes the unit missing
//   Values and limits are × multiplier (e.g. 100 for %, 100000 for rates per 100,000); the
//   benchmark is in the same units as the values.
//
// Classification at 95% and 99.8% (Fingertips, PholioVisualisationWS/Analysis):
//   ci   the benchmark value inside the unit's interval (inclusive) → similar; otherwise the
//        unit is higher or lower (SingleOverlappingCIsFor{One,Two}CILevel(s)Comparer)
//   spc  limits around the benchmark at the unit's denominator; the value strictly beyond them
//        is higher or lower: proportions Wilson at x = N·P₀ (SpcForProportionsComparer); rates,
//        ratios and counts the exact Poisson limits of a funnel plot (Spiegelhalter's
//        interpolation, as qm/assurance/funnel.hpp); DSRs the exact Poisson interval of the
//        expected count benchmark·Σn (SpcForDsrComparer). Not defined for means.
//   polarity (improvement): increase — higher is better (higher → better); decrease — lower is
//   better (higher → worse); neutral — no judgement (higher / lower).
//   two-level: beyond the 99.8% interval → better_998 …, beyond only the 95% one → better_95 …
//
// Bad input throws qm::invalid_argument naming the argument and index: a zero or negative
// denominator (expected count, population), a numerator above its denominator for a
// proportion, negative counts, a negative standard population, infinite values. NaN inputs
// give status missing; a NaN benchmark gives no_benchmark; neither is compared.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <qm/assurance/funnel.hpp>
#include <qm/core/error.hpp>
#include <qm/core/types.hpp>
#include <qm/stats/intervals.hpp>
#include <qm/stats/sum.hpp>

namespace qm::assurance {

enum class Statistic : std::int8_t { proportion = 0, rate = 1, count = 2, ratio = 3, mean = 4, dsr = 5 };
enum class CompareMethod : std::int8_t { ci = 0, spc = 1 };
enum class Comparison : std::int8_t { not_compared = 0, similar = 1, better = 2, worse = 3, higher = 4, lower = 5 };
enum class TwoLevelComparison : std::int8_t {
    not_compared = 0, similar = 1,
    better_95 = 2, better_998 = 3, worse_95 = 4, worse_998 = 5,
    higher_95 = 6, higher_998 = 7, lower_95 = 8, lower_998 = 9,
};
enum class CompareStatus : std::int8_t {
    ok = 0,
    missing = 1,          ///< a numerator or denominator is NaN
    too_few_events = 2,   ///< DSR with fewer than dsr_minimum_events events: not published
    too_few_values = 3,   ///< mean of fewer than 2 values: no interval
    no_benchmark = 4,     ///< the benchmark is NaN
};

struct CompareOptions {
    Statistic statistic = Statistic::proportion;
    CompareMethod method = CompareMethod::ci;
    /// increase: higher is better; decrease: lower is better; neutral: no judgement.
    Improvement polarity = Improvement::increase;
    /// Values, limits and the benchmark are in units × multiplier.
    double multiplier = 1.0;
    /// Counts below this use the exact χ² interval, Byar's method from it (OHID: 10).
    double exact_below = 10.0;
    /// DSRs from fewer events are not calculated (OHID: 10).
    double dsr_minimum_events = 10.0;
    void validate() const;
};

struct CompareInput {
    std::span<const double> numerator = {};     ///< successes, events, observed, values (mean), stratum events (dsr)
    std::span<const double> denominator = {};   ///< n, person-years, expected, stratum populations (dsr); empty for count, mean
    std::span<const double> standard = {};      ///< dsr: standard population of each stratum row
    std::span<const std::size_t> offsets = {};  ///< mean, dsr: G + 1 offsets of each unit's rows
    std::span<const double> benchmark = {};     ///< one per unit, or one for all (× multiplier)
};

struct CompareResult {
    std::vector<double> value, lower_95, upper_95, lower_998, upper_998;  ///< × multiplier
    std::vector<double> numerator;     ///< per unit: events (dsr: total events; mean: number of values)
    std::vector<double> denominator;   ///< per unit: n (dsr: total population; mean: standard deviation)
    std::vector<double> benchmark;     ///< per unit, × multiplier
    std::vector<Comparison> comparison_95, comparison_998;
    std::vector<TwoLevelComparison> comparison;
    std::vector<CompareStatus> status;
};

CompareResult compare(const CompareInput& input, const CompareOptions& options = {}, unsigned threads = 0);
double pooled_benchmark(const CompareInput& input, const CompareOptions& options);

constexpr Comparison judge(int direction, Improvement polarity) noexcept {
    if (direction == 0) return Comparison::similar;
    if (polarity == Improvement::neutral) return direction > 0 ? Comparison::higher : Comparison::lower;
    const bool better = (direction > 0) == (polarity == Improvement::increase);
    return better ? Comparison::better : Comparison::worse;
}

constexpr TwoLevelComparison two_level(Comparison c95, Comparison c998) noexcept {
    auto lift = [](Comparison c, bool outer) {
        switch (c) {
            case Comparison::better: return outer ? TwoLevelComparison::better_998 : TwoLevelComparison::better_95;
            case Comparison::worse: return outer ? TwoLevelComparison::worse_998 : TwoLevelComparison::worse_95;
            case Comparison::higher: return outer ? TwoLevelComparison::higher_998 : TwoLevelComparison::higher_95;
            case Comparison::lower: return outer ? TwoLevelComparison::lower_998 : TwoLevelComparison::lower_95;
            case Comparison::similar: return TwoLevelComparison::similar;
            case Comparison::not_compared: return TwoLevelComparison::not_compared;
        }
        return TwoLevelComparison::not_compared;
    };
    if (c998 != Comparison::similar && c998 != Comparison::not_compared) return lift(c998, true);
    if (c95 == Comparison::not_compared) return TwoLevelComparison::not_compared;
    return lift(c95, false);
}

constexpr std::string_view to_string(Statistic v) noexcept {
    switch (v) {
        case Statistic::proportion: return "proportion";
        case Statistic::rate: return "rate";
        case Statistic::count: return "count";
        case Statistic::ratio: return "ratio";
        case Statistic::mean: return "mean";
        case Statistic::dsr: return "dsr";
    }
    return "?";
}
constexpr std::string_view to_string(Comparison v) noexcept {
    switch (v) {
        case Comparison::not_compared: return "not_compared";
        case Comparison::similar: return "similar";
        case Comparison::better: return "better";
        case Comparison::worse: return "worse";
        case Comparison::higher: return "higher";
        case Comparison::lower: return "lower";
    }
    return "?";
}
constexpr std::string_view to_string(TwoLevelComparison v) noexcept {
    switch (v) {
        case TwoLevelComparison::not_compared: return "not_compared";
        case TwoLevelComparison::similar: return "similar";
        case TwoLevelComparison::better_95: return "better_95";
        case TwoLevelComparison::better_998: return "better_998";
        case TwoLevelComparison::worse_95: return "worse_95";
        case TwoLevelComparison::worse_998: return "worse_998";
        case TwoLevelComparison::higher_95: return "higher_95";
        case TwoLevelComparison::higher_998: return "higher_998";
        case TwoLevelComparison::lower_95: return "lower_95";
        case TwoLevelComparison::lower_998: return "lower_998";
    }
    return "?";
}
constexpr std::string_view to_string(CompareStatus v) noexcept {
    switch (v) {
        case CompareStatus::ok: return "ok";
        case CompareStatus::missing: return "missing";
        case CompareStatus::too_few_events: return "too_few_events";
        case CompareStatus::too_few_values: return "too_few_values";
        case CompareStatus::no_benchmark: return "no_benchmark";
    }
    return "?";
}

Statistic parse_statistic(std::string_view s);
CompareMethod parse_compare_method(std::string_view s);

// ============================================================================ implementation

inline void CompareOptions::validate() const {
    if (!(multiplier > 0.0) || !std::isfinite(multiplier))
        fail_argument("multiplier", "must be a positive number, got " + std::to_string(multiplier));
    if (!(exact_below >= 0.0) || exact_below > 1e6)
        fail_argument("exact_below", "must be between 0 and 1e6, got " + std::to_string(exact_below));
    if (!(dsr_minimum_events >= 0.0)) fail_argument("dsr_minimum_events", "must be >= 0");
    if (method == CompareMethod::spc && statistic == Statistic::mean)
        fail_argument("method", "'spc' (limits around the benchmark) is not defined for means; use 'ci'");
}

namespace detail {

inline bool grouped(Statistic s) noexcept { return s == Statistic::mean || s == Statistic::dsr; }
inline bool needs_denominator(Statistic s) noexcept { return s != Statistic::count && s != Statistic::mean; }

inline void check_compare_input(const CompareInput& in, const CompareOptions& o) {
    const Statistic st = o.statistic;
    const std::size_t R = in.numerator.size();
    if (R == 0) fail_argument("numerator", "is empty");
    if (needs_denominator(st) && in.denominator.size() != R)
        fail_argument("denominator", "has " + std::to_string(in.denominator.size()) + " values but numerator has " +
                                         std::to_string(R));
    if (st == Statistic::dsr && in.standard.size() != R)
        fail_argument("standard", "has " + std::to_string(in.standard.size()) + " values but numerator has " +
                                      std::to_string(R));
    if (grouped(st)) {
        if (in.offsets.size() < 2 || in.offsets.front() != 0 || in.offsets.back() != R)
            fail_argument("offsets", "must run from 0 to the number of rows (" + std::to_string(R) + ")");
        for (std::size_t g = 1; g < in.offsets.size(); ++g)
            if (in.offsets[g] < in.offsets[g - 1]) fail_argument("offsets", g, "must not decrease");
    }
    const std::size_t G = grouped(st) ? in.offsets.size() - 1 : R;
    if (in.benchmark.size() != 1 && in.benchmark.size() != G)
        fail_argument("benchmark", "must have one value or one per unit (" + std::to_string(G) + "), got " +
                                       std::to_string(in.benchmark.size()));
    for (std::size_t i = 0; i < in.benchmark.size(); ++i)
        if (std::isinf(in.benchmark[i])) fail_argument("benchmark", i, "must be finite or NaN");
    for (std::size_t i = 0; i < R; ++i) {
        const double x = in.numerator[i];
        if (std::isinf(x)) fail_argument("numerator", i, "must be finite or NaN (missing), got " + std::to_string(x));
        if (st != Statistic::mean && x < 0.0) fail_argument("numerator", i, "must not be negative, got " + std::to_string(x));
        if (needs_denominator(st)) {
            const double n = in.denominator[i];
            if (std::isinf(n)) fail_argument("denominator", i, "must be finite or NaN (missing), got " + std::to_string(n));
            if (!std::isnan(n) && !(n > 0.0)) {
                const char* what = st == Statistic::ratio ? "the expected count must be positive"
                                   : st == Statistic::dsr ? "the population must be positive"
                                                          : "must be positive";
                fail_argument("denominator", i, std::string(what) + ", got " + std::to_string(n));
            }
            if (st == Statistic::proportion && x > n)
                fail_argument("numerator", i, "must not exceed the denominator for a proportion (" + std::to_string(x) +
                                                  " > " + std::to_string(n) + ")");
        }
        if (st == Statistic::dsr) {
            const double w = in.standard[i];
            if (!std::isfinite(w) || w < 0.0)
                fail_argument("standard", i, "the standard population must be finite and >= 0, got " + std::to_string(w));
        }
    }
}

/// Exact-or-Byar intervals of a count at both levels, with a table for small whole counts.
struct CountIntervals {
    double exact_below;
    stats::Level l95{0.95}, l998{0.998};
    std::vector<std::array<stats::Interval, 2>> table;  // whole counts below exact_below
    explicit CountIntervals(double eb) : exact_below(eb) {
        const auto n = static_cast<std::size_t>(std::min(std::ceil(eb), 1024.0));  // larger counts: computed
        table.resize(n);
        for (std::size_t x = 0; x < n; ++x)
            table[x] = {stats::exact_poisson(static_cast<double>(x), l95), stats::exact_poisson(static_cast<double>(x), l998)};
    }
    std::array<stats::Interval, 2> operator()(double x) const {
        if (x < exact_below) {
            const double f = std::floor(x);
            if (f == x && static_cast<std::size_t>(f) < table.size()) return table[static_cast<std::size_t>(f)];
            return {stats::exact_poisson(x, l95), stats::exact_poisson(x, l998)};
        }
        return {stats::detail::byar_z(x, l95.z), stats::detail::byar_z(x, l998.z)};
    }
};

/// Exact Poisson funnel limits (Spiegelhalter interpolation) for the count around μ: lower and
/// upper at 95% and 99.8%, as counts.
inline std::array<double, 4> poisson_funnel_counts(double mu) {
    std::array<double, 4> out{};
    if (!(mu > 0.0)) return out;
    out = exact_quantiles(PoissonDist{mu});
    for (auto& x : out) x = std::max(0.0, x);
    return out;  // lower_95, upper_95, lower_998, upper_998
}

}  // namespace detail

inline double pooled_benchmark(const CompareInput& in, const CompareOptions& o) {
    o.validate();
    if (o.statistic == Statistic::count || o.statistic == Statistic::dsr)
        fail_argument("benchmark", "a pooled benchmark is not defined for " + std::string(to_string(o.statistic)) +
                                       "s; give the benchmark value (e.g. England's)");
    CompareInput probe = in;  // the benchmark is what we compute: check the rest
    probe.benchmark = std::span<const double>(&detail::nan, 1);
    detail::check_compare_input(probe, o);
    const std::size_t R = in.numerator.size();
    switch (o.statistic) {
        case Statistic::proportion:
        case Statistic::rate:
        case Statistic::ratio: {
            auto ok = [&](std::size_t i) { return !std::isnan(in.numerator[i]) && !std::isnan(in.denominator[i]); };
            const double so = detail::accurate_sum(R, [&](std::size_t i, double& v) { v = in.numerator[i]; return ok(i); });
            const double sn = detail::accurate_sum(R, [&](std::size_t i, double& v) { v = in.denominator[i]; return ok(i); });
            if (!(sn > 0.0)) throw insufficient_data("denominator: no unit has data for a pooled benchmark");
            return so / sn * o.multiplier;
        }
        case Statistic::mean: {
            const auto m = stats::mean_skip_nan(in.numerator);
            if (m.count == 0) throw insufficient_data("numerator: no values for a pooled mean");
            return m.mean * o.multiplier;
        }
        case Statistic::count:
        case Statistic::dsr:
            break;
    }
    return detail::nan;  // not reached: checked above
}

inline CompareResult compare(const CompareInput& in, const CompareOptions& o, unsigned threads) {
    o.validate();
    detail::check_compare_input(in, o);
    const Statistic st = o.statistic;
    const std::size_t R = in.numerator.size();
    const std::size_t G = detail::grouped(st) ? in.offsets.size() - 1 : R;
    const double m = o.multiplier;
    CompareResult r;
    for (auto* v : {&r.value, &r.lower_95, &r.upper_95, &r.lower_998, &r.upper_998, &r.numerator, &r.denominator,
                    &r.benchmark})
        v->assign(G, detail::nan);
    r.comparison_95.assign(G, Comparison::not_compared);
    r.comparison_998.assign(G, Comparison::not_compared);
    r.comparison.assign(G, TwoLevelComparison::not_compared);
    r.status.assign(G, CompareStatus::ok);

    const detail::CountIntervals counts(o.exact_below);
    const stats::Level& l95 = counts.l95;
    const stats::Level& l998 = counts.l998;

    auto run = [&](std::size_t begin, std::size_t end) {
        for (std::size_t g = begin; g < end; ++g) {
            const double B = in.benchmark.size() == 1 ? in.benchmark[0] : in.benchmark[g];
            r.benchmark[g] = B;
            double value = detail::nan;
            stats::Interval c95, c998;
            double O = detail::nan, N = detail::nan;
            CompareStatus status = CompareStatus::ok;
            switch (st) {
                case Statistic::proportion: {
                    O = in.numerator[g];
                    N = in.denominator[g];
                    if (std::isnan(O) || std::isnan(N)) { status = CompareStatus::missing; break; }
                    value = O / N;
                    c95 = stats::detail::wilson_z(O, N, l95.z);
                    c998 = stats::detail::wilson_z(O, N, l998.z);
                    break;
                }
                case Statistic::rate:
                case Statistic::ratio:
                case Statistic::count: {
                    O = in.numerator[g];
                    N = st == Statistic::count ? 1.0 : in.denominator[g];
                    if (std::isnan(O) || std::isnan(N)) { status = CompareStatus::missing; break; }
                    value = O / N;
                    const auto ci = counts(O);
                    c95 = {ci[0].lower / N, ci[0].upper / N};
                    c998 = {ci[1].lower / N, ci[1].upper / N};
                    break;
                }
                case Statistic::mean: {
                    const std::size_t a = in.offsets[g], b = in.offsets[g + 1];
                    const auto mc = stats::mean_skip_nan(in.numerator.subspan(a, b - a));
                    O = static_cast<double>(mc.count);
                    if (mc.count == 0) { status = CompareStatus::missing; break; }
                    value = mc.mean;
                    if (mc.count < 2) { status = CompareStatus::too_few_values; break; }
                    stats::detail::DD ss;
                    for (std::size_t i = a; i < b; ++i) {
                        const double x = in.numerator[i];
                        if (!std::isnan(x)) ss.add((x - mc.mean) * (x - mc.mean));
                    }
                    const double sd = std::sqrt((ss.hi + ss.lo) / (O - 1.0));
                    N = sd;
                    c95 = stats::mean_t(value, sd, O, l95);
                    c998 = stats::mean_t(value, sd, O, l998);
                    break;
                }
                case Statistic::dsr: {
                    const std::size_t a = in.offsets[g], b = in.offsets[g + 1];
                    stats::detail::DD so, sn, sw, swr, sv;
                    bool miss = a == b;
                    for (std::size_t i = a; i < b; ++i) {
                        // a missing stratum count is no events (PHEindicatormethods: na.zero)
                        const double x = std::isnan(in.numerator[i]) ? 0.0 : in.numerator[i];
                        const double n = in.denominator[i], w = in.standard[i];
                        if (std::isnan(n)) { miss = true; break; }
                        so.add(x);
                        sn.add(n);
                        sw.add(w);
                        swr.add(x * w / n);
                        sv.add(x * (w / n) * (w / n));
                    }
                    if (miss) { status = CompareStatus::missing; break; }
                    O = so.hi + so.lo;
                    N = sn.hi + sn.lo;
                    const double W = sw.hi + sw.lo;
                    if (!(W > 0.0)) fail_argument("standard", a, "the standard population of a unit must not sum to 0");
                    if (O < o.dsr_minimum_events) { status = CompareStatus::too_few_events; break; }
                    value = (swr.hi + swr.lo) / W;
                    const double var = (sv.hi + sv.lo) / (W * W);
                    const auto o95 = stats::detail::byar_z(O, l95.z), o998 = stats::detail::byar_z(O, l998.z);
                    const double k = std::sqrt(var / O);
                    c95 = {value + k * (o95.lower - O), value + k * (o95.upper - O)};
                    c998 = {value + k * (o998.lower - O), value + k * (o998.upper - O)};
                    break;
                }
            }
            r.numerator[g] = O;
            r.denominator[g] = N;
            r.value[g] = value * m;
            r.lower_95[g] = c95.lower * m;
            r.upper_95[g] = c95.upper * m;
            r.lower_998[g] = c998.lower * m;
            r.upper_998[g] = c998.upper * m;
            if (status == CompareStatus::ok && std::isnan(B)) status = CompareStatus::no_benchmark;
            r.status[g] = status;
            if (status != CompareStatus::ok) continue;

            // ---- classification
            std::array<int, 2> dir{};  // 95, 99.8: +1 higher, -1 lower, 0 similar
            std::array<bool, 2> ok{true, true};
            const double v = r.value[g];
            if (o.method == CompareMethod::ci) {
                const std::array<std::pair<double, double>, 2> ci = {{{r.lower_95[g], r.upper_95[g]},
                                                                      {r.lower_998[g], r.upper_998[g]}}};
                for (std::size_t k = 0; k < 2; ++k) {
                    const auto [lo, hi] = ci[k];
                    if (std::isnan(lo) || std::isnan(hi)) { ok[k] = false; continue; }
                    dir[k] = (B >= lo && B <= hi) ? 0 : (v < B ? -1 : 1);
                }
            } else {
                std::array<double, 4> lim{};  // lower_95, upper_95, lower_998, upper_998 in value units
                const double p0 = B / m;
                switch (st) {
                    case Statistic::proportion: {
                        const double E = N * std::clamp(p0, 0.0, 1.0);
                        const auto w95 = stats::detail::wilson_z(E, N, l95.z), w998 = stats::detail::wilson_z(E, N, l998.z);
                        lim = {w95.lower, w95.upper, w998.lower, w998.upper};
                        break;
                    }
                    case Statistic::rate:
                    case Statistic::ratio:
                    case Statistic::count: {
                        lim = detail::poisson_funnel_counts(p0 * N);
                        for (auto& x : lim) x /= N;
                        break;
                    }
                    case Statistic::dsr: {
                        const double E = p0 * N;
                        const auto e95 = stats::exact_poisson(E, l95), e998 = stats::exact_poisson(E, l998);
                        lim = {e95.lower / N, e95.upper / N, e998.lower / N, e998.upper / N};
                        break;
                    }
                    case Statistic::mean: break;
                }
                for (auto& x : lim) x *= m;
                for (std::size_t k = 0; k < 2; ++k) {
                    const double lo = lim[2 * k], hi = lim[2 * k + 1];
                    dir[k] = v > hi ? 1 : (v < lo ? -1 : 0);
                }
            }
            r.comparison_95[g] = ok[0] ? judge(dir[0], o.polarity) : Comparison::not_compared;
            r.comparison_998[g] = ok[1] ? judge(dir[1], o.polarity) : Comparison::not_compared;
            r.comparison[g] = two_level(r.comparison_95[g], r.comparison_998[g]);
        }
    };
    detail::parallel_for(G, threads, 20'000, run);
    return r;
}

inline Statistic parse_statistic(std::string_view s) {
    if (s == "proportion") return Statistic::proportion;
    if (s == "rate") return Statistic::rate;
    if (s == "count") return Statistic::count;
    if (s == "ratio") return Statistic::ratio;
    if (s == "mean") return Statistic::mean;
    if (s == "dsr") return Statistic::dsr;
    fail_argument("statistic", "must be 'proportion', 'rate', 'count', 'ratio', 'mean' or 'dsr', got '" + std::string(s) + "'");
}

inline CompareMethod parse_compare_method(std::string_view s) {
    if (s == "ci") return CompareMethod::ci;
    if (s == "spc") return CompareMethod::spc;
    fail_argument("method", "must be 'ci' or 'spc', got '" + std::string(s) + "'");
}

}  // namespace qm::assurance
