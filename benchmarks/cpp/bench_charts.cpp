// bench_charts — throughput of every chart family, in chart points per second, against the XmR
// fast path (qm::spc::xmr / xmr_grouped, MDC rules) measured in the same run.
//
//   series/<family>                 one series of 1,000,000 points
//   grouped/<family>/threads:T      10,000 series x 60 points in long format, T = 1 and 2
//
// Families (qm::spc::chart_grouped unless noted; "mdc" = qm.spc's default preset: the four MDC
// rules, 3-sigma limits; "qicharts2" = moving-range screening, outside limits + Anhoej runs):
//   xmr          qm::spc::xmr / xmr_grouped (the reference: MDC 2.66 limits, screening, MDC rules)
//   run          run chart, qicharts2 preset (median, Anhoej runs and crossings)
//   i            I chart, qicharts2 preset
//   mr           MR chart, mdc preset
//   xbar_r       Xbar chart of subgroups of 5 observations (points = subgroups), mdc preset: sigma R-bar/d2
//   xbar_s       the same subgroups, Xbar chart of the S family (sigma from the pooled sd)
//   xbar_r/obs,  the same charts in the shapes counted in observations (the data points a
//   xbar_s/obs   subgroup chart takes in): one series of 10^6 observations (200,000 subgroups of 5)
//                and 10,000 series x 60 observations (12 subgroups each); items = observations
//   p, p_const_n p chart: varying denominators (200-3,000 a point), and a constant one per group
//   u            u chart: infections per bed-day (Poisson counts, varying exposure)
//   c            c chart: Poisson counts, mean 4-20
//   p_prime      Laney p' chart: large denominators (5,000-50,000) with extra-binomial variation
//   g            g chart: cases between events (geometric, mean 20-80), qicharts2 preset (median centre)
//   t            t chart: whole days between events (as qm::days_between gives them from event dates;
//                exponential, mean 5-30 days, rounded up)
//   cusum        qm::spc::cusum / cusum_grouped (k = 0.5, h = 5, target and sigma estimated)
//   ewma         qm::spc::ewma / ewma_grouped (lambda = 0.2, L = 3, time-varying limits)
// Every dataset is deterministic (splitmix64, fixed seeds) with a level that moves every 20-400
// points and 1 numerator in 1,000 missing (none for xbar_r, so that every subgroup keeps n = 5).
// The counter `flagged` is the share of points with any rule flag, so that a change of kernel
// cannot quietly turn a benchmark into an easier workload.
//
// After the runs a table gives each family's points/s (the median when --benchmark_repetitions
// is given) and its ratio to the XmR path of the same shape; issue 3 asks for every chart type
// to be at least half as fast per point as the XmR path (ratio >= 0.5).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <string>
#include <tuple>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_rng.hpp"

#include <qm/qm.hpp>
#include <qm/spc/chart.hpp>
#include <qm/spc/cusum.hpp>
#include <qm/spc/ewma.hpp>

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

using qm_bench::Rng;

/// The process level around `base`: moves to base * exp(spread N(0, 1)) (or base + spread N(0, 1)
/// when additive) every 20-400 points.
struct Level {
    double base, spread, value;
    bool additive;
    std::size_t next_shift;
    Level(Rng& rng, double b, double s, bool add) : base(b), spread(s), value(b), additive(add), next_shift(20 + rng.below(380)) {}
    double at(std::size_t i, Rng& rng) {
        if (i == next_shift) {
            value = additive ? base + spread * rng.normal() : base * std::exp(spread * rng.normal());
            next_shift += 20 + rng.below(380);
        }
        return value;
    }
};

enum class Data { performance, counts, between_cases, between_days, proportion, proportion_const_n, rate, laney, subgroups };

struct Dataset {
    std::vector<double> values, denominators;
    std::vector<std::size_t> subgroup_offsets, offsets;
    std::vector<double> targets;
    std::size_t points() const { return offsets.back(); }
};

