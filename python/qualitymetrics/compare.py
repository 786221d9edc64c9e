"""``qm.compare``: each unit's value and confidence intervals classed against a benchmark.

The OHID Fingertips way: better / similar / worse than England (or higher / lower for an
indicator without a polarity), at 95% and 99.8%. Every number comes from the C++ core
(``qm/assurance/compare.hpp``, ``qm/stats/intervals.hpp``); this module shapes data and draws.

>>> res = qm.compare(df, numerator="deaths", denominator="population", group="area",
...                  statistic="rate", multiplier=100_000, benchmark=england_rate,
...                  polarity="lower_is_better", level="both")
>>> res.frame      # one row per area: value, 95% and 99.8% limits, comparison, status
>>> res.summary()  # how many areas in each class
>>> res.plot()
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from . import _input as inp
from .funnel import LIMIT_COLOUR, TEXT_COLOUR, legend_below, relabel_error, style_axes

STATISTICS = ("proportion", "rate", "count", "ratio", "mean", "dsr")
METHODS = ("ci", "spc")
#: polarity words (Fingertips) and the library's improvement words, both accepted
POLARITIES = {
    "higher_is_better": "increase",
    "lower_is_better": "decrease",
    "no_judgement": "neutral",
    "increase": "increase",
    "decrease": "decrease",
    "neutral": "neutral",
}
COMPARISONS = tuple(_core.COMPARISONS)
TWO_LEVEL_COMPARISONS = tuple(_core.TWO_LEVEL_COMPARISONS)
STATUSES = tuple(_core.COMPARE_STATUSES)
#: Fingertips colours: better green, similar amber, worse red; no judgement: higher dark blue,
#: lower light blue; not compared white.
COMPARISON_COLOURS = {
    "better": "#92D050",
    "similar": "#FFC000",
    "worse": "#C00000",
    "higher": "#5555E6",
    "lower": "#BED2FF",
    "not_compared": "#FFFFFF",
}


@dataclass(frozen=True, repr=False, eq=False)
class ComparisonResult:
    """The result of :func:`qualitymetrics.compare`.

    ``frame``: one row per unit (value, 95% and 99.8% limits, benchmark, comparison at the
    chosen level and at each level, status); ``summary()``: counts per class; ``plot()``;
    ``to_dict()``.
    """

    statistic: str
    method: str
    polarity: str
    level: Union[float, str]
    multiplier: float
    columns: Mapping[str, np.ndarray] = field(repr=False)
    labels: pd.Index = field(repr=False)
    value_name: str = "value"

    @property
    def n_units(self) -> int:
        return len(self.labels)

    @cached_property
    def frame(self) -> pd.DataFrame:
        c = self.columns
        c95 = pd.Categorical.from_codes(c["comparison_95"].astype(np.int64), categories=list(COMPARISONS))
        c998 = pd.Categorical.from_codes(c["comparison_998"].astype(np.int64), categories=list(COMPARISONS))
        two = pd.Categorical.from_codes(c["comparison"].astype(np.int64), categories=list(TWO_LEVEL_COMPARISONS))
        chosen = two if self.level == "both" else (c95 if self.level == 0.95 else c998)
        first, second = ("n", "sd") if self.statistic == "mean" else ("numerator", "denominator")
        data: dict[str, Any] = {
            "group": self.labels,
            first: c["numerator"],
            second: c["denominator"],
            "value": c["value"],
            "lower_95": c["lower_95"],
            "upper_95": c["upper_95"],
            "lower_998": c["lower_998"],
            "upper_998": c["upper_998"],
            "benchmark": c["benchmark"],
            "comparison": chosen,
            "comparison_95": c95,
            "comparison_998": c998,
            "status": pd.Categorical.from_codes(c["status"].astype(np.int64), categories=list(STATUSES)),
        }
        return pd.DataFrame(data)

    def summary(self) -> pd.DataFrame:
        """One row: the settings and how many units fall in each comparison class."""
        f = self.frame
        bm = f["benchmark"].to_numpy()
        single = bm[np.isfinite(bm)]
        out: dict[str, Any] = {
            "statistic": self.statistic,
            "method": self.method,
            "polarity": self.polarity,
            "level": self.level,
            "benchmark": float(single[0]) if len(single) and np.all(single == single[0]) else np.nan,
            "n_units": self.n_units,
        }
        counts = f["comparison"].value_counts(sort=False)
        for cat in f["comparison"].cat.categories:
            if self.polarity == "neutral" and cat.startswith(("better", "worse")):
                continue
            if self.polarity != "neutral" and cat.startswith(("higher", "lower")):
                continue
            out[f"n_{cat}"] = int(counts.get(cat, 0))
        return pd.DataFrame([out])

    def plot(self, ax: Any = None, *, sort: bool = True, title: Optional[str] = None,
             max_units: Optional[int] = None) -> Any:
        """A Fingertips-style chart: each unit's value as a bar coloured by its comparison, with
        its 95% interval (and 99.8% in the two-level view), and the benchmark as a line.
        ``max_units``: show only the highest and lowest units (default: all)."""
        return plot_compare(self, ax=ax, sort=sort, title=title, max_units=max_units)

    def to_dict(self) -> dict[str, Any]:
        f = self.frame
        return {
            "statistic": self.statistic,
            "method": self.method,
            "polarity": self.polarity,
            "level": self.level,
            "multiplier": self.multiplier,
            "summary": self.summary().to_dict(orient="records")[0],
            "units": f.assign(group=f["group"].astype(object)).to_dict(orient="list"),
        }

    def __repr__(self) -> str:
        return (f"ComparisonResult(statistic={self.statistic!r}, method={self.method!r}, polarity={self.polarity!r}, "
                f"level={self.level!r}, units={self.n_units})")

    def _repr_html_(self) -> str:
        s = self.summary().iloc[0]
        counts = ", ".join(f"{k[2:].replace('_', ' ')} {v}" for k, v in s.items() if k.startswith("n_") and k != "n_units")
        head = (f"<p><b>Benchmark comparison ({self.statistic}, {self.method}, level {self.level})</b>: "
                f"{self.n_units} units; {counts}</p>")
        cols = ["group", "value", "lower_95", "upper_95", "lower_998", "upper_998", "benchmark", "comparison"]
        more = f"<p>… {self.n_units - 50} more units</p>" if self.n_units > 50 else ""
        return head + self.frame[cols].head(50).to_html(index=False, na_rep="") + more


def _base(cat: str) -> str:
    return cat.rsplit("_", 1)[0] if cat.endswith(("_95", "_998")) else cat


def plot_compare(res: ComparisonResult, ax: Any = None, *, sort: bool = True, title: Optional[str] = None,
                 max_units: Optional[int] = None) -> Any:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    f = res.frame
    f = f[np.isfinite(f["value"].to_numpy())]
    if sort:
        f = f.sort_values("value", kind="stable")
    if max_units is not None and len(f) > max_units:
        f = f.iloc[np.r_[0:max_units // 2, len(f) - max_units // 2:len(f)]]
    n = len(f)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, max(2.5, 0.22 * n + 1.4)), layout="constrained")
        fig.set_facecolor("white")
    y = np.arange(n)
    cats = f["comparison"].astype(str).to_numpy()
    colours = [COMPARISON_COLOURS[_base(c)] for c in cats]
    alpha = [0.55 if c.endswith("_95") else 1.0 for c in cats]
    bars = ax.barh(y, f["value"].to_numpy(), color=colours, edgecolor=LIMIT_COLOUR, linewidth=0.5, height=0.7,
                   zorder=2, gid="qm-compare-bars")
    for b, a in zip(bars, alpha):
        b.set_alpha(a)
    v = f["value"].to_numpy()
    lo95, hi95 = f["lower_95"].to_numpy(), f["upper_95"].to_numpy()
    ax.errorbar(v, y, xerr=[np.nan_to_num(v - lo95), np.nan_to_num(hi95 - v)], fmt="none", ecolor=TEXT_COLOUR,
                elinewidth=1.0, capsize=2, zorder=3, gid="qm-compare-ci95")
    if res.level == "both" or res.level == 0.998:
        lo, hi = f["lower_998"].to_numpy(), f["upper_998"].to_numpy()
        ax.errorbar(v, y, xerr=[np.nan_to_num(v - lo), np.nan_to_num(hi - v)], fmt="none", ecolor=LIMIT_COLOUR,
                    elinewidth=0.8, capsize=0, zorder=2.5, gid="qm-compare-ci998")
    bm = f["benchmark"].to_numpy()
    finite = bm[np.isfinite(bm)]
    handles: list[Any] = []
    labels: list[str] = []
    if len(finite) and np.all(finite == finite[0]):
        ln = ax.axvline(finite[0], color="#000000", linewidth=1.1, zorder=4, gid="qm-compare-benchmark")
        handles.append(ln)
        labels.append(f"Benchmark {finite[0]:.4g}")
    elif len(finite):
        ax.scatter(bm, y, marker="|", s=120, color="#000000", zorder=4, gid="qm-compare-benchmark")
    ax.set_yticks(y)
    ax.set_yticklabels([str(g) for g in f["group"]], fontsize=8)
    style_axes(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#B3B3B3", linewidth=0.6)
    seen: list[str] = []
    for c in cats:
        if c not in seen:
            seen.append(c)
    for c in seen:
        handles.append(Patch(facecolor=COMPARISON_COLOURS[_base(c)], edgecolor=LIMIT_COLOUR,
                             alpha=0.55 if c.endswith("_95") else 1.0))
        labels.append(c.replace("_998", " (99.8%)").replace("_95", " (95%)").replace("_", " ").capitalize())
    ax.set_xlabel(res.value_name, color=TEXT_COLOUR, fontsize=10)
    if title is None:
        title = f"{res.value_name}: comparison with the benchmark"
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOUR)
    legend_below(ax, handles, labels)
    return ax


def _offsets_by_group(codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=n_groups)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return order, offsets


def compare(
    data: Any,
    numerator: str,
    denominator: Optional[str] = None,
    group: Optional[str] = None,
    *,
    statistic: str = "proportion",
    benchmark: Union[None, str, float, Mapping[Any, float]] = None,
    polarity: str = "higher_is_better",
    level: Union[float, str] = 0.95,
    method: str = "ci",
    multiplier: float = 1.0,
    standard: Union[None, str, Sequence[float]] = None,
    threads: int = 0,
) -> ComparisonResult:
    """Values with 95% and 99.8% confidence intervals, each classed against a benchmark.

    Parameters
    ----------
    data : DataFrame (or a mapping of columns).
    numerator, denominator : column names. proportion: successes and cases (Wilson score);
        rate: events and person-years; count: events (no denominator); ratio: observed and
        expected (indirectly standardised ratio; × a reference rate via ``multiplier`` for an
        indirectly standardised rate) — exact Poisson below 10 events, Byar from 10; mean: the
        values (Student's t); dsr: events and population per stratum (Dobson; not calculated
        below 10 events).
    group : the unit column. proportion/rate/count/ratio: rows of a unit are summed; mean: the
        unit's values; dsr: the unit's strata (required).
    statistic : ``"proportion"``, ``"rate"``, ``"count"``, ``"ratio"``, ``"mean"``, ``"dsr"``.
    benchmark : a number (in the units of the values, × multiplier), a mapping group → number,
        or None / ``"pooled"``: all units together (sum of numerators / sum of denominators;
        the mean of all values); counts and DSRs need a number.
    polarity : ``"higher_is_better"``, ``"lower_is_better"``, ``"no_judgement"`` (higher /
        lower), or the library's ``"increase"``, ``"decrease"``, ``"neutral"``.
    level : 0.95, 0.998, or ``"both"`` (the two-level classes better_998, better_95, …) for
        the ``comparison`` column; ``comparison_95`` and ``comparison_998`` are always given.
    method : ``"ci"`` (the benchmark inside the unit's interval is similar; Fingertips' default)
        or ``"spc"`` (the value against limits around the benchmark: Wilson at the benchmark
        for proportions, exact Poisson funnel limits for rates, ratios and counts).
    multiplier : e.g. 100 for percentages, 100000 for rates per 100,000.
    standard : dsr: the standard population — a column name, or one number per stratum applied
        in row order within every unit (e.g. the 2013 European Standard Population).
    """
    inp.choice(statistic, STATISTICS, "statistic")
    inp.choice(method, METHODS, "method")
    if polarity not in POLARITIES:
        raise ValueError(f"polarity: must be one of {', '.join(repr(p) for p in POLARITIES)}; got {polarity!r}")
    improvement = POLARITIES[polarity]
    if level not in (0.95, 0.998, "both"):
        raise ValueError(f"level: must be 0.95, 0.998 or 'both', got {level!r}")
    if isinstance(data, Mapping) and not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(numerator, str):
        raise ValueError("numerator: give the name of the numerator column as a string")
    try:
        m = float(multiplier)
    except (TypeError, ValueError):
        raise ValueError(f"multiplier: expected a positive number, got {multiplier!r}") from None
    if not (m > 0 and math.isfinite(m)):
        raise ValueError(f"multiplier: expected a positive number, got {multiplier!r}")

    needs_den = statistic not in ("count", "mean")
    if needs_den and denominator is None:
        raise ValueError(f"denominator: a {statistic} needs a denominator column")
    if not needs_den and denominator is not None:
        raise ValueError(f"denominator: a {statistic} takes no denominator")
    num = inp.numeric_values(inp.column(data, numerator, "numerator"), "numerator")
    den = inp.numeric_values(inp.column(data, denominator, "denominator"), "denominator") if needs_den else None
    grouped = statistic in ("mean", "dsr")
    std: Optional[np.ndarray] = None
    offsets: Optional[np.ndarray] = None
    order = np.arange(len(num))

    if group is not None:
        codes, labels = inp.group_codes(inp.column(data, group, "group"), "group")
        G = len(labels)
    else:
        if statistic == "dsr":
            raise ValueError("group: a DSR needs group= (the rows of a unit are its strata)")
        codes = np.zeros(len(num), dtype=np.int64) if grouped else None
        labels = pd.Index([None]) if grouped else data.index
        G = 1 if grouped else len(num)

    if statistic == "dsr":
        if standard is None:
            raise ValueError("standard: a DSR needs the standard population (a column name or one number per stratum)")
        if isinstance(standard, str):
            std_rows = inp.numeric_values(inp.column(data, standard, "standard"), "standard")
        else:
            std_rows = None
    if grouped:
        assert codes is not None
        order, offsets = _offsets_by_group(codes, G)
        num = num[order]
        if den is not None:
            den = den[order]
        if statistic == "dsr":
            if std_rows is not None:
                std = std_rows[order]
            else:
                per = np.asarray(standard, dtype=np.float64).ravel()
                sizes = np.diff(offsets)
                if not np.all(sizes == len(per)):
                    bad = labels[int(np.flatnonzero(sizes != len(per))[0])]
                    raise ValueError(f"standard: {len(per)} standard-population values but group {bad!r} has "
                                     f"{int(sizes[labels.get_loc(bad)])} strata; give a column instead")
                std = np.tile(per, G)
    elif group is not None:
        num = np.bincount(codes, weights=num, minlength=G)
        if den is not None:
            den = np.bincount(codes, weights=den, minlength=G)

    num = np.ascontiguousarray(num, dtype=np.float64)
    den = None if den is None else np.ascontiguousarray(den, dtype=np.float64)
    std = None if std is None else np.ascontiguousarray(std, dtype=np.float64)

    if benchmark is None or (isinstance(benchmark, str) and benchmark == "pooled"):
        try:
            bm = np.array([_core.pooled_benchmark(statistic, num, den, m)])
        except ValueError as exc:
            if isinstance(exc, _core.InsufficientDataError):
                raise
            raise relabel_error(exc, labels if not grouped else data.index.take(order),
                                "group" if group is not None and not grouped else "row") from None
    elif isinstance(benchmark, str):
        raise ValueError(f"benchmark: expected a number, a mapping of group to number, or 'pooled'; got {benchmark!r}")
    elif isinstance(benchmark, (Mapping, pd.Series)):
        if group is None:
            raise ValueError("benchmark: a benchmark per group needs group= to be given")
        bm = inp.per_group(benchmark, pd.Index(labels), "benchmark")
    else:
        try:
            b = float(benchmark)
        except (TypeError, ValueError):
            raise ValueError(f"benchmark: expected a number, got {benchmark!r}") from None
        if not math.isfinite(b):
            raise ValueError(f"benchmark: must be finite, got {benchmark!r}")
        bm = np.array([b])
    bm = np.ascontiguousarray(bm, dtype=np.float64)

    try:
        cols = _core.compare(statistic, num, den, std, offsets, bm, method, improvement, m, 10.0, 10.0, int(threads))
    except ValueError as exc:
        if isinstance(exc, _core.InsufficientDataError):
            raise
        if grouped:  # the core's index is a row of the data, in group order
            raise relabel_error(exc, data.index.take(order), "row") from None
        raise relabel_error(exc, labels, "group" if group is not None else "row") from None
    return ComparisonResult(
        statistic=statistic,
        method=method,
        polarity=improvement,
        level=level,
        multiplier=m,
        columns=cols,
        labels=pd.Index(labels),
        value_name=numerator if denominator is None else f"{numerator} / {denominator}",
    )
