#pragma once
// qm/spc/chart.hpp — every Shewhart chart of the catalogue (run, XmR/I, MR, Xbar-R, Xbar-S, p,
// np, c, u, Laney p′ and u′, g, t) for one series or any number of series in long format, with
// phases, a frozen baseline, excluded points, any rule set, point types and icons.
//
// Synopsis
//   struct qm::spc::ChartOptions { chart, dispersion, limits, rules, fix_after, short_phase_threshold }
//   ChartOptions qm::spc::chart_preset(std::string_view preset, ChartType chart)
//         "mdc", "qicharts2", "qcc", "shewhart": the limit arithmetic and rule set of each tool
//   struct qm::spc::ChartInput  { values, denominators, subgroup_offsets, offsets, targets,
//                                 phase_starts, exclude, improvement }
//   struct qm::spc::ChartResult  per point: statistic, lines, flags, point_type;
//                                per phase: limits info and Anhøj runs analysis; per group: icons
//   ChartResult qm::spc::chart_grouped(const ChartInput&, const ChartOptions&, unsigned threads = 0)
//
// A phase's limits come from its baseline rows (the first fix_after rows; all when 0) that are
// not excluded (qm/spc/limits.hpp); the rules run over every row of the phase against the
// per-point lines (qm/spc/rules.hpp). The variation icon is the last row's point type; the
// assurance icon compares the target with the lines at the last row (for charts whose limits
// vary with the denominator or subgroup size, the limits that apply to the latest point).
// A phase with too few usable points gets NaN lines and phase_sufficient = 0 (no error), so
// that one short group does not stop thousands of others; bad input throws qm::invalid_argument
// naming the argument and the row.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/core/parallel.hpp>
#include <qm/core/types.hpp>
#include <qm/spc/chart_types.hpp>
#include <qm/spc/limits.hpp>
#include <qm/spc/rules.hpp>

namespace qm::spc {

struct ChartOptions {
    ChartType chart = ChartType::xmr;
    /// xbar_r / xbar_s: the companion R or S chart instead of the chart of means.
    bool dispersion = false;
    LimitOptions limits{};
    RuleOptions rules = rule_sets::shewhart;
    /// Limits of each phase from its first fix_after rows (0: every row).
    std::size_t fix_after = 0;
    /// Phases with fewer rows are flagged short (trial limits).
    std::size_t short_phase_threshold = 13;

    void validate() const {
        limits.validate();
        rules.validate();
        if (dispersion && chart != ChartType::xbar_r && chart != ChartType::xbar_s)
            fail_argument("dispersion", "only xbar_r and xbar_s have a dispersion chart");
    }
};

inline constexpr std::array<std::string_view, 4> chart_preset_names{"mdc", "qicharts2", "qcc", "shewhart"};

/// The options with which each tool draws `chart`:
///  - "mdc": NHS Making Data Count rules (outside, shift 7, trend 7, 2 of 3), 3σ limits from the
///    chart's own sigma (for XmR use qm::spc::xmr, which has MDC's 2.66 and screening);
///  - "qicharts2": qicharts2 0.8.1 after library(qicharts2): moving-range screening, g centre the
///    median, points outside the limits and the Anhøj runs rules;
///  - "qcc": qcc 3.0 defaults: Western Electric rules 1 and 4 (completing points flagged), no
///    screening, g centre the mean with σ = √(1−p)/p, published d2, R̄ and s̄/c4 (UWAVE);
///  - "shewhart": textbook 3σ limits, only points outside the limits.
inline ChartOptions chart_preset(std::string_view preset, ChartType chart) {
    ChartOptions o;
    o.chart = chart;
    if (preset == "mdc") {
        o.rules = rule_sets::mdc;
        if (chart == ChartType::xmr) {  // MDC's own arithmetic: centre ± 2.66·mR̄, screened
            o.limits.sigma_multiplier = 2.66;
            o.limits.mr_d2 = 1.0;
            o.limits.screen_moving_ranges = true;
        }
    } else if (preset == "qicharts2") {
        o.limits.screen_moving_ranges = true;
        o.rules = chart == ChartType::run ? rule_sets::anhoej : rule_sets::qicharts2;
    } else if (preset == "qcc") {
        o.limits.g_centre = GCentre::mean;
        o.limits.g_sigma = GSigma::number_until;
        o.limits.published_d2 = true;
        o.limits.subgroup_sigma = chart == ChartType::xbar_s ? SubgroupSigma::mean_sd : SubgroupSigma::mean_range;
        o.rules = rule_sets::western_electric_default;
    } else if (preset == "shewhart") {
        o.rules = rule_sets::shewhart;
    } else {
        std::string known;
        for (auto n : chart_preset_names) known.append(known.empty() ? "" : ", ").append(n);
        fail_argument("preset", "unknown preset '" + std::string(preset) + "' (known: " + known + ")");
    }
    if (chart == ChartType::run) o.rules.rules &= static_cast<RuleFlags>(rules::anhoej | rules::shift | rules::trend);
    return o;
}

/// Many series in long format. Rows are chart points; rows of group g are [offsets[g], offsets[g+1]).
struct ChartInput {
    /// run, xmr, mr, t, c, g: the series; p, np, u, p_prime, u_prime: numerators (counts);
    /// xbar_r, xbar_s: the individual observations (see subgroup_offsets).
    std::span<const double> values;
    /// p, np, u, p_prime, u_prime: one denominator per row.
    std::span<const double> denominators = {};
    /// xbar_r, xbar_s: rows+1 offsets into values: row r's subgroup is values[so[r] .. so[r+1]).
    std::span<const std::size_t> subgroup_offsets = {};
    std::span<const std::size_t> offsets;            ///< G+1 ascending row offsets, first 0
    std::span<const double> targets = {};            ///< one per group (NaN: none) or empty
    std::span<const std::size_t> phase_starts = {};  ///< ascending rows where a new phase begins
    std::span<const std::uint8_t> exclude = {};      ///< per row: nonzero = shown, not used for limits
    Improvement improvement = Improvement::increase;
};

struct ChartResult {
    ChartType chart = ChartType::xmr;
    bool dispersion = false;
    // ---- per point (size n)
    std::vector<double> statistic;
    LineColumns lines;
    std::vector<RuleFlags> flags;
    std::vector<PointType> point_type;
    // ---- per phase (size P)
    std::vector<std::size_t> phase_group, phase_begin, phase_end, phase_n_used, phase_n_screened;
    std::vector<double> phase_centre, phase_mean, phase_sigma;
    std::vector<std::uint8_t> phase_short, phase_sufficient;
    std::vector<std::size_t> runs_n_useful, runs_longest, runs_longest_max, runs_crossings, runs_crossings_min;
    std::vector<std::uint8_t> runs_signal;
    // ---- per group (size G)
    std::vector<std::size_t> group_phase_offsets;
    std::vector<VariationIcon> variation_icon;
    std::vector<AssuranceIcon> assurance_icon;

