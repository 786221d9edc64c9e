#pragma once
// qm/maturity/framework.hpp — a maturity framework as data: domains → elements → criteria,
// rating scales, weights, sub-scores, tags, stages, prerequisites, the scoring method of each
// level of aggregation, and target profiles. Frameworks are read from JSON (qm/maturity/json.hpp)
// and are immutable once loaded; one Framework may be used by many threads at once.
//
// Synopsis
//   enum class NodeKind      { overall, domain, element, criterion }
//   enum class Role          { compliance, excellence, effectiveness }   (PSOE marker kinds)
//   enum class MethodKind    { weighted_mean, percent_bands, count_rules, weakest_link, staged, psoe }
//   enum class MissingPolicy { exclude, lowest, not_rated }
//   enum class Over          { children, criteria }     what a method aggregates
//   enum class Use           { score, level }           which value of an aggregated child counts
//   struct Subscore, Requirement, Condition, Rule, Cap, Method, Node, Target, EvidencePolicy
//   struct Framework {
//       format, id, version, name, description, file, text
//       scales, nodes (pre-order; nodes[0] is the overall root), criteria, methods, targets
//       missing, subscore_rule, evidence
//       std::size_t find(std::string_view id) const            node index or npos
//       std::size_t find_scale(std::string_view id) const
//       std::size_t out_scale(std::size_t node) const          the scale a node's level is on
//       const Method* method_of(std::size_t node) const        nullptr for criteria
//   }
//
// Scoring methods (what each aggregate node computes from its children; see score.hpp):
//   weighted_mean  score = Σ w·x / Σ w; level = the band of the score (`bands`) or, without
//                  bands, the level at or below it on the criteria's common scale
//   percent_bands  percent = 100 · Σ w·x / Σ w·max (CQC: scores 1–4, all statements equal);
//                  level = band of the percent on the `bands` scale (e.g. 25/39/63/88)
//   count_rules    ordered rules on counts of children at given levels (CQC rating
//                  principles: "≥ 2 outstanding and the rest good" …), first match wins
//   weakest_link   level = the lowest child level; score = the lowest child score
//   staged         the highest stage L such that every criterion of stage <= L is satisfied
//                  (CMMI staged maturity level; per-stage thresholds give equivalent staging)
//   psoe           element effectiveness from cumulative P/S/O/E markers: achieved iff every
//                  compliance marker is at least Operating and effectiveness is shown;
//                  signs of excellence iff also every excellence marker is in place
//   Every method may carry caps ("limiters"): a condition that, when it holds, caps the level.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <qm/maturity/scale.hpp>

namespace qm::maturity {

inline constexpr std::size_t none = static_cast<std::size_t>(-1);

/// The format string every framework file declares.
inline constexpr std::string_view framework_format = "qualitymetrics.maturity/1";

enum class NodeKind : std::uint8_t { overall = 0, domain = 1, element = 2, criterion = 3 };
enum class Role : std::uint8_t { compliance = 0, excellence = 1, effectiveness = 2 };
enum class MethodKind : std::uint8_t { weighted_mean, percent_bands, count_rules, weakest_link, staged, psoe };
enum class MissingPolicy : std::uint8_t { exclude = 0, lowest = 1, not_rated = 2 };
enum class Over : std::uint8_t { children, criteria };
enum class Use : std::uint8_t { score, level };
enum class SubscoreRule : std::uint8_t { mean, min };
enum class StalePolicy : std::uint8_t { not_rated, flag };

constexpr std::string_view to_string(NodeKind k) noexcept {
    switch (k) {
        case NodeKind::overall: return "overall";
        case NodeKind::domain: return "domain";
        case NodeKind::element: return "element";
        case NodeKind::criterion: return "criterion";
    }
    return "?";
}
constexpr std::string_view to_string(Role r) noexcept {
    switch (r) {
        case Role::compliance: return "compliance";
        case Role::excellence: return "excellence";
        case Role::effectiveness: return "effectiveness";
    }
    return "?";
}
constexpr std::string_view to_string(MethodKind m) noexcept {
    switch (m) {
        case MethodKind::weighted_mean: return "weighted_mean";
        case MethodKind::percent_bands: return "percent_bands";
        case MethodKind::count_rules: return "count_rules";
        case MethodKind::weakest_link: return "weakest_link";
        case MethodKind::staged: return "staged";
        case MethodKind::psoe: return "psoe";
    }
    return "?";
}
constexpr std::string_view to_string(MissingPolicy m) noexcept {
    switch (m) {
        case MissingPolicy::exclude: return "exclude";
        case MissingPolicy::lowest: return "lowest";
        case MissingPolicy::not_rated: return "not_rated";
    }
    return "?";
}
constexpr std::string_view to_string(SubscoreRule r) noexcept { return r == SubscoreRule::mean ? "mean" : "min"; }
constexpr std::string_view to_string(StalePolicy p) noexcept { return p == StalePolicy::not_rated ? "not_rated" : "flag"; }

struct Subscore {
    std::string id;
    std::string name;
    double weight = 1.0;
};

/// A prerequisite: the criterion counts at its scale minimum until `criterion` reaches `level`.
struct Requirement {
    std::size_t criterion = none;  ///< node index of the prerequisite criterion
    std::size_t level = 0;         ///< level index on that criterion's scale
};

/// "How many of these items are at such a level": holds when min <= count <= max.
struct Condition {
    enum class Of : std::uint8_t { children, criteria, ids };
    Of of = Of::children;
    std::vector<std::size_t> ids;  ///< node indices (of == ids)
    std::string tag;               ///< only criteria with this tag (of == criteria)
    LevelTest where;               ///< on `scale`, the scale of the counted items
    std::size_t scale = none;
    std::vector<std::size_t> nodes;  ///< the counted nodes, resolved when the framework is read
    std::size_t min = 1;
    std::size_t max = std::numeric_limits<std::size_t>::max();
    bool holds(std::size_t count) const noexcept { return count >= min && count <= max; }
};

struct Rule {
    std::size_t level = 0;            ///< result level (index on the method's scale)
    std::vector<Condition> all;       ///< all must hold
};

struct Cap {
    Condition when;
    std::size_t max_level = 0;  ///< level index on the method's scale
    std::string reason;
};

struct Method {
    MethodKind kind = MethodKind::weighted_mean;
    std::optional<MissingPolicy> missing;  ///< this level's policy (else the framework's)
    Over over = Over::children;
    Use use = Use::score;
    std::size_t scale = none;              ///< output scale (bands / rating scale / stages)
    std::vector<std::size_t> items;        ///< what it aggregates: children or criteria (node indices)
    std::vector<double> item_weights;      ///< their weights (over criteria: products along the path)
    bool from_min = false;                 ///< percent counts from the scale minimum, not zero
    bool by_value = false;                 ///< weighted_mean of banded children's levels: levels by band value
    // count_rules
    std::vector<Rule> rules;
    std::size_t otherwise = none;
    // every method
    std::vector<Cap> caps;
    // staged: per criterion (by criterion index) its stage (level index on `scale`), the
    // threshold per stage (level index on the criteria scale) and the level when none is reached
    std::vector<std::size_t> stage_of;
    std::vector<std::size_t> satisfied_at;
    std::size_t base = 0;
    // staged and psoe: the common scale of the criteria
    std::size_t criteria_scale = none;
    // psoe (level indices on criteria_scale)
    std::size_t minimum = none, effective = none, excellence = none;
    double effective_share = 1.0;
    std::string pointer;  ///< where it was defined, for messages
};

struct Node {
    NodeKind kind = NodeKind::criterion;
    std::string id;
    std::string name;
    std::string description;
    std::size_t parent = none;
    std::vector<std::size_t> children;
    double weight = 1.0;
    double points = std::numeric_limits<double>::quiet_NaN();  ///< EFQM/Baldrige points (optional)
    std::vector<std::string> tags;
    bool scored = true;             ///< counts towards its parent (false: a limiter, used by caps only)
    std::string stage;              ///< stage level reference (inherited by descendants)
    // criteria
    std::size_t scale = none;
    std::size_t criterion = none;   ///< position among the criteria
    Role role = Role::compliance;
    std::vector<Subscore> subscores;
    std::vector<Requirement> prerequisites;  ///< "requires" in the file
    int evidence_max_age_days = -1;
    // aggregates
    std::size_t method = none;      ///< index into Framework::methods
    std::size_t out_scale = none;   ///< the scale of the node's level (criteria: their scale)
    std::size_t score_scale = none; ///< the scale the node's score is measured on (none: a percent
                                    ///< of points, or no common scale)
    std::string pointer;            ///< JSON pointer of the node in its file

