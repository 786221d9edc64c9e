#pragma once
// qm/monitor/detail/rule_stream.hpp — the rule engine of qm/spc/rules.hpp, one point at a time.
// (Include qm/monitor/shewhart_monitor.hpp, not this.)
//
// Every rule is the same as in the reference kernel (qm/spc/detail/rules_kernel.hpp,
// rules_reference / point_types_reference), rewritten as a state machine: run counters for
// shift, trend, alternating, stratification and mixture, and a ring buffer of the last C points
// (C ≥ the longest enabled rule + 2, a power of two) for the window rules, for the points a
// completed pattern flags in pattern mode, and for the point types that depend on the next point
// (a trend point takes the direction of the step to its right). A push costs O(1) except when a
// pattern completes in pattern mode, which flags at most its length in points once: amortised
// O(1). Points that leave the ring have final flags and point types.
//
// The Anhøj runs analysis (runs, crossings) is a verdict on the whole phase; here it is kept as
// streaming counters (the single pass of detail::runs_analysis), and a point gets the runs /
// crossings bit when the analysis of the phase up to and including it signals — exactly what the
// batch computation gives for that point on the series that ends there. The crossings limit
// qbinom(0.05, n − 1, ½) is looked up in a table built once per process for n ≤ 1001 (qm's own
// anhoej_crossings_limit, evaluated once per n) so that a push stays O(1).

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <boost/math/distributions/binomial.hpp>

#include <qm/core/types.hpp>
#include <qm/monitor/common.hpp>
#include <qm/spc/rules.hpp>

namespace qm::monitor::detail {

using spc::RuleFlags;

inline std::size_t crossings_limit(std::size_t n_useful) {
    static const std::vector<std::uint16_t> table = [] {
        std::vector<std::uint16_t> t(1002);
        for (std::size_t n = 0; n < t.size(); ++n) t[n] = static_cast<std::uint16_t>(spc::anhoej_crossings_limit(n));
        return t;
    }();
    return n_useful < table.size() ? table[n_useful] : spc::anhoej_crossings_limit(n_useful);
}

/// crossings_limit() for a growing phase: beyond the table, qbinom(0.05, m, ½) moves by 0 or 1
/// from m to m + 1 (the smallest x with F_m(x) ≥ 0.05; F_{m+1}(x) ≤ F_m(x) and F_{m+1}(x + 1) ≥
/// F_m(x)), so it is carried from the last m with one or two evaluations of Boost.Math's binomial
/// CDF — the one anhoej_crossings_limit uses — per step, and recomputed in full when a check fails.
struct CrossingsLimitCache {
    std::uint64_t n = 0, limit = 0;
    bool valid = false;

    std::size_t get(std::size_t n_useful) {
        if (n_useful < 1002) return crossings_limit(n_useful);
        if (valid && n_useful >= n && n_useful - n <= 256) {
            using namespace boost::math;
            std::uint64_t x = limit;
            bool ok = true;
            for (std::uint64_t k = n + 1; k <= n_useful && ok; ++k) {
                const binomial_distribution<double> B(static_cast<double>(k - 1), 0.5);
                if (cdf(B, static_cast<double>(x)) < 0.05) ++x;
                ok = cdf(B, static_cast<double>(x)) >= 0.05 && (x == 0 || cdf(B, static_cast<double>(x - 1)) < 0.05);
            }
            if (ok) {
                n = n_useful;
                limit = x;
                return static_cast<std::size_t>(x);
            }
        }
        n = n_useful;
        limit = spc::anhoej_crossings_limit(n_useful);
        valid = true;
        return static_cast<std::size_t>(limit);
    }
};

/// One point held in the ring.
struct RuleSlot {
    double y = 0.0;
    spc::Lines lines{};
    std::int64_t day = no_day;
    RuleFlags flags = 0;
    RuleFlags reported_flags = 0;
    PointType type = PointType::common_cause;
    PointType reported_type = PointType::common_cause;
};

inline constexpr std::uint64_t none = ~std::uint64_t{0};

/// A run counter with the point where the run began (for the signal's `first`).
struct Run {
    std::uint64_t length = 0;
    std::uint64_t start = 0;
    std::int64_t start_day = no_day;
    std::uint64_t done = none;  // the last point this rule flagged (pattern mode)
};

class RuleStream {
public:
    RuleStream() = default;
    RuleStream(const spc::RuleOptions& o, Improvement dir) { configure(o, dir); }