    std::size_t size() const noexcept { return statistic.size(); }
    std::size_t phases() const noexcept { return phase_begin.size(); }
    std::size_t groups() const noexcept { return variation_icon.size(); }
};

ChartResult chart_grouped(const ChartInput& input, const ChartOptions& options, unsigned threads = 0);

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail {

inline void validate_chart_input(const ChartInput& in, const ChartOptions& o) {
    const bool subgroups = o.chart == ChartType::xbar_r || o.chart == ChartType::xbar_s;
    const bool ratio = o.chart == ChartType::p || o.chart == ChartType::np || o.chart == ChartType::u ||
                       o.chart == ChartType::p_prime || o.chart == ChartType::u_prime;
    if (in.offsets.size() < 2) fail_argument("offsets", "needs at least 2 entries (one group)");
    const std::size_t n = in.offsets.back();
    if (in.offsets.front() != 0) fail_argument("offsets", 0, "must be 0");
    for (std::size_t g = 0; g + 1 < in.offsets.size(); ++g)
        if (in.offsets[g + 1] <= in.offsets[g]) fail_argument("offsets", g + 1, "group " + std::to_string(g) + " is empty or offsets decrease");
    if (n == 0) fail_argument("values", "is empty");
    if (subgroups) {
        if (in.subgroup_offsets.size() != n + 1)
            fail_argument("subgroup", "needs one subgroup per row (" + std::to_string(n + 1) + " offsets), got " +
                                          std::to_string(in.subgroup_offsets.size()));
        if (in.subgroup_offsets.front() != 0 || in.subgroup_offsets.back() != in.values.size())
            fail_argument("subgroup", "offsets must run from 0 to the number of observations");
    } else {
        if (in.values.size() != n)
            fail_argument("values", "has " + std::to_string(in.values.size()) + " rows, offsets say " + std::to_string(n));
    }
    if (ratio) {
        if (in.denominators.size() != n)
            fail_argument("denominator", "the " + std::string(to_string(o.chart)) + " chart needs one denominator per row (" +
                                             std::to_string(n) + "), got " + std::to_string(in.denominators.size()));
    } else if (!in.denominators.empty()) {
        fail_argument("denominator", "the " + std::string(to_string(o.chart)) + " chart takes no denominator");
    }
    const std::size_t G = in.offsets.size() - 1;
    if (!in.targets.empty() && in.targets.size() != G)
        fail_argument("targets", "needs one entry per group (" + std::to_string(G) + "), got " + std::to_string(in.targets.size()));
    if (!in.exclude.empty() && in.exclude.size() != n)
        fail_argument("exclude", "needs one entry per row (" + std::to_string(n) + "), got " + std::to_string(in.exclude.size()));
    for (std::size_t k = 0; k < in.phase_starts.size(); ++k) {
        if (in.phase_starts[k] >= n) fail_argument("phase_starts", k, "row " + std::to_string(in.phase_starts[k]) + " is beyond the data");
        if (k > 0 && in.phase_starts[k] <= in.phase_starts[k - 1]) fail_argument("phase_starts", k, "must be strictly ascending");
    }
}

}  // namespace detail

inline ChartResult chart_grouped(const ChartInput& in, const ChartOptions& opt, unsigned threads) {
    opt.validate();
    detail::validate_chart_input(in, opt);
    const std::size_t n = in.offsets.back(), G = in.offsets.size() - 1;
    const bool subgroups = opt.chart == ChartType::xbar_r || opt.chart == ChartType::xbar_s;

    SubgroupStats sg;
    if (subgroups) sg = subgroup_stats(in.values, in.subgroup_offsets);
    const PhaseLayout layout = phase_layout(in.offsets, in.phase_starts);
    const std::size_t P = layout.phases();

    ChartResult r;
    r.chart = opt.chart;
    r.dispersion = opt.dispersion;
    r.statistic.resize(n);
    r.lines.resize(n);
    r.flags.resize(n);
    r.point_type.resize(n);
    for (auto* v : {&r.phase_group, &r.phase_begin, &r.phase_end, &r.phase_n_used, &r.phase_n_screened, &r.runs_n_useful,
                    &r.runs_longest, &r.runs_longest_max, &r.runs_crossings, &r.runs_crossings_min})
        v->resize(P);
    for (auto* v : {&r.phase_centre, &r.phase_mean, &r.phase_sigma}) v->resize(P);
    for (auto* v : {&r.phase_short, &r.phase_sufficient, &r.runs_signal}) v->resize(P);
    r.group_phase_offsets = layout.group_phase_offsets;
    r.variation_icon.resize(G);
    r.assurance_icon.resize(G);

    LimitOptions lim = opt.limits;
    lim.on_insufficient = OnInsufficient::nan_limits;

    for_each_group_chunk(in.offsets, threads, [&](std::size_t g0, std::size_t g1) {
        std::vector<std::uint8_t> used;  // reused across the chunk's phases
        for (std::size_t g = g0; g < g1; ++g) {
            const std::size_t p0 = layout.group_phase_offsets[g], p1 = layout.group_phase_offsets[g + 1];
            for (std::size_t p = p0; p < p1; ++p) {
                const std::size_t b = layout.begins[p], e = layout.end(p, g, in.offsets), m = e - b;
                const std::size_t be = opt.fix_after == 0 ? e : std::min(e, b + opt.fix_after);
                used.assign(m, 0);
                for (std::size_t i = b; i < be; ++i) used[i - b] = in.exclude.empty() || !in.exclude[i];
                ChartPhaseInput pin;
                if (subgroups) {
                    pin.subgroups = {std::span<const double>(sg.mean).subspan(b, m), std::span<const double>(sg.range).subspan(b, m),
                                     std::span<const double>(sg.sd).subspan(b, m),
                                     std::span<const std::size_t>(sg.size).subspan(b, m)};
                } else {
                    pin.values = in.values.subspan(b, m);
                    if (!in.denominators.empty()) pin.denominators = in.denominators.subspan(b, m);
                }
                pin.used = used;
                const PhaseLimitInfo info = opt.dispersion ? dispersion_limits(opt.chart, pin, lim, r.statistic, r.lines, b)
                                                           : chart_limits(opt.chart, pin, lim, r.statistic, r.lines, b);
                const std::span<const std::uint8_t> excl =
                    in.exclude.empty() ? std::span<const std::uint8_t>{} : in.exclude.subspan(b, m);
                const auto runs = apply_rules(std::span<const double>(r.statistic).subspan(b, m), line_pointers(r.lines, b),
                                              opt.rules, in.improvement, std::span<RuleFlags>(r.flags).subspan(b, m),
                                              std::span<PointType>(r.point_type).subspan(b, m), excl);
                r.phase_group[p] = g;
                r.phase_begin[p] = b;
                r.phase_end[p] = e;
                r.phase_n_used[p] = info.n_used;
                r.phase_n_screened[p] = info.n_screened;
                r.phase_centre[p] = info.centre;
                r.phase_mean[p] = info.mean;
                r.phase_sigma[p] = info.sigma;
                r.phase_short[p] = m < opt.short_phase_threshold;
                r.phase_sufficient[p] = info.sufficient;
                if (runs) {
                    r.runs_n_useful[p] = runs->n_useful;
                    r.runs_longest[p] = runs->longest_run;
                    r.runs_longest_max[p] = runs->longest_run_max;
                    r.runs_crossings[p] = runs->n_crossings;
                    r.runs_crossings_min[p] = runs->n_crossings_min;
                    r.runs_signal[p] = runs->runs_signal;
                }
            }
            const std::size_t last = in.offsets[g + 1] - 1;
            r.variation_icon[g] = variation_icon(r.point_type[last], in.improvement);
            const double target = in.targets.empty() ? std::numeric_limits<double>::quiet_NaN() : in.targets[g];
            r.assurance_icon[g] = assurance_icon(target, r.lines.lower[last], r.lines.upper[last], in.improvement);
        }
    });
    return r;
}

}  // namespace qm::spc
