"""``qm.inequality``: the slope index (SII) and relative index (RII) of inequality.

The PHE / OHID Fingertips method (PHEindicatormethods ``phe_sii``; Low & Low 2004): each
quantile of deprivation (decile, quintile) gets a relative rank — the midpoint of its share of
the population in the cumulative distribution, from the most deprived (0) to the least deprived
(1) — and the values are regressed on the rank, weighted by population. The SII is the fitted
difference between the least and the most deprived ends, the RII their ratio. Confidence
intervals by a seeded simulation (``repetitions`` draws of every quantile's value from its
standard error; reproducible with the same ``seed``). Every number comes from the C++ core
(``qm/assurance/inequality.hpp``).

>>> res = qm.inequality.sii(df, value="life_expectancy", population="population",
...                         quantile="decile", group="area", lower="lcl", upper="ucl")
>>> res.frame            # one row per area: SII and RII with their 95% intervals
>>> res.quantiles()      # one row per area and decile: share, relative rank, fitted value
>>> res.plot("area1")
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from . import _input as inp

__all__ = ["sii", "SIIResult", "VALUE_TYPES"]

#: PHE's value_type: 0 other, 1 rate, 2 proportion (the numbers are accepted too)
VALUE_TYPES = ("other", "rate", "proportion")
ORDERS = ("ascending", "descending")


def _level_key(c: float) -> str:
    """0.95 -> '95', 0.998 -> '99_8' (column suffixes)."""
    return f"{c * 100:.10g}".replace(".", "_")


@dataclass(frozen=True, repr=False, eq=False)
class SIIResult:
    """The result of :func:`qualitymetrics.inequality.sii`.

    ``frame``: one row per unit (SII, RII, their limits at every level, intercept, settings);
    ``quantiles()``: one row per unit and quantile; ``plot()``; ``to_dict()``.
    """

    value_type: str
    transform: bool
    multiplier: float
    repetitions: int
    seed: int
    levels: tuple
    columns: Any = field(repr=False)
    labels: Optional[pd.Index] = field(repr=False)
    rows: pd.DataFrame = field(repr=False)
    offsets: np.ndarray = field(repr=False)
    value_name: str = "value"

    @property
    def n_units(self) -> int:
        return len(self.offsets) - 1

    @property
    def method(self) -> str:
        scale = {"other": "values", "rate": "log scale", "proportion": "logit scale"}[self.value_type]
        fit = f"fitted on the {scale}" if self.transform else "fitted on the values"
        return (f"PHE slope index of inequality: population-weighted regression on cumulative-rank midpoints, "
                f"{fit}; intervals from {self.repetitions} simulated samples (seed {self.seed})")

    @cached_property
    def frame(self) -> pd.DataFrame:
        c = self.columns
        L = len(self.levels)
        data: dict[str, Any] = {
            "group": self.labels if self.labels is not None else [None] * self.n_units,
            "n_quantiles": c["n_quantiles"],
            "sii": c["sii"],
        }
        lo_s, hi_s = c["sii_lower"].reshape(-1, L), c["sii_upper"].reshape(-1, L)
        lo_r, hi_r = c["rii_lower"].reshape(-1, L), c["rii_upper"].reshape(-1, L)
        for k, lev in enumerate(self.levels):
            data[f"sii_lower_{_level_key(lev)}"] = lo_s[:, k]
            data[f"sii_upper_{_level_key(lev)}"] = hi_s[:, k]
        data["rii"] = c["rii"]
        for k, lev in enumerate(self.levels):
            data[f"rii_lower_{_level_key(lev)}"] = lo_r[:, k]
            data[f"rii_upper_{_level_key(lev)}"] = hi_r[:, k]
        data.update({
            "intercept": c["intercept"],
            "fitted_least_deprived": c["fitted_1"],
            "value_type": self.value_type,
            "transform": self.transform,
            "multiplier": self.multiplier,
            "repetitions": self.repetitions,
            "seed": self.seed,
        })
        return pd.DataFrame(data)

    def summary(self) -> pd.DataFrame:
        """The SII and RII with their first level's limits, one row per unit."""
        k = _level_key(self.levels[0])
        return self.frame[["group", "n_quantiles", "sii", f"sii_lower_{k}", f"sii_upper_{k}", "rii",
                           f"rii_lower_{k}", f"rii_upper_{k}"]]

    def quantiles(self) -> pd.DataFrame:
        """One row per unit and quantile: value, population, share, relative rank, fitted value."""
        c = self.columns
        out = self.rows.copy()
        out["share"] = c["share"]
        out["rank"] = c["rank"]
        out["fitted"] = c["fitted"]
        return out.reset_index(drop=True)

    def plot(self, group: Any = None, ax: Any = None, *, title: Optional[str] = None) -> Any:
        """One unit: each quantile's value (with its interval where given) at its relative rank,
        sized by population, and the fitted line; the SII and RII in the corner."""
        return _plot_sii(self, group, ax, title=title)

    def to_dict(self) -> dict[str, Any]:
        f = self.frame
        return {"method": self.method, "value_type": self.value_type, "transform": self.transform,
                "multiplier": self.multiplier, "repetitions": self.repetitions, "seed": self.seed,
                "levels": list(self.levels), "units": f.assign(group=f["group"].astype(object)).to_dict(orient="records")}

    def __repr__(self) -> str:
        return (f"SIIResult(units={self.n_units}, value_type={self.value_type!r}, transform={self.transform}, "
                f"levels={list(self.levels)}, repetitions={self.repetitions}, seed={self.seed})")

    def _repr_html_(self) -> str:
        head = f"<p><b>Slope and relative index of inequality</b> ({self.n_units} unit(s)). {self.method}.</p>"
        f = self.summary()
        more = f"<p>… {len(f) - 50} more units</p>" if len(f) > 50 else ""
        return head + f.head(50).to_html(index=False, na_rep="", float_format=lambda v: f"{v:.4g}") + more


