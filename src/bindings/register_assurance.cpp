// Bindings for qm/assurance: funnel plots and benchmark comparison with confidence intervals.
#include <qm/assurance/assurance.hpp>

#include "prelude.hpp"

namespace qm::bind {

namespace {

using namespace qm::assurance;

template <class E, std::size_t N>
py::list names(const std::array<E, N>& values) {
    py::list out;
    for (E v : values) out.append(std::string(to_string(v)));
    return out;
}

py::dict funnel_columns(FunnelResult&& r) {
    py::dict d;
    d["value"] = to_numpy(std::move(r.value));
    d["z"] = to_numpy(std::move(r.z));
    d["z_adjusted"] = to_numpy(std::move(r.z_adjusted));
    d["trimmed"] = to_numpy(std::move(r.trimmed));
    d["lower_95"] = to_numpy(std::move(r.lower_95));
    d["upper_95"] = to_numpy(std::move(r.upper_95));
    d["lower_998"] = to_numpy(std::move(r.lower_998));
    d["upper_998"] = to_numpy(std::move(r.upper_998));
    d["lower_95_unadjusted"] = to_numpy(std::move(r.lower_95_unadjusted));
    d["upper_95_unadjusted"] = to_numpy(std::move(r.upper_95_unadjusted));
    d["lower_998_unadjusted"] = to_numpy(std::move(r.lower_998_unadjusted));
    d["upper_998_unadjusted"] = to_numpy(std::move(r.upper_998_unadjusted));
    d["band"] = to_numpy<FunnelBand, std::int8_t>(std::move(r.band));
    d["outlier"] = to_numpy(std::move(r.outlier));
    d["point_type"] = to_numpy<PointType, std::int8_t>(std::move(r.point_type));
    return d;
}

py::dict curve_columns(FunnelCurve&& c) {
    py::dict d;
    d["denominator"] = to_numpy(std::move(c.denominator));
    d["lower_95"] = to_numpy(std::move(c.lower_95));
    d["upper_95"] = to_numpy(std::move(c.upper_95));
    d["lower_998"] = to_numpy(std::move(c.lower_998));
    d["upper_998"] = to_numpy(std::move(c.upper_998));
    d["lower_95_unadjusted"] = to_numpy(std::move(c.lower_95_unadjusted));
    d["upper_95_unadjusted"] = to_numpy(std::move(c.upper_95_unadjusted));
    d["lower_998_unadjusted"] = to_numpy(std::move(c.lower_998_unadjusted));
    d["upper_998_unadjusted"] = to_numpy(std::move(c.upper_998_unadjusted));
    return d;
}

/// An enum option exposed as its string name.
template <class E, E FunnelOptions::*Member, E (*Parse)(std::string_view)>
void enum_property(py::class_<FunnelOptions>& cls, const char* name) {
    cls.def_property(
        name, [](const FunnelOptions& o) { return std::string(to_string(o.*Member)); },
        [](FunnelOptions& o, const std::string& s) { o.*Member = Parse(s); });
}

}  // namespace

void register_assurance(py::module_& m) {
    py::class_<FunnelOptions> opts(m, "FunnelOptions",
                                   "Options of a funnel plot (defaults: Spiegelhalter 2005; see qm/assurance/funnel.hpp).");
    opts.def(py::init<>());
    enum_property<FunnelType, &FunnelOptions::type, parse_funnel_type>(opts, "type");
    enum_property<FunnelScale, &FunnelOptions::scale, parse_funnel_scale>(opts, "scale");
    enum_property<FunnelLimits, &FunnelOptions::limits, parse_funnel_limits>(opts, "limits");
    enum_property<Overdispersion, &FunnelOptions::overdispersion, parse_overdispersion>(opts, "overdispersion");
    enum_property<Trim, &FunnelOptions::trim, parse_trim>(opts, "trim");
    opts.def_property(
            "improvement", [](const FunnelOptions& o) { return std::string(to_string(o.improvement)); },
            [](FunnelOptions& o, const std::string& s) { o.improvement = parse_improvement(s); })
        .def_readwrite("trim_fraction", &FunnelOptions::trim_fraction)
        .def_readwrite("adjust_only_if_overdispersed", &FunnelOptions::adjust_only_if_overdispersed)
        .def_readwrite("target", &FunnelOptions::target)
        .def_readwrite("multiplier", &FunnelOptions::multiplier)
        .def_readwrite("level", &FunnelOptions::level)
        .def_readwrite("z_95", &FunnelOptions::z_95)
        .def_readwrite("z_998", &FunnelOptions::z_998)
        .def_readwrite("square_back_sqrt", &FunnelOptions::square_back_sqrt)
        .def_readwrite("funnelplotr_ratio_of_counts", &FunnelOptions::funnelplotr_ratio_of_counts)
        .def_readwrite("round_expected", &FunnelOptions::round_expected)
        .def_readwrite("minimum_events", &FunnelOptions::minimum_events)
        .def_readwrite("exact_below", &FunnelOptions::exact_below)
        .def_property_readonly("resolved_scale",
                               [](const FunnelOptions& o) { return std::string(to_string(o.resolved_scale())); })
        .def("validate", &FunnelOptions::validate)
        .def("as_dict", [](const FunnelOptions& o) {
            py::dict d;
            d["type"] = std::string(to_string(o.type));
            d["scale"] = std::string(to_string(o.resolved_scale()));
            d["limits"] = std::string(to_string(o.limits));
            d["overdispersion"] = std::string(to_string(o.overdispersion));
            d["trim"] = std::string(to_string(o.trim));
            d["trim_fraction"] = o.trim_fraction;
            d["adjust_only_if_overdispersed"] = o.adjust_only_if_overdispersed;
            d["target"] = o.target;
            d["multiplier"] = o.multiplier;
            d["level"] = o.level;
            d["improvement"] = std::string(to_string(o.improvement));
            d["z_95"] = o.z_95;
            d["z_998"] = o.z_998;
            d["square_back_sqrt"] = o.square_back_sqrt;
            d["funnelplotr_ratio_of_counts"] = o.funnelplotr_ratio_of_counts;
            d["round_expected"] = o.round_expected;
            d["minimum_events"] = o.minimum_events;
            d["exact_below"] = o.exact_below;
            return d;
        });

    py::class_<FunnelModel>(m, "FunnelModel", "What a funnel was fitted to: target, phi, tau2; limits at any denominator.")
        .def_readonly("options", &FunnelModel::options)
        .def_readonly("target", &FunnelModel::target)
        .def_readonly("target_scaled", &FunnelModel::target_scaled)
        .def_readonly("phi", &FunnelModel::phi)
        .def_readonly("tau2", &FunnelModel::tau2)
        .def_readonly("n_units", &FunnelModel::n_units)
        .def_readonly("n_used", &FunnelModel::n_used)
        .def_readonly("dispersion_p", &FunnelModel::dispersion_p)
        .def_property_readonly("status", [](const FunnelModel& mo) { return std::string(to_string(mo.status)); })
        .def_property_readonly("adjusted", &FunnelModel::adjusted)
        .def(
            "curve",
            [](const FunnelModel& mo, const py::handle& den_obj) {
                auto den = view<double>(den_obj, "denominators");
                FunnelCurve c;
                {
                    py::gil_scoped_release release;
                    c = funnel_curve(mo, den);
                }
                return curve_columns(std::move(c));
            },
            py::arg("denominators"), "The 95% and 99.8% limits at the given denominators (dict of numpy columns).");

    m.def("funnel_preset", [](const std::string& name, const std::string& type) { return funnel_preset(name, parse_funnel_type(type)); },
          py::arg("name"), py::arg("type"), "The FunnelOptions of a named preset for a funnel type.");
    m.def("funnel_preset_names", [] {
        std::vector<std::string> out;
        for (auto n : funnel_preset_names()) out.emplace_back(n);
        return out;
    });
    m.def(
        "funnel",
        [](const py::handle& num_obj, const py::handle& den_obj, const FunnelOptions& options, unsigned threads) {
            auto num = view<double>(num_obj, "numerator");
            auto den = view<double>(den_obj, "denominator");
            FunnelResult r;
            {
                py::gil_scoped_release release;
                r = funnel(num, den, options, threads);
            }
            FunnelModel model = r.model;
            return py::make_tuple(model, funnel_columns(std::move(r)));
        },
        py::arg("numerator"), py::arg("denominator"), py::arg("options"), py::arg("threads") = 0,
        "Funnel plot of units against a benchmark: (FunnelModel, dict of numpy columns per unit).");
    m.def(
        "funnel_grid",
        [](double lowest, double highest, std::size_t n, bool integers) {
            return to_numpy(funnel_grid(lowest, highest, n, integers));
        },
        py::arg("lowest"), py::arg("highest"), py::arg("n"), py::arg("integers") = false);
    m.def(
        "phe_funnel_limits",
        [](const std::string& statistic, const py::handle& num_obj, const py::handle& den_obj, double multiplier,
           const std::string& ratio_type, double years_of_data) {
            PheFunnelInput in;
            in.statistic = parse_funnel_type(statistic);
            in.numerator = view<double>(num_obj, "numerator");
            in.denominator = view<double>(den_obj, "denominator");
            in.multiplier = multiplier;
            if (ratio_type == "count") in.ratio_type = PheRatioType::count;
            else if (ratio_type == "isr") in.ratio_type = PheRatioType::isr;
            else fail_argument("ratio_type", "must be 'count' or 'isr', got '" + ratio_type + "'");
            in.years_of_data = years_of_data;
            PheFunnelTable t = phe_funnel_limits(in);
            py::dict d;
            d["axis"] = to_numpy(std::move(t.axis));
            d["lower_95"] = to_numpy(std::move(t.lower_95));
            d["upper_95"] = to_numpy(std::move(t.upper_95));
            d["lower_998"] = to_numpy(std::move(t.lower_998));
            d["upper_998"] = to_numpy(std::move(t.upper_998));
            d["lower_95_axis"] = to_numpy(std::move(t.lower_95_axis));
            d["upper_95_axis"] = to_numpy(std::move(t.upper_95_axis));
            d["lower_998_axis"] = to_numpy(std::move(t.lower_998_axis));
            d["upper_998_axis"] = to_numpy(std::move(t.upper_998_axis));
            d["baseline"] = t.baseline;
            d["average"] = t.average;
            return d;
        },
        py::arg("statistic"), py::arg("numerator"), py::arg("denominator"), py::arg("multiplier"),
        py::arg("ratio_type") = "isr", py::arg("years_of_data") = 1.0,
        "PHEindicatormethods calculate_funnel_limits: the table on its 100-point axis.");
    m.def(
        "phe_rate_denominators",
        [](const py::handle& num_obj, const py::handle& den_obj, const py::handle& rate_obj, double multiplier,
           const std::string& rate_type) {
            auto num = view<double>(num_obj, "numerator");
            std::span<const double> den;
            if (!den_obj.is_none()) den = view<double>(den_obj, "denominator");
            auto rate = view<double>(rate_obj, "rate");
            PheRateType t;
            if (rate_type == "dsr") t = PheRateType::dsr;
            else if (rate_type == "crude") t = PheRateType::crude;
            else fail_argument("rate_type", "must be 'dsr' or 'crude', got '" + rate_type + "'");
            return to_numpy(phe_rate_denominators(num, den, rate, multiplier, t));
        },
        py::arg("numerator"), py::arg("denominator"), py::arg("rate"), py::arg("multiplier"), py::arg("rate_type"));

    m.attr("FUNNEL_BANDS") = names(std::array{FunnelBand::low_998, FunnelBand::low_95, FunnelBand::within,
                                              FunnelBand::high_95, FunnelBand::high_998, FunnelBand::missing,
                                              FunnelBand::not_applicable});

    // ---- comparison
    m.def(
        "compare",
        [](const std::string& statistic, const py::handle& num_obj, const py::handle& den_obj,
           const py::handle& std_obj, const py::handle& off_obj, const py::handle& bm_obj, const std::string& method,
           const std::string& polarity, double multiplier, double exact_below, double dsr_minimum_events,
           unsigned threads) {
            CompareOptions o;
            o.statistic = parse_statistic(statistic);
            o.method = parse_compare_method(method);
            o.polarity = parse_improvement(polarity);
            o.multiplier = multiplier;
            o.exact_below = exact_below;
            o.dsr_minimum_events = dsr_minimum_events;
            CompareInput in;
            in.numerator = view<double>(num_obj, "numerator");
            if (!den_obj.is_none()) in.denominator = view<double>(den_obj, "denominator");
            if (!std_obj.is_none()) in.standard = view<double>(std_obj, "standard");
            if (!off_obj.is_none()) in.offsets = view_index(off_obj, "offsets");
            in.benchmark = view<double>(bm_obj, "benchmark");
            CompareResult r;
            {
                py::gil_scoped_release release;
                r = compare(in, o, threads);
            }
            py::dict d;
            d["value"] = to_numpy(std::move(r.value));
            d["lower_95"] = to_numpy(std::move(r.lower_95));
            d["upper_95"] = to_numpy(std::move(r.upper_95));
            d["lower_998"] = to_numpy(std::move(r.lower_998));
            d["upper_998"] = to_numpy(std::move(r.upper_998));
            d["numerator"] = to_numpy(std::move(r.numerator));
            d["denominator"] = to_numpy(std::move(r.denominator));
            d["benchmark"] = to_numpy(std::move(r.benchmark));
            d["comparison_95"] = to_numpy<Comparison, std::int8_t>(std::move(r.comparison_95));
            d["comparison_998"] = to_numpy<Comparison, std::int8_t>(std::move(r.comparison_998));
            d["comparison"] = to_numpy<TwoLevelComparison, std::int8_t>(std::move(r.comparison));
            d["status"] = to_numpy<CompareStatus, std::int8_t>(std::move(r.status));
            return d;
        },
        py::arg("statistic"), py::arg("numerator"), py::arg("denominator"), py::arg("standard"), py::arg("offsets"),
        py::arg("benchmark"), py::arg("method") = "ci", py::arg("polarity") = "increase", py::arg("multiplier") = 1.0,
        py::arg("exact_below") = 10.0, py::arg("dsr_minimum_events") = 10.0, py::arg("threads") = 0,
        "Values with 95% and 99.8% confidence intervals classed against a benchmark (dict of numpy columns).");
    m.def(
        "pooled_benchmark",
        [](const std::string& statistic, const py::handle& num_obj, const py::handle& den_obj, double multiplier) {
            CompareOptions o;
            o.statistic = parse_statistic(statistic);
            o.multiplier = multiplier;
            CompareInput in;
            in.numerator = view<double>(num_obj, "numerator");
            if (!den_obj.is_none()) in.denominator = view<double>(den_obj, "denominator");
            std::vector<std::size_t> offsets;
            if (o.statistic == Statistic::mean) {
                offsets = {0, in.numerator.size()};
                in.offsets = offsets;
            }
            return pooled_benchmark(in, o);
        },
        py::arg("statistic"), py::arg("numerator"), py::arg("denominator"), py::arg("multiplier") = 1.0,
        "The benchmark of all units together (e.g. sum of numerators / sum of denominators × multiplier).");
    m.attr("COMPARISONS") = names(std::array{Comparison::not_compared, Comparison::similar, Comparison::better,
                                             Comparison::worse, Comparison::higher, Comparison::lower});
    m.attr("TWO_LEVEL_COMPARISONS") =
        names(std::array{TwoLevelComparison::not_compared, TwoLevelComparison::similar, TwoLevelComparison::better_95,
                         TwoLevelComparison::better_998, TwoLevelComparison::worse_95, TwoLevelComparison::worse_998,
                         TwoLevelComparison::higher_95, TwoLevelComparison::higher_998, TwoLevelComparison::lower_95,
                         TwoLevelComparison::lower_998});
    m.attr("COMPARE_STATUSES") = names(std::array{CompareStatus::ok, CompareStatus::missing, CompareStatus::too_few_events,
                                                  CompareStatus::too_few_values, CompareStatus::no_benchmark});
}

}  // namespace qm::bind
