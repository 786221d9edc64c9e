// qm_output_hash — one hash of every output bit of the SPC kernels on randomised input, for
// speed work that must not change any result.
//
// It runs xmr_grouped, chart_grouped (every chart, the four presets, Xbar/R/S from subgroups;
// the Nelson and Western Electric rule sets on XmR, p and u),
// cusum_grouped and ewma_grouped on 3,000 deterministic random data sets (splitmix64-seeded
// mt19937_64, raw integers only, so every platform draws the same numbers): missing values and
// denominators, a few bad rows (the error message is hashed instead), phases, exclusions, frozen
// baselines, clipping, one and two threads. Build it at two commits and compare the last line:
//
//   git worktree add /tmp/before <commit>
//   cmake -S /tmp/before -B /tmp/before/build -DCMAKE_BUILD_TYPE=Release
//   cmake --build /tmp/before/build --target qm_output_hash
//   cmake --build build/bench --target qm_output_hash
//   /tmp/before/build/benchmarks/qm_output_hash; build/bench/benchmarks/qm_output_hash
//
// (the same compiler and flags for both: -march and -ffp-contract change the last bits).
// `qm_output_hash N` runs N data sets instead of 3,000.

#include <qm/qm.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace qm::spc;

struct Hash {
    unsigned long long h = 1469598103934665603ULL;  // FNV-1a
    void bytes(const void* p, std::size_t n) {
        const auto* c = static_cast<const unsigned char*>(p);
        for (std::size_t i = 0; i < n; ++i) {
            h ^= c[i];
            h *= 1099511628211ULL;
        }
    }
    template <class T, class A>
    void col(const std::vector<T, A>& v) {
        bytes(v.data(), v.size() * sizeof(T));
        const std::size_t n = v.size();
        bytes(&n, sizeof n);
    }
    void text(const char* s) { bytes(s, std::strlen(s)); }
};

struct Data {
    std::vector<std::size_t> offsets{0}, phases, sub_offsets{0};
    std::vector<double> y, d, obs, targets;
    std::vector<std::uint8_t> exclude;
};

Data draw(std::mt19937_64& rng, int rep) {
    Data x;
    const std::size_t G = 1 + rng() % 4;
    for (std::size_t g = 0; g < G; ++g) x.offsets.push_back(x.offsets.back() + 1 + rng() % (rep % 5 == 0 ? 300 : 40));
    const std::size_t n = x.offsets.back();
    x.y.resize(n);
    x.d.resize(n);
    const bool constant_d = rng() % 3 == 0;
    const double d0 = static_cast<double>(50 + rng() % 500);
    for (std::size_t i = 0; i < n; ++i) {
        x.d[i] = constant_d ? d0 : static_cast<double>(1 + rng() % 400);
        x.y[i] = static_cast<double>(rng() % (static_cast<std::size_t>(x.d[i]) + 1));
        if (rng() % 4 == 0) x.y[i] = static_cast<double>(rng() % 3);
        if (rng() % 30 == 0) x.y[i] = NAN;
        if (rng() % 50 == 0) x.d[i] = NAN;
        if (rep % 7 == 0 && rng() % 400 == 0) x.y[i] = x.d[i] + 1;  // a bad row: the message is hashed
    }
    if (rng() % 3 == 0)
        for (std::size_t g = 0; g < G; ++g)
            if (x.offsets[g + 1] - x.offsets[g] > 10) x.phases.push_back(x.offsets[g] + (x.offsets[g + 1] - x.offsets[g]) / 2);
    if (rng() % 4 == 0) {
        x.exclude.resize(n);
        for (auto& e : x.exclude) e = rng() % 10 == 0;
    }
    for (std::size_t g = 0; g < G; ++g) x.targets.push_back(rng() % 3 == 0 ? NAN : static_cast<double>(rng() % 400) / 400);
    // subgroups of 1-8 observations (a size-1 subgroup is an error for Xbar-S), one per row
    const std::size_t smallest = rep % 9 == 0 ? 1 : 2;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t m = rng() % 7 == 0 ? smallest + rng() % (9 - smallest) : 5;
        for (std::size_t j = 0; j < m; ++j)
            x.obs.push_back(rng() % 60 == 0 ? NAN : static_cast<double>(rng() % 100000) / 1000.0);
        x.sub_offsets.push_back(x.obs.size());
    }
    return x;
}

void chart_columns(Hash& h, const ChartResult& r) {
    // the per-point recipe columns are specified for the points of varying phases only: the
    // others hashed as 0.0, as they were when these columns were zero-initialised
    auto varying = [&r](const qm::Column<double>& c) {
        std::vector<double> v(c.begin(), c.end());
        for (std::size_t p = 0; p < r.phases() && !v.empty(); ++p)
            if (!r.phase_lines_vary[p]) std::fill(v.begin() + r.phase_begin[p], v.begin() + r.phase_end[p], 0.0);
        return v;
    };
    h.col(r.statistic), h.col(r.flags), h.col(r.point_type), h.col(varying(r.point_sigma)), h.col(varying(r.point_centre));
    h.col(varying(r.point_ceiling)), h.col(r.lines.centre), h.col(r.lines.lower), h.col(r.lines.upper);
    h.col(r.lines.lower_1sigma), h.col(r.lines.upper_1sigma), h.col(r.lines.lower_2sigma), h.col(r.lines.upper_2sigma);
    h.col(r.phase_lines_vary), h.col(r.phase_n_used), h.col(r.phase_n_screened), h.col(r.phase_centre);
    h.col(r.phase_mean), h.col(r.phase_sigma), h.col(r.phase_sufficient), h.col(r.runs_n_useful);
    h.col(r.runs_longest), h.col(r.runs_crossings), h.col(r.runs_signal), h.col(r.variation_icon);
    h.col(r.assurance_icon);
    const LineColumns pl = r.point_lines();
    h.col(pl.lower), h.col(pl.upper), h.col(pl.upper_2sigma), h.col(pl.lower_1sigma);
}