def _plot_sii(res: SIIResult, group: Any, ax: Any, *, title: Optional[str]) -> Any:
    import matplotlib.pyplot as plt

    from .funnel import LIMIT_COLOUR, TEXT_COLOUR, legend_below, style_axes
    from .icons import COLOURS

    if res.labels is None or group is None:
        if res.labels is not None and len(res.labels) > 1:
            shown = ", ".join(repr(v) for v in list(res.labels)[:5])
            raise ValueError(f"group: choose one of the {len(res.labels)} units ({shown}, …)")
        g = 0
    else:
        if group not in res.labels:
            raise ValueError(f"group: {group!r} is not in the result")
        g = int(res.labels.get_loc(group))
    q = res.quantiles().iloc[res.offsets[g]:res.offsets[g + 1]]
    c = res.columns
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
        fig.set_facecolor("white")
    handles: list[Any] = []
    labels: list[str] = []
    x, y = q["rank"].to_numpy(), q["value"].to_numpy()
    if "lower" in q.columns and "upper" in q.columns:
        lo, hi = q["lower"].to_numpy(), q["upper"].to_numpy()
        ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="none", ecolor=LIMIT_COLOUR, elinewidth=1.0, capsize=2, zorder=3,
                    gid="qm-sii-intervals")
    size = 30 + 170 * q["share"].to_numpy() / max(q["share"].max(), 1e-300)
    pts = ax.scatter(x, y, s=size, color=COLOURS["common_cause"], edgecolor=TEXT_COLOUR, linewidth=0.5, zorder=4,
                     gid="qm-sii-points")
    handles.append(pts)
    labels.append("Quantile value (area: population)")
    grid = np.linspace(0.0, 1.0, 101)
    b0, b1 = c["beta0"][g], c["beta1"][g]
    line = b0 + b1 * grid
    if res.transform:
        line = np.exp(line) if res.value_type == "rate" else 1.0 / (1.0 + np.exp(-line))
    ln, = ax.plot(grid, line, color=COLOURS["improvement"], linewidth=1.8, zorder=5, gid="qm-sii-fit")
    handles.append(ln)
    labels.append("Fitted (population weighted)")
    k = _level_key(res.levels[0])
    f = res.frame.iloc[g]
    text = (f"SII {f['sii']:.3g} ({f[f'sii_lower_{k}']:.3g} to {f[f'sii_upper_{k}']:.3g})\n"
            f"RII {f['rii']:.3g} ({f[f'rii_lower_{k}']:.3g} to {f[f'rii_upper_{k}']:.3g})\n"
            f"{res.levels[0] * 100:g}% intervals")
    ax.text(0.01, 0.97, text, transform=ax.transAxes, ha="left", va="top", fontsize=8.5, color=TEXT_COLOUR,
            bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor=LIMIT_COLOUR, linewidth=0.6), zorder=6,
            gid="qm-sii-text")
    style_axes(ax)
    ax.set_xlim(0, 1)
    ax.set_xlabel("Relative rank (0 = most deprived, 1 = least deprived)", color=TEXT_COLOUR, fontsize=10)
    ax.set_ylabel(res.value_name, color=TEXT_COLOUR, fontsize=10)
    if title is None:
        label = "" if res.labels is None else f" – {res.labels[g]}"
        title = f"Inequality in {res.value_name}{label}"
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOUR)
    legend_below(ax, handles, labels)
    return ax


