#pragma once
// qm/spc/rules.hpp — the special-cause rules of every chart: one engine, every rule set.
//
// Synopsis
//   using qm::spc::RuleFlags = std::uint16_t                       per-point rule bits
//   namespace qm::spc::rules { outside_limits = 1, shift = 2, trend = 4, two_of_three = 8,
//                              four_of_five = 16, alternating = 32, stratification = 64,
//                              mixture = 128, runs = 256, crossings = 512,
//                              mdc = 15, western_electric = 27, nelson = 255, anhoej = 768, all = 1023 }
//   std::array<std::string_view, 10> qm::spc::rule_names        "outside_limits", ... by bit
//   enum class qm::spc::TwoOfThree  { mdc, western_electric }
//   enum class qm::spc::FlagMode    { pattern, completing }
//   enum class qm::spc::WindowLines { own, last }
//   struct qm::spc::RuleOptions { rules, shift_length, trend_length, two_of_three, flag_mode,
//                                 window_lines, alternating_length, stratification_length,
//                                 mixture_length; validate() }               defaults: MDC
//   namespace qm::spc::rule_sets { mdc, western_electric, western_electric_default, nelson,
//                                  anhoej, qicharts2, shewhart }             (RuleOptions constants)
//   RuleOptions qm::spc::rule_set(std::string_view name)            throws on unknown names
//   std::span<const std::string_view> qm::spc::rule_set_names()
//
//   struct qm::spc::RunsAnalysis { n_obs, n_useful, longest_run, longest_run_max, n_crossings,
//                                  n_crossings_min, longest_run_signal, crossings_signal, runs_signal }
//   std::size_t qm::spc::anhoej_longest_run_limit(std::size_t n_useful)   round(log2(n)) + 3
//   std::size_t qm::spc::anhoej_crossings_limit(std::size_t n_useful)     qbinom(0.05, n - 1, 0.5)
//   RunsAnalysis qm::spc::runs_analysis(span<const double> values, double centre,
//                                       span<const uint8_t> excluded = {})
//
//   struct qm::spc::LinePointers { const double *centre, *lower, ..., *upper_2sigma; }   per point
//   LinePointers qm::spc::line_pointers(const LineColumns&, std::size_t first = 0)
//   std::optional<RunsAnalysis> qm::spc::apply_rules(values, const Lines& | const LinePointers&,
//        const RuleOptions&, Improvement, span<RuleFlags> flags, span<PointType> point_type = {},
//        span<const uint8_t> excluded = {})                   one phase, into caller's columns
//   struct qm::spc::RuleResult { flags; point_type; runs (optional) }
//   RuleResult qm::spc::apply_rules(values, const Lines& | const LineColumns&,
//        const RuleOptions& = {}, Improvement = increase, span<const uint8_t> excluded = {})
//
// One phase at a time: every chart computes its lines (centre, 1σ, 2σ and 3σ lines, constant
// for the phase or one per point) and hands them here with the values. Rules never look across
// a phase break. NaN is a missing value; NaN lines are "no such line" (a comparison with them
// is false, so the rules that need the line do not fire).
//
// The rules (each switched by its bit; lengths are options):
//   outside_limits  y > upper or y < lower (strict).                     WE1, Nelson 1, MDC
//   shift           shift_length points in a row strictly on one side of the centre; a point on
//                   the centre or a missing value breaks the run.  MDC 7, WE4 8, Nelson 2: 9
//   trend           trend_length points each strictly above (below) the previous; a tie or a
//                   missing value breaks it.                        MDC 7, Nelson 3: 6
//   two_of_three    windows of 3 consecutive points, per TwoOfThree:
//                     mdc:  >= 2 beyond the 2σ line but not beyond the limits, all 3 strictly on
//                           one side of the centre (NHSRplotthedots);
//                     western_electric: >= 2 beyond the same 2σ line (3σ points count), no
//                           missing value in the window (qcc WE2 / Nelson 5).
//   four_of_five    windows of 5 with >= 4 beyond the same 1σ line, no missing value (WE3, Nelson 6)
//   alternating     alternating_length points in a row going up and down alternately (every
//                   step strict; a tie or a missing value breaks it)    (Nelson 4: 14). qcc
//                   tests diff[i]·diff[i-1] < 0; we compare the signs, which differs only when
//                   that product underflows to 0 (steps below ~1e-154).
//   stratification  stratification_length points in a row within the 1σ lines, inclusive
//                   (lower_1sigma <= y <= upper_1sigma)                 (Nelson 7: 15)
//   mixture         windows of mixture_length points all beyond a 1σ line (strict), with points
//                   beyond both the upper and the lower one             (Nelson 8: 8)
//   runs, crossings Anhøj runs analysis of the whole phase (qicharts2): points on the centre and
//                   missing (or excluded) points are dropped; the signal is longest run >
//                   round(log2(n_useful)) + 3 (runs) or crossings < qbinom(0.05, n_useful - 1,
//                   0.5) (crossings); when it fires EVERY point of the phase gets the bit, in
//                   either flag mode.
//
// Which points of a pattern are flagged (FlagMode):
//   pattern     every point of the pattern (NHSRplotthedots): the whole run / trend / window;
//               for two_of_three and four_of_five only the points beyond the line (the "close"
//               points for mdc semantics), of every window that qualifies (whether or not its
//               last point is beyond).
//   completing  the point that completes a pattern, and each later point while it continues
//               (qcc): for runs, trends, alternation and stratification the N-th point of the run
//               onward; for window rules the window's last point — for two_of_three and
//               four_of_five only if that point is itself beyond the line.
// WindowLines (only differs with per-point lines, and only for two_of_three with
// western_electric semantics and four_of_five): own = each point of the window is judged against
// its own lines; last = against the lines of the window's last point, as qcc 3.0 does (its WE2/WE3
// code recycles the last point's limits across the window, luca-scr/qcc R/rules.R:118-124).
//
// Point types (qm::PointType) by precedence outside_limits > trend > two_of_three >
// four_of_five > shift > mixture. alternating, stratification, runs and crossings flag points
// but do NOT set a point type (they say the process is not random, not which way it moved; a
// point flagged only by them is common_cause). Orientation: a trend point takes the direction of
// the step to its right when the next point is in a trend too, else of the step from its left
// (the first point of a phase, and a tie, count as decreasing); every other point its side of
// the centre (on the centre counts as low); then times the improvement direction
// (NHSRplotthedots 0.2.2, R/ptd_calculate_point_type.R).
//
// A window or run never reaches before the first point of the phase. `excluded` points (qicharts2's
// `exclude`) are left out of the Anhøj runs analysis only; the other rules see them as any point.
//
// Two implementations of the windowed rules (detail/rules_kernel.hpp): a one-point-at-a-time
// reference (the definition) and a bitwise kernel, 64 points per word, that runs whenever every
// enabled rule length is at most 62 (the tests check they agree on every rule, length, mode and
// line source). Thread safe: no shared mutable state.

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/core/memory.hpp>
#include <qm/core/types.hpp>
#include <qm/spc/chart_types.hpp>

