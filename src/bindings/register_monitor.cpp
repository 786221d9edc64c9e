// Bindings for live monitoring (qm/monitor/*.hpp): the monitors with push / replay / save /
// restore, decision thresholds, the retrospective review and control vs assurance.
#include <qm/monitor/monitor.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include "prelude.hpp"

namespace qm::bind {

namespace {

using namespace qm::monitor;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();


/// Period rows per group: int64 with −1 = default (npos).
std::vector<std::size_t> period_rows(const py::handle& obj, const char* argument) {
    if (obj.is_none()) return {};
    auto v = view<std::int64_t>(obj, argument);
    std::vector<std::size_t> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] < 0 ? npos : static_cast<std::size_t>(v[i]);
    return out;
}

std::int64_t day_of(const py::handle& obj) {
    if (obj.is_none()) return no_day;
    return obj.cast<std::int64_t>();
}

py::object day_or_none(std::int64_t d) { return d == no_day ? py::object(py::none()) : py::object(py::int_(d)); }

ShewhartOptions shewhart_options(const std::string& chart, const std::string& preset, const py::handle& rules,
                                 const std::string& improvement, double target, std::size_t fix_after) {
    ShewhartOptions o = shewhart_preset(preset, spc::parse_chart(chart), fix_after);
    o.rules = rules_from(rules, o.rules);
    o.improvement = parse_improvement(improvement);
    o.target = target;
    return o;
}

py::dict lines_dict(const spc::Lines& l) {
    py::dict d;
    d["centre"] = l.centre;
    d["lower"] = l.lower;
    d["upper"] = l.upper;
    d["lower_1sigma"] = l.lower_1sigma;
    d["upper_1sigma"] = l.upper_1sigma;
    d["lower_2sigma"] = l.lower_2sigma;
    d["upper_2sigma"] = l.upper_2sigma;
    return d;
}

py::list signals_list(std::span<const Signal> s) {
    py::list out;
    for (const Signal& x : s)
        out.append(py::make_tuple(x.point, x.first, day_or_none(x.day), day_or_none(x.first_day), x.rule,
                                  static_cast<int>(x.direction), x.continued));
    return out;
}

py::list updates_list(std::span<const PointUpdate> u) {
    py::list out;
    for (const PointUpdate& x : u) out.append(py::make_tuple(x.point, x.flags, static_cast<int>(x.point_type)));
    return out;
}

/// What every monitor's push returns first: the point's index, date and value.
py::dict push_head(std::uint64_t index, std::int64_t day, double value) {
    py::dict d;
    d["index"] = index;
    d["day"] = day_or_none(day);
    d["value"] = value;
    return d;
}

/// ... and last: its rule flags, point type, whether it was held for learning, the alarm, and the
/// signals and updates of the push.
void push_tail(py::dict& d, unsigned flags, PointType point_type, bool learning, bool alarm,
               std::span<const Signal> signals, std::span<const PointUpdate> updates) {
    d["flags"] = flags;
    d["point_type"] = static_cast<int>(point_type);
    d["learning"] = learning;
    d["alarm"] = alarm;
    d["signals"] = signals_list(signals);
    d["updates"] = updates_list(updates);
}

py::dict limits_dict(const ChartLimits& l) {
    py::dict d;
    d["chart"] = std::string(spc::to_string(l.chart));
    d["centre"] = l.centre;
    d["mean"] = l.mean;
    d["sigma"] = l.sigma;
    d["sufficient"] = l.sufficient;
    d["lines"] = lines_dict(l.lines());
    return d;
}

ChartLimits limits_from_dict(const py::dict& d, const ShewhartOptions& o) {
    ChartLimits l;
    l.chart = o.chart;
    l.options = o.limits;
    for (auto item : d) {
        const auto key = py::str(item.first).cast<std::string>();
        if (key == "centre") l.centre = item.second.cast<double>();
        else if (key == "mean") l.mean = item.second.cast<double>();
        else if (key == "sigma") l.sigma = item.second.cast<double>();
        else if (key == "sufficient") l.sufficient = item.second.cast<bool>();
        else if (key != "chart" && key != "lines")
            fail_argument("limits", "unknown key '" + key + "' (known: centre, mean, sigma)");
    }
    if (l.mean != l.mean) l.mean = l.centre;
    if (l.centre != l.centre) l.centre = l.mean;
    return l;
}

py::bytes as_bytes(const std::string& s) { return py::bytes(s); }

/// Columns for replay(): one entry per pushed point.
struct ReplayColumns {
    std::vector<double> statistic;
    spc::LineColumns lines;
    std::vector<spc::RuleFlags> flags_at_push, flags, raised, new_signals;
    std::vector<PointType> point_type;
    std::vector<std::uint8_t> learning, alarm;
    std::vector<std::int64_t> sig_push, sig_point, sig_first, sig_day, sig_first_day;
    std::vector<std::uint16_t> sig_rule;
    std::vector<std::int8_t> sig_direction;
    std::vector<std::uint8_t> sig_continued;

