#pragma once
// qm/spc/xmr.hpp — XmR (individuals and moving range) charts with NHS "Making Data Count"
// rules, for one series or for any number of series in long format, in parallel.
//
// Synopsis
//   struct qm::spc::SeriesSpec    { Improvement improvement; double target; span<const size_t> phase_starts; };
//   struct qm::spc::GroupedInput  { values; offsets (G+1); targets (G or empty); phase_starts; improvement; };
//   struct qm::spc::XmrResult     plain columns: per point, per phase, per group (below)
//   XmrResult qm::spc::xmr(std::span<const double> values, const SeriesSpec& = {}, const XmrOptions& = {})
//   XmrResult qm::spc::xmr_grouped(const GroupedInput&, const XmrOptions& = {}, unsigned threads = 0)
//   void qm::spc::xmr_grouped_into(const GroupedInput&, XmrResult& out, const XmrOptions& = {}, unsigned threads = 0)
//
// Method (defaults = NHSRplotthedots 0.2.2, see README "Method"):
//   per phase, baseline = its first fix_after rows (all rows when fix_after = 0);
//   centre = mean of the non-missing baseline values; moving ranges |y[i]-y[i-1]| inside the
//   baseline, never bridging a missing value; mR̄ = their mean, screened (MR >= 3.267 mR̄ dropped,
//   mean recomputed once); limits centre ± 2.66 mR̄, 1σ and 2σ lines at 1/3 and 2/3 of that.
//   Rules, evaluated over every row of the phase, never across a phase break or a missing value:
//     outside_limits  y > upper or y < lower (strict)
//     shift           shift_length points in a row strictly on one side (a point on the centre breaks it)
//     trend           trend_length points each strictly above (below) the previous (a tie breaks it)
//     two_of_three    2 of 3 consecutive points beyond the 2σ line but not beyond the limits, all 3 on
//                     one side of the centre; only the points beyond 2σ are flagged
//   Every point of a detected pattern is flagged. Point type by precedence outside > trend >
//   two_of_three > shift, oriented by the improvement direction (the rule engine of
//   qm/spc/rules.hpp with XmrOptions::rule_options(): rule_sets::mdc semantics). Variation icon
//   from the last row of each group, assurance icon from the target against the limits of its
//   last phase.
//
// Missing values are NaN; infinities are rejected. Thread safe: no shared mutable state.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <span>
#include <string>
#include <vector>

#include <qm/core/memory.hpp>
#include <qm/core/error.hpp>
#include <qm/core/parallel.hpp>
#include <qm/core/types.hpp>
#include <qm/spc/options.hpp>
#include <qm/spc/detail/xmr_kernel.hpp>
#include <qm/stats/detail/lanes.hpp>

namespace qm::spc {

/// Per-series settings for xmr().
struct SeriesSpec {
    Improvement improvement = Improvement::increase;
    double target = std::numeric_limits<double>::quiet_NaN();  ///< NaN: no target
    std::span<const std::size_t> phase_starts = {};           ///< rows where a new phase (rebase) begins
};

/// Many series in long format: rows of group g are values[offsets[g] .. offsets[g+1]).
struct GroupedInput {
    std::span<const double> values;
    std::span<const std::size_t> offsets;            ///< G+1 ascending offsets, first 0, last values.size()
    std::span<const double> targets = {};            ///< one per group (NaN: none), or empty for no targets
    std::span<const std::size_t> phase_starts = {};  ///< ascending global rows where a new phase begins
    Improvement improvement = Improvement::increase;
};

/// Plain columns. Per-point limits are not stored; expand() repeats a phase column per point.
struct XmrResult {
    // ---- per point (size n)
    Column<RuleFlags> flags;        ///< bits of qm::spc::rules
    Column<PointType> point_type;
    // ---- per phase (size P, ordered by group then time)
    std::vector<std::size_t> phase_group, phase_begin, phase_end, phase_baseline_end;
    std::vector<std::size_t> phase_n_used;           ///< non-missing baseline values behind the centre
    std::vector<std::size_t> phase_n_moving_ranges;  ///< moving ranges behind mR̄ (after screening)
    std::vector<std::size_t> phase_n_screened;       ///< moving ranges removed by screening
    std::vector<std::uint8_t> phase_short;           ///< fewer rows than short_phase_threshold
    std::vector<double> centre, mean_moving_range, lower, upper;
    std::vector<double> lower_1sigma, upper_1sigma, lower_2sigma, upper_2sigma;
    // ---- per group (size G)
    std::vector<std::size_t> group_phase_offsets;  ///< G+1: phases of group g are [o[g], o[g+1])
    std::vector<VariationIcon> variation_icon;
    std::vector<AssuranceIcon> assurance_icon;

