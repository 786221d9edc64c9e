// Tests of the core: accurate means (qm/stats/sum.hpp), long-format layout (qm/core/groups.hpp),
// the error family (qm/core/error.hpp) and the shared vocabulary (qm/core/types.hpp).
//
// Every expected value is worked out by hand in the comments next to it.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include <qm/qm.hpp>

#include "test_support.hpp"

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

using qm_test::expect_invalid;

/// Plain left-to-right summation, the way a naive kernel would do it (for contrast only).
double naive_mean(const std::vector<double>& x) {
    double s = 0.0;
    for (double v : x) s += v;
    return s / static_cast<double>(x.size());
}

}  // namespace

// ================================================================================================
// qm::stats::mean_skip_nan
// ================================================================================================

TEST(MeanSkipNan, CancellationThatNaiveSummationLoses) {
    // 1e16 + 1 rounds to 1e16 in double (the spacing of doubles at 1e16 is 2, and the tie goes to
    // the even 1e16), so a naive sum gives (1e16 + 1) - 1e16 = 0. The exact sum is 1, mean 1/3.
    const std::vector<double> x{1e16, 1.0, -1e16};
    EXPECT_EQ(naive_mean(x), 0.0);  // the naive answer loses every digit
    const auto m = qm::stats::mean_skip_nan(x);
    EXPECT_EQ(m.count, 3u);
    EXPECT_EQ(m.mean, 1.0 / 3.0);  // exact sum 1, correctly rounded quotient 1/3
}

TEST(MeanSkipNan, CancellationAcrossLanes) {
    // Four values, one per accumulation lane: exact sum 1 + 1 = 2, mean 2/4 = 0.5.
    const std::vector<double> a{1e16, 1.0, 1.0, -1e16};
    EXPECT_EQ(qm::stats::mean_skip_nan(a).mean, 0.5);
    // Lanes 1 and 3 cancel (1e100 - 1e100), lanes 0 and 2 hold 1 + 1: mean 2/4 = 0.5.
    const std::vector<double> b{1.0, 1e100, 1.0, -1e100};
    EXPECT_EQ(qm::stats::mean_skip_nan(b).mean, 0.5);
    // 1e16, then 1000 ones, then -1e16: exact sum 1000 over 1002 values.
    std::vector<double> c{1e16};
    c.insert(c.end(), 1000, 1.0);
    c.push_back(-1e16);
    const auto mc = qm::stats::mean_skip_nan(c);
    EXPECT_EQ(mc.count, 1002u);
    EXPECT_EQ(mc.mean, 1000.0 / 1002.0);
}

TEST(MeanSkipNan, RepresentableMeanIsExact) {
    // Ten copies of the double nearest 0.1: the exact mean is that double itself. Summing naively
    // gives 0.9999999999999999, and dividing by 10 gives 0.09999999999999999 != 0.1.
    const std::vector<double> ten(10, 0.1);
    EXPECT_NE(naive_mean(ten), 0.1);
    EXPECT_EQ(qm::stats::mean_skip_nan(ten).mean, 0.1);

    // A million copies of 0.1 (a naive running sum ends at 100000.00000133288, off by 1.3e-11).
    const std::vector<double> many(1'000'000, 0.1);
    EXPECT_EQ(qm::stats::mean_skip_nan(many).mean, 0.1);

    // Three copies of 0.7: naive 0.7 + 0.7 + 0.7 = 2.0999999999999996, / 3 = 0.6999999999999998.
    const std::vector<double> sevens(3, 0.7);
    EXPECT_NE(naive_mean(sevens), 0.7);
    EXPECT_EQ(qm::stats::mean_skip_nan(sevens).mean, 0.7);

    // Symmetric pairs about 0.1: 0.1 + 0.0625 and 0.1 - 0.0625 are exact in double (0.1's
    // last mantissa bit is 0, so 0.1 is a multiple of 2^-55, the spacing in [0.125, 0.25);
    // 0.1 - 0.0625 is exact by Sterbenz). Each pair sums to exactly 2 * 0.1, so the mean of
    // 3 pairs and 5 copies of 0.1 is exactly 0.1.
    const double d = 0.1, hi = d + 0.0625, lo = d - 0.0625;
    const std::vector<double> pairs{hi, d, lo, hi, d, d, lo, d, hi, lo, d};
    EXPECT_EQ(qm::stats::mean_skip_nan(pairs).mean, 0.1);
}

