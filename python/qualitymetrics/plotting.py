"""SPC charts drawn the NHS "Making Data Count" way (matplotlib).

Conventions follow ``reference/mdc-visuals.md`` section 1 (NHSRplotthedots, the MDC
Excel tools): a solid grey value line under filled circles coloured by point type
(grey common cause, blue improvement, orange concern, purple neutral), a solid black
mean, dashed grey process limits, a dashed red target; every line stops at the last
point of a phase and restarts at the first point of the next (no line bridges a
rebase); horizontal gridlines only; dates rotated 45 degrees; the legend at the bottom
without a title; the variation icon in the top-right corner inside the panel with the
assurance icon to its left.

Public API
----------
``plot_spc(frame, summary=None, *, group=None, ax=None, ...) -> Axes``
    one group's chart from ``SPCResult.frame`` (and ``.summary()``).
``plot_grid(frame, summary=None, groups=None, ncols=3, ...) -> Figure``
    small multiples, one panel per group, one shared legend.
``alt_text(frame, summary_row=None, ...) -> str``
    a short accessible description of one group's chart.

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

__all__ = ["plot_spc", "plot_grid", "alt_text", "POINT_COLOURS", "LEGEND_LABELS"]

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
) -> Axes:
    """Draw one group's SPC chart the Making Data Count way.

    Parameters
    ----------
    frame : ``SPCResult.frame`` (or the SPCResult itself).
    summary : ``SPCResult.summary()``; gives the exact variation/assurance icons. Without
        it the variation icon is read from the latest point and no assurance icon is drawn.
    group : which group to draw; required when the frame holds more than one.
    ax : draw into this Axes; by default a new 10 x 5.5 inch figure (constrained layout).
    title : chart title; default ``"SPC chart of <value name> – <group>"``.
    percentage : percent axis labels; ``None`` = automatic (all values in [0, 1] and
        target/limits within [-0.05, 1.05]).
    icons : draw the variation (corner) and assurance (to its left) icons in the top right.
    show_2sigma : also draw the 2-sigma lines (dotted grey).
    value_name : the measure's name for the title and y-axis label.
    legend : draw the legend below the axes (``plot_grid`` draws one shared legend).
    max_ticks : at most this many date labels (default from the axes width).

    Returns the Axes. See :func:`alt_text` for a text alternative of the chart.
    """
    frame, summary = _unpack(frame, summary)
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
    target = _as_float(sub, "target")
    types = _point_types(sub)
    phase_runs = _runs(sub["phase"].to_numpy())

    # ---- lines: limits, target, mean, value line (points on top), as NHSRplotthedots
    def line(values: np.ndarray, gid: str, **kw: Any) -> Optional[Line2D]:
        if not np.isfinite(values).any():
            return None
        xs, ys = _broken(x, values, phase_runs)
        (ln,) = ax.plot(xs, ys, gid=gid, **kw)
        return ln

    lim_kw = dict(color=_icons.COLOURS["limits"], linestyle="--", linewidth=_LINE_W, zorder=2)
    upper_ln = line(upper, "qm-upper", label="Process limits", **lim_kw)
    lower_ln = line(lower, "qm-lower", label="_nolegend_", **lim_kw)
    sig2_ln = None
    if show_2sigma:
        s2 = dict(color=_icons.COLOURS["limits"], linestyle=":", linewidth=1.2, zorder=2)
        sig2_ln = line(_as_float(sub, "upper_2sigma"), "qm-upper_2sigma", label="2-sigma limits", **s2)
        line(_as_float(sub, "lower_2sigma"), "qm-lower_2sigma", label="_nolegend_", **s2)
    target_ln = None
    if np.isfinite(target).any():
        # a target is not recalculated at a rebase: one line, stepping where the target changes
        (target_ln,) = ax.plot(x, target, gid="qm-target", label="Target", color=_icons.COLOURS["target"],
                               linestyle="--", linewidth=_LINE_W, drawstyle="steps-mid", zorder=2.5)
    mean_ln = line(centre, "qm-mean", label="Mean", color=_icons.COLOURS["mean"], linestyle="-",
                   linewidth=_MEAN_W, zorder=3)
    line(y, "qm-value", label="_nolegend_", color=_icons.COLOURS["value_line"], linestyle="-",
         linewidth=_LINE_W, zorder=4, solid_capstyle="round")

    # ---- points, one collection per legend entry
    point_handles: dict[str, Any] = {}
    ok = np.isfinite(y)
    for key in _POINT_ORDER:
        sel = ok & (np.char.startswith(types.astype(str), key) if key == "special_cause_neutral" else (types == key))
        if not sel.any():
            continue
        colours = [POINT_COLOURS[t] for t in types[sel]]
        label = LEGEND_LABELS["special_cause_neutral_high" if key == "special_cause_neutral" else key]
        point_handles[key] = ax.scatter(x[sel], y[sel], s=_POINT_S, c=colours, marker="o", linewidths=0,
                                        zorder=5, label=label, gid=f"qm-points-{key}")

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
    limit_arrays = [a for a in (lower, upper, target) if len(a)]
    if percentage is None:
        percentage = _auto_percentage(y, limit_arrays)
    if percentage:
        ax.yaxis.set_major_formatter(PercentAxisFormatter())
    else:
        ax.yaxis.set_major_formatter(NumberAxisFormatter())
    ax.set_ylabel(name, color=_TEXT_COLOUR, fontsize=10, family=family)

    # ---- title
    if title is None:
        title = f"SPC chart of {name}" + (f" \u2013 {group}" if group is not None else "")
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=_TEXT_COLOUR, family=family)

    # ---- icons: variation nearest the top-right corner, assurance to its left
    if icons:
        variation = None if row is None else row.get("variation_icon")
        if _is_missing(variation):
            variation = _variation_from_points(y, centre, types)
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
            _make_headroom(ax, x, [y, upper, target] + ([_as_float(sub, "upper_2sigma")] if show_2sigma else []),
                           icon_w_in=drawn * size + (drawn - 1) * gap + 2 * margin,
                           icon_h_in=size + 2 * margin, width_in=width_in, height_in=height_in)

    # ---- legend at the bottom, no title
    if legend:
        handles, labels = _legend_entries(point_handles, mean_ln, upper_ln or lower_ln, target_ln, sig2_ln)
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


def _legend_entries(point_handles: Mapping[str, Any], mean_ln: Any, limit_ln: Any, target_ln: Any,
                    sig2_ln: Any) -> tuple[list[Any], list[str]]:
    handles: list[Any] = []
    labels: list[str] = []
    for key in _POINT_ORDER:
        h = point_handles.get(key)
        if h is not None:
            handles.append(h)
            labels.append(h.get_label())
    for h in (mean_ln, limit_ln, sig2_ln, target_ln):
        if h is not None:
            handles.append(h)
            labels.append("Process limits" if h is limit_ln else h.get_label())
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
                                         "special_cause_neutral_high")] + ["Mean", "Process limits",
                                                                           "2-sigma limits", "Target"]
    labels = [lab for lab in order if lab in merged]
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
) -> str:
    """A short text alternative for one group's chart, e.g.

    "SPC chart of performance for RRK, 36 points from Apr 2016 to Mar 2019; latest 0.79;
    variation: special cause concern (low); assurance: consistently fails the target 0.95"

    `summary_row` is that group's row of ``SPCResult.summary()`` (a Series, a dict, or the
    whole summary frame); the group is taken from it when `group` is not given.
    """
    frame, _ = _unpack(frame, None)
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
    parts = [f"SPC chart of {name}" + (f" for {group}" if group is not None else "")]

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
        variation = _variation_from_points(y, centre, types)
    if variation is not None:
        clauses.append(f"variation: {_VARIATION_WORDS.get(str(variation), str(variation))}")

    tgt = _as_float(sub, "target")
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
