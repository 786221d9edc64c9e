// bench_maturity — throughput of maturity scoring, in ratings (long-format rows) per second.
//
//   BM_score/methods:M/threads:T   qm::maturity::score on 1,000 units x 200 criteria x 3 raters
//                                  (600,000 ratings, one round): row checks, ordering by cell,
//                                  rater aggregation (median) with spread/disagreement and pooled
//                                  noise, then every element, domain and the overall of every unit.
//                                  M = 0: weighted mean -> weighted mean -> weakest link;
//                                  M = 1: percent bands -> percent bands (with a cap) -> count rules
//                                  (CQC-like); M = 2: weighted mean -> weakest link -> staged.
//   BM_agreement                   qm::maturity::agreement (Krippendorff's alpha per criterion and
//                                  per scale) on the same 600,000 ratings
//   BM_what_if/methods:M           qm::maturity::what_if for the overall level of all 1,000 units
//                                  (items = units)
//   BM_load_framework              qm::maturity::parse_framework of the generated 200-criterion
//                                  framework (items = frameworks)
//   BM_krippendorff_alpha          100,000 units x 3 raters, ordinal (items = values)
//
// Data are deterministic (splitmix64): each unit has a true level per domain (1-5), raters add
// noise of about one level, and 1 rating in 200 is Not Rated. Run: bench_maturity, or
// cmake --build <dir> --target run_benchmarks.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_rng.hpp"

#include <qm/maturity/maturity.hpp>

namespace {

namespace mt = qm::maturity;

using qm_bench::Rng;

constexpr int n_domains = 5, n_elements = 8, n_criteria = 5;  // 200 criteria
constexpr std::size_t n_units = 1000, n_raters = 3;

/// A 200-criterion framework (5 domains x 8 elements x 5 criteria) with one of three method mixes.
std::string framework_json(int methods) {
    std::string s = R"({"format": "qualitymetrics.maturity/1", "id": "bench", "version": "1",
  "scales": [{"id": "m5", "type": "ordinal", "levels": [{"value": 1, "label": "1"}, {"value": 2, "label": "2"}, {"value": 3, "label": "3"},
              {"value": 4, "label": "4"}, {"value": 5, "label": "5"}]},
             {"id": "bands", "type": "banded", "min": 0, "max": 100, "round": 0, "levels": [{"value": 1, "label": "inadequate", "min": 0},
              {"value": 2, "label": "requires_improvement", "min": 39}, {"value": 3, "label": "good", "min": 63}, {"value": 4, "label": "outstanding", "min": 88}]}],
  "scale": "m5",
  "scoring": )";
    if (methods == 0)
        s += R"({"missing": "exclude", "element": {"method": "weighted_mean"}, "domain": {"method": "weighted_mean"}, "overall": {"method": "weakest_link"}})";
    else if (methods == 1)
        s += R"({"missing": "exclude", "element": {"method": "percent_bands", "bands": "bands"},
                 "domain": {"method": "percent_bands", "over": "children", "use": "level", "bands": "bands",
                            "caps": [{"when": {"where": "<=requires_improvement", "min": 1}, "max": "good", "reason": "limiter"}]},
                 "overall": {"method": "count_rules", "rules": [{"level": "inadequate", "when": [{"where": "=inadequate", "min": 2}]},
                              {"level": "requires_improvement", "when": [{"where": "=requires_improvement", "min": 2}]},
                              {"level": "outstanding", "when": [{"where": "=outstanding", "min": 2}, {"where": ">=good", "min": 5}]},
                              {"level": "good", "when": [{"where": "=inadequate", "max": 0}, {"where": "=requires_improvement", "max": 1}]}],
                             "otherwise": "requires_improvement"}})";
    else
        s += R"({"missing": "exclude", "element": {"method": "weighted_mean"}, "domain": {"method": "weakest_link"},
                 "overall": {"method": "staged", "scale": "m5", "satisfied_at": "3", "base": "1"}})";
    s += R"(, "domains": [)";
    for (int d = 0; d < n_domains; ++d) {
        const std::string did = "d" + std::to_string(d);
        if (d) s += ',';
        s += R"({"id": ")";
        s += did;
        s += R"(", "stage": ")";
        s += std::to_string(2 + d % 4);
        s += R"(", "elements": [)";
        for (int e = 0; e < n_elements; ++e) {
            const std::string eid = did + ".e" + std::to_string(e);
            if (e) s += ',';
            s += R"({"id": ")";
            s += eid;
            s += R"(", "criteria": [)";
            for (int c = 0; c < n_criteria; ++c) {
                if (c) s += ',';
                s += R"({"id": ")";
                s += eid;
                s += ".c";
                s += std::to_string(c);
                s += R"(", "weight": )";
                s += std::to_string(1 + c % 3);
                s += '}';
            }
            s += "]}";
        }
        s += "]}";
    }
    return s + "]}";
}

