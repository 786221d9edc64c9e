// The one CSV reader of the C++ tests, for the reference data in tests/reference (R's write.csv
// output, hand-transcribed published tables, files written by the reference scripts).
//
// Format:
//  * fields are separated by ','; records end with "\n", "\r\n" or a lone "\r";
//  * a field may be quoted: "..." holds commas, line breaks and "" (one quote); a quote anywhere
//    else, text after a closing quote or an unclosed quote is an error;
//  * a line beginning with '#' is a comment, kept whole in Csv::comments; blank lines are skipped;
//  * an unquoted empty field or an unquoted NA is missing (std::nullopt); a quoted "" is an empty
//    string and a quoted "NA" the two letters (R writes a missing string as a bare NA);
//  * with CsvOptions::meta_prefix, a record whose first field starts with the prefix is metadata
//    (Csv::meta[first field] gets one list of the other fields per such record), not data;
//  * the first other record is the header; every data record must have as many fields as it.
// Numbers: num()/column() give NaN for a missing or empty field and throw on text that is not
// wholly a number (strtod syntax: also inf, nan). Every error names the file and line.

#pragma once

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qm_test {

struct CsvOptions {
    /// Records whose first field starts with this (when not empty) are metadata, not data.
    std::string meta_prefix;
};

struct Csv {
    std::string source;                                   ///< the file (or name) read, for messages
    std::vector<std::string> header;                      ///< column names
    std::vector<std::vector<std::optional<std::string>>> rows;  ///< nullopt: missing
    std::vector<std::size_t> lines;                       ///< the line each row starts on (1-based)
    std::vector<std::string> comments;                    ///< the '#' lines, whole, in order
    std::map<std::string, std::vector<std::vector<std::string>>> meta;  ///< see CsvOptions

    std::size_t size() const { return rows.size(); }

    bool has(std::string_view name) const {
        for (const auto& h : header)
            if (h == name) return true;
        return false;
    }
    std::size_t col(std::string_view name) const {
        for (std::size_t c = 0; c < header.size(); ++c)
            if (header[c] == name) return c;
        throw std::runtime_error(source + ": CSV has no column " + std::string(name));
    }

    const std::optional<std::string>& at(std::size_t row, std::size_t c) const {
        if (row >= rows.size())
            throw std::out_of_range(source + ": row " + std::to_string(row) + " of " + std::to_string(rows.size()));
        if (c >= header.size())
            throw std::out_of_range(source + ": column " + std::to_string(c) + " of " + std::to_string(header.size()));
        return rows[row][c];
    }
    const std::optional<std::string>& at(std::size_t row, std::string_view name) const { return at(row, col(name)); }

    bool is_na(std::size_t row, std::size_t c) const { return !at(row, c).has_value(); }
    bool is_na(std::size_t row, std::string_view name) const { return is_na(row, col(name)); }

    /// The field's text; "" when missing.
    std::string str(std::size_t row, std::size_t c) const { return at(row, c).value_or(std::string()); }
    std::string str(std::size_t row, std::string_view name) const { return str(row, col(name)); }

    /// The field as a number; NaN when missing or empty.
    double num(std::size_t row, std::size_t c) const {
        const auto& f = at(row, c);
        if (!f || f->empty()) return std::numeric_limits<double>::quiet_NaN();
        const char* begin = f->c_str();
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(begin, &end);
        // An underflow (ERANGE with a tiny result) is accepted as the nearest double; an overflow is not.
        if (end == begin || *end != '\0' || (errno == ERANGE && std::isinf(v)))
            throw std::runtime_error(where(row) + ": column " + header[c] + ": '" + *f + "' is not a number");
        return v;
    }
    double num(std::size_t row, std::string_view name) const { return num(row, col(name)); }

    /// A whole column as numbers (NaN for missing) or as text ("" for missing).
    std::vector<double> column(std::size_t c) const {
        std::vector<double> out;
        out.reserve(rows.size());
        for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(num(r, c));
        return out;
    }
    std::vector<double> column(std::string_view name) const { return column(col(name)); }
    std::vector<std::string> strings(std::size_t c) const {
        std::vector<std::string> out;
        out.reserve(rows.size());
        for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(str(r, c));
        return out;
    }
    std::vector<std::string> strings(std::string_view name) const { return strings(col(name)); }

    /// The number after "name = " in the first comment line that has it ("# a = 1; b = 2").
    double comment_number(std::string_view name) const {
        const std::string key = std::string(name) + " = ";
        for (const auto& line : comments) {
            for (auto p = line.find(key); p != std::string::npos; p = line.find(key, p + 1)) {
                const char before = p == 0 ? ' ' : line[p - 1];
                if (before != ' ' && before != '#' && before != ';' && before != ',' && before != ':') continue;
                const char* begin = line.c_str() + p + key.size();
                char* end = nullptr;
                const double v = std::strtod(begin, &end);
                if (end == begin || (*end != '\0' && *end != ';' && *end != ',' && *end != ' '))
                    throw std::runtime_error(source + ": comment value of " + std::string(name) + " is not a number: " +
                                             line);
                return v;
            }
        }
        throw std::runtime_error(source + ": no comment gives " + std::string(name) + " = <number>");
    }

    /// Field `field` (after the key) of the first metadata record `key`.
    const std::string& meta_value(const std::string& key, std::size_t field = 0) const {
        const auto it = meta.find(key);
        if (it == meta.end() || it->second.empty()) throw std::runtime_error(source + ": no metadata record " + key);
        if (field >= it->second.front().size())
            throw std::runtime_error(source + ": metadata record " + key + " has no field " + std::to_string(field));
        return it->second.front()[field];
    }

    std::string where(std::size_t row) const {
        return source + ":" + (row < lines.size() ? std::to_string(lines[row]) : "?") + " (row " + std::to_string(row) + ")";
    }
};

/// Parses CSV text (see the top of this file); `source` names it in error messages.
inline Csv parse_csv(std::string_view text, const std::string& source = "CSV text", const CsvOptions& options = {}) {
    Csv csv;
    csv.source = source;
    bool have_header = false;
    std::size_t line = 1;
    auto fail = [&](const std::string& what) { throw std::runtime_error(source + ":" + std::to_string(line) + ": " + what); };

    std::size_t i = 0;
    const std::size_t n = text.size();
    auto end_line = [&] {  // at a line break (or the end): step past one "\n", "\r\n" or "\r"
        if (i < n && text[i] == '\r') {
            ++i;
            if (i < n && text[i] == '\n') ++i;
        } else if (i < n && text[i] == '\n') {
            ++i;
        }
        ++line;
    };

    while (i < n) {
        const std::size_t record_line = line;
        if (text[i] == '\n' || text[i] == '\r') {  // blank line
            end_line();
            continue;
        }
        if (text[i] == '#') {  // comment line
            const std::size_t b = i;
            while (i < n && text[i] != '\n' && text[i] != '\r') ++i;
            csv.comments.emplace_back(text.substr(b, i - b));
            end_line();
            continue;
        }
        // One record.
        std::vector<std::optional<std::string>> record;
        for (;;) {
            std::string field;
            bool quoted = false;
            if (i < n && text[i] == '"') {
                quoted = true;
                ++i;
                for (;;) {
                    if (i >= n)
                        throw std::runtime_error(source + ":" + std::to_string(record_line) + ": a quoted field is not closed");
                    const char ch = text[i];
                    if (ch == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field.push_back('"');
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    if (ch == '\n' || (ch == '\r' && !(i + 1 < n && text[i + 1] == '\n'))) ++line;
                    field.push_back(ch);
                    ++i;
                }
                if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
                    fail("text after the closing quote of field " + std::to_string(record.size() + 1));
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    if (text[i] == '"') fail("a quote inside unquoted field " + std::to_string(record.size() + 1));
                    field.push_back(text[i]);
                    ++i;
                }
            }
            if (!quoted && (field.empty() || field == "NA")) record.emplace_back(std::nullopt);
            else record.emplace_back(std::move(field));
            if (i < n && text[i] == ',') {
                ++i;
                continue;
            }
            end_line();  // the end of the record
            break;
        }

        if (!options.meta_prefix.empty() && record.front() && record.front()->starts_with(options.meta_prefix)) {
            std::vector<std::string> rest;
            for (std::size_t k = 1; k < record.size(); ++k) rest.push_back(record[k].value_or(std::string()));
            csv.meta[*record.front()].push_back(std::move(rest));
        } else if (!have_header) {
            for (auto& h : record) csv.header.push_back(h.value_or(std::string()));
            have_header = true;
        } else {
            if (record.size() != csv.header.size())
                throw std::runtime_error(source + ":" + std::to_string(record_line) + ": " +
                                         std::to_string(record.size()) + " fields, the header has " +
                                         std::to_string(csv.header.size()));
            csv.rows.push_back(std::move(record));
            csv.lines.push_back(record_line);
        }
    }
    if (!have_header) throw std::runtime_error(source + ": no header (empty CSV)");
    return csv;
}

/// Reads and parses a CSV file.
inline Csv read_csv(const std::string& path, const CsvOptions& options = {}) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_csv(ss.str(), path, options);
}

#ifdef QM_REFERENCE_DIR
/// The path of a file under tests/reference ("published/x.csv").
inline std::string reference_path(const std::string& relative) { return std::string(QM_REFERENCE_DIR) + "/" + relative; }

/// Reads tests/reference/`relative`.
inline Csv read_reference(const std::string& relative, const CsvOptions& options = {}) {
    return read_csv(reference_path(relative), options);
}
#endif

}  // namespace qm_test
