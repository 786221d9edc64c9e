#pragma once
// qm/spc/detail/rules_kernel.hpp — the rule engine behind qm/spc/rules.hpp (include that
// header, not this one). Rule semantics: see the comment at the top of qm/spc/rules.hpp.
//
//   rules_reference + point_types_reference : one point at a time, the definition of every rule;
//   rules_bitwise                           : 64 points at a time as bit planes (what runs);
//   runs_analysis_reference / runs_analysis_scalar / runs_analysis : Anhøj runs analysis, as a
//                                             filtered sequence and rle (the definition), as one
//                                             streaming pass, and 64 points at a time (what runs);
//   rules_outside_only                      : the outside-limits rule alone (qicharts2, Shewhart);
//   evaluate_phase                          : the dispatcher every chart calls, per phase.
// Both kernels are templates on the line source: ConstantLines (one Lines for the phase),
// PointLines (per-point columns), or any per-point source with the same interface (chart_grouped's
// RecipeLines computes each word's lines from the points' σ_i). The bitwise kernel is several
// times faster than a per-point loop, which pays for data-dependent run counters and branches
// (benchmarks/README.md); the
// reference kernel runs when an enabled rule is longer than 62 points, and in the tests, which
// check that both agree on random series with ties, points on the lines, missing values, every
// rule, rule length, flag mode and line source (tests/cpp/rules_test.cpp).

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include <boost/math/distributions/binomial.hpp>

#include <qm/core/types.hpp>
#include <qm/spc/rules.hpp>
#include <qm/stats/detail/lanes.hpp>

namespace qm::spc::detail {

// ------------------------------------------------------------------------------------------
// Line sources
// ------------------------------------------------------------------------------------------

/// One set of lines for the whole phase.
struct ConstantLines {
    Lines l;
    static constexpr bool per_point = false;
    const Lines& at(std::size_t) const noexcept { return l; }
    double centre(std::size_t) const noexcept { return l.centre; }
};

/// Which lines of a word a kernel reads (a source that computes its lines may skip the others).
enum class WordLines : std::uint8_t { centre, limits, two_sigma, all };

/// Room for the lines of one 64-point word, for sources that compute them (see word()).
struct WordLineBuffer {
    alignas(64) double centre[64], lower[64], upper[64], lower_1sigma[64], upper_1sigma[64], lower_2sigma[64],
        upper_2sigma[64];
    LinePointers pointers() const noexcept {
        return {centre, lower, upper, lower_1sigma, upper_1sigma, lower_2sigma, upper_2sigma};
    }
};

/// One set of lines per point (index relative to the phase start). Every per-point source has
/// at(i), centre(i), and word(base, m, buffer, lines): the lines of points base .. base + m − 1
/// (m <= 64) as pointers to their first entry — here into the columns themselves; a source that
/// computes its lines writes them to the buffer, and may leave out those `lines` does not ask for
/// (centre; + upper and lower limits; + 2σ lines; all).
struct PointLines {
    LinePointers p;
    static constexpr bool per_point = true;
    Lines at(std::size_t i) const noexcept { return p.at(i); }
    double centre(std::size_t i) const noexcept { return p.centre[i]; }
    LinePointers word(std::size_t base, std::size_t, WordLineBuffer&, WordLines = WordLines::all) const noexcept {
        return {p.centre + base,       p.lower + base,        p.upper + base,       p.lower_1sigma + base,
                p.upper_1sigma + base, p.lower_2sigma + base, p.upper_2sigma + base};
    }
};

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

// ------------------------------------------------------------------------------------------
// Reference kernel: one point at a time. Each rule is one pass that finds the points where a
// pattern ends ("ends"), then flags per the flag mode. Every pass is O(n).
// ------------------------------------------------------------------------------------------

template <class Src>
void rules_reference(const double* y, std::size_t n, const Src& src, const RuleOptions& o, RuleFlags* flags) noexcept {
    const RuleFlags R = o.rules;
    const bool completing = o.flag_mode == FlagMode::completing;
    const bool last_lines = o.window_lines == WindowLines::last;
    for (std::size_t i = 0; i < n; ++i) flags[i] = 0;
    if (n == 0) return;

    // A pattern of `span` points ends at i: completing mode flags i, pattern mode i - span + 1 .. i.
    // `done` is the last point flagged by this rule; earlier windows are already flagged up to it.
    auto mark = [&](std::size_t i, std::size_t span, RuleFlags bit, std::size_t& done) {
        if (completing) {
            flags[i] |= bit;
            return;
        }
        std::size_t from = i + 1 - span;
        if (done != npos && done + 1 > from) from = done + 1;
        for (std::size_t j = from; j <= i; ++j) flags[j] |= bit;
        done = i;
    };
    // +1 above, -1 below, 0 on the centre or missing
    auto side = [&](std::size_t i) {
        const double v = y[i], c = src.centre(i);
        return (v > c) - (v < c);
    };
    // +1 up from the previous point, -1 down, 0 tie, missing, or first point
    auto step = [&](std::size_t i) { return i == 0 ? 0 : (y[i] > y[i - 1]) - (y[i] < y[i - 1]); };

    if (R & rules::outside_limits)
        for (std::size_t i = 0; i < n; ++i) {
            const Lines L = src.at(i);
            if (y[i] > L.upper || y[i] < L.lower) flags[i] |= rules::outside_limits;
        }

    if (R & rules::shift) {
        std::size_t run = 0, done = npos;
        int prev = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const int s = side(i);
            run = s == 0 ? 0 : (s == prev ? run + 1 : 1);
            prev = s;
            if (run >= o.shift_length) mark(i, o.shift_length, rules::shift, done);
        }
    }

    if (R & rules::trend) {
        const std::size_t steps = o.trend_length - 1;
        std::size_t up = 0, down = 0, done = npos;
        for (std::size_t i = 0; i < n; ++i) {
            const int d = step(i);
            up = d > 0 ? up + 1 : 0;
            down = d < 0 ? down + 1 : 0;
            if (up >= steps || down >= steps) mark(i, o.trend_length, rules::trend, done);
        }
    }

    if (R & rules::alternating) {
        // point i completes an alternation when the step into it is strict and opposite to the
        // (strict) step into i - 1; alternating_length points hold alternating_length - 2 of them
        const std::size_t need = o.alternating_length - 2;
        std::size_t run = 0, done = npos;
        for (std::size_t i = 0; i < n; ++i) {
            const int d = step(i), d0 = i > 0 ? step(i - 1) : 0;
            run = (d != 0 && d0 == -d) ? run + 1 : 0;
            if (run >= need) mark(i, o.alternating_length, rules::alternating, done);
        }
    }

    if (R & rules::stratification) {
        std::size_t run = 0, done = npos;
        for (std::size_t i = 0; i < n; ++i) {
            const Lines L = src.at(i);
            const bool inside = y[i] >= L.lower_1sigma && y[i] <= L.upper_1sigma;
            run = inside ? run + 1 : 0;
            if (run >= o.stratification_length) mark(i, o.stratification_length, rules::stratification, done);
        }
    }

    if (R & rules::mixture) {
        const std::size_t len = o.mixture_length;
        std::size_t run = 0, last_hi = npos, last_lo = npos, done = npos;
        for (std::size_t i = 0; i < n; ++i) {
            const Lines L = src.at(i);
            const bool hi = y[i] > L.upper_1sigma, lo = y[i] < L.lower_1sigma;
            run = (hi || lo) ? run + 1 : 0;
            if (hi) last_hi = i;
            if (lo) last_lo = i;
            // window i - len + 1 .. i: all beyond 1σ, one above, one below
            if (run >= len && last_hi != npos && last_hi + len > i && last_lo != npos && last_lo + len > i)
                mark(i, len, rules::mixture, done);
        }
    }

    // Window rules: a window of m points ending at i (i >= m - 1) qualifies when >= k of its points
    // "count"; pattern mode flags its counting points, completing mode flags i if it counts.
    auto window_rule = [&](std::size_t m, RuleFlags bit, auto qualifies_side) {
        for (std::size_t i = m - 1; i < n; ++i)
            for (int s = 0; s < 2; ++s) {
                bool counts[5] = {};
                if (!qualifies_side(i, s, counts)) continue;
                if (completing) {
                    if (counts[m - 1]) flags[i] |= bit;
                } else {
                    for (std::size_t j = 0; j < m; ++j)
                        if (counts[j]) flags[i - (m - 1) + j] |= bit;
                }
            }
    };

