// Tests of qm::maturity: published scoring rules on worked cases (CQC bands, rating principles
// and limiters; CMMI staged levels and equivalent staging; PSOE element effectiveness; RADAR and
// Baldrige bands; Krippendorff's alpha), malformed frameworks and assessments (each error names
// the file, the JSON pointer or row, and the problem), raters, evidence, missing-evidence
// policies, what-if (checked against brute force), change against noise, gaps and roll-up.
// Sources of the worked cases: tests/reference/maturity/README.md.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <qm/maturity/maturity.hpp>

namespace mt = qm::maturity;

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
const std::string REF = QM_REFERENCE_DIR;
const std::string BUNDLED = REF + "/../../python/qualitymetrics/frameworks/";

mt::Framework bundled(const std::string& name) { return mt::load_framework(BUNDLED + name + ".json"); }
mt::Framework fixture(const std::string& name) { return mt::load_framework(REF + "/maturity/" + name); }

/// Expects parse_framework(text) to fail with `pointer` and a problem containing `needle`.
void expect_framework_error(const std::string& text, const std::string& pointer, const std::string& needle) {
    try {
        mt::parse_framework(text, "test.json");
        ADD_FAILURE() << "no error; expected " << pointer << ": " << needle;
    } catch (const mt::framework_error& e) {
        EXPECT_EQ(e.file(), "test.json");
        EXPECT_EQ(e.pointer(), pointer) << e.what();
        EXPECT_NE(e.problem().find(needle), std::string::npos) << "message: " << e.what() << "\nexpected: " << needle;
        const std::string what = e.what();
        EXPECT_EQ(what.rfind("test.json: ", 0), 0u) << what;
    }
}

template <class F>
std::string expect_invalid(F&& f, const std::string& needle) {
    try {
        f();
    } catch (const mt::framework_error& e) {
        ADD_FAILURE() << "framework_error instead of an assessment error: " << e.what();
        return {};
    } catch (const qm::invalid_argument& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(needle), std::string::npos) << "message: " << what << "\nexpected: " << needle;
        return what;
    }
    ADD_FAILURE() << "no exception; expected one containing " << needle;
    return {};
}

/// Builds long-format ratings by criterion id.
struct Rows {
    const mt::Framework& fw;
    std::vector<std::int64_t> unit, round, rater, criterion, subscore, ev, exp, on;
    std::vector<double> rating;
    std::vector<std::uint8_t> status;
    std::size_t U = 0, R = 0, K = 0;

    explicit Rows(const mt::Framework& f) : fw(f) {}
    Rows& add(std::int64_t u, std::int64_t r, std::int64_t k, const std::string& id, double v,
              mt::Status st = mt::Status::rated, std::int64_t sub = -1, std::int64_t e = mt::no_date,
              std::int64_t x = mt::no_date, std::int64_t o = mt::no_date) {
        const auto n = fw.find(id);
        if (n == mt::none || !fw.nodes[n].is_criterion()) throw std::runtime_error("test: no criterion " + id);
        unit.push_back(u), round.push_back(r), rater.push_back(k), criterion.push_back(static_cast<std::int64_t>(fw.nodes[n].criterion));
        subscore.push_back(sub), rating.push_back(st == mt::Status::rated ? v : NaN), status.push_back(static_cast<std::uint8_t>(st));
        ev.push_back(e), exp.push_back(x), on.push_back(o);
        U = std::max<std::size_t>(U, static_cast<std::size_t>(u) + 1);
        R = std::max<std::size_t>(R, static_cast<std::size_t>(r) + 1);
        K = std::max<std::size_t>(K, static_cast<std::size_t>(k) + 1);
        return *this;
    }
    /// Every criterion under node `id` (or all) rated v by rater k.
    Rows& all(std::int64_t u, std::int64_t r, std::int64_t k, double v, const std::string& under = "overall") {
        const auto top = fw.find(under);
        for (auto c : fw.criteria) {
            if (!fw.nodes[c].scored && under == "overall") continue;
            bool inside = false;
            for (auto a = c; a != mt::none; a = fw.nodes[a].parent)
                if (a == top) inside = true;
            bool scored_path = true;
            for (auto a = c; a != mt::none; a = fw.nodes[a].parent) scored_path = scored_path && fw.nodes[a].scored;
            if (inside && scored_path) add(u, r, k, fw.nodes[c].id, v);
        }
        return *this;
    }
    mt::Assessment view(bool dates = false) const {
        mt::Assessment a;
        a.unit = unit, a.round = round, a.rater = rater, a.criterion = criterion, a.subscore = subscore, a.rating = rating;
        a.status = status;
        if (dates) a.evidence_date = ev, a.evidence_expires = exp, a.assessed_on = on;
        a.n_units = U, a.n_rounds = R, a.n_raters = K;
        return a;
    }
};

struct Read {
    const mt::Framework& fw;
    const mt::ScoreResult& r;
    std::size_t i(const std::string& id, std::size_t u = 0, std::size_t rd = 0) const {
        const auto k = fw.find(id);
        if (k == mt::none) throw std::runtime_error("test: no node " + id);
        return r.row(u, rd, k);
    }
    std::string label(const std::string& id, std::size_t u = 0, std::size_t rd = 0) const {
        const auto row = i(id, u, rd);
        if (r.status[row] != 0) return std::string("<") + std::string(mt::to_string(static_cast<mt::Status>(r.status[row]))) + ">";
        const auto k = fw.find(id);
        if (r.level_index[row] < 0) return "<no level>";
        return fw.scales[fw.nodes[k].out_scale].levels[static_cast<std::size_t>(r.level_index[row])].label;
    }
    double score(const std::string& id, std::size_t u = 0, std::size_t rd = 0) const { return r.score[i(id, u, rd)]; }
    double percent(const std::string& id, std::size_t u = 0, std::size_t rd = 0) const { return r.percent[i(id, u, rd)]; }
    bool flag(const std::string& id, std::uint16_t f, std::size_t u = 0, std::size_t rd = 0) const { return (r.flags[i(id, u, rd)] & f) != 0; }
    mt::Status status(const std::string& id, std::size_t u = 0, std::size_t rd = 0) const { return static_cast<mt::Status>(r.status[i(id, u, rd)]); }
};

std::string read_file(const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// A small valid framework as JSON text, with `extra` spliced into a criterion.
std::string mini(const std::string& criterion_extra = "", const std::string& scoring = "", const std::string& extra_top = "") {
    return R"({"format": "qualitymetrics.maturity/1", "id": "mini", "version": "1",
  "scales": [{"id": "s5", "type": "ordinal", "levels": [{"value": 1, "label": "one"}, {"value": 2, "label": "two"},
             {"value": 3, "label": "three"}, {"value": 4, "label": "four"}, {"value": 5, "label": "five"}]}],
  "scale": "s5")" + (scoring.empty() ? std::string() : ",\n  \"scoring\": " + scoring) + extra_top + R"(,
  "domains": [{"id": "d1", "elements": [{"id": "e1", "criteria": [{"id": "c1")" + criterion_extra + R"(}, {"id": "c2"}]},
                                       {"id": "e2", "criteria": [{"id": "c3"}]}]}]})";
}

}  // namespace

// ================================================================================================
// Scales
// ================================================================================================

TEST(MaturityScale, OrdinalLevelOfIsTheLevelAtOrBelow) {
    const auto fw = mt::parse_framework(mini());
    const auto& s = fw.scales[0];
    EXPECT_EQ(s.level_of(3.0), 2u);
    EXPECT_EQ(s.level_of(3.4), 2u);
    EXPECT_EQ(s.level_of(0.9), mt::no_level);
    EXPECT_TRUE(s.is_rating(4.0));
    EXPECT_FALSE(s.is_rating(4.5));
    // a mean of threes that rounds just below 3 still reads as level 3
    EXPECT_EQ(s.level_of_score(2.9999999999999996), 2u);
    EXPECT_EQ(s.find_level("three"), std::optional<std::size_t>(2));
    EXPECT_EQ(s.find_level("3"), std::optional<std::size_t>(2));
    EXPECT_FALSE(s.find_level("six").has_value());
}

TEST(MaturityScale, CqcBandsWithWholePercentRounding) {
    // CQC thresholds: 25-38% inadequate, 39-62% requires improvement, 63-87% good, 88%+ outstanding,
    // applied to the percentage rounded to a whole number (11/16 = 68.75% is shown as 69%).
    const auto fw = bundled("cqc-style");
    const auto& s = fw.scales[fw.find_scale("cqc_rating")];
    auto band = [&](double p) { return s.levels[s.level_of_score(p)].label; };
    EXPECT_EQ(band(25.0), "inadequate");
    EXPECT_EQ(band(37.5), "inadequate");   // 6/16 -> 38%
    EXPECT_EQ(band(38.49), "inadequate");
    EXPECT_EQ(band(38.5), "requires_improvement");  // rounds to 39%
    EXPECT_EQ(band(39.0), "requires_improvement");
    EXPECT_EQ(band(62.0), "requires_improvement");
    EXPECT_EQ(band(62.5), "good");          // 10/16 -> 63% (our reading of the rounding)
    EXPECT_EQ(band(68.75), "good");
    EXPECT_EQ(band(87.0), "good");
    EXPECT_EQ(band(87.5), "outstanding");   // 14/16 -> 88%
    EXPECT_EQ(band(100.0), "outstanding");
    EXPECT_EQ(s.level_of_score(24.0), mt::no_level);  // below 25% is impossible with scores 1-4
}

