"""``qm.funnel``: funnel plots comparing units (trusts, practices, areas) with a benchmark.

Every number comes from the C++ core (``qm/assurance/funnel.hpp``); this module only shapes
data: it reads the columns, sums numerators and denominators per group, applies the options and
turns the core's columns into frames and plots.

>>> res = qm.funnel(df, numerator="breaches", denominator="attendances", group="trust",
...                 method="proportion", improvement="decrease")
>>> res.frame          # one row per unit: value, limits at its denominator, z, band, outlier
>>> res.summary()      # the fit: target, phi, tau2, dispersion status, counts per band
>>> res.limits()       # the limit curves as a function of the denominator (for plotting)
>>> res.plot()
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from . import _input as inp

METHODS = ("proportion", "ratio", "ratio_of_counts", "rate")
IMPROVEMENTS = ("increase", "decrease", "neutral")
LEVELS = (0.95, 0.998)
BANDS = tuple(_core.FUNNEL_BANDS)  # low_998, low_95, within, high_95, high_998, missing, not_applicable
POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
#: PHEindicatormethods' labels for the bands (assign_funnel_significance).
PHE_SIGNIFICANCE = {
    "high_998": "High (0.001)",
    "high_95": "High (0.025)",
    "within": "Not significant",
    "low_95": "Low (0.025)",
    "low_998": "Low (0.001)",
    "not_applicable": "Not applicable for events less than 10 for dsrs",
    "missing": None,
}
_DEFAULT_X = {"proportion": "Denominator", "ratio": "Expected", "ratio_of_counts": "Denominator", "rate": "Denominator"}


@dataclass(frozen=True, repr=False, eq=False)
class FunnelResult:
    """The result of :func:`qualitymetrics.funnel`.

    ``frame``: one row per unit; ``summary()``: the fit (one row); ``limits()``: the limit curves
    against the denominator; ``plot()``; ``to_dict()``. ``model`` is the core's fitted funnel
    (target, ``phi``, ``tau2``, status) and computes limits at any denominator.
    """

    method: str
    preset: str
    options: Mapping[str, Any]
    model: Any = field(repr=False)
    columns: Mapping[str, np.ndarray] = field(repr=False)
    numerator: np.ndarray = field(repr=False)
    denominator: np.ndarray = field(repr=False)
    labels: pd.Index = field(repr=False)
    numerator_name: str = "numerator"
    denominator_name: str = "denominator"

    # ------------------------------------------------------------------ the fit
    @property
    def n_units(self) -> int:
        return len(self.numerator)

    @property
    def multiplier(self) -> float:
        return float(self.options["multiplier"])

    @property
    def target(self) -> float:
        """The benchmark the units are compared with, × multiplier."""
        return float(self.model.target) * self.multiplier

    @property
    def phi(self) -> float:
        return float(self.model.phi)

    @property
    def tau2(self) -> float:
        return float(self.model.tau2)

    @property
    def adjusted(self) -> bool:
        """Whether the limits in use are adjusted for over-dispersion."""
        return bool(self.model.adjusted)

    @property
    def dispersion_status(self) -> str:
        return str(self.model.status)

    # ------------------------------------------------------------------ frames
    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per unit, in group order (or row order without ``group=``)."""
        c = self.columns
        level = float(self.options["level"])
        inner = level == 0.95
        band_codes = c["band"].astype(np.int64) + 2
        band = pd.Categorical.from_codes(band_codes, categories=list(BANDS))
        data: dict[str, Any] = {
            "group": self.labels,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": c["value"],
            "centre": np.full(self.n_units, self.target),
            "z": c["z"],
            "z_adjusted": c["z_adjusted"],
            "trimmed": c["trimmed"].astype(bool),
            "lower": c["lower_95"] if inner else c["lower_998"],
            "upper": c["upper_95"] if inner else c["upper_998"],
        }
        for name in ("lower_95", "upper_95", "lower_998", "upper_998", "lower_95_unadjusted", "upper_95_unadjusted",
                     "lower_998_unadjusted", "upper_998_unadjusted"):
            data[name] = c[name]
        data["band"] = band
        data["outlier"] = c["outlier"].astype(bool)
        data["point_type"] = pd.Categorical.from_codes(c["point_type"].astype(np.int64), categories=list(POINT_TYPES))
        if self.preset == "phe":
            data["significance"] = np.array([PHE_SIGNIFICANCE[b] for b in band.astype(str)], dtype=object)
        if self.preset == "shmi":
            high = np.isin(band_codes, (3, 4))
            low = np.isin(band_codes, (0, 1))
            shmi = np.where(high, 1, np.where(low, 3, 2)).astype(float)
            shmi[band_codes == BANDS.index("missing")] = np.nan
            data["shmi_band"] = shmi
        return pd.DataFrame(data)

    def summary(self) -> pd.DataFrame:
        """One row: the target, the over-dispersion fit and how many units fall in each band."""
        band = self.frame["band"].astype(str).to_numpy()
        out: dict[str, Any] = {
            "method": self.method,
            "preset": self.preset,
            "n_units": self.n_units,
            "target": self.target,
            "scale": self.options["scale"],
            "limits": self.options["limits"],
            "overdispersion": self.options["overdispersion"],
            "trim": self.options["trim"],
            "phi": self.phi,
            "tau2": self.tau2,
            "n_used": int(self.model.n_used),
            "dispersion_p": float(self.model.dispersion_p),
            "dispersion_status": self.dispersion_status,
            "adjusted": self.adjusted,
            "level": float(self.options["level"]),
            "n_outliers": int(self.frame["outlier"].sum()),
        }
        for b in ("high_998", "high_95", "within", "low_95", "low_998", "missing", "not_applicable"):
            out[f"n_{b}"] = int((band == b).sum())
        return pd.DataFrame([out])

    def limits(self, denominators: Optional[Sequence[float]] = None, n: int = 200) -> pd.DataFrame:
        """The 95% and 99.8% limits as a function of the denominator (the funnel's curves).

        ``denominators``: where to evaluate them (default: ``n`` points from half the smallest
        to 1.1 × the largest denominator, denser where the funnel bends). Columns: denominator,
        centre, lower_95, upper_95, lower_998, upper_998 (adjusted when the fit is) and the
        unadjusted limits.
        """
        if denominators is None:
            finite = self.denominator[np.isfinite(self.denominator)]
            lo = float(finite.min()) / 2.0
            hi = float(finite.max()) * 1.1
            integers = self.method == "proportion"
            if integers:
                lo = max(1.0, math.floor(lo))
            x = _core.funnel_grid(lo, hi, int(n), integers)
        else:
            try:
                x = np.ascontiguousarray(np.asarray(denominators, dtype=np.float64).ravel())
            except (TypeError, ValueError):
                raise ValueError(f"denominators: expected numbers, got {denominators!r}") from None
        cols = self.model.curve(x)
        out = {"denominator": cols["denominator"], "centre": np.full(len(x), self.target)}
        for name in ("lower_95", "upper_95", "lower_998", "upper_998", "lower_95_unadjusted", "upper_95_unadjusted",
                     "lower_998_unadjusted", "upper_998_unadjusted"):
            out[name] = cols[name]
        return pd.DataFrame(out)

    def phe_table(self, ratio_type: str = "isr", years_of_data: float = 1.0) -> pd.DataFrame:
        """PHEindicatormethods ``calculate_funnel_limits``: its 100-row table on its own axis.

        Proportions: Population and the limits (× multiplier, capped at 100 as PHE does);
        ratios: Observed_events, the expected events on each limit and the limits (``ratio_type``
        "isr": × 100, "count": ratio − 1); rates: Events, the one-year population on each limit
        (``years_of_data``) and the limits. Units without a denominator are left out.
        """
        if self.method not in ("proportion", "ratio", "rate"):
            raise ValueError(f"method: the PHE table covers proportions, ratios and rates, not {self.method!r}")
        inp.choice(ratio_type, ("isr", "count"), "ratio_type")
        ok = np.isfinite(self.denominator) | (self.method == "rate")
        t = _core.phe_funnel_limits(self.method, np.ascontiguousarray(self.numerator[ok]),
                                    np.ascontiguousarray(self.denominator[ok]), self.multiplier, ratio_type,
                                    float(years_of_data))
        if self.method == "proportion":
            out = {"Population": t["axis"], "lower_2s_limit": t["lower_95"], "upper_2s_limit": t["upper_95"],
                   "lower_3s_limit": t["lower_998"], "upper_3s_limit": t["upper_998"],
                   "baseline": np.full(len(t["axis"]), t["baseline"])}
        elif self.method == "ratio":
            out = {"Observed_events": t["axis"]}
            for k, side in (("lower_95", "lower_2s"), ("upper_95", "upper_2s"), ("lower_998", "lower_3s"),
                            ("upper_998", "upper_3s")):
                out[f"{side}_exp_events"] = t[f"{k}_axis"]
                out[f"{side}_limit"] = t[k]
        else:
            out = {"Events": t["axis"]}
            for k, side in (("lower_95", "lower_2s"), ("upper_95", "upper_2s"), ("lower_998", "lower_3s"),
                            ("upper_998", "upper_3s")):
                out[f"{side}_population_1_year"] = t[f"{k}_axis"]
                out[f"{side}_limit"] = t[k]
            out["baseline"] = np.full(len(t["axis"]), t["baseline"])
        return pd.DataFrame(out)

    # ------------------------------------------------------------------ output
    def plot(self, ax: Any = None, *, label_outliers: bool = True, title: Optional[str] = None,
             show_unadjusted: Optional[bool] = None, percentage: Optional[bool] = None) -> Any:
        """Draw the funnel plot (matplotlib Axes): units coloured by point type (Making Data
        Count colours), the target, the 99.8% (solid) and 95% (dashed) limits, the unadjusted
        limits dotted when the limits are over-dispersion adjusted."""
        return plot_funnel(self, ax=ax, label_outliers=label_outliers, title=title, show_unadjusted=show_unadjusted,
                           percentage=percentage)

    def alt_text(self) -> str:
        """A short text alternative for the funnel plot."""
        s = self.summary().iloc[0]
        what = f"{self.numerator_name} / {self.denominator_name}"
        parts = [f"Funnel plot of {what} for {self.n_units} units against a target of {_fmt(self.target)}"]
        parts.append(f"{s['n_high_998']} above and {s['n_low_998']} below the 99.8% limits, "
                     f"{s['n_high_95']} and {s['n_low_95']} more beyond the 95% limits")
        if self.adjusted:
            model = "multiplicative (phi)" if self.options["overdispersion"] == "multiplicative" else "additive random effects"
            parts.append(f"limits adjusted for over-dispersion ({model}; phi {self.phi:.2f})")
        elif self.options["overdispersion"] != "none":
            parts.append(f"no over-dispersion adjustment ({self.dispersion_status.replace('_', ' ')})")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "preset": self.preset,
            "options": dict(self.options),
            "summary": self.summary().to_dict(orient="records")[0],
            "units": self.frame.assign(group=self.frame["group"].astype(object)).to_dict(orient="list"),
        }

    def __repr__(self) -> str:
        return (f"FunnelResult(method={self.method!r}, preset={self.preset!r}, units={self.n_units}, "
                f"target={self.target:.6g}, dispersion_status={self.dispersion_status!r}, "
                f"outliers={int(self.frame['outlier'].sum())})")

    def _repr_html_(self) -> str:
        s = self.summary().iloc[0]
        head = (f"<p><b>Funnel plot ({self.method}, preset {self.preset})</b>: {self.n_units} units, target "
                f"{_fmt(self.target)}, phi {_fmt(self.phi)}, tau&sup2; {_fmt(self.tau2)}, "
                f"{self.dispersion_status.replace('_', ' ')}; {s['n_outliers']} outlier(s) at "
                f"{float(self.options['level']) * 100:g}%</p>")
        f = self.frame
        shown = f[f["band"].astype(str) != "within"].head(50)
        cols = ["group", "numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998", "band"]
        return head + shown[cols].to_html(index=False, na_rep="")


