"""``qm.spc``: SPC charts for one series or thousands, NHS Making Data Count by default."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from . import _input as inp

IMPROVEMENTS = ("increase", "decrease", "neutral")
CHARTS = ("xmr",)
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


@dataclass(frozen=True, repr=False, eq=False)
class SPCResult:
    """The result of :func:`qualitymetrics.spc`.

    ``frame``: one row per point (tidy); ``summary()``: one row per group; ``plot()``;
    ``to_dict()``. The arrays in ``columns`` come from the C++ core without copying.
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

    # ------------------------------------------------------------------ shapes
    @property
    def n_groups(self) -> int:
        return len(self.group_offsets) - 1

    @cached_property
    def _phase_lengths(self) -> np.ndarray:
        return self.columns["phase_end"] - self.columns["phase_begin"]

    @cached_property
    def _group_lengths(self) -> np.ndarray:
        return np.diff(self.group_offsets)

    def _per_point(self, phase_column: np.ndarray) -> np.ndarray:
        return np.repeat(phase_column, self._phase_lengths)

    def _group_column(self) -> Any:
        if self.group_labels is None:
            return np.full(len(self.values), None, dtype=object)
        codes = np.repeat(np.arange(self.n_groups, dtype=np.int32), self._group_lengths)
        return pd.Categorical.from_codes(codes, categories=self.group_labels)

    # ------------------------------------------------------------------ frames
    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per point, ordered by group and date."""
        c = self.columns
        gpo = c["group_phase_offsets"]
        phase_in_group = np.arange(len(c["phase_begin"])) - gpo[c["phase_group"]]
        flags = c["flags"]
        bits = _core.RULE_BITS
        data: dict[str, Any] = {
            "group": self._group_column(),
            "date": self.dates.to_numpy() if self.dates is not None else np.arange(len(self.values)),
            "value": self.values,
            "phase": self._per_point(phase_in_group),
        }
        for name in ("centre", "lower", "upper", "lower_1sigma", "upper_1sigma", "lower_2sigma", "upper_2sigma"):
            data[name] = self._per_point(c[name])
        data["target"] = np.repeat(self.targets, self._group_lengths)
        for rule in RULES:
            data[f"rule_{rule}"] = (flags & bits[rule]) != 0
        data["point_type"] = pd.Categorical.from_codes(c["point_type"], categories=list(POINT_TYPES))
        return pd.DataFrame(data, index=self.index, copy=False)

    def phases(self) -> pd.DataFrame:
        """One row per group and phase: the limits and what they were computed from."""
        c = self.columns
        gpo = c["group_phase_offsets"]
        g = c["phase_group"]
        out = pd.DataFrame(
            {
                "group": None if self.group_labels is None else self.group_labels.take(g),
                "phase": np.arange(len(g)) - gpo[g],
                "start": self._date_at(c["phase_begin"]),
                "end": self._date_at(c["phase_end"] - 1),
                "n_points": self._phase_lengths,
                "n_baseline": c["phase_baseline_end"] - c["phase_begin"],
                "n_used": c["phase_n_used"],
                "n_moving_ranges": c["phase_n_moving_ranges"],
                "n_screened": c["phase_n_screened"],
                "centre": c["centre"],
                "mean_moving_range": c["mean_moving_range"],
                "lower": c["lower"],
                "upper": c["upper"],
                "lower_2sigma": c["lower_2sigma"],
                "upper_2sigma": c["upper_2sigma"],
                "short": c["phase_short"].astype(bool),
            }
        )
        return out

    def _date_at(self, rows: np.ndarray) -> Any:
        if self.dates is None:
            return rows
        return self.dates.to_numpy()[rows]

    def summary(self) -> pd.DataFrame:
        """One row per group: latest point, limits of the last phase, icons and signal counts."""
        c = self.columns
        last = self.group_offsets[1:] - 1
        last_phase = c["group_phase_offsets"][1:] - 1
        starts = self.group_offsets[:-1]
        pt = c["point_type"]
        flags = c["flags"]
        bits = _core.RULE_BITS
        reduce = lambda x: np.add.reduceat(x.astype(np.int64), starts)  # noqa: E731
        out: dict[str, Any] = {
            "group": None if self.group_labels is None else self.group_labels,
            "latest_date": self._date_at(last),
            "latest_value": self.values[last],
            "n_points": self._group_lengths,
            "n_phases": np.diff(c["group_phase_offsets"]),
            "centre": c["centre"][last_phase],
            "lower": c["lower"][last_phase],
            "upper": c["upper"][last_phase],
            "target": self.targets,
            "improvement": self.improvement,
            "variation_icon": pd.Categorical.from_codes(c["variation_icon"], categories=list(VARIATION_ICONS)),
            "assurance_icon": np.array(ASSURANCE_ICONS, dtype=object)[c["assurance_icon"]],
            "n_special_cause_improvement": reduce(pt == 1),
            "n_special_cause_concern": reduce(pt == 2),
            "n_special_cause_neutral": reduce(pt >= 3),
        }
        for rule in RULES:
            out[f"n_{rule}"] = reduce((flags & bits[rule]) != 0)
        out["short_phases"] = np.add.reduceat(c["phase_short"].astype(np.int64), c["group_phase_offsets"][:-1])
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
                 days: Optional[np.ndarray]) -> Optional[np.ndarray]:
    if rebase is None:
        return None
    if days is None:
        raise ValueError("rebase: rebase dates need date= to be given")
    G = len(offsets) - 1
    if isinstance(rebase, (dict, pd.Series)):
        if labels is None:
            raise ValueError("rebase: a mapping of group to dates needs group= to be given")
        pos = {k: i for i, k in enumerate(labels)}
        req_g: list[int] = []
        req_d: list[np.ndarray] = []
        for key, dates in dict(rebase).items():
            if key not in pos:
                raise ValueError(f"rebase: group {key!r} is not in the data")
            d = inp.to_days(dates, "rebase")
            req_g.extend([pos[key]] * len(d))
            req_d.append(d)
        groups = np.asarray(req_g, dtype=np.int64)
        req = np.concatenate(req_d) if req_d else np.empty(0, np.int64)
    else:
        d = inp.to_days(rebase, "rebase")
        groups = np.repeat(np.arange(G, dtype=np.int64), len(d))
        req = np.tile(d, G)
    rows, missing = _core.find_rows(offsets, days, groups, np.ascontiguousarray(req, dtype=np.int64))
    if missing is not None:
        where = "" if labels is None else f" for group {labels[int(groups[missing])]!r}"
        raise ValueError(f"rebase: date {inp.format_day(int(req[missing]))} is not in the data{where}")
    return rows


def spc(
    data: Any,
    value: Optional[str] = None,
    date: Optional[str] = None,
    group: Optional[str] = None,
    *,
    chart: str = "xmr",
    improvement: str = "increase",
    target: Union[None, float, Mapping[Any, float]] = None,
    rebase: RebaseSpec = None,
    fix_after: Optional[int] = None,
    preset: str = "mdc",
    threads: int = 0,
) -> SPCResult:
    """Statistical process control chart(s) for one series or for every group of a long frame.

    Parameters
    ----------
    data : DataFrame, or array-like / Series of values
    value, date, group : column names. Rows are sorted by group and date (unsorted input is
        fine); a date repeated within a group is an error. Without ``date`` the row order is
        the time order.
    chart : ``"xmr"`` (individuals with moving-range limits).
    improvement : ``"increase"``, ``"decrease"`` or ``"neutral"``: which direction is better.
    target : a number, or a mapping group -> number (the assurance icon compares it with the
        limits of the last phase).
    rebase : date(s) at which a new phase starts (for every group), or a mapping group -> dates.
    fix_after : fix each phase's limits from its first ``fix_after`` points (at least 12).
    preset : ``"mdc"`` (NHS Making Data Count, NHSRplotthedots) or ``"shewhart"``.
    threads : worker threads for many groups (0: all cores).
    """
    inp.choice(chart, CHARTS, "chart")
    inp.choice(improvement, IMPROVEMENTS, "improvement")
    opts = _options(preset, fix_after)
    df, value = inp.as_frame(data, value)
    vals = inp.numeric_values(inp.column(df, value, "value"), "value")
    index = df.index
    n = len(vals)

    days: Optional[np.ndarray] = None
    dt: Optional[pd.Series] = None
    if date is not None:
        days, dt = inp.date_days(inp.column(df, date, "date"), "date")
    labels: Optional[pd.Index] = None
    if group is not None:
        codes, labels = inp.group_codes(inp.column(df, group, "group"), "group")
    else:
        codes = np.zeros(n, dtype=np.int64)

    order, offsets, group_codes, dup_a, dup_b = _core.layout_groups(codes, days)
    if dup_a is not None:
        where = "" if labels is None else f" in group {labels[int(codes[dup_a])]!r}"
        raise ValueError(f"date: duplicate date {inp.format_day(int(days[dup_a]))}{where} "
                         f"(rows {index[dup_a]!r} and {index[dup_b]!r})")
    if order is not None:
        vals = vals[order]
        index = index.take(order)
        if days is not None:
            days = days[order]
            dt = dt.iloc[order]
    if labels is not None:
        labels = labels.take(group_codes)  # every label occurs, in code order
    if dt is not None:
        dt = dt.reset_index(drop=True)

    targets = inp.per_group(target, labels, "target")
    rows = _rebase_rows(rebase, labels, offsets, days)
    cols = _core.xmr_grouped(vals, offsets, targets, rows, improvement, opts, threads)

    result = SPCResult(
        chart=chart,
        improvement=improvement,
        preset=preset,
        options={k: getattr(opts, k) for k in ("limit_multiplier", "screen_moving_ranges", "screen_multiplier",
                                               "shift_length", "trend_length", "rules", "fix_after")},
        value_name=value,
        columns=cols,
        values=vals,
        dates=dt,
        group_labels=labels,
        group_offsets=offsets,
        targets=targets,
        index=index,
    )
    short = cols["phase_short"]
    if short.any():
        k = int(short.sum())
        warnings.warn(
            f"{k} phase(s) have fewer than {opts.short_phase_threshold} points; their limits are trial limits "
            "that become more reliable as data are added", ShortSeriesWarning, stacklevel=2)
    return result