TEST(MeanSkipNan, SmallExactCases) {
    EXPECT_EQ(qm::stats::mean_skip_nan(std::vector<double>{1.0, 2.0}).mean, 1.5);          // 3 / 2
    EXPECT_EQ(qm::stats::mean_skip_nan(std::vector<double>{-4.0, 1.0, 2.0, 3.0, 8.0}).mean, 2.0);  // 10 / 5
    EXPECT_EQ(qm::stats::mean_skip_nan(std::vector<double>{7.25}).mean, 7.25);
}

TEST(MeanSkipNan, SkipsMissing) {
    // Non-missing 1, 2, 3: sum 6, count 3, mean 2.
    const std::vector<double> x{NaN, 1.0, NaN, 2.0, 3.0, NaN};
    const auto m = qm::stats::mean_skip_nan(x);
    EXPECT_EQ(m.count, 3u);
    EXPECT_EQ(m.mean, 2.0);
    // Seven values so that both the four-lane loop and the tail see a NaN: 10, 20, 30, 40 kept,
    // sum 100, mean 25.
    const std::vector<double> y{10.0, NaN, 20.0, 30.0, NaN, NaN, 40.0};
    const auto my = qm::stats::mean_skip_nan(y);
    EXPECT_EQ(my.count, 4u);
    EXPECT_EQ(my.mean, 25.0);
}

TEST(MeanSkipNan, EmptyAndAllMissing) {
    const auto e = qm::stats::mean_skip_nan(std::span<const double>{});
    EXPECT_EQ(e.count, 0u);
    EXPECT_TRUE(std::isnan(e.mean));
    const std::vector<double> all_nan(9, NaN);
    const auto a = qm::stats::mean_skip_nan(all_nan);
    EXPECT_EQ(a.count, 0u);
    EXPECT_TRUE(std::isnan(a.mean));
}

// ================================================================================================
// qm::stats::mean_abs_diff_skip_nan / mean_abs_diff_below
// ================================================================================================

TEST(MeanAbsDiff, Basic) {
    // |3 - 1| = 2, |6 - 3| = 3: mean (2 + 3) / 2 = 2.5.
    const auto m = qm::stats::mean_abs_diff_skip_nan(std::vector<double>{1.0, 3.0, 6.0});
    EXPECT_EQ(m.count, 2u);
    EXPECT_EQ(m.mean, 2.5);
    // Falling values give positive ranges: |2 - 10| = 8, |0 - 2| = 2, |4 - 0| = 4, |3 - 4| = 1,
    // |8 - 3| = 5: sum 20 over 5 = 4.
    EXPECT_EQ(qm::stats::mean_abs_diff_skip_nan(std::vector<double>{10.0, 2.0, 0.0, 4.0, 3.0, 8.0}).mean, 4.0);
}

TEST(MeanAbsDiff, MissingValuesAreNotBridged) {
    // 1, NaN, 5, 6: |NaN - 1| and |5 - NaN| are missing, only |6 - 5| = 1 remains.
    // (Bridging the gap would add |5 - 1| = 4 and give 2.5.)
    const auto m = qm::stats::mean_abs_diff_skip_nan(std::vector<double>{1.0, NaN, 5.0, 6.0});
    EXPECT_EQ(m.count, 1u);
    EXPECT_EQ(m.mean, 1.0);
    // 0, 2, NaN, NaN, 7, 4: ranges 2 and 3 remain, mean 2.5.
    const auto m2 = qm::stats::mean_abs_diff_skip_nan(std::vector<double>{0.0, 2.0, NaN, NaN, 7.0, 4.0});
    EXPECT_EQ(m2.count, 2u);
    EXPECT_EQ(m2.mean, 2.5);
}

TEST(MeanAbsDiff, TooShortOrAllMissing) {
    const auto one = qm::stats::mean_abs_diff_skip_nan(std::vector<double>{5.0});
    EXPECT_EQ(one.count, 0u);
    EXPECT_TRUE(std::isnan(one.mean));
    const auto none = qm::stats::mean_abs_diff_skip_nan(std::span<const double>{});
    EXPECT_EQ(none.count, 0u);
    EXPECT_TRUE(std::isnan(none.mean));
    const auto gaps = qm::stats::mean_abs_diff_skip_nan(std::vector<double>{1.0, NaN, 2.0, NaN});
    EXPECT_EQ(gaps.count, 0u);
    EXPECT_TRUE(std::isnan(gaps.mean));
}

