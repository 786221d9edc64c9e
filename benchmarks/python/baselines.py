"""Reference implementations of the Making Data Count XmR method for the benchmarks.

Two plain implementations of exactly what NHSRplotthedots 0.2.2 computes (see
reference/peer-behaviour.md section 1; nhs-r-community/NHSRplotthedots @ 050b07d,
R/ptd_spc_standard.R and R/ptd_calculate_point_type.R), written the way people who do not
have qualitymetrics would write them:

* ``mdc_pandas_groupby`` -- how an analyst writes it in pandas: sort, ``groupby().transform``
  for the centre and mean moving range, ``groupby().diff`` for moving ranges,
  ``groupby().rolling`` windows for the run rules. No Python loop over groups.
* ``mdc_numpy_vectorised`` -- vectorised numpy over the long array of all series (values plus
  CSR offsets): per-segment sums with ``np.add.reduceat``, rolling windows as differences of
  cumulative sums, window validity from each point's position inside its segment.

Known limit of the pandas baseline (kept, because it is what the idiomatic code does):
``groupby().transform("mean")`` is not always the correctly rounded mean (it was off by one
unit in the last place in 13,316 of 20,000 groups of 24 one-decimal values), so a value that
lies exactly on the mean, e.g. 1.2 in a series whose mean is exactly 1.2, can be seen as above
or below it, and start or break a shift. R's ``mean()`` (long-double sum plus a correction
pass), the numpy baseline (the same algorithm) and qm.spc see such points on the centre line.
On continuous data, and on integer counts (exact sums), this never arises; the benchmark
checks that all three agree on every row.

Both are used by ``bench_spc.py`` (timing against ``qm.spc``) and validated against the
NHSRplotthedots output in ``tests/python/test_baselines.py``, so the benchmark compares like
with like.

The method, per group and per phase (segment):

* centre = mean of the non-missing values; moving ranges ``|y[i] - y[i-1]|`` (never across a
  missing value or a segment break); mR = their mean; screening keeps MR < 3.267 mR and the
  mean is recomputed once;
* limits centre +/- 2.66 mR; 2-sigma lines centre +/- 2 (2.66 / 3) mR;
* outside = y > upper | y < lower; close = !outside & (y < lower2 | y > upper2);
* shift: 7 in a row with the same non-zero sign of (y - centre), every member flagged;
* trend: 7 points with 6 strictly monotone steps, all 7 flagged;
* two of three: a 3-point window with >= 2 close points, all three on the same side of the
  centre; only the close points are flagged;
* a window containing a missing value never flags;
* point type by precedence outside > trend > two-of-three > shift. Direction: the side of the
  centre (y > centre: +1, else -1), except for trend points: the sign of the step to the next
  point when that point is also a trend point, else of the step from the previous point (no
  previous point or a zero step: -1). Multiplied by the improvement direction; neutral gives
  ``special_cause_neutral_high`` / ``_low``.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd
from pandas.api.indexers import FixedForwardWindowIndexer

LIMIT = 2.66
LIMIT_CLOSE = 2 * (LIMIT / 3)  # as R computes it: limitclose <- 2 * (limit / 3)
SCREEN = 3.267
SHIFT_LENGTH = 7
TREND_LENGTH = 7

POINT_TYPES = np.array(
    [
        "common_cause",
        "special_cause_improvement",
        "special_cause_concern",
        "special_cause_neutral_high",
        "special_cause_neutral_low",
    ],
    dtype=object,
)
_DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}


def _direction(improvement: str) -> int:
    try:
        return _DIRECTIONS[improvement]
    except KeyError:
        raise ValueError(f"improvement: must be one of {', '.join(_DIRECTIONS)}; got {improvement!r}") from None


def _point_type_codes(direction: np.ndarray, improvement: int) -> np.ndarray:
    """Codes into POINT_TYPES from a per-point direction (+1, -1, 0 = common cause)."""
    if improvement == 0:
        return np.where(direction > 0, 3, np.where(direction < 0, 4, 0)).astype(np.int8)
    v = direction * improvement
    return np.where(v > 0, 1, np.where(v < 0, 2, 0)).astype(np.int8)


# =============================================================================================
# (a) pandas: groupby / transform / rolling, as an analyst would write it
# =============================================================================================


def mdc_pandas_groupby(
    df: pd.DataFrame,
    value: str,
    group: str,
    date: str,
    improvement: str = "increase",
    phase: Optional[str] = None,
) -> pd.DataFrame:
    """MDC XmR chart for every group (and phase) of a long DataFrame with pandas.

    Returns one row per input row, ordered by group and date and indexed by the input's index
    labels, with columns ``group``, ``date``, ``value``, ``centre``, ``lower``, ``upper``,
    ``lower_2sigma``, ``upper_2sigma``, ``rule_outside_limits``, ``rule_trend``,
    ``rule_two_of_three``, ``rule_shift`` and ``point_type``.
    """
    imp = _direction(improvement)
    keys = [group] if phase is None else [group, phase]
    d = df.sort_values([group, date], kind="stable")
    index = d.index
    d = d.reset_index(drop=True)
    y = d[value].astype("float64")
    by = [d[k] for k in keys]

    def grouped(s: pd.Series):
        return s.groupby(by, sort=False)

    def rolling_sum(s: pd.Series, window) -> pd.Series:
        # groupby().rolling() puts the group keys in front of the row index; drop them
        r = grouped(s).rolling(window, min_periods=1 if not isinstance(window, int) else None).sum()
        return r.droplevel(list(range(len(keys))))

    def part_of(end: pd.Series, length: int) -> pd.Series:
        # every point of a pattern that ends at a flagged point: look `length` rows ahead
        ahead = rolling_sum(end.astype("float64"), FixedForwardWindowIndexer(window_size=length))
        return ahead > 0

    # limits
    g = grouped(y)
    centre = g.transform("mean")
    mr = g.diff().abs()
    amr = grouped(mr).transform("mean")
    mr = mr.where(mr < SCREEN * amr)
    amr = grouped(mr).transform("mean")
    lower, upper = centre - LIMIT * amr, centre + LIMIT * amr
    lower2, upper2 = centre - LIMIT_CLOSE * amr, centre + LIMIT_CLOSE * amr

    outside = (y > upper) | (y < lower)
    side = np.sign(y - centre)  # NaN for a missing value: every window containing it is NaN
    close = ~outside & ((y < lower2) | (y > upper2))

    # shift: 7 in a row on one side
    run_end = rolling_sum(side, SHIFT_LENGTH).abs() == SHIFT_LENGTH
    shift = part_of(run_end, SHIFT_LENGTH)

    # trend: 6 strictly monotone steps (7 points)
    step = g.diff()
    step_sign = np.sign(step)  # NaN at a group's first row and next to a missing value
    trend_end = rolling_sum(step_sign, TREND_LENGTH - 1).abs() == TREND_LENGTH - 1
    trend = part_of(trend_end, TREND_LENGTH)

    # two of three beyond the 2-sigma line, all three on one side
    close_count = rolling_sum(close.astype("float64").where(y.notna()), 3)
    same_side = rolling_sum(side, 3).abs() == 3
    two_of_three = part_of((close_count >= 2) & same_side, 3) & close

    # direction of each special-cause point
    above = np.where(y > centre, 1, -1)
    next_step = -g.diff(-1)
    next_is_trend = grouped(trend).shift(-1, fill_value=False).astype(bool)
    trend_step = np.where(trend & next_is_trend, next_step, step)
    trend_dir = np.where(trend_step > 0, 1, -1)
    direction = np.select(
        [outside, trend, two_of_three, shift], [above, trend_dir, above, above], default=0
    )
    codes = _point_type_codes(direction, imp)

    out = pd.DataFrame(
        {
            "group": d[group].to_numpy(),
            "date": d[date].to_numpy(),
            "value": y.to_numpy(),
            "centre": centre.to_numpy(),
            "lower": lower.to_numpy(),
            "upper": upper.to_numpy(),
            "lower_2sigma": lower2.to_numpy(),
            "upper_2sigma": upper2.to_numpy(),
            "rule_outside_limits": outside.to_numpy(),
            "rule_trend": trend.to_numpy(),
            "rule_two_of_three": two_of_three.to_numpy(),
            "rule_shift": shift.to_numpy(),
            "point_type": POINT_TYPES[codes],
        },
        index=index,
    )
    return out


# =============================================================================================
# (b) numpy: vectorised over the long array, no Python loop per group
# =============================================================================================


def _segment_mean(x: np.ndarray, keep: np.ndarray, starts: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """R's mean(x[keep]) per segment: long double sum / n, plus one correction pass."""
    count = np.add.reduceat(keep.astype(np.int64), starts)
    xs = np.where(keep, x, 0.0).astype(np.longdouble)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.add.reduceat(xs, starts) / count
        t = np.add.reduceat(np.where(keep, xs - m[seg], 0.0), starts)
        m = np.where(np.isfinite(m), m + t / count, m)
    return m.astype(np.float64)


