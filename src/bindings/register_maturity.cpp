// Bindings of qm::maturity: frameworks (read in C++, errors naming file, JSON pointer and problem),
// scoring of long-format assessments, rater agreement, gaps, what-if, change and roll-up.
// Inputs are checked arrays (named in messages), the GIL is released around the C++ work, and the
// score columns are handed to numpy as read-only views of the C++ result (no copy).
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <qm/maturity/maturity.hpp>

#include "prelude.hpp"

namespace qm::bind {

namespace {

namespace mt = qm::maturity;

struct PyFramework {
    std::shared_ptr<const mt::Framework> fw;
};

struct PyScore {
    std::shared_ptr<const mt::Framework> fw;
    std::shared_ptr<mt::ScoreResult> r;
};

/// A read-only numpy view of a vector owned by `owner` (kept alive by the array).
template <class T, class Out = T>
py::array_t<Out> view_of(const std::vector<T>& v, const py::object& owner) {
    static_assert(sizeof(T) == sizeof(Out));
    py::array_t<Out> a({static_cast<py::ssize_t>(v.size())}, {static_cast<py::ssize_t>(sizeof(Out))},
                       reinterpret_cast<const Out*>(v.data()), owner);
    a.attr("setflags")(py::arg("write") = false);
    return a;
}

mt::Assessment assessment_from(const py::dict& d, std::size_t n_units, std::size_t n_rounds, std::size_t n_raters) {
    mt::Assessment a;
    auto get = [&](const char* k) -> py::object { return d.contains(k) ? py::object(d[k]) : py::object(py::none()); };
    a.unit = view<std::int64_t>(get("unit"), "unit");
    a.criterion = view<std::int64_t>(get("criterion"), "criterion");
    a.rating = view<double>(get("rating"), "rating");
    a.round = optional_view<std::int64_t>(get("round"), "round");
    a.rater = optional_view<std::int64_t>(get("rater"), "rater");
    a.subscore = optional_view<std::int64_t>(get("subscore"), "subscore");
    a.status = optional_view<std::uint8_t>(get("status"), "status");
    a.evidence_date = optional_view<std::int64_t>(get("evidence_date"), "evidence_date");
    a.evidence_expires = optional_view<std::int64_t>(get("evidence_expires"), "evidence_expires");
    a.assessed_on = optional_view<std::int64_t>(get("assessed_on"), "assessed_on");
    a.n_units = n_units, a.n_rounds = n_rounds, a.n_raters = n_raters;
    return a;
}

mt::MissingPolicy parse_missing(const std::string& s) {
    if (s == "exclude") return mt::MissingPolicy::exclude;
    if (s == "lowest") return mt::MissingPolicy::lowest;
    if (s == "not_rated") return mt::MissingPolicy::not_rated;
    fail_argument("missing", "must be 'exclude', 'lowest' or 'not_rated', got '" + s + "'");
}

mt::ScoreOptions options_from(const py::dict& o) {
    mt::ScoreOptions opt;
    auto has = [&](const char* k) { return o.contains(k) && !o[k].is_none(); };
    if (has("aggregate")) opt.aggregation = mt::parse_aggregation(o["aggregate"].cast<std::string>());
    if (has("missing")) opt.missing = parse_missing(o["missing"].cast<std::string>());
    if (has("carry_forward")) opt.carry_forward = o["carry_forward"].cast<bool>();
    if (has("disagreement")) opt.disagreement = o["disagreement"].cast<double>();
    if (has("evidence_max_age_days")) opt.evidence_max_age_days = o["evidence_max_age_days"].cast<int>();
    if (has("evidence_required")) opt.evidence_required = o["evidence_required"].cast<bool>();
    if (has("stale")) {
        const auto s = o["stale"].cast<std::string>();
        if (s == "not_rated") opt.stale = mt::StalePolicy::not_rated;
        else if (s == "flag") opt.stale = mt::StalePolicy::flag;
        else fail_argument("stale", "must be 'not_rated' or 'flag', got '" + s + "'");
    }
    if (has("as_of")) opt.as_of = o["as_of"].cast<std::int64_t>();
    if (has("threads")) opt.threads = o["threads"].cast<unsigned>();
    return opt;
}

std::vector<mt::Override> overrides_from(const py::handle& obj) {
    std::vector<mt::Override> out;
    if (obj.is_none()) return out;
    for (const auto& t : obj) {
        auto tup = t.cast<py::tuple>();
        if (tup.size() != 6) fail_argument("overrides", "each override is (unit, round, node, value, status, reason)");
        mt::Override o;
        o.unit = tup[0].cast<std::size_t>();
        o.round = tup[1].cast<std::size_t>();
        o.node = tup[2].cast<std::size_t>();
        o.value = tup[3].cast<double>();
        o.status = static_cast<mt::Status>(tup[4].cast<int>());
        o.reason = tup[5].cast<std::string>();
        out.push_back(std::move(o));
    }
    return out;
}

py::dict scale_dict(const mt::Scale& s) {
    py::dict d;
    d["id"] = s.id;
    d["name"] = s.name;
    d["kind"] = std::string(mt::to_string(s.kind));
    d["min"] = s.min, d["max"] = s.max, d["step"] = s.step, d["round"] = s.round;
    py::list levels;
    for (const auto& l : s.levels) {
        py::dict x;
        x["value"] = l.value, x["code"] = l.code, x["label"] = l.label, x["descriptor"] = l.descriptor;
        x["lower"] = l.lower, x["strict"] = l.strict;
        levels.append(x);
    }
    d["levels"] = levels;
    d["not_rated"] = s.not_rated_codes;
    d["not_applicable"] = s.not_applicable_codes;
    return d;
}

py::dict method_dict(const mt::Framework& fw, std::size_t node, const mt::Method& m) {
    py::dict d;
    d["method"] = std::string(mt::to_string(m.kind));
    d["missing"] = std::string(mt::to_string(fw.missing_of(m)));
    d["over"] = m.over == mt::Over::children ? "children" : "criteria";
    d["use"] = m.use == mt::Use::score ? "score" : "level";
    d["scale"] = m.scale == mt::none ? py::object(py::none()) : py::object(py::str(fw.scales[m.scale].id));
    py::list caps;
    for (const auto& c : m.caps) {
        py::dict x;
        x["reason"] = c.reason;
        x["max"] = fw.scales[fw.nodes[node].out_scale].levels[c.max_level].label;
        caps.append(x);
    }
    d["caps"] = caps;
    d["pointer"] = m.pointer;
    return d;
}

}  // namespace

void register_maturity(py::module_& m) {
    // ---- errors: MaturityFrameworkError(ValueError) with .file, .pointer, .problem
    static py::exception<mt::framework_error> fw_error(m, "MaturityFrameworkError", PyExc_ValueError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const mt::framework_error& e) {
            py::object inst = py::reinterpret_borrow<py::object>(fw_error)(py::str(e.what()));
            inst.attr("file") = py::str(e.file());
            inst.attr("pointer") = py::str(e.pointer());
            inst.attr("problem") = py::str(e.problem());
            PyErr_SetObject(fw_error.ptr(), inst.ptr());
        }
    });

    // ---- frameworks
    py::class_<PyFramework>(m, "MaturityFramework", "A maturity framework read by the C++ core (immutable).")
        .def_static(
            "load",
            [](const std::string& path, const std::string& scoring) {
                py::gil_scoped_release release;
                return PyFramework{std::make_shared<const mt::Framework>(mt::load_framework(path, scoring))};
            },
            py::arg("path"), py::arg("scoring") = "")
        .def_static(
            "parse",
            [](const std::string& text, const std::string& file, const std::string& scoring) {
                py::gil_scoped_release release;
                return PyFramework{std::make_shared<const mt::Framework>(mt::parse_framework(text, file, scoring))};
            },
            py::arg("text"), py::arg("file") = "<string>", py::arg("scoring") = "")
        .def("with_scoring",
             [](const PyFramework& f, const std::string& scoring) {
                 py::gil_scoped_release release;
                 return PyFramework{std::make_shared<const mt::Framework>(mt::with_scoring(*f.fw, scoring))};
             })
        .def_property_readonly("id", [](const PyFramework& f) { return f.fw->id; })
        .def_property_readonly("version", [](const PyFramework& f) { return f.fw->version; })
        .def_property_readonly("name", [](const PyFramework& f) { return f.fw->name; })
        .def_property_readonly("description", [](const PyFramework& f) { return f.fw->description; })
        .def_property_readonly("file", [](const PyFramework& f) { return f.fw->file; })
        .def_property_readonly("text", [](const PyFramework& f) { return f.fw->text; })
        .def_property_readonly("format", [](const PyFramework& f) { return f.fw->format; })
        .def_property_readonly("missing", [](const PyFramework& f) { return std::string(mt::to_string(f.fw->missing)); })
        .def_property_readonly("subscore_rule", [](const PyFramework& f) { return std::string(mt::to_string(f.fw->subscore_rule)); })
        .def_property_readonly("evidence",
                               [](const PyFramework& f) {
                                   py::dict d;
                                   d["max_age_days"] = f.fw->evidence.max_age_days;
                                   d["required"] = f.fw->evidence.required;
                                   d["stale"] = std::string(mt::to_string(f.fw->evidence.stale));
                                   return d;
                               })
        .def_property_readonly("criteria",
                               [](const PyFramework& f) {
                                   std::vector<std::int64_t> c(f.fw->criteria.begin(), f.fw->criteria.end());
                                   return to_numpy(std::move(c));
                               })
        .def("find", [](const PyFramework& f, const std::string& id) {
            const auto k = f.fw->find(id);
            return k == mt::none ? std::int64_t{-1} : static_cast<std::int64_t>(k);
        })
        .def("nodes",
             [](const PyFramework& f) {
                 const auto& fw = *f.fw;
                 const std::size_t N = fw.nodes.size();
                 py::list id, kind, name, description, tags, stage, role, method, subscores, prereq;
                 std::vector<std::int64_t> parent(N), scale(N), out_scale(N), score_scale(N), criterion(N);
                 std::vector<double> weight(N), points(N);
                 std::vector<std::uint8_t> scored(N);
                 for (std::size_t k = 0; k < N; ++k) {
                     const auto& n = fw.nodes[k];
                     id.append(n.id), kind.append(std::string(mt::to_string(n.kind))), name.append(n.name);
                     description.append(n.description), tags.append(n.tags), stage.append(n.stage);
                     role.append(n.is_criterion() ? py::object(py::str(std::string(mt::to_string(n.role)))) : py::object(py::none()));
                     method.append(n.method == mt::none ? py::object(py::none()) : py::object(method_dict(fw, k, fw.methods[n.method])));
                     py::list subs;
                     for (const auto& s : n.subscores) subs.append(py::make_tuple(s.id, s.name, s.weight));
                     subscores.append(subs);
                     py::list req;
                     for (const auto& r : n.prerequisites) req.append(py::make_tuple(static_cast<std::int64_t>(r.criterion), static_cast<std::int64_t>(r.level)));
                     prereq.append(req);
                     auto idx = [](std::size_t x) { return x == mt::none ? std::int64_t{-1} : static_cast<std::int64_t>(x); };
                     parent[k] = idx(n.parent), scale[k] = idx(n.scale), out_scale[k] = idx(n.out_scale);
                     score_scale[k] = idx(n.score_scale), criterion[k] = idx(n.criterion);
                     weight[k] = n.weight, points[k] = n.points, scored[k] = n.scored ? 1 : 0;
                 }
                 py::dict d;
                 d["id"] = id, d["kind"] = kind, d["name"] = name, d["description"] = description, d["tags"] = tags;
                 d["stage"] = stage, d["role"] = role, d["method"] = method, d["subscores"] = subscores, d["requires"] = prereq;
                 d["parent"] = to_numpy(std::move(parent)), d["scale"] = to_numpy(std::move(scale));
                 d["out_scale"] = to_numpy(std::move(out_scale)), d["score_scale"] = to_numpy(std::move(score_scale));
                 d["criterion"] = to_numpy(std::move(criterion)), d["weight"] = to_numpy(std::move(weight));
                 d["points"] = to_numpy(std::move(points)), d["scored"] = to_numpy(std::move(scored));
                 return d;
             })
        .def("scales",
             [](const PyFramework& f) {
                 py::list out;
                 for (const auto& s : f.fw->scales) out.append(scale_dict(s));
                 return out;
             })
        .def("targets",
             [](const PyFramework& f) {
                 py::dict out;
                 for (const auto& t : f.fw->targets) {
                     py::list lv;
                     for (const auto& [node, level] : t.levels) lv.append(py::make_tuple(static_cast<std::int64_t>(node), static_cast<std::int64_t>(level)));
                     py::dict d;
                     d["name"] = t.name;
                     d["levels"] = lv;
                     out[py::str(t.id)] = d;
                 }
                 return out;
             })
        .def(
            "parse_ratings",
            [](const PyFramework& f, const py::handle& crit_obj, const std::vector<std::string>& texts) {
                auto crit = view<std::int64_t>(crit_obj, "criterion");
                if (crit.size() != texts.size()) fail_argument("rating", "needs one text per criterion");
                const auto& fw = *f.fw;
                std::vector<double> values(texts.size());
                std::vector<std::uint8_t> status(texts.size());
                std::int64_t bad = -1;
                for (std::size_t i = 0; i < texts.size(); ++i) {
                    if (crit[i] < 0 || static_cast<std::size_t>(crit[i]) >= fw.criteria.size())
                        fail_argument("criterion", i, "index is outside the framework's criteria");
                    const auto& s = fw.scales[fw.nodes[fw.criteria[static_cast<std::size_t>(crit[i])]].scale];
                    auto p = mt::parse_rating(s, texts[i]);
                    if (!p) {
                        bad = static_cast<std::int64_t>(i);
                        break;
                    }
                    values[i] = p->value;
                    status[i] = static_cast<std::uint8_t>(p->status);
                }
                return py::make_tuple(to_numpy(std::move(values)), to_numpy(std::move(status)),
                                      bad < 0 ? py::object(py::none()) : py::object(py::int_(bad)));
            },
            py::arg("criterion"), py::arg("texts"),
            "Ratings as text -> (values, status, index of the first text not understood or None).")
        .def("level_value",
             [](const PyFramework& f, std::size_t node, const std::string& text) -> py::object {
                 if (node >= f.fw->nodes.size()) fail_argument("node", "index is outside the framework");
                 if (f.fw->nodes[node].is_criterion()) {
                     auto p = mt::parse_rating(f.fw->scales[f.fw->nodes[node].scale], text);
                     if (!p || p->status != mt::Status::rated) return py::none();
                     return py::float_(p->value);
                 }
                 auto v = mt::parse_level_value(*f.fw, node, text);
                 return v ? py::object(py::float_(*v)) : py::object(py::none());
             })
        .def("scale_description", [](const PyFramework& f, std::size_t s) {
            if (s >= f.fw->scales.size()) fail_argument("scale", "index is outside the framework");
            return f.fw->scales[s].describe();
        });

    // ---- scoring
    py::class_<PyScore>(m, "MaturityScore", "Scores of every unit, round and node (columns are read-only numpy views).")
        .def_property_readonly("n_units", [](const PyScore& s) { return s.r->n_units; })
        .def_property_readonly("n_rounds", [](const PyScore& s) { return s.r->n_rounds; })
        .def_property_readonly("n_nodes", [](const PyScore& s) { return s.r->n_nodes; })
        .def("columns", [](py::object self) {
            const PyScore& s = self.cast<const PyScore&>();
            const auto& r = *s.r;
            py::dict d;
            d["rating"] = view_of(r.rating, self), d["score"] = view_of(r.score, self), d["level"] = view_of(r.level, self);
            d["level_index"] = view_of(r.level_index, self), d["percent"] = view_of(r.percent, self);
            d["points"] = view_of(r.points, self), d["se"] = view_of(r.se, self), d["status"] = view_of(r.status, self);
            d["flags"] = view_of(r.flags, self), d["n_items"] = view_of(r.n_items, self), d["n_missing"] = view_of(r.n_missing, self);
            d["rater_min"] = view_of(r.rater_min, self), d["rater_max"] = view_of(r.rater_max, self), d["spread"] = view_of(r.spread, self);
            d["cap"] = view_of(r.cap, self), d["carried_from"] = view_of(r.carried_from, self);
            d["override_index"] = view_of(r.override_index, self), d["assessed"] = view_of(r.assessed, self);
            d["noise_sd"] = view_of(r.noise_sd, self), d["noise_df"] = view_of(r.noise_df, self);
            return d;
        });

    py::list flag_names;
    for (auto n : mt::flag::names) flag_names.append(std::string(n));
    m.attr("MATURITY_FLAGS") = flag_names;

    m.def(
        "maturity_score",
        [](const PyFramework& f, const py::dict& data, std::size_t n_units, std::size_t n_rounds, std::size_t n_raters,
           const py::object& overrides, const py::dict& options) {
            const auto a = assessment_from(data, n_units, n_rounds, n_raters);
            const auto ov = overrides_from(overrides);
            const auto opt = options_from(options);
            auto r = std::make_shared<mt::ScoreResult>();
            {
                py::gil_scoped_release release;
                *r = mt::score(*f.fw, a, ov, opt);
            }
            return PyScore{f.fw, std::move(r)};
        },
        py::arg("framework"), py::arg("data"), py::arg("n_units"), py::arg("n_rounds"), py::arg("n_raters"),
        py::arg("overrides"), py::arg("options"));

    m.def(
        "maturity_agreement",
        [](const PyFramework& f, const py::dict& data, std::size_t n_units, std::size_t n_rounds, std::size_t n_raters,
           const py::dict& options, const py::object& metric, double tolerance) {
            const auto a = assessment_from(data, n_units, n_rounds, n_raters);
            const auto opt = options_from(options);
            std::optional<mt::Metric> me;
            if (!metric.is_none()) me = mt::parse_metric(metric.cast<std::string>());
            mt::AgreementResult r;
            {
                py::gil_scoped_release release;
                r = mt::agreement(*f.fw, a, opt, me, tolerance);
            }
            py::dict d;
            d["alpha"] = to_numpy(std::move(r.alpha)), d["pairwise_agreement"] = to_numpy(std::move(r.pairwise_agreement));
            d["exact_agreement"] = to_numpy(std::move(r.exact_agreement)), d["n_units"] = to_numpy(std::move(r.n_units));
            d["n_pairable"] = to_numpy(std::move(r.n_pairable)), d["n_values"] = to_numpy(std::move(r.n_values));
            d["n_disagreements"] = to_numpy(std::move(r.n_disagreements)), d["metric"] = to_numpy(std::move(r.metric));
            d["scale_alpha"] = to_numpy(std::move(r.scale_alpha));
            d["scale_pairwise_agreement"] = to_numpy(std::move(r.scale_pairwise_agreement));
            d["scale_exact_agreement"] = to_numpy(std::move(r.scale_exact_agreement));
            d["scale_n_pairable"] = to_numpy(std::move(r.scale_n_pairable)), d["scale_n_values"] = to_numpy(std::move(r.scale_n_values));
            d["scale_n_disagreements"] = to_numpy(std::move(r.scale_n_disagreements));
            d["scale_n_criteria"] = to_numpy(std::move(r.scale_n_criteria)), d["scale_metric"] = to_numpy(std::move(r.scale_metric));
            return d;
        },
        py::arg("framework"), py::arg("data"), py::arg("n_units"), py::arg("n_rounds"), py::arg("n_raters"), py::arg("options"),
        py::arg("metric"), py::arg("tolerance"));

    m.def(
        "krippendorff_alpha",
        [](const py::handle& values_obj, const py::handle& offsets_obj, const std::string& metric, double tolerance) {
            auto values = view<double>(values_obj, "values");
            auto offsets = view_index(offsets_obj, "offsets");
            const auto me = mt::parse_metric(metric);
            mt::AlphaResult r;
            {
                py::gil_scoped_release release;
                r = mt::krippendorff_alpha(values, offsets, me, tolerance);
            }
            py::dict d;
            d["alpha"] = r.alpha, d["observed"] = r.observed, d["expected"] = r.expected;
            d["n_units"] = r.n_units, d["n_pairable"] = r.n_pairable, d["n_values"] = r.n_values;
            d["pairwise_agreement"] = r.pairwise_agreement, d["exact_agreement"] = r.exact_agreement;
            return d;
        },
        py::arg("values"), py::arg("offsets"), py::arg("metric"), py::arg("tolerance") = 0.0,
        "Krippendorff's alpha: values of unit u are values[offsets[u]:offsets[u+1]] (NaN = missing).");

    m.def(
        "maturity_what_if",
        [](const PyScore& s, std::size_t node, const py::object& level, bool minimise, unsigned threads) {
            mt::WhatIfOptions o;
            o.node = node;
            if (!level.is_none()) o.level = level.cast<std::size_t>();
            o.minimise_amounts = minimise;
            mt::WhatIfResult w;
            {
                py::gil_scoped_release release;
                w = mt::what_if(*s.fw, *s.r, o, threads);
            }
            py::dict d;
            d["unit"] = to_numpy(std::move(w.unit)), d["round"] = to_numpy(std::move(w.round));
            d["current"] = to_numpy(std::move(w.current)), d["target"] = to_numpy(std::move(w.target));
            d["new_level"] = to_numpy(std::move(w.new_level)), d["outcome"] = to_numpy(std::move(w.outcome));
            d["exact"] = to_numpy(std::move(w.exact)), d["n_changes"] = to_numpy(std::move(w.n_changes));
            d["new_score"] = to_numpy(std::move(w.new_score));
            d["offsets"] = to_numpy<std::size_t, std::int64_t>(std::move(w.offsets));
            d["change_node"] = to_numpy(std::move(w.change_node)), d["change_from"] = to_numpy(std::move(w.change_from));
            d["change_to"] = to_numpy(std::move(w.change_to));
            return d;
        },
        py::arg("score"), py::arg("node"), py::arg("level"), py::arg("minimise") = true, py::arg("threads") = 0);
    py::list outcomes;
    for (auto w : {mt::WhatIf::plan, mt::WhatIf::already, mt::WhatIf::top_level, mt::WhatIf::unreachable, mt::WhatIf::not_rated,
                   mt::WhatIf::no_levels, mt::WhatIf::overridden})
        outcomes.append(std::string(mt::to_string(w)));
    m.attr("MATURITY_WHAT_IF_OUTCOMES") = outcomes;

    m.def(
        "maturity_gaps",
        [](const PyScore& s, const py::handle& nodes_obj, const py::handle& levels_obj) {
            auto nodes = view_index(nodes_obj, "target nodes");
            auto levels = view_index(levels_obj, "target levels");
            if (nodes.size() != levels.size()) fail_argument("target", "needs one level per node");
            std::vector<std::pair<std::size_t, std::size_t>> t;
            for (std::size_t i = 0; i < nodes.size(); ++i) t.emplace_back(nodes[i], levels[i]);
            mt::GapResult g;
            {
                py::gil_scoped_release release;
                g = mt::gaps(*s.fw, *s.r, t);
            }
            py::dict d;
            d["unit"] = to_numpy(std::move(g.unit)), d["round"] = to_numpy(std::move(g.round)), d["node"] = to_numpy(std::move(g.node));
            d["current"] = to_numpy(std::move(g.current)), d["target"] = to_numpy(std::move(g.target));
            d["gap_levels"] = to_numpy(std::move(g.gap_levels)), d["score"] = to_numpy(std::move(g.score));
            d["target_score"] = to_numpy(std::move(g.target_score)), d["gap_score"] = to_numpy(std::move(g.gap_score));
            d["met"] = to_numpy(std::move(g.met));
            return d;
        },
        py::arg("score"), py::arg("nodes"), py::arg("levels"));

    auto compare_dict = [](mt::CompareResult&& c) {
        py::dict d;
        d["change"] = to_numpy(std::move(c.change)), d["change_se"] = to_numpy(std::move(c.change_se)), d["z"] = to_numpy(std::move(c.z));
        d["level_change"] = to_numpy(std::move(c.level_change)), d["judgement"] = to_numpy(std::move(c.judgement));
        d["beyond_noise"] = to_numpy(std::move(c.beyond_noise));
        return d;
    };
    m.def(
        "maturity_compare",
        [compare_dict](const py::handle& ps, const py::handle& pse, const py::handle& pl, const py::handle& pst, const py::handle& cs,
                       const py::handle& cse, const py::handle& cl, const py::handle& cst, double z) {
            auto a = view<double>(ps, "previous score");
            auto b = view<double>(pse, "previous se");
            auto c = view<std::int32_t>(pl, "previous level");
            auto d = view<std::uint8_t>(pst, "previous status");
            auto e = view<double>(cs, "score");
            auto f = view<double>(cse, "se");
            auto g = view<std::int32_t>(cl, "level");
            auto h = view<std::uint8_t>(cst, "status");
            mt::CompareResult r;
            {
                py::gil_scoped_release release;
                r = mt::compare(a, b, c, d, e, f, g, h, z);
            }
            return compare_dict(std::move(r));
        },
        py::arg("previous_score"), py::arg("previous_se"), py::arg("previous_level"), py::arg("previous_status"), py::arg("score"),
        py::arg("se"), py::arg("level"), py::arg("status"), py::arg("z") = 1.96);
    m.def(
        "maturity_compare_rounds",
        [compare_dict](const PyScore& s, double z) {
            mt::CompareResult r;
            {
                py::gil_scoped_release release;
                r = mt::compare_rounds(*s.r, z);
            }
            return compare_dict(std::move(r));
        },
        py::arg("score"), py::arg("z") = 1.96);
    py::list judgements;
    for (auto c : {mt::Change::improved, mt::Change::declined, mt::Change::no_change, mt::Change::within_noise, mt::Change::not_comparable})
        judgements.append(std::string(mt::to_string(c)));
    m.attr("MATURITY_JUDGEMENTS") = judgements;

    m.def(
        "maturity_rollup",
        [](const PyScore& s, const py::handle& group_obj, std::size_t k) {
            auto groups = optional_view<std::int64_t>(group_obj, "by");
            mt::RollupResult r;
            {
                py::gil_scoped_release release;
                r = mt::rollup(*s.fw, *s.r, groups, k);
            }
            py::dict d;
            d["group"] = to_numpy(std::move(r.group)), d["round"] = to_numpy(std::move(r.round)), d["node"] = to_numpy(std::move(r.node));
            d["n_units"] = to_numpy(std::move(r.n_units)), d["n_rated"] = to_numpy(std::move(r.n_rated));
            d["mean_score"] = to_numpy(std::move(r.mean_score)), d["min_score"] = to_numpy(std::move(r.min_score));
            d["median_score"] = to_numpy(std::move(r.median_score)), d["max_score"] = to_numpy(std::move(r.max_score));
            d["level_offsets"] = to_numpy<std::size_t, std::int64_t>(std::move(r.level_offsets));
            d["level_counts"] = to_numpy(std::move(r.level_counts));
            d["weakest"] = to_numpy(std::move(r.weakest));
            d["k"] = r.k_weakest;
            return d;
        },
        py::arg("score"), py::arg("by"), py::arg("k") = 3);
}

}  // namespace qm::bind
