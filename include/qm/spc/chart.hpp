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
//   struct qm::spc::ChartResult  per point: statistic, flags, point_type; lines per phase, and per
//                                point where they vary (lines_at(), point_lines()); per phase: limits
//                                info and Anhøj runs analysis; per group: icons
//   ChartResult qm::spc::chart_grouped(const ChartInput&, const ChartOptions&, unsigned threads = 0)
//
// A phase's limits come from its baseline rows (the first fix_after rows; all when 0) that are
// not excluded (qm/spc/limits.hpp); the rules run over every row of the phase against its lines
// (qm/spc/rules.hpp).
// Lines are stored once per phase wherever they are the same for every point of it — always for
// run, I, MR, c, g and t; for p, np, u, p′ and u′ when every point of the phase has the same
// denominator and none is missing; for Xbar, R and S when every subgroup of the phase has the same
// size — and otherwise as each point's σ_i (plus its centre and ceiling where those vary), from
// which lines_at() and point_lines() compute the lines with the same arithmetic the limits used:
// writing seven columns per point cost more than the rest of the chart (benchmarks/README.md).
// The variation icon is the last row's point type; the
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
#include <utility>
#include <vector>

#include <qm/core/memory.hpp>
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
    Column<double> statistic;
    Column<RuleFlags> flags;
    Column<PointType> point_type;
    // ---- lines: lines_at(i) and point_lines() give them per point. Stored per phase, and per point
    //      only where they differ between the points of a phase (p, np, u, p′, u′ with differing
    //      denominators or a missing point; Xbar, R, S with differing subgroup sizes):
    LineColumns lines;                          ///< one row per phase: the lines of its last point
    std::vector<std::uint8_t> phase_lines_vary; ///< per phase: 1 when its points' lines differ
    /// Per point (size n; empty when no phase varies), read for the points of varying phases only:
    /// point i's lines are make_lines(centre, point_sigma[i], multipliers of sigma_multiplier,
    /// line_floor, ceiling) — centre ± k·σ_i, ± 2(k/3)·σ_i, ± (k/3)·σ_i, each clamped to
    /// [line_floor, ceiling] — with centre = point_centre[i] for np, R and S (else the phase's row of
    /// `lines`) and ceiling = point_ceiling[i] for np with clip (else line_ceiling). NaN σ_i: the
    /// point has only a centre line (a missing point, or a subgroup of fewer than 2). The entries of
    /// the points of other phases are unspecified.
    Column<double> point_sigma, point_centre, point_ceiling;
    double sigma_multiplier = 3.0;
    double line_floor = -std::numeric_limits<double>::infinity();
    double line_ceiling = std::numeric_limits<double>::infinity();
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

    /// Whether every phase has one set of lines for all its points (then `lines` is all there is).
    bool lines_per_phase() const noexcept { return point_sigma.empty(); }
    /// The phase of point i (i < size()).
    std::size_t phase_of(std::size_t i) const noexcept {
        return static_cast<std::size_t>(std::upper_bound(phase_begin.begin(), phase_begin.end(), i) -
                                        phase_begin.begin()) - 1;
    }
    /// The lines point i (a row of the whole input) of phase p is judged against.
    Lines lines_at(std::size_t p, std::size_t i) const noexcept {
        if (!phase_lines_vary[p]) return lines.at(p);
        return detail::limits::make_lines(point_centre.empty() ? lines.centre[p] : point_centre[i], point_sigma[i],
                                          detail::limits::Multipliers(sigma_multiplier), line_floor,
                                          point_ceiling.empty() ? line_ceiling : point_ceiling[i]);
    }
    Lines lines_at(std::size_t i) const noexcept { return lines_at(phase_of(i), i); }
    /// The lines with one row per point.
    LineColumns point_lines() const {
        LineColumns out;
        out.resize(size());
        for (std::size_t p = 0; p < phases(); ++p) {
            if (!phase_lines_vary[p]) {
                detail::limits::fill_lines(out, phase_begin[p], phase_end[p] - phase_begin[p], lines.at(p));
                continue;
            }
            for (std::size_t i = phase_begin[p]; i < phase_end[p]; ++i) out.set(i, lines_at(p, i));
        }
        return out;
    }
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