    void configure(const spc::RuleOptions& o, Improvement dir) {
        o.validate();
        o_ = o;
        dir_ = dir;
        std::size_t longest = 5;
        auto use = [&](RuleFlags bit, std::size_t len) {
            if (o.rules & bit) longest = std::max(longest, len);
        };
        use(spc::rules::shift, o.shift_length);
        use(spc::rules::trend, o.trend_length);
        use(spc::rules::alternating, o.alternating_length);
        use(spc::rules::stratification, o.stratification_length);
        use(spc::rules::mixture, o.mixture_length);
        capacity_ = std::bit_ceil(longest + 2);
        reset();
    }

    /// A new phase: counters and ring cleared.
    void reset() {
        ring_.assign(capacity_, RuleSlot{});
        n_ = 0;
        shift_ = trend_up_ = trend_down_ = alt_ = strat_ = mix_ = Run{};
        shift_side_ = 0;
        prev_step_ = 0;
        mix_last_hi_ = mix_last_lo_ = none;
        an_obs_ = an_useful_ = an_longest_ = an_run_ = an_crossings_ = 0;
        an_last_ = 0;
        prev_bits_ = 0;
        prev_dirs_.fill(0);
        phase_day_ = no_day;
    }

    std::uint64_t size() const noexcept { return n_; }
    std::size_t capacity() const noexcept { return capacity_; }
    const spc::RuleOptions& options() const noexcept { return o_; }
    Improvement improvement() const noexcept { return dir_; }

    /// The Anhøj runs analysis of the phase so far.
    spc::RunsAnalysis runs() const {
        spc::RunsAnalysis r;
        r.n_obs = an_obs_;
        r.n_useful = an_useful_;
        if (an_useful_ == 0) return r;
        r.longest_run = an_longest_;
        r.n_crossings = an_crossings_;
        r.longest_run_max = spc::anhoej_longest_run_limit(an_useful_);
        r.n_crossings_min = limit_cache_.get(an_useful_);
        r.longest_run_signal = r.longest_run > r.longest_run_max;
        r.crossings_signal = r.n_crossings < r.n_crossings_min;
        r.runs_signal = r.longest_run_signal || r.crossings_signal;
        return r;
    }

    struct Out {
        RuleFlags flags = 0;
        PointType type = PointType::common_cause;
        bool alarm = false;  // a signal that is not a continuation
    };