TEST(MaturityScale, RadarAndBaldrigeBands) {
    const auto fw = fixture("radar_efqm.json");
    const auto& radar = fw.scales[fw.find_scale("radar")];
    const char* expected[] = {"no evidence", "no evidence", "limited ability", "limited ability", "limited ability", "limited ability",
                              "limited ability", "limited ability", "ability", "ability", "ability", "ability", "ability",
                              "ability", "comprehensive ability", "comprehensive ability", "comprehensive ability",
                              "comprehensive ability", "outstanding ability", "outstanding ability", "outstanding ability"};
    for (int p = 0; p <= 100; p += 5) EXPECT_EQ(radar.levels[radar.level_of(p)].label, expected[p / 5]) << p << "%";
    EXPECT_TRUE(radar.is_rating(35.0));
    EXPECT_FALSE(radar.is_rating(33.0));   // 5% steps
    EXPECT_FALSE(radar.is_rating(105.0));
    const auto& b = fw.scales[fw.find_scale("baldrige")];
    const std::map<int, std::string> bald = {{0, "0-5%"}, {5, "0-5%"}, {10, "10-25%"}, {25, "10-25%"}, {30, "30-45%"}, {45, "30-45%"},
                                             {50, "50-65%"}, {65, "50-65%"}, {70, "70-85%"}, {85, "70-85%"}, {90, "90-100%"}, {100, "90-100%"}};
    for (const auto& [p, lab] : bald) EXPECT_EQ(b.levels[b.level_of(p)].label, lab) << p;
}

TEST(MaturityScale, ParseRatingWords) {
    const auto fw = fixture("cmmi_dev_v13_staged.json");
    const auto& s = fw.scales[fw.find_scale("practice")];
    EXPECT_EQ(mt::parse_rating(s, "LI")->value, 2.0);
    EXPECT_EQ(mt::parse_rating(s, "Fully implemented")->value, 3.0);
    EXPECT_EQ(mt::parse_rating(s, " 1 ")->value, 1.0);
    EXPECT_EQ(mt::parse_rating(s, "NY")->status, mt::Status::not_rated);
    EXPECT_EQ(mt::parse_rating(s, "NA")->status, mt::Status::not_applicable);
    EXPECT_EQ(mt::parse_rating(s, "n/a")->status, mt::Status::not_applicable);
    EXPECT_EQ(mt::parse_rating(s, "")->status, mt::Status::not_rated);
    EXPECT_FALSE(mt::parse_rating(s, "7").has_value());
    EXPECT_FALSE(mt::parse_rating(s, "largely").has_value());
}

TEST(MaturityScale, MapsafTickBothIsTheMidpoint) {
    const auto fw = fixture("mapsaf_primary_care.json");
    const auto& s = fw.scales[0];
    EXPECT_EQ(mt::parse_rating(s, "B/C")->value, 2.5);
    EXPECT_EQ(mt::parse_rating(s, "D | C")->value, 3.5);
    EXPECT_FALSE(mt::parse_rating(s, "A/C").has_value());  // not adjacent
    EXPECT_TRUE(s.is_rating(2.5));
    EXPECT_FALSE(s.is_rating(2.25));
    EXPECT_EQ(s.level_of(2.5), 1u);  // between Reactive and Bureaucratic: Reactive
    Rows rows(fw);
    rows.add(0, 0, 0, "learning.T", 2.5).add(0, 0, 1, "learning.T", 3).add(0, 0, 2, "learning.T", 3);
    const auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_EQ(rd.score("learning.T"), 3.0);
    EXPECT_EQ(rd.label("learning.T"), "Bureaucratic");
    const auto fw2 = mt::parse_framework(mini());
    EXPECT_FALSE(mt::parse_rating(fw2.scales[0], "two/three").has_value());  // only where the scale allows it
}

// ================================================================================================
// Loading frameworks: bundled ones, and clear errors for malformed files
// ================================================================================================

TEST(MaturityLoad, BundledFrameworksLoad) {
    for (const char* name : {"qms-maturity", "sms-psoe", "strategy-themes", "cqc-style"}) {
        const auto fw = bundled(name);
        EXPECT_EQ(fw.format, mt::framework_format);
        EXPECT_FALSE(fw.version.empty());
        EXPECT_GT(fw.criteria.size(), 10u) << name;
        EXPECT_EQ(fw.nodes[0].id, "overall");
        EXPECT_EQ(fw.criteria_order.size(), fw.criteria.size());
        for (std::size_t k = 0; k < fw.nodes.size(); ++k) {
            if (!fw.nodes[k].is_criterion()) {
                EXPECT_NE(fw.nodes[k].method, mt::none) << name << " " << fw.nodes[k].id;
            }
        }
        EXPECT_FALSE(fw.targets.empty()) << name;
    }
}

TEST(MaturityLoad, InvalidJsonNamesLineAndColumn) {
    try {
        mt::parse_framework("{\n  \"format\": \"qualitymetrics.maturity/1\",\n  \"id\": }", "bad.json");
        FAIL();
    } catch (const mt::framework_error& e) {
        EXPECT_EQ(e.file(), "bad.json");
        EXPECT_EQ(e.pointer(), "");
        EXPECT_NE(e.problem().find("invalid JSON"), std::string::npos);
        EXPECT_NE(e.problem().find("line 3"), std::string::npos) << e.what();
    }
    expect_framework_error("", "", "invalid JSON");
    expect_framework_error("[1, 2]", "", "expected a framework (a JSON object), got an array");
}

TEST(MaturityLoad, MissingFileIsAnError) {
    try {
        mt::load_framework(REF + "/maturity/no_such_file.json");
        FAIL();
    } catch (const mt::framework_error& e) {
        EXPECT_NE(e.problem().find("cannot open"), std::string::npos);
        EXPECT_NE(e.file().find("no_such_file.json"), std::string::npos);
    }
}

TEST(MaturityLoad, DuplicateKeysAndIds) {
    auto text = mini();
    text.replace(text.find("\"version\": \"1\""), 14, "\"version\": \"1\", \"version\": \"2\"");
    expect_framework_error(text, "/version", "duplicate key 'version'");
    auto nested = mini(", \"evidence\": {\"max_age_days\": 30, \"max_age_days\": 60}");
    expect_framework_error(nested, "/domains/0/elements/0/criteria/0/evidence/max_age_days", "duplicate key 'max_age_days'");
}

TEST(MaturityLoad, DuplicateNodeIdNamesBothPlaces) {
    auto text = mini();
    text.replace(text.find("{\"id\": \"c3\"}"), 12, "{\"id\": \"c1\"}");
    expect_framework_error(text, "/domains/0/elements/1/criteria/0/id",
                           "duplicate id 'c1' (also at /domains/0/elements/0/criteria/0)");
}

TEST(MaturityLoad, WrongTypesAndUnknownKeys) {
    expect_framework_error(mini(", \"weight\": \"heavy\""), "/domains/0/elements/0/criteria/0/weight",
                           "expected a number, got the string 'heavy'");
    expect_framework_error(mini(", \"wieght\": 2"), "/domains/0/elements/0/criteria/0/wieght", "unknown key 'wieght' in a criterion");
    expect_framework_error(mini(", \"weight\": -1"), "/domains/0/elements/0/criteria/0/weight", "must not be negative");
    expect_framework_error(mini(", \"tags\": \"team\""), "/domains/0/elements/0/criteria/0/tags", "expected a list of strings");
    expect_framework_error(mini(", \"scored\": 1"), "/domains/0/elements/0/criteria/0/scored", "expected true or false");
    expect_framework_error(mini(", \"role\": \"boss\""), "/domains/0/elements/0/criteria/0/role", "unknown value 'boss'");
}

TEST(MaturityLoad, UnknownReferences) {
    expect_framework_error(mini(", \"scale\": \"s6\""), "/domains/0/elements/0/criteria/0/scale", "unknown scale 's6' (known: s5)");
    expect_framework_error(mini(", \"requires\": [{\"criterion\": \"c9\", \"at_least\": 3}]"),
                           "/domains/0/elements/0/criteria/0/requires/0/criterion", "unknown criterion 'c9'");
    expect_framework_error(mini(", \"requires\": [{\"criterion\": \"c2\", \"at_least\": 7}]"),
                           "/domains/0/elements/0/criteria/0/requires/0/at_least", "level '7' is not on scale 's5'");
    expect_framework_error(mini(", \"descriptors\": {\"6\": \"beyond\"}"), "/domains/0/elements/0/criteria/0/descriptors/6",
                           "level '6' is not on scale");
    expect_framework_error(mini("", "{\"element\": {\"method\": \"percent_bands\", \"bands\": \"nope\"}}"), "/scoring/element/bands",
                           "unknown scale 'nope'");
    expect_framework_error(mini("", "{\"element\": {\"method\": \"percent_bands\", \"bands\": \"s5\"}}"), "/scoring/element/bands",
                           "scale 's5' is not banded");
    expect_framework_error(mini("", "", ", \"targets\": {\"t\": {\"levels\": {\"c7\": 3}}}"), "/targets/t/levels/c7", "unknown node 'c7'");
    expect_framework_error(mini("", "", ", \"targets\": {\"t\": {\"levels\": {\"c1\": \"ten\"}}}"), "/targets/t/levels/c1",
                           "level 'ten' is not on scale");
}

