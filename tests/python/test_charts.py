"""qm.spc for the whole chart catalogue — parity with qicharts2 and qcc on real A&E data,
published worked examples (Montgomery), presets where the tools disagree, and bad input.

Expected values come from the tools' own output (tests/reference/ae/*.qicharts2.csv and
*.qcc.csv), from published examples (tests/reference/published, sources in each file), or
from hand calculations shown inline.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import qualitymetrics as qm
from conftest import REFERENCE, read_reference


def published(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "published" / name, comment="#")


def assert_close(ours: pd.Series, theirs: pd.Series, what: str) -> None:
    np.testing.assert_allclose(ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float), rtol=1e-9, atol=1e-12,
                               err_msg=what)


QIC_RUNS = [("runs_n_useful", "n.useful"), ("runs_longest_run", "longest.run"),
            ("runs_longest_run_max", "longest.run.max"), ("runs_n_crossings", "n.crossings"),
            ("runs_n_crossings_min", "n.crossings.min")]


def assert_qicharts2(res: qm.SPCResult, ref: pd.DataFrame, facet: str | None = None) -> None:
    f = res.frame.reset_index(drop=True)
    ref = ref.reset_index(drop=True)
    for ours, theirs in [("centre", "cl"), ("lower", "lcl"), ("upper", "ucl"), ("lower_2sigma", "lcl.95"),
                         ("upper_2sigma", "ucl.95")]:
        assert_close(f[ours], ref[theirs], ours)
    assert (f["rule_outside_limits"].to_numpy() == ref["sigma.signal"].to_numpy()).all()
    assert (f["rule_runs"].to_numpy() | f["rule_crossings"].to_numpy() == ref["runs.signal"].to_numpy()).all()
    s = res.summary()
    if facet is not None:
        s = s.set_index("group")
        first = ref.groupby("facet1", sort=True).first().loc[s.index]
    else:
        first = ref.iloc[[0]]
    for ours, theirs in QIC_RUNS:
        assert (s[ours].to_numpy() == first[theirs].to_numpy()).all(), ours
    assert (s["runs_signal"].to_numpy() == first["runs.signal"].to_numpy()).all()


def test_qicharts2_p_chart() -> None:
    ref = read_reference("ae_rrk_type1_performance_p.qicharts2.csv")
    res = qm.spc(ref, value="y.sum", denominator="n", date="x", chart="p", preset="qicharts2")
    assert_qicharts2(res, ref)
    assert_close(res.frame["value"], ref["y"], "proportion")


def test_qicharts2_laney_p_prime() -> None:
    ref = read_reference("ae_rrk_type1_performance_p_prime.qicharts2.csv")
    res = qm.spc(ref, value="y.sum", denominator="n", date="x", chart="p_prime", preset="qicharts2")
    assert_qicharts2(res, ref)


@pytest.mark.parametrize("name", ["ae_rrk_type1_performance_i.qicharts2.csv", "ae_rrk_type1_attendances_i.qicharts2.csv"])
def test_qicharts2_i_chart(name: str) -> None:
    ref = read_reference(name)
    res = qm.spc(ref, value="y", date="x", chart="i", preset="qicharts2")
    assert_qicharts2(res, ref)


def test_qicharts2_i_chart_130_trusts() -> None:
    ref = read_reference("ae_type1_performance_by_org_i.qicharts2.csv").sort_values(["facet1", "x"])
    res = qm.spc(ref, value="y", date="x", group="facet1", chart="i", preset="qicharts2")
    assert res.n_groups == 130
    assert_qicharts2(res, ref, facet="facet1")


QCC_WE = {"outside_limits": 1, "two_of_three": 2, "four_of_five": 3, "shift": 4}
QCC_NELSON = {"outside_limits": 1, "shift": 2, "trend": 3, "alternating": 4, "two_of_three": 5, "four_of_five": 6,
              "stratification": 7, "mixture": 8}


def lowest_rule(frame: pd.DataFrame, numbering: dict[str, int]) -> np.ndarray:
    """qcc reports, per point, the lowest-numbered rule it violates (0: none)."""
    out = np.zeros(len(frame), dtype=int)
    for rule, k in sorted(numbering.items(), key=lambda kv: -kv[1]):
        out[frame[f"rule_{rule}"].to_numpy()] = k
    return out


@pytest.mark.parametrize("name,chart,kw", [
    ("ae_rrk_type1_performance_p.qcc.csv", "p", {"value": "num", "denominator": "size"}),
    ("ae_rrk_type1_attendances_individuals.qcc.csv", "i", {"value": "statistic"}),
])
def test_qcc_limits_and_rule_sets(name: str, chart: str, kw: dict) -> None:
    ref = read_reference(name)
    ref["num"] = np.round(ref["statistic"] * ref["size"])
    for col in ("viol_we_default_1_4", "viol_we_all_1_4", "viol_nelson_1_8"):  # NA: no violation
        ref[col] = ref[col].fillna(0).astype(int)
    f = qm.spc(ref, date="period", chart=chart, preset="qcc", **kw).frame.reset_index(drop=True)
    for ours, theirs in [("centre", "center"), ("lower", "lcl"), ("upper", "ucl"), ("lower_1sigma", "lcl_1sigma"),
                         ("upper_1sigma", "ucl_1sigma"), ("lower_2sigma", "lcl_2sigma"), ("upper_2sigma", "ucl_2sigma")]:
        assert_close(f[ours], ref[theirs], ours)
    # qcc's default rules: Western Electric 1 and 4
    assert (lowest_rule(f, {"outside_limits": 1, "shift": 4}) == ref["viol_we_default_1_4"].to_numpy()).all()
    we = qm.spc(ref, date="period", chart=chart, preset="qcc", rules="western_electric", **kw).frame
    assert (lowest_rule(we, QCC_WE) == ref["viol_we_all_1_4"].to_numpy()).all()
    nelson = qm.spc(ref, date="period", chart=chart, preset="qcc", rules="nelson", **kw).frame
    assert (lowest_rule(nelson, QCC_NELSON) == ref["viol_nelson_1_8"].to_numpy()).all()


def test_xbar_r_and_s_piston_rings() -> None:
    # Montgomery Example 6.1 (x̄ and R): x̿ = 74.001, R̄ = 0.023, limits 73.988 and 74.014 (printed
    # to 3 decimals); Example 6.3 (x̄ and s): s̄ = 0.0094, limits 73.988 and 74.014.
    d = published("montgomery_6_3_piston_rings.csv")
    res = qm.spc(d, value="diameter", date="sample", chart="xbar_r", preset="shewhart")
    f = res.frame
    assert len(f) == 25 and (f["n"] == 5).all()
    assert f["centre"].iloc[0] == pytest.approx(74.001, abs=5e-4)
    assert f["lower"].iloc[0] == pytest.approx(73.988, abs=5e-4)
    assert f["upper"].iloc[0] == pytest.approx(74.014, abs=5e-4)
    r = qm.spc(d, value="diameter", date="sample", chart="xbar_r", preset="shewhart", dispersion=True).frame
    assert r["centre"].iloc[0] == pytest.approx(0.023, abs=5e-4)  # R̄
    # UCL = D4·R̄ with D4(5) = 2.114 (ASTM table, 3 decimals)
    assert r["upper"].iloc[0] == pytest.approx(2.114 * r["centre"].iloc[0], rel=5e-4)
    assert r["lower"].iloc[0] == 0.0  # D3(5) = 0
    s = qm.spc(d, value="diameter", date="sample", chart="xbar_s", preset="shewhart")
    assert s.frame["lower"].iloc[0] == pytest.approx(73.988, abs=5e-4)
    assert s.frame["upper"].iloc[0] == pytest.approx(74.014, abs=5e-4)


def test_p_chart_orange_juice() -> None:
    # Montgomery Example 7.1 / NIST e-Handbook 6.3.3.2: 30 samples of 50 cans: p̄ = 0.2313,
    # limits 0.0524 and 0.4102; samples 15 and 23 are beyond the upper limit.
    d = published("montgomery_7_1_orange_juice_cans.csv")
    d = d[d["sample"] <= 30]
    num = "nonconforming" if "nonconforming" in d.columns else d.columns[1]
    size = "size" if "size" in d.columns else d.columns[2]
    f = qm.spc(d, value=num, denominator=size, date="sample", chart="p", preset="shewhart").frame
    assert f["centre"].iloc[0] == pytest.approx(0.2313, abs=5e-5)
    assert f["lower"].iloc[0] == pytest.approx(0.0524, abs=5e-5)
    assert f["upper"].iloc[0] == pytest.approx(0.4102, abs=5e-5)
    assert list(np.flatnonzero(f["rule_outside_limits"].to_numpy()) + 1) == [15, 23]


def test_cusum_montgomery_example() -> None:
    # Montgomery Example 9.1: μ0 = 10, σ = 1, k = 0.5, h = 5: C+ first exceeds H = 5 at period 29.
    d = published("cusum_montgomery_example_9_1.csv")
    res = qm.spc(d, value="x", chart="cusum", options={"k": 0.5, "h": 5, "mean": 10.0, "sigma": 1.0})
    f = res.frame
    assert np.flatnonzero(f["rule_cusum_upper"].to_numpy())[0] + 1 == 29
    printed = d["c_plus_published"].to_numpy(dtype=float)
    ok = ~np.isnan(printed)
    np.testing.assert_allclose(f["cusum_upper"].to_numpy()[ok], printed[ok], atol=0.005 + 1e-9)
    assert res.summary()["variation_icon"].iloc[0] == "improvement_high"


def test_ewma_limits_widen_to_the_asymptote() -> None:
    # λ = 0.2, L = 3, σ = 1, μ0 = 0: the first limit is 3·√(0.2/1.8·(1 − 0.8²)) = 3·0.2 = 0.6 and
    # the asymptote 3·√(0.2/1.8) = 1.0.
    y = np.zeros(60)
    f = qm.spc(y, chart="ewma", options={"sigma": 1.0}).frame
    assert f["upper"].iloc[0] == pytest.approx(0.6, rel=1e-12)
    assert f["upper"].iloc[-1] == pytest.approx(1.0, rel=1e-6)


# ---------------------------------------------------------------- presets where the tools disagree
def _series_with_run(k: int) -> np.ndarray:
    # 20 points alternating 9/11 around 10, then k points at 10.5 (one side), then 9/11 again:
    # the centre stays near 10, so the k points form a run of exactly k above it.
    return np.r_[np.tile([11.0, 9.0], 10), np.full(k, 10.5), np.tile([9.0, 11.0], 10)]


@pytest.mark.parametrize("k,mdc,qcc", [(7, True, False), (8, True, True)])
def test_run_of_exactly_7_and_8(k: int, mdc: bool, qcc: bool) -> None:
    y = _series_with_run(k)
    run = slice(20, 20 + k)
    f_mdc = qm.spc(y, chart="xmr", preset="mdc").frame
    assert f_mdc["rule_shift"].iloc[run].all() == mdc          # MDC: 7 in a row, every point flagged
    f_qcc = qm.spc(y, chart="i", preset="qcc").frame
    assert f_qcc["rule_shift"].iloc[run].any() == qcc          # WE4: 8 in a row
    if qcc:  # qcc flags from the 8th point on only
        assert list(np.flatnonzero(f_qcc["rule_shift"].to_numpy())) == [27]


def test_point_on_the_centre_breaks_a_run_but_anhoej_skips_it() -> None:
    # 1,3 x8 (sum 32), then 3,3,3,2,3,3,3,3 (sum 23), then 0,3,0,3,0,1,0 (sum 7): 31 points
    # summing to 62, so the centre is exactly 2 and the 2 lies on it. Around it: the last 3 of the
    # first block and the next three 3s (4 above), the 2, then four 3s: no run of 7 for MDC.
    y = np.r_[np.tile([1.0, 3.0], 8), [3, 3, 3, 2, 3, 3, 3, 3], [0, 3, 0, 3, 0, 1, 0]]
    assert y.sum() == 62 and len(y) == 31
    f = qm.spc(y, chart="xmr", preset="mdc").frame
    assert not f["rule_shift"].any()
    q = qm.spc(y, chart="i", preset="qicharts2").summary().iloc[0]
    # Anhøj drops the point on the centre: 4 + 4 threes become one run of 8; n_useful = 30,
    # limit round(log2(30)) + 3 = 8, and 8 is not above 8: no signal.
    assert q["runs_n_useful"] == 30
    assert q["runs_longest_run"] == 8 and q["runs_longest_run_max"] == 8
    assert not q["runs_signal"]


def test_low_outlier_only_screening_catches() -> None:
    # 24 points 10,11 alternating (MR 1) and one drop to 0 at point 12: the two moving ranges of
    # 10 and 11 inflate mR̄ from 1 to (22·1 + 10 + 11)/24 = 1.79; screening (≥ 3.267·mR̄ = 5.85)
    # removes both, so mR̄ = 22/22 = 1 and the limits are much tighter.
    y = np.r_[np.tile([10.0, 11.0], 6), [0.0], np.tile([10.0, 11.0], 6)]
    with_screening = qm.spc(y, chart="i", preset="qicharts2").phases().iloc[0]
    without = qm.spc(y, chart="i", preset="shewhart").phases().iloc[0]
    assert with_screening["n_screened"] == 2 and without["n_screened"] == 0
    assert with_screening["sigma"] == pytest.approx(1 / 1.128)
    assert without["sigma"] == pytest.approx(((11 * 1) + 10 + 11 + (11 * 1)) / 24 / 1.128)


def test_every_preset_runs_on_missing_values() -> None:
    y = np.r_[np.linspace(1, 2, 10), np.nan, np.linspace(2, 1, 10)]
    for preset in ("mdc", "qicharts2", "qcc", "shewhart"):
        f = qm.spc(y, chart="i", preset=preset).frame
        assert f["point_type"].iloc[10] == "common_cause"
        assert np.isnan(f["value"].iloc[10])


def test_exclude_and_fix_after() -> None:
    ref = read_reference("ae_rrk_type1_attendances_i.qicharts2.csv")
    base = qm.spc(ref, value="y", date="x", chart="i", preset="qicharts2").phases().iloc[0]
    ex = qm.spc(ref, value="y", date="x", chart="i", preset="qicharts2", exclude=["2016-04-01"]).phases().iloc[0]
    assert ex["n_used"] == base["n_used"] - 1
    fx = qm.spc(ref, value="y", date="x", chart="i", preset="qicharts2", fix_after=12).phases().iloc[0]
    assert fx["n_used"] == 12
    assert fx["centre"] == pytest.approx(ref["y"].iloc[:12].mean(), rel=1e-15)


# ---------------------------------------------------------------- bad input
def test_bad_counts_and_denominators() -> None:
    # the column the user named and the DataFrame's label of the row
    df = pd.DataFrame({"y": [3.0, -1, 4, 5], "n": [10.0, 10, 10, 10]})
    with pytest.raises(ValueError, match=r"^y: counts must be non-negative, got -1 \(row 1\)$"):
        qm.spc(df, value="y", chart="c")
    df = pd.DataFrame({"y": [3.0, 1.5, 4, 5]})
    with pytest.raises(ValueError, match=r"^y: .*whole.*\(row 1\)$"):
        qm.spc(df, value="y", chart="c")
    df = pd.DataFrame({"y": [3.0, 12, 4, 5], "n": [10.0, 10, 10, 10]})
    with pytest.raises(ValueError, match=r"^y: numerator 12 is above its denominator 10 \(n\) \(row 1\)$"):
        qm.spc(df, value="y", denominator="n", chart="p")
    df = pd.DataFrame({"y": [3.0, 1, 4, 5], "n": [10.0, 0, 10, 10]})
    with pytest.raises(ValueError, match=r"^n: .*\(row 1\)$"):
        qm.spc(df, value="y", denominator="n", chart="u")
    # a denominator that is present but not a number: argument, row label and column named
    df = pd.DataFrame({"y": [3.0, 1, 4, 5], "n": [10, "ten", 10, 10]}, index=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=r"^denominator: non-numeric value 'ten' at row 'b' of column 'n'$"):
        qm.spc(df, value="y", denominator="n", chart="p")


def test_bad_rows_named_by_their_label_when_rows_are_reordered() -> None:
    # Rows out of group/date order with their own labels: the kernel sees the 8th row of the
    # ordered data ("a", 2020-04) but the error names the DataFrame's label of that row, 'r7'.
    df = pd.DataFrame({"g": ["b", "a", "b", "a"] * 5,
                       "d": np.repeat(pd.date_range("2020-01-01", periods=10, freq="MS"), 2)[::-1],
                       "y": [3.0, 4, 5, 2] * 5, "n": [10.0] * 20}, index=[f"r{i}" for i in range(20)])
    df.loc["r7", "y"] = 12
    with pytest.raises(ValueError, match=r"^y: numerator 12 is above its denominator 10 \(n\) \(row 'r7'\)$"):
        qm.spc(df, value="y", date="d", group="g", denominator="n", chart="p")
    df.loc["r7", "y"] = 2.5
    with pytest.raises(ValueError, match=r"\(row 'r7'\)$"):
        qm.spc(df, value="y", date="d", group="g", chart="c")
    with pytest.raises(ValueError, match="denominator: the p chart needs denominator="):
        qm.spc(df, value="y", chart="p")


def test_bad_subgroups_and_charts() -> None:
    df = pd.DataFrame({"s": [1, 1, 2, 3, 3], "x": [1.0, 2, 3, 4, 5]})
    with pytest.raises(ValueError, match="at least 2 observations per subgroup"):
        qm.spc(df, value="x", date="s", chart="xbar_s")
    with pytest.raises(ValueError, match="chart: must be one of"):
        qm.spc(df, value="x", chart="pie")
    with pytest.raises(ValueError, match="rules: unknown rule set 'westerly'"):
        qm.spc(df, value="x", chart="i", rules="westerly")
    with pytest.raises(ValueError, match=r"rules\[1\]: unknown rule 'sideways'"):
        qm.spc(df, value="x", chart="i", rules=["shift", "sideways"])
    with pytest.raises(ValueError, match="options: unknown cusum option 'kk'"):
        qm.spc(df, value="x", chart="cusum", options={"kk": 1})


def test_variation_charts_treat_less_variation_as_better() -> None:
    # an MR chart of a series with one jump: the large moving range is a concern, whatever the
    # measure's own direction
    y = np.r_[np.tile([10.0, 11.0], 10), [30.0], np.tile([10.0, 11.0], 10)]
    res = qm.spc(y, chart="mr", preset="shewhart", improvement="increase")
    f = res.frame
    assert f["rule_outside_limits"].iloc[20]
    assert f["point_type"].iloc[20] == "special_cause_concern"
    assert res.summary()["improvement"].iloc[0] == "decrease"


def test_ratio_chart_names_numerator_and_denominator() -> None:
    ref = read_reference("ae_rrk_type1_performance_p.qicharts2.csv")
    res = qm.spc(ref, value="y.sum", denominator="n", date="x", chart="p", preset="qicharts2")
    assert res.value_name == "y.sum / n"


def test_time_weighted_charts_name_the_unsupported_argument() -> None:
    with pytest.raises(ValueError, match="exclude: exclusions are not supported for the cusum chart"):
        qm.spc(np.arange(20.0), chart="cusum", exclude=[3])
