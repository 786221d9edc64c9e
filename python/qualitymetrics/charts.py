"""``qm.spc``: SPC charts for one series or thousands, NHS Making Data Count by default."""
from __future__ import annotations

import contextlib
import re
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from . import _input as inp

IMPROVEMENTS = ("increase", "decrease", "neutral")
CHARTS = ("run", "xmr", "i", "mr", "xbar_r", "xbar_s", "p", "np", "c", "u", "p_prime", "u_prime", "g", "t",
          "cusum", "ewma")
RATIO_CHARTS = ("p", "np", "u", "p_prime", "u_prime")
SUBGROUP_CHARTS = ("xbar_r", "xbar_s")
PRESETS = ("mdc", "qicharts2", "qcc", "shewhart")
POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
VARIATION_ICONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
ASSURANCE_ICONS = (None, "consistent_pass", "consistent_fail", "hit_and_miss")
RULES = ("outside_limits", "shift", "trend", "two_of_three")


class ShortSeriesWarning(UserWarning):
    """Some phases have too few points for reliable limits (fewer than 13 by default)."""


DateLike = Any
RebaseSpec = Union[None, DateLike, Sequence[DateLike], Mapping[Any, Sequence[DateLike]]]


LINE_COLUMNS = ("centre", "lower", "upper", "lower_1sigma", "upper_1sigma", "lower_2sigma", "upper_2sigma")


