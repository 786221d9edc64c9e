"""``qm.capability`` and ``qm.target_assurance``: is the process capable of meeting its target?

Every number comes from the C++ core (``qm/assurance/capability.hpp``); this module shapes data.

>>> res = qm.spc(df, value="performance", date="month", group="trust", target=0.95)
>>> cap = qm.capability(res)            # the last phase of each trust against the 95% standard
>>> cap.frame                           # one row per trust: Cpk, Ppk with intervals, p_meet, …
>>> cap.indices()                       # one row per trust and index (Cp, Cpk, Cpm, Pp, …)
>>> qm.target_assurance(res).frame      # the MDC assurance icon for any chart type, and the
...                                     # continuous measures behind it

Sigma. Every index says which sigma it uses: the *within-process* sigma (the XmR chart's, mean
moving range / 1.128) for Cp, Cpl, Cpu, Cpk, Cpm, and the *overall* sigma (the sample standard
deviation) for Pp, Ppl, Ppu, Ppk, Ppm. Intervals: chi-square for Cp and Pp, Bissell's normal
approximation for Cpl, Cpu, Cpk (and the P versions), Boyles's chi-square approximation for
Cpm. ``p_meet_*`` is the predicted proportion of future periods meeting the specification
under a normal model with the process mean and that sigma.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from . import _input as inp

IMPROVEMENTS = ("increase", "decrease", "neutral")
STATUSES = tuple(_core.CAPABILITY_STATUSES)   # ok, too_few_values, zero_sigma, no_specification
MEET_MODELS = tuple(_core.MEET_MODELS)        # none, normal, binomial, poisson
ASSURANCE_ICONS = (None, "consistent_pass", "consistent_fail", "hit_and_miss")
CPM_INTERVALS = ("boyles", "qcc")
#: (column prefix, name shown, sigma)
INDICES = (
    ("cp", "Cp", "within"), ("cpl", "Cpl", "within"), ("cpu", "Cpu", "within"), ("cpk", "Cpk", "within"),
    ("cpm", "Cpm", "within"), ("pp", "Pp", "overall"), ("ppl", "Ppl", "overall"), ("ppu", "Ppu", "overall"),
    ("ppk", "Ppk", "overall"), ("ppm", "Ppm", "overall"),
)
_INTERVAL_METHOD = {"cp": "chi-square", "pp": "chi-square", "cpm": "Boyles chi-square", "ppm": "Boyles chi-square"}

Spec = Union[None, float, Mapping[Any, float], pd.Series]


def _interval_method(prefix: str, cpm_interval: str) -> str:
    m = _INTERVAL_METHOD.get(prefix, "Bissell normal approximation")
    if prefix in ("cpm", "ppm") and cpm_interval == "qcc":
        m = "chi-square, qcc degrees of freedom"
    return m


@dataclass(frozen=True, repr=False, eq=False)
class CapabilityResult:
    """The result of :func:`qualitymetrics.capability`.

    ``frame``: one row per group (every index with its interval, the predicted and observed
    proportions meeting the specification, status); ``indices()``: one row per group and index;
    ``summary()``: the headline columns; ``plot()``; ``to_dict()``.
    """

    confidence: float
    options: Mapping[str, Any]
    columns: Mapping[str, np.ndarray] = field(repr=False)
    labels: Optional[pd.Index] = field(repr=False)
    values: np.ndarray = field(repr=False)
    offsets: np.ndarray = field(repr=False)
    targets: np.ndarray = field(repr=False)
    improvement: str = "increase"
    value_name: str = "value"

    @property
    def n_groups(self) -> int:
        return len(self.offsets) - 1

    @property
    def sigma_within_method(self) -> str:
        d2 = self.options["mr_d2"]
        screened = ", moving ranges screened" if self.options["screen_moving_ranges"] else ""
        return f"mean moving range / {d2:g}{screened}"

    @property
    def sigma_overall_method(self) -> str:
        return "sample standard deviation (n - 1)"

    def _group_column(self) -> Any:
        return self.labels if self.labels is not None else [None] * self.n_groups

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per group."""
        c = self.columns
        data: dict[str, Any] = {
            "group": self._group_column(),
            "n": c["n"],
            "n_moving_ranges": c["n_moving_ranges"],
            "mean": c["mean"],
            "sigma_within": c["sigma_within"],
            "sigma_overall": c["sigma_overall"],
            "sigma_within_method": self.sigma_within_method,
            "sigma_overall_method": self.sigma_overall_method,
            "target": self.targets,
            "improvement": self.improvement,
            "lower_spec": c["lower_spec"],
            "upper_spec": c["upper_spec"],
            "nominal": c["nominal"],
        }
        for prefix, _, _ in INDICES:
            data[prefix] = c[prefix]
            data[f"{prefix}_lower"] = c[f"{prefix}_lower"]
            data[f"{prefix}_upper"] = c[f"{prefix}_upper"]
        for key in ("p_meet_within", "p_meet_overall"):
            data[key] = c[key]
            data[f"{key}_lower"] = c[f"{key}_lower"]
            data[f"{key}_upper"] = c[f"{key}_upper"]
        for key in ("expected_below_within", "expected_above_within", "expected_below_overall",
                    "expected_above_overall", "observed_meet", "observed_below", "observed_above"):
            data[key] = c[key]
        data["status"] = pd.Categorical.from_codes(c["status"].astype(np.int64), categories=list(STATUSES))
        return pd.DataFrame(data)

    def indices(self) -> pd.DataFrame:
        """One row per group and index: value, interval, the sigma it uses and the interval method."""
        f = self.frame
        parts = []
        for prefix, name, sigma in INDICES:
            parts.append(pd.DataFrame({
                "group": f["group"],
                "index": name,
                "sigma": sigma,
                "sigma_method": self.sigma_within_method if sigma == "within" else self.sigma_overall_method,
                "value": f[prefix],
                "lower": f[f"{prefix}_lower"],
                "upper": f[f"{prefix}_upper"],
                "confidence": self.confidence,
                "interval_method": _interval_method(prefix, self.options["cpm_interval"]),
            }))
        out = pd.concat(parts, ignore_index=True)
        order = np.argsort(np.tile(np.arange(len(f)), len(INDICES)), kind="stable")
        return out.iloc[order].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """One row per group: Cpk and Ppk with intervals, the proportions meeting the specification."""
        cols = ["group", "n", "mean", "sigma_within", "sigma_overall", "target", "lower_spec", "upper_spec",
                "cpk", "cpk_lower", "cpk_upper", "ppk", "ppk_lower", "ppk_upper", "p_meet_within",
                "p_meet_overall", "observed_meet", "status"]
        return self.frame[cols]

    def plot(self, group: Any = None, ax: Any = None, *, bins: Union[int, str] = "auto",
             title: Optional[str] = None) -> Any:
        """Histogram of one group's values with the normal curves of the within (solid) and overall
        (dashed) sigma and the specification limits; Cpk and Ppk with their intervals in the
        corner (matplotlib Axes)."""
        return _plot_capability(self, group, ax, bins=bins, title=title)

    def to_dict(self) -> dict[str, Any]:
        f = self.frame
        return {
            "confidence": self.confidence,
            "improvement": self.improvement,
            "options": dict(self.options),
            "sigma_within_method": self.sigma_within_method,
            "sigma_overall_method": self.sigma_overall_method,
            "groups": f.assign(group=f["group"].astype(object), status=f["status"].astype(str)).to_dict(orient="records"),
        }

    def __repr__(self) -> str:
        return f"CapabilityResult(groups={self.n_groups}, confidence={self.confidence}, improvement={self.improvement!r})"

    def _repr_html_(self) -> str:
        head = (f"<p><b>Process capability</b> ({self.n_groups} group(s), {self.confidence:.0%} intervals; "
                f"within sigma: {self.sigma_within_method}; overall sigma: {self.sigma_overall_method}; "
                f"p_meet: normal model)</p>")
        s = self.summary()
        more = f"<p>… {len(s) - 50} more groups</p>" if len(s) > 50 else ""
        return head + s.head(50).to_html(index=False, na_rep="", float_format=lambda v: f"{v:.4g}") + more


