// Tests of the calendars (qm/core/periods.hpp): periods and their labels, aggregation of
// event-level records into per-period values, and g-chart / t-chart inputs from events.
//
// Calendar facts are checked by hand against a printed calendar (ISO 8601 week dates; the NHS
// financial year runs 1 April - 31 March); every expected value is worked out in the comments.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <date/date.h>
#include <gtest/gtest.h>

#include <qm/core/periods.hpp>

namespace {

using qm::Period;
using namespace date::literals;

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t NS_PER_DAY = 86'400'000'000'000;

/// Days since 1970-01-01 of a civil date.
std::int64_t d(int y, unsigned m, unsigned dd) {
    return date::sys_days{date::year{y} / date::month{m} / date::day{dd}}.time_since_epoch().count();
}

std::string ymd(std::int64_t day) { return qm::period_label(day, Period::day); }

/// Runs `f`, expects a qm::invalid_argument whose message contains every needle.
template <class F>
std::string expect_invalid(F&& f, std::initializer_list<std::string> needles) {
    try {
        f();
    } catch (const qm::invalid_argument& e) {
        const std::string what = e.what();
        for (const auto& needle : needles)
            EXPECT_NE(what.find(needle), std::string::npos) << "message: " << what << "\nexpected to contain: " << needle;
        return what;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong exception type, message: " << e.what();
        return {};
    }
    ADD_FAILURE() << "no exception thrown";
    return {};
}

constexpr Period all_periods[] = {Period::day,     Period::iso_week,       Period::month,
                                  Period::quarter, Period::financial_year, Period::financial_quarter};

}  // namespace

// ================================================================================================
// Period names
// ================================================================================================

TEST(PeriodNames, ParseAndRoundTrip) {
    EXPECT_EQ(qm::parse_period("day"), Period::day);
    EXPECT_EQ(qm::parse_period("week"), Period::iso_week);
    EXPECT_EQ(qm::parse_period("iso_week"), Period::iso_week);
    EXPECT_EQ(qm::parse_period("month"), Period::month);
    EXPECT_EQ(qm::parse_period("quarter"), Period::quarter);
    EXPECT_EQ(qm::parse_period("financial_year"), Period::financial_year);
    EXPECT_EQ(qm::parse_period("fy"), Period::financial_year);
    EXPECT_EQ(qm::parse_period("financial_quarter"), Period::financial_quarter);
    EXPECT_EQ(qm::parse_period("fq"), Period::financial_quarter);
    for (Period p : all_periods) EXPECT_EQ(qm::parse_period(qm::to_string(p)), p);
}

TEST(PeriodNames, UnknownNameNamesTheArgument) {
    expect_invalid([] { qm::parse_period("fortnight"); }, {"period: ", "'fortnight'", "financial_quarter"});
    expect_invalid([] { qm::parse_period("Month", "freq"); }, {"freq: ", "'Month'"});
    expect_invalid([] { qm::parse_period(""); }, {"period: "});
    EXPECT_EQ(qm::parse_aggregate("ratio"), qm::Aggregate::ratio);
    expect_invalid([] { qm::parse_aggregate("median"); }, {"how: ", "'median'"});
}

// ================================================================================================
// Calendar facts
// ================================================================================================

TEST(IsoWeek, Week1Of2021StartsOnMonday4January) {
    // 1 January 2021 was a Friday, so the first Thursday of 2021 is 7 January and week 1 is
    // Monday 4 – Sunday 10 January. 1–3 January 2021 belong to the last week of 2020.
    EXPECT_EQ(qm::period_start(d(2021, 1, 4), Period::iso_week), d(2021, 1, 4));
    EXPECT_EQ(qm::period_start(d(2021, 1, 10), Period::iso_week), d(2021, 1, 4));
    EXPECT_EQ(qm::period_label(d(2021, 1, 4), Period::iso_week), "2021-W01");
    EXPECT_EQ(qm::period_label(d(2021, 1, 10), Period::iso_week), "2021-W01");
    EXPECT_EQ(qm::period_label(d(2021, 1, 3), Period::iso_week), "2020-W53");
    EXPECT_EQ(qm::next_period_start(d(2021, 1, 3), Period::iso_week), d(2021, 1, 4));
}

TEST(IsoWeek, ThirtyFirstDecember2020IsInWeek53) {
    // 2020 began on a Wednesday and was a leap year, so it has 53 ISO weeks; week 53 runs
    // Monday 28 December 2020 – Sunday 3 January 2021.
    EXPECT_EQ(qm::period_label(d(2020, 12, 31), Period::iso_week), "2020-W53");
    EXPECT_EQ(qm::period_start(d(2020, 12, 31), Period::iso_week), d(2020, 12, 28));
    EXPECT_EQ(qm::period_label(d(2020, 12, 27), Period::iso_week), "2020-W52");
}

TEST(IsoWeek, WeekYearDiffersFromCalendarYear) {
    // 30 December 2019 (Monday) starts 2020-W01: 2 January 2020 is the first Thursday of 2020.
    EXPECT_EQ(qm::period_label(d(2019, 12, 30), Period::iso_week), "2020-W01");
    EXPECT_EQ(qm::period_label(d(2019, 12, 29), Period::iso_week), "2019-W52");
    // 2024 began on a Monday: week 1 is 1–7 January, week 5 starts 29 January.
    EXPECT_EQ(qm::period_label(d(2024, 1, 1), Period::iso_week), "2024-W01");
    EXPECT_EQ(qm::period_label(d(2024, 1, 29), Period::iso_week), "2024-W05");
    EXPECT_EQ(qm::period_label(d(2024, 2, 4), Period::iso_week), "2024-W05");
    // 1 January 2023 was a Sunday: it belongs to 2022-W52 (which starts Monday 26 December 2022).
    EXPECT_EQ(qm::period_label(d(2023, 1, 1), Period::iso_week), "2022-W52");
    EXPECT_EQ(qm::period_start(d(2023, 1, 1), Period::iso_week), d(2022, 12, 26));
}

