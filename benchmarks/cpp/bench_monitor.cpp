// bench_monitor — live monitors: pushes per second, and the control-vs-assurance comparison.
//
//   BM_push_<monitor>                 one monitor, points pushed one at a time (frozen limits or
//                                     parameters), over a pre-generated series of 2^20 points
//   BM_push_xmr_mdc_learning          the same XmR/MDC monitor, learning its limits from the first 12
//                                     points of every 60 (a new monitor per 60 points: the cost of
//                                     a monitor's whole life, baseline freeze included)
//   BM_save_restore_xmr               save() + restore() of a mid-stream XmR monitor (bytes)
//   BM_control_vs_assurance/threads   10,000 indicators x 60 months: each replayed through a live
//                                     monitor (limits learned from 12 months) and reviewed
//                                     (qm::monitor::control_vs_assurance)
//   BM_review/threads                 the retrospective review alone, same data
//
// Data are deterministic (splitmix64): monthly performance figures around 0.9 whose level moves
// every 20-400 points, 1 value in 1,000 missing (as bench_spc). Counters: the share of pushes that
// raise an alarm, so a change cannot quietly make the workload easier.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_rng.hpp"

#include <qm/monitor/monitor.hpp>

namespace {

using namespace qm::monitor;

using qm_bench::Rng;

std::vector<double> series(std::size_t n, std::uint64_t seed = 42) {
    Rng rng{seed};
    std::vector<double> y(n);
    double level = 0.9;
    std::size_t next_shift = 20 + rng.below(380);
    for (std::size_t i = 0; i < n; ++i) {
        if (i == next_shift) {
            level = 0.9 + 0.01 * rng.normal();
            next_shift += 20 + rng.below(380);
        }
        y[i] = rng.below(1000) == 0 ? std::numeric_limits<double>::quiet_NaN() : level + 0.01 * rng.normal();
    }
    return y;
}

constexpr std::size_t N = std::size_t{1} << 20;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

template <class Push>
void run_pushes(benchmark::State& state, Push push) {
    std::size_t alarms = 0, pushes = 0;
    for (auto _ : state) {
        alarms += push();
        pushes += N;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(pushes));
    state.counters["alarm_share"] = static_cast<double>(alarms) / static_cast<double>(pushes);
}

ChartLimits xmr_limits() {
    const auto y = series(2000, 7);
    return learn_limits(qm::spc::ChartType::xmr, std::span<const double>(y).first(60),
                        {}, shewhart_preset("mdc", qm::spc::ChartType::xmr).limits);
}

void BM_push_xmr_mdc(benchmark::State& state) {
    const auto y = series(N);
    const ShewhartOptions o = shewhart_preset("mdc", qm::spc::ChartType::xmr);
    const ChartLimits L = xmr_limits();
    run_pushes(state, [&] {
        ShewhartMonitor m(o, L);
        std::size_t a = 0;
        for (double v : y) a += m.push(v).alarm;
        benchmark::DoNotOptimize(m);
        return a;
    });
}

void BM_push_xmr_mdc_learning(benchmark::State& state) {
    const auto y = series(N);
    const ShewhartOptions o = shewhart_preset("mdc", qm::spc::ChartType::xmr, 12);
    run_pushes(state, [&] {
        std::size_t a = 0;
        for (std::size_t b = 0; b + 60 <= N; b += 60) {
            ShewhartMonitor m(o);
            for (std::size_t i = b; i < b + 60; ++i) a += m.push(y[i]).alarm;
        }
        return a;
    });
}

void BM_push_xmr_rule_set(benchmark::State& state, const char* rules) {
    const auto y = series(N);
    ShewhartOptions o = shewhart_preset("mdc", qm::spc::ChartType::xmr);
    o.rules = qm::spc::rule_set(rules);
    const ChartLimits L = xmr_limits();
    run_pushes(state, [&] {
        ShewhartMonitor m(o, L);
        std::size_t a = 0;
        for (double v : y) a += m.push(v).alarm;
        return a;
    });
}

void BM_push_p(benchmark::State& state) {
    Rng rng{3};
    std::vector<double> num(N), den(N);
    for (std::size_t i = 0; i < N; ++i) {
        den[i] = static_cast<double>(400 + rng.below(200));
        num[i] = std::floor(den[i] * (0.9 + 0.015 * rng.normal()));
    }
    const ShewhartOptions o = shewhart_preset("mdc", qm::spc::ChartType::p);
    const ChartLimits L = learn_limits(qm::spc::ChartType::p, std::span<const double>(num).first(24),
                                       std::span<const double>(den).first(24), o.limits);
    run_pushes(state, [&] {
        ShewhartMonitor m(o, L);
        std::size_t a = 0;
        for (std::size_t i = 0; i < N; ++i) a += m.push(num[i], den[i]).alarm;
        return a;
    });
}

/// CUSUM and EWMA monitors with a known in-control mean and sigma, one push per value.
template <class Monitor, class Options>
void push_time_weighted(benchmark::State& state) {
    const auto y = series(N);
    Options o;
    o.target = 0.9;
    o.sigma = 0.01;
    run_pushes(state, [&] {
        Monitor m(o);
        std::size_t a = 0;
        for (double v : y) a += m.push(v).alarm;
        return a;
    });
}

void BM_push_cusum(benchmark::State& state) { push_time_weighted<CusumMonitor, CusumMonitorOptions>(state); }
void BM_push_ewma(benchmark::State& state) { push_time_weighted<EwmaMonitor, EwmaMonitorOptions>(state); }

std::vector<double> risks(std::size_t n, std::uint64_t seed) {
    Rng rng{seed};
    std::vector<double> p(n);
    for (auto& v : p) v = 1.0 / (1.0 + std::exp(3.67 - 0.077 * static_cast<double>(rng.below(60))));
    return p;
}

std::vector<double> outcomes(const std::vector<double>& p, std::uint64_t seed) {
    Rng rng{seed};
    std::vector<double> y(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) y[i] = rng.uniform() < p[i] ? 1.0 : 0.0;
    return y;
}

void BM_push_bernoulli_cusum(benchmark::State& state) {
    const auto p = risks(N, 5);
    const auto y = outcomes(std::vector<double>(N, 0.05), 6);
    (void)p;
    BernoulliCusumOptions o;
    o.target = 0.05;
    run_pushes(state, [&] {
        BernoulliCusumMonitor m(o);
        std::size_t a = 0;
        for (double v : y) a += m.push(v).alarm;
        return a;
    });
}

void BM_push_risk_adjusted_cusum(benchmark::State& state) {
    const auto p = risks(N, 5);
    const auto y = outcomes(p, 6);
    run_pushes(state, [&] {
        RiskAdjustedCusumMonitor m;
        std::size_t a = 0;
        for (std::size_t i = 0; i < N; ++i) a += m.push(y[i], p[i]).alarm;
        return a;
    });
}

void BM_push_vlad(benchmark::State& state) {
    const auto p = risks(N, 5);
    const auto y = outcomes(p, 6);
    VladOptions o;
    o.mean_risk = 0.1;
    o.h_deterioration = 4.0;
    o.h_improvement = 4.0;
    run_pushes(state, [&] {
        VladMonitor m(o);
        std::size_t a = 0;
        for (std::size_t i = 0; i < N; ++i) a += m.push(y[i], p[i]).alarm;
        return a;
    });
}

void BM_save_restore_xmr(benchmark::State& state) {
    const auto y = series(1000);
    ShewhartMonitor m(shewhart_preset("mdc", qm::spc::ChartType::xmr, 12));
    for (double v : y) m.push(v);
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string s = m.save();
        bytes = s.size();
        ShewhartMonitor r = ShewhartMonitor::restore(s);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["state_bytes"] = static_cast<double>(bytes);
}

// ---- 10,000 indicators x 60 months ------------------------------------------------------------

struct Indicators {
    std::vector<double> values, goals;
    std::vector<std::int64_t> days;
    std::vector<std::size_t> offsets{0};
};

const Indicators& indicators() {
    static const Indicators d = [] {
        Indicators x;
        Rng rng{2024};
        for (std::size_t g = 0; g < 10000; ++g) {
            double level = 0.85 + 0.1 * rng.uniform();
            for (std::size_t i = 0; i < 60; ++i) {
                if (i >= 12 && rng.below(40) == 0) level += 0.02 * rng.normal();
                x.values.push_back(rng.below(1000) == 0 ? nan : level + 0.01 * rng.normal());
                x.days.push_back(17000 + static_cast<std::int64_t>(i) * 30);
            }
            x.offsets.push_back(x.values.size());
            x.goals.push_back(0.95);
        }
        return x;
    }();
    return d;
}

void BM_control_vs_assurance(benchmark::State& state) {
    const Indicators& d = indicators();
    ControlAssuranceOptions o;
    o.chart = shewhart_preset("mdc", qm::spc::ChartType::xmr, 12);
    const auto threads = static_cast<unsigned>(state.range(0));
    std::size_t both = 0, only_c = 0, only_a = 0, alarms = 0;
    for (auto _ : state) {
        const auto t = control_vs_assurance({.values = d.values, .days = d.days, .offsets = d.offsets, .goals = d.goals},
                                            o, threads);
        both = only_c = only_a = alarms = 0;
        for (std::size_t g = 0; g < t.agreement.size(); ++g) {
            both += t.agreement[g] == Agreement::both;
            only_c += t.agreement[g] == Agreement::only_control;
            only_a += t.agreement[g] == Agreement::only_assurance;
            alarms += t.n_alarms[g];
        }
        benchmark::DoNotOptimize(t);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(d.values.size()));
    state.counters["indicators_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * 10000.0, benchmark::Counter::kIsRate);
    state.counters["both"] = static_cast<double>(both) / 10000.0;
    state.counters["only_control"] = static_cast<double>(only_c) / 10000.0;
    state.counters["only_assurance"] = static_cast<double>(only_a) / 10000.0;
    state.counters["alarms_per_ind"] = static_cast<double>(alarms) / 10000.0;
}

void BM_review(benchmark::State& state) {
    const Indicators& d = indicators();
    ReviewOptions o{shewhart_preset("mdc", qm::spc::ChartType::xmr, 12)};
    const auto threads = static_cast<unsigned>(state.range(0));
    for (auto _ : state) {
        const auto t = review_grouped({.values = d.values, .offsets = d.offsets, .goals = d.goals}, o, threads);
        benchmark::DoNotOptimize(t);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(d.values.size()));
}

}  // namespace

BENCHMARK(BM_push_xmr_mdc)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_push_xmr_mdc_learning)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_push_xmr_rule_set, western_electric, "western_electric")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_push_xmr_rule_set, nelson, "nelson")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_push_xmr_rule_set, qicharts2, "qicharts2")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_push_p)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_push_cusum)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_push_ewma)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_push_bernoulli_cusum)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_push_risk_adjusted_cusum)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_push_vlad)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_save_restore_xmr)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_control_vs_assurance)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_review)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
