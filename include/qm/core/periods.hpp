#pragma once
// qm/core/periods.hpp — calendars: reporting periods (day, ISO week, month, quarter, NHS financial
// year and financial quarter), aggregation of event-level records into per-period values with
// every period present, and g-chart / t-chart inputs (cases and days between events).
// Calendar arithmetic is Howard Hinnant's date library (date/date.h, date/iso_week.h).
// Dates are days since 1970-01-01 (date::sys_days::time_since_epoch().count()), int64 at every
// boundary; the supported days are 0001-01-01 to 9999-12-31 (qm::min_day .. qm::max_day).
//
// Synopsis
//   enum class qm::Period { day, iso_week, month, quarter, financial_year, financial_quarter }
//   std::string_view qm::to_string(Period)                  "day", "iso_week", "month", "quarter",
//                                                           "financial_year", "financial_quarter"
//   Period qm::parse_period(name, argument = "period")      also "week", "fy", "fq"; throws
//
//   date::sys_days qm::period_start(date::sys_days d, Period)       first day of d's period
//   date::sys_days qm::next_period_start(date::sys_days d, Period)  first day of the period after d's
//   std::string    qm::period_label(date::sys_days d, Period)       label of d's period:
//       "2024-03-04" day, "2024-W05" ISO week, "2024-03" month, "2024 Q1" quarter,
//       "2023/24" financial year (1 April - 31 March), "2023/24 Q1" financial quarter (Q1 = Apr-Jun)
//   the same three on std::int64_t days, plus
//   std::vector<std::int64_t> qm::period_starts(first_day, last_day, Period)
//       starts of every period that overlaps [first_day, last_day] (both inclusive)
//   std::int64_t qm::period_index(day, Period)       consecutive integers, one per period
//   std::int64_t qm::period_index_start(index, Period)
//   void qm::period_start(std::span<const int64_t> days, Period, std::span<int64_t> out, argument)
//   std::vector<std::string> qm::period_labels(std::span<const int64_t> days, Period, argument)
//
//   enum class qm::Aggregate { count, sum, mean, ratio }; Aggregate qm::parse_aggregate(name, argument = "how")
//   enum class qm::PeriodSpan { all, group }
//   struct qm::AggregateInput   { days; groups; numerator; denominator; }      spans, see below
//   struct qm::AggregateOptions { period; how; start; end; span; n_groups; }
//   struct qm::PeriodTable      columns: group, start, n_records, n_values, numerator, denominator,
//                               value, has_data; offsets per group; n_excluded
//   PeriodTable qm::aggregate_periods(const AggregateInput&, const AggregateOptions& = {})
//
//   struct qm::OutOfOrder { row; previous_row; }   npos when the events are in order
//   OutOfOrder qm::find_out_of_order(times, groups)
//   struct qm::EventOptions { units_per_day; sort; n_groups; include_first; }
//   struct qm::EventIntervals   columns: group, row, previous_row, event, value; open (per group)
//   EventIntervals qm::days_between(times, groups, const EventOptions& = {})            t chart
//   EventIntervals qm::cases_between(indicator, groups, times, const EventOptions& = {}) g chart
//   EventIntervals qm::cases_between_days(event_days, event_groups, case_days, case_counts,
//                                         case_groups, const EventOptions& = {})         g chart
//
// Errors are qm::invalid_argument naming the argument and the index (qm/core/error.hpp).
// Every function is pure and may be called from many threads at once.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>
#include <date/iso_week.h>

#include <qm/core/error.hpp>
#include <qm/core/groups.hpp>
#include <qm/stats/sum.hpp>