namespace qm::spc {

/// Rule bits carried per point (`flags` columns): bit k is set when the point is flagged by rule
/// k (see the header comment for which points of a pattern are flagged).
using RuleFlags = std::uint16_t;

namespace rules {
inline constexpr RuleFlags outside_limits = 1;    ///< beyond a process limit (strict > / <)
inline constexpr RuleFlags shift = 2;             ///< run of shift_length on one side of the centre
inline constexpr RuleFlags trend = 4;             ///< trend_length points steadily rising or falling
inline constexpr RuleFlags two_of_three = 8;      ///< 2 of 3 beyond 2σ (TwoOfThree semantics)
inline constexpr RuleFlags four_of_five = 16;     ///< 4 of 5 beyond 1σ on one side
inline constexpr RuleFlags alternating = 32;      ///< alternating_length points alternating up and down
inline constexpr RuleFlags stratification = 64;   ///< stratification_length points within 1σ
inline constexpr RuleFlags mixture = 128;         ///< mixture_length points beyond 1σ, both sides
inline constexpr RuleFlags runs = 256;            ///< Anhøj: longest run too long (whole phase)
inline constexpr RuleFlags crossings = 512;       ///< Anhøj: too few crossings (whole phase)
inline constexpr RuleFlags mdc = 15;              ///< the four Making Data Count rules
inline constexpr RuleFlags western_electric = 27; ///< WE 1-4: outside, 2 of 3, 4 of 5, shift
inline constexpr RuleFlags nelson = 255;          ///< Nelson 1-8
inline constexpr RuleFlags anhoej = 768;          ///< runs and crossings
inline constexpr RuleFlags all = 1023;
/// Bits that decide a point type (precedence order in the header comment).
inline constexpr RuleFlags typed = outside_limits | shift | trend | two_of_three | four_of_five | mixture;
}  // namespace rules

/// Rule names by bit index (bit k = 1 << k), as used for `rule_<name>` columns.
inline constexpr std::array<std::string_view, 10> rule_names{
    "outside_limits", "shift", "trend", "two_of_three", "four_of_five",
    "alternating",    "stratification", "mixture", "runs", "crossings"};

/// Semantics of the two_of_three rule.
enum class TwoOfThree : std::uint8_t {
    mdc,               ///< >= 2 beyond 2σ but within the limits, all 3 on one side (NHSRplotthedots)
    western_electric,  ///< >= 2 beyond the same 2σ line, 3σ points count, no missing value (qcc)
};

/// Which points of a detected pattern are flagged.
enum class FlagMode : std::uint8_t {
    pattern,     ///< every point of the pattern (NHSRplotthedots)
    completing,  ///< the completing point and the later points while the pattern continues (qcc)
};

/// Lines the points of a two_of_three (western_electric) / four_of_five window are judged against.
enum class WindowLines : std::uint8_t {
    own,   ///< each point against its own lines
    last,  ///< every point against the lines of the window's last point (qcc 3.0)
};

/// Which rules run and how. Defaults: the Making Data Count rules as NHSRplotthedots 0.2.2.
struct RuleOptions {
    /// Which rules are evaluated (bits of qm::spc::rules).
    RuleFlags rules = rules::mdc;
    /// Points in a row strictly on one side of the centre for a shift (MDC 7, WE 8, Nelson 9).
    std::size_t shift_length = 7;
    /// Points (not steps) in a trend (MDC 7, Nelson 6).
    std::size_t trend_length = 7;
    TwoOfThree two_of_three = TwoOfThree::mdc;
    FlagMode flag_mode = FlagMode::pattern;
    WindowLines window_lines = WindowLines::own;
    /// Points in a row alternating up and down (Nelson 4: 14).
    std::size_t alternating_length = 14;
    /// Points in a row within the 1σ lines (Nelson 7: 15).
    std::size_t stratification_length = 15;
    /// Points in a row beyond the 1σ lines with both sides represented (Nelson 8: 8).
    std::size_t mixture_length = 8;