TEST(FinancialYear, ThirtyFirstMarch2024IsInQ4Of2023To24) {
    const auto day = d(2024, 3, 31);
    EXPECT_EQ(qm::period_label(day, Period::financial_year), "2023/24");
    EXPECT_EQ(qm::period_label(day, Period::financial_quarter), "2023/24 Q4");
    EXPECT_EQ(qm::period_start(day, Period::financial_year), d(2023, 4, 1));
    EXPECT_EQ(qm::period_start(day, Period::financial_quarter), d(2024, 1, 1));
    EXPECT_EQ(qm::next_period_start(day, Period::financial_year), d(2024, 4, 1));
    EXPECT_EQ(qm::next_period_start(day, Period::financial_quarter), d(2024, 4, 1));
    // The next day starts the new financial year and its first quarter.
    EXPECT_EQ(qm::period_label(d(2024, 4, 1), Period::financial_year), "2024/25");
    EXPECT_EQ(qm::period_label(d(2024, 4, 1), Period::financial_quarter), "2024/25 Q1");
}

TEST(FinancialYear, QuartersAreAprJunJulSepOctDecJanMar) {
    EXPECT_EQ(qm::period_label(d(2023, 4, 1), Period::financial_quarter), "2023/24 Q1");
    EXPECT_EQ(qm::period_label(d(2023, 6, 30), Period::financial_quarter), "2023/24 Q1");
    EXPECT_EQ(qm::period_label(d(2023, 7, 1), Period::financial_quarter), "2023/24 Q2");
    EXPECT_EQ(qm::period_label(d(2023, 9, 30), Period::financial_quarter), "2023/24 Q2");
    EXPECT_EQ(qm::period_label(d(2023, 10, 1), Period::financial_quarter), "2023/24 Q3");
    EXPECT_EQ(qm::period_label(d(2023, 12, 31), Period::financial_quarter), "2023/24 Q3");
    EXPECT_EQ(qm::period_label(d(2024, 1, 1), Period::financial_quarter), "2023/24 Q4");
    EXPECT_EQ(qm::period_start(d(2023, 11, 15), Period::financial_quarter), d(2023, 10, 1));
    EXPECT_EQ(qm::next_period_start(d(2023, 11, 15), Period::financial_quarter), d(2024, 1, 1));
    // The century turn: 1999/00.
    EXPECT_EQ(qm::period_label(d(2000, 3, 31), Period::financial_year), "1999/00");
    EXPECT_EQ(qm::period_label(d(2009, 4, 1), Period::financial_year), "2009/10");
}

TEST(CalendarQuarter, Labels) {
    EXPECT_EQ(qm::period_label(d(2024, 3, 31), Period::quarter), "2024 Q1");
    EXPECT_EQ(qm::period_label(d(2024, 4, 1), Period::quarter), "2024 Q2");
    EXPECT_EQ(qm::period_label(d(2024, 12, 31), Period::quarter), "2024 Q4");
    EXPECT_EQ(qm::period_start(d(2024, 8, 17), Period::quarter), d(2024, 7, 1));
    EXPECT_EQ(qm::next_period_start(d(2024, 12, 31), Period::quarter), d(2025, 1, 1));
    EXPECT_EQ(qm::period_label(d(2024, 3, 4), Period::day), "2024-03-04");
    EXPECT_EQ(qm::period_label(d(2024, 3, 4), Period::month), "2024-03");
}

TEST(LeapYears, FebruaryLengthsAndYearLengths) {
    auto month_length = [](int y, unsigned m) {
        return qm::next_period_start(d(y, m, 1), Period::month) - qm::period_start(d(y, m, 1), Period::month);
    };
    EXPECT_EQ(month_length(2024, 2), 29);  // divisible by 4
    EXPECT_EQ(month_length(2023, 2), 28);
    EXPECT_EQ(month_length(1900, 2), 28);  // divisible by 100, not by 400
    EXPECT_EQ(month_length(2000, 2), 29);  // divisible by 400
    EXPECT_EQ(qm::next_period_start(d(2024, 2, 28), Period::day), d(2024, 2, 29));
    EXPECT_EQ(qm::next_period_start(d(2024, 2, 29), Period::day), d(2024, 3, 1));
    EXPECT_EQ(qm::next_period_start(d(2023, 2, 28), Period::day), d(2023, 3, 1));
    EXPECT_EQ(qm::period_label(d(2024, 2, 29), Period::month), "2024-02");
    // FY 2023/24 contains 29 February 2024: 366 days; FY 2024/25 has 365.
    EXPECT_EQ(qm::next_period_start(d(2023, 4, 1), Period::financial_year) - d(2023, 4, 1), 366);
    EXPECT_EQ(qm::next_period_start(d(2024, 4, 1), Period::financial_year) - d(2024, 4, 1), 365);
    // Q4 of 2023/24 (Jan-Mar 2024) has 31 + 29 + 31 = 91 days; Q4 of 2022/23 has 90.
    EXPECT_EQ(qm::next_period_start(d(2024, 1, 1), Period::financial_quarter) - d(2024, 1, 1), 91);
    EXPECT_EQ(qm::next_period_start(d(2023, 1, 1), Period::financial_quarter) - d(2023, 1, 1), 90);
    // 2004-12-31 (a leap year starting on a Thursday) is in 2004-W53.
    EXPECT_EQ(qm::period_label(d(2004, 12, 31), Period::iso_week), "2004-W53");
}

