// spc_report — XmR charts for every group of a CSV file, one summary line per group.
//
//   spc_report data.csv --value performance --date period [--group org_code]
//              [--improvement increase|decrease|neutral] [--target 0.95] [--preset mdc|shewhart]
//
// Reads the CSV (a header line, comma separated, fields optionally in double quotes), takes the
// value, date (YYYY-MM-DD) and group columns by name, orders the rows by group and date with
// qm::layout_groups, computes every group's XmR chart in one qm::spc::xmr_grouped call and
// prints, per group: rows, latest date, centre and process limits of the last phase, the number
// of points flagged by each rule, the variation icon and the assurance icon.
// An empty value (or NA / NaN) is a missing point. Uses only the standard library, the date
// library and qualitymetrics.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

#include <qm/qm.hpp>

namespace {

struct Arguments {
    std::string path, value, date, group;
    qm::Improvement improvement = qm::Improvement::increase;
    std::optional<double> target;
    std::string preset = "mdc";
};

[[noreturn]] void usage(const std::string& problem) {
    throw std::invalid_argument(problem +
                                "\nusage: spc_report FILE.csv --value COLUMN --date COLUMN [--group COLUMN]"
                                " [--improvement increase|decrease|neutral] [--target NUMBER]"
                                " [--preset mdc|shewhart]");
}

double parse_number(const std::string& text, const char* what) {
    std::size_t used = 0;
    double v = 0.0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size()) usage(std::string(what) + ": not a number: '" + text + "'");
    return v;
}

Arguments parse_arguments(int argc, char** argv) {
    Arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--value") a.value = next();
        else if (arg == "--date") a.date = next();
        else if (arg == "--group") a.group = next();
        else if (arg == "--improvement") a.improvement = qm::parse_improvement(next());
        else if (arg == "--target") a.target = parse_number(next(), "--target");
        else if (arg == "--preset") a.preset = next();
        else if (arg == "-h" || arg == "--help") usage("");
        else if (!arg.empty() && arg[0] == '-') usage("unknown option " + std::string(arg));
        else if (a.path.empty()) a.path = std::string(arg);
        else usage("more than one input file");
    }
    if (a.path.empty()) usage("no input file");
    if (a.value.empty()) usage("--value is required");
    if (a.date.empty()) usage("--date is required");
    return a;
}

/// One CSV record: fields split at commas outside double quotes; "" inside quotes is a quote.
std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char ch = line[i];
        if (quoted) {
            if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
            else if (ch == '"') quoted = false;
            else out.back() += ch;
        } else if (ch == '"') quoted = true;
        else if (ch == ',') out.emplace_back();
        else if (ch != '\r') out.back() += ch;
    }
    return out;
}

struct Table {
    std::vector<double> values;
    std::vector<std::int64_t> days;         // days since 1970-01-01
    std::vector<std::int64_t> group_codes;  // index into group_names
    std::vector<std::string> group_names;   // ascending
    std::vector<std::size_t> lines;         // line of the file each row came from
};

