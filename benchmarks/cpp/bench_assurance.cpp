// bench_assurance — funnel plots and benchmark comparison, in units (indicator values) per second.
//
//   BM_funnel_proportion/threads   10,000 units: qm::assurance::funnel with the default
//                                  (Spiegelhalter) options: exact binomial limits at 95% and 99.8%
//                                  for every unit, arcsine z, winsorised phi, tau2, adjusted limits,
//                                  bands and point types
//   BM_funnel_proportion_normal    the same units with FunnelPlotR's limits (arcsine normal
//                                  approximation): the cost of everything but the exact limits
//   BM_funnel_ratio_shmi/threads   10,000 standardised ratios with the SHMI preset (chi-square
//                                  Poisson limits, log scale, truncation, tau2)
//   BM_funnel_curve                the limit curve at 1,000 denominators (exact binomial)
//   BM_compare_proportion/threads  1,000,000 proportions: Wilson intervals at 95% and 99.8%,
//                                  classed against a benchmark (two levels, polarity)
//   BM_compare_rate/threads        1,000,000 rates: exact Poisson below 10 events, Byar from 10
//   BM_compare_dsr/threads         100,000 DSRs of 19 age bands each (1.9 million rows), Dobson
//   BM_compare_rate_spc            100,000 rates against exact Poisson funnel limits (method spc)
//
// Data are deterministic (splitmix64): denominators log-uniform (50 to 50,000 for proportions,
// 5 to 5,000 expected for ratios, 1,000 to 1,000,000 person-years at 1 event per 1,000 for
// rates, DSR areas of 2,000 to 200,000 people), true values over-dispersed around the benchmark
// (logit sd 0.3, log sd 0.1, DSR areas log sd 0.15), counts drawn by the normal approximation.
// The counters report the share of units in each class (and phi), so a change of kernel cannot
// quietly turn the benchmark into a different workload.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_rng.hpp"

#include <qm/assurance/assurance.hpp>