def _plot_capability(res: CapabilityResult, group: Any, ax: Any, *, bins: Union[int, str], title: Optional[str]) -> Any:
    import matplotlib.pyplot as plt

    from .funnel import LIMIT_COLOUR, TEXT_COLOUR, legend_below, style_axes
    from .icons import COLOURS

    g = _pick_group(res.labels, group)
    x = res.values[res.offsets[g]:res.offsets[g + 1]]
    x = x[np.isfinite(x)]
    row = res.frame.iloc[g]
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
        fig.set_facecolor("white")
    handles: list[Any] = []
    labels: list[str] = []
    if len(x):
        _, edges, patches = ax.hist(x, bins=bins, density=True, color="#D9D9D9", edgecolor="white", zorder=2,
                                    gid="qm-capability-histogram")
        handles.append(patches[0])
        labels.append(f"{res.value_name} ({len(x)} values)")
    mu = row["mean"]
    lo_x = [v for v in (row["lower_spec"], row["upper_spec"]) if np.isfinite(v)]
    for name, style, key in (("within", "-", "sigma_within"), ("overall", "--", "sigma_overall")):
        s = row[key]
        if not (np.isfinite(s) and s > 0):
            continue
        span = np.array([mu - 4 * s, mu + 4 * s] + lo_x)
        grid = np.linspace(span.min(), span.max(), 400)
        dens = np.exp(-0.5 * ((grid - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        ln, = ax.plot(grid, dens, color=TEXT_COLOUR, linestyle=style, linewidth=1.4, zorder=3,
                      gid=f"qm-capability-normal-{name}")
        handles.append(ln)
        labels.append(f"Normal, {name} sigma {s:.4g}")
    for key, text in (("lower_spec", "Lower limit"), ("upper_spec", "Upper limit")):
        v = row[key]
        if np.isfinite(v):
            ln = ax.axvline(v, color=COLOURS["target"], linestyle="--", linewidth=1.6, zorder=4, gid=f"qm-capability-{key}")
            handles.append(ln)
            labels.append(f"{text} {v:.4g}")
    ax.axvline(mu, color=LIMIT_COLOUR, linewidth=1.0, zorder=3, gid="qm-capability-mean")

    def fmt(k: str) -> str:
        v, lo, hi = row[k], row[f"{k}_lower"], row[f"{k}_upper"]
        return "–" if not np.isfinite(v) else f"{v:.2f} ({lo:.2f} to {hi:.2f})"

    text = (f"Cpk {fmt('cpk')}\nPpk {fmt('ppk')}\n"
            f"Predicted meeting (within) {row['p_meet_within']:.1%}\nObserved meeting {row['observed_meet']:.1%}")
    ax.text(0.99, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=8.5, color=TEXT_COLOUR,
            bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor=LIMIT_COLOUR, linewidth=0.6), zorder=6,
            gid="qm-capability-text")
    style_axes(ax)
    ax.set_yticks([])
    ax.set_xlabel(res.value_name, color=TEXT_COLOUR, fontsize=10)
    if title is None:
        label = "" if res.labels is None else f" – {res.labels[g]}"
        title = f"Capability of {res.value_name}{label}"
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOUR)
    legend_below(ax, handles, labels)
    return ax


def _pick_group(labels: Optional[pd.Index], group: Any) -> int:
    if labels is None or group is None:
        if labels is not None and len(labels) > 1:
            shown = ", ".join(repr(v) for v in list(labels)[:5])
            raise ValueError(f"group: choose one of the {len(labels)} groups ({shown}, …)")
        return 0
    if group not in labels:
        raise ValueError(f"group: {group!r} is not in the result")
    return int(labels.get_loc(group))


def _per_group_spec(spec: Spec, labels: Optional[pd.Index], argument: str) -> Optional[np.ndarray]:
    if spec is None:
        return None
    return inp.per_group(spec, labels, argument)


_INDEXED = re.compile(r"^(lower|upper|nominal)\[(\d+)\]: (.*)$", re.S)


def _relabel(exc: ValueError, labels: Optional[pd.Index]) -> ValueError:
    m = _INDEXED.match(str(exc))
    if m is None or labels is None:
        return exc
    return type(exc)(f"{m.group(1)}: {m.group(3)} (group {labels[int(m.group(2))]!r})")


def _from_spc(res: Any, phase: str) -> tuple[np.ndarray, np.ndarray, Optional[pd.Index], np.ndarray, str]:
    """Values, offsets, labels, targets and improvement of an SPCResult's XmR chart(s)."""
    if res.kind not in ("xmr", "shewhart") or res.chart != "xmr":
        raise ValueError(f"data: capability needs the individual values of an XmR chart; this is a {res.chart} "
                         "chart (use qm.target_assurance for the assurance of any chart)")
    if phase not in ("last", "all"):
        raise ValueError(f"phase: must be 'last' or 'all', got {phase!r}")
    values = np.asarray(res.values, dtype=np.float64)
    offsets = np.asarray(res.group_offsets, dtype=np.int64)
    if phase == "last" and "phase_begin" in res.columns:
        c = res.columns
        last = c["group_phase_offsets"][1:] - 1
        begins = c["phase_begin"][last].astype(np.int64)
        keep = np.concatenate([np.arange(b, e) for b, e in zip(begins, offsets[1:])])
        lengths = offsets[1:] - begins
        values = values[keep]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return (np.ascontiguousarray(values), np.ascontiguousarray(offsets), res.group_labels,
            np.asarray(res.targets, dtype=np.float64), res.improvement)


def capability(
    data: Any,
    value: Optional[str] = None,
    group: Optional[str] = None,
    date: Optional[str] = None,
    *,
    target: Spec = None,
    improvement: Optional[str] = None,
    lower: Spec = None,
    upper: Spec = None,
    nominal: Spec = None,
    confidence: float = 0.95,
    mr_d2: float = 1.128,
    screen: bool = False,
    within_df_factor: float = 1.0,
    cpm_interval: str = "boyles",
    phase: str = "last",
    threads: int = 0,
) -> CapabilityResult:
    """Process capability against a target or specification limits, with confidence intervals.

    Parameters
    ----------
    data : an :class:`SPCResult` of an XmR chart (its groups, targets and improvement direction;
        by default the values of each group's last phase), a DataFrame, or an array of values.
    value, group, date : column names (DataFrame). Rows are put in date order within each group
        (the moving ranges need the time order); without ``date`` the row order is the time order.
    target : the NHS case: a single target, one-sided — with ``improvement="increase"`` it is a
        lower specification limit ("at least 95%"), with ``"decrease"`` an upper one. A number or
        a mapping group -> number. For an SPCResult the chart's targets are the default.
    improvement : ``"increase"`` or ``"decrease"`` (default: the SPCResult's, else increase).
    lower, upper : specification limits (numbers or mappings), for two-sided capability.
    nominal : the target value T of Cpm (default the midpoint of lower and upper).
    confidence : two-sided level of every interval.
    mr_d2 : the within sigma is mean moving range / mr_d2 (1.128; exact 2/√π).
    screen : screen moving ranges as Making Data Count does (≥ 3.267 mean moving range dropped).
    within_df_factor : degrees of freedom of the within sigma, × (n − 1) (0.62: Wheeler).
    cpm_interval : ``"boyles"`` (default) or ``"qcc"`` (qcc 3.0's degrees of freedom).
    phase : SPCResult only: ``"last"`` (the current process) or ``"all"`` rows.

    One group that cannot be assessed raises :class:`InsufficientDataError` (fewer than 2
    values, identical values); with ``group=`` such groups get a ``status`` instead.
    """
    from .charts import SPCResult

    inp.choice(cpm_interval, CPM_INTERVALS, "cpm_interval")
    if improvement is not None:
        inp.choice(improvement, IMPROVEMENTS, "improvement")
    value_name = value if isinstance(value, str) else "value"
    if isinstance(data, SPCResult):
        if value is not None or group is not None or date is not None:
            raise ValueError("value: give the columns with a DataFrame, not with an SPCResult")
        values, offsets, labels, chart_targets, chart_improvement = _from_spc(data, phase)
        value_name = data.value_name
        improvement = improvement or chart_improvement
        if target is None and lower is None and upper is None:
            if np.isnan(chart_targets).all():
                raise ValueError("target: the chart has no target; give target=, or lower= and/or upper=")
            target = pd.Series(chart_targets, index=labels) if labels is not None else float(chart_targets[0])
        single = labels is None
    else:
        improvement = improvement or "increase"
        df, value = inp.as_frame(data, value)
        value_name = value
        vals = inp.numeric_values(inp.column(df, value, "value"), "value")
        days = None
        if date is not None:
            days, _ = inp.date_days(inp.column(df, date, "date"), "date")
        if group is not None:
            codes, labels = inp.group_codes(inp.column(df, group, "group"), "group")
        else:
            codes, labels = np.zeros(len(vals), dtype=np.int64), None
        order = np.lexsort((days,) + (codes,)) if days is not None else np.argsort(codes, kind="stable")
        values = np.ascontiguousarray(vals[order])
        counts = np.bincount(codes, minlength=1 if labels is None else len(labels))
        offsets = np.ascontiguousarray(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
        single = labels is None

    if target is not None:
        if lower is not None or upper is not None:
            raise ValueError("target: give target= (one-sided, by improvement) or lower=/upper=, not both")
        if improvement == "neutral":
            raise ValueError("improvement: a target needs a direction ('increase': at least the target, "
                             "'decrease': at most the target)")
        t = _per_group_spec(target, labels, "target")
        if improvement == "increase":
            lower_arr, upper_arr = t, None
        else:
            lower_arr, upper_arr = None, t
    else:
        lower_arr = _per_group_spec(lower, labels, "lower")
        upper_arr = _per_group_spec(upper, labels, "upper")
        if lower_arr is None and upper_arr is None:
            raise ValueError("target: capability needs a target (target=) or specification limits (lower=, upper=)")
    nominal_arr = _per_group_spec(nominal, labels, "nominal")
    targets = (lower_arr if improvement == "increase" else upper_arr) if target is not None else np.full(len(offsets) - 1, np.nan)
    try:
        cols = _core.capability_grouped(values, offsets, lower_arr, upper_arr, nominal_arr, float(confidence),
                                        float(mr_d2), bool(screen), 3.267, float(within_df_factor), cpm_interval,
                                        int(threads))
    except ValueError as exc:
        if isinstance(exc, _core.InsufficientDataError):
            raise
        raise _relabel(exc, labels) from None
    if single:
        status = STATUSES[int(cols["status"][0])]
        n = int(cols["n"][0])
        if status == "too_few_values":
            if n < 2:
                raise _core.InsufficientDataError(
                    f"value: capability needs at least 2 non-missing values, got {n}")
            raise _core.InsufficientDataError(
                "value: no two consecutive values are both present, so there is no moving range for the "
                "within-process sigma")
        if status == "zero_sigma":
            if not cols["sigma_overall"][0] > 0:
                raise _core.InsufficientDataError(
                    f"value: all {n} values are identical (sigma 0); capability indices are undefined")
            raise _core.InsufficientDataError(
                "value: every moving range is 0 (within-process sigma 0); capability indices are undefined")
    options = {"mr_d2": float(mr_d2), "screen_moving_ranges": bool(screen), "within_df_factor": float(within_df_factor),
               "cpm_interval": cpm_interval, "phase": phase}
    return CapabilityResult(confidence=float(confidence), options=options, columns=cols, labels=labels, values=values,
                            offsets=offsets, targets=np.asarray(targets, dtype=np.float64), improvement=improvement,
                            value_name=value_name)


# ==================================================================================== assurance
@dataclass(frozen=True, repr=False, eq=False)
class TargetAssuranceResult:
    """The result of :func:`qualitymetrics.target_assurance`: one row per group in ``frame``.

    ``assurance_icon`` compares the target with the limits at the latest point (as the chart's
    own summary does); ``share_pass`` / ``share_fail`` / ``share_hit_and_miss`` say, over the
    last phase, how many points' own limits lie wholly on the passing side of the target, wholly
    on the failing side, or straddle it (for charts with variable limits, how much the icon
    depends on the latest denominator); ``target_index`` is the continuous quantity behind the
    icon (> 1 consistent pass, < −1 consistent fail); ``p_meet`` the predicted proportion of
    future periods meeting the target under ``model``.
    """

    chart: str
    improvement: str
    columns: Mapping[str, np.ndarray] = field(repr=False)
    labels: Optional[pd.Index] = field(repr=False)
    latest: pd.DataFrame = field(repr=False)

    @property
    def n_groups(self) -> int:
        return len(self.columns["assurance_icon"])

    @cached_property
    def frame(self) -> pd.DataFrame:
        c = self.columns
        data: dict[str, Any] = {
            "group": self.labels if self.labels is not None else [None] * self.n_groups,
            "chart": self.chart,
            "improvement": self.improvement,
            "target": c["target"],
        }
        for k in ("latest_date", "latest_value", "centre", "lower", "upper"):
            data[k] = self.latest[k].to_numpy()
        data.update({
            "assurance_icon": np.array(ASSURANCE_ICONS, dtype=object)[c["assurance_icon"].astype(np.int64)],
            "target_index": c["target_index"],
            "p_meet": c["p_meet"],
            "model": pd.Categorical.from_codes(c["model"].astype(np.int64), categories=list(MEET_MODELS)),
            "n_points": c["n_points"],
            "n_with_limits": c["n_limits"],
            "share_pass": c["share_pass"],
            "share_fail": c["share_fail"],
            "share_hit_and_miss": c["share_hit_and_miss"],
            "observed_meet": c["observed_meet"],
        })
        return pd.DataFrame(data)

    def summary(self) -> pd.DataFrame:
        """How many groups have each assurance icon."""
        icons = pd.Series(self.frame["assurance_icon"].fillna("none"))
        counts = icons.value_counts()
        return pd.DataFrame([{f"n_{k}": int(counts.get(k, 0))
                              for k in ("consistent_pass", "hit_and_miss", "consistent_fail", "none")}])

    def to_dict(self) -> dict[str, Any]:
        f = self.frame
        return {"chart": self.chart, "improvement": self.improvement,
                "groups": f.assign(group=f["group"].astype(object), model=f["model"].astype(str)).to_dict(orient="records")}

    def __repr__(self) -> str:
        return f"TargetAssuranceResult(chart={self.chart!r}, improvement={self.improvement!r}, groups={self.n_groups})"

    def _repr_html_(self) -> str:
        s = self.summary().iloc[0]
        head = (f"<p><b>Target assurance</b> ({self.chart} chart, improvement {self.improvement}): "
                + ", ".join(f"{k[2:].replace('_', ' ')} {v}" for k, v in s.items()) + "</p>")
        f = self.frame
        more = f"<p>… {len(f) - 50} more groups</p>" if len(f) > 50 else ""
        return head + f.head(50).to_html(index=False, na_rep="", float_format=lambda v: f"{v:.4g}") + more


def target_assurance(result: Any, *, target: Spec = None, threads: int = 0) -> TargetAssuranceResult:
    """The Making Data Count assurance of a target for any chart of :func:`qualitymetrics.spc`.

    ``result`` is an :class:`SPCResult` (XmR, run, MR, Xbar, p, np, c, u, p′, u′, g, t);
    ``target`` overrides its targets (a number or a mapping group -> number). CUSUM and EWMA
    results have decision limits, not process limits, and are refused.
    """
    from .charts import SPCResult

    if not isinstance(result, SPCResult):
        raise ValueError(f"result: expected an SPCResult from qm.spc, got {type(result).__name__}")
    if result.kind in ("cusum", "ewma"):
        raise ValueError(f"result: target assurance needs process limits; the {result.chart} chart's lines are "
                         "decision limits")
    f = result.frame
    offsets = np.ascontiguousarray(result.group_offsets, dtype=np.int64)
    labels = result.group_labels
    targets = np.asarray(result.targets, dtype=np.float64) if target is None else inp.per_group(target, labels, "target")
    phase = f["phase"].to_numpy()
    starts = offsets[:-1]
    last_phase = np.maximum.reduceat(phase, starts)
    # the first row of each group's last phase
    is_last = phase == np.repeat(last_phase, np.diff(offsets))
    row = np.arange(len(phase))
    first = np.minimum.reduceat(np.where(is_last, row, len(phase)), starts).astype(np.int64)
    den = f["denominator"].to_numpy(dtype=np.float64) if "denominator" in f.columns else None
    col = lambda k: np.ascontiguousarray(f[k].to_numpy(dtype=np.float64))  # noqa: E731
    cols = _core.target_assurance(result.chart, col("value"), col("centre"), col("lower"), col("upper"),
                                  None if den is None else np.ascontiguousarray(den), offsets,
                                  np.ascontiguousarray(first), np.ascontiguousarray(targets), result.improvement,
                                  int(threads))
    last = offsets[1:] - 1
    latest = pd.DataFrame({"latest_date": f["date"].to_numpy()[last], "latest_value": f["value"].to_numpy()[last],
                           "centre": f["centre"].to_numpy()[last], "lower": f["lower"].to_numpy()[last],
                           "upper": f["upper"].to_numpy()[last]})
    return TargetAssuranceResult(chart=result.chart, improvement=result.improvement, columns=cols, labels=labels,
                                 latest=latest)