/// A varying phase's lines as the rule engine reads them: computed from the per-point σ_i (and
/// centre, ceiling) by the same make_lines() as ChartResult::lines_at(), 64 points at a time.
struct RecipeLines {
    double centre_line, floor_line, ceiling_line;
    limits::Multipliers m;
    const double *sigma, *centres, *ceilings;  ///< at the phase's first point; centres, ceilings may be null
    /// false: the caller knows no line of any point reaches the floor or the ceiling (one centre,
    /// and the lines of the largest σ_i within them), so PairLines leaves out the clamp: the same
    /// lines, as clamped() gives v itself for lo <= v <= hi.
    bool clamp_lines = true;
    static constexpr bool per_point = true;
    Lines at(std::size_t i) const noexcept {
        return limits::make_lines(centres ? centres[i] : centre_line, sigma[i], m, floor_line,
                                  ceilings ? ceilings[i] : ceiling_line);
    }
    double centre(std::size_t i) const noexcept { return centres ? centres[i] : centre_line; }
    /// v clamped to [lo, hi] as a max and a min (lo <= hi, so at most one applies, and NaN stays NaN,
    /// as in limits::clamp_line): max2(lo, v) is lo > v ? lo : v, min2(hi, r) is hi < r ? hi : r,
    /// SSE2's maxpd and minpd. Every line word() and PairLines give.
    static stats::detail::v2d clamped(stats::detail::v2d v, stats::detail::v2d lo, stats::detail::v2d hi) noexcept {
        return stats::detail::min2(hi, stats::detail::max2(lo, v));
    }
#if QM_SSE2_MASKS
    /// Whether every point has the one centre and ceiling (p, u, p′, u′, Xbar): then PairLines
    /// gives the lines in registers, and the rule engine need not have word() store them. (Only
    /// where the rule engine's SSE2 path, the one that reads PairLines, is compiled.)
    bool one_centre() const noexcept { return centres == nullptr && ceilings == nullptr; }
    /// Line j (0 centre, 1 upper, 2 lower limit, 3 upper, 4 lower 2σ line) of the two points whose
    /// σ_i are s, when one_centre(): word()'s arithmetic.
    struct PairLines {
        stats::detail::v2d c, k, k2, lo, hi;
        bool clamp;
        explicit PairLines(const RecipeLines& r) noexcept
            : c(stats::detail::splat2(r.centre_line)), k(stats::detail::splat2(r.m.k)),
              k2(stats::detail::splat2(r.m.k2)), lo(stats::detail::splat2(r.floor_line)),
              hi(stats::detail::splat2(r.ceiling_line)), clamp(r.clamp_lines) {}
        __m128d operator()(int j, __m128d sd) const noexcept {
            const auto s = reinterpret_cast<stats::detail::v2d>(sd);
            auto line = [&](stats::detail::v2d v) {
                return reinterpret_cast<__m128d>(clamp ? clamped(v, lo, hi) : v);
            };
            switch (j) {
                case 0: return reinterpret_cast<__m128d>(c);
                case 1: return line(c + k * s);
                case 2: return line(c - k * s);
                case 3: return line(c + k2 * s);
                default: return line(c - k2 * s);
            }
        }
    };
#endif
    /// make_lines() for points base .. base + n − 1, two points at a time (the clamp as a max and a
    /// min: lo <= hi, so at most one applies, and NaN stays NaN, as in limits::clamp_line). The buffer
    /// has room for an even count: an odd last point fills both lanes from its own entries.
    LinePointers word(std::size_t base, std::size_t n, WordLineBuffer& b, WordLines need = WordLines::all) const noexcept {
        using namespace stats::detail;
        const v2d k = splat2(m.k), k1 = splat2(m.k1), k2 = splat2(m.k2), lo = splat2(floor_line);
        auto clamp = [lo](v2d v, v2d hi) { return clamped(v, lo, hi); };
        auto fill = [&]<WordLines Need>() {
            // points j and j + 1 with centres c, ceilings hi and σ sj
            auto put = [&](std::size_t j, v2d c, v2d hi, v2d sj) {
                store2(b.centre + j, c);
                if constexpr (Need == WordLines::centre) return;
                store2(b.lower + j, clamp(c - k * sj, hi));
                store2(b.upper + j, clamp(c + k * sj, hi));
                if constexpr (Need == WordLines::limits) return;
                store2(b.lower_2sigma + j, clamp(c - k2 * sj, hi));
                store2(b.upper_2sigma + j, clamp(c + k2 * sj, hi));
                if constexpr (Need == WordLines::two_sigma) return;
                store2(b.lower_1sigma + j, clamp(c - k1 * sj, hi));
                store2(b.upper_1sigma + j, clamp(c + k1 * sj, hi));
            };
            const double* s = sigma + base;
            auto pair = [&](const double* col, double none, std::size_t j) {
                return col ? load2(col + base + j) : splat2(none);
            };
            std::size_t j = 0;
            if (centres == nullptr && ceilings == nullptr) {  // p, u, p′, u′, Xbar: one centre and ceiling
                const v2d c = splat2(centre_line), hi = splat2(ceiling_line);
                for (; j + 2 <= n; j += 2) put(j, c, hi, load2(s + j));
            } else {
                for (; j + 2 <= n; j += 2)
                    put(j, pair(centres, centre_line, j), pair(ceilings, ceiling_line, j), load2(s + j));
            }
            if (j < n)  // an odd last point, in both lanes
                put(j, splat2(centres ? centres[base + j] : centre_line),
                    splat2(ceilings ? ceilings[base + j] : ceiling_line), splat2(s[j]));
        };
        switch (need) {
            case WordLines::centre: fill.template operator()<WordLines::centre>(); break;
            case WordLines::limits: fill.template operator()<WordLines::limits>(); break;
            case WordLines::two_sigma: fill.template operator()<WordLines::two_sigma>(); break;
            case WordLines::all: fill.template operator()<WordLines::all>(); break;
        }
        return b.pointers();
    }
};

