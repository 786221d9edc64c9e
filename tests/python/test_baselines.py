"""The benchmark baselines compute exactly what NHSRplotthedots 0.2.2 computes.

benchmarks/python/bench_spc.py times qm.spc against two baselines (pandas groupby, vectorised
numpy). These tests prove the comparison is like with like: both baselines reproduce the
NHSRplotthedots output on real NHS A&E data (130 trusts; a rebased series; a neutral series),
and agree with a literal point-by-point port of the R code on random series with missing
values, ties, points on the centre line and phases.
"""
from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "reference" / "ae"
sys.path.insert(0, str(ROOT / "benchmarks" / "python"))

import baselines  # noqa: E402

RTOL = 1e-9


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name)


def _check_against_reference(ref: pd.DataFrame, got: dict, where: str) -> None:
    for col, rcol in [("centre", "mean_col"), ("lower", "lpl"), ("upper", "upl"),
                      ("lower_2sigma", "lpl_2sigma"), ("upper_2sigma", "upl_2sigma")]:
        np.testing.assert_allclose(np.asarray(got[col], dtype=float), ref[rcol].to_numpy(float),
                                   rtol=RTOL, atol=0, err_msg=f"{where}: {col}")
    np.testing.assert_array_equal(np.asarray(got["rule_outside_limits"], dtype=bool),
                                  ref["outside_limits"].to_numpy(bool), err_msg=f"{where}: outside_limits")
    pt = np.asarray(got["point_type"], dtype=object)
    expected = ref["point_type"].to_numpy(dtype=object)
    bad = np.flatnonzero(pt != expected)
    assert bad.size == 0, (
        f"{where}: point_type differs on {bad.size} rows, first: "
        + "; ".join(f"row {i} ({ref['f'].iat[i]} {ref['x'].iat[i]}): {pt[i]} != {expected[i]}" for i in bad[:5]))
    flagged = (np.asarray(got["rule_outside_limits"]) | np.asarray(got["rule_trend"])
               | np.asarray(got["rule_two_of_three"]) | np.asarray(got["rule_shift"]))
    np.testing.assert_array_equal(flagged, ref["special_cause_flag"].to_numpy(bool), err_msg=f"{where}: flag")


def _numpy_on(ref: pd.DataFrame, keys: list[str], improvement: str) -> dict:
    # the reference files are ordered by facet, rebase group and date already
    assert ref.sort_values(["f", "x"], kind="stable").index.equals(ref.index)
    seg = ref[keys].astype(str).agg("|".join, axis=1).to_numpy()
    return baselines.mdc_numpy_vectorised(ref["y"].to_numpy(), baselines.offsets_from_sorted(seg), improvement)


# ---------------------------------------------------------------------------------------------
# against NHSRplotthedots 0.2.2
# ---------------------------------------------------------------------------------------------

def test_by_org_reference_shape():
    ref = _read("ae_type1_performance_by_org.nhsrplotthedots.csv")
    assert len(ref) == 130 * 36 and ref["f"].nunique() == 130
    # all four point types we need are exercised
    assert set(ref["point_type"]) == {"common_cause", "special_cause_improvement", "special_cause_concern"}


def test_pandas_baseline_reproduces_nhsrplotthedots_by_org():
    ref = _read("ae_type1_performance_by_org.nhsrplotthedots.csv")
    # shuffled input: the baseline sorts by group and date itself, and keeps the index labels
    shuffled = ref[["f", "x", "y"]].sample(frac=1.0, random_state=7)
    got = baselines.mdc_pandas_groupby(shuffled, value="y", group="f", date="x", improvement="increase")
    assert len(got) == len(ref)
    got = got.loc[ref.index]
    assert (got["group"].to_numpy() == ref["f"].to_numpy()).all()
    _check_against_reference(ref, {c: got[c].to_numpy() for c in got.columns}, "pandas by_org")


def test_numpy_baseline_reproduces_nhsrplotthedots_by_org():
    ref = _read("ae_type1_performance_by_org.nhsrplotthedots.csv")
    _check_against_reference(ref, _numpy_on(ref, ["f"], "increase"), "numpy by_org")


@pytest.mark.parametrize("name, improvement", [
    ("ae_rrk_type1_performance_rebase_2018-04.nhsrplotthedots.csv", "increase"),
    ("ae_rrk_type1_attendances_neutral.nhsrplotthedots.csv", "neutral"),
])
def test_baselines_reproduce_single_series(name, improvement):
    ref = _read(name)
    got = baselines.mdc_pandas_groupby(ref, value="y", group="f", date="x", improvement=improvement,
                                       phase="rebase_group").loc[ref.index]
    _check_against_reference(ref, {c: got[c].to_numpy() for c in got.columns}, f"pandas {name}")
    _check_against_reference(ref, _numpy_on(ref, ["f", "rebase_group"], improvement), f"numpy {name}")


