#pragma once
// qm/spc/detail/xmr_kernel.hpp — the XmR chart's view of the rule engine (qm/spc/rules.hpp,
// detail/rules_kernel.hpp; limits: xmr_limits.hpp).
//
// The XmR chart has no rule code of its own: these adapters turn a phase's PhaseLimits and the
// XmrOptions into the engine's Lines and RuleOptions (MDC semantics) and call the engine's
// reference kernel (one point at a time, the definition) or bitwise kernel (64 points at a
// time, what runs).

#include <cstddef>
#include <limits>

#include <qm/core/types.hpp>
#include <qm/spc/options.hpp>
#include <qm/spc/rules.hpp>
#include <qm/spc/detail/xmr_limits.hpp>

namespace qm::spc::detail {

/// The lines of an XmR phase, in the engine's vocabulary.
constexpr Lines lines_of(const PhaseLimits& L) noexcept {
    return {L.centre, L.lower, L.upper, L.lower1, L.upper1, L.lower2, L.upper2};
}

inline bool bitwise_supported(const XmrOptions& o) noexcept { return bitwise_supported(o.rule_options()); }

/// Reference kernel: flags only.
inline void xmr_rules_reference(const double* y, std::size_t n, const PhaseLimits& L, const XmrOptions& o,
                                RuleFlags* flags) noexcept {
    rules_reference(y, n, ConstantLines{lines_of(L)}, o.rule_options(), flags);
}

/// Reference point types from the flags (see qm/spc/rules.hpp for precedence and orientation).
inline void xmr_point_types_reference(const double* y, std::size_t n, double centre, Improvement dir,
                                      const RuleFlags* flags, PointType* pt) noexcept {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    point_types_reference(y, n, ConstantLines{Lines{centre, nan, nan, nan, nan, nan, nan}}, dir, flags, pt);
}

/// Bitwise kernel: flags and point types.
inline void xmr_rules_bitwise(const double* y, std::size_t n, const PhaseLimits& L, const XmrOptions& o,
                              Improvement dir, RuleFlags* flags, PointType* pt) noexcept {
    rules_bitwise(y, n, ConstantLines{lines_of(L)}, o.rule_options(), dir, flags, pt);
}

}  // namespace qm::spc::detail