/// Appends one series of n points of the given kind; `u` in [0, 1) varies the group's parameters.
void append_series(Dataset& d, Data kind, std::size_t n, Rng& rng, double u) {
    switch (kind) {
        case Data::performance: {  // four-hour performance: sd 0.01 around a level near 0.75-0.95
            Level lv(rng, 0.75 + 0.2 * u, 0.01, true);
            for (std::size_t i = 0; i < n; ++i) {
                const double level = lv.at(i, rng);
                d.values.push_back(rng.missing() ? nan : level + 0.01 * rng.normal());
            }
            break;
        }
        case Data::counts: {  // falls, incidents: Poisson, mean 4-20
            Level lv(rng, 4 + 16 * u, 0.15, false);
            for (std::size_t i = 0; i < n; ++i) {
                const double m = lv.at(i, rng);
                d.values.push_back(rng.missing() ? nan : rng.poisson(m));
            }
            break;
        }
        case Data::between_cases: {  // g: cases between events, geometric with mean 20-80
            Level lv(rng, 20 + 60 * u, 0.2, false);
            for (std::size_t i = 0; i < n; ++i) {
                const double m = lv.at(i, rng), p = 1.0 / (1.0 + m);
                d.values.push_back(rng.missing() ? nan : std::floor(std::log(rng.open01()) / std::log1p(-p)));
            }
            break;
        }
        case Data::between_days: {  // t: whole days between events (from event dates), mean 5-30, >= 1
            Level lv(rng, 5 + 25 * u, 0.2, false);
            for (std::size_t i = 0; i < n; ++i) {
                const double m = lv.at(i, rng);
                d.values.push_back(rng.missing() ? nan : std::ceil(-m * std::log(rng.open01())));
            }
            break;
        }
        case Data::proportion:
        case Data::proportion_const_n:
        case Data::laney: {
            const bool laney = kind == Data::laney, constant = kind == Data::proportion_const_n;
            const double n0 = laney ? 5000 + 45000 * u : 200 + 2800 * u;
            Level lv(rng, 0.75 + 0.2 * u, 0.01, true);
            for (std::size_t i = 0; i < n; ++i) {
                const double level = lv.at(i, rng);
                const double den = constant ? std::round(n0) : std::max(20.0, std::round(n0 * (1 + 0.1 * rng.normal())));
                // Laney's case: the true proportion itself wanders (sd 0.01), far more than the binomial sd
                const double p = std::clamp(laney ? level + 0.01 * rng.normal() : level, 0.0, 1.0);
                d.denominators.push_back(den);
                d.values.push_back(rng.missing() ? nan : rng.binomial(den, p));
            }
            break;
        }
        case Data::rate: {  // u: infections per bed-day, exposure 2,000-20,000 bed-days, 2-10 per 1,000
            const double n0 = 2000 + 18000 * u;
            Level lv(rng, 0.002 + 0.008 * u, 0.15, false);
            for (std::size_t i = 0; i < n; ++i) {
                const double rate = lv.at(i, rng);
                const double den = std::max(100.0, std::round(n0 * (1 + 0.1 * rng.normal())));
                d.denominators.push_back(den);
                d.values.push_back(rng.missing() ? nan : rng.poisson(rate * den));
            }
            break;
        }
        case Data::subgroups: {  // audit samples of 5 measurements (minutes), sd 4 around 30-60
            Level lv(rng, 30 + 30 * u, 1.5, true);
            if (d.subgroup_offsets.empty()) d.subgroup_offsets.push_back(0);
            for (std::size_t i = 0; i < n; ++i) {
                const double level = lv.at(i, rng);
                for (int k = 0; k < 5; ++k) d.values.push_back(level + 4 * rng.normal());
                d.subgroup_offsets.push_back(d.values.size());
            }
            break;
        }
    }
}

Dataset make_dataset(Data kind, std::size_t groups, std::size_t per_group, std::uint64_t seed) {
    Dataset d;
    Rng rng{seed};
    d.offsets.push_back(0);
    for (std::size_t g = 0; g < groups; ++g) {
        append_series(d, kind, per_group, rng, groups == 1 ? 0.5 : rng.uniform());
        d.offsets.push_back(d.offsets.back() + per_group);
        d.targets.push_back(nan);
    }
    return d;
}

enum class Engine { xmr, chart, cusum, ewma };

struct Family {
    const char* name;
    Engine engine;
    Data data;
    qm::spc::ChartType chart = qm::spc::ChartType::xmr;
    const char* preset = "mdc";
    int observations = 1;  ///< observations per chart point (5 for the subgroup charts)
    /// the shapes' points are observations (so 1/observations as many chart points), and so are
    /// the items counted
    bool per_observation = false;
};