namespace qm {

// ================================================================================================
// API: periods
// ================================================================================================

enum class Period : std::uint8_t { day, iso_week, month, quarter, financial_year, financial_quarter };

inline constexpr std::array<std::string_view, 6> period_names{"day",     "iso_week",       "month",
                                                              "quarter", "financial_year", "financial_quarter"};

constexpr std::string_view to_string(Period p) noexcept { return period_names[static_cast<std::size_t>(p)]; }

/// "day", "week" or "iso_week", "month", "quarter", "financial_year" or "fy", "financial_quarter"
/// or "fq". Anything else is a qm::invalid_argument naming `argument`.
Period parse_period(std::string_view name, std::string_view argument = "period");

/// The supported days: 0001-01-01 .. 9999-12-31 (labels have four-digit years). Inputs outside
/// them are an error; a result may lie just outside (the financial year of 0001-01-01 starts on
/// 0000-04-01, the period after 9999-12-31 on 10000-01-01).
inline constexpr std::int64_t min_day = date::sys_days{date::year{1} / 1 / 1}.time_since_epoch().count();
inline constexpr std::int64_t max_day = date::sys_days{date::year{9999} / 12 / 31}.time_since_epoch().count();

date::sys_days period_start(date::sys_days d, Period p);
date::sys_days next_period_start(date::sys_days d, Period p);
std::string period_label(date::sys_days d, Period p);

std::int64_t period_start(std::int64_t day, Period p);
std::int64_t next_period_start(std::int64_t day, Period p);
std::string period_label(std::int64_t day, Period p);
std::vector<std::int64_t> period_starts(std::int64_t first_day, std::int64_t last_day, Period p);

/// Consecutive integers, one per period (e.g. months since year 0), so that the periods between
/// two days are index(b) - index(a) + 1 and period_index_start(index(d)) == period_start(d).
std::int64_t period_index(std::int64_t day, Period p);
std::int64_t period_index_start(std::int64_t index, Period p);

/// Vectorised period_start: out[i] = period_start(days[i]); errors name `argument` and i.
void period_start(std::span<const std::int64_t> days, Period p, std::span<std::int64_t> out,
                  std::string_view argument = "date");
/// Vectorised period_label; errors name `argument` and i.
std::vector<std::string> period_labels(std::span<const std::int64_t> days, Period p, std::string_view argument = "date");

// ================================================================================================
// API: aggregation of event-level records into per-period values
// ================================================================================================

/// count: records per period. sum / mean: of the values (`numerator`), skipping missing (NaN)
/// values. ratio: Σ numerator / Σ denominator over the records that have both.
enum class Aggregate : std::uint8_t { count, sum, mean, ratio };
inline constexpr std::array<std::string_view, 4> aggregate_names{"count", "sum", "mean", "ratio"};
constexpr std::string_view to_string(Aggregate a) noexcept { return aggregate_names[static_cast<std::size_t>(a)]; }
Aggregate parse_aggregate(std::string_view name, std::string_view argument = "how");

/// Which periods each group gets: `all` — the same periods for every group, from the first to the
/// last record of all groups (or start .. end); `group` — each group from its own first to its own
/// last record (start / end, where given, replace them).
enum class PeriodSpan : std::uint8_t { all, group };

struct AggregateInput {
    std::span<const std::int64_t> days;         ///< day of each record (days since 1970-01-01)
    std::span<const std::int64_t> groups{};     ///< group code of each record, 0..G-1; empty: one group
    std::span<const double> numerator{};        ///< the value (sum, mean) or numerator (ratio); NaN = missing
    std::span<const double> denominator{};      ///< ratio only; NaN = missing, must not be negative
};

struct AggregateOptions {
    Period period = Period::month;
    Aggregate how = Aggregate::count;
    std::optional<std::int64_t> start{};  ///< first period: the one containing this day (default: first record's)
    std::optional<std::int64_t> end{};    ///< last period: the one containing this day (default: last record's)
    PeriodSpan span = PeriodSpan::all;
    std::size_t n_groups = 0;             ///< number of groups G; 0: 1 + the largest code
};

/// One row per (group, period), groups in code order, periods ascending, every period present.
/// Records in periods outside start .. end are left out and counted in n_excluded.
/// Cost: two linear passes over the records (period index and range; accumulation into one flat
/// array per column, addressed by group offset + period), no sort and no per-group allocation.
struct PeriodTable {
    Period period = Period::month;
    Aggregate how = Aggregate::count;
    std::vector<std::size_t> offsets;      ///< G+1: rows [offsets[g], offsets[g+1]) belong to group g
    std::vector<std::int64_t> group;       ///< group code of each row
    std::vector<std::int64_t> start;       ///< first day of the period
    std::vector<std::int64_t> n_records;   ///< records in the period
    std::vector<std::int64_t> n_values;    ///< records used for the value: non-missing value (sum, mean),
                                           ///< both numerator and denominator present (ratio), all (count)
    std::vector<double> numerator;         ///< Σ values (sum, mean) or Σ numerators (ratio); empty for count
    std::vector<double> denominator;       ///< Σ denominators (ratio); empty otherwise
    /// count: n_records. sum: Σ values; 0 for a period without records, NaN when it has records but
    /// every value is missing. mean: NaN without values. ratio: NaN without values or when Σ den = 0.
    std::vector<double> value;
    std::vector<std::uint8_t> has_data;    ///< 1 if the period has at least one record
    std::size_t n_excluded = 0;            ///< records outside start .. end

    std::size_t size() const noexcept { return start.size(); }
};

PeriodTable aggregate_periods(const AggregateInput& in, const AggregateOptions& options = {});

// ================================================================================================
// API: g-chart and t-chart inputs from events
// ================================================================================================

struct OutOfOrder {
    std::size_t row = npos;           ///< first row (in row order) earlier than the event before it in its group
    std::size_t previous_row = npos;  ///< the row of that earlier-listed, later event
    bool in_order() const noexcept { return row == npos; }
};

/// Checks that within each group (codes 0..G-1; empty: one group) the times never decrease in row
/// order. Equal times are in order.
OutOfOrder find_out_of_order(std::span<const std::int64_t> times, std::span<const std::int64_t> groups);

struct EventOptions {
    std::int64_t units_per_day = 1;  ///< time units per day: 1 for days, 86'400'000'000'000 for nanoseconds
    bool sort = false;               ///< order each group's events by time (stably) instead of failing
    std::size_t n_groups = 0;        ///< number of groups G; 0: 1 + the largest code
    bool include_first = true;       ///< g chart: the first event's count runs from the group's first case
};

/// One row per interval, ordered by group code then time. t chart: the interval between an event
/// and the one before it (from each group's second event on); g chart: the number of cases
/// (opportunities) that were not events between an event and the one before it.
struct EventIntervals {
    std::vector<std::int64_t> group;         ///< group code
    std::vector<std::size_t> row;            ///< input row of the event that ends the interval
    std::vector<std::size_t> previous_row;   ///< input row of the event before it (npos: none)
    std::vector<std::int64_t> event;         ///< 1-based number of the event within its group
    std::vector<double> value;               ///< days (t) or cases (g)
    std::vector<std::int64_t> open;          ///< g chart, per group code: cases after the last event
                                             ///< (an interval still open); empty for days_between