TEST(PeriodStarts, RangesAcrossYearEnds) {
    // Days: 30, 31 December 2023 and 1, 2 January 2024.
    const auto days = qm::period_starts(d(2023, 12, 30), d(2024, 1, 2), Period::day);
    ASSERT_EQ(days.size(), 4u);
    EXPECT_EQ(ymd(days[0]), "2023-12-30");
    EXPECT_EQ(ymd(days[1]), "2023-12-31");
    EXPECT_EQ(ymd(days[2]), "2024-01-01");
    EXPECT_EQ(ymd(days[3]), "2024-01-02");
    // Months overlapping 15 Nov 2023 .. 1 Feb 2024: Nov, Dec, Jan, Feb.
    const auto months = qm::period_starts(d(2023, 11, 15), d(2024, 2, 1), Period::month);
    ASSERT_EQ(months.size(), 4u);
    EXPECT_EQ(months.front(), d(2023, 11, 1));
    EXPECT_EQ(months.back(), d(2024, 2, 1));
    // ISO weeks overlapping Fri 25 Dec 2020 .. Sun 10 Jan 2021: 2020-W52, 2020-W53, 2021-W01.
    const auto weeks = qm::period_starts(d(2020, 12, 25), d(2021, 1, 10), Period::iso_week);
    ASSERT_EQ(weeks.size(), 3u);
    EXPECT_EQ(weeks[0], d(2020, 12, 21));
    EXPECT_EQ(weeks[1], d(2020, 12, 28));
    EXPECT_EQ(weeks[2], d(2021, 1, 4));
    EXPECT_EQ(qm::period_label(weeks[1], Period::iso_week), "2020-W53");
    // Financial quarters overlapping 1 Mar 2024 .. 1 Apr 2024: 2023/24 Q4 and 2024/25 Q1.
    const auto fq = qm::period_starts(d(2024, 3, 1), d(2024, 4, 1), Period::financial_quarter);
    ASSERT_EQ(fq.size(), 2u);
    EXPECT_EQ(fq[0], d(2024, 1, 1));
    EXPECT_EQ(fq[1], d(2024, 4, 1));
    // One day: one period.
    EXPECT_EQ(qm::period_starts(d(2024, 5, 5), d(2024, 5, 5), Period::financial_year).size(), 1u);
    expect_invalid([] { qm::period_starts(d(2024, 5, 5), d(2024, 5, 4), Period::day); },
                   {"first: ", "2024-05-05 is after last (2024-05-04)"});
}

TEST(PeriodStarts, SysDaysInterface) {
    const date::sys_days day{2024_y / date::March / 31};
    EXPECT_EQ(qm::period_start(day, Period::financial_year), date::sys_days{2023_y / date::April / 1});
    EXPECT_EQ(qm::next_period_start(day, Period::iso_week), date::sys_days{2024_y / date::April / 1});
    EXPECT_EQ(qm::period_label(day, Period::financial_quarter), "2023/24 Q4");
}

TEST(PeriodStarts, ConsistentOverEveryDayOf1999To2031) {
    // For every day and period: start <= day < next start; the start is in the same period and has
    // the same label; the index of the next start is one more; iso_week.h agrees with the Monday
    // arithmetic used by aggregation; labels change exactly at period starts.
    for (Period p : all_periods) {
        std::string prev_label;
        std::int64_t prev_start = 0;
        for (std::int64_t day = d(1999, 1, 1); day <= d(2031, 12, 31); ++day) {
            const auto s = qm::period_start(day, p);
            const auto nx = qm::next_period_start(day, p);
            ASSERT_LE(s, day);
            ASSERT_LT(day, nx);
            ASSERT_EQ(qm::period_start(s, p), s);
            ASSERT_EQ(qm::period_start(nx - 1, p), s);
            ASSERT_EQ(qm::period_index(nx, p), qm::period_index(day, p) + 1);
            ASSERT_EQ(qm::period_index_start(qm::period_index(day, p), p), s) << ymd(day);
            const auto lab = qm::period_label(day, p);
            ASSERT_EQ(lab, qm::period_label(s, p));
            if (day == s) {
                ASSERT_NE(lab, prev_label) << ymd(day);
            } else if (!prev_label.empty()) {
                ASSERT_EQ(s, prev_start);
            }
            prev_label = lab;
            prev_start = s;
        }
    }
}

TEST(PeriodStarts, SupportedDaysAndBadDays) {
    EXPECT_EQ(ymd(qm::min_day), "0001-01-01");
    EXPECT_EQ(ymd(qm::max_day), "9999-12-31");
    EXPECT_EQ(qm::period_label(qm::max_day, Period::financial_year), "9999/00");
    EXPECT_EQ(qm::period_label(qm::max_day, Period::iso_week), "9999-W52");
    EXPECT_EQ(qm::period_label(qm::min_day, Period::iso_week), "0001-W01");  // 0001-01-01 was a Monday
    EXPECT_EQ(qm::period_label(qm::min_day, Period::financial_year), "0000/01");
    // January is in Q4 of the financial year that began the April before: 0000/01 Q4 starts on
    // 0001-01-01 itself, but the financial year starts before the first supported day.
    EXPECT_EQ(qm::period_label(qm::min_day, Period::financial_quarter), "0000/01 Q4");
    EXPECT_EQ(qm::period_start(qm::min_day, Period::financial_quarter), qm::min_day);
    EXPECT_EQ(qm::period_start(qm::min_day, Period::financial_year), d(0, 4, 1));
    expect_invalid([] { qm::period_start(qm::max_day + 1, Period::month); }, {"date: ", "outside the supported dates"});
    expect_invalid([] { qm::period_label(std::numeric_limits<std::int64_t>::min(), Period::day); }, {"date: "});
    const std::vector<std::int64_t> days{d(2024, 1, 1), qm::min_day - 1};
    std::vector<std::int64_t> out(2);
    expect_invalid([&] { qm::period_start(days, Period::month, out, "when"); }, {"when[1]: "});
    std::vector<std::int64_t> short_out(1);
    expect_invalid([&] { qm::period_start(days, Period::month, short_out); }, {"out: "});
}