TEST(MaturityLoad, PrerequisiteCycles) {
    auto text = mini(", \"requires\": [{\"criterion\": \"c2\", \"at_least\": 3}]");
    text.replace(text.find("{\"id\": \"c2\"}"), 12, "{\"id\": \"c2\", \"requires\": [{\"criterion\": \"c3\", \"at_least\": 2}]}");
    text.replace(text.find("{\"id\": \"c3\"}"), 12, "{\"id\": \"c3\", \"requires\": [{\"criterion\": \"c1\", \"at_least\": 2}]}");
    try {
        mt::parse_framework(text, "test.json");
        FAIL();
    } catch (const mt::framework_error& e) {
        EXPECT_NE(e.problem().find("prerequisites form a cycle: c1 -> c2 -> c3 -> c1"), std::string::npos) << e.what();
        EXPECT_NE(e.pointer().find("/requires/0"), std::string::npos) << e.what();
    }
    expect_framework_error(mini(", \"requires\": [{\"criterion\": \"c1\", \"at_least\": 2}]"),
                           "/domains/0/elements/0/criteria/0/requires/0/criterion", "requires itself");
}

TEST(MaturityLoad, ScaleProblems) {
    const std::string head = R"({"format": "qualitymetrics.maturity/1", "id": "x", "version": "1", "scales": [)";
    const std::string tail = R"(], "domains": [{"id": "d", "elements": [{"id": "e", "criteria": [{"id": "c", "scale": "s"}]}]}]})";
    expect_framework_error(head + R"({"id": "s", "type": "ordinal", "levels": [{"value": 2, "label": "a"}, {"value": 1, "label": "b"}]})" + tail,
                           "/scales/0/levels/1/value", "level values must increase");
    expect_framework_error(head + R"({"id": "s", "type": "ordinal", "levels": [{"value": 1, "label": "a"}, {"value": 2, "label": "a"}]})" + tail,
                           "/scales/0/levels/1/label", "duplicate level label 'a'");
    expect_framework_error(head + R"({"id": "s", "type": "ordinal", "levels": [{"value": 1, "label": "a"}]})" + tail,
                           "/scales/0/levels", "at least two levels");
    expect_framework_error(head + R"({"id": "s", "type": "ordinal", "levels": [{"value": 1, "code": "2", "label": "a"}, {"value": 2, "label": "b"}]})" + tail,
                           "/scales/0/levels/0", "reads as the number 2");
    expect_framework_error(head + R"({"id": "s", "type": "banded", "min": 0, "max": 100, "levels": [{"value": 1, "label": "a", "min": 0}, {"value": 2, "label": "b"}]})" + tail,
                           "/scales/0/levels/1", "exactly one lower bound");
    expect_framework_error(head + R"({"id": "s", "type": "ordinal", "min": 0, "levels": [{"value": 1, "label": "a"}, {"value": 2, "label": "b"}]})" + tail,
                           "/scales/0/min", "only banded scales take 'min'");
    expect_framework_error(head + R"({"id": "s", "type": "interval", "levels": []})" + tail, "/scales/0/type", "unknown value 'interval'");
    expect_framework_error(head + R"({"id": "s", "type": "ordinal", "levels": [{"value": 1, "label": "a"}, {"value": 2, "label": "b"}]},
                                     {"id": "s", "type": "ordinal", "levels": [{"value": 1, "label": "a"}, {"value": 2, "label": "b"}]})" + tail,
                           "/scales/1/id", "duplicate scale id 's'");
}

TEST(MaturityLoad, FormatVersionAndRequiredKeys) {
    auto text = mini();
    text.replace(text.find("qualitymetrics.maturity/1"), 25, "qualitymetrics.maturity/9");
    expect_framework_error(text, "/format", "unsupported format 'qualitymetrics.maturity/9'");
    text = mini();
    text.replace(text.find("\"version\": \"1\","), 15, "");
    expect_framework_error(text, "", "missing required key 'version'");
}

TEST(MaturityLoad, MethodProblems) {
    expect_framework_error(mini("", "{\"overall\": {\"method\": \"count_rules\", \"rules\": [{\"level\": \"five\", \"when\": [{\"where\": \">=four\", \"min\": 1}]}]}}"),
                           "/scoring/overall", "count_rules needs 'otherwise'");
    expect_framework_error(mini("", "{\"overall\": {\"method\": \"staged\", \"scale\": \"s5\", \"satisfied_at\": 3}}"),
                           "/domains/0/elements/0/criteria/0", "has no 'stage'");
    expect_framework_error(mini("", "{\"overall\": {\"method\": \"psoe\"}}"), "/scoring/overall", "cumulative scale");
    expect_framework_error(mini("", "{\"element\": {\"method\": \"weakest_link\", \"caps\": [{\"when\": {\"where\": \"<=2\"}, \"max\": \"three\"}]}}"),
                           "/scoring/element/caps/0", "missing required key 'reason'");
    expect_framework_error(mini("", "{\"element\": {\"method\": \"weakest_link\", \"caps\": [{\"when\": {\"where\": \"<=seven\"}, \"max\": 3, \"reason\": \"r\"}]}}"),
                           "/scoring/element/caps/0/when/where", "level 'seven' is not on scale");
    expect_framework_error(mini("", "{\"element\": {\"method\": \"best_fit\"}}"), "/scoring/element/method", "unknown value 'best_fit'");
    // an override given at scoring time is checked the same way, and named "method"
    try {
        mt::with_scoring(mt::parse_framework(mini()), R"({"overall": {"method": "weakest_link", "over": "sideways"}})");
        FAIL();
    } catch (const mt::framework_error& e) {
        EXPECT_EQ(e.file(), "method");
        EXPECT_EQ(e.pointer(), "/overall/over");
    }
}

TEST(MaturityLoad, DeepNestingIsRejectedNotCrashed) {
    std::string deep(100000, '[');
    deep += std::string(100000, ']');
    try {
        mt::parse_framework(deep, "deep.json");
        FAIL();
    } catch (const mt::framework_error& e) {
        EXPECT_NE(e.problem().find("nested more than 64 levels deep"), std::string::npos) << e.what();
    }
}

// ================================================================================================
// Malformed assessments
// ================================================================================================

TEST(MaturityAssessment, RowErrorsNameColumnAndRow) {
    const auto fw = mt::parse_framework(mini());
    Rows rows(fw);
    rows.add(0, 0, 0, "c1", 3).add(0, 0, 0, "c2", 4).add(0, 0, 0, "c3", 2);
    auto a = rows.view();
    auto r = rows.rating;
    r[1] = 7;
    a.rating = r;
    expect_invalid([&] { mt::score(fw, a); }, "rating[1]: 7 is not on scale 's5' (ordinal: 1 one, 2 two, 3 three, 4 four, 5 five) of criterion 'c2'");
    a = rows.view();
    auto c = rows.criterion;
    c[2] = 9;
    a.criterion = c;
    expect_invalid([&] { mt::score(fw, a); }, "criterion[2]: index 9 is outside 0..2");
    Rows dup(fw);
    dup.add(0, 0, 0, "c1", 3).add(0, 0, 1, "c1", 2).add(0, 0, 0, "c1", 4);
    expect_invalid([&] { mt::score(fw, dup.view()); }, "criterion[2]: duplicate rating: row 0 has the same unit, round, rater, criterion ('c1')");
    Rows st(fw);
    st.add(0, 0, 0, "c1", 3);
    st.status[0] = 1;  // NA but with a rating
    expect_invalid([&] { mt::score(fw, st.view()); }, "rating[0]: is 3 but the status is not_applicable");
    Rows sub(fw);
    sub.add(0, 0, 0, "c1", 3, mt::Status::rated, 0);
    expect_invalid([&] { mt::score(fw, sub.view()); }, "subscore[0]: criterion 'c1' has no sub-scores");
    std::vector<mt::Override> ov{{0, 0, fw.find("e1"), 3.0, mt::Status::rated, "  "}};
    expect_invalid([&] { mt::score(fw, rows.view(), ov); }, "overrides.reason[0]: the consensus override of 'e1' needs a recorded reason");
    ov = {{0, 0, fw.find("c1"), 9.0, mt::Status::rated, "panel"}};
    expect_invalid([&] { mt::score(fw, rows.view(), ov); }, "overrides.value[0]: 9 is not on scale");
}