struct Data {
    std::vector<std::int64_t> unit, rater, criterion;
    std::vector<double> rating;
    std::vector<std::uint8_t> status;
    mt::Assessment view() const {
        mt::Assessment a;
        a.unit = unit, a.rater = rater, a.criterion = criterion, a.rating = rating, a.status = status;
        a.n_units = n_units, a.n_rounds = 1, a.n_raters = n_raters;
        return a;
    }
};

const Data& data() {
    static const Data d = [] {
        Data x;
        Rng rng{2024};
        const std::size_t C = n_domains * n_elements * n_criteria;
        const std::size_t n = n_units * C * n_raters;
        x.unit.reserve(n), x.rater.reserve(n), x.criterion.reserve(n), x.rating.reserve(n), x.status.reserve(n);
        for (std::size_t u = 0; u < n_units; ++u) {
            int truth[n_domains];
            for (int& t : truth) t = 1 + static_cast<int>(rng.below(5));
            for (std::size_t c = 0; c < C; ++c)
                for (std::size_t k = 0; k < n_raters; ++k) {
                    x.unit.push_back(static_cast<std::int64_t>(u));
                    x.rater.push_back(static_cast<std::int64_t>(k));
                    x.criterion.push_back(static_cast<std::int64_t>(c));
                    if (rng.below(200) == 0) {
                        x.rating.push_back(std::numeric_limits<double>::quiet_NaN());
                        x.status.push_back(2);
                        continue;
                    }
                    const int noise = static_cast<int>(rng.below(3)) - 1;
                    x.rating.push_back(std::clamp(truth[c / (n_elements * n_criteria)] + noise, 1, 5));
                    x.status.push_back(0);
                }
        }
        return x;
    }();
    return d;
}

const mt::Framework& framework(int methods) {
    static const mt::Framework fw[3] = {mt::parse_framework(framework_json(0), "bench0.json"),
                                        mt::parse_framework(framework_json(1), "bench1.json"),
                                        mt::parse_framework(framework_json(2), "bench2.json")};
    return fw[methods];
}

void BM_score(benchmark::State& state) {
    const auto& fw = framework(static_cast<int>(state.range(0)));
    const auto a = data().view();
    mt::ScoreOptions o;
    o.threads = static_cast<unsigned>(state.range(1));
    std::size_t flagged = 0;
    for (auto _ : state) {
        auto r = mt::score(fw, a, {}, o);
        benchmark::DoNotOptimize(r.score.data());
        flagged = 0;
        for (auto f : r.flags) flagged += (f & mt::flag::disagreement) != 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * a.size()));
    state.counters["ratings"] = static_cast<double>(a.size());
    state.counters["disagreement"] = static_cast<double>(flagged) / static_cast<double>(n_units * 200);
}
BENCHMARK(BM_score)->ArgsProduct({{0, 1, 2}, {1, 2}})->ArgNames({"methods", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_agreement(benchmark::State& state) {
    const auto& fw = framework(0);
    const auto a = data().view();
    for (auto _ : state) {
        auto r = mt::agreement(fw, a);
        benchmark::DoNotOptimize(r.alpha.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * a.size()));
}
BENCHMARK(BM_agreement)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_what_if(benchmark::State& state) {
    const auto& fw = framework(static_cast<int>(state.range(0)));
    mt::ScoreOptions o;
    const auto r = mt::score(fw, data().view(), {}, o);
    std::size_t changes = 0;
    for (auto _ : state) {
        auto w = mt::what_if(fw, r, {}, 1);
        changes = w.change_node.size();
        benchmark::DoNotOptimize(w.n_changes.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n_units));
    state.counters["changes_per_unit"] = static_cast<double>(changes) / static_cast<double>(n_units);
}
BENCHMARK(BM_what_if)->DenseRange(0, 2)->ArgName("methods")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_load_framework(benchmark::State& state) {
    const std::string text = framework_json(1);
    for (auto _ : state) {
        auto fw = mt::parse_framework(text, "bench.json");
        benchmark::DoNotOptimize(fw.nodes.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_load_framework)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_krippendorff_alpha(benchmark::State& state) {
    const std::size_t U = 100000, K = 3;
    std::vector<double> v(U * K);
    std::vector<std::size_t> off(U + 1);
    Rng rng{7};
    for (std::size_t u = 0; u < U; ++u) {
        off[u] = u * K;
        const double t = 1 + static_cast<double>(rng.below(5));
        for (std::size_t k = 0; k < K; ++k) v[u * K + k] = std::clamp(t + static_cast<double>(rng.below(3)) - 1.0, 1.0, 5.0);
    }
    off[U] = U * K;
    double alpha = 0.0;
    for (auto _ : state) {
        auto r = mt::krippendorff_alpha(v, off, mt::Metric::ordinal);
        alpha = r.alpha;
        benchmark::DoNotOptimize(alpha);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * v.size()));
    state.counters["alpha"] = alpha;
}
BENCHMARK(BM_krippendorff_alpha)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
