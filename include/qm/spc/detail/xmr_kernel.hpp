#pragma once
// qm/spc/detail/xmr_kernel.hpp — the rule kernels behind qm::spc::xmr_grouped (limits: xmr_limits.hpp).
//
// Two implementations of the same rules (see qm/spc/xmr.hpp for the method):
//   xmr_rules_reference + xmr_point_types_reference : one point at a time, the definition;
//   xmr_rules_bitwise                               : 64 points at a time as bit planes.
// The bitwise kernel is what runs (it is several times faster: a per-point loop pays for
// data-dependent run counters and branches; see benchmarks/README.md); the reference kernel
// runs for rule lengths above 62 and in the tests, which check both agree on random series
// with ties, points on the centre line, missing values and phase breaks.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include <qm/core/types.hpp>
#include <qm/spc/options.hpp>
#include <qm/spc/detail/xmr_limits.hpp>

namespace qm::spc::detail {

// ------------------------------------------------------------------------------------------
// Reference kernel: one point at a time.
// ------------------------------------------------------------------------------------------

inline void xmr_rules_reference(const double* y, std::size_t n, const PhaseLimits& L, const XmrOptions& o,
                                std::uint8_t* flags) noexcept {
    const double c = L.centre, U = L.upper, Lo = L.lower, NU = L.upper2, NL = L.lower2;
    const bool r_out = o.rules & rules::outside_limits, r_shift = o.rules & rules::shift,
               r_trend = o.rules & rules::trend, r_23 = o.rules & rules::two_of_three;
    const std::size_t SL = o.shift_length, TL = o.trend_length - 1;  // TL = steps in a trend
    int s1 = 0, s2 = 0;
    bool c1 = false, c2 = false;
    std::size_t run = 0, up = 0, down = 0;
    double prev = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < n; ++i) {
        const double v = y[i];
        const int s = (v > c) - (v < c);
        const bool out = (v > U) | (v < Lo);
        const bool cl = (!out) & ((v < NL) | (v > NU));
        flags[i] = (r_out & out) ? rules::outside_limits : 0;
        run = s == 0 ? 0 : (s == s1 ? run + 1 : 1);
        up = v > prev ? up + 1 : 0;
        down = v < prev ? down + 1 : 0;
        if (r_shift && run >= SL) {
            if (run == SL)
                for (std::size_t k = 1; k < SL; ++k) flags[i - k] |= rules::shift;
            flags[i] |= rules::shift;
        }
        if (r_trend && (up >= TL || down >= TL)) {
            if (up == TL || down == TL)
                for (std::size_t k = 1; k <= TL; ++k) flags[i - k] |= rules::trend;
            flags[i] |= rules::trend;
        }
        if (r_23 && i >= 2 && s != 0 && s == s1 && s == s2 && (int(cl) + int(c1) + int(c2)) >= 2) {
            if (cl) flags[i] |= rules::two_of_three;
            if (c1) flags[i - 1] |= rules::two_of_three;
            if (c2) flags[i - 2] |= rules::two_of_three;
        }
        s2 = s1;
        s1 = s;
        c2 = c1;
        c1 = cl;
        prev = v;
    }
}

/// Point types by precedence outside > trend > two_of_three > shift. A trend point takes the
/// direction of the step to its right when the next point is in a trend too, else of the step
/// from its left (the first row of a phase, and a tie, count as decreasing), as
/// NHSRplotthedots 0.2.2 does (R/ptd_calculate_point_type.R).
inline void xmr_point_types_reference(const double* y, std::size_t n, double centre, Improvement dir,
                                      const std::uint8_t* flags, PointType* pt) noexcept {
    const int d = static_cast<int>(dir);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t f = flags[i];
        if (f == 0) {
            pt[i] = PointType::common_cause;
            continue;
        }
        int v;
        if (!(f & rules::outside_limits) && (f & rules::trend)) {
            const bool next = i + 1 < n && (flags[i + 1] & rules::trend);
            const double step = next ? y[i + 1] - y[i] : (i > 0 ? y[i] - y[i - 1] : 0.0);
            v = step > 0 ? 1 : -1;
        } else {
            v = y[i] > centre ? 1 : -1;
        }
        if (d == 0)
            pt[i] = v > 0 ? PointType::special_cause_neutral_high : PointType::special_cause_neutral_low;
        else
            pt[i] = v * d > 0 ? PointType::special_cause_improvement : PointType::special_cause_concern;
    }
}

