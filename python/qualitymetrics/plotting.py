"""SPC charts drawn the NHS "Making Data Count" way (matplotlib).

Conventions follow ``reference/mdc-visuals.md`` section 1 (NHSRplotthedots, the MDC
Excel tools): a solid grey value line under filled circles coloured by point type
(grey common cause, blue improvement, orange concern, purple neutral), a solid black
mean, dashed grey process limits, a dashed red target; every line stops at the last
point of a phase and restarts at the first point of the next (no line bridges a
rebase); horizontal gridlines only; dates rotated 45 degrees; the legend at the bottom
without a title; the variation icon in the top-right corner inside the panel with the
assurance icon to its left.

Other chart kinds (read from the frame's columns, see :func:`chart_kind`) keep that look
and add what the chart needs: limits that vary from point to point (p, u, np, p′, u′,
Xbar with varying subgroup sizes) are drawn as steps; run charts show the median only; a
phase whose Anhøj runs analysis signalled has its centre line dashed red (qicharts2's
convention); CUSUM charts show the upper sum above zero and the lower sum below it with
the decision interval ±H dashed; EWMA charts show the observations as faint grey points
under the EWMA statistic and its time-varying limits as curves.

Public API
----------
``plot_spc(frame, summary=None, *, group=None, ax=None, ...) -> Axes``
    one group's chart from ``SPCResult.frame`` (and ``.summary()``).
``plot_grid(frame, summary=None, groups=None, ncols=3, ...) -> Figure``
    small multiples, one panel per group, one shared legend.
``alt_text(frame, summary_row=None, ...) -> str``
    a short accessible description of one group's chart.
``chart_kind(frame) -> str``
    ``"shewhart"``, ``"run"``, ``"cusum"`` or ``"ewma"``, from the frame's columns.

Nothing here recomputes statistics: limits, point types and icons come from the frame
and summary produced by the C++ core.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, Formatter, FuncFormatter, MaxNLocator
from matplotlib.transforms import ScaledTranslation

from . import icons as _icons

__all__ = ["plot_spc", "plot_grid", "alt_text", "chart_kind", "CHART_KINDS", "POINT_COLOURS", "LEGEND_LABELS"]

#: Fill colour of each point type (the MDC #196 standard set).
POINT_COLOURS: dict[str, str] = {
    "common_cause": _icons.COLOURS["common_cause"],
    "special_cause_improvement": _icons.COLOURS["improvement"],
    "special_cause_concern": _icons.COLOURS["concern"],
    "special_cause_neutral_high": _icons.COLOURS["neutral"],
    "special_cause_neutral_low": _icons.COLOURS["neutral"],
}

#: Legend entry of each point type (the two neutral types share one entry).
LEGEND_LABELS: dict[str, str] = {
    "common_cause": "Common cause",
    "special_cause_concern": "Special cause \u2013 concern",
    "special_cause_improvement": "Special cause \u2013 improvement",
    "special_cause_neutral_high": "Special cause \u2013 neutral",
    "special_cause_neutral_low": "Special cause \u2013 neutral",
}
_POINT_ORDER = ("common_cause", "special_cause_concern", "special_cause_improvement", "special_cause_neutral")

_REQUIRED = ("group", "date", "value", "phase", "centre", "lower", "upper", "point_type")
_LINE_W = 1.8  # value line, limits, target (NHSR: line_size = point_size / 3)
_MEAN_W = 1.1
_POINT_S = 42.0  # scatter marker area (pt^2)
_GRID_COLOUR = "#B3B3B3"  # ggplot grey70
_TEXT_COLOUR = "#212B32"  # NHS black (text)

_VARIATION_WORDS = {
    "common_cause": "common cause",
    "improvement_high": "special cause improvement (high)",
    "improvement_low": "special cause improvement (low)",
    "concern_high": "special cause concern (high)",
    "concern_low": "special cause concern (low)",
    "neutral_high": "special cause neutral (high)",
    "neutral_low": "special cause neutral (low)",
}
_ASSURANCE_WORDS = {
    "consistent_pass": "consistently passes the target",
    "consistent_fail": "consistently fails the target",
    "hit_and_miss": "hit and miss against the target",
}


# ------------------------------------------------------------------ helpers
def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _unpack(frame: Any, summary: Any) -> tuple[pd.DataFrame, Any]:
    """Accept an SPCResult-like object in place of (frame, summary)."""
    if not isinstance(frame, pd.DataFrame) and hasattr(frame, "frame"):
        result = frame
        frame = result.frame
        if summary is None and callable(getattr(result, "summary", None)):
            summary = result.summary()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame (SPCResult.frame), got {type(frame).__name__}")
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"frame is missing column(s) {', '.join(missing)}; expected the columns of SPCResult.frame")
    return frame, summary


def _group_labels(frame: pd.DataFrame) -> list[Any]:
    """Distinct groups in order of appearance (None for a single-series frame)."""
    labels: list[Any] = []
    seen_missing = False
    for g in pd.unique(frame["group"].astype(object)):
        if _is_missing(g):
            if not seen_missing:
                labels.append(None)
                seen_missing = True
        else:
            labels.append(g)
    return labels


def _describe_groups(labels: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(g) for g in labels[:limit])
    more = f", … ({len(labels)} groups in all)" if len(labels) > limit else ""
    return shown + more


def _select_group(frame: pd.DataFrame, group: Any) -> tuple[pd.DataFrame, Any]:
    labels = _group_labels(frame)
    if group is None:
        if len(labels) > 1:
            raise ValueError(
                f"frame holds {len(labels)} groups; choose one with group=..., e.g. group={labels[0]!r} "
                f"(available: {_describe_groups(labels)})"
            )
        return frame, (labels[0] if labels else None)
    mask = (frame["group"].astype(object) == group).to_numpy(dtype=bool)
    if not mask.any():
        raise ValueError(f"group={group!r} is not in the frame; available groups: {_describe_groups(labels)}")
    return frame.loc[mask], group


def _summary_row(summary: Any, group: Any) -> Optional[Mapping[str, Any]]:
    """The summary row of `group` as a dict (the last row if there are several)."""
    if summary is None:
        return None
    if isinstance(summary, pd.Series):
        return summary.to_dict()
    if isinstance(summary, Mapping):
        return dict(summary)
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"summary must be a pandas DataFrame (SPCResult.summary()), got {type(summary).__name__}")
    if len(summary) == 0:
        return None
    if "group" not in summary.columns:
        rows = summary
    else:
        col = summary["group"].astype(object)
        rows = summary.loc[col.isna().to_numpy()] if group is None else summary.loc[(col == group).to_numpy(dtype=bool)]
        if len(rows) == 0 and group is None and len(summary) == 1:
            rows = summary
    if len(rows) == 0:
        return None
    return rows.iloc[-1].to_dict()


def _x_values(sub: pd.DataFrame) -> tuple[np.ndarray, bool, Optional[list[str]]]:
    """x positions, whether they are datetimes, and labels for non-date, non-numeric x."""
    s = sub["date"]
    if isinstance(s.dtype, pd.PeriodDtype):
        s = s.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return s.to_numpy(dtype="datetime64[ns]"), True, None
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float), False, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            conv = pd.to_datetime(s)
            return conv.to_numpy(dtype="datetime64[ns]"), True, None
        except (ValueError, TypeError):
            pass
    return np.arange(len(s), dtype=float), False, [str(v) for v in s]


def _spacing_days(x: np.ndarray) -> float:
    finite = x[~np.isnat(x)] if x.dtype.kind == "M" else x
    if len(finite) < 2:
        return float("nan")
    d = np.diff(np.sort(finite)).astype("timedelta64[s]").astype(float) / 86400.0
    d = d[d > 0]
    return float(np.median(d)) if len(d) else float("nan")


def _date_format(x: np.ndarray) -> str:
    step = _spacing_days(x)
    if 27 <= step <= 32:
        return "%b %y"  # monthly
    if 85 <= step <= 95:
        return "%b %y"  # quarterly
    if 360 <= step <= 370:
        return "%Y"
    return "%d/%m/%y"  # NHSRplotthedots' default for other spacings


def _period_words(x: np.ndarray) -> str:
    step = _spacing_days(x)
    return "%b %Y" if 27 <= step <= 95 else ("%Y" if 360 <= step <= 370 else "%d %b %Y")


def _runs(keys: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of equal consecutive keys."""
    n = len(keys)
    if n == 0:
        return []
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    bounds = np.concatenate([[0], change, [n]])
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def _broken(x: np.ndarray, y: np.ndarray, runs: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Join the runs into one polyline with a NaN between runs (so no segment bridges them)."""
    xs, ys = [], []
    for k, (a, b) in enumerate(runs):
        if k:
            xs.append(x[a - 1:a])
            ys.append(np.array([np.nan]))
        xs.append(x[a:b])
        ys.append(y[a:b])
    if not xs:
        return x[:0], y[:0]
    return np.concatenate(xs), np.concatenate(ys)


def _as_float(sub: pd.DataFrame, col: str) -> np.ndarray:
    if col not in sub.columns:
        return np.full(len(sub), np.nan)
    return pd.to_numeric(sub[col], errors="coerce").to_numpy(dtype=float)


def _point_types(sub: pd.DataFrame) -> np.ndarray:
    pt = sub["point_type"].astype(object).to_numpy()
    known = set(POINT_COLOURS)
    bad = sorted({str(p) for p in pt if not _is_missing(p) and p not in known})
    if bad:
        raise ValueError(f"column point_type holds unknown value(s) {', '.join(bad)}; "
                         f"expected {', '.join(POINT_COLOURS)}")
    return np.array(["common_cause" if _is_missing(p) else p for p in pt], dtype=object)


def _variation_from_points(values: np.ndarray, centre: np.ndarray, types: np.ndarray) -> Optional[str]:
    """Variation icon of the latest non-missing point, when no summary is given.

    The H/L choice compares the point with its mean; with the summary (which knows the
    improvement direction) the icon is exact.
    """
    idx = np.flatnonzero(~np.isnan(values))
    if len(idx) == 0:
        return None
    i = idx[-1]
    t = types[i]
    if t == "common_cause":
        return "common_cause"
    if t == "special_cause_neutral_high":
        return "neutral_high"
    if t == "special_cause_neutral_low":
        return "neutral_low"
    side = "high" if (np.isnan(centre[i]) or values[i] >= centre[i]) else "low"
    return ("improvement_" if t == "special_cause_improvement" else "concern_") + side


def _value_name(frame: pd.DataFrame, row: Optional[Mapping[str, Any]], value_name: Optional[str]) -> str:
    if value_name:
        return str(value_name)
    for key in ("value_name", "value"):
        v = frame.attrs.get(key)
        if isinstance(v, str) and v:
            return v
    if row:
        for key in ("value_name", "indicator", "measure", "name"):
            v = row.get(key)
            if isinstance(v, str) and v:
                return v
    return "value"


def _auto_percentage(values: np.ndarray, others: Iterable[np.ndarray]) -> bool:
    v = values[np.isfinite(values)]
    if len(v) == 0 or v.min() < 0 or v.max() > 1:
        return False
    for arr in others:
        a = arr[np.isfinite(arr)]
        # a lower limit a little below 0 is normal for a proportion near 0
        if len(a) and (a.min() < -0.05 or a.max() > 1.05):
            return False
    return True


class PercentAxisFormatter(Formatter):
    """Proportions as percentages, with just enough decimals for the tick spacing
    (0.05 steps -> "85%", 0.025 steps -> "82.5%")."""

    def __init__(self) -> None:
        self._decimals = 1

    def format_ticks(self, values: Any) -> list[str]:
        self._decimals = min(4, _decimals_for_step(np.asarray(values, dtype=float) * 100))
        return [self(v, i) for i, v in enumerate(values)]

    def __call__(self, x: float, pos: Optional[int] = None) -> str:
        return f"{x * 100 + 0.0:.{self._decimals}f}%"


class NumberAxisFormatter(Formatter):
    """Plain numbers with thousands separators ("35,000") and just enough decimals."""

    def __init__(self) -> None:
        self._decimals = 0

    def format_ticks(self, values: Any) -> list[str]:
        self._decimals = _decimals_for_step(np.asarray(values, dtype=float))
        return [self(v, i) for i, v in enumerate(values)]

    def __call__(self, x: float, pos: Optional[int] = None) -> str:
        return f"{x + 0.0:,.{self._decimals}f}"


def _decimals_for_step(locs: np.ndarray) -> int:
    locs = np.sort(locs[np.isfinite(locs)])
    step = float(np.min(np.diff(locs))) if len(locs) > 1 else 1.0
    decimals = 0
    while decimals < 6 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-6 * max(1.0, step):
        decimals += 1
    return decimals


def _font_family() -> str:
    return _icons._font_family()


def _text_extent_pt(texts: Sequence[str], fontsize: float) -> tuple[float, float]:
    """Largest (width, height) in points of `texts`, measured without a renderer."""
    prop = FontProperties(family=_font_family(), size=fontsize)
    ttp = TextToPath()
    w = h = 0.0
    for t in texts:
        if not t:
            continue
        tw, th, _ = ttp.get_text_width_height_descent(t, prop, ismath=False)
        w, h = max(w, tw), max(h, th)
    return w, h


def _axes_size_in(ax: Axes) -> tuple[float, float]:
    fig = ax.figure
    pos = ax.get_position()
    fw, fh = fig.get_size_inches()
    return max(pos.width * fw, 0.5), max(pos.height * fh, 0.5)


# ------------------------------------------------------------------ chart kinds
CHART_KINDS = ("shewhart", "run", "cusum", "ewma")
_KIND_ALIASES = {"xmr": "shewhart", "limits": "shewhart"}
_TITLE_PREFIX = {"shewhart": "SPC chart of", "run": "Run chart of", "cusum": "CUSUM of", "ewma": "EWMA of"}
_ALT_NOUN = {"shewhart": "SPC chart", "run": "Run chart", "cusum": "CUSUM chart", "ewma": "EWMA chart"}
#: Centre line of a phase whose Anhøj runs analysis signalled (qicharts2 draws it dashed red).
#: The target line is dashed red too, so the signalled centre line is dash-dotted to tell them apart.
RUNS_SIGNAL_COLOUR = "#C00000"
_RUNS_SIGNAL_DASHES = (0, (7.0, 2.0, 1.5, 2.0))
_OBSERVATION_COLOUR = "#BFBFBF"
_DECISION_LABEL = "Decision interval (\u00b1H)"


def chart_kind(frame: Any) -> str:
    """The kind of chart a frame (``SPCResult.frame``) holds, read from its columns.

    ``"cusum"`` (a ``cusum_upper`` column), ``"ewma"`` (an ``ewma`` column), ``"run"`` (a centre
    line but no limits anywhere: the run chart's median), otherwise ``"shewhart"`` (a chart with
    process limits, the MDC XmR chart included).
    """
    frame, _ = _unpack(frame, None)
    if "cusum_upper" in frame.columns:
        return "cusum"
    if "ewma" in frame.columns:
        return "ewma"
    lower, upper, centre = (_as_float(frame, c) for c in ("lower", "upper", "centre"))
    if not np.isfinite(lower).any() and not np.isfinite(upper).any() and np.isfinite(centre).any():
        return "run"
    return "shewhart"


def _resolve_kind(frame: pd.DataFrame, kind: Optional[str]) -> str:
    if kind is None:
        return chart_kind(frame)
    k = _KIND_ALIASES.get(str(kind), str(kind))
    if k not in CHART_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CHART_KINDS + ('xmr',))} or None, got {kind!r}")
    if k == "cusum" and "cusum_upper" not in frame.columns:
        raise ValueError("kind='cusum' needs the columns cusum_upper and cusum_lower (SPCResult.frame of chart='cusum')")
    if k == "ewma" and "ewma" not in frame.columns:
        raise ValueError("kind='ewma' needs the column ewma (SPCResult.frame of chart='ewma')")
    return k


def _flags(sub: pd.DataFrame, col: str) -> np.ndarray:
    """A boolean rule column as a numpy bool array (missing = False; absent column = all False)."""
    if col not in sub.columns:
        return np.zeros(len(sub), dtype=bool)
    if pd.api.types.is_bool_dtype(sub[col].dtype) and not sub[col].hasnans:
        return sub[col].to_numpy(dtype=bool)
    return np.array([False if _is_missing(v) else bool(v) for v in sub[col].to_numpy(dtype=object)], dtype=bool)


def _varies(values: np.ndarray, runs: Sequence[tuple[int, int]]) -> bool:
    """Whether a line changes from point to point within any phase (p, u, Xbar with varying n)."""
    for a, b in runs:
        v = values[a:b]
        v = v[np.isfinite(v)]
        if len(v) > 1 and float(v.max() - v.min()) > 1e-12 * max(1.0, float(np.abs(v).max())):
            return True
    return False


def _stepped(x: np.ndarray, y: np.ndarray, runs: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`_broken`, but each point's level is a horizontal step centred on the point
    (it changes half-way to the neighbours, as ``drawstyle="steps-mid"``); a phase's steps
    start at its first point and end at its last, so no step bridges a rebase."""
    xs, ys = [], []
    for k, (a, b) in enumerate(runs):
        if k:
            xs.append(x[a - 1:a])
            ys.append(np.array([np.nan]))
        xr, yr = x[a:b], y[a:b]
        if b - a == 1:
            xs.append(xr)
            ys.append(yr)
            continue
        mids = xr[:-1] + (xr[1:] - xr[:-1]) / 2
        sx = np.empty(2 * (b - a), dtype=x.dtype)
        sy = np.empty(2 * (b - a), dtype=float)
        sx[0], sx[-1] = xr[0], xr[-1]
        sx[1:-1:2] = mids
        sx[2::2] = mids
        sy[0::2] = yr
        sy[1::2] = yr
        xs.append(sx)
        ys.append(sy)
    if not xs:
        return x[:0], y[:0]
    return np.concatenate(xs), np.concatenate(ys)


def _runs_signal_mask(sub: pd.DataFrame, runs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Points of the phases whose Anhøj runs analysis signalled (rule_runs / rule_crossings:
    the core flags every point of such a phase)."""
    fired = _flags(sub, "rule_runs") | _flags(sub, "rule_crossings")
    mask = np.zeros(len(sub), dtype=bool)
    for a, b in runs:
        if fired[a:b].any():
            mask[a:b] = True
    return mask


def _centre_is_median(values: np.ndarray, centre: np.ndarray, runs: Sequence[tuple[int, int]]) -> bool:
    """Whether each phase's centre line is the median of its values (and not their mean),
    e.g. the g chart's centre in the qicharts2 convention."""
    seen = False
    for a, b in runs:
        c = centre[a:b]
        c = c[np.isfinite(c)]
        v = values[a:b]
        v = v[np.isfinite(v)]
        if len(c) == 0 or len(v) == 0:
            continue
        c0 = float(c[0])
        tol = 1e-9 * max(1.0, abs(c0))
        if float(np.ptp(c)) > tol or abs(c0 - float(np.median(v))) > tol or abs(c0 - float(np.mean(v))) <= tol:
            return False
        seen = True
    return seen


_MIRROR = {
    "special_cause_improvement": "special_cause_concern",
    "special_cause_concern": "special_cause_improvement",
    "special_cause_neutral_high": "special_cause_neutral_low",
    "special_cause_neutral_low": "special_cause_neutral_high",
}


def _cusum_side_types(sub: pd.DataFrame, row: Optional[Mapping[str, Any]], types: np.ndarray) -> tuple[str, str]:
    """Point type of a signal of the upper sum and of the lower sum."""
    improvement = None if row is None else row.get("improvement")
    if improvement == "increase":
        return "special_cause_improvement", "special_cause_concern"
    if improvement == "decrease":
        return "special_cause_concern", "special_cause_improvement"
    if improvement == "neutral":
        return "special_cause_neutral_high", "special_cause_neutral_low"
    up, lo = _flags(sub, "rule_cusum_upper"), _flags(sub, "rule_cusum_lower")
    high = next((str(t) for t in types[up & ~lo] if t != "common_cause"), None)
    low = next((str(t) for t in types[lo & ~up] if t != "common_cause"), None)
    if high is None and low is None:
        return "special_cause_neutral_high", "special_cause_neutral_low"
    return (high or _MIRROR[low]), (low or _MIRROR[high])  # type: ignore[index]


def _icon_statistic(sub: pd.DataFrame, kind: str, y: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plotted statistic (and its centre) the latest point type refers to, for the
    variation icon without a summary."""
    if kind == "ewma":
        return _as_float(sub, "ewma"), centre
    if kind == "cusum":
        upper_fired = _flags(sub, "rule_cusum_upper")
        stat = np.where(upper_fired, _as_float(sub, "cusum_upper"), _as_float(sub, "cusum_lower"))
        stat = np.where(np.isfinite(y), stat, np.nan)
        return stat, np.zeros(len(sub))
    return y, centre


# --------------------------------------------------------------------- plot
def plot_spc(
    frame: Any,
    summary: Any = None,
    *,
    group: Any = None,
    ax: Optional[Axes] = None,
    title: Optional[str] = None,
    percentage: Optional[bool] = None,
    icons: bool = True,
    show_2sigma: bool = False,
    value_name: Optional[str] = None,
    legend: bool = True,
    max_ticks: Optional[int] = None,
    kind: Optional[str] = None,
    centre_label: Optional[str] = None,
) -> Axes:
    """Draw one group's SPC chart the Making Data Count way.

    Parameters
    ----------
    frame : ``SPCResult.frame`` (or the SPCResult itself).
    summary : ``SPCResult.summary()``; gives the exact variation/assurance icons. Without
        it the variation icon is read from the latest point and no assurance icon is drawn.
    group : which group to draw; required when the frame holds more than one.
    ax : draw into this Axes; by default a new 10 x 5.5 inch figure (constrained layout).
    title : chart title; default ``"SPC chart of <value name> – <group>"`` (``"Run chart of"``,
        ``"CUSUM of"``, ``"EWMA of"`` for those charts).
    percentage : percent axis labels; ``None`` = automatic (all values in [0, 1] and
        target/limits within [-0.05, 1.05]; never for CUSUM sums).
    icons : draw the variation (corner) and assurance (to its left, only when the summary
        has one) icons in the top right.
    show_2sigma : also draw the 2-sigma lines (dotted grey).
    value_name : the measure's name for the title and y-axis label.
    legend : draw the legend below the axes (``plot_grid`` draws one shared legend).
    max_ticks : at most this many date labels (default from the axes width).
    kind : ``"shewhart"`` (alias ``"xmr"``), ``"run"``, ``"cusum"`` or ``"ewma"``; by default
        read from the frame's columns (:func:`chart_kind`).
    centre_label : legend name of the centre line; default ``"Median"`` for run charts (and
        charts whose centre is each phase's median), ``"Mean"`` otherwise, ``"Zero"`` for CUSUM.

    How each kind is drawn
    ----------------------
    * Limits that change from point to point within a phase (p, u, np, p′, u′ charts, Xbar
      with varying subgroup sizes) are steps centred on the points; every line still stops
      at the end of a phase.
    * A phase whose Anhøj runs analysis signalled (``rule_runs``/``rule_crossings``) has its
      centre line dashed red, as qicharts2 draws it ("Median – runs signal").
    * Run charts: the values and the median only.
    * CUSUM: the upper sum above zero and the lower sum below it, points coloured where that
      side signalled, the decision interval ±H dashed, and a zero line.
    * EWMA: the observations as faint grey points, the EWMA statistic as the main line with
      points coloured by point type, and the time-varying limits as curves.

    Returns the Axes. See :func:`alt_text` for a text alternative of the chart.
    """
    frame, summary = _unpack(frame, summary)
    kind = _resolve_kind(frame, kind)
    sub, group = _select_group(frame, group)
    row = _summary_row(summary, group)
    name = _value_name(frame, row, value_name)

    created = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
    fig = ax.figure
    family = _font_family()

    x, is_date, x_labels = _x_values(sub)
    y = _as_float(sub, "value")
    centre, lower, upper = (_as_float(sub, c) for c in ("centre", "lower", "upper"))
    # a target is on the scale of the values: it has no place on the axis of the CUSUM sums
    target = _as_float(sub, "target") if kind != "cusum" else np.full(len(sub), np.nan)
    types = _point_types(sub)
    phase_runs = _runs(sub["phase"].to_numpy())

    # ---- lines: limits, target, mean, value line (points on top), as NHSRplotthedots
    def line(values: np.ndarray, gid: str, steps: Optional[bool] = None, **kw: Any) -> Optional[Line2D]:
        if not np.isfinite(values).any():
            return None
        if steps is None:  # EWMA limits are smooth curves; other varying lines are steps
            steps = kind != "ewma" and _varies(values, phase_runs)
        xs, ys = (_stepped if steps else _broken)(x, values, phase_runs)
        (ln,) = ax.plot(xs, ys, gid=gid, **kw)
        return ln

    limit_label = _DECISION_LABEL if kind == "cusum" else "Process limits"
    lim_kw = dict(color=_icons.COLOURS["limits"], linestyle="--", linewidth=_LINE_W, zorder=2)
    upper_ln = line(upper, "qm-upper", label=limit_label, **lim_kw)
    lower_ln = line(lower, "qm-lower", label="_nolegend_" if upper_ln is not None else limit_label, **lim_kw)
    sig2_ln = None
    if show_2sigma and kind != "cusum":
        s2 = dict(color=_icons.COLOURS["limits"], linestyle=":", linewidth=1.2, zorder=2)
        sig2_ln = line(_as_float(sub, "upper_2sigma"), "qm-upper_2sigma", label="2-sigma limits", **s2)
        lower2 = line(_as_float(sub, "lower_2sigma"), "qm-lower_2sigma", label="_nolegend_", **s2)
        sig2_ln = sig2_ln or lower2
    target_ln = None
    if np.isfinite(target).any():
        # a target is not recalculated at a rebase: one line, stepping where the target changes
        (target_ln,) = ax.plot(x, target, gid="qm-target", label="Target", color=_icons.COLOURS["target"],
                               linestyle="--", linewidth=_LINE_W, drawstyle="steps-mid", zorder=2.5)
    mean_kw = dict(color=_icons.COLOURS["mean"], linestyle="-", linewidth=_MEAN_W, zorder=3)
    signal_ln = None
    if kind == "cusum":
        centre_label = centre_label or "Zero"
        mean_ln = line(centre, "qm-zero", label=centre_label, **mean_kw)
    else:
        if centre_label is None:
            median = kind == "run" or (kind == "shewhart" and _centre_is_median(y, centre, phase_runs))
            centre_label = "Median" if median else "Mean"
        signalled = _runs_signal_mask(sub, phase_runs)
        gid = "qm-median" if centre_label == "Median" else "qm-mean"
        mean_ln = line(np.where(signalled, np.nan, centre), gid, label=centre_label, **mean_kw)
        signal_ln = line(np.where(signalled, centre, np.nan), "qm-centre-runs-signal",
                         label=f"{centre_label} \u2013 runs signal", color=RUNS_SIGNAL_COLOUR,
                         linestyle=_RUNS_SIGNAL_DASHES, linewidth=_MEAN_W + 0.4, zorder=3)

    value_kw = dict(label="_nolegend_", color=_icons.COLOURS["value_line"], linestyle="-", linewidth=_LINE_W,
                    zorder=4, solid_capstyle="round", steps=False)
    point_handles: dict[str, Any] = {}
    extra_handles: list[Any] = []
    if kind == "cusum":
        cu, cl = _as_float(sub, "cusum_upper"), _as_float(sub, "cusum_lower")
        line(cu, "qm-cusum-upper", **value_kw)
        line(cl, "qm-cusum-lower", **value_kw)
        high_t, low_t = _cusum_side_types(sub, row, types)
        t_up = np.where(_flags(sub, "rule_cusum_upper"), high_t, "common_cause").astype(object)
        t_lo = np.where(_flags(sub, "rule_cusum_lower"), low_t, "common_cause").astype(object)
        _scatter_points(ax, np.concatenate([x, x]), np.concatenate([cu, cl]), np.concatenate([t_up, t_lo]),
                        point_handles)
        top_arrays = [cu, upper]
        stat_arrays = [cu, cl]
    elif kind == "ewma":
        z = _as_float(sub, "ewma")
        ok = np.isfinite(y)
        if ok.any():
            extra_handles.append(ax.scatter(x[ok], y[ok], s=_POINT_S * 0.5, c=_OBSERVATION_COLOUR, marker="o",
                                            linewidths=0, alpha=0.7, zorder=3.5, label="Observation",
                                            gid="qm-observations"))
        line(z, "qm-ewma", **value_kw)
        _scatter_points(ax, x, z, types, point_handles)
        top_arrays = [y, z, upper, target]
        stat_arrays = [y, z]
    else:
        line(y, "qm-value", **value_kw)
        _scatter_points(ax, x, y, types, point_handles)
        top_arrays = [y, upper, target] + ([_as_float(sub, "upper_2sigma")] if show_2sigma else [])
        stat_arrays = [y]

    # ---- axes style: horizontal gridlines only, no box
    ax.grid(axis="y", color=_GRID_COLOUR, linewidth=0.6)
    ax.grid(axis="x", visible=False)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#7F7F7F")
    ax.tick_params(axis="both", colors=_TEXT_COLOUR, labelsize=9, length=3)
    ax.tick_params(axis="y", length=0)
    try:
        ax.tick_params(labelfontfamily=family)
    except (TypeError, ValueError, AttributeError):  # matplotlib < 3.8
        pass
    ax.margins(x=0.02)

    # ---- x axis
    width_in, height_in = _axes_size_in(ax)
    if max_ticks is None:
        max_ticks = int(max(4, min(40, width_in * 3.6)))
    finite_x = ~np.isnat(x) if is_date else np.isfinite(x)
    tick_x = x[finite_x]
    step = max(1, math.ceil(len(tick_x) / max_ticks))
    tick_texts: list[str] = []
    if is_date and len(tick_x):
        fmt = _date_format(tick_x)
        ticks = tick_x[::step]
        ax.xaxis.set_major_locator(FixedLocator(mdates.date2num(ticks)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt))
        tick_texts = [pd.Timestamp(t).strftime(fmt) for t in ticks]
        _rotate_labels(ax)
        ax.set_xlabel("Date" if "date_name" not in frame.attrs else str(frame.attrs["date_name"]),
                      color=_TEXT_COLOUR, fontsize=10, family=family)
    elif x_labels is not None:
        ticks = tick_x[::step]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        shown = [x_labels[int(t)] for t in ticks]
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, pos: shown[pos] if pos is not None and pos < len(shown) else ""))
        _rotate_labels(ax)
        tick_texts = shown
        ax.set_xlabel("Point", color=_TEXT_COLOUR, fontsize=10, family=family)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=min(max_ticks, 12), integer=True))
        tick_texts = ["0000"]
        ax.set_xlabel("Point", color=_TEXT_COLOUR, fontsize=10, family=family)
    rotated = is_date or x_labels is not None

    # ---- y axis
    if percentage is None:
        if kind == "cusum":
            percentage = False  # sums of deviations, not proportions
        else:
            percentage = all(_auto_percentage(s, [lower, upper, target]) for s in stat_arrays)
    if percentage:
        ax.yaxis.set_major_formatter(PercentAxisFormatter())
    else:
        ax.yaxis.set_major_formatter(NumberAxisFormatter())
    ylabel = f"Cumulative sum ({name})" if kind == "cusum" else name
    ax.set_ylabel(ylabel, color=_TEXT_COLOUR, fontsize=10, family=family)

    # ---- title
    if title is None:
        title = f"{_TITLE_PREFIX[kind]} {name}" + (f" \u2013 {group}" if group is not None else "")
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=_TEXT_COLOUR, family=family)

    # ---- icons: variation nearest the top-right corner, assurance to its left
    if icons:
        variation = None if row is None else row.get("variation_icon")
        if _is_missing(variation):
            variation = _variation_from_points(*_icon_statistic(sub, kind, y, centre), types)
        assurance = None if row is None else row.get("assurance_icon")
        if _is_missing(assurance):
            assurance = None
        size = float(min(0.7, max(0.3, 0.12 * height_in)))
        margin, gap = 0.06, 0.05
        corner = fig.dpi_scale_trans + ScaledTranslation(1.0, 1.0, ax.transAxes)
        drawn = 0
        if variation is not None:
            _icons.draw_icon(ax, str(variation), "variation", -margin - size / 2, -margin - size / 2, size,
                             transform=corner)
            drawn += 1
        if assurance is not None:
            xc = -margin - size / 2 - drawn * (size + gap)
            _icons.draw_icon(ax, str(assurance), "assurance", xc, -margin - size / 2, size, transform=corner)
            drawn += 1
        if drawn:
            _make_headroom(ax, x, top_arrays, icon_w_in=drawn * size + (drawn - 1) * gap + 2 * margin,
                           icon_h_in=size + 2 * margin, width_in=width_in, height_in=height_in)

    # ---- legend at the bottom, no title
    if legend:
        handles, labels = _legend_entries(point_handles, [
            (mean_ln, centre_label), (signal_ln, None), (upper_ln or lower_ln, limit_label), (sig2_ln, "2-sigma limits"),
            (target_ln, None)] + [(h, None) for h in extra_handles])
        if handles:
            w_pt, h_pt = _text_extent_pt(tick_texts, 9)
            if rotated:
                tick_h = (w_pt + h_pt) * math.sqrt(0.5)
            else:
                tick_h = h_pt
            below_pt = 3 + 3.5 + tick_h + 4 + 10 * 1.3 + 6  # tick, pad, labels, labelpad, xlabel, gap
            anchor = ax.transAxes + ScaledTranslation(0, -below_pt / 72.0, fig.dpi_scale_trans)
            # a figure of our own lets the legend run wider than the axes, up to the figure's width
            room_in = float(fig.get_size_inches()[0]) - 0.3 if created else width_in
            ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=anchor,
                      ncol=_legend_columns(labels, room_in), frameon=False,
                      prop={"family": family, "size": 9}, handlelength=2.2, columnspacing=1.4)
    if created:
        fig.set_facecolor("white")
    return ax


def _scatter_points(ax: Axes, x: np.ndarray, y: np.ndarray, types: np.ndarray, handles: dict[str, Any]) -> None:
    """Filled circles coloured by point type, one collection per legend entry."""
    ok = np.isfinite(y)
    names = types.astype(str)
    for key in _POINT_ORDER:
        sel = ok & (np.char.startswith(names, key) if key == "special_cause_neutral" else (names == key))
        if not sel.any():
            continue
        colours = [POINT_COLOURS[str(t)] for t in names[sel]]
        label = LEGEND_LABELS["special_cause_neutral_high" if key == "special_cause_neutral" else key]
        handles[key] = ax.scatter(x[sel], y[sel], s=_POINT_S, c=colours, marker="o", linewidths=0,
                                  zorder=5, label=label, gid=f"qm-points-{key}")


def _legend_columns(labels: Sequence[str], width_in: float, fontsize: float = 9.0) -> int:
    """One legend row when the entries fit in `width_in`, otherwise balanced rows."""
    n = len(labels)
    if n == 0:
        return 1
    # each entry: its text, the handle (2.2 em), the handle gap (0.8 em), column spacing (1.4 em)
    widths = [_text_extent_pt([lab], fontsize)[0] + 4.4 * fontsize for lab in labels]
    rows = max(1, math.ceil(sum(widths) / 72.0 / max(width_in, 1.0)))
    while rows < n:
        ncol = math.ceil(n / rows)
        # the widest entry of each column decides the row width
        cols = [max(widths[c::ncol]) for c in range(ncol)]
        if sum(cols) / 72.0 <= width_in:
            break
        rows += 1
    return math.ceil(n / rows)


def _rotate_labels(ax: Axes) -> None:
    """Date labels at 45 degrees, right-aligned on their tick (ggplot's angle 45, hjust 1)."""
    ax.tick_params(axis="x", labelrotation=45)
    for lab in ax.get_xticklabels():
        lab.set_horizontalalignment("right")
        lab.set_rotation_mode("anchor")


def _legend_entries(point_handles: Mapping[str, Any],
                    lines: Sequence[tuple[Any, Optional[str]]]) -> tuple[list[Any], list[str]]:
    """Point types first (MDC order), then the lines in the given order (label None: the
    artist's own label)."""
    handles: list[Any] = []
    labels: list[str] = []
    for key in _POINT_ORDER:
        h = point_handles.get(key)
        if h is not None:
            handles.append(h)
            labels.append(h.get_label())
    for h, label in lines:
        if h is not None:
            handles.append(h)
            labels.append(label if label is not None else h.get_label())
    return handles, labels


def _make_headroom(ax: Axes, x: np.ndarray, arrays: Sequence[np.ndarray], *, icon_w_in: float,
                   icon_h_in: float, width_in: float, height_in: float) -> None:
    """Raise the top of the y range so that the icons do not hide the latest points."""
    ax.autoscale_view()
    bottom, top = ax.get_ylim()
    x0, x1 = ax.get_xlim()
    xn = np.asarray(ax.convert_xunits(x), dtype=float)
    f_w = min(0.9, icon_w_in / width_in)
    f_h = min(0.6, icon_h_in / height_in)
    x_cut = x1 - f_w * (x1 - x0)
    right = xn >= x_cut
    peak = -np.inf
    for a in arrays:
        sel = a[right & np.isfinite(a)] if len(a) == len(xn) else np.array([])
        if len(sel):
            peak = max(peak, float(sel.max()))
    if not np.isfinite(peak) or top <= bottom:
        return
    icon_bottom = top - f_h * (top - bottom)
    pad = 0.05 * (top - bottom)
    if peak + pad <= icon_bottom:
        return
    new_top = bottom + (peak + pad - bottom) / (1.0 - f_h)
    ax.set_ylim(bottom, max(top, new_top))


# ---------------------------------------------------------------- small multiples
def plot_grid(
    frame: Any,
    summary: Any = None,
    groups: Optional[Sequence[Any]] = None,
    ncols: int = 3,
    *,
    panel_size: tuple[float, float] = (4.2, 3.0),
    title: Optional[str] = None,
    **kwargs: Any,
) -> Figure:
    """Small multiples: one MDC chart per group (panel titles are the group names),
    with a single shared legend at the bottom of the figure. Extra keyword arguments go
    to :func:`plot_spc` (e.g. ``percentage``, ``icons``, ``value_name``)."""
    frame, summary = _unpack(frame, summary)
    available = _group_labels(frame)
    if groups is None:
        groups = available
    else:
        groups = list(groups)
        unknown = [g for g in groups if g not in available]
        if unknown:
            raise ValueError(f"groups holds {_describe_groups(unknown)} not in the frame; "
                             f"available groups: {_describe_groups(available)}")
    if not groups:
        raise ValueError("groups is empty: nothing to plot")
    if int(ncols) < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols!r}")
    ncols = min(int(ncols), len(groups))
    nrows = math.ceil(len(groups) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows + 0.6),
                             layout="constrained", squeeze=False)
    fig.set_facecolor("white")
    kwargs.setdefault("max_ticks", 12)
    merged: dict[str, Any] = {}
    for k, g in enumerate(groups):
        ax = axes[k // ncols][k % ncols]
        plot_spc(frame, summary, group=g, ax=ax, title=str(g) if g is not None else "", legend=False, **kwargs)
        ax.title.set_fontsize(11)
        ax.set_xlabel("")
        h, lab = ax.get_legend_handles_labels()
        for hh, ll in zip(h, lab):
            merged.setdefault(ll, hh)
    for k in range(len(groups), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    order = [LEGEND_LABELS[k] for k in ("common_cause", "special_cause_concern", "special_cause_improvement",
                                         "special_cause_neutral_high")]
    order += ["Mean", "Median", "Zero", "Mean \u2013 runs signal", "Median \u2013 runs signal", "Process limits",
              _DECISION_LABEL, "2-sigma limits", "Target", "Observation"]
    labels = [lab for lab in order if lab in merged] + [lab for lab in merged if lab not in order]
    legend_kw = dict(ncol=_legend_columns(labels, panel_size[0] * ncols), frameon=False, prop={"family": _font_family(), "size": 9})
    handles = [merged[lab] for lab in labels]
    try:
        fig.legend(handles, labels, loc="outside lower center", **legend_kw)
    except ValueError:  # matplotlib < 3.7 has no "outside" legend placement
        fig.legend(handles, labels, loc="lower center", **legend_kw)
    if title:
        fig.suptitle(title, fontsize=14, fontweight="bold", color=_TEXT_COLOUR, family=_font_family())
    return fig


# ------------------------------------------------------------------ alt text
def _fmt_number(v: float, percentage: bool = False) -> str:
    if not np.isfinite(v):
        return "missing"
    if percentage:
        return f"{v * 100:.1f}%"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    s = f"{v:.1f}" if a >= 10 else f"{v:.2f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def alt_text(
    frame: Any,
    summary_row: Any = None,
    *,
    group: Any = None,
    value_name: Optional[str] = None,
    percentage: bool = False,
    kind: Optional[str] = None,
) -> str:
    """A short text alternative for one group's chart, e.g.

    "SPC chart of performance for RRK, 36 points from Apr 2016 to Mar 2019; latest 0.79;
    variation: special cause concern (low); assurance: consistently fails the target 0.95"

    `summary_row` is that group's row of ``SPCResult.summary()`` (a Series, a dict, or the
    whole summary frame); the group is taken from it when `group` is not given. Run charts,
    CUSUM and EWMA charts are named as such (`kind`, by default read from the frame), and
    charts with the Anhøj rules say whether the latest phase's runs analysis signalled.
    """
    frame, _ = _unpack(frame, None)
    kind = _resolve_kind(frame, kind)
    if group is None and summary_row is not None and not isinstance(summary_row, pd.DataFrame):
        g = summary_row.get("group") if hasattr(summary_row, "get") else None
        group = None if _is_missing(g) else g
    sub, group = _select_group(frame, group)
    row = _summary_row(summary_row, group) if summary_row is not None else None
    name = _value_name(frame, row, value_name)

    x, is_date, x_labels = _x_values(sub)
    y = _as_float(sub, "value")
    centre = _as_float(sub, "centre")
    types = _point_types(sub)
    present = np.isfinite(y)
    n = int(present.sum())
    parts = [f"{_ALT_NOUN[kind]} of {name}" + (f" for {group}" if group is not None else "")]

    def where(i: int) -> str:
        if is_date:
            return pd.Timestamp(x[i]).strftime(_period_words(x))
        if x_labels is not None:
            return x_labels[i]
        return f"point {_fmt_number(float(x[i]))}"

    if n:
        idx = np.flatnonzero(present)
        head = f"{n} point{'s' if n != 1 else ''} from {where(idx[0])} to {where(idx[-1])}"
        missing = len(y) - n
        if missing:
            head += f" ({missing} missing)"
        runs = _runs(sub["phase"].to_numpy())
        if len(runs) > 1:
            head += ", rebased at " + ", ".join(where(a) for a, _ in runs[1:])
        parts[0] += ", " + head
        clauses = [f"latest {_fmt_number(float(y[idx[-1]]), percentage)}"]
    else:
        parts[0] += ", no data"
        clauses = []

    variation = None if row is None else row.get("variation_icon")
    if _is_missing(variation):
        variation = _variation_from_points(*_icon_statistic(sub, kind, y, centre), types)
    if variation is not None:
        clauses.append(f"variation: {_VARIATION_WORDS.get(str(variation), str(variation))}")
    if n and ("rule_runs" in sub.columns or "rule_crossings" in sub.columns):
        signalled = _runs_signal_mask(sub, _runs(sub["phase"].to_numpy()))
        clauses.append("runs signal in the latest phase" if signalled[-1] else "no runs signal in the latest phase")

    tgt = _as_float(sub, "target") if kind != "cusum" else np.full(len(sub), np.nan)
    if row is not None and "target" in row and not _is_missing(row.get("target")):
        target_value = float(row["target"])
    else:
        finite = tgt[np.isfinite(tgt)]
        target_value = float(finite[-1]) if len(finite) else float("nan")
    assurance = None if row is None else row.get("assurance_icon")
    if not _is_missing(assurance) and str(assurance) in _ASSURANCE_WORDS:
        words = _ASSURANCE_WORDS[str(assurance)]
        if np.isfinite(target_value):
            words += f" {_fmt_number(target_value, percentage)}"
        clauses.append(f"assurance: {words}")
    elif np.isfinite(target_value):
        clauses.append(f"target {_fmt_number(target_value, percentage)}")
    else:
        clauses.append("no target")
    return "; ".join(parts + clauses)