    /// Throws qm::invalid_argument naming the offending option.
    void validate() const {
        auto range = [](const char* name, std::size_t v, std::size_t lo) {
            if (v < lo || v > 1000)
                fail_argument(name, "must be between " + std::to_string(lo) + " and 1000, got " + std::to_string(v));
        };
        if (rules & ~rules::all) fail_argument("rules", "unknown rule bits " + std::to_string(rules));
        range("shift_length", shift_length, 2);
        range("trend_length", trend_length, 3);
        range("alternating_length", alternating_length, 3);
        range("stratification_length", stratification_length, 2);
        range("mixture_length", mixture_length, 2);
        if (static_cast<unsigned>(two_of_three) > 1) fail_argument("two_of_three", "unknown semantics");
        if (static_cast<unsigned>(flag_mode) > 1) fail_argument("flag_mode", "unknown flag mode");
        if (static_cast<unsigned>(window_lines) > 1) fail_argument("window_lines", "unknown window lines");
    }
};

/// Named rule sets: data, not code paths.
namespace rule_sets {
/// NHS Making Data Count (NHSRplotthedots 0.2.2): outside, shift 7, trend 7, 2 of 3 (MDC), every
/// point of a pattern flagged.
inline constexpr RuleOptions mdc{};
/// Western Electric rules 1-4 as qcc 3.0 `rules = 1:4` of "western-electric": outside, 2 of 3
/// beyond 2σ, 4 of 5 beyond 1σ, 8 on one side; completing points flagged, window lines of the
/// window's last point.
inline constexpr RuleOptions western_electric{.rules = rules::western_electric,
                                              .shift_length = 8,
                                              .two_of_three = TwoOfThree::western_electric,
                                              .flag_mode = FlagMode::completing,
                                              .window_lines = WindowLines::last};
/// qcc 3.0's default: Western Electric rules 1 and 4.
inline constexpr RuleOptions western_electric_default{.rules = rules::outside_limits | rules::shift,
                                                      .shift_length = 8,
                                                      .two_of_three = TwoOfThree::western_electric,
                                                      .flag_mode = FlagMode::completing,
                                                      .window_lines = WindowLines::last};
/// Nelson rules 1-8 as qcc 3.0 `rule.set = "nelson"`: shift 9, trend 6, alternating 14, 2 of 3
/// (WE), 4 of 5, stratification 15, mixture 8; completing points flagged.
inline constexpr RuleOptions nelson{.rules = rules::nelson,
                                    .shift_length = 9,
                                    .trend_length = 6,
                                    .two_of_three = TwoOfThree::western_electric,
                                    .flag_mode = FlagMode::completing,
                                    .window_lines = WindowLines::last,
                                    .alternating_length = 14,
                                    .stratification_length = 15,
                                    .mixture_length = 8};
/// Anhøj runs analysis only (qicharts2 run chart).
inline constexpr RuleOptions anhoej{.rules = rules::anhoej};
/// qicharts2 control charts: points outside the limits (sigma.signal) and the Anhøj rules.
inline constexpr RuleOptions qicharts2{.rules = rules::outside_limits | rules::anhoej};
/// Textbook Shewhart chart: only points outside the limits.
inline constexpr RuleOptions shewhart{.rules = rules::outside_limits};
}  // namespace rule_sets

inline constexpr std::array<std::string_view, 7> rule_set_name_list{
    "mdc", "western_electric", "western_electric_default", "nelson", "anhoej", "qicharts2", "shewhart"};

inline std::span<const std::string_view> rule_set_names() noexcept { return rule_set_name_list; }

inline RuleOptions rule_set(std::string_view name) {
    if (name == "mdc") return rule_sets::mdc;
    if (name == "western_electric") return rule_sets::western_electric;
    if (name == "western_electric_default") return rule_sets::western_electric_default;
    if (name == "nelson") return rule_sets::nelson;
    if (name == "anhoej") return rule_sets::anhoej;
    if (name == "qicharts2") return rule_sets::qicharts2;
    if (name == "shewhart") return rule_sets::shewhart;
    std::string known;
    for (auto n : rule_set_name_list) known.append(known.empty() ? "" : ", ").append(n);
    fail_argument("rules", "unknown rule set '" + std::string(name) + "' (known: " + known + ")");
}

/// Anhøj runs analysis of one phase (qicharts2 0.8.1 runs.analysis). With n_useful == 0 the
/// counts and limits are 0 and no signal fires (qicharts2 reports NA).
struct RunsAnalysis {
    std::size_t n_obs = 0;            ///< points analysed (not excluded), missing ones included
    std::size_t n_useful = 0;         ///< of those, not missing and not on the centre line
    std::size_t longest_run = 0;      ///< longest run of useful points on one side
    std::size_t longest_run_max = 0;  ///< round(log2(n_useful)) + 3
    std::size_t n_crossings = 0;      ///< times consecutive useful points change side
    std::size_t n_crossings_min = 0;  ///< qbinom(0.05, n_useful - 1, 0.5)
    bool longest_run_signal = false;  ///< longest_run > longest_run_max
    bool crossings_signal = false;    ///< n_crossings < n_crossings_min
    bool runs_signal = false;         ///< either (qicharts2's runs.signal)
};

/// round(log2(n_useful)) + 3 (Schilling 2012); 0 for n_useful == 0. log2 of an integer is never
/// exactly k + 1/2, so the rounding rule does not matter; computed exactly in integers.
constexpr std::size_t anhoej_longest_run_limit(std::size_t n_useful) noexcept {
    if (n_useful == 0) return 0;
    const auto k = static_cast<std::size_t>(std::bit_width(n_useful) - 1);  // floor(log2 n)
    bool up;
    if (n_useful < (std::size_t{1} << 31)) {
        up = n_useful * n_useful >= (std::size_t{2} << (2 * k));  // log2 n >= k + 1/2 <=> n^2 >= 2^(2k+1)
    } else {
        up = static_cast<double>(n_useful) / static_cast<double>(std::size_t{1} << k) >= 1.4142135623730951;
    }
    return k + (up ? 1 : 0) + 3;
}

/// R's qbinom(0.05, max(n_useful - 1, 0), 0.5): the smallest x with P(X <= x) >= 0.05 for
/// X ~ Binomial(n_useful - 1, 1/2) (Chen 2010). Exact integer sums up to n_useful = 64, a
/// certified double recurrence up to 1001, Boost.Math beyond. Defined in detail/rules_kernel.hpp.
inline std::size_t anhoej_crossings_limit(std::size_t n_useful);

/// Per-point lines: each pointer addresses the first point of the phase in its column, and
/// every column must hold an entry for every point of the phase.
struct LinePointers {
    const double *centre, *lower, *upper, *lower_1sigma, *upper_1sigma, *lower_2sigma, *upper_2sigma;
    Lines at(std::size_t i) const noexcept {
        return {centre[i], lower[i], upper[i], lower_1sigma[i], upper_1sigma[i], lower_2sigma[i], upper_2sigma[i]};
    }
};

/// Pointers into every column of `columns` at row `first`; throws if the columns differ in
/// length or `first` is beyond them.
inline LinePointers line_pointers(const LineColumns& columns, std::size_t first = 0) {
    const std::size_t n = columns.size();
    const std::pair<const char*, const std::vector<double>*> cols[] = {
        {"lower", &columns.lower},           {"upper", &columns.upper},
        {"lower_1sigma", &columns.lower_1sigma}, {"upper_1sigma", &columns.upper_1sigma},
        {"lower_2sigma", &columns.lower_2sigma}, {"upper_2sigma", &columns.upper_2sigma}};
    for (const auto& [name, v] : cols)
        if (v->size() != n)
            fail_argument(name, "has " + std::to_string(v->size()) + " entries, centre has " + std::to_string(n));
    if (first > n)
        fail_argument("first",
                      "row " + std::to_string(first) + " is beyond the lines (" + std::to_string(n) + " rows)");
    return {columns.centre.data() + first,       columns.lower.data() + first,
            columns.upper.data() + first,        columns.lower_1sigma.data() + first,
            columns.upper_1sigma.data() + first, columns.lower_2sigma.data() + first,
            columns.upper_2sigma.data() + first};
}

/// Flags, point types and (when runs or crossings are enabled) the runs analysis of one phase.
struct RuleResult {
    Column<RuleFlags> flags;
    Column<PointType> point_type;
    std::optional<RunsAnalysis> runs;  ///< set when the options enable runs or crossings
};

/// One phase, written into the caller's columns (flags: one per value; point_type: one per
/// value, or empty to skip; excluded: one per value or empty — nonzero entries are left out of
/// the Anhøj runs analysis, as qicharts2 leaves out excluded points, and only there). Returns
/// the runs analysis when the options enable runs or crossings.
inline std::optional<RunsAnalysis> apply_rules(std::span<const double> values, const Lines& lines,
                                               const RuleOptions& options, Improvement improvement,
                                               std::span<RuleFlags> flags, std::span<PointType> point_type = {},
                                               std::span<const std::uint8_t> excluded = {});
inline std::optional<RunsAnalysis> apply_rules(std::span<const double> values, const LinePointers& lines,
                                               const RuleOptions& options, Improvement improvement,
                                               std::span<RuleFlags> flags, std::span<PointType> point_type = {},
                                               std::span<const std::uint8_t> excluded = {});
/// One phase, allocating the result.
inline RuleResult apply_rules(std::span<const double> values, const Lines& lines, const RuleOptions& options = {},
                              Improvement improvement = Improvement::increase,
                              std::span<const std::uint8_t> excluded = {});
/// One phase with one line entry per point (columns of values.size() entries).
inline RuleResult apply_rules(std::span<const double> values, const LineColumns& lines,
                              const RuleOptions& options = {}, Improvement improvement = Improvement::increase,
                              std::span<const std::uint8_t> excluded = {});

/// The Anhøj runs analysis alone, against a constant centre line.
inline RunsAnalysis runs_analysis(std::span<const double> values, double centre,
                                  std::span<const std::uint8_t> excluded = {});

}  // namespace qm::spc