TEST(MaturityAssessment, CsvErrorsNameFileLineAndColumn) {
    const auto fw = mt::parse_framework(mini());
    expect_invalid([&] { mt::parse_assessment_csv("unit,criterion,rating\nt1,c1,3\nt1,c7,2\n", fw, "a.csv"); },
                   "a.csv:3: column 'criterion': unknown criterion 'c7'");
    expect_invalid([&] { mt::parse_assessment_csv("unit,criterion,rating\nt1,c1,six\n", fw, "a.csv"); },
                   "a.csv:2: column 'rating': 'six' is not on scale 's5'");
    expect_invalid([&] { mt::parse_assessment_csv("unit,criterion,rating,evidence_date\nt1,c1,3,2024-02-30\n", fw, "a.csv"); },
                   "a.csv:2: column 'evidence_date': '2024-02-30' is not a date (YYYY-MM-DD)");
    expect_invalid([&] { mt::parse_assessment_csv("unit,criterion\nt1,c1\n", fw, "a.csv"); }, "a.csv:1: the header has no 'rating' column");
    expect_invalid([&] { mt::parse_assessment_csv("unit,criterion,rating,grade\nt1,c1,3,x\n", fw, "a.csv"); },
                   "unknown column 'grade' in the header");
    expect_invalid([&] { mt::parse_assessment_csv("unit,rater,criterion,rating\nt1,consensus,e1,3\n", fw, "a.csv"); },
                   "a.csv:2: column 'reason': a consensus override needs a recorded reason");
    expect_invalid([&] { mt::parse_assessment_csv("unit,criterion,rating\nt1,\"c1,3\n", fw, "a.csv"); }, "a quoted field is not closed");
    expect_invalid([&] { mt::parse_assessment_csv("unit,criterion,rating\nt1,e1,3\n", fw, "a.csv"); },
                   "'e1' is element, not a criterion; only a consensus override may rate it directly");
    // a good file
    const auto t = mt::parse_assessment_csv(
        "unit,round,rater,criterion,rating,evidence,evidence_date,consensus,reason\r\n"
        "t2,2025-04-01,ann,c1,3,\"doc 1, p.2\",2025-01-10,,\r\n"
        "t1,2024-04-01,bob,c2,NA,,,,\r\n"
        "t1,2025-04-01,consensus,e2,four,,,true,panel agreed after site visit\r\n",
        fw, "a.csv");
    EXPECT_EQ(t.units, (std::vector<std::string>{"t1", "t2"}));
    EXPECT_EQ(t.rounds, (std::vector<std::string>{"2024-04-01", "2025-04-01"}));
    EXPECT_EQ(t.raters, (std::vector<std::string>{"ann", "bob"}));
    ASSERT_EQ(t.rating.size(), 2u);
    EXPECT_EQ(t.evidence[0], "doc 1, p.2");
    EXPECT_EQ(t.status[1], static_cast<std::uint8_t>(mt::Status::not_applicable));
    ASSERT_EQ(t.overrides.size(), 1u);
    EXPECT_EQ(t.overrides[0].node, fw.find("e2"));
    EXPECT_EQ(t.overrides[0].value, 4.0);
    EXPECT_EQ(t.evidence_date[0], 20098);  // 2025-01-10
}

// ================================================================================================
// CQC single assessment framework
// ================================================================================================

TEST(MaturityCqc, PublishedWorkedExampleQualityStatement) {
    // CQC "Example: how we reach a rating" (GP practice, infection prevention and control):
    // evidence categories 3, 2, 3, 3 -> 11 of 16 -> 69% -> quality statement score 3.
    // The bundled statement "safe.staffing" has three categories: 3, 2, 3 -> 8/12 = 66.67% -> 67% -> 3.
    const auto fw = bundled("cqc-style");
    Rows rows(fw);
    rows.add(0, 0, 0, "safe.staffing.staff", 3).add(0, 0, 0, "safe.staffing.obs", 2).add(0, 0, 0, "safe.staffing.proc", 3);
    const auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_NEAR(rd.percent("safe.staffing"), 100.0 * 8 / 12, 1e-12);
    EXPECT_EQ(r.level[rd.i("safe.staffing")], 3.0);
    // the published case has four categories: the same rule on a one-off framework
    const std::string text = R"({"format": "qualitymetrics.maturity/1", "id": "gp", "version": "1",
      "scales": [{"id": "s", "type": "ordinal", "levels": [{"value": 1, "label": "1"}, {"value": 2, "label": "2"}, {"value": 3, "label": "3"}, {"value": 4, "label": "4"}]},
                 {"id": "qs", "type": "banded", "min": 0, "max": 100, "round": 0, "levels": [{"value": 1, "label": "score 1", "min": 25},
                   {"value": 2, "label": "score 2", "min": 39}, {"value": 3, "label": "score 3", "min": 63}, {"value": 4, "label": "score 4", "min": 88}]}],
      "scale": "s", "scoring": {"element": {"method": "percent_bands", "bands": "qs"}},
      "domains": [{"id": "safe", "elements": [{"id": "ipc", "criteria": [{"id": "people"}, {"id": "staff"}, {"id": "observation"}, {"id": "processes"}]}]}]})";
    const auto gp = mt::parse_framework(text, "gp.json");
    Rows g(gp);
    g.add(0, 0, 0, "people", 3).add(0, 0, 0, "staff", 2).add(0, 0, 0, "observation", 3).add(0, 0, 0, "processes", 3);
    const auto gr = mt::score(gp, g.view());
    Read gd{gp, gr};
    EXPECT_DOUBLE_EQ(gd.percent("ipc"), 68.75);
    EXPECT_EQ(gd.label("ipc"), "score 3");
    EXPECT_EQ(gr.level[gd.i("ipc")], 3.0);
}

namespace {
/// A CQC-style assessment in which each quality statement's evidence categories all score `s[q]`,
/// so each quality statement scores s[q] (25/50/75/100% -> 1/2/3/4).
void cqc_statements(Rows& rows, const mt::Framework& fw, std::int64_t u, const std::string& kq, const std::vector<int>& s) {
    const auto d = fw.find(kq);
    std::size_t q = 0;
    for (auto e : fw.nodes[d].children) {
        for (auto c : fw.nodes[e].children) rows.add(u, 0, 0, fw.nodes[c].id, s.at(q));
        ++q;
    }
}
}  // namespace

TEST(MaturityCqc, KeyQuestionPercentageBands) {
    // Safe has 4 quality statements (max 16): totals and their bands.
    const auto fw = bundled("cqc-style");
    const std::vector<std::pair<std::vector<int>, std::string>> cases = {
        {{1, 1, 1, 1}, "inadequate"},            // 4/16 = 25%
        {{1, 2, 1, 2}, "inadequate"},            // 6/16 = 37.5% -> 38%
        {{2, 2, 2, 1}, "requires_improvement"},  // 7/16 = 43.75%
        {{3, 3, 3, 1}, "good"},                  // 10/16 = 62.5% -> 63%: good (the cap "at most good" does not bind)
        {{3, 3, 3, 3}, "good"},                  // 12/16 = 75%
        {{4, 4, 4, 2}, "good"},                  // 14/16 = 87.5% -> 88% outstanding, capped at good by the QS scored 2
        {{4, 4, 3, 3}, "outstanding"},           // 14/16 = 87.5% -> 88%
        {{4, 4, 4, 4}, "outstanding"},
    };
    for (const auto& [s, expected] : cases) {
        Rows rows(fw);
        cqc_statements(rows, fw, 0, "safe", s);
        const auto r = mt::score(fw, rows.view());
        Read rd{fw, r};
        const double pct = 100.0 * (s[0] + s[1] + s[2] + s[3]) / 16.0;
        EXPECT_DOUBLE_EQ(rd.percent("safe"), pct);
        EXPECT_EQ(rd.label("safe"), expected) << s[0] << s[1] << s[2] << s[3];
    }
}

TEST(MaturityCqc, LimiterCapsKeyQuestionAtGood) {
    const auto fw = bundled("cqc-style");
    Rows rows(fw);
    cqc_statements(rows, fw, 0, "safe", {4, 4, 4, 2});
    const auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_DOUBLE_EQ(rd.percent("safe"), 87.5);
    EXPECT_EQ(rd.label("safe"), "good");
    EXPECT_TRUE(rd.flag("safe", mt::flag::capped));
    EXPECT_EQ(r.cap[rd.i("safe")], 0);
}

TEST(MaturityCqc, RatingPrinciplesCountRules) {
    const auto fw = bundled("cqc-style");
    // ratings per key question given as quality-statement scores that produce them
    const std::map<std::string, std::vector<int>> safe = {{"O", {4, 4, 4, 4}}, {"G", {3, 3, 3, 3}}, {"R", {2, 2, 2, 2}}, {"I", {1, 1, 1, 1}}};
    const std::map<std::string, std::vector<int>> three = {{"O", {4, 4, 4}}, {"G", {3, 3, 3}}, {"R", {2, 2, 2}}, {"I", {1, 1, 1}}};
    const std::vector<std::string> kqs = {"safe", "effective", "caring", "responsive", "well_led"};
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"OOGGG", "outstanding"},           // at least two outstanding and the rest good
        {"OGGGG", "good"},                  // only one outstanding
        {"OOOGR", "good"},                  // one RI: not outstanding; no inadequate and <= 1 RI: good
        {"GGGRR", "requires_improvement"},  // two RI
        {"GGGGI", "requires_improvement"},  // one inadequate: not good; fewer than two of anything bad: otherwise RI
        {"IIGGG", "inadequate"},            // two inadequate
        {"IIRRO", "inadequate"},            // inadequate rule comes first
        {"OOOOO", "outstanding"},
    };
    for (const auto& [pattern, expected] : cases) {
        Rows rows(fw);
        for (std::size_t i = 0; i < kqs.size(); ++i) {
            const std::string key(1, pattern[i]);
            const auto& s = kqs[i] == "safe" || kqs[i] == "well_led" ? safe.at(key) : three.at(key);
            cqc_statements(rows, fw, 0, kqs[i], s);
        }
        rows.add(0, 0, 0, "regulatory.breach", 1);  // no breach
        const auto r = mt::score(fw, rows.view());
        Read rd{fw, r};
        EXPECT_EQ(rd.label("overall"), expected) << pattern;
        EXPECT_FALSE(rd.flag("overall", mt::flag::capped)) << pattern;
    }
}