    std::size_t size() const noexcept { return flags.size(); }
    std::size_t phases() const noexcept { return centre.size(); }
    std::size_t groups() const noexcept { return variation_icon.size(); }

    /// A per-phase column repeated for every row of its phase (size n).
    template <class T>
    std::vector<T> expand(const std::vector<T>& phase_column) const {
        std::vector<T> out(size());
        for (std::size_t p = 0; p < phases(); ++p)
            std::fill(out.begin() + static_cast<std::ptrdiff_t>(phase_begin[p]),
                      out.begin() + static_cast<std::ptrdiff_t>(phase_end[p]), phase_column[p]);
        return out;
    }
};

XmrResult xmr_grouped(const GroupedInput& input, const XmrOptions& options = {}, unsigned threads = 0);

/// xmr_grouped into an existing result, reusing its memory: the same values in every column;
/// for callers that recompute repeatedly (a dashboard refreshing every indicator, a benchmark),
/// which then pay no allocation, page faults or zeroing for the output. On an error `out` is
/// left in a valid but unspecified state.
void xmr_grouped_into(const GroupedInput& input, XmrResult& out, const XmrOptions& options = {},
                      unsigned threads = 0);

/// One series: a grouped computation with a single group.
inline XmrResult xmr(std::span<const double> values, const SeriesSpec& spec = {}, const XmrOptions& options = {}) {
    const std::size_t offsets[2] = {0, values.size()};
    const double target[1] = {spec.target};
    return xmr_grouped({.values = values,
                        .offsets = offsets,
                        .targets = target,
                        .phase_starts = spec.phase_starts,
                        .improvement = spec.improvement},
                       options, 1);
}

// ============================================================================================
// Implementation
// ============================================================================================

namespace detail {

/// Everything but the values themselves, which xmr_grouped checks in its first pass over them
/// (one read of the data fewer); a values error still comes before a targets or phase_starts
/// error, as the values are scanned before either is reported.
inline void validate_grouped(const GroupedInput& in) {
    const std::size_t n = in.values.size();
    if (n == 0) fail_argument("values", "is empty");
    if (in.offsets.size() < 2) fail_argument("offsets", "needs at least 2 entries (one group)");
    if (in.offsets.front() != 0) fail_argument("offsets", 0, "must be 0, got " + std::to_string(in.offsets.front()));
    if (in.offsets.back() != n)
        fail_argument("offsets", in.offsets.size() - 1,
                      "must equal the number of values (" + std::to_string(n) + "), got " +
                          std::to_string(in.offsets.back()));
    const std::size_t G = in.offsets.size() - 1;
    for (std::size_t g = 0; g < G; ++g)
        if (in.offsets[g + 1] <= in.offsets[g])
            fail_argument("offsets", g + 1, "group " + std::to_string(g) + " is empty or offsets decrease");
    if (!in.targets.empty()) {
        if (in.targets.size() != G) {
            check_all_values(in.values);
            fail_argument("targets", "needs one entry per group (" + std::to_string(G) + "), got " +
                                         std::to_string(in.targets.size()));
        }
        for (std::size_t g = 0; g < G; ++g)
            if (std::isinf(in.targets[g])) {
                check_all_values(in.values);
                fail_argument("targets", g, "must be finite or NaN (no target)");
            }
    }
    for (std::size_t k = 0; k < in.phase_starts.size(); ++k) {
        if (in.phase_starts[k] >= n) {
            check_all_values(in.values);
            fail_argument("phase_starts", k, "row " + std::to_string(in.phase_starts[k]) + " is beyond the data (" +
                                                 std::to_string(n) + " rows)");
        }
        if (k > 0 && in.phase_starts[k] <= in.phase_starts[k - 1]) {
            check_all_values(in.values);
            fail_argument("phase_starts", k, "must be strictly ascending");
        }
    }
}

}  // namespace detail

inline XmrResult xmr_grouped(const GroupedInput& in, const XmrOptions& o, unsigned threads) {
    XmrResult r;
    xmr_grouped_into(in, r, o, threads);
    return r;
}

inline void xmr_grouped_into(const GroupedInput& in, XmrResult& r, const XmrOptions& o, unsigned threads) {
    o.validate();
    detail::validate_grouped(in);
    const std::size_t n = in.values.size(), G = in.offsets.size() - 1;

    // Every phase is known before any work starts (qm/core/parallel.hpp), so every output is sized
    // once (every element of every column is then written) and each chunk writes its own slices.
    PhaseLayout layout = phase_layout(in.offsets, in.phase_starts);
    const std::vector<std::size_t>& begins = layout.begins;
    const std::size_t P = layout.phases();
    r.group_phase_offsets = std::move(layout.group_phase_offsets);

    qm::detail::size_column(r.flags, n);
    qm::detail::size_column(r.point_type, n);
    for (auto* v : {&r.phase_group, &r.phase_begin, &r.phase_end, &r.phase_baseline_end, &r.phase_n_used,
                    &r.phase_n_moving_ranges, &r.phase_n_screened})
        v->resize(P);
    r.phase_short.resize(P);
    for (auto* v : {&r.centre, &r.mean_moving_range, &r.lower, &r.upper, &r.lower_1sigma, &r.upper_1sigma,
                    &r.lower_2sigma, &r.upper_2sigma})
        v->resize(P);
    r.variation_icon.resize(G);
    r.assurance_icon.resize(G);

    const RuleOptions rule_options = o.rule_options();
    // What the first pass saw of the values, summed over the chunks: checked after the parallel
    // part, and only then is an error looked for row by row.
    detail::NumberScan seen;
    std::mutex seen_lock;
    for_each_group_chunk(in.offsets, threads, [&](std::size_t g0, std::size_t g1) noexcept {
        detail::NumberScan scan;
        // the two largest moving ranges of each block of the baseline, for screening (xmr_limits.hpp);
        // without the memory, screening reads the whole baseline again: the same result
        std::unique_ptr<double[]> block_max;
        std::size_t block_room = 0;
        for (std::size_t g = g0; g < g1; ++g) {
            const std::size_t p0 = r.group_phase_offsets[g], p1 = r.group_phase_offsets[g + 1];
            for (std::size_t p = p0; p < p1; ++p) {
                const std::size_t b = begins[p], e = p + 1 < p1 ? begins[p + 1] : in.offsets[g + 1];
                const std::size_t be = o.fix_after == 0 ? e : std::min(e, b + o.fix_after);
                const double* y = in.values.data() + b;
                if (const std::size_t need = detail::xmr_block_count(be - b); need > block_room) {
                    block_max.reset(new (std::nothrow) double[std::max(need, block_room * 2)]);
                    block_room = block_max ? std::max(need, block_room * 2) : 0;
                    qm::detail::advise_huge_pages(block_max.get(), block_room * sizeof(double));
                }
                const auto L = detail::xmr_limits(y, be - b, o, block_room > 0 ? block_max.get() : nullptr);
                scan.count += static_cast<double>(L.n_used);
                scan.largest = std::max(scan.largest, L.largest);
                if (be < e) {  // rows after a frozen baseline: not in the first pass
                    const auto rest = detail::scan_numbers(y + (be - b), e - be);
                    scan.count += rest.count;
                    scan.largest = std::max(scan.largest, rest.largest);
                }
                // the rule engine (qm/spc/rules.hpp): bitwise kernel, or the reference one for rules longer than 62
                (void)detail::evaluate_phase(y, e - b, detail::ConstantLines{detail::lines_of(L)}, rule_options,
                                             in.improvement, r.flags.data() + b, r.point_type.data() + b, nullptr);
                r.phase_group[p] = g;
                r.phase_begin[p] = b;
                r.phase_end[p] = e;
                r.phase_baseline_end[p] = be;
                r.phase_n_used[p] = L.n_used;
                r.phase_n_moving_ranges[p] = L.n_mr;
                r.phase_n_screened[p] = L.n_screened;
                r.phase_short[p] = (e - b) < o.short_phase_threshold;
                r.centre[p] = L.centre;
                r.mean_moving_range[p] = L.amr;
                r.lower[p] = L.lower;
                r.upper[p] = L.upper;
                r.lower_1sigma[p] = L.lower1;
                r.upper_1sigma[p] = L.upper1;
                r.lower_2sigma[p] = L.lower2;
                r.upper_2sigma[p] = L.upper2;
            }
            r.variation_icon[g] = variation_icon(r.point_type[in.offsets[g + 1] - 1], in.improvement);
            const double target = in.targets.empty() ? std::numeric_limits<double>::quiet_NaN() : in.targets[g];
            r.assurance_icon[g] = assurance_icon(target, r.lower[p1 - 1], r.upper[p1 - 1], in.improvement);
        }
        const std::lock_guard<std::mutex> hold(seen_lock);
        seen.count += scan.count;
        seen.largest = std::max(seen.largest, scan.largest);
    });
    detail::check_values(in.values, seen);
}

}  // namespace qm::spc