TEST(PeriodStarts, Vectorised) {
    const std::vector<std::int64_t> days{d(2024, 3, 31), d(2024, 4, 1), d(2023, 4, 1)};
    std::vector<std::int64_t> out(3);
    qm::period_start(days, Period::financial_year, out);
    EXPECT_EQ(out, (std::vector<std::int64_t>{d(2023, 4, 1), d(2024, 4, 1), d(2023, 4, 1)}));
}

// ================================================================================================
// Aggregation
// ================================================================================================

TEST(Aggregate, CountsWithAnEmptyPeriodMadeExplicit) {
    // Two events in January 2024, none in February, one in March: three rows, February 0.
    const std::vector<std::int64_t> days{d(2024, 1, 3), d(2024, 3, 9), d(2024, 1, 31)};
    const auto t = qm::aggregate_periods({.days = days}, {.period = Period::month});
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t.start, (std::vector<std::int64_t>{d(2024, 1, 1), d(2024, 2, 1), d(2024, 3, 1)}));
    EXPECT_EQ(t.n_records, (std::vector<std::int64_t>{2, 0, 1}));
    EXPECT_EQ(t.value, (std::vector<double>{2, 0, 1}));
    EXPECT_EQ(t.has_data, (std::vector<std::uint8_t>{1, 0, 1}));
    EXPECT_EQ(t.offsets, (std::vector<std::size_t>{0, 3}));
    EXPECT_EQ(t.n_excluded, 0u);
    EXPECT_TRUE(t.numerator.empty());
}

TEST(Aggregate, OneRecord) {
    const std::vector<std::int64_t> days{d(2024, 3, 31)};
    const std::vector<double> v{4.5};
    const auto t = qm::aggregate_periods({.days = days, .numerator = v},
                                         {.period = Period::financial_quarter, .how = qm::Aggregate::mean});
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t.start[0], d(2024, 1, 1));
    EXPECT_EQ(t.value[0], 4.5);
    EXPECT_EQ(t.n_values[0], 1);
}

TEST(Aggregate, EmptyPeriodsForSumMeanAndRatio) {
    // Records in weeks 2024-W01 and 2024-W03; 2024-W02 has none.
    const std::vector<std::int64_t> days{d(2024, 1, 1), d(2024, 1, 7), d(2024, 1, 15)};
    const std::vector<double> num{1, 2, 5}, den{10, 10, 20};
    const auto s = qm::aggregate_periods({.days = days, .numerator = num},
                                         {.period = Period::iso_week, .how = qm::Aggregate::sum});
    EXPECT_EQ(s.value, (std::vector<double>{3, 0, 5}));  // no records: a sum of nothing, 0
    const auto m = qm::aggregate_periods({.days = days, .numerator = num},
                                         {.period = Period::iso_week, .how = qm::Aggregate::mean});
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m.value[0], 1.5);
    EXPECT_TRUE(std::isnan(m.value[1]));
    EXPECT_EQ(m.value[2], 5.0);
    const auto r = qm::aggregate_periods({.days = days, .numerator = num, .denominator = den},
                                         {.period = Period::iso_week, .how = qm::Aggregate::ratio});
    EXPECT_EQ(r.numerator, (std::vector<double>{3, 0, 5}));
    EXPECT_EQ(r.denominator, (std::vector<double>{20, 0, 20}));
    EXPECT_EQ(r.value[0], 3.0 / 20.0);
    EXPECT_TRUE(std::isnan(r.value[1]));
    EXPECT_EQ(r.value[2], 0.25);
    EXPECT_EQ(r.has_data, (std::vector<std::uint8_t>{1, 0, 1}));
}

TEST(Aggregate, MissingValues) {
    // January: values 2 and NaN; February: NaN only; March: none.
    const std::vector<std::int64_t> days{d(2024, 1, 2), d(2024, 1, 3), d(2024, 2, 1)};
    const std::vector<double> v{2, NaN, NaN};
    const auto s = qm::aggregate_periods({.days = days, .numerator = v},
                                         {.period = Period::month, .how = qm::Aggregate::sum, .end = d(2024, 3, 1)});
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s.value[0], 2.0);
    EXPECT_TRUE(std::isnan(s.value[1]));  // records, but no value: unknown, not 0
    EXPECT_EQ(s.value[2], 0.0);           // no records at all
    EXPECT_EQ(s.n_records, (std::vector<std::int64_t>{2, 1, 0}));
    EXPECT_EQ(s.n_values, (std::vector<std::int64_t>{1, 0, 0}));
    // Ratio uses the records with both parts: January 3/10 (the NaN numerator's denominator 99 is left out).
    const std::vector<double> num{3, NaN, 1}, den{10, 99, NaN};
    const auto r = qm::aggregate_periods({.days = days, .numerator = num, .denominator = den},
                                         {.period = Period::month, .how = qm::Aggregate::ratio});
    EXPECT_EQ(r.value[0], 0.3);
    EXPECT_EQ(r.denominator[0], 10.0);
    EXPECT_TRUE(std::isnan(r.value[1]));
    EXPECT_EQ(r.n_values, (std::vector<std::int64_t>{1, 0}));
    // A zero denominator: NaN, not inf.
    const std::vector<double> zero{0, 0, 0};
    const auto z = qm::aggregate_periods({.days = days, .numerator = num, .denominator = zero},
                                         {.period = Period::month, .how = qm::Aggregate::ratio});
    EXPECT_TRUE(std::isnan(z.value[0]));
}