TEST(MaturityCqc, BreachCapsOverallAtRequiresImprovement) {
    const auto fw = bundled("cqc-style");
    Rows rows(fw);
    for (const auto& kq : {"safe", "well_led"}) cqc_statements(rows, fw, 0, kq, {4, 4, 4, 4});
    for (const auto& kq : {"effective", "caring", "responsive"}) cqc_statements(rows, fw, 0, kq, {3, 3, 3});
    rows.add(0, 0, 0, "regulatory.breach", 0);  // in breach
    const auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_EQ(rd.label("overall"), "requires_improvement");
    EXPECT_TRUE(rd.flag("overall", mt::flag::capped));
    // the limiter domain does not count as a sixth key question
    EXPECT_EQ(r.n_items[rd.i("overall")], 5);
}

TEST(MaturityCqc, ConsensusOverrideOfTheOverallRatingIsRecorded) {
    const auto fw = bundled("cqc-style");
    Rows rows(fw);
    for (const auto& kq : {"safe", "effective", "caring", "responsive", "well_led"}) {
        const auto d = fw.find(kq);
        for (auto e : fw.nodes[d].children)
            for (auto c : fw.nodes[e].children) rows.add(0, 0, 0, fw.nodes[c].id, 3);
    }
    std::vector<mt::Override> ov{{0, 0, 0, 2.0, mt::Status::rated, "departure from the principles: concerns about leadership"}};
    const auto r = mt::score(fw, rows.view(), ov);
    Read rd{fw, r};
    EXPECT_EQ(rd.label("overall"), "requires_improvement");
    EXPECT_TRUE(rd.flag("overall", mt::flag::overridden));
    EXPECT_EQ(r.override_index[rd.i("overall")], 0);
}

// ================================================================================================
// CMMI
// ================================================================================================

namespace {
/// Characterises every goal of the PAs of maturity levels <= `satisfied_up_to` as `good`, and
/// of higher levels as `bad`; GG3 of ML2 PAs follows the ML3 setting.
Rows cmmi_profile(const mt::Framework& fw, int satisfied_up_to, double good = 2, double bad = 1) {
    Rows rows(fw);
    for (auto c : fw.criteria) {
        const auto& n = fw.nodes[c];
        const int stage = std::stoi(n.stage);
        rows.add(0, 0, 0, n.id, stage <= satisfied_up_to ? good : bad);
    }
    return rows;
}
}  // namespace

TEST(MaturityCmmi, StagedMaturityLevelFromPracticeAreaProfile) {
    const auto fw = fixture("cmmi_dev_v13_staged.json");
    for (int ml = 1; ml <= 5; ++ml) {
        const auto rows = cmmi_profile(fw, ml);
        const auto r = mt::score(fw, rows.view());
        Read rd{fw, r};
        EXPECT_EQ(r.level[rd.i("overall")], static_cast<double>(ml)) << "profile satisfied up to ML" << ml;
    }
    // a PA is satisfied only if every goal is at least Largely Implemented
    auto rows = cmmi_profile(fw, 3, 3.0);  // FI up to ML3
    rows.rating[0] = 1.0;                  // REQM.SG only Partially Implemented
    const auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_EQ(rd.label("REQM"), "Partially implemented");
    EXPECT_EQ(rd.label("overall"), "Initial");
}

TEST(MaturityCmmi, GenericGoal3OfLevel2AreasIsNeededForLevel3) {
    const auto fw = fixture("cmmi_dev_v13_staged.json");
    auto rows = cmmi_profile(fw, 3);
    const auto k = fw.nodes[fw.find("PPQA.GG3")].criterion;
    for (std::size_t i = 0; i < rows.criterion.size(); ++i)
        if (rows.criterion[i] == static_cast<std::int64_t>(k)) rows.rating[i] = 1.0;
    const auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_EQ(rd.label("overall"), "Managed");  // ML2 holds (GG3 is not an ML2 goal), ML3 does not
}

TEST(MaturityCmmi, NotYetIsNotRatedAndBlocksOnlyWhenItDecides) {
    const auto fw = fixture("cmmi_dev_v13_staged.json");
    // all satisfied up to ML5 except one ML3 goal Not Yet characterised
    auto rows = cmmi_profile(fw, 5);
    const auto k = fw.nodes[fw.find("RD.SG")].criterion;
    for (std::size_t i = 0; i < rows.criterion.size(); ++i)
        if (rows.criterion[i] == static_cast<std::int64_t>(k)) rows.rating[i] = NaN, rows.status[i] = 2;
    auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_EQ(rd.status("RD"), mt::Status::not_rated);     // the goal -> PA is Not Rated
    EXPECT_EQ(rd.status("overall"), mt::Status::not_rated); // ML3 cannot be decided
    // when an ML2 PA is unsatisfied, the missing ML3 evidence does not matter: ML1, rated
    for (std::size_t i = 0; i < rows.criterion.size(); ++i)
        if (rows.criterion[i] == static_cast<std::int64_t>(fw.nodes[fw.find("CM.SG")].criterion)) rows.rating[i] = 0.0;
    r = mt::score(fw, rows.view());
    Read rd2{fw, r};
    EXPECT_EQ(rd2.status("overall"), mt::Status::rated);
    EXPECT_EQ(rd2.label("overall"), "Initial");
    // under "exclude" the uncharacterised goal is left out
    mt::ScoreOptions o;
    o.missing = mt::MissingPolicy::exclude;
    auto rows3 = cmmi_profile(fw, 5);
    for (std::size_t i = 0; i < rows3.criterion.size(); ++i)
        if (rows3.criterion[i] == static_cast<std::int64_t>(k)) rows3.rating[i] = NaN, rows3.status[i] = 2;
    r = mt::score(fw, rows3.view(), {}, o);
    Read rd3{fw, r};
    EXPECT_EQ(rd3.label("overall"), "Optimizing");
    EXPECT_TRUE(rd3.flag("overall", mt::flag::partial));
}

TEST(MaturityCmmi, EquivalentStagingFromCapabilityProfile) {
    const auto fw = fixture("cmmi_equivalent_staging.json");
    auto profile = [&](int ml2, int ml3, int ml4, int ml5) {
        Rows rows(fw);
        for (auto c : fw.criteria) {
            const int stage = std::stoi(fw.nodes[c].stage);
            rows.add(0, 0, 0, fw.nodes[c].id, stage == 2 ? ml2 : stage == 3 ? ml3 : stage == 4 ? ml4 : ml5);
        }
        const auto r = mt::score(fw, rows.view());
        return r.level[r.row(0, 0, 0)];
    };
    EXPECT_EQ(profile(1, 3, 3, 3), 1.0);  // an ML2 PA below CL2
    EXPECT_EQ(profile(2, 3, 3, 3), 2.0);  // ML2 PAs at CL2: ML2; ML3 needs them at CL3
    EXPECT_EQ(profile(3, 2, 3, 3), 2.0);  // ML3 PAs only at CL2
    EXPECT_EQ(profile(3, 3, 2, 2), 3.0);
    EXPECT_EQ(profile(3, 3, 3, 2), 4.0);
    EXPECT_EQ(profile(3, 3, 3, 3), 5.0);
}

// ================================================================================================
// PSOE (SM ICG)
// ================================================================================================

TEST(MaturityPsoe, ElementEffectiveness) {
    const auto fw = bundled("sms-psoe");
    const double N = 0, P = 1, S = 2, O = 3, E = 4;
    (void)N, (void)P;
    auto element = [&](double c1, double c2, double eff, double exc) {
        Rows rows(fw);
        rows.add(0, 0, 0, "policy.commitment.c1", c1).add(0, 0, 0, "policy.commitment.c2", c2);
        rows.add(0, 0, 0, "policy.commitment.eff", eff).add(0, 0, 0, "policy.commitment.exc", exc);
        const auto r = mt::score(fw, rows.view());
        Read rd{fw, r};
        return std::make_pair(rd.label("policy.commitment"), rd.percent("policy.commitment"));
    };
    // every compliance marker at least Operating and effectiveness shown
    EXPECT_EQ(element(O, E, E, P).first, "effectiveness_achieved");
    // one marker only Suitable: not achieved, whatever else
    EXPECT_EQ(element(S, E, E, E).first, "effectiveness_not_achieved");
    // markers operating but the effectiveness marker not Effective
    EXPECT_EQ(element(E, E, O, E).first, "effectiveness_not_achieved");
    // effectiveness achieved and the excellence marker in place (Operating)
    EXPECT_EQ(element(O, O, E, O).first, "signs_of_excellence");
    // ECAA-style points: one per P, S, O, E of the compliance and effectiveness markers
    EXPECT_DOUBLE_EQ(element(O, E, E, P).second, 100.0 * (3 + 4 + 4) / 12.0);
}

TEST(MaturityPsoe, ComponentIsItsWeakestElementAndMissingMarkersScoreLowest) {
    const auto fw = bundled("sms-psoe");
    Rows rows(fw);
    rows.all(0, 0, 0, 4, "promotion");                   // every promotion marker Effective
    auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_EQ(rd.label("promotion.training"), "signs_of_excellence");
    EXPECT_EQ(rd.label("promotion.communication"), "effectiveness_achieved");  // it has no excellence marker
    EXPECT_EQ(rd.label("promotion"), "effectiveness_achieved");                // the weakest element
    // framework policy "lowest": an unrated marker counts as Not present
    Rows rows2(fw);
    rows2.all(0, 0, 0, 4, "promotion.training");
    rows2.add(0, 0, 0, "promotion.communication.c1", 4).add(0, 0, 0, "promotion.communication.eff", 4);
    r = mt::score(fw, rows2.view());
    Read rd2{fw, r};
    EXPECT_EQ(rd2.label("promotion.communication"), "effectiveness_not_achieved");
    EXPECT_TRUE(rd2.flag("promotion.communication", mt::flag::imputed_lowest));
    EXPECT_EQ(rd2.label("promotion"), "effectiveness_not_achieved");
}