TEST(MeanAbsDiffBelow, KeepsOnlyRangesStrictlyBelowTheLimit) {
    // Ranges of 0, 1, 0, 1, 0, 21: 1, 1, 1, 1, 21. Below 5: four ranges of 1, mean 1.
    const std::vector<double> x{0.0, 1.0, 0.0, 1.0, 0.0, 21.0};
    const auto m = qm::stats::mean_abs_diff_below(x, 5.0);
    EXPECT_EQ(m.count, 4u);
    EXPECT_EQ(m.mean, 1.0);
    // A range equal to the limit is dropped (strict <): 0, 2, 0 has ranges 2, 2.
    const std::vector<double> y{0.0, 2.0, 0.0};
    const auto at = qm::stats::mean_abs_diff_below(y, 2.0);
    EXPECT_EQ(at.count, 0u);
    EXPECT_TRUE(std::isnan(at.mean));
    const auto above = qm::stats::mean_abs_diff_below(y, 2.0000001);
    EXPECT_EQ(above.count, 2u);
    EXPECT_EQ(above.mean, 2.0);
}

TEST(MeanAbsDiffBelow, MissingRangesAreSkipped) {
    // 3, NaN, 4, 6, 16: ranges NaN, NaN, 2, 10. Below 5: only 2.
    const auto m = qm::stats::mean_abs_diff_below(std::vector<double>{3.0, NaN, 4.0, 6.0, 16.0}, 5.0);
    EXPECT_EQ(m.count, 1u);
    EXPECT_EQ(m.mean, 2.0);
    const auto one = qm::stats::mean_abs_diff_below(std::vector<double>{3.0}, 5.0);
    EXPECT_EQ(one.count, 0u);
    EXPECT_TRUE(std::isnan(one.mean));
}

// ================================================================================================
// qm::layout_groups
// ================================================================================================

// Result columns (qm/core/memory.hpp): sizing does not zero what a kernel will write; the tests
// are built with QM_POISON_COLUMNS, so new elements are 0xA5 bytes and an unwritten one shows.
TEST(Column, NewElementsArePoisonedInTheTestsAndReusedOnesKept) {
    qm::Column<std::uint16_t> c;
    qm::detail::size_column(c, 3);
    ASSERT_EQ(c.size(), 3u);
    for (auto v : c) EXPECT_EQ(v, 0xA5A5);  // poisoned: the define reaches the tests
    c[1] = 7;
    c.resize(1);
    qm::detail::size_column(c, 2);  // within capacity: element 0 kept, element 1 new again
    EXPECT_EQ(c[0], 0xA5A5);
    EXPECT_EQ(c[1], 0xA5A5);
    c.assign({1, 2});  // values given are values kept
    qm::detail::size_column(c, 2);
    EXPECT_EQ(c[0], 1);
    EXPECT_EQ(c[1], 2);
    qm::Column<double> big;  // a fresh block of 4 MiB and more (the huge-page path)
    qm::detail::size_column(big, std::size_t{1} << 20);
    std::uint64_t bits = 0;
    std::memcpy(&bits, &big[12345], sizeof bits);
    EXPECT_EQ(bits, 0xA5A5A5A5A5A5A5A5ULL);
    qm::Column<int> moved = qm::Column<int>{4, 5};
    EXPECT_EQ(std::vector<int>(moved.begin(), moved.end()), (std::vector<int>{4, 5}));
}

