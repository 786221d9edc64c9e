"""qm.control_vs_assurance and qm.retrospective_review.

Synthetic indicators with known stories (a fall after the baseline, a stable process with an
unreachable goal, a stable process whose goal sits inside its limits, an improvement), then real
NHS A&E data, where each column is cross-checked against the library's other entry points: the
live view against a monitor replay of the same indicator, the assurance view against qm.spc on
the review period.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import qualitymetrics as qm  # noqa: E402


def stories() -> pd.DataFrame:
    months = pd.date_range("2019-04-01", periods=30, freq="MS")
    base = 0.90 + np.where(np.arange(30) % 2, 0.004, -0.004) + 0.001 * (np.arange(30) % 3)
    rows = []
    for name, shift in [("fall", -0.05), ("stable_far", 0.0), ("stable_inside", 0.0), ("improves", 0.05)]:
        y = base + np.where(np.arange(30) >= 18, shift, 0.0)
        rows.append(pd.DataFrame({"trust": name, "month": months, "performance": y}))
    return pd.concat(rows, ignore_index=True)


GOALS = {"fall": 0.95, "stable_far": 0.5, "stable_inside": 0.90, "improves": 0.5}


def test_agreement_first_signal_and_delay() -> None:
    res = qm.control_vs_assurance(stories(), value="performance", date="month", group="trust", goal=GOALS,
                                  baseline=12)
    s = res.summary().set_index("group")
    assert s.loc["fall", "agreement"] == "both"
    assert s.loc["fall", "first_signal_date"] == pd.Timestamp("2020-10-01")  # month 18: below the lower limit
    assert s.loc["fall", "first_signal_rule"] == "outside_limits"
    assert s.loc["fall", "first_signal_direction"] == "low"
    assert s.loc["fall", "verdict_date"] == pd.Timestamp("2021-09-01")
    assert s.loc["fall", "detection_delay_days"] == (pd.Timestamp("2021-09-01") - pd.Timestamp("2020-10-01")).days
    assert s.loc["fall", "detection_delay_points"] == 11
    assert s.loc["fall", "assurance_icon"] == "consistent_fail"
    assert s.loc["stable_far", "agreement"] == "neither"
    assert s.loc["stable_inside", "agreement"] == "only_assurance"
    assert s.loc["stable_inside", "assurance_icon"] == "hit_and_miss"
    assert s.loc["improves", "agreement"] == "neither"  # an improvement is not a problem ...
    any_signal = qm.control_vs_assurance(stories(), value="performance", date="month", group="trust", goal=GOALS,
                                         baseline=12, signals="any")
    assert any_signal.summary().set_index("group").loc["improves", "agreement"] == "only_control"  # ... unless asked
    a = res.agreement().set_index("agreement")["n_indicators"]
    assert a["both"] == 1 and a["neither"] == 2 and a["only_assurance"] == 1 and a["only_control"] == 0
    f = res.frame
    assert {"live_rules", "raised", "alarm", "rule_shift", "point_type", "goal", "in_period"} <= set(f.columns)
    fall = f[f["group"] == "fall"]
    assert fall["alarm"].to_numpy()[18] and fall["raised"].iloc[18] == "outside_limits"
    assert "fall" in repr(res) or "both=1" in repr(res)
    d = res.to_dict()
    assert d["summary"][0]["group"] == "fall"


def test_assurance_criteria() -> None:
    df = stories()
    crit = {c: qm.control_vs_assurance(df, value="performance", date="month", group="trust", goal=GOALS, baseline=12,
                                       assurance=c).summary().set_index("group")["agreement"]
            for c in ("not_assured", "fails", "share_below", "control_lost")}
    assert crit["fails"]["stable_inside"] == "neither"  # hit and miss is not a consistent fail
    assert crit["share_below"]["fall"] == "both"  # no month met 0.95
    assert crit["control_lost"]["fall"] == "both" and crit["control_lost"]["stable_inside"] == "neither"
    nogoal = qm.control_vs_assurance(df, value="performance", date="month", group="trust", baseline=12)
    assert set(nogoal.summary()["agreement"]) == {"not_assessed"}


def test_live_view_is_a_monitor_replay_and_assurance_is_the_spc_chart_of_the_period() -> None:
    df = qm.ae_performance()
    months = df.groupby("org_code").size()
    orgs = months[months == 36].index[:30]  # trusts with all 36 months
    df = df[df["org_code"].isin(orgs)]
    res = qm.control_vs_assurance(df, value="performance", date="period", group="org_code", goal=0.95, baseline=12)
    s = res.summary().set_index("group")
    for org in orgs[:12]:
        one = df[df["org_code"] == org].sort_values("period")
        rep = qm.monitor.Shewhart("xmr", baseline=12).replay(one, "performance", "period")
        sig = rep.signals[(rep.signals["push"] >= 12) & (rep.signals["point"] >= 12)
                          & (rep.signals["point_type"] == "special_cause_concern")]
        if len(sig):
            assert s.loc[org, "first_signal_date"] == sig["date"].iloc[0]
        else:
            assert pd.isna(s.loc[org, "first_signal_date"])
        period = one.iloc[12:]
        spc = qm.spc(period, value="performance", date="period", target=0.95)
        assert s.loc[org, "assurance_icon"] == spc.summary()["assurance_icon"].iloc[0]
        met = (period["performance"] >= 0.95).mean()
        assert s.loc[org, "share_meeting_goal"] == pytest.approx(met)
    # every indicator lands in exactly one category
    assert res.agreement()["n_indicators"].sum() == len(orgs)


def test_retrospective_review() -> None:
    df = stories()
    rv = qm.retrospective_review(df, value="performance", date="month", group="trust", goal=GOALS, baseline=12)
    s = rv.summary().set_index("group")
    assert not s.loc["fall", "control_maintained"] and s.loc["fall", "changed"]
    assert s.loc["fall", "change_direction"] == "low"
    assert s.loc["fall", "shift_sigma"] < -3
    assert s.loc["fall", "n_meeting_goal"] == 0 and s.loc["fall", "capability"] < -1
    assert s.loc["stable_far", "control_maintained"] and not s.loc["stable_far", "changed"]
    assert s.loc["stable_far", "share_in_control"] == 1.0
    assert s.loc["stable_far", "capability"] > 1 and s.loc["stable_far", "p_meet"] > 0.998
    assert s.loc["stable_far", "period_start"] == pd.Timestamp("2020-04-01")
    # capability: the continuous assurance icon, (centre − goal)/(upper − centre) here
    c = s.loc["stable_inside"]
    assert c["capability"] == pytest.approx((c["centre"] - 0.90) / (c["upper"] - c["centre"]))
    sig = rv.signals()
    assert set(sig["group"]) == {"fall", "improves"}
    assert (sig.loc[sig["group"] == "fall", "point_type"] == "special_cause_concern").all()
    icp = rv.in_control_periods()
    stable = icp[icp["group"] == "stable_far"]
    assert len(stable) == 1 and stable["n_points"].iloc[0] == 18
    f = rv.frame
    assert f["in_period"].sum() == 4 * 18
    # a chosen period
    part = qm.retrospective_review(df, value="performance", date="month", group="trust", goal=GOALS, baseline=12,
                                   period_start="2020-04-01", period_end="2020-09-01")
    assert (part.summary()["n_points"] == 6).all()
    assert part.summary().set_index("group").loc["fall", "control_maintained"]  # the fall came later
    with pytest.raises(ValueError, match="period_start: the review period of group 'fall' is empty"):
        qm.retrospective_review(df, value="performance", date="month", group="trust", baseline=40)
    with pytest.raises(ValueError, match="baseline"):
        qm.retrospective_review(df, value="performance", date="month", group="trust", baseline=0)
    with pytest.raises(ValueError, match="date"):
        qm.control_vs_assurance(df, value="performance", group="trust", goal=GOALS)


def test_ratio_chart_review() -> None:
    df = qm.ae_performance()
    months = df.groupby("org_code").size()
    one = df[df["org_code"] == months[months == 36].index[0]].copy()
    one["met"] = one["attendances"] - one["breaches"]
    res = qm.control_vs_assurance(one, value="met", date="period", denominator="attendances", chart="p", goal=0.95,
                                  baseline=12, preset="qicharts2", rules="mdc")
    s = res.summary()
    assert len(s) == 1 and s["agreement"].iloc[0] in ("both", "only_control", "only_assurance", "neither")
    period = one.iloc[12:]
    spc = qm.spc(period, value="met", date="period", denominator="attendances", chart="p", target=0.95,
                 preset="qicharts2", rules="mdc")
    assert s["assurance_icon"].iloc[0] == spc.summary()["assurance_icon"].iloc[0]


def test_plots() -> None:
    res = qm.control_vs_assurance(stories(), value="performance", date="month", group="trust", goal=GOALS,
                                  baseline=12)
    top, bottom = res.plot("fall")
    assert top.get_title(loc="left").startswith("Control vs assurance")
    assert [t.get_text() for t in bottom.get_yticklabels()] == ["Control\n(live)", "Assurance\n(review)"]
    ax = res.plot()  # every indicator on one date axis
    assert len(ax.get_yticklabels()) == 4
    ax2 = res.review.plot("stable_inside")
    assert ax2.get_title(loc="left").startswith("Retrospective review")
    rep = qm.monitor.Cusum(baseline=12).replay(stories().query("trust == 'fall'"), "performance", "month")
    assert rep.plot() is not None
    with pytest.raises(ValueError, match="group"):
        res.plot("nope")
    plt.close("all")
