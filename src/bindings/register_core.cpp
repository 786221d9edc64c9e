#include <qm/core/groups.hpp>
#include <qm/core/memory.hpp>
#include <qm/core/types.hpp>

#include "prelude.hpp"

namespace qm::bind {

void register_core(py::module_& m) {
    m.def(
        "layout_groups",
        [](const py::handle& codes_obj, const py::handle& dates_obj) {
            auto codes = view<std::int64_t>(codes_obj, "group");
            std::span<const std::int64_t> dates;
            if (!dates_obj.is_none()) dates = view<std::int64_t>(dates_obj, "date");
            GroupLayout g;
            {
                py::gil_scoped_release release;
                g = layout_groups(codes, dates);
            }
            py::object order = py::none();
            if (!g.order.empty()) order = to_numpy<std::size_t, std::int64_t>(std::move(g.order));
            const auto a = g.has_duplicate() ? py::int_(g.duplicate_row_a) : py::object(py::none());
            const auto b = g.has_duplicate() ? py::int_(g.duplicate_row_b) : py::object(py::none());
            return py::make_tuple(order, to_numpy<std::size_t, std::int64_t>(std::move(g.offsets)),
                                  to_numpy(std::move(g.group_codes)), a, b);
        },
        py::arg("codes"), py::arg("dates"),
        "Order rows by (group code, date): (order or None, offsets, group_codes, dup_row_a, dup_row_b).");

    m.def(
        "find_rows",
        [](const py::handle& offsets_obj, const py::handle& dates_obj, const py::handle& groups_obj,
           const py::handle& req_dates_obj) {
            auto offsets = view_index(offsets_obj, "offsets");
            auto dates = view<std::int64_t>(dates_obj, "dates");
            auto groups = view_index(groups_obj, "rebase groups");
            auto req = view<std::int64_t>(req_dates_obj, "rebase");
            RowLookup r = find_rows(offsets, dates, groups, req);
            const auto missing = r.first_missing == npos ? py::object(py::none()) : py::int_(r.first_missing);
            return py::make_tuple(to_numpy<std::size_t, std::int64_t>(std::move(r.rows)), missing);
        },
        py::arg("offsets"), py::arg("dates"), py::arg("groups"), py::arg("request_dates"),
        "Rows of (group, date) requests: (ascending rows, index of first request not found or None).");
    m.def(
        "set_column_cache_limit",
        [](long long bytes) {
            if (bytes < 0) fail_argument("bytes", "must be 0 or more, got " + std::to_string(bytes));
            return qm::set_column_cache_limit(static_cast<std::size_t>(bytes));
        },
        py::arg("bytes"),
        "Sets the most the result-column cache keeps (bytes; 0 keeps nothing); returns the previous limit.");
    m.def("release_column_cache", &qm::release_column_cache, "Frees every block the result-column cache keeps.");
    m.def(
        "column_cache_stats",
        [] {
            const auto s = qm::column_cache_stats();
            py::dict d;
            d["limit_bytes"] = s.limit_bytes;
            d["held_bytes"] = s.held_bytes;
            d["blocks"] = s.blocks;
            d["hits"] = s.hits;
            d["misses"] = s.misses;
            return d;
        },
        "The result-column cache: limit_bytes, held_bytes, blocks, hits, misses.");
}

}  // namespace qm::bind
