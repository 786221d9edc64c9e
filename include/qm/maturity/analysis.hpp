#pragma once
// qm/maturity/analysis.hpp — reading scores: gap to a target profile, what-if (the fewest
// criteria that must improve, and by how much, to reach the next level), change between rounds
// judged against rater noise, and roll-up across units to a system view.
//
// Synopsis
//   struct GapResult { unit, round, node, current, target, gap_levels, score, target_score, gap_score, met }
//   GapResult gaps(const Framework&, const ScoreResult&, std::span<const std::pair<std::size_t, std::size_t>> target)
//
//   enum class WhatIf { plan, already, top_level, unreachable, not_rated, no_levels, overridden }
//   struct WhatIfOptions { node = 0 (overall), level (default: the next one), minimise_amounts = true }
//   struct WhatIfResult { per assessed (unit, round): unit, round, current, target, outcome, exact,
//                         n_changes, new_score, new_level, offsets; per change: change_node,
//                         change_from, change_to }
//   WhatIfResult what_if(const Framework&, const ScoreResult&, const WhatIfOptions& = {}, unsigned threads = 0)
//
//   enum class Change { improved, declined, no_change, within_noise, not_comparable }
//   struct CompareResult { change, change_se, z, level_change, judgement, beyond_noise }
//   CompareResult compare(previous: score, se, level_index, status; current: …; double z = 1.96)
//   CompareResult compare_rounds(const ScoreResult&, double z = 1.96)      round r against r − 1
//
//   struct RollupResult { per (group, round, node): n_units, n_rated, mean/min/median/max score,
//                         level counts, weakest units }
//   RollupResult rollup(const Framework&, const ScoreResult&, std::span<const std::int64_t> unit_group = {},
//                       std::size_t k_weakest = 3)
//
// What-if. For the target node and level the planner works down the tree, each method the way
// its rule allows: weakest link — every item must reach the level; staged — every criterion of
// a stage up to the level must reach the stage's threshold; psoe — every compliance marker at
// least the minimum, effectiveness shown, excellence markers in place; weighted_mean and
// percent_bands — the score must reach the band's edge, found as a knapsack over the items'
// possible raises (exact in the number of criteria for linear scores); count_rules — a search
// over the children's levels; caps that hold are lifted first. The plan is then checked by
// re-scoring the unit, changes that are not needed are dropped and each raise is lowered to the
// smallest value that still reaches the level. If the planner cannot find a plan (a cap of an
// unusual form, many children under count rules) a greedy search re-scores single raises;
// `exact` is 0 for those. A criterion that is Not Rated can be part of a plan (from = NaN:
// "rate it at least …"); Not Applicable criteria and consensus overrides of aggregates are
// never changed.
//
// Change against noise: Δ = current − previous score, se(Δ) = √(se_prev² + se_cur²) from the
// pooled rater noise (score.hpp). A change is improved/declined when |Δ| > z·se(Δ),
// within_noise when it is not, no_change when Δ = 0 and the level is unchanged. When the noise
// is unknown (single raters, discrete methods) the sign decides and beyond_noise is 2 (unknown).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/maturity/framework.hpp>
#include <qm/maturity/score.hpp>
#include <qm/stats/sum.hpp>

