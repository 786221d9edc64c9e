"""``qm.periods``: reporting periods and the data preparation that SPC charts need.

Periods: ``"day"``, ``"week"`` (ISO week, Monday start, ISO week-numbering year; also
``"iso_week"``), ``"month"``, ``"quarter"`` (calendar), ``"financial_year"`` / ``"fy"`` (NHS: 1 April
to 31 March, labelled ``"2023/24"``) and ``"financial_quarter"`` / ``"fq"`` (Q1 = April-June,
labelled ``"2023/24 Q1"``). The calendar arithmetic is done by the C++ core (Howard Hinnant's
date library).

>>> qm.periods.period_start(df["arrival"], "fy")                # Series of period starts
>>> qm.periods.label(df["arrival"], "fq")                       # "2023/24 Q4", ...
>>> monthly = qm.periods.aggregate(falls, date="reported", period="month", group="ward")
>>> qm.spc(monthly, value="value", date="period", group="group", chart="c")
>>> qm.spc(qm.periods.days_between(falls, date="reported", group="ward"),
...        value="value", group="group", chart="t")

Every function is vectorised and takes pandas (or array-like) input; errors are ValueError
naming the argument and the row.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

from . import _core
from . import _input as inp

__all__ = ["PERIODS", "HOWS", "period_start", "label", "period_range", "aggregate", "days_between", "cases_between"]

PERIODS = ("day", "week", "iso_week", "month", "quarter", "financial_year", "fy", "financial_quarter", "fq")
HOWS = ("count", "sum", "mean", "ratio")
SPANS = ("all", "group")
_NS_PER_DAY = 86_400_000_000_000


# ---------------------------------------------------------------------------------------- helpers
def _period(period: Any) -> str:
    """The canonical period name; unknown names are a ValueError naming ``period``."""
    if not isinstance(period, str):
        raise ValueError(f"period: expected a period name such as 'month' or 'fq', got {period!r}")
    return _core.period_name(period)


def _datetimes(dates: Any, argument: str) -> tuple[pd.DatetimeIndex, Any]:
    """Any date-like input as a (tz-naive, wall-clock) DatetimeIndex, and a function that gives
    the result back in the caller's shape (Series -> Series with the same index, scalar -> scalar,
    anything else -> Index)."""
    if isinstance(dates, pd.DataFrame):
        raise ValueError(f"{argument}: expected dates (a Series, array or scalar), got a DataFrame")
    scalar = np.ndim(dates) == 0 and not isinstance(dates, (pd.Series, pd.Index))
    values = [dates] if scalar else dates
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(values))
    except (ValueError, TypeError, OverflowError) as exc:
        where = ""
        if isinstance(dates, pd.Series):
            parsed = pd.to_datetime(dates, errors="coerce")
            bad = parsed.isna().to_numpy() & dates.notna().to_numpy()
            if bad.any():
                where = f" at row {dates.index[int(np.flatnonzero(bad)[0])]!r}"
        raise ValueError(f"{argument}: cannot read {'value' if scalar else 'values'} as dates{where}: {exc}") from None
    if idx.tz is not None:
        idx = idx.tz_localize(None)

    def shape(result: Any, name: Optional[str] = None) -> Any:
        if scalar:
            return result[0]
        if isinstance(dates, pd.Series):
            return pd.Series(result, index=dates.index, name=dates.name)
        return pd.Index(result, name=getattr(dates, "name", None))

    return idx, shape


def _days_of(idx: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """int64 days of the non-missing dates, and the mask of missing ones."""
    missing = np.asarray(idx.isna())
    days = idx.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    return np.ascontiguousarray(days[~missing]), missing


def _day_stamps(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def _one_day(value: Any, argument: str) -> int:
    if isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index, pd.DataFrame)):
        raise ValueError(f"{argument}: expected one date, got {type(value).__name__}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{argument}: cannot read {value!r} as a date: {exc}") from None
    if ts is pd.NaT:
        raise ValueError(f"{argument}: missing date")
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return int(np.datetime64(ts.to_datetime64(), "D").astype(np.int64))


_INDEXED = re.compile(r"^(\w+)\[(\d+)\]: (.*)$", re.S)


def _call(fn: Callable[..., Any], *args: Any, rows: Optional[dict[str, tuple[str, pd.Index]]] = None,
          **kwargs: Any) -> Any:
    """Calls the core; an error naming ``argument[i]`` (a position) is re-raised naming the
    Python argument and the row label."""
    try:
        return fn(*args, **kwargs)
    except ValueError as exc:
        m = _INDEXED.match(str(exc))
        if rows is None or m is None or m.group(1) not in rows:
            raise
        name, index = rows[m.group(1)]
        i = int(m.group(2))
        raise ValueError(f"{name}: {m.group(3)} (row {index[i]!r})") from None


def _check_order(times: np.ndarray, codes: Optional[np.ndarray], index: pd.Index, dt: pd.Series,
                 argument: str) -> None:
    bad = _core.first_out_of_order(times, codes)
    if bad is None:
        return
    row, prev = bad
    raise ValueError(
        f"{argument}: event on {_fmt(dt.iloc[row])} at row {index[row]!r} is earlier than the event before it in "
        f"its group, on {_fmt(dt.iloc[prev])} at row {index[prev]!r}; order the events by date, or pass sort=True")


def _fmt(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else str(ts)


def _groups(df: pd.DataFrame, group: Optional[str]) -> tuple[Optional[np.ndarray], Optional[pd.Index]]:
    if group is None:
        return None, None
    codes, labels = inp.group_codes(inp.column(df, group, "group"), "group")
    return codes, labels


def _group_column(codes: np.ndarray, labels: Optional[pd.Index]) -> Any:
    if labels is None:
        return np.full(len(codes), None, dtype=object)
    return labels.take(codes).to_numpy()


def _labels_of(starts: np.ndarray, period: str) -> np.ndarray:
    """Labels, computed once per distinct period."""
    if len(starts) == 0:
        return np.empty(0, dtype=object)
    uniq, inverse = np.unique(starts, return_inverse=True)
    return np.asarray(_core.period_label(uniq, period), dtype=object)[inverse.reshape(-1)]


# ---------------------------------------------------------------------------------------- periods
def period_start(dates: Any, period: str = "month") -> Any:
    """The first day of the period that contains each date (times of day are dropped).

    ``dates``: a Series (a Series with the same index is returned), an Index or array-like (an
    Index is returned) or one date (a Timestamp is returned). Missing dates give NaT.
    """
    p = _period(period)
    idx, shape = _datetimes(dates, "dates")
    days, missing = _days_of(idx)
    starts = _core.period_start(days, p) if len(days) else days
    out = np.full(len(idx), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[~missing] = _day_stamps(starts)
    return shape(pd.DatetimeIndex(out) if not isinstance(dates, pd.Series) else out)


def label(dates: Any, period: str = "month") -> Any:
    """The label of the period that contains each date: ``"2024-03-04"`` (day), ``"2024-W05"``
    (ISO week), ``"2024-03"`` (month), ``"2024 Q1"`` (quarter), ``"2023/24"`` (financial year),
    ``"2023/24 Q1"`` (financial quarter). Shapes as :func:`period_start`; a missing date gives a
    missing label. Each distinct period is labelled once (by the C++ core), then spread.
    """
    p = _period(period)
    idx, shape = _datetimes(dates, "dates")
    days, missing = _days_of(idx)
    out = np.full(len(idx), None, dtype=object)
    out[~missing] = _labels_of(days, p)
    return shape(out)


def period_range(start: Any, end: Any, period: str = "month") -> pd.DatetimeIndex:
    """Starts of every period that overlaps ``start`` .. ``end`` (both inclusive)."""
    p = _period(period)
    return pd.DatetimeIndex(_day_stamps(_core.period_starts(_one_day(start, "start"), _one_day(end, "end"), p)),
                            name="period")


# ------------------------------------------------------------------------------------ aggregation
def _values(df: pd.DataFrame, name: Optional[str], argument: str, needed_by: str) -> np.ndarray:
    if name is None:
        raise ValueError(f"{argument}: give the name of the {argument} column for how={needed_by!r}")
    s = inp.column(df, name, argument)
    if len(s) == 0:
        return np.empty(0, dtype=np.float64)
    return inp.numeric_values(s, argument)


def aggregate(
    df: pd.DataFrame,
    date: str,
    period: str = "month",
    value: Optional[str] = None,
    numerator: Optional[str] = None,
    denominator: Optional[str] = None,
    group: Optional[str] = None,
    start: Any = None,
    end: Any = None,
    how: Optional[str] = None,
    *,
    span: str = "all",
) -> pd.DataFrame:
    """Event-level records to one row per (group, period), with every period present.

    Parameters
    ----------
    df : one row per record (an event, an admission, an audit case, ...).
    date : the column of record dates or timestamps (a timestamp counts on its day).
    period : ``"day"``, ``"week"``, ``"month"``, ``"quarter"``, ``"fy"`` or ``"fq"`` (see the module).
    how : ``"count"`` (records per period), ``"sum"`` or ``"mean"`` (of ``value``; missing values
        are skipped), ``"ratio"`` (Σ ``numerator`` / Σ ``denominator`` over the records that have
        both). Default: ``"ratio"`` if ``numerator`` is given, ``"sum"`` if ``value`` is, else
        ``"count"``.
    group : optional group column (e.g. trust, ward).
    start, end : the first and last period are those containing these dates (default: the first
        and last record). Records in periods outside them are left out; how many is in
        ``result.attrs["n_excluded"]``.
    span : ``"all"``: every group gets the same periods; ``"group"``: each group runs from its own
        first to its own last record (``start`` / ``end`` override).

    Returns
    -------
    DataFrame with columns ``group`` (None without ``group``), ``period`` (Timestamp of the period
    start), ``label``, ``n_records``, then ``value`` (count), ``n_values`` and ``value`` (sum,
    mean) or ``n_values``, ``numerator``, ``denominator`` and ``value`` (ratio), and ``has_data``
    (the period has at least one record). Empty periods: count 0, sum 0, mean and ratio NaN; a
    sum is NaN when a period has records but none with a value. Ordered by group, then period.
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    if not isinstance(date, str):
        raise ValueError("date: give the name of the date column as a string")
    p = _period(period)
    if how is None:
        how = "ratio" if numerator is not None else ("sum" if value is not None else "count")
    inp.choice(how, HOWS, "how")
    inp.choice(span, SPANS, "span")
    if how == "ratio":
        if value is not None:
            raise ValueError("value: not used by how='ratio'; give numerator= and denominator=")
        if denominator is None:
            raise ValueError("denominator: give the name of the denominator column for how='ratio'")
    elif numerator is not None or denominator is not None:
        raise ValueError(f"numerator: numerator= and denominator= are for how='ratio'; how={how!r} uses value=")
    elif how == "count" and value is not None:
        raise ValueError("value: not used by how='count'; choose how='sum' or how='mean'")

    dcol = inp.column(df, date, "date")
    days = inp.date_days(dcol, "date")[0] if len(dcol) else np.empty(0, dtype=np.int64)
    codes, labels = _groups(df, group)
    num = den = None
    if how in ("sum", "mean"):
        num = _values(df, value, "value", how)
    elif how == "ratio":
        num = _values(df, numerator, "numerator", how)
        den = _values(df, denominator, "denominator", how)
        neg = den < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            raise ValueError(f"denominator: negative value {den[i]:g} at row {df.index[i]!r} of column {denominator!r}")
    s = None if start is None else _one_day(start, "start")
    e = None if end is None else _one_day(end, "end")
    if s is not None and e is not None and s > e:
        raise ValueError(f"start: {inp.format_day(s)} is after end ({inp.format_day(e)})")

    cols = _call(_core.aggregate_periods, days, codes, num, den, p, how, s, e, span,
                 0 if labels is None else len(labels),
                 rows={"date": ("date", df.index), "group": ("group", df.index)})
    starts = cols["start"]
    data: dict[str, Any] = {
        "group": _group_column(cols["group"], labels),
        "period": _day_stamps(starts),
        "label": _labels_of(starts, p),
        "n_records": cols["n_records"],
    }
    if how == "count":
        data["value"] = cols["n_records"]
    else:
        data["n_values"] = cols["n_values"]
        if how == "ratio":
            data["numerator"] = cols["numerator"]
            data["denominator"] = cols["denominator"]
        data["value"] = cols["value"]
    data["has_data"] = cols["has_data"]
    out = pd.DataFrame(data)
    out.attrs["period"] = p
    out.attrs["how"] = how
    out.attrs["n_excluded"] = int(cols["n_excluded"])
    return out


