#pragma once
// bench_rng.hpp — the benchmarks' random numbers: splitmix64, small, fast, and the same numbers
// on every platform (unlike the std distributions), so every run times the same data.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>

namespace qm_bench {

struct Rng {
    std::uint64_t s;
    std::uint64_t next() noexcept {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }         // [0, 1)
    double open01() noexcept { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
    double normal() noexcept {  // Box-Muller
        const double u = 1.0 - uniform(), v = uniform();
        return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * v);
    }
    double log_uniform(double lo, double hi) noexcept { return std::exp(std::log(lo) + uniform() * std::log(hi / lo)); }
    std::size_t below(std::size_t k) noexcept { return static_cast<std::size_t>(next() % k); }
    double poisson(double mean) noexcept {
        if (mean > 30) return std::max(0.0, std::round(mean + std::sqrt(mean) * normal()));  // normal approximation
        const double limit = std::exp(-mean);
        double p = 1.0, k = 0;
        while ((p *= uniform()) > limit) k += 1;
        return k;
    }
    double binomial(double n, double p) noexcept {  // normal approximation, whole and within [0, n]
        return std::clamp(std::round(n * p + std::sqrt(n * p * (1 - p)) * normal()), 0.0, n);
    }
    bool missing() noexcept { return below(1000) == 0; }  // 1 in 1,000
};

}  // namespace qm_bench
