#pragma once
// qm/maturity/assessment.hpp — assessments in long format: one row per rating of one criterion
// (or one sub-score of it) by one rater for one unit (organisation, team, service) in one round,
// with explicit Not Applicable / Not Rated, dated evidence, and consensus overrides that carry
// a recorded reason.
//
// Synopsis
//   enum class Status      { rated, not_applicable, not_rated }
//   enum class Aggregation { median, median_low, median_high, mean, min, max, consensus }
//   inline constexpr std::int64_t no_date                       "no date" (days since 1970-01-01)
//   struct Assessment  { unit, round, rater, criterion, subscore, rating, status,
//                        evidence_date, evidence_expires, assessed_on, n_units, n_rounds, n_raters }
//   struct Override    { unit, round, node, value, status, reason }
//   struct ParsedRating{ value, status }
//   std::optional<ParsedRating> parse_rating(const Scale&, std::string_view text)
//   std::optional<double> parse_level_value(const Framework&, std::size_t node, std::string_view text)
//   struct AssessmentTable { labels, owned columns, evidence refs, overrides; Assessment view() const; }
//   AssessmentTable read_assessment_csv(const std::string& path, const Framework&)
//   AssessmentTable parse_assessment_csv(std::string_view text, const Framework&, std::string_view file)
//
// Codes: units, rounds and raters are dense codes 0..n-1; rounds are in time order (round r-1
// is the round before r). Criteria are indices into Framework::criteria; sub-scores are indices
// into the criterion's sub-scores (-1: the criterion as a whole). Dates are days since
// 1970-01-01 (date::sys_days::time_since_epoch().count()), no_date where there is none.
//
// The CSV reader (for C++ applications; Python reads CSV with pandas and uses the same rules)
// takes a header row with the columns
//   unit, criterion, rating                    required
//   round, rater, subscore, evidence, evidence_date, evidence_expires, assessed_on,
//   consensus (true/false/yes/no/1/0), reason  optional
// Ratings are a level's code, label or value; "NA"/"N/A"/"not applicable" (and the scale's
// not_applicable codes) mean Not Applicable; "", "NR"/"not rated" (and the scale's not_rated
// codes) mean Not Rated. A row with consensus = true, or rater "consensus", is a consensus
// override and needs a reason; its criterion column may name any node (criterion, element,
// domain, or "overall"), whose rating or level it replaces.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <date/date.h>

#include <qm/core/error.hpp>
#include <qm/maturity/framework.hpp>

namespace qm::maturity {

enum class Status : std::uint8_t { rated = 0, not_applicable = 1, not_rated = 2 };
enum class Aggregation : std::uint8_t { median, median_low, median_high, mean, min, max, consensus };

constexpr std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::rated: return "rated";
        case Status::not_applicable: return "not_applicable";
        case Status::not_rated: return "not_rated";
    }
    return "?";
}
constexpr std::string_view to_string(Aggregation a) noexcept {
    switch (a) {
        case Aggregation::median: return "median";
        case Aggregation::median_low: return "median_low";
        case Aggregation::median_high: return "median_high";
        case Aggregation::mean: return "mean";
        case Aggregation::min: return "min";
        case Aggregation::max: return "max";
        case Aggregation::consensus: return "consensus";
    }
    return "?";
}
inline Aggregation parse_aggregation(std::string_view s) {
    for (auto a : {Aggregation::median, Aggregation::median_low, Aggregation::median_high, Aggregation::mean, Aggregation::min,
                   Aggregation::max, Aggregation::consensus})
        if (to_string(a) == s) return a;
    fail_argument("aggregate", "unknown aggregation '" + std::string(s) +
                                   "' (expected median, median_low, median_high, mean, min, max or consensus)");
}

inline constexpr std::int64_t no_date = std::numeric_limits<std::int64_t>::min();

/// Long-format ratings. Every non-empty span has one entry per row; optional spans may be empty.
struct Assessment {
    std::span<const std::int64_t> unit;              ///< unit code (required)
    std::span<const std::int64_t> round;             ///< round code in time order (empty: one round)
    std::span<const std::int64_t> rater;             ///< rater code (empty: one rater)
    std::span<const std::int64_t> criterion;         ///< criterion index (required)
    std::span<const std::int64_t> subscore;          ///< sub-score index, -1 = whole criterion (empty: all -1)
    std::span<const double> rating;                  ///< rating value; NaN unless rated (required)
    std::span<const std::uint8_t> status;            ///< Status (empty: rated where the rating is a number, else not rated)
    std::span<const std::int64_t> evidence_date;     ///< newest evidence behind the rating (no_date: none)
    std::span<const std::int64_t> evidence_expires;  ///< when that evidence expires (no_date: never)
    std::span<const std::int64_t> assessed_on;       ///< date of the rating
    std::size_t n_units = 0;   ///< 0: largest unit code + 1
    std::size_t n_rounds = 0;  ///< 0: largest round code + 1
    std::size_t n_raters = 0;  ///< 0: largest rater code + 1

