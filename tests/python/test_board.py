"""qm.board_summary — the Making Data Count summary matrix and the indicators needing attention.

Expected values: the icons qm.spc reports for real NHS A&E indicators, and the severity order
documented in README "Board summary" (qm/assurance/board.hpp), checked cell by cell.
"""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import qualitymetrics as qm  # noqa: E402

#: the documented tiers: (variation column, assurance row) -> severity, 0 = no escalation
TIERS = {
    ("concern", "consistent_fail"): 1, ("concern", "hit_and_miss"): 2, ("common_cause", "consistent_fail"): 3,
    ("concern", "no_target"): 4, ("concern", "consistent_pass"): 5, ("improvement", "consistent_fail"): 6,
    ("common_cause", "hit_and_miss"): 7,
}


@pytest.fixture(scope="module")
def results() -> dict[str, qm.SPCResult]:
    df = qm.ae_performance()
    t1 = df[df["type"] == "1"]
    trusts = list(t1["org_code"].unique()[:19]) + ["RRK"]
    sub = t1[t1["org_code"].isin(trusts)]
    rrk = sub[sub["org_code"] == "RRK"]
    return {
        "4-hour performance": qm.spc(sub, value="performance", date="period", group="org_code", target=0.95),
        "Admissions": qm.spc(rrk, value="admissions", date="period", improvement="neutral"),
        "Breaches": qm.spc(rrk, value="breaches", date="period", improvement="decrease", target=1500),
        "Attendances": qm.spc(rrk, value="attendances", date="period", improvement="increase"),
    }


def test_matrix_counts_names_and_cells(results):
    board = qm.board_summary(results)
    f = board.frame
    assert board.n_indicators == 23 == len(f)
    m = board.matrix()
    assert list(m.index) == ["consistent_pass", "hit_and_miss", "consistent_fail", "no_target"]
    assert list(m.columns) == ["improvement", "common_cause", "concern", "neutral"]
    assert int(m.to_numpy().sum()) == 23
    names = board.matrix("names")
    for (r, c), n in m.stack().items():
        assert len(names.loc[r, c]) == n
    assert "Admissions" in names.loc["no_target", "neutral"]
    # every indicator's cell is its icons' cell
    summary = results["4-hour performance"].summary().set_index("group")
    for _, row in f[f["source"] == "4-hour performance"].iterrows():
        s = summary.loc[row["group"]]
        assert row["variation_icon"] == s["variation_icon"] and row["assurance_icon"] == s["assurance_icon"]
        col = {"common": "common_cause", "improvement": "improvement", "concern": "concern",
               "neutral": "neutral"}[s["variation_icon"].split("_")[0]]
        assert row["variation"] == col
        assert row["assurance"] == (s["assurance_icon"] or "no_target")
        assert row["indicator"] == f"4-hour performance – {row['group']}"


def test_attention_order_follows_the_documented_tiers(results):
    board = qm.board_summary(results)
    f = board.frame
    for _, row in f.iterrows():
        assert row["severity"] == TIERS.get((row["variation"], row["assurance"]), 0)
    att = board.attention()
    assert list(att["attention_rank"]) == list(range(1, len(att) + 1))
    assert att["severity"].is_monotonic_increasing
    assert len(att) == int((f["severity"] > 0).sum())
    # within a tier, the target furthest on the failing side first
    for _, tier in att.groupby("severity"):
        ti = tier["target_index"].dropna().to_numpy()
        assert np.all(np.diff(ti) >= 0)
    # the not-escalated never appear
    assert not set(att["indicator"]) & set(f.loc[f["severity"] == 0, "indicator"])


def test_sources_summary_frames_lists_and_names(results):
    a = qm.board_summary(results).frame
    b = qm.board_summary({k: v.summary() for k, v in results.items()}).frame
    pd.testing.assert_frame_equal(a, b)
    c = qm.board_summary(list(results.values()), names=list(results)).frame
    assert list(c["indicator"]) == list(a["indicator"])
    d = qm.board_summary(list(results.values())).frame  # named by each result's value column
    assert "admissions" in set(d["source"])
    single = qm.board_summary(results["Breaches"])
    assert single.frame["indicator"].tolist() == ["breaches"]


def test_hand_built_summary_frame_and_bad_icons():
    s = pd.DataFrame({"group": ["w1", "w2", "w3"],
                      "variation_icon": ["concern_low", "common_cause", "improvement_high"],
                      "assurance_icon": ["hit_and_miss", None, "consistent_fail"]})
    board = qm.board_summary({"Falls": s})
    assert list(board.attention()["indicator"]) == ["Falls – w1", "Falls – w3"]
    assert board.matrix().loc["no_target", "common_cause"] == 1
    bad = s.assign(variation_icon=["concern_low", "worse", "common_cause"])
    with pytest.raises(ValueError, match=r"variation_icon: 'worse' is not a variation icon \(indicator 'Falls – w2'\)"):
        qm.board_summary({"Falls": bad})
    with pytest.raises(ValueError, match="assurance_icon: 'pass' is not an assurance icon"):
        qm.board_summary({"Falls": s.assign(assurance_icon=["pass", None, None])})
    with pytest.raises(ValueError, match="has no variation_icon column"):
        qm.board_summary({"Falls": s.drop(columns="variation_icon")})
    with pytest.raises(ValueError, match="results: expected"):
        qm.board_summary(42)
    with pytest.raises(ValueError, match="names: 1 names for 2 results"):
        qm.board_summary([s, s], names=["a"])


def test_outputs_and_plot(results):
    board = qm.board_summary(results)
    d = board.to_dict()
    json.dumps(d, default=str)
    assert d["counts"]["consistent_fail"]["concern"] == int(board.matrix().loc["consistent_fail", "concern"])
    h = board._repr_html_()
    assert "Consistently failing" in h and "Special cause concern" in h and "Needing attention" in h
    assert "BoardSummary(indicators=23" in repr(board)
    ax = board.plot()
    gids = {a.get_gid() for a in ax.get_children()}
    assert "qm-board-cell-consistent_fail-concern" in gids and "qm-board-header-no_target" in gids
    labels = {c.get_label() for c in ax.child_axes}
    assert "qm-variation-icon:concern_high" in labels and "qm-assurance-icon:consistent_fail" in labels
    plt.close(ax.figure)
