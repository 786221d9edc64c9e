// Tests of the XmR chart (qm/spc/xmr.hpp, qm/spc/options.hpp).
//
// Every expected value below comes from a hand calculation written next to it, never from
// running the code under test. Notation: mR̄ = mean moving range, UPL/LPL = centre ± 2.66 mR̄,
// "2σ" = centre ± (2 · 2.66 / 3) mR̄ = centre ± 1.77333 mR̄ (the near-limit line), "close" = beyond
// the 2σ line but not beyond the limits. Screening drops moving ranges ≥ 3.267 mR̄.
//
// The last part compares with NHSRplotthedots 0.2.2 outputs on NHS A&E data
// (tests/reference/ae/*.nhsrplotthedots.csv).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <qm/qm.hpp>

#include "test_csv.hpp"
#include "test_support.hpp"

namespace {

using qm::Improvement;
using qm::PointType;
using qm::spc::XmrOptions;
using qm::spc::XmrResult;

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr int O = qm::spc::rules::outside_limits;  // 1
constexpr int S = qm::spc::rules::shift;           // 2
constexpr int T = qm::spc::rules::trend;           // 4
constexpr int W = qm::spc::rules::two_of_three;    // 8

constexpr const char* CC = "common_cause";
constexpr const char* IMP = "special_cause_improvement";
constexpr const char* CON = "special_cause_concern";
constexpr const char* NHI = "special_cause_neutral_high";
constexpr const char* NLO = "special_cause_neutral_low";

std::vector<double> cat(std::initializer_list<std::vector<double>> parts) {
    std::vector<double> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

/// first, -first, first, ... (n values)
std::vector<double> alternating(std::size_t n, double first) {
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = i % 2 == 0 ? first : -first;
    return out;
}

std::vector<double> negated(std::vector<double> v) {
    for (auto& x : v) x = -x;
    return v;
}

std::vector<int> flags(const XmrResult& r) { return {r.flags.begin(), r.flags.end()}; }

/// n zeros, with the given (row, bits) set.
std::vector<int> flags_at(std::size_t n, std::initializer_list<std::pair<std::size_t, int>> set) {
    std::vector<int> out(n, 0);
    for (auto [i, b] : set) out.at(i) = b;
    return out;
}

/// rows [b, e) set to bits
void set_rows(std::vector<int>& f, std::size_t b, std::size_t e, int bits) {
    for (std::size_t i = b; i < e; ++i) f.at(i) = bits;
}

std::vector<std::string> types(const XmrResult& r) {
    std::vector<std::string> out;
    for (auto t : r.point_type) out.emplace_back(qm::to_string(t));
    return out;
}

/// n copies of `fill`, with rows [b, e) set to `type`.
std::vector<std::string> types_with(std::size_t n, const char* fill, std::size_t b, std::size_t e, const char* type) {
    std::vector<std::string> out(n, fill);
    for (std::size_t i = b; i < e; ++i) out.at(i) = type;
    return out;
}

using qm_test::expect_invalid;

XmrOptions fixed12() {
    XmrOptions o;
    o.fix_after = 12;
    return o;
}

}  // namespace

// ================================================================================================
// Shift: shift_length (7) points in a row strictly on one side of the centre
// ================================================================================================

TEST(Shift, RunOfSevenIsFlaggedEntirely) {
    // rows 0-6: 1,2,1,2,1,2,1 (sum 10); rows 7-13: -3,1,-3,1,-3,1,-4 (sum -10) → centre 0/14 = 0.
    // MRs: six of |2-1| = 1 (6), |-3-1| = 4, then 4,4,4,4,4,|-4-1| = 5 (25): 35 over 13.
    // mR̄ = 35/13 = 2.6923; screening limit 3.267·2.6923 = 8.80 > 5, nothing dropped.
    // 2σ = 1.77333·2.6923 = 4.774 > |every value| (≤ 4): nothing close, nothing outside.
    // Rows 0-6 are 7 above the centre (row 7 is below): all 7 flagged. No trend (1,2,1,... zigzags).
    const std::vector<double> y{1, 2, 1, 2, 1, 2, 1, -3, 1, -3, 1, -3, 1, -4};
    const auto r = qm::spc::xmr(y);
    ASSERT_EQ(r.phases(), 1u);
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 35.0 / 13.0);
    EXPECT_DOUBLE_EQ(r.upper[0], 2.66 * 35.0 / 13.0);
    EXPECT_DOUBLE_EQ(r.lower[0], -2.66 * 35.0 / 13.0);
    EXPECT_EQ(r.phase_n_moving_ranges[0], 13u);
    EXPECT_EQ(r.phase_n_screened[0], 0u);
    auto f = flags_at(14, {});
    set_rows(f, 0, 7, S);
    EXPECT_EQ(flags(r), f);
    EXPECT_EQ(types(r), types_with(14, CC, 0, 7, IMP));  // above, improvement up

    // Mirrored (every value negated): a run of 7 below; for "increase" that is a concern.
    const auto rn = qm::spc::xmr(negated(y));
    EXPECT_EQ(flags(rn), f);
    EXPECT_EQ(types(rn), types_with(14, CC, 0, 7, CON));
}

TEST(Shift, RunOfSixIsNotFlagged) {
    // rows 0-5: 1,2,1,2,1,2 (sum 9); rows 6-12: -3,1,-3,1,-3,1,-3 (sum -9) → centre 0.
    // MRs: five 1s (5), |-3-2| = 5, six 4s (24): 34 over 12, mR̄ = 2.8333; 2σ = 5.02 > 3.
    // Longest run on one side: rows 0-5, 6 points → nothing flagged.
    const std::vector<double> y{1, 2, 1, 2, 1, 2, -3, 1, -3, 1, -3, 1, -3};
    const auto r = qm::spc::xmr(y);
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 34.0 / 12.0);
    EXPECT_EQ(flags(r), flags_at(13, {}));
    EXPECT_EQ(types(r), types_with(13, CC, 0, 0, CC));
}

TEST(Shift, PointOnTheMeanBreaksTheRun) {
    // rows 0-7: 1,2,1,0,2,1,2,1 (sum 10); rows 8-14: -3,1,-3,1,-3,1,-4 (sum -10) → centre 0.
    // Row 3 lies exactly on the centre: runs above are rows 0-2 (3) and 4-7 (4), none of 7.
    // MRs: 1,1,1,2,1,1,1 (8), |-3-1| = 4, 4,4,4,4,4,5 (25): 37 over 14, mR̄ = 2.6429;
    // 2σ = 4.687 > 4: nothing close. Trend: none. → nothing flagged.
    const std::vector<double> y{1, 2, 1, 0, 2, 1, 2, 1, -3, 1, -3, 1, -3, 1, -4};
    const auto r = qm::spc::xmr(y);
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 37.0 / 14.0);
    EXPECT_EQ(flags(r), flags_at(15, {}));

    // Control: row 3 = 0.5 instead. Sum 0.5, centre 0.5/15 = 0.0333; rows 0-7 are all above it
    // (8 in a row, row 8 = -3 below) → rows 0-7 flagged. MRs 1,1,0.5,1.5,1,1,1 (7) + 4 + 25 = 36
    // over 14 = 2.571; lower 2σ = 0.033 - 4.56 = -4.53 < -4: nothing close.
    auto y2 = y;
    y2[3] = 0.5;
    const auto r2 = qm::spc::xmr(y2);
    EXPECT_DOUBLE_EQ(r2.centre[0], 0.5 / 15.0);
    EXPECT_DOUBLE_EQ(r2.mean_moving_range[0], 36.0 / 14.0);
    auto f2 = flags_at(15, {});
    set_rows(f2, 0, 8, S);
    EXPECT_EQ(flags(r2), f2);
}

TEST(Shift, PointOnAMeanThatIsNotAShortDecimal) {
    // d = 0.1 (as a double), H = d + 0.0625 and L = d - 0.0625 are exact in double (d is a
    // multiple of 2^-55, the spacing of doubles in [0.125, 0.25); d - 0.0625 is exact by
    // Sterbenz's lemma), so H + L = 2d exactly.
    // y = H,H,H,d,H,H,H, d×10, L×6: exact sum 6H + 6L + 11d = 23d, so the centre is exactly d.
    // Rows 3 and 7-16 lie on the centre. Runs: H rows 0-2 (3), 4-6 (3); L rows 17-22 (6): none
    // of 7 → no shift. (Summed naively left to right the mean comes out 0.10000000000000005:
    // the eleven d rows would then be "below" and rows 7-22 a run of 16.)
    // Only the shift rule is evaluated here (the moving ranges are mostly 0, so the limits are
    // not the point of this test).
    const double d = 0.1, H = d + 0.0625, L = d - 0.0625;
    std::vector<double> y{H, H, H, d, H, H, H};
    y.insert(y.end(), 10, d);
    y.insert(y.end(), 6, L);
    XmrOptions o;
    o.rules = qm::spc::rules::shift;
    const auto r = qm::spc::xmr(y, {}, o);
    EXPECT_EQ(r.centre[0], 0.1);
    EXPECT_EQ(flags(r), flags_at(23, {}));
}

// ================================================================================================
// Trend: trend_length (7) points each strictly above (below) the previous
// ================================================================================================