namespace qm::maturity {

// ------------------------------------------------------------------------------------ gaps
struct GapResult {
    std::vector<std::int64_t> unit, round, node;
    std::vector<std::int32_t> current, target;  ///< level indices (-1: none)
    std::vector<std::int32_t> gap_levels;       ///< target − current; negative when above target
    std::vector<double> score, target_score, gap_score;
    std::vector<std::uint8_t> met;              ///< 0 no, 1 yes, 2 unknown (not rated)
};

GapResult gaps(const Framework& fw, const ScoreResult& r, std::span<const std::pair<std::size_t, std::size_t>> target);

// ------------------------------------------------------------------------------------ what-if
enum class WhatIf : std::uint8_t { plan, already, top_level, unreachable, not_rated, no_levels, overridden };
constexpr std::string_view to_string(WhatIf w) noexcept {
    switch (w) {
        case WhatIf::plan: return "plan";
        case WhatIf::already: return "already";
        case WhatIf::top_level: return "top_level";
        case WhatIf::unreachable: return "unreachable";
        case WhatIf::not_rated: return "not_rated";
        case WhatIf::no_levels: return "no_levels";
        case WhatIf::overridden: return "overridden";
    }
    return "?";
}

struct WhatIfOptions {
    std::size_t node = 0;                ///< node whose level should rise (0: overall)
    std::optional<std::size_t> level;    ///< target level index (default: the next level)
    bool minimise_amounts = true;        ///< lower each raise to the smallest value that still works
};

struct WhatIfResult {
    std::vector<std::int64_t> unit, round;
    std::vector<std::int32_t> current, target, new_level;
    std::vector<std::uint8_t> outcome, exact;
    std::vector<std::int32_t> n_changes;
    std::vector<double> new_score;
    std::vector<std::size_t> offsets{0};  ///< changes of row i: [offsets[i], offsets[i+1])
    std::vector<std::int64_t> change_node;
    std::vector<double> change_from, change_to;
};

WhatIfResult what_if(const Framework& fw, const ScoreResult& r, const WhatIfOptions& options = {}, unsigned threads = 0);

// ------------------------------------------------------------------------------------ compare
enum class Change : std::uint8_t { improved, declined, no_change, within_noise, not_comparable };
constexpr std::string_view to_string(Change c) noexcept {
    switch (c) {
        case Change::improved: return "improved";
        case Change::declined: return "declined";
        case Change::no_change: return "no_change";
        case Change::within_noise: return "within_noise";
        case Change::not_comparable: return "not_comparable";
    }
    return "?";
}

inline constexpr std::int32_t no_level_change = std::numeric_limits<std::int32_t>::min();

struct CompareResult {
    std::vector<double> change, change_se, z;
    std::vector<std::int32_t> level_change;  ///< no_level_change when either has no level
    std::vector<std::uint8_t> judgement;     ///< Change
    std::vector<std::uint8_t> beyond_noise;  ///< 0 no, 1 yes, 2 unknown
};

CompareResult compare(std::span<const double> prev_score, std::span<const double> prev_se, std::span<const std::int32_t> prev_level,
                      std::span<const std::uint8_t> prev_status, std::span<const double> cur_score, std::span<const double> cur_se,
                      std::span<const std::int32_t> cur_level, std::span<const std::uint8_t> cur_status, double z = 1.96);
CompareResult compare_rounds(const ScoreResult& r, double z = 1.96);

// ------------------------------------------------------------------------------------ roll-up
struct RollupResult {
    std::vector<std::int64_t> group, round, node;
    std::vector<std::int64_t> n_units, n_rated;
    std::vector<double> mean_score, min_score, median_score, max_score;
    std::vector<std::size_t> level_offsets{0};  ///< level counts of row i: level_counts[level_offsets[i] .. level_offsets[i+1])
    std::vector<std::int64_t> level_counts;
    std::size_t k_weakest = 0;
    std::vector<std::int64_t> weakest;          ///< row i: weakest[i·k .. i·k + k), -1 padded
};

RollupResult rollup(const Framework& fw, const ScoreResult& r, std::span<const std::int64_t> unit_group = {}, std::size_t k_weakest = 3);

// ================================================================================================
// Implementation
// ================================================================================================
namespace detail {

inline void check_result(const Framework& fw, const ScoreResult& r) {
    if (r.framework_id != fw.id || r.framework_version != fw.version || r.n_nodes != fw.nodes.size())
        fail_argument("result", "was scored with framework '" + r.framework_id + "' " + r.framework_version + ", not " + fw.describe());
}

/// The smallest rating on `s` whose level is at least L (nullopt if none).
inline std::optional<double> min_rating_for(const Scale& s, std::size_t L) {
    if (L >= s.size()) return std::nullopt;
    if (!s.banded()) return s.levels[L].value;
    const ScaleLevel& b = s.levels[L];
    std::vector<double> cand;
    if (s.step > 0.0) {
        double k = std::ceil((b.lower - s.min) / s.step - 1e-9);
        if (k < 0) k = 0;
        for (int i = -1; i < 3; ++i) cand.push_back(s.min + (k + i) * s.step);
    } else {
        const double h = s.round >= 0 ? 0.5 * std::pow(10.0, -s.round) : 0.0;
        cand = {b.lower - h, b.lower, std::nextafter(b.lower, std::numeric_limits<double>::infinity()), b.lower + h,
                b.lower + 2 * h};
    }
    std::sort(cand.begin(), cand.end());
    for (double v : cand) {
        if (v < s.min || v > s.max) continue;
        if (s.level_of(v) != no_level && s.level_of(v) >= L) return v;
    }
    if (s.level_of(s.max) != no_level && s.level_of(s.max) >= L) {
        // walk the grid (rare: bands narrower than the step)
        if (s.step > 0.0)
            for (double v = s.min; v <= s.max + 1e-9; v += s.step)
                if (s.level_of(v) != no_level && s.level_of(v) >= L) return v;
        return s.max;
    }
    return std::nullopt;
}

/// The ratings a rater could give above `from` (NaN: any), ascending, for amount minimisation.
inline std::vector<double> ratings_between(const Scale& s, double from, double to) {
    std::vector<double> out;
    if (!s.banded()) {
        for (const auto& l : s.levels)
            if ((std::isnan(from) || l.value > from) && l.value <= to) out.push_back(l.value);
    } else if (s.step > 0.0) {
        const double lo = std::isnan(from) ? s.min : from;
        for (double k = std::ceil((lo - s.min) / s.step - 1e-9); ; k += 1.0) {
            const double v = s.min + k * s.step;
            if (v > to + 1e-9 || v > s.max + 1e-9) break;
            if (std::isnan(from) || v > from) out.push_back(v);
        }
    } else {
        out.push_back(to);
    }
    return out;
}

class Planner {
public:
    using Plan = std::vector<std::pair<std::size_t, double>>;  // (criterion node, new rating), by node

    Planner(const Framework& fw, const EvalConfig& cfg, UnitState& st, std::span<const NodeOverride> ovr)
        : fw_(fw), cfg_(cfg), st_(st), ovr_(ovr), subtree_end_(fw.nodes.size()) {
        // pre-order: a node's subtree ends where the next node at its depth or above starts
        std::vector<std::size_t> depth(fw.nodes.size(), 0);
        for (std::size_t k = 1; k < fw.nodes.size(); ++k) depth[k] = depth[fw.nodes[k].parent] + 1;
        for (std::size_t k = 0; k < fw.nodes.size(); ++k) {
            std::size_t e = k + 1;
            while (e < fw.nodes.size() && depth[e] > depth[k]) ++e;
            subtree_end_[k] = e;
        }
    }

    bool exact = true;

    void reevaluate() { evaluate(cfg_, st_.slice(), ovr_, items_); }

    struct Saved {
        std::vector<std::size_t> node;
        std::vector<double> rating;
        std::vector<std::uint8_t> status;
    };
    Saved apply(const Plan& p) {
        Saved s;
        for (const auto& [k, v] : p) {
            s.node.push_back(k), s.rating.push_back(st_.rating[k]), s.status.push_back(st_.status[k]);
            st_.rating[k] = v;
            st_.status[k] = static_cast<std::uint8_t>(Status::rated);
        }
        reevaluate();
        return s;
    }
    void restore(const Saved& s) {
        for (std::size_t i = s.node.size(); i-- > 0;) st_.rating[s.node[i]] = s.rating[i], st_.status[s.node[i]] = s.status[i];
        reevaluate();
    }

    bool reaches(std::size_t node, std::size_t L) const {
        return static_cast<Status>(st_.status[node]) == Status::rated && st_.level_index[node] >= 0 &&
               static_cast<std::size_t>(st_.level_index[node]) >= L;
    }

    static Plan unite(Plan a, const Plan& b) {
        for (const auto& [k, v] : b) {
            auto it = std::find_if(a.begin(), a.end(), [k = k](const auto& x) { return x.first == k; });
            if (it == a.end()) a.emplace_back(k, v);
            else it->second = std::max(it->second, v);
        }
        std::sort(a.begin(), a.end());
        return a;
    }

    std::size_t level_of(std::size_t k) const {
        return st_.level_index[k] < 0 ? no_level : static_cast<std::size_t>(st_.level_index[k]);
    }
    Status status_of(std::size_t k) const { return static_cast<Status>(st_.status[k]); }