# ----------------------------------------------------------------------------------- g / t charts
def _event_times(df: pd.DataFrame, date: str) -> tuple[np.ndarray, pd.Series]:
    """Event times as int64 nanoseconds (UTC for tz-aware times, so that elapsed time is right
    across clock changes) and the dates as given, for output."""
    s = inp.column(df, date, "date")
    if len(s) == 0:
        return np.empty(0, dtype=np.int64), s
    _, dt = inp.date_days(s, "date")
    raw = s if pd.api.types.is_datetime64_any_dtype(s.dtype) else pd.to_datetime(s)
    if getattr(raw.dt, "tz", None) is not None:
        raw = raw.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = raw.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return np.ascontiguousarray(ns), dt


def _interval_frame(r: dict[str, np.ndarray], df: pd.DataFrame, labels: Optional[pd.Index],
                    dt: Optional[pd.Series], previous: bool) -> pd.DataFrame:
    rows = r["row"]
    data: dict[str, Any] = {"group": _group_column(r["group"], labels)}
    if dt is not None:
        dates = dt.to_numpy()
        data["date"] = dates[rows]
        if previous:
            prev = r["previous_row"]
            data["previous"] = dates[prev]  # every t-chart interval has a previous event
    data["event"] = r["event"]
    data["value"] = r["value"]
    return pd.DataFrame(data, index=df.index.take(rows))