def _window_count(b: np.ndarray, width: int, pos: np.ndarray) -> np.ndarray:
    """Number of true values in the window of `width` rows ending at each row; -1 where the
    window would reach back past the start of the row's segment."""
    n = b.size
    cs = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(b, out=cs[1:])
    out = np.full(n, -1, dtype=np.int32)
    if n >= width:
        out[width - 1 :] = cs[width:] - cs[: n - width + 1]
        out[pos < width - 1] = -1
    return out


def _part_of(end: np.ndarray, width: int) -> np.ndarray:
    """True where a pattern of `width` rows ending at this row or one of the next width-1 rows
    was found. Windows never cross segments, so neither does this."""
    n = end.size
    cs = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(end, out=cs[1:])
    hi = np.minimum(np.arange(n) + width, n)
    return cs[hi] - cs[:n] > 0


def mdc_numpy_vectorised(values, offsets, improvement: str = "increase") -> dict:
    """MDC XmR chart for many series in long format with vectorised numpy.

    `values`: float array, NaN = missing; series k is values[offsets[k]:offsets[k + 1]]
    (`offsets` as CSR: first 0, last len(values); the last entry may be omitted). A phase is
    just another segment. Returns a dict of per-point arrays: ``centre``, ``lower``, ``upper``,
    ``lower_2sigma``, ``upper_2sigma``, the four ``rule_*`` flags, ``point_type_code`` (int8
    index into POINT_TYPES) and ``point_type`` (strings).
    """
    imp = _direction(improvement)
    y = np.ascontiguousarray(values, dtype=np.float64)
    n = y.size
    off = np.asarray(offsets, dtype=np.int64)
    if off.size == 0 or off[-1] != n:
        off = np.append(off, n)
    lengths = np.diff(off)
    if (lengths < 0).any() or off[0] != 0:
        raise ValueError("offsets: must start at 0 and be non-decreasing")
    starts = off[:-1][lengths > 0]
    lens = lengths[lengths > 0]
    seg = np.repeat(np.arange(starts.size), lens)
    pos = np.arange(n) - np.repeat(starts, lens)  # row number inside its segment

    # limits per segment
    valid = ~np.isnan(y)
    centre_s = _segment_mean(y, valid, starts, seg)
    mr = np.empty(n)
    mr[0] = np.nan
    np.abs(np.diff(y), out=mr[1:])
    mr[starts] = np.nan
    amr_s = _segment_mean(mr, ~np.isnan(mr), starts, seg)
    amr_s = _segment_mean(mr, mr < SCREEN * amr_s[seg], starts, seg)
    centre = centre_s[seg]
    amr = amr_s[seg]
    lower, upper = centre - LIMIT * amr, centre + LIMIT * amr
    lower2, upper2 = centre - LIMIT_CLOSE * amr, centre + LIMIT_CLOSE * amr

    outside = (y > upper) | (y < lower)
    above, below = y > centre, y < centre  # both false for a missing value
    close = ~outside & ((y < lower2) | (y > upper2))

    # shift
    s = SHIFT_LENGTH
    run_end = (_window_count(above, s, pos) == s) | (_window_count(below, s, pos) == s)
    shift = _part_of(run_end, s)

    # trend: steps y[i] - y[i-1] inside a segment (false across a break or a missing value)
    up = np.zeros(n, dtype=bool)
    down = np.zeros(n, dtype=bool)
    np.greater(y[1:], y[:-1], out=up[1:])
    np.less(y[1:], y[:-1], out=down[1:])
    up[starts] = False
    down[starts] = False
    t = TREND_LENGTH - 1
    trend_end = (_window_count(up, t, pos) == t) | (_window_count(down, t, pos) == t)
    trend = _part_of(trend_end, TREND_LENGTH)

    # two of three
    window_end = (_window_count(close, 3, pos) >= 2) & (
        (_window_count(above, 3, pos) == 3) | (_window_count(below, 3, pos) == 3)
    )
    two_of_three = _part_of(window_end, 3) & close

    # directions
    side = np.where(above, 1, -1).astype(np.int8)
    step_dir = np.where(up, 1, -1).astype(np.int8)  # step from the previous row (none: -1)
    next_dir = np.empty(n, dtype=np.int8)
    next_dir[:-1] = step_dir[1:]
    next_dir[-1] = -1
    next_trend = np.zeros(n, dtype=bool)
    next_trend[:-1] = trend[1:] & (pos[1:] != 0)
    trend_dir = np.where(trend & next_trend, next_dir, step_dir)
    direction = np.select([outside, trend, two_of_three, shift], [side, trend_dir, side, side], default=0)
    codes = _point_type_codes(direction, imp)

    return {
        "centre": centre,
        "lower": lower,
        "upper": upper,
        "lower_2sigma": lower2,
        "upper_2sigma": upper2,
        "rule_outside_limits": outside,
        "rule_trend": trend,
        "rule_two_of_three": two_of_three,
        "rule_shift": shift,
        "point_type_code": codes,
        "point_type": POINT_TYPES[codes],
    }


def offsets_from_sorted(keys) -> np.ndarray:
    """CSR offsets of the runs of equal keys in an array sorted by key (group, or group+phase)."""
    k = np.asarray(keys)
    if k.size == 0:
        return np.zeros(1, dtype=np.int64)
    change = np.flatnonzero(k[1:] != k[:-1]) + 1
    return np.concatenate(([0], change, [k.size])).astype(np.int64)