Table read_csv(const Arguments& a) {
    std::ifstream in(a.path);
    if (!in) throw std::runtime_error("cannot open " + a.path);
    std::string line;
    if (!std::getline(in, line)) throw std::runtime_error(a.path + ": empty file");
    const auto header = split_csv(line);
    auto column = [&](const std::string& name) -> std::size_t {
        for (std::size_t c = 0; c < header.size(); ++c)
            if (header[c] == name) return c;
        throw std::runtime_error(a.path + ": no column named '" + name + "'");
    };
    const std::size_t cv = column(a.value), cd = column(a.date);
    const std::size_t cg = a.group.empty() ? 0 : column(a.group);

    Table t;
    std::vector<std::string> groups;
    std::size_t line_no = 1;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty() || line == "\r") continue;
        const auto f = split_csv(line);
        const auto where = [&] { return a.path + ":" + std::to_string(line_no) + ": "; };
        if (f.size() != header.size())
            throw std::runtime_error(where() + std::to_string(f.size()) + " fields, the header has " +
                                     std::to_string(header.size()));
        const std::string& v = f[cv];
        t.values.push_back(v.empty() || v == "NA" || v == "NaN" ? std::nan("") : parse_number(v, a.value.c_str()));
        std::istringstream ds(f[cd]);
        date::sys_days d;
        ds >> date::parse("%F", d);
        if (ds.fail()) throw std::runtime_error(where() + "date '" + f[cd] + "' is not YYYY-MM-DD");
        t.days.push_back(d.time_since_epoch().count());
        groups.push_back(a.group.empty() ? std::string("all") : f[cg]);
        t.lines.push_back(line_no);
    }
    if (t.values.empty()) throw std::runtime_error(a.path + ": no data rows");

    // Group codes in name order, so that the groups come out sorted by name.
    std::map<std::string, std::int64_t> codes;
    for (const auto& g : groups) codes.emplace(g, 0);
    for (auto& [name, code] : codes) {
        code = static_cast<std::int64_t>(t.group_names.size());
        t.group_names.push_back(name);
    }
    t.group_codes.reserve(groups.size());
    for (const auto& g : groups) t.group_codes.push_back(codes[g]);
    return t;
}

int run(const Arguments& a) {
    const Table t = read_csv(a);
    const qm::GroupLayout layout = qm::layout_groups(t.group_codes, t.days);
    if (layout.has_duplicate())
        throw std::runtime_error(a.path + ": group '" + t.group_names[static_cast<std::size_t>(
                                     t.group_codes[layout.duplicate_row_a])] +
                                 "' has two rows for one date (lines " +
                                 std::to_string(t.lines[layout.duplicate_row_a]) + " and " +
                                 std::to_string(t.lines[layout.duplicate_row_b]) + ")");
    const std::size_t n = t.values.size(), G = layout.offsets.size() - 1;
    auto row = [&](std::size_t i) { return layout.order.empty() ? i : layout.order[i]; };

    std::vector<double> values(n);
    std::vector<std::int64_t> days(n);
    for (std::size_t i = 0; i < n; ++i) {
        values[i] = t.values[row(i)];
        days[i] = t.days[row(i)];
    }
    const std::vector<double> targets(a.target ? G : 0, a.target.value_or(0.0));

    const auto r = qm::spc::xmr_grouped(
        {.values = values, .offsets = layout.offsets, .targets = targets, .improvement = a.improvement},
        qm::spc::preset(a.preset));

    std::printf("%-12s %5s %-10s %10s %10s %10s %7s %5s %5s %5s  %-16s %s\n", "group", "n", "latest", "centre",
                "lower", "upper", "outside", "shift", "trend", "2of3", "variation", "assurance");
    for (std::size_t g = 0; g < G; ++g) {
        const std::size_t b = layout.offsets[g], e = layout.offsets[g + 1];
        std::size_t count[4] = {0, 0, 0, 0};
        for (std::size_t i = b; i < e; ++i)
            for (int k = 0; k < 4; ++k) count[k] += (r.flags[i] >> k) & 1u;
        const std::size_t p = r.group_phase_offsets[g + 1] - 1;  // the group's last phase
        const std::string latest = date::format("%F", date::sys_days{date::days{days[e - 1]}});
        const std::string assurance = a.target ? std::string(qm::to_string(r.assurance_icon[g])) : "-";
        std::printf("%-12s %5zu %-10s %10.5f %10.5f %10.5f %7zu %5zu %5zu %5zu  %-16s %s\n",
                    t.group_names[static_cast<std::size_t>(layout.group_codes[g])].c_str(), e - b, latest.c_str(),
                    r.centre[p], r.lower[p], r.upper[p], count[0], count[1], count[2], count[3],
                    std::string(qm::to_string(r.variation_icon[g])).c_str(),
                    assurance.empty() ? "none" : assurance.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_arguments(argc, argv));
    } catch (const std::exception& e) {
        std::cerr << "spc_report: " << e.what() << '\n';
        return 2;
    }
}
