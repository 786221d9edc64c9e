"""qm.monitor: live monitors.

Replay equivalence (seeded, property-style): a series pushed point by point through a monitor with
limits learned from its first points gives exactly the lines, flags and point types of qm.spc with
the same fix_after, for every chart and rule set, with missing values. The outcome monitors are
checked against the hand calculations in tests/reference/monitor (sources in its README), the
thresholds against Montgomery's tables, and the saved state against damage.
"""
from __future__ import annotations

import pickle
import zlib

import numpy as np
import pandas as pd
import pytest

import qualitymetrics as qm
from conftest import REFERENCE

RATIO = ("p", "np", "u", "p_prime", "u_prime")
WHOLE_PHASE = ("runs", "crossings")


def hand(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "monitor" / name, comment="#")


def random_frame(chart: str, n: int, seed: int, missing: float = 0.06) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    level = np.cumsum(np.where(rng.random(n) < 0.05, rng.normal(0, 1, n), 0.0))
    z = level + rng.normal(size=n)
    df = pd.DataFrame({"month": pd.date_range("2015-01-01", periods=n, freq="MS")})
    if chart in ("xmr", "mr", "run"):
        df["y"] = np.round(z * 2) / 2  # ties and points on the centre
    elif chart == "t":
        df["y"] = np.exp(0.5 * z) + 0.01
    elif chart == "c":
        df["y"] = np.floor(np.maximum(0, 6 + 2.5 * z))
    elif chart == "g":
        df["y"] = np.floor(np.maximum(0, 20 * np.exp(0.6 * z)))
    elif chart in ("p", "np", "p_prime"):
        den = np.floor(40 + 160 * rng.random(n))
        p = 1 / (1 + np.exp(-(-1.5 + 0.4 * z)))
        df["y"] = np.minimum(den, np.floor(den * p + 0.5))
        df["n"] = den
    else:  # u
        den = 5 + 20 * rng.random(n)
        df["y"] = np.floor(np.maximum(0, den * 0.4 * np.exp(0.4 * z)))
        df["n"] = den
    df.loc[rng.random(n) < missing, "y"] = np.nan
    return df


CHARTS = ["xmr", "mr", "run", "c", "p", "np", "u", "p_prime", "u_prime", "g", "t"]
RULE_SETS = ["mdc", "western_electric", "western_electric_default", "nelson", "anhoej", "qicharts2", "shewhart"]


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("rules", RULE_SETS)
def test_replay_equals_the_batch_chart(chart: str, rules: str) -> None:
    for seed in range(3):
        df = random_frame(chart, 90, seed=zlib.crc32(f"{chart}/{rules}/{seed}".encode()))
        den = "n" if chart in RATIO else None
        baseline = 15
        spc = qm.spc(df, value="y", date="month", chart=chart, denominator=den, rules=rules, fix_after=baseline,
                     preset="qicharts2" if seed == 1 else "mdc", improvement=["increase", "decrease", "neutral"][seed])
        m = qm.monitor.Shewhart(chart, rules=rules, baseline=baseline, preset="qicharts2" if seed == 1 else "mdc",
                                improvement=["increase", "decrease", "neutral"][seed])
        rep = m.replay(df, "y", "month", denominator=den)
        f, b = rep.frame, spc.frame.reset_index(drop=True)
        np.testing.assert_array_equal(f["statistic"].to_numpy(), b["value"].to_numpy())
        for name in spc.rule_names:
            if name in WHOLE_PHASE:  # the verdict on the phase so far: equal at the last point
                assert f[f"rule_{name}"].iloc[-1] == b[f"rule_{name}"].iloc[-1], (chart, rules, name)
                continue
            np.testing.assert_array_equal(f[f"rule_{name}"].to_numpy(), b[f"rule_{name}"].to_numpy(),
                                          err_msg=f"{chart} {rules} {name}")
        assert (f["point_type"].astype(str).to_numpy() == b["point_type"].astype(str).to_numpy()).all()
        for col in ("centre", "lower", "upper", "lower_2sigma", "upper_2sigma"):
            np.testing.assert_array_equal(f[col].to_numpy(), b[col].to_numpy(), err_msg=f"{chart} {rules} {col}")


