#pragma once
// qm/maturity/json.hpp — reading frameworks from JSON (nlohmann-json), with errors that name the
// file, the JSON pointer inside it and the problem.
//
// Synopsis
//   class qm::maturity::framework_error : qm::invalid_argument {
//       const std::string& file() const; const std::string& pointer() const; const std::string& problem() const;
//   }
//   Framework qm::maturity::parse_framework(std::string_view json_text, std::string_view file = "<string>",
//                                           std::string_view scoring_override = {})
//   Framework qm::maturity::load_framework(const std::string& path, std::string_view scoring_override = {})
//   Framework qm::maturity::with_scoring(const Framework&, std::string_view scoring_override)
//
// Messages have the shape "<file>: <pointer>: <problem>", e.g.
//   qms.json: /domains/2/elements/0/criteria/3/scale: unknown scale 'maturity6' (known: maturity5, psoe)
//   qms.json: invalid JSON: parse error at line 12, column 5: syntax error while parsing object ...
//
// The format (the JSON Schema is python/qualitymetrics/frameworks/framework.schema.json):
//   { "format": "qualitymetrics.maturity/1", "id", "version", "name", "description",
//     "scales": [ {"id", "type": "ordinal"|"cumulative"|"banded", "levels": [{"value", "code",
//                  "label", "descriptor", "min"|"above"}], "min", "max", "step", "round",
//                  "not_rated": [codes], "not_applicable": [codes], "between": bool} ],
//     "scale": default criterion scale, "subscores": default sub-scores [{"id", "name", "weight"}],
//     "scoring": {"missing", "subscores": "mean"|"min", "evidence": {"max_age_days", "required", "stale"},
//                 "element": method, "domain": method, "overall": method},
//     "targets": {"<id>": {"name", "levels": {"<node id>"|"domains"|"elements"|"criteria": level}}},
//     "domains": [ {"id", "name", "weight", "points", "tags", "stage", "scored", "scoring",
//                   "elements": [ {…, "criteria": [ {"id", "name", "text", "weight", "scale", "role",
//                                  "tags", "stage", "subscores", "requires": [{"criterion", "at_least"}],
//                                  "evidence": {"max_age_days"}, "descriptors": {level: text}} ]} ]} ] }
//   method: {"method": "weighted_mean"|"percent_bands"|"count_rules"|"weakest_link"|"staged"|"psoe",
//            "missing", "over": "children"|"criteria", "use": "score"|"level", "bands", "scale",
//            "from": "zero"|"min", "rules": [{"level", "when": [condition]}], "otherwise",
//            "caps": [{"when": condition, "max", "reason"}], "satisfied_at": level | {stage: level},
//            "base", "minimum", "effective", "excellence", "effective_share"}
//   condition: {"of": "children"|"criteria", "ids": [...], "tag", "where": ">=good", "min", "max"}
// Unknown keys are errors (typos must not pass silently), except "$schema", "$comment", "notes"
// and keys starting with "x-". Duplicate keys in an object are errors.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <qm/core/error.hpp>
#include <qm/maturity/framework.hpp>

namespace qm::maturity {

/// A framework (or method override) that cannot be read: names the file, the JSON pointer and
/// the problem.
class framework_error : public qm::invalid_argument {
public:
    framework_error(std::string file, std::string pointer, std::string problem)
        : qm::invalid_argument(compose(file, pointer, problem)),
          file_(std::move(file)), pointer_(std::move(pointer)), problem_(std::move(problem)) {}
    const std::string& file() const noexcept { return file_; }
    const std::string& pointer() const noexcept { return pointer_; }
    const std::string& problem() const noexcept { return problem_; }

private:
    static std::string compose(const std::string& f, const std::string& p, const std::string& pr) {
        std::string s = f;
        s += ": ";
        if (!p.empty()) s += p + ": ";
        return s + pr;
    }
    std::string file_, pointer_, problem_;
};

Framework parse_framework(std::string_view json_text, std::string_view file = "<string>",
                          std::string_view scoring_override = {});
Framework load_framework(const std::string& path, std::string_view scoring_override = {});
Framework with_scoring(const Framework& framework, std::string_view scoring_override);

// ================================================================================================
// Implementation
// ================================================================================================
namespace detail {

using json = nlohmann::json;

inline std::string escape_pointer_token(std::string_view t) {
    std::string s;
    for (char c : t) {
        if (c == '~') s += "~0";
        else if (c == '/') s += "~1";
        else s += c;
    }
    return s;
}

inline std::string quote(std::string_view s) {
    std::string out = "'";
    for (char c : s.substr(0, 80)) out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
    if (s.size() > 80) out += "…";
    return out + "'";
}

/// Parses JSON text, failing on invalid JSON, duplicate keys and excessive nesting.
inline json parse_json_text(std::string_view text, const std::string& file) {
    struct Frame {
        bool array = false;
        long index = -1;
        std::string key;
        std::set<std::string> keys;
    };
    std::vector<Frame> stack;
    auto pointer = [&stack] {
        std::string p;
        for (const auto& f : stack) {
            p += '/';
            p += f.array ? std::to_string(f.index) : escape_pointer_token(f.key);
        }
        return p;
    };
    auto element_start = [&stack] {
        if (!stack.empty() && stack.back().array) ++stack.back().index;
    };
    constexpr int max_depth = 64;
    json::parser_callback_t cb = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
        switch (event) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                if (depth >= max_depth)
                    throw framework_error(file, pointer(), "nested more than " + std::to_string(max_depth) + " levels deep");
                element_start();
                stack.push_back(Frame{event == json::parse_event_t::array_start, -1, {}, {}});
                break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                if (!stack.empty()) stack.pop_back();
                break;
            case json::parse_event_t::key: {
                auto k = parsed.get<std::string>();
                auto& f = stack.back();
                f.key = k;
                if (!f.keys.insert(k).second) throw framework_error(file, pointer(), "duplicate key " + quote(k));
                break;
            }
            case json::parse_event_t::value: element_start(); break;
        }
        return true;
    };
    try {
        return json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/true, /*ignore_comments=*/false);
    } catch (const json::parse_error& e) {
        std::string what = e.what();
        const auto pos = what.find("] ");
        if (pos != std::string::npos) what = what.substr(pos + 2);
        throw framework_error(file, "", "invalid JSON: " + what);
    }
}

inline std::string type_of(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return j.get<bool>() ? "true" : "false";
        case json::value_t::string: return "the string " + quote(j.get_ref<const std::string&>());
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float: return "the number " + j.dump();
        case json::value_t::object: return "an object";
        case json::value_t::array: return "an array";
        default: return "a value of another type";
    }
}