const std::vector<Family>& families() {
    using C = qm::spc::ChartType;
    static const std::vector<Family> f{
        {"xmr", Engine::xmr, Data::performance},
        {"run", Engine::chart, Data::performance, C::run, "qicharts2"},
        {"i", Engine::chart, Data::performance, C::xmr, "qicharts2"},
        {"mr", Engine::chart, Data::performance, C::mr},
        {"xbar_r", Engine::chart, Data::subgroups, C::xbar_r, "mdc", 5},
        {"xbar_s", Engine::chart, Data::subgroups, C::xbar_s, "mdc", 5},
        {"xbar_r/obs", Engine::chart, Data::subgroups, C::xbar_r, "mdc", 5, true},
        {"xbar_s/obs", Engine::chart, Data::subgroups, C::xbar_s, "mdc", 5, true},
        {"p", Engine::chart, Data::proportion, C::p},
        {"p_const_n", Engine::chart, Data::proportion_const_n, C::p},
        {"u", Engine::chart, Data::rate, C::u},
        {"c", Engine::chart, Data::counts, C::c},
        {"p_prime", Engine::chart, Data::laney, C::p_prime},
        {"g", Engine::chart, Data::between_cases, C::g, "qicharts2"},
        {"t", Engine::chart, Data::between_days, C::t},
        {"cusum", Engine::cusum, Data::performance},
        {"ewma", Engine::ewma, Data::performance},
    };
    return f;
}

constexpr std::size_t kSeriesPoints = 1'000'000, kGroups = 10'000, kPerGroup = 60;

/// Datasets are built on first use and kept (one per data kind and shape), with 1/divide as many
/// chart points as the shape has points (divide 5: a subgroup chart whose shape counts observations).
const Dataset& dataset(Data kind, bool grouped, std::size_t divide = 1) {
    static std::map<std::tuple<int, bool, std::size_t>, Dataset> cache;
    const auto key = std::tuple{static_cast<int>(kind), grouped, divide};
    auto it = cache.find(key);
    if (it == cache.end()) {
        const std::uint64_t seed = 1000 + 17 * static_cast<std::uint64_t>(kind) + (grouped ? 1 : 0);
        it = cache.emplace(key, grouped ? make_dataset(kind, kGroups, kPerGroup / divide, seed)
                                        : make_dataset(kind, 1, kSeriesPoints / divide, seed)).first;
    }
    return it->second;
}

/// Runs family f once over d with `threads`; returns the share of points with any flag.
double run_once(const Family& f, const Dataset& d, unsigned threads, bool count) {
    const bool single = d.offsets.size() == 2;
    auto share = [&](const auto& flags) {
        if (!count) return 0.0;
        std::size_t k = 0;
        for (auto v : flags) k += v != 0;
        return static_cast<double>(k) / static_cast<double>(flags.size());
    };
    switch (f.engine) {
        case Engine::xmr: {
            const qm::spc::XmrResult r =
                single ? qm::spc::xmr(d.values, {.improvement = qm::Improvement::increase})
                       : qm::spc::xmr_grouped({.values = d.values, .offsets = d.offsets, .targets = d.targets}, {}, threads);
            benchmark::DoNotOptimize(r.flags.data());
            benchmark::DoNotOptimize(r.point_type.data());
            return share(r.flags);
        }
        case Engine::chart: {
            const qm::spc::ChartOptions o = qm::spc::chart_preset(f.preset, f.chart);
            qm::spc::ChartInput in{.values = d.values, .offsets = d.offsets, .targets = d.targets};
            in.denominators = d.denominators;
            in.subgroup_offsets = d.subgroup_offsets;
            const qm::spc::ChartResult r = qm::spc::chart_grouped(in, o, threads);
            benchmark::DoNotOptimize(r.flags.data());
            benchmark::DoNotOptimize(r.point_type.data());
            return share(r.flags);
        }
        case Engine::cusum: {
            const qm::spc::CusumResult r = single ? qm::spc::cusum(d.values)
                                                  : qm::spc::cusum_grouped({.values = d.values, .offsets = d.offsets}, {}, threads);
            benchmark::DoNotOptimize(r.flags.data());
            return share(r.flags);
        }
        case Engine::ewma: {
            const qm::spc::EwmaResult r = single ? qm::spc::ewma(d.values)
                                                 : qm::spc::ewma_grouped({.values = d.values, .offsets = d.offsets}, {}, threads);
            benchmark::DoNotOptimize(r.flags.data());
            return share(r.flags);
        }
    }
    return 0.0;
}