    std::size_t size() const noexcept { return value.size(); }
};

/// t chart: days (fractional when units_per_day > 1) between consecutive events of each group.
/// Events out of time order within a group are an error naming `date` and the row, unless
/// options.sort. Events at the same time give 0.
EventIntervals days_between(std::span<const std::int64_t> times, std::span<const std::int64_t> groups = {},
                            const EventOptions& options = {});

/// g chart from an ordered per-case indicator (1 = the case had the event, 0 = not): for each event,
/// the number of cases since the event before it (or, with include_first, since the group's first
/// case) that had no event. Cases are in row order within their group; `times` (optional, one per
/// case) are checked to be in order unless options.sort, which orders each group's cases by time.
EventIntervals cases_between(std::span<const double> indicator, std::span<const std::int64_t> groups = {},
                             std::span<const std::int64_t> times = {}, const EventOptions& options = {});

/// g chart from event days and daily case counts. Cases are counted per day and the order of cases
/// within a day is unknown, so the events of a day are taken as its last cases: with C(d) the
/// group's cumulative cases up to and including day d, the i-th (1-based) of the j events of day d
/// is case number C(d) - (j - i), and its value is that number minus the previous event's number,
/// minus 1. The first event counts from the group's first case-table day (include_first).
/// A day missing from the case table has no cases; a day with fewer cases than events is an error.
EventIntervals cases_between_days(std::span<const std::int64_t> event_days, std::span<const std::int64_t> event_groups,
                                  std::span<const std::int64_t> case_days, std::span<const double> case_counts,
                                  std::span<const std::int64_t> case_groups = {}, const EventOptions& options = {});

// ================================================================================================
// Implementation
// ================================================================================================

namespace detail::periods {

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

inline date::sys_days to_sys(std::int64_t day) noexcept { return date::sys_days{date::days{day}}; }
inline std::int64_t from_sys(date::sys_days d) noexcept { return d.time_since_epoch().count(); }

inline std::string format_day(std::int64_t day) {
    if (day < min_day || day > max_day) return std::to_string(day) + " days since 1970-01-01";
    const date::year_month_day ymd{to_sys(day)};
    char buf[16];
    const int y = static_cast<int>(ymd.year());
    const unsigned m = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
    buf[0] = static_cast<char>('0' + y / 1000 % 10);
    buf[1] = static_cast<char>('0' + y / 100 % 10);
    buf[2] = static_cast<char>('0' + y / 10 % 10);
    buf[3] = static_cast<char>('0' + y % 10);
    buf[4] = '-';
    buf[5] = static_cast<char>('0' + m / 10);
    buf[6] = static_cast<char>('0' + m % 10);
    buf[7] = '-';
    buf[8] = static_cast<char>('0' + d / 10);
    buf[9] = static_cast<char>('0' + d % 10);
    return std::string(buf, 10);
}

inline void check_day(std::int64_t day, std::string_view argument) {
    if (day < min_day || day > max_day)
        fail_argument(argument, "day " + std::to_string(day) + " is outside the supported dates 0001-01-01 to 9999-12-31");
}

inline void check_day(std::int64_t day, std::string_view argument, std::size_t i) {
    if (day < min_day || day > max_day)
        fail_argument(argument, i,
                      "day " + std::to_string(day) + " is outside the supported dates 0001-01-01 to 9999-12-31");
}

inline void append_digits(std::string& s, long long v, int width) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < 20);
    for (int k = n; k < width; ++k) s.push_back('0');
    while (n > 0) s.push_back(buf[--n]);
}

struct Civil {
    std::int64_t y;
    unsigned m;
};

inline Civil civil(std::int64_t day) noexcept {
    const date::year_month_day ymd{to_sys(day)};
    return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month())};
}

inline std::int64_t civil_day(std::int64_t y, unsigned m) noexcept {
    return from_sys(date::sys_days{date::year{static_cast<int>(y)} / date::month{m} / 1});
}

/// Unchecked: day within min_day .. max_day.
inline std::int64_t index_unchecked(std::int64_t day, Period p) noexcept {
    switch (p) {
        case Period::day: return day;
        case Period::iso_week: return floor_div(day + 3, 7);  // 1969-12-29 (index 0) was a Monday
        case Period::month: {
            const auto c = civil(day);
            return c.y * 12 + static_cast<std::int64_t>(c.m) - 1;
        }
        case Period::quarter: {
            const auto c = civil(day);
            return c.y * 4 + static_cast<std::int64_t>((c.m - 1) / 3);
        }
        case Period::financial_year: {
            const auto c = civil(day);
            return c.m >= 4 ? c.y : c.y - 1;
        }
        case Period::financial_quarter: {
            const auto c = civil(day);
            const std::int64_t fy = c.m >= 4 ? c.y : c.y - 1;
            return fy * 4 + static_cast<std::int64_t>(((c.m + 8) % 12) / 3);  // Apr-Jun 0 .. Jan-Mar 3
        }
    }
    return day;
}

/// Unchecked: index of a period that starts within the supported days, or the one after.
inline std::int64_t index_start_unchecked(std::int64_t idx, Period p) noexcept {
    switch (p) {
        case Period::day: return idx;
        case Period::iso_week: return idx * 7 - 3;
        case Period::month: {
            const std::int64_t y = floor_div(idx, 12);
            return civil_day(y, static_cast<unsigned>(idx - 12 * y + 1));
        }
        case Period::quarter: {
            const std::int64_t y = floor_div(idx, 4);
            return civil_day(y, static_cast<unsigned>(3 * (idx - 4 * y) + 1));
        }
        case Period::financial_year: return civil_day(idx, 4);
        case Period::financial_quarter: {
            const std::int64_t fy = floor_div(idx, 4);
            unsigned m = static_cast<unsigned>(4 + 3 * (idx - 4 * fy));
            return m > 12 ? civil_day(fy + 1, m - 12) : civil_day(fy, m);
        }
    }
    return idx;
}

