#pragma once
// Shared pieces of the bindings: array checks that name the argument, zero-copy hand-over of
// std::vector results to numpy (capsule-owned), and the registration functions.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <qm/core/error.hpp>
#include <qm/spc/rules.hpp>

namespace py = pybind11;

namespace qm::bind {

/// A read-only view of a 1-D C-contiguous numpy array of exactly dtype T. The array is checked,
/// not converted: a wrong dtype or shape is a ValueError that names the argument.
template <class T>
std::span<const T> view(const py::handle& obj, const char* argument) {
    if (!py::isinstance<py::array>(obj)) fail_argument(argument, "must be a numpy array");
    auto arr = py::reinterpret_borrow<py::array>(obj);
    if (arr.ndim() != 1) fail_argument(argument, "must be one-dimensional, got " + std::to_string(arr.ndim()) + " dimensions");
    if (!arr.dtype().is(py::dtype::of<T>()))
        fail_argument(argument, "must have dtype " + std::string(py::str(py::dtype::of<T>())) + ", got " +
                                    std::string(py::str(arr.dtype())));
    if (!(arr.flags() & py::array::c_style)) fail_argument(argument, "must be C-contiguous");
    return {static_cast<const T*>(arr.data()), static_cast<std::size_t>(arr.shape(0))};
}

/// int64 at the boundary, std::size_t inside (the same width; negative values rejected).
inline std::span<const std::size_t> view_index(const py::handle& obj, const char* argument) {
    auto v = view<std::int64_t>(obj, argument);
    for (std::size_t i = 0; i < v.size(); ++i)
        if (v[i] < 0) fail_argument(argument, i, "must not be negative, got " + std::to_string(v[i]));
    static_assert(sizeof(std::size_t) == sizeof(std::int64_t));
    return {reinterpret_cast<const std::size_t*>(v.data()), v.size()};
}

/// view() of an optional argument: empty for None.
template <class T>
std::span<const T> optional_view(const py::handle& obj, const char* argument) {
    if (obj.is_none()) return {};
    return view<T>(obj, argument);
}

/// view_index() of an optional argument: empty for None.
inline std::span<const std::size_t> optional_index(const py::handle& obj, const char* argument) {
    if (obj.is_none()) return {};
    return view_index(obj, argument);
}

/// rules: None (the preset's), a rule-set name, or a list of rule names (bits on top of the
/// preset's semantics); an unknown name is a ValueError naming its position.
inline spc::RuleOptions rules_from(const py::handle& rules_obj, spc::RuleOptions base) {
    if (rules_obj.is_none()) return base;
    if (py::isinstance<py::str>(rules_obj)) return spc::rule_set(rules_obj.cast<std::string>());
    spc::RuleFlags bits = 0;
    std::size_t k = 0;
    for (const auto& item : rules_obj) {
        const auto name = py::str(item).cast<std::string>();
        bool found = false;
        for (std::size_t b = 0; b < spc::rule_names.size(); ++b)
            if (spc::rule_names[b] == name) {
                bits = static_cast<spc::RuleFlags>(bits | (1u << b));
                found = true;
            }
        if (!found) {
            std::string known;
            for (auto n : spc::rule_names) known.append(known.empty() ? "" : ", ").append(n);
            fail_argument("rules", k, "unknown rule '" + name + "' (known: " + known + ")");
        }
        ++k;
    }
    base.rules = bits;
    return base;
}

/// Hands a vector to numpy without copying: the capsule owns the moved-from storage.
template <class T, class Out = T, class A = std::allocator<T>>
py::array_t<Out> to_numpy(std::vector<T, A>&& v) {
    static_assert(sizeof(T) == sizeof(Out));
    auto* heap = new std::vector<T, A>(std::move(v));
    py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T, A>*>(p); });
    return py::array_t<Out>({static_cast<py::ssize_t>(heap->size())}, {static_cast<py::ssize_t>(sizeof(Out))},
                            reinterpret_cast<const Out*>(heap->data()), owner);
}

/// The seven line columns of a chart (qm::spc::LineColumns), moved into d as numpy arrays.
template <class Lines>
void put_lines(py::dict& d, Lines& lines) {
    d["centre"] = to_numpy(std::move(lines.centre));
    d["lower"] = to_numpy(std::move(lines.lower));
    d["upper"] = to_numpy(std::move(lines.upper));
    d["lower_1sigma"] = to_numpy(std::move(lines.lower_1sigma));
    d["upper_1sigma"] = to_numpy(std::move(lines.upper_1sigma));
    d["lower_2sigma"] = to_numpy(std::move(lines.lower_2sigma));
    d["upper_2sigma"] = to_numpy(std::move(lines.upper_2sigma));
}

void register_core(py::module_& m);
void register_spc(py::module_& m);
void register_charts(py::module_& m);
void register_periods(py::module_& m);
void register_assurance(py::module_& m);
void register_assurance2(py::module_& m);
void register_maturity(py::module_& m);
void register_monitor(py::module_& m);

}  // namespace qm::bind
