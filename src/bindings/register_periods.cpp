// Calendars (qm/core/periods.hpp): period starts and labels, aggregation into per-period values,
// and g-chart / t-chart inputs. Arrays are checked, not converted; days are int64 since 1970-01-01;
// the GIL is released around the C++ work; result columns go to numpy without copying.
#include <qm/core/periods.hpp>

#include "prelude.hpp"

namespace qm::bind {

namespace {

std::span<const std::int64_t> optional_int64(const py::handle& obj, const char* argument) {
    if (obj.is_none()) return {};
    return view<std::int64_t>(obj, argument);
}

std::span<const double> optional_double(const py::handle& obj, const char* argument) {
    if (obj.is_none()) return {};
    return view<double>(obj, argument);
}

std::optional<std::int64_t> optional_day(const py::handle& obj) {
    if (obj.is_none()) return std::nullopt;
    return obj.cast<std::int64_t>();
}

py::dict intervals_dict(EventIntervals&& r) {
    py::dict out;
    out["group"] = to_numpy(std::move(r.group));
    out["row"] = to_numpy<std::size_t, std::int64_t>(std::move(r.row));
    out["previous_row"] = to_numpy<std::size_t, std::int64_t>(std::move(r.previous_row));  // -1: none
    out["event"] = to_numpy(std::move(r.event));
    out["value"] = to_numpy(std::move(r.value));
    out["open"] = to_numpy(std::move(r.open));
    return out;
}

}  // namespace

void register_periods(py::module_& m) {
    m.def(
        "period_name", [](std::string_view name) { return std::string(to_string(parse_period(name))); },
        py::arg("period"), "The canonical name of a period ('week' -> 'iso_week', 'fy' -> 'financial_year', ...).");

    m.def(
        "period_start",
        [](const py::handle& days_obj, std::string_view period) {
            const Period p = parse_period(period);
            auto days = view<std::int64_t>(days_obj, "date");
            std::vector<std::int64_t> out(days.size());
            {
                py::gil_scoped_release release;
                period_start(days, p, out, "date");
            }
            return to_numpy(std::move(out));
        },
        py::arg("days"), py::arg("period"), "First day of the period of each day (int64 days since 1970-01-01).");

    m.def(
        "period_label",
        [](const py::handle& days_obj, std::string_view period) {
            const Period p = parse_period(period);
            auto days = view<std::int64_t>(days_obj, "date");
            std::vector<std::string> out;
            {
                py::gil_scoped_release release;
                out = period_labels(days, p, "date");
            }
            return out;
        },
        py::arg("days"), py::arg("period"), "The label of the period of each day: '2024-W05', '2023/24 Q1', ...");

    m.def(
        "period_starts",
        [](std::int64_t first, std::int64_t last, std::string_view period) {
            return to_numpy(period_starts(first, last, parse_period(period)));
        },
        py::arg("first"), py::arg("last"), py::arg("period"),
        "Starts of every period overlapping [first, last] (days, both inclusive).");

    m.def(
        "first_out_of_order",
        [](const py::handle& times_obj, const py::handle& groups_obj) -> py::object {
            auto times = view<std::int64_t>(times_obj, "date");
            auto groups = optional_int64(groups_obj, "group");
            OutOfOrder o;
            {
                py::gil_scoped_release release;
                o = find_out_of_order(times, groups);
            }
            if (o.in_order()) return py::none();
            return py::make_tuple(o.row, o.previous_row);
        },
        py::arg("times"), py::arg("groups"),
        "(row, previous_row) of the first event earlier than the event before it in its group, or None.");

    m.def(
        "aggregate_periods",
        [](const py::handle& days_obj, const py::handle& groups_obj, const py::handle& num_obj,
           const py::handle& den_obj, std::string_view period, std::string_view how, const py::handle& start,
           const py::handle& end, std::string_view span, std::size_t n_groups) {
            AggregateOptions opt{.period = parse_period(period), .how = parse_aggregate(how)};
            opt.start = optional_day(start);
            opt.end = optional_day(end);
            if (span == "all") opt.span = PeriodSpan::all;
            else if (span == "group") opt.span = PeriodSpan::group;
            else fail_argument("span", "must be 'all' or 'group', got '" + std::string(span) + "'");
            opt.n_groups = n_groups;
            const AggregateInput in{.days = view<std::int64_t>(days_obj, "date"),
                                    .groups = optional_int64(groups_obj, "group"),
                                    .numerator = optional_double(num_obj, opt.how == Aggregate::ratio ? "numerator" : "value"),
                                    .denominator = optional_double(den_obj, "denominator")};
            PeriodTable t;
            {
                py::gil_scoped_release release;
                t = aggregate_periods(in, opt);
            }
            py::dict out;
            out["offsets"] = to_numpy<std::size_t, std::int64_t>(std::move(t.offsets));
            out["group"] = to_numpy(std::move(t.group));
            out["start"] = to_numpy(std::move(t.start));
            out["n_records"] = to_numpy(std::move(t.n_records));
            out["n_values"] = to_numpy(std::move(t.n_values));
            out["numerator"] = to_numpy(std::move(t.numerator));
            out["denominator"] = to_numpy(std::move(t.denominator));
            out["value"] = to_numpy(std::move(t.value));
            out["has_data"] = to_numpy<std::uint8_t, bool>(std::move(t.has_data));
            out["n_excluded"] = py::int_(t.n_excluded);
            return out;
        },
        py::arg("days"), py::arg("groups"), py::arg("numerator"), py::arg("denominator"), py::arg("period"),
        py::arg("how"), py::arg("start") = py::none(), py::arg("end") = py::none(), py::arg("span") = "all",
        py::arg("n_groups") = 0,
        "Per-(group, period) counts, sums, means or ratios with every period present: a dict of columns.");

    m.def(
        "days_between",
        [](const py::handle& times_obj, const py::handle& groups_obj, std::int64_t units_per_day, bool sort,
           std::size_t n_groups) {
            auto times = view<std::int64_t>(times_obj, "date");
            auto groups = optional_int64(groups_obj, "group");
            EventIntervals r;
            {
                py::gil_scoped_release release;
                r = days_between(times, groups, {.units_per_day = units_per_day, .sort = sort, .n_groups = n_groups});
            }
            return intervals_dict(std::move(r));
        },
        py::arg("times"), py::arg("groups"), py::arg("units_per_day") = 1, py::arg("sort") = false,
        py::arg("n_groups") = 0, "t chart input: days between consecutive events of each group (a dict of columns).");

    m.def(
        "cases_between",
        [](const py::handle& indicator_obj, const py::handle& groups_obj, const py::handle& times_obj,
           std::int64_t units_per_day, bool sort, bool include_first, std::size_t n_groups) {
            auto indicator = view<double>(indicator_obj, "event");
            auto groups = optional_int64(groups_obj, "group");
            auto times = optional_int64(times_obj, "date");
            EventIntervals r;
            {
                py::gil_scoped_release release;
                r = cases_between(indicator, groups, times,
                                  {.units_per_day = units_per_day, .sort = sort, .n_groups = n_groups,
                                   .include_first = include_first});
            }
            return intervals_dict(std::move(r));
        },
        py::arg("indicator"), py::arg("groups"), py::arg("times"), py::arg("units_per_day") = 1,
        py::arg("sort") = false, py::arg("include_first") = true, py::arg("n_groups") = 0,
        "g chart input from an ordered per-case 0/1 event indicator (a dict of columns).");

    m.def(
        "cases_between_days",
        [](const py::handle& event_days_obj, const py::handle& event_groups_obj, const py::handle& case_days_obj,
           const py::handle& case_counts_obj, const py::handle& case_groups_obj, bool sort, bool include_first,
           std::size_t n_groups) {
            auto event_days = view<std::int64_t>(event_days_obj, "date");
            auto event_groups = optional_int64(event_groups_obj, "group");
            auto case_days = view<std::int64_t>(case_days_obj, "case_date");
            auto case_counts = view<double>(case_counts_obj, "case_count");
            auto case_groups = optional_int64(case_groups_obj, "case_group");
            EventIntervals r;
            {
                py::gil_scoped_release release;
                r = cases_between_days(event_days, event_groups, case_days, case_counts, case_groups,
                                       {.sort = sort, .n_groups = n_groups, .include_first = include_first});
            }
            return intervals_dict(std::move(r));
        },
        py::arg("event_days"), py::arg("event_groups"), py::arg("case_days"), py::arg("case_counts"),
        py::arg("case_groups"), py::arg("sort") = false, py::arg("include_first") = true, py::arg("n_groups") = 0,
        "g chart input from event days and daily case counts (a dict of columns).");
}

}  // namespace qm::bind
