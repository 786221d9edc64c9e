#pragma once
// qm/spc/chart_types.hpp — vocabulary shared by every chart: chart types and the lines a
// point is judged against.
//
// Synopsis
//   enum class qm::spc::ChartType { run, xmr, mr, xbar_r, xbar_s, p, np, c, u, p_prime, u_prime, g, t }
//   std::string_view qm::spc::to_string(ChartType)
//   ChartType qm::spc::parse_chart(std::string_view)     "i" is accepted for "xmr"; throws on others
//   struct qm::spc::Lines        centre and the 1σ, 2σ and 3σ (process limit) lines of one point
//   struct qm::spc::LineColumns  the same as columns, one entry per point or per phase

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <qm/core/error.hpp>

namespace qm::spc {

enum class ChartType : std::uint8_t { run, xmr, mr, xbar_r, xbar_s, p, np, c, u, p_prime, u_prime, g, t };

inline constexpr std::array<std::string_view, 13> chart_names{"run", "xmr",     "mr",      "xbar_r", "xbar_s",
                                                              "p",   "np",      "c",       "u",      "p_prime",
                                                              "u_prime", "g",   "t"};

constexpr std::string_view to_string(ChartType c) noexcept { return chart_names[static_cast<std::size_t>(c)]; }

inline ChartType parse_chart(std::string_view s) {
    if (s == "i") return ChartType::xmr;
    for (std::size_t k = 0; k < chart_names.size(); ++k)
        if (chart_names[k] == s) return static_cast<ChartType>(k);
    std::string known;
    for (auto n : chart_names) known.append(known.empty() ? "" : ", ").append(n);
    fail_argument("chart", "unknown chart '" + std::string(s) + "' (known: " + known + ", i)");
}

/// The centre line and the 1σ, 2σ and 3σ (process limit) lines a point is judged against.
/// Each tool computes these with its own arithmetic (e.g. NHSRplotthedots: centre ± 2.66·mR̄
/// and centre ± 2·(2.66/3)·mR̄); the chart functions store them exactly as the tool would, so
/// rule comparisons at a line are decided as the tool decides them. NaN: no such line.
struct Lines {
    double centre, lower, upper, lower_1sigma, upper_1sigma, lower_2sigma, upper_2sigma;
};

/// Lines as columns: one entry per point for charts whose limits vary with the denominator
/// or subgroup size, one per phase otherwise.
struct LineColumns {
    std::vector<double> centre, lower, upper, lower_1sigma, upper_1sigma, lower_2sigma, upper_2sigma;

    std::size_t size() const noexcept { return centre.size(); }
    /// The seven columns, in the order of Lines.
    std::array<std::vector<double>*, 7> columns() noexcept {
        return {&centre, &lower, &upper, &lower_1sigma, &upper_1sigma, &lower_2sigma, &upper_2sigma};
    }
    void resize(std::size_t n) {
        for (auto* v : columns()) v->resize(n);
    }
    Lines at(std::size_t i) const noexcept {
        return {centre[i], lower[i], upper[i], lower_1sigma[i], upper_1sigma[i], lower_2sigma[i], upper_2sigma[i]};
    }
    void set(std::size_t i, const Lines& l) noexcept {
        centre[i] = l.centre;
        lower[i] = l.lower;
        upper[i] = l.upper;
        lower_1sigma[i] = l.lower_1sigma;
        upper_1sigma[i] = l.upper_1sigma;
        lower_2sigma[i] = l.lower_2sigma;
        upper_2sigma[i] = l.upper_2sigma;
    }
};

}  // namespace qm::spc