// The column cache (qm/core/memory.hpp): a freed block of 1 MiB and more is kept, up to the limit,
// for the next column of the same size rounded up to 64 KiB. Off under AddressSanitizer, where
// every large column goes to the system and the counts stay as they were.
TEST(ColumnCache, AFreedLargeBlockServesTheNextColumnOfItsSize) {
    constexpr bool on = qm::detail::column_cache_enabled;
    qm::release_column_cache();
    const auto s0 = qm::column_cache_stats();
    EXPECT_EQ(s0.limit_bytes, std::size_t{64} << 20);  // the default: 64 MiB
    EXPECT_EQ(s0.held_bytes, 0u);
    EXPECT_EQ(s0.blocks, 0u);
    // 300,000 doubles = 2,400,000 bytes; 2,400,000 / 65,536 = 36.6, so the block is 37 x 65,536 =
    // 2,424,832 bytes.
    const double* first = nullptr;
    {
        qm::Column<double> a;
        qm::detail::size_column(a, 300000);
        first = a.data();
    }
    auto s = qm::column_cache_stats();
    EXPECT_EQ(s.blocks, on ? 1u : 0u);
    EXPECT_EQ(s.held_bytes, on ? 2424832u : 0u);
    EXPECT_EQ(s.misses, s0.misses + (on ? 1 : 0));
    {
        qm::Column<double> b;  // 300,100 doubles = 2,400,800 bytes: the same 37 granules
        qm::detail::size_column(b, 300100);
        if (on) {
            EXPECT_EQ(b.data(), first);
        }
        std::uint64_t bits = 0;  // a reused block's new elements are poisoned like a fresh one's
        std::memcpy(&bits, &b[300099], sizeof bits);
        EXPECT_EQ(bits, 0xA5A5A5A5A5A5A5A5ULL);
        s = qm::column_cache_stats();
        EXPECT_EQ(s.hits, s0.hits + (on ? 1 : 0));
        EXPECT_EQ(s.blocks, 0u);
        qm::Column<double> small;  // 100,000 doubles = 800,000 bytes < 1 MiB: not through the cache
        qm::detail::size_column(small, 100000);
    }
    s = qm::column_cache_stats();
    EXPECT_EQ(s.blocks, on ? 1u : 0u);
    EXPECT_EQ(s.hits + s.misses, s0.hits + s0.misses + (on ? 2 : 0));
    // A limit of 3 MiB (3,145,728 bytes) keeps the 2,424,832-byte block; a 3,211,264-byte block
    // (400,000 doubles = 3,200,000 bytes, 49 granules) is larger than the limit and is freed.
    EXPECT_EQ(qm::set_column_cache_limit(std::size_t{3} << 20), std::size_t{64} << 20);
    {
        qm::Column<double> c;
        qm::detail::size_column(c, 400000);
    }
    s = qm::column_cache_stats();
    EXPECT_EQ(s.blocks, on ? 1u : 0u);
    EXPECT_EQ(s.held_bytes, on ? 2424832u : 0u);
    // A block of 1,048,576 bytes (131,072 doubles, 16 granules) freed after it: 2,424,832 +
    // 1,048,576 = 3,473,408 > 3 MiB, so the oldest (the 2,424,832-byte block) is freed to make room;
    // a second one of 1,048,576 then fits beside the first (2,097,152).
    {
        qm::Column<double> d, e;
        qm::detail::size_column(d, 131072);
        qm::detail::size_column(e, 131072);
        d.clear();
        d.shrink_to_fit();
        s = qm::column_cache_stats();
        EXPECT_EQ(s.held_bytes, on ? 1048576u : 0u);
        EXPECT_EQ(s.blocks, on ? 1u : 0u);
    }
    s = qm::column_cache_stats();
    EXPECT_EQ(s.blocks, on ? 2u : 0u);
    EXPECT_EQ(s.held_bytes, on ? 2u * 1048576u : 0u);
    EXPECT_EQ(qm::set_column_cache_limit(0), std::size_t{3} << 20);  // 0: keep nothing
    s = qm::column_cache_stats();
    EXPECT_EQ(s.blocks, 0u);
    EXPECT_EQ(s.held_bytes, 0u);
    qm::set_column_cache_limit(std::size_t{64} << 20);
}

TEST(LayoutGroups, AlreadyOrderedNeedsNoPermutation) {
    const std::vector<std::int64_t> codes{0, 0, 1, 1, 1};
    const std::vector<std::int64_t> dates{1, 2, 1, 5, 9};
    const auto L = qm::layout_groups(codes, dates);
    EXPECT_TRUE(L.order.empty());
    EXPECT_EQ(L.offsets, (std::vector<std::size_t>{0, 2, 5}));
    EXPECT_EQ(L.group_codes, (std::vector<std::int64_t>{0, 1}));
    EXPECT_FALSE(L.has_duplicate());
    EXPECT_EQ(L.duplicate_row_a, qm::npos);
    EXPECT_EQ(L.duplicate_row_b, qm::npos);
}