/// Reads JSON values with the pointer of each, failing with framework_error.
class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}
    const std::string& file() const noexcept { return file_; }

    [[noreturn]] void fail(const std::string& ptr, const std::string& problem) const {
        throw framework_error(file_, ptr, problem);
    }

    static std::string at(const std::string& ptr, std::string_view key) { return ptr + "/" + escape_pointer_token(key); }
    static std::string at(const std::string& ptr, std::size_t i) { return ptr + "/" + std::to_string(i); }

    void expect_object(const json& j, const std::string& ptr, std::string_view what) const {
        if (!j.is_object()) fail(ptr, "expected " + std::string(what) + " (a JSON object), got " + type_of(j));
    }
    void expect_array(const json& j, const std::string& ptr, std::string_view what) const {
        if (!j.is_array()) fail(ptr, "expected " + std::string(what) + " (a JSON array), got " + type_of(j));
    }

    /// Every key of `obj` must be one of `allowed` (or "$schema", "$comment", "notes", "x-…").
    void only_keys(const json& obj, const std::string& ptr, std::initializer_list<std::string_view> allowed,
                   std::string_view what) const {
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            const std::string& k = it.key();
            if (k == "$schema" || k == "$comment" || k == "notes" || k.rfind("x-", 0) == 0) continue;
            if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            fail(at(ptr, k), "unknown key " + quote(k) + " in " + std::string(what) + " (expected one of: " + list + ")");
        }
    }

    static const json* find(const json& obj, std::string_view key) {
        auto it = obj.find(std::string(key));
        return it == obj.end() ? nullptr : &*it;
    }

    std::string string(const json& obj, const std::string& ptr, std::string_view key, bool required,
                       std::string dflt = {}) const {
        const json* v = find(obj, key);
        if (!v) {
            if (required) fail(ptr, "missing required key " + quote(key));
            return dflt;
        }
        if (!v->is_string()) fail(at(ptr, key), "expected a string, got " + type_of(*v));
        return v->get<std::string>();
    }

    double number(const json& obj, const std::string& ptr, std::string_view key, bool required, double dflt) const {
        const json* v = find(obj, key);
        if (!v) {
            if (required) fail(ptr, "missing required key " + quote(key));
            return dflt;
        }
        if (!v->is_number()) fail(at(ptr, key), "expected a number, got " + type_of(*v));
        const double d = v->get<double>();
        if (!std::isfinite(d)) fail(at(ptr, key), "must be finite");
        return d;
    }

    long long integer(const json& obj, const std::string& ptr, std::string_view key, bool required, long long dflt,
                      long long lo, long long hi) const {
        const json* v = find(obj, key);
        if (!v) {
            if (required) fail(ptr, "missing required key " + quote(key));
            return dflt;
        }
        if (!v->is_number_integer() && !v->is_number_unsigned()) {
            if (v->is_number_float()) {
                const double d = v->get<double>();
                if (std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(lo) && d <= static_cast<double>(hi))
                    return static_cast<long long>(d);
            }
            fail(at(ptr, key), "expected a whole number, got " + type_of(*v));
        }
        if (v->is_number_unsigned() && v->get<unsigned long long>() > static_cast<unsigned long long>(hi))
            fail(at(ptr, key), "must be at most " + std::to_string(hi) + ", got " + v->dump());
        const long long x = v->get<long long>();
        if (x < lo || x > hi)
            fail(at(ptr, key), "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + v->dump());
        return x;
    }

    bool boolean(const json& obj, const std::string& ptr, std::string_view key, bool dflt) const {
        const json* v = find(obj, key);
        if (!v) return dflt;
        if (!v->is_boolean()) fail(at(ptr, key), "expected true or false, got " + type_of(*v));
        return v->get<bool>();
    }

    std::vector<std::string> strings(const json& obj, const std::string& ptr, std::string_view key) const {
        std::vector<std::string> out;
        const json* v = find(obj, key);
        if (!v) return out;
        const auto p = at(ptr, key);
        expect_array(*v, p, "a list of strings");
        for (std::size_t i = 0; i < v->size(); ++i) {
            if (!(*v)[i].is_string()) fail(at(p, i), "expected a string, got " + type_of((*v)[i]));
            out.push_back((*v)[i].get<std::string>());
        }
        return out;
    }

    /// A choice among fixed words.
    template <class E>
    E choice(const json& obj, const std::string& ptr, std::string_view key,
             std::initializer_list<std::pair<std::string_view, E>> options, bool required, E dflt) const {
        const json* v = find(obj, key);
        if (!v) {
            if (required) fail(ptr, "missing required key " + quote(key));
            return dflt;
        }
        std::string list;
        for (const auto& o : options) list += (list.empty() ? "'" : ", '") + std::string(o.first) + "'";
        if (!v->is_string()) fail(at(ptr, key), "expected one of " + list + ", got " + type_of(*v));
        const auto& s = v->get_ref<const std::string&>();
        for (const auto& o : options)
            if (o.first == s) return o.second;
        fail(at(ptr, key), "unknown value " + quote(s) + " (expected one of " + list + ")");
    }

    /// Text of a level reference: a string, or a number written as text.
    std::string level_text(const json& v, const std::string& ptr) const {
        if (v.is_string()) return v.get<std::string>();
        if (v.is_number()) {
            const double d = v.get<double>();
            if (!std::isfinite(d)) fail(ptr, "must be finite");
            return Scale::format_number(d);
        }
        fail(ptr, "expected a level (its code, label or value), got " + type_of(v));
    }

    std::size_t level(const json& v, const std::string& ptr, const Scale& s) const {
        const std::string t = level_text(v, ptr);
        if (auto i = s.find_level(t)) return *i;
        fail(ptr, "level " + quote(t) + " is not on scale " + s.describe());
    }

private:
    std::string file_;
};

inline bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-' || c == ':';
        if (!ok) return false;
    }
    return true;
}

/// The reserved output scale of the psoe method.
inline Scale psoe_outcome_scale() {
    Scale s;
    s.id = "psoe_outcome";
    s.name = "PSOE element outcome";
    s.kind = ScaleKind::ordinal;
    s.levels = {
        {0.0, "not_achieved", "effectiveness_not_achieved", "not every compliance marker is operating, or effectiveness is not shown", {}, false},
        {1.0, "achieved", "effectiveness_achieved", "every compliance marker is at least operating and effectiveness is shown", {}, false},
        {2.0, "excellence", "signs_of_excellence", "effectiveness achieved and the excellence markers are in place", {}, false},
    };
    s.min = 0.0;
    s.max = 2.0;
    return s;
}

class FrameworkBuilder {
public:
    FrameworkBuilder(std::string_view text, std::string file, std::string_view scoring_override)
        : r_(file), file_(std::move(file)) {
        fw_.file = file_;
        fw_.text = std::string(text);
        root_ = parse_json_text(text, file_);
        if (!scoring_override.empty()) {
            override_ = parse_json_text(scoring_override, "method");
            Reader ro("method");
            ro.expect_object(override_, "", "a scoring override");
            ro.only_keys(override_, "", {"missing", "subscores", "evidence", "element", "domain", "overall"}, "a scoring override");
        }
    }

    Framework build() {
        const json& j = root_;
        r_.expect_object(j, "", "a framework");
        r_.only_keys(j, "", {"format", "id", "version", "name", "description", "source", "licence", "license", "scales",
                              "scale", "subscores", "scoring", "targets", "domains"},
                     "a framework");
        fw_.format = r_.string(j, "", "format", true);
        if (fw_.format != framework_format)
            r_.fail("/format", "unsupported format " + quote(fw_.format) + " (this library reads " +
                                   quote(framework_format) + ")");
        fw_.id = r_.string(j, "", "id", true);
        if (!valid_id(fw_.id)) r_.fail("/id", "invalid id " + quote(fw_.id) + ": use letters, digits, '.', '_', ':' and '-'");
        fw_.version = r_.string(j, "", "version", true);
        if (fw_.version.empty()) r_.fail("/version", "must not be empty");
        fw_.name = r_.string(j, "", "name", false, fw_.id);
        fw_.description = r_.string(j, "", "description", false);

        read_scales(j);
        default_scale_ = none;
        if (const json* s = Reader::find(j, "scale")) {
            if (!s->is_string()) r_.fail("/scale", "expected a scale id, got " + type_of(*s));
            default_scale_ = scale_ref(s->get<std::string>(), "/scale");
        }
        if (const json* s = Reader::find(j, "subscores")) default_subscores_ = read_subscores(*s, "/subscores");

        read_scoring_options(j);
        read_nodes(j);
        resolve_requirements();
        compile_methods();
        read_targets(j);
        return std::move(fw_);
    }

private:
    // ------------------------------------------------------------------ scales
    std::size_t scale_ref(const std::string& id, const std::string& ptr) const {
        const auto i = fw_.find_scale(id);
        if (i == none) {
            std::string known;
            for (const auto& s : fw_.scales)
                if (s.id != "psoe_outcome") known += (known.empty() ? "" : ", ") + s.id;
            r_.fail(ptr, "unknown scale " + quote(id) + " (known: " + (known.empty() ? "none" : known) + ")");
        }
        return i;
    }

