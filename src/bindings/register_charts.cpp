// Bindings for the chart catalogue (qm/spc/chart.hpp), CUSUM and EWMA.
#include <qm/spc/chart.hpp>
#include <qm/spc/cusum.hpp>
#include <qm/spc/ewma.hpp>

#include "prelude.hpp"

namespace qm::bind {

void register_charts(py::module_& m) {
    py::list names;
    for (auto n : spc::rule_names) names.append(std::string(n));
    m.attr("RULE_NAMES") = names;
    py::list sets;
    for (auto n : spc::rule_set_names()) sets.append(std::string(n));
    m.attr("RULE_SET_NAMES") = sets;

    m.def(
        "chart_rules",
        [](const std::string& chart, const std::string& preset, const py::handle& rules_obj) {
            const auto o = spc::chart_preset(preset, spc::parse_chart(chart));
            return static_cast<unsigned>(rules_from(rules_obj, o.rules).rules);
        },
        py::arg("chart"), py::arg("preset"), py::arg("rules"), "The rule bits a chart would evaluate.");

    m.def(
        "chart_grouped",
        [](const py::handle& values_obj, const py::handle& den_obj, const py::handle& subgroup_obj,
           const py::handle& offsets_obj, const py::handle& targets_obj, const py::handle& phase_obj,
           const py::handle& exclude_obj, const std::string& improvement, const std::string& chart,
           const std::string& preset, const py::handle& rules_obj, std::size_t fix_after, bool dispersion,
           unsigned threads) {
            spc::ChartOptions o = spc::chart_preset(preset, spc::parse_chart(chart));
            o.rules = rules_from(rules_obj, o.rules);
            o.fix_after = fix_after;
            o.dispersion = dispersion;
            spc::ChartInput in;
            in.values = view<double>(values_obj, "value");
            in.denominators = optional_view<double>(den_obj, "denominator");
            in.subgroup_offsets = optional_index(subgroup_obj, "subgroup");
            in.offsets = view_index(offsets_obj, "offsets");
            in.targets = optional_view<double>(targets_obj, "target");
            in.phase_starts = optional_index(phase_obj, "rebase");
            in.exclude = optional_view<std::uint8_t>(exclude_obj, "exclude");
            in.improvement = parse_improvement(improvement);
            spc::ChartResult r;
            spc::LineColumns lines;
            {
                py::gil_scoped_release release;
                r = spc::chart_grouped(in, o, threads);
                // Lines: one row per phase when every phase has one set (charts.py repeats them per
                // point), else one per point (expanded here, in C++, from each point's σ_i).
                lines = r.lines_per_phase() ? std::move(r.lines) : r.point_lines();
            }
            py::dict d;
            d["rules"] = static_cast<unsigned>(o.rules.rules);
            d["statistic"] = to_numpy(std::move(r.statistic));
            put_lines(d, lines);
            d["flags"] = to_numpy(std::move(r.flags));
            d["point_type"] = to_numpy<PointType, std::int8_t>(std::move(r.point_type));
            for (auto [name, v] : {std::pair{"phase_group", &r.phase_group}, {"phase_begin", &r.phase_begin},
                                   {"phase_end", &r.phase_end}, {"phase_n_used", &r.phase_n_used},
                                   {"phase_n_screened", &r.phase_n_screened}, {"runs_n_useful", &r.runs_n_useful},
                                   {"runs_longest", &r.runs_longest}, {"runs_longest_max", &r.runs_longest_max},
                                   {"runs_crossings", &r.runs_crossings}, {"runs_crossings_min", &r.runs_crossings_min},
                                   {"group_phase_offsets", &r.group_phase_offsets}})
                d[name] = to_numpy<std::size_t, std::int64_t>(std::move(*v));
            d["phase_centre"] = to_numpy(std::move(r.phase_centre));
            d["phase_mean"] = to_numpy(std::move(r.phase_mean));
            d["phase_sigma"] = to_numpy(std::move(r.phase_sigma));
            d["phase_short"] = to_numpy(std::move(r.phase_short));
            d["phase_sufficient"] = to_numpy(std::move(r.phase_sufficient));
            d["runs_signal"] = to_numpy(std::move(r.runs_signal));
            d["variation_icon"] = to_numpy<VariationIcon, std::int8_t>(std::move(r.variation_icon));
            d["assurance_icon"] = to_numpy<AssuranceIcon, std::int8_t>(std::move(r.assurance_icon));
            return d;
        },
        py::arg("values"), py::arg("denominators"), py::arg("subgroup_offsets"), py::arg("offsets"),
        py::arg("targets"), py::arg("phase_starts"), py::arg("exclude"), py::arg("improvement"), py::arg("chart"),
        py::arg("preset"), py::arg("rules"), py::arg("fix_after") = 0, py::arg("dispersion") = false,
        py::arg("threads") = 0, "Any Shewhart chart for every group of a long-format series; a dict of numpy columns.");

    m.def(
        "time_weighted",
        [](const std::string& kind, const py::handle& values_obj, const py::handle& offsets_obj,
           const py::handle& sizes_obj, const py::handle& targets_obj, const py::handle& sigmas_obj,
           std::size_t fix_after, double k, double h, bool fir, bool reset, double lambda, double limit_sigmas,
           const std::string& limits, unsigned threads) {
            spc::TimeWeightedInput in;
            in.values = view<double>(values_obj, "value");
            in.offsets = view_index(offsets_obj, "offsets");
            in.sizes = optional_view<double>(sizes_obj, "subgroup size");
            in.targets = optional_view<double>(targets_obj, "target");
            in.sigmas = optional_view<double>(sigmas_obj, "sigma");
            py::dict d;
            auto groups = [&](spc::TimeWeightedGroups& g) {
                d["target"] = to_numpy(std::move(g.target));
                d["sigma"] = to_numpy(std::move(g.sigma));
                d["n_baseline"] = to_numpy<std::size_t, std::int64_t>(std::move(g.n_baseline));
                std::vector<std::int64_t> first(g.first_signal.size());
                for (std::size_t i = 0; i < first.size(); ++i)
                    first[i] = g.first_signal[i] == npos ? -1 : static_cast<std::int64_t>(g.first_signal[i]);
                d["first_signal"] = to_numpy(std::move(first));
            };
            if (kind == "cusum") {
                spc::CusumOptions o;
                o.k = k;
                o.h = h;
                o.fast_initial_response = fir;
                o.reset_after_signal = reset;
                o.fix_after = fix_after;
                spc::CusumResult r;
                {
                    py::gil_scoped_release release;
                    r = spc::cusum_grouped(in, o, threads);
                }
                d["upper_sum"] = to_numpy(std::move(r.upper_sum));
                d["lower_sum"] = to_numpy(std::move(r.lower_sum));
                d["decision_interval"] = to_numpy(std::move(r.decision_interval));
                d["flags"] = to_numpy(std::move(r.flags));
                groups(r);
            } else if (kind == "ewma") {
                spc::EwmaOptions o;
                o.lambda = lambda;
                o.limit_sigmas = limit_sigmas;
                o.fix_after = fix_after;
                if (limits == "time_varying") o.limits = spc::EwmaLimits::time_varying;
                else if (limits == "asymptotic") o.limits = spc::EwmaLimits::asymptotic;
                else if (limits == "exact_variance") o.limits = spc::EwmaLimits::exact_variance;
                else fail_argument("limits", "must be 'time_varying', 'asymptotic' or 'exact_variance', got '" + limits + "'");
                spc::EwmaResult r;
                {
                    py::gil_scoped_release release;
                    r = spc::ewma_grouped(in, o, threads);
                }
                d["statistic"] = to_numpy(std::move(r.statistic));
                d["centre"] = to_numpy(std::move(r.centre));
                d["lower"] = to_numpy(std::move(r.lower));
                d["upper"] = to_numpy(std::move(r.upper));
                d["flags"] = to_numpy(std::move(r.flags));
                groups(r);
            } else {
                fail_argument("chart", "unknown time-weighted chart '" + kind + "'");
            }
            return d;
        },
        py::arg("kind"), py::arg("values"), py::arg("offsets"), py::arg("sizes"), py::arg("targets"), py::arg("sigmas"),
        py::arg("fix_after") = 0, py::arg("k") = 0.5, py::arg("h") = 5.0, py::arg("fast_initial_response") = false,
        py::arg("reset_after_signal") = false, py::arg("lam") = 0.2, py::arg("limit_sigmas") = 3.0,
        py::arg("limits") = "time_varying", py::arg("threads") = 0,
        "Tabular CUSUM or EWMA for every group of a long-format series.");
}

}  // namespace qm::bind