// ------------------------------------------------------------------------------------------
// Bitwise kernel: bit j of a word is point 64·w + j of the phase.
//   planes      above, below, out (beyond a limit), close (beyond 2σ, not out), up, down (step
//               from the previous point; none at the first point of a phase); NaN sets none.
//   run ends    R[k] = AND of a plane over the window ending at k, by doubling shifts that
//               carry bits in from the previous word;
//   members     OR of run ends over the window starting at k, as 128-bit shifts over the
//               pair (word w-1, word w): word w-1 is final once word w is known, as long as
//               every window is shorter than 63 points.
// ------------------------------------------------------------------------------------------

inline constexpr std::size_t bitwise_max_length = 62;

inline bool bitwise_supported(const XmrOptions& o) noexcept {
    return std::endian::native == std::endian::little && o.shift_length <= bitwise_max_length &&
           o.trend_length <= bitwise_max_length;
}

namespace bits {

/// Gathers the low bit of each of the 8 bytes of x (host little-endian) into 8 bits.
constexpr std::uint64_t pack8(std::uint64_t x) noexcept {
    return ((x & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56;
}

/// 8 bits -> 8 bytes of 0/1 (the inverse of pack8), as a table.
struct Spread {
    std::uint64_t t[256];
    constexpr Spread() : t{} {
        for (unsigned b = 0; b < 256; ++b) {
            std::uint64_t v = 0;
            for (unsigned j = 0; j < 8; ++j)
                if (b >> j & 1u) v |= std::uint64_t{1} << (8 * j);
            t[b] = v;
        }
    }
};
inline constexpr Spread spread{};

/// x shifted towards later points by s (1 <= s <= 63), bits carried in from the previous word.
constexpr std::uint64_t later(std::uint64_t x, std::uint64_t prev, unsigned s) noexcept {
    return (x << s) | (prev >> (64 - s));
}
/// x shifted towards earlier points by s (1 <= s <= 63), bits carried in from the next word.
constexpr std::uint64_t earlier(std::uint64_t x, std::uint64_t next, unsigned s) noexcept {
    return (x >> s) | (next << (64 - s));
}

/// AND of a plane over the window of `len` points ending at each bit (1 <= len <= 62). The
/// previous word's plane and partial windows are carried in `hist` (hist[0] = plane, hist[k]
/// = window of 2^k), updated for the next call.
struct AndWindow {
    unsigned len = 1;
    unsigned steps = 0;               // number of doublings: 2^steps <= len
    std::uint64_t hist[7] = {};       // previous word: windows of 1, 2, 4, ... points
    void reset() noexcept { std::memset(hist, 0, sizeof hist); }
    std::uint64_t operator()(std::uint64_t x) noexcept {
        std::uint64_t cur[7];
        cur[0] = x;
        unsigned p = 1;
        for (unsigned k = 1; k <= steps; ++k, p <<= 1) cur[k] = cur[k - 1] & later(cur[k - 1], hist[k - 1], p);
        // here p = 2^steps <= len < 2p
        std::uint64_t r = cur[steps];
        if (len > p) r &= later(cur[steps], hist[steps], len - p);
        for (unsigned k = 0; k <= steps; ++k) hist[k] = cur[k];
        return r;
    }
};

inline AndWindow make_and_window(unsigned len) noexcept {
    AndWindow w;
    w.len = len;
    while ((2u << w.steps) <= len) ++w.steps;
    return w;
}

/// OR of run ends r over the window of `len` points starting at each bit of word w-1, given
/// the run ends of words w-1 (lo) and w (hi).
inline std::uint64_t or_window(std::uint64_t lo, std::uint64_t hi, unsigned len) noexcept {
    // doubling over the 128-bit pair; only the low word is needed at the end
    unsigned p = 1;
    while (p * 2 <= len) {
        const std::uint64_t nlo = lo | earlier(lo, hi, p), nhi = hi | (hi >> p);
        lo = nlo;
        hi = nhi;
        p <<= 1;
    }
    if (len > p) lo |= earlier(lo, hi, len - p);
    return lo;
}

}  // namespace bits

/// Rules and point types for one phase, 64 points at a time.
inline void xmr_rules_bitwise(const double* y, std::size_t n, const PhaseLimits& L, const XmrOptions& o,
                              Improvement dir, std::uint8_t* flags, PointType* pt) noexcept {
    using bits::pack8;
    const double c = L.centre, U = L.upper, Lo = L.lower, NU = L.upper2, NL = L.lower2;
    const std::uint64_t m_out = (o.rules & rules::outside_limits) ? ~0ULL : 0, m_shift = (o.rules & rules::shift) ? ~0ULL : 0,
                        m_trend = (o.rules & rules::trend) ? ~0ULL : 0, m_23 = (o.rules & rules::two_of_three) ? ~0ULL : 0;
    const unsigned SL = static_cast<unsigned>(o.shift_length), TL = static_cast<unsigned>(o.trend_length) - 1;
    auto w_above = bits::make_and_window(SL), w_below = bits::make_and_window(SL);
    auto w_up = bits::make_and_window(TL), w_down = bits::make_and_window(TL);

    struct Word {
        std::uint64_t above = 0, below = 0, out = 0, close = 0, up = 0;
        std::uint64_t shift_end = 0, trend_end = 0, two3_end = 0;
    };
    Word prev{};
    const std::size_t words = (n + 63) / 64;
    const int d = static_cast<int>(dir);

    // Emits flags and point types for word `w` (points 64w ..), given the next word's ends.
    auto finish = [&](std::size_t w, const Word& a, const Word& b) noexcept {
        const std::uint64_t S = bits::or_window(a.shift_end, b.shift_end, SL) & m_shift;
        const std::uint64_t T = bits::or_window(a.trend_end, b.trend_end, TL + 1) & m_trend;
        const std::uint64_t W = a.close & bits::or_window(a.two3_end, b.two3_end, 3) & m_23;
        const std::uint64_t O = a.out & m_out;
        // the next point's trend membership (only its low bits matter for bit 63)
        const std::uint64_t T_next_word = bits::or_window(b.trend_end, 0, TL + 1) & m_trend;
        const std::uint64_t Tn = bits::earlier(T, T_next_word, 1), Un = bits::earlier(a.up, b.up, 1);
        const std::uint64_t dir_up = (Tn & Un) | (~Tn & a.up);
        const std::uint64_t F = O | S | T | W;
        const std::uint64_t vpos = a.above ^ ((~O & T) & (a.above ^ dir_up));
        // point-type planes: value = 1·p1 + 2·p2, or for a neutral measure 3·p1 + 4·p2
        const std::uint64_t good = d > 0 ? vpos : ~vpos;
        const std::uint64_t p1 = d == 0 ? F & vpos : F & good;
        const std::uint64_t p2 = d == 0 ? F & ~vpos : F & ~good;
        const std::uint64_t k1 = d == 0 ? 3 : 1, k2 = d == 0 ? 4 : 2;
        const std::size_t base = 64 * w, m = n - base < 64 ? n - base : 64;
        const auto& sp = bits::spread.t;
        for (std::size_t g = 0; g * 8 < m; ++g) {
            const unsigned sh = static_cast<unsigned>(8 * g);
            const std::uint64_t fb = sp[(O >> sh) & 255] | sp[(S >> sh) & 255] << 1 | sp[(T >> sh) & 255] << 2 |
                                     sp[(W >> sh) & 255] << 3;
            const std::uint64_t tb = sp[(p1 >> sh) & 255] * k1 + sp[(p2 >> sh) & 255] * k2;
            const std::size_t k = std::min<std::size_t>(8, m - 8 * g);
            if (k == 8) {
                std::memcpy(flags + base + 8 * g, &fb, 8);
                std::memcpy(pt + base + 8 * g, &tb, 8);
            } else {
                std::memcpy(flags + base + 8 * g, &fb, k);
                std::memcpy(pt + base + 8 * g, &tb, k);
            }
        }
    };

    // Per-point codes, computed as small integers held in doubles (2^52 + code, so the low byte
    // of the bit pattern is the code): comparisons that yield doubles vectorise on every x86-64
    // (SSE2), comparisons that yield integers do not. Then the low bytes, then bit planes.
    alignas(64) double dcode[64];
    alignas(64) std::uint8_t code[64];
    auto code_of = [=](double v, double p) noexcept -> double {
        return 0x1p52 + (v > c ? 1.0 : 0.0) + (v < c ? 2.0 : 0.0) + (v > U ? 4.0 : 0.0) + (v < Lo ? 4.0 : 0.0) +
               (v > NU ? 8.0 : 0.0) + (v < NL ? 8.0 : 0.0) + (v > p ? 16.0 : 0.0) + (v < p ? 32.0 : 0.0);
    };
    for (std::size_t w = 0; w < words; ++w) {
        const std::size_t base = 64 * w, m = n - base < 64 ? n - base : 64;
        const double* yy = y + base;
        dcode[0] = code_of(yy[0], base == 0 ? std::numeric_limits<double>::quiet_NaN() : yy[-1]);
        for (std::size_t k = 1; k < m; ++k) dcode[k] = code_of(yy[k], yy[k - 1]);
        for (std::size_t k = m; k < 64; ++k) dcode[k] = 0x1p52;
        for (std::size_t k = 0; k < 64; ++k) {
            std::uint64_t u;
            std::memcpy(&u, dcode + k, 8);
            code[k] = static_cast<std::uint8_t>(u);
        }
        Word nw{};
        std::uint64_t above = 0, below = 0, out = 0, near = 0, up = 0, down = 0;
        for (unsigned g = 0; g < 8; ++g) {
            std::uint64_t x;
            std::memcpy(&x, code + 8 * g, 8);
            const unsigned sh = 8 * g;
            above |= pack8(x) << sh;
            below |= pack8(x >> 1) << sh;
            out |= pack8(x >> 2) << sh;
            near |= pack8(x >> 3) << sh;
            up |= pack8(x >> 4) << sh;
            down |= pack8(x >> 5) << sh;
        }
        nw.above = above;
        nw.below = below;
        nw.out = out;
        nw.close = near & ~out;
        nw.up = up;
        nw.shift_end = w_above(above) | w_below(below);
        nw.trend_end = w_up(up) | w_down(down);
        // 2 of 3: windows of 3 on one side with at least 2 close points
        const std::uint64_t a1 = bits::later(above, prev.above, 1), a2 = bits::later(above, prev.above, 2);
        const std::uint64_t b1 = bits::later(below, prev.below, 1), b2 = bits::later(below, prev.below, 2);
        const std::uint64_t c0 = nw.close, c1 = bits::later(c0, prev.close, 1), c2 = bits::later(c0, prev.close, 2);
        nw.two3_end = ((above & a1 & a2) | (below & b1 & b2)) & ((c0 & c1) | (c0 & c2) | (c1 & c2));
        if (w > 0) finish(w - 1, prev, nw);
        prev = nw;
    }
    if (words > 0) finish(words - 1, prev, Word{});
}

}  // namespace qm::spc::detail