TEST(LayoutGroups, WithoutDatesGroupsOnly) {
    // Codes need not be consecutive: 0, 0, 2 → groups 0 and 2 at offsets 0, 2, 3.
    const std::vector<std::int64_t> codes{0, 0, 2};
    const auto L = qm::layout_groups(codes, {});
    EXPECT_TRUE(L.order.empty());
    EXPECT_EQ(L.offsets, (std::vector<std::size_t>{0, 2, 3}));
    EXPECT_EQ(L.group_codes, (std::vector<std::int64_t>{0, 2}));
    // Unsorted codes without dates: stable, so rows of one group keep their input order.
    // codes 1, 0, 1, 0 → group 0: rows 1, 3; group 1: rows 0, 2.
    const std::vector<std::int64_t> codes2{1, 0, 1, 0};
    const auto L2 = qm::layout_groups(codes2, {});
    EXPECT_EQ(L2.order, (std::vector<std::size_t>{1, 3, 0, 2}));
    EXPECT_EQ(L2.offsets, (std::vector<std::size_t>{0, 2, 4}));
    EXPECT_EQ(L2.group_codes, (std::vector<std::int64_t>{0, 1}));
}

TEST(LayoutGroups, UnsortedInputGetsAStableOrder) {
    // rows:   0        1        2        3        4
    // (code, date): (1,5)   (0,3)    (1,2)    (0,4)    (2,1)
    // ordered: (0,3)=row1, (0,4)=row3, (1,2)=row2, (1,5)=row0, (2,1)=row4
    const std::vector<std::int64_t> codes{1, 0, 1, 0, 2};
    const std::vector<std::int64_t> dates{5, 3, 2, 4, 1};
    const auto L = qm::layout_groups(codes, dates);
    EXPECT_EQ(L.order, (std::vector<std::size_t>{1, 3, 2, 0, 4}));
    EXPECT_EQ(L.offsets, (std::vector<std::size_t>{0, 2, 4, 5}));
    EXPECT_EQ(L.group_codes, (std::vector<std::int64_t>{0, 1, 2}));
    EXPECT_FALSE(L.has_duplicate());
}

TEST(LayoutGroups, DuplicateGroupDateReportedWithOriginalRows) {
    // (0,7) appears at rows 0 and 2; after ordering they sit next to each other.
    const std::vector<std::int64_t> codes{0, 1, 0, 1};
    const std::vector<std::int64_t> dates{7, 3, 7, 4};
    const auto L = qm::layout_groups(codes, dates);
    EXPECT_EQ(L.order, (std::vector<std::size_t>{0, 2, 1, 3}));
    ASSERT_TRUE(L.has_duplicate());
    EXPECT_EQ(L.duplicate_row_a, 0u);
    EXPECT_EQ(L.duplicate_row_b, 2u);

    // Unsorted, the later input row first in time: rows 3 (0,1), 1 (0,5) and 4 (0,5) share code 0;
    // the duplicate is rows 1 and 4, reported smallest first.
    const std::vector<std::int64_t> codes2{1, 0, 1, 0, 0};
    const std::vector<std::int64_t> dates2{9, 5, 8, 1, 5};
    const auto L2 = qm::layout_groups(codes2, dates2);
    ASSERT_TRUE(L2.has_duplicate());
    EXPECT_EQ(L2.duplicate_row_a, 1u);
    EXPECT_EQ(L2.duplicate_row_b, 4u);

    // Already ordered input with a duplicate: rows 1 and 2.
    const std::vector<std::int64_t> codes3{0, 0, 0};
    const std::vector<std::int64_t> dates3{1, 2, 2};
    const auto L3 = qm::layout_groups(codes3, dates3);
    EXPECT_TRUE(L3.order.empty());
    ASSERT_TRUE(L3.has_duplicate());
    EXPECT_EQ(L3.duplicate_row_a, 1u);
    EXPECT_EQ(L3.duplicate_row_b, 2u);

    // The same date in different groups is not a duplicate.
    const std::vector<std::int64_t> codes4{0, 1};
    const std::vector<std::int64_t> dates4{3, 3};
    EXPECT_FALSE(qm::layout_groups(codes4, dates4).has_duplicate());
}

