#pragma once
// qm/assurance/board.hpp — the board summary of many indicators: the Making Data Count
// variation × assurance matrix and the indicators needing attention, most severe first.
//
// Synopsis
//   enum class qm::assurance::BoardColumn { improvement, common_cause, concern, neutral }
//   enum class qm::assurance::BoardRow    { consistent_pass, hit_and_miss, consistent_fail, no_target }
//   BoardColumn board_column(VariationIcon)         improvement_high/low → improvement, …
//   BoardRow    board_row(AssuranceIcon)            none → no_target
//   int         board_severity(BoardColumn, BoardRow)   1 (most severe) … 7; 0: no attention needed
//   std::string_view board_action(BoardColumn, BoardRow)  what the cell asks of a board
//   struct BoardInput   { variation, assurance (one per indicator), target_index (optional) }
//   struct BoardSummary { per indicator: column, row, severity; counts[row][column];
//                         attention: indicator indices, most severe first }
//   BoardSummary board_summary(const BoardInput&)
//
// The matrix (NHS England's Making Data Count "summary matrix" as IQPRs draw it; there is no
// published NHSE specification, see reference/mdc-visuals.md §3.4): columns are the variation
// of the latest point — special cause improvement (high or low), common cause, special cause
// concern (high or low), special cause neutral; rows are the assurance of the target —
// consistently passing, hit and miss, consistently failing, no target (or no direction).
//
// Attention and its order (our decision, documented in README "Board summary"): an indicator
// needs attention when its latest point is a special-cause concern, when it consistently fails
// its target, or when it is common cause and only hits its target by chance. Severity tiers:
//   1  concern × consistent fail     getting worse and cannot meet the target: act now
//   2  concern × hit and miss        getting worse, the target now met only by chance
//   3  common cause × consistent fail  stable but cannot meet the target: the system must change
//   4  concern × no target           getting worse (no target to judge against)
//   5  concern × consistent pass     getting worse while still passing: investigate the cause
//   6  improvement × consistent fail improving but not yet able to meet the target
//   7  common cause × hit and miss   stable, meets the target only by chance
//   0  otherwise (improvement with pass / hit and miss / no target, common cause with pass or no
//      target, neutral special causes): no escalation
// Within a tier, indicators whose targets are further on the failing side come first (smaller
// target_index: the target's distance from the centre in units of the limit distance, see
// qm/assurance/capability.hpp; NaN last), then input order (stable).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/core/types.hpp>