    std::size_t size() const noexcept { return criterion.size(); }
};

/// A consensus decision replacing the computed rating (criterion) or level (any other node) of
/// one node for one unit and round. `value` is a rating on the criterion's scale, or the value
/// of a level of the node's output scale; ignored unless status is rated.
struct Override {
    std::size_t unit = 0;
    std::size_t round = 0;
    std::size_t node = 0;
    double value = std::numeric_limits<double>::quiet_NaN();
    Status status = Status::rated;
    std::string reason;
};

struct ParsedRating {
    double value = std::numeric_limits<double>::quiet_NaN();
    Status status = Status::not_rated;
};

namespace detail {
inline std::string lower_trim(std::string_view t) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    std::string s(t);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
inline std::string_view trim(std::string_view t) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    return t;
}
}  // namespace detail

/// Reads one rating as text: a level's code, label or value, a number on a banded scale, or a
/// Not Applicable / Not Rated word. nullopt when the text is none of these.
inline std::optional<ParsedRating> parse_rating(const Scale& s, std::string_view text) {
    const auto t = detail::trim(text);
    if (t.empty()) return ParsedRating{std::numeric_limits<double>::quiet_NaN(), Status::not_rated};
    for (const auto& c : s.not_applicable_codes)
        if (c == t) return ParsedRating{std::numeric_limits<double>::quiet_NaN(), Status::not_applicable};
    for (const auto& c : s.not_rated_codes)
        if (c == t) return ParsedRating{std::numeric_limits<double>::quiet_NaN(), Status::not_rated};
    if (auto l = s.find_level(t)) {
        if (!s.banded()) return ParsedRating{s.levels[*l].value, Status::rated};
    }
    if (s.between) {
        // "B/C" or "B|C": two adjacent levels ticked
        const auto cut = t.find_first_of("/|");
        if (cut != std::string_view::npos) {
            const auto a = s.find_level(detail::trim(t.substr(0, cut))), b = s.find_level(detail::trim(t.substr(cut + 1)));
            if (a && b && (*a + 1 == *b || *b + 1 == *a))
                return ParsedRating{0.5 * (s.levels[*a].value + s.levels[*b].value), Status::rated};
            return std::nullopt;
        }
    }
    double v = 0.0;
    if (Scale::parse_number(t, v)) {
        if (s.is_rating(v)) return ParsedRating{v, Status::rated};
        return std::nullopt;
    }
    const auto low = detail::lower_trim(t);
    if (low == "na" || low == "n/a" || low == "not applicable" || low == "not_applicable")
        return ParsedRating{std::numeric_limits<double>::quiet_NaN(), Status::not_applicable};
    if (low == "nr" || low == "not rated" || low == "not_rated")
        return ParsedRating{std::numeric_limits<double>::quiet_NaN(), Status::not_rated};
    return std::nullopt;
}

/// The value of a level of `node`'s output scale named by text (for overrides of aggregates).
inline std::optional<double> parse_level_value(const Framework& fw, std::size_t node, std::string_view text) {
    const auto s = fw.nodes[node].out_scale;
    if (s == none) return std::nullopt;
    if (auto l = fw.scales[s].find_level(detail::trim(text))) return fw.scales[s].levels[*l].value;
    return std::nullopt;
}

/// An assessment that owns its columns (what the CSV reader returns).
struct AssessmentTable {
    std::vector<std::string> units, rounds, raters;  ///< label of each code
    std::vector<std::int64_t> unit, round, rater, criterion, subscore;
    std::vector<double> rating;
    std::vector<std::uint8_t> status;
    std::vector<std::int64_t> evidence_date, evidence_expires, assessed_on;
    std::vector<std::string> evidence;                ///< evidence references as written
    std::vector<std::size_t> line;                    ///< line of each row in the file
    std::vector<Override> overrides;