    /// Evaluates the next point of the phase (value y against `lines`). `base` is the stream
    /// position of the phase's first point. Appends signals and updates of earlier points.
    Out push(double y, const spc::Lines& L, bool excluded, std::int64_t day, std::uint64_t base,
             std::vector<Signal>& signals, std::vector<PointUpdate>& updates) {
        namespace R = spc::rules;
        const std::uint64_t i = n_;
        const RuleFlags rules = o_.rules;
        const bool completing = o_.flag_mode == spc::FlagMode::completing;
        if (i == 0) phase_day_ = day;
        RuleSlot& cur = slot(i);
        cur = RuleSlot{y, L, day, 0, 0, PointType::common_cause, PointType::common_cause};
        ++n_;
        std::uint64_t lowest = i;  // lowest point whose flags changed
        RuleFlags fired = 0;
        std::array<std::int8_t, 10> dirs{};
        std::array<std::uint64_t, 10> firsts{};
        std::array<std::int64_t, 10> first_days{};
        auto fire = [&](int k, std::uint64_t first, std::int64_t first_day, int direction) {
            fired = static_cast<RuleFlags>(fired | (1u << k));
            dirs[static_cast<std::size_t>(k)] = static_cast<std::int8_t>(direction);
            firsts[static_cast<std::size_t>(k)] = first;
            first_days[static_cast<std::size_t>(k)] = first_day;
        };
        auto flag = [&](std::uint64_t j, RuleFlags bit) {
            RuleSlot& s = slot(j);
            s.flags = static_cast<RuleFlags>(s.flags | bit);
            lowest = std::min(lowest, j);
        };
        // a pattern of `span` points ends at i: completing mode flags i, pattern mode i − span + 1 .. i
        auto mark = [&](std::uint64_t span, RuleFlags bit, std::uint64_t& done) {
            if (completing) {
                flag(i, bit);
                return;
            }
            std::uint64_t from = i + 1 - span;
            if (done != none && done + 1 > from) from = done + 1;
            for (std::uint64_t j = from; j <= i; ++j) flag(j, bit);
            done = i;
        };
        auto side = [&](std::uint64_t j) {
            const RuleSlot& s = slot(j);
            return (s.y > s.lines.centre) - (s.y < s.lines.centre);
        };
        const int step = i == 0 ? 0 : (y > slot(i - 1).y) - (y < slot(i - 1).y);
        auto start_run = [&](Run& r, bool active) {
            if (!active) {
                r.length = 0;
                return;
            }
            if (r.length == 0) {
                r.start = i;
                r.start_day = day;
            }
            ++r.length;
        };

        if (rules & R::outside_limits) {
            if (y > L.upper || y < L.lower) {
                flag(i, R::outside_limits);
                fire(0, base + i, day, y > L.upper ? 1 : -1);
            }
        }

        if (rules & R::shift) {
            const int s = side(i);
            if (s == 0 || s != shift_side_) shift_.length = 0;
            start_run(shift_, s != 0);
            shift_side_ = static_cast<std::int8_t>(s);
            if (shift_.length >= o_.shift_length) {
                mark(o_.shift_length, R::shift, shift_.done);
                fire(1, base + shift_.start, shift_.start_day, s);
            }
        }

        if (rules & R::trend) {
            // trend_length points = trend_length − 1 strict steps; a run of steps starts at the
            // point before its first step
            const std::uint64_t steps = o_.trend_length - 1;
            auto advance = [&](Run& r, bool active) {
                if (!active) {
                    r.length = 0;
                    return;
                }
                if (r.length == 0) {
                    r.start = i - 1;
                    r.start_day = slot(i - 1).day;
                }
                ++r.length;
            };
            advance(trend_up_, step > 0);
            advance(trend_down_, step < 0);
            if (trend_up_.length >= steps || trend_down_.length >= steps) {
                mark(o_.trend_length, R::trend, trend_done_);
                const Run& r = trend_up_.length >= steps ? trend_up_ : trend_down_;
                fire(2, base + r.start, r.start_day, step > 0 ? 1 : -1);
            }
        }

        if (rules & R::alternating) {
            // alternating_length points hold alternating_length − 2 consecutive reversals
            const bool reversal = step != 0 && prev_step_ == -step;
            if (!reversal) {
                alt_.length = 0;
            } else {
                if (alt_.length == 0) {
                    alt_.start = i - 2;
                    alt_.start_day = slot(i - 2).day;
                }
                ++alt_.length;
            }
            if (alt_.length >= o_.alternating_length - 2) {
                mark(o_.alternating_length, R::alternating, alt_.done);
                fire(5, base + alt_.start, alt_.start_day, 0);
            }
        }
        prev_step_ = static_cast<std::int8_t>(step);

        if (rules & R::stratification) {
            start_run(strat_, y >= L.lower_1sigma && y <= L.upper_1sigma);
            if (strat_.length >= o_.stratification_length) {
                mark(o_.stratification_length, R::stratification, strat_.done);
                fire(6, base + strat_.start, strat_.start_day, 0);
            }
        }

        if (rules & R::mixture) {
            const bool hi = y > L.upper_1sigma, lo = y < L.lower_1sigma;
            start_run(mix_, hi || lo);
            if (hi) mix_last_hi_ = i;
            if (lo) mix_last_lo_ = i;
            const std::uint64_t len = o_.mixture_length;
            if (mix_.length >= len && mix_last_hi_ != none && mix_last_hi_ + len > i && mix_last_lo_ != none &&
                mix_last_lo_ + len > i) {
                mark(len, R::mixture, mix_.done);
                fire(7, base + mix_.start, mix_.start_day, 0);
            }
        }

        // Window rules: the window of m points ending at i qualifies when >= k of them count.
        auto window = [&](std::uint64_t m, RuleFlags bit, int k_bit, const bool* counts, int direction) {
            if (completing) {
                if (!counts[m - 1]) return;
                flag(i, bit);
            } else {
                for (std::uint64_t j = 0; j < m; ++j)
                    if (counts[j]) flag(i - (m - 1) + j, bit);
            }
            fire(k_bit, base + i - (m - 1), slot(i - (m - 1)).day, direction);
        };

        if ((rules & R::two_of_three) && i >= 2) {
            bool counts[3] = {};
            if (o_.two_of_three == spc::TwoOfThree::mdc) {
                const int s0 = side(i);
                if (s0 != 0 && side(i - 1) == s0 && side(i - 2) == s0) {
                    int c = 0;
                    for (std::uint64_t j = 0; j < 3; ++j) {
                        const RuleSlot& s = slot(i - 2 + j);
                        const double v = s.y;
                        const bool out = v > s.lines.upper || v < s.lines.lower;
                        counts[j] = !out && (v < s.lines.lower_2sigma || v > s.lines.upper_2sigma);
                        c += counts[j];
                    }
                    if (c >= 2) window(3, R::two_of_three, 3, counts, s0);
                }
            } else {
                window_sides(3, 2, false, R::two_of_three, 3, window);
            }
        }

        if ((rules & R::four_of_five) && i >= 4) window_sides(5, 4, true, R::four_of_five, 4, window);

        if (rules & R::anhoej) {
            const RuleSlot& s = slot(i);
            const int s0 = (s.y > s.lines.centre) - (s.y < s.lines.centre);
            const int sg = excluded ? 0 : s0;
            if (!excluded) ++an_obs_;
            if (sg != 0) {
                if (sg == an_last_) {
                    ++an_run_;
                } else {
                    if (an_last_ != 0) ++an_crossings_;
                    an_run_ = 1;
                }
                an_last_ = static_cast<std::int8_t>(sg);
                an_useful_ += 1;
                an_longest_ = std::max(an_longest_, an_run_);
            }
            // the verdicts of runs(), without the crossings limit when it cannot matter: the limit is
            // at most floor((n_useful − 1)/2), the median of Binomial(n_useful − 1, ½)
            if (an_useful_ > 0) {
                if ((rules & R::runs) && an_longest_ > spc::anhoej_longest_run_limit(an_useful_)) {
                    flag(i, R::runs);
                    fire(8, base, phase_day_, 0);
                }
                if ((rules & R::crossings) && an_crossings_ < (an_useful_ - 1) / 2 && crossings_below_limit()) {
                    flag(i, R::crossings);
                    fire(9, base, phase_day_, 0);
                }
            }
        }

        // Point types of every point whose flags changed and of the point before each (its
        // orientation depends on the next point's trend flag), and of i − 1 (it now has a next).
        const std::uint64_t from = lowest == 0 ? 0 : lowest - 1;
        for (std::uint64_t j = from; j <= i; ++j) slot(j).type = point_type(j);
        for (std::uint64_t j = from; j < i; ++j) {
            RuleSlot& s = slot(j);
            if (s.flags != s.reported_flags || s.type != s.reported_type) {
                updates.push_back({base + j, s.flags, s.type});
                s.reported_flags = s.flags;
                s.reported_type = s.type;
            }
        }
        cur.reported_flags = cur.flags;
        cur.reported_type = cur.type;

        Out out{cur.flags, cur.type, false};
        if (fired) {
            for (int k = 0; k < 10; ++k) {
                if (!(fired & (1u << k))) continue;
                const auto kk = static_cast<std::size_t>(k);
                const bool cont = (prev_bits_ & (1u << k)) && prev_dirs_[kk] == dirs[kk];
                signals.push_back({base + i, firsts[kk], first_days[kk], day, static_cast<RuleFlags>(1u << k), dirs[kk], cont});
                out.alarm |= !cont;
            }
        }
        prev_bits_ = fired;
        prev_dirs_ = dirs;
        return out;
    }