def test_mdc_xmr_replay_matches_the_mdc_fast_path_on_real_data() -> None:
    df = qm.ae_performance()
    for org in df["org_code"].unique()[:25]:
        one = df[df["org_code"] == org]
        spc = qm.spc(one, value="performance", date="period", fix_after=12, target=0.95)
        rep = qm.monitor.Shewhart("xmr", baseline=12).replay(one, "performance", "period")
        b = spc.frame.reset_index(drop=True)
        for col in ("centre", "upper", "lower"):
            np.testing.assert_array_equal(rep.frame[col].to_numpy(), b[col].to_numpy())
        for rule in ("outside_limits", "shift", "trend", "two_of_three"):
            np.testing.assert_array_equal(rep.frame[f"rule_{rule}"].to_numpy(), b[f"rule_{rule}"].to_numpy())


@pytest.mark.parametrize("chart", ["cusum", "ewma"])
def test_time_weighted_replay_equals_the_batch_chart(chart: str) -> None:
    for seed in range(5):
        df = random_frame("xmr", 120, seed=seed, missing=0.05)
        df["y"] += 10
        spc = qm.spc(df, value="y", date="month", chart=chart, fix_after=20)
        m = qm.monitor.Cusum(baseline=20) if chart == "cusum" else qm.monitor.Ewma(baseline=20)
        rep = m.replay(df, "y", "month")
        b = spc.frame.reset_index(drop=True)
        if chart == "cusum":
            np.testing.assert_array_equal(rep.frame["rule_upper"].to_numpy(), b["rule_cusum_upper"].to_numpy())
            np.testing.assert_array_equal(rep.frame["rule_lower"].to_numpy(), b["rule_cusum_lower"].to_numpy())
            ok = df["y"].notna().to_numpy()
            np.testing.assert_array_equal(rep.frame["cusum_upper"].to_numpy()[ok], b["cusum_upper"].to_numpy()[ok])
        else:
            np.testing.assert_array_equal(rep.frame["ewma"].to_numpy()[20:], b["ewma"].to_numpy()[20:])
            flagged = rep.frame["rule_upper"] | rep.frame["rule_lower"]
            np.testing.assert_array_equal(flagged.to_numpy(), b["rule_outside_limits"].to_numpy())


def test_push_returns_signals_with_the_points_they_cover() -> None:
    m = qm.monitor.Shewhart("xmr", limits={"centre": 0.0, "sigma": 1.0}, preset="shewhart", rules="mdc")
    months = pd.date_range("2023-01-01", periods=9, freq="MS")
    evs = [m.push(v, date=d) for v, d in zip([-0.5, 0.5, 0.2, 0.4, 0.1, 0.3, 0.6, 0.7, 4.0], months)]
    s = evs[7].signals
    assert len(s) == 1 and s[0].rule == "shift" and s[0].first == 1 and s[0].point == 7
    assert s[0].first_date == months[1] and s[0].date == months[7]
    assert s[0].direction == "high" and s[0].point_type == "special_cause_improvement" and not s[0].continued
    assert evs[7].alarm
    assert [u.point for u in evs[7].updates] == [1, 2, 3, 4, 5, 6]
    assert all(u.flags == ("shift",) for u in evs[7].updates)
    assert {x.rule: x.continued for x in evs[8].signals} == {"outside_limits": False, "shift": True}
    assert evs[8].flags == ("outside_limits", "shift")
    assert evs[8].upper == 3.0 and evs[8].lower == -3.0 and evs[8].centre == 0.0
    assert evs[8].to_dict()["signals"][0]["rule"] == "outside_limits"


def test_learning_then_frozen() -> None:
    m = qm.monitor.Shewhart("p", baseline=6)
    for k in range(5):
        ev = m.push(10 + k, 100)
        assert ev.learning and ev.flags == () and not ev.signals
    assert m.learning
    assert m.trial_limits["mean"] == pytest.approx(sum(10 + k for k in range(5)) / 500)
    ev = m.push(11, 100)
    assert not ev.learning and not m.learning
    assert len(ev.updates) == 5
    assert m.limits["mean"] == pytest.approx((10 + 11 + 12 + 13 + 14 + 11) / 600)
    assert m.push(40, 100).flags == ("outside_limits",)
    m.rebase()
    assert m.learning


def test_bad_input_names_the_argument() -> None:
    m = qm.monitor.Shewhart("p", baseline=3)
    m.push(5, 100, date="2024-01-01")
    with pytest.raises(ValueError, match=r"values\[1\]"):
        m.push(120, 100, date="2024-02-01")
    with pytest.raises(ValueError, match=r"date\[1\]"):
        m.push(5, 100, date="2023-12-01")
    with pytest.raises(ValueError, match="baseline"):
        qm.monitor.Shewhart("xmr")
    with pytest.raises(ValueError, match="chart"):
        qm.monitor.Shewhart("xbar_r", baseline=5)
    with pytest.raises(ValueError, match="improvement"):
        qm.monitor.Shewhart("xmr", baseline=5, improvement="up")
    with pytest.raises(ValueError, match="denominator"):
        qm.monitor.Shewhart("xmr", baseline=5).push(1.0, 3.0)
    with pytest.raises(ValueError, match="unknown rule"):
        qm.monitor.Shewhart("xmr", baseline=5, rules=["shift", "nonsense"])
    assert m.size == 1