TEST(Trend, SevenRisingAreAllFlagged) {
    // pre -3,3,-3,3 | trend -3,-2,-1,0,1,2,3 (rows 4-10) | post -3,3,-3,3. Each part sums to 0
    // → centre 0. MRs: 6,6,6 | 6 | 1×6 | 6 | 6,6,6 = 18 + 6 + 6 + 6 + 18 = 54 over 14,
    // mR̄ = 27/7 = 3.857; 2σ = 6.84, UPL = 10.26: |values| ≤ 3, nothing close or outside.
    // Rows 4-10 rise 6 times in a row (row 3 → 4 falls, row 10 → 11 falls): rows 4-10 flagged.
    // Sides: -3,-2,-1 below, 0 on, 1,2,3 above: no shift.
    const std::vector<double> y{-3, 3, -3, 3, -3, -2, -1, 0, 1, 2, 3, -3, 3, -3, 3};
    const auto r = qm::spc::xmr(y);
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 54.0 / 14.0);
    auto f = flags_at(15, {});
    set_rows(f, 4, 11, T);
    EXPECT_EQ(flags(r), f);
    // Directions: rows 4-9 take the step to their right (+1, the next row is in the trend too);
    // row 10 (next row not in a trend) takes the step from its left, 3 - 2 = +1. Increasing →
    // improvement for "increase", concern for "decrease".
    EXPECT_EQ(types(r), types_with(15, CC, 4, 11, IMP));
    const auto rd = qm::spc::xmr(y, {.improvement = Improvement::decrease});
    EXPECT_EQ(types(rd), types_with(15, CC, 4, 11, CON));

    // Mirrored: a falling trend, same rows; decreasing → concern for "increase".
    const auto rn = qm::spc::xmr(negated(y));
    EXPECT_EQ(flags(rn), f);
    EXPECT_EQ(types(rn), types_with(15, CC, 4, 11, CON));
}

TEST(Trend, ATieBreaksTheTrend) {
    // pre -3,3,-3,3 | -3,-2,-1,0,0,1,2,3 | post -3,3,-3,3: sums 0 → centre 0.
    // Rises: rows 4-7 (3 steps), tie 0 → 0, rows 8-11 (3 steps): no 6 strict steps in a row.
    // MRs 18 + 6 + (1+1+1+0+1+1+1 = 6) + 6 + 18 = 54 over 15 = 3.6; 2σ = 6.38 > 3. Nothing flagged.
    const std::vector<double> y{-3, 3, -3, 3, -3, -2, -1, 0, 0, 1, 2, 3, -3, 3, -3, 3};
    const auto r = qm::spc::xmr(y);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 54.0 / 15.0);
    EXPECT_EQ(flags(r), flags_at(16, {}));
}

TEST(Trend, SixRisingAreNotFlagged) {
    // pre -3,3,-3,3 | -2.5,-1.5,-0.5,0.5,1.5,2.5 | post -3,3,-3,3: sums 0 → centre 0.
    // 5 rising steps (6 points). MRs 18 + 5.5 + 5 + 5.5 + 18 = 52 over 13 = 4; 2σ = 7.09.
    const std::vector<double> y{-3, 3, -3, 3, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -3, 3, -3, 3};
    const auto r = qm::spc::xmr(y);
    EXPECT_EQ(r.mean_moving_range[0], 4.0);
    EXPECT_EQ(flags(r), flags_at(14, {}));
}

TEST(Trend, DirectionOfAPeakSharedByTwoTrends) {
    // Limits fixed from 12 rows 1,-1,...,1,-1: centre 0, mR̄ = 22/11 = 2, UPL 5.32, 2σ 3.5467.
    // Then rows 12-24: -3,-2,-1,0,1,2,3,2,1,0,-1,-2,-3: |values| ≤ 3, nothing close.
    // Rising rows 12-18 (6 steps) and falling rows 18-24 (6 steps): rows 12-24 flagged trend.
    // Sides: rows 11-14 below (4), 15 on, 16-20 above (5), 21 on, 22-24 below: no shift.
    // Point types ("increase"): rows 12-17 step right +1 → improvement; the peak row 18 has a
    // next row in a trend, so it takes the step to its right, 2 - 3 < 0 → concern; rows 19-23
    // step right -1 → concern; row 24 (last) takes the step from its left, -3 - -2 < 0 → concern.
    const auto y = cat({alternating(12, 1.0), {-3, -2, -1, 0, 1, 2, 3, 2, 1, 0, -1, -2, -3}});
    const auto r = qm::spc::xmr(y, {}, fixed12());
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_EQ(r.mean_moving_range[0], 2.0);
    auto f = flags_at(25, {});
    set_rows(f, 12, 25, T);
    EXPECT_EQ(flags(r), f);
    auto t = types_with(25, CC, 12, 18, IMP);
    for (std::size_t i = 18; i < 25; ++i) t[i] = CON;
    EXPECT_EQ(types(r), t);
}

// ================================================================================================
// Two of three beyond the 2σ line, all three on one side (MDC semantics)
// ================================================================================================

namespace {
/// rows 0-9: 1,-1,...,-1 | rows 10-12: a | rows 13-16: -1,1,-1,1 | rows 17-19: b | rows 20-23: 1,-1,1,-1
std::vector<double> two_blocks(std::vector<double> a, std::vector<double> b) {
    return cat({alternating(10, 1.0), a, alternating(4, -1.0), b, alternating(4, 1.0)});
}
}  // namespace

TEST(TwoOfThree, PointBeyondTheLimitCountsForTheSideButIsNotClose) {
    // Blocks 6,10,6 and -6,-10,-6: every part sums to 0 → centre 0.
    // MRs: 9×2 = 18 | |6-(-1)| = 7, 4, 4, |-1-6| = 7 | 3×2 = 6 | 7, 4, 4, 7 | 6 = 74 over 23.
    // mR̄ = 74/23 = 3.2174; screening limit 10.51 > 7. UPL = 2.66·3.2174 = 8.558;
    // 2σ = 1.77333·3.2174 = 5.706. So ±6 is close, ±10 is outside, ±1 is neither.
    // Window rows 10-12 (6,10,6): all above, two close (rows 10, 12) → those two flagged;
    // row 11 is flagged for the limit only. Same below at rows 17-19.
    const auto y = two_blocks({6, 10, 6}, {-6, -10, -6});
    const auto r = qm::spc::xmr(y);
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 74.0 / 23.0);
    EXPECT_DOUBLE_EQ(r.upper_2sigma[0], 2.0 * (2.66 / 3.0) * 74.0 / 23.0);
    EXPECT_EQ(flags(r), flags_at(24, {{10, W}, {11, O}, {12, W}, {17, W}, {18, O}, {19, W}}));
    auto t = types_with(24, CC, 10, 13, IMP);
    for (std::size_t i = 17; i < 20; ++i) t[i] = CON;
    EXPECT_EQ(types(r), t);
}

TEST(TwoOfThree, PointBeyondTheLimitIsNotCountedAsClose) {
    // Blocks 6,10,3 and -6,-10,-3: centre 0. MRs: 18 | 7, 4, |3-10| = 7, |-1-3| = 4 | 6 |
    // 7, 4, 7, 4 | 6 = 74 over 23 → the same limits as above (UPL 8.558, 2σ 5.706).
    // Window rows 10-12 (6,10,3): all above, but only row 10 is close (10 is outside, 3 is
    // inside the 2σ line) → no two-of-three. Rows 8-10 and 9-11 mix sides. Only the limits flag.
    const auto y = two_blocks({6, 10, 3}, {-6, -10, -3});
    const auto r = qm::spc::xmr(y);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 74.0 / 23.0);
    EXPECT_EQ(flags(r), flags_at(24, {{11, O}, {18, O}}));
}

TEST(TwoOfThree, PointsOnBothSidesDoNotSignal) {
    // rows 0-19: 1,-1,... (ends -1) | 6,-1,6 | -1,1,-1,1 | -6,1,-6 | 1,-1,1,-1: n 34, centre 0.
    // MRs: 19×2 = 38 | 7,7,7,7 | 6 | 7,7,7,7 | 6 = 106 over 33, mR̄ = 3.2121; UPL 8.544,
    // 2σ = 5.696: ±6 close. Each window holding both 6s also holds -1 (other side) → no signal.
    // Signs alternate on every row: no shift, no trend.
    const auto y = cat({alternating(20, 1.0), {6, -1, 6}, alternating(4, -1.0), {-6, 1, -6}, alternating(4, 1.0)});
    const auto r = qm::spc::xmr(y);
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 106.0 / 33.0);
    EXPECT_EQ(flags(r), flags_at(34, {}));
}

TEST(Limits, ComparisonsAreStrict) {
    // Limits fixed from 12 rows 1,-1,...: centre 0 and mR̄ 2 exactly, so UPL = 2.66·2 = 5.32 and
    // the upper 2σ line = 2·(2.66/3)·2 = 3.5467 (NHSRplotthedots' limitclose = 2·(limit/3)).
    //   rows 12-14: U, U, 1   U = UPL exactly: not outside (strict >) but beyond 2σ → close;
    //                         two close, all above → two-of-three on rows 12, 13.
    //   row 15: -1
    //   rows 16-18: N, N, 1   N = the 2σ line exactly: not close (strict >) → no signal.
    //   row 19: -1
    //   rows 20-22: -U, -U, -1 → two-of-three on rows 20, 21 (below).
    //   row 23: 1
    //   rows 24-26: -N, -N, -1 → no signal.
    // Runs on one side are at most 4 (rows 19-22); ties break every rising or falling run.
    const double U = 2.66 * 2.0, N = 2.0 * (2.66 / 3.0) * 2.0;
    const auto y = cat({alternating(12, 1.0), {U, U, 1, -1, N, N, 1, -1, -U, -U, -1, 1, -N, -N, -1}});
    const auto r = qm::spc::xmr(y, {}, fixed12());
    ASSERT_EQ(r.upper[0], U);
    ASSERT_EQ(r.upper_2sigma[0], N);
    ASSERT_EQ(r.lower_2sigma[0], -N);
    EXPECT_EQ(flags(r), flags_at(27, {{12, W}, {13, W}, {20, W}, {21, W}}));
}

// ================================================================================================
// Missing values (NaN): excluded from the mean, moving ranges not bridged, windows not flagged
// ================================================================================================