# ---------------------------------------------------------------------------------------------
# against a literal port of the R code, on awkward data
# ---------------------------------------------------------------------------------------------

def _r_mean(x: list[float]) -> float:
    """The correctly rounded mean of the non-missing values (what R's long-double mean() gives
    in practice)."""
    x = [v for v in x if not math.isnan(v)]
    if not x:
        return math.nan
    return float(sum(map(Fraction, x)) / len(x))


def _literal_port(y: list[float], improvement: int) -> tuple[float, float, float, list[str]]:
    """One segment, following R/ptd_spc_standard.R and R/ptd_calculate_point_type.R line by line;
    a window holding a missing value never flags (R: NA, treated as not matched)."""
    n = len(y)
    na = [math.isnan(v) for v in y]
    mean = _r_mean(y)
    mr = [math.nan] + [abs(y[i] - y[i - 1]) for i in range(1, n)]
    amr = _r_mean(mr)
    mr = [v if v < 3.267 * amr else math.nan for v in mr]
    amr = _r_mean(mr)
    lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr
    nlpl, nupl = mean - 2 * (2.66 / 3) * amr, mean + 2 * (2.66 / 3) * amr
    outside = [y[i] > upl or y[i] < lpl for i in range(n)]
    rtm = [0 if na[i] else (y[i] > mean) - (y[i] < mean) for i in range(n)]
    close = [not outside[i] and (y[i] < nlpl or y[i] > nupl) for i in range(n)]

    def part_of(ends: list[bool], length: int) -> list[bool]:
        return [any(ends[i:i + length]) for i in range(n)]

    seven = [i >= 6 and not any(na[i - 6:i + 1]) and rtm[i] != 0 and all(rtm[j] == rtm[i] for j in range(i - 6, i))
             for i in range(n)]
    trend_end = []
    for i in range(n):
        if i < 6 or any(na[i - 6:i + 1]):
            trend_end.append(False)
            continue
        d = [y[j] - y[j - 1] for j in range(i - 5, i + 1)]
        trend_end.append(all(v > 0 for v in d) or all(v < 0 for v in d))
    two3_end = [i >= 2 and not any(na[i - 2:i + 1]) and sum(close[i - 2:i + 1]) >= 2
                and abs(sum(rtm[i - 2:i + 1])) == 3 for i in range(n)]
    shift = part_of(seven, 7)
    trend = part_of(trend_end, 7)
    two3 = [a and c for a, c in zip(part_of(two3_end, 3), close)]
    types = []
    for i in range(n):
        if outside[i] or two3[i] or shift[i]:
            v = 1 if rtm[i] == 1 else -1
        if outside[i]:
            pass
        elif trend[i]:
            if i + 1 < n and trend[i + 1]:
                step = y[i + 1] - y[i]
            else:
                step = y[i] - y[i - 1] if i > 0 else 0.0
            v = 1 if step > 0 else -1
        elif not (two3[i] or shift[i]):
            types.append("common_cause")
            continue
        if improvement == 0:
            types.append("special_cause_neutral_high" if v > 0 else "special_cause_neutral_low")
        else:
            types.append("special_cause_improvement" if v * improvement > 0 else "special_cause_concern")
    return mean, lpl, upl, types


