"""Input checks shared by every public function: columns, dtypes, dates, groups.

Every error is a ValueError whose message starts with the argument (column) name and names the
row (the DataFrame index label) where there is one, e.g. ``value: infinite value at row 17``.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

_EPOCH = np.datetime64("1970-01-01", "D")


def as_frame(data: Any, value: Any) -> tuple[pd.DataFrame, str]:
    """Accept a DataFrame with a column name, or a bare array/Series of values."""
    if isinstance(data, pd.DataFrame):
        if not isinstance(value, str):
            raise ValueError("value: give the name of the value column as a string")
        return data, value
    if isinstance(data, pd.Series):
        name = data.name if isinstance(data.name, str) else "value"
        return data.to_frame(name=name), name
    if data is None:
        raise ValueError("data: expected a pandas DataFrame or an array of values, got None")
    arr = np.asarray(data)
    if arr.ndim != 1:
        raise ValueError(f"data: expected a one-dimensional array of values, got shape {arr.shape}")
    return pd.DataFrame({"value": arr}), "value"


def column(df: pd.DataFrame, name: str, argument: str) -> pd.Series:
    if name not in df.columns:
        cols = ", ".join(map(str, list(df.columns)[:12]))
        raise ValueError(f"{argument}: column {name!r} is not in the data (columns: {cols})")
    return df[name]


def to_float64(s: pd.Series, argument: str) -> np.ndarray:
    """float64 values of a column, NaN for missing; a value that is present but not a number is
    an error naming the argument, the row label and the column."""
    vals = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(vals) & s.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{argument}: non-numeric value {s.iloc[i]!r} at row {s.index[i]!r} of column {s.name!r}")
    return vals


def numeric_values(s: pd.Series, argument: str) -> np.ndarray:
    """float64 values, NaN for missing; non-numeric and infinite values are errors."""
    if len(s) == 0:
        raise ValueError(f"{argument}: the data are empty")
    if pd.api.types.is_bool_dtype(s.dtype):
        raise ValueError(f"{argument}: column {s.name!r} is boolean, expected numbers")
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        vals = to_float64(s, argument)
    inf = np.isinf(vals)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise ValueError(f"{argument}: infinite value at row {s.index[i]!r} of column {s.name!r}")
    if np.isnan(vals).all():
        raise ValueError(f"{argument}: all values of column {s.name!r} are missing")
    return np.ascontiguousarray(vals)


def denominators(df: pd.DataFrame, denominator: Optional[str], chart: str, needed: bool) -> Optional[np.ndarray]:
    """The denominator column as float64 (NaN for missing) when the chart takes one (`needed`);
    an error when it is missing, non-numeric, or given to a chart that takes none."""
    if not needed:
        if denominator is not None:
            raise ValueError(f"denominator: the {chart} chart takes no denominator")
        return None
    if denominator is None:
        raise ValueError(f"denominator: the {chart} chart needs denominator= (the column of denominators)")
    return to_float64(column(df, denominator, "denominator"), "denominator")


def date_days(s: pd.Series, argument: str) -> tuple[np.ndarray, pd.Series]:
    """Dates as int64 days since 1970-01-01 (the C++ boundary) and as datetime64 for output.

    A column of whole numbers (sample 1, 2, 3 …) is an ordinal time axis: its values are used
    as they are."""
    if pd.api.types.is_integer_dtype(s.dtype):
        if s.isna().any():
            raise ValueError(f"{argument}: missing value at row {s.index[int(np.flatnonzero(s.isna().to_numpy())[0])]!r}")
        return np.ascontiguousarray(s.to_numpy(dtype=np.int64)), s
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        dt = s
        if getattr(dt.dt, "tz", None) is not None:
            dt = dt.dt.tz_localize(None)
    else:
        try:
            dt = pd.to_datetime(s, errors="raise")
        except (ValueError, TypeError) as exc:
            parsed = pd.to_datetime(s, errors="coerce")
            bad = parsed.isna().to_numpy() & s.notna().to_numpy()
            where = f" at row {s.index[int(np.flatnonzero(bad)[0])]!r}" if bad.any() else ""
            raise ValueError(f"{argument}: cannot read column {s.name!r} as dates{where}: {exc}") from None
    missing = dt.isna().to_numpy()
    if missing.any():
        raise ValueError(f"{argument}: missing date at row {s.index[int(np.flatnonzero(missing)[0])]!r}")
    days = dt.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    return np.ascontiguousarray(days), dt


def to_days(values: Any, argument: str) -> np.ndarray:
    scalar = np.isscalar(values) or isinstance(values, (pd.Timestamp, np.datetime64, _dt.date))
    try:
        dt = pd.to_datetime(pd.Series([values] if scalar else list(values)))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{argument}: cannot read {values!r} as dates: {exc}") from None
    if dt.isna().any():
        raise ValueError(f"{argument}: missing date in {values!r}")
    return dt.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def format_day(day: int) -> str:
    return str(_EPOCH + np.timedelta64(int(day), "D"))


def group_codes(s: pd.Series, argument: str) -> tuple[np.ndarray, pd.Index]:
    """Group labels as codes 0..G-1 in sorted label order (categories: in category order)."""
    codes, uniques = _factorize_sorted(s)
    if (codes < 0).any():
        raise ValueError(f"{argument}: missing group at row {s.index[int(np.flatnonzero(codes < 0)[0])]!r}")
    return np.ascontiguousarray(codes, dtype=np.int64), pd.Index(uniques)


def _factorize_sorted(s: pd.Series) -> tuple[np.ndarray, Any]:
    """pd.factorize(s, sort=True), faster for labels held as Python strings: pandas' string
    dtype factorizes about twice as slowly as the same objects in a NumPy array, and sorting
    the few distinct labels afterwards is cheaper than sorting inside factorize."""
    is_python_str = isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "python"
    if not (is_python_str or s.dtype == object):
        return pd.factorize(s, sort=True)
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), sort=False)
    try:
        by_label = np.argsort(uniques, kind="stable")
    except TypeError:  # labels of mixed types: pandas' own ordering
        return pd.factorize(s, sort=True)
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[by_label] = np.arange(len(uniques))
    codes = np.where(codes >= 0, rank[codes], -1)
    return codes, pd.Index(uniques[by_label], dtype=s.dtype)


def per_group(spec: Any, labels: Optional[pd.Index], argument: str) -> np.ndarray:
    """A scalar, or a mapping group -> value, as one float per group (NaN: none)."""
    n = 1 if labels is None else len(labels)
    if spec is None:
        return np.full(n, np.nan)
    if isinstance(spec, (pd.Series, dict)):
        if labels is None:
            raise ValueError(f"{argument}: a value per group needs group= to be given")
        mapping = pd.Series(spec, dtype="float64") if isinstance(spec, dict) else spec.astype("float64")
        unknown = [k for k in mapping.index if k not in labels]
        if unknown:
            raise ValueError(f"{argument}: group {unknown[0]!r} is not in the data")
        out = mapping.reindex(labels).to_numpy(dtype=np.float64)
    else:
        try:
            out = np.full(n, float(spec))
        except (TypeError, ValueError):
            raise ValueError(f"{argument}: expected a number or a mapping of group to number, got {spec!r}") from None
    if np.isinf(out).any():
        raise ValueError(f"{argument}: must be finite")
    return np.ascontiguousarray(out)


def choice(value: Any, allowed: Sequence[str], argument: str) -> str:
    if value not in allowed:
        raise ValueError(f"{argument}: must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}")
    return value
