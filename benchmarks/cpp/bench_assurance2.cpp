// bench_assurance2 — capability, target assurance, inequality (SII/RII) and the board summary.
//
//   BM_capability_target/threads     10,000 series × 36 months (360,000 values): qm::assurance::
//                                    capability_grouped against a one-sided target (moments,
//                                    moving ranges, Cpk/Ppk with Bissell intervals, p_meet with
//                                    its interval, observed proportions)
//   BM_capability_two_sided/threads  the same series against [L, U] with a nominal: adds Cp/Pp
//                                    (chi-square quantiles) and Cpm/Ppm (Boyles)
//   BM_capability_one_series         one 36-month series (the latency of a single call)
//   BM_target_assurance_xmr/threads  10,000 groups × 36 points: icon, shares over the last phase,
//                                    target index, normal p_meet
//   BM_target_assurance_p/threads    the same with p-chart limits and the exact binomial p_meet
//   BM_sii_decile/threads            100 areas × 10 deciles, 100,000 simulated samples each (PHE's
//                                    default): 10⁸ normal draws and refits
//   BM_sii_one_area                  one area, 10 deciles, 100,000 samples (a typical PHE call)
//   BM_board_summary                 10,000 indicators: cells, severity, attention order
//
// Data are deterministic (splitmix64): monthly performance around 0.80–0.99 with sd 0.005–0.035 and
// targets of 0.95 (so the three assurance classes all occur: the counters report their shares),
// deciles with populations 5,000–25,000 and a gradient of 6–12 years with SEs 0.2–2.5.
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
using qm::AssuranceIcon;
using qm::Improvement;
using qm::VariationIcon;

using qm_bench::Rng;

struct Series {
    std::vector<double> values;
    std::vector<std::size_t> offsets;
};

Series monthly(std::size_t groups, std::size_t months, std::uint64_t seed) {
    Rng r{seed};
    Series s;
    s.offsets.push_back(0);
    for (std::size_t g = 0; g < groups; ++g) {
        const double level = 0.80 + 0.19 * r.uniform(), sd = 0.005 + 0.03 * r.uniform();
        for (std::size_t i = 0; i < months; ++i) s.values.push_back(std::min(1.0, level + sd * r.normal()));
        s.offsets.push_back(s.values.size());
    }
    return s;
}