inline std::int64_t start_unchecked(std::int64_t day, Period p) noexcept {
    switch (p) {
        case Period::day: return day;
        case Period::iso_week: {
            // ISO week: Monday start, through date/iso_week.h (the week-numbering year may differ
            // from the calendar year near 1 January).
            const iso_week::year_weeknum_weekday w{to_sys(day)};
            return from_sys(date::sys_days{iso_week::year_weeknum_weekday{w.year(), w.weeknum(), iso_week::mon}});
        }
        default: return index_start_unchecked(index_unchecked(day, p), p);
    }
}

inline std::string label_unchecked(std::int64_t day, Period p) {
    std::string s;
    s.reserve(12);
    switch (p) {
        case Period::day: return format_day(day);
        case Period::iso_week: {
            const iso_week::year_weeknum_weekday w{to_sys(day)};
            append_digits(s, static_cast<int>(w.year()), 4);
            s.append("-W");
            append_digits(s, static_cast<unsigned>(w.weeknum()), 2);
            return s;
        }
        case Period::month: {
            const auto c = civil(day);
            append_digits(s, c.y, 4);
            s.push_back('-');
            append_digits(s, c.m, 2);
            return s;
        }
        case Period::quarter: {
            const auto c = civil(day);
            append_digits(s, c.y, 4);
            s.append(" Q");
            append_digits(s, (c.m - 1) / 3 + 1, 1);
            return s;
        }
        case Period::financial_year:
        case Period::financial_quarter: {
            const auto c = civil(day);
            const std::int64_t fy = c.m >= 4 ? c.y : c.y - 1;
            append_digits(s, fy, 4);
            s.push_back('/');
            append_digits(s, (fy + 1) % 100, 2);
            if (p == Period::financial_quarter) {
                s.append(" Q");
                append_digits(s, ((c.m + 8) % 12) / 3 + 1, 1);
            }
            return s;
        }
    }
    return s;
}

}  // namespace detail::periods

inline Period parse_period(std::string_view name, std::string_view argument) {
    if (name == "day") return Period::day;
    if (name == "week" || name == "iso_week") return Period::iso_week;
    if (name == "month") return Period::month;
    if (name == "quarter") return Period::quarter;
    if (name == "financial_year" || name == "fy") return Period::financial_year;
    if (name == "financial_quarter" || name == "fq") return Period::financial_quarter;
    fail_argument(argument, "unknown period '" + std::string(name) +
                                "' (known: day, week or iso_week, month, quarter, financial_year or fy, "
                                "financial_quarter or fq)");
}

inline Aggregate parse_aggregate(std::string_view name, std::string_view argument) {
    for (std::size_t k = 0; k < aggregate_names.size(); ++k)
        if (aggregate_names[k] == name) return static_cast<Aggregate>(k);
    fail_argument(argument, "must be 'count', 'sum', 'mean' or 'ratio', got '" + std::string(name) + "'");
}

inline std::int64_t period_start(std::int64_t day, Period p) {
    detail::periods::check_day(day, "date");
    return detail::periods::start_unchecked(day, p);
}

inline std::int64_t next_period_start(std::int64_t day, Period p) {
    detail::periods::check_day(day, "date");
    if (p == Period::day) return day + 1;
    if (p == Period::iso_week) return detail::periods::start_unchecked(day, p) + 7;
    return detail::periods::index_start_unchecked(detail::periods::index_unchecked(day, p) + 1, p);
}

inline std::string period_label(std::int64_t day, Period p) {
    detail::periods::check_day(day, "date");
    return detail::periods::label_unchecked(day, p);
}

inline std::int64_t period_index(std::int64_t day, Period p) {
    detail::periods::check_day(day, "date");
    return detail::periods::index_unchecked(day, p);
}

inline std::int64_t period_index_start(std::int64_t index, Period p) {
    if (index < period_index(min_day, p) || index > period_index(max_day, p))
        fail_argument("index", "period index " + std::to_string(index) + " is outside the supported dates");
    return detail::periods::index_start_unchecked(index, p);
}

inline date::sys_days period_start(date::sys_days d, Period p) {
    return detail::periods::to_sys(period_start(detail::periods::from_sys(d), p));
}

inline date::sys_days next_period_start(date::sys_days d, Period p) {
    return detail::periods::to_sys(next_period_start(detail::periods::from_sys(d), p));
}

inline std::string period_label(date::sys_days d, Period p) { return period_label(detail::periods::from_sys(d), p); }

inline std::vector<std::int64_t> period_starts(std::int64_t first_day, std::int64_t last_day, Period p) {
    detail::periods::check_day(first_day, "first");
    detail::periods::check_day(last_day, "last");
    if (first_day > last_day)
        fail_argument("first", detail::periods::format_day(first_day) + " is after last (" +
                                   detail::periods::format_day(last_day) + ")");
    const std::int64_t a = detail::periods::index_unchecked(first_day, p);
    const std::int64_t b = detail::periods::index_unchecked(last_day, p);
    std::vector<std::int64_t> out;
    out.reserve(static_cast<std::size_t>(b - a + 1));
    for (std::int64_t k = a; k <= b; ++k) out.push_back(detail::periods::index_start_unchecked(k, p));
    return out;
}

inline void period_start(std::span<const std::int64_t> days, Period p, std::span<std::int64_t> out,
                         std::string_view argument) {
    if (out.size() != days.size())
        fail_argument("out", "has " + std::to_string(out.size()) + " elements but " + std::string(argument) + " has " +
                                 std::to_string(days.size()));
    for (std::size_t i = 0; i < days.size(); ++i) detail::periods::check_day(days[i], argument, i);
    for (std::size_t i = 0; i < days.size(); ++i) out[i] = detail::periods::start_unchecked(days[i], p);
}

