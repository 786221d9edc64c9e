#pragma once
// qm/maturity/score.hpp — scoring an assessment against a framework: raters → criterion
// ratings → elements → domains → overall, for every unit and round, in parallel across units.
//
// Synopsis
//   namespace flag { disagreement, stale_evidence, no_evidence, carried_forward, overridden,
//                    no_consensus, na_conflict, imputed_lowest, partial, capped,
//                    prerequisite_unmet, subscores_partial, unassessed }   (std::uint16_t bits)
//   struct ScoreOptions { aggregation, missing, carry_forward, disagreement, evidence_max_age_days,
//                         evidence_required, stale, as_of, threads }
//   struct ScoreResult  { n_units, n_rounds, n_nodes; per (unit, round, node) columns: rating,
//                         score, level, level_index, percent, points, se, status, flags, n_items,
//                         n_missing, rater_min, rater_max, spread, cap, carried_from,
//                         override_index; per (unit, round): assessed; per scale: noise_sd,
//                         noise_df; overrides; missing (the policy used, by node) }
//   ScoreResult score(const Framework&, const Assessment&, std::span<const Override> = {},
//                     const ScoreOptions& = {})
//
// Pipeline and conventions
//   1. Rows are checked (codes in range, ratings on the criterion's scale, no rater rating the
//      same thing twice, overrides with reasons): a bad row is a qm::invalid_argument naming the
//      column and the row, e.g. "rating[17]: 7 is not on scale 'maturity5' (…) of criterion 'p.1'".
//   2. Evidence: a rating whose newest evidence is older than max_age_days at the reference date
//      (as_of, else the row's assessed_on), or whose evidence has expired, is stale; stale
//      ratings count as Not Rated (stale = not_rated, the default) or are only flagged (flag).
//      With evidence_required, a rating without dated evidence counts as Not Rated.
//   3. Each rater's rating of a criterion is the whole-criterion row if there is one, else the
//      weighted mean (or minimum) of the sub-scores, missing sub-scores per the missing policy.
//   4. Raters are aggregated per criterion (median — the mean of the middle two for an even
//      count —, median_low/high, mean, min, max, or consensus: all raters agree, else Not Rated
//      with no_consensus). A consensus override replaces the result and is flagged. A criterion
//      is Not Applicable when no rater rated it and at least one said NA; Not Rated otherwise.
//      spread = max − min of the raters (in levels; banded scales: in scale units); disagreement
//      when spread > options.disagreement.
//   5. With carry_forward, a criterion not rated in a round takes its latest earlier rating.
//   6. Prerequisites ("requires"): a criterion counts at its scale minimum until each
//      prerequisite reaches its level.
//   7. Aggregates, children first, by each node's method (framework.hpp). Missing items (Not
//      Rated) follow the missing policy: exclude (dropped, weights re-normalised; flag partial),
//      lowest (scored as the lowest level — for an aggregate child, its score when every
//      criterion is at its minimum; flag imputed_lowest), not_rated (the node is Not Rated;
//      staged: only when the missing evidence decides the stage). Not Applicable items are
//      always dropped. Caps lower the level when their condition holds; an override replaces it.
//   8. Noise: the pooled within-criterion standard deviation of raters, per scale; a criterion
//      rated by k raters has se = sd/√k, propagated through the linear methods (weighted_mean,
//      percent_bands, psoe); discrete methods report no se.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/accumulators/accumulators.hpp>
#include <boost/accumulators/statistics/count.hpp>
#include <boost/accumulators/statistics/max.hpp>
#include <boost/accumulators/statistics/mean.hpp>
#include <boost/accumulators/statistics/min.hpp>
#include <boost/accumulators/statistics/stats.hpp>
#include <boost/accumulators/statistics/variance.hpp>

#include <qm/core/error.hpp>
#include <qm/maturity/assessment.hpp>
#include <qm/maturity/framework.hpp>
#include <qm/stats/sum.hpp>

namespace qm::maturity {

namespace flag {
inline constexpr std::uint16_t disagreement = 1u << 0;       ///< raters differ by more than options.disagreement
inline constexpr std::uint16_t stale_evidence = 1u << 1;     ///< a rating rested on stale or expired evidence
inline constexpr std::uint16_t no_evidence = 1u << 2;        ///< a rating had no dated evidence where it is required
inline constexpr std::uint16_t carried_forward = 1u << 3;    ///< the rating comes from an earlier round
inline constexpr std::uint16_t overridden = 1u << 4;         ///< a consensus override replaced the result
inline constexpr std::uint16_t no_consensus = 1u << 5;       ///< consensus aggregation, raters disagree, no override
inline constexpr std::uint16_t na_conflict = 1u << 6;        ///< some raters said Not Applicable, others rated
inline constexpr std::uint16_t imputed_lowest = 1u << 7;     ///< a missing item was scored as the lowest level
inline constexpr std::uint16_t partial = 1u << 8;            ///< missing items were excluded
inline constexpr std::uint16_t capped = 1u << 9;             ///< a cap lowered the level
inline constexpr std::uint16_t prerequisite_unmet = 1u << 10;///< counted at its minimum: a prerequisite is not met
inline constexpr std::uint16_t subscores_partial = 1u << 11; ///< some sub-scores were missing
inline constexpr std::uint16_t unassessed = 1u << 12;        ///< no rating rows at all
inline constexpr int count = 13;
inline constexpr std::string_view names[count] = {
    "disagreement", "stale_evidence", "no_evidence", "carried_forward", "overridden", "no_consensus", "na_conflict",
    "imputed_lowest", "partial", "capped", "prerequisite_unmet", "subscores_partial", "unassessed"};
}  // namespace flag

struct ScoreOptions {
    Aggregation aggregation = Aggregation::median;  ///< how raters are combined per criterion
    std::optional<MissingPolicy> missing;           ///< replaces the framework's policy at every level
    bool carry_forward = false;                     ///< a criterion not rated in a round takes its latest earlier rating
    double disagreement = 1.0;                      ///< flag when raters differ by more than this (levels; banded: units)
    std::optional<int> evidence_max_age_days;       ///< replaces the framework's evidence age limit (-1: none)
    std::optional<bool> evidence_required;          ///< replaces the framework's setting
    std::optional<StalePolicy> stale;               ///< replaces the framework's setting
    std::int64_t as_of = no_date;                   ///< reference date for evidence age (else each row's assessed_on)
    unsigned threads = 0;                           ///< worker threads (0: all cores)
};

struct ScoreResult {
    std::string framework_id, framework_version;
    std::size_t n_units = 0, n_rounds = 0, n_nodes = 0;  ///< row = (unit · n_rounds + round) · n_nodes + node
    // per row
    std::vector<double> rating;           ///< criteria: the raters' aggregated rating (before prerequisites)
    std::vector<double> score;            ///< criteria: the rating that counts; aggregates: the method's score
    std::vector<double> level;            ///< the level's value on the node's output scale (NaN: none)
    std::vector<std::int32_t> level_index;///< index of that level (-1: none)
    std::vector<double> percent;          ///< percent_bands and psoe: the percentage (NaN otherwise)
    std::vector<double> points;           ///< points earned where the node (or its children) carry points
    std::vector<double> se;               ///< standard error of the score from rater noise (NaN: unknown)
    std::vector<std::uint8_t> status;     ///< Status
    std::vector<std::uint16_t> flags;     ///< flag bits
    std::vector<std::int32_t> n_items;    ///< criteria: raters who rated; aggregates: items that counted
    std::vector<std::int32_t> n_missing;  ///< criteria: raters who gave Not Rated; aggregates: items missing
    std::vector<double> rater_min, rater_max, spread;  ///< criteria only
    std::vector<std::int32_t> cap;        ///< index of the cap that lowered the level (-1)
    std::vector<std::int32_t> carried_from;   ///< criteria: round the rating was carried from (-1)
    std::vector<std::int32_t> override_index; ///< index into `overrides` (-1)
    // per (unit, round)
    std::vector<std::uint8_t> assessed;
    // per scale of the framework
    std::vector<double> noise_sd;
    std::vector<std::int64_t> noise_df;
    std::vector<Override> overrides;      ///< as given (for what-if re-evaluation)
    std::optional<MissingPolicy> missing; ///< the policy override used (none: the framework's)
    Aggregation aggregation = Aggregation::median;

