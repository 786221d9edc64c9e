#pragma once
// qm/core/types.hpp — vocabulary shared by every area: improvement direction,
// point types, variation and assurance icons, and their stable string names.
//
// Synopsis
//   enum class qm::Improvement  { decrease = -1, neutral = 0, increase = 1 }
//   enum class qm::PointType    { common_cause, special_cause_improvement, special_cause_concern,
//                                 special_cause_neutral_high, special_cause_neutral_low }
//   enum class qm::VariationIcon{ common_cause, improvement_high, improvement_low, concern_high,
//                                 concern_low, neutral_high, neutral_low }
//   enum class qm::AssuranceIcon{ none, consistent_pass, consistent_fail, hit_and_miss }
//   std::string_view qm::to_string(E)            the names used in Python columns
//   Improvement qm::parse_improvement(std::string_view)   throws qm::invalid_argument

#include <cstdint>
#include <string_view>

#include <qm/core/error.hpp>

namespace qm {

enum class Improvement : std::int8_t { decrease = -1, neutral = 0, increase = 1 };

enum class PointType : std::int8_t {
    common_cause = 0,
    special_cause_improvement = 1,
    special_cause_concern = 2,
    special_cause_neutral_high = 3,
    special_cause_neutral_low = 4,
};

enum class VariationIcon : std::int8_t {
    common_cause = 0,
    improvement_high = 1,
    improvement_low = 2,
    concern_high = 3,
    concern_low = 4,
    neutral_high = 5,
    neutral_low = 6,
};

/// `none` when there is no target, the direction is neutral, or the last phase has no limits.
enum class AssuranceIcon : std::int8_t { none = 0, consistent_pass = 1, consistent_fail = 2, hit_and_miss = 3 };

constexpr std::string_view to_string(Improvement v) noexcept {
    switch (v) {
        case Improvement::decrease: return "decrease";
        case Improvement::neutral: return "neutral";
        case Improvement::increase: return "increase";
    }
    return "?";
}

constexpr std::string_view to_string(PointType v) noexcept {
    switch (v) {
        case PointType::common_cause: return "common_cause";
        case PointType::special_cause_improvement: return "special_cause_improvement";
        case PointType::special_cause_concern: return "special_cause_concern";
        case PointType::special_cause_neutral_high: return "special_cause_neutral_high";
        case PointType::special_cause_neutral_low: return "special_cause_neutral_low";
    }
    return "?";
}

constexpr std::string_view to_string(VariationIcon v) noexcept {
    switch (v) {
        case VariationIcon::common_cause: return "common_cause";
        case VariationIcon::improvement_high: return "improvement_high";
        case VariationIcon::improvement_low: return "improvement_low";
        case VariationIcon::concern_high: return "concern_high";
        case VariationIcon::concern_low: return "concern_low";
        case VariationIcon::neutral_high: return "neutral_high";
        case VariationIcon::neutral_low: return "neutral_low";
    }
    return "?";
}

constexpr std::string_view to_string(AssuranceIcon v) noexcept {
    switch (v) {
        case AssuranceIcon::none: return "";
        case AssuranceIcon::consistent_pass: return "consistent_pass";
        case AssuranceIcon::consistent_fail: return "consistent_fail";
        case AssuranceIcon::hit_and_miss: return "hit_and_miss";
    }
    return "?";
}

inline Improvement parse_improvement(std::string_view s) {
    if (s == "increase") return Improvement::increase;
    if (s == "decrease") return Improvement::decrease;
    if (s == "neutral") return Improvement::neutral;
    fail_argument("improvement", "must be 'increase', 'decrease' or 'neutral', got '" + std::string(s) + "'");
}

/// Variation icon for the last point of a series (NHS Making Data Count): improvement is "high"
/// when the improvement direction is increase, concern is "high" when it is decrease.
constexpr VariationIcon variation_icon(PointType last, Improvement direction) noexcept {
    switch (last) {
        case PointType::common_cause: return VariationIcon::common_cause;
        case PointType::special_cause_improvement:
            return direction == Improvement::decrease ? VariationIcon::improvement_low : VariationIcon::improvement_high;
        case PointType::special_cause_concern:
            return direction == Improvement::decrease ? VariationIcon::concern_high : VariationIcon::concern_low;
        case PointType::special_cause_neutral_high: return VariationIcon::neutral_high;
        case PointType::special_cause_neutral_low: return VariationIcon::neutral_low;
    }
    return VariationIcon::common_cause;
}

/// Assurance icon (NHS Making Data Count): the target against the process limits of the last
/// phase. target > upper: increase → consistent_fail, decrease → consistent_pass; target < lower:
/// the reverse; otherwise hit_and_miss. Comparisons are strict, as in NHSRplotthedots. Returns
/// none for a NaN target, a neutral direction, or NaN limits (too little data for limits).
constexpr AssuranceIcon assurance_icon(double target, double lower, double upper, Improvement direction) noexcept {
    if (direction == Improvement::neutral || target != target || lower != lower || upper != upper)
        return AssuranceIcon::none;
    const bool inc = direction == Improvement::increase;
    if (target > upper) return inc ? AssuranceIcon::consistent_fail : AssuranceIcon::consistent_pass;
    if (target < lower) return inc ? AssuranceIcon::consistent_pass : AssuranceIcon::consistent_fail;
    return AssuranceIcon::hit_and_miss;
}

}  // namespace qm
