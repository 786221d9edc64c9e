"""qm.compare — benchmark comparison with confidence intervals (OHID Fingertips methods).

Expected values: PHE/UKHSA's Excel-computed test vectors for Wilson, Byar, exact Poisson, DSR
(Dobson), indirectly standardised ratios and means (PHEindicatormethods@093fd28 fixtures,
tests/reference/assurance/phe_*.csv), Newcombe (1998) for Wilson, and hand calculations
shown inline for the classification rules (Fingertips PholioVisualisationWS/Analysis).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import qualitymetrics as qm  # noqa: E402

ASSURANCE = Path(__file__).resolve().parents[1] / "reference" / "assurance"
#: the 2013 European Standard Population (19 age bands), as PHEindicatormethods' esp2013
ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500,
           1500, 1000]


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(ASSURANCE / name, comment="#")


# ------------------------------------------------------------------ PHE test vectors
def test_wilson_and_byar_phe_vectors():
    ref = read("phe_byar_wilson.csv")
    for conf, level in (("95%", "95"), ("99.8%", "998")):
        w = ref[(ref.method == "Wilson") & (ref.confidence == conf)]
        res = qm.compare(w, "x", "n", statistic="proportion", benchmark=0.5)
        np.testing.assert_allclose(res.frame[f"lower_{level}"], w["lowercl"], rtol=1e-12)
        np.testing.assert_allclose(res.frame[f"upper_{level}"], w["uppercl"], rtol=1e-12)
    # Byar for counts of 10 or more (the package's rule: exact below 10)
    b = ref[(ref.method == "Byars") & (ref.x >= 10)]
    for conf, level in (("95%", "95"), ("99.8%", "998")):
        rows = b[b.confidence == conf]
        res = qm.compare(rows, "x", statistic="count", benchmark=100)
        np.testing.assert_allclose(res.frame[f"lower_{level}"], rows["lowercl"], rtol=1e-12)
        np.testing.assert_allclose(res.frame[f"upper_{level}"], rows["uppercl"], rtol=1e-12)


def test_newcombe_wilson_examples():
    df = pd.DataFrame({"x": [81, 15, 0, 1], "n": [263, 148, 20, 29]})
    f = qm.compare(df, "x", "n", benchmark=0.5).frame
    np.testing.assert_allclose(f["lower_95"], [0.2553, 0.0624, 0.0, 0.0061], atol=5e-5)
    np.testing.assert_allclose(f["upper_95"], [0.3662, 0.1605, 0.1611, 0.1718], atol=5e-5)


def test_dsr_dobson_phe_vectors_and_fewer_than_ten_events():
    data = read("phe_dsr_input.csv")
    out = read("phe_dsr_results.csv")
    for mult, rows in ((1e4, out.iloc[0:3]), (1e5, out.iloc[4:7])):
        res = qm.compare(data, "count", "pop", "area", statistic="dsr", standard=ESP2013, multiplier=mult,
                         benchmark=1000)
        f = res.frame.set_index("group").loc[rows["area"]]
        np.testing.assert_allclose(f["value"], rows["value"], rtol=1e-12)
        for ours, theirs in (("lower_95", "lower95_0cl"), ("upper_95", "upper95_0cl"), ("lower_998", "lower99_8cl"),
                             ("upper_998", "upper99_8cl")):
            np.testing.assert_allclose(f[ours], rows[theirs], rtol=1e-12, err_msg=ours)
        tiny = f.loc["testdata_tiny"]
        assert tiny["status"] == "too_few_events" and np.isnan(tiny["value"]) and tiny["numerator"] == 9
        assert tiny["comparison"] == "not_compared"
    # the standard population as a column gives the same
    col = data.assign(esp=np.tile(ESP2013, 3))
    a = qm.compare(col, "count", "pop", "area", statistic="dsr", standard="esp", benchmark=1000).frame
    b = qm.compare(data, "count", "pop", "area", statistic="dsr", standard=ESP2013, benchmark=1000).frame
    pd.testing.assert_frame_equal(a, b)


def test_indirectly_standardised_ratio_and_rate_phe_vectors():
    ref = read("phe_isr_results.csv")
    ratio = ref[ref.statistic == "indirectly standardised ratio x 100"]
    res = qm.compare(ratio, "observed", "expected", statistic="ratio", multiplier=100, benchmark=100)
    for ours, theirs in (("value", "value"), ("lower_95", "lower95_0cl"), ("upper_95", "upper95_0cl"),
                         ("lower_998", "lower99_8cl"), ("upper_998", "upper99_8cl")):
        np.testing.assert_allclose(res.frame[ours], ratio[theirs], rtol=1e-12, err_msg=ours)
    # exact below 10 observed (testdata_tiny, 9 events), Byar from 10
    assert res.frame["numerator"].tolist() == [895, 91, 9]
    rate = ref[ref.statistic == "indirectly standardised rate per 100000"].iloc[:3]
    ref_rate = float(rate["ref_rate"].iloc[0])
    res = qm.compare(rate, "observed", "expected", statistic="ratio", multiplier=ref_rate, benchmark=ref_rate)
    np.testing.assert_allclose(res.frame["upper_998"], rate["upper99_8cl"], rtol=1e-12)


def test_means_phe_vectors():
    data, out = read("phe_mean_input.csv"), read("phe_mean_results.csv")
    res = qm.compare(data, "values", group="area", statistic="mean", benchmark=0)
    f = res.frame.set_index("group")
    for area in ("Area1", "Area2"):
        row = out[out.area == area].iloc[0]
        assert f.loc[area, "n"] == row["value_count"]
        assert f.loc[area, "sd"] == pytest.approx(row["stdev"], rel=1e-12)
        assert f.loc[area, "lower_95"] == pytest.approx(row["lower95_0cl"], rel=1e-12)
        assert f.loc[area, "upper_998"] == pytest.approx(row["upper99_8cl"], rel=1e-12)
    everyone = qm.compare(data, "values", statistic="mean", benchmark=0).frame.iloc[0]
    row = out[out.area == "No grouping"].iloc[0]
    assert everyone["value"] == pytest.approx(row["value"], rel=1e-13)
    assert everyone["lower_998"] == pytest.approx(row["lower99_8cl"], rel=1e-12)


# ------------------------------------------------------------------ classification
@pytest.fixture
def units() -> pd.DataFrame:
    # Wilson intervals for x/1000 against 0.5 (hand-checked):
    #   470: 95% (0.4392, 0.5010) contains 0.5 → similar
    #   440: 99.8% upper 0.4889 < 0.5 → lower at both levels
    #   535: 95% lower 0.5040 > 0.5, 99.8% lower 0.4862 → higher at 95% only
    #   560: 99.8% lower 0.5112 > 0.5 → higher at both
    return pd.DataFrame({"area": ["A", "B", "C", "D"], "x": [470, 440, 535, 560], "n": [1000] * 4})


def test_levels_and_polarity(units):
    res = qm.compare(units, "x", "n", "area", benchmark=0.5, level="both")
    assert res.frame["comparison"].astype(str).tolist() == ["similar", "worse_998", "better_95", "better_998"]
    assert res.frame["comparison_95"].astype(str).tolist() == ["similar", "worse", "better", "better"]
    assert res.frame["comparison_998"].astype(str).tolist() == ["similar", "worse", "similar", "better"]
    low = qm.compare(units, "x", "n", "area", benchmark=0.5, polarity="lower_is_better", level=0.998)
    assert low.frame["comparison"].astype(str).tolist() == ["similar", "better", "similar", "worse"]
    neutral = qm.compare(units, "x", "n", "area", benchmark=0.5, polarity="no_judgement", level="both")
    assert neutral.frame["comparison"].astype(str).tolist() == ["similar", "lower_998", "higher_95", "higher_998"]
    # the library's improvement words are accepted as polarities
    same = qm.compare(units, "x", "n", "area", benchmark=0.5, polarity="neutral", level="both")
    pd.testing.assert_frame_equal(same.frame, neutral.frame)
    s = res.summary()
    assert s["n_better_998"].iloc[0] == 1 and s["n_similar"].iloc[0] == 1 and "n_higher_95" not in s.columns


def test_benchmarks_pooled_and_per_group(units):
    pooled = qm.compare(units, "x", "n", "area")
    assert pooled.frame["benchmark"].iloc[0] == pytest.approx((470 + 440 + 535 + 560) / 4000)
    per = qm.compare(units, "x", "n", "area", benchmark={"A": 0.40, "B": 0.44, "C": 0.6})
    f = per.frame.set_index("group")
    assert f.loc["A", "comparison"] == "better" and f.loc["B", "comparison"] == "similar"
    assert f.loc["C", "comparison"] == "worse"
    assert f.loc["D", "status"] == "no_benchmark" and f.loc["D", "comparison"] == "not_compared"
    with pytest.raises(ValueError, match="benchmark: a pooled benchmark is not defined for dsrs"):
        qm.compare(read("phe_dsr_input.csv"), "count", "pop", "area", statistic="dsr", standard=ESP2013)


def test_spc_method_fingertips_proportions():
    # SpcForProportionsComparer: Wilson at E = N·P0; N = 200, P0 = 0.1 → (0.0657, 0.1494)
    df = pd.DataFrame({"x": [13, 14, 29, 30], "n": [200] * 4})
    res = qm.compare(df, "x", "n", benchmark=0.1, method="spc", polarity="no_judgement")
    assert res.frame["comparison"].astype(str).tolist() == ["lower", "similar", "similar", "higher"]


def test_rates_exact_below_ten_byar_from_ten():
    df = pd.DataFrame({"deaths": [0, 9, 10, 1045], "pop": [1000, 1000, 1000, 100000]})
    res = qm.compare(df, "deaths", "pop", statistic="rate", multiplier=100, benchmark=1.0,
                     polarity="lower_is_better", level="both")
    f = res.frame
    assert f["upper_95"].iloc[0] == pytest.approx(-np.log(0.025) / 1000 * 100, rel=1e-13)
    assert f["lower_95"].iloc[3] == pytest.approx(982.59320180733255 / 1000, rel=1e-12)  # PHE vector
    assert f["comparison"].astype(str).tolist()[0] == "better_998"
    assert f["comparison"].astype(str).tolist()[3] == "similar"


# ------------------------------------------------------------------ result object
def test_result_api(units):
    res = qm.compare(units, "x", "n", "area", benchmark=0.5, level="both", multiplier=100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.level = 0.95  # type: ignore[misc]
    assert list(res.frame.columns) == ["group", "numerator", "denominator", "value", "lower_95", "upper_95",
                                       "lower_998", "upper_998", "benchmark", "comparison", "comparison_95",
                                       "comparison_998", "status"]
    assert res.frame["value"].iloc[0] == pytest.approx(47.0)
    d = res.to_dict()
    assert d["summary"]["n_units"] == 4 and len(d["units"]["comparison"]) == 4
    assert "ComparisonResult(statistic='proportion'" in repr(res)
    assert "<table" in res._repr_html_()
    ax = res.plot()
    assert ax.get_legend() is not None
    assert "qm-compare-bars" in {p.get_gid() for p in ax.patches}
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "A", "C", "D"]  # sorted by value
    plt.close(ax.figure)


def test_million_values_threads_agree():
    rng = np.random.default_rng(7)
    n = rng.integers(50, 5000, size=200_000).astype(float)
    x = rng.binomial(n.astype(int), 0.1).astype(float)
    df = pd.DataFrame({"x": x, "n": n})
    a = qm.compare(df, "x", "n", statistic="rate", benchmark=0.1, threads=1).frame
    b = qm.compare(df, "x", "n", statistic="rate", benchmark=0.1, threads=2).frame
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------ bad input
def test_bad_input():
    df = pd.DataFrame({"g": ["a", "b"], "x": [5.0, 12.0], "n": [10.0, 10.0]})
    with pytest.raises(ValueError, match=r"^numerator: must not exceed the denominator for a proportion .*\(group 'b'\)"):
        qm.compare(df, "x", "n", "g", benchmark=0.5)
    with pytest.raises(ValueError, match=r"^denominator: must be positive, got 0.* \(row 1\)"):
        qm.compare(df.assign(n=[10.0, 0.0]), "x", "n", statistic="rate", benchmark=0.5)
    with pytest.raises(ValueError, match=r"^denominator: the expected count must be positive"):
        qm.compare(df.assign(n=[10.0, 0.0]), "x", "n", statistic="ratio", benchmark=1)
    with pytest.raises(ValueError, match=r"^numerator: must not be negative"):
        qm.compare(df.assign(x=[-1.0, 2.0]), "x", "n", statistic="rate", benchmark=0.5)
    with pytest.raises(ValueError, match=r"^statistic: must be one of"):
        qm.compare(df, "x", "n", statistic="odds")
    with pytest.raises(ValueError, match=r"^polarity: must be one of"):
        qm.compare(df, "x", "n", polarity="up")
    with pytest.raises(ValueError, match=r"^level: must be 0.95, 0.998 or 'both'"):
        qm.compare(df, "x", "n", level=0.99)
    with pytest.raises(ValueError, match=r"^denominator: a rate needs a denominator column"):
        qm.compare(df, "x", statistic="rate")
    with pytest.raises(ValueError, match=r"^group: a DSR needs group="):
        qm.compare(df, "x", "n", statistic="dsr", standard=[1.0])
    with pytest.raises(ValueError, match=r"^standard: 3 standard-population values but group 'a' has 1 strata"):
        qm.compare(df, "x", "n", "g", statistic="dsr", standard=[1.0, 2.0, 3.0], benchmark=1)
    with pytest.raises(ValueError, match=r"^method: 'spc' \(limits around the benchmark\) is not defined for means"):
        qm.compare(df, "x", group="g", statistic="mean", method="spc", benchmark=1)
    # a mean of one value has no interval; a missing numerator is not compared
    one = qm.compare(df, "x", group="g", statistic="mean", benchmark=1).frame
    assert (one["status"] == "too_few_values").all() and one["lower_95"].isna().all()
    miss = qm.compare(df.assign(x=[np.nan, 2.0]), "x", "n", statistic="rate", benchmark=0.5).frame
    assert miss["status"].astype(str).tolist() == ["missing", "ok"]