void bench(benchmark::State& state, const Family* f, bool grouped, unsigned threads) {
    const std::size_t per = f->per_observation ? static_cast<std::size_t>(f->observations) : 1;
    const Dataset& d = dataset(f->data, grouped, per);
    for (auto _ : state) {
        run_once(*f, d, threads, false);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.points() * per));
    state.counters["flagged"] = run_once(*f, d, threads, true);
}

// ---- the summary: every family against the XmR path of the same shape -----------------------

struct Summary {
    std::map<std::string, std::vector<double>> rate;  // benchmark name -> items/s (per repetition)
    std::map<std::string, double> median;             // from the median aggregate when there is one
};

class SummaryReporter : public benchmark::ConsoleReporter {
public:
    explicit SummaryReporter(Summary& s) : s_(s) {}
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            if (r.error_occurred) continue;
            const auto it = r.counters.find("items_per_second");
            if (it == r.counters.end()) continue;
            std::string name = r.run_name.str();  // "series/c/real_time": the registered name and a suffix
            if (const auto k = name.find("/real_time"); k != std::string::npos) name.erase(k);
            if (r.run_type == Run::RT_Iteration)
                s_.rate[name].push_back(it->second.value);
            else if (r.aggregate_name == "median")
                s_.median[name] = it->second.value;
        }
        ConsoleReporter::ReportRuns(runs);
    }

private:
    Summary& s_;
};

double value_of(const Summary& s, const std::string& name) {
    if (auto m = s.median.find(name); m != s.median.end()) return m->second;
    auto r = s.rate.find(name);
    if (r == s.rate.end() || r->second.empty()) return nan;
    std::vector<double> v = r->second;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

void print_summary(const Summary& s) {
    const char* shapes[] = {"series", "grouped/threads:1", "grouped/threads:2"};
    auto name = [](const std::string& fam, int shape) {
        return shape == 0 ? "series/" + fam : "grouped/" + fam + (shape == 1 ? "/threads:1" : "/threads:2");
    };
    std::printf("\nM points/s and ratio to the XmR path of the same shape (issue 3: ratio >= 0.5)\n");
    std::printf("%-12s", "family");
    for (const char* sh : shapes) std::printf(" | %20s", sh);
    std::printf("\n");
    for (const Family& f : families()) {
        bool any = false;
        for (int sh = 0; sh < 3; ++sh) any = any || value_of(s, name(f.name, sh)) == value_of(s, name(f.name, sh));
        if (!any) continue;
        std::printf("%-12s", f.name);
        for (int sh = 0; sh < 3; ++sh) {
            const double v = value_of(s, name(f.name, sh)), x = value_of(s, name("xmr", sh));
            if (v != v)
                std::printf(" | %20s", "-");
            else if (x != x)
                std::printf(" | %9.1f %10s", v / 1e6, "");
            else
                std::printf(" | %9.1f  (%5.2fx)%s", v / 1e6, v / x, v / x >= 0.5 ? " " : "!");
        }
        std::printf("\n");
    }
    std::printf("(! = below half the XmR path's rate; <chart>/obs: a subgroup chart in the issue's shapes counted in\n"
                " observations, 10^6 and 10,000 x 60 of them in subgroups of 5: M observations/s)\n");
}

}  // namespace

int main(int argc, char** argv) {
    for (const Family& f : families()) {
        benchmark::RegisterBenchmark((std::string("series/") + f.name).c_str(), bench, &f, false, 1u)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        for (unsigned t : {1u, 2u})
            benchmark::RegisterBenchmark(("grouped/" + std::string(f.name) + "/threads:" + std::to_string(t)).c_str(), bench,
                                         &f, true, t)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    Summary summary;
    SummaryReporter reporter(summary);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    print_summary(summary);
    return 0;
}
