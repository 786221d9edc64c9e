#pragma once
// qm/maturity/agreement.hpp — agreement between raters: Krippendorff's alpha (nominal, ordinal,
// interval, ratio) and percent agreement, for any number of raters and missing ratings.
//
// Synopsis
//   enum class Metric { nominal, ordinal, interval, ratio }
//   struct AlphaResult { alpha, observed, expected, n_units, n_pairable, n_values,
//                        pairwise_agreement, exact_agreement }
//   AlphaResult krippendorff_alpha(std::span<const double> values, std::span<const std::size_t> offsets,
//                                  Metric, double tolerance = 0)
//       values of unit u are values[offsets[u] .. offsets[u+1]); NaN = missing
//   AlphaResult krippendorff_alpha_matrix(std::span<const double> data, std::size_t n_raters,
//                                         std::size_t n_units, Metric, double tolerance = 0)
//       raters × units, row-major (Krippendorff's reliability data matrix); NaN = missing
//   struct AgreementResult { per criterion: alpha, metric, n_units, pairwise/exact agreement,
//                            n_disagreements; per scale: the same pooled over its criteria }
//   AgreementResult agreement(const Framework&, const Assessment&, const ScoreOptions& = {},
//                             std::optional<Metric> metric = {}, double tolerance = 0)
//
// Method (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011): only units with at
// least two values are pairable. The coincidence matrix o_ck = Σ_u Σ_{i≠j} [v_i=c][v_j=k]/(m_u−1),
// n_c = Σ_k o_ck, n = Σ_c n_c; alpha = 1 − D_o/D_e with D_o = Σ o_ck δ²_ck / n and
// D_e = Σ n_c n_k δ²_ck / (n(n−1)). δ² is 0/1 (nominal), (Σ_{g=c..k} n_g − (n_c+n_k)/2)² (ordinal),
// (c−k)² (interval), ((c−k)/(c+k))² (ratio). alpha is NaN when D_e = 0 (no variation).
// pairwise_agreement is the share of agreeing ordered pairs of values within units;
// exact_agreement the share of pairable units whose values all lie within `tolerance` of each
// other (tolerance 0: identical; on ordinal scales agreement() measures it in levels).
// agreement() uses each rater's rating of each criterion (after sub-scores and evidence rules),
// with units = (unit, round); metric defaults to ordinal for ordinal and cumulative scales and to
// interval for banded scales.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/maturity/assessment.hpp>
#include <qm/maturity/framework.hpp>
#include <qm/maturity/score.hpp>

