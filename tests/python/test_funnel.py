"""qm.funnel — funnel plots against independently computed and published values, the result
object, the limit curve, plotting, and bad input.

Expected values come from tests/reference/assurance (see its README): 40-digit computations of
Spiegelhalter's (2005) method, the SHMI method and FunnelPlotR's method on real NHS A&E data
(make_funnel_reference.py), and PHEindicatormethods' own test fixtures (extract_phe_fixtures.py).
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import qualitymetrics as qm  # noqa: E402

ASSURANCE = Path(__file__).resolve().parents[1] / "reference" / "assurance"
AE = Path(__file__).resolve().parents[1] / "reference" / "ae_attendances.csv"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(ASSURANCE / name, comment="#")


def meta(name: str, key: str) -> float:
    """A number from the "# key = value" comment lines of a reference file."""
    with open(ASSURANCE / name) as fh:
        for line in fh:
            found = re.search(re.escape(key) + r" = ([-+0-9.eE]+)", line) if line.startswith("#") else None
            if found:
                return float(found.group(1))
    raise KeyError(key)


@pytest.fixture(scope="module")
def ae_march() -> pd.DataFrame:
    d = pd.read_csv(AE, dtype={"type": str})
    return d[(d.period == "2019-03-01") & (d.type == "1")].reset_index(drop=True)


# ------------------------------------------------------------------ worked examples
def test_spiegelhalter_worked_example_exact_and_overdispersed(ae_march):
    ref = read("funnel_spiegelhalter_ae.csv")
    # the rows come in any order and are aggregated by trust
    shuffled = ae_march.sample(frac=1.0, random_state=3)
    exact = qm.funnel(shuffled, "breaches", "attendances", "org_code", overdispersion="none")
    add = qm.funnel(shuffled, "breaches", "attendances", "org_code")
    mult = qm.funnel(shuffled, "breaches", "attendances", "org_code", overdispersion="multiplicative")
    assert add.phi == pytest.approx(meta("funnel_spiegelhalter_ae.csv", "phi"), rel=1e-12)
    assert add.tau2 == pytest.approx(meta("funnel_spiegelhalter_ae.csv", "tau2"), rel=1e-11)
    assert add.target == pytest.approx(meta("funnel_spiegelhalter_ae.csv", "target"), rel=1e-14)
    assert add.adjusted and add.dispersion_status == "adjusted"
    for res, prefix in ((exact, "exact"), (add, "additive"), (mult, "multiplicative")):
        f = res.frame.set_index("group").loc[ref["org_code"]]
        for side in ("lower_95", "upper_95", "lower_998", "upper_998"):
            np.testing.assert_allclose(f[side], ref[f"{prefix}_{side}"], rtol=1e-11, err_msg=f"{prefix} {side}")
        assert (f["band"].astype(str).to_numpy() == ref[f"{prefix}_band"].to_numpy()).all()
    f = add.frame.set_index("group").loc[ref["org_code"]]
    np.testing.assert_allclose(f["z"], ref["z"], rtol=1e-11)
    np.testing.assert_allclose(f["z_adjusted"], ref["z_additive"], rtol=1e-10)
    assert (f["trimmed"].to_numpy() == ref["trimmed"].astype(bool).to_numpy()).all()


def test_shmi_banding(ae_march):
    ref = read("funnel_shmi_ae.csv")
    df = pd.DataFrame({"trust": ref["org_code"], "observed": ref["observed"], "expected": ref["expected"]})
    res = qm.funnel(df, "observed", "expected", "trust", method="ratio", preset="shmi")
    f = res.frame.set_index("group").loc[ref["org_code"]]
    assert (f["shmi_band"].to_numpy() == ref["shmi_band"].to_numpy()).all()
    assert set(ref["shmi_band"]) == {1, 2, 3}
    np.testing.assert_allclose(f["upper_95"], ref["upper_95"], rtol=1e-12)
    assert res.phi == pytest.approx(meta("funnel_shmi_ae.csv", "phi"), rel=1e-12)
    assert res.summary()["n_used"].iloc[0] == meta("funnel_shmi_ae.csv", "n_used")
    assert res.options["level"] == 0.95
    assert (f["outlier"].to_numpy() == (ref["shmi_band"] != 2).to_numpy()).all()


@pytest.mark.parametrize("file,method,preset", [
    ("funnel_funnelplotr_sr_shmi.csv", "ratio", "funnelplotr"),
    ("funnel_funnelplotr_sr_cqc.csv", "ratio", "funnelplotr_cqc"),
    ("funnel_funnelplotr_pr_ae.csv", "proportion", "funnelplotr"),
    ("funnel_funnelplotr_rc_ae.csv", "ratio_of_counts", "funnelplotr"),
])
def test_funnelplotr_presets(file, method, preset):
    ref = read(file)
    res = qm.funnel(ref, "numerator", "denominator", method=method, preset=preset)
    f = res.frame
    pairs = [("value", "rr"), ("z", "z"), ("lower_95", "OD95LCL"), ("upper_95", "OD95UCL"), ("lower_998", "OD99LCL"),
             ("upper_998", "OD99UCL"), ("lower_95_unadjusted", "LCL95"), ("upper_998_unadjusted", "UCL99")]
    for ours, theirs in pairs:
        np.testing.assert_allclose(f[ours], ref[theirs], rtol=1e-11, err_msg=ours)
    assert (f["outlier"].to_numpy() == ref["outlier"].astype(bool).to_numpy()).all()
    assert res.tau2 == pytest.approx(meta(file, "tau2"), rel=1e-10)


def test_cqc_limits_squared_back_unless_funnelplotr():
    df = pd.DataFrame({"o": [100, 150, 180, 80, 120, 225], "e": [108, 112, 165, 95, 100, 220]})
    tool = qm.funnel(df, "o", "e", method="ratio", preset="funnelplotr_cqc")
    ours = qm.funnel(df, "o", "e", method="ratio", preset="cqc")
    # the same tau2; FunnelPlotR's z is rounded to 1.959964 (1e-8 relative), ours is not
    assert ours.tau2 == tool.tau2
    np.testing.assert_allclose(ours.frame["upper_95"], tool.frame["upper_95"] ** 2, rtol=1e-8)
    assert tool.options["square_back_sqrt"] is False and ours.options["square_back_sqrt"] is True


# ------------------------------------------------------------------ PHEindicatormethods
def test_phe_proportion_significance():
    ref = read("phe_funnel_proportion_significance.csv")
    av = meta("phe_funnel_proportion_significance.csv", "sum(numerator)/sum(denominator)")
    res = qm.funnel(ref, "numerator", "denominator", "Area", preset="phe", benchmark=av * 100, multiplier=100)
    f = res.frame.set_index("group").loc[ref["Area"]]
    assert (f["significance"].to_numpy() == ref["significance"].to_numpy()).all()


def test_phe_proportion_table():
    ref = read("phe_funnel_proportion_limits.csv")
    name = "phe_funnel_proportion_limits.csv"
    av, lo, hi = meta(name, "average"), meta(name, "smallest denominator"), meta(name, "largest")
    df = pd.DataFrame({"o": [av * lo, av * hi], "n": [lo, hi]})
    t = qm.funnel(df, "o", "n", preset="phe", multiplier=100).phe_table()
    assert (t["Population"].to_numpy() == ref["Population"].to_numpy()).all()
    for ours, theirs in (("lower_2s_limit", "Lower2s0025limit"), ("upper_2s_limit", "Upper2s0025limit"),
                         ("lower_3s_limit", "Lower3s0001limit"), ("upper_3s_limit", "Upper3s0001limit")):
        np.testing.assert_allclose(t[ours], ref[theirs], atol=2e-4, err_msg=ours)


def test_phe_ratio_significance_and_table():
    ref = read("phe_funnel_ratio_significance.csv")
    res = qm.funnel(ref, "obs", "expected", method="ratio", preset="phe")
    assert (res.frame["significance"].to_numpy() == ref["significance"].to_numpy()).all()
    lim = read("phe_funnel_ratio_limits.csv")
    name = "phe_funnel_ratio_limits.csv"
    df = pd.DataFrame({"o": [1.0, 1.0], "e": [meta(name, "smallest expected"), meta(name, "largest")]})
    t = qm.funnel(df, "o", "e", method="ratio", preset="phe").phe_table(ratio_type="isr")
    assert (t["Observed_events"].to_numpy() == lim["Observed_events"].to_numpy()).all()
    # from 5 observed events on, PHE's bisection error is below 1e-6 relative
    big = lim["Observed_events"] >= 5
    np.testing.assert_allclose(t.loc[big, "lower_2s_limit"], lim.loc[big, "lower_2s_isr"], rtol=2e-6)
    np.testing.assert_allclose(t.loc[big, "upper_3s_exp_events"], lim.loc[big, "upper_3s_exp_events"], rtol=2e-6)


def test_phe_rate_significance_and_table():
    ref = read("phe_funnel_rate_significance.csv")
    res = qm.funnel(ref, "count", "pop", method="rate", preset="phe", rate="rate_dsr", rate_type="dsr",
                    multiplier=1e5)
    assert (res.frame["significance"].to_numpy() == ref["dsr_per_100000_with_0"].to_numpy()).all()
    res = qm.funnel(ref, "count", "pop", method="rate", preset="phe", rate="rate_crude_per_100", rate_type="crude",
                    multiplier=100)
    assert (res.frame["significance"].to_numpy() == ref["crude_per_100_with_0"].to_numpy()).all()

    inputs, lim = read("phe_funnel_rate_inputs.csv"), read("phe_funnel_rate_limits.csv")
    t = qm.funnel(inputs, "ev", method="rate", preset="phe", rate="rate", rate_type="dsr",
                  multiplier=1e5).phe_table(years_of_data=3)
    assert (t["Events"].to_numpy() == lim["Events"].to_numpy()).all()
    big = lim["Events"] >= 5
    np.testing.assert_allclose(t.loc[big, "upper_2s_limit"], lim.loc[big, "upper_2s_limit"], rtol=2e-6)
    np.testing.assert_allclose(t.loc[big, "lower_3s_population_1_year"], lim.loc[big, "lower_3s_population_1_year"],
                               rtol=2e-6)
    np.testing.assert_allclose(t["baseline"], lim["baseline"], rtol=1e-8)


# ------------------------------------------------------------------ the result object
@pytest.fixture(scope="module")
def result(ae_march) -> qm.FunnelResult:
    return qm.funnel(ae_march, "breaches", "attendances", "org_code", improvement="decrease", overdispersion="none")


def test_frame_columns_and_vocabulary(result):
    f = result.frame
    assert list(f.columns) == [
        "group", "numerator", "denominator", "value", "centre", "z", "z_adjusted", "trimmed", "lower", "upper",
        "lower_95", "upper_95", "lower_998", "upper_998", "lower_95_unadjusted", "upper_95_unadjusted",
        "lower_998_unadjusted", "upper_998_unadjusted", "band", "outlier", "point_type"]
    assert len(f) == 134
    assert set(f["point_type"].cat.categories) == {
        "common_cause", "special_cause_improvement", "special_cause_concern", "special_cause_neutral_high",
        "special_cause_neutral_low"}
    # decrease is better: high breach proportions beyond 99.8% are concern, low ones improvement
    hi = f["band"] == "high_998"
    assert hi.any() and (f.loc[hi, "point_type"] == "special_cause_concern").all()
    assert (f.loc[f["band"] == "low_998", "point_type"] == "special_cause_improvement").all()
    assert (f["outlier"] == f["band"].isin(["high_998", "low_998"])).all()
    np.testing.assert_array_equal(f["lower"], f["lower_998"])
    s = result.summary()
    assert len(s) == 1 and s["n_units"].iloc[0] == 134
    assert s["n_outliers"].iloc[0] == int(f["outlier"].sum())
    assert s["dispersion_status"].iloc[0] == "not_estimated"


def test_result_is_frozen_and_serialisable(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.method = "rate"  # type: ignore[misc]
    d = result.to_dict()
    assert d["method"] == "proportion" and len(d["units"]["value"]) == 134
    assert "FunnelResult(method='proportion'" in repr(result)
    assert "<table" in result._repr_html_()
    assert result.alt_text().startswith("Funnel plot of breaches / attendances for 134 units")


def test_limit_curve(result):
    f = result.frame
    at_units = result.limits(f["denominator"])
    np.testing.assert_array_equal(at_units["upper_998"], f["upper_998"])
    np.testing.assert_array_equal(at_units["lower_95"], f["lower_95"])
    curve = result.limits(n=150)
    x = curve["denominator"].to_numpy()
    assert (np.diff(x) > 0).all() and (x == np.round(x)).all()
    assert x[0] <= f["denominator"].min() and x[-1] >= f["denominator"].max()
    width = (curve["upper_998"] - curve["lower_998"]).to_numpy()
    assert width[0] > width[-1]  # the funnel narrows
    with pytest.raises(ValueError, match=r"denominators\[0\]: must be positive"):
        result.limits([0.0, 10.0])


def test_plot(result):
    ax = result.plot()
    gids = {ln.get_gid() for ln in ax.get_lines()}
    assert {"qm-funnel-target", "qm-funnel-upper_998", "qm-funnel-lower_95"} <= gids
    labels = [t.get_text() for t in ax.texts]
    assert set(labels) == set(result.frame.loc[result.frame["outlier"], "group"])
    assert ax.get_legend() is not None
    plt.close(ax.figure)
    adjusted = qm.funnel(result.frame, "numerator", "denominator", "group")
    ax = adjusted.plot()
    assert "qm-funnel-upper_998_unadjusted" in {ln.get_gid() for ln in ax.get_lines()}
    plt.close(ax.figure)


def test_threads_do_not_change_results(ae_march):
    a = qm.funnel(ae_march, "breaches", "attendances", "org_code", threads=1).frame
    b = qm.funnel(ae_march, "breaches", "attendances", "org_code", threads=2).frame
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------ bad input and degenerate data
def test_bad_input_names_argument_and_unit():
    df = pd.DataFrame({"g": ["a", "b", "c"], "o": [5.0, 7.0, 1.0], "n": [10.0, 0.0, 10.0]})
    with pytest.raises(ValueError, match=r"^denominator: must be positive, got 0.* \(group 'b'\)"):
        qm.funnel(df, "o", "n", "g")
    df.loc[1, "n"] = 5.0
    with pytest.raises(ValueError, match=r"^numerator: must not exceed the denominator for a proportion .*'b'"):
        qm.funnel(df, "o", "n", "g")
    df.loc[1, "o"] = -1.0
    with pytest.raises(ValueError, match=r"^numerator: must not be negative, got -1.* \(group 'b'\)"):
        qm.funnel(df, "o", "n", "g")
    df.loc[1, "o"], df.loc[1, "n"] = 3.0, 0.0
    with pytest.raises(ValueError, match=r"^denominator: the expected count must be positive, got 0.* \(row 1\)"):
        qm.funnel(df, "o", "n", method="ratio")
    with pytest.raises(ValueError, match=r"^numerator: column 'x' is not in the data"):
        qm.funnel(df, "x", "n")
    with pytest.raises(ValueError, match=r"^method: must be one of"):
        qm.funnel(df, "o", "n", method="odds")
    with pytest.raises(ValueError, match=r"^preset: unknown funnel preset 'nope'"):
        qm.funnel(df, "o", "n", preset="nope")
    with pytest.raises(ValueError, match=r"^level: must be 0.95 or 0.998"):
        qm.funnel(df, "o", "n", level=0.99)
    with pytest.raises(ValueError, match=r"^scale: a proportion funnel uses"):
        qm.funnel(df.assign(n=10.0), "o", "n", scale="log")
    with pytest.raises(ValueError, match=r"^preset: 'shmi' is for standardised ratios"):
        qm.funnel(df.assign(n=10.0), "o", "n", preset="shmi")


def test_single_unit_is_a_state():
    res = qm.funnel(pd.DataFrame({"o": [30.0], "n": [100.0]}), "o", "n")
    assert res.dispersion_status == "too_few_units"
    assert np.isnan(res.phi)
    assert res.frame["band"].iloc[0] == "within"
    against = qm.funnel(pd.DataFrame({"o": [30.0], "n": [100.0]}), "o", "n", benchmark=0.1)
    assert against.frame["band"].iloc[0] == "high_998"


def test_identical_units_phi_undefined_limits_unadjusted():
    df = pd.DataFrame({"o": [10.0, 20, 30, 40], "n": [100.0, 200, 300, 400]})
    res = qm.funnel(df, "o", "n", overdispersion="multiplicative")
    assert res.dispersion_status == "no_variation" and res.phi == 0.0 and not res.adjusted
    assert (res.frame["band"] == "within").all()
    np.testing.assert_array_equal(res.frame["upper_95"], res.frame["upper_95_unadjusted"])


def test_missing_units_and_zero_event_rates():
    df = pd.DataFrame({"g": ["a", "a", "b", "c"], "o": [5.0, np.nan, 7.0, 9.0], "n": [50.0, 50.0, 70.0, 80.0]})
    res = qm.funnel(df, "o", "n", "g")
    f = res.frame.set_index("group")
    assert f.loc["a", "band"] == "missing" and np.isnan(f.loc["a", "numerator"])  # no silent partial sum
    assert res.summary()["n_missing"].iloc[0] == 1
    zero = pd.DataFrame({"o": [0.0, 0.0], "n": [100.0, 200.0]})
    with pytest.raises(qm.InsufficientDataError, match="every unit has zero events"):
        qm.funnel(zero, "o", "n", method="rate")
    with pytest.raises(ValueError, match=r"^rate: a rate column is for method='rate'"):
        qm.funnel(zero, "o", "n", rate="n")