    // ---- state ----------------------------------------------------------------------------
    template <class Ar>
    void visit(Ar& ar) {
        ar("n", n_);
        ar("shift", shift_);
        ar("shift_side", shift_side_);
        ar("trend_up", trend_up_);
        ar("trend_down", trend_down_);
        ar("trend_done", trend_done_);
        ar("alternating", alt_);
        ar("prev_step", prev_step_);
        ar("stratification", strat_);
        ar("mixture", mix_);
        ar("mixture_last_high", mix_last_hi_);
        ar("mixture_last_low", mix_last_lo_);
        ar("anhoej_obs", an_obs_);
        ar("anhoej_useful", an_useful_);
        ar("anhoej_longest", an_longest_);
        ar("anhoej_run", an_run_);
        ar("anhoej_crossings", an_crossings_);
        ar("anhoej_last", an_last_);
        ar("previous_signal_rules", prev_bits_);
        std::vector<std::int8_t> pd(prev_dirs_.begin(), prev_dirs_.end());
        ar("previous_signal_directions", pd);
        if (pd.size() == prev_dirs_.size()) std::copy(pd.begin(), pd.end(), prev_dirs_.begin());
        else corrupted("previous_signal_directions must have 10 entries");
        ar("phase_day", phase_day_);
        // the live part of the ring, oldest first
        const std::uint64_t live = std::min<std::uint64_t>(n_, capacity_);
        std::vector<RuleSlot> held;
        held.reserve(static_cast<std::size_t>(live));
        for (std::uint64_t j = n_ - live; j < n_; ++j) held.push_back(slot(j));
        ar("ring", held);
        if (held.size() != live)
            corrupted("the rule window holds " + std::to_string(held.size()) + " points, expected " + std::to_string(live));
        for (std::uint64_t k = 0; k < live; ++k) slot(n_ - live + k) = held[static_cast<std::size_t>(k)];
    }