TEST(Aggregate, MeanIsAccurate) {
    // 1e16 + 1 - 1e16 summed naively is 0; the double-double sum keeps the 1: mean 1/3.
    const std::vector<std::int64_t> days(3, d(2024, 1, 1));
    const std::vector<double> v{1e16, 1.0, -1e16};
    const auto m = qm::aggregate_periods({.days = days, .numerator = v}, {.period = Period::day, .how = qm::Aggregate::mean});
    EXPECT_EQ(m.value[0], 1.0 / 3.0);
}

TEST(Aggregate, UnsortedInputGivesTheSameTable) {
    const std::vector<std::int64_t> sorted{d(2023, 3, 31), d(2023, 4, 1), d(2023, 7, 1), d(2024, 1, 2), d(2024, 3, 31)};
    const std::vector<double> v{1, 2, 3, 4, 5};
    const std::vector<std::int64_t> shuffled{sorted[3], sorted[0], sorted[4], sorted[2], sorted[1]};
    const std::vector<double> w{4, 1, 5, 3, 2};
    const qm::AggregateOptions o{.period = Period::financial_quarter, .how = qm::Aggregate::sum};
    const auto a = qm::aggregate_periods({.days = sorted, .numerator = v}, o);
    const auto b = qm::aggregate_periods({.days = shuffled, .numerator = w}, o);
    // 2022/23 Q4 (1), 2023/24 Q1 (2), Q2 (3), Q3 (none: 0), Q4 (4 + 5).
    EXPECT_EQ(a.value, (std::vector<double>{1, 2, 3, 0, 9}));
    EXPECT_EQ(a.value, b.value);
    EXPECT_EQ(a.start, b.start);
    EXPECT_EQ(a.n_records, b.n_records);
}

TEST(Aggregate, StartAndEndPadAndExclude) {
    // Range Feb .. Apr 2024 (given as mid-month days: whole periods are used). Records in Jan and
    // May are left out; March has none; the table still has Feb, Mar, Apr.
    const std::vector<std::int64_t> days{d(2024, 1, 15), d(2024, 2, 1), d(2024, 4, 30), d(2024, 5, 1)};
    const auto t = qm::aggregate_periods(
        {.days = days}, {.period = Period::month, .start = d(2024, 2, 14), .end = d(2024, 4, 2)});
    EXPECT_EQ(t.start, (std::vector<std::int64_t>{d(2024, 2, 1), d(2024, 3, 1), d(2024, 4, 1)}));
    EXPECT_EQ(t.n_records, (std::vector<std::int64_t>{1, 0, 1}));
    EXPECT_EQ(t.n_excluded, 2u);
    // A range wider than the data: empty periods before and after.
    const auto w = qm::aggregate_periods({.days = days}, {.period = Period::quarter, .start = d(2023, 10, 1),
                                                          .end = d(2024, 12, 31)});
    EXPECT_EQ(w.n_records, (std::vector<std::int64_t>{0, 2, 2, 0, 0}));
    // Every record out of range: the periods of the range, all empty.
    const auto e = qm::aggregate_periods({.days = days}, {.period = Period::month, .start = d(2025, 1, 1),
                                                          .end = d(2025, 2, 1)});
    EXPECT_EQ(e.n_records, (std::vector<std::int64_t>{0, 0}));
    EXPECT_EQ(e.n_excluded, 4u);
    // Only a start: up to the last record.
    const auto s = qm::aggregate_periods({.days = days}, {.period = Period::month, .start = d(2024, 4, 1)});
    EXPECT_EQ(s.n_records, (std::vector<std::int64_t>{1, 1}));
    EXPECT_EQ(s.n_excluded, 2u);
}

TEST(Aggregate, NoRecords) {
    const auto t = qm::aggregate_periods({}, {.period = Period::month});
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.offsets, (std::vector<std::size_t>{0, 0}));
    const auto r = qm::aggregate_periods({}, {.period = Period::financial_year, .start = d(2020, 1, 1), .end = d(2021, 6, 1)});
    EXPECT_EQ(r.start, (std::vector<std::int64_t>{d(2019, 4, 1), d(2020, 4, 1), d(2021, 4, 1)}));
    EXPECT_EQ(r.value, (std::vector<double>{0, 0, 0}));
}