@dataclass(frozen=True, repr=False, eq=False)
class SPCResult:
    """The result of :func:`qualitymetrics.spc`.

    ``frame``: one row per point (tidy); ``summary()``: one row per group; ``phases()``: one
    row per group and phase; ``plot()``; ``to_dict()``. The arrays in ``columns`` come from the
    C++ core without copying.
    """

    chart: str
    improvement: str
    preset: str
    options: Mapping[str, Any]
    value_name: str
    columns: Mapping[str, np.ndarray] = field(repr=False)
    values: np.ndarray = field(repr=False)
    dates: Optional[pd.Series] = field(repr=False)
    group_labels: Optional[pd.Index] = field(repr=False)
    group_offsets: np.ndarray = field(repr=False)
    targets: np.ndarray = field(repr=False)
    index: pd.Index = field(repr=False)
    kind: str = "xmr"  # "xmr" (MDC fast path), "shewhart" (chart catalogue), "cusum", "ewma"
    rule_names: tuple = RULES
    extra: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ shapes
    @property
    def n_groups(self) -> int:
        return len(self.group_offsets) - 1

    @cached_property
    def _phase_lengths(self) -> np.ndarray:
        if "phase_end" not in self.columns:
            return self._group_lengths
        return self.columns["phase_end"] - self.columns["phase_begin"]

    @cached_property
    def _group_lengths(self) -> np.ndarray:
        return np.diff(self.group_offsets)

    def _per_point(self, phase_column: np.ndarray) -> np.ndarray:
        return np.repeat(phase_column, self._phase_lengths)

    def _line(self, name: str) -> np.ndarray:
        """A line column per point (stored per point, or per phase and repeated: the chart catalogue
        returns one row per phase unless some phase's lines vary from point to point)."""
        col = self.columns.get(name)
        if col is None:
            return np.full(len(self.values), np.nan)
        return col if len(col) == len(self.values) and self.kind != "xmr" else self._per_point(col)

    def _group_column(self) -> Any:
        if self.group_labels is None:
            return np.full(len(self.values), None, dtype=object)
        codes = np.repeat(np.arange(self.n_groups, dtype=np.int32), self._group_lengths)
        return pd.Categorical.from_codes(codes, categories=self.group_labels)

    def _phase_in_group(self) -> np.ndarray:
        c = self.columns
        if "group_phase_offsets" not in c:
            return np.zeros(self.n_groups, dtype=np.int64)
        return np.arange(len(c["phase_begin"])) - c["group_phase_offsets"][c["phase_group"]]

    def _rule_flags(self) -> dict[str, np.ndarray]:
        flags = self.columns["flags"]
        if self.kind == "cusum":
            return {"cusum_upper": (flags & 1) != 0, "cusum_lower": (flags & 2) != 0}
        if self.kind == "ewma":
            return {"outside_limits": flags != 0}
        names = list(_core.RULE_NAMES)
        return {r: (flags & (1 << names.index(r))) != 0 for r in self.rule_names}

    # ------------------------------------------------------------------ frames
    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per point, ordered by group and date."""
        c = self.columns
        data: dict[str, Any] = {
            "group": self._group_column(),
            "date": self.dates.to_numpy() if self.dates is not None else np.arange(len(self.values)),
            "value": self.values,
        }
        data.update(self.extra)
        data["phase"] = self._per_point(self._phase_in_group())
        if self.kind == "cusum":
            data["cusum_upper"] = c["upper_sum"]
            data["cusum_lower"] = -c["lower_sum"]
            data["centre"] = np.zeros(len(self.values))
            data["lower"] = -c["decision_interval"]
            data["upper"] = c["decision_interval"]
        else:
            if self.kind == "ewma":
                data["ewma"] = c["statistic"]
            for name in LINE_COLUMNS:
                data[name] = self._line(name)
        data["target"] = np.repeat(self.targets, self._group_lengths)
        for rule, col in self._rule_flags().items():
            data[f"rule_{rule}"] = col
        data["point_type"] = pd.Categorical.from_codes(self._point_type_codes(), categories=list(POINT_TYPES))
        return pd.DataFrame(data, index=self.index, copy=False)

    def _point_type_codes(self) -> np.ndarray:
        c = self.columns
        if "point_type" in c:
            return c["point_type"]
        # CUSUM and EWMA: a signal's direction is the side it fired on (upper sum / above the
        # centre is high), oriented by the improvement direction as for every chart.
        if self.kind == "cusum":
            high = (c["flags"] & 1) != 0
            low = ((c["flags"] & 2) != 0) & ~high
        else:
            z, centre = c["statistic"], c["centre"]
            high = (c["flags"] != 0) & (z > centre)
            low = (c["flags"] != 0) & ~(z > centre)
        codes = np.zeros(len(self.values), dtype=np.int8)
        if self.improvement == "neutral":
            codes[high], codes[low] = 3, 4
        else:
            up = self.improvement == "increase"
            codes[high], codes[low] = (1, 2) if up else (2, 1)
        return codes

    def phases(self) -> pd.DataFrame:
        """One row per group and phase: the limits and what they were computed from."""
        c = self.columns
        if self.kind in ("cusum", "ewma"):
            return pd.DataFrame({
                "group": None if self.group_labels is None else self.group_labels,
                "phase": 0,
                "start": self._date_at(self.group_offsets[:-1]),
                "end": self._date_at(self.group_offsets[1:] - 1),
                "n_points": self._group_lengths,
                "n_baseline": c["n_baseline"],
                "target": c["target"],
                "sigma": c["sigma"],
            })
        g = c["phase_group"]
        out: dict[str, Any] = {
            "group": None if self.group_labels is None else self.group_labels.take(g),
            "phase": self._phase_in_group(),
            "start": self._date_at(c["phase_begin"]),
            "end": self._date_at(c["phase_end"] - 1),
            "n_points": self._phase_lengths,
        }
        if self.kind == "xmr":
            out.update({
                "n_baseline": c["phase_baseline_end"] - c["phase_begin"],
                "n_used": c["phase_n_used"],
                "n_moving_ranges": c["phase_n_moving_ranges"],
                "n_screened": c["phase_n_screened"],
                "centre": c["centre"],
                "mean_moving_range": c["mean_moving_range"],
                "sigma": c["mean_moving_range"] * (self.options["limit_multiplier"] / 3.0),
                "lower": c["lower"],
                "upper": c["upper"],
                "lower_2sigma": c["lower_2sigma"],
                "upper_2sigma": c["upper_2sigma"],
            })
        else:
            last = c["phase_end"] - 1
            out.update({
                "n_used": c["phase_n_used"],
                "n_screened": c["phase_n_screened"],
                "centre": c["phase_centre"],
                "mean": c["phase_mean"],
                "sigma": c["phase_sigma"],
                "lower": self._line("lower")[last],
                "upper": self._line("upper")[last],
                "sufficient": c["phase_sufficient"].astype(bool),
            })
            if "runs" in self.rule_names or "crossings" in self.rule_names:
                out.update({
                    "runs_n_useful": c["runs_n_useful"],
                    "runs_longest_run": c["runs_longest"],
                    "runs_longest_run_max": c["runs_longest_max"],
                    "runs_n_crossings": c["runs_crossings"],
                    "runs_n_crossings_min": c["runs_crossings_min"],
                    "runs_signal": c["runs_signal"].astype(bool),
                })
        out["short"] = c["phase_short"].astype(bool)
        return pd.DataFrame(out)

    def _date_at(self, rows: np.ndarray) -> Any:
        if self.dates is None:
            return rows
        return self.dates.to_numpy()[rows]

    def summary(self) -> pd.DataFrame:
        """One row per group: latest point, limits at the latest point, icons and signal counts."""
        c = self.columns
        last = self.group_offsets[1:] - 1
        starts = self.group_offsets[:-1]
        pt = self._point_type_codes()
        reduce = lambda x: np.add.reduceat(x.astype(np.int64), starts)  # noqa: E731
        if self.kind == "cusum":
            lower, upper, centre = -c["decision_interval"][last], c["decision_interval"][last], np.zeros(len(last))
        else:
            centre, lower, upper = self._line("centre")[last], self._line("lower")[last], self._line("upper")[last]
        out: dict[str, Any] = {
            "group": None if self.group_labels is None else self.group_labels,
            "latest_date": self._date_at(last),
            "latest_value": self.values[last],
            "n_points": self._group_lengths,
            "n_phases": np.diff(c["group_phase_offsets"]) if "group_phase_offsets" in c else 1,
            "centre": centre,
            "lower": lower,
            "upper": upper,
            "target": self.targets,
            "improvement": self.improvement,
        }
        if "variation_icon" in c:
            out["variation_icon"] = pd.Categorical.from_codes(c["variation_icon"], categories=list(VARIATION_ICONS))
            out["assurance_icon"] = np.array(ASSURANCE_ICONS, dtype=object)[c["assurance_icon"]]
        else:  # CUSUM/EWMA: variation from the latest point; no assurance (the limits are not the process's)
            icon = _variation_icons(pt[last], self.improvement)
            out["variation_icon"] = pd.Categorical(icon, categories=list(VARIATION_ICONS))
            out["assurance_icon"] = np.full(len(last), None, dtype=object)
        out["n_special_cause_improvement"] = reduce(pt == 1)
        out["n_special_cause_concern"] = reduce(pt == 2)
        out["n_special_cause_neutral"] = reduce(pt >= 3)
        for rule, col in self._rule_flags().items():
            out[f"n_{rule}"] = reduce(col)
        if "phase_short" in c:
            out["short_phases"] = np.add.reduceat(c["phase_short"].astype(np.int64), c["group_phase_offsets"][:-1])
        if self.kind == "shewhart" and ("runs" in self.rule_names or "crossings" in self.rule_names):
            lp = c["group_phase_offsets"][1:] - 1
            # the Anhøj runs analysis of the latest phase (as qicharts2 reports it)
            out["runs_n_useful"] = c["runs_n_useful"][lp]
            out["runs_longest_run"] = c["runs_longest"][lp]
            out["runs_longest_run_max"] = c["runs_longest_max"][lp]
            out["runs_n_crossings"] = c["runs_crossings"][lp]
            out["runs_n_crossings_min"] = c["runs_crossings_min"][lp]
            out["runs_signal"] = c["runs_signal"][lp].astype(bool)
        if "first_signal" in c:
            fs = c["first_signal"]
            out["first_signal_date"] = [None if r < 0 else self._date_at(np.array([r]))[0] for r in fs]
        return pd.DataFrame(out)

    # ------------------------------------------------------------------ output
    def plot(self, group: Any = None, **kwargs: Any) -> Any:
        """Draw one group's chart the Making Data Count way (matplotlib Axes)."""
        from .plotting import plot_spc

        if group is None and self.group_labels is not None and len(self.group_labels) == 1:
            group = self.group_labels[0]
        kwargs.setdefault("title", None)
        return plot_spc(self.frame, self.summary(), group=group, value_name=self.value_name, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chart": self.chart,
            "improvement": self.improvement,
            "preset": self.preset,
            "options": dict(self.options),
            "summary": self.summary().to_dict(orient="records"),
            "points": self.frame.reset_index(drop=True).to_dict(orient="list"),
        }

    def __repr__(self) -> str:
        return (f"SPCResult(chart={self.chart!r}, preset={self.preset!r}, improvement={self.improvement!r}, "
                f"groups={self.n_groups}, points={len(self.values)})")

    def _repr_html_(self) -> str:
        s = self.summary()
        cols = ["group", "latest_date", "latest_value", "centre", "lower", "upper", "target",
                "variation_icon", "assurance_icon", "n_special_cause_improvement", "n_special_cause_concern"]
        head = (f"<p><b>SPC ({self.chart}, preset {self.preset})</b>: {self.n_groups} group(s), "
                f"{len(self.values)} points, improvement {self.improvement}</p>")
        shown = s[cols].head(50)
        more = f"<p>… {len(s) - 50} more groups</p>" if len(s) > 50 else ""
        return head + shown.to_html(index=False, na_rep="") + more


