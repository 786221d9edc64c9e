"""Quality assurance after operations, and its comparison with quality control during them.

``qm.retrospective_review(df, value=, date=, group=, goal=, ...)``: over a review period, was
control maintained (signals with their dates and rules, periods in control), did performance meet
the goal (share of periods meeting it, capability against it, the MDC assurance icon), and is the
process now different from its baseline.

``qm.control_vs_assurance(df, value=, date=, group=, goal=, ...)``: each indicator replayed point
by point through a live monitor (what control saw, and when) beside the review's verdict at the
period's end (what assurance concluded), the detection delay between them and their agreement
(both found a problem / only control / only assurance / neither).

The computations are the C++ core's (``qm/monitor/review.hpp``, ``qm/monitor/compare.hpp``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from . import _input as inp
from .icons import COLOURS

__all__ = ["retrospective_review", "ReviewResult", "control_vs_assurance", "ControlVsAssurance", "plot_replay"]

POINT_TYPES = ("common_cause", "special_cause_improvement", "special_cause_concern",
               "special_cause_neutral_high", "special_cause_neutral_low")
VARIATION_ICONS = ("common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low",
                   "neutral_high", "neutral_low")
ASSURANCE_ICONS = (None, "consistent_pass", "consistent_fail", "hit_and_miss")
AGREEMENTS = {-1: "not_assessed", 0: "neither", 1: "both", 2: "only_control", 3: "only_assurance"}
AGREEMENT_ORDER = ("both", "only_control", "only_assurance", "neither", "not_assessed")
CHARTS = ("xmr", "i", "mr", "run", "c", "p", "np", "u", "p_prime", "u_prime", "g", "t")
RATIO_CHARTS = ("p", "np", "u", "p_prime", "u_prime")
ASSURANCE = ("not_assured", "fails", "share_below", "control_lost")
_EPOCH = np.datetime64("1970-01-01", "D")
_NO_DAY = np.iinfo(np.int64).min


# ---------------------------------------------------------------------------------------- inputs
@dataclass
class _Prepared:
    values: np.ndarray
    denominators: Optional[np.ndarray]
    days: Optional[np.ndarray]
    dates: Optional[pd.Series]
    offsets: np.ndarray
    labels: Optional[pd.Index]
    index: pd.Index
    goals: np.ndarray
    period_begin: Optional[np.ndarray]
    period_end: Optional[np.ndarray]
    exclude: Optional[np.ndarray]


def _period_rows(spec: Any, labels: Optional[pd.Index], offsets: np.ndarray, days: Optional[np.ndarray],
                 argument: str, side: str) -> Optional[np.ndarray]:
    """A date (every group) or {group: date} as a row within each group (-1: default)."""
    if spec is None:
        return None
    if days is None:
        raise ValueError(f"{argument}: needs date= to be given")
    G = len(offsets) - 1
    out = np.full(G, -1, dtype=np.int64)
    if isinstance(spec, (dict, pd.Series)):
        if labels is None:
            raise ValueError(f"{argument}: a date per group needs group= to be given")
        pos = {k: i for i, k in enumerate(labels)}
        items = [(pos.get(k, -1), v, k) for k, v in dict(spec).items()]
    else:
        items = [(g, spec, None) for g in range(G)]
    for g, when, key in items:
        if g < 0:
            raise ValueError(f"{argument}: group {key!r} is not in the data")
        d = int(inp.to_days(when, argument)[0])
        row_days = days[offsets[g]:offsets[g + 1]]
        out[g] = int(np.searchsorted(row_days, d, side=side))
    return np.ascontiguousarray(out)


def _prepare(data: Any, value: Optional[str], date: Optional[str], group: Optional[str], goal: Any,
             chart: str, denominator: Optional[str], period_start: Any, period_end: Any, exclude: Optional[str],
             need_dates: bool) -> tuple[_Prepared, str]:
    inp.choice(chart, CHARTS, "chart")
    df, value = inp.as_frame(data, value)
    vals = inp.numeric_values(inp.column(df, value, "value"), "value")
    n = len(vals)
    den = inp.denominators(df, denominator, chart, chart in RATIO_CHARTS)
    days = dt = None
    if date is not None:
        days, dt = inp.date_days(inp.column(df, date, "date"), "date")
    elif need_dates:
        raise ValueError("date: give the date column (control and assurance are compared in time)")
    if group is not None:
        codes, labels = inp.group_codes(inp.column(df, group, "group"), "group")
    else:
        codes, labels = np.zeros(n, dtype=np.int64), None
    order, offsets, group_codes, dup_a, dup_b = _core.layout_groups(codes, days)
    index = df.index
    if dup_a is not None:
        where = "" if labels is None else f" in group {labels[int(codes[dup_a])]!r}"
        raise ValueError(f"date: duplicate date {inp.format_day(int(days[dup_a]))}{where} "
                         f"(rows {index[dup_a]!r} and {index[dup_b]!r})")
    excl = None
    if exclude is not None:
        col = inp.column(df, exclude, "exclude")
        if not pd.api.types.is_bool_dtype(col.dtype):
            raise ValueError(f"exclude: column {exclude!r} must be boolean (True = leave out of the limits)")
        excl = col.to_numpy(dtype=bool).astype(np.uint8)
    if order is not None:
        vals = vals[order]
        index = index.take(order)
        if den is not None:
            den = den[order]
        if days is not None:
            days = days[order]
            dt = dt.iloc[order]
        if excl is not None:
            excl = excl[order]
    if labels is not None:
        labels = labels.take(group_codes)
    if dt is not None:
        dt = dt.reset_index(drop=True)
    goals = inp.per_group(goal, labels, "goal")
    pb = _period_rows(period_start, labels, offsets, days, "period_start", "left")
    pe = _period_rows(period_end, labels, offsets, days, "period_end", "right")
    prep = _Prepared(np.ascontiguousarray(vals), None if den is None else np.ascontiguousarray(den),
                     None if days is None else np.ascontiguousarray(days), dt, offsets, labels, index, goals, pb, pe,
                     None if excl is None else np.ascontiguousarray(excl))
    return prep, value


def _relabel(exc: ValueError, labels: Optional[pd.Index]) -> ValueError:
    """A core error about group g (an index) told with the group's label."""
    text = str(exc)
    m = re.match(r"^(period_begin|period_end)\[(\d+)\]: (.*)$", text, re.S)
    if m:
        g = int(m.group(2))
        arg = "period_start" if m.group(1) == "period_begin" else "period_end"
        who = repr(labels[g]) if labels is not None and g < len(labels) else str(g)
        text = f"{arg}: " + re.sub(r"group \d+", f"group {who}", m.group(3))
    return ValueError(text)


