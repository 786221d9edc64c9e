// libFuzzer target for the maturity loaders: every input is read as a framework (JSON) and as an
// assessment (CSV, against a fixed framework). Bad input must end in qm::invalid_argument (or its
// framework_error); anything else — a crash, a sanitizer report, another exception — is a bug.
// A framework that loads is also scored on a small synthetic assessment (every criterion at each
// of its levels, two units, three raters), and what-if, agreement and roll-up are run on it.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <qm/maturity/maturity.hpp>

namespace mt = qm::maturity;

namespace {

const mt::Framework& fixed_framework() {
    static const mt::Framework fw = mt::parse_framework(R"({"format": "qualitymetrics.maturity/1", "id": "fuzz", "version": "1",
      "scales": [{"id": "s", "type": "ordinal", "not_rated": ["NY"], "levels": [{"value": 1, "code": "A", "label": "one"},
                  {"value": 2, "code": "B", "label": "two"}, {"value": 3, "code": "C", "label": "three"}]},
                 {"id": "p", "type": "banded", "min": 0, "max": 100, "step": 5, "round": 0,
                  "levels": [{"value": 1, "label": "low", "min": 0}, {"value": 2, "label": "high", "above": 50}]}],
      "scale": "s", "subscores": [{"id": "x"}, {"id": "y", "weight": 2}],
      "scoring": {"element": {"method": "percent_bands", "bands": "p"}, "domain": {"method": "weakest_link"},
                  "overall": {"method": "count_rules", "rules": [{"level": "high", "when": [{"where": "=high", "min": 2}]}],
                              "otherwise": "low", "caps": [{"when": {"ids": ["c3"], "where": "<=one"}, "max": "low", "reason": "r"}]}},
      "domains": [{"id": "d1", "elements": [{"id": "e1", "criteria": [{"id": "c1"}, {"id": "c2", "requires": [{"criterion": "c1", "at_least": "B"}]}]}]},
                  {"id": "d2", "elements": [{"id": "e2", "criteria": [{"id": "c3", "subscores": []}]}]}]})", "fixed.json");
    return fw;
}

void exercise(const mt::Framework& fw) {
    if (fw.criteria.size() > 300 || fw.nodes.size() > 2000) return;
    std::vector<std::int64_t> unit, rater, crit, sub;
    std::vector<double> rating;
    std::vector<std::uint8_t> status;
    for (std::int64_t u = 0; u < 2; ++u)
        for (std::int64_t k = 0; k < 3; ++k)
            for (std::size_t c = 0; c < fw.criteria.size(); ++c) {
                const auto& s = fw.scales[fw.nodes[fw.criteria[c]].scale];
                const std::size_t pick = static_cast<std::size_t>(u * 7 + k * 3) + c;
                unit.push_back(u), rater.push_back(k), crit.push_back(static_cast<std::int64_t>(c)), sub.push_back(-1);
                if (pick % 11 == 10) {
                    rating.push_back(std::numeric_limits<double>::quiet_NaN());
                    status.push_back(pick % 2 ? 1 : 2);
                } else {
                    const double v = s.banded() ? s.min + (s.step > 0 ? s.step * static_cast<double>(pick % 4) : 0.0)
                                                : s.levels[pick % s.levels.size()].value;
                    rating.push_back(s.is_rating(v) ? v : s.banded() ? s.min : s.levels[0].value);
                    status.push_back(0);
                }
            }
    mt::Assessment a;
    a.unit = unit, a.rater = rater, a.criterion = crit, a.subscore = sub, a.rating = rating, a.status = status;
    mt::ScoreOptions o;
    o.threads = 1;
    for (auto pol : {mt::MissingPolicy::exclude, mt::MissingPolicy::lowest, mt::MissingPolicy::not_rated}) {
        o.missing = pol;
        const auto r = mt::score(fw, a, {}, o);
        mt::WhatIfOptions w;
        (void)mt::what_if(fw, r, w, 1);
        (void)mt::rollup(fw, r, {}, 2);
        (void)mt::compare_rounds(r);
        for (const auto& t : fw.targets) (void)mt::gaps(fw, r, t.levels);
    }
    (void)mt::agreement(fw, a, o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto fw = mt::parse_framework(text, "fuzz.json");
        exercise(fw);
    } catch (const qm::invalid_argument&) {
    }
    try {
        const auto& fw = fixed_framework();
        const auto t = mt::parse_assessment_csv(text, fw, "fuzz.csv");
        mt::ScoreOptions o;
        o.threads = 1;
        o.evidence_max_age_days = 365;
        o.as_of = 20000;
        const auto r = mt::score(fw, t.view(), t.overrides, o);
        (void)mt::what_if(fw, r, {}, 1);
        (void)mt::agreement(fw, t.view(), o);
    } catch (const qm::invalid_argument&) {
    }
    return 0;
}
