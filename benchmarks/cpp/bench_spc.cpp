// bench_spc — throughput of the SPC kernels, in points (rows) per second.
//
//   BM_xmr_series/N          one series of N points: qm::spc::xmr, i.e. validation, centre and
//                            screened mean moving range, limits, the four MDC rules and point types
//   BM_xmr_grouped/threads   10,000 series x 60 points in long format, qm::spc::xmr_grouped
//   BM_xmr_*_into            the same, recomputed into one result (xmr_grouped_into): no fresh
//                            output memory on each call
//   BM_layout_groups/order   qm::layout_groups on 600,000 rows (10,000 groups x 60 dates), rows
//                            already ordered (0), in date-major order as published data come (1),
//                            and shuffled (2)
//
// Data are deterministic (a fixed-seed generator): a process level that shifts at random
// intervals, with normal noise, like monthly performance figures, and 1 row in 1,000 missing.
// The counters outside, shift, trend and two_of_three report the share of points each rule
// flags, so that a change of kernel cannot quietly turn the benchmark into a different workload.
// Run: cmake --build <dir> --target run_benchmarks, or bench_spc --benchmark_filter=...
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_rng.hpp"

#include <qm/qm.hpp>

namespace {

using qm_bench::Rng;

/// A performance-like series around `base`: noise sd 0.01, and every 20-400 points the process
/// level moves to base + 0.01 N(0, 1) (shifts of about one noise sd, mean-reverting, so a long
/// series shows the occasional signal rather than drifting off its limits); 0.1% missing.
void fill_series(double* y, std::size_t n, Rng& rng, double base = 0.9) {
    double level = base;
    std::size_t next_shift = 20 + rng.below(380);
    for (std::size_t i = 0; i < n; ++i) {
        if (i == next_shift) {
            level = base + 0.01 * rng.normal();
            next_shift += 20 + rng.below(380);
        }
        y[i] = rng.below(1000) == 0 ? std::numeric_limits<double>::quiet_NaN() : level + 0.01 * rng.normal();
    }
}

/// Share of points flagged by each rule, as benchmark counters (documents what the data exercise).
void count_flags(benchmark::State& state, const qm::spc::XmrResult& r) {
    std::size_t c[4] = {0, 0, 0, 0};
    for (const qm::spc::RuleFlags f : r.flags)
        for (int k = 0; k < 4; ++k) c[k] += (f >> k) & 1u;
    const double n = static_cast<double>(r.size());
    state.counters["outside"] = static_cast<double>(c[0]) / n;
    state.counters["shift"] = static_cast<double>(c[1]) / n;
    state.counters["trend"] = static_cast<double>(c[2]) / n;
    state.counters["two_of_three"] = static_cast<double>(c[3]) / n;
}

std::vector<double> make_series(std::size_t n, std::uint64_t seed = 42) {
    std::vector<double> y(n);
    Rng rng{seed};
    fill_series(y.data(), n, rng);
    return y;
}

void BM_xmr_series(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto y = make_series(n);
    const qm::spc::SeriesSpec spec{.improvement = qm::Improvement::increase, .target = 0.95};
    for (auto _ : state) {
        auto r = qm::spc::xmr(y, spec);
        benchmark::DoNotOptimize(r.flags.data());
        benchmark::DoNotOptimize(r.point_type.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    count_flags(state, qm::spc::xmr(y, spec));
}
BENCHMARK(BM_xmr_series)->RangeMultiplier(10)->Range(1'000, 10'000'000)->UseRealTime()->Unit(benchmark::kMicrosecond);

/// The same, recomputed into one result (qm::spc::xmr_grouped_into): no fresh output memory.
void BM_xmr_series_into(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto y = make_series(n);
    const std::size_t offsets[2] = {0, n};
    const double target[1] = {0.95};
    const qm::spc::GroupedInput in{.values = y, .offsets = offsets, .targets = target};
    qm::spc::XmrResult r;
    for (auto _ : state) {
        qm::spc::xmr_grouped_into(in, r, {}, 1);
        benchmark::DoNotOptimize(r.flags.data());
        benchmark::DoNotOptimize(r.point_type.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    count_flags(state, r);
}
BENCHMARK(BM_xmr_series_into)->RangeMultiplier(10)->Range(1'000'000, 10'000'000)->UseRealTime()->Unit(benchmark::kMicrosecond);

constexpr std::size_t kGroups = 10'000, kPerGroup = 60, kRows = kGroups * kPerGroup;

struct GroupedData {
    std::vector<double> values, targets;
    std::vector<std::size_t> offsets;
};

const GroupedData& grouped_data() {
    static const GroupedData d = [] {
        GroupedData g;
        g.values.resize(kRows);
        g.targets.assign(kGroups, 0.95);
        g.offsets.resize(kGroups + 1);
        Rng rng{7};
        for (std::size_t k = 0; k <= kGroups; ++k) g.offsets[k] = k * kPerGroup;
        for (std::size_t k = 0; k < kGroups; ++k)
            fill_series(g.values.data() + k * kPerGroup, kPerGroup, rng, 0.75 + 0.2 * rng.uniform());
        return g;
    }();
    return d;
}

qm::spc::GroupedInput grouped_input() {
    const auto& d = grouped_data();
    return {.values = d.values, .offsets = d.offsets, .targets = d.targets, .improvement = qm::Improvement::increase};
}

void BM_xmr_grouped(benchmark::State& state) {
    const qm::spc::GroupedInput in = grouped_input();
    const auto threads = static_cast<unsigned>(state.range(0));
    for (auto _ : state) {
        auto r = qm::spc::xmr_grouped(in, {}, threads);
        benchmark::DoNotOptimize(r.flags.data());
        benchmark::DoNotOptimize(r.variation_icon.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kRows));
    count_flags(state, qm::spc::xmr_grouped(in, {}, 1));
}
BENCHMARK(BM_xmr_grouped)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_xmr_grouped_into(benchmark::State& state) {
    const qm::spc::GroupedInput in = grouped_input();
    const auto threads = static_cast<unsigned>(state.range(0));
    qm::spc::XmrResult r;
    for (auto _ : state) {
        qm::spc::xmr_grouped_into(in, r, {}, threads);
        benchmark::DoNotOptimize(r.flags.data());
        benchmark::DoNotOptimize(r.variation_icon.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kRows));
    count_flags(state, r);
}
BENCHMARK(BM_xmr_grouped_into)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_layout_groups(benchmark::State& state) {
    // Group codes and monthly dates (days since 1970-01-01) for 10,000 groups x 60 months.
    std::vector<std::int64_t> codes(kRows), dates(kRows);
    const int order = static_cast<int>(state.range(0));
    for (std::size_t i = 0; i < kRows; ++i) {
        const std::size_t g = order == 1 ? i % kGroups : i / kPerGroup;  // 1: date-major
        const std::size_t t = order == 1 ? i / kGroups : i % kPerGroup;
        codes[i] = static_cast<std::int64_t>(g);
        dates[i] = 16'892 + 30 * static_cast<std::int64_t>(t);  // from 2016-04-01
    }
    if (order == 2) {
        std::vector<std::size_t> perm(kRows);
        for (std::size_t i = 0; i < kRows; ++i) perm[i] = i;
        std::shuffle(perm.begin(), perm.end(), std::mt19937_64{123});
        std::vector<std::int64_t> c2(kRows), d2(kRows);
        for (std::size_t i = 0; i < kRows; ++i) c2[i] = codes[perm[i]], d2[i] = dates[perm[i]];
        codes.swap(c2);
        dates.swap(d2);
    }
    for (auto _ : state) {
        auto layout = qm::layout_groups(codes, dates);
        benchmark::DoNotOptimize(layout.offsets.data());
        benchmark::DoNotOptimize(layout.order.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kRows));
    state.SetLabel(order == 0 ? "ordered" : order == 1 ? "date-major" : "shuffled");
}
BENCHMARK(BM_layout_groups)->ArgName("order")->DenseRange(0, 2)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