def _awkward_frame(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(60):
        n = int(rng.integers(1, 40))
        kind = g % 4
        if kind == 0:  # small integers: ties, points on the centre line, zero moving ranges
            y = rng.integers(0, 4, n).astype(float)
        elif kind == 1:  # trends and shifts
            y = np.cumsum(rng.choice([-1.0, 1.0, 2.0], n)) + rng.normal(0, 0.1, n)
        elif kind == 2:  # near-limit points
            y = rng.normal(0, 1, n)
            y[rng.random(n) < 0.15] *= 3
        else:  # constant with a few bumps
            y = np.full(n, 5.0)
            y[rng.random(n) < 0.2] += rng.integers(-2, 3)
        y[rng.random(n) < 0.08] = np.nan
        phase = np.zeros(n, dtype=int)
        if n > 10 and g % 3 == 0:
            phase[n // 2:] = 1
        for i in range(n):
            rows.append((f"G{g:03d}", pd.Timestamp("2020-01-01") + pd.DateOffset(months=i), y[i], phase[i]))
    return pd.DataFrame(rows, columns=["grp", "month", "val", "phase"])


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("improvement", ["increase", "decrease", "neutral"])
def test_baselines_match_literal_port(seed, improvement):
    df = _awkward_frame(seed)
    imp = {"increase": 1, "decrease": -1, "neutral": 0}[improvement]
    expected = {"centre": [], "lower": [], "upper": [], "point_type": []}
    for _, seg in df.groupby(["grp", "phase"], sort=True):
        m, lo, up, types = _literal_port(seg["val"].tolist(), imp)
        expected["centre"] += [m] * len(seg)
        expected["lower"] += [lo] * len(seg)
        expected["upper"] += [up] * len(seg)
        expected["point_type"] += types
    exp = {k: np.asarray(v) for k, v in expected.items()}

    shuffled = df.sample(frac=1.0, random_state=seed)
    pdres = baselines.mdc_pandas_groupby(shuffled, "val", "grp", "month", improvement, phase="phase")
    pdres = pdres.loc[df.index]
    off = baselines.offsets_from_sorted((df["grp"] + "|" + df["phase"].astype(str)).to_numpy())
    npres = baselines.mdc_numpy_vectorised(df["val"].to_numpy(), off, improvement)
    for name, got in [("pandas", {c: pdres[c].to_numpy() for c in pdres.columns}), ("numpy", npres)]:
        for col in ["centre", "lower", "upper"]:
            np.testing.assert_allclose(np.asarray(got[col], float), exp[col].astype(float), rtol=1e-12,
                                       atol=1e-12, equal_nan=True, err_msg=f"{name} {col}")
        bad = np.flatnonzero(np.asarray(got["point_type"], dtype=object) != exp["point_type"])
        assert bad.size == 0, f"{name}: point_type differs at rows {bad[:10].tolist()}"
    # the awkward data exercise every rule
    for rule in ["rule_outside_limits", "rule_trend", "rule_two_of_three", "rule_shift"]:
        assert npres[rule].any(), rule


def test_missing_value_breaks_a_run():
    # 7 points above the centre split by a missing value are not a shift (peer-behaviour.md, NA row)
    y = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, np.nan, 1, 1, 1, 1, 0, 0, 0, 0.0])
    res = baselines.mdc_numpy_vectorised(y, [0, y.size])
    assert res["rule_shift"][:8].all()  # the 8 zeros below the centre are a shift
    assert not res["rule_shift"][8:16].any()
    y2 = y.copy()
    y2[11] = 1.0
    assert baselines.mdc_numpy_vectorised(y2, [0, y2.size])["rule_shift"][8:16].all()
    df = pd.DataFrame({"g": "a", "d": np.arange(y.size), "v": y})
    assert not baselines.mdc_pandas_groupby(df, "v", "g", "d")["rule_shift"].to_numpy()[8:16].any()


def test_empty_segments_in_offsets_are_allowed():
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    a = baselines.mdc_numpy_vectorised(y, [0, 20, 20, 50])
    b = baselines.mdc_numpy_vectorised(y, [0, 20, 50])
    np.testing.assert_array_equal(a["point_type"], b["point_type"])
    np.testing.assert_array_equal(a["centre"], b["centre"])


def test_numpy_baseline_sees_points_on_the_centre_line():
    # decimal values whose mean is exactly 1.2: a plain double sum gives 1.2000000000000002
    # (pandas' groupby mean does), which would put the 1.2s below the centre and make rows
    # 15-21 a shift. R (long-double sum plus a correction pass) and the numpy baseline see the
    # 1.2s on the centre line, which breaks the run.
    y = [2.1, 0.3, 0.6, 2.1, 0.9, 0.6, 1.2, 1.2, 0.9, 0.9, 3.3, 0.6,
         0.9, 1.2, 2.1, 1.2, 1.2, 0.3, 1.2, 0.9, 0.6, 0.3, 2.1, 2.1]
    assert _r_mean(y) == 1.2
    res = baselines.mdc_numpy_vectorised(np.array(y), [0, len(y)])
    assert res["centre"][0] == 1.2
    assert not res["rule_shift"].any()
    assert list(res["point_type"]) == _literal_port(y, 1)[3]


def test_numpy_baseline_mean_is_correctly_rounded():
    rng = np.random.default_rng(11)
    m = 24
    vals = np.round(rng.choice([0.1, 0.2, 0.3, 0.4, 0.7, 1.1], (500, m)) * rng.integers(1, 4, (500, 1)), 10)
    res = baselines.mdc_numpy_vectorised(vals.ravel(), np.arange(0, vals.size + 1, m))
    exact = np.array([_r_mean(row) for row in vals.tolist()])
    np.testing.assert_array_equal(res["centre"][::m], exact)