inline std::vector<std::string> period_labels(std::span<const std::int64_t> days, Period p, std::string_view argument) {
    for (std::size_t i = 0; i < days.size(); ++i) detail::periods::check_day(days[i], argument, i);
    std::vector<std::string> out;
    out.reserve(days.size());
    for (const std::int64_t day : days) out.push_back(detail::periods::label_unchecked(day, p));
    return out;
}

// ------------------------------------------------------------------------------------------------
// aggregation
// ------------------------------------------------------------------------------------------------

namespace detail::periods {

/// Number of groups from the codes: checked to lie in 0..G-1. Codes must be dense (as
/// pandas.factorize gives) when G is not given, so that a stray large code cannot allocate a table.
inline std::size_t count_groups(std::span<const std::int64_t> groups, std::size_t n_groups, std::string_view argument) {
    if (groups.empty()) return n_groups == 0 ? 1 : n_groups;
    std::int64_t hi = -1;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        if (groups[i] < 0) fail_argument(argument, i, "is missing (negative group code " + std::to_string(groups[i]) + ")");
        if (n_groups != 0 && static_cast<std::uint64_t>(groups[i]) >= n_groups)
            fail_argument(argument, i,
                          "group code " + std::to_string(groups[i]) + " is not below the number of groups " +
                              std::to_string(n_groups));
        hi = groups[i] > hi ? groups[i] : hi;
    }
    if (n_groups != 0) return n_groups;
    const auto g = static_cast<std::uint64_t>(hi) + 1;
    if (g > 2 * static_cast<std::uint64_t>(groups.size()) + 1024)
        fail_argument(argument, "group codes must be dense (0..G-1, as pandas.factorize gives); the largest is " +
                                    std::to_string(hi) + " for " + std::to_string(groups.size()) + " rows");
    return static_cast<std::size_t>(g);
}

inline void check_values(std::span<const double> v, std::size_t n, std::string_view argument, bool non_negative) {
    if (v.size() != n)
        fail_argument(argument, "has " + std::to_string(v.size()) + " rows but date has " + std::to_string(n));
    for (std::size_t i = 0; i < n; ++i) {
        const double x = v[i];
        if (std::isinf(x)) fail_argument(argument, i, "must be finite or NaN (missing), got " + std::to_string(x));
        if (non_negative && x < 0) fail_argument(argument, i, "must not be negative, got " + std::to_string(x));
    }
}

}  // namespace detail::periods