namespace qm::assurance {

enum class BoardColumn : std::int8_t { improvement = 0, common_cause = 1, concern = 2, neutral = 3 };
enum class BoardRow : std::int8_t { consistent_pass = 0, hit_and_miss = 1, consistent_fail = 2, no_target = 3 };

inline constexpr std::size_t board_columns = 4, board_rows = 4;

constexpr BoardColumn board_column(VariationIcon v) noexcept {
    switch (v) {
        case VariationIcon::improvement_high:
        case VariationIcon::improvement_low: return BoardColumn::improvement;
        case VariationIcon::concern_high:
        case VariationIcon::concern_low: return BoardColumn::concern;
        case VariationIcon::neutral_high:
        case VariationIcon::neutral_low: return BoardColumn::neutral;
        case VariationIcon::common_cause: break;
    }
    return BoardColumn::common_cause;
}

constexpr BoardRow board_row(AssuranceIcon a) noexcept {
    switch (a) {
        case AssuranceIcon::consistent_pass: return BoardRow::consistent_pass;
        case AssuranceIcon::hit_and_miss: return BoardRow::hit_and_miss;
        case AssuranceIcon::consistent_fail: return BoardRow::consistent_fail;
        case AssuranceIcon::none: break;
    }
    return BoardRow::no_target;
}

/// 1 (most severe) … 7; 0: the cell needs no escalation. See the header comment.
constexpr int board_severity(BoardColumn c, BoardRow r) noexcept {
    using C = BoardColumn;
    using R = BoardRow;
    if (c == C::concern) {
        switch (r) {
            case R::consistent_fail: return 1;
            case R::hit_and_miss: return 2;
            case R::no_target: return 4;
            case R::consistent_pass: return 5;
        }
    }
    if (c == C::common_cause && r == R::consistent_fail) return 3;
    if (c == C::improvement && r == R::consistent_fail) return 6;
    if (c == C::common_cause && r == R::hit_and_miss) return 7;
    return 0;
}

constexpr std::string_view board_action(BoardColumn c, BoardRow r) noexcept {
    using C = BoardColumn;
    using R = BoardRow;
    switch (board_severity(c, r)) {
        case 1: return "act now: deteriorating and will not meet the target";
        case 2: return "investigate: deteriorating; meets the target only by chance";
        case 3: return "change the system: stable but will not meet the target";
        case 4: return "investigate: deteriorating (no target)";
        case 5: return "investigate: deteriorating while still meeting the target";
        case 6: return "keep going: improving but not yet able to meet the target";
        case 7: return "change the system: stable; meets the target only by chance";
        default: break;
    }
    if (c == C::neutral) return "note: special cause with no improvement direction";
    if (r == R::consistent_pass) return c == C::improvement ? "celebrate: improving and meeting the target"
                                                            : "assured: reduce scrutiny";
    if (r == R::hit_and_miss) return "keep going: improving; meets the target only by chance";
    return c == C::improvement ? "celebrate: improving (no target)" : "monitor: stable (no target)";
}

constexpr std::string_view to_string(BoardColumn c) noexcept {
    switch (c) {
        case BoardColumn::improvement: return "improvement";
        case BoardColumn::common_cause: return "common_cause";
        case BoardColumn::concern: return "concern";
        case BoardColumn::neutral: return "neutral";
    }
    return "?";
}
constexpr std::string_view to_string(BoardRow r) noexcept {
    switch (r) {
        case BoardRow::consistent_pass: return "consistent_pass";
        case BoardRow::hit_and_miss: return "hit_and_miss";
        case BoardRow::consistent_fail: return "consistent_fail";
        case BoardRow::no_target: return "no_target";
    }
    return "?";
}

struct BoardInput {
    std::span<const VariationIcon> variation;  ///< one per indicator
    std::span<const AssuranceIcon> assurance;  ///< one per indicator
    std::span<const double> target_index = {};  ///< optional: orders indicators within a tier
};

struct BoardSummary {
    std::vector<BoardColumn> column;
    std::vector<BoardRow> row;
    std::vector<std::int8_t> severity;                                  ///< 0: no attention needed
    std::array<std::array<std::size_t, board_columns>, board_rows> counts{};  ///< counts[row][column]
    std::vector<std::size_t> attention;                                 ///< most severe first
    std::size_t size() const noexcept { return column.size(); }
};

inline BoardSummary board_summary(const BoardInput& in) {
    const std::size_t n = in.variation.size();
    if (in.assurance.size() != n)
        fail_argument("assurance", "needs one icon per indicator (" + std::to_string(n) + "), got " + std::to_string(in.assurance.size()));
    if (!in.target_index.empty() && in.target_index.size() != n)
        fail_argument("target_index", "needs one entry per indicator (" + std::to_string(n) + ") or none, got " +
                                          std::to_string(in.target_index.size()));
    for (std::size_t i = 0; i < n; ++i) {
        const auto v = static_cast<int>(in.variation[i]), a = static_cast<int>(in.assurance[i]);
        if (v < 0 || v > 6) fail_argument("variation", i, "is not a variation icon (code " + std::to_string(v) + ")");
        if (a < 0 || a > 3) fail_argument("assurance", i, "is not an assurance icon (code " + std::to_string(a) + ")");
    }
    BoardSummary s;
    s.column.resize(n);
    s.row.resize(n);
    s.severity.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        s.column[i] = board_column(in.variation[i]);
        s.row[i] = board_row(in.assurance[i]);
        s.severity[i] = static_cast<std::int8_t>(board_severity(s.column[i], s.row[i]));
        ++s.counts[static_cast<std::size_t>(s.row[i])][static_cast<std::size_t>(s.column[i])];
        if (s.severity[i] > 0) s.attention.push_back(i);
    }
    auto index_of = [&](std::size_t i) {
        const double t = in.target_index.empty() ? std::numeric_limits<double>::quiet_NaN() : in.target_index[i];
        return t;
    };
    std::stable_sort(s.attention.begin(), s.attention.end(), [&](std::size_t a, std::size_t b) {
        if (s.severity[a] != s.severity[b]) return s.severity[a] < s.severity[b];
        const double ta = index_of(a), tb = index_of(b);
        const bool na = ta != ta, nb = tb != tb;
        if (na != nb) return nb;  // finite before NaN
        if (!na && ta != tb) return ta < tb;
        return false;
    });
    return s;
}

}  // namespace qm::assurance