    std::size_t row(std::size_t unit, std::size_t round, std::size_t node) const noexcept {
        return (unit * n_rounds + round) * n_nodes + node;
    }
    std::size_t size() const noexcept { return score.size(); }
};

ScoreResult score(const Framework& fw, const Assessment& a, std::span<const Override> overrides = {},
                  const ScoreOptions& options = {});

// ================================================================================================
// Implementation
// ================================================================================================
namespace detail {

/// Pointers to the rows of one unit and round (into a ScoreResult or a scratch copy).
struct Slice {
    double* rating;
    double* score;
    double* level;
    std::int32_t* level_index;
    double* percent;
    double* points;
    double* se;
    std::uint8_t* status;
    std::uint16_t* flags;
    std::int32_t* n_items;
    std::int32_t* n_missing;
    std::int32_t* cap;
    std::int32_t* override_index;
};

inline Slice slice_of(ScoreResult& r, std::size_t base) {
    return Slice{r.rating.data() + base,  r.score.data() + base,     r.level.data() + base,   r.level_index.data() + base,
                 r.percent.data() + base, r.points.data() + base,    r.se.data() + base,      r.status.data() + base,
                 r.flags.data() + base,   r.n_items.data() + base,   r.n_missing.data() + base, r.cap.data() + base,
                 r.override_index.data() + base};
}

/// Owned storage for one unit-round (floor evaluation, what-if scratch).
struct UnitState {
    std::vector<double> rating, score, level, percent, points, se;
    std::vector<std::int32_t> level_index, n_items, n_missing, cap, override_index;
    std::vector<std::uint8_t> status;
    std::vector<std::uint16_t> flags;
    explicit UnitState(std::size_t n = 0) { resize(n); }
    void resize(std::size_t n) {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        rating.assign(n, nan), score.assign(n, nan), level.assign(n, nan), percent.assign(n, nan), points.assign(n, nan), se.assign(n, nan);
        level_index.assign(n, -1), n_items.assign(n, 0), n_missing.assign(n, 0), cap.assign(n, -1), override_index.assign(n, -1);
        status.assign(n, static_cast<std::uint8_t>(Status::not_rated));
        flags.assign(n, 0);
    }
    Slice slice() {
        return Slice{rating.data(), score.data(), level.data(), level_index.data(), percent.data(), points.data(), se.data(),
                     status.data(), flags.data(), n_items.data(), n_missing.data(), cap.data(), override_index.data()};
    }
    void copy_from(const ScoreResult& r, std::size_t base, std::size_t n) {
        auto cp = [&](auto& dst, const auto& src) { std::copy(src.begin() + static_cast<std::ptrdiff_t>(base), src.begin() + static_cast<std::ptrdiff_t>(base + n), dst.begin()); };
        resize(n);
        cp(rating, r.rating), cp(score, r.score), cp(level, r.level), cp(percent, r.percent), cp(points, r.points), cp(se, r.se);
        cp(level_index, r.level_index), cp(n_items, r.n_items), cp(n_missing, r.n_missing), cp(cap, r.cap), cp(override_index, r.override_index);
        cp(status, r.status), cp(flags, r.flags);
    }
};

/// An override of an aggregate node for one unit-round.
struct NodeOverride {
    std::size_t node;
    double value;
    Status status;
    std::int32_t index;
};

inline double scale_floor_value(const Scale& s) { return s.banded() ? s.min : s.levels.front().value; }

/// Everything evaluate() needs besides one unit-round's criteria.
struct EvalConfig {
    const Framework* fw = nullptr;
    std::optional<MissingPolicy> missing;
    UnitState floor;  ///< every node's result when every criterion is at its scale minimum