    if (R & rules::two_of_three) {
        if (o.two_of_three == TwoOfThree::mdc) {
            // all 3 strictly on one side; >= 2 "close": beyond a 2σ line but not beyond a limit.
            // (Only side s == 0 is used: the side condition already fixes the side.)
            window_rule(3, rules::two_of_three, [&](std::size_t i, int s, bool* count) {
                if (s != 0) return false;
                const int s0 = side(i);
                if (s0 == 0 || side(i - 1) != s0 || side(i - 2) != s0) return false;
                int c = 0;
                for (std::size_t j = 0; j < 3; ++j) {
                    const std::size_t p = i - 2 + j;
                    const Lines L = src.at(p);
                    const double v = y[p];
                    const bool out = v > L.upper || v < L.lower;
                    count[j] = !out && (v < L.lower_2sigma || v > L.upper_2sigma);
                    c += count[j];
                }
                return c >= 2;
            });
        } else {
            // >= 2 of 3 beyond the same 2σ line (s = 0 upper, 1 lower), no missing value
            window_rule(3, rules::two_of_three, [&](std::size_t i, int s, bool* count) {
                int c = 0;
                for (std::size_t j = 0; j < 3; ++j) {
                    const std::size_t p = i - 2 + j;
                    if (std::isnan(y[p])) return false;
                    const Lines L = src.at(last_lines ? i : p);
                    count[j] = s == 0 ? y[p] > L.upper_2sigma : y[p] < L.lower_2sigma;
                    c += count[j];
                }
                return c >= 2;
            });
        }
    }

    if (R & rules::four_of_five) {
        window_rule(5, rules::four_of_five, [&](std::size_t i, int s, bool* count) {
            int c = 0;
            for (std::size_t j = 0; j < 5; ++j) {
                const std::size_t p = i - 4 + j;
                if (std::isnan(y[p])) return false;
                const Lines L = src.at(last_lines ? i : p);
                count[j] = s == 0 ? y[p] > L.upper_1sigma : y[p] < L.lower_1sigma;
                c += count[j];
            }
            return c >= 4;
        });
    }
}

/// Point types from flags, by precedence outside > trend > two_of_three > four_of_five > shift >
/// mixture (only rules::typed bits decide), oriented as described in qm/spc/rules.hpp.
template <class Src>
void point_types_reference(const double* y, std::size_t n, const Src& src, Improvement dir, const RuleFlags* flags,
                           PointType* pt) noexcept {
    const int d = static_cast<int>(dir);
    for (std::size_t i = 0; i < n; ++i) {
        const RuleFlags f = flags[i] & rules::typed;
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
            v = y[i] > src.centre(i) ? 1 : -1;
        }
        if (d == 0)
            pt[i] = v > 0 ? PointType::special_cause_neutral_high : PointType::special_cause_neutral_low;
        else
            pt[i] = v * d > 0 ? PointType::special_cause_improvement : PointType::special_cause_concern;
    }
}

// ------------------------------------------------------------------------------------------
// Anhøj runs analysis
// ------------------------------------------------------------------------------------------

namespace anhoej {

/// qbinom(0.05, m, 0.5) for m = 0..63, exactly: the smallest x with 20·Σ_{k<=x} C(m,k) >= 2^m,
/// i.e. Σ >= ceil(2^m / 20), in 64-bit integers (C(63, k) < 2^60, Σ <= 2^63).
struct SmallTable {
    unsigned char v[64];
    constexpr SmallTable() : v{} {
        std::uint64_t c[64] = {};
        c[0] = 1;
        for (unsigned m = 0; m < 64; ++m) {
            if (m > 0) {  // Pascal: row m from row m - 1, in place from the right
                c[m] = 1;
                for (unsigned k = m - 1; k >= 1; --k) c[k] += c[k - 1];
            }
            const std::uint64_t need = ((std::uint64_t{1} << m) + 19) / 20;
            std::uint64_t sum = 0;
            for (unsigned x = 0; x <= m; ++x) {
                sum += c[x];
                if (sum >= need) {
                    v[m] = static_cast<unsigned char>(x);
                    break;
                }
            }
        }
    }
};
inline constexpr SmallTable small_table{};

inline std::size_t quantile_boost(std::size_t m) {
    using namespace boost::math;
    using Policy = policies::policy<policies::discrete_quantile<policies::integer_round_up>>;
    const binomial_distribution<double, Policy> B(static_cast<double>(m), 0.5);
    double x = quantile(B, 0.05);
    while (x > 0 && cdf(B, x - 1) >= 0.05) x -= 1;
    while (cdf(B, x) < 0.05) x += 1;
    return static_cast<std::size_t>(x);
}

}  // namespace anhoej

}  // namespace qm::spc::detail

namespace qm::spc {

inline std::size_t anhoej_crossings_limit(std::size_t n_useful) {
    const std::size_t m = n_useful == 0 ? 0 : n_useful - 1;
    if (m < 64) return detail::anhoej::small_table.v[m];
    if (m <= 1000) {
        // Σ pmf from 0 up in double (2^-1000 is a normal double): each term carries at most
        // ~2x rounding errors, so the partial sums are within 1e-12 (relative) of the truth.
        // Accept the crossing only when neither neighbouring partial sum is that close to 0.05;
        // otherwise ask Boost.Math's incomplete beta.
        double pmf = std::ldexp(1.0, -static_cast<int>(m)), cdf = 0.0, before = 0.0;
        std::size_t x = 0;
        for (;; ++x) {
            before = cdf;
            cdf += pmf;
            if (cdf >= 0.05 || x == m) break;
            pmf *= static_cast<double>(m - x) / static_cast<double>(x + 1);
        }
        if (std::fabs(cdf - 0.05) > 1e-12 && std::fabs(before - 0.05) > 1e-12) return x;
    }
    return detail::anhoej::quantile_boost(m);
}

}  // namespace qm::spc

namespace qm::spc::detail {

inline RunsAnalysis make_runs_analysis(std::size_t n_obs, std::size_t n_useful, std::size_t longest,
                                       std::size_t crossings) {
    RunsAnalysis r;
    r.n_obs = n_obs;
    r.n_useful = n_useful;
    if (n_useful == 0) return r;
    r.longest_run = longest;
    r.n_crossings = crossings;
    r.longest_run_max = anhoej_longest_run_limit(n_useful);
    r.n_crossings_min = anhoej_crossings_limit(n_useful);
    r.longest_run_signal = longest > r.longest_run_max;
    r.crossings_signal = crossings < r.n_crossings_min;
    r.runs_signal = r.longest_run_signal || r.crossings_signal;
    return r;
}

/// The definition (qicharts2 runs.analysis): drop excluded, missing and on-centre points, then
/// run-length encode the signs.
template <class Src>
RunsAnalysis runs_analysis_reference(const double* y, std::size_t n, const Src& src, const std::uint8_t* excluded) {
    std::vector<int> signs;
    std::size_t n_obs = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (excluded && excluded[i]) continue;
        ++n_obs;
        const double v = y[i], c = src.centre(i);
        if (std::isnan(v) || std::isnan(c) || v == c) continue;
        signs.push_back(v > c ? 1 : -1);
    }
    std::vector<std::size_t> lengths;
    for (std::size_t k = 0; k < signs.size(); ++k) {
        if (k == 0 || signs[k] != signs[k - 1])
            lengths.push_back(1);
        else
            ++lengths.back();
    }
    const std::size_t longest = lengths.empty() ? 0 : *std::max_element(lengths.begin(), lengths.end());
    const std::size_t crossings = lengths.empty() ? 0 : lengths.size() - 1;
    return make_runs_analysis(n_obs, signs.size(), longest, crossings);
}