def _check_baseline(baseline: Any) -> int:
    if isinstance(baseline, bool) or not isinstance(baseline, (int, np.integer)) or baseline < 1:
        raise ValueError(f"baseline: expected a positive whole number of points, got {baseline!r}")
    return int(baseline)


def _rules_arg(rules: Union[None, str, Sequence[str]]) -> Any:
    return list(rules) if isinstance(rules, (list, tuple)) else rules


# ---------------------------------------------------------------------------------------- review
@dataclass(frozen=True, repr=False, eq=False)
class ReviewResult:
    """The result of :func:`retrospective_review`.

    ``summary()``: one row per indicator (control maintained, goal met, change from baseline);
    ``signals()``: one row per signal episode; ``in_control_periods()``; ``frame``: one row per
    point (the statistic against the baseline limits, the period's own limits, flags, point type);
    ``plot()``; ``to_dict()``.
    """

    chart: str
    improvement: str
    preset: str
    baseline: int
    value_name: str
    columns: Mapping[str, Any] = field(repr=False)
    prepared: _Prepared = field(repr=False)

    @property
    def n_groups(self) -> int:
        return len(self.prepared.offsets) - 1

    def _labels(self) -> Any:
        return self.prepared.labels if self.prepared.labels is not None else [None] * self.n_groups

    def _date_at(self, rows: np.ndarray) -> Any:
        p = self.prepared
        if p.dates is None:
            return rows
        return p.dates.to_numpy()[rows]

    def _rule_names(self) -> list[str]:
        bits = int(self.columns["rules"])
        return [n for k, n in enumerate(_core.RULE_NAMES) if bits & (1 << k)]

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per point: group, date, value (the chart's statistic), in_period, the lines against
        the baseline (centre, lower, upper, 1σ/2σ), the period's own lines (period_centre, …), the
        goal, one rule_<name> column per rule and point_type (against the baseline)."""
        c, p = self.columns, self.prepared
        n = len(p.values)
        lengths = np.diff(p.offsets)
        codes = np.repeat(np.arange(self.n_groups, dtype=np.int32), lengths)
        data: dict[str, Any] = {
            "group": pd.Categorical.from_codes(codes, categories=p.labels) if p.labels is not None
            else np.full(n, None, dtype=object),
            "date": p.dates.to_numpy() if p.dates is not None else np.arange(n) - np.repeat(p.offsets[:-1], lengths),
            "value": c["statistic"],
            "in_period": c["in_period"].astype(bool),
        }
        for name in ("centre", "lower", "upper", "lower_1sigma", "upper_1sigma", "lower_2sigma", "upper_2sigma"):
            data[name] = c[name]
        for name in ("centre", "lower", "upper"):
            data[f"period_{name}"] = c[f"period_{name}"]
        data["goal"] = np.repeat(p.goals, lengths)
        flags = c["flags"].astype(np.int64)
        for k, name in enumerate(_core.RULE_NAMES):
            if name in self._rule_names():
                data[f"rule_{name}"] = (flags & (1 << k)) != 0
        data["point_type"] = pd.Categorical.from_codes(c["point_type"], categories=list(POINT_TYPES))
        return pd.DataFrame(data, index=p.index)

    def summary(self) -> pd.DataFrame:
        """One row per indicator."""
        c, p = self.columns, self.prepared
        start = p.offsets[:-1]
        pb, pe = c["period_begin"], c["period_end"]
        out: dict[str, Any] = {
            "group": self._labels(),
            "period_start": self._date_at(start + pb),
            "period_end": self._date_at(start + pe - 1),
            "n_points": c["n_points"],
            "n_missing": c["n_missing"],
            # 1. was control maintained
            "control_maintained": c["control_maintained"].astype(bool),
            "n_signals": c["n_signals"],
            "n_special_cause_concern": c["n_special_cause_concern"],
            "n_special_cause_improvement": c["n_special_cause_improvement"],
            "n_special_cause_neutral": c["n_special_cause_neutral"],
            "share_in_control": c["share_in_control"],
            "longest_in_control": c["longest_in_control"],
            # 2. did performance meet the goal
            "goal": c["goal"],
            "n_meeting_goal": c["n_meeting_goal"],
            "n_assessed": c["n_assessed"],
            "share_meeting_goal": c["share_meeting_goal"],
            "mean": c["mean"],
            "centre": c["last_centre"],
            "lower": c["last_lower"],
            "upper": c["last_upper"],
            "sd_within": c["sd_within"],
            "sd_overall": c["sd_overall"],
            "capability": c["capability"],
            "performance": c["performance"],
            "p_meet": c["p_meet"],
            "assurance_icon": np.array(ASSURANCE_ICONS, dtype=object)[c["assurance_icon"]],
            "variation_icon": pd.Categorical.from_codes(c["variation_icon"], categories=list(VARIATION_ICONS)),
            # 3. is the process now different from the baseline
            "changed": c["changed"].astype(bool),
            "change_direction": [{1: "high", -1: "low"}.get(int(d)) for d in c["change_direction"]],
            "latest_point_type": pd.Categorical.from_codes(c["latest_point_type"], categories=list(POINT_TYPES)),
            "baseline_centre": c["baseline_centre"],
            "baseline_sigma": c["baseline_sigma"],
            "shift_sigma": c["shift_sigma"],
        }
        return pd.DataFrame(out)

    def signals(self) -> pd.DataFrame:
        """One row per signal episode in the period (consecutive points flagged by one rule in one
        direction, against the baseline limits)."""
        s, p = self.columns["signals"], self.prepared
        g = s["group"]
        first = p.offsets[g] + s["first"]
        last = p.offsets[g] + s["last"]
        labels = self._labels()
        return pd.DataFrame({
            "group": [labels[int(k)] for k in g],
            "rule": [_core.RULE_NAMES[int(r).bit_length() - 1] for r in s["rule"]],
            "first_date": self._date_at(first),
            "last_date": self._date_at(last),
            "n_points": s["last"] - s["first"] + 1,
            "direction": [{1: "high", -1: "low"}.get(int(d)) for d in s["direction"]],
            "point_type": [POINT_TYPES[int(t)] for t in s["point_type"]],
        })

    def in_control_periods(self) -> pd.DataFrame:
        """Maximal stretches of the period without any rule flag."""
        iv, p = self.columns["intervals"], self.prepared
        g = iv["group"]
        labels = self._labels()
        return pd.DataFrame({
            "group": [labels[int(k)] for k in g],
            "first_date": self._date_at(p.offsets[g] + iv["first"]),
            "last_date": self._date_at(p.offsets[g] + iv["last"]),
            "n_points": iv["last"] - iv["first"] + 1,
        })

    def plot(self, group: Any = None, ax: Any = None, **kwargs: Any) -> Any:
        """The indicator's chart: values, the baseline limits (live control), the period's own limits
        (assurance), the goal, the review period shaded and the signal episodes marked."""
        return _plot_review(self, group, ax=ax, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"chart": self.chart, "improvement": self.improvement, "preset": self.preset,
                "baseline": self.baseline, "summary": self.summary().to_dict(orient="records"),
                "signals": self.signals().to_dict(orient="records"),
                "in_control_periods": self.in_control_periods().to_dict(orient="records")}

    def __repr__(self) -> str:
        return (f"ReviewResult(chart={self.chart!r}, improvement={self.improvement!r}, groups={self.n_groups}, "
                f"points={len(self.prepared.values)})")

    def _repr_html_(self) -> str:
        cols = ["group", "period_start", "period_end", "control_maintained", "n_signals", "share_meeting_goal",
                "capability", "assurance_icon", "changed"]
        return (f"<p><b>Retrospective review ({self.chart})</b>: {self.n_groups} indicator(s)</p>"
                + self.summary()[cols].head(50).to_html(index=False, na_rep=""))


def retrospective_review(
    data: Any,
    value: Optional[str] = None,
    date: Optional[str] = None,
    group: Optional[str] = None,
    *,
    goal: Union[None, float, Mapping[Any, float]] = None,
    chart: str = "xmr",
    improvement: str = "increase",
    baseline: int = 12,
    preset: str = "mdc",
    rules: Union[None, str, Sequence[str]] = None,
    denominator: Optional[str] = None,
    period_start: Any = None,
    period_end: Any = None,
    exclude: Optional[str] = None,
    threads: int = 0,
) -> ReviewResult:
    """Quality assurance over a period: was control maintained, was the goal met, has the process
    changed from its baseline.

    Parameters
    ----------
    data, value, date, group : a long frame and its columns (as :func:`qualitymetrics.spc`).
    goal : the goal (a number, or a mapping group -> number).
    chart, preset, rules, improvement, denominator, exclude : as :func:`qualitymetrics.spc`.
    baseline : the first ``baseline`` points of each series are the baseline whose frozen limits
        live control used.
    period_start, period_end : the review period (dates, or mappings group -> date); default: from
        the first point after the baseline to the last point.
    """
    inp.choice(improvement, ("increase", "decrease", "neutral"), "improvement")
    b = _check_baseline(baseline)
    chart = "xmr" if chart == "i" else chart
    if chart == "mr":  # a chart of variation: less variation is better, as qm.spc
        improvement = "decrease"
    prep, value = _prepare(data, value, date, group, goal, chart, denominator, period_start, period_end, exclude,
                           need_dates=False)
    try:
        cols = _core.review(prep.values, prep.denominators, prep.offsets, prep.goals, prep.period_begin,
                            prep.period_end, prep.exclude, chart, preset, _rules_arg(rules), improvement, b,
                            int(threads))
    except _core.InsufficientDataError:
        raise
    except ValueError as exc:
        raise _relabel(exc, prep.labels) from None
    return ReviewResult(chart=chart, improvement=improvement, preset=preset, baseline=b, value_name=value,
                        columns=cols, prepared=prep)


# ---------------------------------------------------------------------------------------- compare
@dataclass(frozen=True, repr=False, eq=False)
class ControlVsAssurance:
    """The result of :func:`control_vs_assurance`.

    ``summary()``: one row per indicator — the live-control view (first signal date, rule and
    value; number of alarms), the assurance verdict at the period's end, the detection delay and
    the agreement; ``frame``: one row per point (the value, the live limits, the alarms as raised,
    the review's flags and point types); ``agreement()``: how many indicators in each category;
    ``review``: the full :class:`ReviewResult`; ``plot()``: both views on one time axis.
    """

    chart: str
    improvement: str
    preset: str
    baseline: int
    assurance: str
    signals: str
    value_name: str
    columns: Mapping[str, Any] = field(repr=False)
    prepared: _Prepared = field(repr=False)

    @property
    def n_groups(self) -> int:
        return len(self.prepared.offsets) - 1

    @cached_property
    def review(self) -> ReviewResult:
        return ReviewResult(chart=self.chart, improvement=self.improvement, preset=self.preset, baseline=self.baseline,
                            value_name=self.value_name, columns=self.columns["review"], prepared=self.prepared)

    def _rule_text(self, bits: int) -> str:
        return ",".join(n for k, n in enumerate(_core.RULE_NAMES) if bits & (1 << k))

    def _dates_of(self, days: np.ndarray) -> list[Any]:
        as_dates = self.prepared.dates is not None and pd.api.types.is_datetime64_any_dtype(self.prepared.dates.dtype)
        out: list[Any] = []
        for d in days:
            if d == _NO_DAY:
                out.append(None)
            else:
                out.append(pd.Timestamp(_EPOCH + np.timedelta64(int(d), "D")) if as_dates else int(d))
        return out

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per point: the review's columns plus live_rules (the point's flags when it was
        pushed), raised (the relevant rules that signalled at its push) and alarm (a new one)."""
        f = self.review.frame.copy()
        c = self.columns
        f["live_rules"] = self._rule_texts(c["live_flags"])
        f["raised"] = self._rule_texts(c["raised"])
        f["alarm"] = c["alarm"].astype(bool)
        return f

    def _rule_texts(self, bits: np.ndarray) -> np.ndarray:
        """Rule names per point, one lookup per distinct combination."""
        uniq, inverse = np.unique(bits, return_inverse=True)
        names = np.array([self._rule_text(int(b)) for b in uniq], dtype=object)
        return names[inverse]

    def summary(self) -> pd.DataFrame:
        """One row per indicator."""
        c = self.columns
        r = self.review.summary()
        labels = self.review._labels()
        first_row = c["first_signal_row"]
        has = first_row >= 0
        first_value = np.where(has, c["first_signal_value"], np.nan)
        out = pd.DataFrame({
            "group": labels,
            "period_start": r["period_start"],
            "period_end": r["period_end"],
            # quality control, live
            "first_signal_date": self._dates_of(np.where(has, c["first_signal_day"], _NO_DAY)),
            "first_signal_rule": [self._rule_text(int(b)) if h else None for b, h in zip(c["first_signal_rules"], has)],
            "first_signal_value": first_value,
            "first_signal_direction": [{1: "high", -1: "low"}.get(int(d)) if h else None
                                       for d, h in zip(c["first_signal_direction"], has)],
            "pattern_start_date": [self.review._date_at(np.array([o + s]))[0] if s >= 0 else None
                                   for o, s in zip(self.prepared.offsets[:-1], c["first_signal_pattern_start"])],
            "n_alarms": c["n_alarms"],
            "n_signal_points": c["n_signal_points"],
            "control_problem": c["control_problem"].astype(bool),
            # quality assurance, at the period's end
            "verdict_date": self._dates_of(c["verdict_day"]) if self.prepared.days is not None else c["verdict_row"],
            "goal": r["goal"],
            "assurance_icon": r["assurance_icon"],
            "share_meeting_goal": r["share_meeting_goal"],
            "capability": r["capability"],
            "p_meet": r["p_meet"],
            "control_maintained": r["control_maintained"],
            "assurance_problem": pd.array([None if a < 0 else bool(a) for a in c["assurance_problem"]], dtype="boolean"),
            # the comparison
            "detection_delay_days": c["delay_days"],
            "detection_delay_points": c["delay_points"],
            "agreement": pd.Categorical([AGREEMENTS[int(a)] for a in c["agreement"]], categories=list(AGREEMENT_ORDER)),
        })
        return out

    def agreement(self) -> pd.DataFrame:
        """Indicators per agreement category, with the median detection delay."""
        s = self.summary()
        g = s.groupby("agreement", observed=False)
        return pd.DataFrame({
            "n_indicators": g.size(),
            "share": g.size() / max(len(s), 1),
            "median_delay_days": g["detection_delay_days"].median(),
        }).reset_index()

    def plot(self, group: Any = None, ax: Any = None, **kwargs: Any) -> Any:
        """Both views on one time axis. For one indicator: its chart with the live limits, the alarms
        as control raised them, the goal and the review period above; below, a timeline of control
        (each alarm, the first signal) and assurance (the verdict at the period's end) with the
        detection delay between them. For many indicators (``group=None``): one row per indicator
        with its first signal and its verdict on a shared date axis, coloured by agreement."""
        return _plot_compare(self, group, ax=ax, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"chart": self.chart, "improvement": self.improvement, "preset": self.preset,
                "baseline": self.baseline, "assurance": self.assurance, "signals": self.signals,
                "summary": self.summary().to_dict(orient="records"),
                "agreement": self.agreement().to_dict(orient="records")}

    def __repr__(self) -> str:
        counts = self.agreement().set_index("agreement")["n_indicators"]
        text = ", ".join(f"{k}={int(v)}" for k, v in counts.items() if v)
        return f"ControlVsAssurance(chart={self.chart!r}, indicators={self.n_groups}, {text})"

    def _repr_html_(self) -> str:
        cols = ["group", "first_signal_date", "first_signal_rule", "n_alarms", "assurance_icon",
                "detection_delay_days", "agreement"]
        return (f"<p><b>Control vs assurance ({self.chart})</b>: {self.n_groups} indicator(s)</p>"
                + self.agreement().to_html(index=False) + self.summary()[cols].head(50).to_html(index=False, na_rep=""))


def control_vs_assurance(
    data: Any,
    value: Optional[str] = None,
    date: Optional[str] = None,
    group: Optional[str] = None,
    *,
    goal: Union[None, float, Mapping[Any, float]] = None,
    chart: str = "xmr",
    improvement: str = "increase",
    baseline: int = 12,
    preset: str = "mdc",
    rules: Union[None, str, Sequence[str]] = None,
    denominator: Optional[str] = None,
    period_start: Any = None,
    period_end: Any = None,
    assurance: str = "not_assured",
    required_share: float = 0.5,
    signals: str = "concern",
    exclude: Optional[str] = None,
    threads: int = 0,
) -> ControlVsAssurance:
    """Quality control (live, point by point) against quality assurance (after the period).

    Each indicator is replayed point by point through a live monitor whose limits are learned from
    its first ``baseline`` points and then frozen — exactly what a monitor running in real time
    would have reported — and reviewed after the period (:func:`retrospective_review`).

    Parameters
    ----------
    data, value, date, group, goal, chart, improvement, baseline, preset, rules, denominator,
    period_start, period_end, exclude : as :func:`retrospective_review`.
    assurance : when assurance finds a problem: ``"not_assured"`` (the goal is not assured — the
        MDC assurance icon is hit-and-miss or consistent fail; default), ``"fails"`` (consistent
        fail), ``"share_below"`` (fewer than ``required_share`` of the period's points met the goal)
        or ``"control_lost"`` (the review finds a special-cause concern).
    signals : which live signals count as control finding a problem: ``"concern"`` (default: in
        the direction of deterioration; for a neutral measure any directional signal) or ``"any"``.
    """
    inp.choice(improvement, ("increase", "decrease", "neutral"), "improvement")
    inp.choice(assurance, ASSURANCE, "assurance")
    inp.choice(signals, ("concern", "any"), "signals")
    b = _check_baseline(baseline)
    chart = "xmr" if chart == "i" else chart
    if chart == "mr":
        improvement = "decrease"
    prep, value = _prepare(data, value, date, group, goal, chart, denominator, period_start, period_end, exclude,
                           need_dates=True)
    try:
        cols = _core.control_vs_assurance(prep.values, prep.denominators, prep.days, prep.offsets, prep.goals,
                                          prep.period_begin, prep.period_end, prep.exclude, chart, preset,
                                          _rules_arg(rules), improvement, b, assurance, float(required_share),
                                          signals, int(threads))
    except _core.InsufficientDataError:
        raise
    except ValueError as exc:
        raise _relabel(exc, prep.labels) from None
    return ControlVsAssurance(chart=chart, improvement=improvement, preset=preset, baseline=b, assurance=assurance,
                              signals=signals, value_name=value, columns=cols, prepared=prep)


# ---------------------------------------------------------------------------------------- plots
_GRID = "#D9D9D9"
_TEXT = "#212B32"
AGREEMENT_COLOURS = {"both": COLOURS["concern"], "only_control": "#FFB81C", "only_assurance": "#005EB8",
                     "neither": COLOURS["common_cause"], "not_assessed": "#E8EDEE"}


def _style(ax: Any) -> None:
    ax.grid(axis="y", color=_GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=_TEXT, labelsize=9)


def _group_rows(prep: _Prepared, group: Any) -> tuple[int, Any]:
    G = len(prep.offsets) - 1
    if group is None:
        if G == 1:
            return 0, None if prep.labels is None else prep.labels[0]
        raise ValueError("group: give the indicator to plot (the data have several groups)")
    if prep.labels is None:
        raise ValueError("group: the data have no groups")
    hits = np.flatnonzero(prep.labels == group)
    if not len(hits):
        raise ValueError(f"group: {group!r} is not in the data")
    return int(hits[0]), group


def _plot_series(ax: Any, f: pd.DataFrame, title: str) -> None:
    x = f["date"].to_numpy()
    ax.plot(x, f["value"], color=COLOURS["value_line"], linewidth=1.6, zorder=2)
    colours = {"common_cause": COLOURS["common_cause"], "special_cause_improvement": COLOURS["improvement"],
               "special_cause_concern": COLOURS["concern"], "special_cause_neutral_high": COLOURS["neutral"],
               "special_cause_neutral_low": COLOURS["neutral"]}
    ax.scatter(x, f["value"], c=[colours[t] for t in f["point_type"].astype(str)], s=28, zorder=3)
    ax.plot(x, f["centre"], color=COLOURS["mean"], linewidth=1.0, label="Centre (baseline, frozen)")
    ax.plot(x, f["upper"], color=COLOURS["limits"], linestyle="--", linewidth=1.2, label="Process limits (baseline)")
    ax.plot(x, f["lower"], color=COLOURS["limits"], linestyle="--", linewidth=1.2)
    if "goal" in f and f["goal"].notna().any():
        ax.plot(x, f["goal"], color=COLOURS["target"], linestyle="--", linewidth=1.4, label="Goal")
    per = f["in_period"].to_numpy()
    if per.any():
        ax.axvspan(x[per][0], x[per][-1], color="#E8EDEE", alpha=0.6, zorder=0, label="Review period")
    ax.set_title(title, loc="left", fontsize=11, color=_TEXT)
    _style(ax)


def _plot_review(res: ReviewResult, group: Any, ax: Any = None, **kwargs: Any) -> Any:
    import matplotlib.pyplot as plt

    g, label = _group_rows(res.prepared, group)
    o = res.prepared.offsets
    f = res.frame.iloc[o[g]:o[g + 1]]
    if ax is None:
        _, ax = plt.subplots(figsize=kwargs.pop("figsize", (9, 4.2)))
    _plot_series(ax, f, kwargs.pop("title", None) or f"Retrospective review: {label if label is not None else res.value_name}")
    x = f["date"].to_numpy()
    per = f["in_period"].to_numpy()
    ax.plot(x[per], f["period_upper"].to_numpy()[per], color=COLOURS["grey"], linestyle=":", linewidth=1.2,
            label="Period's own limits")
    ax.plot(x[per], f["period_lower"].to_numpy()[per], color=COLOURS["grey"], linestyle=":", linewidth=1.2)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False, fontsize=9)
    s = res.summary().iloc[g]
    icon = s["assurance_icon"] or "n/a"
    text = (f"control maintained: {'yes' if s['control_maintained'] else 'no'}; "
            f"goal met in {s['n_meeting_goal']} of {s['n_assessed']} points; assurance: {icon.replace('_', ' ')}")
    ax.set_title(ax.get_title(loc="left"), loc="left", fontsize=11, color=_TEXT, pad=16)
    ax.text(0.0, 1.01, text, transform=ax.transAxes, fontsize=8.5, color=_TEXT, va="bottom")
    return ax


def plot_replay(rep: Any, ax: Any = None, **kwargs: Any) -> Any:
    """A monitor replay: the monitored statistic with its lines or sums and the alarms as raised."""
    import matplotlib.pyplot as plt

    f = rep.frame
    if ax is None:
        _, ax = plt.subplots(figsize=kwargs.pop("figsize", (9, 3.8)))
    x = f["date"].to_numpy() if f["date"].notna().all() else f["index"].to_numpy()
    if "cusum_upper" in f:
        ax.plot(x, f["cusum_upper"], color=COLOURS["value_line"], linewidth=1.6, label="CUSUM")
        ax.plot(x, f["cusum_lower"], color=COLOURS["value_line"], linewidth=1.6)
    else:
        y = f["statistic"] if "statistic" in f else (f["ewma"] if "ewma" in f else f["vlad"])
        ax.plot(x, y, color=COLOURS["value_line"], linewidth=1.6, label="Statistic")
    for col, style in (("centre", "-"), ("upper", "--"), ("lower", "--")):
        if col in f:
            ax.plot(x, f[col], color=COLOURS["mean"] if col == "centre" else COLOURS["limits"], linestyle=style,
                    linewidth=1.0)
    alarm = f["alarm"].to_numpy()
    if alarm.any():
        ymax = ax.get_ylim()[1]
        ax.scatter(x[alarm], np.full(alarm.sum(), ymax), marker="v", color=COLOURS["concern"], s=40, label="Alarm")
    ax.set_title(kwargs.pop("title", None) or f"{rep.monitor} monitor", loc="left", fontsize=11, color=_TEXT)
    _style(ax)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False, fontsize=9)
    return ax