def _variation_icons(codes: np.ndarray, improvement: str) -> list:
    dec = improvement == "decrease"
    table = {0: "common_cause", 1: "improvement_low" if dec else "improvement_high",
             2: "concern_high" if dec else "concern_low", 3: "neutral_high", 4: "neutral_low"}
    return [table[int(k)] for k in codes]


def _options(preset: str, fix_after: Optional[int]) -> Any:
    try:
        opts = _core.preset(preset)
    except ValueError:
        raise ValueError(f"preset: unknown preset {preset!r} (known: {', '.join(_core.preset_names())})") from None
    if fix_after is not None:
        if isinstance(fix_after, bool) or not isinstance(fix_after, (int, np.integer)):
            raise ValueError(f"fix_after: expected a whole number of points, got {fix_after!r}")
        if fix_after < opts.fix_after_minimum:
            raise ValueError(f"fix_after: must be at least {opts.fix_after_minimum} points, got {fix_after}")
        opts.fix_after = int(fix_after)
    return opts


def _rebase_rows(rebase: RebaseSpec, labels: Optional[pd.Index], offsets: np.ndarray,
                 days: Optional[np.ndarray], argument: str = "rebase") -> Optional[np.ndarray]:
    if rebase is None:
        return None
    if days is None:
        raise ValueError(f"{argument}: dates need date= to be given")
    G = len(offsets) - 1
    if isinstance(rebase, (dict, pd.Series)):
        if labels is None:
            raise ValueError(f"{argument}: a mapping of group to dates needs group= to be given")
        pos = {k: i for i, k in enumerate(labels)}
        req_g: list[int] = []
        req_d: list[np.ndarray] = []
        for key, dates in dict(rebase).items():
            if key not in pos:
                raise ValueError(f"{argument}: group {key!r} is not in the data")
            d = inp.to_days(dates, argument)
            req_g.extend([pos[key]] * len(d))
            req_d.append(d)
        groups = np.asarray(req_g, dtype=np.int64)
        req = np.concatenate(req_d) if req_d else np.empty(0, np.int64)
    else:
        d = inp.to_days(rebase, argument)
        groups = np.repeat(np.arange(G, dtype=np.int64), len(d))
        req = np.tile(d, G)
    rows, missing = _core.find_rows(offsets, days, groups, np.ascontiguousarray(req, dtype=np.int64))
    if missing is not None:
        where = "" if labels is None else f" for group {labels[int(groups[missing])]!r}"
        raise ValueError(f"{argument}: date {inp.format_day(int(req[missing]))} is not in the data{where}")
    return rows


