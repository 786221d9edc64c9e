#pragma once
// qm/spc/options.hpp — the options of an XmR (individuals) chart and the named presets.
//
// Synopsis
//   namespace qm::spc::rules { outside_limits = 1, shift = 2, trend = 4, two_of_three = 8, mdc = 15, ... }
//                                                          (qm/spc/rules.hpp: every rule bit)
//   struct qm::spc::XmrOptions { ...see the members, every default is the MDC convention... };
//   RuleOptions XmrOptions::rule_options() const          the rule engine's options for these
//   XmrOptions qm::spc::preset(std::string_view name)     "mdc", "shewhart"; throws on others
//   std::span<const std::string_view> qm::spc::preset_names()
//
// Every convention that established tools do differently is an option here; a preset is only
// a named bundle of option values (data, not a code path).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <qm/core/error.hpp>
#include <qm/spc/rules.hpp>

namespace qm::spc {

struct XmrOptions {
    /// Limits are centre ± limit_multiplier · mean moving range. MDC: 2.66; textbook 3/d2 = 3/1.128.
    double limit_multiplier = 2.66;
    /// Screen moving ranges: drop MR >= screen_multiplier · mean MR, then recompute the mean once.
    bool screen_moving_ranges = true;
    double screen_multiplier = 3.267;
    /// Points in a row on one side of the centre line for a shift (a point on the line breaks it).
    std::size_t shift_length = 7;
    /// Points in a row each strictly above (below) the previous for a trend (a tie breaks it).
    std::size_t trend_length = 7;
    /// Which rules are evaluated (bits of qm::spc::rules; the XmR chart offers the four MDC rules,
    /// evaluated with the MDC semantics of qm::spc::rule_sets::mdc).
    RuleFlags rules = rules::mdc;
    /// Fix the limits of each phase from its first `fix_after` rows (0: use every row).
    std::size_t fix_after = 0;
    /// Smallest fix_after accepted (NHSRplotthedots: 12).
    std::size_t fix_after_minimum = 12;
    /// Phases with fewer rows than this are flagged short (limits not yet reliable; NHSR: 13).
    std::size_t short_phase_threshold = 13;

    /// Throws qm::invalid_argument naming the offending option.
    void validate() const {
        if (!(limit_multiplier > 0.0) || limit_multiplier > 1e6)
            fail_argument("limit_multiplier", "must be a positive number, got " + std::to_string(limit_multiplier));
        if (screen_moving_ranges && !(screen_multiplier > 0.0))
            fail_argument("screen_multiplier", "must be positive, got " + std::to_string(screen_multiplier));
        if (shift_length < 2 || shift_length > 1000)
            fail_argument("shift_length", "must be between 2 and 1000, got " + std::to_string(shift_length));
        if (trend_length < 3 || trend_length > 1000)
            fail_argument("trend_length", "must be between 3 and 1000, got " + std::to_string(trend_length));
        if (rules > rules::mdc) fail_argument("rules", "unknown rule bits " + std::to_string(rules));
        if (fix_after != 0 && fix_after < fix_after_minimum)
            fail_argument("fix_after", "must be at least " + std::to_string(fix_after_minimum) + " points, got " +
                                           std::to_string(fix_after));
    }

    /// The rule engine's options: these rules and lengths, the other settings as rule_sets::mdc.
    RuleOptions rule_options() const noexcept {
        RuleOptions r = rule_sets::mdc;
        r.rules = rules;
        r.shift_length = shift_length;
        r.trend_length = trend_length;
        return r;
    }
};

inline constexpr std::array<std::string_view, 2> preset_name_list{"mdc", "shewhart"};

inline std::span<const std::string_view> preset_names() noexcept { return preset_name_list; }

/// Named bundles of options.
///  - "mdc": NHS England Making Data Count as NHSRplotthedots 0.2.2 computes it (the defaults).
///  - "shewhart": textbook individuals chart, limits centre ± 3/1.128 · mR̄, no screening,
///    only the outside-limits rule.
inline XmrOptions preset(std::string_view name) {
    if (name == "mdc") return XmrOptions{};
    if (name == "shewhart")
        return XmrOptions{.limit_multiplier = 3.0 / 1.128, .screen_moving_ranges = false, .rules = rules::outside_limits};
    std::string known;
    for (auto n : preset_name_list) known.append(known.empty() ? "" : ", ").append(n);
    fail_argument("preset", "unknown preset '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace qm::spc
