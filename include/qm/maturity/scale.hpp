#pragma once
// qm/maturity/scale.hpp — rating scales: ordinal levels (1–5, 1–4), cumulative levels
// (Present ⊂ Suitable ⊂ Operating ⊂ Effective) and banded values (percentages with bands).
//
// Synopsis
//   enum class qm::maturity::ScaleKind { ordinal, cumulative, banded }
//   struct qm::maturity::ScaleLevel { value, code, label, descriptor, lower, strict }
//   struct qm::maturity::Scale {
//       id, name, kind, levels, min, max, step, round, not_rated_codes, not_applicable_codes
//       std::size_t level_of(double v) const        level index of a rating or score (npos: none)
//       bool        is_rating(double v) const        a value a rater may give
//       double      banded_value(double v) const     v rounded as the bands read it
//       std::optional<std::size_t> find_level(std::string_view ref) const   code, label or value
//       std::string describe() const                 "maturity5 (ordinal: 1, 2, 3, 4, 5)"
//   }
//   enum class qm::maturity::Cmp { ge, gt, le, lt, eq, ne }
//   struct qm::maturity::LevelTest { Cmp cmp; std::size_t level; bool test(std::size_t) const; }
//
// Conventions
//   * Higher is better on every scale: levels are listed from the lowest to the highest.
//   * Ordinal and cumulative scales: a rating is one of the level values (with `between`, also
//     the midpoint of two adjacent levels: a MaPSaF rater who ticks both). A score between two
//     levels (a mean or median of raters) belongs to the level at or below it.
//   * Banded scales: a rating is any number in [min, max] (on the grid min + k·step when step
//     > 0). Each level is a band with a lower bound, inclusive (`min`) or exclusive (`above`);
//     a value belongs to the highest band whose bound it reaches. With `round` = d >= 0 the
//     value is first rounded half away from zero to d decimals (CQC rounds 68.75% to 69%).
//   * Level references in frameworks and conditions name a level by its code, its label or
//     its value (the band's value on a banded scale, not a percentage).

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace qm::maturity {

inline constexpr std::size_t no_level = static_cast<std::size_t>(-1);

enum class ScaleKind : std::uint8_t { ordinal = 0, cumulative = 1, banded = 2 };

constexpr std::string_view to_string(ScaleKind k) noexcept {
    switch (k) {
        case ScaleKind::ordinal: return "ordinal";
        case ScaleKind::cumulative: return "cumulative";
        case ScaleKind::banded: return "banded";
    }
    return "?";
}

struct ScaleLevel {
    double value = 0.0;       ///< the level's value (ordinal rating, or the band's rank value)
    std::string code;         ///< short code, e.g. "LI", "O", "3"; may be empty
    std::string label;        ///< e.g. "Largely implemented", "requires_improvement"
    std::string descriptor;   ///< what the level means, in words
    double lower = -std::numeric_limits<double>::infinity();  ///< banded: the band's lower bound
    bool strict = false;      ///< banded: the bound is exclusive (value > lower)
};

struct Scale {
    std::string id;
    std::string name;
    ScaleKind kind = ScaleKind::ordinal;
    std::vector<ScaleLevel> levels;  ///< lowest first
    double min = 0.0;                ///< lowest rating (ordinal: first level's value)
    double max = 0.0;                ///< highest rating
    double step = 0.0;               ///< banded: ratings on min + k·step (0: any value in range)
    int round = -1;                  ///< banded: decimals the value is rounded to before banding (-1: none)
    std::vector<std::string> not_rated_codes;       ///< codes read as Not Rated (e.g. CMMI "NY")
    std::vector<std::string> not_applicable_codes;  ///< codes read as Not Applicable
    bool between = false;            ///< ordinal: a rater may tick two adjacent levels (MaPSaF), read
                                     ///< as their midpoint ("B/C" = 2.5 when B = 2, C = 3)

    bool banded() const noexcept { return kind == ScaleKind::banded; }
    std::size_t size() const noexcept { return levels.size(); }

    /// `v` as the bands read it: rounded half away from zero to `round` decimals (banded scales).
    double banded_value(double v) const noexcept {
        if (kind != ScaleKind::banded || round < 0 || !std::isfinite(v)) return v;
        const double f = std::pow(10.0, round);
        return std::round(v * f) / f;
    }

    /// The level of a rating or score: ordinal/cumulative — the highest level whose value is <= v;
    /// banded — the highest band whose lower bound v reaches. no_level if v is below every level or NaN.
    std::size_t level_of(double v) const noexcept {
        if (std::isnan(v)) return no_level;
        std::size_t found = no_level;
        if (kind == ScaleKind::banded) {
            const double x = banded_value(v);
            for (std::size_t i = 0; i < levels.size(); ++i) {
                const auto& l = levels[i];
                if (l.strict ? x > l.lower : x >= l.lower) found = i;
            }
        } else {
            for (std::size_t i = 0; i < levels.size(); ++i)
                if (levels[i].value <= v) found = i;
        }
        return found;
    }

    /// The level of a computed score (a mean, a percentage): as level_of, but a score within a
    /// relative 1e-9 of a threshold counts as reaching it (a mean of ratings that are all 3 may
    /// come out as 2.9999999999999996). An exclusive bound must be passed by more than that.
    std::size_t level_of_score(double v) const noexcept {
        if (std::isnan(v)) return no_level;
        const double tol = 1e-9 * std::max(1.0, std::abs(v));
        std::size_t found = no_level;
        if (kind == ScaleKind::banded) {
            if (round >= 0) {
                const double x = banded_value(v + tol);
                for (std::size_t i = 0; i < levels.size(); ++i)
                    if (levels[i].strict ? x > levels[i].lower : x >= levels[i].lower) found = i;
            } else {
                for (std::size_t i = 0; i < levels.size(); ++i)
                    if (levels[i].strict ? v > levels[i].lower + tol : v >= levels[i].lower - tol) found = i;
            }
        } else {
            for (std::size_t i = 0; i < levels.size(); ++i)
                if (levels[i].value <= v + tol) found = i;
        }
        return found;
    }

    /// Whether a single rater may give `v` on this scale.
    bool is_rating(double v) const noexcept {
        if (!std::isfinite(v)) return false;
        if (kind != ScaleKind::banded) {
            for (std::size_t i = 0; i < levels.size(); ++i) {
                if (levels[i].value == v) return true;
                if (between && i + 1 < levels.size() && 0.5 * (levels[i].value + levels[i + 1].value) == v) return true;
            }
            return false;
        }
        if (v < min || v > max) return false;
        if (step > 0.0) {
            const double k = (v - min) / step;
            return std::abs(k - std::round(k)) <= 1e-9 * std::max(1.0, std::abs(k));
        }
        return true;
    }

    /// A level named by its code, its label or its value (exact text match, then a number).
    std::optional<std::size_t> find_level(std::string_view ref) const {
        for (std::size_t i = 0; i < levels.size(); ++i)
            if ((!levels[i].code.empty() && levels[i].code == ref) || levels[i].label == ref) return i;
        double v = 0.0;
        if (parse_number(ref, v))
            for (std::size_t i = 0; i < levels.size(); ++i)
                if (levels[i].value == v) return i;
        return std::nullopt;
    }

    /// The text a level is shown as: its code if it has one, else its label.
    const std::string& level_name(std::size_t i) const { return levels[i].code.empty() ? levels[i].label : levels[i].code; }

    /// "maturity5 (ordinal: 1 Initial, 2 Managed, …)": for error messages.
    std::string describe() const {
        std::string s = "'" + id + "' (" + std::string(to_string(kind));
        if (kind == ScaleKind::banded) s += " " + format_number(min) + "–" + format_number(max);
        s += ": ";
        for (std::size_t i = 0; i < levels.size(); ++i) {
            if (i) s += ", ";
            if (kind == ScaleKind::banded) {
                s += levels[i].label + (levels[i].strict ? " >" : " >=") + format_number(levels[i].lower);
            } else {
                s += format_number(levels[i].value);
                if (!levels[i].code.empty() && levels[i].code != format_number(levels[i].value)) s += " " + levels[i].code;
                else if (!levels[i].label.empty()) s += " " + levels[i].label;
            }
        }
        return s + ")";
    }

    static std::string format_number(double v) {
        if (std::isnan(v)) return "NaN";
        if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
        std::string s = std::to_string(v);
        while (!s.empty() && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
        return s;
    }

    /// Strict decimal number (optional sign, digits, optional fraction and exponent), whole text.
    static bool parse_number(std::string_view t, double& out) {
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r')) t.remove_suffix(1);
        if (t.empty() || t.size() > 64) return false;
        std::size_t i = 0;
        if (t[i] == '+' || t[i] == '-') ++i;
        std::size_t digits = 0;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++digits;
        if (i < t.size() && t[i] == '.') {
            ++i;
            while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++digits;
        }
        if (digits == 0) return false;
        if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
            ++i;
            if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
            std::size_t ed = 0;
            while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++ed;
            if (ed == 0) return false;
        }
        if (i != t.size()) return false;
        // std::from_chars: locale-independent, whole text (a leading '+' is not accepted by it).
        if (t.front() == '+') t.remove_prefix(1);
        const auto r = std::from_chars(t.data(), t.data() + t.size(), out);
        return r.ec == std::errc() && r.ptr == t.data() + t.size() && std::isfinite(out);
    }
};

/// Comparison of a level with a reference level (by level index: higher is better).
enum class Cmp : std::uint8_t { ge, gt, le, lt, eq, ne };

struct LevelTest {
    Cmp cmp = Cmp::ge;
    std::size_t level = 0;
    bool test(std::size_t x) const noexcept {
        if (x == no_level) return false;
        switch (cmp) {
            case Cmp::ge: return x >= level;
            case Cmp::gt: return x > level;
            case Cmp::le: return x <= level;
            case Cmp::lt: return x < level;
            case Cmp::eq: return x == level;
            case Cmp::ne: return x != level;
        }
        return false;
    }
    /// The lowest level above x that no longer passes a "low-side" test (le, lt, eq), or no_level.
    std::size_t first_level_failing_above(std::size_t x, std::size_t n_levels) const noexcept {
        for (std::size_t l = (x == no_level ? 0 : x + 1); l < n_levels; ++l)
            if (!test(l)) return l;
        return no_level;
    }
};

}  // namespace qm::maturity
