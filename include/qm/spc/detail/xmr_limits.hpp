#pragma once
// qm/spc/detail/xmr_limits.hpp — the centre, mean moving range and limits of one XmR phase.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>

#include <qm/core/error.hpp>
#include <qm/spc/options.hpp>
#include <qm/stats/detail/lanes.hpp>
#include <qm/stats/sum.hpp>

namespace qm::spc::detail {

struct PhaseLimits {
    double centre, amr, lower, upper, lower1, upper1, lower2, upper2;
    std::size_t n_used, n_mr, n_screened;
    double largest = 0;  ///< the largest magnitude of a value in the baseline (inf included)
};

// ------------------------------------------------------------------------------------------
// The values' own check, folded into the first pass over them: a pass counts the numbers and
// keeps the largest magnitude (NumberScan; xmr_first_pass gives both for its rows), and only
// when a magnitude is above max_magnitude, or nothing is a number, does check_values read the
// values again to name the row. The XmR chart and the CUSUM/EWMA charts check their values so.
// ------------------------------------------------------------------------------------------

inline constexpr double max_magnitude = 1e300;

/// How many values are numbers (not NaN), and the largest magnitude among them (inf included).
struct NumberScan {
    double count = 0, largest = 0;
};

inline NumberScan scan_numbers(const double* y, std::size_t n) noexcept {
    using namespace stats::detail;
    NumberScan r;
    v2d c0 = splat2(0), c1 = splat2(0), m0 = splat2(0), m1 = splat2(0);
    const v2d one = splat2(1.0);
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v2d x0 = load2(y + i), x1 = load2(y + i + 2);
        const v2i k0 = is_number2(x0), k1 = is_number2(x1);
        c0 += keep2(k0, one);
        c1 += keep2(k1, one);
        m0 = max2(m0, keep2(k0, abs2(x0)));
        m1 = max2(m1, keep2(k1, abs2(x1)));
    }
    for (int k = 0; k < 2; ++k) {
        r.count += lane(c0, k) + lane(c1, k);
        r.largest = std::max({r.largest, lane(m0, k), lane(m1, k)});
    }
    for (; i < n; ++i)
        if (y[i] == y[i]) {
            r.count += 1;
            r.largest = std::max(r.largest, std::fabs(y[i]));
        }
    return r;
}

/// The values' own errors (the first infinite or too large value, or none a number), if any.
inline void check_values(std::span<const double> y, const NumberScan& s) {
    if (s.largest > max_magnitude)
        for (std::size_t j = 0; j < y.size(); ++j) {
            if (std::isinf(y[j]))
                fail_argument("values", j, std::string("must be finite or NaN (missing), got ") + (y[j] > 0 ? "inf" : "-inf"));
            if (std::fabs(y[j]) > max_magnitude)
                fail_argument("values", j, "magnitude above 1e300 is not supported (sums would overflow)");
        }
    if (s.count == 0) fail_argument("values", "all values are missing");
}

/// The values' errors, if any, from a scan of its own (for another error found first, which the
/// values' must still precede).
inline void check_all_values(std::span<const double> values) {
    check_values(values, scan_numbers(values.data(), values.size()));
}

// ------------------------------------------------------------------------------------------
// Limits in one pass over the baseline. The values and the moving ranges are summed in
// double-double (TwoSum per element) in four lanes of two-wide vectors, missing values masked
// out, so both means are the correctly rounded quotients — as R's long-double mean() gives
// them — and a point that lies on the mean is seen on it. The pass also keeps the two largest
// moving ranges of every 32 (block_max): screening then subtracts, from the double-double sum,
// the moving ranges at or above the threshold. A block whose largest one stays below it is
// skipped, a block where only the largest reaches it gives that one from block_max (on normal
// noise about one block in four reaches the threshold, one in thirty twice), and only a block
// whose second largest reaches it too is read again, rather than the whole baseline. When the
// dropped ranges dwarf the kept ones (the difference would lose bits), the kept ones are summed
// again directly.
// ------------------------------------------------------------------------------------------

inline constexpr std::size_t xmr_block = 32;

/// Room xmr_first_pass needs for the two largest moving ranges of each block of a baseline of n.
constexpr std::size_t xmr_block_count(std::size_t n) noexcept { return 2 * (n / xmr_block + 1); }

struct FirstPass {
    stats::detail::DD sum_x, sum_d;
    double n_x = 0, n_d = 0, max_d = 0, max_x = 0;
    std::size_t covered = 1;  ///< moving ranges 1 .. covered - 1 are in blocks; the rest are not
};