// ================================================================================================
// RADAR (EFQM) with sub-scores and points
// ================================================================================================

TEST(MaturityRadar, AttributesPartsPointsAndBands) {
    const auto fw = fixture("radar_efqm.json");
    Rows rows(fw);
    // c1.1: approach 60, deployment 40, assessment 50 -> 50%; c1.2: a holistic score of 70
    rows.add(0, 0, 0, "c1.1", 60, mt::Status::rated, 0).add(0, 0, 0, "c1.1", 40, mt::Status::rated, 1).add(0, 0, 0, "c1.1", 50, mt::Status::rated, 2);
    rows.add(0, 0, 0, "c1.2", 70);
    for (const char* c : {"c2.1", "c2.2", "c4.1", "c4.2", "c5.1", "c5.2"}) rows.add(0, 0, 0, c, 35);
    const auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_DOUBLE_EQ(rd.score("c1.1"), 50.0);
    EXPECT_EQ(rd.label("c1.1"), "ability");
    EXPECT_DOUBLE_EQ(rd.percent("c1"), 60.0);       // (50 + 70) / 2
    EXPECT_DOUBLE_EQ(r.points[rd.i("c1")], 60.0);   // 60% of 100 points
    EXPECT_EQ(rd.label("c2"), "limited ability");   // 35% sits between the published bands: the lower one
    EXPECT_DOUBLE_EQ(r.points[rd.i("direction")], 200.0 * (60.0 + 35.0) / 200.0);
    // overall: weighted by the domains' points (200 and 400)
    EXPECT_DOUBLE_EQ(rd.percent("overall"), (200.0 * 47.5 + 400.0 * 35.0) / 600.0);
    EXPECT_DOUBLE_EQ(r.points[rd.i("overall")], 47.5 * 2 + 35.0 * 4);  // the domains' points added up
}

// ================================================================================================
// Krippendorff's alpha
// ================================================================================================

TEST(MaturityAgreement, Krippendorff2011WorkedExample) {
    // Krippendorff (2011), 4 observers x 12 units with missing values.
    const auto text = read_file(REF + "/maturity/krippendorff_2011_example.csv");
    std::vector<double> data;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    std::size_t raters = 0;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string cell;
        std::getline(ls, cell, ',');
        while (std::getline(ls, cell, ',')) data.push_back(cell == "." ? NaN : std::stod(cell));
        ++raters;
    }
    ASSERT_EQ(raters, 4u);
    ASSERT_EQ(data.size(), 48u);
    const std::pair<mt::Metric, double> published[] = {
        {mt::Metric::nominal, 0.743}, {mt::Metric::ordinal, 0.815}, {mt::Metric::interval, 0.849}, {mt::Metric::ratio, 0.797}};
    for (const auto& [m, alpha] : published) {
        const auto r = mt::krippendorff_alpha_matrix(data, 4, 12, m);
        EXPECT_NEAR(r.alpha, alpha, 5e-4) << mt::to_string(m);
        EXPECT_EQ(r.n_values, 40u);      // unit 12 has one value: not pairable
        EXPECT_EQ(r.n_pairable, 11u);
    }
    // the nominal case by hand: D_o = 4/20 (= 0.2), D_e = 0.7795, alpha = 1 - 0.2/0.7795 = 0.743
    const auto nom = mt::krippendorff_alpha_matrix(data, 4, 12, mt::Metric::nominal);
    EXPECT_NEAR(nom.observed, 0.2, 1e-12);
    EXPECT_NEAR(nom.expected, 0.779487, 1e-6);
    // 8 of 11 pairable units agree completely
    EXPECT_NEAR(nom.exact_agreement, 8.0 / 11.0, 1e-12);
}

TEST(MaturityAgreement, PerfectAgreementAndNoVariation) {
    std::vector<double> v{1, 1, 2, 2, 3, 3};
    std::vector<std::size_t> off{0, 2, 4, 6};
    EXPECT_DOUBLE_EQ(mt::krippendorff_alpha(v, off, mt::Metric::ordinal).alpha, 1.0);
    std::vector<double> same{2, 2, 2, 2};
    std::vector<std::size_t> off2{0, 2, 4};
    EXPECT_TRUE(std::isnan(mt::krippendorff_alpha(same, off2, mt::Metric::ordinal).alpha));  // D_e = 0
    expect_invalid([&] { mt::krippendorff_alpha(v, std::vector<std::size_t>{0, 2, 7}, mt::Metric::ordinal); }, "offsets[2]");
}

TEST(MaturityAgreement, PerCriterionFromAnAssessment) {
    const auto fw = mt::parse_framework(mini());
    Rows rows(fw);
    // 4 units x 3 raters; c1 agreed exactly, c2 off by one level for rater 2, c3 all over the place
    for (int u = 0; u < 4; ++u) {
        for (int k = 0; k < 3; ++k) {
            rows.add(u, 0, k, "c1", 1 + u);
            rows.add(u, 0, k, "c2", std::min(5, 1 + u + (k == 2 ? 1 : 0)));
            rows.add(u, 0, k, "c3", 1 + (u * 3 + k * 2) % 5);
        }
    }
    const auto a = mt::agreement(fw, rows.view());
    EXPECT_DOUBLE_EQ(a.alpha[0], 1.0);
    EXPECT_DOUBLE_EQ(a.exact_agreement[0], 1.0);
    EXPECT_GT(a.alpha[1], 0.7);
    EXPECT_LT(a.exact_agreement[1], 1.0);
    EXPECT_LT(a.alpha[2], 0.3);
    EXPECT_EQ(a.n_pairable[2], 4);
    const auto tol = mt::agreement(fw, rows.view(), {}, std::nullopt, 1.0);  // within one level
    EXPECT_DOUBLE_EQ(tol.exact_agreement[1], 1.0);
    EXPECT_EQ(a.scale_n_criteria[0], 3);
}

// ================================================================================================
// Raters, evidence, missing-evidence policies, prerequisites, carry-forward
// ================================================================================================

TEST(MaturityRaters, AggregationsAndDisagreement) {
    const auto fw = mt::parse_framework(mini());
    Rows rows(fw);
    rows.add(0, 0, 0, "c1", 2).add(0, 0, 1, "c1", 3).add(0, 0, 2, "c1", 5).add(0, 0, 3, "c1", 4);
    rows.add(0, 0, 0, "c2", 3).add(0, 0, 1, "c2", 3);
    rows.add(0, 0, 0, "c3", 4).add(0, 0, 1, "c3", 4, mt::Status::not_applicable);
    auto run = [&](mt::Aggregation a) {
        mt::ScoreOptions o;
        o.aggregation = a;
        return mt::score(fw, rows.view(), {}, o);
    };
    auto r = run(mt::Aggregation::median);
    Read rd{fw, r};
    EXPECT_DOUBLE_EQ(rd.score("c1"), 3.5);  // mean of the middle two
    EXPECT_EQ(rd.label("c1"), "three");     // the level at or below
    EXPECT_DOUBLE_EQ(r.spread[rd.i("c1")], 3.0);
    EXPECT_TRUE(rd.flag("c1", mt::flag::disagreement));
    EXPECT_FALSE(rd.flag("c2", mt::flag::disagreement));
    EXPECT_TRUE(rd.flag("c3", mt::flag::na_conflict));
    EXPECT_EQ(rd.score("c3"), 4.0);
    EXPECT_DOUBLE_EQ(run(mt::Aggregation::median_low).score[rd.i("c1")], 3.0);
    EXPECT_DOUBLE_EQ(run(mt::Aggregation::median_high).score[rd.i("c1")], 4.0);
    EXPECT_DOUBLE_EQ(run(mt::Aggregation::mean).score[rd.i("c1")], 3.5);
    EXPECT_DOUBLE_EQ(run(mt::Aggregation::min).score[rd.i("c1")], 2.0);
    const auto c = run(mt::Aggregation::consensus);
    EXPECT_EQ(c.status[rd.i("c1")], static_cast<std::uint8_t>(mt::Status::not_rated));
    EXPECT_TRUE(c.flags[rd.i("c1")] & mt::flag::no_consensus);
    EXPECT_EQ(c.score[rd.i("c2")], 3.0);
    // a consensus override settles it, with its reason
    std::vector<mt::Override> ov{{0, 0, fw.find("c1"), 4.0, mt::Status::rated, "team discussion"}};
    mt::ScoreOptions o;
    o.aggregation = mt::Aggregation::consensus;
    const auto r2 = mt::score(fw, rows.view(), ov, o);
    EXPECT_EQ(r2.score[rd.i("c1")], 4.0);
    EXPECT_TRUE(r2.flags[rd.i("c1")] & mt::flag::overridden);
    EXPECT_FALSE(r2.flags[rd.i("c1")] & mt::flag::no_consensus);
    // pooled noise: within-criterion variance of raters (c1: 2,3,5,4; c2: 3,3)
    const double ss = (1.5 * 1.5 + 0.5 * 0.5 + 1.5 * 1.5 + 0.5 * 0.5) + 0.0;  // c3 has one rating
    EXPECT_NEAR(r.noise_sd[0], std::sqrt(ss / (3 + 1)), 1e-12);
    EXPECT_NEAR(r.se[rd.i("c1")], r.noise_sd[0] / 2.0, 1e-12);
}