    Assessment view() const {
        Assessment a;
        a.unit = unit;
        a.round = round;
        a.rater = rater;
        a.criterion = criterion;
        a.subscore = subscore;
        a.rating = rating;
        a.status = status;
        a.evidence_date = evidence_date;
        a.evidence_expires = evidence_expires;
        a.assessed_on = assessed_on;
        a.n_units = units.size();
        a.n_rounds = rounds.size();
        a.n_raters = raters.size();
        return a;
    }
};

AssessmentTable parse_assessment_csv(std::string_view text, const Framework& fw, std::string_view file = "<string>");
AssessmentTable read_assessment_csv(const std::string& path, const Framework& fw);

// ================================================================================================
// Implementation
// ================================================================================================
namespace detail {

/// "YYYY-MM-DD" to days since 1970-01-01 (Howard Hinnant's date); nullopt if not a valid date.
inline std::optional<std::int64_t> parse_iso_date(std::string_view t) {
    t = trim(t);
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
    auto num = [&](std::size_t pos, std::size_t len, int& out) {
        out = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (t[i] < '0' || t[i] > '9') return false;
            out = out * 10 + (t[i] - '0');
        }
        return true;
    };
    int y = 0, m = 0, d = 0;
    if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::nullopt;
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)}, date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return static_cast<std::int64_t>(date::sys_days{ymd}.time_since_epoch().count());
}

/// RFC 4180 CSV: fields separated by commas, optionally quoted with "" for a quote; CRLF or LF.
class CsvReader {
public:
    CsvReader(std::string_view text, std::string file) : t_(text), file_(std::move(file)) {
        if (t_.substr(0, 3) == "\xEF\xBB\xBF") t_.remove_prefix(3);  // UTF-8 byte order mark
    }
    /// Next record into `fields`; false at the end of the text.
    bool next(std::vector<std::string>& fields) {
        fields.clear();
        if (pos_ >= t_.size()) return false;
        line_ = next_line_;
        std::string field;
        bool quoted = false, was_quoted = false;
        while (true) {
            if (pos_ >= t_.size()) {
                if (quoted) fail("a quoted field is not closed");
                fields.push_back(std::move(field));
                return true;
            }
            const char c = t_[pos_++];
            if (quoted) {
                if (c == '"') {
                    if (pos_ < t_.size() && t_[pos_] == '"') {
                        field += '"';
                        ++pos_;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') ++next_line_;
                    field += c;
                }
                continue;
            }
            if (c == '"') {
                if (!field.empty() || was_quoted) fail("a quote inside an unquoted field");
                quoted = was_quoted = true;
            } else if (c == ',') {
                fields.push_back(std::move(field));
                field.clear();
                was_quoted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && pos_ < t_.size() && t_[pos_] == '\n') ++pos_;
                ++next_line_;
                fields.push_back(std::move(field));
                return true;
            } else {
                if (was_quoted) fail("text after a closing quote");
                field += c;
            }
        }
    }
    std::size_t line() const noexcept { return line_; }
    [[noreturn]] void fail(const std::string& problem) const {
        throw qm::invalid_argument(file_ + ":" + std::to_string(line_) + ": " + problem);
    }

private:
    std::string_view t_;
    std::string file_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1, next_line_ = 1;
};

/// Orders labels: as dates if all are ISO dates, as numbers if all are numbers, else as text.
inline std::vector<std::size_t> label_order(const std::vector<std::string>& labels) {
    std::vector<std::size_t> idx(labels.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    bool dates = true, numbers = true;
    std::vector<double> key(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (auto d = parse_iso_date(labels[i])) key[i] = static_cast<double>(*d);
        else dates = false;
    }
    if (!dates)
        for (std::size_t i = 0; i < labels.size(); ++i) {
            double v = 0.0;
            if (Scale::parse_number(labels[i], v)) key[i] = v;
            else numbers = false;
        }
    if (dates || numbers)
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return key[a] < key[b]; });
    else
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return labels[a] < labels[b]; });
    return idx;
}

}  // namespace detail

