#pragma once
// qm/core/groups.hpp — long-format layout: order rows by group and date, find group offsets,
// detect duplicate dates, and locate rebase dates. Dates are days since 1970-01-01
// (date::sys_days::time_since_epoch().count()), int64 at every boundary.
//
// Synopsis
//   struct qm::GroupLayout { order; offsets; group_codes; duplicate_row_a; duplicate_row_b; };
//   GroupLayout qm::layout_groups(std::span<const std::int64_t> codes, std::span<const std::int64_t> dates)
//   struct qm::RowLookup { std::vector<std::size_t> rows; std::size_t first_missing; };
//   RowLookup qm::find_rows(offsets, dates_in_layout_order, request_groups, request_dates)

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <qm/core/error.hpp>

namespace qm {

inline constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

struct GroupLayout {
    std::vector<std::size_t> order;          ///< row permutation to group/date order; empty if already ordered
    std::vector<std::size_t> offsets;        ///< G+1 offsets into the ordered rows
    std::vector<std::int64_t> group_codes;   ///< the code of each group, ascending
    std::size_t duplicate_row_a = npos;      ///< first duplicate (group, date): original row positions
    std::size_t duplicate_row_b = npos;
    bool has_duplicate() const noexcept { return duplicate_row_a != npos; }
};

/// Orders rows by (code, date), stably. `codes` are non-negative group codes (e.g. from
/// pandas.factorize); `dates` may be empty (rows already in time order within each group).
/// Already-ordered input costs one linear check and no copy.
inline GroupLayout layout_groups(std::span<const std::int64_t> codes, std::span<const std::int64_t> dates) {
    const std::size_t n = codes.size();
    if (n == 0) fail_argument("group", "is empty");
    if (!dates.empty() && dates.size() != n)
        fail_argument("date", "has " + std::to_string(dates.size()) + " rows but group has " + std::to_string(n));
    for (std::size_t i = 0; i < n; ++i)
        if (codes[i] < 0) fail_argument("group", i, "is missing");
    const bool has_dates = !dates.empty();
    auto before = [&](std::size_t a, std::size_t b) {
        return codes[a] < codes[b] || (codes[a] == codes[b] && has_dates && dates[a] < dates[b]);
    };
    bool ordered = true;
    for (std::size_t i = 1; i < n && ordered; ++i) ordered = !before(i, i - 1);

    GroupLayout out;
    std::vector<std::size_t> idx;
    if (!ordered) {
        // Group codes from a factorisation are dense: counting sorts (below); sparse codes: a
        // stable comparison sort.
        const std::int64_t max_code = *std::max_element(codes.begin(), codes.end());
        idx.resize(n);
        if (static_cast<std::uint64_t>(max_code) < 4 * static_cast<std::uint64_t>(n) + 1024) {
            // Per group, are the dates already ascending in input order (rows ordered by date, or by
            // group)? Then one stable counting sort by code is all. Otherwise, when the dates span
            // a small range (days or months over years), a stable counting sort by date first and
            // then by code (LSD radix: linear, and the same order as a stable sort by (code, date));
            // else the counting sort by code and a stable sort of each unordered group.
            const std::size_t G = static_cast<std::size_t>(max_code) + 1;
            std::vector<std::size_t> start(G + 1, 0);
            // The first duplicate in (code, date) order, as the passes below meet them.
            std::size_t dup_code = npos;
            std::int64_t dup_date = 0;
            auto note_duplicate = [&](std::size_t c, std::int64_t d, std::size_t a, std::size_t b) noexcept {
                if (dup_code == npos || c < dup_code || (c == dup_code && d < dup_date)) {
                    dup_code = c;
                    dup_date = d;
                    out.duplicate_row_a = a;
                    out.duplicate_row_b = b;
                }
            };
            bool in_order = true;
            std::vector<std::int64_t> last;
            std::vector<std::size_t> last_row;
            if (has_dates) {
                last.assign(G, std::numeric_limits<std::int64_t>::min());
                last_row.assign(G, npos);
                for (std::size_t i = 0; i < n; ++i) {
                    const auto c = static_cast<std::size_t>(codes[i]);
                    const std::int64_t d = dates[i];
                    ++start[c + 1];
                    in_order &= last[c] <= d;
                    if (last[c] == d && last_row[c] != npos) note_duplicate(c, d, last_row[c], i);
                    last[c] = d;
                    last_row[c] = i;
                }
            } else {
                for (std::size_t i = 0; i < n; ++i) ++start[static_cast<std::size_t>(codes[i]) + 1];
            }
            if (!in_order) {  // pairs met out of order are not neighbours in time
                dup_code = npos;
                out.duplicate_row_a = out.duplicate_row_b = npos;
            }
            for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
            std::vector<std::size_t> next(start.begin(), start.end() - 1);
            std::uint64_t range = 0;
            std::int64_t d0 = 0;
            if (!in_order) {
                const auto [dmin, dmax] = std::minmax_element(dates.begin(), dates.end());
                d0 = *dmin;
                range = static_cast<std::uint64_t>(*dmax) - static_cast<std::uint64_t>(*dmin);
            }
            if (!in_order && range < 4 * static_cast<std::uint64_t>(n) + 1024) {
                std::vector<std::size_t> at(static_cast<std::size_t>(range) + 2, 0);
                for (std::size_t i = 0; i < n; ++i) ++at[static_cast<std::size_t>(dates[i] - d0) + 1];
                for (std::size_t k = 1; k < at.size(); ++k) at[k] += at[k - 1];
                // rows and their codes side by side, so the second pass reads both in sequence (as
                // 32-bit integers when they fit: half the fresh memory)
                auto radix = [&]<class I>() {
                    std::vector<I> by_date(n), code_by_date(n);
                    {
                        std::vector<std::size_t> to(at.begin(), at.end() - 1);
                        for (std::size_t i = 0; i < n; ++i) {
                            const std::size_t j = to[static_cast<std::size_t>(dates[i] - d0)]++;
                            by_date[j] = static_cast<I>(i);
                            code_by_date[j] = static_cast<I>(codes[i]);
                        }
                    }
                    // date by date (bucket k holds date d0 + k), each row to the end of its group; a
                    // row whose group's previous row has the same date is a duplicate
                    for (std::size_t k = 0; k + 1 < at.size(); ++k) {
                        const std::int64_t d = d0 + static_cast<std::int64_t>(k);
                        for (std::size_t j = at[k]; j < at[k + 1]; ++j) {
                            const std::size_t c = code_by_date[j], r = by_date[j], to = next[c]++;
                            idx[to] = r;
                            if (to > start[c] && last[c] == d) note_duplicate(c, d, idx[to - 1], r);
                            last[c] = d;
                        }
                    }
                };
                if (n <= std::numeric_limits<std::uint32_t>::max() && G <= std::numeric_limits<std::uint32_t>::max())
                    radix.template operator()<std::uint32_t>();
                else
                    radix.template operator()<std::size_t>();
            } else {
                for (std::size_t i = 0; i < n; ++i) idx[next[static_cast<std::size_t>(codes[i])]++] = i;
                if (!in_order) {
                    auto by_date = [&](std::size_t a, std::size_t b) { return dates[a] < dates[b]; };
                    for (std::size_t c = 0; c < G; ++c) {
                        auto first = idx.begin() + static_cast<std::ptrdiff_t>(start[c]);
                        auto end = idx.begin() + static_cast<std::ptrdiff_t>(start[c + 1]);
                        if (!std::is_sorted(first, end, by_date)) std::stable_sort(first, end, by_date);
                        for (auto it = first; it != end && it + 1 != end; ++it)
                            if (dates[*it] == dates[*(it + 1)]) {
                                note_duplicate(c, dates[*it], *it, *(it + 1));
                                break;
                            }
                    }
                }
            }
            for (std::size_t c = 0; c < G; ++c)
                if (start[c + 1] > start[c]) {
                    out.offsets.push_back(start[c]);
                    out.group_codes.push_back(static_cast<std::int64_t>(c));
                }
            out.offsets.push_back(n);
            out.order = std::move(idx);
            return out;
        } else {
            std::iota(idx.begin(), idx.end(), std::size_t{0});
            std::stable_sort(idx.begin(), idx.end(), before);
        }
    }
    auto row = [&](std::size_t i) { return idx.empty() ? i : idx[i]; };
    out.offsets.push_back(0);
    out.group_codes.push_back(codes[row(0)]);
    for (std::size_t i = 1; i < n; ++i) {
        const std::size_t a = row(i - 1), b = row(i);
        if (codes[b] != codes[a]) {
            out.offsets.push_back(i);
            out.group_codes.push_back(codes[b]);
        } else if (has_dates && dates[a] == dates[b] && !out.has_duplicate()) {
            out.duplicate_row_a = std::min(a, b);
            out.duplicate_row_b = std::max(a, b);
        }
    }
    out.offsets.push_back(n);
    out.order = std::move(idx);
    return out;
}

struct RowLookup {
    std::vector<std::size_t> rows;      ///< ascending row positions (in layout order) that were found
    std::size_t first_missing = npos;   ///< index into the request of the first date not in its group
};

/// For each request (group index, date) the row of that date within the group; dates must be
/// ascending within each group. Duplicate requests collapse to one row.
inline RowLookup find_rows(std::span<const std::size_t> offsets, std::span<const std::int64_t> dates,
                           std::span<const std::size_t> request_groups, std::span<const std::int64_t> request_dates) {
    if (request_groups.size() != request_dates.size())
        fail_argument("rebase", "group and date lists differ in length");
    RowLookup out;
    out.rows.reserve(request_dates.size());
    const std::size_t G = offsets.empty() ? 0 : offsets.size() - 1;
    for (std::size_t k = 0; k < request_dates.size(); ++k) {
        const std::size_t g = request_groups[k];
        if (g >= G) fail_argument("rebase", k, "group index " + std::to_string(g) + " out of range");
        const auto first = dates.begin() + static_cast<std::ptrdiff_t>(offsets[g]);
        const auto last = dates.begin() + static_cast<std::ptrdiff_t>(offsets[g + 1]);
        const auto it = std::lower_bound(first, last, request_dates[k]);
        if (it == last || *it != request_dates[k]) {
            if (out.first_missing == npos) out.first_missing = k;
            continue;
        }
        out.rows.push_back(static_cast<std::size_t>(it - dates.begin()));
    }
    std::sort(out.rows.begin(), out.rows.end());
    out.rows.erase(std::unique(out.rows.begin(), out.rows.end()), out.rows.end());
    return out;
}

}  // namespace qm