def _plot_compare(res: ControlVsAssurance, group: Any, ax: Any = None, **kwargs: Any) -> Any:
    import matplotlib.pyplot as plt

    if group is None and res.n_groups > 1:
        return _plot_overview(res, ax=ax, **kwargs)
    g, label = _group_rows(res.prepared, group)
    o = res.prepared.offsets
    f = res.frame.iloc[o[g]:o[g + 1]]
    s = res.summary().iloc[g]
    if ax is None:
        fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=kwargs.pop("figsize", (9, 5.6)),
                                          gridspec_kw={"height_ratios": [3.2, 1.0], "hspace": 0.08})
    else:
        top, bottom = ax if isinstance(ax, (list, tuple, np.ndarray)) else (ax, None)
    agreement = str(s["agreement"])
    name = label if label is not None else res.value_name
    title = kwargs.pop("title", None) or f"Control vs assurance: {name} \u2014 {agreement.replace('_', ' ')}"
    _plot_series(top, f, title)
    x = f["date"].to_numpy()
    alarm = f["alarm"].to_numpy()
    if alarm.any():
        top.scatter(x[alarm], f["value"].to_numpy()[alarm], marker="o", s=110, facecolors="none",
                    edgecolors=COLOURS["concern"], linewidths=1.6, zorder=4, label="Alarm raised (live)")
    if bottom is None:
        top.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False, fontsize=8.5)
        return top
    import matplotlib.transforms as mtransforms

    # the timeline: control above, assurance below, on the same axis
    bottom.set_ylim(-0.9, 1.9)
    bottom.set_yticks([1, 0], ["Control\n(live)", "Assurance\n(review)"])
    left = mtransforms.blended_transform_factory(bottom.transAxes, bottom.transData)
    if alarm.any():
        bottom.scatter(x[alarm], np.ones(alarm.sum()), marker="v", color=COLOURS["concern"], s=50, zorder=3)
    verdict_x = s["verdict_date"]
    problem = s["assurance_problem"]
    colour = COLOURS["common_cause"] if pd.isna(problem) else (COLOURS["concern"] if problem else COLOURS["improvement"])
    bottom.scatter([verdict_x], [0], marker="D", s=70, color=colour, zorder=3)
    if pd.notna(s["first_signal_date"]):
        fx = s["first_signal_date"]
        bottom.annotate("", xy=(verdict_x, 0.5), xytext=(fx, 0.5),
                        arrowprops={"arrowstyle": "<->", "color": _TEXT, "linewidth": 1.0})
        delay = s["detection_delay_days"]
        control = (f"first signal {pd.Timestamp(fx):%Y-%m-%d} ({s['first_signal_rule']}), "
                   f"{int(s['n_alarms'])} alarm(s)")
        if not pd.isna(delay):
            control += f"; {int(delay)} days before the verdict"
    else:
        control = "no signal of concern in the period"
    verdict = s["assurance_icon"] or "not assessed"
    outcome = "not assessed" if pd.isna(problem) else ("problem" if problem else "no problem")
    bottom.text(0.005, 1.35, control, transform=left, fontsize=8.5, color=_TEXT, va="bottom")
    bottom.text(0.005, -0.45, f"verdict at the period's end: {verdict.replace('_', ' ')} ({outcome})",
                transform=left, fontsize=8.5, color=_TEXT, va="top")
    handles, labels = top.get_legend_handles_labels()
    bottom.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.42), ncol=3, frameon=False,
                  fontsize=8.5)
    _style(bottom)
    bottom.grid(False)
    return top, bottom