    explicit ReplayColumns(std::size_t n) {
        statistic.resize(n);
        lines.resize(n);
        for (auto* v : {&flags_at_push, &flags, &raised, &new_signals}) v->assign(n, 0);
        point_type.assign(n, PointType::common_cause);
        learning.assign(n, 0);
        alarm.assign(n, 0);
    }
    void signals(std::size_t push, std::span<const Signal> s, std::uint64_t base) {
        for (const Signal& x : s) {
            sig_push.push_back(static_cast<std::int64_t>(push));
            sig_point.push_back(static_cast<std::int64_t>(x.point - base));
            sig_first.push_back(static_cast<std::int64_t>(x.first - base));
            sig_day.push_back(x.day);
            sig_first_day.push_back(x.first_day);
            sig_rule.push_back(x.rule);
            sig_direction.push_back(x.direction);
            sig_continued.push_back(x.continued);
            raised[push] = static_cast<spc::RuleFlags>(raised[push] | x.rule);
            if (!x.continued) new_signals[push] = static_cast<spc::RuleFlags>(new_signals[push] | x.rule);
        }
    }
    void updates(std::span<const PointUpdate> u, std::uint64_t base) {
        for (const PointUpdate& x : u) {
            if (x.point < base) continue;  // a point pushed before this replay
            flags[x.point - base] = x.flags;
            point_type[x.point - base] = x.point_type;
        }
    }
    void to(py::dict& d, bool with_lines) {
        d["statistic"] = to_numpy(std::move(statistic));
        if (with_lines) {
            put_lines(d, lines);
        }
        d["flags_at_push"] = to_numpy(std::move(flags_at_push));
        d["flags"] = to_numpy(std::move(flags));
        d["raised"] = to_numpy(std::move(raised));
        d["new_signals"] = to_numpy(std::move(new_signals));
        d["point_type"] = to_numpy<PointType, std::int8_t>(std::move(point_type));
        d["learning"] = to_numpy(std::move(learning));
        d["alarm"] = to_numpy(std::move(alarm));
        py::dict s;
        s["push"] = to_numpy(std::move(sig_push));
        s["point"] = to_numpy(std::move(sig_point));
        s["first"] = to_numpy(std::move(sig_first));
        s["day"] = to_numpy(std::move(sig_day));
        s["first_day"] = to_numpy(std::move(sig_first_day));
        s["rule"] = to_numpy(std::move(sig_rule));
        s["direction"] = to_numpy(std::move(sig_direction));
        s["continued"] = to_numpy(std::move(sig_continued));
        d["signals"] = s;
    }
};

/// The push loop of the monitors that hold a baseline and evaluate it once learned (CUSUM, EWMA,
/// Bernoulli CUSUM): push(i) pushes row i; put(k, e) writes the chart's own columns of row k from
/// an evaluation — of the push, or of a baseline point evaluated by it; the common columns follow.
template <class Monitor, class Push, class Put>
void replay_with_baseline(Monitor& self, std::size_t n, ReplayColumns& c, Push push, Put put) {
    py::gil_scoped_release release;
    const std::uint64_t base = self.size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto ev = push(i);
        put(i, ev);
        if constexpr (requires { ev.baseline; }) {
            for (const auto& b : ev.baseline) {  // the baseline, evaluated now
                if (b.index < base) continue;
                const auto k = static_cast<std::size_t>(b.index - base);
                put(k, b);
                c.learning[k] = 0;
            }
            c.learning[i] = ev.learning;
            c.updates(ev.updates, base);
        }
        if constexpr (requires { ev.point.flags; })
            c.flags_at_push[i] = c.flags[i] = ev.point.flags;
        else
            c.flags_at_push[i] = c.flags[i] = ev.flags;
        c.point_type[i] = ev.point_type;
        c.alarm[i] = ev.alarm;
        c.signals(i, ev.signals, base);
    }
}

std::size_t replay_length(std::span<const double> values, std::span<const std::int64_t> days,
                          std::span<const double> second, const char* second_name) {
    const std::size_t n = values.size();
    if (!days.empty() && days.size() != n)
        fail_argument("date", "needs one entry per value (" + std::to_string(n) + "), got " + std::to_string(days.size()));
    if (!second.empty() && second.size() != n)
        fail_argument(second_name, "needs one entry per value (" + std::to_string(n) + "), got " + std::to_string(second.size()));
    return n;
}

/// replay() with the common columns and three of the chart's own, named `names`: push(i) pushes
/// row i, fill(e, statistic, a, b, c) writes a row's from its evaluation.
template <class Monitor, class Push, class Fill>
py::dict replay_three(Monitor& self, std::size_t n, Push push, Fill fill, const std::array<const char*, 3>& names) {
    ReplayColumns c(n);
    std::vector<double> a(n), b(n), e(n);
    replay_with_baseline(self, n, c, push,
                         [&](std::size_t k, const auto& ev) { fill(ev, c.statistic[k], a[k], b[k], e[k]); });
    py::dict d;
    c.to(d, false);
    d[names[0]] = to_numpy(std::move(a));
    d[names[1]] = to_numpy(std::move(b));
    d[names[2]] = to_numpy(std::move(e));
    return d;
}

/// replay() of the monitors of measurements with subgroup sizes (CUSUM, EWMA).
template <class Monitor, class Fill>
py::dict sized_replay(Monitor& self, const py::handle& values_obj, const py::handle& sizes_obj,
                      const py::handle& days_obj, const std::array<const char*, 3>& names, Fill fill) {
    const auto values = view<double>(values_obj, "value");
    const auto sizes = optional_view<double>(sizes_obj, "size");
    const auto days = optional_view<std::int64_t>(days_obj, "date");
    const std::size_t n = replay_length(values, days, sizes, "size");
    return replay_three(
        self, n,
        [&](std::size_t i) { return self.push(values[i], sizes.empty() ? 1.0 : sizes[i], days.empty() ? no_day : days[i]); },
        fill, names);
}

/// replay() of the monitors of outcomes with risks (risk-adjusted CUSUM, VLAD); columns a, b, e.
template <class Monitor, class Fill>
py::dict outcome_replay(Monitor& self, const py::handle& y_obj, const py::handle& p_obj, const py::handle& days_obj,
                        Fill fill) {
    const auto y = view<double>(y_obj, "outcome");
    const auto p = view<double>(p_obj, "risk");
    const auto days = optional_view<std::int64_t>(days_obj, "date");
    const std::size_t n = replay_length(y, days, p, "risk");
    return replay_three(
        self, n, [&](std::size_t i) { return self.push(y[i], p[i], days.empty() ? no_day : days[i]); }, fill,
        {"a", "b", "e"});
}

/// push() and replay() of a monitor of outcomes with risks (risk-adjusted CUSUM, VLAD): own(d, point)
/// adds the chart's own fields to a push's dict, fill(ev, statistic, a, b, e) a replay row's.
template <class Monitor, class Own, class Fill>
void bind_case_push(py::class_<Monitor>& c, Own own, Fill fill) {
    c.def(
         "push",
         [own](Monitor& self, double outcome, double risk, const py::handle& day) {
             const auto ev = self.push(outcome, risk, day_of(day));
             py::dict d = push_head(ev.index, ev.day, ev.outcome);
             d["risk"] = ev.risk;
             own(d, ev.point);
             push_tail(d, ev.point.flags, ev.point_type, false, ev.alarm, ev.signals, {});
             return d;
         },
         py::arg("outcome"), py::arg("risk"), py::arg("day") = py::none())
        .def(
            "replay",
            [fill](Monitor& self, const py::handle& y, const py::handle& p, const py::handle& days) {
                return outcome_replay(self, y, p, days, fill);
            },
            py::arg("outcomes"), py::arg("risks"), py::arg("days") = py::none());
}