    MissingPolicy policy(const Method& m) const { return missing ? *missing : fw->missing_of(m); }
};

/// A weighted mean of the children's band values is read against the band values, not the bands.
inline bool value_levels(const Method& m, const Scale& /*out*/) noexcept { return m.by_value; }
/// The highest level whose value is at or below v (within a relative 1e-9).
inline std::size_t level_by_value(const Scale& s, double v) noexcept {
    if (std::isnan(v)) return no_level;
    const double tol = 1e-9 * std::max(1.0, std::abs(v));
    std::size_t found = no_level;
    for (std::size_t i = 0; i < s.levels.size(); ++i)
        if (s.levels[i].value <= v + tol) found = i;
    return found;
}

struct Item {
    std::size_t node;
    double w;
    double x;        ///< the value the method uses (score or level value)
    double score;
    std::size_t level;
    double level_value;
    double se;
    bool nr;         ///< Not Rated under the not_rated policy (staged reads these)
};

inline void set_level(const Scale* s, std::size_t idx, double& level, std::int32_t& level_index) {
    if (s == nullptr || idx == no_level) {
        level = std::numeric_limits<double>::quiet_NaN();
        level_index = -1;
    } else {
        level = s->levels[idx].value;
        level_index = static_cast<std::int32_t>(idx);
    }
}

/// Level index of node k for counting in conditions (NR items: floor level under `lowest`).
inline std::size_t counted_level(const EvalConfig& cfg, const Slice& s, std::size_t k, MissingPolicy pol) {
    const auto st = static_cast<Status>(s.status[k]);
    if (st == Status::rated) return s.level_index[k] < 0 ? no_level : static_cast<std::size_t>(s.level_index[k]);
    if (st == Status::not_rated && pol == MissingPolicy::lowest) {
        const auto f = cfg.floor.level_index[k];
        return f < 0 ? no_level : static_cast<std::size_t>(f);
    }
    return no_level;
}

inline bool condition_holds(const EvalConfig& cfg, const Slice& s, const Condition& c, MissingPolicy pol) {
    std::size_t count = 0;
    for (auto k : c.nodes)
        if (c.where.test(counted_level(cfg, s, k, pol))) ++count;
    return c.holds(count);
}

/// Evaluates one unit-round: criteria (from `rating`/`status`, with prerequisites) then every
/// aggregate, children first. `overrides` are the aggregate overrides of this unit-round.
inline void evaluate(const EvalConfig& cfg, Slice s, std::span<const NodeOverride> overrides, std::vector<Item>& items) {
    const Framework& fw = *cfg.fw;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // ---- criteria, prerequisites first
    for (auto k : fw.criteria_order) {
        const Node& n = fw.nodes[k];
        const Scale& sc = fw.scales[n.scale];
        s.flags[k] = static_cast<std::uint16_t>(s.flags[k] & ~flag::prerequisite_unmet);
        if (static_cast<Status>(s.status[k]) != Status::rated) {
            s.score[k] = nan;
            set_level(nullptr, no_level, s.level[k], s.level_index[k]);
            continue;
        }
        double v = s.rating[k];
        for (const auto& req : n.prerequisites) {
            const auto p = req.criterion;
            if (static_cast<Status>(s.status[p]) == Status::not_applicable) continue;
            if (static_cast<Status>(s.status[p]) != Status::rated || s.level_index[p] < 0 ||
                static_cast<std::size_t>(s.level_index[p]) < req.level) {
                v = scale_floor_value(sc);
                s.flags[k] = static_cast<std::uint16_t>(s.flags[k] | flag::prerequisite_unmet);
                break;
            }
        }
        s.score[k] = v;
        set_level(&sc, sc.level_of_score(v), s.level[k], s.level_index[k]);
    }
    // ---- aggregates, children first (reverse pre-order)
    for (std::size_t k = fw.nodes.size(); k-- > 0;) {
        const Node& n = fw.nodes[k];
        if (n.is_criterion()) continue;
        const Method& m = fw.methods[n.method];
        const MissingPolicy pol = cfg.policy(m);
        const Scale* out = n.out_scale == none ? nullptr : &fw.scales[n.out_scale];
        std::uint16_t fl = 0;
        s.score[k] = nan, s.percent[k] = nan, s.points[k] = nan, s.se[k] = nan;
        s.cap[k] = -1, s.override_index[k] = -1;
        set_level(nullptr, no_level, s.level[k], s.level_index[k]);

        items.clear();
        std::int32_t n_na = 0, n_missing = 0;
        bool any_nr = false;
        for (std::size_t j = 0; j < m.items.size(); ++j) {
            const auto it = m.items[j];
            const auto st = static_cast<Status>(s.status[it]);
            if (st == Status::not_applicable) {
                ++n_na;
                continue;
            }
            Item x{it, m.item_weights[j], 0.0, 0.0, no_level, nan, 0.0, false};
            if (st == Status::not_rated) {
                ++n_missing;
                if (pol == MissingPolicy::exclude) {
                    fl |= flag::partial;
                    continue;
                }
                if (pol == MissingPolicy::not_rated) {
                    any_nr = true;
                    x.nr = true;
                    items.push_back(x);
                    continue;
                }
                fl |= flag::imputed_lowest;
                x.score = cfg.floor.score[it];
                x.level = cfg.floor.level_index[it] < 0 ? no_level : static_cast<std::size_t>(cfg.floor.level_index[it]);
                x.level_value = cfg.floor.level[it];
                x.se = 0.0;
            } else {
                x.score = s.score[it];
                x.level = s.level_index[it] < 0 ? no_level : static_cast<std::size_t>(s.level_index[it]);
                x.level_value = s.level[it];
                x.se = s.se[it];
            }
            x.x = m.use == Use::level ? x.level_value : x.score;
            items.push_back(x);
        }
        s.n_missing[k] = n_missing;
        std::int32_t counted = 0;
        for (const auto& x : items) counted += x.nr ? 0 : 1;
        s.n_items[k] = counted;
        const bool nr_blocks = any_nr && m.kind != MethodKind::staged;
        if (nr_blocks || counted == 0) {
            const bool all_na = n_na == static_cast<std::int32_t>(m.items.size());
            s.status[k] = static_cast<std::uint8_t>(all_na ? Status::not_applicable : Status::not_rated);
            s.flags[k] = fl;
            // an override may still decide the node
        } else {
            s.status[k] = static_cast<std::uint8_t>(Status::rated);
            std::size_t lvl = no_level;
            switch (m.kind) {
                case MethodKind::weighted_mean: {
                    double sw = 0.0, sx = 0.0, sse = 0.0;
                    for (const auto& x : items) {
                        if (x.nr) continue;
                        sw += x.w, sx += x.w * x.x, sse += x.w * x.w * x.se * x.se;
                    }
                    if (!(sw > 0.0)) {
                        s.status[k] = static_cast<std::uint8_t>(Status::not_rated);
                        break;
                    }
                    s.score[k] = sx / sw;
                    s.se[k] = m.use == Use::level ? nan : std::sqrt(sse) / sw;
                    if (out) lvl = value_levels(m, *out) ? level_by_value(*out, s.score[k]) : out->level_of_score(s.score[k]);
                    break;
                }
                case MethodKind::percent_bands: {
                    double num = 0.0, den = 0.0, sse = 0.0, wden = 0.0;
                    for (const auto& x : items) {
                        if (x.nr) continue;
                        const Node& xn = fw.nodes[x.node];
                        const Scale& xs = fw.scales[m.use == Use::level ? xn.out_scale : xn.score_scale];
                        const double lo = m.use == Use::level ? xs.levels.front().value : xs.min;
                        const double hi = m.use == Use::level ? xs.levels.back().value : xs.max;
                        const double base = m.from_min ? lo : 0.0;
                        num += x.w * (x.x - base);
                        den += x.w * (hi - base);
                        sse += x.w * x.w * x.se * x.se;
                        wden += x.w * (hi - base);
                    }
                    if (!(den > 0.0)) {
                        s.status[k] = static_cast<std::uint8_t>(Status::not_rated);
                        break;
                    }
                    // 100·num/den: for whole-number scores and weights the product is exact, so the
                    // percentage is the correctly rounded quotient and band edges are met exactly.
                    s.percent[k] = 100.0 * num / den;
                    s.score[k] = s.percent[k];
                    s.se[k] = m.use == Use::level ? nan : 100.0 * std::sqrt(sse) / wden;
                    lvl = out->level_of_score(s.percent[k]);
                    break;
                }
                case MethodKind::count_rules: {
                    lvl = m.otherwise;
                    for (const auto& rule : m.rules) {
                        bool all = true;
                        for (const auto& c : rule.all)
                            if (!condition_holds(cfg, s, c, pol)) {
                                all = false;
                                break;
                            }
                        if (all) {
                            lvl = rule.level;
                            break;
                        }
                    }
                    s.score[k] = out->levels[lvl].value;
                    break;
                }
                case MethodKind::weakest_link: {
                    std::size_t mn = no_level;
                    bool have = false, no_lvl = false;
                    double ms = std::numeric_limits<double>::infinity();
                    for (const auto& x : items) {
                        if (x.nr) continue;
                        if (x.level == no_level) no_lvl = true;
                        else if (!have || x.level < mn) mn = x.level, have = true;
                        if (std::isnan(x.score) || x.score < ms) ms = x.score;
                    }
                    lvl = no_lvl ? no_level : mn;
                    s.score[k] = std::isinf(ms) ? nan : ms;
                    break;
                }
                case MethodKind::staged: {
                    std::size_t reached = m.base;
                    bool decided_by_missing = false;
                    for (std::size_t L = m.base + 1; L < out->size(); ++L) {
                        bool fail = false, missing = false;
                        for (const auto& x : items) {
                            const Node& xn = fw.nodes[x.node];
                            if (m.stage_of[xn.criterion] > L) continue;
                            if (x.nr) {
                                missing = true;
                                continue;
                            }
                            if (x.level == no_level || x.level < m.satisfied_at[L]) {
                                fail = true;
                                break;
                            }
                        }
                        if (fail) break;
                        if (missing) {
                            decided_by_missing = true;
                            break;
                        }
                        reached = L;
                    }
                    if (decided_by_missing) {
                        s.status[k] = static_cast<std::uint8_t>(Status::not_rated);
                        break;
                    }
                    if (any_nr) fl |= flag::partial;
                    lvl = reached;
                    s.score[k] = out->levels[lvl].value;
                    break;
                }
                case MethodKind::psoe: {
                    const Scale& cs = fw.scales[m.criteria_scale];
                    const double lo = cs.levels.front().value, hi = cs.levels.back().value;
                    std::size_t n_comp = 0, n_comp_eff = 0, n_eff = 0, n_exc = 0;
                    bool comp_ok = true, eff_ok = true, exc_ok = true;
                    double num = 0.0, den = 0.0, sse = 0.0;
                    for (const auto& x : items) {
                        if (x.nr) continue;
                        const Role role = fw.nodes[x.node].role;
                        const bool at_min = x.level != no_level && x.level >= m.minimum;
                        const bool at_eff = x.level != no_level && x.level >= m.effective;
                        if (role == Role::compliance) {
                            ++n_comp;
                            comp_ok &= at_min;
                            n_comp_eff += at_eff ? 1 : 0;
                        } else if (role == Role::effectiveness) {
                            ++n_eff;
                            eff_ok &= at_eff;
                        } else {
                            ++n_exc;
                            exc_ok &= x.level != no_level && x.level >= m.excellence;
                            continue;
                        }
                        num += x.score - lo;
                        den += hi - lo;
                        sse += x.se * x.se;
                    }
                    if (n_comp == 0) {
                        s.status[k] = static_cast<std::uint8_t>(Status::not_rated);
                        break;
                    }
                    const double need = std::ceil(m.effective_share * static_cast<double>(n_comp) - 1e-9);
                    const bool shown = n_eff > 0 ? eff_ok : static_cast<double>(n_comp_eff) >= need;
                    const bool achieved = comp_ok && shown;
                    lvl = !achieved ? 0 : (n_exc > 0 && exc_ok ? 2 : 1);
                    s.percent[k] = 100.0 * num / den;
                    s.score[k] = s.percent[k];
                    s.se[k] = 100.0 * std::sqrt(sse) / den;
                    break;
                }
            }
            if (static_cast<Status>(s.status[k]) == Status::rated) {
                // caps (limiters)
                if (lvl != no_level)
                    for (std::size_t ci = 0; ci < m.caps.size(); ++ci) {
                        const Cap& cap = m.caps[ci];
                        if (lvl > cap.max_level && condition_holds(cfg, s, cap.when, pol)) {
                            lvl = cap.max_level;
                            fl |= flag::capped;
                            if (s.cap[k] < 0) s.cap[k] = static_cast<std::int32_t>(ci);
                            if (m.kind == MethodKind::count_rules || m.kind == MethodKind::staged) s.score[k] = out->levels[lvl].value;
                        }
                    }
                set_level(out, lvl, s.level[k], s.level_index[k]);
                // points
                if (!std::isnan(n.points) && !std::isnan(s.percent[k])) {
                    s.points[k] = n.points * s.percent[k] / 100.0;
                } else {
                    double p = 0.0;
                    bool all = !items.empty();
                    for (const auto& x : items) {
                        if (x.nr) continue;
                        const double xp = s.points[x.node];
                        if (std::isnan(xp)) {
                            all = false;
                            break;
                        }
                        p += xp;
                    }
                    if (all) s.points[k] = p;
                }
            }
            s.flags[k] = fl;
        }
        // consensus override of the node
        for (const auto& o : overrides) {
            if (o.node != k) continue;
            s.flags[k] = static_cast<std::uint16_t>(s.flags[k] | flag::overridden);
            s.override_index[k] = o.index;
            s.status[k] = static_cast<std::uint8_t>(o.status);
            if (o.status == Status::rated && out) {
                std::size_t idx = no_level;
                for (std::size_t i = 0; i < out->size(); ++i)
                    if (out->levels[i].value == o.value) idx = i;
                set_level(out, idx, s.level[k], s.level_index[k]);
                if (m.kind == MethodKind::count_rules || m.kind == MethodKind::staged || std::isnan(s.score[k])) s.score[k] = o.value;
            } else if (o.status != Status::rated) {
                s.score[k] = nan, s.percent[k] = nan, s.points[k] = nan, s.se[k] = nan;
                set_level(nullptr, no_level, s.level[k], s.level_index[k]);
            }
        }
    }
}

/// The floor: every criterion at its scale minimum, rated, no overrides.
inline void compute_floor(EvalConfig& cfg) {
    const Framework& fw = *cfg.fw;
    UnitState tmp(fw.nodes.size());
    for (auto k : fw.criteria) {
        tmp.rating[k] = scale_floor_value(fw.scales[fw.nodes[k].scale]);
        tmp.status[k] = static_cast<std::uint8_t>(Status::rated);
        tmp.se[k] = 0.0;
    }
    std::vector<Item> items;
    evaluate(cfg, tmp.slice(), {}, items);  // cfg.floor is not read: nothing is missing here
    cfg.floor = std::move(tmp);
}

inline unsigned thread_count(unsigned requested, std::size_t work) {
    unsigned T = requested == 0 ? std::max(1u, std::thread::hardware_concurrency()) : requested;
    // Starting a thread costs more than scoring a few hundred units.
    const std::size_t per_thread = 20000;
    T = static_cast<unsigned>(std::min<std::size_t>(T, std::max<std::size_t>(1, work / per_thread)));
    return std::max(1u, T);
}

/// One rater's rating of one criterion, from that rater's rows of the cell.
struct RaterRating {
    double value = std::numeric_limits<double>::quiet_NaN();
    Status status = Status::not_rated;
    std::uint16_t flags = 0;
};

/// Rows checked and ordered by cell (unit, round, criterion), then rater, then sub-score.
struct Prepared {
    std::size_t U = 0, R = 0, K = 0, C = 0;
    std::vector<std::size_t> order;
    std::vector<std::size_t> cell_begin;  ///< U·R·C + 1 offsets into order
    EvidencePolicy evidence;
    MissingPolicy sub_missing = MissingPolicy::exclude;
};

inline std::int64_t at_or(std::span<const std::int64_t> v, std::size_t i, std::int64_t dflt) { return v.empty() ? dflt : v[i]; }

inline Prepared prepare(const Framework& fw, const Assessment& a, const ScoreOptions& o) {
    const std::size_t n = a.size();
    if (n == 0) fail_argument("criterion", "the assessment has no rows");
    auto same = [&](std::size_t m, const char* name, bool optional) {
        if (optional && m == 0) return;
        if (m != n) fail_argument(name, "has " + std::to_string(m) + " rows but criterion has " + std::to_string(n));
    };
    same(a.unit.size(), "unit", false);
    same(a.rating.size(), "rating", false);
    same(a.round.size(), "round", true);
    same(a.rater.size(), "rater", true);
    same(a.subscore.size(), "subscore", true);
    same(a.status.size(), "status", true);
    same(a.evidence_date.size(), "evidence_date", true);
    same(a.evidence_expires.size(), "evidence_expires", true);
    same(a.assessed_on.size(), "assessed_on", true);

    Prepared p;
    p.C = fw.criteria.size();
    auto max_code = [&](std::span<const std::int64_t> v, const char* name) -> std::size_t {
        std::int64_t mx = -1;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (v[i] < 0) fail_argument(name, i, "must not be negative, got " + std::to_string(v[i]));
            mx = std::max(mx, v[i]);
        }
        return static_cast<std::size_t>(mx + 1);
    };
    p.U = a.n_units ? a.n_units : max_code(a.unit, "unit");
    p.R = a.round.empty() ? std::max<std::size_t>(1, a.n_rounds) : (a.n_rounds ? a.n_rounds : max_code(a.round, "round"));
    p.K = a.rater.empty() ? std::max<std::size_t>(1, a.n_raters) : (a.n_raters ? a.n_raters : max_code(a.rater, "rater"));
    const double cells = static_cast<double>(p.U) * static_cast<double>(p.R) * static_cast<double>(fw.nodes.size());
    if (cells > 4e8)
        fail_argument("unit", "too large: units × rounds × framework nodes = " + std::to_string(static_cast<long long>(cells)) +
                                  " result rows (at most 400,000,000)");