_INDEXED = re.compile(r"^(value|values|population|se|lower|upper)\[(\d+)\]: (.*)$", re.S)
_UNIT = re.compile(r"^offsets\[(\d+)\]: unit \d+ (.*)$", re.S)
_ARG = {"values": "value"}


def _relabel(exc: ValueError, rows: pd.Index, columns: dict[str, str], units: Optional[pd.Index]) -> ValueError:
    msg = str(exc)
    m = _INDEXED.match(msg)
    if m is not None:
        arg = _ARG.get(m.group(1), m.group(1))
        col = columns.get(arg)
        where = f"row {_show(rows[int(m.group(2))])}" + (f" of column {col!r}" if col else "")
        return type(exc)(f"{arg}: {m.group(3)} ({where})")
    m = _UNIT.match(msg)
    if m is not None:
        unit = "the data" if units is None else f"group {_show(units[int(m.group(1))])}"
        return type(exc)(f"quantile: {unit} {m.group(2)}")
    return exc


def sii(
    data: Any,
    value: Optional[str] = None,
    population: Optional[str] = None,
    quantile: Optional[str] = None,
    group: Union[None, str, Sequence[str]] = None,
    *,
    se: Optional[str] = None,
    lower: Optional[str] = None,
    upper: Optional[str] = None,
    numerator: Optional[str] = None,
    value_type: Union[str, int] = "other",
    transform: bool = False,
    multiplier: float = 1.0,
    repetitions: int = 100_000,
    confidence: Union[float, Sequence[float]] = 0.95,
    ci_confidence: float = 0.95,
    seed: int = 1,
    order: str = "ascending",
    minimum_quantiles: int = 2,
    threads: int = 0,
) -> SIIResult:
    """Slope index of inequality (SII) and relative index (RII) with confidence intervals.

    Parameters
    ----------
    data : DataFrame, one row per unit (area, period…) and quantile.
    value : column of the indicator value per quantile (a proportion may instead be given as
        ``numerator`` / ``population``).
    population : column of each quantile's population (all positive: the weights).
    quantile : column of the quantile (e.g. IMD decile 1..10). With ``order="ascending"`` the
        lowest quantile is the most deprived, as IMD deciles are numbered; ``"descending"`` if the
        highest is the most deprived.
    group : column(s) identifying units: one SII per unit (default: all rows are one unit).
    se : column of standard errors (on the log scale for rates, the logit scale for proportions),
        or give ``lower`` and ``upper``: each value's ``ci_confidence`` limits.
    value_type : ``"other"`` (0), ``"rate"`` (1), ``"proportion"`` (2), as PHE's ``value_type``.
    transform : fit on the log (rate) or logit (proportion) scale, outputs back-transformed.
    multiplier : SII × multiplier (e.g. 100 for percentages); negative reverses polarity
        (and the RII is inverted), as PHE.
    repetitions : simulated samples per unit (PHE default 100,000; at least 1,000).
    confidence : level(s) of the intervals, e.g. 0.95 or (0.95, 0.998).
    seed : the simulation's seed; the same seed reproduces the intervals exactly.
    minimum_quantiles : units with fewer quantiles are an error (PHE requires 5).
    """
    if isinstance(value_type, (int, np.integer)) and not isinstance(value_type, bool):
        if value_type not in (0, 1, 2):
            raise ValueError(f"value_type: must be 'other' (0), 'rate' (1) or 'proportion' (2), got {value_type!r}")
        value_type = VALUE_TYPES[int(value_type)]
    inp.choice(value_type, VALUE_TYPES, "value_type")
    inp.choice(order, ORDERS, "order")
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    for arg, col in (("population", population), ("quantile", quantile)):
        if col is None:
            raise ValueError(f"{arg}: give the name of the {arg} column")
    if value is None and numerator is None:
        raise ValueError("value: give the value column (or numerator= and population= for a proportion)")
    if value is not None and numerator is not None:
        raise ValueError("value: give value= or numerator=, not both")
    if numerator is not None and value_type != "proportion":
        raise ValueError("numerator: a numerator / population value is a proportion; set value_type='proportion'")
    if se is not None and (lower is not None or upper is not None):
        raise ValueError("se: give se= or lower= and upper=, not both")
    if se is None and (lower is None or upper is None):
        raise ValueError("se: the intervals need each value's standard error (se=) or its limits (lower= and upper=)")
    levels = (float(confidence),) if np.isscalar(confidence) else tuple(float(c) for c in confidence)  # type: ignore[arg-type]
    for c in levels:
        if not (0.0 < c < 1.0):
            raise ValueError(f"confidence: each level must be strictly between 0 and 1, got {c!r}")
    try:
        m = float(multiplier)
    except (TypeError, ValueError):
        raise ValueError(f"multiplier: expected a non-zero number, got {multiplier!r}") from None
    if not math.isfinite(m) or m == 0.0:
        raise ValueError(f"multiplier: expected a finite non-zero number, got {multiplier!r}")
    if isinstance(repetitions, bool) or not isinstance(repetitions, (int, np.integer)) or repetitions < 1000:
        raise ValueError(f"repetitions: expected a whole number of at least 1000, got {repetitions!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected a whole number >= 0, got {seed!r}")

    pop = _numbers(data, population, "population")
    if numerator is not None:
        vals = _numbers(data, numerator, "numerator") / pop
        value_name = f"{numerator} / {population}"
    else:
        vals = _numbers(data, value, "value")  # type: ignore[arg-type]
        value_name = str(value)
    qcol = inp.column(data, quantile, "quantile")
    if qcol.isna().any():
        raise ValueError(f"quantile: missing quantile at row {qcol.index[int(np.flatnonzero(qcol.isna().to_numpy())[0])]!r}")
    qcodes, quniq = pd.factorize(qcol, sort=True)
    if order == "descending":
        qcodes = len(quniq) - 1 - qcodes
    if group is None:
        codes, labels = np.zeros(len(vals), dtype=np.int64), None
    else:
        cols = [group] if isinstance(group, str) else list(group)
        for c in cols:
            inp.column(data, c, "group")
        if len(cols) == 1:
            codes, labels = inp.group_codes(data[cols[0]], "group")
        else:
            key = pd.MultiIndex.from_frame(data[cols])
            codes, uniq = pd.factorize(key, sort=True)
            if (codes < 0).any():
                raise ValueError(f"group: missing group at row {data.index[int(np.flatnonzero(codes < 0)[0])]!r}")
            labels = pd.Index(uniq)
            codes = codes.astype(np.int64)
    sort = np.lexsort((qcodes, codes))
    sc, sq = codes[sort], qcodes[sort]
    dup = np.flatnonzero((sc[1:] == sc[:-1]) & (sq[1:] == sq[:-1]))
    if len(dup):
        a, b = data.index[sort[dup[0]]], data.index[sort[dup[0] + 1]]
        where = "" if labels is None else f" in group {_show(labels[int(sc[dup[0]])])}"
        raise ValueError(f"quantile: quantile {_show(qcol.iloc[sort[dup[0]]])} appears twice{where} "
                         f"(rows {_show(a)} and {_show(b)})")
    G = 1 if labels is None else len(labels)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(sc, minlength=G))]).astype(np.int64)
    arrays = {"value": vals, "population": pop}
    extra = {"se": se, "lower": lower, "upper": upper}
    for arg, col in extra.items():
        if col is not None:
            arrays[arg] = _numbers(data, col, arg)
    c = lambda k: None if k not in arrays else np.ascontiguousarray(arrays[k][sort], dtype=np.float64)  # noqa: E731
    rows_index = data.index.take(sort)
    try:
        cols_out = _core.sii(c("value"), c("population"), c("se"), c("lower"), c("upper"), offsets, value_type,
                             bool(transform), m, int(repetitions), list(levels), float(ci_confidence), int(seed),
                             int(minimum_quantiles), int(threads))
    except ValueError as exc:
        if isinstance(exc, _core.InsufficientDataError):
            raise
        names = {"value": value or numerator or "", "population": population, "se": se or "", "lower": lower or "",
                 "upper": upper or ""}
        raise _relabel(exc, rows_index, names, labels) from None
    rows = pd.DataFrame({
        "group": [None] * len(sort) if labels is None else labels.take(sc),
        "quantile": qcol.to_numpy()[sort],
        "value": c("value"),
        "population": c("population"),
    })
    for k in ("se", "lower", "upper"):
        if k in arrays:
            rows[k] = c(k)
    return SIIResult(value_type=value_type, transform=bool(transform), multiplier=m, repetitions=int(repetitions),
                     seed=int(seed), levels=levels, columns=cols_out, labels=labels, rows=rows, offsets=offsets,
                     value_name=value_name)


def _show(v: Any) -> str:
    """repr of a label, numpy scalars shown as Python ones (3, not np.int64(3))."""
    return repr(v.item() if isinstance(v, np.generic) else v)


def _numbers(df: pd.DataFrame, col: str, argument: str) -> np.ndarray:
    """float64 values of a column; missing values stay NaN (the core names the row)."""
    s = inp.column(df, col, argument)
    if pd.api.types.is_bool_dtype(s.dtype):
        raise ValueError(f"{argument}: column {col!r} is boolean, expected numbers")
    return inp.to_float64(s, argument)
