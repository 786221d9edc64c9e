"""qm.spc (XmR, NHS Making Data Count) — parity with NHSRplotthedots 0.2.2 on real A&E data,
the result object, and bad input.

Expected values in the parity tests come from NHSRplotthedots' own output
(tests/reference/ae/*.nhsrplotthedots.csv); the others from hand calculations shown inline.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import qualitymetrics as qm
from conftest import read_reference

ASSURANCE = {"consistent_pass": "consistent_pass", "consistent_fail": "consistent_fail",
             "inconsistent": "hit_and_miss"}


def assert_parity(res: qm.SPCResult, ref: pd.DataFrame) -> None:
    ref = ref.sort_values(["f", "x"], kind="stable").reset_index(drop=True)
    f = res.frame.reset_index(drop=True)
    assert len(f) == len(ref)
    np.testing.assert_allclose(f["value"], ref["y"], rtol=0, atol=0)
    pairs = [("centre", "mean_col"), ("lower", "lpl"), ("upper", "upl"), ("lower_2sigma", "lpl_2sigma"),
             ("upper_2sigma", "upl_2sigma"), ("lower_1sigma", "lpl_1sigma"), ("upper_1sigma", "upl_1sigma")]
    for ours, theirs in pairs:
        np.testing.assert_allclose(f[ours], ref[theirs], rtol=1e-9, atol=0, err_msg=ours)
    rules = f[[c for c in f.columns if c.startswith("rule_")]].any(axis=1)
    assert (rules.to_numpy() == ref["special_cause_flag"].to_numpy()).all()
    assert (f["point_type"].astype(str).to_numpy() == ref["point_type"].to_numpy()).all()
    assert (f["rule_outside_limits"].to_numpy() == ref["outside_limits"].to_numpy()).all()
    # icons per facet (repeated on each reference row)
    icons = ref.groupby("f", sort=True).first()
    s = res.summary()
    if res.group_labels is not None:
        s = s.set_index("group")
        icons = icons.loc[s.index]
    var = icons["variation_icon"].str.replace(".svg", "", regex=False).to_numpy()
    assert (s["variation_icon"].astype(str).to_numpy() == var).all()
    expected_assurance = icons["assurance_type"].map(ASSURANCE).to_numpy(dtype=object)
    got = s["assurance_icon"].to_numpy(dtype=object)
    for g, e in zip(got, expected_assurance):
        assert (g is None and (e is None or e != e)) or g == e


def test_parity_130_trusts_grouped() -> None:
    ref = read_reference("ae_type1_performance_by_org.nhsrplotthedots.csv")
    assert ref["f"].nunique() == 130
    shuffled = ref.sample(frac=1.0, random_state=7)  # unsorted input is sorted, not rejected
    res = qm.spc(shuffled, value="y", date="x", group="f", improvement="increase", target=0.95)
    assert res.n_groups == 130
    assert_parity(res, ref)
    # every assurance icon and variation icon kind that occurs is one of ours
    assert set(res.summary()["assurance_icon"]) <= {"consistent_pass", "consistent_fail", "hit_and_miss"}


def test_parity_rebase_2018_04() -> None:
    ref = read_reference("ae_rrk_type1_performance_rebase_2018-04.nhsrplotthedots.csv")
    # the second phase has 12 points (< 13): NHSRplotthedots warns too
    with pytest.warns(qm.ShortSeriesWarning, match="1 phase"):
        res = qm.spc(ref, value="y", date="x", improvement="increase", target=0.95, rebase="2018-04-01")
    assert_parity(res, ref)
    assert (res.frame["phase"].to_numpy() == ref["rebase_group"].to_numpy()).all()
    ph = res.phases()
    assert list(ph["n_points"]) == [24, 12]
    assert list(ph["short"]) == [False, True]


def test_parity_neutral_attendances() -> None:
    ref = read_reference("ae_rrk_type1_attendances_neutral.nhsrplotthedots.csv")
    res = qm.spc(ref, value="y", date="x", improvement="neutral")
    assert_parity(res, ref)
    assert res.summary()["assurance_icon"].iloc[0] is None


def test_single_series_from_array_hand_calculation() -> None:
    # values 1..5 repeated: mean 3; moving ranges 1,1,1,1,4 (5->1) ... computed below by hand.
    y = np.array([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3], dtype=float)
    # MRs: 1,1,1,1,4,1,1,1,1,4,1,1 -> mean = 18/12 = 1.5; screening limit 3.267*1.5 = 4.9005, all kept
    # mean = (15+15+6)/13 = 36/13
    res = qm.spc(y, improvement="increase")
    p = res.phases().iloc[0]
    assert p["centre"] == pytest.approx(36 / 13, rel=1e-15)
    assert p["mean_moving_range"] == pytest.approx(1.5, rel=1e-15)
    assert p["upper"] == pytest.approx(36 / 13 + 2.66 * 1.5, rel=1e-15)
    assert p["lower"] == pytest.approx(36 / 13 - 2.66 * 1.5, rel=1e-15)
    assert res.frame["group"].isna().all()
    assert (res.frame["point_type"] == "common_cause").all()


def test_shift_of_seven_flags_all_seven_and_icon() -> None:
    # 12 points alternating around 10 then 7 points above: the last 7 form a shift.
    y = [9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11] + [10.5] * 7
    res = qm.spc(pd.Series(y, name="y"), improvement="decrease", target=20)
    f = res.frame
    # mean = (6*9 + 6*11 + 7*10.5)/19 = 193.5/19 = 10.18...: every 10.5 is above it, 11s too.
    assert f["rule_shift"].tail(7).all()
    assert (f["point_type"].tail(7) == "special_cause_concern").all()
    s = res.summary().iloc[0]
    assert s["variation_icon"] == "concern_high"  # a concerning rise for a 'decrease' measure
    # target 20 is above the upper limit -> for a 'decrease' measure: consistently passes
    assert s["assurance_icon"] == "consistent_pass"


def test_frame_columns_follow_the_vocabulary() -> None:
    ref = read_reference("ae_rrk_type1_attendances_neutral.nhsrplotthedots.csv")
    res = qm.spc(ref, value="y", date="x", improvement="neutral")
    expected = ["group", "date", "value", "phase", "centre", "lower", "upper", "lower_1sigma", "upper_1sigma",
                "lower_2sigma", "upper_2sigma", "target", "rule_outside_limits", "rule_shift", "rule_trend",
                "rule_two_of_three", "point_type"]
    assert list(res.frame.columns) == expected
    assert str(res.frame["date"].dtype).startswith("datetime64")
    d = res.to_dict()
    assert d["summary"][0]["variation_icon"] == "neutral_high"
    assert len(d["points"]["value"]) == 36
    html = res._repr_html_()
    assert "neutral_high" in html and "<table" in html


def test_grouped_equals_one_by_one_and_threads_agree() -> None:
    ref = read_reference("ae_type1_performance_by_org.nhsrplotthedots.csv")
    both = qm.spc(ref, value="y", date="x", group="f", target=0.95, threads=2).frame.reset_index(drop=True)
    one = qm.spc(ref, value="y", date="x", group="f", target=0.95, threads=1).frame.reset_index(drop=True)
    pd.testing.assert_frame_equal(both, one)
    rrk = ref[ref["f"] == "RRK"]
    alone = qm.spc(rrk, value="y", date="x", target=0.95).frame.reset_index(drop=True)
    sub = both[both["group"] == "RRK"].reset_index(drop=True)
    for col in ["centre", "lower", "upper", "point_type", "rule_shift"]:
        assert (sub[col].astype(str) == alone[col].astype(str)).all()


def test_per_group_targets_and_rebase() -> None:
    ref = read_reference("ae_type1_performance_by_org.nhsrplotthedots.csv")
    two = ref[ref["f"].isin(["RRK", "R1F"])]
    with pytest.warns(qm.ShortSeriesWarning):  # RRK's second phase has 12 points
        res = qm.spc(two, value="y", date="x", group="f", target={"RRK": 0.95, "R1F": 0.5},
                     rebase={"RRK": ["2018-04-01"]}, fix_after=None)
    s = res.summary().set_index("group")
    assert s.loc["R1F", "target"] == 0.5
    assert s.loc["R1F", "assurance_icon"] == "consistent_pass"  # 0.5 is below R1F's lower limit 0.64
    assert s.loc["RRK", "n_phases"] == 2 and s.loc["R1F", "n_phases"] == 1


def test_fix_after_uses_first_points_only() -> None:
    y = np.r_[np.tile([10.0, 12.0], 6), np.full(12, 30.0)]
    res = qm.spc(y, fix_after=12)
    p = res.phases().iloc[0]
    # baseline 10,12,...: mean 11, every MR = 2 -> limits 11 ± 2.66*2
    assert p["centre"] == 11.0 and p["mean_moving_range"] == 2.0
    assert p["upper"] == pytest.approx(11 + 5.32)
    assert res.frame["rule_outside_limits"].tail(12).all()


def test_missing_values_are_kept_and_not_bridged() -> None:
    y = [1.0, 2.0, np.nan, 4.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 2.0, 1.0, 2.0]
    res = qm.spc(y)
    p = res.phases().iloc[0]
    # moving ranges skip the gap (none for 2->NaN or NaN->4):
    # |2-1|, |1-4|, |2-1|, |3-2|, |1-3|, |2-1|, |3-2|, |2-3|, |1-2|, |2-1| = 1+3+1+1+2+1+1+1+1+1 = 13 over 10
    # (screening limit 3.267 * 1.3 = 4.25 keeps them all)
    assert p["n_moving_ranges"] == 10
    assert p["mean_moving_range"] == pytest.approx(1.3, rel=1e-15)
    assert np.isnan(res.frame["value"].iloc[2])
    assert res.frame["point_type"].iloc[2] == "common_cause"


# ---------------------------------------------------------------- bad input
@pytest.fixture()
def small() -> pd.DataFrame:
    return pd.DataFrame({"m": pd.date_range("2020-01-01", periods=15, freq="MS"),
                         "v": np.arange(15, dtype=float), "g": ["a"] * 15})


def test_error_empty() -> None:
    with pytest.raises(ValueError, match="value: the data are empty"):
        qm.spc(pd.DataFrame({"v": []}), value="v")


def test_error_all_missing(small: pd.DataFrame) -> None:
    small["v"] = np.nan
    with pytest.raises(ValueError, match="value: all values of column 'v' are missing"):
        qm.spc(small, value="v", date="m")


def test_error_non_numeric(small: pd.DataFrame) -> None:
    small["v"] = small["v"].astype(object)
    small.loc[4, "v"] = "n/a"
    with pytest.raises(ValueError, match="value: non-numeric value 'n/a' at row 4"):
        qm.spc(small, value="v", date="m")


def test_error_infinite(small: pd.DataFrame) -> None:
    small.loc[6, "v"] = np.inf
    with pytest.raises(ValueError, match="value: infinite value at row 6"):
        qm.spc(small, value="v", date="m")


def test_error_missing_column(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="date: column 'month' is not in the data"):
        qm.spc(small, value="v", date="month")


def test_error_mismatched_lengths_in_core() -> None:
    from qualitymetrics import _core
    opts = _core.preset("mdc")
    with pytest.raises(ValueError, match=r"offsets\[1\]: must equal the number of values \(3\)"):
        _core.xmr_grouped(np.ones(3), np.array([0, 2]), None, None, "increase", opts)
    with pytest.raises(ValueError, match="targets: needs one entry per group"):
        _core.xmr_grouped(np.ones(3), np.array([0, 3]), np.ones(2), None, "increase", opts)
    with pytest.raises(ValueError, match="value: must have dtype float64"):
        _core.xmr_grouped(np.ones(3, dtype=np.float32), np.array([0, 3]), None, None, "increase", opts)
    with pytest.raises(ValueError, match="value: must be one-dimensional"):
        _core.xmr_grouped(np.ones((3, 1)), np.array([0, 3]), None, None, "increase", opts)


def test_error_duplicate_dates(small: pd.DataFrame) -> None:
    small.loc[9, "m"] = small.loc[3, "m"]
    with pytest.raises(ValueError, match=r"date: duplicate date 2020-04-01 in group 'a' \(rows 3 and 9\)"):
        qm.spc(small, value="v", date="m", group="g")


def test_error_unknown_improvement_and_preset(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="improvement: must be one of 'increase', 'decrease', 'neutral'; got 'up'"):
        qm.spc(small, value="v", improvement="up")
    with pytest.raises(ValueError, match="preset: unknown preset 'spc'"):
        qm.spc(small, value="v", preset="spc")


def test_error_rebase_not_in_data(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="rebase: date 2021-06-15 is not in the data for group 'a'"):
        qm.spc(small, value="v", date="m", group="g", rebase=["2021-06-15"])
    with pytest.raises(ValueError, match="rebase: group 'zz' is not in the data"):
        qm.spc(small, value="v", date="m", group="g", rebase={"zz": ["2020-02-01"]})


def test_error_missing_group_and_date(small: pd.DataFrame) -> None:
    small.loc[2, "g"] = None
    with pytest.raises(ValueError, match="group: missing group at row 2"):
        qm.spc(small, value="v", date="m", group="g")
    small.loc[2, "g"] = "a"
    small.loc[5, "m"] = pd.NaT
    with pytest.raises(ValueError, match="date: missing date at row 5"):
        qm.spc(small, value="v", date="m", group="g")


def test_error_fix_after_too_small(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="fix_after: must be at least 12 points, got 5"):
        qm.spc(small, value="v", fix_after=5)


def test_error_target_bad(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="target: group 'b' is not in the data"):
        qm.spc(small, value="v", group="g", target={"b": 1.0})
    with pytest.raises(ValueError, match="target: expected a number"):
        qm.spc(small, value="v", target="high")


def test_short_series_warns() -> None:
    with pytest.warns(qm.ShortSeriesWarning, match="fewer than 13 points"):
        qm.spc([1.0, 2.0, 3.0, 2.0, 1.0])


def test_rebase_accepts_a_timestamp_scalar() -> None:
    ref = read_reference("ae_rrk_type1_performance_rebase_2018-04.nhsrplotthedots.csv")
    ref["x"] = pd.to_datetime(ref["x"])
    with pytest.warns(qm.ShortSeriesWarning):
        res = qm.spc(ref, value="y", date="x", target=0.95, rebase=pd.Timestamp("2018-04-01"))
    assert list(res.phases()["n_points"]) == [24, 12]


def test_large_result_columns_come_back_through_the_column_cache():
    # An EWMA's statistic and limit columns for 200,000 points are 1,600,000 bytes each (>= 1 MiB):
    # freed with their result, they are kept and serve the next call of the same size.
    import gc

    qm.release_column_cache()
    s0 = qm.column_cache_stats()
    assert s0["limit_bytes"] == 64 << 20 and s0["held_bytes"] == 0 and s0["blocks"] == 0
    y = np.random.default_rng(7).normal(10.0, 1.0, 200_000)
    r = qm.spc(y, chart="ewma")
    del r
    gc.collect()
    s1 = qm.column_cache_stats()
    # 1,600,000 / 65,536 = 24.4: each block is 25 granules of 64 KiB, 1,638,400 bytes
    assert s1["blocks"] >= 1 and s1["held_bytes"] % 1_638_400 == 0 and s1["held_bytes"] > 0
    assert s1["misses"] > s0["misses"]
    r = qm.spc(y, chart="ewma")
    s2 = qm.column_cache_stats()
    assert s2["hits"] > s1["hits"]
    del r
    assert qm.set_column_cache_limit(0) == 64 << 20
    assert qm.column_cache_stats()["held_bytes"] == 0
    assert qm.set_column_cache_limit(64 << 20) == 0
    with pytest.raises(ValueError, match="bytes"):
        qm.set_column_cache_limit(-1)
