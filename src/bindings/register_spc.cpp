#include <qm/spc/spc.hpp>

#include "prelude.hpp"

namespace qm::bind {

void register_spc(py::module_& m) {
    using spc::XmrOptions;
    py::class_<XmrOptions>(m, "XmrOptions", "Options of an XmR chart (defaults: NHS Making Data Count).")
        .def(py::init<>())
        .def_readwrite("limit_multiplier", &XmrOptions::limit_multiplier)
        .def_readwrite("screen_moving_ranges", &XmrOptions::screen_moving_ranges)
        .def_readwrite("screen_multiplier", &XmrOptions::screen_multiplier)
        .def_readwrite("shift_length", &XmrOptions::shift_length)
        .def_readwrite("trend_length", &XmrOptions::trend_length)
        .def_readwrite("rules", &XmrOptions::rules)
        .def_readwrite("fix_after", &XmrOptions::fix_after)
        .def_readwrite("fix_after_minimum", &XmrOptions::fix_after_minimum)
        .def_readwrite("short_phase_threshold", &XmrOptions::short_phase_threshold)
        .def("validate", &XmrOptions::validate)
        .def("__repr__", [](const XmrOptions& o) {
            return "XmrOptions(limit_multiplier=" + std::to_string(o.limit_multiplier) +
                   ", screen_moving_ranges=" + (o.screen_moving_ranges ? "True" : "False") +
                   ", screen_multiplier=" + std::to_string(o.screen_multiplier) +
                   ", shift_length=" + std::to_string(o.shift_length) + ", trend_length=" + std::to_string(o.trend_length) +
                   ", rules=" + std::to_string(o.rules) + ", fix_after=" + std::to_string(o.fix_after) + ")";
        });

    m.def("preset", [](const std::string& name) { return spc::preset(name); }, py::arg("name"),
          "The XmrOptions of a named preset ('mdc', 'shewhart').");
    m.def("preset_names", [] {
        std::vector<std::string> out;
        for (auto n : spc::preset_names()) out.emplace_back(n);
        return out;
    });
    py::dict rule_bits;
    rule_bits["outside_limits"] = spc::rules::outside_limits;
    rule_bits["shift"] = spc::rules::shift;
    rule_bits["trend"] = spc::rules::trend;
    rule_bits["two_of_three"] = spc::rules::two_of_three;
    m.attr("RULE_BITS") = rule_bits;

    m.def(
        "xmr_grouped",
        [](const py::handle& values_obj, const py::handle& offsets_obj, const py::handle& targets_obj,
           const py::handle& phase_obj, const std::string& improvement, const XmrOptions& options, unsigned threads) {
            spc::GroupedInput in;
            in.values = view<double>(values_obj, "value");
            in.offsets = view_index(offsets_obj, "offsets");
            if (!targets_obj.is_none()) in.targets = view<double>(targets_obj, "target");
            if (!phase_obj.is_none()) in.phase_starts = view_index(phase_obj, "rebase");
            in.improvement = parse_improvement(improvement);
            spc::XmrResult r;
            {
                py::gil_scoped_release release;
                r = spc::xmr_grouped(in, options, threads);
            }
            py::dict d;
            d["flags"] = to_numpy(std::move(r.flags));
            d["point_type"] = to_numpy<PointType, std::int8_t>(std::move(r.point_type));
            d["phase_group"] = to_numpy<std::size_t, std::int64_t>(std::move(r.phase_group));
            d["phase_begin"] = to_numpy<std::size_t, std::int64_t>(std::move(r.phase_begin));
            d["phase_end"] = to_numpy<std::size_t, std::int64_t>(std::move(r.phase_end));
            d["phase_baseline_end"] = to_numpy<std::size_t, std::int64_t>(std::move(r.phase_baseline_end));
            d["phase_n_used"] = to_numpy<std::size_t, std::int64_t>(std::move(r.phase_n_used));
            d["phase_n_moving_ranges"] = to_numpy<std::size_t, std::int64_t>(std::move(r.phase_n_moving_ranges));
            d["phase_n_screened"] = to_numpy<std::size_t, std::int64_t>(std::move(r.phase_n_screened));
            d["phase_short"] = to_numpy(std::move(r.phase_short));
            d["centre"] = to_numpy(std::move(r.centre));
            d["mean_moving_range"] = to_numpy(std::move(r.mean_moving_range));
            d["lower"] = to_numpy(std::move(r.lower));
            d["upper"] = to_numpy(std::move(r.upper));
            d["lower_1sigma"] = to_numpy(std::move(r.lower_1sigma));
            d["upper_1sigma"] = to_numpy(std::move(r.upper_1sigma));
            d["lower_2sigma"] = to_numpy(std::move(r.lower_2sigma));
            d["upper_2sigma"] = to_numpy(std::move(r.upper_2sigma));
            d["group_phase_offsets"] = to_numpy<std::size_t, std::int64_t>(std::move(r.group_phase_offsets));
            d["variation_icon"] = to_numpy<VariationIcon, std::int8_t>(std::move(r.variation_icon));
            d["assurance_icon"] = to_numpy<AssuranceIcon, std::int8_t>(std::move(r.assurance_icon));
            return d;
        },
        py::arg("values"), py::arg("offsets"), py::arg("targets"), py::arg("phase_starts"), py::arg("improvement"),
        py::arg("options"), py::arg("threads") = 0,
        "MDC XmR for every group of a long-format series; returns a dict of numpy columns.");
}

}  // namespace qm::bind