void BM_capability_target(benchmark::State& state) {
    const Series s = monthly(10'000, 36, 1);
    const std::vector<double> target{0.95};
    const CapabilityInput in{.values = s.values, .offsets = s.offsets, .lower = target};
    const auto threads = static_cast<unsigned>(state.range(0));
    CapabilityResult r;
    for (auto _ : state) {
        r = capability_grouped(in, {}, threads);
        benchmark::DoNotOptimize(r.cpk.value.data());
    }
    std::size_t pass = 0, fail = 0;
    for (double c : r.cpk.value) {
        pass += c > 1.0;
        fail += c < -1.0;
    }
    state.counters["series/s"] = benchmark::Counter(10'000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["cpk>1"] = static_cast<double>(pass) / 10'000.0;
    state.counters["cpk<-1"] = static_cast<double>(fail) / 10'000.0;
}
BENCHMARK(BM_capability_target)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_capability_two_sided(benchmark::State& state) {
    const Series s = monthly(10'000, 36, 1);
    const std::vector<double> lower{0.70}, upper{1.0}, nominal{0.9};
    const CapabilityInput in{.values = s.values, .offsets = s.offsets, .lower = lower, .upper = upper, .nominal = nominal};
    const auto threads = static_cast<unsigned>(state.range(0));
    for (auto _ : state) {
        CapabilityResult r = capability_grouped(in, {}, threads);
        benchmark::DoNotOptimize(r.cpm.value.data());
    }
    state.counters["series/s"] = benchmark::Counter(10'000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_capability_two_sided)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_capability_one_series(benchmark::State& state) {
    const Series s = monthly(1, 36, 2);
    const Specification spec{.lower = 0.95};
    for (auto _ : state) {
        Capability c = capability(s.values, spec);
        benchmark::DoNotOptimize(c.cpk.value);
    }
}
BENCHMARK(BM_capability_one_series)->Unit(benchmark::kMicrosecond);

/// Per-point chart lines for target assurance: XmR-like constant limits, or p-chart limits at a
/// varying denominator.
struct Lines {
    std::vector<double> statistic, centre, lower, upper, denominator, targets;
    std::vector<std::size_t> offsets;
};

Lines chart_lines(bool p_chart) {
    const std::size_t G = 10'000, m = 36;
    Rng r{7};
    Lines l;
    l.offsets.push_back(0);
    for (std::size_t g = 0; g < G; ++g) {
        const double p = 0.80 + 0.19 * r.uniform(), sd = 0.005 + 0.03 * r.uniform();
        for (std::size_t i = 0; i < m; ++i) {
            const double n = std::floor(2000.0 + 8000.0 * r.uniform());
            const double s = p_chart ? std::sqrt(p * (1 - p) / n) : sd;
            l.statistic.push_back(p + s * r.normal());
            l.centre.push_back(p);
            l.lower.push_back(std::max(0.0, p - 3 * s));
            l.upper.push_back(std::min(1.0, p + 3 * s));
            l.denominator.push_back(n);
        }
        l.offsets.push_back(l.statistic.size());
        l.targets.push_back(0.95);
    }
    return l;
}

void run_target_assurance(benchmark::State& state, bool p_chart) {
    const Lines l = chart_lines(p_chart);
    TargetAssuranceInput in{.chart = p_chart ? qm::spc::ChartType::p : qm::spc::ChartType::xmr,
                            .statistic = l.statistic, .centre = l.centre, .lower = l.lower, .upper = l.upper,
                            .offsets = l.offsets, .targets = l.targets};
    if (p_chart) in.denominators = l.denominator;
    const auto threads = static_cast<unsigned>(state.range(0));
    TargetAssuranceResult r;
    for (auto _ : state) {
        r = target_assurance(in, threads);
        benchmark::DoNotOptimize(r.p_meet.data());
    }
    std::size_t n[4] = {0, 0, 0, 0};
    for (auto a : r.icon) ++n[static_cast<int>(a)];
    state.counters["groups/s"] = benchmark::Counter(10'000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["pass"] = static_cast<double>(n[1]) / 10'000.0;
    state.counters["fail"] = static_cast<double>(n[2]) / 10'000.0;
    state.counters["hit_miss"] = static_cast<double>(n[3]) / 10'000.0;
}
void BM_target_assurance_xmr(benchmark::State& state) { run_target_assurance(state, false); }
void BM_target_assurance_p(benchmark::State& state) { run_target_assurance(state, true); }
BENCHMARK(BM_target_assurance_xmr)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_target_assurance_p)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

struct Deciles {
    std::vector<double> value, population, se;
    std::vector<std::size_t> offsets;
};

Deciles deciles(std::size_t areas) {
    Rng r{11};
    Deciles d;
    d.offsets.push_back(0);
    for (std::size_t a = 0; a < areas; ++a) {
        const double base = 74.0 + 4.0 * r.uniform(), gap = 6.0 + 6.0 * r.uniform();
        for (int q = 0; q < 10; ++q) {
            d.value.push_back(base + gap * (q + 0.5) / 10.0 + 0.8 * r.normal());
            d.population.push_back(5000.0 + 20000.0 * r.uniform());
            d.se.push_back(0.2 + 2.3 * r.uniform());
        }
        d.offsets.push_back(d.value.size());
    }
    return d;
}

void BM_sii_decile(benchmark::State& state) {
    const Deciles d = deciles(100);
    const SiiInput in{.values = d.value, .population = d.population, .se = d.se, .offsets = d.offsets};
    const auto threads = static_cast<unsigned>(state.range(0));
    SiiResult r;
    for (auto _ : state) {
        r = sii(in, {}, threads);
        benchmark::DoNotOptimize(r.sii_lower.data());
    }
    state.counters["areas/s"] = benchmark::Counter(100.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["draws/s"] = benchmark::Counter(100.0 * 10 * 100'000 * static_cast<double>(state.iterations()),
                                                   benchmark::Counter::kIsRate);
    state.counters["mean_sii"] = [&] {
        double s = 0;
        for (double x : r.sii) s += x;
        return s / 100.0;
    }();
}
BENCHMARK(BM_sii_decile)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_sii_one_area(benchmark::State& state) {
    const Deciles d = deciles(1);
    const SiiInput in{.values = d.value, .population = d.population, .se = d.se, .offsets = d.offsets};
    for (auto _ : state) {
        SiiResult r = sii(in, {}, 1);
        benchmark::DoNotOptimize(r.sii_lower.data());
    }
}
BENCHMARK(BM_sii_one_area)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_board_summary(benchmark::State& state) {
    Rng r{5};
    const std::size_t n = 10'000;
    std::vector<VariationIcon> v(n);
    std::vector<AssuranceIcon> a(n);
    std::vector<double> ti(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<VariationIcon>(r.next() % 7);
        a[i] = static_cast<AssuranceIcon>(r.next() % 4);
        ti[i] = 4.0 * r.normal();
    }
    BoardSummary s;
    for (auto _ : state) {
        s = board_summary({.variation = v, .assurance = a, .target_index = ti});
        benchmark::DoNotOptimize(s.attention.data());
    }
    state.counters["indicators/s"] = benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                                                        benchmark::Counter::kIsRate);
    state.counters["attention"] = static_cast<double>(s.attention.size()) / static_cast<double>(n);
}
BENCHMARK(BM_board_summary)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
