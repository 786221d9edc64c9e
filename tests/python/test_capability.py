"""qm.capability and qm.target_assurance.

Expected values: independent 40-digit computations from the published formulas (chi-square for
Cp/Pp, Bissell for Cpk/Ppk, Boyles for Cpm; tests/reference/assurance/capability_ae_rrk.csv made
by make_capability_reference.py) on NHS A&E data; the MDC assurance icons that qm.spc itself
reports for every chart type; hand calculations inline.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import qualitymetrics as qm  # noqa: E402

ASSURANCE = Path(__file__).resolve().parents[1] / "reference" / "assurance"


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    t = pd.read_csv(ASSURANCE / "capability_ae_rrk.csv", comment="#")
    return dict(zip(t["quantity"], t["value"]))


@pytest.fixture(scope="module")
def type1() -> pd.DataFrame:
    df = qm.ae_performance()
    return df[df["type"] == "1"].reset_index(drop=True)


@pytest.fixture(scope="module")
def rrk(type1: pd.DataFrame) -> pd.DataFrame:
    return type1[type1["org_code"] == "RRK"]


def test_nhs_standard_is_a_lower_limit_and_matches_reference(rrk, ref):
    cap = qm.capability(rrk, value="performance", date="period", target=0.95)
    f = cap.frame.iloc[0]
    assert f["lower_spec"] == 0.95 and math.isnan(f["upper_spec"])
    for col, key in (("mean", "mean"), ("sigma_within", "sigma_within"), ("sigma_overall", "sigma_overall"),
                     ("cpk", "target_cpk_within"), ("cpk_lower", "target_cpk_within_lower"),
                     ("cpk_upper", "target_cpk_within_upper"), ("ppk", "target_cpk_overall"),
                     ("ppk_lower", "target_cpk_overall_lower"), ("ppk_upper", "target_cpk_overall_upper")):
        assert f[col] == pytest.approx(ref[key], rel=1e-12), col
    assert f["p_meet_within"] == pytest.approx(ref["target_p_meet_within"], rel=1e-10)
    assert f["p_meet_overall_upper"] == pytest.approx(ref["target_p_meet_overall_upper"], rel=1e-10)
    assert f["cpk"] == f["cpl"]  # the one-sided index against the target
    assert math.isnan(f["cp"]) and math.isnan(f["cpm"])
    assert f["sigma_within_method"] == "mean moving range / 1.128"
    assert f["sigma_overall_method"] == "sample standard deviation (n - 1)"
    assert f["status"] == "ok" and f["n"] == 36 and f["n_moving_ranges"] == 35
    assert f["observed_meet"] == 0.0


def test_two_sided_specification_matches_reference(rrk, ref):
    cap = qm.capability(rrk, value="performance", date="period", lower=0.55, upper=0.95, nominal=0.78)
    f = cap.frame.iloc[0]
    for idx in ("cp", "cpk", "cpm"):
        for suffix in ("", "_lower", "_upper"):
            assert f[idx + suffix] == pytest.approx(ref[f"two_sided_{idx}_within{suffix}"], rel=1e-12), idx + suffix
            p = "pp" if idx == "cp" else ("ppk" if idx == "cpk" else "ppm")
            assert f[p + suffix] == pytest.approx(ref[f"two_sided_{idx}_overall{suffix}"], rel=1e-12), p + suffix
    assert f["p_meet_within"] == pytest.approx(ref["two_sided_p_meet_within"], rel=1e-12)
    assert math.isnan(f["p_meet_within_lower"])  # no interval for a two-sided specification


def test_rows_are_put_in_date_order(rrk):
    shuffled = rrk.sample(frac=1.0, random_state=3)
    a = qm.capability(rrk, value="performance", date="period", target=0.95).frame
    b = qm.capability(shuffled, value="performance", date="period", target=0.95).frame
    assert a["sigma_within"].iloc[0] == b["sigma_within"].iloc[0]


def test_from_an_spc_result_uses_the_last_phase_targets_and_direction(type1):
    sub = type1[type1["org_code"].isin(["RRK", "RA2", "R1H"])]
    with pytest.warns(qm.ShortSeriesWarning):  # RA2's new phase has 12 points
        res = qm.spc(sub, value="performance", date="period", group="org_code",
                     target={"RRK": 0.95, "RA2": 0.95, "R1H": 0.9}, rebase={"RA2": ["2018-04-01"]})
    cap = qm.capability(res)
    f = cap.frame.set_index("group")
    assert f.loc["RA2", "n"] == 12  # April 2018 – March 2019
    assert f.loc["RRK", "n"] == 36
    assert f.loc["R1H", "lower_spec"] == 0.9
    ra2 = sub[(sub["org_code"] == "RA2") & (sub["period"] >= "2018-04-01")]
    direct = qm.capability(ra2, value="performance", date="period", target=0.95).frame.iloc[0]
    assert f.loc["RA2", "cpk"] == direct["cpk"]
    assert qm.capability(res, phase="all").frame.set_index("group").loc["RA2", "n"] == 36
    # a lower-is-better chart: the target is an upper limit
    breaches = qm.spc(sub[sub["org_code"] == "RRK"], value="breaches", date="period", improvement="decrease", target=2000)
    fb = qm.capability(breaches).frame.iloc[0]
    assert fb["upper_spec"] == 2000 and math.isnan(fb["lower_spec"])
    assert fb["cpk"] == fb["cpu"]


def test_indices_long_format_and_summary(rrk):
    cap = qm.capability(rrk, value="performance", date="period", lower=0.55, upper=0.95)
    ind = cap.indices()
    assert list(ind["index"]) == ["Cp", "Cpl", "Cpu", "Cpk", "Cpm", "Pp", "Ppl", "Ppu", "Ppk", "Ppm"]
    assert set(ind.loc[ind["sigma"] == "within", "sigma_method"]) == {"mean moving range / 1.128"}
    assert ind.loc[ind["index"] == "Cp", "interval_method"].item() == "chi-square"
    assert ind.loc[ind["index"] == "Cpk", "interval_method"].item() == "Bissell normal approximation"
    assert ind.loc[ind["index"] == "Cpm", "interval_method"].item() == "Boyles chi-square"
    assert cap.frame["nominal"].iloc[0] == pytest.approx(0.75)  # the midpoint by default
    s = cap.summary()
    assert {"cpk", "cpk_lower", "ppk", "p_meet_within", "observed_meet", "status"} <= set(s.columns)
    json.dumps(cap.to_dict(), default=str)
    assert "Process capability" in cap._repr_html_()
    assert "CapabilityResult(groups=1" in repr(cap)


def test_options_screening_d2_and_qcc_interval(rrk):
    base = qm.capability(rrk, value="performance", date="period", lower=0.55, upper=0.95).frame.iloc[0]
    exact = qm.capability(rrk, value="performance", date="period", lower=0.55, upper=0.95,
                          mr_d2=2 / math.sqrt(math.pi)).frame.iloc[0]
    assert exact["sigma_within"] == pytest.approx(base["sigma_within"] * 1.128 / (2 / math.sqrt(math.pi)), rel=1e-14)
    screened = qm.capability(rrk, value="performance", date="period", target=0.95, screen=True)
    assert "screened" in screened.frame["sigma_within_method"].iloc[0]
    qcc = qm.capability(rrk, value="performance", date="period", lower=0.55, upper=0.95, cpm_interval="qcc").frame.iloc[0]
    assert qcc["cpm"] == base["cpm"] and qcc["cpm_lower"] != base["cpm_lower"]
    plain = qm.capability(rrk, value="performance", date="period", target=0.95).frame.iloc[0]
    wheeler = qm.capability(rrk, value="performance", date="period", target=0.95, within_df_factor=0.62).frame.iloc[0]
    # fewer degrees of freedom for the within sigma: a wider interval, the overall one unchanged
    assert wheeler["cpk_upper"] - wheeler["cpk_lower"] > plain["cpk_upper"] - plain["cpk_lower"]
    assert wheeler["ppk_lower"] == plain["ppk_lower"]


def test_grouped_statuses_instead_of_errors():
    df = pd.DataFrame({"unit": ["a"] * 5 + ["b"] + ["c"] * 4,
                       "y": [1, 2, 3, 2, 1, 5, 4, 4, 4, 4]})
    cap = qm.capability(df, value="y", group="unit", target=0)
    assert list(cap.frame["status"].astype(str)) == ["ok", "too_few_values", "zero_sigma"]
    assert cap.frame["sigma_overall"].iloc[2] == 0.0


def test_bad_input():
    with pytest.raises(qm.InsufficientDataError, match=r"value: capability needs at least 2 non-missing values, got 1"):
        qm.capability([0.9], target=0.95)
    with pytest.raises(qm.InsufficientDataError, match=r"value: all 12 values are identical \(sigma 0\)"):
        qm.capability(np.full(12, 0.95), target=0.9)
    with pytest.raises(qm.InsufficientDataError, match="no moving range"):
        qm.capability([1.0, np.nan, 2.0, np.nan, 3.0], target=0)
    with pytest.raises(ValueError, match="target: give target="):
        qm.capability([1.0, 2.0, 3.0], target=1, lower=0)
    with pytest.raises(ValueError, match="improvement: a target needs a direction"):
        qm.capability([1.0, 2.0, 3.0], target=1, improvement="neutral")
    with pytest.raises(ValueError, match="target: capability needs a target"):
        qm.capability([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"value: infinite value at row 2"):
        qm.capability([1.0, 2.0, np.inf], target=0)
    with pytest.raises(ValueError, match="cpm_interval"):
        qm.capability([1.0, 2.0, 3.0], target=0, cpm_interval="minitab")
    df = pd.DataFrame({"g": ["a", "a", "a", "b", "b", "b"], "y": [1.0, 2, 3, 1, 2, 3]})
    with pytest.raises(ValueError, match=r"upper: the upper specification limit .* \(group 'b'\)"):
        qm.capability(df, value="y", group="g", lower={"a": 0, "b": 5}, upper={"a": 9, "b": 4})
    with pytest.raises(ValueError, match="target: group 'z' is not in the data"):
        qm.capability(df, value="y", group="g", target={"z": 1})
    with pytest.raises(ValueError, match="confidence"):
        qm.capability(df, value="y", group="g", target=1, confidence=1.5)


def test_capability_refuses_non_xmr_charts_and_charts_without_targets(type1):
    sub = type1[type1["org_code"] == "RRK"]
    with pytest.raises(ValueError, match="target: the chart has no target"):
        qm.capability(qm.spc(sub, value="performance", date="period"))
    assert qm.capability(qm.spc(sub, value="performance", date="period"), target=0.9).frame["lower_spec"].iloc[0] == 0.9
    p = qm.spc(sub, value="breaches", denominator="attendances", date="period", chart="p", target=0.05,
               improvement="decrease")
    with pytest.raises(ValueError, match="capability needs the individual values of an XmR chart"):
        qm.capability(p)


def test_plot(rrk):
    cap = qm.capability(rrk, value="performance", date="period", target=0.95)
    ax = cap.plot()
    gids = {a.get_gid() for a in ax.get_children()}
    assert {"qm-capability-normal-within", "qm-capability-normal-overall", "qm-capability-lower_spec"} <= gids
    plt.close(ax.figure)


# ==================================================================== target assurance
CHARTS = [
    ("xmr", dict(value="performance")),
    ("p", dict(value="breaches", denominator="attendances")),
    ("u", dict(value="admissions", denominator="attendances")),
    ("p_prime", dict(value="breaches", denominator="attendances")),
    ("u_prime", dict(value="admissions", denominator="attendances")),
    ("np", dict(value="breaches", denominator="attendances")),
    ("c", dict(value="breaches")),
    ("mr", dict(value="performance")),
]


@pytest.mark.parametrize("chart,cols", CHARTS, ids=[c for c, _ in CHARTS])
@pytest.mark.parametrize("improvement", ["increase", "decrease"])
def test_assurance_icon_matches_spc_for_every_chart(type1, chart, cols, improvement):
    sub = type1[type1["org_code"].isin(type1["org_code"].unique()[:25])]
    res0 = qm.spc(sub, date="period", group="org_code", chart=chart, improvement=improvement, **cols)
    centre = res0.summary().set_index("group")["centre"]
    # targets around each group's centre, so all three icons occur
    rng = np.random.default_rng(5)
    targets = {g: float(c * rng.choice([0.5, 0.97, 1.0, 1.03, 1.5])) for g, c in centre.items()}
    res = qm.spc(sub, date="period", group="org_code", chart=chart, improvement=improvement, target=targets, **cols)
    ta = qm.target_assurance(res)
    f = ta.frame.set_index("group")
    expected = res.summary().set_index("group")["assurance_icon"]
    assert list(f["assurance_icon"]) == list(expected)
    ti = f["target_index"]
    assert (ti[f["assurance_icon"] == "consistent_pass"] > 1).all()
    assert (ti[f["assurance_icon"] == "consistent_fail"] < -1).all()
    assert ti[f["assurance_icon"] == "hit_and_miss"].between(-1, 1).all()
    assert f["p_meet"].between(0, 1).all()
    shares = f["share_pass"] + f["share_fail"] + f["share_hit_and_miss"]
    np.testing.assert_allclose(shares, 1.0)
    model = {"p": "binomial", "np": "binomial", "c": "poisson", "u": "poisson"}.get(chart, "normal")
    assert set(f["model"].astype(str)) == {model}


def test_assurance_details_for_variable_limits(type1):
    sub = type1[type1["org_code"] == "RRK"]
    res = qm.spc(sub, value="breaches", denominator="attendances", date="period", chart="p_prime",
                 improvement="decrease", target=0.15)
    f = qm.target_assurance(res).frame.iloc[0]
    assert f["n_points"] == 36 and f["n_with_limits"] == 36
    assert f["latest_date"] == pd.Timestamp("2019-03-01")
    assert f["lower"] == res.frame["lower"].iloc[-1]
    # a p′ chart is normal with the Laney sigma: p_meet = Φ(3·target_index)
    assert f["p_meet"] == pytest.approx(0.5 * math.erfc(-3 * f["target_index"] / math.sqrt(2)), rel=1e-12)
    observed = (sub["breaches"] / sub["attendances"] <= 0.15).mean()
    assert f["observed_meet"] == pytest.approx(observed)


def test_assurance_neutral_run_override_and_refusals(type1):
    sub = type1[type1["org_code"] == "RRK"]
    neutral = qm.spc(sub, value="performance", date="period", improvement="neutral", target=0.95)
    f = qm.target_assurance(neutral).frame.iloc[0]
    assert f["assurance_icon"] is None and math.isnan(f["p_meet"])
    run = qm.spc(sub, value="performance", date="period", chart="run", target=0.95)
    fr = qm.target_assurance(run).frame.iloc[0]
    assert fr["assurance_icon"] is None and str(fr["model"]) == "none"
    res = qm.spc(sub, value="performance", date="period")
    assert qm.target_assurance(res).frame["assurance_icon"].iloc[0] is None  # no target
    over = qm.target_assurance(res, target=0.5).frame.iloc[0]
    assert over["assurance_icon"] == "consistent_pass" and over["target"] == 0.5
    cusum = qm.spc(sub, value="performance", date="period", chart="cusum")
    with pytest.raises(ValueError, match="decision limits"):
        qm.target_assurance(cusum)
    with pytest.raises(ValueError, match="expected an SPCResult"):
        qm.target_assurance(sub)
    ta = qm.target_assurance(qm.spc(sub, value="performance", date="period", target=0.95))
    assert ta.summary().iloc[0]["n_consistent_fail"] == 1
    json.dumps(ta.to_dict(), default=str)
    assert "Target assurance" in ta._repr_html_()