TEST(Missing, ShiftWindowWithAGap) {
    // rows 0-8: 1,2,1,2,NaN,1,2,1,2 (8 values, sum 12); rows 9-17: -3,1,-3,1,-3,1,-3,1,-4 (sum -12)
    // → centre 0 over 17 values. MRs: 1,1,1 | (2 missing) | 1,1,1 | |-3-2| = 5 | 4×7 + 5 = 33:
    // 44 over 15 (bridging the gap would add |1-2| = 1: 45 over 16). 2σ = 1.77333·2.9333 = 5.20.
    // Above: rows 0-3 (4) and 5-8 (4): the gap splits 8 into two runs of 4 → nothing flagged.
    const std::vector<double> y{1, 2, 1, 2, NaN, 1, 2, 1, 2, -3, 1, -3, 1, -3, 1, -3, 1, -4};
    const auto r = qm::spc::xmr(y);
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_EQ(r.phase_n_used[0], 17u);
    EXPECT_EQ(r.phase_n_moving_ranges[0], 15u);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 44.0 / 15.0);
    EXPECT_EQ(flags(r), flags_at(18, {}));
    EXPECT_EQ(types(r)[4], CC);

    // Control: the gap filled with 1.5 → 9 above in a row (rows 0-8) → flagged. Centre
    // 1.5/18 = 0.0833; MRs 44 + 0.5 + 0.5 = 45 over 17 = 2.647; lower 2σ = 0.083 - 4.69 < -4.
    auto y2 = y;
    y2[4] = 1.5;
    const auto r2 = qm::spc::xmr(y2);
    EXPECT_DOUBLE_EQ(r2.mean_moving_range[0], 45.0 / 17.0);
    auto f2 = flags_at(18, {});
    set_rows(f2, 0, 9, S);
    EXPECT_EQ(flags(r2), f2);
}

TEST(Missing, TrendWindowWithAGap) {
    // pre -3,3,-3,3 | -3,-2,-1,NaN,0,1,2,3 | post -3,3,-3,3: 15 values summing to 0 → centre 0.
    // MRs: 18 | 6 | 1,1 | (2 missing) | 1,1,1 | 6 | 18 = 53 over 13; 2σ = 7.23 > 3.
    // Seven rising values -3..3, but the gap splits them (2 steps, then 3): nothing flagged.
    const std::vector<double> y{-3, 3, -3, 3, -3, -2, -1, NaN, 0, 1, 2, 3, -3, 3, -3, 3};
    const auto r = qm::spc::xmr(y);
    EXPECT_EQ(r.phase_n_moving_ranges[0], 13u);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 53.0 / 13.0);
    EXPECT_EQ(flags(r), flags_at(16, {}));
}

TEST(Missing, TwoOfThreeWindowWithAGap) {
    // Blocks 6,NaN,6 and -6,NaN,-6 (see two_blocks): 22 values summing to 0 → centre 0.
    // MRs: 18 | 7, (2 missing), 7 | 6 | 7, (2 missing), 7 | 6 = 58 over 19 = 3.0526;
    // UPL 8.12, 2σ = 5.413: ±6 close. Every window holding both 6s holds the gap → no signal.
    const auto y = two_blocks({6, NaN, 6}, {-6, NaN, -6});
    const auto r = qm::spc::xmr(y);
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 58.0 / 19.0);
    EXPECT_EQ(flags(r), flags_at(24, {}));
}

// ================================================================================================
// Rebase (phase_starts) and fixed baselines (fix_after)
// ================================================================================================

TEST(Rebase, EachPhaseHasItsOwnCentreAndLimits) {
    // Phase 0 rows 0-7: -4,1,-4,1,2,1,2,1: sum 0 → centre 0. MRs 5,5,5,1,1,1,1 = 19 over 7.
    //   2σ = 1.77333·19/7 = 4.813 > 4; runs ≤ 5 → no flags.
    // Phase 1 rows 8-15: 11,12,6,11,6,11,12,11: sum 80 → centre 10. MRs 1,6,5,5,5,1,1 = 24 over 7.
    //   2σ: 10 ± 6.08 → 6 and 12 inside; runs ≤ 3 → no flags.
    const std::vector<double> y{-4, 1, -4, 1, 2, 1, 2, 1, 11, 12, 6, 11, 6, 11, 12, 11};
    const std::vector<std::size_t> starts{8};
    const auto r = qm::spc::xmr(y, {.phase_starts = starts});
    ASSERT_EQ(r.phases(), 2u);
    EXPECT_EQ(r.phase_begin, (std::vector<std::size_t>{0, 8}));
    EXPECT_EQ(r.phase_end, (std::vector<std::size_t>{8, 16}));
    EXPECT_EQ(r.group_phase_offsets, (std::vector<std::size_t>{0, 2}));
    EXPECT_EQ(r.centre, (std::vector<double>{0.0, 10.0}));
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 19.0 / 7.0);
    EXPECT_DOUBLE_EQ(r.mean_moving_range[1], 24.0 / 7.0);
    EXPECT_DOUBLE_EQ(r.upper[0], 2.66 * 19.0 / 7.0);
    // 10 - 9.12 = 0.88 cancels: compare to a few ulps of the 9.12, not of the 0.88.
    EXPECT_NEAR(r.lower[1], 10.0 - 2.66 * 24.0 / 7.0, 1e-14);
    EXPECT_DOUBLE_EQ(r.upper[1], 10.0 + 2.66 * 24.0 / 7.0);
    EXPECT_EQ(flags(r), flags_at(16, {}));
    const auto centre = r.expand(r.centre);
    EXPECT_EQ(centre[7], 0.0);
    EXPECT_EQ(centre[8], 10.0);

    // Without the rebase: centre 80/16 = 5; MRs 19 + |11-1| = 10 + 24 = 53 over 15 = 3.5333
    // (screening limit 11.54 > 10). UPL 5 + 9.399 = 14.40, LPL -4.40 (nothing outside);
    // 2σ: 5 ± 6.266 → -1.27 and 11.27: -4 (rows 0, 2) and 12 (rows 9, 14) are close.
    // Shift: rows 0-7 all below 5 (8), rows 8-15 all above (8) → all 16 flagged.
    // Two-of-three: rows 0-2 (-4,1,-4) all below with two close → rows 0 and 2. The windows
    // around 12 hold only one close point each → nothing. No trend.
    const auto r1 = qm::spc::xmr(y);
    EXPECT_EQ(r1.centre[0], 5.0);
    EXPECT_DOUBLE_EQ(r1.mean_moving_range[0], 53.0 / 15.0);
    std::vector<int> f1(16, S);
    f1[0] = f1[2] = S | W;
    EXPECT_EQ(flags(r1), f1);
    EXPECT_EQ(types(r1), types_with(16, CON, 8, 16, IMP));
}

TEST(Rebase, RunsDoNotCrossAPhaseBreak) {
    // Phase 0 as above (centre 0, 19/7); phase 1 rows 8-15: 1,2,-4,1,-4,1,2,1: sum 0 → centre 0,
    // MRs 1,6,5,5,5,1,1 = 24 over 7. Rows 3-7 (5 above) then rows 8-9 (2 above): 7 in a row
    // across the break, but each phase sees fewer than 7 → nothing flagged.
    const std::vector<double> y{-4, 1, -4, 1, 2, 1, 2, 1, 1, 2, -4, 1, -4, 1, 2, 1};
    const std::vector<std::size_t> starts{8};
    const auto r = qm::spc::xmr(y, {.phase_starts = starts});
    EXPECT_EQ(r.centre, (std::vector<double>{0.0, 0.0}));
    EXPECT_EQ(flags(r), flags_at(16, {}));

    // Without the rebase: centre 0, MRs 19 + 0 + 24 = 43 over 15 = 2.867, 2σ 5.08 > 4;
    // rows 3-9 (1,2,1,2,1,1,2) are 7 above → flagged (the tie 1,1 rules out a trend).
    const auto r1 = qm::spc::xmr(y);
    EXPECT_DOUBLE_EQ(r1.mean_moving_range[0], 43.0 / 15.0);
    auto f1 = flags_at(16, {});
    set_rows(f1, 3, 10, S);
    EXPECT_EQ(flags(r1), f1);
}