inline PeriodTable aggregate_periods(const AggregateInput& in, const AggregateOptions& opt) {
    namespace dp = detail::periods;
    using stats::detail::DD;
    const std::size_t n = in.days.size();
    const bool grouped = !in.groups.empty();
    if (grouped && in.groups.size() != n)
        fail_argument("group", "has " + std::to_string(in.groups.size()) + " rows but date has " + std::to_string(n));
    const bool has_num = opt.how != Aggregate::count;
    const bool has_den = opt.how == Aggregate::ratio;
    const char* num_name = has_den ? "numerator" : "value";
    if (has_num) {
        if (in.numerator.empty() && n > 0)
            fail_argument(num_name, "is needed for how = '" + std::string(to_string(opt.how)) + "'");
        dp::check_values(in.numerator, n, num_name, false);
    }
    if (has_den) {
        if (in.denominator.empty() && n > 0) fail_argument("denominator", "is needed for how = 'ratio'");
        dp::check_values(in.denominator, n, "denominator", true);
    }
    for (std::size_t i = 0; i < n; ++i) dp::check_day(in.days[i], "date", i);
    if (opt.start) dp::check_day(*opt.start, "start");
    if (opt.end) dp::check_day(*opt.end, "end");
    if (opt.start && opt.end && *opt.start > *opt.end)
        fail_argument("start", dp::format_day(*opt.start) + " is after end (" + dp::format_day(*opt.end) + ")");
    const std::size_t G = dp::count_groups(in.groups, opt.n_groups, "group");
    const Period p = opt.period;
    auto code = [&](std::size_t i) { return grouped ? static_cast<std::size_t>(in.groups[i]) : std::size_t{0}; };

    // Pass 1: period index of every record, and the range of periods.
    std::vector<std::int64_t> idx(n);
    for (std::size_t i = 0; i < n; ++i) idx[i] = dp::index_unchecked(in.days[i], p);
    constexpr std::int64_t none_lo = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t none_hi = std::numeric_limits<std::int64_t>::min();
    const std::int64_t lo_bound = opt.start ? dp::index_unchecked(*opt.start, p) : none_hi;
    const std::int64_t hi_bound = opt.end ? dp::index_unchecked(*opt.end, p) : none_lo;
    auto in_range = [&](std::int64_t k) { return k >= lo_bound && k <= hi_bound; };

    PeriodTable t;
    t.period = p;
    t.how = opt.how;
    std::vector<std::int64_t> first(opt.span == PeriodSpan::group ? G : 1, none_lo);
    std::vector<std::int64_t> last(first.size(), none_hi);
    for (std::size_t i = 0; i < n; ++i) {
        if (!in_range(idx[i])) {
            ++t.n_excluded;
            continue;
        }
        const std::size_t s = opt.span == PeriodSpan::group ? code(i) : 0;
        first[s] = idx[i] < first[s] ? idx[i] : first[s];
        last[s] = idx[i] > last[s] ? idx[i] : last[s];
    }
    for (std::size_t s = 0; s < first.size(); ++s) {
        if (opt.start) first[s] = lo_bound;
        if (opt.end) last[s] = hi_bound;
        if (first[s] == none_lo || last[s] == none_hi || first[s] > last[s]) {  // no periods for this span
            first[s] = 0;
            last[s] = -1;
        }
    }
    auto lo_of = [&](std::size_t g) { return first[opt.span == PeriodSpan::group ? g : 0]; };
    auto len_of = [&](std::size_t g) {
        const std::size_t s = opt.span == PeriodSpan::group ? g : 0;
        return static_cast<std::uint64_t>(last[s] - first[s] + 1);
    };

    // Row layout: one block of consecutive periods per group, in code order.
    t.offsets.resize(G + 1);
    std::uint64_t rows = 0;
    for (std::size_t g = 0; g < G; ++g) {
        t.offsets[g] = static_cast<std::size_t>(rows);
        rows += len_of(g);
        if (rows > (std::uint64_t{1} << 34))
            fail_argument("period", "the table would have more than 2^34 rows (" + std::to_string(G) +
                                        " groups); use a longer period or a shorter range");
    }
    t.offsets[G] = static_cast<std::size_t>(rows);
    const std::size_t R = static_cast<std::size_t>(rows);

    // Pass 2: accumulate. One flat array per column (no per-group allocation); accurate sums in
    // double-double, as qm::stats does, so that a mean that lies on a value is seen on it.
    t.n_records.assign(R, 0);
    t.n_values.assign(R, 0);
    std::vector<DD> num(has_num ? R : 0), den(has_den ? R : 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (!in_range(idx[i])) continue;
        const std::size_t g = code(i);
        const std::size_t r = t.offsets[g] + static_cast<std::size_t>(idx[i] - lo_of(g));
        ++t.n_records[r];
        if (!has_num) continue;
        const double x = in.numerator[i];
        if (has_den) {
            const double d = in.denominator[i];
            if (x != x || d != d) continue;
            num[r].add(x);
            den[r].add(d);
        } else {
            if (x != x) continue;
            num[r].add(x);
        }
        ++t.n_values[r];
    }

    // Columns.
    constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
    t.group.resize(R);
    t.start.resize(R);
    t.value.resize(R);
    t.has_data.resize(R);
    if (has_num) t.numerator.resize(R);
    if (has_den) t.denominator.resize(R);
    for (std::size_t g = 0; g < G; ++g) {
        const std::int64_t lo = lo_of(g);
        for (std::size_t r = t.offsets[g]; r < t.offsets[g + 1]; ++r) {
            t.group[r] = static_cast<std::int64_t>(g);
            t.start[r] = dp::index_start_unchecked(lo + static_cast<std::int64_t>(r - t.offsets[g]), p);
            t.has_data[r] = t.n_records[r] > 0;
            const auto nv = static_cast<std::size_t>(t.n_values[r]);
            switch (opt.how) {
                case Aggregate::count:
                    t.n_values[r] = t.n_records[r];
                    t.value[r] = static_cast<double>(t.n_records[r]);
                    break;
                case Aggregate::sum:
                    t.numerator[r] = num[r].hi + num[r].lo;
                    t.value[r] = nv > 0 ? t.numerator[r] : (t.n_records[r] > 0 ? NaN : 0.0);
                    break;
                case Aggregate::mean:
                    t.numerator[r] = num[r].hi + num[r].lo;
                    t.value[r] = stats::detail::dd_div(num[r], nv);
                    break;
                case Aggregate::ratio: {
                    t.numerator[r] = num[r].hi + num[r].lo;
                    t.denominator[r] = den[r].hi + den[r].lo;
                    t.value[r] = nv > 0 && t.denominator[r] > 0 ? t.numerator[r] / t.denominator[r] : NaN;
                    break;
                }
            }
        }
    }
    return t;
}

// ------------------------------------------------------------------------------------------------
// events: g and t charts
// ------------------------------------------------------------------------------------------------

inline OutOfOrder find_out_of_order(std::span<const std::int64_t> times, std::span<const std::int64_t> groups) {
    const std::size_t n = times.size();
    if (!groups.empty() && groups.size() != n)
        fail_argument("group", "has " + std::to_string(groups.size()) + " rows but date has " + std::to_string(n));
    OutOfOrder out;
    if (groups.empty()) {
        for (std::size_t i = 1; i < n; ++i)
            if (times[i] < times[i - 1]) return {i, i - 1};
        return out;
    }
    const std::size_t G = detail::periods::count_groups(groups, 0, "group");
    std::vector<std::size_t> last(G, npos);  // last row seen of each group
    for (std::size_t i = 0; i < n; ++i) {
        auto& l = last[static_cast<std::size_t>(groups[i])];
        if (l != npos && times[i] < times[l]) return {i, l};
        l = i;
    }
    return out;
}