# ---------------------------------------------------------------------------------------- state
def monitors() -> list:
    return [
        (qm.monitor.Shewhart("xmr", baseline=12, rules="nelson"), lambda m, x, r: m.push(x)),
        (qm.monitor.Shewhart("u", baseline=10), lambda m, x, r: m.push(round(abs(x) * 3), 5 + r)),
        (qm.monitor.Cusum(baseline=15, reset_after_signal=True), lambda m, x, r: m.push(x)),
        (qm.monitor.Ewma(baseline=15, lam=0.1), lambda m, x, r: m.push(x)),
        (qm.monitor.BernoulliCusum(baseline=30), lambda m, x, r: m.push(float(r < 0.2 + 0.2 * (x > 1)))),
        (qm.monitor.RiskAdjustedCusum(h_upper=2.0), lambda m, x, r: m.push(float(r < 0.3 * (1 + (x > 1))), 0.3)),
        (qm.monitor.Vlad(mean_risk=0.3, h_deterioration=1.5), lambda m, x, r: m.push(float(r < 0.3 * (1 + (x > 1))), 0.3)),
    ]


@pytest.mark.parametrize("k", range(7))
def test_save_restore_mid_stream_gives_identical_output(k: int) -> None:
    rng = np.random.default_rng(k)
    x = rng.normal(size=200) + np.where(np.arange(200) > 120, 1.5, 0.0)
    r = rng.random(200)
    a, push = monitors()[k]
    b, _ = monitors()[k]
    for i in range(60):
        push(a, x[i], r[i])
        push(b, x[i], r[i])
    state, js = b.save(), b.to_json()
    assert isinstance(state, bytes) and isinstance(js, str)
    for c in (qm.monitor.restore(state), qm.monitor.from_json(js), qm.monitor.restore(js), pickle.loads(pickle.dumps(b))):
        assert type(c) is type(a)
        assert c.save() == state
        d = pickle.loads(pickle.dumps(a))
        for i in range(60, 200):
            ea, ec = push(d, x[i], r[i]), push(c, x[i], r[i])
            assert repr(ea) == repr(ec), (k, i)