TEST(FixAfter, LimitsFromTheFirstRowsOnly) {
    // Baseline rows 0-11: 1,-1,...,1,-1 → centre 0, MRs 11×2 → mR̄ 2 (no screening: 6.53 > 2).
    // UPL = 2.66·2 = 5.32, 2σ = 2·(2.66/3)·2 = 3.5467, 1σ = (2.66/3)·2 = 1.7733.
    // Rows 12-17: 6 (> 5.32 outside), -1, 1, 4, 4 (close), -6 (< -5.32 outside).
    // Rows 14-16 (1,4,4) all above with two close → rows 15, 16. No shift, no trend (tie 4,4).
    // Using every row instead: centre (0 + 6 - 1 + 1 + 4 + 4 - 6)/18 = 8/18; MRs 22 (baseline),
    // 7, 7, 2, 3, 0, 10 = 51 over 17 = 3; screening limit 3.267·3 = 9.80 ≤ 10 drops the 10 →
    // mR̄ = 41/16.
    const auto y = cat({alternating(12, 1.0), {6, -1, 1, 4, 4, -6}});
    const auto r = qm::spc::xmr(y, {}, fixed12());
    EXPECT_EQ(r.phase_baseline_end[0], 12u);
    EXPECT_EQ(r.phase_n_used[0], 12u);
    EXPECT_EQ(r.phase_n_moving_ranges[0], 11u);
    EXPECT_EQ(r.centre[0], 0.0);
    EXPECT_EQ(r.mean_moving_range[0], 2.0);
    EXPECT_EQ(r.upper[0], 2.66 * 2.0);
    EXPECT_EQ(r.lower[0], -2.66 * 2.0);
    EXPECT_DOUBLE_EQ(r.upper_2sigma[0], 2.0 * 2.66 * 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(r.lower_2sigma[0], -2.0 * 2.66 * 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(r.upper_1sigma[0], 2.66 * 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(r.lower_1sigma[0], -2.66 * 2.0 / 3.0);
    EXPECT_EQ(flags(r), flags_at(18, {{12, O}, {15, W}, {16, W}, {17, O}}));

    const auto all = qm::spc::xmr(y);
    EXPECT_DOUBLE_EQ(all.centre[0], 8.0 / 18.0);
    EXPECT_EQ(all.phase_n_screened[0], 1u);
    EXPECT_EQ(all.mean_moving_range[0], 41.0 / 16.0);
}

TEST(FixAfter, PerPhaseAndLongerThanThePhase) {
    // 28 rows, rebase at 14: each phase's baseline is its own first 12 rows.
    const auto y = alternating(28, 1.0);
    const std::vector<std::size_t> starts{14};
    const auto r = qm::spc::xmr(y, {.phase_starts = starts}, fixed12());
    EXPECT_EQ(r.phase_baseline_end, (std::vector<std::size_t>{12, 26}));
    // fix_after beyond the phase length uses every row, the same as fix_after = 0.
    XmrOptions o;
    o.fix_after = 100;
    const auto longer = qm::spc::xmr(y, {}, o);
    EXPECT_EQ(longer.phase_baseline_end[0], 28u);
    EXPECT_EQ(longer.phase_n_used[0], 28u);
    EXPECT_EQ(longer.mean_moving_range[0], 2.0);  // 27 ranges of 2
}

TEST(FixAfter, BelowTwelveIsRejected) {
    const auto y = alternating(20, 1.0);
    XmrOptions o;
    o.fix_after = 11;
    const auto msg = expect_invalid([&] { (void)qm::spc::xmr(y, {}, o); }, "fix_after");
    EXPECT_NE(msg.find("11"), std::string::npos) << msg;
    o.fix_after = 12;
    EXPECT_NO_THROW((void)qm::spc::xmr(y, {}, o));
}

// ================================================================================================
// Moving-range screening
// ================================================================================================

TEST(Screening, OneHugeJump) {
    // y = 0,1,0,1,...,0,1 (12 rows) then 21. Centre = (6·1 + 21)/13 = 27/13 = 2.0769.
    // MRs: eleven 1s, then |21 - 1| = 20: 31 over 12 = 2.5833.
    const std::vector<double> y{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 21};
    const double c = 27.0 / 13.0;

    // Screening on: limit 3.267·31/12 = 8.44 ≤ 20 → the 20 is dropped; mR̄ = 11/11 = 1.
    //   UPL = c + 2.66 = 4.737 → 21 outside. LPL = c - 2.66 = -0.583 → 0 is inside;
    //   lower 2σ = c - 1.77333 = 0.3036 → every 0 is close, no 1 is.
    //   Shift: rows 0-11 all below c (12) → flagged. Two-of-three: windows 0,1,0 (rows 0-2, 2-4,
    //   ..., 8-10) → rows 0, 2, 4, 6, 8, 10; rows 10-12 (0,1,21) mix sides.
    const auto on = qm::spc::xmr(y);
    EXPECT_DOUBLE_EQ(on.centre[0], c);
    EXPECT_EQ(on.mean_moving_range[0], 1.0);
    EXPECT_EQ(on.phase_n_moving_ranges[0], 11u);
    EXPECT_EQ(on.phase_n_screened[0], 1u);
    EXPECT_DOUBLE_EQ(on.upper[0], c + 2.66);
    EXPECT_DOUBLE_EQ(on.lower_2sigma[0], c - 2.0 * 2.66 / 3.0);
    std::vector<int> f_on(13, S);
    for (std::size_t i = 0; i <= 10; i += 2) f_on[i] = S | W;
    f_on[12] = O;
    EXPECT_EQ(flags(on), f_on);
    EXPECT_EQ(types(on), types_with(13, CON, 12, 13, IMP));

    // Screening off: mR̄ = 31/12. UPL = c + 2.66·31/12 = 8.949 → 21 outside;
    //   lower 2σ = c - 1.77333·31/12 = -2.504 → no 0 is close. Shift rows 0-11 as before.
    XmrOptions off;
    off.screen_moving_ranges = false;
    const auto r_off = qm::spc::xmr(y, {}, off);
    EXPECT_DOUBLE_EQ(r_off.mean_moving_range[0], 31.0 / 12.0);
    EXPECT_EQ(r_off.phase_n_moving_ranges[0], 12u);
    EXPECT_EQ(r_off.phase_n_screened[0], 0u);
    EXPECT_DOUBLE_EQ(r_off.upper[0], c + 2.66 * 31.0 / 12.0);
    std::vector<int> f_off(13, S);
    f_off[12] = O;
    EXPECT_EQ(flags(r_off), f_off);
}

// ================================================================================================
// Short phases
// ================================================================================================

TEST(ShortPhase, FewerThanThirteenRows) {
    // 25 rows, rebase at 12: phase 0 has 12 rows (< 13, short), phase 1 has 13 (not short).
    const auto y = alternating(25, 1.0);
    const std::vector<std::size_t> starts{12};
    const auto r = qm::spc::xmr(y, {.phase_starts = starts});
    EXPECT_EQ(r.phase_short, (std::vector<std::uint8_t>{1, 0}));
    EXPECT_EQ(qm::spc::xmr(alternating(12, 1.0)).phase_short[0], 1u);
    EXPECT_EQ(qm::spc::xmr(alternating(13, 1.0)).phase_short[0], 0u);
    // Rows count, not values: 13 rows of which one is missing are not short.
    auto y13 = alternating(13, 1.0);
    y13[5] = NaN;
    EXPECT_EQ(qm::spc::xmr(y13).phase_short[0], 0u);
}

// ================================================================================================
// Point types: precedence, improvement direction, variation icons
// ================================================================================================

TEST(PointType, PrecedenceOutsideThenTrendThenSide) {
    // Limits from 12 rows 1,-1,...: centre 0, UPL 5.32, 2σ 3.5467.
    // Rows 12-18: 9 (outside), 5, 4.5, 4 (close), 3, 2, 1.
    //   Shift: rows 12-18 are 7 above (row 11 = -1) → all 7.
    //   Trend: 9 > 5 > 4.5 > 4 > 3 > 2 > 1, 6 falling steps → rows 12-18.
    //   Two-of-three: rows 12-14 (9 not close, 5, 4.5) → 13, 14; rows 13-15 → 13, 14, 15;
    //   rows 14-16 → 14, 15; rows 15-17 has one close point.
    //   Flags: 12 = O|S|T, 13-15 = S|T|W, 16-18 = S|T.
    // Point types for "increase": row 12 is outside above → improvement (outside beats trend);
    // rows 13-18 are in a falling trend → concern, although above the centre (trend beats
    // two-of-three and shift).
    const auto y = cat({alternating(12, 1.0), {9, 5, 4.5, 4, 3, 2, 1}});
    const auto r = qm::spc::xmr(y, {}, fixed12());
    auto f = flags_at(19, {{12, O | S | T}});
    set_rows(f, 13, 16, S | T | W);
    set_rows(f, 16, 19, S | T);
    EXPECT_EQ(flags(r), f);

    auto t_inc = types_with(19, CC, 12, 13, IMP);
    for (std::size_t i = 13; i < 19; ++i) t_inc[i] = CON;
    EXPECT_EQ(types(r), t_inc);
    ASSERT_EQ(r.groups(), 1u);
    EXPECT_EQ(r.variation_icon[0], qm::VariationIcon::concern_low);  // last row: concern, "increase"

    const auto rd = qm::spc::xmr(y, {.improvement = Improvement::decrease}, fixed12());
    auto t_dec = types_with(19, CC, 12, 13, CON);
    for (std::size_t i = 13; i < 19; ++i) t_dec[i] = IMP;
    EXPECT_EQ(types(rd), t_dec);
    EXPECT_EQ(rd.variation_icon[0], qm::VariationIcon::improvement_low);

    const auto rn = qm::spc::xmr(y, {.improvement = Improvement::neutral}, fixed12());
    auto t_neu = types_with(19, CC, 12, 13, NHI);
    for (std::size_t i = 13; i < 19; ++i) t_neu[i] = NLO;
    EXPECT_EQ(types(rn), t_neu);
    EXPECT_EQ(rn.variation_icon[0], qm::VariationIcon::neutral_low);
}

TEST(PointType, ImprovementDirectionMapping) {
    // The screening series: rows 0-11 below the centre (shift), row 12 above (outside).
    const std::vector<double> y{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 21};
    const auto inc = qm::spc::xmr(y, {.improvement = Improvement::increase});
    EXPECT_EQ(types(inc), types_with(13, CON, 12, 13, IMP));
    EXPECT_EQ(inc.variation_icon[0], qm::VariationIcon::improvement_high);
    const auto dec = qm::spc::xmr(y, {.improvement = Improvement::decrease});
    EXPECT_EQ(types(dec), types_with(13, IMP, 12, 13, CON));
    EXPECT_EQ(dec.variation_icon[0], qm::VariationIcon::concern_high);
    const auto neu = qm::spc::xmr(y, {.improvement = Improvement::neutral});
    EXPECT_EQ(types(neu), types_with(13, NLO, 12, 13, NHI));
    EXPECT_EQ(neu.variation_icon[0], qm::VariationIcon::neutral_high);

    // Last row common cause → common_cause icon (the run-of-six series has no flags).
    const std::vector<double> y6{1, 2, 1, 2, 1, 2, -3, 1, -3, 1, -3, 1, -3};
    EXPECT_EQ(qm::spc::xmr(y6).variation_icon[0], qm::VariationIcon::common_cause);
}

TEST(Icons, VariationIconTable) {
    using qm::VariationIcon;
    using qm::variation_icon;
    // MDC: improvement is "high" when improvement means up; concern is "high" when it means down.
    EXPECT_EQ(variation_icon(PointType::common_cause, Improvement::increase), VariationIcon::common_cause);
    EXPECT_EQ(variation_icon(PointType::common_cause, Improvement::neutral), VariationIcon::common_cause);
    EXPECT_EQ(variation_icon(PointType::special_cause_improvement, Improvement::increase), VariationIcon::improvement_high);
    EXPECT_EQ(variation_icon(PointType::special_cause_improvement, Improvement::decrease), VariationIcon::improvement_low);
    EXPECT_EQ(variation_icon(PointType::special_cause_concern, Improvement::increase), VariationIcon::concern_low);
    EXPECT_EQ(variation_icon(PointType::special_cause_concern, Improvement::decrease), VariationIcon::concern_high);
    EXPECT_EQ(variation_icon(PointType::special_cause_neutral_high, Improvement::neutral), VariationIcon::neutral_high);
    EXPECT_EQ(variation_icon(PointType::special_cause_neutral_low, Improvement::neutral), VariationIcon::neutral_low);
}

TEST(Icons, AssuranceIconTable) {
    using qm::AssuranceIcon;
    using qm::assurance_icon;
    const double lo = 0.80, hi = 0.95;
    EXPECT_EQ(assurance_icon(0.96, lo, hi, Improvement::increase), AssuranceIcon::consistent_fail);
    EXPECT_EQ(assurance_icon(0.96, lo, hi, Improvement::decrease), AssuranceIcon::consistent_pass);
    EXPECT_EQ(assurance_icon(0.79, lo, hi, Improvement::increase), AssuranceIcon::consistent_pass);
    EXPECT_EQ(assurance_icon(0.79, lo, hi, Improvement::decrease), AssuranceIcon::consistent_fail);
    EXPECT_EQ(assurance_icon(0.90, lo, hi, Improvement::increase), AssuranceIcon::hit_and_miss);
    // Strict: a target exactly on a limit is hit and miss.
    EXPECT_EQ(assurance_icon(hi, lo, hi, Improvement::increase), AssuranceIcon::hit_and_miss);
    EXPECT_EQ(assurance_icon(lo, lo, hi, Improvement::increase), AssuranceIcon::hit_and_miss);
    EXPECT_EQ(assurance_icon(hi, lo, hi, Improvement::decrease), AssuranceIcon::hit_and_miss);
    EXPECT_EQ(assurance_icon(0.96, lo, hi, Improvement::neutral), AssuranceIcon::none);
    EXPECT_EQ(assurance_icon(NaN, lo, hi, Improvement::increase), AssuranceIcon::none);
    EXPECT_EQ(assurance_icon(0.96, NaN, NaN, Improvement::increase), AssuranceIcon::none);
}

TEST(Icons, AssuranceFromTheSeriesLimits) {
    using qm::AssuranceIcon;
    // 12 rows 1,-1,...: centre 0 and mR̄ 22/11 = 2 exactly, so UPL = 2.66·2 and LPL = -2.66·2
    // exactly (doubling is exact).
    const auto y = alternating(12, 1.0);
    auto icon = [&](double target, Improvement dir) {
        return qm::spc::xmr(y, {.improvement = dir, .target = target}).assurance_icon[0];
    };
    const double U = 2.66 * 2.0;
    EXPECT_EQ(icon(6.0, Improvement::increase), AssuranceIcon::consistent_fail);
    EXPECT_EQ(icon(6.0, Improvement::decrease), AssuranceIcon::consistent_pass);
    EXPECT_EQ(icon(-6.0, Improvement::increase), AssuranceIcon::consistent_pass);
    EXPECT_EQ(icon(-6.0, Improvement::decrease), AssuranceIcon::consistent_fail);
    EXPECT_EQ(icon(0.0, Improvement::increase), AssuranceIcon::hit_and_miss);
    EXPECT_EQ(icon(U, Improvement::increase), AssuranceIcon::hit_and_miss);  // on the limit
    EXPECT_EQ(icon(-U, Improvement::increase), AssuranceIcon::hit_and_miss);
    EXPECT_EQ(icon(std::nextafter(U, 100.0), Improvement::increase), AssuranceIcon::consistent_fail);
    EXPECT_EQ(icon(std::nextafter(-U, -100.0), Improvement::increase), AssuranceIcon::consistent_pass);
    EXPECT_EQ(icon(6.0, Improvement::neutral), AssuranceIcon::none);
    EXPECT_EQ(icon(NaN, Improvement::increase), AssuranceIcon::none);

    // The last phase decides: the rebase series has limits ±7.22 then 10 ± 9.12 (0.88 .. 19.12).
    // Target 8 would fail against phase 0 but is inside phase 1 → hit and miss; 20 > 19.12 → fail.
    const std::vector<double> yr{-4, 1, -4, 1, 2, 1, 2, 1, 11, 12, 6, 11, 6, 11, 12, 11};
    const std::vector<std::size_t> starts{8};
    EXPECT_EQ(qm::spc::xmr(yr, {.target = 8.0, .phase_starts = starts}).assurance_icon[0], AssuranceIcon::hit_and_miss);
    EXPECT_EQ(qm::spc::xmr(yr, {.target = 20.0, .phase_starts = starts}).assurance_icon[0],
              AssuranceIcon::consistent_fail);
}

// ================================================================================================
// Presets and options
// ================================================================================================

TEST(Presets, MdcAndShewhart) {
    const auto mdc = qm::spc::preset("mdc");
    EXPECT_EQ(mdc.limit_multiplier, 2.66);
    EXPECT_TRUE(mdc.screen_moving_ranges);
    EXPECT_EQ(mdc.screen_multiplier, 3.267);
    EXPECT_EQ(mdc.shift_length, 7u);
    EXPECT_EQ(mdc.trend_length, 7u);
    EXPECT_EQ(mdc.rules, qm::spc::rules::mdc);
    EXPECT_EQ(mdc.fix_after, 0u);

    const auto sh = qm::spc::preset("shewhart");
    EXPECT_EQ(sh.limit_multiplier, 3.0 / 1.128);
    EXPECT_FALSE(sh.screen_moving_ranges);
    EXPECT_EQ(sh.rules, qm::spc::rules::outside_limits);

    const auto names = qm::spc::preset_names();
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[0], "mdc");
    EXPECT_EQ(names[1], "shewhart");

    const auto msg = expect_invalid([] { (void)qm::spc::preset("nope"); }, "preset");
    EXPECT_NE(msg.find("nope"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mdc"), std::string::npos) << msg;
}

TEST(Presets, ShewhartOnTheJumpSeries) {
    // Screening series without screening: centre 27/13, mR̄ 31/12; limits c ± (3/1.128)·31/12
    // = 2.077 ± 6.871: only 21 is outside. Only the limit rule runs, so the 12 rows below the
    // centre are not a shift here.
    const std::vector<double> y{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 21};
    const auto r = qm::spc::xmr(y, {}, qm::spc::preset("shewhart"));
    EXPECT_DOUBLE_EQ(r.mean_moving_range[0], 31.0 / 12.0);
    EXPECT_DOUBLE_EQ(r.upper[0], 27.0 / 13.0 + 3.0 / 1.128 * 31.0 / 12.0);
    EXPECT_EQ(flags(r), flags_at(13, {{12, O}}));
}

TEST(Options, ValidationNamesTheOption) {
    const auto y = alternating(20, 1.0);
    auto with = [&](auto edit, const char* name) {
        XmrOptions o;
        edit(o);
        expect_invalid([&] { (void)qm::spc::xmr(y, {}, o); }, name);
    };
    with([](XmrOptions& o) { o.limit_multiplier = 0.0; }, "limit_multiplier");
    with([](XmrOptions& o) { o.limit_multiplier = NaN; }, "limit_multiplier");
    with([](XmrOptions& o) { o.screen_multiplier = -1.0; }, "screen_multiplier");
    with([](XmrOptions& o) { o.shift_length = 1; }, "shift_length");
    with([](XmrOptions& o) { o.trend_length = 2; }, "trend_length");
    with([](XmrOptions& o) { o.rules = 16; }, "rules");
    with([](XmrOptions& o) { o.fix_after = 1; }, "fix_after");
}

// ================================================================================================
// Bad input
// ================================================================================================

TEST(BadInput, Values) {
    expect_invalid([] { (void)qm::spc::xmr(std::span<const double>{}); }, "values");
    const std::vector<double> all_missing{NaN, NaN, NaN};
    const auto m = expect_invalid([&] { (void)qm::spc::xmr(all_missing); }, "values");
    EXPECT_NE(m.find("missing"), std::string::npos) << m;
    const std::vector<double> with_inf{1, 2, 3, std::numeric_limits<double>::infinity(), 5};
    const auto mi = expect_invalid([&] { (void)qm::spc::xmr(with_inf); }, "values[3]");
    EXPECT_EQ(mi, "values[3]: must be finite or NaN (missing), got inf");
    const std::vector<double> with_ninf{-std::numeric_limits<double>::infinity(), 2};
    expect_invalid([&] { (void)qm::spc::xmr(with_ninf); }, "values[0]");
    // magnitudes near the largest double would overflow the sums: a clear error, not NaN limits
    const std::vector<double> huge{1.0, 2.0, 1e308, 1e308, 3.0};
    const auto mh = expect_invalid([&] { (void)qm::spc::xmr(huge); }, "values[2]");
    EXPECT_NE(mh.find("1e300"), std::string::npos) << mh;
    const std::vector<double> large_ok{1e299, -1e299, 1e299};  // allowed: 3e299 still sums finitely
    EXPECT_NO_THROW((void)qm::spc::xmr(large_ok));
}

TEST(BadInput, ValuesAreCheckedWithTheFirstPassYetReportedFirst) {
    // The values are checked in the pass that sums them; the error still names the first bad
    // row of the whole input (whichever thread met one first), and comes before an error in
    // the targets or the rebase rows.
    std::vector<double> v(120'000, 1.0);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 50.0 + double(i % 7);
    std::vector<std::size_t> off;
    for (std::size_t k = 0; k <= 2000; ++k) off.push_back(k * 60);
    v[100'000] = std::numeric_limits<double>::infinity();  // in the second thread's half
    v[90'001] = -1e301;                                    // earlier, in the second half too
    for (unsigned threads : {1u, 2u}) {
        const auto m = expect_invalid([&] { (void)qm::spc::xmr_grouped({.values = v, .offsets = off}, {}, threads); },
                                      "values[90001]");
        EXPECT_NE(m.find("1e300"), std::string::npos) << m;
    }
    const std::vector<double> bad_targets{1.0};
    expect_invalid([&] { (void)qm::spc::xmr_grouped({.values = v, .offsets = off, .targets = bad_targets}); },
                   "values[90001]");
    const std::vector<std::size_t> bad_starts{5, 3};
    expect_invalid([&] { (void)qm::spc::xmr_grouped({.values = v, .offsets = off, .phase_starts = bad_starts}); },
                   "values[90001]");
    // values after a frozen baseline are checked too (they are not in the first pass)
    std::vector<double> w(40, 2.0);
    w[3] = 1.0;
    w[35] = std::numeric_limits<double>::infinity();
    XmrOptions frozen;
    frozen.fix_after = 20;
    expect_invalid([&] { (void)qm::spc::xmr(w, {}, frozen); }, "values[35]");
}

TEST(BadInput, Offsets) {
    const std::vector<double> v{1, 2, 3, 4, 5, 6};
    auto run = [&](std::vector<std::size_t> off) {
        (void)qm::spc::xmr_grouped({.values = v, .offsets = off});
    };
    expect_invalid([&] { run({0, 3, 5}); }, "offsets[2]");     // last offset is not 6
    expect_invalid([&] { run({1, 6}); }, "offsets[0]");        // first offset is not 0
    expect_invalid([&] { run({0, 3, 3, 6}); }, "offsets[2]");  // empty group 1
    expect_invalid([&] { run({0, 4, 2, 6}); }, "offsets[2]");  // decreasing
    expect_invalid([&] { run({0}); }, "offsets");
    EXPECT_NO_THROW(run({0, 3, 6}));
}

TEST(BadInput, Targets) {
    const std::vector<double> v{1, 2, 3, 4, 5, 6};
    const std::vector<std::size_t> off{0, 3, 6};
    const std::vector<double> one{1.0};
    const auto m = expect_invalid([&] { (void)qm::spc::xmr_grouped({.values = v, .offsets = off, .targets = one}); },
                                  "targets");
    EXPECT_NE(m.find("2"), std::string::npos) << m;
    const std::vector<double> inf{1.0, -std::numeric_limits<double>::infinity()};
    expect_invalid([&] { (void)qm::spc::xmr_grouped({.values = v, .offsets = off, .targets = inf}); }, "targets[1]");
    const std::vector<double> ok{1.0, NaN};
    EXPECT_NO_THROW((void)qm::spc::xmr_grouped({.values = v, .offsets = off, .targets = ok}));
}

TEST(BadInput, PhaseStarts) {
    const std::vector<double> v{1, 2, 3, 4, 5, 6};
    auto run = [&](std::vector<std::size_t> starts) { (void)qm::spc::xmr(v, {.phase_starts = starts}); };
    expect_invalid([&] { run({4, 2}); }, "phase_starts[1]");  // not ascending
    expect_invalid([&] { run({3, 3}); }, "phase_starts[1]");  // repeated
    expect_invalid([&] { run({6}); }, "phase_starts[0]");     // beyond the 6 rows
    expect_invalid([&] { run({2, 99}); }, "phase_starts[1]");
    EXPECT_NO_THROW(run({0, 5}));  // a start on the first row is a no-op
    const std::vector<std::size_t> s0{0, 5};
    EXPECT_EQ(qm::spc::xmr(v, {.phase_starts = s0}).phases(), 2u);
}

// ================================================================================================
// Grouped computation
// ================================================================================================

namespace {

template <class T, class A>
bool same_bits(const std::vector<T, A>& a, const std::vector<T, A>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

void expect_identical(const XmrResult& a, const XmrResult& b) {
    EXPECT_TRUE(same_bits(a.flags, b.flags));
    EXPECT_TRUE(same_bits(a.point_type, b.point_type));
    EXPECT_TRUE(same_bits(a.phase_group, b.phase_group));
    EXPECT_TRUE(same_bits(a.phase_begin, b.phase_begin));
    EXPECT_TRUE(same_bits(a.phase_end, b.phase_end));
    EXPECT_TRUE(same_bits(a.phase_baseline_end, b.phase_baseline_end));
    EXPECT_TRUE(same_bits(a.phase_n_used, b.phase_n_used));
    EXPECT_TRUE(same_bits(a.phase_n_moving_ranges, b.phase_n_moving_ranges));
    EXPECT_TRUE(same_bits(a.phase_n_screened, b.phase_n_screened));
    EXPECT_TRUE(same_bits(a.phase_short, b.phase_short));
    for (auto m : {&XmrResult::centre, &XmrResult::mean_moving_range, &XmrResult::lower, &XmrResult::upper,
                   &XmrResult::lower_1sigma, &XmrResult::upper_1sigma, &XmrResult::lower_2sigma,
                   &XmrResult::upper_2sigma})
        EXPECT_TRUE(same_bits(a.*m, b.*m));
    EXPECT_TRUE(same_bits(a.group_phase_offsets, b.group_phase_offsets));
    EXPECT_TRUE(same_bits(a.variation_icon, b.variation_icon));
    EXPECT_TRUE(same_bits(a.assurance_icon, b.assurance_icon));
}

/// Group g of a grouped result equals `one` (an xmr() result for that group alone).
void expect_group_matches(const XmrResult& all, std::size_t g, std::size_t row0, const XmrResult& one) {
    const std::size_t n = one.size();
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(all.flags[row0 + i], one.flags[i]) << "group " << g << " row " << i;
        ASSERT_EQ(all.point_type[row0 + i], one.point_type[i]) << "group " << g << " row " << i;
    }
    const std::size_t p0 = all.group_phase_offsets[g];
    ASSERT_EQ(all.group_phase_offsets[g + 1] - p0, one.phases()) << "group " << g;
    for (std::size_t q = 0; q < one.phases(); ++q) {
        const std::size_t p = p0 + q;
        EXPECT_EQ(all.phase_group[p], g);
        EXPECT_EQ(all.phase_begin[p], row0 + one.phase_begin[q]);
        EXPECT_EQ(all.phase_end[p], row0 + one.phase_end[q]);
        EXPECT_EQ(all.phase_baseline_end[p], row0 + one.phase_baseline_end[q]);
        EXPECT_EQ(all.phase_n_used[p], one.phase_n_used[q]);
        EXPECT_EQ(all.phase_n_moving_ranges[p], one.phase_n_moving_ranges[q]);
        EXPECT_EQ(all.phase_n_screened[p], one.phase_n_screened[q]);
        EXPECT_EQ(all.phase_short[p], one.phase_short[q]);
        for (auto m : {&XmrResult::centre, &XmrResult::mean_moving_range, &XmrResult::lower, &XmrResult::upper,
                       &XmrResult::lower_1sigma, &XmrResult::upper_1sigma, &XmrResult::lower_2sigma,
                       &XmrResult::upper_2sigma}) {
            const double a = (all.*m)[p], b = (one.*m)[q];
            EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << "group " << g << " phase " << q;
        }
    }
    EXPECT_EQ(all.variation_icon[g], one.variation_icon[0]) << "group " << g;
    EXPECT_EQ(all.assurance_icon[g], one.assurance_icon[0]) << "group " << g;
}

/// splitmix64: a deterministic stream of 64-bit values.
struct SplitMix {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

}  // namespace

TEST(Grouped, SeveralGroupsEqualPerGroupResults) {
    // The hand-checked series above, as four groups of one long input.
    const std::vector<std::vector<double>> series{
        {1, 2, 1, 2, 1, 2, 1, -3, 1, -3, 1, -3, 1, -4},                  // shift of 7
        {-3, 3, -3, 3, -3, -2, -1, NaN, 0, 1, 2, 3, -3, 3, -3, 3},       // trend with a gap
        {-4, 1, -4, 1, 2, 1, 2, 1, 11, 12, 6, 11, 6, 11, 12, 11},        // rebased at row 8
        {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 21},                        // screening
    };
    const std::vector<double> targets{NaN, 0.5, 8.0, 30.0};
    const std::vector<std::size_t> local_start{8};
    std::vector<double> values;
    std::vector<std::size_t> offsets{0};
    for (const auto& s : series) {
        values.insert(values.end(), s.begin(), s.end());
        offsets.push_back(values.size());
    }
    const std::vector<std::size_t> starts{offsets[2] + 8};
    for (auto dir : {Improvement::increase, Improvement::decrease, Improvement::neutral}) {
        const auto all = qm::spc::xmr_grouped(
            {.values = values, .offsets = offsets, .targets = targets, .phase_starts = starts, .improvement = dir});
        ASSERT_EQ(all.groups(), 4u);
        ASSERT_EQ(all.phases(), 5u);
        for (std::size_t g = 0; g < series.size(); ++g) {
            qm::spc::SeriesSpec spec{.improvement = dir, .target = targets[g]};
            if (g == 2) spec.phase_starts = local_start;
            expect_group_matches(all, g, offsets[g], qm::spc::xmr(series[g], spec));
        }
    }
}

TEST(Grouped, LargeInputSameResultOnOneAndTwoThreads) {
    // 2,000 groups × 60 points (120,000 rows, above the 50,000-row threshold for threads),
    // deterministic pseudo-random values with occasional gaps, level shifts and trends, a
    // rebase at local row 30 in every 7th group, targets in most groups.
    const std::size_t G = 2000, N = 60;
    SplitMix rng{42};
    std::vector<double> values(G * N);
    std::vector<std::size_t> offsets(G + 1);
    std::vector<double> targets(G);
    std::vector<std::size_t> starts;
    for (std::size_t g = 0; g < G; ++g) {
        offsets[g] = g * N;
        const double level = 50.0 + 10.0 * rng.uniform(), sd = 1.0 + 4.0 * rng.uniform();
        const double step = rng.uniform() < 0.3 ? 3.0 * sd : 0.0;
        const double slope = rng.uniform() < 0.2 ? 0.5 * sd : 0.0;
        for (std::size_t i = 0; i < N; ++i) {
            // sum of 4 uniforms: roughly normal, mean 2, sd 0.577
            const double z = (rng.uniform() + rng.uniform() + rng.uniform() + rng.uniform() - 2.0) / 0.577;
            double v = level + sd * z + (i >= 40 ? step : 0.0) + (i >= 45 && i < 53 ? slope * double(i - 45) : 0.0);
            if (rng.uniform() < 0.02) v = NaN;
            values[g * N + i] = v;
        }
        targets[g] = rng.uniform() < 0.1 ? NaN : level + 5.0 * (rng.uniform() - 0.5) * sd;
        if (g % 7 == 3) starts.push_back(g * N + 30);
    }
    offsets[G] = G * N;
    for (auto dir : {Improvement::increase, Improvement::neutral}) {
        const qm::spc::GroupedInput in{
            .values = values, .offsets = offsets, .targets = targets, .phase_starts = starts, .improvement = dir};
        const auto r1 = qm::spc::xmr_grouped(in, {}, 1);
        const auto r2 = qm::spc::xmr_grouped(in, {}, 2);
        const auto r0 = qm::spc::xmr_grouped(in, {}, 0);  // hardware concurrency
        ASSERT_EQ(r1.size(), G * N);
        ASSERT_EQ(r1.groups(), G);
        ASSERT_EQ(r1.phases(), G + starts.size());
        expect_identical(r1, r2);
        expect_identical(r1, r0);
        // Into a reused result: after a larger and a smaller computation, and with every column
        // overwritten by garbage in between, the same bits as a fresh result.
        qm::spc::XmrResult reused;
        const std::vector<double> other(values.begin(), values.begin() + 3 * N + 7);
        const std::vector<std::size_t> other_offsets{0, N, 3 * N + 7};
        qm::spc::xmr_grouped_into({.values = other, .offsets = other_offsets}, reused);
        qm::spc::xmr_grouped_into(in, reused, {}, 2);
        expect_identical(r1, reused);
        std::fill(reused.flags.begin(), reused.flags.end(), qm::spc::RuleFlags{0xFFFF});
        std::fill(reused.point_type.begin(), reused.point_type.end(), PointType{7});
        std::fill(reused.centre.begin(), reused.centre.end(), -1.0);
        std::fill(reused.phase_n_screened.begin(), reused.phase_n_screened.end(), std::size_t{99});
        qm::spc::xmr_grouped_into(in, reused, {}, 1);
        expect_identical(r1, reused);
        qm::spc::xmr_grouped_into({.values = other, .offsets = other_offsets}, reused);
        expect_identical(qm::spc::xmr_grouped({.values = other, .offsets = other_offsets}), reused);
        // Some groups must signal for this to mean anything.
        EXPECT_GT(std::count_if(r1.flags.begin(), r1.flags.end(), [](qm::spc::RuleFlags f) { return f != 0; }), 1000);
        // Spot-check groups against single-series runs.
        for (std::size_t g = 0; g < G; g += 97) {
            const std::vector<double> y(values.begin() + static_cast<std::ptrdiff_t>(offsets[g]),
                                        values.begin() + static_cast<std::ptrdiff_t>(offsets[g + 1]));
            const std::vector<std::size_t> local{30};
            qm::spc::SeriesSpec spec{.improvement = dir, .target = targets[g]};
            if (g % 7 == 3) spec.phase_starts = local;
            expect_group_matches(r2, g, offsets[g], qm::spc::xmr(y, spec));
        }
    }
}

// ================================================================================================
// The shared CSV reader of the tests (tests/cpp/test_csv.hpp)
// ================================================================================================

namespace {

using qm_test::Csv;
using qm_test::CsvOptions;
using qm_test::parse_csv;
using qm_test::read_csv;

TEST(CsvReader, QuotesAndMissing) {
    // The reader itself, on a small file written here.
    const std::string path = ::testing::TempDir() + "qm_csv_reader_test.csv";
    {
        std::ofstream out(path, std::ios::binary);
        out << "\"a\",b,\"c\"\r\n\"x, \"\"y\"\"\",,1.5\r\n\"\",NA,\n";
    }
    const Csv c = read_csv(path);
    ASSERT_EQ(c.header, (std::vector<std::string>{"a", "b", "c"}));
    ASSERT_EQ(c.rows.size(), 2u);
    EXPECT_EQ(c.str(0, 0), "x, \"y\"");
    EXPECT_TRUE(c.is_na(0, 1));
    EXPECT_EQ(c.num(0, 2), 1.5);
    EXPECT_FALSE(c.is_na(1, 0));  // "" is an empty string, not NA
    EXPECT_TRUE(c.is_na(1, 1));
    EXPECT_TRUE(c.is_na(1, 2));
    EXPECT_TRUE(std::isnan(c.num(1, 2)));
}

TEST(CsvReader, CommentsBlankLinesAndLineBreaks) {
    // '#' lines are kept whole; blank lines are skipped; "\n", "\r\n" and a lone "\r" all end a
    // record; the last record needs no line break; a quoted field may hold line breaks.
    const Csv c = parse_csv("# source = a book\r\nx,name\n\n1,\"two\nlines\"\r# b = 2; c = 3\r\n\r\n-2.5e1,NA\r3,\"\"", "t.csv");
    EXPECT_EQ(c.comments, (std::vector<std::string>{"# source = a book", "# b = 2; c = 3"}));
    ASSERT_EQ(c.header, (std::vector<std::string>{"x", "name"}));
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c.str(0, "name"), "two\nlines");
    EXPECT_EQ(c.lines, (std::vector<std::size_t>{4, 8, 9}));  // line 4 holds the quoted line break
    EXPECT_EQ(c.column("x"), (std::vector<double>{1.0, -25.0, 3.0}));
    EXPECT_EQ(c.strings("name"), (std::vector<std::string>{"two\nlines", "", ""}));
    EXPECT_TRUE(c.is_na(1, "name"));
    EXPECT_FALSE(c.is_na(2, "name"));
    EXPECT_TRUE(std::isnan(c.num(2, "name")));  // an empty string is no number either
    EXPECT_EQ(c.comment_number("b"), 2.0);
    EXPECT_EQ(c.comment_number("c"), 3.0);
    EXPECT_THROW(c.comment_number("source"), std::runtime_error);  // "a book" is not a number
    EXPECT_THROW(c.comment_number("d"), std::runtime_error);
}

TEST(CsvReader, ByNameAndByIndex) {
    const Csv c = parse_csv("id,value,flag\n\"a\",0.25,TRUE\n\"b\",NA,\"NA\"\n", "t.csv");
    EXPECT_EQ(c.col("value"), 1u);
    EXPECT_TRUE(c.has("flag"));
    EXPECT_FALSE(c.has("Value"));
    EXPECT_EQ(c.num(0, "value"), c.num(0, 1));
    EXPECT_EQ(c.num(0, 1), 0.25);
    EXPECT_EQ(c.str(0, "flag"), "TRUE");
    EXPECT_EQ(c.str(1, 0), "b");
    EXPECT_TRUE(c.is_na(1, "value"));
    EXPECT_EQ(c.str(1, "value"), "");  // missing reads as ""
    EXPECT_FALSE(c.is_na(1, "flag"));  // a quoted "NA" is the two letters
    EXPECT_EQ(c.str(1, "flag"), "NA");
    const auto v = c.column(1);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0], 0.25);
    EXPECT_TRUE(std::isnan(v[1]));
    EXPECT_EQ(c.strings(0), (std::vector<std::string>{"a", "b"}));
}

TEST(CsvReader, MetadataRecords) {
    // With a prefix, matching records (anywhere) are metadata: key -> one field list per record.
    const std::string text = "pub_a,1.5\npub_lim,1,2,3\npub_lim,4,,6\nx,y\n1,2\n";
    const Csv c = parse_csv(text, "t.csv", {.meta_prefix = "pub_"});
    EXPECT_EQ(c.header, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(c.size(), 1u);
    EXPECT_EQ(c.meta_value("pub_a"), "1.5");
    EXPECT_EQ(c.meta_value("pub_lim", 2), "3");
    ASSERT_EQ(c.meta.at("pub_lim").size(), 2u);
    EXPECT_EQ(c.meta.at("pub_lim")[1], (std::vector<std::string>{"4", "", "6"}));
    EXPECT_THROW(c.meta_value("pub_b"), std::runtime_error);
    EXPECT_THROW(c.meta_value("pub_a", 1), std::runtime_error);
    // Without one they are ordinary records: here the first is the header and the rest do not fit it.
    EXPECT_THROW(parse_csv(text, "t.csv"), std::runtime_error);
}

/// Runs `f`, expects a std::runtime_error whose message contains `needle`.
template <class F>
void expect_csv_error(F&& f, const std::string& needle) {
    try {
        f();
        ADD_FAILURE() << "no exception, expected one containing '" << needle << "'";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << "message: " << e.what();
    }
}

TEST(CsvReader, ErrorsNameTheFileAndLine) {
    expect_csv_error([] { parse_csv("a,b\n1,2\n3\n", "t.csv"); }, "t.csv:3: 1 fields, the header has 2");
    expect_csv_error([] { parse_csv("a,b\n1,\"2\n", "t.csv"); }, "t.csv:2: a quoted field is not closed");
    expect_csv_error([] { parse_csv("a,b\n1,\"2\"x\n", "t.csv"); }, "t.csv:2: text after the closing quote of field 2");
    expect_csv_error([] { parse_csv("a,b\n1,2\"\n", "t.csv"); }, "t.csv:2: a quote inside unquoted field 2");
    expect_csv_error([] { parse_csv("# only a comment\n", "t.csv"); }, "t.csv: no header");
    expect_csv_error([] { read_csv(::testing::TempDir() + "qm_no_such_file.csv"); }, "cannot open");
    const Csv c = parse_csv("a,b\n1,2\n1.5x,1e999\n", "t.csv");
    expect_csv_error([&] { c.col("z"); }, "t.csv: CSV has no column z");
    expect_csv_error([&] { c.num(1, "a"); }, "t.csv:3 (row 1): column a: '1.5x' is not a number");
    expect_csv_error([&] { c.num(1, "b"); }, "'1e999' is not a number");
    EXPECT_THROW(c.at(2, 0), std::out_of_range);
    EXPECT_THROW(c.at(0, 2), std::out_of_range);
}

}  // namespace

// ================================================================================================
// Parity with NHSRplotthedots 0.2.2 (tests/reference/ae/*.nhsrplotthedots.csv)
// ================================================================================================

namespace {

bool close_rel(double ours, double ref) {
    if (std::isnan(ref)) return std::isnan(ours);
    return std::fabs(ours - ref) <= 1e-9 * std::fabs(ref) + 1e-300;
}

/// NHSRplotthedots special_cause_type, reduced to the rule that decided it.
std::string reference_rule(const std::string& type) {
    if (type == "Above UCL" || type == "Below LCL") return "outside";
    if (type.rfind("7 Point Trend", 0) == 0) return "trend";
    if (type.rfind("2 in 3", 0) == 0) return "two_of_three";
    if (type.rfind("7 Points", 0) == 0) return "shift";
    if (type == "Common Cause") return "none";
    return "?" + type;
}

/// Our flags reduced the same way (precedence outside > trend > two_of_three > shift).
std::string our_rule(qm::spc::RuleFlags f) {
    if (f & O) return "outside";
    if (f & T) return "trend";
    if (f & W) return "two_of_three";
    if (f & S) return "shift";
    return "none";
}

std::string our_assurance(qm::AssuranceIcon a) {
    switch (a) {
        case qm::AssuranceIcon::none: return "";
        case qm::AssuranceIcon::consistent_pass: return "consistent_pass";
        case qm::AssuranceIcon::consistent_fail: return "consistent_fail";
        case qm::AssuranceIcon::hit_and_miss: return "inconsistent";  // NHSRplotthedots' word
    }
    return "?";
}

struct ParityCase {
    const char* file;
    Improvement improvement;
    const char* rebase_date;  ///< x value of the row that starts a new phase, or nullptr
    std::size_t expected_facets;
};

void check_parity(const ParityCase& pc) {
    SCOPED_TRACE(pc.file);
    const Csv csv = qm_test::read_reference(std::string("ae/") + pc.file);
    const std::size_t n = csv.rows.size();
    ASSERT_GT(n, 0u);
    const std::size_t cf = csv.col("f"), cy = csv.col("y"), cx = csv.col("x"), crg = csv.col("rebase_group"),
                      cshort = csv.col("short_group_warning"), cmean = csv.col("mean_col"), clpl = csv.col("lpl"),
                      cupl = csv.col("upl"), cl2 = csv.col("lpl_2sigma"), cu2 = csv.col("upl_2sigma"),
                      cl1 = csv.col("lpl_1sigma"), cu1 = csv.col("upl_1sigma"), cout = csv.col("outside_limits"),
                      ctype = csv.col("special_cause_type"), cflag = csv.col("special_cause_flag"),
                      cpt = csv.col("point_type"), ctarget = csv.col("target"), cvi = csv.col("variation_icon"),
                      cat_ = csv.col("assurance_type");

    // Long format: facets are consecutive runs of `f` (rows sorted by f and x).
    std::vector<double> values(n);
    std::vector<std::size_t> offsets{0};
    std::vector<std::string> facet_names{csv.str(0, cf)};
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < n; ++i) {
        values[i] = csv.num(i, cy);
        if (i > 0 && csv.str(i, cf) != csv.str(i - 1, cf)) {
            offsets.push_back(i);
            facet_names.push_back(csv.str(i, cf));
        } else if (i > 0) {
            ASSERT_LT(csv.str(i - 1, cx), csv.str(i, cx)) << "row " << i << ": x not ascending within facet";
        }
        if (pc.rebase_date && csv.str(i, cx) == pc.rebase_date) starts.push_back(i);
    }
    offsets.push_back(n);
    const std::size_t G = offsets.size() - 1;
    ASSERT_EQ(G, pc.expected_facets);
    {
        auto sorted = facet_names;
        std::sort(sorted.begin(), sorted.end());
        ASSERT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "a facet appears twice";
    }
    if (pc.rebase_date) {
        ASSERT_FALSE(starts.empty()) << "no row with x == " << pc.rebase_date;
    }
    std::vector<double> targets(G);
    for (std::size_t g = 0; g < G; ++g) targets[g] = csv.num(offsets[g], ctarget);

    const auto r = qm::spc::xmr_grouped(
        {.values = values, .offsets = offsets, .targets = targets, .phase_starts = starts, .improvement = pc.improvement});
    ASSERT_EQ(r.size(), n);
    ASSERT_EQ(r.groups(), G);

    const auto centre = r.expand(r.centre), lower = r.expand(r.lower), upper = r.expand(r.upper);
    const auto lower2 = r.expand(r.lower_2sigma), upper2 = r.expand(r.upper_2sigma);
    const auto lower1 = r.expand(r.lower_1sigma), upper1 = r.expand(r.upper_1sigma);
    const auto is_short = r.expand(r.phase_short);
    std::vector<std::size_t> phase_in_group(n);
    for (std::size_t p = 0; p < r.phases(); ++p)
        for (std::size_t i = r.phase_begin[p]; i < r.phase_end[p]; ++i)
            phase_in_group[i] = p - r.group_phase_offsets[r.phase_group[p]];

    std::vector<std::string> mismatches;
    auto check = [&](bool ok, std::size_t i, const std::string& what) {
        if (!ok && mismatches.size() < 25)
            mismatches.push_back("row " + std::to_string(i) + " (" + csv.str(i, cf) + " " + csv.str(i, cx) + "): " + what);
    };
    std::size_t flagged = 0;
    for (std::size_t i = 0; i < n; ++i) {
        check(close_rel(centre[i], csv.num(i, cmean)), i, "mean_col");
        check(close_rel(lower[i], csv.num(i, clpl)), i, "lpl");
        check(close_rel(upper[i], csv.num(i, cupl)), i, "upl");
        check(close_rel(lower2[i], csv.num(i, cl2)), i, "lpl_2sigma");
        check(close_rel(upper2[i], csv.num(i, cu2)), i, "upl_2sigma");
        check(close_rel(lower1[i], csv.num(i, cl1)), i, "lpl_1sigma");
        check(close_rel(upper1[i], csv.num(i, cu1)), i, "upl_1sigma");
        const bool ref_flag = csv.str(i, cflag) == "TRUE";
        check(ref_flag == (r.flags[i] != 0), i, "special_cause_flag " + csv.str(i, cflag));
        check((csv.str(i, cout) == "TRUE") == ((r.flags[i] & O) != 0), i, "outside_limits");
        check(reference_rule(csv.str(i, ctype)) == our_rule(r.flags[i]), i,
              "special_cause_type " + csv.str(i, ctype) + " vs " + our_rule(r.flags[i]));
        check(csv.str(i, cpt) == qm::to_string(r.point_type[i]), i,
              "point_type " + csv.str(i, cpt) + " vs " + std::string(qm::to_string(r.point_type[i])));
        check((csv.str(i, cshort) == "TRUE") == (is_short[i] != 0), i, "short_group_warning");
        check(static_cast<double>(phase_in_group[i]) == csv.num(i, crg), i, "rebase_group");
        flagged += r.flags[i] != 0;
    }
    for (std::size_t g = 0; g < G; ++g) {
        const std::size_t last = offsets[g + 1] - 1;
        std::string icon = csv.str(last, cvi);
        if (icon.size() > 4 && icon.compare(icon.size() - 4, 4, ".svg") == 0) icon.resize(icon.size() - 4);
        check(icon == qm::to_string(r.variation_icon[g]), last,
              "variation_icon " + icon + " vs " + std::string(qm::to_string(r.variation_icon[g])));
        check(csv.str(last, cat_) == our_assurance(r.assurance_icon[g]), last,
              "assurance_type '" + csv.str(last, cat_) + "' vs " + std::string(qm::to_string(r.assurance_icon[g])));
    }
    std::string report;
    for (const auto& m : mismatches) report += m + "\n";
    EXPECT_TRUE(mismatches.empty()) << report;
    EXPECT_GT(flagged, 0u);  // the comparison covers signals, not only common cause
}

}  // namespace

TEST(ParityNHSRplotthedots, Type1PerformanceByOrg) {
    check_parity({"ae_type1_performance_by_org.nhsrplotthedots.csv", Improvement::increase, nullptr, 130});
}

TEST(ParityNHSRplotthedots, RrkPerformanceRebase201804) {
    check_parity({"ae_rrk_type1_performance_rebase_2018-04.nhsrplotthedots.csv", Improvement::increase, "2018-04-01", 1});
}

TEST(ParityNHSRplotthedots, RrkAttendancesNeutral) {
    check_parity({"ae_rrk_type1_attendances_neutral.nhsrplotthedots.csv", Improvement::neutral, nullptr, 1});
}