namespace qm::maturity {

enum class Metric : std::uint8_t { nominal, ordinal, interval, ratio };

constexpr std::string_view to_string(Metric m) noexcept {
    switch (m) {
        case Metric::nominal: return "nominal";
        case Metric::ordinal: return "ordinal";
        case Metric::interval: return "interval";
        case Metric::ratio: return "ratio";
    }
    return "?";
}
inline Metric parse_metric(std::string_view s) {
    for (auto m : {Metric::nominal, Metric::ordinal, Metric::interval, Metric::ratio})
        if (to_string(m) == s) return m;
    fail_argument("metric", "unknown metric '" + std::string(s) + "' (expected nominal, ordinal, interval or ratio)");
}

struct AlphaResult {
    double alpha = std::numeric_limits<double>::quiet_NaN();
    double observed = std::numeric_limits<double>::quiet_NaN();  ///< D_o
    double expected = std::numeric_limits<double>::quiet_NaN();  ///< D_e
    std::size_t n_units = 0;     ///< units given
    std::size_t n_pairable = 0;  ///< units with at least two values
    std::size_t n_values = 0;    ///< n: pairable values
    double pairwise_agreement = std::numeric_limits<double>::quiet_NaN();
    double exact_agreement = std::numeric_limits<double>::quiet_NaN();
};

AlphaResult krippendorff_alpha(std::span<const double> values, std::span<const std::size_t> offsets, Metric metric,
                               double tolerance = 0.0);
AlphaResult krippendorff_alpha_matrix(std::span<const double> data, std::size_t n_raters, std::size_t n_units, Metric metric,
                                      double tolerance = 0.0);

struct AgreementResult {
    // per criterion (Framework::criteria order)
    std::vector<double> alpha, pairwise_agreement, exact_agreement;
    std::vector<std::int64_t> n_units, n_pairable, n_values, n_disagreements;
    std::vector<std::uint8_t> metric;  ///< Metric
    // per scale (Framework::scales order), pooled over the criteria on it
    std::vector<double> scale_alpha, scale_pairwise_agreement, scale_exact_agreement;
    std::vector<std::int64_t> scale_n_pairable, scale_n_values, scale_n_disagreements, scale_n_criteria;
    std::vector<std::uint8_t> scale_metric;
};

AgreementResult agreement(const Framework& fw, const Assessment& a, const ScoreOptions& options = {},
                          std::optional<Metric> metric = {}, double tolerance = 0.0);

// ================================================================================================
// Implementation
// ================================================================================================
namespace detail {

/// Alpha from units given as (value index) lists: `codes` are indices into the sorted distinct
/// values `cats`; unit u holds codes[off[u] .. off[u+1]).
inline AlphaResult alpha_from_codes(const std::vector<double>& cats, const std::vector<std::size_t>& codes,
                                    const std::vector<std::size_t>& off, Metric metric, double tolerance,
                                    const std::vector<double>* agree_key = nullptr) {
    AlphaResult out;
    const std::size_t V = cats.size(), U = off.size() - 1;
    out.n_units = U;
    std::vector<double> o(V * V, 0.0);
    std::vector<std::size_t> cnt(V, 0);
    std::vector<std::size_t> present;
    double agree_pairs = 0.0, all_pairs = 0.0;
    std::size_t exact = 0;
    for (std::size_t u = 0; u < U; ++u) {
        const std::size_t m = off[u + 1] - off[u];
        if (m < 2) continue;
        ++out.n_pairable;
        present.clear();
        for (std::size_t i = off[u]; i < off[u + 1]; ++i) {
            if (cnt[codes[i]]++ == 0) present.push_back(codes[i]);
        }
        const double inv = 1.0 / static_cast<double>(m - 1);
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (auto c : present) {
            const double key = agree_key ? (*agree_key)[c] : cats[c];
            lo = std::min(lo, key), hi = std::max(hi, key);
            for (auto k : present) {
                const double nc = static_cast<double>(cnt[c]), nk = static_cast<double>(cnt[k]);
                o[c * V + k] += (c == k ? nc * (nc - 1.0) : nc * nk) * inv;
                const double keyk = agree_key ? (*agree_key)[k] : cats[k];
                if (std::abs(key - keyk) <= tolerance) agree_pairs += c == k ? nc * (nc - 1.0) : nc * nk;
            }
        }
        all_pairs += static_cast<double>(m) * static_cast<double>(m - 1);
        if (hi - lo <= tolerance) ++exact;
        for (auto c : present) cnt[c] = 0;
    }
    if (out.n_pairable == 0) return out;
    out.pairwise_agreement = agree_pairs / all_pairs;
    out.exact_agreement = static_cast<double>(exact) / static_cast<double>(out.n_pairable);
    std::vector<double> nc(V, 0.0);
    double n = 0.0;
    for (std::size_t c = 0; c < V; ++c) {
        for (std::size_t k = 0; k < V; ++k) nc[c] += o[c * V + k];
        n += nc[c];
    }
    out.n_values = static_cast<std::size_t>(std::llround(n));
    // cumulative marginals for the ordinal metric
    std::vector<double> cum(V + 1, 0.0);
    for (std::size_t c = 0; c < V; ++c) cum[c + 1] = cum[c] + nc[c];
    auto delta2 = [&](std::size_t c, std::size_t k) -> double {
        if (c == k) return 0.0;
        switch (metric) {
            case Metric::nominal: return 1.0;
            case Metric::ordinal: {
                const std::size_t a = std::min(c, k), b = std::max(c, k);
                const double s = cum[b + 1] - cum[a] - 0.5 * (nc[a] + nc[b]);
                return s * s;
            }
            case Metric::interval: {
                const double d = cats[c] - cats[k];
                return d * d;
            }
            case Metric::ratio: {
                const double sum = cats[c] + cats[k];
                if (sum == 0.0) return 0.0;
                const double d = (cats[c] - cats[k]) / sum;
                return d * d;
            }
        }
        return 0.0;
    };
    double Do = 0.0, De = 0.0;
    for (std::size_t c = 0; c < V; ++c)
        for (std::size_t k = 0; k < V; ++k) {
            const double d = delta2(c, k);
            if (d == 0.0) continue;
            Do += o[c * V + k] * d;
            De += nc[c] * nc[k] * d;
        }
    out.observed = Do / n;
    out.expected = n > 1.0 ? De / (n * (n - 1.0)) : std::numeric_limits<double>::quiet_NaN();
    if (out.expected > 0.0) out.alpha = 1.0 - out.observed / out.expected;
    return out;
}

/// Sorted distinct non-NaN values and each value's index.
inline std::vector<double> categories(std::span<const double> v) {
    std::vector<double> cats;
    for (double x : v)
        if (!std::isnan(x)) cats.push_back(x);
    std::sort(cats.begin(), cats.end());
    cats.erase(std::unique(cats.begin(), cats.end()), cats.end());
    return cats;
}

inline std::size_t code_of(const std::vector<double>& cats, double x) {
    return static_cast<std::size_t>(std::lower_bound(cats.begin(), cats.end(), x) - cats.begin());
}

}  // namespace detail

inline AlphaResult krippendorff_alpha(std::span<const double> values, std::span<const std::size_t> offsets, Metric metric,
                                      double tolerance) {
    if (offsets.empty()) fail_argument("offsets", "needs at least one entry (0)");
    if (offsets.front() != 0) fail_argument("offsets", 0, "must start at 0");
    for (std::size_t i = 1; i < offsets.size(); ++i)
        if (offsets[i] < offsets[i - 1]) fail_argument("offsets", i, "must not decrease");
    if (offsets.back() != values.size())
        fail_argument("offsets", offsets.size() - 1, "must end at the number of values (" + std::to_string(values.size()) + ")");
    for (std::size_t i = 0; i < values.size(); ++i)
        if (std::isinf(values[i])) fail_argument("values", i, "must be finite or NaN (missing)");
    if (metric == Metric::ratio)
        for (std::size_t i = 0; i < values.size(); ++i)
            if (values[i] < 0.0) fail_argument("values", i, "must not be negative for the ratio metric");
    if (!(tolerance >= 0.0)) fail_argument("tolerance", "must be a non-negative number");
    const auto cats = detail::categories(values);
    std::vector<std::size_t> codes, off{0};
    codes.reserve(values.size());
    for (std::size_t u = 0; u + 1 < offsets.size(); ++u) {
        for (std::size_t i = offsets[u]; i < offsets[u + 1]; ++i)
            if (!std::isnan(values[i])) codes.push_back(detail::code_of(cats, values[i]));
        off.push_back(codes.size());
    }
    return detail::alpha_from_codes(cats, codes, off, metric, tolerance);
}

inline AlphaResult krippendorff_alpha_matrix(std::span<const double> data, std::size_t n_raters, std::size_t n_units, Metric metric,
                                             double tolerance) {
    if (data.size() != n_raters * n_units)
        fail_argument("data", "has " + std::to_string(data.size()) + " values but n_raters × n_units = " + std::to_string(n_raters * n_units));
    std::vector<double> v(data.size());
    std::vector<std::size_t> off(n_units + 1);
    for (std::size_t u = 0; u < n_units; ++u) {
        off[u] = u * n_raters;
        for (std::size_t r = 0; r < n_raters; ++r) v[u * n_raters + r] = data[r * n_units + u];
    }
    off[n_units] = data.size();
    return krippendorff_alpha(v, off, metric, tolerance);
}

inline AgreementResult agreement(const Framework& fw, const Assessment& a, const ScoreOptions& o, std::optional<Metric> metric,
                                 double tolerance) {
    if (!(tolerance >= 0.0)) fail_argument("tolerance", "must be a non-negative number");
    detail::Prepared p = detail::prepare(fw, a, o);
    const std::size_t C = p.C, S = fw.scales.size(), UR = p.U * p.R;
    {
        detail::Duplicate dup;
        for (std::size_t cell = 0; cell + 1 < p.cell_begin.size(); ++cell)
            if (!detail::order_cell(p, a, cell, dup)) detail::fail_duplicate(fw, a, dup);
    }
    // each rater's rating, per criterion: values grouped by (criterion, unit-round)
    std::vector<std::vector<double>> vals(C);
    std::vector<std::vector<std::size_t>> offs(C, std::vector<std::size_t>{0});
    std::vector<std::int64_t> dis(C, 0);
    for (std::size_t c = 0; c < C; ++c) {
        const Node& cn = fw.nodes[fw.criteria[c]];
        const Scale& sc = fw.scales[cn.scale];
        for (std::size_t ur = 0; ur < UR; ++ur) {
            const std::size_t cell = ur * C + c;
            const std::size_t b = p.cell_begin[cell], e = p.cell_begin[cell + 1];
            if (b == e) continue;
            double lo = std::numeric_limits<double>::infinity(), hi = -lo;
            std::size_t got = 0;
            for (std::size_t i = b; i < e;) {
                std::size_t j = i + 1;
                const auto rater = detail::at_or(a.rater, p.order[i], 0);
                while (j < e && detail::at_or(a.rater, p.order[j], 0) == rater) ++j;
                const auto rr = detail::rater_rating(fw, a, p, o, p.order.data() + i, p.order.data() + j, cn);
                if (rr.status == Status::rated) {
                    vals[c].push_back(rr.value);
                    lo = std::min(lo, rr.value), hi = std::max(hi, rr.value);
                    ++got;
                }
                i = j;
            }
            if (got > 0) {
                offs[c].push_back(vals[c].size());
                if (got >= 2 && detail::spread_of(sc, lo, hi) > o.disagreement) ++dis[c];
            }
        }
    }
    AgreementResult out;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    out.alpha.assign(C, nan), out.pairwise_agreement.assign(C, nan), out.exact_agreement.assign(C, nan);
    out.n_units.assign(C, 0), out.n_pairable.assign(C, 0), out.n_values.assign(C, 0), out.n_disagreements = dis;
    out.metric.assign(C, 0);
    out.scale_alpha.assign(S, nan), out.scale_pairwise_agreement.assign(S, nan), out.scale_exact_agreement.assign(S, nan);
    out.scale_n_pairable.assign(S, 0), out.scale_n_values.assign(S, 0), out.scale_n_disagreements.assign(S, 0), out.scale_n_criteria.assign(S, 0);
    out.scale_metric.assign(S, 0);
    auto metric_of = [&](const Scale& s) { return metric ? *metric : (s.banded() ? Metric::interval : Metric::ordinal); };
    // agreement within `tolerance` levels on ordinal scales: compare level indices
    auto keys_for = [&](const Scale& s, const std::vector<double>& cats) {
        std::vector<double> key(cats.size());
        for (std::size_t i = 0; i < cats.size(); ++i) {
            const auto l = s.banded() ? no_level : s.level_of(cats[i]);
            key[i] = l == no_level ? cats[i] : static_cast<double>(l);
        }
        return key;
    };
    auto run = [&](const Scale& s, const std::vector<double>& v, const std::vector<std::size_t>& off) {
        const auto cats = detail::categories(v);
        std::vector<std::size_t> codes(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) codes[i] = detail::code_of(cats, v[i]);
        const auto key = keys_for(s, cats);
        return detail::alpha_from_codes(cats, codes, off, metric_of(s), tolerance, &key);
    };
    for (std::size_t c = 0; c < C; ++c) {
        const Scale& s = fw.scales[fw.nodes[fw.criteria[c]].scale];
        const auto res = run(s, vals[c], offs[c]);
        out.alpha[c] = res.alpha, out.pairwise_agreement[c] = res.pairwise_agreement, out.exact_agreement[c] = res.exact_agreement;
        out.n_units[c] = static_cast<std::int64_t>(res.n_units), out.n_pairable[c] = static_cast<std::int64_t>(res.n_pairable);
        out.n_values[c] = static_cast<std::int64_t>(res.n_values);
        out.metric[c] = static_cast<std::uint8_t>(metric_of(s));
    }
    for (std::size_t si = 0; si < S; ++si) {
        std::vector<double> v;
        std::vector<std::size_t> off{0};
        std::int64_t nc = 0, nd = 0;
        for (std::size_t c = 0; c < C; ++c) {
            if (fw.nodes[fw.criteria[c]].scale != si) continue;
            ++nc, nd += dis[c];
            for (std::size_t u = 0; u + 1 < offs[c].size(); ++u) {
                v.insert(v.end(), vals[c].begin() + static_cast<std::ptrdiff_t>(offs[c][u]), vals[c].begin() + static_cast<std::ptrdiff_t>(offs[c][u + 1]));
                off.push_back(v.size());
            }
        }
        out.scale_n_criteria[si] = nc;
        out.scale_n_disagreements[si] = nd;
        out.scale_metric[si] = static_cast<std::uint8_t>(metric_of(fw.scales[si]));
        if (nc == 0) continue;
        const auto res = run(fw.scales[si], v, off);
        out.scale_alpha[si] = res.alpha, out.scale_pairwise_agreement[si] = res.pairwise_agreement;
        out.scale_exact_agreement[si] = res.exact_agreement;
        out.scale_n_pairable[si] = static_cast<std::int64_t>(res.n_pairable), out.scale_n_values[si] = static_cast<std::int64_t>(res.n_values);
    }
    return out;
}

}  // namespace qm::maturity