def _plot_overview(res: ControlVsAssurance, ax: Any = None, max_rows: int = 40, **kwargs: Any) -> Any:
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    s = res.summary()
    order = s.sort_values(["agreement", "first_signal_date"], na_position="last").head(max_rows)
    if ax is None:
        _, ax = plt.subplots(figsize=kwargs.pop("figsize", (9, 0.28 * len(order) + 1.6)))
    y = np.arange(len(order))[::-1]
    for yi, (_, row) in zip(y, order.iterrows()):
        colour = AGREEMENT_COLOURS[str(row["agreement"])]
        v = row["verdict_date"]
        ax.plot([row["period_start"], row["period_end"]], [yi, yi], color="#E8EDEE", linewidth=6, solid_capstyle="butt")
        if pd.notna(row["first_signal_date"]):
            ax.plot([row["first_signal_date"], v], [yi, yi], color=colour, linewidth=1.4)
            ax.scatter([row["first_signal_date"]], [yi], marker="v", color=colour, s=36, zorder=3)
        ax.scatter([v], [yi], marker="D", color=colour, s=30, zorder=3)
    ax.set_yticks(y, [str(g) for g in order["group"]], fontsize=8)
    ax.set_title(kwargs.pop("title", None) or "Control (first live signal) and assurance (verdict) per indicator",
                 loc="left", fontsize=11, color=_TEXT)
    handles = [Line2D([], [], color=AGREEMENT_COLOURS[k], marker="D", linestyle="", label=k.replace("_", " "))
               for k in AGREEMENT_ORDER if (s["agreement"] == k).any()]
    handles += [Line2D([], [], color=_TEXT, marker="v", linestyle="", label="first live signal"),
                Line2D([], [], color=_TEXT, marker="D", linestyle="", label="assurance verdict")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=4, frameon=False, fontsize=8.5)
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color=_GRID, linewidth=0.6)
    return ax