inline AssessmentTable parse_assessment_csv(std::string_view text, const Framework& fw, std::string_view file) {
    detail::CsvReader csv(text, std::string(file));
    std::vector<std::string> head, f;
    if (!csv.next(head)) csv.fail("the file is empty (expected a header row)");
    enum Col { c_unit, c_round, c_rater, c_criterion, c_subscore, c_rating, c_evidence, c_evidence_date, c_evidence_expires,
               c_assessed_on, c_consensus, c_reason, n_cols };
    static constexpr std::string_view names[n_cols] = {"unit", "round", "rater", "criterion", "subscore", "rating", "evidence",
                                                        "evidence_date", "evidence_expires", "assessed_on", "consensus", "reason"};
    std::size_t col[n_cols];
    std::fill(std::begin(col), std::end(col), none);
    for (std::size_t i = 0; i < head.size(); ++i) {
        const auto h = detail::lower_trim(head[i]);
        bool known = false;
        for (int k = 0; k < n_cols; ++k)
            if (h == names[k]) {
                if (col[k] != none) csv.fail("column '" + h + "' appears twice in the header");
                col[k] = i;
                known = true;
            }
        if (!known) csv.fail("unknown column '" + std::string(detail::trim(head[i])) + "' in the header (known: unit, round, rater, criterion, "
                             "subscore, rating, evidence, evidence_date, evidence_expires, assessed_on, consensus, reason)");
    }
    for (int k : {c_unit, c_criterion, c_rating})
        if (col[k] == none) csv.fail("the header has no '" + std::string(names[k]) + "' column");

    struct Raw {
        std::string unit, round, rater;
        std::size_t node;
        std::int64_t subscore;
        double rating;
        Status status;
        std::int64_t ev, exp, on;
        std::string evidence, reason;
        bool consensus;
        std::size_t line;
    };
    std::vector<Raw> rows;
    std::map<std::string, std::size_t> node_index;
    for (std::size_t i = 0; i < fw.nodes.size(); ++i) node_index.emplace(fw.nodes[i].id, i);
    while (csv.next(f)) {
        if (f.size() == 1 && detail::trim(f[0]).empty()) continue;  // blank line
        const auto line = csv.line();
        auto where = [&](int k) { return std::string(file) + ":" + std::to_string(line) + ": column '" + std::string(names[k]) + "': "; };
        if (f.size() != head.size())
            throw qm::invalid_argument(std::string(file) + ":" + std::to_string(line) + ": expected " + std::to_string(head.size()) +
                                       " fields (as in the header), got " + std::to_string(f.size()));
        auto get = [&](int k) -> std::string_view { return col[k] == none ? std::string_view{} : detail::trim(f[col[k]]); };
        Raw r;
        r.line = line;
        r.unit = std::string(get(c_unit));
        if (r.unit.empty()) throw qm::invalid_argument(where(c_unit) + "the unit is missing");
        r.round = col[c_round] == none ? "1" : std::string(get(c_round));
        if (r.round.empty()) throw qm::invalid_argument(where(c_round) + "the round is missing");
        r.rater = col[c_rater] == none ? "rater" : std::string(get(c_rater));
        const auto cons = detail::lower_trim(get(c_consensus));
        if (cons == "true" || cons == "yes" || cons == "1") r.consensus = true;
        else if (cons.empty() || cons == "false" || cons == "no" || cons == "0") r.consensus = false;
        else throw qm::invalid_argument(where(c_consensus) + "expected true/false, got '" + std::string(get(c_consensus)) + "'");
        if (detail::lower_trim(r.rater) == "consensus") r.consensus = true;
        if (r.rater.empty() && !r.consensus) throw qm::invalid_argument(where(c_rater) + "the rater is missing");
        const std::string cid(get(c_criterion));
        auto it = node_index.find(cid);
        if (it == node_index.end())
            throw qm::invalid_argument(where(c_criterion) + "unknown criterion '" + cid + "' (not in framework " + fw.describe() + ")");
        r.node = it->second;
        const Node& node = fw.nodes[r.node];
        if (!node.is_criterion() && !r.consensus)
            throw qm::invalid_argument(where(c_criterion) + "'" + cid + "' is " + std::string(to_string(node.kind)) +
                                       ", not a criterion; only a consensus override may rate it directly");
        r.subscore = -1;
        const auto sub = get(c_subscore);
        if (!sub.empty()) {
            if (!node.is_criterion()) throw qm::invalid_argument(where(c_subscore) + "only criteria have sub-scores");
            std::int64_t k = -1;
            for (std::size_t s = 0; s < node.subscores.size(); ++s)
                if (node.subscores[s].id == sub) k = static_cast<std::int64_t>(s);
            if (k < 0) {
                std::string known;
                for (const auto& s : node.subscores) known += (known.empty() ? "" : ", ") + s.id;
                throw qm::invalid_argument(where(c_subscore) + "criterion '" + cid + "' has no sub-score '" + std::string(sub) + "'" +
                                           (known.empty() ? " (it has none)" : " (it has " + known + ")"));
            }
            r.subscore = k;
        }
        const auto rt = get(c_rating);
        if (node.is_criterion()) {
            const Scale& sc = fw.scales[node.scale];
            auto p = parse_rating(sc, rt);
            if (!p)
                throw qm::invalid_argument(where(c_rating) + "'" + std::string(rt) + "' is not on scale " + sc.describe() +
                                           " of criterion '" + cid + "' (nor NA or NR)");
            r.rating = p->value;
            r.status = p->status;
        } else {
            const auto low = detail::lower_trim(rt);
            if (low == "na" || low == "n/a" || low == "not applicable") r.status = Status::not_applicable, r.rating = std::numeric_limits<double>::quiet_NaN();
            else if (low.empty() || low == "nr" || low == "not rated") r.status = Status::not_rated, r.rating = std::numeric_limits<double>::quiet_NaN();
            else {
                auto v = parse_level_value(fw, r.node, rt);
                if (!v) {
                    const auto os = node.out_scale;
                    throw qm::invalid_argument(where(c_rating) + "'" + std::string(rt) + "' is not a level of " +
                                               (os == none ? std::string("'") + cid + "' (it has no levels)" : "scale " + fw.scales[os].describe()));
                }
                r.rating = *v;
                r.status = Status::rated;
            }
        }
        auto date_col = [&](int k) -> std::int64_t {
            const auto t = get(k);
            if (t.empty()) return no_date;
            auto d = detail::parse_iso_date(t);
            if (!d) throw qm::invalid_argument(where(k) + "'" + std::string(t) + "' is not a date (YYYY-MM-DD)");
            return *d;
        };
        r.ev = date_col(c_evidence_date);
        r.exp = date_col(c_evidence_expires);
        r.on = date_col(c_assessed_on);
        r.evidence = std::string(get(c_evidence));
        r.reason = std::string(get(c_reason));
        if (r.consensus && r.reason.empty())
            throw qm::invalid_argument(where(c_reason) + "a consensus override needs a recorded reason");
        rows.push_back(std::move(r));
    }
    if (rows.empty()) csv.fail("no ratings after the header");

    AssessmentTable out;
    auto codes = [&](auto member, std::vector<std::string>& labels, bool skip_consensus) {
        std::map<std::string, std::size_t> seen;
        for (const auto& r : rows)
            if (!(skip_consensus && r.consensus)) seen.emplace(r.*member, 0);
        std::vector<std::string> raw;
        for (const auto& [k, v] : seen) raw.push_back(k);
        const auto ord = detail::label_order(raw);
        for (std::size_t i = 0; i < ord.size(); ++i) {
            labels.push_back(raw[ord[i]]);
            seen[raw[ord[i]]] = i;
        }
        return seen;
    };
    const auto ucode = codes(&Raw::unit, out.units, false);
    const auto rcode = codes(&Raw::round, out.rounds, false);
    const auto kcode = codes(&Raw::rater, out.raters, true);
    for (const auto& r : rows) {
        if (r.consensus) {
            out.overrides.push_back(Override{ucode.at(r.unit), rcode.at(r.round), r.node, r.rating, r.status, r.reason});
            if (r.subscore >= 0)
                throw qm::invalid_argument(std::string(file) + ":" + std::to_string(r.line) +
                                           ": a consensus override replaces a whole criterion; leave 'subscore' empty");
            continue;
        }
        out.unit.push_back(static_cast<std::int64_t>(ucode.at(r.unit)));
        out.round.push_back(static_cast<std::int64_t>(rcode.at(r.round)));
        out.rater.push_back(static_cast<std::int64_t>(kcode.at(r.rater)));
        out.criterion.push_back(static_cast<std::int64_t>(fw.nodes[r.node].criterion));
        out.subscore.push_back(r.subscore);
        out.rating.push_back(r.rating);
        out.status.push_back(static_cast<std::uint8_t>(r.status));
        out.evidence_date.push_back(r.ev);
        out.evidence_expires.push_back(r.exp);
        out.assessed_on.push_back(r.on);
        out.evidence.push_back(r.evidence);
        out.line.push_back(r.line);
    }
    return out;
}

inline AssessmentTable read_assessment_csv(const std::string& path, const Framework& fw) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw qm::invalid_argument(path + ": cannot open the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_assessment_csv(ss.str(), fw, path);
}

}  // namespace qm::maturity