TEST(Aggregate, GroupsShareThePeriodsOrKeepTheirOwn) {
    // Group 0: Jan and Mar 2024; group 1: Mar and May 2024; group 2: no records. Rows interleaved.
    const std::vector<std::int64_t> days{d(2024, 3, 5), d(2024, 1, 5), d(2024, 5, 5), d(2024, 3, 6), d(2024, 3, 7)};
    const std::vector<std::int64_t> groups{1, 0, 1, 0, 1};
    const auto all = qm::aggregate_periods({.days = days, .groups = groups}, {.period = Period::month, .n_groups = 3});
    // Jan..May = 5 periods for each of 3 groups.
    ASSERT_EQ(all.size(), 15u);
    EXPECT_EQ(all.offsets, (std::vector<std::size_t>{0, 5, 10, 15}));
    EXPECT_EQ(std::vector<std::int64_t>(all.n_records.begin(), all.n_records.begin() + 5),
              (std::vector<std::int64_t>{1, 0, 1, 0, 0}));
    EXPECT_EQ(std::vector<std::int64_t>(all.n_records.begin() + 5, all.n_records.begin() + 10),
              (std::vector<std::int64_t>{0, 0, 2, 0, 1}));
    EXPECT_EQ(std::vector<std::int64_t>(all.n_records.begin() + 10, all.n_records.end()),
              (std::vector<std::int64_t>{0, 0, 0, 0, 0}));
    EXPECT_EQ(all.group[4], 0);
    EXPECT_EQ(all.group[5], 1);
    EXPECT_EQ(all.start[5], d(2024, 1, 1));

    const auto own = qm::aggregate_periods({.days = days, .groups = groups},
                                           {.period = Period::month, .span = qm::PeriodSpan::group, .n_groups = 3});
    // Group 0: Jan..Mar (3 rows); group 1: Mar..May (3 rows); group 2: none.
    EXPECT_EQ(own.offsets, (std::vector<std::size_t>{0, 3, 6, 6}));
    EXPECT_EQ(own.start, (std::vector<std::int64_t>{d(2024, 1, 1), d(2024, 2, 1), d(2024, 3, 1), d(2024, 3, 1),
                                                    d(2024, 4, 1), d(2024, 5, 1)}));
    EXPECT_EQ(own.n_records, (std::vector<std::int64_t>{1, 0, 1, 2, 0, 1}));
}