template <class Monitor>
void bind_state(py::class_<Monitor>& c) {
    c.def("save", [](const Monitor& m) { return as_bytes(m.save()); }, "The state as a compact versioned byte string.")
        .def("to_json", &Monitor::to_json, "The state as JSON.")
        .def_static("restore", [](const py::bytes& b) { return Monitor::restore(std::string(b)); }, py::arg("state"))
        .def_static("from_json", [](const std::string& s) { return Monitor::from_json(s); }, py::arg("state"))
        .def_property_readonly("size", &Monitor::size);
}

py::dict review_dict(ReviewTable& t, bool per_point) {
    py::dict d;
    auto idx = [](std::vector<std::size_t>& v) { return to_numpy<std::size_t, std::int64_t>(std::move(v)); };
    for (auto [name, v] : {std::pair{"period_begin", &t.period_begin}, {"period_end", &t.period_end},
                           {"n_points", &t.n_points}, {"n_missing", &t.n_missing}, {"n_flagged", &t.n_flagged},
                           {"n_special_cause_improvement", &t.n_special_cause_improvement},
                           {"n_special_cause_concern", &t.n_special_cause_concern},
                           {"n_special_cause_neutral", &t.n_special_cause_neutral}, {"n_signals", &t.n_signals},
                           {"longest_in_control", &t.longest_in_control}, {"n_assessed", &t.n_assessed},
                           {"n_meeting_goal", &t.n_meeting_goal}})
        d[name] = idx(*v);
    for (auto [name, v] : {std::pair{"share_in_control", &t.share_in_control}, {"goal", &t.goal},
                           {"share_meeting_goal", &t.share_meeting_goal}, {"mean", &t.mean},
                           {"sd_overall", &t.sd_overall}, {"sd_within", &t.sd_within}, {"last_centre", &t.centre},
                           {"last_lower", &t.lower}, {"last_upper", &t.upper}, {"capability", &t.capability},
                           {"performance", &t.performance}, {"p_meet", &t.p_meet},
                           {"baseline_centre", &t.baseline_centre}, {"baseline_sigma", &t.baseline_sigma},
                           {"shift_sigma", &t.shift_sigma}})
        d[name] = to_numpy(std::move(*v));
    d["control_maintained"] = to_numpy(std::move(t.control_maintained));
    d["changed"] = to_numpy(std::move(t.changed));
    d["change_direction"] = to_numpy(std::move(t.change_direction));
    d["assurance_icon"] = to_numpy<AssuranceIcon, std::int8_t>(std::move(t.assurance_icon));
    d["variation_icon"] = to_numpy<VariationIcon, std::int8_t>(std::move(t.variation_icon));
    d["latest_point_type"] = to_numpy<PointType, std::int8_t>(std::move(t.latest_point_type));
    py::dict sig;
    sig["group"] = idx(t.signal_group);
    sig["first"] = idx(t.signal_first);
    sig["last"] = idx(t.signal_last);
    sig["rule"] = to_numpy(std::move(t.signal_rule));
    sig["direction"] = to_numpy(std::move(t.signal_direction));
    sig["point_type"] = to_numpy<PointType, std::int8_t>(std::move(t.signal_point_type));
    d["signals"] = sig;
    py::dict iv;
    iv["group"] = idx(t.interval_group);
    iv["first"] = idx(t.interval_first);
    iv["last"] = idx(t.interval_last);
    d["intervals"] = iv;
    if (per_point) {
        d["statistic"] = to_numpy(std::move(t.statistic));
        d["centre"] = to_numpy(std::move(t.lines.centre));
        d["lower"] = to_numpy(std::move(t.lines.lower));
        d["upper"] = to_numpy(std::move(t.lines.upper));
        d["lower_1sigma"] = to_numpy(std::move(t.lines.lower_1sigma));
        d["upper_1sigma"] = to_numpy(std::move(t.lines.upper_1sigma));
        d["lower_2sigma"] = to_numpy(std::move(t.lines.lower_2sigma));
        d["upper_2sigma"] = to_numpy(std::move(t.lines.upper_2sigma));
        d["period_centre"] = to_numpy(std::move(t.period_centre));
        d["period_lower"] = to_numpy(std::move(t.period_lower));
        d["period_upper"] = to_numpy(std::move(t.period_upper));
        d["flags"] = to_numpy(std::move(t.flags));
        d["point_type"] = to_numpy<PointType, std::int8_t>(std::move(t.point_type));
        d["in_period"] = to_numpy(std::move(t.in_period));
    }
    return d;
}

CusumSides parse_sides(const std::string& s) {
    if (s == "two_sided") return CusumSides::two_sided;
    if (s == "upper") return CusumSides::upper;
    if (s == "lower") return CusumSides::lower;
    fail_argument("sides", "must be 'two_sided', 'upper' or 'lower', got '" + s + "'");
}

ScoreDistribution scores_from(const py::handle& s, const py::handle& p) {
    ScoreDistribution d;
    const auto a = view<double>(s, "scores"), b = view<double>(p, "probabilities");
    d.score.assign(a.begin(), a.end());
    d.probability.assign(b.begin(), b.end());
    return d;
}

}  // namespace