/// One streaming pass without branches on the data (the run counter is a conditional move).
template <class Src>
RunsAnalysis runs_analysis_scalar(const double* y, std::size_t n, const Src& src, const std::uint8_t* excluded) {
    std::size_t n_useful = 0, longest = 0, run = 0, crossings = 0, n_excl = 0;
    int last = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double v = y[i], c = src.centre(i);
        const bool ex = excluded != nullptr && excluded[i] != 0;
        const int s0 = (v > c) - (v < c);
        const int s = ex ? 0 : s0;
        n_excl += ex;
        const bool useful = s != 0, same = s == last;
        crossings += static_cast<std::size_t>(useful & !same & (last != 0));
        run = useful ? (same ? run + 1 : 1) : run;
        last = useful ? s : last;
        longest = run > longest ? run : longest;
        n_useful += useful;
    }
    return make_runs_analysis(n - n_excl, n_useful, longest, crossings);
}

// ------------------------------------------------------------------------------------------
// Bitwise kernel: bit j of a word is point 64·w + j of the phase.
//   planes      per-point comparisons: above / below the centre, beyond a limit, beyond a 2σ
//               line, up / down from the previous point; and, only for rules that need them,
//               beyond / within the 1σ lines and "not missing". A missing value (or a
//               comparison with a NaN line) sets no bit. Computed as small integer codes held
//               in doubles (comparisons that yield doubles vectorise on baseline x86-64),
//               then gathered 8 points at a time into 64-bit planes.
//   run ends    R[k] = AND of a plane over the window ending at k, by doubling shifts over the
//               pair (word w-1, word w);
//   members     OR of run ends over the window starting at k, as 128-bit shifts over the
//               pair (word w, word w+1): word w is final once word w+1 is known, as long as
//               every window is shorter than 63 points (pattern mode; completing mode flags
//               the ends themselves).
//   windows     2 of 3 / 4 of 5: per offset k, "window ending at t qualifies and point t-k
//               counts", shifted back by k (pattern mode) or k = 0 only (completing mode).
// Per word only the enabled rules run, so the MDC path costs what it did before the engine
// covered every rule (about 2.5 ns a point on the development machine, in cache).
// ------------------------------------------------------------------------------------------

inline constexpr std::size_t bitwise_max_length = 62;

/// The bitwise kernel handles every enabled rule whose length is at most 62 points.
inline bool bitwise_supported(const RuleOptions& o) noexcept {
    if constexpr (std::endian::native != std::endian::little) return false;
    auto ok = [&](RuleFlags bit, std::size_t len) { return !(o.rules & bit) || len <= bitwise_max_length; };
    return ok(rules::shift, o.shift_length) && ok(rules::trend, o.trend_length) &&
           ok(rules::alternating, o.alternating_length) && ok(rules::stratification, o.stratification_length) &&
           ok(rules::mixture, o.mixture_length);
}