TEST(Aggregate, BadInput) {
    const std::vector<std::int64_t> days{d(2024, 1, 1), d(2024, 1, 2), d(2024, 1, 3)};
    const std::vector<double> ok{1, 2, 3}, inf{1, INFINITY, 3}, neg{1, 2, -1}, two{1, 2};
    const std::vector<std::int64_t> bad_days{d(2024, 1, 1), qm::max_day + 10};
    const std::vector<std::int64_t> groups{0, -1, 0}, short_groups{0, 0}, sparse{0, 1, 1'000'000'000};
    expect_invalid([&] { qm::aggregate_periods({.days = bad_days}); }, {"date[1]: ", "outside the supported dates"});
    expect_invalid([&] { qm::aggregate_periods({.days = days, .numerator = inf}, {.how = qm::Aggregate::sum}); },
                   {"value[1]: ", "finite"});
    expect_invalid([&] { qm::aggregate_periods({.days = days}, {.how = qm::Aggregate::mean}); }, {"value: ", "needed"});
    expect_invalid([&] { qm::aggregate_periods({.days = days, .numerator = two}, {.how = qm::Aggregate::mean}); },
                   {"value: ", "has 2 rows"});
    expect_invalid(
        [&] { qm::aggregate_periods({.days = days, .numerator = ok, .denominator = neg}, {.how = qm::Aggregate::ratio}); },
        {"denominator[2]: ", "negative"});
    expect_invalid([&] { qm::aggregate_periods({.days = days, .numerator = ok}, {.how = qm::Aggregate::ratio}); },
                   {"denominator: ", "needed"});
    expect_invalid([&] { qm::aggregate_periods({.days = days, .groups = groups}); }, {"group[1]: ", "missing"});
    expect_invalid([&] { qm::aggregate_periods({.days = days, .groups = short_groups}); }, {"group: ", "2 rows"});
    expect_invalid([&] { qm::aggregate_periods({.days = days, .groups = sparse}); }, {"group: ", "dense"});
    expect_invalid([&] { qm::aggregate_periods({.days = days, .groups = sparse}, {.n_groups = 2}); },
                   {"group[2]: ", "not below the number of groups 2"});
    expect_invalid([&] { qm::aggregate_periods({.days = days}, {.start = d(2024, 2, 1), .end = d(2024, 1, 1)}); },
                   {"start: ", "2024-02-01 is after end (2024-01-01)"});
    expect_invalid([&] { qm::aggregate_periods({.days = days}, {.start = qm::min_day - 1}); }, {"start: "});
}

// ================================================================================================
// t chart: days between events
// ================================================================================================

TEST(DaysBetween, ConsecutiveEvents) {
    // Events on 1, 4 and 11 January 2024: 3 and 7 days; the first event has no interval.
    const std::vector<std::int64_t> days{d(2024, 1, 1), d(2024, 1, 4), d(2024, 1, 11)};
    const auto t = qm::days_between(days);
    EXPECT_EQ(t.value, (std::vector<double>{3, 7}));
    EXPECT_EQ(t.row, (std::vector<std::size_t>{1, 2}));
    EXPECT_EQ(t.previous_row, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(t.event, (std::vector<std::int64_t>{2, 3}));
    // Across a year end and a leap day: 2023-12-31 -> 2024-03-01 is 1 + 31 + 29 = 61 days.
    const std::vector<std::int64_t> ye{d(2023, 12, 31), d(2024, 3, 1)};
    EXPECT_EQ(qm::days_between(ye).value, (std::vector<double>{61}));
    // Two events on one day: 0 days.
    const std::vector<std::int64_t> same{d(2024, 1, 1), d(2024, 1, 1)};
    EXPECT_EQ(qm::days_between(same).value, (std::vector<double>{0}));
    // One event and no events: no intervals.
    EXPECT_EQ(qm::days_between(std::span<const std::int64_t>(days.data(), 1)).size(), 0u);
    EXPECT_EQ(qm::days_between({}).size(), 0u);
}

TEST(DaysBetween, TimestampsGiveFractionalDays) {
    // 2024-01-01 06:00 -> 2024-01-02 18:00 is 1.5 days; -> 2024-01-02 18:00 again is 0.
    const std::int64_t t0 = d(2024, 1, 1) * NS_PER_DAY + NS_PER_DAY / 4;
    const std::int64_t t1 = d(2024, 1, 2) * NS_PER_DAY + 3 * NS_PER_DAY / 4;
    const std::vector<std::int64_t> ts{t0, t1, t1};
    const auto t = qm::days_between(ts, {}, {.units_per_day = NS_PER_DAY});
    EXPECT_EQ(t.value, (std::vector<double>{1.5, 0.0}));
    // Whole days far apart stay exact (8.64e18 ns is not exactly a double; the day count is).
    const std::vector<std::int64_t> far{std::numeric_limits<std::int64_t>::min() + 1,
                                        std::numeric_limits<std::int64_t>::min() + 1 + 100'000 * NS_PER_DAY};
    EXPECT_EQ(qm::days_between(far, {}, {.units_per_day = NS_PER_DAY}).value, (std::vector<double>{100'000}));
}

TEST(DaysBetween, GroupsAreInterleavedRows) {
    // Ward 0: days 0, 5, 6; ward 1: days 2, 10. Output is ordered by group, then time.
    const std::vector<std::int64_t> days{0, 2, 5, 10, 6};
    const std::vector<std::int64_t> groups{0, 1, 0, 1, 0};
    const auto t = qm::days_between(days, groups);
    EXPECT_EQ(t.group, (std::vector<std::int64_t>{0, 0, 1}));
    EXPECT_EQ(t.value, (std::vector<double>{5, 1, 8}));
    EXPECT_EQ(t.row, (std::vector<std::size_t>{2, 4, 3}));
    EXPECT_EQ(t.previous_row, (std::vector<std::size_t>{0, 2, 1}));
}

TEST(DaysBetween, EventsOutOfOrder) {
    // Group 0 in order (1 -> 6 January); group 1 goes back from 10 January (row 1) to 8 January (row 3).
    const std::vector<std::int64_t> days{d(2024, 1, 1), d(2024, 1, 10), d(2024, 1, 6), d(2024, 1, 8)};
    const std::vector<std::int64_t> groups{0, 1, 0, 1};
    const auto o = qm::find_out_of_order(days, groups);
    EXPECT_EQ(o.row, 3u);
    EXPECT_EQ(o.previous_row, 1u);
    expect_invalid([&] { qm::days_between(days, groups); },
                   {"date[3]: ", "2024-01-08 is earlier than the event before it", "date[1]", "2024-01-10", "sorted"});
    // Asked to sort: group 1 becomes 8 -> 10 January, 2 days.
    const auto t = qm::days_between(days, groups, {.sort = true});
    EXPECT_EQ(t.value, (std::vector<double>{5, 2}));
    EXPECT_EQ(t.row, (std::vector<std::size_t>{2, 1}));
    EXPECT_EQ(t.previous_row, (std::vector<std::size_t>{0, 3}));
    EXPECT_TRUE(qm::find_out_of_order(days, {}).row == 2u);  // ungrouped: row 2 (6 Jan) after 10 Jan
    const std::vector<std::int64_t> bad_groups{0, -1, 0, 1};
    expect_invalid([&] { qm::days_between(days, bad_groups); }, {"group[1]: "});
    expect_invalid([&] { qm::days_between(days, {}, {.units_per_day = 0}); }, {"units_per_day: "});
}

// ================================================================================================
// g chart: cases between events
// ================================================================================================

TEST(CasesBetween, FromAnIndicator) {
    // Cases: 0 0 1 | 0 1 | 1 | 0 0  -> 2 cases before the first event, 1, then 0; 2 still open.
    const std::vector<double> ind{0, 0, 1, 0, 1, 1, 0, 0};
    const auto g = qm::cases_between(ind);
    EXPECT_EQ(g.value, (std::vector<double>{2, 1, 0}));
    EXPECT_EQ(g.row, (std::vector<std::size_t>{2, 4, 5}));
    EXPECT_EQ(g.previous_row, (std::vector<std::size_t>{qm::npos, 2, 4}));
    EXPECT_EQ(g.event, (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(g.open, (std::vector<std::int64_t>{2}));
    const auto h = qm::cases_between(ind, {}, {}, {.include_first = false});
    EXPECT_EQ(h.value, (std::vector<double>{1, 0}));
    EXPECT_EQ(h.event, (std::vector<std::int64_t>{2, 3}));
}

TEST(CasesBetween, IndicatorWithGroupsAndTimes) {
    // Theatre A rows 0, 2, 4, 5: 0 1 0 1; theatre B rows 1, 3: 0 0 (no events, 2 open).
    const std::vector<double> ind{0, 0, 1, 0, 0, 1};
    const std::vector<std::int64_t> groups{0, 1, 0, 1, 0, 0};
    const auto g = qm::cases_between(ind, groups);
    EXPECT_EQ(g.value, (std::vector<double>{1, 1}));
    EXPECT_EQ(g.group, (std::vector<std::int64_t>{0, 0}));
    EXPECT_EQ(g.open, (std::vector<std::int64_t>{0, 2}));
    // Times out of order within A: rows 2 (day 5) then 4 (day 3).
    const std::vector<std::int64_t> times{1, 1, 5, 2, 3, 6};
    expect_invalid([&] { qm::cases_between(ind, groups, times); }, {"date[4]: ", "date[2]"});
    // Sorted by time, A is rows 0 (day 1, 0), 4 (day 3, 0), 2 (day 5, 1), 5 (day 6, 1): values 2, 0.
    const auto s = qm::cases_between(ind, groups, times, {.sort = true});
    EXPECT_EQ(s.value, (std::vector<double>{2, 0}));
    EXPECT_EQ(s.row, (std::vector<std::size_t>{2, 5}));
}

TEST(CasesBetween, IndicatorBadInput) {
    const std::vector<double> two{0, 1, 0, 2}, nan{0, NaN}, half{0.5};
    expect_invalid([&] { qm::cases_between(two); }, {"event[3]: ", "got 2"});
    expect_invalid([&] { qm::cases_between(nan); }, {"event[1]: ", "missing"});
    expect_invalid([&] { qm::cases_between(half); }, {"event[0]: "});
    const std::vector<std::int64_t> g1{0};
    expect_invalid([&] { qm::cases_between(nan, g1); }, {"group: ", "1 rows"});
}

TEST(CasesBetween, FromEventDaysAndDailyCaseCounts) {
    // Cases per day: d1 5, d2 3, d3 none (no row), d4 4, d5 6. Events: one on d2, two on d4.
    // Events are the last cases of their day. Cumulative cases: d1 5, d2 8, d4 12, d5 18.
    //   event on d2 is case 8: 8 - 0 - 1 = 7 cases before it (5 on d1, 2 on d2);
    //   first event on d4 is case 11: 11 - 8 - 1 = 2; the second is case 12: 0.
    //   Cases after the last event: 18 - 12 = 6 (d5).
    const std::int64_t d1 = d(2024, 2, 27);
    const std::vector<std::int64_t> case_days{d1 + 4, d1, d1 + 1, d1 + 3};  // any order
    const std::vector<double> counts{6, 5, 3, 4};
    const std::vector<std::int64_t> events{d1 + 1, d1 + 3, d1 + 3};
    const auto g = qm::cases_between_days(events, {}, case_days, counts);
    EXPECT_EQ(g.value, (std::vector<double>{7, 2, 0}));
    EXPECT_EQ(g.open, (std::vector<std::int64_t>{6}));
    EXPECT_EQ(g.event, (std::vector<std::int64_t>{1, 2, 3}));
    // The same cases as an ordered indicator (events last in their day) give the same values.
    std::vector<double> ind(18, 0.0);
    ind[7] = ind[10] = ind[11] = 1.0;
    const auto h = qm::cases_between(ind);
    EXPECT_EQ(h.value, g.value);
    EXPECT_EQ(h.open, g.open);
}

TEST(CasesBetween, EventDaysWithGroups) {
    // Ward 0: cases d0 2, d1 2; event on d1 -> case 4, value 3, open 0.
    // Ward 1: cases d0 1; events on d0 -> case 1, value 0, open 0. Ward 2: cases d0 3, no events.
    const std::vector<std::int64_t> case_days{0, 1, 0, 0}, case_groups{0, 0, 1, 2};
    const std::vector<double> counts{2, 2, 1, 3};
    const std::vector<std::int64_t> events{0, 1}, event_groups{1, 0};
    const auto g = qm::cases_between_days(events, event_groups, case_days, counts, case_groups);
    EXPECT_EQ(g.group, (std::vector<std::int64_t>{0, 1}));
    EXPECT_EQ(g.value, (std::vector<double>{3, 0}));
    EXPECT_EQ(g.row, (std::vector<std::size_t>{1, 0}));
    EXPECT_EQ(g.open, (std::vector<std::int64_t>{0, 0, 3}));
}

TEST(CasesBetween, EventDaysBadInput) {
    const std::vector<std::int64_t> case_days{10, 11, 12};
    const std::vector<double> counts{3, 1, 2};
    const std::vector<std::int64_t> no_cases_day{10, 13}, too_many{11, 11}, unordered{12, 10};
    expect_invalid([&] { qm::cases_between_days(no_cases_day, {}, case_days, counts); },
                   {"date[1]: ", "1 event(s) on 1970-01-14 but no cases"});
    expect_invalid([&] { qm::cases_between_days(too_many, {}, case_days, counts); },
                   {"date[0]: ", "2 event(s) on 1970-01-12 but 1 case(s)"});
    expect_invalid([&] { qm::cases_between_days(unordered, {}, case_days, counts); }, {"date[1]: ", "earlier"});
    // Sorted: cumulative cases day 10: 3, day 11: 4, day 12: 6. The day-10 event is case 3 (2 before
    // it), the day-12 event case 6 (6 - 3 - 1 = 2 between).
    EXPECT_EQ(qm::cases_between_days(unordered, {}, case_days, counts, {}, {.sort = true}).value,
              (std::vector<double>{2, 2}));
    const std::vector<double> neg{3, -1, 2}, frac{3, 1.5, 2}, nan{NaN, 1, 2};
    expect_invalid([&] { qm::cases_between_days(too_many, {}, case_days, neg); }, {"case_count[1]: ", "whole number"});
    expect_invalid([&] { qm::cases_between_days(too_many, {}, case_days, frac); }, {"case_count[1]: ", "1.5"});
    expect_invalid([&] { qm::cases_between_days(too_many, {}, case_days, nan); }, {"case_count[0]: ", "missing"});
    const std::vector<std::int64_t> dup_days{10, 11, 10};
    expect_invalid([&] { qm::cases_between_days(too_many, {}, dup_days, counts); },
                   {"case_date[2]: ", "1970-01-11 appears twice", "case_date[0]"});
    const std::vector<std::int64_t> eg{0, 0};
    expect_invalid([&] { qm::cases_between_days(too_many, eg, case_days, counts); }, {"case_group: ", "both"});
}