namespace detail::periods {

inline void check_events_in_order(std::span<const std::int64_t> times, std::span<const std::int64_t> groups,
                                  std::int64_t units_per_day, const char* argument) {
    const OutOfOrder o = find_out_of_order(times, groups);
    if (o.in_order()) return;
    auto day = [&](std::size_t i) { return format_day(floor_div(times[i], units_per_day)); };
    fail_argument(argument, o.row,
                  "event on " + day(o.row) + " is earlier than the event before it in its group (" + argument + "[" +
                      std::to_string(o.previous_row) + "], " + day(o.previous_row) +
                      "); order the events by date, or ask for them to be sorted");
}

/// Rows ordered by (group, time): stable in row order within a group unless `sort_times` is given.
inline GroupLayout event_layout(std::span<const std::int64_t> groups, std::size_t n,
                                std::span<const std::int64_t> sort_times) {
    std::vector<std::int64_t> zeros;
    if (groups.empty()) {
        zeros.assign(n, 0);
        groups = zeros;
    }
    return layout_groups(groups, sort_times);
}

/// (t1 - t0) / units_per_day for t1 >= t0, exact in whole days (no overflow: unsigned difference).
inline double elapsed_days(std::int64_t t0, std::int64_t t1, std::int64_t units_per_day) noexcept {
    const std::uint64_t d = static_cast<std::uint64_t>(t1) - static_cast<std::uint64_t>(t0);
    const auto u = static_cast<std::uint64_t>(units_per_day);
    return static_cast<double>(d / u) + static_cast<double>(d % u) / static_cast<double>(u);
}

}  // namespace detail::periods

inline EventIntervals days_between(std::span<const std::int64_t> times, std::span<const std::int64_t> groups,
                                   const EventOptions& opt) {
    namespace dp = detail::periods;
    const std::size_t n = times.size();
    if (opt.units_per_day <= 0) fail_argument("units_per_day", "must be positive");
    if (!groups.empty() && groups.size() != n)
        fail_argument("group", "has " + std::to_string(groups.size()) + " rows but date has " + std::to_string(n));
    EventIntervals out;
    dp::count_groups(groups, opt.n_groups, "group");  // codes checked: 0..G-1
    if (n == 0) return out;
    if (!opt.sort) dp::check_events_in_order(times, groups, opt.units_per_day, "date");
    const GroupLayout lay = dp::event_layout(groups, n, opt.sort ? times : std::span<const std::int64_t>{});
    auto row = [&](std::size_t k) { return lay.order.empty() ? k : lay.order[k]; };
    const std::size_t m = n - (lay.offsets.size() - 1);  // one interval per event after each group's first
    out.group.reserve(m);
    out.row.reserve(m);
    out.previous_row.reserve(m);
    out.event.reserve(m);
    out.value.reserve(m);
    for (std::size_t k = 0; k + 1 < lay.offsets.size(); ++k) {
        for (std::size_t j = lay.offsets[k] + 1; j < lay.offsets[k + 1]; ++j) {
            const std::size_t a = row(j - 1), b = row(j);
            out.group.push_back(lay.group_codes[k]);
            out.row.push_back(b);
            out.previous_row.push_back(a);
            out.event.push_back(static_cast<std::int64_t>(j - lay.offsets[k] + 1));
            out.value.push_back(dp::elapsed_days(times[a], times[b], opt.units_per_day));
        }
    }
    return out;
}

inline EventIntervals cases_between(std::span<const double> indicator, std::span<const std::int64_t> groups,
                                    std::span<const std::int64_t> times, const EventOptions& opt) {
    namespace dp = detail::periods;
    const std::size_t n = indicator.size();
    if (!groups.empty() && groups.size() != n)
        fail_argument("group", "has " + std::to_string(groups.size()) + " rows but event has " + std::to_string(n));
    if (!times.empty() && times.size() != n)
        fail_argument("date", "has " + std::to_string(times.size()) + " rows but event has " + std::to_string(n));
    if (opt.units_per_day <= 0) fail_argument("units_per_day", "must be positive");
    for (std::size_t i = 0; i < n; ++i) {
        const double x = indicator[i];
        if (x != 0.0 && x != 1.0)
            fail_argument("event", i,
                          x != x ? std::string("is missing; each case must be 1 (event) or 0 (no event)")
                                 : "must be 1 (event) or 0 (no event), got " + std::to_string(x));
    }
    EventIntervals out;
    const std::size_t G = dp::count_groups(groups, opt.n_groups, "group");
    out.open.assign(G, 0);
    if (n == 0) return out;
    if (!times.empty() && !opt.sort) dp::check_events_in_order(times, groups, opt.units_per_day, "date");
    const GroupLayout lay = dp::event_layout(groups, n, opt.sort ? times : std::span<const std::int64_t>{});
    auto row = [&](std::size_t k) { return lay.order.empty() ? k : lay.order[k]; };
    for (std::size_t k = 0; k + 1 < lay.offsets.size(); ++k) {
        std::int64_t since = 0, number = 0;
        std::size_t prev = npos;
        for (std::size_t j = lay.offsets[k]; j < lay.offsets[k + 1]; ++j) {
            const std::size_t r = row(j);
            if (indicator[r] == 0.0) {
                ++since;
                continue;
            }
            ++number;
            if (prev != npos || opt.include_first) {
                out.group.push_back(lay.group_codes[k]);
                out.row.push_back(r);
                out.previous_row.push_back(prev);
                out.event.push_back(number);
                out.value.push_back(static_cast<double>(since));
            }
            prev = r;
            since = 0;
        }
        out.open[static_cast<std::size_t>(lay.group_codes[k])] = since;
    }
    return out;
}