namespace bits {

/// Gathers the low bit of each of the 8 bytes of x (host little-endian) into 8 bits.
constexpr std::uint64_t pack8(std::uint64_t x) noexcept {
    return ((x & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56;
}

/// Number of set bits: the POPCNT instruction where the target has it, else the SWAR sum inline
/// (baseline x86-64 has no POPCNT, and std::popcount is then a call into libgcc).
constexpr unsigned count(std::uint64_t x) noexcept {
#if defined(__POPCNT__) || !(defined(__x86_64__) || defined(__i386__))
    return static_cast<unsigned>(std::popcount(x));
#else
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return static_cast<unsigned>((x * 0x0101010101010101ULL) >> 56);
#endif
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

/// AND (or OR) of a plane over the window of `len` points ending at each bit of word w
/// (1 <= len <= 62), given the plane of word w (cur) and of word w-1 (prev; 0 before the
/// phase). Doubling over the 128-bit pair: the previous word's partial windows are computed
/// from its own bits only (0 shifted in), which is exact for every bit a window of at most 63
/// points ending in word w reads. No state is carried between words beyond the plane itself.
template <bool Or>
constexpr std::uint64_t window_ending(std::uint64_t cur, std::uint64_t prev, unsigned len) noexcept {
    auto op = [](std::uint64_t a, std::uint64_t b) { return Or ? (a | b) : (a & b); };
    unsigned p = 1;
    while (p * 2 <= len) {
        const std::uint64_t ncur = op(cur, later(cur, prev, p)), nprev = op(prev, prev << p);
        cur = ncur;
        prev = nprev;
        p <<= 1;
    }
    if (len > p) cur = op(cur, later(cur, prev, len - p));
    return cur;
}
constexpr std::uint64_t and_ending(std::uint64_t cur, std::uint64_t prev, unsigned len) noexcept {
    return window_ending<false>(cur, prev, len);
}
constexpr std::uint64_t or_ending(std::uint64_t cur, std::uint64_t prev, unsigned len) noexcept {
    return window_ending<true>(cur, prev, len);
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

constexpr std::uint64_t majority(std::uint64_t a, std::uint64_t b, std::uint64_t c) noexcept {
    return (a & b) | (a & c) | (b & c);
}
/// At least 4 of the 5 planes: no two of them are 0.
constexpr std::uint64_t at_least_4_of_5(const std::uint64_t* a) noexcept {
    std::uint64_t seen = 0, two = 0;
    for (int k = 0; k < 5; ++k) {
        const std::uint64_t z = ~a[k];
        two |= seen & z;
        seen |= z;
    }
    return ~two;
}

/// The low byte of each of 64 codes held in 8-byte slots: as 2^52 + code in a double (the low
/// byte of the bit pattern is the code; scalar comparisons that yield doubles vectorise on SSE2)
/// or as a 64-bit integer (the vector kernels' compare masks ANDed with their bits).
inline void low_bytes(const double* dcode, std::uint8_t* code) noexcept {
    for (std::size_t k = 0; k < 64; ++k) {
        std::uint64_t u;
        std::memcpy(&u, dcode + k, 8);
        code[k] = static_cast<std::uint8_t>(u);
    }
}

/// The byte codes of m <= 64 points, two at a time as 64-bit integer lanes: pair(k) gives points
/// k and k + 1 (k = from, from + 2, ...; the caller has stored those before `from`), last(k) the
/// odd last point in lane 0. The slots from m on get code 0; then the low bytes go to code.
template <class Pair, class Last>
inline void codes_by_pairs(double* dcode, std::uint8_t* code, std::size_t from, std::size_t m, Pair pair,
                           Last last) noexcept {
    std::size_t k = from;
    for (; k + 2 <= m; k += 2) stats::detail::store2(dcode + k, pair(k));
    if (k < m) stats::detail::store2(dcode + k, last(k));  // writes slot k + 1 <= 63 too, cleared below
    for (k = m; k < 64; ++k) dcode[k] = 0.0;
    low_bytes(dcode, code);
}

/// f(x, 8g) for the 8 byte codes of points 8g .. 8g + 7 (x: point 8g + j in byte j), g = 0 .. 7.
template <class F>
inline void each8(const std::uint8_t* code, F&& f) noexcept {
    for (unsigned g = 0; g < 8; ++g) {
        std::uint64_t x;
        std::memcpy(&x, code + 8 * g, 8);
        f(x, 8 * g);
    }
}

/// Plane of bit b of 64 byte codes.
inline std::uint64_t plane(const std::uint8_t* code, unsigned b) noexcept {
    std::uint64_t r = 0;
    each8(code, [&](std::uint64_t x, unsigned sh) noexcept { r |= pack8(x >> b) << sh; });
    return r;
}

#if QM_SSE2_MASKS
/// The compare masks of 16 points narrowed to one byte each (0xff or 0): cmp(k) gives the mask of
/// points 2k and 2k + 1.
template <class Cmp>
[[gnu::always_inline]] inline __m128i bytes16(Cmp&& cmp) noexcept {
    __m128d a[8];
    for (int k = 0; k < 8; ++k) a[k] = cmp(k);
    return stats::detail::narrow16(a);
}

/// Points off .. off + 15 of x[0 .. m) where all 16 exist, else a copy in buf with NaN past m
/// (a NaN compares false, so it sets no bit). buf: 16 doubles.
inline const double* group16(const double* x, std::size_t off, std::size_t m, double* buf) noexcept {
    if (off + 16 <= m) return x + off;
    for (std::size_t i = 0; i < 16; ++i) buf[i] = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = off; i < m; ++i) buf[i - off] = x[i];
    return buf;
}

/// The planes of 16 points (bit j: point j) that the byte codes of rules_bitwise hold.
struct Planes16 {
    unsigned above, below, out, near, hi2, lo2, up, down;
};

/// The planes of the 16 points v[0 .. 16) (before: the point before the first, NaN for none),
/// against the lines ln(j, k): line j (centre, upper, lower, upper 2σ, lower 2σ) of points 2k and
/// 2k + 1. A NaN value or line sets no bit. split: the two sides of the 2σ lines apart (hi2, lo2;
/// else near).
template <class Ln>
[[gnu::always_inline]] inline Planes16 planes16(const double* v, double before, bool split, Ln&& ln) noexcept {
    using stats::detail::mask16;
    __m128d x[8], a[8], b[8];
    for (int k = 0; k < 8; ++k) x[k] = _mm_loadu_pd(v + 2 * k);
    Planes16 P{};
    for (int k = 0; k < 8; ++k) a[k] = _mm_cmplt_pd(ln(0, k), x[k]);
    P.above = mask16(a);
    for (int k = 0; k < 8; ++k) a[k] = _mm_cmplt_pd(x[k], ln(0, k));
    P.below = mask16(a);
    for (int k = 0; k < 8; ++k) a[k] = _mm_or_pd(_mm_cmplt_pd(ln(1, k), x[k]), _mm_cmplt_pd(x[k], ln(2, k)));
    P.out = mask16(a);
    for (int k = 0; k < 8; ++k) {
        a[k] = _mm_cmplt_pd(ln(3, k), x[k]);
        b[k] = _mm_cmplt_pd(x[k], ln(4, k));
    }
    if (split) {
        P.hi2 = mask16(a);
        P.lo2 = mask16(b);
        P.near = P.hi2 | P.lo2;
    } else {
        for (int k = 0; k < 8; ++k) a[k] = _mm_or_pd(a[k], b[k]);
        P.near = mask16(a);
    }
    for (int k = 0; k < 8; ++k) {
        const __m128d p = k == 0 ? _mm_setr_pd(before, v[0]) : _mm_loadu_pd(v + 2 * k - 1);
        a[k] = _mm_cmplt_pd(p, x[k]);
        b[k] = _mm_cmplt_pd(x[k], p);
    }
    P.up = mask16(a);
    P.down = mask16(b);
    return P;
}
#endif

}  // namespace bits

/// Rules and point types for one phase, 64 points at a time. pt may be null (no point types).
template <class Src>
void rules_bitwise(const double* y, std::size_t n, const Src& src, const RuleOptions& o, Improvement dir,
                   RuleFlags* flags, PointType* pt) noexcept {
    using bits::later;
    using bits::earlier;
    using bits::pack8;
    using stats::detail::v2d;
    using stats::detail::v2i;
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    const RuleFlags R = o.rules;
    const bool r_out = R & rules::outside_limits, r_shift = R & rules::shift, r_trend = R & rules::trend,
               r_23 = R & rules::two_of_three, r_45 = R & rules::four_of_five, r_alt = R & rules::alternating,
               r_strat = R & rules::stratification, r_mix = R & rules::mixture;
    const bool completing = o.flag_mode == FlagMode::completing;
    const bool we23 = r_23 && o.two_of_three == TwoOfThree::western_electric, mdc23 = r_23 && !we23;
    const bool last_lines = Src::per_point && o.window_lines == WindowLines::last;
    const bool q23 = last_lines && we23, q45 = last_lines && r_45;
    const bool need1 = we23 || r_45 || r_strat || r_mix;  // planes against the 1σ lines, and "valid"
    const unsigned SL = static_cast<unsigned>(o.shift_length), TL = static_cast<unsigned>(o.trend_length) - 1,
                   AL = static_cast<unsigned>(o.alternating_length),
                   STL = static_cast<unsigned>(o.stratification_length), ML = static_cast<unsigned>(o.mixture_length);

    struct Word {
        std::uint64_t above = 0, below = 0, out = 0, up = 0, down = 0, close = 0, hi2 = 0, lo2 = 0, hi1 = 0, lo1 = 0,
                      in1 = 0, valid = 0, alt = 0;
        std::uint64_t shift_end = 0, trend_end = 0, two3_end = 0, alt_end = 0, strat_end = 0, mix_end = 0;
        std::uint64_t g23[3] = {}, g45[5] = {};  // window qualifies at t & its (t-k)-th point counts
    };
    // two words alternate as "this word" and "the previous word" (no per-word copy or zeroing:
    // every field a rule reads is written for every word while that rule is enabled)
    Word ws[2] = {};
    static constexpr Word zero{};
    const std::size_t words = (n + 63) / 64;
    const int d = static_cast<int>(dir);

    // Emits flags and point types for word `w` (points 64w ..), given the next word's ends.
    auto finish = [&](std::size_t w, const Word& a, const Word& b) noexcept {
        auto members = [&](std::uint64_t ea, std::uint64_t eb, unsigned len) noexcept {
            return completing ? ea : bits::or_window(ea, eb, len);
        };
        auto counted = [&](const std::uint64_t* ga, const std::uint64_t* gb, unsigned m) noexcept {
            std::uint64_t r = ga[0];
            if (!completing)
                for (unsigned k = 1; k < m; ++k) r |= earlier(ga[k], gb[k], k);
            return r;
        };
        const std::uint64_t O = r_out ? a.out : 0;
        const std::uint64_t S = r_shift ? members(a.shift_end, b.shift_end, SL) : 0;
        const std::uint64_t T = r_trend ? members(a.trend_end, b.trend_end, TL + 1) : 0;
        const std::uint64_t W =
            mdc23 ? a.close & members(a.two3_end, b.two3_end, 3) : (we23 ? counted(a.g23, b.g23, 3) : 0);
        const std::uint64_t F = r_45 ? counted(a.g45, b.g45, 5) : 0;
        const std::uint64_t A = r_alt ? members(a.alt_end, b.alt_end, AL) : 0;
        const std::uint64_t Z = r_strat ? members(a.strat_end, b.strat_end, STL) : 0;
        const std::uint64_t M = r_mix ? members(a.mix_end, b.mix_end, ML) : 0;
        const std::size_t base = 64 * w, m = n - base < 64 ? n - base : 64;
        const auto& sp = bits::spread.t;
        // the low byte of 8 points' flags at a time, then widened to 16 bits (a vectorised copy)
        alignas(16) std::uint8_t fb[64];
        const bool extended = (F | A | Z | M) != 0;
        for (unsigned g = 0; g < 8; ++g) {
            const unsigned sh = 8 * g;
            std::uint64_t x = sp[(O >> sh) & 255] | sp[(S >> sh) & 255] << 1 | sp[(T >> sh) & 255] << 2 |
                              sp[(W >> sh) & 255] << 3;
            if (extended)
                x |= sp[(F >> sh) & 255] << 4 | sp[(A >> sh) & 255] << 5 | sp[(Z >> sh) & 255] << 6 |
                     sp[(M >> sh) & 255] << 7;
            std::memcpy(fb + 8 * g, &x, 8);
        }
        if (m == 64) {
            for (std::size_t k = 0; k < 64; ++k) flags[base + k] = fb[k];
        } else {  // widened whole (a vectorised copy, as above), then the m wanted
            alignas(16) RuleFlags wide[64];
            for (std::size_t k = 0; k < 64; ++k) wide[k] = fb[k];
            std::memcpy(flags + base, wide, m * sizeof(RuleFlags));
        }
        if (pt == nullptr) return;
        // the next point's trend membership (only its low bit matters, for bit 63)
        const std::uint64_t T_next_word = r_trend ? members(b.trend_end, 0, TL + 1) : 0;
        const std::uint64_t Tn = earlier(T, T_next_word, 1), Un = earlier(a.up, b.up, 1);
        const std::uint64_t dir_up = (Tn & Un) | (~Tn & a.up);
        const std::uint64_t Ft = O | S | T | W | F | M;
        const std::uint64_t vpos = a.above ^ ((~O & T) & (a.above ^ dir_up));
        // point-type planes: value = 1·p1 + 2·p2, or for a neutral measure 3·p1 + 4·p2
        const std::uint64_t good = d > 0 ? vpos : ~vpos;
        const std::uint64_t p1 = d == 0 ? Ft & vpos : Ft & good;
        const std::uint64_t p2 = d == 0 ? Ft & ~vpos : Ft & ~good;
        const std::uint64_t k1 = d == 0 ? 3 : 1, k2 = d == 0 ? 4 : 2;
        for (std::size_t g = 0; g * 8 < m; ++g) {
            const unsigned sh = static_cast<unsigned>(8 * g);
            const std::uint64_t tb = sp[(p1 >> sh) & 255] * k1 + sp[(p2 >> sh) & 255] * k2;
            const std::size_t k = std::min<std::size_t>(8, m - 8 * g);
            if (k == 8) {  // one 8-byte store (GCC merges two memcpy calls into one of variable size)
                std::memcpy(pt + base + 8 * g, &tb, 8);
            } else {
                for (std::size_t j = 0; j < k; ++j)
                    pt[base + 8 * g + j] = static_cast<PointType>(static_cast<std::int8_t>((tb >> (8 * j)) & 255));
            }
        }
    };

    alignas(64) double dcode[64];
    alignas(64) std::uint8_t code1[64], cq[64];
#if !QM_SSE2_MASKS
    alignas(64) std::uint8_t code[64];
    // byte code 0, one bit per comparison: 1 above, 2 below the centre, 4 above the upper limit,
    // 8 above the upper, 16 below the lower 2σ line, 32 up, 64 down from the previous point, 128
    // below the lower limit, for two points as 64-bit integer lanes (a compare mask, an AND with
    // the bit, an OR). "Beyond a limit" and "beyond a 2σ line" are ORs of two bits, taken when the
    // planes are gathered.
    auto code0 = [](v2d v, v2d p, v2d c, v2d U, v2d Lo, v2d U2, v2d L2) noexcept {
        using namespace stats::detail;
        const v2i r = or2(or2(bits2(less2(c, v), 1), bits2(less2(v, c), 2)),
                          or2(bits2(less2(U, v), 4), bits2(less2(U2, v), 8)));
        return or2(r, or2(or2(bits2(less2(v, L2), 16), bits2(less2(p, v), 32)),
                          or2(bits2(less2(v, p), 64), bits2(less2(v, Lo), 128))));
    };
    // The first pair's previous values are p0 (the point before the word; NaN at the phase start)
    // and y[0]; the odd last point goes in lane 0 of a pair.
    auto codes0 = [&](const double* yy, const LinePointers& P, std::size_t m, double p0) noexcept {
        using namespace stats::detail;
        const std::size_t from = m >= 2 ? 2 : 0;
        auto prev_last = [&](std::size_t k) { return make2(k == 0 ? p0 : yy[k - 1], 0.0); };
        if constexpr (!Src::per_point) {
            const Lines& L = src.l;
            const v2d c = splat2(L.centre), U = splat2(L.upper), Lo = splat2(L.lower), U2 = splat2(L.upper_2sigma),
                      L2 = splat2(L.lower_2sigma);
            if (from) store2(dcode, code0(load2(yy), make2(p0, yy[0]), c, U, Lo, U2, L2));
            bits::codes_by_pairs(
                dcode, code, from, m,
                [&](std::size_t k) { return code0(load2(yy + k), load2(yy + k - 1), c, U, Lo, U2, L2); },
                [&](std::size_t k) { return code0(make2(yy[k], 0.0), prev_last(k), c, U, Lo, U2, L2); });
        } else {
            const double *c = P.centre, *U = P.upper, *Lo = P.lower, *U2 = P.upper_2sigma, *L2 = P.lower_2sigma;
            if (from)
                store2(dcode, code0(load2(yy), make2(p0, yy[0]), load2(c), load2(U), load2(Lo), load2(U2), load2(L2)));
            bits::codes_by_pairs(
                dcode, code, from, m,
                [&](std::size_t k) {
                    return code0(load2(yy + k), load2(yy + k - 1), load2(c + k), load2(U + k), load2(Lo + k),
                                 load2(U2 + k), load2(L2 + k));
                },
                [&](std::size_t k) {
                    return code0(make2(yy[k], 0.0), prev_last(k), make2(c[k], 0.0), make2(U[k], 0.0),
                                 make2(Lo[k], 0.0), make2(U2[k], 0.0), make2(L2[k], 0.0));
                });
        }
    };
#endif
    // byte code 1: 1 above the upper, 2 below the lower 1σ line, 4 within them (inclusive), 8 not missing
    auto code1f = [](double v, double U1, double L1) noexcept {
        return 0x1p52 + (v > U1 ? 1.0 : 0.0) + (v < L1 ? 2.0 : 0.0) + (((v >= L1) & (v <= U1)) ? 4.0 : 0.0) +
               (v == v ? 8.0 : 0.0);
    };
    [[maybe_unused]] WordLineBuffer lbuf;  // for sources that compute their lines
    const bool stream = n > 16384;         // larger than the caches close to the core
    for (std::size_t w = 0; w < words; ++w) {
        const std::size_t base = 64 * w, m = n - base < 64 ? n - base : 64;
        const double* yy = y + base;
        if (stream)  // the word eight words on (see prefetch_ahead)
            for (std::size_t k = 0; k < 64; k += 8) stats::detail::prefetch_ahead(yy + k, 512);
        const double p0 = base == 0 ? nan : yy[-1];
        LinePointers wl{};
        // lines from σ_i in registers (RecipeLines with one centre), unless the 1σ lines are needed
        [[maybe_unused]] bool pair_lines = false;
        if constexpr (requires { src.one_centre(); }) pair_lines = !need1 && src.one_centre();
        if constexpr (Src::per_point)
            if (!pair_lines) wl = src.word(base, m, lbuf, need1 ? WordLines::all : WordLines::two_sigma);
        Word& nw = ws[w & 1];
        const Word& prev = ws[(w + 1) & 1];
        std::uint64_t above = 0, below = 0, out = 0, near = 0, hi2 = 0, lo2 = 0, up = 0, down = 0;
#if QM_SSE2_MASKS
        // 16 points at a time: each comparison as compare masks of two points, narrowed into a
        // 16-bit plane by mask16 — the same bits as the byte codes below, in fewer instructions
        for (std::size_t off = 0; off < m; off += 16) {
            const unsigned sh = static_cast<unsigned>(off);
            alignas(16) double vb[16];  // a short group's copy, NaN past m
            const double* v = bits::group16(yy, off, m, vb);
            const double before = off > 0 ? yy[off - 1] : p0;
            bits::Planes16 P;
            if constexpr (!Src::per_point) {
                const Lines& L = src.l;
                const __m128d lines[5] = {_mm_set1_pd(L.centre), _mm_set1_pd(L.upper), _mm_set1_pd(L.lower),
                                          _mm_set1_pd(L.upper_2sigma), _mm_set1_pd(L.lower_2sigma)};
                P = bits::planes16(v, before, we23, [&](int j, int) noexcept { return lines[j]; });
            } else if (pair_lines) {
                if constexpr (requires { src.one_centre(); }) {
                    const typename Src::PairLines line(src);
                    alignas(16) double sb[16];
                    const double* s = bits::group16(src.sigma + base, off, m, sb);
                    P = bits::planes16(v, before, we23,
                                       [&](int j, int k) noexcept { return line(j, _mm_loadu_pd(s + 2 * k)); });
                }
            } else {
                const double* cols[5] = {wl.centre, wl.upper, wl.lower, wl.upper_2sigma, wl.lower_2sigma};
                alignas(16) double lb[5][16];
                const double* lp[5];
                for (int j = 0; j < 5; ++j) lp[j] = bits::group16(cols[j], off, m, lb[j]);
                P = bits::planes16(v, before, we23, [&](int j, int k) noexcept { return _mm_loadu_pd(lp[j] + 2 * k); });
            }
            above |= std::uint64_t{P.above} << sh;
            below |= std::uint64_t{P.below} << sh;
            out |= std::uint64_t{P.out} << sh;
            near |= std::uint64_t{P.near} << sh;
            hi2 |= std::uint64_t{P.hi2} << sh;
            lo2 |= std::uint64_t{P.lo2} << sh;
            up |= std::uint64_t{P.up} << sh;
            down |= std::uint64_t{P.down} << sh;
        }
#else
        codes0(yy, wl, m, p0);
        // the two sides of the 2σ lines apart only for the western-electric 2 of 3 (two versions
        // rather than a branch inside one loop: GCC would keep the planes in memory)
        if (!we23) {
            bits::each8(code, [&](std::uint64_t x, unsigned sh) noexcept {
                above |= pack8(x) << sh;
                below |= pack8(x >> 1) << sh;
                out |= pack8((x >> 2) | (x >> 7)) << sh;
                near |= pack8((x >> 3) | (x >> 4)) << sh;
                up |= pack8(x >> 5) << sh;
                down |= pack8(x >> 6) << sh;
            });
        } else {
            bits::each8(code, [&](std::uint64_t x, unsigned sh) noexcept {
                above |= pack8(x) << sh;
                below |= pack8(x >> 1) << sh;
                out |= pack8((x >> 2) | (x >> 7)) << sh;
                hi2 |= pack8(x >> 3) << sh;
                lo2 |= pack8(x >> 4) << sh;
                up |= pack8(x >> 5) << sh;
                down |= pack8(x >> 6) << sh;
            });
            near = hi2 | lo2;
        }
#endif
        nw.above = above;
        nw.below = below;
        nw.out = out;
        nw.up = up;
        nw.down = down;
        nw.hi2 = hi2;
        nw.lo2 = lo2;
        if (r_shift) nw.shift_end = bits::and_ending(above, prev.above, SL) | bits::and_ending(below, prev.below, SL);
        if (r_trend) nw.trend_end = bits::and_ending(up, prev.up, TL) | bits::and_ending(down, prev.down, TL);
        if (mdc23) {
            // windows of 3 on one side with at least 2 close points (beyond 2σ, not beyond a limit)
            nw.close = near & ~out;
            const std::uint64_t a1 = later(above, prev.above, 1), a2 = later(above, prev.above, 2);
            const std::uint64_t b1 = later(below, prev.below, 1), b2 = later(below, prev.below, 2);
            const std::uint64_t c0 = nw.close, c1 = later(c0, prev.close, 1), c2 = later(c0, prev.close, 2);
            nw.two3_end = ((above & a1 & a2) | (below & b1 & b2)) & bits::majority(c0, c1, c2);
        }
        if (r_alt) {
            nw.alt = (up & later(down, prev.down, 1)) | (down & later(up, prev.up, 1));
            nw.alt_end = bits::and_ending(nw.alt, prev.alt, AL - 2);
        }
        if (need1) {
            if constexpr (!Src::per_point) {
                const double U1 = src.l.upper_1sigma, L1 = src.l.lower_1sigma;
                for (std::size_t k = 0; k < m; ++k) dcode[k] = code1f(yy[k], U1, L1);
            } else {
                const double *U1 = wl.upper_1sigma, *L1 = wl.lower_1sigma;
                for (std::size_t k = 0; k < m; ++k) dcode[k] = code1f(yy[k], U1[k], L1[k]);
            }
            for (std::size_t k = m; k < 64; ++k) dcode[k] = 0.0;  // no bits past the phase
            bits::low_bytes(dcode, code1);
            std::uint64_t hi1 = 0, lo1 = 0, in1 = 0, valid = 0;
            bits::each8(code1, [&](std::uint64_t x, unsigned sh) noexcept {
                hi1 |= pack8(x) << sh;
                lo1 |= pack8(x >> 1) << sh;
                in1 |= pack8(x >> 2) << sh;
                valid |= pack8(x >> 3) << sh;
            });
            nw.hi1 = hi1;
            nw.lo1 = lo1;
            nw.in1 = in1;
            nw.valid = valid;
            if (r_strat) nw.strat_end = bits::and_ending(in1, prev.in1, STL);
            if (r_mix)
                nw.mix_end = bits::and_ending(hi1 | lo1, prev.hi1 | prev.lo1, ML) & bits::or_ending(hi1, prev.hi1, ML) &
                             bits::or_ending(lo1, prev.lo1, ML);
        }
        // Window rules with the western-electric count: A[k] / B[k] say whether point t - k counts
        // above / below for the window ending at t (own lines: the plane shifted by k; last lines:
        // y[t-k] compared with the lines of t, computed here).
        auto window_planes = [&](unsigned mlen, std::uint64_t own_hi, std::uint64_t own_lo, std::uint64_t prev_hi,
                                 std::uint64_t prev_lo, bool quirk, bool sigma1, std::uint64_t* A, std::uint64_t* B) {
            A[0] = own_hi;
            B[0] = own_lo;
            if (!quirk) {
                for (unsigned k = 1; k < mlen; ++k) {
                    A[k] = later(own_hi, prev_hi, k);
                    B[k] = later(own_lo, prev_lo, k);
                }
                return;
            }
            if constexpr (Src::per_point) {
                // one pass: bit 2(k-1) = y[t-k] above, bit 2(k-1)+1 = below the line of t, k < mlen <= 5;
                // points before the phase are missing
                const double* Uq = sigma1 ? wl.upper_1sigma : wl.upper_2sigma;
                const double* Lq = sigma1 ? wl.lower_1sigma : wl.lower_2sigma;
                double yb[68];
                for (std::size_t j = 0; j < 4; ++j)
                    yb[j] = base + j >= 4 ? yy[static_cast<std::ptrdiff_t>(j) - 4] : nan;
                for (std::size_t j = 0; j < m; ++j) yb[4 + j] = yy[j];
                if (mlen == 3) {
                    for (std::size_t j = 0; j < m; ++j) {
                        const double u = Uq[j], l = Lq[j], v1 = yb[3 + j], v2 = yb[2 + j];
                        dcode[j] = 0x1p52 + (v1 > u ? 1.0 : 0.0) + (v1 < l ? 2.0 : 0.0) + (v2 > u ? 4.0 : 0.0) +
                                   (v2 < l ? 8.0 : 0.0);
                    }
                } else {
                    for (std::size_t j = 0; j < m; ++j) {
                        const double u = Uq[j], l = Lq[j], v1 = yb[3 + j], v2 = yb[2 + j], v3 = yb[1 + j], v4 = yb[j];
                        dcode[j] = 0x1p52 + (v1 > u ? 1.0 : 0.0) + (v1 < l ? 2.0 : 0.0) + (v2 > u ? 4.0 : 0.0) +
                                   (v2 < l ? 8.0 : 0.0) + (v3 > u ? 16.0 : 0.0) + (v3 < l ? 32.0 : 0.0) +
                                   (v4 > u ? 64.0 : 0.0) + (v4 < l ? 128.0 : 0.0);
                    }
                }
                for (std::size_t j = m; j < 64; ++j) dcode[j] = 0x1p52;
                bits::low_bytes(dcode, cq);
                for (unsigned k = 1; k < mlen; ++k) {
                    A[k] = bits::plane(cq, 2 * (k - 1));
                    B[k] = bits::plane(cq, 2 * (k - 1) + 1);
                }
            }
        };
        if (we23) {
            std::uint64_t A[3] = {}, B[3] = {};
            window_planes(3, hi2, lo2, prev.hi2, prev.lo2, q23, false, A, B);
            const std::uint64_t V = nw.valid & later(nw.valid, prev.valid, 1) & later(nw.valid, prev.valid, 2);
            const std::uint64_t hq = bits::majority(A[0], A[1], A[2]) & V, lq = bits::majority(B[0], B[1], B[2]) & V;
            for (unsigned k = 0; k < 3; ++k) nw.g23[k] = (hq & A[k]) | (lq & B[k]);
        }
        if (r_45) {
            std::uint64_t A[5] = {}, B[5] = {};
            window_planes(5, nw.hi1, nw.lo1, prev.hi1, prev.lo1, q45, true, A, B);
            std::uint64_t V = nw.valid;
            for (unsigned k = 1; k < 5; ++k) V &= later(nw.valid, prev.valid, k);
            const std::uint64_t hq = bits::at_least_4_of_5(A) & V, lq = bits::at_least_4_of_5(B) & V;
            for (unsigned k = 0; k < 5; ++k) nw.g45[k] = (hq & A[k]) | (lq & B[k]);
        }
        if (w > 0) finish(w - 1, prev, nw);
    }
    if (words > 0) finish(words - 1, ws[(words - 1) & 1], zero);
}

// ------------------------------------------------------------------------------------------
// Anhøj runs analysis, 64 points at a time
// ------------------------------------------------------------------------------------------

/// The runs analysis of runs_analysis_scalar, 64 points at a time. Per word, the planes of the
/// points above and below the centre (an excluded point is in neither). In a word where every
/// point is useful, the crossings are the points whose side differs from the previous point's
/// (popcount), and the runs are the stretches between them: the first extends the run carried
/// from the previous word, the last carries into the next one, and the longest of those in
/// between is 1 + the longest stretch of non-crossings. A word with a missing, excluded or
/// on-centre point carries the side of the last useful point through the others and counts each
/// run's useful points. Same counts as runs_analysis_scalar and runs_analysis_reference (the tests
/// compare them).
template <class Src>
RunsAnalysis runs_analysis(const double* y, std::size_t n, const Src& src, const std::uint8_t* excluded) {
    std::size_t n_useful = 0, longest = 0, run = 0, crossings = 0, n_excl = 0;
    int last = 0;  // side of the last useful point: +1 above, -1 below, 0 none yet
#if !QM_SSE2_MASKS
    alignas(64) double dcode[64];
    alignas(64) std::uint8_t code[64];
#endif
    [[maybe_unused]] WordLineBuffer lbuf;  // for sources that compute their lines
    for (std::size_t base = 0; base < n; base += 64) {
        const std::size_t m = n - base < 64 ? n - base : 64;
        const double* yy = y + base;
        using namespace stats::detail;
#if QM_SSE2_MASKS
        // A: the points above, B: below the centre, 16 at a time (compare masks and movemask)
        std::uint64_t A = 0, B = 0;
        [[maybe_unused]] const double* cw = nullptr;
        if constexpr (Src::per_point) cw = src.word(base, m, lbuf, WordLines::centre).centre;
        for (std::size_t off = 0; off < m; off += 16) {
            alignas(16) double vb[16], cb[16];
            const double* v = bits::group16(yy, off, m, vb);
            auto centre = [&]() noexcept {
                if constexpr (Src::per_point) return bits::group16(cw, off, m, cb);
                else return src.l.centre;
            }();
            auto c = [&](int k) noexcept {
                if constexpr (Src::per_point) return _mm_loadu_pd(centre + 2 * k);
                else return _mm_set1_pd(centre);
            };
            const unsigned above = static_cast<unsigned>(_mm_movemask_epi8(
                               bits::bytes16([&](int k) noexcept { return _mm_cmplt_pd(c(k), _mm_loadu_pd(v + 2 * k)); }))),
                           below = static_cast<unsigned>(_mm_movemask_epi8(
                               bits::bytes16([&](int k) noexcept { return _mm_cmplt_pd(_mm_loadu_pd(v + 2 * k), c(k)); })));
            A |= std::uint64_t{above} << off;
            B |= std::uint64_t{below} << off;
        }
#else
        // code: 1 above, 2 below the centre (integer compare masks, two points at a time)
        auto side2 = [](v2d v, v2d c) noexcept { return or2(bits2(less2(c, v), 1), bits2(less2(v, c), 2)); };
        if constexpr (!Src::per_point) {
            const v2d c = splat2(src.l.centre);
            bits::codes_by_pairs(
                dcode, code, 0, m, [&](std::size_t k) { return side2(load2(yy + k), c); },
                [&](std::size_t k) { return side2(make2(yy[k], 0.0), c); });
        } else {
            const double* c = src.word(base, m, lbuf, WordLines::centre).centre;
            bits::codes_by_pairs(
                dcode, code, 0, m, [&](std::size_t k) { return side2(load2(yy + k), load2(c + k)); },
                [&](std::size_t k) { return side2(make2(yy[k], 0.0), make2(c[k], 0.0)); });
        }
        std::uint64_t A = bits::plane(code, 0), B = bits::plane(code, 1);
#endif
        if (excluded != nullptr) {
            std::uint64_t X = 0;
            for (std::size_t k = 0; k < m; ++k) X |= static_cast<std::uint64_t>(excluded[base + k] != 0) << k;
            n_excl += static_cast<std::size_t>(bits::count(X));
            A &= ~X;
            B &= ~X;
        }
        const std::uint64_t W = m == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << m) - 1;
        if ((A | B) == W) {
            n_useful += m;
            std::uint64_t D = (A ^ ((A << 1) | (last > 0 ? 1u : 0u))) & W;  // crossings
            if (last == 0) D &= ~std::uint64_t{1};                          // the first useful point
            crossings += static_cast<std::size_t>(bits::count(D));
            if (D == 0) {
                run += m;
            } else {
                const unsigned f = static_cast<unsigned>(std::countr_zero(D));
                const unsigned l = 63u - static_cast<unsigned>(std::countl_zero(D));
                run += f;
                longest = run > longest ? run : longest;
                if (l > f) {  // runs that start and end in this word: 1 + the stretches between crossings
                    std::uint64_t x = ~D & ((std::uint64_t{1} << l) - 1) & ~((std::uint64_t{2} << f) - 1);
                    std::size_t k = 0;
                    for (; x != 0; ++k) x &= x >> 1;
                    longest = k + 1 > longest ? k + 1 : longest;
                }
                run = m - l;
            }
            longest = run > longest ? run : longest;
            last = (A >> (m - 1)) & 1u ? 1 : -1;
            continue;
        }
        // Some point of the word is not useful: the side of the last useful point is carried through
        // the others (a fill over "transparent" bits, by doubling), a crossing is a useful point whose
        // side differs from the last useful point's before it, and each run counts the useful points
        // from one crossing to the next.
        const std::uint64_t U = (A | B) & W, t = ~U & W;
        const std::uint64_t lead = t & ~(t + 1);  // non-useful points before the first useful one
        std::uint64_t F = A | (last > 0 ? lead : 0), tt = t;
        for (unsigned sh = 1; sh < 64; sh *= 2) {
            F |= tt & (F << sh);
            tt &= tt << sh;
        }
        const std::uint64_t before = last != 0 ? ~std::uint64_t{0} : ~lead << 1;  // a useful point before
        const std::uint64_t D = U & before & (A ^ ((F << 1) | (last > 0 ? 1u : 0u)));
        n_useful += static_cast<std::size_t>(bits::count(U));
        crossings += static_cast<std::size_t>(bits::count(D));
        auto below_bit = [](unsigned k) { return k >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << k) - 1; };
        std::uint64_t rest = D;
        unsigned from = 0;
        for (;;) {
            const unsigned to = rest != 0 ? static_cast<unsigned>(std::countr_zero(rest)) : static_cast<unsigned>(m);
            run += static_cast<std::size_t>(bits::count(U & below_bit(to) & ~below_bit(from)));
            longest = run > longest ? run : longest;
            if (rest == 0) break;
            run = 0;  // the crossing starts the next run
            from = to;
            rest &= rest - 1;
        }
        if (U != 0) last = (F >> (m - 1)) & 1u ? 1 : -1;
    }
    return make_runs_analysis(n - n_excl, n_useful, longest, crossings);
}

/// Rules and point types when only points outside the limits are looked for (qicharts2, Shewhart):
/// what rules_bitwise gives for that rule alone — flag bit 0 for y > upper or y < lower, and a point
/// type from the point's side of the centre — without building the other planes.
template <class Src>
void rules_outside_only(const double* y, std::size_t n, const Src& src, Improvement dir, RuleFlags* flags,
                        PointType* pt) noexcept {
    [[maybe_unused]] typedef stats::detail::v2d v2d;
    const int d = static_cast<int>(dir);
    const PointType high = d == 0 ? PointType::special_cause_neutral_high
                                  : (d > 0 ? PointType::special_cause_improvement : PointType::special_cause_concern);
    const PointType low = d == 0 ? PointType::special_cause_neutral_low
                                 : (d > 0 ? PointType::special_cause_concern : PointType::special_cause_improvement);
    const std::uint64_t hi_type = static_cast<std::uint64_t>(high), lo_type = static_cast<std::uint64_t>(low);
    [[maybe_unused]] WordLineBuffer lbuf;  // for sources that compute their lines
#if QM_SSE2_MASKS
    static_assert(sizeof(RuleFlags) == 2, "the flags are widened from bytes to 16 bits");
    // 16 points at a time: the compare masks narrowed to bytes are the flags (AND 1) and select
    // the point types
    const __m128i one = _mm_set1_epi8(1), hi_b = _mm_set1_epi8(static_cast<char>(hi_type)),
                  lo_b = _mm_set1_epi8(static_cast<char>(lo_type)), zero = _mm_setzero_si128();
    for (std::size_t base = 0; base < n; base += 64) {
        const std::size_t m = n - base < 64 ? n - base : 64;
        const double* yy = y + base;
        LinePointers wl{};
        if constexpr (Src::per_point) wl = src.word(base, m, lbuf, WordLines::limits);
        for (std::size_t off = 0; off < m; off += 16) {
            alignas(16) double vb[16], cb[16], ub[16], lb[16];
            const double* v = bits::group16(yy, off, m, vb);
            __m128i out, above;
            if constexpr (!Src::per_point) {
                const __m128d c = _mm_set1_pd(src.l.centre), U = _mm_set1_pd(src.l.upper), L = _mm_set1_pd(src.l.lower);
                out = bits::bytes16([&](int k) noexcept {
                    const __m128d x = _mm_loadu_pd(v + 2 * k);
                    return _mm_or_pd(_mm_cmplt_pd(U, x), _mm_cmplt_pd(x, L));
                });
                above = bits::bytes16([&](int k) noexcept { return _mm_cmplt_pd(c, _mm_loadu_pd(v + 2 * k)); });
            } else {
                const double *c = bits::group16(wl.centre, off, m, cb), *U = bits::group16(wl.upper, off, m, ub),
                             *L = bits::group16(wl.lower, off, m, lb);
                out = bits::bytes16([&](int k) noexcept {
                    const __m128d x = _mm_loadu_pd(v + 2 * k);
                    return _mm_or_pd(_mm_cmplt_pd(_mm_loadu_pd(U + 2 * k), x), _mm_cmplt_pd(x, _mm_loadu_pd(L + 2 * k)));
                });
                above = bits::bytes16(
                    [&](int k) noexcept { return _mm_cmplt_pd(_mm_loadu_pd(c + 2 * k), _mm_loadu_pd(v + 2 * k)); });
            }
            const __m128i f8 = _mm_and_si128(out, one);
            const __m128i t8 = _mm_or_si128(_mm_and_si128(_mm_and_si128(out, above), hi_b),
                                            _mm_and_si128(_mm_andnot_si128(above, out), lo_b));
            const __m128i f16[2] = {_mm_unpacklo_epi8(f8, zero), _mm_unpackhi_epi8(f8, zero)};
            const std::size_t k = std::min<std::size_t>(16, m - off);
            if (k == 16) {
                std::memcpy(flags + base + off, f16, sizeof f16);
                if (pt) std::memcpy(pt + base + off, &t8, 16);
            } else {
                alignas(16) std::uint8_t tb[16];
                alignas(16) RuleFlags fb[16];
                std::memcpy(fb, f16, sizeof f16);
                std::memcpy(tb, &t8, 16);
                std::memcpy(flags + base + off, fb, k * sizeof(RuleFlags));
                if (pt) std::memcpy(pt + base + off, tb, k);
            }
        }
    }
#else
    // code, one bit per comparison: 1 above the upper limit, 2 above the centre, 4 below the lower
    // limit; as integer compare masks two points at a time (see rules_bitwise), 64 points a word
    alignas(64) double dcode[64];
    alignas(64) std::uint8_t code[64];
    const std::uint64_t ones = 0x0101010101010101ULL;
    auto code2 = [](v2d v, v2d c, v2d U, v2d L) noexcept {
        using namespace stats::detail;
        return or2(or2(bits2(less2(U, v), 1), bits2(less2(c, v), 2)), bits2(less2(v, L), 4));
    };
    for (std::size_t base = 0; base < n; base += 64) {
        using namespace stats::detail;
        const std::size_t m = n - base < 64 ? n - base : 64;
        const double* yy = y + base;
        if constexpr (!Src::per_point) {
            const v2d c = splat2(src.l.centre), U = splat2(src.l.upper), L = splat2(src.l.lower);
            bits::codes_by_pairs(
                dcode, code, 0, m, [&](std::size_t k) { return code2(load2(yy + k), c, U, L); },
                [&](std::size_t k) { return code2(make2(yy[k], 0.0), c, U, L); });
        } else {
            const LinePointers wl = src.word(base, m, lbuf, WordLines::limits);
            const double *c = wl.centre, *U = wl.upper, *L = wl.lower;
            bits::codes_by_pairs(
                dcode, code, 0, m,
                [&](std::size_t k) { return code2(load2(yy + k), load2(c + k), load2(U + k), load2(L + k)); },
                [&](std::size_t k) {
                    return code2(make2(yy[k], 0.0), make2(c[k], 0.0), make2(U[k], 0.0), make2(L[k], 0.0));
                });
        }
        // 8 points at a time: outside = bit 0 or bit 2; the type: outside and above the centre
        // -> high, outside otherwise -> low (both at most 4, so no byte carries into the next)
        alignas(16) std::uint8_t fb[64], tb[64];
        bits::each8(code, [&](std::uint64_t x, unsigned sh) noexcept {
            const std::uint64_t out = (x | (x >> 2)) & ones, above = (x >> 1) & ones;
            const std::uint64_t t = (out & above) * hi_type + (out & ~above) * lo_type;
            std::memcpy(fb + sh, &out, 8);
            std::memcpy(tb + sh, &t, 8);
        });
        for (std::size_t k = 0; k < m; ++k) flags[base + k] = fb[k];
        if (pt) std::memcpy(pt + base, tb, m);
    }
#endif
}

// ------------------------------------------------------------------------------------------
// Dispatcher
// ------------------------------------------------------------------------------------------

/// Flags (and point types when pt is not null) of one phase; the runs analysis when the options
/// enable runs or crossings. Options must be valid (RuleOptions::validate).
template <class Src>
std::optional<RunsAnalysis> evaluate_phase(const double* y, std::size_t n, const Src& src, const RuleOptions& o,
                                           Improvement dir, RuleFlags* flags, PointType* pt,
                                           const std::uint8_t* excluded) {
    const RuleFlags windowed = o.rules & static_cast<RuleFlags>(~rules::anhoej);
    if (windowed == 0) {  // what either kernel gives when no rule but the runs analysis is on
        std::fill(flags, flags + n, RuleFlags{0});
        if (pt) std::fill(pt, pt + n, PointType::common_cause);
    } else if (windowed == rules::outside_limits) {
        rules_outside_only(y, n, src, dir, flags, pt);
    } else if (bitwise_supported(o)) {
        rules_bitwise(y, n, src, o, dir, flags, pt);
    } else {
        rules_reference(y, n, src, o, flags);
        if (pt) point_types_reference(y, n, src, dir, flags, pt);
    }
    if (!(o.rules & rules::anhoej)) return std::nullopt;
    const RunsAnalysis ra = runs_analysis(y, n, src, excluded);
    const bool runs_fire = (o.rules & rules::runs) && ra.longest_run_signal;
    const bool crossings_fire = (o.rules & rules::crossings) && ra.crossings_signal;
    const RuleFlags add =
        static_cast<RuleFlags>((runs_fire ? rules::runs : 0) | (crossings_fire ? rules::crossings : 0));
    if (add)
        for (std::size_t i = 0; i < n; ++i) flags[i] = static_cast<RuleFlags>(flags[i] | add);
    return ra;
}

}  // namespace qm::spc::detail