    bool is_criterion() const noexcept { return kind == NodeKind::criterion; }
    bool has_tag(std::string_view t) const noexcept {
        for (const auto& x : tags)
            if (x == t) return true;
        return false;
    }
};

struct Target {
    std::string id;
    std::string name;
    std::vector<std::pair<std::size_t, std::size_t>> levels;  ///< (node, level index on its out scale)
};

struct EvidencePolicy {
    int max_age_days = -1;  ///< ratings whose newest evidence is older than this are stale (-1: no ageing)
    bool required = false;  ///< a rating without any dated evidence counts as Not Rated
    StalePolicy stale = StalePolicy::not_rated;
};

struct Framework {
    std::string format;
    std::string id;
    std::string version;
    std::string name;
    std::string description;
    std::string file;  ///< where it was read from (for messages)
    std::string text;  ///< the JSON text it was read from (to re-read with other methods)

    std::vector<Scale> scales;
    std::vector<Node> nodes;              ///< pre-order: overall, domain, its elements and criteria, …
    std::vector<std::size_t> criteria;    ///< node index of each criterion, in order
    std::vector<std::size_t> criteria_order;  ///< criteria with their prerequisites first
    std::vector<Method> methods;
    std::vector<Target> targets;
    MissingPolicy missing = MissingPolicy::exclude;
    SubscoreRule subscore_rule = SubscoreRule::mean;
    EvidencePolicy evidence;

    std::size_t find(std::string_view node_id) const noexcept {
        for (std::size_t i = 0; i < nodes.size(); ++i)
            if (nodes[i].id == node_id) return i;
        return none;
    }
    std::size_t find_scale(std::string_view scale_id) const noexcept {
        for (std::size_t i = 0; i < scales.size(); ++i)
            if (scales[i].id == scale_id) return i;
        return none;
    }
    std::size_t find_target(std::string_view target_id) const noexcept {
        for (std::size_t i = 0; i < targets.size(); ++i)
            if (targets[i].id == target_id) return i;
        return none;
    }
    std::size_t out_scale(std::size_t node) const noexcept { return nodes[node].out_scale; }
    const Method* method_of(std::size_t node) const noexcept {
        const auto m = nodes[node].method;
        return m == none ? nullptr : &methods[m];
    }
    MissingPolicy missing_of(const Method& m) const noexcept { return m.missing.value_or(missing); }
    std::size_t size() const noexcept { return nodes.size(); }
    std::size_t n_criteria() const noexcept { return criteria.size(); }
    /// "'qms-maturity' 1.0.0": for messages and reports.
    std::string describe() const { return "'" + id + "' " + version; }
};

}  // namespace qm::maturity
