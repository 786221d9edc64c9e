"""``qm.monitor``: live monitors — quality control during operations, one point at a time.

>>> import qualitymetrics as qm
>>> m = qm.monitor.Shewhart("xmr", preset="mdc", improvement="increase", baseline=12)
>>> for month, value in data:
...     ev = m.push(value, date=month)           # evaluated at once, against frozen limits
...     for s in ev.signals:                     # which rules fired, which points they cover
...         print(s.rule, s.first_date, s.date, s.point_type)
>>> state = m.save()                             # bytes (or m.to_json()); persist between runs
>>> m = qm.monitor.restore(state)                # exactly where it was

Monitors: :class:`Shewhart` (XmR with the Making Data Count rules, p, np, u, c, Laney p′/u′, g,
t, MR and run charts with any rule set), :class:`Cusum`, :class:`Ewma`, :class:`BernoulliCusum`
(qicharts2's bchart), :class:`RiskAdjustedCusum` (Steiner et al. 2000) and :class:`Vlad`. Each
has ``push()``, ``replay()`` (every row of a frame, as if it arrived in real time), ``save()`` /
``to_json()`` and ``restore()`` / ``from_json()``; pickling uses the same state.

Decision thresholds: :func:`cusum_threshold` (a chosen in-control ARL, Markov chain),
:func:`cusum_arl`, :func:`cusum_arl_siegmund`, :func:`cusum_false_alarm_probability`,
:func:`bernoulli_threshold`, :func:`risk_adjusted_threshold`, :func:`simulate_arl`.

The arithmetic is the C++ core's (``qm/monitor/*.hpp``): a replay through a monitor with frozen
limits gives exactly the flags of the batch chart with the same limits.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from . import _input as inp

__all__ = [
    "Shewhart", "Cusum", "Ewma", "BernoulliCusum", "RiskAdjustedCusum", "Vlad",
    "Evaluation", "Signal", "PointUpdate", "Replay",
    "restore", "from_json", "learn_limits",
    "cusum_arl", "cusum_arl_siegmund", "cusum_threshold", "cusum_false_alarm_probability",
    "cusum_threshold_for_false_alarm", "bernoulli_arl", "bernoulli_threshold", "risk_adjusted_arl",
    "risk_adjusted_threshold", "simulate_arl",
]

POINT_TYPES = ("common_cause", "special_cause_improvement", "special_cause_concern",
               "special_cause_neutral_high", "special_cause_neutral_low")
_EPOCH = pd.Timestamp("1970-01-01")
_NAN = float("nan")


# ---------------------------------------------------------------------------------------- values
@dataclass(frozen=True)
class Signal:
    """A rule firing when a point is pushed.

    ``point``/``date``: the point that completes the pattern; ``first``/``first_date``: the first
    point the pattern covers (a run: the whole run so far; a CUSUM: where the sum left zero);
    ``direction``: ``"high"`` (above the centre, upwards, more failures), ``"low"`` or None;
    ``continued``: the same rule and direction also signalled at the previous point (an ongoing
    pattern rather than a new alarm); ``point_type``: the direction read with the improvement
    direction (``special_cause_concern`` …).
    """

    rule: str
    point: int
    first: int
    date: Any
    first_date: Any
    direction: Optional[str]
    continued: bool
    point_type: str


@dataclass(frozen=True)
class PointUpdate:
    """An earlier point whose flags or point type changed at this push."""

    point: int
    flags: tuple
    point_type: str


@dataclass(frozen=True)
class Evaluation:
    """One pushed point: its statistic, the lines (or sums) it was judged against, its flags and
    point type, and the signals and updates the push raised."""

    index: int
    date: Any
    value: float
    statistic: float
    lines: Mapping[str, float]
    flags: tuple
    point_type: str
    learning: bool
    alarm: bool
    signals: tuple
    updates: tuple

    @property
    def centre(self) -> float:
        return self.lines.get("centre", _NAN)

    @property
    def lower(self) -> float:
        return self.lines.get("lower", _NAN)

    @property
    def upper(self) -> float:
        return self.lines.get("upper", _NAN)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "date": self.date, "value": self.value, "statistic": self.statistic,
            "lines": dict(self.lines), "flags": list(self.flags), "point_type": self.point_type,
            "learning": self.learning, "alarm": self.alarm,
            "signals": [s.__dict__.copy() for s in self.signals],
            "updates": [{"point": u.point, "flags": list(u.flags), "point_type": u.point_type} for u in self.updates],
        }


def _day(date: Any, argument: str = "date") -> Optional[int]:
    if date is None:
        return None
    if isinstance(date, (int, np.integer)) and not isinstance(date, bool):
        return int(date)
    try:
        ts = pd.Timestamp(date)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{argument}: cannot read {date!r} as a date: {exc}") from None
    if ts is pd.NaT:
        raise ValueError(f"{argument}: missing date")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int((ts.normalize() - _EPOCH).days)


def _date(day: Optional[int], as_dates: bool) -> Any:
    if day is None:
        return None
    return _EPOCH + pd.Timedelta(days=int(day)) if as_dates else int(day)


def _float(x: Any, argument: str) -> float:
    if x is None:
        return _NAN
    if isinstance(x, bool):
        return 1.0 if x else 0.0
    try:
        return float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{argument}: expected a number, got {x!r}") from None


def _direction(d: int) -> Optional[str]:
    return "high" if d > 0 else ("low" if d < 0 else None)


def _oriented(direction: int, improvement: str) -> str:
    if direction == 0:
        return "common_cause"
    if improvement == "neutral":
        return "special_cause_neutral_high" if direction > 0 else "special_cause_neutral_low"
    good = direction > 0 if improvement == "increase" else direction < 0
    return "special_cause_improvement" if good else "special_cause_concern"


# ---------------------------------------------------------------------------------------- monitors
class _Monitor:
    """Common machinery: push, replay, state."""

    _core_class: Any = None
    _kind: str = ""
    _rule_names: Mapping[int, str] = {}

    def __init__(self) -> None:
        self._m: Any = None
        self._improvement = "increase"
        self._dates = True  # report dates as Timestamps (False: the integers pushed)

    # ---- rules and values
    def _rules(self, bits: int) -> tuple:
        return tuple(name for bit, name in self._rule_names.items() if bits & bit)

    def _signal(self, s: tuple) -> Signal:
        point, first, day, first_day, rule, direction, continued = s
        return Signal(rule=self._rule_names.get(int(rule), str(rule)), point=int(point), first=int(first),
                      date=_date(day, self._dates), first_date=_date(first_day, self._dates),
                      direction=_direction(direction), continued=bool(continued),
                      point_type=_oriented(direction, self._improvement))

    def _evaluation(self, d: Mapping[str, Any], statistic: float, lines: Mapping[str, float]) -> Evaluation:
        return Evaluation(
            index=int(d["index"]), date=_date(d["day"], self._dates), value=float(d["value"]),
            statistic=float(statistic), lines=lines, flags=self._rules(int(d["flags"])),
            point_type=POINT_TYPES[int(d["point_type"])], learning=bool(d["learning"]), alarm=bool(d["alarm"]),
            signals=tuple(self._signal(s) for s in d["signals"]),
            updates=tuple(PointUpdate(int(p), self._rules(int(f)), POINT_TYPES[int(t)]) for p, f, t in d["updates"]))

    # ---- state
    @property
    def size(self) -> int:
        """Points pushed so far (missing values count)."""
        return int(self._m.size)

    def save(self) -> bytes:
        """The state as a compact, versioned byte string (restore with :func:`restore`)."""
        return self._m.save()

    def to_json(self) -> str:
        """The state as JSON (restore with :func:`from_json`)."""
        return self._m.to_json()

    @classmethod
    def restore(cls, state: bytes) -> "_Monitor":
        """A monitor exactly as it was saved; a damaged, foreign or other-version state is a ValueError."""
        if not isinstance(state, (bytes, bytearray)):
            raise ValueError(f"state: expected bytes from save(), got {type(state).__name__}")
        obj = cls.__new__(cls)
        obj._m = cls._core_class.restore(bytes(state))
        obj._after_restore()
        return obj

    @classmethod
    def from_json(cls, state: str) -> "_Monitor":
        if not isinstance(state, str):
            raise ValueError(f"state: expected a JSON string from to_json(), got {type(state).__name__}")
        obj = cls.__new__(cls)
        obj._m = cls._core_class.from_json(state)
        obj._after_restore()
        return obj

    def _after_restore(self) -> None:
        self._dates = True
        self._improvement = _json_improvement(self._m.to_json())

    def __getstate__(self) -> dict[str, Any]:
        return {"state": self.save(), "dates": self._dates}

    def __setstate__(self, st: Mapping[str, Any]) -> None:
        self._m = self._core_class.restore(st["state"])
        self._improvement = _json_improvement(self._m.to_json())
        self._dates = st.get("dates", True)

    def __repr__(self) -> str:
        return f"qm.monitor.{type(self).__name__}({self._describe()}, points={self.size})"

    def _describe(self) -> str:
        return ""

    # ---- replay
    def _enabled_rules(self) -> int:
        return sum(self._rule_names)

    def _replay_frame(self, cols: Mapping[str, Any], values: np.ndarray, days: Optional[np.ndarray],
                      dates: Optional[pd.Series], extra: Mapping[str, np.ndarray], start: int) -> "Replay":
        n = len(values)
        flags = cols["flags"].astype(np.int64)
        data: dict[str, Any] = {
            "index": np.arange(start, start + n),
            "date": dates.to_numpy() if dates is not None else (days if days is not None else np.full(n, None)),
            "value": values,
        }
        data.update(extra)
        enabled = self._enabled_rules()
        for bit, name in self._rule_names.items():
            if bit & enabled:
                data[f"rule_{name}"] = (flags & bit) != 0
        data["point_type"] = pd.Categorical.from_codes(cols["point_type"], categories=list(POINT_TYPES))
        data["learning"] = cols["learning"].astype(bool)
        data["alarm"] = cols["alarm"].astype(bool)
        uniq, inverse = np.unique(cols["raised"].astype(np.int64), return_inverse=True)
        data["raised"] = np.array([",".join(self._rules(int(b))) for b in uniq], dtype=object)[inverse]
        frame = pd.DataFrame(data)
        s = cols["signals"]
        as_dates = dates is not None and pd.api.types.is_datetime64_any_dtype(dates.dtype)
        day_col = lambda v: [_date(None if d == _NO_DAY else int(d), as_dates) for d in v]  # noqa: E731
        sig = pd.DataFrame({
            "push": s["push"] + start,
            "date": day_col(s["day"]),
            "rule": [self._rule_names.get(int(r), str(r)) for r in s["rule"]],
            "point": s["point"] + start,
            "first": s["first"] + start,
            "first_date": day_col(s["first_day"]),
            "direction": [_direction(int(d)) for d in s["direction"]],
            "point_type": [_oriented(int(d), self._improvement) for d in s["direction"]],
            "continued": s["continued"].astype(bool),
        })
        return Replay(monitor=type(self).__name__, improvement=self._improvement, frame=frame, signals=sig,
                      rule_names=tuple(n for b, n in self._rule_names.items() if b & enabled))

    def _replay_inputs(self, data: Any, value: Optional[str], date: Optional[str]
                       ) -> tuple[pd.DataFrame, str, np.ndarray, Optional[np.ndarray], Optional[pd.Series]]:
        df, value = inp.as_frame(data, value)
        vals = _numbers(inp.column(df, value, "value"), "value")
        days = dt = None
        if date is not None:
            days, dt = inp.date_days(inp.column(df, date, "date"), "date")
            bad = np.flatnonzero(np.diff(days) <= 0)
            if len(bad):
                i = int(bad[0]) + 1
                raise ValueError(f"date: rows must be in time order, one per period (row {df.index[i]!r} is not "
                                 f"after row {df.index[i - 1]!r})")
            self._dates = pd.api.types.is_datetime64_any_dtype(dt.dtype)
            dt = dt.reset_index(drop=True)
        return df, value, vals, days, dt


_NO_DAY = np.iinfo(np.int64).min


def _numbers(s: pd.Series, argument: str) -> np.ndarray:
    """float64 values, NaN for missing (all-missing allowed, unlike qm.spc)."""
    if len(s) == 0:
        raise ValueError(f"{argument}: the data are empty")
    if pd.api.types.is_bool_dtype(s.dtype):
        return np.ascontiguousarray(s.to_numpy(dtype=np.float64))
    return np.ascontiguousarray(inp.to_float64(s, argument))


def _json_improvement(js: str) -> str:
    import json

    code = json.loads(js)["state"]["options"]["improvement"]
    return {-1: "decrease", 0: "neutral", 1: "increase"}[int(code)]


@dataclass(frozen=True, repr=False, eq=False)
class Replay:
    """A series pushed through a monitor point by point: ``frame`` (one row per point: the
    statistic, the lines or sums, the final ``rule_<name>`` flags and point type, ``learning``
    (still held for a baseline that was not complete at the end of the replay), ``alarm`` (a new
    signal at that push) and ``raised`` (the rules that signalled at that push)),
    ``signals`` (one row per signal: the push, its date, rule, the points it covers, direction,
    point type, continued), ``summary()``, ``plot()``, ``to_dict()``."""

    monitor: str
    improvement: str
    frame: pd.DataFrame = field(repr=False)
    signals: pd.DataFrame = field(repr=False)
    rule_names: tuple = ()

    def summary(self) -> pd.DataFrame:
        f, s = self.frame, self.signals
        new = s[~s["continued"]]
        concern = new[new["point_type"] == "special_cause_concern"]
        first = new.iloc[0] if len(new) else None
        return pd.DataFrame([{
            "monitor": self.monitor,
            "n_points": len(f),
            "n_learning": int(f["learning"].sum()),
            "n_alarms": int(f["alarm"].sum()),
            "n_signals": len(s),
            "first_signal_date": None if first is None else first["date"],
            "first_signal_rule": None if first is None else first["rule"],
            "first_concern_date": concern.iloc[0]["date"] if len(concern) else None,
            "latest_point_type": f["point_type"].iloc[-1],
        }])

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        from .review import plot_replay

        return plot_replay(self, ax=ax, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"monitor": self.monitor, "improvement": self.improvement,
                "summary": self.summary().to_dict(orient="records")[0],
                "points": self.frame.to_dict(orient="list"), "signals": self.signals.to_dict(orient="list")}

    def __repr__(self) -> str:
        return f"Replay(monitor={self.monitor!r}, points={len(self.frame)}, signals={len(self.signals)})"


def _check_choice(value: Any, allowed: Sequence[str], argument: str) -> str:
    return inp.choice(value, allowed, argument)


class Shewhart(_Monitor):
    """A live Shewhart chart with frozen limits and any rule set.

    Parameters
    ----------
    chart : ``"xmr"`` (``"i"``), ``"mr"``, ``"run"``, ``"c"``, ``"p"``, ``"np"``, ``"u"``,
        ``"p_prime"``, ``"u_prime"``, ``"g"``, ``"t"``.
    preset : ``"mdc"`` (NHS Making Data Count: for XmR, centre ± 2.66·mR̄ with screening, and the
        four MDC rules), ``"qicharts2"``, ``"qcc"``, ``"shewhart"`` — each tool's arithmetic and rules.
    rules : a rule-set name (``"mdc"``, ``"western_electric"``, ``"nelson"``, ``"anhoej"``, …) or a
        list of rule names; default: the preset's.
    improvement : ``"increase"``, ``"decrease"`` or ``"neutral"`` (the MR chart is a chart of
        variation: less is better, whatever the measure's direction, as in ``qm.spc``).
    target : the goal (kept with the monitor; used by the review).
    baseline : learn the limits from the first ``baseline`` points pushed (they are evaluated when
        the last of them arrives), as ``qm.spc(..., fix_after=baseline)`` computes them.
    limits : frozen limits instead: a mapping with ``centre`` (and ``sigma``; for p/u charts the
        ``mean`` proportion or rate; for p′/u′ ``sigma`` is Laney's σ_z), or the result of
        :func:`learn_limits` on historical data.
    """

    _core_class = _core.ShewhartMonitor
    _kind = "shewhart"
    _rule_names = {1 << k: name for k, name in enumerate(_core.RULE_NAMES)}

    def __init__(self, chart: str = "xmr", *, preset: str = "mdc", rules: Union[None, str, Sequence[str]] = None,
                 improvement: str = "increase", target: Optional[float] = None, baseline: Optional[int] = None,
                 limits: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__()
        inp.choice(improvement, ("increase", "decrease", "neutral"), "improvement")
        chart = "xmr" if chart == "i" else chart
        if chart == "mr":  # a chart of variation: less variation is better, as qm.spc draws it
            improvement = "decrease"
        if baseline is None and limits is None:
            raise ValueError("baseline: give the number of points to learn the limits from (e.g. baseline=12), "
                             "or frozen limits=")
        if baseline is not None and (isinstance(baseline, bool) or not isinstance(baseline, (int, np.integer))
                                     or baseline < 1):
            raise ValueError(f"baseline: expected a positive whole number of points, got {baseline!r}")
        if isinstance(rules, (list, tuple)):
            rules = list(rules)
        lim = None if limits is None else {k: v for k, v in dict(limits).items() if k in ("centre", "mean", "sigma",
                                                                                             "sufficient")}
        self._m = _core.ShewhartMonitor(chart, preset, rules, improvement, _float(target, "target"),
                                        int(baseline or 0), lim)
        self._improvement = improvement

    def push(self, value: Any, denominator: Any = None, *, date: Any = None, exclude: bool = False) -> Evaluation:
        """Evaluate the next point now (``denominator`` for p, np, u, p′, u′; ``date`` optional but
        increasing; ``exclude`` leaves a baseline point out of the limits and any point out of the
        Anhøj runs analysis)."""
        if date is not None and not isinstance(date, (int, np.integer)):
            self._dates = True
        elif date is not None:
            self._dates = False
        d = self._m.push(_float(value, "value"), _float(denominator, "denominator"), _day(date), bool(exclude))
        return self._evaluation(d, d["statistic"], d["lines"])

    def replay(self, data: Any, value: Optional[str] = None, date: Optional[str] = None, *,
               denominator: Optional[str] = None, exclude: Optional[str] = None) -> Replay:
        """Push every row of ``data`` (a frame with these columns, or an array of values) in order,
        as if each arrived in real time."""
        df, value, vals, days, dt = self._replay_inputs(data, value, date)
        den = None
        if denominator is not None:
            den = _numbers(inp.column(df, denominator, "denominator"), "denominator")
        excl = None
        if exclude is not None:
            col = inp.column(df, exclude, "exclude")
            if not pd.api.types.is_bool_dtype(col.dtype):
                raise ValueError(f"exclude: column {exclude!r} must be boolean")
            excl = np.ascontiguousarray(col.to_numpy(dtype=bool).astype(np.uint8))
        start = self.size
        cols = self._m.replay(vals, den, days, excl)
        extra = {"statistic": cols["statistic"]}
        if den is not None:
            extra["denominator"] = den
        for name in ("centre", "lower", "upper", "lower_1sigma", "upper_1sigma", "lower_2sigma", "upper_2sigma"):
            extra[name] = cols[name]
        return self._replay_frame(cols, vals, days, dt, extra, start)

    def rebase(self, limits: Optional[Mapping[str, Any]] = None) -> None:
        """Start a new phase: learn its limits from its first ``baseline`` points, or use ``limits``."""
        self._m.rebase(None if limits is None else {k: v for k, v in dict(limits).items()
                                                    if k in ("centre", "mean", "sigma", "sufficient")})

    @property
    def learning(self) -> bool:
        """The limits of the current phase are still being learned."""
        return bool(self._m.learning)

    @property
    def limits(self) -> dict[str, Any]:
        """The frozen limits: centre, mean, sigma, sufficient and the lines."""
        return dict(self._m.limits)

    @property
    def trial_limits(self) -> dict[str, Any]:
        """Trial limits from the baseline points so far (display only)."""
        return dict(self._m.trial_limits)

    @property
    def runs_analysis(self) -> dict[str, Any]:
        """The Anhøj runs analysis of the current phase so far."""
        return dict(self._m.runs_analysis)

    def _enabled_rules(self) -> int:
        return int(self._m.options["rules"])

    def _describe(self) -> str:
        o = self._m.options
        return f"chart={o['chart']!r}, improvement={o['improvement']!r}, learning={self.learning}"


class _TimeWeighted(_Monitor):
    _rule_names = {1: "upper", 2: "lower"}

    def _init_common(self, improvement: str, baseline: Optional[int], target: Any, sigma: Any) -> tuple[float, float, int]:
        inp.choice(improvement, ("increase", "decrease", "neutral"), "improvement")
        t, s = _float(target, "target"), _float(sigma, "sigma")
        if (math.isnan(t) or math.isnan(s)) and not baseline:
            raise ValueError("baseline: give the target and sigma, or the number of points to learn them from "
                             "(e.g. baseline=12)")
        if baseline is not None and (isinstance(baseline, bool) or not isinstance(baseline, (int, np.integer))
                                     or baseline < 1):
            raise ValueError(f"baseline: expected a positive whole number of points, got {baseline!r}")
        self._improvement = improvement
        return t, s, int(baseline or 0)

    def push(self, value: Any, size: Any = 1.0, *, date: Any = None) -> Evaluation:
        """Evaluate the next value (or the mean of a subgroup of ``size``) now."""
        self._dates = date is None or not isinstance(date, (int, np.integer))
        d = self._m.push(_float(value, "value"), _float(size, "size"), _day(date))
        return self._evaluation(d, *self._stat_lines(d))

    def replay(self, data: Any, value: Optional[str] = None, date: Optional[str] = None, *,
               size: Optional[str] = None) -> Replay:
        """Push every row of ``data`` in order, as if each arrived in real time."""
        df, value, vals, days, dt = self._replay_inputs(data, value, date)
        sizes = None if size is None else _numbers(inp.column(df, size, "size"), "size")
        start = self.size
        cols = self._m.replay(vals, sizes, days)
        return self._replay_frame(cols, vals, days, dt, self._replay_extra(cols), start)

    @property
    def learning(self) -> bool:
        return bool(self._m.learning)

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._m.parameters)


class Cusum(_TimeWeighted):
    """A live tabular CUSUM (k, h in σ units; qcc and Montgomery's chart).

    ``target`` (μ0) and ``sigma`` given, or learned from the first ``baseline`` points (mean and
    mean moving range / 1.128, as ``qm.spc(chart="cusum", fix_after=baseline)``). A threshold for a
    chosen in-control ARL: :func:`cusum_threshold`.
    """

    _core_class = _core.CusumMonitor
    _kind = "cusum"

    def __init__(self, *, k: float = 0.5, h: float = 5.0, target: Optional[float] = None, sigma: Optional[float] = None,
                 baseline: Optional[int] = None, fast_initial_response: bool = False, head_start: float = 0.0,
                 reset_after_signal: bool = False, improvement: str = "increase") -> None:
        super().__init__()
        t, s, b = self._init_common(improvement, baseline, target, sigma)
        self._m = _core.CusumMonitor(float(k), float(h), bool(fast_initial_response), float(head_start),
                                     bool(reset_after_signal), b, t, s, improvement)

    @staticmethod
    def _stat_lines(d: Mapping[str, Any]) -> tuple[float, Mapping[str, float]]:
        return d["upper"] - d["lower"], {"cusum_upper": d["upper"], "cusum_lower": -d["lower"],
                                         "upper": d["decision_interval"], "lower": -d["decision_interval"],
                                         "centre": 0.0}

    @staticmethod
    def _replay_extra(cols: Mapping[str, Any]) -> dict[str, np.ndarray]:
        return {"cusum_upper": cols["upper"], "cusum_lower": -cols["lower"], "centre": np.zeros(len(cols["upper"])),
                "lower": -cols["decision_interval"], "upper": cols["decision_interval"]}

    def _describe(self) -> str:
        p = self.parameters
        return f"k={p['k']}, h={p['h']}, learning={self.learning}"


class Ewma(_TimeWeighted):
    """A live EWMA chart (λ = ``lam``, limits at ``limit_sigmas``; qcc and Montgomery's chart)."""

    _core_class = _core.EwmaMonitor
    _kind = "ewma"

    def __init__(self, *, lam: float = 0.2, limit_sigmas: float = 3.0, limits: str = "time_varying",
                 target: Optional[float] = None, sigma: Optional[float] = None, baseline: Optional[int] = None,
                 improvement: str = "increase") -> None:
        super().__init__()
        t, s, b = self._init_common(improvement, baseline, target, sigma)
        self._m = _core.EwmaMonitor(float(lam), float(limit_sigmas), limits, b, t, s, improvement)

    @staticmethod
    def _stat_lines(d: Mapping[str, Any]) -> tuple[float, Mapping[str, float]]:
        return d["statistic"], {"centre": d["centre"], "lower": d["lower"], "upper": d["upper"]}

    @staticmethod
    def _replay_extra(cols: Mapping[str, Any]) -> dict[str, np.ndarray]:
        return {"ewma": cols["statistic"], "centre": cols["centre"], "lower": cols["lower"], "upper": cols["upper"]}

    def _describe(self) -> str:
        p = self.parameters
        return f"lam={p['lam']}, limit_sigmas={p['limit_sigmas']}, learning={self.learning}"


class BernoulliCusum(_Monitor):
    """Bernoulli CUSUM for case-by-case outcomes (1 = event), as qicharts2's ``bchart()``.

    ``target``: the acceptable event rate p0, or ``baseline``: learn p0 from the first cases (as
    bchart's ``target > 1``); ``odds_ratio`` (2: the upper chart detects a doubling of the odds, the
    lower a halving); ``limit`` (3.5). Events are failures by default (``improvement="decrease"``).
    """

    _core_class = _core.BernoulliCusumMonitor
    _kind = "bernoulli_cusum"
    _rule_names = {1: "upper", 2: "lower"}

    def __init__(self, *, target: Optional[float] = None, baseline: Optional[int] = None, odds_ratio: float = 2.0,
                 limit: float = 3.5, improvement: str = "decrease") -> None:
        super().__init__()
        inp.choice(improvement, ("increase", "decrease", "neutral"), "improvement")
        self._improvement = improvement
        self._m = _core.BernoulliCusumMonitor(_float(target, "target"), int(baseline or 0), float(odds_ratio),
                                              float(limit), improvement)

    def push(self, outcome: Any, *, date: Any = None) -> Evaluation:
        self._dates = date is None or not isinstance(date, (int, np.integer))
        d = self._m.push(_float(outcome, "outcome"), _day(date))
        return self._evaluation(d, d["upper"] + d["lower"], {"upper": d["upper"], "lower": d["lower"]})

    def replay(self, data: Any, outcome: Optional[str] = None, date: Optional[str] = None) -> Replay:
        df, outcome, vals, days, dt = self._replay_inputs(data, outcome, date)
        start = self.size
        cols = self._m.replay(vals, days)
        return self._replay_frame(cols, vals, days, dt, {"cusum_upper": cols["upper"], "cusum_lower": cols["lower"]},
                                  start)

    @property
    def learning(self) -> bool:
        return bool(self._m.learning)

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._m.parameters)

    def _describe(self) -> str:
        p = self.parameters
        return f"p0={p['p0']}, odds_ratio={p['odds_ratio']}, limit={p['limit']}"


class RiskAdjustedCusum(_Monitor):
    """Risk-adjusted CUSUM (Steiner, Cook, Farewell & Treasure 2000) for outcomes with a predicted
    risk per case: the upper chart detects the odds ratio ``odds_ratio_upper`` (2: deterioration),
    the lower chart ``odds_ratio_lower`` (½: improvement), thresholds ``h_upper`` and ``h_lower``
    (choose them with :func:`risk_adjusted_threshold` for your patient mix)."""

    _core_class = _core.RiskAdjustedCusumMonitor
    _kind = "risk_adjusted_cusum"
    _rule_names = {1: "upper", 2: "lower"}

    def __init__(self, *, odds_ratio_upper: Optional[float] = 2.0, odds_ratio_lower: Optional[float] = 0.5,
                 h_upper: float = 4.5, h_lower: float = 4.0, odds_ratio_null: float = 1.0,
                 reset_after_signal: bool = True, improvement: str = "decrease") -> None:
        super().__init__()
        inp.choice(improvement, ("increase", "decrease", "neutral"), "improvement")
        self._improvement = improvement
        self._m = _core.RiskAdjustedCusumMonitor(float(odds_ratio_null), _float(odds_ratio_upper, "odds_ratio_upper"),
                                                 _float(odds_ratio_lower, "odds_ratio_lower"), float(h_upper),
                                                 float(h_lower), bool(reset_after_signal), improvement)

    def push(self, outcome: Any, risk: Any, *, date: Any = None) -> Evaluation:
        self._dates = date is None or not isinstance(date, (int, np.integer))
        d = self._m.push(_float(outcome, "outcome"), _float(risk, "risk"), _day(date))
        return self._evaluation(d, d["upper"] - d["lower"], {"upper": d["upper"], "lower": -d["lower"],
                                                             "weight_upper": d["weight_upper"],
                                                             "weight_lower": d["weight_lower"]})

    def replay(self, data: Any, outcome: Optional[str] = None, risk: Optional[str] = None,
               date: Optional[str] = None) -> Replay:
        df, outcome, vals, days, dt = self._replay_inputs(data, outcome, date)
        if risk is None:
            raise ValueError("risk: give the column of predicted risks")
        risks = _numbers(inp.column(df, risk, "risk"), "risk")
        start = self.size
        cols = self._m.replay(vals, risks, days)
        return self._replay_frame(cols, vals, days, dt, {"risk": risks, "cusum_upper": cols["a"],
                                                          "cusum_lower": -cols["b"], "weight_upper": cols["e"]}, start)

    @property
    def state(self) -> dict[str, float]:
        return dict(self._m.state)


class Vlad(_Monitor):
    """Variable life-adjusted display: V = Σ(expected − observed) failures, with the EO-CUSUM
    signalling rule (Wittenberg, Gan & Knoth 2018) when ``h_deterioration`` / ``h_improvement``
    are given (``k`` the approximately optimal value for ``mean_risk`` unless given)."""

    _core_class = _core.VladMonitor
    _kind = "vlad"
    _rule_names = {1: "deterioration", 2: "improvement"}

    def __init__(self, *, h_deterioration: Optional[float] = None, h_improvement: Optional[float] = None,
                 k_deterioration: Optional[float] = None, k_improvement: Optional[float] = None,
                 mean_risk: Optional[float] = None, odds_ratio_deterioration: float = 2.0,
                 odds_ratio_improvement: float = 0.5, reset_after_signal: bool = True,
                 improvement: str = "decrease") -> None:
        super().__init__()
        inp.choice(improvement, ("increase", "decrease", "neutral"), "improvement")
        self._improvement = improvement
        f = _float
        self._m = _core.VladMonitor(f(k_deterioration, "k_deterioration"), f(k_improvement, "k_improvement"),
                                    f(h_deterioration, "h_deterioration"), f(h_improvement, "h_improvement"),
                                    f(mean_risk, "mean_risk"), float(odds_ratio_deterioration),
                                    float(odds_ratio_improvement), bool(reset_after_signal), improvement)

    def push(self, outcome: Any, risk: Any, *, date: Any = None) -> Evaluation:
        self._dates = date is None or not isinstance(date, (int, np.integer))
        d = self._m.push(_float(outcome, "outcome"), _float(risk, "risk"), _day(date))
        return self._evaluation(d, d["vlad"], {"expected": d["expected"], "observed": d["observed"],
                                               "eo_upper": d["upper"], "eo_lower": d["lower"]})

    def replay(self, data: Any, outcome: Optional[str] = None, risk: Optional[str] = None,
               date: Optional[str] = None) -> Replay:
        df, outcome, vals, days, dt = self._replay_inputs(data, outcome, date)
        if risk is None:
            raise ValueError("risk: give the column of predicted risks")
        risks = _numbers(inp.column(df, risk, "risk"), "risk")
        start = self.size
        cols = self._m.replay(vals, risks, days)
        return self._replay_frame(cols, vals, days, dt, {"risk": risks, "vlad": cols["statistic"],
                                                          "expected": cols["e"], "eo_upper": cols["a"],
                                                          "eo_lower": cols["b"]}, start)

    @property
    def parameters(self) -> dict[str, float]:
        return dict(self._m.parameters)


_BY_KIND = {"shewhart": Shewhart, "cusum": Cusum, "ewma": Ewma, "bernoulli_cusum": BernoulliCusum,
            "risk_adjusted_cusum": RiskAdjustedCusum, "vlad": Vlad}


def restore(state: Union[bytes, str]) -> _Monitor:
    """A saved monitor of any kind, from ``save()`` bytes or ``to_json()`` text."""
    if isinstance(state, str):
        return from_json(state)
    if not isinstance(state, (bytes, bytearray)):
        raise ValueError(f"state: expected bytes from save() or JSON from to_json(), got {type(state).__name__}")
    return _BY_KIND[_core.monitor_state_kind(bytes(state))].restore(bytes(state))


def from_json(state: str) -> _Monitor:
    """A saved monitor of any kind, from ``to_json()`` text."""
    return _BY_KIND[_core.monitor_json_kind(state)].from_json(state)


def learn_limits(values: Any, *, chart: str = "xmr", preset: str = "mdc", denominators: Any = None,
                 exclude: Any = None) -> dict[str, Any]:
    """Frozen limits from historical data (the batch chart's arithmetic), for ``Shewhart(limits=...)``."""
    chart = "xmr" if chart == "i" else chart
    vals = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    den = None if denominators is None else np.ascontiguousarray(np.asarray(denominators, dtype=np.float64))
    ex = None if exclude is None else np.ascontiguousarray(np.asarray(exclude, dtype=bool).astype(np.uint8))
    return dict(_core.learn_limits(chart, preset, vals, den, ex))


# ---------------------------------------------------------------------------------------- thresholds
def cusum_arl(k: float = 0.5, h: float = 5.0, shift: float = 0.0, *, sides: str = "two_sided",
              head_start: float = 0.0, states: int = 100) -> float:
    """Average run length of the tabular CUSUM (k, h and the shift in σ units), by the Markov chain
    approximation of Brook & Evans (1972) with Richardson extrapolation; two-sided as
    1/ARL = 1/ARL+ + 1/ARL−."""
    return float(_core.cusum_arl(k, h, shift, sides, head_start, states))


def cusum_arl_siegmund(k: float = 0.5, h: float = 5.0, shift: float = 0.0, *, sides: str = "two_sided") -> float:
    """Siegmund's (1985) approximation of the CUSUM ARL (a cross-check)."""
    return float(_core.cusum_arl_siegmund(k, h, shift, sides))


def cusum_threshold(arl0: float, k: float = 0.5, *, sides: str = "two_sided", head_start: float = 0.0,
                    states: int = 100) -> float:
    """The decision interval h (σ units) that gives the in-control ARL ``arl0``."""
    return float(_core.cusum_threshold(arl0, k, sides, head_start, states))


def cusum_false_alarm_probability(k: float, h: float, horizon: int, *, sides: str = "two_sided",
                                  head_start: float = 0.0, states: int = 100) -> float:
    """P(at least one false alarm within ``horizon`` in-control points)."""
    return float(_core.cusum_false_alarm_probability(k, h, int(horizon), sides, head_start, states))


def cusum_threshold_for_false_alarm(probability: float, horizon: int, k: float = 0.5, *, sides: str = "two_sided",
                                    head_start: float = 0.0, states: int = 100) -> float:
    """The h whose false-alarm probability over ``horizon`` points is ``probability``."""
    return float(_core.cusum_threshold_for_false_alarm(probability, int(horizon), k, sides, head_start, states))


def _scores(p0: Optional[float], risks: Any, odds_ratio: float) -> tuple[np.ndarray, np.ndarray]:
    if risks is not None:
        r = np.ascontiguousarray(np.asarray(risks, dtype=np.float64))
        return _core.risk_adjusted_scores(r, float(odds_ratio), 1.0)
    return _core.bernoulli_scores(float(p0), float(odds_ratio))


def bernoulli_arl(p0: float, limit: float = 3.5, odds_ratio: float = 2.0, *, chart: str = "both",
                  states: int = 0) -> float:
    """In-control ARL of the Bernoulli CUSUM (``chart``: ``"upper"``, ``"lower"`` or ``"both"``, as bchart)."""
    inp.choice(chart, ("upper", "lower", "both"), "chart")
    if chart == "both":  # 1/ARL = 1/ARL_upper + 1/ARL_lower
        return 1.0 / (1.0 / bernoulli_arl(p0, limit, odds_ratio, chart="upper", states=states)
                      + 1.0 / bernoulli_arl(p0, limit, odds_ratio, chart="lower", states=states))
    s, p = _scores(p0, None, odds_ratio if chart == "upper" else 1.0 / odds_ratio)
    return float(_core.score_cusum_arl(s, p, float(limit), states))


def bernoulli_threshold(p0: float, arl0: float, odds_ratio: float = 2.0, *, chart: str = "upper",
                        states: int = 0) -> float:
    """The limit of one chart of the Bernoulli CUSUM that gives the in-control ARL ``arl0``."""
    inp.choice(chart, ("upper", "lower"), "chart")
    s, p = _scores(p0, None, odds_ratio if chart == "upper" else 1.0 / odds_ratio)
    return float(_core.score_cusum_threshold(s, p, float(arl0), states))


def risk_adjusted_arl(risks: Any, h: float, odds_ratio: float = 2.0, *, states: int = 0) -> float:
    """In-control ARL of one risk-adjusted CUSUM chart over the patient mix ``risks``."""
    s, p = _scores(None, risks, odds_ratio)
    return float(_core.score_cusum_arl(s, p, float(h), states))


def risk_adjusted_threshold(risks: Any, arl0: float, odds_ratio: float = 2.0, *, states: int = 0) -> float:
    """h of one risk-adjusted CUSUM chart (odds ratio 2: upper, ½: lower) for the in-control ARL
    ``arl0`` over the expected patient mix ``risks`` (Markov chain; see :func:`simulate_arl`)."""
    s, p = _scores(None, risks, odds_ratio)
    return float(_core.score_cusum_threshold(s, p, float(arl0), states))


def simulate_arl(h: float, *, p0: Optional[float] = None, risks: Any = None, odds_ratio: float = 2.0,
                 runs: int = 10000, seed: int = 1) -> dict[str, float]:
    """Seeded simulation of the in-control ARL of a Bernoulli (``p0``) or risk-adjusted (``risks``)
    CUSUM chart: ``{"arl", "standard_error", "runs", "censored"}``."""
    if (p0 is None) == (risks is None):
        raise ValueError("p0: give p0 (Bernoulli CUSUM) or risks (risk-adjusted CUSUM)")
    s, p = _scores(p0, risks, odds_ratio)
    return dict(_core.simulate_score_cusum_arl(s, p, float(h), int(runs), int(seed)))