# ------------------------------------------------------------------ plotting
#: Colours and line styles shared with qm.compare's chart (Making Data Count greys and points).
TEXT_COLOUR = "#212B32"   # NHS black (text)
GRID_COLOUR = "#B3B3B3"
LIMIT_COLOUR = "#7F7F7F"
UNADJUSTED_COLOUR = "#B3B3B3"


def style_axes(ax: Any) -> None:
    """Horizontal gridlines only, no box, NHS text colour (as the SPC charts)."""
    ax.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
    ax.grid(axis="x", visible=False)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(LIMIT_COLOUR)
    ax.tick_params(axis="both", colors=TEXT_COLOUR, labelsize=9, length=3)
    ax.tick_params(axis="y", length=0)


def legend_below(ax: Any, handles: list[Any], labels: list[str]) -> None:
    """The legend under the x axis, without a title, in as many columns as fit."""
    if not handles:
        return
    width_in = ax.figure.get_size_inches()[0] * ax.get_position().width
    longest = max(len(lab) for lab in labels) * 0.075 + 0.6  # inches per entry at 9 pt
    ncol = int(max(1, min(len(labels), width_in // longest)))
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=ncol, frameon=False, fontsize=9)


def plot_funnel(res: FunnelResult, ax: Any = None, *, label_outliers: bool = True, title: Optional[str] = None,
                show_unadjusted: Optional[bool] = None, percentage: Optional[bool] = None) -> Any:
    import matplotlib.pyplot as plt

    from .plotting import POINT_COLOURS, NumberAxisFormatter, PercentAxisFormatter

    if ax is None:
        fig, ax = plt.subplots(figsize=(8.0, 5.0), layout="constrained")
        fig.set_facecolor("white")
    f = res.frame
    curve = res.limits()
    x = curve["denominator"].to_numpy()
    handles: list[Any] = []
    labels: list[str] = []
    centre = ax.axhline(res.target, color="#000000", linewidth=1.1, zorder=2, gid="qm-funnel-target")
    handles.append(centre)
    labels.append(f"Target {_fmt(res.target)}")
    if show_unadjusted is None:
        show_unadjusted = res.adjusted
    if show_unadjusted and res.adjusted:
        for k in ("lower_998_unadjusted", "upper_998_unadjusted", "lower_95_unadjusted", "upper_95_unadjusted"):
            ln, = ax.plot(x, curve[k], color=UNADJUSTED_COLOUR, linestyle=":", linewidth=1.1, zorder=2,
                          gid=f"qm-funnel-{k}")
        handles.append(ln)
        labels.append("Unadjusted limits")
    for k, style, text in (("998", "-", "99.8% limits"), ("95", "--", "95% limits")):
        for side in ("lower", "upper"):
            ln, = ax.plot(x, curve[f"{side}_{k}"], color=LIMIT_COLOUR, linestyle=style, linewidth=1.4, zorder=3,
                          gid=f"qm-funnel-{side}_{k}")
        handles.append(ln)
        labels.append(text + (" (adjusted)" if res.adjusted else ""))
    ok = np.isfinite(f["value"].to_numpy())
    types = f["point_type"].astype(str).to_numpy()
    for key in POINT_TYPES:
        sel = ok & (types == key)
        if not sel.any():
            continue
        pts = ax.scatter(f["denominator"].to_numpy()[sel], f["value"].to_numpy()[sel], s=36, c=POINT_COLOURS[key],
                         linewidths=0, zorder=5, gid=f"qm-funnel-points-{key}")
        handles.append(pts)
        labels.append(key.replace("_", " ").capitalize())
    if label_outliers:
        for _, row in f[f["outlier"] & ok].iterrows():
            ax.annotate(str(row["group"]), (row["denominator"], row["value"]), xytext=(4, 3),
                        textcoords="offset points", fontsize=8, color=TEXT_COLOUR, zorder=6)
    # the view: the units and their own limits (the curves run off to infinity at small n)
    vals = f["value"].to_numpy()[ok]
    if len(vals):
        lo = np.nanmin(np.concatenate([vals, f["lower_998"].to_numpy()[ok], [res.target]]))
        hi = np.nanmax(np.concatenate([vals, f["upper_998"].to_numpy()[ok], [res.target]]))
        pad = 0.08 * (hi - lo if hi > lo else abs(hi) + 1.0)
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlim(left=0)
    style_axes(ax)
    if percentage is None:
        percentage = res.method == "proportion" and res.multiplier == 1.0
    ax.yaxis.set_major_formatter(PercentAxisFormatter() if percentage else NumberAxisFormatter())
    ax.set_xlabel(res.denominator_name if res.denominator_name else _DEFAULT_X[res.method], color=TEXT_COLOUR,
                  fontsize=10)
    ax.set_ylabel(f"{res.numerator_name} / {res.denominator_name}", color=TEXT_COLOUR, fontsize=10)
    if title is None:
        title = f"Funnel plot of {res.numerator_name} / {res.denominator_name}"
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOUR)
    legend_below(ax, handles, labels)
    return ax


def _fmt(v: float) -> str:
    if v is None or not np.isfinite(v):
        return "–"
    return f"{v:.4g}"


_INDEXED = re.compile(r"^(numerator|denominator|rate|standard)\[(\d+)\]: (.*)$", re.S)


def relabel_error(exc: ValueError, labels: Sequence[Any], what: str) -> ValueError:
    """The core names an index ("denominator[3]: must be positive"); say which unit or row that
    is ("denominator: must be positive, got 0 (group 'RXX')")."""
    m = _INDEXED.match(str(exc))
    if m is None:
        return exc
    argument, index, problem = m.group(1), int(m.group(2)), m.group(3)
    label = labels[index] if index < len(labels) else index
    return type(exc)(f"{argument}: {problem} ({what} {label!r})")


def _sum_by_group(codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    # NaN propagates: a group with any missing value is missing (no silent partial sums)
    return np.bincount(codes, weights=values, minlength=n_groups)


def funnel(
    data: Any,
    numerator: str,
    denominator: Optional[str] = None,
    group: Optional[str] = None,
    *,
    method: str = "proportion",
    benchmark: Optional[float] = None,
    preset: str = "spiegelhalter",
    level: Optional[float] = None,
    improvement: str = "neutral",
    multiplier: float = 1.0,
    scale: Optional[str] = None,
    limits: Optional[str] = None,
    overdispersion: Optional[str] = None,
    trim: Optional[str] = None,
    trim_fraction: Optional[float] = None,
    rate: Optional[str] = None,
    rate_type: Optional[str] = None,
    threads: int = 0,
) -> FunnelResult:
    """Funnel plot of units against a benchmark, with exact or over-dispersion adjusted limits.

    Parameters
    ----------
    data : DataFrame (or a mapping of columns).
    numerator, denominator : column names. The denominator is the number of cases (proportion),
        the expected count (``method="ratio"``, a standardised ratio O/E), the second count
        (ratio of counts) or the person-years (rate).
    group : the unit column; rows of the same unit are summed (as FunnelPlotR aggregates).
        Without it every row is a unit, labelled by the index.
    method : ``"proportion"``, ``"ratio"`` (standardised ratio), ``"ratio_of_counts"``, ``"rate"``.
    benchmark : the target, in the same units as the values (× multiplier). Default: the pooled
        value (sum of numerators / sum of denominators), or 1 for a standardised ratio.
    preset : ``"spiegelhalter"`` (default: exact limits, 10% winsorised z, additive random
        effects when over-dispersed), ``"funnelplotr"`` (FunnelPlotR 0.6.0; SHMI method for
        ratios), ``"funnelplotr_cqc"``, ``"shmi"`` (NHS Digital SHMI banding at 95%), ``"cqc"``
        (square-root scale, squared back), ``"phe"`` (PHEindicatormethods).
    level : level of ``outlier`` and ``point_type``: 0.95 or 0.998 (preset default).
    improvement : ``"increase"``, ``"decrease"`` or ``"neutral"`` (point types: improvement or
        concern when a unit is beyond the limits).
    multiplier : values and limits × multiplier (e.g. 100 for percentages).
    scale, limits, overdispersion, trim, trim_fraction : override the preset; see the README.
    rate, rate_type : PHE rate funnels: a column of rates (× multiplier) from which the
        denominators are derived as multiplier × numerator / rate, and ``"dsr"`` or ``"crude"``
        (DSRs from fewer than 10 events are ``not_applicable``).
    threads : worker threads (0: all cores).
    """
    inp.choice(method, METHODS, "method")
    inp.choice(improvement, IMPROVEMENTS, "improvement")
    names = list(_core.funnel_preset_names())
    if preset not in names:
        raise ValueError(f"preset: unknown funnel preset {preset!r} (known: {', '.join(names)})")
    if isinstance(data, Mapping) and not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(numerator, str):
        raise ValueError("numerator: give the name of the numerator column as a string")
    if denominator is None and rate is None:
        raise ValueError("denominator: give the name of the denominator column")
    num = inp.numeric_values(inp.column(data, numerator, "numerator"), "numerator")
    den = (inp.numeric_values(inp.column(data, denominator, "denominator"), "denominator")
           if denominator is not None else None)

    opts = _core.funnel_preset(preset, method)
    if rate is not None:
        if method != "rate":
            raise ValueError("rate: a rate column is for method='rate'")
        rate_type = inp.choice(rate_type or "crude", ("dsr", "crude"), "rate_type")
        rates = inp.numeric_values(inp.column(data, rate, "rate"), "rate")
        try:
            den = _core.phe_rate_denominators(num, den, rates, float(multiplier), rate_type)
        except ValueError as exc:
            raise relabel_error(exc, data.index, "row") from None
        if rate_type == "dsr":
            opts.minimum_events = 10.0
    elif rate_type is not None:
        raise ValueError("rate_type: needs rate= (a column of rates)")
    assert den is not None

    if group is not None:
        codes, labels = inp.group_codes(inp.column(data, group, "group"), "group")
        G = len(labels)
        num = _sum_by_group(codes, num, G)
        den = _sum_by_group(codes, den, G)
    else:
        labels = data.index
    num = np.ascontiguousarray(num, dtype=np.float64)
    den = np.ascontiguousarray(den, dtype=np.float64)

    try:
        m = float(multiplier)
    except (TypeError, ValueError):
        raise ValueError(f"multiplier: expected a positive number, got {multiplier!r}") from None
    if not (m > 0 and math.isfinite(m)):
        raise ValueError(f"multiplier: expected a positive number, got {multiplier!r}")
    opts.multiplier = m
    opts.improvement = improvement
    if level is not None:
        if level not in LEVELS:
            raise ValueError(f"level: must be 0.95 or 0.998, got {level!r}")
        opts.level = float(level)
    if benchmark is not None:
        try:
            b = float(benchmark)
        except (TypeError, ValueError):
            raise ValueError(f"benchmark: expected a number, got {benchmark!r}") from None
        if not math.isfinite(b):
            raise ValueError(f"benchmark: must be finite, got {benchmark!r}")
        opts.target = b / m
    for name, value in (("scale", scale), ("limits", limits), ("overdispersion", overdispersion), ("trim", trim)):
        if value is not None:
            setattr(opts, name, value)
    if trim_fraction is not None:
        opts.trim_fraction = float(trim_fraction)

    try:
        model, cols = _core.funnel(num, den, opts, int(threads))
    except ValueError as exc:
        if isinstance(exc, _core.InsufficientDataError):
            raise
        raise relabel_error(exc, labels, "group" if group is not None else "row") from None
    return FunnelResult(
        method=method,
        preset=preset,
        options=opts.as_dict(),
        model=model,
        columns=cols,
        numerator=num,
        denominator=den,
        labels=pd.Index(labels),
        numerator_name=numerator,
        denominator_name=denominator if denominator is not None else f"{numerator} / {rate}",
    )