// ============================================================================================
// Implementation
// ============================================================================================

#include <qm/spc/detail/rules_kernel.hpp>

namespace qm::spc {

namespace detail {

inline void check_rule_columns(std::size_t n, std::size_t n_flags, std::size_t n_types, std::size_t n_excluded) {
    if (n_flags != n)
        fail_argument("flags", "needs one entry per value (" + std::to_string(n) + "), got " + std::to_string(n_flags));
    if (n_types != 0 && n_types != n)
        fail_argument("point_type", "needs one entry per value (" + std::to_string(n) + ") or none, got " +
                                        std::to_string(n_types));
    if (n_excluded != 0 && n_excluded != n)
        fail_argument("excluded", "needs one entry per value (" + std::to_string(n) + ") or none, got " +
                                      std::to_string(n_excluded));
}

inline void check_improvement(Improvement d) {
    const int v = static_cast<int>(d);
    if (v < -1 || v > 1) fail_argument("improvement", "unknown improvement direction " + std::to_string(v));
}

}  // namespace detail

inline std::optional<RunsAnalysis> apply_rules(std::span<const double> values, const Lines& lines,
                                               const RuleOptions& options, Improvement improvement,
                                               std::span<RuleFlags> flags, std::span<PointType> point_type,
                                               std::span<const std::uint8_t> excluded) {
    options.validate();
    detail::check_improvement(improvement);
    detail::check_rule_columns(values.size(), flags.size(), point_type.size(), excluded.size());
    return detail::evaluate_phase(values.data(), values.size(), detail::ConstantLines{lines}, options, improvement,
                                  flags.data(), point_type.empty() ? nullptr : point_type.data(),
                                  excluded.empty() ? nullptr : excluded.data());
}

inline std::optional<RunsAnalysis> apply_rules(std::span<const double> values, const LinePointers& lines,
                                               const RuleOptions& options, Improvement improvement,
                                               std::span<RuleFlags> flags, std::span<PointType> point_type,
                                               std::span<const std::uint8_t> excluded) {
    options.validate();
    detail::check_improvement(improvement);
    detail::check_rule_columns(values.size(), flags.size(), point_type.size(), excluded.size());
    const std::pair<const char*, const double*> cols[] = {
        {"centre", lines.centre},           {"lower", lines.lower},
        {"upper", lines.upper},             {"lower_1sigma", lines.lower_1sigma},
        {"upper_1sigma", lines.upper_1sigma}, {"lower_2sigma", lines.lower_2sigma},
        {"upper_2sigma", lines.upper_2sigma}};
    for (const auto& [name, p] : cols)
        if (p == nullptr && !values.empty()) fail_argument(name, "is a null pointer (use NaN for no such line)");
    return detail::evaluate_phase(values.data(), values.size(), detail::PointLines{lines}, options, improvement,
                                  flags.data(), point_type.empty() ? nullptr : point_type.data(),
                                  excluded.empty() ? nullptr : excluded.data());
}

inline RuleResult apply_rules(std::span<const double> values, const Lines& lines, const RuleOptions& options,
                              Improvement improvement, std::span<const std::uint8_t> excluded) {
    RuleResult r;
    r.flags.resize(values.size());
    r.point_type.resize(values.size());
    r.runs = apply_rules(values, lines, options, improvement, r.flags, r.point_type, excluded);
    return r;
}

inline RuleResult apply_rules(std::span<const double> values, const LineColumns& lines, const RuleOptions& options,
                              Improvement improvement, std::span<const std::uint8_t> excluded) {
    if (lines.size() != values.size())
        fail_argument("lines", "need one entry per value (" + std::to_string(values.size()) + "), got " +
                                   std::to_string(lines.size()));
    const LinePointers p = line_pointers(lines, 0);
    RuleResult r;
    r.flags.resize(values.size());
    r.point_type.resize(values.size());
    r.runs = apply_rules(values, p, options, improvement, r.flags, r.point_type, excluded);
    return r;
}

inline RunsAnalysis runs_analysis(std::span<const double> values, double centre,
                                  std::span<const std::uint8_t> excluded) {
    if (!excluded.empty() && excluded.size() != values.size())
        fail_argument("excluded", "needs one entry per value (" + std::to_string(values.size()) + ") or none, got " +
                                      std::to_string(excluded.size()));
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    return detail::runs_analysis(values.data(), values.size(),
                                 detail::ConstantLines{Lines{centre, nan, nan, nan, nan, nan, nan}},
                                 excluded.empty() ? nullptr : excluded.data());
}

}  // namespace qm::spc