def _exclude_rows(exclude: Any, df: pd.DataFrame, order: Optional[np.ndarray], labels: Optional[pd.Index],
                  offsets: np.ndarray, days: Optional[np.ndarray], n: int) -> Optional[np.ndarray]:
    """exclude: a boolean column name, or dates (for every group), or {group: dates}."""
    if exclude is None:
        return None
    if isinstance(exclude, str) and exclude in df.columns:
        col = df[exclude]
        if not pd.api.types.is_bool_dtype(col.dtype):
            raise ValueError(f"exclude: column {exclude!r} must be boolean (True = leave out of the limits)")
        mask = col.to_numpy(dtype=bool)
        if order is not None:
            mask = mask[order]
        return np.ascontiguousarray(mask.astype(np.uint8))
    rows = _rebase_rows(exclude, labels, offsets, days, argument="exclude")
    mask = np.zeros(n, dtype=np.uint8)
    mask[rows] = 1
    return mask


def spc(
    data: Any,
    value: Optional[str] = None,
    date: Optional[str] = None,
    group: Optional[str] = None,
    *,
    chart: str = "xmr",
    denominator: Optional[str] = None,
    subgroup: Optional[str] = None,
    improvement: str = "increase",
    target: Union[None, float, Mapping[Any, float]] = None,
    rebase: RebaseSpec = None,
    phases: RebaseSpec = None,
    fix_after: Optional[int] = None,
    baseline: Optional[int] = None,
    exclude: Any = None,
    rules: Union[None, str, Sequence[str]] = None,
    preset: str = "mdc",
    dispersion: bool = False,
    options: Optional[Mapping[str, Any]] = None,
    threads: int = 0,
) -> SPCResult:
    """Statistical process control chart(s) for one series or for every group of a long frame.

    Parameters
    ----------
    data : DataFrame, or array-like / Series of values
    value, date, group : column names. Rows are sorted by group and date (unsorted input is
        fine); a date repeated within a group is an error (except for Xbar charts, where the
        rows of one date form its subgroup). Without ``date`` the row order is the time order.
    chart : ``"xmr"`` (or ``"i"``), ``"run"``, ``"mr"``, ``"xbar_r"``, ``"xbar_s"``, ``"p"``,
        ``"np"``, ``"c"``, ``"u"``, ``"p_prime"``, ``"u_prime"``, ``"g"``, ``"t"``, ``"cusum"``,
        ``"ewma"``.
    denominator : column of denominators for p, np, u, p′, u′ (``value`` is then the numerator).
    subgroup : column identifying the subgroups of an Xbar chart (default: the date).
    improvement : ``"increase"``, ``"decrease"`` or ``"neutral"``: which direction is better.
    target : a number, or a mapping group -> number.
    rebase (alias ``phases``) : date(s) at which a new phase starts, or a mapping group -> dates.
    fix_after (alias ``baseline``) : limits of each phase from its first ``fix_after`` points.
    exclude : points shown but not used for the limits: a boolean column name, dates, or a
        mapping group -> dates.
    rules : a rule set (``"mdc"``, ``"western_electric"``, ``"western_electric_default"``,
        ``"nelson"``, ``"anhoej"``, ``"qicharts2"``, ``"shewhart"``) or a list of rule names;
        default: the preset's.
    preset : ``"mdc"`` (NHS Making Data Count), ``"qicharts2"``, ``"qcc"`` or ``"shewhart"``:
        each tool's limit arithmetic and rules.
    dispersion : Xbar charts: the companion R or S chart instead of the chart of means.
    options : chart-specific options: CUSUM ``k`` (0.5), ``h`` (5), ``fast_initial_response``,
        ``reset_after_signal``, ``sigma``; EWMA ``lam`` (0.2), ``limit_sigmas`` (3), ``limits``
        (``"time_varying"``, ``"asymptotic"``, ``"exact_variance"``), ``sigma``.
    threads : worker threads for many groups (0: all cores).
    """
    inp.choice(chart, CHARTS, "chart")
    inp.choice(improvement, IMPROVEMENTS, "improvement")
    if preset not in PRESETS:
        raise ValueError(f"preset: unknown preset {preset!r} (known: {', '.join(PRESETS)})")
    if phases is not None:
        if rebase is not None:
            raise ValueError("phases: give rebase= or phases=, not both")
        rebase = phases
    if baseline is not None:
        if fix_after is not None:
            raise ValueError("baseline: give fix_after= or baseline=, not both")
        fix_after = baseline
    chart = "xmr" if chart == "i" else chart
    fast_xmr = (chart == "xmr" and preset in ("mdc", "shewhart") and rules is None and exclude is None
                and not dispersion and options is None)
    opts = _options(preset if fast_xmr else "mdc", fix_after if fast_xmr else None)
    if not fast_xmr and fix_after is not None:
        if isinstance(fix_after, bool) or not isinstance(fix_after, (int, np.integer)) or fix_after < 1:
            raise ValueError(f"fix_after: expected a positive whole number of points, got {fix_after!r}")
    df, value = inp.as_frame(data, value)
    subgroups = chart in SUBGROUP_CHARTS
    vals = inp.numeric_values(inp.column(df, value, "value"), "value")
    index = df.index
    n = len(vals)
    den = inp.denominators(df, denominator, chart, chart in RATIO_CHARTS)

    days: Optional[np.ndarray] = None
    dt: Optional[pd.Series] = None
    key_col = subgroup if (subgroups and subgroup is not None) else date
    if key_col is not None:
        arg = "subgroup" if key_col is subgroup and subgroup is not None and subgroups else "date"
        kcol = inp.column(df, key_col, arg)
        if arg == "date" or pd.api.types.is_datetime64_any_dtype(kcol.dtype):
            days, dt = inp.date_days(kcol, arg)
        else:
            days, dt = _key_codes(kcol)
    labels: Optional[pd.Index] = None
    if group is not None:
        codes, labels = inp.group_codes(inp.column(df, group, "group"), "group")
    else:
        codes = np.zeros(n, dtype=np.int64)
    if subgroups and days is None:
        raise ValueError(f"date: the {chart} chart needs date= (or subgroup=) to form subgroups")

    order, offsets, group_codes, dup_a, dup_b = _core.layout_groups(codes, days)
    if dup_a is not None and not subgroups:
        where = "" if labels is None else f" in group {labels[int(codes[dup_a])]!r}"
        shown = inp.format_day(int(days[dup_a])) if not pd.api.types.is_integer_dtype(dt.dtype) else int(days[dup_a])
        raise ValueError(f"date: duplicate date {shown}{where} "
                         f"(rows {index[dup_a]!r} and {index[dup_b]!r})")
    if order is not None:
        vals = vals[order]
        index = index.take(order)
        if den is not None:
            den = den[order]
        if days is not None:
            days = days[order]
            dt = dt.iloc[order]
    if labels is not None:
        labels = labels.take(group_codes)
    if dt is not None:
        dt = dt.reset_index(drop=True)

    subgroup_offsets: Optional[np.ndarray] = None
    obs_index = index
    extra: dict[str, np.ndarray] = {}
    if subgroups:
        # one point per (group, date): subgroup boundaries in the ordered observations
        new_group = np.zeros(n, dtype=bool)
        new_group[offsets[:-1]] = True
        starts = np.flatnonzero(new_group | np.r_[True, days[1:] != days[:-1]])
        subgroup_offsets = np.ascontiguousarray(np.r_[starts, n].astype(np.int64))
        point_group = np.searchsorted(offsets, starts, side="right") - 1
        offsets = np.ascontiguousarray(np.r_[np.searchsorted(point_group, np.arange(len(offsets) - 1)), len(starts)]
                                       .astype(np.int64))
        obs_index = index
        index = index.take(starts)
        days = days[starts]
        dt = dt.iloc[starts].reset_index(drop=True)
        extra["n"] = np.diff(subgroup_offsets)

    targets = inp.per_group(target, labels, "target")
    rows = _rebase_rows(rebase, labels, offsets, days)
    common = dict(chart=chart, improvement=improvement, preset=preset, value_name=value, dates=dt,
                  group_labels=labels, group_offsets=offsets, targets=targets, index=index)
    names = {"values": value, "obs": value, "denominators": denominator}
    labelled = _rows_labelled(names, obs_index if subgroups else index, index)
    if fast_xmr:
        with labelled:
            cols = _core.xmr_grouped(vals, offsets, targets, rows, improvement, opts, threads)
        result = SPCResult(
            options={k: getattr(opts, k) for k in ("limit_multiplier", "screen_moving_ranges", "screen_multiplier",
                                                   "shift_length", "trend_length", "rules", "fix_after")},
            columns=cols, values=vals, kind="xmr",
            rule_names=tuple(r for r in RULES if opts.rules & _core.RULE_BITS[r]), **common)
    elif chart in ("cusum", "ewma"):
        o = dict(options or {})
        known = {"cusum": {"k", "h", "fast_initial_response", "reset_after_signal", "mean", "sigma"},
                 "ewma": {"lam", "limit_sigmas", "limits", "mean", "sigma"}}[chart]
        unknown = sorted(set(o) - known)
        if unknown:
            raise ValueError(f"options: unknown {chart} option {unknown[0]!r} (known: {', '.join(sorted(known))})")
        if rebase is not None:
            raise ValueError(f"rebase: phases are not supported for the {chart} chart; use fix_after")
        if exclude is not None:
            raise ValueError(f"exclude: exclusions are not supported for the {chart} chart; use fix_after")
        sig, mu = o.get("sigma"), o.get("mean")
        sigmas = None if sig is None else inp.per_group(sig, labels, "sigma")
        means = None if mu is None else inp.per_group(mu, labels, "mean")
        with labelled:
            cols = _core.time_weighted(chart, vals, offsets, None, means,
                                       sigmas, int(fix_after or 0), float(o.get("k", 0.5)), float(o.get("h", 5.0)),
                                       bool(o.get("fast_initial_response", False)),
                                       bool(o.get("reset_after_signal", False)), float(o.get("lam", 0.2)),
                                       float(o.get("limit_sigmas", 3.0)), str(o.get("limits", "time_varying")),
                                       threads)
        result = SPCResult(options=o, columns=cols, values=vals, kind=chart,
                           rule_names=("cusum_upper", "cusum_lower") if chart == "cusum" else ("outside_limits",),
                           **common)
    else:
        if options:
            raise ValueError(f"options: the {chart} chart has no chart-specific options")
        excl = _exclude_rows(exclude, df, order, labels, offsets, days, len(offsets) and int(offsets[-1]))
        if chart == "mr" or dispersion:
            # a chart of variation: less variation is better, whatever the measure's direction
            improvement = "decrease"
            common["improvement"] = improvement
        if isinstance(rules, (list, tuple)):
            rules = list(rules)
        with labelled:
            cols = _core.chart_grouped(vals, den, subgroup_offsets, offsets, targets, rows, excl, improvement, chart,
                                       preset, rules, int(fix_after or 0), bool(dispersion), threads)
        bits = int(cols["rules"])
        names = tuple(r for k, r in enumerate(_core.RULE_NAMES) if bits & (1 << k))
        if chart in RATIO_CHARTS:
            extra["numerator"] = vals
            extra["denominator"] = den
            common["value_name"] = f"{value} / {denominator}"
        statistic = cols["statistic"]
        result = SPCResult(options={"rules": list(names), "fix_after": int(fix_after or 0), "dispersion": dispersion},
                           columns=cols, values=statistic, kind="shewhart", rule_names=names, extra=extra, **common)
    short = result.columns.get("phase_short")
    if short is not None and short.any():
        k = int(short.sum())
        warnings.warn(
            f"{k} phase(s) have fewer than {opts.short_phase_threshold} points; their limits are trial limits "
            "that become more reliable as data are added", ShortSeriesWarning, stacklevel=2)
    suff = result.columns.get("phase_sufficient")
    if suff is not None and not suff.all():
        warnings.warn(f"{int((suff == 0).sum())} phase(s) have too few usable points for limits; their limits are "
                      "missing", ShortSeriesWarning, stacklevel=2)
    return result