inline EventIntervals cases_between_days(std::span<const std::int64_t> event_days,
                                         std::span<const std::int64_t> event_groups,
                                         std::span<const std::int64_t> case_days, std::span<const double> case_counts,
                                         std::span<const std::int64_t> case_groups, const EventOptions& opt) {
    namespace dp = detail::periods;
    const std::size_t n = event_days.size(), nc = case_days.size();
    if (!event_groups.empty() && event_groups.size() != n)
        fail_argument("group", "has " + std::to_string(event_groups.size()) + " rows but date has " + std::to_string(n));
    if (case_counts.size() != nc)
        fail_argument("case_count", "has " + std::to_string(case_counts.size()) + " rows but case_date has " +
                                        std::to_string(nc));
    if (event_groups.empty() != case_groups.empty())
        fail_argument("case_group", "events and cases must both have group codes or both have none");
    if (!case_groups.empty() && case_groups.size() != nc)
        fail_argument("case_group", "has " + std::to_string(case_groups.size()) + " rows but case_date has " +
                                        std::to_string(nc));
    for (std::size_t i = 0; i < n; ++i) dp::check_day(event_days[i], "date", i);
    for (std::size_t i = 0; i < nc; ++i) dp::check_day(case_days[i], "case_date", i);
    for (std::size_t i = 0; i < nc; ++i) {
        const double c = case_counts[i];
        if (!(c >= 0) || c != std::floor(c) || c > 9.0e15)
            fail_argument("case_count", i,
                          c != c ? std::string("is missing") : "must be a whole number of cases >= 0, got " + std::to_string(c));
    }
    std::size_t G = opt.n_groups;
    if (G == 0) {
        const std::size_t ge = event_groups.empty() ? 1 : dp::count_groups(event_groups, 0, "group");
        const std::size_t gc = case_groups.empty() ? 1 : dp::count_groups(case_groups, 0, "case_group");
        G = ge > gc ? ge : gc;
    }
    dp::count_groups(event_groups, G, "group");
    dp::count_groups(case_groups, G, "case_group");
    EventIntervals out;
    out.open.assign(G, 0);
    if (!opt.sort) dp::check_events_in_order(event_days, event_groups, 1, "date");

    // Case table ordered by (group, day): counted once per day; a repeated day is an error.
    std::vector<std::size_t> case_offsets(G + 1, 0);  // case rows of group g: [case_offsets[g], case_offsets[g+1])
    GroupLayout cl;
    if (nc > 0) {
        cl = dp::event_layout(case_groups, nc, case_days);
        if (cl.has_duplicate())
            fail_argument("case_date", cl.duplicate_row_b,
                          dp::format_day(case_days[cl.duplicate_row_b]) + " appears twice in its group (case_date[" +
                              std::to_string(cl.duplicate_row_a) + "] too)");
        for (std::size_t k = 0; k + 1 < cl.offsets.size(); ++k) {
            case_offsets[static_cast<std::size_t>(cl.group_codes[k]) + 1] = cl.offsets[k + 1] - cl.offsets[k];
        }
        for (std::size_t g = 0; g < G; ++g) case_offsets[g + 1] += case_offsets[g];
    }
    auto crow = [&](std::size_t k) { return cl.order.empty() ? k : cl.order[k]; };
    auto add_cases = [&](std::int64_t& total, std::size_t k) {
        if (__builtin_add_overflow(total, static_cast<std::int64_t>(case_counts[crow(k)]), &total))
            fail_argument("case_count", crow(k), "the cases of its group add up to more than 2^63");
    };
    for (std::size_t g = 0; g < G; ++g)  // groups without events: every case is still open
        for (std::size_t k = case_offsets[g]; k < case_offsets[g + 1]; ++k) add_cases(out.open[g], k);
    if (n == 0) return out;

    const GroupLayout el = dp::event_layout(event_groups, n, opt.sort ? event_days : std::span<const std::int64_t>{});
    auto erow = [&](std::size_t k) { return el.order.empty() ? k : el.order[k]; };
    for (std::size_t k = 0; k + 1 < el.offsets.size(); ++k) {
        const auto g = static_cast<std::size_t>(el.group_codes[k]);
        std::size_t c = case_offsets[g];  // next case row (layout order) of this group not yet summed
        const std::size_t c_end = case_offsets[g + 1];
        std::int64_t cum = 0;             // cases on days up to and including the current day
        std::int64_t prev_pos = 0;        // case number of the previous event (0: the start)
        std::size_t prev_row = npos;
        std::int64_t number = 0;
        for (std::size_t j = el.offsets[k]; j < el.offsets[k + 1];) {
            const std::int64_t d = event_days[erow(j)];
            std::size_t j_end = j + 1;  // events of day d: [j, j_end)
            while (j_end < el.offsets[k + 1] && event_days[erow(j_end)] == d) ++j_end;
            std::int64_t on_day = 0;
            while (c < c_end && case_days[crow(c)] <= d) {
                add_cases(cum, c);
                if (case_days[crow(c)] == d) on_day = static_cast<std::int64_t>(case_counts[crow(c)]);
                ++c;
            }
            const auto events = static_cast<std::int64_t>(j_end - j);
            if (on_day < events)
                fail_argument("date", erow(j),
                              std::to_string(events) + " event(s) on " + dp::format_day(d) + " but " +
                                  (on_day == 0 ? std::string("no cases") : std::to_string(on_day) + " case(s)") +
                                  " that day in its group's case counts; each event must be one of the cases");
            for (std::size_t i = j; i < j_end; ++i) {
                const std::int64_t pos = cum - (events - static_cast<std::int64_t>(i - j + 1));
                ++number;
                if (prev_row != npos || opt.include_first) {
                    out.group.push_back(static_cast<std::int64_t>(g));
                    out.row.push_back(erow(i));
                    out.previous_row.push_back(prev_row);
                    out.event.push_back(number);
                    out.value.push_back(static_cast<double>(pos - prev_pos - 1));
                }
                prev_pos = pos;
                prev_row = erow(i);
            }
            j = j_end;
        }
        out.open[g] -= prev_pos;  // the group's total cases minus those up to its last event
    }
    return out;
}

}  // namespace qm
