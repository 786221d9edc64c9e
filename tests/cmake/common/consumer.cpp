// A consumer of qualitymetrics: one XmR chart on a few numbers, checked against values worked
// out by hand. Returns 0 iff every check passes. Shared by the find_package and
// add_subdirectory consumer projects (tests/cmake/).
//
// values 9 11 9 11 ... 9 (19 points, alternating) then 30:
//   centre = (10 * 9 + 9 * 11 + 30) / 20 = 219 / 20 = 10.95, so the points alternate sides:
//   no shift, no trend, no 2-of-3
//   moving ranges 2 (x18) and 21: mean 57 / 19 = 3; screening drops 21 >= 3.267 * 3, so mR = 2
//   limits 10.95 -/+ 2.66 * 2 = 5.63 .. 16.27; the last point (30) is beyond the upper limit:
//   special cause improvement (improvement "increase"), variation icon improvement_high;
//   target 5 is below the lower limit: consistent_pass.
#include <cmath>
#include <cstdio>
#include <vector>

#include <qm/qm.hpp>

namespace {
int failures = 0;
void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "FAILED: %s\n", what);
        ++failures;
    }
}
bool near(double a, double b) { return std::fabs(a - b) <= 1e-12; }
}  // namespace

int main() {
    std::vector<double> y;
    for (int i = 0; i < 19; ++i) y.push_back(i % 2 == 0 ? 9.0 : 11.0);
    y.push_back(30.0);
    const auto r = qm::spc::xmr(y, {.improvement = qm::Improvement::increase, .target = 5.0});
    check(r.size() == y.size() && r.phases() == 1 && r.groups() == 1, "result shape");
    check(near(r.centre[0], 10.95), "centre == 10.95");
    check(near(r.mean_moving_range[0], 2.0), "mean moving range == 2 after screening");
    check(r.phase_n_screened[0] == 1, "one moving range screened");
    check(near(r.lower[0], 10.95 - 5.32) && near(r.upper[0], 10.95 + 5.32), "limits 10.95 -/+ 5.32");
    bool common = true;
    for (std::size_t i = 0; i + 1 < y.size(); ++i)
        common = common && r.flags[i] == 0 && r.point_type[i] == qm::PointType::common_cause;
    check(common, "first 19 points common cause");
    check(r.flags[19] == qm::spc::rules::outside_limits, "last point outside the limits");
    check(r.point_type[19] == qm::PointType::special_cause_improvement, "last point special cause improvement");
    check(r.variation_icon[0] == qm::VariationIcon::improvement_high, "variation icon improvement_high");
    check(r.assurance_icon[0] == qm::AssuranceIcon::consistent_pass, "assurance icon consistent_pass");
    std::printf("qualitymetrics consumer: centre %.3f, limits %.3f .. %.3f, %s, %s: %s\n", r.centre[0], r.lower[0],
                r.upper[0], qm::to_string(r.variation_icon[0]).data(), qm::to_string(r.assurance_icon[0]).data(),
                failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