void register_monitor(py::module_& m) {
    // ---- Shewhart ----------------------------------------------------------------------------
    py::class_<ShewhartMonitor> shewhart(m, "ShewhartMonitor");
    shewhart
        .def(py::init([](const std::string& chart, const std::string& preset, const py::handle& rules,
                         const std::string& improvement, double target, std::size_t fix_after,
                         const py::object& limits) {
                 const ShewhartOptions o = shewhart_options(chart, preset, rules, improvement, target, fix_after);
                 if (limits.is_none()) return ShewhartMonitor(o);
                 return ShewhartMonitor(o, limits_from_dict(limits.cast<py::dict>(), o));
             }),
             py::arg("chart") = "xmr", py::arg("preset") = "mdc", py::arg("rules") = py::none(),
             py::arg("improvement") = "increase", py::arg("target") = nan, py::arg("fix_after") = 0,
             py::arg("limits") = py::none())
        .def(
            "push",
            [](ShewhartMonitor& self, double value, double denominator, const py::handle& day, bool exclude) {
                const auto ev = self.push(value, denominator, day_of(day), exclude);
                py::dict d = push_head(ev.index, ev.day, ev.value);
                d["statistic"] = ev.statistic;
                d["lines"] = lines_dict(ev.lines);
                push_tail(d, ev.flags, ev.point_type, ev.learning, ev.alarm, ev.signals, ev.updates);
                return d;
            },
            py::arg("value"), py::arg("denominator") = nan, py::arg("day") = py::none(), py::arg("exclude") = false)
        .def(
            "replay",
            [](ShewhartMonitor& self, const py::handle& values_obj, const py::handle& den_obj, const py::handle& days_obj,
               const py::handle& excl_obj) {
                const auto values = view<double>(values_obj, "value");
                const auto dens = optional_view<double>(den_obj, "denominator");
                const auto days = optional_view<std::int64_t>(days_obj, "date");
                const auto excl = optional_view<std::uint8_t>(excl_obj, "exclude");
                const std::size_t n = replay_length(values, days, dens, "denominator");
                if (!excl.empty() && excl.size() != n) fail_argument("exclude", "needs one entry per value");
                ReplayColumns c(n);
                {
                    py::gil_scoped_release release;
                    const std::uint64_t base = self.size();
                    std::uint64_t phase = self.phase_begin();
                    for (std::size_t i = 0; i < n; ++i) {
                        const bool was_learning = self.learning();
                        const auto ev = self.push(values[i], dens.empty() ? nan : dens[i], days.empty() ? no_day : days[i],
                                                  !excl.empty() && excl[i] != 0);
                        c.statistic[i] = ev.statistic;
                        c.lines.set(i, ev.lines);
                        c.flags_at_push[i] = ev.flags;
                        c.flags[i] = ev.flags;
                        c.point_type[i] = ev.point_type;
                        c.learning[i] = ev.learning;
                        c.alarm[i] = ev.alarm;
                        c.signals(i, ev.signals, base);
                        c.updates(ev.updates, base);
                        if (was_learning && !self.learning()) {
                            // the baseline's lines are the frozen ones
                            for (std::uint64_t j = std::max(phase, base); j < base + i; ++j) {
                                const std::size_t k = static_cast<std::size_t>(j - base);
                                const double dj = dens.empty() ? nan : dens[k];
                                c.lines.set(k, self.limits().lines(dj, c.statistic[k] != c.statistic[k]));
                                c.learning[k] = 0;
                            }
                        }
                        phase = self.phase_begin();
                    }
                }
                py::dict d;
                c.to(d, true);
                return d;
            },
            py::arg("values"), py::arg("denominators") = py::none(), py::arg("days") = py::none(),
            py::arg("exclude") = py::none(), "Pushes every value; columns per point and a table of signals.")
        .def(
            "rebase",
            [](ShewhartMonitor& self, const py::object& limits) {
                if (limits.is_none()) self.rebase();
                else self.rebase(limits_from_dict(limits.cast<py::dict>(), self.options()));
            },
            py::arg("limits") = py::none())
        .def_property_readonly("learning", &ShewhartMonitor::learning)
        .def_property_readonly("phase_begin", &ShewhartMonitor::phase_begin)
        .def_property_readonly("limits", [](const ShewhartMonitor& s) { return limits_dict(s.limits()); })
        .def_property_readonly("trial_limits", [](const ShewhartMonitor& s) { return limits_dict(s.trial_limits()); })
        .def_property_readonly("options",
                               [](const ShewhartMonitor& s) {
                                   const auto& o = s.options();
                                   py::dict d;
                                   d["chart"] = std::string(spc::to_string(o.chart));
                                   d["rules"] = static_cast<unsigned>(o.rules.rules);
                                   d["improvement"] = std::string(to_string(o.improvement));
                                   d["target"] = o.target;
                                   d["fix_after"] = o.fix_after;
                                   d["sigma_multiplier"] = o.limits.sigma_multiplier;
                                   return d;
                               })
        .def_property_readonly("runs_analysis", [](const ShewhartMonitor& s) {
            const auto r = s.runs_analysis();
            py::dict d;
            d["n_obs"] = r.n_obs;
            d["n_useful"] = r.n_useful;
            d["longest_run"] = r.longest_run;
            d["longest_run_max"] = r.longest_run_max;
            d["n_crossings"] = r.n_crossings;
            d["n_crossings_min"] = r.n_crossings_min;
            d["runs_signal"] = r.runs_signal;
            return d;
        });
    bind_state(shewhart);

    m.def(
        "learn_limits",
        [](const std::string& chart, const std::string& preset, const py::handle& values_obj, const py::handle& den_obj,
           const py::handle& excl_obj) {
            const auto o = shewhart_preset(preset, spc::parse_chart(chart), 0);
            return limits_dict(learn_limits(o.chart, view<double>(values_obj, "value"), optional_view<double>(den_obj, "denominator"),
                                            o.limits, optional_view<std::uint8_t>(excl_obj, "exclude")));
        },
        py::arg("chart"), py::arg("preset"), py::arg("values"), py::arg("denominators") = py::none(),
        py::arg("exclude") = py::none());

    // ---- CUSUM and EWMA -----------------------------------------------------------------------
    py::class_<CusumMonitor> cusum(m, "CusumMonitor");
    cusum
        .def(py::init([](double k, double h, bool fir, double head_start, bool reset, std::size_t fix_after, double target,
                         double sigma, const std::string& improvement) {
                 CusumMonitorOptions o;
                 o.cusum.k = k;
                 o.cusum.h = h;
                 o.cusum.fast_initial_response = fir;
                 o.cusum.head_start = head_start;
                 o.cusum.reset_after_signal = reset;
                 o.cusum.fix_after = fix_after;
                 o.target = target;
                 o.sigma = sigma;
                 o.improvement = parse_improvement(improvement);
                 return CusumMonitor(o);
             }),
             py::arg("k") = 0.5, py::arg("h") = 5.0, py::arg("fast_initial_response") = false, py::arg("head_start") = 0.0,
             py::arg("reset_after_signal") = false, py::arg("fix_after") = 0, py::arg("target") = nan,
             py::arg("sigma") = nan, py::arg("improvement") = "increase")
        .def(
            "push",
            [](CusumMonitor& self, double value, double size, const py::handle& day) {
                const auto ev = self.push(value, size, day_of(day));
                py::dict d = push_head(ev.index, ev.day, ev.value);
                d["upper"] = ev.upper_sum;
                d["lower"] = ev.lower_sum;
                d["upper_std"] = ev.point.upper;
                d["lower_std"] = ev.point.lower;
                d["decision_interval"] = ev.decision_interval;
                push_tail(d, ev.point.flags, ev.point_type, ev.learning, ev.alarm, ev.signals, ev.updates);
                return d;
            },
            py::arg("value"), py::arg("size") = 1.0, py::arg("day") = py::none())
        .def(
            "replay",
            [](CusumMonitor& self, const py::handle& values_obj, const py::handle& sizes_obj, const py::handle& days_obj) {
                return sized_replay(self, values_obj, sizes_obj, days_obj, {"upper", "lower", "decision_interval"},
                                    [](const CusumEvaluation& e, double& s, double& up, double& lo, double& di) {
                                        s = e.point.upper - e.point.lower;
                                        up = e.upper_sum;
                                        lo = e.lower_sum;
                                        di = e.decision_interval;
                                    });
            },
            py::arg("values"), py::arg("sizes") = py::none(), py::arg("days") = py::none())
        .def_property_readonly("learning", &CusumMonitor::learning)
        .def_property_readonly("parameters", [](const CusumMonitor& s) {
            const auto& p = s.parameters();
            py::dict d;
            d["target"] = s.learning() ? nan : p.target;
            d["sigma"] = s.learning() ? nan : p.sigma;
            d["trial_target"] = s.learning() ? s.trial_parameters().first : nan;
            d["trial_sigma"] = s.learning() ? s.trial_parameters().second : nan;
            d["k"] = s.options().cusum.k;
            d["h"] = s.options().cusum.h;
            d["upper_std"] = s.state().upper;
            d["lower_std"] = s.state().lower;
            return d;
        });
    bind_state(cusum);

    py::class_<EwmaMonitor> ewma(m, "EwmaMonitor");
    ewma.def(py::init([](double lam, double limit_sigmas, const std::string& limits, std::size_t fix_after, double target,
                         double sigma, const std::string& improvement) {
                 EwmaMonitorOptions o;
                 o.ewma.lambda = lam;
                 o.ewma.limit_sigmas = limit_sigmas;
                 if (limits == "time_varying") o.ewma.limits = spc::EwmaLimits::time_varying;
                 else if (limits == "asymptotic") o.ewma.limits = spc::EwmaLimits::asymptotic;
                 else if (limits == "exact_variance") o.ewma.limits = spc::EwmaLimits::exact_variance;
                 else fail_argument("limits", "must be 'time_varying', 'asymptotic' or 'exact_variance', got '" + limits + "'");
                 o.ewma.fix_after = fix_after;
                 o.target = target;
                 o.sigma = sigma;
                 o.improvement = parse_improvement(improvement);
                 return EwmaMonitor(o);
             }),
             py::arg("lam") = 0.2, py::arg("limit_sigmas") = 3.0, py::arg("limits") = "time_varying",
             py::arg("fix_after") = 0, py::arg("target") = nan, py::arg("sigma") = nan,
             py::arg("improvement") = "increase")
        .def(
            "push",
            [](EwmaMonitor& self, double value, double size, const py::handle& day) {
                const auto ev = self.push(value, size, day_of(day));
                py::dict d = push_head(ev.index, ev.day, ev.value);
                d["statistic"] = ev.point.statistic;
                d["centre"] = ev.centre;
                d["lower"] = ev.point.lower;
                d["upper"] = ev.point.upper;
                push_tail(d, ev.point.flags, ev.point_type, ev.learning, ev.alarm, ev.signals, ev.updates);
                return d;
            },
            py::arg("value"), py::arg("size") = 1.0, py::arg("day") = py::none())
        .def(
            "replay",
            [](EwmaMonitor& self, const py::handle& values_obj, const py::handle& sizes_obj, const py::handle& days_obj) {
                return sized_replay(self, values_obj, sizes_obj, days_obj, {"centre", "lower", "upper"},
                                    [](const EwmaEvaluation& e, double& s, double& centre, double& lo, double& up) {
                                        s = e.point.statistic;
                                        centre = e.centre;
                                        lo = e.point.lower;
                                        up = e.point.upper;
                                    });
            },
            py::arg("values"), py::arg("sizes") = py::none(), py::arg("days") = py::none())
        .def_property_readonly("learning", &EwmaMonitor::learning)
        .def_property_readonly("parameters", [](const EwmaMonitor& s) {
            const auto& p = s.parameters();
            py::dict d;
            d["target"] = s.learning() ? nan : p.target;
            d["sigma"] = s.learning() ? nan : p.sigma;
            d["trial_target"] = s.learning() ? s.trial_parameters().first : nan;
            d["trial_sigma"] = s.learning() ? s.trial_parameters().second : nan;
            d["lam"] = s.options().ewma.lambda;
            d["limit_sigmas"] = s.options().ewma.limit_sigmas;
            d["statistic"] = s.learning() ? nan : s.state().statistic;
            return d;
        });
    bind_state(ewma);

    // ---- outcome monitors ---------------------------------------------------------------------
    py::class_<BernoulliCusumMonitor> bern(m, "BernoulliCusumMonitor");
    bern.def(py::init([](double target, std::size_t baseline, double odds_ratio, double limit, const std::string& improvement) {
                 BernoulliCusumOptions o;
                 o.target = target;
                 o.baseline = baseline;
                 o.odds_ratio = odds_ratio;
                 o.limit = limit;
                 o.improvement = parse_improvement(improvement);
                 return BernoulliCusumMonitor(o);
             }),
             py::arg("target") = nan, py::arg("baseline") = 0, py::arg("odds_ratio") = 2.0, py::arg("limit") = 3.5,
             py::arg("improvement") = "decrease")
        .def(
            "push",
            [](BernoulliCusumMonitor& self, double outcome, const py::handle& day) {
                const auto ev = self.push(outcome, day_of(day));
                py::dict d = push_head(ev.index, ev.day, ev.outcome);
                d["upper"] = ev.upper;
                d["lower"] = ev.lower;
                push_tail(d, ev.flags, ev.point_type, ev.learning, ev.alarm, ev.signals, ev.updates);
                return d;
            },
            py::arg("outcome"), py::arg("day") = py::none())
        .def(
            "replay",
            [](BernoulliCusumMonitor& self, const py::handle& values_obj, const py::handle& days_obj) {
                const auto values = view<double>(values_obj, "outcome");
                const auto days = optional_view<std::int64_t>(days_obj, "date");
                const std::size_t n = replay_length(values, days, {}, "");
                ReplayColumns c(n);
                std::vector<double> up(n), lo(n);
                replay_with_baseline(
                    self, n, c, [&](std::size_t i) { return self.push(values[i], days.empty() ? no_day : days[i]); },
                    [&](std::size_t k, const OutcomeEvaluation& e) {
                        c.statistic[k] = values[k];
                        up[k] = e.upper;
                        lo[k] = e.lower;
                    });
                py::dict d;
                c.to(d, false);
                d["upper"] = to_numpy(std::move(up));
                d["lower"] = to_numpy(std::move(lo));
                return d;
            },
            py::arg("outcomes"), py::arg("days") = py::none())
        .def_property_readonly("learning", &BernoulliCusumMonitor::learning)
        .def_property_readonly("parameters", [](const BernoulliCusumMonitor& s) {
            const auto& p = s.parameters();
            py::dict d;
            d["p0"] = s.learning() ? nan : p.p0;
            d["p1"] = s.learning() ? nan : p.p1;
            d["p2"] = s.learning() ? nan : p.p2;
            d["odds_ratio"] = s.options().odds_ratio;
            d["limit"] = s.options().limit;
            return d;
        });
    bind_state(bern);

    py::class_<RiskAdjustedCusumMonitor> racusum(m, "RiskAdjustedCusumMonitor");
    racusum
        .def(py::init([](double r0, double ru, double rl, double hu, double hl, bool reset, const std::string& improvement) {
                 RiskAdjustedCusumOptions o;
                 o.odds_ratio_null = r0;
                 o.odds_ratio_upper = ru;
                 o.odds_ratio_lower = rl;
                 o.h_upper = hu;
                 o.h_lower = hl;
                 o.reset_after_signal = reset;
                 o.improvement = parse_improvement(improvement);
                 return RiskAdjustedCusumMonitor(o);
             }),
             py::arg("odds_ratio_null") = 1.0, py::arg("odds_ratio_upper") = 2.0, py::arg("odds_ratio_lower") = 0.5,
             py::arg("h_upper") = 4.5, py::arg("h_lower") = 4.0, py::arg("reset_after_signal") = true,
             py::arg("improvement") = "decrease")
        .def_property_readonly("state", [](const RiskAdjustedCusumMonitor& s) {
            py::dict d;
            d["upper"] = s.state().upper;
            d["lower"] = s.state().lower;
            return d;
        });
    bind_case_push(
        racusum,
        [](py::dict& d, const RiskAdjustedCusumPoint& pt) {
            d["weight_upper"] = pt.weight_upper;
            d["weight_lower"] = pt.weight_lower;
            d["upper"] = pt.upper;
            d["lower"] = pt.lower;
        },
        [](const RiskEvaluation& ev, double& s, double& a, double& b, double& e) {
            s = ev.outcome;
            a = ev.point.upper;
            b = ev.point.lower;
            e = ev.point.weight_upper;
        });
    bind_state(racusum);

    py::class_<VladMonitor> vladm(m, "VladMonitor");
    vladm
        .def(py::init([](double kd, double ki, double hd, double hi, double mean_risk, double rd, double ri, bool reset,
                         const std::string& improvement) {
                 VladOptions o;
                 o.k_deterioration = kd;
                 o.k_improvement = ki;
                 o.h_deterioration = hd;
                 o.h_improvement = hi;
                 o.mean_risk = mean_risk;
                 o.odds_ratio_deterioration = rd;
                 o.odds_ratio_improvement = ri;
                 o.reset_after_signal = reset;
                 o.improvement = parse_improvement(improvement);
                 return VladMonitor(o);
             }),
             py::arg("k_deterioration") = nan, py::arg("k_improvement") = nan, py::arg("h_deterioration") = nan,
             py::arg("h_improvement") = nan, py::arg("mean_risk") = nan, py::arg("odds_ratio_deterioration") = 2.0,
             py::arg("odds_ratio_improvement") = 0.5, py::arg("reset_after_signal") = true,
             py::arg("improvement") = "decrease")
        .def_property_readonly("parameters", [](const VladMonitor& s) {
            const auto& p = s.parameters();
            py::dict d;
            d["k_deterioration"] = p.k_deterioration;
            d["k_improvement"] = p.k_improvement;
            d["h_deterioration"] = p.h_deterioration;
            d["h_improvement"] = p.h_improvement;
            return d;
        });
    bind_case_push(
        vladm,
        [](py::dict& d, const VladPoint& pt) {
            d["vlad"] = pt.vlad;
            d["expected"] = pt.expected;
            d["observed"] = pt.observed;
            d["upper"] = pt.upper;
            d["lower"] = pt.lower;
        },
        [](const VladEvaluation& ev, double& s, double& a, double& b, double& e) {
            s = ev.point.vlad;
            a = ev.point.upper;
            b = ev.point.lower;
            e = ev.point.expected;
        });
    bind_state(vladm);

    m.def("monitor_state_kind", [](const py::bytes& b) { return std::string(to_string(state_kind(std::string(b)))); },
          py::arg("state"));
    m.def("monitor_json_kind", [](const std::string& s) { return std::string(to_string(json_state_kind(s))); },
          py::arg("state"));

    // ---- batch outcome charts -----------------------------------------------------------------
    m.def(
        "bernoulli_cusum",
        [](const py::handle& y, double target, std::size_t baseline, double odds_ratio, double limit) {
            BernoulliCusumOptions o;
            o.target = target;
            o.baseline = baseline;
            o.odds_ratio = odds_ratio;
            o.limit = limit;
            auto r = bernoulli_cusum(view<double>(y, "outcome"), o);
            py::dict d;
            d["p0"] = r.p0;
            d["p1"] = r.p1;
            d["p2"] = r.p2;
            d["upper_score"] = to_numpy(std::move(r.upper_score));
            d["lower_score"] = to_numpy(std::move(r.lower_score));
            d["upper"] = to_numpy(std::move(r.upper));
            d["lower"] = to_numpy(std::move(r.lower));
            d["flags"] = to_numpy(std::move(r.flags));
            return d;
        },
        py::arg("outcomes"), py::arg("target") = nan, py::arg("baseline") = 0, py::arg("odds_ratio") = 2.0,
        py::arg("limit") = 3.5);
    m.def("risk_adjusted_weight", &risk_adjusted_weight, py::arg("outcome"), py::arg("risk"), py::arg("odds_ratio"),
          py::arg("odds_ratio_null") = 1.0);
    m.def("vlad_optimal_k", &vlad_optimal_k, py::arg("mean_risk"), py::arg("odds_ratio"));

    // ---- thresholds ---------------------------------------------------------------------------
    m.def(
        "cusum_arl",
        [](double k, double h, double shift, const std::string& sides, double head_start, std::size_t states) {
            return cusum_arl(k, h, shift, parse_sides(sides), head_start, {states, true});
        },
        py::arg("k"), py::arg("h"), py::arg("shift") = 0.0, py::arg("sides") = "two_sided", py::arg("head_start") = 0.0,
        py::arg("states") = 100);
    m.def(
        "cusum_arl_siegmund",
        [](double k, double h, double shift, const std::string& sides) { return cusum_arl_siegmund(k, h, shift, parse_sides(sides)); },
        py::arg("k"), py::arg("h"), py::arg("shift") = 0.0, py::arg("sides") = "two_sided");
    m.def(
        "cusum_threshold",
        [](double arl0, double k, const std::string& sides, double head_start, std::size_t states) {
            py::gil_scoped_release release;
            return cusum_threshold(arl0, k, parse_sides(sides), head_start, {states, true});
        },
        py::arg("arl0"), py::arg("k") = 0.5, py::arg("sides") = "two_sided", py::arg("head_start") = 0.0,
        py::arg("states") = 100);
    m.def(
        "cusum_false_alarm_probability",
        [](double k, double h, std::size_t horizon, const std::string& sides, double head_start, std::size_t states) {
            py::gil_scoped_release release;
            return cusum_false_alarm_probability(k, h, horizon, parse_sides(sides), head_start, {states, true});
        },
        py::arg("k"), py::arg("h"), py::arg("horizon"), py::arg("sides") = "two_sided", py::arg("head_start") = 0.0,
        py::arg("states") = 100);
    m.def(
        "cusum_threshold_for_false_alarm",
        [](double probability, std::size_t horizon, double k, const std::string& sides, double head_start, std::size_t states) {
            py::gil_scoped_release release;
            return cusum_threshold_for_false_alarm(probability, horizon, k, parse_sides(sides), head_start, {states, true});
        },
        py::arg("probability"), py::arg("horizon"), py::arg("k") = 0.5, py::arg("sides") = "two_sided",
        py::arg("head_start") = 0.0, py::arg("states") = 100);
    m.def(
        "bernoulli_scores",
        [](double p0, double odds_ratio) {
            auto s = bernoulli_scores(p0, odds_ratio);
            return py::make_tuple(to_numpy(std::move(s.score)), to_numpy(std::move(s.probability)));
        },
        py::arg("p0"), py::arg("odds_ratio"));
    m.def(
        "risk_adjusted_scores",
        [](const py::handle& risks, double odds_ratio, double odds_ratio_null) {
            auto s = risk_adjusted_scores(view<double>(risks, "risks"), odds_ratio, odds_ratio_null);
            return py::make_tuple(to_numpy(std::move(s.score)), to_numpy(std::move(s.probability)));
        },
        py::arg("risks"), py::arg("odds_ratio"), py::arg("odds_ratio_null") = 1.0);
    m.def(
        "score_cusum_arl",
        [](const py::handle& s, const py::handle& p, double h, std::size_t states) {
            const auto d = scores_from(s, p);
            py::gil_scoped_release release;
            return score_cusum_arl(d, h, states);
        },
        py::arg("scores"), py::arg("probabilities"), py::arg("h"), py::arg("states") = 0);
    m.def(
        "score_cusum_threshold",
        [](const py::handle& s, const py::handle& p, double arl0, std::size_t states) {
            const auto d = scores_from(s, p);
            py::gil_scoped_release release;
            return score_cusum_threshold(d, arl0, states);
        },
        py::arg("scores"), py::arg("probabilities"), py::arg("arl0"), py::arg("states") = 0);
    m.def(
        "score_cusum_false_alarm_probability",
        [](const py::handle& s, const py::handle& p, double h, std::size_t horizon, std::size_t states) {
            const auto d = scores_from(s, p);
            py::gil_scoped_release release;
            return score_cusum_false_alarm_probability(d, h, horizon, states);
        },
        py::arg("scores"), py::arg("probabilities"), py::arg("h"), py::arg("horizon"), py::arg("states") = 0);
    m.def(
        "score_cusum_threshold_for_false_alarm",
        [](const py::handle& s, const py::handle& p, double probability, std::size_t horizon, std::size_t states) {
            const auto d = scores_from(s, p);
            py::gil_scoped_release release;
            return score_cusum_threshold_for_false_alarm(d, probability, horizon, states);
        },
        py::arg("scores"), py::arg("probabilities"), py::arg("probability"), py::arg("horizon"), py::arg("states") = 0);
    m.def(
        "simulate_score_cusum_arl",
        [](const py::handle& s, const py::handle& p, double h, std::size_t runs, std::uint64_t seed, std::uint64_t max_length) {
            const auto d = scores_from(s, p);
            SimulatedArl r;
            {
                py::gil_scoped_release release;
                r = simulate_score_cusum_arl(d, h, runs, seed, max_length);
            }
            py::dict out;
            out["arl"] = r.arl;
            out["standard_error"] = r.standard_error;
            out["runs"] = r.runs;
            out["censored"] = r.censored;
            return out;
        },
        py::arg("scores"), py::arg("probabilities"), py::arg("h"), py::arg("runs") = 10000, py::arg("seed") = 1,
        py::arg("max_length") = 10'000'000);

    // ---- review and control vs assurance -------------------------------------------------------
    m.def(
        "review",
        [](const py::handle& values_obj, const py::handle& den_obj, const py::handle& offsets_obj, const py::handle& goals_obj,
           const py::handle& pb_obj, const py::handle& pe_obj, const py::handle& excl_obj, const std::string& chart,
           const std::string& preset, const py::handle& rules, const std::string& improvement, std::size_t fix_after,
           unsigned threads) {
            ReviewOptions o{shewhart_options(chart, preset, rules, improvement, nan, fix_after)};
            const auto pb = period_rows(pb_obj, "period_start"), pe = period_rows(pe_obj, "period_end");
            ReviewInput in;
            in.values = view<double>(values_obj, "value");
            in.denominators = optional_view<double>(den_obj, "denominator");
            in.offsets = view_index(offsets_obj, "offsets");
            in.goals = optional_view<double>(goals_obj, "goal");
            in.period_begin = pb;
            in.period_end = pe;
            in.exclude = optional_view<std::uint8_t>(excl_obj, "exclude");
            ReviewTable t;
            {
                py::gil_scoped_release release;
                t = review_grouped(in, o, threads);
            }
            py::dict d = review_dict(t, true);
            d["rules"] = static_cast<unsigned>(o.chart.rules.rules);
            return d;
        },
        py::arg("values"), py::arg("denominators"), py::arg("offsets"), py::arg("goals"), py::arg("period_begin"),
        py::arg("period_end"), py::arg("exclude"), py::arg("chart"), py::arg("preset"), py::arg("rules"),
        py::arg("improvement"), py::arg("fix_after"), py::arg("threads") = 0);

    m.def(
        "control_vs_assurance",
        [](const py::handle& values_obj, const py::handle& den_obj, const py::handle& days_obj, const py::handle& offsets_obj,
           const py::handle& goals_obj, const py::handle& pb_obj, const py::handle& pe_obj, const py::handle& excl_obj,
           const std::string& chart, const std::string& preset, const py::handle& rules, const std::string& improvement,
           std::size_t fix_after, const std::string& assurance, double required_share, const std::string& signals,
           unsigned threads) {
            ControlAssuranceOptions o;
            o.chart = shewhart_options(chart, preset, rules, improvement, nan, fix_after);
            o.assurance = parse_assurance_criterion(assurance);
            o.required_share = required_share;
            o.control = parse_control_criterion(signals);
            const auto pb = period_rows(pb_obj, "period_start"), pe = period_rows(pe_obj, "period_end");
            ControlAssuranceInput in;
            in.values = view<double>(values_obj, "value");
            in.denominators = optional_view<double>(den_obj, "denominator");
            in.days = optional_view<std::int64_t>(days_obj, "date");
            in.offsets = view_index(offsets_obj, "offsets");
            in.goals = optional_view<double>(goals_obj, "goal");
            in.period_begin = pb;
            in.period_end = pe;
            in.exclude = optional_view<std::uint8_t>(excl_obj, "exclude");
            ControlAssuranceTable t;
            {
                py::gil_scoped_release release;
                t = control_vs_assurance(in, o, threads);
            }
            py::dict d;
            d["review"] = review_dict(t.review, true);
            d["review"]["rules"] = static_cast<unsigned>(o.chart.rules.rules);
            auto idx = [](std::vector<std::size_t>& v) {
                std::vector<std::int64_t> out(v.size());
                for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] == npos ? -1 : static_cast<std::int64_t>(v[i]);
                return to_numpy(std::move(out));
            };
            d["first_signal_row"] = idx(t.first_signal_row);
            d["first_signal_pattern_start"] = idx(t.first_signal_pattern_start);
            d["verdict_row"] = idx(t.verdict_row);
            d["n_alarms"] = to_numpy<std::size_t, std::int64_t>(std::move(t.n_alarms));
            d["n_signal_points"] = to_numpy<std::size_t, std::int64_t>(std::move(t.n_signal_points));
            d["first_signal_day"] = to_numpy(std::move(t.first_signal_day));
            d["verdict_day"] = to_numpy(std::move(t.verdict_day));
            d["first_signal_rules"] = to_numpy(std::move(t.first_signal_rules));
            d["first_signal_value"] = to_numpy(std::move(t.first_signal_value));
            d["delay_points"] = to_numpy(std::move(t.delay_points));
            d["delay_days"] = to_numpy(std::move(t.delay_days));
            d["first_signal_direction"] = to_numpy(std::move(t.first_signal_direction));
            d["assurance_problem"] = to_numpy(std::move(t.assurance_problem));
            d["control_problem"] = to_numpy(std::move(t.control_problem));
            d["agreement"] = to_numpy<Agreement, std::int8_t>(std::move(t.agreement));
            d["live_flags"] = to_numpy(std::move(t.live_flags));
            d["raised"] = to_numpy(std::move(t.raised));
            d["alarm"] = to_numpy(std::move(t.alarm));
            d["rules"] = static_cast<unsigned>(o.chart.rules.rules);
            d["no_day"] = no_day;
            return d;
        },
        py::arg("values"), py::arg("denominators"), py::arg("days"), py::arg("offsets"), py::arg("goals"),
        py::arg("period_begin"), py::arg("period_end"), py::arg("exclude"), py::arg("chart"), py::arg("preset"),
        py::arg("rules"), py::arg("improvement"), py::arg("fix_after"), py::arg("assurance") = "not_assured",
        py::arg("required_share") = 0.5, py::arg("signals") = "concern", py::arg("threads") = 0);
}

}  // namespace qm::bind