    p.evidence = fw.evidence;
    if (o.evidence_max_age_days) p.evidence.max_age_days = *o.evidence_max_age_days;
    if (o.evidence_required) p.evidence.required = *o.evidence_required;
    if (o.stale) p.evidence.stale = *o.stale;
    p.sub_missing = o.missing.value_or(fw.missing);
    if (!(o.disagreement >= 0.0)) fail_argument("disagreement", "must be a non-negative number");

    bool any_expiry = false;
    for (std::size_t i = 0; i < a.evidence_expires.size() && !any_expiry; ++i) any_expiry = a.evidence_expires[i] != no_date;
    bool ageing = p.evidence.max_age_days >= 0;
    for (auto c : fw.criteria) ageing |= fw.nodes[c].evidence_max_age_days >= 0;
    if ((ageing && !a.evidence_date.empty()) || any_expiry) {
        if (o.as_of == no_date) {
            if (a.assessed_on.empty())
                fail_argument("as_of", "evidence age and expiry are judged at a date: give as_of or a rating date (assessed_on)");
            for (std::size_t i = 0; i < n; ++i)
                if (a.assessed_on[i] == no_date && (at_or(a.evidence_date, i, no_date) != no_date || at_or(a.evidence_expires, i, no_date) != no_date))
                    fail_argument("assessed_on", i, "is missing, and without as_of the age of this row's evidence cannot be judged");
        }
    }