    /// The cheapest known set of raises that brings node k to level L or above.
    std::optional<Plan> plan(std::size_t k, std::size_t L) {
        if (++calls_ > 200000) {  // runaway guard (deep count-rule searches)
            exact = false;
            return std::nullopt;
        }
        const Node& n = fw_.nodes[k];
        if (status_of(k) == Status::not_applicable) return std::nullopt;
        if (n.is_criterion()) return plan_criterion(k, L);
        if (reaches(k, L)) return Plan{};
        if (st_.override_index[k] >= 0) return std::nullopt;
        const Method& m = fw_.methods[n.method];
        const MissingPolicy pol = cfg_.policy(m);
        if (status_of(k) == Status::not_rated && pol == MissingPolicy::not_rated && m.kind != MethodKind::staged) {
            // every Not Rated item must be rated first: plan them at their current floor level
            Plan forced;
            for (auto it : m.items)
                if (status_of(it) == Status::not_rated) {
                    auto p = plan(it, 0);
                    if (!p) return std::nullopt;
                    forced = unite(forced, *p);
                }
            return with_forced(k, L, forced);
        }
        // caps that would hold at level L must be lifted first
        Plan forced;
        for (const Cap& cap : m.caps) {
            if (cap.max_level >= L || !condition_holds(cfg_, st_.slice(), cap.when, pol)) continue;
            auto lift = lift_condition(cap.when, pol);
            if (!lift) return std::nullopt;
            forced = unite(forced, *lift);
        }
        return with_forced(k, L, forced);
    }

    /// Greedy fallback: single raises chosen by re-scoring, until node reaches L.
    std::optional<Plan> greedy(std::size_t node, std::size_t L, std::size_t max_steps) {
        exact = false;
        Plan acc;
        std::vector<Saved> stack;
        for (std::size_t step = 0; step < max_steps && !reaches(node, L); ++step) {
            const auto base = key(node);
            std::size_t best_c = none;
            double best_v = 0.0;
            auto best_key = base;
            for (auto c : fw_.criteria) {
                if (status_of(c) == Status::not_applicable) continue;
                const Scale& s = fw_.scales[fw_.nodes[c].scale];
                const std::size_t cur = status_of(c) == Status::rated ? level_of_rating(c) : no_level;
                const std::size_t next = cur == no_level ? 0 : cur + 1;
                auto v = min_rating_for(s, next);
                if (!v) continue;
                auto sv = apply(Plan{{c, *v}});
                const auto kk = key(node);
                restore(sv);
                if (kk > best_key) best_key = kk, best_c = c, best_v = *v;
            }
            if (best_c == none) break;
            stack.push_back(apply(Plan{{best_c, best_v}}));
            acc = unite(acc, Plan{{best_c, best_v}});
        }
        const bool ok = reaches(node, L);
        for (std::size_t i = stack.size(); i-- > 0;) restore(stack[i]);
        if (!ok) return std::nullopt;
        return acc;
    }

private:
    std::size_t level_of_rating(std::size_t c) const {
        const Scale& s = fw_.scales[fw_.nodes[c].scale];
        return s.level_of_score(st_.rating[c]);
    }

    /// (rated, level, score, Σ levels below) of `node`: what greedy maximises.
    std::tuple<int, long, double, long> key(std::size_t node) const {
        long sum = 0;
        for (std::size_t k = node; k < subtree_end_[node]; ++k) sum += st_.level_index[k] + 1;
        const double sc = std::isnan(st_.score[node]) ? -std::numeric_limits<double>::infinity() : st_.score[node];
        return {status_of(node) == Status::rated ? 1 : 0, st_.level_index[node], sc, sum};
    }

    std::optional<Plan> plan_criterion(std::size_t c, std::size_t L) {
        const Node& n = fw_.nodes[c];
        const Scale& s = fw_.scales[n.scale];
        auto target = min_rating_for(s, L);
        if (!target) return std::nullopt;
        Plan p;
        const bool rated = status_of(c) == Status::rated;
        if (!rated || !(st_.rating[c] >= *target)) p.emplace_back(c, *target);
        for (const auto& req : n.prerequisites) {
            const auto q = req.criterion;
            if (status_of(q) == Status::not_applicable) continue;
            if (status_of(q) != Status::rated || level_of(q) == no_level || level_of(q) < req.level) {
                auto sub = plan(q, req.level);
                if (!sub) return std::nullopt;
                p = unite(p, *sub);
            }
        }
        return p;
    }