    void read_scales(const json& j) {
        const json* arr = Reader::find(j, "scales");
        if (!arr) r_.fail("", "missing required key 'scales'");
        r_.expect_array(*arr, "/scales", "a list of scales");
        if (arr->empty()) r_.fail("/scales", "must list at least one scale");
        for (std::size_t si = 0; si < arr->size(); ++si) {
            const auto ptr = Reader::at("/scales", si);
            const json& sj = (*arr)[si];
            r_.expect_object(sj, ptr, "a scale");
            r_.only_keys(sj, ptr, {"id", "name", "description", "type", "levels", "min", "max", "step", "round",
                                   "not_rated", "not_applicable", "between"},
                         "a scale");
            Scale s;
            s.id = r_.string(sj, ptr, "id", true);
            if (!valid_id(s.id)) r_.fail(Reader::at(ptr, "id"), "invalid id " + quote(s.id) + ": use letters, digits, '.', '_', ':' and '-'");
            if (s.id == "psoe_outcome") r_.fail(Reader::at(ptr, "id"), "'psoe_outcome' is reserved for the output of the psoe method");
            if (fw_.find_scale(s.id) != none) r_.fail(Reader::at(ptr, "id"), "duplicate scale id " + quote(s.id));
            s.name = r_.string(sj, ptr, "name", false, s.id);
            s.kind = r_.choice<ScaleKind>(sj, ptr, "type",
                                          {{"ordinal", ScaleKind::ordinal}, {"cumulative", ScaleKind::cumulative}, {"banded", ScaleKind::banded}},
                                          true, ScaleKind::ordinal);
            const json* lv = Reader::find(sj, "levels");
            if (!lv) r_.fail(ptr, "missing required key 'levels'");
            const auto lptr = Reader::at(ptr, "levels");
            r_.expect_array(*lv, lptr, "a list of levels");
            if (lv->size() < 2) r_.fail(lptr, "a scale needs at least two levels, got " + std::to_string(lv->size()));
            if (lv->size() > 1000) r_.fail(lptr, "too many levels (at most 1000)");
            for (std::size_t li = 0; li < lv->size(); ++li) {
                const auto p = Reader::at(lptr, li);
                const json& l = (*lv)[li];
                r_.expect_object(l, p, "a level");
                if (s.kind == ScaleKind::banded)
                    r_.only_keys(l, p, {"value", "code", "label", "descriptor", "min", "above"}, "a band");
                else
                    r_.only_keys(l, p, {"value", "code", "label", "descriptor"}, "a level");
                ScaleLevel x;
                x.value = r_.number(l, p, "value", true, 0.0);
                x.code = r_.string(l, p, "code", false);
                x.label = r_.string(l, p, "label", true);
                x.descriptor = r_.string(l, p, "descriptor", false);
                if (x.label.empty()) r_.fail(Reader::at(p, "label"), "must not be empty");
                if (s.kind == ScaleKind::banded) {
                    const bool has_min = Reader::find(l, "min") != nullptr, has_above = Reader::find(l, "above") != nullptr;
                    if (has_min == has_above)
                        r_.fail(p, "a band needs exactly one lower bound: 'min' (inclusive) or 'above' (exclusive)");
                    x.strict = has_above;
                    x.lower = r_.number(l, p, has_min ? "min" : "above", true, 0.0);
                }
                if (!s.levels.empty()) {
                    const auto& prev = s.levels.back();
                    if (!(x.value > prev.value))
                        r_.fail(Reader::at(p, "value"), "level values must increase from the lowest level to the highest (" +
                                                           Scale::format_number(x.value) + " follows " +
                                                           Scale::format_number(prev.value) + ")");
                    if (s.kind == ScaleKind::banded && !(x.lower > prev.lower || (x.lower == prev.lower && x.strict && !prev.strict)))
                        r_.fail(p, "band lower bounds must increase from the lowest band to the highest");
                }
                for (const auto& o : s.levels) {
                    if (!x.code.empty() && (x.code == o.code || x.code == o.label))
                        r_.fail(Reader::at(p, "code"), "duplicate level code " + quote(x.code) + " in scale " + quote(s.id));
                    if (x.label == o.label || x.label == o.code)
                        r_.fail(Reader::at(p, "label"), "duplicate level label " + quote(x.label) + " in scale " + quote(s.id));
                }
                // A code or label that reads as a number must be that level's own value, or
                // references such as "2" would be ambiguous.
                for (const std::string* t : {&x.code, &x.label}) {
                    double num = 0.0;
                    if (!t->empty() && Scale::parse_number(*t, num) && num != x.value)
                        r_.fail(p, "level text " + quote(*t) + " reads as the number " + Scale::format_number(num) +
                                       " but the level's value is " + Scale::format_number(x.value));
                }
                s.levels.push_back(std::move(x));
            }
            if (s.kind == ScaleKind::banded) {
                s.min = r_.number(sj, ptr, "min", true, 0.0);
                s.max = r_.number(sj, ptr, "max", true, 0.0);
                if (!(s.min < s.max)) r_.fail(Reader::at(ptr, "max"), "must be greater than min");
                s.step = r_.number(sj, ptr, "step", false, 0.0);
                if (s.step < 0.0 || s.step > s.max - s.min) r_.fail(Reader::at(ptr, "step"), "must be between 0 and max - min");
                s.round = static_cast<int>(r_.integer(sj, ptr, "round", false, -1, -1, 9));
            } else {
                for (const char* k : {"min", "max", "step", "round"})
                    if (Reader::find(sj, k))
                        r_.fail(Reader::at(ptr, k), "only banded scales take '" + std::string(k) + "' (an " +
                                                        std::string(to_string(s.kind)) + " scale's range is its levels)");
                s.min = s.levels.front().value;
                s.max = s.levels.back().value;
            }
            s.between = r_.boolean(sj, ptr, "between", false);
            if (s.between && s.kind == ScaleKind::banded)
                r_.fail(Reader::at(ptr, "between"), "a banded scale takes any value in its range already; 'between' is for ordinal scales");
            s.not_rated_codes = r_.strings(sj, ptr, "not_rated");
            s.not_applicable_codes = r_.strings(sj, ptr, "not_applicable");
            for (const auto* list : {&s.not_rated_codes, &s.not_applicable_codes})
                for (const auto& c : *list)
                    if (s.find_level(c))
                        r_.fail(ptr, "code " + quote(c) + " is both a level and a not-rated/not-applicable code");
            fw_.scales.push_back(std::move(s));
        }
    }

    // ------------------------------------------------------------------ scoring options
    const json* scoring_section(std::string_view key) const {
        if (override_.is_object())
            if (const json* o = Reader::find(override_, key)) return o;
        const json* sc = Reader::find(root_, "scoring");
        return sc ? Reader::find(*sc, key) : nullptr;
    }
    std::string scoring_pointer(std::string_view key) const {
        if (override_.is_object() && Reader::find(override_, key)) return "/" + std::string(key);
        return "/scoring/" + std::string(key);
    }
    const Reader& scoring_reader(std::string_view key) const {
        return (override_.is_object() && Reader::find(override_, key)) ? ro_ : r_;
    }

    static MissingPolicy read_missing(const Reader& r, const json& obj, const std::string& ptr, MissingPolicy dflt) {
        return r.choice<MissingPolicy>(obj, ptr, "missing",
                                       {{"exclude", MissingPolicy::exclude}, {"lowest", MissingPolicy::lowest}, {"not_rated", MissingPolicy::not_rated}},
                                       false, dflt);
    }

