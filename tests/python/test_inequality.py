"""qm.inequality.sii — slope and relative index of inequality (PHE method).

Expected values: PHE/UKHSA's SII test fixtures (PHEindicatormethods@093fd28 testdata_SII.xlsx,
computed with PHE's Excel tool; tests/reference/assurance/phe_sii_*.csv, extract_phe_sii.py):
the SII, RII and intercept exactly, the simulated limits within simulation error; the closed
form of a two-quantile fit inline.
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import qualitymetrics as qm  # noqa: E402

ASSURANCE = Path(__file__).resolve().parents[1] / "reference" / "assurance"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(ASSURANCE / name, comment="#")


@pytest.fixture(scope="module")
def phe() -> tuple[pd.DataFrame, pd.DataFrame]:
    return read("phe_sii_input.csv"), read("phe_sii_cases.csv")


def run_case(inputs: pd.DataFrame, case: pd.DataFrame, repetitions: int = 100_000) -> qm.inequality.SIIResult:
    first = case.iloc[0]
    rows = inputs[inputs["case"] == first["case"]]
    kw = dict(se="se") if first["ci_from"] == "se" else dict(lower="lower", upper="upper")
    levels = tuple(float(c) for c in str(first["confidence"]).split(";"))
    return qm.inequality.sii(rows, value="value", population="population", quantile="quantile", group="area",
                             value_type=first["value_type"], transform=bool(first["transform"]),
                             multiplier=float(first["multiplier"]), confidence=levels, repetitions=repetitions, **kw)


def test_phe_fixtures(phe):
    inputs, cases = phe
    worst = 0.0
    for name, case in cases.groupby("case", sort=False):
        res = run_case(inputs, case)
        f = res.frame.set_index("group")
        for _, exp in case.iterrows():
            got = f.loc[exp["area"]]
            assert got["sii"] == pytest.approx(exp["sii"], rel=1e-12, abs=1e-14), name
            assert got["rii"] == pytest.approx(exp["rii"], rel=1e-12), name
            if not np.isnan(exp["intercept"]):
                assert got["intercept"] == pytest.approx(exp["intercept"], rel=1e-10), name
            for k, lev in enumerate(res.levels, start=1):
                key = f"{lev * 100:.10g}".replace(".", "_")
                if np.isnan(exp[f"sii_lower_{k}"]):
                    continue
                for stat in ("sii", "rii"):
                    lo, hi = exp[f"{stat}_lower_{k}"], exp[f"{stat}_upper_{k}"]
                    half = abs(hi - lo) / 2
                    for side, e in (("lower", lo), ("upper", hi)):
                        d = abs(got[f"{stat}_{side}_{key}"] - e) / half
                        worst = max(worst, d)
                        assert d < 0.03, (name, exp["area"], stat, side, lev)
    assert worst > 0  # simulated, not copied


def test_seed_reproduces_and_threads_do_not_matter(phe):
    inputs, _ = phe
    rows = inputs[inputs["case"] == "default"]
    kw = dict(value="value", population="population", quantile="quantile", group="area", se="se", repetitions=2000)
    a = qm.inequality.sii(rows, seed=7, threads=1, **kw).frame
    b = qm.inequality.sii(rows, seed=7, threads=4, **kw).frame
    c = qm.inequality.sii(rows, seed=8, **kw).frame
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["sii_lower_95"], c["sii_lower_95"])
    assert np.array_equal(a["sii"], c["sii"])


def test_order_group_columns_numerator_and_quantiles(phe):
    inputs, cases = phe
    rows = inputs[inputs["case"] == "proportion"].copy()
    ref = cases[cases["case"] == "proportion"].set_index("area")
    base = dict(population="population", lower="lower", upper="upper", value_type="proportion", repetitions=1000)
    # counts instead of values (PHE "proportion with count provided")
    by_count = qm.inequality.sii(rows, numerator="count", quantile="quantile", group="area", **base).frame
    np.testing.assert_allclose(by_count["sii"], ref.loc[by_count["group"], "sii"], rtol=1e-12)
    # quantiles numbered the other way round
    rows["q_rev"] = 11 - rows["quantile"]
    rev = qm.inequality.sii(rows, value="value", quantile="q_rev", group="area", order="descending", **base).frame
    np.testing.assert_allclose(rev["sii"], by_count["sii"], rtol=1e-12)
    # two group columns
    rows["year"] = 2020
    two = qm.inequality.sii(rows, value="value", quantile="quantile", group=["area", "year"], **base)
    assert list(two.frame["group"]) == [("area1", 2020), ("area2", 2020)]
    q = two.quantiles()
    assert len(q) == 20 and {"share", "rank", "fitted"} <= set(q.columns)
    one = q[q["group"] == ("area1", 2020)]
    assert one["share"].sum() == pytest.approx(1.0)
    assert one["rank"].is_monotonic_increasing
    # PHE codes for value_type
    pc = qm.inequality.sii(rows, value="value", quantile="quantile", group="area", **{**base, "value_type": 2}).frame
    np.testing.assert_allclose(pc["sii"], by_count["sii"], rtol=1e-12)


def test_two_quantiles_hand_calculation():
    df = pd.DataFrame({"q": [1, 2], "y": [10.0, 16.0], "pop": [500, 500], "se": [1.0, 1.0]})
    res = qm.inequality.sii(df, value="y", population="pop", quantile="q", se="se", repetitions=1000)
    f = res.frame.iloc[0]
    assert f["sii"] == pytest.approx(12.0) and f["intercept"] == pytest.approx(7.0)
    assert f["fitted_least_deprived"] == pytest.approx(19.0) and f["rii"] == pytest.approx(19 / 7)
    np.testing.assert_allclose(res.quantiles()["fitted"], [10.0, 16.0])


def test_bad_input(phe):
    inputs, _ = phe
    rows = inputs[inputs["case"] == "default"].reset_index(drop=True)
    kw = dict(value="value", population="population", quantile="quantile", group="area", se="se", repetitions=1000)
    bad = rows.copy()
    bad.loc[3, "population"] = np.nan
    with pytest.raises(ValueError, match=r"population: must be a positive number .* \(row 3 of column 'population'\)"):
        qm.inequality.sii(bad, **kw)
    bad = rows.copy()
    bad.loc[12, "population"] = 0
    with pytest.raises(ValueError, match=r"population: must be a positive number .*got 0.* \(row 12"):
        qm.inequality.sii(bad, **kw)
    bad = rows.copy()
    bad.loc[5, "se"] = -1
    with pytest.raises(ValueError, match=r"se: must be a finite number >= 0.* \(row 5 of column 'se'\)"):
        qm.inequality.sii(bad, **kw)
    bad = rows.copy()
    bad.loc[7, "value"] = np.nan
    with pytest.raises(ValueError, match=r"value: must be a finite number.* \(row 7"):
        qm.inequality.sii(bad, **kw)
    one = rows.iloc[:11]  # area2 has a single quantile
    with pytest.raises(ValueError, match=r"quantile: group 'area2' has 1 quantile\(s\); the SII needs at least 2"):
        qm.inequality.sii(one, **kw)
    with pytest.raises(ValueError, match=r"quantile: the data has 1 quantile"):
        qm.inequality.sii(rows.iloc[:1], **{**kw, "group": None})
    with pytest.raises(ValueError, match=r"quantile: quantile 3 appears twice in group 'area1'"):
        qm.inequality.sii(pd.concat([rows, rows.iloc[[2]]]), **kw)
    with pytest.raises(ValueError, match=r"group 'area1' has 10 quantile\(s\); the SII needs at least 11"):
        qm.inequality.sii(rows, minimum_quantiles=11, **kw)
    with pytest.raises(ValueError, match="value_type"):
        qm.inequality.sii(rows, value_type="count", **kw)
    with pytest.raises(ValueError, match="transform: needs value_type"):
        qm.inequality.sii(rows, transform=True, **{**kw, "se": None, "lower": "lower", "upper": "upper"})
    with pytest.raises(ValueError, match="se: with transform"):
        qm.inequality.sii(rows, transform=True, value_type="rate", **kw)
    with pytest.raises(ValueError, match="se: give se= or lower= and upper=, not both"):
        qm.inequality.sii(rows, lower="lower", upper="upper", **kw)
    with pytest.raises(ValueError, match="se: the intervals need"):
        qm.inequality.sii(rows, **{**kw, "se": None})
    with pytest.raises(ValueError, match="repetitions"):
        qm.inequality.sii(rows, **{**kw, "repetitions": 500})
    with pytest.raises(ValueError, match="confidence"):
        qm.inequality.sii(rows, confidence=95, **kw)
    with pytest.raises(ValueError, match="multiplier"):
        qm.inequality.sii(rows, multiplier=0, **kw)
    with pytest.raises(ValueError, match=r"value: a proportion must lie strictly between 0 and 1 .* \(row 0 of column 'value'\)"):
        qm.inequality.sii(rows, value_type="proportion", **kw)


def test_outputs_and_plot(phe):
    inputs, _ = phe
    rows = inputs[inputs["case"] == "rate_log"]
    res = qm.inequality.sii(rows, value="value", population="population", quantile="quantile", group="area",
                            lower="lower", upper="upper", value_type="rate", transform=True, confidence=(0.95, 0.998),
                            repetitions=2000)
    f = res.frame
    assert {"sii_lower_95", "sii_upper_99_8", "rii_lower_99_8"} <= set(f.columns)
    assert (f["sii_lower_99_8"] <= f["sii_lower_95"]).all()
    assert "log scale" in res.method
    json.dumps(res.to_dict(), default=str)
    assert "Slope and relative index" in res._repr_html_()
    assert list(res.summary().columns)[:3] == ["group", "n_quantiles", "sii"]
    ax = res.plot("area1")
    gids = {a.get_gid() for a in ax.get_children()}
    assert {"qm-sii-points", "qm-sii-fit"} <= gids
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="group: choose one of the 2 units"):
        res.plot()