def days_between(df: pd.DataFrame, date: str, group: Optional[str] = None, *, sort: bool = False) -> pd.DataFrame:
    """t-chart input: the time in days between consecutive events (fractional for timestamps).

    ``df`` has one row per event, in time order within each group (``sort=True`` orders them
    instead of failing). Returns one row per event after each group's first: ``group``,
    ``date`` (the event), ``previous`` (the event before it), ``event`` (its number in the group,
    from 2) and ``value`` (days), indexed by the event's row, ordered by group and time; ready for
    ``qm.spc(result, value="value", group="group", chart="t")``. (Pass ``date="date"`` to qm.spc
    only when no two events of a group share a date.)
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    times, dt = _event_times(df, date)
    codes, labels = _groups(df, group)
    if not sort and len(times):
        _check_order(times, codes, df.index, dt, "date")
    r = _call(_core.days_between, times, codes, _NS_PER_DAY, bool(sort), 0 if labels is None else len(labels),
              rows={"date": ("date", df.index), "group": ("group", df.index)})
    return _interval_frame(r, df, labels, dt.reset_index(drop=True), previous=True)


def _indicator(s: pd.Series) -> np.ndarray:
    if len(s) == 0:
        return np.empty(0, dtype=np.float64)
    if pd.api.types.is_bool_dtype(s.dtype):
        vals = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        vals = inp.numeric_values(s, "event") if s.notna().any() else np.full(len(s), np.nan)
    missing = np.isnan(vals)
    if missing.any():
        raise ValueError(f"event: missing value at row {s.index[int(np.flatnonzero(missing)[0])]!r} of column "
                         f"{s.name!r}; each case must be 1 (event) or 0 (no event)")
    bad = (vals != 0) & (vals != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"event: must be 1 (event) or 0 (no event), got {vals[i]:g} at row {s.index[i]!r} "
                         f"of column {s.name!r}")
    return np.ascontiguousarray(vals)


def cases_between(
    df: pd.DataFrame,
    *,
    event: Optional[str] = None,
    date: Optional[str] = None,
    group: Optional[str] = None,
    cases: Optional[pd.DataFrame] = None,
    count: Optional[str] = None,
    sort: bool = False,
    include_first: bool = True,
) -> pd.DataFrame:
    """g-chart input: the number of cases (opportunities) without an event between events.

    Two forms:

    * one row per case, in order within each group, with a 0/1 (or boolean) ``event`` column::

        cases_between(operations, event="infection", date="operation_date", group="theatre")

      ``date`` is optional; when given, cases must be in date order within each group
      (``sort=True`` orders them by date, stably, instead of failing).
    * one row per event (``date``, optional ``group``) plus ``cases``, a DataFrame of daily case
      counts with the same ``date`` (and ``group``) column names and a ``count`` column::

        cases_between(infections, date="date", group="theatre", cases=daily, count="operations")

      A day missing from ``cases`` had no cases. Within a day the order of cases is unknown, so the
      events of a day are taken as its last cases; events out of date order are an error unless
      ``sort=True``.

    The first event of a group counts the cases since the group's first case (``include_first``).
    Returns one row per event: ``group``, ``date`` (when known), ``event`` (its number in the
    group) and ``value`` (cases between), indexed by the event's row, ordered by group and time;
    ready for ``qm.spc(result, value="value", group="group", chart="g")``. Cases after each group's
    last event are in ``result.attrs["open"]`` (a dict group -> cases).
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    codes, labels = _groups(df, group)
    n_groups = 0 if labels is None else len(labels)
    if cases is None:
        if event is None:
            raise ValueError("event: give the 0/1 event column (one row per case), or cases= with daily case counts")
        if count is not None:
            raise ValueError("count: is the case-count column of cases=; it needs cases= to be given")
        ind = _indicator(inp.column(df, event, "event"))
        times = dt = None
        if date is not None:
            times, dt = _event_times(df, date)
            if not sort and len(times):
                _check_order(times, codes, df.index, dt, "date")
        r = _call(_core.cases_between, ind, codes, times, _NS_PER_DAY, bool(sort), bool(include_first), n_groups,
                  rows={"event": ("event", df.index), "date": ("date", df.index), "group": ("group", df.index)})
    else:
        if event is not None:
            raise ValueError("event: give either event= (one row per case) or cases= (daily case counts), not both")
        if not isinstance(cases, pd.DataFrame):
            raise ValueError(f"cases: expected a DataFrame of daily case counts, got {type(cases).__name__}")
        if date is None:
            raise ValueError("date: give the name of the date column (of the events and of cases)")
        if count is None:
            raise ValueError("count: give the name of the case-count column of cases")
        dcol = inp.column(df, date, "date")
        ev_days, dt = inp.date_days(dcol, "date") if len(dcol) else (np.empty(0, np.int64), dcol)
        if date not in cases.columns:
            raise ValueError(f"cases: column {date!r} (date=) is not in the case counts")
        if count not in cases.columns:
            raise ValueError(f"count: column {count!r} is not in the case counts (cases=)")
        ccol = cases[date]
        case_days = inp.date_days(ccol, "cases")[0] if len(ccol) else np.empty(0, np.int64)
        counts = cases[count]
        cvals = inp.numeric_values(counts, "count") if len(counts) else np.empty(0, np.float64)
        bad = np.isnan(cvals) | (cvals < 0) | (cvals != np.floor(cvals))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            got = "a missing value" if np.isnan(cvals[i]) else f"{cvals[i]:g}"
            raise ValueError(f"count: must be a whole number of cases >= 0, got {got} at row "
                             f"{cases.index[i]!r} of the case counts")
        case_codes = None
        if group is not None:
            if group not in cases.columns:
                raise ValueError(f"cases: column {group!r} (group=) is not in the case counts")
            both = pd.concat([df[group], cases[group]], ignore_index=True)
            all_codes, labels = pd.factorize(both, sort=True)
            labels = pd.Index(labels)
            n_groups = len(labels)
            codes = np.ascontiguousarray(all_codes[: len(df)], dtype=np.int64)
            case_codes = np.ascontiguousarray(all_codes[len(df):], dtype=np.int64)
            if (codes < 0).any():
                raise ValueError(f"group: missing group at row {df.index[int(np.flatnonzero(codes < 0)[0])]!r}")
            if (case_codes < 0).any():
                i = int(np.flatnonzero(case_codes < 0)[0])
                raise ValueError(f"cases: missing group at row {cases.index[i]!r} of the case counts")
        if len(case_days):
            _, _, _, dup_a, dup_b = _core.layout_groups(
                case_codes if case_codes is not None else np.zeros(len(case_days), np.int64), case_days)
            if dup_a is not None:
                where = "" if labels is None else f" for group {labels[int(case_codes[dup_a])]!r}"
                raise ValueError(f"cases: date {inp.format_day(int(case_days[dup_a]))} appears twice{where} "
                                 f"(rows {cases.index[dup_a]!r} and {cases.index[dup_b]!r} of the case counts)")
        if not sort and len(ev_days):
            _check_order(ev_days, codes, df.index, dt, "date")
        r = _call(_core.cases_between_days, ev_days, codes, case_days, np.ascontiguousarray(cvals), case_codes,
                  bool(sort), bool(include_first), n_groups,
                  rows={"date": ("date", df.index), "group": ("group", df.index),
                        "case_date": ("cases", cases.index), "case_count": ("count", cases.index)})
    out = _interval_frame(r, df, labels, None if dt is None else dt.reset_index(drop=True), previous=False)
    open_cases = r["open"]
    keys = [None] if labels is None else list(labels)
    out.attrs["open"] = {k: int(v) for k, v in zip(keys, open_cases)}
    return out