_ROW_REFERENCE = re.compile(r"\b(values|obs|denominators|subgroup_(?:sizes|means|ranges|sds))\[(\d+)\]")


@contextlib.contextmanager
def _rows_labelled(names: Mapping[str, Any], index: pd.Index, point_index: Optional[pd.Index] = None):
    """The C++ kernels name a bad row by its position in group and date order (``values[3]``);
    re-raise with the column the user gave and the DataFrame's own label of that row. Positions
    of subgroup statistics (``subgroup_sizes[3]``) are points: labelled by ``point_index``, the
    label of each subgroup's first row."""
    try:
        yield
    except ValueError as exc:
        msg = str(exc)
        refs = list(_ROW_REFERENCE.finditer(msg))
        if not refs:
            raise
        key, pos = refs[0].group(1), int(refs[0].group(2))
        labels = point_index if key.startswith("subgroup_") and point_index is not None else index
        label = repr(labels[pos]) if pos < len(labels) else str(pos)

        def name(m: re.Match) -> str:
            given = names.get(m.group(1))
            return str(given) if given is not None else m.group(1)

        raise type(exc)(f"{_ROW_REFERENCE.sub(name, msg)} (row {label})") from None


def _key_codes(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """A non-date subgroup key as ordered integer codes (and the key values for output)."""
    codes, uniques = pd.factorize(s, sort=True)
    if (codes < 0).any():
        raise ValueError(f"subgroup: missing subgroup at row {s.index[int(np.flatnonzero(codes < 0)[0])]!r}")
    return np.ascontiguousarray(codes.astype(np.int64)), pd.Series(uniques.take(codes))