def test_damaged_states_are_rejected_with_clear_errors() -> None:
    m = qm.monitor.Shewhart("xmr", baseline=12)
    for v in np.sin(np.arange(30)):
        m.push(v)
    state = m.save()
    with pytest.raises(ValueError, match="state: truncated"):
        qm.monitor.restore(state[:40])
    with pytest.raises(ValueError, match="state: truncated"):
        qm.monitor.restore(state[:-1])
    bad = bytearray(state)
    bad[len(state) // 2] ^= 1
    with pytest.raises(ValueError, match=r"state: corrupted \(checksum mismatch\)"):
        qm.monitor.restore(bytes(bad))
    with pytest.raises(ValueError, match="not a qualitymetrics monitor state"):
        qm.monitor.restore(b"PK\x03\x04 a zip file, not a monitor")
    v2 = bytearray(state)
    v2[4] = 2
    with pytest.raises(ValueError, match="version 2 is not supported"):
        qm.monitor.restore(bytes(v2))
    with pytest.raises(ValueError, match="this is a shewhart monitor state, not a cusum one"):
        qm.monitor.Cusum.restore(state)
    js = m.to_json()
    with pytest.raises(ValueError, match="checksum mismatch"):
        qm.monitor.from_json(js.replace('"index":30', '"index":29'))
    with pytest.raises(ValueError, match="invalid JSON"):
        qm.monitor.from_json(js[: len(js) // 3])
    with pytest.raises(ValueError, match="version 9 is not supported"):
        qm.monitor.from_json(js.replace('"version":1', '"version":9'))
    with pytest.raises(ValueError, match="state: expected bytes"):
        qm.monitor.restore(12)


# ---------------------------------------------------------------------------------------- outcome monitors
def test_risk_adjusted_cusum_hand_calculation() -> None:
    ref = hand("risk_adjusted_cusum_hand.csv")
    risk = 1 / (1 + np.exp(-(-3.67 + 0.077 * ref["parsonnet"].to_numpy())))
    np.testing.assert_allclose(risk, ref["risk"], rtol=1e-14)
    m = qm.monitor.RiskAdjustedCusum(h_upper=2, h_lower=2)
    rep = m.replay(pd.DataFrame({"y": ref["death"], "p": risk}), "y", "p")
    np.testing.assert_allclose(rep.frame["cusum_upper"], ref["upper"], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(-rep.frame["cusum_lower"], ref["lower"], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(rep.frame["weight_upper"], ref["weight_upper"], rtol=1e-13)
    assert (rep.frame["rule_upper"].astype(int) | 2 * rep.frame["rule_lower"].astype(int)).tolist() == ref["flags"].tolist()
    assert qm.monitor.RiskAdjustedCusum().push(1, 0.2).lines["weight_upper"] == pytest.approx(np.log(2) - np.log(1.2))


def test_vlad_hand_calculation() -> None:
    ref = hand("vlad_hand.csv")
    k = 0.14016915357569471 * (1 - np.log(2)) / np.log(2)
    m = qm.monitor.Vlad(mean_risk=0.14016915357569471, h_deterioration=1.2)
    assert m.parameters["k_deterioration"] == pytest.approx(k, rel=1e-14)
    rep = m.replay(pd.DataFrame({"y": ref["death"], "p": ref["risk"]}), "y", "p")
    np.testing.assert_allclose(rep.frame["vlad"], ref["vlad"], rtol=1e-13)
    np.testing.assert_allclose(rep.frame["eo_lower"], ref["lower"], rtol=1e-12, atol=1e-15)
    assert rep.frame["rule_deterioration"].astype(int).tolist() == ref["flags"].tolist()
    assert set(rep.signals["point_type"]) == {"special_cause_concern"}


def test_bernoulli_cusum_hand_calculation_as_bchart() -> None:
    ref = hand("bernoulli_cusum_hand.csv")
    rep = qm.monitor.BernoulliCusum(target=0.1).replay(ref, "x")
    np.testing.assert_allclose(rep.frame["cusum_upper"], ref["upper"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(rep.frame["cusum_lower"], ref["lower"], rtol=1e-12, atol=1e-15)
    flags = rep.frame["rule_upper"].astype(int) | 2 * rep.frame["rule_lower"].astype(int)
    assert flags.tolist() == ref["flags"].tolist()
    assert rep.signals["rule"].tolist() == ["lower", "upper"]
    assert rep.signals["point_type"].tolist() == ["special_cause_improvement", "special_cause_concern"]
    with pytest.raises(ValueError, match="must be 0 or 1"):
        qm.monitor.BernoulliCusum(target=0.1).push(2)


# ---------------------------------------------------------------------------------------- thresholds
def test_cusum_thresholds_against_montgomery() -> None:
    assert round(qm.monitor.cusum_arl(0.5, 4.0)) == 168
    assert round(qm.monitor.cusum_arl(0.5, 5.0)) == 465
    assert qm.monitor.cusum_arl(0.5, 5.0, 1.0) == pytest.approx(10.4, abs=0.05)
    assert qm.monitor.cusum_threshold(370, 0.5) == pytest.approx(4.77, abs=0.005)
    assert qm.monitor.cusum_arl_siegmund(0.5, 5.0) == pytest.approx(465, rel=0.02)
    h = qm.monitor.cusum_threshold_for_false_alarm(0.05, 60)
    assert qm.monitor.cusum_false_alarm_probability(0.5, h, 60) == pytest.approx(0.05, abs=1e-4)
    with pytest.raises(ValueError, match="arl0"):
        qm.monitor.cusum_threshold(0.5)


def test_outcome_thresholds_and_simulation() -> None:
    h = qm.monitor.bernoulli_threshold(0.05, arl0=1000)
    assert qm.monitor.bernoulli_arl(0.05, h, chart="upper") == pytest.approx(1000, rel=1e-3)
    sim = qm.monitor.simulate_arl(h, p0=0.05, runs=1500, seed=3)
    assert sim["arl"] == pytest.approx(1000, rel=max(0.05, 3 * sim["standard_error"] / sim["arl"]))
    risks = 1 / (1 + np.exp(3.67 - 0.077 * np.arange(0, 60, 3)))
    hr = qm.monitor.risk_adjusted_threshold(risks, arl0=500)
    assert qm.monitor.risk_adjusted_arl(risks, hr) == pytest.approx(500, rel=1e-3)
    assert qm.monitor.bernoulli_arl(0.05, 3.5) < qm.monitor.bernoulli_arl(0.05, 3.5, chart="upper")
    with pytest.raises(ValueError, match="p0"):
        qm.monitor.simulate_arl(2.0)