namespace {

using namespace qm::assurance;

using qm_bench::Rng;

struct Units {
    std::vector<double> numerator, denominator;
};

/// Proportions around 0.2 with logit sd 0.3 between units; n log-uniform in [50, 50,000].
Units proportions(std::size_t n, std::uint64_t seed) {
    Units u;
    Rng rng{seed};
    for (std::size_t i = 0; i < n; ++i) {
        const double d = std::round(rng.log_uniform(50, 50'000));
        const double logit = std::log(0.2 / 0.8) + 0.3 * rng.normal();
        const double p = 1.0 / (1.0 + std::exp(-logit));
        const double o = std::round(d * p + std::sqrt(d * p * (1 - p)) * rng.normal());
        u.denominator.push_back(d);
        u.numerator.push_back(std::clamp(o, 0.0, d));
    }
    return u;
}

/// Poisson counts around θ·E with log θ ~ N(0, 0.1²); E log-uniform in [lo, hi] × scale.
Units counts(std::size_t n, std::uint64_t seed, double lo, double hi, double rate) {
    Units u;
    Rng rng{seed};
    for (std::size_t i = 0; i < n; ++i) {
        const double d = rng.log_uniform(lo, hi);
        const double mu = d * rate * std::exp(0.1 * rng.normal());
        u.denominator.push_back(d);
        u.numerator.push_back(std::max(0.0, std::round(mu + std::sqrt(mu) * rng.normal())));
    }
    return u;
}

void band_counters(benchmark::State& state, const FunnelResult& r) {
    double hi = 0, lo = 0, hi95 = 0, lo95 = 0;
    for (FunnelBand b : r.band) {
        hi += b == FunnelBand::high_998;
        lo += b == FunnelBand::low_998;
        hi95 += b == FunnelBand::high_95;
        lo95 += b == FunnelBand::low_95;
    }
    const double n = static_cast<double>(r.band.size());
    state.counters["high_998"] = hi / n;
    state.counters["high_95"] = hi95 / n;
    state.counters["low_95"] = lo95 / n;
    state.counters["low_998"] = lo / n;
    state.counters["phi"] = r.model.phi;
}

void compare_counters(benchmark::State& state, const CompareResult& r) {
    double better = 0, worse = 0, similar = 0;
    for (Comparison c : r.comparison_95) {
        better += c == Comparison::better;
        worse += c == Comparison::worse;
        similar += c == Comparison::similar;
    }
    const double n = static_cast<double>(r.comparison_95.size());
    state.counters["better_95"] = better / n;
    state.counters["similar_95"] = similar / n;
    state.counters["worse_95"] = worse / n;
}

constexpr std::size_t kUnits = 10'000;

void BM_funnel_proportion(benchmark::State& state) {
    const Units u = proportions(kUnits, 1);
    const auto threads = static_cast<unsigned>(state.range(0));
    FunnelResult r;
    for (auto _ : state) {
        r = funnel(u.numerator, u.denominator, {}, threads);
        benchmark::DoNotOptimize(r.band.data());
    }
    band_counters(state, r);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kUnits));
}
BENCHMARK(BM_funnel_proportion)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_funnel_proportion_normal(benchmark::State& state) {
    const Units u = proportions(kUnits, 1);
    const FunnelOptions o = funnel_preset("funnelplotr", FunnelType::proportion);
    FunnelResult r;
    for (auto _ : state) {
        r = funnel(u.numerator, u.denominator, o, 1);
        benchmark::DoNotOptimize(r.band.data());
    }
    band_counters(state, r);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kUnits));
}
BENCHMARK(BM_funnel_proportion_normal)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_funnel_ratio_shmi(benchmark::State& state) {
    const Units u = counts(kUnits, 2, 5, 5'000, 1.0);
    const FunnelOptions o = funnel_preset("shmi", FunnelType::ratio);
    const auto threads = static_cast<unsigned>(state.range(0));
    FunnelResult r;
    for (auto _ : state) {
        r = funnel(u.numerator, u.denominator, o, threads);
        benchmark::DoNotOptimize(r.band.data());
    }
    band_counters(state, r);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kUnits));
}
BENCHMARK(BM_funnel_ratio_shmi)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_funnel_curve(benchmark::State& state) {
    const Units u = proportions(kUnits, 1);
    const FunnelResult r = funnel(u.numerator, u.denominator, {.overdispersion = Overdispersion::none});
    const std::vector<double> grid = funnel_grid(25, 55'000, 1'000, true);
    for (auto _ : state) {
        FunnelCurve c = funnel_curve(r.model, grid);
        benchmark::DoNotOptimize(c.upper_998.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(grid.size()));
}
BENCHMARK(BM_funnel_curve)->UseRealTime()->Unit(benchmark::kMillisecond);

constexpr std::size_t kValues = 1'000'000;

void BM_compare_proportion(benchmark::State& state) {
    const Units u = proportions(kValues, 3);
    const double bm = 0.2;
    const CompareInput in{.numerator = u.numerator, .denominator = u.denominator,
                          .benchmark = std::span<const double>(&bm, 1)};
    const auto threads = static_cast<unsigned>(state.range(0));
    CompareResult r;
    for (auto _ : state) {
        r = compare(in, {.statistic = Statistic::proportion, .polarity = qm::Improvement::decrease}, threads);
        benchmark::DoNotOptimize(r.comparison.data());
    }
    compare_counters(state, r);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kValues));
}
BENCHMARK(BM_compare_proportion)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_compare_rate(benchmark::State& state) {
    // person-years 1,000 to 1,000,000 at 1 event per 1,000: a third of the units have fewer
    // than 10 events (exact intervals), the rest Byar
    const Units u = counts(kValues, 4, 1'000, 1'000'000, 0.001);
    const double bm = 100.0;  // per 100,000
    const CompareInput in{.numerator = u.numerator, .denominator = u.denominator,
                          .benchmark = std::span<const double>(&bm, 1)};
    const auto threads = static_cast<unsigned>(state.range(0));
    CompareResult r;
    for (auto _ : state) {
        r = compare(in, {.statistic = Statistic::rate, .multiplier = 100'000}, threads);
        benchmark::DoNotOptimize(r.comparison.data());
    }
    compare_counters(state, r);
    std::size_t small = 0;
    for (double x : u.numerator) small += x < 10;
    state.counters["below_10_events"] = static_cast<double>(small) / static_cast<double>(kValues);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kValues));
}
BENCHMARK(BM_compare_rate)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_compare_dsr(benchmark::State& state) {
    constexpr std::size_t kAreas = 100'000, kBands = 19;
    const double esp[kBands] = {5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
                                7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000};
    std::vector<double> x, n, w;
    std::vector<std::size_t> offsets = {0};
    Rng rng{5};
    for (std::size_t a = 0; a < kAreas; ++a) {
        const double size = rng.log_uniform(2'000, 200'000) / kBands;
        const double area = std::exp(0.15 * rng.normal());  // between-area variation
        for (std::size_t b = 0; b < kBands; ++b) {
            const double pop = std::round(size * (0.5 + rng.uniform()));
            const double mu = pop * 0.0001 * std::exp(0.25 * static_cast<double>(b)) * area;
            n.push_back(pop);
            w.push_back(esp[b]);
            x.push_back(std::max(0.0, std::round(mu + std::sqrt(mu) * rng.normal())));
        }
        offsets.push_back(x.size());
    }
    const double bm = 137.4;  // the DSR of the age-specific rates without area effects, per 100,000
    const CompareInput in{.numerator = x, .denominator = n, .standard = w, .offsets = offsets,
                          .benchmark = std::span<const double>(&bm, 1)};
    const auto threads = static_cast<unsigned>(state.range(0));
    CompareResult r;
    for (auto _ : state) {
        r = compare(in, {.statistic = Statistic::dsr, .polarity = qm::Improvement::decrease, .multiplier = 100'000}, threads);
        benchmark::DoNotOptimize(r.comparison.data());
    }
    compare_counters(state, r);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kAreas));
}
BENCHMARK(BM_compare_dsr)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_compare_rate_spc(benchmark::State& state) {
    constexpr std::size_t kN = 100'000;
    const Units u = counts(kN, 6, 1'000, 1'000'000, 0.001);
    const double bm = 100.0;
    const CompareInput in{.numerator = u.numerator, .denominator = u.denominator,
                          .benchmark = std::span<const double>(&bm, 1)};
    CompareResult r;
    for (auto _ : state) {
        r = compare(in, {.statistic = Statistic::rate, .method = CompareMethod::spc, .multiplier = 100'000}, 1);
        benchmark::DoNotOptimize(r.comparison.data());
    }
    compare_counters(state, r);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kN));
}
BENCHMARK(BM_compare_rate_spc)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