template <class Run>
void guarded(Hash& h, long& errors, Run run) {
    try {
        run();
    } catch (const std::exception& e) {
        ++errors;
        h.text(e.what());
    }
}

}  // namespace

int main(int argc, char** argv) {
    const int reps = argc > 1 ? std::atoi(argv[1]) : 3000;
    std::mt19937_64 rng(42);
    Hash h;
    long calls = 0, errors = 0;
    const ChartType counted[] = {ChartType::run, ChartType::xmr, ChartType::mr, ChartType::c, ChartType::g,
                                 ChartType::t, ChartType::p, ChartType::np, ChartType::u, ChartType::p_prime,
                                 ChartType::u_prime, ChartType::xbar_r, ChartType::xbar_s};
    for (int rep = 0; rep < reps; ++rep) {
        const Data x = draw(rng, rep);
        for (unsigned threads : {1u, 2u}) {
            // MDC XmR (both presets), with targets and phases
            for (const char* name : {"mdc", "shewhart"}) {
                XmrOptions o = preset(name);
                if (rng() % 3 == 0) o.fix_after = 12 + rng() % 10;
                std::vector<double> v = x.y;
                ++calls;
                guarded(h, errors, [&] {
                    const XmrResult r = xmr_grouped({v, x.offsets, x.targets, x.phases, qm::Improvement::decrease}, o, threads);
                    h.col(r.flags), h.col(r.point_type), h.col(r.centre), h.col(r.mean_moving_range), h.col(r.lower);
                    h.col(r.upper), h.col(r.lower_2sigma), h.col(r.upper_1sigma), h.col(r.phase_n_screened);
                    h.col(r.variation_icon), h.col(r.assurance_icon);
                });
            }
            // the chart catalogue
            for (ChartType chart : counted) {
                const bool sub = chart == ChartType::xbar_r || chart == ChartType::xbar_s;
                const bool ratio = chart == ChartType::p || chart == ChartType::np || chart == ChartType::u ||
                                   chart == ChartType::p_prime || chart == ChartType::u_prime;
                std::vector<double> v = x.y;
                if (chart == ChartType::t)
                    for (double& e : v) e = e == e ? e + 1 : e;
                for (const char* preset_name : {"mdc", "qicharts2", "qcc", "shewhart"}) {
                    ChartOptions o = chart_preset(preset_name, chart);
                    if (rng() % 3 == 0) o.fix_after = 5 + rng() % 20;
                    if (rng() % 2) o.limits.missing_denominator_is_error = false;
                    if (rng() % 3 == 0) o.limits.clip = !o.limits.clip;
                    if (sub && rng() % 2) o.dispersion = true;
                    ChartInput in;
                    in.values = sub ? std::span<const double>(x.obs) : std::span<const double>(v);
                    if (sub) in.subgroup_offsets = x.sub_offsets;
                    if (ratio) in.denominators = x.d;
                    in.offsets = x.offsets;
                    in.phase_starts = x.phases;
                    in.exclude = x.exclude;
                    in.targets = x.targets;
                    ++calls;
                    guarded(h, errors, [&] { chart_columns(h, chart_grouped(in, o, threads)); });
                }
                // every rule (Nelson 1-8; Western Electric 1-4 with the lines of the window's last
                // point, as qcc), on the charts with one set of lines and with lines per point
                if (chart == ChartType::xmr || chart == ChartType::p || chart == ChartType::u)
                    for (const char* set_name : {"nelson", "western_electric"}) {
                        ChartOptions o = chart_preset("shewhart", chart);
                        o.rules = rule_set(set_name);
                        o.rules.flag_mode = rng() % 2 ? FlagMode::pattern : FlagMode::completing;
                        ChartInput in;
                        in.values = v;
                        if (ratio) in.denominators = x.d;
                        in.offsets = x.offsets;
                        in.phase_starts = x.phases;
                        in.targets = x.targets;
                        ++calls;
                        guarded(h, errors, [&] { chart_columns(h, chart_grouped(in, o, threads)); });
                    }
            }
            // CUSUM and EWMA (individual values; μ0 and σ estimated or given)
            std::vector<double> sigmas(x.targets.size(), rng() % 2 ? NAN : 7.5);
            const TimeWeightedInput tw{x.y, x.offsets, {}, {}, {}, sigmas};
            CusumOptions co;
            co.fast_initial_response = rng() % 3 == 0;
            co.reset_after_signal = rng() % 3 == 0;
            if (rng() % 3 == 0) co.fix_after = 10;
            ++calls;
            guarded(h, errors, [&] {
                const CusumResult r = cusum_grouped(tw, co, threads);
                h.col(r.upper_sum), h.col(r.lower_sum), h.col(r.upper_sum_std), h.col(r.lower_sum_std);
                h.col(r.decision_interval), h.col(r.upper_run), h.col(r.lower_run), h.col(r.flags), h.col(r.target);
                h.col(r.sigma), h.col(r.first_signal);
            });
            EwmaOptions eo;
            if (rng() % 2) eo.limits = EwmaLimits::asymptotic;
            ++calls;
            guarded(h, errors, [&] {
                const EwmaResult r = ewma_grouped(tw, eo, threads);
                h.col(r.statistic), h.col(r.centre), h.col(r.lower), h.col(r.upper), h.col(r.flags), h.col(r.sigma);
            });
        }
    }
    std::printf("%ld calls (%ld errors) over %d data sets\nhash %016llx\n", calls, errors, reps, h.h);
    return 0;
}