TEST(MaturityEvidence, StaleExpiredRequired) {
    const auto fw = mt::parse_framework(mini("", "", ""));
    Rows rows(fw);
    const std::int64_t day = 20000;
    rows.add(0, 0, 0, "c1", 4, mt::Status::rated, -1, day - 400, mt::no_date, day);  // 400 days old
    rows.add(0, 0, 0, "c2", 3, mt::Status::rated, -1, day - 10, day - 1, day);      // expired yesterday
    rows.add(0, 0, 0, "c3", 2, mt::Status::rated, -1, mt::no_date, mt::no_date, day);  // no evidence
    mt::ScoreOptions o;
    o.evidence_max_age_days = 365;
    auto r = mt::score(fw, rows.view(true), {}, o);
    Read rd{fw, r};
    EXPECT_EQ(rd.status("c1"), mt::Status::not_rated);
    EXPECT_TRUE(rd.flag("c1", mt::flag::stale_evidence));
    EXPECT_EQ(rd.status("c2"), mt::Status::not_rated);
    EXPECT_EQ(rd.status("c3"), mt::Status::rated);
    o.stale = mt::StalePolicy::flag;
    o.evidence_required = true;
    r = mt::score(fw, rows.view(true), {}, o);
    Read rd2{fw, r};
    EXPECT_EQ(rd2.status("c1"), mt::Status::rated);
    EXPECT_TRUE(rd2.flag("c1", mt::flag::stale_evidence));
    EXPECT_EQ(rd2.status("c3"), mt::Status::not_rated);
    EXPECT_TRUE(rd2.flag("c3", mt::flag::no_evidence));
    // ageing needs a reference date
    auto a = rows.view(true);
    a.assessed_on = {};
    o = {};
    o.evidence_max_age_days = 30;
    expect_invalid([&] { mt::score(fw, a, {}, o); }, "as_of: evidence age and expiry are judged at a date");
    o.as_of = day;
    EXPECT_EQ(static_cast<mt::Status>(mt::score(fw, a, {}, o).status[rd.i("c1")]), mt::Status::not_rated);
}

TEST(MaturityMissing, ExcludeLowestNotRated) {
    const auto fw = mt::parse_framework(mini());
    Rows rows(fw);
    rows.add(0, 0, 0, "c1", 4).add(0, 0, 0, "c2", 2, mt::Status::not_rated).add(0, 0, 0, "c3", 3);
    auto run = [&](mt::MissingPolicy p) {
        mt::ScoreOptions o;
        o.missing = p;
        return mt::score(fw, rows.view(), {}, o);
    };
    auto ex = run(mt::MissingPolicy::exclude);
    Read rd{fw, ex};
    EXPECT_DOUBLE_EQ(rd.score("e1"), 4.0);
    EXPECT_TRUE(rd.flag("e1", mt::flag::partial));
    auto lo = run(mt::MissingPolicy::lowest);
    EXPECT_DOUBLE_EQ(lo.score[rd.i("e1")], 2.5);  // (4 + 1) / 2
    EXPECT_TRUE(lo.flags[rd.i("e1")] & mt::flag::imputed_lowest);
    auto nr = run(mt::MissingPolicy::not_rated);
    EXPECT_EQ(nr.status[rd.i("e1")], static_cast<std::uint8_t>(mt::Status::not_rated));
    EXPECT_EQ(nr.status[rd.i("overall")], static_cast<std::uint8_t>(mt::Status::not_rated));
    EXPECT_EQ(nr.status[rd.i("e2")], static_cast<std::uint8_t>(mt::Status::rated));
    // Not Applicable is always dropped
    Rows na(fw);
    na.add(0, 0, 0, "c1", 4).add(0, 0, 0, "c2", NaN, mt::Status::not_applicable).add(0, 0, 0, "c3", 3);
    mt::ScoreOptions strict;
    strict.missing = mt::MissingPolicy::not_rated;
    const auto r = mt::score(fw, na.view(), {}, strict);
    EXPECT_DOUBLE_EQ(r.score[rd.i("e1")], 4.0);
    EXPECT_FALSE(r.flags[rd.i("e1")] & mt::flag::partial);
}

TEST(MaturityPrerequisites, CountAtMinimumUntilMet) {
    const auto fw = mt::parse_framework(mini(", \"requires\": [{\"criterion\": \"c3\", \"at_least\": 3}]"));
    Rows rows(fw);
    rows.add(0, 0, 0, "c1", 5).add(0, 0, 0, "c2", 5).add(0, 0, 0, "c3", 2);
    auto r = mt::score(fw, rows.view());
    Read rd{fw, r};
    EXPECT_EQ(rd.score("c1"), 1.0);
    EXPECT_EQ(r.rating[rd.i("c1")], 5.0);
    EXPECT_TRUE(rd.flag("c1", mt::flag::prerequisite_unmet));
    rows.rating[2] = 3;
    r = mt::score(fw, rows.view());
    EXPECT_EQ(r.score[rd.i("c1")], 5.0);
    EXPECT_FALSE(r.flags[rd.i("c1")] & mt::flag::prerequisite_unmet);
}

TEST(MaturityRounds, CarryForwardAndChangeAgainstNoise) {
    const auto fw = mt::parse_framework(mini());
    Rows rows(fw);
    // round 0: three raters, some disagreement; round 1: c3 not assessed
    const double r0[3][3] = {{2, 3, 2}, {3, 3, 4}, {2, 2, 3}};
    const double r1[3][2] = {{4, 4}, {5, 4}, {4, 5}};
    const char* ids[3] = {"c1", "c2", "c3"};
    for (int k = 0; k < 3; ++k)
        for (int c = 0; c < 3; ++c) rows.add(0, 0, k, ids[c], r0[k][c]);
    for (int k = 0; k < 3; ++k)
        for (int c = 0; c < 2; ++c) rows.add(0, 1, k, ids[c], r1[k][c]);
    mt::ScoreOptions o;
    o.carry_forward = true;
    const auto r = mt::score(fw, rows.view(), {}, o);
    Read rd{fw, r};
    EXPECT_TRUE(rd.flag("c3", mt::flag::carried_forward, 0, 1));
    EXPECT_EQ(r.carried_from[rd.i("c3", 0, 1)], 0);
    EXPECT_EQ(rd.score("c3", 0, 1), rd.score("c3", 0, 0));
    const auto ch = mt::compare_rounds(r);
    const auto e1 = rd.i("e1", 0, 1);
    EXPECT_EQ(ch.judgement[e1], static_cast<std::uint8_t>(mt::Change::improved));
    EXPECT_EQ(ch.beyond_noise[e1], 1);
    EXPECT_NEAR(ch.change[e1], rd.score("e1", 0, 1) - rd.score("e1", 0, 0), 1e-12);
    const auto e2 = rd.i("e2", 0, 1);
    EXPECT_EQ(ch.judgement[e2], static_cast<std::uint8_t>(mt::Change::no_change));
    EXPECT_EQ(ch.judgement[rd.i("e1", 0, 0)], static_cast<std::uint8_t>(mt::Change::not_comparable));
    // a small change is within the noise of three raters
    std::vector<double> ps{3.0}, pse{0.3}, cs{3.3}, cse{0.3};
    std::vector<std::int32_t> pl{2}, cl{2};
    std::vector<std::uint8_t> st{0};
    const auto w = mt::compare(ps, pse, pl, st, cs, cse, cl, st);
    EXPECT_EQ(w.judgement[0], static_cast<std::uint8_t>(mt::Change::within_noise));
    EXPECT_NEAR(w.z[0], 0.3 / std::sqrt(0.18), 1e-12);
}

TEST(MaturityThreads, SameResultWhateverTheThreadCount) {
    const auto fw = bundled("qms-maturity");
    Rows rows(fw);
    std::mt19937 rng(7);
    for (int u = 0; u < 1000; ++u)
        for (int k = 0; k < 3; ++k)
            for (auto c : fw.criteria) rows.add(u, 0, k, fw.nodes[c].id, 1 + static_cast<double>(rng() % 5));
    mt::ScoreOptions o1, o4;
    o1.threads = 1, o4.threads = 4;
    const auto a = mt::score(fw, rows.view(), {}, o1);
    const auto b = mt::score(fw, rows.view(), {}, o4);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a.level_index[i], b.level_index[i]) << i;
        ASSERT_TRUE(a.score[i] == b.score[i] || (std::isnan(a.score[i]) && std::isnan(b.score[i]))) << i;
    }
    EXPECT_EQ(a.noise_sd[0], b.noise_sd[0]);
}

// ================================================================================================
// Gaps, what-if, roll-up
// ================================================================================================

TEST(MaturityGaps, AgainstTargetProfile) {
    const auto fw = bundled("qms-maturity");
    Rows rows(fw);
    rows.all(0, 0, 0, 3).all(1, 0, 0, 2);
    const auto r = mt::score(fw, rows.view());
    const auto& t = fw.targets[fw.find_target("ambition")];
    const auto g = mt::gaps(fw, r, t.levels);
    ASSERT_EQ(g.unit.size(), 2 * t.levels.size());
    for (std::size_t i = 0; i < g.unit.size(); ++i) {
        EXPECT_EQ(g.met[i], g.unit[i] == 0 ? 1 : 0);
        EXPECT_EQ(g.gap_levels[i], g.unit[i] == 0 ? 0 : 1);
        EXPECT_DOUBLE_EQ(g.gap_score[i], g.unit[i] == 0 ? 0.0 : 1.0);
    }
}