    // ---- row checks: in parallel chunks; if any chunk fails, the first bad row is found again
    // sequentially, so the message is the same whatever the thread count
    std::vector<const Scale*> crit_scale(p.C);
    for (std::size_t c = 0; c < p.C; ++c) crit_scale[c] = &fw.scales[fw.nodes[fw.criteria[c]].scale];
    auto check_rows = [&](std::size_t b0, std::size_t e0) {
        for (std::size_t i = b0; i < e0; ++i) {
            if (a.unit[i] < 0 || static_cast<std::size_t>(a.unit[i]) >= p.U)
                fail_argument("unit", i, "code " + std::to_string(a.unit[i]) + " is outside 0.." + std::to_string(p.U - 1));
            if (!a.round.empty() && (a.round[i] < 0 || static_cast<std::size_t>(a.round[i]) >= p.R))
                fail_argument("round", i, "code " + std::to_string(a.round[i]) + " is outside 0.." + std::to_string(p.R - 1));
            if (!a.rater.empty() && (a.rater[i] < 0 || static_cast<std::size_t>(a.rater[i]) >= p.K))
                fail_argument("rater", i, "code " + std::to_string(a.rater[i]) + " is outside 0.." + std::to_string(p.K - 1));
            if (a.criterion[i] < 0 || static_cast<std::size_t>(a.criterion[i]) >= p.C)
                fail_argument("criterion", i, "index " + std::to_string(a.criterion[i]) + " is outside 0.." + std::to_string(p.C - 1) +
                                                  " (framework " + fw.describe() + " has " + std::to_string(p.C) + " criteria)");
            const std::size_t ci = static_cast<std::size_t>(a.criterion[i]);
            const std::int64_t sub = at_or(a.subscore, i, -1);
            if (sub != -1) {
                const Node& c = fw.nodes[fw.criteria[ci]];
                if (sub < -1 || sub >= static_cast<std::int64_t>(c.subscores.size()))
                    fail_argument("subscore", i, c.subscores.empty() ? "criterion '" + c.id + "' has no sub-scores"
                                                                     : "index " + std::to_string(sub) + " is outside -1.." +
                                                                           std::to_string(c.subscores.size() - 1) + " for criterion '" + c.id + "'");
            }
            const double v = a.rating[i];
            Status st = std::isnan(v) ? Status::not_rated : Status::rated;
            if (!a.status.empty()) {
                if (a.status[i] > 2) fail_argument("status", i, "must be 0 (rated), 1 (not applicable) or 2 (not rated), got " + std::to_string(a.status[i]));
                st = static_cast<Status>(a.status[i]);
                if (st != Status::rated && !std::isnan(v))
                    fail_argument("rating", i, "is " + Scale::format_number(v) + " but the status is " + std::string(to_string(st)));
            }
            if (st == Status::rated) {
                const Scale& sc = *crit_scale[ci];
                if (std::isnan(v)) fail_argument("rating", i, "is missing but the status is rated");
                if (!sc.is_rating(v))
                    fail_argument("rating", i, Scale::format_number(v) + " is not on scale " + sc.describe() + " of criterion '" +
                                                   fw.nodes[fw.criteria[ci]].id + "'");
            }
        }
    };
    {
        const unsigned T = thread_count(o.threads, n);
        if (T <= 1) {
            check_rows(0, n);
        } else {
            std::vector<std::uint8_t> bad(T, 0);
            {
                std::vector<std::jthread> pool;
                const std::size_t chunk = (n + T - 1) / T;
                for (unsigned t = 0; t < T; ++t)
                    pool.emplace_back([&, t] {
                        try {
                            check_rows(std::min(n, t * chunk), std::min(n, (t + 1) * chunk));
                        } catch (...) {
                            bad[t] = 1;
                        }
                    });
            }
            for (auto x : bad)
                if (x) check_rows(0, n);  // throws the first bad row
        }
    }