TEST(LayoutGroups, ShuffledRowsMatchAStableSortByGroupAndDate) {
    // The definition: a stable sort of the row numbers by (code, date); the first duplicate pair
    // in that order. Dates over a narrow range (the radix path: days of a few months, some
    // negative, with duplicates), over a wide range (per-group sorts), and in date-major order
    // (no date sort needed).
    std::mt19937_64 rng(7);
    for (int round = 0; round < 60; ++round) {
        const std::size_t n = 1 + rng() % 400, G = 1 + rng() % 12;
        const int mode = round % 3;
        std::vector<std::int64_t> codes(n), dates(n);
        for (std::size_t i = 0; i < n; ++i) {
            codes[i] = static_cast<std::int64_t>(rng() % G);
            dates[i] = mode == 0   ? static_cast<std::int64_t>(rng() % 90) - 30
                       : mode == 1 ? static_cast<std::int64_t>(rng() % 4'000'000'000ull) * 1000
                                   : static_cast<std::int64_t>(i / G);
        }
        std::vector<std::size_t> want(n);
        std::iota(want.begin(), want.end(), std::size_t{0});
        std::stable_sort(want.begin(), want.end(), [&](std::size_t a, std::size_t b) {
            return codes[a] < codes[b] || (codes[a] == codes[b] && dates[a] < dates[b]);
        });
        std::size_t dup_a = qm::npos, dup_b = qm::npos;
        for (std::size_t i = 1; i < n && dup_a == qm::npos; ++i)
            if (codes[want[i]] == codes[want[i - 1]] && dates[want[i]] == dates[want[i - 1]]) {
                dup_a = std::min(want[i], want[i - 1]);
                dup_b = std::max(want[i], want[i - 1]);
            }
        const auto L = qm::layout_groups(codes, dates);
        std::vector<std::size_t> got = L.order;
        if (got.empty()) {
            got.resize(n);
            std::iota(got.begin(), got.end(), std::size_t{0});
        }
        ASSERT_EQ(got, want) << "round " << round;
        EXPECT_EQ(L.duplicate_row_a, dup_a) << "round " << round;
        EXPECT_EQ(L.duplicate_row_b, dup_b) << "round " << round;
        EXPECT_EQ(L.offsets.back(), n);
    }
}

TEST(LayoutGroups, BadInput) {
    const std::vector<std::int64_t> neg{0, 1, -1, 2};
    const auto msg = expect_invalid([&] { qm::layout_groups(neg, {}); }, "group[2]");
    EXPECT_EQ(msg, "group[2]: is missing");
    expect_invalid([&] { qm::layout_groups({}, {}); }, "group");
    const std::vector<std::int64_t> codes{0, 0, 1};
    const std::vector<std::int64_t> dates{1, 2};
    const auto m2 = expect_invalid([&] { qm::layout_groups(codes, dates); }, "date");
    EXPECT_EQ(m2.rfind("date: ", 0), 0u) << m2;
}

// ================================================================================================
// qm::find_rows
// ================================================================================================

TEST(FindRows, FoundRowsAreSortedAndUnique) {
    // group 0: rows 0..2 with dates 10, 20, 30; group 1: rows 3..4 with dates 10, 40.
    const std::vector<std::size_t> offsets{0, 3, 5};
    const std::vector<std::int64_t> dates{10, 20, 30, 10, 40};
    // (1,40) → row 4; (0,20) → row 1 (twice) → rows {1, 4}.
    const std::vector<std::size_t> rg{1, 0, 0};
    const std::vector<std::int64_t> rd{40, 20, 20};
    const auto r = qm::find_rows(offsets, dates, rg, rd);
    EXPECT_EQ(r.rows, (std::vector<std::size_t>{1, 4}));
    EXPECT_EQ(r.first_missing, qm::npos);
    // (1,10) is row 3, not row 0 (same date, other group).
    const std::vector<std::size_t> rg2{1};
    const std::vector<std::int64_t> rd2{10};
    EXPECT_EQ(qm::find_rows(offsets, dates, rg2, rd2).rows, (std::vector<std::size_t>{3}));
}

TEST(FindRows, MissingDateReportsTheFirstMissingRequest) {
    const std::vector<std::size_t> offsets{0, 3, 5};
    const std::vector<std::int64_t> dates{10, 20, 30, 10, 40};
    // (0,10) → row 0; (1,20): group 1 has 10 and 40 only → missing (request 1); (1,99) missing too.
    const std::vector<std::size_t> rg{0, 1, 1};
    const std::vector<std::int64_t> rd{10, 20, 99};
    const auto r = qm::find_rows(offsets, dates, rg, rd);
    EXPECT_EQ(r.rows, (std::vector<std::size_t>{0}));
    EXPECT_EQ(r.first_missing, 1u);
    // A date after the group's last one (31 > 30 in group 0) is missing too.
    const std::vector<std::size_t> rg2{0};
    const std::vector<std::int64_t> rd2{31};
    const auto r2 = qm::find_rows(offsets, dates, rg2, rd2);
    EXPECT_TRUE(r2.rows.empty());
    EXPECT_EQ(r2.first_missing, 0u);
}

TEST(FindRows, BadInput) {
    const std::vector<std::size_t> offsets{0, 3, 5};
    const std::vector<std::int64_t> dates{10, 20, 30, 10, 40};
    const std::vector<std::size_t> rg{0, 2};
    const std::vector<std::int64_t> rd{10, 10};
    const auto msg = expect_invalid([&] { qm::find_rows(offsets, dates, rg, rd); }, "rebase[1]");
    EXPECT_NE(msg.find("group index 2"), std::string::npos) << msg;
    const std::vector<std::int64_t> rd1{10};
    expect_invalid([&] { qm::find_rows(offsets, dates, rg, rd1); }, "rebase");
}

// ================================================================================================
// Errors: "argument[index]: problem"
// ================================================================================================

TEST(Errors, MessageFormat) {
    try {
        qm::fail_argument("values", 17, "must be finite or NaN (missing), got inf");
        FAIL() << "no throw";
    } catch (const qm::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "values[17]: must be finite or NaN (missing), got inf");
    }
    try {
        qm::fail_argument("preset", "unknown");
        FAIL() << "no throw";
    } catch (const qm::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "preset: unknown");
    }
    // The family derives from the standard exceptions, so callers may catch either.
    EXPECT_THROW(qm::fail_argument("x", 0, "bad"), std::invalid_argument);
    EXPECT_THROW(qm::require(false, "fix_after", "too small"), qm::invalid_argument);
    EXPECT_NO_THROW(qm::require(true, "fix_after", "too small"));
    static_assert(std::is_base_of_v<std::domain_error, qm::insufficient_data>);
}