/// block_max (may be null): xmr_block_count(n) entries; entries 2b and 2b + 1 get the largest and
/// the second largest moving range among 1 + 32b .. 32 + 32b (missing ones left out, as 0; the
/// two are equal when the largest occurs twice), for those below `covered`.
inline FirstPass xmr_first_pass(const double* y, std::size_t n, double* block_max) noexcept {
    using namespace stats::detail;
    FirstPass r;
    if (n == 0) return r;
    DD2 sx0, sx1, sd0, sd1;
    v2d cx0 = splat2(0), cx1 = splat2(0), cd0 = splat2(0), cd1 = splat2(0);
    // the largest moving range and value magnitude: one vector each (SSE2 has 16 registers and
    // the sums take eight; a spilled sum puts a store and a load on its chain through the loop)
    v2d m = splat2(0), a = splat2(0);
    const v2d one = splat2(1.0);
    // four(j, b, s): values j .. j + 3, for every four of [from, to) in blocks of 32; b and s
    // collect the block's largest and second largest moving range per lane (top2), which go to
    // block_max, and b into `largest`.
    auto blocks = [block_max](std::size_t from, std::size_t to, v2d& largest, auto&& four) noexcept {
        for (std::size_t j0 = from; j0 < to; j0 += xmr_block) {
            const std::size_t e = std::min(j0 + xmr_block, to);
            v2d b = splat2(0), s = splat2(0);
            for (std::size_t j = j0; j < e; j += 4) four(j, b, s);
            if (block_max != nullptr) {
                const double b0 = lane(b, 0), b1 = lane(b, 1);
                double* bm = block_max + 2 * ((j0 - 1) / xmr_block);
                bm[0] = std::max(b0, b1);
                bm[1] = std::max(std::min(b0, b1), std::max(lane(s, 0), lane(s, 1)));
            }
            largest = max2(largest, b);
        }
    };
    // The two largest of {b, s, d0, d1} per lane into b >= s (given b >= s).
    auto top2 = [](v2d& b, v2d& s, v2d d0, v2d d1) noexcept {
        const v2d hi = max2(d0, d1), lo = min2(d0, d1);
        s = max2(max2(s, lo), min2(b, hi));
        b = max2(b, hi);
    };
    // Four values x[0..3] with the masks: each missing value or moving range (prev: the values
    // before them) adds +0.0 to its lane and is not counted; b and s collect the two largest
    // moving ranges.
    auto masked = [&](const double* x, const double* prev, v2d& b, v2d& s) noexcept {
        const v2d x0 = load2(x), x1 = load2(x + 2);
        const v2d d0 = abs2(x0 - load2(prev)), d1 = abs2(x1 - load2(prev + 2));
        const v2i ox0 = is_number2(x0), ox1 = is_number2(x1), od0 = is_number2(d0), od1 = is_number2(d1);
        const v2d kx0 = keep2(ox0, x0), kx1 = keep2(ox1, x1);
        sx0.add(kx0);
        sx1.add(kx1);
        a = max2(a, max2(abs2(kx0), abs2(kx1)));
        const v2d k0 = keep2(od0, d0), k1 = keep2(od1, d1);
        sd0.add(k0);
        sd1.add(k1);
        cx0 += keep2(ox0, one);
        cx1 += keep2(ox1, one);
        cd0 += keep2(od0, one);
        cd1 += keep2(od1, one);
        top2(b, s, k0, k1);
    };
    std::size_t i = 1;
    // Blocks of up to 64 values. First without the missing-value masks (a third fewer
    // operations): a NaN or an infinity anywhere in the block makes its sums non-finite, and
    // only then is the block done again from the saved accumulators with the masks. Both give
    // the same bits when every value is a number: the same additions in the same lanes.
    //
    // Once the sums have grown, a block is added by Fast2Sum (four operations a term, not seven),
    // exact when the running sum outweighs what is added to it: a lane of the values takes 16
    // of a block, so a start of at least 32 times the block's largest |x| keeps it above every
    // |x|; the moving-range sums only grow, so a start at least the block's largest range does.
    // That is checked after the block, and a block that fails is done again with TwoSum: the
    // same bits either way. A block is tried so when the last one leaves twice that margin.
    enum class Block { added, not_exact, not_finite };
    bool fast = false;
    while (i + 4 <= n) {
        const std::size_t stop = i + std::min<std::size_t>(64, (n - i) / 4 * 4);
        auto unmasked = [&](auto fast_adds) noexcept {
            DD2 tx0 = sx0, tx1 = sx1, td0 = sd0, td1 = sd1;
            v2d tm = splat2(0), ta = splat2(0);  // this block's largest moving range and |x|
            blocks(i, stop, tm, [&](std::size_t j, v2d& b, v2d& s) {
                prefetch_ahead(y + j, 256);
                const v2d x0 = load2(y + j), x1 = load2(y + j + 2);
                const v2d d0 = abs2(x0 - load2(y + j - 1)), d1 = abs2(x1 - load2(y + j + 1));
                if constexpr (decltype(fast_adds)::value) {
                    tx0.add_fast(x0);
                    tx1.add_fast(x1);
                    td0.add_fast(d0);
                    td1.add_fast(d1);
                } else {
                    tx0.add(x0);
                    tx1.add(x1);
                    td0.add(d0);
                    td1.add(d1);
                }
                ta = max2(ta, max2(abs2(x0), abs2(x1)));
                top2(b, s, d0, d1);
            });
            const v2d all = (tx0.hi + tx0.lo) + (tx1.hi + tx1.lo) + (td0.hi + td0.lo) + (td1.hi + td1.lo);
            if (!all2(is_number2(all - all))) return Block::not_finite;
            const double mx = std::max(lane(ta, 0), lane(ta, 1)), md = std::max(lane(tm, 0), lane(tm, 1));
            // every lane's |sum| at least c times mx, and every moving-range sum at least k times md
            auto outweigh = [](const DD2& x0, const DD2& x1, double c, const DD2& d0, const DD2& d1, double k) {
                return !any2(less2(min2(abs2(x0.hi), abs2(x1.hi)), splat2(c))) && !any2(less2(min2(d0.hi, d1.hi), splat2(k)));
            };
            if constexpr (decltype(fast_adds)::value)
                if (!outweigh(sx0, sx1, 32 * mx, sd0, sd1, md)) return Block::not_exact;
            sx0 = tx0, sx1 = tx1, sd0 = td0, sd1 = td1;
            m = max2(m, tm), a = max2(a, ta);
            const double k = static_cast<double>((stop - i) / 4);
            cx0 += splat2(k), cx1 += splat2(k), cd0 += splat2(k), cd1 += splat2(k);
            fast = outweigh(sx0, sx1, 64 * mx, sd0, sd1, 2 * md);
            return Block::added;
        };
        Block done = fast ? unmasked(std::true_type{}) : Block::not_exact;
        if (done == Block::not_exact) done = unmasked(std::false_type{});
        if (done == Block::not_finite) {
            fast = false;
            blocks(i, stop, m, [&](std::size_t j, v2d& b, v2d& s) { masked(y + j, y + j - 1, b, s); });
        }
        i = stop;
    }
    r.covered = i;
    // The last 0-3 values (lanes 0-2) and row 0 (lane 3 of the values; it has no moving range)
    // in one masked step, from a padded copy, so that no value is added one at a time.
    {
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        double xs[4] = {nan, nan, nan, y[0]}, ps[4] = {nan, nan, nan, nan};
        for (std::size_t k = 0; i + k < n; ++k) {
            xs[k] = y[i + k];
            ps[k] = y[i + k - 1];
        }
        v2d s = splat2(0);
        masked(xs, ps, m, s);
    }
    // the four lanes merged as a tree: lanes 0 + 2 and 1 + 3 side by side, then those two
    auto merge = [](DD2 u, const DD2& w) noexcept {
        u.add(w.hi);
        u.lo += w.lo;
        DD s{lane(u.hi, 0), lane(u.lo, 0)};
        s.add(DD{lane(u.hi, 1), lane(u.lo, 1)});
        return s;
    };
    r.sum_x = merge(sx0, sx1);
    r.sum_d = merge(sd0, sd1);
    for (int k = 0; k < 2; ++k) {
        r.n_x += lane(cx0, k) + lane(cx1, k);
        r.n_d += lane(cd0, k) + lane(cd1, k);
        r.max_d = std::max(r.max_d, lane(m, k));
        r.max_x = std::max(r.max_x, lane(a, k));
    }
    return r;
}

