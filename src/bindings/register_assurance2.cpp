// Bindings for qm/assurance capability, target assurance, inequality (SII/RII) and the board
// summary. Inputs are checked numpy views (argument named), the GIL is released around the
// C++ work, and result columns go to numpy without copying.
#include <qm/assurance/board.hpp>
#include <qm/assurance/capability.hpp>
#include <qm/assurance/inequality.hpp>

#include "prelude.hpp"

namespace qm::bind {

namespace {

using namespace qm::assurance;

void put_index(py::dict& d, const char* name, IndexColumns&& c) {
    const std::string n(name);
    d[py::str(n)] = to_numpy(std::move(c.value));
    d[py::str(n + "_lower")] = to_numpy(std::move(c.lower));
    d[py::str(n + "_upper")] = to_numpy(std::move(c.upper));
}

template <class E, std::size_t N>
py::list enum_names(const std::array<E, N>& values) {
    py::list out;
    for (E v : values) out.append(std::string(to_string(v)));
    return out;
}

}  // namespace

void register_assurance2(py::module_& m) {
    // ---- capability
    m.def(
        "capability_grouped",
        [](const py::handle& values_obj, const py::handle& offsets_obj, const py::handle& lower_obj,
           const py::handle& upper_obj, const py::handle& nominal_obj, double confidence, double mr_d2,
           bool screen_moving_ranges, double screen_multiplier, double within_df_factor, const std::string& cpm_interval,
           unsigned threads) {
            CapabilityInput in;
            in.values = view<double>(values_obj, "values");
            in.offsets = view_index(offsets_obj, "offsets");
            in.lower = optional_view<double>(lower_obj, "lower");
            in.upper = optional_view<double>(upper_obj, "upper");
            in.nominal = optional_view<double>(nominal_obj, "nominal");
            CapabilityOptions o;
            o.confidence = confidence;
            o.mr_d2 = mr_d2;
            o.screen_moving_ranges = screen_moving_ranges;
            o.screen_multiplier = screen_multiplier;
            o.within_df_factor = within_df_factor;
            o.cpm_interval = parse_cpm_interval(cpm_interval);
            CapabilityResult r;
            {
                py::gil_scoped_release release;
                r = capability_grouped(in, o, threads);
            }
            py::dict d;
            d["n"] = to_numpy<std::size_t, std::int64_t>(std::move(r.n));
            d["n_moving_ranges"] = to_numpy<std::size_t, std::int64_t>(std::move(r.n_moving_ranges));
            d["mean"] = to_numpy(std::move(r.mean));
            d["sigma_within"] = to_numpy(std::move(r.sigma_within));
            d["sigma_overall"] = to_numpy(std::move(r.sigma_overall));
            d["df_within"] = to_numpy(std::move(r.df_within));
            d["df_overall"] = to_numpy(std::move(r.df_overall));
            d["lower_spec"] = to_numpy(std::move(r.lower_spec));
            d["upper_spec"] = to_numpy(std::move(r.upper_spec));
            d["nominal"] = to_numpy(std::move(r.nominal));
            put_index(d, "cp", std::move(r.cp));
            put_index(d, "cpl", std::move(r.cpl));
            put_index(d, "cpu", std::move(r.cpu));
            put_index(d, "cpk", std::move(r.cpk));
            put_index(d, "cpm", std::move(r.cpm));
            put_index(d, "pp", std::move(r.pp));
            put_index(d, "ppl", std::move(r.ppl));
            put_index(d, "ppu", std::move(r.ppu));
            put_index(d, "ppk", std::move(r.ppk));
            put_index(d, "ppm", std::move(r.ppm));
            d["expected_below_within"] = to_numpy(std::move(r.expected_below_within));
            d["expected_above_within"] = to_numpy(std::move(r.expected_above_within));
            d["expected_below_overall"] = to_numpy(std::move(r.expected_below_overall));
            d["expected_above_overall"] = to_numpy(std::move(r.expected_above_overall));
            put_index(d, "p_meet_within", std::move(r.p_meet_within));
            put_index(d, "p_meet_overall", std::move(r.p_meet_overall));
            d["observed_below"] = to_numpy(std::move(r.observed_below));
            d["observed_above"] = to_numpy(std::move(r.observed_above));
            d["observed_meet"] = to_numpy(std::move(r.observed_meet));
            d["status"] = to_numpy<CapabilityStatus, std::int8_t>(std::move(r.status));
            return d;
        },
        py::arg("values"), py::arg("offsets"), py::arg("lower"), py::arg("upper"), py::arg("nominal"),
        py::arg("confidence") = 0.95, py::arg("mr_d2") = 1.128, py::arg("screen_moving_ranges") = false,
        py::arg("screen_multiplier") = 3.267, py::arg("within_df_factor") = 1.0, py::arg("cpm_interval") = "boyles",
        py::arg("threads") = 0,
        "Capability indices with confidence intervals per group (dict of numpy columns; see qm/assurance/capability.hpp).");
    m.attr("CAPABILITY_STATUSES") =
        enum_names(std::array{CapabilityStatus::ok, CapabilityStatus::too_few_values, CapabilityStatus::zero_sigma,
                              CapabilityStatus::no_specification});

    // ---- target assurance
    m.def(
        "target_assurance",
        [](const std::string& chart, const py::handle& stat_obj, const py::handle& centre_obj, const py::handle& lower_obj,
           const py::handle& upper_obj, const py::handle& den_obj, const py::handle& offsets_obj,
           const py::handle& begin_obj, const py::handle& targets_obj, const std::string& improvement, unsigned threads) {
            TargetAssuranceInput in;
            in.chart = spc::parse_chart(chart);
            in.statistic = view<double>(stat_obj, "statistic");
            in.centre = view<double>(centre_obj, "centre");
            in.lower = view<double>(lower_obj, "lower");
            in.upper = view<double>(upper_obj, "upper");
            in.denominators = optional_view<double>(den_obj, "denominator");
            in.offsets = view_index(offsets_obj, "offsets");
            if (!begin_obj.is_none()) in.phase_begin = view_index(begin_obj, "phase_begin");
            in.targets = optional_view<double>(targets_obj, "target");
            in.improvement = parse_improvement(improvement);
            TargetAssuranceResult r;
            {
                py::gil_scoped_release release;
                r = target_assurance(in, threads);
            }
            py::dict d;
            d["assurance_icon"] = to_numpy<AssuranceIcon, std::int8_t>(std::move(r.icon));
            d["target"] = to_numpy(std::move(r.target));
            d["target_index"] = to_numpy(std::move(r.target_index));
            d["p_meet"] = to_numpy(std::move(r.p_meet));
            d["model"] = to_numpy<MeetModel, std::int8_t>(std::move(r.model));
            d["n_points"] = to_numpy<std::size_t, std::int64_t>(std::move(r.n_points));
            d["n_limits"] = to_numpy<std::size_t, std::int64_t>(std::move(r.n_limits));
            d["share_pass"] = to_numpy(std::move(r.share_pass));
            d["share_fail"] = to_numpy(std::move(r.share_fail));
            d["share_hit_and_miss"] = to_numpy(std::move(r.share_hit_and_miss));
            d["observed_meet"] = to_numpy(std::move(r.observed_meet));
            return d;
        },
        py::arg("chart"), py::arg("statistic"), py::arg("centre"), py::arg("lower"), py::arg("upper"),
        py::arg("denominator"), py::arg("offsets"), py::arg("phase_begin"), py::arg("targets"),
        py::arg("improvement"), py::arg("threads") = 0,
        "MDC target assurance for any chart: icon from the latest limits, shares over the last phase, target index, "
        "predicted proportion meeting the target (dict of numpy columns).");
    m.def(
        "target_index",
        [](const py::handle& target_obj, const py::handle& centre_obj, const py::handle& lower_obj,
           const py::handle& upper_obj, const std::string& improvement) {
            auto t = view<double>(target_obj, "target");
            auto c = view<double>(centre_obj, "centre");
            auto lo = view<double>(lower_obj, "lower");
            auto hi = view<double>(upper_obj, "upper");
            if (c.size() != t.size() || lo.size() != t.size() || hi.size() != t.size())
                fail_argument("centre", "target, centre, lower and upper need the same length");
            const Improvement imp = parse_improvement(improvement);
            std::vector<double> out(t.size());
            for (std::size_t i = 0; i < t.size(); ++i) out[i] = target_index(t[i], c[i], lo[i], hi[i], imp);
            return to_numpy(std::move(out));
        },
        py::arg("target"), py::arg("centre"), py::arg("lower"), py::arg("upper"), py::arg("improvement"));
    m.attr("MEET_MODELS") = enum_names(std::array{MeetModel::none, MeetModel::normal, MeetModel::binomial, MeetModel::poisson});

    // ---- inequality
    m.def(
        "sii",
        [](const py::handle& values_obj, const py::handle& pop_obj, const py::handle& se_obj, const py::handle& lower_obj,
           const py::handle& upper_obj, const py::handle& offsets_obj, const std::string& value_type, bool transform,
           double multiplier, std::size_t repetitions, const std::vector<double>& confidence, double ci_confidence,
           std::uint64_t seed, std::size_t minimum_quantiles, unsigned threads) {
            SiiInput in;
            in.values = view<double>(values_obj, "value");
            in.population = view<double>(pop_obj, "population");
            in.se = optional_view<double>(se_obj, "se");
            in.lower = optional_view<double>(lower_obj, "lower");
            in.upper = optional_view<double>(upper_obj, "upper");
            in.offsets = view_index(offsets_obj, "offsets");
            SiiOptions o;
            o.value_type = parse_sii_value_type(value_type);
            o.transform = transform;
            o.multiplier = multiplier;
            o.repetitions = repetitions;
            o.confidence = confidence;
            o.ci_confidence = ci_confidence;
            o.seed = seed;
            o.minimum_quantiles = minimum_quantiles;
            SiiResult r;
            {
                py::gil_scoped_release release;
                r = sii(in, o, threads);
            }
            py::dict d;
            d["levels"] = r.levels;
            d["sii"] = to_numpy(std::move(r.sii));
            d["rii"] = to_numpy(std::move(r.rii));
            d["intercept"] = to_numpy(std::move(r.intercept));
            d["fitted_1"] = to_numpy(std::move(r.fitted_1));
            d["beta0"] = to_numpy(std::move(r.beta0));
            d["beta1"] = to_numpy(std::move(r.beta1));
            d["n_quantiles"] = to_numpy<std::size_t, std::int64_t>(std::move(r.n_quantiles));
            d["share"] = to_numpy(std::move(r.share));
            d["rank"] = to_numpy(std::move(r.rank));
            d["fitted"] = to_numpy(std::move(r.fitted));
            d["sii_lower"] = to_numpy(std::move(r.sii_lower));
            d["sii_upper"] = to_numpy(std::move(r.sii_upper));
            d["rii_lower"] = to_numpy(std::move(r.rii_lower));
            d["rii_upper"] = to_numpy(std::move(r.rii_upper));
            return d;
        },
        py::arg("values"), py::arg("population"), py::arg("se"), py::arg("lower"), py::arg("upper"), py::arg("offsets"),
        py::arg("value_type") = "other", py::arg("transform") = false, py::arg("multiplier") = 1.0,
        py::arg("repetitions") = 100000, py::arg("confidence") = std::vector<double>{0.95}, py::arg("ci_confidence") = 0.95,
        py::arg("seed") = 1, py::arg("minimum_quantiles") = 2, py::arg("threads") = 0,
        "Slope and relative index of inequality per unit, PHE method, seeded simulation intervals (dict of numpy "
        "columns; the limits are unit-major, one per unit and level).");
    m.def(
        "sii_fit",
        [](const py::handle& values_obj, const py::handle& pop_obj) {
            auto v = view<double>(values_obj, "value");
            auto p = view<double>(pop_obj, "population");
            SiiFit f = sii_fit(v, p);
            py::dict d;
            d["beta0"] = f.beta0;
            d["beta1"] = f.beta1;
            d["share"] = to_numpy(std::move(f.share));
            d["rank"] = to_numpy(std::move(f.rank));
            return d;
        },
        py::arg("values"), py::arg("population"), "The weighted fit of one unit: beta0, beta1, population shares, relative ranks.");

    // ---- board summary
    m.def(
        "board_summary",
        [](const py::handle& var_obj, const py::handle& ass_obj, const py::handle& ti_obj) {
            auto v8 = view<std::int8_t>(var_obj, "variation_icon");
            auto a8 = view<std::int8_t>(ass_obj, "assurance_icon");
            std::vector<VariationIcon> v(v8.size());
            std::vector<AssuranceIcon> a(a8.size());
            for (std::size_t i = 0; i < v8.size(); ++i) v[i] = static_cast<VariationIcon>(v8[i]);
            for (std::size_t i = 0; i < a8.size(); ++i) a[i] = static_cast<AssuranceIcon>(a8[i]);
            BoardInput in{.variation = v, .assurance = a, .target_index = optional_view<double>(ti_obj, "target_index")};
            BoardSummary s = board_summary(in);
            py::dict d;
            d["column"] = to_numpy<BoardColumn, std::int8_t>(std::move(s.column));
            d["row"] = to_numpy<BoardRow, std::int8_t>(std::move(s.row));
            d["severity"] = to_numpy(std::move(s.severity));
            d["attention"] = to_numpy<std::size_t, std::int64_t>(std::move(s.attention));
            py::list counts;
            for (const auto& row : s.counts) {
                py::list r;
                for (std::size_t c : row) r.append(c);
                counts.append(r);
            }
            d["counts"] = counts;
            return d;
        },
        py::arg("variation_icon"), py::arg("assurance_icon"), py::arg("target_index") = py::none(),
        "Board summary: matrix cell and severity per indicator, counts[row][column], attention order.");
    m.attr("BOARD_COLUMNS") = enum_names(std::array{BoardColumn::improvement, BoardColumn::common_cause,
                                                    BoardColumn::concern, BoardColumn::neutral});
    m.attr("BOARD_ROWS") = enum_names(std::array{BoardRow::consistent_pass, BoardRow::hit_and_miss,
                                                 BoardRow::consistent_fail, BoardRow::no_target});
    py::list actions;
    for (std::size_t r = 0; r < board_rows; ++r) {
        py::list row;
        for (std::size_t c = 0; c < board_columns; ++c)
            row.append(std::string(board_action(static_cast<BoardColumn>(c), static_cast<BoardRow>(r))));
        actions.append(row);
    }
    m.attr("BOARD_ACTIONS") = actions;
    py::list severities;
    for (std::size_t r = 0; r < board_rows; ++r) {
        py::list row;
        for (std::size_t c = 0; c < board_columns; ++c)
            row.append(board_severity(static_cast<BoardColumn>(c), static_cast<BoardRow>(r)));
        severities.append(row);
    }
    m.attr("BOARD_SEVERITY") = severities;
}

}  // namespace qm::bind