    /// Invariants of a restored state (counters within the points seen).
    void validate_state() const {
        auto check = [&](bool ok, const char* what) {
            if (!ok) corrupted(std::string("rule state: ") + what);
        };
        check(shift_.length <= n_ && trend_up_.length <= n_ && trend_down_.length <= n_ && alt_.length <= n_ &&
                  strat_.length <= n_ && mix_.length <= n_,
              "a run is longer than the phase");
        check(an_useful_ <= an_obs_ && an_obs_ <= n_ && an_longest_ <= an_useful_ && an_run_ <= an_useful_ &&
                  an_crossings_ <= an_useful_,
              "Anhøj counters are inconsistent");
        check(shift_side_ >= -1 && shift_side_ <= 1 && prev_step_ >= -1 && prev_step_ <= 1 && an_last_ >= -1 &&
                  an_last_ <= 1,
              "a side or step is out of range");
        check((prev_bits_ & ~spc::rules::all) == 0, "unknown rule bits");
        for (std::uint64_t j = n_ - std::min<std::uint64_t>(n_, capacity_); j < n_; ++j) {
            const RuleSlot& s = slot(j);
            check((s.flags & ~spc::rules::all) == 0 && (s.reported_flags & ~spc::rules::all) == 0, "unknown rule bits");
            check(static_cast<int>(s.type) >= 0 && static_cast<int>(s.type) <= 4 &&
                      static_cast<int>(s.reported_type) >= 0 && static_cast<int>(s.reported_type) <= 4,
                  "unknown point type");
        }
    }

private:
    spc::RuleOptions o_{};
    Improvement dir_ = Improvement::increase;
    std::size_t capacity_ = 8;
    std::vector<RuleSlot> ring_ = std::vector<RuleSlot>(8);
    std::uint64_t n_ = 0;
    Run shift_, trend_up_, trend_down_, alt_, strat_, mix_;
    std::uint64_t trend_done_ = none;
    std::int8_t shift_side_ = 0, prev_step_ = 0, an_last_ = 0;
    std::uint64_t mix_last_hi_ = none, mix_last_lo_ = none;
    std::uint64_t an_obs_ = 0, an_useful_ = 0, an_longest_ = 0, an_run_ = 0, an_crossings_ = 0;
    RuleFlags prev_bits_ = 0;
    std::array<std::int8_t, 10> prev_dirs_{};
    std::int64_t phase_day_ = no_day;
    mutable CrossingsLimitCache limit_cache_;  // not part of the state: recomputed on demand