// ================================================================================================
// Vocabulary: names, parsing, icons
// ================================================================================================

TEST(Types, Names) {
    EXPECT_EQ(qm::to_string(qm::Improvement::increase), "increase");
    EXPECT_EQ(qm::to_string(qm::Improvement::decrease), "decrease");
    EXPECT_EQ(qm::to_string(qm::Improvement::neutral), "neutral");
    EXPECT_EQ(qm::to_string(qm::PointType::common_cause), "common_cause");
    EXPECT_EQ(qm::to_string(qm::PointType::special_cause_improvement), "special_cause_improvement");
    EXPECT_EQ(qm::to_string(qm::PointType::special_cause_concern), "special_cause_concern");
    EXPECT_EQ(qm::to_string(qm::PointType::special_cause_neutral_high), "special_cause_neutral_high");
    EXPECT_EQ(qm::to_string(qm::PointType::special_cause_neutral_low), "special_cause_neutral_low");
    EXPECT_EQ(qm::to_string(qm::VariationIcon::concern_low), "concern_low");
    EXPECT_EQ(qm::to_string(qm::VariationIcon::improvement_high), "improvement_high");
    EXPECT_EQ(qm::to_string(qm::AssuranceIcon::hit_and_miss), "hit_and_miss");
    EXPECT_EQ(qm::to_string(qm::AssuranceIcon::none), "");
}

TEST(Types, ParseImprovement) {
    EXPECT_EQ(qm::parse_improvement("increase"), qm::Improvement::increase);
    EXPECT_EQ(qm::parse_improvement("decrease"), qm::Improvement::decrease);
    EXPECT_EQ(qm::parse_improvement("neutral"), qm::Improvement::neutral);
    const auto msg = expect_invalid([] { (void)qm::parse_improvement("up"); }, "improvement");
    EXPECT_NE(msg.find("'up'"), std::string::npos) << msg;
}