    // ---- order rows by cell (counting sort), then by rater and sub-score within each cell
    const std::size_t n_cells = p.U * p.R * p.C;
    auto cell_of = [&](std::size_t i) {
        return (static_cast<std::size_t>(a.unit[i]) * p.R + static_cast<std::size_t>(at_or(a.round, i, 0))) * p.C +
               static_cast<std::size_t>(a.criterion[i]);
    };
    p.cell_begin.assign(n_cells + 1, 0);
    for (std::size_t i = 0; i < n; ++i) ++p.cell_begin[cell_of(i) + 1];
    for (std::size_t c = 0; c < n_cells; ++c) p.cell_begin[c + 1] += p.cell_begin[c];
    p.order.resize(n);
    {
        std::vector<std::size_t> pos(p.cell_begin.begin(), p.cell_begin.end() - 1);
        for (std::size_t i = 0; i < n; ++i) p.order[pos[cell_of(i)]++] = i;
    }
    return p;
}

struct Duplicate {
    std::size_t cell = static_cast<std::size_t>(-1);
    std::size_t first = 0, second = 0;
};

/// Orders one cell's rows by rater, then sub-score (the counting sort kept the input order, which
/// is usually already this order) and finds a rater who rated the same thing twice.
inline bool order_cell(Prepared& p, const Assessment& a, std::size_t cell, Duplicate& dup) {
    std::size_t* b = p.order.data() + p.cell_begin[cell];
    std::size_t* e = p.order.data() + p.cell_begin[cell + 1];
    if (e - b < 2) return true;
    auto key = [&](std::size_t x) { return std::pair{at_or(a.rater, x, 0), at_or(a.subscore, x, -1)}; };
    bool sorted = true;
    for (std::size_t* it = b + 1; it != e && sorted; ++it) sorted = key(*(it - 1)) < key(*it);
    if (sorted) return true;  // strictly increasing: ordered and no duplicates
    std::sort(b, e, [&](std::size_t x, std::size_t y) { return key(x) < key(y) || (key(x) == key(y) && x < y); });
    for (std::size_t* it = b + 1; it != e; ++it)
        if (key(*(it - 1)) == key(*it)) {
            dup = Duplicate{cell, std::min(*(it - 1), *it), std::max(*(it - 1), *it)};
            return false;
        }
    return true;
}

[[noreturn]] inline void fail_duplicate(const Framework& fw, const Assessment& a, const Duplicate& d) {
    const Node& cn = fw.nodes[fw.criteria[static_cast<std::size_t>(a.criterion[d.second])]];
    fail_argument("criterion", d.second,
                  "duplicate rating: row " + std::to_string(d.first) + " has the same unit, round, rater, criterion ('" + cn.id +
                      "') and sub-score");
}

/// Whether row i's evidence is stale; sets flags.
inline bool row_evidence_ok(const Framework& fw, const Assessment& a, const Prepared& p, const ScoreOptions& o, std::size_t i,
                            const Node& c, std::uint16_t& fl) {
    const std::int64_t ev = at_or(a.evidence_date, i, no_date);
    if (p.evidence.required && ev == no_date) {
        fl |= flag::no_evidence;
        return false;
    }
    const int age = c.evidence_max_age_days >= 0 ? c.evidence_max_age_days : p.evidence.max_age_days;
    const std::int64_t exp = at_or(a.evidence_expires, i, no_date);
    if (age < 0 && exp == no_date) return true;
    const std::int64_t ref = o.as_of != no_date ? o.as_of : at_or(a.assessed_on, i, no_date);
    if (ref == no_date) return true;
    const bool stale = (age >= 0 && ev != no_date && ref - ev > age) || (exp != no_date && exp < ref);
    (void)fw;
    if (!stale) return true;
    fl |= flag::stale_evidence;
    return p.evidence.stale == StalePolicy::flag;
}

/// One rater's rating of a criterion from rows [b, e) of `order` (all that rater's rows of the cell).
inline RaterRating rater_rating(const Framework& fw, const Assessment& a, const Prepared& p, const ScoreOptions& o,
                                const std::size_t* b, const std::size_t* e, const Node& c) {
    RaterRating out;
    auto row_status = [&](std::size_t i) {
        return a.status.empty() ? (std::isnan(a.rating[i]) ? Status::not_rated : Status::rated) : static_cast<Status>(a.status[i]);
    };
    // whole-criterion row (sub-score -1 sorts first)
    if (at_or(a.subscore, *b, -1) == -1) {
        const std::size_t i = *b;
        out.status = row_status(i);
        if (out.status == Status::rated) {
            if (row_evidence_ok(fw, a, p, o, i, c, out.flags)) out.value = a.rating[i];
            else out.status = Status::not_rated;
        }
        return out;
    }
    // combine sub-scores
    const Scale& s = fw.scales[c.scale];
    const std::size_t S = c.subscores.size();
    double sw = 0.0, sv = 0.0, mn = std::numeric_limits<double>::infinity();
    std::size_t present = 0, na = 0;
    bool missing = false;
    const std::size_t* it = b;
    for (std::size_t k = 0; k < S; ++k) {
        Status st = Status::not_rated;
        double v = std::numeric_limits<double>::quiet_NaN();
        if (it != e && at_or(a.subscore, *it, -1) == static_cast<std::int64_t>(k)) {
            st = row_status(*it);
            if (st == Status::rated) {
                if (row_evidence_ok(fw, a, p, o, *it, c, out.flags)) v = a.rating[*it];
                else st = Status::not_rated;
            }
            ++it;
        }
        if (st == Status::not_applicable) {
            ++na;
            continue;
        }
        if (st == Status::not_rated) {
            missing = true;
            if (p.sub_missing == MissingPolicy::lowest) v = scale_floor_value(s);
            else continue;
        }
        const double w = c.subscores[k].weight;
        sw += w, sv += w * v, mn = std::min(mn, v);
        ++present;
    }
    if (missing) out.flags |= flag::subscores_partial;
    if (na == S) {
        out.status = Status::not_applicable;
        return out;
    }
    if (present == 0 || (missing && p.sub_missing == MissingPolicy::not_rated) || !(sw > 0.0 || fw.subscore_rule == SubscoreRule::min)) {
        out.status = Status::not_rated;
        return out;
    }
    out.status = Status::rated;
    out.value = fw.subscore_rule == SubscoreRule::min ? mn : sv / sw;
    return out;
}

/// Exact median of a small sample (Boost's tag::median is the P² estimate, which is not exact
/// for three raters, so the order statistics are taken directly).
inline double median_of(std::vector<double>& v, Aggregation how) {
    const std::size_t n = v.size();
    std::sort(v.begin(), v.end());
    if (n % 2 == 1) return v[n / 2];
    if (how == Aggregation::median_low) return v[n / 2 - 1];
    if (how == Aggregation::median_high) return v[n / 2];
    return 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Spread of raters: in levels on ordinal scales, in scale units on banded scales.
inline double spread_of(const Scale& s, double lo, double hi) {
    if (s.banded()) return hi - lo;
    const auto a = s.level_of(lo), b = s.level_of(hi);
    if (a == no_level || b == no_level) return hi - lo;
    return static_cast<double>(b) - static_cast<double>(a);
}

}  // namespace detail

inline ScoreResult score(const Framework& fw, const Assessment& a, std::span<const Override> overrides, const ScoreOptions& o) {
    namespace acc = boost::accumulators;
    detail::Prepared p = detail::prepare(fw, a, o);
    const std::size_t N = fw.nodes.size(), U = p.U, R = p.R, C = p.C;

    // ---- overrides
    std::vector<std::vector<detail::NodeOverride>> node_overrides(U * R);  // aggregates
    std::vector<std::int32_t> crit_override(U * R * C, -1);
    for (std::size_t i = 0; i < overrides.size(); ++i) {
        const Override& ov = overrides[i];
        if (ov.unit >= U) fail_argument("overrides.unit", i, "unit code " + std::to_string(ov.unit) + " is outside 0.." + std::to_string(U - 1));
        if (ov.round >= R) fail_argument("overrides.round", i, "round code " + std::to_string(ov.round) + " is outside 0.." + std::to_string(R - 1));
        if (ov.node >= N) fail_argument("overrides.node", i, "node index " + std::to_string(ov.node) + " is outside 0.." + std::to_string(N - 1));
        const Node& nd = fw.nodes[ov.node];
        if (ov.reason.find_first_not_of(" \t\r\n") == std::string::npos)
            fail_argument("overrides.reason", i, "the consensus override of '" + nd.id + "' needs a recorded reason");
        if (static_cast<std::uint8_t>(ov.status) > 2) fail_argument("overrides.status", i, "must be rated, not_applicable or not_rated");
        if (ov.status == Status::rated) {
            if (nd.is_criterion()) {
                if (!fw.scales[nd.scale].is_rating(ov.value))
                    fail_argument("overrides.value", i, Scale::format_number(ov.value) + " is not on scale " + fw.scales[nd.scale].describe() +
                                                            " of criterion '" + nd.id + "'");
            } else {
                bool ok = false;
                if (nd.out_scale != none)
                    for (const auto& l : fw.scales[nd.out_scale].levels) ok |= l.value == ov.value;
                if (!ok)
                    fail_argument("overrides.value", i, Scale::format_number(ov.value) + " is not a level of '" + nd.id + "'" +
                                                            (nd.out_scale == none ? " (it has no levels)" : " on scale " + fw.scales[nd.out_scale].describe()));
            }
        }
        const std::size_t ur = ov.unit * R + ov.round;
        if (nd.is_criterion()) {
            auto& slot = crit_override[ur * C + nd.criterion];
            if (slot >= 0) fail_argument("overrides.node", i, "a second override of '" + nd.id + "' for the same unit and round (first: " + std::to_string(slot) + ")");
            slot = static_cast<std::int32_t>(i);
        } else {
            for (const auto& x : node_overrides[ur])
                if (x.node == ov.node) fail_argument("overrides.node", i, "a second override of '" + nd.id + "' for the same unit and round (first: " + std::to_string(x.index) + ")");
            node_overrides[ur].push_back({ov.node, ov.value, ov.status, static_cast<std::int32_t>(i)});
        }
    }

    ScoreResult r;
    r.framework_id = fw.id;
    r.framework_version = fw.version;
    r.n_units = U, r.n_rounds = R, r.n_nodes = N;
    r.missing = o.missing;
    r.aggregation = o.aggregation;
    r.overrides.assign(overrides.begin(), overrides.end());
    const std::size_t rows = U * R * N;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    r.rating.assign(rows, nan), r.score.assign(rows, nan), r.level.assign(rows, nan), r.percent.assign(rows, nan);
    r.points.assign(rows, nan), r.se.assign(rows, nan), r.rater_min.assign(rows, nan), r.rater_max.assign(rows, nan), r.spread.assign(rows, nan);
    r.level_index.assign(rows, -1), r.n_items.assign(rows, 0), r.n_missing.assign(rows, 0), r.cap.assign(rows, -1);
    r.carried_from.assign(rows, -1), r.override_index.assign(rows, -1);
    r.status.assign(rows, static_cast<std::uint8_t>(Status::not_rated));
    r.flags.assign(rows, 0);
    r.assessed.assign(U * R, 0);

    const unsigned T = detail::thread_count(o.threads, a.size() + rows);
    const std::size_t S = fw.scales.size();

    // ---- phase A: raters -> criterion ratings, per unit (threads own disjoint units). The rater
    // noise is summed per unit and then over units in order, so it does not depend on threads.
    std::vector<double> ss_u(U * S, 0.0);
    std::vector<std::int64_t> df_u(U * S, 0);
    std::vector<detail::Duplicate> dups(T);
    {
        const std::size_t chunk = (U + T - 1) / T;
        auto work = [&](unsigned t) {
            const std::size_t ub = std::min(U, t * chunk), ue = std::min(U, (t + 1) * chunk);
            std::vector<double> vals;
            for (std::size_t u = ub; u < ue; ++u)
                for (std::size_t rd = 0; rd < R; ++rd)
                    for (std::size_t c = 0; c < C; ++c) {
                        const std::size_t cell = (u * R + rd) * C + c;
                        if (!detail::order_cell(p, a, cell, dups[t])) return;
                        const std::size_t k = fw.criteria[c];
                        const Node& cn = fw.nodes[k];
                        const Scale& sc = fw.scales[cn.scale];
                        const std::size_t row = (u * R + rd) * N + k;
                        const std::size_t b = p.cell_begin[cell], e = p.cell_begin[cell + 1];
                        std::uint16_t fl = 0;
                        vals.clear();
                        std::int32_t n_na = 0, n_nr = 0;
                        if (b == e) fl |= flag::unassessed;
                        else r.assessed[u * R + rd] = 1;
                        for (std::size_t i = b; i < e;) {
                            std::size_t j = i + 1;
                            const auto rater = detail::at_or(a.rater, p.order[i], 0);
                            while (j < e && detail::at_or(a.rater, p.order[j], 0) == rater) ++j;
                            const auto rr = detail::rater_rating(fw, a, p, o, p.order.data() + i, p.order.data() + j, cn);
                            fl |= rr.flags;
                            if (rr.status == Status::rated) vals.push_back(rr.value);
                            else if (rr.status == Status::not_applicable) ++n_na;
                            else ++n_nr;
                            i = j;
                        }
                        Status st = Status::not_rated;
                        double v = nan;
                        if (!vals.empty()) {
                            // Boost.Accumulators for the raters' moments and range.
                            acc::accumulator_set<double, acc::stats<acc::tag::count, acc::tag::mean, acc::tag::variance, acc::tag::min, acc::tag::max>> st_acc;
                            for (double x : vals) st_acc(x);
                            const double lo = acc::min(st_acc), hi = acc::max(st_acc);
                            r.rater_min[row] = lo, r.rater_max[row] = hi;
                            r.spread[row] = detail::spread_of(sc, lo, hi);
                            if (r.spread[row] > o.disagreement) fl |= flag::disagreement;
                            if (vals.size() >= 2) {
                                ss_u[u * S + cn.scale] += acc::variance(st_acc) * static_cast<double>(vals.size());
                                df_u[u * S + cn.scale] += static_cast<std::int64_t>(vals.size() - 1);
                            }
                            st = Status::rated;
                            switch (o.aggregation) {
                                case Aggregation::median:
                                case Aggregation::median_low:
                                case Aggregation::median_high: v = detail::median_of(vals, o.aggregation); break;
                                case Aggregation::mean: v = acc::mean(st_acc); break;
                                case Aggregation::min: v = lo; break;
                                case Aggregation::max: v = hi; break;
                                case Aggregation::consensus:
                                    if (lo == hi) v = lo;
                                    else st = Status::not_rated, fl |= flag::no_consensus;
                                    break;
                            }
                            if (n_na > 0) fl |= flag::na_conflict;
                        } else if (n_na > 0) {
                            st = Status::not_applicable;
                        }
                        const auto ov = crit_override[cell];
                        if (ov >= 0) {
                            const Override& x = overrides[static_cast<std::size_t>(ov)];
                            st = x.status;
                            v = x.status == Status::rated ? x.value : nan;
                            fl |= flag::overridden;
                            fl = static_cast<std::uint16_t>(fl & ~flag::no_consensus);
                            r.override_index[row] = ov;
                            r.assessed[u * R + rd] = 1;
                        }
                        r.rating[row] = v;
                        r.status[row] = static_cast<std::uint8_t>(st);
                        r.flags[row] = fl;
                        r.n_items[row] = static_cast<std::int32_t>(vals.size());
                        r.n_missing[row] = n_nr;
                    }
        };
        if (T <= 1) work(0);
        else {
            std::vector<std::jthread> pool;
            for (unsigned t = 1; t < T; ++t) pool.emplace_back(work, t);
            work(0);
        }
    }
    // a rater who rated the same thing twice: the one in the first cell, whatever the threads
    for (const auto& d : dups)
        if (d.cell != static_cast<std::size_t>(-1)) {
            const auto first = std::min_element(dups.begin(), dups.end(), [](const auto& x, const auto& y) { return x.cell < y.cell; });
            detail::fail_duplicate(fw, a, *first);
        }
    // units only mentioned by aggregate overrides count as assessed
    for (std::size_t ur = 0; ur < U * R; ++ur)
        if (!node_overrides[ur].empty()) r.assessed[ur] = 1;
    // ---- pooled rater noise per scale
    r.noise_sd.assign(S, nan);
    r.noise_df.assign(S, 0);
    for (std::size_t s = 0; s < S; ++s) {
        qm::stats::detail::DD ss;
        std::int64_t df = 0;
        for (std::size_t u = 0; u < U; ++u) ss.add(ss_u[u * S + s]), df += df_u[u * S + s];
        r.noise_df[s] = df;
        if (df > 0) r.noise_sd[s] = std::sqrt((ss.hi + ss.lo) / static_cast<double>(df));
    }

    // ---- phase B: carry forward, then evaluate each unit-round
    detail::EvalConfig cfg;
    cfg.fw = &fw;
    cfg.missing = o.missing;
    detail::compute_floor(cfg);
    {
        const std::size_t chunk = (U + T - 1) / T;
        auto work = [&](unsigned t) {
            const std::size_t ub = std::min(U, t * chunk), ue = std::min(U, (t + 1) * chunk);
            std::vector<detail::Item> items;
            for (std::size_t u = ub; u < ue; ++u) {
                for (std::size_t rd = 0; rd < R; ++rd) {
                    const std::size_t base = (u * R + rd) * N;
                    for (auto k : fw.criteria) {
                        const std::size_t row = base + k;
                        if (o.carry_forward && rd > 0 && static_cast<Status>(r.status[row]) == Status::not_rated && r.override_index[row] < 0) {
                            const std::size_t prev = row - N;
                            if (static_cast<Status>(r.status[prev]) == Status::rated) {
                                r.rating[row] = r.rating[prev];
                                r.status[row] = r.status[prev];
                                r.se[row] = r.se[prev];
                                r.n_items[row] = r.n_items[prev];
                                r.rater_min[row] = r.rater_min[prev], r.rater_max[row] = r.rater_max[prev], r.spread[row] = r.spread[prev];
                                r.carried_from[row] = r.carried_from[prev] >= 0 ? r.carried_from[prev] : static_cast<std::int32_t>(rd - 1);
                                r.flags[row] = static_cast<std::uint16_t>((r.flags[prev] & ~flag::unassessed) | flag::carried_forward);
                                continue;
                            }
                        }
                        if (static_cast<Status>(r.status[row]) == Status::rated) {
                            const double sd = r.noise_sd[fw.nodes[k].scale];
                            const auto kk = r.n_items[row];
                            r.se[row] = kk > 0 ? sd / std::sqrt(static_cast<double>(kk)) : nan;
                        }
                    }
                    detail::evaluate(cfg, detail::slice_of(r, base), node_overrides[u * R + rd], items);
                }
            }
        };
        if (T <= 1) work(0);
        else {
            std::vector<std::jthread> pool;
            for (unsigned t = 1; t < T; ++t) pool.emplace_back(work, t);
            work(0);
        }
    }
    return r;
}

}  // namespace qm::maturity