    /// Raises that make a cap's condition false (only "low-side" tests: le, lt, eq).
    std::optional<Plan> lift_condition(const Condition& c, MissingPolicy pol) {
        if (!(c.where.cmp == Cmp::le || c.where.cmp == Cmp::lt || c.where.cmp == Cmp::eq) ||
            c.max != std::numeric_limits<std::size_t>::max()) {
            exact = false;
            return std::nullopt;
        }
        std::vector<std::pair<std::size_t, Plan>> options;
        std::size_t count = 0;
        const Scale& sc = fw_.scales[c.scale];
        for (auto k : c.nodes) {
            const auto lv = counted_level(cfg_, st_.slice(), k, pol);
            if (!c.where.test(lv)) continue;
            ++count;
            const auto up = c.where.first_level_failing_above(lv, sc.size());
            if (up == no_level) continue;
            if (auto p = plan(k, up)) options.emplace_back(p->size(), std::move(*p));
        }
        if (count < c.min) return Plan{};
        const std::size_t need = count - c.min + 1;
        if (options.size() < need) return std::nullopt;
        std::stable_sort(options.begin(), options.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        Plan out;
        for (std::size_t i = 0; i < need; ++i) out = unite(out, options[i].second);
        return out;
    }

    std::optional<Plan> with_forced(std::size_t k, std::size_t L, const Plan& forced) {
        Saved sv;
        if (!forced.empty()) {
            sv = apply(forced);
            if (reaches(k, L)) {
                restore(sv);
                return forced;
            }
        }
        auto p = plan_method(k, L);
        if (!forced.empty()) restore(sv);
        if (!p) return std::nullopt;
        return unite(forced, *p);
    }

    std::optional<Plan> plan_method(std::size_t k, std::size_t L) {
        const Node& n = fw_.nodes[k];
        const Method& m = fw_.methods[n.method];
        const MissingPolicy pol = cfg_.policy(m);
        auto skip = [&](std::size_t it) {
            const auto st = status_of(it);
            return st == Status::not_applicable || (st == Status::not_rated && pol == MissingPolicy::exclude);
        };
        switch (m.kind) {
            case MethodKind::weakest_link: {
                Plan out;
                for (auto it : m.items) {
                    if (skip(it)) continue;
                    auto p = plan(it, L);
                    if (!p) return std::nullopt;
                    out = unite(out, *p);
                }
                return out;
            }
            case MethodKind::staged: {
                Plan out;
                for (auto it : m.items) {
                    if (skip(it)) continue;
                    const auto stage = m.stage_of[fw_.nodes[it].criterion];
                    if (stage > L) continue;
                    std::size_t req = 0;
                    for (std::size_t l = std::max(stage, m.base + 1); l <= L; ++l) req = std::max(req, m.satisfied_at[l]);
                    if (status_of(it) == Status::rated && level_of(it) != no_level && level_of(it) >= req) continue;
                    auto p = plan(it, req);
                    if (!p) return std::nullopt;
                    out = unite(out, *p);
                }
                return out;
            }
            case MethodKind::psoe: {
                if (L == 0) return Plan{};
                Plan out;
                std::vector<std::size_t> comp, eff, exc;
                for (auto it : m.items) {
                    if (skip(it)) continue;
                    const Role r = fw_.nodes[it].role;
                    (r == Role::compliance ? comp : r == Role::effectiveness ? eff : exc).push_back(it);
                }
                if (comp.empty()) return std::nullopt;
                auto at = [&](std::size_t it, std::size_t lvl) {
                    return status_of(it) == Status::rated && level_of(it) != no_level && level_of(it) >= lvl;
                };
                std::vector<std::size_t> target(fw_.nodes.size(), no_level);
                for (auto it : comp)
                    if (!at(it, m.minimum)) target[it] = m.minimum;
                for (auto it : eff)
                    if (!at(it, m.effective)) target[it] = m.effective;
                if (eff.empty()) {
                    const auto need = static_cast<std::size_t>(std::ceil(m.effective_share * static_cast<double>(comp.size()) - 1e-9));
                    std::size_t have = 0;
                    for (auto it : comp) have += at(it, m.effective) ? 1 : 0;
                    // raise to Effective first those that must rise anyway, then the highest others
                    std::vector<std::size_t> cand;
                    for (auto it : comp)
                        if (!at(it, m.effective)) cand.push_back(it);
                    std::stable_sort(cand.begin(), cand.end(), [&](std::size_t a, std::size_t b) {
                        const bool fa = target[a] != no_level, fb = target[b] != no_level;
                        if (fa != fb) return fa;
                        return st_.level_index[a] > st_.level_index[b];
                    });
                    for (std::size_t i = 0; have < need && i < cand.size(); ++i, ++have) target[cand[i]] = m.effective;
                    if (have < need) return std::nullopt;
                }
                if (L >= 2) {
                    if (exc.empty()) return std::nullopt;
                    for (auto it : exc)
                        if (!at(it, m.excellence)) target[it] = m.excellence;
                }
                for (std::size_t it = 0; it < target.size(); ++it) {
                    if (target[it] == no_level) continue;
                    auto p = plan(it, target[it]);
                    if (!p) return std::nullopt;
                    out = unite(out, *p);
                }
                return out;
            }
            case MethodKind::count_rules: return plan_count_rules(k, L);
            case MethodKind::weighted_mean:
            case MethodKind::percent_bands: return plan_linear(k, L);
        }
        return std::nullopt;
    }

    // ---- count rules: search over the children's levels
    std::optional<Plan> plan_count_rules(std::size_t k, std::size_t L) {
        const Node& n = fw_.nodes[k];
        const Method& m = fw_.methods[n.method];
        const MissingPolicy pol = cfg_.policy(m);
        const Scale& out = fw_.scales[n.out_scale];
        struct Opt {
            std::size_t level;
            Plan plan;
        };
        std::vector<std::size_t> kids;
        std::vector<std::vector<Opt>> opts;
        double combos = 1.0;
        for (auto it : m.items) {
            if (status_of(it) == Status::not_applicable) continue;
            const auto cur = counted_level(cfg_, st_.slice(), it, pol);
            std::vector<Opt> o;
            if (cur != no_level) o.push_back({cur, {}});
            const auto& cs = fw_.scales[fw_.nodes[it].out_scale];
            for (std::size_t l = cur == no_level ? 0 : cur + 1; l < cs.size(); ++l)
                if (auto p = plan(it, l)) o.push_back({l, std::move(*p)});
            if (o.empty()) continue;  // stays uncounted
            combos *= static_cast<double>(o.size());
            kids.push_back(it);
            opts.push_back(std::move(o));
        }
        if (combos > 2e5) {
            exact = false;
            return std::nullopt;
        }
        std::vector<std::size_t> choice(kids.size(), 0), best_choice;
        std::size_t best_cost = std::numeric_limits<std::size_t>::max();
        std::vector<std::size_t> hyp(fw_.nodes.size(), no_level);
        auto level_with = [&](std::size_t node) -> std::size_t {
            if (hyp[node] != no_level) return hyp[node];
            return counted_level(cfg_, st_.slice(), node, pol);
        };
        auto holds = [&](const Condition& c) {
            std::size_t cnt = 0;
            for (auto x : c.nodes)
                if (c.where.test(level_with(x))) ++cnt;
            return c.holds(cnt);
        };
        auto result_level = [&]() {
            std::size_t lvl = m.otherwise;
            for (const auto& rule : m.rules) {
                bool all = true;
                for (const auto& c : rule.all) all = all && holds(c);
                if (all) {
                    lvl = rule.level;
                    break;
                }
            }
            for (const auto& cap : m.caps)
                if (lvl > cap.max_level && holds(cap.when)) lvl = cap.max_level;
            return lvl;
        };
        (void)out;
        // depth-first over children, bounded by the best cost found
        std::function<void(std::size_t, std::size_t)> dfs = [&](std::size_t i, std::size_t cost) {
            if (cost >= best_cost) return;
            if (i == kids.size()) {
                if (result_level() >= L) best_cost = cost, best_choice = choice;
                return;
            }
            for (std::size_t j = 0; j < opts[i].size(); ++j) {
                choice[i] = j;
                hyp[kids[i]] = opts[i][j].level;
                dfs(i + 1, cost + opts[i][j].plan.size());
            }
            hyp[kids[i]] = no_level;
        };
        dfs(0, 0);
        if (best_choice.empty()) return std::nullopt;
        Plan outp;
        for (std::size_t i = 0; i < kids.size(); ++i) outp = unite(outp, opts[i][best_choice[i]].plan);
        return outp;
    }

    // ---- linear methods: group knapsack over raises
    struct Option {
        double gain;
        Plan plan;
    };

    /// Coefficients of criteria in a linear node's score (nullopt when the score is not linear).
    bool linear_terms(std::size_t k, double factor, std::vector<std::pair<std::size_t, double>>& terms) {
        const Node& n = fw_.nodes[k];
        if (n.is_criterion()) {
            terms.emplace_back(k, factor);
            return true;
        }
        if (st_.override_index[k] >= 0 || status_of(k) != Status::rated) return false;
        const Method& m = fw_.methods[n.method];
        const MissingPolicy pol = cfg_.policy(m);
        if (m.kind != MethodKind::weighted_mean && m.kind != MethodKind::percent_bands && m.kind != MethodKind::psoe) return false;
        if (m.use == Use::level) return false;
        double W = 0.0;
        std::vector<std::pair<std::size_t, double>> its;
        for (std::size_t j = 0; j < m.items.size(); ++j) {
            const auto it = m.items[j];
            const auto st = status_of(it);
            if (st == Status::not_applicable) continue;
            if (st == Status::not_rated) {
                if (pol != MissingPolicy::lowest) exact = false;  // rating it would change the denominator
                if (pol == MissingPolicy::exclude) continue;
            }
            double w = m.item_weights[j];
            if (m.kind == MethodKind::psoe) {
                if (fw_.nodes[it].role == Role::excellence) continue;
                const Scale& cs = fw_.scales[m.criteria_scale];
                w = 1.0;
                W += cs.levels.back().value - cs.levels.front().value;
            } else if (m.kind == MethodKind::percent_bands) {
                const Node& xn = fw_.nodes[it];
                const Scale& xs = fw_.scales[xn.score_scale];
                const double base = m.from_min ? xs.min : 0.0;
                W += w * (xs.max - base);
            } else {
                W += w;
            }
            its.emplace_back(it, w);
        }
        if (!(W > 0.0)) return false;
        const double scale = (m.kind == MethodKind::weighted_mean ? 1.0 : 100.0) / W;
        for (const auto& [it, w] : its)
            if (!linear_terms(it, factor * w * scale, terms)) return false;
        return true;
    }

    std::optional<Plan> plan_linear(std::size_t k, std::size_t L) {
        const Node& n = fw_.nodes[k];
        const Method& m = fw_.methods[n.method];
        const MissingPolicy pol = cfg_.policy(m);
        if (n.out_scale == none) return std::nullopt;
        const Scale& out = fw_.scales[n.out_scale];
        if (L >= out.size()) return std::nullopt;
        // threshold on the score
        double T;
        if (value_levels(m, out)) {
            T = out.levels[L].value - 1e-9 * std::max(1.0, std::abs(out.levels[L].value));
        } else if (out.banded()) {
            const auto& b = out.levels[L];
            const double h = out.round >= 0 ? 0.5 * std::pow(10.0, -out.round) : 0.0;
            const double tol = 1e-9 * std::max(1.0, std::abs(b.lower));
            T = b.strict ? b.lower + std::max(h, tol) : b.lower - (h > 0 ? h : tol);
        } else {
            T = out.levels[L].value - 1e-9 * std::max(1.0, std::abs(out.levels[L].value));
        }
        const bool percent = m.kind == MethodKind::percent_bands;
        const double t = percent ? T / 100.0 : T;
        // current contributions G = Σ w (num − t·den)
        struct Term {
            std::size_t item;
            double w, num, den;
            bool counted;
        };
        auto num_den = [&](std::size_t it, double x, double& num, double& den) {
            const Node& xn = fw_.nodes[it];
            if (percent) {
                const Scale& xs = fw_.scales[m.use == Use::level ? xn.out_scale : xn.score_scale];
                const double lo = m.use == Use::level ? xs.levels.front().value : xs.min;
                const double hi = m.use == Use::level ? xs.levels.back().value : xs.max;
                const double base = m.from_min ? lo : 0.0;
                num = x - base, den = hi - base;
            } else {
                num = x, den = 1.0;
            }
        };
        auto value_of = [&](std::size_t it) -> double {
            return m.use == Use::level ? st_.level[it] : st_.score[it];
        };
        double G = 0.0;
        std::vector<Option> dummy;
        std::vector<std::vector<Option>> groups;
        for (std::size_t j = 0; j < m.items.size(); ++j) {
            const auto it = m.items[j];
            const double w = m.item_weights[j];
            const auto st = status_of(it);
            if (st == Status::not_applicable) continue;
            double c0 = 0.0, num = 0.0, den = 0.0;
            bool counted = true;
            if (st == Status::rated) {
                num_den(it, value_of(it), num, den);
                c0 = w * (num - t * den);
            } else if (pol == MissingPolicy::lowest) {
                num_den(it, m.use == Use::level ? cfg_.floor.level[it] : cfg_.floor.score[it], num, den);
                c0 = w * (num - t * den);
            } else {
                counted = false;  // excluded: rating it adds a term
            }
            G += c0;
            const Node& xn = fw_.nodes[it];
            std::vector<std::pair<std::size_t, double>> terms;
            if (!xn.is_criterion() && m.use == Use::score && counted && linear_terms(it, 1.0, terms)) {
                // flatten: each criterion of the child is its own group, gain = w·coef·Δx
                for (const auto& [c, coef] : terms) {
                    std::vector<Option> g;
                    const Scale& cs = fw_.scales[fw_.nodes[c].scale];
                    if (status_of(c) == Status::not_applicable) continue;
                    const double xc = status_of(c) == Status::rated ? st_.score[c]
                                                                    : (pol == MissingPolicy::lowest ? scale_floor_value(cs) : std::numeric_limits<double>::quiet_NaN());
                    if (std::isnan(xc)) continue;
                    const std::size_t cur = cs.level_of_score(xc);
                    for (std::size_t l = cur == no_level ? 0 : cur + 1; l < cs.size(); ++l) {
                        auto p = plan(c, l);
                        auto v = min_rating_for(cs, l);
                        if (!p || !v) continue;
                        g.push_back({w * coef * (*v - xc), std::move(*p)});
                    }
                    if (cs.banded()) {
                        if (auto p = plan(c, cs.level_of(cs.max))) g.push_back({w * coef * (cs.max - xc), std::move(*p)});
                    }
                    if (!g.empty()) groups.push_back(std::move(g));
                }
                continue;
            }
            // options: this item at each higher level
            std::vector<Option> g;
            const std::size_t cur = st == Status::rated ? level_of(it) : (pol == MissingPolicy::lowest ? static_cast<std::size_t>(std::max(0, cfg_.floor.level_index[it])) : no_level);
            const Scale& xs = fw_.scales[xn.out_scale];
            const std::size_t from = (st == Status::rated && cur != no_level) ? cur + 1 : 0;
            for (std::size_t l = from; l < xs.size(); ++l) {
                auto p = plan(it, l);
                if (!p) continue;
                double x;
                if (xn.is_criterion()) {
                    auto v = min_rating_for(xs, l);
                    if (!v) continue;
                    x = std::isnan(st_.rating[it]) ? *v : std::max(*v, st_.rating[it]);
                    if (m.use == Use::level) x = xs.levels[l].value;
                } else if (m.use == Use::level) {
                    x = xs.levels[l].value;
                } else {
                    auto sv = apply(*p);
                    x = st_.score[it];
                    restore(sv);
                    exact = false;
                    if (std::isnan(x)) continue;
                }
                double nm = 0.0, dn = 0.0;
                num_den(it, x, nm, dn);
                g.push_back({w * (nm - t * dn) - c0, std::move(*p)});
            }
            if (xn.is_criterion() && xs.banded() && m.use == Use::score) {
                const std::size_t top = xs.level_of(xs.max);
                if (top != no_level)
                    if (auto p = plan(it, top)) {
                        double nm = 0.0, dn = 0.0;
                        num_den(it, xs.max, nm, dn);
                        g.push_back({w * (nm - t * dn) - c0, std::move(*p)});
                    }
            }
            if (!g.empty()) groups.push_back(std::move(g));
        }
        const double need = -G;
        if (need <= 0.0) return Plan{};
        // group knapsack on cost: dp[c] = largest gain with total cost c
        std::size_t cmax = 0;
        for (const auto& g : groups) {
            std::size_t mx = 0;
            for (const auto& o : g) mx = std::max(mx, o.plan.size());
            cmax += mx;
        }
        cmax = std::min<std::size_t>(cmax, 4096);
        const double ninf = -std::numeric_limits<double>::infinity();
        std::vector<double> dp(cmax + 1, ninf);
        dp[0] = 0.0;
        std::vector<std::vector<std::int32_t>> pick(groups.size(), std::vector<std::int32_t>(cmax + 1, -1));
        for (std::size_t gi = 0; gi < groups.size(); ++gi) {
            std::vector<double> nd = dp;
            for (std::size_t c = 0; c <= cmax; ++c) {
                if (dp[c] == ninf) continue;
                for (std::size_t oi = 0; oi < groups[gi].size(); ++oi) {
                    const auto& o = groups[gi][oi];
                    const std::size_t cc = c + std::max<std::size_t>(1, o.plan.size());
                    if (cc > cmax) continue;
                    if (dp[c] + o.gain > nd[cc]) nd[cc] = dp[c] + o.gain, pick[gi][cc] = static_cast<std::int32_t>(oi);
                }
            }
            dp.swap(nd);
        }
        const double eps = 1e-12 * std::max(1.0, std::abs(need));
        std::size_t best = none;
        for (std::size_t c = 1; c <= cmax; ++c)
            if (dp[c] != ninf && dp[c] >= need - eps) {
                best = c;
                break;
            }
        if (best == none) return std::nullopt;
        // reconstruct backwards
        Plan outp;
        std::size_t c = best;
        for (std::size_t gi = groups.size(); gi-- > 0;) {
            const auto oi = pick[gi][c];
            if (oi < 0) continue;
            const auto& o = groups[gi][static_cast<std::size_t>(oi)];
            outp = unite(outp, o.plan);
            c -= std::max<std::size_t>(1, o.plan.size());
        }
        return outp;
    }

    const Framework& fw_;
    const EvalConfig& cfg_;
    UnitState& st_;
    std::span<const NodeOverride> ovr_;
    std::vector<std::size_t> subtree_end_;
    std::vector<Item> items_;
    std::size_t calls_ = 0;
};

}  // namespace detail

inline GapResult gaps(const Framework& fw, const ScoreResult& r, std::span<const std::pair<std::size_t, std::size_t>> target) {
    detail::check_result(fw, r);
    GapResult g;
    for (const auto& [node, lvl] : target) {
        if (node >= fw.nodes.size()) fail_argument("target", "node index " + std::to_string(node) + " is outside the framework");
        if (fw.nodes[node].out_scale == none) fail_argument("target", "'" + fw.nodes[node].id + "' has no levels");
        if (lvl >= fw.scales[fw.nodes[node].out_scale].size())
            fail_argument("target", "level index " + std::to_string(lvl) + " is outside the scale of '" + fw.nodes[node].id + "'");
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t u = 0; u < r.n_units; ++u)
        for (std::size_t rd = 0; rd < r.n_rounds; ++rd) {
            if (!r.assessed[u * r.n_rounds + rd]) continue;
            for (const auto& [node, lvl] : target) {
                const std::size_t i = r.row(u, rd, node);
                const Node& n = fw.nodes[node];
                const Scale& s = fw.scales[n.out_scale];
                g.unit.push_back(static_cast<std::int64_t>(u));
                g.round.push_back(static_cast<std::int64_t>(rd));
                g.node.push_back(static_cast<std::int64_t>(node));
                g.current.push_back(r.level_index[i]);
                g.target.push_back(static_cast<std::int32_t>(lvl));
                const bool rated = static_cast<Status>(r.status[i]) == Status::rated && r.level_index[i] >= 0;
                g.gap_levels.push_back(rated ? static_cast<std::int32_t>(lvl) - r.level_index[i] : 0);
                g.met.push_back(rated ? (r.level_index[i] >= static_cast<std::int32_t>(lvl) ? 1 : 0) : 2);
                g.score.push_back(r.score[i]);
                double ts = nan;
                if (n.score_scale == n.out_scale) ts = s.banded() ? s.levels[lvl].lower : s.levels[lvl].value;
                g.target_score.push_back(ts);
                g.gap_score.push_back(rated && !std::isnan(ts) ? std::max(0.0, ts - r.score[i]) : nan);
            }
        }
    return g;
}

inline WhatIfResult what_if(const Framework& fw, const ScoreResult& r, const WhatIfOptions& o, unsigned threads) {
    detail::check_result(fw, r);
    const std::size_t N = fw.nodes.size(), R = r.n_rounds;
    if (o.node >= N) fail_argument("node", "index " + std::to_string(o.node) + " is outside the framework");
    const Node& tn = fw.nodes[o.node];
    if (o.level && (tn.out_scale == none || *o.level >= fw.scales[tn.out_scale].size()))
        fail_argument("level", "is not a level of '" + tn.id + "'");
    detail::EvalConfig cfg;
    cfg.fw = &fw;
    cfg.missing = r.missing;
    detail::compute_floor(cfg);
    // aggregate overrides per unit-round
    std::map<std::size_t, std::vector<detail::NodeOverride>> ovr;
    for (std::size_t i = 0; i < r.overrides.size(); ++i) {
        const auto& x = r.overrides[i];
        if (!fw.nodes[x.node].is_criterion())
            ovr[x.unit * R + x.round].push_back({x.node, x.value, x.status, static_cast<std::int32_t>(i)});
    }
    std::vector<std::size_t> rows;
    for (std::size_t ur = 0; ur < r.n_units * R; ++ur)
        if (r.assessed[ur]) rows.push_back(ur);
    struct Out {
        std::int32_t current = -1, target = -1, new_level = -1;
        WhatIf outcome = WhatIf::unreachable;
        bool exact = true;
        double new_score = std::numeric_limits<double>::quiet_NaN();
        std::vector<std::pair<std::size_t, std::pair<double, double>>> changes;
    };
    std::vector<Out> outs(rows.size());
    auto work = [&](std::size_t b, std::size_t e) {
        detail::UnitState st;
        for (std::size_t ri = b; ri < e; ++ri) {
            const std::size_t ur = rows[ri];
            Out& out = outs[ri];
            st.copy_from(r, ur * N, N);
            static const std::vector<detail::NodeOverride> none_ovr;
            const auto it = ovr.find(ur);
            const auto& ov = it == ovr.end() ? none_ovr : it->second;
            detail::Planner pl(fw, cfg, st, ov);
            pl.reevaluate();
            const auto k = o.node;
            out.current = st.level_index[k];
            if (tn.out_scale == none) {
                out.outcome = WhatIf::no_levels;
                continue;
            }
            const Scale& s = fw.scales[tn.out_scale];
            if (static_cast<Status>(st.status[k]) == Status::not_applicable) {
                out.outcome = WhatIf::not_rated;
                continue;
            }
            const bool rated = static_cast<Status>(st.status[k]) == Status::rated && st.level_index[k] >= 0;
            std::size_t L = o.level ? *o.level : (rated ? static_cast<std::size_t>(st.level_index[k]) + 1 : 0);
            out.target = static_cast<std::int32_t>(L);
            if (L >= s.size()) {
                out.outcome = WhatIf::top_level;
                continue;
            }
            if (st.override_index[k] >= 0) {
                out.outcome = WhatIf::overridden;
                continue;
            }
            if (pl.reaches(k, L)) {
                out.outcome = WhatIf::already;
                out.new_level = st.level_index[k];
                out.new_score = st.score[k];
                continue;
            }
            auto p = pl.plan(k, L);
            bool ok = false;
            if (p) {
                auto sv = pl.apply(*p);
                ok = pl.reaches(k, L);
                pl.restore(sv);
            }
            if (!ok) {
                p = pl.greedy(k, L, fw.criteria.size() * 4 + 8);
                ok = p.has_value();
            }
            if (!ok) {
                out.outcome = rated ? WhatIf::unreachable : WhatIf::not_rated;
                continue;
            }
            // drop changes that are not needed, then lower each raise as far as it will go
            for (std::size_t i = p->size(); i-- > 0;) {
                auto q = *p;
                q.erase(q.begin() + static_cast<std::ptrdiff_t>(i));
                auto sv = pl.apply(q);
                const bool still = pl.reaches(k, L);
                pl.restore(sv);
                if (still) *p = std::move(q);
            }
            if (o.minimise_amounts)
                for (auto& [c, v] : *p) {
                    const Scale& cs = fw.scales[fw.nodes[c].scale];
                    const double from = static_cast<Status>(st.status[c]) == Status::rated ? st.rating[c] : std::numeric_limits<double>::quiet_NaN();
                    for (double cand : detail::ratings_between(cs, from, v)) {
                        if (cand >= v) break;
                        const double keep = v;
                        v = cand;
                        auto sv = pl.apply(*p);
                        const bool still = pl.reaches(k, L);
                        pl.restore(sv);
                        if (still) break;
                        v = keep;
                    }
                }
            auto sv = pl.apply(*p);
            out.new_level = st.level_index[k];
            out.new_score = st.score[k];
            pl.restore(sv);
            out.outcome = WhatIf::plan;
            out.exact = pl.exact;
            for (const auto& [c, v] : *p) {
                const double from = static_cast<Status>(st.status[c]) == Status::rated ? st.rating[c] : std::numeric_limits<double>::quiet_NaN();
                out.changes.push_back({c, {from, v}});
            }
        }
    };
    const unsigned T = detail::thread_count(threads, rows.size() * 200);
    if (T <= 1) work(0, rows.size());
    else {
        std::vector<std::jthread> pool;
        const std::size_t chunk = (rows.size() + T - 1) / T;
        for (unsigned t = 1; t < T; ++t) {
            const std::size_t b = std::min(rows.size(), t * chunk), e = std::min(rows.size(), (t + 1) * chunk);
            if (b < e) pool.emplace_back(work, b, e);
        }
        work(0, std::min(rows.size(), chunk));
    }
    WhatIfResult w;
    for (std::size_t ri = 0; ri < rows.size(); ++ri) {
        const auto& x = outs[ri];
        w.unit.push_back(static_cast<std::int64_t>(rows[ri] / R));
        w.round.push_back(static_cast<std::int64_t>(rows[ri] % R));
        w.current.push_back(x.current), w.target.push_back(x.target), w.new_level.push_back(x.new_level);
        w.outcome.push_back(static_cast<std::uint8_t>(x.outcome));
        w.exact.push_back(x.exact ? 1 : 0);
        w.n_changes.push_back(static_cast<std::int32_t>(x.changes.size()));
        w.new_score.push_back(x.new_score);
        for (const auto& [c, fv] : x.changes) {
            w.change_node.push_back(static_cast<std::int64_t>(c));
            w.change_from.push_back(fv.first);
            w.change_to.push_back(fv.second);
        }
        w.offsets.push_back(w.change_node.size());
    }
    return w;
}

inline CompareResult compare(std::span<const double> ps, std::span<const double> pse, std::span<const std::int32_t> pl,
                             std::span<const std::uint8_t> pst, std::span<const double> cs, std::span<const double> cse,
                             std::span<const std::int32_t> cl, std::span<const std::uint8_t> cst, double z) {
    const std::size_t n = ps.size();
    for (auto [len, name] : {std::pair{pse.size(), "previous se"}, {pl.size(), "previous level"}, {pst.size(), "previous status"},
                             {cs.size(), "score"}, {cse.size(), "se"}, {cl.size(), "level"}, {cst.size(), "status"}})
        if (len != n) fail_argument(name, "has " + std::to_string(len) + " rows but previous score has " + std::to_string(n));
    if (!(z > 0.0) || std::isinf(z)) fail_argument("z", "must be a positive number");
    CompareResult out;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    out.change.assign(n, nan), out.change_se.assign(n, nan), out.z.assign(n, nan);
    out.level_change.assign(n, no_level_change);
    out.judgement.assign(n, static_cast<std::uint8_t>(Change::not_comparable));
    out.beyond_noise.assign(n, 2);
    for (std::size_t i = 0; i < n; ++i) {
        if (static_cast<Status>(pst[i]) != Status::rated || static_cast<Status>(cst[i]) != Status::rated) continue;
        if (pl[i] >= 0 && cl[i] >= 0) out.level_change[i] = cl[i] - pl[i];
        double d = cs[i] - ps[i];
        if (std::isnan(d)) {
            // no score: judge the level
            if (out.level_change[i] == no_level_change) continue;
            d = static_cast<double>(out.level_change[i]);
        }
        out.change[i] = d;
        const double se = std::sqrt(pse[i] * pse[i] + cse[i] * cse[i]);
        out.change_se[i] = se;
        Change j;
        if (d == 0.0 && (out.level_change[i] == 0 || out.level_change[i] == no_level_change)) {
            j = Change::no_change;
            out.beyond_noise[i] = 0;
        } else if (std::isnan(se)) {
            j = d > 0 ? Change::improved : d < 0 ? Change::declined : Change::no_change;
            out.beyond_noise[i] = 2;
        } else {
            out.z[i] = se > 0.0 ? d / se : (d > 0 ? std::numeric_limits<double>::infinity() : d < 0 ? -std::numeric_limits<double>::infinity() : 0.0);
            const bool beyond = std::abs(d) > z * se;
            out.beyond_noise[i] = beyond ? 1 : 0;
            j = !beyond ? Change::within_noise : d > 0 ? Change::improved : Change::declined;
        }
        out.judgement[i] = static_cast<std::uint8_t>(j);
    }
    return out;
}

inline CompareResult compare_rounds(const ScoreResult& r, double z) {
    const std::size_t N = r.n_nodes, R = r.n_rounds, rows = r.size();
    std::vector<double> ps(rows), pse(rows);
    std::vector<std::int32_t> pl(rows);
    std::vector<std::uint8_t> pst(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        const std::size_t rd = (i / N) % R;
        if (rd == 0) {
            ps[i] = std::numeric_limits<double>::quiet_NaN(), pse[i] = ps[i], pl[i] = -1;
            pst[i] = static_cast<std::uint8_t>(Status::not_rated);
        } else {
            ps[i] = r.score[i - N], pse[i] = r.se[i - N], pl[i] = r.level_index[i - N], pst[i] = r.status[i - N];
        }
    }
    return compare(ps, pse, pl, pst, r.score, r.se, r.level_index, r.status, z);
}

inline RollupResult rollup(const Framework& fw, const ScoreResult& r, std::span<const std::int64_t> unit_group, std::size_t k) {
    detail::check_result(fw, r);
    const std::size_t U = r.n_units, R = r.n_rounds, N = r.n_nodes;
    if (!unit_group.empty() && unit_group.size() != U)
        fail_argument("unit_group", "has " + std::to_string(unit_group.size()) + " entries but there are " + std::to_string(U) + " units");
    std::int64_t G = 1;
    for (std::size_t u = 0; u < unit_group.size(); ++u) {
        if (unit_group[u] < 0) fail_argument("unit_group", u, "must not be negative");
        G = std::max(G, unit_group[u] + 1);
    }
    RollupResult out;
    out.k_weakest = k;
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(G));
    for (std::size_t u = 0; u < U; ++u) members[unit_group.empty() ? 0 : static_cast<std::size_t>(unit_group[u])].push_back(u);
    std::vector<double> sc;
    std::vector<std::pair<std::pair<std::int32_t, double>, std::size_t>> order;
    for (std::size_t g = 0; g < members.size(); ++g)
        for (std::size_t rd = 0; rd < R; ++rd)
            for (std::size_t node = 0; node < N; ++node) {
                const auto os = fw.nodes[node].out_scale;
                const std::size_t L = os == none ? 0 : fw.scales[os].size();
                std::vector<std::int64_t> counts(L, 0);
                sc.clear(), order.clear();
                std::int64_t n_units = 0, n_rated = 0;
                for (auto u : members[g]) {
                    if (!r.assessed[u * R + rd]) continue;
                    ++n_units;
                    const std::size_t i = r.row(u, rd, node);
                    if (static_cast<Status>(r.status[i]) != Status::rated) continue;
                    ++n_rated;
                    if (r.level_index[i] >= 0 && static_cast<std::size_t>(r.level_index[i]) < L) ++counts[static_cast<std::size_t>(r.level_index[i])];
                    if (!std::isnan(r.score[i])) sc.push_back(r.score[i]);
                    order.push_back({{r.level_index[i], std::isnan(r.score[i]) ? std::numeric_limits<double>::infinity() : r.score[i]}, u});
                }
                out.group.push_back(static_cast<std::int64_t>(g));
                out.round.push_back(static_cast<std::int64_t>(rd));
                out.node.push_back(static_cast<std::int64_t>(node));
                out.n_units.push_back(n_units), out.n_rated.push_back(n_rated);
                const double nan = std::numeric_limits<double>::quiet_NaN();
                if (sc.empty()) {
                    out.mean_score.push_back(nan), out.min_score.push_back(nan), out.median_score.push_back(nan), out.max_score.push_back(nan);
                } else {
                    out.mean_score.push_back(qm::stats::mean_skip_nan(sc).mean);
                    std::sort(sc.begin(), sc.end());
                    out.min_score.push_back(sc.front()), out.max_score.push_back(sc.back());
                    const std::size_t m = sc.size();
                    out.median_score.push_back(m % 2 ? sc[m / 2] : 0.5 * (sc[m / 2 - 1] + sc[m / 2]));
                }
                out.level_counts.insert(out.level_counts.end(), counts.begin(), counts.end());
                out.level_offsets.push_back(out.level_counts.size());
                std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
                for (std::size_t j = 0; j < k; ++j) out.weakest.push_back(j < order.size() ? static_cast<std::int64_t>(order[j].second) : -1);
            }
    return out;
}

}  // namespace qm::maturity