TEST(MaturityWhatIf, CqcQualityStatementNeedsFewestRaises) {
    const auto fw = bundled("cqc-style");
    Rows rows(fw);
    cqc_statements(rows, fw, 0, "safe", {3, 3, 3, 3});
    const auto r = mt::score(fw, rows.view());
    mt::WhatIfOptions o;
    o.node = fw.find("safe.learning");  // 9/12 = 75% (score 3); score 4 needs >= 87.5% -> 11 of 12
    const auto w = mt::what_if(fw, r, o);
    ASSERT_EQ(w.unit.size(), 1u);
    EXPECT_EQ(w.outcome[0], static_cast<std::uint8_t>(mt::WhatIf::plan));
    EXPECT_EQ(w.n_changes[0], 2);
    for (std::size_t j = w.offsets[0]; j < w.offsets[1]; ++j) {
        EXPECT_EQ(w.change_from[j], 3.0);
        EXPECT_EQ(w.change_to[j], 4.0);
    }
    EXPECT_EQ(w.new_level[0], 3);
    EXPECT_TRUE(w.exact[0]);
    // the key question: outstanding needs every QS at 4 (the cap) -> every category raised
    o.node = fw.find("safe");
    const auto k = mt::what_if(fw, r, o);
    EXPECT_EQ(k.outcome[0], static_cast<std::uint8_t>(mt::WhatIf::plan));
    EXPECT_EQ(k.n_changes[0], 4);  // two statements to 4 (11/12 each): 14/16 = 87.5% -> 88%
    EXPECT_EQ(k.new_level[0], 3);
}

TEST(MaturityWhatIf, WeakestLinkStagedPsoeAndCountRules) {
    {
        const auto fw = bundled("qms-maturity");
        Rows rows(fw);
        rows.all(0, 0, 0, 3);
        rows.rating[0] = 2;  // planning.needs.population
        rows.rating[1] = 2;
        auto r = mt::score(fw, rows.view());
        const auto w = mt::what_if(fw, r);
        EXPECT_EQ(w.current[0], 1);  // planning: mean 2.67 -> Developing; overall weakest link
        EXPECT_EQ(w.target[0], 2);
        EXPECT_EQ(w.n_changes[0], 1);  // planning's mean 2.67 -> 3 with one raise (2 -> 4, or another element's criterion to 5)
        EXPECT_EQ(w.outcome[0], static_cast<std::uint8_t>(mt::WhatIf::plan));
    }
    {
        const auto fw = fixture("cmmi_dev_v13_staged.json");
        const auto rows = cmmi_profile(fw, 2, 2, 1);
        const auto r = mt::score(fw, rows.view());
        const auto w = mt::what_if(fw, r);
        EXPECT_EQ(w.current[0], 1);  // ML2
        // ML3: every ML3 PA goal (11 x 3) and the GG3 of the 7 ML2 PAs -> LI
        EXPECT_EQ(w.n_changes[0], 11 * 3 + 7);
        EXPECT_EQ(w.exact[0], 1);
    }
    {
        const auto fw = bundled("sms-psoe");
        Rows rows(fw);
        rows.add(0, 0, 0, "policy.documentation.c1", 2).add(0, 0, 0, "policy.documentation.eff", 3);
        const auto r = mt::score(fw, rows.view());
        mt::WhatIfOptions o;
        o.node = fw.find("policy.documentation");
        const auto w = mt::what_if(fw, r, o);
        EXPECT_EQ(w.n_changes[0], 2);  // c1 S -> O, eff O -> E
        std::map<std::int64_t, double> to;
        for (std::size_t j = w.offsets[0]; j < w.offsets[1]; ++j) to[w.change_node[j]] = w.change_to[j];
        EXPECT_EQ(to[static_cast<std::int64_t>(fw.find("policy.documentation.c1"))], 3.0);
        EXPECT_EQ(to[static_cast<std::int64_t>(fw.find("policy.documentation.eff"))], 4.0);
    }
    {
        const auto fw = bundled("cqc-style");
        Rows rows(fw);
        for (const auto& kq : {"safe", "well_led"}) cqc_statements(rows, fw, 0, kq, {3, 3, 3, 3});
        cqc_statements(rows, fw, 0, "effective", {3, 3, 3});
        cqc_statements(rows, fw, 0, "caring", {2, 2, 2});
        cqc_statements(rows, fw, 0, "responsive", {2, 2, 2});
        rows.add(0, 0, 0, "regulatory.breach", 1);
        const auto r = mt::score(fw, rows.view());
        Read rd{fw, r};
        EXPECT_EQ(rd.label("overall"), "requires_improvement");
        const auto w = mt::what_if(fw, r);
        EXPECT_EQ(w.outcome[0], static_cast<std::uint8_t>(mt::WhatIf::plan));
        EXPECT_EQ(w.new_level[0], 2);  // good: lift one of the two RI key questions
        // caring to good: "independence" (2 categories) 2,2 -> 3,2 = 62.5% -> 63% -> 3, and one
        // category of another statement 2 -> 4 (8/12 = 67%): KQ 3+2+3 = 8/12 -> 67% good
        EXPECT_EQ(w.n_changes[0], 2);
    }
}

TEST(MaturityWhatIf, FewestChangesMatchesBruteForce) {
    // Random small frameworks with linear (percent) scoring: the planner's count equals the
    // minimum found by trying every subset of raises.
    const std::string text = R"({"format": "qualitymetrics.maturity/1", "id": "bf", "version": "1",
      "scales": [{"id": "s", "type": "ordinal", "levels": [{"value": 1, "label": "1"}, {"value": 2, "label": "2"}, {"value": 3, "label": "3"}, {"value": 4, "label": "4"}]},
                 {"id": "b", "type": "banded", "min": 0, "max": 100, "round": 0, "levels": [{"value": 1, "label": "low", "min": 0},
                  {"value": 2, "label": "mid", "min": 55}, {"value": 3, "label": "high", "min": 80}]}],
      "scale": "s", "scoring": {"element": {"method": "percent_bands", "bands": "b"}, "domain": {"method": "percent_bands", "bands": "b"},
                                 "overall": {"method": "percent_bands", "bands": "b"}},
      "domains": [{"id": "d", "elements": [{"id": "e", "criteria": [{"id": "a", "weight": 1}, {"id": "b1", "weight": 2}, {"id": "c", "weight": 1},
                   {"id": "d1", "weight": 3}, {"id": "e1", "weight": 1}, {"id": "f", "weight": 2}]}]}]})";
    const auto fw = mt::parse_framework(text, "bf.json");
    std::mt19937 rng(11);
    const std::vector<std::string> ids = {"a", "b1", "c", "d1", "e1", "f"};
    for (int trial = 0; trial < 60; ++trial) {
        Rows rows(fw);
        std::vector<double> v;
        for (const auto& id : ids) {
            v.push_back(1 + static_cast<double>(rng() % 3));
            rows.add(0, 0, 0, id, v.back());
        }
        const auto r = mt::score(fw, rows.view());
        const auto w = mt::what_if(fw, r);
        if (w.outcome[0] != static_cast<std::uint8_t>(mt::WhatIf::plan)) continue;
        const int L = w.target[0];
        // brute force: every assignment of raised values (each criterion stays or goes to 2..4)
        int best = 99;
        const int n = static_cast<int>(ids.size());
        std::vector<int> choice(n, 0);
        std::function<void(int, int)> go = [&](int i, int changes) {
            if (changes >= best) return;
            if (i == n) {
                Rows t(fw);
                for (int j = 0; j < n; ++j) t.add(0, 0, 0, ids[j], choice[j] == 0 ? v[j] : choice[j]);
                const auto rr = mt::score(fw, t.view());
                if (rr.level_index[0] >= L) best = changes;
                return;
            }
            choice[i] = 0;
            go(i + 1, changes);
            for (int x = static_cast<int>(v[i]) + 1; x <= 4; ++x) {
                choice[i] = x;
                go(i + 1, changes + 1);
            }
            choice[i] = 0;
        };
        go(0, 0);
        EXPECT_EQ(w.n_changes[0], best) << "trial " << trial;
        EXPECT_EQ(w.exact[0], 1);
    }
}

TEST(MaturityRollup, DistributionAndWeakestUnits) {
    const auto fw = bundled("qms-maturity");
    Rows rows(fw);
    rows.all(0, 0, 0, 3).all(1, 0, 0, 1).all(2, 0, 0, 5).all(3, 0, 0, 2);
    const auto r = mt::score(fw, rows.view());
    const auto ro = mt::rollup(fw, r, {}, 2);
    ASSERT_GT(ro.node.size(), 0u);
    EXPECT_EQ(ro.node[0], 0);
    EXPECT_EQ(ro.n_units[0], 4);
    const std::vector<std::int64_t> counts(ro.level_counts.begin() + static_cast<std::ptrdiff_t>(ro.level_offsets[0]),
                                           ro.level_counts.begin() + static_cast<std::ptrdiff_t>(ro.level_offsets[1]));
    EXPECT_EQ(counts, (std::vector<std::int64_t>{1, 1, 1, 0, 1}));
    EXPECT_EQ(ro.weakest[0], 1);
    EXPECT_EQ(ro.weakest[1], 3);
    EXPECT_DOUBLE_EQ(ro.mean_score[0], 2.75);
    // grouped by place
    std::vector<std::int64_t> place{0, 1, 0, 1};
    const auto g = mt::rollup(fw, r, place, 1);
    EXPECT_EQ(g.group[0], 0);
    EXPECT_EQ(g.weakest[0], 0);
}