/// Whether the lines of a phase's rows [b, e) are the same for every row, for the charts whose lines
/// depend on the point: ratio charts when every point is present with one denominator, subgroup
/// charts when every subgroup has one size (see limits.hpp: these rows get identical lines).
inline bool phase_lines_constant(ChartType chart, const ChartInput& in, const SubgroupStats& sg, std::size_t b,
                                 std::size_t e) noexcept {
    switch (limits::kind_of(chart)) {
        case limits::Kind::ratio: {  // blocks without a branch, then stop at the first difference
            const double *y = in.values.data(), *d = in.denominators.data();
            const double d0 = d[b];
            // a first block of 2 (varying denominators differ at once), then blocks of 16
            for (std::size_t i = b, step = 2; i < e; step = 16) {
                bool same = true;
                for (const std::size_t end = std::min(e, i + step); i < end; ++i) same &= (y[i] == y[i]) & (d[i] == d0);
                if (!same) return false;  // (NaN compares unequal)
            }
            return true;
        }
        case limits::Kind::subgroups: {
            const std::size_t m0 = sg.size[b];
            for (std::size_t i = b; i < e; ++i)
                if (sg.size[i] != m0) return false;
            return true;
        }
        default: return true;
    }
}

}  // namespace detail

inline ChartResult chart_grouped(const ChartInput& in, const ChartOptions& opt, unsigned threads) {
    namespace lim_ = detail::limits;  // the chart kernels
    opt.validate();
    detail::validate_chart_input(in, opt);
    const std::size_t n = in.offsets.back(), G = in.offsets.size() - 1;
    const bool subgroups = opt.chart == ChartType::xbar_r || opt.chart == ChartType::xbar_s;

    // Subgroup statistics; the standard deviations only when the chart's σ uses them (the S chart,
    // and σ from s̄ or the pooled s; not Xbar-R's R̄/d2).
    SubgroupStats sg;
    if (subgroups)
        sg = lim_::subgroup_stats_of(in.values, in.subgroup_offsets,
                                     opt.chart == ChartType::xbar_s ||
                                         lim_::resolve(opt.limits.subgroup_sigma, opt.chart) != SubgroupSigma::mean_range,
                                     threads);
    const PhaseLayout layout = phase_layout(in.offsets, in.phase_starts);
    const std::size_t P = layout.phases();

    LimitOptions lim = opt.limits;
    lim.on_insufficient = OnInsufficient::nan_limits;

    // The rows of phase p as chart_limits() takes them.
    auto phase_input = [&](std::size_t b, std::size_t m) {
        ChartPhaseInput pin;
        if (subgroups) {
            pin.subgroups = {std::span<const double>(sg.mean).subspan(b, m), std::span<const double>(sg.range).subspan(b, m),
                             sg.sd.empty() ? std::span<const double>{} : std::span<const double>(sg.sd).subspan(b, m),
                             std::span<const std::size_t>(sg.size).subspan(b, m)};
        } else {
            pin.values = in.values.subspan(b, m);
            if (!in.denominators.empty()) pin.denominators = in.denominators.subspan(b, m);
        }
        return pin;
    };
    ChartResult r;
    r.chart = opt.chart;
    r.dispersion = opt.dispersion;
    qm::detail::size_column(r.statistic, n);
    qm::detail::size_column(r.flags, n);
    qm::detail::size_column(r.point_type, n);
    for (auto* v : {&r.phase_group, &r.phase_begin, &r.phase_end, &r.phase_n_used, &r.phase_n_screened, &r.runs_n_useful,
                    &r.runs_longest, &r.runs_longest_max, &r.runs_crossings, &r.runs_crossings_min})
        v->resize(P);
    for (auto* v : {&r.phase_centre, &r.phase_mean, &r.phase_sigma}) v->resize(P);
    for (auto* v : {&r.phase_short, &r.phase_sufficient, &r.runs_signal}) v->resize(P);
    r.group_phase_offsets = layout.group_phase_offsets;
    r.variation_icon.resize(G);
    r.assurance_icon.resize(G);

    // Lines: one row per phase; per-point σ (centre, ceiling) for the phases whose lines vary.
    const bool can_vary = lim_::kind_of(opt.chart) == lim_::Kind::ratio || subgroups;
    r.lines.resize(P);
    r.phase_lines_vary.resize(P);
    bool any_vary = false;
    if (can_vary)
        for (std::size_t g = 0; g < G; ++g)
            for (std::size_t p = layout.group_phase_offsets[g]; p < layout.group_phase_offsets[g + 1]; ++p) {
                const std::size_t b = layout.begins[p], e = layout.end(p, g, in.offsets);
                r.phase_lines_vary[p] = !detail::phase_lines_constant(opt.chart, in, sg, b, e);
                any_vary = any_vary || r.phase_lines_vary[p];
            }
    r.sigma_multiplier = lim.sigma_multiplier;
    const bool means = subgroups && !opt.dispersion;  // Xbar: never clipped
    const bool proportion = opt.chart == ChartType::p || opt.chart == ChartType::p_prime;
    r.line_floor = means || !lim.clip ? -lim_::inf : 0.0;
    r.line_ceiling = proportion && lim.clip ? 1.0 : lim_::inf;
    if (any_vary) {
        qm::detail::size_column(r.point_sigma, n);
        if (opt.chart == ChartType::np || opt.dispersion) qm::detail::size_column(r.point_centre, n);
        if (opt.chart == ChartType::np && lim.clip) qm::detail::size_column(r.point_ceiling, n);
    }
    const lim_::Multipliers mult(lim.sigma_multiplier);

    for_each_group_chunk(in.offsets, threads, [&](std::size_t g0, std::size_t g1) {
        lim_::Scratch scratch;           // reused across the chunk's phases
        std::vector<std::uint8_t> used;  // only for phases with a frozen baseline or excluded rows
        for (std::size_t g = g0; g < g1; ++g) {
            const std::size_t p0 = layout.group_phase_offsets[g], p1 = layout.group_phase_offsets[g + 1];
            for (std::size_t p = p0; p < p1; ++p) {
                const std::size_t b = layout.begins[p], e = layout.end(p, g, in.offsets), m = e - b;
                const std::size_t be = opt.fix_after == 0 ? e : std::min(e, b + opt.fix_after);
                const bool masked = !in.exclude.empty() || be < e;
                if (masked) {
                    used.assign(m, 0);
                    for (std::size_t i = b; i < be; ++i) used[i - b] = in.exclude.empty() || !in.exclude[i];
                }
                // Each phase's rows are validated with the phase (while they are in cache), so the error
                // reported is the first bad row's: for_each_group_chunk rethrows the lowest chunk's.
                const ChartPhaseInput pin = phase_input(b, m);
                // (a ratio phase of every row: its rows check also takes its sums, for phase_limits)
                const bool checked_sums = !masked && !opt.dispersion && lim_::kind_of(opt.chart) == lim_::Kind::ratio;
                double* st = r.statistic.data() + b;
                // and the statistic y_i/n_i, into the result's own column (p, u, p′, u′)
                (void)lim_::validate_input(opt.chart, pin, lim, b, true, checked_sums ? &scratch.sums : nullptr,
                                           checked_sums && opt.chart != ChartType::np ? st : nullptr);
                // every row with its count and unit has the one unit: one σ_i, so one set of lines for
                // every point but those missing, which no rule flags whatever their lines
                const bool one_unit = checked_sums && scratch.sums.d_lo == scratch.sums.d_hi;
                const bool vary = r.phase_lines_vary[p] != 0;
                auto at_b = [&](Column<double>& v) { return v.empty() ? nullptr : v.data() + b; };
                const lim_::RecipeSink sink{r.lines, p, vary, m - 1, at_b(r.point_sigma), at_b(r.point_centre),
                                            at_b(r.point_ceiling)};
                PhaseLimitInfo info;
                if (opt.dispersion)
                    info = masked ? lim_::phase_dispersion(opt.chart, pin, m, lim, st, sink, lim_::MaskRows{used.data()})
                                  : lim_::phase_dispersion(opt.chart, pin, m, lim, st, sink, lim_::AllRows{});
                else
                    info = masked ? lim_::phase_limits(opt.chart, pin, m, lim, st, sink, lim_::MaskRows{used.data()}, scratch)
                                  : lim_::phase_limits(opt.chart, pin, m, lim, st, sink, lim_::AllRows{}, scratch);
                detail::check_improvement(in.improvement);  // where apply_rules checked it
                const std::uint8_t* excl = in.exclude.empty() ? nullptr : in.exclude.data() + b;
                RuleFlags* fl = r.flags.data() + b;
                PointType* pt = r.point_type.data() + b;
                // the lines of the phase, or of a point with its count and unit when they are one unit's
                // (a phase with no such point has nothing for a rule to flag: any lines do)
                auto constant_lines = [&] {
                    std::size_t i = b;
                    if (vary)
                        while (i < e && !(in.values[i] == in.values[i] && in.denominators[i] == in.denominators[i])) ++i;
                    return vary && i < e ? r.lines_at(p, i) : r.lines.at(p);
                };
                // whether PairLines (one centre only) must clamp: the lines of the largest σ_i of the
                // phase (what scratch says after phase_limits; NaN, so clamp, where it does not say)
                // inside the floor and the ceiling leave every other point's inside too (c ± k·σ rounds
                // monotonically in σ; the 2σ lines are nearer: 2(k/3) < k)
                auto needs_clamp = [&] {
                    const double c = r.lines.centre[p], s = scratch.sigma_max;
                    return !(c - mult.k * s >= r.line_floor && c + mult.k * s <= r.line_ceiling);
                };
                const auto runs =
                    !vary || one_unit
                        ? detail::evaluate_phase(st, m, detail::ConstantLines{constant_lines()}, opt.rules, in.improvement,
                                                 fl, pt, excl)
                        : detail::evaluate_phase(st, m,
                                                 detail::RecipeLines{r.lines.centre[p], r.line_floor, r.line_ceiling, mult,
                                                                     sink.sigma, sink.centre, sink.ceiling,
                                                                     needs_clamp()},
                                                 opt.rules, in.improvement, fl, pt, excl);
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
            // the lines of the group's last point: its phase's row
            r.assurance_icon[g] = assurance_icon(target, r.lines.lower[p1 - 1], r.lines.upper[p1 - 1], in.improvement);
        }
    });
    return r;
}

}  // namespace qm::spc