/// The limits of the baseline y[0 .. n). block_max: scratch of xmr_block_count(n) doubles, or
/// null (screening then reads every block again; the result is the same).
inline PhaseLimits xmr_limits(const double* y, std::size_t n, const XmrOptions& o, double* block_max) noexcept {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    const FirstPass f = xmr_first_pass(y, n, block_max);
    const double mean = stats::detail::dd_div(f.sum_x, static_cast<std::size_t>(f.n_x));
    double amr = f.n_d > 0 ? stats::detail::dd_div(f.sum_d, static_cast<std::size_t>(f.n_d)) : nan;
    std::size_t n_mr = static_cast<std::size_t>(f.n_d), n_screened = 0;
    if (o.screen_moving_ranges && f.n_d > 0) {
        const double thr = o.screen_multiplier * amr;
        if (!(f.max_d < thr)) {  // something is screened out (or amr is 0: everything is)
            // The sum of the moving ranges below thr: all of them less those at or above it,
            // which are summed apart (double-double) and subtracted once.
            stats::detail::DD dropped;
            double ck = f.n_d;
            auto drop = [&](std::size_t j0, std::size_t j1) noexcept {
                for (std::size_t j = j0; j < j1; ++j) {
                    const double d = std::fabs(y[j] - y[j - 1]);
                    if (d >= thr) {  // false for a missing one
                        dropped.add(d);
                        ck -= 1;
                    }
                }
            };
            // With the block maxima, in chunks of 1,024 blocks: the blocks whose largest moving
            // range reaches thr are listed (a count, not a branch, per block: about one in four
            // does, at random), those where the second largest does too are asked of the cache
            // all together, then the listed ones are settled in order, so the dropped ranges are
            // added in order (the same bits as reading every block): a block where only the
            // largest reaches thr drops that one, from block_max; the others are read again.
            if (block_max == nullptr) {
                drop(1, f.covered);
            } else {
                constexpr std::size_t chunk = 1024;
                std::uint32_t listed[chunk], to_read[chunk];
                const std::size_t blocks = (f.covered - 1 + xmr_block - 1) / xmr_block;
                for (std::size_t c0 = 0; c0 < blocks; c0 += chunk) {
                    const std::size_t c1 = std::min(c0 + chunk, blocks);
                    const double* bm = block_max + 2 * c0;
                    std::size_t k = 0, r = 0;
                    for (std::size_t b = 0; b < c1 - c0; ++b) {
                        listed[k] = static_cast<std::uint32_t>(b);
                        k += bm[2 * b] >= thr;
                    }
                    for (std::size_t q = 0; q < k; ++q) {
                        to_read[r] = listed[q];
                        r += bm[2 * listed[q] + 1] >= thr;
                    }
                    for (std::size_t q = 0; q < r; ++q)
                        for (std::size_t ahead = 0; ahead <= xmr_block; ahead += 8)
                            stats::detail::prefetch_ahead(y + (c0 + to_read[q]) * xmr_block, ahead);
                    for (std::size_t q = 0; q < k; ++q) {
                        const std::size_t b = listed[q], j0 = 1 + (c0 + b) * xmr_block;
                        if (bm[2 * b + 1] < thr) {
                            dropped.add(bm[2 * b]);
                            ck -= 1;
                        } else {
                            drop(j0, std::min(j0 + xmr_block, f.covered));
                        }
                    }
                }
            }
            drop(f.covered, n);
            stats::detail::DD sk = f.sum_d;
            sk.add(stats::detail::DD{-dropped.hi, -dropped.lo});
            // The difference keeps about 106 − log2(dropped / kept) bits: when what is dropped
            // outweighs what is kept 2^24 times (an outlier of 1e15 among values near 1), or a
            // sum is not finite, the moving ranges below thr are summed again directly (as
            // accurate as the centre, whatever the outliers).
            if (!(std::fabs(dropped.hi) <= 0x1p24 * std::fabs(sk.hi + sk.lo)) || !std::isfinite(f.sum_d.hi)) {
                sk = {};
                ck = 0;
                for (std::size_t j = 1; j < n; ++j) {
                    const double d = std::fabs(y[j] - y[j - 1]);
                    if (d < thr) {  // false for a missing one
                        sk.add(d);
                        ck += 1;
                    }
                }
            }
            n_screened = n_mr - static_cast<std::size_t>(ck);
            n_mr = static_cast<std::size_t>(ck);
            amr = ck > 0 ? stats::detail::dd_div(sk, static_cast<std::size_t>(ck)) : nan;
        }
    }
    const double c = mean, a = amr, k = o.limit_multiplier;
    const double k2 = 2.0 * (k / 3.0), k1 = k / 3.0;  // the 2σ and 1σ multipliers, as R computes them
    return {c, a, c - k * a, c + k * a, c - k1 * a, c + k1 * a, c - k2 * a, c + k2 * a,
            static_cast<std::size_t>(f.n_x), n_mr, n_screened, f.max_x};
}

}  // namespace qm::spc::detail