    void read_scoring_options(const json& j) {
        if (const json* sc = Reader::find(j, "scoring")) {
            r_.expect_object(*sc, "/scoring", "the scoring section");
            r_.only_keys(*sc, "/scoring", {"missing", "subscores", "evidence", "element", "domain", "overall"}, "the scoring section");
        }
        // top-level options: the override wins key by key
        const json* sources[2] = {Reader::find(j, "scoring"), override_.is_object() ? &override_ : nullptr};
        for (const json* src : sources) {
            if (!src) continue;
            const bool is_override = src == &override_;
            const Reader& r = is_override ? ro_ : r_;
            const std::string base = is_override ? "" : "/scoring";
            fw_.missing = read_missing(r, *src, base, fw_.missing);
            fw_.subscore_rule = r.choice<SubscoreRule>(*src, base, "subscores", {{"mean", SubscoreRule::mean}, {"min", SubscoreRule::min}},
                                                       false, fw_.subscore_rule);
            if (const json* ev = Reader::find(*src, "evidence")) {
                const auto p = base + "/evidence";
                r.expect_object(*ev, p, "an evidence policy");
                r.only_keys(*ev, p, {"max_age_days", "required", "stale"}, "an evidence policy");
                fw_.evidence.max_age_days = static_cast<int>(r.integer(*ev, p, "max_age_days", false, fw_.evidence.max_age_days, -1, 36500));
                fw_.evidence.required = r.boolean(*ev, p, "required", fw_.evidence.required);
                fw_.evidence.stale = r.choice<StalePolicy>(*ev, p, "stale", {{"not_rated", StalePolicy::not_rated}, {"flag", StalePolicy::flag}},
                                                          false, fw_.evidence.stale);
            }
        }
    }