    /// an_crossings_ < qbinom(0.05, n_useful − 1, ½). Beyond the table the limit is within 3 of
    /// the normal approximation m/2 − 0.8224268·√m − ½ (m = n_useful − 1; within 2 for every m up to
    /// 10^4 and every 11th up to 6·10^4 in tests/cpp/monitor_test.cpp; the Cornish–Fisher correction
    /// of a symmetric binomial quantile shrinks as 1/√m), so outside that band the verdict needs no
    /// exact limit.
    bool crossings_below_limit() const {
        if (an_useful_ >= 1002) {
            const double m = static_cast<double>(an_useful_ - 1);
            const double approx = 0.5 * m - 0.8224268 * std::sqrt(m) - 0.5;
            const double c = static_cast<double>(an_crossings_);
            if (c < approx - 3.0) return true;
            if (c > approx + 3.0) return false;
        }
        return an_crossings_ < limit_cache_.get(an_useful_);
    }

    RuleSlot& slot(std::uint64_t j) noexcept { return ring_[static_cast<std::size_t>(j & (capacity_ - 1))]; }
    const RuleSlot& slot(std::uint64_t j) const noexcept {
        return ring_[static_cast<std::size_t>(j & (capacity_ - 1))];
    }

    /// Western Electric window rules (two_of_three with western_electric semantics, four_of_five):
    /// >= k of the m points beyond the same line (2σ or 1σ), no missing value in the window; the
    /// lines of each point or of the window's last point (WindowLines).
    template <class Window>
    void window_sides(std::uint64_t m, int k, bool sigma1, RuleFlags bit, int k_bit, Window& window) {
        const std::uint64_t i = n_ - 1;
        const bool last_lines = o_.window_lines == spc::WindowLines::last;
        for (std::uint64_t j = 0; j < m; ++j)
            if (std::isnan(slot(i - (m - 1) + j).y)) return;
        for (int s = 0; s < 2; ++s) {
            bool counts[5] = {};
            int c = 0;
            for (std::uint64_t j = 0; j < m; ++j) {
                const RuleSlot& p = slot(i - (m - 1) + j);
                const spc::Lines& L = last_lines ? slot(i).lines : p.lines;
                const double up = sigma1 ? L.upper_1sigma : L.upper_2sigma;
                const double lo = sigma1 ? L.lower_1sigma : L.lower_2sigma;
                counts[j] = s == 0 ? p.y > up : p.y < lo;
                c += counts[j];
            }
            if (c >= k) window(m, bit, k_bit, counts, s == 0 ? 1 : -1);
        }
    }

    /// point_types_reference for point j of the phase (n_ points so far).
    PointType point_type(std::uint64_t j) const noexcept {
        namespace R = spc::rules;
        const RuleSlot& s = slot(j);
        const RuleFlags f = s.flags & R::typed;
        if (f == 0) return PointType::common_cause;
        int v;
        if (!(f & R::outside_limits) && (f & R::trend)) {
            const bool next = j + 1 < n_ && (slot(j + 1).flags & R::trend);
            const double step = next ? slot(j + 1).y - s.y : (j > 0 ? s.y - slot(j - 1).y : 0.0);
            v = step > 0 ? 1 : -1;
        } else {
            v = s.y > s.lines.centre ? 1 : -1;
        }
        return oriented_point_type(v, dir_);
    }
};

}  // namespace qm::monitor::detail

namespace qm::monitor {

template <>
struct Fields<detail::RuleSlot> {
    template <class Ar>
    static void visit(Ar& ar, detail::RuleSlot& s) {
        ar("y", s.y);
        ar("lines", s.lines);
        ar("day", s.day);
        ar("flags", s.flags);
        ar("reported_flags", s.reported_flags);
        ar("type", s.type);
        ar("reported_type", s.reported_type);
    }
};

template <>
struct Fields<detail::Run> {
    template <class Ar>
    static void visit(Ar& ar, detail::Run& r) {
        ar("length", r.length);
        ar("start", r.start);
        ar("start_day", r.start_day);
        ar("done", r.done);
    }
};

}  // namespace qm::monitor