    // ------------------------------------------------------------------ nodes
    std::vector<Subscore> read_subscores(const json& v, const std::string& ptr) const {
        r_.expect_array(v, ptr, "a list of sub-scores");
        std::vector<Subscore> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            const auto p = Reader::at(ptr, i);
            r_.expect_object(v[i], p, "a sub-score");
            r_.only_keys(v[i], p, {"id", "name", "description", "weight"}, "a sub-score");
            Subscore s;
            s.id = r_.string(v[i], p, "id", true);
            if (!valid_id(s.id)) r_.fail(Reader::at(p, "id"), "invalid id " + quote(s.id) + ": use letters, digits, '.', '_', ':' and '-'");
            s.name = r_.string(v[i], p, "name", false, s.id);
            s.weight = r_.number(v[i], p, "weight", false, 1.0);
            if (s.weight < 0.0) r_.fail(Reader::at(p, "weight"), "must not be negative");
            for (const auto& o : out)
                if (o.id == s.id) r_.fail(Reader::at(p, "id"), "duplicate sub-score id " + quote(s.id));
            out.push_back(std::move(s));
        }
        if (!out.empty()) {
            double total = 0.0;
            for (const auto& s : out) total += s.weight;
            if (!(total > 0.0)) r_.fail(ptr, "the sub-score weights must not all be zero");
        }
        return out;
    }

    std::size_t add_node(NodeKind kind, const json& nj, const std::string& ptr, std::size_t parent) {
        Node n;
        n.kind = kind;
        n.parent = parent;
        n.pointer = ptr;
        n.id = r_.string(nj, ptr, "id", true);
        if (!valid_id(n.id)) r_.fail(Reader::at(ptr, "id"), "invalid id " + quote(n.id) + ": use letters, digits, '.', '_', ':' and '-'");
        if (n.id == "overall") r_.fail(Reader::at(ptr, "id"), "'overall' is reserved for the framework as a whole");
        const auto [it, fresh] = ids_.emplace(n.id, ptr);
        if (!fresh) r_.fail(Reader::at(ptr, "id"), "duplicate id " + quote(n.id) + " (also at " + it->second + ")");
        n.name = r_.string(nj, ptr, "name", false);
        n.description = r_.string(nj, ptr, kind == NodeKind::criterion && Reader::find(nj, "text") ? "text" : "description", false);
        if (n.name.empty()) n.name = n.id;
        n.weight = r_.number(nj, ptr, "weight", false, 1.0);
        if (n.weight < 0.0) r_.fail(Reader::at(ptr, "weight"), "must not be negative, got " + Scale::format_number(n.weight));
        n.points = r_.number(nj, ptr, "points", false, std::numeric_limits<double>::quiet_NaN());
        if (!std::isnan(n.points) && n.points < 0.0) r_.fail(Reader::at(ptr, "points"), "must not be negative");
        n.tags = r_.strings(nj, ptr, "tags");
        n.scored = r_.boolean(nj, ptr, "scored", true);
        if (const json* st = Reader::find(nj, "stage")) n.stage = r_.level_text(*st, Reader::at(ptr, "stage"));
        else if (parent != none) n.stage = fw_.nodes[parent].stage;
        const std::size_t idx = fw_.nodes.size();
        fw_.nodes.push_back(std::move(n));
        if (parent != none) fw_.nodes[parent].children.push_back(idx);
        return idx;
    }

    void read_nodes(const json& j) {
        Node root;
        root.kind = NodeKind::overall;
        root.id = "overall";
        root.name = fw_.name;
        root.pointer = "";
        fw_.nodes.push_back(std::move(root));
        ids_.emplace("overall", "");

        const json* domains = Reader::find(j, "domains");
        if (!domains) r_.fail("", "missing required key 'domains'");
        r_.expect_array(*domains, "/domains", "a list of domains");
        if (domains->empty()) r_.fail("/domains", "must list at least one domain");
        for (std::size_t di = 0; di < domains->size(); ++di) {
            const auto dptr = Reader::at("/domains", di);
            const json& dj = (*domains)[di];
            r_.expect_object(dj, dptr, "a domain");
            r_.only_keys(dj, dptr, {"id", "name", "description", "weight", "points", "tags", "stage", "scored", "scoring", "elements"}, "a domain");
            const auto d = add_node(NodeKind::domain, dj, dptr, 0);
            const json* els = Reader::find(dj, "elements");
            if (!els) r_.fail(dptr, "missing required key 'elements'");
            const auto eptr0 = Reader::at(dptr, "elements");
            r_.expect_array(*els, eptr0, "a list of elements");
            if (els->empty()) r_.fail(eptr0, "a domain needs at least one element");
            for (std::size_t ei = 0; ei < els->size(); ++ei) {
                const auto eptr = Reader::at(eptr0, ei);
                const json& ej = (*els)[ei];
                r_.expect_object(ej, eptr, "an element");
                r_.only_keys(ej, eptr, {"id", "name", "description", "weight", "points", "tags", "stage", "scored", "scoring", "criteria"}, "an element");
                const auto e = add_node(NodeKind::element, ej, eptr, d);
                const json* cs = Reader::find(ej, "criteria");
                if (!cs) r_.fail(eptr, "missing required key 'criteria'");
                const auto cptr0 = Reader::at(eptr, "criteria");
                r_.expect_array(*cs, cptr0, "a list of criteria");
                if (cs->empty()) r_.fail(cptr0, "an element needs at least one criterion");
                for (std::size_t ci = 0; ci < cs->size(); ++ci) read_criterion((*cs)[ci], Reader::at(cptr0, ci), e);
            }
        }
        if (fw_.criteria.size() > 1000000) r_.fail("/domains", "too many criteria");
    }

    void read_criterion(const json& cj, const std::string& ptr, std::size_t element) {
        r_.expect_object(cj, ptr, "a criterion");
        r_.only_keys(cj, ptr, {"id", "name", "text", "description", "weight", "points", "tags", "stage", "scored", "scale", "role",
                               "subscores", "requires", "evidence", "descriptors"},
                     "a criterion");
        if (Reader::find(cj, "text") && Reader::find(cj, "description"))
            r_.fail(ptr, "give either 'text' or 'description', not both");
        const auto c = add_node(NodeKind::criterion, cj, ptr, element);
        Node& n = fw_.nodes[c];
        if (const json* s = Reader::find(cj, "scale")) {
            if (!s->is_string()) r_.fail(Reader::at(ptr, "scale"), "expected a scale id, got " + type_of(*s));
            n.scale = scale_ref(s->get<std::string>(), Reader::at(ptr, "scale"));
        } else if (default_scale_ != none) {
            n.scale = default_scale_;
        } else {
            r_.fail(ptr, "criterion " + quote(n.id) + " has no 'scale' and the framework sets no default 'scale'");
        }
        n.out_scale = n.scale;
        n.score_scale = n.scale;
        n.role = r_.choice<Role>(cj, ptr, "role",
                                 {{"compliance", Role::compliance}, {"excellence", Role::excellence}, {"effectiveness", Role::effectiveness}},
                                 false, Role::compliance);
        if (const json* s = Reader::find(cj, "subscores")) n.subscores = read_subscores(*s, Reader::at(ptr, "subscores"));
        else n.subscores = default_subscores_;
        if (const json* ev = Reader::find(cj, "evidence")) {
            const auto p = Reader::at(ptr, "evidence");
            r_.expect_object(*ev, p, "an evidence policy");
            r_.only_keys(*ev, p, {"max_age_days"}, "a criterion's evidence policy");
            n.evidence_max_age_days = static_cast<int>(r_.integer(*ev, p, "max_age_days", false, -1, -1, 36500));
        }
        if (const json* ds = Reader::find(cj, "descriptors")) {
            const auto p = Reader::at(ptr, "descriptors");
            r_.expect_object(*ds, p, "level descriptors");
            for (auto it = ds->begin(); it != ds->end(); ++it) {
                const auto kp = Reader::at(p, it.key());
                if (!fw_.scales[n.scale].find_level(it.key()))
                    r_.fail(kp, "level " + quote(it.key()) + " is not on scale " + fw_.scales[n.scale].describe());
                if (!it.value().is_string()) r_.fail(kp, "expected a string, got " + type_of(it.value()));
            }
        }
        if (const json* rq = Reader::find(cj, "requires")) {
            const auto p = Reader::at(ptr, "requires");
            r_.expect_array(*rq, p, "a list of prerequisites");
            for (std::size_t i = 0; i < rq->size(); ++i) {
                const auto ip = Reader::at(p, i);
                r_.expect_object((*rq)[i], ip, "a prerequisite");
                r_.only_keys((*rq)[i], ip, {"criterion", "at_least"}, "a prerequisite");
                pending_requires_.push_back({c, r_.string((*rq)[i], ip, "criterion", true), (*rq)[i].contains("at_least") ? &(*rq)[i]["at_least"] : nullptr, ip});
                if (!(*rq)[i].contains("at_least")) r_.fail(ip, "missing required key 'at_least'");
            }
        }
        n.criterion = fw_.criteria.size();
        fw_.criteria.push_back(c);
    }

    void resolve_requirements() {
        for (const auto& pr : pending_requires_) {
            const auto target = fw_.find(pr.id);
            if (target == none || !fw_.nodes[target].is_criterion())
                r_.fail(Reader::at(pr.pointer, "criterion"), (target == none ? "unknown criterion " : "not a criterion: ") + quote(pr.id));
            if (target == pr.from) r_.fail(Reader::at(pr.pointer, "criterion"), "criterion " + quote(pr.id) + " requires itself");
            const auto lvl = r_.level(*pr.at_least, Reader::at(pr.pointer, "at_least"), fw_.scales[fw_.nodes[target].scale]);
            fw_.nodes[pr.from].prerequisites.push_back({target, lvl});
        }
        // Cycles: depth-first search with colours; report the cycle as a path of ids.
        const std::size_t N = fw_.nodes.size();
        std::vector<std::uint8_t> colour(N, 0);
        std::vector<std::size_t> path;
        std::function<void(std::size_t)> visit = [&](std::size_t v) {
            colour[v] = 1;
            path.push_back(v);
            for (std::size_t k = 0; k < fw_.nodes[v].prerequisites.size(); ++k) {
                const auto w = fw_.nodes[v].prerequisites[k].criterion;
                if (colour[w] == 1) {
                    std::string cyc;
                    auto start = std::find(path.begin(), path.end(), w);
                    for (auto it = start; it != path.end(); ++it) cyc += fw_.nodes[*it].id + " -> ";
                    cyc += fw_.nodes[w].id;
                    r_.fail(Reader::at(Reader::at(fw_.nodes[v].pointer, "requires"), k), "prerequisites form a cycle: " + cyc);
                }
                if (colour[w] == 0) visit(w);
            }
            path.pop_back();
            colour[v] = 2;
            fw_.criteria_order.push_back(v);  // post-order: prerequisites first
        };
        for (std::size_t c : fw_.criteria)
            if (colour[c] == 0) visit(c);
    }

    // ------------------------------------------------------------------ methods
    /// Scored descendant criteria of `n` with the product of weights below `n`.
    void descendant_criteria(std::size_t n, double w, std::vector<std::size_t>& out, std::vector<double>& ws,
                             bool include_unscored = false) const {
        for (auto c : fw_.nodes[n].children) {
            const Node& ch = fw_.nodes[c];
            if (!ch.scored && !include_unscored) continue;
            if (ch.is_criterion()) {
                out.push_back(c);
                ws.push_back(w * ch.weight);
            } else {
                descendant_criteria(c, w * ch.weight, out, ws, include_unscored);
            }
        }
    }

    std::size_t common_scale(const std::vector<std::size_t>& nodes, bool score, const std::string& ptr,
                             std::string_view what, bool required) const {
        std::size_t s = none;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            const Node& x = fw_.nodes[nodes[i]];
            const auto xs = score ? x.score_scale : x.out_scale;
            if (xs == none) {
                if (required)
                    r_.fail(ptr, std::string(what) + ": " + quote(x.id) + " has no " + (score ? "score scale" : "levels") +
                                     " (its method gives " + (score ? "a percentage of points" : "no levels") + ")");
                return none;
            }
            if (i == 0) s = xs;
            else if (xs != s) {
                if (required)
                    r_.fail(ptr, std::string(what) + " must share one scale, but " + quote(fw_.nodes[nodes[0]].id) + " is on " +
                                     quote(fw_.scales[s].id) + " and " + quote(x.id) + " on " + quote(fw_.scales[xs].id));
                return none;
            }
        }
        return s;
    }

    Condition read_condition(const Reader& r, const json& cj, const std::string& ptr, std::size_t node) const {
        r.expect_object(cj, ptr, "a condition");
        r.only_keys(cj, ptr, {"of", "ids", "tag", "where", "min", "max"}, "a condition");
        Condition c;
        if (const json* ids = Reader::find(cj, "ids")) {
            if (Reader::find(cj, "of") || Reader::find(cj, "tag")) r.fail(ptr, "give either 'ids' or 'of'/'tag', not both");
            c.of = Condition::Of::ids;
            const auto p = Reader::at(ptr, "ids");
            r.expect_array(*ids, p, "a list of node ids");
            if (ids->empty()) r.fail(p, "must name at least one node");
            for (std::size_t i = 0; i < ids->size(); ++i) {
                if (!(*ids)[i].is_string()) r.fail(Reader::at(p, i), "expected a node id, got " + type_of((*ids)[i]));
                const auto id = (*ids)[i].get<std::string>();
                const auto k = fw_.find(id);
                if (k == none) r.fail(Reader::at(p, i), "unknown node " + quote(id));
                bool inside = false;
                for (auto a = k; a != none; a = fw_.nodes[a].parent)
                    if (a == node) inside = a != k;
                if (!fw_.nodes[k].is_criterion() && !inside)
                    r.fail(Reader::at(p, i), quote(id) + " must be a criterion or below " + quote(fw_.nodes[node].id));
                c.nodes.push_back(k);
            }
        } else {
            c.of = r.choice<Condition::Of>(cj, ptr, "of", {{"children", Condition::Of::children}, {"criteria", Condition::Of::criteria}},
                                           false, Condition::Of::children);
            c.tag = r.string(cj, ptr, "tag", false);
            if (!c.tag.empty() && c.of != Condition::Of::criteria) r.fail(Reader::at(ptr, "tag"), "'tag' needs \"of\": \"criteria\"");
            if (c.of == Condition::Of::children) {
                for (auto ch : fw_.nodes[node].children)
                    if (fw_.nodes[ch].scored) c.nodes.push_back(ch);
            } else {
                std::vector<std::size_t> all;
                std::vector<double> ws;
                descendant_criteria(node, 1.0, all, ws, !c.tag.empty());
                for (auto k : all)
                    if (c.tag.empty() || fw_.nodes[k].has_tag(c.tag)) c.nodes.push_back(k);
                if (c.nodes.empty()) r.fail(ptr, "no criteria below " + quote(fw_.nodes[node].id) + (c.tag.empty() ? "" : " carry the tag " + quote(c.tag)));
            }
        }
        c.scale = common_scale(c.nodes, false, ptr, "the counted items", true);
        const auto wp = Reader::at(ptr, "where");
        const std::string w = r.string(cj, ptr, "where", true);
        std::string_view t = w;
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
        Cmp cmp = Cmp::eq;
        for (auto [op, k] : {std::pair<std::string_view, Cmp>{">=", Cmp::ge}, {"<=", Cmp::le}, {"!=", Cmp::ne},
                             {"==", Cmp::eq}, {">", Cmp::gt}, {"<", Cmp::lt}, {"=", Cmp::eq}}) {
            if (t.substr(0, op.size()) == op) {
                cmp = k;
                t.remove_prefix(op.size());
                break;
            }
        }
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
        const Scale& s = fw_.scales[c.scale];
        const auto lvl = s.find_level(t);
        if (!lvl) r.fail(wp, "level " + quote(t) + " is not on scale " + s.describe());
        c.where = LevelTest{cmp, *lvl};
        const bool has_max = Reader::find(cj, "max") != nullptr;
        c.min = static_cast<std::size_t>(r.integer(cj, ptr, "min", false, has_max ? 0 : 1, 0, 1000000));
        if (has_max) c.max = static_cast<std::size_t>(r.integer(cj, ptr, "max", false, 0, 0, 1000000));
        if (c.min > c.max) r.fail(ptr, "min must not be greater than max");
        return c;
    }

    void compile_methods() {
        // children before parents: reverse pre-order
        for (std::size_t k = fw_.nodes.size(); k-- > 0;) {
            Node& n = fw_.nodes[k];
            if (n.is_criterion()) continue;
            const std::string level = n.kind == NodeKind::overall ? "overall" : n.kind == NodeKind::domain ? "domain" : "element";
            const json* spec = nullptr;
            std::string ptr;
            const Reader* r = &r_;
            const bool overridden = override_.is_object() && Reader::find(override_, level);
            if (!overridden && n.kind != NodeKind::overall) {
                const json* nj = node_json(k);
                if (nj)
                    if (const json* s = Reader::find(*nj, "scoring")) {
                        spec = s;
                        ptr = Reader::at(n.pointer, "scoring");
                    }
            }
            if (!spec) {
                spec = scoring_section(level);
                ptr = scoring_pointer(level);
                r = &scoring_reader(level);
            }
            Method m = spec ? read_method(*r, *spec, ptr, k) : default_method(k);
            fw_.nodes[k].method = fw_.methods.size();
            fw_.methods.push_back(std::move(m));
        }
    }

    const json* node_json(std::size_t k) const {
        // Walk the pointer "/domains/i/elements/j" in the document.
        const std::string& p = fw_.nodes[k].pointer;
        try {
            return &root_.at(json::json_pointer(p));
        } catch (const json::exception&) {
            return nullptr;
        }
    }

    Method default_method(std::size_t k) {
        json spec = {{"method", "weighted_mean"}};
        return read_method(r_, spec, "(default method: weighted_mean)", k);
    }

    Method read_method(const Reader& r, const json& spec, const std::string& ptr, std::size_t k) {
        Node& n = fw_.nodes[k];
        r.expect_object(spec, ptr, "a scoring method");
        Method m;
        m.pointer = ptr;
        m.kind = r.choice<MethodKind>(spec, ptr, "method",
                                      {{"weighted_mean", MethodKind::weighted_mean}, {"percent_bands", MethodKind::percent_bands},
                                       {"count_rules", MethodKind::count_rules}, {"weakest_link", MethodKind::weakest_link},
                                       {"staged", MethodKind::staged}, {"psoe", MethodKind::psoe}},
                                      true, MethodKind::weighted_mean);
        const std::string mname(to_string(m.kind));
        const std::string what = "the " + mname + " method";
        switch (m.kind) {
            case MethodKind::weighted_mean:
                r.only_keys(spec, ptr, {"method", "missing", "over", "use", "bands", "caps"}, what);
                break;
            case MethodKind::percent_bands:
                r.only_keys(spec, ptr, {"method", "missing", "over", "use", "bands", "from", "caps"}, what);
                break;
            case MethodKind::count_rules:
                r.only_keys(spec, ptr, {"method", "missing", "scale", "rules", "otherwise", "caps"}, what);
                break;
            case MethodKind::weakest_link:
                r.only_keys(spec, ptr, {"method", "missing", "over", "caps"}, what);
                break;
            case MethodKind::staged:
                r.only_keys(spec, ptr, {"method", "missing", "scale", "satisfied_at", "base", "caps"}, what);
                break;
            case MethodKind::psoe:
                r.only_keys(spec, ptr, {"method", "missing", "minimum", "effective", "excellence", "effective_share", "caps"}, what);
                break;
        }
        if (Reader::find(spec, "missing")) m.missing = read_missing(r, spec, ptr, fw_.missing);
        const bool crit_default = m.kind == MethodKind::percent_bands || m.kind == MethodKind::staged || m.kind == MethodKind::psoe;
        m.over = r.choice<Over>(spec, ptr, "over", {{"children", Over::children}, {"criteria", Over::criteria}}, false,
                                crit_default ? Over::criteria : Over::children);
        m.use = r.choice<Use>(spec, ptr, "use", {{"score", Use::score}, {"level", Use::level}}, false, Use::score);
        if (m.use == Use::level && m.over == Over::criteria) r.fail(Reader::at(ptr, "use"), "\"use\": \"level\" applies to children, not criteria");

        if (m.over == Over::criteria) {
            descendant_criteria(k, 1.0, m.items, m.item_weights);
        } else {
            for (auto c : n.children)
                if (fw_.nodes[c].scored) {
                    m.items.push_back(c);
                    m.item_weights.push_back(fw_.nodes[c].weight);
                }
        }
        if (m.items.empty()) r.fail(ptr, quote(n.id) + " has nothing to score: every child is marked \"scored\": false");
        double wsum = 0.0;
        for (double w : m.item_weights) wsum += w;
        if ((m.kind == MethodKind::weighted_mean || m.kind == MethodKind::percent_bands) && !(wsum > 0.0))
            r.fail(ptr, "the weights of what " + quote(n.id) + " aggregates are all zero");

        auto bands = [&](bool required) -> std::size_t {
            const json* b = Reader::find(spec, "bands");
            if (!b) {
                if (required) r.fail(ptr, mname + " needs 'bands': a banded scale that maps the score to a level");
                return none;
            }
            if (!b->is_string()) r.fail(Reader::at(ptr, "bands"), "expected a scale id, got " + type_of(*b));
            const auto s = scale_ref_r(r, b->get<std::string>(), Reader::at(ptr, "bands"));
            if (!fw_.scales[s].banded()) r.fail(Reader::at(ptr, "bands"), "scale " + quote(fw_.scales[s].id) + " is not banded");
            return s;
        };
        const std::string items_what = std::string("what ") + quote(n.id) + " aggregates";

        switch (m.kind) {
            case MethodKind::weighted_mean: {
                m.scale = bands(false);
                const auto ss = common_scale(m.items, m.use == Use::score, ptr, items_what, false);
                n.score_scale = m.use == Use::score ? ss : none;
                if (m.use == Use::level) {
                    // the score is a mean of level values: on the children's level scale when
                    // that is ordinal; a mean of band values is not a percentage, so a banded
                    // children's scale gives the node levels (by value) but no score scale
                    const auto cs = common_scale(m.items, false, ptr, items_what, true);
                    n.score_scale = fw_.scales[cs].banded() ? none : cs;
                    if (m.scale == none) m.scale = cs, m.by_value = fw_.scales[cs].banded();
                    n.out_scale = m.scale;
                    break;
                } else if (ss == none) {
                    common_scale(m.items, true, ptr, items_what, true);  // fails with the reason
                }
                n.out_scale = m.scale != none ? m.scale : n.score_scale;
                break;
            }
            case MethodKind::percent_bands: {
                m.scale = bands(true);
                m.from_min = r.choice<bool>(spec, ptr, "from", {{"zero", false}, {"min", true}}, false, false);
                for (auto it : m.items) {
                    const Node& x = fw_.nodes[it];
                    const auto xs = m.use == Use::level ? x.out_scale : x.score_scale;
                    if (xs == none)
                        r.fail(ptr, items_what + ": " + quote(x.id) + " has no " + (m.use == Use::level ? "levels" : "score scale"));
                    const Scale& s = fw_.scales[xs];
                    const double lo = m.use == Use::level ? s.levels.front().value : s.min;
                    const double hi = m.use == Use::level ? s.levels.back().value : s.max;
                    const double den = m.from_min ? hi - lo : hi;
                    if (!(den > 0.0))
                        r.fail(ptr, "scale " + quote(s.id) + " of " + quote(x.id) + " has a maximum of " + Scale::format_number(hi) +
                                        (m.from_min ? " above its minimum" : "") + " that is not positive; percent_bands needs one (try \"from\": \"min\")");
                    if (!m.from_min && lo < 0.0)
                        r.fail(ptr, "scale " + quote(s.id) + " of " + quote(x.id) + " has negative values; use \"from\": \"min\"");
                }
                n.score_scale = m.scale;
                n.out_scale = m.scale;
                break;
            }
            case MethodKind::count_rules: {
                if (m.over != Over::children) r.fail(ptr, "count_rules counts children");
                const auto cs = common_scale(m.items, false, ptr, "the children of " + quote(n.id) + " (count_rules)", true);
                if (const json* s = Reader::find(spec, "scale")) {
                    if (!s->is_string()) r.fail(Reader::at(ptr, "scale"), "expected a scale id, got " + type_of(*s));
                    m.scale = scale_ref_r(r, s->get<std::string>(), Reader::at(ptr, "scale"));
                } else {
                    m.scale = cs;
                }
                const Scale& out = fw_.scales[m.scale];
                const json* rules = Reader::find(spec, "rules");
                if (!rules) r.fail(ptr, "count_rules needs 'rules'");
                const auto rp = Reader::at(ptr, "rules");
                r.expect_array(*rules, rp, "a list of rules");
                if (rules->empty()) r.fail(rp, "must list at least one rule");
                for (std::size_t i = 0; i < rules->size(); ++i) {
                    const auto p = Reader::at(rp, i);
                    const json& rj = (*rules)[i];
                    r.expect_object(rj, p, "a rule");
                    r.only_keys(rj, p, {"level", "when", "description"}, "a rule");
                    Rule rule;
                    const json* lv = Reader::find(rj, "level");
                    if (!lv) r.fail(p, "missing required key 'level'");
                    rule.level = r.level(*lv, Reader::at(p, "level"), out);
                    const json* when = Reader::find(rj, "when");
                    if (!when) r.fail(p, "missing required key 'when'");
                    const auto wp = Reader::at(p, "when");
                    r.expect_array(*when, wp, "a list of conditions (all must hold)");
                    if (when->empty()) r.fail(wp, "must list at least one condition");
                    for (std::size_t c = 0; c < when->size(); ++c) rule.all.push_back(read_condition(r, (*when)[c], Reader::at(wp, c), k));
                    m.rules.push_back(std::move(rule));
                }
                const json* ow = Reader::find(spec, "otherwise");
                if (!ow) r.fail(ptr, "count_rules needs 'otherwise': the level when no rule applies");
                m.otherwise = r.level(*ow, Reader::at(ptr, "otherwise"), out);
                n.out_scale = m.scale;
                n.score_scale = m.scale;
                break;
            }
            case MethodKind::weakest_link: {
                n.out_scale = common_scale(m.items, false, ptr, items_what + " (weakest_link)", true);
                n.score_scale = common_scale(m.items, true, ptr, items_what, false);
                m.scale = n.out_scale;
                break;
            }
            case MethodKind::staged: {
                if (m.over != Over::criteria) r.fail(ptr, "staged gates criteria");
                const json* s = Reader::find(spec, "scale");
                if (!s) r.fail(ptr, "staged needs 'scale': the scale of the stages (e.g. maturity levels 1-5)");
                if (!s->is_string()) r.fail(Reader::at(ptr, "scale"), "expected a scale id, got " + type_of(*s));
                m.scale = scale_ref_r(r, s->get<std::string>(), Reader::at(ptr, "scale"));
                const Scale& st = fw_.scales[m.scale];
                if (st.banded()) r.fail(Reader::at(ptr, "scale"), "the stage scale must be ordinal");
                m.criteria_scale = common_scale(m.items, false, ptr, "the criteria of " + quote(n.id) + " (staged)", true);
                const Scale& cs = fw_.scales[m.criteria_scale];
                m.base = 0;
                if (const json* b = Reader::find(spec, "base")) m.base = r.level(*b, Reader::at(ptr, "base"), st);
                m.stage_of.assign(fw_.criteria.size(), none);
                for (auto it : m.items) {
                    const Node& x = fw_.nodes[it];
                    if (x.stage.empty())
                        r.fail(x.pointer, "criterion " + quote(x.id) + " has no 'stage' (on it, its element or its domain), which the staged method at " +
                                              ptr + " needs");
                    const auto lvl = st.find_level(x.stage);
                    if (!lvl) r.fail(x.pointer, "stage " + quote(x.stage) + " of " + quote(x.id) + " is not on scale " + st.describe());
                    m.stage_of[x.criterion] = *lvl;
                }
                const json* sa = Reader::find(spec, "satisfied_at");
                if (!sa) r.fail(ptr, "staged needs 'satisfied_at': the level at which a criterion counts as satisfied");
                const auto sp = Reader::at(ptr, "satisfied_at");
                m.satisfied_at.assign(st.size(), none);
                if (sa->is_object()) {
                    for (auto it = sa->begin(); it != sa->end(); ++it) {
                        const auto p = Reader::at(sp, it.key());
                        const auto stage = st.find_level(it.key());
                        if (!stage) r.fail(p, "stage " + quote(it.key()) + " is not on scale " + st.describe());
                        m.satisfied_at[*stage] = r.level(it.value(), p, cs);
                    }
                    // stages without their own threshold take the one of the stage below
                    std::size_t last = none;
                    for (std::size_t i = 0; i < st.size(); ++i) {
                        if (m.satisfied_at[i] == none) m.satisfied_at[i] = last;
                        else last = m.satisfied_at[i];
                    }
                    for (std::size_t i = m.base + 1; i < st.size(); ++i)
                        if (m.satisfied_at[i] == none)
                            r.fail(sp, "no threshold for stage " + quote(st.level_name(i)) + " (give one for the lowest stage above the base)");
                } else {
                    const auto t = r.level(*sa, sp, cs);
                    m.satisfied_at.assign(st.size(), t);
                }
                n.out_scale = m.scale;
                n.score_scale = m.scale;
                break;
            }
            case MethodKind::psoe: {
                if (m.over != Over::criteria) r.fail(ptr, "psoe aggregates markers (criteria)");
                m.criteria_scale = common_scale(m.items, false, ptr, "the markers of " + quote(n.id) + " (psoe)", true);
                const Scale& cs = fw_.scales[m.criteria_scale];
                if (cs.kind != ScaleKind::cumulative)
                    r.fail(ptr, "psoe needs markers on a cumulative scale (e.g. P, S, O, E); " + quote(cs.id) + " is " + std::string(to_string(cs.kind)));
                auto ref = [&](std::string_view key, std::string_view dflt) -> std::size_t {
                    if (const json* v = Reader::find(spec, key)) return r.level(*v, Reader::at(ptr, key), cs);
                    if (auto l = cs.find_level(dflt)) return *l;
                    r.fail(ptr, "psoe needs '" + std::string(key) + "' (scale " + quote(cs.id) + " has no level " + quote(dflt) + ")");
                };
                m.minimum = ref("minimum", "O");
                m.effective = ref("effective", "E");
                m.excellence = Reader::find(spec, "excellence") ? ref("excellence", "O") : m.minimum;
                m.effective_share = r.number(spec, ptr, "effective_share", false, 1.0);
                if (!(m.effective_share > 0.0 && m.effective_share <= 1.0))
                    r.fail(Reader::at(ptr, "effective_share"), "must be in (0, 1]");
                bool any_compliance = false;
                for (auto it : m.items) any_compliance |= fw_.nodes[it].role == Role::compliance;
                if (!any_compliance) r.fail(ptr, quote(n.id) + " has no compliance markers (role \"compliance\")");
                std::size_t ps = fw_.find_scale("psoe_outcome");
                if (ps == none) {
                    ps = fw_.scales.size();
                    fw_.scales.push_back(psoe_outcome_scale());
                }
                m.scale = ps;
                n.out_scale = ps;
                n.score_scale = none;
                break;
            }
        }
        if (const json* caps = Reader::find(spec, "caps")) {
            const auto cp = Reader::at(ptr, "caps");
            r.expect_array(*caps, cp, "a list of caps");
            if (n.out_scale == none) r.fail(cp, "caps need levels, and " + quote(n.id) + " has none (give 'bands')");
            for (std::size_t i = 0; i < caps->size(); ++i) {
                const auto p = Reader::at(cp, i);
                const json& cj = (*caps)[i];
                r.expect_object(cj, p, "a cap");
                r.only_keys(cj, p, {"when", "max", "reason"}, "a cap");
                Cap cap;
                const json* w = Reader::find(cj, "when");
                if (!w) r.fail(p, "missing required key 'when'");
                cap.when = read_condition(r, *w, Reader::at(p, "when"), k);
                const json* mx = Reader::find(cj, "max");
                if (!mx) r.fail(p, "missing required key 'max'");
                cap.max_level = r.level(*mx, Reader::at(p, "max"), fw_.scales[n.out_scale]);
                cap.reason = r.string(cj, p, "reason", true);
                if (cap.reason.empty()) r.fail(Reader::at(p, "reason"), "a cap needs a recorded reason");
                m.caps.push_back(std::move(cap));
            }
        }
        return m;
    }

    std::size_t scale_ref_r(const Reader& r, const std::string& id, const std::string& ptr) const {
        const auto i = fw_.find_scale(id);
        if (i == none) {
            std::string known;
            for (const auto& s : fw_.scales)
                if (s.id != "psoe_outcome") known += (known.empty() ? "" : ", ") + s.id;
            r.fail(ptr, "unknown scale " + quote(id) + " (known: " + known + ")");
        }
        return i;
    }

    // ------------------------------------------------------------------ targets
    void read_targets(const json& j) {
        const json* t = Reader::find(j, "targets");
        if (!t) return;
        r_.expect_object(*t, "/targets", "target profiles (an object of id: profile)");
        for (auto it = t->begin(); it != t->end(); ++it) {
            const auto p = Reader::at("/targets", it.key());
            if (!valid_id(it.key())) r_.fail(p, "invalid target id " + quote(it.key()));
            const json& tj = it.value();
            r_.expect_object(tj, p, "a target profile");
            r_.only_keys(tj, p, {"name", "description", "levels"}, "a target profile");
            Target tg;
            tg.id = it.key();
            tg.name = r_.string(tj, p, "name", false, tg.id);
            const json* lv = Reader::find(tj, "levels");
            if (!lv) r_.fail(p, "missing required key 'levels'");
            const auto lp = Reader::at(p, "levels");
            r_.expect_object(*lv, lp, "levels by node id");
            std::vector<std::size_t> level_of(fw_.nodes.size(), none);
            // kind-wide defaults first, then specific ids
            for (int pass = 0; pass < 2; ++pass)
                for (auto li = lv->begin(); li != lv->end(); ++li) {
                    const std::string& key = li.key();
                    const auto kp = Reader::at(lp, key);
                    const bool kind_key = key == "domains" || key == "elements" || key == "criteria";
                    if ((pass == 0) != kind_key) continue;
                    std::vector<std::size_t> nodes;
                    if (kind_key) {
                        const NodeKind kk = key == "domains" ? NodeKind::domain : key == "elements" ? NodeKind::element : NodeKind::criterion;
                        for (std::size_t i = 0; i < fw_.nodes.size(); ++i)
                            if (fw_.nodes[i].kind == kk) nodes.push_back(i);
                    } else {
                        const auto k = fw_.find(key);
                        if (k == none) r_.fail(kp, "unknown node " + quote(key));
                        nodes.push_back(k);
                    }
                    for (auto k : nodes) {
                        if (fw_.nodes[k].out_scale == none)
                            r_.fail(kp, quote(fw_.nodes[k].id) + " has no levels (its method gives a score only), so it cannot have a target level");
                        level_of[k] = r_.level(li.value(), kp, fw_.scales[fw_.nodes[k].out_scale]);
                    }
                }
            for (std::size_t k = 0; k < level_of.size(); ++k)
                if (level_of[k] != none) tg.levels.emplace_back(k, level_of[k]);
            fw_.targets.push_back(std::move(tg));
        }
    }

    struct PendingRequirement {
        std::size_t from;
        std::string id;
        const json* at_least;
        std::string pointer;
    };

    Reader r_;
    Reader ro_{"method"};
    std::string file_;
    json root_;
    json override_;
    Framework fw_;
    std::size_t default_scale_ = none;
    std::vector<Subscore> default_subscores_;
    std::map<std::string, std::string> ids_;
    std::vector<PendingRequirement> pending_requires_;
};

}  // namespace detail

inline Framework parse_framework(std::string_view json_text, std::string_view file, std::string_view scoring_override) {
    try {
        return detail::FrameworkBuilder(json_text, std::string(file), scoring_override).build();
    } catch (const framework_error&) {
        throw;
    } catch (const nlohmann::json::exception& e) {
        // Every JSON access above is checked first; this is a safety net, never the normal path.
        throw framework_error(std::string(file), "", std::string("cannot read the framework: ") + e.what());
    }
}

inline Framework load_framework(const std::string& path, std::string_view scoring_override) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw framework_error(path, "", "cannot open the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw framework_error(path, "", "cannot read the file");
    return parse_framework(ss.str(), path, scoring_override);
}

inline Framework with_scoring(const Framework& framework, std::string_view scoring_override) {
    return parse_framework(framework.text, framework.file, scoring_override);
}

}  // namespace qm::maturity
